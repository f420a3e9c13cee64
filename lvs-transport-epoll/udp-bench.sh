#!/usr/bin/env bash
# Loopback measurement of UDP through one event loop: NIO, epoll batch 1 and epoll batch 32 in one run
# (see UdpBatchBench's Javadoc). Needs JDK 22+ (JAVA_HOME, else the newest under /usr/lib/jvm).
# Usage: lvs-transport-epoll/udp-bench.sh [rounds=3] [seconds=4] [window=32]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[2-9]|[3-9][0-9])'; then
  JAVA_HOME=$(ls -d /usr/lib/jvm/*/ | while read -r h; do
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$h/release" 2>/dev/null || true)
    [ -n "$v" ] && [ "$v" -ge 22 ] && echo "$v ${h%/}"; done | sort -n | tail -n 1 | cut -d' ' -f2)
fi
[ -n "${JAVA_HOME:-}" ] || { echo "bench.sh: no JDK 22+ found" >&2; exit 1; }
export JAVA_HOME
echo "bench.sh: JAVA_HOME=$JAVA_HOME" >&2
cpfile=$(mktemp)
trap 'rm -f "$cpfile"' EXIT
# one reactor run: compiles, then writes each module's test classpath to $cpfile (the epoll module's last)
mvn -B -q -pl lvs-transport-epoll -am test-compile \
  org.apache.maven.plugins:maven-dependency-plugin:3.9.0:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$cpfile" >&2
cp=$(cat "$cpfile")
"$JAVA_HOME/bin/java" --add-opens java.base/jdk.internal.misc=ALL-UNNAMED --enable-native-access=ALL-UNNAMED \
  -Xmx1g -cp "lvs-transport-epoll/target/test-classes:lvs-transport-epoll/target/classes:lvs-core/target/classes:lvs-scheduler/target/classes:lvs-transport-nio/target/classes:$cp" \
  io.jlvs.transport.epoll.UdpBatchBench "$@"

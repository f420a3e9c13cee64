#!/usr/bin/env bash
# Loopback micro-measurement of the epoll relay primitives against the NIO transport and no front, in one
# run (see RelayBench's Javadoc). Needs JDK 22+ (JAVA_HOME, else the newest under /usr/lib/jvm).
# Usage: lvs-transport-epoll/bench.sh [rounds=3] [bulkMiB=2048] [pingPongSeconds=3] [pipeBytes=65536]
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
  io.jlvs.transport.epoll.internal.RelayBench "$@"

#!/usr/bin/env bash
# The end-to-end loopback benchmark (io.jlvs.jmh.e2e.Bench): direct (no front) vs JLVS NIO (1 and 2 event loops) vs
# JLVS epoll (1 and 2 event loops, on JDK 22+) vs HAProxy (1 thread; 1 thread with option splice-auto; nbthread 2
# with splice-auto), nginx stream (1 worker) and pen, the peers when installed. Load clients: iperf3 (TCP 1 and 8
# streams, UDP 1400 B at 1 Gbit/s) and wrk against an nginx HTTP backend (1 KiB keep-alive at 64 and 512
# connections, Connection: close, 1 MiB at 16 connections) when installed, else the built-in BenchClient (each row
# says which). Tools:
#   apt-get install wrk iperf3 haproxy nginx-light libnginx-mod-stream pen   (and linux-perf for --profile's perf stat)
# The driver and the NIO fronts run on the default java (JDK 17); the epoll fronts run in a child JVM of the newest
# JDK 22+ under /usr/lib/jvm (or JAVA25=/path/to/jdk, or --java25 PATH), which also builds the tree so that the
# lvs-transport-epoll jar exists. Without a JDK 22+ the epoll fronts are skipped and the report says why.
# Writes its section of BENCHMARKS.md between the <!-- e2e:begin ... --> and <!-- e2e:end --> markers.
# Usage: lvs-jmh/bench.sh [--seconds 5] [--repeats 3] [--only tcp1,tcp8,udp1400,udp64,ka64,ka512,newconn,mib16,memory]
#        [--fronts direct,jlvs-1,jlvs-2,jlvs-epoll-1,jlvs-epoll-2,haproxy,haproxy-splice,haproxy-2,nginx,pen]
#        [--client auto|builtin] [--jlvs-front NAME:LOOPS:TRANSPORT[:25][:-Dname=value...] ...] [--java25 PATH]
#        [--epoll-jar PATH] [--profile ROWS|all] [--profile-dir DIR] [--out BENCHMARKS.md]
set -euo pipefail
cd "$(dirname "$0")/.."
jar=lvs-jmh/target/benchmarks.jar
java25="${JAVA25:-}"
if [ -z "$java25" ]; then
  for d in /usr/lib/jvm/*/; do
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$d/release" 2>/dev/null || true)
    if [ -n "$v" ] && [ "$v" -ge 22 ] && [ -x "$d/bin/java" ] && { [ -z "$java25" ] || [ "$v" -gt "$best" ]; }; then
      java25="${d%/}"; best=$v
    fi
  done
fi
epoll_jar_missing() { ! ls lvs-transport-epoll/target/lvs-transport-epoll-*.jar >/dev/null 2>&1; }
if [ ! -f "$jar" ] || [ -n "$(find lvs-*/src pom.xml lvs-*/pom.xml -newer "$jar" -type f -print -quit)" ] \
   || { [ -n "$java25" ] && epoll_jar_missing; }; then
  if [ -n "$java25" ]; then
    # on JDK 22+ the reactor includes lvs-transport-epoll; every other module is still compiled for Java 17
    JAVA_HOME="$java25" mvn -B -q -DskipTests package
  else
    mvn -B -q -DskipTests package
  fi
fi
extra=()
if [ -n "$java25" ]; then
  extra=(--java25 "$java25")
fi
exec java -Xmx512m -cp "$jar" io.jlvs.jmh.e2e.Bench --out BENCHMARKS.md "${extra[@]}" "$@"

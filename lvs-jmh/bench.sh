#!/usr/bin/env bash
# The end-to-end loopback benchmark (io.jlvs.jmh.e2e.Bench): direct (no front) vs JLVS (1 and 2 event loops) vs
# HAProxy (1 thread; 1 thread with option splice-auto; nbthread 2 with splice-auto), nginx stream (1 worker) and pen,
# the peers when installed. Load clients: iperf3 (TCP 1 and 8 streams, UDP 1400 B at 1 Gbit/s) and wrk against an
# nginx HTTP backend (1 KiB keep-alive at 64 and 512 connections, Connection: close, 1 MiB at 16 connections) when
# installed, else the built-in BenchClient (each row says which). Tools:
#   apt-get install wrk iperf3 haproxy nginx-light libnginx-mod-stream pen
# Writes its section of BENCHMARKS.md between the <!-- e2e:begin ... --> and <!-- e2e:end --> markers.
# Usage: lvs-jmh/bench.sh [--seconds 5] [--repeats 3] [--only tcp1,tcp8,udp1400,udp64,ka64,ka512,newconn,mib16,memory]
#        [--fronts direct,jlvs-1,jlvs-2,haproxy,haproxy-splice,haproxy-2,nginx,pen] [--client auto|builtin]
#        [--jlvs-front NAME:LOOPS:TRANSPORT ...] [--out BENCHMARKS.md]
set -euo pipefail
cd "$(dirname "$0")/.."
jar=lvs-jmh/target/benchmarks.jar
if [ ! -f "$jar" ] || [ -n "$(find lvs-*/src pom.xml lvs-*/pom.xml -newer "$jar" -type f -print -quit)" ]; then
  mvn -B -q -DskipTests package
fi
exec java -Xmx512m -cp "$jar" io.jlvs.jmh.e2e.Bench --out BENCHMARKS.md "$@"

#!/usr/bin/env bash
# The end-to-end loopback benchmark: direct vs JLVS (1 and 2 event loops) vs HAProxy, nginx stream and pen when
# installed (apt-get install haproxy nginx-light libnginx-mod-stream pen). Writes BENCHMARKS.md in the project root.
# Usage: lvs-jmh/bench.sh [--seconds 5] [--repeats 3] [--only bulk1,bulk8,rr64,rr512,connrate,udp64,udp1400,memory]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f lvs-jmh/target/benchmarks.jar ]; then
  mvn -B -q -DskipTests package
fi
exec java -Xmx512m -cp lvs-jmh/target/benchmarks.jar io.jlvs.jmh.e2e.Bench --out BENCHMARKS.md "$@"

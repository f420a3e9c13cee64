#!/usr/bin/env bash
# Soak run (not run in CI): mixed TCP/UDP traffic through one JLVS director for N minutes (default 30); every
# interval (default 60 s) prints open descriptors, heap, direct memory, live connections, traffic and errors.
# Usage: lvs-jmh/soak.sh [minutes] [interval-seconds]     Exit status 1 if any client saw an error.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f lvs-jmh/target/benchmarks.jar ]; then
  mvn -B -q -DskipTests package
fi
exec java -Xmx256m -XX:MaxDirectMemorySize=256m -cp lvs-jmh/target/benchmarks.jar io.jlvs.jmh.soak.Soak "${1:-30}" "${2:-60}"

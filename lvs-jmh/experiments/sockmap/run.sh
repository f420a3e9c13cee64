#!/usr/bin/env bash
# Measures the sockmap prototype (skm.c) beside direct and HAProxy (1 thread, and 1 thread with splice-auto), same
# run, order rotating, medians of REPEATS runs of SECONDS: iperf3 TCP 1 stream (Gbit/s) and wrk 1 KiB keep-alive at
# 64 connections against one nginx worker (req/s). Needs root (BPF), gcc, iperf3, wrk, nginx, haproxy.
# Usage: lvs-jmh/experiments/sockmap/run.sh [SECONDS] [REPEATS]   (best inside a network namespace of its own)
set -euo pipefail
secs=${1:-4}; reps=${2:-3}
here=$(cd "$(dirname "$0")" && pwd); tmp=$(mktemp -d)
trap 'kill $(jobs -p) $(cat "$tmp"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$tmp"' EXIT
gcc -O2 -D_GNU_SOURCE -o "$tmp/skm" "$here/skm.c"
mkdir "$tmp/www"; head -c 1024 /dev/zero | tr '\0' x > "$tmp/www/1k"
cat > "$tmp/ng.conf" <<NG
worker_processes 1; pid $tmp/ng.pid; error_log $tmp/ng.err; daemon on;
events { worker_connections 4096; }
http { access_log off; server { listen 127.0.0.1:28081 backlog=4096; keepalive_requests 1000000; root $tmp/www; } }
NG
nginx -c "$tmp/ng.conf"
hap() { # name port backend-port [option]
  printf 'global\n  nbthread 1\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 60s\n  timeout server 60s\n%s\nlisten f\n  bind 127.0.0.1:%s\n  server s 127.0.0.1:%s\n' \
    "${4:-}" "$2" "$3" > "$tmp/$1.cfg"; haproxy -D -f "$tmp/$1.cfg" -p "$tmp/$1.pid"; }
hap hap 28001 25201
hap hapw 28002 28081
hap haps 28003 25201 "  option splice-auto"; hap hapsw 28004 28081 "  option splice-auto"
iperf3 -s -p 25201 >/dev/null 2>&1 &
"$tmp/skm" 28011 25201 2>/dev/null & "$tmp/skm" 28012 28081 2>/dev/null &
for port in 25201 28001 28002 28003 28004 28011 28012 28081; do   # wait until every front and backend listens
  for ((t = 0; t < 100; t++)); do ss -Hltn "sport = :$port" | grep -q . && break; sleep 0.1; done
  ss -Hltn "sport = :$port" | grep -q . || { echo "nothing listens on port $port" >&2; exit 1; }
done
declare -A tport=([direct]=25201 [haproxy]=28001 [haproxy-splice]=28003 [sockmap]=28011)
declare -A wport=([direct]=28081 [haproxy]=28002 [haproxy-splice]=28004 [sockmap]=28012)
fronts=(direct haproxy haproxy-splice sockmap)
declare -A tcp ka
for ((r = 0; r < reps; r++)); do
  for ((i = 0; i < ${#fronts[@]}; i++)); do
    f=${fronts[$(((i + r) % ${#fronts[@]}))]}
    g=$(iperf3 -c 127.0.0.1 -p "${tport[$f]}" -t "$secs" -J | python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))')
    q=$(wrk -t1 -c64 -d"${secs}s" "http://127.0.0.1:${wport[$f]}/1k" | awk '/Requests\/sec/ {print $2}')
    echo "run $r $f tcp1 $g Gbit/s ka64 $q req/s"; tcp[$f]+="$g "; ka[$f]+="$q "
  done
done
med() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
echo "| front | iperf3 TCP 1 stream, Gbit/s | 1 KiB keep-alive, 64 conns, req/s |"
echo "|---|---:|---:|"
for f in "${fronts[@]}"; do echo "| $f | $(echo "${tcp[$f]}" | med) | $(echo "${ka[$f]}" | med) |"; done

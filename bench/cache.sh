#!/usr/bin/env bash
# The cached path: edgefn running bench/function.js on every request and
# answering from its cache (the CachingOptimized policy), against nginx + njs
# running the same function to compute the key of proxy_cache. Both sit in
# front of one origin, on loopback; every measured request is a hit. Prints
# requests/s and p99 for both, and the ratio edgefn/nginx.
#
# Run by hand, like bench/edge.sh (as root or with sudo: it installs nginx
# with the njs module, wrk and curl when they are missing; bench/lib.sh):
#
#   bench/cache.sh
#
# Environment: ROUNDS (default 3), DURATION (seconds per target and round,
# default 5), CONNECTIONS (default 64), THREADS (default 2), BASE_PORT
# (default 18180; four ports from it are used).
set -euo pipefail

DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
port=${BASE_PORT:-18180}
origin_port=$port front_port=$((port + 1)) api_port=$((port + 2)) edge_port=$((port + 3))

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

bench_tools
bench_build "$root" "$work"

# nginx's workers run as another user when started as root: they must write
# the cache and its temporary files.
mkdir -p "$work/nginx/cache" "$work/nginx/tmp"
chmod 755 "$work" "$work/nginx"
chmod 777 "$work/nginx/cache" "$work/nginx/tmp"
cat "$root/bench/function.js" "$root/bench/njs-adapter.js" >"$work/nginx/cf.js"
# The origin says nothing of caching: both fronts use their default TTL
# (CachingOptimized's is a day; proxy_cache_valid gives nginx the same).
nginx_conf "$work/nginx" auto "js_path $work/nginx;
	js_import main from cf.js;
	js_set \$cf_uri main.uri;
	js_var \$cf_x_edge;
	proxy_cache_path $work/nginx/cache keys_zone=edge:64m max_size=256m;
	proxy_temp_path $work/nginx/tmp;
	$(origin_server "$origin_port")
	server {
		listen 127.0.0.1:$front_port reuseport;
		location / {
			proxy_cache edge;
			# The key is the request as the function left it, as CloudFront's.
			proxy_cache_key \$cf_uri\$is_args\$args;
			proxy_cache_valid 200 1d;
			proxy_http_version 1.1;
			proxy_set_header Connection \"\";
			proxy_set_header Host localhost;
			proxy_set_header X-Edge \$cf_x_edge;
			proxy_pass http://127.0.0.1:$origin_port\$cf_uri\$is_args\$args;
			add_header X-Cache \$upstream_cache_status;
		}
	}"
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
pids+=($!)
"$work/edgefn" serve --data "$work/data" --api-addr "127.0.0.1:$api_port" --edge-addr "127.0.0.1:$edge_port" --metrics-addr "" \
	--log-level warn 2>"$work/edgefn.log" &
pids+=($!)

# hit URL HOST: waits (30 s at most) until URL answers from the cache.
hit() {
	for _ in $(seq 300); do
		if curl -s -D - -o /dev/null -H "Host: $2" "$1" | grep -qiE '^x-cache: (hit|Hit from cloudfront)'; then
			return 0
		fi
		sleep 0.1
	done
	echo "no cache hit from $1 ($2)" >&2
	cat "$work/edgefn.log" "$work/nginx/error.log" >&2 || true
	exit 1
}
until curl -sf "http://127.0.0.1:$api_port/healthz" >/dev/null; do sleep 0.1; done
eval "$("$work/edgesetup" -endpoint "http://127.0.0.1:$api_port" -origin "localhost:$origin_port" \
	-function "$root/bench/function.js" -cache-policy 658327ea-f89d-4fab-a63d-7e88639e58f6)"
hit "http://127.0.0.1:$edge_port/index.html" "$FN"
hit "http://127.0.0.1:$front_port/index.html" localhost

declare -A rps
# measure NAME URL HOST: one round of wrk, after a second of warm-up.
measure() {
	local out
	wrk -t"$THREADS" -c"$CONNECTIONS" -d1s -H "Host: $3" "$2" >/dev/null
	out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Host: $3" "$2")
	if grep -q "Non-2xx" <<<"$out"; then echo "$1: some responses were not 2xx" >&2; echo "$out" >&2; exit 1; fi
	local r
	r=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	rps[$1]+="$r "
	printf '  %-32s %s req/s, p99 %s\n' "$1" "$r" "$(awk '$1 == "99%" {print $2}' <<<"$out")"
}

nginx_name="nginx+njs proxy_cache (hit)" edge_name="edgefn function + cache (hit)"
echo "cached path: wrk -t$THREADS -c$CONNECTIONS, $ROUNDS rounds of ${DURATION}s, $(nproc) CPUs"
for round in $(seq "$ROUNDS"); do
	echo "round $round"
	measure "$nginx_name" "http://127.0.0.1:$front_port/index.html" localhost
	measure "$edge_name" "http://127.0.0.1:$edge_port/index.html" "$FN"
done
n=$(median "${rps[$nginx_name]}") e=$(median "${rps[$edge_name]}")
echo
printf '  %-32s %s req/s (median)\n' "$nginx_name" "$n" "$edge_name" "$e"
echo "edgefn (function + cache hit) / nginx+njs (proxy_cache hit): $(awk -v a="$e" -v b="$n" 'BEGIN { printf "%.2f", a / b }')"

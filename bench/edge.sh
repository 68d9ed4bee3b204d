#!/usr/bin/env bash
# Compares edgefn's edge with nginx + njs running the same CloudFront
# viewer-request function (bench/function.js: a uri rewrite and an added
# header) in front of the same origin, all on loopback, driven by wrk in one
# run. Also measures edgefn without a function, nginx proxying without one,
# and the origin hit directly. Prints requests/s and p99 latency for each,
# and the ratios edgefn/nginx+njs and edgefn-with-function/edgefn-without.
#
# Run by hand (not in CI), as root or with sudo for apt-get:
#
#   bench/edge.sh
#
# Environment: ROUNDS (default 3), DURATION (seconds measured per target and
# round, default 5), WARMUP (seconds, default 2), CONNECTIONS (default 64),
# THREADS (wrk threads, default 2), BASE_PORT (default 18080; five ports from
# it are used). Besides requests/s and p99, each proxy's own CPU time per
# request is shown: on a machine where the load generator and the origin share
# the cores, it tells what each proxy costs apart from them.
set -euo pipefail

DURATION=${DURATION:-5}
WARMUP=${WARMUP:-2}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
BASE_PORT=${BASE_PORT:-18080}
ORIGIN_PORT=$BASE_PORT
NGINX_PORT=$((BASE_PORT + 1))
NGINX_PLAIN_PORT=$((BASE_PORT + 2))
API_PORT=$((BASE_PORT + 3))
EDGE_PORT=$((BASE_PORT + 4))

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
pids=()

cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

# --- tools ---------------------------------------------------------------
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
need=()
command -v nginx >/dev/null || need+=(nginx-light)
[ -e /usr/share/nginx/modules/ngx_http_js_module.so ] || [ -e /usr/lib/nginx/modules/ngx_http_js_module.so ] || need+=(libnginx-mod-http-js)
command -v wrk >/dev/null || need+=(wrk)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
	echo "installing ${need[*]}" >&2
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
js_module=/usr/share/nginx/modules/ngx_http_js_module.so
[ -e "$js_module" ] || js_module=/usr/lib/nginx/modules/ngx_http_js_module.so

# --- edgefn --------------------------------------------------------------
(cd "$root" && go build -o "$work/edgefn" ./cmd/edgefn && go build -o "$work/edgesetup" ./bench/edgesetup)

# --- nginx: the origin, and the front with and without the function -----
mkdir -p "$work/origin" "$work/front"
cat >"$work/origin/nginx.conf" <<EOF
worker_processes 1;
pid $work/origin/nginx.pid;
error_log $work/origin/error.log warn;
daemon off;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 1000000;
	server {
		listen 127.0.0.1:$ORIGIN_PORT reuseport;
		location / { default_type text/plain; return 200 "hello from the origin\n"; }
	}
}
EOF

cat "$root/bench/function.js" "$root/bench/njs-adapter.js" >"$work/front/cf.js"
cat >"$work/front/nginx.conf" <<EOF
load_module $js_module;
worker_processes auto;
pid $work/front/nginx.pid;
error_log $work/front/error.log warn;
daemon off;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 1000000;
	js_path $work/front;
	js_import main from cf.js;
	js_set \$cf_uri main.uri;
	js_var \$cf_x_edge;
	upstream origin {
		server 127.0.0.1:$ORIGIN_PORT;
		keepalive 128;
	}
	server {
		listen 127.0.0.1:$NGINX_PORT reuseport;
		location / {
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header Host localhost;
			proxy_pass http://origin\$cf_uri\$is_args\$args;
			proxy_set_header X-Edge \$cf_x_edge;
		}
	}
	server {
		listen 127.0.0.1:$NGINX_PLAIN_PORT reuseport;
		location / {
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header Host localhost;
			proxy_pass http://origin;
		}
	}
}
EOF

nginx -p "$work/origin" -c "$work/origin/nginx.conf" &
pids+=($!)
nginx -p "$work/front" -c "$work/front/nginx.conf" &
pids+=($!)
"$work/edgefn" serve --data "$work/data" --api-addr "127.0.0.1:$API_PORT" --edge-addr "127.0.0.1:$EDGE_PORT" \
	--log-level warn 2>"$work/edgefn.log" &
pids+=($!)

# wait_for URL [HOST]: until it answers 200, for at most 30 s.
wait_for() {
	for _ in $(seq 300); do
		if [ "$(curl -s -o /dev/null -w '%{http_code}' ${2:+-H "Host: $2"} "$1")" = 200 ]; then
			return 0
		fi
		sleep 0.1
	done
	echo "no 200 from $1 ${2:-}" >&2
	cat "$work/edgefn.log" "$work/front/error.log" >&2 || true
	exit 1
}
wait_for "http://127.0.0.1:$ORIGIN_PORT/"
wait_for "http://127.0.0.1:$API_PORT/healthz"
eval "$("$work/edgesetup" -endpoint "http://127.0.0.1:$API_PORT" -origin "localhost:$ORIGIN_PORT" -function "$root/bench/function.js")"
wait_for "http://127.0.0.1:$EDGE_PORT/index.html" "$NOFN"
wait_for "http://127.0.0.1:$EDGE_PORT/index.html" "$FN"
wait_for "http://127.0.0.1:$NGINX_PORT/index.html"

# --- the runs ------------------------------------------------------------
# Targets are measured in turn, ROUNDS times, so that a slow moment of the
# machine hits all of them alike; the summary takes each one's median.
declare -A rps p99 cpu

# cpu_ticks PID...: CPU time (user+system, clock ticks) of the processes
# and their children threads; nginx's workers are the master's children.
cpu_ticks() {
	local total=0 pid t
	for pid in "$@"; do
		for t in $pid $(pgrep -P "$pid" || true); do
			[ -r /proc/$t/stat ] || continue
			total=$((total + $(awk '{print $14 + $15}' /proc/$t/stat)))
		done
	done
	echo $total
}

# measure NAME URL HOST PID...: one round; PIDs are the proxy whose CPU time
# per request is reported (none for the origin).
measure() {
	local name=$1 url=$2 host=$3 out c0 c1
	shift 3
	wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -H "Host: $host" "$url" >/dev/null
	c0=$(cpu_ticks "$@")
	out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Host: $host" "$url")
	c1=$(cpu_ticks "$@")
	if grep -q "Non-2xx" <<<"$out"; then
		echo "$name: some responses were not 2xx:" >&2
		echo "$out" >&2
		exit 1
	fi
	local r p u
	r=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	p=$(awk '$1 == "99%" {
		v = $2
		if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
		else if (v ~ /ms$/) { sub(/ms$/, "", v) }
		else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
		printf "%.2f", v
	}' <<<"$out")
	u=$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v r="$r" -v d="$DURATION" -v n=$# \
		'BEGIN { if (n == 0) print "-"; else printf "%.1f", t / hz / (r * d) * 1e6 }')
	rps[$name]+="$r "
	p99[$name]+="$p "
	cpu[$name]+="$u "
	printf '  %-28s %12s req/s   p99 %8s ms   proxy CPU %6s us/req\n' "$name" "$r" "$p" "$u"
}

median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{v[NR] = $1} END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

nginx_front=${pids[1]}
edge_pid=${pids[2]}
targets=("origin (direct)" "nginx proxy (no function)" "nginx+njs (function)" "edgefn (no function)" "edgefn (function)")
echo "wrk -t$THREADS -c$CONNECTIONS, $ROUNDS rounds of ${DURATION}s per target after ${WARMUP}s warm-up, $(nproc) CPUs"
for round in $(seq "$ROUNDS"); do
	echo "round $round"
	measure "${targets[0]}" "http://127.0.0.1:$ORIGIN_PORT/index.html" localhost
	measure "${targets[1]}" "http://127.0.0.1:$NGINX_PLAIN_PORT/index.html" localhost "$nginx_front"
	measure "${targets[2]}" "http://127.0.0.1:$NGINX_PORT/index.html" localhost "$nginx_front"
	measure "${targets[3]}" "http://127.0.0.1:$EDGE_PORT/index.html" "$NOFN" "$edge_pid"
	measure "${targets[4]}" "http://127.0.0.1:$EDGE_PORT/index.html" "$FN" "$edge_pid"
done

declare -A med
echo
echo "medians of $ROUNDS rounds"
for t in "${targets[@]}"; do
	med[$t]=$(median "${rps[$t]}")
	c=${cpu[$t]//-/}
	if [ -z "${c// /}" ]; then c=-; else c=$(median "$c"); fi
	printf '  %-28s %12s req/s   p99 %8s ms   proxy CPU %6s us/req\n' "$t" "${med[$t]}" "$(median "${p99[$t]}")" "$c"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "edgefn (function) / nginx+njs (function):    $(ratio "${med[edgefn (function)]}" "${med[nginx+njs (function)]}")"
echo "edgefn (function) / edgefn (no function):    $(ratio "${med[edgefn (function)]}" "${med[edgefn (no function)]}")"

#!/usr/bin/env bash
# Compares edgefn's edge with nginx + njs running the same CloudFront
# viewer-request function (bench/function.js: a uri rewrite and an added
# header) in front of the same origin (a separate nginx), all on loopback,
# driven by wrk. The reference is what a user runs: nginx with
# worker_processes auto, doing the CloudFront work the edge does (Via,
# X-Amz-Cf-Id and X-Forwarded-For to the origin; Via, X-Cache, X-Amz-Cf-Pop
# and X-Amz-Cf-Id to the viewer), access logs off on both sides; the same
# front with one worker is measured beside it. edgefn runs twice: on its
# goroutine path and with --edge-loop (the event loop). Also measured: each
# edgefn without a function, nginx proxying without one, the origin directly.
# For each wrk connection count (-c32, -c64, -c256 by default) it prints
# requests/s, p99 latency and each proxy's own CPU time per request, medians
# of interleaved rounds, and the ratios to the references. With BASELINE=REV
# an edgefn built from git revision REV runs beside this tree's in the same
# rounds. Each proxy's system calls per request, by kind, are counted with
# perf at the end (at the first connection count).
#
# Run by hand (not in CI), as root or with sudo for apt-get:
#
#   bench/edge.sh
#
# Environment: ROUNDS (default 3), DURATION (seconds measured per target and
# round, default 5), WARMUP (seconds, default 2), CONNECTIONS (wrk -c values,
# default "32 64 256"), THREADS (wrk threads, default 2), BASE_PORT (default
# 18080; ten ports from it are used), BASELINE (a git revision; none by
# default), SYSCALLS (1, the default, counts system calls with perf after the
# rounds; 0 skips it), LOOP (1, the default, also runs edgefn --edge-loop; 0
# skips it). Besides requests/s and p99, each proxy's own CPU time per
# request is shown: on a machine where the load generator and the origin share
# the cores, it tells what each proxy costs apart from them.
set -euo pipefail

DURATION=${DURATION:-5}
WARMUP=${WARMUP:-2}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-32 64 256}
THREADS=${THREADS:-2}
BASE_PORT=${BASE_PORT:-18080}
ORIGIN_PORT=$BASE_PORT
NGINX_PORT=$((BASE_PORT + 1))
NGINX_PLAIN_PORT=$((BASE_PORT + 2))
API_PORT=$((BASE_PORT + 3))
EDGE_PORT=$((BASE_PORT + 4))
BASE_API_PORT=$((BASE_PORT + 5))
BASE_EDGE_PORT=$((BASE_PORT + 6))
NGINX1_PORT=$((BASE_PORT + 7))
LOOP_API_PORT=$((BASE_PORT + 8))
LOOP_EDGE_PORT=$((BASE_PORT + 9))
BASELINE=${BASELINE:-}
LOOP=${LOOP:-1}
SYSCALLS=${SYSCALLS:-1}

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
[ "$SYSCALLS" = 0 ] || command -v perf >/dev/null || need+=(linux-perf)
if [ ${#need[@]} -gt 0 ]; then
	echo "installing ${need[*]}" >&2
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
js_module=/usr/share/nginx/modules/ngx_http_js_module.so
[ -e "$js_module" ] || js_module=/usr/lib/nginx/modules/ngx_http_js_module.so

# --- edgefn --------------------------------------------------------------
(cd "$root" && go build -o "$work/edgefn" ./cmd/edgefn && go build -o "$work/edgesetup" ./bench/edgesetup)
if [ -n "$BASELINE" ]; then
	# The revision's own tree (third_party/goja included), built as it was.
	mkdir "$work/baseline-src"
	git -C "$root" archive "$BASELINE" | tar -x -C "$work/baseline-src"
	(cd "$work/baseline-src" && go build -o "$work/edgefn-baseline" ./cmd/edgefn)
fi

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
# front WORKERS PORT: an nginx + njs front doing CloudFront's work.
front() {
	local dir=$work/front-$1
	mkdir -p "$dir"
	cp "$work/front/cf.js" "$dir/"
	cat >"$dir/nginx.conf" <<EOF
load_module $js_module;
worker_processes $1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
daemon off;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 1000000;
	js_path $dir;
	js_import main from cf.js;
	js_set \$cf_uri main.uri;
	js_var \$cf_x_edge;
	upstream origin {
		server 127.0.0.1:$ORIGIN_PORT;
		keepalive 128;
	}
	server {
		listen 127.0.0.1:$2 reuseport;
		location / {
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header Host localhost;
			proxy_set_header X-Edge \$cf_x_edge;
			# What CloudFront adds to the origin request and the response.
			proxy_set_header Via "1.1 bench.cloudfront.net (CloudFront)";
			proxy_set_header X-Amz-Cf-Id \$request_id;
			proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
			add_header Via "1.1 bench.cloudfront.net (CloudFront)" always;
			add_header X-Cache "Miss from cloudfront" always;
			add_header X-Amz-Cf-Pop "LOCAL" always;
			add_header X-Amz-Cf-Id \$request_id always;
			proxy_pass http://origin\$cf_uri\$is_args\$args;
		}
	}
	${3:-}
}
EOF
}
# The plain proxy (no function, no headers) sits in the auto front.
front auto "$NGINX_PORT" "server {
		listen 127.0.0.1:$NGINX_PLAIN_PORT reuseport;
		location / {
			proxy_http_version 1.1;
			proxy_set_header Connection \"\";
			proxy_set_header Host localhost;
			proxy_pass http://origin;
		}
	}"
front 1 "$NGINX1_PORT"

nginx -p "$work/origin" -c "$work/origin/nginx.conf" &
pids+=($!)
nginx -p "$work/front-auto" -c "$work/front-auto/nginx.conf" &
nginx_front=$!
pids+=($!)
nginx -p "$work/front-1" -c "$work/front-1/nginx.conf" &
nginx1_front=$!
pids+=($!)
"$work/edgefn" serve --data "$work/data" --api-addr "127.0.0.1:$API_PORT" --edge-addr "127.0.0.1:$EDGE_PORT" --metrics-addr "" \
	--log-level warn 2>"$work/edgefn.log" &
edge_pid=$!
pids+=($!)
if [ "$LOOP" != 0 ]; then
	"$work/edgefn" serve --data "$work/loop-data" --api-addr "127.0.0.1:$LOOP_API_PORT" --edge-addr "127.0.0.1:$LOOP_EDGE_PORT" \
		--edge-loop --log-level warn 2>"$work/edgefn-loop.log" &
	loop_pid=$!
	pids+=($!)
fi
if [ -n "$BASELINE" ]; then
	"$work/edgefn-baseline" serve --data "$work/baseline-data" --api-addr "127.0.0.1:$BASE_API_PORT" \
		--edge-addr "127.0.0.1:$BASE_EDGE_PORT" --log-level warn 2>"$work/edgefn-baseline.log" &
	base_pid=$!
	pids+=($!)
fi

# wait_for URL [HOST]: until it answers 200, for at most 30 s.
wait_for() {
	for _ in $(seq 300); do
		if [ "$(curl -s -o /dev/null -w '%{http_code}' ${2:+-H "Host: $2"} "$1")" = 200 ]; then
			return 0
		fi
		sleep 0.1
	done
	echo "no 200 from $1 ${2:-}" >&2
	cat "$work/edgefn.log" "$work/front-auto/error.log" >&2 || true
	exit 1
}
wait_for "http://127.0.0.1:$ORIGIN_PORT/"
wait_for "http://127.0.0.1:$API_PORT/healthz"
eval "$("$work/edgesetup" -endpoint "http://127.0.0.1:$API_PORT" -origin "localhost:$ORIGIN_PORT" -function "$root/bench/function.js")"
wait_for "http://127.0.0.1:$EDGE_PORT/index.html" "$NOFN"
wait_for "http://127.0.0.1:$EDGE_PORT/index.html" "$FN"
wait_for "http://127.0.0.1:$NGINX_PORT/index.html"
wait_for "http://127.0.0.1:$NGINX1_PORT/index.html"
if [ "$LOOP" != 0 ]; then
	wait_for "http://127.0.0.1:$LOOP_API_PORT/healthz"
	loop_hosts=$("$work/edgesetup" -endpoint "http://127.0.0.1:$LOOP_API_PORT" -origin "localhost:$ORIGIN_PORT" -function "$root/bench/function.js")
	LOOP_NOFN=$(eval "$loop_hosts" && echo "$NOFN")
	LOOP_FN=$(eval "$loop_hosts" && echo "$FN")
	wait_for "http://127.0.0.1:$LOOP_EDGE_PORT/index.html" "$LOOP_NOFN"
	wait_for "http://127.0.0.1:$LOOP_EDGE_PORT/index.html" "$LOOP_FN"
fi
if [ -n "$BASELINE" ]; then
	wait_for "http://127.0.0.1:$BASE_API_PORT/healthz"
	base_hosts=$("$work/edgesetup" -endpoint "http://127.0.0.1:$BASE_API_PORT" -origin "localhost:$ORIGIN_PORT" -function "$root/bench/function.js")
	BASE_NOFN=$(eval "$base_hosts" && echo "$NOFN")
	BASE_FN=$(eval "$base_hosts" && echo "$FN")
	wait_for "http://127.0.0.1:$BASE_EDGE_PORT/index.html" "$BASE_NOFN"
	wait_for "http://127.0.0.1:$BASE_EDGE_PORT/index.html" "$BASE_FN"
fi

# --- the runs ------------------------------------------------------------
# Targets are measured in turn, ROUNDS times per connection count, so that a
# slow moment of the machine hits all of them alike; the summary takes each
# one's median. Results are kept per "CONNECTIONS|target".
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

# measure C NAME URL HOST PID...: one round at wrk -cC; PIDs are the proxy
# whose CPU time per request is reported (none for the origin).
measure() {
	local c=$1 name=$2 url=$3 host=$4 out c0 c1
	shift 4
	wrk -t"$THREADS" -c"$c" -d"${WARMUP}s" -H "Host: $host" "$url" >/dev/null
	c0=$(cpu_ticks "$@")
	out=$(wrk -t"$THREADS" -c"$c" -d"${DURATION}s" --latency -H "Host: $host" "$url")
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
	rps[$c|$name]+="$r "
	p99[$c|$name]+="$p "
	cpu[$c|$name]+="$u "
	printf '  %-30s %12s req/s   p99 %8s ms   proxy CPU %6s us/req\n' "$name" "$r" "$p" "$u"
}

median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{v[NR] = $1} END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# proxy_pids PID...: the processes whose CPU time and system calls are a
# proxy's: the pids and their children (nginx's workers).
proxy_pids() {
	local pid
	for pid in "$@"; do
		echo "$pid"
		pgrep -P "$pid" || true
	done | paste -sd, -
}

# syscalls C NAME URL HOST PID...: one run under perf stat (after the
# rounds, as tracing costs the proxy time); prints the proxy's system calls
# per request by kind, the most frequent first, and their total.
syscalls() {
	local c=$1 name=$2 url=$3 host=$4 out reqs
	shift 4
	perf stat -x, -e 'syscalls:sys_enter_*' -p "$(proxy_pids "$@")" -o "$work/perf.csv" -- sleep "$((DURATION + 1))" &
	local perf_pid=$!
	sleep 0.5
	out=$(wrk -t"$THREADS" -c"$c" -d"${DURATION}s" -H "Host: $host" "$url")
	wait "$perf_pid"
	reqs=$(awk '/requests in/ {print $1}' <<<"$out")
	local kinds
	kinds=$(awk -F, -v n="$reqs" '$1 ~ /^[0-9]+$/ && $1 / n >= 0.01 { k = $3; sub(/^syscalls:sys_enter_/, "", k); printf "%.2f %s\n", $1 / n, k }' "$work/perf.csv" | sort -rn)
	printf '  %-30s %5.2f per request: %s\n' "$name" "$(awk '{ t += $1 } END { print t }' <<<"$kinds")" \
		"$(head -7 <<<"$kinds" | awk '{ printf "%s %s  ", $2, $1 }')"
}

# Each target: name, URL, Host, the proxy's pids (none for the origin).
targets=("origin (direct)" "nginx proxy (no function)" "nginx+njs (function)" "nginx+njs 1 worker (function)" "edgefn (no function)" "edgefn (function)")
declare -A url host pid
url[origin (direct)]=http://127.0.0.1:$ORIGIN_PORT/index.html host[origin (direct)]=localhost pid[origin (direct)]=
url[nginx proxy (no function)]=http://127.0.0.1:$NGINX_PLAIN_PORT/index.html host[nginx proxy (no function)]=localhost
url[nginx+njs (function)]=http://127.0.0.1:$NGINX_PORT/index.html host[nginx+njs (function)]=localhost
url[nginx+njs 1 worker (function)]=http://127.0.0.1:$NGINX1_PORT/index.html host[nginx+njs 1 worker (function)]=localhost
pid[nginx proxy (no function)]=$nginx_front pid[nginx+njs (function)]=$nginx_front pid[nginx+njs 1 worker (function)]=$nginx1_front
url[edgefn (no function)]=http://127.0.0.1:$EDGE_PORT/index.html host[edgefn (no function)]=$NOFN
url[edgefn (function)]=http://127.0.0.1:$EDGE_PORT/index.html host[edgefn (function)]=$FN
pid[edgefn (no function)]=$edge_pid pid[edgefn (function)]=$edge_pid
if [ "$LOOP" != 0 ]; then
	targets+=("edgefn loop (no function)" "edgefn loop (function)")
	url[edgefn loop (no function)]=http://127.0.0.1:$LOOP_EDGE_PORT/index.html host[edgefn loop (no function)]=$LOOP_NOFN
	url[edgefn loop (function)]=http://127.0.0.1:$LOOP_EDGE_PORT/index.html host[edgefn loop (function)]=$LOOP_FN
	pid[edgefn loop (no function)]=$loop_pid pid[edgefn loop (function)]=$loop_pid
fi
if [ -n "$BASELINE" ]; then
	targets+=("baseline (no function)" "baseline (function)")
	url[baseline (no function)]=http://127.0.0.1:$BASE_EDGE_PORT/index.html host[baseline (no function)]=$BASE_NOFN
	url[baseline (function)]=http://127.0.0.1:$BASE_EDGE_PORT/index.html host[baseline (function)]=$BASE_FN
	pid[baseline (no function)]=$base_pid pid[baseline (function)]=$base_pid
fi
echo "wrk -t$THREADS -c{$CONNECTIONS}, $ROUNDS rounds of ${DURATION}s per target after ${WARMUP}s warm-up, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)${BASELINE:+, baseline $BASELINE}"
for c in $CONNECTIONS; do
	for round in $(seq "$ROUNDS"); do
		echo "-c$c round $round"
		for t in "${targets[@]}"; do
			# shellcheck disable=SC2086 # pid is empty or one pid
			measure "$c" "$t" "${url[$t]}" "${host[$t]}" ${pid[$t]}
		done
	done
done

declare -A med medcpu
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
for c in $CONNECTIONS; do
	echo
	echo "-c$c: medians of $ROUNDS rounds"
	for t in "${targets[@]}"; do
		med[$c|$t]=$(median "${rps[$c|$t]}")
		v=${cpu[$c|$t]//-/}
		if [ -z "${v// /}" ]; then v=-; else v=$(median "$v"); fi
		medcpu[$c|$t]=$v
		printf '  %-30s %12s req/s   p99 %8s ms   proxy CPU %6s us/req\n' "$t" "${med[$c|$t]}" "$(median "${p99[$c|$t]}")" "$v"
	done
done

# The goal: edgefn at or above nginx+njs (worker_processes auto) in
# requests/s and in CPU per request (a ratio >= 1.00 is met).
echo
echo "ratios to nginx+njs (function): requests/s edgefn/nginx, CPU per request nginx/edgefn (>= 1.00 meets the goal)"
printf '  %-38s' ""
for c in $CONNECTIONS; do printf ' %17s' "-c$c req/s  CPU"; done
echo
for e in "${targets[@]}"; do
	case $e in edgefn* | baseline*) ;; *) continue ;; esac
	for ref in "nginx+njs (function)" "nginx+njs 1 worker (function)"; do
		label="$e vs ${ref#nginx+njs}"
		label=${label/vs  (function)/vs auto}
		label=${label/vs  1 worker (function)/vs 1 worker}
		printf '  %-38s' "$label"
		for c in $CONNECTIONS; do
			printf ' %8s %8s' "$(ratio "${med[$c|$e]}" "${med[$c|$ref]}")" "$(ratio "${medcpu[$c|$ref]}" "${medcpu[$c|$e]}")"
		done
		echo
	done
done
if [ "$SYSCALLS" != 0 ]; then
	c=${CONNECTIONS%% *}
	echo
	echo "system calls of the proxy per request (perf stat, one run each, -c$c)"
	for t in "${targets[@]}"; do
		[ -n "${pid[$t]}" ] || continue
		# shellcheck disable=SC2086
		syscalls "$c" "$t" "${url[$t]}" "${host[$t]}" ${pid[$t]}
	done
fi

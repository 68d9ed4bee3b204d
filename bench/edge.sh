#!/usr/bin/env bash
# Compares edgefn's edge with nginx + njs running the same CloudFront
# viewer-request function (bench/function.js: a uri rewrite and an added
# header) in front of the same origin (a separate nginx, one worker), all on
# loopback, driven by wrk, over HTTP and over HTTPS.
#
# The reference is what a user runs: nginx with worker_processes auto doing
# the CloudFront work the edge does (Via, X-Amz-Cf-Id and X-Forwarded-For to
# the origin; Via, X-Cache, X-Amz-Cf-Pop and X-Amz-Cf-Id to the viewer),
# access logs off on both sides. One edgefn process serves both protocols:
# plain HTTP on its event loop (given --edge-loop when `edgefn serve --help`
# lists the flag, as before the loop became the only path) and HTTPS on its
# TLS listener (--edge-tls-addr). Its two distributions, made through the
# CloudFront API by bench/edgesetup, are chosen by Host over both protocols
# (SNI only picks a distribution with viewer mTLS, which these have not).
#
# The targets, by TARGETS key (all by default, in this order):
#   origin         the origin directly
#   nginx          nginx proxying, no function, no CloudFront headers (auto)
#   njs            nginx+njs, the function and the headers (auto)
#   njs1           the same front with one worker
#   edge-nofn      edgefn over HTTP, a distribution without a function
#   edge           edgefn over HTTP, the function
#   njs-tls        nginx+njs over HTTPS (the njs front's server block)
#   edge-tls-nofn  edgefn over HTTPS, no function
#   edge-tls       edgefn over HTTPS, the function
#   base-nofn, base, base-tls-nofn, base-tls
#                  the same four of edgefn built from BASELINE, when set (its
#                  HTTPS ones when its serve lists --edge-tls-cert)
# HTTPS: both fronts serve one self-signed ECDSA P-256 certificate made with
# openssl for the run, TLS 1.2 and 1.3 enabled (Go's default minimum; wrk's
# OpenSSL negotiates 1.3), the same TLS 1.3 cipher suite (AES-128-GCM, Go's
# choice, which nginx is told to prefer; the negotiated protocol and suite
# of each are printed at the start) and session tickets as each does by
# default. wrk opens its -c connections at the start of each run and keeps
# them alive to its end, so a handshake is paid once per connection (256 at
# -c256, against tens of thousands of requests): what is measured is mostly
# the cost of TLS records per request, not of handshakes.
#
# For each wrk connection count (-c32, -c64, -c256 by default) it prints
# requests/s, p99 latency and each proxy's own CPU time per request (user +
# system of its processes: on a machine where wrk and the origin share the
# cores it tells what each proxy costs apart from them), medians of
# interleaved rounds; then the ratios of each edgefn target, with its
# function and without, to nginx+njs with the function (over HTTP to the
# auto and the one-worker front, over HTTPS to the auto front's HTTPS), as
# ratios of the medians and as medians of each round's ratios, with the
# lowest and highest of the rounds' ratios beside them; and
# each proxy's system calls per request, by kind, counted with perf after
# the rounds at the first connection count.
#
# Run by hand (not in CI), as root or with sudo for apt-get:
#
#   bench/edge.sh
#   TARGETS="njs edge njs-tls edge-tls" ROUNDS=1 bench/edge.sh
#
# Environment:
#   ROUNDS       rounds per connection count (default 3)
#   DURATION     seconds measured per target and round (default 5)
#   WARMUP       seconds of wrk before each measure, not counted (default 1)
#   CONNECTIONS  wrk -c values (default "32 64 256")
#   THREADS      wrk threads (default 2)
#   TARGETS      the keys above to measure, separated by spaces (default all;
#                a ratio whose reference is not measured shows "-")
#   BASELINE     a git revision whose edgefn is built and measured beside this
#                tree's in the same rounds (default none)
#   SYSCALLS     1 (default) counts system calls with perf after the rounds;
#                0 skips it
#   BASE_PORT    first of the eleven ports used (default 18080)
# The defaults take about 11 minutes on 2 cores: 9 targets x 3 rounds x 3
# connection counts x 6 s, then about 14 s per proxy target for the system
# calls (perf takes seconds to take its tracepoints off).
set -euo pipefail

DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-32 64 256}
THREADS=${THREADS:-2}
TARGETS=${TARGETS:-}
BASELINE=${BASELINE:-}
SYSCALLS=${SYSCALLS:-1}
BASE_PORT=${BASE_PORT:-18080}
ORIGIN_PORT=$BASE_PORT
NGINX_PORT=$((BASE_PORT + 1))
NGINX_PLAIN_PORT=$((BASE_PORT + 2))
API_PORT=$((BASE_PORT + 3))
EDGE_PORT=$((BASE_PORT + 4))
BASE_API_PORT=$((BASE_PORT + 5))
BASE_EDGE_PORT=$((BASE_PORT + 6))
NGINX1_PORT=$((BASE_PORT + 7))
NGINX_TLS_PORT=$((BASE_PORT + 8))
EDGE_TLS_PORT=$((BASE_PORT + 9))
BASE_EDGE_TLS_PORT=$((BASE_PORT + 10))

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
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

# --- tools, builds, the certificate --------------------------------------
tools=(openssl)
[ "$SYSCALLS" = 0 ] || tools+=(perf)
bench_tools "${tools[@]}"
bench_build "$root" "$work"
if [ -n "$BASELINE" ]; then
	# The revision's own tree (third_party/goja included), built as it was.
	mkdir "$work/baseline-src"
	git -C "$root" archive "$BASELINE" | tar -x -C "$work/baseline-src"
	(cd "$work/baseline-src" && go build -o "$work/edgefn-baseline" ./cmd/edgefn)
fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

# --- nginx: the origin, and the fronts with and without the function -----
nginx_conf "$work/origin" 1 "$(origin_server "$ORIGIN_PORT")"

cat "$root/bench/function.js" "$root/bench/njs-adapter.js" >"$work/cf.js"
# front WORKERS LISTEN SERVERS: an nginx + njs front doing CloudFront's work
# on the LISTEN lines, and the SERVERS blocks beside it.
front() {
	local dir=$work/front-$1
	mkdir -p "$dir"
	cp "$work/cf.js" "$dir/"
	nginx_conf "$dir" "$1" "js_path $dir;
	js_import main from cf.js;
	js_set \$cf_uri main.uri;
	js_var \$cf_x_edge;
	upstream origin {
		server 127.0.0.1:$ORIGIN_PORT;
		keepalive 128;
	}
	server {
		$2
		location / {
			proxy_http_version 1.1;
			proxy_set_header Connection \"\";
			proxy_set_header Host localhost;
			proxy_set_header X-Edge \$cf_x_edge;
			# What CloudFront adds to the origin request and the response.
			proxy_set_header Via \"1.1 bench.cloudfront.net (CloudFront)\";
			proxy_set_header X-Amz-Cf-Id \$request_id;
			proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
			add_header Via \"1.1 bench.cloudfront.net (CloudFront)\" always;
			add_header X-Cache \"Miss from cloudfront\" always;
			add_header X-Amz-Cf-Pop \"LOCAL\" always;
			add_header X-Amz-Cf-Id \$request_id always;
			proxy_pass http://origin\$cf_uri\$is_args\$args;
		}
	}
	${3:-}"
}
# The auto front also serves HTTPS as Go's server does: TLS 1.2 and 1.3, and
# in 1.3 its own preference, AES-128-GCM first (OpenSSL would follow wrk's,
# AES-256-GCM). It also holds the plain proxy (no function, no headers).
front auto "listen 127.0.0.1:$NGINX_PORT reuseport;
		listen 127.0.0.1:$NGINX_TLS_PORT ssl reuseport;
		ssl_certificate $work/cert.pem;
		ssl_certificate_key $work/key.pem;
		ssl_protocols TLSv1.2 TLSv1.3;
		ssl_prefer_server_ciphers on;
		ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256;" "server {
		listen 127.0.0.1:$NGINX_PLAIN_PORT reuseport;
		location / {
			proxy_http_version 1.1;
			proxy_set_header Connection \"\";
			proxy_set_header Host localhost;
			proxy_pass http://origin;
		}
	}"
front 1 "listen 127.0.0.1:$NGINX1_PORT reuseport;"

nginx -p "$work/origin" -c "$work/origin/nginx.conf" &
pids+=($!)
nginx -p "$work/front-auto" -c "$work/front-auto/nginx.conf" &
nginx_front=$!
pids+=($!)
nginx -p "$work/front-1" -c "$work/front-1/nginx.conf" &
nginx1_front=$!
pids+=($!)

# --- edgefn ----------------------------------------------------------------
# start_edgefn BIN NAME API_PORT EDGE_PORT TLS_PORT: starts BIN serve with its data
# and log under $work/NAME*, plain HTTP on its event loop and HTTPS with the
# bench's certificate on TLS_PORT, each when BIN's serve lists the flags
# (older revisions: the baseline); sets edgefn_pid, edgefn_flags (those it
# got), and edgefn_tls to 1 when it listens for HTTPS.
start_edgefn() {
	local help flags=()
	help=$("$1" serve --help 2>&1)
	# has FLAG: the help defines FLAG (its own line, not a mention in prose).
	has() { grep -qE -- "^ +(-[a-z], )?$1( |\$)" <<<"$help"; }
	if has --edge-loop; then flags+=(--edge-loop); fi
	# The metrics listener's default port would be shared by two edgefns.
	if has --metrics-addr; then flags+=(--metrics-addr ""); fi
	edgefn_tls=0
	if has --edge-tls-cert; then
		flags+=(--edge-tls-addr "127.0.0.1:$5" --edge-tls-cert "$work/cert.pem" --edge-tls-key "$work/key.pem")
		edgefn_tls=1
	fi
	"$1" serve --data "$work/$2-data" --api-addr "127.0.0.1:$3" --edge-addr "127.0.0.1:$4" --log-level warn \
		"${flags[@]}" 2>"$work/$2.log" &
	edgefn_pid=$!
	pids+=($!)
	edgefn_flags=$(printf "%q " "${flags[@]}")
}
start_edgefn "$work/edgefn" edgefn "$API_PORT" "$EDGE_PORT" "$EDGE_TLS_PORT"
edge_pid=$edgefn_pid edge_flags=$edgefn_flags
if [ "$edgefn_tls" = 0 ]; then
	echo "edgefn serve has no --edge-tls-cert" >&2
	exit 1
fi
if [ -n "$BASELINE" ]; then
	start_edgefn "$work/edgefn-baseline" baseline "$BASE_API_PORT" "$BASE_EDGE_PORT" "$BASE_EDGE_TLS_PORT"
	base_pid=$edgefn_pid base_tls=$edgefn_tls base_flags=$edgefn_flags
fi

# wait_for URL [HOST]: until it answers 200, for at most 30 s.
wait_for() {
	for _ in $(seq 300); do
		if [ "$(curl -sk -o /dev/null -w '%{http_code}' ${2:+-H "Host: $2"} "$1")" = 200 ]; then
			return 0
		fi
		sleep 0.1
	done
	echo "no 200 from $1 ${2:-}" >&2
	cat "$work"/*.log "$work/front-auto/error.log" >&2 || true
	exit 1
}
# setup API_PORT: the distributions of the edgefn on API_PORT, "NOFN FN".
setup() {
	wait_for "http://127.0.0.1:$1/healthz"
	(eval "$("$work/edgesetup" -endpoint "http://127.0.0.1:$1" -origin "localhost:$ORIGIN_PORT" \
		-function "$root/bench/function.js")" && echo "$NOFN $FN")
}
wait_for "http://127.0.0.1:$ORIGIN_PORT/"
hosts=$(setup "$API_PORT")
read -r NOFN FN <<<"$hosts"
if [ -n "$BASELINE" ]; then
	hosts=$(setup "$BASE_API_PORT")
	read -r BASE_NOFN BASE_FN <<<"$hosts"
fi

# --- the targets -----------------------------------------------------------
# Each: its name, URL, Host, the proxy's pids (none for the origin).
keys=()
declare -A name url host pid
# target KEY NAME URL HOST [PID]
target() {
	keys+=("$1")
	name[$1]=$2 url[$1]=$3/index.html host[$1]=$4 pid[$1]=${5:-}
	wait_for "${url[$1]}" "$4"
}
target origin "origin (direct)" "http://127.0.0.1:$ORIGIN_PORT" localhost
target nginx "nginx proxy (no function)" "http://127.0.0.1:$NGINX_PLAIN_PORT" localhost "$nginx_front"
target njs "nginx+njs (function)" "http://127.0.0.1:$NGINX_PORT" localhost "$nginx_front"
target njs1 "nginx+njs 1 worker (function)" "http://127.0.0.1:$NGINX1_PORT" localhost "$nginx1_front"
target edge-nofn "edgefn (no function)" "http://127.0.0.1:$EDGE_PORT" "$NOFN" "$edge_pid"
target edge "edgefn (function)" "http://127.0.0.1:$EDGE_PORT" "$FN" "$edge_pid"
target njs-tls "nginx+njs HTTPS (function)" "https://127.0.0.1:$NGINX_TLS_PORT" localhost "$nginx_front"
target edge-tls-nofn "edgefn HTTPS (no function)" "https://127.0.0.1:$EDGE_TLS_PORT" "$NOFN" "$edge_pid"
target edge-tls "edgefn HTTPS (function)" "https://127.0.0.1:$EDGE_TLS_PORT" "$FN" "$edge_pid"
if [ -n "$BASELINE" ]; then
	target base-nofn "baseline (no function)" "http://127.0.0.1:$BASE_EDGE_PORT" "$BASE_NOFN" "$base_pid"
	target base "baseline (function)" "http://127.0.0.1:$BASE_EDGE_PORT" "$BASE_FN" "$base_pid"
	if [ "$base_tls" = 1 ]; then
		target base-tls-nofn "baseline HTTPS (no function)" "https://127.0.0.1:$BASE_EDGE_TLS_PORT" "$BASE_NOFN" "$base_pid"
		target base-tls "baseline HTTPS (function)" "https://127.0.0.1:$BASE_EDGE_TLS_PORT" "$BASE_FN" "$base_pid"
	fi
fi
if [ -n "$TARGETS" ]; then
	for k in $TARGETS; do
		[ -n "${name[$k]:-}" ] || { echo "TARGETS: no target $k (there are: ${keys[*]})" >&2; exit 1; }
	done
	chosen=()
	for k in "${keys[@]}"; do
		case " $TARGETS " in *" $k "*) chosen+=("$k") ;; esac
	done
	keys=("${chosen[@]}")
fi

# --- the runs --------------------------------------------------------------
# Targets are measured in turn, ROUNDS times per connection count, so that a
# slow moment of the machine hits all of them alike; the summary takes each
# one's median. Results are kept per "CONNECTIONS|key".
declare -A rps p99 cpu

# cpu_ticks PID...: CPU time (user+system, clock ticks) of the processes
# and their children; nginx's workers are the master's children.
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

line() { printf '  %-30s %12s req/s   p99 %8s ms   proxy CPU %6s us/req\n' "$@"; }

# measure C KEY: one round of the target at wrk -cC.
measure() {
	local c=$1 k=$2 out c0 c1
	local -a wrk=(wrk -t"$THREADS" -c"$c" -H "Host: ${host[$k]}")
	# shellcheck disable=SC2086 # pid is empty or one pid
	set -- ${pid[$k]}
	"${wrk[@]}" -d"${WARMUP}s" "${url[$k]}" >/dev/null
	c0=$(cpu_ticks "$@")
	out=$("${wrk[@]}" -d"${DURATION}s" --latency "${url[$k]}")
	c1=$(cpu_ticks "$@")
	local r p u
	r=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	if grep -q "Non-2xx" <<<"$out" || awk -v r="$r" 'BEGIN { exit !(r + 0 == 0) }'; then
		echo "${name[$k]}: some responses were not 2xx, or none came:" >&2
		echo "$out" >&2
		exit 1
	fi
	# Timeouts can happen on a loaded machine: said, not fatal.
	grep "Socket errors" <<<"$out" | sed "s/^ */  ${name[$k]}: /" >&2 || true
	p=$(awk '$1 == "99%" {
		v = $2
		if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
		else if (v ~ /ms$/) { sub(/ms$/, "", v) }
		else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
		printf "%.2f", v
	}' <<<"$out")
	u=$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v r="$r" -v d="$DURATION" -v n=$# \
		'BEGIN { if (n == 0) print "-"; else printf "%.1f", t / hz / (r * d) * 1e6 }')
	rps[$c|$k]+="$r "
	p99[$c|$k]+="$p "
	cpu[$c|$k]+="$u "
	line "${name[$k]}" "$r" "$p" "$u"
}

# proxy_pids PID...: the processes whose CPU time and system calls are a
# proxy's: the pids and their children (nginx's workers).
proxy_pids() {
	local pid
	for pid in "$@"; do
		echo "$pid"
		pgrep -P "$pid" || true
	done | paste -sd, -
}

# syscalls C KEY: one run under perf stat (after the rounds, as tracing
# costs the proxy time); prints the proxy's system calls per request by
# kind, the most frequent first, and their total.
syscalls() {
	local c=$1 k=$2 out reqs kinds perf_pid
	# shellcheck disable=SC2086
	perf stat -x, -e 'syscalls:sys_enter_*' -p "$(proxy_pids ${pid[$k]})" -o "$work/perf.csv" -- sleep "$((DURATION + 1))" &
	perf_pid=$!
	sleep 0.5
	out=$(wrk -t"$THREADS" -c"$c" -d"${DURATION}s" -H "Host: ${host[$k]}" "${url[$k]}")
	wait "$perf_pid"
	reqs=$(awk '/requests in/ {print $1}' <<<"$out")
	kinds=$(awk -F, -v n="$reqs" '$1 ~ /^[0-9]+$/ && $1 / n >= 0.01 { k = $3; sub(/^syscalls:sys_enter_/, "", k); printf "%.2f %s\n", $1 / n, k }' "$work/perf.csv" | sort -rn)
	printf '  %-30s %5.2f per request: %s\n' "${name[$k]}" "$(awk '{ t += $1 } END { print t }' <<<"$kinds")" \
		"$(head -7 <<<"$kinds" | awk '{ printf "%s %s  ", $2, $1 }')"
}

# tls_of HOST:PORT: the protocol and cipher suite OpenSSL's client negotiates.
tls_of() {
	openssl s_client -connect "$1" -brief </dev/null 2>&1 |
		awk -F': ' '/^Protocol version/ { p = $2 } /^Ciphersuite/ { c = $2 } END { print p, c }'
}

echo "wrk -t$THREADS -c{$CONNECTIONS}, $ROUNDS rounds of ${DURATION}s per target after ${WARMUP}s warm-up, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)${BASELINE:+, baseline $BASELINE}"
echo "edgefn serve $edge_flags${BASELINE:+; baseline serve $base_flags}"
echo "TLS: nginx+njs $(tls_of "127.0.0.1:$NGINX_TLS_PORT"), edgefn $(tls_of "127.0.0.1:$EDGE_TLS_PORT")"
for c in $CONNECTIONS; do
	for round in $(seq "$ROUNDS"); do
		echo "-c$c round $round"
		for k in "${keys[@]}"; do
			measure "$c" "$k"
		done
	done
done

declare -A med medcpu
for c in $CONNECTIONS; do
	echo
	echo "-c$c: medians of $ROUNDS rounds"
	for k in "${keys[@]}"; do
		med[$c|$k]=$(median "${rps[$c|$k]}")
		v=${cpu[$c|$k]//-/}
		if [ -z "${v// /}" ]; then v=-; else v=$(median "$v"); fi
		medcpu[$c|$k]=$v
		line "${name[$k]}" "${med[$c|$k]}" "$(median "${p99[$c|$k]}")" "$v"
	done
done

# The goal: edgefn at or above nginx+njs (worker_processes auto) in
# requests/s and in CPU per request (a ratio >= 1.00 is met), over HTTP and
# over HTTPS, with the function and without.
# ratio A B: A/B, "-" when either was not measured.
ratio() { awk -v a="${1:--}" -v b="${2:--}" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%.2f", a / b }'; }
# paired "A..." "B...": the median of the rounds' own ratios A[i]/B[i]
# ("-" when either was not measured). Each round measures the two a few
# seconds apart, so a slow spell of the machine (a virtual machine's speed
# can drift by a fifth from one second to the next) weighs on both sides of
# a round's ratio, where it can land on one side only of the medians'.
paired() {
	local a=${1//-/} b=${2//-/}
	if [ -z "${a// /}" ] || [ -z "${b// /}" ]; then echo -; return; fi
	median "$(paste -d' ' <(tr ' ' '\n' <<<"$a" | grep -v '^$') <(tr ' ' '\n' <<<"$b" | grep -v '^$') | awk '{ printf "%s ", $1 / $2 }')" | awk '{ printf "%.2f", $1 }'
}
# spread "A..." "B...": the lowest and the highest of the rounds' own
# ratios A[i]/B[i], as LOW-HIGH ("-" when either was not measured): how far
# apart single rounds land, next to which a difference between the
# medians means little.
spread() {
	local a=${1//-/} b=${2//-/}
	if [ -z "${a// /}" ] || [ -z "${b// /}" ]; then echo -; return; fi
	paste -d' ' <(tr ' ' '\n' <<<"$a" | grep -v '^$') <(tr ' ' '\n' <<<"$b" | grep -v '^$') |
		awk 'NR == 1 || $1 / $2 < lo { lo = $1 / $2 } NR == 1 || $1 / $2 > hi { hi = $1 / $2 } END { printf "%.2f-%.2f", lo, hi }'
}
# table TITLE FN: the ratios of each edgefn target to its references, FN
# giving a cell "req/s CPU" from C, the target and the reference.
table() {
	echo
	echo "$1"
	printf '  %-60s' ""
	for c in $CONNECTIONS; do printf " %$((2 * ${3:-8} + 1))s" "-c$c req/s  CPU"; done
	echo
	for e in edge-nofn edge-tls-nofn edge edge-tls base-nofn base-tls-nofn base base-tls; do
		[ -n "${med[${CONNECTIONS%% *}|$e]:-}" ] || continue
		case $e in *-tls*) refs=(njs-tls) ;; *) refs=(njs njs1) ;; esac
		for ref in "${refs[@]}"; do
			printf '  %-60s' "${name[$e]} / ${name[$ref]}"
			for c in $CONNECTIONS; do
				printf " %${3:-8}s %${3:-8}s" $("$2" "$c" "$e" "$ref")
			done
			echo
		done
	done
}
of_medians() { echo "$(ratio "${med[$1|$2]:-}" "${med[$1|$3]:-}") $(ratio "${medcpu[$1|$3]:-}" "${medcpu[$1|$2]:-}")"; }
of_rounds() { echo "$(paired "${rps[$1|$2]:-}" "${rps[$1|$3]:-}") $(paired "${cpu[$1|$3]:-}" "${cpu[$1|$2]:-}")"; }
table "ratios of the medians: requests/s edgefn/reference, CPU per request reference/edgefn (>= 1.00 meets the goal)" of_medians
of_spread() { echo "$(spread "${rps[$1|$2]:-}" "${rps[$1|$3]:-}") $(spread "${cpu[$1|$3]:-}" "${cpu[$1|$2]:-}")"; }
table "medians of each round's ratios (paired, as above)" of_rounds
table "lowest-highest of the rounds' ratios (as above)" of_spread 10
if [ "$SYSCALLS" != 0 ]; then
	c=${CONNECTIONS%% *}
	echo
	echo "system calls of the proxy per request (perf stat, one run each, -c$c)"
	for k in "${keys[@]}"; do
		[ -n "${pid[$k]}" ] || continue
		syscalls "$c" "$k"
	done
fi

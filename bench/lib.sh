# Shared by bench/edge.sh and bench/cache.sh (sourced, not run): the tools
# they need, the builds, nginx's configuration and the medians.

# bench_tools TOOL...: installs with apt-get (as root, or with sudo) what is
# missing of nginx with its njs module, wrk, curl and the TOOLs named
# (openssl, perf), then sets js_module to the njs module's path.
bench_tools() {
	local sudo="" need=() tool
	if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
	command -v nginx >/dev/null || need+=(nginx-light)
	[ -e /usr/share/nginx/modules/ngx_http_js_module.so ] || [ -e /usr/lib/nginx/modules/ngx_http_js_module.so ] || need+=(libnginx-mod-http-js)
	for tool in wrk curl "$@"; do
		if ! command -v "$tool" >/dev/null; then
			case $tool in perf) need+=(linux-perf) ;; *) need+=("$tool") ;; esac
		fi
	done
	if [ ${#need[@]} -gt 0 ]; then
		echo "installing ${need[*]}" >&2
		$sudo apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
	fi
	js_module=/usr/share/nginx/modules/ngx_http_js_module.so
	[ -e "$js_module" ] || js_module=/usr/lib/nginx/modules/ngx_http_js_module.so
}

# bench_build ROOT DIR: builds this tree's edgefn and bench/edgesetup into DIR.
bench_build() {
	(cd "$1" && go build -o "$2/edgefn" ./cmd/edgefn && go build -o "$2/edgesetup" ./bench/edgesetup)
}

# nginx_conf DIR WORKERS HTTP: writes DIR/nginx.conf, an nginx in the
# foreground with WORKERS worker processes, its pid and error log in DIR,
# access logs off, keep-alive connections that last the whole run, and HTTP
# in its http block (the njs module is loaded when HTTP imports a script).
nginx_conf() {
	mkdir -p "$1"
	{
		case $3 in *js_import*) echo "load_module $js_module;" ;; esac
		cat <<EOF
worker_processes $2;
pid $1/nginx.pid;
error_log $1/error.log warn;
daemon off;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 1000000;
	$3
}
EOF
	} >"$1/nginx.conf"
}

# origin_server PORT: the origin's server block, a fixed 200 to every request.
origin_server() {
	echo "server {
		listen 127.0.0.1:$1 reuseport;
		location / { default_type text/plain; return 200 \"hello from the origin\n\"; }
	}"
}

# median "V V V...": the median of the numbers.
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{v[NR] = $1} END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

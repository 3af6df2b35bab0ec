#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# nginx_wrk.sh - issue 3 acceptance 1: Debian's nginx under the shim
# (master_process off, daemon off) listens on the stack's address; wrk in
# the kernel peer fetches a 1 MiB file over 8 connections for 5 s with no
# socket errors and no non-2xx answers; then the kernel's curl fetches a
# 20 MiB file byte-exact.

. "$(dirname "$0")/lib.sh"

PORT=8088
MIB=${XTTEST_MIB:-20}

xt_setup nginx wrk curl
mkdir -p "$XT_TMP/www" "$XT_TMP/run"
xt_random_file "$XT_TMP/www/1m" 1
xt_random_file "$XT_TMP/www/blob" "$MIB"
echo ok >"$XT_TMP/www/ping"

cat >"$XT_TMP/nginx.conf" <<EOF
master_process off;
daemon off;
worker_processes 1;
error_log $XT_TMP/error.log warn;
pid $XT_TMP/run/nginx.pid;
events {
	worker_connections 256;
}
http {
	access_log $XT_TMP/access.log;
	client_body_temp_path $XT_TMP/run/body;
	proxy_temp_path $XT_TMP/run/proxy;
	fastcgi_temp_path $XT_TMP/run/fastcgi;
	uwsgi_temp_path $XT_TMP/run/uwsgi;
	scgi_temp_path $XT_TMP/run/scgi;
	default_type application/octet-stream;
	keepalive_timeout 30;
	server {
		listen $XT_SHIM:$PORT;
		root $XT_TMP/www;
	}
}
EOF

xt_shim_bg NGX 90 nginx -p "$XT_TMP/run" -e "$XT_TMP/error.log" \
    -c "$XT_TMP/nginx.conf" >"$XT_TMP/nginx.out" 2>&1

# The shimmed listener is invisible to ss: poll it from the peer (10 s).
up=0
for (( i = 0; i < 50; i++ )); do
	kill -0 "$NGX" 2>/dev/null || break
	if xt_peer 5 curl -sS --fail --max-time 2 -o /dev/null \
	    "http://$XT_SHIM:$PORT/ping" 2>/dev/null; then
		up=1
		break
	fi
	sleep 0.2
done
if (( ! up )); then
	xt_dump "$XT_TMP/nginx.out" "$XT_TMP/error.log"
	xt_fail "nginx under the shim did not answer on $XT_SHIM:$PORT within 10 s"
fi

xt_peer 30 wrk -t 2 -c 8 -d 5s --timeout 5s \
    "http://$XT_SHIM:$PORT/1m" >"$XT_TMP/wrk.out" 2>&1
rc=$?
cat "$XT_TMP/wrk.out"
if (( rc != 0 )); then
	xt_dump "$XT_TMP/error.log"
	xt_fail "wrk exited with status $rc"
fi
if grep -q 'Socket errors' "$XT_TMP/wrk.out"; then
	xt_dump "$XT_TMP/error.log"
	xt_fail "wrk saw socket errors: $(grep 'Socket errors' "$XT_TMP/wrk.out")"
fi
if grep -q 'Non-2xx' "$XT_TMP/wrk.out"; then
	xt_fail "wrk saw non-2xx answers: $(grep 'Non-2xx' "$XT_TMP/wrk.out")"
fi
reqs=$(awk '/requests in/ { print $1; exit }' "$XT_TMP/wrk.out")
[[ $reqs =~ ^[0-9]+$ ]] && (( reqs > 0 )) ||
    xt_fail "wrk completed no requests"
rps=$(awk '/Requests\/sec/ { print $2 }' "$XT_TMP/wrk.out")

t0=$(xt_now_ms)
xt_peer 60 curl -sS --fail --max-time 50 -o "$XT_TMP/out" \
    "http://$XT_SHIM:$PORT/blob" 2>"$XT_TMP/curl.err"
rc=$?
t1=$(xt_now_ms)
if (( rc != 0 )); then
	xt_dump "$XT_TMP/curl.err" "$XT_TMP/error.log"
	xt_fail "curl from the kernel side exited with status $rc"
fi
xt_compare "$XT_TMP/www/blob" "$XT_TMP/out"
kill -0 "$NGX" 2>/dev/null || {
	xt_dump "$XT_TMP/nginx.out" "$XT_TMP/error.log"
	xt_fail "nginx exited during the test"
}
xt_pass "wrk: $reqs requests of 1 MiB ($rps/s), no errors; curl: $MIB MiB in $(( t1 - t0 )) ms"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# family_nginx.sh - issue 13 acceptance 1: Debian's nginx in its stock
# process model under the shim (daemon on, master_process on, two
# workers, which inherit the listener across fork).  wrk in the kernel
# peer for 5 s: no socket errors, no non-2xx answers, and both workers
# served requests ($pid in the access log).  Then kill -9 of one worker
# (the master starts another): 200 further requests, one connection each,
# all answered byte-exact.
#
# Bounded: nginx is stopped by the pid in its pid file (a daemon, not our
# child), every client has a deadline.

. "$(dirname "$0")/lib.sh"

PORT=8089

xt_setup nginx wrk python3
mkdir -p "$XT_TMP/www" "$XT_TMP/run"
chmod 755 "$XT_TMP/www" "$XT_TMP/run"
xt_random_file "$XT_TMP/www/64k" 1
head -c 65536 "$XT_TMP/www/64k" >"$XT_TMP/www/blob"
chmod 644 "$XT_TMP/www/blob"
echo ok >"$XT_TMP/www/ping"

cat >"$XT_TMP/nginx.conf" <<EOF
daemon on;
master_process on;
worker_processes 2;
user nobody nogroup;
error_log $XT_TMP/error.log warn;
pid $XT_TMP/run/nginx.pid;
events {
	worker_connections 256;
}
http {
	log_format bypid '\$pid \$status';
	access_log $XT_TMP/access.log bypid;
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

stop_nginx() {
	local pid j
	pid=$(cat "$XT_TMP/run/nginx.pid" 2>/dev/null) || return 0
	[[ $pid =~ ^[0-9]+$ ]] || return 0
	kill -TERM "$pid" 2>/dev/null
	for (( j = 0; j < 50; j++ )); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
}
xt_at_exit stop_nginx

# daemon on: the launcher returns once the master is up
xt_shim 20 nginx -p "$XT_TMP/run" -e "$XT_TMP/error.log" \
    -c "$XT_TMP/nginx.conf" >"$XT_TMP/nginx.out" 2>&1 ||
    { xt_dump "$XT_TMP/nginx.out" "$XT_TMP/error.log"; xt_fail "nginx did not start"; }

up=0
for (( i = 0; i < 50; i++ )); do
	if xt_peer 5 python3 -c '
import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=2).read()' \
	    "http://$XT_SHIM:$PORT/ping" 2>/dev/null; then
		up=1
		break
	fi
	sleep 0.2
done
(( up )) || { xt_dump "$XT_TMP/nginx.out" "$XT_TMP/error.log"; xt_fail "nginx under the shim did not answer within 10 s"; }
master=$(cat "$XT_TMP/run/nginx.pid")
mapfile -t workers < <(pgrep -P "$master")
(( ${#workers[@]} == 2 )) || xt_fail "the master $master has ${#workers[@]} workers, want 2"
xt_log "master $master, workers ${workers[*]}"

: >"$XT_TMP/access.log"
xt_peer 30 wrk -t 2 -c 8 -d 5s --timeout 5s \
    "http://$XT_SHIM:$PORT/blob" >"$XT_TMP/wrk.out" 2>&1
rc=$?
cat "$XT_TMP/wrk.out"
(( rc == 0 )) || { xt_dump "$XT_TMP/error.log"; xt_fail "wrk exited with status $rc"; }
if grep -q 'Socket errors' "$XT_TMP/wrk.out"; then
	xt_dump "$XT_TMP/error.log"
	xt_fail "wrk saw socket errors: $(grep 'Socket errors' "$XT_TMP/wrk.out")"
fi
grep -q 'Non-2xx' "$XT_TMP/wrk.out" &&
    xt_fail "wrk saw non-2xx answers: $(grep 'Non-2xx' "$XT_TMP/wrk.out")"
reqs=$(awk '/requests in/ { print $1; exit }' "$XT_TMP/wrk.out")
[[ $reqs =~ ^[0-9]+$ ]] && (( reqs > 0 )) || xt_fail "wrk completed no request"
served=()
for w in "${workers[@]}"; do
	n=$(awk -v p="$w" '$1 == p && $2 == 200' "$XT_TMP/access.log" | wc -l)
	served+=("$w:$n")
	(( n > 0 )) || xt_fail "worker $w served no request (${served[*]})"
done
xt_log "wrk: $reqs requests, per worker ${served[*]}"

# a worker killed in the middle of nothing in particular
kill -KILL "${workers[0]}"
for (( i = 0; i < 50; i++ )); do
	mapfile -t now < <(pgrep -P "$master")
	(( ${#now[@]} == 2 )) && [[ " ${now[*]} " != *" ${workers[0]} "* ]] && break
	sleep 0.1
done
xt_log "after kill -9 of ${workers[0]}: workers ${now[*]}"
cat >"$XT_TMP/client.py" <<'PY'
import socket, sys
host, port, path, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
want = open(path, "rb").read()
bad = 0
for i in range(n):
    try:
        s = socket.create_connection((host, port), timeout=5)
        s.settimeout(5)
        s.sendall(b"GET /blob HTTP/1.0\r\nHost: x\r\n\r\n")
        got = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += b
        s.close()
        head, _, body = got.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200") or body != want:
            bad += 1
            print("request %d: %r, %d body bytes" % (i, head[:40], len(body)))
    except OSError as e:
        bad += 1
        print("request %d: %s" % (i, e))
print("requests %d failed %d" % (n, bad))
sys.exit(1 if bad else 0)
PY
xt_peer 120 python3 "$XT_TMP/client.py" "$XT_SHIM" "$PORT" \
    "$XT_TMP/www/blob" 200 >"$XT_TMP/client.out" 2>&1
rc=$?
tail -3 "$XT_TMP/client.out"
(( rc == 0 )) || { xt_dump "$XT_TMP/error.log"; xt_fail "requests failed after the worker's death"; }
xt_pass "stock nginx (2 workers): $reqs wrk requests (${served[*]}), 200 more after kill -9 of a worker"

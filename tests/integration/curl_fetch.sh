#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# curl_fetch.sh - acceptance 2: unmodified curl under the shim fetches a
# 20 MB random file from the kernel's HTTP server (python3 http.server) in
# the peer namespace over veth; the sha256 must match.

. "$(dirname "$0")/lib.sh"

PORT=8080
MIB=${XTTEST_MIB:-20}

xt_setup curl python3 ss
mkdir "$XT_TMP/www"
xt_random_file "$XT_TMP/www/blob" "$MIB"

xt_peer_bg SRV 120 python3 -m http.server "$PORT" --bind "$XT_PEER" \
    --directory "$XT_TMP/www" >"$XT_TMP/server.log" 2>&1
xt_wait_port "$PORT"

t0=$(xt_now_ms)
xt_shim 60 curl -sS --fail --max-time 50 -o "$XT_TMP/out" \
    "http://$XT_PEER:$PORT/blob" 2>"$XT_TMP/curl.err"
rc=$?
t1=$(xt_now_ms)
if (( rc != 0 )); then
	xt_dump "$XT_TMP/curl.err" "$XT_TMP/server.log"
	xt_fail "curl exited with status $rc after $(( t1 - t0 )) ms"
fi
xt_compare "$XT_TMP/www/blob" "$XT_TMP/out"
xt_pass "$MIB MiB in $(( t1 - t0 )) ms"

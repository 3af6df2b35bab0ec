#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# python_http.sh - issue 3 acceptance 3: python3's http.server under the
# shim serves a file to the kernel's curl, and python3's urllib under the
# shim fetches one from the kernel's http.server; sha256 must match.

. "$(dirname "$0")/lib.sh"

PORT1=8091
PORT2=8092
MIB=${XTTEST_MIB:-20}

xt_setup python3 curl ss
mkdir "$XT_TMP/www"
xt_random_file "$XT_TMP/www/blob" "$MIB"

# ---- 1: http.server under the shim, kernel curl ----
xt_shim_bg SRV1 90 python3 -m http.server "$PORT1" --bind "$XT_SHIM" \
    --directory "$XT_TMP/www" >"$XT_TMP/srv1.log" 2>&1
# The shimmed listener is invisible to ss: retry the fetch (15 s).
ok=0
t0=$(xt_now_ms)
for (( i = 0; i < 30; i++ )); do
	kill -0 "$SRV1" 2>/dev/null || break
	if xt_peer 60 curl -sS --fail --max-time 50 -o "$XT_TMP/out1" \
	    "http://$XT_SHIM:$PORT1/blob" 2>"$XT_TMP/curl.err"; then
		ok=1
		break
	fi
	grep -q 'Failed to connect\|Could not connect\|Couldn.t connect' \
	    "$XT_TMP/curl.err" || break
	sleep 0.5
done
t1=$(xt_now_ms)
if (( ! ok )); then
	xt_dump "$XT_TMP/curl.err" "$XT_TMP/srv1.log"
	xt_fail "the kernel's curl could not fetch from http.server under the shim"
fi
xt_compare "$XT_TMP/www/blob" "$XT_TMP/out1"
xt_log "http.server under the shim: $MIB MiB in $(( t1 - t0 )) ms"
# End it: it holds the stack's address (XTCP_ADDR's lock), which the next
# shimmed process needs.  It is the only process in the shim namespace
# (its wrapper shell is outside), so end that namespace's processes.
pids=$(ip netns pids "$XT_NS_A")
# shellcheck disable=SC2086
[[ -n $pids ]] && kill -TERM $pids 2>/dev/null
xt_wait_pid "$SRV1" 5

# ---- 2: urllib under the shim, kernel http.server ----
xt_peer_bg SRV2 90 python3 -m http.server "$PORT2" --bind "$XT_PEER" \
    --directory "$XT_TMP/www" >"$XT_TMP/srv2.log" 2>&1
xt_wait_port "$PORT2"
t0=$(xt_now_ms)
xt_shim 60 python3 - "http://$XT_PEER:$PORT2/blob" "$XT_TMP/out2" \
    2>"$XT_TMP/urllib.err" <<'EOF'
import shutil, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=30) as r, \
        open(sys.argv[2], "wb") as f:
    if r.status != 200:
        sys.exit("HTTP status %d" % r.status)
    shutil.copyfileobj(r, f, 1 << 16)
EOF
rc=$?
t1=$(xt_now_ms)
if (( rc != 0 )); then
	xt_dump "$XT_TMP/urllib.err" "$XT_TMP/srv2.log"
	xt_fail "urllib under the shim exited with status $rc"
fi
xt_compare "$XT_TMP/www/blob" "$XT_TMP/out2"
xt_pass "http.server and urllib under the shim, $MIB MiB each (urllib $(( t1 - t0 )) ms)"

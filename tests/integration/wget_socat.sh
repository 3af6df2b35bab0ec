#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# wget_socat.sh - issue 3 acceptance 4: wget under the shim fetches from
# the kernel's http.server; socat under the shim sends a file to the
# kernel's socat, and receives one from it as a listener; sha256 must
# match every time.

. "$(dirname "$0")/lib.sh"

PORT1=8093
PORT2=9301
PORT3=9302
MIB=${XTTEST_MIB:-20}

xt_setup wget socat python3 ss
mkdir "$XT_TMP/www"
xt_random_file "$XT_TMP/www/blob" "$MIB"

# ---- wget ----
xt_peer_bg SRV 90 python3 -m http.server "$PORT1" --bind "$XT_PEER" \
    --directory "$XT_TMP/www" >"$XT_TMP/srv.log" 2>&1
xt_wait_port "$PORT1"
xt_shim 60 wget -q --tries=1 --timeout=30 -O "$XT_TMP/wget.out" \
    "http://$XT_PEER:$PORT1/blob" 2>"$XT_TMP/wget.err"
rc=$?
if (( rc != 0 )); then
	xt_dump "$XT_TMP/wget.err" "$XT_TMP/srv.log"
	xt_fail "wget under the shim exited with status $rc"
fi
xt_compare "$XT_TMP/www/blob" "$XT_TMP/wget.out"

# ---- socat under the shim connects and sends ----
xt_peer_bg RCV 60 socat -u "TCP-LISTEN:$PORT2,bind=$XT_PEER,reuseaddr" \
    "CREATE:$XT_TMP/socat1.out" 2>"$XT_TMP/rcv.err"
xt_wait_port "$PORT2"
xt_shim 60 socat -u "OPEN:$XT_TMP/www/blob" "TCP:$XT_PEER:$PORT2" \
    2>"$XT_TMP/snd1.err"
rc=$?
if (( rc != 0 )); then
	xt_dump "$XT_TMP/snd1.err" "$XT_TMP/rcv.err"
	xt_fail "socat under the shim (sending) exited with status $rc"
fi
xt_wait_pid "$RCV" 20 || { xt_dump "$XT_TMP/rcv.err"; xt_fail "the kernel's socat (receiving) failed"; }
xt_compare "$XT_TMP/www/blob" "$XT_TMP/socat1.out"

# ---- socat under the shim listens and receives ----
xt_shim_bg LSN 60 socat -u "TCP-LISTEN:$PORT3,bind=$XT_SHIM" \
    "CREATE:$XT_TMP/socat2.out" 2>"$XT_TMP/lsn.err"
# The shimmed listener is invisible to ss: socat's own connect retries
# (at most 50 x 0.2 s).
xt_peer 60 socat -u "OPEN:$XT_TMP/www/blob" \
    "TCP:$XT_SHIM:$PORT3,retry=50,interval=0.2" 2>"$XT_TMP/snd2.err"
rc=$?
if (( rc != 0 )); then
	xt_dump "$XT_TMP/snd2.err" "$XT_TMP/lsn.err"
	xt_fail "the kernel's socat could not send to socat under the shim (status $rc)"
fi
xt_wait_pid "$LSN" 20
rc=$?
if (( rc != 0 )); then
	xt_dump "$XT_TMP/lsn.err"
	xt_fail "socat under the shim (listening) exited with status $rc"
fi
xt_compare "$XT_TMP/www/blob" "$XT_TMP/socat2.out"
xt_pass "wget and socat (both directions) byte-exact, $MIB MiB each"

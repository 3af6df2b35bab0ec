#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# nc_send.sh - acceptance 3 (first half): unmodified nc under the shim sends
# 10 MB to the kernel's `nc -l` in the peer namespace; sha256 must match.

. "$(dirname "$0")/lib.sh"

PORT=5001
MIB=${XTTEST_MIB:-10}

xt_setup nc ss
xt_random_file "$XT_TMP/in" "$MIB"

# The listener exits when the sender's FIN arrives (stdin is at EOF).
xt_peer_bg RCV 60 nc -l "$PORT" </dev/null >"$XT_TMP/out" 2>"$XT_TMP/rcv.err"
xt_wait_port "$PORT"

t0=$(xt_now_ms)
# -N: shutdown(SHUT_WR) after the input ends, so the listener sees EOF.
xt_shim 60 nc -N "$XT_PEER" "$PORT" <"$XT_TMP/in" >/dev/null 2>"$XT_TMP/snd.err"
rc=$?
t1=$(xt_now_ms)
if (( rc != 0 )); then
	xt_dump "$XT_TMP/snd.err" "$XT_TMP/rcv.err"
	xt_fail "nc under the shim exited with status $rc after $(( t1 - t0 )) ms"
fi
xt_wait_pid "$RCV" 15
rc=$?
if (( rc != 0 )); then
	xt_dump "$XT_TMP/rcv.err"
	xt_fail "the kernel nc -l exited with status $rc"
fi
xt_compare "$XT_TMP/in" "$XT_TMP/out"
xt_pass "$MIB MiB in $(( t1 - t0 )) ms"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# nc_listen.sh - acceptance 3 (second half): unmodified nc under the shim
# listens; the kernel's nc in the peer namespace sends it 10 MB; sha256
# must match.

. "$(dirname "$0")/lib.sh"

PORT=5002
MIB=${XTTEST_MIB:-10}

xt_setup nc
xt_random_file "$XT_TMP/in" "$MIB"

# netcat-openbsd syntax: nc -l PORT.  Stdin at EOF: it exits when the
# sender's FIN arrives.
xt_shim_bg RCV 60 nc -l "$PORT" </dev/null >"$XT_TMP/out" 2>"$XT_TMP/rcv.err"

# The shimmed listener is not visible to ss; retry the connection instead
# (refused, or no ARP answer yet, until the shim is listening) for at most
# CONNECT_S seconds.  -w bounds the connect and any stall.
CONNECT_S=15
t0=$(xt_now_ms)
sent=0
tries=0
for (( i = 0; i < 100; i++ )); do
	if ! kill -0 "$RCV" 2>/dev/null ||
	    (( $(xt_now_ms) - t0 > CONNECT_S * 1000 )); then
		break
	fi
	tries=$(( tries + 1 ))
	if xt_peer 60 nc -N -w 10 "$XT_SHIM" "$PORT" <"$XT_TMP/in" >/dev/null 2>"$XT_TMP/snd.err"; then
		sent=1
		break
	fi
	sleep 0.2
done
t1=$(xt_now_ms)
if (( sent )); then
	xt_wait_pid "$RCV" 15
	rc=$?
else
	kill -TERM "$RCV" 2>/dev/null
	xt_wait_pid "$RCV" 3
	rc=$?
fi
if (( ! sent )); then
	xt_dump "$XT_TMP/snd.err" "$XT_TMP/rcv.err"
	xt_fail "the kernel nc could not send to the shim's listener ($tries attempts in $(( (t1 - t0) / 1000 )) s; listener status $rc)"
fi
if (( rc != 0 )); then
	xt_dump "$XT_TMP/rcv.err"
	xt_fail "nc -l under the shim exited with status $rc"
fi
xt_compare "$XT_TMP/in" "$XT_TMP/out"
xt_pass "$MIB MiB in $(( t1 - t0 )) ms"

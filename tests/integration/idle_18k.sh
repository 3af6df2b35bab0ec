#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# idle_18k.sh - issue 12 acceptance 1, last part: 18,000 idle connections
# open at once in one shimmed process (shortconn -i), to a kernel server
# that accepts and holds them without reading (shortsrv -H).  Each shim
# socket is one fd (its eventfd), so the process needs 18,000 fds of the
# 20,000 the hard limit gives here; the server holds 18,000 too.  All
# must open, the peer must count 18,000 established connections, and none
# may have failed after a hold of a few seconds.  The stack's default
# ephemeral range (28,232 ports) has room for them.
#
# Bounded: 120 s to open, 30 s of hold; the server stops once the client
# is done.  XTTEST_KERNEL=1 runs the
# client on the kernel's TCP.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scale_lib.sh"

N=18000

xt_setup ss
sc_require
hard=$(ulimit -Hn)
[[ $hard == unlimited ]] || (( hard >= N + 200 )) ||
    xt_skip "the hard fd limit is $hard: $N connections need $(( N + 200 ))"
ulimit -n "$hard"

xt_peer_bg srv 170 "$SC_SERVER" -H "$XT_PEER" "$SC_PORT" "$N" 165 \
    "$XT_TMP/stop" >"$XT_TMP/server.out" 2>&1
xt_wait_port "$SC_PORT"

# the default range: only the lock directory and the counters
extra=("XTCP_LOCKDIR=$XT_TMP/lock" "XTCP_STATS=$XT_TMP/stats")
t0=$(xt_now_ms)
xt_shim_bg cli 160 env "${extra[@]}" "$SC_CLIENT" -i "$XT_PEER" "$SC_PORT" \
    "$N" 120 30 "$XT_TMP/release" >"$XT_TMP/client.out" 2>&1
# until all are open (or the client gave up)
for (( i = 0; i < 1300; i++ )); do
	grep -q '^shortconn: open' "$XT_TMP/client.out" && break
	kill -0 "$cli" 2>/dev/null || break
	sleep 0.1
done
t1=$(xt_now_ms)
est=$(ip netns exec "$XT_NS_B" ss -Htn state established "( sport = :$SC_PORT )" | wc -l)
xt_log "the peer counts $est established connections on port $SC_PORT"
touch "$XT_TMP/release"
xt_wait_pid "$cli" 40
rc=$?
touch "$XT_TMP/stop"
xt_wait_pid "$srv" 5
cat "$XT_TMP/client.out" | grep -v ' done, '

ok=$(sc_field "$XT_TMP/client.out" ok)
ms=$(sc_field "$XT_TMP/client.out" elapsed_ms)
xt_log "opened ${ok:-?} of $N in ${ms:-?} ms ($(( ${ms:-0} * 1000 / (${ok:-0} + 1) )) us per connect on average); $(( (t1 - t0) / 1000 )) s to all open"
sc_stats tcp_connects tcp_rexmt_timeout

problems=()
(( rc == 0 )) || problems+=("the client failed (status $rc)")
[[ ${ok:-0} == "$N" ]] || problems+=("${ok:-0} of $N connections opened")
(( est == N )) || problems+=("the peer counts $est established connections, not $N")
grep -q '^shortconn: after hold broken 0$' "$XT_TMP/client.out" ||
    problems+=("connections failed while held")
xt_verdict "$N idle connections in one process"
xt_pass "$N connections open in ${ms} ms"

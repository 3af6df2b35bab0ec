#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# addr_pool.sh - issue 3 acceptance 6: XTCP_ADDR as a pool.
#
#  1. Two shimmed curls at once on one interface, XTCP_ADDR=.2-.3: each
#     claims its own address (the kernel server sees both) and both fetch
#     byte-exact.
#  2. A one-address pool (.2-.2) held by a running shimmed curl: a second
#     curl prints one clear line and fails (socket: EADDRNOTAVAIL); with
#     XTCP_FALLBACK=kernel it prints one line and fetches over the
#     kernel's TCP (from 10.99.0.9, a kernel address on the shim side's
#     veth that no pool contains).
#
# "At once" is made certain, not hoped for: the server (gate_http.py)
# holds every /gate/ request until the test opens the gate, so each curl
# stays connected, and holds its address, until the test has seen it
# ask.  (curl's --limit-rate, used before, sometimes let a transfer
# finish in a fraction of the time asked, on the kernel's TCP as well.)
#
# Lock files go to a directory of the test's own (XTCP_LOCKDIR).

. "$(dirname "$0")/lib.sh"

PORT=8090
KADDR=${XT_PEER%.*}.9

[[ $XTTEST_KERNEL == 1 ]] &&
    xt_skip "address pools are a shim feature (no kernel-mode equivalent)"
xt_setup curl python3 ss
mkdir "$XT_TMP/www" "$XT_TMP/locks"
xt_random_file "$XT_TMP/www/blob" 8

GATE=$XT_TMP/gate-open
xt_peer_bg SRV 120 python3 "$XT_LIBDIR/gate_http.py" "$XT_PEER" "$PORT" \
    "$XT_TMP/www" "$GATE" 2>"$XT_TMP/server.log"
xt_wait_port "$PORT"

LO=$XT_SHIM
HI=${XT_PEER%.*}.3
URL=http://$XT_PEER:$PORT/blob
GURL=http://$XT_PEER:$PORT/gate/blob

# wait_asks N: wait (at most 20 s) until the server holds N gated
# requests; 1 if it does not.
wait_asks() {
	local i
	for (( i = 0; i < 200; i++ )); do
		(( $(grep -c '^waiting ' "$XT_TMP/server.log") >= $1 )) &&
		    return 0
		sleep 0.1
	done
	return 1
}

# pool_curl SECONDS POOL [VAR=VALUE...] -- CURL ARGS
pool_curl() {
	local secs=$1 pool=$2 envs=()
	shift 2
	while [[ $1 != -- ]]; do
		envs+=("$1")
		shift
	done
	shift
	xt_shim "$secs" env XTCP_ADDR="$pool" XTCP_LOCKDIR="$XT_TMP/locks" \
	    "${envs[@]}" curl -sS --fail --max-time $(( secs - 5 )) "$@"
}

# ---- 1: two processes, two addresses ----
xt_bg C1 pool_curl 40 "$LO-$HI/$XT_PLEN" -- \
    -o "$XT_TMP/out1" "$GURL" 2>"$XT_TMP/c1.err"
xt_bg C2 pool_curl 40 "$LO-$HI/$XT_PLEN" -- \
    -o "$XT_TMP/out2" "$GURL" 2>"$XT_TMP/c2.err"
# both connected, so both addresses are held, before either gets data
if ! wait_asks 2; then
	touch "$GATE"
	xt_dump "$XT_TMP/c1.err" "$XT_TMP/c2.err" "$XT_TMP/server.log"
	xt_fail "two processes on a two-address pool did not both connect"
fi
touch "$GATE"
xt_wait_pid "$C1" 45
rc1=$?
xt_wait_pid "$C2" 45
rc2=$?
if (( rc1 != 0 || rc2 != 0 )); then
	xt_dump "$XT_TMP/c1.err" "$XT_TMP/c2.err" "$XT_TMP/server.log"
	xt_fail "two processes on a two-address pool: curl exited $rc1 and $rc2"
fi
xt_compare "$XT_TMP/www/blob" "$XT_TMP/out1"
xt_compare "$XT_TMP/www/blob" "$XT_TMP/out2"
for a in "$LO" "$HI"; do
	if ! grep -q "^waiting $a " "$XT_TMP/server.log"; then
		xt_dump "$XT_TMP/server.log"
		xt_fail "the server saw no request from $a: both processes did not get an address each"
	fi
done
xt_log "two processes used $LO and $HI at once"

# ---- 2: one-address pool, held ----
ip -n "$XT_NS_A" addr add "$KADDR/$XT_PLEN" dev "$XT_IF" ||
    xt_fail "cannot add the kernel address $KADDR"
rm -f "$GATE"
xt_bg HOLD pool_curl 40 "$LO-$LO/$XT_PLEN" -- \
    -o "$XT_TMP/hold" "$GURL" 2>"$XT_TMP/hold.err"
# the holder is connected, so its lock is taken, and it stays so until
# the gate opens below
if ! wait_asks 3; then
	touch "$GATE"
	xt_dump "$XT_TMP/hold.err" "$XT_TMP/server.log"
	xt_fail "the first process on the one-address pool did not connect"
fi

# 2a: no fallback: one line, and curl cannot connect
pool_curl 20 "$LO-$LO/$XT_PLEN" -- -o "$XT_TMP/none" "$URL" \
    2>"$XT_TMP/none.err"
rc=$?
n=$(grep -c '^libxtcp\[[0-9]*\] [0-9:.]* [a-z]*: ' "$XT_TMP/none.err")
if (( rc == 0 )); then
	touch "$GATE"
	xt_dump "$XT_TMP/none.err" "$XT_TMP/server.log"
	xt_fail "a second process on a held one-address pool fetched the file (expected a failure)"
fi
if (( n != 1 )) || ! grep -q '^libxtcp\[[0-9]*\] [0-9:.]* [a-z]*: XTCP_ADDR=.*in use.*EADDRNOTAVAIL' "$XT_TMP/none.err"; then
	xt_dump "$XT_TMP/none.err"
	xt_fail "expected one libxtcp line naming XTCP_ADDR and EADDRNOTAVAIL, got $n lines"
fi
xt_log "no fallback: $(grep '^libxtcp\[[0-9]*\] [0-9:.]* [a-z]*: ' "$XT_TMP/none.err")"

# 2b: XTCP_FALLBACK=kernel: one line, then the kernel's TCP
pool_curl 20 "$LO-$LO/$XT_PLEN" XTCP_FALLBACK=kernel -- \
    -o "$XT_TMP/fb" "$URL" 2>"$XT_TMP/fb.err"
rc=$?
n=$(grep -c '^libxtcp\[[0-9]*\] [0-9:.]* [a-z]*: ' "$XT_TMP/fb.err")
if (( rc != 0 )); then
	xt_dump "$XT_TMP/fb.err"
	xt_fail "with XTCP_FALLBACK=kernel curl exited $rc"
fi
if (( n != 1 )) || ! grep -q "^libxtcp\[[0-9]*\] [0-9:.]* [a-z]*: XTCP_ADDR=.*kernel" "$XT_TMP/fb.err"; then
	xt_dump "$XT_TMP/fb.err"
	xt_fail "expected one libxtcp line about the fallback, got $n lines"
fi
xt_compare "$XT_TMP/www/blob" "$XT_TMP/fb"
grep -q "^$KADDR - " "$XT_TMP/server.log" ||
    xt_fail "the fallback fetch did not come from the kernel's $KADDR"

kill -0 "$HOLD" 2>/dev/null ||
    xt_fail "the holder ended before the gate opened"
touch "$GATE"
xt_wait_pid "$HOLD" 30
rc=$?
(( rc == 0 )) || { xt_dump "$XT_TMP/hold.err"; xt_fail "the holder exited $rc"; }
xt_compare "$XT_TMP/www/blob" "$XT_TMP/hold"
xt_pass "pool of two: both byte-exact; pool of one: clear failure and kernel fallback"

# SPDX-License-Identifier: BSD-2-Clause
# opt_lib.sh - the two passes of an option test (sourced after lib.sh).
#
# opt_run BIN [SECONDS]: run the test program BIN (built by make check)
# first on the kernel's TCP (--kernel: the shim side's veth gets the
# address), which checks the assertions against Linux, then under the
# shim; each pass in a topology of its own (offloads off, so that the
# peer's capture sees the segments as sent) with opt_peer.py in the peer
# namespace.  Passes or fails the test.  XTTEST_KERNEL=1: kernel pass
# only.  OPT_PREFIX: a command prefix for the program (setpriv ...);
# OPT_NS_A_SETUP: shell code run in the program's namespace first.

OPT_PEER_SECS=${OPT_PEER_SECS:-120}
OPT_PREFIX=()

# opt_pass kernel|shim BIN SECONDS [ARGS...]: one pass; the program's
# exit status; its output in $XT_TMP/MODE.out (and in the log).
opt_pass() {
	local mode=$1 bin=$2 secs=$3 rc peer saved=$XTTEST_KERNEL
	local args=()
	shift 3
	[[ $mode == kernel ]] && { XTTEST_KERNEL=1; args+=(--kernel); }
	xt_topology_up --no-offload
	if [[ -n ${OPT_NS_A_SETUP:-} ]]; then
		ip netns exec "$XT_NS_A" bash -c "$OPT_NS_A_SETUP" ||
		    xt_fail "setup in $XT_NS_A failed: $OPT_NS_A_SETUP"
	fi
	xt_peer_bg peer "$OPT_PEER_SECS" python3 "$XT_LIBDIR/opt_peer.py" \
	    "$XT_PEER" xb0 "$XT_SHIM" "$OPT_PEER_SECS" 2>>"$XT_TMP/peer.err"
	xt_wait_port 7200
	xt_shim "$secs" "${OPT_PREFIX[@]}" "$bin" "${args[@]}" "$@" "$XT_PEER" \
	    >"$XT_TMP/$mode.out" 2>&1
	rc=$?
	XTTEST_KERNEL=$saved
	"$XT_TOPOLOGY" down "$XT_NAME" >/dev/null 2>&1
	wait "$peer" 2>/dev/null
	sed "s/^/$mode: /" "$XT_TMP/$mode.out"
	return "$rc"
}

# opt_run BIN [SECONDS [ARGS...]]
opt_run() {
	local bin=$1 secs=${2:-60} rc
	shift 2 2>/dev/null || shift $#
	[[ -x $bin ]] || xt_skip "$bin is not built (make check builds it)"
	opt_pass kernel "$bin" "$secs" "$@"
	rc=$?
	(( rc == 77 )) && xt_skip "the program could not reach its peer"
	(( rc == 0 )) ||
	    xt_fail "the checks fail on the kernel's TCP (status $rc): the test itself is wrong"
	[[ $XTTEST_KERNEL == 1 ]] && xt_pass "kernel pass only"
	opt_pass shim "$bin" "$secs" "$@"
	rc=$?
	(( rc == 0 )) || { xt_dump "$XT_TMP/peer.err";
	    xt_fail "under the shim: $(grep -c '^not ok' "$XT_TMP/shim.out") checks failed (status $rc)"; }
	xt_pass "$(grep -c '^ok' "$XT_TMP/shim.out") checks, on the kernel and under the shim"
}

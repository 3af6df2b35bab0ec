#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# no_root.sh - acceptance 7: without root the integration tests skip
# (exit 77) and say why.  Runs curl_fetch.sh as an unprivileged user
# (nobody, via setpriv or runuser) -- or directly when we are not root --
# and checks its exit status and message.

. "$(dirname "$0")/lib.sh"

TEST=$XT_LIBDIR/curl_fetch.sh
[[ -r $TEST ]] || xt_fail "cannot read $TEST"

if [[ $(id -u) -eq 0 ]]; then
	if command -v setpriv >/dev/null 2>&1; then
		as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
	elif command -v runuser >/dev/null 2>&1; then
		as_user=(runuser -u nobody --)
	else
		xt_skip "needs setpriv or runuser to drop root"
	fi
	# nobody must be able to read the script (the tree may sit under a
	# private home directory).
	if ! "${as_user[@]}" test -r "$TEST"; then
		xt_skip "user nobody cannot read $TEST (tree not world-readable)"
	fi
else
	as_user=()
fi

out=$(cd / && timeout -k 2 20 "${as_user[@]}" env XTTEST_LIB="$XTTEST_LIB" \
    XTTEST_SRCDIR="$XTTEST_SRCDIR" XTTEST_KERNEL=0 bash "$TEST" 2>&1)
rc=$?
echo "--- curl_fetch.sh as uid $(( ${#as_user[@]} ? 65534 : $(id -u) )): exit status $rc"
echo "$out"
(( rc == 77 )) || xt_fail "expected exit status 77 (skip), got $rc"
grep -q 'SKIP' <<<"$out" || xt_fail "the skip does not announce itself"
grep -qi 'root' <<<"$out" || xt_fail "the skip does not say that root is needed"
xt_pass "unprivileged run skips and says why"

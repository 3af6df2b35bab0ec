#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# bad_env.sh - acceptance 8: `XTCP_ADDR=garbage curl ...` prints one clear
# line naming XTCP_ADDR, and curl exits on its own (no crash: status below
# 128; no hang: within 5 s).  The same for an XTCP_MTU below the floor the
# stack can honour (128: 20 + 20 + 40 bytes of headers and options and
# still 48 of data), which must name the range.
#
# The check needs no peer, but curl must not send anything outside
# namespaces we own even if the shim misbehaved: it runs in a fresh network
# namespace (as root) or in a user+network namespace (`unshare -rn`, as
# anyone, where unprivileged user namespaces are allowed), holding only lo
# and a veth pair xa0/xb0 so that XTCP_IF names an existing interface.

. "$(dirname "$0")/lib.sh"

LIMIT_S=5
PORT=8083

[[ $XTTEST_KERNEL == 1 ]] && xt_skip "kernel mode: nothing to check without the shim"
xt_require_lib
xt_require_cmd curl timeout unshare ip
xt_init

if [[ $(id -u) -eq 0 ]]; then
	unshare_opts=(-n)
else
	unshare_opts=(-r -n)
fi
if ! unshare "${unshare_opts[@]}" true 2>/dev/null; then
	xt_skip "cannot make a private network namespace (unshare ${unshare_opts[*]} failed: needs root or unprivileged user namespaces)"
fi

cat >"$XT_TMP/inner.sh" <<'INNER'
ip link set dev lo up || exit 90
ip link add name xa0 type veth peer name xb0 || exit 90
ip addr add 10.99.0.1/24 dev xb0 || exit 90
ip link set dev xb0 up && ip link set dev xa0 up || exit 90
exec env LD_PRELOAD="$XT_PRELOAD" XTCP_IF=xa0 $XT_ENV \
    ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" \
    curl -sS --max-time 4 -o /dev/null "http://10.99.0.1:$XT_PORT/"
INNER

# bad_case VAR "ENV..." REGEX: curl with ENV must end on its own within
# LIMIT_S, without a signal, after exactly one stderr line naming VAR that
# matches REGEX (what was wrong: the value or the expected form).
bad_case() {
	local var=$1 env=$2 re=$3 rc t0 t1 ms n line

	t0=$(xt_now_ms)
	XT_PRELOAD=$(xt_preload) XT_PORT=$PORT XT_ENV=$env \
	    timeout -k 1 "$LIMIT_S" unshare "${unshare_opts[@]}" \
	    bash "$XT_TMP/inner.sh" >"$XT_TMP/out" 2>"$XT_TMP/err"
	rc=$?
	t1=$(xt_now_ms)
	ms=$(( t1 - t0 ))
	echo "--- $env: stderr (curl exit status $rc, $ms ms):"
	cat "$XT_TMP/err"

	(( rc == 90 )) && xt_skip "could not set up interfaces in the private namespace"
	(( rc == 124 || rc == 137 )) && xt_fail "$env: curl did not finish within $LIMIT_S s (hang)"
	(( rc >= 128 )) && xt_fail "$env: curl died from signal $(( rc - 128 )) (crash)"
	n=$(grep -c "$var" "$XT_TMP/err")
	(( n == 1 )) || xt_fail "$env: expected exactly one line naming $var on stderr, got $n"
	line=$(grep "$var" "$XT_TMP/err")
	if ! grep -qiE "$re" <<<"$line"; then
		xt_fail "the $var line does not say what is wrong: $line"
	fi
	summary+="${summary:+; }$var: status $rc, $ms ms"
}

summary=
bad_case XTCP_ADDR "XTCP_ADDR=garbage" \
    'garbage|A\.B\.C\.D|/len|address|expect|invalid'
# 100 is a valid IPv4 MTU (68 or more) but below the stack's floor
bad_case XTCP_MTU "XTCP_ADDR=10.99.0.2/24 XTCP_MTU=100" '128\.\.65535'
xt_pass "one line each; $summary"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# man_check.sh - issue 4 acceptance 3: man/xtcp.7
#   1. passes `mandoc -Tlint` (skipped with a reason without mandoc);
#   2. names every XTCP_ identifier used in shim/ and stack/ (environment
#      variables and the engine interface; header include guards aside);
#   3. lists socket options (SOCKET OPTIONS, ".It Dv NAME") that are all
#      accepted: man_check_opts sets each one on a fresh socket, on the
#      kernel's TCP and under the shim.

. "$(dirname "$0")/lib.sh"

MAN=$XTTEST_SRCDIR/man/xtcp.7
BIN=${XTTEST_BUILDDIR:-$PWD}/tests/integration/man_check_opts
[[ -r $MAN ]] || xt_fail "cannot read $MAN"

# 2: the names (first, needs nothing); build macros configure.ac defines
# (XTCP_DEBUG) are no variables of the user's
missing=()
while read -r name; do
	grep -qF -- "$name" "$MAN" || missing+=("$name")
done < <(cd "$XTTEST_SRCDIR" && cat shim/*.[ch] shim/*.def stack/*.[ch] \
    stack/*/*.[ch] stack/*.def 2>/dev/null | grep -oE 'XTCP_[A-Z0-9_]+' |
    grep -vE '^XTCP_$|_H$' | sort -u |
    grep -vxF -f <(cd "$XTTEST_SRCDIR" && grep -oE 'AC_DEFINE\(\[XTCP_[A-Z0-9_]+' \
    configure.ac | sed 's/^AC_DEFINE(\[//'; echo XTCP_NONE_))
(( ${#missing[@]} == 0 )) ||
    xt_fail "xtcp.7 does not mention: ${missing[*]}"
xt_log "every XTCP_ name of shim/ and stack/ is in xtcp.7"

# 3: the options the page lists
mapfile -t opts < <(sed -n '/^\.Sh SOCKET OPTIONS/,/^\.Sh /p' "$MAN" |
    grep -E '^\.It Dv ' | grep -oE '\<(SO|TCP|IP)_[A-Z0-9_]+' | sort -u)
(( ${#opts[@]} >= 20 )) ||
    xt_fail "SOCKET OPTIONS of xtcp.7 lists only ${#opts[@]} options"
xt_log "xtcp.7 lists ${#opts[@]} socket options"

# 1: lint
if command -v mandoc >/dev/null 2>&1; then
	out=$(mandoc -Tlint -W warning "$MAN" 2>&1)
	[[ -z $out ]] || { echo "$out"; xt_fail "mandoc -Tlint is not clean"; }
	xt_log "mandoc -Tlint: clean"
	lint=1
else
	xt_log "mandoc is not installed (apt-get install mandoc): lint not checked"
	lint=0
fi

xt_require_all
[[ -x $BIN ]] || xt_skip "$BIN is not built (make check builds it)"
xt_init
for mode in kernel shim; do
	saved=$XTTEST_KERNEL
	[[ $mode == kernel ]] && XTTEST_KERNEL=1
	xt_topology_up
	xt_shim 30 "$BIN" "${opts[@]}" >"$XT_TMP/$mode.out" 2>&1
	rc=$?
	XTTEST_KERNEL=$saved
	"$XT_TOPOLOGY" down "$XT_NAME" >/dev/null 2>&1
	sed "s/^/$mode: /" "$XT_TMP/$mode.out"
	(( rc == 0 )) || xt_fail "$mode: $(grep -c '^not ok' "$XT_TMP/$mode.out") options refused"
	[[ $XTTEST_KERNEL == 1 ]] && break
done
(( lint )) || xt_skip "names and options check out, but mandoc is missing for the lint"
xt_pass "lint clean, every XTCP_ name documented, ${#opts[@]} options accepted"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# timer_setter.sh - every write of a TCB deadline goes through
# xt_tcp_timer_set() (stack/tcp/tcp_var.h).
#
# The engine's timer heap (tcp_timer.c) keys each TCB by a deadline no
# later than its earliest one, and only the setter moves a TCB up when a
# deadline comes earlier.  A deadline field written directly could fire
# late, or never: a hang.  Prints every direct write outside the setter
# and exits 1.

set -u
src=${XTTEST_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
fields='t_(rexmt|persist|delack|2msl|keep|cork|tlp|rack)_at'

# an assignment (=, +=, |=, ...) or ++/-- of a field, outside the setter
# itself (the lines "tp->field = at;" of xt_tcp_timer_set)
hits=$(grep -rnE "(->|\.)${fields}[[:space:]]*([-+*/|&^]?=[^=]|\+\+|--)" \
    --include='*.c' --include='*.h' "$src/stack" "$src/shim" |
    grep -vE "stack/tcp/tcp_var\.h:[0-9]+:[[:space:]]*tp->${fields} = at;$")
if [[ -n $hits ]]; then
	echo "$hits"
	echo "FAIL: a deadline above is written without xt_tcp_timer_set()"
	exit 1
fi
echo "PASS: every deadline is written through xt_tcp_timer_set()"

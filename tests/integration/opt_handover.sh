#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# opt_handover.sh - a socket that sets many options and is then handed
# over to the kernel (connect to 127.0.0.1) carries every one of them:
# the shim's record of them grows as they come (issue 12, memory on
# demand: no fixed 48-entry table per socket), and the kernel socket it
# puts in place reads back what a kernel socket set the same way reads.

. "$(dirname "$0")/lib.sh"

xt_setup python3

cat >"$XT_TMP/prog.py" <<'PY'
import socket, struct, sys
S, T, I = socket.SOL_SOCKET, socket.IPPROTO_TCP, socket.IPPROTO_IP
opts = [
    (S, socket.SO_KEEPALIVE, 1), (T, socket.TCP_NODELAY, 1),
    (S, socket.SO_RCVBUF, 65536), (S, socket.SO_SNDBUF, 131072),
    (T, socket.TCP_KEEPIDLE, 77), (T, socket.TCP_KEEPINTVL, 7),
    (T, socket.TCP_KEEPCNT, 5), (I, socket.IP_TOS, 0x20),
    (T, socket.TCP_USER_TIMEOUT, 12345), (S, socket.SO_REUSEADDR, 1),
    (T, socket.TCP_MAXSEG, 1200), (T, socket.TCP_WINDOW_CLAMP, 40000),
]
l = socket.socket()
l.setsockopt(S, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 0))
l.listen(4)
c = socket.socket()
for lv, nm, v in opts:
    c.setsockopt(lv, nm, v)
c.settimeout(10)
c.connect(l.getsockname())
for lv, nm, v in opts:
    print(lv, nm, c.getsockopt(lv, nm))
PY

xt_shim 30 python3 "$XT_TMP/prog.py" >"$XT_TMP/shim.out" 2>"$XT_TMP/shim.err" ||
    { xt_dump "$XT_TMP/shim.err"; xt_fail "under the shim: the program failed"; }
ip netns exec "$XT_NS_A" timeout -k 2 30 python3 "$XT_TMP/prog.py" \
    >"$XT_TMP/kernel.out" 2>"$XT_TMP/kernel.err" ||
    { xt_dump "$XT_TMP/kernel.err"; xt_fail "on the kernel: the program failed"; }
n=$(wc -l <"$XT_TMP/kernel.out")
(( n == 12 )) || xt_fail "the kernel pass printed $n options, want 12"
if ! diff "$XT_TMP/kernel.out" "$XT_TMP/shim.out" >"$XT_TMP/diff"; then
	xt_dump "$XT_TMP/diff"
	xt_fail "the handed-over socket's options differ from the kernel's"
fi
xt_pass "$n options carried over to the kernel socket"

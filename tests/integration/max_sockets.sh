#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# max_sockets.sh - the socket limit follows the fd limit (issue 12): with
# a soft RLIMIT_NOFILE of 1024 under a higher hard limit, the shim raises
# the soft limit to the hard one and a program may hold more than the old
# fixed 4096 sockets; XTCP_MAX_SOCKETS still overrides.

. "$(dirname "$0")/lib.sh"

xt_setup python3
[[ $XTTEST_KERNEL == 1 ]] && xt_skip "the shim's limit only"
hard=$(ulimit -Hn)
[[ $hard == unlimited ]] && hard=1048576
(( hard >= 6000 )) || xt_skip "hard fd limit $hard: need 6000"

# open N TCP sockets; print the soft fd limit seen and how many opened
cat > "$XT_TMP/open.py" <<'PY'
import resource, socket, sys
n = int(sys.argv[1])
socks = []
err = "none"
try:
    for _ in range(n):
        socks.append(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
except OSError as e:
    err = e.strerror
print(resource.getrlimit(resource.RLIMIT_NOFILE)[0], len(socks), err)
PY

out=$(xt_shim 60 bash -c "ulimit -S -n 1024 && exec python3 $XT_TMP/open.py 5000" 2>"$XT_TMP/err")
read -r soft opened err <<<"$out"
[[ $soft == "$hard" ]] || { xt_dump "$XT_TMP/err"; xt_fail "soft limit $soft, want the hard $hard ($out)"; }
[[ $opened == 5000 ]] || { xt_dump "$XT_TMP/err"; xt_fail "opened $opened of 5000 sockets ($out)"; }

out=$(xt_shim 60 env XTCP_MAX_SOCKETS=100 python3 "$XT_TMP/open.py" 200 2>"$XT_TMP/err")
read -r soft opened err <<<"$out"
[[ $opened == 100 ]] || { xt_dump "$XT_TMP/err"; xt_fail "XTCP_MAX_SOCKETS=100: opened $opened ($out)"; }
xt_pass "5000 sockets under a soft limit of 1024 (raised to $hard); XTCP_MAX_SOCKETS=100 holds"

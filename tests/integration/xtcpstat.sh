#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# xtcpstat.sh - issue 14 acceptance 2: xtcpstat -p PID against a shimmed
# iperf3 client in the middle of a transfer to the kernel's iperf3 server
# shows the data connection ESTABLISHED with a nonzero congestion window
# and nonzero bytes, and -s shows segments sent and received; user nobody
# cannot read the object (permission denied, nonzero status); after the
# program exits its object is gone.  A stale object of a dead process is
# removed by xtcpstat.  A fork child has an object of its own.

. "$(dirname "$0")/lib.sh"

: "${XTCPSTAT:=$PWD/tools/xtcpstat}"
PORT=5311
SECS=8

[[ $XTTEST_KERNEL == 1 ]] &&
    xt_skip "xtcpstat reads the stack's object: nothing to read on the kernel"
[[ -x $XTCPSTAT ]] || xt_fail "no xtcpstat at $XTCPSTAT (XTCPSTAT=)"
xt_setup iperf3 python3

shopt -s nullglob
declare -A before=()
for f in /dev/shm/xtcp.*; do before[$f]=1; done

xt_peer_bg SRV 60 iperf3 -s -1 -B "$XT_PEER" -p "$PORT" -J \
    >"$XT_TMP/srv.json" 2>"$XT_TMP/srv.err"
xt_wait_port "$PORT"
xt_shim_bg CLI 40 iperf3 -c "$XT_PEER" -p "$PORT" -t "$SECS" -J \
    >"$XT_TMP/cli.json" 2>"$XT_TMP/cli.err"

# the shimmed iperf3's pid: the new object whose process is iperf3 (10 s)
pid=
for (( i = 0; i < 100 && pid == 0; i++ )); do
	for f in /dev/shm/xtcp.*; do
		[[ -n ${before[$f]:-} ]] && continue
		p=${f##*/xtcp.}
		[[ $(cat "/proc/$p/comm" 2>/dev/null) == iperf3 ]] && pid=$p
	done
	[[ -n $pid ]] && break
	kill -0 "$CLI" 2>/dev/null || break
	sleep 0.1
done
if [[ -z $pid ]]; then
	xt_dump "$XT_TMP/cli.json" "$XT_TMP/cli.err"
	xt_fail "the shimmed iperf3 published no /dev/shm/xtcp.PID object"
fi
obj=/dev/shm/xtcp.$pid
xt_log "iperf3 under the shim is pid $pid ($obj)"
read -r mode owner < <(stat -c '%a %u' "$obj")
[[ $mode == 600 && $owner == "$(id -u)" ]] ||
    xt_fail "$obj: mode $mode owner $owner, want 600 and $(id -u)"

# mid-transfer: the data connection (the one with bytes) is established
sleep 2
"$XTCPSTAT" -p "$pid" >"$XT_TMP/conns.txt" 2>"$XT_TMP/conns.err"
rc=$?
cat "$XT_TMP/conns.txt" "$XT_TMP/conns.err"
(( rc == 0 )) || xt_fail "xtcpstat -p $pid exited with status $rc"
if ! python3 - "$XT_TMP/conns.txt" "$XT_PEER:$PORT" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
ok = False
for i, l in enumerate(lines[:-1]):
    f = l.split()
    if len(f) < 5 or f[0] != "ESTABLISHED" or f[4] != sys.argv[2]:
        continue
    d = dict(re.findall(r"(\w+):([\d.]+)", lines[i + 1]))
    if int(d.get("cwnd", 0)) > 0 and int(d.get("bytes_acked", 0)) > 0:
        ok = True
sys.exit(0 if ok else 1)
PY
then
	xt_fail "no ESTABLISHED connection to $XT_PEER:$PORT with cwnd and bytes"
fi

"$XTCPSTAT" -s -p "$pid" >"$XT_TMP/stats.txt" 2>&1 ||
    { cat "$XT_TMP/stats.txt"; xt_fail "xtcpstat -s -p $pid failed"; }
for c in tcp_snd_total tcp_rcv_total; do
	n=$(awk -v c="($c)" '$NF == c { print $1 }' "$XT_TMP/stats.txt")
	(( ${n:-0} > 0 )) || { cat "$XT_TMP/stats.txt"
	    xt_fail "xtcpstat -s: counter $c is ${n:-missing}, want > 0"; }
	xt_log "$c $n"
done
"$XTCPSTAT" -c -p "$pid" | grep -q '^ *[0-9]* TCP segments sent (tcp_snd_total)$' ||
    xt_fail "xtcpstat -c shows no tcp_snd_total"

# another user: nobody may not read it
if command -v setpriv >/dev/null 2>&1; then
	as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
elif command -v runuser >/dev/null 2>&1; then
	as_user=(runuser -u nobody --)
else
	as_user=()
fi
if (( ${#as_user[@]} )) && [[ $(id -u) -eq 0 ]]; then
	if "${as_user[@]}" test -x "$XTCPSTAT"; then
		out=$("${as_user[@]}" "$XTCPSTAT" -p "$pid" 2>&1)
		rc=$?
		who="xtcpstat as nobody"
	else
		# the tree is not nobody's to run: the object itself
		out=$("${as_user[@]}" cat "$obj" 2>&1 >/dev/null)
		rc=$?
		who="cat as nobody"
	fi
	xt_log "$who: status $rc: $out"
	(( rc != 0 )) || xt_fail "$who read $obj (status 0)"
	grep -qi 'permission denied' <<<"$out" ||
	    xt_fail "$who: no 'Permission denied' in: $out"
else
	xt_log "not root or no setpriv/runuser: the other-user check is left out"
fi

xt_wait_pid "$CLI" 30
rc=$?
if (( rc != 0 )); then
	xt_dump "$XT_TMP/cli.json" "$XT_TMP/cli.err"
	xt_fail "iperf3 under the shim exited with status $rc"
fi
xt_wait_pid "$SRV" 10
[[ ! -e $obj ]] || xt_fail "$obj still exists after iperf3 exited"
"$XTCPSTAT" -p "$pid" >/dev/null 2>&1 &&
    xt_fail "xtcpstat -p $pid succeeded after the process exited"

# a process family (issue 13): a fork child that uses the inherited
# socket has an object of its own showing the family's connection, gone
# when the child exits while the parent's stays until the parent exits
FPORT=5312
xt_peer_bg FSRV 30 python3 -c '
import socket, sys, time
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], int(sys.argv[2])))
l.listen(1)
c, _ = l.accept()
time.sleep(10)' "$XT_PEER" "$FPORT"
xt_wait_port "$FPORT"
xt_shim_bg FAM 30 python3 -c '
import os, socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.send(b"x" * 1000)
print("parent", os.getpid(), flush=True)
p = os.fork()
if p == 0:
    s.send(b"y" * 10)
    print("child", os.getpid(), flush=True)
    time.sleep(3)
    os._exit(0)
os.waitpid(p, 0)
print("reaped", flush=True)
time.sleep(3)' "$XT_PEER" "$FPORT" >"$XT_TMP/fam.out" 2>"$XT_TMP/fam.err"
for (( i = 0; i < 50; i++ )); do
	grep -q child "$XT_TMP/fam.out" && break
	sleep 0.1
done
sleep 0.5
par=$(awk '$1 == "parent" { print $2 }' "$XT_TMP/fam.out")
ch=$(awk '$1 == "child" { print $2 }' "$XT_TMP/fam.out")
[[ -n $par && -n $ch ]] || { xt_dump "$XT_TMP/fam.out" "$XT_TMP/fam.err"
    xt_fail "the family's python3 did not fork"; }
for p in "$par" "$ch"; do
	out=$("$XTCPSTAT" -p "$p" 2>&1) ||
	    xt_fail "family member $p: xtcpstat failed: $out"
	grep -q "^ESTABLISHED .* $XT_PEER:$FPORT " <<<"$out" ||
	    xt_fail "family member $p: no connection to $XT_PEER:$FPORT: $out"
done
for (( i = 0; i < 60; i++ )); do
	grep -q reaped "$XT_TMP/fam.out" && break
	sleep 0.1
done
grep -q reaped "$XT_TMP/fam.out" || xt_fail "the fork child did not end"
[[ ! -e /dev/shm/xtcp.$ch ]] || xt_fail "the fork child's object outlived it"
[[ -e /dev/shm/xtcp.$par ]] ||
    xt_fail "the parent's object went with its fork child"
xt_wait_pid "$FAM" 15 || xt_fail "the family's parent failed"
[[ ! -e /dev/shm/xtcp.$par ]] || xt_fail "the parent's object outlived it"
xt_log "family: parent $par and child $ch each had an object, each went at exit"

# a process killed by a signal leaves its object: xtcpstat removes it
sleep 60 &
dead=$!
kill -KILL "$dead"
wait "$dead" 2>/dev/null
: >"/dev/shm/xtcp.$dead"
chmod 600 "/dev/shm/xtcp.$dead"
out=$("$XTCPSTAT" -p "$dead" 2>&1) && xt_fail "xtcpstat -p $dead (dead) succeeded"
[[ ! -e /dev/shm/xtcp.$dead ]] || { rm -f "/dev/shm/xtcp.$dead"
    xt_fail "xtcpstat left the dead process's object: $out"; }
xt_pass "ESTABLISHED with cwnd and bytes, counters, 0600 and refused to" \
    "nobody, gone at exit; one per family member"

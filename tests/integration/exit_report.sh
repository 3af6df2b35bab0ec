#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# exit_report.sh - issue 14 acceptance 5, and the logging it rests on:
#  1. with XTCP_REPORT=1, a python3 program that makes a loopback socket,
#     two AF_INET6 ones (real IPv6 ::1, and IPV6_V6ONLY bound to ::) and a
#     stack socket (echoed by a kernel server in the peer namespace)
#     writes one report naming each reason with its count;
#  2. XTCP_LOG=warn with every variable xtcp(7) documents set to a valid
#     value prints nothing (on stderr nor in XTCP_LOG_FILE);
#  3. at XTCP_LOG=debug, log lines carry the program's pid and name the
#     connection as a.b.c.d:port -> a.b.c.d:port, never as an integer;
#  4. killed by SIGTERM (default disposition), the program still writes
#     its report (killed by signal 15), exits with 143 as without the
#     shim, and saw SIG_DFL for SIGTERM (signal.getsignal).

. "$(dirname "$0")/lib.sh"

PORT=8141

xt_setup python3 ss
[[ $XTTEST_KERNEL == 1 ]] && xt_skip "the shim's report only"

# the peer: echoes 4 bytes per connection, for at most 60 s
xt_peer_bg SRV 60 python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(8)
while True:
    c, _ = s.accept()
    d = b""
    while len(d) < 4:
        x = c.recv(4 - len(d))
        if not x:
            break
        d += x
    c.sendall(d)
    c.close()
' "$PORT"
xt_wait_port "$PORT"

cat >"$XT_TMP/prog.py" <<'PY'
import os, signal, socket, sys, time
peer, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lo = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    lo.connect(("127.0.0.1", 9))
except OSError:
    pass
v6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
try:
    v6.connect(("::1", 9))
except OSError:
    pass
v6o = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
v6o.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
try:
    v6o.bind(("::", 0))
except OSError:
    pass
st = socket.create_connection((peer, port), timeout=10)
st.sendall(b"ping")
print("echo", st.recv(4).decode(), flush=True)
if mode == "term":
    dfl = signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    print("sigterm", "dfl" if dfl else repr(signal.getsignal(signal.SIGTERM)))
    print("pid", os.getpid(), flush=True)
    time.sleep(30)
PY

# run_prog MODE OUT ERR VAR=VALUE...: prog.py under the shim, its exit
# status printed by the shell that ran it (143 for SIGTERM)
run_prog() {
	local mode=$1 out=$2 err=$3
	shift 3
	xt_shim 40 env "$@" bash -c 'python3 "$@"; echo "status $?"' _ \
	    "$XT_TMP/prog.py" "$XT_PEER" "$PORT" "$mode" >"$out" 2>"$err"
}

problems=()

# ---- 1. the report, with each reason and its count ----
run_prog plain "$XT_TMP/1.out" "$XT_TMP/1.err" XTCP_REPORT=1
grep -q '^echo ping$' "$XT_TMP/1.out" ||
    problems+=("1: the stack socket's echo is missing: $(cat "$XT_TMP/1.out")")
grep -q '^status 0$' "$XT_TMP/1.out" || problems+=("1: status: $(tail -1 "$XT_TMP/1.out")")
rep=$(grep 'exit report (exit)' "$XT_TMP/1.err")
xt_log "report: $rep"
n=$(grep -c 'exit report' "$XT_TMP/1.err")
(( n == 1 )) || problems+=("1: $n reports, expected one")
for want in '1 sockets served by the stack' 'loopback 1,' 'passthrough 0,' \
    'AF_INET6 2,' 'option 0,' 'fallback 0;' 'forks 0;' 'drops: '; do
	[[ $rep == *"$want"* ]] || problems+=("1: the report lacks \"$want\"")
done
[[ $rep =~ ^libxtcp\[[0-9]+\]\ [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}\ info:\  ]] ||
    problems+=("1: the report line lacks the pid/time prefix")
xt_verdict "the exit report"

# ---- 2. every documented variable, valid, at warn: silence ----
mac=$(ip netns exec "$XT_NS_A" cat "/sys/class/net/$XT_IF/address")
mkdir -p "$XT_TMP/locks"
declare -A val=(
	[XTCP_IF]=$XT_IF [XTCP_ADDR]=$XT_SHIM/$XT_PLEN [XTCP_LOG]=warn
	[XTCP_ADDR_SHARE]=0 [XTCP_ALWAYS_KEEPALIVE]=0 [XTCP_AUTOTUNE]=1
	[XTCP_BLACKHOLE]=0 [XTCP_CC]=cubic [XTCP_CHILD]=stack
	[XTCP_DELACK_MS]=40 [XTCP_DELAYED_ACK]=1 [XTCP_DEVWAIT]=1
	[XTCP_ECN]=0 [XTCP_ECN_MAXRETRIES]=3 [XTCP_FALLBACK]=fail
	[XTCP_FASTOPEN]=0 [XTCP_FINWAIT2_NO_TIMEWAIT]=0
	[XTCP_FINWAIT2_TIMEOUT]=60000 [XTCP_GW]=$XT_PEER [XTCP_INITCWND]=10
	[XTCP_INSECURE_RST]=0 [XTCP_INSECURE_SYN]=0
	[XTCP_INVALID_RATELIMIT_MS]=500 [XTCP_KEEPCNT]=8
	[XTCP_KEEPIDLE]=7200 [XTCP_KEEPINIT]=75000 [XTCP_KEEPINTVL]=75
	[XTCP_LISTEN_KERNEL]=0 [XTCP_LOCKDIR]=$XT_TMP/locks
	[XTCP_LOG_IN_VAIN]=0 [XTCP_MAC]=$mac [XTCP_MAX_SOCKETS]=4096
	[XTCP_MAX_TW_BUCKETS]=4096 [XTCP_MEM_MAX]=512M [XTCP_MSL_MS]=30000
	[XTCP_MSSDFLT]=536 [XTCP_MTU]=1500 [XTCP_NOOPT]=0 [XTCP_OFFLOAD]=1
	[XTCP_PASSTHROUGH]=10.77.0.0/16 [XTCP_PATH_MTU_DISCOVERY]=1
	[XTCP_PMTUD_BLACKHOLE_DETECTION]=0 [XTCP_PMTUD_BLACKHOLE_MSS]=1200
	[XTCP_PORT_RANGE]=40000-50000 [XTCP_RCVBUF]=131072
	[XTCP_REASS_MAXQUEUELEN]=100 [XTCP_REXMIT_INITIAL]=1000
	[XTCP_REXMIT_MAX]=12 [XTCP_REXMIT_SLOP]=200 [XTCP_RFC1337]=1
	[XTCP_RMEM_MAX]=6291456 [XTCP_RTO_MAX_MS]=120000
	[XTCP_RTO_MIN_MS]=200 [XTCP_SACK]=1 [XTCP_SACK_MAXHOLES]=128
	[XTCP_SNDBUF]=131072 [XTCP_SPIN_US]=0 [XTCP_STATS]=$XT_TMP/stats
	[XTCP_SYNCOOKIES]=1 [XTCP_SYN_RETRIES]=6 [XTCP_TAP_URING]=1
	[XTCP_TIMESTAMPS]=1 [XTCP_TS_OFFSET_PER_CONN]=1 [XTCP_TW_REUSE]=2
	[XTCP_WMEM_MAX]=4194304 [XTCP_WSCALE]=1
	[XTCP_LOG_FILE]=$XT_TMP/log.%p [XTCP_REPORT]=0
	[XTCP_PCAP]=$XT_TMP/cap.%p [XTCP_PCAP_MAX_MB]=10 [XTCP_PCAP_FILES]=2
	[XTCP_TRACE]=$XT_TMP/trace.%p [XTCP_ARP_PROBE_MS]=0
)
# not set: XTCP_TAP (another backend than XTCP_IF, which excludes it) and
# XTCP_FAMILY (the shim sets it for its own children)
envs=()
while read -r v; do
	[[ $v == XTCP_TAP || $v == XTCP_FAMILY ]] && continue
	[[ -v val[$v] ]] || { problems+=("2: xtcp(7) documents $v: give it a value here"); continue; }
	envs+=("$v=${val[$v]}")
done < <(awk '$1 == ".It" && $2 == "Ev" && $3 ~ /^XTCP_/ { print $3 }' \
    "$XTTEST_SRCDIR/man/xtcp.7" | sort -u)
xt_log "${#envs[@]} documented variables set"
(( ${#envs[@]} >= 60 )) || problems+=("2: only ${#envs[@]} variables found in xtcp(7)")
run_prog plain "$XT_TMP/2.out" "$XT_TMP/2.err" "${envs[@]}"
grep -q '^echo ping$' "$XT_TMP/2.out" || problems+=("2: no echo with every variable set")
[[ -s $XT_TMP/2.err ]] && problems+=("2: stderr: $(head -3 "$XT_TMP/2.err")")
for f in "$XT_TMP"/log.*; do
	[[ -s $f ]] && problems+=("2: $f: $(head -3 "$f")")
done
xt_verdict "XTCP_LOG=warn with every documented variable"

# ---- 3. debug lines: pid, dotted addresses ----
run_prog plain "$XT_TMP/3.out" "$XT_TMP/3.err" XTCP_LOG=debug \
    "XTCP_LOG_FILE=$XT_TMP/dbg.%p"
dbg=("$XT_TMP"/dbg.*)
if (( ${#dbg[@]} != 1 )) || [[ ! -s ${dbg[0]} ]]; then
	problems+=("3: expected one XTCP_LOG_FILE with %p replaced, got: ${dbg[*]}")
else
	pid=${dbg[0]##*.}
	grep -vq "^libxtcp\[$pid\] " "${dbg[0]}" &&
	    problems+=("3: a line without the pid $pid: $(grep -v "^libxtcp\[$pid\] " "${dbg[0]}" | head -1)")
	grep -Eq "debug: tcp $XT_SHIM:[0-9]+ -> $XT_PEER:$PORT: " "${dbg[0]}" ||
	    problems+=("3: no state change naming $XT_SHIM:port -> $XT_PEER:$PORT")
	grep -E '[0-9]->[0-9]' "${dbg[0]}" | grep -q . &&
	    problems+=("3: an address as an integer: $(grep -E '[0-9]->[0-9]' "${dbg[0]}" | head -1)")
	xt_log "debug: $(grep -c . "${dbg[0]}") lines, e.g. $(grep -m1 'debug: tcp ' "${dbg[0]}")"
fi
xt_verdict "debug log lines"

# ---- 4. killed by SIGTERM ----
xt_bg P run_prog term "$XT_TMP/4.out" "$XT_TMP/4.err" XTCP_REPORT=1
for (( i = 0; i < 100; i++ )); do
	grep -q '^pid ' "$XT_TMP/4.out" 2>/dev/null && break
	sleep 0.1
done
ppid=$(awk '$1 == "pid" { print $2 }' "$XT_TMP/4.out")
[[ -n $ppid ]] || xt_fail "4: the program did not start: $(cat "$XT_TMP/4.out" "$XT_TMP/4.err")"
kill -TERM "$ppid"
xt_wait_pid "$P" 20
grep -q '^sigterm dfl$' "$XT_TMP/4.out" ||
    problems+=("4: the program did not see SIG_DFL for SIGTERM: $(grep sigterm "$XT_TMP/4.out")")
grep -q '^status 143$' "$XT_TMP/4.out" ||
    problems+=("4: exit status: $(grep status "$XT_TMP/4.out"), expected 143")
rep=$(grep 'exit report' "$XT_TMP/4.err")
xt_log "report: $rep"
[[ $rep == *"exit report (killed by signal 15, SIGTERM): 1 sockets served by the stack"*"loopback 1,"*"AF_INET6 2,"* ]] ||
    problems+=("4: no report naming the signal and the counts: $(cat "$XT_TMP/4.err")")
xt_verdict "a program killed by SIGTERM"

xt_pass "report, silence at warn, debug lines, SIGTERM"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# iperf3.sh - issue 3 acceptance 2: iperf3 as a client under the shim
# against the kernel's iperf3 server, then iperf3 as a server under the
# shim against the kernel's client.  Each side must end with a JSON result
# (-J) that has no "error" and a non-zero byte count.

. "$(dirname "$0")/lib.sh"

PORT1=5301
PORT2=5302
SECS=3

xt_setup iperf3 python3 ss

# check_json FILE WHO: a result with bytes, no error.
check_json() {
	local f=$1 who=$2 out
	if ! out=$(python3 - "$f" <<'EOF'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception as e:
    print("no JSON result: %s" % e)
    sys.exit(1)
if r.get("error"):
    print("error: %s" % r["error"])
    sys.exit(1)
end = r.get("end", {})
s = end.get("sum_received") or end.get("sum") or {}
b = s.get("bytes", 0)
if b <= 0:
    print("no bytes received")
    sys.exit(1)
print("%d bytes, %.0f Mbit/s" % (b, s.get("bits_per_second", 0) / 1e6))
EOF
	); then
		xt_dump "$f"
		xt_fail "$who: $out"
	fi
	xt_log "$who: $out"
	RESULT="$out"
}

# ---- 1: client under the shim, server on the kernel ----
xt_peer_bg SRV1 60 iperf3 -s -1 -B "$XT_PEER" -p "$PORT1" -J \
    >"$XT_TMP/srv1.json" 2>"$XT_TMP/srv1.err"
xt_wait_port "$PORT1"
xt_shim 40 iperf3 -c "$XT_PEER" -p "$PORT1" -t "$SECS" -J \
    >"$XT_TMP/cli1.json" 2>"$XT_TMP/cli1.err"
rc=$?
if (( rc != 0 )); then
	xt_dump "$XT_TMP/cli1.json" "$XT_TMP/cli1.err"
	xt_fail "iperf3 client under the shim exited with status $rc"
fi
check_json "$XT_TMP/cli1.json" "shim client"
r1=$RESULT
xt_wait_pid "$SRV1" 10 || { xt_dump "$XT_TMP/srv1.json" "$XT_TMP/srv1.err"; xt_fail "the kernel iperf3 server failed"; }
check_json "$XT_TMP/srv1.json" "kernel server"

# ---- 2: server under the shim, client on the kernel ----
xt_shim_bg SRV2 60 iperf3 -s -1 -B "$XT_SHIM" -p "$PORT2" -J \
    >"$XT_TMP/srv2.json" 2>"$XT_TMP/srv2.err"
# The shimmed listener is invisible to ss: retry the client (10 s).
ok=0
for (( i = 0; i < 20; i++ )); do
	kill -0 "$SRV2" 2>/dev/null || break
	if xt_peer 40 iperf3 -c "$XT_SHIM" -p "$PORT2" -t "$SECS" -J \
	    >"$XT_TMP/cli2.json" 2>"$XT_TMP/cli2.err"; then
		ok=1
		break
	fi
	grep -q 'unable to connect\|Connection refused' "$XT_TMP/cli2.json" \
	    "$XT_TMP/cli2.err" || break
	sleep 0.5
done
if (( ! ok )); then
	xt_dump "$XT_TMP/cli2.json" "$XT_TMP/cli2.err" "$XT_TMP/srv2.err"
	xt_fail "the kernel iperf3 client against the shim's server failed"
fi
check_json "$XT_TMP/cli2.json" "kernel client"
xt_wait_pid "$SRV2" 10
rc=$?
if (( rc != 0 )); then
	xt_dump "$XT_TMP/srv2.json" "$XT_TMP/srv2.err"
	xt_fail "iperf3 server under the shim exited with status $rc"
fi
check_json "$XT_TMP/srv2.json" "shim server"
xt_pass "shim client: $r1; shim server: $RESULT"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# dualstack.sh - issue 13 acceptance 6: AF_INET6 stream sockets over the
# stack's IPv4.  python3's http.server on "::" under the shim serves the
# kernel's curl over IPv4; curl under the shim fetches from a kernel
# server through a v4-mapped address ([::ffff:PEER]); both byte-exact.
# dualstack_test (a C program) checks the v4-mapped names of client and
# accepted sockets, the errno Linux gives, and that IPV6_V6ONLY sockets
# and real IPv6 peers stay with the kernel (the veths get IPv6 addresses
# for this: the kernel answers IPv6 on the shim's side, the stack IPv4).
#
# XTTEST_KERNEL=1 runs it all on the kernel's TCP, which checks the
# assertions against Linux (the program then skips its "the kernel does
# not list this listener" checks).

. "$(dirname "$0")/lib.sh"

BIN=${XTTEST_BUILDDIR:-$PWD}/tests/integration/dualstack_test
PORT1=8093	# http.server on "::" under the shim
PORT2=8094	# the peer's http.server on "::" (kernel, IPv4 and IPv6)
PORT3=8095	# dualstack_test server under the shim
PORT4=8096	# dualstack_test v6: an IPV6_V6ONLY listener (kernel)
PORT5=8097	# dualstack_test server with XTCP_LISTEN_KERNEL, a local client
MIB=${XTTEST_MIB:-8}
A6=fd00:99::2
B6=fd00:99::1

# the distribution's python3 where there is one, as python_http.sh finds
# it through PATH otherwise
PY=python3
[[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3

xt_setup "$PY" curl ss
[[ -x $BIN ]] || xt_skip "$BIN is not built (make check builds it)"
"$PY" -c 'import http.server, socket; assert socket.has_ipv6' 2>/dev/null ||
    xt_skip "$PY has no http.server or no IPv6"
mkdir "$XT_TMP/www"
xt_random_file "$XT_TMP/www/blob" "$MIB"
echo small >"$XT_TMP/www/index.html"

# The topology turns IPv6 off; give both veth ends an address of it.
for side in "$XT_NS_A xa0 $A6" "$XT_NS_B xb0 $B6"; do
	set -- $side
	ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=0" &&
	    ip -n "$1" addr add "$3/64" dev "$2" nodad ||
	    xt_skip "cannot give $2 in $1 an IPv6 address"
done
# the default the program expects (IPV6_V6ONLY 0) is Linux's
[[ $(ip netns exec "$XT_NS_A" cat /proc/sys/net/ipv6/bindv6only) == 0 ]] ||
    xt_skip "net.ipv6.bindv6only is not 0 in the test namespace"
export DUALSTACK_KERNEL=$XTTEST_KERNEL

# end_shim_ns: end what runs in the shim's namespace (it holds the
# stack's address, which the next shimmed process needs); all of it was
# started by this test.
end_shim_ns() {
	local pids
	pids=$(ip netns pids "$XT_NS_A")
	# shellcheck disable=SC2086
	[[ -n $pids ]] && kill -TERM $pids 2>/dev/null
	xt_wait_pid "$1" 5
}

# ---- 1: http.server --bind :: under the shim, the kernel's curl (IPv4) ----
xt_shim_bg SRV1 90 "$PY" -m http.server "$PORT1" --bind :: \
    --directory "$XT_TMP/www" >"$XT_TMP/srv1.log" 2>&1
ok=0
for (( i = 0; i < 30; i++ )); do
	kill -0 "$SRV1" 2>/dev/null || break
	if xt_peer 60 curl -sS --fail --max-time 50 -o "$XT_TMP/out1" \
	    "http://$XT_SHIM:$PORT1/blob" 2>"$XT_TMP/curl1.err"; then
		ok=1
		break
	fi
	grep -q 'Failed to connect\|Could not connect\|Couldn.t connect' \
	    "$XT_TMP/curl1.err" || break
	sleep 0.5
done
if (( ! ok )); then
	xt_dump "$XT_TMP/curl1.err" "$XT_TMP/srv1.log"
	xt_fail "the kernel's curl could not fetch from http.server --bind :: under the shim"
fi
xt_compare "$XT_TMP/www/blob" "$XT_TMP/out1"
if [[ $XTTEST_KERNEL != 1 ]] &&
    ip netns exec "$XT_NS_A" ss -Hltn "sport = :$PORT1" | grep -q .; then
	xt_fail "the kernel listens on $PORT1: http.server's socket was not the stack's"
fi
end_shim_ns "$SRV1"

# ---- 2: curl under the shim to [::ffff:PEER], a kernel server ----
xt_peer_bg SRV2 120 "$PY" -m http.server "$PORT2" --bind :: \
    --directory "$XT_TMP/www" >"$XT_TMP/srv2.log" 2>&1
xt_wait_port "$PORT2"
if ! xt_shim 60 curl -g -sS --fail --max-time 50 -o "$XT_TMP/out2" \
    "http://[::ffff:$XT_PEER]:$PORT2/blob" 2>"$XT_TMP/curl2.err"; then
	xt_dump "$XT_TMP/curl2.err" "$XT_TMP/srv2.log"
	xt_fail "curl under the shim could not fetch from [::ffff:$XT_PEER]:$PORT2"
fi
xt_compare "$XT_TMP/www/blob" "$XT_TMP/out2"

# ---- 3: the program: client names and options, errno cases ----
fails=()
xt_shim 60 "$BIN" client "$XT_SHIM" "$XT_PEER" "$PORT2" \
    >"$XT_TMP/client.out" 2>&1 || fails+=(client)
xt_shim 60 "$BIN" errno "$XT_SHIM" "$XT_PEER" \
    >"$XT_TMP/errno.out" 2>&1 || fails+=(errno)

# get_answer NS ADDR PORT: what a kernel client in NS reads from ADDR:PORT
get_answer() {
	ip netns exec "$1" timeout -k 2 30 "$PY" - "$2" "$3" <<'EOF'
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
data = b""
while True:
    b = s.recv(100)
    if not b:
        break
    data += b
s.close()
sys.stdout.write(data.decode())
EOF
}
# wait_ready PID: the program's listener is up
wait_ready() {
	for (( i = 0; i < 100; i++ )); do
		[[ -e $XT_TMP/ready ]] && return 0
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

# ---- 4: the program's listener on "::", a kernel client ----
xt_shim_bg SRV3 60 env READY="$XT_TMP/ready" "$BIN" \
    server "$XT_SHIM" "$XT_PEER" "$PORT3" >"$XT_TMP/server.out" 2>&1
wait_ready "$SRV3" ||
    { cat "$XT_TMP/server.out"; xt_fail "the program's listener did not come up"; }
got=$(get_answer "$XT_NS_B" "$XT_SHIM" "$PORT3")
xt_wait_pid "$SRV3" 20 || fails+=(server)
[[ $got == dualstack-ok ]] || fails+=("server answer '$got'")

# ---- 4b: XTCP_LISTEN_KERNEL: a client on this host, through the kernel ----
# (names are then ::ffff:127.0.0.1 on both ends, and the kernel lists the
# companion listener, so the program is told not to check that)
rm -f "$XT_TMP/ready"
xt_shim_bg SRV5 60 env XTCP_LISTEN_KERNEL=1 READY="$XT_TMP/ready" \
    DUALSTACK_KERNEL=1 "$BIN" server 127.0.0.1 127.0.0.1 "$PORT5" \
    >"$XT_TMP/local.out" 2>&1
wait_ready "$SRV5" ||
    { cat "$XT_TMP/local.out"; xt_fail "the program's listener did not come up (XTCP_LISTEN_KERNEL)"; }
got=$(get_answer "$XT_NS_A" 127.0.0.1 "$PORT5")
xt_wait_pid "$SRV5" 20 || fails+=(local)
[[ $got == dualstack-ok ]] || fails+=("local answer '$got'")

# ---- 5: IPV6_V6ONLY and real IPv6 stay with the kernel ----
xt_shim 60 "$BIN" v6 "$B6" "$PORT2" "$PORT4" >"$XT_TMP/v6.out" 2>&1 ||
    fails+=(v6)

for f in client errno server local v6; do
	sed "s/^/$f: /" "$XT_TMP/$f.out"
done
(( ${#fails[@]} == 0 )) || xt_fail "failed: ${fails[*]}"
xt_pass "http.server on :: and curl to [::ffff:$XT_PEER] byte-exact ($MIB MiB each); names, errno and IPV6_V6ONLY as Linux"

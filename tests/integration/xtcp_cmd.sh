#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# xtcp_cmd.sh - issue 14 acceptance 1: the xtcp command (tools/xtcp).
#   1. xtcp -i IF -a ADDR -- curl URL fetches byte-exact from a kernel
#      server in the peer namespace;
#   2. xtcp --check says ok on that setup, and names, each in one line
#      with its fix and a nonzero status: a missing interface, an address
#      the kernel owns on the interface, an address another namespace
#      answers ARP for, a down interface, no CAP_NET_RAW;
#   3. a static program and a setuid copy each get their one line, and
#      are not run;
#   4. -p (shipped and user profiles) and -o reach the program's
#      environment (env as the program), LD_PRELOAD keeps what was there;
#   5. bad options and a bad profile give a usage line and status 2;
#   6. --setup-tap makes a TAP owned by nobody, which nobody may use.

. "$(dirname "$0")/lib.sh"

XTCP=${XTTEST_BUILDDIR:-$PWD}/tools/xtcp
PORT=8080

[[ $XTTEST_KERNEL == 1 ]] &&
    xt_skip "tests the xtcp command itself, which never runs on the kernel's TCP"
[[ -x $XTCP ]] || xt_skip "$XTCP has not been built (run 'make' first)"
xt_setup curl python3 ss
HAVE_ARPING=1
if ! command -v arping >/dev/null 2>&1 || ! arping -V 2>&1 | grep -qi iputils; then
	HAVE_ARPING=0
	xt_log "note: no iputils arping: the ARP-conflict check is skipped (install iputils-arping)"
fi

problems=()
A() { ip netns exec "$XT_NS_A" "$@"; }

# xtcp_in_a ARGS...: run xtcp in the shim namespace, bounded; stdout and
# stderr to $XT_TMP/out, $XT_TMP/err; returns its status.
xtcp_in_a() {
	A timeout -k 2 15 env ASAN_OPTIONS=detect_leaks=0 "$XTCP" "$@" \
	    >"$XT_TMP/out" 2>"$XT_TMP/err"
}

# expect_problem WHAT PATTERN ARGS...: xtcp ARGS fails (status 1) with
# exactly one line, matching PATTERN (an extended regex, any case).
expect_problem() {
	local what=$1 pat=$2 rc n
	shift 2
	xtcp_in_a "$@"
	rc=$?
	n=$(grep -c . "$XT_TMP/err")
	if (( rc != 1 )); then
		problems+=("$what: status $rc, expected 1 ($(head -c 300 "$XT_TMP/err"))")
	elif (( n != 1 )); then
		problems+=("$what: $n lines, expected one: $(tr '\n' '|' < "$XT_TMP/err")")
	elif ! grep -qiE -- "$pat" "$XT_TMP/err"; then
		problems+=("$what: the line does not match /$pat/: $(cat "$XT_TMP/err")")
	else
		xt_log "$what: $(cat "$XT_TMP/err")"
	fi
}

# expect_usage WHAT ARGS...: status 2 and a usage line.
expect_usage() {
	local what=$1 rc
	shift
	xtcp_in_a "$@"
	rc=$?
	if (( rc != 2 )) || ! grep -q '^usage: xtcp' "$XT_TMP/err"; then
		problems+=("$what: status $rc and no usage line ($(head -c 200 "$XT_TMP/err"))")
	fi
}

ADDR=$XT_SHIM/$XT_PLEN

# --- 1: curl through xtcp, byte-exact -------------------------------
mkdir "$XT_TMP/www"
xt_random_file "$XT_TMP/www/blob" 2
xt_peer_bg SRV 60 python3 -m http.server "$PORT" --bind "$XT_PEER" \
    --directory "$XT_TMP/www" >"$XT_TMP/server.log" 2>&1
xt_wait_port "$PORT"
if ! A timeout -k 2 30 env ASAN_OPTIONS=detect_leaks=0 XTCP_LOG=error \
    "$XTCP" -i "$XT_IF" -a "$ADDR" -- curl -sS --fail --max-time 20 \
    -o "$XT_TMP/got" "http://$XT_PEER:$PORT/blob" 2>"$XT_TMP/curl.err"; then
	xt_dump "$XT_TMP/curl.err" "$XT_TMP/server.log"
	xt_fail "xtcp -i $XT_IF -a $ADDR -- curl failed"
fi
xt_compare "$XT_TMP/www/blob" "$XT_TMP/got"
# it went through the stack, not the kernel: xa0 has no address, so the
# kernel could not have made this connection at all
[[ -z $(ip -n "$XT_NS_A" -o -4 addr show dev "$XT_IF") ]] ||
    xt_fail "$XT_IF has a kernel address: the fetch proves nothing"

# --- 2: --check -------------------------------------------------------
if xtcp_in_a --check -i "$XT_IF" -a "$ADDR" -- curl; then
	grep -q '^xtcp: ok' "$XT_TMP/err" ||
	    problems+=("--check on a good setup: status 0 but no ok line")
else
	problems+=("--check on a good setup failed: $(cat "$XT_TMP/err")")
fi
expect_problem "missing interface" 'interface nosuch0 does not exist.*-i' \
    --check -i nosuch0 -a "$ADDR"
A ip addr add 10.99.0.5/24 dev "$XT_IF"
expect_problem "kernel-owned address" \
    'kernel owns 10\.99\.0\.5 on xa0.*ip addr del 10\.99\.0\.5/24 dev xa0' \
    --check -i "$XT_IF" -a 10.99.0.5/24
A ip addr del 10.99.0.5/24 dev "$XT_IF"
if (( HAVE_ARPING )); then
	ip -n "$XT_NS_B" addr add 10.99.0.7/24 dev xb0
	mac=$(ip netns exec "$XT_NS_B" cat /sys/class/net/xb0/address)
	expect_problem "address another namespace answers ARP for" \
	    "another host \\(${mac}\\) answers ARP for 10\\.99\\.0\\.7 on xa0.*-a" \
	    --check -i "$XT_IF" -a 10.99.0.7/24
	ip -n "$XT_NS_B" addr del 10.99.0.7/24 dev xb0
fi
A ip link add xd0 type veth peer name xd1
expect_problem "down interface" 'interface xd0 is down.*ip link set xd0 up' \
    --check -i xd0 -a 10.98.0.2/24
A ip link del xd0
if command -v setpriv >/dev/null 2>&1; then
	A timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups \
	    --inh-caps=-all -- "$XTCP" --check -i "$XT_IF" -a "$ADDR" \
	    >"$XT_TMP/out" 2>"$XT_TMP/err"
	rc=$?
	if (( rc != 1 )) || ! grep -q 'no CAP_NET_RAW.*--setup-tap' "$XT_TMP/err"; then
		problems+=("no CAP_NET_RAW: status $rc: $(cat "$XT_TMP/err")")
	fi
fi

# --- 3: programs the shim cannot load into ----------------------------
static=
if [[ -x /sbin/ldconfig ]] && ! ldd /sbin/ldconfig >/dev/null 2>&1; then
	static=/sbin/ldconfig
elif command -v cc >/dev/null 2>&1; then
	printf 'int main(void) { return 0; }\n' > "$XT_TMP/st.c"
	cc -static -o "$XT_TMP/static" "$XT_TMP/st.c" 2>/dev/null &&
	    static=$XT_TMP/static
fi
if [[ -n $static ]]; then
	expect_problem "static program" "^xtcp: $static is statically linked: the shim cannot load" \
	    --check -i "$XT_IF" -a "$ADDR" -- "$static"
	# and without --check it is not run either
	xtcp_in_a -i "$XT_IF" -a "$ADDR" -- "$static" -p
	(( $? == 1 )) && ! grep -q . "$XT_TMP/out" ||
	    problems+=("a static program was run")
else
	xt_log "note: no static binary (/sbin/ldconfig is dynamic, cc -static failed): that check skipped"
fi
cp /usr/bin/env "$XT_TMP/suidenv"
chown 65534 "$XT_TMP/suidenv"
chmod 4755 "$XT_TMP/suidenv"
expect_problem "setuid program" "suidenv is setuid.*cannot load" \
    --check -i "$XT_IF" -a "$ADDR" -- "$XT_TMP/suidenv"
expect_problem "missing program" "program 'no-such-prog-xt' not found" \
    --check -i "$XT_IF" -a "$ADDR" -- no-such-prog-xt

# --- 4: -p, -o, LD_PRELOAD --------------------------------------------
mkdir -p "$XT_TMP/home/.config/xtcp"
printf '# mine\nXTCP_MSL_MS=1234   # short\n\nXTCP_KEEPCNT=3\n' \
    > "$XT_TMP/home/.config/xtcp/mine"
printf 'XTCP_KEEPIDLE=77\n' > "$XT_TMP/byname"
libc=$(ldd /usr/bin/env | awk '/libc\.so/ { print $3; exit }')
if ! A timeout -k 2 15 env ASAN_OPTIONS=detect_leaks=0 HOME="$XT_TMP/home" \
    LD_PRELOAD="$libc" XTCP_TAP=inherited0 "$XTCP" -i "$XT_IF" -a "$ADDR" \
    -g "$XT_PEER" -p latency -p mine -p "$XT_TMP/byname" \
    -o XTCP_SPIN_US=7 -o XTCP_LOG=error -- env > "$XT_TMP/env" 2>"$XT_TMP/err"; then
	problems+=("xtcp ... -- env failed: $(cat "$XT_TMP/err")")
fi
for want in XTCP_IF=xa0 "XTCP_ADDR=$ADDR" "XTCP_GW=$XT_PEER" \
    XTCP_DELAYED_ACK=0 XTCP_DEVWAIT=1 XTCP_SPIN_US=7 XTCP_MSL_MS=1234 \
    XTCP_KEEPCNT=3 XTCP_KEEPIDLE=77 XTCP_LOG=error; do
	grep -qxF -- "$want" "$XT_TMP/env" || problems+=("env lacks $want")
done
grep -q '^XTCP_TAP=' "$XT_TMP/env" && problems+=("-i left an inherited XTCP_TAP")
grep -qx "LD_PRELOAD=\\(.* \\)\\?$XTTEST_LIB $libc" "$XT_TMP/env" ||
    problems+=("LD_PRELOAD is not the library followed by what was there: $(grep LD_PRELOAD "$XT_TMP/env")")
# the shipped profiles parse and set only documented variables
for p in latency throughput safe; do
	f=$XTTEST_SRCDIR/profiles/$p
	while IFS='=' read -r name _; do
		grep -q "^\\.It Ev $name\$" "$XTTEST_SRCDIR/man/xtcp.7" ||
		    problems+=("profile $p sets $name, which xtcp.7 does not describe")
	done < <(grep -E '^XTCP_' "$f")
	xtcp_in_a --check -i "$XT_IF" -a "$ADDR" -p "$p" ||
	    problems+=("--check -p $p failed: $(cat "$XT_TMP/err")")
done

# --- 5: bad command lines ---------------------------------------------
expect_usage "unknown option" -Z curl
expect_usage "unknown long option" --frobnicate curl
expect_usage "-o without =" -i "$XT_IF" -a "$ADDR" -o XTCP_FOO -- env
expect_usage "-o not XTCP_" -i "$XT_IF" -a "$ADDR" -o PATH=/ -- env
expect_usage "no program" -i "$XT_IF" -a "$ADDR"
expect_usage "-i without a value" -i
printf 'not a setting\n' > "$XT_TMP/badprof"
xtcp_in_a -i "$XT_IF" -a "$ADDR" -p "$XT_TMP/badprof" -- env
(( $? == 2 )) && grep -q 'badprof line 1' "$XT_TMP/err" ||
    problems+=("a bad profile line: $(cat "$XT_TMP/err")")
xtcp_in_a -i "$XT_IF" -a "$ADDR" -p no-such-profile -- env
(( $? == 2 )) && grep -q "profile 'no-such-profile' not found" "$XT_TMP/err" ||
    problems+=("an unknown profile: $(cat "$XT_TMP/err")")

# --- 6: --setup-tap ----------------------------------------------------
if [[ -c /dev/net/tun ]]; then
	if xtcp_in_a --setup-tap xt0 --user nobody --addr 10.98.7.1/24; then
		owner=$(A cat /sys/class/net/xt0/owner)
		[[ $owner == 65534 ]] || problems+=("--setup-tap: owner $owner, not nobody's 65534")
		A ip -o -4 addr show dev xt0 | grep -q 'inet 10\.98\.7\.1/24' ||
		    problems+=("--setup-tap: xt0 lacks 10.98.7.1/24")
		expect_problem "--setup-tap twice" 'xt0 exists already' \
		    --setup-tap xt0 --user nobody --addr 10.98.7.1/24
		if xt_nobody_tun "$XT_NS_A" "$XTCP"; then
			A timeout 10 "${XT_NOBODY[@]}" "$XTCP" --check -t xt0 \
			    -a 10.98.7.2/24 >"$XT_TMP/out" 2>"$XT_TMP/err" ||
			    problems+=("nobody's --check on its TAP: $(cat "$XT_TMP/err")")
			A timeout 10 "${XT_NOBODY[@]}" "$XTCP" --check -t xt0 \
			    -a 10.98.7.1/24 >"$XT_TMP/out" 2>"$XT_TMP/err" &&
			    problems+=("nobody's --check with the host's own TAP address passed")
		fi
	else
		problems+=("--setup-tap failed: $(cat "$XT_TMP/err")")
	fi
	expect_usage "--setup-tap without --user" --setup-tap xt1 --addr 10.98.8.1/24
else
	xt_log "note: no /dev/net/tun: --setup-tap not tried"
fi

xt_verdict "the xtcp command"
xt_pass "fetch, --check cases, static/setuid, profiles, -o, usage, --setup-tap"

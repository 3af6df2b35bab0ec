# SPDX-License-Identifier: BSD-2-Clause
# lib.sh - helpers shared by the integration tests (sourced, not run).
#
# Each test is a bash script run by `make check` (automake's test driver):
# exit 0 pass, 1 fail, 77 skip.  A test that cannot have what it needs
# (root, network namespaces, the built library, a program) skips and prints
# why.  Every test makes its own pair of namespaces, named after its PID
# ($XT_NAME-a for the program under the shim, $XT_NAME-b for the kernel
# peer), and deletes them on exit, even on failure.
#
# Environment (set by Makefile.am's AM_TESTS_ENVIRONMENT; defaults let a
# script be run by hand from the top of a built tree):
#   XTTEST_LIB        the built libxtcp.so
#   XTTEST_SRCDIR     the source tree (for contrib/netns-topology)
#   XTTEST_KERNEL=1   run the programs on the kernel's TCP instead of
#                   the shim (the shim side's veth gets the address): this
#                   checks the test scripts themselves.
#   XTTEST_KEEP=1     keep the temporary directory (its path is printed)
#   XTTEST_VERBOSE=1  trace the script (set -x)
#   XTTEST_INTEGRATION=0  skip every integration test (exit 77): `make
#                   distcheck` sets it (configure's XTTEST_INTEGRATION,
#                   Makefile.am's AM_DISTCHECK_CONFIGURE_FLAGS) so that
#                   its make check runs the unit, simulation and static
#                   tests only; XTTEST_INTEGRATION=1 make distcheck runs all

set -u
set -o pipefail

XT_TEST=$(basename "$0" .sh)
XT_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${XTTEST_SRCDIR:=$(cd "$XT_LIBDIR/../.." && pwd)}"
: "${XTTEST_LIB:=$PWD/.libs/libxtcp.so}"
: "${XTTEST_KERNEL:=0}"
XT_TOPOLOGY=$XTTEST_SRCDIR/contrib/netns-topology
XT_NAME=xt$$
XT_NS_A=$XT_NAME-a
XT_NS_B=$XT_NAME-b
XT_IF=xa0
XT_PEER=10.99.0.1
XT_SHIM=10.99.0.2
XT_PLEN=24
XT_TMP=
XT_TOPO_UP=0
XT_PIDS=()
XT_CLEANUPS=()
XT_TOPO_OPTS=()		# extra netns-topology options, set before xt_setup

[[ ${XTTEST_VERBOSE:-0} == 1 ]] && set -x

xt_log() {
	echo "$XT_TEST: $*"
}

xt_skip() {
	echo "SKIP: $XT_TEST: $*"
	exit 77
}

if [[ ${XTTEST_INTEGRATION:-1} == 0 ]]; then
	xt_skip "XTTEST_INTEGRATION=0: integration tests are off (make distcheck's default)"
fi

xt_fail() {
	echo "FAIL: $XT_TEST: $*"
	exit 1
}

xt_pass() {
	echo "PASS: $XT_TEST${1:+: $*}"
	exit 0
}

# xt_verdict WHAT: for a test that gathers what it finds wrong in the
# array problems (one line each) before judging: log each and fail with
# WHAT, or return if there are none.
xt_verdict() {
	local p
	(( ${#problems[@]} )) || return 0
	for p in "${problems[@]}"; do
		xt_log "problem: $p"
	done
	xt_fail "$1"
}

# xt_now_ms: monotonic-enough wall clock in milliseconds.
xt_now_ms() {
	local ns
	ns=$(date +%s%N)
	echo $(( ns / 1000000 ))
}

# ---------------------------------------------------------------------
# Requirements.  Each skips (77) with a reason.
# ---------------------------------------------------------------------

xt_require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
		    xt_skip "needs '$c' (not found in PATH)"
	done
}

xt_require_root() {
	[[ $(id -u) -eq 0 ]] ||
	    xt_skip "needs root to create network namespaces and open AF_PACKET sockets (running as uid $(id -u)); run 'make check' as root"
	xt_require_cmd ip
	local probe=xtprobe$$
	if ! ip netns add "$probe" >/dev/null 2>&1; then
		xt_skip "cannot create network namespaces here ('ip netns add' failed: no CAP_SYS_ADMIN, or no netns support)"
	fi
	if ! ip -n "$probe" link add name xpa0 type veth peer name xpb0 >/dev/null 2>&1; then
		ip netns del "$probe" >/dev/null 2>&1
		xt_skip "cannot create veth pairs in a network namespace (no veth support in this kernel)"
	fi
	ip netns del "$probe" >/dev/null 2>&1 || true
}

xt_require_lib() {
	[[ $XTTEST_KERNEL == 1 ]] && return 0
	[[ -f $XTTEST_LIB ]] ||
	    xt_skip "the shim library $XTTEST_LIB has not been built (run 'make' first)"
}

# xt_require_all CMD...: root, namespaces, the library, and the commands.
xt_require_all() {
	xt_require_root
	xt_require_lib
	xt_require_cmd timeout sha256sum "$@"
}

# ---------------------------------------------------------------------
# Setup and cleanup.
# ---------------------------------------------------------------------

xt_cleanup() {
	local rc=$? i
	set +e
	trap - EXIT INT TERM HUP
	for (( i = ${#XT_CLEANUPS[@]} - 1; i >= 0; i-- )); do
		eval "${XT_CLEANUPS[i]}" >/dev/null 2>&1
	done
	for i in "${XT_PIDS[@]}"; do
		kill -TERM "$i" 2>/dev/null
	done
	if (( XT_TOPO_UP )); then
		"$XT_TOPOLOGY" down "$XT_NAME" >/dev/null 2>&1 ||
		    { ip netns del "$XT_NS_A"; ip netns del "$XT_NS_B"; } 2>/dev/null
	fi
	for i in "${XT_PIDS[@]}"; do
		wait "$i" 2>/dev/null
	done
	if [[ -n $XT_TMP && -d $XT_TMP ]]; then
		if [[ ${XTTEST_KEEP:-0} == 1 ]]; then
			echo "$XT_TEST: kept $XT_TMP"
		else
			rm -rf "$XT_TMP"
		fi
	fi
	exit "$rc"
}

xt_on_signal() {
	echo "FAIL: $XT_TEST: interrupted by signal"
	exit 1
}

# xt_at_exit 'SHELL CODE': run at exit, last registered first.
xt_at_exit() {
	XT_CLEANUPS+=("$1")
}

xt_init() {
	trap xt_cleanup EXIT
	trap xt_on_signal INT TERM HUP
	XT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/xtcp-$XT_TEST.XXXXXX") ||
	    xt_fail "cannot create a temporary directory"
	# Readable by everyone: the shimmed program may run as another user.
	chmod 755 "$XT_TMP"
}

# xt_topology_up [netns-topology options]: the two namespaces and the veth.
xt_topology_up() {
	local extra=()
	[[ $XTTEST_KERNEL == 1 ]] && extra+=(--kernel-addr)
	[[ -x $XT_TOPOLOGY ]] || xt_fail "missing $XT_TOPOLOGY"
	XT_TOPO_UP=1
	if ! "$XT_TOPOLOGY" up "$XT_NAME" --net "${XT_PEER%.*}.0/$XT_PLEN" \
	    "${extra[@]}" "$@" >/dev/null 2>"$XT_TMP/topology.err"; then
		xt_dump "$XT_TMP/topology.err"
		xt_fail "could not create the topology $XT_NAME"
	fi
}

# xt_setup CMD...: requirements, temporary directory, topology.
xt_setup() {
	xt_require_all "$@"
	xt_init
	xt_topology_up "${XT_TOPO_OPTS[@]}"
	if [[ $XTTEST_KERNEL == 1 ]]; then
		xt_log "kernel mode: programs use the kernel's TCP, not the shim"
	fi
}

# ---------------------------------------------------------------------
# Running things.
# ---------------------------------------------------------------------

# The LD_PRELOAD value: libasan first when the library was built with
# --enable-asan (ASan must be the first object loaded).
xt_preload() {
	local asan
	asan=$(ldd "$XTTEST_LIB" 2>/dev/null | awk '/libasan/ { print $3; exit }')
	if [[ -n $asan ]]; then
		echo "$asan $XTTEST_LIB"
	else
		echo "$XTTEST_LIB"
	fi
}

# xt_shim_env: the environment for a program under the shim, as
# NAME=VALUE words for env(1).
xt_shim_env() {
	if [[ $XTTEST_KERNEL == 1 ]]; then
		return 0
	fi
	echo "LD_PRELOAD=$(xt_preload)"
	echo "XTCP_IF=$XT_IF"
	echo "XTCP_ADDR=$XT_SHIM/$XT_PLEN"
	echo "XTCP_LOG=${XTCP_LOG:-error}"
	# no RFC 5227 probe (a second at each new namespace's first start)
	# unless a test asks for it
	echo "XTCP_ARP_PROBE_MS=${XTCP_ARP_PROBE_MS:-0}"
	echo "ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}"
}

# xt_shim SECONDS CMD...: run CMD in the shim namespace under the shim
# (or on the kernel in kernel mode), bounded by SECONDS.
xt_shim() {
	local secs=$1 envs=()
	shift
	mapfile -t envs < <(xt_shim_env)
	ip netns exec "$XT_NS_A" timeout -k 2 "$secs" env "${envs[@]}" "$@"
}

# xt_peer SECONDS CMD...: run CMD in the peer namespace on the kernel.
xt_peer() {
	local secs=$1
	shift
	ip netns exec "$XT_NS_B" timeout -k 2 "$secs" "$@"
}

# xt_bg VAR CMD...: run CMD in the background; its PID goes to VAR and to
# the list ended at exit.
xt_bg() {
	local __var=$1
	shift
	"$@" &
	XT_PIDS+=($!)
	printf -v "$__var" '%s' "$!"
}

# xt_peer_bg VAR SECONDS CMD...: a bounded background command on the peer.
xt_peer_bg() {
	local __v=$1
	shift
	xt_bg "$__v" xt_peer "$@"
}

# xt_shim_bg VAR SECONDS CMD...: a bounded background command under the shim.
xt_shim_bg() {
	local __v=$1
	shift
	xt_bg "$__v" xt_shim "$@"
}

# xt_nobody_tun NS FILE: how to run a command as the unprivileged user
# nobody with /dev/net/tun open to it, inside namespace NS, where nobody
# must also be able to read FILE.  Sets XT_NOBODY to the command prefix
# and returns 0, or prints why not and returns 1.  Debian makes
# /dev/net/tun 0666; where it is not (some containers), nobody gets a
# 0666 copy of the node in a private mount namespace.
xt_nobody_tun() {
	local ns=$1 file=$2 as_user=() wrap=()
	XT_NOBODY=()
	if command -v setpriv >/dev/null 2>&1; then
		as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups
		    --inh-caps=-all --)
	elif command -v runuser >/dev/null 2>&1; then
		as_user=(runuser -u nobody --)
	else
		xt_log "no setpriv or runuser to drop root"
		return 1
	fi
	if ! "${as_user[@]}" test -r "$file"; then
		xt_log "user nobody cannot read $file (tree not world-readable)"
		return 1
	fi
	if ! "${as_user[@]}" test -r /dev/net/tun -a -w /dev/net/tun; then
		wrap=(unshare -m --propagation private sh -c '
		    mount -t tmpfs -o mode=0755,size=16k xtcp-tun /dev/net &&
		    mknod -m 0666 /dev/net/tun c 10 200 && exec "$@"' sh)
		if ! ip netns exec "$ns" timeout -k 2 10 "${wrap[@]}" \
		    "${as_user[@]}" test -r /dev/net/tun -a -w /dev/net/tun \
		    >/dev/null 2>&1; then
			xt_log "/dev/net/tun is not open to nobody, and a private mount namespace with a copy of it could not be made"
			return 1
		fi
		xt_log "/dev/net/tun is not open to everyone here: nobody sees a 0666 copy in a private mount namespace"
	fi
	XT_NOBODY=("${wrap[@]}" "${as_user[@]}")
	return 0
}

# xt_wait_port PORT [TRIES]: wait until the peer's kernel listens on TCP
# PORT (TRIES x 0.1 s, default 50).
xt_wait_port() {
	local port=$1 tries=${2:-50} i
	for (( i = 0; i < tries; i++ )); do
		if ip netns exec "$XT_NS_B" ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
			return 0
		fi
		sleep 0.1
	done
	xt_fail "nothing listening on $XT_PEER:$port after $(( tries / 10 )) s"
}

# xt_wait_pid PID SECONDS: wait for a background job, at most SECONDS;
# returns its exit status (124 if it had to be killed).
xt_wait_pid() {
	local pid=$1 secs=$2 i
	for (( i = 0; i < secs * 10; i++ )); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			return $?
		fi
		sleep 0.1
	done
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 124
}

# xt_random_file PATH MIB: a file of random bytes.
xt_random_file() {
	head -c $(( $2 * 1024 * 1024 )) /dev/urandom > "$1" ||
	    xt_fail "cannot write $1"
}

xt_sha256() {
	sha256sum < "$1" | awk '{ print $1 }'
}

# xt_tsf PCAP FILTER FIELD...: one line per frame of the capture PCAP
# that matches the display filter, its fields separated by spaces.
xt_tsf() {
	local pcap=$1 filter=$2 args=() f
	shift 2
	for f in "$@"; do
		args+=(-e "$f")
	done
	tshark -r "$pcap" -Y "$filter" -T fields -E separator=' ' "${args[@]}" \
	    2>/dev/null
}

# xt_compare EXPECTED ACTUAL: fail unless the files are byte-identical.
xt_compare() {
	local want got size
	[[ -f $2 ]] || xt_fail "no output file $2"
	want=$(xt_sha256 "$1")
	got=$(xt_sha256 "$2")
	size=$(stat -c %s "$2")
	if [[ $want != "$got" ]]; then
		xt_fail "sha256 mismatch: expected $want ($(stat -c %s "$1") bytes), got $got ($size bytes)"
	fi
	xt_log "sha256 $got matches ($size bytes)"
}

# xt_dump FILE...: show files (stderr of the programs) in the test log.
xt_dump() {
	local f
	for f in "$@"; do
		[[ -s $f ]] || continue
		echo "--- $(basename "$f") (last 20 lines)"
		tail -n 20 "$f"
	done
}

# SPDX-License-Identifier: BSD-2-Clause
# contrib/lib.sh - shared by contrib/check and contrib/demo (sourced).

# Debian packages the build, the tests and the demo need (clang for the
# libFuzzer and coverage builds, llvm for llvm-profdata and llvm-cov, and
# libclang-rt-14-dev for the libFuzzer and sanitizer runtimes, which
# Debian 12's clang only recommends; gnuplot-nox for contrib/bench's
# plots; openssh-server for tests/integration/sshd.sh, which runs its own
# sshd: xt_install_deps keeps the package from starting the system's;
# iputils-arping for the RFC 5227 probe of tools/xtcp --check).
# Keep in step with the README.
XT_DEPS=(gcc make autoconf automake libtool pkg-config libev-dev check
	liburing-dev curl netcat-openbsd nftables ethtool python3 iproute2
	coreutils util-linux nginx wrk iperf3 wget socat mandoc tshark
	clang llvm libclang-rt-14-dev gnuplot-nox openssh-server
	iputils-arping)

# What contrib/demo alone needs: the library's build (without Check: the
# demo configures --without-check when it is missing) and the demo's own
# commands.  contrib/check installs the rest later.
XT_DEMO_DEPS=(gcc make autoconf automake libtool pkg-config libev-dev
	liburing-dev curl python3 iproute2 coreutils)

xt_say() {
	printf '%s: %s\n' "${0##*/}" "$*" >&2
}

xt_die() {
	xt_say "$*"
	exit 1
}

# xt_topdir: the checkout root (the parent of contrib/).
xt_topdir() {
	cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd
}

# xt_missing_deps [PKG...]: print the packages (default XT_DEPS) that are
# not installed.
xt_missing_deps() {
	local p pkgs=("$@")
	(( ${#pkgs[@]} > 0 )) || pkgs=("${XT_DEPS[@]}")
	for p in "${pkgs[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			echo "$p"
		fi
	done
}

# xt_install_deps: install whatever is missing, with apt-get, as root (or
# through sudo).  Without dpkg (not Debian), or without a way to become
# root, say what is needed and carry on: configure names what is missing.
xt_install_deps() {
	local missing sudo=() pkgs=("$@")
	(( ${#pkgs[@]} > 0 )) || pkgs=("${XT_DEPS[@]}")
	if ! command -v dpkg-query >/dev/null 2>&1; then
		xt_say "not a Debian system: install by hand: ${pkgs[*]}"
		return 0
	fi
	mapfile -t missing < <(xt_missing_deps "${pkgs[@]}")
	if (( ${#missing[@]} == 0 )); then
		return 0
	fi
	if [[ $(id -u) -ne 0 ]]; then
		if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
			sudo=(sudo -n)
		else
			xt_say "missing packages: ${missing[*]}"
			xt_say "not root and no password-less sudo: install them with: apt-get install ${missing[*]}"
			return 0
		fi
	fi
	xt_say "installing: ${missing[*]}"
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
	    xt_die "apt-get update failed"
	# No service the packages bring (sshd on port 22, nginx on 80) is
	# started: a policy-rc.d that denies every start (invoke-rc.d(8) and
	# deb-systemd-invoke ask it), in place for the install only, unless
	# the machine has one of its own.
	local policy=/usr/sbin/policy-rc.d ours=0
	if [[ ! -e $policy ]]; then
		printf '#!/bin/sh\n# contrib/lib.sh: no service starts during its install\nexit 101\n' |
		    "${sudo[@]}" tee "$policy" >/dev/null &&
		    "${sudo[@]}" chmod 0755 "$policy" && ours=1
	fi
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends "${missing[@]}"
	local rc=$?
	(( ours )) && "${sudo[@]}" rm -f "$policy"
	(( rc == 0 )) || xt_die "apt-get install failed"
}

# xt_build: autogen (when there is no configure yet, or configure.ac is
# newer), configure (when there is no Makefile), make.
xt_build() {
	local top=$1 flags="${XTCP_CONFIGURE_FLAGS:-} ${XT_BUILD_FLAGS:-}"
	cd "$top" || xt_die "cannot cd to $top"
	if [[ ! -x configure || configure.ac -nt configure || Makefile.am -nt configure ]]; then
		./autogen.sh || xt_die "autogen.sh failed"
	fi
	# a tree the demo configured without Check (it was not installed
	# then) is configured again when the unit tests are wanted
	if [[ -f Makefile && $flags != *--without-check* ]] &&
	    grep -q -- '--without-check' config.status 2>/dev/null; then
		rm -f Makefile
	fi
	if [[ ! -f Makefile ]]; then
		# shellcheck disable=SC2086  # the flags are several words
		./configure $flags || xt_die "configure failed"
	fi
	make -j"$(nproc 2>/dev/null || echo 2)" || xt_die "make failed"
}

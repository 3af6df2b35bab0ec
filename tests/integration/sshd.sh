#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# sshd.sh - issue 13 acceptance 3 (sshd part): Debian's sshd under the
# shim serves a kernel ssh client.  sshd is the hard case of a process
# family: the listener's process forks a child per connection, the child
# re-executes /usr/sbin/sshd with the connection on fds 0 and 1 (exec),
# that image forks a pre-authentication child that runs chrooted to
# /run/sshd, as user sshd, under a seccomp filter that kills it on any
# system call outside a short list (OpenSSH's sandbox-seccomp-filter),
# and after authentication a post-authentication child runs the command.
#
# The test runs sshd -D -e with a configuration of its own (host key and
# client key generated in the temporary directory, root login by key
# only, no PAM, no DNS) in the shim's namespace, then from the kernel
# side runs a command (its output must be exactly what was asked for) and
# pipes a random file through `ssh ... sha256sum` (the sum must match).
# The connection's bytes all go through the stack: sshd listens on the
# stack's address, which the kernel of the shim's namespace does not own.
# XT_SSHD_WRAP (say "strace -ff -o /tmp/sshd") runs sshd under a wrapper,
# for debugging.

. "$(dirname "$0")/lib.sh"

PORT=2222
KIB=${XTTEST_KIB:-512}
SSHD=/usr/sbin/sshd

[[ -x $SSHD ]] ||
    xt_skip "needs $SSHD (Debian package openssh-server; contrib/check installs it)"
xt_setup ssh ssh-keygen
# sshd's privilege-separation directory: the pre-authentication child
# chroots there (Debian's package makes it at boot with tmpfiles.d).
if [[ ! -d /run/sshd ]]; then
	mkdir -m 0755 /run/sshd || xt_skip "cannot create /run/sshd"
fi
getent passwd sshd >/dev/null ||
    xt_skip "no user sshd (the privilege-separation user of openssh-server)"

K=$XT_TMP/keys
mkdir -m 0700 "$K"
ssh-keygen -q -t ed25519 -N '' -f "$K/host" </dev/null ||
    xt_fail "ssh-keygen (host key) failed"
ssh-keygen -q -t ed25519 -N '' -f "$K/client" </dev/null ||
    xt_fail "ssh-keygen (client key) failed"
cp "$K/client.pub" "$K/authorized_keys"
chmod 0600 "$K/authorized_keys"

cat >"$XT_TMP/sshd_config" <<EOF
Port $PORT
ListenAddress $XT_SHIM
AddressFamily inet
HostKey $K/host
PidFile none
AuthorizedKeysFile $K/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
StrictModes no
PrintMotd no
PrintLastLog no
Subsystem sftp internal-sftp
LogLevel VERBOSE
EOF
xt_log "$($SSHD -V 2>&1 | head -1)"
# sshd checks its configuration before it forks anything
$SSHD -t -f "$XT_TMP/sshd_config" 2>"$XT_TMP/sshd_t.err" || {
	xt_dump "$XT_TMP/sshd_t.err"
	xt_fail "sshd -t rejects the test's configuration"
}

xt_shim_bg SSHD 120 ${XT_SSHD_WRAP:-} $SSHD -D -e -f "$XT_TMP/sshd_config" \
    2>"$XT_TMP/sshd.err"

SSH=(ssh -F none -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
    -o BatchMode=yes -o ConnectTimeout=10 -o LogLevel=ERROR
    -i "$K/client" -p "$PORT" "root@$XT_SHIM")

# The first command, retried while sshd starts (refused until it
# listens), for at most 15 s.
want=ok-$RANDOM$RANDOM
got=
t0=$(xt_now_ms)
for (( i = 0; i < 30; i++ )); do
	kill -0 "$SSHD" 2>/dev/null || break
	got=$(xt_peer 30 "${SSH[@]}" echo "$want" 2>"$XT_TMP/ssh1.err") && break
	(( $(xt_now_ms) - t0 > 15000 )) && break
	sleep 0.5
done
t1=$(xt_now_ms)
if [[ $got != "$want" ]]; then
	xt_dump "$XT_TMP/ssh1.err" "$XT_TMP/sshd.err"
	kill -0 "$SSHD" 2>/dev/null || xt_fail "sshd under the shim exited (see sshd.err)"
	xt_fail "ssh echo $want printed '${got:0:80}' after $(( (t1 - t0) / 1000 )) s"
fi
xt_log "the command ran: '$got' in $(( t1 - t0 )) ms"

# A byte-exact transfer through the session's channel, both ways: the
# client's file goes in, its sum comes back.
head -c $(( KIB * 1024 )) /dev/urandom >"$XT_TMP/in" || xt_fail "cannot write $XT_TMP/in"
sum=$(xt_peer 60 "${SSH[@]}" sha256sum <"$XT_TMP/in" 2>"$XT_TMP/ssh2.err" |
    awk '{ print $1 }')
if [[ $sum != "$(xt_sha256 "$XT_TMP/in")" ]]; then
	xt_dump "$XT_TMP/ssh2.err" "$XT_TMP/sshd.err"
	xt_fail "sha256sum over ssh gave '${sum:0:64}', want $(xt_sha256 "$XT_TMP/in")"
fi
# and a download: the server's bytes come back byte-exact
xt_peer 60 "${SSH[@]}" cat "$XT_TMP/in" >"$XT_TMP/out" 2>"$XT_TMP/ssh3.err" || {
	xt_dump "$XT_TMP/ssh3.err" "$XT_TMP/sshd.err"
	xt_fail "ssh cat failed"
}
xt_compare "$XT_TMP/in" "$XT_TMP/out"

# Connections at once: each its own fork, re-exec and sandboxed child,
# members of one family together.
NPAR=4
pids=()
for (( i = 0; i < NPAR; i++ )); do
	xt_peer 60 "${SSH[@]}" echo "par-$i-$want" >"$XT_TMP/par$i" 2>"$XT_TMP/par$i.err" &
	pids+=($!)
done
for (( i = 0; i < NPAR; i++ )); do
	wait "${pids[i]}"
	if [[ $(cat "$XT_TMP/par$i") != "par-$i-$want" ]]; then
		xt_dump "$XT_TMP/par$i.err" "$XT_TMP/sshd.err"
		xt_fail "concurrent ssh $i printed '$(head -c 80 "$XT_TMP/par$i")'"
	fi
done
xt_log "$NPAR concurrent sessions ran their commands"
kill -0 "$SSHD" 2>/dev/null || xt_fail "sshd exited during the test"
xt_pass "command, $KIB KiB both ways and $NPAR concurrent sessions over ssh"

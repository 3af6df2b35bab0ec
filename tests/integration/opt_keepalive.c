/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * opt_keepalive.c - keep-alive (RFC 1122 section 4.2.3.6; the illumos and
 * FreeBSD pages): SO_KEEPALIVE, TCP_KEEPIDLE/KEEPINTVL/KEEPCNT (their
 * defaults and limits), probes on the wire (the peer's capture), values
 * inherited by accepted sockets from their listener (FreeBSD page), and
 * ETIMEDOUT when the peer's link goes down.  Also TCP_NODELAY inheritance
 * on accept (NetBSD page), TCP_USER_TIMEOUT and TCP_SYNCNT get/set.
 * Peer: opt_peer.py ports 7203 (hold) and 7200 (info, connect, linkdown).
 * The link goes down at the end: nothing can follow that check.
 */
#define _GNU_SOURCE
#include <netinet/tcp.h>

#include "opt_common.h"

static int
get_int(int fd, int level, int name)
{
	socklen_t len = sizeof(int);
	int v = -12345;

	if (getsockopt(fd, level, name, &v, &len) != 0)
		return (-12345);
	return (v);
}

static int
set_int(int fd, int level, int name, int v)
{
	return (setsockopt(fd, level, name, &v, sizeof(v)));
}

static void
defaults_and_limits(void)
{
	int fd, v;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return;
	t_ok(get_int(fd, SOL_SOCKET, SO_KEEPALIVE) == 0,
	    "SO_KEEPALIVE is off by default");
	t_ok(get_int(fd, IPPROTO_TCP, TCP_KEEPIDLE) == 7200,
	    "TCP_KEEPIDLE defaults to 7200 s (%d)",
	    get_int(fd, IPPROTO_TCP, TCP_KEEPIDLE));
	t_ok(get_int(fd, IPPROTO_TCP, TCP_KEEPINTVL) == 75,
	    "TCP_KEEPINTVL defaults to 75 s (%d)",
	    get_int(fd, IPPROTO_TCP, TCP_KEEPINTVL));
	/* Linux tcp_keepalive_probes is 9; the stack takes FreeBSD's 8 */
	v = get_int(fd, IPPROTO_TCP, TCP_KEEPCNT);
	t_ok(v == (t_kernel ? 9 : 8), "TCP_KEEPCNT defaults to %d (%s)", v,
	    t_kernel ? "Linux 9" : "FreeBSD keepcnt 8");
	t_errno(set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, 0), EINVAL,
	    "TCP_KEEPIDLE 0");
	t_errno(set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, 40000), EINVAL,
	    "TCP_KEEPINTVL 40000 (above 32767)");
	t_errno(set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, 0), EINVAL,
	    "TCP_KEEPCNT 0");
	t_errno(set_int(fd, IPPROTO_TCP, TCP_SYNCNT, 0), EINVAL,
	    "TCP_SYNCNT 0");
	t_zero(set_int(fd, IPPROTO_TCP, TCP_SYNCNT, 3), "TCP_SYNCNT 3");
	t_ok(get_int(fd, IPPROTO_TCP, TCP_SYNCNT) == 3, "TCP_SYNCNT reads 3");
	t_errno(set_int(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, -1), EINVAL,
	    "TCP_USER_TIMEOUT -1");
	t_zero(set_int(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, 5000),
	    "TCP_USER_TIMEOUT 5000");
	t_ok(get_int(fd, IPPROTO_TCP, TCP_USER_TIMEOUT) == 5000,
	    "TCP_USER_TIMEOUT reads 5000");
	close(fd);
}

static void
inherited(void)
{
	struct sockaddr_in sin;
	char cmd[64], line[128];
	socklen_t len;
	int ls, c;

	if ((ls = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	if (bind(ls, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(ls, 4) != 0) {
		t_ok(0, "listen on an ephemeral port");
		close(ls);
		return;
	}
	(void)set_int(ls, SOL_SOCKET, SO_KEEPALIVE, 1);
	(void)set_int(ls, IPPROTO_TCP, TCP_KEEPIDLE, 7);
	(void)set_int(ls, IPPROTO_TCP, TCP_KEEPINTVL, 3);
	(void)set_int(ls, IPPROTO_TCP, TCP_KEEPCNT, 4);
	(void)set_int(ls, IPPROTO_TCP, TCP_NODELAY, 1);
	snprintf(cmd, sizeof(cmd), "connect %d", t_local_port(ls));
	if (t_peer_cmd(cmd, line, sizeof(line)) != 0 ||
	    strncmp(line, "ok", 2) != 0) {
		t_ok(0, "the peer connects to us (%s)", line);
		close(ls);
		return;
	}
	t_timeouts(ls, 5);
	len = sizeof(sin);
	if ((c = accept(ls, (struct sockaddr *)&sin, &len)) < 0) {
		t_ok(0, "accept the peer's connection");
		close(ls);
		return;
	}
	t_ok(get_int(c, SOL_SOCKET, SO_KEEPALIVE) == 1,
	    "the accepted socket inherits SO_KEEPALIVE");
	t_ok(get_int(c, IPPROTO_TCP, TCP_KEEPIDLE) == 7 &&
	    get_int(c, IPPROTO_TCP, TCP_KEEPINTVL) == 3 &&
	    get_int(c, IPPROTO_TCP, TCP_KEEPCNT) == 4,
	    "it inherits TCP_KEEPIDLE/INTVL/CNT 7/3/4 (%d/%d/%d)",
	    get_int(c, IPPROTO_TCP, TCP_KEEPIDLE),
	    get_int(c, IPPROTO_TCP, TCP_KEEPINTVL),
	    get_int(c, IPPROTO_TCP, TCP_KEEPCNT));
	t_ok(get_int(c, IPPROTO_TCP, TCP_NODELAY) == 1,
	    "it inherits TCP_NODELAY (NetBSD 1.6 and later, Linux)");
	close(c);
	close(ls);
}

static void
probes_and_timeout(void)
{
	char line[512];
	double t0, dt;
	ssize_t r;
	char c;
	int fd;

	if ((fd = t_connect(T_HOLD_PORT)) < 0) {
		t_ok(0, "connect to the hold service");
		return;
	}
	t_zero(set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1), "SO_KEEPALIVE 1");
	t_zero(set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, 1), "TCP_KEEPIDLE 1");
	t_zero(set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, 1), "TCP_KEEPINTVL 1");
	t_zero(set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, 3), "TCP_KEEPCNT 3");
	t_ok(get_int(fd, SOL_SOCKET, SO_KEEPALIVE) == 1 &&
	    get_int(fd, IPPROTO_TCP, TCP_KEEPIDLE) == 1,
	    "they read back");
	t_sleep_ms(3500);
	if (t_peer_info(fd, line, sizeof(line)) == 0)
		t_ok(t_field(line, "wire_probes") >= 2, "the peer saw %ld "
		    "keep-alive probes in 3.5 s idle (want 2 or more)",
		    t_field(line, "wire_probes"));
	else
		t_ok(0, "the peer answers info");
	/* the connection survives answered probes */
	t_ok(recv(fd, &c, 1, MSG_DONTWAIT) == -1 && errno == EAGAIN,
	    "answered probes keep the connection up");

	if (t_peer_cmd("linkdown", line, sizeof(line)) != 0) {
		t_ok(0, "the peer takes its link down");
		close(fd);
		return;
	}
	t0 = t_now();
	r = read(fd, &c, 1);
	dt = t_now() - t0;
	t_errno((int)r, ETIMEDOUT, "read after the peer's link went down");
	t_ok(dt >= 1.5 && dt <= 9.0, "after %.1f s (idle 1 + 3 probes x 1 s)",
	    dt);
	close(fd);
}

int
main(int argc, char **argv)
{
	t_args(argc, argv);
	t_require_peer();
	defaults_and_limits();
	inherited();
	probes_and_timeout();
	return (t_done());
}

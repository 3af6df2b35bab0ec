/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * opt_lowat.c - TCP_NOTSENT_LOWAT (macOS page: writable only while the
 * unsent data is below the mark), SO_SNDBUF/SO_RCVBUF as Linux (the value
 * doubles) and a large SO_RCVBUF before connect giving a window scale
 * (illumos page), TCP_WINDOW_CLAMP, TCP_LINGER2 and TCP_DEFER_ACCEPT as
 * Linux.  Peer: opt_peer.py ports 7203 (hold, small window) and 7200.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/tcp.h>

#include "opt_common.h"

static char	junk[65536];

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

static unsigned
notsent(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	(void)getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len);
	return (ti.tcpi_notsent_bytes);
}

static void
lowat(void)
{
	char cmd[64], line[64];
	long total = 0;
	ssize_t r;
	int fd, i, w;

	if ((fd = t_connect(T_HOLD_PORT)) < 0) {
		t_ok(0, "connect to the hold service");
		return;
	}
	t_zero(set_int(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, 16384),
	    "TCP_NOTSENT_LOWAT 16384");
	t_ok(get_int(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT) == 16384,
	    "it reads back");
	t_ok(t_writable(fd, 100), "writable with nothing unsent");
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	for (i = 0; i < 200; i++) {
		r = write(fd, junk, sizeof(junk));
		if (r <= 0)
			break;
		total += r;
		t_sleep_ms(5);
	}
	t_ok(r == -1 && errno == EAGAIN, "writes stop with EAGAIN once the "
	    "peer's window is full (%ld bytes taken)", total);
	t_ok(total < 16384 + 3 * (long)sizeof(junk), "the unsent data stops "
	    "growing near the mark (%ld bytes taken)", total);
	w = notsent(fd);
	t_ok(w >= 16384, "tcpi_notsent_bytes %d is at or above the mark", w);
	t_ok(!t_writable(fd, 200), "not writable while %d bytes are unsent", w);
	snprintf(cmd, sizeof(cmd), "drain %d", t_local_port(fd));
	if (t_peer_cmd(cmd, line, sizeof(line)) != 0) {
		t_ok(0, "the peer drains");
		close(fd);
		return;
	}
	t_ok(t_writable(fd, 3000), "writable again once the peer reads");
	w = notsent(fd);
	t_ok(w < 16384, "then tcpi_notsent_bytes %d is below the mark", w);
	close(fd);
}

static void
buffers_and_misc(void)
{
	struct tcp_info ti;
	socklen_t len;
	int fd, v;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return;
	t_zero(set_int(fd, SOL_SOCKET, SO_SNDBUF, 100000), "SO_SNDBUF 100000");
	t_ok(get_int(fd, SOL_SOCKET, SO_SNDBUF) == 200000,
	    "SO_SNDBUF reads the doubled 200000 (%d)",
	    get_int(fd, SOL_SOCKET, SO_SNDBUF));
	t_zero(set_int(fd, SOL_SOCKET, SO_RCVBUF, 100000), "SO_RCVBUF 100000");
	t_ok(get_int(fd, SOL_SOCKET, SO_RCVBUF) == 200000,
	    "SO_RCVBUF reads the doubled 200000 (%d)",
	    get_int(fd, SOL_SOCKET, SO_RCVBUF));
	t_zero(set_int(fd, IPPROTO_TCP, TCP_WINDOW_CLAMP, 20000),
	    "TCP_WINDOW_CLAMP 20000");
	t_ok(get_int(fd, IPPROTO_TCP, TCP_WINDOW_CLAMP) == 20000,
	    "TCP_WINDOW_CLAMP reads 20000 (%d)",
	    get_int(fd, IPPROTO_TCP, TCP_WINDOW_CLAMP));
	(void)set_int(fd, IPPROTO_TCP, TCP_WINDOW_CLAMP, 0);
	t_ok(get_int(fd, IPPROTO_TCP, TCP_LINGER2) == 60,
	    "TCP_LINGER2 defaults to 60 s (%d)",
	    get_int(fd, IPPROTO_TCP, TCP_LINGER2));
	t_zero(set_int(fd, IPPROTO_TCP, TCP_LINGER2, 10), "TCP_LINGER2 10");
	t_ok(get_int(fd, IPPROTO_TCP, TCP_LINGER2) == 10, "TCP_LINGER2 reads "
	    "10 (%d)", get_int(fd, IPPROTO_TCP, TCP_LINGER2));
	t_zero(set_int(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, 7),
	    "TCP_DEFER_ACCEPT 7");
	t_ok(get_int(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT) == 7,
	    "TCP_DEFER_ACCEPT reads 7 (%d)",
	    get_int(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT));
	(void)set_int(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, 5);
	v = get_int(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT);
	t_ok(v == 7, "TCP_DEFER_ACCEPT 5 reads 7, whole SYN-ACK periods 1+2+4 "
	    "as Linux (%d)", v);
	/* a receive buffer over 64 KB before connect: the window scale */
	(void)set_int(fd, SOL_SOCKET, SO_RCVBUF, 300000);
	if (t_connect_fd(fd, T_HOLD_PORT) != 0) {
		t_ok(0, "connect");
		close(fd);
		return;
	}
	len = sizeof(ti);
	memset(&ti, 0, sizeof(ti));
	t_ok(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
	    (ti.tcpi_options & TCPI_OPT_WSCALE) && ti.tcpi_rcv_wscale > 0,
	    "SO_RCVBUF 300000 before connect: window scale %u negotiated",
	    ti.tcpi_rcv_wscale);
	close(fd);
}

int
main(int argc, char **argv)
{
	t_args(argc, argv);
	t_require_peer();
	memset(junk, 'l', sizeof(junk));
	lowat();
	buffers_and_misc();
	return (t_done());
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * opt_bind.c - binding and the calls made in the wrong state, with the
 * errors the seeds' DIAGNOSTICS/ERRORS list (CX/UX, illumos, FreeBSD,
 * NetBSD) as Linux returns them: EINVAL, EAFNOSUPPORT, EADDRNOTAVAIL,
 * EADDRINUSE (with the SO_REUSEADDR rules), SO_REUSEPORT, ephemeral ports
 * (RFC 6056 range), ENETUNREACH for multicast and broadcast destinations,
 * EISCONN, ENOTCONN, EPIPE; and, with --eacces START, EACCES for ports
 * below START (net.ipv4.ip_unprivileged_port_start) when the process
 * lacks CAP_NET_BIND_SERVICE.  Peer: opt_peer.py port 7201.
 *
 *   opt_bind [--kernel] [--eacces START] [--own ADDR] PEER_ADDR
 *
 * ADDR (default 10.99.0.2) is our own address.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>

#include "opt_common.h"

static const char *own = "10.99.0.2";

static int
tcp(void)
{
	return (socket(AF_INET, SOCK_STREAM, 0));
}

static int
bind_to(int fd, const char *addr, int port)
{
	struct sockaddr_in sin;

	t_sin(&sin, addr, port);
	return (bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
}

static int
connect_to(int fd, const char *addr, int port)
{
	struct sockaddr_in sin;

	t_sin(&sin, addr, port);
	return (connect(fd, (struct sockaddr *)&sin, sizeof(sin)));
}

static void
bind_errors(void)
{
	struct sockaddr_in sin;
	int a, b, c, one = 1, port;

	a = tcp();
	t_sin(&sin, own, 0);
	t_errno(bind(a, (struct sockaddr *)&sin, 4), EINVAL,
	    "bind with a 4-byte address");
	sin.sin_family = AF_INET6;
	t_errno(bind(a, (struct sockaddr *)&sin, sizeof(sin)), EAFNOSUPPORT,
	    "bind with family AF_INET6 on an AF_INET socket");
	t_errno(bind_to(a, "10.99.0.77", 0), EADDRNOTAVAIL,
	    "bind to an address that is not ours");
	t_zero(bind_to(a, own, 0), "bind to our address, port 0");
	port = t_local_port(a);
	t_ok(port >= 32768 && port <= 60999, "an ephemeral port in "
	    "32768-60999 (%d)", port);
	t_errno(bind_to(a, own, 0), EINVAL, "a second bind");
	t_zero(listen(a, 4), "listen");
	b = tcp();
	t_errno(bind_to(b, own, port), EADDRINUSE, "bind to a listener's port");
	t_errno(bind_to(b, "0.0.0.0", port), EADDRINUSE,
	    "bind INADDR_ANY to a listener's port");
	(void)setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	t_errno(bind_to(b, own, port), EADDRINUSE,
	    "SO_REUSEADDR does not share a listener's port");
	close(b);
	close(a);

	/* SO_REUSEADDR on both, neither listening: they share (Linux) */
	a = tcp();
	b = tcp();
	(void)setsockopt(a, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	(void)setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	(void)bind_to(a, "0.0.0.0", 0);
	port = t_local_port(a);
	t_zero(bind_to(b, own, port), "SO_REUSEADDR on both sockets, neither "
	    "listening: the second bind");
	c = tcp();
	t_errno(bind_to(c, own, port), EADDRINUSE,
	    "a third socket without SO_REUSEADDR");
	close(a);
	close(b);
	close(c);

	/* SO_REUSEPORT on both: they share, even listening (Linux) */
	a = tcp();
	b = tcp();
	(void)setsockopt(a, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	(void)setsockopt(b, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	(void)bind_to(a, own, 0);
	(void)listen(a, 4);
	port = t_local_port(a);
	t_ok(bind_to(b, own, port) == 0 && listen(b, 4) == 0,
	    "SO_REUSEPORT on both: a second listener on port %d", port);
	close(a);
	close(b);

	/* three ephemeral ports are distinct */
	a = tcp();
	b = tcp();
	c = tcp();
	(void)bind_to(a, "0.0.0.0", 0);
	(void)bind_to(b, "0.0.0.0", 0);
	(void)bind_to(c, "0.0.0.0", 0);
	t_ok(t_local_port(a) != t_local_port(b) &&
	    t_local_port(b) != t_local_port(c) &&
	    t_local_port(a) != t_local_port(c), "ephemeral ports %d %d %d are "
	    "distinct", t_local_port(a), t_local_port(b), t_local_port(c));
	close(a);
	close(b);
	close(c);

	/* a multicast or broadcast address: Linux lets a TCP socket bind
	 * it (inet_addr_valid_or_nonlocal); the stack serves its own
	 * address only (xtcp(7) LIMITATIONS) */
	a = tcp();
	if (t_kernel)
		t_zero(bind_to(a, "224.0.0.1", 0), "bind to a multicast address");
	else
		t_errno(bind_to(a, "224.0.0.1", 0), EADDRNOTAVAIL,
		    "bind to a multicast address");
	close(a);
}

static void
state_errors(void)
{
	char c;
	int a, b;

	a = tcp();
	t_errno(connect_to(a, "224.0.0.1", 80), ENETUNREACH,
	    "connect to a multicast address");
	t_errno(connect_to(a, "255.255.255.255", 80), ENETUNREACH,
	    "connect to the limited broadcast address");
	t_errno(connect_to(a, "10.99.0.255", 80), ENETUNREACH,
	    "connect to the subnet's broadcast address");
	t_errno((int)send(a, "x", 1, MSG_NOSIGNAL), EPIPE,
	    "send on an unconnected socket");
	t_errno((int)recv(a, &c, 1, MSG_DONTWAIT), ENOTCONN,
	    "recv on an unconnected socket");
	t_errno(shutdown(a, SHUT_RDWR), ENOTCONN,
	    "shutdown of an unconnected socket");
	t_errno(accept(a, NULL, NULL), EINVAL,
	    "accept on a socket that is not listening");
	{
		struct sockaddr_in sin;
		socklen_t len = sizeof(sin);

		t_errno(getpeername(a, (struct sockaddr *)&sin, &len),
		    ENOTCONN, "getpeername of an unconnected socket");
	}
	t_timeouts(a, 10);
	t_zero(connect_to(a, t_peer, T_SINK_PORT), "connect to the sink");
	t_errno(connect_to(a, t_peer, T_SINK_PORT), EISCONN, "a second connect");
	t_errno(listen(a, 4), EINVAL, "listen on a connected socket");
	close(a);

	b = tcp();
	(void)bind_to(b, "0.0.0.0", 0);
	(void)listen(b, 4);
	t_errno(connect_to(b, t_peer, T_SINK_PORT), EISCONN,
	    "connect on a listening socket");
	close(b);
}

/* As a process without CAP_NET_BIND_SERVICE. */
static void
eacces(int start)
{
	char what[96];
	int a, below = start - 1 > 0 ? start - 1 : 1;

	a = tcp();
	snprintf(what, sizeof(what), "bind INADDR_ANY:%d (below %d) without "
	    "CAP_NET_BIND_SERVICE", below, start);
	t_errno(bind_to(a, "0.0.0.0", below), EACCES, what);
	snprintf(what, sizeof(what), "bind %s:%d", own, below);
	t_errno(bind_to(a, own, below), EACCES, what);
	t_errno(bind_to(a, "10.99.0.77", below), EADDRNOTAVAIL,
	    "a foreign address is checked first");
	snprintf(what, sizeof(what), "bind port %d (the first unprivileged "
	    "one)", start);
	t_zero(bind_to(a, own, start), what);
	close(a);
	a = tcp();
	t_zero(bind_to(a, own, 0), "bind port 0");
	close(a);
}

int
main(int argc, char **argv)
{
	int i, start = 0;
	char *args[4];
	int n = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--eacces") == 0 && i + 1 < argc)
			start = atoi(argv[++i]);
		else if (strcmp(argv[i], "--own") == 0 && i + 1 < argc)
			own = argv[++i];
		else if (n < 3)
			args[++n] = argv[i];
	}
	args[0] = argv[0];
	t_args(n + 1, args);
	signal(SIGPIPE, SIG_IGN);
	if (start > 0) {
		eacces(start);
		return (t_done());
	}
	t_require_peer();
	bind_errors();
	state_errors();
	return (t_done());
}

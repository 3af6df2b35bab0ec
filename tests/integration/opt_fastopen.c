/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * opt_fastopen.c - TCP Fast Open (macOS tcp(4); RFC 7413), client side,
 * against a Linux server with TCP_FASTOPEN (opt_peer.py port 7205, which
 * reports how much data the client's SYN carried, as captured).
 *
 * Checks: TCP_FASTOPEN_CONNECT without a cookie makes an ordinary
 * connection that fetches one (no data in the SYN); with the cookie the
 * next connect() returns at once and the first write rides in the SYN;
 * sendto(MSG_FASTOPEN) on an unconnected socket does the same; the
 * options read back.
 */
#define _GNU_SOURCE		/* strerrorname_np in opt_common.h */
#include <netinet/tcp.h>

#include "opt_common.h"

#define T_TFO_PORT	7205

/* Send msg on fd (already connected, or deferred), read the reply. */
static int
tfo_round(int fd, const char *msg, char *reply, size_t len)
{
	size_t n = strlen(msg), got = 0;
	ssize_t r;

	if (write(fd, msg, n) != (ssize_t)n)
		return (-1);
	while (got + 1 < len) {
		r = read(fd, reply + got, len - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	reply[got] = '\0';
	return (0);
}

/* The reply's first line, for messages. */
static const char *
first_line(char *reply)
{
	reply[strcspn(reply, "\n")] = '\0';
	return (reply[0] != '\0' ? reply : "nothing");
}

/* The SYN payload the peer reports in "syn=N ..." (-1 if none). */
static int
syn_bytes(const char *reply)
{
	int n;

	return (sscanf(reply, "syn=%d", &n) == 1 ? n : -1);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	char reply[256];
	int fd, one = 1, v, round;
	socklen_t vl;
	ssize_t n;

	t_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (round = 0; round < 2; round++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		t_ok(fd >= 0 && setsockopt(fd, IPPROTO_TCP,
		    TCP_FASTOPEN_CONNECT, &one, sizeof(one)) == 0,
		    "TCP_FASTOPEN_CONNECT set (connection %d)", round + 1);
		vl = sizeof(v);
		v = 0;
		t_ok(getsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &v,
		    &vl) == 0 && v == 1, "TCP_FASTOPEN_CONNECT reads 1");
		if (t_connect_fd(fd, T_TFO_PORT) != 0) {
			printf("# connect: %s\n", strerror(errno));
			return (77);
		}
		v = tfo_round(fd, round == 0 ? "first\n" : "second\n", reply,
		    sizeof(reply)) == 0 && strstr(reply, round == 0 ?
		    "first" : "second") != NULL;
		t_ok(v, "the server got the data (%s)", first_line(reply));
		if (round == 0)
			t_ok(syn_bytes(reply) == 0, "without a cookie: no data "
			    "in the SYN, a cookie requested (syn=%d)",
			    syn_bytes(reply));
		else
			t_ok(syn_bytes(reply) == 7, "with the cookie: the 7 "
			    "bytes rode in the SYN (syn=%d)", syn_bytes(reply));
		close(fd);
	}

	/* sendto(MSG_FASTOPEN): connect and send in one call */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	t_timeouts(fd, 10);
	t_sin(&sin, t_peer, T_TFO_PORT);
	n = sendto(fd, "sendto\n", 7, MSG_FASTOPEN, (struct sockaddr *)&sin,
	    sizeof(sin));
	t_ok(n == 7, "sendto(MSG_FASTOPEN) queues 7 bytes (%zd)", n);
	reply[0] = '\0';
	if (n == 7) {
		size_t got = 0;
		ssize_t r;

		while (got + 1 < sizeof(reply) &&
		    (r = read(fd, reply + got, sizeof(reply) - 1 - got)) > 0)
			got += (size_t)r;
		reply[got] = '\0';
	}
	v = strstr(reply, "sendto") != NULL && syn_bytes(reply) == 7;
	t_ok(v, "sendto(MSG_FASTOPEN): data in the SYN, the server got it "
	    "(%s)", first_line(reply));
	close(fd);

	/* the listener side option */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	v = 5;
	t_ok(setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN, &v, sizeof(v)) == 0,
	    "TCP_FASTOPEN 5 on a socket to be a listener");
	vl = sizeof(v);
	v = 0;
	one = getsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN, &v, &vl);
	t_ok(one == 0 && v == 5, "TCP_FASTOPEN reads 5 (%d)", v);
	close(fd);
	return (t_failed == 0 ? 0 : 1);
}

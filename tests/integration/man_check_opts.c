/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * man_check_opts.c - issue 4 acceptance 3: every socket option xtcp(7)
 * lists is accepted.  The option names come on the command line (from
 * the SOCKET OPTIONS section of man/xtcp.7, see man_check.sh); each is
 * set on a fresh TCP socket with a sensible value (read-only ones are
 * read instead).  A name this program does not know fails too: the page
 * and the test must grow together.  Prints "ok"/"not ok" lines; exits 0
 * when all passed.
 *
 *   man_check_opts NAME...
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/tcp.h>

enum kind { K_INT, K_GET, K_LINGER, K_TIMEVAL, K_STRING };

struct opt {
	const char	*name;
	int		 level;
	int		 opt;
	enum kind	 kind;
	int		 ival;
	const char	*sval;
};

#define O(lvl, n, k, i, s)	{ #n, lvl, n, k, i, s }

static const struct opt opts[] = {
	O(SOL_SOCKET, SO_KEEPALIVE, K_INT, 1, NULL),
	O(SOL_SOCKET, SO_REUSEADDR, K_INT, 1, NULL),
	O(SOL_SOCKET, SO_REUSEPORT, K_INT, 1, NULL),
	O(SOL_SOCKET, SO_OOBINLINE, K_INT, 1, NULL),
	O(SOL_SOCKET, SO_SNDBUF, K_INT, 65536, NULL),
	O(SOL_SOCKET, SO_RCVBUF, K_INT, 65536, NULL),
	O(SOL_SOCKET, SO_RCVLOWAT, K_INT, 1, NULL),
	O(SOL_SOCKET, SO_PRIORITY, K_INT, 1, NULL),
	O(SOL_SOCKET, SO_DONTROUTE, K_INT, 0, NULL),
	O(SOL_SOCKET, SO_BROADCAST, K_INT, 0, NULL),
	O(SOL_SOCKET, SO_BINDTODEVICE, K_STRING, 0, ""),
	O(SOL_SOCKET, SO_LINGER, K_LINGER, 0, NULL),
	O(SOL_SOCKET, SO_RCVTIMEO, K_TIMEVAL, 0, NULL),
	O(SOL_SOCKET, SO_SNDTIMEO, K_TIMEVAL, 0, NULL),
	O(SOL_SOCKET, SO_ERROR, K_GET, 0, NULL),
	O(SOL_SOCKET, SO_TYPE, K_GET, 0, NULL),
	O(SOL_SOCKET, SO_DOMAIN, K_GET, 0, NULL),
	O(SOL_SOCKET, SO_PROTOCOL, K_GET, 0, NULL),
	O(SOL_SOCKET, SO_ACCEPTCONN, K_GET, 0, NULL),
	O(SOL_SOCKET, SO_SNDLOWAT, K_GET, 0, NULL),
	O(IPPROTO_TCP, TCP_NODELAY, K_INT, 1, NULL),
	O(IPPROTO_TCP, TCP_MAXSEG, K_INT, 1000, NULL),
	O(IPPROTO_TCP, TCP_CORK, K_INT, 1, NULL),
	O(IPPROTO_TCP, TCP_QUICKACK, K_INT, 1, NULL),
	O(IPPROTO_TCP, TCP_KEEPIDLE, K_INT, 60, NULL),
	O(IPPROTO_TCP, TCP_KEEPINTVL, K_INT, 10, NULL),
	O(IPPROTO_TCP, TCP_KEEPCNT, K_INT, 5, NULL),
	O(IPPROTO_TCP, TCP_USER_TIMEOUT, K_INT, 10000, NULL),
	O(IPPROTO_TCP, TCP_SYNCNT, K_INT, 3, NULL),
	O(IPPROTO_TCP, TCP_NOTSENT_LOWAT, K_INT, 16384, NULL),
	O(IPPROTO_TCP, TCP_WINDOW_CLAMP, K_INT, 20000, NULL),
	O(IPPROTO_TCP, TCP_LINGER2, K_INT, 10, NULL),
	O(IPPROTO_TCP, TCP_DEFER_ACCEPT, K_INT, 7, NULL),
	O(IPPROTO_TCP, TCP_FASTOPEN, K_INT, 5, NULL),
	O(IPPROTO_TCP, TCP_FASTOPEN_CONNECT, K_INT, 1, NULL),
	O(IPPROTO_TCP, TCP_CONGESTION, K_STRING, 0, "reno"),
	O(IPPROTO_TCP, TCP_INFO, K_GET, 0, NULL),
	O(IPPROTO_IP, IP_TOS, K_INT, 0x10, NULL),
	O(IPPROTO_IP, IP_TTL, K_INT, 32, NULL),
	O(SOL_SOCKET, SO_ZEROCOPY, K_INT, 1, NULL),
	O(SOL_SOCKET, SO_MARK, K_INT, 1, NULL),
	O(IPPROTO_IP, IP_FREEBIND, K_INT, 1, NULL),
	O(IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, K_INT, 1, NULL),
	O(IPPROTO_IP, IP_RECVERR, K_INT, 1, NULL),
	O(IPPROTO_IP, IP_MTU_DISCOVER, K_INT, IP_PMTUDISC_DO, NULL),
	O(IPPROTO_TCP, TCP_THIN_LINEAR_TIMEOUTS, K_INT, 1, NULL),
	O(IPPROTO_TCP, TCP_THIN_DUPACK, K_INT, 1, NULL),
	O(IPPROTO_TCP, TCP_CC_INFO, K_GET, 0, NULL),
};

static int
try(const struct opt *o)
{
	unsigned char buf[256];
	struct linger lg;
	struct timeval tv;
	socklen_t len = sizeof(buf);
	int fd, r;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return (-1);
	switch (o->kind) {
	case K_INT:
		r = setsockopt(fd, o->level, o->opt, &o->ival, sizeof(int));
		break;
	case K_LINGER:
		lg.l_onoff = 1;
		lg.l_linger = 5;
		r = setsockopt(fd, o->level, o->opt, &lg, sizeof(lg));
		break;
	case K_TIMEVAL:
		tv.tv_sec = 5;
		tv.tv_usec = 0;
		r = setsockopt(fd, o->level, o->opt, &tv, sizeof(tv));
		break;
	case K_STRING:
		r = setsockopt(fd, o->level, o->opt, o->sval, strlen(o->sval));
		break;
	default:
		r = getsockopt(fd, o->level, o->opt, buf, &len);
		break;
	}
	/* and it reads back */
	len = sizeof(buf);
	if (r == 0)
		r = getsockopt(fd, o->level, o->opt, buf, &len);
	close(fd);
	return (r);
}

int
main(int argc, char **argv)
{
	size_t j;
	int i, bad = 0, r;

	for (i = 1; i < argc; i++) {
		for (j = 0; j < sizeof(opts) / sizeof(opts[0]); j++)
			if (strcmp(opts[j].name, argv[i]) == 0)
				break;
		if (j == sizeof(opts) / sizeof(opts[0])) {
			printf("not ok %d - %s: not known to this test\n", i,
			    argv[i]);
			bad++;
			continue;
		}
		errno = 0;
		r = try(&opts[j]);
		printf("%s %d - %s %s%s%s\n", r == 0 ? "ok" : "not ok", i,
		    argv[i], opts[j].kind == K_GET ? "can be read" :
		    "is accepted by setsockopt", r == 0 ? "" : ": ",
		    r == 0 ? "" : strerror(errno));
		bad += r != 0;
	}
	return (bad ? 1 : 0);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * api_test.c - socket API semantics, checked the same way under the shim
 * and on the kernel's TCP (api_test.sh runs it both ways, so every
 * assertion here is first checked against Linux itself).
 *
 *	api_test PEER-ADDR [UNREACHABLE-ADDR]
 *
 * PEER-ADDR runs api_peer.py (its port map is there).  UNREACHABLE-ADDR
 * (default: PEER-ADDR's /24 with last octet 77) is an on-link address
 * nobody answers.  Prints one line per check ("ok N - what" or
 * "not ok N - what"); exits 0 if all passed, 1 otherwise, 77 if the
 * peer is not there.
 *
 * Only the plain socket API is used: nothing here knows about the shim.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <linux/inet_diag.h>
#include <linux/sockios.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define P_ECHO		7000
#define P_CLOSE		7001
#define P_SILENT	7002
#define P_DRIP		7003
#define P_RECORD	7004
#define P_QUERY		7005
#define P_RESET		7006
#define P_DIAL		7007
#define P_REFUSED	7009

static int	ntest, nfail;
static struct in_addr peer, unreach;
static volatile sig_atomic_t nalrm, npipe;

/* errno after the condition is evaluated, for the message */
#define CHECK(c, ...) do {						\
	int ok_ = (c), e_ = errno;					\
									\
	check(ok_, e_, __VA_ARGS__);					\
} while (0)

static void	check(int ok, int err, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

static void
check(int ok, int err, const char *fmt, ...)
{
	va_list ap;

	ntest++;
	if (!ok)
		nfail++;
	printf("%s %d - ", ok ? "ok" : "not ok", ntest);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok)
		printf(" [errno %d %s]", err, strerror(err));
	printf("\n");
	fflush(stdout);
}

static long
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec * 1000 + t.tv_nsec / 1000000);
}

static void
sleep_ms(int ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

static struct sockaddr_in
addr_of(struct in_addr a, int port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = a;
	sin.sin_port = htons(port);
	return (sin);
}

/* Non-blocking connect: the fd (connect's errno kept), or -1. */
static int
conn_nb(struct in_addr a, int port, int *rc)
{
	struct sockaddr_in sin = addr_of(a, port);
	int s, e;

	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0)
		return (-1);
	*rc = connect(s, (struct sockaddr *)&sin, sizeof(sin));
	e = errno;
	errno = e;
	return (s);
}

static int
conn(int port)
{
	struct sockaddr_in sin = addr_of(peer, port);
	int s, e;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return (-1);
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		e = errno;
		close(s);
		errno = e;
		return (-1);
	}
	return (s);
}

static int
so_error(int s)
{
	socklen_t l = sizeof(int);
	int v = -1;

	if (getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &l) != 0)
		return (-1);
	return (v);
}

static int
readn(int s, void *buf, size_t n)
{
	return (recv(s, buf, n, MSG_WAITALL) == (ssize_t)n);
}

static int
echo_ok(int s, const char *msg)
{
	char buf[256];
	size_t n = strlen(msg);

	memset(buf, 0, sizeof(buf));
	if (write(s, msg, n) != (ssize_t)n)
		return (0);
	return (readn(s, buf, n) && memcmp(buf, msg, n) == 0);
}

/* wait until FIONREAD says n (the echo may still be on its way) */
static int
wait_inq(int s, int n)
{
	int i, v = -1;

	for (i = 0; i < 200; i++) {
		if (ioctl(s, FIONREAD, &v) == 0 && v >= n)
			return (v);
		sleep_ms(10);
	}
	return (v);
}

static void
on_alrm(int sig)
{
	(void)sig;
	nalrm++;
}

static void
on_pipe(int sig)
{
	(void)sig;
	npipe++;
}

static void
handler(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void
alarm_ms(int ms)
{
	struct itimerval it;

	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_usec = (ms % 1000) * 1000;
	setitimer(ITIMER_REAL, &it, NULL);
}

/* ---- connect: EINPROGRESS, writability, SO_ERROR ---- */

enum waitkind { W_POLL, W_SELECT, W_EPOLL };
static const char *wname[] = { "poll", "select", "epoll" };

/* Wait for s to become writable (or fail) with kind; the event bits. */
static int
wait_writable(int s, enum waitkind kind, int ms)
{
	struct epoll_event ev;
	struct pollfd pfd;
	struct timeval tv;
	fd_set ws;
	int ep, r;

	switch (kind) {
	case W_POLL:
		pfd.fd = s;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		r = poll(&pfd, 1, ms);
		return (r == 1 ? pfd.revents : 0);
	case W_SELECT:
		FD_ZERO(&ws);
		FD_SET(s, &ws);
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		r = select(s + 1, NULL, &ws, NULL, &tv);
		return (r == 1 && FD_ISSET(s, &ws) ? POLLOUT : 0);
	default:
		ep = epoll_create1(EPOLL_CLOEXEC);
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLOUT;
		ev.data.fd = s;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) != 0) {
			close(ep);
			return (0);
		}
		memset(&ev, 0, sizeof(ev));
		r = epoll_wait(ep, &ev, 1, ms);
		close(ep);
		return (r == 1 && ev.data.fd == s ? (int)ev.events : 0);
	}
}

static void
t_connect(void)
{
	int s, rc, ev, k;

	for (k = W_POLL; k <= W_EPOLL; k++) {
		s = conn_nb(peer, P_ECHO, &rc);
		CHECK(s >= 0 && rc == -1 && errno == EINPROGRESS,
		    "non-blocking connect gives EINPROGRESS (%s)", wname[k]);
		ev = wait_writable(s, k, 3000);
		CHECK((ev & POLLOUT) != 0 && (ev & POLLERR) == 0,
		    "connect done: writable in %s (events %#x)", wname[k], ev);
		CHECK(so_error(s) == 0, "SO_ERROR 0 after success (%s)",
		    wname[k]);
		if (k == W_POLL) {
			/* a connect after completion: 0 once, then EISCONN */
			struct sockaddr_in sin = addr_of(peer, P_ECHO);
			rc = connect(s, (struct sockaddr *)&sin, sizeof(sin));
			CHECK(rc == 0 || errno == EISCONN,
			    "connect after completion: 0 or EISCONN");
			rc = connect(s, (struct sockaddr *)&sin, sizeof(sin));
			CHECK(rc == -1 && errno == EISCONN,
			    "connect again: EISCONN");
		}
		close(s);

		s = conn_nb(peer, P_REFUSED, &rc);
		CHECK(s >= 0 && rc == -1 && errno == EINPROGRESS,
		    "connect to a refused port: EINPROGRESS (%s)", wname[k]);
		ev = wait_writable(s, k, 3000);
		CHECK(ev != 0 && (k == W_SELECT || (ev & POLLERR) != 0),
		    "refused: reported by %s (events %#x)", wname[k], ev);
		CHECK(so_error(s) == ECONNREFUSED,
		    "refused: SO_ERROR ECONNREFUSED (%s)", wname[k]);
		CHECK(so_error(s) == 0, "SO_ERROR reads 0 once taken (%s)",
		    wname[k]);
		close(s);
	}

	s = conn_nb(unreach, 80, &rc);
	CHECK(s >= 0 && rc == -1 && errno == EINPROGRESS,
	    "connect to a silent address: EINPROGRESS");
	{
		struct sockaddr_in sin = addr_of(unreach, 80);

		rc = connect(s, (struct sockaddr *)&sin, sizeof(sin));
		CHECK(rc == -1 && errno == EALREADY,
		    "second connect while in progress: EALREADY");
	}
	close(s);

	s = conn(P_ECHO);
	CHECK(s >= 0, "blocking connect");
	{
		struct sockaddr_in sin = addr_of(peer, P_ECHO);

		rc = connect(s, (struct sockaddr *)&sin, sizeof(sin));
		CHECK(rc == -1 && errno == EISCONN,
		    "connect on a connected socket: EISCONN");
	}
	close(s);
}

/* ---- data calls ---- */

static void
t_data(void)
{
	char buf[64], b2[64];
	struct iovec iov[3], riov[2];
	struct msghdr mh;
	struct mmsghdr mm[2];
	struct sockaddr_in from;
	int s, v, p[2], q[2];
	long t0;
	ssize_t n;
	FILE *f;

	s = conn(P_ECHO);
	CHECK(s >= 0 && send(s, "peek", 4, 0) == 4, "send to echo");
	CHECK(wait_inq(s, 4) == 4, "FIONREAD counts 4 bytes");
	memset(buf, 0, sizeof(buf));
	CHECK(recv(s, buf, sizeof(buf), MSG_PEEK) == 4 &&
	    memcmp(buf, "peek", 4) == 0, "MSG_PEEK sees the bytes");
	CHECK(ioctl(s, SIOCINQ, &v) == 0 && v == 4,
	    "MSG_PEEK left them (SIOCINQ %d)", v);
	memset(buf, 0, sizeof(buf));
	CHECK(read(s, buf, sizeof(buf)) == 4 && memcmp(buf, "peek", 4) == 0,
	    "read after MSG_PEEK gets them");
	CHECK(ioctl(s, FIONREAD, &v) == 0 && v == 0, "FIONREAD 0 after read");
	CHECK(recv(s, buf, 1, MSG_DONTWAIT) == -1 && errno == EAGAIN,
	    "MSG_DONTWAIT on a blocking socket: EAGAIN");

	/* sendmsg / recvmsg with vectors */
	iov[0].iov_base = "hel";
	iov[0].iov_len = 3;
	iov[1].iov_base = "lo ";
	iov[1].iov_len = 3;
	iov[2].iov_base = "world";
	iov[2].iov_len = 5;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = 3;
	CHECK(sendmsg(s, &mh, MSG_NOSIGNAL) == 11, "sendmsg of 3 pieces");
	memset(buf, 0, sizeof(buf));
	memset(b2, 0, sizeof(b2));
	riov[0].iov_base = buf;
	riov[0].iov_len = 5;
	riov[1].iov_base = b2;
	riov[1].iov_len = 6;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = riov;
	mh.msg_iovlen = 2;
	mh.msg_name = &from;
	mh.msg_namelen = sizeof(from);
	mh.msg_flags = -1;
	n = recvmsg(s, &mh, MSG_WAITALL);
	CHECK(n == 11 && memcmp(buf, "hello", 5) == 0 &&
	    memcmp(b2, " world", 6) == 0, "recvmsg MSG_WAITALL scatters 11");
	CHECK(mh.msg_namelen == 0 && mh.msg_flags == 0,
	    "recvmsg: no source name, msg_flags clear");

	/* sendmmsg / recvmmsg */
	memset(mm, 0, sizeof(mm));
	iov[0].iov_base = "mm1";
	iov[0].iov_len = 3;
	iov[1].iov_base = "mm22";
	iov[1].iov_len = 4;
	mm[0].msg_hdr.msg_iov = &iov[0];
	mm[0].msg_hdr.msg_iovlen = 1;
	mm[1].msg_hdr.msg_iov = &iov[1];
	mm[1].msg_hdr.msg_iovlen = 1;
	CHECK(sendmmsg(s, mm, 2, 0) == 2 && mm[0].msg_len == 3 &&
	    mm[1].msg_len == 4, "sendmmsg sends 2 messages");
	memset(mm, 0, sizeof(mm));
	memset(buf, 0, sizeof(buf));
	riov[0].iov_base = buf;
	riov[0].iov_len = 7;
	mm[0].msg_hdr.msg_iov = &riov[0];
	mm[0].msg_hdr.msg_iovlen = 1;
	CHECK(recvmmsg(s, mm, 1, MSG_WAITALL, NULL) == 1 &&
	    mm[0].msg_len == 7 && memcmp(buf, "mm1mm22", 7) == 0,
	    "recvmmsg receives them");

	/* MSG_TRUNC discards (Linux TCP) */
	CHECK(send(s, "trunc123", 8, 0) == 8 && wait_inq(s, 8) == 8,
	    "8 more bytes arrive");
	memset(buf, 0, sizeof(buf));
	CHECK(recv(s, buf, 5, MSG_TRUNC | MSG_PEEK) == 5 && buf[0] == 0,
	    "MSG_TRUNC|MSG_PEEK counts without copying");
	CHECK(recv(s, buf, 5, MSG_TRUNC) == 5 && buf[0] == 0,
	    "MSG_TRUNC discards 5 without copying");
	CHECK(recv(s, buf, sizeof(buf), 0) == 3 && memcmp(buf, "123", 3) == 0,
	    "the rest follows");
	CHECK(recv(s, buf, 1, MSG_OOB) == -1 && errno == EINVAL,
	    "MSG_OOB without urgent data: EINVAL");

	/* sendfile from a file */
	f = tmpfile();
	fputs("0123456789sendfile", f);
	fflush(f);
	{
		off_t off = 10;

		CHECK(sendfile(s, fileno(f), &off, 8) == 8 && off == 18,
		    "sendfile 8 bytes from offset 10");
	}
	fclose(f);
	memset(buf, 0, sizeof(buf));
	CHECK(readn(s, buf, 8) && memcmp(buf, "sendfile", 8) == 0,
	    "sendfile bytes echoed");

	/* splice through pipes both ways */
	CHECK(pipe(p) == 0 && pipe(q) == 0 && write(p[1], "splice", 6) == 6,
	    "pipes");
	CHECK(splice(p[0], NULL, s, NULL, 6, 0) == 6,
	    "splice pipe -> socket");
	CHECK(wait_inq(s, 6) == 6 && splice(s, NULL, q[1], NULL, 6, 0) == 6,
	    "splice socket -> pipe");
	memset(buf, 0, sizeof(buf));
	CHECK(read(q[0], buf, sizeof(buf)) == 6 && memcmp(buf, "splice", 6) == 0,
	    "spliced bytes intact");
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	close(s);

	/* MSG_WAITALL across two arrivals 0.4 s apart */
	s = conn(P_DRIP);
	t0 = now_ms();
	memset(buf, 0, sizeof(buf));
	n = recv(s, buf, 8, MSG_WAITALL);
	CHECK(n == 8 && memcmp(buf, "abcdefgh", 8) == 0 &&
	    now_ms() - t0 >= 300, "MSG_WAITALL waits for all 8 bytes "
	    "(%ld ms)", now_ms() - t0);
	close(s);

	/*
	 * SO_RCVLOWAT: readiness waits for that many.  (Not a blocking
	 * recv: when "abc" is already there, Linux's recv takes it and then
	 * is woken only once 8 more are queued (tcp_data_ready counts the
	 * queue, not what the reader holds): it slept until a timeout or for
	 * ever, whenever the load let "abc" arrive first.)
	 */
	s = conn(P_DRIP);
	CHECK(wait_inq(s, 3) == 3, "drip: 3 bytes there");
	v = 8;
	CHECK(setsockopt(s, SOL_SOCKET, SO_RCVLOWAT, &v, sizeof(v)) == 0,
	    "SO_RCVLOWAT 8");
	t0 = now_ms();
	{
		struct pollfd pfd = { s, POLLIN, 0 };

		v = poll(&pfd, 1, 0);
		CHECK(v == 0, "3 bytes of 8: not readable yet");
		v = poll(&pfd, 1, 3000);
		CHECK(v == 1 && (pfd.revents & POLLIN) && now_ms() - t0 >= 250,
		    "readable once 8 are there (%ld ms)", now_ms() - t0);
	}
	memset(buf, 0, sizeof(buf));
	n = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
	CHECK(n == 8 && memcmp(buf, "abcdefgh", 8) == 0,
	    "recv returns the 8 bytes (%zd)", n);
	close(s);
}

/* ---- timeouts, EPIPE, linger ---- */

static void
t_errors(void)
{
	struct timeval tv;
	struct linger lg;
	char buf[64];
	long t0;
	int s, i, r, e;

	s = conn(P_SILENT);
	tv.tv_sec = 0;
	tv.tv_usec = 300000;
	CHECK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0,
	    "SO_RCVTIMEO 0.3 s");
	t0 = now_ms();
	r = recv(s, buf, 1, 0);
	e = errno;
	CHECK(r == -1 && e == EAGAIN && now_ms() - t0 >= 250 &&
	    now_ms() - t0 < 3000, "SO_RCVTIMEO expires with EAGAIN "
	    "(%ld ms)", now_ms() - t0);
	close(s);

	/* EPIPE: the peer resets; the first error may be ECONNRESET */
	handler(SIGPIPE, on_pipe, 0);
	s = conn(P_RESET);
	{
		struct pollfd pfd = { s, POLLIN, 0 };

		(void)poll(&pfd, 1, 3000);
	}
	memset(buf, 'x', sizeof(buf));
	for (i = 0, r = 0, e = 0; i < 5; i++) {
		r = send(s, buf, sizeof(buf), MSG_NOSIGNAL);
		e = errno;
		if (r < 0 && e == EPIPE)
			break;
		sleep_ms(20);
	}
	CHECK(r == -1 && e == EPIPE && npipe == 0,
	    "send MSG_NOSIGNAL to a reset connection: EPIPE, no SIGPIPE");
	r = write(s, buf, sizeof(buf));
	e = errno;
	CHECK(r == -1 && e == EPIPE && npipe == 1,
	    "write without MSG_NOSIGNAL: EPIPE and SIGPIPE (%d)", (int)npipe);
	close(s);
	handler(SIGPIPE, SIG_DFL, 0);

	/* linger 0: close sends a reset the peer sees */
	s = conn(P_RECORD);
	CHECK(s >= 0 && write(s, "x", 1) == 1, "connected to the recorder");
	sleep_ms(100);
	lg.l_onoff = 1;
	lg.l_linger = 0;
	CHECK(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0,
	    "SO_LINGER {1, 0}");
	close(s);
	memset(buf, 0, sizeof(buf));
	for (i = 0; i < 30; i++) {
		s = conn(P_QUERY);
		memset(buf, 0, sizeof(buf));
		r = s >= 0 ? (int)recv(s, buf, sizeof(buf) - 1, MSG_WAITALL) :
		    -1;
		close(s);
		if (r > 0 && strcmp(buf, "OPEN") != 0)
			break;
		sleep_ms(100);
	}
	CHECK(strcmp(buf, "RST") == 0, "linger 0: the peer reads ECONNRESET "
	    "(peer says %s)", buf);
}

/* ---- options ---- */

static int
get_int(int s, int level, int name, int *v)
{
	socklen_t l = sizeof(*v);

	*v = -12345;
	return (getsockopt(s, level, name, v, &l) == 0 && l == sizeof(*v));
}

static int
set_int(int s, int level, int name, int v)
{
	return (setsockopt(s, level, name, &v, sizeof(v)) == 0);
}

static void
t_options(void)
{
	struct linger lg;
	struct timeval tv;
	char dev[IFNAMSIZ];
	socklen_t l;
	int s, v, r;

	s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(get_int(s, SOL_SOCKET, SO_TYPE, &v) && v == SOCK_STREAM,
	    "SO_TYPE");
	CHECK(get_int(s, SOL_SOCKET, SO_DOMAIN, &v) && v == AF_INET,
	    "SO_DOMAIN");
	CHECK(get_int(s, SOL_SOCKET, SO_PROTOCOL, &v) && v == IPPROTO_TCP,
	    "SO_PROTOCOL");
	CHECK(get_int(s, SOL_SOCKET, SO_ACCEPTCONN, &v) && v == 0,
	    "SO_ACCEPTCONN 0");
	CHECK(!set_int(s, SOL_SOCKET, SO_TYPE, 1) && errno == ENOPROTOOPT,
	    "setting SO_TYPE: ENOPROTOOPT");
	CHECK(set_int(s, SOL_SOCKET, SO_REUSEADDR, 1) &&
	    get_int(s, SOL_SOCKET, SO_REUSEADDR, &v) && v == 1,
	    "SO_REUSEADDR round trip");
	CHECK(set_int(s, SOL_SOCKET, SO_REUSEPORT, 1) &&
	    get_int(s, SOL_SOCKET, SO_REUSEPORT, &v) && v == 1,
	    "SO_REUSEPORT round trip");
	CHECK(set_int(s, SOL_SOCKET, SO_KEEPALIVE, 1) &&
	    get_int(s, SOL_SOCKET, SO_KEEPALIVE, &v) && v == 1,
	    "SO_KEEPALIVE round trip");
	CHECK(get_int(s, SOL_SOCKET, SO_RCVLOWAT, &v) && v == 1,
	    "SO_RCVLOWAT defaults to 1");
	CHECK(set_int(s, SOL_SOCKET, SO_RCVLOWAT, 10) &&
	    get_int(s, SOL_SOCKET, SO_RCVLOWAT, &v) && v == 10,
	    "SO_RCVLOWAT round trip (%d)", v);
	CHECK(get_int(s, SOL_SOCKET, SO_SNDLOWAT, &v) && v == 1,
	    "SO_SNDLOWAT reads 1");
	CHECK(!set_int(s, SOL_SOCKET, SO_SNDLOWAT, 10) && errno == ENOPROTOOPT,
	    "setting SO_SNDLOWAT: ENOPROTOOPT");
	CHECK(set_int(s, SOL_SOCKET, SO_PRIORITY, 3) &&
	    get_int(s, SOL_SOCKET, SO_PRIORITY, &v) && v == 3,
	    "SO_PRIORITY round trip");
	CHECK(set_int(s, IPPROTO_IP, IP_TOS, 0x10) &&
	    get_int(s, IPPROTO_IP, IP_TOS, &v) && v == 0x10,
	    "IP_TOS round trip");
	CHECK(set_int(s, IPPROTO_IP, IP_TTL, 33) &&
	    get_int(s, IPPROTO_IP, IP_TTL, &v) && v == 33,
	    "IP_TTL round trip");
	CHECK(set_int(s, IPPROTO_TCP, TCP_NODELAY, 1) &&
	    get_int(s, IPPROTO_TCP, TCP_NODELAY, &v) && v == 1,
	    "TCP_NODELAY round trip");
	lg.l_onoff = 1;
	lg.l_linger = 5;
	CHECK(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0,
	    "SO_LINGER {1, 5}");
	memset(&lg, 0, sizeof(lg));
	l = sizeof(lg);
	CHECK(getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &l) == 0 &&
	    l == sizeof(lg) && lg.l_onoff == 1 && lg.l_linger == 5,
	    "SO_LINGER reads back");
	tv.tv_sec = 1;
	tv.tv_usec = 500000;
	CHECK(setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0,
	    "SO_SNDTIMEO 1.5 s");
	memset(&tv, 0, sizeof(tv));
	l = sizeof(tv);
	CHECK(getsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, &l) == 0 &&
	    tv.tv_sec == 1 && tv.tv_usec == 500000, "SO_SNDTIMEO reads back");
	CHECK(setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, "xa0", 4) == 0,
	    "SO_BINDTODEVICE xa0");
	memset(dev, 0, sizeof(dev));
	l = sizeof(dev);
	CHECK(getsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, dev, &l) == 0 &&
	    l == 4 && strcmp(dev, "xa0") == 0, "SO_BINDTODEVICE reads back");
	CHECK(setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, "nosuch9", 8) == -1 &&
	    errno == ENODEV, "SO_BINDTODEVICE to no device: ENODEV");
	r = set_int(s, SOL_SOCKET, 9999, 1);
	CHECK(!r && errno == ENOPROTOOPT, "unknown SOL_SOCKET option: "
	    "ENOPROTOOPT");
	CHECK(!get_int(s, IPPROTO_TCP, 9999, &v) && errno == ENOPROTOOPT,
	    "unknown IPPROTO_TCP option: ENOPROTOOPT");
	v = 1;
	CHECK(ioctl(s, FIONBIO, &v) == 0 && (fcntl(s, F_GETFL) & O_NONBLOCK),
	    "FIONBIO sets O_NONBLOCK");
	v = 0;
	CHECK(ioctl(s, FIONBIO, &v) == 0 &&
	    !(fcntl(s, F_GETFL) & O_NONBLOCK), "FIONBIO clears it");
	close(s);

	s = conn(P_SILENT);
	CHECK(s >= 0 && write(s, "abcd", 4) == 4, "4 bytes to a silent peer");
	sleep_ms(200);
	CHECK(ioctl(s, SIOCOUTQ, &v) == 0 && v == 0,
	    "SIOCOUTQ 0 once acknowledged (%d)", v);
	close(s);
}

/* ---- fd semantics ---- */

static void *
shut_thread(void *arg)
{
	int s = *(int *)arg;

	sleep_ms(200);
	shutdown(s, SHUT_RDWR);
	return (NULL);
}

#define RW_BYTES	(2 * 1024 * 1024)

static void *
writer_thread(void *arg)
{
	int s = *(int *)arg;
	unsigned char buf[8192];
	size_t done = 0, i, k;
	ssize_t n;

	while (done < RW_BYTES) {
		k = RW_BYTES - done < sizeof(buf) ? RW_BYTES - done :
		    sizeof(buf);
		for (i = 0; i < k; i++)
			buf[i] = (unsigned char)((done + i) * 7 + 3);
		if ((n = write(s, buf, k)) <= 0)
			return ((void *)1);
		done += n;
	}
	return (NULL);
}

static void
t_fds(const char *self)
{
	struct rlimit rl;
	unsigned char buf[8192];
	pthread_t th;
	struct pollfd pfd[2];
	struct timeval tv;
	fd_set rs;
	size_t done;
	ssize_t n, i;
	void *res;
	int s, d, d2, p[2], r, ok, status;
	pid_t pid;
	char a1[16], a2[16];

	s = conn(P_ECHO);
	d = dup(s);
	CHECK(d >= 0 && close(s) == 0 && echo_ok(d, "dup"),
	    "dup, then close of the original: the connection lives");
	s = d;
	d = fcntl(s, F_DUPFD_CLOEXEC, 50);
	CHECK(d >= 50 && (fcntl(d, F_GETFD) & FD_CLOEXEC) &&
	    !(fcntl(s, F_GETFD) & FD_CLOEXEC), "F_DUPFD_CLOEXEC");
	CHECK(write(d, "x", 1) == 1 && readn(s, buf, 1) && buf[0] == 'x',
	    "written on one copy, read on the other");
	d2 = dup3(s, 60, O_CLOEXEC);
	CHECK(d2 == 60 && (fcntl(d2, F_GETFD) & FD_CLOEXEC), "dup3 O_CLOEXEC");
	close(d2);

	/* close-on-exec: d (cloexec) gone after exec, s kept */
	snprintf(a1, sizeof(a1), "%d", d);
	snprintf(a2, sizeof(a2), "%d", s);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		execl(self, self, "--fdcheck", a1, a2, (char *)NULL);
		_exit(99);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "exec: close-on-exec fd closed, the other kept (status %d)",
	    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	close(d);

	/* fork: the child exits; the parent's transfer is intact */
	CHECK(write(s, "before-fork.", 12) == 12, "data before fork");
	fflush(stdout);
	if ((pid = fork()) == 0) {
		close(s);
		exit(0);
	}
	waitpid(pid, &status, 0);
	CHECK(write(s, "after-fork", 10) == 10, "data after the child exited");
	memset(buf, 0, sizeof(buf));
	CHECK(readn(s, buf, 22) && memcmp(buf, "before-fork.after-fork", 22) ==
	    0, "the parent's transfer is intact after fork");

	/* select and poll with fd numbers above 1000 */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 2048) {
		rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	CHECK(pipe(p) == 0 && dup2(s, 1010) == 1010 &&
	    dup2(p[0], 1020) == 1020, "dup2 to 1010 (socket), 1020 (pipe)");
	CHECK(write(s, "h", 1) == 1, "echo one byte");
	FD_ZERO(&rs);
	FD_SET(1010, &rs);
	FD_SET(1020, &rs);
	tv.tv_sec = 3;
	tv.tv_usec = 0;
	r = select(1021, &rs, NULL, NULL, &tv);
	CHECK(r == 1 && FD_ISSET(1010, &rs) && !FD_ISSET(1020, &rs),
	    "select over fds 1010 and 1020: the socket is readable");
	CHECK(read(1010, buf, 1) == 1 && write(p[1], "q", 1) == 1,
	    "read it; write the pipe");
	r = -1;
	if (rl.rlim_cur > 1500) {
		CHECK(dup2(s, 1500) == 1500 && write(1500, "k", 1) == 1,
		    "dup2 to 1500");
		pfd[0].fd = 1500;
		pfd[0].events = POLLIN;
		pfd[1].fd = 1020;
		pfd[1].events = POLLIN;
		ok = 0;
		for (i = 0; i < 20 && ok != 2; i++) {
			r = poll(pfd, 2, 3000);
			ok = r == 2;
			if (r == 1)
				sleep_ms(20);
		}
		CHECK(r == 2 && (pfd[0].revents & POLLIN) &&
		    (pfd[1].revents & POLLIN), "poll over fds 1500 and 1020");
		(void)read(1500, buf, 1);
		close(1500);
	}
	close(1010);
	close(1020);
	close(p[0]);
	close(p[1]);

	/* one thread reads while another writes, same socket */
	r = pthread_create(&th, NULL, writer_thread, &s);
	ok = r == 0;
	for (done = 0; ok && done < RW_BYTES; done += n) {
		n = read(s, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (i = 0; i < n; i++)
			if (buf[i] != (unsigned char)((done + i) * 7 + 3))
				ok = 0;
	}
	if (r == 0)
		pthread_join(th, &res);
	CHECK(ok && done == RW_BYTES && res == NULL,
	    "reader and writer threads on one socket: %zu bytes intact", done);
	close(s);

	/* shutdown from another thread wakes a blocked recv with 0 */
	s = conn(P_SILENT);
	pthread_create(&th, NULL, shut_thread, &s);
	n = recv(s, buf, 1, 0);
	pthread_join(th, NULL);
	CHECK(n == 0, "shutdown(SHUT_RDWR) by another thread: recv gives 0");
	close(s);
}

/* ---- epoll ---- */

static int
ep_add(int ep, int fd, uint32_t events, uint64_t u)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.u64 = u;
	return (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
}

static int
ep_mod(int ep, int fd, uint32_t events, uint64_t u)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.u64 = u;
	return (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev));
}

/* Collect events for up to ms; the u64 data seen ORed as bits. */
static unsigned
ep_gather(int ep, int ms, int *count)
{
	struct epoll_event ev[8];
	unsigned seen = 0;
	int r, i;

	*count = 0;
	r = epoll_wait(ep, ev, 8, ms);
	for (i = 0; i < r; i++) {
		seen |= 1U << ev[i].data.u64;
		(*count)++;
	}
	return (seen);
}

static void
t_epoll(void)
{
	struct epoll_event ev;
	char buf[65536];
	int ep, outer, s, p[2], n, v, i, r;
	unsigned seen;
	long t0;

	ep = epoll_create1(EPOLL_CLOEXEC);
	s = conn(P_ECHO);
	CHECK(ep >= 0 && s >= 0 && ep_add(ep, s, EPOLLIN | EPOLLET, 1) == 0,
	    "epoll: add a socket edge-triggered");
	CHECK(ep_add(ep, s, EPOLLIN, 1) == -1 && errno == EEXIST,
	    "adding it again: EEXIST");
	CHECK(epoll_wait(ep, &ev, 1, 100) == 0, "ET: nothing yet");
	CHECK(write(s, "a", 1) == 1 && epoll_wait(ep, &ev, 1, 3000) == 1 &&
	    (ev.events & EPOLLIN), "ET: the first arrival is reported");
	CHECK(epoll_wait(ep, &ev, 1, 150) == 0,
	    "ET: not again while nothing new arrives");
	CHECK(write(s, "b", 1) == 1 && epoll_wait(ep, &ev, 1, 3000) == 1,
	    "ET: a second arrival is reported, older bytes still unread");
	CHECK(epoll_wait(ep, &ev, 1, 150) == 0, "ET: and only once");
	CHECK(wait_inq(s, 2) == 2 && read(s, buf, 2) == 2, "read both");

	CHECK(ep_mod(ep, s, EPOLLIN | EPOLLONESHOT, 1) == 0,
	    "EPOLLONESHOT by EPOLL_CTL_MOD");
	CHECK(write(s, "c", 1) == 1 && epoll_wait(ep, &ev, 1, 3000) == 1,
	    "ONESHOT: reported once");
	CHECK(write(s, "d", 1) == 1 && epoll_wait(ep, &ev, 1, 200) == 0,
	    "ONESHOT: then disabled");
	CHECK(ep_mod(ep, s, EPOLLIN, 1) == 0 && epoll_wait(ep, &ev, 1, 1000) ==
	    1, "re-armed level-triggered: reported at once");
	CHECK(epoll_wait(ep, &ev, 1, 0) == 1, "LT: reported again while "
	    "unread");
	CHECK(wait_inq(s, 2) == 2 && read(s, buf, 2) == 2 &&
	    epoll_wait(ep, &ev, 1, 100) == 0, "LT: quiet once read");
	CHECK(ep_mod(ep, s, EPOLLIN | EPOLLEXCLUSIVE, 1) == -1 &&
	    errno == EINVAL, "EPOLLEXCLUSIVE with MOD: EINVAL");

	/* a pipe and the socket in one set */
	CHECK(pipe(p) == 0 && ep_add(ep, p[0], EPOLLIN, 2) == 0,
	    "mixed set: add a pipe");
	CHECK(write(p[1], "p", 1) == 1 && ep_gather(ep, 1000, &n) == 4 &&
	    n == 1, "mixed set: the pipe alone is reported");
	(void)read(p[0], buf, 1);
	CHECK(write(s, "z", 1) == 1 && ep_gather(ep, 3000, &n) == 2 && n == 1,
	    "mixed set: the socket alone is reported");
	CHECK(write(p[1], "p", 1) == 1, "both ready");
	for (i = 0, seen = 0; i < 20 && seen != 6; i++)
		seen |= ep_gather(ep, 200, &n);
	CHECK(seen == 6, "mixed set: both reported (%#x)", seen);
	(void)read(p[0], buf, 1);
	(void)read(s, buf, 1);

	/* an epoll set inside another */
	outer = epoll_create1(0);
	CHECK(ep_add(outer, ep, EPOLLIN, 3) == 0 &&
	    epoll_wait(outer, &ev, 1, 150) == 0,
	    "nested: the outer set is quiet");
	CHECK(write(s, "n", 1) == 1 && epoll_wait(outer, &ev, 1, 3000) == 1 &&
	    ev.data.u64 == 3, "nested: the outer set sees the inner one");
	CHECK(epoll_wait(ep, &ev, 1, 0) == 1 && ev.data.u64 == 1,
	    "nested: the inner set reports the socket");
	(void)read(s, buf, 1);
	close(outer);

	/* closing the socket takes it out of the set */
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0,
	    "EPOLL_CTL_DEL the pipe");
	close(s);
	CHECK(epoll_wait(ep, &ev, 1, 100) == 0, "closed socket: gone");
	close(p[0]);
	close(p[1]);

	/* EPOLLOUT is exact: a full send buffer is not writable */
	s = socket(AF_INET, SOCK_STREAM, 0);
	v = 4096;
	setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	{
		struct sockaddr_in sin = addr_of(peer, P_SILENT);

		CHECK(connect(s, (struct sockaddr *)&sin, sizeof(sin)) == 0,
		    "connect to a peer that never reads");
	}
	memset(buf, 'f', sizeof(buf));
	t0 = now_ms();
	for (i = 0; i < 100; i++) {
		r = 0;
		while (send(s, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			r++;
		if (r == 0 && i > 0)
			break;		/* still full after a pause */
		sleep_ms(100);
	}
	CHECK(i < 100, "send buffer full (%ld ms)", now_ms() - t0);
	CHECK(ep_add(ep, s, EPOLLOUT, 5) == 0 && epoll_wait(ep, &ev, 1, 200) ==
	    0, "full send buffer: no EPOLLOUT");
	{
		struct pollfd pfd = { s, POLLOUT, 0 };

		CHECK(poll(&pfd, 1, 100) == 0, "full send buffer: no POLLOUT");
	}
	close(s);
	close(ep);
}

/* ---- signals ---- */

static void
t_signals(void)
{
	struct epoll_event ev;
	struct timeval tv;
	struct pollfd pfd;
	char buf[16];
	fd_set rs;
	int s, ep, r, e;
	long t0;

	/* SA_RESTART: a blocking recv goes on after the handler */
	handler(SIGALRM, on_alrm, SA_RESTART);
	s = conn(P_DRIP);
	CHECK(readn(s, buf, 3), "drip: first 3 bytes");
	nalrm = 0;
	alarm_ms(100);
	memset(buf, 0, sizeof(buf));
	r = recv(s, buf, 5, MSG_WAITALL);
	CHECK(r == 5 && nalrm == 1 && memcmp(buf, "defgh", 5) == 0,
	    "SA_RESTART: recv restarts after the handler (%d, %d)", r,
	    (int)nalrm);
	close(s);

	/* without SA_RESTART: EINTR */
	handler(SIGALRM, on_alrm, 0);
	s = conn(P_DRIP);
	(void)readn(s, buf, 3);
	nalrm = 0;
	alarm_ms(100);
	r = recv(s, buf, 5, 0);
	e = errno;
	CHECK(r == -1 && e == EINTR && nalrm == 1,
	    "no SA_RESTART: recv fails with EINTR");
	close(s);

	/* SA_RESTART but SO_RCVTIMEO set: EINTR (socket(7)) */
	handler(SIGALRM, on_alrm, SA_RESTART);
	s = conn(P_SILENT);
	tv.tv_sec = 2;
	tv.tv_usec = 0;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	nalrm = 0;
	alarm_ms(100);
	t0 = now_ms();
	r = recv(s, buf, 1, 0);
	e = errno;
	CHECK(r == -1 && e == EINTR && now_ms() - t0 < 1500,
	    "SA_RESTART with SO_RCVTIMEO: recv fails with EINTR");
	tv.tv_sec = 0;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	/* poll, select and epoll_wait never restart */
	pfd.fd = s;
	pfd.events = POLLIN;
	alarm_ms(100);
	r = poll(&pfd, 1, 2000);
	e = errno;
	CHECK(r == -1 && e == EINTR, "SA_RESTART: poll fails with EINTR");
	FD_ZERO(&rs);
	FD_SET(s, &rs);
	tv.tv_sec = 2;
	tv.tv_usec = 0;
	alarm_ms(100);
	r = select(s + 1, &rs, NULL, NULL, &tv);
	e = errno;
	CHECK(r == -1 && e == EINTR, "SA_RESTART: select fails with EINTR");
	ep = epoll_create1(0);
	ep_add(ep, s, EPOLLIN, 1);
	alarm_ms(100);
	r = epoll_wait(ep, &ev, 1, 2000);
	e = errno;
	CHECK(r == -1 && e == EINTR,
	    "SA_RESTART: epoll_wait fails with EINTR");
	close(ep);
	close(s);
	handler(SIGALRM, SIG_DFL, 0);
}

/* ---- poll on sockets in each state (Linux tcp_poll) ---- */

#define PALL	(POLLIN | POLLOUT | POLLPRI | POLLRDHUP)

/* What poll reports now for s, asked for everything. */
static int
revents(int s)
{
	struct pollfd pfd = { s, PALL, 0 };

	return (poll(&pfd, 1, 0) == 1 ? pfd.revents : 0);
}

/* Wait up to ms for any of want in s's revents; the revents then. */
static int
wait_events(int s, int want, int ms)
{
	int i, ev = 0;

	for (i = 0; i < ms / 10; i++) {
		if ((ev = revents(s)) & want)
			break;
		sleep_ms(10);
	}
	return (ev);
}

static void
t_poll_states(void)
{
	struct sockaddr_in sin = addr_of(peer, P_REFUSED), any;
	char c;
	int s, ev, r, e;

	s = socket(AF_INET, SOCK_STREAM, 0);
	ev = revents(s);
	CHECK(ev == (POLLOUT | POLLHUP), "poll on a new socket: "
	    "POLLOUT|POLLHUP (%#x)", ev);
	r = send(s, "x", 1, MSG_NOSIGNAL);
	e = errno;
	CHECK(r == -1 && e == EPIPE, "send on a new socket: EPIPE");
	r = read(s, &c, 1);
	e = errno;
	CHECK(r == -1 && e == ENOTCONN, "read on a new socket: ENOTCONN");
	memset(&any, 0, sizeof(any));
	any.sin_family = AF_INET;
	CHECK(bind(s, (struct sockaddr *)&any, sizeof(any)) == 0 &&
	    revents(s) == (POLLOUT | POLLHUP), "poll on a bound socket: "
	    "POLLOUT|POLLHUP (%#x)", revents(s));
	CHECK(listen(s, 4) == 0 && (ev = revents(s)) == 0,
	    "poll on a listening socket: nothing (%#x)", ev);
	close(s);

	/* a failed blocking connect disconnects: as new again */
	s = socket(AF_INET, SOCK_STREAM, 0);
	r = connect(s, (struct sockaddr *)&sin, sizeof(sin));
	e = errno;
	ev = revents(s);
	CHECK(r == -1 && e == ECONNREFUSED && ev == (POLLOUT | POLLHUP),
	    "after a refused blocking connect: POLLOUT|POLLHUP (%#x)", ev);
	r = read(s, &c, 1);
	e = errno;
	CHECK(r == -1 && e == ENOTCONN, "and read: ENOTCONN");
	close(s);

	/* a failed non-blocking connect: shut both ways, the error first */
	s = conn_nb(peer, P_REFUSED, &r);
	ev = wait_events(s, POLLERR, 3000);
	CHECK(ev == (POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP),
	    "refused non-blocking connect: POLLIN|POLLOUT|POLLERR|POLLHUP|"
	    "POLLRDHUP (%#x)", ev);
	CHECK(so_error(s) == ECONNREFUSED && (ev = revents(s)) ==
	    (POLLIN | POLLOUT | POLLHUP | POLLRDHUP),
	    "once SO_ERROR is taken: no POLLERR (%#x)", ev);
	r = send(s, "x", 1, MSG_NOSIGNAL);
	e = errno;
	CHECK(r == -1 && e == EPIPE, "then send: EPIPE");
	CHECK(read(s, &c, 1) == 0, "and read: 0");
	r = connect(s, (struct sockaddr *)&sin, sizeof(sin));
	e = errno;
	ev = revents(s);
	CHECK(r == -1 && e == ECONNABORTED && ev == (POLLOUT | POLLHUP),
	    "connect again, the error taken: ECONNABORTED (%d), and it "
	    "disconnects: POLLOUT|POLLHUP (%#x)", e, ev);
	close(s);

	/* shutdown of a connection the peer keeps open */
	s = conn(P_SILENT);
	CHECK(s >= 0 && (ev = revents(s)) == POLLOUT,
	    "connected: POLLOUT (%#x)", ev);
	shutdown(s, SHUT_RD);
	ev = revents(s);
	CHECK(ev == (POLLIN | POLLOUT | POLLRDHUP),
	    "after SHUT_RD: POLLIN|POLLOUT|POLLRDHUP (%#x)", ev);
	close(s);
	s = conn(P_SILENT);
	shutdown(s, SHUT_WR);
	sleep_ms(50);
	ev = revents(s);
	CHECK(ev == POLLOUT, "after SHUT_WR: POLLOUT (%#x)", ev);
	close(s);
	s = conn(P_SILENT);
	shutdown(s, SHUT_RDWR);
	sleep_ms(50);
	ev = revents(s);
	CHECK(ev == (POLLIN | POLLOUT | POLLHUP | POLLRDHUP),
	    "after SHUT_RDWR: POLLIN|POLLOUT|POLLHUP|POLLRDHUP (%#x)", ev);
	close(s);

	/* the peer's FIN, then ours */
	s = conn(P_CLOSE);
	ev = wait_events(s, POLLRDHUP, 3000);
	CHECK(ev == (POLLIN | POLLOUT | POLLRDHUP),
	    "after the peer's FIN: POLLIN|POLLOUT|POLLRDHUP (%#x)", ev);
	shutdown(s, SHUT_WR);
	sleep_ms(50);
	ev = revents(s);
	CHECK(ev == (POLLIN | POLLOUT | POLLHUP | POLLRDHUP),
	    "and SHUT_WR: POLLIN|POLLOUT|POLLHUP|POLLRDHUP (%#x)", ev);
	close(s);
}

/* ---- after a reset ---- */

static void
t_reset(void)
{
	char c;
	int s, r, e, ev;

	handler(SIGPIPE, on_pipe, 0);

	/* the reset reported by read */
	s = conn(P_RESET);
	ev = wait_events(s, POLLERR, 3000);
	CHECK(ev == (POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP),
	    "reset: POLLIN|POLLOUT|POLLERR|POLLHUP|POLLRDHUP (%#x)", ev);
	r = read(s, &c, 1);
	e = errno;
	CHECK(r == -1 && e == ECONNRESET, "read reports ECONNRESET");
	ev = revents(s);
	CHECK(ev == (POLLIN | POLLOUT | POLLHUP | POLLRDHUP),
	    "then POLLIN|POLLOUT|POLLHUP|POLLRDHUP (%#x)", ev);
	CHECK(read(s, &c, 1) == 0, "then read: 0");
	npipe = 0;
	r = send(s, "x", 1, MSG_NOSIGNAL);
	e = errno;
	CHECK(r == -1 && e == EPIPE && npipe == 0,
	    "then send MSG_NOSIGNAL: EPIPE, no SIGPIPE");
	r = write(s, "x", 1);
	e = errno;
	CHECK(r == -1 && e == EPIPE && npipe == 1,
	    "then write: EPIPE and SIGPIPE (%d)", (int)npipe);
	CHECK(read(s, &c, 1) == 0 && so_error(s) == 0,
	    "read still 0, SO_ERROR 0");
	close(s);

	/* the reset reported by write */
	s = conn(P_RESET);
	(void)wait_events(s, POLLERR, 3000);
	npipe = 0;
	r = write(s, "x", 1);
	e = errno;
	CHECK(r == -1 && e == ECONNRESET && npipe == 0,
	    "first write after the reset: ECONNRESET, no SIGPIPE");
	r = write(s, "x", 1);
	e = errno;
	CHECK(r == -1 && e == EPIPE && npipe == 1,
	    "second write: EPIPE and SIGPIPE (%d)", (int)npipe);
	CHECK(read(s, &c, 1) == 0, "read: 0");
	close(s);

	/* the reset taken by SO_ERROR; SIGPIPE ignored */
	s = conn(P_RESET);
	(void)wait_events(s, POLLERR, 3000);
	CHECK(so_error(s) == ECONNRESET, "SO_ERROR takes ECONNRESET");
	handler(SIGPIPE, SIG_IGN, 0);
	npipe = 0;
	r = write(s, "x", 1);
	e = errno;
	CHECK(r == -1 && e == EPIPE && npipe == 0,
	    "then write with SIGPIPE ignored: EPIPE");
	CHECK(read(s, &c, 1) == 0, "read: 0");
	close(s);
	handler(SIGPIPE, SIG_DFL, 0);
}

/* ---- accepted sockets (the peer dials back) ---- */

/* Ask the peer for n connections to our port; the control fd (close it
 * to end them) or -1. */
static int
dial_back(int n, int port)
{
	struct timeval tv = { 10, 0 };
	char line[64];
	int s, k;

	if ((s = conn(P_DIAL)) < 0)
		return (-1);
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	k = snprintf(line, sizeof(line), "%d %d\n", n, port);
	if (write(s, line, k) != k) {
		close(s);
		return (-1);
	}
	memset(line, 0, sizeof(line));
	k = snprintf(line, 8, "ok %d\n", n);
	if (!readn(s, line + 8, k) || memcmp(line, line + 8, k) != 0) {
		close(s);
		return (-1);
	}
	return (s);
}

static int
local_port(int s)
{
	struct sockaddr_in sin;
	socklen_t l = sizeof(sin);

	if (getsockname(s, (struct sockaddr *)&sin, &l) != 0)
		return (-1);
	return (ntohs(sin.sin_port));
}

/* A listener on any address, a free port. */
static int
listener(int reuseport, int *port)
{
	struct sockaddr_in sin;
	int s;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(*port);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (reuseport)
		set_int(s, SOL_SOCKET, SO_REUSEPORT, 1);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(s, 16) != 0) {
		close(s);
		return (-1);
	}
	*port = local_port(s);
	return (s);
}

static const struct inh {
	const char	*name;
	int		 level, opt, set, want;	/* want: the child reads */
} inh_tab[] = {
	/* Linux 6.x: these the child takes from the listener */
	{ "SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE, 1, 1 },
	{ "SO_OOBINLINE", SOL_SOCKET, SO_OOBINLINE, 1, 1 },
	{ "SO_RCVLOWAT", SOL_SOCKET, SO_RCVLOWAT, 7, 7 },
	{ "SO_SNDBUF", SOL_SOCKET, SO_SNDBUF, 50000, 100000 },
	{ "SO_RCVBUF", SOL_SOCKET, SO_RCVBUF, 60000, 120000 },
	{ "SO_DONTROUTE", SOL_SOCKET, SO_DONTROUTE, 1, 1 },
	{ "SO_BROADCAST", SOL_SOCKET, SO_BROADCAST, 1, 1 },
	{ "SO_REUSEADDR", SOL_SOCKET, SO_REUSEADDR, 1, 1 },
	{ "SO_ZEROCOPY", SOL_SOCKET, SO_ZEROCOPY, 1, 1 },
	{ "TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY, 1, 1 },
	{ "TCP_CORK", IPPROTO_TCP, TCP_CORK, 1, 1 },
	{ "TCP_NOTSENT_LOWAT", IPPROTO_TCP, TCP_NOTSENT_LOWAT, 12345, 12345 },
	{ "TCP_WINDOW_CLAMP", IPPROTO_TCP, TCP_WINDOW_CLAMP, 40000, 40000 },
	{ "TCP_KEEPIDLE", IPPROTO_TCP, TCP_KEEPIDLE, 77, 77 },
	{ "TCP_KEEPINTVL", IPPROTO_TCP, TCP_KEEPINTVL, 11, 11 },
	{ "TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT, 4, 4 },
	{ "TCP_USER_TIMEOUT", IPPROTO_TCP, TCP_USER_TIMEOUT, 9000, 9000 },
	{ "TCP_LINGER2", IPPROTO_TCP, TCP_LINGER2, 33, 33 },
	{ "TCP_SYNCNT", IPPROTO_TCP, TCP_SYNCNT, 3, 3 },
	{ "TCP_FASTOPEN_CONNECT", IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 1, 1 },
	{ "IP_TOS", IPPROTO_IP, IP_TOS, 0x28, 0x28 },
	{ "IP_TTL", IPPROTO_IP, IP_TTL, 33, 33 },
	{ "IP_FREEBIND", IPPROTO_IP, IP_FREEBIND, 1, 1 },
	{ "IP_BIND_ADDRESS_NO_PORT", IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1,
	    1 },
	/* and these it does not */
	{ "SO_PRIORITY", SOL_SOCKET, SO_PRIORITY, 5, 0 },
	{ "TCP_FASTOPEN", IPPROTO_TCP, TCP_FASTOPEN, 5, 0 },
};

static void
t_inherit(void)
{
	const struct inh *o;
	struct linger lg;
	struct timeval tv;
	char name[IFNAMSIZ];
	socklen_t l;
	size_t i;
	int ls, a, ctl, port = 0, v;

	ls = socket(AF_INET, SOCK_STREAM, 0);
	for (i = 0; i < sizeof(inh_tab) / sizeof(inh_tab[0]); i++) {
		o = &inh_tab[i];
		CHECK(set_int(ls, o->level, o->opt, o->set),
		    "listener: set %s %d", o->name, o->set);
	}
	lg.l_onoff = 1;
	lg.l_linger = 9;
	CHECK(setsockopt(ls, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0,
	    "listener: SO_LINGER {1, 9}");
	CHECK(setsockopt(ls, IPPROTO_TCP, TCP_CONGESTION, "reno", 4) == 0,
	    "listener: TCP_CONGESTION reno");
	tv.tv_sec = 3;
	tv.tv_usec = 0;
	CHECK(setsockopt(ls, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0 &&
	    setsockopt(ls, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0,
	    "listener: SO_RCVTIMEO, SO_SNDTIMEO 3 s");
	CHECK(setsockopt(ls, SOL_SOCKET, SO_BINDTODEVICE, "xa0", 4) == 0,
	    "listener: SO_BINDTODEVICE xa0");
	CHECK(set_int(ls, IPPROTO_TCP, TCP_MAXSEG, 1000),
	    "listener: TCP_MAXSEG 1000");
	{
		struct sockaddr_in sin;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		CHECK(bind(ls, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
		    listen(ls, 4) == 0 && (port = local_port(ls)) > 0,
		    "listener on port %d", port);
	}
	ctl = dial_back(1, port);
	CHECK(ctl >= 0, "the peer dials back");
	/* never block: a peer that could not dial fails the checks */
	a = (wait_events(ls, POLLIN, 3000) & POLLIN) ? accept(ls, NULL, NULL) :
	    -1;
	CHECK(a >= 0, "accept");
	if (a < 0) {
		close(ctl);
		close(ls);
		return;
	}
	for (i = 0; i < sizeof(inh_tab) / sizeof(inh_tab[0]); i++) {
		o = &inh_tab[i];
		CHECK(get_int(a, o->level, o->opt, &v) && v == o->want,
		    "accepted: %s %s (%d)", o->name, o->want == o->set ?
		    "inherited" : "not inherited", v);
	}
	memset(&lg, 0, sizeof(lg));
	l = sizeof(lg);
	CHECK(getsockopt(a, SOL_SOCKET, SO_LINGER, &lg, &l) == 0 &&
	    lg.l_onoff == 1 && lg.l_linger == 9,
	    "accepted: SO_LINGER inherited {%d, %d}", lg.l_onoff, lg.l_linger);
	memset(name, 0, sizeof(name));
	l = sizeof(name);
	CHECK(getsockopt(a, IPPROTO_TCP, TCP_CONGESTION, name, &l) == 0 &&
	    strcmp(name, "reno") == 0,
	    "accepted: TCP_CONGESTION inherited (%s)", name);
	memset(&tv, 0, sizeof(tv));
	l = sizeof(tv);
	CHECK(getsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, &l) == 0 &&
	    tv.tv_sec == 3 && tv.tv_usec == 0,
	    "accepted: SO_RCVTIMEO inherited");
	memset(&tv, 0, sizeof(tv));
	l = sizeof(tv);
	CHECK(getsockopt(a, SOL_SOCKET, SO_SNDTIMEO, &tv, &l) == 0 &&
	    tv.tv_sec == 3 && tv.tv_usec == 0,
	    "accepted: SO_SNDTIMEO inherited");
	memset(name, 0, sizeof(name));
	l = sizeof(name);
	CHECK(getsockopt(a, SOL_SOCKET, SO_BINDTODEVICE, name, &l) == 0 &&
	    strcmp(name, "xa0") == 0,
	    "accepted: SO_BINDTODEVICE inherited (%s)", name);
	/* the listener's MSS bound, less the timestamp option */
	CHECK(get_int(a, IPPROTO_TCP, TCP_MAXSEG, &v) && v == 988,
	    "accepted: TCP_MAXSEG 1000 less 12 (%d)", v);
	CHECK(!(fcntl(a, F_GETFL) & O_NONBLOCK) && get_int(a, SOL_SOCKET,
	    SO_ACCEPTCONN, &v) && v == 0,
	    "accepted: blocking, SO_ACCEPTCONN 0");
	close(a);
	close(ctl);
	close(ls);
}

/* ---- SO_REUSEPORT: two listeners on one port ---- */

static void
t_reuseport(void)
{
	int l1, l2, l3, ctl, port = 0, n1 = 0, n2 = 0, i, a;

	l1 = listener(1, &port);
	CHECK(l1 >= 0, "SO_REUSEPORT listener on port %d", port);
	l2 = listener(1, &port);
	CHECK(l2 >= 0, "a second SO_REUSEPORT listener on the same port");
	l3 = listener(0, &port);
	CHECK(l3 < 0 && errno == EADDRINUSE,
	    "a third without SO_REUSEPORT: EADDRINUSE");
	if (l3 >= 0)
		close(l3);
	ctl = dial_back(16, port);
	CHECK(ctl >= 0, "the peer makes 16 connections");
	fcntl(l1, F_SETFL, O_NONBLOCK);
	fcntl(l2, F_SETFL, O_NONBLOCK);
	for (i = 0; i < 300 && n1 + n2 < 16; i++) {
		while ((a = accept(l1, NULL, NULL)) >= 0) {
			n1++;
			close(a);
		}
		while ((a = accept(l2, NULL, NULL)) >= 0) {
			n2++;
			close(a);
		}
		sleep_ms(10);
	}
	CHECK(n1 + n2 == 16 && n1 > 0 && n2 > 0,
	    "both listeners accept: %d and %d of 16", n1, n2);
	close(ctl);
	close(l1);
	close(l2);
}

/* ---- options Linux programs set ---- */

static void
t_linux_opts(void)
{
	struct sockaddr_in sin;
	union tcp_cc_info ci;
	unsigned char b;
	socklen_t l;
	int s, v;

	s = socket(AF_INET, SOCK_STREAM, 0);
	b = 0x20;
	CHECK(setsockopt(s, IPPROTO_IP, IP_TOS, &b, 1) == 0 &&
	    get_int(s, IPPROTO_IP, IP_TOS, &v) && v == 0x20,
	    "IP_TOS given as one byte (%#x)", v);
	b = 0;
	l = 1;
	CHECK(getsockopt(s, IPPROTO_IP, IP_TOS, &b, &l) == 0 && l == 1 &&
	    b == 0x20, "IP_TOS read into one byte");
	b = 40;
	CHECK(setsockopt(s, IPPROTO_IP, IP_TTL, &b, 1) == 0 &&
	    get_int(s, IPPROTO_IP, IP_TTL, &v) && v == 40,
	    "IP_TTL given as one byte (%d)", v);
	CHECK(set_int(s, IPPROTO_IP, IP_TOS, 0x23) &&
	    get_int(s, IPPROTO_IP, IP_TOS, &v) && v == 0x20,
	    "IP_TOS keeps the ECN bits out (%#x)", v);
	CHECK(get_int(s, IPPROTO_IP, IP_FREEBIND, &v) && v == 0 &&
	    set_int(s, IPPROTO_IP, IP_FREEBIND, 1) &&
	    get_int(s, IPPROTO_IP, IP_FREEBIND, &v) && v == 1,
	    "IP_FREEBIND round trip");
	CHECK(get_int(s, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &v) && v == 0 &&
	    set_int(s, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1) &&
	    get_int(s, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &v) && v == 1,
	    "IP_BIND_ADDRESS_NO_PORT round trip");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	CHECK(bind(s, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    local_port(s) == 0, "IP_BIND_ADDRESS_NO_PORT: bind to port 0 "
	    "leaves the port open (%d)", local_port(s));
	sin = addr_of(peer, P_ECHO);
	CHECK(connect(s, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    local_port(s) > 0 && echo_ok(s, "noport"),
	    "connect then picks it (%d)", local_port(s));
	close(s);

	/* accepted and read back (Linux 6.x values) */
	s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(get_int(s, IPPROTO_IP, IP_RECVERR, &v) && v == 0 &&
	    set_int(s, IPPROTO_IP, IP_RECVERR, 5) &&
	    get_int(s, IPPROTO_IP, IP_RECVERR, &v) && v == 1,
	    "IP_RECVERR round trip");
	CHECK(get_int(s, IPPROTO_IP, IP_MTU_DISCOVER, &v) &&
	    v == IP_PMTUDISC_WANT && set_int(s, IPPROTO_IP, IP_MTU_DISCOVER,
	    IP_PMTUDISC_DO) && get_int(s, IPPROTO_IP, IP_MTU_DISCOVER, &v) &&
	    v == IP_PMTUDISC_DO, "IP_MTU_DISCOVER: WANT, then DO (%d)", v);
	CHECK(!set_int(s, IPPROTO_IP, IP_MTU_DISCOVER, 9) && errno == EINVAL,
	    "IP_MTU_DISCOVER 9: EINVAL");
	CHECK(set_int(s, IPPROTO_TCP, TCP_THIN_LINEAR_TIMEOUTS, 1) &&
	    get_int(s, IPPROTO_TCP, TCP_THIN_LINEAR_TIMEOUTS, &v) && v == 1 &&
	    !set_int(s, IPPROTO_TCP, TCP_THIN_LINEAR_TIMEOUTS, 2) &&
	    errno == EINVAL, "TCP_THIN_LINEAR_TIMEOUTS: 1, and 2 is EINVAL");
	CHECK(set_int(s, IPPROTO_TCP, TCP_THIN_DUPACK, 1) &&
	    get_int(s, IPPROTO_TCP, TCP_THIN_DUPACK, &v) && v == 0,
	    "TCP_THIN_DUPACK accepted, reads 0 (%d)", v);
	CHECK(set_int(s, SOL_SOCKET, SO_MARK, 9) &&
	    get_int(s, SOL_SOCKET, SO_MARK, &v) && v == 9,
	    "SO_MARK round trip (as root)");
	close(s);

	/* TCP_CC_INFO: Linux's reno and cubic have nothing to report */
	s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "cubic", 5);
	memset(&ci, 0x55, sizeof(ci));
	l = sizeof(ci);
	CHECK(getsockopt(s, IPPROTO_TCP, TCP_CC_INFO, &ci, &l) == 0 && l == 0,
	    "TCP_CC_INFO with cubic: 0 bytes (%u)", (unsigned)l);
	setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "reno", 4);
	l = sizeof(ci);
	CHECK(getsockopt(s, IPPROTO_TCP, TCP_CC_INFO, &ci, &l) == 0 && l == 0,
	    "TCP_CC_INFO with reno: 0 bytes (%u)", (unsigned)l);
	close(s);
}

/* ---- MSG_ZEROCOPY: copied, and the completion reported ---- */

/* Read the error queue until the notifications cover ids 0..last
 * (contiguous, in order, copied); 1 if they did. */
static int
zc_complete(int s, unsigned last, int ms, char *why, size_t wlen)
{
	struct sock_extended_err ee;
	struct cmsghdr *cm;
	struct msghdr mh;
	char cb[256];
	unsigned next = 0;
	long t0 = now_ms();
	ssize_t r;

	snprintf(why, wlen, "nothing");
	while (next <= last && now_ms() - t0 < ms) {
		struct pollfd pfd = { s, 0, 0 };

		(void)poll(&pfd, 1, 100);
		memset(&mh, 0, sizeof(mh));
		mh.msg_control = cb;
		mh.msg_controllen = sizeof(cb);
		r = recvmsg(s, &mh, MSG_ERRQUEUE);
		if (r < 0) {
			if (errno != EAGAIN)
				return (0);
			continue;
		}
		if (!(pfd.revents & POLLERR) || r != 0 ||
		    !(mh.msg_flags & MSG_ERRQUEUE) ||
		    (cm = CMSG_FIRSTHDR(&mh)) == NULL ||
		    cm->cmsg_level != SOL_IP || cm->cmsg_type != IP_RECVERR) {
			snprintf(why, wlen, "revents %#x r %zd flags %#x",
			    pfd.revents, r, mh.msg_flags);
			return (0);
		}
		memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
		snprintf(why, wlen, "errno %u origin %u code %u range %u-%u",
		    ee.ee_errno, ee.ee_origin, ee.ee_code, ee.ee_info,
		    ee.ee_data);
		if (ee.ee_errno != 0 || ee.ee_origin != SO_EE_ORIGIN_ZEROCOPY ||
		    ee.ee_code != SO_EE_CODE_ZEROCOPY_COPIED ||
		    ee.ee_info != next || ee.ee_data < ee.ee_info)
			return (0);
		next = ee.ee_data + 1;
	}
	return (next == last + 1);
}

static void
t_zerocopy(void)
{
	static char big[100000];
	char why[96], buf[64];
	struct msghdr mh;
	int s, v, r;

	s = conn(P_ECHO);
	CHECK(get_int(s, SOL_SOCKET, SO_ZEROCOPY, &v) && v == 0,
	    "SO_ZEROCOPY reads 0");
	CHECK(send(s, "abc", 3, MSG_ZEROCOPY) == 3 && readn(s, buf, 3),
	    "MSG_ZEROCOPY without SO_ZEROCOPY: an ordinary send");
	memset(&mh, 0, sizeof(mh));
	r = recvmsg(s, &mh, MSG_ERRQUEUE);
	CHECK(r == -1 && errno == EAGAIN, "and no notification (EAGAIN)");
	CHECK(!set_int(s, SOL_SOCKET, SO_ZEROCOPY, 2) && errno == EINVAL,
	    "SO_ZEROCOPY 2: EINVAL");
	CHECK(set_int(s, SOL_SOCKET, SO_ZEROCOPY, 1) &&
	    get_int(s, SOL_SOCKET, SO_ZEROCOPY, &v) && v == 1,
	    "SO_ZEROCOPY 1");
	memset(big, 'z', sizeof(big));
	CHECK(send(s, "hello", 5, MSG_ZEROCOPY) == 5 &&
	    send(s, big, sizeof(big), MSG_ZEROCOPY) == sizeof(big) &&
	    send(s, "x", 1, 0) == 1 && send(s, "yy", 2, MSG_ZEROCOPY) == 2,
	    "three MSG_ZEROCOPY sends and an ordinary one");
	CHECK(zc_complete(s, 2, 3000, why, sizeof(why)),
	    "the error queue reports ids 0-2 copied (%s)", why);
	memset(&mh, 0, sizeof(mh));
	r = recvmsg(s, &mh, MSG_ERRQUEUE);
	CHECK(r == -1 && errno == EAGAIN && !(revents(s) & POLLERR),
	    "then the queue is empty, no POLLERR");
	for (r = 0, v = 0; v < 5 + (int)sizeof(big) + 3; v += r)
		if ((r = recv(s, big, sizeof(big), 0)) <= 0)
			break;
	CHECK(v == 5 + (int)sizeof(big) + 3, "the bytes were sent (%d)", v);
	close(s);
}

/* ---- TCP_NODELAY on a corked socket; TCP_NOTSENT_LOWAT and write ---- */

static void
t_push(void)
{
	static char big[200000];
	long t0;
	int s, v, mss, unsent;
	ssize_t n;

	s = conn(P_ECHO);
	CHECK(set_int(s, IPPROTO_TCP, TCP_CORK, 1) && write(s, "cork", 4) == 4,
	    "corked, 4 bytes written");
	sleep_ms(40);
	CHECK(ioctl(s, FIONREAD, &v) == 0 && v == 0, "they wait (%d echoed)",
	    v);
	t0 = now_ms();
	CHECK(set_int(s, IPPROTO_TCP, TCP_NODELAY, 1), "TCP_NODELAY 1");
	v = wait_inq(s, 4);
	CHECK(v == 4 && now_ms() - t0 < 150, "TCP_NODELAY pushed them at once "
	    "(%d bytes echoed in %ld ms)", v, now_ms() - t0);
	close(s);

	/* a write stops once the unsent bytes pass the mark */
	s = conn(P_SILENT);
	CHECK(get_int(s, IPPROTO_TCP, TCP_MAXSEG, &mss) && mss > 0,
	    "MSS %d", mss);
	CHECK(set_int(s, IPPROTO_TCP, TCP_NOTSENT_LOWAT, 16384),
	    "TCP_NOTSENT_LOWAT 16384");
	n = send(s, big, sizeof(big), MSG_DONTWAIT);
	unsent = -1;
	(void)ioctl(s, SIOCOUTQNSD, &unsent);
	CHECK(n >= 16384 && n < (ssize_t)sizeof(big),
	    "a non-blocking write returns short: %zd", n);
	CHECK(unsent >= 16384 - mss && unsent <= 16384 + mss,
	    "it stopped within an MSS of the mark (%d unsent)", unsent);
	sleep_ms(100);
	(void)ioctl(s, SIOCOUTQNSD, &unsent);
	/* Linux tcp_poll: writable while twice the unsent bytes are below
	 * the mark (tcp_stream_memory_free with wake 1) */
	CHECK(2 * unsent >= 16384 ? !(revents(s) & POLLOUT) :
	    (revents(s) & POLLOUT), "writable exactly when below half the "
	    "mark (%d unsent, %#x)", unsent, revents(s));
	close(s);
}

/* After exec: argv fd1 must be closed, fd2 open. */
static int
fdcheck(const char *a1, const char *a2)
{
	int closed = fcntl(atoi(a1), F_GETFD) == -1 && errno == EBADF;
	int open = fcntl(atoi(a2), F_GETFD) >= 0;

	return (closed && open ? 0 : 1);
}

int
main(int argc, char **argv)
{
	int s;

	if (argc == 4 && strcmp(argv[1], "--fdcheck") == 0)
		return (fdcheck(argv[2], argv[3]));
	if (argc < 2 || inet_pton(AF_INET, argv[1], &peer) != 1) {
		fprintf(stderr, "usage: api_test PEER-ADDR [UNREACHABLE]\n");
		return (2);
	}
	if (argc > 2)
		inet_pton(AF_INET, argv[2], &unreach);
	else {
		unreach = peer;
		((unsigned char *)&unreach.s_addr)[3] = 77;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((s = conn(P_ECHO)) < 0) {
		printf("SKIP: no peer at %s:%d (%s)\n", argv[1], P_ECHO,
		    strerror(errno));
		return (77);
	}
	close(s);

	t_connect();
	t_data();
	t_errors();
	t_options();
	t_fds("/proc/self/exe");
	t_epoll();
	t_signals();
	t_poll_states();
	t_reset();
	t_inherit();
	t_reuseport();
	t_linux_opts();
	t_zerocopy();
	t_push();

	printf("1..%d\n# %d failed\n", ntest, nfail);
	return (nfail != 0);
}

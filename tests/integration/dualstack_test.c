/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dualstack_test.c - AF_INET6 stream sockets carrying IPv4 (v4-mapped
 * addresses, "::" with IPV6_V6ONLY off) and the ones that carry IPv6,
 * as Linux gives them; dualstack.sh runs it under the shim (and, with
 * XTTEST_KERNEL=1, on the kernel, which checks the assertions).
 *
 *	dualstack_test client SHIM PEER PORT
 *		connect to ::ffff:PEER:PORT (an HTTP server), names, options
 *	dualstack_test server SHIM PEER PORT
 *		listen on [::]:PORT, accept one kernel client from PEER,
 *		names; creates the file $READY once listening
 *	dualstack_test errno SHIM PEER
 *		lengths, families, IPV6_V6ONLY with v4-mapped addresses
 *	dualstack_test v6 PEER6 PORT6 LPORT
 *		IPV6_V6ONLY and real IPv6 stay with the kernel: connect to
 *		[PEER6]:PORT6 both ways; a V6ONLY listener on LPORT is the
 *		kernel's (in /proc/net/tcp6)
 *
 * SHIM is the IPv4 address of this side, PEER the kernel peer's.  With
 * DUALSTACK_KERNEL=1 in the environment the checks that tell the stack
 * from the kernel (a listener the kernel does not list) are skipped.
 * One line per check; exit 0 if all passed, 1 if not, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <errno.h>
#include <poll.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int	ntest, nfail;
static struct in_addr shim_a, peer_a;
static int	kernel_mode;

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
		printf(" (errno %s)", strerrorname_np(err) != NULL ?
		    strerrorname_np(err) : "?");
	printf("\n");
	fflush(stdout);
}

static struct sockaddr_in6
mapped(struct in_addr a, uint16_t port)
{
	struct sockaddr_in6 s;

	memset(&s, 0, sizeof(s));
	s.sin6_family = AF_INET6;
	s.sin6_port = htons(port);
	s.sin6_addr.s6_addr[10] = 0xff;
	s.sin6_addr.s6_addr[11] = 0xff;
	memcpy(&s.sin6_addr.s6_addr[12], &a, 4);
	return (s);
}

static int
sock6(void)
{
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	struct timeval tv = { 10, 0 };

	if (fd < 0) {
		perror("socket(AF_INET6)");
		exit(1);
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return (fd);
}

/* Is sa (len) the v4-mapped form of a (port: 0 any)? */
static int
is_mapped(const struct sockaddr_in6 *sa, socklen_t len, struct in_addr a,
    uint16_t port)
{
	struct sockaddr_in6 want = mapped(a, port);

	return (len == sizeof(struct sockaddr_in6) &&
	    sa->sin6_family == AF_INET6 && sa->sin6_flowinfo == 0 &&
	    sa->sin6_scope_id == 0 &&
	    memcmp(&sa->sin6_addr, &want.sin6_addr, 16) == 0 &&
	    (port == 0 ? sa->sin6_port != 0 : sa->sin6_port == want.sin6_port));
}

static const char *
name6(const struct sockaddr_in6 *sa)
{
	static char buf[INET6_ADDRSTRLEN + 16];
	char a[INET6_ADDRSTRLEN];

	if (inet_ntop(AF_INET6, &sa->sin6_addr, a, sizeof(a)) == NULL)
		strcpy(a, "?");
	snprintf(buf, sizeof(buf), "fam %d [%s]:%u", sa->sin6_family, a,
	    ntohs(sa->sin6_port));
	return (buf);
}

static int
int_opt(int fd, int level, int name)
{
	socklen_t len = sizeof(int);
	int v = -99;

	if (getsockopt(fd, level, name, &v, &len) != 0)
		return (-100 - errno);
	return (v);
}

/* Names of fd as an AF_INET6 socket carrying IPv4 local:lport to
 * remote:rport (0: any port). */
static void
check_names(int fd, const char *what, struct in_addr local, uint16_t lport,
    struct in_addr remote, uint16_t rport)
{
	struct sockaddr_in6 sa;
	socklen_t len;
	unsigned char small[8];

	memset(&sa, 0xa5, sizeof(sa));
	len = sizeof(sa);
	CHECK(getsockname(fd, (struct sockaddr *)&sa, &len) == 0 &&
	    is_mapped(&sa, len, local, lport), "%s: getsockname v4-mapped "
	    "(%s, len %u)", what, name6(&sa), len);
	memset(&sa, 0xa5, sizeof(sa));
	len = sizeof(sa);
	CHECK(getpeername(fd, (struct sockaddr *)&sa, &len) == 0 &&
	    is_mapped(&sa, len, remote, rport), "%s: getpeername v4-mapped "
	    "(%s, len %u)", what, name6(&sa), len);
	/* a short buffer: what fits, the full length */
	memset(small, 0xa5, sizeof(small));
	len = 4;
	CHECK(getsockname(fd, (struct sockaddr *)small, &len) == 0 &&
	    len == sizeof(struct sockaddr_in6) && small[4] == 0xa5 &&
	    (small[0] | small[1] << 8) == AF_INET6,
	    "%s: getsockname into 4 bytes: family, length %u", what, len);
	CHECK(int_opt(fd, SOL_SOCKET, SO_DOMAIN) == AF_INET6,
	    "%s: SO_DOMAIN is AF_INET6", what);
	CHECK(int_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY) == 0,
	    "%s: IPV6_V6ONLY reads 0", what);
}

/* Is TCP port listening on the kernel here (/proc/net/tcp6 or tcp)? */
static int
kernel_listens(uint16_t port)
{
	const char *files[] = { "/proc/net/tcp6", "/proc/net/tcp" };
	char line[512], want[16];
	unsigned i;
	FILE *f;
	int found = 0;

	snprintf(want, sizeof(want), ":%04X ", port);
	for (i = 0; i < 2 && !found; i++) {
		if ((f = fopen(files[i], "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL)
			/* local address, remote address, st 0A (LISTEN) */
			if (strstr(line, want) != NULL &&
			    strstr(line, " 0A ") != NULL)
				found = 1;
		fclose(f);
	}
	return (found);
}

/* sendto(MSG_FASTOPEN) a request to sa on a new AF_INET6 socket; the
 * first bytes of the answer must be an HTTP status line. */
static void
fastopen_get(const struct sockaddr_in6 *sa, const char *what)
{
	const char req[] = "GET / HTTP/1.0\r\n\r\n";
	char buf[16];
	ssize_t n;
	int fd;

	fd = sock6();
	n = sendto(fd, req, sizeof(req) - 1, MSG_FASTOPEN,
	    (const struct sockaddr *)sa, sizeof(*sa));
	CHECK(n == (ssize_t)sizeof(req) - 1, "%s: sendto MSG_FASTOPEN to %s "
	    "(%zd)", what, name6(sa), n);
	memset(buf, 0, sizeof(buf));
	n = recv(fd, buf, 9, MSG_WAITALL);
	CHECK(n == 9 && strncmp(buf, "HTTP/1.0 ", 9) == 0,
	    "%s: an HTTP answer after MSG_FASTOPEN", what);
	close(fd);
}

/* The MSG_ZEROCOPY completion of an AF_INET6 socket: SOL_IPV6 /
 * IPV6_RECVERR with an empty sockaddr_in6 offender, no source name. */
static void
zerocopy_check(int fd)
{
	union {
		struct cmsghdr	h;
		char		b[256];
	} cm;
	struct sock_extended_err ee;
	struct sockaddr_in6 name;
	struct msghdr mh;
	struct pollfd pfd;
	struct cmsghdr *c;
	ssize_t r = -1;
	int i;

	for (i = 0; i < 200 && r < 0; i++) {
		memset(&mh, 0, sizeof(mh));
		memset(&name, 0xa5, sizeof(name));
		mh.msg_name = &name;
		mh.msg_namelen = sizeof(name);
		mh.msg_control = cm.b;
		mh.msg_controllen = sizeof(cm.b);
		if ((r = recvmsg(fd, &mh, MSG_ERRQUEUE)) < 0) {
			pfd.fd = fd;
			pfd.events = 0;
			(void)poll(&pfd, 1, 10);
		}
	}
	c = r == 0 ? CMSG_FIRSTHDR(&mh) : NULL;
	CHECK(c != NULL && c->cmsg_level == SOL_IPV6 &&
	    c->cmsg_type == IPV6_RECVERR && c->cmsg_len == CMSG_LEN(sizeof(ee) +
	    sizeof(struct sockaddr_in6)) && mh.msg_namelen == 0,
	    "client: MSG_ZEROCOPY completion is SOL_IPV6/IPV6_RECVERR, 44 "
	    "bytes, no name (level %d type %d len %zu, namelen %u)",
	    c != NULL ? c->cmsg_level : -1, c != NULL ? c->cmsg_type : -1,
	    c != NULL ? (size_t)c->cmsg_len : 0, mh.msg_namelen);
	if (c != NULL)
		memcpy(&ee, CMSG_DATA(c), sizeof(ee));
	CHECK(c != NULL && ee.ee_origin == SO_EE_ORIGIN_ZEROCOPY &&
	    ee.ee_info == 0 && ee.ee_data == 0,
	    "client: the completion is of send 0");
}

static int
do_client(uint16_t port)
{
	struct sockaddr_in6 sa = mapped(peer_a, port);
	const char req[] = "GET / HTTP/1.0\r\n\r\n";
	char buf[64];
	socklen_t len;
	ssize_t n;
	int fd, v;

	fd = sock6();
	CHECK(int_opt(fd, SOL_SOCKET, SO_DOMAIN) == AF_INET6,
	    "client: SO_DOMAIN before connect");
	v = 0x20;
	CHECK(setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof(v)) == 0 &&
	    int_opt(fd, IPPROTO_IPV6, IPV6_TCLASS) == 0x20,
	    "client: IPV6_TCLASS 0x20 kept");
	v = 0;
	CHECK(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)) == 0,
	    "client: IPV6_V6ONLY 0 before connect");
	CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0,
	    "client: connect to ::ffff:%s:%u", inet_ntoa(peer_a), port);
	check_names(fd, "client", shim_a, 0, peer_a, port);
	v = 1;
	errno = 0;
	CHECK(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)) == -1 &&
	    errno == EINVAL, "client: IPV6_V6ONLY after connect: EINVAL");
	CHECK(int_opt(fd, IPPROTO_IPV6, IPV6_TCLASS) == 0x20,
	    "client: IPV6_TCLASS still 0x20");
	v = 1;
	CHECK(setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &v, sizeof(v)) == 0,
	    "client: SO_ZEROCOPY");
	CHECK(send(fd, req, sizeof(req) - 1, MSG_ZEROCOPY) ==
	    (ssize_t)sizeof(req) - 1, "client: send the request");
	memset(buf, 0, sizeof(buf));
	len = sizeof(sa);
	n = recvfrom(fd, buf, 9, MSG_WAITALL, (struct sockaddr *)&sa, &len);
	CHECK(n == 9 && strncmp(buf, "HTTP/1.0 ", 9) == 0 && len == 0,
	    "client: an HTTP answer, recvfrom names no source (got %zd, "
	    "len %u)", n, len);
	zerocopy_check(fd);
	close(fd);
	sa = mapped(peer_a, port);
	fastopen_get(&sa, "client");
	return (0);
}

static int
do_server(uint16_t port, const char *ready)
{
	struct sockaddr_in6 sa, any;
	socklen_t len;
	char buf[16];
	FILE *f;
	int fd, cfd, one = 1;

	fd = sock6();
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&any, 0, sizeof(any));
	any.sin6_family = AF_INET6;
	any.sin6_port = htons(port);
	CHECK(bind(fd, (struct sockaddr *)&any, sizeof(any)) == 0,
	    "server: bind [::]:%u", port);
	CHECK(listen(fd, 8) == 0, "server: listen");
	memset(&sa, 0xa5, sizeof(sa));
	len = sizeof(sa);
	CHECK(getsockname(fd, (struct sockaddr *)&sa, &len) == 0 &&
	    len == sizeof(sa) && sa.sin6_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&sa.sin6_addr) &&
	    sa.sin6_port == htons(port) && sa.sin6_scope_id == 0,
	    "server: listener's getsockname is [::]:%u (%s)", port,
	    name6(&sa));
	CHECK(int_opt(fd, SOL_SOCKET, SO_DOMAIN) == AF_INET6,
	    "server: listener's SO_DOMAIN");
	if (!kernel_mode)
		CHECK(!kernel_listens(port), "server: the kernel does not "
		    "listen on %u (the stack does)", port);
	if ((f = fopen(ready, "w")) != NULL)
		fclose(f);
	memset(&sa, 0xa5, sizeof(sa));
	len = sizeof(sa);
	cfd = accept(fd, (struct sockaddr *)&sa, &len);
	CHECK(cfd >= 0, "server: accept");
	if (cfd < 0)
		return (1);
	CHECK(is_mapped(&sa, len, peer_a, 0), "server: accept names the peer "
	    "v4-mapped (%s, len %u)", name6(&sa), len);
	check_names(cfd, "accepted", shim_a, port, peer_a,
	    ntohs(sa.sin6_port));
	CHECK(send(cfd, "dualstack-ok\n", 13, 0) == 13, "server: send");
	shutdown(cfd, SHUT_WR);
	CHECK(recv(cfd, buf, sizeof(buf), 0) == 0, "server: the client's EOF");
	close(cfd);
	close(fd);
	return (0);
}

static int
do_errno(void)
{
	struct sockaddr_in6 sa;
	struct sockaddr_in sin;
	struct in_addr other;
	socklen_t len;
	unsigned char two[2] = { 1, 0 };
	int fd, v;

	/* a sockaddr_in on an AF_INET6 socket: too short, EINVAL */
	fd = sock6();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = shim_a;
	errno = 0;
	CHECK(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno == EINVAL, "bind(sockaddr_in) on AF_INET6: EINVAL");
	errno = 0;
	sin.sin_addr = peer_a;
	sin.sin_port = htons(80);
	CHECK(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno == EINVAL, "connect(sockaddr_in) on AF_INET6: EINVAL");
	/* the length of a sockaddr_in6, the family AF_INET: EAFNOSUPPORT */
	sa = mapped(shim_a, 0);
	sa.sin6_family = AF_INET;
	errno = 0;
	CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 &&
	    errno == EAFNOSUPPORT, "bind(family AF_INET, 28 bytes): "
	    "EAFNOSUPPORT");
	sa = mapped(peer_a, 80);
	sa.sin6_family = AF_INET;
	errno = 0;
	CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 &&
	    errno == EAFNOSUPPORT, "connect(family AF_INET, 28 bytes): "
	    "EAFNOSUPPORT");
	sa = mapped(peer_a, 80);
	errno = 0;
	CHECK(connect(fd, (struct sockaddr *)&sa, 23) == -1 &&
	    errno == EINVAL, "connect with 23 bytes: EINVAL");
	/* an address not ours */
	other.s_addr = htonl(ntohl(shim_a.s_addr) ^ 0x4c);
	sa = mapped(other, 0);
	errno = 0;
	CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 &&
	    errno == EADDRNOTAVAIL, "bind ::ffff:%s: EADDRNOTAVAIL",
	    inet_ntoa(other));
	/* options: short, unknown, out of range */
	errno = 0;
	CHECK(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, two, 2) == -1 &&
	    errno == EINVAL, "IPV6_V6ONLY with 2 bytes: EINVAL");
	errno = 0;
	CHECK(setsockopt(fd, IPPROTO_IPV6, 9999, &v, sizeof(v)) == -1 &&
	    errno == ENOPROTOOPT, "IPPROTO_IPV6 option 9999: ENOPROTOOPT");
	len = sizeof(v);
	errno = 0;
	CHECK(getsockopt(fd, IPPROTO_IPV6, 9999, &v, &len) == -1 &&
	    errno == ENOPROTOOPT, "get IPPROTO_IPV6 option 9999: ENOPROTOOPT");
	v = 256;
	errno = 0;
	CHECK(setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof(v)) == -1 &&
	    errno == EINVAL, "IPV6_TCLASS 256: EINVAL");
	v = -1;
	CHECK(setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof(v)) == 0 &&
	    int_opt(fd, IPPROTO_IPV6, IPV6_TCLASS) == 0,
	    "IPV6_TCLASS -1: the default, 0");
	/* a sockaddr_in6 without sin6_scope_id (24 bytes) binds */
	sa = mapped(shim_a, 0);
	CHECK(bind(fd, (struct sockaddr *)&sa, 24) == 0,
	    "bind ::ffff:%s with 24 bytes", inet_ntoa(shim_a));
	memset(&sa, 0, sizeof(sa));
	len = sizeof(sa);
	CHECK(getsockname(fd, (struct sockaddr *)&sa, &len) == 0 &&
	    is_mapped(&sa, len, shim_a, 0), "bound: getsockname %s",
	    name6(&sa));
	v = 1;
	errno = 0;
	CHECK(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)) == -1 &&
	    errno == EINVAL, "IPV6_V6ONLY after bind: EINVAL");
	/* bound to a v4-mapped address, an IPv6 peer with no route (the
	 * test namespace has none to 2001:db8::/32): ENETUNREACH */
	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	sa.sin6_port = htons(80);
	(void)inet_pton(AF_INET6, "2001:db8::1", &sa.sin6_addr);
	errno = 0;
	CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 &&
	    errno == ENETUNREACH, "bound v4-mapped: connect [2001:db8::1]: "
	    "ENETUNREACH");
	close(fd);

	/* ::ffff:0.0.0.0 names itself so */
	fd = sock6();
	sa = mapped(other, 0);
	sa.sin6_addr.s6_addr32[3] = 0;
	CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0,
	    "bind ::ffff:0.0.0.0");
	memset(&sa, 0, sizeof(sa));
	len = sizeof(sa);
	other.s_addr = 0;
	CHECK(getsockname(fd, (struct sockaddr *)&sa, &len) == 0 &&
	    is_mapped(&sa, len, other, 0), "bound ::ffff:0.0.0.0: "
	    "getsockname %s", name6(&sa));
	close(fd);

	/* IPV6_V6ONLY refuses IPv4 */
	fd = sock6();
	v = 1;
	CHECK(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)) == 0 &&
	    int_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY) == 1, "IPV6_V6ONLY 1");
	sa = mapped(shim_a, 0);
	errno = 0;
	CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 &&
	    errno == EINVAL, "V6ONLY: bind ::ffff:%s: EINVAL",
	    inet_ntoa(shim_a));
	sa = mapped(peer_a, 80);
	errno = 0;
	CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 &&
	    errno == ENETUNREACH, "V6ONLY: connect ::ffff:%s: ENETUNREACH",
	    inet_ntoa(peer_a));
	close(fd);

	/* an unbound AF_INET6 socket is named "::" port 0 */
	fd = sock6();
	memset(&sa, 0xa5, sizeof(sa));
	len = sizeof(sa);
	CHECK(getsockname(fd, (struct sockaddr *)&sa, &len) == 0 &&
	    len == sizeof(sa) && sa.sin6_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&sa.sin6_addr) && sa.sin6_port == 0,
	    "unbound: getsockname [::]:0 (%s)", name6(&sa));
	errno = 0;
	CHECK(getpeername(fd, (struct sockaddr *)&sa, &len) == -1 &&
	    errno == ENOTCONN, "unbound: getpeername ENOTCONN");
	close(fd);
	return (0);
}

static int
do_v6(const char *peer6, uint16_t port6, uint16_t lport)
{
	struct sockaddr_in6 sa, me;
	socklen_t len;
	int fd, v, i;

	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	sa.sin6_port = htons(port6);
	if (inet_pton(AF_INET6, peer6, &sa.sin6_addr) != 1)
		return (2);
	/* IPV6_V6ONLY, and without it: a real IPv6 peer, through the kernel */
	for (i = 0; i < 2; i++) {
		fd = sock6();
		v = i == 0;
		CHECK(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v,
		    sizeof(v)) == 0, "v6: IPV6_V6ONLY %d", v);
		CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0,
		    "v6: V6ONLY %d: connect to [%s]:%u", v, peer6, port6);
		memset(&me, 0, sizeof(me));
		len = sizeof(me);
		CHECK(getsockname(fd, (struct sockaddr *)&me, &len) == 0 &&
		    me.sin6_family == AF_INET6 &&
		    !IN6_IS_ADDR_V4MAPPED(&me.sin6_addr) &&
		    !IN6_IS_ADDR_UNSPECIFIED(&me.sin6_addr),
		    "v6: V6ONLY %d: a real IPv6 name (%s)", v, name6(&me));
		CHECK(int_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY) == v,
		    "v6: V6ONLY %d reads back", v);
		close(fd);
	}
	/* bound to ::ffff:0.0.0.0, a routed IPv6 peer: EAFNOSUPPORT */
	fd = sock6();
	memset(&me, 0, sizeof(me));
	me.sin6_family = AF_INET6;
	me.sin6_addr.s6_addr[10] = me.sin6_addr.s6_addr[11] = 0xff;
	CHECK(bind(fd, (struct sockaddr *)&me, sizeof(me)) == 0,
	    "v6: bind ::ffff:0.0.0.0");
	errno = 0;
	CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 &&
	    errno == EAFNOSUPPORT, "v6: bound ::ffff:0.0.0.0: connect "
	    "[%s]: EAFNOSUPPORT", peer6);
	close(fd);
	/* MSG_FASTOPEN to a real IPv6 peer: the kernel connects */
	fastopen_get(&sa, "v6");
	/* an IPV6_V6ONLY listener is the kernel's */
	fd = sock6();
	v = 1;
	(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v));
	memset(&me, 0, sizeof(me));
	me.sin6_family = AF_INET6;
	me.sin6_port = htons(lport);
	CHECK(bind(fd, (struct sockaddr *)&me, sizeof(me)) == 0 &&
	    listen(fd, 4) == 0, "v6: V6ONLY listener on [::]:%u", lport);
	CHECK(kernel_listens(lport), "v6: the kernel lists it");
	close(fd);
	/* listen without bind, V6ONLY: the kernel's too */
	fd = sock6();
	(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v));
	CHECK(listen(fd, 4) == 0, "v6: V6ONLY listen without bind");
	memset(&me, 0, sizeof(me));
	len = sizeof(me);
	CHECK(getsockname(fd, (struct sockaddr *)&me, &len) == 0 &&
	    kernel_listens(ntohs(me.sin6_port)),
	    "v6: the kernel lists it (port %u)", ntohs(me.sin6_port));
	close(fd);
	return (0);
}

int
main(int argc, char **argv)
{
	const char *k = getenv("DUALSTACK_KERNEL");

	kernel_mode = k != NULL && strcmp(k, "1") == 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && strcmp(argv[1], "client") == 0 &&
	    inet_aton(argv[2], &shim_a) && inet_aton(argv[3], &peer_a))
		(void)do_client((uint16_t)atoi(argv[4]));
	else if (argc == 5 && strcmp(argv[1], "server") == 0 &&
	    inet_aton(argv[2], &shim_a) && inet_aton(argv[3], &peer_a))
		(void)do_server((uint16_t)atoi(argv[4]), getenv("READY"));
	else if (argc == 4 && strcmp(argv[1], "errno") == 0 &&
	    inet_aton(argv[2], &shim_a) && inet_aton(argv[3], &peer_a))
		(void)do_errno();
	else if (argc == 5 && strcmp(argv[1], "v6") == 0) {
		if (do_v6(argv[2], (uint16_t)atoi(argv[3]),
		    (uint16_t)atoi(argv[4])) == 2)
			return (2);
	} else {
		fprintf(stderr, "usage: dualstack_test client SHIM PEER PORT |"
		    " server SHIM PEER PORT | errno SHIM PEER |"
		    " v6 PEER6 PORT6 LPORT\n");
		return (2);
	}
	printf("%d checks, %d failed\n", ntest, nfail);
	return (nfail == 0 ? 0 : 1);
}

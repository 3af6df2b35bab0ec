/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sock.c - socket, bind, listen, accept, connect, shutdown, close and the
 * calls that copy or drop fds (dup*, fcntl F_DUPFD*, close_range, fclose).
 *
 * Each hook: shim_init(); classify the fd; host -> real_*; ours -> one
 * engine call (or a short wait loop around it) and shim_errno().
 */
#include "prelude.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "inet6.h"
#include "shim.h"

#define SHIM_SOMAXCONN	4096		/* Linux net.core.somaxconn */
/* the namespace's first unprivileged port (Linux default 1024) */
#define SHIM_PORTSTART_FILE "/proc/sys/net/ipv4/ip_unprivileged_port_start"
#define SHIM_PORTSTART	1024
#define SHIM_KLISTEN_US	20000		/* XTCP_LISTEN_KERNEL accept poll */
/* IPV6_V6ONLY's default in the process's network namespace */
#define SHIM_BINDV6ONLY_FILE "/proc/sys/net/ipv6/bindv6only"

static int	dead_fd(void);
static int	sock_accept(struct shim_sock *, struct sockaddr *, socklen_t *,
		    int);
static int	sock_dup(int, int, int, int);
static int	sock_fcntl(int, int, void *, int (*)(int, int, ...));
static int	is_loopback(uint32_t);
static int	is_subnet_bcast(uint32_t);
static int	bind_port_allowed(uint16_t);
static int	own_set(struct shim_sock *, int, pid_t);
static int	own_fcntl(struct shim_sock *, int, void *);
static void	klisten_open(struct shim_sock *, int);
static int	klisten_accept(struct shim_sock *, struct sockaddr *,
		    socklen_t *, int);

static int	v6only_default(void);
static void	timeo_replay(int ks, int name, uint64_t us);
static int	do_close(int fd);
static int	do_close_range(unsigned int lo, unsigned int hi, int flags);

/* An fd inherited across fork from a stack socket. */
static int
dead_fd(void)
{
	return (shim_fail_errno(ENOTCONN));
}

/* Destinations the kernel serves: 127/8, and 0.0.0.0 which Linux
 * connects to the local host. */
static int
is_loopback(uint32_t a)
{
	return ((a >> 24) == 127 || a == INADDR_ANY);
}

/* The directed broadcast address of our own prefix (Linux routes it
 * RTN_BROADCAST, and tcp_v4_connect refuses it with ENETUNREACH). */
static int
is_subnet_bcast(uint32_t a)
{
	uint32_t mask;

	if (shim.conf.prefixlen == 0 || shim.conf.prefixlen >= 31)
		return (0);
	mask = 0xffffffffu << (32 - shim.conf.prefixlen);
	return ((a & mask) == (shim.conf.addr & mask) && (a & ~mask) == ~mask);
}

/*
 * Linux inet_bind: a port below net.ipv4.ip_unprivileged_port_start (of
 * the process's network namespace, read each time as the kernel does)
 * needs CAP_NET_BIND_SERVICE in the effective set; being root is not
 * enough (the seeds' EACCES "reserved port").  0 or EACCES.
 */
static int
bind_port_allowed(uint16_t port)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	char buf[16];
	long start = SHIM_PORTSTART;
	ssize_t n;
	int fd;

	if (port == 0)
		return (0);
	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	hdr.pid = 0;
	if (syscall(SYS_capget, &hdr, data) == 0) {
		if (data[CAP_TO_INDEX(CAP_NET_BIND_SERVICE)].effective &
		    CAP_TO_MASK(CAP_NET_BIND_SERVICE))
			return (0);
	} else if (geteuid() == 0)
		return (0);
	if ((fd = open(SHIM_PORTSTART_FILE, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = real_read(fd, buf, sizeof(buf) - 1);
		(void)syscall(SYS_close, fd);
		if (n > 0) {
			buf[n] = '\0';
			start = strtol(buf, NULL, 10);
		}
	}
	return (port < start ? EACCES : 0);
}

/* ---- socket ---- */

SHIM_EXPORT int
socket(int domain, int type, int protocol)
{
	struct xtcp_sock *xs;
	struct shim_sock *s;
	enum shim_mode mode;
	int r, fd, err;

	shim_init();
	if ((domain != AF_INET && domain != AF_INET6) ||
	    (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) != SOCK_STREAM ||
	    (protocol != 0 && protocol != IPPROTO_TCP))
		return (real_socket(domain, type, protocol));
	shim_lock();
	mode = shim_stream_mode();
	if (mode != SHIM_MODE_STACK) {
		shim_unlock();
		if (mode == SHIM_MODE_KERNEL) {
			if (shim.st == SHIM_ST_FALLBACK ||
			    shim.st == SHIM_ST_FORKED)
				SHIM_REP_INC(kernel[SHIM_HO_FALLBACK]);
			return (real_socket(domain, type, protocol));
		}
		/* config invalid, device unusable or no free address of
		 * the pool: said once on stderr */
		return (shim_fail_errno(shim.fail_err != 0 ? shim.fail_err :
		    EAFNOSUPPORT));
	}
	if ((r = xtcp_socket(shim.eng, &xs)) != XT_OK) {
		shim_unlock();
		return (shim_fail(r));
	}
	if ((s = shim_sock_new(xs)) == NULL) {
		xtcp_close(xs, shim_now_us());
		shim_unlock();
		return (shim_fail_errno(ENOMEM));
	}
	s->nonblock = (type & SOCK_NONBLOCK) != 0;
	if (domain == AF_INET6) {
		s->inet6 = 1;
		s->v6only = v6only_default();
	}
	shim_sock_sync_out(s);
	if ((err = shim_sock_open_fd(s, type & SOCK_CLOEXEC, &fd)) != 0) {
		s->refs = 1;
		shim_sock_unref(s);
		shim_unlock();
		return (shim_fail_errno(err));
	}
	SHIM_REP_INC(served);
	shim_unlock();
	return (fd);
}

/*
 * AF_INET6 stream sockets.  socket(AF_INET6) makes one of ours, as for
 * AF_INET, and the choice between the engine and the kernel waits for
 * the first bind, connect or listen, which names the address (options
 * set before are recorded and replayed, as for loopback): IPv4 through a
 * v4-mapped address, or "::" with IPV6_V6ONLY off, stays ours; real IPv6
 * (::1 too), IPV6_V6ONLY and what the kernel serves for AF_INET (127/8,
 * XTCP_PASSTHROUGH) go to a kernel AF_INET6 socket at the same fd.  The
 * engine is IPv4 only: a listener of ours on "::" takes IPv4 alone.
 */

/* Linux reads net.ipv6.bindv6only (of the socket's namespace) for each
 * new AF_INET6 socket. */
static int
v6only_default(void)
{
	char buf[16];
	ssize_t n;
	int fd;

	if ((fd = open(SHIM_BINDV6ONLY_FILE, O_RDONLY | O_CLOEXEC)) < 0)
		return (0);
	n = real_read(fd, buf, sizeof(buf) - 1);
	(void)syscall(SYS_close, fd);
	if (n <= 0)
		return (0);
	buf[n] = '\0';
	return (shim_in6_v6only_default(buf));
}

/*
 * An IPv6 peer for a socket bound to a v4-mapped address: Linux looks the
 * route up first (ENETUNREACH, ...) and then refuses the mix
 * (ip6_dst_lookup_tail: EAFNOSUPPORT).  A kernel UDP socket's connect
 * does the same lookup.
 */
static int
v6_route_err(const struct sockaddr *sa, socklen_t len)
{
	int u, err = EAFNOSUPPORT;

	if ((u = real_socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return (err);
	if (real_connect(u, sa, len) != 0)
		err = errno;
	(void)syscall(SYS_close, u);
	return (err);
}

int
sock_addr_in(struct shim_sock *s, const struct sockaddr *sa, socklen_t len,
    int op, uint32_t *a, uint16_t *p, int *kernel)
{
	struct shim_in6 in6;
	enum shim_in6_route rt;
	int err;

	*kernel = 0;
	if (!s->inet6) {
		if ((err = shim_sin_in(sa, len, op == SHIM_IN6_BIND, a,
		    p)) != 0)
			return (err);
		if (op == SHIM_IN6_BIND ? (*a >> 24) == 127 : is_loopback(*a))
			*kernel = SHIM_HO_LOOPBACK;
		else if (shim_config_passthrough(&shim.conf, *a))
			*kernel = SHIM_HO_PASSTHROUGH;
		return (0);
	}
	if ((err = shim_in6_parse(sa, len, &in6)) != 0)
		return (err);
	err = shim_in6_route(&shim.conf, op, s->v6only, s->mapped, &in6, &rt);
	if (err == EAFNOSUPPORT && s->mapped)
		return (v6_route_err(sa, len));
	if (err != 0)
		return (err);
	if (rt != SHIM_IN6_KERNEL)
		*kernel = SHIM_HO_NONE;
	else if (in6.kind == SHIM_IN6_MAPPED && is_loopback(in6.addr))
		*kernel = SHIM_HO_LOOPBACK;
	else if (in6.kind == SHIM_IN6_MAPPED)
		*kernel = SHIM_HO_PASSTHROUGH;
	else
		*kernel = SHIM_HO_INET6;
	*a = in6.kind == SHIM_IN6_MAPPED ? in6.addr : INADDR_ANY;
	*p = in6.port;
	return (0);
}

/* ---- handover to the kernel ---- */

void
sock_record_opt(struct shim_sock *s, int level, int name, const void *val,
    socklen_t len)
{
	struct shim_opt *o;
	unsigned i, ncap;

	if (len > sizeof(o->val))
		return;
	for (i = 0; i < s->nopt; i++)
		if (s->opt[i].level == level && s->opt[i].name == name)
			break;
	/* the record takes memory only as options come (most sockets set
	 * none or a few): room for SHIM_NOPT_MIN, doubled up to SHIM_NOPT */
	if (i == s->optcap) {
		ncap = s->optcap == 0 ? SHIM_NOPT_MIN : 2 * s->optcap;
		if (ncap > SHIM_NOPT)
			ncap = SHIM_NOPT;
		if (ncap == s->optcap || (o = realloc(s->opt,
		    ncap * sizeof(*o))) == NULL) {
			shim_log(XTCP_LOG_DEBUG, "option %d/%d not recorded "
			    "for handover: table full", level, name);
			return;
		}
		s->opt = o;
		s->optcap = ncap;
	}
	o = &s->opt[i];
	o->level = level;
	o->name = name;
	o->len = len;
	memcpy(o->val, val, len);
	if (i == s->nopt)
		s->nopt++;
}

static void
timeo_replay(int ks, int name, uint64_t us)
{
	struct timeval tv;

	if (us == 0)
		return;
	tv.tv_sec = us / 1000000;
	tv.tv_usec = us % 1000000;
	(void)real_setsockopt(ks, SOL_SOCKET, name, &tv, sizeof(tv));
}

/*
 * s is about to talk to a destination the stack does not serve: put a
 * kernel TCP socket, carrying what the program set, at each of its fd
 * numbers (dup3 keeps each fd's FD_CLOEXEC), and drop ours.  Lock held;
 * s stays referenced by the caller.  0 or errno.
 */
int
sock_handover(int fd, struct shim_sock *s, enum shim_handover why)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	uint32_t a;
	uint16_t p;
	uintptr_t v = FDM_HOST;
	int ks, fdx, cloexec, err, r;
	unsigned i;

	if (xtcp_is_listening(s->xs) || xtcp_getpeername(s->xs, &a, &p) ==
	    XT_OK)
		return (EISCONN);
	ks = real_socket(s->inet6 ? AF_INET6 : AF_INET, SOCK_STREAM |
	    (s->nonblock ? SOCK_NONBLOCK : 0), IPPROTO_TCP);
	if (ks < 0)
		return (errno);
	for (i = 0; i < s->nopt; i++)
		if (real_setsockopt(ks, s->opt[i].level, s->opt[i].name,
		    s->opt[i].val, s->opt[i].len) != 0)
			shim_log(XTCP_LOG_DEBUG, "handover: option %d/%d: %s",
			    s->opt[i].level, s->opt[i].name, strerror(errno));
	timeo_replay(ks, SO_RCVTIMEO, s->rcvtimeo_us);
	timeo_replay(ks, SO_SNDTIMEO, s->sndtimeo_us);
	if (s->own_pid != 0) {
		struct f_owner_ex ox;

		ox.type = s->own_type;
		ox.pid = s->own_pid;
		(void)real_fcntl(ks, F_SETOWN_EX, &ox);
	}
	if (s->bound && s->bind_port != 0) {
		if (s->inet6) {
			memset(&sin6, 0, sizeof(sin6));
			sin6.sin6_family = AF_INET6;
			sin6.sin6_port = htons(s->bind_port);
			r = real_bind(ks, (struct sockaddr *)&sin6,
			    sizeof(sin6));
		} else {
			memset(&sin, 0, sizeof(sin));
			sin.sin_family = AF_INET;
			sin.sin_port = htons(s->bind_port);
			r = real_bind(ks, (struct sockaddr *)&sin,
			    sizeof(sin));
		}
		if (r != 0) {
			err = errno;
			(void)syscall(SYS_close, ks);
			return (err);
		}
	}
	for (fdx = fd; fdx >= 0 && s->nfds > 0; fdx = fdmap_next(fdx + 1,
	    &v)) {
		if (fdx != fd && v != (uintptr_t)s)
			continue;
		cloexec = syscall(SYS_fcntl, fdx, F_GETFD) > 0;
		if (syscall(SYS_dup3, ks, fdx, cloexec ? O_CLOEXEC : 0) < 0) {
			err = errno;
			(void)syscall(SYS_close, ks);
			return (err);
		}
		fdmap_clear(fdx);
		if (s->epregs != NULL)	/* its epoll sets, now the kernel's */
			shim_ep_handover(s, fdx);
		shim_sock_fd_gone(s, fdx);
		if (fdx == fd)
			fdx = -1;	/* now scan for dups from 0 */
	}
	(void)syscall(SYS_close, ks);
	/* the exit report: the kernel's now, not the stack's */
	__atomic_sub_fetch(&shim_rep.served, 1, __ATOMIC_RELAXED);
	SHIM_REP_INC(kernel[why < SHIM_HO_N ? why : SHIM_HO_OPTION]);
	return (0);
}

/* ---- bind, listen, connect, shutdown ---- */

SHIM_EXPORT int
bind(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	struct shim_in6 in6;
	struct shim_sock *s;
	enum shim_fd_kind k;
	uint32_t a;
	uint16_t p;
	int r, err, kernel;

	shim_init();
	if ((k = shim_fd_get(fd, &s)) != SHIM_FD_OURS)
		return (k == SHIM_FD_DEAD ? dead_fd() :
		    real_bind(fd, addr, len));
	if ((err = sock_addr_in(s, SA_PTR(addr), len, SHIM_IN6_BIND, &a,
	    &p, &kernel)) != 0) {
		shim_sock_put(s);
		return (shim_fail_errno(err));
	}
	if (kernel) {
		err = sock_handover(fd, s, (enum shim_handover)kernel);
		shim_sock_put(s);
		return (err != 0 ? shim_fail_errno(err) :
		    real_bind(fd, addr, len));
	}
	/* in Linux inet_bind's order: an address not ours, then the
	 * reserved port, then (engine) a second bind and a port in use */
	if (a != INADDR_ANY && a != shim.conf.addr)
		err = EADDRNOTAVAIL;
	else
		err = bind_port_allowed(p);
	if (err != 0) {
		shim_sock_put(s);
		return (shim_fail_errno(err));
	}
	if ((r = xtcp_bind(s->xs, a, p)) == XT_OK) {
		s->bound = 1;
		s->bind_port = p;
		/* bound to a v4-mapped address, it stays IPv4 (sock_addr_in
		 * parsed it already) */
		if (s->inet6 && shim_in6_parse(SA_PTR(addr), len, &in6) == 0 &&
		    in6.kind == SHIM_IN6_MAPPED)
			s->mapped = a == INADDR_ANY ? 2 : 1;
		if (p == 0)
			shim_ports_note();
	}
	shim_sock_put(s);
	return (r == XT_OK ? 0 : shim_fail(r));
}

SHIM_EXPORT int
listen(int fd, int backlog)
{
	struct shim_sock *s;
	enum shim_fd_kind k;
	enum shim_in6_route rt;
	int r, err;

	shim_init();
	if ((k = shim_fd_get(fd, &s)) != SHIM_FD_OURS)
		return (k == SHIM_FD_DEAD ? dead_fd() :
		    real_listen(fd, backlog));
	/* an AF_INET6 socket never bound: "::", ours unless IPV6_V6ONLY */
	if (s->inet6 && !s->bound && !xtcp_is_listening(s->xs) &&
	    shim_in6_route(&shim.conf, SHIM_IN6_LISTEN, s->v6only, 0, NULL,
	    &rt) == 0 && rt == SHIM_IN6_KERNEL) {
		err = sock_handover(fd, s, SHIM_HO_INET6);
		shim_sock_put(s);
		return (err != 0 ? shim_fail_errno(err) :
		    real_listen(fd, backlog));
	}
	/* Linux clamps (unsigned)backlog to somaxconn */
	if ((unsigned)backlog > SHIM_SOMAXCONN)
		backlog = SHIM_SOMAXCONN;
	r = xtcp_listen(s->xs, backlog);
	if (r == XT_OK)
		klisten_open(s, backlog);
	shim_sock_put(s);
	return (r == XT_OK ? 0 : shim_fail(r));
}

/*
 * XTCP_LISTEN_KERNEL=1: a listener on INADDR_ANY (the stack's address)
 * also gets a kernel listener on 127.0.0.1 at the same port, for clients
 * on this host, which reach it through the kernel's loopback and never
 * the stack.  The kernel socket is internal, non-blocking and
 * close-on-exec; accept() takes connections from both and returns the
 * kernel's as ordinary kernel sockets.  It closes with the last fd of
 * the listener.  Lock held.  Failure is said at level warn and leaves
 * the stack's listener alone.
 */
static void
klisten_open(struct shim_sock *s, int backlog)
{
	struct sockaddr_storage ss;
	socklen_t len;
	uint32_t a;
	uint16_t p;
	int ks, one = 1;

	if (!shim.conf.listen_kernel || s->klisten != 0 ||
	    xtcp_getsockname(s->xs, &a, &p) != XT_OK || a != INADDR_ANY)
		return;
	ks = real_socket(s->inet6 ? AF_INET6 : AF_INET, SOCK_STREAM |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (ks < 0) {
		shim_log(XTCP_LOG_WARN, "XTCP_LISTEN_KERNEL: socket: %s",
		    strerror(errno));
		return;
	}
	/* an AF_INET6 listener's is on ::ffff:127.0.0.1, so that what it
	 * accepts is AF_INET6 with v4-mapped names too */
	len = sizeof(ss);
	if (s->inet6)
		(void)shim_in6_out((struct sockaddr *)&ss, &len,
		    INADDR_LOOPBACK, p, 0);
	else
		(void)shim_sin_out((struct sockaddr *)&ss, &len,
		    INADDR_LOOPBACK, p);
	(void)real_setsockopt(ks, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (real_bind(ks, (struct sockaddr *)&ss, len) != 0 ||
	    real_listen(ks, backlog) != 0 || fdmap_set(ks, FDM_INTERNAL) != 0) {
		shim_log(XTCP_LOG_WARN, "XTCP_LISTEN_KERNEL: cannot listen on "
		    "127.0.0.1:%u: %s", p, strerror(errno));
		(void)syscall(SYS_close, ks);
		return;
	}
	s->klisten = ks + 1;
}

/* A connection from the kernel listener: its fd, or -1. */
static int
klisten_accept(struct shim_sock *s, struct sockaddr *sa, socklen_t *lenp,
    int flags)
{
	return (syscall(SYS_accept4, s->klisten - 1, sa, lenp, flags));
}

SHIM_EXPORT int
connect(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	struct shim_sock *s;
	enum shim_fd_kind k;
	uint64_t deadline = 0;
	uint32_t a, ba;
	uint16_t p, bp;
	int r, err, kernel;

	shim_init();
	if ((k = shim_fd_get(fd, &s)) != SHIM_FD_OURS)
		return (k == SHIM_FD_DEAD ? dead_fd() :
		    real_connect(fd, addr, len));
	if ((err = sock_addr_in(s, SA_PTR(addr), len, SHIM_IN6_CONNECT, &a,
	    &p, &kernel)) != 0) {
		shim_sock_put(s);
		return (shim_fail_errno(err));
	}
	if (kernel) {
		err = sock_handover(fd, s, (enum shim_handover)kernel);
		shim_sock_put(s);
		return (err != 0 ? shim_fail_errno(err) :
		    real_connect(fd, addr, len));
	}
	/* the engine refuses multicast and 255.255.255.255; the directed
	 * broadcast of our prefix only the shim knows (Linux: ENETUNREACH,
	 * after the EISCONN/EALREADY checks) */
	if (is_subnet_bcast(a) && !xtcp_is_listening(s->xs) &&
	    xtcp_getpeername(s->xs, &ba, &bp) != XT_OK) {
		shim_sock_put(s);
		return (shim_fail_errno(ENETUNREACH));
	}
	r = xtcp_connect(s->xs, shim_now_us(), a, p);
	shim_ports_note();
	/*
	 * Blocking: wait for the handshake to end (writable, or an error),
	 * then ask again for the outcome.  As Linux, a connect interrupted
	 * by a signal fails with EINTR and goes on in the background, and
	 * an SO_SNDTIMEO expiry gives EINPROGRESS.
	 */
	while ((r == XT_EINPROGRESS || r == XT_EALREADY) && !s->nonblock) {
		if (deadline == 0)
			deadline = shim_deadline(s->sndtimeo_us);
		if ((xtcp_poll(s->xs) & (XTCP_POLLOUT | XTCP_POLLERR |
		    XTCP_POLLHUP)) != 0) {
			r = xtcp_connect(s->xs, shim_now_us(), a, p);
			if (r != XT_EALREADY)
				break;
		}
		if ((err = shim_wait(s, deadline)) != 0) {
			shim_sock_put(s);
			return (shim_fail_errno(err == EAGAIN ? EINPROGRESS :
			    err));
		}
	}
	shim_sock_put(s);
	return (r == XT_OK ? 0 : shim_fail(r));
}

SHIM_EXPORT int
shutdown(int fd, int how)
{
	struct shim_sock *s;
	enum shim_fd_kind k;
	int r;

	shim_init();
	if ((k = shim_fd_get(fd, &s)) != SHIM_FD_OURS)
		return (k == SHIM_FD_DEAD ? dead_fd() : real_shutdown(fd, how));
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR) {
		shim_sock_put(s);
		return (shim_fail_errno(EINVAL));
	}
	r = xtcp_shutdown(s->xs, shim_now_us(), how);
	shim_sock_put(s);
	return (r == XT_OK ? 0 : shim_fail(r));
}

/* ---- accept ---- */

/*
 * A Linux child socket is a copy of its listener (sk_clone_lock): the
 * options the shim keeps go across (the timeouts, SO_RCVLOWAT,
 * SO_BINDTODEVICE, SO_DONTROUTE, SO_BROADCAST; and the records of what
 * the engine took, whose own copy is xt_tcp_inherit), but SO_PRIORITY,
 * which Linux 6.x leaves at 0, and the fd's flags.
 */
static void
sock_inherit(const struct shim_sock *ls, struct shim_sock *ns)
{
	unsigned i;

	ns->rcvtimeo_us = ls->rcvtimeo_us;
	ns->sndtimeo_us = ls->sndtimeo_us;
	ns->rcvlowat = ls->rcvlowat;
	ns->v6only = ls->v6only;
	for (i = 0; i < ls->nopt; i++)
		if (ls->opt[i].level != SOL_SOCKET ||
		    ls->opt[i].name != SO_PRIORITY)
			sock_record_opt(ns, ls->opt[i].level, ls->opt[i].name,
			    ls->opt[i].val, ls->opt[i].len);
}

/* accept on our listening socket s (referenced, lock held). */
static int
sock_accept(struct shim_sock *s, struct sockaddr *sa, socklen_t *lenp,
    int flags)
{
	struct xtcp_sock *nxs;
	struct shim_sock *ns;
	uint64_t deadline = 0;
	uint32_t a;
	uint16_t p;
	int r = XT_OK, err, nfd;

	if ((flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) != 0)
		err = EINVAL;
	else
		err = shim_sin_check_out(sa, lenp);
	while (err == 0) {
		if (s->klisten != 0 &&
		    (nfd = klisten_accept(s, sa, lenp, flags)) >= 0) {
			shim_sock_put(s);
			return (nfd);
		}
		r = xtcp_accept(s->xs, shim_now_us(), &nxs, &a, &p);
		if (r != XT_EAGAIN || s->nonblock)
			break;
		if (deadline == 0)
			deadline = shim_deadline(s->rcvtimeo_us);
		if (s->klisten == 0) {
			err = shim_wait(s, deadline);
			continue;
		}
		/* nothing wakes us for the kernel listener: look again
		 * every SHIM_KLISTEN_US */
		err = shim_wait(s, deadline - shim_now_us() > SHIM_KLISTEN_US ?
		    shim_now_us() + SHIM_KLISTEN_US : deadline);
		if (err == EAGAIN && shim_now_us() < deadline)
			err = 0;
	}
	if (err != 0) {
		shim_sock_put(s);
		return (shim_fail_errno(err));
	}
	if (r != XT_OK) {
		shim_sock_put(s);
		return (shim_fail(r));
	}
	if ((ns = shim_sock_new(nxs)) == NULL) {
		xtcp_close(nxs, shim_now_us());
		shim_sock_put(s);
		return (shim_fail_errno(ENOMEM));
	}
	ns->nonblock = (flags & SOCK_NONBLOCK) != 0;
	ns->inet6 = s->inet6;
	sock_inherit(s, ns);
	shim_sock_sync_out(ns);
	if ((err = shim_sock_open_fd(ns, flags & SOCK_CLOEXEC, &nfd)) != 0) {
		ns->refs = 1;
		shim_sock_unref(ns);	/* closes the connection */
		shim_sock_put(s);
		return (shim_fail_errno(err));
	}
	(void)sock_name_out(ns, sa, lenp, a, p);
	shim_sock_put(s);
	return (nfd);
}

SHIM_EXPORT int
accept(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len)
{
	struct shim_sock *s;
	enum shim_fd_kind k;

	shim_init();
	if ((k = shim_fd_get(fd, &s)) != SHIM_FD_OURS)
		return (k == SHIM_FD_DEAD ? dead_fd() :
		    real_accept(fd, addr, len));
	return (sock_accept(s, SA_PTR(addr), len, 0));
}

SHIM_EXPORT int
accept4(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len, int flags)
{
	struct shim_sock *s;
	enum shim_fd_kind k;

	shim_init();
	if ((k = shim_fd_get(fd, &s)) != SHIM_FD_OURS)
		return (k == SHIM_FD_DEAD ? dead_fd() :
		    real_accept4(fd, addr, len, flags));
	return (sock_accept(s, SA_PTR(addr), len, flags));
}

/* ---- close ---- */

/*
 * Forget fd (ours or dead).  Lock held.  close_it: also close the
 * eventfd (fclose has closed it already).  0, or EBADF for an internal
 * fd, or -1 if fd is a host fd (the caller passes it to libc).
 */
int
sock_close_locked(int fd, int close_it)
{
	uintptr_t v = fdmap_peek(fd);

	if (v == FDM_HOST)
		return (-1);
	if (v == FDM_INTERNAL)
		return (EBADF);
	fdmap_clear(fd);
	if (close_it)
		(void)syscall(SYS_close, fd);
	if (FDM_IS_SOCK(v)) {
		struct shim_sock *s = (struct shim_sock *)v;

		if (s->klisten != 0 && s->nfds == 1) {	/* the last fd */
			fdmap_clear(s->klisten - 1);
			(void)syscall(SYS_close, s->klisten - 1);
			s->klisten = 0;
		}
		shim_sock_fd_gone(s, fd);
	}
	return (0);
}

/* close(2) for any fd. */
static int
do_close(int fd)
{
	uintptr_t v;
	int r;

	v = fdmap_peek(fd);
	if (v == FDM_HOST && !shim_vforked())
		shim_ep_host_close(fd);		/* an epoll set of ours? */
	if (v == FDM_HOST || shim_vforked())	/* not our fd table */
		return (real_close(fd));
	if (v == FDM_INTERNAL)	/* programs that close everything */
		return (shim_fail_errno(EBADF));
	shim_lock();
	r = sock_close_locked(fd, 1);
	shim_unlock();
	if (r < 0)
		return (real_close(fd));
	return (r == 0 ? 0 : shim_fail_errno(r));
}

SHIM_EXPORT int
close(int fd)
{
	shim_init();
	return (do_close(fd));
}

/*
 * close_range(2) over ours: our sockets are closed one by one, internal
 * fds are skipped, and the kernel closes the gaps between them.
 */
static int
do_close_range(unsigned int lo, unsigned int hi, int flags)
{
	unsigned int from;
	uintptr_t v;
	int fd, r = 0;

	if (real_close_range == NULL)
		return (shim_fail_errno(ENOSYS));
	if (lo > hi || shim_vforked() || (flags & CLOSE_RANGE_CLOEXEC) != 0 ||
	    (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) != 0)
		return (real_close_range(lo, hi, flags));
	shim_lock();
	from = lo;
	for (fd = fdmap_next(lo > INT_MAX ? INT_MAX : (int)lo, &v);
	    fd >= 0 && (unsigned)fd <= hi && r == 0;
	    fd = fdmap_next(fd + 1, &v)) {
		if (v != FDM_INTERNAL) {
			(void)sock_close_locked(fd, 1);
			continue;
		}
		if ((unsigned)fd > from)
			r = real_close_range(from, fd - 1, flags);
		from = fd + 1;
	}
	if (r == 0 && from <= hi)
		r = real_close_range(from, hi, flags);
	shim_unlock();
	return (r);
}

SHIM_EXPORT int
close_range(unsigned int lo, unsigned int hi, int flags)
{
	shim_init();
	return (do_close_range(lo, hi, flags));
}

SHIM_EXPORT void
closefrom(int lowfd)
{
	int fd;

	shim_init();
	if (lowfd < 0)
		lowfd = 0;
	if (do_close_range(lowfd, ~0U, 0) == 0)
		return;
	/* no close_range(2) in this kernel: the slow way, bounded */
	for (fd = lowfd; fd < 65536; fd++)
		if (fdmap_peek(fd) != FDM_INTERNAL)
			(void)do_close(fd);
}

/*
 * fdopen() on one of our fds works poorly (stdio reads the eventfd
 * directly), but fclose() must still forget the fd, or the number, once
 * reused by open(), would be taken for a socket.
 */
SHIM_EXPORT int
fclose(FILE *fp)
{
	int fd, r;

	shim_init();
	if (real_fclose == NULL) {
		errno = ENOSYS;
		return (EOF);
	}
	fd = fp != NULL ? fileno(fp) : -1;
	if (fd < 0 || fdmap_peek(fd) == FDM_HOST ||
	    fdmap_peek(fd) == FDM_INTERNAL)
		return (real_fclose(fp));
	shim_lock();
	r = real_fclose(fp);
	(void)sock_close_locked(fd, 0);
	shim_unlock();
	return (r);
}

/* ---- dup, dup2, dup3, F_DUPFD ---- */

enum { DUP_DUP, DUP_DUP2, DUP_DUP3, DUP_FCNTL, DUP_FCNTL_CLOEXEC };

/*
 * Copy fd.  A copy of our fd names the same socket (one more fd
 * reference); a copy onto one of our fds drops what was there; nothing
 * may be copied onto an internal fd.
 */
static int
sock_dup(int fd, int fd2, int op, int flags)
{
	uintptr_t v, old;
	int nfd, err;

	v = fdmap_peek(fd);
	old = (op == DUP_DUP2 || op == DUP_DUP3) ? fdmap_peek(fd2) : FDM_HOST;
	if (old == FDM_INTERNAL && fd != fd2)
		return (shim_fail_errno(EBADF));
	if ((!FDM_IS_SOCK(v) && v != FDM_DEAD && old == FDM_HOST) ||
	    shim_vforked()) {
		switch (op) {
		case DUP_DUP:
			return (real_dup(fd));
		case DUP_DUP2:
			return (real_dup2(fd, fd2));
		case DUP_DUP3:
			return (real_dup3(fd, fd2, flags));
		default:
			return (real_fcntl(fd, op == DUP_FCNTL ? F_DUPFD :
			    F_DUPFD_CLOEXEC, fd2));
		}
	}
	shim_lock();
	v = fdmap_peek(fd);
	switch (op) {
	case DUP_DUP:
		nfd = real_dup(fd);
		break;
	case DUP_DUP2:
		nfd = real_dup2(fd, fd2);
		break;
	case DUP_DUP3:
		nfd = real_dup3(fd, fd2, flags);
		break;
	default:
		nfd = real_fcntl(fd, op == DUP_FCNTL ? F_DUPFD :
		    F_DUPFD_CLOEXEC, fd2);
		break;
	}
	if (nfd < 0 || nfd == fd) {
		err = errno;
		shim_unlock();
		errno = err;
		return (nfd);
	}
	/* the kernel closed whatever nfd was (dup2/dup3) */
	(void)sock_close_locked(nfd, 0);
	if (FDM_IS_SOCK(v) || v == FDM_DEAD) {
		if ((err = fdmap_set(nfd, v)) != 0) {
			(void)syscall(SYS_close, nfd);
			shim_unlock();
			return (shim_fail_errno(err));
		}
		if (FDM_IS_SOCK(v)) {
			((struct shim_sock *)v)->refs++;
			shim_sock_fd_added((struct shim_sock *)v, nfd);
		}
	}
	shim_unlock();
	return (nfd);
}

SHIM_EXPORT int
dup(int fd)
{
	shim_init();
	return (sock_dup(fd, -1, DUP_DUP, 0));
}

SHIM_EXPORT int
dup2(int fd, int fd2)
{
	shim_init();
	return (sock_dup(fd, fd2, DUP_DUP2, 0));
}

SHIM_EXPORT int
dup3(int fd, int fd2, int flags)
{
	shim_init();
	return (sock_dup(fd, fd2, DUP_DUP3, flags));
}

/* ---- fcntl ---- */

static int
sock_fcntl(int fd, int cmd, void *arg, int (*realfn)(int, int, ...))
{
	struct shim_sock *s;
	enum shim_fd_kind k;
	int fl, r, err;

	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		return (sock_dup(fd, (int)(intptr_t)arg, cmd == F_DUPFD ?
		    DUP_FCNTL : DUP_FCNTL_CLOEXEC, 0));
	case F_GETFL:
	case F_SETFL:
	case F_GETOWN:
	case F_SETOWN:
	case F_GETOWN_EX:
	case F_SETOWN_EX:
		break;
	default:
		/* F_GETFD/F_SETFD and the rest: the eventfd answers */
		return (realfn(fd, cmd, arg));
	}
	if ((k = shim_fd_get(fd, &s)) != SHIM_FD_OURS)
		return (realfn(fd, cmd, arg));
	if (cmd != F_GETFL && cmd != F_SETFL) {
		r = own_fcntl(s, cmd, arg);
		shim_sock_put(s);
		if (r < 0 && cmd != F_GETOWN)
			return (shim_fail_errno(-r));
		return (r);
	} else if (cmd == F_GETFL) {
		/* O_NONBLOCK is the socket's, not the eventfd's (which is
		 * always non-blocking) */
		r = realfn(fd, F_GETFL);
		if (r >= 0)
			r = (r & ~O_NONBLOCK) | (s->nonblock ? O_NONBLOCK : 0);
	} else {
		fl = (int)(intptr_t)arg;
		r = realfn(fd, F_SETFL, fl | O_NONBLOCK);
		if (r == 0)
			s->nonblock = (fl & O_NONBLOCK) != 0;
	}
	err = errno;
	shim_sock_put(s);
	errno = err;
	return (r);
}

/*
 * The owner of the socket (Linux f_setown): who gets SIGURG when urgent
 * data is announced.  who > 0 a process, < 0 a process group, 0 nobody;
 * a process or group that does not exist is ESRCH.  0 or errno.
 */
static int
own_set(struct shim_sock *s, int type, pid_t who)
{
	if (who != 0 && syscall(SYS_kill, type == F_OWNER_PGRP ? -who : who,
	    0) != 0 && errno == ESRCH)
		return (ESRCH);
	s->own_type = type;
	s->own_pid = who;
	return (0);
}

/* F_GETOWN, F_SETOWN, F_GETOWN_EX, F_SETOWN_EX on our socket.  Lock held.
 * The value, or -errno (F_GETOWN may return a negative group). */
static int
own_fcntl(struct shim_sock *s, int cmd, void *arg)
{
	struct f_owner_ex ox;
	int who, err;

	switch (cmd) {
	case F_GETOWN:
		return (s->own_type == F_OWNER_PGRP ? -s->own_pid :
		    s->own_pid);
	case F_SETOWN:
		who = (int)(intptr_t)arg;
		if (who == INT_MIN)
			return (-EINVAL);
		err = who < 0 ? own_set(s, F_OWNER_PGRP, -who) :
		    own_set(s, F_OWNER_PID, who);
		return (err != 0 ? -err : 0);
	case F_GETOWN_EX:
		if (arg == NULL)
			return (-EFAULT);
		ox.type = s->own_type;
		ox.pid = s->own_pid;
		memcpy(arg, &ox, sizeof(ox));
		return (0);
	default:		/* F_SETOWN_EX */
		if (arg == NULL)
			return (-EFAULT);
		memcpy(&ox, arg, sizeof(ox));
		if (ox.type != F_OWNER_TID && ox.type != F_OWNER_PID &&
		    ox.type != F_OWNER_PGRP)
			return (-EINVAL);
		if (ox.pid < 0)
			return (-EINVAL);
		err = own_set(s, ox.type, ox.pid);
		return (err != 0 ? -err : 0);
	}
}

/*
 * The engine's urgent-data callback: the peer announced new urgent data
 * on the socket (RFC 9293 section 3.8.5), so its owner gets SIGURG, as
 * Linux sk_send_sigurg does (nobody when no owner was set).  Called with
 * the engine lock held, from any thread; sending a signal is safe there.
 */
void
sock_urg(void *arg, uint32_t user)
{
	struct shim_sock *s = shim_sock_by_handle(user);

	(void)arg;
	if (s == NULL || s->own_pid <= 0)
		return;
	switch (s->own_type) {
	case F_OWNER_TID:
		(void)syscall(SYS_tkill, s->own_pid, SIGURG);
		break;
	case F_OWNER_PGRP:
		(void)syscall(SYS_kill, -s->own_pid, SIGURG);
		break;
	default:
		(void)syscall(SYS_kill, s->own_pid, SIGURG);
		break;
	}
}

SHIM_EXPORT int
fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	shim_init();
	if (fdmap_peek(fd) == FDM_HOST && cmd != F_DUPFD &&
	    cmd != F_DUPFD_CLOEXEC)
		return (real_fcntl(fd, cmd, arg));
	return (sock_fcntl(fd, cmd, arg, real_fcntl));
}

/* fcntl64: what programs built with _FILE_OFFSET_BITS=64 call. */
SHIM_EXPORT int
fcntl64(int fd, int cmd, ...)
{
	int (*fn)(int, int, ...);
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	shim_init();
	fn = real_fcntl64 != NULL ? real_fcntl64 : real_fcntl;
	if (fdmap_peek(fd) == FDM_HOST && cmd != F_DUPFD &&
	    cmd != F_DUPFD_CLOEXEC)
		return (fn(fd, cmd, arg));
	return (sock_fcntl(fd, cmd, arg, fn));
}

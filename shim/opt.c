/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * opt.c - getsockopt/setsockopt and ioctl on our sockets.
 *
 * A table holds the options the shim answers itself: the ones about the
 * fd rather than the connection, the timeouts and SO_RCVLOWAT its wait
 * loops implement, and options Linux accepts on a TCP socket that change
 * nothing the engine does here (SO_PRIORITY, SO_BINDTODEVICE, ...): those
 * are kept in the socket's option record (struct shim_opt), so getsockopt
 * returns what setsockopt set and a handover to a kernel socket replays
 * them.  Everything else goes to xtcp_getopt/xtcp_setopt by Linux level
 * and name; the engine answers ENOPROTOOPT for what it does not know, as
 * Linux does for an unknown option.  Options the engine accepted are
 * recorded for the handover too.
 */
#include "prelude.h"

#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "shim.h"

struct opt_ent {
	int	level;
	int	name;
	/* both return 0 or errno; lock held; set NULL: ENOPROTOOPT */
	int	(*get)(struct shim_sock *, const struct opt_ent *, void *,
		    socklen_t *);
	int	(*set)(struct shim_sock *, const struct opt_ent *,
		    const void *, socklen_t);
	int	dflt;		/* value before any setsockopt */
};

static int	get_error(struct shim_sock *, const struct opt_ent *, void *,
		    socklen_t *);
static int	get_fixed(struct shim_sock *, const struct opt_ent *, void *,
		    socklen_t *);
static int	get_domain(struct shim_sock *, const struct opt_ent *, void *,
		    socklen_t *);
static int	get_acceptconn(struct shim_sock *, const struct opt_ent *,
		    void *, socklen_t *);
static int	get_timeo(struct shim_sock *, const struct opt_ent *, void *,
		    socklen_t *);
static int	set_timeo(struct shim_sock *, const struct opt_ent *,
		    const void *, socklen_t);
static int	get_stored(struct shim_sock *, const struct opt_ent *, void *,
		    socklen_t *);
static int	set_bool(struct shim_sock *, const struct opt_ent *,
		    const void *, socklen_t);
static int	set_priority(struct shim_sock *, const struct opt_ent *,
		    const void *, socklen_t);
static int	set_rcvlowat(struct shim_sock *, const struct opt_ent *,
		    const void *, socklen_t);
static int	set_mark(struct shim_sock *, const struct opt_ent *,
		    const void *, socklen_t);
static int	set_bool01(struct shim_sock *, const struct opt_ent *,
		    const void *, socklen_t);
static int	get_ip_stored(struct shim_sock *, const struct opt_ent *,
		    void *, socklen_t *);
static int	set_ip_bool(struct shim_sock *, const struct opt_ent *,
		    const void *, socklen_t);
static int	set_pmtudisc(struct shim_sock *, const struct opt_ent *,
		    const void *, socklen_t);
static int	get_device(struct shim_sock *, const struct opt_ent *, void *,
		    socklen_t *);
static int	set_device(struct shim_sock *, const struct opt_ent *,
		    const void *, socklen_t);

static const struct opt_ent opt_tab[] = {
	/* about the fd and the socket, read-only (set: ENOPROTOOPT) */
	{ SOL_SOCKET, SO_ERROR, get_error, NULL, 0 },
	{ SOL_SOCKET, SO_TYPE, get_fixed, NULL, SOCK_STREAM },
	{ SOL_SOCKET, SO_DOMAIN, get_domain, NULL, AF_INET },
	{ SOL_SOCKET, SO_PROTOCOL, get_fixed, NULL, IPPROTO_TCP },
	{ SOL_SOCKET, SO_ACCEPTCONN, get_acceptconn, NULL, 0 },
	/* Linux: SO_SNDLOWAT reads 1 and cannot be set (ENOPROTOOPT) */
	{ SOL_SOCKET, SO_SNDLOWAT, get_fixed, NULL, 1 },
	/* implemented by the shim's wait loops */
	{ SOL_SOCKET, SO_RCVTIMEO, get_timeo, set_timeo, 0 },
	{ SOL_SOCKET, SO_SNDTIMEO, get_timeo, set_timeo, 0 },
#if defined(SO_RCVTIMEO_NEW) && SO_RCVTIMEO_NEW != SO_RCVTIMEO
	{ SOL_SOCKET, SO_RCVTIMEO_NEW, get_timeo, set_timeo, 0 },
	{ SOL_SOCKET, SO_SNDTIMEO_NEW, get_timeo, set_timeo, 0 },
#endif
	{ SOL_SOCKET, SO_RCVLOWAT, get_stored, set_rcvlowat, 1 },
	/* accepted and kept; nothing to do with one device and no qdisc */
	{ SOL_SOCKET, SO_PRIORITY, get_stored, set_priority, 0 },
	{ SOL_SOCKET, SO_BINDTODEVICE, get_device, set_device, 0 },
	{ SOL_SOCKET, SO_DONTROUTE, get_stored, set_bool, 0 },
	{ SOL_SOCKET, SO_BROADCAST, get_stored, set_bool, 0 },
	{ SOL_SOCKET, SO_MARK, get_stored, set_mark, 0 },
	/* IP_RECVERR: TCP reports ICMP errors through SO_ERROR either way;
	 * the path MTU discovery of the stack is XTCP_PATH_MTU_DISCOVERY
	 * (Linux's default reads IP_PMTUDISC_WANT) */
	{ IPPROTO_IP, IP_RECVERR, get_ip_stored, set_ip_bool, 0 },
	{ IPPROTO_IP, IP_MTU_DISCOVER, get_ip_stored, set_pmtudisc,
	    IP_PMTUDISC_WANT },
	/* thin-stream tweaks: Linux accepts 0 or 1 (TCP_THIN_DUPACK does
	 * nothing there either, and reads 0) */
	{ IPPROTO_TCP, TCP_THIN_LINEAR_TIMEOUTS, get_stored, set_bool01, 0 },
	{ IPPROTO_TCP, TCP_THIN_DUPACK, get_fixed, set_bool01, 0 },
};

static const struct shim_opt *opt_rec(const struct shim_sock *s, int level,
		    int name);
static int	get_int_arg(const void *val, socklen_t len, int *v);
static const struct opt_ent	*opt_find(int level, int name);
static int	put_bytes(void *val, socklen_t *len, const void *v,
		    size_t size);
static int	put_int(void *val, socklen_t *len, int v);
static uint64_t	*timeo_field(struct shim_sock *s, int name);
static int	sock_ioctl(struct shim_sock *s, unsigned long req, void *arg);
static int	ip6_get(struct shim_sock *s, int name, void *val,
		    socklen_t *len);
static int	ip6_set(struct shim_sock *s, int name, const void *val,
		    socklen_t len);

static const struct opt_ent *
opt_find(int level, int name)
{
	size_t i;

	for (i = 0; i < sizeof(opt_tab) / sizeof(opt_tab[0]); i++)
		if (opt_tab[i].level == level && opt_tab[i].name == name)
			return (&opt_tab[i]);
	return (NULL);
}

/* Linux copies min(optlen, size) bytes and reports that count. */
static int
put_bytes(void *val, socklen_t *len, const void *v, size_t size)
{
	socklen_t n = *len < size ? *len : (socklen_t)size;

	memcpy(val, v, n);
	*len = n;
	return (0);
}

static int
put_int(void *val, socklen_t *len, int v)
{
	return (put_bytes(val, len, &v, sizeof(v)));
}

/* The record setsockopt left for (level, name), or NULL. */
static const struct shim_opt *
opt_rec(const struct shim_sock *s, int level, int name)
{
	unsigned i;

	for (i = 0; i < s->nopt; i++)
		if (s->opt[i].level == level && s->opt[i].name == name)
			return (&s->opt[i]);
	return (NULL);
}

/* Linux sock_setsockopt: an int option needs at least an int. */
static int
get_int_arg(const void *val, socklen_t len, int *v)
{
	if (len < sizeof(int))
		return (EINVAL);
	memcpy(v, val, sizeof(int));
	return (0);
}

static int
get_error(struct shim_sock *s, const struct opt_ent *e, void *val,
    socklen_t *len)
{
	(void)e;
	return (put_int(val, len, shim_errno(xtcp_take_error(s->xs))));
}

static int
get_fixed(struct shim_sock *s, const struct opt_ent *e, void *val,
    socklen_t *len)
{
	(void)s;
	return (put_int(val, len, e->dflt));
}

/* what socket() was given: AF_INET, or AF_INET6 for a dual-stack one */
static int
get_domain(struct shim_sock *s, const struct opt_ent *e, void *val,
    socklen_t *len)
{
	return (put_int(val, len, s->inet6 ? AF_INET6 : e->dflt));
}

static int
get_acceptconn(struct shim_sock *s, const struct opt_ent *e, void *val,
    socklen_t *len)
{
	(void)e;
	return (put_int(val, len, xtcp_is_listening(s->xs) != 0));
}

static int
get_stored(struct shim_sock *s, const struct opt_ent *e, void *val,
    socklen_t *len)
{
	const struct shim_opt *o = opt_rec(s, e->level, e->name);
	int v = e->dflt;

	if (o != NULL && o->len >= sizeof(int))
		memcpy(&v, o->val, sizeof(int));
	return (put_int(val, len, v));
}

static int
set_bool(struct shim_sock *s, const struct opt_ent *e, const void *val,
    socklen_t len)
{
	int v, err;

	if ((err = get_int_arg(val, len, &v)) != 0)
		return (err);
	v = v != 0;
	sock_record_opt(s, e->level, e->name, &v, sizeof(v));
	return (0);
}

/* Linux: 0..6 for anyone, other values with CAP_NET_ADMIN/CAP_NET_RAW
 * (approximated by euid 0). */
static int
set_priority(struct shim_sock *s, const struct opt_ent *e, const void *val,
    socklen_t len)
{
	int v, err;

	if ((err = get_int_arg(val, len, &v)) != 0)
		return (err);
	if ((v < 0 || v > 6) && geteuid() != 0)
		return (EPERM);
	sock_record_opt(s, e->level, e->name, &v, sizeof(v));
	return (0);
}

/* Linux sock_set_mark: CAP_NET_RAW or CAP_NET_ADMIN (approximated by
 * euid 0). */
static int
set_mark(struct shim_sock *s, const struct opt_ent *e, const void *val,
    socklen_t len)
{
	int v, err;

	if ((err = get_int_arg(val, len, &v)) != 0)
		return (err);
	if (geteuid() != 0)
		return (EPERM);
	sock_record_opt(s, e->level, e->name, &v, sizeof(v));
	return (0);
}

/* Linux do_tcp_setsockopt for the thin-stream options: 0 or 1. */
static int
set_bool01(struct shim_sock *s, const struct opt_ent *e, const void *val,
    socklen_t len)
{
	int v, err;

	if ((err = get_int_arg(val, len, &v)) != 0)
		return (err);
	if (v < 0 || v > 1)
		return (EINVAL);
	sock_record_opt(s, e->level, e->name, &v, sizeof(v));
	return (0);
}

/* Linux do_ip_setsockopt: an int, or one byte when shorter, or 0. */
static int
ip_int_arg(const void *val, socklen_t len)
{
	int v = 0;

	if (len >= sizeof(int))
		memcpy(&v, val, sizeof(int));
	else if (len >= 1)
		v = *(const unsigned char *)val;
	return (v);
}

/* Linux do_ip_getsockopt: one byte into a buffer shorter than an int. */
static int
get_ip_stored(struct shim_sock *s, const struct opt_ent *e, void *val,
    socklen_t *len)
{
	const struct shim_opt *o = opt_rec(s, e->level, e->name);
	unsigned char c;
	int v = e->dflt;

	if (o != NULL && o->len >= sizeof(int))
		memcpy(&v, o->val, sizeof(int));
	if (*len > 0 && *len < sizeof(int) && v >= 0 && v <= 255) {
		c = (unsigned char)v;
		return (put_bytes(val, len, &c, 1));
	}
	return (put_int(val, len, v));
}

static int
set_ip_bool(struct shim_sock *s, const struct opt_ent *e, const void *val,
    socklen_t len)
{
	int v = ip_int_arg(val, len) != 0;

	sock_record_opt(s, e->level, e->name, &v, sizeof(v));
	return (0);
}

/* IP_PMTUDISC_DONT .. IP_PMTUDISC_OMIT, else EINVAL (Linux). */
static int
set_pmtudisc(struct shim_sock *s, const struct opt_ent *e, const void *val,
    socklen_t len)
{
	int v = ip_int_arg(val, len);

	if (v < IP_PMTUDISC_DONT || v > IP_PMTUDISC_OMIT)
		return (EINVAL);
	sock_record_opt(s, e->level, e->name, &v, sizeof(v));
	return (0);
}

/*
 * Linux tcp_set_rcvlowat: negative means INT_MAX, capped at half the
 * receive buffer (more could never arrive: the window would close), 0
 * means 1.  Read and poll honour it (io.c, core.c).
 */
static int
set_rcvlowat(struct shim_sock *s, const struct opt_ent *e, const void *val,
    socklen_t len)
{
	size_t blen;
	int v, rcvbuf, err;

	if ((err = get_int_arg(val, len, &v)) != 0)
		return (err);
	if (v < 0)
		v = INT_MAX;
	blen = sizeof(rcvbuf);
	if (xtcp_getopt(s->xs, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &blen) ==
	    XT_OK && rcvbuf / 2 < v)
		v = rcvbuf / 2;
	if (v == 0)
		v = 1;
	s->rcvlowat = v;
	sock_record_opt(s, e->level, e->name, &v, sizeof(v));
	return (0);
}

/* Linux sock_getbindtodevice: EINVAL below IFNAMSIZ; length 0 when
 * unbound, else the name and its NUL. */
static int
get_device(struct shim_sock *s, const struct opt_ent *e, void *val,
    socklen_t *len)
{
	const struct shim_opt *o = opt_rec(s, e->level, e->name);
	size_t n;

	if (*len < IFNAMSIZ)
		return (EINVAL);
	if (o == NULL || o->len == 0 || o->val[0] == '\0') {
		*len = 0;
		return (0);
	}
	n = strnlen((const char *)o->val, IFNAMSIZ - 1);
	memcpy(val, o->val, n);
	((char *)val)[n] = '\0';
	*len = n + 1;
	return (0);
}

/* Linux sock_setbindtodevice: the name is cut at IFNAMSIZ - 1; empty
 * unbinds; a device that does not exist is ENODEV. */
static int
set_device(struct shim_sock *s, const struct opt_ent *e, const void *val,
    socklen_t len)
{
	char name[IFNAMSIZ];
	struct ifreq ifr;
	int fd, r;

	memset(name, 0, sizeof(name));
	memcpy(name, val, len < IFNAMSIZ - 1 ? len : IFNAMSIZ - 1);
	if (name[0] != '\0') {
		/* ask the kernel whether it exists, without our hooks */
		fd = (int)syscall(SYS_socket, AF_INET, SOCK_DGRAM |
		    SOCK_CLOEXEC, 0);
		if (fd < 0)
			return (errno);
		memset(&ifr, 0, sizeof(ifr));
		memcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
		r = (int)syscall(SYS_ioctl, fd, SIOCGIFINDEX, &ifr);
		(void)syscall(SYS_close, fd);
		if (r != 0)
			return (ENODEV);
	}
	sock_record_opt(s, e->level, e->name, name, strlen(name) + 1);
	return (0);
}

static uint64_t *
timeo_field(struct shim_sock *s, int name)
{
#if defined(SO_RCVTIMEO_NEW) && SO_RCVTIMEO_NEW != SO_RCVTIMEO
	if (name == SO_RCVTIMEO_NEW)
		return (&s->rcvtimeo_us);
	if (name == SO_SNDTIMEO_NEW)
		return (&s->sndtimeo_us);
#endif
	return (name == SO_RCVTIMEO ? &s->rcvtimeo_us : &s->sndtimeo_us);
}

/* On 64-bit Linux the old and new (64-bit time) layouts are both two
 * 64-bit words, a struct timeval. */
static int
get_timeo(struct shim_sock *s, const struct opt_ent *e, void *val,
    socklen_t *len)
{
	struct timeval tv;
	uint64_t us = *timeo_field(s, e->name);

	tv.tv_sec = us / 1000000;
	tv.tv_usec = us % 1000000;
	return (put_bytes(val, len, &tv, sizeof(tv)));
}

/* Linux sock_set_timeout: 0/0 is forever, a negative time is "do not
 * wait" (we use 1 us), tv_usec out of range is EDOM. */
static int
set_timeo(struct shim_sock *s, const struct opt_ent *e, const void *val,
    socklen_t len)
{
	struct timeval tv;
	uint64_t us;

	if (len < sizeof(tv))
		return (EINVAL);
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return (EDOM);
	if (tv.tv_sec < 0)
		us = 1;
	else if ((uint64_t)tv.tv_sec > UINT64_MAX / 2000000)
		us = 0;
	else
		us = (uint64_t)tv.tv_sec * 1000000 + tv.tv_usec;
	*timeo_field(s, e->name) = us;
	return (0);
}

/*
 * IPPROTO_IPV6 on an AF_INET6 socket of ours, which carries IPv4 (Linux
 * ipv6_setsockopt/ipv6_getsockopt): IPV6_V6ONLY, which can change only
 * until the socket has a port (EINVAL after bind, connect or listen);
 * IPV6_TCLASS, -1 (the default, 0) to 255, kept and reported: Linux
 * sends the IPv4 of such a socket with IP_TOS, not the traffic class, and
 * so does the engine.  Both need an int; the rest is ENOPROTOOPT.  The
 * record replays them on a kernel AF_INET6 socket at handover.
 */
static int
ip6_set(struct shim_sock *s, int name, const void *val, socklen_t len)
{
	uint32_t a;
	uint16_t p;
	int v;

	if (name != IPV6_V6ONLY && name != IPV6_TCLASS)
		return (ENOPROTOOPT);
	if (len < sizeof(int))
		return (EINVAL);
	memcpy(&v, val, sizeof(v));
	if (name == IPV6_V6ONLY) {
		if (s->bound || xtcp_is_listening(s->xs) ||
		    (xtcp_getsockname(s->xs, &a, &p) == XT_OK && p != 0))
			return (EINVAL);
		s->v6only = v = v != 0;
	} else {
		if (v < -1 || v > 0xff)
			return (EINVAL);
		if (v == -1)
			v = 0;
	}
	sock_record_opt(s, IPPROTO_IPV6, name, &v, sizeof(v));
	return (0);
}

static int
ip6_get(struct shim_sock *s, int name, void *val, socklen_t *len)
{
	const struct shim_opt *o;
	int v = 0;

	switch (name) {
	case IPV6_V6ONLY:
		v = s->v6only;
		break;
	case IPV6_TCLASS:
		o = opt_rec(s, IPPROTO_IPV6, name);
		if (o != NULL && o->len >= sizeof(int))
			memcpy(&v, o->val, sizeof(int));
		break;
	default:
		return (ENOPROTOOPT);
	}
	return (put_int(val, len, v));
}

SHIM_EXPORT int
getsockopt(int fd, int level, int name, void *restrict val,
    socklen_t *restrict len)
{
	const struct opt_ent *e;
	struct shim_sock *s;
	enum shim_fd_kind k;
	size_t n;
	int r, err;

	shim_init();
	if ((k = shim_fd_get(fd, &s)) != SHIM_FD_OURS)
		return (k == SHIM_FD_DEAD ? shim_fail_errno(ENOTCONN) :
		    real_getsockopt(fd, level, name, val, len));
	if (len == NULL)
		err = EFAULT;
	else if ((int)*len < 0)
		err = EINVAL;
	else if (val == NULL && *len > 0)
		err = EFAULT;
	else if (level == IPPROTO_IPV6 && s->inet6)
		err = ip6_get(s, name, val, len);
	else if ((e = opt_find(level, name)) != NULL)
		err = e->get(s, e, val, len);
	else {
		n = *len;
		r = xtcp_getopt(s->xs, level, name, val, &n);
		if (r == XT_OK)
			*len = n;
		err = shim_errno(r);
	}
	shim_sock_put(s);
	return (err == 0 ? 0 : shim_fail_errno(err));
}

SHIM_EXPORT int
setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	const struct opt_ent *e;
	struct shim_sock *s;
	enum shim_fd_kind k;
	int err;

	shim_init();
	if ((k = shim_fd_get(fd, &s)) != SHIM_FD_OURS)
		return (k == SHIM_FD_DEAD ? shim_fail_errno(ENOTCONN) :
		    real_setsockopt(fd, level, name, val, len));
	if ((int)len < 0)
		err = EINVAL;
	else if (val == NULL && len > 0)
		err = EFAULT;
	else if (level == IPPROTO_IPV6 && s->inet6)
		err = ip6_set(s, name, val, len);
	else if ((e = opt_find(level, name)) != NULL)
		err = e->set != NULL ? e->set(s, e, val, len) : ENOPROTOOPT;
	else {
		err = shim_errno(xtcp_setopt(s->xs, level, name, val, len));
		if (err == 0)
			sock_record_opt(s, level, name, val, len);
	}
	shim_sock_put(s);
	return (err == 0 ? 0 : shim_fail_errno(err));
}

/* ---- ioctl ---- */

static int
sock_ioctl(struct shim_sock *s, unsigned long req, void *arg)
{
	int v;

	switch (req) {
	case FIONBIO:
		if (arg == NULL)
			return (EFAULT);
		memcpy(&v, arg, sizeof(v));
		s->nonblock = v != 0;
		return (0);
	case FIONREAD:		/* = SIOCINQ */
	case SIOCOUTQ:
	case SIOCOUTQNSD:
		if (arg == NULL)
			return (EFAULT);
		if (xtcp_is_listening(s->xs))
			return (EINVAL);
		v = (int)(req == FIONREAD ? xtcp_sock_rxbytes(s->xs) :
		    req == SIOCOUTQ ? xtcp_sock_txbytes(s->xs) :
		    xtcp_sock_unsent(s->xs));
		memcpy(arg, &v, sizeof(v));
		return (0);
	case SIOCATMARK:
		/* Linux tcp_ioctl: 1 when the next byte to read is the
		 * urgent mark (the seeds' read-until-mark loop) */
		if (arg == NULL)
			return (EFAULT);
		v = xtcp_sock_atmark(s->xs) != 0;
		memcpy(arg, &v, sizeof(v));
		return (0);
	default:
		return (-1);	/* the eventfd answers (ENOTTY mostly) */
	}
}

SHIM_EXPORT int
ioctl(int fd, unsigned long req, ...)
{
	struct shim_sock *s;
	enum shim_fd_kind k;
	va_list ap;
	void *arg;
	int err;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	shim_init();
	if ((k = shim_fd_get(fd, &s)) != SHIM_FD_OURS)
		return (real_ioctl(fd, req, arg));
	err = sock_ioctl(s, req, arg);
	shim_sock_put(s);
	if (err < 0)
		return (real_ioctl(fd, req, arg));
	return (err == 0 ? 0 : shim_fail_errno(err));
}

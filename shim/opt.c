/*
 * opt.c - getsockopt/setsockopt and ioctl on our sockets.
 *
 * A short table holds the options the shim answers itself (the ones about
 * the fd rather than the connection, and the timeouts its wait loops
 * implement); everything else goes to xtcp_getopt/xtcp_setopt by Linux
 * level and name.  Options the engine accepted are recorded so a handover
 * to a kernel socket can replay them.
 */
#include "prelude.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <linux/sockios.h>

#include "shim.h"

struct opt_ent {
	int	level;
	int	name;
	/* both return 0 or errno; lock held */
	int	(*get)(struct shim_sock *, int, void *, socklen_t *);
	int	(*set)(struct shim_sock *, int, const void *, socklen_t);
};

static int	get_error(struct shim_sock *, int, void *, socklen_t *);
static int	get_fixed(struct shim_sock *, int, void *, socklen_t *);
static int	get_acceptconn(struct shim_sock *, int, void *, socklen_t *);
static int	get_timeo(struct shim_sock *, int, void *, socklen_t *);
static int	set_timeo(struct shim_sock *, int, const void *, socklen_t);

static const struct opt_ent opt_tab[] = {
	{ SOL_SOCKET, SO_ERROR, get_error, NULL },
	{ SOL_SOCKET, SO_TYPE, get_fixed, NULL },
	{ SOL_SOCKET, SO_DOMAIN, get_fixed, NULL },
	{ SOL_SOCKET, SO_PROTOCOL, get_fixed, NULL },
	{ SOL_SOCKET, SO_ACCEPTCONN, get_acceptconn, NULL },
	{ SOL_SOCKET, SO_RCVTIMEO, get_timeo, set_timeo },
	{ SOL_SOCKET, SO_SNDTIMEO, get_timeo, set_timeo },
#if defined(SO_RCVTIMEO_NEW) && SO_RCVTIMEO_NEW != SO_RCVTIMEO
	{ SOL_SOCKET, SO_RCVTIMEO_NEW, get_timeo, set_timeo },
	{ SOL_SOCKET, SO_SNDTIMEO_NEW, get_timeo, set_timeo },
#endif
};

static const struct opt_ent	*opt_find(int level, int name);
static int	put_bytes(void *val, socklen_t *len, const void *v,
		    size_t size);
static int	put_int(void *val, socklen_t *len, int v);
static uint64_t	*timeo_field(struct shim_sock *s, int name);
static int	sock_ioctl(struct shim_sock *s, unsigned long req, void *arg);

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

static int
get_error(struct shim_sock *s, int name, void *val, socklen_t *len)
{
	(void)name;
	return (put_int(val, len, shim_errno(xtcp_take_error(s->xs))));
}

static int
get_fixed(struct shim_sock *s, int name, void *val, socklen_t *len)
{
	(void)s;
	return (put_int(val, len, name == SO_TYPE ? SOCK_STREAM :
	    name == SO_DOMAIN ? AF_INET : IPPROTO_TCP));
}

static int
get_acceptconn(struct shim_sock *s, int name, void *val, socklen_t *len)
{
	(void)name;
	return (put_int(val, len, xtcp_is_listening(s->xs) != 0));
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
get_timeo(struct shim_sock *s, int name, void *val, socklen_t *len)
{
	struct timeval tv;
	uint64_t us = *timeo_field(s, name);

	tv.tv_sec = us / 1000000;
	tv.tv_usec = us % 1000000;
	return (put_bytes(val, len, &tv, sizeof(tv)));
}

/* Linux sock_set_timeout: 0/0 is forever, a negative time is "do not
 * wait" (we use 1 us), tv_usec out of range is EDOM. */
static int
set_timeo(struct shim_sock *s, int name, const void *val, socklen_t len)
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
	*timeo_field(s, name) = us;
	return (0);
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
	else if ((e = opt_find(level, name)) != NULL)
		err = e->get(s, name, val, len);
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
	else if ((e = opt_find(level, name)) != NULL)
		err = e->set != NULL ? e->set(s, name, val, len) : ENOPROTOOPT;
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
		if (arg == NULL)
			return (EFAULT);
		if (xtcp_is_listening(s->xs))
			return (EINVAL);
		v = (int)(req == FIONREAD ? xtcp_sock_rxbytes(s->xs) :
		    xtcp_sock_txbytes(s->xs));
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

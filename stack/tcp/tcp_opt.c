/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_opt.c - socket options of a TCP socket: xtcp_setopt and
 * xtcp_getopt as lookups in one table of (level, name, value format,
 * set and get handlers), the handlers with Linux's checks and clamps,
 * and xt_tcp_inherit, the options a child of a listener takes from it.
 * The shim keeps the options that need no engine state itself
 * (SO_RCVLOWAT, the timeouts, SO_BINDTODEVICE, ...) and hands every
 * other one here by level and name.
 *
 * Read first: Linux socket(7), tcp(7) and ip(7) for each option's
 * meaning, range and errno, which the programs we run depend on; RFC
 * 9293 §3.7.4 (Nagle: TCP_NODELAY, TCP_CORK), §3.8.4 (keep-alives) and
 * §3.8.6.3 (delayed ACKs: TCP_QUICKACK); RFC 7413 (TCP_FASTOPEN*).
 */
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "xt_engine.h"
#include "tcp/tcp_var.h"

/* How an option's value is read from and written to the caller. */
enum opt_fmt {
	OPT_INT,	/* an int: shorter on set is EINVAL, get truncates */
	OPT_IPINT,	/* Linux IPPROTO_IP int: one byte will do */
	OPT_RAW		/* the handlers read and write the bytes */
};

struct tcp_opt {
	int		level;
	int		name;
	enum opt_fmt	fmt;
	uint32_t	flag;	/* XT_TF_* the int sets and reads, or 0 */
	/* OPT_INT, OPT_IPINT: after the flag, if any; NULL = read-only */
	int		(*set)(struct xtcp_sock *, int);
	int		(*get)(struct xtcp_sock *);	/* NULL: the flag */
	/* OPT_RAW */
	int		(*set_raw)(struct xtcp_sock *, const void *, size_t);
	int		(*get_raw)(struct xtcp_sock *, void *, size_t *);
};

static int	opt_int(const void *, size_t, int *);
static int	opt_put_int(void *, size_t *, int);
static int	opt_ip_int(const void *, size_t, int *);
static int	opt_ip_put_int(void *, size_t *, int);
static const struct tcp_opt *opt_find(int, int);
static void	opt_push(struct xtcp_sock *);
static uint32_t	secs_to_retrans(uint32_t);
static uint32_t	retrans_to_secs(uint32_t);
static int	set_bufsize(struct xtcp_sock *, struct xt_ring *, uint32_t *,
		    int);

static int	so_linger_set(struct xtcp_sock *, const void *, size_t);
static int	so_linger_get(struct xtcp_sock *, void *, size_t *);
static int	so_keepalive_set(struct xtcp_sock *, int);
static int	so_reuse_set(struct xtcp_sock *, int);
static int	so_sndbuf_set(struct xtcp_sock *, int);
static int	so_sndbuf_get(struct xtcp_sock *);
static int	so_rcvbuf_set(struct xtcp_sock *, int);
static int	so_rcvbuf_get(struct xtcp_sock *);
static int	so_zerocopy_set(struct xtcp_sock *, int);
static int	so_zerocopy_get(struct xtcp_sock *);
static int	so_error_get(struct xtcp_sock *);
static int	so_acceptconn_get(struct xtcp_sock *);
static int	tcp_congestion_set(struct xtcp_sock *, const void *, size_t);
static int	tcp_congestion_get(struct xtcp_sock *, void *, size_t *);
static int	tcp_info_get(struct xtcp_sock *, void *, size_t *);
static int	tcp_cc_info_get(struct xtcp_sock *, void *, size_t *);
static int	tcp_nodelay_set(struct xtcp_sock *, int);
static int	tcp_maxseg_set(struct xtcp_sock *, int);
static int	tcp_maxseg_get(struct xtcp_sock *);
static int	tcp_keepidle_set(struct xtcp_sock *, int);
static int	tcp_keepidle_get(struct xtcp_sock *);
static int	tcp_keepintvl_set(struct xtcp_sock *, int);
static int	tcp_keepintvl_get(struct xtcp_sock *);
static int	tcp_keepcnt_set(struct xtcp_sock *, int);
static int	tcp_keepcnt_get(struct xtcp_sock *);
static int	tcp_user_timeout_set(struct xtcp_sock *, int);
static int	tcp_user_timeout_get(struct xtcp_sock *);
static int	tcp_syncnt_set(struct xtcp_sock *, int);
static int	tcp_syncnt_get(struct xtcp_sock *);
static int	tcp_cork_set(struct xtcp_sock *, int);
static int	tcp_cork_get(struct xtcp_sock *);
static int	tcp_notsent_lowat_set(struct xtcp_sock *, int);
static int	tcp_notsent_lowat_get(struct xtcp_sock *);
static int	tcp_quickack_set(struct xtcp_sock *, int);
static int	tcp_quickack_get(struct xtcp_sock *);
static int	tcp_window_clamp_set(struct xtcp_sock *, int);
static int	tcp_window_clamp_get(struct xtcp_sock *);
static int	tcp_linger2_set(struct xtcp_sock *, int);
static int	tcp_linger2_get(struct xtcp_sock *);
static int	tcp_defer_accept_set(struct xtcp_sock *, int);
static int	tcp_defer_accept_get(struct xtcp_sock *);
static int	tcp_fastopen_set(struct xtcp_sock *, int);
static int	tcp_fastopen_get(struct xtcp_sock *);
static int	tcp_fastopen_connect_set(struct xtcp_sock *, int);
static int	tcp_fastopen_connect_get(struct xtcp_sock *);
static int	ip_tos_set(struct xtcp_sock *, int);
static int	ip_tos_get(struct xtcp_sock *);
static int	ip_ttl_set(struct xtcp_sock *, int);
static int	ip_ttl_get(struct xtcp_sock *);
static int	ip_freebind_set(struct xtcp_sock *, int);
static int	ip_freebind_get(struct xtcp_sock *);
static int	ip_bind_noport_set(struct xtcp_sock *, int);
static int	ip_bind_noport_get(struct xtcp_sock *);

/* An int option, a flag option (with an optional hook run after the flag
 * is set), an IPPROTO_IP int, and one whose handlers take the bytes. */
#define OPT_I(lv, nm, set, get)	{ (lv), (nm), OPT_INT, 0, (set), (get), \
				    NULL, NULL }
#define OPT_F(lv, nm, fl, hook)	{ (lv), (nm), OPT_INT, (fl), (hook), NULL, \
				    NULL, NULL }
#define OPT_IP(nm, set, get)	{ IPPROTO_IP, (nm), OPT_IPINT, 0, (set), \
				    (get), NULL, NULL }
#define OPT_R(lv, nm, set, get)	{ (lv), (nm), OPT_RAW, 0, NULL, NULL, \
				    (set), (get) }

static const struct tcp_opt tcp_opts[] = {
	OPT_R(SOL_SOCKET, SO_LINGER, so_linger_set, so_linger_get),
	OPT_F(SOL_SOCKET, SO_REUSEADDR, XT_TF_REUSEADDR, so_reuse_set),
	OPT_F(SOL_SOCKET, SO_REUSEPORT, XT_TF_REUSEPORT, so_reuse_set),
	OPT_F(SOL_SOCKET, SO_OOBINLINE, XT_TF_OOBINLINE, NULL),
	OPT_F(SOL_SOCKET, SO_KEEPALIVE, XT_TF_KEEPALIVE, so_keepalive_set),
	OPT_I(SOL_SOCKET, SO_SNDBUF, so_sndbuf_set, so_sndbuf_get),
	OPT_I(SOL_SOCKET, SO_RCVBUF, so_rcvbuf_set, so_rcvbuf_get),
	OPT_I(SOL_SOCKET, SO_ZEROCOPY, so_zerocopy_set, so_zerocopy_get),
	OPT_I(SOL_SOCKET, SO_ERROR, NULL, so_error_get),
	OPT_I(SOL_SOCKET, SO_ACCEPTCONN, NULL, so_acceptconn_get),
	OPT_R(IPPROTO_TCP, TCP_CONGESTION, tcp_congestion_set,
	    tcp_congestion_get),
	OPT_R(IPPROTO_TCP, TCP_INFO, NULL, tcp_info_get),
	OPT_R(IPPROTO_TCP, TCP_CC_INFO, NULL, tcp_cc_info_get),
	OPT_F(IPPROTO_TCP, TCP_NODELAY, XT_TF_NODELAY, tcp_nodelay_set),
	OPT_I(IPPROTO_TCP, TCP_MAXSEG, tcp_maxseg_set, tcp_maxseg_get),
	OPT_I(IPPROTO_TCP, TCP_KEEPIDLE, tcp_keepidle_set, tcp_keepidle_get),
	OPT_I(IPPROTO_TCP, TCP_KEEPINTVL, tcp_keepintvl_set,
	    tcp_keepintvl_get),
	OPT_I(IPPROTO_TCP, TCP_KEEPCNT, tcp_keepcnt_set, tcp_keepcnt_get),
	OPT_I(IPPROTO_TCP, TCP_USER_TIMEOUT, tcp_user_timeout_set,
	    tcp_user_timeout_get),
	OPT_I(IPPROTO_TCP, TCP_SYNCNT, tcp_syncnt_set, tcp_syncnt_get),
	OPT_I(IPPROTO_TCP, TCP_CORK, tcp_cork_set, tcp_cork_get),
	OPT_I(IPPROTO_TCP, TCP_NOTSENT_LOWAT, tcp_notsent_lowat_set,
	    tcp_notsent_lowat_get),
	OPT_I(IPPROTO_TCP, TCP_QUICKACK, tcp_quickack_set, tcp_quickack_get),
	OPT_I(IPPROTO_TCP, TCP_WINDOW_CLAMP, tcp_window_clamp_set,
	    tcp_window_clamp_get),
	OPT_I(IPPROTO_TCP, TCP_LINGER2, tcp_linger2_set, tcp_linger2_get),
	OPT_I(IPPROTO_TCP, TCP_DEFER_ACCEPT, tcp_defer_accept_set,
	    tcp_defer_accept_get),
	OPT_I(IPPROTO_TCP, TCP_FASTOPEN, tcp_fastopen_set, tcp_fastopen_get),
	OPT_I(IPPROTO_TCP, TCP_FASTOPEN_CONNECT, tcp_fastopen_connect_set,
	    tcp_fastopen_connect_get),
	OPT_IP(IP_TOS, ip_tos_set, ip_tos_get),
	OPT_IP(IP_TTL, ip_ttl_set, ip_ttl_get),
	OPT_IP(IP_FREEBIND, ip_freebind_set, ip_freebind_get),
	OPT_IP(IP_BIND_ADDRESS_NO_PORT, ip_bind_noport_set,
	    ip_bind_noport_get),
};

/*
 * setsockopt.  An option we do not know (or cannot set) still has its
 * value checked as its level reads values, so a short or missing value
 * is EINVAL before ENOPROTOOPT, as Linux orders them.
 */
int
xtcp_setopt(struct xtcp_sock *s, int level, int name, const void *val,
    size_t len)
{
	const struct tcp_opt *o = opt_find(level, name);
	int v, err;

	if (val == NULL && len > 0)
		return (XT_EINVAL);	/* the shim says EFAULT before this */
	if (o != NULL && o->fmt == OPT_RAW && o->set_raw != NULL)
		return (o->set_raw(s, val, len));
	if (level == IPPROTO_IP)
		err = opt_ip_int(val, len, &v);
	else
		err = opt_int(val, len, &v);
	if (err != XT_OK)
		return (err);
	if (o == NULL || o->fmt == OPT_RAW || (o->flag == 0 && o->set == NULL))
		return (XT_ENOPROTOOPT);
	if (o->flag != 0) {
		if (v)
			s->t_flags |= o->flag;
		else
			s->t_flags &= ~o->flag;
	}
	return (o->set != NULL ? o->set(s, v) : XT_OK);
}

int
xtcp_getopt(struct xtcp_sock *s, int level, int name, void *val,
    size_t *len)
{
	const struct tcp_opt *o = opt_find(level, name);
	int v;

	if (val == NULL || len == NULL)
		return (XT_EINVAL);
	if (o == NULL)
		return (XT_ENOPROTOOPT);
	if (o->fmt == OPT_RAW)
		return (o->get_raw(s, val, len));
	v = o->get != NULL ? o->get(s) : !!(s->t_flags & o->flag);
	if (o->fmt == OPT_IPINT)
		return (opt_ip_put_int(val, len, v));
	return (opt_put_int(val, len, v));
}

static const struct tcp_opt *
opt_find(int level, int name)
{
	size_t i;

	for (i = 0; i < sizeof(tcp_opts) / sizeof(tcp_opts[0]); i++)
		if (tcp_opts[i].level == level && tcp_opts[i].name == name)
			return (&tcp_opts[i]);
	return (NULL);
}

static int
opt_int(const void *val, size_t len, int *v)
{
	if (val == NULL || len < sizeof(int))
		return (XT_EINVAL);
	memcpy(v, val, sizeof(int));
	return (XT_OK);
}

static int
opt_put_int(void *val, size_t *len, int v)
{
	size_t n = *len < sizeof(int) ? *len : sizeof(int);

	memcpy(val, &v, n);
	*len = n;
	return (XT_OK);
}

/* Linux do_ip_setsockopt: an int, or one byte when shorter, or 0 when
 * there is nothing at all. */
static int
opt_ip_int(const void *val, size_t len, int *v)
{
	*v = 0;
	if (len >= sizeof(int))
		memcpy(v, val, sizeof(int));
	else if (len >= 1)
		*v = *(const uint8_t *)val;
	return (val == NULL && len > 0 ? XT_EINVAL : XT_OK);
}

/* Linux do_ip_getsockopt: a buffer shorter than an int gets one byte
 * when the value fits. */
static int
opt_ip_put_int(void *val, size_t *len, int v)
{
	if (*len > 0 && *len < sizeof(int) && v >= 0 && v <= 255) {
		*(uint8_t *)val = (uint8_t)v;
		*len = 1;
		return (XT_OK);
	}
	return (opt_put_int(val, len, v));
}

/* Send what is queued now, past Nagle and a cork (Linux
 * TCP_NAGLE_PUSH), and flush it to the device. */
static void
opt_push(struct xtcp_sock *s)
{
	s->t_flags |= XT_TF_FORCE;
	xt_tcp_output(s);
	s->t_flags &= ~XT_TF_FORCE;
	xt_tx_flush(s->eng);
}

/* Linux's secs_to_retrans / retrans_to_secs for TCP_DEFER_ACCEPT, with
 * a 1 s initial timeout doubling up to 120 s. */
static uint32_t
secs_to_retrans(uint32_t secs)
{
	uint32_t res = 1, period = 1, timeout = 1;

	while (secs > period && res < 255) {
		res++;
		if (timeout < 120)
			timeout <<= 1;
		if (timeout > 120)
			timeout = 120;
		period += timeout;
	}
	return (res);
}

static uint32_t
retrans_to_secs(uint32_t retrans)
{
	uint32_t period = 1, timeout = 1;

	while (--retrans > 0) {
		if (timeout < 120)
			timeout <<= 1;
		if (timeout > 120)
			timeout = 120;
		period += timeout;
	}
	return (period);
}

/* Linux doubles SO_SNDBUF/SO_RCVBUF values for bookkeeping overhead and
 * reports the doubled value; we keep the doubled size as the buffer. */
static int
set_bufsize(struct xtcp_sock *s, struct xt_ring *r, uint32_t *size, int v)
{
	uint32_t want;

	if (v < 0)
		v = 0;
	want = (uint32_t)v > (64u << 20) ? (128u << 20) : (uint32_t)v * 2;
	if (want < 4608)		/* Linux SOCK_MIN_RCVBUF-ish floor */
		want = 4608;
	if (want < xt_ring_len(r))
		want = xt_ring_len(r);
	if (XT_TCPS_HAVERCVDSYN(s->state) && r == &s->rcv_buf &&
	    want < s->rcvbuf_size)
		return (XT_OK);		/* never shrink an offered window */
	if (xt_ring_resize(r, want) != XT_OK)
		return (XT_ENOBUFS);
	*size = want;
	/* as Linux: a buffer the program sized is not autotuned */
	if (r == &s->rcv_buf)
		s->t_rcvbuf_locked = 1;
	else
		s->t_sndbuf_locked = 1;
	if (r == &s->rcv_buf && s->state == XT_TCPS_CLOSED)
		xt_tcp_init_buffers_mss(s);
	return (XT_OK);
}

/*
 * SOL_SOCKET
 */

static int
so_linger_set(struct xtcp_sock *s, const void *val, size_t len)
{
	struct linger lg;

	if (val == NULL || len < sizeof(lg))
		return (XT_EINVAL);
	memcpy(&lg, val, sizeof(lg));
	if (lg.l_onoff && lg.l_linger == 0)
		s->t_flags |= XT_TF_LINGER0;
	else
		s->t_flags &= ~XT_TF_LINGER0;
	s->linger_s = lg.l_onoff ? (uint16_t)lg.l_linger : 0;
	return (XT_OK);
}

static int
so_linger_get(struct xtcp_sock *s, void *val, size_t *len)
{
	struct linger lg;
	size_t n = *len < sizeof(lg) ? *len : sizeof(lg);

	lg.l_onoff = (s->t_flags & XT_TF_LINGER0) || s->linger_s;
	lg.l_linger = s->linger_s;
	memcpy(val, &lg, n);
	*len = n;
	return (XT_OK);
}

static int
so_keepalive_set(struct xtcp_sock *s, int v)
{
	xt_tcp_arm_keep(s);
	return (XT_OK);
}

/* SO_REUSEADDR, SO_REUSEPORT: a bound socket counts as another
 * category on its port (tcp_subr.c); its entry exists, so no failure */
static int
so_reuse_set(struct xtcp_sock *s, int v)
{
	(void)v;
	return (xt_tcp_rehash(s));
}

static int
so_sndbuf_set(struct xtcp_sock *s, int v)
{
	return (set_bufsize(s, &s->snd_buf, &s->sndbuf_size, v));
}

static int
so_sndbuf_get(struct xtcp_sock *s)
{
	return ((int)s->sndbuf_size);
}

static int
so_rcvbuf_set(struct xtcp_sock *s, int v)
{
	return (set_bufsize(s, &s->rcv_buf, &s->rcvbuf_size, v));
}

static int
so_rcvbuf_get(struct xtcp_sock *s)
{
	return ((int)s->rcvbuf_size);
}

static int
so_zerocopy_set(struct xtcp_sock *s, int v)
{
	if (v < 0 || v > 1)
		return (XT_EINVAL);
	s->so_zerocopy = v;
	return (XT_OK);
}

static int
so_zerocopy_get(struct xtcp_sock *s)
{
	return (s->so_zerocopy);
}

/* The shim maps the value to an errno; we hand out the code, once. */
static int
so_error_get(struct xtcp_sock *s)
{
	return (xtcp_take_error(s));
}

static int
so_acceptconn_get(struct xtcp_sock *s)
{
	return (s->state == XT_TCPS_LISTEN);
}

/*
 * IPPROTO_TCP
 */

/* The name need not be terminated; what does not fit is cut off. */
static int
tcp_congestion_set(struct xtcp_sock *s, const void *val, size_t len)
{
	char cname[XT_CC_NAME_MAX];
	size_t n = len < sizeof(cname) - 1 ? len : sizeof(cname) - 1;

	if (val == NULL)
		return (XT_EINVAL);
	memcpy(cname, val, n);
	cname[n] = '\0';
	return (xt_tcp_cc_select(s, cname));
}

static int
tcp_congestion_get(struct xtcp_sock *s, void *val, size_t *len)
{
	char cname[XT_CC_NAME_MAX];
	size_t n = *len < sizeof(cname) ? *len : sizeof(cname);

	memset(cname, 0, sizeof(cname));
	strncpy(cname, xt_cc_ops(s->t_cc)->name, sizeof(cname) - 1);
	memcpy(val, cname, n);
	*len = n;
	return (XT_OK);
}

static int
tcp_info_get(struct xtcp_sock *s, void *val, size_t *len)
{
	*len = xt_tcp_fill_info(s, val, *len);
	return (XT_OK);
}

/* Linux: reno and cubic have no get_info: nothing copied. */
static int
tcp_cc_info_get(struct xtcp_sock *s, void *val, size_t *len)
{
	*len = 0;
	return (XT_OK);
}

/* Turning it on pushes what is queued at once, past a cork too (Linux
 * TCP_NAGLE_PUSH). */
static int
tcp_nodelay_set(struct xtcp_sock *s, int v)
{
	if (v && XT_TCPS_SYNCHRONIZED(s->state)) {
		xt_tcp_timer_set(s, XT_T_CORK, 0);
		opt_push(s);
	}
	return (XT_OK);
}

static int
tcp_maxseg_set(struct xtcp_sock *s, int v)
{
	if (v < 0 || (v != 0 && (v < 88 || v > 32767)))
		return (XT_EINVAL);
	s->t_user_mss = (uint16_t)v;
	return (XT_OK);
}

/* The MSS in use, else the one asked for, else the RFC 9293 §3.7.1
 * default. */
static int
tcp_maxseg_get(struct xtcp_sock *s)
{
	return (s->t_maxseg != 0 ? s->t_maxseg :
	    (s->t_user_mss != 0 ? s->t_user_mss : 536));
}

static int
tcp_keepidle_set(struct xtcp_sock *s, int v)
{
	if (v < 1 || v > 32767)
		return (XT_EINVAL);
	s->keep_idle_s = (uint32_t)v;
	xt_tcp_arm_keep(s);
	return (XT_OK);
}

static int
tcp_keepidle_get(struct xtcp_sock *s)
{
	return ((int)s->keep_idle_s);
}

static int
tcp_keepintvl_set(struct xtcp_sock *s, int v)
{
	if (v < 1 || v > 32767)
		return (XT_EINVAL);
	s->keep_intvl_s = (uint32_t)v;
	return (XT_OK);
}

static int
tcp_keepintvl_get(struct xtcp_sock *s)
{
	return ((int)s->keep_intvl_s);
}

static int
tcp_keepcnt_set(struct xtcp_sock *s, int v)
{
	if (v < 1 || v > 127)
		return (XT_EINVAL);
	s->keep_cnt = (uint32_t)v;
	return (XT_OK);
}

static int
tcp_keepcnt_get(struct xtcp_sock *s)
{
	return ((int)s->keep_cnt);
}

static int
tcp_user_timeout_set(struct xtcp_sock *s, int v)
{
	if (v < 0)
		return (XT_EINVAL);
	s->t_user_timeout_ms = (uint32_t)v;
	return (XT_OK);
}

static int
tcp_user_timeout_get(struct xtcp_sock *s)
{
	return ((int)s->t_user_timeout_ms);
}

static int
tcp_syncnt_set(struct xtcp_sock *s, int v)
{
	if (v < 1 || v > 127)	/* Linux MAX_TCP_SYNCNT */
		return (XT_EINVAL);
	s->t_syncnt = (uint32_t)v;
	return (XT_OK);
}

/* Unset, it reads as the engine's default (XTCP_SYN_RETRIES). */
static int
tcp_syncnt_get(struct xtcp_sock *s)
{
	return ((int)(s->t_syncnt != 0 ? s->t_syncnt :
	    s->eng->cfg.syn_retries));
}

/* Uncorking pushes what is queued (Linux). */
static int
tcp_cork_set(struct xtcp_sock *s, int v)
{
	s->t_cork_opt = v != 0;
	if (!v) {
		xt_tcp_timer_set(s, XT_T_CORK, 0);
		if (XT_TCPS_SYNCHRONIZED(s->state))
			opt_push(s);
	}
	return (XT_OK);
}

static int
tcp_cork_get(struct xtcp_sock *s)
{
	return (s->t_cork_opt);
}

static int
tcp_notsent_lowat_set(struct xtcp_sock *s, int v)
{
	s->t_notsent_lowat = v < 0 ? 0 : (uint32_t)v;
	xt_tcp_wakeup(s);
	return (XT_OK);
}

static int
tcp_notsent_lowat_get(struct xtcp_sock *s)
{
	return ((int)s->t_notsent_lowat);
}

/* On: ACK the next segments at once, and a delayed ACK now. */
static int
tcp_quickack_set(struct xtcp_sock *s, int v)
{
	if (v) {
		s->t_quickacks = 16;
		if (s->t_flags & XT_TF_DELACK) {
			xt_tcp_send_ack(s);
			xt_tx_flush(s->eng);
		}
	} else {
		s->t_quickacks = 0;
	}
	return (XT_OK);
}

static int
tcp_quickack_get(struct xtcp_sock *s)
{
	return (s->t_quickacks > 0);
}

/* Linux tcp_set_window_clamp: 0 only before the connection, else at
 * least half the minimum buffer. */
static int
tcp_window_clamp_set(struct xtcp_sock *s, int v)
{
	if (v == 0 && s->state != XT_TCPS_CLOSED)
		return (XT_EINVAL);
	s->t_window_clamp = v == 0 ? 0 : (v < 2304 ? 2304 : (uint32_t)v);
	return (XT_OK);
}

static int
tcp_window_clamp_get(struct xtcp_sock *s)
{
	return ((int)s->t_window_clamp);
}

static int
tcp_linger2_set(struct xtcp_sock *s, int v)
{
	s->t_linger2_s = v < 0 ? 0 :
	    (v > 120 ? 120 : v);	/* Linux caps at tcp_fin_timeout max */
	return (XT_OK);
}

/* Unset, it reads as the engine's FIN-WAIT-2 timeout. */
static int
tcp_linger2_get(struct xtcp_sock *s)
{
	return (s->t_linger2_s >= 0 ? s->t_linger2_s :
	    (int)(s->eng->cfg.finwait2_timeout_ms / 1000));
}

/* Linux keeps it as SYN-ACK retransmissions (1 s doubling, 120 s cap)
 * and reads back their sum. */
static int
tcp_defer_accept_set(struct xtcp_sock *s, int v)
{
	s->t_defer_accept_s = v <= 0 ? 0 :
	    retrans_to_secs(secs_to_retrans((uint32_t)v));
	return (XT_OK);
}

static int
tcp_defer_accept_get(struct xtcp_sock *s)
{
	return ((int)s->t_defer_accept_s);
}

/* A listener's Fast Open queue length. */
static int
tcp_fastopen_set(struct xtcp_sock *s, int v)
{
	if (v < 0)
		return (XT_EINVAL);
	s->t_tfo_qlen = (uint32_t)v;
	return (XT_OK);
}

static int
tcp_fastopen_get(struct xtcp_sock *s)
{
	return ((int)s->t_tfo_qlen);
}

static int
tcp_fastopen_connect_set(struct xtcp_sock *s, int v)
{
	if (s->state != XT_TCPS_CLOSED)
		return (XT_EISCONN);
	s->t_tfo_connect = v != 0;
	return (XT_OK);
}

static int
tcp_fastopen_connect_get(struct xtcp_sock *s)
{
	return (s->t_tfo_connect);
}

/*
 * IPPROTO_IP
 */

/* As Linux on a stream socket: the ECN field is TCP's, only the rest
 * of the byte is taken. */
static int
ip_tos_set(struct xtcp_sock *s, int v)
{
	s->ip_tos = (uint8_t)(v & 0xfc);
	return (XT_OK);
}

static int
ip_tos_get(struct xtcp_sock *s)
{
	return (s->ip_tos);
}

/* -1 is the default (64). */
static int
ip_ttl_set(struct xtcp_sock *s, int v)
{
	if (v < -1 || v == 0 || v > 255)
		return (XT_EINVAL);
	s->ip_ttl = v == -1 ? 0 : (uint8_t)v;
	return (XT_OK);
}

static int
ip_ttl_get(struct xtcp_sock *s)
{
	return (s->ip_ttl != 0 ? s->ip_ttl : 64);
}

static int
ip_freebind_set(struct xtcp_sock *s, int v)
{
	s->ip_freebind = v != 0;
	return (XT_OK);
}

static int
ip_freebind_get(struct xtcp_sock *s)
{
	return (s->ip_freebind);
}

static int
ip_bind_noport_set(struct xtcp_sock *s, int v)
{
	s->ip_bind_noport = v != 0;
	return (XT_OK);
}

static int
ip_bind_noport_get(struct xtcp_sock *s)
{
	return (s->ip_bind_noport);
}

/*
 * What a Linux child socket takes from its listener (sk_clone_lock copies
 * the socket, then tcp_create_openreq_child resets the connection
 * state): measured on Linux 6.x, every option below is inherited, and
 * SO_PRIORITY and TCP_FASTOPEN are not.  The shim copies the options it
 * keeps itself (SO_RCVLOWAT, the timeouts, SO_BINDTODEVICE, ...).
 */
void
xt_tcp_inherit(const struct xtcp_sock *lis, struct xtcp_sock *tp)
{
	tp->t_flags |= lis->t_flags & (XT_TF_NODELAY | XT_TF_KEEPALIVE |
	    XT_TF_OOBINLINE | XT_TF_REUSEADDR | XT_TF_REUSEPORT |
	    XT_TF_LINGER0);
	tp->linger_s = lis->linger_s;
	tp->t_cc = lis->t_cc;
	tp->t_user_mss = lis->t_user_mss;
	tp->keep_idle_s = lis->keep_idle_s;
	tp->keep_intvl_s = lis->keep_intvl_s;
	tp->keep_cnt = lis->keep_cnt;
	tp->ip_tos = lis->ip_tos;
	tp->ip_ttl = lis->ip_ttl;
	tp->ip_freebind = lis->ip_freebind;
	tp->ip_bind_noport = lis->ip_bind_noport;
	tp->so_zerocopy = lis->so_zerocopy;
	tp->t_user_timeout_ms = lis->t_user_timeout_ms;
	tp->t_syncnt = lis->t_syncnt;
	tp->t_cork_opt = lis->t_cork_opt;
	tp->t_notsent_lowat = lis->t_notsent_lowat;
	tp->t_window_clamp = lis->t_window_clamp;
	tp->t_linger2_s = lis->t_linger2_s;
	tp->t_tfo_connect = lis->t_tfo_connect;
	tp->t_rcvbuf_locked = lis->t_rcvbuf_locked;
	tp->t_sndbuf_locked = lis->t_sndbuf_locked;
	if (lis->rcvbuf_size != tp->rcvbuf_size &&
	    xt_ring_resize(&tp->rcv_buf, lis->rcvbuf_size) == XT_OK)
		tp->rcvbuf_size = lis->rcvbuf_size;
	if (lis->sndbuf_size != tp->sndbuf_size &&
	    xt_ring_resize(&tp->snd_buf, lis->sndbuf_size) == XT_OK)
		tp->sndbuf_size = lis->sndbuf_size;
}

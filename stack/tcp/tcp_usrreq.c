/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_usrreq.c - the socket API the shim calls: xtcp_socket, bind,
 * listen, accept, connect (and sendto with Fast Open), send, recv,
 * shutdown, close, names, poll and the small state readers; buffer
 * autotuning as reads and writes happen.  Socket options are in
 * tcp_opt.c.  Every call is non-blocking and reports "would block" as
 * XT_EAGAIN; the caller holds the engine lock and passes the time.
 *
 * Read first: RFC 9293 §3.10.1-3.10.6 (user calls: OPEN, SEND, RECEIVE,
 * CLOSE, ABORT, STATUS); Linux tcp(7) and socket(7) for the errno each
 * call returns in each state, which the programs we run depend on.
 */
#include <stdio.h>
#include <string.h>

#include "xt_engine.h"
#include "net/net.h"
#include "tcp/tcp_syncache.h"
#include "tcp/tcp_timewait.h"
#include "tcp/tcp_var.h"

static void	tcp_sndbuf_autotune(struct xtcp_sock *);
static uint32_t	tcp_notsent(const struct xtcp_sock *);
static void	tcp_rcvbuf_autotune(struct xtcp_sock *, uint32_t);

static void
usr_begin(struct xtcp_sock *s, uint64_t now)
{
	s->eng->now = now;
	XT_WORK_BEGIN(s->eng);
	XT_TCB_HOLD(s);
}

static void
usr_end(struct xtcp_sock *s)
{
	xt_tx_flush(s->eng);
}

int
xtcp_socket(struct xtcp_engine *eng, struct xtcp_sock **out)
{
	struct xtcp_sock *tp;

	*out = NULL;
	if ((tp = xt_tcp_alloc(eng)) == NULL)
		return (XT_ENOBUFS);
	xt_tcp_init_buffers_mss(tp);
	*out = tp;
	return (XT_OK);
}

void
xtcp_sock_set_user(struct xtcp_sock *s, uint32_t user)
{
	s->user = user;
}

uint32_t
xtcp_sock_get_user(const struct xtcp_sock *s)
{
	return (s->user);
}

int
xtcp_is_listening(const struct xtcp_sock *s)
{
	return (s->state == XT_TCPS_LISTEN);
}

int
xtcp_bind(struct xtcp_sock *s, uint32_t addr, uint16_t port)
{
	struct xtcp_engine *eng = s->eng;
	uint16_t p = port;
	int err;

	XT_WORK_BEGIN(s->eng);
	XT_TCB_HOLD(s);
	if (s->t_flags & XT_TF_BOUND)
		return (XT_EINVAL);
	if (addr != 0 && addr != eng->cfg.addr)
		return (XT_EADDRNOTAVAIL);
	if (p == 0 && s->ip_bind_noport) {
		/* Linux IP_BIND_ADDRESS_NO_PORT: the port is chosen by
		 * connect (or listen) */
	} else if (p == 0) {
		if ((err = xt_tcp_pick_port(eng, 0, 0, &p)) != XT_OK)
			return (err);
	} else {
		s->lport = p;
		if (xt_tcp_port_in_use(eng, p, s)) {
			s->lport = 0;
			return (XT_EADDRINUSE);
		}
		/* a port another process on the address holds is in use,
		 * whatever SO_REUSEADDR or SO_REUSEPORT say */
		if (XT_PORTS_SHARED(eng) &&
		    XT_PORTS_ASK(eng, XTCP_PORTS_BIND, p) != 0) {
			s->lport = 0;
			return (XT_EADDRINUSE);
		}
	}
	s->laddr = addr;
	s->lport = p;
	s->t_flags |= XT_TF_BOUND;
	if ((err = xt_tcp_rehash(s)) != XT_OK) {
		s->laddr = 0;
		s->lport = 0;
		s->t_flags &= ~XT_TF_BOUND;
		(void)xt_tcp_rehash(s);
		return (err);
	}
	return (XT_OK);
}

int
xtcp_listen(struct xtcp_sock *s, int backlog)
{
	int err;

	XT_WORK_BEGIN(s->eng);
	XT_TCB_HOLD(s);
	if (s->state != XT_TCPS_CLOSED && s->state != XT_TCPS_LISTEN)
		return (XT_EINVAL);
	if ((s->t_flags & XT_TF_CONNCALLED) || (s->t_flags & XT_TF_WASCONN))
		return (XT_EINVAL);
	if (!(s->t_flags & XT_TF_BOUND) &&
	    (err = xtcp_bind(s, 0, 0)) != XT_OK)	/* Linux autobinds */
		return (err);
	if (s->lport == 0) {		/* bound with IP_BIND_ADDRESS_NO_PORT */
		if ((err = xt_tcp_pick_port(s->eng, 0, 0, &s->lport)) !=
		    XT_OK)
			return (err);
		if ((err = xt_tcp_rehash(s)) != XT_OK) {
			s->lport = 0;
			(void)xt_tcp_rehash(s);
			return (err);
		}
	}
	if (backlog < 0)
		backlog = 0;
	if (backlog > 4096)		/* Linux somaxconn */
		backlog = 4096;
	s->t_backlog = (uint32_t)backlog;
	/* half-open connections wait in a table of their own, backlog + 1
	 * as Linux admits, with no socket or buffers (tcp_syncache.c) */
	xt_syncache_setup(s, (uint32_t)backlog + 1);
	xt_tcp_set_state(s, XT_TCPS_LISTEN);
	return (XT_OK);
}

int
xtcp_accept(struct xtcp_sock *s, uint64_t now_us, struct xtcp_sock **out,
    uint32_t *addr, uint16_t *port)
{
	struct xtcp_sock *c;
	int err;

	usr_begin(s, now_us);
	*out = NULL;
	if (s->state != XT_TCPS_LISTEN)
		return (XT_EINVAL);
	if ((c = xt_tcp_accept_head(s)) == NULL)
		return (XT_EAGAIN);
	/* bound to the listener's port, whose entry the listener holds:
	 * no memory is needed, but should it be, the child waits */
	c->t_flags |= XT_TF_BOUND;
	if ((err = xt_tcp_rehash(c)) != XT_OK) {
		c->t_flags &= ~XT_TF_BOUND;
		(void)xt_tcp_rehash(c);
		return (err);
	}
	xt_tcp_unlink_child(c);
	if (addr != NULL)
		*addr = c->faddr;
	if (port != NULL)
		*port = c->fport;
	*out = c;
	return (XT_OK);
}

/* The state checks of connect(2), as Linux orders them; XT_OK means
 * "go ahead and connect". */
static int
connect_check(struct xtcp_sock *s)
{
	int err;

	if (s->t_defer_connect)
		return (XT_EISCONN);
	switch (s->state) {
	case XT_TCPS_LISTEN:
		return (XT_EISCONN);
	case XT_TCPS_SYN_SENT:
	case XT_TCPS_SYN_RECEIVED:
		return (XT_EALREADY);
	case XT_TCPS_CLOSED:
		if ((s->t_flags & (XT_TF_CONNCALLED | XT_TF_WASCONN)) ==
		    (XT_TF_CONNCALLED | XT_TF_WASCONN) &&
		    !(s->t_flags & XT_TF_CONNREPORTED)) {
			/* established, then reset before the caller looked:
			 * the connect succeeded; the reset is the next call's
			 * error (SO_ERROR stays set) */
			s->t_flags |= XT_TF_CONNREPORTED;
			s->t_flags &= ~XT_TF_CONNCALLED;
			return (1);
		}
		if (s->t_flags & XT_TF_CONNCALLED) {
			/* the attempt failed: report it once, and as Linux
			 * (tcp_disconnect) the socket is as new again */
			s->t_flags &= ~(XT_TF_CONNCALLED | XT_TF_RCVSHUT |
			    XT_TF_RDSHUT);
			err = s->so_error != XT_OK ? s->so_error :
			    XT_ECONNABORTED;
			s->so_error = XT_OK;
			return (err);
		}
		if (s->t_flags & XT_TF_WASCONN)
			return (XT_EISCONN);
		return (XT_OK);
	default:
		if ((s->t_flags & XT_TF_CONNCALLED) &&
		    !(s->t_flags & XT_TF_CONNREPORTED)) {
			s->t_flags |= XT_TF_CONNREPORTED;
			s->t_flags &= ~XT_TF_CONNCALLED;
			return (1);	/* report success once */
		}
		return (XT_EISCONN);
	}
}

/* Choose the addresses of a new connection (no packet yet). */
static int
connect_bind(struct xtcp_sock *s, uint32_t addr, uint16_t port)
{
	struct xtcp_engine *eng = s->eng;
	uint32_t nh, laddr0 = s->laddr, faddr0 = s->faddr;
	uint32_t flags0 = s->t_flags;
	uint16_t lport0 = s->lport, fport0 = s->fport;
	int err;

	if (port == 0 || addr == 0)
		return (XT_ECONNREFUSED);	/* Linux: port 0 is refused */
	if ((addr >> 28) == 0xe || addr == 0xffffffffu)
		return (XT_ENETUNREACH);	/* no multicast/broadcast TCP */
	if (addr == eng->cfg.addr) {
		/*
		 * Our own address: the wire never brings back what we send
		 * (a frame from our own address is dropped on receipt), so
		 * another process on the address, or this one, is not
		 * reached.  Refused at once rather than a SYN that retries.
		 */
		XT_STAT_INC(eng, tcp_conn_self);
		xt_log(eng, XTCP_LOG_ERROR, "connect to %u.%u.%u.%u:%u, our "
		    "own address: refused (connections between processes on "
		    "one stack address are not supported, see xtcp(7))",
		    addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
		    addr & 0xff, port);
		return (XT_ECONNREFUSED);
	}
	if ((err = xt_ip_route(eng, addr, &nh)) != XT_OK)
		return (err);
	if (!(s->t_flags & XT_TF_BOUND) || s->lport == 0) {
		if ((err = xt_tcp_pick_port(eng, addr, port, &s->lport)) !=
		    XT_OK)
			return (err);
		s->t_flags |= XT_TF_BOUND;
	} else if (xt_tcp_lookup(eng, eng->cfg.addr, s->lport, addr, port,
	    0) != NULL) {
		return (XT_EADDRNOTAVAIL);
	}
	s->laddr = eng->cfg.addr;
	s->faddr = addr;
	s->fport = port;
	if ((err = xt_tcp_rehash(s)) != XT_OK) {
		s->laddr = laddr0;
		s->lport = lport0;
		s->faddr = faddr0;
		s->fport = fport0;
		s->t_flags = flags0;
		(void)xt_tcp_rehash(s);
		return (err);
	}
	return (XT_OK);
}

/* Start the handshake towards faddr:fport (RFC 9293 §3.10.1 OPEN). */
static void
connect_start(struct xtcp_sock *s)
{
	struct xtcp_engine *eng = s->eng;

	s->so_error = XT_OK;
	xt_tcp_init_buffers_mss(s);
	s->t_maxseg = s->t_advmss;
	s->iss = xt_tcp_new_isn(eng, s->laddr, s->lport, s->faddr, s->fport);
	s->snd_una = s->snd_nxt = s->snd_max = s->iss;
	s->snd_recover = s->iss;
	s->t_ecn_recover = s->iss;
	s->ts_offset = xt_tcp_ts_offset(eng, s->laddr, s->lport, s->faddr,
	    s->fport);
	s->t_conn_start_us = eng->now;
	s->t_una_since_us = 0;
	s->t_flags &= ~(XT_TF_TS_OK | XT_TF_SACK_OK | XT_TF_WS_OK);
	s->snd_buf_seq = s->iss + 1;
	s->t_flags |= XT_TF_CONNCALLED;
	s->t_flags &= ~XT_TF_CONNREPORTED;
	s->t_rtseq = s->iss;
	s->t_rtttime = eng->now;	/* time the SYN (Karn: only if not resent) */
	XT_STAT_INC(eng, tcp_conn_attempt);
	xt_tcp_set_state(s, XT_TCPS_SYN_SENT);
	xt_tcp_output(s);
	usr_end(s);
}

int
xtcp_connect(struct xtcp_sock *s, uint64_t now_us, uint32_t addr,
    uint16_t port)
{
	struct xtcp_engine *eng = s->eng;
	uint8_t clen, cookie[XT_TFO_COOKIE_MAX];
	int err;

	usr_begin(s, now_us);
	if ((err = connect_check(s)) != XT_OK)
		return (err == 1 ? XT_OK : err);
	if ((err = connect_bind(s, addr, port)) != XT_OK)
		return (err);
	/* TCP_FASTOPEN_CONNECT (Linux): with a cookie in hand, connect()
	 * succeeds at once and the first send carries the SYN and data */
	s->t_tfo_syn = 0;
	if (s->t_tfo_connect && (eng->cfg.fastopen & 1)) {
		s->t_tfo_syn = 1;
		if (xt_tfo_cache_get(eng, addr, &clen, cookie)) {
			s->t_defer_connect = 1;
			return (XT_OK);
		}
	}
	connect_start(s);
	return (XT_EINPROGRESS);
}

/*
 * sendto(MSG_FASTOPEN) on an unconnected socket (RFC 7413, Linux API):
 * connect and send in the SYN.  With a cookie for addr the data (up to
 * what the buffer takes) is queued, goes in the SYN, and the call
 * returns XT_OK with *sent; without one the SYN asks for a cookie and
 * the call returns XT_EINPROGRESS with nothing queued, as Linux does.
 */
int
xtcp_sendto_fastopen(struct xtcp_sock *s, uint64_t now_us, uint32_t addr,
    uint16_t port, const void *buf, size_t len, size_t *sent)
{
	struct xtcp_engine *eng = s->eng;
	uint8_t clen, cookie[XT_TFO_COOKIE_MAX];
	int err;

	usr_begin(s, now_us);
	*sent = 0;
	if (!s->t_defer_connect) {
		if ((err = connect_check(s)) != XT_OK)
			return (err == 1 ? XT_EISCONN : err);
		if ((err = connect_bind(s, addr, port)) != XT_OK)
			return (err);
	}
	s->t_defer_connect = 0;
	s->t_tfo_syn = (eng->cfg.fastopen & 1) != 0;
	if (s->t_tfo_syn && xt_tfo_cache_get(eng, s->faddr, &clen, cookie)) {
		*sent = xt_ring_write(&s->snd_buf, buf,
		    len > UINT32_MAX ? UINT32_MAX : (uint32_t)len);
		connect_start(s);
		return (XT_OK);
	}
	connect_start(s);
	return (XT_EINPROGRESS);
}

/*
 * Linux tcp_sendmsg with TCP_NOTSENT_LOWAT: data goes in pieces of one
 * MSS (the size of a segment to a small window), each sent as far as the
 * window lets it, and a new piece is taken only while the unsent bytes
 * are below the mark.  The bytes taken.
 */
static uint32_t
send_lowat(struct xtcp_sock *s, const uint8_t *buf, uint32_t want)
{
	uint32_t n = 0, k, w, piece = s->t_maxseg != 0 ? s->t_maxseg : 536;

	while (n < want && tcp_notsent(s) < s->t_notsent_lowat) {
		k = want - n < piece ? want - n : piece;
		w = xt_ring_write(&s->snd_buf, buf + n, k);
		if (w < k) {
			tcp_sndbuf_autotune(s);
			w += xt_ring_write(&s->snd_buf, buf + n + w, k - w);
		}
		n += w;
		if (w < k)
			break;
		xt_tcp_output(s);
	}
	return (n);
}

int
xtcp_send(struct xtcp_sock *s, uint64_t now_us, const void *buf,
    size_t len, int flags, size_t *sent)
{
	uint32_t n, want;
	uint8_t more;
	int err;

	usr_begin(s, now_us);
	*sent = 0;
	if (s->t_defer_connect && len > 0)
		return (xtcp_sendto_fastopen(s, now_us, s->faddr, s->fport,
		    buf, len, sent) == XT_OK ? XT_OK : XT_EAGAIN);
	/* Linux tcp_sendmsg: a pending error first, then EPIPE */
	if (s->so_error != XT_OK) {
		err = s->so_error;
		s->so_error = XT_OK;
		return (err);
	}
	switch (s->state) {
	case XT_TCPS_CLOSED:
		return ((s->t_flags & XT_TF_WASCONN) ? XT_EPIPE :
		    XT_ENOTCONN);
	case XT_TCPS_LISTEN:
		return (XT_ENOTCONN);
	case XT_TCPS_SYN_SENT:
	case XT_TCPS_SYN_RECEIVED:
		return (XT_EAGAIN);	/* the caller waits for the handshake */
	default:
		break;
	}
	if (s->t_flags & XT_TF_FINQUEUED)
		return (XT_EPIPE);
	if (len == 0)
		return (XT_OK);
	want = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	more = s->t_more;
	/* MSG_MORE corks this send only (Linux tcp_sendmsg) */
	s->t_more = (flags & XTCP_MSG_MORE) != 0;
	if (s->t_notsent_lowat != 0)
		n = send_lowat(s, buf, want);
	else {
		n = xt_ring_write(&s->snd_buf, buf, want);
		if (n < want) {
			tcp_sndbuf_autotune(s);
			n += xt_ring_write(&s->snd_buf,
			    (const uint8_t *)buf + n, want - n);
		}
	}
	if (n == 0) {
		s->t_more = more;
		/* room in the buffer but no memory for it (XTCP_MEM_MAX) */
		return (xt_ring_space(&s->snd_buf) > 0 &&
		    (s->t_notsent_lowat == 0 ||
		    tcp_notsent(s) < s->t_notsent_lowat) ? XT_ENOBUFS :
		    XT_EAGAIN);
	}
	*sent = n;
	/* MSG_OOB: the last byte sent is urgent (BSD/Linux semantics) */
	if (flags & XTCP_MSG_OOB) {
		s->snd_up = s->snd_buf_seq + xt_ring_len(&s->snd_buf);
		s->t_flags |= XT_TF_SNDURG;
	}
	if (!s->t_more && !s->t_cork_opt)
		xt_tcp_timer_set(s, XT_T_CORK, 0);
	xt_tcp_output(s);
	usr_end(s);
	return (XT_OK);
}

xt_seq_t
xt_tcp_read_seq(const struct xtcp_sock *tp)
{
	return (tp->rcv_nxt - xt_ring_len(&tp->rcv_buf) -
	    ((tp->t_flags & XT_TF_RCVDFIN) ? 1 : 0));
}

/* recv(MSG_OOB): the urgent byte, as Linux: EINVAL when there is none or
 * it is inline, EAGAIN when announced but not yet arrived. */
static int
recv_oob(struct xtcp_sock *s, void *buf, size_t len, int flags, size_t *got)
{
	if ((s->t_flags & XT_TF_OOBINLINE) || !(s->t_flags & XT_TF_HAVEMARK))
		return (XT_EINVAL);
	if (!(s->t_flags & XT_TF_HAVEOOB)) {
		if (SEQ_LT(s->rcv_mark, s->rcv_nxt))
			return (XT_EINVAL);	/* already taken */
		return ((s->t_flags & XT_TF_RCVSHUT) ? XT_EINVAL : XT_EAGAIN);
	}
	if (len > 0) {
		*(uint8_t *)buf = s->t_oobbyte;
		*got = 1;
		if (!(flags & XTCP_MSG_PEEK))
			s->t_flags &= ~XT_TF_HAVEOOB;
	}
	return (XT_OK);
}

/*
 * Receive-buffer autotuning (as Linux's dynamic right-sizing): once per
 * RTT, look at how much the program read; if that is a good part of the
 * buffer, the window (not the program) limits the sender, so double the
 * buffer up to rmem_max.  The window scale was chosen for rmem_max.
 */
static void
tcp_rcvbuf_autotune(struct xtcp_sock *s, uint32_t n)
{
	struct xtcp_engine *eng = s->eng;
	uint32_t rtt = s->t_rtt.srtt_us > 1000 ? s->t_rtt.srtt_us : 1000;
	uint32_t want;

	if (!eng->cfg.autotune || s->t_rcvbuf_locked)
		return;
	s->t_rcvq_copied += n;
	if (s->t_rcvq_time == 0) {
		s->t_rcvq_time = eng->now;
		return;
	}
	if (eng->now - s->t_rcvq_time < rtt)
		return;
	if (s->t_rcvq_copied >= s->rcvbuf_size / 4 &&
	    s->rcvbuf_size < eng->cfg.rmem_max) {
		want = s->rcvbuf_size * 2;
		if (want > eng->cfg.rmem_max)
			want = eng->cfg.rmem_max;
		if (xt_ring_resize(&s->rcv_buf, want) == XT_OK) {
			s->rcvbuf_size = want;
			XT_STAT_INC(eng, tcp_rcvbuf_grown);
		}
	}
	s->t_rcvq_copied = 0;
	s->t_rcvq_time = eng->now;
}

/* Send-buffer growth (as Linux's tcp_sndbuf_expand): a full buffer while
 * cwnd could use more than half of it grows it up to wmem_max. */
static void
tcp_sndbuf_autotune(struct xtcp_sock *s)
{
	struct xtcp_engine *eng = s->eng;
	uint32_t want;

	if (!eng->cfg.autotune || s->t_sndbuf_locked ||
	    s->sndbuf_size >= eng->cfg.wmem_max ||
	    s->snd_cwnd < s->sndbuf_size / 2)
		return;
	want = s->sndbuf_size * 2;
	if (want > eng->cfg.wmem_max)
		want = eng->cfg.wmem_max;
	if (xt_ring_resize(&s->snd_buf, want) == XT_OK) {
		s->sndbuf_size = want;
		XT_STAT_INC(eng, tcp_sndbuf_grown);
	}
}

int
xtcp_recv(struct xtcp_sock *s, uint64_t now_us, void *buf, size_t len,
    int flags, size_t *got)
{
	uint32_t n, want, avail;
	xt_seq_t rs;
	int err;

	usr_begin(s, now_us);
	*got = 0;
	if (s->state == XT_TCPS_LISTEN)
		return (XT_ENOTCONN);
	if (flags & XTCP_MSG_OOB)
		return (recv_oob(s, buf, len, flags, got));
	if (xt_ring_len(&s->rcv_buf) > 0 && len > 0) {
		want = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
		avail = xt_ring_len(&s->rcv_buf);
		if (s->t_flags & XT_TF_HAVEMARK) {
			rs = xt_tcp_read_seq(s);
			if (rs == s->rcv_mark &&
			    !(s->t_flags & XT_TF_OOBINLINE) &&
			    SEQ_LT(s->rcv_mark, s->rcv_nxt)) {
				/* at the mark: the urgent byte went out of
				 * band; step over it (Linux tcp_recvmsg) */
				if (!(flags & XTCP_MSG_PEEK)) {
					(void)xt_ring_discard(&s->rcv_buf, 1);
					s->t_flags &= ~XT_TF_HAVEMARK;
				}
				avail = xt_ring_len(&s->rcv_buf);
				if (avail == 0)
					goto empty;
				if (flags & XTCP_MSG_PEEK) {
					*got = xt_ring_peek(&s->rcv_buf, 1,
					    buf, want);
					return (XT_OK);
				}
			} else if (SEQ_GT(s->rcv_mark, rs) &&
			    s->rcv_mark - rs < want) {
				/* reads never cross the mark (CX/UX tcp(4P)) */
				want = s->rcv_mark - rs;
			} else if (rs == s->rcv_mark &&
			    (s->t_flags & XT_TF_OOBINLINE) &&
			    !(flags & XTCP_MSG_PEEK)) {
				s->t_flags &= ~XT_TF_HAVEMARK;
			}
		}
		if (flags & XTCP_MSG_PEEK) {
			*got = xt_ring_peek(&s->rcv_buf, 0, buf, want);
			return (XT_OK);
		}
		n = xt_ring_read(&s->rcv_buf, buf, want);
		*got = n;
		/* emptied, and nothing waits out of order: no storage; and
		 * reading is what frees memory (tcp_input.c) */
		if (xt_asm_empty(&s->rcv_asm))
			xt_ring_release(&s->rcv_buf);
		s->t_rcv_memshort = 0;
		tcp_rcvbuf_autotune(s, n);
		/* the program made room: maybe a window update is due */
		if (XT_TCPS_SYNCHRONIZED(s->state))
			xt_tcp_output(s);
		usr_end(s);
		return (XT_OK);
	}
empty:
	if (len == 0)
		return (XT_OK);
	if (s->so_error != XT_OK) {
		err = s->so_error;
		s->so_error = XT_OK;
		return (err);
	}
	if (s->t_flags & (XT_TF_RCVSHUT | XT_TF_RDSHUT))
		return (XT_OK);		/* end of stream */
	switch (s->state) {
	case XT_TCPS_CLOSED:
		return ((s->t_flags & XT_TF_WASCONN) ? XT_OK : XT_ENOTCONN);
	default:
		return (XT_EAGAIN);
	}
}

/* SIOCATMARK: is the next byte to read the urgent byte? */
int
xtcp_sock_atmark(const struct xtcp_sock *s)
{
	return ((s->t_flags & XT_TF_HAVEMARK) &&
	    xt_tcp_read_seq(s) == s->rcv_mark);
}

static void
tcp_listener_stop(struct xtcp_sock *s)
{
	struct xtcp_engine *eng = s->eng;
	struct xtcp_sock *c, *next;

	for (c = s->t_chead; c != NULL; c = next) {
		next = c->t_cnext;	/* dropping c frees c alone */
		xt_tcp_send_rst(c);
		c->t_flags |= XT_TF_ORPHAN;
		c->user = 0;
		xt_tcp_drop(c, XT_OK);	/* unlinks and frees the child */
	}
	/* half-open ones are forgotten: their ACK will find no listener
	 * and get an RST (Linux) */
	xt_syncache_destroy(s);
	s->t_evseq++;
	xt_tcp_set_state(s, XT_TCPS_CLOSED);
	s->t_flags &= ~XT_TF_BOUND;
	(void)xt_tcp_rehash(s);		/* off the port: never fails */
	xt_tcp_wakeup(s);
	xt_tx_flush(eng);
}

/* Input events so far (edge-triggered epoll compares them). */
uint32_t
xtcp_sock_evseq(const struct xtcp_sock *s)
{
	return (s->t_evseq);
}

int
xtcp_shutdown(struct xtcp_sock *s, uint64_t now_us, int how)
{
	usr_begin(s, now_us);
	if (how < 0 || how > 2)
		return (XT_EINVAL);
	switch (s->state) {
	case XT_TCPS_CLOSED:
	case XT_TCPS_SYN_SENT:
		return (XT_ENOTCONN);
	case XT_TCPS_LISTEN:
		/* Linux (inet_shutdown -> tcp_disconnect): SHUT_RD or
		 * SHUT_RDWR stops a listener, resets the connections not yet
		 * accepted and wakes accept(), which then fails; SHUT_WR
		 * alone does nothing */
		if (how == 1)
			return (XT_OK);
		tcp_listener_stop(s);
		return (XT_OK);
	default:
		break;
	}
	if (how == 0 || how == 2) {
		s->t_flags |= XT_TF_RDSHUT;
		xt_tcp_wakeup(s);
	}
	if ((how == 1 || how == 2) && !(s->t_flags & XT_TF_FINQUEUED)) {
		s->t_flags |= XT_TF_FINQUEUED;
		switch (s->state) {
		case XT_TCPS_SYN_RECEIVED:
		case XT_TCPS_ESTABLISHED:
			xt_tcp_set_state(s, XT_TCPS_FIN_WAIT_1);
			break;
		case XT_TCPS_CLOSE_WAIT:
			xt_tcp_set_state(s, XT_TCPS_LAST_ACK);
			break;
		default:
			break;
		}
		xt_tcp_output(s);
		xt_tcp_wakeup(s);
	}
	usr_end(s);
	return (XT_OK);
}

void
xtcp_close(struct xtcp_sock *s, uint64_t now_us)
{
	struct xtcp_engine *eng = s->eng;

	usr_begin(s, now_us);
	s->user = 0;
	s->t_flags |= XT_TF_ORPHAN;
	switch (s->state) {
	case XT_TCPS_CLOSED:
	case XT_TCPS_LISTEN:
	case XT_TCPS_SYN_SENT:
		xt_tcp_set_state(s, XT_TCPS_CLOSED);
		xt_tcp_free(s);
		xt_tx_flush(eng);
		return;
	case XT_TCPS_TIME_WAIT:
		xt_tw_from_tcb(s);	/* TIME-WAIT goes on without the TCB */
		xt_tx_flush(eng);
		return;
	default:
		break;
	}
	/* Linux tcp_close: unread data or SO_LINGER 0 aborts with RST
	 * (RFC 2525 §2.17) */
	if (xt_ring_len(&s->rcv_buf) > 0 || (s->t_flags & XT_TF_LINGER0)) {
		xt_tcp_send_rst(s);
		xt_tcp_drop(s, XT_OK);
		xt_tx_flush(eng);
		return;
	}
	s->t_flags |= XT_TF_RDSHUT;
	if (!(s->t_flags & XT_TF_FINQUEUED)) {
		s->t_flags |= XT_TF_FINQUEUED;
		if (s->state == XT_TCPS_ESTABLISHED ||
		    s->state == XT_TCPS_SYN_RECEIVED)
			xt_tcp_set_state(s, XT_TCPS_FIN_WAIT_1);
		else if (s->state == XT_TCPS_CLOSE_WAIT)
			xt_tcp_set_state(s, XT_TCPS_LAST_ACK);
		xt_tcp_output(s);
	} else if (s->state == XT_TCPS_FIN_WAIT_2) {
		xt_tcp_timer_set(s, XT_T_2MSL, eng->now +
		    (s->t_linger2_s >= 0 ?
		    (uint64_t)s->t_linger2_s * 1000000 :
		    (uint64_t)eng->cfg.finwait2_timeout_ms * 1000));
		xt_engine_timer_armed(eng, s->t_2msl_at);
	}
	xt_tx_flush(eng);
}

int
xtcp_getsockname(const struct xtcp_sock *s, uint32_t *addr, uint16_t *port)
{
	*addr = s->laddr != 0 ? s->laddr :
	    ((s->state != XT_TCPS_CLOSED && s->state != XT_TCPS_LISTEN) ?
	    s->eng->cfg.addr : 0);
	*port = s->lport;
	return (XT_OK);
}

int
xtcp_getpeername(const struct xtcp_sock *s, uint32_t *addr, uint16_t *port)
{
	/* Linux: ENOTCONN unless established or further (a closed socket
	 * that was connected reports ENOTCONN too) */
	if ((s->state == XT_TCPS_CLOSED && !s->t_defer_connect) ||
	    s->state == XT_TCPS_LISTEN || s->state == XT_TCPS_SYN_SENT)
		return (XT_ENOTCONN);
	*addr = s->faddr;
	*port = s->fport;
	return (XT_OK);
}

/* Bytes queued but not yet sent (TCP_NOTSENT_LOWAT). */
static uint32_t
tcp_notsent(const struct xtcp_sock *s)
{
	uint32_t len = xt_ring_len(&s->snd_buf), sent;

	sent = SEQ_GT(s->snd_max, s->snd_buf_seq) ?
	    s->snd_max - s->snd_buf_seq : 0;
	return (sent >= len ? 0 : len - sent);
}

/* Linux tcp_poll, state by state. */
unsigned
xtcp_poll(const struct xtcp_sock *s)
{
	unsigned m = 0;

	if (s->state == XT_TCPS_LISTEN)
		return (xt_tcp_accept_head(s) != NULL ? XTCP_POLLIN : 0);
	if (s->t_defer_connect)
		return (XTCP_POLLOUT);
	/* a Fast Open child may have data before the handshake ends */
	if (s->state == XT_TCPS_SYN_RECEIVED && xt_ring_len(&s->rcv_buf) > 0)
		m |= XTCP_POLLIN;
	if (s->state == XT_TCPS_CLOSED)
		m |= XTCP_POLLHUP;
	/* Linux: both directions shut (sk_shutdown == SHUTDOWN_MASK; a
	 * shutdown(SHUT_RD) counts as the receive side) */
	if ((s->t_flags & XT_TF_FINQUEUED) &&
	    (s->t_flags & (XT_TF_RCVSHUT | XT_TF_RDSHUT)))
		m |= XTCP_POLLHUP;
	if (s->t_flags & (XT_TF_RCVSHUT | XT_TF_RDSHUT))
		m |= XTCP_POLLIN | XTCP_POLLRDHUP;
	if (s->state != XT_TCPS_SYN_SENT &&
	    s->state != XT_TCPS_SYN_RECEIVED) {
		if (xt_ring_len(&s->rcv_buf) > 0)
			m |= XTCP_POLLIN;
		if (s->t_flags & XT_TF_HAVEOOB)
			m |= XTCP_POLLPRI;
		/* writable when a third of the buffer is free (Linux
		 * sk_stream_is_writeable: free >= used / 2) and, with
		 * TCP_NOTSENT_LOWAT, while twice the unsent bytes are below
		 * the mark (tcp_stream_memory_free with wake = 1) */
		if (!(s->t_flags & XT_TF_FINQUEUED)) {
			if (xt_ring_space(&s->snd_buf) >=
			    xt_ring_len(&s->snd_buf) / 2 &&
			    xt_ring_space(&s->snd_buf) > 0 &&
			    (s->t_notsent_lowat == 0 ||
			    (uint64_t)tcp_notsent(s) * 2 < s->t_notsent_lowat))
				m |= XTCP_POLLOUT;
		} else {
			m |= XTCP_POLLOUT;
		}
	}
	if (s->so_error != XT_OK || s->so_zc_pending)
		m |= XTCP_POLLERR;
	return (m);
}

/*
 * The last process holding s died (issue 13, process families): what
 * the kernel does with a dead process's socket, close(), but a
 * connection that has not queued its FIN is reset at once, so that the
 * peer does not wait on a connection nobody will use.
 */
int
xtcp_abort(struct xtcp_sock *s, uint64_t now_us)
{
	int reset;

	reset = XT_TCPS_SYNCHRONIZED(s->state) &&
	    s->state != XT_TCPS_TIME_WAIT &&
	    !(s->t_flags & XT_TF_FINQUEUED);
	if (reset)
		s->t_flags |= XT_TF_LINGER0;
	xtcp_close(s, now_us);
	return (reset);
}

int
xtcp_take_error(struct xtcp_sock *s)
{
	int err = s->so_error;

	s->so_error = XT_OK;
	return (err);
}

/* Linux MSG_ZEROCOPY: one id per call; the bytes were copied, so the
 * call completes at once (SO_EE_CODE_ZEROCOPY_COPIED). */
void
xtcp_zerocopy_sent(struct xtcp_sock *s)
{
	if (!s->so_zerocopy)
		return;
	if (!s->so_zc_pending) {
		s->so_zc_lo = s->so_zc_next;
		s->so_zc_pending = 1;
	}
	s->so_zc_hi = s->so_zc_next++;
	s->t_evseq++;
	xt_tcp_wakeup(s);
}

int
xtcp_take_zerocopy(struct xtcp_sock *s, uint32_t *lo, uint32_t *hi)
{
	if (!s->so_zc_pending)
		return (XT_EAGAIN);
	*lo = s->so_zc_lo;
	*hi = s->so_zc_hi;
	s->so_zc_pending = 0;
	return (XT_OK);
}

uint32_t
xtcp_sock_unsent(const struct xtcp_sock *s)
{
	return (s->state == XT_TCPS_LISTEN ? 0 : tcp_notsent(s));
}

uint32_t
xtcp_sock_rxbytes(const struct xtcp_sock *s)
{
	return (s->state == XT_TCPS_LISTEN ? 0 : xt_ring_len(&s->rcv_buf));
}

uint32_t
xtcp_sock_txbytes(const struct xtcp_sock *s)
{
	return (xt_ring_len(&s->snd_buf));
}

int
xtcp_sock_describe(const struct xtcp_sock *s, char *buf, size_t len)
{
	uint64_t now = s->eng->now;

	/* a listener, as ss shows one: accept queue, backlog, half-open */
	if (s->state == XT_TCPS_LISTEN)
		return (snprintf(buf, len, "LISTEN port=%u acceptq=%u "
		    "backlog=%u synq=%u", s->lport, s->t_qlen, s->t_backlog,
		    xt_syncache_count(s)));
#define REL(t)	((t) == 0 ? -1.0 : ((double)(t) - (double)now) / 1000.0)
	return (snprintf(buf, len, "%s una=%u nxt=%u max=%u sndbuf=%u "
	    "bufseq=%u wnd=%u cwnd=%u ssthresh=%u dupacks=%u rec=%d "
	    "rcv_nxt=%u rcv_adv=%u rcvbuf=%u asm=%u rxtshift=%u "
	    "rto=%.1fms rexmt=%.1fms persist=%.1fms delack=%.1fms "
	    "2msl=%.1fms flags=%#x err=%d",
	    xt_tcp_state_name(s->state), s->snd_una - s->iss,
	    s->snd_nxt - s->iss, s->snd_max - s->iss,
	    xt_ring_len(&s->snd_buf), s->snd_buf_seq - s->iss, s->snd_wnd,
	    s->snd_cwnd, s->snd_ssthresh, s->t_dupacks,
	    !!(s->t_flags & XT_TF_INRECOVERY), s->rcv_nxt - s->irs,
	    s->rcv_adv - s->irs, xt_ring_len(&s->rcv_buf), s->rcv_asm.n,
	    s->t_rxtshift, xt_rtt_rto(&s->t_rtt, 0) / 1000.0,
	    REL(s->t_rexmt_at), REL(s->t_persist_at), REL(s->t_delack_at),
	    REL(s->t_2msl_at), s->t_flags, s->so_error));
#undef REL
}

/*
 * tcp_subr.c - the TCB's life cycle and what the other TCP files share:
 * allocation and teardown, demultiplexing (the one owner of the TCB
 * list, see XT_TCP_FOREACH), initial sequence numbers and timestamp
 * offsets, ephemeral ports, state changes and wakeups, the MSS and
 * window scale we offer and the options both SYNs agreed on, the end of
 * the handshake; and the replies that are no output of a connection's
 * own: RSTs for segments that match no connection, and the rate-limited
 * challenge and out-of-window ACKs of RFC 5961.
 *
 * Read first: RFC 9293 §3.4.1 (ISN selection), RFC 6528 (ISN = M + F),
 * RFC 7323 §5.4 and RFC 6191 §2 (timestamp offsets),
 * RFC 6056 §3.3.1 (ephemeral port selection), RFC 9293 §3.7.1 and
 * RFC 7323 §2-3 (SYN options), RFC 9293 §3.10.7.1 (RST generation for
 * CLOSED), RFC 5961 §7 (ACK throttling).
 */
#include <stdlib.h>
#include <string.h>

#include "xt_engine.h"
#include "tcp/tcp_syncache.h"
#include "tcp/tcp_var.h"

static const char *const state_names[XT_TCPS_NSTATES] = {
	"CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED",
	"FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK",
	"TIME-WAIT"
};

const char *
xt_tcp_state_name(enum xt_tcp_state st)
{
	return ((unsigned)st < XT_TCPS_NSTATES ? state_names[st] : "?");
}

struct xtcp_sock *
xt_tcp_alloc(struct xtcp_engine *eng)
{
	struct xtcp_sock *tp;

	if (eng->ntcb >= eng->cfg.max_sockets)
		return (NULL);
	/* the TCB alone: rings, ranges and the scoreboard take memory
	 * only once they have something to hold */
	if ((tp = xt_alloc(&eng->mem, sizeof(*tp))) == NULL) {
		XT_STAT_INC(eng, tcp_sock_nomem);
		return (NULL);
	}
	tp->eng = eng;
	tp->sndbuf_size = eng->cfg.sndbuf;
	tp->rcvbuf_size = eng->cfg.rcvbuf;
	if (xt_ring_init(&tp->snd_buf, &eng->mem, tp->sndbuf_size) != XT_OK ||
	    xt_ring_init(&tp->rcv_buf, &eng->mem, tp->rcvbuf_size) != XT_OK) {
		xt_free(&eng->mem, tp, sizeof(*tp));
		return (NULL);
	}
	(void)xt_asm_init(&tp->rcv_asm, &eng->mem, eng->cfg.reass_max_ranges);
	(void)xt_sack_init(&tp->t_sb, &eng->mem, eng->cfg.sack_maxholes);
	xt_rtt_init(&tp->t_rtt, eng->cfg.rto_init_ms * 1000,
	    eng->cfg.rto_min_ms * 1000, eng->cfg.rto_max_ms * 1000);
	tp->keep_idle_s = eng->cfg.keepidle_s;
	tp->keep_intvl_s = eng->cfg.keepintvl_s;
	tp->keep_cnt = eng->cfg.keepcnt;
	if (eng->cfg.always_keepalive)
		tp->t_flags |= XT_TF_KEEPALIVE;
	tp->t_cc = xt_cc_handle(xt_cc_find(eng->cfg.congestion));
	tp->t_initcwnd_segs = eng->cfg.initcwnd_segs;
	tp->t_linger2_s = -1;
	tp->next = eng->tcbs;
	if (eng->tcbs != NULL)
		eng->tcbs->prev = tp;
	eng->tcbs = tp;
	eng->ntcb++;
	return (tp);
}

/* Remove a child from its listener's bookkeeping. */
static void
tcp_unlink_child(struct xtcp_sock *tp)
{
	struct xtcp_sock *l = tp->t_listener, **pp, *prev = NULL;

	if (l == NULL)
		return;
	if (tp->in_acceptq) {
		for (pp = &l->aq_head; *pp != NULL; pp = &(*pp)->aq_next) {
			if (*pp == tp) {
				*pp = tp->aq_next;
				if (l->aq_tail == tp)
					l->aq_tail = prev;
				break;
			}
			prev = *pp;
		}
		tp->in_acceptq = 0;
	}
	l->t_qlen--;
	tp->t_listener = NULL;
}

void
xt_tcp_free(struct xtcp_sock *tp)
{
	struct xtcp_engine *eng = tp->eng;
	struct xtcp_sock *c, *next;

	tcp_unlink_child(tp);
	/* and its half-open ones: they had no socket (tcp_syncache.c) */
	xt_syncache_destroy(tp);
	/* a listener going away takes its unaccepted children with it */
	if (tp->t_qlen > 0) {
		XT_TCP_FOREACH_SAFE(eng, c, next) {
			if (c->t_listener == tp) {
				tcp_unlink_child(c);
				c->t_flags |= XT_TF_ORPHAN;
				c->user = 0;
				if (c->state != XT_TCPS_CLOSED)
					xt_tcp_send_rst(c);
				xt_tcp_set_state(c, XT_TCPS_CLOSED);
				xt_tcp_free(c);	/* next stays valid */
			}
		}
	}
	if (tp->prev != NULL)
		tp->prev->next = tp->next;
	else
		eng->tcbs = tp->next;
	if (tp->next != NULL)
		tp->next->prev = tp->prev;
	eng->ntcb--;
	XT_STAT_INC(eng, tcp_closed);
	xt_ring_free(&tp->snd_buf);
	xt_ring_free(&tp->rcv_buf);
	xt_asm_free(&tp->rcv_asm);
	xt_sack_free(&tp->t_sb);
	xt_tcp_tmap_free(tp);
	xt_free(&eng->mem, tp, sizeof(*tp));
}

/* Sets the listener-choice hash apart from the ISN's F() under the same
 * key: no ISN input has this bit (the two never hash the same words). */
#define XT_REUSEPORT_DOMAIN	(1ULL << 63)

/*
 * Demultiplex: an exact 4-tuple match wins; else, if want_listen, a
 * listener on lport.  TODO(#3): a hash table once connections are many.
 */
struct xtcp_sock *
xt_tcp_lookup(struct xtcp_engine *eng, uint32_t laddr, uint16_t lport,
    uint32_t faddr, uint16_t fport, int want_listen)
{
	struct xtcp_sock *tp;

	XT_TCP_FOREACH(eng, tp) {
		if (tp->lport != lport || tp->state == XT_TCPS_LISTEN ||
		    tp->state == XT_TCPS_CLOSED)
			continue;
		if (tp->fport == fport && tp->faddr == faddr &&
		    (tp->laddr == laddr || tp->laddr == 0))
			return (tp);
	}
	if (!want_listen)
		return (NULL);
	return (xt_tcp_lookup_listener(eng, laddr, lport, faddr, fport));
}

/* The listener that takes a new connection from faddr:fport, or NULL. */
struct xtcp_sock *
xt_tcp_lookup_listener(struct xtcp_engine *eng, uint32_t laddr,
    uint16_t lport, uint32_t faddr, uint16_t fport)
{
	struct xtcp_sock *tp, *lis = NULL;
	uint32_t nlis = 0, pick;

	XT_TCP_FOREACH(eng, tp)
		if (tp->lport == lport && tp->state == XT_TCPS_LISTEN &&
		    (tp->laddr == 0 || tp->laddr == laddr))
			nlis++;
	if (nlis == 0)
		return (NULL);
	/* SO_REUSEPORT listeners share the connections by a keyed hash of
	 * the 4-tuple scaled to their number, as Linux spreads them
	 * (reuseport_select_sock, reciprocal_scale); the hash must mix
	 * well: a Linux client's ports are all even */
	pick = (uint32_t)(((xt_siphash24_2u64(&eng->isn_key,
	    (uint64_t)laddr << 32 | faddr,
	    XT_REUSEPORT_DOMAIN | (uint64_t)lport << 16 | fport) &
	    0xffffffffu) * nlis) >> 32);
	XT_TCP_FOREACH(eng, tp)
		if (tp->lport == lport && tp->state == XT_TCPS_LISTEN &&
		    (tp->laddr == 0 || tp->laddr == laddr) && pick-- == 0)
			lis = tp;
	return (lis);
}

/* Big-endian stores for keyed-hash inputs. */
static uint8_t *
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return (p + 4);
}

static uint8_t *
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return (p + 2);
}

/* The connection's identity as keyed-hash input, 12 bytes: local
 * address, local port, remote address, remote port, network order. */
static void
tuple_bytes(uint8_t b[12], uint32_t laddr, uint16_t lport, uint32_t faddr,
    uint16_t fport)
{
	b = put_be32(b, laddr);
	b = put_be16(b, lport);
	b = put_be32(b, faddr);
	(void)put_be16(b, fport);
}

xt_seq_t
xt_tcp_new_isn(struct xtcp_engine *eng, uint32_t laddr, uint16_t lport,
    uint32_t faddr, uint16_t fport)
{
	uint8_t b[12];
	uint64_t f;

	/* RFC 6528 §3: ISN = M + F(localip, localport, remoteip,
	 * remoteport, secretkey), F = SipHash-2-4 under the ISN key alone;
	 * M ticks every 4 µs (RFC 9293 §3.4.1). */
	tuple_bytes(b, laddr, lport, faddr, fport);
	f = xt_siphash24(&eng->isn_key, b, sizeof(b));
	return ((xt_seq_t)(eng->now / 4) + (xt_seq_t)f);
}

/*
 * RFC 7323 §5.4: TSval = the millisecond clock plus an offset an outsider
 * cannot guess, a keyed hash under its own key.  By default the offset
 * depends on the address pair only (Linux 4.11 to 2026): TSvals towards
 * one peer then grow across connections, so a new connection's SYN
 * passes PAWS at a peer still in TIME-WAIT for an older one (RFC 6191
 * §2).  With ts_offset_per_conn the 4-tuple decides (FreeBSD, and Linux
 * again since its SYN cookies, which carry options in the TSval, were
 * found to leak source ports through per-pair offsets; ours carry no
 * timestamps).  The two inputs differ in length and never collide.
 */
uint32_t
xt_tcp_ts_offset(struct xtcp_engine *eng, uint32_t laddr, uint16_t lport,
    uint32_t faddr, uint16_t fport)
{
	uint8_t b[12];

	if (eng->cfg.ts_offset_per_conn) {
		tuple_bytes(b, laddr, lport, faddr, fport);
		return ((uint32_t)xt_siphash24(&eng->ts_key, b, 12));
	}
	(void)put_be32(put_be32(b, laddr), faddr);
	return ((uint32_t)xt_siphash24(&eng->ts_key, b, 8));
}

int
xt_tcp_port_in_use(struct xtcp_engine *eng, uint16_t port,
    const struct xtcp_sock *self)
{
	struct xtcp_sock *tp;

	XT_TCP_FOREACH(eng, tp) {
		if (tp == self || tp->lport != port ||
		    !(tp->t_flags & XT_TF_BOUND))
			continue;
		/* SO_REUSEADDR lets a new socket share a port with
		 * connections that are not listening (Linux semantics). */
		if ((self->t_flags & XT_TF_REUSEADDR) &&
		    (tp->t_flags & XT_TF_REUSEADDR) &&
		    tp->state != XT_TCPS_LISTEN)
			continue;
		if ((self->t_flags & XT_TF_REUSEADDR) &&
		    tp->state == XT_TCPS_TIME_WAIT)
			continue;
		/* SO_REUSEPORT on both: they share the port (Linux) */
		if ((self->t_flags & XT_TF_REUSEPORT) &&
		    (tp->t_flags & XT_TF_REUSEPORT))
			continue;
		return (1);
	}
	return (0);
}

/* Is the 4-tuple taken by a live connection? */
static int
tuple_in_use(struct xtcp_engine *eng, uint16_t lport, uint32_t faddr,
    uint16_t fport)
{
	struct xtcp_sock *tp;

	XT_TCP_FOREACH(eng, tp)
		if (tp->lport == lport && (tp->state == XT_TCPS_LISTEN ||
		    (tp->faddr == faddr && tp->fport == fport)))
			return (1);
	return (0);
}

/* Is port p bound, by any socket or (unconnected) by one with no peer:
 * a listener or a socket bound and not connected? */
static int
port_bound(struct xtcp_engine *eng, uint16_t p, int unconnected)
{
	struct xtcp_sock *tp;

	XT_TCP_FOREACH(eng, tp)
		if (tp->lport == p && (tp->t_flags & XT_TF_BOUND) &&
		    (!unconnected || tp->faddr == 0))
			return (1);
	return (0);
}

/*
 * RFC 6056 §3.3.1 (Algorithm 1, simple hash-free randomisation): start at
 * a random point of the range and probe upward.  For connect (faddr set)
 * a port is free if the 4-tuple is free; for bind, if no socket has it.
 */
int
xt_tcp_pick_port(struct xtcp_engine *eng, uint32_t faddr, uint16_t fport,
    uint16_t *port)
{
	uint32_t lo = eng->cfg.port_lo, n = eng->cfg.port_hi - lo + 1;
	uint32_t off = (uint32_t)(xt_random(eng) % n), i;
	uint16_t p;
	int used;

	for (i = 0; i < n; i++) {
		p = (uint16_t)(lo + (off + i) % n);
		/* for connect, never share with a listener or a bound
		 * socket either */
		if (faddr != 0)
			used = tuple_in_use(eng, p, faddr, fport) ||
			    port_bound(eng, p, 1);
		else
			used = port_bound(eng, p, 0);
		if (!used) {
			*port = p;
			return (XT_OK);
		}
	}
	return (XT_EADDRNOTAVAIL);
}

/* A child of a listener is ready for accept(). */
void
xt_tcp_enqueue_accept(struct xtcp_sock *tp)
{
	struct xtcp_sock *lis = tp->t_listener;

	if (lis == NULL || tp->in_acceptq)
		return;
	tp->in_acceptq = 1;
	tp->aq_next = NULL;
	if (lis->aq_tail != NULL)
		lis->aq_tail->aq_next = tp;
	else
		lis->aq_head = tp;
	lis->aq_tail = tp;
	lis->t_evseq++;
	xt_tcp_wakeup(tp);
}

void
xt_tcp_set_state(struct xtcp_sock *tp, enum xt_tcp_state st)
{
	if (tp->state == st)
		return;
	XT_LOG_DEBUG(tp->eng, "tcp %u->%u:%u %s -> %s", tp->lport,
	    tp->faddr, tp->fport, xt_tcp_state_name(tp->state),
	    xt_tcp_state_name(st));
	tp->state = st;
	if (st == XT_TCPS_ESTABLISHED)
		tp->t_flags |= XT_TF_WASCONN;
}

void
xt_tcp_wakeup(struct xtcp_sock *tp)
{
	struct xtcp_engine *eng = tp->eng;

	if (tp->user != 0 && eng->wakeup != NULL)
		eng->wakeup(eng->cb_arg, tp->user);
	/* a child becoming ready wakes whoever waits in accept() */
	if (tp->t_listener != NULL && tp->in_acceptq &&
	    tp->t_listener->user != 0 && eng->wakeup != NULL)
		eng->wakeup(eng->cb_arg, tp->t_listener->user);
}

int
xt_tcp_maybe_free(struct xtcp_sock *tp)
{
	if (tp->state == XT_TCPS_CLOSED && (tp->t_flags & XT_TF_ORPHAN)) {
		xt_tcp_free(tp);
		return (1);
	}
	return (0);
}

void
xt_tcp_drop(struct xtcp_sock *tp, int err)
{
	if (err != XT_OK)
		tp->so_error = err;
	tp->t_evseq++;
	tp->t_rexmt_at = tp->t_persist_at = tp->t_delack_at = 0;
	tp->t_keep_at = tp->t_cork_at = tp->t_tlp_at = 0;
	tp->t_rack_at = 0;
	tp->t_2msl_at = 0;
	tp->t_flags |= XT_TF_RCVSHUT;
	xt_tcp_set_state(tp, XT_TCPS_CLOSED);
	/* a child that dies before accept() leaves the queue quietly */
	if (tp->t_listener != NULL) {
		tp->t_flags |= XT_TF_ORPHAN;
		tcp_unlink_child(tp);
	}
	xt_tcp_wakeup(tp);
	xt_tcp_maybe_free(tp);
}

/*
 * Free receive space: the buffer's size less what it holds, whatever
 * storage it has (storage comes as data does).  Only while memory is
 * short (tcp_input.c) is it what the storage already held can take.
 */
uint32_t
xt_tcp_rcv_space(const struct xtcp_sock *tp)
{
	uint32_t held;

	if (tp->t_rcv_memshort) {
		held = xt_ring_size(&tp->rcv_buf) - xt_ring_len(&tp->rcv_buf);
		if (held < xt_ring_space(&tp->rcv_buf))
			return (held);
	}
	return (xt_ring_space(&tp->rcv_buf));
}

void
xt_tcp_mss_ws(const struct xtcp_engine *eng, uint16_t user_mss,
    uint32_t rcvbuf, int rcvbuf_locked, uint16_t *advmss, uint8_t *wsp)
{
	uint32_t mss = eng->mtu - 40;	/* RFC 9293 §3.7.1 */
	uint8_t ws = 0;

	if (user_mss != 0 && user_mss < mss)
		mss = user_mss;
	*advmss = (uint16_t)(mss > 65535 ? 65535 : mss);
	/* RFC 7323 §2.2: the smallest shift that covers the buffer */
	/* with autotuning the buffer may grow to rmem_max: the shift must
	 * already cover that (it is fixed at the SYN, RFC 7323 §2.2) */
	while (ws < XT_TCP_MAX_WS && ((eng->cfg.autotune && !rcvbuf_locked &&
	    eng->cfg.rmem_max > rcvbuf ? eng->cfg.rmem_max : rcvbuf) >> ws) >
	    65535)
		ws++;
	*wsp = ws;
}

/* MSS and window scale from buffer sizes and the MTU. */
void
xt_tcp_init_buffers_mss(struct xtcp_sock *tp)
{
	xt_tcp_mss_ws(tp->eng, tp->t_user_mss, tp->rcvbuf_size,
	    tp->t_rcvbuf_locked, &tp->t_advmss, &tp->request_scale);
}

/* RFC 9293 §3.10.7.1: the reply to a segment for no connection. */
void
xt_tcp_respond_rst(struct xtcp_engine *eng, uint32_t laddr, uint32_t faddr,
    const struct xt_tcp_repr *th, size_t seglen)
{
	struct xt_tcp_repr r;
	uint8_t *p;
	size_t hl;

	(void)laddr;
	if (th->flags & XT_TH_RST)
		return;
	memset(&r, 0, sizeof(r));
	r.sport = th->dport;
	r.dport = th->sport;
	if (th->flags & XT_TH_ACK) {
		r.seq = th->ack;
		r.flags = XT_TH_RST;
	} else {
		r.seq = 0;
		r.ack = th->seq + (uint32_t)seglen;
		r.flags = XT_TH_RST | XT_TH_ACK;
	}
	p = xt_tx_begin(eng);
	hl = xt_tcp_emit_hdr(&r, p);
	xt_tcp_fill_csum(p, hl, eng->cfg.addr, faddr);
	if (xt_tx_commit(eng, faddr, XT_IPPROTO_TCP, 0, 0, hl, NULL) == XT_OK) {
		XT_STAT_INC(eng, tcp_snd_total);
		XT_STAT_INC(eng, tcp_snd_rst);
	}
}

/*
 * RFC 9293 §3.10.7.1: a segment for no connection (CLOSED).  Counted,
 * logged as FreeBSD's log_in_vain asks, dropped silently as its
 * blackhole asks (tcp(4)), else answered with an RST.
 */
void
xt_tcp_closed_input(struct xtcp_engine *eng, uint32_t src, uint32_t dst,
    const struct xt_tcp_seg *sg)
{
	const struct xt_tcp_repr *th = &sg->th;

	XT_STAT_INC(eng, tcp_rcv_noport);
	if (eng->cfg.log_in_vain >= 2 || (eng->cfg.log_in_vain == 1 &&
	    (th->flags & (XT_TH_SYN | XT_TH_ACK)) == XT_TH_SYN))
		xt_log(eng, XTCP_LOG_INFO, "connection attempt to port %u "
		    "from %u.%u.%u.%u:%u flags %#x", th->dport, src >> 24,
		    (src >> 16) & 0xff, (src >> 8) & 0xff, src & 0xff,
		    th->sport, th->flags);
	if (eng->cfg.blackhole >= 2 || (eng->cfg.blackhole == 1 &&
	    (th->flags & XT_TH_SYN))) {
		XT_STAT_INC(eng, tcp_rcv_blackholed);
		return;
	}
	xt_tcp_respond_rst(eng, dst, src, th, sg->seglen);
}

/*
 * RFC 5961 §7 (as Linux tcp_invalid_ratelimit): at most one ACK per
 * interval per connection in reply to a segment that proves nothing:
 * challenge ACKs, and ACKs to out-of-window or PAWS-failed segments that
 * hold no data (data and FINs are always answered: they may be a
 * retransmission whose ACK was lost; Linux tcp_oow_rate_limited).  Kept
 * per connection: a limit shared by all connections tells an off-path
 * attacker which of its guesses hit (CVE-2016-5696).  Returns 1 if this
 * ACK must not go.
 */
static int
tcp_ack_ratelimited(struct xtcp_sock *tp)
{
	struct xtcp_engine *eng = tp->eng;
	uint64_t ival = (uint64_t)eng->cfg.invalid_ratelimit_ms * 1000;

	if (ival != 0 && tp->t_oow_ack_us != 0 &&
	    eng->now - tp->t_oow_ack_us < ival)
		return (1);
	tp->t_oow_ack_us = eng->now;
	return (0);
}

/* An out-of-window or PAWS-failed segment: ACK it unless the limit says
 * no; a SYN or a segment without data or FIN is subject to it. */
void
xt_tcp_oow_ack(struct xtcp_sock *tp, const struct xt_tcp_seg *sg)
{
	if (sg->th.flags & XT_TH_RST)
		return;
	if ((sg->seglen == 0 || (sg->th.flags & XT_TH_SYN)) &&
	    tcp_ack_ratelimited(tp)) {
		XT_STAT_INC(tp->eng, tcp_oow_ack_skipped);
		return;
	}
	tp->t_flags |= XT_TF_ACKNOW;
}

/* A challenge ACK (RFC 5961 §3.2, §4.2, §5.2), within the limit. */
void
xt_tcp_challenge_ack(struct xtcp_sock *tp)
{
	if (tcp_ack_ratelimited(tp)) {
		XT_STAT_INC(tp->eng, tcp_challenge_ack_skipped);
		return;
	}
	XT_STAT_INC(tp->eng, tcp_snd_challenge_ack);
	xt_tcp_send_ack(tp);
}

/*
 * The options the peer's SYN (or SYN-ACK) th carried, against what we
 * offered: the send MSS, timestamps, SACK and window scale as both ends
 * agreed (RFC 9293 §3.7.1, RFC 7323 §2.2 and §3.2, RFC 2018 §2), then
 * the initial window.  For both opens: SYN-SENT and a child made from a
 * SYN (tcp_listen.c).
 */
void
xt_tcp_syn_options(struct xtcp_sock *tp, const struct xt_tcp_repr *th)
{
	struct xtcp_engine *eng = tp->eng;
	uint32_t mss;

	/* RFC 9293 §3.7.1: 536 without the option (FreeBSD mssdflt); an
	 * option of 0 counts as none (Linux tcp_parse_options) */
	mss = th->has_mss && th->mss != 0 ? th->mss : eng->cfg.mssdflt;
	/* the floor goes on the peer's value, before the options are
	 * taken off (Linux tcp_min_snd_mss): a tiny MSS cannot make the
	 * subtraction below wrap */
	if (mss < XT_TCP_MIN_SND_MSS)
		mss = XT_TCP_MIN_SND_MSS;
	if (mss > tp->t_advmss)
		mss = tp->t_advmss;	/* at least 28: MTU >= 68 */
	if (th->has_ts && eng->cfg.tstamps) {
		/* RFC 7323 §3.2: both sides sent TS; the option takes 12
		 * bytes of every segment (RFC 6691: from the data) */
		tp->t_flags |= XT_TF_TS_OK;
		tp->ts_recent = th->tsval;
		tp->ts_recent_age_us = eng->now;
		mss -= 12;
	}
	if (th->sack_perm && eng->cfg.sack)
		tp->t_flags |= XT_TF_SACK_OK;
	tp->t_maxseg = (uint16_t)mss;
	if (th->has_ws && eng->cfg.wscale) {	/* RFC 7323 §2.2: both sent WS */
		tp->t_flags |= XT_TF_WS_OK;
		tp->snd_scale = th->ws;
		tp->rcv_scale = tp->request_scale;
	} else {
		tp->t_flags &= ~XT_TF_WS_OK;
		tp->snd_scale = 0;
		tp->rcv_scale = 0;
	}
	/* never more than a frame of our own MTU holds beside the options */
	if (tp->t_maxseg > xt_tcp_mss_fit(tp))
		tp->t_maxseg = (uint16_t)xt_tcp_mss_fit(tp);
	/* RFC 5681 §3.1 / RFC 6928: IW = 10 segments, by the algorithm */
	xt_tcp_cc_init(tp);
	/* quick ACKs while the peer's slow start begins (Linux quickack
	 * mode): delayed ACKs would slow its window growth */
	tp->t_quickacks = 16;
}

/* An RTT sample; one below the clock's reach still took time (Linux
 * keeps at least one tick), so 0 is never recorded. */
void
xt_tcp_rtt_sample(struct xtcp_sock *tp, uint32_t rtt_us)
{
	xt_rtt_sample(&tp->t_rtt, rtt_us == 0 ? 1 : rtt_us);
}

/*
 * The handshake completed (RFC 9293 §3.10.7.3-4): the send window from
 * this segment, and an RTT sample from our SYN or SYN-ACK (both sides, as
 * Linux) if it went once (Karn, RFC 6298 §3).  No sample from the
 * timestamp echo after a resend, though Linux takes one: the echo may
 * name our first copy, answered late by the peer's own retransmission
 * (a SYN-ACK resent after our SYN resent echoes the first SYN), and a
 * sample of seconds then makes the RTO several times that (sim_matrix).
 */
void
xt_tcp_handshake_done(struct xtcp_sock *tp, const struct xt_tcp_repr *th,
    uint32_t win)
{
	struct xtcp_engine *eng = tp->eng;

	tp->snd_wnd = win;
	tp->max_sndwnd = win;
	tp->snd_wl1 = th->seq;
	tp->snd_wl2 = th->ack;
	if (tp->t_rtttime != 0 && tp->t_rxtshift == 0) {
		xt_tcp_rtt_sample(tp, (uint32_t)(eng->now - tp->t_rtttime));
		XT_STAT_INC(eng, tcp_rtt_samples);
	}
	tp->t_rtttime = 0;
	tp->t_rxtshift = 0;
	XT_STAT_INC(eng, tcp_connects);
}

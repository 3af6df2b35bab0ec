/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_listen.c - the passive open: segments for a listening socket, the
 * half-open connection up to the handshake's ACK, and the two ways of
 * answering a SYN without a TCB beside the SYN cache.
 *
 * A SYN for a listener makes a SYN cache entry (tcp_syncache.c keeps the
 * table and sends the SYN-ACKs); the entry's SYN-RECEIVED processing is
 * here, and its ACK makes the child TCB, which then goes through
 * tcp_input.c like any connection.  Past the cache, a SYN cookie answers
 * (its ACK makes the child from the cookie); a Fast Open SYN with a good
 * cookie and data makes its child at once.  The client's Fast Open
 * cookie cache is here too, beside the server's cookies.
 *
 * Read first: RFC 9293 §3.10.7.2 (LISTEN) and §3.10.7.4 for SYN-RECEIVED,
 * RFC 4987 §3.2-3.6 (SYN caches, SYN cookies), RFC 5961 §3-4 (RST and
 * SYN in SYN-RECEIVED), RFC 7323 §5.3 (PAWS), RFC 7413 §4 (Fast Open),
 * RFC 3168 §6.1.1 (ECN setup).
 */
#include <string.h>

#include "xt_engine.h"
#include "tcp/tcp_syncache.h"
#include "tcp/tcp_var.h"
#include "wire/tcp.h"

/* ---- TCP Fast Open cookies (RFC 7413 §4.1) ---- */

/* Server: the cookie for a client address, a keyed MAC (§4.1.2). */
void
xt_tfo_cookie_for(struct xtcp_engine *eng, uint32_t ip, uint8_t *c8)
{
	uint64_t m = xt_siphash24_2u64(&eng->tfo_key, ip, 0x7466u);

	memcpy(c8, &m, 8);
}

/* Client: a cookie remembered for server ip (§4.1.3). */
int
xt_tfo_cache_get(struct xtcp_engine *eng, uint32_t ip, uint8_t *len,
    uint8_t *cookie)
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		if (eng->tfo_cache[i].ip == ip && eng->tfo_cache[i].len > 0) {
			*len = eng->tfo_cache[i].len;
			memcpy(cookie, eng->tfo_cache[i].cookie, *len);
			return (1);
		}
	}
	return (0);
}

void
xt_tfo_cache_put(struct xtcp_engine *eng, uint32_t ip, uint8_t len,
    const uint8_t *cookie)
{
	unsigned i, slot = eng->tfo_next;

	if (len < XT_TFO_COOKIE_MIN || len > XT_TFO_COOKIE_MAX)
		return;
	for (i = 0; i < 16; i++)
		if (eng->tfo_cache[i].ip == ip)
			slot = i;
	if (slot == eng->tfo_next)
		eng->tfo_next = (eng->tfo_next + 1) % 16;
	eng->tfo_cache[slot].ip = ip;
	eng->tfo_cache[slot].len = len;
	memcpy(eng->tfo_cache[slot].cookie, cookie, len);
}

/* Does a SYN to Fast Open listener lis carry the right cookie
 * (RFC 7413 §4.1.2)? */
static int
tcp_tfo_cookie_ok(struct xtcp_engine *eng, uint32_t faddr,
    const struct xt_tcp_repr *th)
{
	uint8_t want[8];

	xt_tfo_cookie_for(eng, faddr, want);
	return (th->tfo_len == 8 && memcmp(th->tfo_cookie, want, 8) == 0);
}

/*
 * RFC 7413 §4.2: a SYN with a valid Fast Open cookie and data: the data
 * is accepted at once and the connection handed to accept() before the
 * handshake ends.  This is the one SYN that needs a socket (it holds
 * data), so the caller checked the accept queue and TCP_FASTOPEN's
 * limit first.
 */
static void
tcp_tfo_server_syn(struct xtcp_sock *tp, const struct xt_tcp_seg *sg)
{
	struct xtcp_engine *eng = tp->eng;
	uint32_t n;

	n = xt_ring_write(&tp->rcv_buf, sg->data, sg->dlen);
	tp->rcv_nxt += n;
	tp->t_bytes_received += n;
	tp->t_evseq++;
	XT_STAT_INC(eng, tcp_tfo_accepted);
	xt_tcp_enqueue_accept(tp);
}

/* ---- children: the TCB of a passive open ---- */

/* A connection of listener lis to faddr:fport, inheriting its options
 * (xt_tcp_inherit: what Linux's accepted sockets take). */
static struct xtcp_sock *
tcp_new_child(struct xtcp_engine *eng, struct xtcp_sock *lis, uint32_t laddr,
    uint32_t faddr, uint16_t fport)
{
	struct xtcp_sock *tp;

	if ((tp = xt_tcp_alloc(eng)) == NULL)
		return (NULL);
	tp->laddr = laddr;
	tp->lport = lis->lport;
	tp->faddr = faddr;
	tp->fport = fport;
	xt_tcp_inherit(lis, tp);
	xt_tcp_link_child(lis, tp);
	/* into the 4-tuple table (not bound yet: no port entry, no
	 * memory, no failure) */
	(void)xt_tcp_rehash(tp);
	xt_tcp_init_buffers_mss(tp);
	tp->t_conn_start_us = eng->now;
	return (tp);
}

/*
 * The TCB of a passive open in SYN-RECEIVED, from the peer's SYN th (a
 * real one, or one rebuilt from a SYN cache entry) and our ISN: RFC 9293
 * §3.10.7.2 fourth, with the SYN's options.  Nothing is sent.
 */
static struct xtcp_sock *
tcp_child_from_syn(struct xtcp_engine *eng, struct xtcp_sock *lis,
    uint32_t laddr, uint32_t faddr, const struct xt_tcp_repr *th,
    xt_seq_t iss, uint32_t ts_offset)
{
	struct xtcp_sock *tp;

	if ((tp = tcp_new_child(eng, lis, laddr, faddr, th->sport)) == NULL)
		return (NULL);
	tp->ts_offset = ts_offset;
	tp->irs = th->seq;
	tp->rcv_nxt = th->seq + 1;
	tp->rcv_adv = tp->rcv_nxt;
	tp->iss = iss;
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->iss;
	tp->snd_recover = tp->iss;
	tp->t_ecn_recover = tp->iss;
	tp->snd_buf_seq = tp->iss + 1;
	tp->snd_wnd = th->win;		/* RFC 7323 §2.2: unscaled in a SYN */
	tp->max_sndwnd = tp->snd_wnd;
	tp->snd_wl1 = th->seq;
	tp->snd_wl2 = tp->iss;
	xt_tcp_syn_options(tp, th);
	/* RFC 3168 §6.1.1: an ECN-setup SYN has ECE and CWR */
	if (eng->cfg.ecn != 0 &&
	    (th->flags & (XT_TH_ECE | XT_TH_CWR)) == (XT_TH_ECE | XT_TH_CWR))
		tp->t_flags |= XT_TF_ECN_OK | XT_TF_ECN_SYN;
	xt_tcp_set_state(tp, XT_TCPS_SYN_RECEIVED);
	return (tp);
}

/*
 * The handshake's ACK for SYN cache entry e: now the TCB, with its
 * buffers, as tcp_child_from_syn would have made it at the SYN and as
 * the SYN-ACK(s) left it.  The SYN-ACK's send time goes to the RTT
 * timer (t_rtttime, t_rtseq = ISS) unless it was resent (Karn), so the
 * ACK gives the passive side its first RTT sample (tcp_handshake_done).
 */
static struct xtcp_sock *
tcp_syncache_expand(struct xtcp_engine *eng, struct xtcp_sock *lis,
    const struct xt_sc_entry *e)
{
	struct xt_tcp_repr syn;
	struct xtcp_sock *tp;

	memset(&syn, 0, sizeof(syn));
	syn.sport = e->sc_fport;
	syn.dport = lis->lport;
	syn.seq = e->sc_irs;
	syn.flags = XT_TH_SYN;
	if (e->sc_flags & XT_SCF_ECN)
		syn.flags |= XT_TH_ECE | XT_TH_CWR;
	syn.win = e->sc_wnd;
	syn.has_mss = (e->sc_flags & XT_SCF_MSS) != 0;
	syn.mss = e->sc_mss;
	syn.has_ws = (e->sc_flags & XT_SCF_WS) != 0;
	syn.ws = e->sc_ws;
	syn.has_ts = (e->sc_flags & XT_SCF_TS) != 0;
	syn.tsval = e->sc_tsval;
	syn.sack_perm = (e->sc_flags & XT_SCF_SACK) != 0;
	tp = tcp_child_from_syn(eng, lis, e->sc_laddr, e->sc_faddr, &syn,
	    e->sc_iss, e->sc_ts_offset);
	if (tp == NULL)
		return (NULL);
	tp->t_conn_start_us = e->sc_synack_us;
	if (tp->t_flags & XT_TF_TS_OK)
		tp->ts_recent_age_us = e->sc_synack_us;
	tp->t_tfo_send_cookie = (e->sc_flags & XT_SCF_TFO) != 0;
	/* what sending the SYN-ACK did to the TCB (tcp_output_syn) */
	(void)xt_tcp_syn_window(tp);
	tp->last_ack_sent = tp->rcv_nxt;
	tp->snd_nxt = tp->snd_max = tp->iss + 1;
	tp->t_segs_in = 1;
	tp->t_segs_out = 1 + e->sc_rxtshift;
	tp->t_rxtshift = e->sc_rxtshift;
	xt_tcp_timer_set(tp, XT_T_REXMT, e->sc_rexmt_at);
	if (!(e->sc_flags & XT_SCF_RESENT)) {
		tp->t_rtseq = tp->iss;
		tp->t_rtttime = e->sc_synack_us;
	}
	return (tp);
}

/* ---- SYN cookies (RFC 4987 §3.6) ---- */

/* MSS values a cookie can say (3 bits), as Linux's table */
static const uint16_t sc_mss[8] = { 536, 1300, 1440, 1460, 4312, 8960,
    8960, 8960 };
#define SC_PERIOD_US	(64ull * 1000000)	/* the time counter ticks every 64 s */

static uint32_t
sc_hash(struct xtcp_engine *eng, uint32_t laddr, uint16_t lport,
    uint32_t faddr, uint16_t fport, xt_seq_t irs, uint32_t t)
{
	return ((uint32_t)xt_siphash24_2u64(&eng->sc_key,
	    (uint64_t)laddr << 32 | faddr,
	    ((uint64_t)lport << 48 | (uint64_t)fport << 32 | irs) ^
	    ((uint64_t)t << 16)));
}

/*
 * The initial sequence number that remembers a connection without a
 * TCB: 5 bits of a 64-second counter, 3 bits of MSS, 24 bits of a keyed
 * MAC over the addresses, ports, the client's ISN and the counter.
 * *mss is rounded down to a value the cookie can carry.
 */
xt_seq_t
xt_syncookie_make(struct xtcp_engine *eng, uint32_t laddr, uint16_t lport,
    uint32_t faddr, uint16_t fport, xt_seq_t irs, uint16_t *mss)
{
	uint32_t t = (uint32_t)(eng->now / SC_PERIOD_US), i = 0;

	while (i < 5 && sc_mss[i + 1] <= *mss)
		i++;
	*mss = sc_mss[i];
	return ((t & 0x1f) << 27 | i << 24 |
	    (sc_hash(eng, laddr, lport, faddr, fport, irs, t) & 0xffffff));
}

uint16_t
xt_syncookie_check(struct xtcp_engine *eng, uint32_t laddr, uint16_t lport,
    uint32_t faddr, uint16_t fport, xt_seq_t irs, xt_seq_t iss)
{
	uint32_t now = (uint32_t)(eng->now / SC_PERIOD_US), age, t;

	age = (now - (iss >> 27)) & 0x1f;
	if (age > 1)			/* at most one to two periods old */
		return (0);
	t = now - age;
	if ((sc_hash(eng, laddr, lport, faddr, fport, irs, t) & 0xffffff) !=
	    (iss & 0xffffff))
		return (0);
	return (sc_mss[(iss >> 24) & 7]);
}

/* A SYN-ACK for a SYN we keep no state for (a SYN cookie): MSS only;
 * window scale, SACK and timestamps cannot be remembered (RFC 4987). */
void
xt_tcp_respond_synack(struct xtcp_engine *eng, uint32_t faddr,
    const struct xt_tcp_repr *th, xt_seq_t iss, uint16_t mss, uint16_t win)
{
	struct xt_tcp_repr r;
	uint8_t *p;
	size_t hl;

	memset(&r, 0, sizeof(r));
	r.sport = th->dport;
	r.dport = th->sport;
	r.seq = iss;
	r.ack = th->seq + 1;
	r.flags = XT_TH_SYN | XT_TH_ACK;
	r.win = win;
	r.has_mss = 1;
	r.mss = mss;
	p = xt_tx_begin(eng);
	hl = xt_tcp_emit_hdr(&r, p);
	xt_tcp_fill_csum(p, hl, eng->cfg.addr, faddr);
	if (xt_tx_commit(eng, faddr, XT_IPPROTO_TCP, 0, 0, hl, NULL) == XT_OK) {
		XT_STAT_INC(eng, tcp_snd_total);
		XT_STAT_INC(eng, tcp_sc_sent);
	}
}

/*
 * RFC 4987 §3.6: the ACK completing a handshake whose SYN was answered
 * with a cookie.  A valid cookie makes the connection now, ESTABLISHED,
 * with the MSS it encodes (and no window scale, SACK or timestamps:
 * nothing remembered them), and the segment is processed on it.
 * Returns 1 if it took the segment.
 */
static int
tcp_syncookie_ack(struct xtcp_engine *eng, struct xtcp_sock *lis,
    uint32_t src, uint32_t dst, struct xt_tcp_seg *sg)
{
	const struct xt_tcp_repr *th = &sg->th;
	struct xtcp_sock *tp;
	uint16_t mss;

	if ((th->flags & (XT_TH_SYN | XT_TH_RST | XT_TH_ACK)) != XT_TH_ACK)
		return (0);
	mss = xt_syncookie_check(eng, dst, lis->lport, src, th->sport,
	    th->seq - 1, th->ack - 1);
	if (mss == 0) {
		XT_STAT_INC(eng, tcp_sc_bad);
		return (0);
	}
	/* Linux: a full accept queue drops the ACK; the peer's next
	 * segment carries the cookie again */
	if (lis->t_qlen > lis->t_backlog) {
		XT_STAT_INC(eng, tcp_listen_ack_overflow);
		return (1);
	}
	if ((tp = tcp_new_child(eng, lis, dst, src, th->sport)) == NULL) {
		XT_STAT_INC(eng, tcp_listen_overflow);
		return (1);
	}
	XT_STAT_INC(eng, tcp_sc_recvd);
	tp->ts_offset = xt_tcp_ts_offset(eng, dst, lis->lport, src,
	    th->sport);
	tp->irs = th->seq - 1;
	tp->rcv_nxt = th->seq;
	(void)xt_tcp_syn_window(tp);	/* what the cookie SYN-ACK offered */
	tp->iss = th->ack - 1;
	tp->snd_una = tp->iss;
	tp->snd_nxt = tp->snd_max = tp->iss + 1;	/* our SYN-ACK went */
	tp->snd_recover = tp->iss;
	tp->t_ecn_recover = tp->iss;
	tp->snd_buf_seq = tp->iss + 1;
	tp->snd_wl1 = th->seq - 1;
	tp->snd_wl2 = tp->iss;
	tp->request_scale = 0;
	tp->t_maxseg = mss < tp->t_advmss ? mss : tp->t_advmss;
	xt_tcp_cc_init(tp);
	xt_tcp_set_state(tp, XT_TCPS_SYN_RECEIVED);
	xt_tcp_sync_input(tp, sg);	/* the ACK: to ESTABLISHED, data */
	return (1);
}

/* A SYN cookie answers a SYN without keeping anything (RFC 4987 §3.6). */
static void
tcp_syncookie_send(struct xtcp_engine *eng, struct xtcp_sock *lis,
    uint32_t src, uint32_t dst, const struct xt_tcp_repr *th)
{
	uint16_t mss;
	xt_seq_t cookie;

	mss = th->has_mss ? th->mss : (uint16_t)eng->cfg.mssdflt;
	if (mss > eng->mtu - 40)
		mss = (uint16_t)(eng->mtu - 40);
	cookie = xt_syncookie_make(eng, dst, lis->lport, src, th->sport,
	    th->seq, &mss);
	xt_tcp_respond_synack(eng, src, th, cookie, mss,
	    (uint16_t)(lis->rcvbuf_size > 65535 ? 65535 : lis->rcvbuf_size));
}

/* ---- SYN-RECEIVED on a SYN cache entry, and LISTEN ---- */

/*
 * Step 5 in SYN-RECEIVED: an acceptable ACK of our SYN completes the
 * handshake.  A child goes to its listener's accept queue, or under
 * TCP_DEFER_ACCEPT waits there for its first data.  An unacceptable ACK
 * gets an RST (RFC 9293 §3.10.7.4 fifth).  Returns 1 if the connection
 * is now ESTABLISHED and the segment goes on to the rest of step 5.
 */
int
xt_tcp_synrcvd_ack(struct xtcp_sock *tp, const struct xt_tcp_seg *sg)
{
	struct xtcp_engine *eng = tp->eng;
	const struct xt_tcp_repr *th = &sg->th;
	struct xtcp_sock *lis;

	if (SEQ_LEQ(th->ack, tp->snd_una) || SEQ_GT(th->ack, tp->snd_max)) {
		xt_tcp_respond_rst(eng, tp->laddr, tp->faddr, th, sg->seglen);
		return (0);
	}
	xt_tcp_handshake_done(tp, th, (uint32_t)th->win << tp->snd_scale);
	xt_tcp_set_state(tp, XT_TCPS_ESTABLISHED);
	xt_tcp_arm_keep(tp);
	if ((lis = tp->t_listener) != NULL && !tp->in_acceptq) {
		/* TCP_DEFER_ACCEPT: wait for the first data */
		if (lis->t_defer_accept_s != 0 && sg->dlen == 0) {
			tp->t_deferred = 1;
			xt_tcp_timer_set(tp, XT_T_2MSL, eng->now +
			    (uint64_t)lis->t_defer_accept_s * 1000000);
			xt_engine_timer_armed(eng, tp->t_2msl_at);
		} else {
			xt_tcp_enqueue_accept(tp);
		}
	}
	return (1);
}

/*
 * RFC 9293 §3.10.7.4 / RFC 6191: a new SYN above everything the old
 * connection used may end TIME-WAIT, when a listener is there to take it
 * (Linux tcp_timewait_state_process); otherwise the TIME-WAIT connection
 * answers it as any synchronized state does, with an ACK.  The TCB is
 * freed only if no descriptor holds it.  A program may still hold it
 * (shutdown(SHUT_WR), then read to end of stream, as nginx's lingering
 * close): its socket is closed instead and keeps reading end of stream,
 * as on Linux, where the socket is CLOSE once TIME-WAIT begins.  Returns
 * the TCB that takes the segment.
 */
struct xtcp_sock *
xt_tcp_timewait_syn(struct xtcp_sock *tp, uint32_t laddr, uint32_t faddr,
    const struct xt_tcp_seg *sg)
{
	struct xtcp_engine *eng = tp->eng;
	struct xtcp_sock *lis;

	if (!SEQ_GT(sg->th.seq, tp->rcv_nxt))
		return (tp);
	lis = xt_tcp_lookup_listener(eng, laddr, sg->th.dport, faddr,
	    sg->th.sport);
	if (lis == NULL)
		return (tp);
	XT_STAT_INC(eng, tcp_timewait_reuse);
	if (!(tp->t_flags & XT_TF_ORPHAN) && tp->t_listener == NULL)
		XT_STAT_INC(eng, tcp_timewait_held_syn);
	/* frees it if orphaned or never accepted */
	xt_tcp_drop(tp, XT_OK);
	return (lis);
}

/* What the steps of a SYN cache entry's segment end in. */
#define SC_DROP		0	/* nothing more to do */
#define SC_RESEND	1	/* answer with the SYN-ACK again */
#define SC_RESET	2	/* an acceptable RST: forget the entry */
#define SC_ACKED	3	/* an acceptable ACK of our SYN */

/*
 * RFC 9293 §3.10.7.4 first to fifth for SYN-RECEIVED, on SYN cache entry
 * e: PAWS against the SYN's TSval (RFC 7323 §5.3), acceptability (§3.4),
 * an RST only by exact match (RFC 5961 §3.2), a SYN (RFC 5961 §4.2),
 * then the ACK of our SYN.  Challenges and retransmitted SYNs get the
 * SYN-ACK again, as Linux answers them.
 */
static int
tcp_syncache_steps(struct xtcp_engine *eng, const struct xtcp_sock *lis,
    struct xt_sc_entry *e, uint32_t src, uint32_t dst, struct xt_tcp_seg *sg)
{
	struct xt_tcp_repr *th = &sg->th;
	xt_seq_t rcv_nxt = e->sc_irs + 1, end;
	uint32_t wnd = lis->rcvbuf_size;	/* the child's empty buffer */
	int ok;

	/* the peer's SYN-ACK repeating its SYN (RFC 9293 Figure 8) */
	if ((th->flags & (XT_TH_SYN | XT_TH_ACK)) == (XT_TH_SYN | XT_TH_ACK) &&
	    th->seq == e->sc_irs) {
		th->flags &= ~XT_TH_SYN;
		th->seq++;
		sg->seglen--;
	}
	if ((e->sc_flags & XT_SCF_TS) && eng->cfg.tstamps && th->has_ts &&
	    !(th->flags & XT_TH_RST) &&
	    (int32_t)(th->tsval - e->sc_tsval) < 0) {
		XT_STAT_INC(eng, tcp_rcv_paws_drop);
		return (SC_RESEND);
	}
	/* first: sequence acceptability */
	end = th->seq + sg->seglen;
	if (sg->seglen == 0)
		ok = SEQ_IN(th->seq, rcv_nxt, rcv_nxt + wnd);
	else
		ok = SEQ_IN(th->seq, rcv_nxt, rcv_nxt + wnd) ||
		    SEQ_IN(end - 1, rcv_nxt, rcv_nxt + wnd);
	if (!ok) {
		if (SEQ_LEQ(end, rcv_nxt))
			XT_STAT_INC(eng, tcp_rcv_dup_pack);
		else
			XT_STAT_INC(eng, tcp_rcv_unacceptable);
		if (th->flags & XT_TH_RST)
			return (SC_DROP);
		if (th->flags & XT_TH_SYN)
			XT_STAT_INC(eng, tcp_syncache_dupsyn);
		return (SC_RESEND);
	}
	/* second: RST, exact match only: back to LISTEN */
	if (th->flags & XT_TH_RST) {
		if (th->seq != rcv_nxt && !eng->cfg.insecure_rst) {
			XT_STAT_INC(eng, tcp_rcv_rst_bad);
			return (SC_RESEND);	/* the challenge */
		}
		return (SC_RESET);
	}
	/* fourth: a SYN in the window: a challenge */
	if (th->flags & XT_TH_SYN) {
		XT_STAT_INC(eng, tcp_rcv_syn_estab);
		return (SC_RESEND);
	}
	/* fifth: the ACK of our SYN */
	if (!(th->flags & XT_TH_ACK)) {
		XT_STAT_INC(eng, tcp_rcv_no_ack);
		return (SC_DROP);
	}
	if (th->ack != e->sc_iss + 1) {
		xt_tcp_respond_rst(eng, dst, src, th, sg->seglen);
		return (SC_DROP);
	}
	return (SC_ACKED);
}

/*
 * A segment for the half-open connection of SYN cache entry e.  Only an
 * acceptable ACK of our SYN makes the TCB; then the segment goes
 * through xt_tcp_sync_input like any other.
 */
static void
tcp_syncache_input(struct xtcp_engine *eng, struct xtcp_sock *lis,
    struct xt_sc_entry *e, uint32_t src, uint32_t dst, uint8_t tos,
    struct xt_tcp_seg *sg)
{
	struct xtcp_sock *tp;

	switch (tcp_syncache_steps(eng, lis, e, src, dst, sg)) {
	case SC_DROP:
		return;
	case SC_RESEND:
		e->sc_flags |= XT_SCF_RESENT;
		xt_syncache_synack(lis, e);
		return;
	case SC_RESET:
		XT_STAT_INC(eng, tcp_rcv_rst);
		XT_STAT_INC(eng, tcp_syncache_reset);
		xt_syncache_remove(lis, e);
		return;
	default:
		break;
	}
	/*
	 * Linux (tcp_check_req with tcp_abort_on_overflow 0): with the
	 * accept queue full the ACK is dropped and the entry stays; the
	 * SYN-ACK timer resends and the peer's answer may find room.
	 */
	if (lis->t_qlen > lis->t_backlog) {
		XT_STAT_INC(eng, tcp_listen_ack_overflow);
		return;
	}
	if ((tp = tcp_syncache_expand(eng, lis, e)) == NULL) {
		XT_STAT_INC(eng, tcp_listen_overflow);	/* no socket: as full */
		return;
	}
	XT_STAT_INC(eng, tcp_syncache_completed);
	xt_syncache_remove(lis, e);
	xt_tcp_seg_arrived(tp, sg, tos);
	xt_tcp_sync_input(tp, sg);
}

/* Our ISN for a new connection: RFC 6528's, or for a SYN that ended a
 * TIME-WAIT entry, the one above the old connection it chose. */
static xt_seq_t
tcp_listen_isn(struct xtcp_engine *eng, const struct xtcp_sock *lis,
    uint32_t src, uint32_t dst, const struct xt_tcp_seg *sg)
{
	if (sg->tw_isn != 0)
		return (sg->tw_isn);
	return (xt_tcp_new_isn(eng, dst, lis->lport, src, sg->th.sport));
}

/*
 * A new SYN for listener lis that no SYN cache entry knows.  It costs a
 * compact entry and no socket; past the table, a SYN cookie (or a
 * counted drop).  The one exception is a Fast Open SYN whose data is
 * accepted: that needs a socket, within the backlog and TCP_FASTOPEN's
 * limit.
 */
static void
tcp_listen_syn(struct xtcp_engine *eng, struct xtcp_sock *lis,
    uint32_t src, uint32_t dst, const struct xt_tcp_seg *sg)
{
	const struct xt_tcp_repr *th = &sg->th;
	struct xt_sc_entry *e;
	struct xtcp_sock *tp;
	int tfo, tfo_ok = 0;

	/* XTCP_SYNCOOKIES=2: every SYN gets a cookie, nothing is kept */
	if (eng->cfg.syncookies == 2) {
		tcp_syncookie_send(eng, lis, src, dst, th);
		return;
	}
	/* Linux (tcp_conn_request): a full accept queue drops the SYN,
	 * cookies or not; the peer tries again later */
	if (lis->t_qlen > lis->t_backlog) {
		XT_STAT_INC(eng, tcp_listen_overflow);
		return;
	}
	tfo = th->has_tfo && (eng->cfg.fastopen & 2) && lis->t_tfo_qlen > 0;
	if (tfo)
		tfo_ok = tcp_tfo_cookie_ok(eng, src, th);
	if (tfo_ok && sg->dlen > 0 && lis->t_qlen <= lis->t_tfo_qlen) {
		tp = tcp_child_from_syn(eng, lis, dst, src, th,
		    tcp_listen_isn(eng, lis, src, dst, sg),
		    xt_tcp_ts_offset(eng, dst, lis->lport, src, th->sport));
		if (tp == NULL) {
			XT_STAT_INC(eng, tcp_listen_overflow);
			return;
		}
		XT_STAT_INC(eng, tcp_accepts);
		tcp_tfo_server_syn(tp, sg);
		xt_tcp_output(tp);
		return;
	}
	/* listen(2) backlog: Linux keeps backlog+1 half-open connections;
	 * past that, a SYN cookie answers without keeping state (RFC 4987
	 * §3.6; FreeBSD syncookies), or the SYN is dropped */
	e = xt_syncache_insert(lis, dst, src, th->sport);
	if (e == NULL) {
		XT_STAT_INC(eng, tcp_syncache_overflow);
		if (eng->cfg.syncookies == 1) {
			tcp_syncookie_send(eng, lis, src, dst, th);
			return;
		}
		XT_STAT_INC(eng, tcp_listen_overflow);
		return;
	}
	XT_STAT_INC(eng, tcp_accepts);
	e->sc_irs = th->seq;
	e->sc_iss = tcp_listen_isn(eng, lis, src, dst, sg);
	e->sc_ts_offset = xt_tcp_ts_offset(eng, dst, lis->lport, src,
	    th->sport);
	e->sc_wnd = th->win;
	if (th->has_mss) {
		e->sc_flags |= XT_SCF_MSS;
		e->sc_mss = th->mss;
	}
	if (th->has_ws) {
		e->sc_flags |= XT_SCF_WS;
		e->sc_ws = th->ws;
	}
	if (th->has_ts) {
		e->sc_flags |= XT_SCF_TS;
		e->sc_tsval = th->tsval;
	}
	if (th->sack_perm)
		e->sc_flags |= XT_SCF_SACK;
	if (eng->cfg.ecn != 0 &&
	    (th->flags & (XT_TH_ECE | XT_TH_CWR)) == (XT_TH_ECE | XT_TH_CWR))
		e->sc_flags |= XT_SCF_ECN;
	/* RFC 7413 §4.1.2: a request or a wrong cookie gets the cookie */
	if (tfo && !tfo_ok) {
		e->sc_flags |= XT_SCF_TFO;
		XT_STAT_INC(eng, tcp_tfo_cookie_sent);
	}
	xt_syncache_synack(lis, e);
}

/* RFC 9293 §3.10.7.2: a segment for a listening socket. */
void
xt_tcp_listen_input(struct xtcp_engine *eng, struct xtcp_sock *lis,
    uint32_t src, uint32_t dst, uint8_t tos, struct xt_tcp_seg *sg)
{
	const struct xt_tcp_repr *th = &sg->th;
	struct xt_sc_entry *e;

	/* a half-open connection of this listener: SYN-RECEIVED */
	if ((e = xt_syncache_lookup(lis, dst, src, th->sport)) != NULL) {
		tcp_syncache_input(eng, lis, e, src, dst, tos, sg);
		return;
	}
	if (th->flags & XT_TH_RST)
		return;			/* first: ignore RSTs */
	if (th->flags & XT_TH_ACK) {	/* second: an ACK gets an RST */
		if (eng->cfg.syncookies &&
		    tcp_syncookie_ack(eng, lis, src, dst, sg))
			return;
		XT_STAT_INC(eng, tcp_rcv_noport);
		xt_tcp_respond_rst(eng, dst, src, th, sg->seglen);
		return;
	}
	if (!(th->flags & XT_TH_SYN) || (th->flags & XT_TH_FIN))
		return;			/* fourth: anything else is dropped */
	tcp_listen_syn(eng, lis, src, dst, sg);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_output.c - the send decision and segment construction.
 *
 * xt_tcp_output() asks, in order: is a SYN owed; how much data may go
 * (window, congestion window, MSS: tcp_send_len); should it go now (cork,
 * Nagle, SWS: tcp_send_data_now); is a FIN owed; is an ACK or a window
 * update owed.  Each answer that says "send" builds one segment with
 * xt_tcp_send_seg() and the loop runs again.  Also here: the window we
 * advertise, the SACK blocks of our ACKs and when an ACK for received
 * data is owed (delayed ACKs).  What goes during SACK loss recovery is
 * decided in tcp_recovery.c (xt_tcp_sack_output).
 *
 * Read first: RFC 9293 §3.8.6 (windows, SWS avoidance), §3.7.4 (Nagle),
 * RFC 1122 §4.2.3.4 (when to send data), §4.2.3.2 (delayed ACKs),
 * RFC 7323 §2-3 (window scale, timestamps), RFC 2018 §4 and RFC 2883
 * (SACK blocks), RFC 3168 §6.1 (ECN), RFC 5681 §3 (cwnd), RFC 6298
 * (timer arming).
 */
#include <string.h>

#include "xt_engine.h"
#include "tcp/tcp_var.h"
#include "wire/csum.h"
#include "wire/ipv4.h"

/* RFC 7323 §3.2: the timestamp option, 10 bytes, padded to 12 */
#define XT_TCP_TSOPT_SPACE	12

uint32_t
xt_tcp_flight(const struct xtcp_sock *tp)
{
	return (tp->snd_max - tp->snd_una);
}

/*
 * The window to advertise (RFC 9293 §3.8.6.2.2): never shrink the right
 * edge already offered, and do not offer small increases (receiver-side
 * SWS avoidance: grow only by min(buffer/2, MSS) or more).
 */
static uint32_t
tcp_rcv_window(struct xtcp_sock *tp)
{
	uint32_t space = xt_tcp_rcv_space(tp), adv, thresh;

	if (tp->t_window_clamp != 0 && space > tp->t_window_clamp)
		space = tp->t_window_clamp;
	/* RFC 7323 §2.3: the field holds at most 65535 << scale */
	if (space > (uint32_t)65535 << tp->rcv_scale)
		space = (uint32_t)65535 << tp->rcv_scale;
	adv = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
	if (space <= adv)
		return (adv);
	thresh = tp->rcvbuf_size / 2;
	if (thresh > tp->t_advmss)
		thresh = tp->t_advmss;
	if (space - adv < thresh)
		return (adv);
	return (space);
}

/*
 * Is a pure ACK owed because the program's reads made room?  As Linux
 * (tcp_cleanup_rbuf): only when the window last offered has fallen to
 * half the largest we could offer or below, and the window we may offer
 * now (receiver-side SWS avoidance already applied, RFC 9293
 * §3.8.6.2.2) is at least twice it.  While the offered window is wider
 * than that, the sender is not held back and the ACKs that its data
 * clocks (every second segment) carry the news; a window update for
 * every read of a streaming receiver only doubles the ACKs.  A closed
 * window opens with the first read that makes room.  Nothing received
 * and nothing read is never a reason.
 */
static int
tcp_window_update_due(struct xtcp_sock *tp)
{
	uint32_t adv, now_win, most;

	adv = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
	most = tp->rcvbuf_size;
	if (tp->t_window_clamp != 0 && most > tp->t_window_clamp)
		most = tp->t_window_clamp;
	if (most > (uint32_t)65535 << tp->rcv_scale)
		most = (uint32_t)65535 << tp->rcv_scale;
	if ((uint64_t)adv * 2 > most)
		return (0);
	now_win = tcp_rcv_window(tp);
	return (now_win > adv && (uint64_t)now_win >= 2 * (uint64_t)adv);
}

/*
 * dlen bytes of data arrived in order, filling no hole: when is the ACK
 * owed?  RFC 1122 §4.2.3.2: for at least every second full-sized
 * segment, otherwise within the delayed-ACK time.  At once with delayed
 * ACKs off, or while quick ACKs last (TCP_QUICKACK, and those at the
 * start of a connection).  A super-frame from a GRO/GSO device counts as
 * the segments it carries.
 */
void
xt_tcp_ack_owed(struct xtcp_sock *tp, uint32_t dlen)
{
	struct xtcp_engine *eng = tp->eng;
	uint32_t full;

	/* a full-sized segment from the peer: our MSS less the timestamp
	 * option every segment carries once negotiated (RFC 7323 §3.2,
	 * 10 bytes padded to 12), as Linux's rcv_mss estimate comes to;
	 * counted against t_advmss alone a super-frame of two 1448-byte
	 * segments was one segment and its ACK waited */
	full = tp->t_advmss;
	if ((tp->t_flags & XT_TF_TS_OK) && full > XT_TCP_TSOPT_SPACE)
		full -= XT_TCP_TSOPT_SPACE;
	if (full > 0 && dlen >= full)
		tp->t_segs_unacked += dlen / full;
	else
		tp->t_segs_unacked++;
	if (!eng->cfg.delayed_ack) {
		tp->t_flags |= XT_TF_ACKNOW;
	} else if (tp->t_quickacks > 0) {
		tp->t_quickacks--;	/* TCP_QUICKACK */
		tp->t_flags |= XT_TF_ACKNOW;
	} else if (tp->t_segs_unacked >= 2 || (tp->t_flags & XT_TF_DELACK))
		tp->t_flags |= XT_TF_ACKNOW;
	else {
		tp->t_flags |= XT_TF_DELACK;
		if (tp->t_delack_at == 0) {
			xt_tcp_timer_set(tp, XT_T_DELACK, eng->now +
			    (uint64_t)eng->cfg.delack_ms * 1000);
			xt_engine_timer_armed(eng, tp->t_delack_at);
		}
	}
}

/*
 * The window field of our SYN or SYN-ACK, which RFC 7323 §2.2 never
 * scales; records as offered what the first scaled segment will carry
 * (Linux keeps rcv_wnd unclipped too): that segment opens nothing, and no
 * window update is owed for it.  Also used by the SYN cache, whose
 * SYN-ACK went before the TCB existed.
 */
uint16_t
xt_tcp_syn_window(struct xtcp_sock *tp)
{
	uint32_t win, field;

	win = xt_tcp_rcv_space(tp);
	if (tp->t_window_clamp != 0 && win > tp->t_window_clamp)
		win = tp->t_window_clamp;
	field = win > 65535 ? 65535 : win;
	if (!(tp->t_flags & XT_TF_WS_OK))
		win = field;
	else if (win > (uint32_t)65535 << tp->rcv_scale)
		win = (uint32_t)65535 << tp->rcv_scale;
	tp->rcv_adv = tp->rcv_nxt + win;
	return ((uint16_t)field);
}

/* Window field of an outgoing segment; records the new right edge. */
uint16_t
xt_tcp_window_field(struct xtcp_sock *tp)
{
	uint32_t win = tcp_rcv_window(tp), field;

	field = win >> tp->rcv_scale;
	if (field > 65535)
		field = 65535;
	win = field << tp->rcv_scale;
	if (SEQ_GT(tp->rcv_nxt + win, tp->rcv_adv))
		tp->rcv_adv = tp->rcv_nxt + win;
	return ((uint16_t)field);
}

/*
 * SACK blocks for an ACK (RFC 2018 §4): the block holding the most
 * recently received out-of-order segment first, then the others in
 * sequence order, at most max of them (what fits beside the other
 * options and in the frame; see xt_tcp_send_seg).
 */
static void
tcp_fill_sack(struct xtcp_sock *tp, struct xt_tcp_repr *r, unsigned max)
{
	const struct xt_asm *a = &tp->rcv_asm;
	unsigned i, first = a->n;
	xt_seq_t lo, hi;

	if (max == 0)
		return;		/* a D-SACK waits for a frame with room */
	/* RFC 2883 §4: a D-SACK block goes first, once */
	if (tp->dsack_lo != tp->dsack_hi) {
		r->sack[0][0] = tp->dsack_lo;
		r->sack[0][1] = tp->dsack_hi;
		r->nsack = 1;
		tp->dsack_lo = tp->dsack_hi;
	}

	for (i = 0; i < a->n && r->nsack < max; i++) {
		lo = tp->rcv_nxt + a->r[i].start;
		hi = tp->rcv_nxt + a->r[i].end;
		if (SEQ_IN(tp->sack_last, lo, hi)) {
			first = i;
			r->sack[r->nsack][0] = lo;
			r->sack[r->nsack][1] = hi;
			r->nsack++;
			break;
		}
	}
	for (i = 0; i < a->n && r->nsack < max; i++) {
		if (i == first)
			continue;
		r->sack[r->nsack][0] = tp->rcv_nxt + a->r[i].start;
		r->sack[r->nsack][1] = tp->rcv_nxt + a->r[i].end;
		r->nsack++;
	}
}

/*
 * The largest send MSS our own MTU allows (RFC 9293 §3.7.1; RFC 6691:
 * the MSS counts data only, so the options every segment carries come
 * off it): the MTU less 40 bytes of IPv4 and TCP headers and 12 of
 * timestamps when they are on.  At least 16 (MTU 68).
 */
uint32_t
xt_tcp_mss_fit(const struct xtcp_sock *tp)
{
	return (tp->eng->mtu - XT_IPV4_HLEN - XT_TCP_HLEN -
	    ((tp->t_flags & XT_TF_TS_OK) ? 12 : 0));
}

/*
 * The options of our SYN or SYN-ACK, and its window.  RFC 9293 §3.7.1
 * MSS; RFC 7323 §2.2 WS, §3.2 TS and RFC 2018 §2 SACK-permitted: offered
 * in our SYN as configured, and in a SYN-ACK only if the peer's SYN had
 * them.  RFC 7413 §4.1: the client's Fast Open cookie (or a request for
 * one), the server's cookie for the client.
 */
static void
tcp_seg_syn_options(struct xtcp_sock *tp, struct xt_tcp_repr *r)
{
	struct xtcp_engine *eng = tp->eng;
	int syn_sent = tp->state == XT_TCPS_SYN_SENT;

	r->has_mss = 1;
	r->mss = tp->t_advmss;
	if (syn_sent ? eng->cfg.wscale != 0 :
	    (tp->t_flags & XT_TF_WS_OK) != 0) {
		r->has_ws = 1;
		r->ws = tp->request_scale;
	}
	if (syn_sent ? eng->cfg.tstamps != 0 : (tp->t_flags & XT_TF_TS_OK) != 0)
		r->has_ts = 1;
	if (syn_sent ? eng->cfg.sack != 0 : (tp->t_flags & XT_TF_SACK_OK) != 0)
		r->sack_perm = 1;
	if (syn_sent && tp->t_tfo_syn) {
		r->has_tfo = 1;
		if (!xt_tfo_cache_get(eng, tp->faddr, &r->tfo_len,
		    r->tfo_cookie))
			r->tfo_len = 0;
	} else if (tp->state == XT_TCPS_SYN_RECEIVED &&
	    tp->t_tfo_send_cookie) {
		r->has_tfo = 1;
		r->tfo_len = 8;
		xt_tfo_cookie_for(eng, tp->faddr, r->tfo_cookie);
	}
	r->win = xt_tcp_syn_window(tp);
}

/*
 * A Fast Open cookie that does not fit a frame of the engine's MTU stays
 * out of the SYN or SYN-ACK (RFC 7413 §4.2: data on a SYN needs the
 * cookie, so the caller sends the SYN without its data).  Returns 1 if it
 * was left out.  For the SYN cache's SYN-ACK too.
 */
int
xt_tcp_tfo_fit(const struct xtcp_engine *eng, struct xt_tcp_repr *r)
{
	if (!r->has_tfo || xt_tcp_hdr_len(r) <= eng->mtu - XT_IPV4_HLEN)
		return (0);
	r->has_tfo = 0;
	return (1);
}

/* The urgent pointer: every segment before snd_up says where it ends
 * (RFC 9293 §3.8.5; one past the byte, RFC 6093). */
static void
tcp_seg_urgent(const struct xtcp_sock *tp, struct xt_tcp_repr *r,
    xt_seq_t seq, uint8_t flags)
{
	if ((tp->t_flags & XT_TF_SNDURG) && !(flags & (XT_TH_SYN | XT_TH_RST)) &&
	    SEQ_LT(seq, tp->snd_up)) {
		if (tp->snd_up - seq <= 65535) {
			r->flags |= XT_TH_URG;
			r->urp = (uint16_t)(tp->snd_up - seq);
		}
	}
}

/*
 * SACK blocks get the option space left after the others (three beside
 * timestamps, four without, as Linux) and no more than the frame of
 * l4mtu bytes holds: in a segment with data at least one byte of it
 * must still fit.  The most recent block goes first (RFC 2018 §4), so
 * the peer loses the least from a short list.
 */
static void
tcp_seg_sack(struct xtcp_sock *tp, struct xt_tcp_repr *r, uint8_t flags,
    uint32_t len, uint32_t l4mtu)
{
	unsigned nsack, fit;
	size_t hl, need;

	if ((tp->t_flags & XT_TF_SACK_OK) && (r->flags & XT_TH_ACK) &&
	    !(flags & (XT_TH_SYN | XT_TH_RST)) &&
	    (!xt_asm_empty(&tp->rcv_asm) || tp->dsack_lo != tp->dsack_hi)) {
		hl = xt_tcp_hdr_len(r);
		nsack = xt_sack_opt_blocks(XT_TCP_HLEN + XT_TCP_MAXOPT - hl);
		need = hl + (len > 0 ? 1 : 0);
		fit = need <= l4mtu ? xt_sack_opt_blocks(l4mtu - need) : 0;
		tcp_fill_sack(tp, r, nsack < fit ? nsack : fit);
	}
}

/*
 * ECN (RFC 3168): the ECN-setup SYN (ECE|CWR) and SYN-ACK (ECE), and
 * after ecn_maxretries lost SYNs a SYN without (§6.1.1.1); ECE on our
 * ACKs while CE is to be echoed; ECT(0) and a pending CWR on new data
 * only, never on retransmissions or pure ACKs (§6.1.5, §6.1.4).  Returns
 * the IP TOS byte.
 */
static uint8_t
tcp_seg_ecn(struct xtcp_sock *tp, struct xt_tcp_repr *r, xt_seq_t seq,
    uint32_t len, uint8_t flags)
{
	struct xtcp_engine *eng = tp->eng;
	uint8_t tos = tp->ip_tos & 0xfc;

	if (flags & XT_TH_SYN) {
		if (tp->state == XT_TCPS_SYN_SENT && eng->cfg.ecn == 1 &&
		    tp->t_rxtshift < eng->cfg.ecn_maxretries + 1) {
			r->flags |= XT_TH_ECE | XT_TH_CWR;
			tp->t_flags |= XT_TF_ECN_SYN;
		} else if (tp->state == XT_TCPS_SYN_SENT) {
			tp->t_flags &= ~XT_TF_ECN_SYN;
		} else if (tp->t_flags & XT_TF_ECN_OK) {
			r->flags |= XT_TH_ECE;
		}
	} else if (tp->t_flags & XT_TF_ECN_OK) {
		if ((tp->t_flags & XT_TF_ECE_SEND) && (r->flags & XT_TH_ACK))
			r->flags |= XT_TH_ECE;
		if (len > 0 && SEQ_GEQ(seq, tp->snd_max)) {
			tos |= 2;
			if (tp->t_flags & XT_TF_CWR_SEND) {
				r->flags |= XT_TH_CWR;
				tp->t_flags &= ~XT_TF_CWR_SEND;
			}
		}
	}
	return (tos);
}

/*
 * Build the frame: the header r, then *lenp bytes of data from snd_buf
 * at seq (*lenp becomes what the buffer held), the checksum (or, for an
 * offloading device, the pseudo-header sum and the TSO segment size
 * segroom), and hand it to the engine.  Returns what xt_tx_commit says.
 */
static int
tcp_seg_emit(struct xtcp_sock *tp, const struct xt_tcp_repr *r, xt_seq_t seq,
    uint32_t *lenp, uint8_t flags, uint8_t tos, uint32_t segroom)
{
	struct xtcp_engine *eng = tp->eng;
	struct xt_tx_offload ol;
	uint32_t off, len = *lenp;
	uint8_t *p;
	size_t hl;

	p = xt_tx_begin(eng);
	hl = xt_tcp_emit_hdr(r, p);
	if (len > 0) {
		/* data on a SYN (Fast Open) follows the SYN's number */
		off = (flags & XT_TH_SYN) ? 0 : seq - tp->snd_buf_seq;
		len = xt_ring_peek(&tp->snd_buf, off, p + hl, len);
		if (off + len == xt_ring_len(&tp->snd_buf) &&
		    !(flags & XT_TH_SYN))
			p[13] |= XT_TH_PSH;	/* RFC 9293 §3.9.1: push the last byte */
	}
	*lenp = len;
	if (eng->offload) {
		/* the device sums the segment(s); we give the pseudo-header
		 * sum over the whole length (Linux CHECKSUM_PARTIAL) */
		uint16_t ps = (uint16_t)~xt_csum_fold(xt_csum_pseudo(
		    eng->cfg.addr, tp->faddr, XT_IPPROTO_TCP,
		    (uint16_t)(hl + len)));

		p[16] = ps >> 8;
		p[17] = ps & 0xff;
		ol.gso_size = len > segroom ? (uint16_t)segroom : 0;
		ol.l4hlen = (uint16_t)hl;
		ol.ecn = (r->flags & XT_TH_CWR) != 0;
	} else {
		xt_tcp_fill_csum(p, hl + len, eng->cfg.addr, tp->faddr);
	}
	return (xt_tx_commit(eng, tp->faddr, XT_IPPROTO_TCP, tos,
	    tp->ip_ttl, hl + len, eng->offload ? &ol : NULL));
}

/* A segment went with len bytes of data from seq and header flags
 * rflags: the counters, Karn's rule and the scoreboard for a
 * retransmission, the send-time map for new data; and an ACK settles
 * what we owed. */
static void
tcp_seg_sent(struct xtcp_sock *tp, xt_seq_t seq, uint32_t len, uint8_t flags,
    uint8_t rflags)
{
	struct xtcp_engine *eng = tp->eng;

	XT_STAT_INC(eng, tcp_snd_total);
	tp->t_segs_out++;
	if (len > 0) {
		tp->t_data_segs_out++;
		tp->t_bytes_sent += len;
		if (SEQ_LT(seq, tp->snd_max)) {
			/* Karn: while anything is being resent, an ACK's
			 * delay says nothing about the path; stop timing */
			tp->t_rtttime = 0;
			tp->t_undo_retrans++;
			XT_STAT_INC(eng, tcp_snd_rexmit_pack);
			XT_STAT_ADD(eng, tcp_snd_rexmit_byte, len);
			tp->t_total_retrans++;
			tp->t_bytes_retrans += len;
			if (tp->t_flags & XT_TF_SACK_OK)
				xt_sack_rtx_sent(&tp->t_sb, seq, seq + len,
				    eng->now);
		} else {
			XT_STAT_INC(eng, tcp_snd_pack);
			XT_STAT_ADD(eng, tcp_snd_byte, len);
			xt_tcp_tmap_add(tp, seq, seq + len, eng->now);
		}
		tp->t_last_tx_us = eng->now;
	} else if (flags & (XT_TH_SYN | XT_TH_FIN | XT_TH_RST)) {
		XT_STAT_INC(eng, tcp_snd_ctrl);
		if (flags & XT_TH_RST)
			XT_STAT_INC(eng, tcp_snd_rst);
	} else {
		XT_STAT_INC(eng, tcp_snd_acks);
	}
	if (rflags & XT_TH_ACK) {
		/* any segment carrying our ACK settles what we owed */
		tp->t_flags &= ~(XT_TF_ACKNOW | XT_TF_DELACK);
		xt_tcp_timer_set(tp, XT_T_DELACK, 0);
		tp->t_segs_unacked = 0;
	}
}

/*
 * One segment: the header with its options for this state, up to len
 * bytes of data from snd_buf at seq, and flags (SYN, FIN, RST; ACK is
 * added once synchronized).  Returns the bytes of data sent: fewer than
 * len when the options leave less room (then without the FIN).
 */
uint32_t
xt_tcp_send_seg(struct xtcp_sock *tp, xt_seq_t seq, uint32_t len,
    uint8_t flags)
{
	struct xtcp_engine *eng = tp->eng;
	struct xt_tcp_repr r;
	uint32_t room, segroom, l4mtu;
	uint8_t tos;
	size_t hl;

	memset(&r, 0, sizeof(r));
	r.sport = tp->lport;
	r.dport = tp->fport;
	r.seq = seq;
	r.flags = flags;
	if (tp->state != XT_TCPS_SYN_SENT)
		r.flags |= XT_TH_ACK;
	r.ack = (r.flags & XT_TH_ACK) ? tp->rcv_nxt : 0;
	if (flags & XT_TH_SYN)
		tcp_seg_syn_options(tp, &r);
	else if (flags & XT_TH_RST)
		r.win = 0;
	else
		r.win = xt_tcp_window_field(tp);
	tcp_seg_urgent(tp, &r, seq, flags);
	if (tp->t_flags & XT_TF_TS_OK)
		r.has_ts = 1;
	if (r.has_ts) {
		/* RFC 7323 §3: a millisecond clock with a random offset
		 * per connection (§7.1) */
		r.tsval = (uint32_t)(eng->now / 1000) + tp->ts_offset;
		r.tsecr = (r.flags & XT_TH_ACK) ? tp->ts_recent : 0;
	}
	/*
	 * Every frame holds at most mtu - 20 bytes of TCP (RFC 791: the
	 * engine's MTU is at least 68, so 48).  The fixed options fit in
	 * that: 20 + MSS, TS and WS make 40.  A Fast Open cookie that does
	 * not fit stays out, and the data with it (RFC 7413 §4.2: data on a
	 * SYN needs the cookie).
	 */
	l4mtu = eng->mtu - XT_IPV4_HLEN;
	if (xt_tcp_tfo_fit(eng, &r))
		len = 0;
	tcp_seg_sack(tp, &r, flags, len, l4mtu);
	hl = xt_tcp_hdr_len(&r);
	if (hl > l4mtu)
		return (0);	/* cannot happen at an MTU of 68 or more */
	if (r.flags & XT_TH_ACK)
		tp->last_ack_sent = tp->rcv_nxt;
	/* options (SACK blocks above all) may leave less room than the
	 * MSS promised: send less, and then the FIN cannot ride along
	 * (RFC 6691: the sender takes its option bytes from the data).
	 * An offloading device takes up to 64 KB, cut into segments of
	 * segroom bytes (TSO) */
	segroom = l4mtu - (uint32_t)hl;
	if (segroom > tp->t_maxseg && tp->t_maxseg != 0)
		segroom = tp->t_maxseg;
	room = eng->offload && !(flags & (XT_TH_SYN | XT_TH_RST)) ?
	    (uint32_t)(xt_tx_l4max(eng) - hl) : l4mtu - (uint32_t)hl;
	if (len > room) {
		len = room;
		r.flags &= ~XT_TH_FIN;
	}
	tos = tcp_seg_ecn(tp, &r, seq, len, flags);
	if (tcp_seg_emit(tp, &r, seq, &len, flags, tos, segroom) != XT_OK)
		return (len);	/* no route: as if lost; timers recover */
	tcp_seg_sent(tp, seq, len, flags, r.flags);
	return (len);
}

void
xt_tcp_send_ack(struct xtcp_sock *tp)
{
	tp->t_flags |= XT_TF_ACKNOW;
	xt_tcp_output(tp);
}

void
xt_tcp_send_rst(struct xtcp_sock *tp)
{
	if (tp->state == XT_TCPS_CLOSED || tp->state == XT_TCPS_LISTEN)
		return;
	(void)xt_tcp_send_seg(tp, tp->snd_max, 0, XT_TH_RST);
}

/* The SYN (or SYN-ACK) of a handshake. */
static void
tcp_output_syn(struct xtcp_sock *tp)
{
	uint8_t flags = XT_TH_SYN, clen, cookie[XT_TFO_COOKIE_MAX];
	uint32_t len;

	if (tp->state == XT_TCPS_SYN_RECEIVED) {
		flags |= XT_TH_ACK;
		/* the peer resent its SYN: our SYN-ACK was lost; resend it
		 * now rather than at our timer (as Linux does) */
		if (tp->t_flags & XT_TF_ACKNOW) {
			tp->snd_nxt = tp->iss;
			tp->t_rtttime = 0;	/* Karn: two copies out */
		}
	}
	if (tp->snd_nxt != tp->iss)
		return;		/* sent; the timer retransmits it */
	/* RFC 7413 §3: with a cookie, data rides on the first SYN (never
	 * on a retransmitted one) */
	len = 0;
	if (tp->state == XT_TCPS_SYN_SENT && tp->t_tfo_syn &&
	    tp->t_rxtshift == 0 && xt_tfo_cache_get(tp->eng, tp->faddr,
	    &clen, cookie)) {
		len = xt_ring_len(&tp->snd_buf);
		if (len > tp->t_advmss)
			len = tp->t_advmss;
	}
	len = xt_tcp_send_seg(tp, tp->iss, len, flags);
	tp->t_tfo_syn_data = len;
	if (len > 0)
		XT_STAT_INC(tp->eng, tcp_tfo_syn_data);
	tp->snd_nxt = tp->iss + 1 + len;
	if (SEQ_GT(tp->snd_nxt, tp->snd_max))
		tp->snd_max = tp->snd_nxt;
	if (tp->t_rexmt_at == 0)
		xt_tcp_arm_rexmt(tp);
}

/*
 * How many of the avail unsent bytes may go now, in one segment or one
 * TSO super-frame of at most maxchunk: the smaller of the peer's window
 * and cwnd (RFC 5681 §3; RFC 3042 limited transmit lets the first two
 * duplicate ACKs each send one segment more), less what is in flight.
 * Also notes for the algorithm whether cwnd, not the program, limits the
 * sender (RFC 7661).
 */
static uint32_t
tcp_send_len(struct xtcp_sock *tp, uint32_t avail, uint32_t maxchunk)
{
	uint32_t cwnd, wnd, inflight, usable, len;

	cwnd = tp->snd_cwnd;
	if (!(tp->t_flags & XT_TF_INRECOVERY) && tp->t_dupacks < 3)
		cwnd += tp->t_dupacks * tp->t_maxseg;
	wnd = tp->snd_wnd < cwnd ? tp->snd_wnd : cwnd;
	inflight = tp->snd_nxt - tp->snd_una;
	usable = wnd > inflight ? wnd - inflight : 0;
	len = avail < usable ? avail : usable;
	if (len > maxchunk)
		len = maxchunk;
	/* a super-frame ends with a short segment only where a lone short
	 * segment could go too: not corked, and Nagle satisfied (Linux
	 * tcp_mss_split_point) */
	if (len > tp->t_maxseg && len % tp->t_maxseg != 0 &&
	    (tp->t_cork_opt || tp->t_more ||
	    (!(tp->t_flags & XT_TF_NODELAY) && tp->snd_nxt != tp->snd_una)))
		len -= len % tp->t_maxseg;
	/* SACK recovery paces its own sending (xt_tcp_sack_output) */
	if ((tp->t_flags & (XT_TF_INRECOVERY | XT_TF_SACK_OK)) ==
	    (XT_TF_INRECOVERY | XT_TF_SACK_OK))
		len = 0;
	if (avail > usable && tp->snd_cwnd <= tp->snd_wnd)
		tp->t_flags |= XT_TF_CWND_LIMITED;
	else
		tp->t_flags &= ~XT_TF_CWND_LIMITED;
	return (len);
}

/*
 * TCP_CORK / MSG_MORE hold a short segment until uncorked or 200 ms
 * passed (as Linux); the persist or cork timer (XT_TF_FORCE) sends it.
 * Returns 1 if it goes now; else arms the cork timer.
 */
static int
tcp_corked_send(struct xtcp_sock *tp)
{
	if (tp->t_flags & XT_TF_FORCE)
		return (1);
	if (tp->t_cork_at == 0) {
		xt_tcp_timer_set(tp, XT_T_CORK, tp->eng->now + 200000);
		xt_engine_timer_armed(tp->eng, tp->t_cork_at);
	}
	return (0);
}

/*
 * Should len (> 0) of the avail unsent bytes go now?  A full segment
 * always; a short one only as TCP_CORK allows, and then when Nagle does
 * (RFC 9293 §3.7.4: nothing unacknowledged, or TCP_NODELAY), when it
 * fills half the largest window the peer offered (RFC 1122 §4.2.3.4),
 * when it is being retransmitted, when the persist timer overrides SWS
 * avoidance (RFC 9293 §3.8.6.2.1), or when it carries urgent data.
 */
static int
tcp_send_data_now(struct xtcp_sock *tp, uint32_t len, uint32_t avail)
{
	if (len >= tp->t_maxseg)
		return (1);
	if (tp->t_cork_opt || tp->t_more)
		return (tcp_corked_send(tp));
	if (len == avail && ((tp->t_flags & XT_TF_NODELAY) ||
	    tp->snd_nxt == tp->snd_una))
		return (1);
	if (tp->max_sndwnd > 0 && len >= tp->max_sndwnd / 2)
		return (1);
	if (SEQ_LT(tp->snd_nxt, tp->snd_max))
		return (1);
	if (tp->t_flags & XT_TF_FORCE)
		return (1);
	if ((tp->t_flags & XT_TF_SNDURG) && SEQ_LT(tp->snd_nxt, tp->snd_up))
		return (1);
	return (0);
}

/* len bytes (and the FIN if fin) went at snd_nxt: time new data (Karn:
 * never a retransmission), move snd_nxt/snd_max, and start the
 * retransmission timer (RFC 6298 §5.1) if it is not running. */
static void
tcp_sent(struct xtcp_sock *tp, uint32_t len, int fin)
{
	if (len > 0 && tp->t_rtttime == 0 &&
	    SEQ_GEQ(tp->snd_nxt, tp->snd_max)) {
		tp->t_rtseq = tp->snd_nxt;
		tp->t_rtttime = tp->eng->now;
	}
	tp->snd_nxt += len + (fin ? 1 : 0);
	if (fin)
		tp->t_flags |= XT_TF_SENTFIN;
	if (SEQ_GT(tp->snd_nxt, tp->snd_max))
		tp->snd_max = tp->snd_nxt;
	if ((len > 0 || fin) && tp->t_una_since_us == 0)
		tp->t_una_since_us = tp->eng->now;
	if ((len > 0 || fin) && tp->t_rexmt_at == 0) {
		xt_tcp_arm_rexmt(tp);
		xt_tcp_timer_set(tp, XT_T_PERSIST, 0);
	}
}

/*
 * Send what is owed, as FreeBSD's tcp_output reads: the SYN of a
 * handshake, or, after an idle restart of the window (RFC 5681 §4.1,
 * RFC 7661), a loop that asks each time how much data the windows allow
 * and whether it should go now, whether the FIN is due, whether an ACK
 * or a window update is owed, and sends one segment while any says yes.
 * Then the tail loss probe and the persist timer are armed as needed.
 */
void
xt_tcp_output(struct xtcp_sock *tp)
{
	uint32_t off, buffered, avail, len, want, maxchunk;
	xt_seq_t max_before = tp->snd_max;
	int sendit, fin;

	XT_TCB_HOLD(tp);
	switch (tp->state) {
	case XT_TCPS_CLOSED:
	case XT_TCPS_LISTEN:
		return;
	case XT_TCPS_SYN_SENT:
	case XT_TCPS_SYN_RECEIVED:
		tcp_output_syn(tp);
		return;
	default:
		break;
	}
	/* RFC 5681 §4.1 / RFC 7661: after an idle period longer than the
	 * RTO, restart from (at most) the initial window */
	if (tp->snd_una == tp->snd_max && tp->t_last_tx_us != 0 &&
	    tp->eng->now - tp->t_last_tx_us > xt_rtt_rto(&tp->t_rtt, 0) &&
	    SEQ_LT(tp->snd_nxt, tp->snd_buf_seq + xt_ring_len(&tp->snd_buf))) {
		xt_tcp_cc_idle_restart(tp);
		tp->t_last_tx_us = tp->eng->now;
	}
	/* one segment per frame, or as many whole segments as a 64 KB TSO
	 * super-frame holds (room left for 60 bytes of headers) */
	maxchunk = tp->t_maxseg;
	if (tp->eng->offload && tp->t_maxseg > 0)
		maxchunk = (uint32_t)((xt_tx_l4max(tp->eng) - 60) /
		    tp->t_maxseg) * tp->t_maxseg;
	for (;;) {
		buffered = xt_ring_len(&tp->snd_buf);
		off = tp->snd_nxt - tp->snd_buf_seq;
		avail = off < buffered ? buffered - off : 0;
		len = tcp_send_len(tp, avail, maxchunk);
		sendit = len > 0 && tcp_send_data_now(tp, len, avail);
		/* FIN once every byte is out (RFC 9293 §3.10.4 CLOSE) */
		fin = (tp->t_flags & XT_TF_FINQUEUED) &&
		    off + len >= buffered &&
		    SEQ_LEQ(tp->snd_nxt + len, tp->snd_buf_seq + buffered);
		if (fin || (tp->t_flags & XT_TF_ACKNOW))
			sendit = 1;
		if (!sendit && tcp_window_update_due(tp)) {
			XT_STAT_INC(tp->eng, tcp_snd_winupd);
			sendit = 1;
		}
		if (!sendit)
			break;
		if (len == 0 && !fin) {
			/* a pure ACK carries snd_max, as BSD does: after a
			 * timeout snd_nxt went back, and an ACK with an old
			 * sequence number fails the peer's acceptability test
			 * (RFC 9293 §3.10.7.4) and its news would be lost */
			(void)xt_tcp_send_seg(tp, tp->snd_max, 0, 0);
			break;
		}
		want = len;
		len = xt_tcp_send_seg(tp, tp->snd_nxt, len,
		    fin ? XT_TH_FIN : 0);
		if (len < want)
			fin = 0;	/* clipped: the FIN went without */
		if (len == 0 && !fin)
			break;		/* nothing fitted: no empty loop */
		tcp_sent(tp, len, fin);
		if (fin)
			break;
	}
	/* new data went out: the tail loss probe counts from now */
	if (tp->snd_max != max_before && tp->t_rexmt_at != 0)
		xt_tcp_arm_tlp(tp);
	/* data held back by the peer's window with nothing in flight to
	 * clock it out: the persist timer probes a zero window and, for a
	 * small one, overrides SWS avoidance */
	tp->t_flags &= ~XT_TF_FORCE;
	if (avail > 0 && tp->snd_una == tp->snd_max &&
	    tp->snd_wnd < avail && tp->snd_wnd < tp->t_maxseg &&
	    tp->t_rexmt_at == 0 && tp->t_persist_at == 0)
		xt_tcp_arm_persist(tp);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_input.c - segment arrival, in the order of RFC 9293 §3.10.7.
 *
 * xt_tcp_input() validates the segment, finds its connection and hands it
 * on by state: no connection to xt_tcp_closed_input (§3.10.7.1, in
 * tcp_subr.c), LISTEN to tcp_listen.c (§3.10.7.2), SYN-SENT to
 * tcp_synsent_input (§3.10.7.3), every later state to xt_tcp_sync_input,
 * which runs PAWS (RFC 7323 §5) and then the steps of §3.10.7.4 in order,
 * each a helper below: (1) sequence acceptability, (2) RST, (4) SYN,
 * (5) ACK, (6) URG, (7) segment text, (8) FIN; step 3 (security) does
 * not apply.  Step 5 is itself a row of named pieces; loss detection and
 * recovery are tcp_recovery.c's, called at fixed points of it.  Every
 * discard is counted.
 *
 * Read first: RFC 9293 §3.10.7, §3.4 (acceptability), RFC 5961 §3-5
 * (blind RST/SYN/data: exact-match RST, challenge ACKs, old ACKs),
 * RFC 7323 §2 and §5 (window scale, PAWS), RFC 6298 §5 (timer
 * management), RFC 3168 §6.1 (ECN), RFC 6093 (urgent pointer), RFC 5681
 * §4.2 and RFC 1122 §4.2.3.2 (when to ACK).
 */
#include <string.h>

#include "xt_engine.h"
#include "tcp/tcp_timewait.h"
#include "tcp/tcp_var.h"
#include "wire/tcp.h"

/* Outcome of a step: go on, or stop (the segment is consumed). */
#define STEP_NEXT	0
#define STEP_DONE	1
#define STEP_ACKONLY	2	/* unacceptable probe: use its ACK field only */

static void	tcp_input_seg(struct xtcp_engine *, uint32_t, uint32_t,
		    uint8_t, const uint8_t *, size_t, int);
static void	tcp_synsent_input(struct xtcp_sock *, struct xt_tcp_seg *);
static void	tcp_synsent_stale(struct xtcp_sock *, struct xt_tcp_seg *);

/*
 * Every segment that reached a connection, before its state's steps:
 * the peer is alive (keep-alive probes answered), RFC 3168 §6.1.3's CE
 * echo (ECE on our ACKs until the peer says CWR), and the counters.
 */
void
xt_tcp_seg_arrived(struct xtcp_sock *tp, const struct xt_tcp_seg *sg,
    uint8_t tos)
{
	struct xtcp_engine *eng = tp->eng;

	tp->t_last_rx_us = eng->now;
	tp->t_keep_probes = 0;
	if ((tp->t_flags & XT_TF_ECN_OK) && sg->seglen > 0) {
		if (sg->th.flags & XT_TH_CWR)
			tp->t_flags &= ~XT_TF_ECE_SEND;
		if ((tos & 3) == 3) {
			XT_STAT_INC(eng, tcp_ecn_ce_rcvd);
			tp->t_flags |= XT_TF_ECE_SEND | XT_TF_ACKNOW;
		}
	}
	tp->t_segs_in++;
	if (sg->dlen > 0) {
		tp->t_data_segs_in++;
		tp->t_last_data_rx_us = eng->now;
	}
}

/*
 * A TCP segment from src to dst (host order) with the IP header's TOS:
 * parse and check it, find the connection (or listener) it belongs to,
 * and hand it to the processing of that connection's state.
 */
void
xt_tcp_input(struct xtcp_engine *eng, uint32_t src, uint32_t dst,
    uint8_t tos, const uint8_t *buf, size_t len, int verify_csum)
{
	XT_WORK_BEGIN(eng);
	tcp_input_seg(eng, src, dst, tos, buf, len, verify_csum);
	XT_WORK_END(eng);
}

static void
tcp_input_seg(struct xtcp_engine *eng, uint32_t src, uint32_t dst,
    uint8_t tos, const uint8_t *buf, size_t len, int verify_csum)
{
	struct xtcp_sock *tp;
	struct xt_tcp_seg sg;
	int err;

	XT_STAT_INC(eng, tcp_rcv_total);
	memset(&sg, 0, sizeof(sg));
	err = xt_tcp_parse(buf, len, src, dst, verify_csum, &sg.th);
	if (err == XT_ECHECKSUM) {
		XT_STAT_INC(eng, tcp_rcv_badsum);
		return;
	}
	if (err != XT_OK) {
		XT_STAT_INC(eng, tcp_rcv_short);
		return;
	}
	/* RFC 1122 §4.2.3.10: no segments from broadcast/multicast */
	if (src == 0xffffffffu || (src >> 28) == 0xe || src == 0) {
		XT_STAT_INC(eng, tcp_rcv_bcast);
		return;
	}
	sg.data = sg.th.payload;
	sg.dlen = (uint32_t)sg.th.payload_len;
	sg.fin = (sg.th.flags & XT_TH_FIN) != 0;
	sg.seglen = sg.dlen + ((sg.th.flags & XT_TH_SYN) ? 1 : 0) +
	    (sg.fin ? 1 : 0);

	/* a connection, else a TIME-WAIT entry, else a listener */
	tp = xt_tcp_lookup(eng, dst, sg.th.dport, src, sg.th.sport, 0);
	if (tp == NULL && xt_tw_input(eng, src, dst, tos, &sg))
		return;
	if (tp == NULL)
		tp = xt_tcp_lookup_listener(eng, dst, sg.th.dport, src,
		    sg.th.sport);
	if (tp != NULL && tp->state == XT_TCPS_TIME_WAIT &&
	    (sg.th.flags & (XT_TH_SYN | XT_TH_ACK | XT_TH_RST)) == XT_TH_SYN)
		tp = xt_tcp_timewait_syn(tp, dst, src, &sg);
	if (tp == NULL) {
		xt_tcp_closed_input(eng, src, dst, &sg);
		return;
	}
	XT_TCB_HOLD(tp);
	xt_tcp_seg_arrived(tp, &sg, tos);
	switch (tp->state) {
	case XT_TCPS_LISTEN:
		xt_tcp_listen_input(eng, tp, src, dst, tos, &sg);
		break;
	case XT_TCPS_SYN_SENT:
		tcp_synsent_input(tp, &sg);
		break;
	default:
		xt_tcp_sync_input(tp, &sg);
		break;
	}
}

/*
 * RFC 9293 §3.10.7.3 first: an ACK of something we never sent is a
 * peer's state from an older connection on this 4-tuple (its TIME-WAIT
 * or a half-open one): an RST clears it.  Our SYN met that state and was
 * lost to it, so it goes again at once behind the RST, rather than one
 * RTO later (Linux rearms its timer to fire within milliseconds, on the
 * first SYN only).  At most once per retransmission step: a peer that
 * keeps answering so gets one SYN per RST and no more than the timer
 * allows, never a loop.
 */
static void
tcp_synsent_stale(struct xtcp_sock *tp, struct xt_tcp_seg *sg)
{
	struct xtcp_engine *eng = tp->eng;

	xt_tcp_respond_rst(eng, tp->laddr, tp->faddr, &sg->th, sg->seglen);
	if (tp->t_syn_rst_step == (uint8_t)(tp->t_rxtshift + 1) ||
	    tp->snd_nxt == tp->iss)
		return;
	tp->t_syn_rst_step = (uint8_t)(tp->t_rxtshift + 1);
	XT_STAT_INC(eng, tcp_syn_stale_resend);
	tp->snd_nxt = tp->iss;
	tp->t_rtttime = 0;	/* Karn: which SYN an answer is for is unclear */
	xt_tcp_output(tp);
}

/* RFC 9293 §3.10.7.3: a segment in SYN-SENT. */
static void
tcp_synsent_input(struct xtcp_sock *tp, struct xt_tcp_seg *sg)
{
	struct xtcp_engine *eng = tp->eng;
	const struct xt_tcp_repr *th = &sg->th;
	int ack_ok = 0;

	/* first: the ACK bit */
	if (th->flags & XT_TH_ACK) {
		if (SEQ_LEQ(th->ack, tp->iss) || SEQ_GT(th->ack, tp->snd_max)) {
			if (!(th->flags & XT_TH_RST))
				tcp_synsent_stale(tp, sg);
			return;
		}
		ack_ok = 1;
	}
	/* second: RST, honoured only with an acceptable ACK */
	if (th->flags & XT_TH_RST) {
		if (ack_ok) {
			XT_STAT_INC(eng, tcp_rcv_rst);
			XT_STAT_INC(eng, tcp_conn_refused);
			xt_tcp_drop(tp, XT_ECONNREFUSED);
		}
		return;
	}
	/* fourth: SYN */
	if (!(th->flags & XT_TH_SYN))
		return;
	tp->irs = th->seq;
	tp->rcv_nxt = th->seq + 1;
	tp->rcv_adv = tp->rcv_nxt;
	xt_tcp_syn_options(tp, th);
	/* RFC 7413 §4.1.3: remember the server's cookie */
	if (th->has_tfo && th->tfo_len > 0 && tp->t_tfo_syn)
		xt_tfo_cache_put(eng, tp->faddr, th->tfo_len, th->tfo_cookie);
	if (ack_ok) {
		uint32_t data_acked = th->ack - (tp->iss + 1);

		tp->snd_una = th->ack;
		/* Fast Open data the SYN-ACK acknowledged leaves the buffer;
		 * the rest goes again at once (RFC 7413 §4.2.2) */
		if (SEQ_GT(th->ack, tp->iss + 1) &&
		    data_acked <= xt_ring_len(&tp->snd_buf)) {
			xt_ring_discard(&tp->snd_buf, data_acked);
			xt_ring_release(&tp->snd_buf);
			tp->snd_buf_seq += data_acked;
			tp->t_bytes_acked += data_acked;
		}
		if (tp->t_tfo_syn_data > 0 && SEQ_LT(th->ack, tp->snd_max)) {
			XT_STAT_INC(eng, tcp_tfo_syn_data_lost);
			tp->snd_nxt = tp->snd_una;
			tp->snd_max = tp->snd_una;
		}
		if (SEQ_LT(tp->snd_nxt, tp->snd_una))
			tp->snd_nxt = tp->snd_una;
	}
	/* RFC 3168 §6.1.1: an ECN-setup SYN-ACK has ECE without CWR */
	if ((tp->t_flags & XT_TF_ECN_SYN) && (th->flags & XT_TH_ACK) &&
	    (th->flags & (XT_TH_ECE | XT_TH_CWR)) == XT_TH_ECE)
		tp->t_flags |= XT_TF_ECN_OK;
	if (SEQ_GT(tp->snd_una, tp->iss)) {
		/* our SYN is acknowledged: established; the window of a
		 * SYN-ACK is unscaled (RFC 7323 §2.2) */
		xt_tcp_handshake_done(tp, th, th->win);
		xt_tcp_timer_set(tp, XT_T_REXMT, 0);
		xt_tcp_set_state(tp, XT_TCPS_ESTABLISHED);
		xt_tcp_arm_keep(tp);
		tp->t_flags |= XT_TF_ACKNOW;
		/* TODO(#4): data or FIN on a SYN-ACK is rare; it is
		 * dropped and the peer retransmits it */
		xt_tcp_wakeup(tp);
		xt_tcp_output(tp);
		return;
	}
	/* simultaneous open: SYN-RECEIVED, answer with SYN-ACK */
	tp->snd_wnd = th->win;
	tp->snd_wl1 = th->seq;
	tp->snd_nxt = tp->iss;
	xt_tcp_set_state(tp, XT_TCPS_SYN_RECEIVED);
	xt_tcp_output(tp);
}

/* Receive window used by the acceptability test. */
static uint32_t
tcp_rcv_wnd(const struct xtcp_sock *tp)
{
	uint32_t adv = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ?
	    tp->rcv_adv - tp->rcv_nxt : 0;
	uint32_t space = xt_tcp_rcv_space(tp);

	return (adv > space ? adv : space);
}

/* Step 1: RFC 9293 §3.10.7.4 first, the four-case acceptability test,
 * then trim the segment to the window. */
static int
step_check_seq(struct xtcp_sock *tp, struct xt_tcp_seg *sg)
{
	struct xtcp_engine *eng = tp->eng;
	struct xt_tcp_repr *th = &sg->th;
	uint32_t wnd, trim;
	xt_seq_t seq, end;
	int ok;

	/* simultaneous open: the peer's SYN-ACK repeats the SYN we already
	 * took; its ACK completes the handshake (RFC 9293 Figure 8) */
	if (tp->state == XT_TCPS_SYN_RECEIVED &&
	    (th->flags & (XT_TH_SYN | XT_TH_ACK)) == (XT_TH_SYN | XT_TH_ACK) &&
	    th->seq == tp->irs) {
		th->flags &= ~XT_TH_SYN;
		th->seq++;
		sg->seglen--;
	}
	wnd = tcp_rcv_wnd(tp);
	seq = th->seq;
	end = seq + sg->seglen;

	if (sg->seglen == 0)
		ok = wnd == 0 ? seq == tp->rcv_nxt :
		    SEQ_IN(seq, tp->rcv_nxt, tp->rcv_nxt + wnd);
	else
		ok = wnd == 0 ? 0 :
		    SEQ_IN(seq, tp->rcv_nxt, tp->rcv_nxt + wnd) ||
		    SEQ_IN(end - 1, tp->rcv_nxt, tp->rcv_nxt + wnd);
	if (!ok) {
		if (sg->seglen > 0 && wnd == 0 && seq == tp->rcv_nxt)
			XT_STAT_INC(eng, tcp_rcv_win_probe);
		else if (SEQ_LEQ(end, tp->rcv_nxt)) {
			XT_STAT_INC(eng, tcp_rcv_dup_pack);
			/* RFC 2883 §4: report the duplicate in a D-SACK */
			if (sg->dlen > 0) {
				tp->dsack_lo = seq;
				tp->dsack_hi = seq + sg->dlen;
			}
		}
		else
			XT_STAT_INC(eng, tcp_rcv_unacceptable);
		xt_tcp_oow_ack(tp, sg);
		/* TIME-WAIT: a retransmitted FIN restarts 2MSL (eighth step) */
		if (tp->state == XT_TCPS_TIME_WAIT && (th->flags & XT_TH_FIN) &&
		    !(th->flags & XT_TH_RST))
			xt_tcp_start_timewait(tp);
		/* the ACK field of a probe still carries news */
		if (th->flags & XT_TH_ACK && !(th->flags & XT_TH_RST) &&
		    sg->seglen > 0 && wnd == 0)
			return (STEP_ACKONLY);
		return (STEP_DONE);
	}
	/* trim what we already have from the front */
	if (SEQ_LT(seq, tp->rcv_nxt)) {
		trim = tp->rcv_nxt - seq;
		if (sg->dlen > 0 && !(th->flags & XT_TH_SYN)) {
			/* RFC 2883 §4: part of it is a duplicate */
			tp->dsack_lo = seq;
			tp->dsack_hi = tp->rcv_nxt;
		}
		if (th->flags & XT_TH_SYN) {
			th->flags &= ~XT_TH_SYN;
			th->seq++;
			trim--;
		}
		if (trim > sg->dlen)
			trim = sg->dlen;
		sg->data += trim;
		sg->dlen -= trim;
		th->seq += trim;
	}
	/* and what lies beyond the window from the back */
	if (SEQ_GT(th->seq + sg->dlen, tp->rcv_nxt + wnd)) {
		XT_STAT_INC(eng, tcp_rcv_after_win);
		trim = (th->seq + sg->dlen) - (tp->rcv_nxt + wnd);
		sg->dlen = trim >= sg->dlen ? 0 : sg->dlen - trim;
		sg->fin = 0;
	}
	return (STEP_NEXT);
}

/* Step 2: RST, RFC 5961 §3.2: reset only on an exact match of rcv_nxt;
 * elsewhere in the window, send a challenge ACK. */
static int
step_check_rst(struct xtcp_sock *tp, struct xt_tcp_seg *sg)
{
	struct xtcp_engine *eng = tp->eng;

	if (!(sg->th.flags & XT_TH_RST))
		return (STEP_NEXT);
	/*
	 * RFC 1337 §3 (TIME-WAIT assassination): an RST does not end
	 * TIME-WAIT, as FreeBSD.  DEVIATION from Linux, whose tcp_rfc1337
	 * is 0 by default (XTCP_RFC1337=0 behaves as Linux).  Either way an
	 * RST that is not exactly RCV.NXT is dropped here without a
	 * challenge ACK, as Linux does in TIME-WAIT.
	 */
	if (tp->state == XT_TCPS_TIME_WAIT &&
	    (eng->cfg.rfc1337 || sg->th.seq != tp->rcv_nxt)) {
		if (eng->cfg.rfc1337)
			XT_STAT_INC(eng, tcp_rcv_rst_timewait);
		else
			XT_STAT_INC(eng, tcp_rcv_rst_bad);
		return (STEP_DONE);
	}
	/* insecure_rst (FreeBSD): any in-window RST resets, RFC 9293's
	 * older rule, without the RFC 5961 challenge */
	if (sg->th.seq != tp->rcv_nxt && !eng->cfg.insecure_rst) {
		XT_STAT_INC(eng, tcp_rcv_rst_bad);
		xt_tcp_challenge_ack(tp);
		return (STEP_DONE);
	}
	XT_STAT_INC(eng, tcp_rcv_rst);
	switch (tp->state) {
	case XT_TCPS_SYN_RECEIVED:
		/* passive open: back to LISTEN, i.e. forget the child;
		 * active (simultaneous) open: refused */
		if (tp->t_listener != NULL) {
			xt_tcp_drop(tp, XT_OK);
			return (STEP_DONE);
		}
		XT_STAT_INC(eng, tcp_conn_refused);
		xt_tcp_drop(tp, XT_ECONNREFUSED);
		return (STEP_DONE);
	case XT_TCPS_ESTABLISHED:
	case XT_TCPS_FIN_WAIT_1:
	case XT_TCPS_FIN_WAIT_2:
	case XT_TCPS_CLOSE_WAIT:
		XT_STAT_INC(eng, tcp_conn_reset);
		/* RFC 9293: outstanding sends and receives get "reset" */
		xt_ring_discard(&tp->snd_buf, xt_ring_len(&tp->snd_buf));
		xt_ring_release(&tp->snd_buf);
		xt_tcp_drop(tp, XT_ECONNRESET);
		return (STEP_DONE);
	default:
		xt_tcp_drop(tp, XT_OK);
		return (STEP_DONE);
	}
}

/* Step 4: a SYN in a synchronized state gets a challenge ACK
 * (RFC 5961 §4.2, as RFC 9293 §3.10.7.4 recommends). */
static int
step_check_syn(struct xtcp_sock *tp, struct xt_tcp_seg *sg)
{
	if (!(sg->th.flags & XT_TH_SYN))
		return (STEP_NEXT);
	if (tp->eng->cfg.insecure_syn) {
		/* RFC 793's rule before RFC 5961: an in-window SYN resets */
		XT_STAT_INC(tp->eng, tcp_conn_reset);
		xt_tcp_send_rst(tp);
		xt_tcp_drop(tp, XT_ECONNRESET);
		return (STEP_DONE);
	}
	XT_STAT_INC(tp->eng, tcp_rcv_syn_estab);
	xt_tcp_challenge_ack(tp);
	return (STEP_DONE);
}

/*
 * RFC 5961 §5.2: an ACK below SND.UNA - MAX.SND.WND (the largest window
 * the peer ever offered) is not acceptable.  As Linux (tcp_ack), the
 * window counts no further back than what the peer has acknowledged
 * after our SYN: an ACK of data never sent is not acceptable either.
 */
static int
tcp_ack_too_old(const struct xtcp_sock *tp, xt_seq_t ack)
{
	uint32_t wnd = tp->max_sndwnd, acked;

	acked = SEQ_GT(tp->snd_una, tp->iss) ? tp->snd_una - tp->iss - 1 : 0;
	if (wnd > acked)
		wnd = acked;
	return (SEQ_LT(ack, tp->snd_una - wnd));
}

/* An ACK of data never sent (RFC 9293) or older than the window allows
 * (RFC 5961 §5.2) is dropped with a challenge ACK.  Returns 1 if the ACK
 * may be processed. */
static int
tcp_ack_in_range(struct xtcp_sock *tp, const struct xt_tcp_repr *th)
{
	if (SEQ_GT(th->ack, tp->snd_max)) {
		XT_STAT_INC(tp->eng, tcp_rcv_ack_too_much);
		xt_tcp_challenge_ack(tp);
		return (0);
	}
	if (tcp_ack_too_old(tp, th->ack)) {
		XT_STAT_INC(tp->eng, tcp_rcv_ack_too_old);
		xt_tcp_challenge_ack(tp);
		return (0);
	}
	return (1);
}

/* RFC 3168 §6.1.2: ECE means congestion: react as to a loss, at most
 * once per window of data, and tell the peer with CWR. */
static void
tcp_ack_ecn(struct xtcp_sock *tp, const struct xt_tcp_repr *th)
{
	if ((tp->t_flags & XT_TF_ECN_OK) && (th->flags & XT_TH_ECE) &&
	    SEQ_GT(th->ack, tp->t_ecn_recover) &&
	    !(tp->t_flags & XT_TF_INRECOVERY) && tp->snd_una != tp->snd_max) {
		XT_STAT_INC(tp->eng, tcp_ecn_reduce);
		xt_tcp_cc_congestion(tp, XT_CC_SIG_ECN);
		tp->t_ecn_recover = tp->snd_max;
		tp->t_flags |= XT_TF_CWR_SEND;
	}
}

/*
 * An ACK that acknowledges nothing new.  RFC 5681 §2: it is a duplicate
 * if it carries no data, does not move the window and comes while data
 * is outstanding; RFC 6675 §2: or if it brings new SACK information.  A
 * duplicate goes to loss recovery; a pure ACK that only fails the
 * outstanding-data test leaves the count as it is; anything else ends
 * the run.
 */
static void
tcp_ack_nothing_new(struct xtcp_sock *tp, const struct xt_tcp_seg *sg,
    int same_wnd, uint32_t newly_sacked)
{
	const struct xt_tcp_repr *th = &sg->th;

	if (th->ack == tp->snd_una && tp->snd_una != tp->snd_max &&
	    ((sg->seglen == 0 && same_wnd) || newly_sacked > 0))
		xt_tcp_dupack(tp);
	else if (!(th->ack == tp->snd_una && sg->seglen == 0 && same_wnd))
		tp->t_dupacks = 0;
}

/*
 * An ACK of new data: an RTT sample (RFC 6298, Karn), the loss
 * episode's bookkeeping (tcp_recovery.c), the acknowledged bytes leave
 * the send buffer, the algorithm grows cwnd outside recovery, and the
 * retransmission timer restarts or stops (RFC 6298 §5.2-5.3).  Returns
 * 1 if our FIN is now acknowledged.
 */
static int
tcp_ack_new_data(struct xtcp_sock *tp, const struct xt_tcp_repr *th,
    xt_seq_t una_before)
{
	struct xtcp_engine *eng = tp->eng;
	uint32_t acked, data_acked, buffered, rtt_us = 0;
	int in_recovery, finacked;

	XT_STAT_INC(eng, tcp_rcv_ack_pack);
	acked = th->ack - tp->snd_una;
	if (tp->t_rtttime != 0 && SEQ_GT(th->ack, tp->t_rtseq)) {
		rtt_us = (uint32_t)(eng->now - tp->t_rtttime);
		xt_tcp_rtt_sample(tp, rtt_us);
		XT_STAT_INC(eng, tcp_rtt_samples);
		tp->t_rtttime = 0;
	}
	xt_tcp_eifel_check(tp, th);
	tp->t_rxtshift = 0;	/* RFC 6298 §5.7 spirit: backoff ends */
	in_recovery = xt_tcp_recovery_ack(tp, th->ack, acked);
	buffered = xt_ring_len(&tp->snd_buf);
	data_acked = th->ack - tp->snd_buf_seq;
	if (data_acked > buffered)
		data_acked = buffered;	/* the rest is our FIN */
	xt_ring_discard(&tp->snd_buf, data_acked);
	xt_ring_release(&tp->snd_buf);	/* all acknowledged: no storage */
	tp->snd_buf_seq += data_acked;
	tp->snd_una = th->ack;
	if (SEQ_LT(tp->snd_nxt, tp->snd_una))
		tp->snd_nxt = tp->snd_una;
	xt_tcp_recovery_una(tp, una_before);
	if ((tp->t_flags & XT_TF_SNDURG) && SEQ_GEQ(tp->snd_una, tp->snd_up))
		tp->t_flags &= ~XT_TF_SNDURG;
	tp->t_bytes_acked += data_acked;
	tp->t_last_ack_rx_us = eng->now;
	if (!in_recovery)
		xt_tcp_cc_ack(tp, acked, rtt_us);
	tp->t_una_since_us = tp->snd_una == tp->snd_max ? 0 : eng->now;
	if (tp->snd_una == tp->snd_max)
		xt_tcp_timer_set(tp, XT_T_REXMT, 0);
	else
		xt_tcp_arm_rexmt(tp);
	finacked = (tp->t_flags & XT_TF_SENTFIN) && tp->snd_una == tp->snd_max;
	if (data_acked > 0)
		xt_tcp_wakeup(tp);
	return (finacked);
}

/* The send window from this segment, if it is newer than the last
 * update (RFC 9293 §3.10.7.4 fifth, ESTABLISHED: SND.WL1/SND.WL2). */
static void
tcp_ack_window(struct xtcp_sock *tp, const struct xt_tcp_repr *th,
    uint32_t win)
{
	if (SEQ_LT(tp->snd_wl1, th->seq) || (tp->snd_wl1 == th->seq &&
	    SEQ_LEQ(tp->snd_wl2, th->ack))) {
		if (win != tp->snd_wnd)
			XT_STAT_INC(tp->eng, tcp_rcv_win_upd);
		tp->snd_wnd = win;
		tp->snd_wl1 = th->seq;
		tp->snd_wl2 = th->ack;
		if (win > tp->max_sndwnd)
			tp->max_sndwnd = win;
		if (win > 0 && tp->t_persist_at != 0) {
			xt_tcp_timer_set(tp, XT_T_PERSIST, 0);
			tp->t_persist_shift = 0;
		}
	}
}

/* Step 5 for the closing states (RFC 9293 §3.10.7.4 fifth): what the
 * acknowledgment of our FIN, or a FIN in TIME-WAIT, moves them to. */
static int
tcp_ack_closing(struct xtcp_sock *tp, const struct xt_tcp_seg *sg,
    int ourfinacked)
{
	struct xtcp_engine *eng = tp->eng;

	switch (tp->state) {
	case XT_TCPS_FIN_WAIT_1:
		if (ourfinacked) {
			xt_tcp_set_state(tp, XT_TCPS_FIN_WAIT_2);
			/* an orphan must not wait forever for the peer's FIN
			 * (Linux tcp_fin_timeout, 60 s) */
			if (tp->t_flags & XT_TF_ORPHAN) {
				xt_tcp_timer_set(tp, XT_T_2MSL, eng->now +
				    (tp->t_linger2_s >= 0 ?
				    (uint64_t)tp->t_linger2_s * 1000000 :
				    (uint64_t)eng->cfg.finwait2_timeout_ms *
				    1000));
				xt_engine_timer_armed(eng, tp->t_2msl_at);
			}
		}
		break;
	case XT_TCPS_CLOSING:
		if (ourfinacked) {
			xt_tcp_start_timewait(tp);
			xt_tw_from_tcb(tp);	/* an orphan's TCB goes */
			return (STEP_DONE);
		}
		break;
	case XT_TCPS_LAST_ACK:
		if (ourfinacked) {
			xt_tcp_drop(tp, XT_OK);
			return (STEP_DONE);
		}
		break;
	case XT_TCPS_TIME_WAIT:
		/* only a retransmitted FIN matters: ACK it, restart 2MSL */
		if (sg->fin) {
			xt_tcp_start_timewait(tp);
			xt_tcp_send_ack(tp);
		}
		return (STEP_DONE);
	default:
		break;
	}
	return (STEP_NEXT);
}

/*
 * Step 5: the ACK field (RFC 9293 §3.10.7.4 fifth), in order: the
 * handshake's end in SYN-RECEIVED, acceptability, ECN, SACK blocks, then
 * either nothing new (duplicate ACKs) or new data acknowledged, loss
 * recovery's turn, the send window, and the closing states.  Returns
 * STEP_DONE if the TCB is gone or the segment is consumed; sets
 * *ourfinacked.
 */
static int
step_check_ack(struct xtcp_sock *tp, struct xt_tcp_seg *sg, int *ourfinacked)
{
	const struct xt_tcp_repr *th = &sg->th;
	uint32_t oldwnd, win, newly_sacked, sacked_before;
	xt_seq_t una_before;

	*ourfinacked = 0;
	if (!(th->flags & XT_TH_ACK)) {
		XT_STAT_INC(tp->eng, tcp_rcv_no_ack);
		return (STEP_DONE);
	}
	/* on to the ESTABLISHED processing once the handshake is done */
	if (tp->state == XT_TCPS_SYN_RECEIVED && !xt_tcp_synrcvd_ack(tp, sg))
		return (STEP_DONE);
	if (!tcp_ack_in_range(tp, th))
		return (STEP_DONE);
	tcp_ack_ecn(tp, th);
	oldwnd = tp->snd_wnd;
	win = (uint32_t)th->win << tp->snd_scale;
	una_before = tp->snd_una;
	sacked_before = tp->t_sb.sacked_bytes;
	newly_sacked = xt_tcp_recovery_sacks(tp, th);
	if (SEQ_LEQ(th->ack, tp->snd_una))
		tcp_ack_nothing_new(tp, sg, win == oldwnd, newly_sacked);
	else
		*ourfinacked = tcp_ack_new_data(tp, th, una_before);
	/* RACK may start recovery; in SACK recovery PRR and NextSeg() */
	xt_tcp_recovery_step(tp, una_before, sacked_before);
	tcp_ack_window(tp, th, win);
	XT_TCP_TRACE(tp, XTCP_TRACE_ACK);	/* the ACK's effect, whole */
	return (tcp_ack_closing(tp, sg, *ourfinacked));
}

/*
 * Step 6: URG (RFC 9293 §3.10.7.4 sixth).  RFC 6093: the pointer points
 * one past the urgent byte, as every implementation does.  A newer
 * urgent pointer replaces the older one; the program is told at once
 * (SIGURG through the shim) even before the byte itself arrives.
 */
static void
step_urg(struct xtcp_sock *tp, const struct xt_tcp_seg *sg)
{
	struct xtcp_engine *eng = tp->eng;
	xt_seq_t mark;

	if (!(sg->th.flags & XT_TH_URG) || sg->th.urp == 0)
		return;
	switch (tp->state) {
	case XT_TCPS_ESTABLISHED:
	case XT_TCPS_FIN_WAIT_1:
	case XT_TCPS_FIN_WAIT_2:
		break;
	default:
		return;
	}
	mark = sg->th.seq + sg->th.urp - 1;
	if (SEQ_LT(mark, xt_tcp_read_seq(tp)))
		return;			/* already read past it */
	if ((tp->t_flags & XT_TF_HAVEMARK) && mark == tp->rcv_mark)
		return;			/* nothing new */
	if ((tp->t_flags & XT_TF_HAVEMARK) && SEQ_LT(mark, tp->rcv_mark))
		return;			/* an older pointer */
	XT_STAT_INC(eng, tcp_rcv_urg);
	tp->rcv_mark = mark;
	tp->t_flags |= XT_TF_HAVEMARK;
	tp->t_flags &= ~XT_TF_HAVEOOB;
	if (tp->user != 0 && eng->proc->urg != NULL)
		eng->proc->urg(eng->proc->cb_arg, tp->user);
	xt_tcp_wakeup(tp);
}

/* The urgent byte is in order: keep a copy to hand out of band. */
static void
tcp_urg_arrived(struct xtcp_sock *tp)
{
	xt_seq_t rs;

	if (!(tp->t_flags & XT_TF_HAVEMARK) ||
	    (tp->t_flags & (XT_TF_HAVEOOB | XT_TF_OOBINLINE)) ||
	    !SEQ_LT(tp->rcv_mark, tp->rcv_nxt))
		return;
	rs = xt_tcp_read_seq(tp);
	if (SEQ_LT(tp->rcv_mark, rs))
		return;
	if (xt_ring_peek(&tp->rcv_buf, tp->rcv_mark - rs, &tp->t_oobbyte, 1)
	    == 1) {
		tp->t_flags |= XT_TF_HAVEOOB;
		xt_tcp_wakeup(tp);
	}
}

/* n more bytes are in order at rcv_nxt: hand them to the program. */
static void
tcp_rcv_deliver(struct xtcp_sock *tp, uint32_t n)
{
	struct xtcp_engine *eng = tp->eng;

	xt_ring_commit(&tp->rcv_buf, n);
	tp->rcv_nxt += n;
	tp->t_bytes_received += n;
	tp->t_evseq++;
	XT_STAT_INC(eng, tcp_rcv_pack);
	XT_STAT_ADD(eng, tcp_rcv_byte, n);
	xt_tcp_wakeup(tp);
}

/*
 * Received bytes found no memory (XTCP_MEM_MAX, or malloc failed): what
 * did not fit is dropped and counted, an ACK tells the sender where we
 * stand, and until memory is found again the window we offer grows no
 * further than the storage we hold (xt_tcp_rcv_space).  The sender
 * retransmits; nothing else changes.
 */
static void
tcp_rcv_nomem(struct xtcp_sock *tp)
{
	XT_STAT_INC(tp->eng, tcp_rcv_nomem);
	tp->t_rcv_memshort = 1;
	tp->t_flags |= XT_TF_ACKNOW;
}

/* Step 7: segment text, placed into the receive ring at its offset;
 * the assembler tells how far the in-order data now reaches. */
static int
step_text(struct xtcp_sock *tp, struct xt_tcp_seg *sg)
{
	struct xtcp_engine *eng = tp->eng;
	uint32_t off, n, front, fit;
	int err, inorder;

	if (sg->dlen == 0)
		return (STEP_NEXT);
	switch (tp->state) {
	case XT_TCPS_ESTABLISHED:
	case XT_TCPS_FIN_WAIT_1:
	case XT_TCPS_FIN_WAIT_2:
		break;
	default:
		/* after the peer's FIN no data can come (RFC 9293) */
		return (STEP_NEXT);
	}
	if (tp->t_flags & (XT_TF_ORPHAN | XT_TF_RDSHUT)) {
		/* nobody will read it: reset, as Linux does */
		XT_STAT_INC(eng, tcp_rcv_after_close);
		tp->rcv_nxt = sg->th.seq + sg->dlen;
		xt_tcp_send_rst(tp);
		xt_tcp_drop(tp, XT_OK);
		return (STEP_DONE);
	}
	off = sg->th.seq - tp->rcv_nxt;
	fit = xt_ring_space(&tp->rcv_buf);
	fit = off < fit ? (sg->dlen < fit - off ? sg->dlen : fit - off) : 0;
	n = xt_ring_write_at(&tp->rcv_buf, off, sg->data, sg->dlen);
	if (n < fit) {
		tcp_rcv_nomem(tp);
		if (n == 0) {
			sg->fin = 0;	/* it comes after what we dropped */
			return (STEP_NEXT);
		}
	} else
		tp->t_rcv_memshort = 0;
	if (n < sg->dlen)
		sg->fin = 0;	/* the FIN lies past what we could keep */
	/* in order with no hole: no range to record (nor memory for one) */
	inorder = off == 0 && xt_asm_empty(&tp->rcv_asm);
	if (n > 0 && !inorder &&
	    (err = xt_asm_add(&tp->rcv_asm, off, n)) != XT_OK) {
		if (err == XT_ENOMEM)
			tcp_rcv_nomem(tp);
		else
			XT_STAT_INC(eng, tcp_rcv_reass_full);
		tp->t_flags |= XT_TF_ACKNOW;
		sg->fin = 0;
		if (off != 0)
			return (STEP_NEXT);
		/* in-order data needs no range: take it even when every
		 * out-of-order range is in use, or the connection could
		 * never move again */
		xt_asm_advance(&tp->rcv_asm, n);
		tcp_rcv_deliver(tp, n);
	}
	front = inorder ? n : xt_asm_take_front(&tp->rcv_asm);
	if (front > 0 && tp->t_deferred) {
		tp->t_deferred = 0;
		xt_tcp_timer_set(tp, XT_T_2MSL, 0);
		xt_tcp_enqueue_accept(tp);
	}
	if (front > 0)
		tcp_rcv_deliver(tp, front);
	if (off > 0) {
		/* out of order: an immediate duplicate ACK (RFC 5681 §4.2),
		 * whose first SACK block names this segment (RFC 2018 §4) */
		tp->sack_last = sg->th.seq;
		XT_STAT_INC(eng, tcp_rcv_oo_pack);
		tp->t_rcv_ooopack++;
		tp->t_flags |= XT_TF_ACKNOW;
		sg->fin = 0;
	} else if (!xt_asm_empty(&tp->rcv_asm) || front > sg->dlen) {
		/* filled (part of) a hole: ACK at once (RFC 5681 §4.2), and
		 * keep ACKing quickly while the sender recovers */
		tp->t_flags |= XT_TF_ACKNOW;
		if (tp->t_quickacks < 8)
			tp->t_quickacks = 8;
	} else {
		xt_tcp_ack_owed(tp, sg->dlen);	/* now or delayed */
	}
	return (STEP_NEXT);
}

/* Step 8: FIN, processed only once all data before it is in. */
static int
step_fin(struct xtcp_sock *tp, struct xt_tcp_seg *sg, int ourfinacked)
{
	if (!sg->fin)
		return (STEP_NEXT);
	if (sg->th.seq + sg->dlen != tp->rcv_nxt) {
		tp->t_flags |= XT_TF_ACKNOW;	/* data missing before it */
		return (STEP_NEXT);
	}
	if (tp->t_flags & XT_TF_RCVDFIN)
		return (STEP_NEXT);
	tp->rcv_nxt++;
	tp->t_evseq++;
	tp->t_flags |= XT_TF_RCVDFIN | XT_TF_RCVSHUT | XT_TF_ACKNOW;
	switch (tp->state) {
	case XT_TCPS_SYN_RECEIVED:
	case XT_TCPS_ESTABLISHED:
		xt_tcp_set_state(tp, XT_TCPS_CLOSE_WAIT);
		break;
	case XT_TCPS_FIN_WAIT_1:
		if (ourfinacked) {
			xt_tcp_start_timewait(tp);
			xt_tcp_wakeup(tp);
			xt_tcp_send_ack(tp);
			xt_tw_from_tcb(tp);
			return (STEP_DONE);
		}
		xt_tcp_set_state(tp, XT_TCPS_CLOSING);
		break;
	case XT_TCPS_FIN_WAIT_2:
		if ((tp->t_flags & XT_TF_ORPHAN) &&
		    tp->eng->cfg.fast_finwait2_recycle) {
			/* FreeBSD fast_finwait2_recycle: no TIME-WAIT wait
			 * for an orphan */
			xt_tcp_send_ack(tp);
			xt_tcp_drop(tp, XT_OK);
			return (STEP_DONE);
		}
		xt_tcp_start_timewait(tp);
		xt_tcp_wakeup(tp);
		xt_tcp_send_ack(tp);
		xt_tw_from_tcb(tp);
		return (STEP_DONE);
	default:
		break;
	}
	xt_tcp_wakeup(tp);
	return (STEP_NEXT);
}

/*
 * RFC 7323 §5.3 PAWS: a non-RST segment whose TSval is older than
 * TS.Recent is a duplicate from an earlier wrap of the sequence space
 * and is not acceptable (an ACK is sent).  TS.Recent older than 24 days
 * is invalid (§5.5).
 */
static int
step_paws(struct xtcp_sock *tp, struct xt_tcp_seg *sg)
{
	struct xtcp_engine *eng = tp->eng;
	const struct xt_tcp_repr *th = &sg->th;

	if (!(tp->t_flags & XT_TF_TS_OK) || !th->has_ts ||
	    (th->flags & XT_TH_RST))
		return (STEP_NEXT);
	if ((int32_t)(th->tsval - tp->ts_recent) >= 0)
		return (STEP_NEXT);
	if (eng->now - tp->ts_recent_age_us > 24ull * 86400 * 1000000) {
		tp->ts_recent = th->tsval;
		tp->ts_recent_age_us = eng->now;
		return (STEP_NEXT);
	}
	XT_STAT_INC(eng, tcp_rcv_paws_drop);
	xt_tcp_oow_ack(tp, sg);
	return (STEP_DONE);
}

/* RFC 7323 §4.3: remember the TSval to echo. */
static void
tcp_update_ts_recent(struct xtcp_sock *tp, const struct xt_tcp_seg *sg)
{
	const struct xt_tcp_repr *th = &sg->th;

	if ((tp->t_flags & XT_TF_TS_OK) && th->has_ts &&
	    SEQ_LEQ(th->seq, tp->last_ack_sent) &&
	    (int32_t)(th->tsval - tp->ts_recent) >= 0) {
		tp->ts_recent = th->tsval;
		tp->ts_recent_age_us = tp->eng->now;
	}
}

/* RFC 9293 §3.10.7.4: every state from SYN-RECEIVED on, step by step. */
void
xt_tcp_sync_input(struct xtcp_sock *tp, struct xt_tcp_seg *sg)
{
	int r, ourfinacked = 0;

	if (step_paws(tp, sg) == STEP_DONE) {
		xt_tcp_output(tp);
		return;
	}
	r = step_check_seq(tp, sg);
	if (r != STEP_DONE)
		tcp_update_ts_recent(tp, sg);
	if (r == STEP_DONE) {
		xt_tcp_output(tp);
		return;
	}
	if (r == STEP_NEXT) {
		if (step_check_rst(tp, sg) == STEP_DONE)
			return;
		if (step_check_syn(tp, sg) == STEP_DONE)
			return;
	} else {
		/* an unacceptable zero-window probe: take its ACK only */
		sg->dlen = 0;
		sg->fin = 0;
	}
	if (step_check_ack(tp, sg, &ourfinacked) == STEP_DONE) {
		/* the TCB may be gone; nothing more to do with it */
		return;
	}
	step_urg(tp, sg);
	if (step_text(tp, sg) == STEP_DONE)
		return;
	tcp_urg_arrived(tp);
	if (step_fin(tp, sg, ourfinacked) == STEP_DONE)
		return;
	xt_tcp_output(tp);
}

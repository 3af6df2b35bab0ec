/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_recovery.c - loss detection and recovery on the sending side.
 *
 * What the ACKs of the peer say about lost data and what the sender does
 * about it: duplicate ACKs and NewReno fast retransmit/recovery without
 * SACK; with SACK, the scoreboard's use (tcp_sack.c keeps it), recovery
 * by RFC 6675 with Proportional Rate Reduction, and RACK's time-based
 * loss marking with its reordering window and timer, fed by the send-time
 * map of first transmissions; the undo of episodes that were not loss
 * (D-SACK, Eifel, F-RTO); and the probes that find a lost tail or a lost
 * retransmission before the RTO does (TLP, the recovery probe).
 * tcp_input.c calls in at fixed points of its ACK step, tcp_timer.c when
 * the RTO, RACK or probe timer fires; the algorithm's window values come
 * from tcp_cc.c.
 *
 * Read first: RFC 5681 §3.2 (fast retransmit), RFC 6582 §3.2 (NewReno),
 * RFC 6675 §4-5 (SACK recovery, NextSeg, pipe), RFC 6937 §3 (PRR),
 * RFC 8985 §6-7 (RACK, TLP), RFC 2883 §4 and RFC 3708 §3 (D-SACK, undo),
 * RFC 3522 §3.2 and RFC 4015 §3 (Eifel), RFC 5682 §2-3 (F-RTO),
 * RFC 3042 (limited transmit, in tcp_output.c).
 */
#include <string.h>

#include "xt_engine.h"
#include "tcp/tcp_var.h"
#include "wire/tcp.h"

/* ---- the send-time map of first transmissions (RFC 8985 §6.2) ---- */

/*
 * The map's entries live in a block of the engine's allocator that comes
 * with the first transmission, grows by doubling from XT_TMAP_MIN to
 * XT_TMAP entries and goes once everything sent is acknowledged: an idle
 * connection holds none.  When it cannot grow, the entries it has merge
 * as they do at XT_TMAP (coarser, never wrong); when there is no block
 * at all the data goes unrecorded and RACK knows nothing of it, as of
 * data sent before it was on.
 */
static int
tmap_room(struct xtcp_sock *tp)
{
	struct xt_tment *nm;
	unsigned ncap;

	if (tp->tm_n < tp->tm_cap)
		return (1);
	if (tp->tm_cap >= XT_TMAP)
		return (0);
	ncap = tp->tm_cap == 0 ? XT_TMAP_MIN : 2 * tp->tm_cap;
	if (ncap > XT_TMAP)
		ncap = XT_TMAP;
	nm = xt_realloc(&tp->eng->mem, tp->tm, tp->tm_cap * sizeof(*tp->tm),
	    ncap * sizeof(*tp->tm));
	if (nm == NULL)
		return (0);
	tp->tm = nm;
	tp->tm_cap = (uint16_t)ncap;
	return (1);
}

void
xt_tcp_tmap_free(struct xtcp_sock *tp)
{
	xt_free(&tp->eng->mem, tp->tm, tp->tm_cap * sizeof(*tp->tm));
	tp->tm = NULL;
	tp->tm_n = tp->tm_cap = 0;
}

/* Remember when new data [seq, end) went out (one entry per instant). */
void
xt_tcp_tmap_add(struct xtcp_sock *tp, xt_seq_t seq, xt_seq_t end, uint64_t t)
{
	struct xt_tment *m;
	unsigned i, k, n = tp->tm_n;

	if (n > 0 && tp->tm[n - 1].t1 == t) {
		if (SEQ_GT(end, tp->tm[n - 1].end))
			tp->tm[n - 1].end = end;
		return;
	}
	if (!tmap_room(tp)) {
		if (n == 0)
			return;		/* no block: unrecorded */
		/* full: merge neighbours pairwise */
		m = tp->tm;
		for (i = 0, k = 0; i < n; i += 2, k++) {
			m[k].t0 = m[i].t0;
			if (i + 1 < n) {
				m[k].end = m[i + 1].end;
				m[k].t1 = m[i + 1].t1;
			} else {
				m[k].end = m[i].end;
				m[k].t1 = m[i].t1;
			}
		}
		n = k;
	}
	if (n == 0)
		tp->tm_lo = seq;
	tp->tm[n].end = end;
	tp->tm[n].t0 = tp->tm[n].t1 = t;
	tp->tm_n = (uint16_t)(n + 1);
}

/* The cumulative ACK reached una: forget the entries it covers. */
void
xt_tcp_tmap_prune(struct xtcp_sock *tp, xt_seq_t una)
{
	unsigned k = 0, n = tp->tm_n;

	while (k < n && SEQ_LEQ(tp->tm[k].end, una))
		k++;
	if (k == 0)
		return;
	tp->tm_lo = tp->tm[k - 1].end;
	n -= k;
	if (n == 0) {
		xt_tcp_tmap_free(tp);
		return;
	}
	memmove(tp->tm, tp->tm + k, n * sizeof(tp->tm[0]));
	tp->tm_n = (uint16_t)n;
}

/* ---- loss episodes: detection, recovery, undo ---- */

/* RFC 6582 §3.2 step 1-2 (after three duplicate ACKs). */
static void
tcp_fast_retransmit(struct xtcp_sock *tp)
{
	uint32_t mss = tp->t_maxseg;

	XT_STAT_INC(tp->eng, tcp_fast_rexmit);
	tp->t_undo_ok = 0;		/* no D-SACK without SACK */
	tp->t_undo_seq = tp->snd_una;
	xt_tcp_eifel_arm(tp);
	xt_tcp_cc_congestion(tp, XT_CC_SIG_DUPACK);
	tp->snd_recover = tp->snd_max;
	tp->t_flags |= XT_TF_INRECOVERY;
	(void)xt_tcp_send_seg(tp, tp->snd_una, mss, 0);
	tp->snd_cwnd = tp->snd_ssthresh + 3 * mss;	/* RFC 6582 §3.2 step 2 */
	xt_tcp_arm_rexmt(tp);
}

/*
 * A D-SACK (RFC 2883) for data this loss episode retransmitted says the
 * retransmission was unnecessary.  When every retransmission of the
 * episode has been reported so, the episode was reordering, not loss:
 * undo its window reduction (RFC 3708 §3; the algorithm restores its
 * own state) and raise DupThresh (as Linux raises tp->reordering).
 * D-SACKs for data never retransmitted (the network duplicated it) are
 * no evidence and are only counted.
 */
static void
tcp_dsack_seen(struct xtcp_sock *tp, xt_seq_t lo, xt_seq_t hi)
{
	struct xtcp_engine *eng = tp->eng;

	/*
	 * RFC 8985 §6.2.4: widen the reordering window, once a round.
	 * DEVIATION: the multiplier doubles rather than grows by one: with
	 * delay jitter, min_RTT (and so the step) can be a small fraction
	 * of the reordering, and each round too narrow costs a spurious
	 * recovery.  The cap at SRTT is the RFC's.
	 */
	if (tp->t_rack_reo_mult == 0 ||
	    SEQ_GEQ(tp->snd_una, tp->t_rack_dsack_rnd)) {
		tp->t_rack_dsack_rnd = tp->snd_max;
		if (tp->t_rack_reo_mult == 0)
			tp->t_rack_reo_mult = 1;
		if (tp->t_rack_reo_mult < 128)
			tp->t_rack_reo_mult *= 2;
		tp->t_rack_reo_persist = 16;
	}
	if (!tp->t_undo_ok || tp->t_undo_retrans == 0 ||
	    SEQ_LT(lo, tp->t_undo_seq) || SEQ_GT(hi, tp->snd_recover))
		return;
	if (--tp->t_undo_retrans != 0)
		return;
	XT_STAT_INC(eng, tcp_undo_dsack);
	tp->t_undo_ok = 0;
	/* a whole episode was reordering: the window goes to its cap */
	tp->t_rack_reo_mult = 255;
	tp->t_rack_reord = 1;
	if (tp->t_sb.dupthresh < 16)
		tp->t_sb.dupthresh++;
	xt_tcp_cc_congestion(tp, XT_CC_SIG_RTO_SPURIOUS);
	tp->t_flags &= ~XT_TF_INRECOVERY;
	tp->t_dupacks = 0;
}

/* A loss episode begins: remember its first retransmission's TSval
 * for Eifel detection (RFC 3522 §3.2), when timestamps are on. */
void
xt_tcp_eifel_arm(struct xtcp_sock *tp)
{
	tp->t_eifel_armed = (tp->t_flags & XT_TF_TS_OK) != 0;
	tp->t_eifel_ms = (uint32_t)(tp->eng->now / 1000);
}

/*
 * Eifel detection (RFC 3522 §3.2): the first ACK for the retransmitted
 * segment echoes a timestamp older than the retransmission's, so the
 * original arrived: the loss episode was spurious (late data, not lost
 * data).  The response (RFC 4015 §3, as for a D-SACK undo or F-RTO):
 * the window comes back, recovery ends, and after a timeout the
 * go-back-N stops.  One ACK decides (the first to acknowledge data
 * beyond the episode's start); a TSval of the same millisecond as the
 * retransmission proves nothing.
 */
void
xt_tcp_eifel_check(struct xtcp_sock *tp, const struct xt_tcp_repr *th)
{
	struct xtcp_engine *eng = tp->eng;
	uint32_t echoed;

	if (!tp->t_eifel_armed || !SEQ_GT(th->ack, tp->t_undo_seq))
		return;
	tp->t_eifel_armed = 0;
	if (!(tp->t_flags & XT_TF_TS_OK) || !th->has_ts || th->tsecr == 0)
		return;
	echoed = th->tsecr - tp->ts_offset;
	if ((int32_t)(echoed - tp->t_eifel_ms) >= 0)
		return;
	XT_STAT_INC(eng, tcp_undo_eifel);
	tp->t_undo_ok = 0;
	xt_tcp_cc_congestion(tp, XT_CC_SIG_RTO_SPURIOUS);
	if (tp->t_flags & XT_TF_INRECOVERY) {
		/* reordering, not loss (as tcp_dsack_seen) */
		tp->t_rack_reo_mult = 255;
		tp->t_rack_reord = 1;
		if (tp->t_sb.dupthresh < 16)
			tp->t_sb.dupthresh++;
		tp->t_flags &= ~XT_TF_INRECOVERY;
		tp->t_dupacks = 0;
	} else if (tp->t_rxtshift > 0) {
		/* a spurious timeout: resume with new data */
		tp->t_frto = 0;
		tp->snd_nxt = tp->snd_max;
	}
}

/* RFC 6675 §5 steps 4.1-4.3: enter SACK-based loss recovery and
 * retransmit the first lost segment at once, whatever cwnd says. */
static void
tcp_sack_enter_recovery(struct xtcp_sock *tp)
{
	struct xt_scoreboard *sb = &tp->t_sb;
	uint32_t flight = xt_tcp_flight(tp), mss = tp->t_maxseg, len, n;
	xt_seq_t seq;

	XT_STAT_INC(tp->eng, tcp_fast_rexmit);
	XT_STAT_INC(tp->eng, tcp_sack_recovery);
	tp->t_undo_retrans = 0;
	tp->t_undo_ok = 1;
	tp->t_undo_seq = tp->snd_una;
	xt_tcp_eifel_arm(tp);
	xt_tcp_cc_congestion(tp, XT_CC_SIG_DUPACK);	/* cwnd = ssthresh */
	/* RFC 6937 §3: PRR starts; RecoverFS is what was in flight */
	tp->t_recover_fs = flight;
	tp->t_prr_delivered = 0;
	tp->t_prr_out = 0;
	tp->snd_recover = tp->snd_max;		/* RecoveryPoint */
	tp->t_flags |= XT_TF_INRECOVERY;
	sb->rescue_rxt = tp->snd_una;
	/* NextSeg() takes over from a go-back-N after an RTO: what was not
	 * yet resent is either SACKed, lost (a hole) or still in flight */
	tp->snd_nxt = tp->snd_max;
	if (!xt_sack_next_lost(sb, tp->snd_una, tp->snd_max, mss, &seq, &len)) {
		seq = tp->snd_una;
		len = mss;
	}
	n = xt_tcp_send_seg(tp, seq, len, 0);
	tp->t_prr_out += n;
	xt_tcp_arm_rexmt(tp);
	/* the caller runs PRR for this ACK and then NextSeg() */
}

/* Duplicate ACK (RFC 5681 §2 definition; RFC 6582 §3.2; with SACK,
 * RFC 6675 §5: an ACK carrying new SACK information). */
void
xt_tcp_dupack(struct xtcp_sock *tp)
{
	/* F-RTO: a duplicate ACK means the timeout was real */
	if (tp->t_frto == 2)
		tp->snd_nxt = tp->snd_una;
	tp->t_frto = 0;
	XT_STAT_INC(tp->eng, tcp_rcv_dup_ack);
	tp->t_dupacks++;
	if (tp->t_flags & XT_TF_SACK_OK) {
		if (tp->t_flags & XT_TF_INRECOVERY)
			return;		/* PRR + NextSeg() at the end of the ACK */
		/*
		 * RFC 6675 §5.1: no new recovery while going back N after
		 * an RTO.  The window then is the loss window, slow start
		 * is regrowing it, and the reduction would take ssthresh
		 * from it (down to 2 SMSS) and leave PRR sending a segment
		 * per RTT for every remaining hole.  As the RACK entry
		 * below and Linux's Loss state: once the retransmissions
		 * have caught up with snd_max the scoreboard decides.
		 */
		if (SEQ_LT(tp->snd_nxt, tp->snd_max))
			return;
		if (tp->t_dupacks >= tp->t_sb.dupthresh ||
		    xt_sack_is_lost(&tp->t_sb, tp->snd_una, tp->t_maxseg))
			tcp_sack_enter_recovery(tp);
		return;
	}
	if (tp->t_flags & XT_TF_INRECOVERY) {
		tp->snd_cwnd += tp->t_maxseg;	/* inflate (step 3) */
		return;
	}
	/* RFC 6582 §4.1 spirit: duplicate ACKs for data sent before the
	 * last RTO (below recover) do not start another recovery */
	if (tp->t_dupacks == 3 && SEQ_LT(tp->snd_una, tp->snd_recover))
		return;
	if (tp->t_dupacks == 3)
		tcp_fast_retransmit(tp);
}

/* When the octet at seq was first sent (the earliest time its map entry
 * allows), or 0 when the map no longer covers it. */
static uint64_t
tcp_tmap_time(const struct xtcp_sock *tp, xt_seq_t seq)
{
	unsigned k;

	if (tp->tm_n == 0 || SEQ_LT(seq, tp->tm_lo))
		return (0);
	for (k = 0; k < tp->tm_n; k++)
		if (SEQ_GT(tp->tm[k].end, seq))
			return (tp->tm[k].t0);
	return (0);
}

/*
 * RFC 8985 §6.2.4: the reordering window.  Until the path has shown
 * reordering, none at all once loss recovery has begun (or DupThresh
 * segments are SACKed): the first later delivery marks a hole lost.
 * Otherwise min_RTT/4 times a multiplier that D-SACKs raise, at most
 * SRTT.
 */
uint64_t
xt_tcp_rack_reo_wnd(const struct xtcp_sock *tp)
{
	const struct xt_scoreboard *sb = &tp->t_sb;
	uint64_t reo, cap;

	if (!tp->t_rack_reord && ((tp->t_flags & XT_TF_INRECOVERY) ||
	    sb->sacked_bytes >= (uint32_t)sb->dupthresh * tp->t_maxseg))
		return (0);
	reo = tp->t_rtt.min_rtt_us != UINT32_MAX ?
	    tp->t_rtt.min_rtt_us / 4 : 1000;
	reo *= tp->t_rack_reo_mult != 0 ? tp->t_rack_reo_mult : 1;
	cap = tp->t_rtt.srtt_us;
	/* DEVIATION: once a whole episode proved to be reordering (D-SACK
	 * undo), the cap is SRTT + 4 RTTVAR: with delay jitter an RTT can
	 * exceed SRTT by as much, and SRTT alone keeps the episodes coming */
	if (tp->t_rack_reo_mult == 255)
		cap += 4 * tp->t_rtt.rttvar_us;
	if (cap != 0 && reo > cap)
		reo = cap;
	return (reo);
}

/* RFC 8985 §6.2 step 2: RACK.xmit_ts/end_seq move to a delivered
 * transmission sent after them (RACK_sent_after: later, or in the same
 * instant with a higher end). */
static void
tcp_rack_advance(struct xtcp_sock *tp, uint64_t t, xt_seq_t end)
{
	if (t == 0 || t > tp->eng->now)
		return;
	if (t > tp->t_rack_xmit_ts || (t == tp->t_rack_xmit_ts &&
	    SEQ_GT(end, tp->t_rack_end))) {
		tp->t_rack_xmit_ts = t;
		tp->t_rack_end = end;
		tp->t_rack_rtt_us = (uint32_t)(tp->eng->now - t);
	}
}

/*
 * RFC 8985 §6.2 steps 1-2: note the newest transmission this ACK
 * delivered.  First transmissions are found in the time map by the
 * highest newly SACKed or cumulatively acknowledged octet (newer data
 * was sent later); retransmissions by the records the scoreboard cut.
 * A retransmission "delivered" sooner than min_RTT after it was sent was
 * the original arriving late and says nothing (step 2).  Step 3: data
 * never retransmitted that arrives below data SACKed before it shows
 * the path reorders.
 */
static void
tcp_rack_update(struct xtcp_sock *tp, xt_seq_t una_before,
    xt_seq_t high_before, uint32_t below_before, uint32_t newly_sacked)
{
	struct xt_scoreboard *sb = &tp->t_sb;
	uint64_t now = tp->eng->now, c;
	uint32_t below = 0, i, min_rtt = tp->t_rtt.min_rtt_us;
	xt_seq_t e;

	if (newly_sacked > 0) {
		e = xt_sack_high(sb, tp->snd_una);
		tcp_rack_advance(tp, tcp_tmap_time(tp, e - 1), e);
	}
	if (SEQ_GT(tp->snd_una, una_before)) {
		tcp_rack_advance(tp, tcp_tmap_time(tp, tp->snd_una - 1),
		    tp->snd_una);
		xt_tcp_tmap_prune(tp, tp->snd_una);
	}
	c = sb->rtx_delivered_t;
	if (c != 0 && (min_rtt == UINT32_MAX || now - c >= min_rtt))
		tcp_rack_advance(tp, c, sb->rtx_delivered_end);
	if (tp->t_rack_reord || newly_sacked == 0)
		return;
	/* SACKed octets below the old highest SACK, beyond what the
	 * delivered retransmissions explain */
	for (i = 0; i < sb->n && SEQ_LT(sb->b[i].start, high_before); i++)
		below += SEQ_MIN(sb->b[i].end, high_before) - sb->b[i].start;
	if (below > below_before + sb->rtx_delivered) {
		tp->t_rack_reord = 1;
		XT_STAT_INC(tp->eng, tcp_rack_reorder);
	}
}

/*
 * RFC 8985 §6.2 step 5 and §6.3: every transmission sent a reordering
 * window before RACK.xmit_ts, or before RACK.rtt + reo_wnd ago and no
 * later than RACK.xmit_ts, whose data is neither acknowledged nor
 * SACKed, is lost.  First transmissions are in the time map and lost
 * ones move the scoreboard's lost_end; retransmissions are the
 * scoreboard's records.  The reordering timer is armed for the first
 * one that is not lost yet but will be.  Returns nonzero if anything was
 * newly marked.
 */
static int
tcp_rack_detect(struct xtcp_sock *tp)
{
	struct xtcp_engine *eng = tp->eng;
	struct xt_scoreboard *sb = &tp->t_sb;
	uint64_t reo, before, tb, x = tp->t_rack_xmit_ts, when = 0, c;
	unsigned i, k;
	uint32_t n;
	xt_seq_t lost_end = tp->snd_una, e;
	int marked = 0, tie_ok;

	xt_tcp_timer_set(tp, XT_T_RACK, 0);
	if (x == 0 || tp->snd_una == tp->snd_max)
		return (0);
	reo = xt_tcp_rack_reo_wnd(tp);
	tie_ok = reo == 0 || eng->now >= x + tp->t_rack_rtt_us + reo;
	before = x > reo ? x - reo - 1 : 0;
	tb = eng->now - tp->t_rack_rtt_us - reo;
	/* (the instant of RACK.xmit_ts itself is the tie rule's below:
	 * RFC 8985 orders what went out in one instant by sequence) */
	if (eng->now > tp->t_rack_rtt_us + reo && tb > before)
		before = tb < x ? tb : x - 1;
	/* an entry's latest send time decides: never too early */
	for (k = 0; k < tp->tm_n; k++) {
		if (tp->tm[k].t1 <= before) {
			lost_end = tp->tm[k].end;
			continue;
		}
		/* the instant of RACK.xmit_ts itself: what went out before
		 * RACK.end_seq in it went first (lost at once with no
		 * reordering window, else when the timer says) */
		if (tp->tm[k].t0 == x && tp->tm[k].t1 == x) {
			e = SEQ_MIN(tp->tm[k].end, tp->t_rack_end);
			if (SEQ_GT(e, lost_end)) {
				if (tie_ok)
					lost_end = e;
				else
					when = x;
			}
			break;
		}
		if (tp->tm[k].t1 >= x)
			break;
		if (SEQ_GT(tp->tm[k].end, tp->snd_una) &&
		    (!sb->lost_valid || SEQ_GT(tp->tm[k].end, sb->lost_end))) {
			when = tp->tm[k].t1;
			break;
		}
	}
	if (SEQ_GT(lost_end, tp->snd_una) &&
	    (!sb->lost_valid || SEQ_GT(lost_end, sb->lost_end))) {
		sb->lost_end = lost_end;
		sb->lost_valid = 1;
		marked = 1;
	}
	n = xt_sack_rtx_mark(sb, before);
	if (tie_ok)
		n += xt_sack_rtx_mark_tie(sb, x, tp->t_rack_end);
	if (n > 0) {
		XT_STAT_INC(eng, tcp_lost_rexmit);
		marked = 1;
	}
	/* §6.3: the timer for the first transmission that will be lost */
	for (i = 0; i < sb->nr; i++) {
		c = sb->r[i].t_us;
		if (sb->r[i].lost || (when != 0 && c >= when))
			continue;
		if (c < x || (c == x && !tie_ok &&
		    SEQ_LEQ(sb->r[i].end, tp->t_rack_end)))
			when = c;
	}
	if (when != 0) {
		xt_tcp_timer_set(tp, XT_T_RACK,
		    when + tp->t_rack_rtt_us + reo + 1);
		if (tp->t_rack_at <= eng->now)
			xt_tcp_timer_set(tp, XT_T_RACK, eng->now + 1);
		xt_engine_timer_armed(eng, tp->t_rack_at);
	}
	return (marked);
}

/*
 * RFC 8985 §6.3: the reordering timer fired: what was sent long enough
 * before the newest delivery is lost now.  Start recovery if the first
 * hole is, then send what the window allows.
 */
void
xt_tcp_rack_timeout(struct xtcp_sock *tp)
{
	if (!(tp->t_flags & XT_TF_SACK_OK) || !XT_TCPS_SYNCHRONIZED(tp->state) ||
	    tp->snd_una == tp->snd_max)
		return;
	XT_STAT_INC(tp->eng, tcp_rack_timeouts);
	if (!tcp_rack_detect(tp))
		return;
	if (!(tp->t_flags & XT_TF_INRECOVERY)) {
		if (tp->snd_nxt != tp->snd_max ||
		    !xt_sack_is_lost(&tp->t_sb, tp->snd_una, tp->t_maxseg))
			return;
		tcp_sack_enter_recovery(tp);
	}
	xt_tcp_sack_output(tp);
}

/*
 * F-RTO (RFC 5682 §2), on an ACK of new data after a timeout.  Step 2:
 * the ACK took the retransmission but more is outstanding: instead of
 * going back N, send two new segments.  Step 3: if the next ACK also
 * acknowledges data that was never retransmitted, the original segments
 * were only late: the timeout was spurious, undo its window reduction
 * (the algorithm's RTO_SPURIOUS) and go on from snd_max.
 */
static void
tcp_frto_ack(struct xtcp_sock *tp)
{
	struct xtcp_engine *eng = tp->eng;

	if (tp->t_frto == 1) {
		if (SEQ_GEQ(tp->snd_una, tp->t_frto_max)) {
			tp->t_frto = 0;		/* all acknowledged: no test */
			return;
		}
		tp->t_frto = 2;
		tp->snd_nxt = tp->snd_max;
		/* room for two new segments now */
		if (tp->snd_cwnd < (tp->snd_max - tp->snd_una) +
		    2u * tp->t_maxseg)
			tp->snd_cwnd = (tp->snd_max - tp->snd_una) +
			    2u * tp->t_maxseg;
		return;
	}
	/* step 3: a second ACK of new data */
	tp->t_frto = 0;
	XT_STAT_INC(eng, tcp_frto_spurious);
	xt_tcp_cc_congestion(tp, XT_CC_SIG_RTO_SPURIOUS);
	tp->t_rxtshift = 0;
	if (SEQ_LT(tp->snd_nxt, tp->snd_una))
		tp->snd_nxt = tp->snd_una;
}

/*
 * RFC 6937 Proportional Rate Reduction, once per ACK during SACK
 * recovery: spread the reduction to ssthresh over the ACKs of the lost
 * window (pipe above ssthresh), and regrow towards it by at most what
 * was delivered plus one MSS when pipe fell below (PRR-SSRB).  The
 * result is expressed as cwnd = pipe + sndcnt for NextSeg().
 */
static void
tcp_prr_ack(struct xtcp_sock *tp, int32_t delivered)
{
	uint32_t pipe, mss = tp->t_maxseg, ssthresh = tp->snd_ssthresh;
	uint64_t want;
	int64_t sndcnt, limit;

	if (delivered > 0)
		tp->t_prr_delivered += (uint32_t)delivered;
	pipe = xt_sack_pipe(&tp->t_sb, tp->snd_una, tp->snd_max, mss);
	if (pipe > ssthresh) {
		want = tp->t_recover_fs == 0 ? 0 :
		    ((uint64_t)tp->t_prr_delivered * ssthresh +
		    tp->t_recover_fs - 1) / tp->t_recover_fs;
		sndcnt = (int64_t)want - tp->t_prr_out;
	} else {
		limit = (int64_t)tp->t_prr_delivered - tp->t_prr_out;
		if (limit < delivered)
			limit = delivered;
		limit += mss;
		sndcnt = (int64_t)(ssthresh - pipe);
		if (sndcnt > limit)
			sndcnt = limit;
	}
	if (sndcnt < 0)
		sndcnt = 0;
	tp->snd_cwnd = pipe + (uint32_t)sndcnt;
}

/* New data acknowledged, before snd_una moves: recovery bookkeeping.
 * Returns 1 in recovery (the caller then skips the algorithm's on_ack,
 * which it calls once snd_una moved otherwise). */
int
xt_tcp_recovery_ack(struct xtcp_sock *tp, xt_seq_t ack, uint32_t acked)
{
	uint32_t mss = tp->t_maxseg, flight;

	if (!(tp->t_flags & XT_TF_INRECOVERY)) {
		tp->t_dupacks = 0;
		return (0);
	}
	if (SEQ_LT(ack, tp->snd_recover)) {
		if (tp->t_flags & XT_TF_SACK_OK)
			return (1);	/* partial ACK: the caller runs NextSeg() */
		/* partial ACK: retransmit the next hole, deflate by the
		 * amount acked, add back one MSS (RFC 6582 §3.2 step 5) */
		(void)xt_tcp_send_seg(tp, ack, mss, 0);
		tp->snd_cwnd = tp->snd_cwnd > acked ? tp->snd_cwnd - acked : 0;
		tp->snd_cwnd += mss;
		xt_tcp_arm_rexmt(tp);
		return (1);
	}
	/* full ACK: leave recovery (RFC 6582 §3.2 step 6, option 2) */
	flight = tp->snd_max - ack;
	tp->t_flags &= ~XT_TF_INRECOVERY;
	tp->t_dupacks = 0;
	/* RFC 8985 §6.2.4: after 16 recoveries without D-SACK the
	 * reordering window shrinks back */
	if (tp->t_rack_reo_persist > 0 && --tp->t_rack_reo_persist == 0)
		tp->t_rack_reo_mult = 1;
	xt_tcp_cc_recovery_exit(tp);
	/* RFC 6937 leaves cwnd at ssthresh when recovery ends (PRR has
	 * already brought pipe there); RFC 6582 option 2 limits it to
	 * FlightSize + SMSS against a burst */
	if (!(tp->t_flags & XT_TF_SACK_OK) && tp->snd_cwnd > flight + mss)
		tp->snd_cwnd = flight + mss;
	return (1);
}

/* ---- the points where an ACK enters (tcp_input.c step 5) ---- */

/*
 * The SACK blocks of an arriving ACK, before its cumulative ACK is
 * taken: the scoreboard (RFC 6675 §4), what the newest delivery says
 * (RFC 8985 §6.2) and a D-SACK's evidence (RFC 2883, RFC 3708).
 * Returns the bytes newly SACKed.
 */
uint32_t
xt_tcp_recovery_sacks(struct xtcp_sock *tp, const struct xt_tcp_repr *th)
{
	struct xt_scoreboard *sb = &tp->t_sb;
	uint32_t newly_sacked, sacked_before = sb->sacked_bytes;
	uint64_t dsacks;
	xt_seq_t high_before;

	sb->rtx_delivered_t = 0;
	sb->rtx_delivered = 0;
	if (!(tp->t_flags & XT_TF_SACK_OK) || th->nsack == 0)
		return (0);
	dsacks = sb->dsacks;
	high_before = xt_sack_high(sb, tp->snd_una);
	newly_sacked = xt_sack_update(sb, tp->snd_una, tp->snd_max, th->sack,
	    th->nsack);
	if (newly_sacked > 0) {
		tcp_rack_update(tp, tp->snd_una, high_before, sacked_before,
		    newly_sacked);
		(void)tcp_rack_detect(tp);
	}
	if (sb->dsacks != dsacks)
		tcp_dsack_seen(tp, th->sack[0][0], th->sack[0][1]);
	return (newly_sacked);
}

/* snd_una moved up from una_before: the scoreboard and the time map
 * forget what lies below it, RACK notes the delivery, the tail loss
 * probe may go again, and F-RTO takes its step (RFC 5682 §2). */
void
xt_tcp_recovery_una(struct xtcp_sock *tp, xt_seq_t una_before)
{
	xt_sack_advance(&tp->t_sb, tp->snd_una);
	if (tp->t_flags & XT_TF_SACK_OK) {
		tcp_rack_update(tp, una_before, tp->snd_una, 0, 0);
		(void)tcp_rack_detect(tp);
	} else {
		xt_tcp_tmap_prune(tp, tp->snd_una);
	}
	tp->t_tlp_out = 0;
	if (tp->t_frto != 0)
		tcp_frto_ack(tp);
}

/*
 * The end of an ACK's processing, snd_una having moved from una_before
 * and the SACKed bytes from sacked_before.  RACK (RFC 8985 §6.2) may
 * have found a loss on an ACK that is no duplicate: recovery starts then
 * as well.  In SACK recovery: PRR for this ACK, then NextSeg() (RFC 6675
 * §5 step C).
 */
void
xt_tcp_recovery_step(struct xtcp_sock *tp, xt_seq_t una_before,
    uint32_t sacked_before)
{
	if ((tp->t_flags & (XT_TF_INRECOVERY | XT_TF_SACK_OK)) ==
	    XT_TF_SACK_OK && tp->snd_una != tp->snd_max &&
	    tp->snd_nxt == tp->snd_max &&
	    xt_sack_is_lost(&tp->t_sb, tp->snd_una, tp->t_maxseg))
		tcp_sack_enter_recovery(tp);
	if ((tp->t_flags & (XT_TF_INRECOVERY | XT_TF_SACK_OK)) ==
	    (XT_TF_INRECOVERY | XT_TF_SACK_OK)) {
		tcp_prr_ack(tp, (int32_t)(tp->snd_una - una_before) +
		    (int32_t)(tp->t_sb.sacked_bytes - sacked_before));
		xt_tcp_sack_output(tp);
	}
}

/* ---- sending in SACK recovery ---- */

/*
 * Sending during SACK-based loss recovery (RFC 6675 §5 step C): while
 * cwnd - pipe allows a segment, send NextSeg(): a lost hole first, then
 * new data, then one rescue retransmission.
 */
void
xt_tcp_sack_output(struct xtcp_sock *tp)
{
	struct xtcp_engine *eng = tp->eng;
	struct xt_scoreboard *sb = &tp->t_sb;
	uint32_t mss = tp->t_maxseg, pipe, len, buffered, n;
	xt_seq_t seq, data_end;

	pipe = xt_sack_pipe(sb, tp->snd_una, tp->snd_max, mss);
	while (tp->snd_cwnd >= pipe + mss) {
		if (xt_sack_next_lost(sb, tp->snd_una, tp->snd_max, mss, &seq,
		    &len)) {
			n = xt_tcp_send_seg(tp, seq, len, 0);
			if (n == 0)
				break;
			pipe += n;
			tp->t_prr_out += n;
			continue;
		}
		/* rule 2: new data the peer's window admits */
		buffered = xt_ring_len(&tp->snd_buf);
		data_end = tp->snd_buf_seq + buffered;
		if (SEQ_LT(tp->snd_max, data_end) &&
		    !(tp->t_flags & XT_TF_SENTFIN)) {
			len = data_end - tp->snd_max;
			if (len > mss)
				len = mss;
			if ((tp->snd_max + len) - tp->snd_una <= tp->snd_wnd) {
				n = xt_tcp_send_seg(tp, tp->snd_max, len, 0);
				if (n == 0)
					break;
				tp->snd_max += n;
				tp->snd_nxt = tp->snd_max;
				pipe += n;
				tp->t_prr_out += n;
				continue;
			}
		}
		/* rule 4: one rescue retransmission per recovery */
		if (xt_sack_rescue(sb, tp->snd_una, tp->snd_max, mss, &seq,
		    &len)) {
			n = xt_tcp_send_seg(tp, seq, len, 0);
			sb->rescue_rxt = tp->snd_recover;
			if (n == 0)
				break;
			pipe += n;
			tp->t_prr_out += n;
			continue;
		}
		break;
	}
	if (tp->t_rexmt_at == 0 && tp->snd_una != tp->snd_max)
		xt_tcp_arm_rexmt(tp);
	/*
	 * A retransmission that is lost too would cost an RTO when nothing
	 * sent after it is delivered, for then RACK learns nothing.  The
	 * recovery probe: if a retransmission is still unacknowledged two
	 * RTTs (and the reordering window) later, it goes again
	 * (xt_tcp_tlp_timeout).
	 */
	if (xt_sack_rtx_oldest(sb) != 0 && tp->t_rtt.srtt_us != 0 &&
	    tp->t_tlp_at == 0) {
		uint64_t wait = 2ull * tp->t_rtt.srtt_us + 2000 +
		    xt_tcp_rack_reo_wnd(tp);

		if (eng->now + wait < tp->t_rexmt_at) {
			xt_tcp_timer_set(tp, XT_T_TLP, eng->now + wait);
			xt_engine_timer_armed(eng, tp->t_tlp_at);
		}
	}
}

/* ---- timers (tcp_timer.c dispatches) ---- */

/*
 * A retransmission timeout (tcp_timer.c) ends or extends the loss
 * episode: the undo and Eifel bookkeeping of a new episode, the
 * algorithm's reduction (RFC 5681 §3.1 eq. 4 and the loss window),
 * recovery over, the scoreboard afresh, and F-RTO armed (RFC 5682 §2).
 * The caller then goes back N from snd_una.
 */
void
xt_tcp_recovery_rto(struct xtcp_sock *tp)
{
	/* an RTO during recovery extends the same episode */
	if (!(tp->t_flags & XT_TF_INRECOVERY)) {
		tp->t_undo_retrans = 0;
		tp->t_undo_ok = (tp->t_flags & XT_TF_SACK_OK) != 0;
		tp->t_undo_seq = tp->snd_una;
		/* Eifel: the first timeout's retransmission decides */
		if (tp->t_rxtshift == 1)
			xt_tcp_eifel_arm(tp);
	}
	/* a timeout is no reordering: back to the standard DupThresh */
	tp->t_sb.dupthresh = XT_SACK_DUPTHRESH;
	/* RFC 5681 eq. 4 and the loss window, by the algorithm */
	xt_tcp_cc_congestion(tp, XT_CC_SIG_RTO);
	tp->t_flags &= ~XT_TF_INRECOVERY;
	tp->snd_recover = tp->snd_max;
	/* go back N from snd_una: start the scoreboard afresh, as
	 * BSD does (RFC 6675 §5.1 allows keeping it) */
	xt_sack_clear(&tp->t_sb);
	xt_tcp_timer_set(tp, XT_T_RACK, 0);
	tp->t_dupacks = 0;
	/* RFC 5682 §2: F-RTO on the first timeout of an episode,
	 * when new data could follow the retransmission */
	tp->t_frto = 0;
	if (tp->t_rxtshift == 1 && XT_TCPS_SYNCHRONIZED(tp->state) &&
	    !(tp->t_flags & XT_TF_SENTFIN) &&
	    SEQ_LT(tp->snd_max, tp->snd_buf_seq +
	    xt_ring_len(&tp->snd_buf))) {
		tp->t_frto = 1;
		tp->t_frto_max = tp->snd_max;
	}
}

/*
 * RFC 8985 §7.3: send the probe: a new segment if the window allows,
 * else the last segment again (with the FIN if that was last).  Then the
 * RTO is armed afresh; one probe until an ACK moves snd_una.
 */
void
xt_tcp_tlp_timeout(struct xtcp_sock *tp)
{
	struct xtcp_engine *eng = tp->eng;
	uint32_t buffered, avail, len, mss = tp->t_maxseg;
	xt_seq_t data_end, seq, end;

	if ((tp->t_flags & (XT_TF_INRECOVERY | XT_TF_SACK_OK)) ==
	    (XT_TF_INRECOVERY | XT_TF_SACK_OK)) {
		/* the recovery probe: retransmissions still unacknowledged
		 * two RTTs on are lost; resend the first
		 * (xt_tcp_sack_output arms it) */
		struct xt_scoreboard *sb = &tp->t_sb;

		if (tp->t_rtt.srtt_us == 0 || eng->now < tp->t_rtt.srtt_us ||
		    xt_sack_rtx_mark(sb, eng->now - tp->t_rtt.srtt_us) == 0)
			return;
		XT_STAT_INC(eng, tcp_recovery_probes);
		if (xt_sack_next_lost(sb, tp->snd_una, tp->snd_max, mss,
		    &seq, &len))
			(void)xt_tcp_send_seg(tp, seq, len, 0);
		xt_tcp_sack_output(tp);
		return;
	}
	if (tp->snd_una == tp->snd_max || (tp->t_flags & XT_TF_INRECOVERY) ||
	    !XT_TCPS_SYNCHRONIZED(tp->state) || tp->snd_nxt != tp->snd_max)
		return;
	XT_STAT_INC(eng, tcp_tlp_probes);
	tp->t_tlp_out = 1;
	buffered = xt_ring_len(&tp->snd_buf);
	data_end = tp->snd_buf_seq + buffered;
	avail = SEQ_LT(tp->snd_max, data_end) ? data_end - tp->snd_max : 0;
	if (avail > 0 && !(tp->t_flags & XT_TF_SENTFIN) &&
	    (tp->snd_max - tp->snd_una) + mss <= tp->snd_wnd) {
		len = avail < mss ? avail : mss;
		tp->snd_nxt = tp->snd_max;
		len = xt_tcp_send_seg(tp, tp->snd_max, len, 0);
		tp->snd_max += len;
		tp->snd_nxt = tp->snd_max;
	} else {
		/* the last segment sent, not the last one buffered: what
		 * lies beyond snd_max was never sent and must not be */
		end = tp->snd_max;
		if (tp->t_flags & XT_TF_SENTFIN)
			end--;
		len = end - tp->snd_una;
		if (len > mss)
			len = mss;
		seq = end - len;
		(void)xt_tcp_send_seg(tp, seq, len,
		    (tp->t_flags & XT_TF_SENTFIN) ? XT_TH_FIN : 0);
	}
	xt_tcp_arm_rexmt(tp);
}

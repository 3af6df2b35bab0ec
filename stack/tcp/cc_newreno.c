/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cc_newreno.c - NewReno congestion control ("reno", as Linux names it),
 * and the slow-start / congestion-avoidance helpers other algorithms
 * reuse.
 *
 * Pure code: every hook reads a struct xt_cc_view and writes a struct
 * xt_cc_out (both fields, always, so the caller may or may not pre-fill
 * it); the per-connection state is struct newreno_priv inside the TCB.
 * The undo of a loss episode found spurious is the shared one of
 * tcp_cc.c (struct xt_cc_undo): cwnd and ssthresh are all NewReno has to
 * restore.  Fast-recovery mechanics (dupack counting, partial ACKs of
 * RFC 6582 §3.2, PRR of RFC 6937, window inflation) are the stack's:
 * this module only chooses the window values.
 *
 * Read first: RFC 5681 §3.1 (slow start, congestion avoidance), §3.2
 * (ssthresh on loss, eq. 4), §4.1 (restart window); RFC 3465 §2 (byte
 * counting, L = 2); RFC 6582 §3.2 step 3 (window at the end of
 * recovery); RFC 7661 (cwnd validation: do not grow a cwnd the sender
 * is not using);
 * RFC 5682 / RFC 4015 (undo after a spurious timeout).
 */
#include <stddef.h>
#include <stdint.h>

#include "tcp/tcp_cc.h"

/* Per-connection state (lives in the TCB's XT_CC_PRIV_MAX area). */
struct newreno_priv {
	uint32_t	acc_bytes;	/* RFC 3465 bytes_acked in CA, bytes */
	struct xt_cc_undo undo;		/* the window before the last loss
					 * episode (cwnd and ssthresh are all
					 * NewReno has to restore) */
};

_Static_assert(sizeof(struct newreno_priv) <= XT_CC_PRIV_MAX,
    "newreno state does not fit in the TCB");

#define NEWRENO_ABC_L	2	/* RFC 3465 §2.2: L = 2 SMSS per ACK in slow start */

static void	newreno_init(void *, const struct xt_cc_view *,
		    struct xt_cc_out *);
static void	newreno_on_ack(void *, const struct xt_cc_view *,
		    struct xt_cc_out *);
static void	newreno_on_congestion(void *, enum xt_cc_signal,
		    const struct xt_cc_view *, struct xt_cc_out *);
static void	newreno_on_recovery_exit(void *, const struct xt_cc_view *,
		    struct xt_cc_out *);
static void	newreno_on_idle_restart(void *, const struct xt_cc_view *,
		    struct xt_cc_out *);

const struct xt_cc_ops xt_cc_newreno = {
	.name = "reno",
	.priv_size = sizeof(struct newreno_priv),
	.init = newreno_init,
	.on_ack = newreno_on_ack,
	.on_congestion = newreno_on_congestion,
	.on_recovery_exit = newreno_on_recovery_exit,
	.on_idle_restart = newreno_on_idle_restart,
	.on_rtt_sample = NULL,
};

/* Start from "no change". */
static void
newreno_keep(const struct xt_cc_view *v, struct xt_cc_out *o)
{
	o->cwnd = v->cwnd;
	o->ssthresh = v->ssthresh;
	o->pacing_bps = 0;
}

/* Add without passing XT_CC_CWND_MAX. */
static uint32_t
newreno_add(uint32_t cwnd, uint32_t inc)
{
	if (cwnd >= XT_CC_CWND_MAX || inc > XT_CC_CWND_MAX - cwnd)
		return (XT_CC_CWND_MAX);
	return (cwnd + inc);
}

/*
 * RFC 5681 §3.1 slow start with RFC 3465 §2.2 byte counting: cwnd grows
 * by the bytes newly acknowledged, at most L = 2 SMSS per ACK.  The
 * growth stops at ssthresh (the rest of the ACK is not carried into
 * congestion avoidance: at most one ACK's worth is lost).  Sets o->cwnd
 * only.
 */
void
xt_cc_newreno_slow_start(const struct xt_cc_view *v, struct xt_cc_out *o)
{
	uint32_t inc, lim, cwnd;

	lim = NEWRENO_ABC_L * v->mss;
	inc = v->acked_bytes < lim ? v->acked_bytes : lim;
	cwnd = newreno_add(v->cwnd, inc);
	if (v->cwnd < v->ssthresh && cwnd > v->ssthresh)
		cwnd = v->ssthresh;
	o->cwnd = cwnd;
}

/*
 * RFC 5681 §3.1 congestion avoidance, counted in bytes (RFC 3465 §2.1,
 * the alternative to eq. 3 that RFC 5681 recommends): once a whole
 * cwnd's worth of bytes has been acknowledged, cwnd grows by one SMSS.
 * *acc_bytes is the caller's running count.  Sets o->cwnd only.
 */
void
xt_cc_newreno_cong_avoid(uint32_t *acc_bytes, const struct xt_cc_view *v,
    struct xt_cc_out *o)
{
	uint32_t cwnd = v->cwnd;

	o->cwnd = cwnd;
	if (cwnd == 0)
		return;
	*acc_bytes = *acc_bytes > UINT32_MAX - v->acked_bytes ? UINT32_MAX :
	    *acc_bytes + v->acked_bytes;
	if (*acc_bytes >= cwnd) {
		*acc_bytes -= cwnd;
		/* A stretch ACK leaves at most one more cwnd for next time. */
		if (*acc_bytes > cwnd)
			*acc_bytes = cwnd;
		o->cwnd = newreno_add(cwnd, v->mss);
	}
}

/* RFC 5681 eq. 4: ssthresh = max(FlightSize / 2, 2 * SMSS). */
static uint32_t
newreno_half_flight(const struct xt_cc_view *v)
{
	uint32_t half = v->flight_bytes / 2;

	return (half > 2 * v->mss ? half : 2 * v->mss);
}

static void
newreno_init(void *priv, const struct xt_cc_view *v, struct xt_cc_out *o)
{
	struct newreno_priv *p = priv;

	p->acc_bytes = 0;
	xt_cc_undo_reset(&p->undo);
	o->cwnd = xt_cc_initial_window(v);
	o->ssthresh = XT_CC_SSTHRESH_INF;	/* RFC 5681 §3.1: arbitrarily high */
	o->pacing_bps = 0;
}

static void
newreno_on_ack(void *priv, const struct xt_cc_view *v, struct xt_cc_out *o)
{
	struct newreno_priv *p = priv;

	newreno_keep(v, o);
	xt_cc_undo_acked(&p->undo);
	if (v->in_recovery)
		return;		/* the stack handles recovery */
	/* RFC 7661: an application-limited sender has not shown that the
	 * network carries this cwnd, so it does not grow it. */
	if (!v->cwnd_limited)
		return;
	if (v->cwnd < v->ssthresh)
		xt_cc_newreno_slow_start(v, o);
	else
		xt_cc_newreno_cong_avoid(&p->acc_bytes, v, o);
}

static void
newreno_on_congestion(void *priv, enum xt_cc_signal sig,
    const struct xt_cc_view *v, struct xt_cc_out *o)
{
	struct newreno_priv *p = priv;

	newreno_keep(v, o);
	switch (sig) {
	case XT_CC_SIG_DUPACK:
		/* RFC 5681 §3.2 steps 2-3 (RFC 6582 §3.2 step 2): the stack
		 * retransmits and paces the reduction (PRR); we set the
		 * target it reduces to. */
		xt_cc_undo_save(&p->undo, v);
		p->acc_bytes = 0;
		o->ssthresh = newreno_half_flight(v);
		o->cwnd = o->ssthresh;
		break;
	case XT_CC_SIG_ECN:
		/* RFC 3168 §6.1.2: as for loss, without a retransmission.
		 * A mark is never spurious: nothing to undo to. */
		xt_cc_undo_forget(&p->undo);
		p->acc_bytes = 0;
		o->ssthresh = newreno_half_flight(v);
		o->cwnd = o->ssthresh;
		break;
	case XT_CC_SIG_RTO:
		/* RFC 5681 §3.1 eq. 4, then the loss window (1 SMSS).  On a
		 * back-to-back timeout of the same data ssthresh is held
		 * (RFC 5681 §3.1, the note after eq. 4); an RTO during fast
		 * recovery keeps the ssthresh and undo point recovery set. */
		if (xt_cc_undo_rto(&p->undo, v))
			o->ssthresh = newreno_half_flight(v);
		p->acc_bytes = 0;
		o->cwnd = v->mss;
		break;
	case XT_CC_SIG_RTO_SPURIOUS:
		/* back to the window before the loss episode (tcp_cc.c);
		 * NewReno keeps nothing else the episode changed */
		(void)xt_cc_undo_restore(&p->undo, o);
		break;
	default:
		break;		/* private or unknown signals: no change */
	}
}

/* RFC 6582 §3.2 step 3, option 2 (and RFC 6937 §3 at the end of PRR):
 * deflate the window to ssthresh on the full ACK. */
static void
newreno_on_recovery_exit(void *priv, const struct xt_cc_view *v,
    struct xt_cc_out *o)
{
	struct newreno_priv *p = priv;

	newreno_keep(v, o);
	p->acc_bytes = 0;
	if (v->ssthresh < XT_CC_SSTHRESH_INF)
		o->cwnd = v->ssthresh;
}

/*
 * RFC 5681 §4.1: after an idle period longer than the RTO, cwnd is at
 * most RW = min(IW, cwnd).  Done by xt_cc_restart_window(), which
 * also keeps 3/4 of the window given up in ssthresh (as Linux does), so
 * slow start climbs back quickly to where the connection was.
 */
static void
newreno_on_idle_restart(void *priv, const struct xt_cc_view *v,
    struct xt_cc_out *o)
{
	struct newreno_priv *p = priv;

	newreno_keep(v, o);
	xt_cc_restart_window(v, o);
	p->acc_bytes = 0;
}

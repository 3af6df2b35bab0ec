/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cc_cubic.c - CUBIC congestion control ("cubic", the default as in
 * Linux) with HyStart++ in the initial slow start.
 *
 * Pure code like cc_newreno.c: views in, values out, state in struct
 * cubic_priv inside the TCB.  The undo of a spurious loss episode is the
 * shared one of tcp_cc.c for cwnd and ssthresh; CUBIC also saves and
 * restores W_max and cwnd_prior, which NewReno does not have.  Windows
 * are kept in bytes; the cubic function is evaluated in segments (C is
 * defined per segment) and scaled by the MSS.  Floating point is used
 * for K, W_cubic and W_est; all of it is plain IEEE double arithmetic
 * (no libm, no x87 extended precision on x86-64), so a run is
 * reproducible from its inputs.
 *
 * Read first: RFC 9438 §4.1-4.3 (W_cubic, K, target, Reno-friendly
 * W_est), §4.6 (multiplicative decrease), §4.7 (fast convergence), §4.8
 * (timeout), §4.10 (slow start, HyStart++), §5.8 (application-limited
 * flows); RFC 9406 §4.2-4.3 (HyStart++ rounds, delay-increase exit,
 * conservative slow start, constants); RFC 5681 §4.1 (restart after
 * idle).
 *
 * Rounds for HyStart++ (RFC 9406 §4.2 counts them with sequence numbers,
 * windowEnd = SND.NXT): the view has no sequence numbers, so this module
 * counts bytes instead.  It keeps its own total of acked_bytes; a round
 * begun at an ACK ends once the flight_bytes outstanding at that ACK
 * have been acknowledged, and the next round begins with the first ACK
 * beyond them (the same as windowEnd being passed).  v->delivered and
 * v->round_end_seq are not used.
 */
#include <stddef.h>
#include <stdint.h>

#include "tcp/tcp_cc.h"

/* RFC 9438 §5 constants. */
#define CUBIC_C		0.4	/* §5.1: C, segments / s^3 */
#define CUBIC_BETA	0.7	/* §4.6: beta_cubic */
/* §4.3: alpha_cubic = 3 (1 - beta) / (1 + beta) */
#define CUBIC_ALPHA	(3.0 * (1.0 - CUBIC_BETA) / (1.0 + CUBIC_BETA))

/* RFC 9406 §4.3 constants. */
#define HS_MIN_RTT_THRESH_US	4000u	/* MIN_RTT_THRESH, 4 ms */
#define HS_MAX_RTT_THRESH_US	16000u	/* MAX_RTT_THRESH, 16 ms */
#define HS_MIN_RTT_DIVISOR	8u	/* MIN_RTT_DIVISOR */
#define HS_N_RTT_SAMPLE		8u	/* N_RTT_SAMPLE */
#define HS_CSS_GROWTH_DIVISOR	4u	/* CSS_GROWTH_DIVISOR */
#define HS_CSS_ROUNDS		5u	/* CSS_ROUNDS */
#define HS_L			8u	/* L for a sender that does not pace */
#define HS_RTT_INF		UINT32_MAX

enum cubic_hs_state {
	HS_SS = 0,		/* standard slow start, watching for delay */
	HS_CSS			/* conservative slow start (RFC 9406 §4.2) */
};

/* Per-connection state. */
struct cubic_priv {
	double		k_s;		/* K, seconds (§4.2 eq. 2) */
	double		w_est;		/* Reno-friendly estimate, bytes (§4.3) */
	double		frac;		/* sub-byte cwnd growth carried, bytes */
	uint64_t	epoch_us;	/* start of this CA stage (t = 0), us */
	uint64_t	applim_us;	/* app-limited since, us (if applim) */
	uint64_t	hs_acked;	/* bytes acknowledged in slow start */
	uint64_t	hs_round_end;	/* hs_acked at which the round ends */
	uint32_t	w_max;		/* W_max, bytes (0 = no loss yet) */
	uint32_t	cwnd_prior;	/* cwnd before the last reduction, bytes */
	uint32_t	cwnd_epoch;	/* cwnd at epoch_us, bytes */
	uint32_t	hs_last_min_us;	/* lastRoundMinRTT, us */
	uint32_t	hs_cur_min_us;	/* currentRoundMinRTT, us */
	uint32_t	hs_css_base_us;	/* cssBaselineMinRtt, us */
	struct xt_cc_undo undo;		/* cwnd/ssthresh before the loss
					 * episode (tcp_cc.c) */
	uint32_t	undo_w_max;	/* and what else it changed: W_max */
	uint32_t	undo_cwnd_prior; /* and cwnd_prior, bytes */
	uint16_t	hs_samples;	/* rttSampleCount this round */
	uint8_t		hs_state;	/* enum cubic_hs_state */
	uint8_t		hs_css_rounds;	/* rounds completed in CSS */
	uint8_t		epoch_valid;	/* epoch_us/k_s/w_est are set */
	uint8_t		applim;		/* application-limited within the epoch */
	uint8_t		k_zero;		/* next epoch: K = 0, W_max = cwnd (§4.8, §4.10) */
};

_Static_assert(sizeof(struct cubic_priv) <= XT_CC_PRIV_MAX,
    "cubic state does not fit in the TCB");

static void	cubic_init(void *, const struct xt_cc_view *,
		    struct xt_cc_out *);
static void	cubic_on_ack(void *, const struct xt_cc_view *,
		    struct xt_cc_out *);
static void	cubic_on_congestion(void *, enum xt_cc_signal,
		    const struct xt_cc_view *, struct xt_cc_out *);
static void	cubic_on_recovery_exit(void *, const struct xt_cc_view *,
		    struct xt_cc_out *);
static void	cubic_on_idle_restart(void *, const struct xt_cc_view *,
		    struct xt_cc_out *);

const struct xt_cc_ops xt_cc_cubic = {
	.name = "cubic",
	.priv_size = sizeof(struct cubic_priv),
	.init = cubic_init,
	.on_ack = cubic_on_ack,
	.on_congestion = cubic_on_congestion,
	.on_recovery_exit = cubic_on_recovery_exit,
	.on_idle_restart = cubic_on_idle_restart,
	.on_rtt_sample = NULL,	/* samples arrive in the on_ack view */
};

static void
cubic_keep(const struct xt_cc_view *v, struct xt_cc_out *o)
{
	o->cwnd = v->cwnd;
	o->ssthresh = v->ssthresh;
	o->pacing_bps = 0;
}

/* Double bytes to a window, saturating. */
static uint32_t
cubic_to_win(double w)
{
	if (!(w > 0.0))
		return (0);
	if (w >= (double)XT_CC_CWND_MAX)
		return (XT_CC_CWND_MAX);
	return ((uint32_t)w);
}

/* Cube root of x >= 0 by Newton's method from above: for y^3 - x the
 * iteration decreases monotonically to the root, so stopping when it no
 * longer decreases gives the closest double it reaches. */
static double
cubic_cbrt(double x)
{
	double y, next;
	int i;

	if (!(x > 0.0))
		return (0.0);
	y = 1.0;
	for (i = 0; i < 1100 && y * y * y < x; i++)
		y *= 2.0;
	for (i = 0; i < 200; i++) {
		next = (2.0 * y + x / (y * y)) / 3.0;
		if (!(next < y))
			break;
		y = next;
	}
	return (y);
}

/* RFC 9438 §4.2 eq. 1: W_cubic(t) = C (t - K)^3 + W_max, in bytes. */
static double
cubic_w(const struct cubic_priv *p, uint32_t mss, double t_s)
{
	double d = t_s - p->k_s;

	return (CUBIC_C * d * d * d * (double)mss + (double)p->w_max);
}

/* RFC 9438 §4.6 and §4.7: remember the window at the congestion event,
 * with fast convergence, and compute ssthresh = max(beta * cwnd, 2). */
static uint32_t
cubic_reduce(struct cubic_priv *p, const struct xt_cc_view *v)
{
	uint32_t cwnd = v->cwnd, ss;

	if (cwnd < p->w_max)
		p->w_max = cubic_to_win((double)cwnd * (1.0 + CUBIC_BETA) /
		    2.0);
	else
		p->w_max = cwnd;
	p->cwnd_prior = cwnd;
	ss = cubic_to_win((double)cwnd * CUBIC_BETA);
	if (ss < 2 * v->mss)
		ss = 2 * v->mss;
	p->epoch_valid = 0;
	p->applim = 0;
	p->frac = 0.0;
	p->k_zero = 0;
	return (ss);
}

/*
 * A loss episode begins: beside the window the shared undo saves
 * (xt_cc_undo_save or xt_cc_undo_rto), CUBIC keeps the W_max and
 * cwnd_prior that cubic_reduce is about to replace, so an undo puts the
 * cubic curve back where it was too.  NewReno has no such state.
 */
static void
cubic_save_undo(struct cubic_priv *p)
{
	p->undo_w_max = p->w_max;
	p->undo_cwnd_prior = p->cwnd_prior;
}

/* RFC 9406 §4.2: a fresh slow start (initial, or after idle). */
static void
cubic_hs_reset(struct cubic_priv *p)
{
	p->hs_state = HS_SS;
	p->hs_round_end = p->hs_acked;	/* the next ACK starts a round */
	p->hs_last_min_us = HS_RTT_INF;
	p->hs_cur_min_us = HS_RTT_INF;
	p->hs_css_base_us = HS_RTT_INF;
	p->hs_samples = 0;
	p->hs_css_rounds = 0;
}

static void
cubic_init(void *priv, const struct xt_cc_view *v, struct xt_cc_out *o)
{
	struct cubic_priv *p = priv;

	p->k_s = 0.0;
	p->w_est = 0.0;
	p->frac = 0.0;
	p->epoch_us = 0;
	p->applim_us = 0;
	p->hs_acked = 0;
	p->w_max = 0;
	p->cwnd_prior = 0;
	p->cwnd_epoch = 0;
	xt_cc_undo_reset(&p->undo);
	p->undo_w_max = p->undo_cwnd_prior = 0;
	p->epoch_valid = p->applim = p->k_zero = 0;
	cubic_hs_reset(p);
	o->cwnd = xt_cc_initial_window(v);
	o->ssthresh = XT_CC_SSTHRESH_INF;
	o->pacing_bps = 0;
}

/*
 * HyStart++ (RFC 9406 §4.2), used only in the initial slow start (while
 * ssthresh is still infinite, §4.3): returns 1 when CSS has run its
 * rounds and the connection enters congestion avoidance (o->ssthresh set).
 * Otherwise grows o->cwnd by the slow-start or CSS rule.
 */
static int
cubic_hystart(struct cubic_priv *p, const struct xt_cc_view *v,
    struct xt_cc_out *o)
{
	uint32_t inc, lim, thresh;

	/* Growth under the mode in force when the ACK arrived. */
	if (v->cwnd_limited) {
		lim = HS_L * v->mss;
		inc = v->acked_bytes < lim ? v->acked_bytes : lim;
		if (p->hs_state == HS_CSS)
			inc /= HS_CSS_GROWTH_DIVISOR;
		o->cwnd = v->cwnd > XT_CC_CWND_MAX - inc ? XT_CC_CWND_MAX :
		    v->cwnd + inc;
	}

	/* Round accounting: windowEnd passed -> a new round. */
	p->hs_acked += v->acked_bytes;
	if (p->hs_acked > p->hs_round_end) {
		if (p->hs_state == HS_CSS &&
		    ++p->hs_css_rounds >= HS_CSS_ROUNDS) {
			/* RFC 9406 §4.2: CSS_ROUNDS rounds without the
			 * delay falling back: enter congestion avoidance.
			 * RFC 9438 §4.10: no loss, so W_max is undefined:
			 * cwnd_prior = cwnd, and the first epoch uses K = 0
			 * and W_max = its starting cwnd. */
			o->ssthresh = o->cwnd;
			p->cwnd_prior = o->cwnd;
			p->k_zero = 1;
			p->epoch_valid = 0;
			return (1);
		}
		p->hs_last_min_us = p->hs_cur_min_us;
		p->hs_cur_min_us = HS_RTT_INF;
		p->hs_samples = 0;
		p->hs_round_end = p->hs_acked + v->flight_bytes;
	}

	/* Delay tracking. */
	if (v->rtt_us != 0) {
		if (v->rtt_us < p->hs_cur_min_us)
			p->hs_cur_min_us = v->rtt_us;
		if (p->hs_samples < UINT16_MAX)
			p->hs_samples++;
	}
	if (p->hs_samples < HS_N_RTT_SAMPLE ||
	    p->hs_cur_min_us == HS_RTT_INF)
		return (0);
	if (p->hs_state == HS_SS) {
		if (p->hs_last_min_us == HS_RTT_INF)
			return (0);
		/* RttThresh = clamp(MIN_RTT_THRESH, last / 8, MAX_RTT_THRESH) */
		thresh = p->hs_last_min_us / HS_MIN_RTT_DIVISOR;
		if (thresh < HS_MIN_RTT_THRESH_US)
			thresh = HS_MIN_RTT_THRESH_US;
		if (thresh > HS_MAX_RTT_THRESH_US)
			thresh = HS_MAX_RTT_THRESH_US;
		if ((uint64_t)p->hs_cur_min_us >=
		    (uint64_t)p->hs_last_min_us + thresh) {
			p->hs_state = HS_CSS;
			p->hs_css_base_us = p->hs_cur_min_us;
			p->hs_css_rounds = 0;
		}
	} else if (p->hs_cur_min_us < p->hs_css_base_us) {
		/* The delay rise was not the bottleneck queue: resume
		 * standard slow start. */
		p->hs_state = HS_SS;
		p->hs_css_base_us = HS_RTT_INF;
	}
	return (0);
}

/* The RTT used for the target (§4.2 "RTT"): the smoothed RTT, else the
 * best sample there is. */
static double
cubic_rtt_s(const struct xt_cc_view *v)
{
	uint32_t us;

	if (v->srtt_us != 0)
		us = v->srtt_us;
	else if (v->rtt_us != 0)
		us = v->rtt_us;
	else if (v->min_rtt_us != UINT32_MAX)
		us = v->min_rtt_us;
	else
		us = 0;
	return ((double)us / 1e6);
}

/* Begin a congestion-avoidance stage (RFC 9438 §4.2, §4.3, §4.8). */
static void
cubic_epoch_start(struct cubic_priv *p, const struct xt_cc_view *v)
{
	uint32_t mss = v->mss != 0 ? v->mss : 1;

	p->epoch_valid = 1;
	p->epoch_us = v->now_us;
	p->applim = 0;
	p->frac = 0.0;
	p->cwnd_epoch = v->cwnd;
	p->w_est = (double)v->cwnd;
	if (p->k_zero || p->w_max <= v->cwnd) {
		/* After a timeout or a loss-free slow-start exit (§4.8,
		 * §4.10), or above the old maximum: plateau at where we
		 * are, K = 0, so growth is convex from here. */
		p->w_max = v->cwnd;
		p->k_s = 0.0;
		p->k_zero = 0;
	} else {
		/* §4.2 eq. 2: K = cbrt((W_max - cwnd_epoch) / C), in
		 * segments. */
		p->k_s = cubic_cbrt((double)(p->w_max - v->cwnd) /
		    (double)mss / CUBIC_C);
	}
}

/* One ACK in congestion avoidance (RFC 9438 §4.2-4.5). */
static void
cubic_cong_avoid(struct cubic_priv *p, const struct xt_cc_view *v,
    struct xt_cc_out *o)
{
	double t, w_t, target, cwnd, inc, alpha;
	uint32_t whole;

	if (!p->epoch_valid)
		cubic_epoch_start(p, v);
	else if (p->applim) {
		/* RFC 9438 §5.8: time spent application-limited does not
		 * count in t. */
		if (v->now_us > p->applim_us)
			p->epoch_us += v->now_us - p->applim_us;
		p->applim = 0;
	}
	cwnd = (double)v->cwnd;
	if (cwnd < 1.0)
		cwnd = 1.0;
	t = v->now_us > p->epoch_us ?
	    (double)(v->now_us - p->epoch_us) / 1e6 : 0.0;

	/* §4.3: W_est grows like Reno; alpha_cubic becomes 1 once W_est
	 * reaches the window before the last reduction. */
	alpha = p->w_est >= (double)p->cwnd_prior ? 1.0 : CUBIC_ALPHA;
	p->w_est += alpha * (double)v->acked_bytes * (double)v->mss / cwnd;

	w_t = cubic_w(p, v->mss, t);
	if (w_t < p->w_est) {
		/* §4.3 Reno-friendly region: cwnd = W_est. */
		if (p->w_est > cwnd)
			o->cwnd = cubic_to_win(p->w_est);
		p->frac = 0.0;
		return;
	}
	/* §4.4, §4.5: concave or convex region.  target = W_cubic(t +
	 * RTT) kept within [cwnd, 1.5 cwnd]; cwnd grows by (target -
	 * cwnd) / cwnd per SMSS acknowledged. */
	target = cubic_w(p, v->mss, t + cubic_rtt_s(v));
	if (target < cwnd)
		target = cwnd;
	if (target > 1.5 * cwnd)
		target = 1.5 * cwnd;
	inc = (target - cwnd) * (double)v->acked_bytes / cwnd + p->frac;
	if (inc >= (double)XT_CC_CWND_MAX)
		inc = (double)XT_CC_CWND_MAX;
	whole = (uint32_t)inc;
	p->frac = inc - (double)whole;
	o->cwnd = v->cwnd > XT_CC_CWND_MAX - whole ? XT_CC_CWND_MAX :
	    v->cwnd + whole;
}

static void
cubic_on_ack(void *priv, const struct xt_cc_view *v, struct xt_cc_out *o)
{
	struct cubic_priv *p = priv;

	cubic_keep(v, o);
	xt_cc_undo_acked(&p->undo);
	if (v->in_recovery)
		return;
	if (v->cwnd < v->ssthresh) {
		if (v->ssthresh >= XT_CC_SSTHRESH_INF)
			(void)cubic_hystart(p, v, o);
		else if (v->cwnd_limited)
			xt_cc_newreno_slow_start(v, o);
		return;
	}
	if (!v->cwnd_limited) {
		/* RFC 9438 §5.8 / RFC 7661: no growth while the
		 * application, not cwnd, limits the sender; mark when it
		 * began so t can skip it. */
		if (p->epoch_valid && !p->applim) {
			p->applim = 1;
			p->applim_us = v->now_us;
		}
		return;
	}
	cubic_cong_avoid(p, v, o);
}

static void
cubic_on_congestion(void *priv, enum xt_cc_signal sig,
    const struct xt_cc_view *v, struct xt_cc_out *o)
{
	struct cubic_priv *p = priv;

	cubic_keep(v, o);
	switch (sig) {
	case XT_CC_SIG_DUPACK:
		/* §4.6: the stack paces the reduction (PRR); we give the
		 * target. */
		xt_cc_undo_save(&p->undo, v);
		cubic_save_undo(p);
		o->ssthresh = cubic_reduce(p, v);
		o->cwnd = o->ssthresh;
		break;
	case XT_CC_SIG_ECN:
		/* §4.6: ECN-Echo is a congestion event like loss; never
		 * spurious, so nothing to undo to. */
		xt_cc_undo_forget(&p->undo);
		o->ssthresh = cubic_reduce(p, v);
		o->cwnd = o->ssthresh;
		break;
	case XT_CC_SIG_RTO:
		/* §4.8: ssthresh as in §4.6, cwnd = 1 SMSS as Reno; the
		 * next CA stage starts with K = 0.  ssthresh is held on a
		 * back-to-back timeout, and kept if fast recovery had
		 * already reduced it for this episode. */
		if (xt_cc_undo_rto(&p->undo, v)) {
			cubic_save_undo(p);
			o->ssthresh = cubic_reduce(p, v);
		}
		p->epoch_valid = 0;
		p->k_zero = 1;
		o->cwnd = v->mss;
		break;
	case XT_CC_SIG_RTO_SPURIOUS:
		/* RFC 4015 §3 / RFC 5682 §3.1: the shared undo restores
		 * cwnd and ssthresh (tcp_cc.c); CUBIC then restores the
		 * curve the episode moved, and starts a new epoch on it */
		if (!xt_cc_undo_restore(&p->undo, o))
			break;
		p->w_max = p->undo_w_max;
		p->cwnd_prior = p->undo_cwnd_prior;
		p->epoch_valid = 0;
		p->k_zero = 0;
		if (o->ssthresh >= XT_CC_SSTHRESH_INF)
			cubic_hs_reset(p);
		break;
	default:
		break;
	}
}

/* RFC 6937 §3 / RFC 6582 §3.2 step 3: cwnd = ssthresh on the full ACK;
 * the CA epoch starts with the next ACK. */
static void
cubic_on_recovery_exit(void *priv, const struct xt_cc_view *v,
    struct xt_cc_out *o)
{
	struct cubic_priv *p = priv;

	cubic_keep(v, o);
	if (v->ssthresh < XT_CC_SSTHRESH_INF)
		o->cwnd = v->ssthresh;
	p->epoch_valid = 0;
}

/* RFC 5681 §4.1 restart window; the cubic epoch restarts (RFC 9438
 * §5.8: t does not include the idle time), and HyStart++ starts a fresh
 * round if this is still the initial slow start. */
static void
cubic_on_idle_restart(void *priv, const struct xt_cc_view *v,
    struct xt_cc_out *o)
{
	struct cubic_priv *p = priv;

	cubic_keep(v, o);
	xt_cc_restart_window(v, o);
	p->epoch_valid = 0;
	p->applim = 0;
	if (o->ssthresh >= XT_CC_SSTHRESH_INF)
		cubic_hs_reset(p);
}

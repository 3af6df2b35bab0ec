/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_cc.h - pluggable congestion control.
 *
 * An algorithm sees a narrow, read-only view of the connection that the
 * stack fills once per event, and answers with new cwnd/ssthresh values;
 * it never touches the TCB.  Its private state is a fixed-size area
 * inside the TCB (no allocation per connection).  The generic layer in
 * tcp_cc.c does the bookkeeping every algorithm shares (which event, how
 * many bytes newly acknowledged, whether the sender was cwnd-limited,
 * recovery entry/exit) before it calls the hook, and keeps the stack's
 * bounds on what the hook answers; it also holds the undo of spurious
 * loss episodes that the loss-based algorithms share (struct
 * xt_cc_undo).
 *
 * Read first: RFC 5681 §3 (slow start, congestion avoidance, the
 * response to loss and timeout), RFC 3465 (byte counting), RFC 6582
 * (NewReno), RFC 9438 (CUBIC), RFC 9406 (HyStart++), RFC 7661 (cwnd
 * validation), RFC 6928 (initial window).
 */
#ifndef XT_TCP_CC_H
#define XT_TCP_CC_H

#include <stddef.h>
#include <stdint.h>

#define XT_CC_PRIV_MAX	128	/* bytes of per-connection algorithm state */
#define XT_CC_NAME_MAX	16	/* TCP_CA_NAME_MAX in Linux */

/* The "arbitrarily high" initial ssthresh of RFC 5681 §3.1 (Linux's
 * TCP_INFINITE_SSTHRESH), bytes; no algorithm grows cwnd past it. */
#define XT_CC_SSTHRESH_INF	0x7fffffffu
#define XT_CC_CWND_MAX		XT_CC_SSTHRESH_INF
/* The fixed window of the "none" algorithm, bytes. */
#define XT_CC_NONE_CWND		(10u * 1024 * 1024)

/* What happened (on_congestion). */
enum xt_cc_signal {
	XT_CC_SIG_DUPACK = 1,	/* loss detected by dupacks/SACK/RACK: enter recovery */
	XT_CC_SIG_RTO,		/* retransmission timeout */
	XT_CC_SIG_RTO_SPURIOUS,	/* the last RTO was spurious (F-RTO/undo): restore */
	XT_CC_SIG_ECN,		/* ECE received: react once per window (RFC 3168 §6.1.2) */
	XT_CC_SIG_PRIV = 100	/* first value for algorithm-private signals */
};

/* Read-only facts, filled by the stack for each call. */
struct xt_cc_view {
	uint32_t	mss;		/* sender MSS, bytes */
	uint32_t	flight_bytes;	/* bytes in flight (pipe) */
	uint32_t	acked_bytes;	/* bytes newly acknowledged by this ACK */
	uint32_t	srtt_us;	/* smoothed RTT, 0 before a sample */
	uint32_t	min_rtt_us;	/* lowest RTT seen, UINT32_MAX before */
	uint32_t	rtt_us;		/* this ACK's RTT sample, 0 if none */
	uint32_t	cwnd;		/* current values, bytes */
	uint32_t	ssthresh;
	uint32_t	init_cwnd;	/* initial window, bytes (RFC 6928: 10 MSS) */
	uint64_t	now_us;
	uint32_t	delivered;	/* total segments delivered (for HyStart++ rounds) */
	uint32_t	round_end_seq;	/* unused by the stack yet; 0 */
	unsigned	cwnd_limited:1;	/* the sender used (nearly) all of cwnd */
	unsigned	in_recovery:1;	/* fast recovery in progress */
	unsigned	in_slow_start:1; /* cwnd < ssthresh */
	unsigned	ece:1;		/* this ACK carried ECE */
};

/* New values; the hook sets what it changes.  Zero pacing = no pacing. */
struct xt_cc_out {
	uint32_t	cwnd;		/* bytes */
	uint32_t	ssthresh;	/* bytes */
	uint64_t	pacing_bps;
};

struct xt_cc_ops {
	const char	*name;		/* setsockopt(TCP_CONGESTION) name, as Linux */
	size_t		priv_size;	/* <= XT_CC_PRIV_MAX */
	/* required: connection established; set initial cwnd/ssthresh */
	void	(*init)(void *priv, const struct xt_cc_view *v,
		    struct xt_cc_out *o);
	/* required: an ACK acknowledged new data outside recovery */
	void	(*on_ack)(void *priv, const struct xt_cc_view *v,
		    struct xt_cc_out *o);
	/* required: congestion signal; returns the reduced ssthresh/cwnd */
	void	(*on_congestion)(void *priv, enum xt_cc_signal sig,
		    const struct xt_cc_view *v, struct xt_cc_out *o);
	/* optional: fast recovery ended (full ACK) */
	void	(*on_recovery_exit)(void *priv, const struct xt_cc_view *v,
		    struct xt_cc_out *o);
	/* optional: sending resumes after an idle period longer than RTO
	 * (RFC 5681 §4.1, RFC 7661) */
	void	(*on_idle_restart)(void *priv, const struct xt_cc_view *v,
		    struct xt_cc_out *o);
	/* optional: an RTT sample was taken */
	void	(*on_rtt_sample)(void *priv, uint32_t rtt_us,
		    const struct xt_cc_view *v);
};

/* Registry (static table). */
const struct xt_cc_ops *xt_cc_find(const char *name);	/* NULL if unknown */
const struct xt_cc_ops *xt_cc_default(void);		/* "cubic", as Linux */
/*
 * Engine state names an algorithm by handle, not by pointer (state that
 * may live in memory shared across exec refers to code by index): 0 is
 * the default, i + 1 the table's entry i.  xt_cc_handle(NULL) is 0; an
 * unknown handle gives the default.
 */
uint8_t	xt_cc_handle(const struct xt_cc_ops *ops);
const struct xt_cc_ops *xt_cc_ops(uint8_t handle);
/* Comma-separated list of the names, for TCP_CONGESTION errors and docs. */
const char	*xt_cc_names(void);

extern const struct xt_cc_ops xt_cc_newreno;	/* "reno" (Linux's name for NewReno) */
extern const struct xt_cc_ops xt_cc_cubic;	/* "cubic" */
extern const struct xt_cc_ops xt_cc_none;	/* "none": fixed cwnd, for tests */

/* Helpers shared by the algorithms (tcp_cc.c). */
/* The initial window: v->init_cwnd, or RFC 6928 §2's
 * min(10 * MSS, max(2 * MSS, 14600)) when the stack left it 0. */
uint32_t xt_cc_initial_window(const struct xt_cc_view *v);
/* RFC 5681 §4.1 restart after idle: cwnd = min(cwnd, IW), ssthresh kept
 * at no less than 3/4 of the old cwnd (as Linux).  Sets both in o. */
void	xt_cc_restart_window(const struct xt_cc_view *v,
	    struct xt_cc_out *o);

/*
 * Undo of a loss episode found spurious (Eifel, RFC 3522 and RFC 4015
 * §3; F-RTO, RFC 5682 §3.1; D-SACK, RFC 3708 §3): the stack signals
 * XT_CC_SIG_RTO_SPURIOUS and the window goes back to what it was before
 * the episode.  The loss-based algorithms share this bookkeeping: each
 * keeps a struct xt_cc_undo in its private state and calls these from
 * its hooks (tcp_cc.c).  They save and restore cwnd and ssthresh only;
 * an algorithm with more state shaped by the episode saves and restores
 * that itself when they say so (CUBIC: W_max and cwnd_prior; NewReno has
 * none).  An ECN reduction is never spurious and cannot be undone.
 */
struct xt_cc_undo {
	uint32_t	cwnd;		/* before the episode, bytes */
	uint32_t	ssthresh;	/* before the episode, bytes */
	uint8_t		valid;		/* cwnd/ssthresh hold a saved episode */
	uint8_t		rto_backoff;	/* RTO taken, no new data acked since */
};

/* Nothing saved (init). */
void	xt_cc_undo_reset(struct xt_cc_undo *u);
/* A loss episode begins (XT_CC_SIG_DUPACK): remember v's window. */
void	xt_cc_undo_save(struct xt_cc_undo *u, const struct xt_cc_view *v);
/* An ECN reduction: what was saved can no longer be restored. */
void	xt_cc_undo_forget(struct xt_cc_undo *u);
/* New data was acknowledged (on_ack): a later RTO is a new episode. */
void	xt_cc_undo_acked(struct xt_cc_undo *u);
/* XT_CC_SIG_RTO: 1 if this timeout begins a loss episode, not a repeat
 * of one (RFC 5681 §3.1: ssthresh is held on a back-to-back timeout)
 * nor inside fast recovery (whose reduction stands); v's window is then
 * saved and the algorithm reduces ssthresh.  0: ssthresh is kept. */
int	xt_cc_undo_rto(struct xt_cc_undo *u, const struct xt_cc_view *v);
/* XT_CC_SIG_RTO_SPURIOUS: restore the saved window into o (never below
 * o's values) and return 1, or return 0 with o untouched when nothing is
 * saved.  On 1 the algorithm restores its own saved state. */
int	xt_cc_undo_restore(struct xt_cc_undo *u, struct xt_cc_out *o);

/* NewReno helpers other algorithms reuse (FreeBSD exports the same). */
void	xt_cc_newreno_slow_start(const struct xt_cc_view *v,
	    struct xt_cc_out *o);	/* RFC 5681 §3.1 + RFC 3465 L = 2 */
void	xt_cc_newreno_cong_avoid(uint32_t *acc_bytes,
	    const struct xt_cc_view *v, struct xt_cc_out *o);
					/* RFC 5681 eq. 3 via byte counting */

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_cc.c - the congestion-control layer between the connection and
 * the algorithms: the registry, the helpers every algorithm shares, and
 * the glue (xt_tcp_cc_*) that fills a view from the TCB, calls one hook
 * and applies its answer to the TCB with the stack's own bounds.
 *
 * The registry is a static table (no registration at run time, nothing
 * allocated): setsockopt(TCP_CONGESTION) looks a name up with
 * xt_cc_find(), new connections get xt_cc_default().  Names are Linux's
 * ("reno" is NewReno), so programs written for Linux work unchanged; the
 * FreeBSD spelling "newreno" is accepted as an alias on lookup only.
 * The algorithms (cc_*.c) see only views; this file alone reads and
 * writes snd_cwnd and snd_ssthresh for them.
 *
 * Read first: RFC 5681 §3.1 and §4.1, RFC 6928 §2; tcp_cc.h for the
 * contract between the stack and an algorithm.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "xt_engine.h"
#include "tcp/tcp_cc.h"
#include "tcp/tcp_var.h"

/* Order is the order xt_cc_names() lists them in. */
static const struct xt_cc_ops *const cc_table[] = {
	&xt_cc_newreno,
	&xt_cc_cubic,
	&xt_cc_none,
};

#define CC_NTABLE	(sizeof(cc_table) / sizeof(cc_table[0]))

/* Kept equal to the table by a unit test (check_cc.c). */
static const char cc_names[] = "reno,cubic,none";

/* Other spellings accepted by xt_cc_find(). */
static const struct {
	const char		*alias;
	const struct xt_cc_ops	*ops;
} cc_aliases[] = {
	{ "newreno", &xt_cc_newreno },	/* FreeBSD's name */
};

const struct xt_cc_ops *
xt_cc_find(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0')
		return (NULL);
	for (i = 0; i < CC_NTABLE; i++)
		if (strcmp(cc_table[i]->name, name) == 0)
			return (cc_table[i]);
	for (i = 0; i < sizeof(cc_aliases) / sizeof(cc_aliases[0]); i++)
		if (strcmp(cc_aliases[i].alias, name) == 0)
			return (cc_aliases[i].ops);
	return (NULL);
}

const struct xt_cc_ops *
xt_cc_default(void)
{
	return (&xt_cc_cubic);	/* Linux's default since 2.6.19 */
}

uint8_t
xt_cc_handle(const struct xt_cc_ops *ops)
{
	size_t i;

	for (i = 0; ops != NULL && i < CC_NTABLE; i++)
		if (cc_table[i] == ops)
			return ((uint8_t)(i + 1));
	return (0);
}

const struct xt_cc_ops *
xt_cc_ops(uint8_t handle)
{
	if (handle == 0 || handle > CC_NTABLE)
		return (xt_cc_default());
	return (cc_table[handle - 1]);
}

const char *
xt_cc_names(void)
{
	return (cc_names);
}

/* RFC 6928 §2: IW = min(10 * MSS, max(2 * MSS, 14600)). */
uint32_t
xt_cc_initial_window(const struct xt_cc_view *v)
{
	uint32_t iw, lo;

	if (v->init_cwnd != 0)
		return (v->init_cwnd);
	lo = 2 * v->mss > 14600 ? 2 * v->mss : 14600;
	iw = 10 * v->mss;
	return (iw < lo ? iw : lo);
}

/*
 * RFC 5681 §4.1: when sending resumes after an idle period longer than
 * the RTO, cwnd is set to no more than the restart window
 * RW = min(IW, cwnd).  Before giving the window up, ssthresh keeps
 * 3/4 of it (Linux's tcp_cwnd_restart keeps the same), so slow start
 * takes the connection back towards its old rate in a few RTTs instead
 * of probing in congestion avoidance from IW.
 */
void
xt_cc_restart_window(const struct xt_cc_view *v, struct xt_cc_out *o)
{
	uint32_t rw, keep;

	o->cwnd = v->cwnd;
	o->ssthresh = v->ssthresh;
	rw = xt_cc_initial_window(v);
	if (v->cwnd <= rw)
		return;
	keep = v->cwnd / 4 * 3 + v->cwnd % 4 * 3 / 4;
	if (keep > o->ssthresh)
		o->ssthresh = keep;
	o->cwnd = rw;
}

/* ---- undo of a spurious loss episode (tcp_cc.h) ---- */

void
xt_cc_undo_reset(struct xt_cc_undo *u)
{
	u->cwnd = 0;
	u->ssthresh = 0;
	u->valid = 0;
	u->rto_backoff = 0;
}

void
xt_cc_undo_save(struct xt_cc_undo *u, const struct xt_cc_view *v)
{
	u->cwnd = v->cwnd;
	u->ssthresh = v->ssthresh;
	u->valid = 1;
}

void
xt_cc_undo_forget(struct xt_cc_undo *u)
{
	u->valid = 0;
}

void
xt_cc_undo_acked(struct xt_cc_undo *u)
{
	u->rto_backoff = 0;
}

int
xt_cc_undo_rto(struct xt_cc_undo *u, const struct xt_cc_view *v)
{
	int first = !u->rto_backoff && !v->in_recovery;

	if (first)
		xt_cc_undo_save(u, v);
	u->rto_backoff = 1;
	return (first);
}

/* RFC 4015 §3 / RFC 5682 §3.1 response: go back to the window in use
 * before the loss episode, never below what the stack has now. */
int
xt_cc_undo_restore(struct xt_cc_undo *u, struct xt_cc_out *o)
{
	if (!u->valid)
		return (0);
	if (u->cwnd > o->cwnd)
		o->cwnd = u->cwnd;
	if (u->ssthresh > o->ssthresh)
		o->ssthresh = u->ssthresh;
	u->valid = 0;
	u->rto_backoff = 0;
	return (1);
}

/* ---- the glue: TCB -> view -> hook -> TCB ---- */

void
xt_tcp_cc_view(const struct xtcp_sock *tp, struct xt_cc_view *v)
{
	memset(v, 0, sizeof(*v));
	v->mss = tp->t_maxseg != 0 ? tp->t_maxseg : 536;
	v->flight_bytes = tp->snd_max - tp->snd_una;
	v->srtt_us = tp->t_rtt.srtt_us;
	v->min_rtt_us = tp->t_rtt.min_rtt_us;
	v->cwnd = tp->snd_cwnd;
	v->ssthresh = tp->snd_ssthresh;
	v->init_cwnd = tp->t_initcwnd_segs * v->mss;
	v->now_us = tp->eng->now;
	v->cwnd_limited = (tp->t_flags & XT_TF_CWND_LIMITED) != 0;
	v->in_recovery = (tp->t_flags & XT_TF_INRECOVERY) != 0;
	v->in_slow_start = tp->snd_cwnd < tp->snd_ssthresh;
}

/* A view of tp and an output holding the current values. */
static void
tcp_cc_prepare(const struct xtcp_sock *tp, struct xt_cc_view *v,
    struct xt_cc_out *o)
{
	xt_tcp_cc_view(tp, v);
	o->cwnd = tp->snd_cwnd;
	o->ssthresh = tp->snd_ssthresh;
	o->pacing_bps = 0;
}

static void
tcp_cc_apply(struct xtcp_sock *tp, const struct xt_cc_out *o)
{
	uint32_t mss = tp->t_maxseg != 0 ? tp->t_maxseg : 536;

	tp->snd_cwnd = o->cwnd < mss ? mss : o->cwnd;
	tp->snd_ssthresh = o->ssthresh < 2 * mss ? 2 * mss : o->ssthresh;
	/* no use growing past what the send buffer can fill */
	if (tp->snd_cwnd > 2 * tp->sndbuf_size + 2 * mss)
		tp->snd_cwnd = 2 * tp->sndbuf_size + 2 * mss;
}

/* The connection is synchronized and the MSS known: start the algorithm.
 * RFC 5681 §3.1: a lost SYN or SYN-ACK makes the initial window one
 * segment. */
void
xt_tcp_cc_init(struct xtcp_sock *tp)
{
	struct xt_cc_view v;
	struct xt_cc_out o;

	if (tp->t_initcwnd_segs == 0)
		tp->t_initcwnd_segs = tp->eng->cfg.initcwnd_segs;
	memset(tp->t_cc_priv, 0, sizeof(tp->t_cc_priv));
	xt_tcp_cc_view(tp, &v);
	if (tp->t_rxtshift > 0)
		v.init_cwnd = v.mss;
	v.ssthresh = XT_CC_SSTHRESH_INF;
	o.cwnd = v.init_cwnd;
	o.ssthresh = XT_CC_SSTHRESH_INF;
	o.pacing_bps = 0;
	xt_cc_ops(tp->t_cc)->init(tp->t_cc_priv, &v, &o);
	tcp_cc_apply(tp, &o);
}

void
xt_tcp_cc_ack(struct xtcp_sock *tp, uint32_t acked, uint32_t rtt_us)
{
	const struct xt_cc_ops *cc = xt_cc_ops(tp->t_cc);
	struct xt_cc_view v;
	struct xt_cc_out o;

	xt_tcp_cc_view(tp, &v);
	v.acked_bytes = acked;
	v.rtt_us = rtt_us;
	o.cwnd = tp->snd_cwnd;
	o.ssthresh = tp->snd_ssthresh;
	o.pacing_bps = 0;
	if (rtt_us != 0 && cc->on_rtt_sample != NULL)
		cc->on_rtt_sample(tp->t_cc_priv, rtt_us, &v);
	cc->on_ack(tp->t_cc_priv, &v, &o);
	tcp_cc_apply(tp, &o);
}

void
xt_tcp_cc_congestion(struct xtcp_sock *tp, enum xt_cc_signal sig)
{
	struct xt_cc_view v;
	struct xt_cc_out o;

	tcp_cc_prepare(tp, &v, &o);
	xt_cc_ops(tp->t_cc)->on_congestion(tp->t_cc_priv, sig, &v, &o);
	tcp_cc_apply(tp, &o);
}

void
xt_tcp_cc_recovery_exit(struct xtcp_sock *tp)
{
	const struct xt_cc_ops *cc = xt_cc_ops(tp->t_cc);
	struct xt_cc_view v;
	struct xt_cc_out o;

	xt_tcp_cc_view(tp, &v);
	o.cwnd = tp->snd_ssthresh;
	o.ssthresh = tp->snd_ssthresh;
	o.pacing_bps = 0;
	if (cc->on_recovery_exit != NULL)
		cc->on_recovery_exit(tp->t_cc_priv, &v, &o);
	tcp_cc_apply(tp, &o);
}

void
xt_tcp_cc_idle_restart(struct xtcp_sock *tp)
{
	const struct xt_cc_ops *cc = xt_cc_ops(tp->t_cc);
	struct xt_cc_view v;
	struct xt_cc_out o;

	tcp_cc_prepare(tp, &v, &o);
	if (cc->on_idle_restart != NULL)
		cc->on_idle_restart(tp->t_cc_priv, &v, &o);
	else
		xt_cc_restart_window(&v, &o);
	tcp_cc_apply(tp, &o);
}

/* TCP_CONGESTION: XT_ENOENT for an unknown name (illumos tcp(4P)). */
int
xt_tcp_cc_select(struct xtcp_sock *tp, const char *name)
{
	const struct xt_cc_ops *ops = xt_cc_find(name);
	uint32_t cwnd = tp->snd_cwnd, ssthresh = tp->snd_ssthresh;

	if (ops == NULL)
		return (XT_ENOENT);
	if (ops == xt_cc_ops(tp->t_cc))
		return (XT_OK);
	tp->t_cc = xt_cc_handle(ops);
	if (XT_TCPS_SYNCHRONIZED(tp->state)) {
		/* as Linux: the new algorithm starts from the current
		 * window */
		xt_tcp_cc_init(tp);
		tp->snd_cwnd = cwnd;
		tp->snd_ssthresh = ssthresh;
	}
	return (XT_OK);
}

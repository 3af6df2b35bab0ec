/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cc_none.c - "none": no congestion control, a fixed window.
 *
 * For tests and simulations that want to see the rest of the stack
 * (flow control, loss recovery, timers) without cwnd in the way, as
 * smoltcp's NoControl.  cwnd is XT_CC_NONE_CWND (or the initial window
 * if that is larger) whatever happens; ssthresh stays infinite.  Never
 * the default and never for real networks: it ignores RFC 5681 §3.
 */
#include <stddef.h>
#include <stdint.h>

#include "tcp/tcp_cc.h"

static void	none_init(void *, const struct xt_cc_view *,
		    struct xt_cc_out *);
static void	none_on_ack(void *, const struct xt_cc_view *,
		    struct xt_cc_out *);
static void	none_on_congestion(void *, enum xt_cc_signal,
		    const struct xt_cc_view *, struct xt_cc_out *);

const struct xt_cc_ops xt_cc_none = {
	.name = "none",
	.priv_size = 0,
	.init = none_init,
	.on_ack = none_on_ack,
	.on_congestion = none_on_congestion,
	.on_recovery_exit = NULL,
	.on_idle_restart = NULL,
	.on_rtt_sample = NULL,
};

static void
none_fixed(const struct xt_cc_view *v, struct xt_cc_out *o)
{
	uint32_t iw = xt_cc_initial_window(v);

	o->cwnd = iw > XT_CC_NONE_CWND ? iw : XT_CC_NONE_CWND;
	o->ssthresh = XT_CC_SSTHRESH_INF;
	o->pacing_bps = 0;
}

static void
none_init(void *priv, const struct xt_cc_view *v, struct xt_cc_out *o)
{
	(void)priv;
	none_fixed(v, o);
}

static void
none_on_ack(void *priv, const struct xt_cc_view *v, struct xt_cc_out *o)
{
	(void)priv;
	none_fixed(v, o);
}

static void
none_on_congestion(void *priv, enum xt_cc_signal sig,
    const struct xt_cc_view *v, struct xt_cc_out *o)
{
	(void)priv;
	(void)sig;
	none_fixed(v, o);
}

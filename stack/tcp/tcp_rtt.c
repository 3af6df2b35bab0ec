/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_rtt.c - retransmission timeout estimator.
 *
 * Keeps SRTT and RTTVAR in microseconds and derives the RTO from them
 * exactly as RFC 6298 §2 specifies.  Integer arithmetic in 64 bits,
 * rounding toward zero after each step (so a test can compute the
 * expected values by hand).  Sampling rules (Karn's algorithm, RFC 6298
 * §3; timestamps, RFC 7323 §4) are the caller's business: this file only
 * turns samples into an RTO.
 *
 * Read first: RFC 6298 §2 (computation), §5.5 (backoff).
 */
#include <stdint.h>

#include "tcp/tcp_rtt.h"

#define RTT_K		4	/* RFC 6298 §2: K = 4 */

static uint32_t	rtt_clamp(const struct xt_rtt *, uint64_t);

/* Bound an RTO to [rto_min_us, rto_max_us]; the maximum wins a conflict. */
static uint32_t
rtt_clamp(const struct xt_rtt *e, uint64_t rto)
{
	if (rto < e->rto_min_us)
		rto = e->rto_min_us;
	if (rto > e->rto_max_us)
		rto = e->rto_max_us;
	return ((uint32_t)rto);
}

void
xt_rtt_init(struct xt_rtt *e, uint32_t rto_init_us, uint32_t rto_min_us,
    uint32_t rto_max_us)
{
	e->srtt_us = 0;
	e->rttvar_us = 0;
	e->rto_min_us = rto_min_us;
	e->rto_max_us = rto_max_us;
	e->min_rtt_us = UINT32_MAX;
	e->nsamples = 0;
	/* RFC 6298 §2.1: before the first sample, RTO is the initial value. */
	e->rto_us = rtt_clamp(e, rto_init_us);
}

void
xt_rtt_sample(struct xt_rtt *e, uint32_t rtt_us)
{
	uint64_t r, srtt, rttvar, dev, var_term;

	r = rtt_us;
	if (e->nsamples == 0) {
		/* RFC 6298 §2.2: SRTT = R, RTTVAR = R/2. */
		srtt = r;
		rttvar = r / 2;
	} else {
		/*
		 * RFC 6298 §2.3, RTTVAR first, with the old SRTT:
		 * RTTVAR = (1 - 1/4) RTTVAR + 1/4 |SRTT - R'|
		 * SRTT   = (1 - 1/8) SRTT   + 1/8 R'
		 */
		srtt = e->srtt_us;
		dev = srtt > r ? srtt - r : r - srtt;
		rttvar = (3 * (uint64_t)e->rttvar_us + dev) / 4;
		srtt = (7 * srtt + r) / 8;
	}
	e->srtt_us = (uint32_t)srtt;
	e->rttvar_us = (uint32_t)rttvar;
	if (e->nsamples < UINT32_MAX)
		e->nsamples++;
	if (rtt_us < e->min_rtt_us)
		e->min_rtt_us = rtt_us;

	/* RTO = SRTT + max(G, K*RTTVAR) (RFC 6298 §2.2, §2.3); §2.4-§2.5. */
	var_term = RTT_K * rttvar;
	if (var_term < XT_RTT_G_US)
		var_term = XT_RTT_G_US;
	e->rto_us = rtt_clamp(e, srtt + var_term);
}

/*
 * RFC 6298 §5.5: each expiry doubles the timer.  rto << shift computed in
 * 64 bits; any shift that could overflow (>= 32 with a non-zero RTO, since
 * rto < 2^32) already exceeds the cap.
 */
uint32_t
xt_rtt_rto(const struct xt_rtt *e, unsigned shift)
{
	uint64_t v;

	if (e->rto_us == 0)
		return (0);
	if (shift >= 32)
		return (e->rto_max_us);
	v = (uint64_t)e->rto_us << shift;
	return (v > e->rto_max_us ? e->rto_max_us : (uint32_t)v);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_rtt.h - retransmission timer computation, RFC 6298.
 */
#ifndef XT_TCP_RTT_H
#define XT_TCP_RTT_H

#include <stdint.h>

#define XT_RTT_G_US	1000	/* clock granularity G (RFC 6298 §2): 1 ms */

struct xt_rtt {
	uint32_t	srtt_us;	/* smoothed RTT, µs (0 until a sample) */
	uint32_t	rttvar_us;	/* RTT variation, µs */
	uint32_t	rto_us;		/* current base RTO (no backoff), µs */
	uint32_t	rto_min_us;	/* lower bound (RFC 6298 §2.4 says 1 s; Linux 200 ms) */
	uint32_t	rto_max_us;	/* upper bound (RFC 6298 §2.5: at least 60 s) */
	uint32_t	min_rtt_us;	/* lowest sample seen, µs (UINT32_MAX before) */
	uint32_t	nsamples;	/* samples taken */
};

/* Before any sample RTO = rto_init_us (RFC 6298 §2.1), clamped to bounds. */
void		xt_rtt_init(struct xt_rtt *e, uint32_t rto_init_us,
		    uint32_t rto_min_us, uint32_t rto_max_us);
/* Take one sample (RFC 6298 §2.2 first, §2.3 after; alpha 1/8, beta 1/4,
 * K 4); RTO = SRTT + max(G, 4*RTTVAR), clamped to [min, max]. */
void		xt_rtt_sample(struct xt_rtt *e, uint32_t rtt_us);
/* RTO with exponential backoff (RFC 6298 §5.5): rto << shift, capped at
 * rto_max_us; shift may be large without overflow. */
uint32_t	xt_rtt_rto(const struct xt_rtt *e, unsigned shift);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dev_fault.c - the seeded fault model of dev_fault.h: two xorshift64*
 * streams, the per-frame draw vector of XT_FAULT_ORDER_FIXED or the
 * draw-when-asked of XT_FAULT_ORDER_ASKED, the decisions made from the
 * draws (chance, Gilbert-Elliott burst loss, which bit to flip) and the
 * CE mark.  Pure: no clock, no fd, no allocation, no global state; the
 * same seed and the same questions give the same answers.
 *
 * Read first: dev_fault.h (why there are two orders); RFC 3168 §5 and
 * RFC 1624 §3 for the CE mark.
 */
#include <stdint.h>

#include "wire/csum.h"
#include "dev/dev_fault.h"

#define FAULT_ETH_HLEN		14
#define FAULT_ETHERTYPE_IPV4	0x0800	/* RFC 894 */
#define FAULT_ECN_MASK		0x03	/* RFC 3168 §5: low bits of the TOS */
#define FAULT_ECN_CE		0x03

static uint64_t	fault_next(uint64_t *);
static int	fault_stream(enum xt_fault_draw);

/* xorshift64* (Marsaglia's xorshift, Vigna's multiplier). */
static uint64_t
fault_next(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return (x * 0x2545f4914f6cdd1dULL);
}

/* The stream a draw comes from: the Gilbert-Elliott pair from the second. */
static int
fault_stream(enum xt_fault_draw d)
{
	return (d == XT_FAULT_GE_STEP || d == XT_FAULT_GE_LOSS);
}

void
xt_fault_init(struct xt_fault *f, enum xt_fault_order order, uint64_t s1,
    uint64_t s2)
{
	int i;

	f->order = order;
	f->s[0] = s1;
	f->s[1] = s2;
	for (i = 0; i < XT_FAULT_NFIXED; i++)
		f->v[i] = 0;
}

void
xt_fault_begin(struct xt_fault *f)
{
	enum xt_fault_draw d;

	if (f->order != XT_FAULT_ORDER_FIXED)
		return;
	for (d = 0; d < XT_FAULT_NFIXED; d++)
		f->v[d] = fault_next(&f->s[fault_stream(d)]);
}

uint64_t
xt_fault_raw(struct xt_fault *f, enum xt_fault_draw d)
{
	if (f->order == XT_FAULT_ORDER_FIXED && d < XT_FAULT_NFIXED)
		return (f->v[d]);
	return (fault_next(&f->s[fault_stream(d)]));
}

double
xt_fault_uniform(struct xt_fault *f, enum xt_fault_draw d)
{
	return ((double)(xt_fault_raw(f, d) >> 11) *
	    (1.0 / 9007199254740992.0));
}

int
xt_fault_chance(struct xt_fault *f, enum xt_fault_draw d, double p)
{
	if (f->order == XT_FAULT_ORDER_FIXED && d < XT_FAULT_NFIXED)
		return (xt_fault_uniform(f, d) < p);
	return (p > 0 && xt_fault_uniform(f, d) < p);
}

int
xt_fault_burst(struct xt_fault *f, int *bad, double p, double r,
    double loss_good, double loss_bad)
{
	if (xt_fault_chance(f, XT_FAULT_GE_STEP, *bad ? r : p))
		*bad = !*bad;
	return (xt_fault_chance(f, XT_FAULT_GE_LOSS,
	    *bad ? loss_bad : loss_good));
}

void
xt_fault_flip(struct xt_fault *f, uint8_t *b, uint32_t len)
{
	uint64_t bit = xt_fault_raw(f, XT_FAULT_BIT) % ((uint64_t)len * 8);

	b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

int
xt_fault_ce_mark(uint8_t *frame, uint32_t len)
{
	uint8_t *ip = frame + FAULT_ETH_HLEN;
	uint16_t oldw, neww, sum;

	if (len < FAULT_ETH_HLEN + 20 ||
	    ((uint16_t)frame[12] << 8 | frame[13]) != FAULT_ETHERTYPE_IPV4 ||
	    (ip[0] >> 4) != 4)
		return (0);
	if ((ip[1] & FAULT_ECN_MASK) == 0 ||
	    (ip[1] & FAULT_ECN_MASK) == FAULT_ECN_CE)
		return (0);	/* Not-ECT, or marked already */
	oldw = (uint16_t)(ip[0] << 8 | ip[1]);
	ip[1] |= FAULT_ECN_CE;
	neww = (uint16_t)(ip[0] << 8 | ip[1]);
	sum = (uint16_t)(ip[10] << 8 | ip[11]);
	sum = xt_csum_update16(sum, oldw, neww);
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
	return (1);
}

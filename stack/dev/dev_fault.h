/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dev_fault.h - a pure, seeded fault model for emulated links: the random
 * draws behind loss, Gilbert-Elliott burst loss, corruption, duplication,
 * reordering, jitter and random CE marks, and the two edits a fault makes
 * to a frame (one bit flipped; CE set with the IPv4 checksum updated).
 * It reads no clock, has no fd and allocates nothing.  Its users are the
 * simulations' in-memory link (dev_pair.c) and the AF_PACKET link
 * emulator of the integration tests (tests/linkem/linkem.c); each keeps
 * its own queue and rate model and calls the decisions in its own order.
 *
 * The two users draw random numbers in different orders, and both orders
 * are pinned: dev_pair's by the simulation baseline (tests/sim/
 * matrix.digest), linkem's by the seeds that impaired.sh and
 * contrib/bench/loss run with.  So the order is a parameter of the model
 * rather than two copies of it:
 *   XT_FAULT_ORDER_FIXED  (dev_pair) xt_fault_begin() draws the whole
 *		vector of enum xt_fault_draw for every frame, whatever the
 *		knobs, so that changing one probability does not shift the
 *		others' decisions; each decision then reads its slot.
 *   XT_FAULT_ORDER_ASKED  (linkem) nothing is drawn in advance; a decision
 *		draws when it is asked and its knob is on, so frames a knob
 *		does not apply to (linkem: non-IPv4) leave the stream alone.
 *
 * Read first: RFC 3168 §5 (the ECN field, CE), RFC 1624 §3 (incremental
 * checksum update); Gilbert (1960) / Elliott (1963) for the two-state
 * burst-loss chain; Vigna, "An experimental exploration of Marsaglia's
 * xorshift generators, scrambled" (xorshift64*).
 */
#ifndef XT_DEV_FAULT_H
#define XT_DEV_FAULT_H

#include <stdint.h>

enum xt_fault_order {
	XT_FAULT_ORDER_FIXED,	/* every frame draws the fixed vector */
	XT_FAULT_ORDER_ASKED	/* a decision draws when asked, knob on */
};

/*
 * What a draw is for.  The first XT_FAULT_NFIXED are the fixed vector,
 * in the order ORDER_FIXED draws them: stream 1 for the first six,
 * stream 2 (added later, so that runs with the burst knobs at zero kept
 * their results) for the Gilbert-Elliott pair.  ORDER_ASKED takes the
 * Gilbert-Elliott draws from stream 2 as well, every other from stream 1.
 */
enum xt_fault_draw {
	XT_FAULT_LOSS,		/* uniform: independent loss */
	XT_FAULT_CORRUPT,	/* uniform: flip a bit? */
	XT_FAULT_BIT,		/* raw: which bit */
	XT_FAULT_DUP,		/* uniform: send a copy? */
	XT_FAULT_REORDER,	/* uniform: hold the frame back? */
	XT_FAULT_JITTER,	/* raw or uniform: extra delay */
	XT_FAULT_GE_STEP,	/* uniform: Gilbert-Elliott state change */
	XT_FAULT_GE_LOSS,	/* uniform: Gilbert-Elliott loss */
	XT_FAULT_NFIXED,
	/* drawn when asked in both orders (stream 1) */
	XT_FAULT_CE = XT_FAULT_NFIXED	/* uniform: random CE mark */
};

struct xt_fault {
	enum xt_fault_order order;
	uint64_t	s[2];			/* xorshift64* states, not 0 */
	uint64_t	v[XT_FAULT_NFIXED];	/* ORDER_FIXED: this frame's */
};

/* Seed the two streams with states s1 and s2 (each non-zero; a stream
 * that is never drawn may take any value).  The caller derives them from
 * its seed, as its results are pinned to. */
void	xt_fault_init(struct xt_fault *f, enum xt_fault_order order,
	    uint64_t s1, uint64_t s2);
/* A new frame: ORDER_FIXED draws its vector; ORDER_ASKED does nothing. */
void	xt_fault_begin(struct xt_fault *f);
/* The 64-bit value of draw d for this frame (ORDER_ASKED: drawn now). */
uint64_t xt_fault_raw(struct xt_fault *f, enum xt_fault_draw d);
/* The same as a uniform number in [0, 1) from its top 53 bits. */
double	xt_fault_uniform(struct xt_fault *f, enum xt_fault_draw d);
/* Does the event of probability p happen?  ORDER_ASKED draws only when
 * p > 0; p = 0 never happens and p = 1 always does. */
int	xt_fault_chance(struct xt_fault *f, enum xt_fault_draw d, double p);
/*
 * Gilbert-Elliott burst loss for one frame on a direction whose state is
 * *bad (0 = good): from good go bad with p, from bad go good with r; then
 * the frame is lost with loss_bad in the bad state, loss_good in the
 * good one.  1 if lost.
 */
int	xt_fault_burst(struct xt_fault *f, int *bad, double p, double r,
	    double loss_good, double loss_bad);
/* Flip one bit of b[0..len), len > 0, chosen by draw XT_FAULT_BIT. */
void	xt_fault_flip(struct xt_fault *f, uint8_t *b, uint32_t len);
/*
 * RFC 3168 §5: if the Ethernet frame is IPv4 (type 0x0800, version 4)
 * and its ECN field is ECT(0) or ECT(1), set CE and update the header
 * checksum incrementally (RFC 1624), so that a header that was already
 * damaged stays damaged.  1 if it marked the frame.  No draw.
 */
int	xt_fault_ce_mark(uint8_t *frame, uint32_t len);

#endif /* XT_DEV_FAULT_H */

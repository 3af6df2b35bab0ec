/*
 * dev_pair.h - an in-memory link between two devices, for simulations.
 *
 * Frames sent on one end arrive at the other after delay_us (plus jitter)
 * of the caller's clock, which the link reads through a pointer so that a
 * simulation can run virtual time.  Seeded faults: loss, duplication,
 * reordering (a frame is held back by an extra reorder_us), and
 * corruption (one bit flipped).  The PRNG is the link's own (xorshift64*),
 * so a seed reproduces a run exactly.
 */
#ifndef XT_DEV_PAIR_H
#define XT_DEV_PAIR_H

#include <stdint.h>

#include "phy.h"

struct xt_link_params {
	uint32_t	delay_us;	/* one-way base delay */
	uint32_t	jitter_us;	/* uniform extra delay 0..jitter_us */
	uint32_t	reorder_us;	/* extra delay of a reordered frame */
	double		loss;		/* probability a frame is dropped */
	double		dup;		/* probability a frame is duplicated */
	double		reorder;	/* probability a frame is held back */
	double		corrupt;	/* probability one bit is flipped */
	uint64_t	rate_bps;	/* serialisation rate; 0 = infinite */
	uint32_t	queue_frames;	/* per direction; 0 = 1024; overflow drops */
	uint64_t	seed;
};

struct xt_link_stats {
	uint64_t	sent;		/* frames offered to tx */
	uint64_t	delivered;	/* frames handed to rx */
	uint64_t	dropped;	/* by the loss knob */
	uint64_t	overflow;	/* by a full queue */
	uint64_t	duplicated;
	uint64_t	reordered;
	uint64_t	corrupted;
};

struct xt_link;

/* Two devices a and b (MACs 02:00:00:00:00:01 and :02, MTU 1500) joined
 * by a link that reads time from *clock_us. */
int		xt_link_new(const struct xt_link_params *p,
		    const uint64_t *clock_us, struct xt_link **out,
		    struct xt_dev **a, struct xt_dev **b);
/* Frees the link and both devices (their close op is then a no-op). */
void		xt_link_free(struct xt_link *l);
/* Earliest delivery time of a queued frame, UINT64_MAX if none. */
uint64_t	xt_link_next_deadline(const struct xt_link *l);
void		xt_link_get_stats(const struct xt_link *l,
		    struct xt_link_stats *st);

#endif

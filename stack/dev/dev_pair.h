/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dev_pair.h - an in-memory link between two devices, for simulations.
 *
 * Frames sent on one end arrive at the other after delay_us (plus jitter)
 * of the caller's clock, which the link reads through a pointer so that a
 * simulation can run virtual time.  Seeded faults: loss, duplication,
 * reordering (a frame is held back by an extra reorder_us), and
 * corruption (one bit flipped).  The PRNG is the link's own (xorshift64*),
 * so a seed reproduces a run exactly.
 *
 * With rate_bps > 0 each direction is a bottleneck: a FIFO transmit
 * queue in front of a wire of that rate.  The queue is drop-tail
 * (qlimit_frames, qlimit_bytes) and can mark ECN-capable IPv4 frames CE
 * instead of letting them pass unmarked once it holds ecn_frames or
 * ecn_bytes (RFC 3168 §5).  Burst loss follows a Gilbert-Elliott
 * two-state chain per direction (ge_*), on top of the independent loss.
 */
#ifndef XT_DEV_PAIR_H
#define XT_DEV_PAIR_H

#include <stdint.h>

#include "dev/phy.h"

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
	/*
	 * Bottleneck queue, only with rate_bps > 0: it holds the frames
	 * whose last bit is not yet on the wire (the one being serialised
	 * included).  A frame arriving when it holds qlimit_frames frames,
	 * or when its bytes would exceed qlimit_bytes, is tail-dropped
	 * (stats.qdrops).  0 = no limit of that kind; queue_frames above
	 * still bounds everything in flight (memory bound, stats.overflow).
	 */
	uint32_t	qlimit_frames;
	uint32_t	qlimit_bytes;
	/*
	 * ECN marking (RFC 3168 §5), only with rate_bps > 0: an IPv4 frame
	 * with ECT(0) or ECT(1) arriving when the queue holds at least
	 * ecn_frames frames (or ecn_bytes bytes) gets CE, and its header
	 * checksum is updated (RFC 1624).  0 = that threshold is off.
	 */
	uint32_t	ecn_frames;
	uint32_t	ecn_bytes;
	/*
	 * Gilbert-Elliott burst loss, a two-state chain per direction that
	 * starts good.  Per frame: from good go bad with ge_p, from bad go
	 * good with ge_r; then the frame is lost with ge_loss_bad in the bad
	 * state, ge_loss_good in the good one (stats.burst_dropped).  Mean
	 * loss is ge_p/(ge_p+ge_r) * ge_loss_bad (with ge_loss_good 0), mean
	 * bad-state run 1/ge_r frames.  All 0 = off.
	 */
	double		ge_p;
	double		ge_r;
	double		ge_loss_good;
	double		ge_loss_bad;
	/*
	 * Spare ARP frames (Ethernet type 0x0806) from the corrupt knob.
	 * ARP has no checksum, so only a link's FCS could catch a flipped
	 * bit in it; with this set, corruption models the errors that get
	 * past the FCS and that the IPv4 and TCP checksums must catch.
	 */
	int		corrupt_no_arp;
};

struct xt_link_stats {
	uint64_t	sent;		/* frames offered to tx */
	uint64_t	delivered;	/* frames handed to rx */
	uint64_t	dropped;	/* by the loss knob */
	uint64_t	overflow;	/* by a full queue */
	uint64_t	duplicated;
	uint64_t	reordered;
	uint64_t	corrupted;
	uint64_t	qdrops;		/* tail drops by the bottleneck queue */
	uint64_t	burst_dropped;	/* by the Gilbert-Elliott chain */
	uint64_t	ce_marked;	/* ECT frames marked CE */
	uint32_t	qmax_frames;	/* bottleneck queue high-water marks */
	uint32_t	qmax_bytes;
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

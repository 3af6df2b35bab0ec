/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_sack.h - the sender's SACK scoreboard and the RFC 6675 queries
 * loss recovery asks of it.
 *
 * The scoreboard keeps the SACKed ranges above snd_una, sorted and
 * merged, at most `max` of them (XTCP_SACK_MAXHOLES); blocks that would
 * need more are ignored and counted (the sender then just knows less).
 * Everything is pure: no engine, no time.
 *
 * Read first: RFC 2018 §3-4, RFC 6675 §2-5 (IsLost, SetPipe, NextSeg),
 * RFC 2883 (D-SACK: a block at or below the cumulative ACK).
 */
#ifndef XT_TCP_SACK_H
#define XT_TCP_SACK_H

#include <stddef.h>
#include <stdint.h>

#include "tcp/tcp_seq.h"

struct xt_mem;

#define XT_SACK_DUPTHRESH	3	/* RFC 6675 §2 DupThresh */

struct xt_sackblk {
	xt_seq_t	start;		/* first SACKed sequence number */
	xt_seq_t	end;		/* one past the last */
};

/*
 * A retransmitted range still unacknowledged and unSACKed, with the time
 * it went out last (RFC 8985 keeps Segment.xmit_ts per segment; we keep
 * it per range of the holes, which is all RACK needs).  `lost` is
 * RACK's verdict on this retransmission: it must go again.
 */
struct xt_rtxseg {
	xt_seq_t	start;
	xt_seq_t	end;
	uint64_t	t_us;		/* when it was last (re)transmitted */
	int		lost;		/* RACK: the retransmission is lost */
};

struct xt_scoreboard {
	struct xt_mem	*mem;		/* where the tables come from */
	struct xt_sackblk *b;		/* sorted, disjoint, non-adjacent;
					 * NULL while n is 0 */
	uint32_t	n;		/* blocks in use */
	uint32_t	max;		/* capacity */
	uint32_t	sacked_bytes;	/* sum of block lengths */
	/* retransmissions in flight, sorted and disjoint, inside holes
	 * (the table is allocated with the first retransmission, and
	 * given back when it empties as snd_una advances) */
	struct xt_rtxseg *r;
	uint32_t	nr;		/* records in use */
	uint32_t	rmax;		/* capacity (4 * max, at least 8) */
	uint64_t	rtx_delivered_t; /* newest t_us of a retransmission that
					 * the last update or advance covered */
	xt_seq_t	rtx_delivered_end; /* the end of what it covered there */
	uint32_t	rtx_delivered;	/* bytes of retransmissions it covered */
	xt_seq_t	rescue_rxt;	/* RFC 6675 RescueRxt */
	xt_seq_t	lost_end;	/* RACK on first transmissions:
					 * holes below it are lost */
	int		lost_valid;	/* lost_end is set */
	uint64_t	overflows;	/* blocks dropped for lack of room */
	uint64_t	dsacks;		/* D-SACK blocks seen (RFC 2883) */
	uint32_t	dupthresh;	/* DupThresh in use: 3, raised when
					 * D-SACKs show reordering */
};

int	xt_sack_init(struct xt_scoreboard *sb, struct xt_mem *mem,
	    uint32_t max);
void	xt_sack_free(struct xt_scoreboard *sb);
void	xt_sack_clear(struct xt_scoreboard *sb);
/*
 * Take the SACK blocks of one ACK.  Blocks are validated against
 * [snd_una, snd_max]; a first block at or below snd_una (or inside the
 * second block) is a D-SACK (RFC 2883 §4) and is counted, not stored.
 * Returns the number of newly SACKed bytes.
 */
uint32_t xt_sack_update(struct xt_scoreboard *sb, xt_seq_t snd_una,
	    xt_seq_t snd_max, const uint32_t (*blk)[2], unsigned nblk);
/* The cumulative ACK moved to snd_una: forget what lies below it. */
void	xt_sack_advance(struct xt_scoreboard *sb, xt_seq_t snd_una);
/* Highest SACKed sequence number + 1, or snd_una if none. */
xt_seq_t xt_sack_high(const struct xt_scoreboard *sb, xt_seq_t snd_una);
/* RFC 6675 IsLost(seq): DupThresh discontiguous SACKed blocks, or more
 * than (DupThresh - 1) * mss SACKed bytes, above seq (sb->dupthresh);
 * or, by RACK, seq below lost_end.  A SACKed octet is never lost. */
int	xt_sack_is_lost(const struct xt_scoreboard *sb, xt_seq_t seq,
	    uint32_t mss);
/* RFC 6675 SetPipe(): bytes believed in the network: every octet not
 * lost, and again every retransmitted octet whose retransmission is not
 * lost (§4 (b)). */
uint32_t xt_sack_pipe(const struct xt_scoreboard *sb, xt_seq_t snd_una,
	    xt_seq_t snd_max, uint32_t mss);
/*
 * RFC 6675 NextSeg() rule 1: the first lost range that has no
 * retransmission in flight (never retransmitted, or its retransmission
 * marked lost by RACK), at most mss bytes.  Returns 1 and sets
 * *seq and *len, or 0.  (Rule 2, new data, is the caller's; rule 4, the
 * rescue retransmission, is xt_sack_rescue.)
 */
int	xt_sack_next_lost(const struct xt_scoreboard *sb, xt_seq_t snd_una,
	    xt_seq_t snd_max, uint32_t mss, xt_seq_t *seq, uint32_t *len);
/*
 * Retransmissions.  xt_sack_rtx_sent records that [seq, end) went out
 * again at t_us (overwriting what it covers; neighbours of one instant
 * merge; when the table is full the range stretches its left neighbour,
 * or the first record when it has none: RACK then calls it lost later
 * and pipe may count a little high, never lower).  xt_sack_update and
 * xt_sack_advance cut delivered octets out of the records and report the
 * newest time they covered in rtx_delivered_t, its end in
 * rtx_delivered_end and the bytes in rtx_delivered (the caller zeroes
 * them before an ACK's update).  xt_sack_rtx_mark marks lost every record
 * sent at or before `before` (RFC 8985 §6.2 step 5: xmit_ts + reo_wnd <
 * RACK.xmit_ts); it returns how many records it newly marked.
 * xt_sack_rtx_oldest gives the earliest t_us among records not yet lost
 * (for the reordering timer), 0 if none.
 */
void	xt_sack_rtx_sent(struct xt_scoreboard *sb, xt_seq_t seq, xt_seq_t end,
	    uint64_t t_us);
uint32_t xt_sack_rtx_mark(struct xt_scoreboard *sb, uint64_t before);
/* RFC 8985's tie: of two transmissions in one instant the one with the
 * lower end was sent first; mark lost the records sent at t_us that end
 * at or below end. */
uint32_t xt_sack_rtx_mark_tie(struct xt_scoreboard *sb, uint64_t t_us,
	    xt_seq_t end);
uint64_t xt_sack_rtx_oldest(const struct xt_scoreboard *sb);
/* Is the octet at seq retransmitted and not (yet) lost again? */
int	xt_sack_rtx_inflight(const struct xt_scoreboard *sb, xt_seq_t seq);

/* SACK blocks (RFC 2018 §3: 8 bytes each, behind NOP,NOP,kind,len) that
 * fit in space bytes of a header; at most 4, what 40 option bytes hold. */
unsigned xt_sack_opt_blocks(size_t space);

/* RFC 6675 NextSeg() rule 4, the rescue retransmission: once per
 * recovery (rescue_rxt tracks it), the segment that holds the highest
 * outstanding unSACKed octet, unless that one is resent and in flight. */
int	xt_sack_rescue(const struct xt_scoreboard *sb, xt_seq_t snd_una,
	    xt_seq_t snd_max, uint32_t mss, xt_seq_t *seq, uint32_t *len);

#endif

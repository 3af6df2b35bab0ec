/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_sack.c - the sender's SACK scoreboard (see tcp_sack.h).
 *
 * Read first: RFC 2018 §3-4, RFC 6675 §2-5, RFC 2883 §4.
 */
#include <stdlib.h>
#include <string.h>

#include "xt_err.h"
#include "xt_mem.h"
#include "tcp/tcp_sack.h"

unsigned
xt_sack_opt_blocks(size_t space)
{
	size_t n;

	if (space < 4 + 8)
		return (0);
	n = (space - 4) / 8;
	return (n > 4 ? 4 : (unsigned)n);
}

int
xt_sack_init(struct xt_scoreboard *sb, struct xt_mem *mem, uint32_t max)
{
	memset(sb, 0, sizeof(*sb));
	if (max == 0)
		max = 1;
	sb->mem = mem;
	/* both tables come when first needed, the blocks with the first
	 * SACK block and the retransmissions with the first
	 * retransmission, and go when they empty: most connections never
	 * need them */
	sb->max = max;
	sb->rmax = max < 2 ? 8 : 4 * max;
	sb->dupthresh = XT_SACK_DUPTHRESH;
	return (XT_OK);
}

/* Give back the tables that hold nothing. */
static void
sack_trim(struct xt_scoreboard *sb)
{
	if (sb->n == 0 && sb->b != NULL) {
		xt_free(sb->mem, sb->b, sb->max * sizeof(*sb->b));
		sb->b = NULL;
	}
	if (sb->nr == 0 && sb->r != NULL) {
		xt_free(sb->mem, sb->r, sb->rmax * sizeof(*sb->r));
		sb->r = NULL;
	}
}

void
xt_sack_free(struct xt_scoreboard *sb)
{
	sb->n = sb->nr = 0;
	sack_trim(sb);
	sb->max = sb->rmax = 0;
}

void
xt_sack_clear(struct xt_scoreboard *sb)
{
	sb->n = 0;
	sb->sacked_bytes = 0;
	sb->lost_valid = 0;
	sb->nr = 0;
	sack_trim(sb);
}

/*
 * Cut [s, e) out of the retransmission records (delivered, or about to
 * be overwritten), noting the newest send time and the bytes covered.
 * A record split in two needs a slot; when there is none the upper part
 * is forgotten (it then looks never retransmitted, which can only cost
 * a spurious retransmission).
 */
static void
rtx_cut(struct xt_scoreboard *sb, xt_seq_t s, xt_seq_t e, int delivered)
{
	struct xt_rtxseg *r;
	uint32_t i = 0;
	xt_seq_t lo, hi;

	while (i < sb->nr) {
		r = &sb->r[i];
		if (SEQ_LEQ(r->end, s)) {
			i++;
			continue;
		}
		if (SEQ_GEQ(r->start, e))
			break;
		lo = SEQ_MAX(r->start, s);
		hi = SEQ_MIN(r->end, e);
		if (delivered) {
			sb->rtx_delivered += hi - lo;
			if (r->t_us > sb->rtx_delivered_t ||
			    (r->t_us == sb->rtx_delivered_t &&
			    SEQ_GT(hi, sb->rtx_delivered_end))) {
				sb->rtx_delivered_t = r->t_us;
				sb->rtx_delivered_end = hi;
			}
		}
		if (SEQ_LT(r->start, s) && SEQ_GT(r->end, e)) {
			/* strictly inside: split */
			if (sb->nr < sb->rmax) {
				memmove(r + 1, r, (sb->nr - i) * sizeof(*r));
				sb->nr++;
				r[1].start = e;
			}
			r->end = s;
			break;
		}
		if (SEQ_LT(r->start, s)) {
			r->end = s;
			i++;
		} else if (SEQ_GT(r->end, e)) {
			r->start = e;
			break;
		} else {
			memmove(r, r + 1, (sb->nr - i - 1) * sizeof(*r));
			sb->nr--;
		}
	}
}

void
xt_sack_rtx_sent(struct xt_scoreboard *sb, xt_seq_t seq, xt_seq_t end,
    uint64_t t_us)
{
	struct xt_rtxseg *r;
	uint32_t i = 0;

	if (!SEQ_LT(seq, end) || sb->rmax == 0)
		return;
	if (sb->r == NULL &&
	    (sb->r = xt_alloc(sb->mem, sb->rmax * sizeof(*sb->r))) == NULL)
		return;		/* unrecorded: at worst resent once more */
	rtx_cut(sb, seq, end, 0);
	while (i < sb->nr && SEQ_LT(sb->r[i].start, seq))
		i++;
	/* record i-1 ends at or before seq, record i starts at or after end */
	if (i > 0) {
		r = &sb->r[i - 1];
		if (r->end == seq && r->t_us == t_us && !r->lost) {
			r->end = end;
			if (i < sb->nr && sb->r[i].start == end &&
			    sb->r[i].t_us == t_us && !sb->r[i].lost) {
				r->end = sb->r[i].end;
				memmove(&sb->r[i], &sb->r[i + 1],
				    (sb->nr - i - 1) * sizeof(*r));
				sb->nr--;
			}
			return;
		}
	}
	if (i < sb->nr && sb->r[i].start == end && sb->r[i].t_us == t_us &&
	    !sb->r[i].lost) {
		sb->r[i].start = seq;
		return;
	}
	if (sb->nr == sb->rmax) {
		/* full: stretch a neighbour over the range, newest time */
		r = i > 0 ? &sb->r[i - 1] : &sb->r[0];
		if (i > 0)
			r->end = end;
		else
			r->start = seq;
		r->t_us = t_us;
		r->lost = 0;
		return;
	}
	memmove(&sb->r[i + 1], &sb->r[i], (sb->nr - i) * sizeof(*r));
	sb->r[i].start = seq;
	sb->r[i].end = end;
	sb->r[i].t_us = t_us;
	sb->r[i].lost = 0;
	sb->nr++;
}

uint32_t
xt_sack_rtx_mark(struct xt_scoreboard *sb, uint64_t before)
{
	uint32_t i, n = 0;

	for (i = 0; i < sb->nr; i++) {
		if (!sb->r[i].lost && sb->r[i].t_us <= before) {
			sb->r[i].lost = 1;
			n++;
		}
	}
	return (n);
}

uint32_t
xt_sack_rtx_mark_tie(struct xt_scoreboard *sb, uint64_t t_us, xt_seq_t end)
{
	uint32_t i, n = 0;

	for (i = 0; i < sb->nr; i++) {
		if (!sb->r[i].lost && sb->r[i].t_us == t_us &&
		    SEQ_LEQ(sb->r[i].end, end)) {
			sb->r[i].lost = 1;
			n++;
		}
	}
	return (n);
}

uint64_t
xt_sack_rtx_oldest(const struct xt_scoreboard *sb)
{
	uint64_t t = 0;
	uint32_t i;

	for (i = 0; i < sb->nr; i++)
		if (!sb->r[i].lost && (t == 0 || sb->r[i].t_us < t))
			t = sb->r[i].t_us;
	return (t);
}

/* The in-flight record holding seq, or NULL. */
static const struct xt_rtxseg *
rtx_find(const struct xt_scoreboard *sb, xt_seq_t seq)
{
	uint32_t i;

	for (i = 0; i < sb->nr; i++) {
		if (SEQ_GT(sb->r[i].start, seq))
			break;
		if (SEQ_LT(seq, sb->r[i].end))
			return (sb->r[i].lost ? NULL : &sb->r[i]);
	}
	return (NULL);
}

int
xt_sack_rtx_inflight(const struct xt_scoreboard *sb, xt_seq_t seq)
{
	return (rtx_find(sb, seq) != NULL);
}

static void
sack_recount(struct xt_scoreboard *sb)
{
	uint32_t i, t = 0;

	for (i = 0; i < sb->n; i++)
		t += sb->b[i].end - sb->b[i].start;
	sb->sacked_bytes = t;
}

/* Insert [s, e) merging with overlapping or adjacent blocks. */
static int
sack_insert(struct xt_scoreboard *sb, xt_seq_t s, xt_seq_t e)
{
	uint32_t i = 0, j, k;

	while (i < sb->n && SEQ_LT(sb->b[i].end, s))
		i++;
	/* blocks i..j-1 touch [s, e) */
	j = i;
	while (j < sb->n && SEQ_LEQ(sb->b[j].start, e))
		j++;
	if (j > i) {
		sb->b[i].start = SEQ_MIN(sb->b[i].start, s);
		sb->b[i].end = SEQ_MAX(sb->b[j - 1].end, e);
		/* close the gap left by the merged blocks */
		for (k = j; k < sb->n; k++)
			sb->b[i + 1 + (k - j)] = sb->b[k];
		sb->n -= j - i - 1;
		return (0);
	}
	if (sb->n == sb->max) {
		sb->overflows++;
		return (-1);
	}
	if (sb->b == NULL &&
	    (sb->b = xt_alloc(sb->mem, sb->max * sizeof(*sb->b))) == NULL) {
		sb->overflows++;	/* the sender just knows less */
		return (-1);
	}
	memmove(&sb->b[i + 1], &sb->b[i], (sb->n - i) * sizeof(sb->b[0]));
	sb->b[i].start = s;
	sb->b[i].end = e;
	sb->n++;
	return (0);
}

uint32_t
xt_sack_update(struct xt_scoreboard *sb, xt_seq_t snd_una, xt_seq_t snd_max,
    const uint32_t (*blk)[2], unsigned nblk)
{
	uint32_t before = sb->sacked_bytes;
	xt_seq_t s, e;
	unsigned i;

	for (i = 0; i < nblk; i++) {
		s = blk[i][0];
		e = blk[i][1];
		if (!SEQ_LT(s, e))
			continue;		/* empty or inverted: ignore */
		/* RFC 2883 §4: a first block below the cumulative ACK, or
		 * inside the second block, reports a duplicate */
		if (i == 0 && (SEQ_LEQ(e, snd_una) || (nblk > 1 &&
		    SEQ_GEQ(s, blk[1][0]) && SEQ_LEQ(e, blk[1][1])))) {
			sb->dsacks++;
			continue;
		}
		if (SEQ_GT(e, snd_max) || SEQ_LEQ(e, snd_una))
			continue;		/* not something we sent */
		if (SEQ_LT(s, snd_una))
			s = snd_una;
		if (sack_insert(sb, s, e) == 0)
			rtx_cut(sb, s, e, 1);
	}
	sack_recount(sb);
	return (sb->sacked_bytes > before ? sb->sacked_bytes - before : 0);
}

void
xt_sack_advance(struct xt_scoreboard *sb, xt_seq_t snd_una)
{
	uint32_t i = 0, k;

	while (i < sb->n && SEQ_LEQ(sb->b[i].end, snd_una))
		i++;
	if (i > 0) {
		for (k = i; k < sb->n; k++)
			sb->b[k - i] = sb->b[k];
		sb->n -= i;
	}
	if (sb->n > 0 && SEQ_LT(sb->b[0].start, snd_una))
		sb->b[0].start = snd_una;
	if (sb->nr > 0)
		rtx_cut(sb, sb->r[0].start, snd_una, 1);
	if (sb->lost_valid && SEQ_LEQ(sb->lost_end, snd_una))
		sb->lost_valid = 0;
	sack_recount(sb);
	sack_trim(sb);
}

xt_seq_t
xt_sack_high(const struct xt_scoreboard *sb, xt_seq_t snd_una)
{
	return (sb->n > 0 ? sb->b[sb->n - 1].end : snd_una);
}

/* SACKed bytes and blocks above (at or after) block index i. */
static void
sack_above(const struct xt_scoreboard *sb, uint32_t i, uint32_t *bytes,
    uint32_t *blocks)
{
	uint32_t t = 0, k;

	for (k = i; k < sb->n; k++)
		t += sb->b[k].end - sb->b[k].start;
	*bytes = t;
	*blocks = sb->n - i;
}

/*
 * How many octets from s (inside the hole [s, end) just below block
 * next_blk; next_blk == n for the hole above every block) are lost: the
 * whole rest of the hole by RFC 6675 IsLost (DupThresh discontiguous
 * SACKed blocks, or more than (DupThresh - 1) * mss SACKed bytes above
 * it, the same for every octet of a hole), else those below RACK's
 * lost_end (tcp_recovery.c).  Lost octets are always a prefix.
 */
static uint32_t
hole_lost_len(const struct xt_scoreboard *sb, uint32_t next_blk,
    uint32_t mss, xt_seq_t s, xt_seq_t end)
{
	uint32_t bytes, blocks;

	if (next_blk < sb->n) {
		sack_above(sb, next_blk, &bytes, &blocks);
		if (blocks >= sb->dupthresh ||
		    bytes > (sb->dupthresh - 1) * mss)
			return (end - s);
	}
	if (sb->lost_valid && SEQ_LT(s, sb->lost_end))
		return (SEQ_MIN(end, sb->lost_end) - s);
	return (0);
}

int
xt_sack_is_lost(const struct xt_scoreboard *sb, xt_seq_t seq, uint32_t mss)
{
	uint32_t i = 0;

	while (i < sb->n && SEQ_LEQ(sb->b[i].start, seq))
		i++;
	if (i > 0 && SEQ_LT(seq, sb->b[i - 1].end))
		return (0);		/* SACKed, not lost */
	return (hole_lost_len(sb, i, mss, seq, seq + 1) != 0);
}

/*
 * Walk the holes between snd_una and snd_max: hole k lies before block k
 * (the last one, k == n, after every block).
 */
uint32_t
xt_sack_pipe(const struct xt_scoreboard *sb, xt_seq_t snd_una,
    xt_seq_t snd_max, uint32_t mss)
{
	xt_seq_t a = snd_una, b;
	uint32_t i, pipe = 0;

	for (i = 0; i <= sb->n; i++) {
		b = i < sb->n ? sb->b[i].start : snd_max;
		if (SEQ_LT(a, b))
			pipe += (b - a) - hole_lost_len(sb, i, mss, a, b);
		if (i < sb->n)
			a = sb->b[i].end;
	}
	/* retransmitted octets count too, unless lost again (§4 (b)) */
	for (i = 0; i < sb->nr; i++)
		if (!sb->r[i].lost && SEQ_GT(sb->r[i].end, snd_una))
			pipe += sb->r[i].end - SEQ_MAX(sb->r[i].start, snd_una);
	return (pipe);
}

int
xt_sack_next_lost(const struct xt_scoreboard *sb, xt_seq_t snd_una,
    xt_seq_t snd_max, uint32_t mss, xt_seq_t *seq, uint32_t *len)
{
	const struct xt_rtxseg *r;
	xt_seq_t a = snd_una, b, s, e;
	uint32_t i, k, lost;

	for (i = 0; i <= sb->n; i++) {
		b = i < sb->n ? sb->b[i].start : snd_max;
		s = a;
		while (SEQ_LT(s, b)) {
			if ((r = rtx_find(sb, s)) != NULL) {
				s = r->end;	/* its retransmission is out */
				continue;
			}
			if ((lost = hole_lost_len(sb, i, mss, s, b)) == 0)
				break;
			e = s + lost;
			/* stop before the next retransmission in flight */
			for (k = 0; k < sb->nr; k++) {
				if (!sb->r[k].lost &&
				    SEQ_GT(sb->r[k].start, s) &&
				    SEQ_LT(sb->r[k].start, e)) {
					e = sb->r[k].start;
					break;
				}
			}
			*seq = s;
			*len = e - s < mss ? e - s : mss;
			return (1);
		}
		if (i < sb->n)
			a = sb->b[i].end;
	}
	return (0);
}

/*
 * RFC 6675 §4 NextSeg() rule (4): once per recovery, one segment that
 * includes the highest outstanding unSACKed octet (the end of the last
 * hole), unless its retransmission is already in flight.  (Rule (3),
 * resending holes not yet deemed lost, is left out: RACK marks what is
 * lost, and Linux does not resend the rest either.)
 */
int
xt_sack_rescue(const struct xt_scoreboard *sb, xt_seq_t snd_una,
    xt_seq_t snd_max, uint32_t mss, xt_seq_t *seq, uint32_t *len)
{
	xt_seq_t lo, hi;

	if (SEQ_GT(sb->rescue_rxt, snd_una))
		return (0);		/* one rescue per recovery */
	if (sb->n > 0 && sb->b[sb->n - 1].end == snd_max) {
		/* the last block reaches snd_max: the hole below it */
		hi = sb->b[sb->n - 1].start;
		lo = sb->n > 1 ? sb->b[sb->n - 2].end : snd_una;
	} else {
		hi = snd_max;
		lo = sb->n > 0 ? sb->b[sb->n - 1].end : snd_una;
	}
	if (!SEQ_LT(lo, hi))
		return (0);
	if (hi - lo > mss)
		lo = hi - mss;
	if (rtx_find(sb, hi - 1) != NULL)
		return (0);		/* already resent and in flight */
	*seq = lo;
	*len = hi - lo;
	return (1);
}

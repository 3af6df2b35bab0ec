/*
 * tcp_sack.c - the sender's SACK scoreboard (see tcp_sack.h).
 *
 * Read first: RFC 2018 §3-4, RFC 6675 §2-5, RFC 2883 §4.
 */
#include <stdlib.h>
#include <string.h>

#include "xt_err.h"
#include "tcp/tcp_sack.h"

int
xt_sack_init(struct xt_scoreboard *sb, uint32_t max)
{
	memset(sb, 0, sizeof(*sb));
	if (max == 0)
		max = 1;
	if ((sb->b = calloc(max, sizeof(*sb->b))) == NULL)
		return (XT_ENOMEM);
	sb->max = max;
	sb->dupthresh = XT_SACK_DUPTHRESH;
	return (XT_OK);
}

void
xt_sack_free(struct xt_scoreboard *sb)
{
	free(sb->b);
	sb->b = NULL;
	sb->n = sb->max = 0;
}

void
xt_sack_clear(struct xt_scoreboard *sb)
{
	sb->n = 0;
	sb->sacked_bytes = 0;
	sb->lost_valid = 0;
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
		(void)sack_insert(sb, s, e);
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
	if (SEQ_LT(sb->high_rxt, snd_una))
		sb->high_rxt = snd_una;
	if (sb->lost_valid && SEQ_LEQ(sb->lost_end, snd_una))
		sb->lost_valid = 0;
	sack_recount(sb);
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

/* Is the hole that starts at hole_start, just before block next_blk,
 * lost?  RFC 6675 IsLost, or below the time-based lost_end. */
static int
sack_hole_lost(const struct xt_scoreboard *sb, uint32_t next_blk,
    uint32_t mss, xt_seq_t hole_start)
{
	uint32_t bytes, blocks;

	if (next_blk >= sb->n)
		return (0);	/* nothing SACKed above: not lost */
	/* RACK-like (tcp_input.c): a later transmission was delivered and
	 * this one was sent long enough before it */
	if (sb->lost_valid && SEQ_LT(hole_start, sb->lost_end))
		return (1);
	sack_above(sb, next_blk, &bytes, &blocks);
	return (blocks >= sb->dupthresh ||
	    bytes > (sb->dupthresh - 1) * mss);
}

int
xt_sack_is_lost(const struct xt_scoreboard *sb, xt_seq_t seq, uint32_t mss)
{
	uint32_t i = 0;

	while (i < sb->n && SEQ_LEQ(sb->b[i].start, seq))
		i++;
	if (i > 0 && SEQ_LT(seq, sb->b[i - 1].end))
		return (0);		/* SACKed, not lost */
	return (sack_hole_lost(sb, i, mss, seq));
}

/*
 * Walk the holes between snd_una and snd_max: hole k lies before block k
 * (the last one, after every block, is never lost: nothing is SACKed
 * above it).
 */
uint32_t
xt_sack_pipe(const struct xt_scoreboard *sb, xt_seq_t snd_una,
    xt_seq_t snd_max, uint32_t mss)
{
	xt_seq_t a = snd_una, b, rx_end;
	uint32_t i, pipe = 0, len;
	int lost;

	for (i = 0; i <= sb->n; i++) {
		b = i < sb->n ? sb->b[i].start : snd_max;
		if (SEQ_LT(a, b)) {
			len = b - a;
			lost = sack_hole_lost(sb, i, mss, a);
			if (!lost)
				pipe += len;
			/* retransmitted octets count too (RFC 6675 §4 b) */
			rx_end = SEQ_MIN(b, sb->high_rxt);
			if (SEQ_LT(a, rx_end))
				pipe += rx_end - a;
		}
		if (i < sb->n)
			a = sb->b[i].end;
	}
	return (pipe);
}

int
xt_sack_next_lost(const struct xt_scoreboard *sb, xt_seq_t snd_una,
    xt_seq_t snd_max, uint32_t mss, xt_seq_t *seq, uint32_t *len)
{
	xt_seq_t a = snd_una, b, s;
	uint32_t i;

	(void)snd_max;
	for (i = 0; i < sb->n; i++) {
		b = sb->b[i].start;
		s = SEQ_MAX(a, sb->high_rxt);
		if (SEQ_LT(s, b) && sack_hole_lost(sb, i, mss, s)) {
			*seq = s;
			*len = b - s < mss ? b - s : mss;
			return (1);
		}
		a = sb->b[i].end;
	}
	return (0);
}

int
xt_sack_rescue(const struct xt_scoreboard *sb, xt_seq_t snd_una,
    xt_seq_t snd_max, uint32_t mss, xt_seq_t *seq, uint32_t *len)
{
	xt_seq_t a = snd_una, b, s;
	uint32_t i;

	if (SEQ_GT(sb->rescue_rxt, snd_una))
		return (0);		/* one rescue per recovery */
	for (i = 0; i <= sb->n; i++) {
		b = i < sb->n ? sb->b[i].start : snd_max;
		s = SEQ_MAX(a, sb->high_rxt);
		if (SEQ_LT(s, b)) {
			*seq = s;
			*len = b - s < mss ? b - s : mss;
			return (1);
		}
		if (i < sb->n)
			a = sb->b[i].end;
	}
	return (0);
}

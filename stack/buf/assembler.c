/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * assembler.c - out-of-order range tracker for TCP reassembly.
 *
 * Records which bytes past rcv_nxt are already in the receive ring, as a
 * sorted array of disjoint, non-adjacent [start, end) ranges.  A segment
 * that overlaps or touches existing ranges is merged into them, so only
 * a segment that opens a new hole needs a free slot; when none is free
 * the segment is refused and counted (the receiver drops it and relies
 * on retransmission, RFC 9293 §3.10.7.4 allows keeping or discarding
 * out-of-order data).  The slot count is fixed at init; the slots
 * themselves come with the first hole and go when the last range is
 * taken, so a connection without loss or reordering holds none.
 *
 * Read first: RFC 9293 §3.10.7.4 (segment text), RFC 2018 §4 (SACK
 * blocks are generated from these ranges).
 */
#include <stdlib.h>
#include <string.h>

#include "xt_err.h"
#include "xt_mem.h"
#include "buf/assembler.h"

static void	asm_remove(struct xt_asm *, uint32_t, uint32_t);
static void	asm_trim(struct xt_asm *);

/* No range left: give the slots back. */
static void
asm_trim(struct xt_asm *a)
{
	if (a->n == 0 && a->r != NULL) {
		xt_free(a->mem, a->r, a->max_ranges * sizeof(a->r[0]));
		a->r = NULL;
	}
}

/* Remove count ranges starting at index i, closing the gap. */
static void
asm_remove(struct xt_asm *a, uint32_t i, uint32_t count)
{
	if (count == 0)
		return;
	memmove(&a->r[i], &a->r[i + count],
	    (a->n - i - count) * sizeof(a->r[0]));
	a->n -= count;
	asm_trim(a);
}

int
xt_asm_init(struct xt_asm *a, struct xt_mem *mem, uint32_t max_ranges)
{
	memset(a, 0, sizeof(*a));
	a->mem = mem;
	a->max_ranges = max_ranges;
	return (XT_OK);
}

void
xt_asm_free(struct xt_asm *a)
{
	struct xt_mem *mem = a->mem;

	a->n = 0;
	asm_trim(a);
	memset(a, 0, sizeof(*a));
	a->mem = mem;
}

void
xt_asm_clear(struct xt_asm *a)
{
	a->n = 0;
	asm_trim(a);
}

/*
 * Ranges i..j-1 are those that overlap or touch [off, end): i is the first
 * with r.end >= off, j the first after it with r.start > end.  None of
 * them → insert a new range at i; otherwise collapse i..j-1 and the new
 * bytes into slot i.  A range that would run past 2^32 - 1 is refused
 * with XT_EINVAL (offsets are bounded by the receive window).
 */
int
xt_asm_add(struct xt_asm *a, uint32_t off, uint32_t len)
{
	uint64_t end64;
	uint32_t end, i, j;

	if (len == 0)
		return (XT_OK);
	end64 = (uint64_t)off + len;
	if (end64 > UINT32_MAX)
		return (XT_EINVAL);
	end = (uint32_t)end64;

	for (i = 0; i < a->n && a->r[i].end < off; i++)
		;
	for (j = i; j < a->n && a->r[j].start <= end; j++)
		;
	if (i == j) {
		if (a->n == a->max_ranges) {
			a->overflows++;
			return (XT_ENOBUFS);
		}
		if (a->r == NULL && (a->r = xt_alloc(a->mem,
		    a->max_ranges * sizeof(a->r[0]))) == NULL)
			return (XT_ENOMEM);
		memmove(&a->r[i + 1], &a->r[i],
		    (a->n - i) * sizeof(a->r[0]));
		a->r[i].start = off;
		a->r[i].end = end;
		a->n++;
		return (XT_OK);
	}
	if (a->r[i].start > off)
		a->r[i].start = off;
	a->r[i].end = a->r[j - 1].end > end ? a->r[j - 1].end : end;
	asm_remove(a, i + 1, j - i - 1);
	return (XT_OK);
}

uint32_t
xt_asm_take_front(struct xt_asm *a)
{
	uint32_t len;

	if (a->n == 0 || a->r[0].start != 0)
		return (0);
	len = a->r[0].end;
	asm_remove(a, 0, 1);
	/* The others start past len (non-adjacent), so nothing drops. */
	xt_asm_advance(a, len);
	return (len);
}

void
xt_asm_advance(struct xt_asm *a, uint32_t n)
{
	uint32_t i, drop;

	if (n == 0)
		return;
	for (drop = 0; drop < a->n && a->r[drop].end <= n; drop++)
		;
	asm_remove(a, 0, drop);
	for (i = 0; i < a->n; i++) {
		a->r[i].start = a->r[i].start > n ? a->r[i].start - n : 0;
		a->r[i].end -= n;
	}
}

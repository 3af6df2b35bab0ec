/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * assembler.h - out-of-order range tracker for TCP reassembly.
 *
 * Offsets are relative to the first byte not yet received in order
 * (rcv_nxt).  The tracker stores at most max_ranges disjoint, non-adjacent
 * ranges; data that would need one more range is refused and counted.
 * Data itself lives in the receive ring (xt_ring_write_at); this only
 * records which bytes are present.
 */
#ifndef XT_BUF_ASSEMBLER_H
#define XT_BUF_ASSEMBLER_H

#include <stdint.h>

struct xt_mem;

struct xt_asm_range {
	uint32_t	start;	/* offset of first byte */
	uint32_t	end;	/* offset one past the last byte */
};

struct xt_asm {
	struct xt_mem		*mem;		/* where r comes from */
	struct xt_asm_range	*r;		/* sorted, disjoint, non-adjacent;
						 * NULL while n is 0 */
	uint32_t		n;		/* ranges in use */
	uint32_t		max_ranges;	/* capacity of r */
	uint64_t		overflows;	/* adds refused for lack of a range */
};

/* An empty tracker of max_ranges slots, allocated with the first range. */
int	xt_asm_init(struct xt_asm *a, struct xt_mem *mem, uint32_t max_ranges);
void	xt_asm_free(struct xt_asm *a);
void	xt_asm_clear(struct xt_asm *a);
/* Record bytes [off, off+len) as present, merging with neighbours.
 * XT_ENOBUFS (and overflows++) when a new range is needed and none is
 * free, XT_ENOMEM when the slots could not be allocated; the tracker is
 * then unchanged.  len == 0 is a no-op. */
int	xt_asm_add(struct xt_asm *a, uint32_t off, uint32_t len);
/* If a range starts at offset 0, remove it and return its length, and
 * shift every remaining range down by that length; otherwise return 0. */
uint32_t xt_asm_take_front(struct xt_asm *a);
/* Shift every range down by n bytes (the front advanced by n bytes that
 * were not tracked); ranges or parts below 0 are dropped. */
void	xt_asm_advance(struct xt_asm *a, uint32_t n);
static inline int xt_asm_empty(const struct xt_asm *a) { return (a->n == 0); }

#endif

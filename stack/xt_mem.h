/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xt_mem.h - the engine's allocator: every allocation the engine makes
 * for its state (TCBs, payload rings, reassembly ranges, the SACK
 * scoreboard, the SYN cache, frames waiting for ARP, the engine struct
 * itself) goes through one struct xt_mem, which counts the bytes in use
 * and refuses what would pass its bound (XTCP_MEM_MAX).  Frees are
 * sized: the caller says how much it gives back, as it knows what it
 * asked for, so no header is kept per block.
 *
 * The blocks are carved out of an arena, one range of address space the
 * caller hands over (xt_mem_init_arena): the shim's is a memfd mapped at
 * the same address in every process of a family (issue 13), so that a
 * pointer from one block to another is valid in each of them; tests and
 * the simulator use a private one.  The allocator state below therefore
 * holds no pointer but into the arena.  Sizes go by classes, four per
 * power of two (eight steps of 16 bytes up to 128): a freed block waits
 * on its class's list for the next request of that class.  Big blocks
 * (over XT_MEM_SMALL) are page aligned and, past XT_MEM_IDLE_MAX bytes
 * of them waiting, give their pages back to the system as they are freed
 * (xt_mem_init_arena's release).
 *
 * A NULL struct xt_mem is allowed (pure units in tests): no accounting,
 * no bound, malloc(3).  So is one from xt_mem_init() without an arena.
 */
#ifndef XT_MEM_H
#define XT_MEM_H

#include <stddef.h>
#include <stdint.h>

#define XT_MEM_NCLASS	144		/* up to 2^41 bytes */
#define XT_MEM_SMALL	16384		/* largest class of small blocks */
#define XT_MEM_IDLE_MAX	(8u << 20)	/* big free bytes kept resident */
#define XT_MEM_PAGE	4096

/* how a freed big block's pages go back (xt_mem_init_arena) */
enum xt_mem_release {
	XT_MEM_KEEP,		/* not at all (memory from malloc) */
	XT_MEM_DONTNEED,	/* madvise MADV_DONTNEED: private mapping */
	XT_MEM_REMOVE		/* madvise MADV_REMOVE: shared file mapping */
};

struct xt_mem {
	uint64_t	used;		/* bytes handed out and not given back */
	uint64_t	peak;		/* the most ever in use */
	uint64_t	max;		/* bound on used, 0 = none */
	uint64_t	nallocs;	/* allocations asked for (xt_alloc, growing xt_realloc) */
	uint64_t	nfails;		/* of them refused: bound, arena or malloc */
	/* test hook: allocation number fail_at (counting nallocs from 1)
	 * fails; 0 = none */
	uint64_t	fail_at;

	/* the arena; base NULL: malloc(3) */
	uint8_t		*base;
	uint64_t	size;
	uint64_t	brk;		/* bytes carved from base so far */
	int		release;	/* enum xt_mem_release */
	uint64_t	idle;		/* big free bytes not yet released */
	uint64_t	nreleased;	/* big blocks whose pages went back */
	/* freed blocks by class: small ones linked through their first
	 * word, big ones through xt_mem_big nodes (their pages may be
	 * gone) */
	void		*free[XT_MEM_NCLASS];
};

void	xt_mem_init(struct xt_mem *m, uint64_t max);
/* An allocator carving blocks out of [base, base + size), which is zero
 * (fresh anonymous or file memory) and page aligned. */
void	xt_mem_init_arena(struct xt_mem *m, void *base, uint64_t size,
	    uint64_t max, enum xt_mem_release release);
/* n zeroed bytes, or NULL (bound reached, no memory, n == 0). */
void	*xt_alloc(struct xt_mem *m, size_t n);
/* The same, not zeroed (payload storage about to be written). */
void	*xt_alloc_raw(struct xt_mem *m, size_t n);
/* Give back p, which was allocated with size n (NULL is a no-op). */
void	xt_free(struct xt_mem *m, void *p, size_t n);
/* Resize p from on to nn bytes, bytes past on zeroed; NULL on failure,
 * p then untouched.  p == NULL allocates, nn == 0 frees (NULL). */
void	*xt_realloc(struct xt_mem *m, void *p, size_t on, size_t nn);
/* Would n more bytes fit under the bound? */
int	xt_mem_room(const struct xt_mem *m, size_t n);
/* The class a request of n bytes takes (-1: too big) and its size. */
int	xt_mem_class(uint64_t n, uint64_t *csize);

#endif

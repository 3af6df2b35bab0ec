/*
 * xt_mem.h - the engine's allocator: every allocation the engine makes
 * for its state (TCBs, payload rings, reassembly ranges, the SACK
 * scoreboard, the SYN cache, frames waiting for ARP) goes through one
 * struct xt_mem, which counts the bytes in use and refuses what would
 * pass its bound (XTCP_MEM_MAX).  Frees are sized: the caller says how
 * much it gives back, as it knows what it asked for, so no header is
 * kept per block.
 *
 * A NULL struct xt_mem is allowed (pure units in tests): no accounting,
 * no bound.  Today the blocks come from malloc(3); the next step (engine state
 * shared by a process family) changes this file, not its callers.
 */
#ifndef XT_MEM_H
#define XT_MEM_H

#include <stddef.h>
#include <stdint.h>

struct xt_mem {
	uint64_t	used;		/* bytes handed out and not given back */
	uint64_t	peak;		/* the most ever in use */
	uint64_t	max;		/* bound on used, 0 = none */
	uint64_t	nallocs;	/* allocations asked for (xt_alloc, growing xt_realloc) */
	uint64_t	nfails;		/* of them refused: bound or malloc */
	/* test hook: allocation number fail_at (counting nallocs from 1)
	 * fails; 0 = none */
	uint64_t	fail_at;
};

void	xt_mem_init(struct xt_mem *m, uint64_t max);
/* n zeroed bytes, or NULL (bound reached, malloc failed, n == 0). */
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

#endif

/*
 * fdmap.c - fd -> socket table (see fdmap.h).
 */
#include "prelude.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "fdmap.h"

#define FDM_CHUNK_SHIFT	10
#define FDM_CHUNK	(1 << FDM_CHUNK_SHIFT)
#define FDM_NCHUNK	16384		/* fds below 16M */

typedef _Atomic uintptr_t fdm_slot;

static _Atomic(fdm_slot *) fdm_dir[FDM_NCHUNK];

int
fdmap_limit(void)
{
	return (FDM_NCHUNK * FDM_CHUNK);
}

uintptr_t
fdmap_peek(int fd)
{
	fdm_slot *c;

	if (fd < 0 || fd >= fdmap_limit())
		return (FDM_HOST);
	c = atomic_load_explicit(&fdm_dir[fd >> FDM_CHUNK_SHIFT],
	    memory_order_acquire);
	if (c == NULL)
		return (FDM_HOST);
	return (atomic_load_explicit(&c[fd & (FDM_CHUNK - 1)],
	    memory_order_acquire));
}

int
fdmap_set(int fd, uintptr_t v)
{
	fdm_slot *c;
	int i;

	if (fd < 0 || fd >= fdmap_limit())
		return (EMFILE);
	c = atomic_load_explicit(&fdm_dir[fd >> FDM_CHUNK_SHIFT],
	    memory_order_relaxed);
	if (c == NULL) {
		if (v == FDM_HOST)
			return (0);
		c = malloc(sizeof(*c) * FDM_CHUNK);
		if (c == NULL)
			return (ENOMEM);
		for (i = 0; i < FDM_CHUNK; i++)
			atomic_init(&c[i], FDM_HOST);
		atomic_store_explicit(&fdm_dir[fd >> FDM_CHUNK_SHIFT], c,
		    memory_order_release);
	}
	atomic_store_explicit(&c[fd & (FDM_CHUNK - 1)], v,
	    memory_order_release);
	return (0);
}

void
fdmap_clear(int fd)
{
	(void)fdmap_set(fd, FDM_HOST);
}

int
fdmap_next(int from, uintptr_t *v)
{
	fdm_slot *c;
	uintptr_t e;
	int fd;

	if (from < 0)
		from = 0;
	for (fd = from; fd < fdmap_limit(); ) {
		c = atomic_load_explicit(&fdm_dir[fd >> FDM_CHUNK_SHIFT],
		    memory_order_relaxed);
		if (c == NULL) {
			fd = ((fd >> FDM_CHUNK_SHIFT) + 1) << FDM_CHUNK_SHIFT;
			continue;
		}
		e = atomic_load_explicit(&c[fd & (FDM_CHUNK - 1)],
		    memory_order_relaxed);
		if (e != FDM_HOST) {
			*v = e;
			return (fd);
		}
		fd++;
	}
	return (-1);
}

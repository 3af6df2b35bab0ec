/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fdmap.c - the fd -> socket table (see fdmap.h for its entries and its
 * lock-free reads), and where the shim places the fds it keeps for
 * itself (shim_fd_move_high).  Part of the shim's testable layer: it
 * calls nothing of the hooks.  Unit tests: tests/unit/check_shim_fdmap.c.
 */
#include "prelude.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

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

/* Keep our own fds out of the way of programs that expect low numbers
 * (dup2 onto 3, say), but below 1024 so the kernel fd table stays small:
 * move fd to margin below the lower of 1024 and the fd limit. */
int
shim_fd_move_high(int fd, int margin)
{
	struct rlimit rl;
	rlim_t top;
	int nfd;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return (fd);
	top = rl.rlim_cur < 1024 ? rl.rlim_cur : 1024;
	if (top < 256 || (rlim_t)fd >= top - (rlim_t)margin)
		return (fd);
	nfd = syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, (int)(top - margin));
	if (nfd < 0)
		return (fd);
	(void)syscall(SYS_close, fd);
	return (nfd);
}

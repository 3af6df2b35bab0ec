/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fdmap.h - the fd -> socket table, and the placing of our own fds.
 *
 * Each entry is FDM_HOST (0: not ours, libc handles it), FDM_INTERNAL (an
 * fd libxtcp itself uses: refuse close and dup2-over), FDM_DEAD (a stack
 * socket inherited across fork: unusable in the child) or a pointer to our
 * struct shim_sock.
 *
 * Two levels: a fixed directory of chunk pointers and chunks of
 * FDM_CHUNK entries allocated on first use and never freed, so lookups
 * are lock-free (fdmap_peek, one acquire load per level) while writers
 * serialise on the engine lock.  fds at or above fdmap_limit() are never
 * ours.
 */
#ifndef SHIM_FDMAP_H
#define SHIM_FDMAP_H

#include <stdint.h>

#define FDM_HOST	((uintptr_t)0)
#define FDM_INTERNAL	((uintptr_t)1)
#define FDM_DEAD	((uintptr_t)2)
#define FDM_IS_SOCK(v)	((v) > FDM_DEAD)

uintptr_t fdmap_peek(int fd);
/* Engine lock held.  0, or ENOMEM / EMFILE (fd beyond the table). */
int	fdmap_set(int fd, uintptr_t v);
void	fdmap_clear(int fd);
/* Engine lock held.  The first fd >= from with a non-host entry (and its
 * entry in *v), or -1. */
int	fdmap_next(int from, uintptr_t *v);
int	fdmap_limit(void);

/* Move fd (close-on-exec) to margin below min(1024, RLIMIT_NOFILE), out
 * of the way of programs that expect low numbers; returns the new fd, or
 * fd itself when it cannot move (or need not). */
int	shim_fd_move_high(int fd, int margin);

#endif /* SHIM_FDMAP_H */

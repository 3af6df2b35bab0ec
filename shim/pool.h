/*
 * pool.h - which address of XTCP_ADDR this process uses: a claim is an
 * flock(2) on a lock file named after the address (pool.c says how).
 * The caller keeps the claim in a struct shim_pool: one per process in
 * the shim (init.c), as many as it likes in a test, each its own lock.
 */
#ifndef SHIM_POOL_H
#define SHIM_POOL_H

#include <stddef.h>

#include "shim_config.h"

struct shim_pool {
	int	fd;		/* the held lock (an internal fd), or -1 */
};

#define SHIM_POOL_INIT	{ -1 }

/* Claim an address of c's range into c->addr, lowest free first, unless
 * p holds one already.  0, or EADDRNOTAVAIL with one line in msg (no
 * prefix, no newline).  Warnings and the address taken from a range go
 * to report.  Engine lock held in the shim (it writes fdmap). */
int	shim_pool_claim(struct shim_pool *p, struct shim_config *c,
	    shim_report_fn report, void *arg, char *msg, size_t msglen);
/* Give the address back: close the lock (and forget its fdmap entry). */
void	shim_pool_release(struct shim_pool *p);
/* In a fork child, before the child closes its internal fds (the lock's
 * among them): forget the claim, which stays the parent's. */
void	shim_pool_fork_child(struct shim_pool *p);

#endif /* SHIM_POOL_H */

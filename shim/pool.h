/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pool.h - which address of XTCP_ADDR this process uses: a claim is an
 * flock(2) on a lock file named after the address (pool.c says how).
 * The caller keeps the claim in a struct shim_pool: one per process in
 * the shim (init.c), as many as it likes in a test, each its own lock.
 */
#ifndef SHIM_POOL_H
#define SHIM_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "shim_config.h"

#include "portmap.h"

struct shim_pool {
	int		fd;		/* the held lock (an internal fd), or -1 */
	int		state_fd;	/* the address's state file (internal),
					 * or -1: nothing is kept */
	uint32_t	saved;		/* the port counter the file holds */
	int		shared;		/* the address is shared: pm
					 * holds our ports (XTCP_ADDR_SHARE) */
	struct shim_portmap pm;
};

#define SHIM_POOL_INIT	{ -1, -1, 0, 0, { .c = NULL, .fd = -1 } }

/* Ports the state file's counter runs ahead of the engine's, so that it
 * is written once per this many connections and a killed process never
 * leaves it behind a port it used. */
#define SHIM_POOL_PORTS_AHEAD	64

/* Claim an address of c's range into c->addr, lowest free first, unless
 * p holds one already; or, with c->addr_share (not on a TAP), join the
 * address's port map (p->shared, p->pm).  0, or EADDRNOTAVAIL with one
 * line in msg (no
 * prefix, no newline).  Warnings and the address taken from a range go
 * to report.  Engine lock held in the shim (it writes fdmap). */
int	shim_pool_claim(struct shim_pool *p, struct shim_config *c,
	    shim_report_fn report, void *arg, char *msg, size_t msglen);
/*
 * What is kept with the address p holds, for the next process on it: the
 * timestamp-offset key, the ephemeral-port key and the port counter
 * (pool.c says where and how).  Call after a claim, with fresh keys and
 * counter in ts_key, port_key and *ctr: returns 1 when the address's
 * state file gave them (replaced), 0 when it did not (a new file holds
 * the fresh ones, or nothing is kept: no lock, or a file that is not
 * this user's own 0600 file, said at level warn).
 */
int	shim_pool_state_open(struct shim_pool *p, const struct shim_config *c,
	    uint8_t *ts_key, uint8_t *port_key, uint32_t *ctr,
	    shim_report_fn report, void *arg);
/* The engine's port counter is ctr now.  Unless final, the file is
 * written only when ctr passed what it holds, then SHIM_POOL_PORTS_AHEAD
 * ahead; final (at exit) writes ctr itself. */
void	shim_pool_state_note(struct shim_pool *p, uint32_t ctr, int final);
/* The CLOCK_REALTIME second of the address's last RFC 5227 probe as the
 * state file records it, 0 when it records none; and record one. */
int64_t	shim_pool_probe_time(const struct shim_pool *p);
void	shim_pool_probe_note(struct shim_pool *p, int64_t when);
/* Give the address back: close the lock and the state file (and forget
 * their fdmap entries). */
void	shim_pool_release(struct shim_pool *p);
/* In a fork child, before the child closes its internal fds (the lock's
 * among them): forget the claim, which stays the parent's. */
void	shim_pool_fork_child(struct shim_pool *p);

#endif /* SHIM_POOL_H */

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * portmap.h - one address shared by several processes: which process
 * holds which port, in a file every process on the address maps
 * (portmap.c says how).  A process (a fork family: they share the open
 * file) is a claimant; its claims live in a struct shim_pm_claim,
 * seen through the caller's struct shim_portmap: one per process in the
 * shim (pool.c), the claim in the family's shared region; as many as it
 * likes in a test.
 */
#ifndef SHIM_PORTMAP_H
#define SHIM_PORTMAP_H

#include <stddef.h>
#include <stdint.h>

#define SHIM_PM_SLOTS	64		/* claimants on one address */
#define SHIM_PM_BLOCK	64		/* ephemeral ports per lease */
#define SHIM_PM_NBLOCK	(65536 / SHIM_PM_BLOCK)

struct shim_pm_file;
struct xtcp_port_range;

/*
 * A claimant's state: the ports it holds, which of them the engine uses,
 * whether it leads.  In a fork family it is the family's (one claimant),
 * in the family's shared region (family.h), and changed only under the
 * engine lock, whichever member holds it.  No pointer in it: the region
 * is mapped again after exec, and the map at another address; only the
 * map's descriptor, which every member has under the same number.
 */
struct shim_pm_claim {
	int32_t		fd;		/* the map file, or -1 */
	int32_t		slot;		/* our claimant slot */
	int32_t		leader;		/* we answer ARP, echo and
					 * nobody's ports */
	uint16_t	lo, hi;		/* the ephemeral range */
	int32_t		changed;	/* held ports changed since
					 * shim_portmap_ranges() */
	uint32_t	seen_gen;	/* the map's gen then (leader) */
	uint64_t	tick_us;	/* the last tick's work (the shim) */
	uint64_t	held[65536 / 64];	/* ports ours */
	uint64_t	single[65536 / 64];	/* of them, bound one
						 * by one (not leased) */
	uint64_t	leased[SHIM_PM_NBLOCK / 64];	/* blocks ours */
	uint8_t		inuse[SHIM_PM_NBLOCK];	/* a block's ports the
						 * engine uses */
	uint8_t		idle[SHIM_PM_NBLOCK];	/* leased block unused
						 * at the last tick */
};

/*
 * A process's view of a claim: the claim (its own, or the family's once
 * shim_portmap_share() moved it there) and the map as this process has
 * it mapped.  One per process in the shim (pool.c); a test may give one
 * claim several views (the members of a family).
 */
struct shim_portmap {
	struct shim_pm_claim *c;	/* the claim, or NULL */
	struct shim_pm_file *m;		/* the map, mapped here, or NULL */
	int		fd;		/* c->fd (read without c: the
					 * region may be gone in a fork
					 * child that is no member) */
	struct shim_pm_claim own;	/* the claim until it is shared */
};

/* Join the map at path (made if missing, mode 0600; it must be this
 * user's own regular file) for the ephemeral ports lo..hi: take a free
 * claimant slot, dropping what a dead claimant left in it, and lead the
 * address if nobody does.  0, or an errno with one line in msg. */
int	shim_portmap_open(struct shim_portmap *pm, const char *path,
	    uint16_t lo, uint16_t hi, char *msg, size_t msglen);
/* Leave it: the claims go (the kernel drops the locks once no other
 * view's process holds the file open). */
void	shim_portmap_close(struct shim_portmap *pm);
/* In a fork child that does not keep the family's claims: forget them
 * without touching the file or the claim (the family's stay). */
void	shim_portmap_forget(struct shim_portmap *pm);
/* Move pm's claim to c (memory every member of the family sees, at the
 * same address in each: the shared region); pm's view goes on there. */
void	shim_portmap_share(struct shim_portmap *pm, struct shim_pm_claim *c);
/* A view of c, a claim another process of the family made (c->fd open
 * here under that number): map the file.  0, or an errno. */
int	shim_portmap_attach(struct shim_portmap *pm, struct shim_pm_claim *c);
/* Unmap a view made by shim_portmap_attach(); the claim stays. */
void	shim_portmap_detach(struct shim_portmap *pm);

/* The engine's questions (xtcp.h XTCP_PORTS_*): */
/* 1 if port is ours. */
int	shim_portmap_held(const struct shim_portmap *pm, uint16_t port);
/* Lease the block of port: 0 (port is ours now), or how many ports from
 * port on are not to be had. */
int	shim_portmap_lease(struct shim_portmap *pm, uint16_t port);
/* bind() names port: 0, or EADDRINUSE (a live claimant holds it). */
int	shim_portmap_bind(struct shim_portmap *pm, uint16_t port);
/* The engine started (d 1) or stopped (d -1) using port. */
void	shim_portmap_use(struct shim_portmap *pm, uint16_t port, int d);
/* A segment for port found no socket: 1 if we answer it. */
int	shim_portmap_answer(const struct shim_portmap *pm, uint16_t port);
/* Once a second: try to lead, drop what dead claimants left (leader),
 * give back leased blocks unused for a tick.  1 if the leadership or the
 * held ports changed. */
int	shim_portmap_tick(struct shim_portmap *pm);
/* Is slot's claimant alive (test and leader use)? */
int	shim_portmap_alive(const struct shim_portmap *pm, int slot);
/* Who holds port: a slot, or -1. */
int	shim_portmap_owner(const struct shim_portmap *pm, uint16_t port);

/* The ports the device must pass, as ranges, ascending, at most max of
 * them (the rest folded into the last); returns how many.  Clears
 * changed.  Ours; for the leader, also those nobody holds. */
unsigned shim_portmap_ranges(struct shim_portmap *pm,
	    struct xtcp_port_range *r, unsigned max);

#endif /* SHIM_PORTMAP_H */

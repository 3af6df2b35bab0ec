/*
 * family.h - the shared region of a process family (family.c): its
 * header, at the region's first byte, and the process's view of it.
 */
#ifndef SHIM_FAMILY_H
#define SHIM_FAMILY_H

#include <pthread.h>
#include <stdint.h>

#include "xtcp.h"

#define SHIM_FAM_MAGIC		0x796c6d6670637478ULL	/* "xtcpfmly" */
#define SHIM_FAM_VERSION	1
#define SHIM_FAM_HDR		(64u << 10)	/* header; the arena follows */
#define SHIM_FAM_SIZE		((uint64_t)64 << 30)	/* address space */

/* The header (shared).  Nothing in it points outside the region. */
struct shim_fam {
	uint64_t		 magic;
	uint32_t		 version;
	uint32_t		 hdr_size;
	uint64_t		 size;		/* the whole region */
	struct shim_fam		*self;		/* where it is mapped */
	pthread_mutex_t		 mtx;		/* the engine lock: shared,
						 * robust */
	struct xtcp_engine	*eng;		/* in the arena; NULL until
						 * it starts */
};

/* This process's view (private). */
struct shim_fam_view {
	struct shim_fam		*f;		/* NULL: no region */
	int			 fd;
	uint64_t		 size;
};

extern struct shim_fam_view shim_fam;

/* Lock held (the private one).  Create, map and announce the region;
 * *arena is the part the engine is to carve.  0 or errno. */
int	shim_family_create(uint64_t size, struct xtcp_arena *arena);
/* The engine could not start: unmap and close it again. */
void	shim_family_destroy(void);
/* The lock m came with EOWNERDEAD (core.c, shim_lock). */
void	shim_family_owner_dead(pthread_mutex_t *m);
void	shim_family_fork_child(void);

#endif /* SHIM_FAMILY_H */

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * family.h - the shared region of a process family (family.c): its
 * header, at the region's first byte, and the process's view of it.
 *
 * For a process that looks after a family from outside (the watcher):
 * the region is named by XTCP_FAMILY=FD:BASE:SIZE; the header's magic
 * and version say what it is; ft.slots[] are the members (state and
 * pid, see famtab.h); the engine lock is mtx.  With the lock held and
 * the engine adopted (xtcp_engine_adopt, with a device to send on),
 * shim_family_reset_slot(s) resets every connection member s alone held,
 * and shim_family_reset_unheld() every one no member holds (the whole
 * family is dead); famtab.c's shim_ft_slot_gone() and shim_ft_unheld()
 * are the same walks without the shim around them.
 */
#ifndef SHIM_FAMILY_H
#define SHIM_FAMILY_H

#include <pthread.h>
#include <stdint.h>

#include "famtab.h"
#include "portmap.h"
#include "xtcp.h"

#define SHIM_FAM_MAGIC		0x796c6d6670637478ULL	/* "xtcpfmly" */
#define SHIM_FAM_VERSION	1
#define SHIM_FAM_HDR		(256u << 10)	/* header; the arena follows */
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
	struct shim_famtab	 ft;		/* members and handles */
	struct shim_pm_claim	 ports;		/* a shared address: the
						 * family's claim (portmap.h),
						 * one for all members */
};
_Static_assert(sizeof(struct shim_fam) <= SHIM_FAM_HDR,
    "the family's header outgrew its room");

/* This process's view (private). */
struct shim_fam_view {
	struct shim_fam		*f;		/* NULL: no region */
	int			 fd;
	uint64_t		 size;
	int			 slot;		/* ours; -1 none */
	int			 fork_slot;	/* reserved for a child */
	uint64_t		 ring;		/* slots to ring at unlock */
	int			 child_start;	/* a fork child: threads to start
						 * on the next hold */
	pthread_t		 bell_tid;
	int			 bell_up;	/* the doorbell thread runs */
};

extern struct shim_fam_view shim_fam;

/* Lock held (the private one).  Create, map and announce the region;
 * *arena is the part the engine is to carve.  0 or errno. */
int	shim_family_create(uint64_t size, struct xtcp_arena *arena);
/* The engine could not start: unmap and close it again. */
void	shim_family_destroy(void);
/* The lock m came with EOWNERDEAD (core.c, shim_lock). */
void	shim_family_owner_dead(pthread_mutex_t *m);

/* ---- members (all: engine lock held, unless said) ---- */

/* The family's table (NULL before the engine starts). */
#define SHIM_FT()	(shim_fam.f != NULL ? &shim_fam.f->ft : NULL)
/* The creator takes slot 0 (engine start). */
void	shim_family_first_member(void);
/* Start this member's doorbell thread.  0 or errno. */
int	shim_family_bell_start(void);
/* No lock: ring the doorbells of the slots in mask. */
void	shim_family_ring(uint64_t mask);
/* Memory for the table, from the engine's arena. */
void	*shim_family_alloc(void *arg, size_t n);
void	 shim_family_free(void *arg, void *p, size_t n);
/*
 * Slot's member is gone (its pidfd said so, or its fork never happened):
 * the sockets only it held are reset (RST to the peer, as Linux closes a
 * dead process's sockets) and the slot is free again.  For the watcher
 * too: shim_family_reset_unheld() resets what no live member holds.
 * Both return the connections reset.
 */
unsigned shim_family_reset_slot(int slot);
unsigned shim_family_reset_unheld(void);
/* fork handlers: prepare (lock held) reserves the child's slot and marks
 * it holder of every socket we hold; the child takes it (no lock: the
 * parent's thread still holds it). */
void	shim_family_fork_prepare(void);
int	shim_family_fork_child(void);
void	shim_family_fork_parent(void);
/* Is this the family's only live member? */
int	shim_family_alone(void);

#endif /* SHIM_FAMILY_H */

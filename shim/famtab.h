/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * famtab.h - the bookkeeping of a process family (issue 13), in its
 * shared region: member slots with their doorbells, and the family's
 * socket handles with the slots that hold a descriptor for each.
 *
 * Part of the shim's testable layer: no system call, no hook, no lock of
 * its own (the caller holds the engine lock for everything but the slot
 * calls marked atomic), memory through the caller's functions (the
 * engine's arena in the shim, malloc in tests).  Nothing here points
 * outside the region but the handle table, which is in it.
 *
 * Handles.  The engine names a socket's owner by a 32-bit handle
 * (xtcp_sock_set_user); within a family the handle is the family's, so
 * that a wakeup reported in any member names the same socket everywhere.
 * Each handle has a record (struct shim_fh): the engine socket, the
 * slots that hold a descriptor for it (holders), the slots it is queued
 * for (pend), and what is per socket rather than per process: whether
 * its eventfd holds a count (the readiness mirror: the eventfd is one
 * open file shared by fork, so one bit for all) and O_NONBLOCK (which
 * lives on that open file too), and the socket options the shim keeps
 * itself (SO_RCVLOWAT, SO_RCVTIMEO, SO_SNDTIMEO), which are the socket's.
 *
 * Slots.  Each member process has one: FREE, RESERVED (by a parent about
 * to fork: the holders bits of what the child inherits are set before
 * the child exists, so nothing the parent closes meanwhile is lost), or
 * ACTIVE with its pid.  A slot's doorbell is a futex word and a queue of
 * handles whose state changed while another member ran the engine.
 */
#ifndef SHIM_FAMTAB_H
#define SHIM_FAMTAB_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define SHIM_FAM_SLOTS	64		/* members of a family at once */
#define SHIM_SLOT_QLEN	128		/* handles queued per doorbell */
#define SHIM_FT_RESERVE_US (10 * 1000000ULL) /* a reservation no child took
					 * is void after this (fork failed) */

enum shim_slot_state {
	SHIM_SLOT_FREE = 0,
	SHIM_SLOT_RESERVED,
	SHIM_SLOT_ACTIVE
};

struct shim_slot {
	_Atomic uint32_t	state;		/* enum shim_slot_state */
	_Atomic int32_t		pid;		/* ACTIVE: the member */
	_Atomic uint32_t	bell;		/* futex: 1 = rung */
	uint32_t		qn;		/* handles in q (lock) */
	uint32_t		qover;		/* q overflowed: refresh all */
	uint32_t		pad;
	uint64_t		since_us;	/* reserved or activated at */
	uint32_t		q[SHIM_SLOT_QLEN];
};

struct shim_fh {
	void			*xs;		/* the engine's socket */
	uint64_t		 holders;	/* slots holding a descriptor */
	uint64_t		 pend;		/* slots it is queued for */
	uint32_t		 next_free;	/* free list (a handle; 0 end) */
	uint8_t			 used;
	uint8_t			 mirror;	/* the eventfd holds a count */
	uint8_t			 nonblock;	/* O_NONBLOCK */
	uint8_t			 pad;
	int32_t			 rcvlowat;	/* SO_RCVLOWAT */
	uint64_t		 rcvtimeo_us;	/* SO_RCVTIMEO */
	uint64_t		 sndtimeo_us;	/* SO_SNDTIMEO */
};

struct shim_famtab {
	struct shim_slot	 slots[SHIM_FAM_SLOTS];
	_Atomic uint32_t	 members_gen;	/* bumped on every change */
	uint32_t		 nfh;		/* records in fh */
	uint32_t		 fh_free;	/* first free handle, 0 none */
	uint32_t		 nused;		/* handles in use */
	struct shim_fh		*fh;		/* fh[h - 1] is handle h */
};

typedef void	*(*shim_ft_alloc_fn)(void *arg, size_t n);
typedef void	(*shim_ft_free_fn)(void *arg, void *p, size_t n);
/* a handle no live member holds any more (slot_gone) */
typedef void	(*shim_ft_orphan_fn)(void *arg, uint32_t h, void *xs);

#define SHIM_SLOT_BIT(s)	((uint64_t)1 << (s))

void	shim_ft_init(struct shim_famtab *ft);
/* A new handle for xs held by slot, or 0 (no memory). */
uint32_t shim_ft_handle_get(struct shim_famtab *ft, void *xs, int slot,
	    shim_ft_alloc_fn alloc, shim_ft_free_fn fr, void *arg);
/* The record of handle h, NULL if h is not in use.  Valid until the next
 * handle_get (the table may move). */
struct shim_fh *shim_ft_fh(struct shim_famtab *ft, uint32_t h);
void	shim_ft_handle_put(struct shim_famtab *ft, uint32_t h);
/* slot no longer holds h: the holders left (0: close the socket). */
uint64_t shim_ft_release(struct shim_famtab *ft, uint32_t h, int slot);
/* Queue h for slot's doorbell; 1 if h was not queued yet (ring it). */
int	shim_ft_queue(struct shim_famtab *ft, int slot, uint32_t h);
/* Take slot's queue: fn(arg, h) for each handle; returns 1 if the queue
 * had overflowed (the member should refresh every socket it holds). */
int	shim_ft_drain(struct shim_famtab *ft, int slot,
	    void (*fn)(void *arg, uint32_t h), void *arg);
/* Atomic: a FREE slot made RESERVED at now_us, or -1 (all taken). */
int	shim_ft_slot_reserve(struct shim_famtab *ft, uint64_t now_us);
/* Atomic: the reserved slot is pid's (the fork child); -1 if it is no
 * longer reserved (voided: the child came too late to be a member). */
int	shim_ft_slot_activate(struct shim_famtab *ft, int slot, int32_t pid,
	    uint64_t now_us);
/*
 * Slot's member is gone (dead, or a fork that failed): its bit leaves
 * every handle, orphan(arg, h, xs) is called for each handle no slot
 * holds any more (the caller resets the connection and puts the
 * handle), and the slot is FREE again.  Returns the orphans' count.
 */
unsigned shim_ft_slot_gone(struct shim_famtab *ft, int slot,
	    shim_ft_orphan_fn orphan, void *arg);
/* orphan() for each handle in use that no slot holds (the watcher's
 * case: the whole family died); their count. */
unsigned shim_ft_unheld(struct shim_famtab *ft, shim_ft_orphan_fn orphan,
	    void *arg);

#endif /* SHIM_FAMTAB_H */

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * family.c - the shared region of a process family (issue 13): one
 * memfd, mapped MAP_SHARED at the same address in every member, that
 * holds the engine lock and the engine with everything it allocates.
 *
 * Layout: a header of SHIM_FAM_HDR bytes (struct shim_fam: a magic, the
 * lock, where the engine is) and then the engine's arena (xtcp.h, struct
 * xtcp_arena), which the stack's allocator carves.  The file is sparse:
 * pages exist once touched, and the allocator punches freed big blocks
 * out again (MADV_REMOVE), so the size is address space, not memory.
 *
 * The address is random, 1 GiB aligned in [2^45, 2^46), taken with
 * MAP_FIXED_NOREPLACE so that nothing of the process is moved: a fork
 * keeps it, and a later exec can map the region again at the same place
 * (the process's own libraries and heap live far below).  The fd, base
 * and size are in XTCP_FAMILY=FD:BASE:SIZE (hex base), for that exec
 * (famexec.c); the fd is close-on-exec but for an exec into the shim,
 * and marked internal so that the program cannot close it.
 *
 * The lock is a process-shared robust mutex: a member that dies holding
 * it (SIGKILL in the middle of engine work) leaves it to the next taker
 * with EOWNERDEAD; shim_family_owner_dead() then makes it consistent and
 * resets the connections the dead hold may have been changing (the
 * engine stamps every TCB it works on with the hold's serial:
 * xtcp_engine_owner_dead()).
 */
#include "prelude.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/futex.h>

#include "family.h"
#include "shim.h"

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC		0x0001U
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif

#define FAM_LO		((uint64_t)1 << 45)	/* where a base may be */
#define FAM_HI		((uint64_t)1 << 46)
#define FAM_ALIGN	((uint64_t)1 << 30)
#define FAM_TRIES	8

struct shim_fam_view shim_fam = { .fd = -1, .slot = -1, .fork_slot = -1 };

static int	fam_map(int fd, uint64_t size, struct shim_fam **out);
static uint64_t	fam_queued(void);

/* Map fd's size bytes at a random free aligned address of the range. */
static int
fam_map(int fd, uint64_t size, struct shim_fam **out)
{
	uint64_t r, slots, at;
	void *p;
	int i;

	slots = (FAM_HI - FAM_LO - size) / FAM_ALIGN;
	for (i = 0; i < FAM_TRIES; i++) {
		if (syscall(SYS_getrandom, &r, sizeof(r), 0) != sizeof(r))
			r = (uint64_t)shim_now_us() * 0x9e3779b97f4a7c15ULL;
		at = FAM_LO + (r % slots) * FAM_ALIGN;
		p = mmap((void *)(uintptr_t)at, size, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_FIXED_NOREPLACE | MAP_NORESERVE, fd, 0);
		if (p == MAP_FAILED) {
			if (errno == EEXIST)
				continue;
			return (errno);
		}
		if ((uint64_t)(uintptr_t)p != at) {
			/* a kernel older than 4.17 took the flag as a hint */
			(void)munmap(p, size);
			continue;
		}
		*out = p;
		return (0);
	}
	return (EEXIST);
}

int
shim_family_create(uint64_t size, struct xtcp_arena *arena)
{
	pthread_mutexattr_t ma;
	struct shim_fam *f = NULL;
	char env[96];
	int fd, err;

	if (size <= SHIM_FAM_HDR || size % FAM_ALIGN != 0)
		return (EINVAL);
	/* close-on-exec but for an exec into the shim (famexec.c) */
	fd = (int)syscall(SYS_memfd_create, "xtcp-family", MFD_CLOEXEC);
	if (fd < 0)
		return (errno);
	/* out of the low numbers a program may dup2 onto */
	fd = shim_fd_move_high(fd, 72);
	if (fchmod(fd, 0600) != 0 || ftruncate(fd, (off_t)size) != 0) {
		err = errno;
		(void)syscall(SYS_close, fd);
		return (err);
	}
	if ((err = fam_map(fd, size, &f)) != 0) {
		(void)syscall(SYS_close, fd);
		return (err);
	}
	f->magic = SHIM_FAM_MAGIC;
	f->version = SHIM_FAM_VERSION;
	f->hdr_size = SHIM_FAM_HDR;
	f->size = size;
	f->self = f;
	if (pthread_mutexattr_init(&ma) != 0 ||
	    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED) != 0 ||
	    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST) != 0 ||
	    pthread_mutex_init(&f->mtx, &ma) != 0) {
		(void)munmap(f, size);
		(void)syscall(SYS_close, fd);
		return (ENOTSUP);
	}
	(void)pthread_mutexattr_destroy(&ma);
	(void)fdmap_set(fd, FDM_INTERNAL);
	shim_fam.f = f;
	shim_fam.fd = fd;
	shim_fam.size = size;
	(void)snprintf(env, sizeof(env), "%d:%" PRIx64 ":%" PRIx64, fd,
	    (uint64_t)(uintptr_t)f, size);
	(void)setenv("XTCP_FAMILY", env, 1);
	arena->base = (uint8_t *)f + SHIM_FAM_HDR;
	arena->size = size - SHIM_FAM_HDR;
	arena->shared = 1;
	return (0);
}

void
shim_family_destroy(void)
{
	if (shim_fam.f == NULL)
		return;
	(void)munmap(shim_fam.f, shim_fam.size);
	fdmap_clear(shim_fam.fd);
	(void)syscall(SYS_close, shim_fam.fd);
	shim_fam.f = NULL;
	shim_fam.fd = -1;
	shim_fam.size = 0;
}

/*
 * Lock just taken with EOWNERDEAD: a member died holding it.  The engine
 * is adopted by now.  What the dead hold changed in the engine's shared
 * structures was either finished or it was not; the connections it may
 * have been changing are reset, every other one goes on.
 */
void
shim_family_owner_dead(pthread_mutex_t *m)
{
	unsigned n = 0;
	int clean = 0;

	(void)pthread_mutex_consistent(m);
	if (shim.eng != NULL) {
		clean = !xtcp_engine_work_open(shim.eng);
		n = xtcp_engine_owner_dead(shim.eng, shim.proc,
		    shim_now_us());
	}
	/* what it queued on doorbells it may not have rung */
	shim_family_ring(fam_queued());
	if (clean)	/* it exited holding it on purpose (shim_lock_exit) */
		shim_log(XTCP_LOG_DEBUG, "a process of the family exited "
		    "holding the engine lock, all consistent");
	else
		shim_log(XTCP_LOG_ERROR, "a process of the family died "
		    "holding the engine lock; %u connection%s it was changing "
		    "reset", n, n == 1 ? "" : "s");
}

/* ---- members ---- */

/* Slots with handles queued on their doorbells. */
static uint64_t
fam_queued(void)
{
	struct shim_famtab *ft = &shim_fam.f->ft;
	uint64_t m = 0;
	int i;

	for (i = 0; i < SHIM_FAM_SLOTS; i++)
		if (ft->slots[i].qn != 0 || ft->slots[i].qover != 0)
			m |= SHIM_SLOT_BIT(i);
	return (m);
}

void *
shim_family_alloc(void *arg, size_t n)
{
	(void)arg;
	return (xtcp_engine_mem_alloc(shim.eng, n));
}

void
shim_family_free(void *arg, void *p, size_t n)
{
	(void)arg;
	xtcp_engine_mem_free(shim.eng, p, n);
}

void
shim_family_first_member(void)
{
	struct shim_famtab *ft = &shim_fam.f->ft;

	shim_ft_init(ft);
	shim_fam.slot = shim_ft_slot_reserve(ft, shim_now_us());
	(void)shim_ft_slot_activate(ft, shim_fam.slot, (int32_t)shim.pid,
	    shim_now_us());
	shim_fam.fork_slot = -1;
}

void
shim_family_ring(uint64_t mask)
{
	struct shim_slot *sl;
	int i;

	if (shim_fam.f == NULL)
		return;
	for (i = 0; mask != 0 && i < SHIM_FAM_SLOTS; i++, mask >>= 1) {
		if (!(mask & 1))
			continue;
		sl = &shim_fam.f->ft.slots[i];
		if (atomic_exchange(&sl->bell, 1) == 0)
			(void)syscall(SYS_futex, &sl->bell, FUTEX_WAKE, 1,
			    NULL, NULL, 0);
	}
}

/* The other live members, as a slot mask. */
static uint64_t
fam_others(void)
{
	struct shim_famtab *ft = &shim_fam.f->ft;
	uint64_t m = 0;
	int i;

	for (i = 0; i < SHIM_FAM_SLOTS; i++)
		if (i != shim_fam.slot &&
		    atomic_load(&ft->slots[i].state) == SHIM_SLOT_ACTIVE)
			m |= SHIM_SLOT_BIT(i);
	return (m);
}

static void
bell_refresh(void *arg, uint32_t h)
{
	(void)arg;
	shim_sock_refresh(h);
}

/*
 * The doorbell thread: another member ran the engine and changed
 * sockets we hold (their handles are queued on our slot), or the
 * family's membership changed.  It refreshes each socket as the engine's
 * wakeup would have here: waiters rung, the eventfd mirror and epoll
 * sets brought up to date when it releases the lock.
 */
static void *
bell_main(void *arg)
{
	struct shim_famtab *ft = &shim_fam.f->ft;
	struct shim_slot *sl;
	uint32_t gen = 0;

	(void)arg;
	for (;;) {
		sl = &ft->slots[shim_fam.slot];
		if (atomic_exchange(&sl->bell, 0) == 0) {
			(void)syscall(SYS_futex, &sl->bell, FUTEX_WAIT, 0,
			    NULL, NULL, 0);
			continue;
		}
		shim_lock();
		if (shim_ft_drain(ft, shim_fam.slot, bell_refresh, NULL))
			shim_sock_refresh_all();
		if (atomic_load(&ft->members_gen) != gen) {
			gen = atomic_load(&ft->members_gen);
			shim_loop_members_changed();
		}
		shim_unlock();
	}
	return (NULL);
}

int
shim_family_bell_start(void)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int err;

	if (shim_fam.bell_up)
		return (0);
	(void)pthread_attr_init(&attr);
	(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	(void)pthread_attr_setstacksize(&attr, 64 << 10);
	sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&shim_fam.bell_tid, &attr, bell_main, NULL);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	(void)pthread_attr_destroy(&attr);
	if (err != 0)
		return (err);
	(void)pthread_setname_np(shim_fam.bell_tid, "xtcp-bell");
	shim_fam.bell_up = 1;
	return (0);
}

/* A handle no live member holds: close it as the kernel closes a dead
 * process's socket, but reset rather than finish (xtcp_abort). */
static void
orphan_reset(void *arg, uint32_t h, void *xs)
{
	unsigned *n = arg;

	if (xs != NULL && xtcp_abort(xs, shim_now_us()))
		(*n)++;
	shim_ft_handle_put(&shim_fam.f->ft, h);
}

unsigned
shim_family_reset_slot(int slot)
{
	unsigned n = 0, orphans;
	int32_t pid;

	if (shim_fam.f == NULL || slot < 0 || slot >= SHIM_FAM_SLOTS ||
	    slot == shim_fam.slot)
		return (0);
	pid = atomic_load(&shim_fam.f->ft.slots[slot].pid);
	orphans = shim_ft_slot_gone(&shim_fam.f->ft, slot, orphan_reset, &n);
	shim_log(pid != 0 ? XTCP_LOG_INFO : XTCP_LOG_DEBUG, "member %d of "
	    "the family (pid %d) is gone: %u socket%s it alone held closed, "
	    "%u connection%s reset", slot, (int)pid, orphans,
	    orphans == 1 ? "" : "s", n, n == 1 ? "" : "s");
	/* the others learn from members_gen */
	shim_family_ring(fam_others());
	return (n);
}

unsigned
shim_family_reset_unheld(void)
{
	unsigned n = 0;

	if (shim_fam.f != NULL)
		(void)shim_ft_unheld(&shim_fam.f->ft, orphan_reset, &n);
	return (n);
}

void
shim_family_fork_prepare(void)
{
	shim_fam.fork_slot = -1;
	if (shim_fam.f == NULL || shim_fam.slot < 0 || shim.eng == NULL)
		return;
	shim_fam.fork_slot = shim_ft_slot_reserve(&shim_fam.f->ft,
	    shim_now_us());
	if (shim_fam.fork_slot >= 0)
		shim_sock_hold_all(shim_fam.fork_slot);
}

/*
 * The fork child, before anything else runs: the reserved slot is ours.
 * The parent's forking thread still holds the lock, so only atomics
 * here; the threads start on our first hold (core.c, lock_taken).
 * 0, or -1 when the family was full (the caller falls back to the
 * policy of a child without a stack).
 */
int
shim_family_fork_child(void)
{
	int slot = shim_fam.fork_slot;

	shim_fam.fork_slot = -1;
	shim_fam.ring = 0;
	shim_fam.bell_up = 0;
	if (shim_fam.f == NULL)
		return (-1);
	if (slot < 0) {
		/* no slot: leave the family's memory to its members */
		(void)munmap(shim_fam.f, shim_fam.size);
		shim_fam.f = NULL;
		shim_fam.fd = -1;
		shim_fam.slot = -1;
		return (-1);
	}
	if (shim_ft_slot_activate(&shim_fam.f->ft, slot,
	    (int32_t)syscall(SYS_getpid), shim_now_us()) != 0) {
		(void)munmap(shim_fam.f, shim_fam.size);
		shim_fam.f = NULL;
		shim_fam.fd = -1;
		shim_fam.slot = -1;
		return (-1);
	}
	shim_fam.slot = slot;
	shim_fam.child_start = 1;
	shim_family_ring(fam_others());
	return (0);
}

/* The parent after fork: the reservation is the child's now. */
void
shim_family_fork_parent(void)
{
	shim_fam.fork_slot = -1;
}

int
shim_family_alone(void)
{
	return (shim_fam.f == NULL || fam_others() == 0);
}

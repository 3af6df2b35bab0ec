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
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

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

struct shim_fam_view shim_fam = { .fd = -1 };

static int	fam_map(int fd, uint64_t size, struct shim_fam **out);

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

	(void)pthread_mutex_consistent(m);
	if (shim.eng != NULL)
		n = xtcp_engine_owner_dead(shim.eng, shim.proc,
		    shim_now_us());
	shim_log(XTCP_LOG_ERROR, "a process of the family died holding the "
	    "engine lock; %u connection%s it was changing reset", n,
	    n == 1 ? "" : "s");
}

/*
 * Stage A's fork policy (init.c, fork_child): the child leaves the
 * family.  It must not touch the region (the parent's forking thread
 * holds the lock in it), so the mapping and the fd go; the lock is the
 * private one again.
 */
void
shim_family_fork_child(void)
{
	if (shim_fam.f == NULL)
		return;
	(void)munmap(shim_fam.f, shim_fam.size);
	shim_fam.f = NULL;
	/* the fd is internal: core.c's fork handler closes it */
	shim_fam.fd = -1;
	shim_fam.size = 0;
}

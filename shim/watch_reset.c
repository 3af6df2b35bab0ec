/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * watch_reset.c - the shim's use of the watcher (watch.c): started with
 * the engine, it resets every connection the program still held once the
 * program has died, as a kernel resets the connections of a killed
 * process.  A program's family (its fork children, family.c) shares the
 * stack and resets what a dead member alone held itself; the watcher
 * waits for every member and acts when the last one has died.
 *
 * Once the family is gone the watcher takes the engine, gives it
 * callbacks of its own (none: nobody waits on any socket now) and takes
 * in what waits in the device.  Then, as a kernel closes a dead
 * process's sockets: every connection still open is reset at once
 * (xtcp_engine_abort_all: an RST to each peer at SND.NXT, through the
 * device the watcher inherited), while those the program was closing in
 * order (our FIN queued) get up to WATCH_GRACE_US to end by themselves,
 * the engine running (a kernel carries them on as orphans; usually the
 * peer's FIN is on its way), and are reset if they have not.  For
 * WATCH_LINGER_US more it goes on taking in frames, so that the
 * challenge ACK of a peer that missed some of our last data (RFC 5961
 * §3.2) gets the RST it accepts, and a neighbour asked for again gets
 * its frames; then it exits.  A program that closed its connections
 * before it exited leaves nothing to reset: the watcher then exits at
 * once, without touching the device.
 *
 * Everything here runs in the watcher, a copy of the program made by a
 * fork: raw system calls and the engine only (which allocates nothing
 * from malloc and takes no lock of libc's).
 */
#include "prelude.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "family.h"
#include "famtab.h"
#include "shim.h"
#include "watch.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open		434	/* every architecture, Linux 5.3 */
#endif

#define WATCH_LINGER_US		250000	/* challenge ACKs answered, µs */
#define WATCH_GRACE_US		500000	/* closing connections may end, µs */
#define WATCH_STEP_US		10000	/* how often the grace looks, µs */
#define WATCH_FORK_US		50000	/* a fork under way: look again, µs */
#define WATCH_ROUNDS		100000	/* member deaths and forks followed */
#define WATCH_RX_BUDGET		64	/* frames per xtcp_engine_rx */
#define WATCH_RX_ROUNDS		16	/* calls before the abort */

static int	watch_take_engine(struct xtcp_engine **engp);
static void	watch_reset(void *arg);
static void	watch_linger(struct xtcp_engine *eng, uint64_t until);
static void	watch_grace(struct xtcp_engine *eng, uint64_t until);
static unsigned	watch_members(int *fds, int *forking);
static void	watch_members_wait(int *fds, unsigned n, int forking);

/* Take in and answer frames until `until` (µs). */
static void
watch_linger(struct xtcp_engine *eng, uint64_t until)
{
	struct timespec ts;
	struct pollfd p;
	uint64_t now, next, wait;
	int i;

	p.fd = xtcp_engine_wait_fd(eng);
	for (i = 0; i < 10000 && (now = shim_now_us()) < until; i++) {
		next = xtcp_engine_next_deadline(eng);
		wait = (next < until ? next : until);
		wait = wait > now ? wait - now : 0;
		ts.tv_sec = (time_t)(wait / 1000000);
		ts.tv_nsec = (long)(wait % 1000000) * 1000;
		p.events = POLLIN;
		p.revents = 0;
		if (p.fd < 0 || syscall(SYS_ppoll, &p, 1UL, &ts, NULL, 0UL) < 0)
			break;
		now = shim_now_us();
		if (p.revents & POLLIN)
			(void)xtcp_engine_rx(eng, now, WATCH_RX_BUDGET);
		xtcp_engine_poll(eng, now);
	}
}

/*
 * The engine lock (the family region's, robust and shared), taken for
 * the watcher: EOWNERDEAD is expected (the program may have died holding
 * it) and is made good.  The watcher's own process part is its copy of
 * the program's (the device it inherited, the program's protocol table)
 * with no callbacks: nobody waits on any socket now, and the program's
 * wake-ups name eventfds and an engine thread that are gone.  Then, if
 * the lock came from a dead holder, the connections that hold was
 * changing are dealt with, and the frames it had batched dropped
 * (xtcp_engine_owner_dead).  0, or -1 when there is no engine to take.
 */
static int
watch_take_engine(struct xtcp_engine **engp)
{
	struct xtcp_engine *eng;
	int r;

	*engp = NULL;
	if (shim_fam.f == NULL || (eng = shim_fam.f->eng) == NULL ||
	    shim.proc == NULL)
		return (-1);
	r = pthread_mutex_lock(&shim_fam.f->mtx);
	if (r == EOWNERDEAD)
		(void)pthread_mutex_consistent(&shim_fam.f->mtx);
	else if (r != 0)
		return (-1);
	/* our copy of the device: a TAP's io_uring rings were the
	 * program's, its descriptor is ours too */
	xtcp_dev_fork_child(shim.dev);
	xtcp_engine_adopt(eng, shim.proc);
	xtcp_engine_set_callbacks(eng, NULL, NULL, NULL);
	xtcp_engine_set_urg_callback(eng, NULL);
	if (r == EOWNERDEAD)
		(void)xtcp_engine_owner_dead(eng, shim.proc, shim_now_us());
	*engp = eng;
	return (0);
}

/*
 * Run the engine until no connection closing in order is left (each has
 * ended, or reached TIME-WAIT) or until `until`.
 */
static void
watch_grace(struct xtcp_engine *eng, uint64_t until)
{
	uint64_t now;
	int i;

	for (i = 0; i < 1000 && xtcp_engine_abort_count(eng, 0) > 0 &&
	    (now = shim_now_us()) < until; i++)
		watch_linger(eng, now + WATCH_STEP_US < until ?
		    now + WATCH_STEP_US : until);
}

/*
 * Lock held: the pidfds of the family's live members into fds (one per
 * slot at most), and how many; *forking: a slot reserved by a fork under
 * way whose child may yet become a member.  A member whose pidfd is
 * readable already has died (a zombie not yet reaped).
 */
static unsigned
watch_members(int *fds, int *forking)
{
	struct shim_famtab *ft = &shim_fam.f->ft;
	struct shim_slot *sl;
	struct pollfd p;
	unsigned n = 0;
	int32_t pid;
	int s, fd;

	*forking = 0;
	for (s = 0; s < SHIM_FAM_SLOTS; s++) {
		sl = &ft->slots[s];
		switch (atomic_load(&sl->state)) {
		case SHIM_SLOT_RESERVED:
			if (shim_now_us() - sl->since_us < SHIM_FT_RESERVE_US)
				*forking = 1;
			continue;
		case SHIM_SLOT_ACTIVE:
			break;
		default:
			continue;
		}
		if ((pid = atomic_load(&sl->pid)) <= 0 ||
		    (fd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0)
			continue;		/* gone and reaped */
		p.fd = fd;
		p.events = POLLIN;
		p.revents = 0;
		if (syscall(SYS_ppoll, &p, 1UL, &(struct timespec){ 0, 0 },
		    NULL, 0UL) == 0)
			fds[n++] = fd;
		else
			(void)syscall(SYS_close, fd);
	}
	return (n);
}

/*
 * Lock not held: until one of the n members dies (or, with a fork under
 * way, WATCH_FORK_US passes); the fds are closed.
 */
static void
watch_members_wait(int *fds, unsigned n, int forking)
{
	struct pollfd p[SHIM_FAM_SLOTS];
	struct timespec ts = { 0, WATCH_FORK_US * 1000L };
	unsigned i;
	long r;

	for (i = 0; i < n; i++) {
		p[i].fd = fds[i];
		p[i].events = POLLIN;
		p[i].revents = 0;
	}
	do
		r = syscall(SYS_ppoll, p, (unsigned long)n,
		    forking || n == 0 ? &ts : NULL, NULL, 0UL);
	while (r < 0 && errno == EINTR);
	for (i = 0; i < n; i++)
		(void)syscall(SYS_close, fds[i]);
}

/*
 * The watcher, once the program it was started by has died.  Its family
 * may live on in forked members, which reset what a dead member alone
 * held themselves (family.c): the watcher's part is the death of the
 * last member.  So it waits for every member it finds alive, again
 * after each death (a member may have forked meanwhile: its child has a
 * slot by then, reserved under the lock); once none is left, it takes
 * what remains of the stack and resets it.
 */
static void
watch_reset(void *arg)
{
	struct xtcp_engine *eng;
	int fds[SHIM_FAM_SLOTS], forking;
	unsigned n, i, round;
	uint64_t now;

	(void)arg;
	for (round = 0; ; round++) {
		if (round == WATCH_ROUNDS || watch_take_engine(&eng) != 0)
			return;
		if ((n = watch_members(fds, &forking)) == 0 && !forking)
			break;		/* the whole family is gone */
		pthread_mutex_unlock(&shim_fam.f->mtx);
		shim_watch_bound(0);	/* as long as they live */
		watch_members_wait(fds, n, forking);
		shim_watch_bound(SHIM_WATCH_MAX_S);
	}
	if (xtcp_engine_abort_count(eng, 0) == 0) {
		/* closed before it exited: nothing to do */
		pthread_mutex_unlock(&shim_fam.f->mtx);
		return;
	}
	now = shim_now_us();
	for (i = 0; i < WATCH_RX_ROUNDS; i++)
		if (xtcp_engine_rx(eng, now, WATCH_RX_BUDGET) <
		    WATCH_RX_BUDGET)
			break;
	/* the open ones at once; those closing in order get a moment */
	n = xtcp_engine_abort_all(eng, shim_now_us(), 1);
	watch_grace(eng, shim_now_us() + WATCH_GRACE_US);
	n += xtcp_engine_abort_all(eng, shim_now_us(), 0);
	if (n > 0)
		watch_linger(eng, shim_now_us() + WATCH_LINGER_US);
	pthread_mutex_unlock(&shim_fam.f->mtx);
	shim_log(XTCP_LOG_INFO, "watcher: process %ld%s died holding "
	    "connections: %u reset", (long)shim.pid, round > 0 ?
	    " and its family" : "", n);
}

/*
 * Lock held, the engine just started: start the watcher, with the
 * device's descriptors.  Failing, it says so (XTCP_LOG=info) and the
 * program runs without one: a connection of a killed process is then
 * left to its peer's timers.
 */
void
shim_watch_begin(void)
{
	struct shim_watch w;
	int fds[XTCP_DEV_MAXFDS], n, i, err;

	memset(&w, 0, sizeof(w));
	n = xtcp_dev_fds(shim.dev, fds, XTCP_DEV_MAXFDS);
	for (i = 0; i < n && i < XTCP_DEV_MAXFDS; i++)
		w.keep[w.nkeep++] = fds[i];
	w.keep[w.nkeep++] = xtcp_dev_wait_fd(shim.dev);
	w.fn = watch_reset;
	if ((err = shim_watch_spawn(&w)) != 0)
		shim_log(XTCP_LOG_INFO, "no watcher process (%s): the "
		    "connections of this process are not reset if it is "
		    "killed", strerror(err));
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * poll.c - poll, ppoll, select, pselect over sets that may hold our
 * sockets (epoll is in epoll.c).  None of them is restarted after a
 * signal handler, on Linux or here (ppoll fails with EINTR).
 *
 * Sets without our fds go straight to libc.  Otherwise, in a loop: under
 * the lock, compute our fds' revents from xtcp_poll(); then ppoll the
 * kernel fds together with this thread's bell, with a zero timeout if one
 * of ours is ready, else the time left.  Our sockets ring the bell when
 * they change (core.c), so the loop wakes for either side.  The bits
 * themselves (revents from XTCP_POLL*, select's sets to pollfds and back)
 * are computed in ready.c, which the unit tests reach without hooks.
 */
#include "prelude.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ready.h"
#include "shim.h"

/* sets this small live on the stack */
#define POLL_STACK	32
/* a thread without a bell re-checks this often */
#define POLL_SLICE_US	5000

struct poll_slot {
	int			 idx;		/* into the program's array */
	struct shim_sock	*s;
	struct shim_waiter	 w;
};

/* One poll_ours call: what it holds, and what it found.  The loop's
 * results live here, in memory, so that the cancellation handler's
 * setjmp cannot clobber them. */
struct poll_ctx {
	struct shim_thr		*t;
	struct poll_slot	*slots;
	nfds_t			 nslots;
	void			*heap;		/* to free, or NULL */
	struct pollfd		*kfds;		/* nfds + bell + device */
	uint64_t		 deadline_us;	/* UINT64_MAX: none */
	uint64_t		 spin_end;	/* XTCP_SPIN_US, 0: none */
	int			 devfd;		/* XTCP_DEVWAIT, -1: none */
	int			 devready;	/* the device woke us */
	int			 r;		/* as ppoll(2) */
	int			 err;		/* errno when r < 0 */
	int			 sigblocked;	/* sigold saved, all blocked */
	sigset_t		 sigold;	/* the caller's signal mask */
};

static short	sock_revents(struct shim_sock *s, short events);
static void	poll_release(void *arg);
static int	has_ours(const struct pollfd *fds, nfds_t nfds);
static void	poll_take(struct poll_ctx *c, const struct pollfd *fds,
		    nfds_t nfds);
static int	poll_scan(struct poll_ctx *c, struct pollfd *fds);
static const struct timespec *poll_timeout(const struct poll_ctx *c,
		    int nours, struct timespec *ts);
static int	poll_host(struct poll_ctx *c, struct pollfd *fds,
		    nfds_t nfds);
static void	poll_loop(struct poll_ctx *c, struct pollfd *fds,
		    nfds_t nfds, const sigset_t *mask);
static int	poll_ours(struct pollfd *fds, nfds_t nfds,
		    uint64_t deadline_us, const sigset_t *mask);
static uint64_t	ts_deadline(const struct timespec *ts);
static int	do_poll(struct pollfd *fds, nfds_t nfds, int timeout);
static int	do_ppoll(struct pollfd *fds, nfds_t nfds,
		    const struct timespec *ts, const sigset_t *mask);
static int	sel_has_ours(int nfds, const fd_set *rd, const fd_set *wr,
		    const fd_set *ex);
static int	select_ours(int nfds, fd_set *rd, fd_set *wr, fd_set *ex,
		    uint64_t deadline_us, const sigset_t *mask);

/* Lock held.  poll(2) revents of one of ours (POLLNVAL once closed). */
static short
sock_revents(struct shim_sock *s, short events)
{
	if (s->nfds == 0 || s->xs == NULL)
		return (POLLNVAL);	/* closed under us */
	return (shim_ready_revents(shim_sock_poll(s), events));
}

static void
poll_release(void *arg)
{
	struct poll_ctx *c = arg;
	nfds_t i;

	shim_lock();
	shim_devwait_release(c->t);
	for (i = 0; i < c->nslots; i++) {
		shim_waiter_del(c->slots[i].s, &c->slots[i].w);
		shim_sock_unref(c->slots[i].s);
	}
	shim_thr_drain(c->t);
	shim_unlock();
	if (c->sigblocked)
		pthread_sigmask(SIG_SETMASK, &c->sigold, NULL);
	free(c->heap);
}

static int
has_ours(const struct pollfd *fds, nfds_t nfds)
{
	nfds_t i;

	for (i = 0; i < nfds; i++)
		if (FDM_IS_SOCK(fdmap_peek(fds[i].fd)))
			return (1);
	return (0);
}

/* Take our sockets and sit on each one's waiter list; the kernel's copy
 * of the set has -1 (ignored) in their place and our bell at its end. */
static void
poll_take(struct poll_ctx *c, const struct pollfd *fds, nfds_t nfds)
{
	struct shim_sock *s;
	uintptr_t v;
	nfds_t i;

	shim_lock();
	c->t = shim_thr_get();
	for (i = 0; i < nfds; i++) {
		c->kfds[i].fd = fds[i].fd;
		c->kfds[i].events = fds[i].events;
		v = fdmap_peek(fds[i].fd);
		if (!FDM_IS_SOCK(v))
			continue;
		s = (struct shim_sock *)v;
		s->refs++;
		c->slots[c->nslots].idx = i;
		c->slots[c->nslots].s = s;
		shim_waiter_add(s, &c->slots[c->nslots].w, c->t);
		c->nslots++;
		c->kfds[i].fd = -1;	/* the kernel ignores it */
	}
	shim_unlock();
	c->kfds[nfds].fd = c->t->bell;
	c->kfds[nfds].events = POLLIN;
}

/* Our sockets' revents into fds; returns how many are ready.  With none,
 * this thread may watch the device (c->devfd). */
static int
poll_scan(struct poll_ctx *c, struct pollfd *fds)
{
	nfds_t i, j;
	int nours = 0;

	shim_lock();
	/* XTCP_SPIN_US: take frames in ourselves meanwhile; and
	 * XTCP_DEVWAIT: the device woke us */
	if (c->devready)
		shim_devwait_take();
	else if (c->spin_end != 0 && shim_now_us() < c->spin_end)
		shim_poll_device();
	shim_thr_drain(c->t);
	for (j = 0; j < c->nslots; j++) {
		i = c->slots[j].idx;
		fds[i].revents = sock_revents(c->slots[j].s, fds[i].events);
		if (fds[i].revents != 0)
			nours++;
	}
	/* keep (or take) the device's watch while we sleep; give it up
	 * when returning (poll_release does too).  A poll that does not
	 * sleep (timeout 0) leaves the device to the engine thread. */
	c->devfd = -1;
	if (nours == 0 && c->deadline_us > shim_now_us())
		c->devfd = shim_devwait_claim(c->t, c->t->bell >= 0);
	else
		shim_devwait_release(c->t);
	shim_unlock();
	return (nours);
}

/* How long the kernel may sleep: not at all when one of ours is ready or
 * we spin, else until the deadline (NULL: forever). */
static const struct timespec *
poll_timeout(const struct poll_ctx *c, int nours, struct timespec *ts)
{
	uint64_t now, left;

	now = shim_now_us();
	if (nours > 0 || (now < c->spin_end && now < c->deadline_us))
		left = 0;
	else if (c->deadline_us == UINT64_MAX)
		left = UINT64_MAX;
	else
		left = now < c->deadline_us ? c->deadline_us - now : 0;
	if (c->t->bell < 0 && left > POLL_SLICE_US)
		left = POLL_SLICE_US;
	if (left == UINT64_MAX)
		return (NULL);
	ts->tv_sec = left / 1000000;
	ts->tv_nsec = (left % 1000000) * 1000;
	return (ts);
}

/* The kernel's revents into fds (ours are left as poll_scan set them);
 * returns how many host fds are ready. */
static int
poll_host(struct poll_ctx *c, struct pollfd *fds, nfds_t nfds)
{
	nfds_t i;
	int nhost = 0;

	c->devready = c->devfd >= 0 && (c->kfds[nfds + 1].revents & POLLIN);
	for (i = 0; i < nfds; i++) {
		if (c->kfds[i].fd < 0 && fds[i].fd >= 0)
			continue;	/* one of ours */
		fds[i].revents = c->kfds[i].revents;
		if (c->kfds[i].revents != 0)
			nhost++;
	}
	return (nhost);
}

/*
 * ppoll(2) of the kernel's copy of the set.  The kernel refuses a set
 * longer than RLIMIT_NOFILE with EINVAL, counting the entries it ignores
 * (ours, set to -1, and a device slot not in use); a sandbox lowers the
 * limit to 1 (OpenSSH's pre-authentication child polls one socket, ours,
 * and the kernel then sees our bell).  On EINVAL, ask again with the
 * live entries only.
 */
static int
kernel_ppoll(struct pollfd *kfds, nfds_t n, const struct timespec *tsp,
    const sigset_t *mask)
{
	struct pollfd small[POLL_STACK + 2], *k;
	nfds_t i, j, m = 0;
	int r, e;

	r = real_ppoll(kfds, n, tsp, mask);
	if (r >= 0 || errno != EINVAL)
		return (r);
	for (i = 0; i < n; i++)
		if (kfds[i].fd >= 0)
			m++;
	if (m == n)
		return (r);
	k = m <= POLL_STACK + 2 ? small : malloc(m * sizeof(*k));
	if (k == NULL)
		return (shim_fail_errno(ENOMEM));
	for (i = 0, j = 0; i < n; i++)
		if (kfds[i].fd >= 0)
			k[j++] = kfds[i];
	r = real_ppoll(k, m, tsp, mask);
	e = errno;
	for (i = 0, j = 0; i < n; i++)
		kfds[i].revents = kfds[i].fd >= 0 ? k[j++].revents : 0;
	if (k != small)
		free(k);
	errno = e;
	return (r);
}

/* Until something is ready or the deadline passes: ours under the lock,
 * then the kernel's (with our bell and maybe the device) in ppoll.
 * Leaves the result in c->r (and c->err). */
static void
poll_loop(struct poll_ctx *c, struct pollfd *fds, nfds_t nfds,
    const sigset_t *mask)
{
	const struct timespec *tsp;
	struct timespec ts;
	int r, nours, nhost;

	for (;;) {
		nours = poll_scan(c, fds);
		c->kfds[nfds + 1].fd = c->devfd;	/* -1: skipped */
		c->kfds[nfds + 1].events = POLLIN;
		c->kfds[nfds + 1].revents = 0;
		tsp = poll_timeout(c, nours, &ts);
		r = kernel_ppoll(c->kfds, nfds + 2, tsp, c->sigblocked &&
		    mask == NULL ? &c->sigold : mask);
		if (r < 0) {
			c->err = errno;
			c->r = r;
			return;
		}
		nhost = poll_host(c, fds, nfds);
		if (nours + nhost > 0) {
			c->r = nours + nhost;
			return;
		}
		if (shim_now_us() >= c->deadline_us) {
			c->r = 0;
			return;
		}
		/*
		 * Woken for nothing (our bell, the device, a slice): scan
		 * again.  A signal caught during that scan must still end
		 * the wait with EINTR, as the kernel's poll ends on one that
		 * is pending, so signals stay blocked outside ppoll from now
		 * on and ppoll's mask lets them in (as pselect(2) does).
		 * The first scan needs none of this: a signal then is one
		 * caught before the call.
		 */
		if (!c->sigblocked) {
			sigset_t all;

			sigfillset(&all);
			if (pthread_sigmask(SIG_BLOCK, &all, &c->sigold) == 0)
				c->sigblocked = 1;
		}
	}
}

/*
 * The common path of poll, ppoll, select and pselect when the set holds
 * one of ours.  deadline_us is absolute (UINT64_MAX: none).  Returns as
 * ppoll(2).
 */
static int
poll_ours(struct pollfd *fds, nfds_t nfds, uint64_t deadline_us,
    const sigset_t *mask)
{
	struct pollfd kstack[POLL_STACK + 2];
	struct poll_slot sstack[POLL_STACK];
	struct poll_ctx c;

	if (nfds > (nfds_t)fdmap_limit())
		return (shim_fail_errno(EINVAL));
	memset(&c, 0, sizeof(c));
	if (nfds <= POLL_STACK) {
		c.kfds = kstack;
		c.slots = sstack;
	} else {
		c.heap = malloc((nfds + 2) * sizeof(*c.kfds) +
		    nfds * sizeof(*c.slots));
		if (c.heap == NULL)
			return (shim_fail_errno(ENOMEM));
		c.kfds = c.heap;
		c.slots = (struct poll_slot *)(c.kfds + nfds + 2);
	}
	c.deadline_us = deadline_us;
	c.devfd = -1;
	poll_take(&c, fds, nfds);
	c.spin_end = deadline_us <= shim_now_us() ? 0 : shim_spin_end();
	pthread_cleanup_push(poll_release, &c);
	poll_loop(&c, fds, nfds, mask);
	pthread_cleanup_pop(1);
	if (c.r < 0)
		errno = c.err;
	return (c.r);
}

static uint64_t
ts_deadline(const struct timespec *ts)
{
	if (ts == NULL)
		return (UINT64_MAX);
	return (shim_now_us() + (uint64_t)ts->tv_sec * 1000000 +
	    (uint64_t)ts->tv_nsec / 1000);
}

static int
do_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	if (!has_ours(fds, nfds))
		return (real_poll(fds, nfds, timeout));
	return (poll_ours(fds, nfds, timeout < 0 ? UINT64_MAX :
	    shim_now_us() + (uint64_t)timeout * 1000, NULL));
}

static int
do_ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *ts,
    const sigset_t *mask)
{
	if (!has_ours(fds, nfds))
		return (real_ppoll(fds, nfds, ts, mask));
	if (ts != NULL && (ts->tv_sec < 0 || ts->tv_nsec < 0 ||
	    ts->tv_nsec >= 1000000000))
		return (shim_fail_errno(EINVAL));
	return (poll_ours(fds, nfds, ts_deadline(ts), mask));
}

SHIM_EXPORT int
poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	shim_init();
	return (do_poll(fds, nfds, timeout));
}

SHIM_EXPORT int
ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *ts,
    const sigset_t *mask)
{
	shim_init();
	return (do_ppoll(fds, nfds, ts, mask));
}

/* fortified: an overflowing nfds is glibc's to report */
SHIM_EXPORT int
__poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen)
{
	shim_init();
	if (fdslen / sizeof(*fds) < nfds && real___poll_chk != NULL)
		return (real___poll_chk(fds, nfds, timeout, fdslen));
	return (do_poll(fds, nfds, timeout));
}

SHIM_EXPORT int
__ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *ts,
    const sigset_t *mask, size_t fdslen)
{
	shim_init();
	if (fdslen / sizeof(*fds) < nfds && real___ppoll_chk != NULL)
		return (real___ppoll_chk(fds, nfds, ts, mask, fdslen));
	return (do_ppoll(fds, nfds, ts, mask));
}

/* ---- select ---- */

static int
sel_has_ours(int nfds, const fd_set *rd, const fd_set *wr, const fd_set *ex)
{
	int fd;

	for (fd = 0; fd < nfds; fd++)
		if ((shim_fdset_isset(rd, fd) || shim_fdset_isset(wr, fd) ||
		    shim_fdset_isset(ex, fd)) && FDM_IS_SOCK(fdmap_peek(fd)))
			return (1);
	return (0);
}

/* select as poll (the sets' translation is ready.c's) */
static int
select_ours(int nfds, fd_set *rd, fd_set *wr, fd_set *ex,
    uint64_t deadline_us, const sigset_t *mask)
{
	struct pollfd *pfds;
	int n, r;

	n = shim_sel_to_poll(nfds, rd, wr, ex, NULL);
	if ((pfds = calloc(n, sizeof(*pfds))) == NULL)
		return (shim_fail_errno(ENOMEM));
	(void)shim_sel_to_poll(nfds, rd, wr, ex, pfds);
	r = poll_ours(pfds, n, deadline_us, mask);
	if (r >= 0 && (r = shim_sel_from_poll(pfds, n, nfds, rd, wr,
	    ex)) < 0) {
		free(pfds);
		return (shim_fail_errno(EBADF));
	}
	free(pfds);
	return (r);
}

SHIM_EXPORT int
select(int nfds, fd_set *restrict rd, fd_set *restrict wr,
    fd_set *restrict ex, struct timeval *restrict tv)
{
	uint64_t deadline, now;
	int r;

	shim_init();
	if (nfds < 0 || nfds > fdmap_limit() ||
	    !sel_has_ours(nfds, rd, wr, ex))
		return (real_select(nfds, rd, wr, ex, tv));
	if (tv != NULL && (tv->tv_sec < 0 || tv->tv_usec < 0))
		return (shim_fail_errno(EINVAL));
	deadline = tv == NULL ? UINT64_MAX : shim_now_us() +
	    (uint64_t)tv->tv_sec * 1000000 + (uint64_t)tv->tv_usec;
	r = select_ours(nfds, rd, wr, ex, deadline, NULL);
	if (tv != NULL) {
		/* Linux select(2) leaves the time not slept in *tv */
		now = shim_now_us();
		now = now < deadline ? deadline - now : 0;
		tv->tv_sec = now / 1000000;
		tv->tv_usec = now % 1000000;
	}
	return (r);
}

SHIM_EXPORT int
pselect(int nfds, fd_set *restrict rd, fd_set *restrict wr,
    fd_set *restrict ex, const struct timespec *restrict ts,
    const sigset_t *restrict mask)
{
	shim_init();
	if (nfds < 0 || nfds > fdmap_limit() ||
	    !sel_has_ours(nfds, rd, wr, ex))
		return (real_pselect(nfds, rd, wr, ex, ts, mask));
	if (ts != NULL && (ts->tv_sec < 0 || ts->tv_nsec < 0 ||
	    ts->tv_nsec >= 1000000000))
		return (shim_fail_errno(EINVAL));
	return (select_ours(nfds, rd, wr, ex, ts_deadline(ts), mask));
}

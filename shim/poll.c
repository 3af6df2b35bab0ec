/*
 * poll.c - poll, ppoll, select, pselect over sets that may hold our
 * sockets (epoll is in epoll.c).  None of them is restarted after a
 * signal handler, on Linux or here (ppoll fails with EINTR).
 *
 * Sets without our fds go straight to libc.  Otherwise, in a loop: under
 * the lock, compute our fds' revents from xtcp_poll(); then ppoll the
 * kernel fds together with this thread's bell, with a zero timeout if one
 * of ours is ready, else the time left.  Our sockets ring the bell when
 * they change (core.c), so the loop wakes for either side.
 */
#include "prelude.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

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

struct poll_ctx {
	struct shim_thr		*t;
	struct poll_slot	*slots;
	nfds_t			 nslots;
	void			*heap;		/* to free, or NULL */
};

static short	sock_revents(struct shim_sock *s, short events);
static void	poll_release(void *arg);
static int	has_ours(const struct pollfd *fds, nfds_t nfds);
static int	poll_ours(struct pollfd *fds, nfds_t nfds,
		    uint64_t deadline_us, const sigset_t *mask);
static uint64_t	ts_deadline(const struct timespec *ts);
static int	do_poll(struct pollfd *fds, nfds_t nfds, int timeout);
static int	do_ppoll(struct pollfd *fds, nfds_t nfds,
		    const struct timespec *ts, const sigset_t *mask);
static int	bit_isset(const fd_set *set, int fd);
static void	bit_set(fd_set *set, int fd);
static void	bits_zero(fd_set *set, int nfds);
static int	sel_has_ours(int nfds, const fd_set *rd, const fd_set *wr,
		    const fd_set *ex);
static int	select_ours(int nfds, fd_set *rd, fd_set *wr, fd_set *ex,
		    uint64_t deadline_us, const sigset_t *mask);

static short
sock_revents(struct shim_sock *s, short events)
{
	unsigned ev;

	if (s->nfds == 0 || s->xs == NULL)
		return (POLLNVAL);	/* closed under us */
	ev = shim_sock_poll(s);
	/* Linux sockets report the NORM bits along with IN and OUT */
	if (ev & XTCP_POLLIN)
		ev |= POLLRDNORM;
	if (ev & XTCP_POLLOUT)
		ev |= POLLWRNORM;
	return ((short)(ev & ((unsigned short)events | POLLERR | POLLHUP)));
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

/*
 * The common loop.  deadline_us is absolute (UINT64_MAX: none).  Returns
 * as ppoll(2).
 */
static int
poll_ours(struct pollfd *fds, nfds_t nfds, uint64_t deadline_us,
    const sigset_t *mask)
{
	struct pollfd kstack[POLL_STACK + 2], *kfds;
	struct poll_slot sstack[POLL_STACK];
	struct timespec ts, *tsp;
	struct poll_ctx c;
	struct shim_sock *s;
	uint64_t now, left, spin_end;
	nfds_t i, j;
	int r, err = 0, nours, nhost, devfd = -1, devready = 0;
	uintptr_t v;

	if (nfds > (nfds_t)fdmap_limit())
		return (shim_fail_errno(EINVAL));
	memset(&c, 0, sizeof(c));
	if (nfds <= POLL_STACK) {
		kfds = kstack;
		c.slots = sstack;
	} else {
		c.heap = malloc((nfds + 2) * sizeof(*kfds) +
		    nfds * sizeof(*c.slots));
		if (c.heap == NULL)
			return (shim_fail_errno(ENOMEM));
		kfds = c.heap;
		c.slots = (struct poll_slot *)(kfds + nfds + 2);
	}

	/* take our sockets and sit on each one's waiter list */
	shim_lock();
	c.t = shim_thr_get();
	for (i = 0; i < nfds; i++) {
		kfds[i].fd = fds[i].fd;
		kfds[i].events = fds[i].events;
		v = fdmap_peek(fds[i].fd);
		if (!FDM_IS_SOCK(v))
			continue;
		s = (struct shim_sock *)v;
		s->refs++;
		c.slots[c.nslots].idx = i;
		c.slots[c.nslots].s = s;
		shim_waiter_add(s, &c.slots[c.nslots].w, c.t);
		c.nslots++;
		kfds[i].fd = -1;	/* the kernel ignores it */
	}
	shim_unlock();
	kfds[nfds].fd = c.t->bell;
	kfds[nfds].events = POLLIN;

	spin_end = deadline_us <= shim_now_us() ? 0 : shim_spin_end();
	pthread_cleanup_push(poll_release, &c);
	for (;;) {
		shim_lock();
		/* XTCP_SPIN_US: take frames in ourselves meanwhile; and
		 * XTCP_DEVWAIT: the device woke us */
		shim_devwait_release(c.t);
		if (devready || (spin_end != 0 && shim_now_us() < spin_end))
			shim_poll_device();
		shim_thr_drain(c.t);
		nours = 0;
		for (j = 0; j < c.nslots; j++) {
			i = c.slots[j].idx;
			fds[i].revents = sock_revents(c.slots[j].s,
			    fds[i].events);
			if (fds[i].revents != 0)
				nours++;
		}
		devfd = nours == 0 ? shim_devwait_claim(c.t) : -1;
		shim_unlock();
		kfds[nfds + 1].fd = devfd;	/* -1: skipped */
		kfds[nfds + 1].events = POLLIN;
		kfds[nfds + 1].revents = 0;

		now = shim_now_us();
		if (nours > 0 || (now < spin_end && now < deadline_us))
			left = 0;
		else if (deadline_us == UINT64_MAX)
			left = UINT64_MAX;
		else
			left = now < deadline_us ? deadline_us - now : 0;
		if (c.t->bell < 0 && left > POLL_SLICE_US)
			left = POLL_SLICE_US;
		tsp = NULL;
		if (left != UINT64_MAX) {
			ts.tv_sec = left / 1000000;
			ts.tv_nsec = (left % 1000000) * 1000;
			tsp = &ts;
		}
		r = real_ppoll(kfds, nfds + 2, tsp, mask);
		if (r < 0) {
			err = errno;
			break;
		}
		devready = devfd >= 0 && (kfds[nfds + 1].revents & POLLIN);
		nhost = 0;
		for (i = 0; i < nfds; i++) {
			if (kfds[i].fd < 0 && fds[i].fd >= 0)
				continue;	/* one of ours */
			fds[i].revents = kfds[i].revents;
			if (kfds[i].revents != 0)
				nhost++;
		}
		if (nours + nhost > 0) {
			r = nours + nhost;
			break;
		}
		if (shim_now_us() >= deadline_us) {
			r = 0;
			break;
		}
	}
	pthread_cleanup_pop(1);
	if (r < 0)
		errno = err;
	return (r);
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

/* fd_set as a plain bit array, so nfds beyond FD_SETSIZE work too */
#define BITS	(8 * sizeof(unsigned long))

static int
bit_isset(const fd_set *set, int fd)
{
	const unsigned long *w = (const unsigned long *)(const void *)set;

	return (set != NULL && (w[fd / BITS] >> (fd % BITS)) & 1);
}

static void
bit_set(fd_set *set, int fd)
{
	unsigned long *w = (unsigned long *)(void *)set;

	w[fd / BITS] |= 1UL << (fd % BITS);
}

static void
bits_zero(fd_set *set, int nfds)
{
	if (set != NULL)
		memset(set, 0, ((size_t)nfds + BITS - 1) / BITS *
		    sizeof(unsigned long));
}

static int
sel_has_ours(int nfds, const fd_set *rd, const fd_set *wr, const fd_set *ex)
{
	int fd;

	for (fd = 0; fd < nfds; fd++)
		if ((bit_isset(rd, fd) || bit_isset(wr, fd) ||
		    bit_isset(ex, fd)) && FDM_IS_SOCK(fdmap_peek(fd)))
			return (1);
	return (0);
}

/* select as poll (Linux fs/select.c: POLLIN_SET, POLLOUT_SET, POLLEX_SET) */
static int
select_ours(int nfds, fd_set *rd, fd_set *wr, fd_set *ex,
    uint64_t deadline_us, const sigset_t *mask)
{
	struct pollfd *pfds;
	int fd, n = 0, r, ready;

	for (fd = 0; fd < nfds; fd++)
		if (bit_isset(rd, fd) || bit_isset(wr, fd) ||
		    bit_isset(ex, fd))
			n++;
	if ((pfds = calloc(n, sizeof(*pfds))) == NULL)
		return (shim_fail_errno(ENOMEM));
	for (fd = 0, n = 0; fd < nfds; fd++) {
		if (!bit_isset(rd, fd) && !bit_isset(wr, fd) &&
		    !bit_isset(ex, fd))
			continue;
		pfds[n].fd = fd;
		pfds[n].events = (bit_isset(rd, fd) ? POLLIN : 0) |
		    (bit_isset(wr, fd) ? POLLOUT : 0) |
		    (bit_isset(ex, fd) ? POLLPRI : 0);
		n++;
	}
	r = poll_ours(pfds, n, deadline_us, mask);
	if (r < 0) {
		free(pfds);
		return (-1);
	}
	for (fd = 0; fd < n; fd++)
		if (pfds[fd].revents & POLLNVAL) {
			free(pfds);
			return (shim_fail_errno(EBADF));
		}
	bits_zero(rd, nfds);
	bits_zero(wr, nfds);
	bits_zero(ex, nfds);
	ready = 0;
	for (fd = 0; fd < n; fd++) {
		r = pfds[fd].revents;
		if ((pfds[fd].events & POLLIN) &&
		    (r & (POLLIN | POLLRDNORM | POLLHUP | POLLERR))) {
			bit_set(rd, pfds[fd].fd);
			ready++;
		}
		if ((pfds[fd].events & POLLOUT) &&
		    (r & (POLLOUT | POLLWRNORM | POLLERR))) {
			bit_set(wr, pfds[fd].fd);
			ready++;
		}
		if ((pfds[fd].events & POLLPRI) && (r & POLLPRI)) {
			bit_set(ex, pfds[fd].fd);
			ready++;
		}
	}
	free(pfds);
	return (ready);
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

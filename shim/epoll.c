/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * epoll.c - epoll_create*, epoll_ctl and epoll_wait/epoll_pwait/
 * epoll_pwait2 over sets that may hold our sockets.
 *
 * The kernel keeps the set: pipes, files, timerfds and kernel sockets are
 * registered in it as usual.  Our sockets are not (their eventfds could
 * not say "writable" or "not writable" exactly); instead the shim keeps,
 * per epoll set, a table of their registrations (fd, events, data), and
 * registers ONE internal eventfd of its own, the set's "bell", in the
 * kernel set with EPOLLIN, level-triggered, and data EP_MAGIC.
 *
 * This is the kernel's own design (fs/eventpoll.c) moved up a layer: each
 * set has a ready list; when a socket changes (the engine's wakeup, or a
 * hook touching it; core.c calls shim_ep_sock_changed() when the engine
 * lock is released) its registrations that may now report are put on
 * their set's ready list, and the bell is made readable while that list
 * is not empty.  epoll_wait takes the ready list under the lock, polls
 * each entry again (xtcp_poll, so EPOLLOUT is exact: a finished connect
 * shows, a full send buffer does not), reports what is ready, keeps
 * level-triggered entries on the list (at its end, for fairness) and
 * drops edge-triggered and one-shot ones; then it asks the kernel for the
 * rest of the set, without sleeping if it already has events.  A kernel
 * event for the bell only means "look at the ready list again"; the
 * program never sees it.  Which registration is queued on a change and
 * what it reports (level-triggered, edge-triggered, one-shot) is computed
 * in ready.c, which the unit tests reach without hooks; this file keeps
 * the lists, the bells and the kernel's side.
 *
 * Because the bell is a real fd in the kernel set, the set's own fd is
 * readable exactly when it has something to report, so an epoll fd inside
 * another epoll set (or in poll/select) works.
 *
 * Edge-triggered: Linux reports a TCP socket again whenever it is woken
 * with a matching event, in particular on every arrival of new data even
 * if older data is still unread, and a listener once per new connection.
 * The shim keeps per socket the readiness and the engine's event counter
 * (xtcp_sock_evseq: bumped on data, FIN, error and each connection ready
 * to accept) seen at the last scan; a registration is queued when one of
 * its bits rose, or when the counter moved while the socket is readable.
 *
 * Registrations belong to (set, fd number, socket) as Linux's belong to
 * (set, fd number, open file): a dup of a registered fd is not itself
 * registered, and closing the registered fd while a dup keeps the socket
 * open leaves the registration in place.  They are dropped when the
 * socket's last fd closes, as Linux drops them on the file's last close
 * (eventpoll_release).  Simplification: the shim knows a set by its fd
 * number, so a set used through a dup of its epoll fd reports only the
 * kernel's fds.  In a fork child the sets shared with the parent keep
 * their registrations, without a bell of the child's own: the child
 * re-checks them every EP_CHILD_SLICE_MS, and the parent's bell events
 * are filtered out.
 */
#include "prelude.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ready.h"
#include "shim.h"

/* data of the bell in the kernel set ("xtcp-ep!"), never shown */
#define EP_MAGIC	0x7874637065702100ULL
/* what may come with EPOLLEXCLUSIVE (Linux EPOLLEXCLUSIVE_OK_BITS) */
#define EP_EXCL_OK	(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | \
			 EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE | \
			 EPOLLRDNORM | EPOLLRDBAND | EPOLLWRNORM | \
			 EPOLLWRBAND)
/* Linux EP_MAX_EVENTS */
#define EP_MAX_EVENTS	(INT32_MAX / (int)sizeof(struct epoll_event))
/* a fork child sharing a set with its parent re-checks this often */
#define EP_CHILD_SLICE_MS 10

struct shim_ep;

struct shim_ep_reg {
	struct shim_ep		*ep;
	struct shim_sock	*s;
	int			 fd;
	uint32_t		 events;	/* with EPOLLERR | EPOLLHUP */
	epoll_data_t		 data;
	uint32_t		 pending;	/* ET: rose since last report */
	int			 queued;	/* on ep's ready list */
	struct shim_ep_reg	*s_next;	/* s->epregs */
	struct shim_ep_reg	*ep_next;	/* ep->regs */
	struct shim_ep_reg	*ep_prev;
	struct shim_ep_reg	*rd_next;	/* ep's ready list */
	struct shim_ep_reg	*rd_prev;
};

struct shim_ep {
	int			 epfd;
	int			 bell;		/* -1 in a fork child */
	int			 bell_set;	/* bell holds a count */
	struct shim_ep_reg	*regs;
	struct shim_ep_reg	*rd_head;
	struct shim_ep_reg	*rd_tail;
	struct shim_ep		*next;
};

static struct shim_ep	*ep_list;		/* lock */
static atomic_int	 ep_count;		/* sets known, read unlocked */

static struct shim_ep *ep_lookup(int epfd);
static int	ep_get(int epfd, struct shim_ep **epp);
static void	ep_destroy(struct shim_ep *ep);
static void	ep_bell(struct shim_ep *ep);
static void	reg_enqueue(struct shim_ep_reg *r);
static void	reg_dequeue(struct shim_ep_reg *r);
static struct shim_ep_reg *reg_find(struct shim_sock *s, struct shim_ep *ep,
		    int fd);
static void	reg_free(struct shim_ep_reg *r);
static void	reg_arm(struct shim_ep_reg *r);
static void	sock_scan(struct shim_sock *s, unsigned *cur, uint32_t *seq);
static int	ep_collect(struct shim_ep *ep, struct epoll_event *evs,
		    int max);
static int	kernel_wait(int epfd, struct epoll_event *evs, int max,
		    int ms, const sigset_t *mask);
static int	ctl_ours(struct shim_sock *s, int epfd, int op, int fd,
		    struct epoll_event *ev);
static void	ep_release(void *arg);
static int	ep_wait_loop(int epfd, struct epoll_event *evs, int max,
		    int64_t timeout_us, const sigset_t *mask, int *claimed);
static int	ep_wait(int epfd, struct epoll_event *evs, int max,
		    int64_t timeout_us, const sigset_t *mask);
static void	ep_created(int fd);

/* ---- sets ---- */

static struct shim_ep *
ep_lookup(int epfd)
{
	struct shim_ep *ep;

	for (ep = ep_list; ep != NULL; ep = ep->next)
		if (ep->epfd == epfd)
			return (ep);
	return (NULL);
}

/*
 * The table of epfd, made on first use: a bell registered in the kernel
 * set (which also checks that epfd is an epoll fd).  A table whose bell
 * the kernel set no longer holds is left over from a closed set whose
 * number was reused behind our back: start afresh.  0 or errno.
 */
static int
ep_get(int epfd, struct shim_ep **epp)
{
	struct epoll_event kev;
	struct shim_ep *ep;
	int err;

	memset(&kev, 0, sizeof(kev));
	kev.events = EPOLLIN;
	kev.data.u64 = EP_MAGIC;
	if ((ep = ep_lookup(epfd)) != NULL) {
		if (ep->bell >= 0 && real_epoll_ctl(epfd, EPOLL_CTL_MOD,
		    ep->bell, &kev) == 0) {
			*epp = ep;
			return (0);
		}
		ep_destroy(ep);
	}
	if ((ep = calloc(1, sizeof(*ep))) == NULL)
		return (ENOMEM);
	ep->epfd = epfd;
	if ((ep->bell = shim_internal_eventfd()) < 0) {
		err = errno;
		free(ep);
		return (err);
	}
	if (real_epoll_ctl(epfd, EPOLL_CTL_ADD, ep->bell, &kev) != 0) {
		err = errno;
		fdmap_clear(ep->bell);
		(void)syscall(SYS_close, ep->bell);
		free(ep);
		return (err);
	}
	ep->next = ep_list;
	ep_list = ep;
	atomic_fetch_add(&ep_count, 1);
	*epp = ep;
	return (0);
}

static void
ep_destroy(struct shim_ep *ep)
{
	struct shim_ep **pp;

	while (ep->regs != NULL)
		reg_free(ep->regs);
	if (ep->bell >= 0) {
		/* closing it takes it out of the kernel set too */
		fdmap_clear(ep->bell);
		(void)syscall(SYS_close, ep->bell);
	}
	for (pp = &ep_list; *pp != NULL; pp = &(*pp)->next)
		if (*pp == ep) {
			*pp = ep->next;
			break;
		}
	atomic_fetch_sub(&ep_count, 1);
	free(ep);
}

/* The bell is readable exactly while the ready list is not empty. */
static void
ep_bell(struct shim_ep *ep)
{
	uint64_t v = 1;

	if (ep->bell < 0)
		return;
	if (ep->rd_head != NULL && !ep->bell_set) {
		(void)syscall(SYS_write, ep->bell, &v, sizeof(v));
		ep->bell_set = 1;
	} else if (ep->rd_head == NULL && ep->bell_set) {
		(void)syscall(SYS_read, ep->bell, &v, sizeof(v));
		ep->bell_set = 0;
	}
}

/* ---- registrations ---- */

static void
reg_enqueue(struct shim_ep_reg *r)
{
	struct shim_ep *ep = r->ep;

	if (r->queued)
		return;
	r->queued = 1;
	r->rd_next = NULL;
	r->rd_prev = ep->rd_tail;
	if (ep->rd_tail != NULL)
		ep->rd_tail->rd_next = r;
	else
		ep->rd_head = r;
	ep->rd_tail = r;
	ep_bell(ep);
}

static void
reg_dequeue(struct shim_ep_reg *r)
{
	struct shim_ep *ep = r->ep;

	if (!r->queued)
		return;
	if (r->rd_prev != NULL)
		r->rd_prev->rd_next = r->rd_next;
	else
		ep->rd_head = r->rd_next;
	if (r->rd_next != NULL)
		r->rd_next->rd_prev = r->rd_prev;
	else
		ep->rd_tail = r->rd_prev;
	r->rd_next = r->rd_prev = NULL;
	r->queued = 0;
}

static struct shim_ep_reg *
reg_find(struct shim_sock *s, struct shim_ep *ep, int fd)
{
	struct shim_ep_reg *r;

	for (r = s->epregs; r != NULL; r = r->s_next)
		if (r->ep == ep && r->fd == fd)
			return (r);
	return (NULL);
}

/* Unlink r from its socket, its set and the ready list, and free it. */
static void
reg_free(struct shim_ep_reg *r)
{
	struct shim_ep_reg **pp;
	struct shim_ep *ep = r->ep;

	reg_dequeue(r);
	if (r->s != NULL)
		for (pp = &r->s->epregs; *pp != NULL; pp = &(*pp)->s_next)
			if (*pp == r) {
				*pp = r->s_next;
				break;
			}
	if (r->ep_prev != NULL)
		r->ep_prev->ep_next = r->ep_next;
	else
		ep->regs = r->ep_next;
	if (r->ep_next != NULL)
		r->ep_next->ep_prev = r->ep_prev;
	free(r);
	ep_bell(ep);
}

/* Readiness of s now, and its input event counter. */
static void
sock_scan(struct shim_sock *s, unsigned *cur, uint32_t *seq)
{
	*cur = shim_ready_epoll(shim_sock_poll(s));
	*seq = s->xs != NULL ? xtcp_sock_evseq(s->xs) : 0;
}

/*
 * ADD or MOD: as Linux ep_insert/ep_modify, poll at once and queue the
 * registration if it is ready (for ET: that counts as an edge).
 */
static void
reg_arm(struct shim_ep_reg *r)
{
	struct shim_sock *s = r->s;
	unsigned cur;
	uint32_t seq;

	sock_scan(s, &cur, &seq);
	s->ep_last = cur;
	s->ep_seq = seq;
	r->pending = cur & r->events;
	reg_dequeue(r);
	if (r->pending != 0)
		reg_enqueue(r);
}

void
shim_ep_sock_changed(struct shim_sock *s)
{
	struct shim_ep_reg *r;
	unsigned cur, rose;
	uint32_t seq;

	sock_scan(s, &cur, &seq);
	rose = shim_ep_rose(cur, s->ep_last, seq, s->ep_seq);
	s->ep_last = cur;
	s->ep_seq = seq;
	for (r = s->epregs; r != NULL; r = r->s_next) {
		switch (shim_ep_on_change(r->events, cur, rose, &r->pending)) {
		case SHIM_EP_UNQUEUE:
			/* no longer ready: off the list, so the set's fd
			 * (in an outer set, or poll) reads quiet, as Linux
			 * ep_eventpoll_poll re-polls its ready list */
			if (r->queued) {
				reg_dequeue(r);
				r->pending = 0;
				ep_bell(r->ep);
			}
			break;
		case SHIM_EP_KEEP:
			break;
		case SHIM_EP_QUEUE:
			reg_enqueue(r);
			break;
		}
	}
}

void
shim_ep_sock_gone(struct shim_sock *s)
{
	while (s->epregs != NULL)
		reg_free(s->epregs);
}

void
shim_ep_handover(struct shim_sock *s, int fd)
{
	struct shim_ep_reg *r, *next;
	struct epoll_event kev;

	for (r = s->epregs; r != NULL; r = next) {
		next = r->s_next;
		if (r->fd != fd)
			continue;
		memset(&kev, 0, sizeof(kev));
		kev.events = r->events;
		kev.data = r->data;
		if (real_epoll_ctl(r->ep->epfd, EPOLL_CTL_ADD, fd, &kev) != 0)
			shim_log(XTCP_LOG_WARN, "handover: fd %d lost its "
			    "epoll registration: %s", fd, strerror(errno));
		reg_free(r);
	}
}

void
shim_ep_host_close(int fd)
{
	struct shim_ep *ep;

	if (atomic_load(&ep_count) == 0)
		return;
	shim_lock();
	if ((ep = ep_lookup(fd)) != NULL)
		ep_destroy(ep);
	shim_unlock();
}

/*
 * Fork child; the bells are closed (they were the parent's).  family:
 * the sockets live on in the child, and so do its registrations in the
 * sets it shares with the parent, which it re-checks every
 * EP_CHILD_SLICE_MS without a bell.  Else the sockets are dead.
 */
void
shim_ep_fork_child(int family)
{
	struct shim_ep *ep;
	struct shim_ep_reg *r, *next;

	for (ep = ep_list; ep != NULL; ep = ep->next) {
		ep->bell = -1;
		ep->bell_set = 0;
		if (family)
			continue;
		for (r = ep->regs; r != NULL; r = next) {
			next = r->ep_next;
			if (r->s != NULL)
				r->s->epregs = NULL;
			free(r);
		}
		ep->regs = ep->rd_head = ep->rd_tail = NULL;
		ep->bell = -1;
		ep->bell_set = 0;
	}
}

/* A new epoll fd: whatever we knew of that number is stale. */
static void
ep_created(int fd)
{
	struct shim_ep *ep;

	if (fd < 0 || atomic_load(&ep_count) == 0)
		return;
	shim_lock();
	if ((ep = ep_lookup(fd)) != NULL)
		ep_destroy(ep);
	shim_unlock();
}

/* ---- epoll_ctl ---- */

/* fd is ours: lock held, s referenced by the caller.  0 or errno. */
static int
ctl_ours(struct shim_sock *s, int epfd, int op, int fd,
    struct epoll_event *ev)
{
	struct shim_ep_reg *r;
	struct shim_ep *ep = NULL;	/* set below; the compiler cannot tell */
	uint32_t events = 0;
	int err;

	if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD &&
	    op != EPOLL_CTL_DEL)
		return (EINVAL);
	if (op != EPOLL_CTL_DEL) {
		if (ev == NULL)
			return (EFAULT);
		events = ev->events;
	}
	if (epfd == fd)
		return (EINVAL);
	/* Linux ep_ctl: EPOLLEXCLUSIVE only on ADD, with few companions */
	if ((events & EPOLLEXCLUSIVE) != 0 && (op == EPOLL_CTL_MOD ||
	    (events & ~EP_EXCL_OK) != 0))
		return (EINVAL);
	if (op != EPOLL_CTL_ADD && ep_lookup(epfd) == NULL) {
		/* nothing of ours there: let the kernel judge epfd
		 * (EBADF, EINVAL) or say ENOENT */
		if (real_epoll_ctl(epfd, op, fd, ev) == 0)
			return (0);
		return (errno);
	}
	if (op == EPOLL_CTL_ADD) {
		if ((err = ep_get(epfd, &ep)) != 0)
			return (err);
	} else
		ep = ep_lookup(epfd);
	r = reg_find(s, ep, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		if (r != NULL)
			return (EEXIST);
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return (ENOMEM);
		r->ep = ep;
		r->s = s;
		r->fd = fd;
		r->s_next = s->epregs;
		s->epregs = r;
		r->ep_next = ep->regs;
		if (ep->regs != NULL)
			ep->regs->ep_prev = r;
		ep->regs = r;
		break;
	case EPOLL_CTL_MOD:
		if (r == NULL)
			return (ENOENT);
		if (r->events & EPOLLEXCLUSIVE)
			return (EINVAL);
		break;
	default:
		if (r == NULL)
			return (ENOENT);
		reg_free(r);
		return (0);
	}
	/* Linux always watches for these */
	r->events = events | EPOLLERR | EPOLLHUP;
	r->data = ev->data;
	reg_arm(r);
	return (0);
}

SHIM_EXPORT int
epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	struct shim_sock *s;
	int err;

	shim_init();
	if (real_epoll_ctl == NULL)
		return (shim_fail_errno(ENOSYS));
	if (shim_fd_get(fd, &s) != SHIM_FD_OURS)
		return (real_epoll_ctl(epfd, op, fd, ev));
	err = ctl_ours(s, epfd, op, fd, ev);
	shim_sock_put(s);
	return (err == 0 ? 0 : shim_fail_errno(err));
}

SHIM_EXPORT int
epoll_create(int size)
{
	int fd;

	shim_init();
	fd = real_epoll_create != NULL ? real_epoll_create(size) :
	    (int)syscall(SYS_epoll_create1, size <= 0 ? -1 : 0);
	if (fd >= 0 && shim_loop_making())
		return (shim_loop_backend_made(fd));	/* libev's */
	ep_created(fd);
	return (fd);
}

SHIM_EXPORT int
epoll_create1(int flags)
{
	int fd;

	shim_init();
	fd = real_epoll_create1 != NULL ? real_epoll_create1(flags) :
	    (int)syscall(SYS_epoll_create1, flags);
	if (fd >= 0 && shim_loop_making())
		return (shim_loop_backend_made(fd));	/* libev's */
	ep_created(fd);
	return (fd);
}

/* ---- epoll_wait ---- */

/*
 * Take up to max ready registrations of ep into evs.  Lock held.  As
 * Linux ep_send_events: poll each again, skip what is no longer ready,
 * requeue level-triggered ones at the end, disarm one-shot ones.
 */
static int
ep_collect(struct shim_ep *ep, struct epoll_event *evs, int max)
{
	struct shim_ep_reg *r, *next, *again = NULL, *again_tail = NULL;
	unsigned cur;
	uint32_t seq, rev;
	int n = 0, requeue;

	for (r = ep->rd_head; r != NULL && n < max; r = next) {
		next = r->rd_next;
		reg_dequeue(r);
		sock_scan(r->s, &cur, &seq);
		rev = shim_ep_report(&r->events, &r->pending, cur, &requeue);
		if (rev == 0)
			continue;
		evs[n].events = rev;
		evs[n].data = r->data;
		n++;
		if (!requeue)
			continue;	/* edge-triggered or one-shot */
		/* level-triggered: report again next time if still ready */
		r->rd_next = NULL;
		if (again_tail != NULL)
			again_tail->rd_next = r;
		else
			again = r;
		again_tail = r;
	}
	for (r = again; r != NULL; r = next) {
		next = r->rd_next;
		reg_enqueue(r);
	}
	ep_bell(ep);
	return (n);
}

static int
kernel_wait(int epfd, struct epoll_event *evs, int max, int ms,
    const sigset_t *mask)
{
	if (real_epoll_pwait != NULL)
		return (real_epoll_pwait(epfd, evs, max, ms, mask));
	return ((int)syscall(SYS_epoll_pwait, epfd, evs, max, ms, mask,
	    _NSIG / 8));
}

/*
 * XTCP_DEVWAIT: sleep in ppoll on the epoll fd and the device (devfd),
 * taking frames in when the device turns readable, then collect the
 * kernel's events without sleeping.  Returns as kernel_wait; 0 with
 * *devready set when only the device woke us.
 */
static int
devwait_kernel(int epfd, int devfd, struct epoll_event *evs, int max,
    int ms, const sigset_t *mask, int *devready)
{
	struct pollfd pfd[2];
	struct timespec ts;
	int r;

	pfd[0].fd = epfd;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	pfd[1].fd = devfd;
	pfd[1].events = POLLIN;
	pfd[1].revents = 0;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	r = real_ppoll(pfd, 2, ms < 0 ? NULL : &ts, mask);
	if (r <= 0)
		return (r);
	*devready = (pfd[1].revents & POLLIN) != 0;
	if (pfd[0].revents == 0)
		return (0);
	return (kernel_wait(epfd, evs, max, 0, NULL));
}

/* Give up the device's watch, or stop being a sleeper (cancellation, or
 * the wait's end). */
static void
ep_release(void *arg)
{
	int *claimed = arg;

	if (!*claimed)
		return;
	shim_lock();
	shim_devwait_release(shim_thr_get());
	shim_unlock();
	*claimed = 0;
}

/*
 * The common loop.  timeout_us < 0: forever.  Returns as epoll_pwait.
 * Ours first (without sleeping in the kernel if there are any), then
 * the kernel's; a bell event sends us round again.  With nothing ready,
 * the thread may watch the device (core.c); it keeps the watch from pass
 * to pass and gives it up when it returns.
 */
static int
ep_wait(int epfd, struct epoll_event *evs, int max, int64_t timeout_us,
    const sigset_t *mask)
{
	int r, err, claimed = 0;

	if (max <= 0 || max > EP_MAX_EVENTS)
		return (shim_fail_errno(EINVAL));
	if (evs == NULL)
		return (shim_fail_errno(EFAULT));
	pthread_cleanup_push(ep_release, &claimed);
	r = ep_wait_loop(epfd, evs, max, timeout_us, mask, &claimed);
	err = errno;
	pthread_cleanup_pop(1);
	errno = err;
	return (r);
}

static int
ep_wait_loop(int epfd, struct epoll_event *evs, int max, int64_t timeout_us,
    const sigset_t *mask, int *claimed)
{
	struct shim_ep *ep;
	uint64_t deadline, now, left, spin_end;
	int n, k, i, j, ms, bell, child, pass, spinning, devfd, devready = 0;

	deadline = timeout_us < 0 ? UINT64_MAX :
	    shim_now_us() + (uint64_t)timeout_us;
	spin_end = timeout_us == 0 ? 0 : shim_spin_end();
	for (pass = 0; ; pass++) {
		n = 0;
		child = 0;
		devfd = -1;
		shim_lock();
		if ((ep = ep_lookup(epfd)) != NULL) {
			/* XTCP_SPIN_US: take frames in ourselves meanwhile;
			 * XTCP_DEVWAIT: the device woke us */
			if (devready)
				shim_devwait_take();
			else if (spin_end != 0)
				shim_poll_device();
			n = ep_collect(ep, evs, max);
			child = ep->bell < 0;
			if (n == 0 && !child && timeout_us != 0) {
				/* watching, or a sleeper (ep_release) */
				devfd = shim_devwait_claim(shim_thr_get(), 0);
				*claimed = 1;
			}
		}
		shim_unlock();
		devready = 0;
		if (ep == NULL && pass == 0)
			return (kernel_wait(epfd, evs, max, timeout_us < 0 ?
			    -1 : (int)((timeout_us + 999) / 1000), mask));
		if (n == max)
			return (n);
		now = shim_now_us();
		spinning = now < spin_end && now < deadline;
		if (n > 0 || now >= deadline || spinning)
			ms = 0;
		else if (deadline == UINT64_MAX)
			ms = -1;
		else {
			left = (deadline - now + 999) / 1000;
			ms = left > INT32_MAX ? INT32_MAX : (int)left;
		}
		if (child && ms != 0 && (ms < 0 || ms > EP_CHILD_SLICE_MS))
			ms = EP_CHILD_SLICE_MS;
		if (devfd >= 0 && ms != 0)
			k = devwait_kernel(epfd, devfd, evs + n, max - n, ms,
			    mask, &devready);
		else
			k = kernel_wait(epfd, evs + n, max - n, ms, mask);
		if (devfd >= 0 && k == 0 && devready)
			continue;		/* take the frames in, look again */
		if (k < 0) {
			if (n > 0)
				return (n);
			return (-1);
		}
		/* drop the bell's events */
		bell = 0;
		for (i = n, j = n; i < n + k; i++) {
			if (evs[i].data.u64 == EP_MAGIC) {
				bell = 1;
				continue;
			}
			evs[j++] = evs[i];
		}
		n = j;
		if (devready && n < max) {
			/* the device woke us too: its frames, our events */
			shim_lock();
			shim_devwait_take();
			if ((ep = ep_lookup(epfd)) != NULL)
				n += ep_collect(ep, evs + n, max - n);
			shim_unlock();
			devready = 0;
		}
		if (n > 0)
			return (n);
		if (spinning)
			continue;		/* still spinning: look again */
		if (!bell && !child)
			return (0);		/* the time is up */
		/* the bell: our ready list changed, look again */
		if (pass >= 2 && shim_now_us() >= deadline)
			return (0);
	}
}

SHIM_EXPORT int
epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout)
{
	shim_init();
	if (atomic_load(&ep_count) == 0)
		return (kernel_wait(epfd, evs, max, timeout, NULL));
	return (ep_wait(epfd, evs, max, timeout < 0 ? -1 :
	    (int64_t)timeout * 1000, NULL));
}

SHIM_EXPORT int
epoll_pwait(int epfd, struct epoll_event *evs, int max, int timeout,
    const sigset_t *mask)
{
	shim_init();
	if (atomic_load(&ep_count) == 0)
		return (kernel_wait(epfd, evs, max, timeout, mask));
	return (ep_wait(epfd, evs, max, timeout < 0 ? -1 :
	    (int64_t)timeout * 1000, mask));
}

SHIM_EXPORT int
epoll_pwait2(int epfd, struct epoll_event *evs, int max,
    const struct timespec *ts, const sigset_t *mask)
{
	shim_init();
	if (atomic_load(&ep_count) == 0) {
		if (real_epoll_pwait2 != NULL)
			return (real_epoll_pwait2(epfd, evs, max, ts, mask));
		return ((int)syscall(SYS_epoll_pwait2, epfd, evs, max, ts,
		    mask, _NSIG / 8));
	}
	if (ts != NULL && (ts->tv_sec < 0 || ts->tv_nsec < 0 ||
	    ts->tv_nsec >= 1000000000))
		return (shim_fail_errno(EINVAL));
	return (ep_wait(epfd, evs, max, ts == NULL ? -1 :
	    (int64_t)ts->tv_sec * 1000000 + ts->tv_nsec / 1000, mask));
}

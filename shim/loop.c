/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * loop.c - the engine thread: a private libev loop (STYLE.md section 14).
 *
 *	ev_io    on an epoll fd of our own that holds the device's wait fd
 *	         while no program thread watches the device: pull frames,
 *	         run the engine
 *	ev_timer re-armed to xtcp_engine_next_deadline() after every pass
 *	ev_io    on a "kick" eventfd, written by shim_loop_kick() when an
 *	         application thread moved the deadline earlier
 *
 * Run to completion (core.c): a program thread that waits on a stack
 * socket watches the device itself and takes in what arrives; meanwhile
 * the engine thread stands aside, so that a frame wakes one thread, not
 * two.  It cannot be told so without waking it, so it watches the device
 * through an epoll set of its own from which the waiting thread removes
 * the device (shim_loop_watch_dev), an epoll_ctl and no wake-up; once no
 * thread watches, the device goes back in, and a frame already waiting
 * then wakes the engine thread at once.  The engine thread keeps the
 * timers and the time when no program thread is in a call.
 *
 * A busy program leaves its wait, sends, and waits again; a reply that
 * comes back in between (the peer is often scheduled on the send itself)
 * would wake the engine thread every turn.  So when a frame wakes the
 * engine thread while program threads have been taking the watch, it
 * stands "aside": the device is left out of its set when the watcher
 * leaves, and the next wait takes what came meanwhile.  A timer every
 * ASIDE_US checks that the program still waits and that no frame waits
 * unwatched; else the engine thread takes the device back.  A frame that
 * arrives while the program is away thus waits one period at most (a
 * thread that sleeps in the shim without the device brings it back at
 * once, core.c).
 *
 * The kick is an eventfd of our own rather than an ev_async: libev hides
 * the fd behind ev_async, and every fd we use must be known to fdmap so a
 * program that closes all its fds cannot close it (STYLE.md section 12).
 * An atomic flag keeps it to one write per pass, as ev_async_send does.
 *
 * The thread blocks every signal, so the program's handlers run on its own
 * threads, and is detached: exit() ends it wherever it is.
 */
#include "prelude.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "family.h"
#include "shim.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open	434
#endif

#define RX_BUDGET	64	/* frames per xtcp_engine_rx call */
#define RX_ROUNDS	8	/* calls per device event; the rest next turn */
#define ASIDE_US	4000	/* "aside": how often the program is checked */

static struct ev_loop	*loop;
static ev_io		 dev_w;
static ev_io		 kick_w;
static ev_timer		 timer_w;
static ev_timer		 aside_w;
static int		 aside;		/* aside_w runs (lock) */
static int		 kick_fd = -1;
static int		 dev_fd = -1;
static int		 dev_ep = -1;	/* epoll set: dev_fd while watched */
static int		 dev_watched;	/* dev_fd is in dev_ep (lock) */
static int		 backend_fd = -1;
static atomic_int	 kick_pending;
static int		 kick_due;	/* shim_loop_kick_send at unlock */
static pthread_t	 loop_tid;
static __thread int	 loop_making;	/* in ev_loop_new (lock held) */

/* the other members of the family, watched through pidfds: each ends
 * readable when its process does (family.c resets what it alone held) */
static struct member_watch {
	ev_io		 w;
	int		 fd;		/* pidfd, -1 none */
	int32_t		 pid;
} members[SHIM_FAM_SLOTS];
static uint32_t		 members_seen;	/* members_gen at the last scan */
static int		 members_dirty = 1; /* scan on the next pass (lock) */
static ev_timer		 reserve_w;	/* a reservation to expire */

static void	members_scan(void);
static void	member_cb(struct ev_loop *l, ev_io *w, int revents);
static void	reserve_cb(struct ev_loop *l, ev_timer *w, int revents);

static void	engine_pass(int, int);
static void	rearm(uint64_t);
static void	protect_backend_fd(void);

static void	dev_cb(struct ev_loop *l, ev_io *w, int revents);
static void	timer_cb(struct ev_loop *l, ev_timer *w, int revents);
static void	aside_cb(struct ev_loop *l, ev_timer *w, int revents);
static int	epoll_watches_dev(int fd, unsigned long dev_ino);
static void	kick_cb(struct ev_loop *l, ev_io *w, int revents);
static int	dev_ep_open(void);
static void	*loop_main(void *arg);
static void	*loop_alloc(void *ptr, long size);
static void	loop_syserr(const char *msg);
static void	loop_teardown(void);

/*
 * One pass: take in up to RX_ROUNDS batches of frames (rx), run what is
 * due, re-arm.  woke: the device woke this thread, which may then stand
 * aside; a timer pass takes in frames too (rx) but never goes aside.
 */
static void
engine_pass(int rx, int woke)
{
	struct xtcp_engine *eng;
	uint64_t now, next;
	int i, go_aside = 0;

	/* the engine is known once the starter, which holds the lock while
	 * this thread's first pass may already run, lets it go */
	shim_lock();
	eng = shim.eng;
	if (members_dirty || (shim_fam.f != NULL &&
	    atomic_load(&shim_fam.f->ft.members_gen) != members_seen))
		members_scan();
	shim_stat_start();	/* xtcpstat's object, once (statpub.c) */
	now = shim_now_us();
	for (i = 0; rx && i < RX_ROUNDS; i++)
		if (xtcp_engine_rx(eng, now, RX_BUDGET) < RX_BUDGET)
			break;
	xtcp_engine_poll(eng, now);
	/* what a sandboxed program thread queued (sandbox.c) */
	xtcp_proc_flush(shim.proc);
	next = xtcp_engine_next_deadline(eng);
	/* a frame came between the waits of a program that waits */
	if (woke && !aside && shim_devwait_taken())
		go_aside = aside = 1;
	shim_unlock();
	rearm(next);
	if (go_aside)
		ev_timer_again(loop, &aside_w);
}

/* Lock held. */
int
shim_loop_aside(void)
{
	return (aside);
}

/*
 * Every ASIDE_US while aside.  A watch taken since the last tick: the
 * program is busy, stay, unless frames wait with no thread watching (the
 * program is between two waits, or has just left): the device comes back
 * to this thread until the next race sends it aside again.  None: either
 * no thread watches (the program is away) and the device comes back, or
 * one has watched the whole period (a long wait), and the ticks stop, as
 * there is no gap to cover: the device comes back when it leaves (core.c,
 * devwait_settle).  A frame thus waits for a wait or for this thread one
 * period at most.
 */
static void
aside_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	struct pollfd pfd;
	int back;

	(void)revents;
	pfd.fd = dev_fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (shim_devwait_taken() && syscall(SYS_poll, &pfd, 1, 0) <= 0)
		return;			/* busy, nothing waits: no lock */
	shim_lock();
	/* with no watcher, shim_unlock gives the device back */
	back = pfd.revents == 0 || !shim_devwait_watched();
	if (back)
		aside = 0;
	shim_unlock();
	if (back)
		ev_timer_stop(l, w);
}

static void
rearm(uint64_t next)
{
	uint64_t now;

	ev_timer_stop(loop, &timer_w);
	if (next == UINT64_MAX)
		return;
	ev_now_update(loop);
	now = shim_now_us();
	ev_timer_set(&timer_w, next > now ? (double)(next - now) / 1e6 : 0.,
	    0.);
	ev_timer_start(loop, &timer_w);
}

static void
dev_cb(struct ev_loop *l, ev_io *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
	engine_pass(1, 1);
}

static void
timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
	if (backend_fd < 0)
		protect_backend_fd();
	/*
	 * Frames first, then timers: an ACK that came while this thread
	 * stood aside and the program was away (up to ASIDE_US) must stop
	 * the retransmission or loss-probe timer it answers before that
	 * fires, as the kernel's receive path would have long before.
	 * Without it a tail loss probe went out spuriously, and took a
	 * TCP_CORK'd tail with it (opt_nagle_cork.sh).
	 */
	engine_pass(1, 0);
}

/* Does epoll instance fd watch our device's epoll set?  Its fdinfo lists
 * each watched fd as "tfd: N events: .. data: .. pos:.. ino:HEX ...". */
static int
epoll_watches_dev(int fd, unsigned long dev_ino)
{
	char path[64], buf[4096], *line, *ino;
	unsigned long i;
	ssize_t n;
	int pfd, tfd;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if ((pfd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (0);
	n = syscall(SYS_read, pfd, buf, sizeof(buf) - 1);
	(void)syscall(SYS_close, pfd);
	if (n <= 0)
		return (0);
	buf[n] = '\0';
	for (line = buf; line != NULL; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (sscanf(line, "tfd: %d", &tfd) != 1 || tfd != dev_ep)
			continue;
		if ((ino = strstr(line, "ino:")) != NULL &&
		    sscanf(ino, "ino:%lx", &i) == 1 && i == dev_ino)
			return (1);
	}
	return (0);
}

/*
 * libev does not say which fd its epoll backend uses.  Once it has
 * registered the device's epoll set (before the first callback), find
 * the epoll instance that watches that set (its number and inode) and
 * mark it internal.  Runs once, on the engine thread, without the lock.
 */
static void
protect_backend_fd(void)
{
	char path[64], link[64];
	struct dirent *de;
	struct stat st;
	ssize_t n;
	DIR *d;
	int fd;

	backend_fd = INT32_MAX;		/* tried */
	if (syscall(SYS_fstat, dev_ep, &st) != 0 ||
	    (d = opendir("/proc/self/fd")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		fd = atoi(de->d_name);
		if (fd == dev_ep)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, "anon_inode:[eventpoll]") != 0 ||
		    !epoll_watches_dev(fd, (unsigned long)st.st_ino))
			continue;
		shim_lock();
		(void)fdmap_set(fd, FDM_INTERNAL);
		shim_unlock();
		backend_fd = fd;
		break;
	}
	closedir(d);
}

int
shim_loop_making(void)
{
	return (loop_making);
}

/*
 * libev's epoll fd, as ev_loop_new makes it (epoll.c): moved out of the
 * low numbers a program may dup2 onto, internal at once, and known, so
 * that the engine thread need not look for it (protect_backend_fd opens
 * /proc entries at low numbers, which raced with the program's own
 * dup2: sshd's onto fd 5 lost its re-exec state).  Lock held.
 */
int
shim_loop_backend_made(int fd)
{
	fd = shim_fd_move_high(fd, 56);
	(void)fdmap_set(fd, FDM_INTERNAL);
	backend_fd = fd;
	return (fd);
}

/*
 * Lock held.  Should the engine thread watch the device (on), or stand
 * aside while a program thread does (0)?  The epoll set is level-
 * triggered: a frame that arrived meanwhile wakes the engine thread as
 * soon as the device is back in it.
 */
void
shim_loop_watch_dev(int on)
{
	struct epoll_event ev;

	if (dev_ep < 0 || on == dev_watched)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	if (syscall(SYS_epoll_ctl, dev_ep, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL,
	    dev_fd, &ev) == 0 || errno == (on ? EEXIST : ENOENT))
		dev_watched = on;
}

static void
kick_cb(struct ev_loop *l, ev_io *w, int revents)
{
	uint64_t v;

	(void)l;
	(void)w;
	(void)revents;
	(void)syscall(SYS_read, kick_fd, &v, sizeof(v));
	/* clear before the pass: a kick during it is not lost */
	atomic_store(&kick_pending, 0);
	engine_pass(0, 0);
}

/*
 * The engine's kick callback: its next deadline moved earlier.  Called
 * with the engine lock held, from any thread.  The kick itself is sent
 * when the lock is released (shim_unlock): woken earlier, the engine
 * thread would only sleep again on the lock.
 */
void
shim_loop_kick(void *arg)
{
	(void)arg;
	if (kick_fd < 0 || pthread_equal(pthread_self(), loop_tid))
		return;		/* the engine thread re-arms after its pass */
	kick_due = 1;
}

/* Lock held: is a kick to be sent once it is released?  Clears it. */
int
shim_loop_kick_take(void)
{
	int due = kick_due;

	kick_due = 0;
	return (due);
}

/* Lock not held. */
void
shim_loop_kick_send(void)
{
	uint64_t one = 1;

	if (atomic_exchange(&kick_pending, 1) == 0)
		(void)syscall(SYS_write, kick_fd, &one, sizeof(one));
}

/* ---- the family's members ---- */

static void
member_unwatch(int i)
{
	if (members[i].fd < 0)
		return;
	ev_io_stop(loop, &members[i].w);
	fdmap_clear(members[i].fd);
	(void)syscall(SYS_close, members[i].fd);
	members[i].fd = -1;
	members[i].pid = 0;
}

/*
 * Lock held, on the engine thread: watch every other live member (a
 * pidfd each), let go of the slots that are free again, and void the
 * reservations of forks that never happened.  A member that is already
 * gone when we look (no pidfd: ESRCH) is reset at once.
 */
static void
members_scan(void)
{
	struct shim_famtab *ft;
	struct shim_slot *sl;
	uint64_t now;
	int32_t pid;
	int i, fd, reserved = 0;

	members_dirty = 0;
	if (shim_fam.f == NULL || loop == NULL)
		return;
	ft = &shim_fam.f->ft;
	members_seen = atomic_load(&ft->members_gen);
	now = shim_now_us();
	for (i = 0; i < SHIM_FAM_SLOTS; i++) {
		if (i == shim_fam.slot)
			continue;
		sl = &ft->slots[i];
		pid = atomic_load(&sl->pid);
		switch (atomic_load(&sl->state)) {
		case SHIM_SLOT_ACTIVE:
			if (pid <= 0 || (members[i].fd >= 0 &&
			    members[i].pid == pid))
				break;
			member_unwatch(i);
			fd = (int)syscall(SYS_pidfd_open, pid, 0);
			if (fd < 0) {
				if (errno == ESRCH)
					(void)shim_family_reset_slot(i);
				break;
			}
			fd = shim_fd_move_high(fd, 64);
			if (fdmap_set(fd, FDM_INTERNAL) != 0) {
				(void)syscall(SYS_close, fd);
				break;
			}
			members[i].fd = fd;
			members[i].pid = pid;
			ev_io_init(&members[i].w, member_cb, fd, EV_READ);
			members[i].w.data = (void *)(intptr_t)i;
			ev_io_start(loop, &members[i].w);
			break;
		case SHIM_SLOT_RESERVED:
			member_unwatch(i);
			if (now - sl->since_us > SHIM_FT_RESERVE_US)
				(void)shim_family_reset_slot(i);
			else
				reserved = 1;
			break;
		default:
			member_unwatch(i);
			break;
		}
	}
	if (reserved && !ev_is_active(&reserve_w)) {
		ev_timer_set(&reserve_w, SHIM_FT_RESERVE_US / 1e6 + 0.5, 0.);
		ev_timer_start(loop, &reserve_w);
	}
	members_seen = atomic_load(&ft->members_gen);
}

/* A member's process ended (its pidfd is readable). */
static void
member_cb(struct ev_loop *l, ev_io *w, int revents)
{
	int i = (int)(intptr_t)w->data;
	struct shim_slot *sl;

	(void)l;
	(void)revents;
	shim_lock();
	sl = &shim_fam.f->ft.slots[i];
	if (atomic_load(&sl->state) == SHIM_SLOT_ACTIVE &&
	    atomic_load(&sl->pid) == members[i].pid)
		(void)shim_family_reset_slot(i);
	member_unwatch(i);
	members_scan();
	shim_unlock();
}

static void
reserve_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
	shim_lock();
	members_scan();
	shim_unlock();
}

void
shim_loop_members_changed(void)
{
	members_dirty = 1;
	kick_due = 1;
}

/*
 * The fork child: the engine thread stayed in the parent, and core.c
 * closed its fds (the kick, the device's epoll set, libev's); the
 * parent's loop is left as it is (freeing it would close fds that may
 * be the program's by now).  shim_loop_start() makes a new one.
 */
void
shim_loop_fork_child(void)
{
	int i;

	loop = NULL;
	kick_fd = -1;
	dev_ep = -1;
	dev_watched = 0;
	backend_fd = -1;
	aside = 0;
	atomic_store(&kick_pending, 0);
	kick_due = 0;
	for (i = 0; i < SHIM_FAM_SLOTS; i++) {
		members[i].fd = -1;
		members[i].pid = 0;
	}
	members_dirty = 1;
}

static void *
loop_main(void *arg)
{
	(void)arg;
	ev_run(loop, 0);
	return (NULL);
}

/*
 * libev's default allocator and error handler abort the process; these
 * never do (STYLE.md section 9).  Both are process-wide settings of
 * libev: a host program that uses libev itself gets the same realloc
 * semantics, only with retries.
 */
static void *
loop_alloc(void *ptr, long size)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	void *p;
	int i;

	if (size == 0) {
		free(ptr);
		return (NULL);
	}
	for (i = 0; i < 50; i++) {
		if ((p = realloc(ptr, size)) != NULL)
			return (p);
		(void)nanosleep(&ts, NULL);
	}
	/* libev gives up after this; nothing else can be done */
	return (NULL);
}

static void
loop_syserr(const char *msg)
{
	static atomic_int reported;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	char buf[128];
	int err = errno;

	if (atomic_fetch_add(&reported, 1) < 5)
		shim_log(XTCP_LOG_ERROR, "%s: %s", msg,
		    strerror_r(err, buf, sizeof(buf)));
	(void)nanosleep(&ts, NULL);	/* never spin on a failing call */
}

static void
loop_teardown(void)
{
	if (kick_fd >= 0) {
		fdmap_clear(kick_fd);
		(void)syscall(SYS_close, kick_fd);
		kick_fd = -1;
	}
	if (dev_ep >= 0) {
		fdmap_clear(dev_ep);
		(void)syscall(SYS_close, dev_ep);
		dev_ep = -1;
	}
	dev_watched = 0;
	if (loop != NULL) {
		ev_loop_destroy(loop);
		loop = NULL;
	}
}

/* Lock held.  The engine thread's epoll set, holding the device, at a
 * high number and marked internal.  0 or errno. */
static int
dev_ep_open(void)
{
	int fd, err;

	fd = (int)syscall(SYS_epoll_create1, EPOLL_CLOEXEC);
	if (fd < 0)
		return (errno);
	fd = shim_fd_move_high(fd, 64);
	if ((err = fdmap_set(fd, FDM_INTERNAL)) != 0) {
		(void)syscall(SYS_close, fd);
		return (err);
	}
	dev_ep = fd;
	dev_watched = 0;
	shim_loop_watch_dev(1);
	return (dev_watched ? 0 : EIO);
}

int
shim_loop_start(struct xtcp_engine *eng)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int err, i;

	ev_set_allocator(loop_alloc);
	ev_set_syserr_cb(loop_syserr);
	/* libev's epoll fd is internal from its creation (epoll.c asks
	 * shim_loop_making): a fork child that closes every fd before it
	 * execs (sshd's session child) must not take it from under the
	 * engine thread, which marks it only on its first pass */
	loop_making = 1;
	loop = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV | EVFLAG_NOSIGMASK |
	    EVFLAG_NOINOTIFY | EVFLAG_NOTIMERFD);
	loop_making = 0;
	if (loop == NULL)
		return (ENOSYS);
	/* its epoll fd is protected from the engine thread (see
	 * protect_backend_fd) */
	dev_fd = xtcp_engine_wait_fd(eng);
	if ((kick_fd = shim_internal_eventfd()) < 0) {
		err = errno;
		loop_teardown();
		return (err);
	}
	if ((err = dev_ep_open()) != 0) {
		loop_teardown();
		return (err);
	}
	ev_io_init(&dev_w, dev_cb, dev_ep, EV_READ);
	ev_io_start(loop, &dev_w);
	ev_io_init(&kick_w, kick_cb, kick_fd, EV_READ);
	ev_io_start(loop, &kick_w);
	aside = 0;
	ev_init(&aside_w, aside_cb);
	aside_w.repeat = ASIDE_US / 1e6;
	/* a first pass at once, then whenever the engine asks */
	ev_timer_init(&timer_w, timer_cb, 0., 0.);
	ev_timer_start(loop, &timer_w);
	ev_init(&reserve_w, reserve_cb);
	for (i = 0; i < SHIM_FAM_SLOTS; i++)
		if (members[i].pid == 0)
			members[i].fd = -1;
	members_dirty = 1;

	(void)pthread_attr_init(&attr);
	(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&loop_tid, &attr, loop_main, NULL);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	(void)pthread_attr_destroy(&attr);
	if (err != 0) {
		loop_teardown();
		return (err);
	}
	(void)pthread_setname_np(loop_tid, "xtcp-engine");
	return (0);
}

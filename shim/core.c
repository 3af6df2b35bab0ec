/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * core.c - the engine lock, socket objects, and how hooks sleep.
 *
 * Every stack socket owns an eventfd; the program sees its number (and
 * dups of it).  The eventfd mirrors readiness for pollers we do not see
 * (epoll, raw syscalls): it reads as readable while the socket has input,
 * EOF, an error or a connection to accept.  The mirror is brought up to
 * date when the engine lock is released, for every socket the engine
 * signalled (shim_wakeup) or a hook touched.
 *
 * Sleeping does not use the socket's eventfd: two threads sleeping on one
 * socket would steal each other's wakeups by draining it.  Each thread
 * has a private "bell" eventfd instead.  A sleeper links a shim_waiter
 * into the socket's list, drops the lock and ppoll()s its bell; the
 * wakeup callback (engine lock held) rings the bell of every waiter.
 * Since conditions are checked, waiters linked and bells rung all under
 * the one lock, no wakeup is lost.  The device is reached through xtcp.h
 * (xtcp_engine_wait_fd, xtcp_engine_rx), SO_RCVLOWAT's arithmetic is in
 * ready.c, and the fd table in fdmap.c.
 *
 * Signals.  A Linux socket call that sleeps without a timeout is ended by
 * a signal with ERESTARTSYS: the kernel restarts it when the handler has
 * SA_RESTART, else it fails with EINTR; with SO_RCVTIMEO/SO_SNDTIMEO set
 * it fails with EINTR always (socket(7), sock_intr_errno()).  The shim
 * cannot tell which signal arrived or how its handler was installed, so
 * it sleeps in a system call of the same restart class instead: without
 * a deadline, a blocking read(2) of the bell (an eventfd read returns
 * ERESTARTSYS, so the kernel itself restarts it or not, exactly as it
 * would have restarted recv); with a deadline, ppoll(2), which a handled
 * signal always ends with EINTR.  poll, select and epoll_wait are never
 * restarted on Linux, and they sleep in ppoll/epoll_pwait here, which are
 * not either.  The bell is therefore a blocking eventfd; everything but
 * that one read reads it only when it holds a count (rung), so nothing
 * else can block on it.
 */
#include "prelude.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "family.h"
#include "sandbox.h"
#include "ready.h"
#include "shim.h"

/* frames one spinning pass takes from the device */
#define SHIM_SPIN_BUDGET	64
/* passes a thread the device woke makes (as the engine thread's) */
#define SHIM_WAKE_ROUNDS	8

/* A pause between two polls of a spin: polite to a sibling hyperthread. */
static inline void
shim_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#else
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

/* A thread without a bell (eventfd failed) sleeps in slices this long. */
#define SHIM_SLICE_US	5000

/* The engine lock: a private mutex until the engine starts, then the
 * family region's (family.c), never back but in a fork child. */
static pthread_mutex_t	 priv_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t	*_Atomic shim_mtxp = &priv_mtx;

static struct shim_sock	*dirty_head;
static pthread_key_t	 thr_key;
static __thread struct shim_thr thr_self = { .bell = -1 };

static void	child_start(void);
static void	mirror_update(struct shim_sock *);
static void	mark_dirty(struct shim_sock *);
static void	thr_drain_careful(struct shim_thr *);
static void	flush_dirty(void);
static void	exit_let_go(void);
static void	sock_free(struct shim_sock *);
static void	thr_ring(struct shim_thr *);
static void	devwait_settle(void);
static void	thr_destroy(void *);
static int	wait_spin(struct shim_sock *, struct shim_thr *, uint64_t,
		    uint64_t);

/* Just taken (r from the lock call): the engine is this process's. */
static void
lock_taken(pthread_mutex_t *m, int r)
{
	if (r == EOWNERDEAD)
		shim_family_owner_dead(m);
	if (shim.eng != NULL) {
		xtcp_engine_adopt(shim.eng, shim.proc);
		if (shim_fam.child_start)
			child_start();
	}
}

/* This thread holds the lock until the process ends (shim_lock_exit). */
static __thread int	exit_holder;

/*
 * The process is about to end (exit, _exit) with threads of ours that
 * may be anywhere, the engine thread inside a hold among them: dying
 * there would leave the family the connections it was changing to
 * reset.  So the ending thread takes the lock, marks the hold clean
 * (xtcp_engine_work_done) and keeps it: our other threads wait on it
 * until the end, and the next member to take it (EOWNERDEAD) knows that
 * nothing is half done.  Later hooks on this thread run as if they held
 * it, which they do.
 */
void
shim_lock_settle(void)
{
	flush_dirty();
	if (shim.eng != NULL)
		xtcp_engine_work_done(shim.eng);
	if (shim_fam.ring != 0)
		shim_family_ring(shim_fam.ring);
	shim_fam.ring = 0;
}

void
shim_lock_exit(void)
{
	if (exit_holder)
		return;
	shim_lock();
	flush_dirty();
	exit_let_go();
	if (shim.eng != NULL)
		xtcp_engine_work_done(shim.eng);
	if (shim_fam.ring != 0)
		shim_family_ring(shim_fam.ring);
	shim_fam.ring = 0;
	exit_holder = 1;
}

void
shim_lock(void)
{
	pthread_mutex_t *m;
	int r;

	if (exit_holder)
		return;

	/* the lock may move (shim_lock_move) while we wait for the old */
	for (;;) {
		m = atomic_load_explicit(&shim_mtxp, memory_order_acquire);
		r = pthread_mutex_lock(m);
		if (m == atomic_load_explicit(&shim_mtxp, memory_order_acquire))
			break;
		if (r == 0)
			pthread_mutex_unlock(m);
	}
	lock_taken(m, r);
}

int
shim_trylock(void)
{
	pthread_mutex_t *m;
	int r;

	if (exit_holder)
		return (0);
	m = atomic_load_explicit(&shim_mtxp, memory_order_acquire);
	r = pthread_mutex_trylock(m);
	if (r != 0 && r != EOWNERDEAD)
		return (r);
	if (m != atomic_load_explicit(&shim_mtxp, memory_order_acquire)) {
		pthread_mutex_unlock(m);
		return (EBUSY);
	}
	lock_taken(m, r);
	return (0);
}

void
shim_unlock_raw(void)
{
	if (exit_holder)
		return;
	pthread_mutex_unlock(atomic_load_explicit(&shim_mtxp,
	    memory_order_relaxed));
}

void
shim_lock_move(pthread_mutex_t *to)
{
	pthread_mutex_t *from;

	from = atomic_load_explicit(&shim_mtxp, memory_order_relaxed);
	(void)pthread_mutex_lock(to);
	atomic_store_explicit(&shim_mtxp, to, memory_order_release);
	pthread_mutex_unlock(from);
}

void
shim_lock_set(pthread_mutex_t *m)
{
	atomic_store_explicit(&shim_mtxp, m, memory_order_release);
}

void
shim_lock_fork_child(void)
{
	(void)pthread_mutex_init(&priv_mtx, NULL);
	atomic_store_explicit(&shim_mtxp, &priv_mtx, memory_order_relaxed);
}

void
shim_unlock(void)
{
	uint64_t ring;
	int kick;

	if (shim.eng != NULL)
		xtcp_engine_work_done(shim.eng);
	flush_dirty();
	devwait_settle();
	kick = shim_loop_kick_take();
	/* the doorbells before the release: a thread of ours killed after
	 * it (the process exits) would leave handles queued, and marked so,
	 * with nobody told */
	ring = shim_fam.ring;
	shim_fam.ring = 0;
	if (ring != 0)
		shim_family_ring(ring);
	shim_unlock_raw();
	if (kick)
		shim_loop_kick_send();
}

/*
 * A fork child's first hold (lock held): its own engine thread and
 * doorbell thread.  Without them it still works while another member
 * runs the engine, so a failure is said and the hold goes on.
 */
static void
child_start(void)
{
	int err;

	shim_fam.child_start = 0;
	if ((err = shim_loop_start(shim.eng)) != 0 ||
	    (err = shim_family_bell_start()) != 0)
		shim_log(XTCP_LOG_ERROR, "fork child: cannot start the engine "
		    "thread: %s; other members of the family run the stack",
		    strerror(err));
}

void
shim_core_init(void)
{
	(void)pthread_key_create(&thr_key, thr_destroy);
}

static int	internal_eventfd(int flags);
static void	wait_cancelled(void *arg);

uint64_t
shim_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

uint64_t
shim_deadline(uint64_t timeo_us)
{
	if (timeo_us == 0)
		return (UINT64_MAX);
	return (shim_now_us() + timeo_us);
}

/* ---- readiness mirror ---- */

/* The mirror bit is the family's (struct shim_fh): every member's fds
 * of s are one open eventfd. */
static void
mirror_update(struct shim_sock *s)
{
	struct shim_fh *f;
	uint64_t v = 1;
	int want;

	if (s->xs == NULL || s->bellfd < 0 ||
	    (f = shim_ft_fh(SHIM_FT(), s->handle)) == NULL)
		return;
	want = (shim_sock_poll(s) & (XTCP_POLLIN | XTCP_POLLERR |
	    XTCP_POLLHUP | XTCP_POLLRDHUP)) != 0;
	if (want == f->mirror)
		return;
	/* raw syscalls: no cancellation point with the lock held */
	if (want)
		(void)syscall(SYS_write, s->bellfd, &v, sizeof(v));
	else
		(void)syscall(SYS_read, s->bellfd, &v, sizeof(v));
	f->mirror = (uint8_t)want;
}

static void
mark_dirty(struct shim_sock *s)
{
	if (s->dirty)
		return;
	s->dirty = 1;
	s->dirty_next = dirty_head;
	dirty_head = s;
}

static void
flush_dirty(void)
{
	struct shim_sock *s;

	while ((s = dirty_head) != NULL) {
		dirty_head = s->dirty_next;
		s->dirty = 0;
		s->dirty_next = NULL;
		mirror_update(s);
		if (s->epregs != NULL)
			shim_ep_sock_changed(s);
	}
}

/* SO_RCVLOWAT as Linux tcp_poll() applies it: see ready.c. */
unsigned
shim_sock_poll(const struct shim_sock *s)
{
	unsigned ev;

	if (s->xs == NULL)
		return (0);
	ev = xtcp_poll(s->xs);
	if (s->rcvlowat <= 1 || (ev & XTCP_POLLIN) == 0)
		return (ev);
	return (shim_ready_lowat(ev, s->rcvlowat, xtcp_is_listening(s->xs),
	    xtcp_sock_rxbytes(s->xs)));
}

/* ---- socket objects ---- */

/*
 * The engine names a socket's shim_sock by a handle (xtcp_sock_set_user),
 * not by a pointer: the family's handle (famtab.h), the same in every
 * member.  lmap[h - 1] is this process's shim_sock for handle h, NULL
 * when it holds no descriptor for it (then another member does, and
 * hears of it through its doorbell).  Lock held throughout.
 */
static struct shim_sock	**lmap;
static uint32_t		 nlmap;

static int
lmap_set(uint32_t h, struct shim_sock *s)
{
	struct shim_sock **nm;
	uint32_t n;

	if (h > nlmap) {
		for (n = nlmap == 0 ? 64 : nlmap; n < h; n *= 2)
			;
		if ((nm = realloc(lmap, (size_t)n * sizeof(*nm))) == NULL)
			return (ENOMEM);
		memset(nm + nlmap, 0, (size_t)(n - nlmap) * sizeof(*nm));
		lmap = nm;
		nlmap = n;
	}
	lmap[h - 1] = s;
	return (0);
}

/* A handle for s, held by this process alone; 0 if none can be had. */
static uint32_t
handle_get(struct shim_sock *s)
{
	struct shim_famtab *ft = SHIM_FT();
	uint32_t h;

	if (ft == NULL || (h = shim_ft_handle_get(ft, s->xs, shim_fam.slot,
	    shim_family_alloc, shim_family_free, NULL)) == 0)
		return (0);
	if (lmap_set(h, s) != 0) {
		shim_ft_handle_put(ft, h);
		return (0);
	}
	return (h);
}

struct shim_sock *
shim_sock_by_handle(uint32_t h)
{
	return (h != 0 && h <= nlmap ? lmap[h - 1] : NULL);
}

/* The family's per-socket state into s (a hook got it) and back (the
 * hook is done): O_NONBLOCK and the options kept here. */
static void
sock_sync_in(struct shim_sock *s)
{
	struct shim_fh *f = shim_ft_fh(SHIM_FT(), s->handle);

	if (f == NULL)
		return;
	s->nonblock = f->nonblock;
	s->rcvlowat = f->rcvlowat;
	s->rcvtimeo_us = f->rcvtimeo_us;
	s->sndtimeo_us = f->sndtimeo_us;
}

void
shim_sock_sync_out(const struct shim_sock *s)
{
	struct shim_fh *f = shim_ft_fh(SHIM_FT(), s->handle);

	if (f == NULL)
		return;
	f->nonblock = (uint8_t)(s->nonblock != 0);
	f->rcvlowat = s->rcvlowat;
	f->rcvtimeo_us = s->rcvtimeo_us;
	f->sndtimeo_us = s->sndtimeo_us;
}

void
shim_sock_refresh(uint32_t h)
{
	struct shim_sock *s = shim_sock_by_handle(h);

	if (s == NULL)
		return;
	sock_sync_in(s);
	shim_sock_ring(s);
	mark_dirty(s);
}

void
shim_sock_refresh_all(void)
{
	uint32_t h;

	for (h = 1; h <= nlmap; h++)
		shim_sock_refresh(h);
}

void
shim_sock_hold_all(int slot)
{
	struct shim_fh *f;
	uint32_t h;

	for (h = 1; h <= nlmap; h++)
		if (lmap[h - 1] != NULL && lmap[h - 1]->nfds > 0 &&
		    (f = shim_ft_fh(SHIM_FT(), h)) != NULL)
			f->holders |= SHIM_SLOT_BIT(slot);
}

int
shim_sock_sole(const struct shim_sock *s)
{
	struct shim_fh *f = shim_ft_fh(SHIM_FT(), s->handle);

	return (f == NULL || f->holders == SHIM_SLOT_BIT(shim_fam.slot));
}

/*
 * Lock held, the process ending.  Its descriptors are as good as closed:
 * a socket other members hold is theirs from now on (its last close there
 * closes it, in order), rather than kept open by a hold nobody will drop
 * until this process is seen dead (then it would be reset, data in
 * flight lost).  A socket only this process holds stays held, shut down
 * (the kernel's close at exit sends the FIN after the queued data): the
 * survivor that sees the death closes it.
 * Nothing private is freed: another thread may still be using it.
 */
static void
exit_let_go(void)
{
	struct shim_sock *s;
	uint32_t h;

	if (shim_fam.f == NULL)
		return;
	for (h = 1; h <= nlmap; h++) {
		if ((s = lmap[h - 1]) == NULL || s->let_go || s->nfds == 0)
			continue;
		if (shim_sock_sole(s)) {
			/* _exit skips the destructor that does this */
			if (s->xs != NULL && !xtcp_is_listening(s->xs))
				(void)xtcp_shutdown(s->xs, shim_now_us(), 1);
			continue;
		}
		(void)shim_ft_release(SHIM_FT(), s->handle, shim_fam.slot);
		s->let_go = 1;
	}
}

struct shim_sock *
shim_sock_new(struct xtcp_sock *xs)
{
	struct shim_sock *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	s->xs = xs;
	if ((s->handle = handle_get(s)) == 0) {
		free(s);
		return (NULL);
	}
	s->xs = xs;
	s->bellfd = -1;
	xtcp_sock_set_user(xs, s->handle);
	return (s);
}

struct shim_sock *
shim_sock_adopt(uint32_t h)
{
	struct shim_fh *f = shim_ft_fh(SHIM_FT(), h);
	struct shim_sock *s;

	if (f == NULL || f->xs == NULL || shim_sock_by_handle(h) != NULL ||
	    (s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	if (lmap_set(h, s) != 0) {
		free(s);
		return (NULL);
	}
	s->xs = f->xs;
	s->handle = h;
	s->bellfd = -1;
	sock_sync_in(s);
	return (s);
}

static void
sock_free(struct shim_sock *s)
{
	struct shim_sock **pp;

	if (s->dirty)
		for (pp = &dirty_head; *pp != NULL; pp = &(*pp)->dirty_next)
			if (*pp == s) {
				*pp = s->dirty_next;
				break;
			}
	if (s->epregs != NULL)
		shim_ep_sock_gone(s);
	if (s->handle != 0 && s->handle <= nlmap)
		lmap[s->handle - 1] = NULL;
	/* the socket lives on while another member holds it */
	if (!s->let_go &&
	    shim_ft_release(SHIM_FT(), s->handle, shim_fam.slot) == 0) {
		if (s->xs != NULL)
			xtcp_close(s->xs, shim_now_us());
		shim_ft_handle_put(SHIM_FT(), s->handle);
	}
	free(s->opt);
	free(s);
}

void
shim_sock_unref(struct shim_sock *s)
{
	if (--s->refs == 0)
		sock_free(s);
}

/*
 * Give s a new eventfd as its first fd.  Lock held.  On failure s is
 * untouched (the caller frees it if it has no other reference).
 */
int
shim_sock_open_fd(struct shim_sock *s, int cloexec, int *fdp)
{
	int fd, err;

	fd = eventfd(0, EFD_NONBLOCK | (cloexec ? EFD_CLOEXEC : 0));
	if (fd < 0)
		return (errno);
	if (fdmap_peek(fd) != FDM_HOST) {
		/* a stale entry: the fd was closed behind our back (a raw
		 * syscall, or glibc closing it internally) */
		fdmap_clear(fd);
	}
	if ((err = fdmap_set(fd, (uintptr_t)s)) != 0) {
		(void)syscall(SYS_close, fd);
		return (err);
	}
	s->refs++;
	shim_sock_fd_added(s, fd);
	mark_dirty(s);
	*fdp = fd;
	return (0);
}

/* fd now names s (new eventfd, or a dup of one); fdmap already set. */
void
shim_sock_fd_added(struct shim_sock *s, int fd)
{
	s->nfds++;
	if (s->bellfd < 0)
		s->bellfd = fd;
}

/* fd no longer names s; fdmap already cleared.  Drops fd's reference. */
void
shim_sock_fd_gone(struct shim_sock *s, int fd)
{
	uintptr_t v;
	int next;

	s->nfds--;
	if (s->bellfd == fd) {
		s->bellfd = -1;
		/* every fd of s is a dup of one eventfd: any of them can
		 * carry the mirror */
		for (next = fdmap_next(0, &v); s->nfds > 0 && next >= 0;
		    next = fdmap_next(next + 1, &v))
			if (v == (uintptr_t)s) {
				s->bellfd = next;
				break;
			}
	}
	if (s->nfds == 0) {
		/* Linux: epoll forgets a file when its last fd closes
		 * (eventpoll_release); pollers see POLLNVAL.  Sleepers in
		 * recv/accept keep sleeping, as on Linux (they hold a
		 * reference): only shutdown(2) or the peer ends them. */
		if (s->epregs != NULL)
			shim_ep_sock_gone(s);
		shim_sock_ring(s);
	}
	shim_sock_unref(s);
}

enum shim_fd_kind
shim_fd_get(int fd, struct shim_sock **sp)
{
	struct shim_sock *s;
	uintptr_t v;

	*sp = NULL;
	v = fdmap_peek(fd);
	if (v == FDM_HOST)
		return (SHIM_FD_HOST);
	if (v == FDM_INTERNAL)
		return (SHIM_FD_INTERNAL);
	if (v == FDM_DEAD)
		return (SHIM_FD_DEAD);
	shim_lock();
	v = fdmap_peek(fd);		/* closed meanwhile? */
	if (!FDM_IS_SOCK(v)) {
		shim_unlock();
		return (v == FDM_DEAD ? SHIM_FD_DEAD : v == FDM_INTERNAL ?
		    SHIM_FD_INTERNAL : SHIM_FD_HOST);
	}
	s = (struct shim_sock *)v;
	s->refs++;
	sock_sync_in(s);
	*sp = s;
	return (SHIM_FD_OURS);
}

void
shim_sock_put(struct shim_sock *s)
{
	shim_sock_sync_out(s);
	mark_dirty(s);
	shim_sock_unref(s);
	shim_unlock();
}

int
shim_fd_internal(int fd)
{
	return (fdmap_peek(fd) == FDM_INTERNAL);
}

/* ---- bells and waiters ---- */

/*
 * A thread that rings itself is awake, processing what it took from the
 * device (run to completion): it sees rung before it sleeps again (every
 * sleep drains first, or checks rung), so its bell needs no count, and
 * two system calls a turn are saved.
 */
static void
thr_ring(struct shim_thr *t)
{
	uint64_t one = 1;

	if (t->rung)
		return;
	t->rung = 1;
	if (t == &thr_self) {
		t->quiet = 1;
		return;
	}
	if (t->bell >= 0)
		(void)syscall(SYS_write, t->bell, &one, sizeof(one));
}

void
shim_thr_drain(struct shim_thr *t)
{
	uint64_t v;

	if (!t->rung)
		return;
	t->rung = 0;
	if (t->quiet) {
		t->quiet = 0;
		return;
	}
	if (t->bell >= 0)
		(void)syscall(SYS_read, t->bell, &v, sizeof(v));
}

/* Lock held.  Creates our eventfds at a high number and marks them
 * internal.  -1 with errno on failure. */
static int
internal_eventfd(int flags)
{
	int fd, err;

	if ((fd = eventfd(0, flags | EFD_CLOEXEC)) < 0)
		return (-1);
	fd = shim_fd_move_high(fd, 64);
	if ((err = fdmap_set(fd, FDM_INTERNAL)) != 0) {
		(void)syscall(SYS_close, fd);
		errno = err;
		return (-1);
	}
	return (fd);
}

int
shim_internal_eventfd(void)
{
	return (internal_eventfd(EFD_NONBLOCK));
}

struct shim_thr *
shim_thr_get(void)
{
	struct shim_thr *t = &thr_self;

	/* blocking: shim_wait's untimed sleep is a read(2) of it */
	if (t->bell < 0 && (t->bell = internal_eventfd(0)) >= 0)
		(void)pthread_setspecific(thr_key, t);
	return (t);
}

/* Thread exit: give the bell back. */
static void
thr_destroy(void *arg)
{
	struct shim_thr *t = arg;

	shim_lock();
	if (t->bell >= 0) {
		fdmap_clear(t->bell);
		(void)syscall(SYS_close, t->bell);
		t->bell = -1;
	}
	shim_unlock();
}

void
shim_waiter_add(struct shim_sock *s, struct shim_waiter *w,
    struct shim_thr *t)
{
	w->thr = t;
	w->prev = NULL;
	w->next = s->waiters;
	if (s->waiters != NULL)
		s->waiters->prev = w;
	s->waiters = w;
}

void
shim_waiter_del(struct shim_sock *s, struct shim_waiter *w)
{
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		s->waiters = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	w->next = w->prev = NULL;
}

void
shim_sock_ring(struct shim_sock *s)
{
	struct shim_waiter *w;

	for (w = s->waiters; w != NULL; w = w->next)
		thr_ring(w->thr);
}

/*
 * The engine's wakeup callback: something about s changed.  Called with
 * the engine lock held, from any thread.
 */
void
shim_wakeup(void *arg, uint32_t user)
{
	struct shim_sock *s = shim_sock_by_handle(user);
	struct shim_fh *f;
	uint64_t others;
	int i;

	(void)arg;
	if (s != NULL) {
		shim_sock_ring(s);
		mark_dirty(s);
	}
	/* the other members holding it hear of it through their doorbells */
	if ((f = shim_ft_fh(SHIM_FT(), user)) == NULL ||
	    (others = f->holders & ~SHIM_SLOT_BIT(shim_fam.slot)) == 0)
		return;
	for (i = 0; others != 0; i++, others >>= 1)
		if ((others & 1) && shim_ft_queue(SHIM_FT(), i, user))
			shim_fam.ring |= SHIM_SLOT_BIT(i);
}

struct wait_ctx {
	struct shim_sock	*s;
	struct shim_waiter	*w;
};

/* pthread_cancel (or pthread_exit from a handler) while asleep: undo
 * what the hook holds, its waiter link and its reference. */
static void
wait_cancelled(void *arg)
{
	struct wait_ctx *c = arg;

	shim_lock();
	shim_devwait_release(c->w->thr);
	shim_waiter_del(c->s, c->w);
	thr_drain_careful(c->w->thr);
	shim_sock_unref(c->s);
	shim_unlock();
}

/* Drain when the read that was cancelled may have taken the count. */
static void
thr_drain_careful(struct shim_thr *t)
{
	struct pollfd pfd;
	uint64_t v;

	if (!t->rung)
		return;
	t->rung = 0;
	if (t->quiet) {
		t->quiet = 0;
		return;
	}
	if (t->bell < 0)
		return;
	pfd.fd = t->bell;
	pfd.events = POLLIN;
	if (syscall(SYS_poll, &pfd, 1, 0) == 1)
		(void)syscall(SYS_read, t->bell, &v, sizeof(v));
}

/* Lock held: take in what the device holds, from this thread (a spin). */
void
shim_poll_device(void)
{
	if (shim.eng != NULL && !shim_sandboxed)
		(void)xtcp_engine_rx(shim.eng, shim_now_us(),
		    SHIM_SPIN_BUDGET);
}

/* Lock held: the device woke this waiting thread; take in what it holds,
 * as much as the engine thread would in one pass. */
void
shim_devwait_take(void)
{
	uint64_t now;
	int i;

	if (shim.eng == NULL || shim_sandboxed)
		return;
	xtcp_engine_count_wake(shim.eng);
	now = shim_now_us();
	for (i = 0; i < SHIM_WAKE_ROUNDS; i++)
		if (xtcp_engine_rx(shim.eng, now, SHIM_SPIN_BUDGET) <
		    SHIM_SPIN_BUDGET)
			break;
}

/*
 * Run to completion (XTCP_DEVWAIT, on by default).  A thread that waits
 * in the shim (a blocking call, or poll, select or epoll_wait over a set
 * with a stack socket) watches the device's wait fd besides its own bell
 * and takes in itself the frames that arrive: a reply then costs one
 * wake-up (this thread's) instead of two in a row (the engine thread's,
 * then this thread's by its bell), and no lock is fought over.  While a
 * program thread watches, the engine thread stands aside (loop.c,
 * shim_loop_watch_dev) and is left the timers.
 *
 * One thread at a time watches (devwait_thr), so a frame never wakes
 * every sleeper of a many-threaded program; what it processes for other
 * sockets rings their sleepers' bells, as the engine thread would.  The
 * others sleep without the device, linked on the sleepers list.  When the
 * watcher leaves while others sleep, the device goes back to the engine
 * thread at once and the first sleeper that has a bell is rung, to come
 * round and watch in its place.  When it leaves alone, the engine thread
 * takes the device back at once too, unless it is covering the gaps
 * between one wait and the next of a busy program (loop.c, "aside"):
 * a reply that comes back while the program is between its send and its
 * next wait is then taken by that wait, instead of waking the engine
 * thread.  All of this is settled when the lock is released
 * (devwait_settle), not on every release: a blocking call that gives up
 * its watch to check its socket and takes it again under one hold of the
 * lock costs no system call.
 */
static struct shim_thr	*devwait_thr;	/* the watcher, or NULL */
static struct shim_thr	*sleepers;	/* asleep without the device */
static int		 devwait_left;	/* the watcher left: hand over */
static atomic_uint	 devwait_seq;	/* watches taken (lock to write) */
static unsigned		 devwait_seen;	/* devwait_seq at the engine
					 * thread's last look */

static void
sleeper_link(struct shim_thr *t, int ringable)
{
	t->ringable = ringable;
	if (t->sleeping)
		return;
	t->sleeping = 1;
	t->sl_prev = NULL;
	t->sl_next = sleepers;
	if (sleepers != NULL)
		sleepers->sl_prev = t;
	sleepers = t;
}

static void
sleeper_unlink(struct shim_thr *t)
{
	if (!t->sleeping)
		return;
	t->sleeping = 0;
	if (t->sl_prev != NULL)
		t->sl_prev->sl_next = t->sl_next;
	else
		sleepers = t->sl_next;
	if (t->sl_next != NULL)
		t->sl_next->sl_prev = t->sl_prev;
	t->sl_next = t->sl_prev = NULL;
}

/*
 * Lock held.  The device's wait fd if t may watch it (marking t as the
 * watcher and the engine thread as standing aside), else -1 and t is
 * linked as a sleeper (ringable: its bell ends its sleep, so it can be
 * rung to take the watch over).  Undo with shim_devwait_release().
 */
int
shim_devwait_claim(struct shim_thr *t, int ringable)
{
	int fd;

	if (!shim.conf.devwait || shim.eng == NULL || shim.dev == NULL ||
	    shim_sandboxed)
		return (-1);
	if ((devwait_thr != NULL && devwait_thr != t) ||
	    (fd = xtcp_engine_wait_fd(shim.eng)) < 0) {
		sleeper_link(t, ringable && t->bell >= 0);
		return (-1);
	}
	sleeper_unlink(t);
	devwait_thr = t;
	atomic_fetch_add_explicit(&devwait_seq, 1, memory_order_relaxed);
	shim_loop_watch_dev(0);
	return (fd);
}

/* Lock held.  t no longer watches nor sleeps. */
void
shim_devwait_release(struct shim_thr *t)
{
	sleeper_unlink(t);
	if (devwait_thr == t) {
		devwait_thr = NULL;
		devwait_left = 1;
	}
}

/* Lock held.  Does a thread watch the device? */
int
shim_devwait_watched(void)
{
	return (devwait_thr != NULL);
}

/* The engine thread alone, lock not needed: was a watch taken since its
 * last look? */
int
shim_devwait_taken(void)
{
	unsigned seq;

	seq = atomic_load_explicit(&devwait_seq, memory_order_relaxed);
	if (seq == devwait_seen)
		return (0);
	devwait_seen = seq;
	return (1);
}

/* At the lock's release, with no watcher: the engine thread watches the
 * device again, unless it covers the gaps of a busy program and nobody
 * sleeps; a sleeper with a bell is rung to take the watch over. */
static void
devwait_settle(void)
{
	struct shim_thr *t;

	if (devwait_thr != NULL || shim.eng == NULL)
		return;
	if (sleepers != NULL || !shim_loop_aside())
		shim_loop_watch_dev(1);
	if (devwait_left)
		for (t = sleepers; t != NULL; t = t->sl_next)
			if (t->ringable) {
				thr_ring(t);
				break;
			}
	devwait_left = 0;
}

/*
 * After a handled signal ended a ppoll(2) that stands in for a blocking
 * read(2) of the bell (XTCP_DEVWAIT): would the kernel have restarted the
 * read?  We cannot tell which signal it was; 1 if every installed handler
 * has SA_RESTART, so that whichever it was, it restarts.  A program with
 * a handler without SA_RESTART gets EINTR, as it would from that one.
 */
int
shim_sig_restarts(void)
{
	struct sigaction sa;
	int sig;

	for (sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP ||
		    sigaction(sig, NULL, &sa) != 0)
			continue;
		if (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN)
			continue;
		if ((sa.sa_flags & SA_RESTART) == 0)
			return (0);
	}
	return (1);
}

/* With XTCP_SPIN_US, until when a wait that starts now spins (0: not). */
uint64_t
shim_spin_end(void)
{
	return (shim.conf.spin_us == 0 || shim_sandboxed ? 0 :
	    shim_now_us() + shim.conf.spin_us);
}

/*
 * XTCP_SPIN_US: before sleeping, poll the device from this thread for a
 * while (as OpenOnload's EF_POLL_USEC or Linux SO_BUSY_POLL).  A reply
 * that arrives meanwhile is taken in here, so neither the engine thread
 * nor this one has to be woken for it: two scheduler wakeups fewer on a
 * request/response turn, for a core kept busy.  Lock held; returns 1 if
 * s was signalled (the caller checks its condition again), 0 if the spin
 * ran out and the caller is to sleep.
 */
static int
wait_spin(struct shim_sock *s, struct shim_thr *t, uint64_t now,
    uint64_t deadline_us)
{
	struct shim_waiter w;
	uint64_t end;
	int rung, i;

	end = now + shim.conf.spin_us;
	if (end > deadline_us)
		end = deadline_us;
	shim_waiter_add(s, &w, t);
	for (;;) {
		shim_poll_device();
		if (shim.eng != NULL)
			xtcp_engine_count_spin(shim.eng);
		if (t->rung || s->xs == NULL)
			break;
		shim_unlock();
		for (i = 0; i < 64; i++)
			shim_cpu_relax();
		shim_lock();
		now = shim_now_us();
		if (t->rung || s->xs == NULL || now >= end)
			break;
	}
	shim_waiter_del(s, &w);
	rung = t->rung;
	shim_thr_drain(t);
	return (rung || s->xs == NULL);
}

int
shim_wait(struct shim_sock *s, uint64_t deadline_us)
{
	struct shim_waiter w;
	struct wait_ctx ctx;
	struct shim_thr *t;
	struct timespec ts, *tsp;
	struct pollfd pfd[2];
	uint64_t now, left, v;
	ssize_t n;
	int r, err, got, devfd;

	now = shim_now_us();
	if (now >= deadline_us)
		return (EAGAIN);
	t = shim_thr_get();
	/* the watch is taken before the spin: the engine thread stands
	 * aside while this one polls the device */
	devfd = shim_devwait_claim(t, 1);
	if (shim.conf.spin_us != 0 && !shim_sandboxed &&
	    wait_spin(s, t, now, deadline_us)) {
		shim_devwait_release(t);
		return (0);
	}
	now = shim_now_us();
	if (now >= deadline_us || t->rung) {
		/* rung (by itself, thr_ring): the caller checks again */
		err = t->rung ? 0 : EAGAIN;
		shim_devwait_release(t);
		shim_thr_drain(t);
		return (err);
	}
	left = deadline_us - now;
	if (t->bell < 0 && left > SHIM_SLICE_US)
		left = SHIM_SLICE_US;
	tsp = NULL;
	if (deadline_us != UINT64_MAX || t->bell < 0) {
		ts.tv_sec = left / 1000000;
		ts.tv_nsec = (left % 1000000) * 1000;
		tsp = &ts;
	}
	pfd[0].fd = t->bell;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	pfd[1].fd = devfd;
	pfd[1].events = POLLIN;
	pfd[1].revents = 0;
	shim_waiter_add(s, &w, t);
	ctx.s = s;
	ctx.w = &w;
	shim_unlock();

	got = 0;
	pthread_cleanup_push(wait_cancelled, &ctx);
	if (tsp == NULL && devfd < 0) {
		/* untimed: restarted by the kernel per SA_RESTART (above) */
		n = real_read(t->bell, &v, sizeof(v));
		r = n == (ssize_t)sizeof(v) ? 1 : -1;
		got = r == 1;
	} else
		r = real_ppoll(pfd, 2, tsp, NULL);	/* fd -1: skipped */
	err = errno;
	pthread_cleanup_pop(0);

	shim_lock();
	if (r > 0 && (pfd[1].revents & POLLIN))
		shim_devwait_take();
	shim_devwait_release(t);
	shim_waiter_del(s, &w);
	if (got)
		t->rung = 0;	/* the read took the count */
	else
		shim_thr_drain(t);
	if (r < 0 && err == EINTR) {
		/* the ppoll that stood in for the read: restart as it would */
		if (tsp == NULL && shim_sig_restarts())
			return (0);
		return (EINTR);
	}
	return (0);
}

/* ---- fork ---- */

/*
 * In the child of fork(), before anything else runs; the parent's
 * forking thread holds the lock, so nothing here takes it.  Only this
 * thread came along: waiters, sleepers, the device watch and the dirty
 * list are gone with the others.
 *
 * family: the child is a member (family.c has its slot).  Stack sockets
 * stay ours: each shim_sock the child can name by an fd has the refs of
 * its fds only (the calls other threads had in progress are gone); one
 * it cannot name (a call in progress after the last close) is forgotten
 * here, its hold was not passed on.  Internal fds are closed but keep[]
 * (the device, the region, the address lease), which the family shares.
 * Not family (the family was full): stack sockets are dead in the child
 * and every internal fd is closed.
 */
void
shim_core_fork_child(int family, const int *keep, int nkeep)
{
	struct shim_sock *s;
	uintptr_t v;
	uint32_t h;
	int fd, i, kept;

	devwait_thr = NULL;
	sleepers = NULL;
	devwait_left = 0;
	atomic_store(&devwait_seq, 0);
	devwait_seen = 0;
	for (fd = fdmap_next(0, &v); fd >= 0; fd = fdmap_next(fd + 1, &v)) {
		if (FDM_IS_SOCK(v)) {
			if (!family)
				(void)fdmap_set(fd, FDM_DEAD);
		} else if (v == FDM_INTERNAL) {
			for (i = 0, kept = 0; family && i < nkeep; i++)
				kept |= keep[i] == fd;
			if (kept)
				continue;
			fdmap_clear(fd);
			(void)syscall(SYS_close, fd);
		}
	}
	for (h = 1; h <= nlmap; h++) {
		if ((s = lmap[h - 1]) == NULL)
			continue;
		s->waiters = NULL;
		s->dirty = 0;
		s->dirty_next = NULL;
		if (!family || s->nfds == 0)
			lmap[h - 1] = NULL;
		else
			s->refs = s->nfds;
	}
	dirty_head = NULL;
	memset(&thr_self, 0, sizeof(thr_self));
	thr_self.bell = -1;
	shim_ep_fork_child(family);
}

/* ---- sockaddr_in in and out ---- */

int
shim_sin_in(const struct sockaddr *sa, socklen_t len, int for_bind,
    uint32_t *addr, uint16_t *port)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

	/* Linux: move_addr_to_kernel, then inet_bind / tcp_v4_connect */
	if ((int)len < 0 || len > sizeof(struct sockaddr_storage))
		return (EINVAL);
	if (sa == NULL && len > 0)
		return (EFAULT);
	if (len < sizeof(struct sockaddr_in))
		return (EINVAL);
	if (sin->sin_family != AF_INET) {
		/* bind: AF_UNSPEC with INADDR_ANY is accepted as AF_INET */
		if (!for_bind || sin->sin_family != AF_UNSPEC ||
		    sin->sin_addr.s_addr != htonl(INADDR_ANY))
			return (EAFNOSUPPORT);
	}
	*addr = ntohl(sin->sin_addr.s_addr);
	*port = ntohs(sin->sin_port);
	return (0);
}

int
shim_sin_check_out(const struct sockaddr *sa, const socklen_t *lenp)
{
	if (sa == NULL)
		return (0);
	if (lenp == NULL)
		return (EFAULT);
	if ((int)*lenp < 0)
		return (EINVAL);
	return (0);
}

int
shim_sin_out(struct sockaddr *sa, socklen_t *lenp, uint32_t addr,
    uint16_t port)
{
	struct sockaddr_in sin;
	socklen_t n;
	int err;

	if (sa == NULL)
		return (0);
	if ((err = shim_sin_check_out(sa, lenp)) != 0)
		return (err);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(addr);
	sin.sin_port = htons(port);
	/* as the kernel: copy what fits, report the full length */
	n = *lenp < sizeof(sin) ? *lenp : sizeof(sin);
	memcpy(sa, &sin, n);
	*lenp = sizeof(sin);
	return (0);
}

/*
 * loop.c - the engine thread: a private libev loop (STYLE.md section 14).
 *
 *	ev_io    on the device's wait fd: pull frames, run the engine
 *	ev_timer re-armed to xtcp_engine_next_deadline() after every pass
 *	ev_io    on a "kick" eventfd, written by shim_loop_kick() when an
 *	         application thread moved the deadline earlier
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
#include <signal.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "shim.h"

#define RX_BUDGET	64	/* frames per xtcp_engine_rx call */
#define RX_ROUNDS	8	/* calls per device event; the rest next turn */

static struct ev_loop	*loop;
static ev_io		 dev_w;
static ev_io		 kick_w;
static ev_timer		 timer_w;
static int		 kick_fd = -1;
static int		 dev_fd = -1;
static int		 backend_fd = -1;
static atomic_int	 kick_pending;
static pthread_t	 loop_tid;

static void	engine_pass(int);
static void	rearm(uint64_t);
static void	protect_backend_fd(void);

static void	dev_cb(struct ev_loop *l, ev_io *w, int revents);
static void	timer_cb(struct ev_loop *l, ev_timer *w, int revents);
static int	epoll_watches_dev(int fd, unsigned long dev_ino);
static void	kick_cb(struct ev_loop *l, ev_io *w, int revents);
static void	*loop_main(void *arg);
static void	*loop_alloc(void *ptr, long size);
static void	loop_syserr(const char *msg);
static void	loop_teardown(void);

static void
engine_pass(int rx)
{
	struct xtcp_engine *eng = shim.eng;
	uint64_t now, next;
	int i;

	shim_lock();
	now = shim_now_us();
	for (i = 0; rx && i < RX_ROUNDS; i++)
		if (xtcp_engine_rx(eng, now, RX_BUDGET) < RX_BUDGET)
			break;
	xtcp_engine_poll(eng, now);
	next = xtcp_engine_next_deadline(eng);
	shim_unlock();
	rearm(next);
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
	engine_pass(1);
}

static void
timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
	if (backend_fd < 0)
		protect_backend_fd();
	engine_pass(0);
}

/* Does epoll instance fd watch our device socket?  Its fdinfo lists each
 * watched fd as "tfd: N events: .. data: .. pos:.. ino:HEX ...". */
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
		if (sscanf(line, "tfd: %d", &tfd) != 1 || tfd != dev_fd)
			continue;
		if ((ino = strstr(line, "ino:")) != NULL &&
		    sscanf(ino, "ino:%lx", &i) == 1 && i == dev_ino)
			return (1);
	}
	return (0);
}

/*
 * libev does not say which fd its epoll backend uses.  Once it has
 * registered the device (before the first callback), find the epoll
 * instance that watches the device socket's inode and mark it internal.
 * Runs once, on the engine thread, without the lock.
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
	if (syscall(SYS_fstat, dev_fd, &st) != 0 ||
	    (d = opendir("/proc/self/fd")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		fd = atoi(de->d_name);
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
	engine_pass(0);
}

/*
 * The engine's kick callback: its next deadline moved earlier.  Called
 * with the engine lock held, from any thread.
 */
void
shim_loop_kick(void *arg)
{
	uint64_t one = 1;

	(void)arg;
	if (kick_fd < 0 || pthread_equal(pthread_self(), loop_tid))
		return;		/* the engine thread re-arms after its pass */
	if (atomic_exchange(&kick_pending, 1) == 0)
		(void)syscall(SYS_write, kick_fd, &one, sizeof(one));
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
	if (loop != NULL) {
		ev_loop_destroy(loop);
		loop = NULL;
	}
}

int
shim_loop_start(struct xtcp_engine *eng)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int err;

	ev_set_allocator(loop_alloc);
	ev_set_syserr_cb(loop_syserr);
	loop = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV | EVFLAG_NOSIGMASK |
	    EVFLAG_NOINOTIFY | EVFLAG_NOTIMERFD);
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
	ev_io_init(&dev_w, dev_cb, dev_fd, EV_READ);
	ev_io_start(loop, &dev_w);
	ev_io_init(&kick_w, kick_cb, kick_fd, EV_READ);
	ev_io_start(loop, &kick_w);
	/* a first pass at once, then whenever the engine asks */
	ev_timer_init(&timer_w, timer_cb, 0., 0.);
	ev_timer_start(loop, &timer_w);

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

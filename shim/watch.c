/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * watch.c - the watcher: a small process that outlives the program and
 * acts once the program has died.
 *
 * A kernel resets the connections of a process killed by a signal (it
 * closes the process's sockets, and data still coming in meets a closed
 * socket).  Our engine dies with the process, so without help the peers
 * keep the connections ESTABLISHED until their own timers give up
 * (minutes).  When the engine starts, the shim starts a watcher that
 * waits for the program's death and then resets what it held
 * (watch_reset.c); this file is the process part, which knows nothing of
 * TCP: how the watcher is made, cut loose from the program, and told of
 * the death.
 *
 * Not the program's child.  A child would be visible: SIGCHLD, a
 * waitpid(2) result, a shell's `wait` that waits for it.  So the program
 * makes an intermediate with clone(2) whose exit signal is 0 (no SIGCHLD
 * when it ends; a plain wait(2) does not even see it: only __WCLONE or
 * __WALL do), sharing its memory while the spawning thread waits
 * (CLONE_VM | CLONE_VFORK, as posix_spawn does: the program's memory is
 * copied once, for the watcher); the intermediate forks the watcher and
 * exits at once, and the program reaps it with waitpid(pid, __WCLONE)
 * before it returns.  The watcher, orphaned, belongs to PID 1 (or the
 * nearest child subreaper above the program).  clone rather than
 * fork(3): the program's pthread_atfork handlers (and ours, init.c) must
 * not run for a process that is not a fork of the program's making.  The watcher
 * itself comes from glibc's _Fork() (2.34), which runs no handlers
 * either but brings the thread's ID and robust-mutex list up to date in
 * the child, as the engine lock, a robust mutex, needs.
 *
 * Cut loose.  The watcher calls nothing that may be locked in a copy of
 * a multithreaded program (no malloc, no stdio: raw system calls and
 * async-signal-safe functions).  It starts a session of its own
 * (setsid), so a terminal's Ctrl-C or hang-up, which the program's
 * process group receives, cannot end it before it has reset the program's
 * connections; it ignores every signal it can (SIGKILL still ends it);
 * it leaves the program's working directory for /; it closes every
 * descriptor but the device's and the pidfd it waits on (a pipe or a
 * listening socket of the program kept open would hang a shell reading
 * the pipe or a client of the socket), keeping standard error only when
 * that is a regular file; and it calls itself SHIM_WATCH_NAME.
 *
 * Told of the death.  A pidfd (pidfd_open(2), Linux 5.3) of the program,
 * opened by the program itself before the clone so that it cannot name
 * another process that got the PID later, becomes readable when the
 * last thread of the program has exited.  After a double fork the
 * watcher cannot look at its parent (getppid() is PID 1 at once), and a
 * PID alone may be reused; so without pidfd_open there is no watcher.
 *
 * Unit tests: tests/unit/check_shim_watch.c.
 */
#include "prelude.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "watch.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open	434	/* every architecture, Linux 5.3 */
#endif
#ifndef SYS_close_range
#define SYS_close_range	436	/* every architecture, Linux 5.9 */
#endif
#ifndef __WCLONE
#define __WCLONE	0x80000000
#endif

/* Closing one by one (no close_range) stops at this many descriptors. */
#define WATCH_FD_SCAN_MAX	(1 << 20)
/* The intermediate's stack, and the watcher's (its copy): the engine's
 * input path runs on it.  Pages are touched as used. */
#define WATCH_STACK_SIZE	(256 * 1024)

struct watch_start {
	const struct shim_watch	*w;
	int			 pidfd;
};

static uint8_t	watch_stack[WATCH_STACK_SIZE] __attribute__((aligned(64)));

static pid_t	watch_fork(void);
/* They run on watch_stack, which AddressSanitizer does not know as a
 * stack: its check at their calls of functions that do not return
 * would only warn. */
static int	watch_intermediate(void *)
		    __attribute__((no_sanitize_address));
static void	watch_main(const struct shim_watch *, int)
		    __attribute__((noreturn, no_sanitize_address));
static void	watch_detach(void);
static void	watch_close_gap(unsigned, unsigned);
static void	watch_exit(int) __attribute__((noreturn));

static void
watch_exit(int status)
{
	for (;;)
		(void)syscall(SYS_exit_group, status);
}

/*
 * The watcher, a child of the intermediate.  glibc's _Fork() where there
 * is one; else a raw clone(2) with SIGCHLD (for the intermediate, which
 * is gone by then), whose thread ID glibc does not know: the engine
 * lock's robust ownership then names the program's thread (see xtcp(7)).
 */
static pid_t
watch_fork(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || \
    (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	return (_Fork());
#else
	return ((pid_t)syscall(SYS_clone, (unsigned long)SIGCHLD, NULL, NULL,
	    NULL, NULL));
#endif
}

/*
 * The intermediate: fork the watcher, exit (1 if it could not).  It runs
 * in our memory (CLONE_VM) on watch_stack while the spawning thread
 * waits (CLONE_VFORK), as posix_spawn's child does, so that the
 * program's memory is copied once (by this fork), not twice; the watcher
 * goes on in its own copy of watch_stack.
 */
static int
watch_intermediate(void *arg)
{
	const struct watch_start *ws = arg;
	pid_t pid;

	pid = watch_fork();
	if (pid == 0)
		watch_main(ws->w, ws->pidfd);
	watch_exit(pid < 0 ? 1 : 0);
}

/* Session, name, signals, directory: see the file's comment. */
static void
watch_detach(void)
{
	struct sigaction sa;
	int sig;

	(void)syscall(SYS_setsid);
	(void)syscall(SYS_prctl, PR_SET_NAME, (unsigned long)SHIM_WATCH_NAME,
	    0UL, 0UL, 0UL);
	/* the signals stay blocked too (from the spawn): none is taken,
	 * and none runs a handler of the program in the watcher */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &sa, NULL);	/* some: EINVAL */
	(void)syscall(SYS_chdir, "/");
}

/*
 * A watcher must not outlive its work, whatever happens in it (a device
 * that no longer answers, a bug): SIGALRM, back to its default action
 * and unblocked, ends it after secs.
 */
void
shim_watch_bound(unsigned secs)
{
	struct sigaction sa;
	sigset_t alrm;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	(void)sigaction(SIGALRM, &sa, NULL);
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	(void)sigprocmask(SIG_UNBLOCK, &alrm, NULL);
	(void)alarm(secs);
}

static void
watch_main(const struct shim_watch *w, int pidfd)
{
	struct stat st;
	int keep[SHIM_WATCH_MAXFDS + 1], keep2;
	unsigned i, n = 0;

	watch_detach();
	for (i = 0; i < w->nkeep && i < SHIM_WATCH_MAXFDS; i++)
		keep[n++] = w->keep[i];
	keep[n++] = pidfd;
	keep2 = fstat(2, &st) == 0 && S_ISREG(st.st_mode);
	shim_watch_close_fds(keep, n, keep2);
	if (shim_watch_wait(pidfd) == 0 && w->fn != NULL) {
		shim_watch_bound(w->max_s != 0 ? w->max_s : SHIM_WATCH_MAX_S);
		w->fn(w->arg);
	}
	watch_exit(0);
}

int
shim_watch_spawn(const struct shim_watch *w)
{
	struct watch_start ws;
	sigset_t all, old;
	long pid, r;
	int pidfd, st = 0, sub = 0, err = 0, saved = errno;

	if (w->nkeep > SHIM_WATCH_MAXFDS)
		return (EINVAL);
	/* an orphaned watcher would become our child, seen by wait() */
	if (syscall(SYS_getpid) == 1 ||
	    (syscall(SYS_prctl, PR_GET_CHILD_SUBREAPER, (unsigned long)&sub,
	    0UL, 0UL, 0UL) == 0 && sub != 0))
		return (EPERM);
	pidfd = (int)syscall(SYS_pidfd_open, (pid_t)syscall(SYS_getpid), 0);
	if (pidfd < 0) {
		err = errno;
		errno = saved;
		return (err);
	}
	/* no signal is taken by the copies (they would run the program's
	 * handlers) nor, meanwhile, by this thread */
	sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	/* exit signal 0: no SIGCHLD; back when it has exited */
	ws.w = w;
	ws.pidfd = pidfd;
	pid = clone(watch_intermediate, watch_stack + sizeof(watch_stack),
	    CLONE_VM | CLONE_VFORK, &ws);
	if (pid < 0) {
		err = errno;
	} else {
		do
			r = syscall(SYS_wait4, (pid_t)pid, &st, __WCLONE, NULL);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			err = errno;
		else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			err = EAGAIN;	/* the watcher's fork failed */
	}
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	(void)syscall(SYS_close, pidfd);
	errno = saved;
	return (err);
}

/* Close [lo, hi]. */
static void
watch_close_gap(unsigned lo, unsigned hi)
{
	struct rlimit rl;
	unsigned fd, top;

	if (lo > hi)
		return;
	if (syscall(SYS_close_range, lo, hi, 0U) == 0)
		return;
	/* before Linux 5.9: every number the limit allows, bounded */
	top = WATCH_FD_SCAN_MAX;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < top)
		top = (unsigned)rl.rlim_cur;
	for (fd = lo; fd <= hi && fd < top; fd++)
		(void)syscall(SYS_close, fd);
}

void
shim_watch_close_fds(const int *keep, unsigned n, int keep2)
{
	int k[SHIM_WATCH_MAXFDS + 2], t;
	unsigned i, j, m = 0, lo = 0;

	for (i = 0; i < n && m < SHIM_WATCH_MAXFDS + 1; i++)
		if (keep[i] >= 0)
			k[m++] = keep[i];
	if (keep2)
		k[m++] = 2;
	/* in order (a few entries: insertion sort) */
	for (i = 1; i < m; i++)
		for (j = i; j > 0 && k[j - 1] > k[j]; j--) {
			t = k[j];
			k[j] = k[j - 1];
			k[j - 1] = t;
		}
	for (i = 0; i < m; i++) {
		if ((unsigned)k[i] < lo)
			continue;		/* a duplicate */
		if ((unsigned)k[i] > lo)
			watch_close_gap(lo, (unsigned)k[i] - 1);
		lo = (unsigned)k[i] + 1;
	}
	watch_close_gap(lo, ~0U);
}

int
shim_watch_wait(int pidfd)
{
	struct pollfd p;
	long r;

	for (;;) {
		p.fd = pidfd;
		p.events = POLLIN;
		p.revents = 0;
		r = syscall(SYS_ppoll, &p, 1UL, NULL, NULL, 0UL);
		if (r > 0)
			return ((p.revents & POLLNVAL) ? EBADF : 0);
		if (r < 0 && errno != EINTR)
			return (errno);
	}
}

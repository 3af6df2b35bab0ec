/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_shim_watch.c - the watcher process (shim/watch.c) without
 * LD_PRELOAD: a "program" (a child of the test) starts a watcher and
 * ends, by exit(3) or by a SIGINT to its process group as a terminal's
 * Ctrl-C sends; the program sees no SIGCHLD and no child, keeps its exit
 * status, and the watcher runs its function only after the program's
 * death, in a session of its own, named xtcp-watch, ignoring SIGINT,
 * in /, with the program's other descriptors closed, then exits.  Also
 * the descriptor closing on its own, the wait on a pidfd, and the refusal
 * in a child subreaper.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "watch.h"

Suite	*xt_suite_shim_watch(void);

#ifndef __WALL
#define __WALL	0x40000000
#endif

/* What the watcher's function reports. */
struct report {
	pid_t	pid;
	pid_t	sid;
	pid_t	pgid;
	int	sigint_ignored;
	int	extra_open;	/* the program's other pipe still open? */
	int	in_root;	/* working directory is / */
	char	name[17];
};

static int		rep_fd = -1;	/* the report pipe (kept) */
static int		extra_fd = -1;	/* a pipe of the program's (closed) */
static volatile sig_atomic_t nchld;

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* In the watcher, after the program's death. */
static void
watcher_fn(void *arg)
{
	struct sigaction sa;
	struct report r;
	char cwd[8];

	(void)arg;
	memset(&r, 0, sizeof(r));
	r.pid = getpid();
	r.sid = getsid(0);
	r.pgid = getpgid(0);
	r.sigint_ignored = sigaction(SIGINT, NULL, &sa) == 0 &&
	    sa.sa_handler == SIG_IGN;
	r.extra_open = fcntl(extra_fd, F_GETFD) != -1;
	r.in_root = getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, "/") == 0;
	(void)prctl(PR_GET_NAME, r.name);
	(void)write(rep_fd, &r, sizeof(r));
	/* stay a moment: the test sees the extra pipe closed meanwhile */
	sleep_ms(500);
}

static void
on_chld(int sig)
{
	(void)sig;
	nchld++;
}

/* The program: start a watcher, check that nothing shows, report the
 * verdict (one byte, 0 = fine), then exit 3 or wait for the SIGINT. */
static void
program(int by_sigint)
{
	struct shim_watch w;
	struct sigaction sa;
	char verdict = 0;

	(void)setpgid(0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;	/* not Check's */
	(void)sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_chld;
	(void)sigaction(SIGCHLD, &sa, NULL);
	memset(&w, 0, sizeof(w));
	w.keep[w.nkeep++] = rep_fd;
	w.fn = watcher_fn;
	if (shim_watch_spawn(&w) != 0)
		verdict = 1;
	sleep_ms(200);
	if (nchld != 0)
		verdict = 2;
	/* no child of any kind left: not the watcher, not the clone */
	if (waitpid(-1, NULL, WNOHANG | __WALL) != -1 || errno != ECHILD)
		verdict = 3;
	(void)write(rep_fd, &verdict, 1);
	/* the test looks at the watcher meanwhile; bounded, so that a
	 * failing test leaves nothing behind */
	sleep_ms(by_sigint ? 5000 : 400);
	_exit(3);
}

/* The state letter of /proc/PID/stat, or 0 when there is no such
 * process (a zombie, 'Z', has exited too). */
static char
proc_state(pid_t pid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		return (0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (0);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL || p[1] == '\0')
		return (0);
	return (p[2]);
}

static int
readable_within(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return (poll(&p, 1, ms) == 1);
}

/* _i: 0, the program exits with 3; 1, SIGINT to its process group. */
START_TEST(watcher_outlives_program)
{
	int rep[2], extra[2], st, i;
	struct report r;
	char verdict = 9, c, s;
	pid_t prog;

	ck_assert_int_eq(pipe(rep), 0);
	ck_assert_int_eq(pipe(extra), 0);
	rep_fd = rep[1];
	extra_fd = extra[1];
	prog = fork();
	ck_assert_int_ge(prog, 0);
	if (prog == 0) {
		close(rep[0]);
		close(extra[0]);
		program(_i);
	}
	close(rep[1]);
	close(extra[1]);
	ck_assert(readable_within(rep[0], 2000));
	ck_assert_int_eq(read(rep[0], &verdict, 1), 1);
	ck_assert_msg(verdict == 0, "the program saw the watcher (%d)",
	    verdict);
	/* the watcher does nothing while the program lives */
	ck_assert(!readable_within(rep[0], 200));
	if (_i == 1)
		ck_assert_int_eq(kill(-prog, SIGINT), 0);
	ck_assert_int_eq(waitpid(prog, &st, 0), prog);
	if (_i == 0) {
		ck_assert(WIFEXITED(st));
		ck_assert_int_eq(WEXITSTATUS(st), 3);
	} else {
		ck_assert(WIFSIGNALED(st));
		ck_assert_int_eq(WTERMSIG(st), SIGINT);
	}
	ck_assert_msg(readable_within(rep[0], 3000), "no watcher report");
	ck_assert_int_eq(read(rep[0], &r, sizeof(r)), (ssize_t)sizeof(r));
	ck_assert_int_ne(r.pid, prog);
	ck_assert_int_eq(r.sid, r.pid);		/* a session of its own */
	ck_assert_int_eq(r.pgid, r.pid);
	ck_assert_int_ne(r.sid, getsid(0));
	ck_assert(r.sigint_ignored);
	ck_assert(!r.extra_open);
	ck_assert(r.in_root);
	ck_assert_str_eq(r.name, SHIM_WATCH_NAME);
	/* the program's pipe: closed by the watcher, not at its exit */
	ck_assert(readable_within(extra[0], 300));
	ck_assert_int_eq(read(extra[0], &c, 1), 0);
	ck_assert_msg((s = proc_state(r.pid)) != 0 && s != 'Z',
	    "the watcher should still be in its function");
	/* and then it exits */
	for (i = 0; i < 100 && (s = proc_state(r.pid)) != 0 && s != 'Z'; i++)
		sleep_ms(20);
	ck_assert_msg(s == 0 || s == 'Z', "the watcher is still there (%c)",
	    s);
	ck_assert_int_eq(read(rep[0], &c, 1), 0);	/* nothing more */
	close(rep[0]);
	close(extra[0]);
}
END_TEST

/* In the watcher: never returns, but for the bound. */
static void
watcher_spins(void *arg)
{
	(void)arg;
	(void)write(rep_fd, "s", 1);
	for (;;)
		;
}

/* A watcher whose work does not end is ended after max_s seconds. */
START_TEST(watcher_bounded)
{
	struct shim_watch w;
	struct timespec t0, t1;
	int rep[2], st;
	pid_t prog;
	long ms;
	char c;

	ck_assert_int_eq(pipe(rep), 0);
	rep_fd = rep[1];
	prog = fork();
	ck_assert_int_ge(prog, 0);
	if (prog == 0) {
		close(rep[0]);
		memset(&w, 0, sizeof(w));
		w.keep[w.nkeep++] = rep_fd;
		w.fn = watcher_spins;
		w.max_s = 1;
		_exit(shim_watch_spawn(&w) == 0 ? 0 : 1);
	}
	close(rep[1]);
	ck_assert_int_eq(waitpid(prog, &st, 0), prog);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert(readable_within(rep[0], 3000));
	ck_assert_int_eq(read(rep[0], &c, 1), 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* its pipe end closes when it is ended */
	ck_assert_msg(readable_within(rep[0], 2500), "the watcher spins on");
	ck_assert_int_eq(read(rep[0], &c, 1), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) /
	    1000000;
	ck_assert_int_lt(ms, 2500);
	close(rep[0]);
}
END_TEST

/* Orphaned, a watcher would become the child of a subreaper: none. */
START_TEST(no_watcher_in_subreaper)
{
	struct shim_watch w;

	memset(&w, 0, sizeof(w));
	w.fn = watcher_fn;
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	ck_assert_int_eq(shim_watch_spawn(&w), EPERM);
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG | __WALL), -1);
	ck_assert_int_eq(errno, ECHILD);
	w.nkeep = SHIM_WATCH_MAXFDS + 1;
	ck_assert_int_eq(shim_watch_spawn(&w), EINVAL);
}
END_TEST

/*
 * In a child: only the kept descriptors stay (_i: 1 keeps standard
 * error too); the child reports fds 0..127 as a bit map through a kept
 * pipe.
 */
START_TEST(close_all_but_kept)
{
	int p[2], q[2], hi, keep[4], i;
	unsigned char map[16], want[16];
	pid_t c;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(pipe(q), 0);
	hi = fcntl(q[0], F_DUPFD, 100);
	ck_assert_int_ge(hi, 100);
	memset(want, 0, sizeof(want));
	want[p[1] / 8] |= 1 << (p[1] % 8);
	want[hi / 8] |= 1 << (hi % 8);
	if (_i)
		want[0] |= 1 << 2;
	c = fork();
	ck_assert_int_ge(c, 0);
	if (c == 0) {
		keep[0] = hi;
		keep[1] = p[1];
		keep[2] = hi;		/* twice, and one invalid */
		keep[3] = -1;
		shim_watch_close_fds(keep, 4, _i);
		memset(map, 0, sizeof(map));
		for (i = 0; i < 128; i++)
			if (fcntl(i, F_GETFD) != -1)
				map[i / 8] |= 1 << (i % 8);
		(void)write(p[1], map, sizeof(map));
		_exit(0);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], map, sizeof(map)), (ssize_t)sizeof(map));
	ck_assert_int_eq(waitpid(c, NULL, 0), c);
	for (i = 0; i < 128; i++)
		ck_assert_msg(((map[i / 8] ^ want[i / 8]) & (1 << (i % 8))) ==
		    0, "fd %d is %s", i, (map[i / 8] & (1 << (i % 8))) ?
		    "open" : "closed");
}
END_TEST

/* The wait ends when the process ends, not before; a bad fd: EBADF. */
START_TEST(wait_for_death)
{
	struct timespec t0, t1;
	long ms;
	pid_t c;
	int fd;

	c = fork();
	ck_assert_int_ge(c, 0);
	if (c == 0) {
		sleep_ms(150);
		_exit(0);
	}
	fd = (int)syscall(SYS_pidfd_open, c, 0);
	ck_assert_int_ge(fd, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(shim_watch_wait(fd), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) /
	    1000000;
	ck_assert_int_ge(ms, 100);
	ck_assert_int_lt(ms, 5000);
	close(fd);
	ck_assert_int_eq(waitpid(c, NULL, 0), c);
	ck_assert_int_eq(shim_watch_wait(fd), EBADF);
}
END_TEST

Suite *
xt_suite_shim_watch(void)
{
	Suite *s = suite_create("shim_watch");
	TCase *tc = tcase_create("shim_watch");

	tcase_add_loop_test(tc, watcher_outlives_program, 0, 2);
	tcase_add_test(tc, no_watcher_in_subreaper);
	tcase_add_test(tc, watcher_bounded);
	tcase_add_loop_test(tc, close_all_but_kept, 0, 2);
	tcase_add_test(tc, wait_for_death);
	suite_add_tcase(s, tc);
	return (s);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rtc_threads.c - many threads of one program waiting on stack sockets
 * at once, in every way a program waits (issue 12, run to completion).
 *
 *   rtc_threads echo ADDR PORT SECS    a kernel echo server: one thread per
 *                                      connection, each reply delayed by
 *                                      0-400 µs so that the client's
 *                                      threads are asleep together
 *   rtc_threads run ADDR PORT TURNS    the client: NTHR threads, one
 *                                      connection each, TURNS request/
 *                                      response turns each
 *
 * The client's threads wait in blocking read(2), and in poll(2),
 * select(2) and epoll_wait(2) with a pipe (a kernel fd) in the set
 * besides the socket; a ticker thread writes the pipes every
 * millisecond, and the threads end at different times.  Under the shim one thread
 * at a time watches the device and the others sleep on their bells; when
 * the watcher leaves, another takes over or the engine thread does.  A
 * lost wake-up shows as a turn that does not end: every wait is bounded
 * (SO_RCVTIMEO, or the poll timeouts) by STALL_MS, and the program fails
 * with the thread and turn.  Every reply is checked byte for byte.
 * Prints "ok THREADS TURNS max_ms" and exits 0, or says what failed and
 * exits 1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NTHR		8	/* client threads */
#define MSG_MAX		200	/* bytes of the longest request */
#define STALL_MS	3000	/* a wait this long is a lost wake-up */

enum wait_kind { W_READ, W_POLL, W_SELECT, W_EPOLL };

struct thr {
	int		 id;
	enum wait_kind	 kind;
	int		 fd;		/* the connection */
	int		 pipe[2];	/* kernel fd in the wait set */
	long		 turns;
	double		 max_ms;
	char		 err[160];
};

static struct sockaddr_in peer;
static atomic_int running;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

static int
parse_addr(const char *a, const char *p, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)atoi(p));
	return (inet_pton(AF_INET, a, &sin->sin_addr) == 1 ? 0 : -1);
}

/* ---- the kernel echo server ---- */

static void *
echo_conn(void *arg)
{
	char buf[4096];
	struct timespec ts;
	unsigned seed = (unsigned)(uintptr_t)arg;
	int fd = (int)(intptr_t)arg;
	ssize_t n, m, k;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(rand_r(&seed) % 400) * 1000;
		nanosleep(&ts, NULL);
		for (m = 0; m < n; m += k)
			if ((k = write(fd, buf + m, (size_t)(n - m))) <= 0)
				goto out;
	}
out:
	close(fd);
	return (NULL);
}

static int
echo_main(const char *a, const char *p, int secs)
{
	struct sockaddr_in sin;
	pthread_t t;
	int s, c, one = 1;

	if (parse_addr(a, p, &sin) != 0)
		return (2);
	alarm((unsigned)secs);
	s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(s, 64) != 0) {
		perror("rtc_threads echo");
		return (1);
	}
	for (;;) {
		if ((c = accept(s, NULL, NULL)) < 0)
			continue;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (pthread_create(&t, NULL, echo_conn, (void *)(intptr_t)c) ==
		    0)
			pthread_detach(t);
		else
			close(c);
	}
}

/* ---- the client ---- */

/* Wait until t->fd is readable, draining the pipe when it is.  0, or -1
 * with t->err set. */
static int
wait_readable(struct thr *t)
{
	struct epoll_event ev, evs[4];
	struct pollfd pfd[2];
	struct timeval tv;
	double end = now_ms() + STALL_MS;
	char junk[64];
	fd_set rd;
	int n, i, ep, got;

	switch (t->kind) {
	case W_READ:
		return (0);	/* the read blocks (SO_RCVTIMEO bounds it) */
	case W_POLL:
		for (;;) {
			pfd[0].fd = t->fd;
			pfd[0].events = POLLIN;
			pfd[1].fd = t->pipe[0];
			pfd[1].events = POLLIN;
			n = poll(pfd, 2, STALL_MS);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0 || now_ms() > end)
				break;
			if (pfd[1].revents & POLLIN)
				(void)read(t->pipe[0], junk, sizeof(junk));
			if (pfd[0].revents & POLLIN)
				return (0);
		}
		break;
	case W_SELECT:
		for (;;) {
			FD_ZERO(&rd);
			FD_SET(t->fd, &rd);
			FD_SET(t->pipe[0], &rd);
			tv.tv_sec = STALL_MS / 1000;
			tv.tv_usec = 0;
			n = select((t->fd > t->pipe[0] ? t->fd : t->pipe[0]) + 1,
			    &rd, NULL, NULL, &tv);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0 || now_ms() > end)
				break;
			if (FD_ISSET(t->pipe[0], &rd))
				(void)read(t->pipe[0], junk, sizeof(junk));
			if (FD_ISSET(t->fd, &rd))
				return (0);
		}
		break;
	case W_EPOLL:
		if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
			break;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.fd = t->fd;
		(void)epoll_ctl(ep, EPOLL_CTL_ADD, t->fd, &ev);
		ev.data.fd = t->pipe[0];
		(void)epoll_ctl(ep, EPOLL_CTL_ADD, t->pipe[0], &ev);
		got = 0;
		while (!got) {
			n = epoll_wait(ep, evs, 4, STALL_MS);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0 || now_ms() > end)
				break;
			for (i = 0; i < n; i++) {
				if (evs[i].data.fd == t->pipe[0])
					(void)read(t->pipe[0], junk,
					    sizeof(junk));
				else
					got = 1;
			}
		}
		close(ep);
		if (got)
			return (0);
		break;
	}
	snprintf(t->err, sizeof(t->err), "thread %d: no reply within %d ms "
	    "(turn %ld)", t->id, STALL_MS, t->turns);
	return (-1);
}

static void *
client(void *arg)
{
	struct thr *t = arg;
	char req[MSG_MAX], rsp[MSG_MAX];
	struct timeval tv = { STALL_MS / 1000, 0 };
	long want = t->turns, i;
	size_t len, j;
	ssize_t n, got;
	double t0, ms;
	int one = 1;

	t->turns = 0;
	t->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (t->fd < 0 || connect(t->fd, (struct sockaddr *)&peer,
	    sizeof(peer)) != 0) {
		snprintf(t->err, sizeof(t->err), "thread %d: connect: %s",
		    t->id, strerror(errno));
		goto out;
	}
	setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(t->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (i = 0; i < want; i++) {
		len = 1 + (size_t)((i * 7 + (long)t->id * 13) % MSG_MAX);
		for (j = 0; j < len; j++)
			req[j] = (char)(t->id * 31 + i + (long)j);
		t0 = now_ms();
		if (write(t->fd, req, len) != (ssize_t)len) {
			snprintf(t->err, sizeof(t->err), "thread %d: write: "
			    "%s", t->id, strerror(errno));
			goto out;
		}
		for (got = 0; got < (ssize_t)len; got += n) {
			if (wait_readable(t) != 0)
				goto out;
			n = read(t->fd, rsp + got, len - (size_t)got);
			if (n < 0 && errno == EINTR) {
				n = 0;
				continue;
			}
			if (n <= 0) {
				snprintf(t->err, sizeof(t->err), "thread %d: "
				    "read at turn %ld: %s", t->id, i,
				    n == 0 ? "end of stream" :
				    errno == EAGAIN ? "no reply within "
				    "SO_RCVTIMEO (a lost wake-up?)" :
				    strerror(errno));
				goto out;
			}
		}
		if (memcmp(req, rsp, len) != 0) {
			snprintf(t->err, sizeof(t->err), "thread %d: turn %ld:"
			    " the reply differs from the request", t->id, i);
			goto out;
		}
		ms = now_ms() - t0;
		if (ms > t->max_ms)
			t->max_ms = ms;
		t->turns++;
		/* threads end at different times: the watcher leaves */
		if (i == want - 1 - (long)t->id * (want / (2 * NTHR)))
			break;
	}
out:
	if (t->fd >= 0)
		close(t->fd);
	atomic_fetch_sub(&running, 1);
	return (NULL);
}

/* The pipes turn readable every millisecond while the clients run. */
static void *
ticker(void *arg)
{
	struct thr *th = arg;
	struct timespec ts = { 0, 1000 * 1000 };
	int i;

	while (atomic_load(&running) > 0) {
		for (i = 0; i < NTHR; i++)
			if (th[i].kind != W_READ)
				(void)write(th[i].pipe[1], "t", 1);
		nanosleep(&ts, NULL);
	}
	return (NULL);
}

static int
run_main(const char *a, const char *p, long turns)
{
	static const enum wait_kind kinds[NTHR] = { W_READ, W_POLL, W_SELECT,
	    W_EPOLL, W_READ, W_POLL, W_EPOLL, W_READ };
	struct thr th[NTHR];
	pthread_t tid[NTHR], tick;
	long total = 0;
	double max_ms = 0;
	int i, bad = 0;

	if (parse_addr(a, p, &peer) != 0 || turns <= 0)
		return (2);
	signal(SIGPIPE, SIG_IGN);
	memset(th, 0, sizeof(th));
	atomic_store(&running, NTHR);
	for (i = 0; i < NTHR; i++) {
		th[i].id = i;
		th[i].kind = kinds[i];
		th[i].turns = turns;
		th[i].fd = -1;
		if (pipe2(th[i].pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
			perror("rtc_threads: pipe");
			return (1);
		}
	}
	for (i = 0; i < NTHR; i++)
		if (pthread_create(&tid[i], NULL, client, &th[i]) != 0) {
			perror("rtc_threads: pthread_create");
			return (1);
		}
	if (pthread_create(&tick, NULL, ticker, th) != 0) {
		perror("rtc_threads: pthread_create");
		return (1);
	}
	for (i = 0; i < NTHR; i++)
		pthread_join(tid[i], NULL);
	pthread_join(tick, NULL);
	for (i = 0; i < NTHR; i++) {
		if (th[i].err[0] != '\0') {
			fprintf(stderr, "rtc_threads: %s\n", th[i].err);
			bad = 1;
		}
		total += th[i].turns;
		if (th[i].max_ms > max_ms)
			max_ms = th[i].max_ms;
	}
	if (bad)
		return (1);
	printf("ok %d %ld %.1f\n", NTHR, total, max_ms);
	return (0);
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "echo") == 0)
		return (echo_main(argv[2], argv[3], atoi(argv[4])));
	if (argc == 5 && strcmp(argv[1], "run") == 0)
		return (run_main(argv[2], argv[3], atol(argv[4])));
	fprintf(stderr, "usage: rtc_threads echo ADDR PORT SECS | "
	    "run ADDR PORT TURNS\n");
	return (2);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * shortconn.c - the client of the issue 12 scale tests (short_conn_*.sh,
 * idle_18k.sh), run under the shim or on the kernel's TCP.
 *
 *   shortconn ADDR PORT COUNT SECONDS
 *	COUNT short connections, one after another: connect, a 100-byte
 *	request, read the reply until the server's FIN, close.
 *   shortconn -i ADDR PORT COUNT SECONDS HOLD [FILE]
 *	COUNT idle connections opened one after another and kept; when all
 *	are open, check none has failed, hold them HOLD seconds (or until
 *	FILE exists), check again.
 *
 * Everything is bounded: SECONDS for the whole run, 5 s (SO_SNDTIMEO,
 * SO_RCVTIMEO) for each call, at most 5 failures before giving up.  One
 * summary line at the end (the scripts read it), the first failures
 * before it:
 *	shortconn: ok N failed F slow S elapsed_ms E first_port P last_port Q
 * where slow counts connections that took over 500 ms (a SYN or a FIN
 * retransmitted after a timeout).  Exit 0 when all COUNT succeeded.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define REQ_LEN		100
#define MAX_FAIL	5
#define SLOW_MS		500
#define CALL_TIMEOUT_S	5

static struct sockaddr_in	dst;
static unsigned			nfail, nslow;
static unsigned			first_port, last_port;

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static void
fail(unsigned i, const char *what, int err)
{
	nfail++;
	if (nfail <= 5)
		fprintf(stderr, "shortconn: connection %u: %s: %s\n", i, what,
		    err != 0 ? strerror(err) : "short");
}

/* A connected socket, or -1 (counted). */
static int
open_one(unsigned i)
{
	struct timeval tv = { CALL_TIMEOUT_S, 0 };
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0) {
		fail(i, "socket", errno);
		return (-1);
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) != 0) {
		fail(i, "connect", errno);
		close(fd);
		return (-1);
	}
	if (getsockname(fd, (struct sockaddr *)&me, &len) == 0) {
		if (first_port == 0)
			first_port = ntohs(me.sin_port);
		last_port = ntohs(me.sin_port);
	}
	return (fd);
}

/* One short connection: 0 or -1 (counted). */
static int
short_one(unsigned i)
{
	char req[REQ_LEN], buf[512];
	size_t got = 0;
	ssize_t n;
	int fd;

	if ((fd = open_one(i)) < 0)
		return (-1);
	memset(req, 'a' + (int)(i % 26), sizeof(req));
	if (send(fd, req, sizeof(req), MSG_NOSIGNAL) != (ssize_t)sizeof(req)) {
		fail(i, "send", errno);
		close(fd);
		return (-1);
	}
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n == 0)
			break;
		if (n < 0) {
			fail(i, "recv", errno);
			close(fd);
			return (-1);
		}
		got += (size_t)n;
	}
	close(fd);
	if (got != REQ_LEN) {
		fail(i, "reply of other than 100 bytes", 0);
		return (-1);
	}
	return (0);
}

/* How many of the n fds have failed (error or hang-up). */
static unsigned
count_broken(const int *fds, unsigned n)
{
	struct pollfd *p;
	unsigned i, bad = 0;

	if ((p = calloc(n, sizeof(*p))) == NULL)
		return (n);
	for (i = 0; i < n; i++) {
		p[i].fd = fds[i];
		p[i].events = POLLIN;
	}
	(void)poll(p, n, 0);
	for (i = 0; i < n; i++)
		if (p[i].revents & (POLLERR | POLLHUP | POLLIN))
			bad++;
	free(p);
	return (bad);
}

int
main(int argc, char **argv)
{
	unsigned count, secs, hold = 0, i, ok = 0, bad;
	uint64_t t0, t, deadline;
	struct rlimit rl;
	const char *release = NULL;
	int idle = 0, *fds = NULL, fd;

	if (argc > 1 && strcmp(argv[1], "-i") == 0) {
		idle = 1;
		argv++;
		argc--;
	}
	if (argc != 5 + idle && argc != 5 + 2 * idle) {
		fprintf(stderr, "usage: shortconn ADDR PORT COUNT SECONDS\n"
		    "       shortconn -i ADDR PORT COUNT SECONDS HOLD "
		    "[FILE]\n");
		return (2);
	}
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) {
		fprintf(stderr, "shortconn: bad address %s\n", argv[1]);
		return (2);
	}
	count = (unsigned)strtoul(argv[3], NULL, 10);
	secs = (unsigned)strtoul(argv[4], NULL, 10);
	if (idle) {
		hold = (unsigned)strtoul(argv[5], NULL, 10);
		release = argc > 6 ? argv[6] : NULL;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
			rl.rlim_cur = rl.rlim_max;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
		}
		if ((fds = calloc(count, sizeof(*fds))) == NULL)
			return (2);
	}
	t0 = now_ms();
	deadline = t0 + (uint64_t)secs * 1000;
	for (i = 0; i < count && nfail < MAX_FAIL; i++) {
		if (now_ms() >= deadline) {
			fprintf(stderr, "shortconn: out of time after %u "
			    "connections\n", i);
			break;
		}
		t = now_ms();
		if (idle) {
			if ((fd = open_one(i)) >= 0)
				fds[ok++] = fd;
		} else if (short_one(i) == 0) {
			ok++;
		}
		if (now_ms() - t > SLOW_MS)
			nslow++;
		if ((i + 1) % 5000 == 0)
			fprintf(stderr, "shortconn: %u done, %llu ms\n", i + 1,
			    (unsigned long long)(now_ms() - t0));
	}
	t = now_ms() - t0;
	if (idle && ok == count) {
		bad = count_broken(fds, ok);
		printf("shortconn: open %u broken %u elapsed_ms %llu\n", ok,
		    bad, (unsigned long long)t);
		fflush(stdout);
		/* hold: at most HOLD seconds, until FILE exists */
		for (i = 0; i < hold * 10; i++) {
			if (release != NULL && access(release, F_OK) == 0)
				break;
			(void)poll(NULL, 0, 100);
		}
		bad = count_broken(fds, ok);
		printf("shortconn: after hold broken %u\n", bad);
		if (bad != 0)
			nfail += bad;
	}
	printf("shortconn: ok %u failed %u slow %u elapsed_ms %llu "
	    "first_port %u last_port %u\n", ok, nfail, nslow,
	    (unsigned long long)t, first_port, last_port);
	return (ok == count && nfail == 0 ? 0 : 1);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * shortsrv.c - the server of the issue 12 scale tests (short_conn_*.sh,
 * idle_18k.sh), run on the kernel's TCP in the peer namespace or under
 * the shim.
 *
 *   shortsrv ADDR PORT COUNT SECONDS [STOP]
 *	serve COUNT short connections one at a time: read the 100-byte
 *	request, answer 100 bytes, close first (the server side ends in
 *	TIME-WAIT).
 *   shortsrv -H ADDR PORT COUNT SECONDS [STOP]
 *	accept COUNT connections and hold them, reading nothing, until
 *	SECONDS are up.
 * Either stops early, within a second, once the file STOP exists (the
 * client is done), so that it ends by exit(3) even when connections
 * are missing.
 *
 * It prints "shortsrv: listening" once it listens, and at the end
 *	shortsrv: served N failed F
 * (held instead of served with -H).  Bounded by SECONDS and 5 s per call;
 * exit 0 when COUNT connections were served (or held) without failure.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define REQ_LEN		100
#define CALL_TIMEOUT_S	5

static unsigned		nfail;

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
		fprintf(stderr, "shortsrv: connection %u: %s: %s\n", i, what,
		    err != 0 ? strerror(err) : "short");
}

/* Read the request, answer, close: 0 or -1 (counted). */
static int
serve(int fd, unsigned i)
{
	struct timeval tv = { CALL_TIMEOUT_S, 0 };
	char buf[REQ_LEN];
	size_t got = 0;
	ssize_t n;

	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (got < REQ_LEN) {
		n = recv(fd, buf + got, REQ_LEN - got, 0);
		if (n <= 0) {
			fail(i, "recv", n < 0 ? errno : 0);
			close(fd);
			return (-1);
		}
		got += (size_t)n;
	}
	memset(buf, 'r', sizeof(buf));
	if (send(fd, buf, sizeof(buf), MSG_NOSIGNAL) != (ssize_t)sizeof(buf)) {
		fail(i, "send", errno);
		close(fd);
		return (-1);
	}
	close(fd);
	return (0);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct rlimit rl;
	struct pollfd pl;
	uint64_t deadline, left;
	unsigned count, secs, done = 0;
	const char *stop = NULL;
	int hold = 0, lfd, fd, one = 1;

	if (argc > 1 && strcmp(argv[1], "-H") == 0) {
		hold = 1;
		argv++;
		argc--;
	}
	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: shortsrv [-H] ADDR PORT COUNT SECONDS "
		    "[STOP]\n");
		return (2);
	}
	signal(SIGPIPE, SIG_IGN);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1) {
		fprintf(stderr, "shortsrv: bad address %s\n", argv[1]);
		return (2);
	}
	count = (unsigned)strtoul(argv[3], NULL, 10);
	secs = (unsigned)strtoul(argv[4], NULL, 10);
	stop = argc > 5 ? argv[5] : NULL;
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(lfd, 4096) != 0) {
		perror("shortsrv: listen");
		return (2);
	}
	printf("shortsrv: listening\n");
	fflush(stdout);
	deadline = now_ms() + (uint64_t)secs * 1000;
	pl.fd = lfd;
	pl.events = POLLIN;
	while (now_ms() < deadline) {
		if (stop != NULL && access(stop, F_OK) == 0)
			break;
		if (done == count) {
			if (!hold)
				break;
			/* held: wait out the time */
			(void)poll(NULL, 0, 100);
			continue;
		}
		left = deadline - now_ms();
		if (poll(&pl, 1, left > 1000 ? 1000 : (int)left) <= 0)
			continue;
		if ((fd = accept(lfd, NULL, NULL)) < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS)
				fail(done, "accept", errno);
			continue;
		}
		if (hold) {
			done++;
			if (done == count) {
				printf("shortsrv: all %u held\n", done);
				fflush(stdout);
			}
		} else if (serve(fd, done++) != 0 && nfail >= 20) {
			break;
		}
	}
	printf("shortsrv: %s %u failed %u\n", hold ? "held" : "served",
	    done - (hold ? 0 : nfail), nfail);
	return (done == count && nfail == 0 ? 0 : 1);
}

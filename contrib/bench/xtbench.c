/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xtbench - a small TCP load tool for comparing libxtcp with the kernel.
 * It uses only the plain socket API, so the same binary runs with and
 * without LD_PRELOAD=libxtcp.so.
 *
 *   xtbench sink   ADDR PORT              accept one connection, read to EOF,
 *                                         print bytes and seconds
 *   xtbench source ADDR PORT BYTES        connect, write BYTES, shut down,
 *                                         print bytes, seconds, Gbit/s
 *   xtbench echo   ADDR PORT              accept one connection, echo until EOF
 *   xtbench rr     ADDR PORT COUNT SIZE   connect, COUNT request/response
 *                                         round trips of SIZE bytes; print
 *                                         transactions/s and p50/p99 in µs
 *
 * Every mode gives up after 120 s.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static void
die(const char *what)
{
	fprintf(stderr, "xtbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int
addr_of(const char *a, const char *p, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)atoi(p));
	return (inet_pton(AF_INET, a, &sin->sin_addr) == 1 ? 0 : -1);
}

static int
do_listen(const char *a, const char *p)
{
	struct sockaddr_in sin;
	int s, one = 1, c;

	if (addr_of(a, p, &sin) != 0) {
		fprintf(stderr, "xtbench: bad address %s\n", a);
		exit(2);
	}
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		die("socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("bind");
	if (listen(s, 8) < 0)
		die("listen");
	if ((c = accept(s, NULL, NULL)) < 0)
		die("accept");
	close(s);
	return (c);
}

static int
do_connect(const char *a, const char *p)
{
	struct sockaddr_in sin;
	int s;

	if (addr_of(a, p, &sin) != 0) {
		fprintf(stderr, "xtbench: bad address %s\n", a);
		exit(2);
	}
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		die("socket");
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("connect");
	return (s);
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

int
main(int argc, char **argv)
{
	static char buf[1 << 17];
	long long total = 0, want;
	double t0, t;
	ssize_t n, m, k;
	int s, one = 1;

	alarm(120);
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 4 && strcmp(argv[1], "sink") == 0) {
		s = do_listen(argv[2], argv[3]);
		t0 = now_s();
		while ((n = read(s, buf, sizeof(buf))) > 0)
			total += n;
		if (n < 0)
			die("read");
		t = now_s() - t0;
		printf("sink %lld bytes %.3f s %.3f Gbit/s\n", total, t,
		    total * 8 / t / 1e9);
		close(s);
		return (0);
	}
	if (argc >= 5 && strcmp(argv[1], "source") == 0) {
		want = atoll(argv[4]);
		s = do_connect(argv[2], argv[3]);
		memset(buf, 'x', sizeof(buf));
		t0 = now_s();
		while (total < want) {
			n = want - total < (long long)sizeof(buf) ?
			    want - total : (long long)sizeof(buf);
			if ((n = write(s, buf, (size_t)n)) < 0)
				die("write");
			total += n;
		}
		shutdown(s, SHUT_WR);
		while (read(s, buf, sizeof(buf)) > 0)
			;
		t = now_s() - t0;
		printf("source %lld bytes %.3f s %.3f Gbit/s\n", total, t,
		    total * 8 / t / 1e9);
		close(s);
		return (0);
	}
	if (argc >= 4 && strcmp(argv[1], "echo") == 0) {
		s = do_listen(argv[2], argv[3]);
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		while ((n = read(s, buf, sizeof(buf))) > 0) {
			for (m = 0; m < n; m += k)
				if ((k = write(s, buf + m, (size_t)(n - m))) < 0)
					die("write");
		}
		close(s);
		return (0);
	}
	if (argc >= 6 && strcmp(argv[1], "rr") == 0) {
		long count = atol(argv[4]), i;
		size_t size = (size_t)atol(argv[5]);
		double *lat;

		if (size == 0 || size > sizeof(buf) || count <= 0) {
			fprintf(stderr, "xtbench: bad count or size\n");
			return (2);
		}
		if ((lat = calloc((size_t)count, sizeof(*lat))) == NULL)
			die("calloc");
		s = do_connect(argv[2], argv[3]);
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		memset(buf, 'r', size);
		t0 = now_s();
		for (i = 0; i < count; i++) {
			t = now_s();
			if (write(s, buf, size) != (ssize_t)size)
				die("write");
			for (m = 0; m < (ssize_t)size; m += n)
				if ((n = read(s, buf, size - (size_t)m)) <= 0)
					die("read");
			lat[i] = (now_s() - t) * 1e6;
		}
		t = now_s() - t0;
		qsort(lat, (size_t)count, sizeof(*lat), cmp_d);
		printf("rr %ld transactions %.3f s %.0f trans/s p50 %.1f us "
		    "p99 %.1f us\n", count, t, count / t, lat[count / 2],
		    lat[count * 99 / 100]);
		close(s);
		free(lat);
		return (0);
	}
	fprintf(stderr, "usage: xtbench sink|source|echo|rr ADDR PORT ...\n");
	return (2);
}

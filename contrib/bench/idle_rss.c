/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * idle_rss.c - what an idle established connection costs a process.
 *
 *   idle_rss serve PORT          accept connections and hold them open
 *   idle_rss open ADDR PORT N    open N connections to ADDR:PORT, then
 *                                print one line of measurements
 *
 * "open" opens one connection first (so a preloaded stack is up and its
 * fixed costs are paid), reads VmRSS and VmSize from /proc/self/status,
 * opens N more one after another, reads them again, and prints
 *
 *   conns N rss_kb A B rss_per_conn_bytes X vsz_per_conn_bytes Y
 *   connect_us_avg Z
 *
 * Plain socket API: the same binary runs with and without LD_PRELOAD.
 * It exits 0 once it has printed, closing everything.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long
status_kb(const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return (v);
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e6 + ts.tv_nsec / 1e3);
}

static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int
serve(int port)
{
	struct sockaddr_in sa;
	int l, c, one = 1;

	raise_nofile();
	if ((l = socket(AF_INET, SOCK_STREAM, 0)) < 0) {
		perror("socket");
		return (1);
	}
	(void)setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(l, 4096) < 0) {
		perror("bind/listen");
		return (1);
	}
	for (;;) {
		if ((c = accept(l, NULL, NULL)) < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				/* full: keep the queue, wait */
				(void)poll(NULL, 0, 100);
				continue;
			}
			if (errno == EINTR)
				continue;
			perror("accept");
			return (1);
		}
		/* held open until the process ends */
	}
}

static int
open_conns(const char *addr, int port, int n)
{
	struct sockaddr_in sa;
	long rss0, rss1, vsz0, vsz1;
	double t0, t1;
	int *fd, i;

	raise_nofile();
	if ((fd = calloc((size_t)n + 1, sizeof(*fd))) == NULL)
		return (1);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "idle_rss: bad address %s\n", addr);
		return (2);
	}
	t0 = 0;
	rss0 = vsz0 = 0;
	for (i = 0; i <= n; i++) {
		if (i == 1) {
			rss0 = status_kb("VmRSS");
			vsz0 = status_kb("VmSize");
			t0 = now_us();
		}
		if ((fd[i] = socket(AF_INET, SOCK_STREAM, 0)) < 0) {
			fprintf(stderr, "idle_rss: socket %d: %s\n", i,
			    strerror(errno));
			return (1);
		}
		if (connect(fd[i], (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			fprintf(stderr, "idle_rss: connect %d: %s\n", i,
			    strerror(errno));
			return (1);
		}
	}
	t1 = now_us();
	rss1 = status_kb("VmRSS");
	vsz1 = status_kb("VmSize");
	printf("conns %d rss_kb %ld %ld rss_per_conn_bytes %ld "
	    "vsz_per_conn_bytes %ld connect_us_avg %.1f\n", n, rss0, rss1,
	    (rss1 - rss0) * 1024 / n, (vsz1 - vsz0) * 1024 / n,
	    (t1 - t0) / n);
	fflush(stdout);
	for (i = 0; i <= n; i++)
		close(fd[i]);
	free(fd);
	return (0);
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		return (serve(atoi(argv[2])));
	if (argc == 5 && strcmp(argv[1], "open") == 0 && atoi(argv[4]) > 0)
		return (open_conns(argv[2], atoi(argv[3]), atoi(argv[4])));
	fprintf(stderr, "usage: idle_rss serve PORT | "
	    "idle_rss open ADDR PORT N\n");
	return (2);
}

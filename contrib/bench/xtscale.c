/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xtscale - many-connection load for comparing libxtcp with the kernel
 * (issue 12).  Plain socket API and poll(2) only, so the same binary runs
 * with and without LD_PRELOAD=libxtcp.so.  Every wait is a poll() with a
 * timeout and every mode has a deadline, so a misbehaving stack makes a
 * mode fail (exit 1, a line saying FAIL), never hang.
 *
 *   xtscale serve ADDR PORT SECS server|client
 *       accept connections one after another: read a 100-byte request,
 *       write a 100-byte reply; "server": close at once (the server
 *       closes first); "client": wait for the client's EOF, then close.
 *       Ends SECS after the start, or 3 s after the last connection.
 *   xtscale conn ADDR PORT SECS server|client [MAX]
 *       for SECS (at most MAX connections): connect, write the request,
 *       read the reply; "server": read to EOF, then close; "client":
 *       close at once.  Prints connections/s and the p50/p99 time of a
 *       whole connection; stops early after 100 failures in a row.
 *   xtscale hold ADDR PORT SECS
 *       accept any number of connections, echo what arrives, close on
 *       EOF; ends when every accepted connection closed, or after SECS.
 *   xtscale idle ADDR PORT N RR_COUNT
 *       open N connections one after another and keep them open; then
 *       RR_COUNT 1-byte request/response round trips on one more; prints
 *       the mean time per connect (all, and the last 1,000), RSS growth
 *       per connection, and the round trips' p50/p99.
 *
 * One operation (connect, a read, a write, an accept) waits at most 5 s.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#define OP_MS		5000
#define MSG_LEN		100

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static void
on_alarm(int sig)
{
	static const char m[] = "xtscale: FAIL: watchdog expired\n";

	(void)sig;
	(void)!write(1, m, sizeof(m) - 1);
	_exit(1);
}

static int
addr_of(const char *a, const char *p, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)atoi(p));
	return (inet_pton(AF_INET, a, &sin->sin_addr) == 1 ? 0 : -1);
}

static void
nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* 1 ready, 0 timed out, -1 error */
static int
wait_fd(int fd, short ev, int ms)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int n;

	do
		n = poll(&p, 1, ms);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		errno = ETIMEDOUT;
	return (n > 0 ? 1 : n);
}

/* Read exactly len bytes (len 0: wait for EOF); 0 or -1 with errno. */
static int
read_full(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	char c;

	for (;;) {
		if (len == 0)
			n = read(fd, &c, 1);
		else
			n = read(fd, buf + got, len - got);
		if (n > 0) {
			if (len == 0) {
				errno = EPROTO;		/* bytes after the reply */
				return (-1);
			}
			if ((got += (size_t)n) == len)
				return (0);
			continue;
		}
		if (n == 0) {
			if (len == 0)
				return (0);
			errno = ECONNRESET;		/* early EOF */
			return (-1);
		}
		if (errno != EAGAIN && errno != EINTR)
			return (-1);
		if (wait_fd(fd, POLLIN, OP_MS) <= 0)
			return (-1);
	}
}

static int
write_full(int fd, const char *buf, size_t len)
{
	size_t put = 0;
	ssize_t n;

	while (put < len) {
		n = write(fd, buf + put, len - put);
		if (n > 0) {
			put += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return (-1);
		if (wait_fd(fd, POLLOUT, OP_MS) <= 0)
			return (-1);
	}
	return (0);
}

static int
listen_on(const char *a, const char *p, int backlog)
{
	struct sockaddr_in sin;
	int s, one = 1;

	if (addr_of(a, p, &sin) != 0) {
		fprintf(stderr, "xtscale: bad address %s\n", a);
		exit(2);
	}
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(s, backlog) < 0) {
		printf("xtscale: FAIL: listen: %s\n", strerror(errno));
		exit(1);
	}
	nonblock(s);
	return (s);
}

/* A connected non-blocking socket, or -1 with errno. */
static int
connect_to(const struct sockaddr_in *sin)
{
	socklen_t sl = sizeof(int);
	int s, err = 0, one = 1;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return (-1);
	nonblock(s);
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(s, (const struct sockaddr *)sin, sizeof(*sin)) < 0) {
		if (errno != EINPROGRESS)
			goto bad;
		if (wait_fd(s, POLLOUT, OP_MS) <= 0)
			goto bad;
		if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
			goto bad;
		if (err != 0) {
			errno = err;
			goto bad;
		}
	}
	return (s);
bad:
	err = errno;
	close(s);
	errno = err;
	return (-1);
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

static double
pct(double *v, size_t n, int p)
{
	if (n == 0)
		return (0);
	return (v[n * (size_t)p / 100 < n ? n * (size_t)p / 100 : n - 1]);
}

static long
rss_bytes(void)
{
	long pages = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return (0);
	if (fscanf(f, "%ld %ld", &pages, &res) != 2)
		res = 0;
	fclose(f);
	return (res * sysconf(_SC_PAGESIZE));
}

static int
server_first(const char *who)
{
	if (strcmp(who, "server") == 0)
		return (1);
	if (strcmp(who, "client") == 0)
		return (0);
	fprintf(stderr, "xtscale: who closes first: server or client\n");
	exit(2);
}

static int
do_serve(char **av)
{
	char buf[MSG_LEN];
	double secs = atof(av[2]), t0 = now_s(), last = 0;
	int sfirst = server_first(av[3]), l, c, r;
	long served = 0, errors = 0;

	alarm((unsigned)secs + 15);
	l = listen_on(av[0], av[1], 1024);
	memset(buf, 's', sizeof(buf));
	while (now_s() - t0 < secs) {
		if (served + errors > 0 && now_s() - last > 3)
			break;		/* the client is gone */
		if ((r = wait_fd(l, POLLIN, 500)) < 0)
			break;
		if (r == 0 || (c = accept(l, NULL, NULL)) < 0)
			continue;
		nonblock(c);
		if (read_full(c, buf, MSG_LEN) < 0 ||
		    write_full(c, buf, MSG_LEN) < 0 ||
		    (!sfirst && read_full(c, NULL, 0) < 0))
			errors++;
		else
			served++;
		close(c);
		last = now_s();
	}
	close(l);
	printf("serve %ld connections %ld errors\n", served, errors);
	return (0);
}

static int
do_conn(char **av, int ac)
{
	struct sockaddr_in sin;
	char buf[MSG_LEN];
	double secs = atof(av[2]), tstart, t0, t, *lat = NULL, *nl;
	long max = ac > 4 ? atol(av[4]) : 100000000, ok = 0, errors = 0;
	long cap = 0, run = 0;
	int sfirst = server_first(av[3]), s, lasterr = 0;

	if (addr_of(av[0], av[1], &sin) != 0 || max <= 0 || secs <= 0)
		return (2);
	alarm((unsigned)secs + 15);
	memset(buf, 'c', sizeof(buf));
	tstart = t0 = now_s();
	/* 100 failures in a row: the stack is stuck (a socket limit, say) */
	while (now_s() - t0 < secs && ok + errors < max && run < 100) {
		if (ok == cap) {
			cap = cap ? 2 * cap : 65536;
			if ((nl = realloc(lat, (size_t)cap * sizeof(*lat))) ==
			    NULL)
				break;
			lat = nl;
		}
		t = now_s();
		if ((s = connect_to(&sin)) < 0) {
			/* a server that is still starting: not an error */
			if (errno == ECONNREFUSED && ok + errors == 0 &&
			    t - tstart < 2) {
				usleep(20000);
				t0 = now_s();	/* the clock starts with the server */
				continue;
			}
			lasterr = errno;
			errors++;
			run++;
			continue;
		}
		if (write_full(s, buf, MSG_LEN) < 0 ||
		    read_full(s, buf, MSG_LEN) < 0 ||
		    (sfirst && read_full(s, NULL, 0) < 0)) {
			lasterr = errno;
			errors++;
			run++;
		} else {
			lat[ok++] = (now_s() - t) * 1e6;
			run = 0;
		}
		close(s);
	}
	t = now_s() - t0;
	if (ok > 0)
		qsort(lat, (size_t)ok, sizeof(*lat), cmp_d);
	printf("conn %ld ok %ld errors %.3f s %.0f conn/s p50 %.1f us p99 %.1f "
	    "us max %.0f us%s%s\n", ok, errors, t, ok / t, pct(lat, (size_t)ok,
	    50), pct(lat, (size_t)ok, 99), ok ? lat[ok - 1] : 0,
	    errors ? " last error: " : "", errors ? strerror(lasterr) : "");
	free(lat);
	return (errors == 0 && ok > 0 ? 0 : 1);
}

static int
do_hold(char **av)
{
	struct epoll_event ev, evs[256];
	char buf[4096];
	double secs = atof(av[2]), t0 = now_s();
	long accepted = 0, open = 0;
	int l, ep, n, i, c, fd;
	ssize_t k;

	alarm((unsigned)secs + 15);
	l = listen_on(av[0], av[1], 4096);
	if ((ep = epoll_create1(0)) < 0)
		return (1);
	ev.events = EPOLLIN;
	ev.data.fd = l;
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	while (now_s() - t0 < secs && (accepted == 0 || open > 0)) {
		n = epoll_wait(ep, evs, 256, 500);
		for (i = 0; i < n; i++) {
			fd = evs[i].data.fd;
			if (fd == l) {
				while ((c = accept(l, NULL, NULL)) >= 0) {
					nonblock(c);
					ev.events = EPOLLIN;
					ev.data.fd = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
					accepted++;
					open++;
				}
				continue;
			}
			k = read(fd, buf, sizeof(buf));
			if (k > 0) {
				if (write_full(fd, buf, (size_t)k) == 0)
					continue;
			} else if (k < 0 && errno == EAGAIN)
				continue;
			close(fd);
			open--;
		}
	}
	printf("hold %ld accepted %ld open\n", accepted, open);
	return (0);
}

static int
do_idle(char **av)
{
	struct sockaddr_in sin;
	long n = atol(av[2]), rrn = atol(av[3]), i, tail;
	double t, sum = 0, sumtail = 0, *lat;
	long rss0, rss1;
	int *fds, s, rc = 1;
	char b = 'x';

	if (addr_of(av[0], av[1], &sin) != 0 || n <= 0 || rrn <= 0)
		return (2);
	alarm((unsigned)(60 + n / 100 + rrn / 1000));
	fds = calloc((size_t)n, sizeof(*fds));
	lat = calloc((size_t)rrn, sizeof(*lat));
	if (fds == NULL || lat == NULL)
		return (1);
	tail = n < 1000 ? n : 1000;
	rss0 = rss_bytes();
	for (i = 0; i < n; i++) {
		t = now_s();
		if ((fds[i] = connect_to(&sin)) < 0) {
			printf("idle %ld opened %ld FAIL: connect: %s\n", n, i,
			    strerror(errno));
			goto out;
		}
		t = (now_s() - t) * 1e6;
		sum += t;
		if (i >= n - tail)
			sumtail += t;
	}
	rss1 = rss_bytes();
	if ((s = connect_to(&sin)) < 0) {
		printf("idle %ld opened %ld FAIL: connect: %s\n", n, n,
		    strerror(errno));
		goto out;
	}
	for (i = 0; i < rrn; i++) {
		t = now_s();
		if (write_full(s, &b, 1) < 0 || read_full(s, &b, 1) < 0) {
			printf("idle %ld opened %ld FAIL: round trip %ld: %s\n",
			    n, n, i, strerror(errno));
			close(s);
			goto out;
		}
		lat[i] = (now_s() - t) * 1e6;
	}
	close(s);
	qsort(lat, (size_t)rrn, sizeof(*lat), cmp_d);
	printf("idle %ld opened %ld connect_us %.1f last1k_us %.1f "
	    "rss_per_conn %.0f rr_p50 %.1f rr_p99 %.1f\n", n, n, sum / n,
	    sumtail / tail, (double)(rss1 - rss0) / n, pct(lat, (size_t)rrn,
	    50), pct(lat, (size_t)rrn, 99));
	rc = 0;
out:
	for (i = 0; i < n && fds[i] > 0; i++)
		close(fds[i]);
	free(fds);
	free(lat);
	return (rc);
}

int
main(int argc, char **argv)
{
	struct rlimit rl;

	signal(SIGALRM, on_alarm);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* as many fds as the hard limit allows (20,000 on these machines) */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (argc == 6 && strcmp(argv[1], "serve") == 0)
		return (do_serve(argv + 2));
	if ((argc == 6 || argc == 7) && strcmp(argv[1], "conn") == 0)
		return (do_conn(argv + 2, argc - 2));
	if (argc == 5 && strcmp(argv[1], "hold") == 0)
		return (do_hold(argv + 2));
	if (argc == 6 && strcmp(argv[1], "idle") == 0)
		return (do_idle(argv + 2));
	fprintf(stderr, "usage: xtscale serve|conn|hold|idle ADDR PORT ...\n");
	return (2);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * opt_common.h - helpers shared by the option test programs (opt_*.c).
 *
 * Each program is run twice by its .sh (opt_lib.sh): on the kernel's TCP
 * (--kernel) and under the shim, against opt_peer.py in the peer
 * namespace.  It prints one TAP-like line per check ("ok N - what",
 * "not ok N - what: why") and exits 0 when every check passed, 1 if one
 * failed, 77 if it could not reach its peer.  A check the engine cannot
 * pass yet is a "todo" (printed, not counted; see t_todo) so that the
 * gap stays visible without failing the build.
 *
 * Usage of every program:  opt_X [--kernel] PEER_ADDR
 */
#ifndef OPT_COMMON_H
#define OPT_COMMON_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define T_CTL_PORT	7200
#define T_SINK_PORT	7201
#define T_URG_PORT	7202
#define T_HOLD_PORT	7203
#define T_URGIN_PORT	7204

static int	t_n, t_failed, t_kernel;
static const char *t_peer = "10.99.0.1";

static void
t_vreport(int ok, const char *todo, const char *fmt, va_list ap)
{
	printf("%s %d - ", ok ? "ok" : "not ok", ++t_n);
	vprintf(fmt, ap);
	if (todo != NULL)
		printf(" # TODO %s", todo);
	printf("\n");
	fflush(stdout);
	if (!ok && todo == NULL)
		t_failed++;
}

/* One check. */
static void __attribute__((format(printf, 2, 3), unused))
t_ok(int ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	t_vreport(ok, NULL, fmt, ap);
	va_end(ap);
}

/* A check that documents a known gap: under the shim it is reported but
 * does not fail the run; on the kernel it must pass like any other. */
static void __attribute__((format(printf, 3, 4), unused))
t_todo(int ok, const char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	t_vreport(ok, t_kernel ? NULL : why, fmt, ap);
	va_end(ap);
}

/* rc == -1 with errno want. */
static void __attribute__((unused))
t_errno(int rc, int want, const char *what)
{
	int e = errno;

	t_ok(rc == -1 && e == want, "%s fails with %s (got %d, %s)", what,
	    strerrorname_np(want), rc, rc == -1 ? strerrorname_np(e) : "-");
}

static void __attribute__((unused))
t_zero(int rc, const char *what)
{
	int e = errno;

	t_ok(rc == 0, "%s succeeds (got %d%s%s)", what, rc,
	    rc == -1 ? ", " : "", rc == -1 ? strerrorname_np(e) : "");
}

static int __attribute__((unused))
t_done(void)
{
	printf("# %d checks, %d failed (%s)\n", t_n, t_failed,
	    t_kernel ? "kernel" : "shim");
	return (t_failed ? 1 : 0);
}

static void __attribute__((unused))
t_args(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--kernel") == 0)
			t_kernel = 1;
		else
			t_peer = argv[i];
	}
}

static double __attribute__((unused))
t_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static void __attribute__((unused))
t_sleep_ms(int ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void __attribute__((unused))
t_timeouts(int fd, int secs)
{
	struct timeval tv;

	tv.tv_sec = secs;
	tv.tv_usec = 0;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void __attribute__((unused))
t_sin(struct sockaddr_in *sin, const char *addr, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	inet_pton(AF_INET, addr, &sin->sin_addr);
}

/* Connect fd (already set up by the caller) to the peer's port. */
static int __attribute__((unused))
t_connect_fd(int fd, int port)
{
	struct sockaddr_in sin;

	t_timeouts(fd, 10);
	t_sin(&sin, t_peer, port);
	return (connect(fd, (struct sockaddr *)&sin, sizeof(sin)));
}

/* A new connected socket, or -1 (reported). */
static int __attribute__((unused))
t_connect(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || t_connect_fd(fd, port) != 0) {
		printf("# connect to %s:%d: %s\n", t_peer, port,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return (-1);
	}
	return (fd);
}

static int __attribute__((unused))
t_local_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
		return (-1);
	return (ntohs(sin.sin_port));
}

/* Read one line (without the newline) from fd into buf; its length or -1. */
static int __attribute__((unused))
t_read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;

	while (n + 1 < len) {
		r = read(fd, buf + n, 1);
		if (r <= 0)
			break;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return (n > 0 ? (int)n : -1);
}

static int __attribute__((unused))
t_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t r;

	while (len > 0) {
		r = write(fd, p, len);
		if (r <= 0)
			return (-1);
		p += r;
		len -= r;
	}
	return (0);
}

/* One control command to the peer; its answer line in buf.  0 or -1. */
static int __attribute__((unused))
t_peer_cmd(const char *cmd, char *buf, size_t len)
{
	char line[128];
	int fd, r;

	if ((fd = t_connect(T_CTL_PORT)) < 0)
		return (-1);
	snprintf(line, sizeof(line), "%s\n", cmd);
	r = t_write_all(fd, line, strlen(line));
	if (r == 0)
		r = t_read_line(fd, buf, len) > 0 ? 0 : -1;
	close(fd);
	return (r);
}

/* The value of "key=" in an info line, or -1. */
static long __attribute__((unused))
t_field(const char *line, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "%s=", key);
	for (p = line; (p = strstr(p, pat)) != NULL; p++)
		if (p == line || p[-1] == ' ')
			return (strtol(p + strlen(pat), NULL, 10));
	return (-1);
}

/* The peer's info line about our connection fd. */
static int __attribute__((unused))
t_peer_info(int fd, char *buf, size_t len)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "info %d", t_local_port(fd));
	return (t_peer_cmd(cmd, buf, len));
}

/* Half-close fd and read the sink's report (bytes=... info line). */
static int __attribute__((unused))
t_sink_report(int fd, char *buf, size_t len)
{
	if (shutdown(fd, SHUT_WR) != 0)
		return (-1);
	return (t_read_line(fd, buf, len) > 0 ? 0 : -1);
}

/* Is fd writable within ms? */
static int __attribute__((unused))
t_writable(int fd, int ms)
{
	struct pollfd p;

	p.fd = fd;
	p.events = POLLOUT;
	p.revents = 0;
	return (poll(&p, 1, ms) == 1 && (p.revents & POLLOUT));
}

/* Reachability of the peer: 77 if its control port does not answer. */
static void __attribute__((unused))
t_require_peer(void)
{
	char buf[64];

	if (t_peer_cmd("ping", buf, sizeof(buf)) != 0) {
		printf("# the peer %s does not answer\n", t_peer);
		exit(77);
	}
}

#endif /* OPT_COMMON_H */

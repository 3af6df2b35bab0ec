/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * opt_urgent.c - urgent data in both directions (the CX/UX and illumos
 * tcp(4P) pages; RFC 9293 section 3.8.5): send(MSG_OOB), SIGURG to the
 * F_SETOWN owner, POLLPRI and select's exception set, SIOCATMARK and the
 * pages' read-until-mark loop (a read never returns data across the
 * mark), recv(MSG_OOB) and its EINVAL cases, SO_OOBINLINE, and the URG
 * flag on the wire.  Peer: opt_peer.py ports 7202 and 7204.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/wait.h>

#include "opt_common.h"

static volatile sig_atomic_t urgs;

static void
on_urg(int sig)
{
	(void)sig;
	urgs++;
}

/* Wait (at most ms) for the SIGURG count to pass n. */
static int
wait_urg(int n, int ms)
{
	int i;

	for (i = 0; i < ms / 10 && urgs <= n; i++)
		t_sleep_ms(10);
	return (urgs > n);
}

static int
atmark(int fd)
{
	int v = -1;

	if (ioctl(fd, SIOCATMARK, &v) != 0)
		return (-1);
	return (v);
}

/* The seeds' loop: read until SIOCATMARK; what was read goes to buf.
 * *first gets the size of the first read. */
static size_t
read_to_mark(int fd, char *buf, size_t len, ssize_t *first)
{
	size_t n = 0;
	ssize_t r;
	int i;

	*first = -2;
	for (i = 0; i < 100 && n + 1 < len; i++) {
		if (atmark(fd) != 0)
			break;
		r = read(fd, buf + n, len - 1 - n);
		if (*first == -2)
			*first = r;
		if (r <= 0)
			break;
		n += r;
	}
	buf[n] = '\0';
	return (n);
}

/* Read exactly want bytes (or until EOF). */
static size_t
read_n(int fd, char *buf, size_t want)
{
	size_t n = 0;
	ssize_t r;

	while (n < want && (r = read(fd, buf + n, want - n)) > 0)
		n += r;
	buf[n] = '\0';
	return (n);
}

static void
owner_checks(int fd)
{
	struct f_owner_ex ox, got;
	pid_t child;
	int r;

	t_ok(fcntl(fd, F_GETOWN) == 0, "F_GETOWN of a new socket is 0");
	t_zero(fcntl(fd, F_SETOWN, getpid()), "F_SETOWN getpid()");
	t_ok(fcntl(fd, F_GETOWN) == getpid(), "F_GETOWN gives it back");
	ox.type = F_OWNER_TID;
	ox.pid = gettid();
	t_zero(fcntl(fd, F_SETOWN_EX, &ox), "F_SETOWN_EX F_OWNER_TID");
	memset(&got, 0, sizeof(got));
	r = fcntl(fd, F_GETOWN_EX, &got);
	t_ok(r == 0 && got.type == F_OWNER_TID && got.pid == gettid(),
	    "F_GETOWN_EX gives type %d pid %d back", got.type, got.pid);
	ox.type = 7;
	t_errno(fcntl(fd, F_SETOWN_EX, &ox), EINVAL, "F_SETOWN_EX type 7");
	ox.type = F_OWNER_PGRP;
	ox.pid = getpgrp();
	t_zero(fcntl(fd, F_SETOWN_EX, &ox), "F_SETOWN_EX F_OWNER_PGRP");
	t_ok(fcntl(fd, F_GETOWN) == -getpgrp(),
	    "F_GETOWN of a group owner is negative");
	/* a process that no longer exists */
	if ((child = fork()) == 0)
		_exit(0);
	(void)waitpid(child, NULL, 0);
	t_errno(fcntl(fd, F_SETOWN, child), ESRCH, "F_SETOWN of a gone pid");
	/* the owner for the rest of the test: this process */
	t_zero(fcntl(fd, F_SETOWN, getpid()), "F_SETOWN getpid() again");
}

/* Peer -> us: "hello", urgent "!", "world".  Then us -> peer. */
static void
both_ways(void)
{
	char buf[256], line[256];
	struct pollfd p;
	fd_set ex;
	struct timeval tv;
	ssize_t first, r;
	size_t n;
	char c;
	int fd, before;

	if ((fd = t_connect(T_URG_PORT)) < 0) {
		t_ok(0, "connect to the urgent service");
		return;
	}
	r = recv(fd, &c, 1, MSG_OOB);
	t_errno((int)r, EINVAL, "recv(MSG_OOB) with no urgent data");
	owner_checks(fd);
	before = urgs;
	(void)t_write_all(fd, "go\n", 3);
	t_ok(wait_urg(before, 5000), "SIGURG reaches the F_SETOWN owner");
	t_sleep_ms(300);	/* "world" arrives too */
	p.fd = fd;
	p.events = POLLPRI | POLLIN;
	p.revents = 0;
	r = poll(&p, 1, 1000);
	t_ok(r == 1 && (p.revents & POLLPRI),
	    "poll reports POLLPRI (revents %#x)", (unsigned)p.revents);
	FD_ZERO(&ex);
	FD_SET(fd, &ex);
	tv.tv_sec = 1;
	tv.tv_usec = 0;
	t_ok(select(fd + 1, NULL, NULL, &ex, &tv) == 1 && FD_ISSET(fd, &ex),
	    "select reports an exceptional condition");
	t_ok(atmark(fd) == 0, "SIOCATMARK is 0 before the mark");
	n = read_to_mark(fd, buf, sizeof(buf), &first);
	t_ok(strcmp(buf, "hello") == 0, "the read-until-mark loop reads \"%s\" "
	    "(want \"hello\")", buf);
	t_ok(first == 5, "the first read stops at the mark (%zd bytes, all "
	    "of \"hello!world\" had arrived)", first);
	t_ok(atmark(fd) == 1, "SIOCATMARK is 1 at the mark");
	c = 0;
	r = recv(fd, &c, 1, MSG_OOB | MSG_PEEK);
	t_ok(r == 1 && c == '!', "recv(MSG_OOB|MSG_PEEK) shows the urgent byte");
	c = 0;
	r = recv(fd, &c, 1, MSG_OOB);
	t_ok(r == 1 && c == '!', "recv(MSG_OOB) returns the urgent byte '%c' "
	    "(%zd)", c ? c : '?', r);
	r = recv(fd, &c, 1, MSG_OOB);
	t_errno((int)r, EINVAL, "a second recv(MSG_OOB)");
	n = read_n(fd, buf, 5);
	t_ok(n == 5 && strcmp(buf, "world") == 0, "the rest reads \"%s\" "
	    "without the urgent byte", buf);

	/* us -> peer */
	(void)t_write_all(fd, "abc", 3);
	t_sleep_ms(20);
	r = send(fd, "X", 1, MSG_OOB);
	t_ok(r == 1, "send(MSG_OOB) of one byte returns 1 (%zd)", r);
	t_sleep_ms(20);
	(void)t_write_all(fd, "def", 3);
	t_sleep_ms(200);
	if (t_peer_info(fd, line, sizeof(line)) == 0)
		t_ok(t_field(line, "wire_urg") >= 1, "the peer saw the URG flag "
		    "on the wire (%ld segments)", t_field(line, "wire_urg"));
	else
		t_ok(0, "the peer answers info");
	(void)shutdown(fd, SHUT_WR);
	(void)t_read_line(fd, line, sizeof(line));
	t_ok(strcmp(line, "in=abc|def oob=X") == 0, "the kernel peer read "
	    "\"abc\" to the mark, 'X' out of band, then \"def\" (\"%s\")", line);
	close(fd);
}

static void
inline_mode(void)
{
	char buf[64];
	ssize_t first, r;
	socklen_t len;
	int fd, v, before;
	char c;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    t_connect_fd(fd, T_URGIN_PORT) != 0) {
		t_ok(0, "connect to the inline urgent service");
		return;
	}
	v = 1;
	t_zero(setsockopt(fd, SOL_SOCKET, SO_OOBINLINE, &v, sizeof(v)),
	    "setsockopt SO_OOBINLINE");
	v = 0;
	len = sizeof(v);
	t_ok(getsockopt(fd, SOL_SOCKET, SO_OOBINLINE, &v, &len) == 0 && v == 1,
	    "getsockopt SO_OOBINLINE is 1");
	(void)fcntl(fd, F_SETOWN, getpid());
	before = urgs;
	(void)t_write_all(fd, "go\n", 3);
	t_ok(wait_urg(before, 5000), "SIGURG also with SO_OOBINLINE");
	t_sleep_ms(300);
	(void)read_to_mark(fd, buf, sizeof(buf), &first);
	t_ok(strcmp(buf, "ab") == 0 && first == 2, "inline: the loop reads "
	    "\"%s\" and stops at the mark", buf);
	t_ok(atmark(fd) == 1, "inline: SIOCATMARK is 1 at the mark");
	r = recv(fd, &c, 1, MSG_OOB);
	t_errno((int)r, EINVAL, "recv(MSG_OOB) with SO_OOBINLINE");
	(void)read_n(fd, buf, 3);
	t_ok(strcmp(buf, "Cde") == 0, "inline: the urgent byte stays in the "
	    "stream (\"%s\")", buf);
	close(fd);

	/* no owner, no signal */
	if ((fd = t_connect(T_URGIN_PORT)) < 0) {
		t_ok(0, "connect to the inline urgent service");
		return;
	}
	before = urgs;
	(void)t_write_all(fd, "go\n", 3);
	t_sleep_ms(400);
	t_ok(urgs == before, "no SIGURG without an owner");
	r = recv(fd, &c, 1, MSG_OOB);
	t_ok(r == 1 && c == 'C', "recv(MSG_OOB) without an owner still works");
	close(fd);
}

int
main(int argc, char **argv)
{
	struct sigaction sa;

	t_args(argc, argv);
	t_require_peer();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_urg;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGURG, &sa, NULL);
	both_ways();
	inline_mode();
	return (t_done());
}

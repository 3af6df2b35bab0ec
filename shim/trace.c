/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * trace.c - XTCP_TRACE=FILE: one CSV row per ACK a connection processes
 * and per retransmission timeout, from the engine's trace callback
 * (xtcp.h, struct xtcp_trace_row).  The engine only fills the row; here
 * it becomes text in a buffer of this process, written out when the
 * buffer fills, once a second, and at exit.  "%p" in the name is the
 * pid.  Times are the wall clock's (µs since the epoch), so that the rows
 * of several processes, of an image and the one it execs, and of a
 * capture line up.  The callback runs under the engine's lock, so the
 * buffer needs no lock of its own; a fork child drops the rows it
 * inherited (its parent writes them) and opens its own file; an image
 * exec'd by a traced one appends to the file it shares the pid with.
 */
#include "prelude.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fdmap.h"
#include "shim.h"

#define TRACE_BUF	65536		/* bytes buffered before a write */
#define TRACE_ROW_MAX	256		/* one row's most */
#define TRACE_FLUSH_US	1000000		/* write at least once a second */

static const char trace_header[] = "time_us,event,conn,state,ca_state,cc,"
    "cwnd,ssthresh,srtt_us,rttvar_us,rto_us,inflight,delivered,"
    "retransmitted,mss\n";

static const char *const ca_name[] = {
	[XTCP_CA_OPEN] = "open",
	[XTCP_CA_DISORDER] = "disorder",
	[XTCP_CA_CWR] = "cwr",
	[XTCP_CA_RECOVERY] = "recovery",
	[XTCP_CA_LOSS] = "loss",
};

static struct {
	int		fd;		/* -1: none (yet) */
	pid_t		pid;		/* whose buffer and file */
	int64_t		wall;		/* wall clock - engine clock, µs */
	uint64_t	flushed;	/* engine clock at the last write */
	char		pattern[256];	/* XTCP_TRACE as given */
	size_t		len;
	char		buf[TRACE_BUF];
} tr = { .fd = -1 };

/* Write the buffer out; rows that cannot be written are dropped. */
static void
trace_flush(void)
{
	size_t off = 0;
	long n;

	while (tr.fd >= 0 && off < tr.len) {
		n = syscall(SYS_write, tr.fd, tr.buf + off, tr.len - off);
		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno == EINTR)
			continue;
		else
			break;
	}
	tr.len = 0;
}

/* The file of this process (pattern with %p as the pid), header first;
 * or, append, what follows an earlier image's rows. */
static int
trace_open(int append)
{
	char path[320], *o = path;
	const char *p;
	int fd, n;

	for (p = tr.pattern; *p != '\0' && o < path + sizeof(path) - 24;
	    p++) {
		if (p[0] == '%' && p[1] == 'p') {
			n = snprintf(o, 24, "%ld", (long)getpid());
			o += n;
			p++;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT |
	    (append ? O_APPEND : O_TRUNC) | O_CLOEXEC, 0644);
	if (fd < 0) {
		shim_log(XTCP_LOG_WARN, "XTCP_TRACE=%s: cannot open: %s; no "
		    "trace", path, strerror(errno));
		return (-1);
	}
	(void)fdmap_set(fd, FDM_INTERNAL);	/* the program's close()
						 * leaves it to us */
	tr.fd = fd;
	tr.pid = shim.pid;
	tr.len = 0;
	if (!append || syscall(SYS_lseek, fd, 0L, SEEK_END) == 0) {
		memcpy(tr.buf, trace_header, sizeof(trace_header) - 1);
		tr.len = sizeof(trace_header) - 1;
	}
	return (0);
}

static void
trace_row(void *arg, const struct xtcp_trace_row *r)
{
	int64_t t;
	int n;

	(void)arg;
	if (tr.pid != shim.pid) {	/* shim.pid: getpid() without a call */
		/* a fork child: its parent writes what was buffered */
		tr.len = 0;
		tr.fd = -1;
		if (strstr(tr.pattern, "%p") == NULL || trace_open(0) != 0)
			return;
	}
	if (tr.fd < 0)
		return;
	t = (int64_t)r->now_us + tr.wall;
	n = snprintf(tr.buf + tr.len, sizeof(tr.buf) - tr.len,
	    "%lld,%s,%u.%u.%u.%u:%u->%u.%u.%u.%u:%u,%s,%s,%s,%u,%lld,%u,%u,"
	    "%u,%u,%llu,%llu,%u\n", (long long)t,
	    r->event == XTCP_TRACE_RTO ? "rto" : "ack",
	    r->laddr >> 24, (r->laddr >> 16) & 0xff, (r->laddr >> 8) & 0xff,
	    r->laddr & 0xff, r->lport,
	    r->faddr >> 24, (r->faddr >> 16) & 0xff, (r->faddr >> 8) & 0xff,
	    r->faddr & 0xff, r->fport, r->state,
	    r->ca_state >= 0 && r->ca_state <= XTCP_CA_LOSS ?
	    ca_name[r->ca_state] : "?", r->cc, r->cwnd,
	    r->ssthresh == UINT32_MAX ? -1LL : (long long)r->ssthresh,
	    r->srtt_us, r->rttvar_us, r->rto_us, r->inflight,
	    (unsigned long long)r->delivered,
	    (unsigned long long)r->retransmitted, r->mss);
	if (n < 0 || (size_t)n >= sizeof(tr.buf) - tr.len)
		return;			/* cannot happen: flushed below */
	tr.len += (size_t)n;
	if (tr.len > sizeof(tr.buf) - TRACE_ROW_MAX ||
	    r->now_us - tr.flushed >= TRACE_FLUSH_US) {
		trace_flush();
		tr.flushed = r->now_us;
	}
}

void
shim_trace_start(struct xtcp_engine *eng, const char *pattern, int append)
{
	struct timespec ts;
	uint64_t mono;

	if (pattern == NULL || pattern[0] == '\0' ||
	    strlen(pattern) >= sizeof(tr.pattern))
		return;
	/* a fork child starting a stack of its own shares a name without
	 * %p with its parent: after the parent's rows, not over them */
	if (tr.pattern[0] != '\0' && tr.pid != shim.pid &&
	    strstr(pattern, "%p") == NULL)
		append = 1;
	memcpy(tr.pattern, pattern, strlen(pattern) + 1);
	mono = shim_now_us();
	clock_gettime(CLOCK_REALTIME, &ts);
	tr.wall = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 -
	    (int64_t)mono;
	tr.flushed = mono;
	if (trace_open(append) != 0)
		return;
	xtcp_engine_set_trace_callback(eng, trace_row, NULL);
}

void
shim_trace_at_exit(void)
{
	if (tr.fd >= 0 && tr.pid == getpid())
		trace_flush();
}

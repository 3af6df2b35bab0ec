/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * opt_nagle_cork.c - segmentation options, checked on the wire (the
 * peer's capture): Nagle (RFC 896, RFC 1122 section 4.2.3.4) against
 * TCP_NODELAY, TCP_CORK (the pages' TCP_NOPUSH: only full segments until
 * uncorked, 200 ms ceiling as Linux), MSG_MORE, TCP_MAXSEG (lowers the
 * MSS we announce and use; getsockopt gives the effective MSS) and
 * TCP_QUICKACK (the pending ACK goes at once).  Peer: opt_peer.py ports
 * 7201 (sink), 7200 (info) and 7206 (quickack).
 */
#define _GNU_SOURCE
#include <netinet/tcp.h>

#include "opt_common.h"

#define T_QACK_PORT	7206	/* opt_peer.py: the quickack service */

static char	junk[65536];

/* wire_data (data segments the peer captured) of fd's connection.  A
 * peer that does not answer, or answers without the counts, is a failed
 * check of its own (-1 could otherwise compare equal to another -1). */
static long
wire_data(int fd, long *bytes)
{
	char line[512];
	long d, b;

	if (bytes != NULL)
		*bytes = -1;
	if (t_peer_info(fd, line, sizeof(line)) != 0) {
		t_ok(0, "the peer answers info");
		return (-1);
	}
	d = t_field(line, "wire_data");
	b = t_field(line, "bytes_received");
	if (d < 0 || b < 0)
		t_ok(0, "the peer's info has wire_data and bytes_received");
	if (bytes != NULL)
		*bytes = b;
	return (d);
}

static int
sockopt_int(int fd, int name)
{
	socklen_t len = sizeof(int);
	int v = -1;

	if (getsockopt(fd, IPPROTO_TCP, name, &v, &len) != 0)
		return (-1);
	return (v);
}

static void
small_writes(int fd, int n)
{
	int i;

	for (i = 0; i < n; i++)
		(void)t_write_all(fd, junk, 10);
}

static void
nodelay_vs_nagle(void)
{
	char line[512];
	int fd, v = 1;
	long segs, nagle;

	if ((fd = t_connect(T_SINK_PORT)) < 0) {
		t_ok(0, "connect to the sink");
		return;
	}
	t_ok(sockopt_int(fd, TCP_NODELAY) == 0, "TCP_NODELAY is off by default");
	t_zero(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)),
	    "setsockopt TCP_NODELAY 1");
	t_ok(sockopt_int(fd, TCP_NODELAY) == 1, "getsockopt TCP_NODELAY is 1");
	small_writes(fd, 8);
	t_sleep_ms(100);
	segs = wire_data(fd, NULL);
	t_ok(segs == 8, "TCP_NODELAY: 8 writes of 10 bytes are 8 segments "
	    "(%ld)", segs);
	(void)t_sink_report(fd, line, sizeof(line));
	t_ok(t_field(line, "bytes") == 80, "the sink got 80 bytes (%ld)",
	    t_field(line, "bytes"));
	close(fd);

	if ((fd = t_connect(T_SINK_PORT)) < 0) {
		t_ok(0, "connect to the sink");
		return;
	}
	small_writes(fd, 50);
	t_sleep_ms(100);
	nagle = wire_data(fd, NULL);
	t_ok(nagle >= 1 && nagle <= 25, "Nagle: 50 quick writes of 10 bytes "
	    "are coalesced into %ld segments (at most 25)", nagle);
	(void)t_sink_report(fd, line, sizeof(line));
	t_ok(t_field(line, "bytes") == 500, "the sink got 500 bytes (%ld)",
	    t_field(line, "bytes"));
	close(fd);
}

static void
cork(void)
{
	char line[512];
	long s0, s1, b0, b1;
	double t0, dt;
	int fd, v, mss, i;

	if ((fd = t_connect(T_SINK_PORT)) < 0) {
		t_ok(0, "connect to the sink");
		return;
	}
	mss = sockopt_int(fd, TCP_MAXSEG);
	t_ok(mss >= 536 && mss <= 1460, "TCP_MAXSEG of a connection is its "
	    "MSS (%d)", mss);
	v = 1;
	t_zero(setsockopt(fd, IPPROTO_TCP, TCP_CORK, &v, sizeof(v)),
	    "setsockopt TCP_CORK 1");
	t_ok(sockopt_int(fd, TCP_CORK) == 1, "getsockopt TCP_CORK is 1");
	for (i = 0; i < 5; i++)
		(void)t_write_all(fd, junk, 100);
	t_sleep_ms(60);
	s0 = wire_data(fd, NULL);
	t_ok(s0 == 0, "corked: 500 bytes stay queued (%ld segments)", s0);
	v = 0;
	t_zero(setsockopt(fd, IPPROTO_TCP, TCP_CORK, &v, sizeof(v)),
	    "setsockopt TCP_CORK 0");
	t_sleep_ms(60);
	s1 = wire_data(fd, &b1);
	t_ok(s1 == 1 && b1 == 500, "uncorking sends them as one segment "
	    "(%ld segments, %ld bytes)", s1, b1);

	/* full segments go, the tail waits (at most 200 ms) */
	v = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_CORK, &v, sizeof(v));
	t0 = t_now();
	(void)t_write_all(fd, junk, 3 * mss + 100);
	t_sleep_ms(30);
	s0 = wire_data(fd, &b0);
	dt = t_now() - t0;
	/* a loaded machine may take the peer past the 200 ms ceiling
	 * before it answers: then the tail may have gone, rightly */
	if (dt < 0.15)
		t_ok(s0 - s1 == 3 && b0 - b1 == 3 * mss, "corked: %d bytes go "
		    "as %ld full segments (%ld bytes), the 100-byte tail waits",
		    3 * mss + 100, s0 - s1, b0 - b1);
	else
		t_ok(s0 - s1 >= 3 && b0 - b1 >= 3 * mss, "corked: %d bytes, "
		    "%ld segments after %.0f ms (too slow to see the tail wait)",
		    3 * mss + 100, s0 - s1, dt * 1000);
	t_sleep_ms(400);
	b0 = b1;
	s0 = s1;
	s1 = wire_data(fd, &b1);
	t_ok(s1 - s0 == 4 && b1 - b0 == 3 * mss + 100, "the tail goes within "
	    "the 200 ms ceiling (%ld segments, %ld bytes in all)", s1 - s0,
	    b1 - b0);
	v = 0;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_CORK, &v, sizeof(v));

	/* MSG_MORE: a cork for one call */
	for (i = 0; i < 3; i++)
		(void)send(fd, junk, 100, MSG_MORE);
	t_sleep_ms(60);
	s0 = wire_data(fd, NULL);
	t_ok(s0 == s1, "MSG_MORE holds 300 bytes (%ld new segments)", s0 - s1);
	(void)send(fd, junk, 100, 0);
	t_sleep_ms(60);
	s1 = wire_data(fd, &b1);
	t_ok(s1 - s0 == 1, "a send without MSG_MORE pushes them in one "
	    "segment (%ld)", s1 - s0);
	(void)t_sink_report(fd, line, sizeof(line));
	t_ok(t_field(line, "bytes") == 500 + 3 * mss + 100 + 400,
	    "the sink got every byte (%ld)", t_field(line, "bytes"));
	close(fd);
}

static void
maxseg(void)
{
	char line[512];
	int fd, v, mss;
	long data, maxlen;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return;
	v = 10;
	t_errno(setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof(v)), EINVAL,
	    "TCP_MAXSEG 10 (below the minimum)");
	v = 600;
	t_zero(setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof(v)),
	    "TCP_MAXSEG 600 before connect");
	if (t_connect_fd(fd, T_SINK_PORT) != 0) {
		t_ok(0, "connect with TCP_MAXSEG 600");
		close(fd);
		return;
	}
	mss = sockopt_int(fd, TCP_MAXSEG);
	t_ok(mss >= 500 && mss <= 600, "getsockopt TCP_MAXSEG is the "
	    "effective MSS (%d, at most 600)", mss);
	(void)t_write_all(fd, junk, 20000);
	t_sleep_ms(100);
	if (t_peer_info(fd, line, sizeof(line)) != 0) {
		t_ok(0, "the peer answers info");
		close(fd);
		return;
	}
	t_ok(t_field(line, "wire_synmss") == 600, "the SYN announced MSS 600 "
	    "(%ld)", t_field(line, "wire_synmss"));
	t_ok(t_field(line, "snd_mss") > 0 && t_field(line, "snd_mss") <= 600,
	    "the peer sends us segments of at most 600 bytes (its snd_mss "
	    "%ld)", t_field(line, "snd_mss"));
	data = t_field(line, "wire_data");
	maxlen = t_field(line, "wire_maxlen");
	t_ok(maxlen > 0 && maxlen <= 600 && data >= 20000 / 600,
	    "20000 bytes went in %ld segments of at most %ld bytes", data,
	    maxlen);
	(void)t_sink_report(fd, line, sizeof(line));
	close(fd);
}

static void
quickack(void)
{
	int fd, v = 1;

	if ((fd = t_connect(T_SINK_PORT)) < 0) {
		t_ok(0, "connect to the sink");
		return;
	}
	t_zero(setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &v, sizeof(v)),
	    "setsockopt TCP_QUICKACK 1");
	v = sockopt_int(fd, TCP_QUICKACK);
	t_ok(v == 0 || v == 1, "getsockopt TCP_QUICKACK is a boolean (%d)", v);
	close(fd);
}

/*
 * TCP_QUICKACK on the wire, by the order of our segments (opt_peer.py
 * port 7206): with delayed ACKs (TCP_QUICKACK 0, Linux's "pingpong"
 * mode), the ACK of a byte we read waits and rides on the data we send
 * next; setting TCP_QUICKACK 1 sends it at once, so a pure ACK comes
 * first.  No timing is measured: only the delayed-ACK timer (40 ms or
 * more) must not run out between our read and our write.
 */
static void
quickack_wire(int quick)
{
	char line[128], c;
	int fd, v = 0;

	if ((fd = t_connect(T_QACK_PORT)) < 0) {
		t_ok(0, "connect to the quickack service");
		return;
	}
	t_zero(setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &v, sizeof(v)),
	    "setsockopt TCP_QUICKACK 0 (delayed ACKs)");
	if (t_write_all(fd, "go\n", 3) != 0 || read(fd, &c, 1) != 1) {
		t_ok(0, "the peer's byte arrives");
		close(fd);
		return;
	}
	if (quick) {
		v = 1;
		t_zero(setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &v,
		    sizeof(v)), "setsockopt TCP_QUICKACK 1");
	}
	if (t_write_all(fd, "done\n", 5) != 0 ||
	    t_read_line(fd, line, sizeof(line)) < 0)
		line[0] = '\0';
	if (quick)
		t_ok(strcmp(line, "seen=PD") == 0, "TCP_QUICKACK 1 sends the "
		    "pending ACK at once, before our next data (%s, want "
		    "seen=PD)", line);
	else
		t_ok(strcmp(line, "seen=D") == 0, "TCP_QUICKACK 0: the ACK "
		    "waits and rides on our next data (%s, want seen=D)",
		    line);
	close(fd);
}

int
main(int argc, char **argv)
{
	t_args(argc, argv);
	t_require_peer();
	memset(junk, 'j', sizeof(junk));
	nodelay_vs_nagle();
	cork();
	maxseg();
	quickack();
	quickack_wire(0);
	quickack_wire(1);
	return (t_done());
}

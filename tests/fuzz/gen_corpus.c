/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gen_corpus.c - writes the seed inputs of the fuzz targets: for
 * fuzz_engine (also read by fuzz_engine_minmtu) one record stream per
 * scenario below, each taking the engine through one area of TCP (bulk
 * transfer, SACK and NewReno recovery, RTO and RACK/TLP, persist,
 * closing in every order, listener, SYN cookies, Fast Open, ICMP, RST
 * and PAWS, urgent data, ECN, keep-alive, socket options); for fuzz_wire
 * well-formed frames of every protocol; for fuzz_config good and bad
 * environments.  The committed corpus is this output after fuzzing and
 * `make fuzz-merge` (libFuzzer -merge=1).
 *
 * Usage: gen_corpus DIR      (writes DIR/fuzz_engine/seed-*, ... )
 *
 * The record layout is fuzz_engine.c's (see tests/fuzz/README).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* record opcodes of fuzz_engine.c */
enum { OP_SEG = 0, OP_ACK, OP_DATA, OP_SYN, OP_HSACK, OP_ICMP, OP_ARP,
	OP_CLOCK, OP_CLOCK2, OP_RAW, OP_PROG };
/* PROG calls */
enum { P_SEND = 0, P_OOBSEND = 2, P_RECV = 3, P_OOBRECV = 5,
	P_SHUT = 6, P_CLOSE = 7, P_NEW = 8, P_SETOPT = 9, P_INFO = 11,
	P_POLL = 12, P_CONNECT = 13, P_DESCRIBE = 14, P_SEND4 = 15 };
/* setsockopt table indices of fuzz_engine.c h_setopt() */
enum { O_NODELAY = 0, O_MAXSEG, O_CORK, O_QUICKACK, O_CLAMP, O_LOWAT,
	O_USERTMO, O_KEEPIDLE, O_KEEPINTVL, O_KEEPCNT, O_LINGER2,
	O_DEFER, O_FASTOPEN, O_FOCONNECT, O_SYNCNT, O_KEEPALIVE,
	O_SNDBUF, O_RCVBUF, O_OOBINLINE, O_REUSEADDR, O_TOS, O_TTL,
	O_LINGER, O_CC };
/* TCP flags */
#define F_FIN	0x01
#define F_SYN	0x02
#define F_RST	0x04
#define F_PSH	0x08
#define F_ACK	0x10
#define F_URG	0x20
#define F_ECE	0x40
#define F_CWR	0x80
/* setup byte 0 */
#define S0_RENO	0x00
#define S0_CUBIC 0x01
#define S0_NONE	0x02
#define S0_TS	0x04
#define S0_SACK	0x08
#define S0_WS	0x10
#define S0_COOKIES 0x20
#define S0_ECN	0x40
#define S0_NODELACK 0x80
#define S0_ALL	(S0_TS | S0_SACK | S0_WS)
/* setup byte 1 */
#define S1_TFO	0x01
#define S1_NODELAY 0x02
#define S1_SMALLBUF 0x04
#define S1_Q3K	0x08
#define S1_Q40K	0x10
#define S1_Q200K 0x18
#define S1_HOLES2 0x20
#define S1_REASS2 0x40
#define S1_NOHS	0x80

static uint8_t buf[65536];
static size_t n;
static char dir[1024];
static unsigned nseed;

static void
b(unsigned v)
{
	if (n < sizeof(buf))
		buf[n++] = (uint8_t)v;
}

static void
b16(unsigned v)
{
	b(v >> 8);
	b(v);
}

static void
start(unsigned s0, unsigned s1)
{
	n = 0;
	b(s0);
	b(s1);
}

static void
flush(const char *target)
{
	char path[1200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, target);
	mkdir(path, 0777);
	snprintf(path, sizeof(path), "%s/%s/seed-%03u", dir, target, nseed++);
	if ((f = fopen(path, "wb")) == NULL) {
		fprintf(stderr, "gen_corpus: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	fwrite(buf, 1, n, f);
	fclose(f);
}

/* ---- engine records ---- */

static void
ack(unsigned slot, unsigned mode, unsigned count, unsigned win)
{
	b(OP_ACK);
	b(slot | mode << 3);
	b(count - 1);
	b(win);
}

static void
data(unsigned slot, unsigned how, unsigned fl, unsigned len)
{
	b(OP_DATA);
	b(slot | how);
	b(fl);
	b16(len);
}

static void
seg(unsigned slot, unsigned seqmode, unsigned ackmode, unsigned flags,
    int sd, int ad, unsigned win, unsigned opts, unsigned plen)
{
	b(OP_SEG);
	b(slot | seqmode << 3 | ackmode << 5);
	b(flags);
	b16((unsigned)sd & 0xffff);
	b16((unsigned)ad & 0xffff);
	b(win);
	b(opts);
	b16(plen);
}

static void
syn(unsigned slot, unsigned how)
{
	b(OP_SYN);
	b(slot | how);
}

static void
hsack(unsigned slot)
{
	b(OP_HSACK);
	b(slot);
}

static void
icmp(unsigned slot, unsigned kind, unsigned mtu, unsigned smode)
{
	b(OP_ICMP);
	b(slot);
	b(kind);
	b16(mtu);
	b(smode);
}

static void
arp(unsigned how, unsigned m)
{
	b(OP_ARP);
	b(how);
	b(m);
}

/* mode 0: v*50 us, 1: v*5 ms, 2: v*500 ms, 3: to the next deadline */
static void
clk(unsigned mode, unsigned v)
{
	b(OP_CLOCK);
	b(mode);
	b(v);
}

static void
deadline(unsigned times)
{
	while (times-- > 0)
		clk(3, 0);
}

static void
prog(unsigned call, unsigned h, unsigned arg)
{
	b(OP_PROG);
	b(call);
	b(h);
	b16(arg);
}

static void
setopt(unsigned h, unsigned opt, unsigned val)
{
	prog(P_SETOPT | (val >> 8 & 3) << 4, h, opt << 8 | (val & 0xff));
}

/* ---- scenarios ---- */

static void
engine_seeds(void)
{
	static const unsigned ccs[] = { S0_RENO, S0_CUBIC, S0_NONE };
	unsigned i, k, cc;

	/* 1: bulk transfer acknowledged in steps, every CC */
	for (i = 0; i < 3; i++) {
		start(ccs[i] | S0_ALL, S1_Q200K);
		for (k = 0; k < 12; k++) {
			clk(1, 2);
			ack(0, 1, 4, 255);
			prog(P_SEND, 0, 30000);
		}
		ack(0, 0, 1, 255);
		flush("fuzz_engine");
	}
	/* 2: SACK loss recovery, every other segment lost */
	for (i = 0; i < 3; i++) {
		start(ccs[i] | S0_ALL, S1_Q40K | (i == 2 ? S1_HOLES2 : 0));
		clk(1, 2);
		ack(0, 3, 3, 255);
		ack(0, 3 | 4 << 2, 3, 255);
		clk(1, 1);
		ack(0, 1, 3, 255);
		ack(0, 2, 4, 255);
		deadline(2);
		ack(0, 0, 1, 255);
		prog(P_SEND, 0, 20000);
		ack(0, 2, 5, 255);
		ack(0, 1, 8, 255);
		flush("fuzz_engine");
	}
	/* 3: duplicate ACKs without SACK: NewReno (RFC 6582) */
	for (i = 0; i < 2; i++) {
		start(ccs[i] | S0_TS | S0_WS, S1_Q40K);
		clk(1, 2);
		ack(0, 2, 4, 255);
		ack(0, 1, 2, 255);
		ack(0, 2, 3, 255);
		ack(0, 1, 6, 255);
		ack(0, 0, 1, 255);
		flush("fuzz_engine");
	}
	/* 4: RTO backoff to ETIMEDOUT, then the calls on a dead socket */
	start(S0_CUBIC | S0_ALL, S1_Q3K);
	deadline(20);
	prog(P_RECV, 0, 100);
	prog(P_SEND, 0, 100);
	prog(P_INFO, 0, 0);
	prog(P_CLOSE, 0, 0);
	flush("fuzz_engine");
	/* 5: RTO, F-RTO and spurious-retransmission undo */
	start(S0_RENO | S0_ALL, S1_Q40K);
	clk(1, 2);
	ack(0, 1, 2, 255);
	deadline(1);
	ack(0, 1, 2, 255);
	ack(0, 0, 1, 255);
	deadline(1);
	seg(0, 0, 0, F_ACK, 0, 0, 255, 0x05, 0);
	b(0); b(255); b(1);			/* one D-SACK block */
	flush("fuzz_engine");
	/* 6: zero window, persist probes, window opens */
	start(S0_CUBIC | S0_ALL, S1_Q40K);
	ack(0, 0, 1, 0);
	deadline(4);
	ack(0, 0, 1, 0);
	deadline(2);
	ack(0, 0, 1, 255);
	ack(0, 0, 3, 255);
	flush("fuzz_engine");
	/* 7: receive in order, with holes, FIN, EOF; passive close */
	for (i = 0; i < 2; i++) {
		start(S0_CUBIC | (i ? 0 : S0_ALL), i ? S1_REASS2 : 0);
		data(0, 0, F_PSH, 3000);
		prog(P_RECV, 0, 4000);
		data(0, 0x20, 0, 1000);
		data(0, 0x20, 0, 500);
		data(0, 0, 0, 1400);
		data(0, 0x80, 0, 3000);
		clk(1, 10);
		prog(P_RECV | 0x10, 0, 10);
		prog(P_RECV, 0, 10000);
		data(0, 0, F_FIN, 100);
		prog(P_RECV, 0, 10000);
		prog(P_RECV, 0, 10000);
		prog(P_SEND, 0, 500);
		prog(P_CLOSE, 0, 0);
		ack(0, 0, 1, 255);
		deadline(3);
		flush("fuzz_engine");
	}
	/* 8: active close: FIN-WAIT-1, -2, TIME-WAIT */
	start(S0_RENO | S0_ALL, S1_Q3K);
	prog(P_SHUT, 0, 1);
	ack(0, 0, 1, 255);
	data(0, 0, F_FIN, 10);
	prog(P_RECV, 0, 100);
	clk(2, 10);
	prog(P_CLOSE, 0, 0);
	deadline(3);
	flush("fuzz_engine");
	/* 9: simultaneous close (CLOSING), orphaned FIN-WAIT-2 */
	start(S0_RENO | S0_ALL, 0);
	prog(P_CLOSE, 0, 0);
	data(0, 0, F_FIN, 0);
	ack(0, 0, 1, 255);
	deadline(3);
	flush("fuzz_engine");
	start(S0_CUBIC | S0_ALL, 0);
	prog(P_CLOSE, 0, 0);
	ack(0, 0, 1, 255);
	deadline(3);
	flush("fuzz_engine");
	/* 10: the listener: handshake, accept, both ways, close */
	for (i = 0; i < 2; i++) {
		start(S0_CUBIC | (i ? S0_WS : S0_ALL) | (i ? S0_COOKIES : 0),
		    0);
		syn(1, 0);
		hsack(1);
		prog(P_NEW, 0, 0);
		data(1, 0, F_PSH, 2000);
		prog(P_RECV, 2, 5000);
		prog(P_SEND, 2, 20000);
		ack(1, 1, 4, 255);
		ack(1, 0, 1, 255);
		syn(2, 0x20);
		hsack(2);
		syn(3, 0);
		deadline(2);
		prog(P_NEW, 0, 0);
		prog(P_NEW, 0, 0);
		prog(P_CLOSE, 2, 0);
		ack(1, 0, 1, 255);
		data(1, 0, F_FIN, 0);
		prog(P_CLOSE, 1, 0);
		deadline(3);
		flush("fuzz_engine");
	}
	/* 11: SYN cookies when the queue is full; cookie ACKs */
	start(S0_RENO | S0_ALL, 0);
	syn(1, 0);
	syn(2, 0);
	syn(3, 0);
	hsack(3);
	hsack(1);
	hsack(2);
	prog(P_NEW, 0, 0);
	prog(P_NEW, 0, 0);
	prog(P_NEW, 0, 0);
	flush("fuzz_engine");
	/* 12: Fast Open server: cookie request, then data in the SYN */
	start(S0_CUBIC | S0_ALL, S1_TFO);
	syn(1, 0x40);
	hsack(1);
	syn(2, 0xc0);
	b(200);
	hsack(2);
	prog(P_NEW, 0, 0);
	prog(P_RECV, 2, 1000);
	flush("fuzz_engine");
	/* 13: Fast Open client, a second connection, and connect() calls */
	start(S0_CUBIC | S0_ALL, 0);
	prog(P_NEW, 0, 1 | 2 | 100 << 8);
	syn(4, 0x08);
	prog(P_NEW, 0, 1);
	syn(4, 0x08 | 0x40);
	prog(P_CONNECT, 0, 0);
	prog(P_CONNECT, 2, 0);
	deadline(3);
	flush("fuzz_engine");
	/* 14: our handshake: SYN retransmissions, RST, SYN-ACK variants */
	for (i = 0; i < 4; i++) {
		start(S0_CUBIC | (i & 1 ? S0_ALL : 0) | (i == 2 ? S0_ECN : 0),
		    S1_NOHS);
		if (i == 0) {
			deadline(3);
			seg(0, 2, 2, F_RST | F_ACK, 0, 0, 0, 0, 0);
			prog(P_CONNECT, 0, 0);
		} else if (i == 3) {
			seg(0, 2, 2, F_SYN, 0, 0, 255, 0x39, 0);
			b(180); b(7);		/* MSS, WS */
			deadline(1);
		} else {
			syn(0, 0x08 | 0x10);
			prog(P_CONNECT, 0, 0);
			prog(P_SEND, 0, 5000);
			ack(0, 0, 1, 255);
		}
		flush("fuzz_engine");
	}
	/* 15: ICMP errors: need-frag at several MTUs, unreachables */
	start(S0_CUBIC | S0_ALL, S1_Q40K);
	icmp(0, 4, 1200, 0);
	icmp(0, 4, 576, 1);
	icmp(0, 4, 68, 0);
	icmp(0, 4, 0, 0);
	icmp(0, 1, 0, 0);
	icmp(0, 3, 0, 0);
	icmp(0, 6, 0, 3 | 5 << 2);
	icmp(0, 8, 0, 0);
	deadline(2);
	ack(0, 0, 1, 255);
	flush("fuzz_engine");
	start(S0_CUBIC | S0_ALL, S1_NOHS);
	icmp(0, 3, 0, 2);
	icmp(0, 0, 0, 2);
	deadline(1);
	icmp(0, 1, 0, 2);
	prog(P_CONNECT, 0, 0);
	flush("fuzz_engine");
	/* 16: RST and SYN on a connection (RFC 5961), out-of-window data */
	for (i = 0; i < 4; i++) {
		start(S0_CUBIC | S0_ALL, S1_Q3K);
		seg(0, 0, 0, F_RST, i == 0 ? 0 : 100, 0, 255, 0x01, 0);
		seg(0, 0, 0, F_SYN, 0, 0, 255, 0x01, 0);
		seg(0, 0, 0, F_ACK, -2000, 0, 255, 0x01, 10);
		seg(0, 0, 3, F_ACK, 0, 0, 255, 0x01, 10);
		seg(0, 0, 2, F_ACK, 0, 0, 255, 0x01, 0);
		seg(0, 3, 0, F_ACK | F_PSH, 2000, 0, 255, 0x01, 100);
		if (i == 1)
			seg(0, 1, 0, F_RST | F_ACK, 0, 0, 255, 0, 0);
		if (i == 2) {
			seg(0, 0, 0, F_ACK, 0, 0, 255, 0x03, 100);
			data(0, 0, F_PSH, 100);
		}
		if (i == 3) {
			seg(0, 0, 0, F_ACK, 0, 0, 255, 0x80, 100);
			seg(5, 0, 0, F_ACK, 0, 0, 255, 0, 10);
			seg(5, 0, 0, F_SYN, 0, 0, 255, 0, 0);
			seg(1, 0, 0, F_ACK, 0, 0, 255, 0, 0);
			seg(1, 0, 0, F_FIN | F_ACK, 0, 0, 255, 0, 0);
		}
		prog(P_RECV, 0, 1000);
		flush("fuzz_engine");
	}
	/* 17: urgent data both ways */
	for (i = 0; i < 2; i++) {
		start(S0_RENO | S0_ALL, 0);
		if (i)
			setopt(0, O_OOBINLINE, 1);
		data(0, 0, F_URG | F_PSH, 100);
		prog(P_OOBRECV, 0, 1);
		prog(P_RECV, 0, 200);
		prog(P_POLL, 0, 0);
		prog(P_OOBSEND, 0, 10);
		prog(P_SEND, 0, 100);
		ack(0, 0, 1, 255);
		flush("fuzz_engine");
	}
	/* 18: ECN: negotiated, CE received, ECE echoed */
	start(S0_CUBIC | S0_ALL | S0_ECN, S1_NOHS);
	syn(0, 0x08 | 0x10);
	prog(P_SEND, 0, 20000);
	data(0, 0, 0x40, 1000);
	data(0, 0, 0x40 | F_CWR, 1000);
	ack(0, 1 | 0x10, 3, 255);
	ack(0, 0, 1, 255);
	syn(1, 0x10);
	hsack(1);
	flush("fuzz_engine");
	/* 19: keep-alive and user timeout */
	start(S0_CUBIC | S0_ALL, 0);
	setopt(0, O_KEEPALIVE, 1);
	setopt(0, O_KEEPIDLE, 1);
	setopt(0, O_KEEPINTVL, 1);
	deadline(2);
	ack(0, 0, 1, 255);
	deadline(5);
	flush("fuzz_engine");
	start(S0_CUBIC | S0_ALL, S1_Q3K);
	setopt(0, O_USERTMO, 200);
	deadline(8);
	flush("fuzz_engine");
	/* 20: socket options that shape output */
	start(S0_RENO | S0_ALL, 0);
	setopt(0, O_CORK, 1);
	prog(P_SEND, 0, 100);
	prog(P_SEND, 0, 100);
	deadline(1);
	setopt(0, O_CORK, 0);
	setopt(0, O_NODELAY, 1);
	prog(P_SEND, 0, 10);
	prog(P_SEND | 0x10, 0, 10);
	setopt(0, O_MAXSEG, 200);
	setopt(0, O_CLAMP, 100);
	setopt(0, O_QUICKACK, 0);
	setopt(0, O_LOWAT, 50);
	setopt(0, O_SNDBUF, 64);
	setopt(0, O_RCVBUF, 64);
	setopt(0, O_TOS, 0x10);
	setopt(0, O_TTL, 5);
	setopt(0, O_CC, 0);
	setopt(0, O_CC, 2);
	prog(P_SEND, 0, 5000);
	data(0, 0, 0, 1000);
	clk(1, 20);
	ack(0, 0, 1, 255);
	setopt(0, O_LINGER, 1);
	prog(P_INFO, 0, 0);
	prog(P_DESCRIBE, 0, 0);
	prog(P_CLOSE, 0, 0);
	flush("fuzz_engine");
	/* 21: unread data at close: RST; linger 0 */
	start(S0_CUBIC | S0_ALL, 0);
	data(0, 0, 0, 100);
	prog(P_CLOSE, 0, 0);
	syn(1, 0);
	hsack(1);
	prog(P_NEW, 0, 0);
	setopt(2, O_LINGER, 1);
	prog(P_CLOSE, 2, 0);
	flush("fuzz_engine");
	/* 22: RACK and the tail loss probe */
	for (i = 0; i < 2; i++) {
		cc = i ? S0_CUBIC : S0_RENO;
		start(cc | S0_ALL, S1_Q3K);
		clk(1, 3);
		deadline(1);
		ack(0, 0, 1, 255);
		prog(P_SEND, 0, 8000);
		clk(0, 200);
		ack(0, 3, 1, 255);
		clk(1, 4);
		deadline(1);
		ack(0, 2, 2, 255);
		deadline(2);
		ack(0, 0, 1, 255);
		flush("fuzz_engine");
	}
	/* 23: out-of-order reception and SACK generation */
	for (i = 0; i < 2; i++) {
		start(S0_CUBIC | S0_ALL, i ? S1_REASS2 : 0);
		for (k = 0; k < 5; k++)
			seg(0, 0, 1, F_ACK, (int)(k * 3000 + 1400), 0, 255,
			    0x01, 1000);
		seg(0, 0, 1, F_ACK, 1400, 0, 255, 0x01, 1000);
		data(0, 0, 0, 1400);
		prog(P_RECV, 0, 60000);
		flush("fuzz_engine");
	}
	/* 24: ARP expiry and resolution */
	start(S0_CUBIC | S0_ALL, S1_Q3K);
	for (k = 0; k < 6; k++)
		clk(2, 250);
	prog(P_SEND, 0, 1000);
	deadline(1);
	arp(1, 0);
	arp(1 | 2, 0x33);
	arp(0x10 | 0x20, 0);
	arp(0x0c, 0);
	arp(4 | 1, 0);
	ack(0, 0, 1, 255);
	flush("fuzz_engine");
	/* 25: a large receive with the window closing and reopening */
	start(S0_CUBIC | S0_ALL, S1_SMALLBUF);
	data(0, 0, 0, 9000);
	deadline(1);
	data(0, 0, 0, 3000);
	prog(P_RECV, 0, 20000);
	deadline(1);
	data(0, 0, F_PSH, 3000);
	prog(P_RECV, 0, 20000);
	flush("fuzz_engine");
	/* 26: send buffer full, small buffers, window updates */
	start(S0_RENO | S0_TS, S1_SMALLBUF | S1_Q40K);
	ack(0, 1, 3, 4);
	prog(P_SEND, 0, 4000);
	ack(0, 0, 1, 255);
	prog(P_SEND, 0, 8000);
	ack(0, 0, 2, 255);
	flush("fuzz_engine");
	/* 27: raw frames: IPv4 options, fragments, an ICMP echo */
	start(S0_CUBIC | S0_ALL, 0);
	{
		static const uint8_t echo[] = {
			0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02,
			0x08, 0x00,
			0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00,
			0x40, 0x01, 0x66, 0xe0, 0x0a, 0x00, 0x00, 0x02,
			0x0a, 0x00, 0x00, 0x01,
			0x08, 0x00, 0xf7, 0xfe, 0x00, 0x01, 0x00, 0x00,
		};

		b(OP_RAW);
		b(sizeof(echo));
		for (k = 0; k < sizeof(echo); k++)
			b(echo[k]);
	}
	flush("fuzz_engine");
	/* 28: delayed ACKs off, and quick ACKs */
	start(S0_CUBIC | S0_ALL | S0_NODELACK, 0);
	data(0, 0, 0, 5000);
	setopt(0, O_QUICKACK, 1);
	data(0, 0, 0, 1000);
	flush("fuzz_engine");
	/* 29: the listener closed with children pending; defer accept */
	start(S0_CUBIC | S0_ALL, 0);
	setopt(1, O_DEFER, 5);
	syn(1, 0);
	hsack(1);
	data(1, 0, F_PSH, 10);
	syn(2, 0);
	prog(P_CLOSE, 1, 0);
	flush("fuzz_engine");
}

/* ---- wire and config seeds ---- */

static void
raw(const char *target, unsigned sel, const uint8_t *p, size_t len)
{
	size_t i;

	n = 0;
	b(sel);
	for (i = 0; i < len; i++)
		b(p[i]);
	flush(target);
}

static void
wire_seeds(void)
{
	static const uint8_t tcp_syn[] = {
		0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0x08, 0x00,
		0x45, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06,
		0x26, 0xb8, 0x0a, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x01,
		0x9c, 0x40, 0x1f, 0x90, 0xff, 0xff, 0xff, 0xfa, 0x00, 0x00,
		0x00, 0x00, 0xa0, 0x02, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x00,
		0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
	};
	static const uint8_t tcp_sack[] = {
		0x9c, 0x40, 0x1f, 0x90, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00,
		0x20, 0x00, 0xb0, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x01, 0x01, 0x05, 0x12, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00,
		0x40, 0x00, 0x00, 0x00, 0x50, 0x00, 0x00, 0x00, 0x60, 0x00,
		0x01, 0x01, 0x22, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0,
	};
	static const uint8_t arp_req[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x02,
		0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
		0x02, 0, 0, 0, 0, 0x02, 0x0a, 0, 0, 0x02, 0, 0, 0, 0, 0, 0,
		0x0a, 0, 0, 0x01,
	};
	static const uint8_t icmp_needfrag[] = {
		0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x02, 0x40,
		0x45, 0x00, 0x05, 0xdc, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06,
		0x00, 0x00, 0x0a, 0, 0, 1, 0x0a, 0, 0, 2,
		0x1f, 0x90, 0x9c, 0x40, 0, 0, 0, 1,
	};
	static const uint8_t ip_opts[] = {
		0x47, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11,
		0x00, 0x00, 0x0a, 0, 0, 2, 0x0a, 0, 0, 1,
		0x01, 0x07, 0x07, 0x04, 0, 0, 0, 0, 0x83, 0x03, 0x04, 0x00,
	};

	raw("fuzz_wire", 0, tcp_syn, sizeof(tcp_syn));
	raw("fuzz_wire", 1, tcp_syn, sizeof(tcp_syn));
	raw("fuzz_wire", 2, tcp_syn + 14, sizeof(tcp_syn) - 14);
	raw("fuzz_wire", 3, tcp_sack, sizeof(tcp_sack));
	raw("fuzz_wire", 3 | 0x80, tcp_syn + 34, sizeof(tcp_syn) - 34);
	raw("fuzz_wire", 4, icmp_needfrag, sizeof(icmp_needfrag));
	raw("fuzz_wire", 0, arp_req, sizeof(arp_req));
	raw("fuzz_wire", 5, arp_req + 14, sizeof(arp_req) - 14);
	raw("fuzz_wire", 6, tcp_syn, sizeof(tcp_syn));
	raw("fuzz_wire", 7, ip_opts, sizeof(ip_opts));
	raw("fuzz_wire", 2, ip_opts, sizeof(ip_opts));
}

static void
cfg(const char *lines)
{
	n = 0;
	for (; *lines != '\0'; lines++)
		b((uint8_t)*lines);
	flush("fuzz_config");
}

static void
config_seeds(void)
{
	/* the first byte of a line is the name's index in fuzz_config.c */
	cfg("\x00" "eth0\n" "\x03" "10.0.0.2/24\n" "\x04" "10.0.0.1\n"
	    "\x05" "02:00:00:00:00:07\n" "\x06" "1400\n" "\x07" "debug\n");
	cfg("\x01" "tap0\n" "\x03" "10.0.0.2-10.0.0.9/24\n" "\x02" "1\n"
	    "\x0f" "10.1.0.0/16,192.168.1.7\n" "\x13" "reno\n");
	cfg("\x00" "eth0\n" "\x03" "10.0.0.2/24\n" "\x16" "1\n" "\x24" "1\n"
	    "\x38" "1\n" "\x39" "/tmp/x\n" "\x3a" "0\n" "\x3b" "1\n");
	cfg("\x00" "eth0\n" "\x03" "garbage\n");
	cfg("\x03" "10.0.0.2/24\n");
	cfg("\x00" "eth0\n" "\x01" "tap0\n" "\x03" "10.0.0.2/24\n");
	cfg("\x00" "eth0\n" "\x03" "10.0.0.2/24\n" "\x04" "10.0.0.2\n");
	cfg("\x00" "eth0\n" "\x03" "10.0.0.2/24\n" "\x11" "/var/lock/xtcp\n"
	    "\x12" "stack\n" "\x0e" "kernel\n" "\x2a" "1460\n");
	cfg("\x06" "67\n" "\x00" "x\n");
	cfg("\x3c" "1\n" "\x3d" "2\n" "\x3e" "3\n");
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus DIR\n");
		return (2);
	}
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	mkdir(dir, 0777);
	engine_seeds();
	wire_seeds();
	config_seeds();
	printf("gen_corpus: %u seeds in %s\n", nseed, dir);
	return (0);
}

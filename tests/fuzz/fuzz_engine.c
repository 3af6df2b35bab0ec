/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_engine.c - libFuzzer target: the whole engine driven by a stream
 * of records (frames, segments relative to live connections, ICMP, ARP,
 * clock jumps and program calls), with invariants checked after every
 * record.  Built twice: at MTU 1500 (fuzz_engine) and at the smallest MTU
 * the stack accepts (fuzz_engine_minmtu, -DFUZZ_MTU=68: IPv4's minimum,
 * the smallest MTU the engine takes from a device; XTCP_MTU starts at
 * 128).
 *
 * Input: two setup bytes, then records until the input ends.  Each record
 * is an opcode byte and its fields; a field past the end of the input
 * reads as 0, so every input is valid.  tests/fuzz/README describes the
 * record layout; tests/fuzz/gen_corpus.c writes the seeds.
 *
 * The harness plays the peer (10.0.0.2) of an engine at 10.0.0.1: one
 * connection we opened to its port 80 (slot 0, ESTABLISHED after setup
 * with the options the setup byte chose), connections it makes to our
 * listener on 8080 from ports 40001..40003 (slots 1-3), a second
 * connection of ours to its port 81 (slot 4) and segments to a closed
 * port (slot 5).  The peer model of each slot learns from what the
 * engine sends (our ISN, highest sequence sent, last ACK and TSval), so
 * records say "acknowledge everything" or "data at the next sequence
 * number" and stay meaningful whatever happened before.
 *
 * Invariants (fuzz_check): per TCB, SND.UNA <= SND.NXT <= SND.MAX in
 * synchronized states, and the send ring holding exactly the data from
 * SND.UNA on (SND.MAX at most its end, plus the FIN); rings within
 * capacity; the SACK scoreboard
 * sorted, disjoint, counted and inside [SND.UNA, SND.MAX]; the
 * reassembly ranges sorted and within capacity; the sockets the program
 * holds are exactly the TCBs neither orphaned nor waiting in a listen
 * queue.  Per emitted frame: at most 14 + MTU bytes, well formed, IPv4
 * and TCP checksums right, the TCP segment within the MTU, and its data
 * equal to what the program wrote at those sequence numbers.  Per
 * recv(): the bytes equal what the peer sent at those sequence numbers.
 * A violation aborts with a message (libFuzzer saves the input).
 *
 * Time and randomness are inputs of the engine: the seed is fixed and
 * the clock is the harness's, so an input replays exactly.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "xt_err.h"
#include "xtcp.h"
#include "xt_engine.h"
#include "dev/phy.h"
#include "tcp/tcp_var.h"
#include "wire/arp.h"
#include "wire/csum.h"
#include "wire/eth.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

#ifndef FUZZ_MTU
#define FUZZ_MTU	1500
#endif

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUR_IP		0x0a000001u	/* 10.0.0.1 */
#define PEER_IP		0x0a000002u	/* 10.0.0.2 */
#define ROUTER_IP	0x0a0000feu	/* 10.0.0.254, an ICMP source */
#define OTHER_IP	0x0a000003u	/* 10.0.0.3 */
#define LISTEN_PORT	8080
#define T0		1000000ull	/* µs */
#define NSLOT		6
#define NHANDLE		8
#define FRAME_MAX	(XT_ETH_HLEN + 65535)
#define SEG_MAX		1460		/* peer payload per segment */

#define FUZZ_FAIL(...) do {						\
	fprintf(stderr, "fuzz_engine: invariant: " __VA_ARGS__);	\
	fputc('\n', stderr);						\
	abort();							\
} while (0)

static const uint8_t our_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };

/* The peer's view of one connection. */
struct slot {
	uint16_t	lport;		/* our port */
	uint16_t	pport;		/* the peer's port */
	int		seen;		/* we sent something on it */
	xt_seq_t	our_iss;	/* from our SYN or SYN-ACK */
	int		have_iss;
	xt_seq_t	our_max;	/* highest seq + len we sent */
	xt_seq_t	our_ack;	/* last ACK we sent */
	xt_seq_t	our_last_seq;	/* our last segment: seq, len */
	uint32_t	our_last_len;
	uint32_t	our_tsval;	/* last TSval we sent */
	uint32_t	segsz;		/* largest payload we sent (>= 1) */
	xt_seq_t	peer_iss;
	xt_seq_t	peer_nxt;	/* next sequence number the peer sends */
	xt_seq_t	peer_acked;	/* last ACK the peer sent */
	uint16_t	peer_win;
};

struct handle {
	struct xtcp_sock *s;		/* NULL: free */
	uint64_t	sent;		/* bytes the program queued */
};

static struct {
	struct xt_dev	dev;
	struct xtcp_engine *eng;
	uint64_t	now;
	struct slot	sl[NSLOT];
	struct handle	h[NHANDLE];
	int		data_checks;	/* 0 once raw or urgent data went in */
	unsigned	peer_opts;	/* PO_* the peer offers in SYNs */
	const uint8_t	*in;
	size_t		inlen;
	size_t		pos;
	uint8_t		frame[FRAME_MAX];
} F;

#define PO_TS		0x01
#define PO_SACK		0x02
#define PO_WS		0x04
#define PO_ECN		0x08

/* ---- input ---- */

static uint8_t
take8(void)
{
	return (F.pos < F.inlen ? F.in[F.pos++] : 0);
}

static uint16_t
take16(void)
{
	uint16_t v = take8();

	return ((uint16_t)(v << 8 | take8()));
}

/* ---- data patterns ---- */

/* The byte the peer sends at sequence number seq of a connection whose
 * peer port is pport. */
static uint8_t
peer_byte(xt_seq_t seq, uint16_t pport)
{
	return ((uint8_t)(seq * 7u + (seq >> 8) + pport));
}

/* The byte the program writes at stream offset k. */
static uint8_t
prog_byte(uint64_t k)
{
	return ((uint8_t)(k * 13u + (k >> 9) + 1));
}

/* ---- capture device ---- */

static struct slot *
slot_of(uint16_t lport, uint16_t pport)
{
	unsigned i;

	for (i = 0; i < NSLOT; i++)
		if (F.sl[i].pport == pport &&
		    (F.sl[i].lport == lport || F.sl[i].lport == 0))
			return (&F.sl[i]);
	return (NULL);
}

/* A TCP segment we emitted: check it and teach the peer model. */
static void
cap_tcp(const struct xt_ipv4_repr *ip, const uint8_t *l4, size_t l4len)
{
	struct xt_tcp_repr th;
	struct slot *s;
	xt_seq_t end, d0;
	size_t i;
	uint32_t k;

	if (xt_tcp_parse(l4, l4len, ip->src, ip->dst, 1, &th) != XT_OK)
		FUZZ_FAIL("emitted TCP segment does not parse (bad checksum "
		    "or header), %zu bytes", l4len);
	if (th.hlen + th.payload_len + XT_IPV4_HLEN > F.dev.mtu)
		FUZZ_FAIL("segment of %zu bytes over MTU %u",
		    th.hlen + th.payload_len, F.dev.mtu);
	if ((s = slot_of(th.sport, th.dport)) == NULL)
		return;
	s->lport = th.sport;
	s->seen = 1;
	if (th.flags & XT_TH_SYN) {
		s->our_iss = th.seq;
		s->have_iss = 1;
		s->our_max = th.seq;
	}
	end = th.seq + (uint32_t)th.payload_len +
	    ((th.flags & XT_TH_SYN) ? 1 : 0) + ((th.flags & XT_TH_FIN) ? 1 : 0);
	if (SEQ_GT(end, s->our_max) && !(th.flags & XT_TH_RST))
		s->our_max = end;
	if (th.flags & XT_TH_ACK)
		s->our_ack = th.ack;
	if (th.has_ts)
		s->our_tsval = th.tsval;
	if (th.payload_len > 0) {
		s->our_last_seq = th.seq;
		s->our_last_len = (uint32_t)th.payload_len;
		if (th.payload_len > s->segsz)
			s->segsz = (uint32_t)th.payload_len;
	}
	/* data must be what the program wrote (stream offset from ISN+1;
	 * a keep-alive probe's byte below that is not checked) */
	if (!s->have_iss || th.payload_len == 0)
		return;
	d0 = th.seq + ((th.flags & XT_TH_SYN) ? 1 : 0) - (s->our_iss + 1);
	for (i = 0; i < th.payload_len; i++) {
		k = d0 + (uint32_t)i;
		if (k >= 0x80000000u)
			continue;
		if (th.payload[i] != prog_byte(k))
			FUZZ_FAIL("emitted byte at stream offset %u is %#x, "
			    "the program wrote %#x", k, th.payload[i],
			    prog_byte(k));
	}
}

static void
cap_frame(const uint8_t *f, size_t len)
{
	struct xt_eth_repr eh;
	struct xt_ipv4_repr ip;
	struct xt_arp_repr ar;
	const uint8_t *p, *l4;
	size_t plen, l4len;

	if (len > XT_ETH_HLEN + F.dev.mtu)
		FUZZ_FAIL("frame of %zu bytes, MTU %u", len, F.dev.mtu);
	if (xt_eth_parse(f, len, &eh, &p, &plen) != XT_OK)
		FUZZ_FAIL("emitted frame does not parse (%zu bytes)", len);
	if (memcmp(eh.src, our_mac, 6) != 0)
		FUZZ_FAIL("emitted frame from another MAC");
	if (eh.type == XT_ETHERTYPE_ARP) {
		if (xt_arp_parse(p, plen, &ar) != XT_OK)
			FUZZ_FAIL("emitted ARP does not parse");
		return;
	}
	if (eh.type != XT_ETHERTYPE_IPV4)
		FUZZ_FAIL("emitted EtherType %#x", eh.type);
	if (xt_ipv4_parse(p, plen, 1, &ip, &l4, &l4len) != XT_OK)
		FUZZ_FAIL("emitted IPv4 does not parse");
	if (ip.total_len > F.dev.mtu)
		FUZZ_FAIL("IPv4 datagram of %u bytes, MTU %u", ip.total_len,
		    F.dev.mtu);
	if (ip.src != OUR_IP)
		FUZZ_FAIL("emitted IPv4 from %#x", ip.src);
	if (ip.proto == XT_IPPROTO_TCP)
		cap_tcp(&ip, l4, l4len);
}

static int
cap_rx_burst(struct xt_dev *d, xt_rx_fn cb, void *arg, unsigned max)
{
	(void)d;
	(void)cb;
	(void)arg;
	(void)max;
	return (0);
}

static int
cap_tx_burst(struct xt_dev *d, const struct iovec *v, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		cap_frame(v[i].iov_base, v[i].iov_len);
		d->tx_frames++;
	}
	return ((int)n);
}

static int
cap_wait_fd(struct xt_dev *d)
{
	(void)d;
	return (-1);
}

static void
cap_close(struct xt_dev *d)
{
	(void)d;
}

static const struct xt_dev_ops cap_ops = {
	.name = "fuzz",
	.rx_burst = cap_rx_burst,
	.tx_burst = cap_tx_burst,
	.wait_fd = cap_wait_fd,
	.close = cap_close
};

/* ---- invariants ---- */

static void
check_sack(const struct xtcp_sock *tp)
{
	const struct xt_scoreboard *sb = &tp->t_sb;
	uint32_t i, sum = 0;

	if (sb->n > sb->max)
		FUZZ_FAIL("scoreboard holds %u blocks, capacity %u", sb->n,
		    sb->max);
	for (i = 0; i < sb->n; i++) {
		if (!SEQ_LT(sb->b[i].start, sb->b[i].end))
			FUZZ_FAIL("scoreboard block %u empty or reversed", i);
		if (i > 0 && !SEQ_GT(sb->b[i].start, sb->b[i - 1].end))
			FUZZ_FAIL("scoreboard blocks %u and %u overlap, touch "
			    "or are out of order", i - 1, i);
		if (SEQ_LT(sb->b[i].start, tp->snd_una) ||
		    SEQ_GT(sb->b[i].end, tp->snd_max))
			FUZZ_FAIL("scoreboard block %u [una%+d, una%+d) outside "
			    "[SND.UNA, SND.MAX = una%+d)", i,
			    (int)(sb->b[i].start - tp->snd_una),
			    (int)(sb->b[i].end - tp->snd_una),
			    (int)(tp->snd_max - tp->snd_una));
		sum += sb->b[i].end - sb->b[i].start;
	}
	if (sum != sb->sacked_bytes)
		FUZZ_FAIL("scoreboard counts %u bytes, blocks hold %u",
		    sb->sacked_bytes, sum);
	if (sb->nr > sb->rmax)
		FUZZ_FAIL("retransmission records %u over capacity %u",
		    sb->nr, sb->rmax);
	for (i = 0; i < sb->nr; i++) {
		if (!SEQ_LT(sb->r[i].start, sb->r[i].end))
			FUZZ_FAIL("retransmission record %u empty", i);
		if (i > 0 && SEQ_LT(sb->r[i].start, sb->r[i - 1].end))
			FUZZ_FAIL("retransmission records %u and %u overlap",
			    i - 1, i);
	}
}

static void
check_ring(const struct xt_ring *r, const char *what)
{
	if (r->cap == 0 && r->buf == NULL)
		return;
	if (r->len > r->cap || (r->cap > 0 && r->head >= r->cap))
		FUZZ_FAIL("%s ring: len %u head %u cap %u", what, r->len,
		    r->head, r->cap);
}

static void
check_tcb(const struct xtcp_sock *tp)
{
	const struct xt_asm *a = &tp->rcv_asm;
	uint32_t i, fin;

	if (tp->state >= XT_TCPS_NSTATES)
		FUZZ_FAIL("state %d", (int)tp->state);
	check_ring(&tp->snd_buf, "send");
	check_ring(&tp->rcv_buf, "receive");
	if (a->n > a->max_ranges)
		FUZZ_FAIL("assembler %u ranges, capacity %u", a->n,
		    a->max_ranges);
	for (i = 0; i < a->n; i++) {
		if (a->r[i].start >= a->r[i].end)
			FUZZ_FAIL("assembler range %u empty", i);
		if (i > 0 && a->r[i].start <= a->r[i - 1].end)
			FUZZ_FAIL("assembler ranges %u, %u out of order", i - 1,
			    i);
	}
	if (!XT_TCPS_SYNCHRONIZED(tp->state) ||
	    tp->state == XT_TCPS_TIME_WAIT)
		return;
	if (!SEQ_LEQ(tp->snd_una, tp->snd_nxt) ||
	    !SEQ_LEQ(tp->snd_nxt, tp->snd_max))
		FUZZ_FAIL("%s: SND.UNA %u SND.NXT una%+d SND.MAX una%+d",
		    xt_tcp_state_name(tp->state), tp->snd_una,
		    (int)(tp->snd_nxt - tp->snd_una),
		    (int)(tp->snd_max - tp->snd_una));
	/* the send ring holds [snd_buf_seq, snd_buf_seq + len): nothing
	 * below SND.UNA but the acknowledged FIN, nothing sent beyond it
	 * but the FIN; SND.UNA is one below it while our SYN is
	 * unacknowledged (a close in SYN-RECEIVED after a simultaneous
	 * open goes to FIN-WAIT-1 then) */
	fin = (tp->t_flags & XT_TF_SENTFIN) ? 1 : 0;
	if (tp->snd_una - tp->snd_buf_seq > (uint32_t)fin &&
	    !(tp->snd_una == tp->iss && tp->snd_buf_seq == tp->iss + 1))
		FUZZ_FAIL("%s: SND.UNA is buf%+d", xt_tcp_state_name(tp->state),
		    (int)(tp->snd_una - tp->snd_buf_seq));
	if (tp->snd_max - tp->snd_buf_seq > xt_ring_len(&tp->snd_buf) + fin)
		FUZZ_FAIL("%s: SND.MAX is buf%+d, the ring holds %u",
		    xt_tcp_state_name(tp->state),
		    (int)(tp->snd_max - tp->snd_buf_seq),
		    xt_ring_len(&tp->snd_buf));
	if (tp->t_flags & XT_TF_SACK_OK)
		check_sack(tp);
}

static void
fuzz_check(void)
{
	const struct xtcp_sock *tp;
	const char *why;
	unsigned held = 0, open = 0, ntcb = 0, i;

	for (tp = F.eng->tcbs; tp != NULL; tp = tp->next) {
		ntcb++;
		check_tcb(tp);
		if (!(tp->t_flags & XT_TF_ORPHAN) && tp->t_listener == NULL)
			open++;
	}
	if (ntcb != xtcp_engine_ntcb(F.eng))
		FUZZ_FAIL("engine counts %u TCBs, its list holds %u",
		    xtcp_engine_ntcb(F.eng), ntcb);
	if ((why = xt_tcp_tables_check(F.eng)) != NULL)
		FUZZ_FAIL("demultiplexing tables: %s", why);
	for (i = 0; i < NHANDLE; i++) {
		if (F.h[i].s == NULL)
			continue;
		held++;
		for (tp = F.eng->tcbs; tp != NULL && tp != F.h[i].s;
		    tp = tp->next)
			;
		if (tp == NULL)
			FUZZ_FAIL("handle %u is not in the engine", i);
		if (tp->t_flags & XT_TF_ORPHAN)
			FUZZ_FAIL("handle %u is orphaned", i);
	}
	if (open != held)
		FUZZ_FAIL("%u sockets the program could hold, it holds %u",
		    open, held);
}

/* ---- frames from the peer ---- */

static void
inject(const uint8_t *f, size_t len)
{
	xtcp_engine_input(F.eng, F.now, f, len, 0);
}

/* Ethernet + IPv4 header around l4len bytes already at F.frame + 34. */
static size_t
wrap_ip(uint32_t src, uint8_t proto, uint8_t tos, size_t l4len)
{
	struct xt_eth_repr eh;
	struct xt_ipv4_repr ip;

	memcpy(eh.dst, our_mac, 6);
	memcpy(eh.src, peer_mac, 6);
	eh.type = XT_ETHERTYPE_IPV4;
	xt_eth_emit(&eh, F.frame);
	memset(&ip, 0, sizeof(ip));
	ip.tos = tos;
	ip.total_len = (uint16_t)(XT_IPV4_HLEN + l4len);
	ip.frag = XT_IPV4_DF;
	ip.ttl = 64;
	ip.proto = proto;
	ip.src = src;
	ip.dst = OUR_IP;
	xt_ipv4_emit(&ip, F.frame + XT_ETH_HLEN);
	return (XT_ETH_HLEN + XT_IPV4_HLEN + l4len);
}

/* The peer's timestamp clock: 1 ms ticks. */
static uint32_t
peer_tsval(void)
{
	return ((uint32_t)(F.now / 1000) + 0x10000000u);
}

/* Send segment r (ports from slot s) with len bytes of the peer's data
 * at r->seq; badsum corrupts the checksum.  Teaches the peer model. */
static void
send_seg(struct slot *s, struct xt_tcp_repr *r, size_t len, int badsum,
    uint8_t tos)
{
	uint8_t *seg = F.frame + XT_ETH_HLEN + XT_IPV4_HLEN;
	size_t hl, i;
	xt_seq_t end;

	r->sport = s->pport;
	r->dport = s->lport != 0 ? s->lport : LISTEN_PORT;
	if (len > SEG_MAX)
		len = SEG_MAX;
	hl = xt_tcp_emit_hdr(r, seg);
	for (i = 0; i < len; i++)
		seg[hl + i] = peer_byte(r->seq + (uint32_t)i +
		    ((r->flags & XT_TH_SYN) ? 1 : 0), s->pport);
	xt_tcp_fill_csum(seg, hl + len, PEER_IP, OUR_IP);
	if (badsum)
		seg[16] ^= 0x5a;
	end = r->seq + (uint32_t)len + ((r->flags & XT_TH_SYN) ? 1 : 0) +
	    ((r->flags & XT_TH_FIN) ? 1 : 0);
	if (!badsum && !(r->flags & XT_TH_RST) && SEQ_GT(end, s->peer_nxt) &&
	    SEQ_LEQ(r->seq, s->peer_nxt))
		s->peer_nxt = end;
	if (!badsum && (r->flags & XT_TH_ACK))
		s->peer_acked = r->ack;
	if ((r->flags & XT_TH_URG) && len > 0)
		F.data_checks = 0;
	inject(F.frame, wrap_ip(PEER_IP, XT_IPPROTO_TCP, tos, hl + len));
}

/* Options of a plain segment: a timestamp if the peer uses them. */
static void
seg_ts(const struct slot *s, struct xt_tcp_repr *r)
{
	if (F.peer_opts & PO_TS) {
		r->has_ts = 1;
		r->tsval = peer_tsval();
		r->tsecr = s->our_tsval;
	}
}

/* The peer's SYN (or SYN-ACK) options. */
static void
syn_opts(struct xt_tcp_repr *r, uint16_t mss)
{
	r->has_mss = 1;
	r->mss = mss;
	if (F.peer_opts & PO_WS) {
		r->has_ws = 1;
		r->ws = 7;
	}
	if (F.peer_opts & PO_SACK)
		r->sack_perm = 1;
	if (F.peer_opts & PO_TS) {
		r->has_ts = 1;
		r->tsval = peer_tsval();
	}
}

static uint16_t
peer_mss(void)
{
	return ((uint16_t)(FUZZ_MTU - 40));
}

static uint32_t
slot_segsz(const struct slot *s)
{
	return (s->segsz != 0 ? s->segsz : 536);
}

/* ---- records ---- */

/* SEG: a segment of any shape relative to a slot's state. */
static void
rec_seg(void)
{
	struct xt_tcp_repr r;
	struct slot *s;
	uint8_t b0, opts, wb;
	int16_t sd, ad;
	uint16_t plen;
	xt_seq_t seqb, ackb;
	uint32_t sz, i, nb;

	b0 = take8();
	s = &F.sl[(b0 & 7) % NSLOT];
	memset(&r, 0, sizeof(r));
	r.flags = take8();
	sd = (int16_t)take16();
	ad = (int16_t)take16();
	wb = take8();
	opts = take8();
	plen = take16() % (SEG_MAX + 1);
	sz = slot_segsz(s);
	switch ((b0 >> 3) & 3) {
	case 0:	seqb = s->peer_nxt; break;
	case 1:	seqb = s->our_ack; break;
	case 2:	seqb = s->peer_iss; break;
	default: seqb = s->peer_nxt + (uint32_t)sd * 64; sd = 0; break;
	}
	switch (b0 >> 5) {
	case 0:	ackb = s->our_max; break;
	case 1:	ackb = s->peer_acked; break;
	case 2:	ackb = s->our_iss + 1; break;
	case 3:	ackb = s->our_max + 1; break;
	case 4:	ackb = s->peer_acked + sz; break;
	case 5:	ackb = s->our_max - sz; break;
	case 6:	ackb = s->our_last_seq; break;
	default: ackb = s->peer_acked + (uint32_t)ad * sz; ad = 0; break;
	}
	r.seq = seqb + (uint32_t)(int32_t)sd;
	r.ack = ackb + (uint32_t)(int32_t)ad;
	r.win = wb == 0 ? 0 : wb == 255 ? 65535 : (uint16_t)(wb * 256);
	if (opts & 0x01) {
		seg_ts(s, &r);
		r.has_ts = 1;
		if (opts & 0x02) {		/* an old TSval: PAWS */
			r.tsval = peer_tsval() - 0x40000000u;
			r.tsecr = s->our_tsval + 1000;
		}
	}
	if (opts & 0x04) {
		nb = take8() % XT_TCP_MAX_SACK + 1;
		r.nsack = (uint8_t)nb;
		for (i = 0; i < nb; i++) {
			uint8_t a = take8(), l = take8();
			xt_seq_t st = a == 255 ? s->peer_acked - sz :
			    s->peer_acked + a * sz;

			r.sack[i][0] = st;
			r.sack[i][1] = st + (l == 0 ? 1 : (uint32_t)l * sz);
		}
	}
	if (opts & 0x08) {
		r.has_mss = 1;
		r.mss = (uint16_t)(take8() * 8);
	}
	if (opts & 0x10) {
		r.has_ws = 1;
		r.ws = take8() % 16;
	}
	if (opts & 0x20)
		r.sack_perm = 1;
	if (opts & 0x40) {
		r.has_tfo = 1;
		r.tfo_len = (uint8_t)((take8() % 5) * 4);
		if (r.tfo_len > 0)
			memset(r.tfo_cookie, take8(), r.tfo_len);
	}
	if (r.flags & XT_TH_URG)
		r.urp = take8();
	send_seg(s, &r, plen, (opts & 0x80) != 0,
	    (r.flags & (XT_TH_ECE | XT_TH_CWR)) == XT_TH_ECE ? 3 : 0);
}

/* ACK: the peer acknowledges our data, in steps, optionally SACKing. */
static void
rec_ack(void)
{
	struct xt_tcp_repr r;
	struct slot *s;
	uint8_t b0, mode, wb;
	uint32_t sz, n, i;
	xt_seq_t to;

	b0 = take8();
	s = &F.sl[(b0 & 7) % NSLOT];
	mode = b0 >> 3;
	n = take8() % 16 + 1;
	wb = take8();
	sz = slot_segsz(s);
	for (i = 0; i < n; i++) {
		memset(&r, 0, sizeof(r));
		r.flags = XT_TH_ACK;
		r.seq = s->peer_nxt;
		r.win = wb == 0 ? 0 : (uint16_t)(wb * 256 + 255);
		seg_ts(s, &r);
		switch (mode & 3) {
		case 0:				/* everything */
			r.ack = s->our_max;
			break;
		case 1:				/* one more segment */
			to = s->peer_acked + sz;
			r.ack = SEQ_GT(to, s->our_max) ? s->our_max : to;
			break;
		case 2:				/* duplicate, SACK above */
			r.ack = s->peer_acked;
			if (F.peer_opts & PO_SACK) {
				r.nsack = 1;
				r.sack[0][0] = s->peer_acked + sz;
				r.sack[0][1] = s->peer_acked + sz * (i + 2);
				if (SEQ_GT(r.sack[0][1], s->our_max))
					r.sack[0][1] = s->our_max;
				if (!SEQ_LT(r.sack[0][0], r.sack[0][1]))
					r.nsack = 0;
			}
			break;
		default:			/* SACK every other segment */
			r.ack = s->peer_acked;
			if (F.peer_opts & PO_SACK) {
				unsigned k;

				r.nsack = (uint8_t)(1 + (mode >> 2) % 4);
				for (k = 0; k < r.nsack; k++) {
					r.sack[k][0] = s->peer_acked +
					    sz * (2 * (i + k) + 1);
					r.sack[k][1] = r.sack[k][0] + sz;
				}
			}
			break;
		}
		if (mode & 0x10)
			r.flags |= XT_TH_ECE;
		send_seg(s, &r, 0, 0, 0);
		fuzz_check();
	}
}

/* DATA: the peer sends len bytes in order, cut into segments. */
static void
rec_data(void)
{
	struct xt_tcp_repr r;
	struct slot *s;
	uint8_t b0, fl;
	uint32_t len, mss, n;

	b0 = take8();
	s = &F.sl[(b0 & 7) % NSLOT];
	fl = take8();
	len = take16();
	mss = (b0 & 0x80) ? 536 : (uint32_t)peer_mss() - 12;
	if (mss > SEG_MAX)
		mss = SEG_MAX;
	do {
		n = len < mss ? len : mss;
		memset(&r, 0, sizeof(r));
		r.flags = XT_TH_ACK | (n == len ? (fl & (XT_TH_PSH |
		    XT_TH_FIN | XT_TH_URG | XT_TH_CWR)) : 0);
		r.seq = s->peer_nxt;
		r.ack = (b0 & 0x40) ? s->our_max : s->peer_acked;
		r.win = 65535;
		seg_ts(s, &r);
		if (r.flags & XT_TH_URG)
			r.urp = (uint16_t)n;
		if (b0 & 0x20)			/* out of order: skip a hole */
			r.seq += mss;
		send_seg(s, &r, n, 0, (fl & 0x40) ? 3 : 0);
		if (b0 & 0x20)
			s->peer_nxt = r.seq - mss;
		len -= n;
		fuzz_check();
	} while (len > 0);
}

/* SYN: the peer opens a connection to our listener (or answers ours). */
static void
rec_syn(void)
{
	struct xt_tcp_repr r;
	struct slot *s;
	uint8_t b0;

	b0 = take8();
	s = &F.sl[(b0 & 7) % NSLOT];
	memset(&r, 0, sizeof(r));
	r.flags = XT_TH_SYN;
	if (b0 & 0x08) {			/* SYN-ACK to our SYN */
		r.flags |= XT_TH_ACK;
		r.ack = s->our_iss + 1;
	}
	if ((b0 & 0x10) && (F.peer_opts & PO_ECN))
		r.flags |= (r.flags & XT_TH_ACK) ? XT_TH_ECE :
		    XT_TH_ECE | XT_TH_CWR;
	s->peer_iss += 0x01000000u;
	r.seq = s->peer_iss;
	r.win = 65535;
	syn_opts(&r, (b0 & 0x20) ? 536 : peer_mss());
	if (b0 & 0x40) {			/* TFO: cookie request / cookie */
		r.has_tfo = 1;
		r.tfo_len = (b0 & 0x80) ? 8 : 0;
		if (r.tfo_len > 0) {
			uint8_t c8[8];

			xt_tfo_cookie_for(F.eng, PEER_IP, c8);
			memcpy(r.tfo_cookie, c8, 8);
		}
	}
	s->peer_nxt = r.seq;
	s->peer_acked = r.ack;
	send_seg(s, &r, (b0 & 0xc0) == 0xc0 ? take8() : 0, 0, 0);
}

/* HSACK: the peer completes a handshake (ACKs our SYN-ACK or cookie). */
static void
rec_hsack(void)
{
	struct xt_tcp_repr r;
	struct slot *s;
	uint8_t b0;

	b0 = take8();
	s = &F.sl[(b0 & 7) % NSLOT];
	memset(&r, 0, sizeof(r));
	r.flags = XT_TH_ACK;
	r.seq = s->peer_nxt;
	r.ack = s->our_iss + 1;
	r.win = 65535;
	seg_ts(s, &r);
	send_seg(s, &r, (b0 & 0x08) ? take8() : 0, 0, 0);
}

/* ICMP: an error quoting one of our segments. */
static void
rec_icmp(void)
{
	static const uint8_t kinds[][2] = {
		{ XT_ICMP_UNREACH, XT_ICMP_UNREACH_NET },
		{ XT_ICMP_UNREACH, XT_ICMP_UNREACH_HOST },
		{ XT_ICMP_UNREACH, XT_ICMP_UNREACH_PROTO },
		{ XT_ICMP_UNREACH, XT_ICMP_UNREACH_PORT },
		{ XT_ICMP_UNREACH, XT_ICMP_UNREACH_NEEDFRAG },
		{ XT_ICMP_UNREACH, XT_ICMP_UNREACH_NEEDFRAG },
		{ XT_ICMP_TIMXCEED, 0 },
		{ XT_ICMP_PARAMPROB, 0 },
		{ 4, 0 },			/* source quench */
		{ XT_ICMP_ECHO, 0 },
		{ XT_ICMP_UNREACH, 13 },	/* administratively prohibited */
	};
	uint8_t q[XT_IPV4_HLEN + 8];
	struct xt_ipv4_repr qip;
	struct xt_icmp4_repr ic;
	struct slot *s;
	uint8_t b0, k, smode;
	uint16_t mtu;
	xt_seq_t seq;
	size_t qlen;

	b0 = take8();
	s = &F.sl[(b0 & 7) % NSLOT];
	k = take8() % (sizeof(kinds) / sizeof(kinds[0]));
	mtu = take16();
	smode = take8();
	switch (smode & 3) {
	case 0:	seq = s->peer_acked; break;
	case 1:	seq = s->our_last_seq; break;
	case 2:	seq = s->our_iss; break;
	default: seq = s->peer_acked + (uint32_t)(smode >> 2) * 1000; break;
	}
	memset(&qip, 0, sizeof(qip));
	qip.total_len = (uint16_t)(XT_IPV4_HLEN + XT_TCP_HLEN +
	    slot_segsz(s));
	qip.frag = XT_IPV4_DF;
	qip.ttl = 1;
	qip.proto = XT_IPPROTO_TCP;
	qip.src = OUR_IP;
	qip.dst = (b0 & 0x40) ? OTHER_IP : PEER_IP;
	xt_ipv4_emit(&qip, q);
	q[XT_IPV4_HLEN] = (uint8_t)(s->lport >> 8);
	q[XT_IPV4_HLEN + 1] = (uint8_t)s->lport;
	q[XT_IPV4_HLEN + 2] = (uint8_t)(s->pport >> 8);
	q[XT_IPV4_HLEN + 3] = (uint8_t)s->pport;
	q[XT_IPV4_HLEN + 4] = (uint8_t)(seq >> 24);
	q[XT_IPV4_HLEN + 5] = (uint8_t)(seq >> 16);
	q[XT_IPV4_HLEN + 6] = (uint8_t)(seq >> 8);
	q[XT_IPV4_HLEN + 7] = (uint8_t)seq;
	qlen = (b0 & 0x80) ? XT_IPV4_HLEN + 4 : sizeof(q);
	memset(&ic, 0, sizeof(ic));
	ic.type = kinds[k][0];
	ic.code = kinds[k][1];
	ic.mtu = mtu;
	ic.data = q;
	ic.data_len = qlen;
	xt_icmp4_emit(&ic, F.frame + XT_ETH_HLEN + XT_IPV4_HLEN,
	    FRAME_MAX - XT_ETH_HLEN - XT_IPV4_HLEN);
	inject(F.frame, wrap_ip((b0 & 0x20) ? ROUTER_IP : PEER_IP,
	    XT_IPPROTO_ICMP, 0, xt_icmp4_len(&ic)));
}

/* ARP: requests and replies from the peer or others. */
static void
rec_arp(void)
{
	uint8_t buf[XT_ETH_HLEN + XT_ARP_LEN];
	struct xt_eth_repr eh;
	struct xt_arp_repr ar;
	uint8_t b0, m;

	b0 = take8();
	m = take8();
	memset(&ar, 0, sizeof(ar));
	ar.op = (b0 & 1) ? XT_ARP_REPLY : XT_ARP_REQUEST;
	memcpy(ar.sha, peer_mac, 6);
	if (b0 & 2)
		ar.sha[5] = m;
	switch ((b0 >> 2) & 3) {
	case 0:	ar.spa = PEER_IP; break;
	case 1:	ar.spa = ROUTER_IP; break;
	case 2:	ar.spa = OTHER_IP; break;
	default: ar.spa = OUR_IP; break;	/* a conflict */
	}
	ar.tpa = (b0 & 0x10) ? ar.spa : OUR_IP;
	if (ar.op == XT_ARP_REPLY)
		memcpy(ar.tha, our_mac, 6);
	memcpy(eh.dst, (b0 & 0x20) ? xt_eth_broadcast : our_mac, 6);
	memcpy(eh.src, ar.sha, 6);
	eh.type = XT_ETHERTYPE_ARP;
	xt_eth_emit(&eh, buf);
	xt_arp_emit(&ar, buf + XT_ETH_HLEN);
	inject(buf, sizeof(buf));
}

/* CLOCK: time passes; the engine runs its timers. */
static void
rec_clock(void)
{
	uint8_t b0, v;
	uint64_t dl;

	b0 = take8();
	v = take8();
	switch (b0 & 3) {
	case 0:	F.now += (uint64_t)v * 50; break;
	case 1:	F.now += (uint64_t)v * 5000; break;
	case 2:	F.now += (uint64_t)v * 500000; break;
	default:
		dl = xtcp_engine_next_deadline(F.eng);
		if (dl == UINT64_MAX || dl < F.now)
			F.now += 1000000;
		else
			F.now = dl;
		break;
	}
	xtcp_engine_poll(F.eng, F.now);
}

/* RAW: any frame. */
static void
rec_raw(void)
{
	size_t n = take8();

	if (n > F.inlen - F.pos)
		n = F.inlen - F.pos;
	memcpy(F.frame, F.in + F.pos, n);
	F.pos += n;
	F.data_checks = 0;
	inject(F.frame, n);
}

static int
handle_free(void)
{
	int i;

	for (i = 0; i < NHANDLE; i++)
		if (F.h[i].s == NULL)
			return (i);
	return (-1);
}

static void
h_send(struct handle *h, size_t len, int flags, int fastopen, uint16_t port)
{
	uint8_t buf[65536];
	size_t i, sent = 0;

	if (len > sizeof(buf))
		len = sizeof(buf);
	for (i = 0; i < len; i++)
		buf[i] = prog_byte(h->sent + i);
	if (fastopen)
		(void)xtcp_sendto_fastopen(h->s, F.now, PEER_IP, port, buf,
		    len, &sent);
	else
		(void)xtcp_send(h->s, F.now, buf, len, flags, &sent);
	if (sent > len)
		FUZZ_FAIL("send reports %zu of %zu bytes", sent, len);
	h->sent += sent;
}

static void
h_recv(struct handle *h, size_t len, int flags)
{
	uint8_t buf[65536];
	xt_seq_t seq;
	size_t i, got = 0;
	int err;

	if (len > sizeof(buf))
		len = sizeof(buf);
	seq = xt_tcp_read_seq(h->s);
	err = xtcp_recv(h->s, F.now, buf, len, flags, &got);
	if (got > len)
		FUZZ_FAIL("recv reports %zu of %zu bytes", got, len);
	/* after shutdown(SHUT_RD) a data segment resets the connection
	 * and moves RCV.NXT past the unread bytes (tcp_input.c step_text),
	 * so the sequence number of what is read is no longer known */
	if (err != XT_OK || (flags & XTCP_MSG_OOB) || !F.data_checks ||
	    (h->s->t_flags & (XT_TF_HAVEMARK | XT_TF_HAVEOOB |
	    XT_TF_RDSHUT)))
		return;
	for (i = 0; i < got; i++)
		if (buf[i] != peer_byte(seq + (uint32_t)i, h->s->fport))
			FUZZ_FAIL("received byte %zu of %zu is %#x, the peer "
			    "sent %#x", i, got, buf[i],
			    peer_byte(seq + (uint32_t)i, h->s->fport));
}

/* A table of socket options the program sets. */
static void
h_setopt(struct handle *h, uint8_t which, uint16_t val)
{
	static const int opts[][2] = {
		{ IPPROTO_TCP, TCP_NODELAY },
		{ IPPROTO_TCP, TCP_MAXSEG },
		{ IPPROTO_TCP, TCP_CORK },
		{ IPPROTO_TCP, TCP_QUICKACK },
		{ IPPROTO_TCP, TCP_WINDOW_CLAMP },
		{ IPPROTO_TCP, TCP_NOTSENT_LOWAT },
		{ IPPROTO_TCP, TCP_USER_TIMEOUT },
		{ IPPROTO_TCP, TCP_KEEPIDLE },
		{ IPPROTO_TCP, TCP_KEEPINTVL },
		{ IPPROTO_TCP, TCP_KEEPCNT },
		{ IPPROTO_TCP, TCP_LINGER2 },
		{ IPPROTO_TCP, TCP_DEFER_ACCEPT },
		{ IPPROTO_TCP, TCP_FASTOPEN },
		{ IPPROTO_TCP, TCP_FASTOPEN_CONNECT },
		{ IPPROTO_TCP, TCP_SYNCNT },
		{ SOL_SOCKET, SO_KEEPALIVE },
		{ SOL_SOCKET, SO_SNDBUF },
		{ SOL_SOCKET, SO_RCVBUF },
		{ SOL_SOCKET, SO_OOBINLINE },
		{ SOL_SOCKET, SO_REUSEADDR },
		{ IPPROTO_IP, IP_TOS },
		{ IPPROTO_IP, IP_TTL },
		{ SOL_SOCKET, SO_LINGER },
		{ IPPROTO_TCP, TCP_CONGESTION },
	};
	static const char *ccs[] = { "reno", "cubic", "none", "bogus" };
	unsigned k = which % (sizeof(opts) / sizeof(opts[0]));
	struct linger lg;
	int v = val;

	if (opts[k][1] == SO_LINGER && opts[k][0] == SOL_SOCKET) {
		lg.l_onoff = val & 1;
		lg.l_linger = val >> 1 & 7;
		(void)xtcp_setopt(h->s, SOL_SOCKET, SO_LINGER, &lg,
		    sizeof(lg));
		return;
	}
	if (opts[k][1] == TCP_CONGESTION && opts[k][0] == IPPROTO_TCP) {
		(void)xtcp_setopt(h->s, IPPROTO_TCP, TCP_CONGESTION,
		    ccs[val % 4], strlen(ccs[val % 4]));
		return;
	}
	if (opts[k][1] == SO_SNDBUF || opts[k][1] == SO_RCVBUF)
		v = (int)val * 16;
	(void)xtcp_setopt(h->s, opts[k][0], opts[k][1], &v, sizeof(v));
}

/* PROG: the program calls the API on one of its sockets. */
static void
rec_prog(void)
{
	struct handle *h;
	struct xtcp_sock *c;
	uint8_t call, hi;
	uint16_t arg;
	uint8_t info[512];
	size_t ilen;
	int i, v;

	call = take8();
	hi = take8() % NHANDLE;
	arg = take16();
	h = &F.h[hi];
	if (h->s == NULL && (call % 16) != 8)
		return;
	switch (call % 16) {
	case 0:	case 1:
		h_send(h, arg, (call & 0x10) ? XTCP_MSG_MORE : 0, 0, 0);
		break;
	case 2:
		h_send(h, arg % 64 + 1, XTCP_MSG_OOB, 0, 0);
		break;
	case 3:	case 4:
		h_recv(h, arg, (call & 0x10) ? XTCP_MSG_PEEK : 0);
		break;
	case 5:
		h_recv(h, arg % 4 + 1, XTCP_MSG_OOB);
		break;
	case 6:
		(void)xtcp_shutdown(h->s, F.now, arg % 3);
		break;
	case 7:
		xtcp_close(h->s, F.now);
		h->s = NULL;
		break;
	case 8:				/* accept, or a new connection */
		if (F.h[1].s == NULL || (i = handle_free()) < 0)
			break;
		if (!(arg & 1)) {
			if (xtcp_accept(F.h[1].s, F.now, &c, NULL, NULL) ==
			    XT_OK) {
				F.h[i].s = c;
				F.h[i].sent = 0;
				xtcp_sock_set_user(c, (uint32_t)i + 1);
			}
			break;
		}
		if (xtcp_socket(F.eng, &c) != XT_OK)
			break;
		F.h[i].s = c;
		F.h[i].sent = 0;
		xtcp_sock_set_user(c, (uint32_t)i + 1);
		F.sl[4].lport = 0;
		F.sl[4].have_iss = 0;
		F.sl[4].our_max = F.sl[4].our_ack = 0;
		if (arg & 2)
			h_send(&F.h[i], arg >> 8, 0, 1, 81);
		else
			(void)xtcp_connect(c, F.now, PEER_IP, 81);
		break;
	case 9:
	case 10:
		h_setopt(h, (uint8_t)(arg >> 8), (uint16_t)(arg & 0xff) |
		    (uint16_t)((call & 0x30) << 4));
		break;
	case 11:
		ilen = sizeof(info);
		(void)xtcp_getopt(h->s, IPPROTO_TCP, TCP_INFO, info, &ilen);
		ilen = sizeof(v);
		(void)xtcp_getopt(h->s, SOL_SOCKET, SO_ERROR, &v, &ilen);
		break;
	case 12:
		(void)xtcp_poll(h->s);
		(void)xtcp_sock_rxbytes(h->s);
		(void)xtcp_sock_txbytes(h->s);
		(void)xtcp_sock_atmark(h->s);
		(void)xtcp_take_error(h->s);
		break;
	case 13:
		(void)xtcp_connect(h->s, F.now, PEER_IP, 80);
		break;
	case 14:
		{
			char d[256];

			(void)xtcp_sock_describe(h->s, d, sizeof(d));
		}
		break;
	default:
		h_send(h, (size_t)arg * 4, 0, 0, 0);
		break;
	}
}

/* ---- setup ---- */

static void
slot_init(unsigned i, uint16_t pport, uint16_t lport)
{
	struct slot *s = &F.sl[i];

	memset(s, 0, sizeof(*s));
	s->pport = pport;
	s->lport = lport;
	/* ISNs near the wrap so sequence arithmetic wraps early */
	s->peer_iss = 0xfffff000u + i * 0x100u - 0x01000000u;
	s->peer_nxt = s->peer_iss;
	s->peer_win = 65535;
}

static int
setup(uint8_t s0, uint8_t s1)
{
	static const char *ccs[] = { "reno", "cubic", "none", "cubic" };
	static const uint32_t qd[] = { 0, 3000, 40000, 200000 };
	struct xtcp_config cfg;
	struct xt_tcp_repr r;
	struct xtcp_sock *c;
	uint8_t arpb[XT_ETH_HLEN + XT_ARP_LEN];
	struct xt_eth_repr eh;
	struct xt_arp_repr ar;
	int v;

	memset(&F.dev, 0, sizeof(F.dev));
	F.dev.ops = &cap_ops;
	memcpy(F.dev.mac, our_mac, 6);
	F.dev.mtu = FUZZ_MTU;
	F.now = T0;
	F.data_checks = 1;
	memset(F.h, 0, sizeof(F.h));
	slot_init(0, 80, 0);
	slot_init(1, 40001, LISTEN_PORT);
	slot_init(2, 40002, LISTEN_PORT);
	slot_init(3, 40003, LISTEN_PORT);
	slot_init(4, 81, 0);
	slot_init(5, 40009, 9999);
	F.peer_opts = 0;
	if (s0 & 0x04)
		F.peer_opts |= PO_TS;
	if (s0 & 0x08)
		F.peer_opts |= PO_SACK;
	if (s0 & 0x10)
		F.peer_opts |= PO_WS;
	if (s0 & 0x40)
		F.peer_opts |= PO_ECN;

	xtcp_config_defaults(&cfg);
	cfg.addr = OUR_IP;
	cfg.prefixlen = 24;
	cfg.gw = ROUTER_IP;
	cfg.arp_timeout_ms = 600000;
	cfg.sndbuf = (s1 & 0x04) ? 8192 : 65536;
	cfg.rcvbuf = (s1 & 0x04) ? 8192 : 65536;
	cfg.rmem_max = 1 << 20;
	cfg.wmem_max = 1 << 20;
	cfg.max_sockets = 32;
	strcpy(cfg.congestion, ccs[s0 & 3]);
	cfg.syncookies = (s0 & 0x20) ? 2 : 1;
	cfg.ecn = (s0 & 0x40) ? 1 : 2;
	cfg.delayed_ack = (s0 & 0x80) ? 0 : 1;
	cfg.fastopen = 3;
	if (s1 & 0x20)
		cfg.sack_maxholes = 2;
	if (s1 & 0x40)
		cfg.reass_max_ranges = 2;
	cfg.pmtud_blackhole = (s1 >> 1) & 1;
	cfg.keepidle_s = 10;
	cfg.keepintvl_s = 2;
	cfg.keepcnt = 3;
	if (xtcp_engine_new(&cfg, &F.dev, 7, F.now, &F.eng) != XT_OK)
		return (-1);

	/* the peer's MAC */
	memcpy(eh.dst, xt_eth_broadcast, 6);
	memcpy(eh.src, peer_mac, 6);
	eh.type = XT_ETHERTYPE_ARP;
	xt_eth_emit(&eh, arpb);
	memset(&ar, 0, sizeof(ar));
	ar.op = XT_ARP_REQUEST;
	memcpy(ar.sha, peer_mac, 6);
	ar.spa = PEER_IP;
	ar.tpa = OUR_IP;
	xt_arp_emit(&ar, arpb + XT_ETH_HLEN);
	inject(arpb, sizeof(arpb));
	ar.spa = ROUTER_IP;
	ar.sha[5] = 0xfe;
	xt_arp_emit(&ar, arpb + XT_ETH_HLEN);
	inject(arpb, sizeof(arpb));

	/* handle 1: a listener on 8080 */
	if (xtcp_socket(F.eng, &c) != XT_OK)
		return (-1);
	F.h[1].s = c;
	xtcp_sock_set_user(c, 2);
	if (s1 & 0x01) {
		v = 16;
		(void)xtcp_setopt(c, IPPROTO_TCP, TCP_FASTOPEN, &v, sizeof(v));
	}
	(void)xtcp_bind(c, 0, LISTEN_PORT);
	(void)xtcp_listen(c, 2);

	/* handle 0: our connection to the peer's port 80 */
	if (xtcp_socket(F.eng, &c) != XT_OK)
		return (-1);
	F.h[0].s = c;
	xtcp_sock_set_user(c, 1);
	if (s1 & 0x02) {
		v = 1;
		(void)xtcp_setopt(c, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v));
	}
	(void)xtcp_connect(c, F.now, PEER_IP, 80);
	if (s1 & 0x80)
		return (0);			/* the handshake is the input's */
	F.now += 10000;
	memset(&r, 0, sizeof(r));
	r.flags = XT_TH_SYN | XT_TH_ACK;
	if ((F.peer_opts & PO_ECN) && cfg.ecn == 1)
		r.flags |= XT_TH_ECE;
	F.sl[0].peer_iss = 0xfffffff0u;
	r.seq = F.sl[0].peer_iss;
	r.ack = F.sl[0].our_iss + 1;
	r.win = 65535;
	syn_opts(&r, peer_mss());
	r.tsecr = F.sl[0].our_tsval;
	F.sl[0].peer_nxt = r.seq;
	send_seg(&F.sl[0], &r, 0, 0, 0);
	/* data queued: some in flight, the rest waiting */
	h_send(&F.h[0], qd[(s1 >> 3) & 3], 0, 0, 0);
	return (0);
}

/* FUZZ_TRACE set: one line per record on stderr (reading reproducers). */
static void
fuzz_trace(uint8_t op)
{
	static const char *names[] = { "SEG", "ACK", "DATA", "SYN", "HSACK",
	    "ICMP", "ARP", "CLOCK", "CLOCK", "RAW", "PROG", "PROG" };
	const struct xtcp_sock *tp;
	unsigned i;

	fprintf(stderr, "@%zu t=%llu %s", F.pos - 1,
	    (unsigned long long)(F.now - T0), names[op % 12]);
	for (i = 0; i < F.pos + 6 - 1 && F.pos + i < F.inlen && i < 6; i++)
		fprintf(stderr, " %02x", F.in[F.pos + i]);
	fprintf(stderr, " |");
	for (i = 0; i < NHANDLE; i++)
		if ((tp = F.h[i].s) != NULL)
			fprintf(stderr, " h%u:%s/%#x", i,
			    xt_tcp_state_name(tp->state), tp->t_flags);
	fprintf(stderr, " ntcb=%u\n", xtcp_engine_ntcb(F.eng));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t s0, s1, op;
	unsigned nrec = 0;
	int trace;

	F.in = data;
	F.inlen = size;
	F.pos = 0;
	s0 = take8();
	s1 = take8();
	if (setup(s0, s1) != 0)
		FUZZ_FAIL("setup failed");
	fuzz_check();
	trace = getenv("FUZZ_TRACE") != NULL;
	while (F.pos < F.inlen && nrec++ < 4096) {
		op = take8();
		if (trace)
			fuzz_trace(op);
		switch (op % 12) {
		case 0:	rec_seg(); break;
		case 1:	rec_ack(); break;
		case 2:	rec_data(); break;
		case 3:	rec_syn(); break;
		case 4:	rec_hsack(); break;
		case 5:	rec_icmp(); break;
		case 6:	rec_arp(); break;
		case 7:	case 8: rec_clock(); break;
		case 9:	rec_raw(); break;
		default: rec_prog(); break;
		}
		fuzz_check();
	}
	if (trace)
		xtcp_stats_dump(F.eng, 2);
	xtcp_engine_free(F.eng);
	F.eng = NULL;
	return (0);
}

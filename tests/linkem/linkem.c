/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * linkem - a seeded link emulator: an AF_PACKET bridge between two
 * interfaces that drops, delays, jitters, reorders, duplicates, corrupts
 * and rate-limits the frames it forwards.  The kernel here has no netem
 * qdisc (see DESIGN.md, "Facts about these machines"), so the tests run
 * this in a middle network namespace between two veth pairs:
 *
 *	NAME-a [xa0]--veth--[ma0] NAME-m [mb0]--veth--[xb0] NAME-b
 *	                      \___ linkem ___/
 *
 *   linkem -a IF1 -b IF2 [--loss PCT] [--delay MS] [--jitter MS]
 *	    [--reorder PCT] [--reorder-ms MS] [--dup PCT] [--corrupt PCT]
 *	    [--ce PCT] [--ce-queue BYTES]
 *	    [--rate MBIT] [--queue BYTES] [--burst BYTES] [--limit FRAMES]
 *	    [--only ab|ba] [--seed N] [--seconds N] [--pcap FILE] [-q]
 *
 * Every frame received on one interface is sent on the other after, in
 * this order:
 *   loss	dropped with probability PCT/100;
 *   corrupt	one random bit flipped in the IPv4 payload (the TCP header
 *		or data; the IP header stays valid so that the receiver's
 *		TCP checksum, RFC 9293 section 3.1, has to catch it);
 *   ce		with probability PCT/100 an ECN-capable frame (ECT(0) or
 *		ECT(1) in the IPv4 header, RFC 3168 section 5) is marked
 *		CE, "Congestion Experienced": both ECN bits set, the header
 *		checksum updated incrementally (RFC 1624).  Not-ECT frames
 *		and frames already marked are left alone;
 *   dup	a second copy sent (each copy then goes through the rest
 *		independently);
 *   rate	a token bucket of --rate Mbit/s, depth --burst bytes, in
 *		front of a drop-tail FIFO of --queue bytes (a frame that
 *		does not fit is dropped: "qdrop"); with --ce-queue, an
 *		ECN-capable frame that finds more than that many bytes
 *		waiting in the FIFO is marked CE instead of only queued
 *		(a step threshold, as RFC 3168 section 5 allows an AQM);
 *   delay	--delay ms plus a uniform jitter in [-jitter, +jitter] ms
 *		(never before it left the bucket), so jitter alone reorders;
 *   reorder	with probability PCT/100 a frame is held back --reorder-ms
 *		more (default 10 ms), so that later frames overtake it.
 * Loss, corruption, CE marking, duplication and reordering apply to IPv4
 * frames only: ARP and the rest pass intact (still delayed and
 * rate-limited), so an impaired link never stalls on address resolution.
 * --only ab or ba confines those to one direction (a->b is "received on
 * -a, sent on -b").
 *
 * Decisions come from the link fault model of stack/dev/dev_fault.c, the
 * one the simulations' link (dev_pair.c) uses: one model per direction,
 * seeded from --seed, so a run's choices depend only on the seed and the
 * order of frames.  linkem asks in XT_FAULT_ORDER_ASKED: a knob draws
 * only when it is on and the frame is one it applies to (IPv4, in the
 * --only direction), in the order listed above, so ARP and Not-ECT
 * traffic leave the stream alone; dev_pair draws a fixed vector per frame
 * instead.  Both orders are pinned (the seeds of impaired.sh and
 * contrib/bench/loss reproduce linkem's runs; the simulation baseline
 * dev_pair's), so they stay two modes of one model.  What stays here:
 * which frames are impaired, the bit span (the IPv4 payload; dev_pair
 * flips any bit of the frame), the jitter's shape (symmetric around the
 * delay; dev_pair's is one-sided, whole microseconds), the random CE
 * knob, and the rate model (a token bucket on a real clock; dev_pair
 * serialises frames in virtual time behind a FIFO).
 *
 * Timers are a binary heap keyed by release time on CLOCK_MONOTONIC; the
 * program is one thread around ppoll(2).  Frames are read with
 * recvmmsg(2) and written with sendmmsg(2) on sockets bound to one
 * interface each, with PACKET_IGNORE_OUTGOING so that a socket never
 * reads back what it sent, and in promiscuous mode (the frames are
 * addressed to the far end's MAC).
 *
 * The sending veth ends must hand over complete MTU-sized frames:
 * `ethtool -K IF tx off tso off gso off gro off` on all four ends
 * (contrib/netns-topology up NAME --linkem does it).  A frame larger than
 * the outgoing MTU is dropped and counted as "oversize".
 *
 * The run ends after --seconds (default: never) or on SIGTERM/SIGINT; the
 * counters are printed to stderr then, and on SIGUSR1.  "linkem: ready"
 * goes to stdout once both sockets are open.  Exit 0, or 1 on an error
 * (which is printed), 2 on bad usage.
 */
#define _GNU_SOURCE

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "dev/dev_fault.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING	23	/* Linux 4.20 */
#endif

#define LE_BATCH	64		/* frames per recvmmsg/sendmmsg */
#define LE_BUFSZ	(65536 + 512)	/* one receive buffer */
#define LE_SOCKBUF	(8 * 1024 * 1024)
#define LE_ETH_HLEN	14
#define LE_ETH_IPV4	0x0800		/* RFC 894 */
#define LE_NS_PER_MS	1000000ULL
#define LE_NS_PER_S	1000000000ULL

enum { DIR_AB = 0, DIR_BA = 1, NDIR = 2 };

struct counters {
	uint64_t	rx;		/* frames read */
	uint64_t	tx;		/* frames written */
	uint64_t	txbytes;
	uint64_t	loss;		/* dropped by --loss */
	uint64_t	dup;		/* extra copies made */
	uint64_t	corrupt;	/* bits flipped */
	uint64_t	reorder;	/* frames held back */
	uint64_t	qdrop;		/* rate queue full */
	uint64_t	limit;		/* too many frames in flight */
	uint64_t	txerr;		/* sendmmsg refused */
	uint64_t	oversize;	/* larger than the outgoing MTU */
	uint64_t	ce;		/* frames marked CE */
};

struct frame {
	uint64_t	t;		/* release time, ns */
	uint64_t	seq;		/* FIFO order among equal times */
	uint32_t	len;
	int		dir;
	unsigned char	data[];
};

struct bucket {
	double		tok;		/* bytes; negative = queued debt */
	uint64_t	t;		/* when tok was last brought up to date */
};

struct opts {
	const char	*ifname[NDIR];	/* -a, -b */
	double		 loss, reorder, dup, corrupt, ce; /* fractions 0..1 */
	double		 ce_queue;	/* bytes; 0 = no queue marking */
	uint64_t	 delay_ns, jitter_ns, reorder_ns;
	double		 rate_Bps;	/* bytes per ns; 0 = unlimited */
	double		 queue_bytes, burst_bytes;
	uint32_t	 limit;
	int		 only;		/* -1 both, else DIR_* */
	uint64_t	 seed;
	uint64_t	 seconds;	/* 0 = run until signalled */
	const char	*pcap;
	int		 quiet;
};

static struct opts	 o;
static int		 fd[NDIR];	/* socket on -a, on -b */
static unsigned		 mtu[NDIR];
static struct counters	 cnt[NDIR];
static struct bucket	 bkt[NDIR];
static struct xt_fault	 fault[NDIR];	/* decisions, per direction */
static struct frame	**heap;
static uint32_t		 nheap;
static uint64_t		 seqno;
static FILE		*pcap;
static volatile sig_atomic_t got_stop, got_usr1;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * LE_NS_PER_S + (uint64_t)ts.tv_nsec);
}

/* splitmix64, to spread the seed over the xorshift state */
static uint64_t
mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return (x ^ (x >> 31));
}

/*
 * One fault model per direction, each with a stream of its own: splitmix64
 * of seed * 2 + direction (a zero state would stick, so 1 instead).  The
 * second stream is for the Gilbert-Elliott draws, which linkem never makes.
 */
static void
seed_faults(uint64_t seed)
{
	uint64_t s;
	int d;

	for (d = 0; d < NDIR; d++) {
		s = mix64(seed * 2 + (uint64_t)d);
		if (s == 0)
			s = 1;
		xt_fault_init(&fault[d], XT_FAULT_ORDER_ASKED, s, s);
	}
}

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_stop = 1;
}

static void
print_counters(void)
{
	static const char *name[NDIR] = { "a->b", "b->a" };
	const struct counters *c;
	int d;

	for (d = 0; d < NDIR; d++) {
		c = &cnt[d];
		fprintf(stderr, "linkem: %s rx %" PRIu64 " tx %" PRIu64
		    " bytes %" PRIu64 " loss %" PRIu64 " dup %" PRIu64
		    " corrupt %" PRIu64 " reorder %" PRIu64 " qdrop %" PRIu64
		    " limit %" PRIu64 " txerr %" PRIu64 " oversize %" PRIu64
		    " ce %" PRIu64 "\n", name[d], c->rx, c->tx, c->txbytes,
		    c->loss, c->dup, c->corrupt, c->reorder, c->qdrop,
		    c->limit, c->txerr, c->oversize, c->ce);
	}
	fprintf(stderr, "linkem: in flight %" PRIu32 "\n", nheap);
}

/* ---------------------------------------------------------------------
 * The timer heap: a binary min-heap of frames by (t, seq).
 * --------------------------------------------------------------------- */

static int
before(const struct frame *x, const struct frame *y)
{
	return (x->t < y->t || (x->t == y->t && x->seq < y->seq));
}

static void
heap_push(struct frame *f)
{
	uint32_t i = nheap++, p;

	while (i > 0) {
		p = (i - 1) / 2;
		if (!before(f, heap[p]))
			break;
		heap[i] = heap[p];
		i = p;
	}
	heap[i] = f;
}

static struct frame *
heap_pop(void)
{
	struct frame *top = heap[0], *last;
	uint32_t i = 0, c;

	last = heap[--nheap];
	for (;;) {
		c = 2 * i + 1;
		if (c >= nheap)
			break;
		if (c + 1 < nheap && before(heap[c + 1], heap[c]))
			c++;
		if (!before(heap[c], last))
			break;
		heap[i] = heap[c];
		i = c;
	}
	if (nheap > 0)
		heap[i] = last;
	return (top);
}

/* ---------------------------------------------------------------------
 * pcap output (--pcap): every frame as it is sent, with wall-clock time.
 * Format: the classic libpcap file, LINKTYPE_ETHERNET (1).
 * --------------------------------------------------------------------- */

static int
pcap_open(const char *path)
{
	struct {
		uint32_t magic;
		uint16_t vmaj, vmin;
		int32_t	 zone;
		uint32_t sigfigs, snaplen, linktype;
	} h = { 0xa1b2c3d4, 2, 4, 0, 0, LE_BUFSZ, 1 };

	if ((pcap = fopen(path, "w")) == NULL)
		return (-1);
	if (fwrite(&h, sizeof(h), 1, pcap) != 1)
		return (-1);
	return (0);
}

static void
pcap_write(const struct frame *f)
{
	struct {
		uint32_t sec, usec, caplen, len;
	} r;
	struct timeval tv;

	gettimeofday(&tv, NULL);
	r.sec = (uint32_t)tv.tv_sec;
	r.usec = (uint32_t)tv.tv_usec;
	r.caplen = r.len = f->len;
	if (fwrite(&r, sizeof(r), 1, pcap) != 1 ||
	    fwrite(f->data, f->len, 1, pcap) != 1) {
		fprintf(stderr, "linkem: pcap write failed, capture stopped\n");
		fclose(pcap);
		pcap = NULL;
	}
}

/* ---------------------------------------------------------------------
 * Sending.
 * --------------------------------------------------------------------- */

struct txq {
	struct mmsghdr	msg[LE_BATCH];
	struct iovec	iov[LE_BATCH];
	struct frame	*f[LE_BATCH];
	unsigned	n;
};

static struct txq txq[NDIR];

static void
txq_flush(int dir)
{
	struct txq *q = &txq[dir];
	unsigned done = 0, i, tries = 0;
	int r, out = !dir;

	while (done < q->n && tries++ < 4) {
		r = sendmmsg(fd[out], q->msg + done, q->n - done, MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == ENOBUFS)
				continue;
			/* one frame the device refuses: skip it */
			cnt[dir].txerr++;
			done++;
			continue;
		}
		for (i = done; i < done + (unsigned)r; i++) {
			cnt[dir].tx++;
			cnt[dir].txbytes += q->f[i]->len;
			if (pcap != NULL)
				pcap_write(q->f[i]);
		}
		done += (unsigned)r;
	}
	cnt[dir].txerr += q->n - done;
	for (i = 0; i < q->n; i++)
		free(q->f[i]);
	q->n = 0;
}

static void
txq_add(struct frame *f)
{
	struct txq *q = &txq[f->dir];
	unsigned i = q->n;

	q->iov[i].iov_base = f->data;
	q->iov[i].iov_len = f->len;
	memset(&q->msg[i], 0, sizeof(q->msg[i]));
	q->msg[i].msg_hdr.msg_iov = &q->iov[i];
	q->msg[i].msg_hdr.msg_iovlen = 1;
	q->f[i] = f;
	if (++q->n == LE_BATCH)
		txq_flush(f->dir);
}

/* Send every frame whose time has come. */
static void
release_due(uint64_t now)
{
	int d;

	while (nheap > 0 && heap[0]->t <= now)
		txq_add(heap_pop());
	for (d = 0; d < NDIR; d++)
		if (txq[d].n > 0)
			txq_flush(d);
}

/* ---------------------------------------------------------------------
 * The impairments.
 * --------------------------------------------------------------------- */

/*
 * Token bucket (virtual-scheduling form): tok is the bucket's content at
 * time t after every frame already accepted has been charged; a negative
 * value is the backlog still waiting for tokens, i.e. the FIFO's
 * occupancy.  Returns the time the frame leaves the bucket, or 0 if the
 * FIFO is full; *qp is the backlog the frame found, in bytes.
 */
static uint64_t
shape(int dir, uint32_t len, uint64_t now, double *qp)
{
	struct bucket *b = &bkt[dir];
	double backlog;

	*qp = 0;
	if (o.rate_Bps <= 0)
		return (now);
	if (now > b->t) {
		b->tok += (double)(now - b->t) * o.rate_Bps;
		if (b->tok > o.burst_bytes)
			b->tok = o.burst_bytes;
		b->t = now;
	}
	backlog = b->tok < 0 ? -b->tok : 0;
	*qp = backlog;
	if (backlog + len > o.queue_bytes)
		return (0);
	b->tok -= len;
	if (b->tok >= 0)
		return (now);
	return (now + (uint64_t)(-b->tok / o.rate_Bps));
}

/*
 * Mark an ECN-capable IPv4 frame CE (RFC 3168 section 5; the header
 * checksum updated as RFC 1624 has it), unless its IHL is too short to
 * be a header.  Returns 1 if the frame was marked.
 */
static int
mark_ce(int dir, unsigned char *p, uint32_t len)
{
	if (len < LE_ETH_HLEN + 20 || (p[LE_ETH_HLEN] & 0x0f) < 5)
		return (0);
	if (!xt_fault_ce_mark(p, len))
		return (0);		/* Not-ECT, or CE already */
	cnt[dir].ce++;
	return (1);
}

static void
schedule(int dir, const unsigned char *data, uint32_t len, int ip,
    uint64_t now)
{
	struct frame *f;
	uint64_t t;
	int64_t j;
	double q;

	if (nheap >= o.limit) {
		cnt[dir].limit++;
		return;
	}
	if ((t = shape(dir, len, now, &q)) == 0) {
		cnt[dir].qdrop++;
		return;
	}
	t += o.delay_ns;
	if (o.jitter_ns > 0) {
		j = (int64_t)(xt_fault_uniform(&fault[dir], XT_FAULT_JITTER) *
		    (double)(2 * o.jitter_ns + 1)) - (int64_t)o.jitter_ns;
		if (j < 0 && (uint64_t)-j > t - now)
			t = now;
		else
			t = (uint64_t)((int64_t)t + j);
	}
	if (ip && xt_fault_chance(&fault[dir], XT_FAULT_REORDER, o.reorder)) {
		t += o.reorder_ns;
		cnt[dir].reorder++;
	}
	if ((f = malloc(sizeof(*f) + len)) == NULL) {
		cnt[dir].limit++;
		return;
	}
	f->t = t;
	f->seq = seqno++;
	f->len = len;
	f->dir = dir;
	memcpy(f->data, data, len);
	if (ip && o.ce_queue > 0 && q > o.ce_queue)
		(void)mark_ce(dir, f->data, len);
	heap_push(f);
}

static void
corrupt_bit(int dir, unsigned char *p, uint32_t len)
{
	uint32_t ihl, tot;

	if (len < LE_ETH_HLEN + 20)
		return;
	/* RFC 791 section 3.1: IHL in 32-bit words, total length */
	ihl = (uint32_t)(p[LE_ETH_HLEN] & 0x0f) * 4;
	tot = (uint32_t)p[LE_ETH_HLEN + 2] << 8 | p[LE_ETH_HLEN + 3];
	if (tot > len - LE_ETH_HLEN)
		tot = len - LE_ETH_HLEN;
	if (ihl < 20 || tot <= ihl)
		return;
	xt_fault_flip(&fault[dir], p + LE_ETH_HLEN + ihl, tot - ihl);
	cnt[dir].corrupt++;
}

static void
handle(int dir, unsigned char *p, uint32_t len, uint64_t now)
{
	int ip, imp, copies = 1;

	cnt[dir].rx++;
	if (len > mtu[!dir] + LE_ETH_HLEN + 4) {
		cnt[dir].oversize++;
		return;
	}
	ip = len >= LE_ETH_HLEN + 20 &&
	    ((unsigned)p[12] << 8 | p[13]) == LE_ETH_IPV4;
	imp = ip && (o.only < 0 || o.only == dir);
	if (imp && xt_fault_chance(&fault[dir], XT_FAULT_LOSS, o.loss)) {
		cnt[dir].loss++;
		return;
	}
	if (imp && xt_fault_chance(&fault[dir], XT_FAULT_CORRUPT, o.corrupt))
		corrupt_bit(dir, p, len);
	/* only ECN-capable frames draw, so Not-ECT traffic keeps its seed */
	if (imp && o.ce > 0 && (p[LE_ETH_HLEN + 1] & 0x03) != 0 &&
	    xt_fault_chance(&fault[dir], XT_FAULT_CE, o.ce))
		(void)mark_ce(dir, p, len);
	if (imp && xt_fault_chance(&fault[dir], XT_FAULT_DUP, o.dup)) {
		cnt[dir].dup++;
		copies = 2;
	}
	while (copies-- > 0)
		schedule(dir, p, len, imp, now);
}

/* ---------------------------------------------------------------------
 * Receiving.
 * --------------------------------------------------------------------- */

static unsigned char	*rxbuf[LE_BATCH];
static struct mmsghdr	 rxmsg[LE_BATCH];
static struct iovec	 rxiov[LE_BATCH];

/* Read what is waiting on side dir's socket, at most a few batches. */
static void
receive(int dir)
{
	int r, i, rounds;
	uint64_t now;

	for (rounds = 0; rounds < 8; rounds++) {
		for (i = 0; i < LE_BATCH; i++) {
			rxiov[i].iov_base = rxbuf[i];
			rxiov[i].iov_len = LE_BUFSZ;
			memset(&rxmsg[i], 0, sizeof(rxmsg[i]));
			rxmsg[i].msg_hdr.msg_iov = &rxiov[i];
			rxmsg[i].msg_hdr.msg_iovlen = 1;
		}
		r = recvmmsg(fd[dir], rxmsg, LE_BATCH, MSG_DONTWAIT, NULL);
		if (r <= 0)
			return;
		now = now_ns();
		for (i = 0; i < r; i++) {
			if (rxmsg[i].msg_hdr.msg_flags & MSG_TRUNC) {
				cnt[dir].rx++;
				cnt[dir].oversize++;
				continue;
			}
			handle(dir, rxbuf[i], rxmsg[i].msg_len, now);
		}
		/* keep the delay honest under load: send what is due */
		release_due(now);
		if (r < LE_BATCH)
			return;
	}
}

/* ---------------------------------------------------------------------
 * Setup.
 * --------------------------------------------------------------------- */

static int
open_side(const char *ifname, unsigned *mtup)
{
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	struct ifreq ifr;
	int s, one = 1, sz = LE_SOCKBUF;
	unsigned idx;

	if ((idx = if_nametoindex(ifname)) == 0) {
		fprintf(stderr, "linkem: %s: %s\n", ifname, strerror(errno));
		return (-1);
	}
	s = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    htons(ETH_P_ALL));
	if (s < 0) {
		fprintf(stderr, "linkem: socket(AF_PACKET): %s\n",
		    strerror(errno));
		return (-1);
	}
	if (setsockopt(s, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
	    sizeof(one)) != 0) {
		fprintf(stderr, "linkem: PACKET_IGNORE_OUTGOING: %s "
		    "(needs Linux 4.20)\n", strerror(errno));
		close(s);
		return (-1);
	}
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) != 0)
		(void)setsockopt(s, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) != 0)
		(void)setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)idx;
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		fprintf(stderr, "linkem: bind %s: %s\n", ifname,
		    strerror(errno));
		close(s);
		return (-1);
	}
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = (int)idx;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(s, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
	    sizeof(mr)) != 0)
		fprintf(stderr, "linkem: %s: promiscuous mode: %s\n", ifname,
		    strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	*mtup = 1500;
	if (ioctl(s, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0)
		*mtup = (unsigned)ifr.ifr_mtu;
	return (s);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: linkem -a IF1 -b IF2 [--loss PCT] [--delay MS] "
	    "[--jitter MS]\n"
	    "\t[--reorder PCT] [--reorder-ms MS] [--dup PCT] "
	    "[--corrupt PCT]\n"
	    "\t[--ce PCT] [--ce-queue BYTES]\n"
	    "\t[--rate MBIT] [--queue BYTES] [--burst BYTES] "
	    "[--limit FRAMES]\n"
	    "\t[--only ab|ba] [--seed N] [--seconds N] [--pcap FILE] [-q]\n");
	exit(2);
}

/* A number in [lo, hi], or usage. */
static double
num(const char *opt, const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi)) {
		fprintf(stderr, "linkem: --%s: expected a number %g..%g, "
		    "got \"%s\"\n", opt, lo, hi, s);
		exit(2);
	}
	return (v);
}

static void
parse(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "loss", required_argument, NULL, 'l' },
		{ "delay", required_argument, NULL, 'd' },
		{ "jitter", required_argument, NULL, 'j' },
		{ "reorder", required_argument, NULL, 'r' },
		{ "reorder-ms", required_argument, NULL, 'R' },
		{ "dup", required_argument, NULL, 'D' },
		{ "corrupt", required_argument, NULL, 'c' },
		{ "ce", required_argument, NULL, 'e' },
		{ "ce-queue", required_argument, NULL, 'E' },
		{ "rate", required_argument, NULL, 't' },
		{ "queue", required_argument, NULL, 'Q' },
		{ "burst", required_argument, NULL, 'B' },
		{ "limit", required_argument, NULL, 'L' },
		{ "only", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "pcap", required_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	double rate = 0, queue = -1, burst = -1, reorder_ms = 10;
	int c;

	o.limit = 200000;
	o.only = -1;
	o.seed = 1;
	while ((c = getopt_long(argc, argv, "a:b:qh", lo, NULL)) != -1) {
		switch (c) {
		case 'a': o.ifname[DIR_AB] = optarg; break;
		case 'b': o.ifname[DIR_BA] = optarg; break;
		case 'l': o.loss = num("loss", optarg, 0, 100) / 100; break;
		case 'd': o.delay_ns = (uint64_t)(num("delay", optarg, 0,
		    60000) * LE_NS_PER_MS); break;
		case 'j': o.jitter_ns = (uint64_t)(num("jitter", optarg, 0,
		    60000) * LE_NS_PER_MS); break;
		case 'r': o.reorder = num("reorder", optarg, 0, 100) / 100;
		    break;
		case 'R': reorder_ms = num("reorder-ms", optarg, 0, 60000);
		    break;
		case 'D': o.dup = num("dup", optarg, 0, 100) / 100; break;
		case 'c': o.corrupt = num("corrupt", optarg, 0, 100) / 100;
		    break;
		case 'e': o.ce = num("ce", optarg, 0, 100) / 100; break;
		case 'E': o.ce_queue = num("ce-queue", optarg, 0, 1e9);
		    break;
		case 't': rate = num("rate", optarg, 0, 1e6); break;
		case 'Q': queue = num("queue", optarg, 1514, 1e9); break;
		case 'B': burst = num("burst", optarg, 1514, 1e9); break;
		case 'L': o.limit = (uint32_t)num("limit", optarg, 1, 1e7);
		    break;
		case 'o':
			if (strcmp(optarg, "ab") == 0)
				o.only = DIR_AB;
			else if (strcmp(optarg, "ba") == 0)
				o.only = DIR_BA;
			else
				usage();
			break;
		case 's': o.seed = (uint64_t)num("seed", optarg, 0,
		    9007199254740992.0); break;
		case 'S': o.seconds = (uint64_t)num("seconds", optarg, 0,
		    1e7); break;
		case 'p': o.pcap = optarg; break;
		case 'q': o.quiet = 1; break;
		default: usage();
		}
	}
	if (optind != argc || o.ifname[0] == NULL || o.ifname[1] == NULL)
		usage();
	o.reorder_ns = (uint64_t)(reorder_ms * LE_NS_PER_MS);
	/* Mbit/s -> bytes per ns */
	o.rate_Bps = rate * 1e6 / 8 / 1e9;
	/* default queue: 50 ms at the rate, at least 64 KB; burst 2 frames */
	o.queue_bytes = queue > 0 ? queue : fmax(65536, rate * 1e6 / 8 / 20);
	o.burst_bytes = burst > 0 ? burst : 2 * 1514;
	if (o.ce_queue > 0 && o.rate_Bps <= 0) {
		fprintf(stderr, "linkem: --ce-queue needs --rate (the queue "
		    "is the rate limiter's)\n");
		exit(2);
	}
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	struct pollfd pfd[NDIR];
	struct timespec ts, *tsp;
	sigset_t block, orig;
	uint64_t now, end = 0, wait;
	int d, i;

	parse(argc, argv);
	seed_faults(o.seed);
	if ((heap = calloc(o.limit, sizeof(*heap))) == NULL) {
		fprintf(stderr, "linkem: out of memory\n");
		return (1);
	}
	for (i = 0; i < LE_BATCH; i++)
		if ((rxbuf[i] = malloc(LE_BUFSZ)) == NULL) {
			fprintf(stderr, "linkem: out of memory\n");
			return (1);
		}
	if (o.pcap != NULL && pcap_open(o.pcap) != 0) {
		fprintf(stderr, "linkem: %s: %s\n", o.pcap, strerror(errno));
		return (1);
	}

	/* Signals only interrupt ppoll: no race between test and wait. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &orig);

	for (d = 0; d < NDIR; d++)
		if ((fd[d] = open_side(o.ifname[d], &mtu[d])) < 0)
			return (1);
	now = now_ns();
	for (d = 0; d < NDIR; d++) {
		bkt[d].tok = o.burst_bytes;
		bkt[d].t = now;
	}
	if (o.seconds > 0)
		end = now + o.seconds * LE_NS_PER_S;
	if (!o.quiet)
		fprintf(stderr, "linkem: %s <-> %s loss %g%% delay %gms "
		    "jitter %gms reorder %g%% (+%gms) dup %g%% corrupt %g%% "
		    "ce %g%% ce-queue %gB rate %gMbit/s seed %" PRIu64 "\n",
		    o.ifname[0], o.ifname[1], o.loss * 100, o.delay_ns / 1e6,
		    o.jitter_ns / 1e6, o.reorder * 100, o.reorder_ns / 1e6,
		    o.dup * 100, o.corrupt * 100, o.ce * 100, o.ce_queue,
		    o.rate_Bps * 8e3, o.seed);
	printf("linkem: ready\n");
	fflush(stdout);

	while (!got_stop) {
		now = now_ns();
		if (end != 0 && now >= end)
			break;
		release_due(now);
		if (got_usr1) {
			got_usr1 = 0;
			print_counters();
		}
		tsp = NULL;
		wait = UINT64_MAX;
		if (nheap > 0)
			wait = heap[0]->t > now ? heap[0]->t - now : 0;
		if (end != 0 && end - now < wait)
			wait = end - now;
		if (wait != UINT64_MAX) {
			ts.tv_sec = (time_t)(wait / LE_NS_PER_S);
			ts.tv_nsec = (long)(wait % LE_NS_PER_S);
			tsp = &ts;
		}
		for (d = 0; d < NDIR; d++) {
			pfd[d].fd = fd[d];
			pfd[d].events = POLLIN;
			pfd[d].revents = 0;
		}
		if (ppoll(pfd, NDIR, tsp, &orig) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "linkem: ppoll: %s\n",
			    strerror(errno));
			return (1);
		}
		for (d = 0; d < NDIR; d++) {
			if (pfd[d].revents & (POLLERR | POLLNVAL)) {
				fprintf(stderr, "linkem: %s: socket error\n",
				    o.ifname[d]);
				return (1);
			}
			if (pfd[d].revents & POLLIN)
				receive(d);
		}
	}
	print_counters();
	if (pcap != NULL)
		fclose(pcap);
	return (0);
}

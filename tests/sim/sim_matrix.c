/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sim_matrix.c - a matrix of seeded transfers between two engines over
 * the simulated link (dev/dev_pair.c), in virtual time.
 *
 * Each scenario is a link (bandwidth, RTT, bottleneck queue, random and
 * Gilbert-Elliott burst loss, reordering, duplication, corruption, ECN
 * marking), an engine configuration (congestion control, SACK,
 * timestamps, ECN, buffer size) and a transfer size.  Engine A connects
 * to a listener on engine B and both send their bytes at the same time,
 * then shut down and close.  Per scenario the runner asserts:
 *
 *   1. byte-exact delivery both ways, then a clean close;
 *   2. no stall: everything done within T_stall of virtual time;
 *   3. goodput: the data were all delivered within K(class) * T_model.
 *
 * The model (all times in seconds; p is the frame loss the link causes
 * on its own, not counting the bottleneck's tail drops, which are the
 * congestion control's business):
 *
 *   MSS     = 1460 - 12 with timestamps; frames of MSS + 54 bytes
 *   RTT     = 2 * one-way delay + one frame's serialisation
 *   p       = loss + corrupt + ge_p / (ge_p + ge_r) * ge_loss_bad
 *   pr      = p + reorder (if rdepth >= 3, past the dup-ACK threshold)
 *             + 0.05 (if jitter >= 3 frame times)
 *   pk      = max(p, ge_loss_bad * (1 - ge_r)) with burst loss, else p:
 *             the loss of a lone retransmission
 *   T0      = max(0.2, 3 * RTT)                RFC 6298 RTO, rto_min 200 ms
 *   T_ser   = 1.05 * segs * frame * 8 / bw     the bottleneck, 5 % for ACKs
 *   T_win   = bytes * RTT / (0.5 * buf)        half the buffer is window
 *   T_loss  = segs / B, Padhye-Firoiu-Towsley-Kurose with b = 2:
 *             1/B = RTT sqrt(2b pr/3) + T0 min(1, 3 sqrt(3b pr/8)) pr f(pk)
 *             f(x) = 1 + x + 2x^2 + 4x^3 + 8x^4 + 16x^5 + 32x^6
 *   T_ss    = RTT * ceil(log2(W / (10 * MSS) + 1)),  W = min(bytes, buf,
 *             BDP + queue): slow-start rounds from the RFC 6928 window
 *   T_model = 3 * RTT (handshake, close) + T_ss + 2 * T0 (two RTOs, e.g.
 *             a slow-start overshoot each way) + max(T_ser, T_win, T_loss)
 *   T_stall = 4 * T_model + sum(i < k) min(T0 * 2^i, 120) + 10,  k the
 *             smallest count with segs * q^k < 1e-3, q = 1 - (1 - pk)^2
 *             the chance that one retransmission round fails (the
 *             segment or its ACK lost: loss applies both ways) (k
 *             consecutive failed rounds, each doubling the RTO up to
 *             rto_max; 10 s for SYN/ARP retries and slack)
 *
 * Goodput floors: per scenario the data (connect() to the last byte and
 * EOF read on both sides) must take at most K(class) * T_model, and per
 * class the mean of T_data / T_model over the run must stay at most
 * M(class); see the table before floor_k() for the values and how they
 * were chosen.
 *
 * Fixed scenarios (fixed_scen[], each pinning what a soak found) run
 * first, on every run but --replay, with the same criteria, but for the
 * goodput floor where an entry says why it cannot hold.
 *
 * Scenario classes the engine fails today are kept out of the default
 * matrix in scen_generate(), each with a comment naming its entry in
 * doc/known-gaps.md; --replay runs them anyway.
 *
 * Usage:
 *   sim_matrix                 the default matrix, seeds 1..2048 (~20 s)
 *   sim_matrix -n N -s FIRST   N scenarios from seed FIRST
 *   sim_matrix --soak N        N scenarios from seed 1 (a superset)
 *   sim_matrix --replay SPEC   one scenario, verbose (SPEC as printed)
 *   sim_matrix --digest        one line per scenario: outcome, exact
 *                              virtual times and a digest of both engines'
 *                              counters (the baseline of matrix_digest.sh)
 *   -v                         per-scenario lines; -vv also both engines'
 *                              counters; -vvv also the engines' log
 *
 * With ecn=1 both engines request ECN and the link marks CE at half the
 * bottleneck queue (qlen / 2 frames).  buf is the initial sndbuf and
 * rcvbuf; with autotune=1 the engine may grow them (which only makes
 * T_win pessimistic).
 *
 * A failing scenario prints the command that replays it.  The last line
 * is "N passed, M failed".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* memfd_create */
#endif
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "xtcp.h"
#include "dev/dev_pair.h"

#define ADDR_A		0x0a000001u	/* 10.0.0.1, inside the simulation only */
#define ADDR_B		0x0a000002u
#define PORT_B		5001
#define T_START		1000000ULL	/* virtual µs at which a run starts */
#define SIM_MATRIX_N	2048		/* default scenarios */
#define MAX_ITERS	20000000ULL	/* event-loop bound per scenario */
#define ETH_IP_TCP	54		/* frame bytes besides the payload */

struct scen {
	char		cc[16];		/* "reno" or "cubic" */
	int		sack;
	int		ts;
	int		ecn;		/* engines request ECN; link marks */
	double		loss;		/* random loss, each direction */
	double		ge_p;		/* burst loss: good -> bad */
	double		ge_r;		/* bad -> good */
	double		ge_bad;		/* loss in the bad state */
	double		reorder;	/* probability a frame is held back */
	uint32_t	rdepth;		/* ... by this many frame times */
	double		dup;
	double		corrupt;
	int		arpcorrupt;	/* corruption may hit ARP frames too */
	uint32_t	rtt_ms;
	uint32_t	jitter_us;
	uint32_t	bw_kbps;	/* bottleneck rate, each direction */
	uint32_t	qlen;		/* bottleneck queue, frames */
	uint32_t	buf;		/* sndbuf = rcvbuf, bytes */
	uint32_t	ranges;		/* reass_max_ranges; 0 = engine default */
	int		autotune;	/* buffers may grow past buf */
	uint32_t	bytes;		/* each way */
	uint64_t	seed;
};

struct side {
	const char		*name;
	struct xtcp_engine	*eng;
	struct xtcp_sock	*lis;		/* B only */
	struct xtcp_sock	*s;
	const uint8_t		*out;		/* what this side sends */
	const uint8_t		*in;		/* what it must receive */
	size_t			total;
	size_t			sent;
	size_t			rcvd;
	int			shut;
	int			eof;
	int			closed;
	int			failed;
};

struct result {
	double		t_data;		/* s: connect to last byte + EOF */
	double		t_done;		/* s: connect to both closed */
	double		t_model;
	double		t_stall;
	double		k;		/* floor: t_data <= k * t_model */
	const char	*cls;
	char		why[256];	/* failure reason, "" if passed */
	int64_t		rexmit, rto, fastrx;
	uint64_t	data_us, done_us;	/* the same, exact virtual µs */
	uint64_t	digest[2];	/* FNV-1a of engine A's, B's counters */
	struct xt_link_stats ls;
};

static int verbose;
static int digest_mode;		/* --digest: one line per scenario */
static const char *no_floor;	/* the fixed scenario's waiver, or NULL */
static const char *progname = "tests/sim/sim_matrix";

/*
 * Fixed scenarios, run before the generated ones on every run (so by
 * `make check`) with the same pass criteria: each pins an engine defect
 * a soak found.  A spec is what a failure prints; keep the comment
 * saying what went wrong.
 */
static const struct {
	const char	*name;
	const char	*spec;
	const char	*no_floor;	/* why the goodput floor cannot hold;
					 * delivery and T_stall still must */
} fixed_scen[] = {
	/*
	 * soak 20000, seed 8684: CUBIC, SACK, 80 ms with 2 frame times of
	 * jitter.  After an RTO in recovery, SACKed dup ACKs started a new
	 * recovery while going back N (RFC 6675 §5.1 forbids it): ssthresh
	 * fell to 2 SMSS and PRR sent one segment per RTT through the
	 * holes: 15.9 s against a model of 2.0 s.  The 1 % duplication
	 * was a bystander: the same link without it fails on other seeds.
	 */
	{ "cubic-jitter-rto",
	    "cc=cubic,sack=1,ts=0,ecn=0,loss=0,ge=0/0/0,reorder=0,rdepth=0,"
	    "dup=0.01,corrupt=0,arpcorrupt=0,rtt_ms=80,jitter_us=484,"
	    "bw_kbps=50000,qlen=330,buf=1048576,autotune=1,ranges=4345,"
	    "bytes=4194304,seed=8684", NULL },
	/* The same defect without duplication: a stall (not done within
	 * T_stall, 18 s). */
	{ "cubic-jitter-rto-stall",
	    "cc=cubic,sack=1,ts=0,ecn=0,loss=0,ge=0/0/0,reorder=0,rdepth=0,"
	    "dup=0,corrupt=0,arpcorrupt=0,rtt_ms=80,jitter_us=484,"
	    "bw_kbps=50000,qlen=330,buf=1048576,autotune=1,ranges=4345,"
	    "bytes=4194304,seed=3", NULL },
	/*
	 * soak 20000, seed 12242 (CUBIC without SACK, 20 % loss each way,
	 * 5 % duplication, 10 ms, 64 KB): 473.6 s against a model of
	 * 42.8 s.  No engine defect: one segment needed 13 transmissions
	 * because the link lost 5 of them and the ACKs of 7 of the other 8
	 * (0.2^7 ~ 1e-5), so the RTO backed off to rto_max (11 doublings,
	 * ~440 s) exactly as RFC 6298 §5.5 and Linux do.  Duplication is a
	 * bystander: the same link with dup=0 does no better on average
	 * (mean T_data/T_model 0.78 with dup=0 against 0.71 with dup=0.05
	 * over seeds 1..300).  Kept to pin that outcome: every byte, within
	 * T_stall (866 s), and the run's counters in matrix.digest.
	 */
	{ "cubic-nosack-backoff",
	    "cc=cubic,sack=0,ts=1,ecn=0,loss=0.2,ge=0/0/0,reorder=0,rdepth=0,"
	    "dup=0.05,corrupt=0,arpcorrupt=0,rtt_ms=10,jitter_us=0,"
	    "bw_kbps=1000000,qlen=206,buf=65536,autotune=0,ranges=4345,"
	    "bytes=1048576,seed=12242",
	    "one segment lost 12 round trips in a row: RTO backoff to rto_max" },
};

#define NFIXED	(sizeof(fixed_scen) / sizeof(fixed_scen[0]))

/* ---- scenario text: the replay spec ---- */

static int
scen_format(const struct scen *sc, char *buf, size_t len)
{
	return (snprintf(buf, len, "cc=%s,sack=%d,ts=%d,ecn=%d,loss=%g,"
	    "ge=%g/%g/%g,reorder=%g,rdepth=%u,dup=%g,corrupt=%g,arpcorrupt=%d,"
	    "rtt_ms=%u,"
	    "jitter_us=%u,bw_kbps=%u,qlen=%u,buf=%u,autotune=%d,ranges=%u,"
	    "bytes=%u,"
	    "seed=%llu",
	    sc->cc, sc->sack, sc->ts, sc->ecn, sc->loss, sc->ge_p, sc->ge_r,
	    sc->ge_bad, sc->reorder, sc->rdepth, sc->dup, sc->corrupt,
	    sc->arpcorrupt, sc->rtt_ms, sc->jitter_us, sc->bw_kbps, sc->qlen,
	    sc->buf, sc->autotune, sc->ranges, sc->bytes, (unsigned long long)sc->seed));
}

static int
parse_u32(const char *v, uint32_t *out)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || x > UINT32_MAX)
		return (-1);
	*out = (uint32_t)x;
	return (0);
}

static int
parse_prob(const char *v, double *out)
{
	char *end;

	*out = strtod(v, &end);
	if (end == v || *end != '\0' || !(*out >= 0 && *out <= 1))
		return (-1);
	return (0);
}

static void
scen_defaults(struct scen *sc)
{
	memset(sc, 0, sizeof(*sc));
	strcpy(sc->cc, "cubic");
	sc->sack = 1;
	sc->ts = 1;
	sc->rtt_ms = 20;
	sc->bw_kbps = 100000;
	sc->qlen = 100;
	sc->buf = 256 * 1024;
	sc->bytes = 128 * 1024;
	sc->autotune = 1;
	sc->seed = 1;
}

/* Parse "key=value,..." over the defaults; -1 with a message if bad. */
static int
scen_parse(const char *spec, struct scen *sc)
{
	char tmp[1024], *tok, *save, *v;
	uint32_t u;
	int bad;

	scen_defaults(sc);
	if (strlen(spec) >= sizeof(tmp))
		return (-1);
	strcpy(tmp, spec);
	for (tok = strtok_r(tmp, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if ((v = strchr(tok, '=')) == NULL) {
			fprintf(stderr, "replay: no '=' in %s\n", tok);
			return (-1);
		}
		*v++ = '\0';
		bad = 0;
		if (strcmp(tok, "cc") == 0) {
			bad = strlen(v) >= sizeof(sc->cc);
			if (!bad)
				strcpy(sc->cc, v);
		} else if (strcmp(tok, "sack") == 0) {
			bad = parse_u32(v, &u) != 0;
			sc->sack = (int)u;
		} else if (strcmp(tok, "ts") == 0) {
			bad = parse_u32(v, &u) != 0;
			sc->ts = (int)u;
		} else if (strcmp(tok, "ecn") == 0) {
			bad = parse_u32(v, &u) != 0;
			sc->ecn = (int)u;
		} else if (strcmp(tok, "loss") == 0) {
			bad = parse_prob(v, &sc->loss) != 0;
		} else if (strcmp(tok, "ge") == 0) {
			bad = sscanf(v, "%lf/%lf/%lf", &sc->ge_p, &sc->ge_r,
			    &sc->ge_bad) != 3;
		} else if (strcmp(tok, "reorder") == 0) {
			bad = parse_prob(v, &sc->reorder) != 0;
		} else if (strcmp(tok, "rdepth") == 0) {
			bad = parse_u32(v, &sc->rdepth) != 0;
		} else if (strcmp(tok, "dup") == 0) {
			bad = parse_prob(v, &sc->dup) != 0;
		} else if (strcmp(tok, "corrupt") == 0) {
			bad = parse_prob(v, &sc->corrupt) != 0;
		} else if (strcmp(tok, "arpcorrupt") == 0) {
			bad = parse_u32(v, &u) != 0;
			sc->arpcorrupt = (int)u;
		} else if (strcmp(tok, "rtt_ms") == 0) {
			bad = parse_u32(v, &sc->rtt_ms) != 0;
		} else if (strcmp(tok, "jitter_us") == 0) {
			bad = parse_u32(v, &sc->jitter_us) != 0;
		} else if (strcmp(tok, "bw_kbps") == 0) {
			bad = parse_u32(v, &sc->bw_kbps) != 0 ||
			    sc->bw_kbps == 0;
		} else if (strcmp(tok, "qlen") == 0) {
			bad = parse_u32(v, &sc->qlen) != 0;
		} else if (strcmp(tok, "buf") == 0) {
			bad = parse_u32(v, &sc->buf) != 0;
		} else if (strcmp(tok, "autotune") == 0) {
			bad = parse_u32(v, &u) != 0;
			sc->autotune = (int)u;
		} else if (strcmp(tok, "ranges") == 0) {
			bad = parse_u32(v, &sc->ranges) != 0;
		} else if (strcmp(tok, "bytes") == 0) {
			bad = parse_u32(v, &sc->bytes) != 0;
		} else if (strcmp(tok, "seed") == 0) {
			bad = sscanf(v, "%llu",
			    (unsigned long long *)&sc->seed) != 1;
		} else {
			fprintf(stderr, "replay: unknown key %s\n", tok);
			return (-1);
		}
		if (bad) {
			fprintf(stderr, "replay: bad value %s=%s\n", tok, v);
			return (-1);
		}
	}
	return (0);
}

/* ---- the matrix ---- */

static uint64_t
splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

#define PICK(st, arr)	((arr)[splitmix(st) % (sizeof(arr) / sizeof((arr)[0]))])

static double
frame_us(const struct scen *sc)
{
	return (1514.0 * 8 * 1000 / sc->bw_kbps);
}

/*
 * Scenario number seed of the matrix.  The low three bits of the seed
 * pick cc, SACK and timestamps, so every 8 consecutive seeds cover those
 * combinations; the rest comes from a PRNG seeded by the seed.
 */
static void
scen_generate(uint64_t seed, struct scen *sc)
{
	static const uint32_t rtts[] = { 1, 2, 5, 10, 20, 40, 80, 150, 300 };
	static const uint32_t bws[] = { 1000, 2000, 10000, 50000, 100000,
	    1000000 };
	static const double losses[] = { 0, 0, 0, 0.001, 0.005, 0.01, 0.02,
	    0.05, 0.1, 0.2 };
	static const double qfacs[] = { 0.25, 0.5, 1, 2 };
	static const uint32_t bufs[] = { 65536, 262144, 1048576, 4194304 };
	static const uint32_t sizes[] = { 262144, 1048576, 4194304 };
	static const double reorders[] = { 0.01, 0.02, 0.05 };
	static const uint32_t rdepths[] = { 1, 2, 4, 8, 16 };
	static const double dups[] = { 0.01, 0.05 };
	static const double corrupts[] = { 0.001, 0.01, 0.02 };
	static const double ge_ps[] = { 0.001, 0.005, 0.01 };
	static const double ge_rs[] = { 0.2, 0.5 };
	uint64_t st = seed * 0x2545f4914f6cdd1dULL;
	double bdp, q, fit;

	scen_defaults(sc);
	sc->seed = seed;
	strcpy(sc->cc, (seed & 1) ? "reno" : "cubic");
	sc->sack = (seed & 2) ? 0 : 1;
	sc->ts = (seed & 4) ? 0 : 1;
	sc->rtt_ms = PICK(&st, rtts);
	sc->bw_kbps = PICK(&st, bws);
	sc->loss = PICK(&st, losses);
	sc->buf = PICK(&st, bufs);
	sc->bytes = PICK(&st, sizes);
	/* Queue relative to the bandwidth-delay product, 4..20000 frames. */
	bdp = (double)sc->bw_kbps * 1000 * sc->rtt_ms / 1000 / (1514 * 8);
	q = bdp * PICK(&st, qfacs);
	sc->qlen = q < 4 ? 4 : q > 20000 ? 20000 : (uint32_t)q;
	if (splitmix(&st) % 5 == 0) {
		sc->ge_p = PICK(&st, ge_ps);
		sc->ge_r = PICK(&st, ge_rs);
		sc->ge_bad = 0.5;
	}
	if (splitmix(&st) % 3 == 0) {
		sc->reorder = PICK(&st, reorders);
		sc->rdepth = PICK(&st, rdepths);
	}
	/*
	 * Duplication only without reordering: the two together make SACK
	 * senders enter recovery spuriously again and again, never undone,
	 * and at long RTTs Reno then crawls past T_stall; see "sim_matrix:
	 * spurious recoveries from reordering plus duplication" in
	 * doc/known-gaps.md.
	 */
	if (splitmix(&st) % 8 == 0 && sc->reorder == 0)
		sc->dup = PICK(&st, dups);
	/*
	 * Corruption spares ARP (arpcorrupt=0): a flipped bit in an ARP
	 * reply poisons the cache for arp_timeout_ms and the engine does not
	 * revalidate it on retransmission timeouts (RFC 1122 §2.3.2.1); see
	 * "sim_matrix: corrupted ARP reply" in
	 * doc/known-gaps.md.
	 */
	if (splitmix(&st) % 8 == 0)
		sc->corrupt = PICK(&st, corrupts);
	if (splitmix(&st) % 10 == 0)
		sc->jitter_us = (uint32_t)(frame_us(sc) *
		    (1 + splitmix(&st) % 4));
	if (splitmix(&st) % 5 == 0)
		sc->ecn = 1;
	/*
	 * Enough out-of-order ranges for every segment of the largest window
	 * (autotuning grows it up to rmem_max, 6 MiB by default): with the
	 * default 32 a receiver whose ranges are all used drops even the
	 * segment at rcv_nxt and the connection deadlocks; see "sim_matrix:
	 * reassembly full" in doc/known-gaps.md.
	 */
	sc->ranges = (sc->buf > 6291456 ? sc->buf : 6291456) / 1448 + 1;
	/*
	 * Without SACK, or at RTTs of 150 ms and more, a window that can
	 * overflow the bottleneck queue makes the engine crawl or stall for
	 * tens of seconds after the slow-start overshoot (recovery of one
	 * hole per RTT, RTO estimates of 13-27 s); see "sim_matrix: queue
	 * overflow without SACK or at long RTT" in
	 * doc/known-gaps.md.  Until that is fixed such
	 * scenarios get a buffer that fits the path (BDP plus half the
	 * queue, as the other way's ACKs share it) and that slow start
	 * cannot overshoot (the queue: ACKs of the other way use its
	 * slots too), and no autotuning to grow
	 * it, so they still run, with
	 * their random, burst and reordering faults, but without
	 * self-inflicted overflow.
	 */
	fit = fmin(bdp + sc->qlen / 2.0, sc->qlen) * 1448;
	if (!sc->sack || sc->rtt_ms >= 150) {
		if (sc->buf > fit)
			sc->buf = fit < 16384 ? 16384 : (uint32_t)fit;
		sc->autotune = 0;
	}
}

/* ---- the model ---- */

static uint32_t
scen_mss(const struct scen *sc)
{
	return (sc->ts ? 1448 : 1460);
}

static double
scen_p(const struct scen *sc)
{
	double p = sc->loss + sc->corrupt;

	if (sc->ge_p + sc->ge_r > 0)
		p += sc->ge_p / (sc->ge_p + sc->ge_r) * sc->ge_bad;
	return (p);
}

/* PFTK's expected RTO backoff factor when a retransmission is lost
 * with probability x: 1 + x + 2x^2 + 4x^3 + 8x^4 + 16x^5 + 32x^6. */
static double
backoff(double x)
{
	return (1 + x + 2 * pow(x, 2) + 4 * pow(x, 3) + 8 * pow(x, 4) +
	    16 * pow(x, 5) + 32 * pow(x, 6));
}

static void
model(const struct scen *sc, struct result *r)
{
	int i;
	double mss = scen_mss(sc), segs = ceil(sc->bytes / mss);
	double chain, rtt, p, pr, pk, t0, t_ser, t_win, t_loss, t_ss, w, bdp, b = 2, k;

	rtt = sc->rtt_ms / 1e3 + frame_us(sc) / 1e6;
	p = scen_p(sc);
	/* Reordering past the duplicate-ACK threshold costs as a loss. */
	pr = p;
	if (sc->rdepth >= 3)
		pr += sc->reorder;
	if (sc->jitter_us >= 3 * frame_us(sc))
		pr += 0.05;
	t0 = fmax(0.2, 3 * rtt);
	t_ser = 1.05 * segs * (mss + ETH_IP_TCP) * 8 / (sc->bw_kbps * 1e3);
	t_win = sc->bytes * rtt / (0.5 * sc->buf);
	/* A lone retransmission in the burst chain's bad state is lost
	 * with about ge_bad * (1 - ge_r) each time. */
	pk = p;
	if (sc->ge_p > 0 && sc->ge_bad * (1 - sc->ge_r) > pk)
		pk = sc->ge_bad * (1 - sc->ge_r);
	t_loss = 0;
	if (pr > 0)
		t_loss = segs * (rtt * sqrt(2 * b * pr / 3) +
		    t0 * fmin(1, 3 * sqrt(3 * b * pr / 8)) * pr *
		    backoff(pk));
	bdp = sc->bw_kbps * 1e3 / 8 * rtt + (double)sc->qlen * 1514;
	w = fmin(fmin(sc->bytes, sc->buf), bdp);
	t_ss = rtt * ceil(log2(w / (10 * mss) + 1));
	r->t_model = 3 * rtt + t_ss + fmax(t_ser, fmax(t_win, t_loss)) +
	    2 * t0;
	/* a retransmission round fails when the segment or its ACK is
	 * lost: with loss both ways that is 1 - (1 - pk)^2, not pk */
	pk = 1 - (1 - pk) * (1 - pk);
	for (k = 1; k < 30 && pk > 0 && segs * pow(pk, k) >= 1e-3; k++)
		;
	/* k RTOs, each doubled, none over rto_max (120 s) */
	for (i = 0, chain = 0; pk > 0 && i < k; i++)
		chain += fmin(t0 * pow(2, i), 120);
	r->t_stall = 4 * r->t_model + chain + 10;
}

/*
 * Goodput floors per class.  Per scenario: T_data <= K * T_model.  Per
 * class over the whole run: mean(T_data / T_model) <= M.  Over 6144
 * seeds (--soak 6144, 50 s) the engine's worst single ratios were clean
 * 2.6, reorder 2.2, loss<2% 4.6, loss>=2% 6.3 and its class means 0.78,
 * 0.67, 0.75, 0.70 (the summary prints them); K and M leave a margin of
 * about 1.6 to 2.3 on those.  The per-scenario K catches a stall-like collapse in
 * any one scenario, the class mean M a general slowdown such as every
 * loss waiting for an RTO.
 */
struct klass {
	const char	*name;
	double		k;		/* per-scenario floor */
	double		m;		/* bound on the class mean ratio */
	unsigned	n;
	double		worst;		/* max T_data / T_model */
	double		sum;
};

static struct klass classes[] = {
	{ "clean", 6, 1.6, 0, 0, 0 },
	{ "reorder", 5, 1.5, 0, 0, 0 },
	{ "loss<2%", 10, 1.6, 0, 0, 0 },
	{ "loss>=2%", 10, 1.4, 0, 0, 0 },
};

static void
floor_k(const struct scen *sc, struct result *r)
{
	double p = scen_p(sc);
	unsigned i;

	if (p == 0 && sc->reorder == 0 && sc->jitter_us == 0)
		i = 0;
	else if (p == 0)
		i = 1;
	else if (p < 0.02)
		i = 2;
	else
		i = 3;
	r->cls = classes[i].name;
	r->k = classes[i].k;
}

/* ---- the behaviour digest (--digest) ---- */

/*
 * FNV-1a over an engine's counters as xtcp_stats_dump() writes them (every
 * counter, name and value): two runs whose digests agree counted the same
 * events.  `make check` compares every scenario's digest with the
 * baseline committed in tests/sim/matrix.digest (matrix_digest.sh), so a
 * change that means to move code and not behaviour shows that it did not.
 */
static uint64_t
stats_digest(const struct xtcp_engine *eng)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	char buf[4096];
	ssize_t n, i;
	int fd;

	fd = memfd_create("sim_matrix_stats", 0);
	if (fd < 0)
		return (0);
	xtcp_stats_dump(eng, fd);
	if (lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return (0);
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			h ^= (uint8_t)buf[i];
			h *= 0x100000001b3ULL;
		}
	}
	close(fd);
	return (h);
}

/* ---- one run ---- */

static void
fill(uint8_t *buf, size_t n, uint64_t seed)
{
	uint64_t x = seed;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i % 8 == 0)
			x = splitmix(&seed);
		buf[i] = (uint8_t)(x >> ((i % 8) * 8));
	}
}

static void
fail(struct result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fail(struct result *r, const char *fmt, ...)
{
	va_list ap;

	if (r->why[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

/* Move data for one side; returns 1 if anything happened. */
static int
side_step(struct side *sd, uint64_t now, struct result *r)
{
	uint8_t buf[65536];
	size_t got;
	int err, did = 0;

	if (sd->s == NULL || sd->failed || sd->closed)
		return (0);
	while (sd->sent < sd->total) {
		err = xtcp_send(sd->s, now, sd->out + sd->sent,
		    sd->total - sd->sent, 0, &got);
		if (err == XT_EAGAIN || (err == XT_OK && got == 0))
			break;
		if (err != XT_OK) {
			fail(r, "%s: send: %s", sd->name, xt_strerror(err));
			sd->failed = 1;
			return (1);
		}
		sd->sent += got;
		did = 1;
	}
	if (sd->sent == sd->total && !sd->shut) {
		if ((err = xtcp_shutdown(sd->s, now, 1)) != XT_OK) {
			fail(r, "%s: shutdown: %s", sd->name,
			    xt_strerror(err));
			sd->failed = 1;
			return (1);
		}
		sd->shut = 1;
		did = 1;
	}
	while (!sd->eof) {
		err = xtcp_recv(sd->s, now, buf, sizeof(buf), 0, &got);
		if (err == XT_EAGAIN)
			break;
		if (err != XT_OK) {
			fail(r, "%s: recv: %s", sd->name, xt_strerror(err));
			sd->failed = 1;
			return (1);
		}
		did = 1;
		if (got == 0) {
			sd->eof = 1;
			break;
		}
		if (got > sd->total - sd->rcvd) {
			fail(r, "%s: %zu bytes more than sent", sd->name,
			    got - (sd->total - sd->rcvd));
			sd->failed = 1;
			return (1);
		}
		if (memcmp(buf, sd->in + sd->rcvd, got) != 0) {
			size_t i;

			for (i = 0; buf[i] == sd->in[sd->rcvd + i]; i++)
				;
			fail(r, "%s: received byte %zu differs", sd->name,
			    sd->rcvd + i);
			sd->failed = 1;
			return (1);
		}
		sd->rcvd += got;
	}
	if (sd->eof && sd->rcvd != sd->total) {
		fail(r, "%s: EOF after %zu of %zu bytes", sd->name, sd->rcvd,
		    sd->total);
		sd->failed = 1;
		return (1);
	}
	if (sd->eof && sd->shut && xtcp_sock_txbytes(sd->s) == 0) {
		xtcp_close(sd->s, now);
		sd->s = NULL;
		sd->closed = 1;
		did = 1;
	}
	return (did);
}

static void
describe(const char *name, const struct xtcp_sock *s)
{
	char line[1024];

	if (s == NULL)
		return;
	xtcp_sock_describe(s, line, sizeof(line));
	printf("  %s: %s\n", name, line);
}

static uint64_t
min3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t m = a < b ? a : b;

	return (m < c ? m : c);
}

static void
sim_log(void *arg, int level, const char *line)
{
	(void)level;
	printf("[%s] %s\n", (const char *)arg, line);
}

static void
engine_config(const struct scen *sc, uint32_t addr, struct xtcp_config *c)
{
	xtcp_config_defaults(c);
	c->addr = addr;
	c->prefixlen = 24;
	strcpy(c->congestion, sc->cc);
	c->sack = sc->sack;
	c->tstamps = sc->ts;
	c->wscale = 1;
	c->ecn = sc->ecn ? 1 : 0;
	c->sndbuf = sc->buf;
	c->rcvbuf = sc->buf;
	if (sc->ranges > 0)
		c->reass_max_ranges = sc->ranges;
	c->autotune = sc->autotune;
	/* The transfer is under test, not the handshake's give-up. */
	c->syn_retries = 12;
	c->keepinit_ms = 600000;
	c->arp_retries = 10;
	if (verbose > 2) {
		c->log_level = XTCP_LOG_DEBUG;
		c->log_fn = sim_log;
		c->log_arg = (void *)(addr == ADDR_A ? "A" : "B");
	}
}

static int
run_one(const struct scen *sc, const char *spec, struct result *r)
{
	struct xt_link_params lp;
	struct xtcp_config ca, cb;
	struct xt_link *link = NULL;
	struct xt_dev *da, *db;
	struct side A, B;
	uint64_t now = T_START, next, iters = 0, stall_us, data_us = 0;
	struct xtcp_sock *c;
	uint8_t *pa = NULL, *pb = NULL;
	double fus;
	int err, did;

	memset(r, 0, sizeof(*r));
	memset(&A, 0, sizeof(A));
	memset(&B, 0, sizeof(B));
	model(sc, r);
	floor_k(sc, r);
	stall_us = (uint64_t)(r->t_stall * 1e6);

	fus = frame_us(sc);
	memset(&lp, 0, sizeof(lp));
	lp.delay_us = sc->rtt_ms * 500;
	lp.jitter_us = sc->jitter_us;
	lp.reorder = sc->reorder;
	lp.reorder_us = (uint32_t)ceil(sc->rdepth * fus);
	lp.loss = sc->loss;
	lp.dup = sc->dup;
	lp.corrupt = sc->corrupt;
	lp.corrupt_no_arp = !sc->arpcorrupt;
	lp.ge_p = sc->ge_p;
	lp.ge_r = sc->ge_r;
	lp.ge_loss_bad = sc->ge_bad;
	lp.rate_bps = (uint64_t)sc->bw_kbps * 1000;
	lp.qlimit_frames = sc->qlen;
	if (sc->ecn)
		lp.ecn_frames = sc->qlen / 2 > 0 ? sc->qlen / 2 : 1;
	/* In-flight bound well above anything the windows allow. */
	lp.queue_frames = 4 * (sc->buf / 1000) + sc->qlen + 4096;
	lp.seed = sc->seed;

	if ((pa = malloc(sc->bytes + 1)) == NULL ||
	    (pb = malloc(sc->bytes + 1)) == NULL) {
		fail(r, "out of memory");
		goto out;
	}
	fill(pa, sc->bytes, sc->seed * 7919 + 1);
	fill(pb, sc->bytes, sc->seed * 7919 + 2);
	if (xt_link_new(&lp, &now, &link, &da, &db) != XT_OK) {
		fail(r, "xt_link_new failed");
		goto out;
	}
	engine_config(sc, ADDR_A, &ca);
	engine_config(sc, ADDR_B, &cb);
	if (xtcp_engine_new(&ca, da, sc->seed * 2 + 1, now, &A.eng) != XT_OK ||
	    xtcp_engine_new(&cb, db, sc->seed * 2 + 2, now, &B.eng) != XT_OK) {
		fail(r, "engine_new failed (cc %s?)", sc->cc);
		goto out;
	}
	A.name = "A";
	B.name = "B";
	A.total = B.total = sc->bytes;
	A.out = B.in = pa;
	B.out = A.in = pb;

	if (xtcp_socket(B.eng, &B.lis) != XT_OK ||
	    xtcp_bind(B.lis, 0, PORT_B) != XT_OK ||
	    xtcp_listen(B.lis, 8) != XT_OK) {
		fail(r, "listen failed");
		goto out;
	}
	if (xtcp_socket(A.eng, &A.s) != XT_OK) {
		fail(r, "socket failed");
		goto out;
	}
	err = xtcp_connect(A.s, now, ADDR_B, PORT_B);
	if (err != XT_EINPROGRESS) {
		fail(r, "connect: %s", xt_strerror(err));
		goto out;
	}
	for (;;) {
		if (++iters > MAX_ITERS) {
			fail(r, "event-loop bound hit at %.3f s",
			    (now - T_START) / 1e6);
			goto out;
		}
		did = 0;
		did |= xtcp_engine_rx(A.eng, now, 256) > 0;
		did |= xtcp_engine_rx(B.eng, now, 256) > 0;
		if (xtcp_engine_next_deadline(A.eng) <= now) {
			xtcp_engine_poll(A.eng, now);
			did = 1;
		}
		if (xtcp_engine_next_deadline(B.eng) <= now) {
			xtcp_engine_poll(B.eng, now);
			did = 1;
		}
		if (B.s == NULL && B.lis != NULL &&
		    xtcp_accept(B.lis, now, &c, NULL, NULL) == XT_OK) {
			B.s = c;
			xtcp_close(B.lis, now);
			B.lis = NULL;
			did = 1;
		}
		if (A.s != NULL && !A.failed &&
		    (xtcp_poll(A.s) & XTCP_POLLERR) && !A.eof) {
			err = xtcp_take_error(A.s);
			fail(r, "A: socket error %s", xt_strerror(err));
			A.failed = 1;
		}
		did |= side_step(&A, now, r);
		did |= side_step(&B, now, r);
		if (A.failed || B.failed)
			goto out;
		if (data_us == 0 && A.eof && B.eof)
			data_us = now - T_START;
		if (A.closed && B.closed &&
		    xtcp_engine_ntcb(A.eng) + xtcp_engine_ntcb(B.eng) <= 2)
			break;	/* TIME-WAIT may remain on one side */
		if (did)
			continue;
		next = min3(xtcp_engine_next_deadline(A.eng),
		    xtcp_engine_next_deadline(B.eng),
		    xt_link_next_deadline(link));
		if (next == UINT64_MAX) {
			fail(r, "stalled at %.3f s: nothing scheduled",
			    (now - T_START) / 1e6);
			goto out;
		}
		if (next > now)
			now = next;
		if (now - T_START > stall_us) {
			fail(r, "stall: not done after %.3f virtual s "
			    "(T_stall)", r->t_stall);
			goto out;
		}
	}
	r->t_data = data_us / 1e6;
	r->t_done = (now - T_START) / 1e6;
	r->data_us = data_us;
	r->done_us = now - T_START;
	if (r->t_data > r->k * r->t_model && no_floor != NULL) {
		if (verbose && !digest_mode)
			printf("  goodput floor waived: %s\n", no_floor);
	} else if (r->t_data > r->k * r->t_model)
		fail(r, "goodput below floor: data took %.3f s > %.1f * "
		    "T_model %.3f s (%s), goodput %.3f Mbit/s",
		    r->t_data, r->k, r->t_model, r->cls,
		    sc->bytes * 8 / r->t_data / 1e6);
out:
	xt_link_get_stats(link, &r->ls);
	if (r->ls.overflow > 0)
		fail(r, "harness: %llu frames over the link's in-flight "
		    "bound", (unsigned long long)r->ls.overflow);
	if (A.eng != NULL) {
		r->rexmit = xtcp_stats_get(A.eng, "tcp_snd_rexmit_pack") +
		    xtcp_stats_get(B.eng, "tcp_snd_rexmit_pack");
		r->rto = xtcp_stats_get(A.eng, "tcp_rexmt_timeout") +
		    xtcp_stats_get(B.eng, "tcp_rexmt_timeout");
		r->fastrx = xtcp_stats_get(A.eng, "tcp_fast_rexmit") +
		    xtcp_stats_get(B.eng, "tcp_fast_rexmit");
		r->digest[0] = stats_digest(A.eng);
		r->digest[1] = stats_digest(B.eng);
	}
	if (r->why[0] != '\0') {
		printf("FAIL %s\n  %s\n  replay: %s --replay '%s'\n", spec,
		    r->why, progname, spec);
		printf("  at %.3f virtual s: A sent %zu rcvd %zu%s, "
		    "B sent %zu rcvd %zu%s\n", (now - T_START) / 1e6,
		    A.sent, A.rcvd, A.eof ? " eof" : "", B.sent, B.rcvd,
		    B.eof ? " eof" : "");
		describe("A", A.s);
		describe("B", B.s);
	}
	if (verbose > 1 && A.eng != NULL) {
		printf("  -- engine A counters --\n");
		fflush(stdout);
		xtcp_stats_dump(A.eng, 1);
		printf("  -- engine B counters --\n");
		fflush(stdout);
		xtcp_stats_dump(B.eng, 1);
	}
	if (A.s != NULL)
		xtcp_close(A.s, now);
	if (B.s != NULL)
		xtcp_close(B.s, now);
	if (B.lis != NULL)
		xtcp_close(B.lis, now);
	xtcp_engine_free(A.eng);
	xtcp_engine_free(B.eng);
	xt_link_free(link);
	free(pa);
	free(pb);
	return (r->why[0] != '\0');
}

/* ---- driver ---- */

static void
account(const struct result *r)
{
	unsigned i;
	double ratio;

	if (r->t_model <= 0 || r->t_data <= 0)
		return;
	ratio = r->t_data / r->t_model;
	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		if (strcmp(classes[i].name, r->cls) != 0)
			continue;
		classes[i].n++;
		classes[i].sum += ratio;
		if (ratio > classes[i].worst)
			classes[i].worst = ratio;
	}
}

static int
run_report(const struct scen *sc, unsigned *passed, unsigned *failed)
{
	struct result r;
	char spec[512];
	int rc;

	scen_format(sc, spec, sizeof(spec));
	rc = run_one(sc, spec, &r);
	account(&r);
	if (rc != 0) {
		(*failed)++;
	} else {
		(*passed)++;
	}
	if (digest_mode) {
		printf("%s data_us=%llu done_us=%llu rexmit=%lld rto=%lld "
		    "A=%016llx B=%016llx %s\n", rc == 0 ? "ok" : "FAIL",
		    (unsigned long long)r.data_us,
		    (unsigned long long)r.done_us, (long long)r.rexmit,
		    (long long)r.rto, (unsigned long long)r.digest[0],
		    (unsigned long long)r.digest[1], spec);
		fflush(stdout);
		return (rc);
	}
	if (verbose || rc != 0)
		printf("  %-8s data %.3f s done %.3f s model %.3f s ratio "
		    "%.2f (floor %.1f) stall %.1f s; rexmit %lld rto %lld "
		    "fast %lld; link drop %llu burst %llu qdrop %llu ce %llu "
		    "corrupt %llu qmax %u\n", r.cls, r.t_data, r.t_done,
		    r.t_model, r.t_model > 0 ? r.t_data / r.t_model : 0,
		    r.k, r.t_stall, (long long)r.rexmit, (long long)r.rto,
		    (long long)r.fastrx,
		    (unsigned long long)r.ls.dropped,
		    (unsigned long long)r.ls.burst_dropped,
		    (unsigned long long)r.ls.qdrops,
		    (unsigned long long)r.ls.ce_marked,
		    (unsigned long long)r.ls.corrupted, r.ls.qmax_frames);
	if (verbose && rc == 0)
		printf("  ok %s\n", spec);
	fflush(stdout);
	return (rc);
}

static void
usage(void)
{
	fprintf(stderr, "usage: sim_matrix [-v] [-n count] [-s first_seed]\n"
	    "       sim_matrix [-v] --soak count\n"
	    "       sim_matrix --digest [-n count] [-s first_seed]\n"
	    "       sim_matrix [-v] --replay 'cc=...,seed=N'\n");
}

int
main(int argc, char **argv)
{
	struct scen sc;
	const char *replay = NULL;
	unsigned long long n = SIM_MATRIX_N, first = 1, i;
	unsigned passed = 0, failed = 0, k;
	struct timespec t0, t1;
	int a;

	if (argv[0] != NULL)
		progname = argv[0];
	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "-v") == 0) {
			verbose++;
		} else if (strcmp(argv[a], "-vv") == 0) {
			verbose += 2;
		} else if (strcmp(argv[a], "-vvv") == 0) {
			verbose += 3;
		} else if (strcmp(argv[a], "--digest") == 0) {
			digest_mode = 1;
		} else if (strcmp(argv[a], "--replay") == 0 && a + 1 < argc) {
			replay = argv[++a];
		} else if ((strcmp(argv[a], "--soak") == 0 ||
		    strcmp(argv[a], "-n") == 0) && a + 1 < argc) {
			n = strtoull(argv[++a], NULL, 10);
		} else if (strcmp(argv[a], "-s") == 0 && a + 1 < argc) {
			first = strtoull(argv[++a], NULL, 10);
		} else {
			usage();
			return (2);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (replay != NULL) {
		if (scen_parse(replay, &sc) != 0) {
			usage();
			return (2);
		}
		if (verbose == 0)
			verbose = 1;
		run_report(&sc, &passed, &failed);
	} else {
		for (k = 0; k < NFIXED; k++) {
			if (scen_parse(fixed_scen[k].spec, &sc) != 0) {
				printf("FAIL fixed scenario %s: bad spec\n",
				    fixed_scen[k].name);
				failed++;
				continue;
			}
			if (verbose && !digest_mode)
				printf("fixed %s\n", fixed_scen[k].name);
			no_floor = fixed_scen[k].no_floor;
			run_report(&sc, &passed, &failed);
			no_floor = NULL;
		}
		for (i = 0; i < n; i++) {
			scen_generate(first + i, &sc);
			run_report(&sc, &passed, &failed);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("sim_matrix: %u scenarios in %.1f s wall\n", passed + failed,
	    (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	for (k = 0; k < sizeof(classes) / sizeof(classes[0]); k++) {
		if (classes[k].n == 0)
			continue;
		printf("  class %-8s %4u runs, T_data/T_model mean %.2f "
		    "(bound %.1f) worst %.2f (floor %.1f)\n", classes[k].name,
		    classes[k].n, classes[k].sum / classes[k].n, classes[k].m,
		    classes[k].worst, classes[k].k);
		/* Only meaningful over many scenarios. */
		if (classes[k].n >= 50 &&
		    classes[k].sum / classes[k].n > classes[k].m) {
			printf("FAIL class %s: mean T_data/T_model %.2f > %.1f "
			    "(goodput regression over the whole class)\n",
			    classes[k].name, classes[k].sum / classes[k].n,
			    classes[k].m);
			failed++;
		}
	}
	printf("%u passed, %u failed\n", passed, failed);
	return (failed == 0 ? 0 : 1);
}

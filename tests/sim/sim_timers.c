/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sim_timers.c - the timer heap against the scan it replaced, with many
 * connections in virtual time.
 *
 * Engine A opens K connections to a listener on engine B over the lossy
 * in-memory link; each side sends a seeded pattern (B none, in one
 * scenario) and reads the other's, then shuts down and closes.  Every
 * scenario runs twice: once with the engines' timer heap (tcp_timer.c),
 * once with the scan of every TCB that it replaced (eng->tm.scan).  The
 * two runs must agree exactly: the virtual instant of every engine poll
 * that ran timers, the instant each connection closed, and every counter
 * of both engines.  Connections started in the same microsecond have
 * timers due together, so this also pins the order in which due TCBs
 * run.  Debug builds also check the heap against a scan at every call
 * (up to 64 TCBs an engine: K is 40 at most here).  A stall, a short or
 * wrong byte, or any difference fails the test.
 *
 * Usage: sim_timers [-v]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "xtcp.h"
#include "xt_engine.h"
#include "xt_stats.h"
#include "dev/dev_pair.h"

#define ADDR_A	0x0a000001u	/* 10.0.0.1, inside the simulation only */
#define ADDR_B	0x0a000002u
#define PORT_B	5001
#define KMAX	64
#define T_START	1000000ull	/* µs */
#define T_LIMIT	300000000ull	/* µs of virtual time before "stalled" */

struct scenario {
	const char	*name;
	uint64_t	seed;		/* the link's */
	unsigned	k;		/* connections */
	size_t		bytes;		/* A to B, per connection */
	size_t		bytes_b;	/* B to A */
	uint64_t	stagger_us;	/* between connects; 0 = all at once */
	uint64_t	stall_us;	/* B reads nothing before this much
					 * virtual time (zero windows) */
	int		keepalive;	/* SO_KEEPALIVE on every socket */
	double		loss;
};

struct conn {
	struct xtcp_sock *s;
	uint8_t		who;		/* 0 = A's side, 1 = B's */
	size_t		sent;
	size_t		rcvd;
	int		shut;
	int		eof;
	int		closed;
	uint64_t	done_at;	/* µs it closed */
};

struct outcome {
	int		ok;
	uint64_t	end;		/* µs when all was done */
	uint64_t	polls;		/* engine polls that ran timers */
	uint64_t	trace;		/* FNV-1a of their instants */
	uint64_t	done;		/* FNV-1a of the close instants */
	uint64_t	stats;		/* FNV-1a of both engines' counters */
	uint64_t	visits;		/* TCBs the heap looked at */
};

static int verbose;

static uint64_t
fnv(uint64_t h, uint64_t v)
{
	return ((h ^ v) * 1099511628211ull);
}

static uint8_t
pattern(uint8_t who, size_t i)
{
	uint64_t x = (i / 8 + 1) * 0x9e3779b97f4a7c15ull * (who + 1u);

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	return ((uint8_t)(x >> ((i % 8) * 8)));
}

/* Move one connection's data; 1 if anything happened, -1 on error. */
static int
conn_step(struct conn *c, size_t bytes, uint64_t now, int may_read)
{
	uint8_t buf[8192];
	size_t n, i, got;
	int err, did = 0;

	if (c->s == NULL || c->closed)
		return (0);
	while (c->sent < bytes) {
		n = bytes - c->sent;
		if (n > sizeof(buf))
			n = sizeof(buf);
		for (i = 0; i < n; i++)
			buf[i] = pattern(c->who, c->sent + i);
		err = xtcp_send(c->s, now, buf, n, 0, &got);
		if (err == XT_EAGAIN || (err == XT_OK && got == 0))
			break;
		if (err != XT_OK) {
			fprintf(stderr, "send: %s\n", xt_strerror(err));
			return (-1);
		}
		c->sent += got;
		did = 1;
	}
	if (c->sent == bytes && !c->shut) {
		if (xtcp_shutdown(c->s, now, 1) != XT_OK)
			return (-1);
		c->shut = 1;
		did = 1;
	}
	while (may_read && !c->eof) {
		err = xtcp_recv(c->s, now, buf, sizeof(buf), 0, &got);
		if (err == XT_EAGAIN)
			break;
		if (err != XT_OK) {
			fprintf(stderr, "recv: %s\n", xt_strerror(err));
			return (-1);
		}
		did = 1;
		if (got == 0) {
			c->eof = 1;
			break;
		}
		for (i = 0; i < got; i++)
			if (buf[i] != pattern(!c->who, c->rcvd + i)) {
				fprintf(stderr, "byte %zu differs\n",
				    c->rcvd + i);
				return (-1);
			}
		c->rcvd += got;
	}
	if (c->eof && c->shut && xtcp_sock_txbytes(c->s) == 0) {
		xtcp_close(c->s, now);
		c->s = NULL;
		c->closed = 1;
		c->done_at = now;
		did = 1;
	}
	return (did);
}

static uint64_t
stats_hash(uint64_t h, const struct xtcp_engine *eng)
{
	unsigned i;

	for (i = 0; i < xt_stats_count(); i++)
		h = fnv(h, xt_stats_value(&eng->stats, i));
	return (h);
}

static void
poll_due(struct xtcp_engine *eng, uint64_t now, uint64_t tag,
    struct outcome *o, int *did)
{
	if (xtcp_engine_next_deadline(eng) > now)
		return;
	xtcp_engine_poll(eng, now);
	o->trace = fnv(o->trace, now * 2 + tag);
	o->polls++;
	*did = 1;
}

static void
run(const struct scenario *sc, int scan, struct outcome *o)
{
	struct xt_link_params lp;
	struct xtcp_config ca, cb;
	struct xt_link *link = NULL;
	struct xt_dev *da, *db;
	struct xtcp_engine *A = NULL, *B = NULL;
	struct xtcp_sock *lis = NULL, *s;
	struct conn cl[KMAX], sv[KMAX];
	uint64_t now = T_START, next, iters = 0;
	unsigned i, nacc = 0, done;
	int did, r, one = 1;

	memset(o, 0, sizeof(*o));
	memset(cl, 0, sizeof(cl));
	memset(sv, 0, sizeof(sv));
	o->trace = o->done = o->stats = 1469598103934665603ull;
	memset(&lp, 0, sizeof(lp));
	lp.seed = sc->seed;
	lp.delay_us = 5000;
	lp.jitter_us = 1000;
	lp.reorder_us = 8000;
	lp.loss = sc->loss;
	lp.reorder = 0.05;
	lp.dup = 0.02;
	lp.queue_frames = 4096;
	if (xt_link_new(&lp, &now, &link, &da, &db) != XT_OK)
		return;
	xtcp_config_defaults(&ca);
	ca.addr = ADDR_A;
	ca.prefixlen = 24;
	ca.sndbuf = ca.rcvbuf = 16384;
	ca.keepidle_s = 1;
	ca.keepintvl_s = 1;
	cb = ca;
	cb.addr = ADDR_B;
	if (xtcp_engine_new(&ca, da, sc->seed * 2 + 1, now, &A) != XT_OK ||
	    xtcp_engine_new(&cb, db, sc->seed * 2 + 2, now, &B) != XT_OK)
		goto out;
	A->tm.scan = B->tm.scan = scan;
	if (xtcp_socket(B, &lis) != XT_OK || xtcp_bind(lis, 0, PORT_B) !=
	    XT_OK || xtcp_listen(lis, KMAX) != XT_OK)
		goto out;
	for (i = 0; i < sc->k; i++) {
		sv[i].who = 1;
		if (xtcp_socket(A, &cl[i].s) != XT_OK)
			goto out;
		if (sc->keepalive)
			(void)xtcp_setopt(cl[i].s, SOL_SOCKET, SO_KEEPALIVE,
			    &one, sizeof(one));
		if (xtcp_connect(cl[i].s, now, ADDR_B, PORT_B) !=
		    XT_EINPROGRESS)
			goto out;
		now += sc->stagger_us;
	}
	for (;;) {
		if (++iters > 20000000 || now > T_START + T_LIMIT) {
			fprintf(stderr, "%s: stalled at %.3f s\n", sc->name,
			    now / 1e6);
			goto out;
		}
		did = 0;
		did |= xtcp_engine_rx(A, now, 64) > 0;
		did |= xtcp_engine_rx(B, now, 64) > 0;
		poll_due(A, now, 0, o, &did);
		poll_due(B, now, 1, o, &did);
		while (nacc < sc->k &&
		    xtcp_accept(lis, now, &s, NULL, NULL) == XT_OK) {
			if (sc->keepalive)
				(void)xtcp_setopt(s, SOL_SOCKET, SO_KEEPALIVE,
				    &one, sizeof(one));
			sv[nacc++].s = s;
			did = 1;
		}
		done = 0;
		for (i = 0; i < sc->k; i++) {
			if ((r = conn_step(&cl[i], sc->bytes, now, 1)) < 0 ||
			    (r |= conn_step(&sv[i], sc->bytes_b, now,
			    now >= T_START + sc->stall_us)) < 0)
				goto out;
			did |= r;
			done += cl[i].closed + sv[i].closed;
		}
		if (done == 2 * sc->k)
			break;
		if (did)
			continue;
		next = xtcp_engine_next_deadline(A);
		if (xtcp_engine_next_deadline(B) < next)
			next = xtcp_engine_next_deadline(B);
		if (xt_link_next_deadline(link) < next)
			next = xt_link_next_deadline(link);
		if (now < T_START + sc->stall_us && T_START + sc->stall_us < next)
			next = T_START + sc->stall_us;
		if (next == UINT64_MAX) {
			fprintf(stderr, "%s: nothing left to wait for at "
			    "%.3f s\n", sc->name, now / 1e6);
			goto out;
		}
		if (next > now)
			now = next;
	}
	o->end = now;
	for (i = 0; i < sc->k; i++)
		o->done = fnv(fnv(o->done, cl[i].done_at), sv[i].done_at);
	o->stats = stats_hash(stats_hash(o->stats, A), B);
	o->visits = A->tm.visits + B->tm.visits;
	if (verbose > 1)
		fprintf(stderr, "%s: timeouts %llu persist %llu keep %llu "
		    "delack %llu tlp %llu\n", sc->name,
		    (unsigned long long)(xtcp_stats_get(A, "tcp_rexmt_timeout") +
		    xtcp_stats_get(B, "tcp_rexmt_timeout")),
		    (unsigned long long)(xtcp_stats_get(A,
		    "tcp_persist_timeout") + xtcp_stats_get(B,
		    "tcp_persist_timeout")),
		    (unsigned long long)(xtcp_stats_get(A, "tcp_keep_probe") +
		    xtcp_stats_get(B, "tcp_keep_probe")),
		    (unsigned long long)(xtcp_stats_get(A, "tcp_delack") +
		    xtcp_stats_get(B, "tcp_delack")),
		    (unsigned long long)(xtcp_stats_get(A, "tcp_tlp_probes") +
		    xtcp_stats_get(B, "tcp_tlp_probes")));
	o->ok = 1;
out:
	for (i = 0; i < sc->k; i++) {
		if (cl[i].s != NULL)
			xtcp_close(cl[i].s, now);
		if (sv[i].s != NULL)
			xtcp_close(sv[i].s, now);
	}
	if (lis != NULL)
		xtcp_close(lis, now);
	xtcp_engine_free(A);
	xtcp_engine_free(B);
	if (link != NULL)
		xt_link_free(link);
}

static const struct scenario scenarios[] = {
	{ "together", 1, 40, 20000, 20000, 0, 0, 0, 0.05 },
	{ "together-lossy", 2, 40, 20000, 20000, 0, 0, 0, 0.15 },
	{ "staggered-keepalive", 3, 40, 20000, 20000, 137, 0, 1, 0.05 },
	{ "zero-windows", 4, 20, 40000, 40000, 0, 3000000, 1, 0.05 },
	{ "one-way", 5, 20, 60000, 0, 0, 0, 0, 0.05 }
};

int
main(int argc, char **argv)
{
	struct outcome heap, scan;
	unsigned i, failed = 0;
	int ch;

	while ((ch = getopt(argc, argv, "v")) != -1) {
		switch (ch) {
		case 'v':
			verbose++;
			break;
		default:
			fprintf(stderr, "usage: sim_timers [-v]\n");
			return (2);
		}
	}
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		const struct scenario *sc = &scenarios[i];

		run(sc, 0, &heap);
		run(sc, 1, &scan);
		if (verbose || !heap.ok || !scan.ok ||
		    heap.end != scan.end || heap.polls != scan.polls ||
		    heap.trace != scan.trace || heap.done != scan.done ||
		    heap.stats != scan.stats)
			printf("%s: heap ok %d end %llu polls %llu trace %016llx "
			    "done %016llx stats %016llx visits %llu\n"
			    "%s: scan ok %d end %llu polls %llu trace %016llx "
			    "done %016llx stats %016llx\n", sc->name, heap.ok,
			    (unsigned long long)heap.end,
			    (unsigned long long)heap.polls,
			    (unsigned long long)heap.trace,
			    (unsigned long long)heap.done,
			    (unsigned long long)heap.stats,
			    (unsigned long long)heap.visits, sc->name,
			    scan.ok, (unsigned long long)scan.end,
			    (unsigned long long)scan.polls,
			    (unsigned long long)scan.trace,
			    (unsigned long long)scan.done,
			    (unsigned long long)scan.stats);
		if (!heap.ok || !scan.ok || heap.end != scan.end ||
		    heap.polls != scan.polls || heap.trace != scan.trace ||
		    heap.done != scan.done || heap.stats != scan.stats) {
			printf("FAIL %s\n", sc->name);
			failed++;
		} else
			printf("ok %s: %llu timer polls, same instants and "
			    "counters\n", sc->name,
			    (unsigned long long)heap.polls);
	}
	return (failed == 0 ? 0 : 1);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sim_transfer.c - two engines over the in-memory link, virtual time.
 *
 * Engine A connects to a listener on engine B; each side sends N bytes
 * of a seeded pattern and reads the other's N bytes, then shuts down.
 * The link drops, reorders, duplicates (and optionally corrupts) frames
 * from a seed.  For every seed the test asserts byte-exact delivery both
 * ways, a clean close, and completion within a bound of virtual time, so
 * a stall fails the test instead of hanging it.
 *
 * Usage: sim_transfer [-n seeds] [-s first_seed] [-b bytes] [-l loss]
 *        [-r reorder] [-d dup] [-c corrupt] [-t max_virtual_s] [-v]
 * Without arguments: 100 seeds, 1 MB each way, 10% loss, 10% reorder,
 * 10% duplication, 60 s bound (the slowest seed needs about 22 s).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "xtcp.h"
#include "dev/dev_pair.h"

#define ADDR_A	0x0a000001u	/* 10.0.0.1, inside the simulation only */
#define ADDR_B	0x0a000002u
#define PORT_B	5001

struct side {
	const char		*name;
	struct xtcp_engine	*eng;
	struct xtcp_sock	*lis;		/* B only */
	struct xtcp_sock	*s;
	uint64_t		seed;		/* pattern of what this side sends */
	size_t			total;
	size_t			sent;
	size_t			rcvd;
	uint64_t		peer_seed;
	int			shut;
	int			eof;
	int			closed;
	int			failed;
};

static int verbose;
static int sim_ecn = 2;		/* engine default: accept, don't ask */

static void
sim_log(void *arg, int level, const char *line)
{
	(void)level;
	fprintf(stderr, "[%s] %s\n", (const char *)arg, line);
}

static uint8_t
pattern(uint64_t seed, size_t i)
{
	uint64_t x = seed ^ (i / 8) * 0x9e3779b97f4a7c15ULL;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	return ((uint8_t)(x >> ((i % 8) * 8)));
}

/* Move data for one side; returns 1 if anything happened. */
static int
side_step(struct side *sd, uint64_t now)
{
	uint8_t buf[16384];
	size_t n, i, got;
	int err, did = 0;

	if (sd->s == NULL || sd->failed || sd->closed)
		return (0);
	while (sd->sent < sd->total) {
		n = sd->total - sd->sent;
		if (n > sizeof(buf))
			n = sizeof(buf);
		for (i = 0; i < n; i++)
			buf[i] = pattern(sd->seed, sd->sent + i);
		err = xtcp_send(sd->s, now, buf, n, 0, &got);
		if (err == XT_EAGAIN || (err == XT_OK && got == 0))
			break;
		if (err != XT_OK) {
			fprintf(stderr, "%s: send: %s\n", sd->name,
			    xt_strerror(err));
			sd->failed = 1;
			return (1);
		}
		sd->sent += got;
		did = 1;
	}
	if (sd->sent == sd->total && !sd->shut) {
		if ((err = xtcp_shutdown(sd->s, now, 1)) != XT_OK) {
			fprintf(stderr, "%s: shutdown: %s\n", sd->name,
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
			fprintf(stderr, "%s: recv: %s\n", sd->name,
			    xt_strerror(err));
			sd->failed = 1;
			return (1);
		}
		did = 1;
		if (got == 0) {
			sd->eof = 1;
			break;
		}
		for (i = 0; i < got; i++) {
			if (buf[i] != pattern(sd->peer_seed, sd->rcvd + i)) {
				fprintf(stderr, "%s: byte %zu differs\n",
				    sd->name, sd->rcvd + i);
				sd->failed = 1;
				return (1);
			}
		}
		sd->rcvd += got;
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
	char line[512];

	if (s == NULL)
		return;
	xtcp_sock_describe(s, line, sizeof(line));
	fprintf(stderr, "  %s: %s\n", name, line);
}

static uint64_t
min3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t m = a < b ? a : b;

	return (m < c ? m : c);
}

static int
run_one(uint64_t seed, size_t bytes, const struct xt_link_params *base,
    uint64_t max_us, uint64_t *elapsed)
{
	struct xt_link_params lp = *base;
	struct xtcp_config ca, cb;
	struct xt_link *link;
	struct xt_dev *da, *db;
	struct side A, B;
	uint64_t now = 1000000, next, iters = 0;
	struct xtcp_sock *c;
	int err, rc = 1, did;

	memset(&A, 0, sizeof(A));
	memset(&B, 0, sizeof(B));
	lp.seed = seed;
	if (xt_link_new(&lp, &now, &link, &da, &db) != XT_OK)
		return (1);
	xtcp_config_defaults(&ca);
	ca.addr = ADDR_A;
	ca.prefixlen = 24;
	if (verbose > 2) {
		ca.log_level = XTCP_LOG_DEBUG;
		ca.log_fn = sim_log;
		ca.log_arg = (void *)"A";
	}
	ca.ecn = sim_ecn;
	cb = ca;
	cb.addr = ADDR_B;
	cb.log_arg = (void *)"B";
	if (xtcp_engine_new(&ca, da, seed * 2 + 1, now, &A.eng) != XT_OK ||
	    xtcp_engine_new(&cb, db, seed * 2 + 2, now, &B.eng) != XT_OK) {
		fprintf(stderr, "engine_new failed\n");
		goto out;
	}
	A.name = "A";
	B.name = "B";
	A.total = B.total = bytes;
	A.seed = B.peer_seed = seed * 7919 + 1;
	B.seed = A.peer_seed = seed * 7919 + 2;

	if (xtcp_socket(B.eng, &B.lis) != XT_OK ||
	    xtcp_bind(B.lis, 0, PORT_B) != XT_OK ||
	    xtcp_listen(B.lis, 8) != XT_OK) {
		fprintf(stderr, "listen failed\n");
		goto out;
	}
	if (xtcp_socket(A.eng, &A.s) != XT_OK) {
		fprintf(stderr, "socket failed\n");
		goto out;
	}
	err = xtcp_connect(A.s, now, ADDR_B, PORT_B);
	if (err != XT_EINPROGRESS) {
		fprintf(stderr, "connect: %s\n", xt_strerror(err));
		goto out;
	}
	for (;;) {
		if (++iters > 50000000) {
			fprintf(stderr, "seed %llu: iteration bound hit\n",
			    (unsigned long long)seed);
			goto out;
		}
		did = 0;
		did |= xtcp_engine_rx(A.eng, now, 64) > 0;
		did |= xtcp_engine_rx(B.eng, now, 64) > 0;
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
		if (A.s != NULL && !A.failed && (xtcp_poll(A.s) & XTCP_POLLERR)) {
			err = xtcp_take_error(A.s);
			fprintf(stderr, "seed %llu: A error %s\n",
			    (unsigned long long)seed, xt_strerror(err));
			A.failed = 1;
		}
		did |= side_step(&A, now);
		did |= side_step(&B, now);
		if (A.failed || B.failed)
			goto out;
		if (A.closed && B.closed &&
		    xtcp_engine_ntcb(A.eng) + xtcp_engine_ntcb(B.eng) <= 2)
			break;	/* TIME-WAIT may remain on one side */
		if (did)
			continue;
		next = min3(xtcp_engine_next_deadline(A.eng),
		    xtcp_engine_next_deadline(B.eng),
		    xt_link_next_deadline(link));
		if (next == UINT64_MAX) {
			fprintf(stderr, "seed %llu: stalled at %.3f s "
			    "(A sent %zu rcvd %zu, B sent %zu rcvd %zu)\n",
			    (unsigned long long)seed, now / 1e6, A.sent,
			    A.rcvd, B.sent, B.rcvd);
			goto out;
		}
		if (next > now)
			now = next;
		if (now - 1000000 > max_us) {
			fprintf(stderr, "seed %llu: not done after %.1f "
			    "virtual s (A sent %zu rcvd %zu, B sent %zu "
			    "rcvd %zu)\n", (unsigned long long)seed,
			    max_us / 1e6, A.sent, A.rcvd, B.sent, B.rcvd);
			describe("A", A.s);
			describe("B", B.s);
			goto out;
		}
	}
	if (A.rcvd != bytes || B.rcvd != bytes) {
		fprintf(stderr, "seed %llu: short transfer\n",
		    (unsigned long long)seed);
		goto out;
	}
	*elapsed = now - 1000000;
	rc = 0;
	if (verbose > 1) {
		xtcp_stats_dump(A.eng, 2);
	}
	if (verbose) {
		fprintf(stderr, "seed %llu: %.3f virtual s, A rexmit %lld "
		    "timeouts %lld, B rexmit %lld\n", (unsigned long long)seed,
		    *elapsed / 1e6,
		    (long long)xtcp_stats_get(A.eng, "tcp_snd_rexmit_pack"),
		    (long long)xtcp_stats_get(A.eng, "tcp_rexmt_timeout"),
		    (long long)xtcp_stats_get(B.eng, "tcp_snd_rexmit_pack"));
	}
out:
	if (A.s != NULL)
		xtcp_close(A.s, now);
	if (B.s != NULL)
		xtcp_close(B.s, now);
	if (B.lis != NULL)
		xtcp_close(B.lis, now);
	xtcp_engine_free(A.eng);
	xtcp_engine_free(B.eng);
	xt_link_free(link);
	return (rc);
}

int
main(int argc, char **argv)
{
	struct xt_link_params lp;
	unsigned nseeds = 100, i, failed = 0;
	uint64_t first = 1, el, max_el = 0, sum_el = 0;
	size_t bytes = 1 << 20;
	double max_s = 60;
	int ch;

	memset(&lp, 0, sizeof(lp));
	lp.delay_us = 5000;
	lp.jitter_us = 1000;
	lp.reorder_us = 8000;
	lp.loss = 0.10;
	lp.reorder = 0.10;
	lp.dup = 0.10;
	lp.corrupt = 0;
	lp.queue_frames = 4096;
	while ((ch = getopt(argc, argv, "n:s:b:l:r:d:c:t:j:e:D:v")) != -1) {
		switch (ch) {
		case 'n': nseeds = (unsigned)strtoul(optarg, NULL, 10); break;
		case 's': first = strtoull(optarg, NULL, 10); break;
		case 'b': bytes = strtoul(optarg, NULL, 10); break;
		case 'l': lp.loss = strtod(optarg, NULL); break;
		case 'r': lp.reorder = strtod(optarg, NULL); break;
		case 'd': lp.dup = strtod(optarg, NULL); break;
		case 'c': lp.corrupt = strtod(optarg, NULL); break;
		case 't': max_s = strtod(optarg, NULL); break;
		case 'j': lp.jitter_us = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'e': sim_ecn = atoi(optarg); break;
		case 'D': lp.delay_us = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'v': verbose++; break;
		default:
			fprintf(stderr, "usage: sim_transfer [-n seeds] "
			    "[-s first] [-b bytes] [-l loss] [-r reorder] "
			    "[-d dup] [-c corrupt] [-t max_s] [-v]\n");
			return (2);
		}
	}
	for (i = 0; i < nseeds; i++) {
		el = 0;
		if (run_one(first + i, bytes, &lp, (uint64_t)(max_s * 1e6),
		    &el) != 0) {
			failed++;
			continue;
		}
		sum_el += el;
		if (el > max_el)
			max_el = el;
	}
	printf("sim_transfer: %u seeds, %zu bytes each way, loss %.2f "
	    "reorder %.2f dup %.2f corrupt %.3f: mean %.2f s, max %.2f s "
	    "virtual\n", nseeds, bytes, lp.loss, lp.reorder, lp.dup,
	    lp.corrupt, nseeds > failed ? sum_el / 1e6 / (nseeds - failed) :
	    0, max_el / 1e6);
	printf("%u passed, %u failed\n", nseeds - failed, failed);
	return (failed == 0 ? 0 : 1);
}

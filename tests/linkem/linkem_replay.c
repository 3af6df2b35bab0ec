/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * linkem_replay.c - pins linkem's impairment decisions without a network.
 * It compiles linkem.c in (its main renamed) and feeds handle() a fixed
 * stream of made-up frames, both directions alternating, under twelve
 * settings of the knobs (loss, corruption, random and queue CE marks,
 * duplication, reordering, jitter, the rate limiter, --only), then prints
 * one line per setting: a digest of every frame linkem would send (its
 * release time, order, direction, length and bytes) and the counters.
 * linkem_digest.sh compares the lines with linkem.digest, so a change to
 * linkem's draw order (XT_FAULT_ORDER_ASKED in stack/dev/dev_fault.c) or
 * to one of its decisions fails `make check`, as a change to dev_pair's
 * fails tests/sim/matrix_digest.sh.  -v prints every frame as well.
 *
 * The frames: lengths 20..1519, one in five ARP, the rest IPv4 with
 * every ECN codepoint, IHL 3 (bogus), 5, 6 or 7, and a total length that
 * is sometimes the whole frame and sometimes 10 bytes short of it.
 */
int	linkem_main(int, char **);

#define main linkem_main
#include "linkem.c"
#undef main

#define REPLAY_FRAMES	4000
#define REPLAY_CONFIGS	12

static uint32_t	replay_fnv(uint32_t, const void *, size_t);
static void	replay_frame(unsigned char *, uint32_t *, unsigned,
		    uint64_t *);
static void	replay_config(unsigned);

/* FNV-1a over n bytes, from h. */
static uint32_t
replay_fnv(uint32_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n-- > 0) {
		h ^= *b++;
		h *= 16777619u;
	}
	return (h);
}

/* Frame k into b (a 64-bit LCG in *r makes the bytes and length). */
static void
replay_frame(unsigned char *b, uint32_t *lenp, unsigned k, uint64_t *r)
{
	uint32_t len, i, tot;

	*r = *r * 6364136223846793005ULL + 1442695040888963407ULL;
	len = 20 + (uint32_t)((*r >> 33) % 1500);
	for (i = 0; i < len; i++)
		b[i] = (unsigned char)((*r >> (i % 56)) + i * 7 + k);
	b[12] = 0x08;
	b[13] = k % 5 == 0 ? 0x06 : 0x00;	/* ARP, else IPv4 */
	if (k % 5 != 0 && len >= LE_ETH_HLEN + 20) {
		b[14] = (unsigned char)(0x40 | (k % 7 == 0 ? 3 : 5 + k % 3));
		b[15] = (unsigned char)(k & 3);	/* the ECN field */
		tot = len - LE_ETH_HLEN - (k % 11 == 0 ? 0 : 10);
		b[16] = (unsigned char)(tot >> 8);
		b[17] = (unsigned char)tot;
	}
	*lenp = len;
}

/* Setting c of the knobs, as parse() would leave them. */
static void
replay_config(unsigned c)
{
	memset(&o, 0, sizeof(o));
	o.limit = 100000;
	o.only = c == 11 ? DIR_BA : -1;
	o.seed = c * 7 + 1;
	o.loss = c & 1 ? 0.1 : 0;
	o.corrupt = c & 2 ? 0.2 : 0;
	o.ce = c & 4 ? 0.3 : 0;
	o.dup = c % 3 != 0 ? 0.15 : 0;
	o.reorder = c % 4 != 0 ? 0.1 : 0;
	o.delay_ns = 5 * LE_NS_PER_MS;
	o.jitter_ns = c % 5 != 0 ? 2 * LE_NS_PER_MS : 0;
	o.reorder_ns = 10 * LE_NS_PER_MS;
	if (c >= 6) {
		o.rate_Bps = 10 * 1e6 / 8 / 1e9;	/* 10 Mbit/s */
		o.queue_bytes = 30000;
		o.burst_bytes = 2 * 1514;
		o.ce_queue = c & 1 ? 5000 : 0;
	}
}

int
main(int argc, char **argv)
{
	static unsigned char b[LE_ETH_HLEN + 1500 + 20];
	struct frame *f;
	uint64_t r = 99, now, v[4];
	uint32_t len, h, n;
	unsigned c, k, d;
	int verbose = argc > 1 && strcmp(argv[1], "-v") == 0;

	if ((heap = calloc(100000, sizeof(*heap))) == NULL)
		return (1);
	mtu[DIR_AB] = mtu[DIR_BA] = 1500;
	for (c = 0; c < REPLAY_CONFIGS; c++) {
		replay_config(c);
		seed_faults(o.seed);
		memset(cnt, 0, sizeof(cnt));
		nheap = 0;
		seqno = 0;
		now = 1000;
		for (d = 0; d < NDIR; d++) {
			bkt[d].tok = o.burst_bytes;
			bkt[d].t = now;
		}
		for (k = 0; k < REPLAY_FRAMES; k++) {
			replay_frame(b, &len, k, &r);
			now += 100000 + (r >> 40) % 300000;
			handle((int)(k & 1), b, len, now);
		}
		for (h = 2166136261u, n = 0; nheap > 0; n++) {
			f = heap_pop();
			v[0] = f->t;
			v[1] = f->seq;
			v[2] = (uint64_t)f->dir;
			v[3] = replay_fnv(2166136261u, f->data, f->len);
			h = replay_fnv(h, v, sizeof(v));
			if (verbose)
				printf("  %" PRIu64 " %" PRIu64 " %d %" PRIu32
				    " %08" PRIx64 "\n", f->t, f->seq, f->dir,
				    f->len, v[3]);
			free(f);
		}
		printf("config %u: %" PRIu32 " frames, digest %08" PRIx32, c, n,
		    h);
		for (d = 0; d < NDIR; d++)
			printf(" | rx %" PRIu64 " loss %" PRIu64 " dup %" PRIu64
			    " corrupt %" PRIu64 " reorder %" PRIu64 " qdrop %"
			    PRIu64 " ce %" PRIu64 " oversize %" PRIu64,
			    cnt[d].rx, cnt[d].loss, cnt[d].dup, cnt[d].corrupt,
			    cnt[d].reorder, cnt[d].qdrop, cnt[d].ce,
			    cnt[d].oversize);
		printf("\n");
	}
	free(heap);
	return (0);
}

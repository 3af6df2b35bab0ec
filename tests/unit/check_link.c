/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_link.c - unit tests for the in-memory simulated link
 * (dev/dev_pair.c): delay on a virtual clock, seeded faults, ordering,
 * queue bounds and serialisation rate, the bottleneck's drop-tail queue
 * and ECN marking, Gilbert-Elliott burst loss, and corruption that the
 * IPv4 and TCP checksums always catch.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "xt_err.h"
#include "dev/dev_pair.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

Suite	*xt_suite_link(void);

#define CAP_MAX		40000
#define CAP_BYTES	64	/* bytes of each frame kept */

struct rec {
	uint64_t	at_us;		/* clock at delivery */
	uint32_t	len;
	uint8_t		head[CAP_BYTES];
};

struct capture {
	const uint64_t	*clock;
	uint32_t	n;
	struct rec	*r;		/* CAP_MAX entries */
};

static void
capture_cb(void *arg, const uint8_t *frame, size_t len, unsigned flags)
{
	struct capture *c = arg;
	struct rec *r;

	ck_assert_uint_eq(flags, 0);
	ck_assert_uint_lt(c->n, CAP_MAX);
	r = &c->r[c->n++];
	r->at_us = *c->clock;
	r->len = (uint32_t)len;
	memcpy(r->head, frame, len < CAP_BYTES ? len : CAP_BYTES);
}

static void
capture_init(struct capture *c, const uint64_t *clock)
{
	c->clock = clock;
	c->n = 0;
	c->r = calloc(CAP_MAX, sizeof(c->r[0]));
	ck_assert_ptr_nonnull(c->r);
}

static void
capture_free(struct capture *c)
{
	free(c->r);
	c->r = NULL;
}

/* A frame whose first 4 bytes are its number and the rest a pattern. */
static void
frame_make(uint8_t *buf, uint32_t len, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(id * 31 + i);
	if (len >= 4)
		memcpy(buf, &id, 4);
}

static uint32_t
frame_id(const struct rec *r)
{
	uint32_t id;

	memcpy(&id, r->head, 4);
	return (id);
}

static void
send_one(struct xt_dev *d, uint32_t id, uint32_t len)
{
	uint8_t buf[CAP_BYTES];
	struct iovec iov;

	ck_assert_uint_le(len, sizeof(buf));
	frame_make(buf, len, id);
	iov.iov_base = buf;
	iov.iov_len = len;
	ck_assert_int_eq(d->ops->tx_burst(d, &iov, 1), 1);
}

static void
ignore_cb(void *arg, const uint8_t *frame, size_t len, unsigned flags)
{
	(void)arg;
	(void)frame;
	(void)len;
	(void)flags;
}

/*
 * Step the clock to each deadline until the link is empty, capturing
 * what arrives at d into c and discarding what arrives at its peer.
 */
static void
drain(struct xt_link *l, uint64_t *clock, struct xt_dev *d,
    struct xt_dev *peer, struct capture *c)
{
	uint64_t t;
	int i, k;

	for (i = 0; i < 1000000; i++) {
		t = xt_link_next_deadline(l);
		if (t == UINT64_MAX)
			return;
		ck_assert_uint_ge(t, *clock);
		*clock = t;
		k = d->ops->rx_burst(d, capture_cb, c, 64);
		ck_assert_int_ge(k, 0);
		k += peer->ops->rx_burst(peer, ignore_cb, NULL, 64);
		ck_assert_int_gt(k, 0);
	}
	ck_abort_msg("link did not drain");
}

START_TEST(link_new_bad)
{
	struct xt_link_params p;
	struct xt_link *l;
	struct xt_dev *a, *b;
	uint64_t clock = 0;

	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(xt_link_new(&p, NULL, &l, &a, &b), XT_EINVAL);
	p.loss = 1.5;
	ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_EINVAL);
	p.loss = 0;
	p.dup = -0.1;
	ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_EINVAL);
	p.dup = 0;
	ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_OK);
	xt_link_free(l);
	/* NULL params mean all zeros. */
	ck_assert_int_eq(xt_link_new(NULL, &clock, &l, &a, &b), XT_OK);
	xt_link_free(l);
	xt_link_free(NULL);
}
END_TEST

START_TEST(link_devices)
{
	static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 1 };
	static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 2 };
	struct xt_link *l;
	struct xt_dev *a, *b;
	uint64_t clock = 0;

	ck_assert_int_eq(xt_link_new(NULL, &clock, &l, &a, &b), XT_OK);
	ck_assert_ptr_ne(a, b);
	ck_assert_mem_eq(a->mac, mac_a, 6);
	ck_assert_mem_eq(b->mac, mac_b, 6);
	ck_assert_uint_eq(a->mtu, 1500);
	ck_assert_uint_eq(b->mtu, 1500);
	ck_assert_int_eq(a->ops->wait_fd(a), -1);
	ck_assert_int_eq(b->ops->wait_fd(b), -1);
	ck_assert_uint_eq(xt_link_next_deadline(l), UINT64_MAX);
	/* close is a no-op; the link still owns the devices. */
	a->ops->close(a);
	b->ops->close(b);
	xt_link_free(l);
}
END_TEST

START_TEST(link_delay)
{
	struct xt_link_params p;
	struct xt_link_stats st;
	struct capture ca, cb;
	struct xt_link *l;
	struct xt_dev *a, *b;
	uint64_t clock = 5000;

	memset(&p, 0, sizeof(p));
	p.delay_us = 1000;
	capture_init(&ca, &clock);
	capture_init(&cb, &clock);
	ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_OK);

	send_one(a, 1, 60);
	ck_assert_uint_eq(xt_link_next_deadline(l), 6000);
	clock = 5999;
	ck_assert_int_eq(b->ops->rx_burst(b, capture_cb, &cb, 16), 0);
	clock = 6000;
	/* Not delivered to the sender's own end. */
	ck_assert_int_eq(a->ops->rx_burst(a, capture_cb, &ca, 16), 0);
	ck_assert_int_eq(b->ops->rx_burst(b, capture_cb, &cb, 16), 1);
	ck_assert_uint_eq(cb.n, 1);
	ck_assert_uint_eq(cb.r[0].len, 60);
	ck_assert_uint_eq(frame_id(&cb.r[0]), 1);
	ck_assert_uint_eq(xt_link_next_deadline(l), UINT64_MAX);
	ck_assert_int_eq(b->ops->rx_burst(b, capture_cb, &cb, 16), 0);

	/* The other direction. */
	clock = 7000;
	send_one(b, 2, 40);
	ck_assert_uint_eq(xt_link_next_deadline(l), 8000);
	clock = 8500;
	ck_assert_int_eq(b->ops->rx_burst(b, capture_cb, &cb, 16), 0);
	ck_assert_int_eq(a->ops->rx_burst(a, capture_cb, &ca, 16), 1);
	ck_assert_uint_eq(frame_id(&ca.r[0]), 2);
	ck_assert_uint_eq(ca.r[0].len, 40);

	xt_link_get_stats(l, &st);
	ck_assert_uint_eq(st.sent, 2);
	ck_assert_uint_eq(st.delivered, 2);
	ck_assert_uint_eq(a->tx_frames, 1);
	ck_assert_uint_eq(a->rx_frames, 1);
	ck_assert_uint_eq(b->tx_frames, 1);
	ck_assert_uint_eq(b->rx_frames, 1);
	xt_link_free(l);
	capture_free(&ca);
	capture_free(&cb);
}
END_TEST

START_TEST(link_order_and_burst_max)
{
	struct xt_link_params p;
	struct capture c;
	struct xt_link *l;
	struct xt_dev *a, *b;
	uint64_t clock = 0;
	uint32_t i;

	memset(&p, 0, sizeof(p));
	p.delay_us = 10;
	capture_init(&c, &clock);
	ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_OK);
	/* Equal delivery times come out in send order. */
	for (i = 0; i < 100; i++)
		send_one(a, i, 20);
	clock = 10;
	ck_assert_int_eq(b->ops->rx_burst(b, capture_cb, &c, 30), 30);
	ck_assert_int_eq(b->ops->rx_burst(b, capture_cb, &c, 0), 0);
	ck_assert_int_eq(b->ops->rx_burst(b, capture_cb, &c, 1000), 70);
	for (i = 0; i < 100; i++)
		ck_assert_uint_eq(frame_id(&c.r[i]), i);
	xt_link_free(l);
	capture_free(&c);
}
END_TEST

START_TEST(link_jitter)
{
	struct xt_link_params p;
	struct capture c;
	struct xt_link *l;
	struct xt_dev *a, *b;
	uint64_t clock = 0, lo = UINT64_MAX, hi = 0;
	uint32_t i;
	int k;

	memset(&p, 0, sizeof(p));
	p.delay_us = 100;
	p.jitter_us = 50;
	p.seed = 3;
	capture_init(&c, &clock);
	ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_OK);
	for (i = 0; i < 1000; i++)
		send_one(a, i, 8);
	/* Step one µs at a time: every frame arrives at its exact time. */
	for (clock = 0; clock <= 200; clock++) {
		k = b->ops->rx_burst(b, capture_cb, &c, 10000);
		ck_assert_int_ge(k, 0);
	}
	ck_assert_uint_eq(c.n, 1000);
	for (i = 0; i < c.n; i++) {
		if (c.r[i].at_us < lo)
			lo = c.r[i].at_us;
		if (c.r[i].at_us > hi)
			hi = c.r[i].at_us;
		if (i > 0)
			ck_assert_uint_ge(c.r[i].at_us, c.r[i - 1].at_us);
	}
	/* Uniform over 0..50: both ends are hit with 1000 draws. */
	ck_assert_uint_eq(lo, 100);
	ck_assert_uint_eq(hi, 150);
	xt_link_free(l);
	capture_free(&c);
}
END_TEST

START_TEST(link_loss_rate)
{
	struct xt_link_params p;
	struct xt_link_stats st;
	struct capture c;
	struct xt_link *l;
	struct xt_dev *a, *b;
	uint64_t clock = 0;
	uint32_t i;

	memset(&p, 0, sizeof(p));
	p.delay_us = 50;
	p.loss = 0.1;
	p.seed = 12345;
	p.queue_frames = 20000;
	capture_init(&c, &clock);
	ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_OK);
	for (i = 0; i < 10000; i++)
		send_one(a, i, 16);
	drain(l, &clock, b, a, &c);
	xt_link_get_stats(l, &st);
	ck_assert_uint_eq(st.sent, 10000);
	ck_assert_uint_eq(st.dropped + st.delivered, 10000);
	ck_assert_uint_eq(st.delivered, c.n);
	/* Binomial sd = 30; allow 5 sd. */
	ck_assert_uint_ge(st.dropped, 1000 - 150);
	ck_assert_uint_le(st.dropped, 1000 + 150);
	ck_assert_uint_eq(st.overflow, 0);
	/* The survivors are still in order. */
	for (i = 1; i < c.n; i++)
		ck_assert_uint_gt(frame_id(&c.r[i]), frame_id(&c.r[i - 1]));
	xt_link_free(l);
	capture_free(&c);
}
END_TEST

/* Run a fault-heavy scenario and return what arrived at b. */
static void
scenario(uint64_t seed, struct capture *c, uint64_t *clock,
    struct xt_link_stats *st)
{
	struct xt_link_params p;
	struct xt_link *l;
	struct xt_dev *a, *b;
	uint32_t i;

	memset(&p, 0, sizeof(p));
	p.delay_us = 200;
	p.jitter_us = 30;
	p.reorder_us = 500;
	p.loss = 0.05;
	p.dup = 0.05;
	p.reorder = 0.05;
	p.corrupt = 0.05;
	p.rate_bps = 100000000;
	p.seed = seed;
	p.queue_frames = 64;
	*clock = 0;
	ck_assert_int_eq(xt_link_new(&p, clock, &l, &a, &b), XT_OK);
	for (i = 0; i < 5000; i++) {
		send_one(a, i, 8 + i % 56);
		if (i % 3 == 0)
			*clock += 7;
		ck_assert_int_ge(b->ops->rx_burst(b, capture_cb, c, 4), 0);
	}
	drain(l, clock, b, a, c);
	xt_link_get_stats(l, st);
	xt_link_free(l);
}

START_TEST(link_same_seed)
{
	struct xt_link_stats s1, s2, s3;
	struct capture c1, c2, c3;
	uint64_t clock = 0;
	uint32_t i;

	capture_init(&c1, &clock);
	capture_init(&c2, &clock);
	capture_init(&c3, &clock);
	scenario(77, &c1, &clock, &s1);
	scenario(77, &c2, &clock, &s2);
	scenario(78, &c3, &clock, &s3);

	ck_assert_uint_gt(s1.dropped, 0);
	ck_assert_uint_gt(s1.duplicated, 0);
	ck_assert_uint_gt(s1.reordered, 0);
	ck_assert_uint_gt(s1.corrupted, 0);
	ck_assert_uint_gt(s1.overflow, 0);
	ck_assert_mem_eq(&s1, &s2, sizeof(s1));
	ck_assert_uint_eq(c1.n, c2.n);
	for (i = 0; i < c1.n; i++) {
		ck_assert_uint_eq(c1.r[i].at_us, c2.r[i].at_us);
		ck_assert_uint_eq(c1.r[i].len, c2.r[i].len);
		ck_assert_mem_eq(c1.r[i].head, c2.r[i].head, CAP_BYTES);
	}
	/* A different seed gives a different run. */
	ck_assert(c1.n != c3.n || memcmp(&s1, &s3, sizeof(s1)) != 0 ||
	    memcmp(c1.r, c3.r, c1.n * sizeof(c1.r[0])) != 0);
	capture_free(&c1);
	capture_free(&c2);
	capture_free(&c3);
}
END_TEST

START_TEST(link_corrupt_one_bit)
{
	struct xt_link_params p;
	struct xt_link_stats st;
	struct capture c;
	struct xt_link *l;
	struct xt_dev *a, *b;
	uint8_t want[CAP_BYTES];
	uint64_t clock = 0;
	uint32_t i, k, bits, pos_seen[CAP_BYTES];

	memset(&p, 0, sizeof(p));
	p.corrupt = 1.0;
	p.seed = 9;
	capture_init(&c, &clock);
	memset(pos_seen, 0, sizeof(pos_seen));
	ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_OK);
	for (i = 0; i < 1000; i++)
		send_one(a, i, CAP_BYTES);
	ck_assert_int_eq(b->ops->rx_burst(b, capture_cb, &c, 2000), 1000);
	for (i = 0; i < c.n; i++) {
		/* Equal times: same order as sent, so frame i is known. */
		frame_make(want, CAP_BYTES, i);
		bits = 0;
		for (k = 0; k < CAP_BYTES; k++) {
			bits += (uint32_t)__builtin_popcount(
			    c.r[i].head[k] ^ want[k]);
			if (c.r[i].head[k] != want[k])
				pos_seen[k]++;
		}
		ck_assert_uint_eq(bits, 1);
	}
	/* The flipped bit is spread over the whole frame. */
	for (k = 0; k < CAP_BYTES; k++)
		ck_assert_uint_gt(pos_seen[k], 0);
	xt_link_get_stats(l, &st);
	ck_assert_uint_eq(st.corrupted, 1000);
	xt_link_free(l);
	capture_free(&c);
}
END_TEST

START_TEST(link_dup)
{
	struct xt_link_params p;
	struct xt_link_stats st;
	struct capture c;
	struct xt_link *l;
	struct xt_dev *a, *b;
	uint64_t clock = 0;
	uint32_t i;

	memset(&p, 0, sizeof(p));
	p.dup = 1.0;
	p.delay_us = 5;
	capture_init(&c, &clock);
	ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_OK);
	for (i = 0; i < 10; i++)
		send_one(a, i, 32);
	drain(l, &clock, b, a, &c);
	ck_assert_uint_eq(c.n, 20);
	for (i = 0; i < 20; i++)
		ck_assert_uint_eq(frame_id(&c.r[i]), i / 2);
	xt_link_get_stats(l, &st);
	ck_assert_uint_eq(st.duplicated, 10);
	ck_assert_uint_eq(st.delivered, 20);
	ck_assert_uint_eq(a->tx_frames, 10);
	xt_link_free(l);
	capture_free(&c);
}
END_TEST

START_TEST(link_reorder)
{
	struct xt_link_params p;
	struct xt_link_stats st;
	struct capture c;
	struct xt_link *l;
	struct xt_dev *a, *b;
	uint64_t clock = 0;
	uint32_t i, inversions = 0;
	uint8_t seen[200];

	memset(&p, 0, sizeof(p));
	p.delay_us = 100;
	p.reorder = 0.2;
	p.reorder_us = 50;
	p.seed = 5;
	capture_init(&c, &clock);
	ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_OK);
	/* One frame per 10 µs: a held-back frame lands 5 places later. */
	for (i = 0; i < 200; i++) {
		send_one(a, i, 16);
		clock += 10;
		ck_assert_int_ge(b->ops->rx_burst(b, capture_cb, &c, 64), 0);
	}
	drain(l, &clock, b, a, &c);
	ck_assert_uint_eq(c.n, 200);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < c.n; i++) {
		ck_assert_uint_lt(frame_id(&c.r[i]), 200);
		ck_assert_uint_eq(seen[frame_id(&c.r[i])]++, 0);
		if (i > 0 && frame_id(&c.r[i]) < frame_id(&c.r[i - 1]))
			inversions++;
	}
	xt_link_get_stats(l, &st);
	ck_assert_uint_gt(st.reordered, 10);
	ck_assert_uint_lt(st.reordered, 80);
	ck_assert_uint_gt(inversions, 0);
	xt_link_free(l);
	capture_free(&c);
}
END_TEST

START_TEST(link_reorder_all_keeps_order)
{
	struct xt_link_params p;
	struct capture c;
	struct xt_link *l;
	struct xt_dev *a, *b;
	uint64_t clock = 0;

	/* Holding every frame back is just more delay. */
	memset(&p, 0, sizeof(p));
	p.delay_us = 10;
	p.reorder = 1.0;
	p.reorder_us = 90;
	capture_init(&c, &clock);
	ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_OK);
	send_one(a, 0, 16);
	send_one(a, 1, 16);
	ck_assert_uint_eq(xt_link_next_deadline(l), 100);
	drain(l, &clock, b, a, &c);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_uint_eq(frame_id(&c.r[0]), 0);
	ck_assert_uint_eq(frame_id(&c.r[1]), 1);
	ck_assert_uint_eq(c.r[0].at_us, 100);
	xt_link_free(l);
	capture_free(&c);
}
END_TEST

START_TEST(link_queue_overflow)
{
	struct xt_link_params p;
	struct xt_link_stats st;
	struct capture c;
	struct xt_link *l;
	struct xt_dev *a, *b;
	uint8_t bufs[20][16];
	struct iovec iov[20];
	uint64_t clock = 0;
	uint32_t i;

	memset(&p, 0, sizeof(p));
	p.delay_us = 100;
	p.queue_frames = 8;
	capture_init(&c, &clock);
	ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_OK);
	for (i = 0; i < 20; i++) {
		frame_make(bufs[i], 16, i);
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = 16;
	}
	/* Dropped frames still count as accepted (phy.h). */
	ck_assert_int_eq(a->ops->tx_burst(a, iov, 20), 20);
	xt_link_get_stats(l, &st);
	ck_assert_uint_eq(st.overflow, 12);
	ck_assert_uint_eq(a->tx_drops, 12);
	ck_assert_uint_eq(a->tx_frames, 8);
	/* The other direction has its own queue. */
	send_one(b, 99, 16);
	drain(l, &clock, b, a, &c);
	ck_assert_uint_eq(c.n, 8);
	for (i = 0; i < 8; i++)
		ck_assert_uint_eq(frame_id(&c.r[i]), i);
	/* Room again once delivered. */
	send_one(a, 100, 16);
	xt_link_get_stats(l, &st);
	ck_assert_uint_eq(st.overflow, 12);
	xt_link_free(l);	/* frees the queued frames */
	capture_free(&c);
}
END_TEST

START_TEST(link_rate)
{
	struct xt_link_params p;
	struct capture c;
	struct xt_link *l;
	struct xt_dev *a, *b;
	uint8_t buf[1000];
	struct iovec iov;
	uint64_t clock = 0;
	int i;

	memset(&p, 0, sizeof(p));
	p.delay_us = 50;
	p.rate_bps = 8000000;		/* one byte per µs */
	capture_init(&c, &clock);
	ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_OK);
	memset(buf, 0, sizeof(buf));
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	/* Three back-to-back 1000-byte frames queue behind each other. */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(a->ops->tx_burst(a, &iov, 1), 1);
	drain(l, &clock, b, a, &c);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_uint_eq(c.r[0].at_us, 1050);
	ck_assert_uint_eq(c.r[1].at_us, 2050);
	ck_assert_uint_eq(c.r[2].at_us, 3050);
	/* Idle wire: the next frame starts at once. */
	clock = 10000;
	iov.iov_len = 100;
	ck_assert_int_eq(a->ops->tx_burst(a, &iov, 1), 1);
	ck_assert_uint_eq(xt_link_next_deadline(l), 10150);
	/* Half a µs per byte: sub-µs remainders do not accumulate. */
	xt_link_free(l);
	p.rate_bps = 16000000;
	clock = 0;
	ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_OK);
	iov.iov_len = 3;		/* 1.5 µs each */
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(a->ops->tx_burst(a, &iov, 1), 1);
	c.n = 0;
	drain(l, &clock, b, a, &c);
	ck_assert_uint_eq(c.n, 4);
	ck_assert_uint_eq(c.r[0].at_us, 52);	/* 1.5 rounds up */
	ck_assert_uint_eq(c.r[1].at_us, 53);
	ck_assert_uint_eq(c.r[2].at_us, 55);	/* 4.5 */
	ck_assert_uint_eq(c.r[3].at_us, 56);
	xt_link_free(l);

	/* Frames refused by a full queue take no wire time. */
	p.rate_bps = 8000000;
	p.delay_us = 0;
	p.queue_frames = 2;
	clock = 0;
	ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_OK);
	iov.iov_len = 1000;
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(a->ops->tx_burst(a, &iov, 1), 1);
	ck_assert_uint_eq(a->tx_drops, 2);
	c.n = 0;
	drain(l, &clock, b, a, &c);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_uint_eq(clock, 2000);
	ck_assert_int_eq(a->ops->tx_burst(a, &iov, 1), 1);
	ck_assert_uint_eq(xt_link_next_deadline(l), 3000);
	xt_link_free(l);
	capture_free(&c);
}
END_TEST

START_TEST(link_frame_sizes)
{
	struct xt_link_params p;
	struct capture c;
	struct xt_link *l;
	struct xt_dev *a, *b;
	uint8_t *big;
	struct iovec iov;
	uint64_t clock = 0;

	memset(&p, 0, sizeof(p));
	capture_init(&c, &clock);
	ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_OK);
	big = calloc(1, 65535 + 15);
	ck_assert_ptr_nonnull(big);
	big[65535 + 13] = 0xab;
	iov.iov_base = big;
	iov.iov_len = 65535 + 14;
	ck_assert_int_eq(a->ops->tx_burst(a, &iov, 1), 1);
	iov.iov_len = 65535 + 15;
	ck_assert_int_eq(a->ops->tx_burst(a, &iov, 1), 1);
	ck_assert_uint_eq(a->tx_frames, 1);
	ck_assert_uint_eq(a->tx_drops, 1);
	iov.iov_len = 0;
	ck_assert_int_eq(a->ops->tx_burst(a, &iov, 1), 1);
	ck_assert_int_eq(b->ops->rx_burst(b, capture_cb, &c, 8), 2);
	ck_assert_uint_eq(c.r[0].len, 65535 + 14);
	ck_assert_uint_eq(c.r[1].len, 0);
	free(big);
	xt_link_free(l);
	capture_free(&c);
}
END_TEST

/* Send one zero-filled frame of len bytes (len <= 1500). */
static void
send_len(struct xt_dev *d, uint32_t len)
{
	static const uint8_t zero[1500];
	struct iovec iov;

	ck_assert_uint_le(len, sizeof(zero));
	iov.iov_base = (void *)(uintptr_t)zero;
	iov.iov_len = len;
	ck_assert_int_eq(d->ops->tx_burst(d, &iov, 1), 1);
}

START_TEST(link_qlimit_frames)
{
	struct xt_link_params p;
	struct xt_link_stats st;
	struct capture c;
	struct xt_link *l;
	struct xt_dev *a, *b;
	uint64_t clock = 0;
	int i;

	memset(&p, 0, sizeof(p));
	p.rate_bps = 8000000;		/* one byte per µs */
	p.qlimit_frames = 3;
	capture_init(&c, &clock);
	ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_OK);
	/* A burst of five: three fit (one on the wire, two waiting). */
	for (i = 0; i < 5; i++)
		send_len(a, 100);
	xt_link_get_stats(l, &st);
	ck_assert_uint_eq(st.qdrops, 2);
	ck_assert_uint_eq(st.qmax_frames, 3);
	/* The device did send them; the bottleneck dropped them. */
	ck_assert_uint_eq(a->tx_frames, 5);
	ck_assert_uint_eq(a->tx_drops, 0);
	/* At 100 µs the first is off the wire: room for exactly one. */
	clock = 100;
	send_len(a, 100);
	send_len(a, 100);
	xt_link_get_stats(l, &st);
	ck_assert_uint_eq(st.qdrops, 3);
	/* Dropped frames took no wire time. */
	drain(l, &clock, b, a, &c);
	ck_assert_uint_eq(c.n, 4);
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(c.r[i].at_us, 100 * (uint64_t)(i + 1));
	/* The other direction has its own queue. */
	for (i = 0; i < 3; i++)
		send_len(b, 100);
	xt_link_get_stats(l, &st);
	ck_assert_uint_eq(st.qdrops, 3);
	xt_link_free(l);

	/* Without a rate nothing queues, so the limit never bites. */
	p.rate_bps = 0;
	p.qlimit_frames = 1;
	ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_OK);
	for (i = 0; i < 10; i++)
		send_len(a, 100);
	xt_link_get_stats(l, &st);
	ck_assert_uint_eq(st.qdrops, 0);
	xt_link_free(l);
	capture_free(&c);
}
END_TEST

START_TEST(link_qlimit_bytes)
{
	struct xt_link_params p;
	struct xt_link_stats st;
	struct capture c;
	struct xt_link *l;
	struct xt_dev *a, *b;
	uint64_t clock = 0;

	memset(&p, 0, sizeof(p));
	p.rate_bps = 8000000;
	p.delay_us = 10;
	p.qlimit_bytes = 250;
	capture_init(&c, &clock);
	ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_OK);
	send_len(a, 100);
	send_len(a, 100);
	send_len(a, 100);		/* 300 > 250: dropped */
	send_len(a, 50);		/* exactly 250: fits */
	send_len(a, 1);
	xt_link_get_stats(l, &st);
	ck_assert_uint_eq(st.qdrops, 2);
	ck_assert_uint_eq(st.qmax_bytes, 250);
	drain(l, &clock, b, a, &c);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_uint_eq(c.r[0].at_us, 110);
	ck_assert_uint_eq(c.r[1].at_us, 210);
	ck_assert_uint_eq(c.r[2].at_us, 260);
	ck_assert_uint_eq(c.r[2].len, 50);
	xt_link_free(l);
	capture_free(&c);
}
END_TEST

/* An Ethernet + IPv4 frame of len bytes with the given TOS byte. */
static void
ip_frame(uint8_t *buf, uint32_t len, uint8_t tos, uint16_t id, uint8_t proto)
{
	struct xt_ipv4_repr ip;

	memset(buf, 0, len);
	buf[0] = 2;
	buf[5] = 2;
	buf[6] = 2;
	buf[11] = 1;
	buf[12] = 0x08;
	buf[13] = 0x00;
	memset(&ip, 0, sizeof(ip));
	ip.tos = tos;
	ip.total_len = (uint16_t)(len - 14);
	ip.id = id;
	ip.ttl = 64;
	ip.proto = proto;
	ip.src = 0x0a000001;
	ip.dst = 0x0a000002;
	xt_ipv4_emit(&ip, buf + 14);
}

static uint8_t
rec_tos(const struct rec *r)
{
	struct xt_ipv4_repr ip;
	const uint8_t *pl;
	size_t plen;

	/* Still a valid header: the mark updated the checksum. */
	ck_assert_int_eq(xt_ipv4_parse(r->head + 14, r->len - 14, 1, &ip,
	    &pl, &plen), XT_OK);
	return (ip.tos);
}

START_TEST(link_ecn_mark)
{
	/* TOS of each frame sent, and what must arrive. */
	static const uint8_t tos_in[] = { 0x02, 0x01, 0x02, 0x00, 0x03,
	    0xb9, 0x02, 0xb8 };
	static const uint8_t tos_out[] = { 0x02, 0x01, 0x03, 0x00, 0x03,
	    0xbb, 0x03, 0xb8 };
	struct xt_link_params p;
	struct xt_link_stats st;
	struct capture c;
	struct xt_link *l;
	struct xt_dev *a, *b;
	uint8_t buf[60];
	struct iovec iov;
	uint64_t clock = 0;
	unsigned i;

	memset(&p, 0, sizeof(p));
	p.rate_bps = 8000000;
	p.ecn_frames = 2;
	capture_init(&c, &clock);
	ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_OK);
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	/* Frames 0 and 1 find fewer than 2 queued; from 2 on, 2 or more. */
	for (i = 0; i < sizeof(tos_in); i++) {
		ip_frame(buf, sizeof(buf), tos_in[i], (uint16_t)(i * 4099),
		    XT_IPPROTO_UDP);
		ck_assert_int_eq(a->ops->tx_burst(a, &iov, 1), 1);
	}
	/* Not IPv4 (an ARP type with ECT-looking bits): left alone. */
	ip_frame(buf, sizeof(buf), 0x02, 1, XT_IPPROTO_UDP);
	buf[13] = 0x06;
	ck_assert_int_eq(a->ops->tx_burst(a, &iov, 1), 1);
	drain(l, &clock, b, a, &c);
	ck_assert_uint_eq(c.n, sizeof(tos_in) + 1);
	for (i = 0; i < sizeof(tos_in); i++)
		ck_assert_uint_eq(rec_tos(&c.r[i]), tos_out[i]);
	ck_assert_uint_eq(c.r[i].head[15], 0x02);
	xt_link_get_stats(l, &st);
	ck_assert_uint_eq(st.ce_marked, 3);
	xt_link_free(l);

	/* A threshold in bytes, 60-byte frames: the fourth finds 180 >= 150. */
	memset(&p, 0, sizeof(p));
	p.rate_bps = 8000000;
	p.ecn_bytes = 150;
	clock = 0;
	c.n = 0;
	ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_OK);
	for (i = 0; i < 3; i++) {
		ip_frame(buf, sizeof(buf), 0x01, (uint16_t)i, XT_IPPROTO_UDP);
		ck_assert_int_eq(a->ops->tx_burst(a, &iov, 1), 1);
		ck_assert_int_eq(a->ops->tx_burst(a, &iov, 1), 1);
	}
	drain(l, &clock, b, a, &c);
	ck_assert_uint_eq(c.n, 6);
	/* They find 0, 60, 120 bytes queued (unmarked), 180, 240, 300 (CE). */
	for (i = 0; i < 6; i++)
		ck_assert_uint_eq(rec_tos(&c.r[i]), i < 3 ? 0x01 : 0x03);
	/* Marks stop once the queue drains below the threshold. */
	ip_frame(buf, sizeof(buf), 0x01, 9, XT_IPPROTO_UDP);
	ck_assert_int_eq(a->ops->tx_burst(a, &iov, 1), 1);
	c.n = 0;
	drain(l, &clock, b, a, &c);
	ck_assert_uint_eq(rec_tos(&c.r[0]), 0x01);
	xt_link_free(l);
	capture_free(&c);
}
END_TEST

START_TEST(link_burst_loss)
{
	struct xt_link_params p;
	struct xt_link_stats st;
	struct capture c;
	struct xt_link *l;
	struct xt_dev *a, *b;
	uint64_t clock = 0;
	uint32_t i, j, n = 30000, runs, lost, next;
	double frac, mean_run;
	int pass, got;

	for (pass = 0; pass < 2; pass++) {
		memset(&p, 0, sizeof(p));
		p.seed = 4242;
		p.queue_frames = n;
		if (pass == 0) {
			/* Mean loss 0.01/(0.01+0.1) = 9.1 %, runs of ~10. */
			p.ge_p = 0.01;
			p.ge_r = 0.1;
			p.ge_loss_bad = 1.0;
		} else {
			p.loss = 0.0909;	/* the same rate, independent */
		}
		clock = 0;
		capture_init(&c, &clock);
		ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_OK);
		for (i = 0; i < n; i++)
			send_one(a, i, 8);
		got = b->ops->rx_burst(b, capture_cb, &c, n);
		ck_assert_int_eq(got, (int)c.n);
		xt_link_get_stats(l, &st);
		ck_assert_uint_eq(c.n + st.burst_dropped + st.dropped, n);
		/* Count runs of consecutive missing frame numbers. */
		runs = lost = 0;
		next = 0;
		for (j = 0; j <= c.n; j++) {
			i = j < c.n ? frame_id(&c.r[j]) : n;
			ck_assert_uint_ge(i, next);
			if (i > next) {
				runs++;
				lost += i - next;
			}
			next = i + 1;
		}
		frac = (double)lost / n;
		mean_run = runs > 0 ? (double)lost / runs : 0;
		ck_assert_double_gt(frac, 0.06);
		ck_assert_double_lt(frac, 0.12);
		if (pass == 0) {
			ck_assert_uint_eq(st.burst_dropped, lost);
			ck_assert_double_gt(mean_run, 6.0);
			ck_assert_double_lt(mean_run, 15.0);
		} else {
			ck_assert_uint_eq(st.burst_dropped, 0);
			ck_assert_double_lt(mean_run, 1.3);
		}
		xt_link_free(l);
		capture_free(&c);
	}
}
END_TEST

/* The burst-loss chain draws from its own stream: it leaves the other
 * faults of a seeded run as they were. */
START_TEST(link_burst_off_same_run)
{
	struct xt_link_params p;
	struct xt_link_stats s1, s2;
	struct xt_link *l;
	struct xt_dev *a, *b;
	uint64_t clock = 0;
	uint32_t i;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		memset(&p, 0, sizeof(p));
		p.seed = 31;
		p.loss = 0.1;
		p.dup = 0.1;
		p.corrupt = 0.1;
		p.queue_frames = 5000;
		if (pass == 1) {
			/* The chain moves but loses nothing. */
			p.ge_p = 0.2;
			p.ge_r = 0.2;
		}
		ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_OK);
		for (i = 0; i < 2000; i++)
			send_one(a, i, 16);
		xt_link_get_stats(l, pass == 0 ? &s1 : &s2);
		xt_link_free(l);
	}
	ck_assert_mem_eq(&s1, &s2, sizeof(s1));
	ck_assert_uint_eq(s1.burst_dropped, 0);
	/* Burst loss in good state only, with the second stream. */
	memset(&p, 0, sizeof(p));
	p.seed = 31;
	p.ge_loss_good = 0.5;
	p.queue_frames = 5000;
	ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_OK);
	for (i = 0; i < 2000; i++)
		send_one(a, i, 16);
	xt_link_get_stats(l, &s2);
	ck_assert_uint_gt(s2.burst_dropped, 900);
	ck_assert_uint_lt(s2.burst_dropped, 1100);
	xt_link_free(l);
}
END_TEST

/*
 * Every single-bit flip the link makes in an Ethernet/IPv4/TCP frame is
 * either in the Ethernet header (the IP datagram is intact) or caught by
 * the IPv4 header checksum or the TCP checksum: corrupted data is never
 * good data.
 */
START_TEST(link_corrupt_caught)
{
	struct xt_link_params p;
	struct xt_link_stats st;
	struct capture c;
	struct xt_link *l;
	struct xt_dev *a, *b;
	struct xt_ipv4_repr ip;
	struct xt_tcp_repr th;
	uint8_t frames[4][CAP_BYTES];
	const uint8_t *pl;
	size_t plen;
	struct iovec iov;
	uint64_t clock = 0;
	uint32_t i, k, caught = 0, eth_only = 0;

	for (k = 0; k < 4; k++) {
		ip_frame(frames[k], CAP_BYTES, (uint8_t)k, (uint16_t)k,
		    XT_IPPROTO_TCP);
		memset(&th, 0, sizeof(th));
		th.sport = 1000;
		th.dport = 5001;
		th.seq = 0x12345678u * (k + 1);
		th.ack = 99;
		th.flags = XT_TH_ACK | XT_TH_PSH;
		th.win = 512;
		xt_tcp_emit_hdr(&th, frames[k] + 34);
		for (i = 54; i < CAP_BYTES; i++)
			frames[k][i] = (uint8_t)(i * 7 + k);
		xt_tcp_fill_csum(frames[k] + 34, CAP_BYTES - 34, 0x0a000001,
		    0x0a000002);
	}
	memset(&p, 0, sizeof(p));
	p.corrupt = 1.0;
	p.seed = 11;
	p.queue_frames = 4000;
	capture_init(&c, &clock);
	ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_OK);
	for (i = 0; i < 4000; i++) {
		iov.iov_base = frames[i % 4];
		iov.iov_len = CAP_BYTES;
		ck_assert_int_eq(a->ops->tx_burst(a, &iov, 1), 1);
	}
	ck_assert_int_eq(b->ops->rx_burst(b, capture_cb, &c, 4000), 4000);
	for (i = 0; i < c.n; i++) {
		if (xt_ipv4_parse(c.r[i].head + 14, CAP_BYTES - 14, 1, &ip,
		    &pl, &plen) != XT_OK ||
		    xt_tcp_parse(pl, plen, ip.src, ip.dst, 1, &th) != XT_OK) {
			caught++;
			continue;
		}
		/* Both sums pass: the flip must be in the Ethernet header. */
		ck_assert_mem_eq(c.r[i].head + 14, frames[i % 4] + 14,
		    CAP_BYTES - 14);
		eth_only++;
	}
	ck_assert_uint_eq(caught + eth_only, 4000);
	ck_assert_uint_gt(caught, 3000);
	xt_link_get_stats(l, &st);
	ck_assert_uint_eq(st.corrupted, 4000);
	xt_link_free(l);

	/* corrupt_no_arp spares ARP frames (no checksum) only. */
	p.corrupt_no_arp = 1;
	c.n = 0;
	ck_assert_int_eq(xt_link_new(&p, &clock, &l, &a, &b), XT_OK);
	frames[1][12] = 0x08;
	frames[1][13] = 0x06;
	for (i = 0; i < 100; i++) {
		iov.iov_base = frames[i % 2];
		iov.iov_len = CAP_BYTES;
		ck_assert_int_eq(a->ops->tx_burst(a, &iov, 1), 1);
	}
	ck_assert_int_eq(b->ops->rx_burst(b, capture_cb, &c, 100), 100);
	for (i = 0; i < c.n; i++) {
		if (i % 2 == 1)
			ck_assert_mem_eq(c.r[i].head, frames[1], CAP_BYTES);
		else
			ck_assert(memcmp(c.r[i].head, frames[0],
			    CAP_BYTES) != 0);
	}
	xt_link_get_stats(l, &st);
	ck_assert_uint_eq(st.corrupted, 50);
	xt_link_free(l);
	capture_free(&c);
}
END_TEST

Suite *
xt_suite_link(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("link");

	tc = tcase_create("basic");
	tcase_add_test(tc, link_new_bad);
	tcase_add_test(tc, link_devices);
	tcase_add_test(tc, link_delay);
	tcase_add_test(tc, link_order_and_burst_max);
	tcase_add_test(tc, link_jitter);
	tcase_add_test(tc, link_rate);
	tcase_add_test(tc, link_frame_sizes);
	tcase_add_test(tc, link_queue_overflow);
	tcase_add_test(tc, link_qlimit_frames);
	tcase_add_test(tc, link_qlimit_bytes);
	tcase_add_test(tc, link_ecn_mark);
	suite_add_tcase(s, tc);

	tc = tcase_create("faults");
	tcase_add_test(tc, link_loss_rate);
	tcase_add_test(tc, link_same_seed);
	tcase_add_test(tc, link_corrupt_one_bit);
	tcase_add_test(tc, link_dup);
	tcase_add_test(tc, link_reorder);
	tcase_add_test(tc, link_reorder_all_keeps_order);
	tcase_add_test(tc, link_burst_loss);
	tcase_add_test(tc, link_burst_off_same_run);
	tcase_add_test(tc, link_corrupt_caught);
	suite_add_tcase(s, tc);

	return (s);
}

/*
 * check_link.c - unit tests for the in-memory simulated link
 * (dev/dev_pair.c): delay on a virtual clock, seeded faults, ordering,
 * queue bounds and serialisation rate.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "xt_err.h"
#include "dev/dev_pair.h"

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
	suite_add_tcase(s, tc);

	tc = tcase_create("faults");
	tcase_add_test(tc, link_loss_rate);
	tcase_add_test(tc, link_same_seed);
	tcase_add_test(tc, link_corrupt_one_bit);
	tcase_add_test(tc, link_dup);
	tcase_add_test(tc, link_reorder);
	tcase_add_test(tc, link_reorder_all_keeps_order);
	suite_add_tcase(s, tc);

	return (s);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_dev_defer.c - the deferring device (stack/dev/dev_defer.c, issue
 * 13): a sandboxed member's frames wait in its queue, in order, until
 * the thread that may use the device flushes them; receiving and the
 * descriptors are the inner device's.
 */
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include <check.h>

#include "dev/phy.h"

Suite	*xt_suite_dev_defer(void);

/* ---- an inner device that records what it is given ---- */

#define FAKE_MAX	512

struct fake {
	struct xt_dev	dev;
	unsigned	nsent;		/* frames */
	unsigned	calls;		/* tx_burst calls */
	unsigned	first[FAKE_MAX];	/* each frame's first byte... */
	size_t		len[FAKE_MAX];	/* ...and length */
	unsigned	rx_calls;
	int		closed;
};

static int
fake_rx(struct xt_dev *d, xt_rx_fn cb, void *arg, unsigned max)
{
	struct fake *f = d->priv;

	(void)cb;
	(void)arg;
	(void)max;
	f->rx_calls++;
	return (3);
}

static int
fake_tx(struct xt_dev *d, const struct iovec *v, unsigned n)
{
	struct fake *f = d->priv;
	unsigned i;

	f->calls++;
	for (i = 0; i < n && f->nsent < FAKE_MAX; i++, f->nsent++) {
		f->first[f->nsent] = ((const uint8_t *)v[i].iov_base)[0];
		f->len[f->nsent] = v[i].iov_len;
	}
	return ((int)n);
}

static int
fake_wait_fd(struct xt_dev *d)
{
	(void)d;
	return (42);
}

static unsigned
fake_fds(const struct xt_dev *d, int *all)
{
	(void)d;
	all[0] = 42;
	all[1] = 43;
	return (2);
}

static void
fake_close(struct xt_dev *d)
{
	((struct fake *)d->priv)->closed = 1;
}

static const struct xt_dev_ops fake_ops = {
	.name = "fake",
	.rx_burst = fake_rx,
	.tx_burst = fake_tx,
	.wait_fd = fake_wait_fd,
	.fds = fake_fds,
	.close = fake_close,
};

static struct fake	inner;
static struct xt_dev	*dd;
static unsigned		kicks;

static void
kick(void *arg)
{
	ck_assert_ptr_eq(arg, &kicks);
	kicks++;
}

static void
setup(void)
{
	memset(&inner, 0, sizeof(inner));
	inner.dev.ops = &fake_ops;
	inner.dev.mtu = 1500;
	inner.dev.caps = XT_DEVCAP_OFFLOAD;
	inner.dev.priv = &inner;
	kicks = 0;
	ck_assert_int_eq(xt_dev_defer_new(&inner.dev, kick, &kicks, &dd),
	    XT_OK);
}

static void
teardown(void)
{
	dd->ops->close(dd);
	ck_assert_int_eq(inner.closed, 0);	/* the inner is its owner's */
}

/* n frames of len bytes, frame i starting with byte base + i */
static void
send_frames(unsigned n, size_t len, unsigned base, int want)
{
	static uint8_t buf[64][2048];
	struct iovec v[64];
	unsigned i;

	ck_assert_uint_le(n, 64);
	for (i = 0; i < n; i++) {
		memset(buf[i], (int)((base + i) & 0xff), len);
		v[i].iov_base = buf[i];
		v[i].iov_len = len;
	}
	ck_assert_int_eq(dd->ops->tx_burst(dd, v, n), want);
	/* the caller may reuse its buffers at once (phy.h's copy policy) */
	for (i = 0; i < n; i++)
		memset(buf[i], 0xee, len);
}

/* Frames wait, in order, until the flush; one kick per empty queue. */
START_TEST(defer_queue_flush)
{
	unsigned i;

	send_frames(3, 60, 1, 3);
	send_frames(2, 1514, 4, 2);
	ck_assert_uint_eq(inner.nsent, 0);
	ck_assert_uint_eq(kicks, 1);
	xt_dev_defer_flush(dd);
	ck_assert_uint_eq(inner.nsent, 5);
	for (i = 0; i < 5; i++) {
		ck_assert_uint_eq(inner.first[i], i + 1);
		ck_assert_uint_eq(inner.len[i], i < 3 ? 60 : 1514);
	}
	ck_assert_uint_eq(dd->tx_frames, 5);
	ck_assert_uint_eq(dd->tx_drops, 0);
	/* empty again: the next frame kicks again; an empty flush sends
	 * nothing */
	xt_dev_defer_flush(dd);
	ck_assert_uint_eq(inner.calls, 1);
	send_frames(1, 100, 9, 1);
	ck_assert_uint_eq(kicks, 2);
	xt_dev_defer_flush(dd);
	ck_assert_uint_eq(inner.nsent, 6);
	ck_assert_uint_eq(inner.first[5], 9);
}
END_TEST

/* A full queue drops and counts; the flush goes in batches, in order. */
START_TEST(defer_full)
{
	unsigned i;

	send_frames(10, 60, 0, 10);
	xt_dev_defer_flush(dd);
	inner.nsent = 0;
	inner.calls = 0;
	for (i = 0; i < 4; i++)
		send_frames(64, 60, i * 64, 64);	/* 256: full */
	send_frames(20, 60, 0, 0);
	ck_assert_uint_eq(dd->tx_drops, 20);
	xt_dev_defer_flush(dd);
	ck_assert_uint_eq(inner.nsent, 256);
	ck_assert_uint_eq(inner.calls, 8);		/* 32 a batch */
	for (i = 0; i < 256; i++)
		ck_assert_uint_eq(inner.first[i], i & 0xff);
}
END_TEST

/* Receiving, the wait fd and the fds are the inner device's; a flush of
 * some other device does nothing. */
START_TEST(defer_passthrough)
{
	int fds[XT_DEV_MAXFDS];

	ck_assert_int_eq(dd->ops->rx_burst(dd, NULL, NULL, 8), 3);
	ck_assert_uint_eq(inner.rx_calls, 1);
	ck_assert_int_eq(dd->ops->wait_fd(dd), 42);
	ck_assert_int_eq(xt_dev_fds(dd, fds, XT_DEV_MAXFDS), 2);
	ck_assert_int_eq(fds[1], 43);
	ck_assert_uint_eq(dd->mtu, 1500);
	ck_assert_uint_eq(dd->caps, XT_DEVCAP_OFFLOAD);
	xt_dev_defer_flush(&inner.dev);
	ck_assert_uint_eq(inner.calls, 0);
	ck_assert_int_eq(xt_dev_defer_new(NULL, kick, NULL, NULL), XT_EINVAL);
}
END_TEST

Suite *
xt_suite_dev_defer(void)
{
	Suite *s = suite_create("dev_defer");
	TCase *tc = tcase_create("defer");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, defer_queue_flush);
	tcase_add_test(tc, defer_full);
	tcase_add_test(tc, defer_passthrough);
	suite_add_tcase(s, tc);
	return (s);
}

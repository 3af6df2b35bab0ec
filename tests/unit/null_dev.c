/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * null_dev.c - the device of null_dev.h: every frame handed to it is
 * dropped as sent, none ever arrives, and it has no descriptor to wait
 * on.
 */
#include <stddef.h>
#include <sys/uio.h>

#include "null_dev.h"

static int
null_rx(struct xt_dev *d, xt_rx_fn cb, void *arg, unsigned max)
{
	(void)d;
	(void)cb;
	(void)arg;
	(void)max;
	return (0);
}

static int
null_tx(struct xt_dev *d, const struct iovec *v, unsigned n)
{
	(void)d;
	(void)v;
	return ((int)n);
}

static int
null_wait_fd(struct xt_dev *d)
{
	(void)d;
	return (-1);
}

static void
null_close(struct xt_dev *d)
{
	(void)d;
}

static const struct xt_dev_ops null_ops = {
	.name = "null",
	.rx_burst = null_rx,
	.tx_burst = null_tx,
	.wait_fd = null_wait_fd,
	.close = null_close,
};

struct xt_dev xt_test_null_dev = {
	.ops = &null_ops,
	.mac = { 0x02, 0, 0, 0, 0, 0x01 },
	.mtu = 1500,
};

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dev_defer.c - a device that hands its transmissions to another thread
 * (issue 13, sandboxed members of a process family).
 *
 * A process whose program thread may no longer make the device's system
 * calls (a seccomp filter that kills it on sendto(2) or recvmmsg(2), as
 * OpenSSH's pre-authentication sandbox does) still runs the engine from
 * that thread: segment processing and socket calls are memory work under
 * the engine lock.  Only the device is out of reach.  This device wraps
 * the real one: tx_burst copies each frame into a queue of its own
 * (memory only: no system call) and asks, once per non-empty queue, for
 * the thread that may use the device (the kick callback); that thread
 * later calls xt_dev_defer_flush() with the engine lock held, which sends
 * the queue through the real device in order.  Frames the thread sends in
 * its own passes go through the queue too, so the order is the engine's.
 * Receiving, the wait descriptor and the descriptor list are the inner
 * device's: only the thread that may use them calls them.
 *
 * The queue holds XT_DEFER_QLEN frames; a frame that finds it full is
 * dropped and counted (tx_drops), as a full device queue would drop it.
 * Each slot keeps its buffer for the next frame, so a steady flow
 * allocates nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "xt_err.h"
#include "dev/phy.h"

#define XT_DEFER_QLEN	256	/* frames between two flushes */
#define XT_DEFER_BATCH	32	/* iovecs per inner tx_burst */

struct defer_slot {
	uint8_t		*buf;
	size_t		 cap;		/* bytes buf holds */
	size_t		 len;		/* the frame's */
};

struct defer_priv {
	struct xt_dev		 dev;
	struct xt_dev		*inner;
	xt_defer_kick_fn	 kick;
	void			*arg;
	unsigned		 head;		/* first queued */
	unsigned		 n;		/* queued */
	struct defer_slot	 q[XT_DEFER_QLEN];
};

static int
defer_rx_burst(struct xt_dev *d, xt_rx_fn cb, void *arg, unsigned max)
{
	struct defer_priv *p = d->priv;
	int n;

	n = p->inner->ops->rx_burst(p->inner, cb, arg, max);
	if (n > 0)
		d->rx_frames += (uint64_t)n;
	return (n);
}

static int
defer_tx_burst(struct xt_dev *d, const struct iovec *frames, unsigned n)
{
	struct defer_priv *p = d->priv;
	struct defer_slot *s;
	unsigned i, took = 0, was = p->n;
	uint8_t *nb;

	for (i = 0; i < n; i++) {
		if (p->n == XT_DEFER_QLEN) {
			d->tx_drops++;
			continue;
		}
		s = &p->q[(p->head + p->n) % XT_DEFER_QLEN];
		if (s->cap < frames[i].iov_len) {
			if ((nb = realloc(s->buf, frames[i].iov_len)) == NULL) {
				d->tx_drops++;
				continue;
			}
			s->buf = nb;
			s->cap = frames[i].iov_len;
		}
		memcpy(s->buf, frames[i].iov_base, frames[i].iov_len);
		s->len = frames[i].iov_len;
		p->n++;
		took++;
	}
	if (was == 0 && p->n > 0 && p->kick != NULL)
		p->kick(p->arg);
	return ((int)took);
}

void
xt_dev_defer_flush(struct xt_dev *d)
{
	struct defer_priv *p;
	struct iovec v[XT_DEFER_BATCH];
	unsigned k, i;
	int sent;

	if (d == NULL || d->ops->tx_burst != defer_tx_burst)
		return;
	p = d->priv;
	while (p->n > 0) {
		for (k = 0; k < XT_DEFER_BATCH && k < p->n; k++) {
			i = (p->head + k) % XT_DEFER_QLEN;
			v[k].iov_base = p->q[i].buf;
			v[k].iov_len = p->q[i].len;
		}
		sent = p->inner->ops->tx_burst(p->inner, v, k);
		if (sent > 0)
			d->tx_frames += (uint64_t)sent;
		if (sent < (int)k)
			d->tx_drops += k - (unsigned)(sent > 0 ? sent : 0);
		p->head = (p->head + k) % XT_DEFER_QLEN;
		p->n -= k;
	}
	p->head = 0;
}

static int
defer_wait_fd(struct xt_dev *d)
{
	struct defer_priv *p = d->priv;

	return (p->inner->ops->wait_fd(p->inner));
}

static unsigned
defer_fds(const struct xt_dev *d, int *all)
{
	const struct defer_priv *p = d->priv;

	return (p->inner->ops->fds != NULL ? p->inner->ops->fds(p->inner,
	    all) : 0);
}

/* The wrapper only: the inner device is its owner's. */
static void
defer_close(struct xt_dev *d)
{
	struct defer_priv *p;
	unsigned i;

	if (d == NULL)
		return;
	p = d->priv;
	for (i = 0; i < XT_DEFER_QLEN; i++)
		free(p->q[i].buf);
	free(p);
}

static const struct xt_dev_ops defer_ops = {
	.name = "defer",
	.rx_burst = defer_rx_burst,
	.tx_burst = defer_tx_burst,
	.wait_fd = defer_wait_fd,
	.fds = defer_fds,
	.close = defer_close,
};

int
xt_dev_defer_new(struct xt_dev *inner, xt_defer_kick_fn kick, void *arg,
    struct xt_dev **out)
{
	struct defer_priv *p;

	if (inner == NULL || out == NULL)
		return (XT_EINVAL);
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (XT_ENOMEM);
	p->inner = inner;
	p->kick = kick;
	p->arg = arg;
	p->dev.ops = &defer_ops;
	memcpy(p->dev.mac, inner->mac, sizeof(p->dev.mac));
	p->dev.mtu = inner->mtu;
	p->dev.caps = inner->caps;
	p->dev.priv = p;
	*out = &p->dev;
	return (XT_OK);
}

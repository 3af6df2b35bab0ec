/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dev_tap_uring.c - the TAP backend's io_uring driver: a receive ring
 * that keeps a read outstanding on every buffer and signals completions
 * through an eventfd, and a transmit ring that writes a burst and waits
 * for it.  dev_tap.c opens the device and calls in here when io_uring is
 * usable (xt_tap_uring_init), else it reads and writes the descriptor
 * itself.
 *
 * Receive path (io_uring).  One ring owns XT_TAP_NBUF buffers of
 * XT_TAP_BUFSZ bytes, each with an IORING_OP_READ outstanding on the TAP
 * descriptor.  An eventfd registered with the ring becomes readable when a
 * completion is posted; it is what wait_fd() returns.  rx_burst() clears
 * the eventfd first (so that a completion posted while we work rings it
 * again), reaps completions without blocking, hands each frame to the
 * callback, re-arms the read for that buffer and submits once at the end;
 * if it stopped at max with completions left, it rings the eventfd itself
 * so a level-triggered watcher comes back.  A read that ends in EAGAIN (a
 * kernel whose io_uring does not wait on a non-blocking TAP) or in another
 * error is re-armed behind a one-shot poll (IORING_OP_POLL_ADD linked to
 * the read), so it cannot spin; errors are counted.  After
 * XT_TAP_DEADRUN hard errors in a row with no frame in between (the
 * interface was deleted under us) the reads are no longer re-armed, so
 * the eventfd goes quiet, and rx_burst returns XT_EIO.  Frames handed to
 * the callback live in our buffers and are valid only during the
 * callback; the callback must not call rx_burst on the same device (it
 * may call tx_burst).
 *
 * Transmit path (io_uring).  A second ring, without an eventfd, so that
 * transmit completions are never mistaken for received frames:
 * tx_burst() queues one IORING_OP_WRITEV per frame, submits them and waits
 * for all their completions, so the caller's buffers are free when it
 * returns (phy.h copy policy).  A TAP write does not block (the kernel
 * copies the frame into a new buffer), so the wait is short.  A frame the
 * kernel refuses is dropped and counted in tx_drops.
 *
 * Threads.  The caller serialises all calls on one device (the engine's
 * lock).  Reads submitted by a thread complete through that thread's
 * task_work, which the kernel runs when the thread next enters or leaves
 * the kernel (we do not use IORING_SETUP_COOP_TASKRUN, so a sleeping
 * thread is woken for it); a read whose submitting thread exits is
 * cancelled and simply re-armed.
 *
 * Like dev_tap.c this runs inside the LD_PRELOAD shim: nothing here
 * logs, exits or calls an interposed libc name (liburing makes raw
 * system calls of its own).
 *
 * References: io_uring_enter(2), io_uring_register(2)
 * (IORING_REGISTER_EVENTFD), io_uring_prep_read(3),
 * io_uring_prep_poll_add(3) (IOSQE_IO_LINK), io_uring_prep_cancel64(3);
 * eventfd(2).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>

#include <liburing.h>

#include "xt_err.h"
#include "dev/dev_sys.h"
#include "dev/tap_state.h"

#define XT_TAP_RX_SQ	(2 * XT_TAP_NBUF)	/* a read may sit behind a
						 * poll: two entries each */
#define XT_TAP_TX_SQ	64		/* writes per submission */
#define XT_TAP_WAITMAX	10000		/* interrupted waits, max */
#define XT_TAP_CLOSE_MS	1000		/* close(): wait, ms */

/* user_data of a receive-ring entry: kind << 32 | buffer index */
#define XT_TAP_UD_READ		0ULL
#define XT_TAP_UD_POLL		1ULL
#define XT_TAP_UD_CANCEL	2ULL
#define XT_TAP_UD(kind, i)	((kind) << 32 | (uint64_t)(i))
#define XT_TAP_UD_KIND(ud)	((ud) >> 32)
#define XT_TAP_UD_BUF(ud)	((unsigned)((ud) & 0xffffffffULL))

/* state of one receive buffer */
#define XT_TAP_BUF_IDLE		0	/* no read queued: arm later */
#define XT_TAP_BUF_ARMED	1	/* read queued or in flight */

static int	tap_uring_ops_ok(struct io_uring *);
static int	tap_rx_arm(struct tap_priv *, unsigned, int);
static void	tap_rx_arm_idle(struct tap_priv *);
static void	tap_rx_submit(struct tap_priv *);
static void	tap_rx_cancel_all(struct tap_priv *);
static void	tap_efd_drain(struct tap_priv *);
static void	tap_efd_ring(struct tap_priv *);

/* The kernel knows the operations we use (reads need Linux 5.6). */
static int
tap_uring_ops_ok(struct io_uring *ring)
{
	struct io_uring_probe *pb;
	int ok;

	if ((pb = io_uring_get_probe_ring(ring)) == NULL)
		return (0);
	ok = io_uring_opcode_supported(pb, IORING_OP_READ) &&
	    io_uring_opcode_supported(pb, IORING_OP_WRITEV) &&
	    io_uring_opcode_supported(pb, IORING_OP_POLL_ADD) &&
	    io_uring_opcode_supported(pb, IORING_OP_ASYNC_CANCEL);
	io_uring_free_probe(pb);
	return (ok);
}

/*
 * Both rings, the eventfd, and a read on every buffer.  0, or -1 with
 * everything released (the caller then uses read/write).
 */
int
xt_tap_uring_init(struct tap_priv *p)
{
	unsigned i;

	if (io_uring_queue_init(XT_TAP_RX_SQ, &p->rx_ring, 0) < 0)
		goto fail;
	p->rx_ring_up = 1;
	if (!tap_uring_ops_ok(&p->rx_ring))
		goto fail;
	if (io_uring_queue_init(XT_TAP_TX_SQ, &p->tx_ring, 0) < 0)
		goto fail;
	p->tx_ring_up = 1;
	if ((p->efd = sys_eventfd()) == -1)
		goto fail;
	if (io_uring_register_eventfd(&p->rx_ring, p->efd) < 0)
		goto fail;
	p->rxbuf = malloc((size_t)XT_TAP_NBUF * XT_TAP_BUFSZ);
	if (p->rxbuf == NULL)
		goto fail;
	for (i = 0; i < XT_TAP_NBUF; i++)
		if (tap_rx_arm(p, i, 0) == -1)
			goto fail;
	if (io_uring_submit(&p->rx_ring) != (int)p->rx_queued)
		goto fail;
	p->rx_queued = 0;
	p->uring = 1;
	return (0);
fail:
	xt_tap_uring_fini(p);
	return (-1);
}

/* Release the rings, the eventfd and the buffers (reads cancelled first). */
void
xt_tap_uring_fini(struct tap_priv *p)
{
	int leak = 0;

	if (p->rx_ring_up) {
		if (p->rx_armed > 0)
			tap_rx_cancel_all(p);
		/* a read still out could land in rxbuf: keep it */
		leak = p->rx_armed > 0;
		io_uring_queue_exit(&p->rx_ring);
		p->rx_ring_up = 0;
	}
	if (p->tx_ring_up) {
		io_uring_queue_exit(&p->tx_ring);
		p->tx_ring_up = 0;
	}
	if (p->efd != -1) {
		(void)sys_close(p->efd);
		p->efd = -1;
	}
	if (!leak)
		free(p->rxbuf);
	p->rxbuf = NULL;
	p->rx_armed = 0;
	p->rx_queued = 0;
	p->uring = 0;
}

/*
 * Queue a read into buffer i, behind a one-shot POLLIN poll if
 * behind_poll (after EAGAIN or an error, so a failing read cannot spin).
 * Not submitted yet.  0, or -1 if the ring has no room (the buffer stays
 * idle and is tried again at the next burst).
 */
static int
tap_rx_arm(struct tap_priv *p, unsigned i, int behind_poll)
{
	struct io_uring_sqe *sqe, *rsqe;
	uint8_t *buf = p->rxbuf + (size_t)i * XT_TAP_BUFSZ;

	if (io_uring_sq_space_left(&p->rx_ring) < (behind_poll ? 2u : 1u))
		return (-1);
	if (behind_poll) {
		sqe = io_uring_get_sqe(&p->rx_ring);
		io_uring_prep_poll_add(sqe, p->fd, POLLIN);
		io_uring_sqe_set_data64(sqe, XT_TAP_UD(XT_TAP_UD_POLL, i));
		io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK);
		p->rx_queued++;
	}
	rsqe = io_uring_get_sqe(&p->rx_ring);
	io_uring_prep_read(rsqe, p->fd, buf, XT_TAP_BUFSZ, 0);
	io_uring_sqe_set_data64(rsqe, XT_TAP_UD(XT_TAP_UD_READ, i));
	p->rx_queued++;
	p->rx_state[i] = XT_TAP_BUF_ARMED;
	p->rx_armed++;
	return (0);
}

/* Arm buffers left idle by a full ring or a failed submission. */
static void
tap_rx_arm_idle(struct tap_priv *p)
{
	unsigned i;

	if (p->rx_armed == XT_TAP_NBUF || p->rx_dead)
		return;
	for (i = 0; i < XT_TAP_NBUF; i++)
		if (p->rx_state[i] == XT_TAP_BUF_IDLE &&
		    tap_rx_arm(p, i, 1) == -1)
			break;
}

/*
 * Submit what rx_burst queued.  Entries the kernel did not take stay in
 * the ring and go with the next submission; if no read is in flight to
 * bring us back, ring the eventfd ourselves.
 */
static void
tap_rx_submit(struct tap_priv *p)
{
	int r;

	if (p->rx_queued == 0)
		return;
	r = io_uring_submit(&p->rx_ring);
	if (r > 0)
		p->rx_queued -= (unsigned)r < p->rx_queued ? (unsigned)r :
		    p->rx_queued;
	if (r >= 0 && p->rx_queued == 0)
		return;
	p->rx_errors++;
	if (++p->rx_hardrun >= XT_TAP_DEADRUN)
		p->rx_dead = 1;		/* the ring is unusable */
	else if (io_uring_cq_ready(&p->rx_ring) == 0)
		tap_efd_ring(p);
}

/*
 * close(): cancel every outstanding read (and the poll it may wait
 * behind) and collect the completions, for at most XT_TAP_CLOSE_MS.
 */
static void
tap_rx_cancel_all(struct tap_priv *p)
{
	struct __kernel_timespec ts;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	uint64_t ud;
	unsigned i, k, tries;

	for (i = 0; i < XT_TAP_NBUF; i++) {
		if (p->rx_state[i] != XT_TAP_BUF_ARMED)
			continue;
		for (k = 0; k < 2; k++) {
			if ((sqe = io_uring_get_sqe(&p->rx_ring)) == NULL) {
				(void)io_uring_submit(&p->rx_ring);
				if ((sqe = io_uring_get_sqe(&p->rx_ring)) ==
				    NULL)
					break;
			}
			io_uring_prep_cancel64(sqe, XT_TAP_UD(k == 0 ?
			    XT_TAP_UD_READ : XT_TAP_UD_POLL, i), 0);
			io_uring_sqe_set_data64(sqe,
			    XT_TAP_UD(XT_TAP_UD_CANCEL, i));
		}
	}
	(void)io_uring_submit(&p->rx_ring);
	ts.tv_sec = 0;
	ts.tv_nsec = 10 * 1000 * 1000;
	for (tries = 0; p->rx_armed > 0 && tries < XT_TAP_CLOSE_MS / 10;
	    tries++) {
		if (io_uring_wait_cqe_timeout(&p->rx_ring, &cqe, &ts) != 0)
			continue;
		ud = cqe->user_data;
		io_uring_cqe_seen(&p->rx_ring, cqe);
		tries = 0;	/* progress: the bound is on idle waits */
		if (XT_TAP_UD_KIND(ud) != XT_TAP_UD_READ)
			continue;
		i = XT_TAP_UD_BUF(ud);
		if (i < XT_TAP_NBUF && p->rx_state[i] == XT_TAP_BUF_ARMED) {
			p->rx_state[i] = XT_TAP_BUF_IDLE;
			p->rx_armed--;
		}
	}
}

/* Clear the eventfd counter (non-blocking; nothing to read is fine). */
static void
tap_efd_drain(struct tap_priv *p)
{
	uint64_t v;

	(void)sys_read(p->efd, &v, sizeof(v));
}

/* Make the eventfd readable: there is work the kernel did not signal. */
static void
tap_efd_ring(struct tap_priv *p)
{
	uint64_t one = 1;

	(void)sys_write(p->efd, &one, sizeof(one));
}

int
xt_tap_rx_uring(struct tap_priv *p, xt_rx_fn cb, void *arg, unsigned max)
{
	struct io_uring_cqe *cqe;
	uint64_t ud;
	unsigned i;
	int res, delivered = 0;

	tap_efd_drain(p);
	tap_rx_arm_idle(p);
	while ((unsigned)delivered < max &&
	    io_uring_peek_cqe(&p->rx_ring, &cqe) == 0) {
		ud = cqe->user_data;
		res = cqe->res;
		io_uring_cqe_seen(&p->rx_ring, cqe);
		i = XT_TAP_UD_BUF(ud);
		/* a poll's outcome shows in its linked read's */
		if (XT_TAP_UD_KIND(ud) != XT_TAP_UD_READ || i >= XT_TAP_NBUF ||
		    p->rx_state[i] != XT_TAP_BUF_ARMED)
			continue;
		p->rx_state[i] = XT_TAP_BUF_IDLE;
		p->rx_armed--;
		if (res > 0) {
			p->rx_hardrun = 0;
			delivered += tap_deliver(p, p->rxbuf +
			    (size_t)i * XT_TAP_BUFSZ, (size_t)res, cb, arg);
			(void)tap_rx_arm(p, i, 0);
			continue;
		}
		if (res == -EAGAIN || res == -EINTR || res == -ECANCELED) {
			/* nothing yet, or the submitting thread exited */
			p->rx_again++;
			(void)tap_rx_arm(p, i, 1);
			continue;
		}
		p->rx_errors++;		/* EBADFD: interface deleted */
		if (++p->rx_hardrun >= XT_TAP_DEADRUN)
			p->rx_dead = 1;
		else
			(void)tap_rx_arm(p, i, 1);
	}
	tap_rx_submit(p);
	if (io_uring_cq_ready(&p->rx_ring) > 0)
		tap_efd_ring(p);	/* stopped at max: come back */
	if (delivered == 0 && p->rx_dead)
		return (XT_EIO);
	return (delivered);
}

/*
 * Send frames[0..n) through the tx ring.  *donep gets how many frames were
 * dealt with (sent or dropped); fewer than n only if the ring failed, in
 * which case p->tx_broken is set and the caller writes the rest with
 * write(2).  Returns frames sent.
 *
 * Entries the kernel did not take stay in the ring; a later submission
 * would send them after the caller has reused the buffers, so after a
 * failure the ring is never entered again.  A write that was submitted
 * but whose completion could not be collected (XT_TAP_WAITMAX interrupted
 * waits in a row; not seen in practice: a TAP write completes during the
 * submission) is counted as dropped.
 */
int
xt_tap_tx_uring(struct tap_priv *p, const struct iovec *frames, unsigned n,
    unsigned *donep, int *hardp)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	uint64_t k;
	unsigned done = 0, chunk, i, submitted, reaped, waits;
	int r, sent = 0;

	while (done < n) {
		chunk = n - done;
		if (chunk > XT_TAP_TX_SQ)
			chunk = XT_TAP_TX_SQ;
		for (i = 0; i < chunk; i++) {
			/* the ring is empty between bursts: never NULL */
			if ((sqe = io_uring_get_sqe(&p->tx_ring)) == NULL)
				break;
			io_uring_prep_writev(sqe, p->fd, &frames[done + i], 1,
			    0);
			io_uring_sqe_set_data64(sqe, (uint64_t)(done + i));
		}
		chunk = i;

		submitted = 0;
		r = io_uring_submit_and_wait(&p->tx_ring, chunk);
		if (r > 0)
			submitted = (unsigned)r;
		for (waits = 0; submitted < chunk && waits < XT_TAP_WAITMAX;
		    waits++) {
			/* a short count: the kernel stopped at an entry */
			r = io_uring_submit(&p->tx_ring);
			if (r > 0)
				submitted += (unsigned)r;
			else if (r != -EINTR && r != -EAGAIN)
				break;
		}

		/* One completion per submitted write, in any order. */
		for (reaped = 0, waits = 0; reaped < submitted &&
		    waits < XT_TAP_WAITMAX; ) {
			if (io_uring_wait_cqe(&p->tx_ring, &cqe) != 0) {
				waits++;	/* -EINTR: a signal */
				continue;
			}
			k = cqe->user_data;
			if (cqe->res >= 0 && k < n &&
			    (size_t)cqe->res == frames[k].iov_len)
				sent++;
			else if (tap_tx_drop(p, cqe->res < 0 ? -cqe->res : 0))
				*hardp = 1;
			io_uring_cqe_seen(&p->tx_ring, cqe);
			reaped++;
		}
		done += submitted;
		if (submitted < chunk || reaped < submitted) {
			p->dev.tx_drops += submitted - reaped;
			p->tx_errors++;
			p->tx_broken = 1;
			break;
		}
	}
	*donep = done;
	return (sent);
}

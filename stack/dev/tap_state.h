/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tap_state.h - private to the TAP backend, shared by its two files:
 * dev_tap.c (attaching, offload settings, the plain read/write path, the
 * device ops) and dev_tap_uring.c (the io_uring rings, called from
 * dev_tap.c only).  It holds the device's state, the sizes both paths
 * use, the raw system calls both make, the two steps both datapaths take
 * per frame (delivering a read, counting a refused write), and the
 * io_uring driver's entry points.  Nothing outside stack/dev/ includes
 * it; the backend's public face is phy.h.
 */
#ifndef XT_DEV_TAP_STATE_H
#define XT_DEV_TAP_STATE_H

#include <sys/types.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "config.h"		/* HAVE_LIBURING */
#ifdef HAVE_LIBURING
#include <liburing.h>
#endif

#include "dev/phy.h"

#define XT_TAP_NBUF	32		/* reads outstanding (rx ring) */
#define XT_TAP_BUFSZ	(65536 + 512)	/* receive buffer: 64 KB IPv4
					 * super-frame + Ethernet and
					 * virtio-net headers, rounded up */
#define XT_TAP_DEADRUN	(4 * XT_TAP_NBUF)	/* hard read errors in a
						 * row: device gone */

struct tap_priv {
	struct xt_dev	dev;		/* handed out to the caller */
	int		fd;		/* TAP descriptor, non-blocking */
	int		efd;		/* rx ring's eventfd, or -1 */
	int		vnet;		/* IFF_VNET_HDR: frames carry
					 * a struct xt_vnet_hdr both ways */
	int		uring;		/* io_uring, else read/write */
	int		rx_ring_up;	/* rx_ring initialised */
	int		tx_ring_up;	/* tx_ring initialised */
	int		tx_broken;	/* tx_ring failed: use write(2) */
	int		rx_dead;	/* device gone: no more reads;
					 * plain: fd is a quiet eventfd */
#ifdef HAVE_LIBURING
	struct io_uring	rx_ring;
	struct io_uring	tx_ring;
#endif
	uint8_t		*rxbuf;	/* NBUF (uring) or 1 buffer */
	uint8_t		rx_state[XT_TAP_NBUF];	/* XT_TAP_BUF_* */
	unsigned	rx_armed;	/* buffers in XT_TAP_BUF_ARMED */
	unsigned	rx_queued;	/* entries queued since last submit */
	unsigned	rx_hardrun;	/* hard read errors in a row */
	uint64_t	rx_trunc;	/* dropped: did not fit / runt */
	uint64_t	rx_again;	/* reads that ended in EAGAIN/cancel */
	uint64_t	rx_errors;	/* failed reads, submissions */
	uint64_t	tx_errors;	/* dropped: hard errors */
	char		ifname[IFNAMSIZ];	/* the kernel's name */
};

/*
 * Raw system calls both files make.  The shim interposes the libc names;
 * going through syscall(2) guarantees these never come back into it.
 */
static inline ssize_t
sys_read(int fd, void *buf, size_t len)
{
	return ((ssize_t)syscall(SYS_read, fd, buf, len));
}

static inline ssize_t
sys_write(int fd, const void *buf, size_t len)
{
	return ((ssize_t)syscall(SYS_write, fd, buf, len));
}

static inline int
sys_eventfd(void)
{
	return ((int)syscall(SYS_eventfd2, 0, EFD_NONBLOCK | EFD_CLOEXEC));
}

/*
 * Hand one read result (len bytes at b, virtio-net header first if
 * p->vnet) to cb.  Returns 1 if delivered, 0 if dropped (counted).
 */
static inline int
tap_deliver(struct tap_priv *p, const uint8_t *b, size_t len, xt_rx_fn cb,
    void *arg)
{
	struct xt_vnet_hdr vh;
	unsigned flags = 0;

	if (len > XT_TAP_BUFSZ) {
		p->rx_trunc++;		/* the kernel had more */
		return (0);
	}
	if (p->vnet) {
		/* strip the virtio-net header into flags */
		if (len < XT_VNET_HDR_LEN) {
			p->rx_trunc++;
			return (0);
		}
		memcpy(&vh, b, sizeof(vh));
		if (vh.flags & XT_VNET_F_NEEDS_CSUM)
			flags |= XT_RXF_CSUM_PARTIAL;
		if (vh.flags & XT_VNET_F_DATA_VALID)
			flags |= XT_RXF_CSUM_VALID;
		b += XT_VNET_HDR_LEN;
		len -= XT_VNET_HDR_LEN;
	}
	p->dev.rx_frames++;
	cb(arg, b, len, flags);
	return (1);
}

/* Count a frame the kernel refused (e = its errno); 1 if a hard error. */
static inline int
tap_tx_drop(struct tap_priv *p, int e)
{
	p->dev.tx_drops++;
	if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS || e == EINTR ||
	    e == EMSGSIZE || e == 0)
		return (0);
	p->tx_errors++;		/* EIO: interface down; EBADFD: gone */
	return (1);
}

/* dev_tap_uring.c: both rings, the eventfd and a read on every buffer;
 * 0, or -1 with everything released (the caller then uses read/write).
 * Built --without-liburing, dev_tap_nouring.c stands in: init fails, so
 * the device always takes the read/write path. */
int	xt_tap_uring_init(struct tap_priv *p);
/* dev_tap_uring.c: release what xt_tap_uring_init set up. */
void	xt_tap_uring_fini(struct tap_priv *p);
/* dev_tap_uring.c: rx_burst and (part of) tx_burst with the rings. */
int	xt_tap_rx_uring(struct tap_priv *p, xt_rx_fn cb, void *arg,
	    unsigned max);
int	xt_tap_tx_uring(struct tap_priv *p, const struct iovec *frames,
	    unsigned n, unsigned *donep, int *hardp);

#endif /* XT_DEV_TAP_STATE_H */

/*
 * dev_tap.c - TAP device backend: whole Ethernet frames through a TAP
 * interface (/dev/net/tun, IFF_TAP), read and written with io_uring.
 *
 * Attaching.  TUNSETIFF attaches the descriptor to the interface ifname.
 * A persistent TAP made with `ip tuntap add dev NAME mode tap user USER`
 * can be attached by USER without any capability: that is the point of
 * this backend (AF_PACKET needs CAP_NET_RAW).  If no interface of that
 * name exists and the caller has CAP_NET_ADMIN, TUNSETIFF creates a
 * non-persistent one that lives as long as our descriptor; it has no
 * address and is down on the kernel side, which is the caller's business.
 * The kernel side of the TAP has its own MAC; ours (d->mac) is another
 * one, given by the caller or made up (random, locally administered).
 *
 * Offload.  Unless XT_DEVOPEN_NO_OFFLOAD, the descriptor is opened with
 * IFF_VNET_HDR and every frame, both ways, starts with a 10-byte
 * virtio-net header (struct xt_vnet_hdr).  TUNSETOFFLOAD tells the kernel
 * what we accept on receive: partial checksums (TUN_F_CSUM) and TCPv4
 * super-frames (TUN_F_TSO4, TUN_F_TSO_ECN); on transmit the header lets us
 * hand the kernel 64 KB TSO super-frames with the checksum left to it.
 * The settings belong to the interface and outlive our descriptor on a
 * persistent TAP, so they are set on every attach, and cleared (offload 0)
 * when we attach without the header: otherwise a later plain attach would
 * receive super-frames it cannot tell from corrupt ones.  If the kernel
 * refuses the offload settings we reattach without the header.
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
 * Without io_uring (io_uring_queue_init fails: io_uring disabled by the
 * kernel.io_uring_disabled sysctl or a seccomp filter, or the kernel lacks
 * the operations we use) the backend reads and writes the non-blocking
 * TAP descriptor directly and wait_fd() is that descriptor.
 * xt_dev_tap_uses_uring() tells which; nothing here logs.  A TAP
 * descriptor whose interface was deleted polls readable (POLLERR) for
 * ever; after XT_TAP_DEADRUN failed reads in a row an eventfd that never
 * becomes readable is put in its place (same number, so the caller's
 * watcher stays valid) and the device only drops from then on.
 *
 * Threads.  The caller serialises all calls on one device (the engine's
 * lock).  Reads submitted by a thread complete through that thread's
 * task_work, which the kernel runs when the thread next enters or leaves
 * the kernel (we do not use IORING_SETUP_COOP_TASKRUN, so a sleeping
 * thread is woken for it); a read whose submitting thread exits is
 * cancelled and simply re-armed.
 *
 * This file runs inside the LD_PRELOAD shim: our own kernel calls go
 * through syscall(2) (liburing makes raw system calls of its own), and
 * every entry point leaves errno as it found it.  Nothing here logs or
 * exits; results are xt_err codes.
 *
 * References: Documentation/networking/tuntap.rst; include/uapi/linux/
 * if_tun.h (TUNSETIFF, TUNSETVNETHDRSZ, TUNSETOFFLOAD, TUN_F_*); virtio
 * 1.x §5.1.6 (struct virtio_net_hdr, legacy layout); io_uring_enter(2),
 * io_uring_register(2) (IORING_REGISTER_EVENTFD); eventfd(2); RFC 894
 * (IPv4 over Ethernet).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include <liburing.h>

#include "xt_err.h"
#include "dev/dev_sys.h"
#include "dev/phy.h"

#define XT_TAP_PATH	"/dev/net/tun"
#define XT_TAP_NBUF	32		/* reads outstanding (rx ring) */
#define XT_TAP_BUFSZ	(65536 + 512)	/* receive buffer: 64 KB IPv4
					 * super-frame + Ethernet and
					 * virtio-net headers, rounded up */
#define XT_TAP_RX_SQ	(2 * XT_TAP_NBUF)	/* a read may sit behind a
						 * poll: two entries each */
#define XT_TAP_TX_SQ	64		/* writes per submission */
#define XT_TAP_DEADRUN	(4 * XT_TAP_NBUF)	/* hard read errors in a
						 * row: device gone */
#define XT_TAP_WAITMAX	10000		/* interrupted waits, max */
#define XT_TAP_CLOSE_MS	1000		/* close(): wait, ms */
#define XT_TAP_OFFLOAD	(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO_ECN)

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
	struct io_uring	rx_ring;
	struct io_uring	tx_ring;
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

static int	sys_open_rw(const char *);
static int	sys_ioctl_val(int, unsigned long, unsigned long);
static ssize_t	sys_read(int, void *, size_t);
static ssize_t	sys_write(int, const void *, size_t);
static ssize_t	sys_writev(int, const struct iovec *, int);
static int	sys_dup3(int, int);
static int	sys_eventfd(void);
static int	sys_getrandom(void *, size_t);

static enum xt_err	tap_errno(int);
static enum xt_err	tap_ifexists(int, const char *, int *);
static enum xt_err	tap_attach(const char *, int, int, int *, char *);
static int	tap_offload(int);
static enum xt_err	tap_random_mac(uint8_t *);
static enum xt_err	tap_ifmtu(int, const char *, uint32_t *);
static int	tap_uring_ops_ok(struct io_uring *);
static int	tap_uring_init(struct tap_priv *);
static void	tap_uring_fini(struct tap_priv *);
static int	tap_rx_arm(struct tap_priv *, unsigned, int);
static void	tap_rx_arm_idle(struct tap_priv *);
static void	tap_rx_submit(struct tap_priv *);
static void	tap_rx_cancel_all(struct tap_priv *);
static void	tap_efd_drain(struct tap_priv *);
static void	tap_efd_ring(struct tap_priv *);
static int	tap_deliver(struct tap_priv *, const uint8_t *, size_t,
		    xt_rx_fn, void *);
static int	tap_rx_uring(struct tap_priv *, xt_rx_fn, void *, unsigned);
static void	tap_plain_quiet(struct tap_priv *);
static int	tap_rx_plain(struct tap_priv *, xt_rx_fn, void *, unsigned);
static int	tap_rx_burst(struct xt_dev *, xt_rx_fn, void *, unsigned);
static int	tap_tx_drop(struct tap_priv *, int);
static int	tap_tx_uring(struct tap_priv *, const struct iovec *,
		    unsigned, unsigned *, int *);
static int	tap_tx_plain(struct tap_priv *, const struct iovec *,
		    unsigned, int *);
static int	tap_tx_burst(struct xt_dev *, const struct iovec *, unsigned);
static int	tap_wait_fd(struct xt_dev *);
static unsigned	tap_fds(const struct xt_dev *, int *);
static void	tap_close(struct xt_dev *);

static const struct xt_dev_ops tap_ops = {
	.name = "tap",
	.rx_burst = tap_rx_burst,
	.tx_burst = tap_tx_burst,
	.wait_fd = tap_wait_fd,
	.fds = tap_fds,
	.close = tap_close,
};

/*
 * Raw system calls.  The shim interposes the libc names; going through
 * syscall(2) guarantees these never come back into it.
 */
static int
sys_open_rw(const char *path)
{
	return ((int)syscall(SYS_openat, AT_FDCWD, path,
	    O_RDWR | O_NONBLOCK | O_CLOEXEC, 0));
}

/* For the TUN ioctls that take their argument by value (TUNSETOFFLOAD). */
static int
sys_ioctl_val(int fd, unsigned long req, unsigned long val)
{
	return ((int)syscall(SYS_ioctl, fd, req, val));
}

static ssize_t
sys_read(int fd, void *buf, size_t len)
{
	return ((ssize_t)syscall(SYS_read, fd, buf, len));
}

static ssize_t
sys_write(int fd, const void *buf, size_t len)
{
	return ((ssize_t)syscall(SYS_write, fd, buf, len));
}

static ssize_t
sys_writev(int fd, const struct iovec *iov, int n)
{
	return ((ssize_t)syscall(SYS_writev, fd, iov, n));
}

static int
sys_dup3(int oldfd, int newfd)
{
	return ((int)syscall(SYS_dup3, oldfd, newfd, O_CLOEXEC));
}

static int
sys_eventfd(void)
{
	return ((int)syscall(SYS_eventfd2, 0, EFD_NONBLOCK | EFD_CLOEXEC));
}

static int
sys_getrandom(void *buf, size_t len)
{
	return ((int)syscall(SYS_getrandom, buf, len, 0));
}

/* The open path's errno -> xt_err mapping (see phy.h). */
static enum xt_err
tap_errno(int e)
{
	switch (e) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return (XT_ENODEV);
	case EPERM:
	case EACCES:
		return (XT_EPERM);
	case ENOMEM:
		return (XT_ENOMEM);
	default:
		return (XT_EIO);
	}
}

/*
 * Does an interface called ifname exist?  Asked before TUNSETIFF, whose
 * EPERM means either "not yours to attach" or "does not exist and you may
 * not create it".  s is an AF_INET datagram socket (-1: cannot tell, say
 * yes).
 */
static enum xt_err
tap_ifexists(int s, const char *ifname, int *existsp)
{
	struct ifreq ifr;

	*existsp = 1;
	if (s == -1)
		return (XT_OK);
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname));	/* < IFNAMSIZ */
	if (sys_ioctl(s, SIOCGIFINDEX, &ifr) == -1) {
		if (errno != ENODEV && errno != ENXIO)
			return (XT_OK);		/* cannot tell */
		*existsp = 0;
	}
	return (XT_OK);
}

/*
 * Open /dev/net/tun and attach to ifname as a TAP without packet
 * information, with the virtio-net header if vnet.  The kernel's name for
 * the interface goes to kname (IFNAMSIZ bytes).
 */
static enum xt_err
tap_attach(const char *ifname, int vnet, int exists, int *fdp, char *kname)
{
	struct ifreq ifr;
	enum xt_err err;
	int fd;

	*fdp = -1;
	if ((fd = sys_open_rw(XT_TAP_PATH)) == -1)
		return (tap_errno(errno));
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname));	/* < IFNAMSIZ */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0);
	if (sys_ioctl(fd, TUNSETIFF, &ifr) == -1) {
		switch (errno) {
		case EPERM:
		case EACCES:
			/* not the owner, or no CAP_NET_ADMIN to create */
			err = exists ? XT_EPERM : XT_ENODEV;
			break;
		case EINVAL:
			/* exists but is not a TAP (a TUN, a veth, ...) or
			 * has flags we do not ask for (multi-queue) */
			err = XT_ENODEV;
			break;
		default:
			/* EBUSY: attached elsewhere */
			err = tap_errno(errno);
			break;
		}
		(void)sys_close(fd);
		return (err);
	}
	memcpy(kname, ifr.ifr_name, IFNAMSIZ);
	kname[IFNAMSIZ - 1] = '\0';
	*fdp = fd;
	return (XT_OK);
}

/*
 * The virtio-net header is XT_VNET_HDR_LEN bytes (the interface may keep a
 * larger size from an earlier user), and we take partial checksums and
 * TCPv4 super-frames on receive.  0, or -1 if the kernel refuses.
 */
static int
tap_offload(int fd)
{
	int sz = XT_VNET_HDR_LEN;

	if (sys_ioctl(fd, TUNSETVNETHDRSZ, &sz) == -1)
		return (-1);
	if (sys_ioctl_val(fd, TUNSETOFFLOAD, XT_TAP_OFFLOAD) == -1)
		return (-1);
	return (0);
}

/* A random locally administered unicast MAC (IEEE 802 §8.2.2: the U/L
 * bit 0x02 set, the I/G bit 0x01 clear in the first octet). */
static enum xt_err
tap_random_mac(uint8_t *mac)
{
	int i, r = -1;

	for (i = 0; i < 8 && r != 6; i++) {
		r = sys_getrandom(mac, 6);
		if (r == -1 && errno != EINTR)
			break;
	}
	if (r != 6)
		return (XT_EIO);
	mac[0] = (uint8_t)((mac[0] | 0x02) & ~0x01);
	return (XT_OK);
}

static enum xt_err
tap_ifmtu(int s, const char *ifname, uint32_t *mtup)
{
	struct ifreq ifr;

	if (s == -1)
		return (XT_EIO);
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strnlen(ifname, IFNAMSIZ - 1));
	if (sys_ioctl(s, SIOCGIFMTU, &ifr) == -1)
		return (tap_errno(errno));
	if (ifr.ifr_mtu <= 0)
		return (XT_EIO);
	*mtup = (uint32_t)ifr.ifr_mtu;
	return (XT_OK);
}

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
static int
tap_uring_init(struct tap_priv *p)
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
	tap_uring_fini(p);
	return (-1);
}

/* Release the rings, the eventfd and the buffers (reads cancelled first). */
static void
tap_uring_fini(struct tap_priv *p)
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

/*
 * Hand one read result (len bytes at b, virtio-net header first if
 * p->vnet) to cb.  Returns 1 if delivered, 0 if dropped (counted).
 */
static int
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

static int
tap_rx_uring(struct tap_priv *p, xt_rx_fn cb, void *arg, unsigned max)
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
 * Plain mode, device gone: put a fresh eventfd (never written, so never
 * readable) in the TAP descriptor's place, keeping its number.
 */
static void
tap_plain_quiet(struct tap_priv *p)
{
	int efd;

	if ((efd = sys_eventfd()) == -1)
		return;		/* try again after the next failures */
	if (sys_dup3(efd, p->fd) != -1)
		p->rx_dead = 1;
	(void)sys_close(efd);
}

static int
tap_rx_plain(struct tap_priv *p, xt_rx_fn cb, void *arg, unsigned max)
{
	ssize_t n;
	int delivered = 0;

	if (p->rx_dead)
		return (XT_EIO);
	while ((unsigned)delivered < max) {
		n = sys_read(p->fd, p->rxbuf, XT_TAP_BUFSZ);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				break;
			/* EBADFD: the interface was deleted */
			p->rx_errors++;
			if (++p->rx_hardrun >= XT_TAP_DEADRUN)
				tap_plain_quiet(p);
			if (delivered == 0)
				delivered = XT_EIO;
			break;
		}
		if (n == 0)
			break;
		p->rx_hardrun = 0;
		delivered += tap_deliver(p, p->rxbuf, (size_t)n, cb, arg);
	}
	return (delivered);
}

static int
tap_rx_burst(struct xt_dev *d, xt_rx_fn cb, void *arg, unsigned max)
{
	struct tap_priv *p = d->priv;
	int r, saved_errno = errno;

	if (p->uring)
		r = tap_rx_uring(p, cb, arg, max);
	else
		r = tap_rx_plain(p, cb, arg, max);
	errno = saved_errno;
	return (r);
}

/* Count a frame the kernel refused (e = its errno); 1 if a hard error. */
static int
tap_tx_drop(struct tap_priv *p, int e)
{
	p->dev.tx_drops++;
	if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS || e == EINTR ||
	    e == EMSGSIZE || e == 0)
		return (0);
	p->tx_errors++;		/* EIO: interface down; EBADFD: gone */
	return (1);
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
static int
tap_tx_uring(struct tap_priv *p, const struct iovec *frames, unsigned n,
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

/*
 * write(2) each frame.  A full queue drops the rest of the burst (the
 * next frames would meet it too); other errors drop only their frame.
 */
static int
tap_tx_plain(struct tap_priv *p, const struct iovec *frames, unsigned n,
    int *hardp)
{
	unsigned i;
	int sent = 0;

	if (p->rx_dead && !p->uring) {
		/* p->fd is no longer the TAP */
		p->dev.tx_drops += n;
		p->tx_errors += n;
		*hardp = 1;
		return (0);
	}
	for (i = 0; i < n; i++) {
		if (sys_writev(p->fd, &frames[i], 1) >= 0) {
			sent++;
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS) {
			p->dev.tx_drops += n - i;
			break;
		}
		if (tap_tx_drop(p, errno))
			*hardp = 1;
	}
	return (sent);
}

/*
 * Returns frames sent.  XT_EIO only when nothing was sent and the device
 * reported a hard error (interface down, deleted); the frames are dropped
 * anyway.
 */
static int
tap_tx_burst(struct xt_dev *d, const struct iovec *frames, unsigned n)
{
	struct tap_priv *p = d->priv;
	unsigned done = 0;
	int sent = 0, hard = 0, saved_errno = errno;

	if (p->uring && !p->tx_broken)
		sent = tap_tx_uring(p, frames, n, &done, &hard);
	if (done < n)
		sent += tap_tx_plain(p, frames + done, n - done, &hard);
	d->tx_frames += (uint64_t)sent;
	errno = saved_errno;
	if (sent == 0 && hard)
		return (XT_EIO);
	return (sent);
}

static int
tap_wait_fd(struct xt_dev *d)
{
	struct tap_priv *p = d->priv;

	return (p->uring ? p->efd : p->fd);
}

static void
tap_close(struct xt_dev *d)
{
	struct tap_priv *p;
	int saved_errno = errno;

	if (d == NULL)
		return;
	p = d->priv;
	if (p->uring)
		tap_uring_fini(p);
	else
		free(p->rxbuf);
	if (p->fd != -1)
		(void)sys_close(p->fd);
	free(p);
	errno = saved_errno;
}

int
xt_dev_tap_open(const char *ifname, const uint8_t *mac, uint32_t mtu,
    unsigned flags, struct xt_dev **out)
{
	struct tap_priv *p = NULL;
	enum xt_err err;
	int s = -1, exists, saved_errno = errno;

	if (ifname == NULL || out == NULL) {
		err = XT_EINVAL;
		goto out;
	}
	*out = NULL;
	if (ifname[0] == '\0' || strlen(ifname) >= IFNAMSIZ) {
		err = XT_ENODEV;	/* no interface can have this name */
		goto out;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		err = XT_ENOMEM;
		goto out;
	}
	p->fd = -1;
	p->efd = -1;

	/* For SIOCGIFINDEX and SIOCGIFMTU; any unprivileged socket will do. */
	s = sys_socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if ((err = tap_ifexists(s, ifname, &exists)) != XT_OK)
		goto out;

	p->vnet = !(flags & XT_DEVOPEN_NO_OFFLOAD);
	if ((err = tap_attach(ifname, p->vnet, exists, &p->fd, p->ifname)) !=
	    XT_OK)
		goto out;
	if (p->vnet && tap_offload(p->fd) == -1) {
		/* no offload here: start again without the header */
		(void)sys_close(p->fd);
		p->vnet = 0;
		if ((err = tap_attach(ifname, 0, 1, &p->fd, p->ifname)) !=
		    XT_OK)
			goto out;
	}
	if (!p->vnet)
		(void)sys_ioctl_val(p->fd, TUNSETOFFLOAD, 0);

	if (mac != NULL)
		memcpy(p->dev.mac, mac, sizeof(p->dev.mac));
	else if ((err = tap_random_mac(p->dev.mac)) != XT_OK)
		goto out;
	if (mtu == 0 && (err = tap_ifmtu(s, p->ifname, &mtu)) != XT_OK)
		goto out;
	p->dev.mtu = mtu;

	if ((flags & XT_DEVOPEN_NO_URING) || tap_uring_init(p) == -1) {
		p->rxbuf = malloc(XT_TAP_BUFSZ);
		if (p->rxbuf == NULL) {
			err = XT_ENOMEM;
			goto out;
		}
	}

	p->dev.ops = &tap_ops;
	p->dev.caps = XT_DEVCAP_RX_SUPER | (p->vnet ? XT_DEVCAP_OFFLOAD : 0);
	p->dev.priv = p;
	*out = &p->dev;
	p = NULL;
	err = XT_OK;
out:
	if (s != -1)
		(void)sys_close(s);
	if (p != NULL) {
		if (p->fd != -1)
			(void)sys_close(p->fd);
		free(p->rxbuf);
		free(p);
	}
	errno = saved_errno;
	return (err);
}

int
xt_dev_tap_uses_uring(const struct xt_dev *d)
{
	const struct tap_priv *p;

	if (d == NULL || d->ops != &tap_ops)
		return (0);
	p = d->priv;
	return (p->uring);
}

/* The TAP and, with io_uring, the eventfd and the two rings. */
static unsigned
tap_fds(const struct xt_dev *d, int *all)
{
	const struct tap_priv *p = d->priv;
	unsigned n = 0;

	all[n++] = p->fd;
	if (p->uring) {
		all[n++] = p->efd;
		all[n++] = p->rx_ring.ring_fd;
		all[n++] = p->tx_ring.ring_fd;
	}
	return (n);
}

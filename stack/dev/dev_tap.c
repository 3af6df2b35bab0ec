/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dev_tap.c - TAP device backend: whole Ethernet frames through a TAP
 * interface (/dev/net/tun, IFF_TAP), read and written with io_uring, or
 * with read/write where io_uring is not usable.  This file owns opening
 * and attaching, the offload settings, the plain read/write path, the
 * virtio-net header on receive and the device ops; the io_uring rings
 * are in dev_tap_uring.c, the state both share in tap_state.h.
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
 * Datapath.  With io_uring (dev_tap_uring.c) a receive ring keeps a
 * read outstanding on every buffer and an eventfd signals completions;
 * that eventfd is what wait_fd() returns.  A transmit ring writes a
 * burst and waits for it, so the caller's buffers are free on return
 * (phy.h copy policy).  A frame the kernel refuses is dropped and
 * counted in tx_drops.
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
 * This file runs inside the LD_PRELOAD shim: our own kernel calls go
 * through syscall(2) (liburing makes raw system calls of its own), and
 * every entry point leaves errno as it found it.  Nothing here logs or
 * exits; results are xt_err codes.
 *
 * References: Documentation/networking/tuntap.rst; include/uapi/linux/
 * if_tun.h (TUNSETIFF, TUNSETVNETHDRSZ, TUNSETOFFLOAD, TUN_F_*); virtio
 * 1.x §5.1.6 (struct virtio_net_hdr, legacy layout); eventfd(2); RFC 894
 * (IPv4 over Ethernet).  The io_uring references are in dev_tap_uring.c.
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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include "xt_err.h"
#include "xtcp.h"
#include "dev/dev_sys.h"
#include "dev/tap_state.h"

#define XT_TAP_PATH	"/dev/net/tun"
#define XT_TAP_OFFLOAD	(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO_ECN)

static int	sys_open_rw(const char *);
static int	sys_ioctl_val(int, unsigned long, unsigned long);
static ssize_t	sys_writev(int, const struct iovec *, int);
static int	sys_dup3(int, int);
static int	sys_getrandom(void *, size_t);

static enum xt_err	tap_errno(int);
static enum xt_err	tap_ifexists(int, const char *, int *);
static enum xt_err	tap_attach(const char *, int, int, int *, char *);
static int	tap_offload(int);
static enum xt_err	tap_random_mac(uint8_t *);
static enum xt_err	tap_ifmtu(int, const char *, uint32_t *);
static void	tap_plain_quiet(struct tap_priv *);
static int	tap_rx_plain(struct tap_priv *, xt_rx_fn, void *, unsigned);
static int	tap_rx_burst(struct xt_dev *, xt_rx_fn, void *, unsigned);
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
		r = xt_tap_rx_uring(p, cb, arg, max);
	else
		r = tap_rx_plain(p, cb, arg, max);
	errno = saved_errno;
	return (r);
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
		sent = xt_tap_tx_uring(p, frames, n, &done, &hard);
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
		xt_tap_uring_fini(p);
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

	if ((flags & XT_DEVOPEN_NO_URING) || xt_tap_uring_init(p) == -1) {
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
xt_dev_tap_fork_child(struct xt_dev *d)
{
	struct tap_priv *p;

	if (d == NULL || d->ops != &tap_ops)
		return (0);
	p = d->priv;
	if (!p->uring)
		return (0);
	/* the rings' receive buffers (XT_TAP_NBUF of them) hold the one
	 * buffer the plain path reads into */
	p->uring = 0;
	return (1);
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
#ifdef HAVE_LIBURING
		all[n++] = p->rx_ring.ring_fd;
		all[n++] = p->tx_ring.ring_fd;
#endif
	}
	return (n);
}

/* ---- across exec (issue 13) ---- */

/* The TAP descriptor alone: a new image reads and writes it itself, as a
 * fork child does (its io_uring rings were the old image's mappings). */
int
xt_dev_tap_export(const struct xt_dev *d, struct xtcp_dev_state *st)
{
	const struct tap_priv *p;

	if (d == NULL || st == NULL)
		return (XT_EINVAL);
	if (d->ops != &tap_ops)
		return (XT_EOPNOTSUPP);
	p = d->priv;
	memset(st, 0, sizeof(*st));
	st->kind = XT_DEVSTATE_TAP;
	st->fd = p->fd;
	st->txfd = -1;
	st->mtu = d->mtu;
	st->caps = d->caps;
	st->vnet = (uint32_t)p->vnet;
	memcpy(st->mac, d->mac, sizeof(st->mac));
	memcpy(st->ifname, p->ifname, sizeof(st->ifname));
	st->ifname[sizeof(st->ifname) - 1] = '\0';
	return (XT_OK);
}

int
xt_dev_tap_import(const struct xtcp_dev_state *st, struct xt_dev **out)
{
	struct tap_priv *p;
	struct ifreq ifr;
	int saved_errno = errno;

	if (st == NULL || out == NULL || st->kind != XT_DEVSTATE_TAP ||
	    st->fd < 0 || st->mtu == 0)
		return (XT_EINVAL);
	*out = NULL;
	/* still a descriptor attached to a TAP */
	memset(&ifr, 0, sizeof(ifr));
	if (sys_ioctl(st->fd, TUNGETIFF, &ifr) == -1 ||
	    !(ifr.ifr_flags & IFF_TAP)) {
		errno = saved_errno;
		return (XT_EINVAL);
	}
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->rxbuf = malloc(XT_TAP_BUFSZ)) == NULL) {
		free(p);
		errno = saved_errno;
		return (XT_ENOMEM);
	}
	p->fd = st->fd;
	p->efd = -1;
	p->vnet = st->vnet != 0;
	memcpy(p->ifname, st->ifname, sizeof(p->ifname));
	p->ifname[sizeof(p->ifname) - 1] = '\0';
	p->dev.ops = &tap_ops;
	p->dev.caps = st->caps;
	p->dev.mtu = st->mtu;
	memcpy(p->dev.mac, st->mac, sizeof(p->dev.mac));
	p->dev.priv = p;
	*out = &p->dev;
	errno = saved_errno;
	return (XT_OK);
}

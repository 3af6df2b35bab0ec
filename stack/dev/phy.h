/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * phy.h - the device interface: how the engine receives and transmits
 * Ethernet frames.  Backends: AF_PACKET (dev_packet.c), the in-memory
 * link used by simulations (dev_pair.c), and TAP driven with io_uring
 * (dev_tap.c, its rings in dev_tap_uring.c).
 *
 * Copy policy: a frame handed to the rx callback is borrowed from the
 * backend and is valid only during the callback; the engine copies what
 * it keeps.  Frames passed to tx_burst are copied or sent before
 * tx_burst returns, so the caller may reuse the buffers at once.
 *
 * Offload: a device with XT_DEVCAP_OFFLOAD takes frames that begin with
 * a struct xt_vnet_hdr (then the Ethernet frame), so the engine can hand
 * it 64 KB TCP super-frames and leave checksums to it; received frames
 * never carry the header (the backend strips it into XT_RXF_* flags).
 */
#ifndef XT_DEV_PHY_H
#define XT_DEV_PHY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "xt_err.h"

struct xt_dev;

/* rx flags */
#define XT_RXF_CSUM_PARTIAL	0x1	/* L4 checksum not filled in (kernel
					 * CHECKSUM_PARTIAL); trust, don't verify */
#define XT_RXF_CSUM_VALID	0x2	/* device verified the L4 checksum */

/* caps */
#define XT_DEVCAP_RX_SUPER	0x1	/* may deliver frames larger than MTU */
#define XT_DEVCAP_OFFLOAD	0x2	/* every transmitted frame starts with a
					 * struct xt_vnet_hdr: TCP checksum and
					 * segmentation (TSO) done by the device */

/*
 * The virtio-net header (virtio 1.x §5.1.6, legacy layout, host byte
 * order) that AF_PACKET (PACKET_VNET_HDR) and TAP (IFF_VNET_HDR) put in
 * front of a frame.  Offsets are from the start of the Ethernet frame.
 */
struct xt_vnet_hdr {
	uint8_t		flags;		/* XT_VNET_F_* */
	uint8_t		gso_type;	/* XT_VNET_GSO_* */
	uint16_t	hdr_len;	/* Ethernet + IP + TCP header bytes */
	uint16_t	gso_size;	/* payload bytes per segment */
	uint16_t	csum_start;	/* where the device starts summing */
	uint16_t	csum_offset;	/* checksum field, from csum_start */
};
#define XT_VNET_HDR_LEN		10
#define XT_VNET_F_NEEDS_CSUM	1	/* device fills the L4 checksum */
#define XT_VNET_F_DATA_VALID	2	/* (rx) checksum already verified */
#define XT_VNET_GSO_NONE	0
#define XT_VNET_GSO_TCPV4	1
#define XT_VNET_GSO_ECN		0x80	/* the TCP header has CWR set */

typedef void (*xt_rx_fn)(void *arg, const uint8_t *frame, size_t len,
    unsigned flags);

struct xt_dev_ops {
	const char *name;
	/* Deliver up to max pending frames to cb; returns frames delivered
	 * (0 when none is pending) or a negative xt_err.  Never blocks. */
	int	(*rx_burst)(struct xt_dev *d, xt_rx_fn cb, void *arg,
		    unsigned max);
	/* Send n frames (each one iovec holding a whole Ethernet frame);
	 * returns frames accepted (a frame that cannot be sent now is
	 * dropped and counted by the backend) or a negative xt_err. */
	int	(*tx_burst)(struct xt_dev *d, const struct iovec *frames,
		    unsigned n);
	/* fd that becomes readable when rx_burst has work; -1 if none. */
	int	(*wait_fd)(struct xt_dev *d);
	/* Every kernel descriptor the device holds, wait_fd()'s among them
	 * (at most XT_DEV_MAXFDS), into all; returns how many.  NULL: the
	 * device holds none.  Callers use xt_dev_fds(). */
	unsigned (*fds)(const struct xt_dev *d, int *all);
	/* Release everything. */
	void	(*close)(struct xt_dev *d);
};

struct xt_dev {
	const struct xt_dev_ops	*ops;
	uint8_t			mac[6];		/* our MAC */
	uint32_t		mtu;		/* IP MTU, bytes */
	unsigned		caps;		/* XT_DEVCAP_* */
	uint64_t		rx_frames;	/* frames delivered */
	uint64_t		tx_frames;	/* frames sent */
	uint64_t		tx_drops;	/* frames the backend could not send */
	void			*priv;		/* backend state */
};

#define XT_DEV_MAXFDS	8

/* The kernel descriptors d holds (an AF_PACKET device its receiving and
 * sending sockets, a TAP the TAP and, with io_uring, an eventfd and two
 * rings), for a caller that keeps its own descriptors away from the
 * program: stores up to max of them in fds and returns how many there
 * are, or XT_EINVAL. */
static inline int
xt_dev_fds(const struct xt_dev *d, int *fds, unsigned max)
{
	int all[XT_DEV_MAXFDS];
	unsigned n, i;

	if (d == NULL || (fds == NULL && max > 0))
		return (XT_EINVAL);
	n = d->ops->fds != NULL ? d->ops->fds(d, all) : 0;
	for (i = 0; i < n && i < max; i++)
		fds[i] = all[i];
	return ((int)n);
}

/*
 * AF_PACKET on interface ifname.  A BPF filter passes ARP and IPv4 frames
 * addressed to ipaddr (host order).  If mac is non-NULL it is our MAC,
 * else the interface's.  mtu 0 means the interface's MTU.  Errors:
 * XT_ENODEV (no such interface), XT_EPERM (no CAP_NET_RAW), XT_EIO.
 * Its socket is close-on-exec; wait_fd() gives its number.
 */
int	xt_dev_packet_open(const char *ifname, uint32_t ipaddr,
	    const uint8_t *mac, uint32_t mtu, struct xt_dev **out);
/* The same with flags: XT_DEVOPEN_NO_OFFLOAD keeps plain frames (no
 * virtio-net header: software checksums, one frame per segment). */
#define XT_DEVOPEN_NO_OFFLOAD	0x1
int	xt_dev_packet_open_flags(const char *ifname, uint32_t ipaddr,
	    const uint8_t *mac, uint32_t mtu, unsigned flags,
	    struct xt_dev **out);

/*
 * The receive filter of an AF_PACKET device for an address shared by
 * several processes, each passing only the ports it holds (dev_packet.c
 * says how the program goes).  Ranges sorted, not overlapping.
 */
struct xt_port_range {
	uint16_t	lo;
	uint16_t	hi;		/* included */
};
struct sock_filter;
#define XT_PKT_FILTER_MAX	4096	/* the kernel's BPF_MAXINSNS */
/* The program into prog (room for XT_PKT_FILTER_MAX): ARP, and IPv4 to
 * ipaddr (host order), all of it with all, else ICMP and the TCP
 * segments to ports of r[0..n-1], neighbouring ranges merged when they
 * do not fit (more ports pass, none fewer).  Returns its length. */
unsigned	xt_pkt_filter_build(uint32_t ipaddr, int all,
		    const struct xt_port_range *r, unsigned n,
		    struct sock_filter *prog);
/* Attach that program to an AF_PACKET device d: XT_OK, XT_EINVAL (not
 * such a device), or the setsockopt's error. */
int	xt_dev_packet_filter(struct xt_dev *d, uint32_t ipaddr, int all,
	    const struct xt_port_range *r, unsigned n);

/*
 * TAP interface ifname (dev_tap.c), read and written with io_uring.  A
 * persistent TAP made by `ip tuntap add dev NAME mode tap user USER` can
 * be opened by USER without any capability.  If ifname does not exist and
 * the caller has CAP_NET_ADMIN, a non-persistent TAP of that name is
 * created; it lives until close() and has no address and is down on the
 * kernel side (the caller's business).  mac is our MAC (not the kernel
 * side's); NULL makes a random locally administered one.  mtu 0 means the
 * interface's MTU.  Without XT_DEVOPEN_NO_OFFLOAD the device offers
 * XT_DEVCAP_OFFLOAD if the kernel accepts the offload settings (they are
 * set, or cleared, on every open: they persist on a persistent TAP).
 * XT_DEVOPEN_NO_URING uses plain read(2)/write(2) on the TAP descriptor
 * instead of io_uring (which is also the fallback when io_uring is not
 * available); xt_dev_packet_open_flags ignores it.  Errors: XT_ENODEV (no
 * /dev/net/tun, no such interface and no right to create it, or not a
 * TAP), XT_EPERM (not allowed to attach), XT_ENOMEM, XT_EIO.  All its
 * descriptors are close-on-exec; wait_fd() is an eventfd (io_uring) or
 * the TAP descriptor (plain).
 */
#define XT_DEVOPEN_NO_URING	0x2
int	xt_dev_tap_open(const char *ifname, const uint8_t *mac, uint32_t mtu,
	    unsigned flags, struct xt_dev **out);
/* 1 if d is a TAP device using io_uring, 0 otherwise (plain read/write,
 * or not a TAP device). */
int	xt_dev_tap_uses_uring(const struct xt_dev *d);
/* In a fork child that shares d with its parent (issue 13, process
 * families): a TAP's io_uring rings are the parent's, so the child's copy
 * of d reads and writes the TAP descriptor itself from now on (both read
 * one queue: each frame goes to one of them).  1 if it switched. */
int	xt_dev_tap_fork_child(struct xt_dev *d);

/*
 * An AF_PACKET device as plain data (xtcp.h, struct xtcp_dev_state), and
 * one rebuilt from it: issue 13, an exec'd image takes over the device of
 * the image before it from the descriptors it inherited.  Export fails
 * with XT_EOPNOTSUPP on any other device; import checks that the
 * descriptors are packet sockets (XT_EINVAL) and owns them from then on.
 */
/*
 * A device whose transmissions wait in a queue of its own until
 * xt_dev_defer_flush() sends them through inner (dev_defer.c): for a
 * process whose program threads may not make the device's system calls.
 * kick(arg) is called when a frame lands in an empty queue.  Receiving
 * and the descriptors are inner's; closing it leaves inner open.
 */
typedef void (*xt_defer_kick_fn)(void *arg);
int	xt_dev_defer_new(struct xt_dev *inner, xt_defer_kick_fn kick,
	    void *arg, struct xt_dev **out);
/* Send what is queued (the engine lock held); no-op on other devices. */
void	xt_dev_defer_flush(struct xt_dev *d);

struct xtcp_dev_state;
#define XT_DEVSTATE_PACKET	1	/* xtcp_dev_state.kind */
#define XT_DEVSTATE_TAP		2
/* A TAP as plain data and back: the TAP descriptor only; the imported
 * device reads and writes it (no io_uring), as a fork child's does. */
int	xt_dev_tap_export(const struct xt_dev *d, struct xtcp_dev_state *st);
int	xt_dev_tap_import(const struct xtcp_dev_state *st,
	    struct xt_dev **out);
struct xtcp_dev_state;
int	xt_dev_packet_export(const struct xt_dev *d,
	    struct xtcp_dev_state *st);
int	xt_dev_packet_import(const struct xtcp_dev_state *st,
	    struct xt_dev **out);
/* The packet sockets renumbered: fd = mv(fd, arg) for each; no-op on any
 * other device. */
void	xt_dev_packet_move_fds(struct xt_dev *d, int (*mv)(int, void *),
	    void *arg);

#endif

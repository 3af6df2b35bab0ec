/*
 * phy.h - the device interface: how the engine receives and transmits
 * Ethernet frames.  Backends: AF_PACKET (dev_packet.c), the in-memory
 * link used by simulations (dev_pair.c), and later TAP+io_uring.
 *
 * Copy policy: a frame handed to the rx callback is borrowed from the
 * backend and is valid only during the callback; the engine copies what
 * it keeps.  Frames passed to tx_burst are copied or sent before
 * tx_burst returns, so the caller may reuse the buffers at once.
 */
#ifndef XT_DEV_PHY_H
#define XT_DEV_PHY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct xt_dev;

/* rx flags */
#define XT_RXF_CSUM_PARTIAL	0x1	/* L4 checksum not filled in (kernel
					 * CHECKSUM_PARTIAL); trust, don't verify */
#define XT_RXF_CSUM_VALID	0x2	/* device verified the L4 checksum */

/* caps */
#define XT_DEVCAP_RX_SUPER	0x1	/* may deliver frames larger than MTU */

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

/*
 * AF_PACKET on interface ifname.  A BPF filter passes ARP and IPv4 frames
 * addressed to ipaddr (host order).  If mac is non-NULL it is our MAC,
 * else the interface's.  mtu 0 means the interface's MTU.  Errors:
 * XT_ENODEV (no such interface), XT_EPERM (no CAP_NET_RAW), XT_EIO.
 * Its socket is close-on-exec; wait_fd() gives its number.
 */
int	xt_dev_packet_open(const char *ifname, uint32_t ipaddr,
	    const uint8_t *mac, uint32_t mtu, struct xt_dev **out);

#endif

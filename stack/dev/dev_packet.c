/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dev_packet.c - AF_PACKET device backend: whole Ethernet frames through a
 * raw packet socket bound to one interface, received with recvmmsg(2) and
 * sent with sendmmsg(2)/sendto(2).
 *
 * Receive path.  A classic BPF filter attached to the socket keeps only
 * ARP frames and IPv4 frames whose destination is our address; frames we
 * sent ourselves are ignored (PACKET_IGNORE_OUTGOING, and again in the
 * filter and by sll_pkttype, for kernels that lack the option).  veth and
 * other software devices hand us GRO/GSO super-frames up to 64 KB whose L4
 * checksum may be only partially computed, so every receive buffer holds
 * XT_PKT_BUFSZ bytes and PACKET_AUXDATA tells us the checksum state
 * (TP_STATUS_CSUMNOTREADY -> XT_RXF_CSUM_PARTIAL, TP_STATUS_CSUM_VALID ->
 * XT_RXF_CSUM_VALID).  A frame that did not fit is dropped and counted.
 * Frames handed to the rx callback live in our buffers and are valid only
 * during the callback; the callback must not call rx_burst on the same
 * device (it may call tx_burst).  VLAN tags the kernel strips into the
 * auxdata are ignored.
 *
 * Transmit path.  Each iovec is one frame; a frame that cannot be queued
 * now (EAGAIN/ENOBUFS) is dropped and counted in tx_drops, never waited
 * for.  Frames larger than the device MTU are refused by the kernel
 * (EMSGSIZE) unless a virtio_net_hdr is used, which this backend does not
 * do yet; such frames are dropped and counted too.
 *
 * This file runs inside the LD_PRELOAD shim, which interposes socket,
 * send, recv, close, ioctl and friends.  To keep the shim from ever
 * re-entering itself every kernel call goes through syscall(2), and every
 * entry point leaves errno as it found it.  Nothing here logs or exits;
 * results are xt_err codes.
 *
 * References: packet(7), socket(7) SO_ATTACH_FILTER, netdevice(7);
 * Documentation/networking/filter.rst (classic BPF); RFC 826 (ARP
 * ethertype 0x0806), RFC 894 (IPv4 over Ethernet, ethertype 0x0800),
 * RFC 791 §3.1 (IPv4 destination address at header offset 16).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* struct mmsghdr, recvmmsg/sendmmsg */
#endif

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>

#include "xt_err.h"
#include "xtcp.h"
#include "dev/dev_sys.h"
#include "dev/phy.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING	23	/* Linux 4.20 */
#endif

#define XT_PKT_BATCH	32		/* frames per recvmmsg/sendmmsg */
#define XT_PKT_BUFSZ	(65536 + 512)	/* one receive buffer: 64 KB IPv4
					 * super-frame + Ethernet/VLAN header,
					 * rounded up */
#define XT_PKT_SOCKBUF	(4 * 1024 * 1024)	/* SO_RCVBUF/SO_SNDBUF wish */

/* Ethernet II layout (IEEE 802.3 §3.2.6; RFC 894). */
#define XT_PKT_OFF_ETYPE	12	/* ethertype, from frame start */
#define XT_PKT_OFF_IPDST	(14 + 16)	/* IPv4 dst (RFC 791 §3.1) */
#define XT_PKT_ETH_ARP		0x0806	/* RFC 826 */
#define XT_PKT_ETH_IPV4		0x0800	/* RFC 894 */
#define XT_PKT_SNAP		0x40000	/* filter accept length: whole frame */

struct pkt_cmsgbuf {
	union {
		struct cmsghdr	align;
		char		buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} u;
};

struct pkt_priv {
	struct xt_dev		dev;		/* handed out to the caller */
	int			fd;		/* AF_PACKET socket */
	int			txfd;		/* the one we send on: fd, or a
						 * second socket (pkt_tx_socket) */
	int			ifindex;	/* bound interface */
	uint8_t			*rxbuf;		/* BATCH * BUFSZ bytes */
	uint64_t		rx_trunc;	/* dropped: did not fit */
	uint64_t		rx_outgoing;	/* own frames that got by */
	uint64_t		rx_errors;	/* recvmmsg hard errors */
	uint64_t		tx_errors;	/* dropped: hard errors */
	int			vnet;		/* PACKET_VNET_HDR on: frames carry
						 * a struct xt_vnet_hdr both ways */
	struct mmsghdr		rx_msg[XT_PKT_BATCH];
	struct iovec		rx_iov[XT_PKT_BATCH];
	struct sockaddr_ll	rx_from[XT_PKT_BATCH];
	struct pkt_cmsgbuf	rx_cmsg[XT_PKT_BATCH];
	struct mmsghdr		tx_msg[XT_PKT_BATCH];
	struct iovec		tx_iov[XT_PKT_BATCH];
};

static int	sys_bind(int, const struct sockaddr_ll *);
static int	sys_setsockopt(int, int, int, const void *, socklen_t);
static ssize_t	sys_sendto(int, const void *, size_t, int);
static int	sys_sendmmsg(int, struct mmsghdr *, unsigned, int);
static int	sys_recvmmsg(int, struct mmsghdr *, unsigned, int);

static enum xt_err	pkt_errno(int);
static int	pkt_setopt_int(int, int, int, int);
static void	pkt_sockbufs(int);
static enum xt_err	pkt_attach_filter(int, uint32_t);
static enum xt_err	pkt_ifreq(int, const char *, unsigned long,
		    struct ifreq *);
static int	pkt_segments_off(int, const char *);
static int	pkt_tx_socket(int, int, int);
static enum xt_err	pkt_learn_if(struct pkt_priv *, int, const char *,
		    const uint8_t *, uint32_t, uint8_t *);
static enum xt_err	pkt_rx_socket(struct pkt_priv *, int, const char *,
		    uint32_t, unsigned);
static void	pkt_accept_mac(int, int, const uint8_t *);
static enum xt_err	pkt_buffers(struct pkt_priv *);
static void	pkt_rx_reset(struct pkt_priv *, unsigned);
static unsigned	pkt_rx_flags(const struct msghdr *, int *);
static int	pkt_rx_burst(struct xt_dev *, xt_rx_fn, void *, unsigned);
static int	pkt_tx_one(struct pkt_priv *, const struct iovec *, int *);
static int	pkt_tx_burst(struct xt_dev *, const struct iovec *, unsigned);
static int	pkt_wait_fd(struct xt_dev *);
static unsigned	pkt_fds(const struct xt_dev *, int *);
static void	pkt_close(struct xt_dev *);

static const struct xt_dev_ops pkt_ops = {
	.name = "packet",
	.rx_burst = pkt_rx_burst,
	.tx_burst = pkt_tx_burst,
	.wait_fd = pkt_wait_fd,
	.fds = pkt_fds,
	.close = pkt_close,
};

/*
 * Raw system calls.  The shim interposes the libc names; going through
 * syscall(2) guarantees these never come back into it.
 */
static int
sys_bind(int fd, const struct sockaddr_ll *sll)
{
	return ((int)syscall(SYS_bind, fd, sll, (socklen_t)sizeof(*sll)));
}

static int
sys_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	return ((int)syscall(SYS_setsockopt, fd, level, name, val, len));
}

static ssize_t
sys_sendto(int fd, const void *buf, size_t len, int flags)
{
	return ((ssize_t)syscall(SYS_sendto, fd, buf, len, flags, NULL,
	    (socklen_t)0));
}

static int
sys_sendmmsg(int fd, struct mmsghdr *v, unsigned n, int flags)
{
	return ((int)syscall(SYS_sendmmsg, fd, v, n, flags));
}

static int
sys_recvmmsg(int fd, struct mmsghdr *v, unsigned n, int flags)
{
	return ((int)syscall(SYS_recvmmsg, fd, v, n, flags, NULL));
}

/* The open path's errno -> xt_err mapping (see phy.h). */
static enum xt_err
pkt_errno(int e)
{
	switch (e) {
	case ENODEV:
	case ENXIO:
		return (XT_ENODEV);
	case EPERM:
	case EACCES:
		return (XT_EPERM);
	default:
		return (XT_EIO);
	}
}

static int
pkt_setopt_int(int fd, int level, int name, int val)
{
	return (sys_setsockopt(fd, level, name, &val, sizeof(val)));
}

/*
 * Large socket buffers: a 64 KB super-frame costs its truesize against
 * SO_RCVBUF, so the default (~200 KB) holds only a few.  The FORCE variants
 * need CAP_NET_ADMIN and ignore rmem_max/wmem_max; the plain ones are
 * capped by those sysctls.  Failure is harmless.
 */
static void
pkt_sockbufs(int fd)
{
	if (pkt_setopt_int(fd, SOL_SOCKET, SO_RCVBUFFORCE, XT_PKT_SOCKBUF)
	    == -1)
		(void)pkt_setopt_int(fd, SOL_SOCKET, SO_RCVBUF,
		    XT_PKT_SOCKBUF);
	if (pkt_setopt_int(fd, SOL_SOCKET, SO_SNDBUFFORCE, XT_PKT_SOCKBUF)
	    == -1)
		(void)pkt_setopt_int(fd, SOL_SOCKET, SO_SNDBUF,
		    XT_PKT_SOCKBUF);
}

/*
 * Classic BPF program, run by the kernel on every frame of the interface:
 *
 *   0  ld   pkttype                    ancillary: skb->pkt_type
 *   1  jeq  #PACKET_OUTGOING  -> 8     our own transmissions
 *   2  ldh  [12]                       ethertype
 *   3  jeq  #0x0806           -> 7     ARP: accept
 *   4  jeq  #0x0800  ? 5 : 8           not IPv4: drop
 *   5  ld   [30]                       IPv4 destination address
 *   6  jeq  #ipaddr  ? 7 : 8
 *   7  ret  #XT_PKT_SNAP               accept whole frame
 *   8  ret  #0                         drop
 *
 * A load beyond the end of a short frame makes the filter return 0, so
 * runt IPv4 frames are dropped too.  Absolute loads yield host-order values,
 * hence the comparison with the host-order ipaddr.  Jump offsets count from
 * the next instruction.
 */
static enum xt_err
pkt_attach_filter(int fd, uint32_t ipaddr)
{
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 6, 0),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, XT_PKT_OFF_ETYPE),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, XT_PKT_ETH_ARP, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, XT_PKT_ETH_IPV4, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, XT_PKT_OFF_IPDST),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ipaddr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, XT_PKT_SNAP),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog fprog;

	memset(&fprog, 0, sizeof(fprog));
	fprog.len = (unsigned short)(sizeof(prog) / sizeof(prog[0]));
	fprog.filter = prog;
	if (sys_setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog,
	    sizeof(fprog)) == -1)
		return (pkt_errno(errno));
	return (XT_OK);
}

/*
 * The filter of one process among several on a shared address
 * (xt_pkt_filter_build): the first seven instructions as above, then
 *
 *   7  ldb  [23]                       IPv4 protocol
 *   8  jeq  #1                -> 15    ICMP: accept (errors for our
 *                                      connections; echo is the leader's)
 *   9  jeq  #6  ? 10 : 16              not TCP: drop
 *  10  ldh  [20]                       flags and fragment offset
 *  11  jset #0x1fff           -> 16    a later fragment: no TCP header
 *  12  ldxb 4*([14]&0xf)               IPv4 header length
 *  13  ldh  [x+16]                     TCP destination port
 *  14  ja   17
 *  15  ret  #XT_PKT_SNAP
 *  16  ret  #0
 *  17  per range: jge #lo ? . : next; jgt #hi ? next : .; ret #SNAP
 *      ret  #0
 *
 * Three instructions a range, each jump short (classic BPF jumps reach
 * 255 instructions), so at most (4096 - 18) / 3 ranges fit; more are
 * merged across their smallest gaps first, which lets some ports of
 * others through (the engine drops what is not its own: XTCP_PORTS_
 * ANSWER).  The leader's program passes every TCP port: one range,
 * 0-65535.
 */
#define XT_PKT_FILTER_HEAD	17
#define XT_PKT_FILTER_RANGES \
	((XT_PKT_FILTER_MAX - XT_PKT_FILTER_HEAD - 1) / 3)

unsigned
xt_pkt_filter_build(uint32_t ipaddr, int all, const struct xt_port_range *r,
    unsigned n, struct sock_filter *prog)
{
	const struct sock_filter head[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 14, 0),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, XT_PKT_OFF_ETYPE),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, XT_PKT_ETH_ARP, 11, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, XT_PKT_ETH_IPV4, 0, 11),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, XT_PKT_OFF_IPDST),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ipaddr, 0, 9),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 14 + 9),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 6, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 0, 6),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 14 + 6),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 4, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 14 + 2),
		BPF_STMT(BPF_JMP | BPF_JA, 2),
		BPF_STMT(BPF_RET | BPF_K, XT_PKT_SNAP),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	static const struct xt_port_range every = { 0, 0xffff };
	uint32_t gap = 1;
	unsigned len = XT_PKT_FILTER_HEAD, i, k, m;
	uint16_t lo, hi;

	memcpy(prog, head, sizeof(head));
	if (all) {
		r = &every;
		n = 1;
	}
	/* neighbours at most gap apart are merged: 1 merges only touching
	 * ones; doubled until what is left fits */
	for (;;) {
		for (i = 1, m = n > 0 ? 1 : 0; i < n; i++)
			if ((uint32_t)r[i].lo - r[i - 1].hi > gap)
				m++;
		if (m <= XT_PKT_FILTER_RANGES)
			break;
		gap *= 2;
	}
	for (i = 0; i < n; i = k) {
		lo = r[i].lo;
		hi = r[i].hi;
		for (k = i + 1; k < n && (uint32_t)r[k].lo - hi <= gap; k++)
			hi = r[k].hi;
		prog[len++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE |
		    BPF_K, lo, 0, 2);
		prog[len++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT |
		    BPF_K, hi, 1, 0);
		prog[len++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		    XT_PKT_SNAP);
	}
	prog[len++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	return (len);
}

int
xt_dev_packet_filter(struct xt_dev *d, uint32_t ipaddr, int all,
    const struct xt_port_range *r, unsigned n)
{
	struct pkt_priv *p;
	struct sock_filter *prog;
	struct sock_fprog fprog;
	int saved_errno = errno, err = XT_OK;

	if (d == NULL || d->ops != &pkt_ops || (n > 0 && r == NULL))
		return (XT_EINVAL);
	p = d->priv;
	if ((prog = calloc(XT_PKT_FILTER_MAX, sizeof(*prog))) == NULL)
		return (XT_ENOMEM);
	memset(&fprog, 0, sizeof(fprog));
	fprog.len = (unsigned short)xt_pkt_filter_build(ipaddr, all, r, n,
	    prog);
	fprog.filter = prog;
	/* the new program replaces the old one at once */
	if (sys_setsockopt(p->fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog,
	    sizeof(fprog)) == -1)
		err = pkt_errno(errno);
	free(prog);
	errno = saved_errno;
	return (err);
}

static enum xt_err
pkt_ifreq(int fd, const char *ifname, unsigned long req, struct ifreq *ifr)
{
	memset(ifr, 0, sizeof(*ifr));
	memcpy(ifr->ifr_name, ifname, strlen(ifname));	/* length checked */
	if (sys_ioctl(fd, req, ifr) == -1)
		return (pkt_errno(errno));
	return (XT_OK);
}

/*
 * 1 if the interface has both TSO and GSO off (ethtool -K IF tso off gso
 * off).  Linux's TCP then builds one MSS-sized segment per frame, and so
 * do we, rather than hand the kernel super-frames that it would cut up in
 * software on the way out.  0 when either is on or the interface does
 * not say.
 */
static int
pkt_segments_off(int fd, const char *ifname)
{
	struct ethtool_value tso, gso;
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname));	/* length checked */
	tso.cmd = ETHTOOL_GTSO;
	tso.data = 1;
	ifr.ifr_data = (void *)&tso;
	if (sys_ioctl(fd, SIOCETHTOOL, &ifr) == -1)
		return (0);
	gso.cmd = ETHTOOL_GGSO;
	gso.data = 1;
	ifr.ifr_data = (void *)&gso;
	if (sys_ioctl(fd, SIOCETHTOOL, &ifr) == -1)
		return (0);
	return (tso.data == 0 && gso.data == 0);
}

/*
 * A second socket to send on, bound to ifindex with protocol 0 so that it
 * receives nothing and nobody ever polls it.  Every skb we send is freed
 * with a write-space wake-up of its socket's wait queue, and the receive
 * socket's queue holds the engine thread's epoll: on one socket each
 * frame sent took the queue's lock with interrupts off, which costs a
 * great deal in a VM.  A socket without sleepers skips that.  Returns it,
 * or fd itself if it cannot be had (the one socket does both then).
 */
static int
pkt_tx_socket(int fd, int ifindex, int vnet)
{
	struct sockaddr_ll sll;
	int tx;

	tx = sys_socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (tx == -1)
		return (fd);
	if (vnet && pkt_setopt_int(tx, SOL_PACKET, PACKET_VNET_HDR, 1) != 0)
		goto fail;
	pkt_sockbufs(tx);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = 0;			/* receive nothing */
	sll.sll_ifindex = ifindex;
	if (sys_bind(tx, &sll) == -1)
		goto fail;
	return (tx);
fail:
	(void)sys_close(tx);
	return (fd);
}

int
xt_dev_packet_open(const char *ifname, uint32_t ipaddr, const uint8_t *mac,
    uint32_t mtu, struct xt_dev **out)
{
	return (xt_dev_packet_open_flags(ifname, ipaddr, mac, mtu, 0, out));
}

/*
 * The interface's index, its MAC (which must be Ethernet's) into ifmac,
 * ours (mac, else the interface's) and the MTU (mtu, else the
 * interface's).
 */
static enum xt_err
pkt_learn_if(struct pkt_priv *p, int fd, const char *ifname,
    const uint8_t *mac, uint32_t mtu, uint8_t *ifmac)
{
	struct ifreq ifr;
	enum xt_err err;

	if ((err = pkt_ifreq(fd, ifname, SIOCGIFINDEX, &ifr)) != XT_OK)
		return (err);
	p->ifindex = ifr.ifr_ifindex;

	if ((err = pkt_ifreq(fd, ifname, SIOCGIFHWADDR, &ifr)) != XT_OK)
		return (err);
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		return (XT_ENODEV);	/* not an Ethernet interface */
	memcpy(ifmac, ifr.ifr_hwaddr.sa_data, 6);
	memcpy(p->dev.mac, mac != NULL ? mac : ifmac, sizeof(p->dev.mac));

	if (mtu == 0) {
		if ((err = pkt_ifreq(fd, ifname, SIOCGIFMTU, &ifr)) != XT_OK)
			return (err);
		if (ifr.ifr_mtu <= 0)
			return (XT_EIO);
		mtu = (uint32_t)ifr.ifr_mtu;
	}
	p->dev.mtu = mtu;
	return (XT_OK);
}

/*
 * Make fd the receiving socket: the filter first, then the options, then
 * bind() to every protocol on the interface, which starts the frames.
 */
static enum xt_err
pkt_rx_socket(struct pkt_priv *p, int fd, const char *ifname,
    uint32_t ipaddr, unsigned flags)
{
	struct sockaddr_ll sll;
	enum xt_err err;

	if ((err = pkt_attach_filter(fd, ipaddr)) != XT_OK)
		return (err);
	/* Linux >= 4.20: our transmissions are not even cloned to us. */
	(void)pkt_setopt_int(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1);
	if (pkt_setopt_int(fd, SOL_PACKET, PACKET_AUXDATA, 1) == -1)
		return (pkt_errno(errno));
	pkt_sockbufs(fd);
	/*
	 * Offload: with PACKET_VNET_HDR every frame carries a virtio-net
	 * header, so we can send 64 KB TSO super-frames with the TCP
	 * checksum left to the kernel (one sendmmsg entry instead of 45),
	 * and learn the checksum state of received frames from it.
	 */
	if (!(flags & XT_DEVOPEN_NO_OFFLOAD) && !pkt_segments_off(fd, ifname) &&
	    pkt_setopt_int(fd, SOL_PACKET, PACKET_VNET_HDR, 1) == 0)
		p->vnet = 1;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = p->ifindex;
	if (sys_bind(fd, &sll) == -1)
		return (pkt_errno(errno));
	return (XT_OK);
}

/*
 * A MAC other than the interface's: ask the device to accept it.  The
 * membership belongs to this socket and goes away when it is closed; on
 * devices without unicast filtering the kernel turns on promiscuous mode
 * for that long.  Best effort: veth delivers frames for any MAC to packet
 * sockets anyway.
 */
static void
pkt_accept_mac(int fd, int ifindex, const uint8_t *mac)
{
	struct packet_mreq mr;

	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = ifindex;
	mr.mr_type = PACKET_MR_UNICAST;
	mr.mr_alen = 6;
	memcpy(mr.mr_address, mac, 6);
	(void)sys_setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
	    sizeof(mr));
}

/*
 * Receive buffers and the message headers that point at them: malloc of
 * this size is backed by an anonymous mapping, so pages are only touched
 * as frames land in them.
 */
static enum xt_err
pkt_buffers(struct pkt_priv *p)
{
	unsigned i;

	p->rxbuf = malloc((size_t)XT_PKT_BATCH * XT_PKT_BUFSZ);
	if (p->rxbuf == NULL)
		return (XT_ENOMEM);
	for (i = 0; i < XT_PKT_BATCH; i++) {
		p->rx_iov[i].iov_base = p->rxbuf + (size_t)i * XT_PKT_BUFSZ;
		p->rx_iov[i].iov_len = XT_PKT_BUFSZ;
		p->rx_msg[i].msg_hdr.msg_name = &p->rx_from[i];
		p->rx_msg[i].msg_hdr.msg_iov = &p->rx_iov[i];
		p->rx_msg[i].msg_hdr.msg_iovlen = 1;
		p->rx_msg[i].msg_hdr.msg_control = p->rx_cmsg[i].u.buf;
		p->tx_msg[i].msg_hdr.msg_iov = &p->tx_iov[i];
		p->tx_msg[i].msg_hdr.msg_iovlen = 1;
	}
	return (XT_OK);
}

int
xt_dev_packet_open_flags(const char *ifname, uint32_t ipaddr,
    const uint8_t *mac, uint32_t mtu, unsigned flags, struct xt_dev **out)
{
	struct pkt_priv *p = NULL;
	enum xt_err err;
	uint8_t ifmac[6];
	int fd = -1, saved_errno = errno;

	if (ifname == NULL || out == NULL) {
		err = XT_EINVAL;
		goto out;
	}
	*out = NULL;
	if (ifname[0] == '\0' || strlen(ifname) >= IFNAMSIZ) {
		err = XT_ENODEV;	/* no interface can have this name */
		goto out;
	}

	/*
	 * Protocol 0: the socket receives nothing until bind() names the
	 * protocol, so no unfiltered frame can be queued before the filter
	 * is attached.
	 */
	fd = sys_socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		err = pkt_errno(errno);
		goto out;
	}

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		err = XT_ENOMEM;
		goto out;
	}
	p->fd = -1;
	p->txfd = -1;

	if ((err = pkt_learn_if(p, fd, ifname, mac, mtu, ifmac)) != XT_OK ||
	    (err = pkt_rx_socket(p, fd, ifname, ipaddr, flags)) != XT_OK)
		goto out;
	if (mac != NULL && memcmp(mac, ifmac, sizeof(ifmac)) != 0)
		pkt_accept_mac(fd, p->ifindex, mac);
	if ((err = pkt_buffers(p)) != XT_OK)
		goto out;

	p->txfd = pkt_tx_socket(fd, p->ifindex, p->vnet);
	p->fd = fd;
	fd = -1;
	p->dev.ops = &pkt_ops;
	p->dev.caps = XT_DEVCAP_RX_SUPER | (p->vnet ? XT_DEVCAP_OFFLOAD : 0);
	p->dev.priv = p;
	*out = &p->dev;
	p = NULL;
	err = XT_OK;
out:
	if (fd != -1)
		(void)sys_close(fd);
	if (p != NULL) {
		free(p->rxbuf);
		free(p);
	}
	errno = saved_errno;
	return (err);
}

/* recvmmsg rewrites the name/control lengths and flags; restore them. */
static void
pkt_rx_reset(struct pkt_priv *p, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		p->rx_msg[i].msg_hdr.msg_namelen = sizeof(p->rx_from[i]);
		p->rx_msg[i].msg_hdr.msg_controllen =
		    sizeof(p->rx_cmsg[i].u.buf);
		p->rx_msg[i].msg_hdr.msg_flags = 0;
		p->rx_msg[i].msg_len = 0;
	}
}

/*
 * Checksum flags from the frame's tpacket_auxdata.  *truncp is set when
 * the auxdata says the frame was cut short (tp_len > tp_snaplen).
 */
static unsigned
pkt_rx_flags(const struct msghdr *mh, int *truncp)
{
	struct cmsghdr *cm;
	struct tpacket_auxdata aux;
	unsigned flags = 0;

	*truncp = 0;
	for (cm = CMSG_FIRSTHDR(mh); cm != NULL;
	    cm = CMSG_NXTHDR((struct msghdr *)mh, cm)) {
		if (cm->cmsg_level != SOL_PACKET ||
		    cm->cmsg_type != PACKET_AUXDATA ||
		    cm->cmsg_len < CMSG_LEN(sizeof(aux)))
			continue;
		memcpy(&aux, CMSG_DATA(cm), sizeof(aux));
		if (aux.tp_status & TP_STATUS_CSUMNOTREADY)
			flags |= XT_RXF_CSUM_PARTIAL;
		else if (aux.tp_status & TP_STATUS_CSUM_VALID)
			flags |= XT_RXF_CSUM_VALID;
		if (aux.tp_len > aux.tp_snaplen)
			*truncp = 1;
	}
	return (flags);
}

static int
pkt_rx_burst(struct xt_dev *d, xt_rx_fn cb, void *arg, unsigned max)
{
	struct pkt_priv *p = d->priv;
	struct msghdr *mh;
	unsigned want, i, flags;
	int got, trunc, delivered = 0, saved_errno = errno;

	while ((unsigned)delivered < max) {
		want = max - (unsigned)delivered;
		if (want > XT_PKT_BATCH)
			want = XT_PKT_BATCH;
		pkt_rx_reset(p, want);
		got = sys_recvmmsg(p->fd, p->rx_msg, want, MSG_DONTWAIT);
		if (got == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				break;
			/* e.g. ENETDOWN once after the link went down */
			p->rx_errors++;
			if (delivered == 0)
				delivered = XT_EIO;
			break;
		}
		for (i = 0; i < (unsigned)got; i++) {
			mh = &p->rx_msg[i].msg_hdr;
			flags = pkt_rx_flags(mh, &trunc);
			if ((mh->msg_flags & MSG_TRUNC) || trunc) {
				p->rx_trunc++;
				continue;
			}
			if (mh->msg_namelen >= sizeof(struct sockaddr_ll) &&
			    p->rx_from[i].sll_pkttype == PACKET_OUTGOING) {
				p->rx_outgoing++;
				continue;
			}
			if (p->vnet) {
				/* strip the virtio-net header into flags */
				const uint8_t *b = p->rx_iov[i].iov_base;
				struct xt_vnet_hdr vh;

				if (p->rx_msg[i].msg_len < XT_VNET_HDR_LEN) {
					p->rx_trunc++;	/* not even that */
					continue;
				}
				d->rx_frames++;
				delivered++;
				memcpy(&vh, b, sizeof(vh));
				flags = 0;
				if (vh.flags & XT_VNET_F_NEEDS_CSUM)
					flags |= XT_RXF_CSUM_PARTIAL;
				if (vh.flags & XT_VNET_F_DATA_VALID)
					flags |= XT_RXF_CSUM_VALID;
				cb(arg, b + XT_VNET_HDR_LEN,
				    p->rx_msg[i].msg_len - XT_VNET_HDR_LEN,
				    flags);
				continue;
			}
			d->rx_frames++;
			delivered++;
			cb(arg, p->rx_iov[i].iov_base, p->rx_msg[i].msg_len,
			    flags);
		}
		if ((unsigned)got < want)
			break;		/* queue drained */
	}
	errno = saved_errno;
	return (delivered);
}

/*
 * Send one frame.  Returns 1 if sent, 0 if dropped (counted), and sets
 * *hardp for errors other than a full queue or an oversized frame.
 */
static int
pkt_tx_one(struct pkt_priv *p, const struct iovec *f, int *hardp)
{
	if (sys_sendto(p->txfd, f->iov_base, f->iov_len, MSG_DONTWAIT) >= 0)
		return (1);
	p->dev.tx_drops++;
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS &&
	    errno != EMSGSIZE && errno != EINTR) {
		p->tx_errors++;
		*hardp = 1;
	}
	return (0);
}

/*
 * Returns frames sent.  A full queue drops the rest of the burst (the
 * next frames would meet the same full queue); an oversized frame drops
 * only itself.  XT_EIO only when nothing was sent and the device reported
 * a hard error (link down, device gone); the frames are dropped anyway.
 */
static int
pkt_tx_burst(struct xt_dev *d, const struct iovec *frames, unsigned n)
{
	struct pkt_priv *p = d->priv;
	unsigned done = 0, chunk, i;
	int sent = 0, r, hard = 0, saved_errno = errno;

	if (n == 1) {
		sent = pkt_tx_one(p, &frames[0], &hard);
		goto out;
	}
	while (done < n) {
		chunk = n - done;
		if (chunk > XT_PKT_BATCH)
			chunk = XT_PKT_BATCH;
		for (i = 0; i < chunk; i++)
			p->tx_iov[i] = frames[done + i];
		r = sys_sendmmsg(p->txfd, p->tx_msg, chunk, MSG_DONTWAIT);
		if (r > 0) {
			/* a short count means message r failed: retry it */
			sent += r;
			done += (unsigned)r;
			continue;
		}
		if (r == -1 && (errno == EMSGSIZE || errno == EINTR)) {
			/* this frame alone is at fault: drop it, go on */
			d->tx_drops++;
			done++;
			continue;
		}
		/* full queue or hard error: drop the rest of the burst */
		d->tx_drops += n - done;
		if (r == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != ENOBUFS) {
			p->tx_errors += n - done;
			hard = 1;
		}
		break;
	}
out:
	d->tx_frames += (uint64_t)sent;
	errno = saved_errno;
	if (sent == 0 && hard)
		return (XT_EIO);
	return (sent);
}

static int
pkt_wait_fd(struct xt_dev *d)
{
	struct pkt_priv *p = d->priv;

	return (p->fd);
}

static void
pkt_close(struct xt_dev *d)
{
	struct pkt_priv *p;
	int saved_errno = errno;

	if (d == NULL)
		return;
	p = d->priv;
	if (p->txfd != -1 && p->txfd != p->fd)
		(void)sys_close(p->txfd);
	if (p->fd != -1)
		(void)sys_close(p->fd);
	free(p->rxbuf);
	free(p);
	errno = saved_errno;
}

/* The receive socket and, where it could be had, the sending one. */
static unsigned
pkt_fds(const struct xt_dev *d, int *all)
{
	const struct pkt_priv *p = d->priv;
	unsigned n = 0;

	all[n++] = p->fd;
	if (p->txfd != p->fd)
		all[n++] = p->txfd;
	return (n);
}

/* ---- across exec (issue 13) ---- */

int
xt_dev_packet_export(const struct xt_dev *d, struct xtcp_dev_state *st)
{
	const struct pkt_priv *p;

	if (d == NULL || st == NULL)
		return (XT_EINVAL);
	if (d->ops != &pkt_ops)
		return (XT_EOPNOTSUPP);
	p = d->priv;
	memset(st, 0, sizeof(*st));
	st->kind = XT_DEVSTATE_PACKET;
	st->fd = p->fd;
	st->txfd = p->txfd;
	st->ifindex = p->ifindex;
	st->mtu = d->mtu;
	st->caps = d->caps;
	st->vnet = (uint32_t)p->vnet;
	memcpy(st->mac, d->mac, sizeof(st->mac));
	return (XT_OK);
}

/* Is fd an AF_PACKET socket? */
static int
pkt_is_packet(int fd)
{
	int dom = 0;
	socklen_t len = sizeof(dom);

	return (syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_DOMAIN, &dom,
	    &len) == 0 && dom == AF_PACKET);
}

/*
 * The sockets are set up already (filter, options, binding): they are
 * the same open files as in the image that exported them.  Only this
 * process's memory is new: the receive buffers and message headers.
 */
int
xt_dev_packet_import(const struct xtcp_dev_state *st, struct xt_dev **out)
{
	struct pkt_priv *p;
	enum xt_err err;
	int saved_errno = errno;

	if (st == NULL || out == NULL || st->kind != XT_DEVSTATE_PACKET ||
	    st->fd < 0 || st->txfd < 0 || st->mtu == 0 ||
	    !pkt_is_packet(st->fd) || !pkt_is_packet(st->txfd))
		return (XT_EINVAL);
	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (XT_ENOMEM);
	if ((err = pkt_buffers(p)) != XT_OK) {
		free(p);
		errno = saved_errno;
		return (err);
	}
	p->fd = st->fd;
	p->txfd = st->txfd;
	p->ifindex = st->ifindex;
	p->vnet = st->vnet != 0;
	p->dev.ops = &pkt_ops;
	p->dev.caps = st->caps;
	p->dev.mtu = st->mtu;
	memcpy(p->dev.mac, st->mac, sizeof(p->dev.mac));
	p->dev.priv = p;
	*out = &p->dev;
	errno = saved_errno;
	return (XT_OK);
}

void
xt_dev_packet_move_fds(struct xt_dev *d, int (*mv)(int, void *), void *arg)
{
	struct pkt_priv *p;
	int same;

	if (d == NULL || d->ops != &pkt_ops || mv == NULL)
		return;
	p = d->priv;
	same = p->txfd == p->fd;
	p->fd = mv(p->fd, arg);
	p->txfd = same ? p->fd : mv(p->txfd, arg);
}

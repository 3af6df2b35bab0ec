/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tap_probe.c - checks the TAP device (dev_tap.c) against the kernel on
 * the other side of a TAP interface.
 *
 *   tap_probe [-n] [-p] [-S] [-b KIB] IFNAME OURIP KERNELIP
 *   tap_probe [-n] [-p] [-S] -O IFNAME
 *   tap_probe [-n] [-p] [-S] -x eperm|enodev IFNAME
 *
 * Opens IFNAME with xt_dev_tap_open() (a random MAC of ours; -n adds
 * XT_DEVOPEN_NO_OFFLOAD, -p XT_DEVOPEN_NO_URING; -S first installs a
 * seccomp filter that fails io_uring_setup(2) with EPERM, as container
 * runtimes and kernel.io_uring_disabled do, so the device must fall back
 * to read/write on its own) and checks what the open
 * gave: a locally administered unicast MAC, the interface's MTU, the caps
 * asked for, and io_uring in use exactly when this process can set up a
 * ring (io_uring_queue_init) and -p is not given.  With -O it stops there;
 * with -x the open must fail with XT_EPERM or XT_ENODEV.  Otherwise, as
 * OURIP, it talks to the kernel, which owns KERNELIP on IFNAME:
 *
 *  1. ARP (RFC 826): a request for KERNELIP; the reply must name the
 *     interface's MAC (SIOCGIFHWADDR) and be addressed to ours.
 *  2. ICMP echo (RFC 792): a 56-byte request, a full-size one (MTU - 28
 *     bytes of data), and a burst of 100 in one tx_burst (the io_uring
 *     path submits them in two batches); every reply must carry the id,
 *     sequence number and payload bytes we sent, with correct IPv4 and
 *     ICMP checksums.  With offload every frame we send starts with a
 *     virtio-net header of flags 0 / GSO_NONE; one more request goes with
 *     NEEDS_CSUM and its checksum left to the device.
 *  3. TCP (RFC 9293): the probe opens a kernel TCP socket to OURIP (the
 *     kernel is the sender), answers its SYN with a SYN-ACK and ACKs what
 *     arrives in order (with offload: NEEDS_CSUM ACKs), until KIB KiB
 *     (default 256) arrived intact.  Frames with a complete checksum are
 *     verified.  Without offload no frame may exceed the MTU nor carry a
 *     partial checksum (the offload settings of a persistent TAP must
 *     have been cleared); with offload the kernel is expected to send TSO
 *     super-frames with partial checksums, and the counts are printed.
 *
 * Prints one line per check; exit 0 when all pass, 1 with a message at
 * the first failure, 77 if /dev/net/tun cannot be opened.  Every wait is
 * bounded (a few seconds per step).
 *
 * Example, as root (tap_probe.sh does this, and more):
 *   ip netns add xtp; ip -n xtp tuntap add dev xtap0 mode tap user nobody
 *   ip -n xtp addr add 10.94.0.1/24 dev xtap0; ip -n xtp link set xtap0 up
 *   ip netns exec xtp ./tap_probe xtap0 10.94.0.2 10.94.0.1
 *   ip netns del xtp
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

#include "config.h"		/* HAVE_LIBURING */
#ifdef HAVE_LIBURING
#include <liburing.h>
#endif

#include "xt_err.h"
#include "dev/phy.h"
#include "wire/arp.h"
#include "wire/csum.h"
#include "wire/cursor.h"
#include "wire/eth.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

#define PROBE_STEP_S	3.0	/* bound on each wait */
#define PROBE_TCP_S	10.0	/* bound on the TCP transfer */
#define PROBE_BURST	100	/* echo requests in one tx_burst */
#define PROBE_SMALL	56	/* echo payload, like ping(8) */
#define PROBE_FRAME	(XT_VNET_HDR_LEN + XT_ETH_HLEN + 1500)
#define PROBE_ISS	0x1000	/* our TCP initial sequence number */
#define PROBE_MSS	1460	/* what our SYN-ACK announces */
#define PROBE_WIN	65535	/* our receive window, unscaled */

struct probe {
	struct xt_dev	*dev;
	int		offload;	/* frames carry xt_vnet_hdr */
	uint32_t	ip;		/* ours, host order */
	uint32_t	kip;		/* the kernel's, host order */
	uint8_t		kmac[6];	/* the kernel side's MAC */
	uint16_t	icmp_id;	/* our echo identifier */
	const char	*fail;		/* first failure in callbacks */
	char		failbuf[160];

	/* ARP */
	int		arp_ok;		/* reply from kip seen */
	uint64_t	arp_answered;	/* requests for ip we answered */

	/* ICMP */
	uint8_t		echo_got[PROBE_BURST + 8];	/* by seq */
	size_t		echo_len[PROBE_BURST + 8];	/* bytes sent */

	/* TCP: the kernel sends, we receive */
	uint16_t	kport;		/* kernel's, from its SYN */
	uint16_t	port;		/* ours */
	int		synced;		/* SYN seen and answered */
	uint32_t	irs;		/* kernel's initial seq number */
	uint32_t	rcv_nxt;
	uint64_t	tcp_bytes;	/* in-order payload bytes */
	uint64_t	tcp_frames;	/* TCP frames from the kernel */
	uint64_t	tcp_super;	/* longer than MTU + 14 */
	uint64_t	tcp_partial;	/* XT_RXF_CSUM_PARTIAL */
	uint64_t	tcp_valid;	/* XT_RXF_CSUM_VALID */
	uint64_t	tcp_verified;	/* checksum checked here, good */
	uint64_t	tcp_ooo;	/* out of order or retransmitted */
	size_t		tcp_maxlen;	/* longest frame, bytes */
	uint64_t	other;		/* frames we do not care about */
};

static double	now_s(void);
static void	failf(struct probe *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	die(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
static void	macstr(const uint8_t *, char *, size_t);
static int	ifmac(const char *, uint8_t *);
static void	send_frames(struct probe *, uint8_t **, const size_t *,
		    const struct xt_vnet_hdr *, unsigned);
static void	send_frame(struct probe *, uint8_t *, size_t,
		    const struct xt_vnet_hdr *);
static size_t	build_arp(struct probe *, uint8_t *, uint16_t,
		    const uint8_t *, const uint8_t *, uint32_t);
static size_t	build_echo(struct probe *, uint8_t *, uint16_t, size_t);
static void	echo_payload(uint8_t *, uint16_t, size_t);
static size_t	build_tcp(struct probe *, uint8_t *, uint8_t, uint32_t,
		    uint32_t, int, struct xt_vnet_hdr *);
static void	on_arp(struct probe *, const struct xt_eth_repr *,
		    const uint8_t *, size_t);
static void	on_icmp(struct probe *, const uint8_t *, size_t);
static void	on_tcp(struct probe *, const struct xt_ipv4_repr *,
		    const uint8_t *, size_t, size_t, unsigned);
static void	on_frame(void *, const uint8_t *, size_t, unsigned);
static int	pump(struct probe *, double, int);
static void	check_arp(struct probe *);
static void	check_echo(struct probe *, uint16_t, size_t, int);
static void	check_burst(struct probe *);
static void	check_tcp(struct probe *, size_t);
static void	block_uring(void);
static int	uring_available(void);
static void	usage(void);

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* Record the first failure seen inside the rx callback. */
static void
failf(struct probe *pr, const char *fmt, ...)
{
	va_list ap;

	if (pr->fail != NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(pr->failbuf, sizeof(pr->failbuf), fmt, ap);
	va_end(ap);
	pr->fail = pr->failbuf;
}

static void
die(const char *fmt, ...)
{
	va_list ap;

	printf("tap_probe: FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

static void
macstr(const uint8_t *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
	    m[3], m[4], m[5]);
}

/* The kernel side's MAC of the interface. */
static int
ifmac(const char *ifname, uint8_t *mac)
{
	struct ifreq ifr;
	int s, r;

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	r = ioctl(s, SIOCGIFHWADDR, &ifr);
	close(s);
	if (r == -1)
		return (-1);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return (0);
}

/*
 * Send n frames in one tx_burst.  Each buffer has XT_VNET_HDR_LEN bytes
 * of headroom before its Ethernet frame of lens[i] bytes; with offload
 * the header vh (flags 0 / GSO_NONE if NULL) goes there.
 */
static void
send_frames(struct probe *pr, uint8_t **bufs, const size_t *lens,
    const struct xt_vnet_hdr *vh, unsigned n)
{
	struct xt_vnet_hdr zero;
	struct iovec *iov;
	uint64_t drops = pr->dev->tx_drops;
	unsigned i;
	int r;

	memset(&zero, 0, sizeof(zero));
	if ((iov = calloc(n, sizeof(*iov))) == NULL)
		die("out of memory");
	for (i = 0; i < n; i++) {
		if (pr->offload) {
			memcpy(bufs[i], vh != NULL ? vh : &zero,
			    XT_VNET_HDR_LEN);
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = XT_VNET_HDR_LEN + lens[i];
		} else {
			iov[i].iov_base = bufs[i] + XT_VNET_HDR_LEN;
			iov[i].iov_len = lens[i];
		}
	}
	r = pr->dev->ops->tx_burst(pr->dev, iov, n);
	free(iov);
	if (r != (int)n)
		die("tx_burst of %u frames returned %d (%s), tx_drops +%llu",
		    n, r, r < 0 ? xt_strerror(r) : "some dropped",
		    (unsigned long long)(pr->dev->tx_drops - drops));
}

static void
send_frame(struct probe *pr, uint8_t *buf, size_t len,
    const struct xt_vnet_hdr *vh)
{
	send_frames(pr, &buf, &len, vh, 1);
}

/* An Ethernet/ARP frame (RFC 826), padded to 60 bytes, after the
 * headroom.  Returns the Ethernet frame length. */
static size_t
build_arp(struct probe *pr, uint8_t *buf, uint16_t op, const uint8_t *dst,
    const uint8_t *tha, uint32_t tpa)
{
	struct xt_eth_repr eh;
	struct xt_arp_repr ar;
	uint8_t *f = buf + XT_VNET_HDR_LEN;

	memset(f, 0, 60);
	memcpy(eh.dst, dst, 6);
	memcpy(eh.src, pr->dev->mac, 6);
	eh.type = XT_ETHERTYPE_ARP;
	xt_eth_emit(&eh, f);
	memset(&ar, 0, sizeof(ar));
	ar.op = op;
	memcpy(ar.sha, pr->dev->mac, 6);
	ar.spa = pr->ip;
	memcpy(ar.tha, tha, 6);
	ar.tpa = tpa;
	xt_arp_emit(&ar, f + XT_ETH_HLEN);
	return (60);
}

/* The payload of echo request seq: a pattern that differs per seq. */
static void
echo_payload(uint8_t *p, uint16_t seq, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + seq * 13 + 1);
}

/* An ICMP echo request to the kernel (RFC 792) with len payload bytes. */
static size_t
build_echo(struct probe *pr, uint8_t *buf, uint16_t seq, size_t len)
{
	struct xt_eth_repr eh;
	struct xt_ipv4_repr ih;
	struct xt_icmp4_repr ic;
	uint8_t *f = buf + XT_VNET_HDR_LEN, *icmp;

	memcpy(eh.dst, pr->kmac, 6);
	memcpy(eh.src, pr->dev->mac, 6);
	eh.type = XT_ETHERTYPE_IPV4;
	xt_eth_emit(&eh, f);
	memset(&ih, 0, sizeof(ih));
	ih.total_len = (uint16_t)(XT_IPV4_HLEN + XT_ICMP_HLEN + len);
	ih.id = seq;
	ih.frag = XT_IPV4_DF;
	ih.ttl = 64;
	ih.proto = XT_IPPROTO_ICMP;
	ih.src = pr->ip;
	ih.dst = pr->kip;
	xt_ipv4_emit(&ih, f + XT_ETH_HLEN);
	icmp = f + XT_ETH_HLEN + XT_IPV4_HLEN;
	echo_payload(icmp + XT_ICMP_HLEN, seq, len);
	memset(&ic, 0, sizeof(ic));
	ic.type = XT_ICMP_ECHO;
	ic.id = pr->icmp_id;
	ic.seq = seq;
	ic.data = icmp + XT_ICMP_HLEN;
	ic.data_len = len;
	if (xt_icmp4_emit(&ic, icmp, XT_ICMP_HLEN + len) != XT_OK)
		die("xt_icmp4_emit failed");
	if (seq < PROBE_BURST + 8)
		pr->echo_len[seq] = len;
	return (XT_ETH_HLEN + ih.total_len);
}

/*
 * A TCP segment without payload to the kernel's socket.  With csum_dev
 * (offload) the checksum is left to the device: the field holds the
 * pseudo-header sum and vh says where to finish it (virtio 1.x §5.1.6.2).
 */
static size_t
build_tcp(struct probe *pr, uint8_t *buf, uint8_t flags, uint32_t seq,
    uint32_t ack, int csum_dev, struct xt_vnet_hdr *vh)
{
	struct xt_eth_repr eh;
	struct xt_ipv4_repr ih;
	struct xt_tcp_repr th;
	uint8_t *f = buf + XT_VNET_HDR_LEN, *seg;
	size_t hl;

	memset(&th, 0, sizeof(th));
	th.sport = pr->port;
	th.dport = pr->kport;
	th.seq = seq;
	th.ack = ack;
	th.flags = flags;
	th.win = PROBE_WIN;
	if (flags & XT_TH_SYN) {
		th.has_mss = 1;
		th.mss = PROBE_MSS;
	}
	hl = xt_tcp_hdr_len(&th);
	memcpy(eh.dst, pr->kmac, 6);
	memcpy(eh.src, pr->dev->mac, 6);
	eh.type = XT_ETHERTYPE_IPV4;
	xt_eth_emit(&eh, f);
	memset(&ih, 0, sizeof(ih));
	ih.total_len = (uint16_t)(XT_IPV4_HLEN + hl);
	ih.frag = XT_IPV4_DF;
	ih.ttl = 64;
	ih.proto = XT_IPPROTO_TCP;
	ih.src = pr->ip;
	ih.dst = pr->kip;
	xt_ipv4_emit(&ih, f + XT_ETH_HLEN);
	seg = f + XT_ETH_HLEN + XT_IPV4_HLEN;
	(void)xt_tcp_emit_hdr(&th, seg);
	memset(vh, 0, sizeof(*vh));
	if (csum_dev) {
		/* RFC 9293 §3.1: the device sums the segment onto this */
		xt_put16(seg + 16, (uint16_t)~xt_csum_fold(xt_csum_pseudo(
		    pr->ip, pr->kip, XT_IPPROTO_TCP, (uint16_t)hl)));
		vh->flags = XT_VNET_F_NEEDS_CSUM;
		vh->csum_start = XT_ETH_HLEN + XT_IPV4_HLEN;
		vh->csum_offset = 16;
	} else
		xt_tcp_fill_csum(seg, hl, pr->ip, pr->kip);
	return (XT_ETH_HLEN + XT_IPV4_HLEN + hl);
}

static void
on_arp(struct probe *pr, const struct xt_eth_repr *eh, const uint8_t *p,
    size_t len)
{
	struct xt_arp_repr ar;
	uint8_t buf[XT_VNET_HDR_LEN + 60];
	char a[20], b[20];
	size_t n;

	if (xt_arp_parse(p, len, &ar) != XT_OK) {
		pr->other++;
		return;
	}
	if (ar.op == XT_ARP_REQUEST && ar.tpa == pr->ip) {
		/* the kernel asks for us: answer (RFC 826) */
		n = build_arp(pr, buf, XT_ARP_REPLY, ar.sha, ar.sha, ar.spa);
		send_frame(pr, buf, n, NULL);
		pr->arp_answered++;
		return;
	}
	if (ar.op != XT_ARP_REPLY || ar.spa != pr->kip)
		return;
	if (memcmp(ar.sha, pr->kmac, 6) != 0 ||
	    memcmp(eh->src, pr->kmac, 6) != 0) {
		macstr(ar.sha, a, sizeof(a));
		macstr(pr->kmac, b, sizeof(b));
		failf(pr, "ARP reply names %s, the interface has %s", a, b);
		return;
	}
	if (memcmp(eh->dst, pr->dev->mac, 6) != 0 ||
	    memcmp(ar.tha, pr->dev->mac, 6) != 0 || ar.tpa != pr->ip) {
		failf(pr, "ARP reply not addressed to our MAC/IP");
		return;
	}
	pr->arp_ok = 1;
}

static void
on_icmp(struct probe *pr, const uint8_t *p, size_t len)
{
	struct xt_icmp4_repr ic;
	uint8_t want[1500];
	int r;

	if ((r = xt_icmp4_parse(p, len, 1, &ic)) != XT_OK) {
		failf(pr, "ICMP from the kernel: %s", xt_strerror(r));
		return;
	}
	if (ic.type != XT_ICMP_ECHOREPLY || ic.id != pr->icmp_id) {
		pr->other++;
		return;
	}
	if (ic.seq >= PROBE_BURST + 8 || pr->echo_len[ic.seq] == 0) {
		failf(pr, "echo reply with unexpected seq %u", ic.seq);
		return;
	}
	if (ic.data_len != pr->echo_len[ic.seq]) {
		failf(pr, "echo reply seq %u: %zu payload bytes, sent %zu",
		    ic.seq, ic.data_len, pr->echo_len[ic.seq]);
		return;
	}
	echo_payload(want, ic.seq, ic.data_len);
	if (memcmp(want, ic.data, ic.data_len) != 0) {
		failf(pr, "echo reply seq %u: payload differs", ic.seq);
		return;
	}
	if (pr->echo_got[ic.seq]++ != 0)
		failf(pr, "echo reply seq %u twice", ic.seq);
}

/*
 * The kernel's TCP sender.  Payload byte i of the stream is (i * 31 +
 * 7) & 0xff; in-order data is checked and acknowledged at once, anything
 * else gets a duplicate ACK.
 */
static void
on_tcp(struct probe *pr, const struct xt_ipv4_repr *ih, const uint8_t *p,
    size_t len, size_t flen, unsigned flags)
{
	struct xt_tcp_repr th;
	struct xt_vnet_hdr vh;
	uint8_t buf[XT_VNET_HDR_LEN + 80];
	uint64_t off;
	size_t n, i;
	int verify, r;

	verify = !(flags & XT_RXF_CSUM_PARTIAL);
	if ((r = xt_tcp_parse(p, len, ih->src, ih->dst, verify, &th)) !=
	    XT_OK) {
		failf(pr, "TCP frame of %zu bytes from the kernel: %s%s", flen,
		    xt_strerror(r), verify ? " (checksum was complete)" : "");
		return;
	}
	if (th.dport != pr->port)
		return;
	pr->tcp_frames++;
	if (verify)
		pr->tcp_verified++;
	if (flags & XT_RXF_CSUM_PARTIAL)
		pr->tcp_partial++;
	if (flags & XT_RXF_CSUM_VALID)
		pr->tcp_valid++;
	if (flen > pr->tcp_maxlen)
		pr->tcp_maxlen = flen;
	if (flen > XT_ETH_HLEN + pr->dev->mtu)
		pr->tcp_super++;
	if (th.flags & XT_TH_RST)
		return;
	if ((th.flags & (XT_TH_SYN | XT_TH_ACK)) == XT_TH_SYN) {
		/* RFC 9293 §3.5: SYN -> SYN-ACK (a repeated SYN too) */
		pr->kport = th.sport;
		pr->irs = th.seq;
		pr->rcv_nxt = th.seq + 1;
		pr->synced = 1;
		n = build_tcp(pr, buf, XT_TH_SYN | XT_TH_ACK, PROBE_ISS,
		    pr->rcv_nxt, 0, &vh);
		send_frame(pr, buf, n, &vh);
		return;
	}
	if (!pr->synced || th.sport != pr->kport)
		return;
	if (th.payload_len > 0 && th.seq == pr->rcv_nxt) {
		off = (uint64_t)(uint32_t)(th.seq - pr->irs - 1);
		for (i = 0; i < th.payload_len; i++)
			if (th.payload[i] != (uint8_t)((off + i) * 31 + 7)) {
				failf(pr, "TCP byte %llu differs",
				    (unsigned long long)(off + i));
				return;
			}
		pr->rcv_nxt += (uint32_t)th.payload_len;
		pr->tcp_bytes += th.payload_len;
	} else if (th.payload_len > 0)
		pr->tcp_ooo++;
	else
		return;		/* a bare ACK (the handshake's third) */
	n = build_tcp(pr, buf, XT_TH_ACK, PROBE_ISS + 1, pr->rcv_nxt,
	    pr->offload, &vh);
	send_frame(pr, buf, n, &vh);
}

static void
on_frame(void *arg, const uint8_t *f, size_t len, unsigned flags)
{
	struct probe *pr = arg;
	struct xt_eth_repr eh;
	struct xt_ipv4_repr ih;
	const uint8_t *p, *l4;
	size_t plen, l4len;
	int r;

	if (xt_eth_parse(f, len, &eh, &p, &plen) != XT_OK) {
		pr->other++;
		return;
	}
	if (eh.type == XT_ETHERTYPE_ARP) {
		on_arp(pr, &eh, p, plen);
		return;
	}
	if (eh.type != XT_ETHERTYPE_IPV4) {
		pr->other++;		/* IPv6 neighbour discovery, ... */
		return;
	}
	if ((r = xt_ipv4_parse(p, plen, 1, &ih, &l4, &l4len)) != XT_OK) {
		failf(pr, "IPv4 frame of %zu bytes: %s", len, xt_strerror(r));
		return;
	}
	if (ih.src != pr->kip || ih.dst != pr->ip) {
		pr->other++;
		return;
	}
	if (memcmp(eh.dst, pr->dev->mac, 6) != 0) {
		failf(pr, "IPv4 frame for us sent to another MAC");
		return;
	}
	if (ih.proto == XT_IPPROTO_ICMP)
		on_icmp(pr, l4, l4len);
	else if (ih.proto == XT_IPPROTO_TCP)
		on_tcp(pr, &ih, l4, l4len, len, flags);
	else
		pr->other++;
}

/*
 * One round of receiving: wait up to wait_ms (not past the deadline) for
 * the device's wait_fd, then drain it with rx_burst.  A failure recorded
 * by the callbacks ends the probe.  Returns 1 if the deadline has passed.
 */
static int
pump(struct probe *pr, double deadline, int wait_ms)
{
	struct pollfd pfd;
	double left;
	int r;

	left = deadline - now_s();
	if (left <= 0)
		return (1);
	if (wait_ms > left * 1000)
		wait_ms = (int)(left * 1000) + 1;
	pfd.fd = pr->dev->ops->wait_fd(pr->dev);
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, wait_ms) > 0) {
		r = pr->dev->ops->rx_burst(pr->dev, on_frame, pr, 64);
		if (r < 0)
			die("rx_burst: %s", xt_strerror(r));
	}
	if (pr->fail != NULL)
		die("%s", pr->fail);
	return (0);
}

static void
check_arp(struct probe *pr)
{
	uint8_t buf[XT_VNET_HDR_LEN + 60];
	static const uint8_t zero[6];
	char a[20];
	double end, resend = 0;
	size_t n;
	int tries = 0;

	end = now_s() + PROBE_STEP_S;
	while (!pr->arp_ok) {
		if (now_s() >= resend && tries < 3) {
			n = build_arp(pr, buf, XT_ARP_REQUEST,
			    xt_eth_broadcast, zero, pr->kip);
			send_frame(pr, buf, n, NULL);
			tries++;
			resend = now_s() + 1;
		}
		if (pump(pr, end, 100))
			die("no ARP reply for the kernel's address in %.0f s "
			    "(%d requests sent)", PROBE_STEP_S, tries);
	}
	macstr(pr->kmac, a, sizeof(a));
	printf("ok: ARP request -> reply names the interface's MAC %s "
	    "(%d request(s))\n", a, tries);
}

/*
 * One echo request of len payload bytes, seq; with csum_dev its ICMP
 * checksum is left to the device (NEEDS_CSUM, offload only).
 */
static void
check_echo(struct probe *pr, uint16_t seq, size_t len, int csum_dev)
{
	uint8_t buf[PROBE_FRAME];
	struct xt_vnet_hdr vh;
	uint8_t *icmp;
	double end;
	size_t n;

	n = build_echo(pr, buf, seq, len);
	memset(&vh, 0, sizeof(vh));
	if (csum_dev) {
		/* no pseudo-header for ICMP: the field starts at zero */
		icmp = buf + XT_VNET_HDR_LEN + XT_ETH_HLEN + XT_IPV4_HLEN;
		xt_put16(icmp + 2, 0);
		vh.flags = XT_VNET_F_NEEDS_CSUM;
		vh.csum_start = XT_ETH_HLEN + XT_IPV4_HLEN;
		vh.csum_offset = 2;
	}
	send_frame(pr, buf, n, &vh);
	end = now_s() + PROBE_STEP_S;
	while (!pr->echo_got[seq])
		if (pump(pr, end, 100))
			die("no reply to echo request seq %u (%zu bytes%s) in "
			    "%.0f s", seq, len, csum_dev ? ", NEEDS_CSUM" : "",
			    PROBE_STEP_S);
	printf("ok: ICMP echo seq %u, %zu payload bytes%s: reply with the same "
	    "id, seq and payload\n", seq, len, !pr->offload ? "" : csum_dev ?
	    ", vnet header NEEDS_CSUM (checksum left to the device)" :
	    ", vnet header flags 0 / GSO_NONE");
}

/* PROBE_BURST echo requests in one tx_burst; all replies must come. */
static void
check_burst(struct probe *pr)
{
	static uint8_t frames[PROBE_BURST][XT_VNET_HDR_LEN + 128];
	uint8_t *bufs[PROBE_BURST];
	size_t lens[PROBE_BURST];
	double end;
	unsigned i, got;

	for (i = 0; i < PROBE_BURST; i++) {
		bufs[i] = frames[i];
		lens[i] = build_echo(pr, frames[i], (uint16_t)(8 + i), 64);
	}
	send_frames(pr, bufs, lens, NULL, PROBE_BURST);
	end = now_s() + PROBE_STEP_S;
	for (;;) {
		for (got = 0, i = 0; i < PROBE_BURST; i++)
			got += pr->echo_got[8 + i] != 0;
		if (got == PROBE_BURST)
			break;
		if (pump(pr, end, 100))
			die("burst: %u of %u echo replies in %.0f s", got,
			    PROBE_BURST, PROBE_STEP_S);
	}
	printf("ok: %u echo requests in one tx_burst: %u replies, all intact\n",
	    PROBE_BURST, got);
}

/* The kernel sends kib KiB over TCP to us; see on_tcp(). */
static void
check_tcp(struct probe *pr, size_t kib)
{
	struct sockaddr_in sin;
	struct linger lg;
	struct pollfd pfd[2];
	static uint8_t chunk[65536];
	uint64_t total = (uint64_t)kib * 1024, written = 0;
	double end, t0;
	size_t i, want;
	ssize_t w;
	int s;

	pr->port = (uint16_t)(20000 + getpid() % 20000);
	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		die("socket: %s", strerror(errno));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(pr->port);
	sin.sin_addr.s_addr = htonl(pr->ip);
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno != EINPROGRESS)
		die("connect: %s", strerror(errno));
	t0 = now_s();
	end = t0 + PROBE_TCP_S;
	while (pr->tcp_bytes < total) {
		pfd[0].fd = pr->dev->ops->wait_fd(pr->dev);
		pfd[0].events = POLLIN;
		pfd[1].fd = s;
		pfd[1].events = written < total ? POLLOUT : 0;
		if (now_s() > end)
			die("TCP: %llu of %llu bytes in %.0f s (frames %llu, "
			    "out of order %llu)",
			    (unsigned long long)pr->tcp_bytes,
			    (unsigned long long)total, PROBE_TCP_S,
			    (unsigned long long)pr->tcp_frames,
			    (unsigned long long)pr->tcp_ooo);
		if (poll(pfd, 2, 100) <= 0)
			continue;
		if (pfd[1].revents & (POLLERR | POLLHUP))
			die("TCP: the kernel's socket failed");
		if (pfd[1].revents & POLLOUT) {
			want = sizeof(chunk);
			if (want > total - written)
				want = (size_t)(total - written);
			for (i = 0; i < want; i++)
				chunk[i] = (uint8_t)((written + i) * 31 + 7);
			w = write(s, chunk, want);
			if (w > 0)
				written += (uint64_t)w;
			else if (w == -1 && errno != EAGAIN)
				die("TCP write: %s", strerror(errno));
		}
		if (pfd[0].revents & POLLIN)
			(void)pump(pr, end, 0);
	}
	/* RST rather than FIN: nothing waits for a FIN we never answer */
	lg.l_onoff = 1;
	lg.l_linger = 0;
	(void)setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(s);
	printf("ok: TCP from the kernel: %llu bytes intact in %.2f s, "
	    "%llu frames (largest %zu bytes, %llu larger than the MTU), "
	    "%llu partial checksums, %llu verified, %llu marked valid, "
	    "%llu out of order\n", (unsigned long long)pr->tcp_bytes,
	    now_s() - t0, (unsigned long long)pr->tcp_frames, pr->tcp_maxlen,
	    (unsigned long long)pr->tcp_super,
	    (unsigned long long)pr->tcp_partial,
	    (unsigned long long)pr->tcp_verified,
	    (unsigned long long)pr->tcp_valid,
	    (unsigned long long)pr->tcp_ooo);
	if (!pr->offload && (pr->tcp_super > 0 || pr->tcp_partial > 0))
		die("without offload the kernel sent %llu super-frames and "
		    "%llu partial checksums",
		    (unsigned long long)pr->tcp_super,
		    (unsigned long long)pr->tcp_partial);
	if (pr->offload && pr->tcp_super == 0)
		printf("note: with offload no TCP frame was larger than the "
		    "MTU\n");
}

/*
 * -S: a seccomp filter (seccomp(2), classic BPF over struct seccomp_data)
 * that makes io_uring_setup fail with EPERM and allows everything else.
 * The syscall number alone is compared (the native ABI's); good enough
 * for a test that only takes something away.
 */
static void
block_uring(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog;

	memset(&prog, 0, sizeof(prog));
	prog.len = (unsigned short)(sizeof(f) / sizeof(f[0]));
	prog.filter = f;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == -1)
		die("cannot install the seccomp filter: %s", strerror(errno));
	printf("seccomp: io_uring_setup now fails with EPERM\n");
}

/* Can this process set up an io_uring (sysctl, seccomp, kernel)? */
static int
uring_available(void)
{
#ifndef HAVE_LIBURING
	return (0);		/* built --without-liburing: never used */
#else
	struct io_uring ring;

	if (io_uring_queue_init(2, &ring, 0) < 0)
		return (0);
	io_uring_queue_exit(&ring);
	return (1);
#endif
}

static void
usage(void)
{
	fprintf(stderr, "usage: tap_probe [-n] [-p] [-S] [-b KIB] IFNAME "
	    "OURIP KERNELIP\n"
	    "       tap_probe [-n] [-p] [-S] -O IFNAME\n"
	    "       tap_probe [-n] [-p] [-S] -x eperm|enodev IFNAME\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct probe pr;
	struct in_addr ia;
	unsigned flags = 0;
	size_t kib = 256;
	char a[20];
	int c, r, fd, fds[8], nfd, uring, can_uring, open_only = 0;
	int expect = XT_OK, seccomp = 0;

	memset(&pr, 0, sizeof(pr));
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt(argc, argv, "b:npOSx:")) != -1) {
		switch (c) {
		case 'b':
			kib = (size_t)strtoul(optarg, NULL, 10);
			if (kib == 0 || kib > 1024 * 1024)
				usage();
			break;
		case 'n':
			flags |= XT_DEVOPEN_NO_OFFLOAD;
			break;
		case 'p':
			flags |= XT_DEVOPEN_NO_URING;
			break;
		case 'O':
			open_only = 1;
			break;
		case 'S':
			seccomp = 1;
			break;
		case 'x':
			if (strcmp(optarg, "eperm") == 0)
				expect = XT_EPERM;
			else if (strcmp(optarg, "enodev") == 0)
				expect = XT_ENODEV;
			else
				usage();
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (open_only || expect != XT_OK) {
		if (argc != 1)
			usage();
	} else if (argc != 3)
		usage();
	if (argc == 3) {
		if (inet_pton(AF_INET, argv[1], &ia) != 1)
			usage();
		pr.ip = ntohl(ia.s_addr);
		if (inet_pton(AF_INET, argv[2], &ia) != 1)
			usage();
		pr.kip = ntohl(ia.s_addr);
	}

	if ((fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)) == -1) {
		printf("tap_probe: SKIP: cannot open /dev/net/tun: %s\n",
		    strerror(errno));
		return (77);
	}
	close(fd);
	if (seccomp)
		block_uring();
	can_uring = uring_available();

	r = xt_dev_tap_open(argv[0], NULL, 0, flags, &pr.dev);
	if (expect != XT_OK) {
		if (r == XT_OK)
			die("xt_dev_tap_open(%s) as uid %d succeeded, expected "
			    "%s", argv[0], (int)getuid(), xt_strerror(expect));
		if (r != expect)
			die("xt_dev_tap_open(%s) as uid %d: %s, expected %s",
			    argv[0], (int)getuid(), xt_strerror(r),
			    xt_strerror(expect));
		printf("ok: xt_dev_tap_open(%s) as uid %d fails: %s\n",
		    argv[0], (int)getuid(), xt_strerror(r));
		return (0);
	}
	if (r != XT_OK)
		die("xt_dev_tap_open(%s): %s", argv[0], xt_strerror(r));
	if (ifmac(argv[0], pr.kmac) == -1)
		die("%s: cannot read the interface's MAC: %s", argv[0],
		    strerror(errno));
	pr.offload = (pr.dev->caps & XT_DEVCAP_OFFLOAD) != 0;
	pr.icmp_id = (uint16_t)getpid();
	uring = xt_dev_tap_uses_uring(pr.dev);
	nfd = xt_dev_fds(pr.dev, fds, 8);
	macstr(pr.dev->mac, a, sizeof(a));
	printf("open %s as uid %d: mtu=%u mac=%s caps=%#x offload=%s "
	    "io_uring=%s (available to this process: %s) wait_fd=%d fds=%d\n",
	    argv[0], (int)getuid(), pr.dev->mtu, a, pr.dev->caps,
	    pr.offload ? "yes" : "no", uring ? "yes" : "no",
	    can_uring ? "yes" : "no", pr.dev->ops->wait_fd(pr.dev), nfd);

	if ((pr.dev->mac[0] & 0x03) != 0x02)
		die("made-up MAC %s is not locally administered unicast", a);
	if (memcmp(pr.dev->mac, pr.kmac, 6) == 0)
		die("our MAC is the interface's");
	if (pr.dev->mtu < 576 || pr.dev->mtu > 1500)
		die("unexpected MTU %u (want the interface's, 576..1500)",
		    pr.dev->mtu);
	if (!(pr.dev->caps & XT_DEVCAP_RX_SUPER))
		die("caps lack XT_DEVCAP_RX_SUPER");
	if ((flags & XT_DEVOPEN_NO_OFFLOAD) && pr.offload)
		die("XT_DEVOPEN_NO_OFFLOAD given, device offers offload");
	if (!(flags & XT_DEVOPEN_NO_OFFLOAD) && !pr.offload)
		die("the kernel refused the TAP offload settings");
	if ((flags & XT_DEVOPEN_NO_URING) && uring)
		die("XT_DEVOPEN_NO_URING given, device uses io_uring");
	if (!(flags & XT_DEVOPEN_NO_URING) && can_uring && !uring)
		die("io_uring works here but the device does not use it");
	if (!can_uring && uring)
		die("io_uring_queue_init fails here but the device uses it");
	if (nfd != (uring ? 4 : 1) ||
	    pr.dev->ops->wait_fd(pr.dev) != (uring ? fds[1] : fds[0]))
		die("xt_dev_fds gave %d descriptors", nfd);
	printf("ok: open: random locally administered MAC, the interface's "
	    "MTU, caps as asked\n");
	if (open_only) {
		pr.dev->ops->close(pr.dev);
		printf("PASS: %s (open only)\n", argv[0]);
		return (0);
	}

	check_arp(&pr);
	check_echo(&pr, 1, PROBE_SMALL, 0);
	check_echo(&pr, 2, pr.dev->mtu - XT_IPV4_HLEN - XT_ICMP_HLEN, 0);
	check_burst(&pr);
	if (pr.offload)
		check_echo(&pr, 3, PROBE_SMALL, 1);
	check_tcp(&pr, kib);

	printf("summary: rx_frames=%llu tx_frames=%llu tx_drops=%llu "
	    "arp_answered=%llu other=%llu\n",
	    (unsigned long long)pr.dev->rx_frames,
	    (unsigned long long)pr.dev->tx_frames,
	    (unsigned long long)pr.dev->tx_drops,
	    (unsigned long long)pr.arp_answered,
	    (unsigned long long)pr.other);
	if (pr.dev->tx_drops != 0)
		die("tx_drops=%llu", (unsigned long long)pr.dev->tx_drops);
	pr.dev->ops->close(pr.dev);
	printf("PASS: %s\n", argv[0]);
	return (0);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * devpkt_probe.c - manual check of the AF_PACKET device (dev_packet.c).
 *
 * Opens IFNAME with xt_dev_packet_open() for IPADDR and, for at most
 * SECONDS seconds, prints one line per frame the device delivers (length,
 * ethertype, checksum flags, IPv4 summary) and answers ARP requests for
 * IPADDR with a hand-built reply (RFC 826).  With -s it also answers a TCP
 * SYN to IPADDR with a SYN-ACK (RFC 9293 §3.5) so the peer's kernel starts
 * sending data: that shows partial checksums and TSO super-frames.  Data is
 * never acknowledged; the peer retransmits until the probe exits.  With
 * -g N it first sends N gratuitous ARP frames in one tx_burst (sendmmsg)
 * and one frame larger than the MTU (expected to be dropped and counted).
 * A last line "summary ..." gives totals.  Exit 0, or 1 if open failed.
 *
 * Build (from the checkout root):
 *   gcc -std=gnu11 -O2 -Istack -o devpkt_probe \
 *       tests/integration/devpkt_probe.c stack/dev/dev_packet.c stack/xt_err.c
 *
 * Example, as root, in namespaces of your own (kernel side 10.77.0.1 in
 * xtpa, probe 10.77.0.2 in xtpb; xtpb's kernel has no IPv4 address):
 *   ip netns add xtpa; ip netns add xtpb
 *   ip link add xtpa0 netns xtpa type veth peer name xtpb0 netns xtpb
 *   ip -n xtpa addr add 10.77.0.1/24 dev xtpa0
 *   ip -n xtpa link set dev xtpa0 up; ip -n xtpb link set dev xtpb0 up
 *   ip netns exec xtpb ./devpkt_probe -s xtpb0 10.77.0.2 8 &
 *   ip netns exec xtpa ping -c 3 -W 1 10.77.0.2      # ARP resolves
 *   ip netns exec xtpa sh -c 'head -c 200000 /dev/zero | nc -w 2 10.77.0.2 80'
 *   ip netns del xtpa; ip netns del xtpb
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xt_err.h"
#include "dev/phy.h"

struct probe {
	struct xt_dev	*dev;
	uint32_t	ip;		/* ours, host order */
	int		synack;		/* -s: answer SYNs */
	uint64_t	frames;		/* frames seen */
	uint64_t	arp_replies;	/* ARP replies sent */
	uint64_t	synacks;	/* SYN-ACKs sent */
	uint64_t	partial;	/* frames with XT_RXF_CSUM_PARTIAL */
	uint64_t	valid;		/* frames with XT_RXF_CSUM_VALID */
	uint64_t	super;		/* frames longer than MTU + 14 */
	uint64_t	foreign;	/* IPv4 not for ip: filter leak */
	uint64_t	badlen;		/* IPv4 total length != frame length */
	size_t		maxlen;		/* longest frame, bytes */
};

static uint16_t	get16(const uint8_t *);
static uint32_t	get32(const uint8_t *);
static void	put16(uint8_t *, uint16_t);
static void	put32(uint8_t *, uint32_t);
static uint32_t	csum_add(uint32_t, const uint8_t *, size_t);
static uint16_t	csum_fold(uint32_t);
static void	ipstr(uint32_t, char *, size_t);
static void	send_frame(struct probe *, uint8_t *, size_t);
static void	arp_reply(struct probe *, const uint8_t *, size_t);
static void	tcp_synack(struct probe *, const uint8_t *, size_t);
static void	on_frame(void *, const uint8_t *, size_t, unsigned);
static void	gratuitous(struct probe *, unsigned);
static double	now_s(void);
static int	parse_mac(const char *, uint8_t *);
static void	usage(void);

static uint16_t
get16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* RFC 1071 one's-complement sum. */
static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	while (len > 1) {
		sum += get16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return (sum);
}

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)~sum);
}

static void
ipstr(uint32_t ip, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
	    (ip >> 8) & 0xff, ip & 0xff);
}

static void
send_frame(struct probe *pr, uint8_t *f, size_t len)
{
	struct iovec iov;
	int r;

	iov.iov_base = f;
	iov.iov_len = len;
	r = pr->dev->ops->tx_burst(pr->dev, &iov, 1);
	if (r != 1)
		printf("tx failed: %d (%s)\n", r, r < 0 ? xt_strerror(r) :
		    "dropped");
}

/* RFC 826: answer a request for our address. */
static void
arp_reply(struct probe *pr, const uint8_t *f, size_t len)
{
	uint8_t out[60];
	const uint8_t *a = f + 14;

	if (len < 14 + 28 || get16(a) != 1 || get16(a + 2) != 0x0800 ||
	    a[4] != 6 || a[5] != 4 || get16(a + 6) != 1 ||
	    get32(a + 24) != pr->ip)
		return;
	memset(out, 0, sizeof(out));
	memcpy(out, a + 8, 6);				/* dst: sender hw */
	memcpy(out + 6, pr->dev->mac, 6);
	put16(out + 12, 0x0806);
	put16(out + 14, 1);				/* htype Ethernet */
	put16(out + 16, 0x0800);			/* ptype IPv4 */
	out[18] = 6;
	out[19] = 4;
	put16(out + 20, 2);				/* reply */
	memcpy(out + 22, pr->dev->mac, 6);		/* sha */
	put32(out + 28, pr->ip);			/* spa */
	memcpy(out + 32, a + 8, 10);			/* tha, tpa */
	send_frame(pr, out, sizeof(out));
	pr->arp_replies++;
}

/* RFC 9293 §3.5: SYN-ACK with MSS 1460, window 65535, no window scale. */
static void
tcp_synack(struct probe *pr, const uint8_t *f, size_t len)
{
	uint8_t out[14 + 20 + 24];
	const uint8_t *ip = f + 14, *th;
	uint8_t *oip = out + 14, *oth = out + 34, ph[12];
	size_t ihl;
	uint32_t sum;

	ihl = (size_t)(ip[0] & 0xf) * 4;
	if (len < 14 + ihl + 20 || ip[9] != 6)
		return;
	th = ip + ihl;
	if ((th[13] & 0x17) != 0x02)		/* SYN alone */
		return;
	memset(out, 0, sizeof(out));
	memcpy(out, f + 6, 6);
	memcpy(out + 6, pr->dev->mac, 6);
	put16(out + 12, 0x0800);
	oip[0] = 0x45;
	put16(oip + 2, 20 + 24);
	oip[8] = 64;
	oip[9] = 6;
	memcpy(oip + 12, ip + 16, 4);
	memcpy(oip + 16, ip + 12, 4);
	put16(oip + 10, csum_fold(csum_add(0, oip, 20)));
	memcpy(oth, th + 2, 2);				/* sport */
	memcpy(oth + 2, th, 2);				/* dport */
	put32(oth + 4, 0x10000000);			/* ISS */
	put32(oth + 8, get32(th + 4) + 1);
	oth[12] = 6 << 4;				/* 24-byte header */
	oth[13] = 0x12;					/* SYN|ACK */
	put16(oth + 14, 65535);
	oth[20] = 2;					/* MSS */
	oth[21] = 4;
	put16(oth + 22, 1460);
	memcpy(ph, oip + 12, 8);
	ph[8] = 0;
	ph[9] = 6;
	put16(ph + 10, 24);
	sum = csum_add(csum_add(0, ph, sizeof(ph)), oth, 24);
	put16(oth + 16, csum_fold(sum));
	send_frame(pr, out, sizeof(out));
	pr->synacks++;
}

static void
on_frame(void *arg, const uint8_t *f, size_t len, unsigned flags)
{
	struct probe *pr = arg;
	char src[16], dst[16];
	uint16_t type;
	uint32_t dip;
	int super;

	pr->frames++;
	if (len > pr->maxlen)
		pr->maxlen = len;
	if (flags & XT_RXF_CSUM_PARTIAL)
		pr->partial++;
	if (flags & XT_RXF_CSUM_VALID)
		pr->valid++;
	super = len > pr->dev->mtu + 14;
	if (super)
		pr->super++;
	type = len >= 14 ? get16(f + 12) : 0;
	printf("rx len=%zu type=0x%04x flags=%s%s%s", len, type,
	    (flags & XT_RXF_CSUM_PARTIAL) ? "P" : "-",
	    (flags & XT_RXF_CSUM_VALID) ? "V" : "-", super ? " SUPER" : "");
	if (type == 0x0806 && len >= 42) {
		ipstr(get32(f + 28), src, sizeof(src));
		ipstr(get32(f + 38), dst, sizeof(dst));
		printf(" arp op=%u %s -> %s\n", get16(f + 20), src, dst);
		arp_reply(pr, f, len);
	} else if (type == 0x0800 && len >= 34) {
		dip = get32(f + 30);
		ipstr(get32(f + 26), src, sizeof(src));
		ipstr(dip, dst, sizeof(dst));
		/* intact: the IPv4 total length covers the whole frame
		 * (short frames carry Ethernet padding) */
		printf(" ipv4 proto=%u totlen=%u %s -> %s%s\n", f[23],
		    get16(f + 16), src, dst, (size_t)get16(f + 16) + 14 !=
		    len && len > 60 ? " BADLEN" : "");
		if ((size_t)get16(f + 16) + 14 != len && len > 60)
			pr->badlen++;
		if (dip != pr->ip)
			pr->foreign++;
		else if (pr->synack)
			tcp_synack(pr, f, len);
	} else
		printf("\n");
	fflush(stdout);
}

/* n gratuitous ARP replies in one burst, then one oversized frame. */
static void
gratuitous(struct probe *pr, unsigned n)
{
	static uint8_t big[9000];
	uint8_t g[60];
	struct iovec *v;
	unsigned i;
	uint64_t drops;
	int r;

	memset(g, 0, sizeof(g));
	memset(g, 0xff, 6);
	memcpy(g + 6, pr->dev->mac, 6);
	put16(g + 12, 0x0806);
	put16(g + 14, 1);
	put16(g + 16, 0x0800);
	g[18] = 6;
	g[19] = 4;
	put16(g + 20, 2);
	memcpy(g + 22, pr->dev->mac, 6);
	put32(g + 28, pr->ip);
	memset(g + 32, 0xff, 6);
	put32(g + 38, pr->ip);
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		v[i].iov_base = g;
		v[i].iov_len = sizeof(g);
	}
	r = pr->dev->ops->tx_burst(pr->dev, v, n);
	printf("tx burst of %u gratuitous ARP: %d sent, tx_drops=%llu\n", n,
	    r, (unsigned long long)pr->dev->tx_drops);
	free(v);

	/* An IPv4 frame of MTU + 100 bytes payload: the kernel refuses it. */
	memcpy(big, g, 12);
	put16(big + 12, 0x0800);
	drops = pr->dev->tx_drops;
	v = &(struct iovec){ big, 14 + (size_t)pr->dev->mtu + 100 };
	r = pr->dev->ops->tx_burst(pr->dev, v, 1);
	printf("tx oversized frame (%zu bytes): %d sent, drops +%llu\n",
	    v->iov_len, r, (unsigned long long)(pr->dev->tx_drops - drops));
	fflush(stdout);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static int
parse_mac(const char *s, uint8_t *mac)
{
	unsigned v[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3],
	    &v[4], &v[5]) != 6)
		return (-1);
	for (i = 0; i < 6; i++) {
		if (v[i] > 0xff)
			return (-1);
		mac[i] = (uint8_t)v[i];
	}
	return (0);
}

static void
usage(void)
{
	fprintf(stderr, "usage: devpkt_probe [-s] [-g N] [-m MAC] IFNAME "
	    "IPADDR [SECONDS]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct probe pr;
	struct pollfd pfd;
	struct in_addr ia;
	uint8_t mac[6], *macp = NULL;
	unsigned ngrat = 0;
	double secs = 5, end, left;
	int c, r;

	memset(&pr, 0, sizeof(pr));
	while ((c = getopt(argc, argv, "g:m:s")) != -1) {
		switch (c) {
		case 'g':
			ngrat = (unsigned)strtoul(optarg, NULL, 10);
			if (ngrat == 0 || ngrat > 1000)
				usage();
			break;
		case 'm':
			if (parse_mac(optarg, mac) == -1)
				usage();
			macp = mac;
			break;
		case 's':
			pr.synack = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || argc > 3 || inet_pton(AF_INET, argv[1], &ia) != 1)
		usage();
	if (argc == 3 && ((secs = atof(argv[2])) <= 0 || secs > 600))
		usage();
	pr.ip = ntohl(ia.s_addr);

	r = xt_dev_packet_open(argv[0], pr.ip, macp, 0, &pr.dev);
	if (r != XT_OK) {
		fprintf(stderr, "devpkt_probe: %s: %s\n", argv[0],
		    xt_strerror(r));
		return (1);
	}
	printf("open %s mtu=%u mac=%02x:%02x:%02x:%02x:%02x:%02x caps=%#x "
	    "fd=%d\n", argv[0], pr.dev->mtu, pr.dev->mac[0], pr.dev->mac[1],
	    pr.dev->mac[2], pr.dev->mac[3], pr.dev->mac[4], pr.dev->mac[5],
	    pr.dev->caps, pr.dev->ops->wait_fd(pr.dev));
	fflush(stdout);
	if (ngrat)
		gratuitous(&pr, ngrat);

	end = now_s() + secs;
	while ((left = end - now_s()) > 0) {
		pfd.fd = pr.dev->ops->wait_fd(pr.dev);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, left > 0.1 ? 100 : (int)(left * 1000) + 1)
		    <= 0)
			continue;
		r = pr.dev->ops->rx_burst(pr.dev, on_frame, &pr, 64);
		if (r < 0) {
			printf("rx error: %s\n", xt_strerror(r));
			break;
		}
	}
	printf("summary frames=%llu arp_replies=%llu synacks=%llu "
	    "partial=%llu valid=%llu super=%llu maxlen=%zu foreign=%llu "
	    "badlen=%llu "
	    "rx_frames=%llu tx_frames=%llu tx_drops=%llu\n",
	    (unsigned long long)pr.frames,
	    (unsigned long long)pr.arp_replies,
	    (unsigned long long)pr.synacks, (unsigned long long)pr.partial,
	    (unsigned long long)pr.valid, (unsigned long long)pr.super,
	    pr.maxlen, (unsigned long long)pr.foreign,
	    (unsigned long long)pr.badlen,
	    (unsigned long long)pr.dev->rx_frames,
	    (unsigned long long)pr.dev->tx_frames,
	    (unsigned long long)pr.dev->tx_drops);
	pr.dev->ops->close(pr.dev);
	return (0);
}

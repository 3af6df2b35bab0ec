/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_net.c - unit tests for the network layer under a hostile link:
 * the neighbour cache against floods of spoofed sources (eviction, the
 * gateway kept, request rate limits, bounded pending queues), ARP
 * hygiene (sender MAC against the Ethernet source, no overwrite by
 * unsolicited ARP, conflicts on our address), martian IPv4 sources, and
 * what the layer hands upward (a failed neighbour ends the connections
 * that wait on it; a protocol nobody registered is counted).
 *
 * The engine runs over a capture device that keeps the first bytes of
 * every frame it sends; frames are injected with xtcp_engine_input() and
 * time passes with xtcp_engine_poll(), both at the test's clock.
 *
 * Read first: RFC 826, RFC 1122 §2.3.2.1 and §3.2.1.3, RFC 5227 §2.4.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <check.h>

#include "check_helpers.h"
#include "xt_err.h"
#include "xtcp.h"
#include "xt_engine.h"
#include "dev/phy.h"
#include "net/net.h"
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

Suite	*xt_suite_net(void);

#define OUR_IP		0x0a000001u	/* 10.0.0.1/24 */
#define PEER_IP		0x0a000002u	/* 10.0.0.2 */
#define GW_IP		0x0a0000feu	/* 10.0.0.254 */
#define FAR_IP		0xc0000201u	/* 192.0.2.1, off-link */
#define FAR_IP2		0xc0000202u	/* 192.0.2.2 */
#define CLOSED_PORT	9		/* nobody listens */
#define T0		1000000ull	/* µs */
#define SEC		1000000ull

#define CAP_MAX		4096
#define CAP_HEAD	96	/* bytes of each frame kept */

static const uint8_t our_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t gw_mac[6] = { 0x02, 0, 0, 0, 0, 0xfe };
static const uint8_t evil_mac[6] = { 0x02, 0xee, 0, 0, 0, 0x66 };

/* ---- capture device ---- */

struct capdev {
	struct xt_dev	dev;
	unsigned	n;			/* frames captured */
	size_t		len[CAP_MAX];
	uint8_t		head[CAP_MAX][CAP_HEAD];
};

static struct capdev *cap;
static struct xtcp_engine *eng;
static uint64_t now;
static unsigned nlog;			/* log lines at WARN or worse */
static char lastlog[256];

static int
cap_rx_burst(struct xt_dev *d, xt_rx_fn cb, void *arg, unsigned max)
{
	(void)d;
	(void)cb;
	(void)arg;
	(void)max;
	return (0);
}

static int
cap_tx_burst(struct xt_dev *d, const struct iovec *v, unsigned n)
{
	struct capdev *c = d->priv;
	unsigned i;
	size_t k;

	for (i = 0; i < n; i++) {
		ck_assert_msg(c->n < CAP_MAX, "more than %d frames", CAP_MAX);
		k = v[i].iov_len < CAP_HEAD ? v[i].iov_len : CAP_HEAD;
		memcpy(c->head[c->n], v[i].iov_base, k);
		c->len[c->n] = v[i].iov_len;
		c->n++;
	}
	return ((int)n);
}

static int
cap_wait_fd(struct xt_dev *d)
{
	(void)d;
	return (-1);
}

static void
cap_close(struct xt_dev *d)
{
	(void)d;
}

static const struct xt_dev_ops cap_ops = {
	.name = "capture",
	.rx_burst = cap_rx_burst,
	.tx_burst = cap_tx_burst,
	.wait_fd = cap_wait_fd,
	.close = cap_close
};

static void
log_cb(void *arg, int level, const char *line)
{
	(void)arg;
	if (level <= XTCP_LOG_WARN) {
		nlog++;
		snprintf(lastlog, sizeof(lastlog), "%s", line);
	}
}

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

/* Frame i is an ARP request: its target address into *tpa. */
static int
cap_arp_request(unsigned i, uint32_t *tpa)
{
	const uint8_t *f = cap->head[i];

	if (cap->len[i] < XT_ETH_HLEN + XT_ARP_LEN ||
	    get16(f + 12) != XT_ETHERTYPE_ARP ||
	    get16(f + XT_ETH_HLEN + 6) != XT_ARP_REQUEST)
		return (0);
	*tpa = get32(f + XT_ETH_HLEN + 24);
	return (1);
}

/* ARP requests among the captured frames (target 0: any, except our
 * own announcements). */
static unsigned
count_arp_requests(uint32_t target)
{
	unsigned i, n = 0;
	uint32_t tpa;

	for (i = 0; i < cap->n; i++)
		if (cap_arp_request(i, &tpa) && tpa != OUR_IP &&
		    (target == 0 || tpa == target))
			n++;
	return (n);
}

/* Announcements of our address (RFC 5227 §3: sender = target = ours). */
static unsigned
count_announcements(void)
{
	unsigned i, n = 0;
	const uint8_t *f;
	uint32_t tpa;

	for (i = 0; i < cap->n; i++) {
		f = cap->head[i];
		if (cap_arp_request(i, &tpa) && tpa == OUR_IP &&
		    get32(f + XT_ETH_HLEN + 14) == OUR_IP &&
		    memcmp(f, xt_eth_broadcast, 6) == 0 &&
		    memcmp(f + XT_ETH_HLEN + 8, our_mac, 6) == 0)
			n++;
	}
	return (n);
}

/* Frame i is IPv4 with protocol proto to dst (0: any). */
static int
cap_is_ip(unsigned i, uint8_t proto, uint32_t dst)
{
	const uint8_t *f = cap->head[i];

	return (cap->len[i] >= XT_ETH_HLEN + XT_IPV4_HLEN &&
	    get16(f + 12) == XT_ETHERTYPE_IPV4 && f[XT_ETH_HLEN + 9] == proto &&
	    (dst == 0 || get32(f + XT_ETH_HLEN + 16) == dst));
}

static unsigned
count_ip(uint8_t proto, uint32_t dst)
{
	unsigned i, n = 0;

	for (i = 0; i < cap->n; i++)
		if (cap_is_ip(i, proto, dst))
			n++;
	return (n);
}

static int64_t
stat(const char *name)
{
	int64_t v = xtcp_stats_get(eng, name);

	ck_assert_msg(v >= 0, "no counter %s", name);
	return (v);
}

/* ---- engine and frames ---- */

static void
engine_up_with(uint32_t addr, uint8_t prefixlen, uint32_t arp_retries)
{
	struct xtcp_config cfg;

	xtcp_config_defaults(&cfg);
	cfg.addr = addr;
	cfg.prefixlen = prefixlen;
	cfg.gw = GW_IP;
	cfg.arp_retries = arp_retries;
	cfg.arp_timeout_ms = 36000000;	/* no expiry during a test */
	cfg.log_level = XTCP_LOG_DEBUG;
	cfg.log_fn = log_cb;
	ck_assert_int_eq(xtcp_engine_new(&cfg, &cap->dev, 1, now, &eng),
	    XT_OK);
	cap->n = 0;
}

static void
setup(void)
{
	cap = calloc(1, sizeof(*cap));
	ck_assert_ptr_nonnull(cap);
	cap->dev.ops = &cap_ops;
	memcpy(cap->dev.mac, our_mac, 6);
	cap->dev.mtu = 1500;
	cap->dev.priv = cap;
	eng = NULL;
	now = T0;
	nlog = 0;
	lastlog[0] = '\0';
	engine_up_with(OUR_IP, 24, 3);
}

static void
teardown(void)
{
	if (eng != NULL)
		xtcp_engine_free(eng);
	eng = NULL;
	free(cap);
	cap = NULL;
}

static void
inject(const uint8_t *frame, size_t len)
{
	xtcp_engine_input(eng, now, frame, len, 0);
}

static void
advance_to(uint64_t t)
{
	ck_assert_uint_ge(t, now);
	now = t;
	xtcp_engine_poll(eng, now);
}

/* An ARP packet in a frame from ethsrc to ethdst. */
static void
send_arp(const uint8_t *ethsrc, const uint8_t *ethdst, uint16_t op,
    const uint8_t *sha, uint32_t spa, const uint8_t *tha, uint32_t tpa)
{
	uint8_t buf[XT_ETH_HLEN + XT_ARP_LEN];
	struct xt_eth_repr eh;
	struct xt_arp_repr ar;

	memcpy(eh.dst, ethdst, 6);
	memcpy(eh.src, ethsrc, 6);
	eh.type = XT_ETHERTYPE_ARP;
	xt_eth_emit(&eh, buf);
	memset(&ar, 0, sizeof(ar));
	ar.op = op;
	memcpy(ar.sha, sha, 6);
	ar.spa = spa;
	if (tha != NULL)
		memcpy(ar.tha, tha, 6);
	ar.tpa = tpa;
	xt_arp_emit(&ar, buf + XT_ETH_HLEN);
	inject(buf, sizeof(buf));
}

/* The host (mac, ip) answers our request for ip. */
static void
arp_reply_from(const uint8_t *mac, uint32_t ip)
{
	send_arp(mac, our_mac, XT_ARP_REPLY, mac, ip, our_mac, OUR_IP);
}

/* The host (mac, ip) asks for our address: RFC 826 merge learns it. */
static void
arp_request_from(const uint8_t *mac, uint32_t ip)
{
	send_arp(mac, xt_eth_broadcast, XT_ARP_REQUEST, mac, ip, NULL,
	    OUR_IP);
}

/* A distinct locally administered MAC for spoofed host number i. */
static void
host_mac(uint32_t i, uint8_t *mac)
{
	mac[0] = 0x02;
	mac[1] = 0x55;
	mac[2] = (uint8_t)(i >> 24);
	mac[3] = (uint8_t)(i >> 16);
	mac[4] = (uint8_t)(i >> 8);
	mac[5] = (uint8_t)i;
}

/* A TCP segment with flags from (mac, src) to (dst, dport). */
static void
send_tcp_to(const uint8_t *mac, uint32_t src, uint32_t dst, uint16_t dport,
    uint8_t flags)
{
	struct xt_test_frame f;
	struct xt_tcp_repr t;
	uint8_t buf[256];
	size_t n;

	memset(&f, 0, sizeof(f));
	memcpy(f.src_mac, mac, 6);
	memcpy(f.dst_mac, our_mac, 6);
	f.saddr = src;
	f.daddr = dst;
	memset(&t, 0, sizeof(t));
	t.sport = 40000;
	t.dport = dport;
	t.seq = 12345;
	t.flags = flags;
	t.win = 65535;
	n = xt_test_build_tcp(buf, sizeof(buf), &f, &t, NULL, 0);
	inject(buf, n);
}

/* ... to our address (OUR_IP). */
static void
send_tcp(const uint8_t *mac, uint32_t src, uint16_t dport, uint8_t flags)
{
	send_tcp_to(mac, src, OUR_IP, dport, flags);
}

/* An ICMP echo request from (mac, src). */
static void
send_ping(const uint8_t *mac, uint32_t src)
{
	struct xt_test_frame f;
	struct xt_icmp4_repr m;
	uint8_t buf[256];
	size_t n;

	memset(&f, 0, sizeof(f));
	memcpy(f.src_mac, mac, 6);
	memcpy(f.dst_mac, our_mac, 6);
	f.saddr = src;
	f.daddr = OUR_IP;
	memset(&m, 0, sizeof(m));
	m.type = XT_ICMP_ECHO;
	m.id = 7;
	m.seq = 1;
	n = xt_test_build_icmp(buf, sizeof(buf), &f, &m);
	inject(buf, n);
}

/* Resolve the gateway the way connections do: connect() to an off-link
 * address asks for it, the gateway answers, the SYN leaves. */
static void
gateway_resolved(void)
{
	struct xtcp_sock *s;

	ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
	ck_assert_int_eq(xtcp_connect(s, now, FAR_IP, 80), XT_EINPROGRESS);
	ck_assert_uint_eq(count_arp_requests(GW_IP), 1);
	cap->n = 0;
	arp_reply_from(gw_mac, GW_IP);
	ck_assert_uint_eq(count_ip(XT_IPPROTO_TCP, FAR_IP), 1);
	ck_assert(memcmp(cap->head[0], gw_mac, 6) == 0);
	cap->n = 0;
	xtcp_close(s, now);	/* no retransmissions, no revalidation */
	cap->n = 0;
}

/* What the retransmission timer does after repeated timeouts to dst
 * (RFC 1122 §2.3.2.1), and the frame it sends flushed. */
static void
revalidate(uint32_t dst)
{
	advance_to(now);		/* the engine's clock */
	xt_arp_revalidate(eng, dst);
	xt_tx_flush(eng);
}

/* connect() to dst: the SYN leaves at once, to Ethernet address mac. */
static void
expect_syn_now(uint32_t dst, const uint8_t *mac)
{
	struct xtcp_sock *s;

	cap->n = 0;
	ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
	ck_assert_int_eq(xtcp_connect(s, now, dst, 80), XT_EINPROGRESS);
	ck_assert_msg(cap->n == 1 && cap_is_ip(0, XT_IPPROTO_TCP, dst),
	    "%u frames out, %u ARP requests: the SYN did not leave",
	    cap->n, count_arp_requests(0));
	ck_assert(memcmp(cap->head[0], mac, 6) == 0);
	ck_assert_uint_eq(cap->head[0][XT_ETH_HLEN + XT_IPV4_HLEN + 13],
	    XT_TH_SYN);
	xtcp_close(s, now);
	cap->n = 0;
}

/* Frames the neighbour cache holds, by walking the engine's table. */
static void
expect_queue_bounds(void)
{
	uint32_t total = 0, low = 0, nent = 0, b;
	unsigned i;

	for (i = 0; i < XT_ARP_SLOTS; i++) {
		const struct xt_arp_entry *e = &eng->arp.e[i];

		if (e->state == XT_ARP_FREE)
			continue;
		nent++;
		ck_assert_uint_le(e->nq, XT_ARP_QLEN);
		total += e->nq;
		for (b = 0; b < e->nq; b++)
			if (e->qlow & (1u << b))
				low++;
	}
	ck_assert_uint_le(nent, XT_ARP_SLOTS);
	ck_assert_uint_eq(total, eng->arp.nq);
	ck_assert_uint_eq(low, eng->arp.nq_low);
	ck_assert_uint_le(total, XT_ARP_QTOTAL);
	ck_assert_uint_le(low, XT_ARP_QLOW);
}

/* ---- bug 4: cache exhaustion by spoofed on-link sources ---- */

/*
 * Was a bug, fixed: pending entries were never evicted and resolved ones
 * were, so 64 segments from spoofed on-link sources to a closed port
 * (each RST needing ARP) evicted the gateway and connect() off-link sent
 * no SYN.  200 such SYNs at once: the gateway stays, the SYN leaves at
 * once to its MAC, and the RSTs spend only the unreserved part of the
 * request budget.
 */
START_TEST(net_flood_keeps_gateway)
{
	struct xtcp_sock *s;
	uint8_t mac[6];
	uint32_t i, nreq;

	gateway_resolved();
	for (i = 0; i < 200; i++) {
		host_mac(i, mac);
		send_tcp(mac, 0x0a000000u | (i % 250 + 2), CLOSED_PORT,
		    XT_TH_SYN);
		if (i == 100)
			expect_queue_bounds();
	}
	nreq = count_arp_requests(0);
	ck_assert_msg(nreq <= XT_ARP_REQ_BURST - XT_ARP_REQ_RESERVE,
	    "%u ARP requests for the flood", nreq);
	ck_assert_uint_gt(nreq, 0);	/* RSTs still ask, within budget */
	ck_assert_uint_eq(count_ip(XT_IPPROTO_TCP, 0), 0);
	ck_assert_int_gt(stat("arp_unres_drops"), 0);
	ck_assert_int_eq(stat("arp_cache_full"), 0);
	expect_queue_bounds();
	expect_syn_now(FAR_IP2, gw_mac);
	/* the reserve serves our own new neighbours at once */
	ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
	ck_assert_int_eq(xtcp_connect(s, now, 0x0a0000fdu, 80),
	    XT_EINPROGRESS);
	ck_assert_uint_eq(count_arp_requests(0x0a0000fdu), 1);
}
END_TEST

/*
 * The same attack sustained: after a burst of 64 spoofed SYNs, 20 per
 * second for 20 s, each from a new MAC (the 250 on-link addresses come
 * round again after 12.5 s, long after their entries failed).  Every
 * 2 s a connection off-link sends its SYN at once to the gateway; ARP
 * requests stay within the budget (burst plus rate per second); the
 * table and the queues stay bounded throughout.
 */
START_TEST(net_flood_sustained)
{
	uint8_t mac[6];
	uint32_t i, nreq, nsyn = 0, total_req = 0;

	gateway_resolved();
	for (i = 0; i < 64 + 400; i++) {
		if (i >= 64)
			advance_to(now + 50000);
		host_mac(i, mac);
		send_tcp(mac, 0x0a000000u | (i % 250 + 2), CLOSED_PORT,
		    XT_TH_SYN);
		expect_queue_bounds();
		if (i >= 64 && (i - 64) % 40 == 39) {
			/* expect_syn_now() clears the capture */
			total_req += count_arp_requests(0);
			expect_syn_now(FAR_IP2, gw_mac);
			nsyn++;
		}
	}
	nreq = total_req + count_arp_requests(0);
	ck_assert_uint_eq(nsyn, 10);
	ck_assert_msg(nreq <= XT_ARP_REQ_BURST + 20 * XT_ARP_REQ_RATE,
	    "%u ARP requests in 20 s", nreq);
	ck_assert_int_eq(stat("arp_changed"), 0);
}
END_TEST

/*
 * The gateway's entry is never the one evicted, even when every other
 * entry is resolved and in use and the gateway's was used least
 * recently: 63 on-link peers fill the rest of the cache, a 64th needs a
 * slot, and a connection off-link still leaves at once.  Then a flood
 * of spoofed sources evicts none of the entries in use.
 */
START_TEST(net_gateway_never_evicted)
{
	struct xtcp_sock *s;
	uint8_t mac[6];
	int64_t ev;
	uint32_t i;

	gateway_resolved();
	for (i = 0; i < XT_ARP_SLOTS; i++) {
		now += 100000;
		host_mac(i, mac);
		cap->n = 0;
		ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
		ck_assert_int_eq(xtcp_connect(s, now, 0x0a000010u + i, 80),
		    XT_EINPROGRESS);
		ck_assert_uint_eq(count_arp_requests(0x0a000010u + i), 1);
		arp_reply_from(mac, 0x0a000010u + i);
		ck_assert_uint_eq(count_ip(XT_IPPROTO_TCP, 0x0a000010u + i),
		    1);
	}
	ev = stat("arp_evicted");
	ck_assert_int_gt(ev, 0);
	ck_assert_int_eq(stat("arp_cache_full"), 0);
	expect_syn_now(FAR_IP2, gw_mac);
	/* spoofed sources cannot push out entries connections use */
	for (i = 0; i < 50; i++) {
		host_mac(1000 + i, mac);
		send_tcp(mac, 0x0a0000a0u + i, CLOSED_PORT, XT_TH_SYN);
	}
	ck_assert_int_eq(stat("arp_evicted"), ev);
	ck_assert_uint_eq(count_arp_requests(0), 0);
	host_mac(XT_ARP_SLOTS - 1, mac);
	expect_syn_now(0x0a000010u + XT_ARP_SLOTS - 1, mac);
}
END_TEST

/*
 * Was a bug, fixed: pending entries could not be evicted, so once the
 * cache held 64 of them the next neighbour got EHOSTUNREACH at once.
 * 80 connections to silent on-link hosts: the oldest pending entries
 * make room for the newest, and each of the newest is asked within the
 * request budget.
 */
START_TEST(net_pending_evicted)
{
	struct xtcp_sock *s;
	uint32_t i, asked = 0;

	xtcp_engine_free(eng);
	engine_up_with(OUR_IP, 24, 50);		/* hosts answer late */
	for (i = 0; i < 80; i++) {
		ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
		ck_assert_int_eq(xtcp_connect(s, now, 0x0a000010u + i, 80),
		    XT_EINPROGRESS);
	}
	ck_assert_int_eq(stat("arp_cache_full"), 0);
	ck_assert_int_eq(stat("arp_evicted"), 80 - XT_ARP_SLOTS);
	while (now < T0 + 5 * SEC)
		advance_to(now + 100000);
	for (i = 80 - XT_ARP_SLOTS; i < 80; i++)
		if (count_arp_requests(0x0a000010u + i) > 0)
			asked++;
	ck_assert_uint_eq(asked, XT_ARP_SLOTS);
	expect_queue_bounds();
}
END_TEST

/* A neighbour in the middle of a flood is asked at most once per
 * arp_retry_ms, whatever asks: SYNs from one unresolved source and
 * repeated revalidation of a resolved one (RFC 1122 §2.3.2.1). */
START_TEST(net_arp_per_target_limit)
{
	struct xtcp_sock *s;
	uint8_t mac[6];
	int i;

	host_mac(1, mac);
	for (i = 0; i < 10; i++) {
		send_tcp(mac, 0x0a000063u, CLOSED_PORT, XT_TH_SYN);
		now += 50000;
	}
	ck_assert_uint_eq(count_arp_requests(0x0a000063u), 1);
	cap->n = 0;
	/* a resolved neighbour whose connection keeps timing out */
	arp_request_from(peer_mac, PEER_IP);
	ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
	ck_assert_int_eq(xtcp_connect(s, now, PEER_IP, 80), XT_EINPROGRESS);
	cap->n = 0;
	for (i = 0; i < 10; i++) {
		revalidate(PEER_IP);
		now += 50000;
	}
	ck_assert_uint_eq(count_arp_requests(PEER_IP), 1);
	ck_assert_int_ge(stat("arp_tx_target_limited"), 9);
	now += 1000000;
	revalidate(PEER_IP);
	ck_assert_uint_eq(count_arp_requests(PEER_IP), 2);
}
END_TEST

/*
 * The frames held for unresolved neighbours are bounded per neighbour
 * and in all: 40 connections to silent on-link hosts retransmit their
 * SYNs into the queues; when the hosts answer, no more than
 * XT_ARP_QTOTAL frames come out, at most XT_ARP_QLEN per host.
 */
START_TEST(net_pending_queue_bounded)
{
	struct xtcp_sock *s;
	uint8_t mac[6];
	uint32_t i, per[40], total;
	unsigned k;

	xtcp_engine_free(eng);
	engine_up_with(OUR_IP, 24, 50);		/* hosts answer late */
	for (i = 0; i < 40; i++) {
		ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
		ck_assert_int_eq(xtcp_connect(s, now, 0x0a000010u + i, 80),
		    XT_EINPROGRESS);
	}
	/* SYN retransmissions at 1, 3 and 7 s */
	while (now < T0 + 7500000) {
		advance_to(now + 100000);
		expect_queue_bounds();
	}
	ck_assert_int_gt(stat("arp_queue_drops"), 0);
	cap->n = 0;
	for (i = 0; i < 40; i++) {
		host_mac(i, mac);
		arp_reply_from(mac, 0x0a000010u + i);
	}
	total = 0;
	for (i = 0; i < 40; i++) {
		per[i] = 0;
		for (k = 0; k < cap->n; k++)
			if (cap_is_ip(k, XT_IPPROTO_TCP, 0x0a000010u + i))
				per[i]++;
		ck_assert_uint_le(per[i], XT_ARP_QLEN);
		total += per[i];
	}
	ck_assert_uint_le(total, XT_ARP_QTOTAL);
	ck_assert_uint_gt(total, 40);
	ck_assert_uint_eq(eng->arp.nq, 0);
}
END_TEST

/* ---- ARP hygiene ---- */

/* A sender hardware address that is not the frame's source is a forgery:
 * the packet changes nothing and gets no answer. */
START_TEST(net_arp_sha_mismatch_ignored)
{
	struct xtcp_sock *s;

	/* a request for us claiming PEER_IP is at evil_mac, sent from
	 * another station */
	send_arp(peer_mac, xt_eth_broadcast, XT_ARP_REQUEST, evil_mac,
	    PEER_IP, NULL, OUR_IP);
	ck_assert_uint_eq(cap->n, 0);		/* no reply */
	ck_assert_int_eq(stat("arp_rx_spoofed"), 1);
	/* nothing learnt: connecting to PEER_IP must ask */
	ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
	ck_assert_int_eq(xtcp_connect(s, now, PEER_IP, 80), XT_EINPROGRESS);
	ck_assert_uint_eq(count_arp_requests(PEER_IP), 1);
	ck_assert_uint_eq(count_ip(XT_IPPROTO_TCP, 0), 0);
	/* a reply whose sender MAC differs from the source fills nothing */
	cap->n = 0;
	send_arp(peer_mac, our_mac, XT_ARP_REPLY, evil_mac, PEER_IP, our_mac,
	    OUR_IP);
	ck_assert_uint_eq(cap->n, 0);
	ck_assert_int_eq(stat("arp_rx_spoofed"), 2);
	/* the genuine reply does */
	arp_reply_from(peer_mac, PEER_IP);
	ck_assert_uint_eq(count_ip(XT_IPPROTO_TCP, PEER_IP), 1);
	ck_assert(memcmp(cap->head[0], peer_mac, 6) == 0);
}
END_TEST

/* Unsolicited ARP (a reply nobody asked for, a gratuitous request or
 * reply, a request for us) cannot move a resolved entry to another MAC;
 * the same MAC may refresh it. */
START_TEST(net_arp_unsolicited_no_overwrite)
{
	struct xtcp_sock *s;

	gateway_resolved();
	/* unsolicited unicast reply claiming the gateway */
	arp_reply_from(evil_mac, GW_IP);
	/* gratuitous request and reply (RFC 5227 §3 announcement shape) */
	send_arp(evil_mac, xt_eth_broadcast, XT_ARP_REQUEST, evil_mac, GW_IP,
	    NULL, GW_IP);
	send_arp(evil_mac, xt_eth_broadcast, XT_ARP_REPLY, evil_mac, GW_IP,
	    NULL, GW_IP);
	/* a request for us, which would create an entry if there were none */
	arp_request_from(evil_mac, GW_IP);
	ck_assert_int_eq(stat("arp_rx_unsolicited"), 4);
	ck_assert_int_eq(stat("arp_changed"), 0);
	cap->n = 0;
	expect_syn_now(FAR_IP2, gw_mac);
	/* the gateway itself may refresh it */
	send_arp(gw_mac, xt_eth_broadcast, XT_ARP_REQUEST, gw_mac, GW_IP,
	    NULL, GW_IP);
	ck_assert_int_eq(stat("arp_rx_unsolicited"), 4);
	expect_syn_now(FAR_IP2, gw_mac);
	/* gratuitous ARP for an address not in the cache creates nothing
	 * (Linux arp_accept=0) */
	send_arp(peer_mac, xt_eth_broadcast, XT_ARP_REQUEST, peer_mac,
	    PEER_IP, NULL, PEER_IP);
	cap->n = 0;
	ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
	ck_assert_int_eq(xtcp_connect(s, now, PEER_IP, 80), XT_EINPROGRESS);
	ck_assert_uint_eq(count_arp_requests(PEER_IP), 1);
}
END_TEST

/* A reply to our own request may change a resolved entry's MAC (RFC
 * 1122 §2.3.2.1 revalidation finds a host that moved), but only while
 * the request is outstanding. */
START_TEST(net_arp_solicited_reply_changes)
{
	gateway_resolved();
	now += 2 * SEC;
	revalidate(FAR_IP);
	ck_assert_uint_eq(count_arp_requests(GW_IP), 1);
	now += 100000;
	arp_reply_from(evil_mac, GW_IP);	/* the gateway's new NIC */
	ck_assert_int_eq(stat("arp_changed"), 1);
	expect_syn_now(FAR_IP2, evil_mac);
	/* after the request's interval, a different MAC is unsolicited */
	now += 2 * SEC;
	arp_reply_from(gw_mac, GW_IP);
	ck_assert_int_eq(stat("arp_changed"), 1);
	ck_assert_int_eq(stat("arp_rx_unsolicited"), 1);
	expect_syn_now(FAR_IP2, evil_mac);
}
END_TEST

/*
 * Was a bug, fixed: a resolved entry expired after arp_timeout_ms even
 * while connections used it, and the next frames waited for a new
 * answer, XT_ARP_QLEN held and the rest dropped (356 arp_queue_drops in
 * a 10-minute nginx soak at 15k requests/s, one burst a minute, repaired
 * by TLP, RTO and SYN-ACK retransmissions).  Now an entry in use past its
 * lifetime keeps its MAC while the timer asks again (Linux STALE and
 * PROBE); an answer renews it; unanswered, it expires when arp_retries
 * requests have run out.
 */
START_TEST(net_arp_expiry_keeps_sending)
{
	int64_t asked;
	int i;

	eng->cfg.arp_timeout_ms = 60000;
	arp_request_from(peer_mac, PEER_IP);	/* resolved for 60 s */
	advance_to(now + 60 * SEC + 1000);
	cap->n = 0;
	for (i = 0; i < 10; i++)
		expect_syn_now(PEER_IP, peer_mac);
	ck_assert_int_eq(stat("arp_queue_drops"), 0);
	advance_to(now);			/* the timer asks */
	ck_assert_uint_eq(count_arp_requests(PEER_IP), 1);
	arp_reply_from(peer_mac, PEER_IP);	/* another 60 s */
	advance_to(now + 30 * SEC);
	cap->n = 0;
	expect_syn_now(PEER_IP, peer_mac);
	advance_to(now + 1000);
	ck_assert_uint_eq(count_arp_requests(PEER_IP), 0);
	/* past that lifetime with no answer: arp_retries requests at
	 * arp_retry_ms, the MAC in use meanwhile, then expired */
	advance_to(now + 30 * SEC);
	asked = stat("arp_tx_requests");
	expect_syn_now(PEER_IP, peer_mac);
	for (i = 0; i < 35; i++) {
		advance_to(now + 100000);
		if (i == 15)
			expect_syn_now(PEER_IP, peer_mac);
	}
	ck_assert_int_eq(stat("arp_tx_requests") - asked, 3);
	ck_assert_int_eq(stat("arp_queue_drops"), 0);
	cap->n = 0;
	{
		struct xtcp_sock *s;

		ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
		ck_assert_int_eq(xtcp_connect(s, now, PEER_IP, 80),
		    XT_EINPROGRESS);
		ck_assert_uint_eq(count_ip(XT_IPPROTO_TCP, PEER_IP), 0);
		xtcp_close(s, now);
	}
}
END_TEST

/* RFC 5227 §2.4: ARP from another MAC with our address as sender is a
 * conflict: counted every time, logged once, defended with one
 * announcement at most per DEFEND_INTERVAL (10 s). */
START_TEST(net_arp_conflict_defended)
{
	int64_t c0;

	c0 = stat("arp_tx_requests");
	send_arp(evil_mac, xt_eth_broadcast, XT_ARP_REQUEST, evil_mac, OUR_IP,
	    NULL, OUR_IP);
	ck_assert_int_eq(stat("arp_addr_conflict"), 1);
	ck_assert_uint_eq(nlog, 1);
	ck_assert_ptr_nonnull(strstr(lastlog, "10.0.0.1"));
	ck_assert_uint_eq(count_announcements(), 1);
	ck_assert_uint_eq(cap->n, 1);
	cap->n = 0;
	/* more within 10 s: counted, neither logged nor defended */
	now += 1 * SEC;
	send_arp(evil_mac, our_mac, XT_ARP_REPLY, evil_mac, OUR_IP, our_mac,
	    OUR_IP);
	now += 8 * SEC;
	send_arp(evil_mac, xt_eth_broadcast, XT_ARP_REQUEST, evil_mac, OUR_IP,
	    NULL, PEER_IP);
	ck_assert_int_eq(stat("arp_addr_conflict"), 3);
	ck_assert_uint_eq(cap->n, 0);
	ck_assert_uint_eq(nlog, 1);
	/* 10 s after the defence: one more */
	now += 1 * SEC + 1;
	send_arp(evil_mac, xt_eth_broadcast, XT_ARP_REQUEST, evil_mac, OUR_IP,
	    NULL, OUR_IP);
	ck_assert_uint_eq(count_announcements(), 1);
	ck_assert_uint_eq(cap->n, 1);
	ck_assert_int_eq(stat("arp_addr_conflict"), 4);
	ck_assert_int_eq(stat("arp_defended"), 2);
	ck_assert_int_eq(stat("arp_tx_requests") - c0, 2);
	ck_assert_uint_eq(nlog, 1);
	/* our own announcement looped back is not a conflict */
	send_arp(our_mac, xt_eth_broadcast, XT_ARP_REQUEST, our_mac, OUR_IP,
	    NULL, OUR_IP);
	ck_assert_int_eq(stat("arp_addr_conflict"), 4);
}
END_TEST

/* ---- martian sources ---- */

/* Datagrams from sources that cannot send on a network (RFC 1122
 * §3.2.1.3) are dropped and counted before TCP or ICMP sees them: no RST,
 * no echo reply, no ARP for them. */
START_TEST(net_martian_sources_dropped)
{
	static const uint32_t martians[] = {
		0x7f000001u,	/* 127.0.0.1 */
		0x7f0a0b0cu,	/* 127.10.11.12 */
		OUR_IP,
		0x00000000u,	/* 0.0.0.0 */
		0x00010203u,	/* 0.1.2.3 */
		0xe0000001u,	/* 224.0.0.1 */
		0xefffffffu,	/* 239.255.255.255 */
		0xffffffffu,	/* 255.255.255.255 */
		0x0a0000ffu,	/* 10.0.0.255, our subnet broadcast */
	};
	unsigned i, n = sizeof(martians) / sizeof(martians[0]);

	arp_request_from(peer_mac, PEER_IP);	/* a resolved neighbour */
	cap->n = 0;
	for (i = 0; i < n; i++) {
		send_tcp(peer_mac, martians[i], CLOSED_PORT, XT_TH_SYN);
		send_tcp(peer_mac, martians[i], CLOSED_PORT, XT_TH_ACK);
		send_ping(peer_mac, martians[i]);
	}
	ck_assert_msg(cap->n == 0, "%u frames sent", cap->n);
	ck_assert_int_eq(stat("ip_rx_martian_src"), 3 * n);
	ck_assert_int_eq(stat("tcp_rcv_total"), 0);
	ck_assert_int_eq(stat("icmp_rx"), 0);
	/* the same from a proper source is answered */
	send_tcp(peer_mac, PEER_IP, CLOSED_PORT, XT_TH_SYN);
	send_ping(peer_mac, PEER_IP);
	ck_assert_uint_eq(count_ip(XT_IPPROTO_TCP, PEER_IP), 1);
	ck_assert_uint_eq(count_ip(XT_IPPROTO_ICMP, PEER_IP), 1);
	ck_assert_int_eq(stat("ip_rx_martian_src"), 3 * n);
}
END_TEST

/* On a /31 (RFC 3021) there is no subnet broadcast: 10.0.0.3, all ones
 * in the host part of 10.0.0.2/31, is the other host. */
START_TEST(net_martian_slash31)
{
	xtcp_engine_free(eng);
	engine_up_with(0x0a000002u, 31, 3);
	send_arp(peer_mac, xt_eth_broadcast, XT_ARP_REQUEST, peer_mac,
	    0x0a000003u, NULL, 0x0a000002u);
	ck_assert_uint_eq(cap->n, 1);		/* our reply */
	cap->n = 0;
	send_tcp_to(peer_mac, 0x0a000003u, 0x0a000002u, CLOSED_PORT,
	    XT_TH_SYN);
	ck_assert_uint_eq(count_ip(XT_IPPROTO_TCP, 0x0a000003u), 1);
	ck_assert_int_eq(stat("ip_rx_martian_src"), 0);
}
END_TEST

/* ---- what net/ hands upward (the engine's protocol table and hook) ---- */

/*
 * ARP gives up on a next hop (RFC 1122 §2.3.2.1): the connections still
 * in SYN-SENT through it end at once with EHOSTUNREACH, and one through
 * another next hop carries on until its own neighbour fails.  net/
 * reports the failure through the engine's hook; tcp/ does the walk.
 */
START_TEST(net_arp_failure_fails_connect)
{
	struct xtcp_sock *far, *near;

	ck_assert_int_eq(xtcp_socket(eng, &far), XT_OK);
	ck_assert_int_eq(xtcp_connect(far, now, FAR_IP, 80),
	    XT_EINPROGRESS);		/* through the silent gateway */
	advance_to(now + 2500000);
	ck_assert_int_eq(xtcp_socket(eng, &near), XT_OK);
	ck_assert_int_eq(xtcp_connect(near, now, PEER_IP, 80),
	    XT_EINPROGRESS);
	while (stat("arp_failed") == 0 && now < T0 + 10 * SEC)
		advance_to(now + 100000);
	ck_assert_int_eq(stat("arp_failed"), 1);
	ck_assert_int_eq(xtcp_take_error(far), XT_EHOSTUNREACH);
	ck_assert_int_eq(xtcp_take_error(near), XT_OK);
	while (stat("arp_failed") == 1 && now < T0 + 20 * SEC)
		advance_to(now + 100000);
	ck_assert_int_eq(stat("arp_failed"), 2);
	ck_assert_int_eq(xtcp_take_error(near), XT_EHOSTUNREACH);
	xtcp_close(far, now);
	xtcp_close(near, now);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 0);
}
END_TEST

/* A datagram of a protocol nobody registered is counted and dropped,
 * unanswered. */
START_TEST(net_unknown_protocol_counted)
{
	struct xt_test_frame f;
	uint8_t buf[128], *p;

	memset(&f, 0, sizeof(f));
	memcpy(f.src_mac, peer_mac, 6);
	memcpy(f.dst_mac, our_mac, 6);
	f.saddr = PEER_IP;
	f.daddr = OUR_IP;
	p = xt_test_build_l3(buf, sizeof(buf), &f, 17, 8);	/* UDP */
	memset(p, 0, 8);
	inject(buf, XT_ETH_HLEN + XT_IPV4_HLEN + 8);
	ck_assert_int_eq(stat("ip_rx_unknown_proto"), 1);
	ck_assert_uint_eq(cap->n, 0);
}
END_TEST

static unsigned	udp_seen;		/* datagrams udp_input() took */
static size_t	udp_len;

static void
udp_input(struct xtcp_engine *e, uint32_t src, uint32_t dst, uint8_t tos,
    const uint8_t *pl, size_t len, int verify_csum)
{
	(void)e;
	(void)pl;
	(void)tos;
	(void)verify_csum;
	ck_assert_uint_eq(src, PEER_IP);
	ck_assert_uint_eq(dst, OUR_IP);
	udp_seen++;
	udp_len = len;
}

/* The protocol table: ICMP and TCP are in it from creation (only TCP
 * takes ICMP errors), a protocol is taken once, the table has
 * XT_IP_NPROTO entries, and a registered protocol gets its datagrams. */
START_TEST(net_protocol_table)
{
	struct xt_test_frame f;
	uint8_t buf[128], *p;
	unsigned i;

	ck_assert_ptr_nonnull(xt_ip_proto(eng, XT_IPPROTO_TCP));
	ck_assert_ptr_nonnull(xt_ip_proto(eng, XT_IPPROTO_TCP)->ctlinput);
	ck_assert_ptr_nonnull(xt_ip_proto(eng, XT_IPPROTO_ICMP));
	ck_assert_ptr_null(xt_ip_proto(eng, XT_IPPROTO_ICMP)->ctlinput);
	ck_assert_ptr_null(xt_ip_proto(eng, 17));
	ck_assert_int_eq(xt_ip_register(eng, XT_IPPROTO_TCP, udp_input, NULL),
	    XT_EINVAL);
	ck_assert_int_eq(xt_ip_register(eng, XT_IPPROTO_ICMP, udp_input,
	    NULL), XT_EINVAL);
	ck_assert_int_eq(xt_ip_register(eng, 17, NULL, NULL), XT_EINVAL);
	ck_assert_int_eq(xt_ip_register(eng, 17, udp_input, NULL), XT_OK);
	for (i = 3; i < XT_IP_NPROTO; i++)
		ck_assert_int_eq(xt_ip_register(eng, (uint8_t)(200 + i),
		    udp_input, NULL), XT_OK);
	ck_assert_int_eq(xt_ip_register(eng, 132, udp_input, NULL),
	    XT_ENOBUFS);
	udp_seen = 0;
	memset(&f, 0, sizeof(f));
	memcpy(f.src_mac, peer_mac, 6);
	memcpy(f.dst_mac, our_mac, 6);
	f.saddr = PEER_IP;
	f.daddr = OUR_IP;
	p = xt_test_build_l3(buf, sizeof(buf), &f, 17, 8);
	memset(p, 0, 8);
	inject(buf, XT_ETH_HLEN + XT_IPV4_HLEN + 8);
	ck_assert_uint_eq(udp_seen, 1);
	ck_assert_uint_eq(udp_len, 8);
	ck_assert_int_eq(stat("ip_rx_unknown_proto"), 0);
}
END_TEST

Suite *
xt_suite_net(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("net");
	tc = tcase_create("neighbour");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, net_flood_keeps_gateway);
	tcase_add_test(tc, net_flood_sustained);
	tcase_add_test(tc, net_gateway_never_evicted);
	tcase_add_test(tc, net_pending_evicted);
	tcase_add_test(tc, net_arp_per_target_limit);
	tcase_add_test(tc, net_pending_queue_bounded);
	tcase_add_test(tc, net_arp_sha_mismatch_ignored);
	tcase_add_test(tc, net_arp_unsolicited_no_overwrite);
	tcase_add_test(tc, net_arp_solicited_reply_changes);
	tcase_add_test(tc, net_arp_expiry_keeps_sending);
	tcase_add_test(tc, net_arp_conflict_defended);
	suite_add_tcase(s, tc);
	tc = tcase_create("martian");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, net_martian_sources_dropped);
	tcase_add_test(tc, net_martian_slash31);
	suite_add_tcase(s, tc);
	tc = tcase_create("upward");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, net_arp_failure_fails_connect);
	tcase_add_test(tc, net_unknown_protocol_counted);
	tcase_add_test(tc, net_protocol_table);
	suite_add_tcase(s, tc);
	return (s);
}

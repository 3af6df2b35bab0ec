/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_arp_conflict.c - address conflicts (issue 14): whether the kernel
 * already holds an address on an interface (shim/addrown.c), which the
 * shim asks before it starts the stack.  The loopback interface is the
 * one every namespace has, with 127.0.0.1/8 on it.  And the engine's
 * RFC 5227 §2.1.1 probe (net/arp.c) with the TCP fixture's capture
 * device: three probes, the verdict, the announcement; a reply or
 * another host's probe is a conflict, frames from our own MAC are not.
 * (The §2.4 defence on a conflict in use is in check_net.c,
 * net_arp_conflict_defended.)
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "addrown.h"
#include "tcp_fixture.h"
#include "xt_err.h"
#include "wire/arp.h"
#include "wire/eth.h"

Suite	*xt_suite_arp_conflict(void);

#define LOOP1	0x7f000001u	/* 127.0.0.1 */
#define LOOP2	0x7f000002u	/* 127.0.0.2: in lo's prefix, not on lo */

/* the exact address on the interface, with its prefix length */
START_TEST(addrown_exact_match)
{
	int plen = -1;

	ck_assert_int_eq(shim_addr_kernel_owned("lo", LOOP1, &plen), 1);
	ck_assert_int_eq(plen, 8);
	ck_assert_int_eq(shim_addr_kernel_owned("lo", LOOP1, NULL), 1);
}
END_TEST

/* an address of the same prefix (a TAP's host side and the stack's
 * address are two of one prefix), another interface, no interface */
START_TEST(addrown_no_match)
{
	int plen = -1;

	ck_assert_int_eq(shim_addr_kernel_owned("lo", LOOP2, &plen), 0);
	ck_assert_int_eq(plen, -1);
	ck_assert_int_eq(shim_addr_kernel_owned("xtnone0", LOOP1, &plen), 0);
	ck_assert_int_eq(shim_addr_kernel_owned("", LOOP1, &plen), 0);
	ck_assert_int_eq(shim_addr_kernel_owned(NULL, LOOP1, &plen), 0);
	ck_assert_int_eq(shim_addr_kernel_owned("lo", 0, &plen), 0);
}
END_TEST

static const uint8_t other_mac[6] = { 0x02, 0xee, 0, 0, 0, 0x77 };

#define PROBE_MS	400
#define STEP		(PROBE_MS * 1000ull / 4)

static void
hook_probe(struct xtcp_config *c)
{
	c->arp_probe_ms = PROBE_MS;
}

static int64_t
stat(const char *name)
{
	return (xtcp_stats_get(eng, name));
}

/* Captured ARP requests with sender spa and target tpa. */
static unsigned
count_arp(uint32_t spa, uint32_t tpa)
{
	struct xt_arp_repr ar;
	unsigned i, n = 0;

	for (i = 0; i < cap.n; i++) {
		if (cap.len[i] < XT_ETH_HLEN + XT_ARP_LEN ||
		    cap.frame[i][12] != 0x08 || cap.frame[i][13] != 0x06)
			continue;
		if (xt_arp_parse(cap.frame[i] + XT_ETH_HLEN,
		    cap.len[i] - XT_ETH_HLEN, &ar) != XT_OK)
			continue;
		if (ar.op == XT_ARP_REQUEST && ar.spa == spa &&
		    ar.tpa == tpa && memcmp(ar.sha, our_mac, 6) == 0)
			n++;
	}
	return (n);
}

static void
arp_from(const uint8_t *mac, uint16_t op, uint32_t spa, uint32_t tpa)
{
	uint8_t buf[XT_ETH_HLEN + XT_ARP_LEN];
	struct xt_eth_repr eh;
	struct xt_arp_repr ar;

	memcpy(eh.dst, xt_eth_broadcast, 6);
	memcpy(eh.src, mac, 6);
	eh.type = XT_ETHERTYPE_ARP;
	xt_eth_emit(&eh, buf);
	memset(&ar, 0, sizeof(ar));
	ar.op = op;
	memcpy(ar.sha, mac, 6);
	ar.spa = spa;
	ar.tpa = tpa;
	xt_arp_emit(&ar, buf + XT_ETH_HLEN);
	inject(buf, sizeof(buf));
}

/* The rest of a probe, step by step as the shim's loop runs it. */
static void
probe_to_end(void)
{
	int i;

	for (i = 0; i < 4; i++)
		advance_to(now + STEP);
}

/* No probing unless asked: the address is announced at once. */
START_TEST(probe_off_by_default)
{
	ck_assert_int_eq(xtcp_engine_arp_probe_result(eng), 0);
	ck_assert_int_eq(stat("arp_probes_sent"), 0);
}
END_TEST

/* RFC 5227 §2.1.1: three probes (sender 0.0.0.0), a wait, then the
 * address is ours and announced (§2.3); asked nothing meanwhile, the
 * engine answers no request for the address. */
START_TEST(probe_clear)
{
	engine_with(hook_probe);
	ck_assert_int_eq(stat("arp_probes_sent"), 1);
	ck_assert_int_eq(xtcp_engine_arp_probe_result(eng), 0);
	ck_assert_uint_eq(xtcp_engine_next_deadline(eng), now + STEP);
	/* a peer's ordinary request while probing: not answered */
	peer_arps();
	ck_assert_uint_eq(cap.n, 0);
	advance_to(now + STEP);
	ck_assert_uint_eq(count_arp(0, OUR_IP), 1);
	advance_to(now + STEP);
	ck_assert_uint_eq(count_arp(0, OUR_IP), 2);
	ck_assert_int_eq(stat("arp_probes_sent"), 3);
	/* the last probe is followed by the longer wait */
	advance_to(now + STEP);
	ck_assert_int_eq(xtcp_engine_arp_probe_result(eng), 0);
	ck_assert_uint_eq(count_arp(OUR_IP, OUR_IP), 0);
	advance_to(now + STEP);
	ck_assert_int_eq(xtcp_engine_arp_probe_result(eng), 1);
	ck_assert_uint_eq(count_arp(OUR_IP, OUR_IP), 1);
	ck_assert_int_eq(stat("arp_probes_sent"), 3);
	ck_assert_int_eq(stat("arp_probe_conflict"), 0);
	/* and from now on the address is answered for */
	tx_clear();
	peer_arps();
	ck_assert_uint_eq(cap.n, 1);
}
END_TEST

/* A reply from another MAC for the probed address: conflict, counted,
 * not defended (it is not ours), and probing stops. */
START_TEST(probe_conflict_reply)
{
	engine_with(hook_probe);
	arp_from(other_mac, XT_ARP_REPLY, OUR_IP, 0);
	ck_assert_int_eq(xtcp_engine_arp_probe_result(eng), -1);
	ck_assert_int_eq(stat("arp_probe_conflict"), 1);
	ck_assert_int_eq(stat("arp_addr_conflict"), 0);
	ck_assert_int_eq(stat("arp_defended"), 0);
	advance_to(now + 10 * STEP);
	ck_assert_uint_eq(cap.n, 0);
	ck_assert_int_eq(stat("arp_probes_sent"), 1);
}
END_TEST

/* Another host probing for the same address at the same time. */
START_TEST(probe_conflict_probe)
{
	engine_with(hook_probe);
	advance_to(now + STEP);
	arp_from(other_mac, XT_ARP_REQUEST, 0, OUR_IP);
	ck_assert_int_eq(xtcp_engine_arp_probe_result(eng), -1);
	ck_assert_int_eq(stat("arp_probe_conflict"), 1);
	/* a probe for another address is nobody's conflict */
	engine_with(hook_probe);
	arp_from(other_mac, XT_ARP_REQUEST, 0, PEER_IP);
	probe_to_end();
	ck_assert_int_eq(xtcp_engine_arp_probe_result(eng), 1);
}
END_TEST

/* Frames from our own MAC (another process of ours on the address, or
 * our own looped back) are not a conflict. */
START_TEST(probe_own_mac)
{
	engine_with(hook_probe);
	arp_from(our_mac, XT_ARP_REQUEST, 0, OUR_IP);
	arp_from(our_mac, XT_ARP_REPLY, OUR_IP, PEER_IP);
	arp_from(our_mac, XT_ARP_REQUEST, OUR_IP, OUR_IP);
	ck_assert_int_eq(xtcp_engine_arp_probe_result(eng), 0);
	probe_to_end();
	ck_assert_int_eq(xtcp_engine_arp_probe_result(eng), 1);
	ck_assert_int_eq(stat("arp_probe_conflict"), 0);
}
END_TEST

Suite *
xt_suite_arp_conflict(void)
{
	Suite *s = suite_create("arp_conflict");
	TCase *tc = tcase_create("addrown");

	tcase_add_test(tc, addrown_exact_match);
	tcase_add_test(tc, addrown_no_match);
	suite_add_tcase(s, tc);
	tc = tcase_create("probe");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, probe_off_by_default);
	tcase_add_test(tc, probe_clear);
	tcase_add_test(tc, probe_conflict_reply);
	tcase_add_test(tc, probe_conflict_probe);
	tcase_add_test(tc, probe_own_mac);
	suite_add_tcase(s, tc);
	return (s);
}

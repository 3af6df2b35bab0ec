/*
 * check_arp_conflict.c - address conflicts (issue 14): whether the kernel
 * already holds an address on an interface (shim/addrown.c), which the
 * shim asks before it starts the stack.  The loopback interface is the
 * one every namespace has, with 127.0.0.1/8 on it.  (The RFC 5227 §2.4
 * defence on a conflict in use is in check_net.c,
 * net_arp_conflict_defended.)
 */
#include <check.h>
#include <stdint.h>

#include "addrown.h"

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

Suite *
xt_suite_arp_conflict(void)
{
	Suite *s = suite_create("arp_conflict");
	TCase *tc = tcase_create("addrown");

	tcase_add_test(tc, addrown_exact_match);
	tcase_add_test(tc, addrown_no_match);
	suite_add_tcase(s, tc);
	return (s);
}

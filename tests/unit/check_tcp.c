/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_tcp.c - the map of the TCP unit suites, and the "tcp" suite for
 * TCB tests that are not filed under a concern yet.
 *
 * The TCP engine's state machine is tested through the public engine API
 * (stack/xtcp.h) with a capture device: each test builds a TCB in a known
 * state, the peer sends one segment, and the test expects exactly the
 * segments that go out and the state after.  tcp_fixture.c and
 * tcp_fixture.h hold that fixture; the tests are one file, and one Check
 * suite, per state or concern (CK_RUN_SUITE=tcp_open runs one file;
 * CK_RUN_CASE=close runs one test case in whichever files have it):
 *
 *	check_tcp_open.c	active, passive and simultaneous open,
 *				listen, SYN cookies, Fast Open
 *	check_tcp_synflood.c	the SYN cache under a SYN flood
 *	check_tcp_established.c	data, delayed ACK, windows, Nagle and
 *				cork, send options, urgent data, ECN
 *	check_tcp_close.c	closing, TIME-WAIT, RFC 1337
 *	check_tcp_recovery.c	RTO, fast retransmit, F-RTO, TLP, RACK,
 *				Eifel, the keys (soak) regression
 *	check_tcp_hardening.c	RFC 5961, challenge ACK rate limits, MSS,
 *				path MTU, small MTUs
 *	check_tcp_wire.c	timeouts, idle connections, window updates,
 *				timers on time, RTT samples
 *	check_tcp_api.c		the socket API: inheritance, poll states,
 *				options
 *
 * A new TCB test goes into the file of its concern, in a test case of
 * its own; one that fits none goes here until a file for its concern
 * exists.  Tests whose comment starts "Was a bug, fixed:" pin engine
 * defects these suites found; they run like every other test.
 *
 * Read first: RFC 9293 §3.10 (event processing), RFC 5961 §3-4, RFC 5681
 * §3-4, RFC 6298 §5, RFC 1122 §4.2.3.2.
 */
#include <check.h>

#include "tcp_fixture.h"

Suite	*xt_suite_tcp(void);

Suite *
xt_suite_tcp(void)
{
	Suite *s;

	s = suite_create("tcp");
	return (s);
}

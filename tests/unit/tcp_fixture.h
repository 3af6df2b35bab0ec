/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_fixture.h - the shared fixture of the TCP unit suites
 * (check_tcp_*.c): a capture device, an engine at a fake clock, a peer
 * that sends hand-built segments, and builders of a TCB in a known state.
 *
 * Each test builds a TCB in a known state with known sequence numbers
 * (tcb_established(), tcb_listen(), ...), then the peer sends one segment
 * at time `now` (peer_sends()) and the test expects exactly one segment
 * out (expect_tx()) or none (expect_no_tx()) and checks the state.  Helper
 * names take the engine's viewpoint.  The peer's ISN sits just below 2^32
 * so every connection's receive sequence wraps within the first bytes.
 * The fixture's state is one set of globals (below): every test runs in
 * its own process (CK_FORK), and setup() resets them all.
 *
 * The device: tx_burst copies every frame into an array; rx_burst has
 * nothing.  peer_sends() hands the frame to xtcp_engine_input(), which
 * flushes what the segment caused before it returns.
 *
 * Read first: RFC 9293 §3.10 (event processing).
 */
#ifndef XT_TCP_FIXTURE_H
#define XT_TCP_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include <check.h>

#include "check_helpers.h"
#include "xt_err.h"
#include "xtcp.h"
#include "dev/phy.h"
#include "tcp/tcp_var.h"
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

#define OUR_IP		0x0a000001u	/* 10.0.0.1 */
#define PEER_IP		0x0a000002u	/* 10.0.0.2 */
#define PEER_PORT	80		/* server port the peer listens on */
#define PEER_CPORT	40000		/* peer's port to reach us */
#define LISTEN_PORT	8080
#define PEER_ISS	0xfffffffau	/* wraps after 5 bytes of data */
#define PEER_WIN	65535
#define MSS		1460		/* 1500 - 40 */
#define T0		1000000ull	/* µs */
#define RTT		10000ull	/* handshake round trip, µs */
#define RTO		1000000ull	/* rto_min_ms 1000, RTT 10 ms */
#define DELACK		40000ull
#define MSL		1000000ull	/* msl_ms = 1000 */
#define REXMIT_MAX	3
#define SYN_RETRIES	2
#define RATELIMIT	500000ull	/* invalid_ratelimit_ms 500: one
					 * challenge ACK per connection */

#define CAP_MAX		64
#define FRAME_MAX	2048

/* The peer's TSval in the timestamps tcb_established_opts() agrees. */
#define PEER_TSVAL	777

/* ---- capture device ---- */

struct capdev {
	struct xt_dev	dev;
	unsigned	n;			/* frames captured */
	size_t		len[CAP_MAX];
	uint8_t		frame[CAP_MAX][FRAME_MAX];
};

/* ---- fixture state (tcp_fixture.c; setup() resets it) ---- */

extern const uint8_t our_mac[6];
extern const uint8_t peer_mac[6];
extern struct capdev cap;
extern struct xtcp_config cfg;
extern int test_fastopen;		/* cfg.fastopen for engine_up() */
extern void (*cfg_hook)(struct xtcp_config *);	/* test's own tunables */
extern struct xtcp_engine *eng;
extern struct xtcp_sock *sk;		/* the connection under test */
extern struct xtcp_sock *lsk;		/* a listener */
extern uint64_t now;
extern xt_seq_t iss;			/* our ISN, from the captured SYN */
extern uint16_t lport;			/* our port of the connection */
extern uint16_t pport;			/* the peer's port */
extern int peer_ws;			/* peer's WS option, -1 none */
extern uint8_t peer_tos;		/* IPv4 TOS of the peer's segments */
extern struct xt_tcp_repr last;		/* the last segment expect_tx()
					 * returned */

/* ---- what went out ---- */

void	tx_clear(void);
void	tx_seg(unsigned i, struct xt_tcp_repr *th);
uint8_t	tx_tos(unsigned i);
const char *tx_describe(void);
const struct xt_tcp_repr *tx_one(int line);
const struct xt_tcp_repr *expect_tx_at(int line, uint8_t flags, xt_seq_t seq,
	    xt_seq_t ack, const void *data, size_t len);
void	expect_recv_at(int line, struct xtcp_sock *s, const void *want,
	    size_t len);

/* One segment out with these flags, seq and ack, and no data. */
#define expect_tx(flags, seq, ack)					\
	expect_tx_at(__LINE__, (flags), (seq), (ack), NULL, 0)
/* One segment out carrying len bytes (checked against data if given). */
#define expect_tx_data(flags, seq, ack, data, len)			\
	expect_tx_at(__LINE__, (flags), (seq), (ack), (data), (len))
#define expect_no_tx() do {						\
	ck_assert_msg(cap.n == 0, "line %d: %u frames sent, want "	\
	    "none:%s", __LINE__, cap.n, tx_describe());			\
} while (0)

#define expect_state(tp, st) do {					\
	ck_assert_msg((tp)->state == (st), "line %d: state %s, want %s", \
	    __LINE__, xt_tcp_state_name((tp)->state),			\
	    xt_tcp_state_name(st));					\
} while (0)

#define expect_recv(s, want, len) expect_recv_at(__LINE__, (s), (want), (len))

/* ---- what comes in, and time ---- */

void	inject(const uint8_t *frame, size_t len);
void	peer_sends_repr(struct xt_tcp_repr *r, const void *data, size_t len);
void	peer_sends(uint8_t flags, xt_seq_t seq, xt_seq_t ack, uint16_t win,
	    const void *data, size_t len);
void	peer_sends_syn(uint8_t flags, xt_seq_t seq, xt_seq_t ack,
	    uint16_t mss);
void	peer_arps(void);
void	advance_to(uint64_t t);
void	send_all(struct xtcp_sock *s, const void *data, size_t len);

/* ---- the engine and the TCBs under test ---- */

void	engine_up(void);
void	engine_with(void (*hook)(struct xtcp_config *));
void	hook_rto_min_200(struct xtcp_config *c);
void	setup(void);
void	teardown(void);
struct xtcp_sock *sk_under_test(void);
void	finish(unsigned ntcb);
void	no_quickack(struct xtcp_sock *s);
void	keepalive_on(struct xtcp_sock *s, int idle, int intvl, int cnt);
void	peer_grants_tfo_cookie(const struct xt_tcp_repr *th);
void	tcb_syn_sent(void);
void	tcb_established(void);
void	tcb_established_opts(int ts);
void	tcb_listen(void);
void	tcb_syn_received(void);
void	send_window_limited(const uint8_t *d, size_t len);

#endif /* XT_TCP_FIXTURE_H */

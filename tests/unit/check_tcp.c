/*
 * check_tcp.c - unit tests for the TCP engine's state machine, driven
 * through the public engine API (stack/xtcp.h) with a capture device.
 *
 * Each test builds a TCB in a known state with known sequence numbers
 * (tcb_established(), tcb_listen(), ...), then the peer sends one segment
 * at time `now` (peer_sends()) and the test expects exactly one segment
 * out (expect_tx()) or none (expect_no_tx()) and checks the state.  Helper
 * names take the engine's viewpoint.  The peer's ISN sits just below 2^32
 * so every connection's receive sequence wraps within the first bytes.
 *
 * The device: tx_burst copies every frame into an array; rx_burst has
 * nothing.  peer_sends() hands the frame to xtcp_engine_input(), which
 * flushes what the segment caused before it returns.
 *
 * Tests whose comment starts "Was a bug, fixed:" pin engine defects this
 * suite found; they run like every other test.
 *
 * Read first: RFC 9293 §3.10 (event processing), RFC 5961 §3-4, RFC 5681
 * §3-4, RFC 6298 §5, RFC 1122 §4.2.3.2.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/uio.h>

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

Suite	*xt_suite_tcp(void);

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

static const uint8_t our_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };

/* ---- capture device ---- */

struct capdev {
	struct xt_dev	dev;
	unsigned	n;			/* frames captured */
	size_t		len[CAP_MAX];
	uint8_t		frame[CAP_MAX][FRAME_MAX];
};

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

	for (i = 0; i < n; i++) {
		ck_assert_msg(c->n < CAP_MAX, "more than %d frames captured",
		    CAP_MAX);
		ck_assert_uint_le(v[i].iov_len, FRAME_MAX);
		/* never a frame the link cannot carry (the engine's MTU is
		 * the device's in every test) */
		ck_assert_uint_le(v[i].iov_len, XT_ETH_HLEN + d->mtu);
		memcpy(c->frame[c->n], v[i].iov_base, v[i].iov_len);
		c->len[c->n] = v[i].iov_len;
		c->n++;
		d->tx_frames++;
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

/* ---- fixture state ---- */

static struct capdev cap;
static struct xtcp_config cfg;
static int test_fastopen = 1;		/* cfg.fastopen for engine_up() */
static void (*cfg_hook)(struct xtcp_config *);	/* test's own tunables */
static struct xtcp_engine *eng;
static struct xtcp_sock *sk;		/* the connection under test */
static struct xtcp_sock *lsk;		/* a listener */
static uint64_t now;
static xt_seq_t iss;			/* our ISN, from the captured SYN */
static uint16_t lport;			/* our port of the connection */
static uint16_t pport;			/* the peer's port */
static int peer_ws;			/* peer's WS option, -1 none */
static uint8_t peer_tos;		/* IPv4 TOS of the peer's segments */

/* The copy of the last segment expect_tx() returned. */
static struct xt_tcp_repr last;

static void
tx_clear(void)
{
	cap.n = 0;
}

/* Frame i of the capture, which must be TCP: header into *th. */
static void
tx_seg(unsigned i, struct xt_tcp_repr *th)
{
	struct xt_eth_repr eh;
	struct xt_ipv4_repr ip;

	ck_assert_uint_lt(i, cap.n);
	xt_test_parse_tcp(cap.frame[i], cap.len[i], &eh, &ip, th);
	ck_assert(memcmp(eh.src, our_mac, 6) == 0);
	ck_assert(memcmp(eh.dst, peer_mac, 6) == 0);
	ck_assert_uint_eq(ip.src, OUR_IP);
	ck_assert_uint_eq(ip.dst, PEER_IP);
	ck_assert_uint_eq(th->sport, lport);
	ck_assert_uint_eq(th->dport, pport);
}

/* IPv4 TOS byte of captured frame i. */
static uint8_t
tx_tos(unsigned i)
{
	struct xt_eth_repr eh;
	struct xt_ipv4_repr ip;
	struct xt_tcp_repr th;

	ck_assert_uint_lt(i, cap.n);
	xt_test_parse_tcp(cap.frame[i], cap.len[i], &eh, &ip, &th);
	return (ip.tos);
}

/* Describe the captured frames for a failure message. */
static const char *
tx_describe(void)
{
	static char msg[1024];
	struct xt_eth_repr eh;
	struct xt_ipv4_repr ip;
	struct xt_tcp_repr th;
	const uint8_t *p, *l4;
	size_t plen, l4len, off = 0;
	unsigned i;
	int n;

	msg[0] = '\0';
	for (i = 0; i < cap.n && off < sizeof(msg); i++) {
		if (xt_eth_parse(cap.frame[i], cap.len[i], &eh, &p, &plen) !=
		    XT_OK || eh.type != XT_ETHERTYPE_IPV4 ||
		    xt_ipv4_parse(p, plen, 0, &ip, &l4, &l4len) != XT_OK ||
		    ip.proto != XT_IPPROTO_TCP ||
		    xt_tcp_parse(l4, l4len, ip.src, ip.dst, 0, &th) != XT_OK)
			n = snprintf(msg + off, sizeof(msg) - off,
			    " [non-TCP %zu bytes]", cap.len[i]);
		else
			n = snprintf(msg + off, sizeof(msg) - off,
			    " [flags %#x seq iss%+d ack %u win %u len %zu]",
			    th.flags, (int)(th.seq - iss), th.ack, th.win,
			    th.payload_len);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	return (msg);
}

/* Exactly one frame, a TCP segment, went out; returns it and clears. */
static const struct xt_tcp_repr *
tx_one(int line)
{
	ck_assert_msg(cap.n == 1, "line %d: %u frames sent, want 1:%s", line,
	    cap.n, tx_describe());
	tx_seg(0, &last);
	tx_clear();
	return (&last);
}

static const struct xt_tcp_repr *
expect_tx_at(int line, uint8_t flags, xt_seq_t seq, xt_seq_t ack,
    const void *data, size_t len)
{
	const struct xt_tcp_repr *th = tx_one(line);

	ck_assert_msg(th->flags == flags, "line %d: flags %#x, want %#x",
	    line, th->flags, flags);
	ck_assert_msg(th->seq == seq, "line %d: seq %u, want %u (iss+%d)",
	    line, th->seq, seq, (int)(th->seq - iss));
	ck_assert_msg(th->ack == ack, "line %d: ack %u, want %u", line,
	    th->ack, ack);
	ck_assert_msg(th->payload_len == len, "line %d: %zu data bytes, "
	    "want %zu", line, th->payload_len, len);
	if (len > 0 && data != NULL)
		ck_assert(memcmp(th->payload, data, len) == 0);
	return (th);
}

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

/* Hand one frame to the engine at `now`; its replies are flushed. */
static void
inject(const uint8_t *frame, size_t len)
{
	xtcp_engine_input(eng, now, frame, len, 0);
}

/* The peer sends the segment *r (ports filled in here) with data. */
static void
peer_sends_repr(struct xt_tcp_repr *r, const void *data, size_t len)
{
	struct xt_test_frame f;
	uint8_t buf[FRAME_MAX];
	size_t n;

	memset(&f, 0, sizeof(f));
	memcpy(f.src_mac, peer_mac, 6);
	memcpy(f.dst_mac, our_mac, 6);
	f.saddr = PEER_IP;
	f.daddr = OUR_IP;
	f.ip_frag = XT_IPV4_DF;
	f.tos = peer_tos;
	r->sport = pport;
	r->dport = lport;
	n = xt_test_build_tcp(buf, sizeof(buf), &f, r, data, len);
	inject(buf, n);
}

/* The peer sends a segment without options. */
static void
peer_sends(uint8_t flags, xt_seq_t seq, xt_seq_t ack, uint16_t win,
    const void *data, size_t len)
{
	struct xt_tcp_repr r;

	memset(&r, 0, sizeof(r));
	r.flags = flags;
	r.seq = seq;
	r.ack = ack;
	r.win = win;
	peer_sends_repr(&r, data, len);
}

/* The peer sends a SYN or SYN-ACK with an MSS option and, unless
 * peer_ws < 0, a window scale option of peer_ws. */
static void
peer_sends_syn(uint8_t flags, xt_seq_t seq, xt_seq_t ack, uint16_t mss)
{
	struct xt_tcp_repr r;

	memset(&r, 0, sizeof(r));
	r.flags = flags;
	r.seq = seq;
	r.ack = ack;
	r.win = PEER_WIN;
	r.has_mss = 1;
	r.mss = mss;
	if (peer_ws >= 0) {
		r.has_ws = 1;
		r.ws = (uint8_t)peer_ws;
	}
	peer_sends_repr(&r, NULL, 0);
}

/* The peer sends an ARP request for our address; we learn its MAC. */
static void
peer_arps(void)
{
	uint8_t buf[XT_ETH_HLEN + XT_ARP_LEN];
	struct xt_eth_repr eh;
	struct xt_arp_repr ar;

	memcpy(eh.dst, xt_eth_broadcast, 6);
	memcpy(eh.src, peer_mac, 6);
	eh.type = XT_ETHERTYPE_ARP;
	xt_eth_emit(&eh, buf);
	memset(&ar, 0, sizeof(ar));
	ar.op = XT_ARP_REQUEST;
	memcpy(ar.sha, peer_mac, 6);
	ar.spa = PEER_IP;
	ar.tpa = OUR_IP;
	xt_arp_emit(&ar, buf + XT_ETH_HLEN);
	inject(buf, sizeof(buf));
}

/* Time passes: run the engine's timers at `now`. */
static void
advance_to(uint64_t t)
{
	ck_assert_uint_ge(t, now);
	now = t;
	xtcp_engine_poll(eng, now);
}

/* The program reads; expects exactly the bytes of want. */
static void
expect_recv_at(int line, struct xtcp_sock *s, const void *want, size_t len)
{
	uint8_t buf[8192];
	size_t got = 0;
	int err;

	err = xtcp_recv(s, now, buf, sizeof(buf), 0, &got);
	ck_assert_msg(err == XT_OK, "line %d: recv %s", line,
	    xt_strerror(err));
	ck_assert_msg(got == len, "line %d: recv %zu bytes, want %zu", line,
	    got, len);
	if (len > 0)
		ck_assert(memcmp(buf, want, len) == 0);
}

#define expect_recv(s, want, len) expect_recv_at(__LINE__, (s), (want), (len))

static void
send_all(struct xtcp_sock *s, const void *data, size_t len)
{
	size_t sent = 0;

	ck_assert_int_eq(xtcp_send(s, now, data, len, 0, &sent), XT_OK);
	ck_assert_uint_eq(sent, len);
}

/* Bring the engine up with the test configuration; the peer's MAC is
 * learnt and nothing is left in the capture. */
static void
engine_up(void)
{
	xtcp_config_defaults(&cfg);
	cfg.addr = OUR_IP;
	cfg.prefixlen = 24;
	cfg.rto_init_ms = 1000;
	cfg.rto_min_ms = 1000;		/* RFC 6298 §2.4: RTO 1 s here */
	cfg.rto_max_ms = 60000;
	cfg.delack_ms = (uint32_t)(DELACK / 1000);
	cfg.msl_ms = (uint32_t)(MSL / 1000);
	cfg.finwait2_timeout_ms = (uint32_t)(2 * MSL / 1000);
	cfg.rexmit_max = REXMIT_MAX;
	cfg.syn_retries = SYN_RETRIES;
	cfg.arp_timeout_ms = 36000000;	/* no re-ARP during a test */
	/* these tests pin RFC 5681/6582 arithmetic: NewReno */
	strcpy(cfg.congestion, "reno");
	cfg.fastopen = test_fastopen;
	if (cfg_hook != NULL)
		cfg_hook(&cfg);
	ck_assert_int_eq(xtcp_engine_new(&cfg, &cap.dev, 1, now, &eng),
	    XT_OK);
	peer_arps();
	tx_clear();
}

static void
setup(void)
{
	memset(&cap, 0, sizeof(cap));
	cap.dev.ops = &cap_ops;
	memcpy(cap.dev.mac, our_mac, 6);
	cap.dev.mtu = 1500;
	cap.dev.priv = &cap;
	eng = NULL;
	sk = lsk = NULL;
	now = T0;
	iss = 0;
	lport = 0;
	pport = PEER_PORT;
	/* the peer offers window scaling with shift 0: its windows are
	 * raw, ours are scaled by the shift we asked for */
	peer_ws = 0;
	engine_up();
}

static void
teardown(void)
{
	if (eng != NULL)
		xtcp_engine_free(eng);
	eng = NULL;
}

/* The connection the last segment belongs to: sk, or the listener's
 * child. */
static struct xtcp_sock *
sk_under_test(void)
{
	struct xtcp_sock *tp;

	tp = xt_tcp_lookup(eng, OUR_IP, lport, PEER_IP, pport, 0);
	ck_assert_ptr_nonnull(tp);
	return (tp);
}

/* End of a test: the engine holds exactly ntcb TCBs; free it. */
static void
finish(unsigned ntcb)
{
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), ntcb);
	xtcp_engine_free(eng);
	eng = NULL;
}

/* Leave the quick-ACK mode a new connection starts in (Linux: setting
 * TCP_QUICKACK to 0), so delayed-ACK rules can be tested. */
static void
no_quickack(struct xtcp_sock *s)
{
	int zero = 0;

	ck_assert_int_eq(xtcp_setopt(s, IPPROTO_TCP, TCP_QUICKACK, &zero,
	    sizeof(zero)), XT_OK);
}

/* ---- fixtures ---- */

/* connect(): the SYN goes out; returns with sk in SYN-SENT, iss known. */
static void
tcb_syn_sent(void)
{
	const struct xt_tcp_repr *th;

	ck_assert_int_eq(xtcp_socket(eng, &sk), XT_OK);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_EINPROGRESS);
	ck_assert_uint_eq(cap.n, 1);
	/* port first, so tx_seg can check it */
	ck_assert_uint_ne(sk->lport, 0);
	lport = sk->lport;
	pport = PEER_PORT;
	th = tx_one(__LINE__);
	iss = th->seq;
	ck_assert_uint_eq(th->flags, XT_TH_SYN);
	ck_assert_uint_eq(th->payload_len, 0);
	expect_state(sk, XT_TCPS_SYN_SENT);
}

/* Active open: SYN out, SYN-ACK in after RTT, ACK out: ESTABLISHED with
 * snd_una = iss + 1, rcv_nxt = PEER_ISS + 1. */
static void
tcb_established(void)
{
	tcb_syn_sent();
	now += RTT;
	peer_sends_syn(XT_TH_SYN | XT_TH_ACK, PEER_ISS, iss + 1, MSS);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_ESTABLISHED);
}

/* A listener on LISTEN_PORT; the peer will connect from PEER_CPORT. */
static void
tcb_listen(void)
{
	ck_assert_int_eq(xtcp_socket(eng, &lsk), XT_OK);
	ck_assert_int_eq(xtcp_bind(lsk, 0, LISTEN_PORT), XT_OK);
	ck_assert_int_eq(xtcp_listen(lsk, 4), XT_OK);
	expect_state(lsk, XT_TCPS_LISTEN);
	lport = LISTEN_PORT;
	pport = PEER_CPORT;
}

/* Listener plus a child in SYN-RECEIVED: the peer's SYN is answered with
 * a SYN-ACK carrying our MSS; iss is the child's. */
static void
tcb_syn_received(void)
{
	const struct xt_tcp_repr *th;

	tcb_listen();
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1400);
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN | XT_TH_ACK);
	ck_assert_uint_eq(th->ack, PEER_ISS + 1);
	ck_assert(th->has_mss);
	ck_assert_uint_eq(th->mss, MSS);
	/* RFC 7323 §2.2: WS in a SYN-ACK only if the SYN had it */
	ck_assert(th->has_ws == (peer_ws >= 0));
	iss = th->seq;
	/* the half-open connection is a SYN cache entry, not a socket */
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
}

/* ---- active open, RFC 9293 §3.10.7.3 ---- */

START_TEST(active_open)
{
	const struct xt_tcp_repr *th;

	ck_assert_int_eq(xtcp_socket(eng, &sk), XT_OK);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_EINPROGRESS);
	lport = sk->lport;
	th = tx_one(__LINE__);
	iss = th->seq;
	ck_assert_uint_eq(th->flags, XT_TH_SYN);
	ck_assert_uint_eq(th->ack, 0);
	ck_assert(th->has_mss);		/* RFC 9293 §3.7.1 */
	ck_assert_uint_eq(th->mss, MSS);
	ck_assert_uint_gt(th->win, 0);
	expect_state(sk, XT_TCPS_SYN_SENT);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_EALREADY);
	ck_assert_uint_eq(xtcp_poll(sk) & XTCP_POLLOUT, 0);

	now += RTT;
	peer_sends_syn(XT_TH_SYN | XT_TH_ACK, PEER_ISS, iss + 1, 1200);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	ck_assert_uint_eq(sk->snd_una, iss + 1);
	ck_assert_uint_eq(sk->snd_nxt, iss + 1);
	ck_assert_uint_eq(sk->rcv_nxt, PEER_ISS + 1);
	ck_assert_uint_eq(sk->irs, PEER_ISS);
	ck_assert_uint_eq(sk->t_maxseg, 1200);	/* the peer's, smaller */
	ck_assert_uint_eq(sk->snd_wnd, PEER_WIN);
	ck_assert_uint_eq(sk->t_rexmt_at, 0);	/* nothing outstanding */
	ck_assert(xtcp_poll(sk) & XTCP_POLLOUT);

	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT), XT_OK);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_EISCONN);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_EISCONN);
	expect_no_tx();
	finish(1);
}
END_TEST

START_TEST(synsent_rst_refused)
{
	tcb_syn_sent();
	now += RTT;
	peer_sends(XT_TH_RST | XT_TH_ACK, 0, iss + 1, 0, NULL, 0);
	expect_no_tx();
	expect_state(sk, XT_TCPS_CLOSED);
	ck_assert_int_eq(sk->so_error, XT_ECONNREFUSED);
	ck_assert(xtcp_poll(sk) & XTCP_POLLERR);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_ECONNREFUSED);
	/* the handle still holds the TCB */
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	xtcp_close(sk, now);
	expect_no_tx();
	finish(0);
}
END_TEST

START_TEST(synsent_rst_so_error)
{
	int v = 0;
	size_t vlen = sizeof(v);

	tcb_syn_sent();
	peer_sends(XT_TH_RST | XT_TH_ACK, 0, iss + 1, 0, NULL, 0);
	expect_state(sk, XT_TCPS_CLOSED);
	ck_assert_int_eq(xtcp_getopt(sk, SOL_SOCKET, SO_ERROR, &v, &vlen),
	    XT_OK);
	ck_assert_int_eq(v, XT_ECONNREFUSED);
	ck_assert_int_eq(xtcp_take_error(sk), XT_OK);	/* taken once */
	finish(1);
}
END_TEST

START_TEST(synsent_rst_bad_ack_ignored)
{
	tcb_syn_sent();
	/* RFC 9293 §3.10.7.3 first: an unacceptable ACK with RST: drop */
	peer_sends(XT_TH_RST | XT_TH_ACK, 0, iss + 2, 0, NULL, 0);
	expect_no_tx();
	expect_state(sk, XT_TCPS_SYN_SENT);
	peer_sends(XT_TH_RST | XT_TH_ACK, 0, iss, 0, NULL, 0);
	expect_no_tx();
	expect_state(sk, XT_TCPS_SYN_SENT);
	/* second: RST without ACK: drop */
	peer_sends(XT_TH_RST, 0, 0, 0, NULL, 0);
	expect_no_tx();
	expect_state(sk, XT_TCPS_SYN_SENT);
	ck_assert_int_eq(sk->so_error, XT_OK);
	/* still able to complete */
	peer_sends_syn(XT_TH_SYN | XT_TH_ACK, PEER_ISS, iss + 1, MSS);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	finish(1);
}
END_TEST

START_TEST(synsent_bad_ack_rst)
{
	/* RFC 9293 §3.10.7.3 first: SEG.ACK =< ISS or > SND.NXT: send
	 * <SEQ=SEG.ACK><CTL=RST> unless the RST bit is set */
	tcb_syn_sent();
	peer_sends(XT_TH_ACK, 12345, iss + 100, PEER_WIN, NULL, 0);
	expect_tx(XT_TH_RST, iss + 100, 0);
	expect_state(sk, XT_TCPS_SYN_SENT);
	peer_sends_syn(XT_TH_SYN | XT_TH_ACK, PEER_ISS, iss, MSS);
	expect_tx(XT_TH_RST, iss, 0);
	expect_state(sk, XT_TCPS_SYN_SENT);
	ck_assert_uint_eq(sk->snd_una, iss);
	finish(1);
}
END_TEST

START_TEST(synsent_timeout)
{
	const struct xt_tcp_repr *th;
	unsigned i;

	tcb_syn_sent();
	/* RFC 6298 §5: the SYN is resent after 1 s, 2 s, ... */
	for (i = 0; i < SYN_RETRIES; i++) {
		advance_to(now + (RTO << i) - 1);
		expect_no_tx();
		advance_to(now + 1);
		th = tx_one(__LINE__);
		ck_assert_uint_eq(th->flags, XT_TH_SYN);
		ck_assert_uint_eq(th->seq, iss);
		ck_assert(th->has_mss);
	}
	advance_to(now + (RTO << SYN_RETRIES));
	expect_no_tx();
	expect_state(sk, XT_TCPS_CLOSED);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_ETIMEDOUT);
	finish(1);
}
END_TEST

START_TEST(simultaneous_open)
{
	/* RFC 9293 Figure 8: SYN crosses SYN; we answer SYN-ACK, the
	 * peer's ACK completes the handshake */
	tcb_syn_sent();
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, MSS);
	expect_tx(XT_TH_SYN | XT_TH_ACK, iss, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_SYN_RECEIVED);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_no_tx();		/* nothing received, nothing owed */
	expect_state(sk, XT_TCPS_ESTABLISHED);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT), XT_OK);
	finish(1);
}
END_TEST

START_TEST(simultaneous_open_synack)
{
	/* Was a bug, fixed: RFC 9293 Figure 8 line 6: in SYN-RECEIVED the peer's own
	 * SYN-ACK <SEQ=PEER_ISS><ACK=ISS+1> moves us to ESTABLISHED */
	tcb_syn_sent();
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, MSS);
	expect_tx(XT_TH_SYN | XT_TH_ACK, iss, PEER_ISS + 1);
	peer_sends_syn(XT_TH_SYN | XT_TH_ACK, PEER_ISS, iss + 1, MSS);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	finish(1);
}
END_TEST

/* ---- passive open, RFC 9293 §3.10.7.2 ---- */

START_TEST(passive_open)
{
	struct xtcp_sock *c = NULL;
	uint32_t addr = 0;
	uint16_t port = 0;

	tcb_syn_received();
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_EAGAIN);
	ck_assert_uint_eq(xtcp_poll(lsk) & XTCP_POLLIN, 0);
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	/* the SYN-ACK's window is unscaled (RFC 7323 §2.2), so at most
	 * 65535; the whole scaled buffer goes with the first segment we
	 * have a reason to send, not in a window update of its own */
	expect_no_tx();
	ck_assert(xtcp_poll(lsk) & XTCP_POLLIN);
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, &addr, &port), XT_OK);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(addr, PEER_IP);
	ck_assert_uint_eq(port, PEER_CPORT);
	expect_state(c, XT_TCPS_ESTABLISHED);
	ck_assert_uint_eq(c->snd_una, iss + 1);
	ck_assert_uint_eq(c->rcv_nxt, PEER_ISS + 1);
	ck_assert_uint_eq(c->t_maxseg, 1400);
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_EAGAIN);
	expect_state(lsk, XT_TCPS_LISTEN);
	finish(2);
}
END_TEST

START_TEST(passive_open_data)
{
	struct xtcp_sock *c = NULL;

	/* the handshake's last ACK may carry data */
	tcb_syn_received();
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN,
	    "hi", 2);
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	expect_state(c, XT_TCPS_ESTABLISHED);
	expect_recv(c, "hi", 2);
	finish(2);
}
END_TEST

START_TEST(synrcvd_bad_ack_rst)
{
	/* RFC 9293 §3.10.7.4 fifth, SYN-RECEIVED: an unacceptable ACK
	 * gets <SEQ=SEG.ACK><CTL=RST> */
	tcb_syn_received();
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 7, PEER_WIN, NULL, 0);
	expect_tx(XT_TH_RST, iss + 7, 0);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	finish(1);
}
END_TEST

START_TEST(synrcvd_rst)
{
	struct xtcp_sock *c = NULL;

	/* RFC 9293 §3.10.7.4 second, SYN-RECEIVED from a passive open:
	 * back to LISTEN (the child goes away) */
	tcb_syn_received();
	peer_sends(XT_TH_RST, PEER_ISS + 1, 0, 0, NULL, 0);
	expect_no_tx();
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	ck_assert_uint_eq(lsk->t_qlen, 0);
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_EAGAIN);
	/* the listener still takes a new connection */
	peer_sends_syn(XT_TH_SYN, 5000, 0, MSS);
	ck_assert_uint_eq(tx_one(__LINE__)->flags, XT_TH_SYN | XT_TH_ACK);
	finish(1);
}
END_TEST

START_TEST(synrcvd_syn_retransmit)
{
	const struct xt_tcp_repr *th;

	/* Was a bug, fixed: the peer lost our SYN-ACK and resends its SYN.  RFC 9293
	 * §3.10.7.4 first: an unacceptable segment gets an ACK
	 * <SEQ=SND.NXT><ACK=RCV.NXT> (Linux resends the SYN-ACK) */
	tcb_syn_received();
	now += RTT;
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1400);
	th = tx_one(__LINE__);
	ck_assert(th->flags & XT_TH_ACK);
	ck_assert_uint_eq(th->ack, PEER_ISS + 1);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	finish(1);
}
END_TEST

START_TEST(closed_port_rst)
{
	/* RFC 9293 §3.10.7.1: no ACK bit: <SEQ=0><ACK=SEG.SEQ+SEG.LEN>
	 * <CTL=RST,ACK> */
	lport = 9999;
	pport = PEER_CPORT;
	peer_sends_syn(XT_TH_SYN, 5000, 0, MSS);
	expect_tx(XT_TH_RST | XT_TH_ACK, 0, 5001);
	/* with data and FIN: SEG.LEN counts both */
	peer_sends(XT_TH_FIN, 7000, 0, PEER_WIN, "abc", 3);
	expect_tx(XT_TH_RST | XT_TH_ACK, 0, 7004);
	/* ACK bit on: <SEQ=SEG.ACK><CTL=RST> */
	peer_sends(XT_TH_ACK, 7000, 424242, PEER_WIN, NULL, 0);
	expect_tx(XT_TH_RST, 424242, 0);
	/* an RST is never answered */
	peer_sends(XT_TH_RST | XT_TH_ACK, 7000, 424242, 0, NULL, 0);
	expect_no_tx();
	finish(0);
}
END_TEST

START_TEST(listen_ack_rst)
{
	/* RFC 9293 §3.10.7.2 second: an ACK to a listener gets
	 * <SEQ=SEG.ACK><CTL=RST>; first: an RST is ignored */
	tcb_listen();
	peer_sends(XT_TH_ACK, 5000, 777777, PEER_WIN, NULL, 0);
	expect_tx(XT_TH_RST, 777777, 0);
	peer_sends(XT_TH_RST, 5000, 0, 0, NULL, 0);
	expect_no_tx();
	/* third-ish: neither SYN nor ACK nor RST: drop */
	peer_sends(0, 5000, 0, PEER_WIN, "x", 1);
	expect_no_tx();
	expect_state(lsk, XT_TCPS_LISTEN);
	finish(1);
}
END_TEST

/* ---- RFC 5961 ---- */

START_TEST(rst_exact_resets)
{
	size_t got;

	tcb_established();
	peer_sends(XT_TH_RST, PEER_ISS + 1, 0, 0, NULL, 0);
	expect_no_tx();
	expect_state(sk, XT_TCPS_CLOSED);
	ck_assert(xtcp_poll(sk) & (XTCP_POLLERR | XTCP_POLLHUP));
	ck_assert_int_eq(xtcp_recv(sk, now, &got, 1, 0, &got),
	    XT_ECONNRESET);
	/* then end of stream; send fails with EPIPE */
	expect_recv(sk, NULL, 0);
	ck_assert_int_eq(xtcp_send(sk, now, "x", 1, 0, &got), XT_EPIPE);
	finish(1);
}
END_TEST

START_TEST(rst_in_window_challenge)
{
	/* RFC 5961 §3.2: in the window but not RCV.NXT: challenge ACK */
	tcb_established();
	peer_sends(XT_TH_RST, PEER_ISS + 1 + 100, 0, 0, NULL, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	advance_to(now + RATELIMIT);	/* RFC 5961 §7: one per interval */
	peer_sends(XT_TH_RST | XT_TH_ACK, PEER_ISS + 2, iss + 1, 0, NULL, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	/* outside the window: silently dropped */
	peer_sends(XT_TH_RST, PEER_ISS + 1 + 0x40000000u, 0, 0, NULL, 0);
	expect_no_tx();
	peer_sends(XT_TH_RST, PEER_ISS, 0, 0, NULL, 0);
	expect_no_tx();
	expect_state(sk, XT_TCPS_ESTABLISHED);
	ck_assert_int_eq(sk->so_error, XT_OK);
	/* the connection still works */
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN,
	    "ok", 2);
	expect_recv(sk, "ok", 2);
	finish(1);
}
END_TEST

START_TEST(syn_in_established_challenge)
{
	/* RFC 5961 §4.2 / RFC 9293 §3.10.7.4 fourth: challenge ACK
	 * whatever the sequence number */
	tcb_established();
	peer_sends_syn(XT_TH_SYN, PEER_ISS + 1, 0, MSS);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	/* RFC 5961 §7: one challenge ACK per interval */
	advance_to(now + RATELIMIT);
	peer_sends_syn(XT_TH_SYN, PEER_ISS + 5000, 0, MSS);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	advance_to(now + RATELIMIT);
	peer_sends_syn(XT_TH_SYN, 0x12345678u, 0, MSS);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	advance_to(now + RATELIMIT);
	peer_sends_syn(XT_TH_SYN | XT_TH_ACK, PEER_ISS, iss + 1, MSS);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	ck_assert_uint_eq(sk->rcv_nxt, PEER_ISS + 1);
	finish(1);
}
END_TEST

/* ---- acceptability and the ACK field, RFC 9293 §3.10.7.4 ---- */

START_TEST(ack_too_much)
{
	/* fifth: SEG.ACK > SND.NXT: send an ACK, drop the segment */
	tcb_established();
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 50, PEER_WIN,
	    "zz", 2);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	ck_assert_uint_eq(sk->snd_una, iss + 1);
	ck_assert_uint_eq(sk->rcv_nxt, PEER_ISS + 1);
	ck_assert_uint_eq(xtcp_sock_rxbytes(sk), 0);
	finish(1);
}
END_TEST

START_TEST(unacceptable_data_acked)
{
	/* first: an unacceptable segment gets <SEQ=SND.NXT><ACK=RCV.NXT> */
	tcb_established();
	no_quickack(sk);
	peer_sends(XT_TH_ACK, PEER_ISS + 1 + 0x40000000u, iss + 1, PEER_WIN,
	    "far", 3);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	/* an old duplicate is acknowledged at once */
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN,
	    "abc", 3);
	expect_no_tx();			/* delayed ACK */
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN,
	    "abc", 3);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 4);
	/* a segment overlapping the left edge is trimmed */
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 2, iss + 1, PEER_WIN,
	    "bcdef", 5);
	expect_recv(sk, "abcdef", 6);
	ck_assert_uint_eq(sk->rcv_nxt, PEER_ISS + 7);
	finish(1);
}
END_TEST

/* ---- data, RFC 9293 §3.10.7.4 seventh, RFC 5681 §4.2 ---- */

START_TEST(data_in_order)
{
	tcb_established();
	ck_assert_int_eq(xtcp_recv(sk, now, NULL, 0, 0, &(size_t){ 0 }),
	    XT_OK);
	{
		uint8_t b[4];
		size_t got;

		ck_assert_int_eq(xtcp_recv(sk, now, b, sizeof(b), 0, &got),
		    XT_EAGAIN);
	}
	/* eight bytes across the 2^32 wrap of the peer's sequence space */
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN,
	    "01234567", 8);
	ck_assert_uint_eq(sk->rcv_nxt, PEER_ISS + 9);
	ck_assert_uint_eq(xtcp_sock_rxbytes(sk), 8);
	ck_assert(xtcp_poll(sk) & XTCP_POLLIN);
	tx_clear();		/* the ACK's timing is delack's business */
	expect_recv(sk, "01234567", 8);
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 9, iss + 1, PEER_WIN,
	    "89", 2);
	tx_clear();
	expect_recv(sk, "89", 2);
	finish(1);
}
END_TEST

START_TEST(data_out_of_order)
{
	uint8_t b[16];
	size_t got;

	tcb_established();
	/* bytes 5..9 first: immediate duplicate ACK (RFC 5681 §4.2) */
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1 + 5, iss + 1,
	    PEER_WIN, "world", 5);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	ck_assert_int_eq(xtcp_recv(sk, now, b, sizeof(b), 0, &got),
	    XT_EAGAIN);
	ck_assert_uint_eq(sk->rcv_nxt, PEER_ISS + 1);
	/* and bytes 12..13, a second hole */
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1 + 12, iss + 1,
	    PEER_WIN, "!!", 2);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	/* the first hole filled: everything up to the second, ACK at once */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, "hello", 5);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 11);
	expect_recv(sk, "helloworld", 10);
	/* the second hole */
	peer_sends(XT_TH_ACK, PEER_ISS + 11, iss + 1, PEER_WIN, "  ", 2);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 15);
	expect_recv(sk, "  !!", 4);
	finish(1);
}
END_TEST

START_TEST(delack_full_segment)
{
	static uint8_t d[2 * MSS];
	unsigned i;

	for (i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)i;
	tcb_established();
	no_quickack(sk);
	/* RFC 1122 §4.2.3.2: one full-sized segment: the ACK waits */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, d, MSS);
	expect_no_tx();
	ck_assert_uint_eq(sk->t_delack_at, now + DELACK);
	ck_assert_uint_eq(xtcp_engine_next_deadline(eng), now + DELACK);
	advance_to(now + DELACK - 1);
	expect_no_tx();
	advance_to(now + 1);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1 + MSS);
	ck_assert_uint_eq(sk->t_delack_at, 0);
	advance_to(now + DELACK);
	expect_no_tx();
	finish(1);
}
END_TEST

START_TEST(delack_two_full_segments)
{
	static uint8_t d[2 * MSS];

	memset(d, 'x', sizeof(d));
	tcb_established();
	no_quickack(sk);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, d, MSS);
	expect_no_tx();
	now += 1000;
	/* RFC 1122 §4.2.3.2 / RFC 5681 §4.2: every second full segment */
	peer_sends(XT_TH_ACK, PEER_ISS + 1 + MSS, iss + 1, PEER_WIN, d + MSS,
	    MSS);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1 + 2 * MSS);
	ck_assert_uint_eq(sk->t_delack_at, 0);
	advance_to(now + DELACK);
	expect_no_tx();
	ck_assert_uint_eq(xtcp_sock_rxbytes(sk), 2 * MSS);
	finish(1);
}
END_TEST

START_TEST(delack_small_segment)
{
	/* RFC 1122 §4.2.3.2 / RFC 9293 §3.8.6.3: a lone small segment's
	 * ACK is delayed (up to delack_ms), so it can ride on a reply */
	tcb_established();
	no_quickack(sk);
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN,
	    "ping", 4);
	expect_no_tx();
	advance_to(now + DELACK - 1);
	expect_no_tx();
	advance_to(now + 1);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 5);
	finish(1);
}
END_TEST


/* A new connection ACKs its first segments at once (quick-ACK mode, as
 * Linux), so the peer's slow start is not slowed by delayed ACKs. */
START_TEST(quickack_at_start)
{
	tcb_established();
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN,
	    "ping", 4);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 5);
	finish(1);
}
END_TEST

START_TEST(delack_piggyback)
{
	/* a full segment's pending ACK rides on our reply */
	static uint8_t d[MSS];

	memset(d, 'q', sizeof(d));
	tcb_established();
	no_quickack(sk);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, d, MSS);
	expect_no_tx();
	send_all(sk, "reply", 5);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1 + MSS,
	    "reply", 5);
	ck_assert_uint_eq(sk->t_delack_at, 0);
	advance_to(now + DELACK);
	expect_no_tx();
	finish(1);
}
END_TEST

/* ---- closing, RFC 9293 §3.10.4, §3.10.7.4 eighth, §3.6 ---- */

START_TEST(active_close)
{
	size_t n;

	tcb_established();
	ck_assert_int_eq(xtcp_shutdown(sk, now, 1), XT_OK);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_FIN_WAIT_1);
	ck_assert_int_eq(xtcp_send(sk, now, "x", 1, 0, &n), XT_EPIPE);
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN, NULL, 0);
	expect_no_tx();
	expect_state(sk, XT_TCPS_FIN_WAIT_2);
	ck_assert_uint_eq(sk->t_rexmt_at, 0);
	/* data still flows to us in FIN-WAIT-2 */
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 2, PEER_WIN,
	    "tail", 4);
	tx_clear();
	expect_recv(sk, "tail", 4);
	now += 1000;
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 5, iss + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 6);
	expect_state(sk, XT_TCPS_TIME_WAIT);
	expect_recv(sk, NULL, 0);	/* EOF */
	ck_assert_uint_eq(sk->t_2msl_at, now + 2 * MSL);
	xtcp_close(sk, now);
	expect_no_tx();
	advance_to(now + 2 * MSL - 1);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	advance_to(now + 1);
	expect_no_tx();
	finish(0);
}
END_TEST

START_TEST(active_close_by_close)
{
	uint64_t t;

	tcb_established();
	xtcp_close(sk, now);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN, NULL, 0);
	expect_state(sk, XT_TCPS_FIN_WAIT_2);
	now += 5000;
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	expect_state(sk, XT_TCPS_TIME_WAIT);
	t = now;
	advance_to(t + 2 * MSL - 1);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	advance_to(t + 2 * MSL);
	finish(0);
}
END_TEST

START_TEST(orphan_fin_wait_2_timeout)
{
	/* an orphan in FIN-WAIT-2 gives up after the 2MSL time */
	tcb_established();
	xtcp_close(sk, now);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN, NULL, 0);
	expect_state(sk, XT_TCPS_FIN_WAIT_2);
	advance_to(now + 2 * MSL);
	expect_no_tx();
	finish(0);
}
END_TEST

START_TEST(timewait_fin_retransmit)
{
	uint64_t t;

	/* Was a bug, fixed: RFC 9293 §3.10.7.4 eighth, TIME-WAIT: a retransmitted FIN
	 * is acknowledged and the 2 MSL timeout restarted */
	tcb_established();
	ck_assert_int_eq(xtcp_shutdown(sk, now, 1), XT_OK);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	expect_state(sk, XT_TCPS_TIME_WAIT);
	/* our ACK was lost; the peer resends its FIN a second later */
	t = now + MSL;
	advance_to(t);
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	expect_state(sk, XT_TCPS_TIME_WAIT);
	ck_assert_uint_eq(sk->t_2msl_at, t + 2 * MSL);
	finish(1);
}
END_TEST

START_TEST(timewait_ack_retransmit_only)
{
	uint64_t t;

	/* what works today: the resent FIN is ACKed; TIME-WAIT ends 2MSL
	 * after it began */
	tcb_established();
	ck_assert_int_eq(xtcp_shutdown(sk, now, 1), XT_OK);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	t = now;
	xtcp_close(sk, now);
	advance_to(now + MSL);
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	expect_state(sk, XT_TCPS_TIME_WAIT);
	advance_to(t + 4 * MSL);
	finish(0);
}
END_TEST

START_TEST(passive_close)
{
	size_t n;

	tcb_established();
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 2);
	expect_state(sk, XT_TCPS_CLOSE_WAIT);
	ck_assert(xtcp_poll(sk) & XTCP_POLLRDHUP);
	expect_recv(sk, NULL, 0);	/* EOF */
	expect_recv(sk, NULL, 0);
	/* we may still send */
	send_all(sk, "bye", 3);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 2, "bye",
	    3);
	peer_sends(XT_TH_ACK, PEER_ISS + 2, iss + 4, PEER_WIN, NULL, 0);
	expect_no_tx();
	xtcp_close(sk, now);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 4, PEER_ISS + 2);
	expect_state(sk, XT_TCPS_LAST_ACK);
	ck_assert_int_eq(xtcp_send(sk, now, "x", 1, 0, &n), XT_EPIPE);
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 2, iss + 5, PEER_WIN, NULL, 0);
	expect_no_tx();
	finish(0);
}
END_TEST

START_TEST(passive_close_fin_with_data)
{
	tcb_established();
	peer_sends(XT_TH_FIN | XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1,
	    PEER_WIN, "last", 4);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 6);
	expect_state(sk, XT_TCPS_CLOSE_WAIT);
	expect_recv(sk, "last", 4);
	expect_recv(sk, NULL, 0);
	finish(1);
}
END_TEST

START_TEST(fin_out_of_order)
{
	/* a FIN after a hole waits for the data before it */
	tcb_established();
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1 + 3, iss + 1,
	    PEER_WIN, "def", 3);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, "abc", 3);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 7);
	/* the FIN was not kept: the peer resends it */
	expect_state(sk, XT_TCPS_ESTABLISHED);
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 7, iss + 1, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 8);
	expect_state(sk, XT_TCPS_CLOSE_WAIT);
	expect_recv(sk, "abcdef", 6);
	expect_recv(sk, NULL, 0);
	finish(1);
}
END_TEST

START_TEST(simultaneous_close)
{
	uint64_t t;

	tcb_established();
	ck_assert_int_eq(xtcp_shutdown(sk, now, 1), XT_OK);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	/* the peer's FIN crosses ours: it has not seen our FIN */
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	expect_state(sk, XT_TCPS_CLOSING);
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 2, iss + 2, PEER_WIN, NULL, 0);
	expect_no_tx();
	expect_state(sk, XT_TCPS_TIME_WAIT);
	t = now;
	xtcp_close(sk, now);
	advance_to(t + 2 * MSL - 1);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	advance_to(t + 2 * MSL);
	finish(0);
}
END_TEST

START_TEST(fin_wait_1_fin_ack)
{
	/* FIN-WAIT-1: a FIN that also ACKs ours goes straight to
	 * TIME-WAIT */
	tcb_established();
	ck_assert_int_eq(xtcp_shutdown(sk, now, 1), XT_OK);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	expect_state(sk, XT_TCPS_TIME_WAIT);
	finish(1);
}
END_TEST

START_TEST(fin_retransmitted)
{
	tcb_established();
	ck_assert_int_eq(xtcp_shutdown(sk, now, 1), XT_OK);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	advance_to(now + RTO);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_FIN_WAIT_1);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN, NULL, 0);
	expect_state(sk, XT_TCPS_FIN_WAIT_2);
	expect_no_tx();
	finish(1);
}
END_TEST

START_TEST(close_unread_rst)
{
	/* RFC 2525 §2.17: close with unread data aborts with RST */
	tcb_established();
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN,
	    "unread", 6);
	tx_clear();
	xtcp_close(sk, now);
	expect_tx(XT_TH_RST | XT_TH_ACK, iss + 1, PEER_ISS + 7);
	finish(0);
}
END_TEST

START_TEST(linger0_rst)
{
	struct linger lg = { 1, 0 };

	tcb_established();
	ck_assert_int_eq(xtcp_setopt(sk, SOL_SOCKET, SO_LINGER, &lg,
	    sizeof(lg)), XT_OK);
	xtcp_close(sk, now);
	expect_tx(XT_TH_RST | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	finish(0);
}
END_TEST

START_TEST(data_after_close_rst)
{
	/* orphaned FIN-WAIT-1: data nobody will read gets an RST (as
	 * Linux) */
	tcb_established();
	xtcp_close(sk, now);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 2, PEER_WIN,
	    "late", 4);
	ck_assert_uint_eq(tx_one(__LINE__)->flags & XT_TH_RST, XT_TH_RST);
	finish(0);
}
END_TEST

START_TEST(rst_in_last_ack_frees)
{
	tcb_established();
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 2);
	xtcp_close(sk, now);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 2);
	expect_state(sk, XT_TCPS_LAST_ACK);
	peer_sends(XT_TH_RST, PEER_ISS + 2, 0, 0, NULL, 0);
	expect_no_tx();
	finish(0);
}
END_TEST

/* ---- retransmission, RFC 6298 §5 ---- */

START_TEST(rexmit_backoff_timeout)
{
	const struct xt_tcp_repr *th;
	uint64_t t;
	size_t n;
	unsigned i;

	tcb_established();
	send_all(sk, "abcd", 4);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "abcd",
	    4);
	t = now;
	ck_assert_uint_eq(sk->t_rexmt_at, t + RTO);
	ck_assert_uint_eq(xtcp_engine_next_deadline(eng), t + RTO);
	/* RFC 6298 §5.4-5.6: resend, double the RTO each time */
	for (i = 0; i < REXMIT_MAX; i++) {
		t += RTO << i;
		advance_to(t - 1);
		expect_no_tx();
		advance_to(t);
		th = expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1,
		    PEER_ISS + 1, "abcd", 4);
		(void)th;
		ck_assert_uint_eq(sk->t_rxtshift, i + 1);
		ck_assert_uint_eq(sk->t_rexmt_at, t + (RTO << (i + 1)));
		/* RFC 5681 §3.1: the loss window */
		ck_assert_uint_eq(sk->snd_cwnd, MSS);
	}
	t += RTO << REXMIT_MAX;
	advance_to(t - 1);
	expect_no_tx();
	advance_to(t);
	expect_state(sk, XT_TCPS_CLOSED);
	ck_assert_int_eq(xtcp_recv(sk, now, &n, 1, 0, &n), XT_ETIMEDOUT);
	finish(1);
}
END_TEST

START_TEST(rexmit_ack_stops_timer)
{
	tcb_established();
	send_all(sk, "abcd", 4);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "abcd",
	    4);
	advance_to(now + RTO);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "abcd",
	    4);
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 5, PEER_WIN, NULL, 0);
	expect_no_tx();
	ck_assert_uint_eq(sk->snd_una, iss + 5);
	ck_assert_uint_eq(sk->t_rexmt_at, 0);
	ck_assert_uint_eq(sk->t_rxtshift, 0);
	ck_assert_uint_eq(xtcp_sock_txbytes(sk), 0);
	advance_to(now + 10 * RTO);
	expect_no_tx();
	finish(1);
}
END_TEST

START_TEST(rexmit_partial_ack_rearms)
{
	static uint8_t d[3 * MSS];

	/* RFC 6298 §5.3: an ACK of new data restarts the timer */
	memset(d, 'r', sizeof(d));
	tcb_established();
	send_all(sk, d, sizeof(d));
	ck_assert_uint_eq(cap.n, 3);
	tx_clear();
	now += 500000;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1 + MSS, PEER_WIN, NULL, 0);
	tx_clear();
	ck_assert_uint_eq(sk->t_rexmt_at, now + RTO);
	finish(1);
}
END_TEST

/* ---- zero window, RFC 9293 §3.8.6.1 ---- */

START_TEST(zero_window_persist)
{
	const struct xt_tcp_repr *th;

	tcb_established();
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, 0, NULL, 0);
	expect_no_tx();
	ck_assert_uint_eq(sk->snd_wnd, 0);
	send_all(sk, "wait", 4);
	expect_no_tx();
	ck_assert_uint_eq(sk->t_persist_at, now + RTO);
	ck_assert_uint_eq(sk->t_rexmt_at, 0);
	advance_to(now + RTO - 1);
	expect_no_tx();
	advance_to(now + 1);
	/* a probe (Linux style: seq SND.UNA - 1, no data, elicits an ACK) */
	th = tx_one(__LINE__);
	ck_assert(th->flags & XT_TH_ACK);
	ck_assert(SEQ_LT(th->seq, iss + 1) || th->payload_len == 1);
	ck_assert_uint_eq(th->ack, PEER_ISS + 1);
	/* backoff: the next probe comes 2 RTO later */
	ck_assert_uint_eq(sk->t_persist_at, now + 2 * RTO);
	/* still closed */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, 0, NULL, 0);
	expect_no_tx();
	advance_to(now + 2 * RTO);
	tx_one(__LINE__);
	/* the window opens: the data goes */
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "wait",
	    4);
	ck_assert_uint_eq(sk->t_persist_at, 0);
	ck_assert_uint_ne(sk->t_rexmt_at, 0);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 5, PEER_WIN, NULL, 0);
	expect_no_tx();
	ck_assert_uint_eq(sk->t_rexmt_at, 0);
	finish(1);
}
END_TEST

/* The peer offers a window of 2 MSS + 100; the program sends len bytes
 * (more than that) with TCP_NODELAY: two full segments go. */
static void
send_window_limited(const uint8_t *d, size_t len)
{
	int one = 1;

	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, 2 * MSS + 100, NULL, 0);
	expect_no_tx();
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)), XT_OK);
	send_all(sk, d, len);
	ck_assert_uint_eq(cap.n, 2);
}

START_TEST(window_limits_data)
{
	static uint8_t d[4000];
	struct xt_tcp_repr th;
	unsigned i;

	/* the peer's window caps what is in flight; the 100 bytes left of
	 * it are not worth a segment (sender SWS avoidance, RFC 9293
	 * §3.8.6.2.1) */
	for (i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * 5);
	tcb_established();
	send_window_limited(d, sizeof(d));
	for (i = 0; i < 2; i++) {
		tx_seg(i, &th);
		ck_assert_uint_eq(th.seq, iss + 1 + i * MSS);
		ck_assert_uint_eq(th.payload_len, MSS);
	}
	tx_clear();
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1 + 2 * MSS, 2 * MSS + 100,
	    NULL, 0);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1 + 2 * MSS, PEER_ISS + 1,
	    d + 2 * MSS, sizeof(d) - 2 * MSS);
	finish(1);
}
END_TEST

START_TEST(sws_override_timeout)
{
	static uint8_t d[1000];
	int one = 1;

	/* Was a bug, fixed: RFC 9293 §3.8.6.2.1 / RFC 1122 §4.2.3.4: sender SWS
	 * avoidance needs an override timeout (or, as Linux, the probe
	 * timer): a window of 300 < MSS, under half the largest window,
	 * with nothing in flight, must not hold queued data forever */
	memset(d, 's', sizeof(d));
	tcb_established();
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, 300, NULL, 0);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)), XT_OK);
	send_all(sk, d, sizeof(d));
	expect_no_tx();
	ck_assert_uint_ne(xtcp_engine_next_deadline(eng), UINT64_MAX);
	advance_to(now + RTO);
	expect_tx_data(XT_TH_ACK, iss + 1, PEER_ISS + 1, d, 300);
	finish(1);
}
END_TEST

START_TEST(nows_no_spurious_window_update)
{
	/* Was a bug, fixed: with a peer that does not scale (no WS option in its
	 * SYN-ACK) our window field tops out at 65535 while the buffer
	 * is 256 KiB; xt_tcp_output then sees a window "update" of more
	 * than 2 MSS owed on every call and sends a pure ACK each time,
	 * which the peer counts as a duplicate ACK (RFC 5681 §2) */
	peer_ws = -1;
	tcb_established();
	ck_assert_uint_eq(sk->rcv_scale, 0);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_no_tx();
	send_all(sk, "abc", 3);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "abc",
	    3);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 4, PEER_WIN, NULL, 0);
	expect_no_tx();
	finish(1);
}
END_TEST

/* ---- Nagle, RFC 9293 §3.7.4 ---- */

START_TEST(nagle_holds_small)
{
	tcb_established();
	send_all(sk, "a", 1);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "a", 1);
	send_all(sk, "b", 1);
	expect_no_tx();
	send_all(sk, "c", 1);
	expect_no_tx();
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN, NULL, 0);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 2, PEER_ISS + 1, "bc", 2);
	finish(1);
}
END_TEST

START_TEST(nagle_nodelay)
{
	int one = 1;

	tcb_established();
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)), XT_OK);
	send_all(sk, "a", 1);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "a", 1);
	send_all(sk, "b", 1);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 2, PEER_ISS + 1, "b", 1);
	finish(1);
}
END_TEST

START_TEST(nagle_full_segment_goes)
{
	static uint8_t d[MSS + 1];

	/* a full segment goes even with data unacknowledged */
	memset(d, 'n', sizeof(d));
	tcb_established();
	send_all(sk, "a", 1);
	tx_clear();
	send_all(sk, d, sizeof(d));
	expect_tx_data(XT_TH_ACK, iss + 2, PEER_ISS + 1, d, MSS);
	finish(1);
}
END_TEST

/* ---- fast retransmit, RFC 5681 §3.2, RFC 6582 ---- */

START_TEST(fast_retransmit)
{
	static uint8_t d[5 * MSS];
	struct xt_tcp_repr th;
	unsigned i;

	for (i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * 7);
	tcb_established();
	send_all(sk, d, sizeof(d));
	ck_assert_uint_eq(cap.n, 5);
	for (i = 0; i < 5; i++) {
		tx_seg(i, &th);
		ck_assert_uint_eq(th.seq, iss + 1 + i * MSS);
		ck_assert_uint_eq(th.payload_len, MSS);
	}
	tx_clear();
	/* the first segment was lost; the peer ACKs the others with
	 * duplicate ACKs */
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_no_tx();
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_no_tx();
	ck_assert_uint_eq(sk->t_dupacks, 2);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_tx_data(XT_TH_ACK, iss + 1, PEER_ISS + 1, d, MSS);
	ck_assert(sk->t_flags & XT_TF_INRECOVERY);
	/* RFC 5681 eq. 4: ssthresh = max(FlightSize / 2, 2 * SMSS) */
	ck_assert_uint_eq(sk->snd_ssthresh, 5 * MSS / 2);
	ck_assert_uint_eq(sk->snd_cwnd, 5 * MSS / 2 + 3 * MSS);
	ck_assert_uint_gt(sk->t_rexmt_at, now);
	/* a fourth duplicate only inflates the window */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_no_tx();
	/* the full ACK ends recovery */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1 + 5 * MSS, PEER_WIN,
	    NULL, 0);
	expect_no_tx();
	ck_assert(!(sk->t_flags & XT_TF_INRECOVERY));
	ck_assert_uint_eq(sk->snd_una, iss + 1 + 5 * MSS);
	ck_assert_uint_eq(sk->t_rexmt_at, 0);
	finish(1);
}
END_TEST

START_TEST(fast_retransmit_partial_ack)
{
	static uint8_t d[5 * MSS];
	unsigned i;

	for (i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * 3);
	tcb_established();
	send_all(sk, d, sizeof(d));
	tx_clear();
	for (i = 0; i < 3; i++)
		peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL,
		    0);
	expect_tx_data(XT_TH_ACK, iss + 1, PEER_ISS + 1, d, MSS);
	/* RFC 6582 §3.2 step 5: a partial ACK resends the next hole */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1 + 2 * MSS, PEER_WIN, NULL,
	    0);
	expect_tx_data(XT_TH_ACK, iss + 1 + 2 * MSS, PEER_ISS + 1,
	    d + 2 * MSS, MSS);
	ck_assert(sk->t_flags & XT_TF_INRECOVERY);
	finish(1);
}
END_TEST

START_TEST(dupack_rules)
{
	static uint8_t d[2 * MSS];

	/* RFC 5681 §2: an ACK with data or a window change is no
	 * duplicate */
	memset(d, 'd', sizeof(d));
	tcb_established();
	send_all(sk, d, sizeof(d));
	tx_clear();
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	ck_assert_uint_eq(sk->t_dupacks, 2);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN - 1, NULL, 0);
	ck_assert_uint_eq(sk->t_dupacks, 0);
	expect_no_tx();
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN - 1,
	    "x", 1);
	ck_assert_uint_eq(sk->t_dupacks, 0);
	finish(1);
}
END_TEST

/* TCP_CORK (illumos/Linux; the seeds' TCP_NOPUSH): only full segments
 * while corked; uncorking pushes the rest; a corked partial segment goes
 * after 200 ms anyway. */
START_TEST(cork_holds_partial)
{
	int one = 1, zero = 0;

	tcb_established();
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_CORK, &one,
	    sizeof(one)), XT_OK);
	send_all(sk, "abc", 3);
	expect_no_tx();
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_CORK, &zero,
	    sizeof(zero)), XT_OK);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "abc", 3);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 4, PEER_WIN, NULL, 0);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_CORK, &one,
	    sizeof(one)), XT_OK);
	send_all(sk, "de", 2);
	expect_no_tx();
	advance_to(now + 199000);
	expect_no_tx();
	advance_to(now + 1000);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 4, PEER_ISS + 1, "de", 2);
	finish(1);
}
END_TEST

/* MSG_MORE corks one send: the next send without it pushes. */
START_TEST(msg_more_corks_one_send)
{
	size_t sent;

	tcb_established();
	ck_assert_int_eq(xtcp_send(sk, now, "ab", 2, XTCP_MSG_MORE, &sent),
	    XT_OK);
	expect_no_tx();
	ck_assert_int_eq(xtcp_send(sk, now, "cd", 2, 0, &sent), XT_OK);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "abcd", 4);
	finish(1);
}
END_TEST

/* TCP_NOTSENT_LOWAT (macOS tcp(4)): writable only while unsent data is
 * below the mark. */
START_TEST(notsent_lowat_writability)
{
	static uint8_t d[8000];
	int lowat = 1000;

	tcb_established();
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat,
	    sizeof(lowat)), XT_OK);
	/* a closed window keeps everything unsent */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, 0, NULL, 0);
	ck_assert_uint_ne(xtcp_poll(sk) & XTCP_POLLOUT, 0);
	/* Linux tcp_sendmsg: one MSS piece passes the mark, then no more */
	{
		size_t sent = 0;

		ck_assert_int_eq(xtcp_send(sk, now, d, sizeof(d), 0, &sent),
		    XT_OK);
		ck_assert_uint_eq(sent, MSS);
		ck_assert_int_eq(xtcp_send(sk, now, d, sizeof(d), 0, &sent),
		    XT_EAGAIN);
	}
	ck_assert_uint_eq(xtcp_poll(sk) & XTCP_POLLOUT, 0);
	finish(1);
}
END_TEST

/* TCP_WINDOW_CLAMP bounds the window we advertise, from the SYN on. */
START_TEST(window_clamp_bounds_window)
{
	const struct xt_tcp_repr *th;
	int clamp = 8192;

	ck_assert_int_eq(xtcp_socket(eng, &sk), XT_OK);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_WINDOW_CLAMP, &clamp,
	    sizeof(clamp)), XT_OK);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_EINPROGRESS);
	lport = sk->lport;
	th = tx_one(__LINE__);
	ck_assert_uint_le(th->win, 8192);
	finish(1);
}
END_TEST

/* RFC 1191: ICMP fragmentation needed quoting our outstanding segment
 * lowers the MSS and the data goes again in smaller segments. */
START_TEST(pmtu_icmp_lowers_mss)
{
	static uint8_t d[2 * 1460];
	struct xt_test_frame f;
	struct xt_icmp4_repr m;
	struct xt_tcp_repr t;
	uint8_t quoted[28], buf[FRAME_MAX];
	unsigned i;
	size_t n;

	tcb_established();
	send_all(sk, d, sizeof(d));
	ck_assert_uint_eq(cap.n, 2);
	/* the router quotes our first segment: IPv4 header + 8 bytes */
	memcpy(quoted, cap.frame[0] + XT_ETH_HLEN, 28);
	tx_clear();
	memset(&f, 0, sizeof(f));
	memcpy(f.src_mac, peer_mac, 6);
	memcpy(f.dst_mac, our_mac, 6);
	f.saddr = PEER_IP;
	f.daddr = OUR_IP;
	memset(&m, 0, sizeof(m));
	m.type = XT_ICMP_UNREACH;
	m.code = XT_ICMP_UNREACH_NEEDFRAG;
	m.mtu = 1000;
	m.data = quoted;
	m.data_len = sizeof(quoted);
	n = xt_test_build_icmp(buf, sizeof(buf), &f, &m);
	inject(buf, n);
	ck_assert_uint_eq(sk->t_maxseg, 960);
	ck_assert_uint_ge(cap.n, 1);
	for (i = 0; i < cap.n; i++) {
		tx_seg(i, &t);
		ck_assert_uint_le(t.payload_len, 960);
	}
	tx_seg(0, &t);
	ck_assert_uint_eq(t.seq, iss + 1);	/* resent from snd_una */
	finish(1);
}
END_TEST

/* F-RTO (RFC 5682 §2): after a timeout, an ACK for the retransmission
 * lets two new segments go instead of going back N; a second ACK of data
 * never retransmitted shows the timeout was spurious and it is undone. */
START_TEST(frto_spurious_timeout)
{
	static uint8_t d[12 * MSS];
	struct xt_tcp_repr t;
	uint32_t cwnd;
	unsigned i;

	tcb_established();
	send_all(sk, d, sizeof(d));	/* 10 go (IW 10), 2 wait */
	ck_assert_uint_eq(cap.n, 10);
	tx_clear();
	cwnd = sk->snd_cwnd;
	advance_to(now + RTO);		/* the timeout: segment 1 again */
	tx_seg(0, &t);
	ck_assert_uint_eq(t.seq, iss + 1);
	ck_assert_uint_eq(sk->t_frto, 1);
	tx_clear();
	/* the original segment 1 was only late: its ACK arrives */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1 + MSS, PEER_WIN, NULL, 0);
	ck_assert_uint_eq(sk->t_frto, 2);
	ck_assert_uint_ge(cap.n, 1);
	for (i = 0; i < cap.n; i++) {	/* new data only, no go-back-N */
		tx_seg(i, &t);
		ck_assert(SEQ_GEQ(t.seq, iss + 1 + 10 * MSS));
	}
	tx_clear();
	/* and segment 2's ACK: never retransmitted, so spurious */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1 + 2 * MSS, PEER_WIN, NULL,
	    0);
	ck_assert_uint_eq(sk->t_frto, 0);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_frto_spurious"), 1);
	ck_assert_uint_ge(sk->snd_cwnd, cwnd / 2);
	for (i = 0; i < cap.n; i++) {
		tx_seg(i, &t);
		ck_assert(SEQ_GEQ(t.seq, iss + 1 + 10 * MSS));
	}
	finish(1);
}
END_TEST


/* Active open with SACK permitted by the peer (RFC 2018 §2) and, with
 * ts, timestamps (RFC 7323 §3; the peer's TSval is PEER_TSVAL). */
#define PEER_TSVAL	777
static void
tcb_established_opts(int ts)
{
	const struct xt_tcp_repr *syn;
	struct xt_tcp_repr r;

	tcb_syn_sent();
	syn = &last;
	now += RTT;
	memset(&r, 0, sizeof(r));
	if (ts) {
		r.has_ts = 1;
		r.tsval = PEER_TSVAL;
		r.tsecr = syn->tsval;
	}
	r.flags = XT_TH_SYN | XT_TH_ACK;
	r.seq = PEER_ISS;
	r.ack = iss + 1;
	r.win = PEER_WIN;
	r.has_mss = 1;
	r.mss = MSS;
	r.has_ws = 1;
	r.ws = (uint8_t)peer_ws;
	r.sack_perm = 1;
	peer_sends_repr(&r, NULL, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	ck_assert(sk->t_flags & XT_TF_SACK_OK);
	ck_assert(!(sk->t_flags & XT_TF_TS_OK) == !ts);
}

static void
tcb_established_sack(void)
{
	tcb_established_opts(0);
}

/*
 * RFC 8985 §7.3: a tail loss probe when the peer's window admits no new
 * segment resends the last segment *sent*; data buffered beyond snd_max
 * was never sent and must not go (it once did, and the peer's ACK for
 * it then looked like one for unsent data: a stall).
 */
START_TEST(tlp_window_limited_resends_last_sent)
{
	static uint8_t d[4000];
	struct xt_tcp_repr th;
	xt_seq_t max;

	tcb_established_sack();
	send_window_limited(d, sizeof(d));
	tx_clear();
	max = sk->snd_max;
	ck_assert_uint_eq(max, iss + 1 + 2 * MSS);
	ck_assert_uint_ne(sk->t_tlp_at, 0);
	ck_assert(sk->t_tlp_at < sk->t_rexmt_at);
	advance_to(sk->t_tlp_at);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_tlp_probes"), 1);
	ck_assert_uint_eq(cap.n, 1);
	tx_seg(0, &th);
	ck_assert_uint_eq(th.seq, iss + 1 + MSS);
	ck_assert_uint_eq(th.payload_len, MSS);
	ck_assert_uint_eq(sk->snd_max, max);
	tx_clear();
	finish(1);
}
END_TEST

/* A probe with new data when the window admits it; with one segment in
 * flight the PTO allows for a delayed ACK (2 SRTT + WCDelAckT). */
START_TEST(tlp_new_data_single_segment)
{
	static uint8_t d[3 * MSS];
	struct xt_tcp_repr th;
	uint64_t rexmt;

	tcb_established_sack();
	send_all(sk, d, MSS);
	ck_assert_uint_eq(cap.n, 1);
	tx_clear();
	rexmt = sk->t_rexmt_at;
	ck_assert_uint_eq(sk->t_tlp_at, now + 2 * RTT + 200000);
	/* more data, not yet sent (Nagle holds the partial segment back
	 * while one is unacknowledged): the probe sends it */
	send_all(sk, d + MSS, 100);
	expect_no_tx();
	advance_to(sk->t_tlp_at);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_tlp_probes"), 1);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_rexmt_timeout"), 0);
	ck_assert_uint_eq(cap.n, 1);
	tx_seg(0, &th);
	ck_assert_uint_eq(th.seq, iss + 1 + MSS);
	ck_assert_uint_eq(th.payload_len, 100);
	ck_assert_uint_gt(sk->t_rexmt_at, rexmt);
	tx_clear();
	finish(1);
}
END_TEST

/* The peer acknowledges ack and SACKs the n blocks of blk, echoing
 * tsecr in a timestamp option unless it is 0. */
static void
peer_sacks_ts(xt_seq_t ack, const uint32_t (*blk)[2], unsigned n,
    uint32_t tsecr)
{
	struct xt_tcp_repr r;
	unsigned i;

	memset(&r, 0, sizeof(r));
	if (tsecr != 0) {
		r.has_ts = 1;
		r.tsval = PEER_TSVAL;
		r.tsecr = tsecr;
	}
	r.flags = XT_TH_ACK;
	r.seq = PEER_ISS + 1;
	r.ack = ack;
	r.win = PEER_WIN;
	for (i = 0; i < n; i++) {
		r.sack[i][0] = blk[i][0];
		r.sack[i][1] = blk[i][1];
	}
	r.nsack = (uint8_t)n;
	peer_sends_repr(&r, NULL, 0);
}

static void
peer_sacks(xt_seq_t ack, const uint32_t (*blk)[2], unsigned n)
{
	peer_sacks_ts(ack, blk, n, 0);
}

/* Is there a data segment starting at seq among the captured frames? */
static int
tx_has_seq(xt_seq_t seq)
{
	struct xt_tcp_repr th;
	unsigned i;

	for (i = 0; i < cap.n; i++) {
		tx_seg(i, &th);
		if (th.seq == seq && th.payload_len > 0)
			return (1);
	}
	return (0);
}

/*
 * RACK (RFC 8985 §6.2-6.3): one SACKed segment is below DupThresh, yet
 * the segments sent with it and before it in sequence are lost once the
 * reordering window has passed: the reordering timer starts recovery
 * and the first hole goes again, long before the RTO.
 */
START_TEST(rack_timer_finds_loss_below_dupthresh)
{
	static uint8_t d[4 * MSS];
	uint32_t blk[1][2];
	uint64_t rto_at;

	tcb_established_sack();
	send_all(sk, d, sizeof(d));
	ck_assert_uint_eq(cap.n, 4);
	tx_clear();
	rto_at = sk->t_rexmt_at;
	now += RTT;
	blk[0][0] = iss + 1 + 2 * MSS;
	blk[0][1] = iss + 1 + 3 * MSS;
	peer_sacks(iss + 1, blk, 1);
	/* one segment SACKed: no recovery yet, the timer is armed */
	ck_assert(!(sk->t_flags & XT_TF_INRECOVERY));
	ck_assert(!tx_has_seq(iss + 1));
	ck_assert_uint_ne(sk->t_rack_at, 0);
	ck_assert(sk->t_rack_at < rto_at);
	tx_clear();
	advance_to(sk->t_rack_at);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_rack_timeouts"), 1);
	ck_assert(sk->t_flags & XT_TF_INRECOVERY);
	ck_assert(tx_has_seq(iss + 1));
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_rexmt_timeout"), 0);
	tx_clear();
	finish(1);
}
END_TEST

/*
 * RACK finds a lost retransmission: data sent after it is SACKed while
 * it is still missing, so it goes again at once, without waiting for
 * the RTO (RFC 6675 alone cannot see this).
 */
START_TEST(rack_lost_retransmission)
{
	static uint8_t d[7 * MSS];
	uint32_t blk[2][2];

	tcb_established_sack();
	send_all(sk, d, 6 * MSS);
	ck_assert_uint_eq(cap.n, 6);
	tx_clear();
	now += RTT;
	/* segment 1 lost: 2..6 SACKed, recovery resends 1 */
	blk[0][0] = iss + 1 + MSS;
	blk[0][1] = iss + 1 + 6 * MSS;
	peer_sacks(iss + 1, blk, 1);
	ck_assert(sk->t_flags & XT_TF_INRECOVERY);
	ck_assert(tx_has_seq(iss + 1));
	tx_clear();
	/* new data goes out after that retransmission */
	now += 1000;
	send_all(sk, d + 6 * MSS, MSS);
	peer_sacks(iss + 1, blk, 1);
	ck_assert(tx_has_seq(iss + 1 + 6 * MSS));
	ck_assert(!tx_has_seq(iss + 1));
	tx_clear();
	/* the new segment is SACKed, the retransmission never arrives */
	now += RTT;
	blk[0][1] = iss + 1 + 7 * MSS;
	peer_sacks(iss + 1, blk, 1);
	ck_assert_int_ge(xtcp_stats_get(eng, "tcp_lost_rexmit"), 1);
	ck_assert(tx_has_seq(iss + 1));
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_rexmt_timeout"), 0);
	tx_clear();
	finish(1);
}
END_TEST

/*
 * Eifel detection (RFC 3522): segment 1 was only late.  Recovery resends
 * it; the ACK that covers it echoes the original's TSval, older than the
 * retransmission's: the episode is undone (cwnd back, recovery over).
 * With the retransmission's TSval echoed nothing is undone.
 */
static void
eifel_case(int spurious)
{
	static uint8_t d[6 * MSS];
	struct xt_tcp_repr t;
	uint32_t blk[1][2], cwnd, ts_orig, ts_rtx, seg;
	unsigned i;

	tcb_established_opts(1);
	seg = sk->t_maxseg;		/* MSS less the timestamp option */
	ck_assert_uint_eq(seg, MSS - 12);
	now += 5000;
	send_all(sk, d, 6 * seg);
	ck_assert_uint_eq(cap.n, 6);
	tx_seg(0, &t);
	ck_assert(t.has_ts);
	ts_orig = t.tsval;
	tx_clear();
	cwnd = sk->snd_cwnd;
	now += 3000;
	blk[0][0] = iss + 1 + seg;
	blk[0][1] = iss + 1 + 6 * seg;
	peer_sacks_ts(iss + 1, blk, 1, ts_orig);
	ck_assert(sk->t_flags & XT_TF_INRECOVERY);
	ck_assert_uint_lt(sk->snd_cwnd, cwnd);
	ts_rtx = 0;
	for (i = 0; i < cap.n; i++) {
		tx_seg(i, &t);
		if (t.seq == iss + 1 && t.payload_len > 0)
			ts_rtx = t.tsval;
	}
	ck_assert_uint_eq(ts_rtx, ts_orig + 3);
	tx_clear();
	now += 1000;
	peer_sacks_ts(iss + 1 + 6 * seg, NULL, 0,
	    spurious ? ts_orig : ts_rtx);
	ck_assert(!(sk->t_flags & XT_TF_INRECOVERY));
	if (spurious) {
		ck_assert_int_eq(xtcp_stats_get(eng, "tcp_undo_eifel"), 1);
		ck_assert_uint_ge(sk->snd_cwnd, cwnd);
	} else {
		ck_assert_int_eq(xtcp_stats_get(eng, "tcp_undo_eifel"), 0);
		ck_assert_uint_lt(sk->snd_cwnd, cwnd);
	}
	tx_clear();
	finish(1);
}

START_TEST(eifel_undoes_spurious_recovery)
{
	eifel_case(1);
}
END_TEST

START_TEST(eifel_keeps_real_recovery)
{
	eifel_case(0);
}
END_TEST

static void
hook_blackhole(struct xtcp_config *c)
{
	c->blackhole = 1;
}

static void
hook_insecure_rst(struct xtcp_config *c)
{
	c->insecure_rst = 1;
}

static void
hook_no_delack(struct xtcp_config *c)
{
	c->delayed_ack = 0;
}

/* Restart the engine with a tunable set by hook. */
static void
engine_with(void (*hook)(struct xtcp_config *))
{
	xtcp_engine_free(eng);
	cfg_hook = hook;
	engine_up();
	cfg_hook = NULL;
}

static void
hook_blackhole_detect(struct xtcp_config *c)
{
	c->pmtud_blackhole = 1;
}

/* PMTU black hole detection: the second timeout of full segments lowers
 * the MSS to 1200 and the data goes again in smaller segments. */
START_TEST(pmtud_blackhole_lowers_mss)
{
	static uint8_t d[2 * 1460];
	struct xt_tcp_repr t;
	unsigned i;

	engine_with(hook_blackhole_detect);
	tcb_established();
	send_all(sk, d, sizeof(d));
	tx_clear();
	advance_to(now + RTO);		/* first timeout */
	tx_clear();
	ck_assert_uint_eq(sk->t_maxseg, 1460);
	advance_to(now + 2 * RTO);	/* second: lower it */
	ck_assert_uint_eq(sk->t_maxseg, 1200);
	ck_assert_uint_ge(cap.n, 1);
	for (i = 0; i < cap.n; i++) {
		tx_seg(i, &t);
		ck_assert_uint_le(t.payload_len, 1200);
	}
	finish(1);
}
END_TEST

/* FreeBSD blackhole=1: a SYN to a closed port gets no RST. */
START_TEST(tunable_blackhole)
{
	engine_with(hook_blackhole);
	lport = 9;
	pport = PEER_CPORT;
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1460);
	expect_no_tx();
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_rcv_blackholed"), 1);
	finish(0);
}
END_TEST

/* insecure_rst=1: an in-window RST that is not exactly rcv_nxt resets
 * (no RFC 5961 challenge ACK). */
START_TEST(tunable_insecure_rst)
{
	char b[4];
	size_t got;

	engine_with(hook_insecure_rst);
	tcb_established();
	peer_sends(XT_TH_RST, PEER_ISS + 100, 0, 0, NULL, 0);
	expect_no_tx();
	ck_assert_int_eq(xtcp_recv(sk, now, b, sizeof(b), 0, &got),
	    XT_ECONNRESET);
	finish(1);
}
END_TEST

/* delayed_ack=0: every data segment is acknowledged at once. */
START_TEST(tunable_no_delayed_ack)
{
	engine_with(hook_no_delack);
	tcb_established();
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, "x", 1);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 2);
	finish(1);
}
END_TEST

static void
hook_syncookies_always(struct xtcp_config *c)
{
	c->syncookies = 2;
}

/* RFC 4987 §3.6: with syncookies=2 every SYN gets a cookie and no TCB;
 * the ACK that returns it makes the connection, with the cookie's MSS. */
START_TEST(syncookie_handshake)
{
	const struct xt_tcp_repr *th;
	struct xtcp_sock *c;
	char buf[8];
	size_t got;

	engine_with(hook_syncookies_always);
	tcb_listen();
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1460);
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN | XT_TH_ACK);
	ck_assert_uint_eq(th->ack, PEER_ISS + 1);
	ck_assert(th->has_mss);
	ck_assert_uint_eq(th->mss, 1460);
	ck_assert(!th->has_ws && !th->has_ts && !th->sack_perm);
	iss = th->seq;
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);	/* no state kept */
	/* a wrong cookie gets a RST and makes nothing */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN, NULL, 0);
	th = tx_one(__LINE__);
	ck_assert(th->flags & XT_TH_RST);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	/* the right one, with data */
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN,
	    "hi", 2);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 2);
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	ck_assert_int_eq(c->state, XT_TCPS_ESTABLISHED);
	ck_assert_uint_eq(c->t_maxseg, 1460);
	ck_assert_int_eq(xtcp_recv(c, now, buf, sizeof(buf), 0, &got), XT_OK);
	ck_assert_uint_eq(got, 2);
	xtcp_close(c, now);
	xtcp_close(lsk, now);
}
END_TEST

/* syncookies=1 (default): cookies only once the listen queue is full. */
START_TEST(syncookie_on_overflow)
{
	const struct xt_tcp_repr *th;

	tcb_listen();			/* backlog 4: 5 may wait */
	for (pport = PEER_CPORT; pport < PEER_CPORT + 5; pport++) {
		peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1460);
		th = tx_one(__LINE__);
		ck_assert(th->has_ws || th->has_ts || th->has_mss);
	}
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);	/* SYN cache */
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1460);
	th = tx_one(__LINE__);			/* answered, statelessly */
	ck_assert_uint_eq(th->flags, XT_TH_SYN | XT_TH_ACK);
	ck_assert(!th->has_ws);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);	/* SYN cache */
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_sc_sent"), 1);
	xtcp_close(lsk, now);
}
END_TEST

/* RFC 7413, server: a cookie request gets a cookie in the SYN-ACK; a SYN
 * with that cookie and data is accepted before the handshake ends and
 * its data is readable at once. */
START_TEST(tfo_server)
{
	const struct xt_tcp_repr *th;
	struct xt_tcp_repr r;
	struct xtcp_sock *c;
	uint8_t cookie[16], clen;
	int q = 8;
	char buf[8];
	size_t got;

	test_fastopen = 3;
	xtcp_engine_free(eng);
	engine_up();
	test_fastopen = 1;
	tcb_listen();
	ck_assert_int_eq(xtcp_setopt(lsk, IPPROTO_TCP, TCP_FASTOPEN, &q,
	    sizeof(q)), XT_OK);
	memset(&r, 0, sizeof(r));
	r.flags = XT_TH_SYN;
	r.seq = PEER_ISS;
	r.win = PEER_WIN;
	r.has_mss = 1;
	r.mss = 1460;
	r.has_tfo = 1;			/* empty: a cookie request */
	peer_sends_repr(&r, NULL, 0);
	th = tx_one(__LINE__);
	ck_assert(th->has_tfo);
	ck_assert_uint_eq(th->tfo_len, 8);
	clen = th->tfo_len;
	memcpy(cookie, th->tfo_cookie, clen);
	/* that handshake is abandoned; a new one from another port */
	pport = PEER_CPORT + 1;
	r.sport = 0;
	r.seq = PEER_ISS + 1000;
	r.tfo_len = clen;
	memcpy(r.tfo_cookie, cookie, clen);
	peer_sends_repr(&r, "hello", 5);
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN | XT_TH_ACK);
	ck_assert_uint_eq(th->ack, PEER_ISS + 1000 + 1 + 5);	/* data acked */
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	ck_assert_int_eq(xtcp_recv(c, now, buf, sizeof(buf), 0, &got), XT_OK);
	ck_assert_uint_eq(got, 5);
	ck_assert(memcmp(buf, "hello", 5) == 0);
	xtcp_close(c, now);
	xtcp_close(lsk, now);
}
END_TEST

/* RFC 7413, client: TCP_FASTOPEN_CONNECT without a cookie asks for one;
 * with the cookie cached, connect() succeeds at once and the first send
 * puts the data in the SYN. */
START_TEST(tfo_client)
{
	const struct xt_tcp_repr *th;
	struct xt_tcp_repr r;
	int one = 1;
	size_t sent;

	ck_assert_int_eq(xtcp_socket(eng, &sk), XT_OK);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_FASTOPEN_CONNECT,
	    &one, sizeof(one)), XT_OK);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_EINPROGRESS);
	lport = sk->lport;
	th = tx_one(__LINE__);
	ck_assert(th->has_tfo);
	ck_assert_uint_eq(th->tfo_len, 0);
	iss = th->seq;
	memset(&r, 0, sizeof(r));
	r.flags = XT_TH_SYN | XT_TH_ACK;
	r.seq = PEER_ISS;
	r.ack = iss + 1;
	r.win = PEER_WIN;
	r.has_mss = 1;
	r.mss = 1460;
	r.has_tfo = 1;
	r.tfo_len = 8;
	memcpy(r.tfo_cookie, "\1\2\3\4\5\6\7\10", 8);
	peer_sends_repr(&r, NULL, 0);
	tx_clear();
	xtcp_close(sk, now);
	tx_clear();

	ck_assert_int_eq(xtcp_socket(eng, &sk), XT_OK);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_FASTOPEN_CONNECT,
	    &one, sizeof(one)), XT_OK);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT), XT_OK);
	expect_no_tx();
	ck_assert_uint_ne(xtcp_poll(sk) & XTCP_POLLOUT, 0);
	lport = sk->lport;
	ck_assert_int_eq(xtcp_send(sk, now, "data", 4, 0, &sent), XT_OK);
	ck_assert_uint_eq(sent, 4);
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN);
	ck_assert(th->has_tfo);
	ck_assert_uint_eq(th->tfo_len, 8);
	ck_assert(memcmp(th->tfo_cookie, "\1\2\3\4\5\6\7\10", 8) == 0);
	ck_assert_uint_eq(th->payload_len, 4);
	xtcp_close(sk, now);
}
END_TEST

/* Urgent data, receiver (CX/UX tcp(4P), RFC 6093): reads stop at the
 * mark, SIOCATMARK says so, MSG_OOB returns the byte, the stream goes on
 * without it. */
START_TEST(urgent_receive)
{
	struct xt_tcp_repr r;
	char buf[16];
	size_t got;

	tcb_established();
	memset(&r, 0, sizeof(r));
	r.flags = XT_TH_ACK | XT_TH_URG;
	r.seq = PEER_ISS + 1;
	r.ack = iss + 1;
	r.win = PEER_WIN;
	r.urp = 4;			/* one past the urgent byte 'X' */
	peer_sends_repr(&r, "abcXdef", 7);
	ck_assert_uint_ne(xtcp_poll(sk) & XTCP_POLLPRI, 0);
	ck_assert_int_eq(xtcp_sock_atmark(sk), 0);
	ck_assert_int_eq(xtcp_recv(sk, now, buf, sizeof(buf), 0, &got), XT_OK);
	ck_assert_uint_eq(got, 3);
	ck_assert(memcmp(buf, "abc", 3) == 0);
	ck_assert_int_eq(xtcp_sock_atmark(sk), 1);
	ck_assert_int_eq(xtcp_recv(sk, now, buf, sizeof(buf), XTCP_MSG_OOB,
	    &got), XT_OK);
	ck_assert_uint_eq(got, 1);
	ck_assert_int_eq(buf[0], 'X');
	ck_assert_int_eq(xtcp_recv(sk, now, buf, sizeof(buf), XTCP_MSG_OOB,
	    &got), XT_EINVAL);
	ck_assert_int_eq(xtcp_recv(sk, now, buf, sizeof(buf), 0, &got), XT_OK);
	ck_assert_uint_eq(got, 3);
	ck_assert(memcmp(buf, "def", 3) == 0);
	ck_assert_int_eq(xtcp_sock_atmark(sk), 0);
	finish(1);
}
END_TEST

/* SO_OOBINLINE keeps the byte in the stream; reads still stop at it. */
START_TEST(urgent_inline)
{
	struct xt_tcp_repr r;
	char buf[16];
	size_t got;
	int one = 1;

	tcb_established();
	ck_assert_int_eq(xtcp_setopt(sk, SOL_SOCKET, SO_OOBINLINE, &one,
	    sizeof(one)), XT_OK);
	memset(&r, 0, sizeof(r));
	r.flags = XT_TH_ACK | XT_TH_URG;
	r.seq = PEER_ISS + 1;
	r.ack = iss + 1;
	r.win = PEER_WIN;
	r.urp = 3;
	peer_sends_repr(&r, "abXd", 4);
	ck_assert_int_eq(xtcp_recv(sk, now, buf, sizeof(buf), XTCP_MSG_OOB,
	    &got), XT_EINVAL);
	ck_assert_int_eq(xtcp_recv(sk, now, buf, sizeof(buf), 0, &got), XT_OK);
	ck_assert_uint_eq(got, 2);
	ck_assert_int_eq(xtcp_sock_atmark(sk), 1);
	ck_assert_int_eq(xtcp_recv(sk, now, buf, sizeof(buf), 0, &got), XT_OK);
	ck_assert_uint_eq(got, 2);
	ck_assert(memcmp(buf, "Xd", 2) == 0);
	finish(1);
}
END_TEST

/* Urgent data, sender: MSG_OOB makes the last byte urgent; the segment
 * carries URG with the pointer one past it and goes despite Nagle. */
START_TEST(urgent_send)
{
	const struct xt_tcp_repr *th;
	size_t sent;

	tcb_established();
	send_all(sk, "a", 1);		/* unacked: Nagle would hold more */
	tx_one(__LINE__);
	ck_assert_int_eq(xtcp_send(sk, now, "bcU", 3, XTCP_MSG_OOB, &sent),
	    XT_OK);
	th = tx_one(__LINE__);
	ck_assert(th->flags & XT_TH_URG);
	ck_assert_uint_eq(th->seq, iss + 2);
	ck_assert_uint_eq(th->urp, 3);
	ck_assert_uint_eq(th->payload_len, 3);
	finish(1);
}
END_TEST

/* RFC 3168 §6.1.1: a listener answers an ECN-setup SYN (ECE|CWR) with an
 * ECN-setup SYN-ACK (ECE only); new data then carries ECT(0). */
START_TEST(ecn_passive_negotiation)
{
	const struct xt_tcp_repr *th;

	tcb_listen();
	peer_sends_syn(XT_TH_SYN | XT_TH_ECE | XT_TH_CWR, PEER_ISS, 0, 1400);
	ck_assert_uint_eq(tx_tos(0) & 3, 0);	/* never ECT on a SYN-ACK */
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN | XT_TH_ACK | XT_TH_ECE);
	iss = th->seq;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	tx_clear();
	ck_assert_int_eq(xtcp_accept(lsk, now, &sk, NULL, NULL), XT_OK);
	send_all(sk, "ect", 3);
	ck_assert_uint_eq(tx_tos(0) & 3, 2);	/* ECT(0) */
	tx_one(__LINE__);
	xtcp_close(sk, now);
	xtcp_close(lsk, now);
}
END_TEST

/* Without ECE|CWR in the SYN nothing is marked. */
START_TEST(ecn_not_requested)
{
	tcb_established();
	send_all(sk, "x", 1);
	ck_assert_uint_eq(tx_tos(0) & 3, 0);
	tx_one(__LINE__);
	finish(1);
}
END_TEST

/* RFC 3168 §6.1.3: CE on arriving data makes every ACK carry ECE until a
 * segment with CWR arrives. */
START_TEST(ecn_ce_echoed_until_cwr)
{
	const struct xt_tcp_repr *th;

	tcb_listen();
	peer_sends_syn(XT_TH_SYN | XT_TH_ECE | XT_TH_CWR, PEER_ISS, 0, 1400);
	th = tx_one(__LINE__);
	iss = th->seq;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	ck_assert_int_eq(xtcp_accept(lsk, now, &sk, NULL, NULL), XT_OK);
	no_quickack(sk);
	tx_clear();
	peer_tos = 3;				/* CE */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, "ab", 2);
	peer_tos = 2;
	th = tx_one(__LINE__);			/* at once, with ECE */
	ck_assert(th->flags & XT_TH_ECE);
	tx_clear();
	peer_sends(XT_TH_ACK, PEER_ISS + 3, iss + 1, PEER_WIN, "cd", 2);
	peer_sends(XT_TH_ACK, PEER_ISS + 5, iss + 1, PEER_WIN, "ef", 2);
	th = tx_one(__LINE__);
	ck_assert(th->flags & XT_TH_ECE);	/* still echoing */
	tx_clear();
	peer_sends(XT_TH_ACK | XT_TH_CWR, PEER_ISS + 7, iss + 1, PEER_WIN,
	    "gh", 2);
	peer_sends(XT_TH_ACK, PEER_ISS + 9, iss + 1, PEER_WIN, "ij", 2);
	th = tx_one(__LINE__);
	ck_assert(!(th->flags & XT_TH_ECE));	/* CWR ended it */
	peer_tos = 0;
	xtcp_close(sk, now);
	xtcp_close(lsk, now);
}
END_TEST

/* RFC 3168 §6.1.2: ECE on an ACK halves the window (NewReno here) once
 * per window, and the next new data segment carries CWR. */
START_TEST(ecn_ece_reduces_once)
{
	const struct xt_tcp_repr *th;
	uint32_t cwnd;
	static uint8_t d[4 * 1460];

	tcb_listen();
	peer_sends_syn(XT_TH_SYN | XT_TH_ECE | XT_TH_CWR, PEER_ISS, 0, 1460);
	th = tx_one(__LINE__);
	iss = th->seq;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	ck_assert_int_eq(xtcp_accept(lsk, now, &sk, NULL, NULL), XT_OK);
	tx_clear();
	send_all(sk, d, sizeof(d));
	ck_assert_uint_ge(cap.n, 4);
	tx_clear();
	cwnd = sk->snd_cwnd;
	peer_sends(XT_TH_ACK | XT_TH_ECE, PEER_ISS + 1, iss + 1 + 1460,
	    PEER_WIN, NULL, 0);
	ck_assert_uint_lt(sk->snd_cwnd, cwnd);
	cwnd = sk->snd_cwnd;
	/* a second ECE in the same window changes nothing */
	peer_sends(XT_TH_ACK | XT_TH_ECE, PEER_ISS + 1, iss + 1 + 2920,
	    PEER_WIN, NULL, 0);
	ck_assert_uint_ge(sk->snd_cwnd, cwnd);
	tx_clear();
	send_all(sk, "z", 1);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1 + sizeof(d), PEER_WIN,
	    NULL, 0);
	ck_assert_uint_ge(cap.n, 1);
	{
		struct xt_tcp_repr t;
		unsigned i, cwr = 0;

		for (i = 0; i < cap.n; i++) {
			tx_seg(i, &t);
			if (t.payload_len > 0 && (t.flags & XT_TH_CWR))
				cwr++;
		}
		ck_assert_uint_eq(cwr, 1);
	}
	xtcp_close(sk, now);
	xtcp_close(lsk, now);
}
END_TEST

/* Established, then reset before connect() looked again: the connect
 * succeeded (once), and the reset is the next call's error. */
START_TEST(connect_then_reset_reports_success)
{
	char b[4];
	size_t got;

	tcb_established();
	peer_sends(XT_TH_RST, PEER_ISS + 1, 0, 0, NULL, 0);
	ck_assert_int_eq(sk->state, XT_TCPS_CLOSED);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT), XT_OK);
	ck_assert_int_eq(xtcp_recv(sk, now, b, sizeof(b), 0, &got),
	    XT_ECONNRESET);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_EISCONN);
	finish(1);
}
END_TEST

/* RFC 1122 §4.2.3.6: probes after keep_idle of silence, every
 * keep_intvl; keep_cnt unanswered probes end it with ETIMEDOUT. */
START_TEST(keepalive_probes_and_drop)
{
	const struct xt_tcp_repr *th;
	int one = 1, idle = 10, intvl = 2, cnt = 3;
	unsigned i;

	tcb_established();
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_KEEPIDLE, &idle,
	    sizeof(idle)), XT_OK);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_KEEPINTVL, &intvl,
	    sizeof(intvl)), XT_OK);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_KEEPCNT, &cnt,
	    sizeof(cnt)), XT_OK);
	ck_assert_int_eq(xtcp_setopt(sk, SOL_SOCKET, SO_KEEPALIVE, &one,
	    sizeof(one)), XT_OK);
	advance_to(now + 10 * 1000000ull - 1000);
	expect_no_tx();
	advance_to(now + 1000);
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->seq, iss);	/* SND.UNA - 1 */
	ck_assert_uint_eq(th->payload_len, 0);
	/* an answer resets the count and the idle time */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_no_tx();
	advance_to(now + 2 * 1000000ull);
	expect_no_tx();
	advance_to(now + 8 * 1000000ull);
	tx_one(__LINE__);
	for (i = 1; i < 3; i++) {
		advance_to(now + 2 * 1000000ull);
		tx_one(__LINE__);
	}
	advance_to(now + 2 * 1000000ull);
	expect_no_tx();
	ck_assert_int_eq(sk->state, XT_TCPS_CLOSED);
	ck_assert_int_eq(xtcp_take_error(sk), XT_ETIMEDOUT);
	finish(1);
}
END_TEST

/* RFC 5482 TCP_USER_TIMEOUT: data unacknowledged that long ends the
 * connection (at 2.5 s exactly: wire_user_timeout_on_time). */
START_TEST(user_timeout_drops)
{
	int ms = 2500;

	tcb_established();
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms,
	    sizeof(ms)), XT_OK);
	send_all(sk, "data", 4);
	tx_one(__LINE__);
	advance_to(now + RTO);		/* 1 s: first retransmission */
	tx_one(__LINE__);
	advance_to(now + 2 * RTO);	/* 3 s > 2.5 s: give up */
	expect_no_tx();
	ck_assert_int_eq(sk->state, XT_TCPS_CLOSED);
	ck_assert_int_eq(xtcp_take_error(sk), XT_ETIMEDOUT);
	finish(1);
}
END_TEST

/* TCP_SYNCNT bounds the SYN retransmissions. */
START_TEST(syncnt_bounds_syn)
{
	int n = 1;

	tcb_syn_sent();
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_SYNCNT, &n,
	    sizeof(n)), XT_OK);
	advance_to(now + RTO);
	tx_one(__LINE__);		/* the one retry */
	advance_to(now + 2 * RTO);
	expect_no_tx();
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_ETIMEDOUT);
	finish(1);
}
END_TEST

/* ---- small MTUs: options shrink to fit, data still flows ---- */

/* MTUs a device may have (68 is RFC 791's floor; XTCP_MTU starts at 128) */
static const unsigned small_mtus[] = { 68, 80, 96, 128 };

/* Restart the engine on a device of this MTU. */
static void
small_mtu_engine(unsigned mtu)
{
	cap.dev.mtu = mtu;
	engine_with(NULL);
}

/* The peer sends data (or an ACK) with a timestamp option echoing ours. */
static void
peer_sends_ts(xt_seq_t seq, xt_seq_t ack, const void *data, size_t len)
{
	struct xt_tcp_repr r;

	memset(&r, 0, sizeof(r));
	r.flags = XT_TH_ACK;
	r.seq = seq;
	r.ack = ack;
	r.win = PEER_WIN;
	r.has_ts = 1;
	r.tsval = PEER_TSVAL;
	r.tsecr = (uint32_t)(now / 1000) + sk->ts_offset;
	peer_sends_repr(&r, data, len);
}

/* SACK blocks that fit beside the timestamps in a frame of mtu bytes
 * holding `reserve` bytes of data: at most 3 (option space). */
static unsigned
sack_fit(unsigned mtu, unsigned reserve)
{
	unsigned n = (mtu - 20 - 32 - reserve - 4) / 8;

	return (n > 3 ? 3 : n);
}

/*
 * Was a bug, fixed: with timestamps and three SACK blocks due the header
 * is 60 bytes; at MTU 68 it was written past the 82-byte frame buffer
 * (and the ACK never left), at MTU 80 the room for data was 0 and
 * xt_tcp_output looped forever sending empty segments.  Now: the MSS
 * fits the MTU (advertised mtu - 40, sent mtu - 52), an ACK carries as
 * many blocks as fit (the newest first), data segments carry fewer and
 * at least one byte, every frame fits (the capture device checks), and
 * the bytes reach the peer in order; a FIN and its retransmission fit.
 */
START_TEST(small_mtu_sack_and_data)
{
	unsigned mtu = small_mtus[_i], k, i, rounds, nd, room;
	static uint8_t d[120], got[sizeof(d)];
	struct xt_tcp_repr t;
	xt_seq_t acked, lo;
	uint32_t off;

	for (i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * 7 + 1);
	memset(got, 0, sizeof(got));
	small_mtu_engine(mtu);
	tcb_established_opts(1);
	/* RFC 9293 §3.7.1; RFC 6691: the timestamps come off the MSS */
	ck_assert_uint_eq(sk->t_advmss, mtu - 40);
	ck_assert_uint_eq(sk->t_maxseg, mtu - 52);

	/* three out-of-order segments: three SACK blocks are due */
	for (k = 0; k < 3; k++) {
		lo = PEER_ISS + 1 + 10 * (k + 1);
		peer_sends_ts(lo, iss + 1, "abcde", 5);
		ck_assert_msg(cap.n == 1, "MTU %u: %u frames for out-of-order "
		    "segment %u:%s", mtu, cap.n, k, tx_describe());
		tx_seg(0, &t);
		tx_clear();
		ck_assert_uint_eq(t.ack, PEER_ISS + 1);
		ck_assert(t.has_ts);
		ck_assert_uint_eq(t.nsack, k + 1 < sack_fit(mtu, 0) ?
		    k + 1 : sack_fit(mtu, 0));
		/* RFC 2018 §4: the newest block first */
		ck_assert_uint_eq(t.sack[0][0], lo);
		ck_assert_uint_eq(t.sack[0][1], lo + 5);
	}

	/* our data flows while the blocks are still due */
	send_all(sk, d, sizeof(d));
	acked = iss + 1;
	for (rounds = 0; rounds < 40 && acked != iss + 1 + sizeof(d);
	    rounds++) {
		ck_assert_msg(cap.n > 0, "MTU %u: stalled at %u of %zu bytes",
		    mtu, acked - iss - 1, sizeof(d));
		for (i = 0; i < cap.n; i++) {
			tx_seg(i, &t);
			if (t.payload_len == 0)
				continue;
			nd = sack_fit(mtu, 1);
			ck_assert_uint_eq(t.nsack, nd);
			room = mtu - 20 - 32 - (nd > 0 ? 4 + 8 * nd : 0);
			if (room > sk->t_maxseg)
				room = sk->t_maxseg;
			ck_assert_uint_le(t.payload_len, room);
			off = t.seq - (iss + 1);
			ck_assert_uint_le(off + t.payload_len, sizeof(d));
			memcpy(got + off, t.payload, t.payload_len);
			if (SEQ_GEQ(acked, t.seq) &&
			    SEQ_GT(t.seq + (uint32_t)t.payload_len, acked))
				acked = t.seq + (uint32_t)t.payload_len;
		}
		tx_clear();
		now += 1000;
		peer_sends_ts(PEER_ISS + 1, acked, NULL, 0);
	}
	ck_assert_msg(acked == iss + 1 + sizeof(d), "MTU %u: %u of %zu "
	    "bytes acknowledged", mtu, acked - iss - 1, sizeof(d));
	ck_assert(memcmp(got, d, sizeof(d)) == 0);
	tx_clear();

	/* the FIN, and the timer's resend of it, fit too */
	xtcp_close(sk, now);
	ck_assert_uint_eq(cap.n, 1);
	tx_seg(0, &t);
	ck_assert(t.flags & XT_TH_FIN);
	ck_assert_uint_eq(t.nsack, sack_fit(mtu, 0));
	tx_clear();
	advance_to(sk->t_rexmt_at);
	ck_assert_uint_ge(cap.n, 1);
	tx_seg(cap.n - 1, &t);
	ck_assert(t.flags & XT_TH_FIN);
	tx_clear();
}
END_TEST

/*
 * Was a bug, fixed: a SYN or SYN-ACK with every option (MSS, timestamps
 * with SACK-permitted, window scale, a Fast Open cookie) is 52 bytes of
 * TCP and more; at MTU 68 (48 bytes of TCP a frame) it was written past
 * the buffer and never sent.  Now the cookie stays out when it does not
 * fit (and data with it, RFC 7413 §4.2), the handshake completes and
 * the data follows it.
 */
START_TEST(small_mtu_syn_options)
{
	unsigned mtu = small_mtus[_i];
	const struct xt_tcp_repr *th;
	struct xt_tcp_repr r;
	int one = 1, q = 8, cookie_fits;
	size_t sent;

	/* 20 + MSS 4 + TS 12 + WS 4 + an 8-byte cookie 12 */
	cookie_fits = 20 + 4 + 12 + 4 + 12 <= mtu - 20;
	test_fastopen = 3;
	small_mtu_engine(mtu);
	test_fastopen = 1;

	/* server: the SYN-ACK to a SYN with every option and a cookie
	 * request */
	tcb_listen();
	ck_assert_int_eq(xtcp_setopt(lsk, IPPROTO_TCP, TCP_FASTOPEN, &q,
	    sizeof(q)), XT_OK);
	memset(&r, 0, sizeof(r));
	r.flags = XT_TH_SYN;
	r.seq = PEER_ISS;
	r.win = PEER_WIN;
	r.has_mss = 1;
	r.mss = 1460;
	r.has_ws = 1;
	r.ws = 7;
	r.has_ts = 1;
	r.tsval = PEER_TSVAL;
	r.sack_perm = 1;
	r.has_tfo = 1;
	peer_sends_repr(&r, NULL, 0);
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN | XT_TH_ACK);
	ck_assert(th->has_mss && th->has_ts && th->has_ws && th->sack_perm);
	ck_assert_uint_eq(th->mss, mtu - 40);
	ck_assert(!th->has_tfo == !cookie_fits);
	xtcp_close(lsk, now);
	tx_clear();

	/* client: a cookie request fits; the cookie it brings back may not */
	pport = PEER_PORT;
	ck_assert_int_eq(xtcp_socket(eng, &sk), XT_OK);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_FASTOPEN_CONNECT,
	    &one, sizeof(one)), XT_OK);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_EINPROGRESS);
	lport = sk->lport;
	th = tx_one(__LINE__);
	ck_assert(th->has_tfo);
	iss = th->seq;
	memset(&r, 0, sizeof(r));
	r.flags = XT_TH_SYN | XT_TH_ACK;
	r.seq = PEER_ISS;
	r.ack = iss + 1;
	r.win = PEER_WIN;
	r.has_mss = 1;
	r.mss = 1460;
	r.has_tfo = 1;
	r.tfo_len = 8;
	memcpy(r.tfo_cookie, "\1\2\3\4\5\6\7\10", 8);
	peer_sends_repr(&r, NULL, 0);
	tx_clear();
	xtcp_close(sk, now);
	tx_clear();

	ck_assert_int_eq(xtcp_socket(eng, &sk), XT_OK);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_FASTOPEN_CONNECT,
	    &one, sizeof(one)), XT_OK);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT), XT_OK);
	lport = sk->lport;
	ck_assert_int_eq(xtcp_send(sk, now, "data", 4, 0, &sent), XT_OK);
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN);
	ck_assert(!th->has_tfo == !cookie_fits);
	ck_assert_uint_eq(th->payload_len, cookie_fits ? 4 : 0);
	iss = th->seq;
	if (!cookie_fits) {
		/* the data goes after the handshake */
		now += RTT;
		peer_sends_syn(XT_TH_SYN | XT_TH_ACK, PEER_ISS, iss + 1, 1460);
		expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1,
		    "data", 4);
	}
	xtcp_close(sk, now);
}
END_TEST

/* TCP_INFO's pmtu follows an ICMP fragmentation-needed that lowers the
 * path MTU (RFC 1191), as Linux's does; it started at the engine's. */
START_TEST(pmtu_icmp_tcpi_pmtu)
{
	static uint8_t d[2 * 1460];
	struct xt_test_frame f;
	struct xt_icmp4_repr m;
	struct tcp_info ti;
	uint8_t quoted[28], buf[FRAME_MAX];
	size_t n, len;

	tcb_established();
	len = sizeof(ti);
	ck_assert_int_eq(xtcp_getopt(sk, IPPROTO_TCP, TCP_INFO, &ti, &len),
	    XT_OK);
	ck_assert_uint_eq(ti.tcpi_pmtu, 1500);
	send_all(sk, d, sizeof(d));
	memcpy(quoted, cap.frame[0] + XT_ETH_HLEN, 28);
	tx_clear();
	memset(&f, 0, sizeof(f));
	memcpy(f.src_mac, peer_mac, 6);
	memcpy(f.dst_mac, our_mac, 6);
	f.saddr = PEER_IP;
	f.daddr = OUR_IP;
	memset(&m, 0, sizeof(m));
	m.type = XT_ICMP_UNREACH;
	m.code = XT_ICMP_UNREACH_NEEDFRAG;
	m.mtu = 1000;
	m.data = quoted;
	m.data_len = sizeof(quoted);
	n = xt_test_build_icmp(buf, sizeof(buf), &f, &m);
	inject(buf, n);
	ck_assert_uint_eq(sk->t_maxseg, 960);
	len = sizeof(ti);
	ck_assert_int_eq(xtcp_getopt(sk, IPPROTO_TCP, TCP_INFO, &ti, &len),
	    XT_OK);
	ck_assert_uint_eq(ti.tcpi_pmtu, 1000);
	ck_assert_uint_eq(ti.tcpi_snd_mss, 960);
	tx_clear();
	finish(1);
}
END_TEST

/* ---- hardening against the network (issue 10): TIME-WAIT, MSS,
 * RFC 1337, RFC 5961 §5 and §7 ---- */

#define stat(name)	xtcp_stats_get(eng, (name))

/* The program's side of a connection in TIME-WAIT that it still holds:
 * shutdown(SHUT_WR), the peer ACKs our FIN and sends its own (as an
 * nginx lingering close ends).  s is sk, or an accepted child. */
static void
timewait_held(struct xtcp_sock *s)
{
	ck_assert_int_eq(xtcp_shutdown(s, now, 1), XT_OK);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	now += RTT;
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	expect_state(s, XT_TCPS_TIME_WAIT);
	expect_recv(s, NULL, 0);		/* EOF */
}

/* A connection accepted from the listener (passive open). */
static struct xtcp_sock *
tcb_accepted(void)
{
	struct xtcp_sock *c = NULL;

	tcb_syn_received();
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	tx_clear();
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	expect_state(c, XT_TCPS_ESTABLISHED);
	return (c);
}

/* Was a bug, fixed: a SYN above RCV.NXT freed a TIME-WAIT connection
 * the program still held (use after free in recv/close).  Without a
 * listener the SYN is answered as in any synchronized state, with an
 * ACK, and TIME-WAIT goes on (Linux: TCP_TW_ACK). */
START_TEST(timewait_held_syn_no_listener)
{
	tcb_established();
	timewait_held(sk);
	now += RTT;
	peer_sends_syn(XT_TH_SYN, PEER_ISS + 100000, 0, MSS);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);	/* no new one */
	expect_state(sk, XT_TCPS_TIME_WAIT);
	expect_recv(sk, NULL, 0);			/* still EOF */
	ck_assert_int_eq(stat("tcp_timewait_reuse"), 0);
	xtcp_close(sk, now);
	expect_no_tx();
	advance_to(now + 2 * MSL);
	finish(0);
}
END_TEST

/* Was a bug, fixed: the same with a listener (the server side of the
 * lingering close).  As Linux, the listener takes the SYN (a new
 * connection); the program's socket is closed, not freed, and keeps
 * reading end of stream until it closes it. */
START_TEST(timewait_held_syn_listener)
{
	const struct xt_tcp_repr *th;
	struct xtcp_sock *c;
	xt_seq_t iss1;

	c = tcb_accepted();
	timewait_held(c);
	iss1 = iss;
	now += RTT;
	peer_sends_syn(XT_TH_SYN, PEER_ISS + 100000, 0, MSS);
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN | XT_TH_ACK);
	ck_assert_uint_eq(th->ack, PEER_ISS + 100001);
	ck_assert_uint_ne(th->seq, iss1 + 2);
	/* listener and the program's old socket; the new connection is
	 * a SYN cache entry until its handshake completes */
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 2);
	ck_assert_int_eq(stat("tcp_syncache_entries"), 1);
	ck_assert_int_eq(stat("tcp_timewait_reuse"), 1);
	ck_assert_int_eq(stat("tcp_timewait_held_syn"), 1);
	expect_state(c, XT_TCPS_CLOSED);
	expect_recv(c, NULL, 0);			/* EOF, no error */
	ck_assert_int_eq(c->so_error, XT_OK);
	xtcp_close(c, now);
	expect_no_tx();
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	ck_assert_int_eq(stat("tcp_syncache_entries"), 1);
	finish(1);
}
END_TEST

/* RFC 6191 kept: a closed (orphaned) TIME-WAIT connection is still
 * recycled by a new SYN above RCV.NXT. */
START_TEST(timewait_orphan_syn_recycled)
{
	const struct xt_tcp_repr *th;
	struct xtcp_sock *c;

	c = tcb_accepted();
	timewait_held(c);
	xtcp_close(c, now);
	expect_no_tx();
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 2);
	now += RTT;
	peer_sends_syn(XT_TH_SYN, PEER_ISS + 100000, 0, MSS);
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN | XT_TH_ACK);
	ck_assert_uint_eq(th->ack, PEER_ISS + 100001);
	ck_assert_int_eq(stat("tcp_timewait_reuse"), 1);
	ck_assert_int_eq(stat("tcp_timewait_held_syn"), 0);
	/* the listener; the new connection is a SYN cache entry */
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	ck_assert_int_eq(stat("tcp_syncache_entries"), 1);
	finish(1);
}
END_TEST

/* Without a listener an orphaned TIME-WAIT connection answers the SYN
 * with an ACK and stays (Linux TCP_TW_ACK); it used to be freed and the
 * SYN reset. */
START_TEST(timewait_orphan_syn_no_listener)
{
	tcb_established();
	xtcp_close(sk, now);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	now += RTT;
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	expect_state(sk, XT_TCPS_TIME_WAIT);
	now += RTT;
	peer_sends_syn(XT_TH_SYN, PEER_ISS + 100000, 0, MSS);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	expect_state(sk, XT_TCPS_TIME_WAIT);
	advance_to(now + 2 * MSL);
	finish(0);
}
END_TEST

/* The peer's SYN or SYN-ACK with an MSS option of mss (none if < 0)
 * and, if ts, timestamps. */
static void
peer_sends_syn_opts(uint8_t flags, xt_seq_t seq, xt_seq_t ack, int mss,
    int ts)
{
	struct xt_tcp_repr r;

	memset(&r, 0, sizeof(r));
	r.flags = flags;
	r.seq = seq;
	r.ack = ack;
	r.win = PEER_WIN;
	if (mss >= 0) {
		r.has_mss = 1;
		r.mss = (uint16_t)mss;
	}
	if (ts) {
		r.has_ts = 1;
		r.tsval = 1000;
		r.tsecr = (flags & XT_TH_ACK) ? last.tsval : 0;
	}
	peer_sends_repr(&r, NULL, 0);
}

/* 300 bytes go out at once, in segments of exactly s->t_maxseg. */
static void
expect_sends_in(struct xtcp_sock *s, uint32_t maxseg)
{
	static const uint8_t d[300];
	struct xt_tcp_repr t;
	size_t total = 0;
	unsigned i;
	int one = 1;

	/* no Nagle: the last, short segment goes too */
	ck_assert_int_eq(xtcp_setopt(s, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)), XT_OK);
	ck_assert_uint_eq(s->t_maxseg, maxseg);
	/* the initial window is ten of them (RFC 6928), not 655,280 */
	ck_assert_uint_le(s->snd_cwnd, 10 * maxseg);
	tx_clear();
	send_all(s, d, sizeof(d));
	ck_assert_uint_eq(cap.n, (sizeof(d) + maxseg - 1) / maxseg);
	for (i = 0; i < cap.n; i++) {
		tx_seg(i, &t);
		ck_assert_uint_gt(t.payload_len, 0);
		ck_assert_uint_le(t.payload_len, maxseg);
		total += t.payload_len;
	}
	ck_assert_uint_eq(total, sizeof(d));
	tx_clear();
}

/* Was a bug, fixed: a peer MSS below 12 with timestamps wrapped the
 * unsigned subtraction (t_maxseg 65528).  As Linux: an option of 0 is
 * no option (536); others are raised to 48 (tcp_min_snd_mss) before the
 * 12 bytes of timestamps are taken off.  Active and passive open. */
START_TEST(mss_tiny_option)
{
	static const int opt[] = { 0, 1, 11, 12, 48 };
	struct xtcp_sock *c;
	unsigned i, ts, passive;
	uint32_t want;

	for (passive = 0; passive < 2; passive++)
	for (ts = 0; ts < 2; ts++)
	for (i = 0; i < sizeof(opt) / sizeof(opt[0]); i++) {
		engine_with(NULL);
		want = opt[i] == 0 ? 536 : (opt[i] < 48 ? 48 : opt[i]);
		want -= ts ? 12 : 0;
		if (!passive) {
			tcb_syn_sent();
			last.tsval = 77;
			now += RTT;
			peer_sends_syn_opts(XT_TH_SYN | XT_TH_ACK, PEER_ISS,
			    iss + 1, opt[i], ts);
			tx_one(__LINE__);
			expect_state(sk, XT_TCPS_ESTABLISHED);
			c = sk;
		} else {
			tcb_listen();
			peer_sends_syn_opts(XT_TH_SYN, PEER_ISS, 0, opt[i], ts);
			tx_one(__LINE__);
			iss = last.seq;
			if (ts)
				peer_sends_syn_opts(XT_TH_ACK, PEER_ISS + 1,
				    iss + 1, -1, 1);
			else
				peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1,
				    PEER_WIN, NULL, 0);
			c = NULL;
			ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL,
			    NULL), XT_OK);
		}
		ck_assert_msg(c->t_maxseg == want, "%s open, MSS option %d, "
		    "ts %u: t_maxseg %u, want %u", passive ? "passive" :
		    "active", opt[i], ts, c->t_maxseg, want);
		ck_assert_uint_eq((c->t_flags & XT_TF_TS_OK) != 0, ts);
		expect_sends_in(c, want);
		lsk = NULL;
		sk = NULL;
		lport = 0;
		pport = PEER_PORT;
	}
}
END_TEST

static void
hook_rfc1337_off(struct xtcp_config *c)
{
	c->rfc1337 = 0;
}

/* RFC 1337 (default): an RST, even exactly at RCV.NXT, does not end
 * TIME-WAIT, as FreeBSD (a deviation from Linux's default). */
START_TEST(rfc1337_rst_keeps_timewait)
{
	uint64_t t;

	tcb_established();
	timewait_held(sk);
	t = sk->t_2msl_at;
	peer_sends(XT_TH_RST, PEER_ISS + 2, 0, 0, NULL, 0);
	expect_no_tx();
	peer_sends(XT_TH_RST | XT_TH_ACK, PEER_ISS + 2, iss + 2, 0, NULL, 0);
	expect_no_tx();
	expect_state(sk, XT_TCPS_TIME_WAIT);
	ck_assert_int_eq(stat("tcp_rcv_rst_timewait"), 2);
	ck_assert_int_eq(sk->so_error, XT_OK);
	ck_assert_uint_eq(sk->t_2msl_at, t);	/* nor restarts it */
	xtcp_close(sk, now);
	advance_to(t - 1);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	advance_to(t);
	finish(0);
}
END_TEST

/* XTCP_RFC1337=0 behaves as Linux: the exact RST ends TIME-WAIT (and an
 * inexact one is dropped without a challenge ACK). */
START_TEST(rfc1337_off_rst_ends_timewait)
{
	struct xtcp_sock *c;

	engine_with(hook_rfc1337_off);
	c = tcb_accepted();
	timewait_held(c);
	xtcp_close(c, now);
	peer_sends(XT_TH_RST, PEER_ISS + 3, 0, 0, NULL, 0);
	expect_no_tx();
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 2);
	peer_sends(XT_TH_RST, PEER_ISS + 2, 0, 0, NULL, 0);
	expect_no_tx();
	ck_assert_int_eq(stat("tcp_rcv_rst_timewait"), 0);
	finish(1);				/* the listener */
}
END_TEST

/* The peer's segment with a given window and ack. */
static void
peer_acks(xt_seq_t ack, uint16_t win)
{
	peer_sends(XT_TH_ACK, PEER_ISS + 1, ack, win, NULL, 0);
}

/* RFC 5961 §5.2: an ACK below SND.UNA - MAX.SND.WND gets a challenge ACK
 * and the segment (its data too) is dropped; one within it is an old
 * ACK and is taken.  Nothing is acknowledged below the ISS either. */
START_TEST(ack_too_old_challenge)
{
	static uint8_t d[5000];
	struct xt_tcp_repr r;
	xt_seq_t una;

	/* the peer offers at most 2000 bytes, from its SYN-ACK on */
	tcb_syn_sent();
	now += RTT;
	memset(&r, 0, sizeof(r));
	r.flags = XT_TH_SYN | XT_TH_ACK;
	r.seq = PEER_ISS;
	r.ack = iss + 1;
	r.win = 2000;
	r.has_mss = 1;
	r.mss = MSS;
	peer_sends_repr(&r, NULL, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	/* nothing sent yet: even SND.UNA - 1 (our SYN) is too old */
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss, PEER_WIN,
	    "no", 2);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	ck_assert_uint_eq(sk->rcv_nxt, PEER_ISS + 1);
	ck_assert_uint_eq(xtcp_sock_rxbytes(sk), 0);
	ck_assert_int_eq(stat("tcp_rcv_ack_too_old"), 1);
	/* MAX.SND.WND = 2000 once 5000 bytes are acknowledged */
	send_all(sk, d, sizeof(d));
	una = iss + 1;
	while (sk->snd_una != sk->snd_max || cap.n > 0) {
		tx_clear();
		now += RTT;
		una = sk->snd_max;
		peer_acks(una, 2000);
	}
	ck_assert_uint_eq(una, iss + 1 + sizeof(d));
	ck_assert_uint_eq(sk->max_sndwnd, 2000);
	advance_to(now + RATELIMIT);
	tx_clear();
	peer_acks(una - 2000, 2000);		/* old, acceptable: no reply */
	expect_no_tx();
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, una - 2001, 2000,
	    "no", 2);
	expect_tx(XT_TH_ACK, una, PEER_ISS + 1);
	ck_assert_uint_eq(xtcp_sock_rxbytes(sk), 0);
	ck_assert_int_eq(stat("tcp_rcv_ack_too_old"), 2);
	ck_assert_uint_eq(sk->snd_una, una);
	/* within the window the data is taken */
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, una - 2000, 2000,
	    "ok", 2);
	expect_recv(sk, "ok", 2);
	finish(1);
}
END_TEST

/* RFC 5961 §7 as Linux tcp_invalid_ratelimit: ten in-window RSTs within
 * 500 ms get one challenge ACK, and one more after the interval; SYNs
 * share the same limit. */
START_TEST(ratelimit_challenge_acks)
{
	unsigned i;

	tcb_established();
	for (i = 0; i < 10; i++)
		peer_sends(XT_TH_RST, PEER_ISS + 100 + i, 0, 0, NULL, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	ck_assert_int_eq(stat("tcp_challenge_ack_skipped"), 9);
	advance_to(now + RATELIMIT - 1);
	peer_sends(XT_TH_RST, PEER_ISS + 100, 0, 0, NULL, 0);
	expect_no_tx();
	advance_to(now + 1);
	peer_sends(XT_TH_RST, PEER_ISS + 100, 0, 0, NULL, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	/* in-window SYNs, right after: the same budget */
	for (i = 0; i < 10; i++)
		peer_sends_syn(XT_TH_SYN, PEER_ISS + 100 + i, 0, MSS);
	expect_no_tx();
	advance_to(now + RATELIMIT);
	for (i = 0; i < 10; i++)
		peer_sends_syn(XT_TH_SYN, PEER_ISS + 100 + i, 0, MSS);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	/* ACKs of data never sent (RFC 5961 §5.2) */
	advance_to(now + RATELIMIT);
	for (i = 0; i < 10; i++)
		peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1000, PEER_WIN,
		    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	ck_assert_int_eq(stat("tcp_snd_challenge_ack"), 4);
	ck_assert_int_eq(stat("tcp_challenge_ack_skipped"), 9 + 1 + 10 + 9 + 9);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	finish(1);
}
END_TEST

/* Out-of-window segments without data: one ACK per interval; with data
 * every one is answered (it may be a retransmission), as Linux. */
START_TEST(ratelimit_oow_acks)
{
	unsigned i;

	tcb_established();
	for (i = 0; i < 10; i++)
		peer_sends(XT_TH_ACK, PEER_ISS + 1 + 0x40000000u, iss + 1,
		    PEER_WIN, NULL, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	ck_assert_int_eq(stat("tcp_oow_ack_skipped"), 9);
	for (i = 0; i < 10; i++)		/* old, as a keep-alive */
		peer_sends(XT_TH_ACK, PEER_ISS, iss + 1, PEER_WIN, NULL, 0);
	expect_no_tx();
	advance_to(now + RATELIMIT);
	peer_sends(XT_TH_ACK, PEER_ISS, iss + 1, PEER_WIN, NULL, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	for (i = 0; i < 10; i++)
		peer_sends(XT_TH_ACK, PEER_ISS + 1 + 0x40000000u, iss + 1,
		    PEER_WIN, "far", 3);
	ck_assert_uint_eq(cap.n, 10);
	tx_clear();
	ck_assert_int_eq(stat("tcp_oow_ack_skipped"), 19);
	finish(1);
}
END_TEST

/* The limit is per connection: two connections each get their one
 * challenge ACK (a shared one would leak which was hit, CVE-2016-5696). */
START_TEST(ratelimit_per_connection)
{
	struct xtcp_sock *a;
	xt_seq_t iss_a, iss_b;
	uint16_t lport_a, lport_b;
	unsigned i;

	tcb_established();
	a = sk;
	iss_a = iss;
	lport_a = lport;
	tcb_established();
	iss_b = iss;
	lport_b = lport;
	ck_assert_uint_ne(lport_a, lport_b);
	for (i = 0; i < 10; i++) {
		lport = lport_a;
		peer_sends(XT_TH_RST, PEER_ISS + 100 + i, 0, 0, NULL, 0);
		lport = lport_b;
		peer_sends(XT_TH_RST, PEER_ISS + 100 + i, 0, 0, NULL, 0);
	}
	ck_assert_uint_eq(cap.n, 2);
	lport = lport_a;
	iss = iss_a;
	tx_seg(0, &last);
	ck_assert_uint_eq(last.flags, XT_TH_ACK);
	ck_assert_uint_eq(last.seq, iss_a + 1);
	lport = lport_b;
	iss = iss_b;
	tx_seg(1, &last);
	ck_assert_uint_eq(last.seq, iss_b + 1);
	tx_clear();
	expect_state(a, XT_TCPS_ESTABLISHED);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	finish(2);
}
END_TEST

static void
hook_no_ratelimit(struct xtcp_config *c)
{
	c->invalid_ratelimit_ms = 0;
}

/* XTCP_INVALID_RATELIMIT_MS=0: no limit, every RST is challenged. */
START_TEST(ratelimit_off)
{
	unsigned i;

	engine_with(hook_no_ratelimit);
	tcb_established();
	for (i = 0; i < 10; i++)
		peer_sends(XT_TH_RST, PEER_ISS + 100 + i, 0, 0, NULL, 0);
	ck_assert_uint_eq(cap.n, 10);
	tx_clear();
	ck_assert_int_eq(stat("tcp_challenge_ack_skipped"), 0);
	finish(1);
}
END_TEST

#undef stat

/* ---- SYN flood: half-open connections in the SYN cache (issue 10) ---- */

/* Bytes the allocator has handed out (heap and mmap). */
static size_t
heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (mi.uordblks + mi.hblkhd);
}

/* The peer (from port pport) sends a SYN with MSS 1460 and WS 0; our
 * reply is returned (exactly one segment, a SYN-ACK for it). */
static const struct xt_tcp_repr *
flood_syn(xt_seq_t seq)
{
	const struct xt_tcp_repr *th;

	peer_sends_syn(XT_TH_SYN, seq, 0, 1460);
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN | XT_TH_ACK);
	ck_assert_uint_eq(th->ack, seq + 1);
	return (th);
}

/*
 * Was a bug, fixed: every SYN made a TCB with two 256 KB rings in the
 * socket table, so with listen(SOMAXCONN) a flood filled the table
 * (4096) before the backlog check sent cookies, and the program's own
 * socket() failed with ENOBUFS.  Now 6000 SYNs from distinct ports cost
 * no socket and no buffer: backlog + 1 of them wait in the SYN cache,
 * the rest get cookies; a handshake begun amid the flood and one made
 * from a cookie both complete.
 */
START_TEST(synflood_costs_no_sockets)
{
	const struct xt_tcp_repr *th;
	struct xtcp_sock *s2, *c;
	xt_seq_t mid_iss = 0, ck_iss = 0;
	uint16_t mid_port = PEER_CPORT + 100, ck_port = 0;
	size_t before, after;
	unsigned i, cached = 0, cookies = 0;
	struct tcp_info ti;
	size_t ilen;
	char line[256];

	ck_assert_int_eq(xtcp_socket(eng, &lsk), XT_OK);
	ck_assert_int_eq(xtcp_bind(lsk, 0, LISTEN_PORT), XT_OK);
	before = heap_in_use();
	ck_assert_int_eq(xtcp_listen(lsk, SOMAXCONN), XT_OK);
	after = heap_in_use();
	/* the table: backlog + 1 entries of at most 80 bytes with buckets */
	ck_assert_uint_le(after - before, 4097 * 80);
	lport = LISTEN_PORT;
	before = heap_in_use();
	for (i = 0; i < 6000; i++) {
		pport = (uint16_t)(PEER_CPORT + i);
		th = flood_syn(PEER_ISS + i);
		/* an entry remembers the SYN's options; a cookie cannot */
		if (th->has_ws)
			cached++;
		else
			cookies++;
		if (pport == mid_port)
			mid_iss = th->seq;
		if (i == 5999) {
			ck_port = pport;
			ck_iss = th->seq;
		}
		if (i % 500 == 0)
			ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	}
	after = heap_in_use();
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	ck_assert_uint_le(after, before + 16384);	/* no rings, no TCBs */
	ck_assert_uint_eq(cached, 4097);
	ck_assert_uint_eq(cookies, 6000 - 4097);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 4097);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_sc_sent"), 6000 - 4097);
	/* what ss would show: nothing to accept yet, backlog, half-open */
	ilen = sizeof(ti);
	ck_assert_int_eq(xtcp_getopt(lsk, IPPROTO_TCP, TCP_INFO, &ti, &ilen),
	    XT_OK);
	ck_assert_uint_eq(ti.tcpi_unacked, 0);
	ck_assert_uint_eq(ti.tcpi_sacked, SOMAXCONN);
	xtcp_sock_describe(lsk, line, sizeof(line));
	ck_assert_ptr_nonnull(strstr(line, "synq=4097"));
	/* the program's own socket() still works */
	ck_assert_int_eq(xtcp_socket(eng, &s2), XT_OK);
	xtcp_close(s2, now);
	/* a handshake begun amid the flood completes, with its options */
	now += RTT;
	pport = mid_port;
	peer_sends(XT_TH_ACK, PEER_ISS + 100 + 1, mid_iss + 1, PEER_WIN,
	    "hi", 2);
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	expect_state(c, XT_TCPS_ESTABLISHED);
	ck_assert_uint_eq(c->fport, mid_port);
	ck_assert(c->t_flags & XT_TF_WS_OK);
	expect_recv(c, "hi", 2);
	tx_clear();
	/* and so does one answered with a cookie */
	pport = ck_port;
	peer_sends(XT_TH_ACK, PEER_ISS + 5999 + 1, ck_iss + 1, PEER_WIN, NULL,
	    0);
	tx_clear();
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	expect_state(c, XT_TCPS_ESTABLISHED);
	ck_assert_uint_eq(c->fport, ck_port);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 4096);
	ck_assert_int_eq(xtcp_getopt(lsk, IPPROTO_TCP, TCP_INFO, &ti, &ilen),
	    XT_OK);
	ck_assert_uint_eq(ti.tcpi_unacked, 0);	/* both accepted */
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 3);
	xtcp_close(lsk, now);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 0);
}
END_TEST

/* The SYN-ACK of an entry is resent at 1, 3, 7, 15 and 31 s (RFC 6298
 * §5.5 backoff, Linux tcp_synack_retries 5) and the entry expires at
 * 63 s; its ACK then gets an RST. */
START_TEST(synflood_entry_expires)
{
	const struct xt_tcp_repr *th;
	uint64_t t0, at = RTO;
	unsigned k;

	tcb_listen();
	t0 = now;
	th = flood_syn(PEER_ISS);
	iss = th->seq;
	for (k = 0; k < 5; k++) {
		advance_to(t0 + at - 1);
		expect_no_tx();
		advance_to(t0 + at);
		th = expect_tx(XT_TH_SYN | XT_TH_ACK, iss, PEER_ISS + 1);
		ck_assert(th->has_mss && th->has_ws);	/* same options */
		at = 2 * at + RTO;
	}
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 1);
	advance_to(t0 + at);			/* 63 s */
	expect_no_tx();
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 0);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_expired"), 1);
	ck_assert_uint_eq(xtcp_engine_next_deadline(eng), UINT64_MAX);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_tx(XT_TH_RST, iss + 1, 0);
	finish(1);
}
END_TEST

/* RFC 5961 §3.2 in SYN-RECEIVED: an in-window RST that is not exact
 * gets the SYN-ACK again (the challenge); the exact one removes the
 * entry, and the ACK then finds no connection. */
START_TEST(synflood_rst_kills_entry)
{
	const struct xt_tcp_repr *th;

	tcb_listen();
	th = flood_syn(PEER_ISS);
	iss = th->seq;
	peer_sends(XT_TH_RST, PEER_ISS + 10, 0, 0, NULL, 0);
	expect_tx(XT_TH_SYN | XT_TH_ACK, iss, PEER_ISS + 1);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 1);
	peer_sends(XT_TH_RST, PEER_ISS + 1, 0, 0, NULL, 0);
	expect_no_tx();
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 0);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_reset"), 1);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_tx(XT_TH_RST, iss + 1, 0);
	finish(1);
}
END_TEST

/* An ICMP host unreachable quoting the SYN-ACK removes the entry; one
 * quoting another sequence number does not (RFC 5927 §4.1). */
START_TEST(synflood_icmp_kills_entry)
{
	struct xt_test_frame f;
	struct xt_icmp4_repr m;
	uint8_t quoted[28], buf[FRAME_MAX];
	size_t n;

	tcb_listen();
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1460);
	iss = tx_one(__LINE__)->seq;
	memset(&f, 0, sizeof(f));
	memcpy(f.src_mac, peer_mac, 6);
	memcpy(f.dst_mac, our_mac, 6);
	f.saddr = PEER_IP;
	f.daddr = OUR_IP;
	memset(&m, 0, sizeof(m));
	m.type = XT_ICMP_UNREACH;
	m.code = XT_ICMP_UNREACH_HOST;
	m.data = quoted;
	m.data_len = sizeof(quoted);
	/* our SYN-ACK as a router would quote it: IPv4 header, 8 bytes */
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1460);	/* resent: capture it */
	ck_assert_uint_eq(cap.n, 1);
	memcpy(quoted, cap.frame[0] + XT_ETH_HLEN, 28);
	tx_clear();
	quoted[XT_IPV4_HLEN + 7] ^= 1;			/* wrong seq */
	n = xt_test_build_icmp(buf, sizeof(buf), &f, &m);
	inject(buf, n);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 1);
	quoted[XT_IPV4_HLEN + 7] ^= 1;
	n = xt_test_build_icmp(buf, sizeof(buf), &f, &m);
	inject(buf, n);
	expect_no_tx();
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 0);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_tx(XT_TH_RST, iss + 1, 0);
	finish(1);
}
END_TEST

/*
 * The accept queue holds backlog + 1 connections (Linux).  When it is
 * full a new SYN is dropped (no cookie: the peer retries), and the ACK
 * of a handshake already in the SYN cache is dropped with the entry
 * kept; its SYN-ACK is resent and, once accept() made room, the peer's
 * next ACK completes it.
 */
START_TEST(synflood_accept_queue_full)
{
	xt_seq_t iss_a, iss_b, iss_c;
	struct xtcp_sock *c;

	tcb_listen();
	ck_assert_int_eq(xtcp_listen(lsk, 1), XT_OK);
	pport = PEER_CPORT;
	iss_a = flood_syn(PEER_ISS)->seq;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss_a + 1, PEER_WIN, NULL, 0);
	tx_clear();
	pport = PEER_CPORT + 1;
	iss_b = flood_syn(PEER_ISS)->seq;
	pport = PEER_CPORT + 2;
	iss_c = flood_syn(PEER_ISS)->seq;
	pport = PEER_CPORT + 1;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss_b + 1, PEER_WIN, NULL, 0);
	tx_clear();
	ck_assert_uint_eq(lsk->t_qlen, 2);		/* full */
	/* C's ACK: dropped, nothing sent, the entry stays */
	pport = PEER_CPORT + 2;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss_c + 1, PEER_WIN, NULL, 0);
	expect_no_tx();
	ck_assert_uint_eq(lsk->t_qlen, 2);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_listen_ack_overflow"), 1);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 1);
	/* a new SYN: dropped, not even a cookie */
	pport = PEER_CPORT + 3;
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1460);
	expect_no_tx();
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_sc_sent"), 0);
	/* room again; C's SYN-ACK comes back at 1 s and the ACK makes it */
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	ck_assert_uint_eq(c->fport, PEER_CPORT);
	pport = PEER_CPORT + 2;
	advance_to(now + RTO);
	iss = iss_c;
	expect_tx(XT_TH_SYN | XT_TH_ACK, iss_c, PEER_ISS + 1);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss_c + 1, PEER_WIN, NULL, 0);
	tx_clear();
	ck_assert_uint_eq(lsk->t_qlen, 2);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 0);
	xtcp_close(lsk, now);
}
END_TEST

static void
hook_rto_min_200(struct xtcp_config *c)
{
	c->rto_min_ms = 200;
}

/*
 * The passive side's first RTT sample comes from the SYN-ACK (the entry
 * keeps its send time) and the handshake's ACK, as Linux: the first RTO
 * then follows the path (here the 200 ms floor) instead of the initial
 * 1 s.  A SYN-ACK sent twice gives no sample (Karn).
 */
START_TEST(synflood_synack_rtt_sample)
{
	struct xtcp_sock *c;
	uint64_t t;

	engine_with(hook_rto_min_200);
	tcb_listen();
	iss = flood_syn(PEER_ISS)->seq;
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	tx_clear();
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	ck_assert_uint_eq(c->t_rtt.srtt_us, RTT);
	send_all(c, "x", 1);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "x", 1);
	t = now;
	advance_to(t + 200000 - 1);
	expect_no_tx();
	advance_to(t + 200000);			/* not 1 s */
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "x", 1);
	xtcp_close(c, now);
	tx_clear();
	/* Karn: the peer resent its SYN, so did we: no sample */
	pport = PEER_CPORT + 1;
	iss = flood_syn(PEER_ISS)->seq;
	now += RTT;
	flood_syn(PEER_ISS);
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	tx_clear();
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	ck_assert_uint_eq(c->t_rtt.srtt_us, 0);
	xtcp_close(c, now);
	xtcp_close(lsk, now);
}
END_TEST

static void
hook_syncookies_off(struct xtcp_config *c)
{
	c->syncookies = 0;
}

/* XTCP_SYNCOOKIES=0: past a full SYN cache a SYN is dropped, and
 * counted; the entries already there still complete. */
START_TEST(synflood_no_cookies_drops)
{
	struct xtcp_sock *c;

	engine_with(hook_syncookies_off);
	tcb_listen();
	ck_assert_int_eq(xtcp_listen(lsk, 1), XT_OK);	/* two entries */
	iss = flood_syn(PEER_ISS)->seq;
	pport = PEER_CPORT + 1;
	flood_syn(PEER_ISS);
	pport = PEER_CPORT + 2;
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1460);
	expect_no_tx();
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_overflow"), 1);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_listen_overflow"), 1);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_sc_sent"), 0);
	pport = PEER_CPORT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	tx_clear();
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	ck_assert_uint_eq(c->fport, PEER_CPORT);
	finish(2);
}
END_TEST

/* listen() again with a smaller backlog keeps the oldest entries that
 * fit and forgets the others (counted); a larger one keeps them all. */
START_TEST(synflood_relisten_resizes)
{
	xt_seq_t first;
	unsigned i;

	tcb_listen();				/* backlog 4: five entries */
	for (i = 0; i < 3; i++) {
		pport = (uint16_t)(PEER_CPORT + i);
		if (i == 0)
			first = flood_syn(PEER_ISS)->seq;
		else
			flood_syn(PEER_ISS);
	}
	ck_assert_int_eq(xtcp_listen(lsk, 16), XT_OK);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 3);
	ck_assert_int_eq(xtcp_listen(lsk, 1), XT_OK);	/* two entries */
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 2);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_dropped"), 1);
	/* the oldest survived, with its timer */
	pport = PEER_CPORT;
	iss = first;
	advance_to(now + RTO);
	ck_assert_uint_eq(cap.n, 2);		/* both SYN-ACKs resent */
	tx_clear();
	peer_sends(XT_TH_ACK, PEER_ISS + 1, first + 1, PEER_WIN, NULL, 0);
	tx_clear();
	ck_assert_uint_eq(lsk->t_qlen, 1);
	finish(2);
}
END_TEST

/* RFC 7413: a Fast Open cookie request is a SYN like another: an entry,
 * no socket; the entry's SYN-ACK carries the cookie (and resends it). */
START_TEST(synflood_tfo_request_no_socket)
{
	const struct xt_tcp_repr *th;
	struct xt_tcp_repr r;
	uint8_t cookie[8];
	int q = 8;

	test_fastopen = 3;
	xtcp_engine_free(eng);
	engine_up();
	test_fastopen = 1;
	tcb_listen();
	ck_assert_int_eq(xtcp_setopt(lsk, IPPROTO_TCP, TCP_FASTOPEN, &q,
	    sizeof(q)), XT_OK);
	memset(&r, 0, sizeof(r));
	r.flags = XT_TH_SYN;
	r.seq = PEER_ISS;
	r.win = PEER_WIN;
	r.has_mss = 1;
	r.mss = 1460;
	r.has_tfo = 1;
	peer_sends_repr(&r, NULL, 0);
	th = tx_one(__LINE__);
	ck_assert(th->has_tfo);
	ck_assert_uint_eq(th->tfo_len, 8);
	memcpy(cookie, th->tfo_cookie, 8);
	iss = th->seq;
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	advance_to(now + RTO);
	th = expect_tx(XT_TH_SYN | XT_TH_ACK, iss, PEER_ISS + 1);
	ck_assert(th->has_tfo && memcmp(th->tfo_cookie, cookie, 8) == 0);
	finish(1);
}
END_TEST

/* ---- keys: loss recovery after a timeout (soak findings) ---- */

static void
hook_cubic(struct xtcp_config *c)
{
	strcpy(c->congestion, "cubic");
}

/*
 * Was a bug, fixed: RFC 6675 §5.1 says no new recovery phase may start
 * while the data outstanding at an RTO is being sent again.  SACKed dup
 * ACKs arriving then (late or network-duplicated ACKs of the first
 * flight) started one anyway: CUBIC reduced ssthresh from the loss
 * window (1 SMSS) to 2 SMSS and PRR then sent one segment per RTT for
 * every hole (sim_matrix's fixed scenario "cubic-jitter-rto": 15.9 s
 * instead of 2 s).  Now they are counted and leave the window alone;
 * the go-back-N slow start carries on.
 */
START_TEST(rto_gobackn_no_recovery_from_dupacks)
{
	static uint8_t d[8 * MSS];
	uint32_t blk[1][2], ssthresh;
	int i;

	engine_with(hook_cubic);
	tcb_established_sack();
	send_all(sk, d, sizeof(d));
	ck_assert_uint_eq(cap.n, 8);
	tx_clear();
	/* nothing comes back (a tail loss probe first): the RTO resends
	 * segment 1 with cwnd 1 SMSS */
	for (i = 0; i < 4 && xtcp_stats_get(eng, "tcp_rexmt_timeout") == 0;
	    i++) {
		tx_clear();
		advance_to(sk->t_rexmt_at);
	}
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_rexmt_timeout"), 1);
	ck_assert(tx_has_seq(iss + 1));
	ck_assert(SEQ_LT(sk->snd_nxt, sk->snd_max));
	ssthresh = sk->snd_ssthresh;
	ck_assert_uint_gt(ssthresh, 2 * MSS);
	tx_clear();
	/* then the first flight's ACKs: segment 1 missing, 2..8 SACKed,
	 * each delivered twice by the network */
	blk[0][0] = iss + 1 + MSS;
	for (i = 2; i <= 8; i++) {
		blk[0][1] = iss + 1 + (uint32_t)i * MSS;
		peer_sacks(iss + 1, blk, 1);
		peer_sacks(iss + 1, blk, 1);
	}
	ck_assert(!(sk->t_flags & XT_TF_INRECOVERY));
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_sack_recovery"), 0);
	ck_assert_uint_eq(sk->snd_ssthresh, ssthresh);
	ck_assert_uint_le(sk->snd_cwnd, 3 * MSS);
	tx_clear();
	/* the retransmission's ACK: slow start from the loss window */
	now += RTT;
	peer_sacks(iss + 1 + MSS, blk, 1);
	ck_assert(!(sk->t_flags & XT_TF_INRECOVERY));
	ck_assert_uint_eq(sk->snd_ssthresh, ssthresh);
	ck_assert_uint_ge(sk->snd_cwnd, 2 * MSS);
	tx_clear();
	finish(1);
}
END_TEST

/* ---- wire: no segment without a reason, timers on time, the passive
 * RTT sample (issue 10) ---- */

/* The passive side's connection after the handshake's ACK at `now`. */
static struct xtcp_sock *
wire_accepted(void)
{
	struct xtcp_sock *c = NULL;

	tcb_syn_received();
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_state(sk_under_test(), XT_TCPS_ESTABLISHED);
	expect_no_tx();
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	expect_no_tx();
	return (c);
}

/* Ten idle seconds send nothing; the peer's first data gets one ACK
 * that offers the whole buffer (as far as the window field reaches
 * without window scaling). */
static void
wire_idle_then_data(struct xtcp_sock *c)
{
	const struct xt_tcp_repr *th;
	uint32_t want;

	advance_to(now + 10 * 1000000ull);
	expect_no_tx();
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN,
	    "abc", 3);
	th = expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 4);
	/* the edge offered before stays (SWS: 3 bytes is no opening) */
	want = c->rcvbuf_size;
	if (want > (uint32_t)65535 << c->rcv_scale)
		want = (uint32_t)65535 << c->rcv_scale;
	want -= 3;
	ck_assert_uint_eq((uint32_t)th->win << c->rcv_scale,
	    want >> c->rcv_scale << c->rcv_scale);
}

START_TEST(wire_idle_active_open)
{
	/* RFC 9293 §3.8.6.2.2: nothing received, nothing read, nothing
	 * owed after the handshake; with window scaling (the peer's shift
	 * 0, ours from the 256 KiB buffer) and without (_i == 1) */
	peer_ws = _i == 0 ? 0 : -1;
	tcb_established();
	ck_assert_uint_eq(sk->rcv_scale, _i == 0 ? sk->request_scale : 0);
	ck_assert_uint_gt(sk->request_scale, 0);
	wire_idle_then_data(sk);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_snd_winupd"), 0);
	finish(1);
}
END_TEST

START_TEST(wire_idle_passive_open)
{
	/* Was a bug, fixed: the SYN-ACK's window is unscaled (RFC 7323
	 * §2.2), so at most 65535, and the first scaled window looked like
	 * an opening of the rest of the buffer: a pure window update went
	 * out right after the handshake, which Linux never sends */
	struct xtcp_sock *c;

	peer_ws = _i == 0 ? 0 : -1;
	c = wire_accepted();
	ck_assert_uint_eq(c->rcv_scale, _i == 0 ? c->request_scale : 0);
	wire_idle_then_data(c);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_snd_winupd"), 0);
	finish(2);
}
END_TEST

START_TEST(wire_idle_simultaneous_open)
{
	/* the same for the SYN-ACK of a simultaneous open */
	tcb_syn_sent();
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, MSS);
	expect_tx(XT_TH_SYN | XT_TH_ACK, iss, PEER_ISS + 1);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_no_tx();
	expect_state(sk, XT_TCPS_ESTABLISHED);
	wire_idle_then_data(sk);
	finish(1);
}
END_TEST

static void
hook_small_rcvbuf(struct xtcp_config *c)
{
	c->rcvbuf = 8 * MSS;		/* SWS amount: min(4 MSS, MSS) */
	c->autotune = 0;
}

START_TEST(wire_read_opens_window)
{
	/* RFC 9293 §3.8.6.2.2: the peer fills our 8-segment buffer; a read
	 * that makes less room than min(RCV.BUFF/2, MSS) sends nothing, the
	 * read that completes one MSS sends exactly one window update */
	static uint8_t d[MSS], b[MSS];
	const struct xt_tcp_repr *th;
	size_t got;
	unsigned i;

	memset(d, 'w', sizeof(d));
	engine_with(hook_small_rcvbuf);
	tcb_established();
	for (i = 0; i < 8; i++) {
		peer_sends(XT_TH_ACK, PEER_ISS + 1 + i * MSS, iss + 1, PEER_WIN,
		    d, MSS);
		tx_clear();	/* quick ACKs while the peer starts */
	}
	ck_assert_uint_eq(sk->rcv_adv, sk->rcv_nxt);	/* window closed */
	ck_assert_int_eq(xtcp_recv(sk, now, b, 100, 0, &got), XT_OK);
	ck_assert_uint_eq(got, 100);
	expect_no_tx();
	ck_assert_int_eq(xtcp_recv(sk, now, b, MSS - 100, 0, &got), XT_OK);
	ck_assert_uint_eq(got, MSS - 100);
	th = expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1 + 8 * MSS);
	ck_assert_uint_eq(th->win, MSS);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_snd_winupd"), 1);
	/* reading more gives no second update while the window that was
	 * offered stays more than half of what could be */
	ck_assert_int_eq(xtcp_recv(sk, now, b, MSS / 2, 0, &got), XT_OK);
	expect_no_tx();
	finish(1);
}
END_TEST

START_TEST(wire_read_one_segment_no_update)
{
	/* a sender streaming into a wide window learns the window from our
	 * ACKs: reading one segment is no reason for a pure ACK of its own
	 * (Linux tcp_cleanup_rbuf), the delayed ACK carries it */
	static uint8_t d[MSS], b[MSS];
	size_t got;

	tcb_established();
	no_quickack(sk);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, d, MSS);
	expect_no_tx();
	ck_assert_int_eq(xtcp_recv(sk, now, b, MSS, 0, &got), XT_OK);
	expect_no_tx();
	advance_to(now + DELACK);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1 + MSS);
	finish(1);
}
END_TEST

static void
hook_keepinit(struct xtcp_config *c)
{
	c->keepinit_ms = 2500;		/* SYN_RETRIES alone: 7 s */
}

START_TEST(wire_keepinit_active)
{
	/* FreeBSD keepinit decides: connect() fails at 2.5 s, not at the
	 * SYN retransmission after it (3 s) */
	uint64_t t0;

	engine_with(hook_keepinit);
	t0 = now;
	tcb_syn_sent();
	advance_to(t0 + RTO);
	expect_tx(XT_TH_SYN, iss, 0);
	ck_assert_uint_eq(sk->t_rexmt_at, t0 + 2500000);
	advance_to(t0 + 2499000);
	expect_state(sk, XT_TCPS_SYN_SENT);
	advance_to(t0 + 2500000);
	expect_no_tx();
	expect_state(sk, XT_TCPS_CLOSED);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_ETIMEDOUT);
	finish(1);
}
END_TEST

START_TEST(wire_keepinit_passive)
{
	/* a half-open connection of a listener ends at keepinit too */
	uint64_t t0 = now;

	engine_with(hook_keepinit);
	tcb_syn_received();
	advance_to(t0 + RTO);
	expect_tx(XT_TH_SYN | XT_TH_ACK, iss, PEER_ISS + 1);
	/* the half-open connection is a SYN cache entry (no TCB) */
	advance_to(t0 + 2499000);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 1);
	advance_to(t0 + 2500000);
	expect_no_tx();
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 0);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_expired"), 1);
	finish(1);
}
END_TEST

START_TEST(wire_user_timeout_on_time)
{
	/* TCP_USER_TIMEOUT (RFC 5482): dropped when the data has been
	 * unacknowledged for 2.5 s, not at the retransmission after that
	 * (3 s, as before) */
	int ms = 2500;
	uint64_t t0;

	tcb_established();
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms,
	    sizeof(ms)), XT_OK);
	t0 = now;
	send_all(sk, "data", 4);
	tx_one(__LINE__);
	advance_to(t0 + RTO);
	tx_one(__LINE__);		/* the one retransmission */
	ck_assert_uint_eq(sk->t_rexmt_at, t0 + 2500000);
	advance_to(t0 + 2499000);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	advance_to(t0 + 2500000);
	expect_no_tx();
	expect_state(sk, XT_TCPS_CLOSED);
	ck_assert_int_eq(xtcp_take_error(sk), XT_ETIMEDOUT);
	finish(1);
}
END_TEST

START_TEST(wire_user_timeout_restarts_on_ack)
{
	/* an ACK that moves snd_una restarts the count for what is left */
	int ms = 2500;
	uint64_t t1;

	tcb_established();
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms,
	    sizeof(ms)), XT_OK);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_NODELAY, &ms,
	    sizeof(ms)), XT_OK);
	send_all(sk, "ab", 2);
	tx_clear();
	advance_to(now + 1000);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN, NULL, 0);
	t1 = now;
	advance_to(t1 + 2499000);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	tx_clear();
	advance_to(t1 + 2500000);
	expect_state(sk, XT_TCPS_CLOSED);
	finish(1);
}
END_TEST

START_TEST(wire_passive_rtt_sample)
{
	/* Linux times its SYN-ACK: the passive side's first RTO follows
	 * the handshake's RTT (10 ms: the 200 ms floor) instead of the
	 * initial 1 s */
	struct xtcp_sock *c;

	engine_with(hook_rto_min_200);
	c = wire_accepted();
	ck_assert_uint_eq(c->t_rtt.nsamples, 1);
	ck_assert_uint_eq(c->t_rtt.srtt_us, RTT);
	send_all(c, "data", 4);
	tx_one(__LINE__);
	advance_to(now + 200000 - 1);
	expect_no_tx();
	advance_to(now + 1);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "data",
	    4);
	finish(2);
}
END_TEST

START_TEST(wire_passive_rtt_karn)
{
	/* Karn (RFC 6298 §3): no sample when the SYN-ACK went twice, by
	 * our timer (_i == 0) or because the peer resent its SYN */
	struct xtcp_sock *c = NULL;

	tcb_syn_received();
	if (_i == 0) {
		advance_to(now + RTO);
		expect_tx(XT_TH_SYN | XT_TH_ACK, iss, PEER_ISS + 1);
	} else {
		now += RTT;
		peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1400);
		expect_tx(XT_TH_SYN | XT_TH_ACK, iss, PEER_ISS + 1);
	}
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	ck_assert_uint_eq(c->t_rtt.nsamples, 0);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_rtt_samples"), 0);
	finish(2);
}
END_TEST

/* ---- socket API conformance (issue 10): inheritance, poll, options ---- */

/* Linux 6.x: an accepted socket takes the listener's options, but not
 * TCP_FASTOPEN (measured; see xt_tcp_inherit). */
START_TEST(api_child_inherits)
{
	struct xtcp_sock *c = NULL;
	struct linger lg = { 1, 9 };
	int one = 1, v;
	size_t l;

	ck_assert_int_eq(xtcp_socket(eng, &lsk), XT_OK);
	ck_assert_int_eq(xtcp_setopt(lsk, SOL_SOCKET, SO_OOBINLINE, &one,
	    sizeof(one)), XT_OK);
	ck_assert_int_eq(xtcp_setopt(lsk, SOL_SOCKET, SO_ZEROCOPY, &one,
	    sizeof(one)), XT_OK);
	ck_assert_int_eq(xtcp_setopt(lsk, SOL_SOCKET, SO_LINGER, &lg,
	    sizeof(lg)), XT_OK);
	ck_assert_int_eq(xtcp_setopt(lsk, IPPROTO_TCP, TCP_CONGESTION, "cubic",
	    5), XT_OK);
	v = 12345;
	ck_assert_int_eq(xtcp_setopt(lsk, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &v,
	    sizeof(v)), XT_OK);
	v = 33;
	ck_assert_int_eq(xtcp_setopt(lsk, IPPROTO_TCP, TCP_LINGER2, &v,
	    sizeof(v)), XT_OK);
	ck_assert_int_eq(xtcp_setopt(lsk, IPPROTO_TCP, TCP_CORK, &one,
	    sizeof(one)), XT_OK);
	ck_assert_int_eq(xtcp_setopt(lsk, IPPROTO_IP, IP_FREEBIND, &one,
	    sizeof(one)), XT_OK);
	v = 5;
	ck_assert_int_eq(xtcp_setopt(lsk, IPPROTO_TCP, TCP_FASTOPEN, &v,
	    sizeof(v)), XT_OK);
	ck_assert_int_eq(xtcp_bind(lsk, 0, LISTEN_PORT), XT_OK);
	ck_assert_int_eq(xtcp_listen(lsk, 4), XT_OK);
	lport = LISTEN_PORT;
	pport = PEER_CPORT;
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1400);
	iss = tx_one(__LINE__)->seq;
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	tx_clear();
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	ck_assert(c->t_flags & XT_TF_OOBINLINE);
	ck_assert(!(c->t_flags & XT_TF_LINGER0) && c->linger_s == 9);
	ck_assert_str_eq(c->t_cc->name, "cubic");
	ck_assert_uint_eq(c->t_notsent_lowat, 12345);
	ck_assert_int_eq(c->t_linger2_s, 33);
	ck_assert_uint_eq(c->t_cork_opt, 1);
	ck_assert_uint_eq(c->so_zerocopy, 1);
	ck_assert_uint_eq(c->ip_freebind, 1);
	l = sizeof(v);
	ck_assert_int_eq(xtcp_getopt(c, IPPROTO_TCP, TCP_FASTOPEN, &v, &l),
	    XT_OK);
	ck_assert_int_eq(v, 0);
	finish(2);
}
END_TEST

/* Linux tcp_poll: shutdown(SHUT_RD) plus our FIN is a hang-up; a new
 * socket is POLLOUT|POLLHUP; a refused connect, once reported by
 * connect(), leaves the socket as new. */
START_TEST(api_poll_states)
{
	const struct xt_tcp_repr *th;

	ck_assert_int_eq(xtcp_socket(eng, &sk), XT_OK);
	ck_assert_uint_eq(xtcp_poll(sk), XTCP_POLLOUT | XTCP_POLLHUP);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_EINPROGRESS);
	lport = sk->lport;
	th = tx_one(__LINE__);
	peer_sends(XT_TH_RST | XT_TH_ACK, 0, th->seq + 1, 0, NULL, 0);
	ck_assert_uint_eq(xtcp_poll(sk), XTCP_POLLIN | XTCP_POLLOUT |
	    XTCP_POLLERR | XTCP_POLLHUP | XTCP_POLLRDHUP);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_ECONNREFUSED);
	ck_assert_uint_eq(xtcp_poll(sk), XTCP_POLLOUT | XTCP_POLLHUP);
	xtcp_close(sk, now);
	sk = NULL;
	finish(0);
}
END_TEST

START_TEST(api_poll_shut_rdwr)
{
	tcb_established();
	ck_assert_int_eq(xtcp_shutdown(sk, now, 0), XT_OK);
	ck_assert_uint_eq(xtcp_poll(sk), XTCP_POLLIN | XTCP_POLLOUT |
	    XTCP_POLLRDHUP);
	ck_assert_int_eq(xtcp_shutdown(sk, now, 1), XT_OK);
	ck_assert_uint_eq(xtcp_poll(sk), XTCP_POLLIN | XTCP_POLLOUT |
	    XTCP_POLLHUP | XTCP_POLLRDHUP);
	finish(1);
}
END_TEST

/* Linux tcp_poll with TCP_NOTSENT_LOWAT: writable only while twice the
 * unsent bytes are below the mark. */
START_TEST(api_notsent_lowat_half)
{
	static uint8_t d[700];
	int lowat = 1000;

	tcb_established();
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, 0, NULL, 0);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_NOTSENT_LOWAT,
	    &lowat, sizeof(lowat)), XT_OK);
	send_all(sk, d, 400);
	ck_assert_uint_ne(xtcp_poll(sk) & XTCP_POLLOUT, 0);	/* 800 < 1000 */
	send_all(sk, d, 100);
	ck_assert_uint_eq(xtcp_poll(sk) & XTCP_POLLOUT, 0);	/* 1000 */
	ck_assert_uint_eq(xtcp_sock_unsent(sk), 500);
	finish(1);
}
END_TEST

/* MSG_ZEROCOPY completions: one id per call, merged into one range until
 * read, POLLERR while pending; nothing without SO_ZEROCOPY. */
START_TEST(api_zerocopy_ids)
{
	uint32_t lo, hi;
	int one = 1;

	tcb_established();
	xtcp_zerocopy_sent(sk);
	ck_assert_int_eq(xtcp_take_zerocopy(sk, &lo, &hi), XT_EAGAIN);
	ck_assert_int_eq(xtcp_setopt(sk, SOL_SOCKET, SO_ZEROCOPY, &one,
	    sizeof(one)), XT_OK);
	xtcp_zerocopy_sent(sk);
	xtcp_zerocopy_sent(sk);
	ck_assert_uint_ne(xtcp_poll(sk) & XTCP_POLLERR, 0);
	ck_assert_int_eq(xtcp_take_zerocopy(sk, &lo, &hi), XT_OK);
	ck_assert_uint_eq(lo, 0);
	ck_assert_uint_eq(hi, 1);
	ck_assert_uint_eq(xtcp_poll(sk) & XTCP_POLLERR, 0);
	xtcp_zerocopy_sent(sk);
	ck_assert_int_eq(xtcp_take_zerocopy(sk, &lo, &hi), XT_OK);
	ck_assert_uint_eq(lo, 2);
	ck_assert_uint_eq(hi, 2);
	finish(1);
}
END_TEST

/* Linux do_ip_setsockopt/getsockopt: one byte in, one byte out; and
 * IP_BIND_ADDRESS_NO_PORT leaves the port to connect. */
START_TEST(api_ip_opts)
{
	uint8_t b = 0x20;
	size_t l = 1;
	uint32_t a;
	uint16_t p;
	int one = 1;

	ck_assert_int_eq(xtcp_socket(eng, &sk), XT_OK);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_IP, IP_TOS, &b, 1), XT_OK);
	b = 0;
	ck_assert_int_eq(xtcp_getopt(sk, IPPROTO_IP, IP_TOS, &b, &l), XT_OK);
	ck_assert_uint_eq(l, 1);
	ck_assert_uint_eq(b, 0x20);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT,
	    &one, sizeof(one)), XT_OK);
	ck_assert_int_eq(xtcp_bind(sk, 0, 0), XT_OK);
	ck_assert_int_eq(xtcp_getsockname(sk, &a, &p), XT_OK);
	ck_assert_uint_eq(p, 0);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_EINPROGRESS);
	ck_assert_int_eq(xtcp_getsockname(sk, &a, &p), XT_OK);
	ck_assert_uint_ne(p, 0);
	lport = p;
	(void)tx_one(__LINE__);
	finish(1);
}
END_TEST

static void
api_add_tcase(Suite *s)
{
	TCase *tc = tcase_create("api");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, api_child_inherits);
	tcase_add_test(tc, api_poll_states);
	tcase_add_test(tc, api_poll_shut_rdwr);
	tcase_add_test(tc, api_notsent_lowat_half);
	tcase_add_test(tc, api_zerocopy_ids);
	tcase_add_test(tc, api_ip_opts);
	suite_add_tcase(s, tc);
}

Suite *
xt_suite_tcp(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("tcp");

	tc = tcase_create("open");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, active_open);
	tcase_add_test(tc, synsent_rst_refused);
	tcase_add_test(tc, synsent_rst_so_error);
	tcase_add_test(tc, synsent_rst_bad_ack_ignored);
	tcase_add_test(tc, synsent_bad_ack_rst);
	tcase_add_test(tc, synsent_timeout);
	tcase_add_test(tc, simultaneous_open);
	tcase_add_test(tc, simultaneous_open_synack);
	tcase_add_test(tc, passive_open);
	tcase_add_test(tc, passive_open_data);
	tcase_add_test(tc, synrcvd_bad_ack_rst);
	tcase_add_test(tc, synrcvd_rst);
	tcase_add_test(tc, synrcvd_syn_retransmit);
	tcase_add_test(tc, closed_port_rst);
	tcase_add_test(tc, listen_ack_rst);
	suite_add_tcase(s, tc);

	tc = tcase_create("rfc5961");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rst_exact_resets);
	tcase_add_test(tc, rst_in_window_challenge);
	tcase_add_test(tc, syn_in_established_challenge);
	tcase_add_test(tc, ack_too_much);
	tcase_add_test(tc, unacceptable_data_acked);
	suite_add_tcase(s, tc);

	tc = tcase_create("data");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, data_in_order);
	tcase_add_test(tc, data_out_of_order);
	tcase_add_test(tc, delack_full_segment);
	tcase_add_test(tc, delack_two_full_segments);
	tcase_add_test(tc, delack_small_segment);
	tcase_add_test(tc, delack_piggyback);
	tcase_add_test(tc, quickack_at_start);
	suite_add_tcase(s, tc);

	tc = tcase_create("close");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, active_close);
	tcase_add_test(tc, active_close_by_close);
	tcase_add_test(tc, orphan_fin_wait_2_timeout);
	tcase_add_test(tc, timewait_fin_retransmit);
	tcase_add_test(tc, timewait_ack_retransmit_only);
	tcase_add_test(tc, passive_close);
	tcase_add_test(tc, passive_close_fin_with_data);
	tcase_add_test(tc, fin_out_of_order);
	tcase_add_test(tc, simultaneous_close);
	tcase_add_test(tc, fin_wait_1_fin_ack);
	tcase_add_test(tc, fin_retransmitted);
	tcase_add_test(tc, close_unread_rst);
	tcase_add_test(tc, linger0_rst);
	tcase_add_test(tc, data_after_close_rst);
	tcase_add_test(tc, rst_in_last_ack_frees);
	suite_add_tcase(s, tc);

	tc = tcase_create("send");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rexmit_backoff_timeout);
	tcase_add_test(tc, rexmit_ack_stops_timer);
	tcase_add_test(tc, rexmit_partial_ack_rearms);
	tcase_add_test(tc, zero_window_persist);
	tcase_add_test(tc, window_limits_data);
	tcase_add_test(tc, sws_override_timeout);
	tcase_add_test(tc, nows_no_spurious_window_update);
	tcase_add_test(tc, nagle_holds_small);
	tcase_add_test(tc, nagle_nodelay);
	tcase_add_test(tc, nagle_full_segment_goes);
	tcase_add_test(tc, fast_retransmit);
	tcase_add_test(tc, fast_retransmit_partial_ack);
	tcase_add_test(tc, dupack_rules);
	suite_add_tcase(s, tc);

	tc = tcase_create("timeouts");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, keepalive_probes_and_drop);
	tcase_add_test(tc, user_timeout_drops);
	tcase_add_test(tc, syncnt_bounds_syn);
	tcase_add_test(tc, connect_then_reset_reports_success);
	suite_add_tcase(s, tc);

	tc = tcase_create("options");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, cork_holds_partial);
	tcase_add_test(tc, msg_more_corks_one_send);
	tcase_add_test(tc, notsent_lowat_writability);
	tcase_add_test(tc, window_clamp_bounds_window);
	suite_add_tcase(s, tc);

	tc = tcase_create("frto");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, frto_spurious_timeout);
	tcase_add_test(tc, tlp_window_limited_resends_last_sent);
	tcase_add_test(tc, tlp_new_data_single_segment);
	tcase_add_test(tc, rack_timer_finds_loss_below_dupthresh);
	tcase_add_test(tc, rack_lost_retransmission);
	tcase_add_test(tc, eifel_undoes_spurious_recovery);
	tcase_add_test(tc, eifel_keeps_real_recovery);
	suite_add_tcase(s, tc);

	tc = tcase_create("pmtu");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, pmtu_icmp_lowers_mss);
	tcase_add_test(tc, pmtud_blackhole_lowers_mss);
	suite_add_tcase(s, tc);

	tc = tcase_create("tunables");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tunable_blackhole);
	tcase_add_test(tc, tunable_insecure_rst);
	tcase_add_test(tc, tunable_no_delayed_ack);
	tcase_add_test(tc, syncookie_handshake);
	tcase_add_test(tc, syncookie_on_overflow);
	suite_add_tcase(s, tc);

	tc = tcase_create("fastopen");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tfo_server);
	tcase_add_test(tc, tfo_client);
	suite_add_tcase(s, tc);

	tc = tcase_create("urgent");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, urgent_receive);
	tcase_add_test(tc, urgent_inline);
	tcase_add_test(tc, urgent_send);
	suite_add_tcase(s, tc);

	tc = tcase_create("ecn");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ecn_passive_negotiation);
	tcase_add_test(tc, ecn_not_requested);
	tcase_add_test(tc, ecn_ce_echoed_until_cwr);
	tcase_add_test(tc, ecn_ece_reduces_once);
	suite_add_tcase(s, tc);

	tc = tcase_create("small_mtu");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, small_mtu_sack_and_data, 0,
	    (int)(sizeof(small_mtus) / sizeof(small_mtus[0])));
	tcase_add_loop_test(tc, small_mtu_syn_options, 0,
	    (int)(sizeof(small_mtus) / sizeof(small_mtus[0])));
	tcase_add_test(tc, pmtu_icmp_tcpi_pmtu);
	suite_add_tcase(s, tc);

	tc = tcase_create("hardening");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, timewait_held_syn_no_listener);
	tcase_add_test(tc, timewait_held_syn_listener);
	tcase_add_test(tc, timewait_orphan_syn_recycled);
	tcase_add_test(tc, timewait_orphan_syn_no_listener);
	tcase_add_test(tc, mss_tiny_option);
	tcase_add_test(tc, rfc1337_rst_keeps_timewait);
	tcase_add_test(tc, rfc1337_off_rst_ends_timewait);
	tcase_add_test(tc, ack_too_old_challenge);
	tcase_add_test(tc, ratelimit_challenge_acks);
	tcase_add_test(tc, ratelimit_oow_acks);
	tcase_add_test(tc, ratelimit_per_connection);
	tcase_add_test(tc, ratelimit_off);
	suite_add_tcase(s, tc);

	tc = tcase_create("synflood");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, synflood_costs_no_sockets);
	tcase_add_test(tc, synflood_entry_expires);
	tcase_add_test(tc, synflood_rst_kills_entry);
	tcase_add_test(tc, synflood_icmp_kills_entry);
	tcase_add_test(tc, synflood_accept_queue_full);
	tcase_add_test(tc, synflood_synack_rtt_sample);
	tcase_add_test(tc, synflood_no_cookies_drops);
	tcase_add_test(tc, synflood_relisten_resizes);
	tcase_add_test(tc, synflood_tfo_request_no_socket);
	suite_add_tcase(s, tc);

	tc = tcase_create("keys");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rto_gobackn_no_recovery_from_dupacks);
	suite_add_tcase(s, tc);

	tc = tcase_create("wire");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, wire_idle_active_open, 0, 2);
	tcase_add_loop_test(tc, wire_idle_passive_open, 0, 2);
	tcase_add_test(tc, wire_idle_simultaneous_open);
	tcase_add_test(tc, wire_read_opens_window);
	tcase_add_test(tc, wire_read_one_segment_no_update);
	tcase_add_test(tc, wire_keepinit_active);
	tcase_add_test(tc, wire_keepinit_passive);
	tcase_add_test(tc, wire_user_timeout_on_time);
	tcase_add_test(tc, wire_user_timeout_restarts_on_ack);
	tcase_add_test(tc, wire_passive_rtt_sample);
	tcase_add_loop_test(tc, wire_passive_rtt_karn, 0, 2);
	suite_add_tcase(s, tc);

	api_add_tcase(s);

	return (s);
}

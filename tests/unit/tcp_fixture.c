/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_fixture.c - the shared fixture of the TCP unit suites: the capture
 * device, the fixture state, the engine at a fake clock, the peer's
 * segments, what went out, and the builders of a TCB in a known state
 * (tcb_syn_sent(), tcb_established(), tcb_established_opts(),
 * tcb_listen(), tcb_syn_received()).  tcp_fixture.h says how a test uses
 * them; the tests themselves are in check_tcp_*.c.
 *
 * Read first: RFC 9293 §3.10 (event processing).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/uio.h>

#include <check.h>

#include "tcp_fixture.h"
#include "xt_engine.h"
#include "net/net.h"
#include "tcp/tcp_timewait.h"

const uint8_t our_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };

/* ---- capture device ---- */

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

struct capdev cap;
struct xtcp_config cfg;
int test_fastopen = 1;		/* cfg.fastopen for engine_up() */
void (*cfg_hook)(struct xtcp_config *);	/* test's own tunables */
struct xtcp_engine *eng;
struct xtcp_sock *sk;		/* the connection under test */
struct xtcp_sock *lsk;		/* a listener */
uint64_t now;
xt_seq_t iss;			/* our ISN, from the captured SYN */
uint16_t lport;			/* our port of the connection */
uint16_t pport;			/* the peer's port */
int peer_ws;			/* peer's WS option, -1 none */
uint8_t peer_tos;		/* IPv4 TOS of the peer's segments */

/* The copy of the last segment expect_tx() returned. */
struct xt_tcp_repr last;

void
tx_clear(void)
{
	cap.n = 0;
}

/* Frame i of the capture, which must be TCP: header into *th. */
void
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
uint8_t
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
const char *
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
const struct xt_tcp_repr *
tx_one(int line)
{
	ck_assert_msg(cap.n == 1, "line %d: %u frames sent, want 1:%s", line,
	    cap.n, tx_describe());
	tx_seg(0, &last);
	tx_clear();
	return (&last);
}

const struct xt_tcp_repr *
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

/* Hand one frame to the engine at `now`; its replies are flushed. */
void
inject(const uint8_t *frame, size_t len)
{
	xtcp_engine_input(eng, now, frame, len, 0);
}

/* The peer sends the segment *r (ports filled in here) with data. */
void
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
void
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
void
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
void
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
void
advance_to(uint64_t t)
{
	ck_assert_uint_ge(t, now);
	now = t;
	xtcp_engine_poll(eng, now);
}

/* The program reads; expects exactly the bytes of want. */
void
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

void
send_all(struct xtcp_sock *s, const void *data, size_t len)
{
	size_t sent = 0;

	ck_assert_int_eq(xtcp_send(s, now, data, len, 0, &sent), XT_OK);
	ck_assert_uint_eq(sent, len);
}

/* Bring the engine up with the test configuration; the peer's MAC is
 * learnt and nothing is left in the capture. */
void
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

void
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

/* The demultiplexing tables agree with the TCBs (tcp_subr.c). */
static void
tables_ok(void)
{
	const char *why = xt_tcp_tables_check(eng);

	ck_assert_msg(why == NULL, "demux tables: %s", why);
}

/*
 * Free the engine, first checking that its allocator got back every
 * byte but the transmit batch's once the TCBs, the ARP queues and the
 * tables are gone (issue 12: every engine allocation is accounted).
 */
static void
engine_free_checked(void)
{
	uint64_t tx = (uint64_t)XT_TX_BATCH * eng->txbuf_size;

	while (eng->tcbs != NULL)
		xt_tcp_free(eng->tcbs);
	xt_arp_free_all(eng);
	/* the tables too (TIME-WAIT entries, demux, timer heap), as
	 * xtcp_engine_free does: all they held was counted */
	xt_tw_destroy(eng);
	xt_tcp_tables_free(eng);
	xt_tcp_timers_fini(eng);
	ck_assert_msg(eng->mem.used == tx, "engine memory: %llu bytes not "
	    "given back", (unsigned long long)(eng->mem.used - tx));
	xtcp_engine_free(eng);
	eng = NULL;
}

void
teardown(void)
{
	if (eng != NULL) {
		tables_ok();
		engine_free_checked();
	}
	eng = NULL;
}

/* The connection the last segment belongs to: sk, or the listener's
 * child. */
struct xtcp_sock *
sk_under_test(void)
{
	struct xtcp_sock *tp;

	tp = xt_tcp_lookup(eng, OUR_IP, lport, PEER_IP, pport, 0);
	ck_assert_ptr_nonnull(tp);
	return (tp);
}

/* End of a test: the engine holds exactly ntcb TCBs; free it. */
void
finish(unsigned ntcb)
{
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), ntcb);
	tables_ok();
	engine_free_checked();
}

/* Leave the quick-ACK mode a new connection starts in (Linux: setting
 * TCP_QUICKACK to 0), so delayed-ACK rules can be tested. */
void
no_quickack(struct xtcp_sock *s)
{
	int zero = 0;

	ck_assert_int_eq(xtcp_setopt(s, IPPROTO_TCP, TCP_QUICKACK, &zero,
	    sizeof(zero)), XT_OK);
}

/* SO_KEEPALIVE on s with TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT. */
void
keepalive_on(struct xtcp_sock *s, int idle, int intvl, int cnt)
{
	int one = 1;

	ck_assert_int_eq(xtcp_setopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &idle,
	    sizeof(idle)), XT_OK);
	ck_assert_int_eq(xtcp_setopt(s, IPPROTO_TCP, TCP_KEEPINTVL, &intvl,
	    sizeof(intvl)), XT_OK);
	ck_assert_int_eq(xtcp_setopt(s, IPPROTO_TCP, TCP_KEEPCNT, &cnt,
	    sizeof(cnt)), XT_OK);
	ck_assert_int_eq(xtcp_setopt(s, SOL_SOCKET, SO_KEEPALIVE, &one,
	    sizeof(one)), XT_OK);
}

/* The peer answers our Fast Open cookie request, the SYN th on sk, with
 * a SYN-ACK carrying an 8-byte cookie; sk is then closed, so the next
 * connection to the peer has the cookie to send (RFC 7413 §4.1). */
void
peer_grants_tfo_cookie(const struct xt_tcp_repr *th)
{
	struct xt_tcp_repr r;

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
}

/* ---- fixtures ---- */

/* connect(): the SYN goes out; returns with sk in SYN-SENT, iss known. */
void
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
void
tcb_established(void)
{
	tcb_syn_sent();
	now += RTT;
	peer_sends_syn(XT_TH_SYN | XT_TH_ACK, PEER_ISS, iss + 1, MSS);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_ESTABLISHED);
}

/* A listener on LISTEN_PORT; the peer will connect from PEER_CPORT. */
void
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
void
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

/* The peer offers a window of 2 MSS + 100; the program sends len bytes
 * (more than that) with TCP_NODELAY: two full segments go. */
void
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

/* Active open with SACK permitted by the peer (RFC 2018 §2) and, with
 * ts, timestamps (RFC 7323 §3; the peer's TSval is PEER_TSVAL). */
void
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

/* Restart the engine with a tunable set by hook. */
void
engine_with(void (*hook)(struct xtcp_config *))
{
	xtcp_engine_free(eng);
	cfg_hook = hook;
	engine_up();
	cfg_hook = NULL;
}

void
hook_rto_min_200(struct xtcp_config *c)
{
	c->rto_min_ms = 200;
}

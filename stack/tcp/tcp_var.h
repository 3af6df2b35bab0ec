/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_var.h - the TCP control block and the engine-internal TCP entry
 * points, grouped by the file that defines them.
 *
 * One struct xtcp_sock per socket and per connection: the socket the
 * program holds is the TCB (as in FreeBSD, socket and inpcb/tcpcb folded
 * together).  Field names follow RFC 9293 §3.3.1; implementation fields
 * carry a t_ prefix and their unit.  Half-open passive connections have
 * no TCB: they are SYN cache entries (tcp_syncache.h).
 *
 * Read first: RFC 9293 §3.3 (states, variables), §3.10 (event processing).
 */
#ifndef XT_TCP_VAR_H
#define XT_TCP_VAR_H

#include <stdint.h>

#include "buf/assembler.h"
#include "buf/ring.h"
#include "tcp/tcp_cc.h"
#include "tcp/tcp_rtt.h"
#include "tcp/tcp_sack.h"
#include "tcp/tcp_seq.h"
#include "wire/tcp.h"

struct xtcp_engine;
struct xt_syncache;
struct xt_tcp_seg;

/* RFC 9293 §3.3.2: the eleven states */
enum xt_tcp_state {
	XT_TCPS_CLOSED = 0,
	XT_TCPS_LISTEN,
	XT_TCPS_SYN_SENT,
	XT_TCPS_SYN_RECEIVED,
	XT_TCPS_ESTABLISHED,
	XT_TCPS_FIN_WAIT_1,
	XT_TCPS_FIN_WAIT_2,
	XT_TCPS_CLOSE_WAIT,
	XT_TCPS_CLOSING,
	XT_TCPS_LAST_ACK,
	XT_TCPS_TIME_WAIT,
	XT_TCPS_NSTATES
};

/* States in which the connection is synchronized (RFC 9293 §3.5.2). */
#define XT_TCPS_HAVERCVDSYN(s)	((s) >= XT_TCPS_SYN_RECEIVED)
#define XT_TCPS_SYNCHRONIZED(s)	((s) >= XT_TCPS_ESTABLISHED)

/* The least MSS taken from a peer, before options are subtracted (Linux
 * tcp_min_snd_mss; RFC 9293 §3.7.1 sets no floor; RFC 6691) */
#define XT_TCP_MIN_SND_MSS	48

/* t_flags */
#define XT_TF_ACKNOW		0x00000001	/* send an ACK at the next output */
#define XT_TF_DELACK		0x00000002	/* an ACK is owed (delayed) */
#define XT_TF_NODELAY		0x00000004	/* TCP_NODELAY: no Nagle */
#define XT_TF_SENTFIN		0x00000008	/* our FIN has been sent */
#define XT_TF_FINQUEUED		0x00000010	/* shutdown(WR)/close: FIN after the data */
#define XT_TF_RCVDFIN		0x00000020	/* peer's FIN received (EOF) */
#define XT_TF_ORPHAN		0x00000040	/* the program closed its handle */
#define XT_TF_BOUND		0x00000080	/* local address/port set */
#define XT_TF_CONNCALLED	0x00000100	/* connect() called, result not yet reported */
#define XT_TF_REUSEADDR		0x00000200	/* SO_REUSEADDR */
#define XT_TF_KEEPALIVE		0x00000400	/* SO_KEEPALIVE (stored) */
#define XT_TF_RDSHUT		0x00000800	/* shutdown(RD) */
#define XT_TF_WS_OK		0x00001000	/* both sides sent window scale (RFC 7323 §2.2) */
#define XT_TF_INRECOVERY	0x00002000	/* in loss recovery: RFC 6582 or RFC 6675 */
#define XT_TF_REUSEPORT		0x00004000	/* SO_REUSEPORT (stored) */
#define XT_TF_WASCONN		0x00008000	/* reached ESTABLISHED once */
#define XT_TF_LINGER0		0x00010000	/* SO_LINGER with l_linger 0 */
#define XT_TF_CONNREPORTED	0x00020000	/* connect success reported once */
#define XT_TF_RCVSHUT		0x00040000	/* no more data will arrive (FIN or reset) */
#define XT_TF_FORCE		0x00080000	/* persist: send what the window allows */
#define XT_TF_TS_OK		0x00100000	/* timestamps negotiated (RFC 7323 §3.2) */
#define XT_TF_SACK_OK		0x00200000	/* SACK-permitted both ways (RFC 2018 §2) */
#define XT_TF_CWND_LIMITED	0x00400000	/* output last stopped on cwnd (RFC 7661) */
#define XT_TF_ECN_OK		0x00800000	/* ECN negotiated (RFC 3168 §6.1.1) */
#define XT_TF_ECE_SEND		0x01000000	/* CE seen: set ECE until CWR arrives */
#define XT_TF_CWR_SEND		0x02000000	/* reduced cwnd: set CWR on next data */
#define XT_TF_ECN_SYN		0x04000000	/* the peer's SYN asked for ECN */
#define XT_TF_OOBINLINE		0x08000000	/* SO_OOBINLINE */
#define XT_TF_HAVEMARK		0x10000000	/* an urgent byte is pending (rcv_mark) */
#define XT_TF_HAVEOOB		0x20000000	/* t_oobbyte holds the unread urgent byte */
#define XT_TF_SNDURG		0x40000000	/* snd_up is valid */
#define XT_TF_CORK		0x80000000u	/* TCP_CORK or MSG_MORE: full segments only */

/*
 * A local port in use (tcp_subr.c keeps one per port that a socket is
 * bound to or listens on): the counts the bind rules need and the
 * listeners a SYN may go to, so that neither walks the other TCBs.
 * Bound sockets are counted by category: XT_PCAT(SO_REUSEADDR,
 * SO_REUSEPORT, class), the class being XT_PCLS_*.
 */
#define XT_PCLS_OTHER		0	/* neither of the two below */
#define XT_PCLS_LISTEN		1	/* LISTEN */
#define XT_PCLS_TIMEWAIT	2	/* TIME-WAIT */
#define XT_PCAT(ra, rp, cls)	((cls) * 4 + (ra) * 2 + (rp))
#define XT_PCAT_N		12
#define XT_PCAT_NONE		0xff	/* t_pcat: not counted as bound */
#define XT_PCAT_UNCONN		0x80	/* t_pcat: bound and without a peer */
struct xt_port {
	struct xt_port		*p_next;	/* hash chain */
	struct xtcp_sock	*p_listeners;	/* LISTEN sockets, the last
						 * to listen first */
	uint32_t		p_nref;		/* TCBs whose t_port this is */
	uint32_t		p_ntw;		/* TIME-WAIT entries on the port
						 * (tcp_timewait.c) */
	uint32_t		p_nbound;	/* bound sockets (XT_TF_BOUND) */
	uint32_t		p_nunconn;	/* of them, those without a peer */
	uint32_t		p_ncat[XT_PCAT_N]; /* bound sockets by XT_PCAT */
	uint16_t		p_port;		/* host order */
};

/* t_filed: the tables a TCB is in (xt_tcp_rehash keeps them true) */
#define XT_FILED_CONN		0x01	/* the 4-tuple table (t_hnext) */
#define XT_FILED_LISTEN		0x02	/* its port's listeners (t_hnext) */
#define XT_FILED_SYNSENT	0x04	/* the engine's SYN-SENT list (t_cnext) */

/*
 * Units of work (a segment's input, one TCB's timers, a user call): a
 * holder of the caller's lock that dies inside one leaves the TCBs it
 * stamped in it half changed, to be reset (xtcp_engine_owner_dead); one
 * that dies between two left everything whole.  The shim ends a user
 * call's unit when it releases the lock (xtcp_engine_work_done).
 */
#define XT_WORK_BEGIN(eng)	((eng)->work_seq++, (eng)->work_open = 1)
#define XT_WORK_END(eng)	((eng)->work_open = 0)
#define XT_TCB_HOLD(tp)	((tp)->t_hold = (tp)->eng->work_seq)

struct xtcp_sock {
	struct xtcp_engine	*eng;
	struct xtcp_sock	*next;		/* engine's list of TCBs */
	struct xtcp_sock	*prev;
	uint32_t		t_tmidx;	/* 1 + place in the timer heap,
						 * 0 = not in it (tcp_timer.c) */
	uint32_t		t_tmdue;	/* 1 + place in the due TCBs
						 * being run, 0 = none */
	uint64_t		t_serial;	/* allocation order: due
						 * timers run newest first */
	uint64_t		t_hold;		/* eng->work_seq of the last
						 * unit of work that changed
						 * it (XT_TCB_HOLD) */
	uint32_t		user;		/* the shim's handle; 0 once orphaned */
	enum xt_tcp_state	state;
	uint32_t		t_flags;	/* XT_TF_* */

	/* demultiplexing: where xt_tcp_rehash filed the TCB (tcp_subr.c) */
	struct xtcp_sock	*t_hnext;	/* 4-tuple chain, or its port's
						 * listeners (never both) */
	struct xtcp_sock	**t_hpprev;	/* what points at it there */
	struct xt_port		*t_port;	/* port it is bound to or listens
						 * on, NULL for none */
	uint32_t		t_hash;		/* keyed hash of the 4-tuple filed */
	uint8_t			t_filed;	/* XT_FILED_* */
	uint8_t			t_pcat;		/* XT_PCAT it counts as on t_port,
						 * | XT_PCAT_UNCONN; or XT_PCAT_NONE */

	/* addresses, host order */
	uint32_t		laddr;
	uint32_t		faddr;
	uint16_t		lport;
	uint16_t		fport;

	/* send sequence variables (RFC 9293 §3.3.1) */
	xt_seq_t		iss;
	xt_seq_t		snd_una;	/* oldest unacknowledged */
	xt_seq_t		snd_nxt;	/* next to send */
	xt_seq_t		snd_max;	/* highest sent + 1 */
	xt_seq_t		snd_wl1;	/* seq of last window update */
	xt_seq_t		snd_wl2;	/* ack of last window update */
	uint32_t		snd_wnd;	/* peer's window, bytes (scaled) */
	uint32_t		max_sndwnd;	/* largest window the peer offered */
	xt_seq_t		snd_buf_seq;	/* seq of the first byte in snd_buf */
	struct xt_ring		snd_buf;	/* unacknowledged + unsent data */

	/* receive sequence variables */
	xt_seq_t		irs;
	xt_seq_t		rcv_nxt;	/* next expected */
	xt_seq_t		rcv_adv;	/* right edge we advertised */
	/* urgent data (RFC 9293 §3.8.5; BSD/Linux: the pointer is one past
	 * the urgent byte, RFC 6093) */
	xt_seq_t		rcv_mark;	/* seq of the urgent byte received */
	uint8_t			t_oobbyte;	/* it, when taken out of band */
	xt_seq_t		snd_up;		/* one past our urgent byte */
	struct xt_ring		rcv_buf;	/* in-order data; OOO data beyond */
	struct xt_asm		rcv_asm;	/* OOO ranges past rcv_nxt */
	uint32_t		t_segs_unacked;	/* full-sized segments since our last ACK */

	/* RFC 7323 timestamps */
	uint32_t		ts_offset;	/* TSval offset, ms (xt_tcp_ts_offset) */
	uint32_t		ts_recent;	/* TS.Recent (§4.3) */
	uint64_t		ts_recent_age_us; /* when ts_recent was set */
	xt_seq_t		last_ack_sent;	/* Last.ACK.sent (§4.3) */
	/* RFC 2018 SACK generation: the block holding the latest OOO data */
	xt_seq_t		sack_last;	/* a sequence number inside it */
	xt_seq_t		dsack_lo;	/* RFC 2883: duplicate range to report */
	xt_seq_t		dsack_hi;	/* (empty when lo == hi) */

	/* options */
	uint16_t		t_maxseg;	/* send MSS, bytes */
	uint16_t		t_advmss;	/* MSS we advertise, bytes */
	uint16_t		t_user_mss;	/* TCP_MAXSEG set by the user, 0 = none */
	uint8_t			snd_scale;	/* peer's window shift (RFC 7323) */
	uint8_t			rcv_scale;	/* our window shift */
	uint8_t			request_scale;	/* shift we offer in our SYN */

	/* congestion control (tcp_cc.c and the algorithm t_cc names: NewReno,
	 * CUBIC or none) and loss recovery (tcp_recovery.c: RFC 6582
	 * without SACK, RFC 6675 + PRR + RACK with it) */
	uint32_t		snd_cwnd;	/* bytes */
	uint32_t		snd_ssthresh;	/* bytes */
	xt_seq_t		snd_recover;	/* RFC 6582 "recover" */
	uint32_t		t_dupacks;	/* consecutive duplicate ACKs */
	struct xt_scoreboard	t_sb;		/* SACKed ranges (RFC 6675) */
	/*
	 * Send times of first transmissions not yet acknowledged, oldest
	 * first, for RACK (RFC 8985 §6.2): entry i covers from tm[i-1].end
	 * (tm_lo for the first) to tm[i].end, sent between tm[i].t0 and
	 * tm[i].t1 µs.  When full, neighbours merge pairwise: the map then
	 * knows less precisely, never wrongly.  The entries are allocated
	 * while data is outstanding (tcp_recovery.c).
	 */
#define XT_TMAP		128
#define XT_TMAP_MIN	8
	struct xt_tment {
		xt_seq_t	end;
		uint64_t	t0;
		uint64_t	t1;
	}			*tm;		/* tm_cap entries, NULL when 0 */
	xt_seq_t		tm_lo;
	uint16_t		tm_n;		/* entries in use */
	uint16_t		tm_cap;		/* entries allocated */
	/* RACK (RFC 8985 §6): what the newest delivery tells */
	uint64_t		t_rack_xmit_ts;	/* RACK.xmit_ts, µs */
	xt_seq_t		t_rack_end;	/* RACK.end_seq */
	uint32_t		t_rack_rtt_us;	/* RACK.rtt */
	uint8_t			t_rack_reo_mult; /* RACK.reo_wnd_mult (0 = 1) */
	uint8_t			t_rack_reo_persist; /* recoveries left before the
						 * multiplier resets (§6.2.4) */
	unsigned		t_rack_reord:1;	/* RACK.reordering_seen */
	xt_seq_t		t_rack_dsack_rnd; /* no new multiplier step before
						 * snd_una passes this */
	uint64_t		t_rack_at;	/* reordering timer (§6.3) */
	uint32_t		t_prr_delivered; /* RFC 6937 prr_delivered */
	uint32_t		t_prr_out;	/* RFC 6937 prr_out */
	uint32_t		t_recover_fs;	/* RFC 6937 RecoverFS */
	/* undo of spurious loss episodes (RFC 3708 D-SACK detection) */
	uint32_t		t_undo_retrans;	/* retransmissions not yet D-SACKed */
	unsigned		t_undo_ok:1;	/* an episode may still be undone */
	xt_seq_t		t_undo_seq;	/* snd_una when the episode began */
	/* Eifel detection (RFC 3522): the TSval (ms, before the offset) of
	 * the episode's first retransmission; an ACK that echoes an older
	 * one was for the original */
	uint32_t		t_eifel_ms;
	unsigned		t_eifel_armed:1;
	/* buffer autotuning (Linux tcp_rcv_space_adjust, sndbuf expand) */
	unsigned		t_rcvbuf_locked:1; /* SO_RCVBUF set: no autotuning */
	unsigned		t_sndbuf_locked:1; /* SO_SNDBUF set */
	unsigned		t_rcv_memshort:1; /* rcv_buf could not grow: the
						 * window stops at its storage */
	uint32_t		t_rcvq_copied;	/* bytes read in this measurement */
	uint64_t		t_rcvq_time;	/* when the measurement began */
	uint8_t			t_cc;		/* congestion control: its handle
						 * (xt_cc_ops(), 0 = default) */
	_Alignas(8) uint8_t	t_cc_priv[XT_CC_PRIV_MAX]; /* its state */
	uint32_t		t_initcwnd_segs; /* initial window, segments */
	xt_seq_t		t_ecn_recover;	/* no new ECN reaction before this ack */

	/* per-connection counters (TCP_INFO, RFC 4898 names) */
	uint64_t		t_bytes_acked;	/* HCThruOctetsAcked */
	uint64_t		t_bytes_received; /* HCThruOctetsReceived */
	uint64_t		t_bytes_sent;	/* HCDataOctetsOut */
	uint64_t		t_bytes_retrans; /* OctetsRetrans */
	uint32_t		t_segs_in, t_segs_out;
	uint32_t		t_data_segs_in, t_data_segs_out;
	uint32_t		t_total_retrans; /* segments retransmitted */
	uint32_t		t_rcv_ooopack;	/* out-of-order segments received */
	uint64_t		t_last_ack_rx_us; /* last ACK that moved snd_una */
	uint64_t		t_last_data_rx_us; /* last segment with data */

	/* timers: absolute deadlines in µs, 0 = off; written only with
	 * xt_tcp_timer_set(), which keeps the engine's heap right */
	uint64_t		t_rexmt_at;	/* retransmission (also SYN) */
	uint64_t		t_persist_at;	/* zero-window probe */
	uint64_t		t_delack_at;	/* delayed ACK */
	uint64_t		t_2msl_at;	/* TIME-WAIT, orphaned FIN-WAIT-2 */
	uint64_t		t_keep_at;	/* keep-alive check */
	uint64_t		t_tlp_at;	/* tail loss probe (RFC 8985 §7) */
	unsigned		t_tlp_out:1;	/* a probe is out, no ACK since */
	uint16_t		t_bh_saved_mss;	/* MSS before blackhole detection, 0 = none */
	uint16_t		t_pmtu;		/* path MTU an ICMP lowered, 0 = the
					 * engine's MTU (RFC 1191) */
	uint8_t			t_frto;		/* F-RTO (RFC 5682): 0 off, 1 after the
					 * timeout's retransmission, 2 after the
					 * two new segments */
	xt_seq_t		t_frto_max;	/* snd_max when the RTO fired */
	uint32_t		t_keep_probes;	/* unanswered keep-alive probes */
	uint64_t		t_conn_start_us; /* SYN sent or received */
	uint64_t		t_una_since_us;	/* oldest unacked data outstanding since */
	uint32_t		t_user_timeout_ms; /* TCP_USER_TIMEOUT, 0 = off */
	uint32_t		t_syncnt;	/* TCP_SYNCNT, 0 = engine default */
	uint8_t			t_syn_rst_step;	/* t_rxtshift + 1 when a stale ACK's
						 * RST last sent the SYN again */
	uint8_t			t_cork_opt;	/* TCP_CORK set */
	uint8_t			t_more;		/* last send had MSG_MORE */
	uint64_t		t_cork_at;	/* corked partial segment goes then */
	uint32_t		t_notsent_lowat; /* TCP_NOTSENT_LOWAT, 0 = off */
	uint32_t		t_quickacks;	/* TCP_QUICKACK: segments to ACK at once */
	uint32_t		t_window_clamp;	/* TCP_WINDOW_CLAMP, 0 = none */
	int32_t			t_linger2_s;	/* TCP_LINGER2, -1 = engine default */
	uint32_t		t_defer_accept_s; /* TCP_DEFER_ACCEPT (listener) */
	unsigned		t_deferred:1;	/* child waits for data before accept */
	/* TCP Fast Open (RFC 7413) */
	uint32_t		t_tfo_qlen;	/* listener: TCP_FASTOPEN queue, 0 = off */
	unsigned		t_tfo_connect:1; /* TCP_FASTOPEN_CONNECT */
	unsigned		t_defer_connect:1; /* connect() deferred to the first send */
	unsigned		t_tfo_syn:1;	/* our SYN carries a TFO option */
	unsigned		t_tfo_send_cookie:1; /* our SYN-ACK carries a cookie */
	uint32_t		t_tfo_syn_data;	/* data bytes in our SYN */
	uint32_t		t_evseq;	/* input events (data, FIN, error, child) */
	uint32_t		t_rxtshift;	/* consecutive backoffs */
	uint32_t		t_persist_shift;
	struct xt_rtt		t_rtt;		/* RFC 6298 estimator */
	xt_seq_t		t_rtseq;	/* seq being timed */
	uint64_t		t_rtttime;	/* when it was sent, µs; 0 = none timed */
	uint64_t		t_last_rx_us;	/* last segment received */
	uint64_t		t_oow_ack_us;	/* last challenge or out-of-window
						 * ACK, µs; 0 = none (RFC 5961 §7) */
	uint64_t		t_last_tx_us;	/* last data sent */

	/* socket layer */
	int			so_error;	/* pending xt_err for SO_ERROR */
	uint32_t		sndbuf_size;	/* snd_buf capacity, bytes */
	uint32_t		rcvbuf_size;	/* rcv_buf capacity, bytes */
	uint16_t		linger_s;	/* SO_LINGER seconds */
	uint8_t			ip_tos;		/* IP_TOS */
	uint8_t			ip_ttl;		/* IP_TTL, 0 = default */
	unsigned		ip_freebind:1;	/* IP_FREEBIND (stored) */
	unsigned		ip_bind_noport:1; /* IP_BIND_ADDRESS_NO_PORT */
	/* SO_ZEROCOPY: MSG_ZEROCOPY sends are copied and each completes at
	 * once; the completions not yet read form one range of ids */
	unsigned		so_zerocopy:1;
	unsigned		so_zc_pending:1;
	uint32_t		so_zc_next;	/* id of the next zerocopy send */
	uint32_t		so_zc_lo, so_zc_hi; /* pending range */
	uint32_t		keep_idle_s, keep_intvl_s, keep_cnt;	/* stored */

	/*
	 * Listening sockets and their children.  A listener's children
	 * (TCBs not yet accepted) are one doubly linked list whose first
	 * part, up to aq_tail, is the accept queue in order; the rest wait
	 * for their handshake (or TCP_DEFER_ACCEPT's data).  An active open
	 * is nobody's child: t_cnext/t_cprev link it into the engine's
	 * SYN-SENT list instead while it is in that state.
	 */
	struct xtcp_sock	*t_listener;	/* child: listener it came from */
	struct xtcp_sock	*t_chead;	/* listener: first child */
	struct xtcp_sock	*aq_tail;	/* listener: last child in the
						 * accept queue, NULL if empty */
	struct xtcp_sock	*t_cnext;	/* child: next of its listener's */
	struct xtcp_sock	*t_cprev;	/* child: previous one, NULL first */
	uint32_t		t_qlen;		/* listener: children (TCBs, accepted
						 * not yet); half-open ones are in
						 * t_syncache, not here */
	uint32_t		t_backlog;	/* listener: listen(2) backlog */
	struct xt_syncache	*t_syncache;	/* listener: half-open connections
						 * (tcp_syncache.h) */
	unsigned		in_acceptq:1;	/* child is in its listener's queue */
};

/*
 * Every TCB of the engine (listeners, connections, TIME-WAIT), in no
 * particular order; with _SAFE the body may free tp.  Only for what
 * concerns every TCB at once (engine teardown, statistics): connections
 * are found through the tables behind xt_tcp_lookup*() and the port
 * checks (tcp_subr.c), never by a walk on a per-segment, per-timer or
 * per-socket-call path (TODO(#5): timers, see xt_tcp_timers_next).
 */
#define XT_TCP_FOREACH(eng, tp)						\
	for ((tp) = (eng)->tcbs; (tp) != NULL; (tp) = (tp)->next)
#define XT_TCP_FOREACH_SAFE(eng, tp, nx)				\
	for ((tp) = (eng)->tcbs; (tp) != NULL && ((nx) = (tp)->next, 1);	\
	    (tp) = (nx))

/*
 * The entry points below are grouped by the file that defines them, in
 * the order a segment meets them: input, the passive open, ICMP, loss
 * recovery, output, timers, then the TCB's life cycle, congestion
 * control, the socket calls and TCP_INFO.
 */

/* tcp_input.c: segment arrival, RFC 9293 §3.10.7 in step order */
/* A segment on its way through input: the parsed header, and what is
 * left of it as the steps trim it to the window. */
struct xt_tcp_seg {
	struct xt_tcp_repr	th;
	uint32_t		seglen;	/* payload + SYN + FIN */
	const uint8_t		*data;	/* payload after trimming */
	uint32_t		dlen;
	int			fin;	/* FIN still inside the window */
	xt_seq_t		tw_isn;	/* a SYN that ended TIME-WAIT: the new
					 * connection's ISN (RFC 6191); 0 = none */
};
void	xt_tcp_input(struct xtcp_engine *eng, uint32_t src, uint32_t dst,
	    uint8_t tos, const uint8_t *seg, size_t len, int verify_csum);
/* Liveness, CE echo and counters of a segment that reached tp. */
void	xt_tcp_seg_arrived(struct xtcp_sock *tp, const struct xt_tcp_seg *sg,
	    uint8_t tos);
/* RFC 9293 §3.10.7.4 for a TCB from SYN-RECEIVED on. */
void	xt_tcp_sync_input(struct xtcp_sock *tp, struct xt_tcp_seg *sg);

/* tcp_listen.c: the passive open, SYN cookies, Fast Open cookies */
/* RFC 9293 §3.10.7.2: a segment for listener lis from src to dst. */
void	xt_tcp_listen_input(struct xtcp_engine *eng, struct xtcp_sock *lis,
	    uint32_t src, uint32_t dst, uint8_t tos, struct xt_tcp_seg *sg);
/* Step 5 in SYN-RECEIVED: 1 if the ACK made the connection ESTABLISHED. */
int	xt_tcp_synrcvd_ack(struct xtcp_sock *tp, const struct xt_tcp_seg *sg);
/* A SYN that meets TIME-WAIT tp: the TCB (or listener) that takes it. */
struct xtcp_sock *xt_tcp_timewait_syn(struct xtcp_sock *tp, uint32_t laddr,
	    uint32_t faddr, const struct xt_tcp_seg *sg);
/* SYN cookies (RFC 4987 §3.6): the ISS that remembers a SYN, and the MSS
 * a cookie encodes (0 if iss is not a valid cookie). */
xt_seq_t xt_syncookie_make(struct xtcp_engine *eng, uint32_t laddr,
	    uint16_t lport, uint32_t faddr, uint16_t fport, xt_seq_t irs,
	    uint16_t *mss);
uint16_t xt_syncookie_check(struct xtcp_engine *eng, uint32_t laddr,
	    uint16_t lport, uint32_t faddr, uint16_t fport, xt_seq_t irs,
	    xt_seq_t iss);
/* The SYN-ACK of a SYN answered with a cookie (no TCB, MSS only). */
void	xt_tcp_respond_synack(struct xtcp_engine *eng, uint32_t faddr,
	    const struct xt_tcp_repr *th, xt_seq_t iss, uint16_t mss,
	    uint16_t win);
/* TCP Fast Open cookies (RFC 7413 §4.1): the server's for a client, and
 * the client's cache of the servers' */
void	xt_tfo_cookie_for(struct xtcp_engine *eng, uint32_t ip, uint8_t *c8);
int	xt_tfo_cache_get(struct xtcp_engine *eng, uint32_t ip, uint8_t *len,
	    uint8_t *cookie);
void	xt_tfo_cache_put(struct xtcp_engine *eng, uint32_t ip, uint8_t len,
	    const uint8_t *cookie);

/* tcp_ctlinput.c: ICMP error quoting a segment of ours; code is the
 * unreachable code, mtu the next-hop MTU of "fragmentation needed" */
void	xt_tcp_ctlinput(struct xtcp_engine *eng, uint8_t type, uint8_t code,
	    uint16_t mtu, uint32_t faddr, const uint8_t *quoted, size_t qlen);

/* tcp_recovery.c: loss detection and recovery */
/* Where step 5 of tcp_input.c hands an ACK over, in this order: */
uint32_t xt_tcp_recovery_sacks(struct xtcp_sock *tp,
	    const struct xt_tcp_repr *th);
void	xt_tcp_dupack(struct xtcp_sock *tp);
void	xt_tcp_eifel_check(struct xtcp_sock *tp, const struct xt_tcp_repr *th);
int	xt_tcp_recovery_ack(struct xtcp_sock *tp, xt_seq_t ack, uint32_t acked);
void	xt_tcp_recovery_una(struct xtcp_sock *tp, xt_seq_t una_before);
void	xt_tcp_recovery_step(struct xtcp_sock *tp, xt_seq_t una_before,
	    uint32_t sacked_before);
/* What the timers do to recovery (called by tcp_timer.c): */
void	xt_tcp_recovery_rto(struct xtcp_sock *tp);
void	xt_tcp_rack_timeout(struct xtcp_sock *tp);
void	xt_tcp_tlp_timeout(struct xtcp_sock *tp);
/* Sending in SACK recovery (RFC 6675 §5 step C), and the send-time map
 * of first transmissions that xt_tcp_send_seg fills (RFC 8985 §6.2): */
void	xt_tcp_sack_output(struct xtcp_sock *tp);
void	xt_tcp_tmap_add(struct xtcp_sock *tp, xt_seq_t seq, xt_seq_t end,
	    uint64_t t);
void	xt_tcp_tmap_prune(struct xtcp_sock *tp, xt_seq_t una);
void	xt_tcp_tmap_free(struct xtcp_sock *tp);
/* A loss episode begins: Eifel detection armed (RFC 3522 §3.2). */
void	xt_tcp_eifel_arm(struct xtcp_sock *tp);
/* RACK's reordering window, µs (RFC 8985 §6.2.4). */
uint64_t xt_tcp_rack_reo_wnd(const struct xtcp_sock *tp);

/* tcp_output.c: the send decision and segment construction */
void	xt_tcp_output(struct xtcp_sock *tp);
/* Send one segment with the given seq, flags and up to len bytes of data
 * taken from snd_buf at seq.  Returns bytes of data sent. */
uint32_t xt_tcp_send_seg(struct xtcp_sock *tp, xt_seq_t seq, uint32_t len,
	    uint8_t flags);
void	xt_tcp_send_ack(struct xtcp_sock *tp);
void	xt_tcp_send_rst(struct xtcp_sock *tp);
/* In-order data arrived: an ACK now, or the delayed-ACK timer. */
void	xt_tcp_ack_owed(struct xtcp_sock *tp, uint32_t dlen);
/* The window field of a SYN or SYN-ACK (never scaled, RFC 7323 §2.2),
 * and of any other segment; both record the right edge offered. */
uint16_t xt_tcp_syn_window(struct xtcp_sock *tp);
uint16_t xt_tcp_window_field(struct xtcp_sock *tp);
uint32_t xt_tcp_flight(const struct xtcp_sock *tp);
/* The largest send MSS the engine's MTU allows (with timestamps, if on). */
uint32_t xt_tcp_mss_fit(const struct xtcp_sock *tp);
/* Leave out a Fast Open cookie that does not fit the MTU; 1 if it did. */
int	xt_tcp_tfo_fit(const struct xtcp_engine *eng, struct xt_tcp_repr *r);

/* tcp_timer.c */
/* The engine's two questions to TCP's timers: when next, and run what
 * is due.  Behind them, a min-heap of TCBs keyed by a deadline no later
 * than each one's earliest (xt_tcp_next_deadline). */
uint64_t xt_tcp_timers_next(struct xtcp_engine *eng);
void	xt_tcp_timers_run(struct xtcp_engine *eng, uint64_t now);
/* Room in the heap for n TCBs (xt_tcp_alloc), so that arming a timer
 * never needs memory (XT_ENOMEM: the engine's allocator refused); a TCB
 * leaving (xt_tcp_free), after which the heap may shrink (trim); the
 * engine's end, or a test counting memory (fini: again is a no-op). */
int	xt_tcp_timers_reserve(struct xtcp_engine *eng, uint32_t n);
void	xt_tcp_timers_forget(struct xtcp_sock *tp);
void	xt_tcp_timers_trim(struct xtcp_engine *eng);
void	xt_tcp_timers_fini(struct xtcp_engine *eng);
/* A deadline of tp (or of its SYN cache) is now at: the heap moves tp up
 * if that is earlier than its key.  A later or cleared deadline needs
 * nothing: the key is corrected when it comes due. */
void	xt_tcp_timer_sooner(struct xtcp_sock *tp, uint64_t at);
/* Every deadline of tp off (its SYN cache's are the cache's). */
void	xt_tcp_timers_stop(struct xtcp_sock *tp);
/* The heap against a scan of every TCB: XT_OK, or XT_EINVAL (tests, and
 * debug builds at each call while TCBs are few). */
int	xt_tcp_timers_verify(struct xtcp_engine *eng);

enum xt_tcp_timer {
	XT_T_REXMT,		/* t_rexmt_at */
	XT_T_PERSIST,		/* t_persist_at */
	XT_T_DELACK,		/* t_delack_at */
	XT_T_2MSL,		/* t_2msl_at */
	XT_T_KEEP,		/* t_keep_at */
	XT_T_CORK,		/* t_cork_at */
	XT_T_TLP,		/* t_tlp_at */
	XT_T_RACK		/* t_rack_at */
};

/* The one way to set a TCB's deadline (absolute µs, 0 = off). */
static inline void
xt_tcp_timer_set(struct xtcp_sock *tp, enum xt_tcp_timer t, uint64_t at)
{
	switch (t) {
	case XT_T_REXMT:
		tp->t_rexmt_at = at;
		break;
	case XT_T_PERSIST:
		tp->t_persist_at = at;
		break;
	case XT_T_DELACK:
		tp->t_delack_at = at;
		break;
	case XT_T_2MSL:
		tp->t_2msl_at = at;
		break;
	case XT_T_KEEP:
		tp->t_keep_at = at;
		break;
	case XT_T_CORK:
		tp->t_cork_at = at;
		break;
	case XT_T_TLP:
		tp->t_tlp_at = at;
		break;
	case XT_T_RACK:
		tp->t_rack_at = at;
		break;
	}
	if (at != 0)
		xt_tcp_timer_sooner(tp, at);
}
/* The same for one TCB. */
void	xt_tcp_timers(struct xtcp_sock *tp, uint64_t now);
uint64_t xt_tcp_next_deadline(const struct xtcp_sock *tp);
void	xt_tcp_arm_rexmt(struct xtcp_sock *tp);
void	xt_tcp_arm_tlp(struct xtcp_sock *tp);
void	xt_tcp_arm_persist(struct xtcp_sock *tp);
void	xt_tcp_arm_keep(struct xtcp_sock *tp);
void	xt_tcp_start_timewait(struct xtcp_sock *tp);
/* How long a connection attempt may take (TCP_USER_TIMEOUT, else
 * keepinit), µs, 0 for no bound. */
uint64_t xt_tcp_estab_limit_us(const struct xtcp_engine *eng,
	    uint32_t user_timeout_ms);

/* tcp_subr.c: the TCB's life cycle and what input and output share */
struct xtcp_sock *xt_tcp_alloc(struct xtcp_engine *eng);
void	xt_tcp_free(struct xtcp_sock *tp);
struct xtcp_sock *xt_tcp_lookup(struct xtcp_engine *eng, uint32_t laddr,
	    uint16_t lport, uint32_t faddr, uint16_t fport, int want_listen);
struct xtcp_sock *xt_tcp_lookup_listener(struct xtcp_engine *eng,
	    uint32_t laddr, uint16_t lport, uint32_t faddr, uint16_t fport);
xt_seq_t xt_tcp_new_isn(struct xtcp_engine *eng, uint32_t laddr,
	    uint16_t lport, uint32_t faddr, uint16_t fport);
uint32_t xt_tcp_ts_offset(struct xtcp_engine *eng, uint32_t laddr,
	    uint16_t lport, uint32_t faddr, uint16_t fport);
/* RFC 6056 §3.3.3 F(): the port key's hash of our address and faddr:fport */
uint32_t xt_tcp_port_offset(struct xtcp_engine *eng, uint32_t faddr,
	    uint16_t fport);
int	xt_tcp_pick_port(struct xtcp_engine *eng, uint32_t faddr,
	    uint16_t fport, uint16_t *port);
int	xt_tcp_port_in_use(struct xtcp_engine *eng, uint16_t port,
	    const struct xtcp_sock *self);
/* The demultiplexing tables: made with the engine (XT_ENOMEM), freed
 * after its last TCB. */
int	xt_tcp_tables_init(struct xtcp_engine *eng);
void	xt_tcp_tables_free(struct xtcp_engine *eng);
/* A TIME-WAIT entry on port starts (d > 0) or ends (d < 0): counted on
 * the port's entry (p_ntw), made if new and freed with the last of its
 * references; XT_ENOBUFS when a new entry finds no memory. */
int	xt_tcp_port_tw(struct xtcp_engine *eng, uint16_t port, int d);
/* The engine memory the tables hold now: demux tables and port entries,
 * the timer heap, the TIME-WAIT table (tests: what TCBs cost apart). */
uint64_t xt_tcp_tables_bytes(const struct xtcp_engine *eng);
/* TIME-WAIT entries counted on port (tests, xt_tcp_tables_check). */
uint32_t xt_tcp_port_ntw(struct xtcp_engine *eng, uint16_t port);
/* File tp where its addresses, ports, state and SO_REUSE* flags say;
 * called after any of them changes.  XT_ENOBUFS when a port new to the
 * engine finds no memory: tp is then in no port's counts, and the
 * caller undoes what it changed and calls again. */
int	xt_tcp_rehash(struct xtcp_sock *tp);
/* NULL if every TCB is filed as xt_tcp_rehash would file it and every
 * count agrees, else what is wrong (tests and the fuzzer). */
const char *xt_tcp_tables_check(struct xtcp_engine *eng);
/* A listener's first child ready for accept(), or NULL. */
struct xtcp_sock *xt_tcp_accept_head(const struct xtcp_sock *lis);
/* Take child tp off its listener's lists (accept, and its end). */
void	xt_tcp_unlink_child(struct xtcp_sock *tp);
/* A new child tp of listener lis, waiting for its handshake. */
void	xt_tcp_link_child(struct xtcp_sock *lis, struct xtcp_sock *tp);
void	xt_tcp_set_state(struct xtcp_sock *tp, enum xt_tcp_state st);
const char *xt_tcp_state_name(enum xt_tcp_state st);
void	xt_tcp_enqueue_accept(struct xtcp_sock *tp);
/* Connection ends: record err (0 = none) as SO_ERROR, go CLOSED, wake the
 * user; frees the TCB if it is orphaned. */
void	xt_tcp_drop(struct xtcp_sock *tp, int err);
/* Free now if orphaned and CLOSED. Returns 1 if freed. */
int	xt_tcp_maybe_free(struct xtcp_sock *tp);
void	xt_tcp_wakeup(struct xtcp_sock *tp);
uint32_t xt_tcp_rcv_space(const struct xtcp_sock *tp);
void	xt_tcp_init_buffers_mss(struct xtcp_sock *tp);
/* The MSS to advertise and the window shift to offer for a connection
 * with these settings (what xt_tcp_init_buffers_mss sets). */
void	xt_tcp_mss_ws(const struct xtcp_engine *eng, uint16_t user_mss,
	    uint32_t rcvbuf, int rcvbuf_locked, uint16_t *advmss, uint8_t *ws);
/* The options the peer's SYN agreed to, then the initial window. */
void	xt_tcp_syn_options(struct xtcp_sock *tp, const struct xt_tcp_repr *th);
/* The handshake completed: send window win, the SYN's RTT sample. */
void	xt_tcp_handshake_done(struct xtcp_sock *tp,
	    const struct xt_tcp_repr *th, uint32_t win);
void	xt_tcp_rtt_sample(struct xtcp_sock *tp, uint32_t rtt_us);
/* RST in reply to a segment that has no connection (RFC 9293 §3.10.7.1). */
void	xt_tcp_respond_rst(struct xtcp_engine *eng, uint32_t laddr,
	    uint32_t faddr, const struct xt_tcp_repr *th, size_t seglen);
/* RFC 9293 §3.10.7.1: a segment for no connection (log, blackhole, RST). */
void	xt_tcp_closed_input(struct xtcp_engine *eng, uint32_t src,
	    uint32_t dst, const struct xt_tcp_seg *sg);
/* ACKs in reply to segments that prove nothing, within RFC 5961 §7's
 * per-connection limit: an out-of-window or PAWS-failed segment's, and
 * a challenge ACK (RFC 5961 §3.2, §4.2, §5.2). */
void	xt_tcp_oow_ack(struct xtcp_sock *tp, const struct xt_tcp_seg *sg);
void	xt_tcp_challenge_ack(struct xtcp_sock *tp);
/* The rule behind both, on a connection's last limited ACK (*last_us:
 * a TCB's or a TIME-WAIT entry's): 1 if this ACK must not go; and
 * whether an out-of-window segment is owed an ACK. */
int	xt_tcp_ack_ratelimited(struct xtcp_engine *eng, uint64_t *last_us);
int	xt_tcp_oow_ack_owed(struct xtcp_engine *eng, uint64_t *last_us,
	    const struct xt_tcp_seg *sg);

/* tcp_cc.c: the glue between the TCB and the algorithm (tcp_cc.h):
 * fill a view, call a hook, apply its output */
void	xt_tcp_cc_view(const struct xtcp_sock *tp, struct xt_cc_view *v);
void	xt_tcp_cc_init(struct xtcp_sock *tp);
void	xt_tcp_cc_ack(struct xtcp_sock *tp, uint32_t acked, uint32_t rtt_us);
void	xt_tcp_cc_congestion(struct xtcp_sock *tp, enum xt_cc_signal sig);
void	xt_tcp_cc_recovery_exit(struct xtcp_sock *tp);
void	xt_tcp_cc_idle_restart(struct xtcp_sock *tp);
int	xt_tcp_cc_select(struct xtcp_sock *tp, const char *name);

/* tcp_usrreq.c: sequence number of the next byte the program reads */
xt_seq_t xt_tcp_read_seq(const struct xtcp_sock *tp);

/*
 * tcp_opt.c: socket options (xtcp_setopt and xtcp_getopt are in xtcp.h).
 * xt_tcp_inherit gives a new child of listener lis the options Linux's
 * accepted sockets take from their listener.  Called where the child is
 * made, before its buffers are sized and its SYN-ACK is sent.
 */
void	xt_tcp_inherit(const struct xtcp_sock *lis, struct xtcp_sock *tp);

/* tcp_info.c */
size_t	xt_tcp_info_size(void);
size_t	xt_tcp_fill_info(const struct xtcp_sock *tp, void *out, size_t len);
/* The process's trace callback (xtcp_engine_set_trace_callback) hears
 * a row about tp; one branch when there is none. */
void	xt_tcp_trace_emit(const struct xtcp_sock *tp, int event);
#define XT_TCP_TRACE(tp, ev) do {					\
	if ((tp)->eng->proc->trace != NULL)				\
		xt_tcp_trace_emit((tp), (ev));				\
} while (0)

/* tcp_neigh.c: the engine's on_neigh_unreachable hook (net/net.h) */
void	xt_tcp_neigh_unreachable(struct xtcp_engine *eng, uint32_t nexthop);

#endif

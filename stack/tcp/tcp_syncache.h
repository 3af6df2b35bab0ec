/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_syncache.h - half-open passive connections kept as compact entries
 * (FreeBSD's syncache), outside the socket table and without buffers.
 *
 * A SYN to a listener makes an entry here, not a TCB: the 4-tuple, both
 * initial sequence numbers, the options of the peer's SYN and the timer
 * state of our SYN-ACK.  The TCB (and its ring buffers) is made only
 * when the handshake's ACK arrives (tcp_listen.c).  Each listener owns a
 * table of backlog + 1 entries, allocated by listen(); past it, SYN
 * cookies (RFC 4987 §3.6) or a counted drop.
 *
 * Read first: RFC 9293 §3.10.7.2 (LISTEN), RFC 4987 §3.2-3.6 (SYN caches
 * and cookies), RFC 6298 §5 (retransmission timer, backoff).
 */
#ifndef XT_TCP_SYNCACHE_H
#define XT_TCP_SYNCACHE_H

#include <stdint.h>

#include "tcp/tcp_seq.h"

struct xtcp_engine;
struct xtcp_sock;

/* Linux tcp_synack_retries: SYN-ACKs resent before the entry expires
 * (six in all, the last answered for up to 32 s: 63 s) */
#define XT_SYNACK_RETRIES	5
/* timer queues, one per backoff step (the last takes every later one) */
#define XT_SC_LEVELS		8

/* xt_sc_entry.flags */
#define XT_SCF_WS	0x01	/* the SYN had window scale: sc_ws is valid */
#define XT_SCF_TS	0x02	/* the SYN had timestamps: sc_tsval is valid */
#define XT_SCF_SACK	0x04	/* the SYN had SACK-permitted */
#define XT_SCF_ECN	0x08	/* ECN-setup SYN (RFC 3168 §6.1.1), answered */
#define XT_SCF_TFO	0x10	/* our SYN-ACK carries a Fast Open cookie */
#define XT_SCF_RESENT	0x20	/* the SYN-ACK went more than once (Karn) */
#define XT_SCF_MSS	0x40	/* the SYN had an MSS option: sc_mss */

struct xt_sc_entry {
	uint32_t	sc_laddr;	/* host order */
	uint32_t	sc_faddr;
	uint16_t	sc_fport;
	uint16_t	sc_mss;		/* the SYN's MSS option, 0 = none */
	xt_seq_t	sc_irs;		/* the peer's ISN */
	xt_seq_t	sc_iss;		/* ours */
	uint32_t	sc_tsval;	/* the SYN's TSval (TS.Recent) */
	uint32_t	sc_ts_offset;	/* our TSval offset (RFC 7323 §7.1) */
	uint16_t	sc_wnd;		/* the SYN's window, bytes (unscaled) */
	uint8_t		sc_ws;		/* the SYN's window shift */
	uint8_t		sc_flags;	/* XT_SCF_* */
	uint8_t		sc_rxtshift;	/* SYN-ACK retransmissions so far */
	uint8_t		sc_level;	/* timer queue it is on */
	uint32_t	sc_hnext;	/* hash chain: index + 1, 0 = end */
	uint32_t	sc_tnext;	/* timer queue (or free list): index + 1 */
	uint32_t	sc_tprev;	/* timer queue: index + 1, 0 = head */
	uint64_t	sc_synack_us;	/* first SYN-ACK sent (= SYN arrived), µs */
	uint64_t	sc_rexmt_at;	/* next SYN-ACK retransmission, µs */
};

struct xt_syncache {
	struct xt_sc_entry *sc_e;	/* sc_cap entries */
	uint32_t	*sc_hash;	/* sc_nbuckets chain heads, index + 1 */
	uint32_t	sc_cap;		/* entries (backlog + 1) */
	uint32_t	sc_nbuckets;	/* a power of two */
	uint32_t	sc_count;	/* entries in use */
	uint32_t	sc_free;	/* free list head, index + 1 */
	uint64_t	sc_hkey;	/* random: keeps chains short for chosen ports */
	uint32_t	sc_qhead[XT_SC_LEVELS];	/* oldest deadline first */
	uint32_t	sc_qtail[XT_SC_LEVELS];
};

/* (Re)size lis's table for its backlog (listen()); entries beyond a
 * smaller size are dropped.  On allocation failure the table holds
 * nothing and every SYN goes to the overflow path. */
void	xt_syncache_setup(struct xtcp_sock *lis, uint32_t cap);
void	xt_syncache_destroy(struct xtcp_sock *lis);
struct xt_sc_entry *xt_syncache_lookup(struct xtcp_sock *lis,
	    uint32_t laddr, uint32_t faddr, uint16_t fport);
/* A free entry for the 4-tuple, on the first timer queue with its
 * deadline from now; NULL when the table is full. */
struct xt_sc_entry *xt_syncache_insert(struct xtcp_sock *lis,
	    uint32_t laddr, uint32_t faddr, uint16_t fport);
void	xt_syncache_remove(struct xtcp_sock *lis, struct xt_sc_entry *e);
int	xt_syncache_full(const struct xtcp_sock *lis);
uint32_t xt_syncache_count(const struct xtcp_sock *lis);
/* Send (or resend) the entry's SYN-ACK, as tcp_output would for a TCB
 * in SYN-RECEIVED. */
void	xt_syncache_synack(struct xtcp_sock *lis, struct xt_sc_entry *e);
/* MSS to advertise and window shift to offer for a connection of lis
 * (what xt_tcp_init_buffers_mss gives its child). */
void	xt_syncache_our_opts(const struct xtcp_sock *lis, uint16_t *advmss,
	    uint8_t *ws);
uint64_t xt_syncache_next_deadline(const struct xtcp_sock *lis);
/* SYN-ACK retransmissions and expiry due at now. */
void	xt_syncache_timers(struct xtcp_sock *lis, uint64_t now);

#endif

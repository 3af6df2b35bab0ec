/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_timewait.h - TIME-WAIT without a socket (tcp_timewait.c).
 *
 * A connection the program has closed (an orphan) that enters TIME-WAIT
 * gives up its TCB for a 64-byte entry holding what RFC 9293 §3.10.7.4
 * and RFC 6191 need: the 4-tuple, both sequence numbers, the timestamp
 * state and the window, until 2MSL has passed.  Entries count against
 * max_tw_buckets (Linux tcp_max_tw_buckets, FreeBSD maxtcptw), not
 * max_sockets.  A TIME-WAIT socket a program still holds stays a TCB.
 *
 * Read first: RFC 9293 §3.6.1 and §3.10.7.4, RFC 6191 §2-3, RFC 1337.
 */
#ifndef XT_TCP_TIMEWAIT_H
#define XT_TCP_TIMEWAIT_H

#include <stdint.h>

struct xtcp_engine;
struct xtcp_sock;
struct xt_tcp_seg;
struct xt_tw;
struct xt_tw_table;

/* tp is in TIME-WAIT: if no program holds it, replace it by an entry (or
 * end it when the table is full).  tp is freed then; else untouched. */
void	xt_tw_from_tcb(struct xtcp_sock *tp);
/* The entry of this 4-tuple (local address: the engine's), or NULL. */
struct xt_tw *xt_tw_lookup(struct xtcp_engine *eng, uint16_t lport,
	    uint32_t faddr, uint16_t fport);
/* Entries now.  Each is counted on its local port's entry in the demux
 * port table (p_ntw), so that bind() without SO_REUSEADDR may not take
 * the port, as while TIME-WAIT was a socket. */
/* connect: does a TIME-WAIT entry keep this 4-tuple (XTCP_TW_REUSE may
 * take it over, and then it is gone)? */
int	xt_tw_holds(struct xtcp_engine *eng, uint16_t lport, uint32_t faddr,
	    uint16_t fport);
uint32_t xt_tw_count(const struct xtcp_engine *eng);
/* The engine memory the table holds (xt_tcp_tables_bytes). */
uint64_t xt_tw_bytes(const struct xtcp_engine *eng);
/* Tests (xt_tcp_tables_check): NULL if the table is sound and every
 * entry counted on its port, else what is wrong. */
const char *xt_tw_check(struct xtcp_engine *eng);
/* A segment from src to dst: 1 if a TIME-WAIT entry took it; 0 if there
 * is none, or a new SYN ended it (RFC 6191), sg->tw_isn then being the
 * ISN the new connection must use. */
int	xt_tw_input(struct xtcp_engine *eng, uint32_t src, uint32_t dst,
	    uint8_t tos, struct xt_tcp_seg *sg);
/* The earlier of d and the first entry's expiry; end what expired. */
uint64_t xt_tw_earliest(struct xtcp_engine *eng, uint64_t d);
void	xt_tw_expire(struct xtcp_engine *eng, uint64_t now);
/* Every entry ends (the engine goes away, or a test counts its memory):
 * the table's memory goes back to the engine.  Again is a no-op. */
void	xt_tw_destroy(struct xtcp_engine *eng);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_ctlinput.c - what the network layer reports about a connection:
 * ICMP destination unreachable quoting one of our segments (net/icmp4.c
 * passes it on), as a hard error that ends a connection attempt, a soft
 * one remembered for the timeout, a path MTU to lower the MSS to, or the
 * end of a half-open connection in the SYN cache.
 *
 * Read first: RFC 5927 §4 (checks against blind ICMP attacks), RFC 1122
 * §4.2.3.9 (hard and soft errors), RFC 1191 §3-5 (path MTU discovery),
 * RFC 4987 §3.2 (the SYN cache).
 */
#include "xt_engine.h"
#include "tcp/tcp_syncache.h"
#include "tcp/tcp_var.h"
#include "wire/icmp4.h"

/*
 * RFC 1191 §3-4 (and RFC 5927 §4 for the check the caller made): a router
 * needs smaller packets.  Lower the MSS to fit the next-hop MTU (with the
 * options every segment carries) and resend what is outstanding in the
 * new size.  A missing MTU (old routers, RFC 1191 §5) steps down to 576.
 */
static void
tcp_pmtu_update(struct xtcp_sock *tp, uint16_t mtu)
{
	struct xtcp_engine *eng = tp->eng;
	uint32_t mss;

	if (!eng->cfg.path_mtu_discovery)
		return;
	if (mtu < 68 || mtu >= eng->mtu)
		mtu = mtu == 0 ? 576 : (uint16_t)(mtu < 68 ? 68 : mtu);
	if (mtu >= eng->mtu)
		return;
	mss = (uint32_t)mtu - 40 - ((tp->t_flags & XT_TF_TS_OK) ? 12 : 0);
	if (mss < 216)			/* FreeBSD's floor (tcp_minmss) */
		mss = 216;
	/* TCP_INFO's pmtu: the MTU full segments now fit (Linux reports
	 * the lowered one too), even when the peer's MSS was smaller */
	mtu = (uint16_t)(mss + 40 + ((tp->t_flags & XT_TF_TS_OK) ? 12 : 0));
	if (mtu < (tp->t_pmtu != 0 ? tp->t_pmtu : eng->mtu))
		tp->t_pmtu = mtu;
	if (mss >= tp->t_maxseg)
		return;
	XT_STAT_INC(eng, tcp_pmtu_lowered);
	tp->t_maxseg = (uint16_t)mss;
	if (tp->snd_una != tp->snd_max && XT_TCPS_SYNCHRONIZED(tp->state)) {
		tp->snd_nxt = tp->snd_una;
		tp->t_rtttime = 0;
		xt_tcp_output(tp);
	}
}

/*
 * An ICMP error quoting the SYN-ACK of a SYN cache entry (the quoted
 * sequence number must be its ISS, RFC 5927 §4.1) removes the entry, as
 * Linux drops a request socket for a hard error; the peer's next SYN
 * makes it again.  Fragmentation needed says nothing about the peer.
 */
static void
tcp_syncache_ctlinput(struct xtcp_engine *eng, uint8_t code, uint32_t faddr,
    uint16_t sport, uint16_t dport, xt_seq_t seq)
{
	struct xtcp_sock *lis;
	struct xt_sc_entry *e;

	if (code == XT_ICMP_UNREACH_NEEDFRAG)
		return;
	lis = xt_tcp_lookup(eng, eng->cfg.addr, sport, faddr, dport, 1);
	if (lis == NULL || lis->state != XT_TCPS_LISTEN ||
	    (e = xt_syncache_lookup(lis, eng->cfg.addr, faddr, dport)) == NULL ||
	    e->sc_iss != seq)
		return;
	XT_STAT_INC(eng, icmp_unreach_matched);
	XT_STAT_INC(eng, tcp_syncache_reset);
	xt_syncache_remove(lis, e);
}

/*
 * ICMP destination unreachable quoting one of our segments.  RFC 5927 §4:
 * the quoted sequence number must lie in snd_una..snd_max.  RFC 1122
 * §4.2.3.9: port and protocol unreachable are hard errors; a connection
 * still in SYN-SENT fails with them (ECONNREFUSED, as Linux).  Others
 * are soft: remembered, reported only if the connection times out.
 */
void
xt_tcp_ctlinput(struct xtcp_engine *eng, uint8_t type, uint8_t code,
    uint16_t mtu, uint32_t faddr, const uint8_t *q, size_t qlen)
{
	struct xtcp_sock *tp;
	uint16_t sport, dport;
	xt_seq_t seq;

	(void)type;
	if (qlen < 8)
		return;
	sport = (uint16_t)(q[0] << 8 | q[1]);
	dport = (uint16_t)(q[2] << 8 | q[3]);
	seq = (xt_seq_t)q[4] << 24 | (xt_seq_t)q[5] << 16 |
	    (xt_seq_t)q[6] << 8 | q[7];
	tp = xt_tcp_lookup(eng, eng->cfg.addr, sport, faddr, dport, 0);
	if (tp == NULL) {
		tcp_syncache_ctlinput(eng, code, faddr, sport, dport, seq);
		return;
	}
	if (!SEQ_IN(seq, tp->snd_una, tp->snd_max + 1))
		return;
	XT_STAT_INC(eng, icmp_unreach_matched);
	if (code == XT_ICMP_UNREACH_PORT || code == XT_ICMP_UNREACH_PROTO) {
		if (tp->state == XT_TCPS_SYN_SENT) {
			XT_STAT_INC(eng, tcp_conn_refused);
			xt_tcp_drop(tp, XT_ECONNREFUSED);
			return;
		}
	}
	if (code == XT_ICMP_UNREACH_NEEDFRAG) {
		tcp_pmtu_update(tp, mtu);
		return;
	}
	if (tp->state == XT_TCPS_SYN_SENT && tp->so_error == XT_OK)
		tp->so_error = code == XT_ICMP_UNREACH_NET ?
		    XT_ENETUNREACH : XT_EHOSTUNREACH;
}

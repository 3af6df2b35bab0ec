/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_info.c - getsockopt(TCP_INFO): Linux's struct tcp_info filled from
 * a TCB.  The export structure is the kernel's own (linux/tcp.h), kept
 * apart from the TCB so internals can change without breaking programs
 * (ss, iperf3, nginx's $tcpinfo_*).  Field meanings follow Linux's: times
 * in µs except the last_* ages in ms; counts in segments where Linux
 * counts segments.
 */
#include <stdio.h>
#include <string.h>
#include <linux/tcp.h>

#include "xt_engine.h"
#include "tcp/tcp_var.h"

/* Linux's TCP state numbers (include/net/tcp_states.h) */
static const uint8_t linux_state[XT_TCPS_NSTATES] = {
	[XT_TCPS_CLOSED] = 7,
	[XT_TCPS_LISTEN] = 10,
	[XT_TCPS_SYN_SENT] = 2,
	[XT_TCPS_SYN_RECEIVED] = 3,
	[XT_TCPS_ESTABLISHED] = 1,
	[XT_TCPS_FIN_WAIT_1] = 4,
	[XT_TCPS_FIN_WAIT_2] = 5,
	[XT_TCPS_CLOSE_WAIT] = 8,
	[XT_TCPS_CLOSING] = 11,
	[XT_TCPS_LAST_ACK] = 9,
	[XT_TCPS_TIME_WAIT] = 6,
};

static uint32_t
age_ms(uint64_t now, uint64_t then)
{
	if (then == 0 || then > now)
		return (0);
	return ((uint32_t)((now - then) / 1000));
}

/* Linux's congestion state (TCP_CA_*, xtcp.h XTCP_CA_*) of tp */
static int
tcp_ca_state(const struct xtcp_sock *tp)
{
	if (tp->t_flags & XT_TF_INRECOVERY)
		return (XTCP_CA_RECOVERY);
	if (tp->t_rxtshift > 0)
		return (XTCP_CA_LOSS);
	if (tp->t_dupacks > 0 || tp->t_sb.n > 0)
		return (XTCP_CA_DISORDER);
	return (XTCP_CA_OPEN);
}

size_t
xt_tcp_info_size(void)
{
	return (sizeof(struct tcp_info));
}

/* Fill up to len bytes of a struct tcp_info at out; returns bytes. */
size_t
xt_tcp_fill_info(const struct xtcp_sock *tp, void *out, size_t len)
{
	const struct xtcp_engine *eng = tp->eng;
	uint32_t mss = tp->t_maxseg != 0 ? tp->t_maxseg : tp->t_advmss;
	struct tcp_info ti;
	uint64_t now = eng->now;

	memset(&ti, 0, sizeof(ti));
	ti.tcpi_state = linux_state[tp->state];
	ti.tcpi_ca_state = (uint8_t)tcp_ca_state(tp);
	ti.tcpi_retransmits = (uint8_t)(tp->t_rxtshift > 255 ? 255 :
	    tp->t_rxtshift);
	ti.tcpi_probes = (uint8_t)(tp->t_keep_probes + tp->t_persist_shift);
	ti.tcpi_backoff = (uint8_t)tp->t_rxtshift;
	if (tp->t_flags & XT_TF_TS_OK)
		ti.tcpi_options |= TCPI_OPT_TIMESTAMPS;
	if (tp->t_flags & XT_TF_SACK_OK)
		ti.tcpi_options |= TCPI_OPT_SACK;
	if (tp->t_flags & XT_TF_WS_OK) {
		ti.tcpi_options |= TCPI_OPT_WSCALE;
		ti.tcpi_snd_wscale = tp->snd_scale & 0xf;
		ti.tcpi_rcv_wscale = tp->rcv_scale & 0xf;
	}
	ti.tcpi_rto = xt_rtt_rto(&tp->t_rtt, tp->t_rxtshift);
	ti.tcpi_ato = eng->cfg.delack_ms * 1000;
	ti.tcpi_snd_mss = mss;
	ti.tcpi_rcv_mss = tp->t_advmss;
	if (tp->state == XT_TCPS_LISTEN) {
		/* Linux's aliases for a listener (what ss shows as Recv-Q
		 * and Send-Q): connections waiting for accept(), backlog;
		 * half-open ones are the tcp_syncache_entries counter */
		ti.tcpi_unacked = tp->t_qlen;
		ti.tcpi_sacked = tp->t_backlog;
	} else if (mss > 0) {
		ti.tcpi_unacked = (tp->snd_max - tp->snd_una + mss - 1) / mss;
		ti.tcpi_sacked = tp->t_sb.sacked_bytes / mss;
	}
	ti.tcpi_retrans = (tp->t_flags & XT_TF_INRECOVERY) ||
	    tp->t_rxtshift > 0 ? 1 : 0;
	ti.tcpi_last_data_sent = age_ms(now, tp->t_last_tx_us);
	ti.tcpi_last_data_recv = age_ms(now, tp->t_last_data_rx_us);
	ti.tcpi_last_ack_recv = age_ms(now, tp->t_last_ack_rx_us);
	/* lowered by ICMP fragmentation-needed (RFC 1191), as Linux's */
	ti.tcpi_pmtu = tp->t_pmtu != 0 ? tp->t_pmtu : eng->mtu;
	ti.tcpi_rcv_ssthresh = tp->rcvbuf_size;
	ti.tcpi_rtt = tp->t_rtt.srtt_us;
	ti.tcpi_rttvar = tp->t_rtt.rttvar_us;
	ti.tcpi_snd_ssthresh = mss > 0 && tp->snd_ssthresh < XT_CC_SSTHRESH_INF ?
	    tp->snd_ssthresh / mss : 0x7fffffff;
	ti.tcpi_snd_cwnd = mss > 0 ? tp->snd_cwnd / mss : 0;
	ti.tcpi_advmss = tp->t_advmss;
	ti.tcpi_reordering = tp->t_sb.dupthresh;
	ti.tcpi_rcv_space = xt_tcp_rcv_space(tp);
	ti.tcpi_total_retrans = tp->t_total_retrans;
	ti.tcpi_pacing_rate = UINT64_MAX;	/* no pacing, as Linux says it */
	ti.tcpi_max_pacing_rate = UINT64_MAX;
	ti.tcpi_bytes_acked = tp->t_bytes_acked;
	ti.tcpi_bytes_received = tp->t_bytes_received;
	ti.tcpi_segs_out = tp->t_segs_out;
	ti.tcpi_segs_in = tp->t_segs_in;
	ti.tcpi_notsent_bytes = xt_ring_len(&tp->snd_buf) -
	    (SEQ_GT(tp->snd_max, tp->snd_buf_seq) ? (uint32_t)SEQ_MIN(
	    tp->snd_max - tp->snd_buf_seq, xt_ring_len(&tp->snd_buf)) : 0);
	ti.tcpi_min_rtt = tp->t_rtt.min_rtt_us;
	ti.tcpi_data_segs_in = tp->t_data_segs_in;
	ti.tcpi_data_segs_out = tp->t_data_segs_out;
	ti.tcpi_delivered = mss > 0 ? (uint32_t)(tp->t_bytes_acked / mss) : 0;
	ti.tcpi_bytes_sent = tp->t_bytes_sent;
	ti.tcpi_bytes_retrans = tp->t_bytes_retrans;
	ti.tcpi_dsack_dups = (uint32_t)tp->t_sb.dsacks;
	ti.tcpi_rcv_ooopack = tp->t_rcv_ooopack;
	ti.tcpi_snd_wnd = tp->snd_wnd;
	if (len > sizeof(ti))
		len = sizeof(ti);
	memcpy(out, &ti, len);
	return (len);
}

/* xtcpstat's view of every TCB: the same fields as TCP_INFO, in bytes. */
unsigned
xtcp_engine_conns(const struct xtcp_engine *eng, struct xtcp_conn_info *out,
    unsigned max)
{
	const struct xtcp_sock *tp;
	struct xtcp_conn_info *ci;
	unsigned n = 0;

	XT_TCP_FOREACH(eng, tp) {
		if (n >= max) {
			n++;
			continue;
		}
		ci = &out[n++];
		memset(ci, 0, sizeof(*ci));
		ci->laddr = tp->laddr;
		ci->faddr = tp->faddr;
		ci->lport = tp->lport;
		ci->fport = tp->fport;
		ci->state = linux_state[tp->state];
		if (tp->t_flags & XT_TF_TS_OK)
			ci->options |= TCPI_OPT_TIMESTAMPS;
		if (tp->t_flags & XT_TF_SACK_OK)
			ci->options |= TCPI_OPT_SACK;
		if (tp->t_flags & XT_TF_WS_OK) {
			ci->options |= TCPI_OPT_WSCALE;
			ci->snd_wscale = tp->snd_scale & 0xf;
			ci->rcv_wscale = tp->rcv_scale & 0xf;
		}
		ci->mss = tp->t_maxseg != 0 ? tp->t_maxseg : tp->t_advmss;
		ci->cwnd = tp->snd_cwnd;
		ci->ssthresh = tp->snd_ssthresh < XT_CC_SSTHRESH_INF ?
		    tp->snd_ssthresh : UINT32_MAX;
		ci->srtt_us = tp->t_rtt.srtt_us;
		ci->rttvar_us = tp->t_rtt.rttvar_us;
		ci->rto_us = xt_rtt_rto(&tp->t_rtt, tp->t_rxtshift);
		ci->rxtshift = tp->t_rxtshift;
		ci->total_retrans = tp->t_total_retrans;
		ci->sendq = xt_ring_len(&tp->snd_buf);
		ci->recvq = xt_ring_len(&tp->rcv_buf);
		ci->bytes_acked = tp->t_bytes_acked;
		ci->bytes_received = tp->t_bytes_received;
		ci->segs_out = tp->t_segs_out;
		ci->segs_in = tp->t_segs_in;
		(void)snprintf(ci->cc, sizeof(ci->cc), "%s",
		    xt_cc_ops(tp->t_cc)->name);
	}
	return (n);
}

void
xt_tcp_trace_emit(const struct xtcp_sock *tp, int event)
{
	const struct xt_cc_ops *ops = xt_cc_ops(tp->t_cc);
	struct xtcp_proc *proc = tp->eng->proc;
	struct xtcp_trace_row r;

	memset(&r, 0, sizeof(r));
	r.event = event;
	r.ca_state = tcp_ca_state(tp);
	r.state = xt_tcp_state_name(tp->state);
	r.cc = ops != NULL ? ops->name : "";
	r.now_us = tp->eng->now;
	r.laddr = tp->laddr;
	r.faddr = tp->faddr;
	r.lport = tp->lport;
	r.fport = tp->fport;
	r.mss = tp->t_maxseg != 0 ? tp->t_maxseg : tp->t_advmss;
	r.cwnd = tp->snd_cwnd;
	r.ssthresh = tp->snd_ssthresh < XT_CC_SSTHRESH_INF ?
	    tp->snd_ssthresh : UINT32_MAX;
	r.srtt_us = tp->t_rtt.srtt_us;
	r.rttvar_us = tp->t_rtt.rttvar_us;
	r.rto_us = xt_rtt_rto(&tp->t_rtt, tp->t_rxtshift);
	/* RFC 6675 pipe when SACK keeps a scoreboard, else all outstanding */
	if ((tp->t_flags & XT_TF_SACK_OK) && r.mss > 0)
		r.inflight = xt_sack_pipe(&tp->t_sb, tp->snd_una,
		    tp->snd_max, r.mss);
	else
		r.inflight = tp->snd_max - tp->snd_una;
	r.delivered = tp->t_bytes_acked;
	r.retransmitted = tp->t_bytes_retrans;
	proc->trace(proc->trace_arg, &r);
}

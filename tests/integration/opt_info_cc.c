/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * opt_info_cc.c - TCP_INFO (Linux struct tcp_info, the FreeBSD page's
 * TCP_INFO) sane during and after a transfer, and TCP_CONGESTION get/set
 * by name with ENOENT for an unknown one (illumos page).
 * Peer: opt_peer.py ports 7201 (sink) and 7200 (info).
 */
#define _GNU_SOURCE
#include <linux/tcp.h>

#include "opt_common.h"

/* Linux include/net/tcp_states.h (not exported to user space) */
#define TCP_ESTABLISHED	1
#define TCP_LISTEN	10

static char	junk[65536];

static int
get_info(int fd, struct tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	return (getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len) == 0 &&
	    len == sizeof(*ti) ? 0 : -1);
}

static void
congestion(void)
{
	char name[32];
	socklen_t len;
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return;
	memset(name, 0, sizeof(name));
	len = sizeof(name);
	/* the kernel's is its namespace's tcp_congestion_control; the
	 * stack's is XTCP_CC, cubic by default as Linux's */
	t_ok(getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len) == 0 &&
	    (t_kernel ? name[0] != '\0' : strcmp(name, "cubic") == 0),
	    "TCP_CONGESTION of a new socket is \"%s\"", name);
	t_zero(setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "reno", 4),
	    "TCP_CONGESTION reno before connect");
	errno = 0;
	t_errno(setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "nosuchcc", 8),
	    ENOENT, "TCP_CONGESTION nosuchcc");
	if (t_connect_fd(fd, T_SINK_PORT) != 0) {
		t_ok(0, "connect");
		close(fd);
		return;
	}
	memset(name, 0, sizeof(name));
	len = sizeof(name);
	t_ok(getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len) == 0 &&
	    strcmp(name, "reno") == 0, "still \"%s\" after connect (reno)",
	    name);
	t_zero(setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "cubic", 5),
	    "TCP_CONGESTION cubic on a connection");
	memset(name, 0, sizeof(name));
	len = sizeof(name);
	t_ok(getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len) == 0 &&
	    strcmp(name, "cubic") == 0, "getsockopt gives \"%s\" (cubic)",
	    name);
	len = 3;
	memset(name, 0, sizeof(name));
	t_ok(getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len) == 0 &&
	    len == 3 && memcmp(name, "cub", 3) == 0 && name[3] == '\0',
	    "a 3-byte buffer gets \"cub\" (len %u)", (unsigned)len);
	(void)t_write_all(fd, junk, sizeof(junk));
	(void)t_sink_report(fd, name, sizeof(name));
	close(fd);
}

static void
transfer(void)
{
	struct tcp_info a, b, c;
	char line[512];
	socklen_t len;
	long total = 0;
	int fd, i, ok;

	if ((fd = t_connect(T_SINK_PORT)) < 0) {
		t_ok(0, "connect to the sink");
		return;
	}
	for (i = 0; i < 64; i++) {
		if (t_write_all(fd, junk, sizeof(junk)) != 0)
			break;
		total += sizeof(junk);
		if (i == 16 && get_info(fd, &a) != 0)
			t_ok(0, "TCP_INFO during the transfer");
		if (i == 48 && get_info(fd, &b) != 0)
			t_ok(0, "TCP_INFO later in the transfer");
	}
	t_ok(total == 64L * (long)sizeof(junk), "wrote %ld bytes", total);
	t_ok(a.tcpi_state == TCP_ESTABLISHED, "tcpi_state is ESTABLISHED (%u)",
	    a.tcpi_state);
	t_ok(a.tcpi_ca_state == 0, "tcpi_ca_state is Open (%u)",
	    a.tcpi_ca_state);
	t_ok(a.tcpi_rtt > 0 && a.tcpi_rtt < 1000000, "tcpi_rtt %u us",
	    a.tcpi_rtt);
	t_ok(a.tcpi_rto >= 200000 && a.tcpi_rto <= 3000000,
	    "tcpi_rto %u us (at least the 200 ms minimum)", a.tcpi_rto);
	t_ok(a.tcpi_snd_mss >= 536 && a.tcpi_snd_mss <= 1460,
	    "tcpi_snd_mss %u", a.tcpi_snd_mss);
	t_ok(a.tcpi_rcv_mss > 0 && a.tcpi_rcv_mss <= 1460, "tcpi_rcv_mss %u",
	    a.tcpi_rcv_mss);
	t_ok(a.tcpi_advmss >= 536 && a.tcpi_advmss <= 1460, "tcpi_advmss %u",
	    a.tcpi_advmss);
	t_ok(a.tcpi_pmtu == 1500, "tcpi_pmtu %u", a.tcpi_pmtu);
	t_ok(a.tcpi_snd_cwnd >= 2, "tcpi_snd_cwnd %u segments",
	    a.tcpi_snd_cwnd);
	t_ok(a.tcpi_snd_ssthresh > 0, "tcpi_snd_ssthresh %u",
	    a.tcpi_snd_ssthresh);
	t_ok((a.tcpi_options & (TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK |
	    TCPI_OPT_WSCALE)) == (TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK |
	    TCPI_OPT_WSCALE), "tcpi_options has timestamps, SACK and window "
	    "scale (%#x)", a.tcpi_options);
	t_ok(a.tcpi_snd_wscale > 0 && a.tcpi_rcv_wscale > 0,
	    "window scales %u/%u", a.tcpi_snd_wscale, a.tcpi_rcv_wscale);
	t_ok(a.tcpi_unacked <= a.tcpi_snd_cwnd + 1, "tcpi_unacked %u within "
	    "the window", a.tcpi_unacked);
	t_ok(a.tcpi_bytes_acked > 0 && b.tcpi_bytes_acked > a.tcpi_bytes_acked,
	    "tcpi_bytes_acked grows: %llu then %llu",
	    (unsigned long long)a.tcpi_bytes_acked,
	    (unsigned long long)b.tcpi_bytes_acked);
	t_ok(b.tcpi_segs_out > a.tcpi_segs_out && a.tcpi_data_segs_out > 0,
	    "tcpi_segs_out grows: %u then %u", a.tcpi_segs_out,
	    b.tcpi_segs_out);
	t_ok(a.tcpi_segs_in > 0, "tcpi_segs_in %u (the ACKs)",
	    a.tcpi_segs_in);
	/* Linux never records a 0 sample (tcp_update_rtt_min: one jiffy) */
	t_ok(a.tcpi_min_rtt > 0 && a.tcpi_min_rtt <= a.tcpi_rtt + 1000,
	    "tcpi_min_rtt %u us", a.tcpi_min_rtt);
	t_ok(a.tcpi_last_data_sent < 1000, "tcpi_last_data_sent %u ms",
	    a.tcpi_last_data_sent);

	/* all acknowledged */
	for (i = 0; i < 100; i++) {
		if (get_info(fd, &c) == 0 && c.tcpi_unacked == 0 &&
		    c.tcpi_notsent_bytes == 0)
			break;
		t_sleep_ms(10);
	}
	t_ok(c.tcpi_unacked == 0 && c.tcpi_notsent_bytes == 0,
	    "then nothing is unacknowledged or unsent");
	t_ok((long)c.tcpi_bytes_acked >= total &&
	    (long)c.tcpi_bytes_acked <= total + 2, "tcpi_bytes_acked %llu "
	    "is the %ld bytes written", (unsigned long long)c.tcpi_bytes_acked,
	    total);
	t_ok((long)c.tcpi_bytes_sent >= total, "tcpi_bytes_sent %llu",
	    (unsigned long long)c.tcpi_bytes_sent);
	/* (a loaded machine may drop on the veth: no count is asserted) */
	t_ok((c.tcpi_total_retrans == 0) == (c.tcpi_bytes_retrans == 0) &&
	    c.tcpi_bytes_retrans <= c.tcpi_bytes_sent, "tcpi_total_retrans "
	    "%u and tcpi_bytes_retrans %llu agree", c.tcpi_total_retrans,
	    (unsigned long long)c.tcpi_bytes_retrans);
	if (t_peer_info(fd, line, sizeof(line)) == 0)
		t_ok(t_field(line, "bytes_received") == total,
		    "the peer's tcpi_bytes_received is %ld",
		    t_field(line, "bytes_received"));
	else
		t_ok(0, "the peer answers info");
	(void)t_sink_report(fd, line, sizeof(line));
	t_ok(t_field(line, "bytes") == total, "the sink read every byte");
	/* the sink's report is data we received */
	ok = get_info(fd, &c) == 0;
	t_ok(ok && c.tcpi_bytes_received > 0 && c.tcpi_data_segs_in >= 1,
	    "tcpi_bytes_received %llu, tcpi_data_segs_in %u",
	    (unsigned long long)c.tcpi_bytes_received, c.tcpi_data_segs_in);

	/* a short buffer gets the start of the struct */
	len = 8;
	memset(&c, 0xff, sizeof(c));
	t_ok(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &c, &len) == 0 && len == 8 &&
	    c.tcpi_rto == 0xffffffffu, "an 8-byte buffer gets 8 bytes");
	close(fd);
}

static void
listener(void)
{
	struct sockaddr_in sin;
	struct tcp_info ti;
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(fd, 4) != 0) {
		t_ok(0, "listen");
		close(fd);
		return;
	}
	t_ok(get_info(fd, &ti) == 0 && ti.tcpi_state == TCP_LISTEN,
	    "TCP_INFO of a listener: state LISTEN (%u)", ti.tcpi_state);
	close(fd);
}

int
main(int argc, char **argv)
{
	t_args(argc, argv);
	t_require_peer();
	memset(junk, 'i', sizeof(junk));
	congestion();
	transfer();
	listener();
	return (t_done());
}

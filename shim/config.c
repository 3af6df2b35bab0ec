/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config.c - table-driven parsing of the XTCP_* environment into a
 * struct shim_config (shim_config.h), and its copy onto the engine's
 * struct xtcp_config.  Each variable has one row: its name, a parser, the
 * accepted form (the text of the error line) and, for integers, the range
 * and the field.  A malformed value yields exactly one line:
 *	XTCP_ADDR: expected A.B.C.D/LEN (e.g. 10.0.0.2/24), got "garbage"
 * Part of the shim's testable layer: variables come through a lookup
 * function and messages go back to the caller, so nothing here calls the
 * hooks or logs by itself.  Nothing allocates; getenv and inet_pton are
 * not interposed.  Unit tests: tests/unit/check_shim_config.c.
 */
#include "prelude.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim_config.h"
#include "xtcp.h"

struct cfg_key {
	const char	*name;
	unsigned	 bit;
	int		(*parse)(const struct cfg_key *, const char *,
			    struct shim_config *);
	const char	*form;		/* NULL: "an integer MIN..MAX" */
	size_t		 off;		/* uint32_t field, for cfg_uint */
	unsigned long	 min, max;
};

static int	cfg_ifname(const struct cfg_key *, const char *,
		    struct shim_config *);
static int	cfg_addr(const struct cfg_key *, const char *,
		    struct shim_config *);
static int	cfg_gw(const struct cfg_key *, const char *,
		    struct shim_config *);
static int	cfg_mac(const struct cfg_key *, const char *,
		    struct shim_config *);
static int	cfg_log(const struct cfg_key *, const char *,
		    struct shim_config *);
static int	cfg_uint(const struct cfg_key *, const char *,
		    struct shim_config *);
static int	cfg_fallback(const struct cfg_key *, const char *,
		    struct shim_config *);
static int	cfg_child(const struct cfg_key *, const char *,
		    struct shim_config *);
static int	cfg_pass(const struct cfg_key *, const char *,
		    struct shim_config *);
static int	cfg_lockdir(const struct cfg_key *, const char *,
		    struct shim_config *);
static int	cfg_cc(const struct cfg_key *, const char *,
		    struct shim_config *);
static int	cfg_ports(const struct cfg_key *, const char *,
		    struct shim_config *);
static int	cfg_size(const struct cfg_key *, const char *,
		    struct shim_config *);
static int	cfg_pcap(const struct cfg_key *, const char *,
		    struct shim_config *);
static int	prefix_parse(const char *, size_t, uint32_t *, uint32_t *);
static uint32_t	prefix_mask(uint32_t);
static int	ipv4_parse(const char *, uint32_t *);
static void	quote(const char *, char *, size_t);

#define OFF(f)	offsetof(struct shim_config, f)

static const struct cfg_key cfg_keys[] = {
	{ "XTCP_IF", SHIM_CF_IF, cfg_ifname,
	    "an interface name of 1..15 characters (e.g. eth0)", 0, 0, 0 },
	{ "XTCP_TAP", SHIM_CF_TAP, cfg_ifname,
	    "a TAP interface name of 1..15 characters (e.g. tap0)", 0, 0, 0 },
	{ "XTCP_TAP_URING", SHIM_CF_TAPURING, cfg_uint, NULL, OFF(tap_uring),
	    0, 1 },
	{ "XTCP_ADDR", SHIM_CF_ADDR, cfg_addr,
	    "A.B.C.D/LEN or a range A.B.C.D-A.B.C.E/LEN "
	    "(e.g. 10.0.0.2/24 or 10.0.0.2-10.0.0.9/24)", 0, 0, 0 },
	/* one address, many processes, each with its ports (pool.c) */
	{ "XTCP_ADDR_SHARE", SHIM_CF_ADDRSHARE, cfg_uint, NULL,
	    OFF(addr_share), 0, 1 },
	{ "XTCP_GW", SHIM_CF_GW, cfg_gw,
	    "A.B.C.D (e.g. 10.0.0.1)", 0, 0, 0 },
	{ "XTCP_MAC", SHIM_CF_MAC, cfg_mac,
	    "a unicast MAC aa:bb:cc:dd:ee:ff", 0, 0, 0 },
	/* the floor: IPv4 20 + TCP 20 + the most options TCP has (40)
	 * still leaves 48 bytes of data, Linux's tcp_min_snd_mss */
	{ "XTCP_MTU", SHIM_CF_MTU, cfg_uint, NULL, OFF(mtu), 128, 65535 },
	{ "XTCP_LOG", SHIM_CF_LOG, cfg_log,
	    "error, warn, info or debug", 0, 0, 0 },
	/* Linux tcp_rto_min is 200 ms; RFC 6298 section 2.4 says 1 s */
	{ "XTCP_RTO_MIN_MS", SHIM_CF_RTOMIN, cfg_uint, NULL, OFF(rto_min_ms),
	    1, 60000 },
	/* RFC 1122 section 4.2.3.2: the delay MUST be less than 0.5 s */
	{ "XTCP_DELACK_MS", SHIM_CF_DELACK, cfg_uint, NULL, OFF(delack_ms),
	    1, 499 },
	{ "XTCP_MSL_MS", SHIM_CF_MSL, cfg_uint, NULL, OFF(msl_ms),
	    1, 600000 },
	{ "XTCP_SNDBUF", SHIM_CF_SNDBUF, cfg_uint, NULL, OFF(sndbuf),
	    4096, 1073741824 },
	{ "XTCP_RCVBUF", SHIM_CF_RCVBUF, cfg_uint, NULL, OFF(rcvbuf),
	    4096, 1073741824 },
	/* FreeBSD net.inet.tcp.sack.maxholes (128) */
	{ "XTCP_SACK_MAXHOLES", SHIM_CF_SACKHOLES, cfg_uint, NULL,
	    OFF(sack_maxholes), 1, 65536 },
	{ "XTCP_FALLBACK", SHIM_CF_FALLBACK, cfg_fallback,
	    "kernel or fail", 0, 0, 0 },
	{ "XTCP_PASSTHROUGH", SHIM_CF_PASSTHRU, cfg_pass,
	    "a comma list of at most 16 A.B.C.D/LEN or A.B.C.D "
	    "(e.g. 10.1.0.0/16,192.168.1.7)", 0, 0, 0 },
	{ "XTCP_LISTEN_KERNEL", SHIM_CF_LISTENK, cfg_uint, NULL,
	    OFF(listen_kernel), 0, 1 },
	{ "XTCP_LOCKDIR", SHIM_CF_LOCKDIR, cfg_lockdir,
	    "an absolute directory path of at most 100 characters", 0, 0, 0 },
	{ "XTCP_CHILD", SHIM_CF_CHILD, cfg_child,
	    "kernel or stack", 0, 0, 0 },
	/* the default TCP_CONGESTION of new sockets (Linux
	 * net.ipv4.tcp_congestion_control) */
	{ "XTCP_CC", SHIM_CF_CC, cfg_cc,
	    "a congestion control: reno, cubic or none", 0, 0, 0 },
	/* busy-poll this long before a blocking call sleeps (OpenOnload
	 * EF_POLL_USEC, Linux SO_BUSY_POLL); 0 = never */
	{ "XTCP_SPIN_US", SHIM_CF_SPIN, cfg_uint, NULL, OFF(spin_us),
	    0, 1000000 },
	/* a sleeping call watches the device as well as its own bell, and
	 * takes a frame in itself (one wake-up instead of two) */
	/* RFC 5227 §2.1.1 probing, once per address lease (pool.c); the
	 * RFC's own spacing takes 3 to 7 s; 0 = no probe */
	{ "XTCP_ARP_PROBE_MS", SHIM_CF_ARPPROBE, cfg_uint, NULL,
	    OFF(arp_probe_ms), 0, 10000 },
	{ "XTCP_DEVWAIT", SHIM_CF_DEVWAIT, cfg_uint, NULL, OFF(devwait),
	    0, 1 },
	/* the ephemeral ports, as Linux net.ipv4.ip_local_port_range */
	{ "XTCP_PORT_RANGE", SHIM_CF_PORTS, cfg_ports,
	    "LO-HI, two ports 1..65535 with LO <= HI (e.g. 32768-60999)",
	    0, 0, 0 },
	/* the engine's memory bound (xt_mem.h): 0, or 4 MiB (room for the
	 * transmit batch and then some) to 1 TiB */
	{ "XTCP_MEM_MAX", SHIM_CF_MEMMAX, cfg_size,
	    "0 (no bound) or a size of 4M to 1T: bytes, or a number with "
	    "a K, M or G suffix (e.g. 512M)", OFF(mem_max), 0, 0 },
	/* a capture of every frame (stack/dev/dev_pcap.h) */
	{ "XTCP_PCAP", SHIM_CF_PCAP, cfg_pcap,
	    "a file name of 1..200 characters, %p for the pid "
	    "(e.g. /tmp/x-%p.pcap)", 0, 0, 0 },
	{ "XTCP_PCAP_MAX_MB", SHIM_CF_PCAPMB, cfg_uint, NULL,
	    OFF(pcap_max_mb), 0, 1048576 },
	{ "XTCP_PCAP_FILES", SHIM_CF_PCAPN, cfg_uint, NULL, OFF(pcap_files),
	    1, 1000 },
};

#define NKEYS	(sizeof(cfg_keys) / sizeof(cfg_keys[0]))

/*
 * Engine tunables: one XTCP_ variable for each FreeBSD net.inet.tcp MIB
 * variable or illumos ndd parameter of the seeds that makes sense here
 * (see xtcp(7) for the correspondence).  Each sets one 32-bit field of
 * struct xtcp_config; ranges are checked here, so a bad value is one
 * clear line and the stack does not start.
 */
#define TUN(name, field, min, max) \
	{ name, offsetof(struct xtcp_config, field), min, max }
static const struct tun_key {
	const char	*name;
	size_t		off;		/* of a 4-byte field of xtcp_config */
	uint32_t	min, max;
} tun_keys[] = {
	TUN("XTCP_DELAYED_ACK", delayed_ack, 0, 1),
	TUN("XTCP_KEEPIDLE", keepidle_s, 1, 32767),
	TUN("XTCP_KEEPINTVL", keepintvl_s, 1, 32767),
	TUN("XTCP_KEEPCNT", keepcnt, 1, 127),
	TUN("XTCP_KEEPINIT", keepinit_ms, 0, 3600000),
	TUN("XTCP_ALWAYS_KEEPALIVE", always_keepalive, 0, 1),
	TUN("XTCP_BLACKHOLE", blackhole, 0, 2),
	TUN("XTCP_LOG_IN_VAIN", log_in_vain, 0, 2),
	TUN("XTCP_REXMIT_INITIAL", rto_init_ms, 200, 60000),
	TUN("XTCP_REXMIT_SLOP", rexmit_slop_ms, 0, 10000),
	TUN("XTCP_RTO_MAX_MS", rto_max_ms, 1000, 600000),
	TUN("XTCP_REXMIT_MAX", rexmit_max, 1, 255),
	TUN("XTCP_SYN_RETRIES", syn_retries, 1, 127),
	TUN("XTCP_INITCWND", initcwnd_segs, 1, 100),
	TUN("XTCP_SACK", sack, 0, 1),
	TUN("XTCP_TIMESTAMPS", tstamps, 0, 1),
	TUN("XTCP_TS_OFFSET_PER_CONN", ts_offset_per_conn, 0, 1),
	TUN("XTCP_WSCALE", wscale, 0, 1),
	TUN("XTCP_REASS_MAXQUEUELEN", reass_max_ranges, 1, 65536),
	TUN("XTCP_ECN", ecn, 0, 2),
	TUN("XTCP_ECN_MAXRETRIES", ecn_maxretries, 0, 30),
	TUN("XTCP_MSSDFLT", mssdflt, 88, 65495),
	TUN("XTCP_FINWAIT2_TIMEOUT", finwait2_timeout_ms, 0, 3600000),
	TUN("XTCP_FINWAIT2_NO_TIMEWAIT", fast_finwait2_recycle, 0, 1),
	TUN("XTCP_INSECURE_RST", insecure_rst, 0, 1),
	TUN("XTCP_INSECURE_SYN", insecure_syn, 0, 1),
	TUN("XTCP_PATH_MTU_DISCOVERY", path_mtu_discovery, 0, 1),
	TUN("XTCP_PMTUD_BLACKHOLE_DETECTION", pmtud_blackhole, 0, 1),
	TUN("XTCP_PMTUD_BLACKHOLE_MSS", pmtud_blackhole_mss, 536, 65495),
	TUN("XTCP_FASTOPEN", fastopen, 0, 3),
	TUN("XTCP_AUTOTUNE", autotune, 0, 1),
	TUN("XTCP_RMEM_MAX", rmem_max, 4096, 1073741824),
	TUN("XTCP_WMEM_MAX", wmem_max, 4096, 1073741824),
	TUN("XTCP_MAX_SOCKETS", max_sockets, 16, 1048576),
	TUN("XTCP_MAX_TW_BUCKETS", max_tw_buckets, 0, 16777216),
	TUN("XTCP_TW_REUSE", tw_reuse, 0, 2),
	TUN("XTCP_SYNCOOKIES", syncookies, 0, 2),
	TUN("XTCP_RFC1337", rfc1337, 0, 1),
	TUN("XTCP_INVALID_RATELIMIT_MS", invalid_ratelimit_ms, 0, 3600000),
};
#undef TUN
#define NTUN	(sizeof(tun_keys) / sizeof(tun_keys[0]))
_Static_assert(NTUN <= SHIM_NTUN, "SHIM_NTUN holds every tunable");

/* Parse the tunables (and XTCP_NOOPT, XTCP_STATS, XTCP_OFFLOAD); 0, or -1
 * with msg. */
static int
tun_load(struct shim_config *c, shim_env_fn get, void *arg, char *msg,
    size_t msglen)
{
	char *end, q[80];
	const char *v;
	unsigned long u;
	size_t i;

	c->offload = 1;
	for (i = 0; i < NTUN; i++) {
		if ((v = get(arg, tun_keys[i].name)) == NULL)
			continue;
		errno = 0;
		u = strtoul(v, &end, 10);
		if (*v == '\0' || *v == '-' || *end != '\0' || errno != 0 ||
		    u < tun_keys[i].min || u > tun_keys[i].max) {
			quote(v, q, sizeof(q));
			snprintf(msg, msglen, "%s: expected an integer %lu..%lu, "
			    "got \"%s\"", tun_keys[i].name,
			    (unsigned long)tun_keys[i].min,
			    (unsigned long)tun_keys[i].max, q);
			return (-1);
		}
		c->tun[i] = (uint32_t)u;
		c->tun_set |= (uint64_t)1 << i;
	}
	/* XTCP_NOOPT=1: no TCP options but MSS (FreeBSD's TCP_NOOPT for every
	 * socket): timestamps, window scale and SACK off */
	if ((v = get(arg, "XTCP_NOOPT")) != NULL) {
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
			quote(v, q, sizeof(q));
			snprintf(msg, msglen, "XTCP_NOOPT: expected 0 or 1, "
			    "got \"%s\"", q);
			return (-1);
		}
		if (*v == '1') {
			for (i = 0; i < NTUN; i++) {
				if (strcmp(tun_keys[i].name, "XTCP_SACK") == 0 ||
				    strcmp(tun_keys[i].name, "XTCP_TIMESTAMPS") == 0 ||
				    strcmp(tun_keys[i].name, "XTCP_WSCALE") == 0) {
					c->tun[i] = 0;
					c->tun_set |= (uint64_t)1 << i;
				}
			}
		}
	}
	/* XTCP_STATS=FILE: append every engine counter ("name value"
	 * lines) to FILE when the program exits; "-" is standard error */
	if ((v = get(arg, "XTCP_STATS")) != NULL) {
		if (*v == '\0' || strlen(v) >= sizeof(c->stats)) {
			quote(v, q, sizeof(q));
			snprintf(msg, msglen, "XTCP_STATS: expected a file name "
			    "or -, got \"%s\"", q);
			return (-1);
		}
		memcpy(c->stats, v, strlen(v) + 1);
	}
	/* XTCP_LOG_FILE=FILE: log lines go there instead of standard
	 * error (appended; %p is the pid) */
	if ((v = get(arg, "XTCP_LOG_FILE")) != NULL) {
		if (*v == '\0' || strlen(v) >= sizeof(c->log_file)) {
			quote(v, q, sizeof(q));
			snprintf(msg, msglen, "XTCP_LOG_FILE: expected a file "
			    "name, got \"%s\"", q);
			return (-1);
		}
		memcpy(c->log_file, v, strlen(v) + 1);
	}
	/* XTCP_REPORT=1: a paragraph on the log at exit (also at
	 * XTCP_LOG=info and above unless XTCP_REPORT=0) */
	c->report = -1;
	if ((v = get(arg, "XTCP_REPORT")) != NULL) {
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
			quote(v, q, sizeof(q));
			snprintf(msg, msglen, "XTCP_REPORT: expected 0 or 1, "
			    "got \"%s\"", q);
			return (-1);
		}
		c->report = *v == '1';
	}
	/* XTCP_TRACE=FILE: a CSV row per ACK and per retransmission
	 * timeout of every connection (trace.c); %p is the pid */
	if ((v = get(arg, "XTCP_TRACE")) != NULL) {
		if (*v == '\0' || strlen(v) >= sizeof(c->trace)) {
			quote(v, q, sizeof(q));
			snprintf(msg, msglen, "XTCP_TRACE: expected a file name "
			    "(%%p: the pid), got \"%s\"", q);
			return (-1);
		}
		memcpy(c->trace, v, strlen(v) + 1);
	}
	/* XTCP_OFFLOAD=0: plain frames on the device (no TSO, software
	 * checksums), e.g. to compare or to capture exact segments */
	if ((v = get(arg, "XTCP_OFFLOAD")) != NULL) {
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
			quote(v, q, sizeof(q));
			snprintf(msg, msglen, "XTCP_OFFLOAD: expected 0 or 1, "
			    "got \"%s\"", q);
			return (-1);
		}
		c->offload = *v == '1';
	}
	return (0);
}


static int	ipv4_unicast(uint32_t a);

static int
ipv4_parse(const char *s, uint32_t *out)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return (-1);
	*out = ntohl(in.s_addr);
	return (0);
}

/* An address a host may own: not 0/8, loopback, multicast, class E. */
static int
ipv4_unicast(uint32_t a)
{
	return ((a >> 24) != 0 && (a >> 24) != 127 && (a >> 28) < 14);
}

static int
cfg_ifname(const struct cfg_key *k, const char *v, struct shim_config *c)
{
	size_t i, n = strlen(v);

	(void)k;
	if (n == 0 || n >= sizeof(c->ifname))
		return (-1);
	for (i = 0; i < n; i++)
		if (v[i] == '/' || isspace((unsigned char)v[i]) ||
		    !isprint((unsigned char)v[i]))
			return (-1);
	memcpy(c->ifname, v, n + 1);
	c->tap = k->bit == SHIM_CF_TAP;
	return (0);
}

/* "A.B.C.D", n bytes of s, as a host-order unicast address. */
static int
addr_part(const char *s, size_t n, uint32_t *out)
{
	char ip[INET_ADDRSTRLEN];

	if (n == 0 || n >= sizeof(ip))
		return (-1);
	memcpy(ip, s, n);
	ip[n] = '\0';
	if (ipv4_parse(ip, out) != 0 || !ipv4_unicast(*out))
		return (-1);
	return (0);
}

/*
 * A.B.C.D/LEN, or a pool A.B.C.D-A.B.C.E/LEN: both ends inside one
 * prefix, the first not above the last, at most SHIM_POOL_MAX addresses.
 * Which address of the pool this process uses is decided when the stack
 * starts (pool.c).
 */
static int
cfg_addr(const struct cfg_key *k, const char *v, struct shim_config *c)
{
	const char *slash, *dash;
	unsigned long len;
	uint32_t lo, hi, mask;
	char *end;

	(void)k;
	slash = strchr(v, '/');
	if (slash == NULL || !isdigit((unsigned char)slash[1]))
		return (-1);
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (errno != 0 || *end != '\0' || len > 32)
		return (-1);
	dash = memchr(v, '-', slash - v);
	if (dash == NULL) {
		if (addr_part(v, slash - v, &lo) != 0)
			return (-1);
		hi = lo;
	} else if (addr_part(v, dash - v, &lo) != 0 ||
	    addr_part(dash + 1, slash - dash - 1, &hi) != 0)
		return (-1);
	mask = prefix_mask(len);
	if (lo > hi || (lo & mask) != (hi & mask) ||
	    hi - lo >= SHIM_POOL_MAX)
		return (-1);
	c->addr = lo;
	c->addr_lo = lo;
	c->addr_hi = hi;
	c->addr_pool = dash != NULL;
	c->prefixlen = len;
	return (0);
}

static int
cfg_fallback(const struct cfg_key *k, const char *v, struct shim_config *c)
{
	(void)k;
	if (strcmp(v, "kernel") == 0)
		c->fallback = 1;
	else if (strcmp(v, "fail") == 0)
		c->fallback = 0;
	else
		return (-1);
	return (0);
}

static int
cfg_child(const struct cfg_key *k, const char *v, struct shim_config *c)
{
	(void)k;
	if (strcmp(v, "stack") == 0)
		c->child_stack = 1;
	else if (strcmp(v, "kernel") == 0)
		c->child_stack = 0;
	else
		return (-1);
	return (0);
}

static uint32_t
prefix_mask(uint32_t len)
{
	return (len == 0 ? 0 : ~0U << (32 - len));
}

/* "A.B.C.D" or "A.B.C.D/LEN" in the n bytes at s. */
static int
prefix_parse(const char *s, size_t n, uint32_t *net, uint32_t *mask)
{
	char ip[INET_ADDRSTRLEN];
	const char *slash;
	unsigned long len = 32;
	size_t i, an;

	slash = memchr(s, '/', n);
	an = slash != NULL ? (size_t)(slash - s) : n;
	if (an == 0 || an >= sizeof(ip))
		return (-1);
	if (slash != NULL) {
		if (slash + 1 == s + n || s + n - slash - 1 > 2)
			return (-1);
		len = 0;
		for (i = 1; slash + i < s + n; i++) {
			if (!isdigit((unsigned char)slash[i]))
				return (-1);
			len = len * 10 + (slash[i] - '0');
		}
		if (len > 32)
			return (-1);
	}
	memcpy(ip, s, an);
	ip[an] = '\0';
	if (ipv4_parse(ip, net) != 0)
		return (-1);
	*mask = prefix_mask(len);
	*net &= *mask;
	return (0);
}

static int
cfg_pass(const struct cfg_key *k, const char *v, struct shim_config *c)
{
	const char *p = v;
	size_t n;

	(void)k;
	c->npass = 0;
	for (;;) {
		n = strcspn(p, ",");
		if (c->npass == SHIM_NPASS || prefix_parse(p, n,
		    &c->pass[c->npass].net, &c->pass[c->npass].mask) != 0)
			return (-1);
		c->npass++;
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	return (0);
}

static int
cfg_lockdir(const struct cfg_key *k, const char *v, struct shim_config *c)
{
	size_t n = strlen(v);

	(void)k;
	if (v[0] != '/' || n > 100 || n >= sizeof(c->lockdir))
		return (-1);
	memcpy(c->lockdir, v, n + 1);
	return (0);
}

/* XTCP_PCAP: a name that fits with any pid in place of each %p; any
 * other % is an error, so that a typo does not become a file name. */
static int
cfg_pcap(const struct cfg_key *k, const char *v, struct shim_config *c)
{
	size_t n = strlen(v), i, np = 0;

	(void)k;
	if (n == 0 || n >= sizeof(c->pcap))
		return (-1);
	for (i = 0; i < n; i++) {
		if (v[i] != '%')
			continue;
		if (v[i + 1] == 'p')
			np++;
		else if (v[i + 1] != '%')
			return (-1);
		i++;
	}
	/* each %p grows to at most 10 digits */
	if (n + np * 8 >= sizeof(c->pcap))
		return (-1);
	memcpy(c->pcap, v, n + 1);
	return (0);
}

/* XTCP_CC: one of the engine's registered algorithms. */
static int
cfg_cc(const struct cfg_key *k, const char *v, struct shim_config *c)
{
	size_t n = strlen(v);

	(void)k;
	if (n == 0 || n >= sizeof(c->cc) || !xtcp_cc_known(v))
		return (-1);
	memcpy(c->cc, v, n + 1);
	return (0);
}

/* One port 1..65535 at *pp, which moves past its digits. */
static int
port_part(const char **pp, uint16_t *out)
{
	const char *p = *pp;
	unsigned long v = 0;
	int n;

	for (n = 0; isdigit((unsigned char)p[n]); n++) {
		if (n == 5)
			return (-1);
		v = v * 10 + (unsigned long)(p[n] - '0');
	}
	if (n == 0 || v == 0 || v > 65535)
		return (-1);
	*out = (uint16_t)v;
	*pp = p + n;
	return (0);
}

/*
 * XTCP_PORT_RANGE: "LO-HI", or "LO HI" as Linux's ip_local_port_range
 * prints it (a tab or spaces between).  LO == HI is one port.
 */
static int
cfg_ports(const struct cfg_key *k, const char *v, struct shim_config *c)
{
	uint16_t lo, hi;

	(void)k;
	if (port_part(&v, &lo) != 0)
		return (-1);
	if (*v == '-')
		v++;
	else if (*v == ' ' || *v == '\t')
		v += strspn(v, " \t");
	else
		return (-1);
	if (port_part(&v, &hi) != 0 || *v != '\0' || lo > hi)
		return (-1);
	c->port_lo = lo;
	c->port_hi = hi;
	return (0);
}

int
shim_config_passthrough(const struct shim_config *c, uint32_t a)
{
	unsigned i;

	for (i = 0; i < c->npass; i++)
		if ((a & c->pass[i].mask) == c->pass[i].net)
			return (1);
	return (0);
}

static int
cfg_gw(const struct cfg_key *k, const char *v, struct shim_config *c)
{
	(void)k;
	if (ipv4_parse(v, &c->gw) != 0 || !ipv4_unicast(c->gw))
		return (-1);
	return (0);
}

static int
cfg_mac(const struct cfg_key *k, const char *v, struct shim_config *c)
{
	unsigned b[6];
	char tail;
	int i;

	(void)k;
	if (strlen(v) != 17 || sscanf(v, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0],
	    &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
		return (-1);
	for (i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)v[i * 3]) ||
		    !isxdigit((unsigned char)v[i * 3 + 1]))
			return (-1);
		c->mac[i] = b[i];
	}
	/* IEEE 802: the I/G bit marks group addresses; all-zero is unset */
	if ((c->mac[0] & 1) != 0 || (b[0] | b[1] | b[2] | b[3] | b[4] |
	    b[5]) == 0)
		return (-1);
	return (0);
}

static int
cfg_log(const struct cfg_key *k, const char *v, struct shim_config *c)
{
	static const char *const names[] = { "error", "warn", "info",
	    "debug" };
	unsigned i;

	(void)k;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(v, names[i]) == 0) {
			c->log_level = i;
			return (0);
		}
	return (-1);
}

/* A byte count into a uint64_t field: digits and at most one K, M or G
 * (powers of 1024); 0, or 4 MiB to 1 TiB. */
static int
cfg_size(const struct cfg_key *k, const char *v, struct shim_config *c)
{
	unsigned long long n;
	unsigned shift = 0;
	char *end;

	if (!isdigit((unsigned char)v[0]))
		return (-1);
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0 || n > (1ULL << 40))
		return (-1);
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	default:
		return (-1);
	}
	if (*end != '\0' && end[1] != '\0')
		return (-1);
	if (n > (1ULL << 40) >> shift)
		return (-1);
	n <<= shift;
	if (n != 0 && n < (4ULL << 20))
		return (-1);
	*(uint64_t *)(void *)((char *)c + k->off) = n;
	return (0);
}

static int
cfg_uint(const struct cfg_key *k, const char *v, struct shim_config *c)
{
	unsigned long n;
	char *end;

	if (!isdigit((unsigned char)v[0]))
		return (-1);
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < k->min || n > k->max)
		return (-1);
	*(uint32_t *)(void *)((char *)c + k->off) = (uint32_t)n;
	return (0);
}

/* The value as printed in an error line: at most 64 characters,
 * non-printable bytes as '?'. */
static void
quote(const char *v, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; v[i] != '\0' && i + 4 < outlen && i < 64; i++)
		out[i] = isprint((unsigned char)v[i]) ? v[i] : '?';
	if (v[i] != '\0' && i + 4 < outlen) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
}

/* Variables read outside the two tables (shim_config_parse). */
static const char *const other_keys[] = {
	"XTCP_NOOPT", "XTCP_STATS", "XTCP_OFFLOAD", "XTCP_LOG_FILE",
	"XTCP_REPORT", "XTCP_TRACE",
	"XTCP_FAMILY"		/* set by the shim itself (family.c) */
};

/* Is name the n bytes at p? */
static int
name_is(const char *name, const char *p, size_t n)
{
	return (strlen(name) == n && strncmp(name, p, n) == 0);
}

/* Is the n-byte name at p one the shim reads? */
static int
known_name(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (name_is(cfg_keys[i].name, p, n))
			return (1);
	for (i = 0; i < NTUN; i++)
		if (name_is(tun_keys[i].name, p, n))
			return (1);
	for (i = 0; i < sizeof(other_keys) / sizeof(other_keys[0]); i++)
		if (name_is(other_keys[i], p, n))
			return (1);
	return (0);
}

/* getenv as a shim_env_fn. */
static const char *
env_getenv(void *arg, const char *name)
{
	(void)arg;
	return (getenv(name));
}

const char *
shim_config_env_lookup(void *envp, const char *name)
{
	char *const *e;
	size_t n = strlen(name);

	for (e = envp; e != NULL && *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return (*e + n + 1);
	return (NULL);
}

enum shim_cfg_result
shim_config_load(struct shim_config *c, char *msg, size_t msglen)
{
	return (shim_config_parse(c, env_getenv, NULL, msg, msglen));
}

enum shim_cfg_result
shim_config_parse(struct shim_config *c, shim_env_fn get, void *arg,
    char *msg, size_t msglen)
{
	const struct cfg_key *k;
	char q[80], form[48];
	const char *v;
	uint32_t mask;
	size_t i;

	memset(c, 0, sizeof(*c));
	c->log_level = XTCP_LOG_ERROR;
	c->devwait = 1;			/* run to completion (core.c) */
	c->arp_probe_ms = 1000;		/* RFC 5227 probe, once a lease */
	c->pcap_max_mb = 100;		/* XTCP_PCAP: 100 MB a file, */
	c->pcap_files = 5;		/* five files */
	for (i = 0; i < NKEYS; i++) {
		k = &cfg_keys[i];
		if ((v = get(arg, k->name)) == NULL)
			continue;
		if (k->parse(k, v, c) != 0) {
			quote(v, q, sizeof(q));
			if (k->form == NULL)
				snprintf(form, sizeof(form),
				    "an integer %lu..%lu", k->min, k->max);
			snprintf(msg, msglen, "%s: expected %s, got \"%s\"",
			    k->name, k->form != NULL ? k->form : form, q);
			return (SHIM_CFG_BAD);
		}
		c->set |= k->bit;
	}
	if (tun_load(c, get, arg, msg, msglen) != 0)
		return (SHIM_CFG_BAD);
	if ((c->set & (SHIM_CF_IF | SHIM_CF_TAP | SHIM_CF_ADDR)) == 0)
		return (SHIM_CFG_INERT);
	if ((c->set & (SHIM_CF_IF | SHIM_CF_TAP)) ==
	    (SHIM_CF_IF | SHIM_CF_TAP)) {
		snprintf(msg, msglen, "XTCP_TAP: not with XTCP_IF (give one "
		    "device: an interface for AF_PACKET or a TAP)");
		return (SHIM_CFG_BAD);
	}
	if ((c->set & (SHIM_CF_IF | SHIM_CF_TAP)) == 0) {
		snprintf(msg, msglen, "XTCP_IF: required with XTCP_ADDR "
		    "(the interface to use, e.g. eth0; or XTCP_TAP, a TAP)");
		return (SHIM_CFG_BAD);
	}
	if ((c->set & SHIM_CF_ADDR) == 0) {
		snprintf(msg, msglen, "XTCP_ADDR: required with %s "
		    "(A.B.C.D/LEN or A.B.C.D-A.B.C.E/LEN, e.g. 10.0.0.2/24)",
		    c->tap ? "XTCP_TAP" : "XTCP_IF");
		return (SHIM_CFG_BAD);
	}
	if (!(c->set & SHIM_CF_ADDRSHARE))
		c->addr_share = !c->addr_pool;
	else if (c->addr_share && c->addr_lo != c->addr_hi) {
		snprintf(msg, msglen, "XTCP_ADDR_SHARE: 1 needs a single "
		    "address in XTCP_ADDR (a range gives each process an "
		    "address of its own)");
		return (SHIM_CFG_BAD);
	}
	if (c->set & SHIM_CF_GW) {
		mask = prefix_mask(c->prefixlen);
		if ((c->gw >= c->addr_lo && c->gw <= c->addr_hi) ||
		    (c->gw & mask) != (c->addr & mask)) {
			quote(get(arg, "XTCP_GW"), q, sizeof(q));
			snprintf(msg, msglen, "XTCP_GW: expected an address "
			    "inside XTCP_ADDR's prefix other than XTCP_ADDR, "
			    "got \"%s\"", q);
			return (SHIM_CFG_BAD);
		}
	}
	return (SHIM_CFG_OK);
}

uint32_t
shim_config_max_sockets(unsigned long long nofile_hard)
{
	if (nofile_hard < 4096)
		return (4096);
	return (nofile_hard > 1048576 ? 1048576 : (uint32_t)nofile_hard);
}

void
shim_config_apply(const struct shim_config *c, struct xtcp_config *ec)
{
	size_t i;

	ec->addr = c->addr;
	ec->prefixlen = c->prefixlen;
	ec->gw = c->gw;
	ec->mtu = c->mtu;
	ec->log_level = c->log_level;
	if (c->set & SHIM_CF_RTOMIN)
		ec->rto_min_ms = c->rto_min_ms;
	if (c->set & SHIM_CF_DELACK)
		ec->delack_ms = c->delack_ms;
	if (c->set & SHIM_CF_MSL)
		ec->msl_ms = c->msl_ms;
	if (c->set & SHIM_CF_SNDBUF)
		ec->sndbuf = c->sndbuf;
	if (c->set & SHIM_CF_RCVBUF)
		ec->rcvbuf = c->rcvbuf;
	if (c->set & SHIM_CF_SACKHOLES)
		ec->sack_maxholes = c->sack_maxholes;
	if (c->set & SHIM_CF_PORTS) {
		ec->port_lo = c->port_lo;
		ec->port_hi = c->port_hi;
	}
	if (c->set & SHIM_CF_MEMMAX)
		ec->mem_max = c->mem_max;
	if (c->set & SHIM_CF_CC) {
		_Static_assert(sizeof(ec->congestion) >= sizeof(c->cc),
		    "XTCP_CC fits the engine's name");
		memcpy(ec->congestion, c->cc, sizeof(c->cc));
	}
	for (i = 0; i < NTUN; i++)
		if (c->tun_set & ((uint64_t)1 << i))
			memcpy((char *)ec + tun_keys[i].off, &c->tun[i], 4);
}

void
shim_config_warn_unknown(char *const *envp, shim_report_fn report,
    void *arg)
{
	char name[64], line[96];
	char *const *e;
	size_t n;

	for (e = envp; e != NULL && *e != NULL; e++) {
		if (strncmp(*e, "XTCP_", 5) != 0)
			continue;
		n = strcspn(*e, "=");
		if (known_name(*e, n))
			continue;
		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, *e, n);
		name[n] = '\0';
		(void)snprintf(line, sizeof(line), "%s: unknown variable, "
		    "ignored", name);
		report(arg, XTCP_LOG_WARN, line);
	}
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * shim_config.h - the XTCP_* environment as a struct shim_config, and
 * the parser (config.c) that fills it.  The parser stands alone: it reads
 * variables through a lookup function (getenv, or an array in tests and
 * the fuzz target), returns its one error line in a buffer and reports
 * unknown variables through a callback, so it links without the hooks.
 * (Named shim_config.h so that it never shadows autoconf's config.h.)
 */
#ifndef SHIM_CONFIG_H
#define SHIM_CONFIG_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

struct xtcp_config;

/* bits of shim_config.set: which variables were given */
#define SHIM_CF_IF	0x0001
#define SHIM_CF_ADDR	0x0002
#define SHIM_CF_GW	0x0004
#define SHIM_CF_MAC	0x0008
#define SHIM_CF_MTU	0x0010
#define SHIM_CF_LOG	0x0020
#define SHIM_CF_RTOMIN	0x0040
#define SHIM_CF_DELACK	0x0080
#define SHIM_CF_MSL	0x0100
#define SHIM_CF_SNDBUF	0x0200
#define SHIM_CF_RCVBUF	0x0400
#define SHIM_CF_FALLBACK 0x0800
#define SHIM_CF_PASSTHRU 0x1000
#define SHIM_CF_LISTENK	0x2000
#define SHIM_CF_LOCKDIR	0x4000
#define SHIM_CF_CHILD	0x8000
#define SHIM_CF_CC	0x10000
#define SHIM_CF_SACKHOLES 0x20000
#define SHIM_CF_SPIN	0x40000
#define SHIM_CF_TAP	0x80000
#define SHIM_CF_TAPURING 0x100000
#define SHIM_CF_DEVWAIT	0x200000
#define SHIM_CF_PORTS	0x400000
#define SHIM_CF_MEMMAX	0x800000
#define SHIM_CF_ADDRSHARE 0x1000000
#define SHIM_CF_PCAP	0x2000000
#define SHIM_CF_PCAPMB	0x4000000
#define SHIM_CF_PCAPN	0x8000000
#define SHIM_CF_ARPPROBE 0x40000000

#define SHIM_NPASS	16		/* XTCP_PASSTHROUGH entries */
#define SHIM_POOL_MAX	65536		/* addresses in an XTCP_ADDR range */

/* one XTCP_PASSTHROUGH prefix, host order */
struct shim_cidr {
	uint32_t	net;
	uint32_t	mask;
};

#define SHIM_NTUN	40	/* room for the engine tunables table */

struct shim_config {
	unsigned	set;
	char		ifname[IF_NAMESIZE];	/* XTCP_IF or XTCP_TAP */
	int		tap;		/* ifname is a TAP (XTCP_TAP) */
	uint32_t	tap_uring;	/* XTCP_TAP_URING: 0 = plain read/write */
	uint32_t	addr;		/* host order; the claimed one (pool.c) */
	uint32_t	addr_lo;	/* XTCP_ADDR's range, host order; */
	uint32_t	addr_hi;	/* lo == hi for a single address */
	uint32_t	prefixlen;
	uint32_t	addr_share;	/* XTCP_ADDR_SHARE: 1 = share the
					 * address with other processes by
					 * port (default for A.B.C.D/LEN),
					 * 0 = one process per address
					 * (default for a range, even
					 * A.B.C.D-A.B.C.D/LEN) */
	int		addr_pool;	/* XTCP_ADDR had the range form */
	uint32_t	gw;		/* host order, 0 = none */
	uint8_t		mac[6];
	uint32_t	mtu;		/* 0 = the interface's */
	uint32_t	log_level;	/* enum xtcp_log_level */
	uint32_t	rto_min_ms;
	uint32_t	delack_ms;
	uint32_t	msl_ms;
	uint32_t	sndbuf;
	uint32_t	rcvbuf;
	uint32_t	sack_maxholes;	/* XTCP_SACK_MAXHOLES */
	uint32_t	fallback;	/* XTCP_FALLBACK: 1 = kernel, 0 = fail */
	uint32_t	listen_kernel;	/* XTCP_LISTEN_KERNEL: 0 or 1 */
	uint32_t	child_stack;	/* XTCP_CHILD: 1 = stack, 0 = kernel */
	uint32_t	spin_us;	/* XTCP_SPIN_US: busy-poll before sleeping */
	uint32_t	arp_probe_ms;	/* XTCP_ARP_PROBE_MS, RFC 5227 probe */
	uint32_t	devwait;	/* XTCP_DEVWAIT: a sleeper watches the device */
	uint16_t	port_lo;	/* XTCP_PORT_RANGE: ephemeral ports, */
	uint16_t	port_hi;	/* inclusive */
	uint64_t	mem_max;	/* XTCP_MEM_MAX: engine bytes, 0 = no bound */
	unsigned	npass;
	struct shim_cidr pass[SHIM_NPASS];	/* XTCP_PASSTHROUGH */
	char		lockdir[128];	/* XTCP_LOCKDIR, "" = the default */
	char		cc[16];		/* XTCP_CC: congestion control name */
	uint64_t	tun_set;	/* which engine tunables were given */
	uint32_t	tun[SHIM_NTUN];	/* their values (see tun_keys) */
	int		offload;	/* XTCP_OFFLOAD: 0 = plain frames */
	char		stats[256];	/* XTCP_STATS: where to dump counters at exit */
	char		pcap[201];	/* XTCP_PCAP: capture file, %p = pid */
	uint32_t	pcap_max_mb;	/* XTCP_PCAP_MAX_MB: per file, 0 = no cap */
	uint32_t	pcap_files;	/* XTCP_PCAP_FILES: FILE, FILE.1 .. */
	char		log_file[256];	/* XTCP_LOG_FILE, "" = stderr; %p = pid */
	int		report;		/* XTCP_REPORT: exit report, -1 = unset */
	char		trace[256];	/* XTCP_TRACE: CSV rows per ACK and RTO */
};

/* A log sink: one line, no newline, at an enum xtcp_log_level (the
 * shape of struct xtcp_config's log_fn, so shim_engine_log fits). */
typedef void	(*shim_report_fn)(void *arg, int level, const char *line);
/* The value of variable name, or NULL if it is not set. */
typedef const char *(*shim_env_fn)(void *arg, const char *name);

enum shim_cfg_result {
	SHIM_CFG_INERT,		/* neither XTCP_IF nor XTCP_ADDR: kernel TCP */
	SHIM_CFG_OK,		/* run the stack */
	SHIM_CFG_BAD		/* malformed: msg says why, in one line */
};

/* Parse the variables get(arg, NAME) gives into *c.  On SHIM_CFG_BAD, msg
 * holds one line (no prefix, no newline) naming the variable and the
 * accepted form. */
enum shim_cfg_result shim_config_parse(struct shim_config *c,
	    shim_env_fn get, void *arg, char *msg, size_t msglen);
/* shim_config_parse() of the process environment (getenv). */
enum shim_cfg_result shim_config_load(struct shim_config *c, char *msg,
	    size_t msglen);
/* A shim_env_fn over envp, a NULL-terminated array of "NAME=value"
 * strings (environ's shape). */
const char *shim_config_env_lookup(void *envp, const char *name);
/* The socket limit when XTCP_MAX_SOCKETS is not given: what the fd
 * limit allows (every socket the program holds is an fd), given the hard
 * RLIMIT_NOFILE, between 4096 and 1048576. */
uint32_t shim_config_max_sockets(unsigned long long nofile_hard);
/* Copy what was given onto an engine config already holding defaults. */
void	shim_config_apply(const struct shim_config *c,
	    struct xtcp_config *ec);
/* Does a (host order) match XTCP_PASSTHROUGH? */
int	shim_config_passthrough(const struct shim_config *c, uint32_t a);
/* Report each XTCP_ variable of envp (environ's shape; NULL: none) that
 * is not ours, one line at XTCP_LOG_WARN: "NAME: unknown variable,
 * ignored".  The tunables and XTCP_NOOPT/STATS/OFFLOAD count as unknown
 * here, as they always have (issue 11 moved this code; it did not change
 * what it says). */
void	shim_config_warn_unknown(char *const *envp, shim_report_fn report,
	    void *arg);

#endif /* SHIM_CONFIG_H */

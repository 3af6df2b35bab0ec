/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xt_engine.h - the engine context, struct xtcp_engine, and the services
 * every layer takes from it (xt_engine.c): the time of the last entry
 * point, randomness, logging, counters, the deadline notice and the
 * transmit batch.  It embeds the net layer's state (net/net.h) and points
 * at the TCBs; the public calls that drive the layers are in
 * xtcp_engine.c.
 *
 * There is no global state: everything hangs off struct xtcp_engine.
 */
#ifndef XT_ENGINE_H
#define XT_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "xtcp.h"
#include "xt_mem.h"
#include "xt_stats.h"
#include "net/net.h"		/* struct xt_arp_cache, embedded below */
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/siphash.h"

struct xt_dev;
struct xt_tw_table;
struct xt_port;
struct xtcp_sock;

#define XT_TX_BATCH	32	/* frames gathered before one tx_burst */
#define XT_TX_HEADROOM	(XT_ETH_HLEN + XT_IPV4_HLEN)
#define XT_TSO_MAX	65535	/* IPv4 datagram carrying a TSO super-frame */

/*
 * What one process brings to the engine: its device handle, its
 * callbacks and log sink, and net/'s protocol table, which name code and
 * private memory.  The engine itself may live in memory a process family
 * shares (issue 13), where such pointers would be wrong in every member
 * but one (and after exec in all): it holds only eng->proc, which the
 * lock holder installs (xtcp_engine_adopt) each time it takes the lock,
 * so it is always the caller's own.
 */
struct xtcp_proc {
	struct xt_dev		*dev;
	xtcp_wakeup_fn		wakeup;
	xtcp_kick_fn		kick;
	xtcp_wakeup_fn		urg;		/* urgent data announced (SIGURG) */
	void			*cb_arg;
	void			(*log_fn)(void *arg, int level, const char *line);
	void			*log_arg;
	/* what net/ hands upward, filled in when the process first meets
	 * the engine (xtcp_engine.c) */
	struct xt_ipproto	ipproto[XT_IP_NPROTO];	/* by IP protocol */
	xt_neigh_unreachable_fn	on_neigh_unreachable;	/* ARP gave up */
	xtcp_ports_fn		ports;		/* the shared address's port
						 * map (NULL: all ports ours) */
	void			*ports_arg;
	xtcp_trace_fn		trace;		/* XTCP_TRACE rows, or NULL */
	void			*trace_arg;
};

struct xtcp_engine {
	struct xtcp_config	cfg;		/* log_fn and log_arg: NULL */
	struct xtcp_proc	*proc;		/* the lock holder's (above) */
	uint8_t			mac[6];
	uint32_t		mtu;		/* IP MTU */
	uint64_t		now;		/* µs, from the last entry point */
	/* secrets (struct xtcp_keys), independent of one another */
	struct xt_sipkey	isn_key;	/* RFC 6528 §3 F() */
	struct xt_sipkey	tfo_key;	/* RFC 7413 §4.1.2 cookie MAC */
	struct xt_sipkey	sc_key;		/* RFC 4987 §3.6 SYN cookie MAC */
	struct xt_sipkey	ts_key;		/* RFC 7323 §5.4 TSval offsets */
	struct xt_sipkey	rng_key;	/* xt_random(): SipHash in counter mode */
	uint64_t		rng_ctr;	/* xt_random() calls so far */
	struct xt_sipkey	port_key;	/* RFC 6056 §3.3.3 F() */
	uint32_t		port_ctr;	/* RFC 6056 §3.3.3 next_ephemeral,
						 * ports probed so far */
	uint16_t		port_last;	/* shared address: the last port
						 * picked from held blocks (0:
						 * none), where their walk goes on */
	struct xt_tfo_cache {
		uint32_t	ip;		/* server, host order; 0 = free */
		uint8_t		len;		/* cookie bytes */
		uint8_t		cookie[16];
	}			tfo_cache[16];	/* client cookies (RFC 7413 §4.1.3) */
	unsigned		tfo_next;	/* next slot to replace */
	uint16_t		ip_id;		/* next IPv4 identification */
	struct xt_stats		stats;
	struct xt_mem		mem;		/* every allocation below (xt_mem.h) */

	/* sockets / TCBs */
	struct xtcp_sock	*tcbs;		/* doubly linked list */
	uint32_t		ntcb;
	struct xt_tw_table	*tw;		/* TIME-WAIT entries (tcp_timewait.c) */
	/* their demultiplexing tables (tcp/tcp_subr.c): chained hash
	 * tables under a key of their own, doubled as they fill */
	struct xt_sipkey	demux_key;	/* derived from isn_key */
	struct xtcp_sock	**conn_tab;	/* by 4-tuple */
	uint32_t		conn_mask;	/* buckets - 1 */
	uint32_t		nconn;		/* TCBs in it */
	struct xt_port		**port_tab;	/* by local port */
	uint32_t		port_mask;	/* buckets - 1 */
	uint32_t		nport;		/* ports in it */
	struct xtcp_sock	*synsent;	/* TCBs in SYN-SENT (tcp_neigh.c) */
	uint64_t		demux_lookups;	/* lookups done (tests: work per */
	uint64_t		demux_probes;	/* lookup); entries compared */
	int			demux_nomem;	/* tests: table memory runs out */
	/* TCP timers (tcp_timer.c): a binary min-heap of TCBs */
	struct xt_tcp_timerq {
		struct xt_tm_slot {
			uint64_t key;	/* µs, <= tp's earliest deadline */
			struct xtcp_sock *tp;
		}	*heap;		/* heap[0] has the smallest key */
		struct xtcp_sock **due;	/* what xt_tcp_timers_run runs */
		uint32_t n;		/* TCBs in heap */
		uint32_t ndue;		/* TCBs in due */
		uint32_t cap;		/* slots in heap and in due */
		uint64_t serial;	/* TCBs allocated so far */
		uint64_t visits;	/* TCBs looked at by next and
					 * run (tests bound it) */
		int	scan;		/* tests: next and run by the scan
					 * the heap replaced, to compare */
	}			tm;

	/* neighbour cache (net/): embedded, so it is sized and zeroed with
	 * the engine and needs no allocation of its own */
	struct xt_arp_cache	arp;

	/* transmit batch */
	uint8_t			*txbuf[XT_TX_BATCH];	/* each txbuf_size bytes */
	size_t			txbuf_size;
	size_t			txhead;		/* vnet header bytes before Ethernet */
	int			offload;	/* device does checksums and TSO */
	struct iovec		txv[XT_TX_BATCH];
	unsigned		ntx;		/* frames committed */

	uint64_t		armed;		/* deadline last reported */
	uint64_t		work_seq;	/* units of work begun
						 * (tcp_var.h, XT_WORK_BEGIN) */
	int			work_open;	/* one is in progress */

	/* an engine of its own (xtcp_engine_new_keyed, tests): private
	 * memory, freed with it; NULL for one in the caller's arena */
	void			*own_arena;	/* mapped, holds the engine */
	struct xtcp_proc	*own_proc;
	uint64_t		ports_tick;	/* next XTCP_PORTS_TICK, us */
	int			follower;	/* another process leads the
						 * address: no ARP or echo
						 * replies */
};

/* How often a shared address's ports callback hears XTCP_PORTS_TICK. */
#define XT_PORTS_TICK_US	1000000
/* The shared address's port map (xtcp.h XTCP_PORTS_*): whether there is
 * one, and a question to it.  The callback and its argument are the
 * process's own, like the other callbacks: these two are all the engine
 * knows of where they are kept. */
#define XT_PORTS_SHARED(eng)	((eng)->proc->ports != NULL)
#define XT_PORTS_ASK(eng, op, port) \
	((eng)->proc->ports((eng)->proc->ports_arg, (op), (port)))

/* xt_engine.c */
/* 64 random bits: SipHash-2-4 under the engine's own key of a counter,
 * so outputs (ports, jitter) reveal neither that key nor the others. */
uint64_t xt_random(struct xtcp_engine *eng);
void	xt_log(struct xtcp_engine *eng, int level, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* "a.b.c.d:port -> a.b.c.d:port" into buf; XT_CONNSTR_LEN fits any. */
#define XT_CONNSTR_LEN	48
char	*xt_fmt_conn(char *buf, size_t len, uint32_t laddr, uint16_t lport,
	    uint32_t faddr, uint16_t fport);
#define XT_LOG_DEBUG(eng, ...) do { \
	if ((eng)->cfg.log_level >= XTCP_LOG_DEBUG) \
		xt_log((eng), XTCP_LOG_DEBUG, __VA_ARGS__); \
} while (0)
/* A timer at `at` was armed: tell the caller if it is earlier than the
 * deadline it knows. */
void	xt_engine_timer_armed(struct xtcp_engine *eng, uint64_t at);
/* Transmit batch: begin returns where the IPv4 payload of the next
 * frame goes (room for xt_tx_l4max() bytes); xt_tx_commit() (net/net.h)
 * puts the headers around it and queues it. */
uint8_t	*xt_tx_begin(struct xtcp_engine *eng);
/* Largest IPv4 payload one frame may carry (MTU, or TSO size). */
size_t	xt_tx_l4max(const struct xtcp_engine *eng);
void	xt_tx_flush(struct xtcp_engine *eng);
/* Queue a complete Ethernet frame (ARP uses it). */
void	xt_tx_raw(struct xtcp_engine *eng, const uint8_t *frame, size_t len);

#endif

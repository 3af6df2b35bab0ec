/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xtcp.h - the engine's API: create an engine over a device, feed it
 * frames and time, and use its TCP sockets.
 *
 * Threading: the engine has no lock of its own.  The caller (the shim)
 * serialises every call on one engine with one mutex.  Time is always an
 * argument (monotonic microseconds); the engine never reads a clock.
 * Nothing here blocks: calls that would wait return XT_EAGAIN, and the
 * engine reports readiness changes through the wakeup callback so the
 * caller can sleep and retry.
 *
 * Addresses and ports are host byte order throughout.
 */
#ifndef XTCP_H
#define XTCP_H

#include <stddef.h>
#include <stdint.h>

#include "xt_err.h"

struct xt_dev;
struct xtcp_engine;
struct xtcp_sock;

enum xtcp_log_level {
	XTCP_LOG_ERROR = 0,
	XTCP_LOG_WARN = 1,
	XTCP_LOG_INFO = 2,
	XTCP_LOG_DEBUG = 3
};

struct xtcp_config {
	uint32_t	addr;		/* our IPv4 address */
	uint8_t		prefixlen;	/* on-link prefix length */
	uint32_t	gw;		/* default gateway, 0 = none */
	uint32_t	mtu;		/* IP MTU; 0 = the device's */
	uint32_t	arp_probe_ms;	/* RFC 5227 §2.1.1 probing before use,
					 * total; 0 = none, announce at once */
	uint32_t	rto_init_ms;	/* RFC 6298 §2.1: 1000 */
	uint32_t	rto_min_ms;	/* Linux 200; RFC 6298 §2.4 1000 */
	uint32_t	rto_max_ms;	/* 120000 as Linux TCP_RTO_MAX */
	uint32_t	delack_ms;	/* delayed-ACK timer, 40..200 (RFC 1122 §4.2.3.2: < 500) */
	uint32_t	msl_ms;		/* TIME-WAIT is 2*MSL; 30000 as FreeBSD */
	uint32_t	rexmit_max;	/* data retransmissions before ETIMEDOUT (Linux tcp_retries2 15) */
	uint32_t	syn_retries;	/* SYN retransmissions before ETIMEDOUT (Linux 6) */
	uint32_t	sndbuf;		/* default send buffer, bytes */
	uint32_t	rcvbuf;		/* default receive buffer, bytes */
	uint32_t	max_sockets;	/* socket table size */
	uint32_t	max_tw_buckets;	/* TIME-WAIT entries without a socket
					 * (Linux tcp_max_tw_buckets) */
	uint32_t	tw_reuse;	/* connect may take a TIME-WAIT
					 * 4-tuple (Linux tcp_tw_reuse: 0 no,
					 * 1 yes, 2 loopback only = never
					 * here) */
	uint64_t	mem_max;	/* bytes the engine may allocate for its
					 * state and buffers (xt_mem.h), 0 = no
					 * bound (default) */
	uint32_t	reass_max_ranges; /* out-of-order ranges kept per connection */
	int		tstamps;	/* RFC 7323 timestamps: 1 = offer (default) */
	int		ts_offset_per_conn; /* TSval offset per 4-tuple (FreeBSD,
					 * Linux 6.18; default 1) rather than
					 * per address pair (0) */
	int		sack;		/* RFC 2018 SACK: 1 = offer (default) */
	int		wscale;		/* RFC 7323 window scale: 1 = offer (default) */
	uint32_t	sack_maxholes;	/* SACK scoreboard blocks per connection */
	uint32_t	keepidle_s;	/* TCP_KEEPIDLE default (FreeBSD keepidle 7200) */
	uint32_t	keepintvl_s;	/* TCP_KEEPINTVL default (FreeBSD keepintvl 75) */
	uint32_t	keepcnt;	/* TCP_KEEPCNT default (FreeBSD keepcnt 8) */
	uint32_t	keepinit_ms;	/* connection-establishment bound, 0 none (Linux); FreeBSD keepinit 75 s */
	int		always_keepalive; /* keep-alive on every connection (FreeBSD always_keepalive) */
	char		congestion[16];	/* default TCP_CONGESTION ("cubic", as Linux) */
	uint32_t	initcwnd_segs;	/* initial window, segments (RFC 6928: 10) */
	int		ecn;		/* RFC 3168: 0 off, 1 request and accept,
					 * 2 accept only (FreeBSD ecn.enable, default 2) */
	uint32_t	ecn_maxretries;	/* SYN retransmissions with ECN before
					 * giving it up (FreeBSD ecn.maxretries 1) */
	int		fastopen;	/* RFC 7413, Linux tcp_fastopen bits: 1 client,
					 * 2 server (default 1) */
	/* FreeBSD net.inet.tcp MIB tunables (tcp(4) of the seeds) */
	int		delayed_ack;	/* 0: ACK every segment at once (default 1) */
	int		blackhole;	/* 1: no RST for SYNs to closed ports; 2: none at all */
	int		log_in_vain;	/* 1: log SYNs to closed ports; 2: every segment */
	uint32_t	mssdflt;	/* MSS when the peer sends none (536) */
	uint32_t	rexmit_slop_ms;	/* added to the RTO (FreeBSD rexmit_slop 200; 0 here:
					 * Linux has none) */
	int		insecure_rst;	/* 1: any in-window RST resets (no RFC 5961 §3) */
	int		insecure_syn;	/* 1: in-window SYN resets (no RFC 5961 §4) */
	int		rfc1337;	/* 1: an RST does not end TIME-WAIT (RFC 1337;
					 * default 1, as FreeBSD; Linux tcp_rfc1337 0) */
	uint32_t	invalid_ratelimit_ms; /* at most one challenge or
					 * out-of-window ACK per connection per
					 * interval (Linux tcp_invalid_ratelimit
					 * 500); 0 = no limit */
	uint32_t	finwait2_timeout_ms; /* orphaned FIN-WAIT-2 lifetime (60 s) */
	int		fast_finwait2_recycle; /* XTCP_FINWAIT2_NO_TIMEWAIT 1: an
					 * orphaned FIN-WAIT-2 closes at once on
					 * the peer's FIN, no TIME-WAIT wait (not
					 * FreeBSD's fast_finwait2_recycle, whose
					 * timeout is always ours) */
	int		path_mtu_discovery; /* 1: DF on output, honour ICMP (default) */
	int		pmtud_blackhole;	/* lower the MSS after timeouts of full
					 * segments (FreeBSD pmtud_blackhole_detection, 0) */
	uint32_t	pmtud_blackhole_mss;	/* the MSS it lowers to (FreeBSD 1200) */
	int		autotune;	/* grow buffers to the bandwidth-delay product (1) */
	int		syncookies;	/* RFC 4987: 0 off, 1 when the listen queue
					 * is full (default), 2 always (FreeBSD
					 * syncookies / syncookies_only) */
	uint32_t	rmem_max;	/* receive buffer ceiling (Linux tcp_rmem[2], 6 MiB) */
	uint32_t	wmem_max;	/* send buffer ceiling (Linux tcp_wmem[2], 4 MiB) */
	uint16_t	port_lo;	/* ephemeral port range, inclusive */
	uint16_t	port_hi;
	uint32_t	arp_timeout_ms;	/* cache entry lifetime */
	uint32_t	arp_retry_ms;	/* interval between requests */
	uint32_t	arp_retries;	/* requests before EHOSTUNREACH */
	int		log_level;	/* enum xtcp_log_level */
	/* log sink (may be NULL): one line, no newline */
	void		(*log_fn)(void *arg, int level, const char *line);
	void		*log_arg;
};

void	xtcp_config_defaults(struct xtcp_config *cfg);

/* Called (with the caller's lock held) whenever something a waiter on
 * this socket may care about changed: data or EOF arrived, send space
 * freed, connect finished, an error arrived, a connection is ready to
 * accept.  user is the socket's user handle (never 0: sockets without
 * one are not reported). */
typedef void (*xtcp_wakeup_fn)(void *arg, uint32_t user);
/* Called when the engine's next deadline moved earlier than the value
 * xtcp_engine_next_deadline() last returned, so the caller can re-arm
 * its timer. */
typedef void (*xtcp_kick_fn)(void *arg);

/*
 * The engine's secrets: independent keys of 128 bits each, one per use,
 * so that what one use shows an observer (an ISN, a cookie, a TSval, a
 * port) tells nothing about another's key.  Production fills them from
 * the kernel's random source (getrandom(2)).
 */
#define XT_KEY_LEN	16
struct xtcp_keys {
	uint8_t		isn[XT_KEY_LEN];	/* RFC 6528 §3 F() */
	uint8_t		syncookie[XT_KEY_LEN]; /* RFC 4987 §3.6 cookie MAC */
	uint8_t		tfo[XT_KEY_LEN];	/* RFC 7413 §4.1.2 cookie MAC */
	uint8_t		ts[XT_KEY_LEN];	/* RFC 7323 §5.4 TSval offsets */
	uint8_t		rng[XT_KEY_LEN];	/* general random numbers
						 * (IPv4 ID, SYN cache hash) */
	uint8_t		port[XT_KEY_LEN];	/* RFC 6056 §3.3.3 F():
						 * ephemeral port offsets */
};

/* Create an engine over dev (which it does not own) with the secrets in
 * keys (copied).  now_us is the current time. */
int	xtcp_engine_new_keyed(const struct xtcp_config *cfg,
	    struct xt_dev *dev, const struct xtcp_keys *keys, uint64_t now_us,
	    struct xtcp_engine **out);
/* Deterministic keys for tests and simulations: each one a keyed hash of
 * seed and its own label, so runs repeat.  Never for real traffic: the
 * 64-bit seed is the whole secret. */
void	xtcp_keys_from_seed(uint64_t seed, struct xtcp_keys *keys);
/* xtcp_engine_new_keyed() with xtcp_keys_from_seed(seed) (tests). */
int	xtcp_engine_new(const struct xtcp_config *cfg, struct xt_dev *dev,
	    uint64_t seed, uint64_t now_us, struct xtcp_engine **out);
void	xtcp_engine_free(struct xtcp_engine *eng);

/*
 * Engines in shared memory (issue 13).  The engine and every block it
 * allocates are carved out of an arena the caller maps (struct
 * xtcp_arena: zeroed memory, page aligned, at the same address in every
 * process that uses the engine); what is one process's own (the device
 * handle, callbacks, log sink) is a struct xtcp_proc in its private
 * memory, which the caller installs with xtcp_engine_adopt() each time
 * it takes the lock, before any other call on the engine.  The engines
 * above (xtcp_engine_new*) have an arena and a proc of their own.
 */
struct xtcp_proc;
struct xtcp_arena {
	void		*base;
	uint64_t	 size;
	int		 shared;	/* a shared file mapping (memfd): freed
					 * big blocks go back by MADV_REMOVE,
					 * else by MADV_DONTNEED */
};
/* A process's part over dev (not owned): callbacks as set by
 * xtcp_engine_set_callbacks() once adopted.  Private memory. */
int	xtcp_proc_new(struct xt_dev *dev, struct xtcp_proc **out);
void	xtcp_proc_free(struct xtcp_proc *proc);
/* The engine at the start of arena (its first block), proc adopted.  Its
 * address is *out; xtcp_engine_free() frees its state but leaves the
 * arena's memory to the caller. */
int	xtcp_engine_new_in(const struct xtcp_config *cfg,
	    struct xtcp_proc *proc, const struct xtcp_keys *keys,
	    uint64_t now_us, const struct xtcp_arena *arena,
	    struct xtcp_engine **out);
/* Lock held: proc is this caller's part for the calls that follow. */
void	xtcp_engine_adopt(struct xtcp_engine *eng, struct xtcp_proc *proc);
/* Lock held: proc is a new process's part, made over an engine that
 * another image created (exec): install it as the caller's and fill in
 * what net/ hands upward (the protocol table), as xtcp_engine_new_in()
 * does for its creator's; then xtcp_engine_owner_dead() if the lock
 * came back from a dead holder, and xtcp_engine_adopt().  XT_OK or an
 * error. */
int	xtcp_engine_join(struct xtcp_engine *eng, struct xtcp_proc *proc);
/*
 * From now on proc's transmissions wait in a queue (memory only) until
 * xtcp_proc_flush() sends them, from a thread that may make the device's
 * system calls; kick(arg) when the queue stops being empty.  For a
 * process whose program threads lose the right to (a seccomp sandbox).
 * Lock held.  XT_OK or XT_ENOMEM.
 */
int	xtcp_proc_defer(struct xtcp_proc *proc, xtcp_kick_fn kick, void *arg);
/* Lock held: send what proc's queue holds (no-op without one). */
void	xtcp_proc_flush(struct xtcp_proc *proc);
/* The lock came back from a holder that died (EOWNERDEAD): abort the
 * connections its hold was changing, with proc as the caller's part;
 * returns how many.  Then xtcp_engine_adopt() as usual. */
unsigned xtcp_engine_owner_dead(struct xtcp_engine *eng,
	    struct xtcp_proc *proc, uint64_t now_us);
/* Lock held: the caller's engine calls of this hold are complete (the
 * shim says so as it releases the lock, or keeps it to exit): a death
 * now leaves nothing half changed, xtcp_engine_owner_dead() resets
 * nothing. */
void	xtcp_engine_work_done(struct xtcp_engine *eng);
/* Is a unit of work in progress (1), or was the last one finished? */
int	xtcp_engine_work_open(const struct xtcp_engine *eng);
/* Memory from the engine's allocator (its arena, counted under
 * XTCP_MEM_MAX) for state the caller keeps beside the engine's: zeroed,
 * or NULL.  Free with the same size. */
void	*xtcp_engine_mem_alloc(struct xtcp_engine *eng, size_t n);
void	xtcp_engine_mem_free(struct xtcp_engine *eng, void *p, size_t n);
/* Bytes of the arena carved so far (high-water mark of its layout). */
uint64_t xtcp_engine_arena_used(const struct xtcp_engine *eng);
void	xtcp_engine_set_callbacks(struct xtcp_engine *eng,
	    xtcp_wakeup_fn wakeup, xtcp_kick_fn kick, void *arg);
/* Called when a connection learns of new urgent data (the shim sends
 * SIGURG to the socket's owner); may be NULL. */
void	xtcp_engine_set_urg_callback(struct xtcp_engine *eng,
	    xtcp_wakeup_fn urg);
/*
 * Congestion-control trace (the shim's XTCP_TRACE): one row after every
 * ACK a connection processes (RFC 9293 §3.10.7.4 fifth step done) and
 * after every retransmission timeout (RFC 6298 §5.5-5.7 done).  The row
 * lives for the call only; the engine formats and writes nothing.  A
 * process-private callback: a function pointer of this process, called
 * under the engine's lock.  NULL (the default) costs one branch.
 */
enum {
	XTCP_TRACE_ACK = 1,
	XTCP_TRACE_RTO
};
/* Linux's names for the congestion states (TCP_CA_*) */
enum {
	XTCP_CA_OPEN = 0,
	XTCP_CA_DISORDER,
	XTCP_CA_CWR,
	XTCP_CA_RECOVERY,
	XTCP_CA_LOSS
};
struct xtcp_trace_row {
	int		event;		/* XTCP_TRACE_* */
	int		ca_state;	/* XTCP_CA_* */
	const char	*state;		/* TCP state, "ESTABLISHED" */
	const char	*cc;		/* congestion control, "cubic" */
	uint64_t	now_us;		/* the engine's clock */
	uint32_t	laddr, faddr;	/* host order */
	uint16_t	lport, fport;
	uint32_t	mss;		/* sender MSS, bytes */
	uint32_t	cwnd;		/* bytes */
	uint32_t	ssthresh;	/* bytes, UINT32_MAX before any loss */
	uint32_t	srtt_us, rttvar_us, rto_us;
	uint32_t	inflight;	/* bytes in flight (RFC 6675 pipe) */
	uint64_t	delivered;	/* bytes cumulatively acknowledged */
	uint64_t	retransmitted;	/* bytes sent again */
};
typedef void (*xtcp_trace_fn)(void *arg, const struct xtcp_trace_row *r);
void	xtcp_engine_set_trace_callback(struct xtcp_engine *eng,
	    xtcp_trace_fn fn, void *arg);
/*
 * One address shared by several processes (the shim's port map): the
 * engine asks before it uses a port and says when it stops.  Never called
 * without xtcp_engine_set_ports_callback().  op:
 *   XTCP_PORTS_HELD	is port ours already?  0 yes, else no (cheap: the
 *			picker asks for every port it walks)
 *   XTCP_PORTS_LEASE	take the block of ephemeral ports holding port:
 *			0 done (port is ours), else that many ports from
 *			port on are not to be had
 *   XTCP_PORTS_BIND	bind() names port: 0, or XT_EADDRINUSE when
 *			another process holds it
 *   XTCP_PORTS_USE	a socket or TIME-WAIT entry took port (after HELD,
 *			LEASE or BIND said yes)
 *   XTCP_PORTS_UNUSE	no socket and no TIME-WAIT entry has port now
 *   XTCP_PORTS_ANSWER	a segment came for port and no socket has it: 1 if
 *			this engine answers it (an RST), 0 if another
 *			process on the address does
 *   XTCP_PORTS_TICK	once a second (from xtcp_engine_poll): the shim
 *			checks who leads the address (port is 0)
 * A process-private callback: a function pointer of this process.
 */
enum {
	XTCP_PORTS_HELD = 1,
	XTCP_PORTS_LEASE,
	XTCP_PORTS_BIND,
	XTCP_PORTS_USE,
	XTCP_PORTS_UNUSE,
	XTCP_PORTS_ANSWER,
	XTCP_PORTS_TICK
};
typedef int (*xtcp_ports_fn)(void *arg, int op, uint16_t port);
void	xtcp_engine_set_ports_callback(struct xtcp_engine *eng,
	    xtcp_ports_fn fn, void *arg);
/* Whether this engine leads its address (1, the default) or shares it
 * as a follower (0): a follower answers no ARP request and no ICMP echo
 * (the leader does), and still learns from what it receives. */
void	xtcp_engine_set_leader(struct xtcp_engine *eng, int leader);
/* With cfg.arp_probe_ms, a new engine sends 3 ARP probes for its
 * address spread over that time, then announces it (RFC 5227 §2.1.1,
 * §2.3); poll and rx drive it.  0 while probing (or never asked), 1 when
 * no other MAC answered or probed for the address, -1 on a conflict. */
int	xtcp_engine_arp_probe_result(const struct xtcp_engine *eng);
/* Pull up to budget frames from the device and process them; returns
 * frames processed. */
int	xtcp_engine_rx(struct xtcp_engine *eng, uint64_t now_us,
	    unsigned budget);
/* Process one received frame and send what it caused (tests use it). */
void	xtcp_engine_input(struct xtcp_engine *eng, uint64_t now_us,
	    const uint8_t *frame, size_t len, unsigned rxflags);
/* Run expired timers and pending output. */
void	xtcp_engine_poll(struct xtcp_engine *eng, uint64_t now_us);
/* Earliest time xtcp_engine_poll must run; UINT64_MAX if never. */
uint64_t xtcp_engine_next_deadline(struct xtcp_engine *eng);
/* Connections that still hold unacknowledged data or an unacknowledged
 * FIN (the shim lets exit() wait a little for them). */
unsigned xtcp_engine_busy(const struct xtcp_engine *eng);
/* Number of live TCBs (including closed-but-lingering ones). */
unsigned xtcp_engine_ntcb(const struct xtcp_engine *eng);
/* Write "name value" lines of every counter to fd (raw write(2)). */
void	xtcp_stats_dump(const struct xtcp_engine *eng, int fd);
/* "name N, ..." of the nonzero drop counters (or "none") into buf; the
 * number of them.  For the shim's exit report. */
unsigned xtcp_stats_drops(const struct xtcp_engine *eng, char *buf,
	    size_t len);
/* Value of the counter called name, or -1 if unknown. */
int64_t	xtcp_stats_get(const struct xtcp_engine *eng, const char *name);
/* Copy up to max counters, in xt_stats.def's order, to v (xtcpstat);
 * returns how many there are. */
unsigned xtcp_stats_copy(const struct xtcp_engine *eng, uint64_t *v,
	    unsigned max);
/* Name of counter i (xt_stats.def), NULL past the last. */
const char *xtcp_stats_name(unsigned i);
/* Its one-line meaning, NULL past the last. */
const char *xtcp_stats_desc(unsigned i);

/* One connection as xtcpstat shows it (a copy: no pointer into the
 * engine).  Addresses and ports in host order; times in µs. */
struct xtcp_conn_info {
	uint32_t	laddr, faddr;
	uint16_t	lport, fport;
	uint8_t		state;		/* Linux's TCP_* state number */
	uint8_t		options;	/* Linux's TCPI_OPT_* bits */
	uint8_t		snd_wscale, rcv_wscale;
	uint32_t	mss;
	uint32_t	cwnd;		/* bytes */
	uint32_t	ssthresh;	/* bytes, UINT32_MAX while infinite */
	uint32_t	srtt_us, rttvar_us, rto_us;
	uint32_t	rxtshift;	/* consecutive timeouts */
	uint32_t	total_retrans;	/* segments retransmitted */
	uint32_t	sendq, recvq;	/* bytes in the send and receive buffers */
	uint64_t	bytes_acked, bytes_received;
	uint64_t	segs_out, segs_in;
	char		cc[16];		/* congestion control, Linux's name */
};
/* Fill up to max entries, one per TCB (listeners included, TIME-WAIT
 * entries kept apart not); returns the number of TCBs. */
unsigned xtcp_engine_conns(const struct xtcp_engine *eng,
	    struct xtcp_conn_info *out, unsigned max);

/* ---- sockets ---- */

/* readiness bits, equal to Linux's POLL* values */
#define XTCP_POLLIN	0x001
#define XTCP_POLLPRI	0x002
#define XTCP_POLLOUT	0x004
#define XTCP_POLLERR	0x008
#define XTCP_POLLHUP	0x010
#define XTCP_POLLRDHUP	0x2000

/* flags of send/recv, equal to Linux's MSG_* values */
#define XTCP_MSG_OOB	0x01
#define XTCP_MSG_PEEK	0x02
#define XTCP_MSG_WAITALL 0x100
#define XTCP_MSG_MORE	0x8000

int	xtcp_socket(struct xtcp_engine *eng, struct xtcp_sock **out);
/* The caller's handle for s, passed back to the wakeup and urgent
 * callbacks; 0 (the start) is none.  A handle, not a pointer: engine
 * state refers to the caller's memory by a number it maps itself. */
void	xtcp_sock_set_user(struct xtcp_sock *s, uint32_t user);
uint32_t xtcp_sock_get_user(const struct xtcp_sock *s);
/* addr 0 = any (our address); port 0 = an ephemeral port.
 * XT_EADDRNOTAVAIL if addr is not ours, XT_EADDRINUSE, XT_EINVAL if
 * already bound. */
int	xtcp_bind(struct xtcp_sock *s, uint32_t addr, uint16_t port);
int	xtcp_listen(struct xtcp_sock *s, int backlog);
/* XT_EAGAIN when no connection is ready; *out is a new socket with no
 * user pointer yet; *addr and *port (may be NULL) get the peer. */
int	xtcp_accept(struct xtcp_sock *s, uint64_t now_us,
	    struct xtcp_sock **out, uint32_t *addr, uint16_t *port);
/* As Linux: the first call sends a SYN and returns XT_EINPROGRESS (or an
 * immediate error); calls while the handshake runs return XT_EALREADY;
 * the first call after it completed returns XT_OK, later ones
 * XT_EISCONN; the first call after it failed returns the error (taken
 * from SO_ERROR, XT_ECONNABORTED if none). */
int	xtcp_connect(struct xtcp_sock *s, uint64_t now_us, uint32_t addr,
	    uint16_t port);
/* sendto(MSG_FASTOPEN) on an unconnected socket, or the first send after
 * a TCP_FASTOPEN_CONNECT connect(): connect with the data in the SYN
 * when a cookie for addr is known (XT_OK, *sent bytes queued), else
 * connect asking for a cookie (XT_EINPROGRESS, nothing queued). */
int	xtcp_sendto_fastopen(struct xtcp_sock *s, uint64_t now_us,
	    uint32_t addr, uint16_t port, const void *buf, size_t len,
	    size_t *sent);
/* Queue up to len bytes; *sent gets the count.  XT_EAGAIN if no space at
 * all; XT_EPIPE after shutdown(WR) or when the connection is gone
 * (pending error returned first); XT_ENOTCONN before connect.  With
 * TCP_NOTSENT_LOWAT it takes MSS-sized pieces while the unsent bytes are
 * below the mark (Linux tcp_sendmsg). */
int	xtcp_send(struct xtcp_sock *s, uint64_t now_us, const void *buf,
	    size_t len, int flags, size_t *sent);
/* Copy up to len bytes; *got gets the count.  XT_OK with *got == 0 is
 * end of stream (or len == 0).  XT_EAGAIN when nothing is there yet;
 * a pending error (ECONNRESET, ETIMEDOUT) is returned once no data is
 * left; XT_ENOTCONN before connect.  MSG_PEEK leaves the data.
 * MSG_WAITALL is the caller's business (loop). */
int	xtcp_recv(struct xtcp_sock *s, uint64_t now_us, void *buf,
	    size_t len, int flags, size_t *got);
/* how: 0 = SHUT_RD, 1 = SHUT_WR, 2 = SHUT_RDWR; XT_ENOTCONN if not
 * connected. */
int	xtcp_shutdown(struct xtcp_sock *s, uint64_t now_us, int how);
/* Release the socket handle.  The connection closes gracefully in the
 * background (FIN, TIME-WAIT); unread data or linger 0 makes it an RST.
 * The socket's user pointer is never used again. */
void	xtcp_close(struct xtcp_sock *s, uint64_t now_us);
/* The socket's last owner died: close it as xtcp_close() would, but reset
 * a connection that has not queued its FIN (RST, as SO_LINGER 0), so the
 * peer learns at once.  1 if a connection was reset. */
int	xtcp_abort(struct xtcp_sock *s, uint64_t now_us);
int	xtcp_getsockname(const struct xtcp_sock *s, uint32_t *addr,
	    uint16_t *port);
/* XT_ENOTCONN unless connected (or connecting). */
int	xtcp_getpeername(const struct xtcp_sock *s, uint32_t *addr,
	    uint16_t *port);
/* Current readiness as XTCP_POLL* bits. */
unsigned xtcp_poll(const struct xtcp_sock *s);
/* Take and clear the pending error (SO_ERROR); XT_OK if none. */
int	xtcp_take_error(struct xtcp_sock *s);
/* A send call with MSG_ZEROCOPY sent something: with SO_ZEROCOPY set it
 * takes the next id and completes at once (its bytes were copied). */
void	xtcp_zerocopy_sent(struct xtcp_sock *s);
/* recvmsg(MSG_ERRQUEUE): the range of MSG_ZEROCOPY send ids completed
 * and not yet reported (all copied), cleared; XT_EAGAIN if none. */
int	xtcp_take_zerocopy(struct xtcp_sock *s, uint32_t *lo, uint32_t *hi);
/* Socket options, by Linux level/name (SOL_SOCKET, IPPROTO_TCP,
 * IPPROTO_IP).  SO_ERROR through getopt yields the pending enum xt_err
 * (the shim maps it to an errno).
 * XT_ENOPROTOOPT for an unknown option, XT_EINVAL for a bad length.
 * getopt: *len is in/out as getsockopt's optlen. */
int	xtcp_setopt(struct xtcp_sock *s, int level, int name,
	    const void *val, size_t len);
int	xtcp_getopt(struct xtcp_sock *s, int level, int name, void *val,
	    size_t *len);
/* Bytes ready to read (FIONREAD/SIOCINQ) and bytes not yet acknowledged
 * in the send buffer (SIOCOUTQ). */
uint32_t xtcp_sock_rxbytes(const struct xtcp_sock *s);
uint32_t xtcp_sock_txbytes(const struct xtcp_sock *s);
/* Bytes queued and not yet sent (SIOCOUTQNSD). */
uint32_t xtcp_sock_unsent(const struct xtcp_sock *s);
/* One line describing the connection's state and variables (for
 * debugging and the stats tool); returns snprintf's count. */
int	xtcp_sock_describe(const struct xtcp_sock *s, char *buf, size_t len);
/* A counter bumped on every input event a reader waits for (data, FIN,
 * error, a connection ready to accept): edge-triggered epoll reports an
 * event when it moved. */
uint32_t xtcp_sock_evseq(const struct xtcp_sock *s);
/* SIOCATMARK: 1 if the next byte to read is the urgent byte. */
int	xtcp_sock_atmark(const struct xtcp_sock *s);
/* Is this a listening socket? */
int	xtcp_is_listening(const struct xtcp_sock *s);

/* ---- when the programs die (tcp_abort.c, issue 13) ---- */

/* Every socket of the engine is held by nobody any more (the whole
 * family died): reset each connection (RST at SND.NXT, a listener's
 * pending ones too) and free it, leaving TIME-WAIT alone, and with
 * spare_closing those closing in order too (our FIN queued: FIN-WAIT-1/2,
 * CLOSING, LAST-ACK), which may end by themselves.  Returns the RSTs
 * sent (flushed). */
unsigned xtcp_engine_abort_all(struct xtcp_engine *eng, uint64_t now_us,
	    int spare_closing);
/* The RSTs xtcp_engine_abort_all() would send now (0: nothing to do). */
unsigned xtcp_engine_abort_count(const struct xtcp_engine *eng,
	    int spare_closing);

/* ---- what the LD_PRELOAD shim needs besides sockets (issue 11) ----
 *
 * The shim includes no engine header but this one: the device it opens,
 * the fd the engine waits on, the congestion control names XTCP_CC may
 * give, and the one counter it bumps are reached through these calls
 * (stack/xtcp_api.c). */

/* xtcp_dev_open_*() flags (equal to dev/phy.h's XT_DEVOPEN_*). */
#define XTCP_DEVOPEN_NO_OFFLOAD	0x1	/* plain frames, software checksums */
#define XTCP_DEVOPEN_NO_URING	0x2	/* TAP: read(2)/write(2), no io_uring */
/* At most this many kernel descriptors in one device. */
#define XTCP_DEV_MAXFDS		8

/* 1 if name is a congestion control the engine has (TCP_CONGESTION and
 * XTCP_CC spellings), else 0. */
int	xtcp_cc_known(const char *name);
/* AF_PACKET on ifname for addr (host order); mac NULL: the interface's;
 * mtu 0: the interface's.  XT_ENODEV, XT_EPERM, XT_EIO. */
int	xtcp_dev_open_packet(const char *ifname, uint32_t addr,
	    const uint8_t *mac, uint32_t mtu, unsigned flags,
	    struct xt_dev **out);
/* A TAP interface ifname; mac NULL: a random local one.  XT_ENODEV,
 * XT_EPERM, XT_ENOMEM, XT_EIO. */
int	xtcp_dev_open_tap(const char *ifname, const uint8_t *mac,
	    uint32_t mtu, unsigned flags, struct xt_dev **out);
void	xtcp_dev_close(struct xt_dev *dev);
/* The fd that turns readable when dev has frames, or -1. */
int	xtcp_dev_wait_fd(struct xt_dev *dev);
/* dev's kernel descriptors (wait fd among them), up to max into fds;
 * returns how many dev holds, or XT_EINVAL. */
int	xtcp_dev_fds(const struct xt_dev *dev, int *fds, unsigned max);
/* A range of ports, both ends included (xtcp_dev_packet_filter). */
struct xtcp_port_range {
	uint16_t	lo;
	uint16_t	hi;
};
/* An AF_PACKET device's filter anew (SO_ATTACH_FILTER): ARP, and IPv4 to
 * addr: all of it (all), or only ICMP and TCP to the n ranges' ports
 * (more ports pass when n ranges do not fit the program).  XT_EINVAL for
 * a device of another kind, else as setsockopt. */
int	xtcp_dev_packet_filter(struct xt_dev *dev, uint32_t addr, int all,
	    const struct xtcp_port_range *r, unsigned n);
/*
 * A device as plain data, for a process that replaces its image (exec)
 * and takes the device over from the descriptors it inherits (issue 13):
 * nothing in it points anywhere.  AF_PACKET devices (kind 1: the two
 * sockets) and TAPs (kind 2: the TAP descriptor, read and written with
 * read(2)/write(2) after import).  Import owns st's descriptors once it
 * succeeds; XT_EINVAL if they are not what st says.
 */
struct xtcp_dev_state {
	uint32_t	kind;		/* 1: AF_PACKET, 2: TAP (dev/phy.h) */
	int32_t		fd;		/* receiving socket */
	int32_t		txfd;		/* sending socket (fd when one) */
	int32_t		ifindex;
	uint32_t	mtu;		/* bytes */
	uint32_t	caps;		/* the device's capability bits */
	uint32_t	vnet;		/* frames carry a virtio-net header */
	uint8_t		mac[6];
	uint8_t		pad[2];
	char		ifname[16];	/* TAP: the kernel's name */
};
int	xtcp_dev_export(const struct xt_dev *dev, struct xtcp_dev_state *st);
/* Renumber dev's descriptors: each becomes mv(fd, arg), which returns
 * the descriptor to use from now on (the caller's placement policy; it
 * closes the old one if it moved it).  AF_PACKET devices; a no-op on
 * others. */
typedef int (*xtcp_fd_move_fn)(int fd, void *arg);
void	xtcp_dev_move_fds(struct xt_dev *dev, xtcp_fd_move_fn mv, void *arg);
int	xtcp_dev_import(const struct xtcp_dev_state *st, struct xt_dev **out);
/* In a fork child sharing dev with its parent: leave what only the
 * parent may use (a TAP's io_uring rings) and use the rest itself. */
void	xtcp_dev_fork_child(struct xt_dev *dev);
/*
 * XTCP_PCAP (dev/dev_pcap.h): a device over inner that writes every frame
 * it sends and receives to the pcap file pattern ("%p" = pid), at most
 * max_bytes a file (0: no cap) and files files (FILE, FILE.1, ...).  The
 * other xtcp_dev_* calls see through it to inner; closing it closes
 * inner.  XT_OK, XT_EINVAL, XT_ENOMEM.
 */
int	xtcp_dev_pcap_wrap(struct xt_dev *inner, const char *pattern, int pid,
	    uint64_t max_bytes, unsigned files, struct xt_dev **out);
/* Write out what the capture of dev holds (lock held): 0, or a positive
 * errno (the capture stopped on it), or 0 when dev does not capture.
 * With path non-NULL, the file's name (n bytes) goes there. */
int	xtcp_dev_pcap_flush(struct xt_dev *dev, char *path, size_t n);
/* xtcp_dev_wait_fd() of the engine's device, or -1 without one. */
int	xtcp_engine_wait_fd(const struct xtcp_engine *eng);
/* A blocking call polled the device while it spun (XTCP_SPIN_US): counts
 * it in dev_spin_polls. */
void	xtcp_engine_count_spin(struct xtcp_engine *eng);
/* The ephemeral port counter of the engine's address (RFC 6056 §3.3.3
 * next_ephemeral; it grows by one per port probed).  The shim keeps it,
 * with the port key of struct xtcp_keys, beside the address lease, so
 * that the next process on the address goes on where this one stopped;
 * an engine starts at 0. */
uint32_t xtcp_engine_port_counter(const struct xtcp_engine *eng);
void	xtcp_engine_set_port_counter(struct xtcp_engine *eng, uint32_t ctr);
/* A waiting program thread that the device woke polled it (XTCP_DEVWAIT,
 * run to completion): counts it in dev_wake_polls. */
void	xtcp_engine_count_wake(struct xtcp_engine *eng);

/* ---- end of the shim's block ---- */

#endif /* XTCP_H */

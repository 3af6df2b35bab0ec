/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * shim.h - the hooks of libxtcp's interposition layer: what init.c,
 * core.c, sock.c, io.c, opt.c, names.c, poll.c, epoll.c, loop.c and
 * errno.c share.  The testable layer below them (fdmap.h, shim_config.h,
 * pool.h, ready.h) has headers of its own and never includes this one;
 * from the engine the hooks see xtcp.h alone.
 *
 * Conventions.  Engine calls return enum xt_err; shim_errno() (errno.c)
 * turns them into errno values.  Shim-internal helpers return 0 or a
 * positive errno value: the shim is the errno edge (STYLE.md section 9).
 *
 * Locking.  One mutex, the engine lock, serialises every engine call
 * (xtcp.h); once the engine runs it is the family region's (family.c);
 * it also guards fdmap writes, socket refcounts and waiter lists.  Hooks
 * take it only for our own sockets: host and internal fds are classified
 * by a lock-free fdmap_peek() and go straight to libc.  Never sleep or
 * call back into a hook with it held; release it with shim_unlock(),
 * which first brings each changed socket's eventfd up to date.
 */
#ifndef SHIM_H
#define SHIM_H

#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "fdmap.h"
#include "real.h"
#include "shim_config.h"
#include "xtcp.h"

/* glibc hands _GNU_SOURCE code sockaddr arguments as transparent unions */
#define SA_PTR(a)	((a).__sockaddr__)

/* ---- process state (init.c) ---- */

enum shim_state_kind {
	SHIM_ST_INERT,		/* no XTCP_IF/XTCP_ADDR: kernel TCP */
	SHIM_ST_BAD,		/* malformed config: stream sockets fail */
	SHIM_ST_READY,		/* config ok, engine starts on first socket */
	SHIM_ST_RUNNING,
	SHIM_ST_FAILED,		/* engine could not start: sockets fail */
	SHIM_ST_FORKED,		/* fork child: kernel TCP from now on */
	SHIM_ST_FALLBACK	/* no pool address, XTCP_FALLBACK=kernel */
};

/* What socket(AF_INET, SOCK_STREAM) does now. */
enum shim_mode {
	SHIM_MODE_KERNEL,
	SHIM_MODE_STACK,
	SHIM_MODE_FAIL		/* errno EAFNOSUPPORT */
};

struct shim_state {
	enum shim_state_kind	 st;
	struct shim_config	 conf;
	struct xtcp_engine	*eng;		/* in the family region */
	struct xtcp_proc	*proc;		/* our part of it (xtcp.h) */
	struct xt_dev		*dev;
	int			 fail_err;	/* errno of SHIM_MODE_FAIL */
	pid_t			 pid;		/* ours, to spot a vfork child */
};

extern struct shim_state shim;

/* The exit report's counts (report.c); sockets handed to the kernel by
 * reason. */
enum shim_handover {
	SHIM_HO_NONE,		/* the stack's */
	SHIM_HO_LOOPBACK,	/* 127/8, or ::1 */
	SHIM_HO_PASSTHROUGH,	/* XTCP_PASSTHROUGH */
	SHIM_HO_INET6,		/* AF_INET6: real IPv6 or V6ONLY */
	SHIM_HO_OPTION,		/* something the stack lacks */
	SHIM_HO_FALLBACK,	/* XTCP_FALLBACK, or a fork child without */
	SHIM_HO_N
};
struct shim_report {
	unsigned	served;		/* stream sockets made by the stack */
	unsigned	kernel[SHIM_HO_N];
	unsigned	forks;
	int		exec_member;	/* exec'd with the family's stack */
};
extern struct shim_report shim_rep;
#define SHIM_REP_INC(f)	__atomic_add_fetch(&shim_rep.f, 1, __ATOMIC_RELAXED)
/* One log line, with prefix and rate limit, to the sink. */
void	shim_log_emit(int level, const char *line);
int	shim_report_wanted(void);
/* Once: the exit report (sig: the fatal signal, or 0). */
void	shim_report_write(int sig);
/* At init: report fatal signals whose disposition is SIG_DFL. */
void	shim_report_signals(void);
void	shim_report_fork_child(void);

void	shim_init(void);
/* Lock held.  Starts the engine on first use. */
enum shim_mode shim_stream_mode(void);
void	shim_log(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	shim_engine_log(void *arg, int level, const char *line);
uint64_t shim_now_us(void);
/* XTCP_TRACE (trace.c): rows of eng's connections to the file pattern
 * names ("%p": the pid), from now on (append: after what an image that
 * exec'd this one wrote there); at exit (lock held), the rest. */
void	shim_trace_start(struct xtcp_engine *eng, const char *pattern,
	    int append);
void	shim_trace_at_exit(void);
/* Absolute deadline for a relative timeout; 0 (none) gives UINT64_MAX. */
uint64_t shim_deadline(uint64_t timeo_us);
/* Are we the child of vfork(), sharing the parent's memory (and fdmap)
 * but not its fd table?  Then hooks must leave our tables alone. */
int	shim_vforked(void);
/* Lock held, after a call that may have taken ephemeral ports (connect,
 * bind): keep the address's state file ahead of the port counter. */
void	shim_ports_note(void);
/* XTCP_PCAP (pcap.c): wrap the device being started in a capture; write
 * out the capture's buffer at exit. */
void	shim_pcap_wrap(struct xt_dev **devp);
void	shim_pcap_at_exit(void);
/* After exec, lock held: join the family's claim on a shared address
 * (init.c).  0 or an errno. */
int	shim_ports_rejoin(void);

/* ---- xtcpstat's object (statpub.c) ---- */

void	shim_stat_start(void);
void	shim_stat_exit(void);

/* ---- sockets, waiters, the engine lock (core.c) ---- */

#define SHIM_NOPT	48		/* more than the options we take */
#define SHIM_NOPT_MIN	4		/* the first record's room */

/* A setsockopt replayed onto the kernel socket at handover. */
struct shim_opt {
	int		level;
	int		name;
	socklen_t	len;
	unsigned char	val[24];
};

/* Per thread: a private eventfd a sleeping hook waits on. */
struct shim_thr {
	int		bell;		/* eventfd, -1 if none could be made */
	int		rung;		/* bell holds a count (lock) */
	int		quiet;		/* rung by itself: no count */
	int		sleeping;	/* on the sleepers list (core.c) */
	int		ringable;	/* its bell ends its sleep */
	struct shim_thr	*sl_next;	/* sleepers list */
	struct shim_thr	*sl_prev;
};

/* One sleeper on one socket (a thread in poll has several). */
struct shim_waiter {
	struct shim_waiter	*next;
	struct shim_waiter	*prev;
	struct shim_thr		*thr;
};

struct shim_ep_reg;

struct shim_sock {
	struct xtcp_sock	*xs;
	uint32_t		 handle;	/* the engine's name for it (core.c) */
	unsigned		 nfds;		/* program fds naming it */
	unsigned		 refs;		/* nfds + calls in progress */
	int			 let_go;	/* the process is ending and gave
						 * its hold on the socket to the
						 * other members (core.c) */
	int			 bellfd;	/* one of them; -1 when none */
	/* nonblock, the timeouts and rcvlowat are copies of the family's
	 * (famtab.h, struct shim_fh, with the eventfd's mirror bit): in
	 * from it when a hook takes s, out when it puts it (core.c) */
	int			 nonblock;	/* O_NONBLOCK */
	int			 dirty;		/* on the mirror update list */
	struct shim_sock	*dirty_next;
	struct shim_waiter	*waiters;
	uint64_t		 rcvtimeo_us;	/* SO_RCVTIMEO, 0 = forever */
	uint64_t		 sndtimeo_us;	/* SO_SNDTIMEO, 0 = forever */
	int			 bound;		/* bind() succeeded */
	uint16_t		 bind_port;
	unsigned		 nopt;
	unsigned		 optcap;	/* opt's room, grown on use */
	struct shim_opt		*opt;		/* NULL until an option is set */
	int			 rcvlowat;	/* SO_RCVLOWAT; <= 1: one byte */
	struct shim_ep_reg	*epregs;	/* epoll registrations (epoll.c) */
	unsigned		 ep_last;	/* readiness at the last epoll scan */
	uint32_t		 ep_seq;	/* xtcp_sock_evseq() then */
	int			 klisten;	/* XTCP_LISTEN_KERNEL: the kernel
						 * listener's fd + 1, 0 = none
						 * (sock.c) */
	pid_t			 own_pid;	/* F_SETOWN owner, 0 = none */
	int			 own_type;	/* F_OWNER_TID, _PID or _PGRP */
	int			 inet6;		/* socket(AF_INET6): IPv4 with
						 * v4-mapped names (sock.c) */
	int			 v6only;	/* IPV6_V6ONLY */
	int			 mapped;	/* bound to ::ffff:a.b.c.d; 2 for
						 * ::ffff:0.0.0.0 */
};

/* what an fd is, for a hook */
enum shim_fd_kind {
	SHIM_FD_HOST,
	SHIM_FD_INTERNAL,
	SHIM_FD_DEAD,
	SHIM_FD_OURS
};

void	shim_core_init(void);
void	shim_lock(void);
void	shim_unlock(void);
/* The process ends: take the lock for good, the engine consistent. */
void	shim_lock_exit(void);
/* 0 with the lock taken, or EBUSY (held elsewhere). */
int	shim_trylock(void);
/* Release without shim_unlock's flush (fork handlers, init). */
void	shim_unlock_raw(void);
/* Lock held: from now on the lock is `to' (the family region's); the
 * caller then holds `to'. */
void	shim_lock_move(pthread_mutex_t *to);
/* Lock held, and kept (an exec: famexec.c): what shim_unlock would do
 * on the way out is done now (mirrors, epoll sets, doorbells) and the
 * hold is marked complete, so the next taker after the exec resets
 * nothing. */
void	shim_lock_settle(void);
/* The caller holds m, which is the lock from now on (an exec'd image
 * taking its family's region over: famexec.c). */
void	shim_lock_set(pthread_mutex_t *m);
/* fork child: the private lock again, free. */
void	shim_lock_fork_child(void);
/* Classify fd.  For SHIM_FD_OURS: *sp is referenced and the lock is held;
 * finish with shim_sock_put(). */
enum shim_fd_kind shim_fd_get(int fd, struct shim_sock **sp);
void	shim_sock_put(struct shim_sock *s);
/* Lock held. */
struct shim_sock *shim_sock_new(struct xtcp_sock *xs);
/* The shim_sock the engine knows by handle h (0 or stale: NULL).  Lock held. */
struct shim_sock *shim_sock_by_handle(uint32_t h);
void	shim_sock_unref(struct shim_sock *s);
int	shim_sock_open_fd(struct shim_sock *s, int cloexec, int *fdp);
void	shim_sock_fd_added(struct shim_sock *s, int fd);
void	shim_sock_fd_gone(struct shim_sock *s, int fd);
void	shim_sock_ring(struct shim_sock *s);
/* Lock held.  Readiness as XTCP_POLL* bits, SO_RCVLOWAT applied. */
unsigned shim_sock_poll(const struct shim_sock *s);
/* Lock held: take in what the device holds, from this thread. */
void	shim_poll_device(void);
/* Lock held: the device woke this waiting thread; take in its frames. */
void	shim_devwait_take(void);
/* XTCP_SPIN_US: until when a wait that starts now spins (0: it does not). */
uint64_t shim_spin_end(void);
/* Lock held.  XTCP_DEVWAIT: the device's wait fd if t may watch it (t is
 * then the watcher until it releases, and the engine thread stands
 * aside), else -1 (and t, if ringable, is rung when the watcher leaves,
 * to take over).  Release before the call returns to the program. */
int	shim_devwait_claim(struct shim_thr *t, int ringable);
void	shim_devwait_release(struct shim_thr *t);
/* Lock held.  Does a thread watch the device? */
int	shim_devwait_watched(void);
/* The engine thread, no lock: a watch taken since the last look? */
int	shim_devwait_taken(void);
/* Would the kernel restart a read(2) that a handled signal ended? 1 if
 * every installed handler has SA_RESTART. */
int	shim_sig_restarts(void);
/* Lock held; sleeps with it dropped.  0: woken (re-check), EAGAIN: the
 * deadline passed, EINTR: a signal the call must not restart after (see
 * core.c: SA_RESTART is honoured as Linux socket calls honour it).  As
 * on Linux, closing the fds does not end the sleep. */
int	shim_wait(struct shim_sock *s, uint64_t deadline_us);
struct shim_thr *shim_thr_get(void);
void	shim_thr_drain(struct shim_thr *t);
void	shim_waiter_add(struct shim_sock *s, struct shim_waiter *w,
	    struct shim_thr *t);
void	shim_waiter_del(struct shim_sock *s, struct shim_waiter *w);
void	shim_wakeup(void *arg, uint32_t user);
int	shim_fd_internal(int fd);
/* Lock held: a close-on-exec eventfd marked internal; -1 with errno. */
int	shim_internal_eventfd(void);
/* fork child (see core.c): family, and the internal fds to keep. */
void	shim_core_fork_child(int family, const int *keep, int nkeep);
/* Lock held.  Handle h changed while another member ran the engine:
 * wake its waiters here and bring its mirror and epoll sets up to date
 * (the doorbell, family.c); _all: every socket this process holds. */
void	shim_sock_refresh(uint32_t h);
void	shim_sock_refresh_all(void);
/* Lock held.  Slot (a fork child to be) holds what we hold. */
void	shim_sock_hold_all(int slot);
/* Lock held.  Does no other member hold s? */
int	shim_sock_sole(const struct shim_sock *s);
/* Lock held.  s was just made (socket, accept): its per-socket state
 * becomes the family's. */
void	shim_sock_sync_out(const struct shim_sock *s);
/* Lock held.  A shim_sock for the family's handle h, which this member
 * holds already (an exec'd image taking its sockets over: famexec.c);
 * NULL if h is not in use, has one here already, or no memory. */
struct shim_sock *shim_sock_adopt(uint32_t h);
/* errno for a sockaddr_in the program passed; fills addr and port. */
int	shim_sin_in(const struct sockaddr *sa, socklen_t len, int for_bind,
	    uint32_t *addr, uint16_t *port);
int	shim_sin_out(struct sockaddr *sa, socklen_t *lenp, uint32_t addr,
	    uint16_t port);
int	shim_sin_check_out(const struct sockaddr *sa, const socklen_t *lenp);

/* ---- the watcher (watch_reset.c) ---- */

/* Lock held, the engine just started: start the process that resets the
 * connections this process holds once it has died (watch.c). */
void	shim_watch_begin(void);

/* ---- engine thread (loop.c) ---- */

/* Lock held.  0 or errno. */
int	shim_loop_start(struct xtcp_engine *eng);
void	shim_loop_kick(void *arg);
/* The kick is sent after the lock's release: take it (lock held), then
 * send it (lock not held). */
int	shim_loop_kick_take(void);
void	shim_loop_kick_send(void);
/* Lock held.  The engine thread watches the device (1) or stands aside
 * while a program thread does (0). */
void	shim_loop_watch_dev(int on);
/* Is this thread creating the engine thread's libev loop (lock held)?
 * Then the epoll fd epoll_create1() makes is libev's: internal. */
int	shim_loop_making(void);
/* That epoll fd, just made: placed, marked internal and remembered;
 * returns the number libev is to use. */
int	shim_loop_backend_made(int fd);
/* Lock held.  Is the engine thread covering the gaps between the waits
 * of a busy program (it then takes the device back by itself)? */
int	shim_loop_aside(void);
/* Lock held.  The family's members changed: the engine thread watches
 * the new ones (pidfds) on its next pass. */
void	shim_loop_members_changed(void);
/* fork child: the parent's engine thread did not come along. */
void	shim_loop_fork_child(void);

/* ---- epoll.c (all: lock held) ---- */

/* s changed (from the unlock flush): queue its registrations. */
void	shim_ep_sock_changed(struct shim_sock *s);
/* The last fd of s closed: drop its registrations. */
void	shim_ep_sock_gone(struct shim_sock *s);
/* fd of s is now a kernel socket: move its registrations to the kernel. */
void	shim_ep_handover(struct shim_sock *s, int fd);
/* A host fd is being closed (lock NOT held): forget it if an epoll set. */
void	shim_ep_host_close(int fd);
void	shim_ep_fork_child(int family);

/* ---- errno.c ---- */

int	shim_errno(int xerr);
int	shim_fail(int xerr);		/* errno = shim_errno(xerr), -1 */
int	shim_fail_errno(int err);	/* errno = err, -1 */

/* ---- sock.c, io.c, opt.c ---- */

/* The engine's urgent-data callback (lock held): SIGURG to the owner. */
void	sock_urg(void *arg, uint32_t user);

/* Lock held: move s onto kernel sockets at its fds (loopback). */
int	sock_handover(int fd, struct shim_sock *s, enum shim_handover why);
/* Lock held.  The IPv4 address and port a bind or connect (op: inet6.h's
 * SHIM_IN6_BIND or SHIM_IN6_CONNECT) on s names: a sockaddr_in, or for an
 * AF_INET6 socket a sockaddr_in6.  *kernel is set when the kernel serves
 * it (loopback, XTCP_PASSTHROUGH, real IPv6, IPV6_V6ONLY): then s goes
 * to a kernel socket (sock_handover).  0 or errno. */
int	sock_addr_in(struct shim_sock *s, const struct sockaddr *sa,
	    socklen_t len, int op, uint32_t *a, uint16_t *p, int *kernel);
/* The name of addr:port as s reports it: a sockaddr_in, or for an
 * AF_INET6 socket a v4-mapped sockaddr_in6 (names.c).  0 or errno. */
int	sock_name_out(const struct shim_sock *s, struct sockaddr *sa,
	    socklen_t *lenp, uint32_t addr, uint16_t port);
int	sock_close_locked(int fd, int close_it);
void	sock_record_opt(struct shim_sock *s, int level, int name,
	    const void *val, socklen_t len);
/* Lock held, s referenced.  >= 0 bytes, or -1 with *errp set. */
ssize_t	io_send(struct shim_sock *s, const void *buf, size_t len, int flags,
	    int *errp);
ssize_t	io_recv(struct shim_sock *s, void *buf, size_t len, int flags,
	    int *errp);

#endif /* SHIM_H */

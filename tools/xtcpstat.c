/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xtcpstat - the connections and counters of programs running on
 * libxtcp, read from the object each stack publishes (shim/xtstat.h,
 * shim/statpub.c).  See xtcpstat(1).
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xtstat.h"

#define OPT_TS		0x01	/* Linux's TCPI_OPT_TIMESTAMPS */
#define OPT_SACK	0x02	/* TCPI_OPT_SACK */
#define OPT_WSCALE	0x04	/* TCPI_OPT_WSCALE */

static int	cflag;		/* counters only */
static int	sflag;		/* counters too */

static const char *
state_name(unsigned st)
{
	/* Linux's TCP_* numbers, as netstat names them */
	static const char *const names[] = {
		"UNKNOWN", "ESTABLISHED", "SYN-SENT", "SYN-RECV",
		"FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "CLOSED",
		"CLOSE-WAIT", "LAST-ACK", "LISTEN", "CLOSING"
	};

	return (st < sizeof(names) / sizeof(names[0]) ? names[st] :
	    "UNKNOWN");
}

static uint64_t
now_us(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

static int
pid_alive(pid_t pid)
{
	return (kill(pid, 0) == 0 || errno == EPERM);
}

static void
object_path(char *buf, size_t len, pid_t pid)
{
	(void)snprintf(buf, len, "%s/%s%d", XTSTAT_DIR, XTSTAT_PREFIX,
	    (int)pid);
}

/*
 * Ask pid's stack for a fresh snapshot and copy it to out.  0, or -1
 * with a message said.  quiet: a process found by the scan that went
 * away meanwhile is not an error.
 */
static int
snapshot(pid_t pid, struct xtstat_obj *out, int quiet)
{
	struct xtstat_obj *o;
	struct timespec ts = { 0, 0 };
	struct stat sb;
	char path[PATH_MAX];
	uint32_t g0, g1, g2;
	uint64_t until;
	unsigned i;
	int fd, tries;

	object_path(path, sizeof(path), pid);
	if (!pid_alive(pid)) {
		/* a stack killed by a signal leaves its object behind */
		if (unlink(path) == 0 || errno != ENOENT) {
			if (!quiet)
				fprintf(stderr, "xtcpstat: %d: no such "
				    "process (%s removed)\n", (int)pid, path);
		} else if (!quiet)
			fprintf(stderr, "xtcpstat: %d: no such process\n",
			    (int)pid);
		return (-1);
	}
	if ((fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (!quiet || errno != ENOENT)
			fprintf(stderr, "xtcpstat: %d: %s: %s%s\n", (int)pid,
			    path, strerror(errno), errno == ENOENT ?
			    " (not a program on libxtcp, or its stack has "
			    "not started)" : "");
		return (-1);
	}
	/* the object must be the pid's user's and ours: a file another
	 * user made under that name is not believed */
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    (sb.st_uid != geteuid() && geteuid() != 0) ||
	    (sb.st_mode & 077) != 0 ||
	    sb.st_size < (off_t)sizeof(struct xtstat_obj)) {
		fprintf(stderr, "xtcpstat: %d: %s: %s\n", (int)pid, path,
		    sb.st_uid != geteuid() ? "owned by another user" :
		    "not a stack's object");
		(void)close(fd);
		return (-1);
	}
	o = mmap(NULL, sizeof(*o), PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	    0);
	(void)close(fd);
	if (o == MAP_FAILED) {
		fprintf(stderr, "xtcpstat: %d: %s: %s\n", (int)pid, path,
		    strerror(errno));
		return (-1);
	}
	if (atomic_load((_Atomic uint32_t *)&o->magic) != XTSTAT_MAGIC ||
	    o->version != XTSTAT_VERSION || o->size != sizeof(*o)) {
		fprintf(stderr, "xtcpstat: %d: %s: not a stack's object of "
		    "this version\n", (int)pid, path);
		(void)munmap(o, sizeof(*o));
		return (-1);
	}
	/* ask, then wait for the generation to move (XTSTAT_WAIT_MS) */
	g0 = atomic_load((_Atomic uint32_t *)&o->gen);
	(void)atomic_fetch_add((_Atomic uint32_t *)&o->req, 1);
	(void)syscall(SYS_futex, &o->req, FUTEX_WAKE, 1, NULL, NULL, 0);
	until = now_us() + XTSTAT_WAIT_MS * 1000;
	for (;;) {
		g1 = atomic_load((_Atomic uint32_t *)&o->gen);
		if (g1 != g0 && (g1 & 1) == 0)
			break;
		if (now_us() >= until)
			break;		/* the last snapshot will do */
		ts.tv_nsec = 10 * 1000 * 1000;
		(void)syscall(SYS_futex, &o->gen, FUTEX_WAIT, g1, &ts, NULL,
		    0);
	}
	/* a seqlock: copy until no write overlapped the copy */
	for (tries = 0; tries < 100; tries++) {
		g1 = atomic_load((_Atomic uint32_t *)&o->gen);
		if (g1 & 1) {
			ts.tv_nsec = 1000 * 1000;
			(void)nanosleep(&ts, NULL);
			continue;
		}
		memcpy(out, o, sizeof(*out));
		atomic_thread_fence(memory_order_acquire);
		g2 = atomic_load((_Atomic uint32_t *)&o->gen);
		if (g1 == g2)
			break;
	}
	(void)munmap(o, sizeof(*o));
	if (tries == 100) {
		fprintf(stderr, "xtcpstat: %d: the snapshot kept changing\n",
		    (int)pid);
		return (-1);
	}
	/* the object is the program's to write: bound what it says */
	if (out->nstats > XTSTAT_NSTATS)
		out->nstats = XTSTAT_NSTATS;
	for (i = 0; i < XTSTAT_NSTATS; i++) {
		out->names[i][sizeof(out->names[i]) - 1] = '\0';
		out->descs[i][sizeof(out->descs[i]) - 1] = '\0';
	}
	for (i = 0; i < XTSTAT_NCONN; i++)
		out->conn[i].cc[sizeof(out->conn[i].cc) - 1] = '\0';
	return (0);
}

static void
proc_name(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	(void)snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	buf[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	n = read(fd, buf, len - 1);
	(void)close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static void
addr_port(char *buf, size_t len, uint32_t addr, uint16_t port)
{
	struct in_addr in;
	char a[INET_ADDRSTRLEN];

	in.s_addr = htonl(addr);
	(void)inet_ntop(AF_INET, &in, a, sizeof(a));
	if (port == 0 && addr == 0)
		(void)snprintf(buf, len, "*:*");
	else
		(void)snprintf(buf, len, "%s:%u", a, port);
}

static void
print_conns(const struct xtstat_obj *o)
{
	const struct xtcp_conn_info *c;
	char la[32], fa[32];
	unsigned i, n, mss;

	n = o->nconn < XTSTAT_NCONN ? o->nconn : XTSTAT_NCONN;
	printf("%-12s %8s %8s %-22s %-22s\n", "State", "Recv-Q", "Send-Q",
	    "Local Address:Port", "Peer Address:Port");
	for (i = 0; i < n; i++) {
		c = &o->conn[i];
		addr_port(la, sizeof(la), c->laddr, c->lport);
		addr_port(fa, sizeof(fa), c->faddr, c->fport);
		printf("%-12s %8u %8u %-22s %-22s\n", state_name(c->state),
		    c->recvq, c->sendq, la, fa);
		mss = c->mss != 0 ? c->mss : 1;
		printf("\t %s", c->cc[0] != '\0' ? c->cc : "-");
		if (c->options & OPT_TS)
			printf(" ts");
		if (c->options & OPT_SACK)
			printf(" sack");
		if (c->options & OPT_WSCALE)
			printf(" wscale:%u,%u", c->snd_wscale, c->rcv_wscale);
		printf(" rto:%.3g rtt:%.3f/%.3f mss:%u cwnd:%u",
		    c->rto_us / 1000.0, c->srtt_us / 1000.0,
		    c->rttvar_us / 1000.0, c->mss, c->cwnd / mss);
		if (c->ssthresh != UINT32_MAX)
			printf(" ssthresh:%u", c->ssthresh / mss);
		printf(" bytes_acked:%llu bytes_received:%llu segs_out:%llu "
		    "segs_in:%llu retrans:%u/%u\n",
		    (unsigned long long)c->bytes_acked,
		    (unsigned long long)c->bytes_received,
		    (unsigned long long)c->segs_out,
		    (unsigned long long)c->segs_in, c->rxtshift,
		    c->total_retrans);
	}
	if (o->nconn > n)
		printf("(%u more connections not shown)\n", o->nconn - n);
}

/* netstat -s: nonzero counters, grouped by the layer their name starts
 * with. */
static void
print_counters(const struct xtstat_obj *o)
{
	char group[32], g[32];
	unsigned i;
	size_t k;

	group[0] = '\0';
	for (i = 0; i < o->nstats; i++) {
		if (o->stats[i] == 0)
			continue;
		k = strcspn(o->names[i], "_");
		if (k >= sizeof(g))
			k = sizeof(g) - 1;
		memcpy(g, o->names[i], k);
		g[k] = '\0';
		if (strcmp(g, group) != 0) {
			(void)snprintf(group, sizeof(group), "%s", g);
			g[0] = (char)toupper((unsigned char)g[0]);
			printf("%s:\n", g);
		}
		printf("    %llu %.*s (%.*s)\n", (unsigned long long)o->stats[i],
		    (int)sizeof(o->descs[i]), o->descs[i],
		    (int)sizeof(o->names[i]), o->names[i]);
	}
}

static int
show(pid_t pid, struct xtstat_obj *o, int quiet)
{
	char comm[32];
	uint64_t now;

	if (snapshot(pid, o, quiet) != 0)
		return (-1);
	proc_name(pid, comm, sizeof(comm));
	now = now_us();
	printf("pid %d (%s): %u connection%s, snapshot %llu ms old\n",
	    (int)pid, comm, o->nconn, o->nconn == 1 ? "" : "s",
	    o->time_us == 0 ? 0ULL : now > o->time_us ?
	    (unsigned long long)((now - o->time_us) / 1000) : 0ULL);
	if (!cflag)
		print_conns(o);
	if (cflag || sflag)
		print_counters(o);
	return (0);
}

/* Every object of ours in XTSTAT_DIR; dead ones are removed. */
static int
show_all(struct xtstat_obj *o)
{
	struct dirent *de;
	struct stat sb;
	DIR *d;
	long pid;
	int found = 0;

	if ((d = opendir(XTSTAT_DIR)) == NULL) {
		fprintf(stderr, "xtcpstat: %s: %s\n", XTSTAT_DIR,
		    strerror(errno));
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		if ((pid = xtstat_name_pid(de->d_name)) < 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) !=
		    0 || sb.st_uid != geteuid())
			continue;	/* another user's */
		if (show((pid_t)pid, o, 1) == 0) {
			found++;
			printf("\n");
		}
	}
	(void)closedir(d);
	if (found == 0)
		printf("no program of this user runs on libxtcp\n");
	return (0);
}

static void
usage(void)
{
	fprintf(stderr, "usage: xtcpstat [-cs] [-p pid] [-w secs]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct xtstat_obj *o;
	struct timespec ts;
	char *end;
	long pid = 0;
	double wait = 0;
	int ch, r;

	while ((ch = getopt(argc, argv, "chp:sw:")) != -1) {
		switch (ch) {
		case 'c':
			cflag = 1;
			break;
		case 's':
			sflag = 1;
			break;
		case 'p':
			errno = 0;
			pid = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || pid <= 0 ||
			    pid > INT_MAX) {
				fprintf(stderr, "xtcpstat: -p %s: not a "
				    "process id\n", optarg);
				return (2);
			}
			break;
		case 'w':
			wait = strtod(optarg, &end);
			if (*end != '\0' || !(wait > 0) || wait > 86400) {
				fprintf(stderr, "xtcpstat: -w %s: seconds "
				    "between 0 and 86400\n", optarg);
				return (2);
			}
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if ((o = malloc(sizeof(*o))) == NULL) {
		perror("xtcpstat");
		return (1);
	}
	for (;;) {
		r = pid != 0 ? show((pid_t)pid, o, 0) : show_all(o);
		if (r != 0 || wait == 0)
			break;
		(void)fflush(stdout);
		ts.tv_sec = (time_t)wait;
		ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
		(void)nanosleep(&ts, NULL);
		printf("\n");
	}
	free(o);
	return (r != 0 ? 1 : 0);
}

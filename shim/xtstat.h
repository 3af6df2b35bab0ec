/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xtstat.h - the object each stack publishes for xtcpstat(1): a file
 * /dev/shm/xtcp.PID (mode 0600, owned by the program's user) that
 * statpub.c writes and tools/xtcpstat.c reads.  Shared by both; it
 * includes only xtcp.h, for struct xtcp_conn_info.
 *
 * Protocol.  The stack refreshes the snapshot only when asked: a reader
 * adds one to req and wakes the futex on it; the stack's publisher
 * thread, asleep on that futex, takes the engine lock once, copies the
 * counters and the connection table, and adds two to gen (odd while it
 * writes, a seqlock), then wakes the futex on gen.  A reader waits for
 * gen to move up to XTSTAT_WAIT_MS and falls back to the last snapshot.
 */
#ifndef XTSTAT_H
#define XTSTAT_H

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xtcp.h"

#define XTSTAT_MAGIC	0x78747374u	/* "xtst" */
#define XTSTAT_VERSION	1
#define XTSTAT_DIR	"/dev/shm"
#define XTSTAT_PREFIX	"xtcp."

/* The pid an object's name in XTSTAT_DIR gives, or -1 if the name is
 * not one of ours (the publisher's cleanup and xtcpstat read the
 * directory alike). */
static inline long
xtstat_name_pid(const char *name)
{
	char *end;
	long pid;

	if (strncmp(name, XTSTAT_PREFIX, strlen(XTSTAT_PREFIX)) != 0)
		return (-1);
	errno = 0;
	pid = strtol(name + strlen(XTSTAT_PREFIX), &end, 10);
	if (errno != 0 || *end != '\0' || pid <= 0 || pid > INT_MAX)
		return (-1);
	return (pid);
}
#define XTSTAT_NSTATS	512		/* room for counters */
#define XTSTAT_NCONN	4096		/* connections shown at most */
#define XTSTAT_WAIT_MS	200

struct xtstat_obj {
	uint32_t	magic;
	uint32_t	version;
	uint32_t	size;		/* sizeof(struct xtstat_obj) */
	int32_t		pid;		/* the publisher */
	uint32_t	req;		/* readers' requests (futex) */
	uint32_t	gen;		/* snapshots x 2, odd while written */
	uint64_t	time_us;	/* of the snapshot, CLOCK_REALTIME */
	uint32_t	nstats;		/* counters in stats */
	uint32_t	nconn;		/* TCBs (conn holds min(nconn, NCONN)) */
	uint64_t	stats[XTSTAT_NSTATS];
	char		names[XTSTAT_NSTATS][32];
	char		descs[XTSTAT_NSTATS][128];
	struct xtcp_conn_info conn[XTSTAT_NCONN];
};

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lograte.h - the log's rate limit, pure (time is an input): at most
 * burst lines a second per level; what is beyond is counted and said
 * once at the next second's first line.  report.c keeps one per level.
 */
#ifndef SHIM_LOGRATE_H
#define SHIM_LOGRATE_H

#include <stdint.h>

struct shim_lograte {
	uint64_t	sec;		/* the second counted */
	unsigned	n;		/* lines let through in it */
	unsigned	lost;		/* and suppressed since the last report */
};

/*
 * A line at second sec: 1 to write it, 0 to suppress it.  *said is set
 * to the count of lines suppressed before, to be reported ("N lines
 * suppressed") ahead of this one, or 0.  Threads racing on one struct
 * only blur the counts.
 */
int	shim_lograte_take(struct shim_lograte *r, uint64_t sec,
	    unsigned burst, unsigned *said);

#endif /* SHIM_LOGRATE_H */

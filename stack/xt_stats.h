/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xt_stats.h - per-engine counters generated from xt_stats.def.
 */
#ifndef XT_STATS_H
#define XT_STATS_H

#include <stdint.h>

struct xt_stats {
#define XT_STAT(name, desc)	uint64_t name;
#include "xt_stats.def"
#undef XT_STAT
};

#define XT_STAT_INC(eng, name)		((eng)->stats.name++)
#define XT_STAT_ADD(eng, name, n)	((eng)->stats.name += (n))

/* Index-based access for dumps: number of counters, name and meaning of
 * counter i, value of counter i. */
unsigned	xt_stats_count(void);
const char	*xt_stats_name(unsigned i);
const char	*xt_stats_desc(unsigned i);
uint64_t	xt_stats_value(const struct xt_stats *st, unsigned i);

#endif

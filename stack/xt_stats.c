/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xt_stats.c - names and access for the counters in xt_stats.def.
 */
#include <stddef.h>

#include "xt_stats.h"

static const char *const stat_names[] = {
#define XT_STAT(name, desc)	#name,
#include "xt_stats.def"
#undef XT_STAT
};

static const char *const stat_descs[] = {
#define XT_STAT(name, desc)	desc,
#include "xt_stats.def"
#undef XT_STAT
};

static const size_t stat_offsets[] = {
#define XT_STAT(name, desc)	offsetof(struct xt_stats, name),
#include "xt_stats.def"
#undef XT_STAT
};

unsigned
xt_stats_count(void)
{
	return (sizeof(stat_names) / sizeof(stat_names[0]));
}

const char *
xt_stats_name(unsigned i)
{
	return (i < xt_stats_count() ? stat_names[i] : NULL);
}

const char *
xt_stats_desc(unsigned i)
{
	return (i < xt_stats_count() ? stat_descs[i] : NULL);
}

uint64_t
xt_stats_value(const struct xt_stats *st, unsigned i)
{
	if (i >= xt_stats_count())
		return (0);
	return (*(const uint64_t *)((const char *)st + stat_offsets[i]));
}

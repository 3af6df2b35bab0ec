/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lograte.c - the log's rate limit (lograte.h); no I/O, no clock.
 */
#include "lograte.h"

int
shim_lograte_take(struct shim_lograte *r, uint64_t sec, unsigned burst,
    unsigned *said)
{
	*said = 0;
	if (__atomic_load_n(&r->sec, __ATOMIC_RELAXED) != sec) {
		__atomic_store_n(&r->sec, sec, __ATOMIC_RELAXED);
		__atomic_store_n(&r->n, 0, __ATOMIC_RELAXED);
		*said = __atomic_exchange_n(&r->lost, 0, __ATOMIC_RELAXED);
	}
	if (__atomic_add_fetch(&r->n, 1, __ATOMIC_RELAXED) > burst) {
		__atomic_add_fetch(&r->lost, 1, __ATOMIC_RELAXED);
		return (0);
	}
	return (1);
}

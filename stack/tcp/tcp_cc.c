/*
 * tcp_cc.c - the congestion-control registry and the helpers every
 * algorithm shares.
 *
 * The registry is a static table (no registration at run time, nothing
 * allocated): setsockopt(TCP_CONGESTION) looks a name up with
 * xt_cc_find(), new connections get xt_cc_default().  Names are Linux's
 * ("reno" is NewReno), so programs written for Linux work unchanged; the
 * FreeBSD spelling "newreno" is accepted as an alias on lookup only.
 *
 * Read first: RFC 5681 §3.1 and §4.1, RFC 6928 §2; tcp_cc.h for the
 * contract between the stack and an algorithm.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tcp/tcp_cc.h"

/* Order is the order xt_cc_names() lists them in. */
static const struct xt_cc_ops *const cc_table[] = {
	&xt_cc_newreno,
	&xt_cc_cubic,
	&xt_cc_none,
};

#define CC_NTABLE	(sizeof(cc_table) / sizeof(cc_table[0]))

/* Kept equal to the table by a unit test (check_cc.c). */
static const char cc_names[] = "reno,cubic,none";

/* Other spellings accepted by xt_cc_find(). */
static const struct {
	const char		*alias;
	const struct xt_cc_ops	*ops;
} cc_aliases[] = {
	{ "newreno", &xt_cc_newreno },	/* FreeBSD's name */
};

const struct xt_cc_ops *
xt_cc_find(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0')
		return (NULL);
	for (i = 0; i < CC_NTABLE; i++)
		if (strcmp(cc_table[i]->name, name) == 0)
			return (cc_table[i]);
	for (i = 0; i < sizeof(cc_aliases) / sizeof(cc_aliases[0]); i++)
		if (strcmp(cc_aliases[i].alias, name) == 0)
			return (cc_aliases[i].ops);
	return (NULL);
}

const struct xt_cc_ops *
xt_cc_default(void)
{
	return (&xt_cc_cubic);	/* Linux's default since 2.6.19 */
}

const char *
xt_cc_names(void)
{
	return (cc_names);
}

/* RFC 6928 §2: IW = min(10 * MSS, max(2 * MSS, 14600)). */
uint32_t
xt_cc_initial_window(const struct xt_cc_view *v)
{
	uint32_t iw, lo;

	if (v->init_cwnd != 0)
		return (v->init_cwnd);
	lo = 2 * v->mss > 14600 ? 2 * v->mss : 14600;
	iw = 10 * v->mss;
	return (iw < lo ? iw : lo);
}

/*
 * RFC 5681 §4.1: when sending resumes after an idle period longer than
 * the RTO, cwnd is set to no more than the restart window
 * RW = min(IW, cwnd).  Before giving the window up, ssthresh keeps
 * 3/4 of it (Linux's tcp_cwnd_restart keeps the same), so slow start
 * takes the connection back towards its old rate in a few RTTs instead
 * of probing in congestion avoidance from IW.
 */
void
xt_cc_restart_window(const struct xt_cc_view *v, struct xt_cc_out *o)
{
	uint32_t rw, keep;

	o->cwnd = v->cwnd;
	o->ssthresh = v->ssthresh;
	rw = xt_cc_initial_window(v);
	if (v->cwnd <= rw)
		return;
	keep = v->cwnd / 4 * 3 + v->cwnd % 4 * 3 / 4;
	if (keep > o->ssthresh)
		o->ssthresh = keep;
	o->cwnd = rw;
}

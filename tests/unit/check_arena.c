/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_arena.c - the engine in an arena (issue 13, stage A): the size
 * classes, carving, reuse, the bound and the test hook in arena mode,
 * big blocks whose pages go back, an engine at the start of a caller's
 * arena with a process part (struct xtcp_proc) it adopts, and the
 * connections reset when a lock holder died (xtcp_engine_owner_dead).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <check.h>

#include "xt_engine.h"
#include "xt_mem.h"
#include "tcp/tcp_var.h"
#include "tcp_fixture.h"

Suite	*xt_suite_arena(void);

#define ARENA_SIZE	((uint64_t)64 << 20)

static uint8_t	*arena;

static void
arena_map(void)
{
	void *p;

	p = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	arena = p;
}

static void
arena_unmap(void)
{
	(void)munmap(arena, ARENA_SIZE);
	arena = NULL;
}

/* Classes: 16-byte steps to 128, then four per power of two. */
START_TEST(arena_classes)
{
	static const struct { uint64_t n, csz; } t[] = {
		{ 1, 16 }, { 16, 16 }, { 17, 32 }, { 128, 128 }, { 129, 160 },
		{ 160, 160 }, { 161, 192 }, { 256, 256 }, { 257, 320 },
		{ 1500, 1536 }, { 4096, 4096 }, { 4097, 5120 },
		{ 16384, 16384 }, { 16385, 20480 }, { 262144, 262144 },
		{ 262145, 327680 },
	};
	uint64_t csz, prev = 0;
	unsigned i;
	int c, pc = -1;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		c = xt_mem_class(t[i].n, &csz);
		ck_assert_msg(csz == t[i].csz, "%llu: class size %llu, want "
		    "%llu", (unsigned long long)t[i].n,
		    (unsigned long long)csz, (unsigned long long)t[i].csz);
		ck_assert_int_ge(c, 0);
		ck_assert_int_lt(c, XT_MEM_NCLASS);
	}
	/* every size's class is the smallest that holds it, classes
	 * ascending, at most a quarter wasted past 128 */
	for (i = 1; i < 300000; i += 1 + i / 64) {
		c = xt_mem_class(i, &csz);
		ck_assert_uint_ge(csz, i);
		ck_assert_int_ge(c, pc);
		if (c == pc)
			ck_assert_uint_eq(csz, prev);
		if (i > 128)
			ck_assert_uint_le(csz - i, i / 4);
		pc = c;
		prev = csz;
	}
	ck_assert_int_eq(xt_mem_class((uint64_t)1 << 50, &csz), -1);
}
END_TEST

/* Blocks come from the arena, aligned, apart; a freed one is the next
 * of its class, zeroed for xt_alloc; the accounting is on bytes asked. */
START_TEST(arena_carve_reuse)
{
	struct xt_mem m;
	uint8_t *a, *b, *c, *d;

	arena_map();
	xt_mem_init_arena(&m, arena, ARENA_SIZE, 0, XT_MEM_DONTNEED);
	ck_assert_ptr_nonnull(a = xt_alloc(&m, 100));
	ck_assert_ptr_nonnull(b = xt_alloc(&m, 100));
	ck_assert_ptr_nonnull(c = xt_alloc(&m, 20000));
	ck_assert(a >= arena && c + 20000 <= arena + ARENA_SIZE);
	ck_assert_uint_eq((uintptr_t)a % 16, 0);
	ck_assert_uint_eq((uintptr_t)b % 16, 0);
	ck_assert_uint_eq((uintptr_t)c % XT_MEM_PAGE, 0);
	ck_assert(b >= a + 112 || a >= b + 112);
	ck_assert_uint_eq(m.used, 20200);
	memset(a, 0xab, 100);
	xt_free(&m, a, 100);
	ck_assert_uint_eq(m.used, 20100);
	/* 97..112 bytes are one class: the block comes back, zeroed */
	ck_assert_ptr_eq(d = xt_alloc(&m, 110), a);
	ck_assert_uint_eq(d[0], 0);
	ck_assert_uint_eq(d[99], 0);
	/* realloc within the class stays, past it moves with the bytes */
	memset(d, 7, 110);
	ck_assert_ptr_eq(xt_realloc(&m, d, 110, 112), d);
	ck_assert_uint_eq(d[111], 0);
	ck_assert_ptr_nonnull(a = xt_realloc(&m, d, 112, 3000));
	ck_assert_ptr_ne(a, d);
	ck_assert_uint_eq(a[0], 7);
	ck_assert_uint_eq(a[109], 7);
	ck_assert_uint_eq(a[110], 0);
	ck_assert_uint_eq(a[2999], 0);
	ck_assert_uint_eq(m.used, 100 + 20000 + 3000);
	ck_assert_uint_eq(m.peak, 23100);
	xt_free(&m, a, 3000);
	xt_free(&m, b, 100);
	xt_free(&m, c, 20000);
	ck_assert_uint_eq(m.used, 0);
	arena_unmap();
}
END_TEST

/* XTCP_MEM_MAX, the fail_at hook and a full arena all refuse, counted. */
START_TEST(arena_bound_and_full)
{
	struct xt_mem m;
	uint8_t *p;
	uint64_t brk;

	arena_map();
	xt_mem_init_arena(&m, arena, 1 << 20, 1000, XT_MEM_DONTNEED);
	ck_assert_ptr_nonnull(p = xt_alloc(&m, 600));
	ck_assert_ptr_null(xt_alloc(&m, 401));
	ck_assert_uint_eq(m.nfails, 1);
	m.fail_at = m.nallocs + 1;
	ck_assert_ptr_null(xt_alloc(&m, 1));
	ck_assert_uint_eq(m.nfails, 2);
	xt_free(&m, p, 600);
	/* the arena (1 MiB) is the limit now */
	m.max = 0;
	ck_assert_ptr_nonnull(p = xt_alloc_raw(&m, 600 << 10));
	brk = m.brk;
	ck_assert_ptr_null(xt_alloc_raw(&m, 600 << 10));
	ck_assert_uint_eq(m.nfails, 3);
	ck_assert_uint_eq(m.brk, brk);
	ck_assert_uint_eq(m.used, 600 << 10);
	xt_free(&m, p, 600 << 10);
	/* the freed block serves the same class again */
	ck_assert_ptr_eq(xt_alloc_raw(&m, 600 << 10), p);
	arena_unmap();
}
END_TEST

/* Freed big blocks past XT_MEM_IDLE_MAX give their pages back, and
 * read as zeros when taken again; the first ones stay resident. */
START_TEST(arena_big_release)
{
	enum { N = 24, SZ = 1 << 20 };
	struct xt_mem m;
	uint8_t *p[N], *q;
	unsigned i, zero;

	arena_map();
	xt_mem_init_arena(&m, arena, ARENA_SIZE, 0, XT_MEM_DONTNEED);
	for (i = 0; i < N; i++) {
		ck_assert_ptr_nonnull(p[i] = xt_alloc_raw(&m, SZ));
		memset(p[i], 0x5a, SZ);
	}
	for (i = 0; i < N; i++)
		xt_free(&m, p[i], SZ);
	ck_assert_uint_eq(m.used, 0);
	ck_assert_uint_eq(m.idle, XT_MEM_IDLE_MAX);
	ck_assert_uint_eq(m.nreleased, N - XT_MEM_IDLE_MAX / SZ);
	/* taken back newest first: released ones are zero without a
	 * memset, kept ones are zeroed by xt_alloc */
	for (i = 0, zero = 0; i < N; i++) {
		ck_assert_ptr_nonnull(q = xt_alloc(&m, SZ));
		if (q[0] == 0 && q[SZ - 1] == 0)
			zero++;
	}
	ck_assert_uint_eq(zero, N);
	ck_assert_uint_eq(m.idle, 0);
	arena_unmap();
}
END_TEST

static int	logged;

static void
count_log(void *arg, int level, const char *line)
{
	(void)arg;
	(void)level;
	(void)line;
	logged++;
}

/* An engine in a caller's arena: its first block, counted apart; the
 * process part holds the device and the log sink, the engine neither. */
START_TEST(arena_engine_in)
{
	struct xtcp_engine *e;
	struct xtcp_proc *p1, *p2;
	struct xtcp_arena a;
	struct xtcp_keys keys;
	struct xtcp_sock *s;
	struct xtcp_config c;

	arena_map();
	xtcp_config_defaults(&c);
	c.addr = OUR_IP;
	c.log_fn = count_log;
	c.log_level = XTCP_LOG_DEBUG;
	xtcp_keys_from_seed(5, &keys);
	a.base = arena;
	a.size = ARENA_SIZE;
	a.shared = 0;
	ck_assert_int_eq(xtcp_proc_new(NULL, &p1), XT_EINVAL);
	ck_assert_int_eq(xtcp_proc_new(&cap.dev, &p1), XT_OK);
	ck_assert_int_eq(xtcp_proc_new(&cap.dev, &p2), XT_OK);
	ck_assert_int_eq(xtcp_engine_new_in(&c, p1, &keys, T0, NULL, &e),
	    XT_EINVAL);
	ck_assert_int_eq(xtcp_engine_new_in(&c, p1, &keys, T0, &a, &e),
	    XT_OK);
	ck_assert_ptr_eq((void *)e, (void *)arena);
	ck_assert_ptr_eq(e->proc, p1);
	ck_assert_ptr_null(e->cfg.log_fn);
	ck_assert_ptr_null(e->cfg.log_arg);
	ck_assert_ptr_null(e->own_arena);
	ck_assert_uint_ge(xtcp_engine_arena_used(e), sizeof(*e));
	/* the transmit batch and the tables, in the arena */
	ck_assert_uint_ge(e->mem.used, (uint64_t)XT_TX_BATCH * e->txbuf_size);
	ck_assert((uint8_t *)e->txbuf[0] > arena &&
	    (uint8_t *)e->txbuf[0] < arena + ARENA_SIZE);
	/* another process's part: its own log sink (none) */
	xtcp_engine_adopt(e, p2);
	ck_assert_ptr_eq(e->proc, p2);
	logged = 0;
	xt_log(e, XTCP_LOG_ERROR, "to nobody");
	ck_assert_int_eq(logged, 0);
	xtcp_engine_adopt(e, p1);
	xt_log(e, XTCP_LOG_ERROR, "to p1");
	ck_assert_int_eq(logged, 1);
	ck_assert_int_eq(xtcp_socket(e, &s), XT_OK);
	ck_assert((uint8_t *)s > arena && (uint8_t *)s < arena + ARENA_SIZE);
	xtcp_close(s, T0);
	xtcp_engine_free(e);
	xtcp_proc_free(p1);
	xtcp_proc_free(p2);
	arena_unmap();
}
END_TEST

/* A holder died: the connection the unit of work it died in was
 * changing is aborted with an RST; one changed in an earlier unit (of
 * the same hold) is not, nor a listener, nor anything when it died
 * between two units. */
START_TEST(arena_owner_dead)
{
	struct xtcp_sock *l;
	size_t sent;
	int64_t before;

	tcb_established();
	ck_assert_int_eq(xtcp_socket(eng, &l), XT_OK);
	ck_assert_int_eq(xtcp_bind(l, 0, LISTEN_PORT), XT_OK);
	ck_assert_int_eq(xtcp_listen(l, 8), XT_OK);
	before = xtcp_stats_get(eng, "engine_owner_dead");
	/* a unit that changed the connection and ended, then one that
	 * touches only the listener and dies in the middle */
	xtcp_engine_adopt(eng, eng->proc);
	ck_assert_int_eq(xtcp_send(sk, now, "abc", 3, 0, &sent), XT_OK);
	tx_clear();
	ck_assert_int_eq(xtcp_listen(l, 16), XT_OK);
	ck_assert(xtcp_engine_work_open(eng));
	ck_assert_uint_eq(xtcp_engine_owner_dead(eng, eng->proc, now), 0);
	expect_no_tx();
	expect_state(sk, XT_TCPS_ESTABLISHED);
	expect_state(l, XT_TCPS_LISTEN);
	ck_assert_int_eq(xtcp_stats_get(eng, "engine_owner_dead"),
	    before + 1);
	/* a segment's input is a unit of its own, ended: a death after it
	 * resets nothing */
	xtcp_engine_adopt(eng, eng->proc);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 4, PEER_WIN, NULL, 0);
	ck_assert(!xtcp_engine_work_open(eng));
	tx_clear();
	ck_assert_uint_eq(xtcp_engine_owner_dead(eng, eng->proc, now), 0);
	expect_no_tx();
	expect_state(sk, XT_TCPS_ESTABLISHED);
	/* one that died sending on the connection */
	xtcp_engine_adopt(eng, eng->proc);
	ck_assert_int_eq(xtcp_send(sk, now, "def", 3, 0, &sent), XT_OK);
	tx_clear();
	ck_assert_uint_eq(xtcp_engine_owner_dead(eng, eng->proc, now), 1);
	expect_tx(XT_TH_RST | XT_TH_ACK, iss + 7, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_CLOSED);
	ck_assert_int_eq(xtcp_take_error(sk), XT_ECONNABORTED);
	expect_state(l, XT_TCPS_LISTEN);
	ck_assert_int_eq(xtcp_stats_get(eng, "engine_owner_dead_resets"), 1);
	xtcp_close(sk, now);
	/* the shim ends a hold's work as it releases the lock or keeps it
	 * to exit (xtcp_engine_work_done): a death after that resets
	 * nothing */
	ck_assert_int_eq(xtcp_socket(eng, &sk), XT_OK);
	xtcp_engine_adopt(eng, eng->proc);
	ck_assert_int_eq(xtcp_bind(sk, 0, LISTEN_PORT + 1), XT_OK);
	ck_assert(xtcp_engine_work_open(eng));
	xtcp_engine_work_done(eng);
	ck_assert(!xtcp_engine_work_open(eng));
	ck_assert_uint_eq(xtcp_engine_owner_dead(eng, eng->proc, now), 0);
	ck_assert_int_eq(xtcp_stats_get(eng, "engine_owner_dead"), before + 4);
	xtcp_close(sk, now);
	sk = NULL;
	xtcp_close(l, now);
	finish(0);
}
END_TEST

/* The last holder died: reset unless its FIN is already on its way. */
START_TEST(arena_abort)
{
	tcb_established();
	tx_clear();
	ck_assert_int_eq(xtcp_abort(sk, now), 1);
	expect_tx(XT_TH_RST | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	finish(0);
}
END_TEST

START_TEST(arena_abort_after_fin)
{
	tcb_established();
	ck_assert_int_eq(xtcp_shutdown(sk, now, 1), XT_OK);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	tx_clear();
	ck_assert_int_eq(xtcp_abort(sk, now), 0);
	expect_no_tx();
	expect_state(sk, XT_TCPS_FIN_WAIT_1);
	finish(1);
}
END_TEST

Suite *
xt_suite_arena(void)
{
	Suite *s = suite_create("arena");
	TCase *tc = tcase_create("arena");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, arena_classes);
	tcase_add_test(tc, arena_carve_reuse);
	tcase_add_test(tc, arena_bound_and_full);
	tcase_add_test(tc, arena_big_release);
	tcase_add_test(tc, arena_engine_in);
	tcase_add_test(tc, arena_owner_dead);
	tcase_add_test(tc, arena_abort);
	tcase_add_test(tc, arena_abort_after_fin);
	suite_add_tcase(s, tc);
	return (s);
}

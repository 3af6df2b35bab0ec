/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_seq.h - sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4):
 * unsigned subtraction, then the sign of the 32-bit result.
 */
#ifndef XT_TCP_SEQ_H
#define XT_TCP_SEQ_H

#include <stdint.h>

typedef uint32_t xt_seq_t;

#define SEQ_LT(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)
#define SEQ_MIN(a, b)	(SEQ_LT(a, b) ? (a) : (b))
#define SEQ_MAX(a, b)	(SEQ_GT(a, b) ? (a) : (b))
/* a <= x < b in sequence space */
#define SEQ_IN(x, a, b)	(SEQ_LEQ(a, x) && SEQ_LT(x, b))

#endif

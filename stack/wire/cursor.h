/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cursor.h - big-endian load/store helpers.  Callers check lengths before
 * using them (the parsers do it once per header).
 */
#ifndef XT_WIRE_CURSOR_H
#define XT_WIRE_CURSOR_H

#include <stdint.h>

static inline uint16_t
xt_get16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

static inline uint32_t
xt_get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static inline void
xt_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void
xt_put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

#endif

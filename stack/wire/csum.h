/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * csum.h - the Internet checksum (RFC 1071) and its incremental update
 * (RFC 1624).  Pure functions over byte buffers.
 */
#ifndef XT_WIRE_CSUM_H
#define XT_WIRE_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Add the 16-bit big-endian words of buf to sum (unfolded 32-bit sum).
 * An odd trailing byte is padded with zero (RFC 1071 §4.1).  Callers that
 * chain buffers must give every buffer but the last an even length. */
uint32_t xt_csum_add(uint32_t sum, const void *buf, size_t len);
/* Fold a 32-bit sum to 16 bits and complement it: the value to store. */
uint16_t xt_csum_fold(uint32_t sum);
/* Sum of the TCP/UDP pseudo-header (RFC 9293 §3.1); addresses host order. */
uint32_t xt_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto,
    uint16_t l4len);
/* RFC 1624 eqn. 3: new checksum after a 16-bit field changed old -> new. */
uint16_t xt_csum_update16(uint16_t csum, uint16_t oldv, uint16_t newv);

#endif

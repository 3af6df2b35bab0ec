/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * addrown.h - whether the kernel holds an IPv4 address on an interface
 * (addrown.c).
 */
#ifndef SHIM_ADDROWN_H
#define SHIM_ADDROWN_H

#include <stdint.h>

/* 1 when the kernel has addr (host order) on interface ifname (its prefix
 * length in *plen when plen is not NULL), 0 when not, -1 when the
 * kernel's addresses cannot be read (errno set). */
int	shim_addr_kernel_owned(const char *ifname, uint32_t addr, int *plen);

#endif

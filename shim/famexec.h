/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * famexec.h - the family's sockets across exec (famexec.c).
 */
#ifndef SHIM_FAMEXEC_H
#define SHIM_FAMEXEC_H

struct shim_pool;

/*
 * From init_once(), configuration loaded, before any hook has seen an
 * fd: if this image was exec'd by a member of a family (XTCP_FAMILY and
 * a hand-over record for our pid in its region), take the family's
 * region, device and the stack sockets the old image left on our fds.
 * p is the process's address claim (init.c), which the hand-over also
 * carries.  Returns 1 when the stack runs (shim.st is then
 * SHIM_ST_RUNNING), else 0 (the ordinary start, lazily).
 */
int	shim_famexec_init(struct shim_pool *p);
#endif /* SHIM_FAMEXEC_H */

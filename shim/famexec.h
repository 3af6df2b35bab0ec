/*
 * famexec.h - the family's sockets across exec (famexec.c).
 */
#ifndef SHIM_FAMEXEC_H
#define SHIM_FAMEXEC_H

#include <pthread.h>

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
/*
 * The lock m came back with EOWNERDEAD.  If its holder was a member
 * that exec'd holding it (the hand-over, clean: nothing half done), make
 * it consistent and return 1; else 0 (a death: family.c's business).
 */
int	shim_famexec_owner_dead(pthread_mutex_t *m);

#endif /* SHIM_FAMEXEC_H */

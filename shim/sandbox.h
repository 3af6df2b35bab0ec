/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sandbox.h - members that may not use the device (sandbox.c).
 */
#ifndef SHIM_SANDBOX_H
#define SHIM_SANDBOX_H

/* Set (lock held, never cleared) once the process's program threads may
 * no longer make the device's system calls: they leave receiving to the
 * stack thread and queue what they send for it. */
extern int shim_sandboxed;

#endif /* SHIM_SANDBOX_H */

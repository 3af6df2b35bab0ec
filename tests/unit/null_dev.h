/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * null_dev.h - a device that sends nowhere and receives nothing, for
 * suites that need an engine but never look at its frames (keys, port
 * choice).  Suites that check frames use the fixture's capture device
 * (tcp_fixture.c).
 */
#ifndef XT_TEST_NULL_DEV_H
#define XT_TEST_NULL_DEV_H

#include "dev/phy.h"

/* MAC 02:00:00:00:00:01, MTU 1500; transmits succeed and vanish. */
extern struct xt_dev xt_test_null_dev;

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * addrown.c - does the kernel already own XTCP_ADDR on our interface?
 *
 * The stack answers ARP for its address on the wire.  If the kernel holds
 * the same address on the same interface, both answer and both take the
 * peer's segments: the kernel resets every connection the stack makes.
 * init.c asks here at engine start and refuses to start on such an
 * address.  For a TAP the address the host gives the TAP is the host's
 * side of the link, a different address: only an exact match counts.
 */

#include "prelude.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "addrown.h"

int
shim_addr_kernel_owned(const char *ifname, uint32_t addr, int *plen)
{
	struct ifaddrs *ifa0, *ifa;
	const struct sockaddr_in *sin, *mask;
	uint32_t m;
	int found = 0;

	if (ifname == NULL || ifname[0] == '\0')
		return (0);
	if (getifaddrs(&ifa0) != 0)
		return (-1);
	for (ifa = ifa0; ifa != NULL && !found; ifa = ifa->ifa_next) {
		if (ifa->ifa_addr == NULL ||
		    ifa->ifa_addr->sa_family != AF_INET ||
		    ifa->ifa_name == NULL ||
		    strcmp(ifa->ifa_name, ifname) != 0)
			continue;
		sin = (const struct sockaddr_in *)(const void *)ifa->ifa_addr;
		if (ntohl(sin->sin_addr.s_addr) != addr)
			continue;
		found = 1;
		if (plen == NULL)
			continue;
		*plen = 32;
		mask = (const struct sockaddr_in *)(const void *)
		    ifa->ifa_netmask;
		if (mask != NULL && mask->sin_family == AF_INET) {
			m = ntohl(mask->sin_addr.s_addr);
			*plen = 0;
			while (*plen < 32 && (m & (UINT32_C(1) << 31)) != 0) {
				(*plen)++;
				m <<= 1;
			}
		}
	}
	freeifaddrs(ifa0);
	return (found);
}

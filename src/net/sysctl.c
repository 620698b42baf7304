/* sysctl.c - net.ipv4.ip_forward, net.ipv6.conf.all.forwarding and a
 * link's disable_ipv6, in the caller's network namespace. There is no
 * netlink request for these: they are files under /proc/sys. */
#include "net.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "../common/util.h"

#define IP_FORWARD "/proc/sys/net/ipv4/ip_forward"

int cfs_ip_forward_get(int *value, cfs_error_t *err)
{
	cleanup_free char *s = NULL;

	if (cfs_read_file(IP_FORWARD, &s, NULL, err) < 0)
		return -1;
	if (s[0] != '0' && s[0] != '1')
		return cfs_fail(err, EINVAL, "reading " IP_FORWARD);
	*value = s[0] - '0';
	return 0;
}

int cfs_ip_forward_set(int value, cfs_error_t *err)
{
	return cfs_write_string(IP_FORWARD, value ? "1\n" : "0\n", err);
}

#define IP6_FORWARD "/proc/sys/net/ipv6/conf/all/forwarding"

int cfs_ip6_forward_get(int *value, cfs_error_t *err)
{
	cleanup_free char *s = NULL;

	if (cfs_read_file(IP6_FORWARD, &s, NULL, err) < 0)
		return -1;
	if (s[0] != '0' && s[0] != '1')
		return cfs_fail(err, EINVAL, "reading " IP6_FORWARD);
	*value = s[0] - '0';
	return 0;
}

int cfs_ip6_forward_set(int value, cfs_error_t *err)
{
	return cfs_write_string(IP6_FORWARD, value ? "1\n" : "0\n", err);
}

int cfs_link_ipv6_off(const char *ifname, cfs_error_t *err)
{
	char path[96];

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 ifname);
	return cfs_write_string(path, "1\n", err);
}

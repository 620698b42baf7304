/* links.c - every link of the caller's network namespace with its alias,
 * read through one libnl-route-3 link dump: what `cfsnet gc` needs to
 * find cfsnet's links that no state describes any more. */
#define _GNU_SOURCE
#include "net.h"

#include <errno.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cfs_host_links(struct cfs_host_link **out, size_t *n, cfs_error_t *err)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *links = NULL;
	struct cfs_host_link *v;
	size_t cnt = 0;
	int r;

	*out = NULL;
	*n = 0;
	if (!sk)
		return cfs_fail(err, ENOMEM, "reading host links");
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r == 0)
		r = rtnl_link_alloc_cache(sk, AF_UNSPEC, &links);
	nl_socket_free(sk);
	if (r < 0)
		return cfs_fail(err, EIO, "reading host links: %s", nl_geterror(r));
	v = calloc((size_t)nl_cache_nitems(links) + 1, sizeof(*v));
	if (!v) {
		nl_cache_free(links);
		return cfs_fail(err, ENOMEM, "reading host links");
	}
	for (struct nl_object *o = nl_cache_get_first(links); o;
	     o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		const char *name = rtnl_link_get_name(l);
		const char *alias = rtnl_link_get_ifalias(l);
		const char *type = rtnl_link_get_type(l);

		if (!name)
			continue;
		snprintf(v[cnt].name, sizeof(v[cnt].name), "%s", name);
		snprintf(v[cnt].alias, sizeof(v[cnt].alias), "%s", alias ? alias : "");
		v[cnt].bridge = type && !strcmp(type, "bridge");
		cnt++;
	}
	nl_cache_free(links);
	*out = v;
	*n = cnt;
	return 0;
}

/* routes.c - the IPv4 routes of the main table inside a container's
 * network namespace, read through libnl-route-3 (for `cfsnet check`). The
 * socket is opened in a short-lived thread that joined the namespace; the
 * dump is made from the caller's thread. */
#define _GNU_SOURCE
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>
#include <stdlib.h>
#include <string.h>

#include "../ns/ns.h"

struct sock_in {
	struct nl_sock *sk;
	int nlerr;
};

static int open_in_thread(void *arg)
{
	struct sock_in *s = arg;

	s->sk = nl_socket_alloc();
	if (!s->sk) {
		s->nlerr = -NLE_NOMEM;
		return -1;
	}
	s->nlerr = nl_connect(s->sk, NETLINK_ROUTE);
	return s->nlerr < 0 ? -1 : 0;
}

static uint32_t addr4_of(struct nl_addr *a)
{
	uint32_t be;

	if (!a || nl_addr_get_family(a) != AF_INET || nl_addr_get_len(a) != sizeof(be))
		return 0;
	memcpy(&be, nl_addr_get_binary_addr(a), sizeof(be));
	return ntohl(be);
}

int cfs_routes4_read(int nsfd, struct cfs_route4 **out, size_t *n,
		     cfs_error_t *err)
{
	struct sock_in s = { 0 };
	struct nl_cache *routes = NULL;
	struct cfs_route4 *v;
	size_t cnt = 0;
	int r;

	*out = NULL;
	*n = 0;
	r = cfs_netns_run(nsfd, open_in_thread, &s, err);
	if (r < 0 && s.nlerr == 0)
		return -1; /* joining the namespace failed: err says so */
	if (r == 0)
		s.nlerr = rtnl_route_alloc_cache(s.sk, AF_INET, 0, &routes);
	if (s.sk)
		nl_socket_free(s.sk);
	if (s.nlerr < 0)
		return cfs_fail(err, EIO, "reading the container's routes: %s",
				nl_geterror(s.nlerr));
	v = calloc((size_t)nl_cache_nitems(routes) + 1, sizeof(*v));
	if (!v) {
		nl_cache_free(routes);
		return cfs_fail(err, ENOMEM, "reading the container's routes");
	}
	for (struct nl_object *o = nl_cache_get_first(routes); o;
	     o = nl_cache_get_next(o)) {
		struct rtnl_route *rt = (struct rtnl_route *)o;
		struct nl_addr *dst = rtnl_route_get_dst(rt);
		struct rtnl_nexthop *nh;

		if (rtnl_route_get_table(rt) != RT_TABLE_MAIN ||
		    rtnl_route_get_type(rt) != RTN_UNICAST)
			continue;
		v[cnt].dst = addr4_of(dst);
		v[cnt].prefix = dst ? (unsigned)nl_addr_get_prefixlen(dst) : 0;
		nh = rtnl_route_get_nnexthops(rt) > 0 ? rtnl_route_nexthop_n(rt, 0) : NULL;
		v[cnt].gw = nh ? addr4_of(rtnl_route_nh_get_gateway(nh)) : 0;
		cnt++;
	}
	nl_cache_free(routes);
	*out = v;
	*n = cnt;
	return 0;
}

/* show.c - the read side: what the kernel has for one container, read
 * through libnl-route-3 caches (links, addresses, routes) inside the
 * container's network namespace and in the caller's.
 *
 * A netlink socket belongs for life to the namespace of the thread that
 * created it, so the socket for the container is created (and connected)
 * in a short-lived thread that joined nsfd; the dumps are then made from
 * the calling thread. A filled cache is plain memory and keeps no tie to
 * the socket it was filled from. */
#define _GNU_SOURCE
#include "net.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "../ns/ns.h"

/* Never call nl_cache_mngt_provide() in this program: libnl's address
 * parser attaches every address to a link looked up in a provided global
 * "route/link" cache, which would pair a container's addresses with the
 * host's links of the same ifindex. */

/* What cfs_host_cache_new builds: behind the opaque pointer of net.h. */
struct host_cache {
	struct nl_cache *links;
	struct nl_cache *addrs;
};

static void nl_sock_freep(struct nl_sock **sk)
{
	if (*sk)
		nl_socket_free(*sk);
}

static void nl_cache_freep(struct nl_cache **c)
{
	if (*c)
		nl_cache_free(*c);
}

#define cleanup_nl_sock __attribute__((cleanup(nl_sock_freep)))
#define cleanup_nl_cache __attribute__((cleanup(nl_cache_freep)))

/* libnl's negative NLE_* codes mean nothing to errno users: map the ones
 * with an obvious counterpart, EIO for the rest. */
static int nlerr_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_INTR:
		return EINTR;
	case NLE_BAD_SOCK:
		return EBADF;
	case NLE_AGAIN:
		return EAGAIN;
	case NLE_NOMEM:
		return ENOMEM;
	case NLE_EXIST:
		return EEXIST;
	case NLE_INVAL:
		return EINVAL;
	case NLE_RANGE:
		return ERANGE;
	case NLE_MSGSIZE:
	case NLE_MSG_TRUNC:
	case NLE_MSG_OVERFLOW:
		return EMSGSIZE;
	case NLE_OPNOTSUPP:
		return EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:
		return ENOENT;
	case NLE_NOADDR:
		return EADDRNOTAVAIL;
	case NLE_BUSY:
		return EBUSY;
	case NLE_PROTO_MISMATCH:
		return EPROTONOSUPPORT;
	case NLE_NOACCESS:
		return EACCES;
	case NLE_PERM:
		return EPERM;
	case NLE_NODEV:
		return ENODEV;
	default:
		return EIO;
	}
}

/* "<what>: <libnl's text>", with the errno counterpart in errnum (the
 * text is libnl's, so cfs_fail must not append a strerror too). */
static int nl_fail(cfs_error_t *err, int nlerr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int nl_fail(cfs_error_t *err, int nlerr, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	cfs_fail(err, 0, "%s: %s", what, nl_geterror(nlerr));
	if (err)
		err->errnum = nlerr_to_errno(nlerr);
	return -1;
}

static int sock_open(struct nl_sock **out, cfs_error_t *err)
{
	struct nl_sock *sk;
	int r;

	sk = nl_socket_alloc();
	if (!sk)
		return cfs_fail(err, ENOMEM, "opening a netlink socket");
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(sk);
		return nl_fail(err, r, "opening a netlink socket");
	}
	*out = sk;
	return 0;
}

struct sock_in {
	struct nl_sock *sk;
	cfs_error_t *err;
};

/* Runs in the thread that joined the container's namespace. */
static int sock_open_thread(void *arg)
{
	struct sock_in *s = arg;

	return sock_open(&s->sk, s->err);
}

/* "aa:bb:cc:dd:ee:ff"; "" for a link without (or with an odd) address. */
static void format_mac(struct nl_addr *a, char out[18])
{
	const unsigned char *b;
	size_t n = 0;

	out[0] = '\0';
	if (!a || nl_addr_get_len(a) != 6)
		return;
	b = nl_addr_get_binary_addr(a);
	for (unsigned i = 0; i < 6; i++)
		n += (size_t)snprintf(out + n, 18 - n, i ? ":%02x" : "%02x",
				      b[i]);
}

/* The first IPv4 address of ifindex, in the kernel's order (primary
 * addresses first), as "A.B.C.D/P". */
static void find_addr4(struct nl_cache *addrs, int ifindex,
		       char out[CFS_CIDR_STRLEN])
{
	struct nl_object *o;

	out[0] = '\0';
	for (o = nl_cache_get_first(addrs); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *local;
		struct cfs_cidr c;
		uint32_t be;

		if (rtnl_addr_get_family(a) != AF_INET ||
		    rtnl_addr_get_ifindex(a) != ifindex)
			continue;
		local = rtnl_addr_get_local(a);
		if (!local || nl_addr_get_len(local) != sizeof(be))
			continue;
		memcpy(&be, nl_addr_get_binary_addr(local), sizeof(be));
		c.addr = ntohl(be);
		c.prefix = (unsigned)rtnl_addr_get_prefixlen(a);
		cfs_cidr_format(&c, out);
		return;
	}
}

static void fill_link(struct nl_cache *links, struct nl_cache *addrs,
		      const char *name, struct cfs_link_info *out)
{
	struct rtnl_link *l;
	int master;

	memset(out, 0, sizeof(*out));
	if (!name || !*name)
		return;
	l = rtnl_link_get_by_name(links, name);
	if (!l)
		return;
	out->found = true;
	snprintf(out->ifname, sizeof(out->ifname), "%s", rtnl_link_get_name(l));
	out->ifindex = rtnl_link_get_ifindex(l);
	format_mac(rtnl_link_get_addr(l), out->mac);
	out->mtu = rtnl_link_get_mtu(l);
	/* libnl's names are the kernel's operstates in lowercase ("up",
	 * "lowerlayerdown"); an unknown value comes back as "0x..". */
	rtnl_link_operstate2str(rtnl_link_get_operstate(l), out->state,
				sizeof(out->state));
	for (char *p = out->state; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	out->admin_up = rtnl_link_get_flags(l) & IFF_UP;
	master = rtnl_link_get_master(l);
	/* A master always lives in the same namespace as its port. */
	if (master > 0 &&
	    !rtnl_link_i2name(links, master, out->master, sizeof(out->master)))
		out->master[0] = '\0';
	if (addrs)
		find_addr4(addrs, out->ifindex, out->addr4);
	rtnl_link_put(l);
}

/* The gateway of the IPv4 default route of the main table; with several
 * (different metrics) the one the kernel uses: the lowest metric. */
static void find_gateway(struct nl_cache *routes, char out[CFS_IP4_STRLEN])
{
	struct nl_object *o;
	uint32_t best_prio = 0, gw = 0;
	bool have = false;

	out[0] = '\0';
	for (o = nl_cache_get_first(routes); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *r = (struct rtnl_route *)o;
		struct nl_addr *dst = rtnl_route_get_dst(r);
		int n = rtnl_route_get_nnexthops(r);

		if (rtnl_route_get_family(r) != AF_INET ||
		    rtnl_route_get_table(r) != RT_TABLE_MAIN ||
		    rtnl_route_get_type(r) != RTN_UNICAST ||
		    (dst && nl_addr_get_prefixlen(dst) != 0))
			continue;
		if (have && rtnl_route_get_priority(r) >= best_prio)
			continue;
		for (int i = 0; i < n; i++) {
			struct rtnl_nexthop *nh = rtnl_route_nexthop_n(r, i);
			struct nl_addr *g = nh ? rtnl_route_nh_get_gateway(nh) : NULL;
			uint32_t be;

			if (!g || nl_addr_get_family(g) != AF_INET ||
			    nl_addr_get_len(g) != sizeof(be))
				continue;
			memcpy(&be, nl_addr_get_binary_addr(g), sizeof(be));
			gw = ntohl(be);
			best_prio = rtnl_route_get_priority(r);
			have = true;
			break;
		}
	}
	if (have)
		cfs_ip4_format(gw, out);
}

static int host_caches_fill(struct host_cache *hc, cfs_error_t *err)
{
	cleanup_nl_sock struct nl_sock *sk = NULL;
	int r;

	if (sock_open(&sk, err) < 0)
		return -1;
	r = rtnl_link_alloc_cache(sk, AF_UNSPEC, &hc->links);
	if (r < 0)
		return nl_fail(err, r, "reading host links");
	r = rtnl_addr_alloc_cache(sk, &hc->addrs);
	if (r < 0)
		return nl_fail(err, r, "reading host addresses");
	return 0;
}

int cfs_host_cache_new(void **cache, cfs_error_t *err)
{
	struct host_cache *hc;

	hc = calloc(1, sizeof(*hc));
	if (!hc)
		return cfs_fail(err, ENOMEM, "reading host links");
	if (host_caches_fill(hc, err) < 0) {
		cfs_host_cache_free(hc);
		return -1;
	}
	*cache = hc;
	return 0;
}

void cfs_host_cache_free(void *cache)
{
	struct host_cache *hc = cache;

	if (!hc)
		return;
	if (hc->links)
		nl_cache_free(hc->links);
	if (hc->addrs)
		nl_cache_free(hc->addrs);
	free(hc);
}

static void host_cache_freep(void *p)
{
	cfs_host_cache_free(*(void **)p);
}

static int read_inside(int nsfd, const char *ifname, struct cfs_ct_info *out,
		       cfs_error_t *err)
{
	struct sock_in s = { .err = err };
	cleanup_nl_sock struct nl_sock *sk = NULL;
	cleanup_nl_cache struct nl_cache *links = NULL;
	cleanup_nl_cache struct nl_cache *addrs = NULL;
	cleanup_nl_cache struct nl_cache *routes = NULL;
	int r;

	r = cfs_netns_run(nsfd, sock_open_thread, &s, err);
	sk = s.sk;
	if (r < 0)
		return -1;
	r = rtnl_link_alloc_cache(sk, AF_UNSPEC, &links);
	if (r < 0)
		return nl_fail(err, r, "reading the container's links");
	r = rtnl_addr_alloc_cache(sk, &addrs);
	if (r < 0)
		return nl_fail(err, r, "reading the container's addresses");
	r = rtnl_route_alloc_cache(sk, AF_INET, 0, &routes);
	if (r < 0)
		return nl_fail(err, r, "reading the container's routes");
	fill_link(links, addrs, ifname, &out->inside);
	find_gateway(routes, out->gateway);
	return 0;
}

int cfs_ct_info_read(int nsfd, const char *ifname, const char *host_veth,
		     void *host_cache, struct cfs_ct_info *out,
		     cfs_error_t *err)
{
	__attribute__((cleanup(host_cache_freep))) void *own = NULL;
	struct host_cache *hc = host_cache;

	memset(out, 0, sizeof(*out));
	if (read_inside(nsfd, ifname, out, err) < 0)
		return -1;
	if (!hc) {
		if (cfs_host_cache_new(&own, err) < 0)
			return -1;
		hc = own;
	}
	fill_link(hc->links, hc->addrs, host_veth, &out->host);
	return 0;
}

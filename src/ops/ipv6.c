/* ipv6.c - dual stack: the IPv6 side of a network (a prefix, the gateway
 * ::1 on the bridge, net.ipv6.conf.all.forwarding, NAT66 rules through
 * fw6.c) and of its members (an address with no DAD delay, ::/0 via the
 * gateway). The steps mirror the IPv4 ones of network.c and up.c and are
 * called from them. */
#define _GNU_SOURCE
#include "ops-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- validation ---------------------------------------------------------- */

#define PREFIX6_MIN 8
#define PREFIX6_MAX 126

int cfs_check_ip6(const char *s, struct cfs_cidr6 *out, cfs_error_t *err)
{
	struct cfs_cidr6 c, netc;
	struct in6_addr gw;
	char net[CFS_CIDR6_STRLEN];

	if (cfs_cidr6_parse(s, &c) < 0)
		return cfs_fail(err, 0, "invalid IPv6 address '%s': expected ADDR/PREFIX", s);
	if (c.prefix < PREFIX6_MIN || c.prefix > PREFIX6_MAX)
		return cfs_fail(err, 0, "invalid IPv6 address '%s': prefix must be %u..%u",
				s, PREFIX6_MIN, PREFIX6_MAX);
	netc.addr = cfs_cidr6_network(&c);
	netc.prefix = c.prefix;
	cfs_cidr6_format(&netc, net);
	gw = cfs_cidr6_gateway(&c);
	if (cfs_ip6_equal(&c.addr, &netc.addr))
		return cfs_fail(err, 0, "invalid IPv6 address '%s': the network address of %s",
				s, net);
	if (cfs_ip6_equal(&c.addr, &gw))
		return cfs_fail(err, 0, "invalid IPv6 address '%s': the gateway of %s",
				s, net);
	*out = c;
	return 0;
}

int cfs_check_subnet6(const char *s, struct cfs_cidr6 *out, cfs_error_t *err)
{
	struct cfs_cidr6 c, netc;
	char want[CFS_CIDR6_STRLEN];

	if (cfs_cidr6_parse(s, &c) < 0)
		return cfs_fail(err, 0, "invalid IPv6 prefix '%s': expected ADDR/PREFIX", s);
	if (c.prefix < PREFIX6_MIN || c.prefix > PREFIX6_MAX)
		return cfs_fail(err, 0, "invalid IPv6 prefix '%s': prefix must be %u..%u",
				s, PREFIX6_MIN, PREFIX6_MAX);
	netc.addr = cfs_cidr6_network(&c);
	netc.prefix = c.prefix;
	if (!cfs_ip6_equal(&c.addr, &netc.addr)) {
		cfs_cidr6_format(&netc, want);
		return cfs_fail(err, 0, "invalid IPv6 prefix '%s': not a network address (%s?)",
				s, want);
	}
	*out = c;
	return 0;
}

int cfs_net_check_overlap6(const struct cfs_cidr6 *p, const struct cfs_network *nets,
			   size_t n, const char *self, cfs_error_t *err)
{
	char have[CFS_CIDR6_STRLEN];

	for (size_t i = 0; i < n; i++) {
		if (!nets[i].has6 || (self && !strcmp(nets[i].name, self)) ||
		    !cfs_cidr6_overlaps(&nets[i].subnet6, p))
			continue;
		cfs_cidr6_format(&nets[i].subnet6, have);
		return cfs_fail(err, 0, "IPv6 prefix overlaps network %s (%s)",
				nets[i].name, have);
	}
	return 0;
}

/* ---- a member's address --------------------------------------------------- */

int cfs_net_lease6(struct cfs_network *net, bool is_new,
		   const struct cfs_network *nets, size_t n, const char *name,
		   const struct cfs_cidr6 *want, struct cfs_cidr6 *out,
		   bool *has6, cfs_error_t *err)
{
	struct cfs_lease *mine = NULL;
	char a[CFS_IP6_STRLEN], have[CFS_CIDR6_STRLEN];
	struct in6_addr addr, gw;
	struct cfs_cidr6 pool;

	*has6 = false;
	if (!net->has6) {
		if (!want)
			return 0;
		/* A network made on the spot takes its prefix from --ip6; an
		 * existing one must have been made dual stack. */
		if (!is_new || net->vni)
			return cfs_fail(err, 0,
					"network %s has no IPv6 prefix (make it with `net create --ipv6`)",
					net->name);
		net->subnet6.addr = cfs_cidr6_network(want);
		net->subnet6.prefix = want->prefix;
		if (cfs_net_check_overlap6(&net->subnet6, nets, n, NULL, err) < 0)
			return -1;
		net->has6 = true;
	}
	for (size_t i = 0; i < net->nleases; i++)
		if (!strcmp(net->leases[i].name, name))
			mine = &net->leases[i];
	if (!mine) /* cfs_net_lease made it first */
		return cfs_fail(err, EINVAL, "no lease of %s in network %s", name,
				net->name);
	/* This host's part of the prefix: all of it but on a VXLAN network. */
	cfs_vxlan_half6(net, &pool);
	gw = cfs_net_gateway6(net);
	if (want) {
		cfs_cidr6_format(&net->subnet6, have);
		cfs_ip6_format(&want->addr, a);
		if (want->prefix != net->subnet6.prefix ||
		    !cfs_cidr6_contains(&net->subnet6, &want->addr))
			return cfs_fail(err, 0,
					"IPv6 address %s/%u is outside network %s (%s)",
					a, want->prefix, net->name, have);
		if (net->vni && (!cfs_cidr6_contains(&pool, &want->addr) ||
				 cfs_ip6_equal(&want->addr, &gw))) {
			cfs_cidr6_format(&pool, have);
			return cfs_fail(err, 0,
					"IPv6 address %s is outside this host's half %s of network %s (or its gateway)",
					a, have, net->name);
		}
		for (size_t i = 0; i < net->nleases; i++)
			if (net->leases[i].has6 &&
			    cfs_ip6_equal(&net->leases[i].addr6, &want->addr))
				return cfs_fail(err, 0, "IPv6 address %s is taken by container %s",
						a, net->leases[i].name);
		addr = want->addr;
	} else {
		struct in6_addr *used = calloc(net->nleases + 1, sizeof(*used));
		size_t k = 0;
		int r;

		if (!used)
			return cfs_fail(err, ENOMEM, "allocating an IPv6 address");
		for (size_t i = 0; i < net->nleases; i++)
			if (net->leases[i].has6)
				used[k++] = net->leases[i].addr6;
		r = cfs_ipam6_lowest_free(&pool, used, k, &addr);
		free(used);
		if (r < 0)
			return cfs_fail(err, 0, "network %s has no free IPv6 address",
					net->name);
	}
	mine->has6 = true;
	mine->addr6 = addr;
	out->addr = addr;
	out->prefix = net->subnet6.prefix;
	*has6 = true;
	return 0;
}

/* ---- the gateway and the inside ------------------------------------------- */

int cfs_gateway6_on(struct cfs_nl *nl, int ifindex, const char *ifname,
		    const struct cfs_network *net, cfs_error_t *err)
{
	struct cfs_cidr6 gw = { cfs_net_gateway6(net), net->subnet6.prefix };

	if (!net->has6)
		return 0;
	if (cfs_nl_queue_addr6(nl, ifindex, ifname, &gw, err) < 0)
		return -1;
	return cfs_nl_flush(nl, err);
}

int cfs_config_inside6(struct cfs_nl *in, const char *ifname,
		       const struct cfs_cidr6 *ip6, const struct in6_addr *gw6,
		       cfs_error_t *err)
{
	int idx;

	if (cfs_nl_link_index(in, ifname, &idx, err) < 0 ||
	    cfs_nl_queue_addr6(in, idx, ifname, ip6, err) < 0 ||
	    (gw6 && cfs_nl_queue_route6_default(in, gw6, idx, err) < 0))
		return -1;
	return cfs_nl_flush(in, err);
}

/* ---- forwarding ----------------------------------------------------------- */

static void undo_forward6(void *arg)
{
	struct net_ctx *c = arg;
	struct cfs_host h;
	cfs_error_t e = { 0 };

	if (cfs_host_load(c->st, &h, &e) < 0 || !h.saved6)
		return;
	cfs_ip6_forward_set(h.ip6_forward, &e);
	h.saved6 = false;
	cfs_host_save(c->st, &h, &e);
}

/* net.ipv6.conf.all.forwarding is on while a dual-stack network exists;
 * the value found before the first is kept beside ip_forward's. */
int cfs_forward6_step(struct net_ctx *c, cfs_error_t *err)
{
	struct cfs_host h;

	if (!c->net.has6 || (c->old && c->old->has6))
		return 0;
	if (cfs_host_load(c->st, &h, err) < 0)
		return -1;
	if (h.saved6)
		return 0;
	if (cfs_ip6_forward_get(&h.ip6_forward, err) < 0)
		return -1;
	h.saved6 = true;
	/* ip_forward's step saved first; keep it whatever happened there. */
	if (!h.saved) {
		h.saved = true;
		if (cfs_ip_forward_get(&h.ip_forward, err) < 0)
			return -1;
	}
	if (cfs_host_save(c->st, &h, err) < 0)
		return -1;
	cfs_undo_push(c->undo, undo_forward6, c);
	return cfs_ip6_forward_set(1, err);
}

int cfs_forward6_after_removal(struct cfs_state *st, const struct cfs_network *nets,
			       size_t n, cfs_error_t *err)
{
	struct cfs_host h;

	for (size_t i = 0; i < n; i++)
		if (nets[i].has6)
			return 0;
	if (cfs_host_load(st, &h, err) < 0)
		return -1;
	if (!h.saved6)
		return 0;
	if (cfs_ip6_forward_set(h.ip6_forward, err) < 0)
		return -1;
	h.saved6 = false;
	return cfs_host_save(st, &h, err);
}

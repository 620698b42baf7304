/* vxlan.c - multi-host networks: one subnet spread over two hosts through a
 * kernel VXLAN device on each host's bridge.
 *
 * `net create NAME --subnet CIDR --vxlan ID --remote IP [--local IP]` runs
 * on each host with the other's address as --remote. The two hosts are
 * told apart by their underlay addresses: the one with the lower --local is
 * the "lower" host. Each has its own gateway, so the two bridges never
 * answer for the same address on the shared segment: the lower host the
 * first host address of the subnet, the upper host the last. The addresses
 * between are split in two halves, the lower half handed out by the lower
 * host only, the upper half by the upper host, so two hosts never give out
 * the same address (for a /24: .1 and .2-.127 on one side, .254 and
 * .128-.253 on the other). An IPv6 prefix is split the same way, in
 * halves one bit longer: the lower host has PREFIX::1 and hands out the
 * rest of the lower half, the upper host the upper half, its first address
 * after the half's own as gateway (fd00:7::/64: fd00:7::1 and fd00:7::2...
 * on one side, fd00:7::8000:0:0:1 and fd00:7::8000:0:0:2... on the other). */
#define _GNU_SOURCE
#include "ops-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cfs_check_vni(const char *s, uint32_t *vni, cfs_error_t *err)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *s < '0' || *s > '9' || *end || errno || v < 1 ||
	    v > CFS_VXLAN_VNI_MAX)
		return cfs_fail(err, 0, "invalid VXLAN id '%s': must be 1..%u", s,
				CFS_VXLAN_VNI_MAX);
	*vni = (uint32_t)v;
	return 0;
}

static bool lower_host(const struct cfs_network *net)
{
	return net->local < net->remote;
}

uint32_t cfs_net_gateway(const struct cfs_network *net)
{
	if (net->vni && !lower_host(net))
		return cfs_cidr_broadcast(&net->subnet) - 1;
	return cfs_cidr_gateway(&net->subnet);
}

void cfs_vxlan_range(const struct cfs_network *net, uint32_t *lo, uint32_t *hi)
{
	/* Between the two gateways: [network + 2, broadcast - 2]. */
	uint32_t first = cfs_cidr_network(&net->subnet) + 2;
	uint32_t last = cfs_cidr_broadcast(&net->subnet) - 2;
	uint32_t mid = first + (last - first + 1) / 2 - 1;

	if (lower_host(net)) {
		*lo = first;
		*hi = mid;
	} else {
		*lo = mid + 1;
		*hi = last;
	}
}

void cfs_vxlan_half6(const struct cfs_network *net, struct cfs_cidr6 *half)
{
	*half = net->subnet6;
	half->addr = cfs_cidr6_network(&net->subnet6);
	if (!net->vni || net->subnet6.prefix >= 128)
		return;
	/* The prefix one bit longer; the upper host's half has that bit set. */
	if (!lower_host(net))
		half->addr.s6_addr[net->subnet6.prefix / 8] |=
			(uint8_t)(0x80 >> (net->subnet6.prefix % 8));
	half->prefix = net->subnet6.prefix + 1;
}

struct in6_addr cfs_net_gateway6(const struct cfs_network *net)
{
	struct cfs_cidr6 half;

	cfs_vxlan_half6(net, &half);
	return cfs_cidr6_gateway(&half);
}

void cfs_vxlan_ifname(const struct cfs_network *net, char out[IFNAMSIZ])
{
	snprintf(out, IFNAMSIZ, "cfsvx%u", net->vni);
}

int cfs_vxlan_plan(struct cfs_nl *nl, struct cfs_network *net, unsigned mtu,
		   const struct cfs_network *nets, size_t n, cfs_error_t *err)
{
	char r[CFS_IP4_STRLEN];
	uint32_t src;
	unsigned umtu;
	int oif;

	cfs_ip4_format(net->remote, r);
	for (size_t i = 0; i < n; i++)
		if (nets[i].vni == net->vni)
			return cfs_fail(err, 0, "VXLAN id %u is used by network %s",
					net->vni, nets[i].name);
	if (net->subnet.prefix > 29)
		return cfs_fail(err, 0, "subnet too small to share between two hosts (prefix at most 29)");
	if (net->has6 && net->subnet6.prefix > 124)
		return cfs_fail(err, 0, "IPv6 prefix too small to share between two hosts (at most 124)");
	if (cfs_nl_route_get4(nl, net->remote, &oif, &umtu, &src, err) < 0)
		return cfs_error_wrap(err, "remote %s", r);
	if (!net->local)
		net->local = src;
	if (!net->local)
		return cfs_fail(err, 0, "no local address towards %s: give --local", r);
	if (net->local == net->remote)
		return cfs_fail(err, 0, "--local and --remote are both %s", r);
	if (umtu < 68 + CFS_VXLAN_OVERHEAD)
		return cfs_fail(err, 0, "the underlay MTU %u towards %s is too small", umtu, r);
	if (mtu > umtu - CFS_VXLAN_OVERHEAD)
		return cfs_fail(err, 0, "MTU %u does not fit the underlay towards %s (at most %u)",
				mtu, r, umtu - CFS_VXLAN_OVERHEAD);
	net->mtu = mtu ? mtu : umtu - CFS_VXLAN_OVERHEAD;
	return 0;
}

static void undo_vxlan(void *arg)
{
	struct net_ctx *c = arg;
	cfs_error_t e = { 0 };

	cfs_vxlan_remove(c->nl, &c->net, &e);
}

int cfs_vxlan_step(struct net_ctx *c, cfs_error_t *err)
{
	char name[IFNAMSIZ];
	struct cfs_vxlan_spec spec = {
		.name = name,
		.vni = c->net.vni,
		.remote = c->net.remote,
		.local = c->net.local,
		.port = CFS_VXLAN_PORT,
		.mtu = c->net.mtu,
		.master = c->bridge_idx,
	};
	struct cfs_link_set ll = { .ifname = name,
				   .no_ipv6_ll = cfs_ipv6_capable_mtu(c->net.mtu) };
	struct cfs_link_set up = { .ifname = name, .up = true,
				   .alias = CFS_LINK_ALIAS };

	if (!c->net.vni)
		return 0;
	cfs_vxlan_ifname(&c->net, name);
	if (cfs_nl_queue_vxlan(c->nl, &spec, err) < 0 || cfs_nl_flush(c->nl, err) < 0)
		return -1;
	cfs_undo_push(c->undo, undo_vxlan, c);
	if ((ll.no_ipv6_ll &&
	     cfs_nl_queue_link_set(c->nl, &ll, "configuring the vxlan device", err) < 0) ||
	    cfs_nl_queue_link_set(c->nl, &up, "bringing the vxlan device up", err) < 0)
		return -1;
	if (cfs_nl_flush(c->nl, err) < 0)
		return -1;
	return cfs_fault("vxlan", err);
}

int cfs_vxlan_remove(struct cfs_nl *nl, const struct cfs_network *net,
		     cfs_error_t *err)
{
	char name[IFNAMSIZ];

	if (!net->vni)
		return 0;
	cfs_vxlan_ifname(net, name);
	if (cfs_nl_queue_link_del(nl, name, CFS_NL_MISSING_OK, err) < 0)
		return -1;
	return cfs_nl_flush(nl, err);
}

/* Leases of a VXLAN network come from this host's share only. */
int cfs_vxlan_lease(struct cfs_network *net, const char *name,
		    const struct cfs_cidr *want, struct cfs_cidr *out,
		    cfs_error_t *err)
{
	char a[CFS_IP4_STRLEN], l[CFS_IP4_STRLEN], h[CFS_IP4_STRLEN];
	uint32_t lo, hi, addr = 0;

	cfs_vxlan_range(net, &lo, &hi);
	cfs_ip4_format(lo, l);
	cfs_ip4_format(hi, h);
	if (want) {
		cfs_ip4_format(want->addr, a);
		if (want->addr < lo || want->addr > hi)
			return cfs_fail(err, 0,
					"address %s is outside this host's share %s-%s of network %s",
					a, l, h, net->name);
		addr = want->addr;
		for (size_t i = 0; i < net->nleases; i++)
			if (net->leases[i].addr == addr)
				return cfs_fail(err, 0, "address %s is taken by container %s",
						a, net->leases[i].name);
	} else {
		for (uint32_t k = lo; k <= hi && !addr; k++) {
			bool taken = false;

			for (size_t i = 0; i < net->nleases && !taken; i++)
				taken = net->leases[i].addr == k;
			if (!taken)
				addr = k;
		}
		if (!addr)
			return cfs_fail(err, 0, "network %s has no free address in this host's share %s-%s",
					net->name, l, h);
	}
	out->addr = addr;
	out->prefix = net->subnet.prefix;
	return cfs_network_add_lease(net, addr, name, err);
}

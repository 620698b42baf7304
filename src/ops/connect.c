/* connect.c - `cfsnet connect|disconnect` (a container on further
 * networks: eth1, eth2, ...; with forwarding on inside, it is a router) and
 * `cfsnet route add|del` (static routes inside a container). */
#define _GNU_SOURCE
#include "ops-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"
#include "../ns/ns.h"

static int load_ct(struct cfs_state *st, const char *name,
		   struct cfs_container *ct, cfs_error_t *err)
{
	if (cfs_container_load(st, name, ct, err) == 0)
		return 0;
	if (err->errnum == ENOENT)
		cfs_fail(err, 0, "no such container");
	return -1;
}

/* ---- connect ------------------------------------------------------------ */

struct conn_ctx {
	struct cfs_state st;
	struct net_ctx n;
	struct cfs_undo undo;
	struct cfs_container ct;
	struct cfs_attach at;
	int nsfd;
};

static int plan_connect(struct conn_ctx *c, const char *name, const char *netname,
			const struct cfs_cidr *ip, cfs_error_t *err)
{
	struct cfs_network *net = NULL;
	char have[CFS_CIDR_STRLEN];
	unsigned k;

	if (load_ct(&c->st, name, &c->ct, err) < 0 ||
	    cfs_network_load_all(&c->st, &c->n.nets, &c->n.nnets, err) < 0)
		return -1;
	for (size_t i = 0; i < c->n.nnets && !net; i++)
		if (!strcmp(c->n.nets[i].name, netname))
			net = &c->n.nets[i];
	if (!net)
		return cfs_fail(err, 0, "no such network %s", netname);
	if (net->mode != CFS_MODE_BRIDGE)
		return cfs_fail(err, 0, "network %s has no bridge to join", netname);
	if (!strcmp(c->ct.network, netname))
		return cfs_fail(err, 0, "already connected to network %s", netname);
	for (size_t i = 0; i < c->ct.nattach; i++)
		if (!strcmp(c->ct.attach[i].network, netname))
			return cfs_fail(err, 0, "already connected to network %s",
					netname);
	if (c->ct.nattach == CFS_MAX_ATTACH)
		return cfs_fail(err, 0, "connected to %d networks already, the most",
				CFS_MAX_ATTACH + 1);
	cfs_cidr_format(&net->subnet, have);
	if (ip && (ip->prefix != net->subnet.prefix ||
		   !cfs_cidr_contains(&net->subnet, ip->addr)))
		return cfs_fail(err, 0, "address is outside network %s (%s)",
				netname, have);
	c->n.old = net;
	if (cfs_network_copy(&c->n.net, net, err) < 0 ||
	    cfs_net_lease(&c->n.net, name, ip, false, &c->at.ip, err) < 0 ||
	    cfs_net_lease6(&c->n.net, false, c->n.nets, c->n.nnets, name, NULL,
			   &c->at.ip6, &c->at.has6, err) < 0)
		return -1;

	snprintf(c->at.network, sizeof(c->at.network), "%s", netname);
	/* The lowest ethK that none of its interfaces has, and the lowest
	 * slot K for the host end. */
	for (k = 1;; k++) {
		bool used = false;

		snprintf(c->at.ifname, sizeof(c->at.ifname), "eth%u", k);
		used = !strcmp(c->ct.ifname, c->at.ifname);
		for (size_t i = 0; i < c->ct.nattach && !used; i++)
			used = !strcmp(c->ct.attach[i].ifname, c->at.ifname);
		if (!used)
			break;
	}
	for (k = 1; k <= CFS_MAX_ATTACH; k++) {
		bool used = false;

		cfs_attach_host_veth(name, k, c->at.host_veth);
		for (size_t i = 0; i < c->ct.nattach && !used; i++)
			used = !strcmp(c->ct.attach[i].host_veth, c->at.host_veth);
		if (!used)
			break;
	}
	return 0;
}

static void undo_attach_veth(void *arg)
{
	struct conn_ctx *c = arg;
	cfs_error_t e = { 0 };

	if (cfs_nl_queue_link_del(c->n.nl, c->at.host_veth, CFS_NL_MISSING_OK, &e) == 0)
		cfs_nl_flush(c->n.nl, &e);
}

static int connect_locked(struct conn_ctx *c, const char *name,
			  const char *netname, const struct cfs_cidr *ip,
			  cfs_error_t *err)
{
	cleanup_nl struct cfs_nl *in = NULL;

	if (plan_connect(c, name, netname, ip, err) < 0 ||
	    cfs_nl_open(&c->n.nl, err) < 0 || cfs_net_realize(&c->n, err) < 0 ||
	    cfs_netns_open(name, &c->nsfd, err) < 0)
		return -1;
	if (cfs_veth_into(c->n.nl, c->nsfd, c->at.host_veth, c->at.ifname,
			  c->n.net.mtu, c->n.bridge_idx, NULL, err) < 0)
		return -1;
	cfs_undo_push(&c->undo, undo_attach_veth, c);
	if (cfs_fault("veth", err) < 0 || cfs_nl_open_in(c->nsfd, &in, err) < 0 ||
	    cfs_config_inside(in, c->at.ifname, 0, &c->at.ip, 0, false, c->n.net.mtu,
			      err) < 0 ||
	    (c->at.has6 &&
	     cfs_config_inside6(in, c->at.ifname, &c->at.ip6, NULL, err) < 0) ||
	    cfs_fault("config", err) < 0)
		return -1;
	c->ct.attach[c->ct.nattach++] = c->at;
	if (cfs_network_save(&c->st, &c->n.net, err) < 0)
		return -1;
	/* Names: the network's members and the container name each other. */
	if (cfs_container_save(&c->st, &c->ct, err) < 0 ||
	    cfs_fault("state", err) < 0 ||
	    cfs_dns_sync_net(&c->st, netname, NULL, NULL, err) < 0 ||
	    cfs_dns_sync_net(&c->st, c->ct.network, NULL, NULL, err) < 0) {
		cfs_error_t e = { 0 };

		c->ct.nattach--;
		cfs_container_save(&c->st, &c->ct, &e);
		cfs_network_save(&c->st, c->n.old, &e);
		cfs_dns_sync_net(&c->st, netname, NULL, NULL, &e);
		cfs_dns_sync_net(&c->st, c->ct.network, NULL, NULL, &e);
		return -1;
	}
	return 0;
}

int cfs_connect(const char *name, const char *netname, const struct cfs_cidr *ip,
		struct cfs_attach *out, cfs_error_t *err)
{
	struct conn_ctx *c = calloc(1, sizeof(*c));
	int r = -1;

	if (!c)
		return cfs_fail(err, ENOMEM, "connect %s %s", name, netname);
	c->nsfd = -1;
	c->n.st = &c->st;
	c->n.undo = &c->undo;
	if (cfs_check_name(name, err) < 0 || cfs_check_name(netname, err) < 0 ||
	    cfs_state_open(&c->st, CFS_STATE_DIR, true, err) < 0)
		goto out_nolock;
	r = connect_locked(c, name, netname, ip, err);
	if (r < 0)
		cfs_undo_run(&c->undo);
	else
		*out = c->at;
	if (c->nsfd >= 0)
		close(c->nsfd);
	cfs_nl_close(c->n.nl);
	cfs_network_free(&c->n.net);
	cfs_networks_free(c->n.nets, c->n.nnets);
	cfs_state_close(&c->st);
out_nolock:
	free(c);
	return r < 0 ? cfs_error_wrap(err, "connect %s %s", name, netname) : 0;
}

/* ---- disconnect --------------------------------------------------------- */

static int disconnect_locked(struct cfs_state *st, const char *name,
			     const char *netname, cfs_error_t *err)
{
	cleanup_nl struct cfs_nl *nl = NULL;
	struct cfs_container ct;
	struct cfs_attach at;
	size_t i, k;

	if (load_ct(st, name, &ct, err) < 0)
		return -1;
	if (!strcmp(ct.network, netname))
		return cfs_fail(err, 0,
				"network %s is the container's first (eth0's): use cfsnet down %s",
				netname, name);
	for (i = 0; i < ct.nattach; i++)
		if (!strcmp(ct.attach[i].network, netname))
			break;
	if (i == ct.nattach)
		return cfs_fail(err, 0, "not connected to network %s", netname);
	at = ct.attach[i];
	/* Deleting the host end takes the pair, and the kernel drops the
	 * container's routes through it. */
	if (cfs_nl_open(&nl, err) < 0 ||
	    cfs_nl_queue_link_del(nl, at.host_veth, CFS_NL_MISSING_OK, err) < 0 ||
	    cfs_nl_flush(nl, err) < 0)
		return -1;
	memmove(&ct.attach[i], &ct.attach[i + 1],
		(ct.nattach - i - 1) * sizeof(ct.attach[0]));
	ct.nattach--;
	for (i = k = 0; i < ct.nroutes; i++)
		if (!cfs_cidr_contains(&at.ip, ct.routes[i].gw))
			ct.routes[k++] = ct.routes[i];
	ct.nroutes = k;
	if (cfs_container_save(st, &ct, err) < 0 ||
	    cfs_net_leave(st, netname, name, err) < 0)
		return -1;
	return cfs_dns_sync_net(st, netname, NULL, NULL, err) < 0 ||
	       cfs_dns_sync_net(st, ct.network, NULL, NULL, err) < 0 ? -1 : 0;
}

int cfs_disconnect(const char *name, const char *netname, cfs_error_t *err)
{
	struct cfs_state st;
	int r;

	if (cfs_check_name(name, err) < 0 || cfs_check_name(netname, err) < 0 ||
	    cfs_state_open(&st, CFS_STATE_DIR, true, err) < 0)
		return cfs_error_wrap(err, "disconnect %s %s", name, netname);
	r = disconnect_locked(&st, name, netname, err);
	cfs_state_close(&st);
	return r < 0 ? cfs_error_wrap(err, "disconnect %s %s", name, netname) : 0;
}

/* ---- routes ------------------------------------------------------------- */

/* Is addr in one of the container's subnets? */
static bool on_link(const struct cfs_container *ct, uint32_t addr)
{
	if (cfs_cidr_contains(&ct->ip, addr))
		return true;
	for (size_t i = 0; i < ct->nattach; i++)
		if (cfs_cidr_contains(&ct->attach[i].ip, addr))
			return true;
	return false;
}

static int route_send(const char *name, bool add, const struct cfs_cidr *dst,
		      uint32_t gw, cfs_error_t *err)
{
	cleanup_close int nsfd = -1;
	cleanup_nl struct cfs_nl *in = NULL;

	if (cfs_netns_open(name, &nsfd, err) < 0 || cfs_nl_open_in(nsfd, &in, err) < 0)
		return -1;
	if (add ? cfs_nl_queue_route4(in, dst->addr, dst->prefix, gw, 0, err)
		: cfs_nl_queue_route4_del(in, dst->addr, dst->prefix, gw,
					  CFS_NL_MISSING_OK, err))
		return -1;
	return cfs_nl_flush(in, err);
}

static int route_add_locked(struct cfs_state *st, const char *name,
			    const struct cfs_cidr *dst, uint32_t gw,
			    cfs_error_t *err)
{
	struct cfs_container ct;
	char g[CFS_IP4_STRLEN], d[CFS_CIDR_STRLEN];

	if (load_ct(st, name, &ct, err) < 0)
		return -1;
	cfs_ip4_format(gw, g);
	cfs_cidr_format(dst, d);
	if (!on_link(&ct, gw))
		return cfs_fail(err, 0, "gateway %s is outside every subnet of %s", g,
				name);
	if (dst->prefix == 0) {
		cfs_ip4_format(ct.gateway, g);
		return cfs_fail(err, 0, "the default route is %s's own (via %s)", name, g);
	}
	for (size_t i = 0; i < ct.nroutes; i++) {
		if (ct.routes[i].dst.addr != dst->addr ||
		    ct.routes[i].dst.prefix != dst->prefix)
			continue;
		if (ct.routes[i].gw == gw)
			return 0; /* the same route again: nothing to do */
		cfs_ip4_format(ct.routes[i].gw, g);
		return cfs_fail(err, 0, "a route to %s exists (via %s)", d, g);
	}
	if (cfs_cidr_overlaps(&ct.ip, dst) && dst->prefix == ct.ip.prefix)
		return cfs_fail(err, 0, "%s is a connected subnet of %s", d, name);
	for (size_t i = 0; i < ct.nattach; i++)
		if (cfs_cidr_overlaps(&ct.attach[i].ip, dst) &&
		    dst->prefix == ct.attach[i].ip.prefix)
			return cfs_fail(err, 0, "%s is a connected subnet of %s", d, name);
	if (ct.nroutes == CFS_MAX_ROUTES)
		return cfs_fail(err, 0, "%d routes already, the most", CFS_MAX_ROUTES);
	if (route_send(name, true, dst, gw, err) < 0)
		return -1;
	ct.routes[ct.nroutes].dst = *dst;
	ct.routes[ct.nroutes].gw = gw;
	ct.nroutes++;
	if (cfs_container_save(st, &ct, err) < 0) {
		cfs_error_t e = { 0 };

		route_send(name, false, dst, gw, &e);
		return -1;
	}
	return 0;
}

static int route_del_locked(struct cfs_state *st, const char *name,
			    const struct cfs_cidr *dst, uint32_t gw,
			    cfs_error_t *err)
{
	struct cfs_container ct;
	char d[CFS_CIDR_STRLEN];
	size_t i;

	if (load_ct(st, name, &ct, err) < 0)
		return -1;
	for (i = 0; i < ct.nroutes; i++)
		if (ct.routes[i].dst.addr == dst->addr &&
		    ct.routes[i].dst.prefix == dst->prefix &&
		    (!gw || ct.routes[i].gw == gw))
			break;
	if (i == ct.nroutes) {
		cfs_cidr_format(dst, d);
		return cfs_fail(err, 0, "no route to %s", d);
	}
	if (route_send(name, false, dst, ct.routes[i].gw, err) < 0)
		return -1;
	memmove(&ct.routes[i], &ct.routes[i + 1],
		(ct.nroutes - i - 1) * sizeof(ct.routes[0]));
	ct.nroutes--;
	return cfs_container_save(st, &ct, err);
}

int cfs_route(const char *name, bool add, const struct cfs_cidr *dst,
	      uint32_t gw, cfs_error_t *err)
{
	struct cfs_state st;
	int r;

	if (cfs_check_name(name, err) < 0 ||
	    cfs_state_open(&st, CFS_STATE_DIR, true, err) < 0)
		return cfs_error_wrap(err, "route %s %s", add ? "add" : "del", name);
	r = add ? route_add_locked(&st, name, dst, gw, err)
		: route_del_locked(&st, name, dst, gw, err);
	cfs_state_close(&st);
	return r < 0 ? cfs_error_wrap(err, "route %s %s", add ? "add" : "del", name) : 0;
}

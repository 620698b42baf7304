/* up.c - `cfsnet up`: a named netns with a veth whose peer is born inside
 * it, on a bridge (or not), with address, route, NAT and forwarding.
 *
 * The work is a plan made under the state lock before anything is touched
 * (validation, network choice, address), then a list of steps, each
 * registering its undo; on failure the undos run in reverse. */
#define _GNU_SOURCE
#include "ops-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"
#include "../ns/ns.h"

struct up_ctx {
	const struct cfs_up_opts *o;
	struct cfs_state st;
	struct net_ctx n;
	struct cfs_container ct;
	int nsfd;
	struct cfs_nl *in;          /* netlink inside the new netns */
	int peer_idx;               /* the container end's ifindex, when echoed */
	struct cfs_undo undo;
};

/* ---- the plan ------------------------------------------------------------ */

static int same_config(const struct cfs_up_opts *o, const struct cfs_container *ct)
{
	enum cfs_mode mode = o->no_bridge ? CFS_MODE_VETH : CFS_MODE_BRIDGE;
	const char *ifname = o->ifname ? o->ifname : CFS_DEFAULT_IFNAME;

	if (o->nports && (o->nports != ct->nports ||
			  memcmp(o->ports, ct->ports, o->nports * sizeof(*o->ports))))
		return 0;
	return ct->mode == mode && !strcmp(ct->ifname, ifname) &&
	       (!o->has_ip || (ct->ip.addr == o->ip.addr &&
			       ct->ip.prefix == o->ip.prefix)) &&
	       (!o->mtu || ct->mtu == o->mtu) &&
	       (!o->net || !strcmp(ct->network, o->net)) &&
	       (!o->has_ip6 || (ct->has6 && ct->ip6.prefix == o->ip6.prefix &&
				cfs_ip6_equal(&ct->ip6.addr, &o->ip6.addr)));
}

static int choose_named_network(struct up_ctx *c, cfs_error_t *err)
{
	const struct cfs_up_opts *o = c->o;
	char have[CFS_CIDR_STRLEN];

	for (size_t i = 0; i < c->n.nnets; i++) {
		struct cfs_network *n = &c->n.nets[i];

		if (strcmp(n->name, o->net))
			continue;
		cfs_cidr_format(&n->subnet, have);
		if (n->mode != CFS_MODE_BRIDGE)
			return cfs_fail(err, 0, "network %s has no bridge to join",
					o->net);
		if (o->has_ip && (o->ip.prefix != n->subnet.prefix ||
				  !cfs_cidr_contains(&n->subnet, o->ip.addr)))
			return cfs_fail(err, 0, "address is outside network %s (%s)",
					o->net, have);
		c->n.old = n;
		return cfs_network_copy(&c->n.net, n, err);
	}
	return cfs_fail(err, 0, "no such network %s", o->net);
}

static int choose_network(struct up_ctx *c, cfs_error_t *err)
{
	const struct cfs_up_opts *o = c->o;
	struct cfs_cidr want;
	char want_s[CFS_CIDR_STRLEN], have_s[CFS_CIDR_STRLEN];

	if (o->net)
		return choose_named_network(c, err);
	if (o->has_ip) {
		want = o->ip;
	} else {
		cfs_cidr_parse(CFS_DEFAULT_SUBNET, &want);
	}
	want.addr = cfs_cidr_network(&want);
	cfs_cidr_format(&want, want_s);

	for (size_t i = 0; i < c->n.nnets; i++) {
		struct cfs_network *n = &c->n.nets[i];

		if (!cfs_cidr_overlaps(&n->subnet, &want))
			continue;
		cfs_cidr_format(&n->subnet, have_s);
		if (n->mode == CFS_MODE_VETH)
			return cfs_fail(err, 0,
					"subnet %s is used by a container without a bridge (network %s)",
					have_s, n->name);
		if (o->no_bridge)
			return cfs_fail(err, 0, "subnet %s is used by network %s",
					have_s, n->name);
		if (n->subnet.prefix != want.prefix)
			return cfs_fail(err, 0, "subnet %s overlaps network %s (%s)",
					want_s, n->name, have_s);
		c->n.old = n;
		return cfs_network_copy(&c->n.net, n, err);
	}

	/* A new network for this subnet, removed with its last member. */
	memset(&c->n.net, 0, sizeof(c->n.net));
	c->n.net.subnet = want;
	if (o->no_bridge) {
		c->n.net.mode = CFS_MODE_VETH;
		snprintf(c->n.net.name, sizeof(c->n.net.name), "veth-%s", o->name);
		c->n.net.mtu = o->mtu ? o->mtu : CFS_DEFAULT_MTU;
	} else {
		c->n.net.mode = CFS_MODE_BRIDGE;
		cfs_net_auto_name(&want, c->n.net.name, sizeof(c->n.net.name));
		if (cfs_net_free_bridge(c->n.nl, c->n.nets, c->n.nnets,
					c->n.net.ifname, err) < 0)
			return -1;
		c->n.net.mtu = CFS_DEFAULT_MTU;
	}
	return 0;
}

/* Long names share a hashed host veth name: make sure no other container
 * already has it (short names map one-to-one). */
static int check_host_veth_free(struct up_ctx *c, cfs_error_t *err)
{
	char **names;
	size_t n;
	int ret = 0;

	if (strlen(c->o->name) <= IFNAMSIZ - 1 - 4)
		return 0;
	if (cfs_container_names(&c->st, &names, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n && !ret; i++) {
		struct cfs_container other;
		cfs_error_t e2 = { 0 };

		if (strlen(names[i]) <= IFNAMSIZ - 1 - 4 ||
		    cfs_container_load(&c->st, names[i], &other, &e2) < 0)
			continue;
		if (!strcmp(other.host_veth, c->ct.host_veth))
			ret = cfs_fail(err, 0, "host interface %s is taken by container %s",
				       other.host_veth, other.name);
	}
	cfs_names_free(names, n);
	return ret;
}

static int plan(struct up_ctx *c, bool *exists, cfs_error_t *err)
{
	const struct cfs_up_opts *o = c->o;
	struct cfs_container cur;
	cfs_error_t e2 = { 0 };

	if (cfs_container_load(&c->st, o->name, &cur, &e2) == 0) {
		char ip[CFS_CIDR_STRLEN];

		if (!same_config(o, &cur)) {
			cfs_cidr_format(&cur.ip, ip);
			return cfs_fail(err, 0,
					"container %s exists with another configuration (%s on network %s, %s mode, %s, mtu %u)",
					o->name, ip, cur.network, cfs_mode_name(cur.mode),
					cur.ifname, cur.mtu);
		}
		c->ct = cur;
		*exists = true;
		return 0;
	}
	if (e2.errnum != ENOENT) {
		*err = e2;
		return -1;
	}
	*exists = false;
	if (o->net && o->no_bridge)
		return cfs_fail(err, 0, "--net and --no-bridge exclude each other");
	if (cfs_network_load_all(&c->st, &c->n.nets, &c->n.nnets, err) < 0 ||
	    choose_network(c, err) < 0 ||
	    cfs_net_lease(&c->n.net, o->name, o->has_ip ? &o->ip : NULL,
			  o->no_bridge, &c->ct.ip, err) < 0 ||
	    cfs_net_lease6(&c->n.net, !c->n.old, c->n.nets, c->n.nnets, o->name,
			   o->has_ip6 ? &o->ip6 : NULL, &c->ct.ip6, &c->ct.has6,
			   err) < 0)
		return -1;

	snprintf(c->ct.name, sizeof(c->ct.name), "%s", o->name);
	snprintf(c->ct.network, sizeof(c->ct.network), "%s", c->n.net.name);
	c->ct.mode = c->n.net.mode;
	c->ct.gateway = cfs_net_gateway(&c->n.net);
	if (c->ct.has6)
		c->ct.gateway6 = cfs_net_gateway6(&c->n.net);
	snprintf(c->ct.ifname, sizeof(c->ct.ifname), "%s",
		 o->ifname ? o->ifname : CFS_DEFAULT_IFNAME);
	cfs_host_veth_name(o->name, c->ct.host_veth);
	if (c->n.net.mode == CFS_MODE_BRIDGE)
		snprintf(c->ct.bridge, sizeof(c->ct.bridge), "%s", c->n.net.ifname);
	else
		snprintf(c->n.net.ifname, sizeof(c->n.net.ifname), "%s",
			 c->ct.host_veth);
	c->ct.mtu = o->mtu ? o->mtu : c->n.net.mtu;
	if (o->nports) {
		if (c->n.net.internal)
			return cfs_fail(err, 0,
					"network %s is internal: it cannot publish ports",
					c->n.net.name);
		if (cfs_ports_check_free(&c->st, o->name, o->ports, o->nports, err) < 0)
			return -1;
		memcpy(c->ct.ports, o->ports, o->nports * sizeof(*o->ports));
		c->ct.nports = o->nports;
	}
	return check_host_veth_free(c, err);
}

/* ---- the steps ----------------------------------------------------------- */

static void undo_netns(void *arg)
{
	struct up_ctx *c = arg;
	cfs_error_t e = { 0 };

	cfs_netns_delete(c->ct.name, &e);
}

static int step_netns(struct up_ctx *c, cfs_error_t *err)
{
	struct cfs_nl_open_arg in = { .err = err };

	/* Until the state names it, only this record tells gc that the
	 * namespace is cfsnet's (should this process die); written first,
	 * so no instant exists where the namespace is there unrecorded. */
	if (cfs_pending_set(&c->st, c->ct.name, err) < 0)
		return -1;
	/* The thread that makes the namespace opens its socket too. */
	if (cfs_netns_create_run(c->ct.name, &c->nsfd, cfs_nl_open_cb, &in,
				 err) < 0) {
		if (err->errnum == EEXIST) {
			/* Somebody else's: at once no longer ours to remove. */
			cfs_pending_clear(&c->st);
			return cfs_fail(err, 0,
					"network namespace %s already exists and is not cfsnet's",
					c->ct.name);
		}
		return -1;
	}
	c->in = in.nl;
	cfs_undo_push(&c->undo, undo_netns, c);
	return cfs_fault("netns", err);
}

static void undo_veth(void *arg)
{
	struct up_ctx *c = arg;
	cfs_error_t e = { 0 };

	/* Deleting one end deletes both, now: the namespace's own cleanup
	 * would do it too, but later. */
	if (cfs_nl_queue_link_del(c->n.nl, c->ct.host_veth, CFS_NL_MISSING_OK, &e) == 0)
		cfs_nl_flush(c->n.nl, &e);
}

int cfs_veth_into(struct cfs_nl *nl, int nsfd, const char *host_veth,
		  const char *peer, unsigned mtu, int master, int *peer_ifindex,
		  cfs_error_t *err)
{
	struct cfs_veth_spec spec = {
		.name = host_veth,
		.peer = peer,
		.peer_nsfd = nsfd,
		.mtu = mtu,
		.master = master,
		.peer_ifindex = peer_ifindex,
	};
	struct cfs_link_set ll = { .ifname = host_veth,
				   .no_ipv6_ll = cfs_ipv6_capable_mtu(mtu) };
	struct cfs_link_set up = { .ifname = host_veth, .up = true,
				   .alias = CFS_LINK_ALIAS };
	char alias[64];
	cfs_error_t e2 = { 0 };
	bool created = false;
	int idx;

	/* A link of this name may be one of ours that the kernel has not yet
	 * removed after a `down` dropped its namespace (the container has no
	 * state: we hold the lock): remove it. One without our alias is
	 * somebody else's: leave it and fail. Checked before the batch, whose
	 * later requests select the link by name. */
	if (cfs_nl_link_query(nl, host_veth, &idx, alias, sizeof(alias), &e2) == 0) {
		if (strcmp(alias, CFS_LINK_ALIAS))
			return cfs_fail(err, EEXIST, "creating veth %s", host_veth);
		if (cfs_nl_queue_link_del(nl, host_veth, CFS_NL_MISSING_OK, err) < 0 ||
		    cfs_nl_flush(nl, err) < 0)
			return -1;
	} else if (e2.errnum != ENODEV) {
		*err = e2;
		return -1;
	}
	if (cfs_nl_queue_veth(nl, &spec, err) < 0)
		return -1;
	/* A bridge port carries frames, not addresses: with IPv6 off before
	 * it comes up, the kernel gives it no multicast route, and the host's
	 * IPv6 table, which the kernel walks on link changes, no longer grows
	 * by one route per container. The switch is a file, so the veth must
	 * exist first: one more round trip. Without it (no IPv6, a read-only
	 * /proc/sys), the port only makes no link-local address. */
	if (master > 0) {
		if (cfs_nl_flush(nl, err) < 0)
			return -1;
		created = true;
		if (cfs_link_ipv6_off(host_veth, &e2) == 0)
			ll.no_ipv6_ll = false;
	}
	if ((ll.no_ipv6_ll &&
	     cfs_nl_queue_link_set(nl, &ll, "configuring the host veth", err) < 0) ||
	    cfs_nl_queue_link_set(nl, &up, "bringing the host veth up", err) < 0 ||
	    cfs_nl_flush(nl, err) < 0) {
		cfs_error_t e3 = { 0 };

		/* A pair known to be ours goes at once (the caller registers
		 * its undo only on success); one that may not have been made
		 * by us is left alone (its name may be somebody else's). */
		if (created &&
		    cfs_nl_queue_link_del(nl, host_veth, CFS_NL_MISSING_OK, &e3) == 0)
			cfs_nl_flush(nl, &e3);
		return -1;
	}
	return 0;
}

static int step_veth(struct up_ctx *c, cfs_error_t *err)
{
	if (cfs_veth_into(c->n.nl, c->nsfd, c->ct.host_veth, c->ct.ifname,
			  c->ct.mtu, c->n.bridge_idx, &c->peer_idx, err) < 0)
		return -1;
	cfs_undo_push(&c->undo, undo_veth, c);
	if (c->ct.mode == CFS_MODE_VETH) {
		struct cfs_cidr gw = { c->ct.gateway, c->ct.ip.prefix };
		int idx;

		if (cfs_nl_link_index(c->n.nl, c->ct.host_veth, &idx, err) < 0 ||
		    cfs_nl_queue_addr4(c->n.nl, idx, c->ct.host_veth, &gw, err) < 0 ||
		    cfs_nl_flush(c->n.nl, err) < 0 ||
		    cfs_gateway6_on(c->n.nl, idx, c->ct.host_veth, &c->n.net, err) < 0)
			return -1;
	}
	return cfs_fault("veth", err);
}

int cfs_config_inside(struct cfs_nl *in, const char *ifname, int ifindex,
		      const struct cfs_cidr *ip, uint32_t gateway, bool lo,
		      unsigned mtu, cfs_error_t *err)
{
	struct cfs_link_set lo_up = { .ifindex = 1, .up = true }; /* lo is 1 */
	struct cfs_link_set ll = { .no_ipv6_ll = true };
	struct cfs_link_set up = { .up = true };
	int idx = ifindex;

	if (idx <= 0 && cfs_nl_link_index(in, ifname, &idx, err) < 0)
		return -1;
	ll.ifindex = up.ifindex = idx;
	if ((lo && cfs_nl_queue_link_set(in, &lo_up, "bringing lo up", err) < 0) ||
	    (cfs_ipv6_capable_mtu(mtu) &&
	     cfs_nl_queue_link_set(in, &ll, "configuring the container's link", err) < 0) ||
	    cfs_nl_queue_link_set(in, &up, "bringing the container's link up", err) < 0 ||
	    cfs_nl_queue_addr4(in, idx, ifname, ip, err) < 0 ||
	    (gateway && cfs_nl_queue_route4(in, 0, 0, gateway, idx, err) < 0))
		return -1;
	return cfs_nl_flush(in, err);
}

static int step_config(struct up_ctx *c, cfs_error_t *err)
{
	if (cfs_config_inside(c->in, c->ct.ifname, c->peer_idx, &c->ct.ip, c->ct.gateway,
			      true, c->ct.mtu, err) < 0 ||
	    (c->ct.has6 && cfs_config_inside6(c->in, c->ct.ifname, &c->ct.ip6,
					      &c->ct.gateway6, err) < 0))
		return -1;
	return cfs_fault("config", err);
}

/* A container that publishes ports may reach them itself through the
 * host: its bridge port must let a frame out where it came in. */
static int step_hairpin(struct up_ctx *c, cfs_error_t *err)
{
	int idx;

	if (!c->ct.nports || c->ct.mode != CFS_MODE_BRIDGE)
		return 0;
	if (cfs_nl_link_index(c->n.nl, c->ct.host_veth, &idx, err) < 0 ||
	    cfs_nl_queue_brport_hairpin(c->n.nl, idx, c->ct.host_veth, true, err) < 0)
		return -1;
	return cfs_nl_flush(c->n.nl, err);
}

/* The qdiscs go with the links: no undo of their own. */
static int step_shape(struct up_ctx *c, cfs_error_t *err)
{
	if (c->o->shape.rate &&
	    cfs_shape_link(c->nsfd, c->ct.ifname, c->ct.host_veth, &c->o->shape,
			   err) < 0)
		return cfs_error_wrap(err, "shaping");
	return cfs_fault("shape", err);
}

static void undo_state(void *arg)
{
	struct up_ctx *c = arg;
	cfs_error_t e = { 0 };

	cfs_container_remove(&c->st, c->ct.name, &e);
	if (c->n.old)
		cfs_network_save(&c->st, c->n.old, &e);
	else
		cfs_network_remove(&c->st, c->n.net.name, &e);
}

static int step_state(struct up_ctx *c, cfs_error_t *err)
{
	cfs_undo_push(&c->undo, undo_state, c);
	if (cfs_network_save(&c->st, &c->n.net, err) < 0 ||
	    cfs_container_save(&c->st, &c->ct, err) < 0)
		return -1;
	return cfs_fault("state", err);
}

static void undo_dns(void *arg)
{
	struct up_ctx *c = arg;
	cfs_error_t e = { 0 };

	cfs_dns_remove(c->ct.name, &e);
	cfs_dns_sync_net(&c->st, c->ct.network, c->ct.name, NULL, &e);
}

static int step_dns(struct up_ctx *c, cfs_error_t *err)
{
	cfs_undo_push(&c->undo, undo_dns, c);
	if (cfs_dns_add(&c->st, &c->ct, &c->n.net, err) < 0)
		return -1;
	return cfs_fault("dns", err);
}

static void undo_publish(void *arg)
{
	struct up_ctx *c = arg;
	cfs_error_t e = { 0 };

	cfs_fw_sync_state(&c->st, c->ct.name, &e);
}

/* After the state: the sync reads every container's ports from it. A new
 * network's rules (the firewall step) included them already (n.with):
 * then there is nothing left to commit. */
static int step_publish(struct up_ctx *c, cfs_error_t *err)
{
	if (!c->ct.nports || !c->n.old)
		return cfs_fault("publish", err);
	cfs_undo_push(&c->undo, undo_publish, c);
	if (cfs_fw_sync_state(&c->st, NULL, err) < 0)
		return cfs_error_wrap(err, "publishing ports");
	return cfs_fault("publish", err);
}

int cfs_up(const struct cfs_up_opts *o, struct cfs_container *out,
	   bool *created, cfs_error_t *err)
{
	struct up_ctx *c = calloc(1, sizeof(*c));
	bool exists = false;
	int ret = -1;

	if (!c)
		return cfs_fail(err, ENOMEM, "up %s", o->name);
	c->o = o;
	c->nsfd = -1;
	c->n.st = &c->st;
	c->n.undo = &c->undo;
	c->n.with = &c->ct;
	if (cfs_check_name(o->name, err) < 0 ||
	    (o->ifname && cfs_check_ifname(o->ifname, err) < 0))
		goto out_nolock;
	if (cfs_state_open(&c->st, CFS_STATE_DIR, true, err) < 0)
		goto out_nolock;
	if (cfs_nl_open(&c->n.nl, err) < 0 || plan(c, &exists, err) < 0)
		goto out;
	if (exists) {
		/* The same up again repairs what drifted (see check.c). */
		ret = cfs_check_locked(&c->st, &c->ct, true, NULL, err);
		goto out;
	}
	if (cfs_net_realize(&c->n, err) < 0 || step_netns(c, err) < 0 ||
	    step_veth(c, err) < 0 || step_hairpin(c, err) < 0 ||
	    step_shape(c, err) < 0 ||
	    step_config(c, err) < 0 ||
	    step_state(c, err) < 0 || step_dns(c, err) < 0 ||
	    step_publish(c, err) < 0) {
		cfs_undo_run(&c->undo);
		goto out;
	}
	ret = 0;
out:
	if (!exists)
		cfs_pending_clear(&c->st);
	if (c->nsfd >= 0)
		close(c->nsfd);
	cfs_nl_close(c->in);
	cfs_nl_close(c->n.nl);
	cfs_network_free(&c->n.net);
	cfs_networks_free(c->n.nets, c->n.nnets);
	cfs_state_close(&c->st);
out_nolock:
	if (ret == 0) {
		*out = c->ct;
		*created = !exists;
	}
	free(c);
	return ret == 0 ? 0 : cfs_error_wrap(err, "up %s", o->name);
}

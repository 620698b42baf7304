/* lab.c - `cfsnet lab up|down FILE`: a whole topology in one process,
 * under one lock: every network's bridge in one netlink batch, one
 * firewall commit for all of them, the nodes' veths queued on one host
 * socket and flushed in batches, one socket per node for its inside.
 *
 * The nodes are ordinary containers and the networks ordinary networks
 * (made as by `net create`: they stay until `lab down` or `net rm`), in
 * the same state files, so ls, show, exec and down work on them. A failure
 * half-way removes everything made so far, in reverse. */
#define _GNU_SOURCE
#include "lab.h"
#include "ops-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"
#include "../ns/ns.h"

/* Requests per flush of the host socket: three per node, well inside the
 * socket's batch (128 requests, 32 KiB). */
#define NODES_PER_FLUSH 32

struct lab_up {
	const struct cfs_lab *lab;
	struct cfs_state st;
	struct cfs_nl *nl;              /* host side */
	struct cfs_network *all;        /* existing networks, then the lab's */
	size_t nold;                    /* how many of all existed before */
	struct cfs_container *cts;      /* one per node */
	/* what was made, for the rollback */
	bool *bridge_made;
	int *bridge_idx;
	bool *ns_made;
	size_t nstate_nets, nstate_nodes;
	bool fw_changed, fwd_changed;
	struct cfs_host host;
	cfs_lab_progress_fn progress;
	void *parg;
};

static const char *lab_file(const struct cfs_lab *lab)
{
	return lab->file;
}

/* Errors that name a line of the file already read "lab FILE:LINE: ...";
 * the others get "lab up|down FILE: " in front. */
static int wrap(const struct cfs_lab *lab, const char *op, cfs_error_t *err)
{
	char pre[300];

	snprintf(pre, sizeof(pre), "lab %s:", lab->file);
	if (!strncmp(err->msg, pre, strlen(pre)))
		return -1;
	return cfs_error_wrap(err, "lab %s %s", op, lab->file);
}

/* ---- the plan --------------------------------------------------------------- */

static int plan_nets(struct lab_up *c, cfs_error_t *err)
{
	const struct cfs_lab *lab = c->lab;
	char have[CFS_CIDR_STRLEN];

	for (size_t i = 0; i < lab->nnets; i++) {
		const struct cfs_lab_net *ln = &lab->nets[i];
		struct cfs_network *n = &c->all[c->nold + i];

		for (size_t j = 0; j < c->nold; j++) {
			if (!strcmp(c->all[j].name, ln->name))
				return cfs_fail(err, 0, "lab %s:%u: net %s: network %s exists",
						lab_file(lab), ln->line, ln->name, ln->name);
			if (cfs_cidr_overlaps(&c->all[j].subnet, &ln->subnet)) {
				cfs_cidr_format(&c->all[j].subnet, have);
				return cfs_fail(err, 0, "lab %s:%u: net %s: subnet overlaps network %s (%s)",
						lab_file(lab), ln->line, ln->name,
						c->all[j].name, have);
			}
		}
		snprintf(n->name, sizeof(n->name), "%s", ln->name);
		n->mode = CFS_MODE_BRIDGE;
		n->subnet = ln->subnet;
		n->mtu = ln->mtu ? ln->mtu : CFS_DEFAULT_MTU;
		n->internal = ln->internal;
		n->keep = true;
		/* The networks before this one (existing and the lab's) hold
		 * their bridge names. */
		if (cfs_net_free_bridge(c->nl, c->all, c->nold + i, n->ifname, err) < 0)
			return -1;
	}
	return 0;
}

static int plan_nodes(struct lab_up *c, cfs_error_t *err)
{
	const struct cfs_lab *lab = c->lab;
	char **names = NULL;
	size_t nnames = 0;
	int ret = -1;

	if (cfs_container_names(&c->st, &names, &nnames, err) < 0)
		return -1;
	for (size_t i = 0; i < lab->nnodes; i++) {
		const struct cfs_lab_node *ln = &lab->nodes[i];
		struct cfs_network *net = &c->all[c->nold + ln->net];
		struct cfs_container *ct = &c->cts[i];
		size_t nr = 0;

		for (size_t j = 0; j < nnames; j++)
			if (!strcmp(names[j], ln->name)) {
				cfs_fail(err, 0, "lab %s:%u: node %s: container %s exists",
					 lab_file(lab), ln->line, ln->name, ln->name);
				goto out;
			}
		snprintf(ct->name, sizeof(ct->name), "%s", ln->name);
		snprintf(ct->network, sizeof(ct->network), "%s", net->name);
		ct->mode = CFS_MODE_BRIDGE;
		ct->ip = ln->ip;
		ct->gateway = cfs_cidr_gateway(&net->subnet);
		snprintf(ct->ifname, sizeof(ct->ifname), "%s", CFS_DEFAULT_IFNAME);
		cfs_host_veth_name(ln->name, ct->host_veth);
		snprintf(ct->bridge, sizeof(ct->bridge), "%s", net->ifname);
		ct->mtu = net->mtu;
		for (size_t r = 0; r < lab->nroutes; r++) {
			if (lab->routes[r].node != i)
				continue;
			if (nr == CFS_MAX_ROUTES) {
				cfs_fail(err, 0, "lab %s:%u: node %s: more than %d routes",
					 lab_file(lab), lab->routes[r].line, ln->name,
					 CFS_MAX_ROUTES);
				goto out;
			}
			ct->routes[nr].dst = lab->routes[r].dst;
			ct->routes[nr++].gw = lab->routes[r].gw;
		}
		ct->nroutes = nr;
		if (cfs_network_add_lease(net, ln->ip.addr, ln->name, err) < 0)
			goto out;
		/* Long names share hashed host veth names. */
		for (size_t j = 0; j < i; j++)
			if (!strcmp(c->cts[j].host_veth, ct->host_veth)) {
				cfs_fail(err, 0, "lab %s:%u: node %s: host interface %s is taken by node %s",
					 lab_file(lab), ln->line, ln->name,
					 ct->host_veth, c->cts[j].name);
				goto out;
			}
		for (size_t j = 0; j < nnames && strlen(ln->name) > IFNAMSIZ - 1 - 4; j++) {
			struct cfs_container other;
			cfs_error_t e2 = { 0 };

			if (strlen(names[j]) <= IFNAMSIZ - 1 - 4 ||
			    cfs_container_load(&c->st, names[j], &other, &e2) < 0)
				continue;
			if (!strcmp(other.host_veth, ct->host_veth)) {
				cfs_fail(err, 0, "lab %s:%u: node %s: host interface %s is taken by container %s",
					 lab_file(lab), ln->line, ln->name,
					 ct->host_veth, other.name);
				goto out;
			}
		}
	}
	ret = 0;
out:
	cfs_names_free(names, nnames);
	return ret;
}

/* ---- networks ------------------------------------------------------------------- */

static int make_bridges(struct lab_up *c, cfs_error_t *err)
{
	const struct cfs_lab *lab = c->lab;

	/* Created down, IPv6 link-local generation off, then up: one batch
	 * per bridge (a lab has few networks and many nodes). */
	for (size_t i = 0; i < lab->nnets; i++) {
		struct cfs_network *n = &c->all[c->nold + i];
		struct cfs_link_set ll = { .ifname = n->ifname,
					   .no_ipv6_ll = cfs_ipv6_capable_mtu(n->mtu) };
		struct cfs_link_set up = { .ifname = n->ifname, .up = true,
					   .alias = CFS_LINK_ALIAS };

		if (cfs_nl_queue_bridge(c->nl, n->ifname, n->mtu, err) < 0 ||
		    (ll.no_ipv6_ll &&
		     cfs_nl_queue_link_set(c->nl, &ll, "configuring the bridge", err) < 0) ||
		    cfs_nl_queue_link_set(c->nl, &up, "bringing the bridge up", err) < 0)
			return -1;
		if (cfs_nl_flush(c->nl, err) < 0) {
			/* EEXIST: somebody else's link of that name. */
			c->bridge_made[i] = err->errnum != EEXIST;
			return -1;
		}
		c->bridge_made[i] = true;
	}
	for (size_t i = 0; i < lab->nnets; i++) {
		struct cfs_network *n = &c->all[c->nold + i];
		struct cfs_cidr gw = { cfs_cidr_gateway(&n->subnet), n->subnet.prefix };

		if (cfs_nl_link_index(c->nl, n->ifname, &c->bridge_idx[i], err) < 0 ||
		    cfs_nl_queue_addr4(c->nl, c->bridge_idx[i], n->ifname, &gw, err) < 0)
			return -1;
		if ((i + 1) % 64 == 0 && cfs_nl_flush(c->nl, err) < 0)
			return -1;
	}
	return cfs_nl_flush(c->nl, err);
}

/* ip_forward on while any network exists (its old value kept), and one
 * firewall commit for every network, old and new. */
static int net_host_side(struct lab_up *c, cfs_error_t *err)
{
	if (c->nold == 0) {
		if (cfs_host_load(&c->st, &c->host, err) < 0)
			return -1;
		if (!c->host.saved) {
			if (cfs_ip_forward_get(&c->host.ip_forward, err) < 0)
				return -1;
			c->host.saved = true;
			if (cfs_host_save(&c->st, &c->host, err) < 0)
				return -1;
		}
		c->fwd_changed = true;
		if (cfs_ip_forward_set(1, err) < 0)
			return -1;
	}
	c->fw_changed = true;
	return cfs_fw_sync_nets(&c->st, c->all, c->nold + c->lab->nnets, NULL, NULL, err);
}

/* ---- nodes ----------------------------------------------------------------------- */

static int node_host_veth(struct lab_up *c, size_t i, int nsfd, cfs_error_t *err)
{
	const struct cfs_container *ct = &c->cts[i];
	struct cfs_veth_spec spec = {
		.name = ct->host_veth,
		.peer = ct->ifname,
		.peer_nsfd = nsfd,
		.mtu = ct->mtu,
		.master = c->bridge_idx[c->lab->nodes[i].net],
	};
	char alias[64];
	cfs_error_t e2 = { 0 };
	int idx;

	/* A host end of ours that the kernel has not yet removed after a
	 * `down` (see cfs_veth_into); one without our alias is not ours. */
	if (cfs_nl_link_query(c->nl, ct->host_veth, &idx, alias, sizeof(alias), &e2) == 0) {
		if (strcmp(alias, CFS_LINK_ALIAS))
			return cfs_fail(err, EEXIST, "creating veth %s", ct->host_veth);
		if (cfs_nl_flush(c->nl, err) < 0 ||
		    cfs_nl_queue_link_del(c->nl, ct->host_veth, CFS_NL_MISSING_OK, err) < 0 ||
		    cfs_nl_flush(c->nl, err) < 0)
			return -1;
	} else if (e2.errnum != ENODEV) {
		*err = e2;
		return -1;
	}
	return cfs_nl_queue_veth(c->nl, &spec, err);
}

/* After the batch that made them: each host end without IPv6 (a bridge
 * port, as `up` makes it: see cfs_veth_into), then up, in one batch. */
static int node_ports_up(struct lab_up *c, size_t first, size_t last,
			 cfs_error_t *err)
{
	for (size_t i = first; i <= last; i++) {
		const struct cfs_container *ct = &c->cts[i];
		struct cfs_link_set ll = { .ifname = ct->host_veth,
					   .no_ipv6_ll = cfs_ipv6_capable_mtu(ct->mtu) };
		struct cfs_link_set up = { .ifname = ct->host_veth, .up = true,
					   .alias = CFS_LINK_ALIAS };
		cfs_error_t e2 = { 0 };

		if (c->bridge_idx[c->lab->nodes[i].net] > 0 &&
		    cfs_link_ipv6_off(ct->host_veth, &e2) == 0)
			ll.no_ipv6_ll = false;
		if ((ll.no_ipv6_ll &&
		     cfs_nl_queue_link_set(c->nl, &ll, "configuring the host veth", err) < 0) ||
		    cfs_nl_queue_link_set(c->nl, &up, "bringing the host veth up", err) < 0)
			return cfs_error_wrap(err, "node %s", c->lab->nodes[i].name);
	}
	return cfs_nl_flush(c->nl, err);
}

static int write_forward(void *arg)
{
	return cfs_ip_forward_set(1, arg);
}

static int node_inside(struct lab_up *c, size_t i, int nsfd, cfs_error_t *err)
{
	const struct cfs_container *ct = &c->cts[i];
	cleanup_nl struct cfs_nl *in = NULL;

	if (cfs_nl_open_in(nsfd, &in, err) < 0 ||
	    cfs_config_inside(in, ct->ifname, 0, &ct->ip, ct->gateway, true, ct->mtu,
			      err) < 0)
		return -1;
	/* /proc/sys/net is the namespace of the thread that opens it. */
	if (c->lab->nodes[i].forward &&
	    cfs_netns_run(nsfd, write_forward, err, err) < 0)
		return cfs_error_wrap(err, "turning forwarding on");
	return 0;
}

static int make_nodes(struct lab_up *c, cfs_error_t *err)
{
	const struct cfs_lab *lab = c->lab;
	size_t first = 0;   /* first node of the batch not yet configured */
	int *fds = calloc(NODES_PER_FLUSH, sizeof(*fds));
	int ret = -1;

	if (!fds)
		return cfs_fail(err, ENOMEM, "making nodes");
	for (size_t k = 0; k < NODES_PER_FLUSH; k++)
		fds[k] = -1;
	for (size_t i = 0; i < lab->nnodes; i++) {
		const char *name = lab->nodes[i].name;
		int *fd = &fds[i - first];

		if (cfs_netns_create(name, fd, err) < 0) {
			if (err->errnum == EEXIST)
				cfs_fail(err, 0, "network namespace %s already exists and is not cfsnet's",
					 name);
			cfs_error_wrap(err, "node %s", name);
			goto out;
		}
		c->ns_made[i] = true;
		if (node_host_veth(c, i, *fd, err) < 0) {
			cfs_error_wrap(err, "node %s", name);
			goto out;
		}
		if (i + 1 - first < NODES_PER_FLUSH && i + 1 < lab->nnodes)
			continue;
		/* The batch's veths, their host ends up, then each node's
		 * inside. */
		if (cfs_nl_flush(c->nl, err) < 0 ||
		    node_ports_up(c, first, i, err) < 0) {
			cfs_error_wrap(err, "nodes %s..%s", lab->nodes[first].name, name);
			goto out;
		}
		for (size_t j = first; j <= i; j++) {
			int *f = &fds[j - first];

			if (node_inside(c, j, *f, err) < 0) {
				cfs_error_wrap(err, "node %s", lab->nodes[j].name);
				goto out;
			}
			close(*f);
			*f = -1;
			if (c->progress)
				c->progress(c->parg, j + 1, lab->nnodes);
		}
		first = i + 1;
	}
	ret = 0;
out:
	for (size_t k = 0; k < NODES_PER_FLUSH; k++)
		if (fds[k] >= 0)
			close(fds[k]);
	free(fds);
	return ret;
}

/* ---- links and routes ---------------------------------------------------------------- */

static int end_inside(int nsfd, const struct cfs_lab_end *e, uint64_t rate,
		      cfs_error_t *err)
{
	cleanup_nl struct cfs_nl *in = NULL;
	struct cfs_link_set ll = { .ifname = e->ifname, .no_ipv6_ll = true };
	struct cfs_link_set up = { .ifname = e->ifname, .up = true };
	int idx;

	if (cfs_nl_open_in(nsfd, &in, err) < 0 ||
	    cfs_nl_queue_link_set(in, &ll, "configuring the link", err) < 0 ||
	    cfs_nl_queue_link_set(in, &up, "bringing the link up", err) < 0 ||
	    cfs_nl_flush(in, err) < 0)
		return -1;
	if (!e->has_ip && !rate)
		return 0;
	if (cfs_nl_link_index(in, e->ifname, &idx, err) < 0 ||
	    (e->has_ip && cfs_nl_queue_addr4(in, idx, e->ifname, &e->ip, err) < 0) ||
	    (rate && cfs_nl_queue_qdisc_tbf(in, idx, e->ifname, rate / 8,
					    cfs_tbf_default_burst(rate / 8), err) < 0))
		return -1;
	return cfs_nl_flush(in, err);
}

static int make_link(struct lab_up *c, const struct cfs_lab_link *l,
		     cfs_error_t *err)
{
	const struct cfs_lab_end *a = &l->end[0], *b = &l->end[1];
	cleanup_close int fa = -1;
	cleanup_close int fb = -1;
	cleanup_nl struct cfs_nl *in = NULL;
	struct cfs_veth_spec spec = { .name = a->ifname, .peer = b->ifname };

	if (cfs_netns_open(c->lab->nodes[a->node].name, &fa, err) < 0 ||
	    cfs_netns_open(c->lab->nodes[b->node].name, &fb, err) < 0)
		return -1;
	spec.peer_nsfd = fb;
	if (cfs_nl_open_in(fa, &in, err) < 0 ||
	    cfs_nl_queue_veth(in, &spec, err) < 0 || cfs_nl_flush(in, err) < 0)
		return -1;
	if (end_inside(fa, a, l->rate, err) < 0 ||
	    end_inside(fb, b, l->rate, err) < 0)
		return -1;
	return 0;
}

static int make_routes(struct lab_up *c, size_t node, cfs_error_t *err)
{
	const struct cfs_container *ct = &c->cts[node];
	cleanup_close int fd = -1;
	cleanup_nl struct cfs_nl *in = NULL;

	if (!ct->nroutes)
		return 0;
	if (cfs_netns_open(ct->name, &fd, err) < 0 || cfs_nl_open_in(fd, &in, err) < 0)
		return -1;
	for (size_t r = 0; r < ct->nroutes; r++)
		if (cfs_nl_queue_route4(in, ct->routes[r].dst.addr,
					ct->routes[r].dst.prefix, ct->routes[r].gw, 0,
					err) < 0)
			return -1;
	return cfs_nl_flush(in, err);
}

static int make_links_routes(struct lab_up *c, cfs_error_t *err)
{
	const struct cfs_lab *lab = c->lab;

	for (size_t i = 0; i < lab->nlinks; i++) {
		const struct cfs_lab_link *l = &lab->links[i];

		if (make_link(c, l, err) < 0)
			return cfs_error_wrap(err, "lab %s:%u: link %s:%s %s:%s", lab_file(lab),
					      l->line, lab->nodes[l->end[0].node].name,
					      l->end[0].ifname,
					      lab->nodes[l->end[1].node].name,
					      l->end[1].ifname);
	}
	for (size_t i = 0; i < lab->nnodes; i++)
		if (make_routes(c, i, err) < 0)
			return cfs_error_wrap(err, "node %s: routes", lab->nodes[i].name);
	return 0;
}

/* ---- state and rollback ---------------------------------------------------------------- */

static int save_state(struct lab_up *c, cfs_error_t *err)
{
	for (size_t i = 0; i < c->lab->nnets; i++) {
		if (cfs_network_save(&c->st, &c->all[c->nold + i], err) < 0)
			return -1;
		c->nstate_nets = i + 1;
	}
	for (size_t i = 0; i < c->lab->nnodes; i++) {
		if (cfs_container_save(&c->st, &c->cts[i], err) < 0)
			return -1;
		c->nstate_nodes = i + 1;
	}
	return 0;
}

static void rollback(struct lab_up *c)
{
	const struct cfs_lab *lab = c->lab;
	cfs_error_t e = { 0 };

	for (size_t i = c->nstate_nodes; i-- > 0;)
		cfs_container_remove(&c->st, c->cts[i].name, &e);
	for (size_t i = c->nstate_nets; i-- > 0;)
		cfs_network_remove(&c->st, c->all[c->nold + i].name, &e);
	for (size_t i = lab->nnodes; i-- > 0;)
		if (c->ns_made[i])
			cfs_netns_delete(lab->nodes[i].name, &e);
	for (size_t i = lab->nnets; i-- > 0;)
		if (c->bridge_made[i] &&
		    cfs_nl_queue_link_del(c->nl, c->all[c->nold + i].ifname,
					  CFS_NL_MISSING_OK, &e) == 0)
			cfs_nl_flush(c->nl, &e);
	if (c->fw_changed)
		cfs_fw_sync_nets(&c->st, c->all, c->nold, NULL, NULL, &e);
	if (c->fwd_changed) {
		cfs_ip_forward_set(c->host.ip_forward, &e);
		c->host.saved = false;
		cfs_host_save(&c->st, &c->host, &e);
	}
	cfs_state_prune(&c->st);
}

static int lab_up_locked(struct lab_up *c, cfs_error_t *err)
{
	struct cfs_network *old = NULL;
	const struct cfs_lab *lab = c->lab;

	if (cfs_network_load_all(&c->st, &old, &c->nold, err) < 0)
		return -1;
	c->all = calloc(c->nold + lab->nnets, sizeof(*c->all));
	c->cts = calloc(lab->nnodes, sizeof(*c->cts));
	c->bridge_made = calloc(lab->nnets, sizeof(*c->bridge_made));
	c->bridge_idx = calloc(lab->nnets, sizeof(*c->bridge_idx));
	c->ns_made = calloc(lab->nnodes, sizeof(*c->ns_made));
	if (!c->all || !c->cts || !c->bridge_made || !c->bridge_idx || !c->ns_made) {
		cfs_networks_free(old, c->nold);
		c->nold = 0;
		return cfs_fail(err, ENOMEM, "planning");
	}
	/* The loaded networks move into all (their leases with them). */
	if (c->nold)
		memcpy(c->all, old, c->nold * sizeof(*old));
	free(old);
	if (cfs_nl_open(&c->nl, err) < 0 || plan_nets(c, err) < 0 ||
	    plan_nodes(c, err) < 0)
		return -1;
	if (make_bridges(c, err) < 0 || cfs_fault("bridge", err) < 0 ||
	    net_host_side(c, err) < 0 || cfs_fault("firewall", err) < 0 ||
	    make_nodes(c, err) < 0 || cfs_fault("veth", err) < 0 ||
	    make_links_routes(c, err) < 0 || cfs_fault("config", err) < 0 ||
	    save_state(c, err) < 0 || cfs_fault("state", err) < 0) {
		rollback(c);
		return -1;
	}
	return 0;
}

int cfs_lab_up(const struct cfs_lab *lab, cfs_lab_progress_fn progress,
	       void *arg, cfs_error_t *err)
{
	struct lab_up c = { .lab = lab, .progress = progress, .parg = arg };
	int r = -1;

	if (cfs_state_open(&c.st, CFS_STATE_DIR, true, err) == 0) {
		r = lab_up_locked(&c, err);
		cfs_state_close(&c.st);
	}
	cfs_nl_close(c.nl);
	cfs_networks_free(c.all, c.all ? c.nold + lab->nnets : 0);
	free(c.cts);
	free(c.bridge_made);
	free(c.bridge_idx);
	free(c.ns_made);
	return r < 0 ? wrap(lab, "up", err) : 0;
}

/* ---- down ------------------------------------------------------------------------------ */

struct lab_down {
	const struct cfs_lab *lab;
	struct cfs_state st;
	struct cfs_network *nets;       /* every network */
	size_t nnets;
	bool *node_there;
	ssize_t *net_of;                /* lab net -> index in nets, -1 */
};

static bool lab_has_node(const struct cfs_lab *lab, const char *name)
{
	for (size_t i = 0; i < lab->nnodes; i++)
		if (!strcmp(lab->nodes[i].name, name))
			return true;
	return false;
}

static bool lab_has_net(const struct cfs_lab *lab, const char *name)
{
	for (size_t i = 0; i < lab->nnets; i++)
		if (!strcmp(lab->nets[i].name, name))
			return true;
	return false;
}

/* Everything is checked before anything is removed. */
static int plan_down(struct lab_down *c, size_t *found, cfs_error_t *err)
{
	const struct cfs_lab *lab = c->lab;

	*found = 0;
	for (size_t i = 0; i < lab->nnets; i++) {
		const struct cfs_lab_net *ln = &lab->nets[i];

		c->net_of[i] = -1;
		for (size_t j = 0; j < c->nnets; j++) {
			const struct cfs_network *n = &c->nets[j];

			if (strcmp(n->name, ln->name))
				continue;
			c->net_of[i] = (ssize_t)j;
			(*found)++;
			for (size_t k = 0; k < n->nleases; k++)
				if (!lab_has_node(lab, n->leases[k].name))
					return cfs_fail(err, 0,
							"lab %s:%u: net %s: container %s is on it and is not a node of the lab",
							lab->file, ln->line, ln->name,
							n->leases[k].name);
		}
	}
	for (size_t i = 0; i < lab->nnodes; i++) {
		const struct cfs_lab_node *ln = &lab->nodes[i];
		struct cfs_container ct;
		cfs_error_t e2 = { 0 };

		if (cfs_container_load(&c->st, ln->name, &ct, &e2) < 0) {
			if (e2.errnum == ENOENT)
				continue;
			*err = e2;
			return -1;
		}
		if (strcmp(ct.network, lab->nets[ln->net].name))
			return cfs_fail(err, 0,
					"lab %s:%u: node %s: container %s is on network %s, not on the lab's %s",
					lab->file, ln->line, ln->name, ln->name,
					ct.network, lab->nets[ln->net].name);
		c->node_there[i] = true;
		(*found)++;
	}
	return 0;
}

/* A node's further networks that are not the lab's (`cfsnet connect`
 * after `lab up`): left as `down` leaves them. */
static int leave_other_nets(struct lab_down *c, const char *name, cfs_error_t *err)
{
	struct cfs_container ct;

	if (cfs_container_load(&c->st, name, &ct, err) < 0)
		return -1;
	for (size_t i = 0; i < ct.nattach; i++)
		if (!lab_has_net(c->lab, ct.attach[i].network) &&
		    cfs_net_leave(&c->st, ct.attach[i].network, name, err) < 0)
			return -1;
	return 0;
}

static int lab_down_locked(struct lab_down *c, cfs_lab_progress_fn progress,
			   void *arg, cfs_error_t *err)
{
	const struct cfs_lab *lab = c->lab;
	cleanup_nl struct cfs_nl *nl = NULL;
	struct cfs_network *left = NULL;
	struct cfs_host h;
	size_t found, nleft = 0, done = 0, total = 0;
	int r;

	if (cfs_network_load_all(&c->st, &c->nets, &c->nnets, err) < 0 ||
	    plan_down(c, &found, err) < 0)
		return -1;
	if (!found)
		return cfs_fail(err, 0, "none of the lab's nodes and networks exists");
	for (size_t i = 0; i < lab->nnodes; i++)
		total += c->node_there[i];
	/* Dropping a namespace takes its veths (to the bridge and to other
	 * nodes) with it; the kernel does that asynchronously. */
	for (size_t i = 0; i < lab->nnodes; i++) {
		const char *name = lab->nodes[i].name;

		if (!c->node_there[i])
			continue;
		if (leave_other_nets(c, name, err) < 0 ||
		    cfs_netns_delete(name, err) < 0 ||
		    cfs_container_remove(&c->st, name, err) < 0)
			return cfs_error_wrap(err, "node %s", name);
		if (progress)
			progress(arg, ++done, total);
	}
	if (cfs_nl_open(&nl, err) < 0)
		return -1;
	for (size_t i = 0; i < lab->nnets; i++) {
		if (c->net_of[i] < 0)
			continue;
		if (cfs_nl_queue_link_del(nl, c->nets[c->net_of[i]].ifname,
					  CFS_NL_MISSING_OK, err) < 0 ||
		    cfs_nl_flush(nl, err) < 0 ||
		    cfs_network_remove(&c->st, lab->nets[i].name, err) < 0)
			return cfs_error_wrap(err, "net %s", lab->nets[i].name);
	}
	/* One firewall commit for what is left; the last network gives
	 * ip_forward its old value back. */
	if (cfs_network_load_all(&c->st, &left, &nleft, err) < 0)
		return -1;
	r = cfs_fw_sync_nets(&c->st, left, nleft, NULL, NULL, err);
	cfs_networks_free(left, nleft);
	if (r < 0 || nleft > 0)
		return r;
	if (cfs_host_load(&c->st, &h, err) < 0)
		return -1;
	if (!h.saved)
		return 0;
	if (cfs_ip_forward_set(h.ip_forward, err) < 0)
		return -1;
	h.saved = false;
	return cfs_host_save(&c->st, &h, err);
}

int cfs_lab_down(const struct cfs_lab *lab, cfs_lab_progress_fn progress,
		 void *arg, cfs_error_t *err)
{
	struct lab_down c = { .lab = lab };
	int r = -1;

	c.node_there = calloc(lab->nnodes + 1, sizeof(*c.node_there));
	c.net_of = calloc(lab->nnets + 1, sizeof(*c.net_of));
	if (!c.node_there || !c.net_of) {
		cfs_fail(err, ENOMEM, "planning");
	} else if (cfs_state_open(&c.st, CFS_STATE_DIR, true, err) == 0) {
		r = lab_down_locked(&c, progress, arg, err);
		cfs_state_prune(&c.st);
		cfs_state_close(&c.st);
	}
	cfs_networks_free(c.nets, c.nnets);
	free(c.node_there);
	free(c.net_of);
	return r < 0 ? wrap(lab, "down", err) : 0;
}

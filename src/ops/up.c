/* up.c - `cfsnet up`: a named netns with a veth whose peer is born inside
 * it, on a bridge (or not), with address, route, NAT and forwarding.
 *
 * The work is a plan made under the state lock before anything is touched
 * (validation, network choice, address), then a list of steps, each
 * registering its undo; on failure the undos run in reverse. */
#define _GNU_SOURCE
#include "ops.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"
#include "../ns/ns.h"

struct up_ctx;
typedef void (*undo_fn)(struct up_ctx *c);

struct up_ctx {
	const struct cfs_up_opts *o;
	struct cfs_state st;
	struct cfs_network *nets;   /* every network, as loaded */
	size_t nnets;
	struct cfs_network *old;    /* the chosen network as it was, or NULL */
	struct cfs_network net;     /* the chosen network as it will be */
	struct cfs_container ct;
	struct cfs_host host;
	struct cfs_nl *nl;          /* host side */
	int nsfd;
	int bridge_idx;
	undo_fn undo[8];
	size_t nundo;
};

#ifdef CFS_FAULT_INJECTION
/* Test builds only: CFSNET_FAULT=<step> fails `up` right after that step,
 * so the tests can prove each rollback. */
static int fault(const char *step, cfs_error_t *err)
{
	const char *f = getenv("CFSNET_FAULT");

	if (f && !strcmp(f, step))
		return cfs_fail(err, 0, "fault injected after step %s", step);
	return 0;
}
#else
static inline int fault(const char *step, cfs_error_t *err)
{
	(void)step;
	(void)err;
	return 0;
}
#endif

static void push_undo(struct up_ctx *c, undo_fn fn)
{
	c->undo[c->nundo++] = fn;
}

static void rollback(struct up_ctx *c)
{
	while (c->nundo)
		c->undo[--c->nundo](c);
}

/* ---- the plan ------------------------------------------------------------ */

static int same_config(const struct cfs_up_opts *o, const struct cfs_container *ct)
{
	enum cfs_mode mode = o->no_bridge ? CFS_MODE_VETH : CFS_MODE_BRIDGE;
	const char *ifname = o->ifname ? o->ifname : CFS_DEFAULT_IFNAME;

	return ct->mode == mode && !strcmp(ct->ifname, ifname) &&
	       (!o->has_ip || (ct->ip.addr == o->ip.addr &&
			       ct->ip.prefix == o->ip.prefix)) &&
	       (!o->mtu || ct->mtu == o->mtu);
}

static void lowest_free_bridge(const struct cfs_network *nets, size_t n,
			       char out[IFNAMSIZ])
{
	for (unsigned i = 0;; i++) {
		bool used = false;

		snprintf(out, IFNAMSIZ, "cfsbr%u", i);
		for (size_t j = 0; j < n && !used; j++)
			used = nets[j].mode == CFS_MODE_BRIDGE &&
			       !strcmp(nets[j].ifname, out);
		if (!used)
			return;
	}
}

static int choose_network(struct up_ctx *c, cfs_error_t *err)
{
	const struct cfs_up_opts *o = c->o;
	struct cfs_cidr want;
	char want_s[CFS_CIDR_STRLEN], have_s[CFS_CIDR_STRLEN];

	if (o->has_ip) {
		want = o->ip;
	} else {
		cfs_cidr_parse(CFS_DEFAULT_SUBNET, &want);
		if (o->no_bridge)
			want.addr += 2; /* the walkthrough's 10.0.0.2/24 */
	}
	want.addr = cfs_cidr_network(&want);
	cfs_cidr_format(&want, want_s);

	for (size_t i = 0; i < c->nnets; i++) {
		struct cfs_network *n = &c->nets[i];

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
		c->old = n;
		return cfs_network_copy(&c->net, n, err);
	}

	/* A new network for this subnet. */
	memset(&c->net, 0, sizeof(c->net));
	c->net.subnet = want;
	if (o->no_bridge) {
		c->net.mode = CFS_MODE_VETH;
		snprintf(c->net.name, sizeof(c->net.name), "veth-%s", o->name);
		c->net.mtu = o->mtu ? o->mtu : CFS_DEFAULT_MTU;
	} else {
		c->net.mode = CFS_MODE_BRIDGE;
		if (!strcmp(want_s, CFS_DEFAULT_SUBNET))
			snprintf(c->net.name, sizeof(c->net.name), CFS_DEFAULT_NETWORK);
		else
			snprintf(c->net.name, sizeof(c->net.name), "%.*s-%u",
				 (int)strcspn(want_s, "/"), want_s, want.prefix);
		lowest_free_bridge(c->nets, c->nnets, c->net.ifname);
		c->net.mtu = CFS_DEFAULT_MTU;
	}
	return 0;
}

static int choose_address(struct up_ctx *c, cfs_error_t *err)
{
	const struct cfs_up_opts *o = c->o;
	char ip[CFS_IP4_STRLEN];
	uint32_t addr;

	if (o->has_ip) {
		addr = o->ip.addr;
		for (size_t i = 0; i < c->net.nleases; i++)
			if (c->net.leases[i].addr == addr) {
				cfs_ip4_format(addr, ip);
				return cfs_fail(err, 0, "address %s is taken by container %s",
						ip, c->net.leases[i].name);
			}
	} else if (o->no_bridge) {
		addr = cfs_cidr_gateway(&c->net.subnet) + 1;
	} else {
		uint32_t *used = calloc(c->net.nleases + 1, sizeof(*used));
		int r;

		if (!used)
			return cfs_fail(err, ENOMEM, "allocating an address");
		for (size_t i = 0; i < c->net.nleases; i++)
			used[i] = c->net.leases[i].addr;
		r = cfs_ipam_lowest_free(&c->net.subnet, used, c->net.nleases, &addr);
		free(used);
		if (r < 0)
			return cfs_fail(err, 0, "network %s has no free address",
					c->net.name);
	}
	c->ct.ip.addr = addr;
	c->ct.ip.prefix = c->net.subnet.prefix;
	c->ct.gateway = cfs_cidr_gateway(&c->net.subnet);
	return cfs_network_add_lease(&c->net, addr, o->name, err);
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
					"container %s exists with another configuration (%s, %s mode, %s, mtu %u)",
					o->name, ip, cfs_mode_name(cur.mode), cur.ifname,
					cur.mtu);
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
	if (cfs_network_load_all(&c->st, &c->nets, &c->nnets, err) < 0 ||
	    choose_network(c, err) < 0 || choose_address(c, err) < 0)
		return -1;

	snprintf(c->ct.name, sizeof(c->ct.name), "%s", o->name);
	snprintf(c->ct.network, sizeof(c->ct.network), "%s", c->net.name);
	c->ct.mode = c->net.mode;
	snprintf(c->ct.ifname, sizeof(c->ct.ifname), "%s",
		 o->ifname ? o->ifname : CFS_DEFAULT_IFNAME);
	cfs_host_veth_name(o->name, c->ct.host_veth);
	if (c->net.mode == CFS_MODE_BRIDGE)
		snprintf(c->ct.bridge, sizeof(c->ct.bridge), "%s", c->net.ifname);
	else
		snprintf(c->net.ifname, sizeof(c->net.ifname), "%s", c->ct.host_veth);
	c->ct.mtu = o->mtu ? o->mtu : c->net.mtu;
	return check_host_veth_free(c, err);
}

/* ---- the steps ----------------------------------------------------------- */

static void undo_bridge(struct up_ctx *c)
{
	cfs_error_t e = { 0 };

	if (cfs_nl_queue_link_del(c->nl, c->net.ifname, CFS_NL_MISSING_OK, &e) == 0)
		cfs_nl_flush(c->nl, &e);
}

static int step_bridge(struct up_ctx *c, cfs_error_t *err)
{
	struct cfs_link_set ll = { .ifname = c->net.ifname, .no_ipv6_ll = true };
	struct cfs_link_set up = { .ifname = c->net.ifname, .up = true };
	struct cfs_cidr gw = { cfs_cidr_gateway(&c->net.subnet), c->net.subnet.prefix };

	if (c->old || c->net.mode != CFS_MODE_BRIDGE) {
		if (c->net.mode == CFS_MODE_BRIDGE)
			return cfs_nl_link_index(c->nl, c->net.ifname, &c->bridge_idx, err);
		return 0;
	}
	if (cfs_nl_queue_bridge(c->nl, c->net.ifname, c->net.mtu, err) < 0 ||
	    cfs_nl_queue_link_set(c->nl, &ll, "configuring bridge", err) < 0 ||
	    cfs_nl_queue_link_set(c->nl, &up, "bringing the bridge up", err) < 0)
		return -1;
	if (cfs_nl_flush(c->nl, err) < 0) {
		/* EEXIST: somebody else's link of that name; leave it alone. */
		if (err->errnum != EEXIST)
			undo_bridge(c);
		return -1;
	}
	push_undo(c, undo_bridge);
	if (cfs_nl_link_index(c->nl, c->net.ifname, &c->bridge_idx, err) < 0 ||
	    cfs_nl_queue_addr4(c->nl, c->bridge_idx, c->net.ifname, &gw, err) < 0 ||
	    cfs_nl_flush(c->nl, err) < 0)
		return -1;
	return fault("bridge", err);
}

static int fw_sync_nets(const struct cfs_network *nets, size_t n,
			const struct cfs_network *extra, const char *skip,
			cfs_error_t *err)
{
	struct cfs_fw_net *fw = calloc(n + 1, sizeof(*fw));
	size_t k = 0;
	int r;

	if (!fw)
		return cfs_fail(err, ENOMEM, "building firewall rules");
	for (size_t i = 0; i <= n; i++) {
		const struct cfs_network *src = i < n ? &nets[i] : extra;

		if (!src || (skip && !strcmp(src->name, skip)))
			continue;
		snprintf(fw[k].name, sizeof(fw[k].name), "%s", src->name);
		fw[k].subnet = src->subnet;
		fw[k].subnet.addr = cfs_cidr_network(&src->subnet);
		snprintf(fw[k].ifname, sizeof(fw[k].ifname), "%s", src->ifname);
		k++;
	}
	r = cfs_fw_sync(fw, k, err);
	free(fw);
	return r;
}

static void undo_firewall(struct up_ctx *c)
{
	cfs_error_t e = { 0 };

	fw_sync_nets(c->nets, c->nnets, NULL, NULL, &e);
}

static int step_firewall(struct up_ctx *c, cfs_error_t *err)
{
	if (c->old)
		return 0;
	if (fw_sync_nets(c->nets, c->nnets, &c->net, NULL, err) < 0) {
		undo_firewall(c);
		return -1;
	}
	push_undo(c, undo_firewall);
	return fault("firewall", err);
}

static void undo_forward(struct up_ctx *c)
{
	cfs_error_t e = { 0 };

	cfs_ip_forward_set(c->host.ip_forward, &e);
	c->host.saved = false;
	cfs_host_save(&c->st, &c->host, &e);
}

/* ip_forward is on while any cfsnet network exists; the value found before
 * the first one is kept in the state and restored after the last. */
static int step_forward(struct up_ctx *c, cfs_error_t *err)
{
	if (c->nnets)
		return 0;
	if (cfs_host_load(&c->st, &c->host, err) < 0)
		return -1;
	if (!c->host.saved) {
		if (cfs_ip_forward_get(&c->host.ip_forward, err) < 0)
			return -1;
		c->host.saved = true;
		if (cfs_host_save(&c->st, &c->host, err) < 0)
			return -1;
	}
	push_undo(c, undo_forward);
	if (cfs_ip_forward_set(1, err) < 0)
		return -1;
	return fault("ip-forward", err);
}

static void undo_netns(struct up_ctx *c)
{
	cfs_error_t e = { 0 };

	cfs_netns_delete(c->ct.name, &e);
}

static int step_netns(struct up_ctx *c, cfs_error_t *err)
{
	if (cfs_netns_create(c->ct.name, &c->nsfd, err) < 0) {
		if (err->errnum == EEXIST)
			return cfs_fail(err, 0,
					"network namespace %s already exists and is not cfsnet's",
					c->ct.name);
		return -1;
	}
	push_undo(c, undo_netns);
	return fault("netns", err);
}

static void undo_veth(struct up_ctx *c)
{
	cfs_error_t e = { 0 };

	/* Deleting one end deletes both, now: the namespace's own cleanup
	 * would do it too, but later. */
	if (cfs_nl_queue_link_del(c->nl, c->ct.host_veth, CFS_NL_MISSING_OK, &e) == 0)
		cfs_nl_flush(c->nl, &e);
}

static int queue_veth(struct up_ctx *c, cfs_error_t *err)
{
	struct cfs_veth_spec spec = {
		.name = c->ct.host_veth,
		.peer = c->ct.ifname,
		.peer_nsfd = c->nsfd,
		.mtu = c->ct.mtu,
		.master = c->bridge_idx,
	};
	struct cfs_link_set ll = { .ifname = c->ct.host_veth, .no_ipv6_ll = true };
	struct cfs_link_set up = { .ifname = c->ct.host_veth, .up = true };

	return (cfs_nl_queue_veth(c->nl, &spec, err) < 0 ||
		cfs_nl_queue_link_set(c->nl, &ll, "configuring the host veth", err) < 0 ||
		cfs_nl_queue_link_set(c->nl, &up, "bringing the host veth up", err) < 0)
		       ? -1 : 0;
}

static int step_veth(struct up_ctx *c, cfs_error_t *err)
{
	if (queue_veth(c, err) < 0)
		return -1;
	if (cfs_nl_flush(c->nl, err) < 0) {
		if (err->errnum != EEXIST)
			return -1;
		/* The host end is named after the container, which has no
		 * state (we hold the lock): a link of that name is what the
		 * kernel has not yet removed after a `down` dropped its
		 * namespace. Remove it now and try again. */
		if (cfs_nl_queue_link_del(c->nl, c->ct.host_veth, CFS_NL_MISSING_OK,
					  err) < 0 ||
		    cfs_nl_flush(c->nl, err) < 0 || queue_veth(c, err) < 0 ||
		    cfs_nl_flush(c->nl, err) < 0)
			return -1;
	}
	push_undo(c, undo_veth);
	if (c->ct.mode == CFS_MODE_VETH) {
		struct cfs_cidr gw = { c->ct.gateway, c->ct.ip.prefix };
		int idx;

		if (cfs_nl_link_index(c->nl, c->ct.host_veth, &idx, err) < 0 ||
		    cfs_nl_queue_addr4(c->nl, idx, c->ct.host_veth, &gw, err) < 0 ||
		    cfs_nl_flush(c->nl, err) < 0)
			return -1;
	}
	return fault("veth", err);
}

static int step_config(struct up_ctx *c, cfs_error_t *err)
{
	cleanup_nl struct cfs_nl *in = NULL;
	struct cfs_link_set lo = { .ifindex = 1, .up = true }; /* lo is always 1 */
	struct cfs_link_set ll = { .no_ipv6_ll = true };
	struct cfs_link_set up = { .up = true };
	int idx;

	if (cfs_nl_open_in(c->nsfd, &in, err) < 0 ||
	    cfs_nl_link_index(in, c->ct.ifname, &idx, err) < 0)
		return -1;
	ll.ifindex = up.ifindex = idx;
	if (cfs_nl_queue_link_set(in, &lo, "bringing lo up", err) < 0 ||
	    cfs_nl_queue_link_set(in, &ll, "configuring the container's link", err) < 0 ||
	    cfs_nl_queue_link_set(in, &up, "bringing the container's link up", err) < 0 ||
	    cfs_nl_queue_addr4(in, idx, c->ct.ifname, &c->ct.ip, err) < 0 ||
	    cfs_nl_queue_route4(in, 0, 0, c->ct.gateway, idx, err) < 0 ||
	    cfs_nl_flush(in, err) < 0)
		return -1;
	return fault("config", err);
}

static void undo_state(struct up_ctx *c)
{
	cfs_error_t e = { 0 };

	cfs_container_remove(&c->st, c->ct.name, &e);
	if (c->old)
		cfs_network_save(&c->st, c->old, &e);
	else
		cfs_network_remove(&c->st, c->net.name, &e);
}

static int step_state(struct up_ctx *c, cfs_error_t *err)
{
	push_undo(c, undo_state);
	if (cfs_network_save(&c->st, &c->net, err) < 0 ||
	    cfs_container_save(&c->st, &c->ct, err) < 0)
		return -1;
	return fault("state", err);
}

int cfs_up(const struct cfs_up_opts *o, struct cfs_container *out,
	   bool *created, cfs_error_t *err)
{
	static int (*const steps[])(struct up_ctx *, cfs_error_t *) = {
		step_bridge, step_forward, step_firewall, step_netns,
		step_veth, step_config, step_state,
	};
	struct up_ctx c = { .o = o, .nsfd = -1 };
	bool exists = false;
	int ret = -1;

	if (cfs_check_name(o->name, err) < 0 ||
	    (o->ifname && cfs_check_ifname(o->ifname, err) < 0))
		goto out_nolock;
	if (cfs_state_open(&c.st, CFS_STATE_DIR, true, err) < 0)
		goto out_nolock;
	if (plan(&c, &exists, err) < 0)
		goto out;
	if (exists) {
		ret = 0;
		goto out;
	}
	if (cfs_nl_open(&c.nl, err) < 0)
		goto out;
	for (size_t i = 0; i < CFS_ARRAY_SIZE(steps); i++) {
		if (steps[i](&c, err) < 0) {
			rollback(&c);
			goto out;
		}
	}
	ret = 0;
out:
	if (c.nsfd >= 0)
		close(c.nsfd);
	cfs_nl_close(c.nl);
	cfs_network_free(&c.net);
	cfs_networks_free(c.nets, c.nnets);
	cfs_state_close(&c.st);
out_nolock:
	if (ret == 0) {
		*out = c.ct;
		*created = !exists;
	}
	return ret == 0 ? 0 : cfs_error_wrap(err, "up %s", o->name);
}

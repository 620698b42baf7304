/* network.c - networks: the steps that make one exist in the kernel (a
 * bridge holding the gateway, ip_forward, NAT and forwarding rules) and
 * remove it again, shared by every operation; and `cfsnet net
 * create|rm|ls`. */
#define _GNU_SOURCE
#include "ops-internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"

void cfs_undo_push(struct cfs_undo *u, void (*fn)(void *), void *arg)
{
	/* The operations register at most a handful of steps. */
	if (u->n < CFS_ARRAY_SIZE(u->step)) {
		u->step[u->n].fn = fn;
		u->step[u->n].arg = arg;
		u->n++;
	}
}

void cfs_undo_run(struct cfs_undo *u)
{
	while (u->n) {
		u->n--;
		u->step[u->n].fn(u->step[u->n].arg);
	}
}

#ifdef CFS_FAULT_INJECTION
int cfs_fault(const char *step, cfs_error_t *err)
{
	const char *f = getenv("CFSNET_FAULT");
	const char *k = getenv("CFSNET_FAULT_KILL");

	/* A crash right after the step, for the gc stress tests. */
	if (k && !strcmp(k, step))
		raise(SIGKILL);
	if (f && !strcmp(f, step))
		return cfs_fail(err, 0, "fault injected after step %s", step);
	return 0;
}

void cfs_crash_point(const char *step)
{
	const char *k = getenv("CFSNET_FAULT_KILL");

	if (k && !strcmp(k, step))
		raise(SIGKILL);
}
#else
void cfs_crash_point(const char *step)
{
	(void)step;
}

int cfs_fault(const char *step, cfs_error_t *err)
{
	(void)step;
	(void)err;
	return 0;
}
#endif

void cfs_net_auto_name(const struct cfs_cidr *subnet, char *out, size_t len)
{
	struct cfs_cidr net = { cfs_cidr_network(subnet), subnet->prefix };
	char ip[CFS_IP4_STRLEN], s[CFS_CIDR_STRLEN];

	cfs_cidr_format(&net, s);
	if (!strcmp(s, CFS_DEFAULT_SUBNET)) {
		snprintf(out, len, CFS_DEFAULT_NETWORK);
		return;
	}
	cfs_ip4_format(net.addr, ip);
	snprintf(out, len, "%s-%u", ip, net.prefix);
}

int cfs_net_free_bridge(struct cfs_nl *nl, const struct cfs_network *nets,
			size_t n, char out[IFNAMSIZ], cfs_error_t *err)
{
	for (unsigned i = 0; i < 100000; i++) {
		cfs_error_t e2 = { 0 };
		bool used = false;
		int idx;

		snprintf(out, IFNAMSIZ, "cfsbr%u", i);
		for (size_t j = 0; j < n && !used; j++)
			used = nets[j].mode == CFS_MODE_BRIDGE &&
			       !strcmp(nets[j].ifname, out);
		if (used)
			continue;
		/* A link of that name that is not in our state is somebody
		 * else's: skip the name. */
		if (cfs_nl_link_index(nl, out, &idx, &e2) == 0)
			continue;
		if (e2.errnum != ENODEV) {
			*err = e2;
			return -1;
		}
		return 0;
	}
	return cfs_fail(err, 0, "no free bridge name");
}

void cfs_attach_host_veth(const char *name, unsigned k, char out[IFNAMSIZ])
{
	/* "cfsK-NAME": its fourth character is a digit, never the '-' of a
	 * first interface's "cfs-NAME", so the two cannot collide. */
	char longname[64];

	if (strlen(name) <= IFNAMSIZ - 1 - 5) {
		snprintf(out, IFNAMSIZ, "cfs%u-%s", k % 10, name);
		return;
	}
	/* Long names: "cfsK-" + 5 characters + 5 hex digits of a hash. */
	cfs_host_veth_name(name, longname);
	snprintf(out, IFNAMSIZ, "cfs%u-%.5s%s", k % 10, name,
		 longname + strlen(longname) - 5);
}

static int cmp_fw_net(const void *a, const void *b)
{
	return strcmp(((const struct cfs_fw_net *)a)->name,
		      ((const struct cfs_fw_net *)b)->name);
}

/* The rule model of nets (and extra) in one order whatever the order of
 * the calls that made the networks (the state lists them by name): the
 * same networks, the same chain. With the ports their containers (in st,
 * and with) publish. */
static int fw_model(struct cfs_state *st, const struct cfs_network *nets,
		    size_t n, const struct cfs_network *extra,
		    const struct cfs_container *with, struct cfs_fw_net **fwp,
		    size_t *kp, struct cfs_fw_port **ports, size_t *np,
		    cfs_error_t *err)
{
	struct cfs_fw_net *fw;
	size_t k = 0;

	*ports = NULL;
	*np = 0;
	if (cfs_ports_collect(st, nets, n, extra, with, NULL, ports, np, err) < 0)
		return -1;
	fw = calloc(n + 1, sizeof(*fw));
	if (!fw) {
		free(*ports);
		*ports = NULL;
		return cfs_fail(err, ENOMEM, "building firewall rules");
	}
	for (size_t i = 0; i <= n; i++) {
		const struct cfs_network *src = i < n ? &nets[i] : extra;

		if (!src)
			continue;
		snprintf(fw[k].name, sizeof(fw[k].name), "%s", src->name);
		fw[k].subnet.addr = cfs_cidr_network(&src->subnet);
		fw[k].subnet.prefix = src->subnet.prefix;
		snprintf(fw[k].ifname, sizeof(fw[k].ifname), "%s", src->ifname);
		fw[k].internal = src->internal;
		fw[k].has6 = src->has6;
		fw[k].subnet6 = src->subnet6;
		k++;
	}
	qsort(fw, k, sizeof(*fw), cmp_fw_net);
	*fwp = fw;
	*kp = k;
	return 0;
}

int cfs_fw_sync_nets(struct cfs_state *st, const struct cfs_network *nets,
		     size_t n, const struct cfs_network *extra,
		     const struct cfs_container *with, cfs_error_t *err)
{
	struct cfs_fw_net *fw;
	struct cfs_fw_port *ports;
	size_t k, np;
	int r;

	if (fw_model(st, nets, n, extra, with, &fw, &k, &ports, &np, err) < 0)
		return -1;
	r = cfs_fw_sync_ports(fw, k, ports, np, err);
	if (r == 0)
		r = cfs_fw6_sync(fw, k, err);
	free(fw);
	free(ports);
	return r;
}

int cfs_fw_diff_nets(struct cfs_state *st, const struct cfs_network *nets,
		     size_t n, bool *differs, cfs_error_t *err)
{
	struct cfs_fw_net *fw;
	struct cfs_fw_port *ports;
	size_t k, np;
	int r;

	if (fw_model(st, nets, n, NULL, NULL, &fw, &k, &ports, &np, err) < 0)
		return -1;
	r = cfs_fw_diff_ports(fw, k, ports, np, differs, err);
	free(fw);
	free(ports);
	return r;
}

/* Picks (or checks) an address of network net for container name and
 * records the lease in net. */
int cfs_net_lease(struct cfs_network *net, const char *name,
			 const struct cfs_cidr *want, bool first_host,
			 struct cfs_cidr *out, cfs_error_t *err)
{
	char ip[CFS_IP4_STRLEN];
	uint32_t addr;

	if (net->vni)
		return cfs_vxlan_lease(net, name, want, out, err);
	if (want) {
		addr = want->addr;
		for (size_t i = 0; i < net->nleases; i++)
			if (net->leases[i].addr == addr) {
				cfs_ip4_format(addr, ip);
				return cfs_fail(err, 0, "address %s is taken by container %s",
						ip, net->leases[i].name);
			}
	} else if (first_host) {
		addr = cfs_cidr_gateway(&net->subnet) + 1;
	} else {
		uint32_t *used = calloc(net->nleases + 1, sizeof(*used));
		int r;

		if (!used)
			return cfs_fail(err, ENOMEM, "allocating an address");
		for (size_t i = 0; i < net->nleases; i++)
			used[i] = net->leases[i].addr;
		r = cfs_ipam_lowest_free(&net->subnet, used, net->nleases, &addr);
		free(used);
		if (r < 0)
			return cfs_fail(err, 0, "network %s has no free address",
					net->name);
	}
	out->addr = addr;
	out->prefix = net->subnet.prefix;
	return cfs_network_add_lease(net, addr, name, err);
}

/* ---- making a network --------------------------------------------------- */

static void undo_bridge(void *arg)
{
	struct net_ctx *c = arg;
	cfs_error_t e = { 0 };

	if (cfs_nl_queue_link_del(c->nl, c->net.ifname, CFS_NL_MISSING_OK, &e) == 0)
		cfs_nl_flush(c->nl, &e);
}

static int step_bridge(struct net_ctx *c, cfs_error_t *err)
{
	struct cfs_link_set ll = { .ifname = c->net.ifname, .no_ipv6_ll = true };
	struct cfs_link_set up = { .ifname = c->net.ifname, .up = true,
				   .alias = CFS_LINK_ALIAS };
	struct cfs_cidr gw = { cfs_net_gateway(&c->net), c->net.subnet.prefix };

	/* The fault fires whether or not the step had work to do: a rollback
	 * must then leave what others use (an existing bridge) alone. */
	if (c->net.mode != CFS_MODE_BRIDGE)
		return cfs_fault("bridge", err);
	if (c->old)
		return cfs_nl_link_index(c->nl, c->net.ifname, &c->bridge_idx, err) < 0
			       ? -1 : cfs_fault("bridge", err);
	ll.no_ipv6_ll = cfs_ipv6_capable_mtu(c->net.mtu);
	/* Created down: no IPv6 link-local address is wanted on it, and that
	 * must be set before it goes up. */
	if (cfs_nl_queue_bridge(c->nl, c->net.ifname, c->net.mtu, err) < 0 ||
	    cfs_nl_queue_link_set(c->nl, &ll, "configuring the bridge", err) < 0 ||
	    cfs_nl_queue_link_set(c->nl, &up, "bringing the bridge up", err) < 0)
		return -1;
	if (cfs_nl_flush(c->nl, err) < 0) {
		/* EEXIST: somebody else's link of that name; leave it alone. */
		if (err->errnum != EEXIST)
			undo_bridge(c);
		return -1;
	}
	cfs_undo_push(c->undo, undo_bridge, c);
	if (cfs_nl_link_index(c->nl, c->net.ifname, &c->bridge_idx, err) < 0 ||
	    cfs_nl_queue_addr4(c->nl, c->bridge_idx, c->net.ifname, &gw, err) < 0 ||
	    cfs_nl_flush(c->nl, err) < 0 ||
	    cfs_gateway6_on(c->nl, c->bridge_idx, c->net.ifname, &c->net, err) < 0 ||
	    cfs_vxlan_step(c, err) < 0)
		return -1;
	return cfs_fault("bridge", err);
}

static void undo_forward(void *arg)
{
	struct net_ctx *c = arg;
	cfs_error_t e = { 0 };

	cfs_ip_forward_set(c->host.ip_forward, &e);
	c->host.saved = false;
	cfs_host_save(c->st, &c->host, &e);
}

/* ip_forward is on while any cfsnet network exists; the value found before
 * the first one is kept in the state and restored after the last. */
static int step_forward(struct net_ctx *c, cfs_error_t *err)
{
	if (c->old || c->nnets)
		return cfs_fault("ip-forward", err);
	if (cfs_host_load(c->st, &c->host, err) < 0)
		return -1;
	if (!c->host.saved) {
		if (cfs_ip_forward_get(&c->host.ip_forward, err) < 0)
			return -1;
		c->host.saved = true;
		if (cfs_host_save(c->st, &c->host, err) < 0)
			return -1;
	}
	cfs_undo_push(c->undo, undo_forward, c);
	if (cfs_ip_forward_set(1, err) < 0)
		return -1;
	return cfs_fault("ip-forward", err);
}

static void undo_firewall(void *arg)
{
	struct net_ctx *c = arg;
	cfs_error_t e = { 0 };

	cfs_fw_sync_nets(c->st, c->nets, c->nnets, NULL, NULL, &e);
}

static int step_firewall(struct net_ctx *c, cfs_error_t *err)
{
	if (c->old)
		return cfs_fault("firewall", err);
	cfs_undo_push(c->undo, undo_firewall, c);
	if (cfs_fw_sync_nets(c->st, c->nets, c->nnets, &c->net, c->with, err) < 0)
		return -1;
	return cfs_fault("firewall", err);
}

int cfs_net_realize(struct net_ctx *c, cfs_error_t *err)
{
	if (step_bridge(c, err) < 0 || step_forward(c, err) < 0 ||
	    cfs_forward6_step(c, err) < 0 || step_firewall(c, err) < 0)
		return -1;
	return 0;
}

/* ---- removing one ----------------------------------------------------- */

static int after_removal(struct cfs_state *st, cfs_error_t *err)
{
	struct cfs_network *nets;
	struct cfs_host h;
	size_t n;
	int r;

	if (cfs_network_load_all(st, &nets, &n, err) < 0)
		return -1;
	r = cfs_fw_sync_nets(st, nets, n, NULL, NULL, err);
	if (r == 0)
		r = cfs_forward6_after_removal(st, nets, n, err);
	cfs_networks_free(nets, n);
	if (r < 0 || n > 0)
		return r;
	if (cfs_host_load(st, &h, err) < 0)
		return -1;
	if (!h.saved)
		return 0;
	if (cfs_ip_forward_set(h.ip_forward, err) < 0)
		return -1;
	h.saved = false;
	return cfs_host_save(st, &h, err);
}

int cfs_net_remove(struct cfs_state *st, struct cfs_network *net,
		   cfs_error_t *err)
{
	if (net->mode == CFS_MODE_BRIDGE) {
		cleanup_nl struct cfs_nl *nl = NULL;

		if (cfs_nl_open(&nl, err) < 0 ||
		    cfs_vxlan_remove(nl, net, err) < 0 ||
		    cfs_nl_queue_link_del(nl, net->ifname, CFS_NL_MISSING_OK, err) < 0 ||
		    cfs_nl_flush(nl, err) < 0)
			return -1;
	}
	cfs_crash_point("net-remove-bridge");
	if (cfs_network_remove(st, net->name, err) < 0)
		return -1;
	cfs_crash_point("net-remove-state");
	return after_removal(st, err);
}

int cfs_net_leave(struct cfs_state *st, const char *netname, const char *name,
		  cfs_error_t *err)
{
	struct cfs_network net;
	cfs_error_t e2 = { 0 };
	int r;

	if (cfs_network_load(st, netname, &net, &e2) < 0) {
		if (e2.errnum == ENOENT)
			return 0;
		*err = e2;
		return -1;
	}
	cfs_network_del_lease(&net, name);
	if (net.nleases == 0 && !net.keep)
		r = cfs_net_remove(st, &net, err);
	else
		r = cfs_network_save(st, &net, err);
	cfs_network_free(&net);
	return r;
}

/* ---- net create / rm / ls --------------------------------------------- */

int cfs_check_subnet(const char *s, struct cfs_cidr *out, cfs_error_t *err)
{
	struct cfs_cidr c;
	char want[CFS_CIDR_STRLEN];

	if (cfs_cidr_parse(s, &c) < 0)
		return cfs_fail(err, 0, "invalid subnet '%s': expected A.B.C.D/PREFIX", s);
	if (c.prefix < 8 || c.prefix > 30)
		return cfs_fail(err, 0, "invalid subnet '%s': prefix must be 8..30", s);
	if (c.addr != cfs_cidr_network(&c)) {
		c.addr = cfs_cidr_network(&c);
		cfs_cidr_format(&c, want);
		return cfs_fail(err, 0, "invalid subnet '%s': not a network address (%s?)",
				s, want);
	}
	*out = c;
	return 0;
}

static int net_create_locked(struct cfs_state *st, const struct cfs_net_opts *o,
			     cfs_error_t *err)
{
	struct cfs_undo undo = { 0 };
	struct net_ctx c = { .st = st, .undo = &undo };
	char have[CFS_CIDR_STRLEN];
	int r = -1;

	if (cfs_network_load_all(st, &c.nets, &c.nnets, err) < 0)
		return -1;
	for (size_t i = 0; i < c.nnets; i++) {
		if (!strcmp(c.nets[i].name, o->name)) {
			cfs_fail(err, 0, "network %s exists", o->name);
			goto out;
		}
		if (cfs_cidr_overlaps(&c.nets[i].subnet, &o->subnet)) {
			cfs_cidr_format(&c.nets[i].subnet, have);
			cfs_fail(err, 0, "subnet overlaps network %s (%s)",
				 c.nets[i].name, have);
			goto out;
		}
	}
	if (o->has6 && cfs_net_check_overlap6(&o->subnet6, c.nets, c.nnets, NULL, err) < 0)
		goto out;
	snprintf(c.net.name, sizeof(c.net.name), "%s", o->name);
	c.net.mode = CFS_MODE_BRIDGE;
	c.net.subnet = o->subnet;
	c.net.mtu = o->mtu ? o->mtu : CFS_DEFAULT_MTU;
	c.net.internal = o->internal;
	c.net.keep = true;
	c.net.has6 = o->has6;
	c.net.subnet6 = o->subnet6;
	c.net.vni = o->vni;
	c.net.remote = o->remote;
	c.net.local = o->local;
	if (cfs_nl_open(&c.nl, err) < 0 ||
	    (o->vni && cfs_vxlan_plan(c.nl, &c.net, o->mtu, c.nets, c.nnets, err) < 0) ||
	    cfs_net_free_bridge(c.nl, c.nets, c.nnets, c.net.ifname, err) < 0)
		goto out;
	if (cfs_net_realize(&c, err) < 0 || cfs_network_save(st, &c.net, err) < 0 ||
	    cfs_fault("state", err) < 0) {
		cfs_network_remove(st, c.net.name, &(cfs_error_t){ 0 });
		cfs_undo_run(&undo);
		goto out;
	}
	r = 0;
out:
	cfs_nl_close(c.nl);
	cfs_networks_free(c.nets, c.nnets);
	return r;
}

int cfs_net_create(const struct cfs_net_opts *o, cfs_error_t *err)
{
	struct cfs_state st;
	int r;

	if (cfs_check_name(o->name, err) < 0)
		return cfs_error_wrap(err, "net create %s", o->name);
	if (cfs_state_open(&st, CFS_STATE_DIR, true, err) < 0)
		return cfs_error_wrap(err, "net create %s", o->name);
	r = net_create_locked(&st, o, err);
	cfs_state_close(&st);
	return r < 0 ? cfs_error_wrap(err, "net create %s", o->name) : 0;
}

int cfs_net_rm(const char *name, cfs_error_t *err)
{
	struct cfs_state st;
	struct cfs_network net;
	int r = -1;

	if (cfs_check_name(name, err) < 0 ||
	    cfs_state_open(&st, CFS_STATE_DIR, true, err) < 0)
		return cfs_error_wrap(err, "net rm %s", name);
	if (cfs_network_load(&st, name, &net, err) < 0) {
		if (err->errnum == ENOENT)
			cfs_fail(err, 0, "no such network");
		goto out;
	}
	if (net.nleases) {
		cfs_fail(err, 0, "network is in use by %zu container(s), first %s",
			 net.nleases, net.leases[0].name);
		cfs_network_free(&net);
		goto out;
	}
	r = cfs_net_remove(&st, &net, err);
	cfs_network_free(&net);
	cfs_state_prune(&st);
out:
	cfs_state_close(&st);
	return r < 0 ? cfs_error_wrap(err, "net rm %s", name) : 0;
}

int cfs_net_list(struct cfs_network **nets, size_t *n, cfs_error_t *err)
{
	struct cfs_state st;

	if (cfs_state_open(&st, CFS_STATE_DIR, false, err) < 0 ||
	    cfs_network_load_all(&st, nets, n, err) < 0)
		return cfs_error_wrap(err, "net ls");
	return 0;
}

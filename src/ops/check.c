/* check.c - `cfsnet check NAME [--fix]`: what the state says NAME has,
 * compared with what the kernel has (namespace, veth, address, routes,
 * bridge, firewall rules, ip_forward); with --fix, and on a second `up` of
 * the same container, each difference is repaired. Runs under the state
 * lock, so nothing changes underneath. */
#define _GNU_SOURCE
#include "ops-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "../common/util.h"
#include "../ns/ns.h"

struct check_ctx {
	struct cfs_state *st;
	const struct cfs_container *c;
	struct cfs_network net;
	bool have_net;
	bool fix;
	struct cfs_report *rep;
	size_t ndrift;
	struct cfs_nl *nl;
	int nsfd;
	int bridge_idx;
};

__attribute__((format(printf, 2, 3)))
static void drift(struct check_ctx *k, const char *fmt, ...)
{
	char (*v)[CFS_REPORT_LINE];
	va_list ap;

	k->ndrift++;
	if (!k->rep)
		return;
	v = realloc(k->rep->lines, (k->rep->n + 1) * sizeof(*v));
	if (!v)
		return;
	k->rep->lines = v;
	va_start(ap, fmt);
	vsnprintf(v[k->rep->n], CFS_REPORT_LINE, fmt, ap);
	va_end(ap);
	k->rep->n++;
}

static int make_bridge(struct check_ctx *k, const struct cfs_network *n, int *idx,
		       cfs_error_t *err)
{
	struct cfs_link_set ll = { .ifname = n->ifname,
				   .no_ipv6_ll = cfs_ipv6_capable_mtu(n->mtu) };
	struct cfs_link_set up = { .ifname = n->ifname, .up = true,
				   .alias = CFS_LINK_ALIAS };
	struct cfs_cidr gw = { cfs_cidr_gateway(&n->subnet), n->subnet.prefix };

	if (cfs_nl_queue_bridge(k->nl, n->ifname, n->mtu, err) < 0 ||
	    (ll.no_ipv6_ll &&
	     cfs_nl_queue_link_set(k->nl, &ll, "configuring the bridge", err) < 0) ||
	    cfs_nl_queue_link_set(k->nl, &up, "bringing the bridge up", err) < 0 ||
	    cfs_nl_flush(k->nl, err) < 0 ||
	    cfs_nl_link_index(k->nl, n->ifname, &*idx, err) < 0 ||
	    cfs_nl_queue_addr4(k->nl, *idx, n->ifname, &gw, err) < 0)
		return -1;
	/* Every member's host end was released when the bridge went. */
	for (size_t i = 0; i < n->nleases; i++) {
		struct cfs_container m;
		struct cfs_link_set port = { .master = *idx };
		cfs_error_t e2 = { 0 };

		if (cfs_container_load(k->st, n->leases[i].name, &m, &e2) < 0)
			continue;
		port.ifname = strcmp(m.network, n->name) ? NULL : m.host_veth;
		for (size_t a = 0; !port.ifname && a < m.nattach; a++)
			if (!strcmp(m.attach[a].network, n->name))
				port.ifname = m.attach[a].host_veth;
		if (port.ifname &&
		    cfs_nl_link_index(k->nl, port.ifname, &port.ifindex, &e2) == 0 &&
		    cfs_nl_queue_link_set(k->nl, &port, "putting a port back on the bridge",
					  err) < 0)
			return -1;
	}
	return cfs_nl_flush(k->nl, err);
}

/* The network's bridge, and on it the gateway address. */
static int check_bridge(struct check_ctx *k, cfs_error_t *err)
{
	cfs_error_t e2 = { 0 };

	if (!k->have_net || k->net.mode != CFS_MODE_BRIDGE)
		return 0;
	if (cfs_nl_link_index(k->nl, k->net.ifname, &k->bridge_idx, &e2) == 0)
		return 0;
	if (e2.errnum != ENODEV) {
		*err = e2;
		return -1;
	}
	drift(k, "bridge %s of network %s is missing", k->net.ifname, k->net.name);
	return k->fix ? make_bridge(k, &k->net, &k->bridge_idx, err) : 0;
}

static bool netns_mounted(const char *name)
{
	char path[64];
	struct statfs sfs;
	int fd;
	bool ok;

	snprintf(path, sizeof(path), CFS_NETNS_DIR "/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	ok = fstatfs(fd, &sfs) == 0 && sfs.f_type == NSFS_MAGIC;
	close(fd);
	return ok;
}

/* The namespace; a missing one is made anew (empty: the next steps fill it). */
static int check_netns(struct check_ctx *k, cfs_error_t *err)
{
	const char *name = k->c->name;

	if (netns_mounted(name))
		return cfs_netns_open(name, &k->nsfd, err);
	drift(k, "network namespace %s is missing", name);
	if (!k->fix)
		return 0;
	if (cfs_netns_delete(name, err) < 0)
		return -1;
	return cfs_netns_create(name, &k->nsfd, err);
}

/* One interface of the container and its host end: the first network's
 * (gateway and lo set) or a further one of `connect` (no gateway, no lo). */
struct iface {
	const char *ifname, *host_veth, *bridge;   /* bridge NULL: --no-bridge */
	const struct cfs_cidr *ip;
	uint32_t gateway;
	int bridge_idx;
	unsigned mtu;
	bool lo;
};

static int check_iface(struct check_ctx *k, const struct iface *f, cfs_error_t *err)
{
	const struct cfs_container *c = k->c;
	struct cfs_ct_info info, lo;
	char want_ip[CFS_CIDR_STRLEN], want_gw[CFS_IP4_STRLEN], gw_cidr[CFS_CIDR_STRLEN];
	struct cfs_cidr gw = { f->gateway, f->ip->prefix };
	cleanup_nl struct cfs_nl *in = NULL;
	bool veth = !f->bridge;

	if (cfs_ct_info_read(k->nsfd, f->ifname, f->host_veth, NULL, &info, err) < 0 ||
	    (f->lo && cfs_ct_info_read(k->nsfd, "lo", NULL, NULL, &lo, err) < 0))
		return -1;
	cfs_cidr_format(f->ip, want_ip);
	cfs_ip4_format(f->gateway, want_gw);
	cfs_cidr_format(&gw, gw_cidr);

	if (!info.inside.found || !info.host.found) {
		drift(k, "veth %s - %s is missing", f->host_veth, f->ifname);
		if (!k->fix)
			return 0;
		if (cfs_veth_into(k->nl, k->nsfd, f->host_veth, f->ifname, f->mtu,
				  veth ? 0 : f->bridge_idx, NULL, err) < 0)
			return -1;
		if (veth) {
			int idx;

			if (cfs_nl_link_index(k->nl, f->host_veth, &idx, err) < 0 ||
			    cfs_nl_queue_addr4(k->nl, idx, f->host_veth, &gw, err) < 0 ||
			    cfs_nl_flush(k->nl, err) < 0)
				return -1;
		}
		return cfs_nl_open_in(k->nsfd, &in, err) < 0 ? -1 :
		       cfs_config_inside(in, f->ifname, 0, f->ip, f->gateway, f->lo,
					 f->mtu, err);
	}

	if (cfs_nl_open_in(k->nsfd, &in, err) < 0)
		return -1;
	if (f->lo && !lo.inside.admin_up) {
		struct cfs_link_set s = { .ifindex = 1, .up = true };

		drift(k, "lo is down in %s", c->name);
		if (k->fix && cfs_nl_queue_link_set(in, &s, "bringing lo up", err) < 0)
			return -1;
	}
	if (!info.inside.admin_up) {
		struct cfs_link_set s = { .ifindex = info.inside.ifindex, .up = true };

		drift(k, "%s is down in %s", f->ifname, c->name);
		if (k->fix && cfs_nl_queue_link_set(in, &s, "bringing the container's link up",
						    err) < 0)
			return -1;
	}
	if (strcmp(info.inside.addr4, want_ip)) {
		drift(k, "address %s is missing on %s", want_ip, f->ifname);
		if (k->fix && cfs_nl_queue_addr4(in, info.inside.ifindex, f->ifname, f->ip,
						 err) < 0)
			return -1;
	}
	if (k->fix && cfs_nl_flush(in, err) < 0)
		return -1;
	/* The route needs the link up and the address in place. */
	if (f->gateway && strcmp(info.gateway, want_gw)) {
		drift(k, "default route via %s is missing in %s", want_gw, c->name);
		if (k->fix && (cfs_nl_queue_route4(in, 0, 0, f->gateway,
						   info.inside.ifindex, err) < 0 ||
			       cfs_nl_flush(in, err) < 0))
			return -1;
	}

	if (!info.host.admin_up) {
		struct cfs_link_set s = { .ifindex = info.host.ifindex, .up = true };

		drift(k, "host veth %s is down", f->host_veth);
		if (k->fix && cfs_nl_queue_link_set(k->nl, &s, "bringing the host veth up",
						    err) < 0)
			return -1;
	}
	if (!veth && strcmp(info.host.master, f->bridge)) {
		struct cfs_link_set s = { .ifindex = info.host.ifindex,
					  .master = f->bridge_idx };

		drift(k, "host veth %s is not on bridge %s", f->host_veth, f->bridge);
		if (k->fix && f->bridge_idx &&
		    cfs_nl_queue_link_set(k->nl, &s, "putting the host veth on the bridge",
					  err) < 0)
			return -1;
	}
	if (veth && strcmp(info.host.addr4, gw_cidr)) {
		drift(k, "gateway address %s is missing on %s", gw_cidr, f->host_veth);
		if (k->fix && cfs_nl_queue_addr4(k->nl, info.host.ifindex, f->host_veth,
						 &gw, err) < 0)
			return -1;
	}
	return k->fix ? cfs_nl_flush(k->nl, err) : 0;
}

/* The first network's interface, then those of `connect`. */
static int check_links(struct check_ctx *k, cfs_error_t *err)
{
	const struct cfs_container *c = k->c;
	struct iface f = {
		.ifname = c->ifname, .host_veth = c->host_veth,
		.bridge = c->mode == CFS_MODE_BRIDGE ? c->bridge : NULL,
		.ip = &c->ip, .gateway = c->gateway, .bridge_idx = k->bridge_idx,
		.mtu = c->mtu, .lo = true,
	};

	if (k->nsfd < 0)
		return 0; /* reported already, not fixed */
	if (check_iface(k, &f, err) < 0)
		return -1;
	for (size_t i = 0; i < c->nattach; i++) {
		const struct cfs_attach *a = &c->attach[i];
		struct cfs_network net;
		cfs_error_t e2 = { 0 };
		int r;

		if (cfs_network_load(k->st, a->network, &net, &e2) < 0) {
			drift(k, "network %s (of %s) has no state (not fixable: disconnect and connect again)",
			      a->network, a->ifname);
			continue;
		}
		f = (struct iface){ .ifname = a->ifname, .host_veth = a->host_veth,
				    .bridge = net.ifname, .ip = &a->ip, .mtu = net.mtu };
		r = cfs_nl_link_index(k->nl, net.ifname, &f.bridge_idx, &e2);
		if (r < 0 && e2.errnum == ENODEV) {
			drift(k, "bridge %s of network %s is missing", net.ifname, net.name);
			r = k->fix ? make_bridge(k, &net, &f.bridge_idx, err) : 0;
		} else if (r < 0) {
			*err = e2;
		}
		if (r == 0)
			r = check_iface(k, &f, err);
		cfs_network_free(&net);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* The static routes of `cfsnet route add`. */
static int check_routes(struct check_ctx *k, cfs_error_t *err)
{
	const struct cfs_container *c = k->c;
	cleanup_nl struct cfs_nl *in = NULL;
	struct cfs_route4 *have = NULL;
	size_t n = 0, queued = 0;
	int r = 0;

	if (k->nsfd < 0 || c->nroutes == 0)
		return 0;
	if (cfs_routes4_read(k->nsfd, &have, &n, err) < 0)
		return -1;
	if (k->fix && cfs_nl_open_in(k->nsfd, &in, err) < 0) {
		free(have);
		return -1;
	}
	for (size_t i = 0; i < c->nroutes && r == 0; i++) {
		const struct cfs_route *want = &c->routes[i];
		char dst[CFS_CIDR_STRLEN], gw[CFS_IP4_STRLEN];
		bool found = false;

		for (size_t j = 0; j < n && !found; j++)
			found = have[j].dst == want->dst.addr &&
				have[j].prefix == want->dst.prefix && have[j].gw == want->gw;
		if (found)
			continue;
		cfs_cidr_format(&want->dst, dst);
		cfs_ip4_format(want->gw, gw);
		drift(k, "route %s via %s is missing in %s", dst, gw, c->name);
		if (k->fix) {
			r = cfs_nl_queue_route4(in, want->dst.addr, want->dst.prefix, want->gw,
						0, err);
			queued++;
		}
	}
	free(have);
	if (r == 0 && queued)
		r = cfs_nl_flush(in, err);
	return r;
}

/* The bridge holds the gateway address and is up. */
static int check_bridge_addr(struct check_ctx *k, cfs_error_t *err)
{
	struct cfs_ct_info info;
	struct cfs_cidr gw;
	char want[CFS_CIDR_STRLEN];

	if (!k->have_net || k->net.mode != CFS_MODE_BRIDGE || k->nsfd < 0 ||
	    !k->bridge_idx)
		return 0;
	gw.addr = cfs_cidr_gateway(&k->net.subnet);
	gw.prefix = k->net.subnet.prefix;
	cfs_cidr_format(&gw, want);
	if (cfs_ct_info_read(k->nsfd, NULL, k->net.ifname, NULL, &info, err) < 0)
		return -1;
	if (!info.host.admin_up) {
		struct cfs_link_set s = { .ifindex = k->bridge_idx, .up = true };

		drift(k, "bridge %s is down", k->net.ifname);
		if (k->fix && cfs_nl_queue_link_set(k->nl, &s, "bringing the bridge up", err) < 0)
			return -1;
	}
	if (strcmp(info.host.addr4, want)) {
		drift(k, "gateway address %s is missing on bridge %s", want, k->net.ifname);
		if (k->fix && cfs_nl_queue_addr4(k->nl, k->bridge_idx, k->net.ifname, &gw,
						 err) < 0)
			return -1;
	}
	return k->fix ? cfs_nl_flush(k->nl, err) : 0;
}

/* Every network's rules (a flushed nat table loses them all), and
 * ip_forward. */
static int check_host(struct check_ctx *k, cfs_error_t *err)
{
	struct cfs_network *nets;
	size_t n;
	bool differs = false;
	int fwd, r = 0;

	if (cfs_network_load_all(k->st, &nets, &n, err) < 0)
		return -1;
	if (cfs_fw_diff_nets(k->st, nets, n, &differs, err) < 0) {
		r = -1;
	} else if (differs) {
		drift(k, "firewall rules differ from the state (NAT, forwarding or published-port rules missing)");
		if (k->fix)
			r = cfs_fw_sync_nets(k->st, nets, n, NULL, NULL, err);
	}
	cfs_networks_free(nets, n);
	if (r < 0 || cfs_ip_forward_get(&fwd, err) < 0)
		return -1;
	if (fwd != 1) {
		drift(k, "ip_forward is %d", fwd);
		if (k->fix)
			return cfs_ip_forward_set(1, err);
	}
	return 0;
}

int cfs_check_locked(struct cfs_state *st, const struct cfs_container *c,
		     bool fix, struct cfs_report *rep, cfs_error_t *err)
{
	struct check_ctx k = { .st = st, .c = c, .fix = fix, .rep = rep, .nsfd = -1 };
	cfs_error_t e2 = { 0 };
	int r;

	if (cfs_network_load(st, c->network, &k.net, &e2) == 0)
		k.have_net = true;
	else if (e2.errnum == ENOENT)
		drift(&k, "network %s has no state (not fixable: down and up again)",
		      c->network);
	else
		return (*err = e2, -1);
	r = cfs_nl_open(&k.nl, err);
	if (r == 0)
		r = check_bridge(&k, err) < 0 || check_netns(&k, err) < 0 ||
		    check_links(&k, err) < 0 || check_routes(&k, err) < 0 ||
		    check_bridge_addr(&k, err) < 0 ||
		    check_host(&k, err) < 0 ? -1 : 0;
	if (k.nsfd >= 0)
		close(k.nsfd);
	cfs_nl_close(k.nl);
	if (k.have_net)
		cfs_network_free(&k.net);
	return r;
}

int cfs_check(const char *name, bool fix, struct cfs_report *rep,
	      cfs_error_t *err)
{
	struct cfs_state st;
	struct cfs_container c;
	int r;

	memset(rep, 0, sizeof(*rep));
	if (cfs_check_name(name, err) < 0 ||
	    cfs_state_open(&st, CFS_STATE_DIR, true, err) < 0)
		return cfs_error_wrap(err, "check %s", name);
	r = cfs_container_load(&st, name, &c, err);
	if (r < 0 && err->errnum == ENOENT)
		cfs_fail(err, 0, "no such container");
	if (r == 0)
		r = cfs_check_locked(&st, &c, fix, rep, err);
	cfs_state_close(&st);
	return r < 0 ? cfs_error_wrap(err, "check %s", name) : 0;
}

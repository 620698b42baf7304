/* shape.c - traffic shaping of a container's link: a tbf qdisc on both
 * ends of its veth, so the rate holds in both directions (the container's
 * end shapes what it sends, the host end what it receives). Used by `up
 * --rate`, `connect --rate` and `cfsnet link set`. The qdiscs go with the
 * links; nothing is kept in the state. */
#define _GNU_SOURCE
#include "ops-internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../ns/ns.h"

int cfs_check_rate(const char *rate, const char *burst,
		   struct cfs_shape *out, cfs_error_t *err)
{
	memset(out, 0, sizeof(*out));
	if (!rate) {
		if (burst)
			return cfs_fail(err, 0, "--burst needs --rate");
		return 0;
	}
	if (cfs_rate_parse(rate, &out->rate) < 0)
		return cfs_fail(err, 0,
				"invalid rate '%s': expected a number and a unit as tc writes it (500kbit, 10mbit, 1gbit, 100kbps)",
				rate);
	if (burst) {
		if (cfs_size_parse(burst, &out->burst) < 0)
			return cfs_fail(err, 0,
					"invalid burst '%s': expected a size (32k, 64kb, 1m, 20000)",
					burst);
		if (out->burst < CFS_TBF_MIN_BURST)
			return cfs_fail(err, 0,
					"invalid burst '%s': must be at least %u bytes (a few full frames)",
					burst, CFS_TBF_MIN_BURST);
	} else {
		out->burst = cfs_tbf_default_burst(out->rate);
	}
	return 0;
}

int cfs_check_netem(const char *delay, const char *loss, cfs_error_t *err)
{
	const char *opt = delay ? "--delay" : "--loss";

	if (!delay && !loss)
		return 0;
	if (!cfs_netem_available())
		return cfs_fail(err, 0,
				"%s needs the netem qdisc, and this kernel has no netem (sch_netem): only rate limits (tbf) are available",
				opt);
	return cfs_fail(err, 0, "%s is not supported by cfsnet yet: only rate limits (tbf)",
			opt);
}

/* One end: a tbf (rate > 0) or the default qdisc back (rate 0). */
static int shape_one(struct cfs_nl *nl, const char *ifname,
		     const struct cfs_shape *s, cfs_error_t *err)
{
	int idx;

	if (cfs_nl_link_index(nl, ifname, &idx, err) < 0)
		return -1;
	if (s->rate) {
		if (cfs_nl_queue_qdisc_tbf(nl, idx, ifname, s->rate, s->burst, err) < 0)
			return -1;
	} else if (cfs_nl_queue_qdisc_del(nl, idx, ifname, CFS_NL_MISSING_OK, err) < 0) {
		return -1;
	}
	return cfs_nl_flush(nl, err);
}

int cfs_shape_link(int nsfd, const char *ifname, const char *host_veth,
		   const struct cfs_shape *s, cfs_error_t *err)
{
	cleanup_nl struct cfs_nl *in = NULL;
	cleanup_nl struct cfs_nl *host = NULL;

	if (cfs_nl_open_in(nsfd, &in, err) < 0 || cfs_nl_open(&host, err) < 0 ||
	    shape_one(in, ifname, s, err) < 0 ||
	    shape_one(host, host_veth, s, err) < 0)
		return -1;
	return 0;
}

static int find_link(const struct cfs_container *ct, const char *ifname,
		     const char **host_veth)
{
	if (!ifname || !strcmp(ifname, ct->ifname)) {
		*host_veth = ct->host_veth;
		return 0;
	}
	for (size_t i = 0; i < ct->nattach; i++)
		if (!strcmp(ct->attach[i].ifname, ifname)) {
			*host_veth = ct->attach[i].host_veth;
			return 0;
		}
	return -1;
}

int cfs_link_shape(const char *name, const char *ifname,
		   const struct cfs_shape *s, cfs_error_t *err)
{
	struct cfs_state st;
	struct cfs_container ct;
	const char *host_veth;
	int nsfd = -1, r = -1;

	if (cfs_check_name(name, err) < 0 ||
	    cfs_state_open(&st, CFS_STATE_DIR, true, err) < 0)
		return cfs_error_wrap(err, "link set %s", name);
	if (cfs_container_load(&st, name, &ct, err) < 0) {
		if (err->errnum == ENOENT)
			cfs_fail(err, 0, "no such container");
		goto out;
	}
	if (find_link(&ct, ifname, &host_veth) < 0) {
		cfs_fail(err, 0, "container %s has no interface %s", name, ifname);
		goto out;
	}
	if (cfs_netns_open(name, &nsfd, err) < 0)
		goto out;
	r = cfs_shape_link(nsfd, ifname ? ifname : ct.ifname, host_veth, s, err);
	close(nsfd);
out:
	cfs_state_close(&st);
	return r < 0 ? cfs_error_wrap(err, "link set %s", name) : 0;
}

int cfs_connect_shaped(const char *name, const char *netname,
		       const struct cfs_cidr *ip, const struct cfs_shape *s,
		       struct cfs_attach *out, cfs_error_t *err)
{
	if (cfs_connect(name, netname, ip, out, err) < 0)
		return -1;
	if (!s->rate || cfs_link_shape(name, out->ifname, s, err) == 0)
		return 0;
	/* Connected but not shaped: take it back. */
	cfs_disconnect(name, netname, &(cfs_error_t){ 0 });
	return cfs_error_wrap(err, "connect %s %s", name, netname);
}

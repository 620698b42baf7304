/* down.c - `cfsnet down`: removes what `up` made; the last member of a
 * network takes the network (bridge, rules) with it, and the last network
 * takes cfsnet's chains and restores ip_forward. */
#include "ops.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"
#include "../ns/ns.h"

/* Rules for every remaining network (the chains go with the last one). */
static int fw_sync_state(struct cfs_state *st, cfs_error_t *err)
{
	struct cfs_network *nets;
	struct cfs_fw_net *fw;
	size_t n;
	int r;

	if (cfs_network_load_all(st, &nets, &n, err) < 0)
		return -1;
	fw = calloc(n + 1, sizeof(*fw));
	if (!fw) {
		cfs_networks_free(nets, n);
		return cfs_fail(err, ENOMEM, "building firewall rules");
	}
	for (size_t i = 0; i < n; i++) {
		memcpy(fw[i].name, nets[i].name, sizeof(nets[i].name));
		fw[i].subnet = nets[i].subnet;
		fw[i].subnet.addr = cfs_cidr_network(&nets[i].subnet);
		memcpy(fw[i].ifname, nets[i].ifname, sizeof(fw[i].ifname));
	}
	r = cfs_fw_sync(fw, n, err);
	if (r == 0 && n == 0) {
		struct cfs_host h;

		if (cfs_host_load(st, &h, err) < 0)
			r = -1;
		else if (h.saved) {
			r = cfs_ip_forward_set(h.ip_forward, err);
			h.saved = false;
			if (r == 0)
				r = cfs_host_save(st, &h, err);
		}
	}
	free(fw);
	cfs_networks_free(nets, n);
	return r;
}

static int remove_network(struct cfs_state *st, struct cfs_network *net,
			  cfs_error_t *err)
{
	if (net->mode == CFS_MODE_BRIDGE) {
		cleanup_nl struct cfs_nl *nl = NULL;

		if (cfs_nl_open(&nl, err) < 0 ||
		    cfs_nl_queue_link_del(nl, net->ifname, CFS_NL_MISSING_OK, err) < 0 ||
		    cfs_nl_flush(nl, err) < 0)
			return -1;
	}
	if (cfs_network_remove(st, net->name, err) < 0)
		return -1;
	return fw_sync_state(st, err);
}

static int down_locked(struct cfs_state *st, const char *name, cfs_error_t *err)
{
	struct cfs_container ct;
	struct cfs_network net = { 0 };
	cfs_error_t e2 = { 0 };
	int r = 0;

	if (cfs_container_load(st, name, &ct, &e2) < 0) {
		if (e2.errnum == ENOENT)
			return cfs_fail(err, 0, "no such container");
		*err = e2;
		return -1;
	}
	/* Dropping the namespace is all the container needs: the kernel
	 * removes its veth pair with it, asynchronously, which is much
	 * cheaper for the caller than deleting the veth first (the next `up`
	 * of the same name copes with a host end not yet gone). */
	if (cfs_netns_delete(name, err) < 0)
		return -1;
	if (cfs_network_load(st, ct.network, &net, &e2) == 0) {
		cfs_network_del_lease(&net, name);
		if (net.nleases == 0)
			r = remove_network(st, &net, err);
		else
			r = cfs_network_save(st, &net, err);
		cfs_network_free(&net);
	} else if (e2.errnum != ENOENT) {
		*err = e2;
		return -1;
	}
	if (r < 0)
		return -1;
	return cfs_container_remove(st, name, err);
}

int cfs_down(const char *name, cfs_error_t *err)
{
	struct cfs_state st;
	int r;

	if (cfs_check_name(name, err) < 0)
		return cfs_error_wrap(err, "down %s", name);
	if (cfs_state_open(&st, CFS_STATE_DIR, true, err) < 0)
		return cfs_error_wrap(err, "down %s", name);
	r = down_locked(&st, name, err);
	cfs_state_close(&st);
	return r < 0 ? cfs_error_wrap(err, "down %s", name) : 0;
}

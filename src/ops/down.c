/* down.c - `cfsnet down`: removes what `up` made; the last member of a
 * network takes the network (bridge, rules) with it unless it was made by
 * `net create`, and the last network takes cfsnet's chains and restores
 * ip_forward. */
#include "ops-internal.h"

#include <errno.h>
#include <string.h>

#include "../ns/ns.h"

static bool network_exists(struct cfs_state *st, const char *name)
{
	struct cfs_network net;
	cfs_error_t e2 = { 0 };

	if (cfs_network_load(st, name, &net, &e2) < 0)
		return false;
	cfs_network_free(&net);
	return true;
}

static int down_locked(struct cfs_state *st, const char *name, cfs_error_t *err)
{
	struct cfs_container ct;
	cfs_error_t e2 = { 0 };

	if (cfs_container_load(st, name, &ct, &e2) < 0) {
		if (e2.errnum == ENOENT)
			return cfs_fail(err, 0, "no such container");
		*err = e2;
		return -1;
	}
	/* Dropping the namespace is all the container needs: the kernel
	 * removes its veth pairs with it, asynchronously, which is much
	 * cheaper for the caller than deleting each veth first (the next `up`
	 * of the same name copes with a host end not yet gone). */
	if (cfs_netns_delete(name, err) < 0)
		return -1;
	cfs_crash_point("down-netns");
	for (size_t i = 0; i < ct.nattach; i++)
		if (cfs_net_leave(st, ct.attach[i].network, name, err) < 0)
			return -1;
	if (cfs_net_leave(st, ct.network, name, err) < 0)
		return -1;
	cfs_crash_point("down-leave");
	if (cfs_container_remove(st, name, err) < 0 || cfs_dns_remove(name, err) < 0)
		return -1;
	/* The members left no longer name it. */
	for (size_t i = 0; i < ct.nattach; i++)
		if (cfs_dns_sync_net(st, ct.attach[i].network, NULL, NULL, err) < 0)
			return -1;
	if (cfs_dns_sync_net(st, ct.network, NULL, NULL, err) < 0)
		return -1;
	/* Its ports' rules go with it; when it was its network's last member,
	 * the network's removal above took them already. */
	return ct.nports && network_exists(st, ct.network)
		       ? cfs_fw_sync_state(st, NULL, err) : 0;
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
	cfs_state_prune(&st);
	cfs_state_close(&st);
	return r < 0 ? cfs_error_wrap(err, "down %s", name) : 0;
}

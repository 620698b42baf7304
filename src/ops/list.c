/* list.c - `cfsnet ls` and `cfsnet show`: the state joined with what the
 * kernel has (read through libnl), so a link that went down or away shows. */
#include "ops.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "../common/util.h"
#include "../ns/ns.h"

static int view_fill(struct cfs_view *v, void *host_cache, cfs_error_t *err)
{
	cleanup_close int nsfd = -1;
	cfs_error_t e2 = { 0 };

	memset(&v->kernel, 0, sizeof(v->kernel));
	v->netns_found = cfs_netns_open(v->ct.name, &nsfd, &e2) == 0;
	/* A concurrent down unmounts the namespace before it removes the
	 * file and the state: a plain file there is a namespace going. */
	if (v->netns_found) {
		struct statfs sfs;

		v->netns_found = fstatfs(nsfd, &sfs) == 0 && sfs.f_type == NSFS_MAGIC;
	}
	if (!v->netns_found)
		return 0;
	return cfs_ct_info_read(nsfd, v->ct.ifname, v->ct.host_veth, host_cache,
				&v->kernel, err);
}

int cfs_show(const char *name, struct cfs_view *out, cfs_error_t *err)
{
	struct cfs_state st;

	memset(out, 0, sizeof(*out));
	if (cfs_check_name(name, err) < 0 ||
	    cfs_state_open(&st, CFS_STATE_DIR, false, err) < 0)
		return cfs_error_wrap(err, "show %s", name);
	if (cfs_container_load(&st, name, &out->ct, err) < 0) {
		if (err->errnum == ENOENT)
			cfs_fail(err, 0, "no such container");
		return cfs_error_wrap(err, "show %s", name);
	}
	if (view_fill(out, NULL, err) < 0)
		return cfs_error_wrap(err, "show %s", name);
	return 0;
}

int cfs_list(struct cfs_view **out, size_t *n, cfs_error_t *err)
{
	struct cfs_state st;
	struct cfs_view *v = NULL;
	void *host_cache = NULL;
	char **names = NULL;
	size_t cnt = 0, k = 0;
	int ret = -1;

	*out = NULL;
	*n = 0;
	if (cfs_state_open(&st, CFS_STATE_DIR, false, err) < 0 ||
	    cfs_container_names(&st, &names, &cnt, err) < 0)
		return cfs_error_wrap(err, "ls");
	if (!cnt)
		return 0;
	v = calloc(cnt, sizeof(*v));
	if (!v) {
		cfs_fail(err, ENOMEM, "listing containers");
		goto out;
	}
	if (cfs_host_cache_new(&host_cache, err) < 0)
		goto out;
	for (size_t i = 0; i < cnt; i++) {
		cfs_error_t e2 = { 0 };

		/* A container removed while we list is simply not listed. */
		if (cfs_container_load(&st, names[i], &v[k].ct, &e2) < 0)
			continue;
		if (view_fill(&v[k], host_cache, err) < 0)
			goto out;
		k++;
	}
	*out = v;
	*n = k;
	v = NULL;
	ret = 0;
out:
	free(v);
	if (host_cache)
		cfs_host_cache_free(host_cache);
	cfs_names_free(names, cnt);
	return ret < 0 ? cfs_error_wrap(err, "ls") : 0;
}

/* world.c - which cfsnet world this is. Network namespaces, /run (and so
 * cfsnet's state) are private to a sandbox, but cgroups are not: they are
 * one tree for the whole machine. A container's cgroup is therefore named
 * after its world: NAME on the host, NAME@ID inside a sandbox whose id is
 * ID, so that two sandboxes side by side (or a sandbox and the host) can
 * each run a container of the same name. '@' is not allowed in container
 * names, so these never clash with a host container's group. */
#include "ops-internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "../common/util.h"

bool cfs_world_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > CFS_WORLD_ID_MAX)
		return false;
	return strspn(id, "abcdefghijklmnopqrstuvwxyz"
			  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

/* Read once: the world of a process does not change while it runs. */
static int world_id(const char **out, cfs_error_t *err)
{
	static char id[CFS_WORLD_ID_MAX + 1];
	static bool known;
	cleanup_free char *s = NULL;
	size_t len;
	cfs_error_t e = { 0 };

	if (known) {
		*out = id;
		return 0;
	}
	if (cfs_read_file(CFS_WORLD_FILE, &s, &len, &e) < 0) {
		if (e.errnum != ENOENT) {
			*err = e;
			return -1;
		}
	} else {
		s[strcspn(s, "\n")] = '\0';
		if (!cfs_world_id_valid(s))
			return cfs_fail(err, EINVAL, "%s: not a sandbox id: '%s'",
					CFS_WORLD_FILE, s);
		snprintf(id, sizeof(id), "%s", s);
	}
	known = true;
	*out = id;
	return 0;
}

int cfs_ct_cgroup_name(const char *name, char out[CFS_CT_CGROUP_MAX],
		       cfs_error_t *err)
{
	const char *id;

	if (world_id(&id, err) < 0)
		return -1;
	if (*id)
		snprintf(out, CFS_CT_CGROUP_MAX, "%s@%s", name, id);
	else
		snprintf(out, CFS_CT_CGROUP_MAX, "%s", name);
	return 0;
}

bool cfs_world_cgroup_owner(const char *cgname, char *name, size_t len)
{
	const char *id, *at = strchr(cgname, '@');
	cfs_error_t e = { 0 };
	size_t n;

	if (world_id(&id, &e) < 0)
		return false;
	if (!*id) {
		if (at)
			return false;
		n = strlen(cgname);
	} else {
		if (!at || strcmp(at + 1, id))
			return false;
		n = (size_t)(at - cgname);
	}
	if (n == 0 || n >= len)
		return false;
	memcpy(name, cgname, n);
	name[n] = '\0';
	return true;
}

int cfs_ct_cg_open(const char *name, struct cfs_cgroup **out, cfs_error_t *err)
{
	char cg[CFS_CT_CGROUP_MAX];

	if (cfs_ct_cgroup_name(name, cg, err) < 0)
		return -1;
	return cfs_cg_open(CFS_CGROUP_ROOT, cg, out, err);
}

int cfs_ct_cg_create(const char *name, const struct cfs_cg_limits *lim,
		     struct cfs_cgroup **out, cfs_error_t *err)
{
	char cg[CFS_CT_CGROUP_MAX];

	if (cfs_ct_cgroup_name(name, cg, err) < 0)
		return -1;
	return cfs_cg_create(CFS_CGROUP_ROOT, cg, lim, out, err);
}

int cfs_world_cgroups_remove(const char *id, cfs_error_t *err)
{
	char **names = NULL;
	size_t n = 0, idlen = strlen(id);
	int r = 0;

	if (cfs_cg_list(CFS_CGROUP_ROOT, &names, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		struct cfs_cgroup *cg = NULL;
		cfs_error_t e = { 0 };

		if (len <= idlen + 1 || names[i][len - idlen - 1] != '@' ||
		    strcmp(names[i] + len - idlen, id))
			continue;
		/* The world's pid namespace is gone, so its processes are
		 * dead or dying; the kill only makes sure. */
		if (cfs_cg_open(CFS_CGROUP_ROOT, names[i], &cg, &e) < 0 ||
		    cfs_cg_kill(cg, SIGKILL, &e) < 0 || cfs_cg_destroy(cg, &e) < 0) {
			if (e.errnum != ENOENT && r == 0) {
				*err = e;
				r = -1;
			}
		}
		cfs_cg_free(cg);
	}
	cfs_names_free(names, n);
	return r;
}

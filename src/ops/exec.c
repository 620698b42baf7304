/* exec.c - `cfsnet exec`: the command runs in the container's network
 * namespace, as `ip netns exec` would run it. */
#include "ops.h"

#include <errno.h>
#include <unistd.h>

#include "../ns/ns.h"

int cfs_exec(const char *name, char *const argv[], int *status,
	     cfs_error_t *err)
{
	struct cfs_state st;
	struct cfs_container ct;

	*status = 1;
	if (cfs_check_name(name, err) < 0 ||
	    cfs_state_open(&st, CFS_STATE_DIR, false, err) < 0)
		return cfs_error_wrap(err, "exec %s", name);
	if (cfs_container_load(&st, name, &ct, err) < 0) {
		if (err->errnum == ENOENT)
			cfs_fail(err, 0, "no such container");
		return cfs_error_wrap(err, "exec %s", name);
	}
	if (cfs_netns_enter(name, err) < 0)
		return cfs_error_wrap(err, "exec %s", name);
	execvp(argv[0], argv);
	*status = errno == ENOENT ? 127 : 126;
	cfs_fail(err, errno, "running %s", argv[0]);
	return cfs_error_wrap(err, "exec %s", name);
}

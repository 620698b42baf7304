/* cmd_publish.c - the --publish option shared by `up` and `run`. */
#include <stddef.h>

#include "cli.h"
#include "ops/ops.h"

int cli_parse_publish(const char *const *vals, size_t n, struct cfs_port *ports,
		      cfs_error_t *err)
{
	if (n > CFS_MAX_PORTS)
		return cfs_fail(err, 0, "at most %d --publish", CFS_MAX_PORTS);
	for (size_t i = 0; i < n; i++)
		if (cfs_check_publish(vals[i], &ports[i], err) < 0)
			return -1;
	return 0;
}

/* cmd_sandbox.c - `cfsnet sandbox [--wan] -- CMD [ARG...]`. */
#include <string.h>

#include "cli.h"
#include "ops/ops.h"

int cmd_sandbox(int argc, char **argv)
{
	cfs_error_t err = { 0 };
	bool wan = false;
	int i = 1, status;

	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--wan"))
			wan = true;
		else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(cfs_usage_text, stdout);
			return 0;
		} else if (argv[i][0] == '-')
			return cli_usage_error("%s: unknown option '%s'", "sandbox",
					       argv[i]);
		else
			break;
	}
	if (i >= argc)
		return cli_usage_error("%s: missing %s", "sandbox", "CMD");
	/* A cleanup that failed after CMD ran is reported, and CMD's own
	 * failure still decides the status. */
	if (cfs_sandbox(wan, argv + i, &status, &err) < 0) {
		int r = cli_report(&err);

		return status ? status : r;
	}
	return status;
}

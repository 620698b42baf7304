/* main.c - the cfsnet command line: finds the command and runs it. The
 * CLI parses, validates, calls the ops layer and prints; it is the only
 * place that writes to stdout or stderr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
} cmds[] = {
	{ "up", cmd_up },
	{ "down", cmd_down },
	{ "exec", cmd_exec },
	{ "ls", cmd_ls },
	{ "show", cmd_show },
	{ "image", cmd_image },
	{ "sandbox", cmd_sandbox },
	{ "net", cmd_net },
	{ "connect", cmd_connect },
	{ "disconnect", cmd_disconnect },
	{ "route", cmd_route },
	{ "rootfs", cmd_rootfs },
	{ "run", cmd_run },
	{ "stop", cmd_stop },
	{ "stats", cmd_stats },
};

int main(int argc, char **argv)
{
	int r;

	if (argc < 2)
		return cli_usage_error("%s%s", "missing command", "");
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		fputs(cfs_usage_text, stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		r = cmds[i].fn(argc - 1, argv + 1);
		if (fflush(stdout) != 0 && r == 0) {
			fprintf(stderr, "cfsnet: writing output: %s\n", strerror(errno));
			r = EXIT_FAILURE;
		}
		return r;
	}
	return cli_usage_error("unknown command '%s'%s", argv[1], "");
}

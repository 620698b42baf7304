/* cmd_link.c - `cfsnet link set NAME ...`: shaping a running container's
 * link. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ops/ops.h"

int cmd_link(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rate", required_argument, NULL, 'r' },
		{ "burst", required_argument, NULL, 'b' },
		{ "no-rate", no_argument, NULL, 'n' },
		{ "delay", required_argument, NULL, 'd' },
		{ "loss", required_argument, NULL, 'l' },
		{ "ifname", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *rate = NULL, *burst = NULL, *delay = NULL, *loss = NULL,
		   *ifname = NULL;
	struct cfs_shape s;
	cfs_error_t err = { 0 };
	bool none = false;
	int c, bad = 0;

	if (argc < 2 || strcmp(argv[1], "set"))
		return cli_usage_error("%s: %s", "link",
				       argc < 2 ? "missing subcommand (set)" : "unknown subcommand");
	argc--;
	argv++;
	optind = 1;
	while ((c = cli_next_opt("link set", argc, argv, ":h", opts, &bad)) != -1) {
		if (bad)
			return bad;
		switch (c) {
		case 'r': rate = optarg; break;
		case 'b': burst = optarg; break;
		case 'n': none = true; break;
		case 'd': delay = optarg; break;
		case 'l': loss = optarg; break;
		case 'f': ifname = optarg; break;
		case 'h': fputs(cfs_usage_text, stdout); return 0;
		}
	}
	if (optind >= argc)
		return cli_usage_error("%s: missing %s", "link set", "NAME");
	if (optind + 1 < argc)
		return cli_usage_error("%s: unexpected argument '%s'", "link set",
				       argv[optind + 1]);
	if (!rate && !none && !delay && !loss)
		return cli_usage_error("%s: %s", "link set",
				       "nothing to set (--rate RATE [--burst SIZE], --no-rate)");
	if (none && (rate || burst))
		return cli_usage_error("%s: %s", "link set",
				       "--no-rate excludes --rate and --burst");
	if (cfs_check_name(argv[optind], &err) < 0 ||
	    cfs_check_netem(delay, loss, &err) < 0 ||
	    cfs_check_rate(rate, burst, &s, &err) < 0) {
		cfs_error_wrap(&err, "link set %s", argv[optind]);
		return cli_report(&err);
	}
	if (cfs_link_shape(argv[optind], ifname, &s, &err) < 0)
		return cli_report(&err);
	return 0;
}

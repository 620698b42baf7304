/* cmd_connect.c - `cfsnet connect`, `disconnect` and `route`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ops/ops.h"

int cmd_connect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ip", required_argument, NULL, 'i' },
		{ "rate", required_argument, NULL, 'r' },
		{ "burst", required_argument, NULL, 'b' },
		{ "delay", required_argument, NULL, 'd' },
		{ "loss", required_argument, NULL, 'l' },
		{ 0 },
	};
	const char *rate = NULL, *burst = NULL, *delay = NULL, *loss = NULL;
	struct cfs_shape shape;
	cfs_error_t err = { 0 };
	struct cfs_cidr ip;
	struct cfs_attach at;
	const char *ips = NULL;
	char a[CFS_CIDR_STRLEN];
	int c, bad = 0;

	optind = 1;
	while ((c = cli_next_opt("connect", argc, argv, ":", opts, &bad)) != -1) {
		if (bad)
			return bad;
		if (c == 'i')
			ips = optarg;
		else if (c == 'r')
			rate = optarg;
		else if (c == 'b')
			burst = optarg;
		else if (c == 'd')
			delay = optarg;
		else if (c == 'l')
			loss = optarg;
	}
	if (argc - optind < 2)
		return cli_usage_error("%s: missing %s", "connect",
				       argc - optind ? "NET" : "NAME NET");
	if (argc - optind > 2)
		return cli_usage_error("%s: unexpected argument '%s'", "connect",
				       argv[optind + 2]);
	if ((ips && cfs_check_ip(ips, &ip, &err) < 0) ||
	    cfs_check_netem(delay, loss, &err) < 0 ||
	    cfs_check_rate(rate, burst, &shape, &err) < 0) {
		cfs_error_wrap(&err, "connect %s %s", argv[optind], argv[optind + 1]);
		return cli_report(&err);
	}
	if (cfs_connect_shaped(argv[optind], argv[optind + 1], ips ? &ip : NULL,
			       &shape, &at, &err) < 0)
		return cli_report(&err);
	cfs_cidr_format(&at.ip, a);
	printf("%s: %s on %s, host veth %s, network %s", argv[optind], a,
	       at.ifname, at.host_veth, at.network);
	if (at.has6) {
		char a6[CFS_CIDR6_STRLEN];

		cfs_cidr6_format(&at.ip6, a6);
		printf(", ipv6 %s", a6);
	}
	putchar('\n');
	return 0;
}

int cmd_disconnect(int argc, char **argv)
{
	cfs_error_t err = { 0 };
	char *args[2];
	bool json;
	int r = cli_args_json("disconnect", argc, argv, &json, 2, args);

	if (r)
		return r;
	if (json)
		return cli_usage_error("%s: unknown option '%s'", "disconnect", "--json");
	return cfs_disconnect(args[0], args[1], &err) < 0 ? cli_report(&err) : 0;
}

/* route add NAME DEST via GW | route del NAME DEST [via GW] */
int cmd_route(int argc, char **argv)
{
	cfs_error_t err = { 0 };
	struct cfs_cidr dst;
	uint32_t gw = 0;
	bool add;

	if (argc < 2)
		return cli_usage_error("%s: missing %s", "route", "add or del");
	if (!strcmp(argv[1], "add"))
		add = true;
	else if (!strcmp(argv[1], "del"))
		add = false;
	else
		return cli_usage_error("route: unknown command '%s'%s", argv[1], "");
	if (argc < 4)
		return cli_usage_error("route %s: missing %s", argv[1],
				       argc < 3 ? "NAME DEST" : "DEST");
	if (argc == 4 && add)
		return cli_usage_error("route %s: missing %s", "add", "via GW");
	if (argc > 4 && (argc != 6 || strcmp(argv[4], "via")))
		return cli_usage_error("route %s: expected 'via GW', got '%s'", argv[1],
				       argv[4]);
	if (!strcmp(argv[3], "default"))
		cfs_cidr_parse("0.0.0.0/0", &dst);
	else if (cfs_cidr_parse(argv[3], &dst) < 0) {
		cfs_fail(&err, 0, "invalid destination '%s': expected A.B.C.D/PREFIX",
			 argv[3]);
		goto bad;
	} else if (dst.addr != cfs_cidr_network(&dst)) {
		cfs_fail(&err, 0, "invalid destination '%s': not a network address",
			 argv[3]);
		goto bad;
	}
	if (argc == 6 && cfs_ip4_parse(argv[5], &gw) < 0) {
		cfs_fail(&err, 0, "invalid gateway '%s'", argv[5]);
		goto bad;
	}
	if (cfs_route(argv[2], add, &dst, gw, &err) < 0)
		return cli_report(&err);
	return 0;
bad:
	cfs_error_wrap(&err, "route %s %s", argv[1], argv[2]);
	return cli_report(&err);
}

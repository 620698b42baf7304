/* cmd_netcfg.c - `cfsnet net create|rm|ls`: networks by name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ops/ops.h"

static int cli_check_ip4(const char *opt, const char *s, uint32_t *out,
			 cfs_error_t *err)
{
	if (cfs_ip4_parse(s, out) < 0)
		return cfs_fail(err, 0, "invalid %s '%s': expected A.B.C.D", opt, s);
	return 0;
}

static int net_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "subnet", required_argument, NULL, 's' },
		{ "internal", no_argument, NULL, 'i' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "ipv6", required_argument, NULL, '6' },
		{ "vxlan", required_argument, NULL, 'x' },
		{ "remote", required_argument, NULL, 'r' },
		{ "local", required_argument, NULL, 'l' },
		{ 0 },
	};
	struct cfs_net_opts o = { 0 };
	cfs_error_t err = { 0 };
	const char *subnet = NULL, *mtu = NULL, *ipv6 = NULL, *vxlan = NULL;
	const char *remote = NULL, *local = NULL;
	int c, bad = 0;

	optind = 1;
	while ((c = cli_next_opt("net create", argc, argv, ":", opts, &bad)) != -1) {
		if (bad)
			return bad;
		switch (c) {
		case 's': subnet = optarg; break;
		case 'i': o.internal = true; break;
		case 'm': mtu = optarg; break;
		case '6': ipv6 = optarg; break;
		case 'x': vxlan = optarg; break;
		case 'r': remote = optarg; break;
		case 'l': local = optarg; break;
		}
	}
	if (optind >= argc)
		return cli_usage_error("%s: missing %s", "net create", "NAME");
	if (optind + 1 < argc)
		return cli_usage_error("%s: unexpected argument '%s'", "net create",
				       argv[optind + 1]);
	if (!subnet)
		return cli_usage_error("%s: missing %s", "net create", "--subnet CIDR");
	if (vxlan && !remote)
		return cli_usage_error("%s: missing %s", "net create", "--remote IP (with --vxlan)");
	if (!vxlan && (remote || local))
		return cli_usage_error("%s: %s", "net create", "--remote and --local need --vxlan");
	o.name = argv[optind];
	if (cfs_check_name(o.name, &err) < 0 ||
	    cfs_check_subnet(subnet, &o.subnet, &err) < 0 ||
	    (mtu && cfs_check_mtu(mtu, &o.mtu, &err) < 0) ||
	    (ipv6 && cfs_check_subnet6(ipv6, &o.subnet6, &err) < 0) ||
	    (vxlan && cfs_check_vni(vxlan, &o.vni, &err) < 0) ||
	    (remote && cli_check_ip4("--remote", remote, &o.remote, &err) < 0) ||
	    (local && cli_check_ip4("--local", local, &o.local, &err) < 0) ||
	    (vxlan && o.internal &&
	     cfs_fail(&err, 0, "--internal and --vxlan exclude each other") < 0)) {
		cfs_error_wrap(&err, "net create %s", o.name);
		return cli_report(&err);
	}
	o.has6 = ipv6 != NULL;
	if (cfs_net_create(&o, &err) < 0)
		return cli_report(&err);
	return 0;
}

static int net_rm(int argc, char **argv)
{
	cfs_error_t err = { 0 };
	char *name;
	bool json;
	int r = cli_args_json("net rm", argc, argv, &json, 1, &name);

	if (r)
		return r;
	if (json)
		return cli_usage_error("%s: unknown option '%s'", "net rm", "--json");
	return cfs_net_rm(name, &err) < 0 ? cli_report(&err) : 0;
}

/* "ipv6" and "vxlan" (null when the network has none). */
static void print_json_extra(const struct cfs_network *net)
{
	char p6[CFS_CIDR6_STRLEN], r[CFS_IP4_STRLEN], l[CFS_IP4_STRLEN];

	if (net->has6) {
		cfs_cidr6_format(&net->subnet6, p6);
		printf("\"ipv6\":\"%s\"", p6);
	} else {
		printf("\"ipv6\":null");
	}
	if (net->vni) {
		cfs_ip4_format(net->remote, r);
		cfs_ip4_format(net->local, l);
		printf(",\"vxlan\":{\"id\":%u,\"remote\":\"%s\",\"local\":\"%s\"}",
		       net->vni, r, l);
	} else {
		printf(",\"vxlan\":null");
	}
}

static int net_ls(int argc, char **argv)
{
	struct cfs_network *nets;
	cfs_error_t err = { 0 };
	size_t n;
	bool json;
	int r = cli_args_json("net ls", argc, argv, &json, 0, NULL);

	if (r)
		return r;
	if (cfs_net_list(&nets, &n, &err) < 0)
		return cli_report(&err);
	if (!json)
		printf("%-15s %-18s %-15s %-15s %-6s %-8s %s\n", "NAME", "SUBNET",
		       "GATEWAY", "BRIDGE", "MTU", "INTERNAL", "MEMBERS");
	else
		putchar('[');
	for (size_t i = 0; i < n; i++) {
		const struct cfs_network *net = &nets[i];
		char subnet[CFS_CIDR_STRLEN], gw[CFS_IP4_STRLEN];

		cfs_cidr_format(&net->subnet, subnet);
		cfs_ip4_format(cfs_net_gateway(net), gw);
		if (!json) {
			printf("%-15s %-18s %-15s %-15s %-6u %-8s %zu\n", net->name,
			       subnet, gw,
			       net->mode == CFS_MODE_BRIDGE ? net->ifname : "-",
			       net->mtu, net->internal ? "yes" : "no", net->nleases);
			continue;
		}
		printf("%s{\"name\":", i ? "," : "");
		cli_json_str(stdout, net->name);
		printf(",\"subnet\":\"%s\",\"gateway\":\"%s\",\"mode\":\"%s\",\"bridge\":",
		       subnet, gw, cfs_mode_name(net->mode));
		cli_json_str(stdout, net->mode == CFS_MODE_BRIDGE ? net->ifname : NULL);
		printf(",\"mtu\":%u,\"internal\":%s,\"auto\":%s,", net->mtu,
		       net->internal ? "true" : "false", net->keep ? "false" : "true");
		print_json_extra(net);
		printf(",\"members\":[");
		for (size_t k = 0; k < net->nleases; k++) {
			if (k)
				putchar(',');
			cli_json_str(stdout, net->leases[k].name);
		}
		printf("]}");
	}
	if (json)
		puts("]");
	cfs_networks_free(nets, n);
	return 0;
}

int cmd_net(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("%s: missing %s", "net", "create, rm or ls");
	if (!strcmp(argv[1], "create"))
		return net_create(argc - 1, argv + 1);
	if (!strcmp(argv[1], "rm"))
		return net_rm(argc - 1, argv + 1);
	if (!strcmp(argv[1], "ls"))
		return net_ls(argc - 1, argv + 1);
	return cli_usage_error("net: unknown command '%s'%s", argv[1], "");
}

/* cmd_net.c - the networking core's commands: up, down, exec, ls, show. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ops/ops.h"

/* The link state as one word: the kernel's operstate, or why there is none. */
static const char *view_state(const struct cfs_view *v)
{
	if (!v->netns_found)
		return "no-netns";
	if (!v->kernel.inside.found)
		return "missing";
	return v->kernel.inside.state;
}

static void print_json_view(FILE *f, const struct cfs_view *v)
{
	const struct cfs_link_info *in = &v->kernel.inside;

	fputs("{\"name\":", f);
	cli_json_str(f, v->ct.name);
	fputs(",\"network\":", f);
	cli_json_str(f, v->ct.network);
	fputs(",\"mode\":", f);
	cli_json_str(f, cfs_mode_name(v->ct.mode));
	fputs(",\"address\":", f);
	cli_json_str(f, in->addr4);
	fputs(",\"gateway\":", f);
	cli_json_str(f, v->kernel.gateway);
	if (v->ct.has6) {
		char a6[CFS_CIDR6_STRLEN], g6[CFS_IP6_STRLEN];

		cfs_cidr6_format(&v->ct.ip6, a6);
		cfs_ip6_format(&v->ct.gateway6, g6);
		fprintf(f, ",\"address6\":\"%s\",\"gateway6\":\"%s\"", a6, g6);
	} else {
		fputs(",\"address6\":null,\"gateway6\":null", f);
	}
	fputs(",\"ifname\":", f);
	cli_json_str(f, v->ct.ifname);
	fputs(",\"host_veth\":", f);
	cli_json_str(f, v->ct.host_veth);
	fputs(",\"bridge\":", f);
	cli_json_str(f, v->ct.bridge);
	fputs(",\"mac\":", f);
	cli_json_str(f, in->mac);
	fprintf(f, ",\"mtu\":");
	if (in->found)
		fprintf(f, "%u", in->mtu);
	else
		fputs("null", f);
	fputs(",\"state\":", f);
	cli_json_str(f, view_state(v));
	fputs(",\"host_state\":", f);
	cli_json_str(f, v->kernel.host.found ? v->kernel.host.state : "missing");
	fputs(",\"host_master\":", f);
	cli_json_str(f, v->kernel.host.master);
	cli_proc_json(f, v->ct.name);
	/* From the state: the kernel's view of these is `exec NAME ip ...`. */
	fputs(",\"attachments\":[", f);
	for (size_t i = 0; i < v->ct.nattach; i++) {
		const struct cfs_attach *a = &v->ct.attach[i];
		char ip[CFS_CIDR_STRLEN];

		cfs_cidr_format(&a->ip, ip);
		fprintf(f, "%s{\"network\":", i ? "," : "");
		cli_json_str(f, a->network);
		fputs(",\"ifname\":", f);
		cli_json_str(f, a->ifname);
		fputs(",\"host_veth\":", f);
		cli_json_str(f, a->host_veth);
		fprintf(f, ",\"address\":\"%s\"", ip);
		if (a->has6) {
			char a6[CFS_CIDR6_STRLEN];

			cfs_cidr6_format(&a->ip6, a6);
			fprintf(f, ",\"address6\":\"%s\"}", a6);
		} else {
			fputs(",\"address6\":null}", f);
		}
	}
	fputs("],\"routes\":[", f);
	for (size_t i = 0; i < v->ct.nroutes; i++) {
		char d[CFS_CIDR_STRLEN], g[CFS_IP4_STRLEN];

		cfs_cidr_format(&v->ct.routes[i].dst, d);
		cfs_ip4_format(v->ct.routes[i].gw, g);
		fprintf(f, "%s{\"dest\":\"%s\",\"via\":\"%s\"}", i ? "," : "", d, g);
	}
	fputs("]", f);
	cli_publish_json(f, &v->ct);
	fputs("}", f);
}

static void print_view(const struct cfs_view *v)
{
	const struct cfs_link_info *in = &v->kernel.inside;

	printf("name:       %s\n", v->ct.name);
	printf("network:    %s (%s mode)\n", v->ct.network, cfs_mode_name(v->ct.mode));
	printf("netns:      /run/netns/%s%s\n", v->ct.name,
	       v->netns_found ? "" : " (missing)");
	printf("address:    %s\n", cli_dash(in->addr4));
	printf("gateway:    %s\n", cli_dash(v->kernel.gateway));
	if (v->ct.has6) {
		char a6[CFS_CIDR6_STRLEN], g6[CFS_IP6_STRLEN];

		cfs_cidr6_format(&v->ct.ip6, a6);
		cfs_ip6_format(&v->ct.gateway6, g6);
		printf("address6:   %s\n", a6);
		printf("gateway6:   %s\n", g6);
	}
	printf("ifname:     %s\n", v->ct.ifname);
	printf("host_veth:  %s (%s)\n", v->ct.host_veth,
	       v->kernel.host.found ? v->kernel.host.state : "missing");
	printf("bridge:     %s\n", cli_dash(v->ct.bridge));
	printf("mac:        %s\n", cli_dash(in->mac));
	if (in->found)
		printf("mtu:        %u\n", in->mtu);
	else
		printf("mtu:        -\n");
	printf("state:      %s\n", view_state(v));
	for (size_t i = 0; i < v->ct.nattach; i++) {
		char ip[CFS_CIDR_STRLEN];

		cfs_cidr_format(&v->ct.attach[i].ip, ip);
		printf("attached:   %s %s on network %s, host veth %s\n",
		       v->ct.attach[i].ifname, ip, v->ct.attach[i].network,
		       v->ct.attach[i].host_veth);
	}
	for (size_t i = 0; i < v->ct.nroutes; i++) {
		char d[CFS_CIDR_STRLEN], g[CFS_IP4_STRLEN];

		cfs_cidr_format(&v->ct.routes[i].dst, d);
		cfs_ip4_format(v->ct.routes[i].gw, g);
		printf("route:      %s via %s\n", d, g);
	}
	cli_publish_show(stdout, &v->ct);
	cli_proc_show(stdout, v->ct.name);
}

/* ", ipv6 ADDR/P via GW" for a dual-stack container. */
static void print_ip6_suffix(const struct cfs_container *ct)
{
	char a6[CFS_CIDR6_STRLEN], g6[CFS_IP6_STRLEN];

	if (!ct->has6)
		return;
	cfs_cidr6_format(&ct->ip6, a6);
	cfs_ip6_format(&ct->gateway6, g6);
	printf(", ipv6 %s via %s", a6, g6);
}

int cmd_up(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ip", required_argument, NULL, 'i' },
		{ "no-bridge", no_argument, NULL, 'n' },
		{ "ifname", required_argument, NULL, 'f' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "net", required_argument, NULL, 'N' },
		{ "ip6", required_argument, NULL, '6' },
		{ "publish", required_argument, NULL, 'p' },
		{ "rate", required_argument, NULL, 'r' },
		{ "burst", required_argument, NULL, 'b' },
		{ "delay", required_argument, NULL, 'd' },
		{ "loss", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cfs_up_opts o = { 0 };
	struct cfs_port ports[CFS_MAX_PORTS];
	const char *publish[CFS_MAX_PORTS + 1];
	size_t npublish = 0;
	struct cfs_container ct;
	cfs_error_t err = { 0 };
	const char *ip = NULL, *mtu = NULL, *ip6 = NULL, *rate = NULL,
		   *burst = NULL, *delay = NULL, *loss = NULL;
	bool created;
	int c, bad = 0;

	optind = 1;
	while ((c = cli_next_opt("up", argc, argv, ":h", opts, &bad)) != -1) {
		if (bad)
			return bad;
		switch (c) {
		case 'i': ip = optarg; break;
		case 'n': o.no_bridge = true; break;
		case 'f': o.ifname = optarg; break;
		case 'm': mtu = optarg; break;
		case 'N': o.net = optarg; break;
		case '6': ip6 = optarg; break;
		case 'p':
			if (npublish <= CFS_MAX_PORTS)
				publish[npublish++] = optarg;
			break;
		case 'r': rate = optarg; break;
		case 'b': burst = optarg; break;
		case 'd': delay = optarg; break;
		case 'l': loss = optarg; break;
		case 'h': fputs(cfs_usage_text, stdout); return 0;
		}
	}
	if (optind >= argc)
		return cli_usage_error("%s: missing %s", "up", "NAME");
	if (optind + 1 < argc)
		return cli_usage_error("%s: unexpected argument '%s'", "up", argv[optind + 1]);
	o.name = argv[optind];
	/* Validate everything before touching anything. */
	if (cfs_check_name(o.name, &err) < 0 ||
	    (ip && cfs_check_ip(ip, &o.ip, &err) < 0) ||
	    (mtu && cfs_check_mtu(mtu, &o.mtu, &err) < 0) ||
	    (o.ifname && cfs_check_ifname(o.ifname, &err) < 0) ||
	    (ip6 && cfs_check_ip6(ip6, &o.ip6, &err) < 0) ||
	    cli_parse_publish(publish, npublish, ports, &err) < 0 ||
	    cfs_check_netem(delay, loss, &err) < 0 ||
	    cfs_check_rate(rate, burst, &o.shape, &err) < 0) {
		cfs_error_wrap(&err, "up %s", o.name);
		return cli_report(&err);
	}
	o.ports = ports;
	o.nports = npublish;
	o.has_ip = ip != NULL;
	o.has_ip6 = ip6 != NULL;
	if (cfs_up(&o, &ct, &created, &err) < 0)
		return cli_report(&err);
	{
		char a[CFS_CIDR_STRLEN], g[CFS_IP4_STRLEN];

		cfs_cidr_format(&ct.ip, a);
		cfs_ip4_format(ct.gateway, g);
		printf("%s: %s%s on %s via %s, host veth %s%s%s", ct.name,
		       created ? "" : "already up: ", a, ct.ifname, g, ct.host_veth,
		       *ct.bridge ? ", bridge " : "", ct.bridge);
		print_ip6_suffix(&ct);
		putchar('\n');
	}
	/* Only when this up wrote rules (a new network, a published port):
	 * the probe reads every table, which a plain attach need not pay. */
	if (created && cfs_fw_commits() > 0)
		cli_fw_backend_note();
	return 0;
}

int cmd_down(int argc, char **argv)
{
	cfs_error_t err = { 0 };
	char *name;
	bool json;
	int r = cli_args_json("down", argc, argv, &json, 1, &name);

	if (r)
		return r;
	if (json)
		return cli_usage_error("%s: unknown option '%s'", "down", "--json");
	if (cfs_down(name, &err) < 0)
		return cli_report(&err);
	return 0;
}

int cmd_exec(int argc, char **argv)
{
	cfs_error_t err = { 0 };
	int status, i = 1;

	if (i < argc && (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))) {
		fputs(cfs_usage_text, stdout);
		return 0;
	}
	if (i >= argc || !strcmp(argv[i], "--"))
		return cli_usage_error("%s: missing %s", "exec", "NAME");
	if (argv[i][0] == '-' && argv[i][1])
		return cli_usage_error("%s: unknown option '%s'", "exec", argv[i]);
	const char *name = argv[i++];

	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc)
		return cli_usage_error("%s: missing %s", "exec", "CMD");
	if (cfs_exec(name, argv + i, &status, &err) < 0)
		fprintf(stderr, "cfsnet: %s\n", err.msg);
	return status;
}

int cmd_ls(int argc, char **argv)
{
	cfs_error_t err = { 0 };
	struct cfs_view *v;
	size_t n;
	bool json;
	int r = cli_args_json("ls", argc, argv, &json, 0, NULL);

	if (r)
		return r;
	if (cfs_list(&v, &n, &err) < 0)
		return cli_report(&err);
	if (json) {
		putchar('[');
		for (size_t i = 0; i < n; i++) {
			if (i)
				putchar(',');
			print_json_view(stdout, &v[i]);
		}
		cli_ls_run_only(stdout, true, n == 0);
		puts("]");
	} else {
		printf("%-15s %-18s %-15s %-10s %-15s %-15s %-17s %-5s %-14s %-7s %s\n",
		       "NAME", "ADDRESS", "GATEWAY", "IFNAME", "HOSTVETH", "BRIDGE", "MAC",
		       "MTU", "STATE", "PID", "STATUS");
		for (size_t i = 0; i < n; i++) {
			const struct cfs_link_info *in = &v[i].kernel.inside;
			char mtu[8] = "-";

			if (in->found)
				snprintf(mtu, sizeof(mtu), "%u", in->mtu);
			printf("%-15s %-18s %-15s %-10s %-15s %-15s %-17s %-5s %-14s",
			       v[i].ct.name, cli_dash(in->addr4), cli_dash(v[i].kernel.gateway),
			       v[i].ct.ifname, v[i].ct.host_veth, cli_dash(v[i].ct.bridge),
			       cli_dash(in->mac), mtu, view_state(&v[i]));
			cli_proc_cols(stdout, v[i].ct.name);
			putchar('\n');
		}
		cli_ls_run_only(stdout, false, false);
	}
	free(v);
	return 0;
}

int cmd_show(int argc, char **argv)
{
	cfs_error_t err = { 0 };
	struct cfs_view v;
	char *name;
	bool json;
	int r = cli_args_json("show", argc, argv, &json, 1, &name);

	if (r)
		return r;
	if (cfs_show(name, &v, &err) < 0)
		return cli_show_run_only(name, json) == 0 ? 0 : cli_report(&err);
	if (json) {
		print_json_view(stdout, &v);
		putchar('\n');
	} else {
		print_view(&v);
	}
	return 0;
}


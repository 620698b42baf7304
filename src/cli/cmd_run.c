/* cmd_run.c - the container commands: rootfs, run, stop, stats; and the
 * process columns of ls and show. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ops/ops.h"
#include "rootfs/rootfs.h"

/* "50M", "1G", "512K", or bytes: how a limit was most likely written. */
static void fmt_size(int64_t b, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (b >= 1024 && b % 1024 == 0 && u < 3) {
		b /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRId64, b);
	else
		snprintf(buf, len, "%" PRId64 "%c", b, units[u]);
}

/* A human reading of a byte count: "12.3M". */
static void fmt_human(uint64_t b, char *buf, size_t len)
{
	static const char units[] = "BKMGT";
	double v = (double)b;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 "B", b);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
}

/* Strict decimal in [min, max]. */
static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int cmd_rootfs(int argc, char **argv)
{
	cfs_error_t err = { 0 };
	char *dir;
	bool json;
	size_t n = 0;
	int r = cli_args_json("rootfs", argc, argv, &json, 1, &dir);

	if (r)
		return r;
	if (json)
		return cli_usage_error("%s: unknown option '%s'", "rootfs", "--json");
	if (cfs_rootfs_build(dir, CFS_BUSYBOX_PATH, &n, &err) < 0) {
		cfs_error_wrap(&err, "rootfs %s", dir);
		return cli_report(&err);
	}
	printf("%s: busybox root with %zu applets\n", dir, n);
	return 0;
}

enum {
	O_ROOTFS = 1000, O_IP, O_HOSTNAME, O_MEMORY, O_MEMORY_SWAP, O_SWAPPINESS,
	O_CPUS, O_CPU_SHARES, O_CPU_QUOTA, O_PIDS, O_OOM, O_ENV, O_DETACH, O_LAYER,
	O_IP6,
	O_PUBLISH,
	O_NO_SECCOMP,
};

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rootfs", required_argument, NULL, O_ROOTFS },
		{ "ip", required_argument, NULL, O_IP },
		{ "ip6", required_argument, NULL, O_IP6 },
		{ "hostname", required_argument, NULL, O_HOSTNAME },
		{ "memory", required_argument, NULL, O_MEMORY },
		{ "memory-swap", required_argument, NULL, O_MEMORY_SWAP },
		{ "swappiness", required_argument, NULL, O_SWAPPINESS },
		{ "cpus", required_argument, NULL, O_CPUS },
		{ "cpu-shares", required_argument, NULL, O_CPU_SHARES },
		{ "cpu-quota", required_argument, NULL, O_CPU_QUOTA },
		{ "pids", required_argument, NULL, O_PIDS },
		{ "oom-score-adj", required_argument, NULL, O_OOM },
		{ "env", required_argument, NULL, O_ENV },
		{ "detach", no_argument, NULL, O_DETACH },
		{ "layer", required_argument, NULL, O_LAYER },
		{ "publish", required_argument, NULL, O_PUBLISH },
		{ "no-seccomp", no_argument, NULL, O_NO_SECCOMP },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cfs_run_opts o = { 0 };
	struct cfs_run_result res;
	cfs_error_t err = { 0 };
	const char *ip = NULL, *ip6 = NULL, *memory = NULL, *swap = NULL, *swappiness = NULL,
		   *cpus = NULL, *shares = NULL, *quota = NULL, *pids = NULL, *oom = NULL;
	const char **env = calloc((size_t)argc, sizeof(*env));
	const char **layers = calloc((size_t)argc, sizeof(*layers));
	int c, bad = 0, dd = argc, ret;
	long v;
	struct cfs_port ports[CFS_MAX_PORTS];
	const char *publish[CFS_MAX_PORTS + 1];
	size_t npublish = 0;

	if (!env || !layers) {
		free(env);
		free(layers);
		fprintf(stderr, "cfsnet: run: out of memory\n");
		return 1;
	}
	/* Options end at "--": CMD's own options are never ours. */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			dd = i;
			break;
		}
	cfs_cg_limits_init(&o.limits);
	optind = 1;
	while ((c = cli_next_opt("run", dd, argv, ":hd", opts, &bad)) != -1) {
		if (bad)
			goto out_bad;
		switch (c) {
		case O_ROOTFS: o.rootfs = optarg; break;
		case O_IP: ip = optarg; break;
		case O_IP6: ip6 = optarg; break;
		case O_HOSTNAME: o.hostname = optarg; break;
		case O_MEMORY: memory = optarg; break;
		case O_MEMORY_SWAP: swap = optarg; break;
		case O_SWAPPINESS: swappiness = optarg; break;
		case O_CPUS: cpus = optarg; break;
		case O_CPU_SHARES: shares = optarg; break;
		case O_CPU_QUOTA: quota = optarg; break;
		case O_PIDS: pids = optarg; break;
		case O_OOM: oom = optarg; break;
		case O_ENV: env[o.nenv++] = optarg; break;
		case 'd':
		case O_DETACH: o.detach = true; break;
		case O_LAYER: layers[o.nlayers++] = optarg; break;
		case O_PUBLISH:
			if (npublish <= CFS_MAX_PORTS)
				publish[npublish++] = optarg;
			break;
		case O_NO_SECCOMP: o.no_seccomp = true; break;
		case 'h': fputs(cfs_usage_text, stdout); ret = 0; goto out;
		}
	}
	if (optind >= dd) {
		bad = cli_usage_error("%s: missing %s", "run", "NAME");
		goto out_bad;
	}
	o.name = argv[optind++];
	if (dd < argc) {
		if (optind < dd) {
			bad = cli_usage_error("%s: unexpected argument '%s' (the command goes after '--')",
					      "run", argv[optind]);
			goto out_bad;
		}
		o.argv = argv + dd + 1;
	} else {
		o.argv = argv + optind;
	}
	if (!o.argv[0]) {
		bad = cli_usage_error("%s: missing %s", "run", "CMD (after '--')");
		goto out_bad;
	}
	if (!o.rootfs) {
		bad = cli_usage_error("%s: missing %s", "run", "--rootfs DIR");
		goto out_bad;
	}
	o.env = env;
	o.layers = layers;

	/* Every value checked before anything is touched (exit 1). */
	if (cfs_check_name(o.name, &err) < 0)
		goto fail;
	if (ip) {
		if (cfs_check_ip(ip, &o.ip, &err) < 0)
			goto fail;
		o.has_ip = true;
	}
	if (ip6) {
		if (!ip) {
			cfs_fail(&err, 0, "--ip6 needs --ip (the container's network)");
			goto fail;
		}
		if (cfs_check_ip6(ip6, &o.ip6, &err) < 0)
			goto fail;
		o.has_ip6 = true;
	}
	if (cli_parse_publish(publish, npublish, ports, &err) < 0)
		goto fail;
	if (npublish && !o.has_ip) {
		cfs_fail(&err, 0, "--publish needs --ip: a container without a network has no address to publish");
		goto fail;
	}
	o.ports = ports;
	o.nports = npublish;
	if ((memory && cfs_parse_size(memory, &o.limits.memory, &err) < 0) ||
	    (swap && cfs_parse_size(swap, &o.limits.memory_swap, &err) < 0))
		goto fail;
	if (swappiness) {
		if (parse_long(swappiness, 0, 100, &v) < 0) {
			cfs_fail(&err, 0, "invalid --swappiness '%s': must be 0..100", swappiness);
			goto fail;
		}
		o.limits.swappiness = (int)v;
	}
	if (shares) {
		if (parse_long(shares, 2, 262144, &v) < 0) {
			cfs_fail(&err, 0, "invalid --cpu-shares '%s': must be 2..262144", shares);
			goto fail;
		}
		o.limits.cpu_shares = (unsigned)v;
	}
	if (pids) {
		if (parse_long(pids, 1, INT32_MAX, &v) < 0) {
			cfs_fail(&err, 0, "invalid --pids '%s': must be a number >= 1", pids);
			goto fail;
		}
		o.limits.pids = v;
	}
	if (oom) {
		if (parse_long(oom, -1000, 1000, &v) < 0) {
			cfs_fail(&err, 0, "invalid --oom-score-adj '%s': must be -1000..1000", oom);
			goto fail;
		}
		o.has_oom_score_adj = true;
		o.oom_score_adj = (int)v;
	}
	if (cpus || quota) {
		char online[128];
		unsigned ncpus;

		if (cfs_online_cpus(online, sizeof(online), &ncpus, &err) < 0)
			goto fail;
		if (cpus) {
			if (cfs_parse_cpus(cpus, online, &err) < 0)
				goto fail;
			snprintf(o.limits.cpus, sizeof(o.limits.cpus), "%s", cpus);
		}
		if (quota && cfs_parse_percent(quota, ncpus, &o.limits.cpu_quota_pct, &err) < 0)
			goto fail;
	}

	if (cfs_run(&o, &res, &err) < 0) {
		ret = cli_report(&err);
		if (err.kind != CFS_ERR_USAGE && res.status)
			ret = res.status;
		goto out;
	}
	if (o.detach) {
		printf("%s: running (pid %d)\n", o.name, (int)res.pid);
		ret = 0;
		goto out;
	}
	if (res.oom_killed && res.status == 128 + 9) {
		char lim[32] = "none";

		if (res.memory_limit >= 0)
			fmt_size(res.memory_limit, lim, sizeof(lim));
		fprintf(stderr, "cfsnet: run %s: killed by the OOM killer (memory limit %s)\n",
			o.name, lim);
	}
	ret = res.status;
	goto out;
fail:
	cfs_error_wrap(&err, "run %s", o.name);
	ret = cli_report(&err);
	goto out;
out_bad:
	ret = bad;
out:
	free(env);
	free(layers);
	return ret;
}

int cmd_stop(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	cfs_error_t err = { 0 };
	long timeout = 10;
	int c, bad = 0;

	optind = 1;
	while ((c = cli_next_opt("stop", argc, argv, ":ht:", opts, &bad)) != -1) {
		if (bad)
			return bad;
		if (c == 'h') {
			fputs(cfs_usage_text, stdout);
			return 0;
		}
		if (c == 't' && parse_long(optarg, 0, 86400, &timeout) < 0) {
			fprintf(stderr, "cfsnet: stop: invalid --timeout '%s': seconds, 0..86400\n",
				optarg);
			return 1;
		}
	}
	if (optind >= argc)
		return cli_usage_error("%s: missing %s", "stop", "NAME");
	if (optind + 1 < argc)
		return cli_usage_error("%s: unexpected argument '%s'", "stop", argv[optind + 1]);
	if (cfs_stop(argv[optind], (unsigned)timeout, &err) < 0)
		return cli_report(&err);
	printf("%s: stopped\n", argv[optind]);
	return 0;
}

int cmd_stats(int argc, char **argv)
{
	cfs_error_t err = { 0 };
	struct cfs_cg_stats st;
	char *name;
	bool json;
	int r = cli_args_json("stats", argc, argv, &json, 1, &name);

	if (r)
		return r;
	if (cfs_stats(name, &st, &err) < 0)
		return cli_report(&err);
	if (json) {
		fputs("{\"name\":", stdout);
		cli_json_str(stdout, name);
		printf(",\"cpu_usec\":%" PRIu64 ",\"memory\":%" PRIu64
		       ",\"memory_peak\":%" PRIu64 ",\"memory_limit\":",
		       st.cpu_usec, st.memory, st.memory_peak);
		if (st.memory_limit >= 0)
			printf("%" PRId64, st.memory_limit);
		else
			fputs("null", stdout);
		printf(",\"pids\":%" PRIu64 ",\"oom_kills\":%" PRIu64 "}\n", st.pids,
		       st.oom_kills);
	} else {
		char mem[32], peak[32], lim[32] = "none";

		fmt_human(st.memory, mem, sizeof(mem));
		fmt_human(st.memory_peak, peak, sizeof(peak));
		if (st.memory_limit >= 0)
			fmt_size(st.memory_limit, lim, sizeof(lim));
		printf("name:       %s\n", name);
		printf("cpu:        %" PRIu64 ".%06" PRIu64 " s\n", st.cpu_usec / 1000000,
		       st.cpu_usec % 1000000);
		printf("memory:     %s (peak %s, limit %s)\n", mem, peak, lim);
		printf("processes:  %" PRIu64 "\n", st.pids);
		printf("oom_kills:  %" PRIu64 "\n", st.oom_kills);
	}
	return 0;
}

/* ---- ls / show: the process side --------------------------------------------- */

void cli_proc_json(FILE *f, const char *name)
{
	struct cfs_proc_view p;

	cfs_proc_view(name, &p);
	fputs(",\"pid\":", f);
	if (p.pid)
		fprintf(f, "%d", (int)p.pid);
	else
		fputs("null", f);
	fputs(",\"status\":", f);
	cli_json_str(f, p.status);
}

void cli_proc_cols(FILE *f, const char *name)
{
	struct cfs_proc_view p;
	char pid[16] = "-";

	cfs_proc_view(name, &p);
	if (p.pid)
		snprintf(pid, sizeof(pid), "%d", (int)p.pid);
	fprintf(f, " %-7s %s", pid, cli_dash(p.status));
}

void cli_proc_show(FILE *f, const char *name)
{
	struct cfs_proc_view p;

	cfs_proc_view(name, &p);
	if (p.pid)
		fprintf(f, "pid:        %d\n", (int)p.pid);
	else
		fprintf(f, "pid:        -\n");
	fprintf(f, "status:     %s\n", cli_dash(p.status));
}

/* Containers run without --ip have no network state: one JSON object
 * (with the network keys null) or one row each. */
int cli_ls_run_only(FILE *f, bool json, bool first)
{
	static const char *const net_keys[] = {
		"network", "mode", "address", "gateway", "ifname", "host_veth",
		"bridge", "mac", "mtu", "state",
	};
	cfs_error_t err = { 0 };
	char **names;
	size_t n;

	if (cfs_run_only_names(&names, &n, &err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (json) {
			if (!first || i)
				fputc(',', f);
			fputs("{\"name\":", f);
			cli_json_str(f, names[i]);
			for (size_t k = 0; k < sizeof(net_keys) / sizeof(net_keys[0]); k++)
				fprintf(f, ",\"%s\":null", net_keys[k]);
			cli_proc_json(f, names[i]);
			fputc('}', f);
		} else {
			fprintf(f, "%-15s %-18s %-15s %-10s %-15s %-15s %-17s %-5s %-14s", names[i],
				"-", "-", "-", "-", "-", "-", "-", "-");
			cli_proc_cols(f, names[i]);
			fputc('\n', f);
		}
	}
	cfs_names_free(names, n);
	return 0;
}

/* show NAME for a container run without --ip; 1 if NAME is not one. */
int cli_show_run_only(const char *name, bool json)
{
	struct cfs_proc_view p;

	cfs_proc_view(name, &p);
	if (!p.has_run)
		return 1;
	if (json) {
		fputs("{\"name\":", stdout);
		cli_json_str(stdout, name);
		fputs(",\"network\":null", stdout);
		cli_proc_json(stdout, name);
		fputs("}\n", stdout);
	} else {
		printf("name:       %s\n", name);
		printf("network:    - (a private network namespace with lo only)\n");
		cli_proc_show(stdout, name);
	}
	return 0;
}

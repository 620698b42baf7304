/* util.c - helpers shared by the CLI's command files. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cfs_usage_text[] =
	"usage: cfsnet COMMAND [ARGS]\n"
	"\n"
	"  up NAME [--ip ADDR/PREFIX] [--net NET] [--no-bridge] [--ifname IF] [--mtu N]\n"
	"          [--ip6 ADDR6/PREFIX]\n"
	"      [--publish HOSTPORT:PORT[/tcp|/udp]]... [--rate RATE [--burst SIZE]]\n"
	"                      create network namespace NAME with a veth, address,\n"
	"                      route and NAT (bridge mode unless --no-bridge)\n"
	"  down NAME           remove all that `up NAME` made\n"
	"  exec NAME -- CMD [ARG...]\n"
	"                      run CMD inside NAME's network namespace\n"
	"  ls [--json]         list containers\n"
	"  show NAME [--json]  show one container\n"
	"  net create NAME --subnet CIDR [--internal] [--mtu N] [--ipv6 PREFIX6]\n"
	"                 [--vxlan ID --remote IP [--local IP]]\n"
	"  net rm NAME         a network by name (refused while in use)\n"
	"  net ls [--json]     list networks\n"
	"  connect NAME NET [--ip ADDR/PREFIX] [--rate RATE [--burst SIZE]]\n"
	"                      put container NAME on network NET too (eth1, eth2, ...)\n"
	"  disconnect NAME NET take it off again\n"
	"  route add NAME DEST via GW\n"
	"  route del NAME DEST [via GW]\n"
	"                      a static route inside container NAME\n"
	"  sandbox [--wan] -- CMD [ARG...]\n"
	"                      run CMD in a private world (own network, mount and pid\n"
	"                      namespaces, /run, /etc/netns); --wan adds an outside world\n"
	"                      at 203.0.113.1 reachable only through NAT\n"
	"  image pack DIR FILE\n"
	"                      pack DIR as a cpio (newc) archive, compressed by FILE's\n"
	"                      name: .cpio none, .bz2, .xz, .zst/.zstd, else gzip\n"
	"  image unpack FILE DIR\n"
	"                      unpack FILE into DIR (missing or empty); refuses entries\n"
	"                      that would land outside DIR\n"
	"  rootfs DIR          build a minimal busybox root in DIR (missing or empty)\n"
	"  run NAME --rootfs DIR [--ip A/P [--ip6 A6/P]] [--hostname H] [--memory SIZE]\n"
	"      [--memory-swap SIZE] [--swappiness N] [--cpus LIST] [--cpu-shares N]\n"
	"      [--cpu-quota P%] [--pids N] [--oom-score-adj N] [--env K=V]...\n"
	"      [--layer DIR]... [--publish HOSTPORT:PORT[/PROTO]]... [--detach]\n"
	"      [--no-seccomp] -- CMD [ARG...]\n"
	"                      run CMD as a container: own pid, mount, uts, ipc,\n"
	"                      network and cgroup namespaces, DIR as its root, limits\n"
	"                      in a cgroup; its exit status is CMD's\n"
	"  stop NAME [--timeout S]\n"
	"                      SIGTERM, SIGKILL after S seconds (10), then remove it\n"
	"  stats NAME [--json] CPU time, memory, processes, OOM kills of a container\n"
	"  link set NAME [--ifname IF] (--rate RATE [--burst SIZE] | --no-rate)\n"
	"                      rate-limit a container's link (both directions, tbf)\n"
	"  lab up FILE         build the lab FILE describes (networks, nodes, links)\n"
	"  lab down FILE       remove it\n"
	"  lab ping FILE [--all]\n"
	"                      pingall between its nodes; exit 1 on any loss\n"
	"  gc [--dry-run] [--all-cgroups]\n"
	"                      remove what killed cfsnet commands left behind\n"
	"  check NAME [--fix]  compare NAME's state with the kernel; --fix repairs\n"
	"  help                this text\n";

int cli_report(const cfs_error_t *err)
{
	fprintf(stderr, "cfsnet: %s\n", err->msg);
	return err->kind == CFS_ERR_USAGE ? EXIT_USAGE : EXIT_FAILURE;
}

int cli_usage_error(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "cfsnet: ");
	fprintf(stderr, fmt, a, b);
	fprintf(stderr, "\nTry 'cfsnet help'.\n");
	return EXIT_USAGE;
}

int cli_next_opt(const char *cmd, int argc, char **argv, const char *shortopts,
		    const struct option *longopts, int *bad)
{
	int c = getopt_long(argc, argv, shortopts, longopts, NULL);

	if (c == '?' || c == ':') {
		const char *arg = argv[optind - 1];

		if (c == ':' || (optopt && strchr(shortopts, optopt)))
			*bad = cli_usage_error("%s: option '%s' needs a value", cmd, arg);
		else
			*bad = cli_usage_error("%s: unknown option '%s'", cmd, arg);
	}
	return c;
}

void cli_json_str(FILE *f, const char *s)
{
	if (!s || !*s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

const char *cli_dash(const char *s)
{
	return s && *s ? s : "-";
}

int cli_args_json(const char *cmd, int argc, char **argv, bool *json,
			 int nargs, char **args)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c, bad = 0, k = 0;

	*json = false;
	optind = 1;
	while ((c = cli_next_opt(cmd, argc, argv, ":h", opts, &bad)) != -1) {
		if (bad)
			return bad;
		if (c == 'j')
			*json = true;
		else if (c == 'h') {
			fputs(cfs_usage_text, stdout);
			exit(0);
		}
	}
	for (; optind < argc; optind++) {
		if (k == nargs)
			return cli_usage_error("%s: unexpected argument '%s'", cmd,
					   argv[optind]);
		args[k++] = argv[optind];
	}
	if (k < nargs)
		return cli_usage_error("%s: missing %s", cmd, "NAME");
	return 0;
}


/* cmd_gc.c - `cfsnet gc [--dry-run] [--all-cgroups]` and `cfsnet check NAME [--fix]`:
 * crash recovery and drift repair. */
#include <string.h>

#include "cli.h"
#include "ops/ops.h"

static int help_or_unknown(const char *cmd, const char *arg)
{
	if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
		fputs(cfs_usage_text, stdout);
		return 0;
	}
	return cli_usage_error("%s: unknown option '%s'", cmd, arg);
}

int cmd_gc(int argc, char **argv)
{
	cfs_error_t err = { 0 };
	struct cfs_report rep;
	bool dry = false, all_cgroups = false;
	int r;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run"))
			dry = true;
		else if (!strcmp(argv[i], "--all-cgroups"))
			all_cgroups = true;
		else if (argv[i][0] == '-')
			return help_or_unknown("gc", argv[i]);
		else
			return cli_usage_error("%s: unexpected argument '%s'", "gc", argv[i]);
	}
	r = cfs_gc(dry, all_cgroups, &rep, &err);
	for (size_t i = 0; i < rep.n; i++)
		printf("%s %s\n", dry ? "would remove:" : "removed:", rep.lines[i]);
	cfs_report_free(&rep);
	cli_fw_backend_note();
	return r < 0 ? cli_report(&err) : 0;
}

int cmd_check(int argc, char **argv)
{
	cfs_error_t err = { 0 };
	struct cfs_report rep;
	const char *name = NULL;
	bool fix = false;
	int r;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--fix"))
			fix = true;
		else if (argv[i][0] == '-')
			return help_or_unknown("check", argv[i]);
		else if (name)
			return cli_usage_error("%s: unexpected argument '%s'", "check", argv[i]);
		else
			name = argv[i];
	}
	if (!name)
		return cli_usage_error("%s: missing %s", "check", "NAME");
	r = cfs_check(name, fix, &rep, &err);
	for (size_t i = 0; i < rep.n; i++)
		printf("%s: %s%s\n", name, rep.lines[i], fix && r == 0 ? ": fixed" : "");
	if (r == 0 && rep.n == 0)
		printf("%s: the kernel matches the state\n", name);
	if (r == 0 && rep.n && !fix) {
		cfs_fail(&err, 0, "check %s: %zu difference(s) between the state and the kernel ('cfsnet check %s --fix' repairs them)",
			 name, rep.n, name);
		r = -1;
	}
	cfs_report_free(&rep);
	cli_fw_backend_note();
	return r < 0 ? cli_report(&err) : 0;
}

void cli_fw_backend_note(void)
{
	struct cfs_fw_backend b;
	cfs_error_t err = { 0 };

	if (cfs_fw_backend_probe(&b, &err) < 0 || !b.nft_only)
		return;
	fprintf(stderr,
		"cfsnet: warning: this host's firewall is nftables (%u rules in ip/inet tables) and its legacy iptables tables hold no rule but cfsnet's: cfsnet writes legacy rules, which `iptables` (nft) does not show (use iptables-legacy-save), and a DROP in nftables still applies to cfsnet's traffic\n",
		b.nft_rules);
}

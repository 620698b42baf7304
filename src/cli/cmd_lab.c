/* cmd_lab.c - `cfsnet lab up|down|ping FILE`: batch labs from a topology
 * file. Progress (done/total) goes to stderr only when it is a terminal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ops/lab.h"

struct progress {
	const char *what;
	bool tty;
	bool shown;
};

static void show_progress(void *arg, size_t done, size_t total)
{
	struct progress *p = arg;

	if (!p->tty)
		return;
	fprintf(stderr, "\r%s: %zu/%zu", p->what, done, total);
	p->shown = true;
}

static void end_progress(struct progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
	p->shown = false;
}

static int lab_load(const char *file, struct cfs_lab *lab)
{
	cfs_error_t err = { 0 };

	if (cfs_lab_load(file, lab, &err) == 0)
		return 0;
	return cli_report(&err);
}

static int lab_up(const char *file)
{
	struct progress p = { .what = "lab up", .tty = isatty(STDERR_FILENO) };
	cfs_error_t err = { 0 };
	struct cfs_lab lab;
	int r;

	if ((r = lab_load(file, &lab)) != 0)
		return r;
	r = cfs_lab_up(&lab, show_progress, &p, &err);
	end_progress(&p);
	if (r < 0) {
		cfs_lab_free(&lab);
		return cli_report(&err);
	}
	printf("%s: %zu node%s, %zu network%s, %zu link%s up\n", file,
	       lab.nnodes, lab.nnodes == 1 ? "" : "s", lab.nnets,
	       lab.nnets == 1 ? "" : "s", lab.nlinks, lab.nlinks == 1 ? "" : "s");
	cfs_lab_free(&lab);
	return 0;
}

static int lab_down(const char *file)
{
	struct progress p = { .what = "lab down", .tty = isatty(STDERR_FILENO) };
	cfs_error_t err = { 0 };
	struct cfs_lab lab;
	int r;

	if ((r = lab_load(file, &lab)) != 0)
		return r;
	r = cfs_lab_down(&lab, show_progress, &p, &err);
	end_progress(&p);
	cfs_lab_free(&lab);
	return r < 0 ? cli_report(&err) : 0;
}

static int lab_ping(const char *file, bool all)
{
	struct progress p = { .what = "lab ping", .tty = isatty(STDERR_FILENO) };
	cfs_error_t err = { 0 };
	struct cfs_lab_probe *probes = NULL;
	struct cfs_lab lab;
	size_t n = 0, lost = 0;
	int r;

	if ((r = lab_load(file, &lab)) != 0)
		return r;
	if (cfs_lab_probes(&lab, all, &probes, &n, &err) < 0)
		r = cfs_error_wrap(&err, "lab ping %s", file);
	else
		r = cfs_lab_ping(&lab, probes, n, show_progress, &p, &err);
	if (r < 0) {
		end_progress(&p);
		free(probes);
		cfs_lab_free(&lab);
		return cli_report(&err);
	}
	end_progress(&p);
	for (size_t i = 0; i < n; i++) {
		char a[CFS_IP4_STRLEN];

		if (probes[i].answered)
			continue;
		lost++;
		cfs_ip4_format(probes[i].addr, a);
		printf("%s -> %s %s: no answer\n", lab.nodes[probes[i].src].name,
		       lab.nodes[probes[i].dst].name, a);
	}
	printf("%s: %zu nodes, %zu pings, %zu answered, %zu%% loss%s\n", file,
	       lab.nnodes, n, n - lost, n ? (lost * 100 + n - 1) / n : 0,
	       !all && lab.nnodes > CFS_LAB_PING_FULL ? " (each node to the next 8)" : "");
	free(probes);
	cfs_lab_free(&lab);
	return lost ? EXIT_FAILURE : 0;
}

int cmd_lab(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ 0 },
	};
	const char *sub;
	char cmd[16];
	bool all = false;
	int c, bad = 0;

	if (argc < 2)
		return cli_usage_error("%s: missing %s", "lab", "up, down or ping");
	sub = argv[1];
	if (strcmp(sub, "up") && strcmp(sub, "down") && strcmp(sub, "ping"))
		return cli_usage_error("lab: unknown subcommand '%s'%s", sub, "");
	snprintf(cmd, sizeof(cmd), "lab %s", sub);
	optind = 1;
	while ((c = cli_next_opt(cmd, argc - 1, argv + 1, ":",
				 strcmp(sub, "ping") ? opts + 1 : opts, &bad)) != -1) {
		if (bad)
			return bad;
		if (c == 'a')
			all = true;
	}
	if (argc - 1 - optind < 1)
		return cli_usage_error("lab %s: missing %s", sub, "FILE");
	if (argc - 1 - optind > 1)
		return cli_usage_error("lab %s: unexpected argument '%s'", sub,
				       argv[1 + optind + 1]);
	if (!strcmp(sub, "up"))
		return lab_up(argv[1 + optind]);
	if (!strcmp(sub, "down"))
		return lab_down(argv[1 + optind]);
	return lab_ping(argv[1 + optind], all);
}

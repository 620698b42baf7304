/* fuzz_cli.c - the command line itself: every command's argument parsing
 * (getopt tables, "--", positional arguments, every value check) on
 * fuzzed argv. The operations the commands would then run are replaced by
 * stubs that fail (linked with --allow-multiple-definition, the harness's
 * definitions first), so nothing is touched. Input: the first byte picks
 * the command, the rest are NUL-separated arguments. */
#define _GNU_SOURCE
#include "fuzz.h"

#include <getopt.h>

#include "cli/cli.h"
#include "ops/ops.h"
#include "rootfs/image.h"
#include "rootfs/rootfs.h"

/* ---- the operations, stubbed --------------------------------------------- */

#define STUB(decl)                                    \
	decl                                          \
	{                                             \
		return cfs_fail(err, 0, "fuzz stub"); \
	}

STUB(int cfs_up(const struct cfs_up_opts *o, struct cfs_container *out, bool *created,
		cfs_error_t *err))
STUB(int cfs_down(const char *name, cfs_error_t *err))
STUB(int cfs_list(struct cfs_view **out, size_t *n, cfs_error_t *err))
STUB(int cfs_show(const char *name, struct cfs_view *out, cfs_error_t *err))
STUB(int cfs_net_create(const struct cfs_net_opts *o, cfs_error_t *err))
STUB(int cfs_net_rm(const char *name, cfs_error_t *err))
STUB(int cfs_net_list(struct cfs_network **nets, size_t *n, cfs_error_t *err))
STUB(int cfs_connect(const char *name, const char *netname, const struct cfs_cidr *ip,
		     struct cfs_attach *out, cfs_error_t *err))
STUB(int cfs_disconnect(const char *name, const char *netname, cfs_error_t *err))
STUB(int cfs_route(const char *name, bool add, const struct cfs_cidr *dst, uint32_t gw,
		   cfs_error_t *err))
STUB(int cfs_stop(const char *name, unsigned timeout_s, cfs_error_t *err))
STUB(int cfs_stats(const char *name, struct cfs_cg_stats *st, cfs_error_t *err))
STUB(int cfs_image_pack(const char *dir, const char *file, struct cfs_image_stats *stats,
			cfs_error_t *err))
STUB(int cfs_image_unpack(const char *file, const char *dir, struct cfs_image_stats *stats,
			  cfs_error_t *err))
STUB(int cfs_rootfs_build(const char *dir, const char *busybox, size_t *napplets,
			  cfs_error_t *err))

int cfs_exec(const char *name, char *const argv[], int *status, cfs_error_t *err)
{
	*status = 1;
	return cfs_fail(err, 0, "fuzz stub");
}

int cfs_sandbox(bool wan, char *const argv[], int *status, cfs_error_t *err)
{
	*status = 1;
	return cfs_fail(err, 0, "fuzz stub");
}

int cfs_run(const struct cfs_run_opts *o, struct cfs_run_result *res, cfs_error_t *err)
{
	memset(res, 0, sizeof(*res));
	res->status = 1;
	return cfs_fail(err, 0, "fuzz stub");
}

int cfs_online_cpus(char *buf, size_t len, unsigned *ncpus, cfs_error_t *err)
{
	(void)err;
	snprintf(buf, len, "0-3");
	*ncpus = 4;
	return 0;
}

void cfs_proc_view(const char *name, struct cfs_proc_view *out)
{
	(void)name;
	memset(out, 0, sizeof(*out));
}

int cfs_run_only_names(char ***names, size_t *n, cfs_error_t *err)
{
	(void)err;
	*names = NULL;
	*n = 0;
	return 0;
}

/* ---- the harness ------------------------------------------------------------- */

static const struct {
	const char *name;
	int (*fn)(int, char **);
} cmds[] = {
	{ "up", cmd_up }, { "down", cmd_down }, { "exec", cmd_exec }, { "ls", cmd_ls },
	{ "show", cmd_show }, { "image", cmd_image }, { "sandbox", cmd_sandbox },
	{ "net", cmd_net }, { "connect", cmd_connect }, { "disconnect", cmd_disconnect },
	{ "route", cmd_route }, { "rootfs", cmd_rootfs }, { "run", cmd_run },
	{ "stop", cmd_stop }, { "stats", cmd_stats },
};

/* A help option makes some commands exit(0) after printing the usage. */
static bool asks_help(const char *w)
{
	return (!strncmp(w, "--h", 3)) || (w[0] == '-' && w[1] != '-' && strchr(w, 'h'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[66], *s;
	size_t i = 0;
	int argc = 1, r;
	unsigned k;

	if (size < 1)
		return 0;
	k = data[0] % (sizeof(cmds) / sizeof(cmds[0]));
	s = fuzz_str(data + 1, size - 1);
	argv[0] = (char *)cmds[k].name;
	while (i < size - 1 && argc < 64) {
		argv[argc] = s + i;
		if (asks_help(argv[argc]))
			goto out;
		argc++;
		i += strlen(s + i) + 1;
	}
	argv[argc] = NULL;
	/* getopt keeps state between parses (a half-read "-abc" of the last
	 * input, freed since): start afresh, as a new process would. optind
	 * 0 makes glibc re-initialise on the next call, which this empty
	 * parse is. */
	{
		char *none[] = { (char *)"x", NULL };

		optind = 0;
		getopt(1, none, "");
	}
	r = cmds[k].fn(argc, argv);
	FUZZ_CHECK(r >= 0 && r <= 255);
out:
	free(s);
	return 0;
}

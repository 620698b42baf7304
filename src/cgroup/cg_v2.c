/* cg_v2.c - the cgroup v2 (unified) backend: one group root/cfsnet/NAME.
 * A controller's files appear in a group only when its parent enables the
 * controller in cgroup.subtree_control, so cfsnet enables what it uses on
 * the way down: in root (normally already done by the init system) and in
 * its own cfsnet parent. Processes live only in the leaf (NAME). */
#include "cgroup-internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"

#define CFS_CPU_PERIOD_US 100000

/* The controllers cfsnet enables on v2 (cpuacct is v1 only: v2's cpu.stat
 * is there without any controller). */
#define V2_WANTED                                                        \
	(CFS_CG_BIT(CFS_CG_CPUSET) | CFS_CG_BIT(CFS_CG_CPU) |               \
	 CFS_CG_BIT(CFS_CG_MEMORY) | CFS_CG_BIT(CFS_CG_PIDS))

/* log2(x) and 10^y for the curve below, by series: the mapping is
 * cfsnet's only use of floating point, and libm would be a shared object
 * mapped and relocated at the start of every command. Exact where libm is
 * exact (a power of two, an integer power of ten: v1's default share 1024
 * must give 100, not 101); the unit tests compare the result with libm's
 * for every share value. */
static const double LN2 = 0.693147180559945309417232121458;
static const double LN10 = 2.30258509299404568401799145468;

static double log2_pos(double x)     /* x >= 1 */
{
	double s, s2, term, sum = 0;
	int k = 0;

	while (x >= 2) {            /* x = m * 2^k, 1 <= m < 2 */
		x /= 2;
		k++;
	}
	/* ln m = 2 atanh(s), s = (m - 1) / (m + 1) < 1/3 */
	s = (x - 1) / (x + 1);
	s2 = s * s;
	term = s;
	for (int n = 1; n < 60; n += 2) {
		sum += term / n;
		term *= s2;
	}
	return k + 2 * sum / LN2;
}

static double pow10_pos(double y)    /* 0 <= y < 5 */
{
	int whole = (int)y;
	double r = (y - whole) * LN10, term = 1, sum = 1;

	/* 10^y = 10^whole e^r, 0 <= r < ln 10: e^r by its series */
	for (int n = 1; n < 40; n++) {
		term *= r / n;
		sum += term;
	}
	while (whole-- > 0)
		sum *= 10;
	return sum;
}

unsigned cfs_cg_shares_to_weight(unsigned shares)
{
	/* The mapping crun and runc use since 2025: a curve through (2, 1),
	 * (1024, 100) and (262144, 10000) in log space, so v1's default share
	 * lands on v2's default weight (the older linear map gave 39). With
	 * l = log2(shares): weight = ceil(10^((l^2 + 125 l) / 612 - 7/34)). */
	double l, w;

	if (shares <= 2)
		return 1;
	if (shares >= 262144)
		return 10000;
	l = log2_pos((double)shares);
	w = pow10_pos((l * l + 125.0 * l) / 612.0 - 7.0 / 34.0);
	/* ceil */
	if (w >= 10000)
		return 10000;
	return (unsigned)w + ((double)(unsigned)w < w);
}

static int v2_layout(struct cfs_cgroup *cg, cfs_error_t *err)
{
	struct cfs_cg_dir *d = &cg->dirs[0];

	cg->ndirs = 1;
	d->mount = strdup(cg->root);
	d->parent = d->mount ? cfs_cg_join(d->mount, CFS_CG_PARENT) : NULL;
	d->path = d->parent ? cfs_cg_join(d->parent, cg->name) : NULL;
	if (!d->path)
		return cfs_fail(err, ENOMEM, "cgroup %s", cg->name);
	d->ctrls = (1u << CFS_CG_NCTRL) - 1;
	for (int c = 0; c < CFS_CG_NCTRL; c++)
		cg->dir_of[c] = 0;
	return 0;
}

/* The set of cfsnet's controllers named in a space-separated list
 * (cgroup.controllers, cgroup.subtree_control). */
static int read_ctrls(const char *dir, const char *file, unsigned *set,
		      cfs_error_t *err)
{
	cleanup_free char *s = NULL;
	char *tok, *save = NULL;

	*set = 0;
	if (cfs_cg_read(dir, file, &s, err) < 0)
		return -1;
	for (tok = strtok_r(s, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save))
		for (int c = 0; c < CFS_CG_NCTRL; c++)
			if (!strcmp(tok, cfs_cg_ctrl_names[c]))
				*set |= CFS_CG_BIT(c);
	return 0;
}

static int need(const struct cfs_cgroup *cg, int c, const char *what,
		cfs_error_t *err)
{
	if (cg->avail & CFS_CG_BIT(c))
		return 0;
	return cfs_fail(err, 0,
			"%s needs the cgroup v2 %s controller, which %s/cgroup.controllers does not offer",
			what, cfs_cg_ctrl_names[c], cg->root);
}

static int v2_can_apply(struct cfs_cgroup *cg, const struct cfs_cg_limits *lim,
			cfs_error_t *err)
{
	if (read_ctrls(cg->root, "cgroup.controllers", &cg->avail, err) < 0)
		return -1;
	cg->avail &= V2_WANTED;
	if ((lim->memory != -1 || lim->memory_swap != -1) &&
	    need(cg, CFS_CG_MEMORY, "a memory limit", err) < 0)
		return -1;
	if (lim->cpus[0] && need(cg, CFS_CG_CPUSET, "a CPU list", err) < 0)
		return -1;
	if ((lim->cpu_shares || lim->cpu_quota_pct) &&
	    need(cg, CFS_CG_CPU, "a CPU share or quota", err) < 0)
		return -1;
	if (lim->pids != -1 && need(cg, CFS_CG_PIDS, "a process limit", err) < 0)
		return -1;
	return 0;
}

/* Enables in dir's cgroup.subtree_control those of want not enabled yet:
 * no write at all when everything is on. */
static int enable(const char *dir, unsigned want, cfs_error_t *err)
{
	char buf[64] = "";
	unsigned on;

	if (read_ctrls(dir, "cgroup.subtree_control", &on, err) < 0)
		return -1;
	for (int c = 0; c < CFS_CG_NCTRL; c++) {
		if (!(want & CFS_CG_BIT(c)) || (on & CFS_CG_BIT(c)))
			continue;
		if (buf[0])
			strcat(buf, " ");
		strcat(buf, "+");
		strcat(buf, cfs_cg_ctrl_names[c]);
	}
	if (!buf[0])
		return 0;
	return cfs_cg_write(dir, "cgroup.subtree_control", buf, err);
}

static int v2_prepare_parent(struct cfs_cgroup *cg, struct cfs_cg_dir *d,
			     cfs_error_t *err)
{
	bool made;

	/* The one write outside cfsnet's own groups: the root must delegate
	 * the controllers to its children before cfsnet's parent can have
	 * them. An init system normally did this already (then nothing is
	 * written); the root is exempt from the no-internal-processes rule, so
	 * it works on a bare host too. The change is not undone: other
	 * groups are unaffected until they enable the controllers themselves. */
	if (enable(cg->root, cg->avail, err) < 0) {
		if (err && err->errnum == EBUSY)
			cfs_error_append(err,
					 "this cgroup root has processes of its own, so cgroup v2 cannot delegate controllers from it");
		return -1;
	}
	if (cfs_cg_mkdir(d->parent, true, &made, err) < 0)
		return -1;
	if (made)
		d->made_parent = true;
	return enable(d->parent, cg->avail, err);
}

static int v2_apply(struct cfs_cgroup *cg, const struct cfs_cg_limits *lim,
		    cfs_error_t *err)
{
	const char *p = cg->dirs[0].path;
	char buf[64];

	/* v2 cpusets inherit the parent's effective CPUs and memory nodes when
	 * empty, so only a requested list is written. */
	if (lim->cpus[0] && cfs_cg_write(p, "cpuset.cpus", lim->cpus, err) < 0)
		return -1;
	if (lim->cpu_shares &&
	    cfs_cg_write_u64(p, "cpu.weight",
			     cfs_cg_shares_to_weight(lim->cpu_shares), err) < 0)
		return -1;
	if (lim->cpu_quota_pct) {
		snprintf(buf, sizeof(buf), "%" PRIu64 " %u",
			 (uint64_t)lim->cpu_quota_pct * (CFS_CPU_PERIOD_US / 100),
			 CFS_CPU_PERIOD_US);
		if (cfs_cg_write(p, "cpu.max", buf, err) < 0)
			return -1;
	}
	if (lim->memory != -1 &&
	    cfs_cg_write_u64(p, "memory.max", (uint64_t)lim->memory, err) < 0)
		return -1;
	/* v1's memsw counts memory + swap; v2's swap.max is the swap alone. */
	if (lim->memory_swap != -1 &&
	    cfs_cg_write_u64(p, "memory.swap.max",
			     (uint64_t)(lim->memory_swap - lim->memory), err) < 0) {
		if (err && err->errnum == ENOENT)
			cfs_error_append(err,
					 "swap accounting is off on this host: a memory+swap limit needs it");
		return -1;
	}
	/* An OOM kill takes the whole container (its init included) rather
	 * than one process, which would leave a half-working container. Kernels
	 * before 4.19 lack the file: then the kernel's default applies. */
	if ((cg->avail & CFS_CG_BIT(CFS_CG_MEMORY)) &&
	    cfs_cg_exists(p, "memory.oom.group") &&
	    cfs_cg_write(p, "memory.oom.group", "1", err) < 0)
		return -1;
	if (lim->pids != -1 &&
	    cfs_cg_write_u64(p, "pids.max", (uint64_t)lim->pids, err) < 0)
		return -1;
	return 0;
}

/* A file of a controller that may not be enabled: absent reads as 0. */
static int opt_u64(const char *dir, const char *file, uint64_t *v,
		   cfs_error_t *err)
{
	if (!cfs_cg_exists(dir, file)) {
		*v = 0;
		return 0;
	}
	return cfs_cg_read_u64(dir, file, v, err);
}

static int opt_keyed(const char *dir, const char *file, const char *key,
		     uint64_t *v, cfs_error_t *err)
{
	bool found;

	*v = 0;
	if (!cfs_cg_exists(dir, file))
		return 0;
	return cfs_cg_read_keyed(dir, file, key, v, &found, err);
}

static int v2_stats(struct cfs_cgroup *cg, struct cfs_cg_stats *st,
		    cfs_error_t *err)
{
	const char *p = cg->dirs[0].path;
	uint64_t limit = UINT64_MAX;
	bool found;

	if (cfs_cg_read_keyed(p, "cpu.stat", "usage_usec", &st->cpu_usec, &found,
			      err) < 0 ||
	    opt_u64(p, "memory.current", &st->memory, err) < 0 ||
	    opt_u64(p, "memory.peak", &st->memory_peak, err) < 0 ||
	    opt_keyed(p, "memory.events", "oom_kill", &st->oom_kills, err) < 0 ||
	    opt_keyed(p, "memory.events", "max", &st->memory_limit_hits, err) < 0 ||
	    opt_u64(p, "pids.current", &st->pids, err) < 0)
		return -1;
	if (cfs_cg_exists(p, "memory.max") &&
	    cfs_cg_read_u64(p, "memory.max", &limit, err) < 0)
		return -1;
	st->memory_limit = limit > INT64_MAX ? -1 : (int64_t)limit;
	return 0;
}

const struct cfs_cg_ops cfs_cg_v2_ops = {
	.version = CFS_CG_V2,
	.layout = v2_layout,
	.can_apply = v2_can_apply,
	.prepare_parent = v2_prepare_parent,
	.apply = v2_apply,
	.stats = v2_stats,
};

/* cg_v1.c - the cgroup v1 backend (legacy and hybrid hosts): one hierarchy
 * per controller mounted at root/<controller>, several controllers possibly
 * sharing one (Debian's cpu,cpuacct with cpu and cpuacct as symlinks). The
 * group is cfsnet/NAME in each hierarchy. */
#include "cgroup-internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/util.h"

#define CFS_CFS_PERIOD_US 100000

static int add_dir(struct cfs_cgroup *cg, int c, const char *mount,
		   cfs_error_t *err)
{
	struct cfs_cg_dir *d = &cg->dirs[cg->ndirs];

	d->mount = strdup(mount);
	d->parent = d->mount ? cfs_cg_join(d->mount, CFS_CG_PARENT) : NULL;
	d->path = d->parent ? cfs_cg_join(d->parent, cg->name) : NULL;
	/* Counted even when incomplete, so cfs_cg_free releases it. */
	cg->ndirs++;
	if (!d->path)
		return cfs_fail(err, ENOMEM, "cgroup %s", cg->name);
	d->ctrls = CFS_CG_BIT(c);
	cg->dir_of[c] = (int)(cg->ndirs - 1);
	return 0;
}

static int v1_layout(struct cfs_cgroup *cg, cfs_error_t *err)
{
	struct stat seen[CFS_CG_NCTRL];

	for (int c = 0; c < CFS_CG_NCTRL; c++) {
		cleanup_free char *mount = cfs_cg_join(cg->root, cfs_cg_ctrl_names[c]);
		struct stat st;
		bool shared = false;

		if (!mount)
			return cfs_fail(err, ENOMEM, "cgroup %s", cg->name);
		/* A hierarchy is where the controller's name leads (following
		 * the cpu -> cpu,cpuacct symlinks) and holds cgroup.procs: a
		 * bare directory of the tmpfs is not one. */
		if (stat(mount, &st) < 0 || !S_ISDIR(st.st_mode) ||
		    !cfs_cg_exists(mount, "cgroup.procs"))
			continue;
		for (size_t i = 0; i < cg->ndirs; i++) {
			if (seen[i].st_dev == st.st_dev &&
			    seen[i].st_ino == st.st_ino) {
				cg->dirs[i].ctrls |= CFS_CG_BIT(c);
				cg->dir_of[c] = (int)i;
				shared = true;
				break;
			}
		}
		if (shared)
			continue;
		seen[cg->ndirs] = st;
		if (add_dir(cg, c, mount, err) < 0)
			return -1;
	}
	if (cg->ndirs == 0)
		return cfs_fail(err, ENOENT,
				"no cgroup v1 hierarchy of cpuset, cpu, cpuacct, memory or pids under %s",
				cg->root);
	return 0;
}

static int need(const struct cfs_cgroup *cg, int c, const char *what,
		cfs_error_t *err)
{
	if (cg->dir_of[c] >= 0)
		return 0;
	return cfs_fail(err, 0,
			"%s needs the cgroup v1 %s controller, which is not mounted at %s/%s",
			what, cfs_cg_ctrl_names[c], cg->root, cfs_cg_ctrl_names[c]);
}

static int v1_can_apply(struct cfs_cgroup *cg, const struct cfs_cg_limits *lim,
			cfs_error_t *err)
{
	if (lim->memory != -1 && need(cg, CFS_CG_MEMORY, "a memory limit", err) < 0)
		return -1;
	if (lim->swappiness != -1 &&
	    need(cg, CFS_CG_MEMORY, "swappiness", err) < 0)
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

/* A cpuset group admits no task until cpuset.cpus and cpuset.mems are set;
 * a new group starts with both empty. Fills dir's file from from's when it
 * is empty. */
static int inherit_cpuset(const char *dir, const char *from, const char *file,
			  cfs_error_t *err)
{
	cleanup_free char *cur = NULL, *val = NULL;

	if (cfs_cg_read(dir, file, &cur, err) < 0)
		return -1;
	if (cur[0])
		return 0;
	if (cfs_cg_read(from, file, &val, err) < 0)
		return -1;
	if (!val[0])
		return cfs_fail(err, 0, "reading %s/%s: empty", from, file);
	return cfs_cg_write(dir, file, val, err);
}

/* Every group gets what `stats` reads (cpuacct, memory, pids); cpuset and
 * cpu only for the limits that use them. A group made without them costs
 * four directories fewer to make and remove (with cpuset's parent, whose
 * cpus and mems must be copied in), and changes nothing for its processes:
 * they stay in the root groups of those two hierarchies, which set no
 * limit. */
static unsigned v1_needs(const struct cfs_cg_limits *lim)
{
	unsigned need = CFS_CG_BIT(CFS_CG_CPUACCT) | CFS_CG_BIT(CFS_CG_MEMORY) |
			CFS_CG_BIT(CFS_CG_PIDS);

	if (lim->cpus[0])
		need |= CFS_CG_BIT(CFS_CG_CPUSET);
	if (lim->cpu_shares || lim->cpu_quota_pct)
		need |= CFS_CG_BIT(CFS_CG_CPU);
	return need;
}

static int v1_prepare_parent(struct cfs_cgroup *cg, struct cfs_cg_dir *d,
			     cfs_error_t *err)
{
	bool made;

	(void)cg;
	if (cfs_cg_mkdir(d->parent, true, &made, err) < 0)
		return -1;
	if (made)
		d->made_parent = true;
	/* Also when the parent existed: a cfsnet that died between its mkdir
	 * and these writes left it empty, and it is cfsnet's own group. */
	if (d->ctrls & CFS_CG_BIT(CFS_CG_CPUSET)) {
		if (inherit_cpuset(d->parent, d->mount, "cpuset.cpus", err) < 0 ||
		    inherit_cpuset(d->parent, d->mount, "cpuset.mems", err) < 0)
			return -1;
	}
	return 0;
}

static const struct cfs_cg_dir *dir_for(const struct cfs_cgroup *cg, int c)
{
	return cg->dir_of[c] >= 0 ? &cg->dirs[cg->dir_of[c]] : NULL;
}

static int v1_apply(struct cfs_cgroup *cg, const struct cfs_cg_limits *lim,
		    cfs_error_t *err)
{
	const struct cfs_cg_dir *d;

	if ((d = dir_for(cg, CFS_CG_CPUSET))) {
		cleanup_free char *cpus = NULL, *mems = NULL;

		if (!lim->cpus[0] &&
		    cfs_cg_read(d->parent, "cpuset.cpus", &cpus, err) < 0)
			return -1;
		if (cfs_cg_read(d->parent, "cpuset.mems", &mems, err) < 0)
			return -1;
		if (cfs_cg_write(d->path, "cpuset.cpus",
				 lim->cpus[0] ? lim->cpus : cpus, err) < 0 ||
		    cfs_cg_write(d->path, "cpuset.mems", mems, err) < 0)
			return -1;
	}
	if ((d = dir_for(cg, CFS_CG_MEMORY))) {
		/* A new group's limits are unlimited, so the memory limit goes
		 * first: memsw may never be below it. */
		if (lim->memory != -1 &&
		    cfs_cg_write_u64(d->path, "memory.limit_in_bytes",
				     (uint64_t)lim->memory, err) < 0)
			return -1;
		if (lim->memory_swap != -1 &&
		    cfs_cg_write_u64(d->path, "memory.memsw.limit_in_bytes",
				     (uint64_t)lim->memory_swap, err) < 0) {
			if (err && err->errnum == ENOENT)
				cfs_error_append(err,
						 "swap accounting is off on this host: a memory+swap limit needs it (boot with swapaccount=1)");
			return -1;
		}
		if (lim->swappiness != -1 &&
		    cfs_cg_write_u64(d->path, "memory.swappiness",
				     (uint64_t)lim->swappiness, err) < 0)
			return -1;
	}
	if ((d = dir_for(cg, CFS_CG_CPU))) {
		if (lim->cpu_shares &&
		    cfs_cg_write_u64(d->path, "cpu.shares", lim->cpu_shares, err) < 0)
			return -1;
		if (lim->cpu_quota_pct &&
		    (cfs_cg_write_u64(d->path, "cpu.cfs_period_us",
				      CFS_CFS_PERIOD_US, err) < 0 ||
		     cfs_cg_write_u64(d->path, "cpu.cfs_quota_us",
				      (uint64_t)lim->cpu_quota_pct *
					      (CFS_CFS_PERIOD_US / 100),
				      err) < 0))
			return -1;
	}
	if ((d = dir_for(cg, CFS_CG_PIDS)) && lim->pids != -1 &&
	    cfs_cg_write_u64(d->path, "pids.max", (uint64_t)lim->pids, err) < 0)
		return -1;
	return 0;
}

static int v1_stats(struct cfs_cgroup *cg, struct cfs_cg_stats *st,
		    cfs_error_t *err)
{
	const struct cfs_cg_dir *d;

	if ((d = dir_for(cg, CFS_CG_CPUACCT))) {
		uint64_t ns;

		if (cfs_cg_read_u64(d->path, "cpuacct.usage", &ns, err) < 0)
			return -1;
		st->cpu_usec = ns / 1000;
	}
	if ((d = dir_for(cg, CFS_CG_MEMORY))) {
		uint64_t limit;
		bool found;

		if (cfs_cg_read_u64(d->path, "memory.usage_in_bytes", &st->memory,
				    err) < 0 ||
		    cfs_cg_read_u64(d->path, "memory.max_usage_in_bytes",
				    &st->memory_peak, err) < 0 ||
		    cfs_cg_read_u64(d->path, "memory.failcnt",
				    &st->memory_limit_hits, err) < 0 ||
		    cfs_cg_read_u64(d->path, "memory.limit_in_bytes", &limit,
				    err) < 0 ||
		    cfs_cg_read_keyed(d->path, "memory.oom_control", "oom_kill",
				      &st->oom_kills, &found, err) < 0)
			return -1;
		/* "Unlimited" reads as the largest page-aligned long (the exact
		 * number depends on the page size). */
		st->memory_limit = limit >= (UINT64_C(1) << 62) ? -1 : (int64_t)limit;
	}
	if ((d = dir_for(cg, CFS_CG_PIDS)) &&
	    cfs_cg_read_u64(d->path, "pids.current", &st->pids, err) < 0)
		return -1;
	return 0;
}

const struct cfs_cg_ops cfs_cg_v1_ops = {
	.version = CFS_CG_V1,
	.layout = v1_layout,
	.can_apply = v1_can_apply,
	.prepare_parent = v1_prepare_parent,
	.needs = v1_needs,
	.apply = v1_apply,
	.stats = v1_stats,
};

/* cgroup.h - one interface to a container's control group, with a cgroup
 * v1 backend (cpuset, cpu, cpuacct, memory, pids hierarchies) and a v2
 * backend (unified), picked once at run time from what the host mounts.
 * cfsnet creates a group of its own per container (cfsnet/NAME under each
 * hierarchy it uses), never writes to a group it did not create, and
 * removes the group once the last process is gone. Nothing here prints. */
#ifndef CFS_CGROUP_H
#define CFS_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/error.h"

#define CFS_CGROUP_ROOT "/sys/fs/cgroup"

enum cfs_cg_version {
	CFS_CG_V1 = 1, /* legacy or hybrid: one hierarchy per controller */
	CFS_CG_V2 = 2, /* unified */
};

/* Limits; a field left at its "unset" value is not written. */
struct cfs_cg_limits {
	int64_t memory;         /* bytes; -1 unset */
	int64_t memory_swap;    /* memory + swap in bytes, as docker's
				 * --memory-swap; -1 unset */
	int swappiness;         /* 0..100; -1 unset (v2 has no such file:
				 * setting it there is an error that says so) */
	char cpus[128];         /* cpuset list, e.g. "0-1,3"; "" unset */
	unsigned cpu_shares;    /* 2..262144; 0 unset (v2: mapped to cpu.weight) */
	unsigned cpu_quota_pct; /* percent of one CPU, 1..100*ncpus; 0 unset */
	int64_t pids;           /* >= 1; -1 unset */
};

void cfs_cg_limits_init(struct cfs_cg_limits *lim); /* everything unset */

/* Checks lim before anything is made (cfs_cg_create runs it too): ranges,
 * memory_swap needs memory and is >= memory, cpus is a well-formed list,
 * and on v2 no swappiness. Errors are runtime errors (exit 1). */
int cfs_cg_limits_check(const struct cfs_cg_limits *lim,
			enum cfs_cg_version v, cfs_error_t *err);

struct cfs_cg_stats {
	uint64_t cpu_usec;      /* CPU time used */
	uint64_t memory;        /* current usage, bytes */
	uint64_t memory_peak;   /* peak usage, bytes (0 if the kernel has none) */
	uint64_t pids;          /* processes now */
	uint64_t oom_kills;     /* OOM kills in this group */
	int64_t memory_limit;   /* -1 unlimited */
	uint64_t memory_limit_hits; /* times usage hit the limit (v1
				     * memory.failcnt, v2 memory.events max) */
};

struct cfs_cgroup;

/* Which layout root (normally CFS_CGROUP_ROOT, a fake tree in the unit
 * tests) has: statfs magic CGROUP2 = v2, a tmpfs of per-controller
 * hierarchies = v1. */
int cfs_cg_detect(const char *root, enum cfs_cg_version *v, cfs_error_t *err);

/* Creates the group for container name under root and writes lim (on v2
 * enabling the controllers it needs in the parents' cgroup.subtree_control
 * of cfsnet's own parent group). On failure nothing is left behind. A group
 * that already exists is an error (errnum EEXIST) and is left alone: a
 * stale one is removed with cfs_cg_open + cfs_cg_destroy.
 * Order for a container: fork, the child waits -> create -> enter(child's
 * pid) (or, v1, the child's own write through cfs_cg_open_tasks' fds) ->
 * the child unshares its cgroup namespace (if any) and execs. */
int cfs_cg_create(const char *root, const char *name,
		  const struct cfs_cg_limits *lim, struct cfs_cgroup **out,
		  cfs_error_t *err);
/* Opens the existing group of container name (errnum ENOENT if none). */
int cfs_cg_open(const char *root, const char *name, struct cfs_cgroup **out,
		cfs_error_t *err);
/* The names of all groups under cfsnet's parent group, in any hierarchy,
 * sorted and without duplicates (none: *n = 0). Free each and the array. */
int cfs_cg_list(const char *root, char ***names, size_t *n, cfs_error_t *err);
/* Moves pid into the group (every hierarchy on v1). */
int cfs_cg_enter(struct cfs_cgroup *cg, pid_t pid, cfs_error_t *err);
/* How a process moves itself into the group, on v1 only: the group's
 * "tasks" files, opened O_WRONLY | O_CLOEXEC into fds[0..*n) (at most max;
 * errnum EOPNOTSUPP on v2: use cfs_cg_enter; on failure none stays open),
 * then "0" written into each by the process (cfs_cg_enter_fds), which may
 * be past its pivot_root by then. For a single-threaded process, such as a
 * child just cloned, moving the writing thread moves the whole process, and
 * it is the cheap way in: microseconds, where cfs_cg_enter costs an RCU
 * grace period (several ms). */
int cfs_cg_open_tasks(struct cfs_cgroup *cg, int *fds, size_t max, size_t *n,
		      cfs_error_t *err);
int cfs_cg_enter_fds(const int *fds, size_t n, cfs_error_t *err);
int cfs_cg_stats(struct cfs_cgroup *cg, struct cfs_cg_stats *st,
		 cfs_error_t *err);
/* Sends sig to every process in the group (every hierarchy on v1). */
int cfs_cg_kill(struct cfs_cgroup *cg, int sig, cfs_error_t *err);
/* Removes the group (its processes must be gone: EBUSY otherwise, after
 * waiting up to about 0.25 s for processes that are still exiting, e.g.
 * orphans killed with cfs_cg_kill). A group already gone is success. The
 * shared cfsnet parent group is removed too when it is empty (left alone,
 * silently, while another container still uses it). */
int cfs_cg_destroy(struct cfs_cgroup *cg, cfs_error_t *err);
void cfs_cg_free(struct cfs_cgroup *cg); /* NULL is fine; removes nothing */
static inline void cfs_cg_freep(struct cfs_cgroup **cg)
{
	cfs_cg_free(*cg);
}
#define cleanup_cgroup __attribute__((cleanup(cfs_cg_freep)))
enum cfs_cg_version cfs_cg_version(const struct cfs_cgroup *cg);

/* Parsers for the command line (pure, unit-tested). Each fails with a
 * message naming the bad value. */
/* "1024", "50k", "50m", "1g" (also upper case, optional trailing 'b'):
 * decimal digits only, k/m/g are powers of 1024, at most INT64_MAX; 0 is
 * parsed (cfs_cg_limits_check refuses it as a limit). */
int cfs_parse_size(const char *s, int64_t *bytes, cfs_error_t *err);
/* "0", "0-1,3": ascending, no duplicates, each CPU online per online_list
 * (the text of /sys/devices/system/cpu/online; NULL = don't check). At most
 * 127 characters, so it fits cfs_cg_limits.cpus. */
int cfs_parse_cpus(const char *s, const char *online_list, cfs_error_t *err);
/* "20%" or "20" -> 20; 1..100*ncpus (ncpus 0 counts as 1). */
int cfs_parse_percent(const char *s, unsigned ncpus, unsigned *pct,
		      cfs_error_t *err);

#endif

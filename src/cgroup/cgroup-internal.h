/* cgroup-internal.h - what the cgroup module's files share: the handle, the
 * per-backend table of operations, file helpers, and the seams the unit
 * tests use to drive the layer against a fake cgroupfs (a plain directory
 * tree, on which statfs magic cannot tell the layout). */
#ifndef CFS_CGROUP_INTERNAL_H
#define CFS_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"

#define CFS_CG_PARENT "cfsnet"

/* The controllers cfsnet uses; on v1 each may be its own hierarchy or share
 * one with others (cpu,cpuacct). */
enum cfs_cg_ctrl {
	CFS_CG_CPUSET,
	CFS_CG_CPU,
	CFS_CG_CPUACCT,
	CFS_CG_MEMORY,
	CFS_CG_PIDS,
	CFS_CG_NCTRL,
};
#define CFS_CG_BIT(c) (1u << (c))

extern const char *const cfs_cg_ctrl_names[CFS_CG_NCTRL];

/* One directory of the group: on v1 one per hierarchy, on v2 just one. */
struct cfs_cg_dir {
	char *mount;          /* root/<controller> (v1) or root (v2) */
	char *parent;         /* mount/cfsnet */
	char *path;           /* mount/cfsnet/NAME */
	unsigned ctrls;       /* CFS_CG_BIT()s served by this directory */
	bool made_parent;     /* this handle's create made parent */
	bool made;            /* this handle's create made path */
};

struct cfs_cg_ops;

struct cfs_cgroup {
	const struct cfs_cg_ops *ops;
	char *root;
	char *name;
	size_t ndirs;
	struct cfs_cg_dir dirs[CFS_CG_NCTRL];
	int dir_of[CFS_CG_NCTRL]; /* index into dirs, -1: not mounted */
	unsigned avail;           /* v2: CFS_CG_BIT()s of the controllers in
				   * root's cgroup.controllers cfsnet uses */
};

/* One table per backend, picked once from the detection. */
struct cfs_cg_ops {
	enum cfs_cg_version version;
	/* Fills cg->dirs from cg->root and cg->name; touches nothing. */
	int (*layout)(struct cfs_cgroup *cg, cfs_error_t *err);
	/* Checks the host can apply lim (controllers present) before anything
	 * is made. */
	int (*can_apply)(struct cfs_cgroup *cg,
			 const struct cfs_cg_limits *lim, cfs_error_t *err);
	/* Makes sure d->parent exists and is usable (v1 cpuset: cpus and mems
	 * filled; v2: controllers enabled), setting d->made_parent when it
	 * made it (and never clears it: a retry may find it made by
	 * someone else). */
	int (*prepare_parent)(struct cfs_cgroup *cg, struct cfs_cg_dir *d,
			      cfs_error_t *err);
	/* The controllers a group with limits lim needs a directory for
	 * (every directory serving none of them is left out). */
	unsigned (*needs)(const struct cfs_cg_limits *lim);
	/* Writes lim (and what a task needs to join) into the new group. */
	int (*apply)(struct cfs_cgroup *cg, const struct cfs_cg_limits *lim,
		     cfs_error_t *err);
	int (*stats)(struct cfs_cgroup *cg, struct cfs_cg_stats *st,
		     cfs_error_t *err);
};

extern const struct cfs_cg_ops cfs_cg_v1_ops;
extern const struct cfs_cg_ops cfs_cg_v2_ops;

/* create/open with the layout given instead of detected: for the unit
 * tests' fake trees (and for a caller that already detected). */
int cfs_cg_create_with(enum cfs_cg_version v, const char *root,
		       const char *name, const struct cfs_cg_limits *lim,
		       struct cfs_cgroup **out, cfs_error_t *err);
int cfs_cg_list_with(enum cfs_cg_version v, const char *root, char ***names,
		     size_t *n, cfs_error_t *err);
int cfs_cg_open_with(enum cfs_cg_version v, const char *root,
		     const char *name, struct cfs_cgroup **out,
		     cfs_error_t *err);

/* Test seam. On cgroupfs the kernel fills a new directory with its control
 * files and rmdir works on a directory full of them; a plain directory tree
 * does neither. With cfs_cg_fake set, populate runs right after every
 * mkdir the module makes and rmdir replaces rmdir(2) (returning -1 with
 * errno set like the kernel would). NULL in production. */
struct cfs_cg_fake_fs {
	int (*populate)(const char *dir, void *arg);
	int (*rmdir)(const char *dir, void *arg);
	void *arg;
};
extern const struct cfs_cg_fake_fs *cfs_cg_fake;

/* How long cfs_cg_destroy waits for exiting processes (EBUSY) before it
 * gives up; the unit tests shorten it. */
extern unsigned cfs_cg_busy_wait_ms;

/* cpu.shares (2..262144) -> cpu.weight (1..10000). */
unsigned cfs_cg_shares_to_weight(unsigned shares);

/* Helpers (cgroup.c). Paths are built with cfs_cg_join: "a/b" freshly
 * allocated, NULL on ENOMEM. */
char *cfs_cg_join(const char *dir, const char *file);
/* mkdir that also runs the fake populate; *made tells whether it was new.
 * EEXIST is success only when accept_existing. */
int cfs_cg_mkdir(const char *path, bool accept_existing, bool *made,
		 cfs_error_t *err);
int cfs_cg_rmdir(const char *path);
/* Writes s to dir/file; the error reads "writing DIR/FILE: reason". */
int cfs_cg_write(const char *dir, const char *file, const char *s,
		 cfs_error_t *err);
int cfs_cg_write_u64(const char *dir, const char *file, uint64_t v,
		     cfs_error_t *err);
/* Reads dir/file with the trailing newline removed; *out must be freed. */
int cfs_cg_read(const char *dir, const char *file, char **out,
		cfs_error_t *err);
/* A file holding one unsigned number ("max" gives UINT64_MAX). */
int cfs_cg_read_u64(const char *dir, const char *file, uint64_t *v,
		    cfs_error_t *err);
/* The value of key in a "key value" per line file (cpu.stat, memory.events,
 * memory.oom_control). *found false when the key is absent. */
int cfs_cg_read_keyed(const char *dir, const char *file, const char *key,
		      uint64_t *v, bool *found, cfs_error_t *err);
bool cfs_cg_exists(const char *dir, const char *file);

#endif

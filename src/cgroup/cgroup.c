/* cgroup.c - the part of the cgroup layer both backends share: detection,
 * the handle, creating (with rollback), entering, killing and removing the
 * group's directories, and the small file helpers. What differs between v1
 * and v2 (where the directories are, what must be set before a task can
 * join, which file holds which limit) is in cg_v1.c and cg_v2.c. */
#define _GNU_SOURCE
#include "cgroup-internal.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "../common/util.h"

const char *const cfs_cg_ctrl_names[CFS_CG_NCTRL] = {
	[CFS_CG_CPUSET] = "cpuset",
	[CFS_CG_CPU] = "cpu",
	[CFS_CG_CPUACCT] = "cpuacct",
	[CFS_CG_MEMORY] = "memory",
	[CFS_CG_PIDS] = "pids",
};

const struct cfs_cg_fake_fs *cfs_cg_fake;
unsigned cfs_cg_busy_wait_ms = 250;

/* ---- file helpers ---- */

char *cfs_cg_join(const char *dir, const char *file)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, file) < 0)
		return NULL;
	return p;
}

int cfs_cg_mkdir(const char *path, bool accept_existing, bool *made,
		 cfs_error_t *err)
{
	*made = false;
	if (mkdir(path, 0755) < 0) {
		struct stat st;

		if (errno != EEXIST || !accept_existing)
			return cfs_fail(err, errno, "creating %s", path);
		if (stat(path, &st) < 0)
			return cfs_fail(err, errno, "creating %s", path);
		if (!S_ISDIR(st.st_mode))
			return cfs_fail(err, ENOTDIR, "creating %s", path);
		return 0;
	}
	*made = true;
	if (cfs_cg_fake && cfs_cg_fake->populate &&
	    cfs_cg_fake->populate(path, cfs_cg_fake->arg) < 0) {
		int e = errno;

		cfs_cg_rmdir(path);
		*made = false;
		return cfs_fail(err, e, "creating %s", path);
	}
	return 0;
}

int cfs_cg_rmdir(const char *path)
{
	if (cfs_cg_fake && cfs_cg_fake->rmdir)
		return cfs_cg_fake->rmdir(path, cfs_cg_fake->arg);
	return rmdir(path);
}

int cfs_cg_write(const char *dir, const char *file, const char *s,
		 cfs_error_t *err)
{
	cleanup_free char *path = cfs_cg_join(dir, file);

	if (!path)
		return cfs_fail(err, ENOMEM, "writing %s/%s", dir, file);
	/* cfs_write_string says "opening" or "writing"; one wording for both
	 * keeps the messages predictable: "writing PATH: reason". */
	if (cfs_write_string(path, s, err) < 0)
		return cfs_fail(err, err ? err->errnum : EIO, "writing %s", path);
	return 0;
}

int cfs_cg_write_u64(const char *dir, const char *file, uint64_t v,
		     cfs_error_t *err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return cfs_cg_write(dir, file, buf, err);
}

int cfs_cg_read(const char *dir, const char *file, char **out,
		cfs_error_t *err)
{
	cleanup_free char *path = cfs_cg_join(dir, file);
	char *buf;
	size_t len;

	if (!path)
		return cfs_fail(err, ENOMEM, "reading %s/%s", dir, file);
	if (cfs_read_file(path, &buf, &len, err) < 0)
		return -1;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	*out = buf;
	return 0;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (!strcmp(s, "max")) {
		*v = UINT64_MAX;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*v = x;
	return 0;
}

int cfs_cg_read_u64(const char *dir, const char *file, uint64_t *v,
		    cfs_error_t *err)
{
	cleanup_free char *s = NULL;

	if (cfs_cg_read(dir, file, &s, err) < 0)
		return -1;
	if (parse_u64(s, v) < 0)
		return cfs_fail(err, 0, "reading %s/%s: unexpected content '%.40s'",
				dir, file, s);
	return 0;
}

int cfs_cg_read_keyed(const char *dir, const char *file, const char *key,
		      uint64_t *v, bool *found, cfs_error_t *err)
{
	cleanup_free char *s = NULL;
	size_t klen = strlen(key);
	char *line, *save = NULL;

	*found = false;
	if (cfs_cg_read(dir, file, &s, err) < 0)
		return -1;
	for (line = strtok_r(s, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, key, klen) || line[klen] != ' ')
			continue;
		if (parse_u64(line + klen + 1, v) < 0)
			return cfs_fail(err, 0,
					"reading %s/%s: unexpected line '%.60s'",
					dir, file, line);
		*found = true;
		return 0;
	}
	return 0;
}

bool cfs_cg_exists(const char *dir, const char *file)
{
	cleanup_free char *path = cfs_cg_join(dir, file);

	return path && access(path, F_OK) == 0;
}

/* ---- limits ---- */

void cfs_cg_limits_init(struct cfs_cg_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->memory = -1;
	lim->memory_swap = -1;
	lim->swappiness = -1;
	lim->pids = -1;
}

int cfs_cg_limits_check(const struct cfs_cg_limits *lim,
			enum cfs_cg_version v, cfs_error_t *err)
{
	if (lim->memory != -1 && lim->memory <= 0)
		return cfs_fail(err, 0, "invalid memory limit %" PRId64
				": must be greater than 0", lim->memory);
	if (lim->memory_swap != -1) {
		if (lim->memory == -1)
			return cfs_fail(err, 0,
					"a memory+swap limit needs a memory limit too (--memory)");
		if (lim->memory_swap < lim->memory)
			return cfs_fail(err, 0,
					"invalid memory+swap limit %" PRId64
					": smaller than the memory limit %" PRId64,
					lim->memory_swap, lim->memory);
	}
	if (lim->swappiness != -1) {
		if (lim->swappiness < 0 || lim->swappiness > 100)
			return cfs_fail(err, 0, "invalid swappiness %d: must be 0..100",
					lim->swappiness);
		if (v == CFS_CG_V2)
			return cfs_fail(err, 0,
					"swappiness cannot be set: cgroup v2 has no per-group swappiness (memory.swappiness exists only in v1)");
	}
	if (memchr(lim->cpus, '\0', sizeof(lim->cpus)) == NULL)
		return cfs_fail(err, 0, "invalid CPU list: too long");
	if (lim->cpus[0] && cfs_parse_cpus(lim->cpus, NULL, err) < 0)
		return -1;
	if (lim->cpu_shares && (lim->cpu_shares < 2 || lim->cpu_shares > 262144))
		return cfs_fail(err, 0, "invalid CPU shares %u: must be 2..262144",
				lim->cpu_shares);
	/* quota = pct * 1000 microseconds per 100 ms period: keep it far from
	 * any overflow; the real bound (100 x CPUs) is cfs_parse_percent's. */
	if (lim->cpu_quota_pct > 100u * 65536u)
		return cfs_fail(err, 0, "invalid CPU quota %u%%", lim->cpu_quota_pct);
	if (lim->pids != -1 && lim->pids < 1)
		return cfs_fail(err, 0, "invalid process limit %" PRId64
				": must be at least 1", lim->pids);
	return 0;
}

/* ---- detection ---- */

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif

static int detect(const char *root, enum cfs_cg_version *v, cfs_error_t *err)
{
	struct statfs sf;

	if (statfs(root, &sf) < 0)
		return cfs_fail(err, errno, "inspecting %s", root);
	if (sf.f_type == CGROUP2_SUPER_MAGIC) {
		*v = CFS_CG_V2;
		return 0;
	}
	/* Legacy and hybrid: a tmpfs holding one cgroup (v1) mount per
	 * hierarchy; a cgroup2 "unified" dir beside them carries no controller
	 * cfsnet uses, so hybrid counts as v1. */
	for (int c = 0; c < CFS_CG_NCTRL; c++) {
		cleanup_free char *p = cfs_cg_join(root, cfs_cg_ctrl_names[c]);
		struct statfs csf;

		if (!p)
			return cfs_fail(err, ENOMEM, "inspecting %s", root);
		if (statfs(p, &csf) == 0 && csf.f_type == CGROUP_SUPER_MAGIC) {
			*v = CFS_CG_V1;
			return 0;
		}
	}
	return cfs_fail(err, 0,
			"no cgroup filesystem at %s: neither cgroup2 nor cgroup v1 hierarchies (cpuset, cpu, cpuacct, memory, pids) are mounted there",
			root);
}

int cfs_cg_detect(const char *root, enum cfs_cg_version *v, cfs_error_t *err)
{
	/* The host's layout does not change while cfsnet runs: look once. */
	static enum cfs_cg_version cached;

	if (strcmp(root, CFS_CGROUP_ROOT))
		return detect(root, v, err);
	if (!cached && detect(root, &cached, err) < 0)
		return -1;
	*v = cached;
	return 0;
}

/* ---- the handle ---- */

static int check_name(const char *name, cfs_error_t *err)
{
	size_t n = strlen(name);

	/* The CLI validates names more strictly; this keeps any caller from
	 * escaping cfsnet's parent group. */
	if (n == 0 || n > NAME_MAX || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return cfs_fail(err, EINVAL, "invalid cgroup name '%s'", name);
	return 0;
}

void cfs_cg_free(struct cfs_cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->ndirs; i++) {
		free(cg->dirs[i].mount);
		free(cg->dirs[i].parent);
		free(cg->dirs[i].path);
	}
	free(cg->root);
	free(cg->name);
	free(cg);
}

static int new_handle(enum cfs_cg_version v, const char *root,
		      const char *name, struct cfs_cgroup **out,
		      cfs_error_t *err)
{
	struct cfs_cgroup *cg;

	if (check_name(name, err) < 0)
		return -1;
	cg = calloc(1, sizeof(*cg));
	if (!cg)
		return cfs_fail(err, ENOMEM, "cgroup %s", name);
	for (int c = 0; c < CFS_CG_NCTRL; c++)
		cg->dir_of[c] = -1;
	cg->ops = v == CFS_CG_V2 ? &cfs_cg_v2_ops : &cfs_cg_v1_ops;
	cg->root = strdup(root);
	cg->name = strdup(name);
	if (!cg->root || !cg->name) {
		cfs_cg_free(cg);
		return cfs_fail(err, ENOMEM, "cgroup %s", name);
	}
	if (cg->ops->layout(cg, err) < 0) {
		cfs_cg_free(cg);
		return -1;
	}
	*out = cg;
	return 0;
}

/* Leaves out of cg the directories for which keep(dir) is false. */
static void prune_dirs(struct cfs_cgroup *cg, bool (*keep)(const struct cfs_cg_dir *, unsigned),
		       unsigned arg)
{
	size_t k = 0;

	for (int c = 0; c < CFS_CG_NCTRL; c++)
		cg->dir_of[c] = -1;
	for (size_t i = 0; i < cg->ndirs; i++) {
		struct cfs_cg_dir *d = &cg->dirs[i];

		if (!keep(d, arg)) {
			free(d->mount);
			free(d->parent);
			free(d->path);
			continue;
		}
		cg->dirs[k] = *d;
		for (int c = 0; c < CFS_CG_NCTRL; c++)
			if (d->ctrls & CFS_CG_BIT(c))
				cg->dir_of[c] = (int)k;
		k++;
	}
	cg->ndirs = k;
}

static bool serves(const struct cfs_cg_dir *d, unsigned ctrls)
{
	return (d->ctrls & ctrls) != 0;
}

static bool exists(const struct cfs_cg_dir *d, unsigned unused)
{
	struct stat st;

	(void)unused;
	return stat(d->path, &st) == 0 && S_ISDIR(st.st_mode);
}

enum cfs_cg_version cfs_cg_version(const struct cfs_cgroup *cg)
{
	return cg->ops->version;
}

/* Undoes what this handle's create made: the group directories, then the
 * parents it made (which fails harmlessly if another container's group
 * appeared in one meanwhile). */
static void rollback(struct cfs_cgroup *cg)
{
	for (size_t i = cg->ndirs; i-- > 0;) {
		struct cfs_cg_dir *d = &cg->dirs[i];

		if (d->made)
			cfs_cg_rmdir(d->path);
		if (d->made_parent)
			cfs_cg_rmdir(d->parent);
		d->made = d->made_parent = false;
	}
}

/* The cfsnet parent is shared, and cfs_cg_destroy removes it once empty: a
 * concurrent cfsnet may remove it between our preparing it and our mkdir
 * inside it. ENOENT there means exactly that: prepare it again. */
static int make_dir(struct cfs_cgroup *cg, struct cfs_cg_dir *d,
		    cfs_error_t *err)
{
	for (int attempt = 0;; attempt++) {
		cfs_error_t e;
		int r;

		cfs_error_clear(&e);
		r = cg->ops->prepare_parent(cg, d, &e);
		if (r == 0)
			r = cfs_cg_mkdir(d->path, false, &d->made, &e);
		if (r == 0)
			return 0;
		if (e.errnum != ENOENT || attempt == 4) {
			if (err)
				*err = e;
			return -1;
		}
	}
}

int cfs_cg_create_with(enum cfs_cg_version v, const char *root,
		       const char *name, const struct cfs_cg_limits *lim,
		       struct cfs_cgroup **out, cfs_error_t *err)
{
	struct cfs_cgroup *cg = NULL;
	struct cfs_cg_limits none;

	if (!lim) {
		cfs_cg_limits_init(&none);
		lim = &none;
	}
	if (cfs_cg_limits_check(lim, v, err) < 0)
		return -1;
	if (new_handle(v, root, name, &cg, err) < 0)
		return -1;
	if (cg->ops->can_apply(cg, lim, err) < 0)
		goto fail;
	if (cg->ops->needs)
		prune_dirs(cg, serves, cg->ops->needs(lim));
	for (size_t i = 0; i < cg->ndirs; i++)
		if (make_dir(cg, &cg->dirs[i], err) < 0)
			goto fail;
	if (cg->ops->apply(cg, lim, err) < 0)
		goto fail;
	*out = cg;
	return 0;
fail:
	rollback(cg);
	cfs_cg_free(cg);
	return -1;
}

int cfs_cg_create(const char *root, const char *name,
		  const struct cfs_cg_limits *lim, struct cfs_cgroup **out,
		  cfs_error_t *err)
{
	enum cfs_cg_version v;

	if (cfs_cg_detect(root, &v, err) < 0)
		return -1;
	return cfs_cg_create_with(v, root, name, lim, out, err);
}

int cfs_cg_open_with(enum cfs_cg_version v, const char *root,
		     const char *name, struct cfs_cgroup **out,
		     cfs_error_t *err)
{
	struct cfs_cgroup *cg;
	char first[PATH_MAX];

	if (new_handle(v, root, name, &cg, err) < 0)
		return -1;
	/* The group is in the hierarchies its limits needed (see needs), and
	 * a destroy that stopped halfway leaves it in fewer still: the handle
	 * holds those it is in. */
	snprintf(first, sizeof(first), "%s", cg->ndirs ? cg->dirs[0].path : root);
	prune_dirs(cg, exists, 0);
	if (!cg->ndirs) {
		cfs_fail(err, ENOENT, "cgroup of %s (%s)", name, first);
		cfs_cg_free(cg);
		return -1;
	}
	*out = cg;
	return 0;
}

int cfs_cg_open(const char *root, const char *name, struct cfs_cgroup **out,
		cfs_error_t *err)
{
	enum cfs_cg_version v;

	if (cfs_cg_detect(root, &v, err) < 0)
		return -1;
	return cfs_cg_open_with(v, root, name, out, err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the subdirectory names of dir to *names (a missing dir adds none). */
static int list_groups(const char *dir, char ***names, size_t *n, size_t *cap,
		       cfs_error_t *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return errno == ENOENT ? 0 : cfs_fail(err, errno, "listing %s", dir);
	while ((errno = 0, de = readdir(d))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") ||
		    !strcmp(de->d_name, ".."))
			continue;
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 16;
			char **nv = realloc(*names, nc * sizeof(*nv));

			if (!nv)
				goto nomem;
			*names = nv;
			*cap = nc;
		}
		if (!((*names)[*n] = strdup(de->d_name)))
			goto nomem;
		(*n)++;
	}
	if (errno) {
		int e = errno;

		closedir(d);
		return cfs_fail(err, e, "listing %s", dir);
	}
	closedir(d);
	return 0;
nomem:
	closedir(d);
	return cfs_fail(err, ENOMEM, "listing %s", dir);
}

int cfs_cg_list_with(enum cfs_cg_version v, const char *root, char ***names,
		     size_t *n, cfs_error_t *err)
{
	struct cfs_cgroup *cg = NULL;
	char **v_names = NULL;
	size_t cnt = 0, cap = 0, out = 0;

	*names = NULL;
	*n = 0;
	/* A handle for any name lays out the parents in every hierarchy. */
	if (new_handle(v, root, "x", &cg, err) < 0)
		return -1;
	for (size_t i = 0; i < cg->ndirs; i++) {
		if (list_groups(cg->dirs[i].parent, &v_names, &cnt, &cap, err) < 0) {
			cfs_cg_free(cg);
			for (size_t j = 0; j < cnt; j++)
				free(v_names[j]);
			free(v_names);
			return -1;
		}
	}
	cfs_cg_free(cg);
	if (cnt)
		qsort(v_names, cnt, sizeof(*v_names), cmp_str);
	for (size_t i = 0; i < cnt; i++) {
		if (out && !strcmp(v_names[out - 1], v_names[i]))
			free(v_names[i]);
		else
			v_names[out++] = v_names[i];
	}
	*names = v_names;
	*n = out;
	return 0;
}

int cfs_cg_list(const char *root, char ***names, size_t *n, cfs_error_t *err)
{
	enum cfs_cg_version v;

	if (cfs_cg_detect(root, &v, err) < 0)
		return -1;
	return cfs_cg_list_with(v, root, names, n, err);
}

int cfs_cg_enter(struct cfs_cgroup *cg, pid_t pid, cfs_error_t *err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->ndirs; i++)
		if (cfs_cg_write(cg->dirs[i].path, "cgroup.procs", buf, err) < 0)
			return cfs_error_wrap(err, "moving process %d into cgroup %s",
					      (int)pid, cg->name);
	return 0;
}

int cfs_cg_open_tasks(struct cfs_cgroup *cg, int *fds, size_t max, size_t *n,
		      cfs_error_t *err)
{
	*n = 0;
	if (cg->ops->version != CFS_CG_V1)
		return cfs_fail(err, EOPNOTSUPP, "joining cgroup %s: not on cgroup v2",
				cg->name);
	if (cg->ndirs > max)
		return cfs_fail(err, E2BIG, "joining cgroup %s: %zu hierarchies",
				cg->name, cg->ndirs);
	for (size_t i = 0; i < cg->ndirs; i++) {
		cleanup_free char *path = cfs_cg_join(cg->dirs[i].path, "tasks");
		int fd = path ? open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW) : -1;

		if (fd < 0) {
			int e = path ? errno : ENOMEM;

			while (*n)
				close(fds[--*n]);
			return cfs_fail(err, e, "opening %s/tasks", cg->dirs[i].path);
		}
		fds[(*n)++] = fd;
	}
	return 0;
}

int cfs_cg_enter_fds(const int *fds, size_t n, cfs_error_t *err)
{
	/* "0" in "tasks" moves the writing thread alone: the kernel needs no
	 * global threadgroup lock for that, whose write side (taken for
	 * "cgroup.procs" or another task's id) waits for an RCU grace
	 * period. */
	for (size_t i = 0; i < n; i++)
		if (write(fds[i], "0", 1) != 1)
			return cfs_fail(err, errno ? errno : EIO, "joining the container's cgroup");
	return 0;
}

int cfs_cg_stats(struct cfs_cgroup *cg, struct cfs_cg_stats *st,
		 cfs_error_t *err)
{
	memset(st, 0, sizeof(*st));
	st->memory_limit = -1;
	if (cg->ops->stats(cg, st, err) < 0)
		return cfs_error_wrap(err, "statistics of cgroup %s", cg->name);
	return 0;
}

/* Calls fn for every pid listed in dir's cgroup.procs. */
static int for_each_proc(const char *dir, int (*fn)(pid_t, void *), void *arg,
			 cfs_error_t *err)
{
	cleanup_free char *s = NULL;
	char *line, *save = NULL;

	if (cfs_cg_read(dir, "cgroup.procs", &s, err) < 0)
		return -1;
	for (line = strtok_r(s, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *end;
		long p = strtol(line, &end, 10);

		if (*end || p <= 0 || p > INT_MAX)
			continue;
		if (fn((pid_t)p, arg) < 0)
			return -1;
	}
	return 0;
}

struct kill_arg {
	int sig;
	int errnum;
	pid_t pid;
};

static int kill_one(pid_t pid, void *arg)
{
	struct kill_arg *k = arg;

	/* A process may exit between reading the list and the kill. */
	if (kill(pid, k->sig) < 0 && errno != ESRCH) {
		k->errnum = errno;
		k->pid = pid;
		return -1;
	}
	return 0;
}

int cfs_cg_kill(struct cfs_cgroup *cg, int sig, cfs_error_t *err)
{
	for (size_t i = 0; i < cg->ndirs; i++) {
		struct kill_arg k = { sig, 0, 0 };
		cfs_error_t e;

		cfs_error_clear(&e);
		if (for_each_proc(cg->dirs[i].path, kill_one, &k, &e) == 0)
			continue;
		if (k.errnum)
			return cfs_fail(err, k.errnum,
					"killing process %d of cgroup %s", (int)k.pid,
					cg->name);
		if (e.errnum == ENOENT)
			continue; /* this hierarchy's group is gone already */
		if (err)
			*err = e;
		return -1;
	}
	return 0;
}

static int count_one(pid_t pid, void *arg)
{
	(void)pid;
	(*(size_t *)arg)++;
	return 0;
}

/* rmdir of one group directory; gone already is success. A process killed
 * a moment ago is still listed (and keeps the group busy) until it has
 * finished exiting, and an orphan of the container is reaped by someone
 * else, so EBUSY is retried for a bounded time (about 0.25 s) before it
 * counts: a caller that killed everything sees success, one that forgot a
 * process gets EBUSY and the number of processes still inside. */
static int remove_dir(const char *path, cfs_error_t *err)
{
	for (int attempt = 0;; attempt++) {
		struct timespec ts = { 0, 2 * 1000 * 1000 };
		size_t n = 0;

		if (cfs_cg_rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return cfs_fail(err, errno, "removing %s", path);
		if ((unsigned)attempt < cfs_cg_busy_wait_ms / 2) {
			nanosleep(&ts, NULL);
			continue;
		}
		if (for_each_proc(path, count_one, &n, NULL) < 0 || n == 0)
			return cfs_fail(err, EBUSY, "removing %s", path);
		return cfs_fail(err, EBUSY, "removing %s: %zu process%s still in it",
				path, n, n == 1 ? "" : "es");
	}
}

int cfs_cg_destroy(struct cfs_cgroup *cg, cfs_error_t *err)
{
	int r = 0;

	/* Try every hierarchy even after a failure: what can go, goes, and a
	 * second destroy finishes the rest. */
	for (size_t i = cg->ndirs; i-- > 0;) {
		cfs_error_t e;

		if (remove_dir(cg->dirs[i].path, &e) < 0 && r == 0) {
			if (err)
				*err = e;
			r = -1;
		}
	}
	if (r < 0)
		return r;
	/* The shared parent goes when empty, so nothing of cfsnet stays on
	 * the host; rmdir refuses (EBUSY) while another container's group is
	 * in it, which is fine. */
	for (size_t i = 0; i < cg->ndirs; i++)
		cfs_cg_rmdir(cg->dirs[i].parent);
	return 0;
}

/* gc.c - crash recovery: `cfsnet gc` removes what a cfsnet command killed
 * half-way left behind, and the pending record that lets it recognise a
 * network namespace `up` made but never recorded.
 *
 * What is cfsnet's is told by its state (/run/cfsnet), by name and alias
 * (links named cfs... whose alias is "cfsnet"), by the rule comment
 * "cfsnet:NET" inside cfsnet's own chains, and by the run records of
 * containers with a process. Everything else is left alone.
 *
 * Every change of cfsnet holds the state lock; while gc holds it, no
 * other command is half-way, so whatever is inconsistent now was left by a
 * process that died. Only run records are written without the lock: a
 * record counts as dead when neither its process nor its monitor lives. */
#define _GNU_SOURCE
#include "ops-internal.h"
#include "run-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <linux/magic.h>

#include "../common/util.h"
#include "../ns/ns.h"

#define PENDING_FILE "pending"

/* An empty cgroup of cfsnet's without a run record is only removed on
 * request (cgroups are machine-wide, state is per /run: a cfsnet in a
 * sandbox cannot tell another instance's run from a leftover), and once it
 * is this old: a run may have just made it and be about to enter it. */
#define CG_MIN_AGE_S 30

/* ---- the pending record ----------------------------------------------- */

static void pending_path(const struct cfs_state *st, char *buf, size_t len)
{
	snprintf(buf, len, "%s/" PENDING_FILE, st->dir);
}

int cfs_pending_set(struct cfs_state *st, const char *name, cfs_error_t *err)
{
	char path[PATH_MAX], buf[64];
	int n;

	pending_path(st, path, sizeof(path));
	n = snprintf(buf, sizeof(buf), "netns=%s\n", name);
	return cfs_write_file_atomic(path, buf, (size_t)n, err);
}

void cfs_pending_clear(struct cfs_state *st)
{
	char path[PATH_MAX];

	pending_path(st, path, sizeof(path));
	unlink(path);
}

/* The namespace named in the pending record, "" if none. */
static void pending_netns(struct cfs_state *st, char name[CFS_NAME_MAX + 1])
{
	char path[PATH_MAX];
	cleanup_free char *text = NULL;
	cfs_error_t e = { 0 };
	size_t l;

	name[0] = '\0';
	pending_path(st, path, sizeof(path));
	if (cfs_read_file(path, &text, NULL, &e) < 0 || strncmp(text, "netns=", 6))
		return;
	l = strcspn(text + 6, "\n");
	if (l == 0 || l > CFS_NAME_MAX)
		return;
	memcpy(name, text + 6, l);
	name[l] = '\0';
	if (cfs_check_name(name, &e) < 0)
		name[0] = '\0';
}

/* ---- the report ------------------------------------------------------- */

__attribute__((format(printf, 2, 3)))
static void note(struct cfs_report *rep, const char *fmt, ...)
{
	char (*v)[CFS_REPORT_LINE];
	va_list ap;

	v = realloc(rep->lines, (rep->n + 1) * sizeof(*v));
	if (!v)
		return; /* the report is lost, not the work */
	rep->lines = v;
	va_start(ap, fmt);
	vsnprintf(rep->lines[rep->n], CFS_REPORT_LINE, fmt, ap);
	va_end(ap);
	rep->n++;
}

void cfs_report_free(struct cfs_report *rep)
{
	free(rep->lines);
	rep->lines = NULL;
	rep->n = 0;
}

/* Keeps the first failure, so gc goes on with the rest. */
static void keep_first(int *ret, cfs_error_t *err, const cfs_error_t *e)
{
	if (*ret == 0) {
		*err = *e;
		*ret = -1;
	}
}

/* ---- helpers ---------------------------------------------------------- */

/* Whether /run/netns/NAME is a mounted network namespace (a plain file
 * there is what a create killed before its bind mount leaves). */
static int netns_state(const char *name, bool *exists, bool *mounted)
{
	char path[PATH_MAX];
	struct statfs sfs;
	int fd;

	*exists = *mounted = false;
	snprintf(path, sizeof(path), CFS_NETNS_DIR "/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	*exists = true;
	*mounted = fstatfs(fd, &sfs) == 0 && sfs.f_type == NSFS_MAGIC;
	close(fd);
	return 0;
}

static bool pid_dead(pid_t pid)
{
	return pid > 0 && kill(pid, 0) < 0 && errno == ESRCH;
}

/* The temporary files a writer killed before its rename left: NAME.tmp.PID
 * whose PID is gone. */
static void gc_tmp_files(const char *dir, bool dry, struct cfs_report *rep)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		const char *t = strstr(e->d_name, ".tmp.");
		char *end;
		long pid;

		if (!t)
			continue;
		pid = strtol(t + 5, &end, 10);
		if (*end || pid <= 0 || pid > INT32_MAX || !pid_dead((pid_t)pid))
			continue;
		note(rep, "temporary file %s/%s", dir, e->d_name);
		if (!dry)
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

/* ---- containers with a process ---------------------------------------- */

/* A cleanup claimed by a process that died (/run/cfsnet/run/.NAME.cleanup.PID)
 * goes back under its name, so it is finished like any dead run. */
static void gc_unclaim(bool dry, struct cfs_report *rep)
{
	DIR *d = opendir(CFS_RUN_DIR);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char name[CFS_NAME_MAX + 1], to[PATH_MAX];
		const char *dot;
		char *end;
		long pid;
		size_t l;

		if (e->d_name[0] != '.' || !(dot = strstr(e->d_name, ".cleanup.")))
			continue;
		l = (size_t)(dot - e->d_name - 1);
		pid = strtol(dot + 9, &end, 10);
		if (l == 0 || l > CFS_NAME_MAX || *end || pid <= 0 ||
		    pid > INT32_MAX || !pid_dead((pid_t)pid))
			continue;
		memcpy(name, e->d_name + 1, l);
		name[l] = '\0';
		if (dry) {
			note(rep, "run record of %s (its cleanup was interrupted)", name);
			continue;
		}
		snprintf(to, sizeof(to), "%s", name);
		/* RENAME_NOREPLACE: a new run of the same name keeps its record. */
		if (renameat2(dirfd(d), e->d_name, dirfd(d), to, RENAME_NOREPLACE) < 0 &&
		    errno == EEXIST)
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

/* Whether pid is still the process that started at start and has not
 * exited: a zombie (its parent, a killed monitor, never reaped it) is gone
 * for gc's purposes. */
static bool proc_running(pid_t pid, unsigned long long start)
{
	char path[64];
	cleanup_free char *text = NULL;
	cfs_error_t e = { 0 };
	const char *p;

	if (pid <= 0 || !cfs_proc_alive(pid, start))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (cfs_read_file(path, &text, NULL, &e) < 0 || !(p = strrchr(text, ')')))
		return false;
	return p[1] == ' ' && p[2] != 'Z' && p[2] != 'X' && p[2] != 'x';
}

/* Runs whose process and monitor are both gone: what `stop` would remove
 * (cgroup, network made for them, overlay, record). Done before the state
 * lock is taken: removing a run's network takes it. */
static int gc_runs(bool dry, struct cfs_report *rep, cfs_error_t *err)
{
	char **names;
	size_t n;
	int ret = 0;

	gc_unclaim(dry, rep);
	if (cfs_runrec_names(&names, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct cfs_run_rec r;
		cfs_error_t e = { 0 };

		if (cfs_runrec_load(names[i], &r, &e) < 0)
			continue;
		if (proc_running(r.pid, r.start) ||
		    proc_running(r.monitor, r.monitor_start))
			continue;
		note(rep, "run record of %s (process gone): its cgroup, network and overlay",
		     names[i]);
		if (!dry && cfs_stop(names[i], 0, &e) < 0)
			keep_first(&ret, err, &e);
	}
	cfs_names_free(names, n);
	return ret;
}

/* ---- state, namespaces, leases --------------------------------------- */

struct gc_ctx {
	struct cfs_state *st;
	bool dry;
	struct cfs_report *rep;
	char **cts;                 /* container names with state */
	size_t ncts;
	struct cfs_container *ct;   /* their state (loaded[i] false: unreadable) */
	bool *loaded;
	struct cfs_network *nets;
	size_t nnets;
	int ret;
	cfs_error_t *err;
};

static const struct cfs_container *gc_find_ct(const struct gc_ctx *c,
					      const char *name)
{
	for (size_t i = 0; i < c->ncts; i++)
		if (c->loaded[i] && !strcmp(c->ct[i].name, name))
			return &c->ct[i];
	return NULL;
}

static bool ct_on_network(const struct cfs_container *ct, const char *net)
{
	if (!strcmp(ct->network, net))
		return true;
	for (size_t i = 0; i < ct->nattach; i++)
		if (!strcmp(ct->attach[i].network, net))
			return true;
	return false;
}

/* Container state whose namespace is gone: `down` was killed after
 * dropping the namespace (or someone deleted it). The container goes the
 * way down takes it: leases, empty networks, the state file. */
static void gc_orphan_state(struct gc_ctx *c, size_t i)
{
	struct cfs_container *ct = &c->ct[i];
	bool exists, mounted;
	cfs_error_t e = { 0 };

	if (netns_state(ct->name, &exists, &mounted) < 0 || mounted)
		return;
	note(c->rep, "state of container %s (its network namespace is gone)", ct->name);
	c->loaded[i] = false; /* its leases count as orphans from now on */
	if (c->dry)
		return;
	if ((exists && cfs_netns_delete(ct->name, &e) < 0) ||
	    cfs_container_remove(c->st, ct->name, &e) < 0)
		keep_first(&c->ret, c->err, &e);
}

/* The namespace `up` made before it was killed (the pending record names
 * it), when no container state claims it. */
static void gc_pending(struct gc_ctx *c)
{
	char name[CFS_NAME_MAX + 1];
	bool exists, mounted;
	cfs_error_t e = { 0 };

	pending_netns(c->st, name);
	if (*name && !gc_find_ct(c, name) &&
	    netns_state(name, &exists, &mounted) == 0 && exists) {
		note(c->rep, "network namespace %s (made by an up that did not finish)", name);
		if (!c->dry && cfs_netns_delete(name, &e) < 0)
			keep_first(&c->ret, c->err, &e);
	}
	if (!c->dry)
		cfs_pending_clear(c->st);
}

/* Leases of containers that have no state; networks made by up that are
 * left without members go with them (bridge, rules, ip_forward). */
static void gc_leases(struct gc_ctx *c)
{
	for (size_t i = 0; i < c->nnets; i++) {
		struct cfs_network *net = &c->nets[i];
		bool changed = false;
		cfs_error_t e = { 0 };

		for (size_t j = 0; j < net->nleases;) {
			const struct cfs_container *ct = gc_find_ct(c, net->leases[j].name);

			if (ct && ct_on_network(ct, net->name)) {
				j++;
				continue;
			}
			note(c->rep, "address lease of %s on network %s (no such container)",
			     net->leases[j].name, net->name);
			cfs_network_del_lease(net, net->leases[j].name);
			changed = true;
		}
		if (net->nleases == 0 && !net->keep) {
			if (!changed)
				note(c->rep, "network %s (no members)", net->name);
			else
				note(c->rep, "network %s (its last member is gone)", net->name);
			if (!c->dry && cfs_net_remove(c->st, net, &e) < 0)
				keep_first(&c->ret, c->err, &e);
			net->name[0] = '\0'; /* removed: no longer claims its links */
		} else if (changed && !c->dry &&
			   cfs_network_save(c->st, net, &e) < 0) {
			keep_first(&c->ret, c->err, &e);
		}
	}
}

/* Does any state (left after the steps above) own the link name? */
static bool link_owned(const struct gc_ctx *c, const char *name)
{
	for (size_t i = 0; i < c->nnets; i++)
		if (c->nets[i].name[0] && !strcmp(c->nets[i].ifname, name))
			return true;
	for (size_t i = 0; i < c->ncts; i++) {
		const struct cfs_container *ct = &c->ct[i];

		if (!c->loaded[i])
			continue;
		if (!strcmp(ct->host_veth, name))
			return true;
		for (size_t k = 0; k < ct->nattach; k++)
			if (!strcmp(ct->attach[k].host_veth, name))
				return true;
	}
	return false;
}

/* Links of cfsnet's (a cfs... name and cfsnet's alias) that no state owns:
 * a bridge of a network that was never recorded, the host end of a veth
 * whose container is gone. */
static void gc_links(struct gc_ctx *c)
{
	cleanup_nl struct cfs_nl *nl = NULL;
	struct cfs_host_link *links = NULL;
	cfs_error_t e = { 0 };
	size_t n = 0, queued = 0;

	if (cfs_host_links(&links, &n, &e) < 0 || (!c->dry && cfs_nl_open(&nl, &e) < 0)) {
		keep_first(&c->ret, c->err, &e);
		free(links);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct cfs_host_link *l = &links[i];

		if (strncmp(l->name, "cfs", 3) || strcmp(l->alias, CFS_LINK_ALIAS) ||
		    link_owned(c, l->name))
			continue;
		note(c->rep, "%s %s (no state refers to it)", l->bridge ? "bridge" : "link",
		     l->name);
		if (!c->dry && cfs_nl_queue_link_del(nl, l->name, CFS_NL_MISSING_OK, &e) == 0)
			queued++;
	}
	free(links);
	if (queued && cfs_nl_flush(nl, &e) < 0)
		keep_first(&c->ret, c->err, &e);
}

static bool legacy_tables_exist(void)
{
	cleanup_free char *names = NULL;
	cfs_error_t e = { 0 };

	if (cfs_read_file("/proc/net/ip_tables_names", &names, NULL, &e) < 0)
		return e.errnum != ENOENT;
	return strstr(names, "filter") || strstr(names, "nat");
}

/* cfsnet's chains hold exactly the rules of the networks that exist;
 * ip_forward gets its old value back when none is left. */
static void gc_firewall(struct gc_ctx *c)
{
	struct cfs_network *nets = NULL, *kept = NULL;
	struct cfs_host h;
	size_t n = 0, k = 0;
	bool differs = false;
	cfs_error_t e = { 0 };

	if (cfs_network_load_all(c->st, &nets, &n, &e) < 0)
		goto fail;
	/* In a dry run, the networks gc would remove have no rules any more.
	 * (kept borrows the networks: only the array is freed.) */
	kept = calloc(n + 1, sizeof(*kept));
	if (!kept) {
		cfs_fail(&e, ENOMEM, "building firewall rules");
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		bool gone = c->dry;

		for (size_t j = 0; gone && j < c->nnets; j++)
			if (c->nets[j].name[0] && !strcmp(c->nets[j].name, nets[i].name))
				gone = false;
		if (!gone)
			kept[k++] = nets[i];
	}
	/* No network and no legacy table: nothing of ours can be there, and
	 * reading a table would make the kernel create it. */
	if ((k || legacy_tables_exist()) &&
	    cfs_fw_diff_nets(c->st, kept, k, &differs, &e) < 0)
		goto fail;
	if (differs) {
		note(c->rep, k ? "firewall rules of networks that do not exist" :
				 "cfsnet's firewall chains and jumps (no network exists)");
		if (!c->dry && cfs_fw_sync_nets(c->st, kept, k, NULL, NULL, &e) < 0)
			goto fail;
	}
	if (k == 0) {
		if (cfs_host_load(c->st, &h, &e) < 0)
			goto fail;
		if (h.saved) {
			note(c->rep, "ip_forward of the last network (back to %d)", h.ip_forward);
			if (!c->dry) {
				if (cfs_ip_forward_set(h.ip_forward, &e) < 0)
					goto fail;
				h.saved = false;
				if (cfs_host_save(c->st, &h, &e) < 0)
					goto fail;
			}
		}
		/* IPv6 forwarding likewise, after the last dual-stack network. */
		if (!c->dry && cfs_forward6_after_removal(c->st, kept, 0, &e) < 0)
			goto fail;
	}
	free(kept);
	cfs_networks_free(nets, n);
	return;
fail:
	keep_first(&c->ret, c->err, &e);
	free(kept);
	cfs_networks_free(nets, n);
}

static int gc_load(struct gc_ctx *c, cfs_error_t *err)
{
	if (cfs_container_names(c->st, &c->cts, &c->ncts, err) < 0)
		return -1;
	c->ct = calloc(c->ncts + 1, sizeof(*c->ct));
	c->loaded = calloc(c->ncts + 1, sizeof(*c->loaded));
	if (!c->ct || !c->loaded)
		return cfs_fail(err, ENOMEM, "loading the state");
	for (size_t i = 0; i < c->ncts; i++) {
		cfs_error_t e = { 0 };

		/* Files are renamed into place whole: an unreadable one was
		 * not written by cfsnet, and is left alone. */
		c->loaded[i] = cfs_container_load(c->st, c->cts[i], &c->ct[i], &e) == 0;
	}
	return cfs_network_load_all(c->st, &c->nets, &c->nnets, err);
}

static int gc_locked(struct cfs_state *st, bool dry, struct cfs_report *rep,
		     cfs_error_t *err)
{
	struct gc_ctx c = { .st = st, .dry = dry, .rep = rep, .err = err };
	char path[PATH_MAX];

	if (gc_load(&c, err) < 0) {
		c.ret = -1;
		goto out;
	}
	for (size_t i = 0; i < c.ncts; i++)
		if (c.loaded[i])
			gc_orphan_state(&c, i);
	gc_pending(&c);
	gc_leases(&c);
	gc_links(&c);
	gc_firewall(&c);
	snprintf(path, sizeof(path), "%s/containers", st->dir);
	gc_tmp_files(path, dry, rep);
	snprintf(path, sizeof(path), "%s/networks", st->dir);
	gc_tmp_files(path, dry, rep);
	gc_tmp_files(st->dir, dry, rep);
out:
	cfs_names_free(c.cts, c.ncts);
	free(c.ct);
	free(c.loaded);
	cfs_networks_free(c.nets, c.nnets);
	return c.ret;
}

/* ---- cgroups ------------------------------------------------------------ */

/* Whether every cgroup.procs under dir (recursively) is empty. */
static bool cg_dir_empty(const char *dir)
{
	char path[PATH_MAX];
	cleanup_free char *text = NULL;
	cfs_error_t e = { 0 };
	DIR *d;
	struct dirent *ent;
	bool empty = true;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if (cfs_read_file(path, &text, NULL, &e) == 0 && text[0])
		return false;
	d = opendir(dir);
	if (!d)
		return true;
	while (empty && (ent = readdir(d)))
		if (ent->d_type == DT_DIR && ent->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
			empty = cg_dir_empty(path);
		}
	closedir(d);
	return empty;
}

/* Whether cfsnet/NAME is empty in every hierarchy that has it. */
static bool cg_empty_everywhere(const char *name)
{
	DIR *root = opendir(CFS_CGROUP_ROOT);
	struct dirent *h;
	bool empty = true;
	char path[PATH_MAX];

	if (!root)
		return false;
	snprintf(path, sizeof(path), CFS_CGROUP_ROOT "/cfsnet/%s", name);
	if (access(path, F_OK) == 0)
		empty = cg_dir_empty(path);
	while (empty && (h = readdir(root))) {
		if (h->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), CFS_CGROUP_ROOT "/%s/cfsnet/%s",
				     h->d_name, name) >= sizeof(path))
			continue;
		if (access(path, F_OK) == 0)
			empty = cg_dir_empty(path);
	}
	closedir(root);
	return empty;
}

/* cfsnet/NAME groups (in any hierarchy) that are empty everywhere, have no
 * run record and are old enough (`gc --all-cgroups` only). */
static int gc_cgroups(bool dry, struct cfs_report *rep, cfs_error_t *err)
{
	char **names = NULL;
	size_t n = 0;
	DIR *root = opendir(CFS_CGROUP_ROOT);
	struct dirent *h;
	int ret = 0;

	if (!root)
		return 0;
	/* The candidates: NAME under ROOT/cfsnet (v2) and ROOT/CTRL/cfsnet (v1). */
	while ((h = readdir(root))) {
		char dir[512];
		DIR *d;
		struct dirent *e;

		if (h->d_name[0] == '.')
			continue;
		if (!strcmp(h->d_name, "cfsnet"))
			snprintf(dir, sizeof(dir), CFS_CGROUP_ROOT "/cfsnet");
		else
			snprintf(dir, sizeof(dir), CFS_CGROUP_ROOT "/%s/cfsnet", h->d_name);
		d = opendir(dir);
		if (!d)
			continue;
		while ((e = readdir(d))) {
			char path[PATH_MAX + 300], rec[PATH_MAX], ct[NAME_MAX + 1];
			struct stat sb;
			bool seen = false;
			cfs_error_t e2 = { 0 };

			/* Only this world's groups (NAME here, NAME@ID in the
			 * sandbox ID): another world's state is not ours to
			 * judge them by. */
			if (e->d_type != DT_DIR || e->d_name[0] == '.' ||
			    !cfs_world_cgroup_owner(e->d_name, ct, sizeof(ct)) ||
			    cfs_check_name(ct, &e2) < 0)
				continue;
			for (size_t i = 0; i < n && !seen; i++)
				seen = !strcmp(names[i], e->d_name);
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			snprintf(rec, sizeof(rec), CFS_RUN_DIR "/%s", ct);
			if (seen || access(rec, F_OK) == 0 || stat(path, &sb) < 0 ||
			    time(NULL) - sb.st_mtime < CG_MIN_AGE_S ||
			    !cg_empty_everywhere(e->d_name))
				continue;
			char **nv = realloc(names, (n + 1) * sizeof(*nv));

			if (!nv || !(nv[n] = strdup(e->d_name))) {
				names = nv ? nv : names;
				break;
			}
			names = nv;
			n++;
		}
		closedir(d);
	}
	closedir(root);
	for (size_t i = 0; i < n; i++) {
		struct cfs_cgroup *cg = NULL;
		cfs_error_t e = { 0 };

		note(rep, "cgroup cfsnet/%s (empty, no such container)", names[i]);
		if (dry)
			continue;
		if (cfs_cg_open(CFS_CGROUP_ROOT, names[i], &cg, &e) < 0 ||
		    cfs_cg_destroy(cg, &e) < 0)
			keep_first(&ret, err, &e);
		cfs_cg_free(cg);
	}
	cfs_names_free(names, n);
	return ret;
}

/* ---- gc ------------------------------------------------------------------ */

/* Private overlay directories of runs that have no record. */
static int gc_overlays(bool dry, struct cfs_report *rep, cfs_error_t *err)
{
	DIR *d = opendir(CFS_OVERLAY_DIR);
	struct dirent *o;
	int ret = 0;

	while (d && (o = readdir(d))) {
		char path[PATH_MAX];
		cfs_error_t e = { 0 };

		if (o->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), CFS_RUN_DIR "/%s", o->d_name);
		if (access(path, F_OK) == 0)
			continue;
		snprintf(path, sizeof(path), CFS_OVERLAY_DIR "/%s", o->d_name);
		note(rep, "overlay directory %s (no such container)", path);
		if (!dry && cfs_remove_tree(path, &e) < 0)
			keep_first(&ret, err, &e);
	}
	if (d)
		closedir(d);
	return ret;
}

int cfs_gc(bool dry_run, bool all_cgroups, struct cfs_report *rep,
	   cfs_error_t *err)
{
	struct cfs_state st;
	cfs_error_t e = { 0 };
	int ret = 0;

	memset(rep, 0, sizeof(*rep));
	if (access(CFS_STATE_DIR, F_OK) < 0 && errno == ENOENT)
		return all_cgroups && gc_cgroups(dry_run, rep, err) < 0 ?
			cfs_error_wrap(err, "gc") : 0;
	if (gc_runs(dry_run, rep, &e) < 0)
		keep_first(&ret, err, &e);
	if (cfs_state_open(&st, CFS_STATE_DIR, true, &e) < 0) {
		*err = e;
		return cfs_error_wrap(err, "gc");
	}
	if (gc_locked(&st, dry_run, rep, &e) < 0)
		keep_first(&ret, err, &e);
	if (!dry_run)
		cfs_state_prune(&st);
	gc_tmp_files(CFS_RUN_DIR, dry_run, rep);
	if (gc_overlays(dry_run, rep, &e) < 0)
		keep_first(&ret, err, &e);
	cfs_state_close(&st);
	if (all_cgroups && gc_cgroups(dry_run, rep, &e) < 0)
		keep_first(&ret, err, &e);
	return ret < 0 ? cfs_error_wrap(err, "gc") : 0;
}

/* run.c - `cfsnet run`, `stop` and `stats`: a container with a process.
 *
 * Process tree (foreground):
 *   cfsnet run                 host namespaces; makes the cgroup, the
 *    |                         network and the record, waits, cleans up
 *    +- PID 1: cfsnet init     clone(NEWPID|NEWNS|NEWUTS|NEWIPC[|NEWNET]);
 *        |                     joins the network, unshares its cgroup ns,
 *        |                     mounts the root, pivots; reaps, forwards
 *        +- PID 2: CMD         capabilities, no_new_privs, fds, exec
 * With --detach a monitor process (setsid, stdio on /dev/null) takes the
 * place of `cfsnet run` and the command line returns once CMD runs.
 *
 * Synchronisation: one SOCK_SEQPACKET pair, close-on-exec. PID 1 joins
 * the cgroup (v1; on v2 the parent moves it in) and sets the container up
 * while the parent records it, then waits for
 * the go before it unshares its cgroup namespace and forks CMD; a failing
 * child sends a struct cfs_start_msg; EOF means CMD was executed (its copy
 * of the socket closed on exec, PID 1 closed its own after the fork). No
 * sleeps, no polling, two forks (PID 1 and CMD) and no helper programs. */
#define _GNU_SOURCE
#include "ops-internal.h"
#include "run-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/util.h"
#include "../ns/ns.h"

/* ---- validation -------------------------------------------------------------- */

static int check_dir(const char *what, const char *path, cfs_error_t *err)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return cfs_fail(err, errno, "%s %s", what, path);
	if (!S_ISDIR(st.st_mode))
		return cfs_fail(err, 0, "%s %s is not a directory", what, path);
	return 0;
}

static int check_hostname(const char *h, cfs_error_t *err)
{
	size_t n = strlen(h);

	if (n == 0 || n > 64)
		return cfs_fail(err, 0, "invalid hostname '%s': 1 to 64 characters", h);
	for (const char *p = h; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return cfs_fail(err, 0,
					"invalid hostname '%s': only letters, digits, '-' and '.' are allowed",
					h);
	if (h[0] == '-' || h[0] == '.')
		return cfs_fail(err, 0, "invalid hostname '%s'", h);
	return 0;
}

static int check_env(const char *kv, cfs_error_t *err)
{
	const char *eq = strchr(kv, '=');

	if (!eq || eq == kv)
		return cfs_fail(err, 0, "invalid --env '%s': expected KEY=VALUE", kv);
	return 0;
}

int cfs_online_cpus(char *buf, size_t len, unsigned *ncpus, cfs_error_t *err)
{
	cleanup_free char *text = NULL;
	unsigned n = 0;
	const char *p;

	if (cfs_read_file("/sys/devices/system/cpu/online", &text, NULL, err) < 0)
		return -1;
	text[strcspn(text, "\n")] = '\0';
	if ((size_t)snprintf(buf, len, "%s", text) >= len)
		return cfs_fail(err, E2BIG, "online CPU list too long");
	/* "0-3,5": count each range. */
	for (p = text; *p;) {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a;

		if (end == p)
			break;
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		n += (unsigned)(b >= a ? b - a + 1 : 1);
		p = *end == ',' ? end + 1 : end;
		if (*end != ',')
			break;
	}
	*ncpus = n ? n : 1;
	return 0;
}

int cfs_run_check(const struct cfs_run_opts *o, cfs_error_t *err)
{
	const char *dirs[65];
	enum cfs_cg_version v;

	if (cfs_check_name(o->name, err) < 0)
		return -1;
	if (!o->argv || !o->argv[0])
		return cfs_fail_usage(err, "missing CMD");
	if (!o->rootfs)
		return cfs_fail_usage(err, "missing --rootfs DIR");
	if (check_dir("rootfs", o->rootfs, err) < 0)
		return -1;
	if (o->nlayers > 64)
		return cfs_fail(err, 0, "too many layers (at most 64)");
	for (size_t i = 0; i < o->nlayers; i++)
		if (check_dir("layer", o->layers[i], err) < 0 ||
		    cfs_rootfs_check_layer_path(o->layers[i], err) < 0)
			return -1;
	if (o->nlayers && cfs_rootfs_check_layer_path(o->rootfs, err) < 0)
		return -1;
	if (o->hostname && check_hostname(o->hostname, err) < 0)
		return -1;
	for (size_t i = 0; i < o->nenv; i++)
		if (check_env(o->env[i], err) < 0)
			return -1;
	if (o->has_oom_score_adj && (o->oom_score_adj < -1000 || o->oom_score_adj > 1000))
		return cfs_fail(err, 0, "invalid --oom-score-adj %d: must be -1000..1000",
				o->oom_score_adj);
	if (cfs_cg_detect(CFS_CGROUP_ROOT, &v, err) < 0 ||
	    cfs_cg_limits_check(&o->limits, v, err) < 0)
		return -1;
	/* The command, as the container will look it up: top layer first. */
	for (size_t i = 0; i < o->nlayers; i++)
		dirs[i] = o->layers[o->nlayers - 1 - i];
	dirs[o->nlayers] = o->rootfs;
	return cfs_rootfs_find_command(dirs, o->nlayers + 1, o->argv[0], err);
}

/* ---- cleanup (shared by the run's own end and `stop`) ------------------------- */

static bool container_state_exists(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), CFS_STATE_DIR "/containers/%s", name);
	return access(path, F_OK) == 0;
}

/* Removes what a run made for name, if nobody else is at it: the cgroup
 * (stats first, into *st when given), the network it created, the private
 * overlay directories, and the record. The first failure is reported,
 * the rest still done. */
static int run_cleanup(const char *name, struct cfs_cgroup *cg,
		       struct cfs_cg_stats *st, bool *have_stats, cfs_error_t *err)
{
	struct cfs_run_rec rec;
	char claimed[PATH_MAX];
	cfs_error_t e2 = { 0 };
	struct cfs_cgroup *own = NULL;
	bool got;
	int ret = 0;

	if (have_stats)
		*have_stats = false;
	if (cfs_runrec_load(name, &rec, &e2) < 0) {
		if (e2.errnum == ENOENT)
			return 0;
		*err = e2;
		return -1;
	}
	if (cfs_runrec_claim(name, &got, claimed, err) < 0)
		return -1;
	if (!got)
		return 0;
	if (!cg && cfs_ct_cg_open(name, &own, &e2) == 0)
		cg = own;
	if (cg) {
		if (st && cfs_cg_stats(cg, st, &e2) == 0 && have_stats)
			*have_stats = true;
		/* PID 1 is gone, so whatever is still in the group is a
		 * straggler of the container (its pid namespace is being torn
		 * down, or the run that started it was killed half-way): it
		 * goes with the group, never keeps it. */
		cfs_cg_kill(cg, SIGKILL, &e2);
		if (cfs_cg_destroy(cg, &e2) < 0 && !ret)
			ret = (*err = e2, -1);
	}
	cfs_cg_free(own);
	if (rec.net == CFS_RUN_NET_CREATED && container_state_exists(name) &&
	    cfs_down(name, &e2) < 0 && !ret)
		ret = (*err = e2, -1);
	if (*rec.overlay && cfs_remove_tree(rec.overlay, &e2) < 0 && !ret)
		ret = (*err = e2, -1);
	unlink(claimed);
	return ret;
}

/* ---- the run --------------------------------------------------------------------- */

struct run_ctx {
	const struct cfs_run_opts *o;
	struct cfs_run_rec rec;
	struct cfs_cgroup *cg;
	int nsfd;
	char rootfs[PATH_MAX];
	char **layers;
	char upper[PATH_MAX + 8], work[PATH_MAX + 8], merged[PATH_MAX + 8];
	struct cfs_undo undo;
};

static void undo_rec(void *arg)
{
	struct run_ctx *c = arg;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), CFS_RUN_DIR "/%s", c->rec.name);
	unlink(path);
}

static int step_record(struct run_ctx *c, cfs_error_t *err)
{
	const struct cfs_run_opts *o = c->o;
	struct cfs_run_rec *r = &c->rec;
	bool exists = container_state_exists(o->name);
	cfs_error_t e2 = { 0 };

	snprintf(r->name, sizeof(r->name), "%s", o->name);
	r->monitor = getpid();
	r->monitor_start = cfs_proc_start(r->monitor);
	r->net = exists ? CFS_RUN_NET_JOINED :
		 o->has_ip ? CFS_RUN_NET_CREATED : CFS_RUN_NET_PRIVATE;
	r->detached = o->detach;
	r->no_seccomp = o->no_seccomp;
	r->memory_limit = o->limits.memory;
	if (o->nlayers)
		snprintf(r->overlay, sizeof(r->overlay), CFS_OVERLAY_DIR "/%s", o->name);
	snprintf(r->rootfs, sizeof(r->rootfs), "%s", c->rootfs);
	if (cfs_runrec_create(r, err) == 0) {
		cfs_undo_push(&c->undo, undo_rec, c);
		return 0;
	}
	if (err->errnum != EEXIST)
		return -1;
	if (cfs_runrec_load(o->name, r, &e2) == 0 && cfs_proc_alive(r->pid, r->start))
		return cfs_fail(err, 0, "container %s is running (pid %d)", o->name,
				(int)r->pid);
	if (cfs_runrec_load(o->name, r, &e2) == 0 && !r->pid &&
	    cfs_proc_alive(r->monitor, r->monitor_start))
		return cfs_fail(err, 0, "container %s is starting", o->name);
	return cfs_fail(err, 0,
			"container %s has the record of a run that was not cleaned up: 'cfsnet stop %s' removes it",
			o->name, o->name);
}

static void undo_overlay(void *arg)
{
	struct run_ctx *c = arg;
	cfs_error_t e = { 0 };

	cfs_remove_tree(c->rec.overlay, &e);
}

static int step_overlay(struct run_ctx *c, cfs_error_t *err)
{
	struct stat st;

	if (!c->o->nlayers)
		return 0;
	if (cfs_mkdir(CFS_OVERLAY_DIR, 0700, err) < 0)
		return -1;
	/* A leftover of a run that died uncleaned (the record is ours now). */
	if (cfs_remove_tree(c->rec.overlay, err) < 0)
		return -1;
	if (mkdir(c->rec.overlay, 0700) < 0)
		return cfs_fail(err, errno, "creating %s", c->rec.overlay);
	cfs_undo_push(&c->undo, undo_overlay, c);
	snprintf(c->upper, sizeof(c->upper), "%s/upper", c->rec.overlay);
	snprintf(c->work, sizeof(c->work), "%s/work", c->rec.overlay);
	snprintf(c->merged, sizeof(c->merged), "%s/merged", c->rec.overlay);
	if (mkdir(c->upper, 0755) < 0 || mkdir(c->work, 0700) < 0 ||
	    mkdir(c->merged, 0755) < 0)
		return cfs_fail(err, errno, "creating the overlay directories in %s",
				c->rec.overlay);
	/* The merged root takes the upper directory's owner and mode: make
	 * them the base's. */
	if (stat(c->rootfs, &st) < 0 || chown(c->upper, st.st_uid, st.st_gid) < 0 ||
	    chmod(c->upper, st.st_mode & 07777) < 0)
		return cfs_fail(err, errno, "preparing %s", c->upper);
	return 0;
}

static void undo_cgroup(void *arg)
{
	struct run_ctx *c = arg;
	cfs_error_t e = { 0 };

	cfs_cg_destroy(c->cg, &e);
}

static int step_cgroup(struct run_ctx *c, cfs_error_t *err)
{
	const char *name = c->o->name;

	if (cfs_ct_cg_create(name, &c->o->limits, &c->cg, err) < 0) {
		struct cfs_cgroup *stale = NULL;
		cfs_error_t e2 = { 0 };

		if (err->errnum != EEXIST)
			return -1;
		/* Left by a run that died uncleaned; the name is ours (we
		 * hold its record), so an empty group can go. */
		if (cfs_ct_cg_open(name, &stale, &e2) < 0 ||
		    cfs_cg_destroy(stale, &e2) < 0) {
			cfs_cg_free(stale);
			return cfs_fail(err, e2.errnum, "a cgroup of container %s exists (%s)",
					name, e2.msg);
		}
		cfs_cg_free(stale);
		cfs_error_clear(err);
		if (cfs_ct_cg_create(name, &c->o->limits, &c->cg, err) < 0)
			return -1;
	}
	cfs_undo_push(&c->undo, undo_cgroup, c);
	return 0;
}

static void undo_down(void *arg)
{
	struct run_ctx *c = arg;
	cfs_error_t e = { 0 };

	cfs_down(c->o->name, &e);
}

static int step_network(struct run_ctx *c, cfs_error_t *err)
{
	const struct cfs_run_opts *o = c->o;

	if (o->has_ip) {
		struct cfs_up_opts uo = { .name = o->name, .has_ip = true, .ip = o->ip,
					  .has_ip6 = o->has_ip6, .ip6 = o->ip6,
					  .ports = o->ports, .nports = o->nports };
		struct cfs_container *ct = malloc(sizeof(*ct));
		bool created = false;
		int r;

		if (!ct)
			return cfs_fail(err, ENOMEM, "joining the network");
		r = cfs_up(&uo, ct, &created, err);
		free(ct);
		if (r < 0)
			return -1;
		if (created)
			cfs_undo_push(&c->undo, undo_down, c);
		c->rec.net = created ? CFS_RUN_NET_CREATED : CFS_RUN_NET_JOINED;
	}
	if (c->rec.net != CFS_RUN_NET_PRIVATE)
		return cfs_netns_open(o->name, &c->nsfd, err);
	return 0;
}

static pid_t clone_init(unsigned long flags)
{
	/* fork-like: the child continues here on a copy of our stack. */
	return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

struct notify_msg {
	int ok;
	int status;
	pid_t pid;
	cfs_error_t err;
};

static void notify(int *fd, int ok, int status, pid_t pid, const cfs_error_t *err)
{
	struct notify_msg m = { .ok = ok, .status = status, .pid = pid };

	if (!fd || *fd < 0)
		return;
	if (err)
		m.err = *err;
	while (write(*fd, &m, sizeof(m)) < 0 && errno == EINTR)
		;
	close(*fd);
	*fd = -1;
}

static void close_fds(int *fds, size_t *n)
{
	while (*n)
		close(fds[--*n]);
}

/* One message: the filter's instructions (or "g"), with fds attached. */
static int send_go(int sock, const struct cfs_seccomp_prog *prog,
		   const int *fds, size_t nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * CFS_GO_MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = {
		.iov_base = prog->n ? (void *)prog->insns : (void *)"g",
		.iov_len = prog->n ? prog->n * sizeof(*prog->insns) : 1,
	};
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds) {
		struct cmsghdr *cm;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

static int start_container(struct run_ctx *c, pid_t *pidp, int *status,
			   cfs_error_t *err)
{
	const struct cfs_run_opts *o = c->o;
	char etc[64];
	struct cfs_init_ctx ic = {
		.o = o,
		.nsfd = c->nsfd,
		.rootfs = {
			.rootfs = c->rootfs,
			.layers = (const char *const *)c->layers,
			.nlayers = o->nlayers,
			.upper = c->upper, .work = c->work, .merged = c->merged,
		},
	};
	unsigned long flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
	struct cfs_seccomp_prog prog = { 0 };
	struct cfs_start_msg msg;
	int sp[2], ws, tasks[CFS_GO_MAX_FDS];
	size_t ntasks = 0;
	ssize_t n;
	pid_t pid;

	/* On a network, the members' names and the resolvers `up` wrote. */
	if (c->rec.net != CFS_RUN_NET_PRIVATE) {
		snprintf(etc, sizeof(etc), "/etc/netns/%s", o->name);
		ic.rootfs.etc_files = etc;
	}

	ic.envp = cfs_container_env(o->hostname ? o->hostname : o->name, o->env, o->nenv);
	if (!ic.envp)
		return cfs_fail(err, ENOMEM, "building the environment");
	if (c->nsfd < 0)
		flags |= CLONE_NEWNET;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		cfs_env_free(ic.envp);
		return cfs_fail(err, errno, "creating the start socket");
	}
	pid = clone_init(flags);
	if (pid < 0) {
		int e = errno;

		close(sp[0]);
		close(sp[1]);
		cfs_env_free(ic.envp);
		return cfs_fail(err, e, "creating the container's namespaces");
	}
	if (pid == 0) {
		close(sp[0]);
		ic.sock = sp[1];
		cfs_init_main(&ic);
	}
	close(sp[1]);
	cfs_env_free(ic.envp);
	*pidp = pid;
	/* The group is made while the child mounts its root. On cgroup v1
	 * the child moves itself in through the "tasks" files we open for it
	 * (far cheaper than our moving it by pid: see cfs_cg_open_tasks),
	 * sent with the go; on v2 we move it. */
	if (step_cgroup(c, err) < 0)
		goto kill;
	if (cfs_cg_version(c->cg) == CFS_CG_V1) {
		if (cfs_cg_open_tasks(c->cg, tasks, CFS_ARRAY_SIZE(tasks), &ntasks, err) < 0)
			goto kill;
	} else if (cfs_cg_enter(c->cg, pid, err) < 0) {
		goto kill;
	}
	/* The go: the seccomp filter ("g" alone without one) and the
	 * "tasks" fds. MSG_NOSIGNAL: a child that failed its setup has
	 * closed its end. */
	if (!o->no_seccomp && cfs_seccomp_build(&prog, err) < 0)
		goto kill;
	if (send_go(sp[0], &prog, tasks, ntasks) < 0 && errno != EPIPE) {
		cfs_fail(err, errno, "starting the container");
		goto kill;
	}
	close_fds(tasks, &ntasks);
	cfs_seccomp_free(&prog);
	/* Recorded while the child mounts its root. */
	c->rec.pid = pid;
	c->rec.start = cfs_proc_start(pid);
	if (cfs_runrec_save(&c->rec, err) < 0)
		goto kill;
	do
		n = recv(sp[0], &msg, sizeof(msg), 0);
	while (n < 0 && errno == EINTR);
	close(sp[0]);
	if (n == 0)
		return 0;
	if (n == (ssize_t)sizeof(msg)) {
		*err = msg.err;
		*status = msg.status;
	} else if (!cfs_pid1_report(&msg, n, o->argv[0], status, err)) {
		cfs_fail(err, n < 0 ? errno : EPROTO, "starting the container");
	}
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	return -1;
kill:
	close_fds(tasks, &ntasks);
	cfs_seccomp_free(&prog);
	kill(pid, SIGKILL);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	/* The child's own failure, if it had one, explains ours. */
	if (recv(sp[0], &msg, sizeof(msg), MSG_DONTWAIT) == (ssize_t)sizeof(msg)) {
		*err = msg.err;
		*status = msg.status;
	}
	close(sp[0]);
	return -1;
}

static int resolve_paths(struct run_ctx *c, cfs_error_t *err)
{
	const struct cfs_run_opts *o = c->o;

	if (!realpath(o->rootfs, c->rootfs))
		return cfs_fail(err, errno, "rootfs %s", o->rootfs);
	if (!o->nlayers)
		return 0;
	c->layers = calloc(o->nlayers + 1, sizeof(*c->layers));
	if (!c->layers)
		return cfs_fail(err, ENOMEM, "resolving layers");
	for (size_t i = 0; i < o->nlayers; i++) {
		c->layers[i] = realpath(o->layers[i], NULL);
		if (!c->layers[i])
			return cfs_fail(err, errno, "layer %s", o->layers[i]);
	}
	return 0;
}

/* The whole run in this process. *notify_fd (>= 0 with --detach) hears
 * once whether the command started. */
static int run_core(const struct cfs_run_opts *o, struct cfs_run_result *res,
		    int *notify_fd, cfs_error_t *err)
{
	struct run_ctx c = { .o = o, .nsfd = -1 };
	sigset_t fwd, old;
	int ret = -1, ws = 0, status = 1;
	pid_t pid = 0;

	cfs_fwd_sigset(&fwd);
	if (resolve_paths(&c, err) < 0 || step_record(&c, err) < 0 ||
	    step_overlay(&c, err) < 0 || step_network(&c, err) < 0)
		goto fail;
	/* Blocked from before the clone to the end: PID 1 inherits the mask
	 * (cfsnet-init takes them with sigtimedwait), and here a ^C or a SIGTERM while
	 * the container runs is passed on instead of killing us before the
	 * cleanup. */
	sigprocmask(SIG_BLOCK, &fwd, &old);
	if (start_container(&c, &pid, &status, err) < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		goto fail;
	}
	if (c.nsfd >= 0)
		close(cfs_steal_fd(&c.nsfd));
	res->pid = pid;
	notify(notify_fd, 1, 0, pid, NULL);

	ret = cfs_wait_forwarding(pid, &ws, err);
	res->status = ret < 0 ? 1 : cfs_status_of(ws);
	{
		struct cfs_cg_stats st;
		bool have = false;

		/* The undo list is not needed any more: the record says what
		 * to remove, for us as for a `stop` racing us. The OOM count
		 * matters only under a memory limit (and reading the
		 * statistics costs time at every exit). */
		if (run_cleanup(o->name, c.cg, o->limits.memory >= 0 ? &st : NULL, &have,
				err) < 0)
			ret = -1;
		res->oom_killed = have && st.oom_kills > 0;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	goto out;
fail:
	res->status = status;
	cfs_undo_run(&c.undo);
	notify(notify_fd, 0, status, 0, err);
out:
	if (c.nsfd >= 0)
		close(c.nsfd);
	cfs_cg_free(c.cg);
	if (c.layers) {
		for (size_t i = 0; i < o->nlayers; i++)
			free(c.layers[i]);
		free(c.layers);
	}
	return ret;
}

static int run_detached(const struct cfs_run_opts *o, struct cfs_run_result *res,
			cfs_error_t *err)
{
	struct notify_msg m;
	int p[2];
	ssize_t n;
	pid_t mon;

	if (pipe2(p, O_CLOEXEC) < 0)
		return cfs_fail(err, errno, "creating a pipe");
	mon = fork();
	if (mon < 0) {
		int e = errno;

		close(p[0]);
		close(p[1]);
		return cfs_fail(err, e, "starting the monitor");
	}
	if (mon == 0) {
		struct cfs_run_result r = { 0 };
		cfs_error_t e = { 0 };
		int fd = p[1], nul;

		close(p[0]);
		/* The monitor outlives the command line: no terminal, and
		 * none of the caller's pipes kept open. */
		setsid();
		nul = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
			dup2(nul, 2);
			close(nul);
		}
		if (run_core(o, &r, &fd, &e) < 0)
			notify(&fd, 0, r.status, 0, &e);
		_exit(0);
	}
	close(p[1]);
	do
		n = read(p[0], &m, sizeof(m));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n != (ssize_t)sizeof(m)) {
		waitpid(mon, NULL, 0);
		return cfs_fail(err, 0, "the container's monitor ended before it started");
	}
	if (!m.ok) {
		*err = m.err;
		res->status = m.status;
		return -1;
	}
	res->pid = m.pid;
	return 0;
}

int cfs_run(const struct cfs_run_opts *o, struct cfs_run_result *res,
	    cfs_error_t *err)
{
	int r;

	memset(res, 0, sizeof(*res));
	res->status = 1;
	res->memory_limit = o->limits.memory;
	if (cfs_run_check(o, err) < 0)
		return cfs_error_wrap(err, "run %s", o->name);
	r = o->detach ? run_detached(o, res, err) : run_core(o, res, NULL, err);
	return r < 0 ? cfs_error_wrap(err, "run %s", o->name) : 0;
}

/* ---- stop, stats, views ---------------------------------------------------------- */

/* Waits for a pidfd to turn readable (the process ended), at most ms. */
static bool wait_exit(int pidfd, int ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	return r > 0;
}

static int send_sig(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int cfs_stop(const char *name, unsigned timeout_s, cfs_error_t *err)
{
	struct cfs_run_rec rec;
	cleanup_close int init = -1;
	cleanup_close int mon = -1;
	int target;

	if (cfs_check_name(name, err) < 0)
		return cfs_error_wrap(err, "stop %s", name);
	if (cfs_runrec_load(name, &rec, err) < 0) {
		if (err->errnum == ENOENT)
			cfs_fail(err, 0, container_state_exists(name) ?
				 "container has no process (made by up: use cfsnet down)" :
				 "no such container");
		return cfs_error_wrap(err, "stop %s", name);
	}
	init = cfs_pidfd_of(rec.pid, rec.start);
	if (rec.monitor != getpid())
		mon = cfs_pidfd_of(rec.monitor, rec.monitor_start);
	/* Still starting: the monitor passes the SIGTERM on once PID 1 is
	 * there. */
	target = init >= 0 ? init : mon;
	if (target >= 0) {
		send_sig(target, SIGTERM);
		if (!wait_exit(target, (int)(timeout_s > 2000000 ? 2000000000 : timeout_s * 1000))) {
			send_sig(target, SIGKILL);
			wait_exit(target, 10000);
		}
	}
	/* The monitor cleans up when PID 1 is gone; whatever it leaves (it
	 * died, or was killed) is ours to remove. */
	if (mon >= 0 && mon != target)
		wait_exit(mon, 10000);
	if (run_cleanup(name, NULL, NULL, NULL, err) < 0)
		return cfs_error_wrap(err, "stop %s", name);
	return 0;
}

int cfs_stats(const char *name, struct cfs_cg_stats *st, cfs_error_t *err)
{
	struct cfs_cgroup *cg = NULL;
	int r;

	if (cfs_check_name(name, err) < 0)
		return cfs_error_wrap(err, "stats %s", name);
	if (cfs_ct_cg_open(name, &cg, err) < 0) {
		if (err->errnum == ENOENT)
			cfs_fail(err, 0, container_state_exists(name) ?
				 "container has no process (made by up)" :
				 "no such container");
		return cfs_error_wrap(err, "stats %s", name);
	}
	r = cfs_cg_stats(cg, st, err);
	cfs_cg_free(cg);
	return r < 0 ? cfs_error_wrap(err, "stats %s", name) : 0;
}

void cfs_proc_view(const char *name, struct cfs_proc_view *out)
{
	struct cfs_run_rec rec;
	cfs_error_t e = { 0 };

	memset(out, 0, sizeof(*out));
	if (cfs_runrec_load(name, &rec, &e) < 0)
		return;
	out->has_run = true;
	out->pid = rec.pid;
	if (!rec.pid)
		out->status = cfs_proc_alive(rec.monitor, rec.monitor_start) ? "starting" : "exited";
	else
		out->status = cfs_proc_alive(rec.pid, rec.start) ? "running" : "exited";
}

int cfs_run_only_names(char ***names, size_t *n, cfs_error_t *err)
{
	size_t k = 0;

	if (cfs_runrec_names(names, n, err) < 0)
		return -1;
	for (size_t i = 0; i < *n; i++) {
		if (container_state_exists((*names)[i]))
			free((*names)[i]);
		else
			(*names)[k++] = (*names)[i];
	}
	*n = k;
	return 0;
}

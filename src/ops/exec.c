/* exec.c - `cfsnet exec`: for a container with a running process (`run`),
 * the command enters all of its namespaces, its root and its cgroup, with
 * the same reduced privileges as the container's own command; for one made
 * by `up` only, it runs in the network namespace, as `ip netns exec`
 * would run it. */
#define _GNU_SOURCE
#include "ops-internal.h"
#include "run-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/util.h"
#include "../ns/ns.h"

/* The child: inside everything, then exec. Never returns. */
__attribute__((noreturn)) static void exec_child(int pidfd, int rootfd,
						 struct cfs_cgroup *cg,
						 char *const argv[], int sock,
						 bool no_seccomp)
{
	struct cfs_seccomp_prog seccomp = { 0 };
	cfs_error_t err = { 0 };
	cleanup_free char *adj = NULL;
	struct utsname u;
	char **env;
	int elf;

	/* Until exec this is cfsnet's binary from the host, visible in the
	 * container's pid namespace: not for its processes to open or
	 * attach to. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* Our pid as the cgroup file reads it: this process already lives
	 * in the container's pid namespace. */
	if (cfs_cg_enter(cg, getpid(), &err) < 0)
		goto fail;
	if (setns(pidfd, CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC |
			 CLONE_NEWCGROUP) < 0) {
		cfs_fail(&err, errno, "joining the container's namespaces");
		goto fail;
	}
	/* Joining the mount namespace put us at its root, which is not the
	 * container's when cfsnet itself was started in a chroot: take PID
	 * 1's root (opened before, through /proc/PID/root), as nsenter's
	 * --root does. */
	if (fchdir(rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0) {
		cfs_fail(&err, errno, "entering the container's root");
		goto fail;
	}
	close(rootfd);
	/* PID 1's oom_score_adj (--oom-score-adj) holds for us too. */
	if (cfs_read_file("/proc/1/oom_score_adj", &adj, NULL, &err) == 0)
		cfs_write_string("/proc/self/oom_score_adj", adj, &err);
	cfs_error_clear(&err);
	uname(&u);
	env = cfs_container_env(u.nodename, NULL, 0);
	if (!env) {
		cfs_fail(&err, ENOMEM, "building the environment");
		goto fail;
	}
	if (!no_seccomp && cfs_seccomp_build(&seccomp, &err) < 0)
		goto fail;
	/* The command is started by cfsnet-init, from a sealed copy: no
	 * process of the container ever executes cfsnet's own binary. */
	elf = cfs_pid1_open(&err);
	if (elf < 0 || cfs_container_prepare(no_seccomp ? NULL : &seccomp, false, &err) < 0)
		goto fail;
	cfs_pid1_exec(elf, false, sock, argv, env, &err);
fail:
	cfs_start_report(sock, 1, &err);
	_exit(1);
}

static int exec_in_container(const char *name, const struct cfs_run_rec *rec,
			     char *const argv[], int *status, cfs_error_t *err)
{
	cleanup_close int pidfd = -1;
	cleanup_close int rootfd = -1;
	cleanup_close int ownpid = -1;
	struct cfs_cgroup *cg = NULL;
	struct cfs_start_msg msg;
	sigset_t fwd, old;
	int sp[2], ws = 0, ret = -1;
	ssize_t n;
	pid_t pid;

	pidfd = cfs_pidfd_of(rec->pid, rec->start);
	if (pidfd >= 0) {
		char root[64];

		snprintf(root, sizeof(root), "/proc/%d/root", (int)rec->pid);
		rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			return cfs_fail(err, errno, "opening %s", root);
	}
	if (pidfd < 0)
		return cfs_fail(err, 0, "the container's process is gone");
	if (cfs_ct_cg_open(name, &cg, err) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		cfs_cg_free(cg);
		return cfs_fail(err, errno, "creating a socket");
	}
	/* The pid namespace applies to children only: join it here, fork,
	 * and the child joins the rest; then back to our own for whatever
	 * we start later (a sanitizer's helper thread, for one). */
	ownpid = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (ownpid < 0) {
		cfs_fail(err, errno, "opening /proc/self/ns/pid");
		goto out;
	}
	if (setns(pidfd, CLONE_NEWPID) < 0) {
		cfs_fail(err, errno, "joining the container's pid namespace");
		goto out;
	}
	cfs_fwd_sigset(&fwd);
	sigprocmask(SIG_BLOCK, &fwd, &old);
	pid = fork();
	if (pid == 0) {
		close(sp[0]);
		exec_child(pidfd, rootfd, cg, argv, sp[1], rec->no_seccomp);
	}
	setns(ownpid, CLONE_NEWPID);
	if (pid < 0) {
		cfs_fail(err, errno, "starting the command");
		sigprocmask(SIG_SETMASK, &old, NULL);
		goto out;
	}
	close(cfs_steal_fd(&sp[1]));
	ret = cfs_wait_forwarding(pid, &ws, err);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (ret < 0)
		goto out;
	*status = cfs_status_of(ws);
	/* A message means the command never ran. */
	n = recv(sp[0], &msg, sizeof(msg), MSG_DONTWAIT);
	if (n == (ssize_t)sizeof(msg)) {
		*err = msg.err;
		*status = msg.status;
		ret = -1;
	} else if (cfs_pid1_report(&msg, n, argv[0], status, err)) {
		ret = -1;
	}
out:
	close(sp[0]);
	if (sp[1] >= 0)
		close(sp[1]);
	cfs_cg_free(cg);
	return ret;
}

int cfs_exec(const char *name, char *const argv[], int *status,
	     cfs_error_t *err)
{
	struct cfs_state st;
	struct cfs_container ct;
	struct cfs_run_rec rec;
	cfs_error_t e2 = { 0 };

	*status = 1;
	if (cfs_check_name(name, err) < 0 ||
	    cfs_state_open(&st, CFS_STATE_DIR, false, err) < 0)
		return cfs_error_wrap(err, "exec %s", name);
	if (cfs_runrec_load(name, &rec, &e2) == 0 && rec.pid &&
	    cfs_proc_alive(rec.pid, rec.start)) {
		if (exec_in_container(name, &rec, argv, status, err) < 0)
			return cfs_error_wrap(err, "exec %s", name);
		return 0;
	}
	if (cfs_container_load(&st, name, &ct, err) < 0) {
		if (err->errnum == ENOENT)
			cfs_fail(err, 0, e2.errnum == ENOENT ? "no such container" :
					 "the container's process is not running");
		return cfs_error_wrap(err, "exec %s", name);
	}
	if (cfs_netns_enter(name, err) < 0)
		return cfs_error_wrap(err, "exec %s", name);
	execvp(argv[0], argv);
	*status = errno == ENOENT ? 127 : 126;
	cfs_fail(err, errno, "running %s", argv[0]);
	return cfs_error_wrap(err, "exec %s", name);
}

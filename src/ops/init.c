/* init.c - the container side of `run` and `exec`: cfsnet's PID 1 (it
 * sets the container up, starts the command, reaps orphans and passes
 * signals on) and the last steps of a process before it execs inside a
 * container (capabilities, no_new_privs, fds, environment).
 *
 * Everything here runs in a child; errors travel back to the cfsnet
 * process over the start socket (struct cfs_start_msg), which is
 * close-on-exec: the parent reading EOF on it means the command was
 * executed. */
#define _GNU_SOURCE
#include "run-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/util.h"
#include "../net/net.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static const int fwd_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

void cfs_fwd_sigset(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < CFS_ARRAY_SIZE(fwd_signals); i++)
		sigaddset(set, fwd_signals[i]);
	sigaddset(set, SIGCHLD);
}

int cfs_status_of(int ws)
{
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	if (WIFSIGNALED(ws))
		return 128 + WTERMSIG(ws);
	return 1;
}

void cfs_start_report(int fd, int status, const cfs_error_t *err)
{
	struct cfs_start_msg m = { .status = status, .err = *err };

	if (fd >= 0)
		while (send(fd, &m, sizeof(m), MSG_NOSIGNAL) < 0 && errno == EINTR)
			;
}

int cfs_wait_forwarding(pid_t pid, int *wstatus, cfs_error_t *err)
{
	sigset_t set;

	cfs_fwd_sigset(&set);
	for (;;) {
		siginfo_t si;
		int sig;
		pid_t r = waitpid(pid, wstatus, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return cfs_fail(err, errno, "waiting for process %d", (int)pid);
		sig = sigwaitinfo(&set, &si);
		if (sig < 0 || sig == SIGCHLD)
			continue;
		/* A terminal's ^C or ^\ reaches the whole foreground process
		 * group (si_code SI_KERNEL), the command included: passing it
		 * on would deliver it twice. */
		if (si.si_code != SI_KERNEL)
			kill(pid, sig);
	}
}

/* ---- the process about to exec ------------------------------------------- */

/* Docker's (and runc's, crun's) default capability set. */
static const int default_caps[] = {
	CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD,
	CAP_NET_RAW, CAP_SETGID, CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP,
	CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE,
};

static int drop_caps(cfs_error_t *err)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	uint64_t keep = 0;

	for (size_t i = 0; i < CFS_ARRAY_SIZE(default_caps); i++)
		keep |= 1ULL << default_caps[i];
	/* The bounding set first (that needs CAP_SETPCAP, which we keep):
	 * it caps what any later exec can gain. Capabilities are numbered
	 * without gaps, so the first EINVAL is past the kernel's last one. */
	for (int cap = 0; cap < 64; cap++) {
		if (keep & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break;
			return cfs_fail(err, errno, "dropping capability %d", cap);
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return cfs_fail(err, errno, "clearing ambient capabilities");
	/* Permitted and effective = the default set, inheritable empty (as
	 * Docker since 23.0): root's exec then gets exactly the bounding set. */
	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = (uint32_t)keep;
	d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
	if (syscall(SYS_capset, &h, d) < 0)
		return cfs_fail(err, errno, "setting capabilities");
	return 0;
}

int cfs_container_prepare(const struct cfs_seccomp_prog *seccomp, bool keep_mask,
			  cfs_error_t *err)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t none;

	/* Ignored signals stay ignored across exec: reset them all. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	if (!keep_mask)
		sigprocmask(SIG_SETMASK, &none, NULL);
	umask(022);
	/* Close-on-exec rather than closed: the start socket must survive a
	 * failed exec to report it; a successful one closes everything. */
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		for (int fd = 3; fd < 1024; fd++) {
			int fl = fcntl(fd, F_GETFD);

			if (fl >= 0)
				fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
		}
	}
	if (drop_caps(err) < 0)
		return -1;
	/* Last: after it nothing could be gained anyway. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cfs_fail(err, errno, "setting no_new_privs");
	if (seccomp && cfs_seccomp_load(seccomp, err) < 0)
		return -1;
	return 0;
}

static bool env_has_key(char **env, size_t n, const char *kv, size_t *at)
{
	size_t kl = strcspn(kv, "=");

	for (size_t i = 0; i < n; i++)
		if (!strncmp(env[i], kv, kl) && env[i][kl] == '=') {
			*at = i;
			return true;
		}
	return false;
}

char **cfs_container_env(const char *hostname, const char *const *extra,
			 size_t nextra)
{
	const char *term = getenv("TERM");
	char **env = calloc(nextra + 5, sizeof(*env));
	size_t n = 0;

	if (!env)
		return NULL;
	if (asprintf(&env[n++], "PATH=%s", CFS_CONTAINER_PATH) < 0 ||
	    asprintf(&env[n++], "HOME=/root") < 0 ||
	    asprintf(&env[n++], "TERM=%s", term && *term ? term : "xterm") < 0 ||
	    asprintf(&env[n++], "HOSTNAME=%s", hostname) < 0)
		goto fail;
	for (size_t i = 0; i < nextra; i++) {
		char *kv = strdup(extra[i]);
		size_t at;

		if (!kv)
			goto fail;
		if (env_has_key(env, n, kv, &at)) {
			free(env[at]);
			env[at] = kv;
		} else {
			env[n++] = kv;
		}
	}
	env[n] = NULL;
	return env;
fail:
	cfs_env_free(env);
	return NULL;
}

void cfs_env_free(char **env)
{
	if (!env)
		return;
	for (char **e = env; *e; e++)
		free(*e);
	free(env);
}

/* ---- PID 1 ------------------------------------------------------------------ */

static void nop_handler(int sig)
{
	(void)sig;
}

__attribute__((noreturn)) static void init_fail(struct cfs_init_ctx *c,
						cfs_error_t *err)
{
	cfs_start_report(c->sock, 1, err);
	_exit(1);
}

static int lo_up(cfs_error_t *err)
{
	cleanup_nl struct cfs_nl *nl = NULL;
	struct cfs_link_set lo = { .ifindex = 1, .up = true }; /* lo is always 1 */

	if (cfs_nl_open(&nl, err) < 0 ||
	    cfs_nl_queue_link_set(nl, &lo, "bringing lo up", err) < 0 ||
	    cfs_nl_flush(nl, err) < 0)
		return -1;
	return 0;
}

static int write_oom_score_adj(int v, cfs_error_t *err)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", v);
	return cfs_write_string("/proc/self/oom_score_adj", buf, err);
}

/* Everything but the fds in keep[] (ascending) closed: PID 1 never execs,
 * so close-on-exec would not close what the parent had open (the caller's
 * pipes among them). */
static void close_all_but(const int *keep, size_t n)
{
	unsigned from = 3;

	for (size_t i = 0; i < n; i++) {
		if (keep[i] < 0 || (unsigned)keep[i] < from)
			continue;
		if ((unsigned)keep[i] > from)
			syscall(SYS_close_range, from, (unsigned)keep[i] - 1, 0);
		from = (unsigned)keep[i] + 1;
	}
	syscall(SYS_close_range, from, ~0U, 0);
}

/* The parent's go: the compiled seccomp filter for the command, or one
 * byte when it runs without; with it, on cgroup v1, the group's "tasks"
 * files, into fds[0..*nfds). */
static int recv_go(int sock, struct cfs_seccomp_prog *prog, int *fds, size_t *nfds)
{
	size_t cap = BPF_MAXINSNS * sizeof(struct sock_filter);
	struct sock_filter *buf = malloc(cap);
	union {
		char buf[CMSG_SPACE(sizeof(int) * CFS_GO_MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;
	ssize_t n;

	*nfds = 0;
	if (!buf)
		return -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	for (cm = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL; cm; cm = CMSG_NXTHDR(&mh, cm)) {
		size_t k;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (*nfds + k > CFS_GO_MAX_FDS)
			k = CFS_GO_MAX_FDS - *nfds;
		memcpy(fds + *nfds, CMSG_DATA(cm), k * sizeof(int));
		*nfds += k;
	}
	if (n == 1 || n <= 0 || n % (ssize_t)sizeof(*buf) || (mh.msg_flags & MSG_CTRUNC)) {
		free(buf);
		return n == 1 && !(mh.msg_flags & MSG_CTRUNC) ? 0 : -1;
	}
	prog->insns = buf;
	prog->n = (size_t)n / sizeof(*buf);
	return 0;
}

void cfs_init_main(struct cfs_init_ctx *c)
{
	const struct cfs_run_opts *o = c->o;
	struct sigaction sa = { .sa_handler = nop_handler };
	struct cfs_seccomp_prog seccomp = { 0 };
	cfs_error_t err = { 0 };
	int keep[2], tasks[CFS_GO_MAX_FDS], elf;
	size_t ntasks;

	keep[0] = c->nsfd >= 0 && c->nsfd < c->sock ? c->nsfd : c->sock;
	keep[1] = keep[0] == c->sock ? c->nsfd : c->sock;
	close_all_but(keep, 2);
	/* The parent's signals stay blocked (cfsnet-init takes them, with
	 * sigtimedwait); until then handlers make sure the kernel never
	 * discards one sent to a pid namespace's init for want of a handler. */
	for (size_t i = 0; i < CFS_ARRAY_SIZE(fwd_signals); i++)
		sigaction(fwd_signals[i], &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	/* If cfsnet dies, so does the container: nobody would clean up. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (c->nsfd >= 0) {
		if (setns(c->nsfd, CLONE_NEWNET) < 0) {
			cfs_fail(&err, errno, "joining network namespace %s", o->name);
			init_fail(c, &err);
		}
		close(c->nsfd);
	} else if (lo_up(&err) < 0) {
		init_fail(c, &err);
	}
	{
		const char *h = o->hostname ? o->hostname : o->name;

		if (sethostname(h, strlen(h)) < 0) {
			cfs_fail(&err, errno, "setting hostname %s", h);
			init_fail(c, &err);
		}
	}
	umask(0); /* the modes of /dev's nodes are exactly what is asked */
	if (cfs_rootfs_enter(&c->rootfs, &err) < 0)
		init_fail(c, &err);
	/* Everything above ran while the parent made the cgroup (on v2 also
	 * moving us into it: a migration by pid costs the kernel a whole RCU
	 * grace period, far more than the mounts) and recorded us. Now the
	 * go; on v1 we join the group ourselves, through the files it sent
	 * (we are one thread: moving this thread moves the process), before
	 * anything of the container's runs. EOF: the parent gave up, or died
	 * before PDEATHSIG was set. */
	if (recv_go(c->sock, &seccomp, tasks, &ntasks) < 0)
		_exit(1);
	if (cfs_cg_enter_fds(tasks, ntasks, &err) < 0)
		init_fail(c, &err);
	for (size_t i = 0; i < ntasks; i++)
		close(tasks[i]);
	/* Unshared only now so the namespace's root is the container's own
	 * group, which /proc/self/cgroup then shows as "/". */
	if (unshare(CLONE_NEWCGROUP) < 0) {
		cfs_fail(&err, errno, "creating a cgroup namespace");
		init_fail(c, &err);
	}
	if (o->has_oom_score_adj && write_oom_score_adj(o->oom_score_adj, &err) < 0)
		init_fail(c, &err);
	/* Until the exec below, /proc/1/exe is cfsnet's binary on the host:
	 * nobody in the container may open it (CVE-2019-5736), nor attach
	 * to us. (Nothing of the container runs yet; cfsnet-init, which
	 * starts the command, runs from a sealed copy of its own.) */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	elf = cfs_pid1_open(&err);
	if (elf < 0 ||
	    cfs_container_prepare(o->no_seccomp ? NULL : &seccomp, true, &err) < 0)
		init_fail(c, &err);
	cfs_pid1_exec(elf, true, c->sock, o->argv, c->envp, &err);
	init_fail(c, &err);
}

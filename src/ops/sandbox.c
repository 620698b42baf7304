/* sandbox.c - `cfsnet sandbox [--wan] -- CMD`: CMD runs in a private world
 * (its own network, mount and pid namespaces, a private /run and
 * /etc/netns), so everything it makes with cfsnet or ip is gone when it
 * exits. With --wan the world has an outside: a namespace "wan" at the
 * documentation address 203.0.113.1/24 behind an uplink, the sandbox's
 * default route pointing at it and no route back, so reaching it proves
 * NAT. Used by the project's own tests and scenarios, and by users to wrap
 * their test suites. */
#define _GNU_SOURCE
#include "ops-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/util.h"
#include "../ns/ns.h"

#define WAN_NS "wan"
#define WAN_ADDR 0xcb007101u    /* 203.0.113.1 */
#define UPLINK_ADDR 0xcb007102u /* 203.0.113.2 */
#define WAN_PREFIX 24
/* IPv6 documentation addresses: 2001:db8::1/64 outside, ::2 on the uplink. */
#define WAN6_ADDR "2001:db8::1"
#define UPLINK6_ADDR "2001:db8::2"
#define WAN6_PREFIX 64

/* /etc/netns must be private too (ip netns exec binds files from it). An
 * existing one gets a tmpfs; where there is none, /etc gets a writable
 * overlay whose upper layer lives in the private /run, so creating
 * /etc/netns inside never touches the host's /etc. */
static int private_etc_netns(cfs_error_t *err)
{
	struct stat st;

	if (stat("/etc/netns", &st) == 0) {
		if (mount("tmpfs", "/etc/netns", "tmpfs", MS_NOSUID | MS_NODEV,
			  "mode=0755") < 0)
			return cfs_fail(err, errno, "mounting a tmpfs on /etc/netns");
		return 0;
	}
	if (cfs_mkdir("/run/.cfsnet-sandbox", 0700, err) < 0 ||
	    cfs_mkdir("/run/.cfsnet-sandbox/etc", 0755, err) < 0 ||
	    cfs_mkdir("/run/.cfsnet-sandbox/work", 0700, err) < 0)
		return -1;
	if (mount("overlay", "/etc", "overlay", 0,
		  "lowerdir=/etc,upperdir=/run/.cfsnet-sandbox/etc,"
		  "workdir=/run/.cfsnet-sandbox/work") < 0)
		return cfs_fail(err, errno, "mounting a private overlay on /etc");
	if (mkdir("/etc/netns", 0755) < 0 && errno != EEXIST)
		return cfs_fail(err, errno, "creating /etc/netns");
	return 0;
}

/* The world's id, for the names of its containers' cgroups (world.c). */
static int write_world_id(const char *id, cfs_error_t *err)
{
	char line[CFS_WORLD_ID_MAX + 2];

	snprintf(line, sizeof(line), "%s\n", id);
	if (cfs_mkdir("/run/.cfsnet-sandbox", 0700, err) < 0)
		return -1;
	return cfs_write_file_atomic(CFS_WORLD_FILE, line, strlen(line), err);
}

static int private_mounts(cfs_error_t *err)
{
	if (mount("", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		return cfs_fail(err, errno, "making / private");
	if (mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		return cfs_fail(err, errno, "mounting a tmpfs on /run");
	if (private_etc_netns(err) < 0)
		return -1;
	/* A /proc of the new pid namespace, so ps and /proc/PID inside see
	 * the sandbox's processes. */
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return cfs_fail(err, errno, "mounting /proc");
	/* And a /sys of the new network namespace, keeping the cgroup
	 * hierarchies mounted under /sys/fs/cgroup (`run` needs them): set
	 * them aside, mount sysfs over /sys, move them back. */
	if (cfs_mkdir("/run/.cfsnet-sandbox", 0700, err) < 0 ||
	    cfs_mkdir("/run/.cfsnet-sandbox/cgroup", 0755, err) < 0)
		return -1;
	if (mount("/sys/fs/cgroup", "/run/.cfsnet-sandbox/cgroup", "none",
		  MS_BIND | MS_REC, NULL) < 0)
		return cfs_fail(err, errno, "keeping /sys/fs/cgroup");
	if (mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return cfs_fail(err, errno, "mounting /sys");
	if (mount("/run/.cfsnet-sandbox/cgroup", "/sys/fs/cgroup", "none",
		  MS_MOVE, NULL) < 0)
		return cfs_fail(err, errno, "moving /sys/fs/cgroup back");
	return 0;
}

static int lo_up(struct cfs_nl *nl, cfs_error_t *err)
{
	struct cfs_link_set lo = { .ifindex = 1, .up = true };

	return cfs_nl_queue_link_set(nl, &lo, "bringing lo up", err);
}

/* The outside world: netns "wan" holding 203.0.113.1/24 and
 * 2001:db8::1/64 on its eth0, the other end "uplink" here with
 * 203.0.113.2/24, 2001:db8::2/64 and the default routes (0/0 and ::/0).
 * The wan side knows no route back to anything but its own subnets. */
static int make_wan(struct cfs_nl *nl, cfs_error_t *err)
{
	cleanup_close int nsfd = -1;
	cleanup_nl struct cfs_nl *in = NULL;
	struct cfs_veth_spec spec = { .name = "uplink", .peer = "eth0", .up = true };
	struct cfs_cidr up_addr = { UPLINK_ADDR, WAN_PREFIX };
	struct cfs_cidr wan_addr = { WAN_ADDR, WAN_PREFIX };
	struct cfs_link_set eth0 = { .ifname = "eth0", .up = true };
	struct cfs_cidr6 up6 = { .prefix = WAN6_PREFIX }, wan6 = { .prefix = WAN6_PREFIX };
	int idx, widx;

	cfs_ip6_parse(UPLINK6_ADDR, &up6.addr);
	cfs_ip6_parse(WAN6_ADDR, &wan6.addr);
	if (cfs_netns_create(WAN_NS, &nsfd, err) < 0)
		return -1;
	spec.peer_nsfd = nsfd;
	if (cfs_nl_queue_veth(nl, &spec, err) < 0 || cfs_nl_flush(nl, err) < 0 ||
	    cfs_nl_link_index(nl, "uplink", &idx, err) < 0 ||
	    cfs_nl_queue_addr4(nl, idx, "uplink", &up_addr, err) < 0 ||
	    cfs_nl_queue_route4(nl, 0, 0, WAN_ADDR, idx, err) < 0 ||
	    cfs_nl_queue_addr6(nl, idx, "uplink", &up6, err) < 0 ||
	    cfs_nl_queue_route6_default(nl, &wan6.addr, idx, err) < 0 ||
	    cfs_nl_flush(nl, err) < 0)
		return -1;
	if (cfs_nl_open_in(nsfd, &in, err) < 0 || lo_up(in, err) < 0 ||
	    cfs_nl_queue_link_set(in, &eth0, "bringing wan's eth0 up", err) < 0 ||
	    cfs_nl_flush(in, err) < 0 ||
	    cfs_nl_link_index(in, "eth0", &widx, err) < 0 ||
	    cfs_nl_queue_addr4(in, widx, "eth0", &wan_addr, err) < 0 ||
	    cfs_nl_queue_addr6(in, widx, "eth0", &wan6, err) < 0 ||
	    cfs_nl_flush(in, err) < 0)
		return -1;
	return 0;
}

static int exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/* PID 1 of the sandbox: runs CMD, reaps every orphan, forwards the usual
 * termination signals to CMD, and returns CMD's status. When it returns
 * the kernel kills whatever else still runs in the pid namespace. */
static pid_t cmd_pid;

static void forward_signal(int sig)
{
	if (cmd_pid > 0)
		kill(cmd_pid, sig);
}

static int sandbox_init(char *const argv[])
{
	static const int fwd[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1,
				   SIGUSR2 };
	struct sigaction sa = { .sa_handler = forward_signal };
	int status = 0;
	pid_t pid;

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < CFS_ARRAY_SIZE(fwd); i++)
		sigaction(fwd[i], &sa, NULL);
	cmd_pid = fork();
	if (cmd_pid < 0) {
		fprintf(stderr, "cfsnet: sandbox: starting %s: %s\n", argv[0],
			strerror(errno));
		return 1;
	}
	if (cmd_pid == 0) {
		sa.sa_handler = SIG_DFL;
		for (size_t i = 0; i < CFS_ARRAY_SIZE(fwd); i++)
			sigaction(fwd[i], &sa, NULL);
		execvp(argv[0], argv);
		fprintf(stderr, "cfsnet: sandbox: running %s: %s\n", argv[0],
			strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	for (;;) {
		pid = wait(&status);
		if (pid == cmd_pid)
			return exit_status(status);
		if (pid < 0 && errno != EINTR)
			return 1;
	}
}

static pid_t init_pid;

static void forward_to_init(int sig)
{
	if (init_pid > 0)
		kill(init_pid, sig);
}

int cfs_sandbox(bool wan, char *const argv[], int *status, cfs_error_t *err)
{
	static const int fwd[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1,
				   SIGUSR2 };
	struct sigaction sa = { .sa_handler = forward_to_init };
	cleanup_nl struct cfs_nl *nl = NULL;
	cleanup_close int ownpid = -1;
	char world[CFS_WORLD_ID_MAX + 1];
	uint64_t rnd;
	pid_t pid;
	int st;

	*status = 1;
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		return cfs_fail(err, errno, "sandbox: getrandom");
	snprintf(world, sizeof(world), "sbx%016" PRIx64, rnd);
	/* Only the pid namespace is entered here (it takes effect for the
	 * child): the caller itself stays in the host's network and mount
	 * namespaces, where its own /proc still describes it. */
	ownpid = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (ownpid < 0)
		return cfs_fail(err, errno, "sandbox: opening /proc/self/ns/pid");
	if (unshare(CLONE_NEWPID) < 0)
		return cfs_fail(err, errno, "sandbox: creating a pid namespace");
	/* The child is PID 1 of the new pid namespace; it makes the network
	 * and mount namespaces and the mounts (its /proc must be of the new
	 * pid namespace) and then acts as init. */
	pid = fork();
	if (pid < 0)
		return cfs_fail(err, errno, "sandbox: fork");
	if (pid == 0) {
		cfs_error_t e = { 0 };

		/* Die with the parent, so a killed `cfsnet sandbox` does not
		 * leave the world running. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0) {
			fprintf(stderr, "cfsnet: sandbox: creating namespaces: %s\n",
				strerror(errno));
			_exit(1);
		}
		if (private_mounts(&e) < 0 || write_world_id(world, &e) < 0 ||
		    cfs_nl_open(&nl, &e) < 0 ||
		    lo_up(nl, &e) < 0 || cfs_nl_flush(nl, &e) < 0 ||
		    (wan && make_wan(nl, &e) < 0)) {
			fprintf(stderr, "cfsnet: sandbox: %s\n", e.msg);
			_exit(1);
		}
		cfs_nl_close(nl);
		nl = NULL;
		_exit(sandbox_init(argv));
	}
	/* Our later children (none here, but a sanitizer's helper thread at
	 * exit is one) belong in our own pid namespace, not in the sandbox's,
	 * which refuses new members once its init has gone. */
	if (setns(ownpid, CLONE_NEWPID) < 0)
		return cfs_fail(err, errno, "sandbox: leaving the pid namespace");
	/* Signals aimed at us go to the sandbox's init, which passes them on. */
	init_pid = pid;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < CFS_ARRAY_SIZE(fwd); i++)
		sigaction(fwd[i], &sa, NULL);
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return cfs_fail(err, errno, "sandbox: waiting");
	}
	*status = exit_status(st);
	/* The world's pid namespace is gone with its init, and with it every
	 * process in there; their cgroups are not (cgroups are machine-wide):
	 * remove what containers left in them. */
	if (cfs_world_cgroups_remove(world, err) < 0)
		return cfs_error_wrap(err, "sandbox: removing its containers' cgroups");
	return 0;
}

/* seccomp.c - the default seccomp profile of a container's processes.
 *
 * In the spirit of Docker's default: what a container has no business
 * doing fails with EPERM even where a capability would not already stop
 * it (keyctl, new user namespaces, io_uring, userfaultfd, bpf, perf), and
 * the kernel-wide switches (kexec, modules, reboot, swap, clock, accounting)
 * are blocked twice. A deny list rather than Docker's allow list: every
 * syscall this kernel has and the list does not name works, so a new
 * program never meets a surprise; what the list names cannot be reached.
 * Built with libseccomp and compiled to BPF before it is needed (`run`
 * does it while the container's PID 1 mounts its root), loaded after
 * no_new_privs, the last step before exec (`run --no-seccomp` leaves it
 * out). */
#define _GNU_SOURCE
#include "run-internal.h"

#include <errno.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/util.h"

/* Refused with EPERM, whatever the arguments. */
static const char *const denied[] = {
	/* the kernel itself */
	"kexec_load", "kexec_file_load", "init_module", "finit_module",
	"delete_module", "reboot", "swapon", "swapoff", "acct",
	"syslog", "iopl", "ioperm", "create_module", "get_kernel_syms",
	"query_module", "uselib", "nfsservctl", "_sysctl", "sysfs", "ustat",
	"lookup_dcookie", "vm86", "vm86old",
	/* the kernel keyring: not namespaced */
	"keyctl", "add_key", "request_key",
	/* clocks: not namespaced */
	"settimeofday", "stime", "clock_settime", "clock_settime64",
	"clock_adjtime", "clock_adjtime64", "adjtimex",
	/* mounts and namespaces (CAP_SYS_ADMIN is gone anyway) */
	"mount", "umount", "umount2", "pivot_root", "setns", "fsopen", "fsconfig",
	"fsmount", "fspick", "open_tree", "move_mount", "mount_setattr",
	/* file handles (the "shocker" escape), tracing, and the big attack
	 * surfaces Docker closes too (ptrace stays, as in Docker: a debugger
	 * may trace its own children) */
	"open_by_handle_at", "name_to_handle_at", "bpf", "perf_event_open",
	"userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
	"quotactl", "quotactl_fd", "vhangup", "fanotify_init",
	"get_mempolicy", "set_mempolicy", "mbind", "move_pages",
};

static int deny(scmp_filter_ctx ctx, const char *name, int errnum,
		unsigned n, const struct scmp_arg_cmp *arg, cfs_error_t *err)
{
	int nr = seccomp_syscall_resolve_name(name);
	int r;

	if (nr == __NR_SCMP_ERROR)
		return 0; /* not a syscall of this architecture */
	r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO((unsigned)errnum), nr, n, arg);
	/* -EDOM/-EINVAL: a pseudo syscall that has no number on one of the
	 * architectures of the filter. */
	if (r < 0 && r != -EDOM && r != -EINVAL)
		return cfs_fail(err, -r, "seccomp rule for %s", name);
	return 0;
}

/* The filter as libseccomp builds it. */
static scmp_filter_ctx build_ctx(cfs_error_t *err)
{
	struct scmp_arg_cmp newuser = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER);
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);

	if (!ctx) {
		cfs_fail(err, ENOMEM, "creating the seccomp filter");
		return NULL;
	}
	/* 32-bit programs run too, under the same rules (a filter kills the
	 * syscalls of an architecture it does not name). x32 ones are killed:
	 * each architecture roughly doubles the time libseccomp takes, and
	 * x32 is seldom even enabled in a distribution's kernel. */
	if (seccomp_arch_native() == SCMP_ARCH_X86_64)
		seccomp_arch_add(ctx, SCMP_ARCH_X86);
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
		if (deny(ctx, denied[i], EPERM, 0, NULL, err) < 0)
			goto fail;
	/* New user namespaces: unshare and clone with CLONE_NEWUSER (the
	 * flags are the first argument of both). clone3 passes its flags in
	 * memory a filter cannot read: ENOSYS makes libc fall back to clone. */
	if (deny(ctx, "unshare", EPERM, 1, &newuser, err) < 0 ||
	    deny(ctx, "clone", EPERM, 1, &newuser, err) < 0 ||
	    deny(ctx, "clone3", ENOSYS, 0, NULL, err) < 0)
		goto fail;
	return ctx;
fail:
	seccomp_release(ctx);
	return NULL;
}

int cfs_seccomp_build(struct cfs_seccomp_prog *prog, cfs_error_t *err)
{
	scmp_filter_ctx ctx;
	cleanup_close int fd = -1;
	cleanup_free char *bpf = NULL;
	struct stat st;
	size_t len;
	int r;

	memset(prog, 0, sizeof(*prog));
	ctx = build_ctx(err);
	if (!ctx)
		return -1;
	/* libseccomp 2.5 exports to an fd only: a memfd, read back. */
	fd = memfd_create("cfsnet-seccomp", MFD_CLOEXEC);
	if (fd < 0) {
		seccomp_release(ctx);
		return cfs_fail(err, errno, "creating the seccomp filter");
	}
	r = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	if (r < 0)
		return cfs_fail(err, -r, "compiling the seccomp filter");
	if (fstat(fd, &st) < 0)
		return cfs_fail(err, errno, "compiling the seccomp filter");
	len = (size_t)st.st_size;
	bpf = malloc(len ? len : 1);
	if (!bpf)
		return cfs_fail(err, ENOMEM, "compiling the seccomp filter");
	if (pread(fd, bpf, len, 0) != (ssize_t)len)
		return cfs_fail(err, EIO, "compiling the seccomp filter");
	if (!len || len % sizeof(struct sock_filter) || len / sizeof(struct sock_filter) > USHRT_MAX)
		return cfs_fail(err, EINVAL, "compiling the seccomp filter: %zu bytes of BPF", len);
	prog->insns = (struct sock_filter *)(void *)bpf;
	prog->n = len / sizeof(struct sock_filter);
	bpf = NULL;
	return 0;
}

int cfs_seccomp_load(const struct cfs_seccomp_prog *prog, cfs_error_t *err)
{
	struct sock_fprog f = { .len = (unsigned short)prog->n, .filter = prog->insns };

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &f, 0, 0) < 0)
		return cfs_fail(err, errno, "loading the seccomp filter");
	return 0;
}

void cfs_seccomp_free(struct cfs_seccomp_prog *prog)
{
	free(prog->insns);
	prog->insns = NULL;
	prog->n = 0;
}

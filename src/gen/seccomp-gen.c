/* seccomp-gen.c - compiles cfsnet's default seccomp profile to BPF at build
 * time, as a C header (the build's tool; not part of the cfsnet binary).
 *
 * The profile is a fixed list, so nothing about it depends on the machine
 * that runs cfsnet but the architecture, which is the build's own: cfsnet
 * is built natively (no cross builds). Compiling it once here instead of at
 * every `run` and `exec` saves libseccomp's work (~1 ms: API probes, the
 * rule tree, the export) and a shared object that every command mapped.
 *
 *   seccomp-gen OUT.h
 *
 * In the spirit of Docker's default: what a container has no business
 * doing fails with EPERM even where a capability would not already stop
 * it (keyctl, new user namespaces, io_uring, userfaultfd, bpf, perf), and
 * the kernel-wide switches (kexec, modules, reboot, swap, clock, accounting)
 * are blocked twice. A deny list rather than Docker's allow list: every
 * syscall this kernel has and the list does not name works, so a new
 * program never meets a surprise; what the list names cannot be reached. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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
		unsigned n, const struct scmp_arg_cmp *arg)
{
	int nr = seccomp_syscall_resolve_name(name);
	int r;

	if (nr == __NR_SCMP_ERROR)
		return 0; /* not a syscall of this architecture */
	r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO((unsigned)errnum), nr, n, arg);
	/* -EDOM/-EINVAL: a pseudo syscall that has no number on one of the
	 * architectures of the filter. */
	if (r < 0 && r != -EDOM && r != -EINVAL)
	{
		fprintf(stderr, "seccomp-gen: rule for %s: %s\n", name, strerror(-r));
		return -1;
	}
	return 0;
}

/* The filter as libseccomp builds it. */
static scmp_filter_ctx build_ctx(void)
{
	struct scmp_arg_cmp newuser = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER);
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);

	if (!ctx) {
		fprintf(stderr, "seccomp-gen: seccomp_init failed\n");
		return NULL;
	}
	/* A binary tree of the syscall numbers rather than a list: when the
	 * filter is attached the kernel runs it for every syscall number of
	 * every architecture (to cache which ones it always allows), and then
	 * for each syscall the container makes; a list of ~60 compares made
	 * the attach alone cost ~0.35 ms. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0)
		fprintf(stderr, "seccomp-gen: no binary tree in this libseccomp; a list then\n");
	/* 32-bit programs run too, under the same rules (a filter kills the
	 * syscalls of an architecture it does not name). x32 ones are killed:
	 * each architecture roughly doubles the time libseccomp takes, and
	 * x32 is seldom even enabled in a distribution's kernel. */
	if (seccomp_arch_native() == SCMP_ARCH_X86_64)
		seccomp_arch_add(ctx, SCMP_ARCH_X86);
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
		if (deny(ctx, denied[i], EPERM, 0, NULL) < 0)
			goto fail;
	/* New user namespaces: unshare and clone with CLONE_NEWUSER (the
	 * flags are the first argument of both). clone3 passes its flags in
	 * memory a filter cannot read: ENOSYS makes libc fall back to clone. */
	if (deny(ctx, "unshare", EPERM, 1, &newuser) < 0 ||
	    deny(ctx, "clone", EPERM, 1, &newuser) < 0 ||
	    deny(ctx, "clone3", ENOSYS, 0, NULL) < 0)
		goto fail;
	return ctx;
fail:
	seccomp_release(ctx);
	return NULL;
}

int main(int argc, char **argv)
{
	scmp_filter_ctx ctx;
	struct sock_filter *insns;
	struct stat st;
	size_t n;
	FILE *out;
	int fd, r;

	if (argc != 2) {
		fprintf(stderr, "usage: seccomp-gen OUT.h\n");
		return 2;
	}
	ctx = build_ctx();
	if (!ctx)
		return 1;
	/* libseccomp 2.5 exports to an fd only: a memfd, read back. */
	fd = memfd_create("seccomp-gen", MFD_CLOEXEC);
	if (fd < 0 || (r = seccomp_export_bpf(ctx, fd)) < 0 || fstat(fd, &st) < 0 ||
	    st.st_size <= 0 || st.st_size % (off_t)sizeof(*insns)) {
		fprintf(stderr, "seccomp-gen: exporting the filter failed\n");
		return 1;
	}
	seccomp_release(ctx);
	n = (size_t)st.st_size / sizeof(*insns);
	insns = malloc((size_t)st.st_size);
	if (!insns || pread(fd, insns, (size_t)st.st_size, 0) != st.st_size) {
		fprintf(stderr, "seccomp-gen: reading the filter back failed\n");
		return 1;
	}
	out = fopen(argv[1], "w");
	if (!out) {
		perror(argv[1]);
		return 1;
	}
	fprintf(out, "/* Generated by src/gen/seccomp-gen.c: do not edit. */\n"
		     "static const struct sock_filter cfs_seccomp_bpf[%zu] = {\n", n);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "\t{ 0x%04x, %u, %u, 0x%08x },\n", insns[i].code,
			insns[i].jt, insns[i].jf, insns[i].k);
	fprintf(out, "};\n");
	free(insns);
	if (fclose(out) != 0) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}

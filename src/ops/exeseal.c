/* exeseal.c - the cfsnet binary a container can reach is read-only.
 *
 * Every process of a container descends from cfsnet, so until it execs
 * its /proc/PID/exe is cfsnet's binary on the host; and a container
 * program can make the kernel exec that binary inside the container (a
 * `#!/proc/self/exe` script, a symlink to /proc/self/exe, an ELF
 * interpreter of that name), where it is an ordinary dumpable process
 * whose /proc/PID/exe any process of the container may open, then reopen
 * for writing once nothing runs the binary: the CVE-2019-5736 escape.
 *
 * So `run`, and `exec` into a container with a process, first re-execute
 * themselves (their own argv, from /proc/self/cmdline) from a read-only copy
 * that costs no copying: a detached clone of the mount that holds the
 * binary (open_tree), made read-only (mount_setattr), executed through its
 * fd (execveat). /proc/PID/exe then points into a read-only mount that
 * nobody can remount (it is in no mount table, and the container lacks
 * CAP_SYS_ADMIN): opening it for writing fails with EROFS. Where those
 * syscalls are missing (before Linux 5.12), a sealed memfd copy of the
 * binary serves instead (F_SEAL_WRITE: EPERM). A binary on a read-only
 * file system is used as it is. */
#define _GNU_SOURCE
#include "ops.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/util.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

/* Set across the re-execution: a second attempt means the first did not
 * give a read-only binary (and must not loop). */
#define SEALED_ENV "CFSNET_EXE_SEALED"

extern char **environ;

static bool exe_is_sealed(void)
{
	cleanup_close int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct statvfs sv;
	int seals;

	if (fd < 0)
		return false;
	if (fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY))
		return true;
	seals = fcntl(fd, F_GET_SEALS);
	return seals >= 0 && (seals & F_SEAL_WRITE);
}

/* A detached, read-only mount of the binary: an fd to exec. */
static int ro_clone(void)
{
	struct mount_attr a = {
		.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
	};
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, "/proc/self/exe",
			      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);

	if (fd < 0)
		return -1;
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* A sealed in-memory copy of the binary. */
static int memfd_copy(cfs_error_t *err)
{
	cleanup_close int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	cleanup_close int fd = -1;
	struct stat st;
	off_t off = 0;

	if (src < 0 || fstat(src, &st) < 0)
		return cfs_fail(err, errno, "opening /proc/self/exe");
	fd = memfd_create("cfsnet", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("cfsnet", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return cfs_fail(err, errno, "creating a memfd");
	while (off < st.st_size) {
		ssize_t n = sendfile(fd, src, &off, (size_t)(st.st_size - off));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return cfs_fail(err, n < 0 ? errno : EIO, "copying /proc/self/exe");
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW |
				   F_SEAL_WRITE) < 0)
		return cfs_fail(err, errno, "sealing the copy of /proc/self/exe");
	return cfs_steal_fd(&fd);
}

/* This process's own argv, as the kernel keeps it, NULL-terminated; the
 * slot after the NULL holds the strings' buffer. Free with argv_free. */
static char **own_argv(cfs_error_t *err)
{
	cleanup_free char *text = NULL;
	size_t len, n = 0, k = 0;
	char **argv;

	if (cfs_read_file("/proc/self/cmdline", &text, &len, err) < 0)
		return NULL;
	for (size_t i = 0; i < len; i++)
		n += text[i] == '\0';
	argv = calloc(n + 2, sizeof(*argv));
	if (!argv) {
		cfs_fail(err, ENOMEM, "reading /proc/self/cmdline");
		return NULL;
	}
	for (size_t i = 0; i < len && k < n; i++)
		if (i == 0 || text[i - 1] == '\0')
			argv[k++] = text + i;
	argv[k] = NULL;
	argv[n + 1] = text;
	text = NULL;
	return argv;
}

static void argv_free(char **argv)
{
	size_t n = 0;

	while (argv[n])
		n++;
	free(argv[n + 1]);
	free(argv);
}

int cfs_exe_seal(cfs_error_t *err)
{
	bool again = getenv(SEALED_ENV) != NULL;
	char **argv;
	int fd;

	unsetenv(SEALED_ENV); /* not for anything we start */
	if (exe_is_sealed())
		return 0;
	if (again)
		return cfs_fail(err, 0, "the cfsnet binary is still writable after re-executing it read-only");
	argv = own_argv(err);
	if (!argv)
		return cfs_error_wrap(err, "making the cfsnet binary read-only");
	fd = ro_clone();
	if (fd < 0 && (fd = memfd_copy(err)) < 0)
		goto fail;
	if (setenv(SEALED_ENV, "1", 1) < 0) {
		cfs_fail(err, errno, "setting %s", SEALED_ENV);
		close(fd);
		goto fail;
	}
	syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	cfs_fail(err, errno, "re-executing the read-only cfsnet binary");
	unsetenv(SEALED_ENV);
	close(fd);
fail:
	argv_free(argv);
	return cfs_error_wrap(err, "making the cfsnet binary read-only");
}

/* pid1.c - running cfsnet-init (src/pid1/pid1.c), the container's PID 1 and
 * the last step of `exec`, from a sealed memfd.
 *
 * Until a process of a container execs, it runs cfsnet's binary from the
 * host, and a container program could make the kernel execute that binary
 * inside the container (a `#!/proc/self/exe` script, a symlink to
 * /proc/self/exe), where its /proc/PID/exe is open to the container's root
 * and the binary can be rewritten once nothing runs it: CVE-2019-5736. So
 * cfsnet never execs a container's command itself: it execs cfsnet-init,
 * a few kilobytes embedded in cfsnet, from a memfd sealed against writes,
 * and cfsnet-init execs the command. Whatever /proc/self/exe a container
 * process can reach is that sealed copy. This costs one exec of a tiny
 * static program instead of cfsnet re-executing its whole self from a
 * read-only copy before every `run` and `exec` (~1.5 ms). */
#define _GNU_SOURCE
#include "run-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/util.h"
#include "../pid1/pid1.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

extern const unsigned char cfs_pid1_elf[], cfs_pid1_elf_end[];

int cfs_pid1_open(cfs_error_t *err)
{
	size_t len = (size_t)(cfs_pid1_elf_end - cfs_pid1_elf), off = 0;
	cleanup_close int fd = -1;

	/* MFD_EXEC where vm.memfd_noexec knows it (6.3+), plain before. */
	fd = memfd_create("cfsnet-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("cfsnet-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return cfs_fail(err, errno, "creating cfsnet-init's memfd");
	while (off < len) {
		ssize_t n = write(fd, cfs_pid1_elf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return cfs_fail(err, n < 0 ? errno : EIO, "writing cfsnet-init's memfd");
		off += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW |
				   F_SEAL_WRITE) < 0)
		return cfs_fail(err, errno, "sealing cfsnet-init's memfd");
	return cfs_steal_fd(&fd);
}

int cfs_pid1_exec(int elf, bool init, int report, char *const argv[],
		  char **envp, cfs_error_t *err)
{
	size_t n = 0;
	char fdbuf[16];
	char **av;
	int fl;

	while (argv[n])
		n++;
	av = calloc(n + 4, sizeof(*av));
	if (!av)
		return cfs_fail(err, ENOMEM, "starting %s", argv[0]);
	snprintf(fdbuf, sizeof(fdbuf), "%d", report);
	av[0] = (char *)"cfsnet-init";
	av[1] = (char *)(init ? "init" : "exec");
	av[2] = fdbuf;
	memcpy(av + 3, argv, n * sizeof(*av));
	/* The report fd goes across this exec (cfsnet-init makes it
	 * close-on-exec for the command's). */
	fl = fcntl(report, F_GETFD);
	if (fl < 0 || fcntl(report, F_SETFD, fl & ~FD_CLOEXEC) < 0) {
		free(av);
		return cfs_fail(err, errno, "starting %s", argv[0]);
	}
	syscall(SYS_execveat, elf, "", av, envp, AT_EMPTY_PATH);
	fl = errno;
	free(av);
	return cfs_fail(err, fl, "executing cfsnet-init");
}

bool cfs_pid1_report(const void *buf, ssize_t n, const char *cmd, int *status,
		     cfs_error_t *err)
{
	unsigned int m[2];

	if (n != (ssize_t)sizeof(m))
		return false;
	memcpy(m, buf, sizeof(m));
	if (m[0] != CFS_PID1_MAGIC)
		return false;
	*status = m[1] == ENOENT ? 127 : 126;
	cfs_fail(err, (int)m[1], "running %s", cmd);
	return true;
}

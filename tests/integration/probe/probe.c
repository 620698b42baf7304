/* probe.c - built statically by t_harden.sh and run inside containers: tries
 * what a container must not be able to do and prints one word per attempt,
 * "ok" or the errno name. Test code: it only reports. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *res(long r)
{
	static char buf[32];

	if (r >= 0)
		return "ok";
	snprintf(buf, sizeof(buf), "%s", strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
	return buf;
}

/* open PATH with FLAGS: ok or the errno name. */
static const char *try_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return res(fd);
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	if (!strcmp(what, "syscalls")) {
		/* keyctl, user namespaces (unshare, clone), io_uring, kexec,
		 * modules, each on its own line. */
		long r;

		printf("keyctl %s\n", res(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID,
						  KEY_SPEC_SESSION_KEYRING, 1)));
		pid_t p = fork();
		if (p == 0)
			_exit(unshare(CLONE_NEWUSER) == 0 ? 0 : errno);
		int st = 0;
		waitpid(p, &st, 0);
		errno = WEXITSTATUS(st);
		printf("unshare-user %s\n", res(errno ? -1 : 0));
		r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
		if (r == 0)
			_exit(0);
		if (r > 0)
			waitpid((pid_t)r, NULL, 0);
		printf("clone-user %s\n", res(r));
		printf("io_uring %s\n", res(syscall(SYS_io_uring_setup, 1, NULL)));
		printf("kexec %s\n", res(syscall(SYS_kexec_load, 0, 0, NULL, 0)));
		printf("init_module %s\n", res(syscall(SYS_init_module, NULL, 0, "")));
		printf("getpid %s\n", res(getpid()));
#if defined(__x86_64__)
		/* The same keyctl through the 32-bit entry (int 0x80, i386
		 * numbering: keyctl is 288), in a child: a kernel without
		 * 32-bit emulation kills it. A filter for 64-bit syscalls only
		 * would be bypassed here. */
		p = fork();
		if (p == 0) {
			long ret = 288;

			__asm__ volatile("int $0x80"
					 : "+a"(ret)
					 : "b"(KEYCTL_GET_KEYRING_ID), "c"(KEY_SPEC_SESSION_KEYRING), "d"(1)
					 : "memory");
			_exit(ret < 0 && ret > -256 ? (int)-ret : 0);
		}
		waitpid(p, &st, 0);
		if (WIFSIGNALED(st)) {
			printf("keyctl32 killed\n");
		} else {
			errno = WEXITSTATUS(st);
			printf("keyctl32 %s\n", res(errno ? -1 : 0));
		}
#endif
		return 0;
	}
	if (!strcmp(what, "open") && argc > 2) {
		/* open PATH...: read, write, and a write reopen of an O_PATH fd. */
		for (int i = 2; i < argc; i++) {
			int fd = open(argv[i], O_PATH | O_CLOEXEC);
			char via[64];

			printf("%s rdonly %s wronly %s", argv[i], try_open(argv[i], O_RDONLY),
			       try_open(argv[i], O_WRONLY));
			printf(" path %s", res(fd));
			if (fd >= 0) {
				snprintf(via, sizeof(via), "/proc/self/fd/%d", fd);
				printf(" reopen-wronly %s", try_open(via, O_WRONLY));
				close(fd);
			}
			printf("\n");
		}
		return 0;
	}
	if (!strcmp(what, "fds")) {
		/* every open fd and where it points; the cwd and root. */
		char path[64], target[4096];
		ssize_t n;

		for (int fd = 0; fd < 1024; fd++) {
			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
			n = readlink(path, target, sizeof(target) - 1);
			if (n < 0)
				continue;
			target[n] = '\0';
			printf("fd %d %s\n", fd, target);
		}
		n = readlink("/proc/self/cwd", target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		printf("cwd %s\n", target);
		printf("getcwd %s\n", getcwd(target, sizeof(target)) ? target : res(-1));
		printf("dotdot %s\n", res(access("../../../../etc/os-release", F_OK)));
		return 0;
	}
	fprintf(stderr, "usage: probe syscalls | open PATH... | fds\n");
	return 2;
}

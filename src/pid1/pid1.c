/* pid1.c - cfsnet-init: what runs inside a container in cfsnet's place.
 *
 * A freestanding program (no libc, a few kilobytes, static) that cfsnet
 * embeds and executes from a sealed memfd (src/ops/pid1.c), so that no
 * process of a container ever runs cfsnet's own binary once container code
 * can run: a container program cannot reach that binary through
 * /proc/PID/exe (CVE-2019-5736), and cfsnet needs no read-only copy of
 * itself. Two modes, the rest of argv being the command:
 *
 *   cfsnet-init init FD CMD [ARG...]   the container's PID 1: starts CMD
 *       as its child, passes the signals it is sent on to it, reaps every
 *       orphan, and exits with CMD's status (128+N when killed by signal N)
 *   cfsnet-init exec FD CMD [ARG...]   becomes CMD (`cfsnet exec`)
 *
 * CMD is looked up in PATH as execvp does. When it cannot be executed, an
 * 8-byte report {CFS_PID1_MAGIC, errno} goes to FD (the start socket) and
 * the exit status is 127 (not found) or 126. FD is closed or
 * close-on-exec once CMD runs, which tells cfsnet that it started. Signals:
 * cfsnet blocks the ones PID 1 takes (blocked masks survive exec), and CMD
 * starts with none blocked; everything else (capabilities, no_new_privs,
 * seccomp, fds) cfsnet set up before executing this. */
#include <asm/unistd.h>
#include <stddef.h>

#include "pid1.h"

typedef unsigned long u64;

/* The compiler may turn a loop into a call to these: no libc, so here. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n)
{
	volatile unsigned char *p = d;

	while (n--)
		*p++ = (unsigned char)c;
	return d;
}
void *memcpy(void *d, const void *s, size_t n)
{
	volatile unsigned char *p = d;
	const unsigned char *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

#if defined(__x86_64__)
static long sc(long n, long a, long b, long c, long d, long e)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}
__asm__(".text\n.global _start\n_start:\n"
	"\txor %rbp, %rbp\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n"
	"\tcall pid1_main\n\thlt\n");
#elif defined(__aarch64__)
static long sc(long n, long a, long b, long c, long d, long e)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;

	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4)
			 : "memory");
	return x0;
}
__asm__(".text\n.global _start\n_start:\n"
	"\tmov x29, #0\n\tmov x30, #0\n\tmov x0, sp\n"
	"\tbl pid1_main\n\tbrk #0\n");
#else
#error "cfsnet-init: no syscall glue for this architecture"
#endif

/* The generic values, the same on x86-64 and arm64. */
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGUSR1 10
#define SIGUSR2 12
#define SIGTERM 15
#define SIGCHLD 17
#define SIG_BLOCK 0
#define SIG_SETMASK 2
#define SI_KERNEL 0x80
#define WNOHANG 1
#define F_SETFD 2
#define FD_CLOEXEC 1
#define PR_SET_NAME 15
#define PR_SET_DUMPABLE 4
#define ENOENT 2
#define ENOEXEC 8
#define EACCES 13
#define ENOTDIR 20
#define CFS_PATH_MAX 4096

__attribute__((noreturn)) static void die(int status)
{
	for (;;)
		sc(__NR_exit_group, status, 0, 0, 0, 0);
}

static size_t len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static int starts(const char *s, const char *p)
{
	while (*p)
		if (*s++ != *p++)
			return 0;
	return 1;
}

static int fd_of(const char *s)
{
	int v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* The command could not be executed: say why on fd, then leave. */
__attribute__((noreturn)) static void report(int fd, int err)
{
	unsigned int msg[2] = { CFS_PID1_MAGIC, (unsigned int)err };

	sc(__NR_write, fd, (long)msg, sizeof(msg), 0, 0);
	die(err == ENOENT ? 127 : 126);
}

/* argv[0] is CMD; slot[0] and slot[1] (writable: slot + 1 == argv) serve
 * the /bin/sh fallback for a script without a #! line, as execvp does:
 * /bin/sh PATH ARG... */
static int try_exec(const char *path, char **argv, char **envp, char **slot)
{
	long r = sc(__NR_execve, (long)path, (long)argv, (long)envp, 0, 0);

	if (r == -ENOEXEC) {
		slot[0] = "/bin/sh";
		slot[1] = (char *)path;
		sc(__NR_execve, (long)"/bin/sh", (long)slot, (long)envp, 0, 0);
	}
	return (int)-r;
}

/* execvp: CMD with a slash as it is, else each directory of PATH. */
static int run_cmd(char **argv, char **envp, char **slot)
{
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	const char *cmd = argv[0];
	size_t clen = len(cmd);
	int err = ENOENT, seen_eacces = 0;
	char buf[CFS_PATH_MAX];

	if (!clen)
		return ENOENT;
	for (const char *c = cmd; *c; c++)
		if (*c == '/')
			return try_exec(cmd, argv, envp, slot);
	for (char **e = envp; *e; e++)
		if (starts(*e, "PATH="))
			path = *e + 5;
	for (const char *p = path;; p++) {
		const char *end = p;
		size_t dlen;

		while (*end && *end != ':')
			end++;
		dlen = (size_t)(end - p);
		if (dlen + 1 + clen + 1 <= sizeof(buf)) {
			size_t k = 0;

			for (size_t i = 0; i < dlen; i++)
				buf[k++] = p[i];
			if (dlen) /* an empty entry is the current directory */
				buf[k++] = '/';
			for (size_t i = 0; i <= clen; i++)
				buf[k++] = cmd[i];
			err = try_exec(buf, argv, envp, slot);
			if (err == EACCES)
				seen_eacces = 1;
			else if (err != ENOENT && err != ENOTDIR)
				return err;
		}
		if (!*end)
			break;
		p = end;
	}
	return seen_eacces ? EACCES : err;
}

static int status_of(int st)
{
	int sig = st & 0x7f;

	return sig ? 128 + sig : (st >> 8) & 0xff;
}

/* What PID 1 shows to `ps`: "cfsnet-init" (comm and command line), not the
 * command it started, which keeps its own. */
static void set_title(char **argv, char **envp)
{
	char *end = argv[0] + len(argv[0]);
	static const char title[] = "cfsnet-init";

	sc(__NR_prctl, PR_SET_NAME, (long)title, 0, 0, 0);
	/* The arguments' strings are contiguous, ending where the
	 * environment's begin: all NUL but the title. */
	for (char **a = argv + 1; *a; a++)
		end = *a + len(*a);
	(void)envp;
	for (char *c = argv[0]; c < end; c++)
		*c = 0;
	for (size_t i = 0; i < sizeof(title) - 1 && argv[0] + i < end; i++)
		argv[0][i] = title[i];
}

__attribute__((noreturn, used)) void pid1_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	u64 none = 0, fwd = 0;
	int fd, init;
	long pid;

	if (argc < 4 || (fd = fd_of(argv[2])) < 0)
		die(125);
	for (int s = 0; s < 7; s++) {
		static const int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGUSR1,
					    SIGUSR2, SIGTERM, SIGCHLD };

		fwd |= 1UL << (sigs[s] - 1);
	}
	init = argv[1][0] == 'i';
	/* Nobody in the container may open /proc/1/exe (a sealed copy of
	 * this program, harmless, but no business of theirs) or attach. */
	if (init)
		sc(__NR_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (!init) {
		/* exec: the command replaces us; the fd closes with it. */
		sc(__NR_fcntl, fd, F_SETFD, FD_CLOEXEC, 0, 0);
		report(fd, run_cmd(argv + 3, envp, argv + 2));
	}
	/* Blocked already (cfsnet blocked them before it cloned us), so
	 * none sent before this point was lost; blocked again in case we were
	 * started some other way. */
	sc(__NR_rt_sigprocmask, SIG_BLOCK, (long)&fwd, 0, sizeof(fwd), 0);
	pid = sc(__NR_clone, SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		report(fd, (int)-pid);
	if (pid == 0) {
		sc(__NR_rt_sigprocmask, SIG_SETMASK, (long)&none, 0, sizeof(none), 0);
		sc(__NR_fcntl, fd, F_SETFD, FD_CLOEXEC, 0, 0);
		report(fd, run_cmd(argv + 3, envp, argv + 2));
	}
	sc(__NR_close, fd, 0, 0, 0, 0);
	set_title(argv, envp);
	/* Reap everything (orphans are re-parented to us), pass signals
	 * on, and leave with the command: the kernel then kills whatever
	 * else is left in the namespace. */
	for (;;) {
		struct {
			int signo, errnum, code;
			int pad[29];
		} si;
		long sig = sc(__NR_rt_sigtimedwait, (long)&fwd, (long)&si, 0,
			      sizeof(fwd), 0);

		if (sig == SIGCHLD) {
			int st;
			long p;

			while ((p = sc(__NR_wait4, -1, (long)&st, WNOHANG, 0, 0)) > 0)
				if (p == pid)
					die(status_of(st));
		} else if (sig > 0 && si.code != SI_KERNEL) {
			sc(__NR_kill, pid, sig, 0, 0, 0);
		}
	}
}

/* rootfs.c - building a busybox root, finding commands in it, and entering
 * it from inside a container's mount namespace. */
#define _GNU_SOURCE
#include "rootfs.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/util.h"

/* ---- removing a tree --------------------------------------------------- */

static int rm_one(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP || flag == FTW_D)
		return rmdir(path) < 0 && errno != ENOENT ? errno : 0;
	return unlink(path) < 0 && errno != ENOENT ? errno : 0;
}

int cfs_remove_tree(const char *path, cfs_error_t *err)
{
	struct stat st;
	int r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : cfs_fail(err, errno, "removing %s", path);
	/* FTW_PHYS: never follow a symlink; FTW_MOUNT: never descend into
	 * something mounted below (its mount point then stays, and so does
	 * path: better than emptying another filesystem). */
	r = nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (r < 0)
		return cfs_fail(err, errno, "removing %s", path);
	if (r > 0)
		return cfs_fail(err, r, "removing %s", path);
	return 0;
}

/* ---- building ---------------------------------------------------------- */

/* A static busybox is the only kind that runs in a tree without a libc:
 * refuse a dynamic one (it has a PT_INTERP program header) by name. */
static int check_static_elf(int fd, const char *path, cfs_error_t *err)
{
	unsigned char id[EI_NIDENT];
	uint64_t phoff;
	unsigned phnum, phentsize;

	if (pread(fd, id, sizeof(id), 0) != (ssize_t)sizeof(id) ||
	    memcmp(id, ELFMAG, SELFMAG))
		return cfs_fail(err, 0, "%s is not an ELF executable", path);
	if (id[EI_CLASS] == ELFCLASS64) {
		Elf64_Ehdr eh;

		if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
			return cfs_fail(err, 0, "%s: truncated ELF header", path);
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phentsize = eh.e_phentsize;
	} else if (id[EI_CLASS] == ELFCLASS32) {
		Elf32_Ehdr eh;

		if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
			return cfs_fail(err, 0, "%s: truncated ELF header", path);
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phentsize = eh.e_phentsize;
	} else {
		return cfs_fail(err, 0, "%s: unknown ELF class", path);
	}
	for (unsigned i = 0; i < phnum && i < 256; i++) {
		uint32_t type;

		/* p_type is the first 32-bit word in both classes. */
		if (pread(fd, &type, sizeof(type), (off_t)(phoff + (uint64_t)i * phentsize)) !=
		    (ssize_t)sizeof(type))
			return cfs_fail(err, 0, "%s: truncated ELF program headers", path);
		if (type == PT_INTERP)
			return cfs_fail(err, 0,
					"%s is dynamically linked: a root needs a static busybox (install %s)",
					path, CFS_BUSYBOX_PACKAGE);
	}
	return 0;
}

static int copy_file(int in, int dirfd, const char *name, mode_t mode,
		     cfs_error_t *err)
{
	cleanup_close int out = -1;
	struct stat st;
	off_t done = 0;

	if (fstat(in, &st) < 0)
		return cfs_fail(err, errno, "reading busybox");
	out = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		     0600);
	if (out < 0)
		return cfs_fail(err, errno, "creating %s", name);
	while (done < st.st_size) {
		ssize_t n = copy_file_range(in, NULL, out, NULL,
					    (size_t)(st.st_size - done), 0);

		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
			      errno == EOPNOTSUPP))
			n = sendfile(out, in, NULL, (size_t)(st.st_size - done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return cfs_fail(err, n < 0 ? errno : EIO, "copying busybox to %s", name);
		done += n;
	}
	if (fchmod(out, mode) < 0)
		return cfs_fail(err, errno, "chmod %s", name);
	if (close(cfs_steal_fd(&out)) < 0)
		return cfs_fail(err, errno, "writing %s", name);
	return 0;
}

static int write_at(int dirfd, const char *name, const char *text, mode_t mode,
		    cfs_error_t *err)
{
	cleanup_close int fd = openat(dirfd, name,
				      O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
				      0600);
	size_t len = strlen(text), off = 0;

	if (fd < 0)
		return cfs_fail(err, errno, "creating %s", name);
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cfs_fail(err, errno, "writing %s", name);
		off += (size_t)n;
	}
	if (fchmod(fd, mode) < 0)
		return cfs_fail(err, errno, "chmod %s", name);
	return 0;
}

/* mkdir -p of a relative path below dirfd, each component created with
 * mode (then chmod'ed: the umask must not decide /tmp's 1777). */
static int mkdirs_at(int dirfd, const char *rel, mode_t mode, cfs_error_t *err)
{
	char buf[PATH_MAX];
	size_t len = strlen(rel);

	if (len >= sizeof(buf))
		return cfs_fail(err, ENAMETOOLONG, "creating %s", rel);
	memcpy(buf, rel, len + 1);
	for (char *p = buf;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdirat(dirfd, buf, mode) == 0) {
				if (fchmodat(dirfd, buf, mode, 0) < 0)
					return cfs_fail(err, errno, "chmod %s", buf);
			} else if (errno != EEXIST) {
				return cfs_fail(err, errno, "creating %s", buf);
			}
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

/* The resolver: the host's own, unless it is a loopback stub
 * (systemd-resolved's 127.0.0.53, a local dnsmasq): inside the container's
 * network namespace that address is the container itself. Then the real
 * upstreams systemd-resolved writes to /run/systemd/resolve/resolv.conf, or
 * no nameserver at all (the C library then tries the container's own
 * loopback, which fails fast). */
static bool loopback_nameserver(const char *line)
{
	const char *p = line + strlen("nameserver");

	while (*p == ' ' || *p == '\t')
		p++;
	return !strncmp(p, "127.", 4) || !strncmp(p, "::1", 3) ||
	       !strncmp(p, "0.0.0.0", 7);
}

static char *filter_resolv(const char *text, bool *had_loopback)
{
	size_t len = strlen(text);
	char *out = malloc(len + 1), *o = out;
	const char *p = text;

	if (!out)
		return NULL;
	*had_loopback = false;
	while (*p) {
		const char *nl = strchrnul(p, '\n');
		size_t n = (size_t)(nl - p) + (*nl ? 1 : 0);

		if (!strncmp(p, "nameserver", 10) && loopback_nameserver(p)) {
			*had_loopback = true;
		} else {
			memcpy(o, p, n);
			o += n;
		}
		p += n;
	}
	*o = '\0';
	return out;
}

int cfs_resolv_conf(char **out, cfs_error_t *err)
{
	cleanup_free char *host = NULL;
	cleanup_free char *upstream = NULL;
	cfs_error_t e2 = { 0 };
	bool loop = false, loop2 = false;
	char *f;

	if (cfs_read_file("/etc/resolv.conf", &host, NULL, &e2) < 0) {
		*out = strdup("# no resolver configured on the host\n");
		return *out ? 0 : cfs_fail(err, ENOMEM, "building resolv.conf");
	}
	f = filter_resolv(host, &loop);
	if (!f)
		return cfs_fail(err, ENOMEM, "building resolv.conf");
	if (loop && cfs_read_file("/run/systemd/resolve/resolv.conf", &upstream,
				  NULL, &e2) == 0) {
		char *g = filter_resolv(upstream, &loop2);

		if (!g) {
			free(f);
			return cfs_fail(err, ENOMEM, "building resolv.conf");
		}
		free(f);
		f = g;
	}
	*out = f;
	return 0;
}

/* Runs `busybox --list-full` (the copy just made: its own applet list and
 * their canonical directories are the only authoritative source; a list
 * compiled into cfsnet would go stale with the next busybox). */
static int list_applets(const char *bb, char **out, cfs_error_t *err)
{
	int pfd[2];
	pid_t pid;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int status, rerr = 0;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return cfs_fail(err, errno, "running %s --list-full", bb);
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(pfd[0]);
		close(pfd[1]);
		return cfs_fail(err, e, "running %s --list-full", bb);
	}
	if (pid == 0) {
		char *const argv[] = { "busybox", "--list-full", NULL };
		char *const envp[] = { NULL };

		if (dup2(pfd[1], 1) < 0)
			_exit(127);
		execve(bb, argv, envp);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *nb = realloc(buf, cap ? cap * 2 : 16384);

			if (!nb) {
				rerr = ENOMEM;
				break;
			}
			buf = nb;
			cap = cap ? cap * 2 : 16384;
		}
		n = read(pfd[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rerr = errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rerr || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || !len) {
		free(buf);
		return cfs_fail(err, rerr, "%s --list-full failed (exit status %d)", bb,
				WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

/* An applet path as busybox prints it: relative, plain components. */
static bool applet_path_ok(const char *p)
{
	const char *c = p;

	if (!*p || *p == '/')
		return false;
	for (; *c; c++) {
		if (*c == '/' && (c[1] == '/' || c[1] == '\0'))
			return false;
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || strchr("/_.-[", *c)))
			return false;
	}
	return !strstr(p, "..") && strcmp(p, "bin/busybox") != 0;
}

static int make_links(int dirfd, const char *list, size_t *count,
		      cfs_error_t *err)
{
	const char *p = list;

	*count = 0;
	while (*p) {
		const char *nl = strchrnul(p, '\n');
		char path[256], target[256], dir[256];
		size_t n = (size_t)(nl - p);
		char *slash;
		int depth = 0;

		if (n == 0 || n >= sizeof(path)) {
			p = *nl ? nl + 1 : nl;
			continue;
		}
		memcpy(path, p, n);
		path[n] = '\0';
		p = *nl ? nl + 1 : nl;
		if (!applet_path_ok(path))
			continue;
		/* A relative link: the tree stays correct wherever it is
		 * looked at from (the host, an image, the container). */
		for (const char *c = path; *c; c++)
			depth += *c == '/';
		slash = strrchr(path, '/');
		if (slash) {
			memcpy(dir, path, (size_t)(slash - path));
			dir[slash - path] = '\0';
			if (mkdirs_at(dirfd, dir, 0755, err) < 0)
				return -1;
		}
		if (slash && !strcmp(dir, "bin")) {
			snprintf(target, sizeof(target), "busybox");
		} else {
			target[0] = '\0';
			for (int i = 0; i < depth; i++)
				strcat(target, "../");
			strcat(target, "bin/busybox");
		}
		if (symlinkat(target, dirfd, path) < 0) {
			if (errno == EEXIST) /* listed twice */
				continue;
			return cfs_fail(err, errno, "linking %s", path);
		}
		(*count)++;
	}
	return 0;
}

static const char etc_passwd[] =
	"root:x:0:0:root:/root:/bin/sh\n"
	"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
static const char etc_group[] =
	"root:x:0:\n"
	"tty:x:5:\n"
	"nogroup:x:65534:\n";
static const char etc_hosts[] =
	"127.0.0.1\tlocalhost\n"
	"::1\tlocalhost ip6-localhost ip6-loopback\n";

static int build_in(int dirfd, const char *dir, int bbfd, size_t *napplets,
		    cfs_error_t *err)
{
	static const struct { const char *path; mode_t mode; } dirs[] = {
		{ "bin", 0755 }, { "sbin", 0755 }, { "usr/bin", 0755 },
		{ "usr/sbin", 0755 }, { "etc", 0755 }, { "proc", 0555 },
		{ "sys", 0555 }, { "dev", 0755 }, { "tmp", 01777 },
		{ "root", 0700 },
	};
	cleanup_free char *list = NULL;
	cleanup_free char *resolv = NULL;
	char bb[PATH_MAX];
	size_t n = 0;

	for (size_t i = 0; i < CFS_ARRAY_SIZE(dirs); i++)
		if (mkdirs_at(dirfd, dirs[i].path, dirs[i].mode, err) < 0)
			return -1;
	if (copy_file(bbfd, dirfd, "bin/busybox", 0755, err) < 0)
		return -1;
	if ((size_t)snprintf(bb, sizeof(bb), "%s/bin/busybox", dir) >= sizeof(bb))
		return cfs_fail(err, ENAMETOOLONG, "%s", dir);
	if (list_applets(bb, &list, err) < 0 || make_links(dirfd, list, &n, err) < 0)
		return -1;
	if (cfs_resolv_conf(&resolv, err) < 0 ||
	    write_at(dirfd, "etc/passwd", etc_passwd, 0644, err) < 0 ||
	    write_at(dirfd, "etc/group", etc_group, 0644, err) < 0 ||
	    write_at(dirfd, "etc/hosts", etc_hosts, 0644, err) < 0 ||
	    write_at(dirfd, "etc/resolv.conf", resolv, 0644, err) < 0)
		return -1;
	if (napplets)
		*napplets = n;
	return 0;
}

static int empty_dir(int dirfd, bool *empty, cfs_error_t *err)
{
	int fd = dup(dirfd);
	DIR *d;
	struct dirent *e;

	if (fd < 0)
		return cfs_fail(err, errno, "reading directory");
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return cfs_fail(err, errno, "reading directory");
	}
	*empty = true;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			*empty = false;
			break;
		}
	closedir(d);
	return 0;
}

/* Undo of a failed build in a directory that existed: empty it again. */
static void empty_again(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[PATH_MAX];
	cfs_error_t e2 = { 0 };

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, e->d_name) < sizeof(p))
			cfs_remove_tree(p, &e2);
	}
	closedir(d);
}

int cfs_rootfs_build(const char *dir, const char *busybox, size_t *napplets,
		     cfs_error_t *err)
{
	cleanup_close int bbfd = -1;
	cleanup_close int dirfd = -1;
	bool created = false, empty = false;
	mode_t old;
	int r;

	if (!busybox)
		busybox = CFS_BUSYBOX_PATH;
	bbfd = open(busybox, O_RDONLY | O_CLOEXEC);
	if (bbfd < 0) {
		if (errno == ENOENT)
			return cfs_fail(err, 0, "%s not found: install the %s package", busybox,
					CFS_BUSYBOX_PACKAGE);
		return cfs_fail(err, errno, "opening %s", busybox);
	}
	if (check_static_elf(bbfd, busybox, err) < 0)
		return -1;

	if (mkdir(dir, 0755) == 0)
		created = true;
	else if (errno != EEXIST)
		return cfs_fail(err, errno, "creating %s", dir);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		int e = errno;

		if (created)
			rmdir(dir);
		return cfs_fail(err, e == ENOTDIR ? 0 : e,
				e == ENOTDIR ? "%s exists and is not a directory" : "opening %s",
				dir);
	}
	if (!created) {
		if (empty_dir(dirfd, &empty, err) < 0)
			return -1;
		if (!empty)
			return cfs_fail(err, 0, "%s is not empty", dir);
	}
	if (created && fchmod(dirfd, 0755) < 0)
		return cfs_fail(err, errno, "chmod %s", dir);
	old = umask(022);
	r = build_in(dirfd, dir, bbfd, napplets, err);
	umask(old);
	if (r < 0) {
		cfs_error_t e2 = { 0 };

		if (created)
			cfs_remove_tree(dir, &e2);
		else
			empty_again(dir);
		return -1;
	}
	return 0;
}

/* ---- finding a command --------------------------------------------------- */

/* openat2 keeps every lookup inside the root. Where it is missing (a
 * kernel before 5.6, valgrind), a plain openat that never follows the
 * last component: lookup() then resolves a final symlink itself, inside
 * the root (directories on the way are still followed as on the host). */
static int open_in_root(int rootfd, const char *path, bool nofollow)
{
	static bool no_openat2;
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	if (!no_openat2) {
		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd >= 0 || errno != ENOSYS)
			return fd;
		no_openat2 = true;
	}
	while (*path == '/')
		path++;
	return openat(rootfd, *path ? path : ".", O_PATH | O_CLOEXEC | O_NOFOLLOW);
}

/* Resolves "." and ".." in an absolute path lexically, in place ("/.."
 * is "/"): a link's target is then looked up in every layer, even in
 * those that lack the directories the link passed through. */
static void clean_path(char *path)
{
	char out[PATH_MAX];
	size_t o = 0;
	const char *p = path;

	while (*p) {
		const char *c;
		size_t n;

		while (*p == '/')
			p++;
		c = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - c);
		if (n == 0 || (n == 1 && c[0] == '.'))
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		if (o + 1 + n >= sizeof(out))
			return;
		out[o++] = '/';
		memcpy(out + o, c, n);
		o += n;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	memcpy(path, out, o + 1);
}

/* 0: an executable file; -ENOENT / -EACCES otherwise. depth bounds the
 * chains of symlinks that lead from one layer into another. */
static int lookup(const int *fds, size_t n, const char *path, int depth)
{
	for (size_t i = 0; i < n; i++) {
		int fd = open_in_root(fds[i], path, false);
		struct stat st;

		if (fd >= 0) {
			int r = fstat(fd, &st);

			close(fd);
			if (r < 0)
				return -errno;
			if (!S_ISLNK(st.st_mode)) { /* a link: without openat2 only */
				if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
					return -EACCES;
				return 0;
			}
		} else if (errno != ENOENT) {
			return -errno;
		}
		/* A symlink in an upper layer may point at a file of a lower
		 * one: follow it through the whole stack. */
		fd = open_in_root(fds[i], path, true);
		if (fd >= 0) {
			char target[PATH_MAX], next[PATH_MAX];
			ssize_t len;
			int r;

			if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == 0) {
				close(fd); /* an overlay whiteout hides the rest */
				return -ENOENT;
			}
			len = S_ISLNK(st.st_mode) ? readlinkat(fd, "", target, sizeof(target) - 1) : -1;
			close(fd);
			if (len < 0 || depth <= 0)
				continue;
			target[len] = '\0';
			if (target[0] == '/') {
				snprintf(next, sizeof(next), "%s", target);
			} else {
				const char *slash = strrchr(path, '/');
				int dl = slash ? (int)(slash - path) : 0;

				if ((size_t)snprintf(next, sizeof(next), "/%.*s/%s", dl, path,
						     target) >= sizeof(next))
					continue;
			}
			clean_path(next);
			r = lookup(fds, n, next, depth - 1);
			if (r != -ENOENT)
				return r;
		}
	}
	return -ENOENT;
}

int cfs_rootfs_find_command(const char *const *dirs, size_t n,
			    const char *cmd, cfs_error_t *err)
{
	int fds[64];
	size_t k = 0;
	int r = -ENOENT;

	if (n > CFS_ARRAY_SIZE(fds))
		return cfs_fail(err, E2BIG, "too many layers");
	if (!*cmd)
		return cfs_fail(err, ENOENT, "empty command");
	for (; k < n; k++) {
		fds[k] = open(dirs[k], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fds[k] < 0) {
			r = -errno;
			cfs_fail(err, errno, "opening %s", dirs[k]);
			goto out;
		}
	}
	if (strchr(cmd, '/')) {
		r = lookup(fds, n, cmd, 8);
	} else {
		const char *p = CFS_CONTAINER_PATH;

		while (*p) {
			const char *c = strchrnul(p, ':');
			char path[PATH_MAX];
			int q;

			snprintf(path, sizeof(path), "%.*s/%s", (int)(c - p), p, cmd);
			q = lookup(fds, n, path, 8);
			if (q == 0 || (q != -ENOENT && q != -EACCES)) {
				r = q;
				break;
			}
			if (q == -EACCES)
				r = q;
			p = *c ? c + 1 : c;
		}
	}
	if (r == -ENOENT)
		cfs_fail(err, 0, "%s not found in the root%s", cmd,
			 strchr(cmd, '/') ? "" : " (PATH " CFS_CONTAINER_PATH ")");
	else if (r == -EACCES)
		cfs_fail(err, 0, "%s is not an executable file in the root", cmd);
	else if (r < 0)
		cfs_fail(err, -r, "looking up %s in the root", cmd);
out:
	while (k)
		close(fds[--k]);
	return r < 0 ? -1 : 0;
}

/* ---- entering the root (inside the container) ------------------------------ */

int cfs_rootfs_check_layer_path(const char *path, cfs_error_t *err)
{
	if (!*path)
		return cfs_fail(err, 0, "empty layer path");
	if (strpbrk(path, ",:\\"))
		return cfs_fail(err, 0,
				"layer %s: overlayfs cannot take a path with ',', ':' or '\\'",
				path);
	return 0;
}

/* A mount point inside the new root, given relative to it (the working
 * directory): created if missing; a symlink is refused, since the kernel
 * would follow it wherever it points. */
static int target(const char *rel, bool dir, cfs_error_t *err)
{
	struct stat st;

	if (lstat(rel, &st) == 0) {
		if (S_ISLNK(st.st_mode))
			return cfs_fail(err, 0, "refusing to mount on /%s: a symlink", rel);
		if (dir && !S_ISDIR(st.st_mode))
			return cfs_fail(err, ENOTDIR, "mounting on /%s", rel);
		return 0;
	}
	if (errno != ENOENT)
		return cfs_fail(err, errno, "/%s", rel);
	if (dir ? mkdir(rel, 0755) : mknod(rel, S_IFREG | 0644, 0))
		return cfs_fail(err, errno, "creating mount point /%s", rel);
	return 0;
}

static int do_mount(const char *src, const char *rel, const char *type,
		    unsigned long flags, const char *data, cfs_error_t *err)
{
	if (mount(src, rel, type, flags, data) < 0)
		return cfs_fail(err, errno, "mounting %s on /%s", type ? type : src, rel);
	return 0;
}

/* Device nodes: mknod, or (where the kernel or a device cgroup refuses
 * mknod) a bind of the host's node onto an empty file. */
static int dev_node(const char *name, unsigned maj, unsigned min,
		    cfs_error_t *err)
{
	char rel[64], host[64];

	snprintf(rel, sizeof(rel), "dev/%s", name);
	if (mknod(rel, S_IFCHR | 0666, makedev(maj, min)) == 0)
		return 0;
	if (errno != EPERM && errno != EACCES)
		return cfs_fail(err, errno, "creating /%s", rel);
	snprintf(host, sizeof(host), "/dev/%s", name);
	if (target(rel, false, err) < 0)
		return -1;
	return do_mount(host, rel, NULL, MS_BIND, NULL, err);
}

static int setup_dev(cfs_error_t *err)
{
	static const struct { const char *name; unsigned maj, min; } nodes[] = {
		{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 },
		{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
	};
	static const struct { const char *link, *to; } links[] = {
		{ "dev/fd", "/proc/self/fd" }, { "dev/stdin", "/proc/self/fd/0" },
		{ "dev/stdout", "/proc/self/fd/1" }, { "dev/stderr", "/proc/self/fd/2" },
		{ "dev/ptmx", "pts/ptmx" },
	};

	if (target("dev", true, err) < 0 ||
	    do_mount("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME,
		     "mode=755,size=65536k", err) < 0)
		return -1;
	for (size_t i = 0; i < CFS_ARRAY_SIZE(nodes); i++)
		if (dev_node(nodes[i].name, nodes[i].maj, nodes[i].min, err) < 0)
			return -1;
	for (size_t i = 0; i < CFS_ARRAY_SIZE(links); i++)
		if (symlink(links[i].to, links[i].link) < 0)
			return cfs_fail(err, errno, "creating /%s", links[i].link);
	if (mkdir("dev/pts", 0755) < 0 || mkdir("dev/shm", 01777) < 0 ||
	    mkdir("dev/mqueue", 0755) < 0)
		return cfs_fail(err, errno, "creating directories in /dev");
	/* newinstance: the container's ptys are its own, not the host's. */
	if (do_mount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		     "newinstance,ptmxmode=0666,mode=0620,gid=5", err) < 0 ||
	    do_mount("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		     "mode=1777,size=65536k", err) < 0 ||
	    do_mount("mqueue", "dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		     NULL, err) < 0)
		return -1;
	return 0;
}

/* What runc and crun hide (the OCI spec's defaults, as Docker ships them):
 * kernel memory, keys of other users, timers and scheduler internals that
 * leak host activity, firmware tables. */
static const char *const masked[] = {
	"proc/acpi", "proc/asound", "proc/kcore", "proc/keys",
	"proc/latency_stats", "proc/timer_list", "proc/timer_stats",
	"proc/sched_debug", "proc/scsi", "sys/firmware",
	"sys/devices/virtual/powercap",
};
static const char *const readonly[] = {
	"proc/bus", "proc/fs", "proc/irq", "proc/sys", "proc/sysrq-trigger",
};

static int mask_paths(cfs_error_t *err)
{
	for (size_t i = 0; i < CFS_ARRAY_SIZE(masked); i++) {
		const char *p = masked[i];
		struct stat st;
		int r;

		if (lstat(p, &st) < 0) {
			if (errno == ENOENT)
				continue;
			return cfs_fail(err, errno, "masking /%s", p);
		}
		if (S_ISDIR(st.st_mode))
			r = mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				  "size=0,mode=0555");
		else
			r = mount("dev/null", p, NULL, MS_BIND, NULL);
		if (r < 0)
			return cfs_fail(err, errno, "masking /%s", p);
	}
	return 0;
}

/* A read-only bind of a path onto itself. The remount keeps the flags the
 * mount already has (nosuid, nodev, noexec): dropping a locked one would
 * fail, and dropping any would weaken it. */
static int readonly_path(const char *p, cfs_error_t *err)
{
	struct statvfs sv;
	unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC;

	if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0) {
		if (errno == ENOENT)
			return 0;
		return cfs_fail(err, errno, "making /%s read-only", p);
	}
	if (statvfs(p, &sv) == 0) {
		if (sv.f_flag & ST_NOSUID)
			flags |= MS_NOSUID;
		if (sv.f_flag & ST_NODEV)
			flags |= MS_NODEV;
		if (sv.f_flag & ST_NOEXEC)
			flags |= MS_NOEXEC;
	}
	if (mount(p, p, NULL, flags, NULL) < 0)
		return cfs_fail(err, errno, "making /%s read-only", p);
	return 0;
}

static int overlay_opts(const struct cfs_rootfs_spec *s, char **out,
			cfs_error_t *err)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f;

	if (cfs_rootfs_check_layer_path(s->rootfs, err) < 0 ||
	    cfs_rootfs_check_layer_path(s->upper, err) < 0 ||
	    cfs_rootfs_check_layer_path(s->work, err) < 0)
		return -1;
	for (size_t i = 0; i < s->nlayers; i++)
		if (cfs_rootfs_check_layer_path(s->layers[i], err) < 0)
			return -1;
	f = open_memstream(&buf, &size);
	if (!f)
		return cfs_fail(err, errno, "building overlay options");
	/* lowerdir lists the top layer first. */
	fputs("lowerdir=", f);
	for (size_t i = s->nlayers; i-- > 0;)
		fprintf(f, "%s:", s->layers[i]);
	fprintf(f, "%s,upperdir=%s,workdir=%s", s->rootfs, s->upper, s->work);
	if (fclose(f) != 0) {
		free(buf);
		return cfs_fail(err, ENOMEM, "building overlay options");
	}
	if (size >= 4096) {
		free(buf);
		return cfs_fail(err, E2BIG, "overlay options (the layer paths) are too long");
	}
	*out = buf;
	return 0;
}

/* The network's names and resolvers (files of dir) over the root's own
 * etc/hosts and etc/resolv.conf (relative to the new root, the working
 * directory), only where both exist as regular files: nothing is created
 * in a root that may be shared. */
static int bind_etc_files(const char *dir, cfs_error_t *err)
{
	static const char *const names[] = { "hosts", "resolv.conf" };
	char src[PATH_MAX], rel[32];
	struct stat st;

	for (size_t i = 0; i < CFS_ARRAY_SIZE(names); i++) {
		snprintf(src, sizeof(src), "%s/%s", dir, names[i]);
		snprintf(rel, sizeof(rel), "etc/%s", names[i]);
		if (stat(src, &st) < 0 || !S_ISREG(st.st_mode) ||
		    lstat(rel, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (mount(src, rel, NULL, MS_BIND, NULL) < 0)
			return cfs_fail(err, errno, "binding %s on /%s", src, rel);
	}
	return 0;
}

int cfs_rootfs_enter(const struct cfs_rootfs_spec *s, cfs_error_t *err)
{
	const char *root = s->rootfs;

	/* Nothing done below may reach the host's mount table (and nothing
	 * mounted on the host later should reach the container). */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return cfs_fail(err, errno, "making / private");
	if (s->nlayers) {
		cleanup_free char *opts = NULL;

		if (overlay_opts(s, &opts, err) < 0)
			return -1;
		if (mount("overlay", s->merged, "overlay", 0, opts) < 0)
			return cfs_fail(err, errno, "mounting the overlay of %zu layer%s over %s",
					s->nlayers, s->nlayers == 1 ? "" : "s", s->rootfs);
		root = s->merged;
	} else if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0) {
		/* pivot_root needs the new root to be a mount point. */
		return cfs_fail(err, errno, "bind-mounting %s", root);
	}
	if (chdir(root) < 0)
		return cfs_fail(err, errno, "entering %s", root);

	/* Everything is mounted relative to the new root before the pivot,
	 * while the host's device nodes are still reachable for the bind
	 * fallback. */
	if (target("proc", true, err) < 0 ||
	    do_mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err) < 0 ||
	    target("sys", true, err) < 0 ||
	    do_mount("sysfs", "sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		     NULL, err) < 0 ||
	    setup_dev(err) < 0 || mask_paths(err) < 0)
		return -1;
	for (size_t i = 0; i < CFS_ARRAY_SIZE(readonly); i++)
		if (readonly_path(readonly[i], err) < 0)
			return -1;
	if (s->etc_files && bind_etc_files(s->etc_files, err) < 0)
		return -1;

	/* pivot_root(".", "."): the old root ends up stacked on the new one
	 * and the detach below takes it away, with no directory left in the
	 * tree for it. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return cfs_fail(err, errno, "pivot_root into %s", root);
	if (umount2(".", MNT_DETACH) < 0)
		return cfs_fail(err, errno, "detaching the old root");
	if (chdir("/") < 0)
		return cfs_fail(err, errno, "chdir /");
	return 0;
}

/* netns.c - named network namespaces, kept the way iproute2 keeps them so
 * `ip netns list` and `ip netns exec` work on cfsnet's containers. */
#define _GNU_SOURCE
#include "ns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/util.h"

static int netns_path(const char *name, char *buf, size_t len,
		      cfs_error_t *err)
{
	if ((size_t)snprintf(buf, len, CFS_NETNS_DIR "/%s", name) >= len)
		return cfs_fail(err, ENAMETOOLONG, "network namespace %s", name);
	return 0;
}

/* /run/netns must be a shared mount point: a namespace bound under it then
 * propagates to every mount namespace that has a copy of it (ip netns
 * exec, other tools), and unmounting it later propagates too. */
static int netns_dir_prepare(cfs_error_t *err)
{
	if (cfs_mkdir(CFS_NETNS_DIR, 0755, err) < 0)
		return -1;
	/* Not MS_REC: that walks every namespace already bound under it (one
	 * mount per container, so a cost growing with their number), and
	 * needlessly: a mount made under a shared mount is shared from birth. */
	if (mount("", CFS_NETNS_DIR, "none", MS_SHARED, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return cfs_fail(err, errno, "making %s shared", CFS_NETNS_DIR);
	/* Not a mount point yet: bind it onto itself, then share it. */
	if (mount(CFS_NETNS_DIR, CFS_NETNS_DIR, "none", MS_BIND | MS_REC,
		  NULL) < 0)
		return cfs_fail(err, errno, "bind-mounting %s", CFS_NETNS_DIR);
	if (mount("", CFS_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
		return cfs_fail(err, errno, "making %s shared", CFS_NETNS_DIR);
	return 0;
}

struct ns_thread {
	int nsfd;                   /* in: namespace to join */
	int (*fn)(void *);
	void *arg;
	int ret;
	int errnum;                 /* setns failure */
};

/* Network namespaces are per thread: a thread can setns its netns without
 * touching the rest of the process, and every socket it opens belongs to
 * that namespace for life. */
static void *ns_thread_main(void *p)
{
	struct ns_thread *t = p;

	if (setns(t->nsfd, CLONE_NEWNET) < 0) {
		t->errnum = errno;
		return NULL;
	}
	if (t->fn)
		t->ret = t->fn(t->arg);
	return NULL;
}

static int ns_thread_run(struct ns_thread *t, cfs_error_t *err)
{
	pthread_t th;
	int r;

	t->errnum = 0;
	t->ret = 0;
	r = pthread_create(&th, NULL, ns_thread_main, t);
	if (r)
		return cfs_fail(err, r, "starting a namespace thread");
	pthread_join(th, NULL);
	if (t->errnum)
		return cfs_fail(err, t->errnum, "joining a network namespace");
	return 0;
}

int cfs_netns_run(int nsfd, int (*fn)(void *arg), void *arg, cfs_error_t *err)
{
	struct ns_thread t = { .nsfd = nsfd, .fn = fn, .arg = arg };

	if (nsfd < 0)
		return cfs_fail(err, EBADF, "joining a network namespace");
	if (ns_thread_run(&t, err) < 0)
		return -1;
	return t.ret;
}

int cfs_netns_create_run(const char *name, int *nsfd, int (*fn)(void *arg),
			 void *arg, cfs_error_t *err)
{
	char path[PATH_MAX], src[64];
	cleanup_close int fd = -1;
	cleanup_close int orig = -1;
	cleanup_close int newfd = -1;
	int ret = 0;

	if (netns_path(name, path, sizeof(path), err) < 0 ||
	    netns_dir_prepare(err) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  0);
	if (fd < 0)
		return cfs_fail(err, errno, "creating network namespace %s",
				name);
	close(cfs_steal_fd(&fd));

	/* This thread steps into the new namespace and straight back (what
	 * fn opens there, a socket, stays there for life): cheaper than a
	 * thread of its own (its stack, its start and its join), and nothing
	 * else runs meanwhile. */
	orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0) {
		cfs_fail(err, errno, "opening this thread's network namespace");
		goto fail;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		cfs_fail(err, errno, "creating a network namespace");
		goto fail;
	}
	newfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (newfd < 0)
		cfs_fail(err, errno, "opening network namespace %s", name);
	else if (fn)
		ret = fn(arg);
	if (setns(orig, CLONE_NEWNET) < 0) {
		/* Never seen (we hold CAP_SYS_ADMIN, having just used it), and
		 * nothing may go on in the wrong namespace. */
		fprintf(stderr, "cfsnet: returning to the host's network namespace: %s\n",
			strerror(errno));
		abort();
	}
	if (newfd < 0 || ret < 0)
		goto fail;
	snprintf(src, sizeof(src), "/proc/self/fd/%d", newfd);
	if (mount(src, path, "none", MS_BIND, NULL) < 0) {
		cfs_fail(err, errno, "binding network namespace %s", name);
		goto fail;
	}
	*nsfd = cfs_steal_fd(&newfd);
	return 0;
fail:
	unlink(path);
	return -1;
}

int cfs_netns_create(const char *name, int *nsfd, cfs_error_t *err)
{
	return cfs_netns_create_run(name, nsfd, NULL, NULL, err);
}

int cfs_netns_open(const char *name, int *nsfd, cfs_error_t *err)
{
	char path[PATH_MAX];
	int fd;

	if (netns_path(name, path, sizeof(path), err) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return cfs_fail(err, errno, "opening network namespace %s", name);
	*nsfd = fd;
	return 0;
}

int cfs_netns_delete(const char *name, cfs_error_t *err)
{
	char path[PATH_MAX];

	if (netns_path(name, path, sizeof(path), err) < 0)
		return -1;
	/* MNT_DETACH: a process still inside keeps the namespace alive, but
	 * the name is gone at once. */
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return cfs_fail(err, errno, "unmounting network namespace %s",
				name);
	if (unlink(path) < 0 && errno != ENOENT)
		return cfs_fail(err, errno, "removing network namespace %s", name);
	return 0;
}

/* Binds each file of /etc/netns/NAME over its namesake in /etc, as
 * `ip netns exec` does (per-namespace resolv.conf, hosts, ...). */
static int bind_etc(const char *name, cfs_error_t *err)
{
	char dir[PATH_MAX], src[PATH_MAX], dst[PATH_MAX];
	DIR *d;
	struct dirent *e;
	int ret = 0;

	if ((size_t)snprintf(dir, sizeof(dir), "/etc/netns/%s", name) >=
	    sizeof(dir))
		return cfs_fail(err, ENAMETOOLONG, "/etc/netns/%s", name);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : cfs_fail(err, errno, "opening %s", dir);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((size_t)snprintf(src, sizeof(src), "%s/%s", dir,
				     e->d_name) >= sizeof(src) ||
		    (size_t)snprintf(dst, sizeof(dst), "/etc/%s", e->d_name) >=
			    sizeof(dst))
			continue;
		if (mount(src, dst, "none", MS_BIND, NULL) < 0) {
			ret = cfs_fail(err, errno, "binding %s over %s", src, dst);
			break;
		}
	}
	closedir(d);
	return ret;
}

int cfs_netns_enter(const char *name, cfs_error_t *err)
{
	cleanup_close int fd = -1;
	unsigned long ro = 0;

	if (cfs_netns_open(name, &fd, err) < 0)
		return -1;
	if (setns(fd, CLONE_NEWNET) < 0)
		return cfs_fail(err, errno, "joining network namespace %s", name);
	/* A mount namespace of our own so the /sys and /etc changes below stay
	 * private to the command; a slave so host mounts still reach it. */
	if (unshare(CLONE_NEWNS) < 0)
		return cfs_fail(err, errno, "creating a mount namespace");
	if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0)
		return cfs_fail(err, errno, "making / a slave mount");
	/* The /sys of the caller shows the caller's network devices: mount one
	 * that belongs to the namespace just joined. Keep a read-only /sys
	 * read-only. */
	if (access("/sys", W_OK) < 0 && errno == EROFS)
		ro = MS_RDONLY;
	if (umount2("/sys", MNT_DETACH) < 0 && errno != EINVAL)
		return cfs_fail(err, errno, "unmounting /sys");
	if (mount(name, "/sys", "sysfs", ro, NULL) < 0)
		return cfs_fail(err, errno, "mounting /sys");
	return bind_etc(name, err);
}

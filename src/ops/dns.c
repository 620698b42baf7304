/* dns.c - each container's resolv.conf and hosts, in /etc/netns/NAME/
 * (which `ip netns exec` and `cfsnet exec` bind over /etc). resolv.conf
 * carries the host's upstream servers, never a loopback stub; hosts names
 * every member of the container's network, so members resolve each other
 * by name, and is rewritten for all of them when one comes or goes. */
#define _GNU_SOURCE
#include "ops-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/util.h"
#include "../rootfs/rootfs.h"

#define ETC_NETNS "/etc/netns"
/* Present while cfsnet made /etc/netns and may remove it again. */
#define MADE_MARK CFS_STATE_DIR "/etc-netns-made"

static int ensure_etc_netns(cfs_error_t *err)
{
	struct stat st;

	if (stat(ETC_NETNS, &st) == 0)
		return 0;
	if (mkdir(ETC_NETNS, 0755) < 0 && errno != EEXIST)
		return cfs_fail(err, errno, "creating %s", ETC_NETNS);
	return cfs_write_file_atomic(MADE_MARK, "", 0, err);
}

static int ct_dir(const char *name, char *buf, size_t len, cfs_error_t *err)
{
	if ((size_t)snprintf(buf, len, ETC_NETNS "/%s", name) >= len)
		return cfs_fail(err, ENAMETOOLONG, ETC_NETNS "/%s", name);
	return 0;
}

/* hosts for the members of net (may be NULL: only localhost). */
static int hosts_text(const struct cfs_network *net, char **out,
		      cfs_error_t *err)
{
	char *buf = NULL, ip[CFS_IP4_STRLEN];
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return cfs_fail(err, errno, "building hosts");
	fputs("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n", f);
	for (size_t i = 0; net && i < net->nleases; i++) {
		cfs_ip4_format(net->leases[i].addr, ip);
		fprintf(f, "%s\t%s\n", ip, net->leases[i].name);
	}
	if (fclose(f) != 0) {
		free(buf);
		return cfs_fail(err, ENOMEM, "building hosts");
	}
	*out = buf;
	return 0;
}

/* Written in place, not renamed over: a container started by `run` has
 * the file bound over its /etc/hosts, and a bind follows the inode. */
static int write_in(const char *name, const char *file, const char *text,
		    cfs_error_t *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	size_t len = strlen(text);
	int fd;

	if (ct_dir(name, dir, sizeof(dir), err) < 0)
		return -1;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return cfs_fail(err, errno, "creating %s", dir);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return cfs_fail(err, errno, "writing %s", path);
	if (write(fd, text, len) != (ssize_t)len) {
		int e = errno ? errno : EIO;

		close(fd);
		return cfs_fail(err, e, "writing %s", path);
	}
	if (close(fd) < 0)
		return cfs_fail(err, errno, "writing %s", path);
	return 0;
}

int cfs_dns_hosts_sync(const struct cfs_network *net, cfs_error_t *err)
{
	cleanup_free char *hosts = NULL;

	if (!net)
		return 0;
	if (ensure_etc_netns(err) < 0 || hosts_text(net, &hosts, err) < 0)
		return -1;
	for (size_t i = 0; i < net->nleases; i++)
		if (write_in(net->leases[i].name, "hosts", hosts, err) < 0)
			return -1;
	return 0;
}

int cfs_dns_add(const char *name, const struct cfs_network *net,
		cfs_error_t *err)
{
	cleanup_free char *resolv = NULL;

	if (ensure_etc_netns(err) < 0 || cfs_resolv_conf(&resolv, err) < 0 ||
	    write_in(name, "resolv.conf", resolv, err) < 0 ||
	    cfs_dns_hosts_sync(net, err) < 0)
		return cfs_error_wrap(err, "writing %s/%s", ETC_NETNS, name);
	return 0;
}

int cfs_dns_remove(const char *name, cfs_error_t *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	static const char *const files[] = { "resolv.conf", "hosts" };
	struct stat st;

	if (ct_dir(name, dir, sizeof(dir), err) < 0)
		return -1;
	for (size_t i = 0; i < CFS_ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (unlink(path) < 0 && errno != ENOENT)
			return cfs_fail(err, errno, "removing %s", path);
	}
	/* Files someone else put there keep the directory. */
	if (rmdir(dir) < 0 && errno != ENOENT && errno != ENOTEMPTY)
		return cfs_fail(err, errno, "removing %s", dir);
	/* /etc/netns itself goes when cfsnet made it and it is empty. */
	if (stat(MADE_MARK, &st) == 0 && rmdir(ETC_NETNS) == 0)
		unlink(MADE_MARK);
	return 0;
}

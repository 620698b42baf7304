/* dns.c - each container's resolv.conf and hosts, in /etc/netns/NAME/
 * (which `ip netns exec` and `cfsnet exec` bind over /etc). resolv.conf
 * carries the host's upstream servers, never a loopback stub; hosts names
 * every member of the container's network, so members resolve each other
 * by name, and is rewritten for all of them when one comes or goes. A
 * container on several networks (`connect`) names the members of each. */
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

static const char hosts_head[] =
	"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";

/* The members of net but skip, one "ADDR<TAB>NAME" line each. */
static void hosts_lines(FILE *f, const struct cfs_network *net, const char *skip)
{
	char ip[CFS_IP4_STRLEN];

	for (size_t i = 0; i < net->nleases; i++) {
		if (skip && !strcmp(net->leases[i].name, skip))
			continue;
		cfs_ip4_format(net->leases[i].addr, ip);
		fprintf(f, "%s\t%s\n", ip, net->leases[i].name);
	}
}

static int memstream_done(FILE *f, char **buf, char **out, cfs_error_t *err)
{
	if (fclose(f) != 0) {
		free(*buf);
		return cfs_fail(err, ENOMEM, "building hosts");
	}
	*out = *buf;
	return 0;
}

/* hosts of a container on net (its first network) and the networks of
 * attach[0..nattach): localhost, then each network's members. */
static int hosts_text(struct cfs_state *st, const struct cfs_network *net,
		      const struct cfs_container *ct, const char *skip,
		      char **out, cfs_error_t *err)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return cfs_fail(err, errno, "building hosts");
	fputs(hosts_head, f);
	hosts_lines(f, net, skip);
	for (size_t i = 0; ct && i < ct->nattach; i++) {
		struct cfs_network other;
		cfs_error_t e2 = { 0 };

		if (!strcmp(ct->attach[i].network, net->name) ||
		    cfs_network_load(st, ct->attach[i].network, &other, &e2) < 0)
			continue;
		hosts_lines(f, &other, skip);
		cfs_network_free(&other);
	}
	return memstream_done(f, &buf, out, err);
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

/* Rewrites hosts for member name of network net. Its other networks are
 * read from the state (net is the caller's copy, maybe newer). */
static int sync_member(struct cfs_state *st, const struct cfs_network *net,
		       const char *name, const char *skip, const char *common,
		       cfs_error_t *err)
{
	cleanup_free char *hosts = NULL;
	struct cfs_container ct;
	const struct cfs_network *first = net;
	struct cfs_network own;
	cfs_error_t e2 = { 0 };
	bool loaded = false;
	int r;

	if (cfs_container_load(st, name, &ct, &e2) < 0)
		return 0; /* no state (yet, or any more): nothing to name */
	/* The usual case: on this network only, whose text is made once. */
	if (!ct.nattach && !strcmp(ct.network, net->name))
		return write_in(name, "hosts", common, err);
	/* The member's first network leads its hosts. */
	if (strcmp(ct.network, net->name) &&
	    cfs_network_load(st, ct.network, &own, &e2) == 0) {
		first = &own;
		loaded = true;
	}
	r = hosts_text(st, first, &ct, skip, &hosts, err);
	if (r == 0)
		r = write_in(name, "hosts", hosts, err);
	if (loaded)
		cfs_network_free(&own);
	return r;
}

int cfs_dns_sync_net(struct cfs_state *st, const char *netname,
		     const char *skip, cfs_error_t *err)
{
	struct cfs_network net;
	cfs_error_t e2 = { 0 };
	int r = 0;

	if (cfs_network_load(st, netname, &net, &e2) < 0)
		return 0; /* gone with its last member */
	cleanup_free char *common = NULL;

	if (net.nleases && (ensure_etc_netns(err) < 0 ||
			    hosts_text(st, &net, NULL, skip, &common, err) < 0))
		r = -1;
	for (size_t i = 0; i < net.nleases && r == 0; i++)
		if (!skip || strcmp(net.leases[i].name, skip))
			r = sync_member(st, &net, net.leases[i].name, skip, common,
					err);
	cfs_network_free(&net);
	return r;
}

int cfs_dns_add(struct cfs_state *st, const struct cfs_container *ct,
		cfs_error_t *err)
{
	cleanup_free char *resolv = NULL;

	if (ensure_etc_netns(err) < 0 || cfs_resolv_conf(&resolv, err) < 0 ||
	    write_in(ct->name, "resolv.conf", resolv, err) < 0 ||
	    cfs_dns_sync_net(st, ct->network, NULL, err) < 0)
		return cfs_error_wrap(err, "writing %s/%s", ETC_NETNS, ct->name);
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

/* dns.c - each container's resolv.conf and hosts, in /etc/netns/NAME/
 * (which `ip netns exec` and `cfsnet exec` bind over /etc). resolv.conf
 * carries the host's upstream servers, never a loopback stub; hosts names
 * every member of the container's network, so members resolve each other
 * by name, and changes for all of them when one comes or goes.
 *
 * The hosts of the members of one network are one file: each member's
 * /etc/netns/NAME/hosts is a hard link to /etc/netns/.hosts-NETWORK,
 * rewritten in place once per change (a container started by `run` has it
 * bound over its /etc/hosts, and a bind follows the inode). So an up or a
 * down writes one file, not one per member, whatever the network's size.
 * A container on several networks (`connect`) has a file of its own that
 * names the members of each. */
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

/* The hosts file the members of network netname share. */
static int shared_path(const char *netname, char *buf, size_t len,
		       cfs_error_t *err)
{
	if ((size_t)snprintf(buf, len, ETC_NETNS "/.hosts-%s", netname) >= len)
		return cfs_fail(err, ENAMETOOLONG, ETC_NETNS "/.hosts-%s", netname);
	return 0;
}

/* /etc/netns itself goes when cfsnet made it and it is empty. */
static void prune_etc_netns(void)
{
	struct stat st;

	if (stat(MADE_MARK, &st) == 0 && rmdir(ETC_NETNS) == 0)
		unlink(MADE_MARK);
}

static const char hosts_head[] =
	"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";

/* The members of net but skip, one "ADDR<TAB>NAME" line each: plain
 * appends, as the shared file of a large network is rebuilt on each `up`. */
static void hosts_lines(struct cfs_buf *b, const struct cfs_network *net,
			const char *skip)
{
	for (size_t i = 0; i < net->nleases; i++)
		if (!skip || strcmp(net->leases[i].name, skip))
			cfs_lease_line(b, "", &net->leases[i], '\t');
}

/* hosts of a container on net (its first network) and the networks of
 * attach[0..nattach): localhost, then each network's members. */
static int hosts_text(struct cfs_state *st, const struct cfs_network *net,
		      const struct cfs_container *ct, const char *skip,
		      char **out, cfs_error_t *err)
{
	struct cfs_buf b = { 0 };

	cfs_buf_puts(&b, hosts_head);
	hosts_lines(&b, net, skip);
	for (size_t i = 0; ct && i < ct->nattach; i++) {
		struct cfs_network other;
		cfs_error_t e2 = { 0 };

		if (!strcmp(ct->attach[i].network, net->name) ||
		    cfs_network_load(st, ct->attach[i].network, &other, &e2) < 0)
			continue;
		hosts_lines(&b, &other, skip);
		cfs_network_free(&other);
	}
	*out = cfs_buf_take(&b);
	if (!*out)
		return cfs_fail(err, ENOMEM, "building hosts");
	return 0;
}

/* Written in place, not renamed over: a container started by `run` has
 * the file bound over its /etc/hosts, and a bind follows the inode. */
static int write_path(const char *path, const char *text, cfs_error_t *err)
{
	size_t len = strlen(text);
	int fd;

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

/* dir/NAME made, path its file. */
static int member_path(const char *name, const char *file, char *path,
		       size_t len, cfs_error_t *err)
{
	char dir[PATH_MAX];

	if (ct_dir(name, dir, sizeof(dir), err) < 0)
		return -1;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return cfs_fail(err, errno, "creating %s", dir);
	if ((size_t)snprintf(path, len, "%s/%s", dir, file) >= len)
		return cfs_fail(err, ENAMETOOLONG, "%s/%s", dir, file);
	return 0;
}

static int write_in(const char *name, const char *file, const char *text,
		    cfs_error_t *err)
{
	char path[PATH_MAX + 32];

	if (member_path(name, file, path, sizeof(path), err) < 0)
		return -1;
	return write_path(path, text, err);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* name's hosts becomes a link to the shared file (sh, whose stat is sst). */
static int link_shared(const char *name, const char *sh, const struct stat *sst,
		       cfs_error_t *err)
{
	char path[PATH_MAX + 32];
	struct stat st;

	if (member_path(name, "hosts", path, sizeof(path), err) < 0)
		return -1;
	if (lstat(path, &st) == 0) {
		if (same_file(&st, sst))
			return 0;
		if (unlink(path) < 0)
			return cfs_fail(err, errno, "replacing %s", path);
	}
	if (link(sh, path) < 0)
		return cfs_fail(err, errno, "linking %s to %s", path, sh);
	return 0;
}

/* Brings member name of network net up to date: a link to the shared file
 * sh (stat sst) when net is its only network, else a file of its own. Its
 * other networks are read from the state (net is the caller's copy, maybe
 * newer). */
static int sync_member(struct cfs_state *st, const struct cfs_network *net,
		       const char *name, const char *skip, const char *sh,
		       const struct stat *sst, cfs_error_t *err)
{
	cleanup_free char *hosts = NULL;
	char path[PATH_MAX + 32];
	struct cfs_container ct;
	const struct cfs_network *first = net;
	struct cfs_network own;
	struct stat lst;
	cfs_error_t e2 = { 0 };
	bool loaded = false;
	int r;

	if (cfs_container_load(st, name, &ct, &e2) < 0)
		return 0; /* no state (yet, or any more): nothing to name */
	/* The usual case: on this network only. */
	if (!ct.nattach && !strcmp(ct.network, net->name))
		return link_shared(name, sh, sst, err);
	/* The member's first network leads its hosts. */
	if (strcmp(ct.network, net->name) &&
	    cfs_network_load(st, ct.network, &own, &e2) == 0) {
		first = &own;
		loaded = true;
	}
	r = hosts_text(st, first, &ct, skip, &hosts, err);
	/* A file of its own: never write through a link to a shared one. */
	if (r == 0)
		r = member_path(name, "hosts", path, sizeof(path), err);
	if (r == 0 && lstat(path, &lst) == 0 && lst.st_nlink > 1 && unlink(path) < 0)
		r = cfs_fail(err, errno, "replacing %s", path);
	if (r == 0)
		r = write_path(path, hosts, err);
	if (loaded)
		cfs_network_free(&own);
	return r;
}

/* known: the network, when the caller has it as it was just saved. */
static int sync_net(struct cfs_state *st, const struct cfs_network *known,
		    const char *netname, const char *skip, const char *changed,
		    cfs_error_t *err)
{
	cleanup_free char *common = NULL;
	char sh[PATH_MAX], path[PATH_MAX + 32];
	struct cfs_network net;
	struct stat sst, st2;
	cfs_error_t e2 = { 0 };
	bool loaded;
	int r = 0;

	if (shared_path(netname, sh, sizeof(sh), err) < 0)
		return -1;
	if (known)
		loaded = cfs_network_copy(&net, known, &e2) == 0;
	else
		loaded = cfs_network_load(st, netname, &net, &e2) == 0;
	if (!loaded || !net.nleases) {
		/* Gone with its last member, or without members: nobody
		 * shares its file any more. */
		if (loaded)
			cfs_network_free(&net);
		if (unlink(sh) < 0 && errno != ENOENT)
			return cfs_fail(err, errno, "removing %s", sh);
		prune_etc_netns();
		return 0;
	}
	if (ensure_etc_netns(err) < 0 ||
	    hosts_text(st, &net, NULL, skip, &common, err) < 0 ||
	    write_path(sh, common, err) < 0)
		r = -1;
	if (r == 0 && stat(sh, &sst) < 0)
		r = cfs_fail(err, errno, "reading %s", sh);
	/* Members linked to the shared file were updated by the write above.
	 * Its link count says how many are: when only `changed` (or nobody)
	 * is left to do, the walk over every member's file is skipped. That
	 * walk, one path lookup per member, was the part of `up` that grew
	 * with the network's size. */
	if (r == 0) {
		size_t members = net.nleases, linked = sst.st_nlink - 1;

		for (size_t i = 0; skip && i < net.nleases; i++)
			if (!strcmp(net.leases[i].name, skip))
				members--;
		if (linked >= members) {
			cfs_network_free(&net);
			return 0;
		}
		/* One left to do, and it is `changed` (not linked yet). */
		if (changed && linked + 1 == members &&
		    snprintf(path, sizeof(path), ETC_NETNS "/%s/hosts", changed) <
			    (int)sizeof(path) &&
		    !(lstat(path, &st2) == 0 && same_file(&st2, &sst))) {
			r = sync_member(st, &net, changed, skip, sh, &sst, err);
			cfs_network_free(&net);
			return r;
		}
	}
	for (size_t i = 0; i < net.nleases && r == 0; i++) {
		const char *name = net.leases[i].name;

		if (skip && !strcmp(name, skip))
			continue;
		/* Linked already: the write above was its update. */
		if (snprintf(path, sizeof(path), ETC_NETNS "/%s/hosts", name) <
			    (int)sizeof(path) &&
		    lstat(path, &st2) == 0 && same_file(&st2, &sst))
			continue;
		r = sync_member(st, &net, name, skip, sh, &sst, err);
	}
	cfs_network_free(&net);
	return r;
}

int cfs_dns_sync_net(struct cfs_state *st, const char *netname,
		     const char *skip, const char *changed, cfs_error_t *err)
{
	return sync_net(st, NULL, netname, skip, changed, err);
}

int cfs_dns_add(struct cfs_state *st, const struct cfs_container *ct,
		const struct cfs_network *net, cfs_error_t *err)
{
	cleanup_free char *resolv = NULL;

	if (ensure_etc_netns(err) < 0 || cfs_resolv_conf(&resolv, err) < 0 ||
	    write_in(ct->name, "resolv.conf", resolv, err) < 0 ||
	    sync_net(st, net && !strcmp(net->name, ct->network) ? net : NULL,
		     ct->network, NULL, ct->name, err) < 0)
		return cfs_error_wrap(err, "writing %s/%s", ETC_NETNS, ct->name);
	return 0;
}

int cfs_dns_remove(const char *name, cfs_error_t *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	static const char *const files[] = { "resolv.conf", "hosts" };

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
	prune_etc_netns();
	return 0;
}

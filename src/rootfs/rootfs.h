/* rootfs.h - a container's root: building a minimal busybox tree, finding
 * a command inside a tree (or a stack of layers) the way the container
 * will, and, inside the container's new mount namespace, entering the root
 * with pivot_root and giving it /proc, /sys, /dev and the masked and
 * read-only paths other runtimes use. Nothing here prints. */
#ifndef CFS_ROOTFS_H
#define CFS_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/error.h"

/* Debian's busybox-static installs it here (/bin is /usr/bin on a merged
 * /usr, both paths work). */
#define CFS_BUSYBOX_PATH "/bin/busybox"
#define CFS_BUSYBOX_PACKAGE "busybox-static"

/* Builds a minimal root in dir: bin/busybox (a copy of busybox, which must
 * be statically linked), a relative symlink for each applet the binary
 * lists (`busybox --list-full`, run from the copy), etc/passwd, etc/group,
 * etc/hosts, etc/resolv.conf (never a loopback resolver: the container
 * cannot reach the host's 127.0.0.53), and empty proc, sys, dev, tmp,
 * root. dir must be missing (its parent must exist) or an empty
 * directory; on failure what was made is removed. *napplets (may be
 * NULL) receives the number of applet links. */
int cfs_rootfs_build(const char *dir, const char *busybox, size_t *napplets,
		     cfs_error_t *err);

/* The resolv.conf a container gets (*out malloc'd): the host's
 * /etc/resolv.conf without loopback nameservers; when it had one (a stub
 * such as systemd-resolved's 127.0.0.53), the upstreams of
 * /run/systemd/resolve/resolv.conf instead, if that exists. */
int cfs_resolv_conf(char **out, cfs_error_t *err);

/* Whether cmd can be run in the root made of dirs[0..n) (top first: the
 * last is the base): a path with '/' is looked up as is, a bare name in
 * the container's PATH. Symlinks are resolved inside the root (openat2
 * RESOLVE_IN_ROOT), and from one layer into the layers below. The message
 * says "not found" or "not an executable file". */
int cfs_rootfs_find_command(const char *const *dirs, size_t n,
			    const char *cmd, cfs_error_t *err);

/* The PATH a container's processes get. */
#define CFS_CONTAINER_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct cfs_rootfs_spec {
	const char *rootfs;         /* the base tree */
	const char *const *layers;  /* read-only layers over it, bottom first */
	size_t nlayers;
	/* With layers: an empty writable upper and work directory (same
	 * filesystem) and a mount point for the merged tree. */
	const char *upper, *work, *merged;
	/* NULL, or a directory (/etc/netns/NAME) whose hosts and resolv.conf
	 * are bound over the root's etc/hosts and etc/resolv.conf, where the
	 * root has those files. */
	const char *etc_files;
};

/* Refuses layer paths overlayfs' option string cannot carry (',' ':'
 * '\\'); both the CLI and cfs_rootfs_enter check. */
int cfs_rootfs_check_layer_path(const char *path, cfs_error_t *err);

/* For the container's first process, in a new mount (and pid) namespace:
 * makes every mount private, mounts the root (a bind of rootfs, or an
 * overlay of the layers over it), mounts /proc, a read-only /sys, a tmpfs
 * /dev (null zero full random urandom tty, devpts + ptmx, shm, mqueue, the
 * fd/stdin/stdout/stderr links), masks and write-protects the paths runc
 * and crun do, then pivot_root(".", ".") and detaches the old root. The
 * working directory is "/" of the new root afterwards. */
int cfs_rootfs_enter(const struct cfs_rootfs_spec *s, cfs_error_t *err);

/* Removes path and everything below it, without following symlinks or
 * crossing into other filesystems. A missing path is success. */
int cfs_remove_tree(const char *path, cfs_error_t *err);

#endif

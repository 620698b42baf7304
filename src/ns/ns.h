/* ns.h - namespaces: named network namespaces the way `ip netns` keeps
 * them (a bind mount at /run/netns/NAME), entering them, and running a
 * function inside one without moving the calling thread. */
#ifndef CFS_NS_H
#define CFS_NS_H

#include "../common/error.h"

#define CFS_NETNS_DIR "/run/netns"

/* Creates the named network namespace NAME: /run/netns made a shared mount
 * point (once), an empty file created exclusively, a new network namespace
 * bound onto it; the file is removed on failure. *nsfd receives an open
 * (O_CLOEXEC) fd of the new namespace. Fails with errnum EEXIST when NAME
 * exists. */
int cfs_netns_create(const char *name, int *nsfd, cfs_error_t *err);
/* The same, and fn(arg) run inside the new namespace (by the calling
 * thread, which steps in to create it and back out after fn): e.g. to open
 * the namespace's netlink socket. fn reports through its own arg; its
 * failure (< 0) undoes the creation. */
int cfs_netns_create_run(const char *name, int *nsfd, int (*fn)(void *arg),
			 void *arg, cfs_error_t *err);

/* Opens /run/netns/NAME (errnum ENOENT when it does not exist). */
int cfs_netns_open(const char *name, int *nsfd, cfs_error_t *err);

/* Unmounts and removes /run/netns/NAME; a missing one is success. The
 * namespace dies when its last user goes: its veths vanish asynchronously. */
int cfs_netns_delete(const char *name, cfs_error_t *err);

/* Moves the calling process into NAME the way `ip netns exec` does: setns,
 * a new mount namespace made a slave of the host's, a fresh /sys for the
 * namespace, and each file of /etc/netns/NAME bind-mounted over /etc. For a
 * process that is about to exec. */
int cfs_netns_enter(const char *name, cfs_error_t *err);

/* Runs fn(arg) in a short-lived thread that has joined the network
 * namespace nsfd; returns fn's result. fn reports through its own arg. */
int cfs_netns_run(int nsfd, int (*fn)(void *arg), void *arg, cfs_error_t *err);

#endif

/* ops.h - what the CLI calls: each operation is a plan of steps over the
 * ns and net modules and the state, with every step's undo registered so a
 * failure leaves the host as it was. */
#ifndef CFS_OPS_H
#define CFS_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/error.h"
#include "../net/net.h"
#include "state.h"

#define CFS_DEFAULT_SUBNET "10.0.0.0/24"
#define CFS_DEFAULT_NETWORK "default"
#define CFS_DEFAULT_IFNAME "eth0"
#define CFS_DEFAULT_MTU 1500

struct cfs_up_opts {
	const char *name;
	bool has_ip;
	struct cfs_cidr ip;
	bool no_bridge;
	const char *ifname;  /* NULL: eth0 */
	unsigned mtu;        /* 0: the network's */
};

/* Validation shared by the CLI and the operations. A bad value is a
 * runtime error (exit 1), not a usage error. */
int cfs_check_name(const char *name, cfs_error_t *err);
int cfs_check_ifname(const char *ifname, cfs_error_t *err);
int cfs_check_mtu(const char *s, unsigned *mtu, cfs_error_t *err);
/* Parses --ip: octets <= 255, prefix 8..30, not the network, broadcast or
 * gateway address of its subnet. */
int cfs_check_ip(const char *s, struct cfs_cidr *out, cfs_error_t *err);

/* Brings NAME up (see README). *created tells whether anything was made
 * (false: an identical container already existed). *out describes it. */
int cfs_up(const struct cfs_up_opts *o, struct cfs_container *out,
	   bool *created, cfs_error_t *err);
int cfs_down(const char *name, cfs_error_t *err);
/* Runs argv in NAME's network namespace; returns only on failure, with
 * *status the exit status to use (127 command not found, 126 other exec
 * failures, 1 otherwise). */
int cfs_exec(const char *name, char *const argv[], int *status,
	     cfs_error_t *err);

/* A container as the state and the kernel describe it. */
struct cfs_view {
	struct cfs_container ct;
	struct cfs_ct_info kernel;
	bool netns_found;
};

int cfs_list(struct cfs_view **out, size_t *n, cfs_error_t *err);
int cfs_show(const char *name, struct cfs_view *out, cfs_error_t *err);

/* Runs argv in a private world (see sandbox.c); *status is argv's exit
 * status. Returns -1 only when the world could not be made. */
int cfs_sandbox(bool wan, char *const argv[], int *status, cfs_error_t *err);

#endif

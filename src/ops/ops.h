/* ops.h - what the CLI calls: each operation is a plan of steps over the
 * ns and net modules and the state, with every step's undo registered so a
 * failure leaves the host as it was. */
#ifndef CFS_OPS_H
#define CFS_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/error.h"
#include "../cgroup/cgroup.h"
#include "../net/net.h"
#include "state.h"

#define CFS_DEFAULT_SUBNET "10.0.0.0/24"
#define CFS_DEFAULT_NETWORK "default"
#define CFS_DEFAULT_IFNAME "eth0"
#define CFS_DEFAULT_MTU 1500

/* A rate limit: rate 0 = none (the link's default qdisc). */
struct cfs_shape {
	uint64_t rate;       /* bytes per second */
	uint32_t burst;      /* bytes */
};

struct cfs_up_opts {
	const char *name;
	bool has_ip;
	struct cfs_cidr ip;
	bool no_bridge;
	const char *ifname;  /* NULL: eth0 */
	unsigned mtu;        /* 0: the network's */
	const char *net;     /* NULL: the network the address picks */
	bool has_ip6;        /* --ip6 */
	struct cfs_cidr6 ip6;
	const struct cfs_port *ports; /* --publish, nports of them */
	size_t nports;
	struct cfs_shape shape;       /* --rate, --burst */
};

struct cfs_net_opts {
	const char *name;
	struct cfs_cidr subnet;
	bool internal;
	unsigned mtu;        /* 0: 1500 */
	bool has6;           /* --ipv6 PREFIX */
	struct cfs_cidr6 subnet6;
	uint32_t vni;        /* --vxlan ID, 0: none */
	uint32_t remote;     /* --remote */
	uint32_t local;      /* --local, 0: the source of the route to remote */
};

/* Validation shared by the CLI and the operations. A bad value is a
 * runtime error (exit 1), not a usage error. */
int cfs_check_name(const char *name, cfs_error_t *err);
int cfs_check_ifname(const char *ifname, cfs_error_t *err);
int cfs_check_mtu(const char *s, unsigned *mtu, cfs_error_t *err);
/* Parses --ip: octets <= 255, prefix 8..30, not the network, broadcast or
 * gateway address of its subnet. */
int cfs_check_ip(const char *s, struct cfs_cidr *out, cfs_error_t *err);

/* --ip6 ADDR/PREFIX: prefix 8..126, not the network address or the
 * gateway (::1 of the prefix). --ipv6 of `net create`: a network address. */
int cfs_check_ip6(const char *s, struct cfs_cidr6 *out, cfs_error_t *err);
int cfs_check_subnet6(const char *s, struct cfs_cidr6 *out, cfs_error_t *err);
/* --vxlan ID: 1..16777215. */
int cfs_check_vni(const char *s, uint32_t *vni, cfs_error_t *err);
/* --publish HOST:PORT[/tcp|/udp]: ports 1..65535, tcp by default. */
int cfs_check_publish(const char *s, struct cfs_port *out, cfs_error_t *err);

/* --subnet of `net create`: prefix 8..30, a network address. */
int cfs_check_subnet(const char *s, struct cfs_cidr *out, cfs_error_t *err);

/* `cfsnet net create|rm|ls`: networks made by name stay until removed
 * (refused while a container uses one); those `up` makes on the spot go
 * with their last member. */
int cfs_net_create(const struct cfs_net_opts *o, cfs_error_t *err);
int cfs_net_rm(const char *name, cfs_error_t *err);
int cfs_net_list(struct cfs_network **nets, size_t *n, cfs_error_t *err);
/* This host's gateway of net: the first host address, or for the upper
 * host of a VXLAN network the last one (see vxlan.c). */
uint32_t cfs_net_gateway(const struct cfs_network *net);

/* `cfsnet connect NAME NET [--ip A/P]`: NAME gets its next ethK on NET's
 * bridge, with an address of NET (ip NULL: the lowest free) and no route
 * but the subnet's. `disconnect` removes it again (not the first network:
 * that is `down`'s). */
int cfs_connect(const char *name, const char *netname, const struct cfs_cidr *ip,
		struct cfs_attach *out, cfs_error_t *err);
int cfs_disconnect(const char *name, const char *netname, cfs_error_t *err);
/* `cfsnet route add|del NAME DEST [via GW]`: a static route inside NAME; GW
 * must be in one of its subnets. Adding the same route again is a no-op;
 * gw 0 on del matches any gateway. */
int cfs_route(const char *name, bool add, const struct cfs_cidr *dst,
	      uint32_t gw, cfs_error_t *err);

/* ---- shaping (shape.c) ---- */

/* --rate/--burst (either may be NULL): tc's syntax, burst at least 4 KiB,
 * 10 ms at the rate by default. */
int cfs_check_rate(const char *rate, const char *burst, struct cfs_shape *out,
		   cfs_error_t *err);
/* --delay/--loss: always an error, saying whether the kernel has netem. */
int cfs_check_netem(const char *delay, const char *loss, cfs_error_t *err);
/* A tbf of s on both ends of a container's veth: ifname inside nsfd and
 * host_veth on the host (rate 0: the default qdiscs back). */
int cfs_shape_link(int nsfd, const char *ifname, const char *host_veth,
		   const struct cfs_shape *s, cfs_error_t *err);
/* `cfsnet link set NAME [--ifname IF] --rate ...`: IF NULL is the first
 * interface (eth0). */
int cfs_link_shape(const char *name, const char *ifname,
		   const struct cfs_shape *s, cfs_error_t *err);
/* cfs_connect, then the new interface shaped (disconnected again when
 * that fails). */
int cfs_connect_shaped(const char *name, const char *netname,
		       const struct cfs_cidr *ip, const struct cfs_shape *s,
		       struct cfs_attach *out, cfs_error_t *err);

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
 * status (1 when it never ran). Returns -1 when the world could not be
 * made, or when its containers' cgroups could not be removed after it. */
int cfs_sandbox(bool wan, char *const argv[], int *status, cfs_error_t *err);

/* ---- containers with a process: run, stop, stats ------------------------ */

struct cfs_run_opts {
	const char *name;
	const char *rootfs;
	const char *const *layers;   /* read-only, over rootfs, bottom first */
	size_t nlayers;
	bool has_ip;                 /* join the network as `up NAME --ip` */
	struct cfs_cidr ip;
	bool has_ip6;                /* and --ip6 */
	struct cfs_cidr6 ip6;
	const char *hostname;        /* NULL: name */
	struct cfs_cg_limits limits;
	bool has_oom_score_adj;
	int oom_score_adj;
	const char *const *env;      /* "K=V" */
	size_t nenv;
	bool detach;
	bool no_seccomp;             /* --no-seccomp: no default seccomp filter */
	char *const *argv;           /* the command, NULL-terminated */
	const struct cfs_port *ports; /* --publish (with has_ip) */
	size_t nports;
};

struct cfs_run_result {
	int status;          /* the command's exit status, 128+N for signal N */
	bool oom_killed;     /* the OOM killer killed in the container */
	int64_t memory_limit;
	pid_t pid;           /* --detach: the container's PID 1, host view */
};

/* Everything run checks before touching anything: name, rootfs and layers
 * (directories), the command inside them, hostname, --env, the limits. */
int cfs_run_check(const struct cfs_run_opts *o, cfs_error_t *err);
/* Runs a container (see README). In the foreground it returns when the
 * command is gone and everything made for it is removed, with
 * res->status; with --detach it returns once the command runs, a monitor
 * process staying behind to clean up after it. */
int cfs_run(const struct cfs_run_opts *o, struct cfs_run_result *res,
	    cfs_error_t *err);
/* SIGTERM to the container, SIGKILL after timeout_s seconds, then its
 * network, cgroup and private directories go. */
int cfs_stop(const char *name, unsigned timeout_s, cfs_error_t *err);
int cfs_stats(const char *name, struct cfs_cg_stats *st, cfs_error_t *err);
/* /sys/devices/system/cpu/online as text, and how many CPUs it lists. */
int cfs_online_cpus(char *buf, size_t len, unsigned *ncpus, cfs_error_t *err);

/* The process side of a container for ls and show. */
struct cfs_proc_view {
	bool has_run;        /* false: no process was ever run (`up` only) */
	pid_t pid;           /* 0: none (yet) */
	const char *status;  /* "running", "starting", "exited", or NULL */
};
void cfs_proc_view(const char *name, struct cfs_proc_view *out);
/* Containers that have a process but no network state of their own (run
 * without --ip), sorted; free with cfs_names_free. */
int cfs_run_only_names(char ***names, size_t *n, cfs_error_t *err);

/* ---- crash recovery: gc, check (gc.c, check.c) ------------------------ */

/* What gc removed (or would remove), or the drift check found: one line
 * per object. */
#define CFS_REPORT_LINE 256
struct cfs_report {
	char (*lines)[CFS_REPORT_LINE];
	size_t n;
};
void cfs_report_free(struct cfs_report *rep);

/* `cfsnet gc [--dry-run] [--all-cgroups]`: removes what killed commands
 * left (see gc.c and README): state without a namespace, a namespace or
 * link of cfsnet's without state, leases without a container, rules of
 * networks that do not exist, dead runs with their cgroups; with
 * all_cgroups also empty cfsnet cgroups that no run record names. dry_run
 * changes nothing. */
int cfs_gc(bool dry_run, bool all_cgroups, struct cfs_report *rep,
	   cfs_error_t *err);

/* `cfsnet check NAME [--fix]`: compares NAME's state with the kernel
 * (namespace, links, address, routes, bridge, rules, ip_forward); each
 * difference is a line of rep; with fix, each is repaired. */
int cfs_check(const char *name, bool fix, struct cfs_report *rep,
	      cfs_error_t *err);

/* Note: for a container with a running process, cfs_exec enters all of its
 * namespaces, its root and its cgroup, waits for the command and returns 0
 * with *status its exit status. */

#endif

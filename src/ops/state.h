/* state.h - cfsnet's state under /run/cfsnet (it dies with a reboot, as
 * network namespaces do): one small file per container and per network,
 * written atomically (temporary file + rename), every change under one
 * flock. The ops module is the only owner; no daemon. */
#ifndef CFS_STATE_H
#define CFS_STATE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "../net/net.h"

#define CFS_STATE_DIR "/run/cfsnet"
#define CFS_NAME_MAX 15
#define CFS_NET_NAME_MAX 63

enum cfs_mode { CFS_MODE_BRIDGE, CFS_MODE_VETH };

#define CFS_MAX_ATTACH 8   /* networks besides the first: eth1 ... */
#define CFS_MAX_ROUTES 32

/* A further network a container was connected to with `cfsnet connect`. */
struct cfs_attach {
	char network[CFS_NET_NAME_MAX + 1];
	char ifname[IFNAMSIZ];
	char host_veth[IFNAMSIZ];
	struct cfs_cidr ip;
	bool has6;                  /* attach6=NETWORK ADDR6/P: a dual-stack network */
	struct cfs_cidr6 ip6;
};

/* A static route added with `cfsnet route add`. */
struct cfs_route {
	struct cfs_cidr dst;        /* addr is the network address */
	uint32_t gw;
};

#define CFS_MAX_PORTS 16

/* A port published with `--publish HOST:PORT[/PROTO]`. */
struct cfs_port {
	int proto;                  /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t host_port;
	uint16_t port;              /* in the container */
};

struct cfs_container {
	char name[CFS_NAME_MAX + 1];
	char network[CFS_NET_NAME_MAX + 1];
	enum cfs_mode mode;
	struct cfs_cidr ip;
	uint32_t gateway;
	char ifname[IFNAMSIZ];      /* inside the container */
	char host_veth[IFNAMSIZ];
	char bridge[IFNAMSIZ];      /* "" without a bridge */
	unsigned mtu;
	size_t nattach;
	struct cfs_attach attach[CFS_MAX_ATTACH];
	size_t nroutes;
	struct cfs_route routes[CFS_MAX_ROUTES];
	bool has6;                  /* dual stack: ip6=, gateway6= */
	struct cfs_cidr6 ip6;
	struct in6_addr gateway6;
	size_t nports;
	struct cfs_port ports[CFS_MAX_PORTS];
};

struct cfs_lease {
	uint32_t addr;
	char name[CFS_NAME_MAX + 1];
	bool has6;                  /* lease6= */
	struct in6_addr addr6;
};

struct cfs_network {
	char name[CFS_NET_NAME_MAX + 1];
	enum cfs_mode mode;
	struct cfs_cidr subnet;     /* addr is the network address */
	char ifname[IFNAMSIZ];      /* the bridge, or the member's host veth */
	unsigned mtu;
	bool internal;              /* no NAT, no way in or out */
	bool keep;                  /* made by `net create`: stays when empty */
	bool has6;                  /* dual stack: ipv6= */
	struct cfs_cidr6 subnet6;   /* addr is the network address */
	uint32_t vni;               /* multi-host (vxlan=VNI REMOTE LOCAL): 0 none */
	uint32_t remote, local;     /* underlay addresses of the two hosts */
	size_t nleases;
	struct cfs_lease *leases;   /* one per member container */
};

struct cfs_host {
	bool saved;                 /* false: no cfsnet network exists */
	int ip_forward;             /* value before the first network */
	bool saved6;                /* false: no dual-stack network exists */
	int ip6_forward;            /* all.forwarding before the first one */
};

struct cfs_state {
	char dir[256];
	int lockfd;
};

/* Creates the directories if needed and takes the lock (blocking; the
 * kernel drops a dead process's flock, so a stale lock cannot exist). */
int cfs_state_open(struct cfs_state *st, const char *dir, bool lock,
		   cfs_error_t *err);
void cfs_state_close(struct cfs_state *st);
/* Removes the empty state directories (call with the lock held), so a host
 * with no container and no network keeps nothing of cfsnet's but the lock. */
void cfs_state_prune(const struct cfs_state *st);

int cfs_container_load(struct cfs_state *st, const char *name,
		       struct cfs_container *c, cfs_error_t *err);
int cfs_container_save(struct cfs_state *st, const struct cfs_container *c,
		       cfs_error_t *err);
int cfs_container_remove(struct cfs_state *st, const char *name,
			 cfs_error_t *err);
/* Names of all containers, sorted; free with cfs_names_free. */
int cfs_container_names(struct cfs_state *st, char ***names, size_t *n,
			cfs_error_t *err);
void cfs_names_free(char **names, size_t n);

int cfs_network_load(struct cfs_state *st, const char *name,
		     struct cfs_network *net, cfs_error_t *err);
int cfs_network_save(struct cfs_state *st, const struct cfs_network *net,
		     cfs_error_t *err);
int cfs_network_remove(struct cfs_state *st, const char *name,
		       cfs_error_t *err);
/* All networks; free with cfs_networks_free. */
int cfs_network_load_all(struct cfs_state *st, struct cfs_network **nets,
			 size_t *n, cfs_error_t *err);
void cfs_network_free(struct cfs_network *net);
void cfs_networks_free(struct cfs_network *nets, size_t n);
int cfs_network_add_lease(struct cfs_network *net, uint32_t addr,
			  const char *name, cfs_error_t *err);
void cfs_network_del_lease(struct cfs_network *net, const char *name);
/* A deep copy (leases included). */
int cfs_network_copy(struct cfs_network *dst, const struct cfs_network *src,
		     cfs_error_t *err);

int cfs_host_load(struct cfs_state *st, struct cfs_host *h, cfs_error_t *err);
int cfs_host_save(struct cfs_state *st, const struct cfs_host *h,
		  cfs_error_t *err);

/* Serialisation, pure (unit-tested): "key=value" lines. format returns the
 * length written (excluding NUL), or -1 if buf is too small; parse fails
 * on a missing or malformed key, naming it. */
int cfs_container_format(const struct cfs_container *c, char *buf, size_t len);
int cfs_container_parse(const char *text, struct cfs_container *c,
			cfs_error_t *err);
/* *out is malloc'd. */
struct cfs_buf;
/* Appends "PREFIX<addr>SEP<name>\n" for lease l, in place: the state file
 * ("lease=", ' ') and the hosts files ("", '\t') write one per member of
 * a network on every `up`. */
void cfs_lease_line(struct cfs_buf *b, const char *prefix,
		    const struct cfs_lease *l, char sep);
int cfs_network_format(const struct cfs_network *net, char **out,
		       cfs_error_t *err);
int cfs_network_parse(const char *text, struct cfs_network *net,
		      cfs_error_t *err);

const char *cfs_mode_name(enum cfs_mode m);

#endif

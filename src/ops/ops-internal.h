/* ops-internal.h - what the operations share: the undo stack, fault
 * injection for the tests, and the steps that make or remove a network
 * (used by up, connect, net create, down, disconnect, net rm). */
#ifndef CFS_OPS_INTERNAL_H
#define CFS_OPS_INTERNAL_H

#include "ops.h"

/* Undo actions of a multi-step operation, run in reverse on failure. */
struct cfs_undo {
	struct {
		void (*fn)(void *arg);
		void *arg;
	} step[16];
	size_t n;
};

void cfs_undo_push(struct cfs_undo *u, void (*fn)(void *), void *arg);
void cfs_undo_run(struct cfs_undo *u);

/* Test builds only (-DCFS_FAULT_INJECTION): fails when CFSNET_FAULT names
 * step, so the tests can prove each rollback. Always 0 otherwise. */
int cfs_fault(const char *step, cfs_error_t *err);
/* Test builds only: SIGKILLs the process when CFSNET_FAULT_KILL names step
 * (cfs_fault does the same for its steps), so the gc stress test can
 * crash a command at each named point. */
void cfs_crash_point(const char *step);

/* A network being joined or made, with what it takes to undo that. */
struct net_ctx {
	struct cfs_state *st;
	struct cfs_network *nets;   /* every network, as loaded */
	size_t nnets;
	struct cfs_network *old;    /* the chosen network as it was, or NULL */
	struct cfs_network net;     /* the chosen network as it will be */
	struct cfs_host host;
	struct cfs_nl *nl;          /* host side */
	int bridge_idx;             /* its bridge, once it exists */
	struct cfs_undo *undo;
	const struct cfs_container *with; /* a container being made (not yet in
					   * the state) whose ports the rules
					   * include; may be NULL */
};

/* Makes c->net exist in the kernel if it is new (bridge with the gateway
 * address, ip_forward on with the old value kept, firewall rules), each
 * step registering its undo; for an existing bridge network, looks up the
 * bridge. Fault steps: bridge, ip-forward, firewall. */
int cfs_net_realize(struct net_ctx *c, cfs_error_t *err);

/* The auto network for a subnet: "default" for 10.0.0.0/24, else
 * "A.B.C.D-P". */
void cfs_net_auto_name(const struct cfs_cidr *subnet, char *out, size_t len);
/* Lowest cfsbrN that no network uses and the kernel does not have. */
int cfs_net_free_bridge(struct cfs_nl *nl, const struct cfs_network *nets,
			size_t n, char out[IFNAMSIZ], cfs_error_t *err);

/* Picks (want NULL: the lowest free, or with first_host the first host
 * address) or checks (want: not taken) an address of net for container
 * name, and records the lease in net. */
int cfs_net_lease(struct cfs_network *net, const char *name,
		  const struct cfs_cidr *want, bool first_host,
		  struct cfs_cidr *out, cfs_error_t *err);

/* Rules for nets[0..n) plus extra (may be NULL), and the ports the
 * containers in st (and with, may be NULL) publish on those networks. */
int cfs_fw_sync_nets(struct cfs_state *st, const struct cfs_network *nets,
		     size_t n, const struct cfs_network *extra,
		     const struct cfs_container *with, cfs_error_t *err);
/* Whether cfs_fw_sync_nets(st, nets, n, NULL, NULL) would change the
 * IPv4 tables (commits nothing). */
int cfs_fw_diff_nets(struct cfs_state *st, const struct cfs_network *nets,
		     size_t n, bool *differs, cfs_error_t *err);

/* ---- resolv.conf and hosts (dns.c) ---- */

/* /etc/netns/NAME/resolv.conf (the host's upstream servers), and hosts for
 * every member of ct's network (ct, its lease and state saved first). net,
 * if not NULL, is that network as just saved (not read back again). */
int cfs_dns_add(struct cfs_state *st, const struct cfs_container *ct,
		const struct cfs_network *net, cfs_error_t *err);
/* Rewrites the hosts file of every member of network netname (except
 * skip, which also goes unnamed; may be NULL): the members of each of its
 * networks. A network that does not exist is nothing to do. changed (may
 * be NULL) names the one member whose membership just changed: when it is
 * the only one not sharing the network's file, only it is visited. */
int cfs_dns_sync_net(struct cfs_state *st, const char *netname,
		     const char *skip, const char *changed, cfs_error_t *err);
/* Removes /etc/netns/NAME (and /etc/netns when cfsnet made it and it is
 * empty now). */
int cfs_dns_remove(const char *name, cfs_error_t *err);

/* ---- published ports (publish.c) ---- */

/* The ports published by the containers in st (except skip, may be NULL)
 * and by with (may be NULL: one not in st yet) whose network is among
 * nets[0..n) or extra; *out is malloc'd (NULL when there are none). */
int cfs_ports_collect(struct cfs_state *st, const struct cfs_network *nets,
		      size_t n, const struct cfs_network *extra,
		      const struct cfs_container *with, const char *skip,
		      struct cfs_fw_port **out, size_t *np, cfs_error_t *err);
/* Syncs the rules with every network and port in st, except container
 * skip's ports (may be NULL). */
int cfs_fw_sync_state(struct cfs_state *st, const char *skip, cfs_error_t *err);
/* Refuses ports that container name cannot publish: the same one twice,
 * one another container publishes, one a socket of the host holds. */
int cfs_ports_check_free(struct cfs_state *st, const char *name,
			 const struct cfs_port *ports, size_t n,
			 cfs_error_t *err);

/* Removes a network that has no members: its bridge, its state, its rules
 * (the chains with the last network), and restores ip_forward after the
 * last network. */
int cfs_net_remove(struct cfs_state *st, struct cfs_network *net,
		   cfs_error_t *err);

/* Drops container name's lease from network netname; removes the network
 * when that was its last member and it was not made by `net create`. */
int cfs_net_leave(struct cfs_state *st, const char *netname, const char *name,
		  cfs_error_t *err);

/* A veth whose peer is born in nsfd, host end up (on master when not 0),
 * neither end with an IPv6 link-local address; replaces a stale host end
 * left by a namespace the kernel has not finished removing. *peer_ifindex
 * (when not NULL): the peer's ifindex if the kernel echoed it, else 0. */
int cfs_veth_into(struct cfs_nl *nl, int nsfd, const char *host_veth,
		  const char *peer, unsigned mtu, int master, int *peer_ifindex,
		  cfs_error_t *err);
/* Inside a container (socket in): ifname (ifindex, or 0: looked up) up
 * with address ip, a default route via gateway (0: none), lo up if lo. */
int cfs_config_inside(struct cfs_nl *in, const char *ifname, int ifindex,
		      const struct cfs_cidr *ip, uint32_t gateway, bool lo,
		      unsigned mtu, cfs_error_t *err);

/* A link with an MTU below 1280 has no IPv6 at all, so there is no IPv6
 * address generation to turn off (the kernel refuses the request). */
static inline bool cfs_ipv6_capable_mtu(unsigned mtu)
{
	return mtu == 0 || mtu >= 1280;
}

/* ---- worlds (world.c) ---- */

/* A sandbox (or a test world) writes its id here, in its private /run. */
#define CFS_WORLD_FILE "/run/.cfsnet-sandbox/id"
#define CFS_WORLD_ID_MAX 32
#define CFS_CT_CGROUP_MAX 64  /* NAME (15) + '@' + id (32) + NUL fits */

bool cfs_world_id_valid(const char *id);
/* The cgroup of container name in this world: NAME on the host, NAME@ID
 * inside a sandbox (cgroups are one tree for the whole machine). */
int cfs_ct_cgroup_name(const char *name, char out[CFS_CT_CGROUP_MAX],
		       cfs_error_t *err);
/* Whether the group cgname (under cfsnet/) belongs to a container of this
 * world; if so, *name (len bytes) gets the container's name. */
bool cfs_world_cgroup_owner(const char *cgname, char *name, size_t len);
int cfs_ct_cg_open(const char *name, struct cfs_cgroup **out, cfs_error_t *err);
int cfs_ct_cg_create(const char *name, const struct cfs_cg_limits *lim,
		     struct cfs_cgroup **out, cfs_error_t *err);
/* Kills and removes every container cgroup of world id (NAME@id): what a
 * sandbox that has ended leaves. */
int cfs_world_cgroups_remove(const char *id, cfs_error_t *err);

/* ---- dual stack (ipv6.c) ---- */
int cfs_net_check_overlap6(const struct cfs_cidr6 *p, const struct cfs_network *nets,
			   size_t n, const char *self, cfs_error_t *err);
/* After cfs_net_lease: gives container name an IPv6 address of net (want,
 * or the lowest free), when net is dual stack or is_new and want gives it
 * its prefix. *has6 false: the network has no IPv6. */
int cfs_net_lease6(struct cfs_network *net, bool is_new,
		   const struct cfs_network *nets, size_t n, const char *name,
		   const struct cfs_cidr6 *want, struct cfs_cidr6 *out,
		   bool *has6, cfs_error_t *err);
/* The network's IPv6 gateway on the link ifindex (no-op without IPv6). */
int cfs_gateway6_on(struct cfs_nl *nl, int ifindex, const char *ifname,
		    const struct cfs_network *net, cfs_error_t *err);
/* Inside: ip6 on ifname (no DAD), ::/0 via gw6 (NULL: no route). */
int cfs_config_inside6(struct cfs_nl *in, const char *ifname,
		       const struct cfs_cidr6 *ip6, const struct in6_addr *gw6,
		       cfs_error_t *err);
/* net.ipv6.conf.all.forwarding on for the first dual-stack network (the
 * old value saved in the host state, undo registered); put back by
 * after_removal when none is left. */
int cfs_forward6_step(struct net_ctx *c, cfs_error_t *err);
int cfs_forward6_after_removal(struct cfs_state *st, const struct cfs_network *nets,
			       size_t n, cfs_error_t *err);

/* ---- multi-host networks (vxlan.c) ---- */
/* This host's half of a VXLAN network's IPv6 prefix (the prefix itself
 * for other networks), and its IPv6 gateway there (the half's ::1). */
void cfs_vxlan_half6(const struct cfs_network *net, struct cfs_cidr6 *half);
struct in6_addr cfs_net_gateway6(const struct cfs_network *net);
/* The share of net's addresses this host hands out. */
void cfs_vxlan_range(const struct cfs_network *net, uint32_t *lo, uint32_t *hi);
/* The VXLAN device of net: "cfsvx" + VNI. */
void cfs_vxlan_ifname(const struct cfs_network *net, char out[IFNAMSIZ]);
/* For `net create --vxlan`: finds the underlay (route to the remote), sets
 * net's local address and MTU (underlay - 50, or mtu if it fits). */
int cfs_vxlan_plan(struct cfs_nl *nl, struct cfs_network *net, unsigned mtu,
		   const struct cfs_network *nets, size_t n, cfs_error_t *err);
/* Creates the VXLAN device on net's bridge (undo registered). */
int cfs_vxlan_step(struct net_ctx *c, cfs_error_t *err);
/* cfs_net_lease for a VXLAN network: this host's share only. */
int cfs_vxlan_lease(struct cfs_network *net, const char *name,
		    const struct cfs_cidr *want, struct cfs_cidr *out,
		    cfs_error_t *err);
/* Deletes it (gone already is fine). */
int cfs_vxlan_remove(struct cfs_nl *nl, const struct cfs_network *net,
		     cfs_error_t *err);
/* The pending record (gc.c): `up` names the namespace it has just made
 * before it is recorded in the state, so gc can tell it from somebody
 * else's after a crash. Call with the lock held. */
int cfs_pending_set(struct cfs_state *st, const char *name, cfs_error_t *err);
void cfs_pending_clear(struct cfs_state *st);

/* check.c: compares c with the kernel and, with fix, repairs (lock held).
 * rep may be NULL. */
int cfs_check_locked(struct cfs_state *st, const struct cfs_container *c,
		     bool fix, struct cfs_report *rep, cfs_error_t *err);

/* Interface names of a container's further networks. */
void cfs_attach_host_veth(const char *name, unsigned k, char out[IFNAMSIZ]);

#endif

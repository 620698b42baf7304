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

/* Rules for nets[0..n) plus extra (may be NULL). */
int cfs_fw_sync_nets(const struct cfs_network *nets, size_t n,
		     const struct cfs_network *extra, cfs_error_t *err);

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
 * left by a namespace the kernel has not finished removing. */
int cfs_veth_into(struct cfs_nl *nl, int nsfd, const char *host_veth,
		  const char *peer, unsigned mtu, int master, cfs_error_t *err);
/* Inside a container (socket in): ifname up with address ip, a default
 * route via gateway (0: none), lo up if lo. */
int cfs_config_inside(struct cfs_nl *in, const char *ifname,
		      const struct cfs_cidr *ip, uint32_t gateway, bool lo,
		      unsigned mtu, cfs_error_t *err);

/* A link with an MTU below 1280 has no IPv6 at all, so there is no IPv6
 * address generation to turn off (the kernel refuses the request). */
static inline bool cfs_ipv6_capable_mtu(unsigned mtu)
{
	return mtu == 0 || mtu >= 1280;
}

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

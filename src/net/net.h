/* net.h - cfsnet's network layer: IPv4 parsing and IPAM, rtnetlink over
 * libmnl (links, veths, bridges, addresses, routes), the read side over
 * libnl-route-3, NAT and forwarding rules over libiptc, and ip_forward.
 * Nothing here prints; every fallible call fills a cfs_error_t. */
#ifndef CFS_NET_H
#define CFS_NET_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"

/* ---- IPv4 addresses (host byte order) -------------------------------- */

struct cfs_cidr {
	uint32_t addr;   /* an address inside the subnet (not masked) */
	unsigned prefix; /* 0..32 */
};

#define CFS_IP4_STRLEN 16 /* "255.255.255.255" + NUL */
#define CFS_CIDR_STRLEN 19 /* + "/32" */

/* Strict dotted quad: four decimal octets 0..255, no leading '+', no
 * spaces, no trailing garbage. Returns 0 or -1 (no error object: callers
 * word the message). */
int cfs_ip4_parse(const char *s, uint32_t *out);
/* The dotted quad at the start of s: returns where it ends (the caller
 * judges what follows), or NULL. */
const char *cfs_ip4_scan(const char *s, uint32_t *out);
/* "A.B.C.D/P" with P 0..32. Returns 0 or -1. */
int cfs_cidr_parse(const char *s, struct cfs_cidr *out);
void cfs_ip4_format(uint32_t addr, char buf[CFS_IP4_STRLEN]);
void cfs_cidr_format(const struct cfs_cidr *c, char buf[CFS_CIDR_STRLEN]);

uint32_t cfs_cidr_mask(unsigned prefix);
uint32_t cfs_cidr_network(const struct cfs_cidr *c);
uint32_t cfs_cidr_broadcast(const struct cfs_cidr *c);
/* The gateway of a subnet: its first host address. */
uint32_t cfs_cidr_gateway(const struct cfs_cidr *c);
bool cfs_cidr_contains(const struct cfs_cidr *c, uint32_t addr);
bool cfs_cidr_overlaps(const struct cfs_cidr *a, const struct cfs_cidr *b);

/* IPAM: the lowest host address of subnet that is neither the gateway nor
 * in used[0..n). Returns 0, or -1 when the subnet is full. */
int cfs_ipam_lowest_free(const struct cfs_cidr *subnet, const uint32_t *used,
			 size_t n, uint32_t *out);

/* ---- IPv6 addresses (addr6.c) ------------------------------------------ */

struct cfs_cidr6 {
	struct in6_addr addr; /* an address inside the prefix (not masked) */
	unsigned prefix;      /* 0..128 */
};

#define CFS_IP6_STRLEN 46   /* INET6_ADDRSTRLEN */
#define CFS_CIDR6_STRLEN 50 /* + "/128" */

/* inet_pton's IPv6 syntax. Returns 0 or -1. */
int cfs_ip6_parse(const char *s, struct in6_addr *out);
/* "ADDR/P" with P 0..128. Returns 0 or -1. */
int cfs_cidr6_parse(const char *s, struct cfs_cidr6 *out);
void cfs_ip6_format(const struct in6_addr *addr, char buf[CFS_IP6_STRLEN]);
void cfs_cidr6_format(const struct cfs_cidr6 *c, char buf[CFS_CIDR6_STRLEN]);
struct in6_addr cfs_cidr6_network(const struct cfs_cidr6 *c);
/* The gateway of a prefix: its first address after the network's (::1). */
struct in6_addr cfs_cidr6_gateway(const struct cfs_cidr6 *c);
bool cfs_cidr6_contains(const struct cfs_cidr6 *c, const struct in6_addr *a);
bool cfs_cidr6_overlaps(const struct cfs_cidr6 *a, const struct cfs_cidr6 *b);
bool cfs_ip6_equal(const struct in6_addr *a, const struct in6_addr *b);
/* The lowest address of subnet from ::2 on that is not in used[0..n).
 * Returns 0, or -1 when the prefix is full. */
int cfs_ipam6_lowest_free(const struct cfs_cidr6 *subnet,
			  const struct in6_addr *used, size_t n,
			  struct in6_addr *out);

/* The host end of a container's veth: "cfs-" + name when that fits in 15
 * characters, else "cfs-" + the first 6 characters + 5 hex digits of a hash
 * of the whole name. */
void cfs_host_veth_name(const char *container, char out[IFNAMSIZ]);

/* ---- rtnetlink over libmnl ------------------------------------------- */

/* A NETLINK_ROUTE socket bound in one network namespace, with a batch of
 * queued requests. Requests are queued with cfs_nl_queue_* and sent
 * together by cfs_nl_flush(), which checks every ack. */
struct cfs_nl;

/* A socket in the caller's network namespace. */
int cfs_nl_open(struct cfs_nl **out, cfs_error_t *err);
/* A socket inside the namespace nsfd refers to (opened in a short-lived
 * thread, so the caller never changes namespace). */
int cfs_nl_open_in(int nsfd, struct cfs_nl **out, cfs_error_t *err);
/* The callback for cfs_netns_create_run: opens o->nl in the calling
 * thread's namespace, failing into o->err. */
struct cfs_nl_open_arg {
	struct cfs_nl *nl;
	cfs_error_t *err;
};
int cfs_nl_open_cb(void *arg);
void cfs_nl_close(struct cfs_nl *nl);
static inline void cfs_nl_closep(struct cfs_nl **nl)
{
	if (*nl)
		cfs_nl_close(*nl);
}
#define cleanup_nl __attribute__((cleanup(cfs_nl_closep)))

/* Sends every queued request in one write and reads all acks. The first
 * failure is reported as "<what>: <strerror>" plus the kernel's
 * extended-ack text. Requests queued with CFS_NL_MISSING_OK treat
 * ENODEV/ENOENT/ESRCH/EADDRNOTAVAIL as success. The queue is empty after. */
int cfs_nl_flush(struct cfs_nl *nl, cfs_error_t *err);

/* Looks a link up by name (one round trip; flushes nothing). Fails with
 * errnum ENODEV when it does not exist. */
int cfs_nl_link_index(struct cfs_nl *nl, const char *name, int *ifindex,
		      cfs_error_t *err);
/* The same, also returning the link's alias (IFLA_IFALIAS, "" if none). */
int cfs_nl_link_query(struct cfs_nl *nl, const char *name, int *ifindex,
		      char *alias, size_t aliaslen, cfs_error_t *err);

/* The alias cfsnet gives the links it makes: a link of one of cfsnet's
 * names without it is somebody else's and is never deleted. */
#define CFS_LINK_ALIAS "cfsnet"

enum { CFS_NL_MISSING_OK = 1 };

struct cfs_veth_spec {
	const char *name;    /* host end */
	const char *peer;    /* the other end */
	int peer_nsfd;       /* namespace the peer is born in, -1 = same */
	unsigned mtu;        /* both ends; 0 = kernel default */
	int master;          /* ifindex of a bridge for the host end, 0 = none */
	bool up;             /* host end administratively up */
	int *peer_ifindex;   /* non-NULL: the peer's ifindex, from the kernel's
			      * echo of the request; 0 when it sends none */
};

struct cfs_link_set {
	int ifindex;
	const char *ifname;  /* selects the link when ifindex is 0 */
	bool up;             /* set IFF_UP */
	unsigned mtu;        /* 0 = unchanged */
	int master;          /* 0 = unchanged */
	bool no_ipv6_ll;     /* IFLA_INET6_ADDR_GEN_MODE = NONE */
	const char *alias;   /* IFLA_IFALIAS; NULL = unchanged */
};

/* Message builders: pure functions writing one request into buf (size
 * len), used by the queue functions and by the unit tests. They return the
 * message, or NULL when buf is too small. Flags are
 * NLM_F_REQUEST|NLM_F_ACK (+ CREATE|EXCL for creations); seq is 0. */
struct nlmsghdr *cfs_msg_veth(void *buf, size_t len,
			      const struct cfs_veth_spec *spec);
/* mac: the bridge's own address (NULL: the kernel's choice) */
struct nlmsghdr *cfs_msg_bridge(void *buf, size_t len, const char *name,
				unsigned mtu, const uint8_t *mac, bool up);
struct nlmsghdr *cfs_msg_link_set(void *buf, size_t len,
				  const struct cfs_link_set *set);
struct nlmsghdr *cfs_msg_link_del(void *buf, size_t len, const char *name);
struct nlmsghdr *cfs_msg_addr4(void *buf, size_t len, int ifindex,
			       const struct cfs_cidr *addr);
/* A route to dst/prefix (prefix 0: default) via gw (0: directly on oif). */
struct nlmsghdr *cfs_msg_route4(void *buf, size_t len, uint32_t dst,
				unsigned prefix, uint32_t gw, int oif);

/* Hairpin mode of bridge port ifindex (frames may leave by the port they
 * came in: a container reaching its own published port through the host,
 * where bridge netfilter turns the DNAT into a bridged frame). */
struct nlmsghdr *cfs_msg_brport_hairpin(void *buf, size_t len, int ifindex,
					bool on);
int cfs_nl_queue_brport_hairpin(struct cfs_nl *nl, int ifindex,
				const char *ifname, bool on, cfs_error_t *err);

/* Deletes the route to dst/prefix (via gw when not 0). */
struct nlmsghdr *cfs_msg_route4_del(void *buf, size_t len, uint32_t dst,
				    unsigned prefix, uint32_t gw);

/* IPv6 (dual-stack networks): an address with IFA_F_NODAD (usable at
 * once), and a default route ::/0 via gw. */
struct nlmsghdr *cfs_msg_addr6(void *buf, size_t len, int ifindex,
			       const struct cfs_cidr6 *addr);
struct nlmsghdr *cfs_msg_route6_default(void *buf, size_t len,
					const struct in6_addr *gw, int oif);

/* A VXLAN device (multi-host networks). */
#define CFS_VXLAN_PORT 4789
#define CFS_VXLAN_OVERHEAD 50  /* outer IPv4 + UDP + VXLAN + inner Ethernet */
#define CFS_VXLAN_VNI_MAX 16777215u
struct cfs_vxlan_spec {
	const char *name;
	uint32_t vni;        /* 1..16777215 */
	uint32_t remote;     /* the other host's underlay address */
	uint32_t local;      /* our underlay address, 0 = the kernel picks */
	uint16_t port;       /* UDP destination port */
	unsigned mtu;        /* 0 = kernel default */
	int master;          /* bridge ifindex, 0 = none */
};
/* kind "vxlan": IFLA_VXLAN_ID, _GROUP (the remote), _LOCAL, _PORT and
 * _LEARNING on. Created down. */
struct nlmsghdr *cfs_msg_vxlan(void *buf, size_t len,
			       const struct cfs_vxlan_spec *spec);

/* Queue a request (sent by cfs_nl_flush). */
int cfs_nl_queue_veth(struct cfs_nl *nl, const struct cfs_veth_spec *spec,
		      cfs_error_t *err);
/* The bridge is created down: set what must precede IFF_UP (no IPv6
 * link-local) first, then bring it up with cfs_nl_queue_link_set. It gets
 * a random, locally administered address of its own, which it keeps: a
 * bridge left to choose takes its lowest port's, so its address (the
 * containers' gateway) would change as containers come and go, and the
 * kernel would rescan every port on each join to choose again. */
int cfs_nl_queue_bridge(struct cfs_nl *nl, const char *name, unsigned mtu,
			cfs_error_t *err);
int cfs_nl_queue_link_set(struct cfs_nl *nl, const struct cfs_link_set *set,
			  const char *what, cfs_error_t *err);
int cfs_nl_queue_link_del(struct cfs_nl *nl, const char *name, int flags,
			  cfs_error_t *err);
int cfs_nl_queue_addr4(struct cfs_nl *nl, int ifindex, const char *ifname,
		       const struct cfs_cidr *addr, cfs_error_t *err);
int cfs_nl_queue_route4(struct cfs_nl *nl, uint32_t dst, unsigned prefix,
			uint32_t gw, int oif, cfs_error_t *err);
int cfs_nl_queue_route4_del(struct cfs_nl *nl, uint32_t dst, unsigned prefix,
			    uint32_t gw, int flags, cfs_error_t *err);

int cfs_nl_queue_addr6(struct cfs_nl *nl, int ifindex, const char *ifname,
		       const struct cfs_cidr6 *addr, cfs_error_t *err);
int cfs_nl_queue_route6_default(struct cfs_nl *nl, const struct in6_addr *gw,
				int oif, cfs_error_t *err);
int cfs_nl_queue_vxlan(struct cfs_nl *nl, const struct cfs_vxlan_spec *spec,
		       cfs_error_t *err);
/* The kernel's route to IPv4 dst (RTM_GETROUTE): the output link, its MTU
 * and the source address it would use. */
int cfs_nl_route_get4(struct cfs_nl *nl, uint32_t dst, int *oif,
		      unsigned *mtu, uint32_t *src, cfs_error_t *err);

/* Deletes every IPv4 neighbour entry (not permanent ones) of the caller's
 * network namespace (neigh.c). */
int cfs_neigh_flush4(cfs_error_t *err);

/* ---- the read side, over libnl-route-3 ------------------------------- */

struct cfs_link_info {
	bool found;
	char ifname[IFNAMSIZ];
	int ifindex;
	char mac[18];          /* "aa:bb:cc:dd:ee:ff" */
	unsigned mtu;
	char state[16];        /* operstate: "up", "down", "lowerlayerdown", ... */
	bool admin_up;         /* IFF_UP */
	char master[IFNAMSIZ]; /* bridge it is enslaved to, "" if none */
	char addr4[CFS_CIDR_STRLEN]; /* first IPv4 address, "" if none */
};

/* What the kernel has for one container: its interface inside the
 * namespace nsfd, its default gateway there, and its host-side veth in the
 * caller's namespace. */
struct cfs_ct_info {
	struct cfs_link_info inside; /* interface in the container */
	char gateway[CFS_IP4_STRLEN]; /* default route's gateway, "" if none */
	struct cfs_link_info host;   /* host end of the veth */
};

/* Reads one container's links, addresses and default route (link, address
 * and route caches inside nsfd; a link cache on the host side, which the
 * caller may pass in host_cache to share it between containers: an opaque
 * struct nl_cache *, NULL to build one). A link that does not exist is
 * reported with found = false, not as an error. */
int cfs_ct_info_read(int nsfd, const char *ifname, const char *host_veth,
		     void *host_cache, struct cfs_ct_info *out,
		     cfs_error_t *err);
/* A host-side link cache for cfs_ct_info_read, freed with
 * cfs_host_cache_free. */
int cfs_host_cache_new(void **cache, cfs_error_t *err);
void cfs_host_cache_free(void *cache);

/* ---- NAT and forwarding rules over libiptc ---------------------------- */

#define CFS_FW_CHAIN_NAT "CFSNET-POSTROUTING"
#define CFS_FW_CHAIN_FWD "CFSNET-FORWARD"
#define CFS_FW_CHAIN_PRE "CFSNET-PREROUTING"
#define CFS_FW_CHAIN_OUT "CFSNET-OUTPUT"

struct cfs_fw_net {
	char name[64];          /* network name, in each rule's comment */
	struct cfs_cidr subnet;
	char ifname[IFNAMSIZ];  /* the bridge, or the host veth (no bridge) */
	bool internal;          /* no NAT, no way in or out */
	bool has6;              /* dual stack: the same rules for IPv6 */
	struct cfs_cidr6 subnet6;
};

/* Makes cfsnet's chains hold exactly the rules for these networks:
 *   nat    CFSNET-POSTROUTING: -s SUBNET ! -o IF -j MASQUERADE   (not internal)
 *   filter CFSNET-FORWARD, first for every network (isolation):
 *                              -i IF -o IF -j ACCEPT
 *                              -i IF -o cfs+ -j DROP  (no forwarding between
 *                                                      cfsnet networks)
 *                          then per network, not internal:
 *                              -i IF -j ACCEPT
 *                              -o IF -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
 *                          or internal:
 *                              -i IF -j DROP
 *                              -o IF -j DROP
 * each with the comment "cfsnet:NAME", and the jumps from POSTROUTING and
 * FORWARD at their top. With n == 0 the jumps and chains are removed.
 * Each table is committed once, and only if it changed. */
int cfs_fw_sync(const struct cfs_fw_net *nets, size_t n, cfs_error_t *err);
/* How many legacy tables this process has committed so far (0: cfsnet's
 * rules were already as wanted, nothing was written). */
unsigned cfs_fw_commits(void);
/* Reads the tables like cfs_fw_sync and tells whether it would change
 * anything (a rule missing, one too many, a jump gone); commits nothing. */
int cfs_fw_diff(const struct cfs_fw_net *nets, size_t n, bool *differs,
		cfs_error_t *err);

/* Which iptables back end the host's own rules live in (fwbackend.c). cfsnet
 * writes the legacy tables only; nft_only is true when the host's filter
 * or nat rules are in nftables (an `ip` family table with rules) while the
 * legacy tables hold no rule but cfsnet's: `iptables` (iptables-nft) then
 * shows none of cfsnet's rules. */
struct cfs_fw_backend {
	bool legacy_loaded;   /* /proc/net/ip_tables_names lists a table */
	bool legacy_rules;    /* a legacy filter or nat rule that is not cfsnet's */
	unsigned nft_rules;   /* rules in nftables tables of family ip/inet */
	bool nft_only;
};
int cfs_fw_backend_probe(struct cfs_fw_backend *b, cfs_error_t *err);

/* The IPv4 unicast routes of the main table inside the namespace nsfd
 * (routes.c): destination (network address), prefix, first gateway (0:
 * none). *out is malloc'd. */
struct cfs_route4 {
	uint32_t dst;
	unsigned prefix;
	uint32_t gw;
};
int cfs_routes4_read(int nsfd, struct cfs_route4 **out, size_t *n,
		     cfs_error_t *err);

/* ---- links ----------------------------------------------------------- */

struct cfs_host_link {
	char name[IFNAMSIZ];
	char alias[64];       /* IFLA_IFALIAS, "" if none */
	bool bridge;
};
/* Every link of the caller's namespace; *out is malloc'd. */
int cfs_host_links(struct cfs_host_link **out, size_t *n, cfs_error_t *err);

/* The same through libip6tc for the networks with has6 set (the others
 * are skipped): the same two chains in ip6tables' nat and filter tables,
 * the same rules with subnet6 as the MASQUERADE source (NAT66), one
 * commit per table and only on change; no dual-stack network: no chains. */
int cfs_fw6_sync(const struct cfs_fw_net *nets, size_t n, cfs_error_t *err);
/* A published port: HOST_PORT on every local address of the host goes to
 * the container's addr:port. */
struct cfs_fw_port {
	char name[64];          /* the container, in each rule's comment */
	int proto;              /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t host_port;
	uint16_t port;          /* in the container */
	uint32_t addr;          /* the container's address */
	struct cfs_cidr subnet; /* its network's subnet */
	char ifname[IFNAMSIZ];  /* its network's bridge (or host veth) */
};

/* cfs_fw_sync() plus the rules of published ports, per port:
 *   nat    CFSNET-PREROUTING (from PREROUTING), CFSNET-OUTPUT (from OUTPUT,
 *          with ! -d 127.0.0.0/8 added):
 *              -p P -m addrtype --dst-type LOCAL --dport HOST_PORT
 *              -j DNAT --to-destination ADDR:PORT
 *          CFSNET-POSTROUTING, before the masquerades (hairpin):
 *              -s SUBNET -d ADDR -o IF -p P --dport PORT
 *              -m conntrack --ctstate DNAT -j MASQUERADE
 *   filter CFSNET-FORWARD, before the isolation rules:
 *              -d ADDR -o IF -p P --dport PORT -m conntrack --ctstate DNAT -j ACCEPT
 *              -s ADDR -i IF -p P --sport PORT -m conntrack --ctstate DNAT -j ACCEPT
 * CFSNET-PREROUTING and CFSNET-OUTPUT exist only while a port is published. */
int cfs_fw_sync_ports(const struct cfs_fw_net *nets, size_t n,
		      const struct cfs_fw_port *ports, size_t np,
		      cfs_error_t *err);
/* cfs_fw_diff() with the rules of published ports. */
int cfs_fw_diff_ports(const struct cfs_fw_net *nets, size_t n,
		      const struct cfs_fw_port *ports, size_t np, bool *differs,
		      cfs_error_t *err);

/* ---- traffic shaping (qdisc.c) ------------------------------------------ */

/* tc's rate syntax: a decimal number and a unit, bit kbit mbit gbit tbit
 * (powers of 1000, bits per second), kibit mibit gibit (of 1024), bps kbps
 * mbps gbps tbps kibps mibps gibps (bytes per second); a bare number is
 * bits per second. Case does not matter. Returns 0 or -1 (callers word the
 * message); at least 1 byte per second. */
int cfs_rate_parse(const char *s, uint64_t *bytes_per_s);
/* A size in bytes: a number with b, k/kb/kib, m/mb/mib, g/gb/gib (powers
 * of 1024) or nothing; 1 .. 4 GiB - 1. Returns 0 or -1. */
int cfs_size_parse(const char *s, uint32_t *bytes);
/* "10mbit", "1500kbit", "12bit": the largest unit that divides. */
void cfs_rate_format(uint64_t bytes_per_s, char *buf, size_t len);

#define CFS_TBF_HANDLE 0x00010000u /* 1: */
#define CFS_TBF_MIN_BURST 4096u
/* The bucket when none is given: 10 ms at the rate, at least 4 KiB. */
uint32_t cfs_tbf_default_burst(uint64_t bytes_per_s);

/* RTM_NEWQDISC (CREATE|REPLACE): a root tbf with handle 1: on ifindex,
 * rate in bytes per second, a bucket of burst bytes, a queue of 50 ms at
 * the rate plus the bucket. NULL when buf is too small or rate or burst is
 * 0. */
struct nlmsghdr *cfs_msg_qdisc_tbf(void *buf, size_t len, int ifindex,
				   uint64_t rate, uint32_t burst);
/* RTM_DELQDISC of ifindex's root qdisc (the default comes back). */
struct nlmsghdr *cfs_msg_qdisc_del(void *buf, size_t len, int ifindex);
int cfs_nl_queue_qdisc_tbf(struct cfs_nl *nl, int ifindex, const char *ifname,
			   uint64_t rate, uint32_t burst, cfs_error_t *err);
/* With CFS_NL_MISSING_OK, no root qdisc of ours (ENOENT) is success. */
int cfs_nl_queue_qdisc_del(struct cfs_nl *nl, int ifindex, const char *ifname,
			   int flags, cfs_error_t *err);
/* Does this kernel have sch_netem (loaded, built in, or a module)? */
bool cfs_netem_available(void);

/* ---- sysctl ------------------------------------------------------------ */

int cfs_ip_forward_get(int *value, cfs_error_t *err);
int cfs_ip_forward_set(int value, cfs_error_t *err);
/* net.ipv6.conf.all.forwarding */
int cfs_ip6_forward_get(int *value, cfs_error_t *err);
int cfs_ip6_forward_set(int value, cfs_error_t *err);
/* net.ipv6.conf.IFNAME.disable_ipv6 = 1, for a link that is only a bridge
 * port: see cfs_veth_into. Fails (ENOENT) on a kernel without IPv6. */
int cfs_link_ipv6_off(const char *ifname, cfs_error_t *err);

#endif

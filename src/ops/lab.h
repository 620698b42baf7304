/* lab.h - batch labs: a topology file (networks, nodes, node-to-node links,
 * static routes) read by a strict line parser, built in one process under
 * one lock (`cfsnet lab up`), torn down the same way (`lab down`) and
 * checked with a pingall (`lab ping`). Nodes are ordinary cfsnet
 * containers and networks ordinary cfsnet networks, so ls, show, exec and
 * down keep working on them. The file format is in README.md ("Labs"). */
#ifndef CFS_LAB_H
#define CFS_LAB_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "../net/net.h"
#include "state.h"

/* Bounds of one file (so a hostile file cannot make the parser grow
 * without limit). */
#define CFS_LAB_MAX_LINE 1024
#define CFS_LAB_MAX_NETS 256
#define CFS_LAB_MAX_NODES 4096
#define CFS_LAB_MAX_LINKS 8192
#define CFS_LAB_MAX_ROUTES 8192

struct cfs_lab_net {
	char name[CFS_NAME_MAX + 1];
	struct cfs_cidr subnet;     /* addr is the network address */
	bool internal;
	unsigned mtu;               /* 0: 1500 */
	unsigned line;
};

struct cfs_lab_node {
	char name[CFS_NAME_MAX + 1];
	size_t net;                 /* index in nets */
	struct cfs_cidr ip;         /* given, or the lowest free (resolved) */
	bool forward;               /* ip_forward=1 inside */
	unsigned line;
};

struct cfs_lab_end {
	size_t node;                /* index in nodes */
	char ifname[IFNAMSIZ];
	bool has_ip;
	struct cfs_cidr ip;
};

struct cfs_lab_link {
	struct cfs_lab_end end[2];
	uint64_t rate;              /* bit/s, 0: unshaped */
	unsigned line;
};

struct cfs_lab_route {
	size_t node;
	struct cfs_cidr dst;        /* addr is the network address */
	uint32_t gw;
	unsigned line;
};

struct cfs_lab {
	char file[256];             /* as given, for messages */
	struct cfs_lab_net *nets;
	size_t nnets;
	struct cfs_lab_node *nodes;
	size_t nnodes;
	struct cfs_lab_link *links;
	size_t nlinks;
	struct cfs_lab_route *routes;
	size_t nroutes;
};

/* Parses text[0..len) (NUL bytes are an error) into lab, then checks it as
 * a whole and gives every node without an address the lowest free one of
 * its network, in file order. Errors read "lab FILE:LINE: why". On failure
 * lab is left empty. Pure: no file or kernel access. */
int cfs_lab_parse(const char *text, size_t len, const char *file,
		  struct cfs_lab *lab, cfs_error_t *err);
/* Reads path (at most 4 MiB) and parses it; errors read "lab FILE: why". */
int cfs_lab_load(const char *path, struct cfs_lab *lab, cfs_error_t *err);
void cfs_lab_free(struct cfs_lab *lab);

/* "10mbit" -> 10000000; units bit, kbit, mbit, gbit (powers of 1000) and
 * their byte forms bps, kbps, mbps, gbps (x8), as tc reads them. */
int cfs_lab_parse_rate(const char *s, uint64_t *bits);

/* ---- operations (lab.c, labping.c) ---------------------------------------- */

/* Called after each node is made or removed; the ops never print. */
typedef void (*cfs_lab_progress_fn)(void *arg, size_t done, size_t total);

/* Builds the lab: its networks (bridge, gateway, one firewall commit for
 * all of them), its nodes (a container each, on its network), the links
 * between nodes (veth pairs with addresses, a tbf qdisc on both ends for a
 * rate), the routes and forwarding. Nothing of it may exist yet. On
 * failure everything made is removed again. A conflict found by the plan
 * reads "lab FILE:LINE: why", a failure on the way "lab up FILE: why". */
int cfs_lab_up(const struct cfs_lab *lab, cfs_lab_progress_fn progress,
	       void *arg, cfs_error_t *err);
/* Removes the lab's nodes and networks (those that exist; a network with
 * members from outside the lab is refused before anything is touched). */
int cfs_lab_down(const struct cfs_lab *lab, cfs_lab_progress_fn progress,
		 void *arg, cfs_error_t *err);

/* One ping of the pingall: from node src to address addr (of node dst). */
struct cfs_lab_probe {
	size_t src;
	size_t dst;
	uint32_t addr;
	bool answered;
};

/* The pairs a pingall tries (see README): every address of every other
 * node that src reaches directly (a shared subnet) or through one of its
 * routes; with more than CFS_LAB_PING_FULL nodes and !all, only the nodes
 * that follow src in file order (CFS_LAB_PING_NEXT of them, wrapping). */
#define CFS_LAB_PING_FULL 64
#define CFS_LAB_PING_NEXT 8
int cfs_lab_probes(const struct cfs_lab *lab, bool all,
		   struct cfs_lab_probe **out, size_t *n, cfs_error_t *err);
/* Sends every probe (ICMP echo, from inside its source node, up to three
 * tries a second apart) and fills in answered. */
int cfs_lab_ping(const struct cfs_lab *lab, struct cfs_lab_probe *probes,
		 size_t n, cfs_lab_progress_fn progress, void *arg,
		 cfs_error_t *err);

#endif

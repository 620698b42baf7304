/* fw-internal.h - the pure half of cfs_fw_sync(): building the ipt_entry
 * blobs of cfsnet's rules and comparing them with the rules libiptc reads
 * back from the kernel. Shared by fw.c and its unit tests; nothing here
 * touches the kernel. */
#ifndef CFS_FW_INTERNAL_H
#define CFS_FW_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

/* glibc's <net/if.h> must come before any <linux/if.h> (pulled in by the
 * netfilter headers): the kernel header then skips what glibc defined. */
#include <net/if.h>
#include <libiptc/libiptc.h>

#include "net.h"

/* libip4tc is loaded when the firewall is first touched (ip4tc.c), not mapped
 * by every command at start-up: most commands (an `up` on a network that
 * exists, `down`, `run`) never need it. cfs_ip4tc_load() before the first
 * call; the names below then call through the loaded table. */
#define CFS_IP4TC_FUNCS(X) \
	X(iptc_init) \
	X(iptc_free) \
	X(iptc_first_chain) \
	X(iptc_next_chain) \
	X(iptc_first_rule) \
	X(iptc_next_rule) \
	X(iptc_get_target) \
	X(iptc_is_chain) \
	X(iptc_insert_entry) \
	X(iptc_append_entry) \
	X(iptc_delete_num_entry) \
	X(iptc_flush_entries) \
	X(iptc_create_chain) \
	X(iptc_delete_chain) \
	X(iptc_get_references) \
	X(iptc_commit) \
	X(iptc_strerror)
struct cfs_ip4tc {
#define X(f) __typeof__(&f) f;
	CFS_IP4TC_FUNCS(X)
#undef X
};
extern struct cfs_ip4tc cfs_ip4tc;
int cfs_ip4tc_load(cfs_error_t *err);
#ifndef CFS_IP4TC_LOADER
#define iptc_init (*cfs_ip4tc.iptc_init)
#define iptc_free (*cfs_ip4tc.iptc_free)
#define iptc_first_chain (*cfs_ip4tc.iptc_first_chain)
#define iptc_next_chain (*cfs_ip4tc.iptc_next_chain)
#define iptc_first_rule (*cfs_ip4tc.iptc_first_rule)
#define iptc_next_rule (*cfs_ip4tc.iptc_next_rule)
#define iptc_get_target (*cfs_ip4tc.iptc_get_target)
#define iptc_is_chain (*cfs_ip4tc.iptc_is_chain)
#define iptc_insert_entry (*cfs_ip4tc.iptc_insert_entry)
#define iptc_append_entry (*cfs_ip4tc.iptc_append_entry)
#define iptc_delete_num_entry (*cfs_ip4tc.iptc_delete_num_entry)
#define iptc_flush_entries (*cfs_ip4tc.iptc_flush_entries)
#define iptc_create_chain (*cfs_ip4tc.iptc_create_chain)
#define iptc_delete_chain (*cfs_ip4tc.iptc_delete_chain)
#define iptc_get_references (*cfs_ip4tc.iptc_get_references)
#define iptc_commit (*cfs_ip4tc.iptc_commit)
#define iptc_strerror (*cfs_ip4tc.iptc_strerror)
#endif

/* cfsnet's chains (named after the table of the first two, the only ones
 * there were at first): NAT and NAT_PRE/NAT_OUT live in table nat and are
 * committed together; FILTER in table filter. */
enum cfs_fw_table {
	CFS_FW_NAT,     /* nat: CFSNET-POSTROUTING, jumped to from POSTROUTING */
	CFS_FW_FILTER,  /* filter: CFSNET-FORWARD, jumped to from FORWARD */
	CFS_FW_NAT_PRE, /* nat: CFSNET-PREROUTING, from PREROUTING (ports) */
	CFS_FW_NAT_OUT, /* nat: CFSNET-OUTPUT, from OUTPUT (ports) */
	CFS_FW_NTABLES
};

const char *cfs_fw_table_name(enum cfs_fw_table t); /* "nat", "filter" */
const char *cfs_fw_chain(enum cfs_fw_table t);      /* our chain */
const char *cfs_fw_builtin(enum cfs_fw_table t);    /* the chain jumping to it */

/* Upper bound of one entry built here (the largest, the conntrack rule, is
 * well under half of it). */
#define CFS_FW_ENTRY_MAX 1024

/* Entry builders. Each zeroes buf (len bytes), writes one entry in the
 * format iptc_append_entry() takes (struct ipt_entry, then its matches,
 * then its target, every part XT_ALIGN'ed, all padding zero, so equal
 * input gives equal bytes) and returns its size (e->next_offset). They
 * return 0 when buf is too small or the interface name is empty or longer
 * than IFNAMSIZ - 1.
 *
 *   masquerade:    -s SUBNET ! -o IF -m comment --comment cfsnet:NAME -j MASQUERADE
 *   accept_in:     -i IF -m comment --comment cfsnet:NAME -j ACCEPT
 *   accept_reply:  -o IF -m conntrack --ctstate RELATED,ESTABLISHED
 *                        -m comment --comment cfsnet:NAME -j ACCEPT
 *   jump:          -j CHAIN (no match at all)
 *
 * MASQUERADE is revision 0 (struct nf_nat_ipv4_multi_range_compat with
 * rangesize 1), conntrack revision 3, comment revision 0: the revisions
 * iptables 1.8 itself picks, so a rule typed by hand compares equal. */
size_t cfs_fw_entry_masquerade(void *buf, size_t len,
			       const struct cfs_fw_net *net);
size_t cfs_fw_entry_accept_in(void *buf, size_t len,
			      const struct cfs_fw_net *net);
size_t cfs_fw_entry_accept_reply(void *buf, size_t len,
				 const struct cfs_fw_net *net);
size_t cfs_fw_entry_jump(void *buf, size_t len, const char *chain);
/*   accept_intra:  -i IF -o IF -m comment --comment cfsnet:NAME -j ACCEPT
 *   drop_other:    -i IF -o cfs+ -m comment --comment cfsnet:NAME -j DROP
 *   drop_in:       -i IF -m comment --comment cfsnet:NAME -j DROP
 *   drop_out:      -o IF -m comment --comment cfsnet:NAME -j DROP */
size_t cfs_fw_entry_accept_intra(void *buf, size_t len,
				 const struct cfs_fw_net *net);
size_t cfs_fw_entry_drop_other(void *buf, size_t len,
			       const struct cfs_fw_net *net);
size_t cfs_fw_entry_drop_in(void *buf, size_t len, const struct cfs_fw_net *net);
size_t cfs_fw_entry_drop_out(void *buf, size_t len,
			     const struct cfs_fw_net *net);
/* Published ports (see cfs_fw_sync_ports in net.h):
 *   dnat:          -p P -m addrtype --dst-type LOCAL -m P --dport HOST_PORT
 *                  -m comment --comment cfsnet:NAME -j DNAT --to-destination ADDR:PORT
 *                  (local: with ! -d 127.0.0.0/8, for OUTPUT)
 *   hairpin:       -s SUBNET -d ADDR/32 -o IF -p P -m P --dport PORT
 *                  -m conntrack --ctstate DNAT -m comment ... -j MASQUERADE
 *   publish_in:    -d ADDR/32 -o IF -p P -m P --dport PORT
 *                  -m conntrack --ctstate DNAT -m comment ... -j ACCEPT
 *   publish_reply: -s ADDR/32 -i IF -p P -m P --sport PORT
 *                  -m conntrack --ctstate DNAT -m comment ... -j ACCEPT
 * addrtype is revision 1, tcp/udp revision 0, DNAT revision 2. They return
 * 0 for a protocol other than TCP or UDP. */
size_t cfs_fw_entry_dnat(void *buf, size_t len, const struct cfs_fw_port *p,
			 bool local);
size_t cfs_fw_entry_hairpin(void *buf, size_t len, const struct cfs_fw_port *p);
size_t cfs_fw_entry_publish_in(void *buf, size_t len,
			       const struct cfs_fw_port *p);
size_t cfs_fw_entry_publish_reply(void *buf, size_t len,
				  const struct cfs_fw_port *p);

/* The prefix every cfsnet interface name starts with (bridges cfsbrN, host
 * veths cfs-NAME and cfsK-NAME): "-o cfs+" matches them all. */
#define CFS_FW_IFPREFIX "cfs"

/* The desired content of one of our chains: entries back to back in one
 * heap buffer, each e->next_offset bytes long. */
struct cfs_fw_rules {
	unsigned char *buf;
	size_t len;   /* bytes used */
	size_t count; /* entries */
};

/* Builds the rules of table t's chain for nets[0..n), in order: nat gets
 * one masquerade entry per network that is not internal; filter gets
 * accept_intra and drop_other for every network, then per network
 * accept_in and accept_reply, or for an internal one drop_in and drop_out. Fails on an invalid interface name (naming the network). *out
 * is empty (buf NULL) for n == 0 and must be released with
 * cfs_fw_rules_free() in every case. */
int cfs_fw_rules_build(enum cfs_fw_table t, const struct cfs_fw_net *nets,
		       size_t n, struct cfs_fw_rules *out, cfs_error_t *err);
/* The same with published ports: NAT_PRE and NAT_OUT get one dnat entry
 * per port, NAT one hairpin per port before the masquerades, FILTER
 * publish_in and publish_reply per port before everything else. */
int cfs_fw_rules_build_ports(enum cfs_fw_table t, const struct cfs_fw_net *nets,
			     size_t n, const struct cfs_fw_port *ports,
			     size_t np, struct cfs_fw_rules *out,
			     cfs_error_t *err);
void cfs_fw_rules_free(struct cfs_fw_rules *r);
/* Iterates: prev NULL gives the first entry; NULL after the last. */
const struct ipt_entry *cfs_fw_rules_next(const struct cfs_fw_rules *r,
					  const struct ipt_entry *prev);

/* Does a rule read back through libiptc (have, whose target name
 * iptc_get_target() gave as have_target) say the same as want? Compares
 * the ip part, every match (size, name, revision, data), the target name
 * and, for a target that is an extension rather than a verdict or a jump,
 * its size, revision and data. Names are compared as strings because the
 * kernel copies only up to their NUL back: the bytes after it in a rule
 * read from the kernel are whatever libiptc's buffer held. */
bool cfs_fw_entry_same(const struct ipt_entry *have, const char *have_target,
		       const struct ipt_entry *want);

/* How many times this process committed table t. A debug counter for
 * tests: a sync that finds nothing to change must not raise it. */
unsigned cfs_fw_commit_count(enum cfs_fw_table t);

#endif

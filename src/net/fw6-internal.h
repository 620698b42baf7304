/* fw6-internal.h - the pure half of cfs_fw6_sync() (fw6.c): the ip6t_entry
 * blobs of cfsnet's IPv6 rules and their comparison with the rules
 * libip6tc reads back. Shared by fw6.c and its unit tests. (A separate
 * header from fw-internal.h: libiptc.h and libip6tc.h do not mix in one
 * file.) */
#ifndef CFS_FW6_INTERNAL_H
#define CFS_FW6_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

/* glibc's <net/if.h> before the kernel headers libip6tc pulls in. */
#include <net/if.h>
#include <libiptc/libip6tc.h>

#include "net.h"

/* libip6tc is loaded when the firewall is first touched (ip6tc.c), not mapped
 * by every command at start-up: most commands (an `up` on a network that
 * exists, `down`, `run`) never need it. cfs_ip6tc_load() before the first
 * call; the names below then call through the loaded table. */
#define CFS_IP6TC_FUNCS(X) \
	X(ip6tc_init) \
	X(ip6tc_free) \
	X(ip6tc_first_rule) \
	X(ip6tc_next_rule) \
	X(ip6tc_get_target) \
	X(ip6tc_is_chain) \
	X(ip6tc_insert_entry) \
	X(ip6tc_append_entry) \
	X(ip6tc_delete_num_entry) \
	X(ip6tc_flush_entries) \
	X(ip6tc_create_chain) \
	X(ip6tc_delete_chain) \
	X(ip6tc_get_references) \
	X(ip6tc_commit) \
	X(ip6tc_strerror)
struct cfs_ip6tc {
#define X(f) __typeof__(&f) f;
	CFS_IP6TC_FUNCS(X)
#undef X
};
extern struct cfs_ip6tc cfs_ip6tc;
int cfs_ip6tc_load(cfs_error_t *err);
#ifndef CFS_IP6TC_LOADER
#define ip6tc_init (*cfs_ip6tc.ip6tc_init)
#define ip6tc_free (*cfs_ip6tc.ip6tc_free)
#define ip6tc_first_rule (*cfs_ip6tc.ip6tc_first_rule)
#define ip6tc_next_rule (*cfs_ip6tc.ip6tc_next_rule)
#define ip6tc_get_target (*cfs_ip6tc.ip6tc_get_target)
#define ip6tc_is_chain (*cfs_ip6tc.ip6tc_is_chain)
#define ip6tc_insert_entry (*cfs_ip6tc.ip6tc_insert_entry)
#define ip6tc_append_entry (*cfs_ip6tc.ip6tc_append_entry)
#define ip6tc_delete_num_entry (*cfs_ip6tc.ip6tc_delete_num_entry)
#define ip6tc_flush_entries (*cfs_ip6tc.ip6tc_flush_entries)
#define ip6tc_create_chain (*cfs_ip6tc.ip6tc_create_chain)
#define ip6tc_delete_chain (*cfs_ip6tc.ip6tc_delete_chain)
#define ip6tc_get_references (*cfs_ip6tc.ip6tc_get_references)
#define ip6tc_commit (*cfs_ip6tc.ip6tc_commit)
#define ip6tc_strerror (*cfs_ip6tc.ip6tc_strerror)
#endif

enum { CFS_FW6_NAT, CFS_FW6_FILTER, CFS_FW6_NTABLES };

/* The desired content of one of our IPv6 chains, entries back to back. */
struct cfs_fw6_rules {
	unsigned char *buf;
	size_t len;   /* bytes used */
	size_t count; /* entries */
};

/* The rules of table t (CFS_FW6_NAT or CFS_FW6_FILTER) for the networks of
 * nets[0..n) that have has6, in fw.c's order: nat one MASQUERADE (revision
 * 0, struct nf_nat_range) per network that is not internal; filter the
 * isolation pair of every network, then each one's accept (or drop) pair.
 * Free with cfs_fw6_rules_free() in every case. */
int cfs_fw6_rules_build(int t, const struct cfs_fw_net *nets, size_t n,
			struct cfs_fw6_rules *out, cfs_error_t *err);
void cfs_fw6_rules_free(struct cfs_fw6_rules *r);
const struct ip6t_entry *cfs_fw6_rules_next(const struct cfs_fw6_rules *r,
					    const struct ip6t_entry *prev);
/* As cfs_fw_entry_same() (fw-internal.h), for IPv6 entries. */
bool cfs_fw6_entry_same(const struct ip6t_entry *have, const char *have_target,
			const struct ip6t_entry *want);

#endif

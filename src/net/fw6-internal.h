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

/* The IPv6 rules (fw6.c): which entries each table gets, in which order,
 * what each entry holds, and the comparison that decides whether a chain
 * must be rewritten. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net/fw6-internal.h"

#include <arpa/inet.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/xt_comment.h>

static struct cfs_fw_net net6(const char *name, const char *ifname,
			      const char *pfx, bool internal)
{
	struct cfs_fw_net n = { 0 };

	snprintf(n.name, sizeof(n.name), "%s", name);
	snprintf(n.ifname, sizeof(n.ifname), "%s", ifname);
	cfs_cidr_parse("10.0.0.0/24", &n.subnet);
	n.internal = internal;
	if (pfx) {
		n.has6 = true;
		assert_int_equal(cfs_cidr6_parse(pfx, &n.subnet6), 0);
	}
	return n;
}

static const struct xt_entry_target *target(const struct ip6t_entry *e)
{
	return (const void *)((const char *)e + e->target_offset);
}

static const char *comment(const struct ip6t_entry *e)
{
	const struct xt_entry_match *m = (const void *)((const char *)e + sizeof(*e));

	/* The comment is the last match: skip a conntrack match before it. */
	if (!strcmp(m->u.user.name, "conntrack"))
		m = (const void *)((const char *)m + m->u.user.match_size);
	assert_string_equal(m->u.user.name, "comment");
	return ((const struct xt_comment_info *)m->data)->comment;
}

static void nat_only_for_dual_stack_networks(void **state)
{
	struct cfs_fw_net nets[3] = {
		net6("v4only", "cfsbr0", NULL, false),
		net6("lab", "cfsbr1", "fd00:5::/64", false),
		net6("quiet", "cfsbr2", "fd00:6::/64", true),
	};
	struct cfs_fw6_rules r;
	cfs_error_t err = { 0 };
	const struct ip6t_entry *e;
	char buf[INET6_ADDRSTRLEN];

	(void)state;
	assert_int_equal(cfs_fw6_rules_build(CFS_FW6_NAT, nets, 3, &r, &err), 0);
	assert_int_equal(r.count, 1);
	e = cfs_fw6_rules_next(&r, NULL);
	inet_ntop(AF_INET6, &e->ipv6.src, buf, sizeof(buf));
	assert_string_equal(buf, "fd00:5::");
	inet_ntop(AF_INET6, &e->ipv6.smsk, buf, sizeof(buf));
	assert_string_equal(buf, "ffff:ffff:ffff:ffff::");
	assert_string_equal(e->ipv6.outiface, "cfsbr1");
	assert_int_equal(e->ipv6.outiface_mask[6], 0xff); /* exact: the NUL too */
	assert_int_equal(e->ipv6.invflags, IP6T_INV_VIA_OUT);
	assert_string_equal(comment(e), "cfsnet:lab");
	assert_string_equal(target(e)->u.user.name, "MASQUERADE");
	assert_int_equal(target(e)->u.user.target_size,
			 XT_ALIGN(sizeof(struct xt_entry_target) + sizeof(struct nf_nat_range)));
	assert_null(cfs_fw6_rules_next(&r, e));
	cfs_fw6_rules_free(&r);

	/* No dual-stack network: nothing at all. */
	assert_int_equal(cfs_fw6_rules_build(CFS_FW6_NAT, nets, 1, &r, &err), 0);
	assert_int_equal(r.count, 0);
	assert_null(cfs_fw6_rules_next(&r, NULL));
	cfs_fw6_rules_free(&r);
}

static void filter_isolation_first(void **state)
{
	struct cfs_fw_net nets[3] = {
		net6("lab", "cfsbr1", "fd00:5::/64", false),
		net6("v4only", "cfsbr0", NULL, false),
		net6("quiet", "cfsbr2", "fd00:6::/64", true),
	};
	static const struct {
		const char *in, *out, *target, *comment;
	} want[] = {
		{ "cfsbr1", "cfsbr1", "ACCEPT", "cfsnet:lab" },
		{ "cfsbr1", "cfs", "DROP", "cfsnet:lab" },
		{ "cfsbr2", "cfsbr2", "ACCEPT", "cfsnet:quiet" },
		{ "cfsbr2", "cfs", "DROP", "cfsnet:quiet" },
		{ "cfsbr1", "", "ACCEPT", "cfsnet:lab" },
		{ "", "cfsbr1", "ACCEPT", "cfsnet:lab" }, /* RELATED,ESTABLISHED */
		{ "cfsbr2", "", "DROP", "cfsnet:quiet" },
		{ "", "cfsbr2", "DROP", "cfsnet:quiet" },
	};
	struct cfs_fw6_rules r;
	cfs_error_t err = { 0 };
	const struct ip6t_entry *e = NULL;

	(void)state;
	assert_int_equal(cfs_fw6_rules_build(CFS_FW6_FILTER, nets, 3, &r, &err), 0);
	assert_int_equal(r.count, 8);
	for (size_t i = 0; i < 8; i++) {
		e = cfs_fw6_rules_next(&r, e);
		assert_non_null(e);
		assert_string_equal(e->ipv6.iniface, want[i].in);
		assert_string_equal(e->ipv6.outiface, want[i].out);
		assert_string_equal(target(e)->u.user.name, want[i].target);
		assert_string_equal(comment(e), want[i].comment);
	}
	/* "-o cfs+": the mask stops before the NUL. */
	e = cfs_fw6_rules_next(&r, cfs_fw6_rules_next(&r, NULL));
	assert_int_equal(e->ipv6.outiface_mask[2], 0xff);
	assert_int_equal(e->ipv6.outiface_mask[3], 0);
	cfs_fw6_rules_free(&r);
}

static void comparison(void **state)
{
	struct cfs_fw_net nets[1] = { net6("lab", "cfsbr1", "fd00:5::/64", false) };
	struct cfs_fw6_rules r;
	cfs_error_t err = { 0 };
	const struct ip6t_entry *e;
	unsigned char copy[1024];

	(void)state;
	assert_int_equal(cfs_fw6_rules_build(CFS_FW6_NAT, nets, 1, &r, &err), 0);
	e = cfs_fw6_rules_next(&r, NULL);
	assert_true(cfs_fw6_entry_same(e, "MASQUERADE", e));
	assert_false(cfs_fw6_entry_same(e, NULL, e));
	assert_false(cfs_fw6_entry_same(e, "ACCEPT", e));
	memcpy(copy, e, e->next_offset);
	((struct ip6t_entry *)copy)->ipv6.src.s6_addr[1] ^= 1;
	assert_false(cfs_fw6_entry_same((struct ip6t_entry *)copy, "MASQUERADE", e));
	cfs_fw6_rules_free(&r);

	/* A verdict compares by name only (libip6tc resolves it). */
	assert_int_equal(cfs_fw6_rules_build(CFS_FW6_FILTER, nets, 1, &r, &err), 0);
	e = cfs_fw6_rules_next(&r, NULL);
	memcpy(copy, e, e->next_offset);
	((struct xt_standard_target *)(copy + e->target_offset))->verdict = 12345;
	assert_true(cfs_fw6_entry_same((struct ip6t_entry *)copy, "ACCEPT", e));
	cfs_fw6_rules_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nat_only_for_dual_stack_networks),
		cmocka_unit_test(filter_isolation_first),
		cmocka_unit_test(comparison),
	};

	return cmocka_run_group_tests_name("fw6", tests, NULL, NULL);
}

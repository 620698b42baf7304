/* test_fw.c - the rule builder behind cfs_fw_sync(): every entry is parsed
 * back field by field, equal input must give equal bytes, and the
 * comparison with rules read back from the kernel must ignore only what the
 * kernel does not preserve. No root, no kernel. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "net/fw-internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>

/* A network filled the way a careless caller might: garbage after every
 * string's NUL, which must never reach the blobs. */
static struct cfs_fw_net mknet(const char *name, const char *cidr,
			       const char *ifname)
{
	struct cfs_fw_net n;

	memset(&n, 0xa5, sizeof(n));
	strcpy(n.name, name);
	strcpy(n.ifname, ifname);
	assert_int_equal(cfs_cidr_parse(cidr, &n.subnet), 0);
	n.internal = false;
	return n;
}

static uint32_t ip(const char *s)
{
	uint32_t a;

	assert_int_equal(cfs_ip4_parse(s, &a), 0);
	return htonl(a);
}

static const struct xt_entry_match *match_at(const struct ipt_entry *e,
					     size_t off)
{
	return (const void *)((const char *)e + off);
}

static const struct xt_entry_target *target_of(const struct ipt_entry *e)
{
	return (const void *)((const char *)e + e->target_offset);
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i])
			return false;
	return true;
}

/* An interface field as iptables writes "-i IF": the name NUL-padded, the
 * mask 0xff over the name and its NUL, zero after. */
static void check_iface(const char name[IFNAMSIZ],
			const unsigned char mask[IFNAMSIZ], const char *want)
{
	size_t l = strlen(want);

	if (!*want) {
		assert_true(all_zero(name, IFNAMSIZ));
		assert_true(all_zero(mask, IFNAMSIZ));
		return;
	}
	assert_string_equal(name, want);
	assert_true(all_zero(name + l, IFNAMSIZ - l));
	for (size_t i = 0; i < IFNAMSIZ; i++)
		assert_int_equal(mask[i], i <= l ? 0xff : 0);
}

static void check_header(const struct ipt_entry *e)
{
	assert_int_equal(e->nfcache, 0);
	assert_int_equal(e->comefrom, 0);
	assert_int_equal(e->counters.pcnt, 0);
	assert_int_equal(e->counters.bcnt, 0);
	assert_int_equal(e->ip.proto, 0);
	assert_int_equal(e->ip.flags, 0);
	assert_int_equal(e->ip.dst.s_addr, 0);
	assert_int_equal(e->ip.dmsk.s_addr, 0);
	assert_int_equal(e->target_offset % XT_ALIGN(1), 0);
	assert_int_equal(e->next_offset % XT_ALIGN(1), 0);
}

/* Checks the match at *off is the comment "cfsnet:NAME" and moves on. */
static void check_comment(const struct ipt_entry *e, size_t *off,
			  const char *net)
{
	const struct xt_entry_match *m = match_at(e, *off);
	const struct xt_comment_info *c = (const void *)m->data;
	char want[XT_MAX_COMMENT_LEN];
	size_t l;

	assert_int_equal(m->u.user.match_size,
			 XT_ALIGN(sizeof(*m) + sizeof(*c)));
	assert_string_equal(m->u.user.name, "comment");
	assert_true(all_zero(m->u.user.name + 8, sizeof(m->u.user.name) - 8));
	assert_int_equal(m->u.user.revision, 0);
	snprintf(want, sizeof(want), "cfsnet:%s", net);
	assert_string_equal(c->comment, want);
	l = strlen(want);
	assert_true(all_zero(c->comment + l, sizeof(c->comment) - l));
	*off += m->u.user.match_size;
}

static void check_accept(const struct ipt_entry *e)
{
	const struct xt_standard_target *t = (const void *)target_of(e);

	assert_string_equal(t->target.u.user.name, "ACCEPT");
	assert_int_equal(t->target.u.user.revision, 0);
	assert_int_equal(t->target.u.user.target_size,
			 XT_ALIGN(sizeof(struct xt_standard_target)));
	assert_int_equal(t->verdict, -NF_ACCEPT - 1);
	assert_int_equal(e->next_offset,
			 e->target_offset + t->target.u.user.target_size);
}

static void check_masquerade(const struct ipt_entry *e, const char *net,
			     const char *src, const char *mask,
			     const char *ifname)
{
	const struct xt_entry_target *t;
	const struct nf_nat_ipv4_multi_range_compat *mr;
	size_t off = sizeof(*e);

	check_header(e);
	assert_int_equal(e->ip.src.s_addr, ip(src));
	assert_int_equal(e->ip.smsk.s_addr, ip(mask));
	check_iface(e->ip.iniface, e->ip.iniface_mask, "");
	check_iface(e->ip.outiface, e->ip.outiface_mask, ifname);
	assert_int_equal(e->ip.invflags, IPT_INV_VIA_OUT);

	check_comment(e, &off, net);
	assert_int_equal(off, e->target_offset);

	t = target_of(e);
	mr = (const void *)t->data;
	assert_string_equal(t->u.user.name, "MASQUERADE");
	assert_int_equal(t->u.user.revision, 0);
	assert_int_equal(t->u.user.target_size, XT_ALIGN(sizeof(*t) + sizeof(*mr)));
	assert_int_equal(mr->rangesize, 1);
	assert_true(all_zero(&mr->range[0], sizeof(mr->range[0])));
	assert_true(all_zero((const char *)mr + sizeof(*mr),
			     t->u.user.target_size - sizeof(*t) - sizeof(*mr)));
	assert_int_equal(e->next_offset, e->target_offset + t->u.user.target_size);
}

static void check_accept_in(const struct ipt_entry *e, const char *net,
			    const char *ifname)
{
	size_t off = sizeof(*e);

	check_header(e);
	assert_int_equal(e->ip.src.s_addr, 0);
	assert_int_equal(e->ip.smsk.s_addr, 0);
	check_iface(e->ip.iniface, e->ip.iniface_mask, ifname);
	check_iface(e->ip.outiface, e->ip.outiface_mask, "");
	assert_int_equal(e->ip.invflags, 0);
	check_comment(e, &off, net);
	assert_int_equal(off, e->target_offset);
	check_accept(e);
}

static void check_accept_reply(const struct ipt_entry *e, const char *net,
			       const char *ifname)
{
	const struct xt_entry_match *m;
	const struct xt_conntrack_mtinfo3 *ct;
	struct xt_conntrack_mtinfo3 want;
	size_t off = sizeof(*e);

	check_header(e);
	assert_int_equal(e->ip.src.s_addr, 0);
	assert_int_equal(e->ip.smsk.s_addr, 0);
	check_iface(e->ip.iniface, e->ip.iniface_mask, "");
	check_iface(e->ip.outiface, e->ip.outiface_mask, ifname);
	assert_int_equal(e->ip.invflags, 0);

	m = match_at(e, off);
	ct = (const void *)m->data;
	assert_string_equal(m->u.user.name, "conntrack");
	assert_int_equal(m->u.user.revision, 3);
	assert_int_equal(m->u.user.match_size, XT_ALIGN(sizeof(*m) + sizeof(*ct)));
	/* --ctstate RELATED,ESTABLISHED and nothing else. */
	memset(&want, 0, sizeof(want));
	want.match_flags = XT_CONNTRACK_STATE;
	want.state_mask = XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED) |
			  XT_CONNTRACK_STATE_BIT(IP_CT_RELATED);
	assert_int_equal(ct->state_mask, 0x6);
	assert_memory_equal(ct, &want, sizeof(want));
	assert_true(all_zero((const char *)ct + sizeof(*ct),
			     m->u.user.match_size - sizeof(*m) - sizeof(*ct)));
	off += m->u.user.match_size;

	check_comment(e, &off, net);
	assert_int_equal(off, e->target_offset);
	check_accept(e);
}


static void check_verdict(const struct ipt_entry *e, const char *label, int verdict)
{
	const struct xt_standard_target *t = (const void *)target_of(e);

	assert_string_equal(t->target.u.user.name, label);
	assert_int_equal(t->target.u.user.target_size,
			 XT_ALIGN(sizeof(struct xt_standard_target)));
	assert_int_equal(t->verdict, verdict);
	assert_int_equal(e->next_offset,
			 e->target_offset + t->target.u.user.target_size);
}

/* -i IN -o OUT (OUT a prefix when out_prefix) + comment + verdict. */
static void check_ifaces_rule(const struct ipt_entry *e, const char *net,
			      const char *in, const char *out, bool out_prefix,
			      const char *label, int verdict)
{
	size_t off = sizeof(*e);

	check_header(e);
	assert_int_equal(e->ip.src.s_addr, 0);
	assert_int_equal(e->ip.smsk.s_addr, 0);
	check_iface(e->ip.iniface, e->ip.iniface_mask, in);
	if (out_prefix) {
		size_t l = strlen(out);

		assert_string_equal(e->ip.outiface, out);
		/* No 0xff over the NUL: "cfs+" matches every name starting
		 * with cfs. */
		for (size_t i = 0; i < IFNAMSIZ; i++)
			assert_int_equal(e->ip.outiface_mask[i], i < l ? 0xff : 0);
	} else {
		check_iface(e->ip.outiface, e->ip.outiface_mask, out);
	}
	assert_int_equal(e->ip.invflags, 0);
	check_comment(e, &off, net);
	assert_int_equal(off, e->target_offset);
	check_verdict(e, label, verdict);
}

static void check_isolation(const struct ipt_entry **e, const struct cfs_fw_rules *r,
			    const char *net, const char *ifname)
{
	*e = cfs_fw_rules_next(r, *e);
	check_ifaces_rule(*e, net, ifname, ifname, false, "ACCEPT", -NF_ACCEPT - 1);
	*e = cfs_fw_rules_next(r, *e);
	check_ifaces_rule(*e, net, ifname, "cfs", true, "DROP", -NF_DROP - 1);
}

static void test_one_network_nat(void **state)
{
	struct cfs_fw_net n = mknet("default", "10.0.0.1/24", "cfsbr0");
	struct cfs_fw_rules r;
	const struct ipt_entry *e;
	cfs_error_t err;

	(void)state;
	assert_int_equal(cfs_fw_rules_build(CFS_FW_NAT, &n, 1, &r, &err), 0);
	assert_int_equal(r.count, 1);
	e = cfs_fw_rules_next(&r, NULL);
	assert_non_null(e);
	/* The address is masked down to the network. */
	check_masquerade(e, "default", "10.0.0.0", "255.255.255.0", "cfsbr0");
	assert_int_equal(r.len, e->next_offset);
	assert_null(cfs_fw_rules_next(&r, e));
	cfs_fw_rules_free(&r);
	assert_null(r.buf);
}

static void test_one_network_filter(void **state)
{
	struct cfs_fw_net n = mknet("default", "10.0.0.0/24", "cfsbr0");
	struct cfs_fw_rules r;
	const struct ipt_entry *e;
	cfs_error_t err;

	(void)state;
	assert_int_equal(cfs_fw_rules_build(CFS_FW_FILTER, &n, 1, &r, &err), 0);
	assert_int_equal(r.count, 4);
	e = NULL;
	check_isolation(&e, &r, "default", "cfsbr0");
	e = cfs_fw_rules_next(&r, e);
	check_accept_in(e, "default", "cfsbr0");
	e = cfs_fw_rules_next(&r, e);
	check_accept_reply(e, "default", "cfsbr0");
	assert_null(cfs_fw_rules_next(&r, e));
	cfs_fw_rules_free(&r);
}

static void test_several_networks(void **state)
{
	struct cfs_fw_net n[3] = {
		mknet("default", "10.0.0.0/24", "cfsbr0"),
		mknet("10.1.0.0-16", "10.1.2.3/16", "cfsbr1"),
		/* no bridge: the host veth, at its longest */
		mknet("172.16.5.0-30", "172.16.5.0/30", "cfs-abcdef12345"),
	};
	static const char *const names[] = { "default", "10.1.0.0-16", "172.16.5.0-30" };
	static const char *const srcs[] = { "10.0.0.0", "10.1.0.0", "172.16.5.0" };
	static const char *const masks[] = { "255.255.255.0", "255.255.0.0", "255.255.255.252" };
	static const char *const ifs[] = { "cfsbr0", "cfsbr1", "cfs-abcdef12345" };
	struct cfs_fw_rules nat, filter;
	const struct ipt_entry *e = NULL;
	size_t total = 0;
	cfs_error_t err;

	(void)state;
	assert_int_equal(cfs_fw_rules_build(CFS_FW_NAT, n, 3, &nat, &err), 0);
	assert_int_equal(nat.count, 3);
	for (size_t i = 0; i < 3; i++) {
		e = cfs_fw_rules_next(&nat, e);
		assert_non_null(e);
		check_masquerade(e, names[i], srcs[i], masks[i], ifs[i]);
		total += e->next_offset;
	}
	assert_null(cfs_fw_rules_next(&nat, e));
	assert_int_equal(total, nat.len);

	assert_int_equal(cfs_fw_rules_build(CFS_FW_FILTER, n, 3, &filter, &err), 0);
	assert_int_equal(filter.count, 12);
	e = NULL;
	total = 0;
	/* Isolation rules of every network come before any accept. */
	for (size_t i = 0; i < 3; i++) {
		const struct ipt_entry *first = cfs_fw_rules_next(&filter, e);

		check_isolation(&e, &filter, names[i], ifs[i]);
		total += first->next_offset + e->next_offset;
	}
	for (size_t i = 0; i < 3; i++) {
		e = cfs_fw_rules_next(&filter, e);
		check_accept_in(e, names[i], ifs[i]);
		total += e->next_offset;
		e = cfs_fw_rules_next(&filter, e);
		check_accept_reply(e, names[i], ifs[i]);
		total += e->next_offset;
	}
	assert_null(cfs_fw_rules_next(&filter, e));
	assert_int_equal(total, filter.len);
	cfs_fw_rules_free(&nat);
	cfs_fw_rules_free(&filter);
}


static void test_internal_network(void **state)
{
	struct cfs_fw_net n[2] = {
		mknet("default", "10.0.0.0/24", "cfsbr0"),
		mknet("lab", "10.9.0.0/24", "cfsbr1"),
	};
	struct cfs_fw_rules nat, filter;
	const struct ipt_entry *e = NULL;
	cfs_error_t err;

	(void)state;
	n[1].internal = true;
	assert_int_equal(cfs_fw_rules_build(CFS_FW_NAT, n, 2, &nat, &err), 0);
	assert_int_equal(nat.count, 1); /* no MASQUERADE for the internal one */
	check_masquerade(cfs_fw_rules_next(&nat, NULL), "default", "10.0.0.0",
			 "255.255.255.0", "cfsbr0");
	assert_int_equal(cfs_fw_rules_build(CFS_FW_FILTER, n, 2, &filter, &err), 0);
	assert_int_equal(filter.count, 8);
	check_isolation(&e, &filter, "default", "cfsbr0");
	check_isolation(&e, &filter, "lab", "cfsbr1");
	e = cfs_fw_rules_next(&filter, e);
	check_accept_in(e, "default", "cfsbr0");
	e = cfs_fw_rules_next(&filter, e);
	check_accept_reply(e, "default", "cfsbr0");
	e = cfs_fw_rules_next(&filter, e);
	check_ifaces_rule(e, "lab", "cfsbr1", "", false, "DROP", -NF_DROP - 1);
	e = cfs_fw_rules_next(&filter, e);
	check_ifaces_rule(e, "lab", "", "cfsbr1", false, "DROP", -NF_DROP - 1);
	assert_null(cfs_fw_rules_next(&filter, e));
	cfs_fw_rules_free(&nat);
	cfs_fw_rules_free(&filter);

	/* Only internal networks: the nat chain has nothing to hold. */
	assert_int_equal(cfs_fw_rules_build(CFS_FW_NAT, &n[1], 1, &nat, &err), 0);
	assert_int_equal(nat.count, 0);
	assert_null(nat.buf);
}

static void test_no_network(void **state)
{
	struct cfs_fw_rules r;
	cfs_error_t err;

	(void)state;
	assert_int_equal(cfs_fw_rules_build(CFS_FW_FILTER, NULL, 0, &r, &err), 0);
	assert_int_equal(r.count, 0);
	assert_int_equal(r.len, 0);
	assert_null(cfs_fw_rules_next(&r, NULL));
	cfs_fw_rules_free(&r);
}

static void test_jump(void **state)
{
	union {
		struct ipt_entry e;
		unsigned char b[CFS_FW_ENTRY_MAX];
	} u;
	const struct xt_standard_target *t;
	size_t sz;

	(void)state;
	memset(&u, 0x5a, sizeof(u));
	sz = cfs_fw_entry_jump(&u, sizeof(u), CFS_FW_CHAIN_FWD);
	assert_int_equal(sz, sizeof(struct ipt_entry) +
				     XT_ALIGN(sizeof(struct xt_standard_target)));
	assert_int_equal(u.e.target_offset, sizeof(struct ipt_entry));
	assert_int_equal(u.e.next_offset, sz);
	/* An unconditional jump: the whole ip part is zero. */
	assert_true(all_zero(&u.e.ip, sizeof(u.e.ip)));
	t = (const void *)target_of(&u.e);
	assert_string_equal(t->target.u.user.name, "CFSNET-FORWARD");
	assert_int_equal(t->target.u.user.target_size,
			 XT_ALIGN(sizeof(struct xt_standard_target)));
	/* Padding zeroed, whatever buf held. */
	assert_true(all_zero((const char *)t + sizeof(*t),
			     t->target.u.user.target_size - sizeof(*t)));
}

static void test_equal_input_equal_bytes(void **state)
{
	struct cfs_fw_net a[2] = {
		mknet("default", "10.0.0.0/24", "cfsbr0"),
		mknet("10.1.0.0-24", "10.1.0.0/24", "cfsbr1"),
	};
	struct cfs_fw_net b[2];
	cfs_error_t err;

	(void)state;
	/* Same values, different garbage after the strings. */
	memset(b, 0x3c, sizeof(b));
	for (size_t i = 0; i < 2; i++) {
		strcpy(b[i].name, a[i].name);
		strcpy(b[i].ifname, a[i].ifname);
		b[i].subnet = a[i].subnet;
		b[i].internal = a[i].internal;
	}
	for (int t = 0; t < CFS_FW_NTABLES; t++) {
		struct cfs_fw_rules ra, rb;

		assert_int_equal(cfs_fw_rules_build(t, a, 2, &ra, &err), 0);
		assert_int_equal(cfs_fw_rules_build(t, b, 2, &rb, &err), 0);
		assert_int_equal(ra.len, rb.len);
		assert_memory_equal(ra.buf, rb.buf, ra.len);
		for (const struct ipt_entry *e = cfs_fw_rules_next(&ra, NULL),
					    *f = cfs_fw_rules_next(&rb, NULL);
		     e; e = cfs_fw_rules_next(&ra, e), f = cfs_fw_rules_next(&rb, f)) {
			assert_true(cfs_fw_entry_same(f, target_of(e)->u.user.name, e));
		}
		cfs_fw_rules_free(&ra);
		cfs_fw_rules_free(&rb);
	}
}

/* Builds table t's rules for one network and reports whether they differ
 * from the reference, both bytewise and by cfs_fw_entry_same. */
static void assert_differs(enum cfs_fw_table t, const struct cfs_fw_net *ref,
			   const struct cfs_fw_net *other)
{
	struct cfs_fw_rules ra, rb;
	cfs_error_t err;
	bool all_same = true;

	assert_int_equal(cfs_fw_rules_build(t, ref, 1, &ra, &err), 0);
	assert_int_equal(cfs_fw_rules_build(t, other, 1, &rb, &err), 0);
	assert_true(ra.len != rb.len || memcmp(ra.buf, rb.buf, ra.len) != 0);
	for (const struct ipt_entry *e = cfs_fw_rules_next(&ra, NULL),
				    *f = cfs_fw_rules_next(&rb, NULL);
	     e && f; e = cfs_fw_rules_next(&ra, e), f = cfs_fw_rules_next(&rb, f))
		if (!cfs_fw_entry_same(f, target_of(f)->u.user.name, e))
			all_same = false;
	assert_false(all_same);
	cfs_fw_rules_free(&ra);
	cfs_fw_rules_free(&rb);
}

static void test_different_input_different_bytes(void **state)
{
	struct cfs_fw_net ref = mknet("default", "10.0.0.0/24", "cfsbr0");
	struct cfs_fw_net name = mknet("defaulT", "10.0.0.0/24", "cfsbr0");
	struct cfs_fw_net subnet = mknet("default", "10.0.1.0/24", "cfsbr0");
	struct cfs_fw_net prefix = mknet("default", "10.0.0.0/25", "cfsbr0");
	struct cfs_fw_net ifname = mknet("default", "10.0.0.0/24", "cfsbr1");
	struct cfs_fw_net prefixif = mknet("default", "10.0.0.0/24", "cfsbr00");

	(void)state;
	assert_differs(CFS_FW_NAT, &ref, &name);
	assert_differs(CFS_FW_NAT, &ref, &subnet);
	assert_differs(CFS_FW_NAT, &ref, &prefix);
	assert_differs(CFS_FW_NAT, &ref, &ifname);
	assert_differs(CFS_FW_NAT, &ref, &prefixif);
	assert_differs(CFS_FW_FILTER, &ref, &name);
	assert_differs(CFS_FW_FILTER, &ref, &ifname);
	assert_differs(CFS_FW_FILTER, &ref, &prefixif);
}

/* What the kernel hands back differs from what we built in ways that must
 * not count: name bytes after the NUL, and for ACCEPT the kernel's form
 * (empty name + verdict), which iptc_get_target() names "ACCEPT". */
static void test_same_as_read_back(void **state)
{
	struct cfs_fw_net n = mknet("default", "10.0.0.0/24", "cfsbr0");
	struct cfs_fw_rules r;
	unsigned char have[CFS_FW_ENTRY_MAX] __attribute__((aligned(8)));
	const struct ipt_entry *want;
	struct ipt_entry *h = (struct ipt_entry *)have;
	struct xt_entry_match *m;
	struct xt_standard_target *st;
	cfs_error_t err;

	(void)state;
	assert_int_equal(cfs_fw_rules_build(CFS_FW_FILTER, &n, 1, &r, &err), 0);
	want = NULL;
	for (int i = 0; i < 4; i++) /* the 4th is the conntrack rule */
		want = cfs_fw_rules_next(&r, want);
	memcpy(have, want, want->next_offset);

	m = (struct xt_entry_match *)(have + sizeof(*h));
	memset(m->u.user.name + 10, 0x77, sizeof(m->u.user.name) - 10);
	st = (struct xt_standard_target *)(have + h->target_offset);
	memset(st->target.u.user.name, 0, sizeof(st->target.u.user.name));
	st->verdict = -NF_ACCEPT - 1;
	h->counters.pcnt = 42; /* counters are not part of a rule */
	h->comefrom = 0x10;
	assert_true(cfs_fw_entry_same(h, "ACCEPT", want));

	/* The target's name decides for verdicts. */
	assert_false(cfs_fw_entry_same(h, "DROP", want));
	assert_false(cfs_fw_entry_same(h, NULL, want));

	/* Match data, revision, name, ip part all count. */
	m->data[0] ^= 1;
	assert_false(cfs_fw_entry_same(h, "ACCEPT", want));
	m->data[0] ^= 1;
	m->u.user.revision = 2;
	assert_false(cfs_fw_entry_same(h, "ACCEPT", want));
	m->u.user.revision = 3;
	m->u.user.name[0] = 'C';
	assert_false(cfs_fw_entry_same(h, "ACCEPT", want));
	m->u.user.name[0] = 'c';
	h->ip.invflags = IPT_INV_VIA_OUT;
	assert_false(cfs_fw_entry_same(h, "ACCEPT", want));
	h->ip.invflags = 0;
	h->ip.outiface_mask[6] = 0; /* "cfsbr0+" is another rule */
	assert_false(cfs_fw_entry_same(h, "ACCEPT", want));
	h->ip.outiface_mask[6] = 0xff;
	assert_true(cfs_fw_entry_same(h, "ACCEPT", want));
	cfs_fw_rules_free(&r);

	/* An extension target: its data counts too. */
	assert_int_equal(cfs_fw_rules_build(CFS_FW_NAT, &n, 1, &r, &err), 0);
	want = cfs_fw_rules_next(&r, NULL);
	memcpy(have, want, want->next_offset);
	assert_true(cfs_fw_entry_same(h, "MASQUERADE", want));
	((struct nf_nat_ipv4_multi_range_compat *)
		 ((struct xt_entry_target *)(have + h->target_offset))->data)->rangesize = 2;
	assert_false(cfs_fw_entry_same(h, "MASQUERADE", want));
	cfs_fw_rules_free(&r);

	/* A rule of another shape (one match fewer) never compares equal. */
	assert_int_equal(cfs_fw_rules_build(CFS_FW_FILTER, &n, 1, &r, &err), 0);
	want = cfs_fw_rules_next(&r, NULL);
	assert_false(cfs_fw_entry_same(cfs_fw_rules_next(&r, want), "ACCEPT", want));
	cfs_fw_rules_free(&r);
}

static void test_invalid_input(void **state)
{
	struct cfs_fw_net n[2] = {
		mknet("default", "10.0.0.0/24", "cfsbr0"),
		mknet("other", "10.1.0.0/24", "cfsbr1"),
	};
	unsigned char buf[CFS_FW_ENTRY_MAX] __attribute__((aligned(8)));
	struct cfs_fw_rules r;
	cfs_error_t err;

	(void)state;
	n[1].ifname[0] = '\0';
	cfs_error_clear(&err);
	assert_int_equal(cfs_fw_rules_build(CFS_FW_NAT, n, 2, &r, &err), -1);
	assert_null(r.buf);
	assert_non_null(strstr(err.msg, "network other"));
	assert_int_equal(err.errnum, EINVAL);

	memset(n[1].ifname, 'x', sizeof(n[1].ifname)); /* no NUL */
	assert_int_equal(cfs_fw_rules_build(CFS_FW_FILTER, n, 2, &r, &err), -1);
	assert_null(r.buf);
	assert_int_equal(cfs_fw_entry_accept_in(buf, sizeof(buf), &n[1]), 0);

	strcpy(n[1].ifname, "cfsbr1");
	n[1].subnet.prefix = 33;
	assert_int_equal(cfs_fw_rules_build(CFS_FW_NAT, n, 2, &r, &err), -1);
	assert_non_null(strstr(err.msg, "prefix"));

	/* Buffers too small for the entry. */
	assert_int_equal(cfs_fw_entry_masquerade(buf, sizeof(struct ipt_entry) - 1, &n[0]), 0);
	assert_int_equal(cfs_fw_entry_masquerade(buf, sizeof(struct ipt_entry) + 100, &n[0]), 0);
	assert_int_equal(cfs_fw_entry_accept_reply(buf, 300, &n[0]), 0);
	assert_int_equal(cfs_fw_entry_jump(buf, sizeof(struct ipt_entry) + 8, "X"), 0);
	assert_true(cfs_fw_entry_accept_reply(buf, sizeof(buf), &n[0]) > 300);
}

static void test_tables(void **state)
{
	(void)state;
	assert_string_equal(cfs_fw_table_name(CFS_FW_NAT), "nat");
	assert_string_equal(cfs_fw_chain(CFS_FW_NAT), "CFSNET-POSTROUTING");
	assert_string_equal(cfs_fw_builtin(CFS_FW_NAT), "POSTROUTING");
	assert_string_equal(cfs_fw_table_name(CFS_FW_FILTER), "filter");
	assert_string_equal(cfs_fw_chain(CFS_FW_FILTER), "CFSNET-FORWARD");
	assert_string_equal(cfs_fw_builtin(CFS_FW_FILTER), "FORWARD");
	assert_int_equal(cfs_fw_commit_count(CFS_FW_NAT), 0);
	assert_int_equal(cfs_fw_commit_count(CFS_FW_FILTER), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_network_nat),
		cmocka_unit_test(test_one_network_filter),
		cmocka_unit_test(test_several_networks),
		cmocka_unit_test(test_internal_network),
		cmocka_unit_test(test_no_network),
		cmocka_unit_test(test_jump),
		cmocka_unit_test(test_equal_input_equal_bytes),
		cmocka_unit_test(test_different_input_different_bytes),
		cmocka_unit_test(test_same_as_read_back),
		cmocka_unit_test(test_invalid_input),
		cmocka_unit_test(test_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

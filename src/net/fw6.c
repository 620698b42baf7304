/* fw6.c - the IPv6 half of cfsnet's rules, written through libip6tc: the
 * networks with an IPv6 prefix get in ip6tables' nat and filter tables the
 * rules fw.c gives every network in iptables', in chains of the same names
 * (CFSNET-POSTROUTING, CFSNET-FORWARD) jumped to from the top of
 * POSTROUTING and FORWARD:
 *
 *   nat     -s PREFIX6 ! -o IF -j MASQUERADE            (not internal: NAT66)
 *   filter  -i IF -o IF -j ACCEPT, -i IF -o cfs+ -j DROP (every network first)
 *           -i IF -j ACCEPT, -o IF -m conntrack --ctstate RELATED,ESTABLISHED
 *           -j ACCEPT  (or -i IF -j DROP, -o IF -j DROP when internal)
 *
 * each with the comment "cfsnet:NAME". The design is fw.c's: declarative
 * (read the table, compare, rewrite our chain only when it differs), each
 * table committed once and only on change, nothing but our chain and our
 * jump ever touched. libip6tc has the same single-threaded rules as
 * libiptc. */
#include "fw6-internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>

#include "../common/util.h"

enum { T_NAT = CFS_FW6_NAT, T_FILTER = CFS_FW6_FILTER, T_N = CFS_FW6_NTABLES };

static const struct {
	const char *table, *chain, *builtin;
} tables[T_N] = {
	[T_NAT] = { "nat", CFS_FW_CHAIN_NAT, "POSTROUTING" },
	[T_FILTER] = { "filter", CFS_FW_CHAIN_FWD, "FORWARD" },
};

#define ENTRY_MAX 1024
#define IFPREFIX "cfs"

/* ---- building entries (as fw.c's ebuf, for struct ip6t_entry) --------- */

struct ebuf6 {
	struct ip6t_entry *e;
	size_t len;
};

static bool eb_init(struct ebuf6 *b, void *buf, size_t len)
{
	if (len < sizeof(struct ip6t_entry))
		return false;
	memset(buf, 0, len);
	b->e = buf;
	b->len = len;
	b->e->target_offset = sizeof(struct ip6t_entry);
	b->e->next_offset = sizeof(struct ip6t_entry);
	return true;
}

static void *eb_match(struct ebuf6 *b, const char *name, uint8_t revision,
		      size_t datalen)
{
	size_t size = XT_ALIGN(sizeof(struct xt_entry_match) + datalen);
	struct xt_entry_match *m;

	if (!b->e || size > b->len - b->e->target_offset) {
		b->e = NULL;
		return NULL;
	}
	m = (struct xt_entry_match *)((char *)b->e + b->e->target_offset);
	m->u.user.match_size = size;
	snprintf(m->u.user.name, sizeof(m->u.user.name), "%s", name);
	m->u.user.revision = revision;
	b->e->target_offset += size;
	b->e->next_offset = b->e->target_offset;
	return m->data;
}

static void *eb_target(struct ebuf6 *b, const char *name, uint8_t revision,
		       size_t datalen)
{
	size_t size = XT_ALIGN(sizeof(struct xt_entry_target) + datalen);
	struct xt_entry_target *t;

	if (!b->e || size > b->len - b->e->target_offset) {
		b->e = NULL;
		return NULL;
	}
	t = (struct xt_entry_target *)((char *)b->e + b->e->target_offset);
	t->u.user.target_size = size;
	snprintf(t->u.user.name, sizeof(t->u.user.name), "%s", name);
	t->u.user.revision = revision;
	b->e->next_offset = b->e->target_offset + size;
	return t->data;
}

static size_t eb_done(const struct ebuf6 *b)
{
	return b->e ? b->e->next_offset : 0;
}

static void eb_standard(struct ebuf6 *b, const char *name, int verdict)
{
	int *v = eb_target(b, name, 0, sizeof(struct xt_standard_target) -
					       sizeof(struct xt_entry_target));

	if (v)
		*v = verdict;
}

static bool valid_ifname(const char *ifname)
{
	size_t l = strnlen(ifname, IFNAMSIZ);

	return l > 0 && l < IFNAMSIZ;
}

/* Exact match: the mask covers the name and its NUL; prefix: not the NUL. */
static void set_iface(char name[IFNAMSIZ], unsigned char mask[IFNAMSIZ],
		      const char *ifname, bool prefix)
{
	size_t l = strnlen(ifname, IFNAMSIZ - 1);

	memcpy(name, ifname, l);
	memset(mask, 0xff, prefix ? l : l + 1);
}

static void add_comment(struct ebuf6 *b, const struct cfs_fw_net *net)
{
	struct xt_comment_info *c =
		eb_match(b, "comment", 0, sizeof(struct xt_comment_info));

	if (c)
		snprintf(c->comment, sizeof(c->comment), "cfsnet:%.*s",
			 (int)sizeof(net->name), net->name);
}

/* -s PREFIX6 ! -o IF -j MASQUERADE: the IPv6 MASQUERADE target, revision 0,
 * takes one struct nf_nat_range (all zero: the outgoing interface's
 * address, any port), as ip6tables writes it. */
static size_t entry_masquerade(void *buf, size_t len, const struct cfs_fw_net *net)
{
	struct cfs_cidr6 pfx = net->subnet6;
	struct ebuf6 b;

	if (!eb_init(&b, buf, len))
		return 0;
	b.e->ipv6.src = cfs_cidr6_network(&pfx);
	memset(&pfx.addr, 0xff, sizeof(pfx.addr));
	b.e->ipv6.smsk = cfs_cidr6_network(&pfx);
	set_iface(b.e->ipv6.outiface, b.e->ipv6.outiface_mask, net->ifname, false);
	b.e->ipv6.invflags = IP6T_INV_VIA_OUT;
	add_comment(&b, net);
	eb_target(&b, "MASQUERADE", 0, sizeof(struct nf_nat_range));
	return eb_done(&b);
}

/* -i IN -o OUT -j VERDICT ("" = any; out_prefix: "OUT+"). */
static size_t entry_ifaces(void *buf, size_t len, const struct cfs_fw_net *net,
			   const char *in, const char *out, bool out_prefix,
			   const char *label, int verdict)
{
	struct ebuf6 b;

	if (!eb_init(&b, buf, len))
		return 0;
	if (*in)
		set_iface(b.e->ipv6.iniface, b.e->ipv6.iniface_mask, in, false);
	if (*out)
		set_iface(b.e->ipv6.outiface, b.e->ipv6.outiface_mask, out,
			  out_prefix);
	add_comment(&b, net);
	eb_standard(&b, label, verdict);
	return eb_done(&b);
}

static size_t entry_accept_reply(void *buf, size_t len,
				 const struct cfs_fw_net *net)
{
	struct xt_conntrack_mtinfo3 *ct;
	struct ebuf6 b;

	if (!eb_init(&b, buf, len))
		return 0;
	set_iface(b.e->ipv6.outiface, b.e->ipv6.outiface_mask, net->ifname, false);
	ct = eb_match(&b, "conntrack", 3, sizeof(*ct));
	if (ct) {
		ct->match_flags = XT_CONNTRACK_STATE;
		ct->state_mask = XT_CONNTRACK_STATE_BIT(IP_CT_RELATED) |
				 XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED);
	}
	add_comment(&b, net);
	eb_standard(&b, IP6TC_LABEL_ACCEPT, -NF_ACCEPT - 1);
	return eb_done(&b);
}

static size_t entry_jump(void *buf, size_t len, const char *chain)
{
	struct ebuf6 b;

	if (!eb_init(&b, buf, len))
		return 0;
	eb_standard(&b, chain, 0);
	return eb_done(&b);
}

/* ---- the rules of one table ------------------------------------------ */

#define rules6 cfs_fw6_rules /* the type, under a shorter name */

void cfs_fw6_rules_free(struct rules6 *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

enum rule_kind { R_MASQ, R_INTRA, R_OTHER, R_IN, R_REPLY, R_DROPIN, R_DROPOUT };

static size_t add_rule(struct rules6 *r, enum rule_kind kind,
		       const struct cfs_fw_net *net)
{
	void *p = r->buf + r->len;
	const char *i = net->ifname;
	size_t sz = 0;

	switch (kind) {
	case R_MASQ: sz = entry_masquerade(p, ENTRY_MAX, net); break;
	case R_INTRA:
		sz = entry_ifaces(p, ENTRY_MAX, net, i, i, false,
				  IP6TC_LABEL_ACCEPT, -NF_ACCEPT - 1);
		break;
	case R_OTHER:
		sz = entry_ifaces(p, ENTRY_MAX, net, i, IFPREFIX, true,
				  IP6TC_LABEL_DROP, -NF_DROP - 1);
		break;
	case R_IN:
		sz = entry_ifaces(p, ENTRY_MAX, net, i, "", false,
				  IP6TC_LABEL_ACCEPT, -NF_ACCEPT - 1);
		break;
	case R_REPLY: sz = entry_accept_reply(p, ENTRY_MAX, net); break;
	case R_DROPIN:
		sz = entry_ifaces(p, ENTRY_MAX, net, i, "", false,
				  IP6TC_LABEL_DROP, -NF_DROP - 1);
		break;
	case R_DROPOUT:
		sz = entry_ifaces(p, ENTRY_MAX, net, "", i, false,
				  IP6TC_LABEL_DROP, -NF_DROP - 1);
		break;
	}
	r->len += sz;
	r->count += sz ? 1 : 0;
	return sz;
}

/* Isolation rules of every network first, then each one's accepts (or
 * drops), as fw.c orders them. */
int cfs_fw6_rules_build(int t, const struct cfs_fw_net *nets, size_t n,
			struct rules6 *out, cfs_error_t *err)
{
	size_t n6 = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		if (!nets[i].has6)
			continue;
		if (!valid_ifname(nets[i].ifname) || nets[i].subnet6.prefix > 128)
			return cfs_fail(err, EINVAL, "network %.*s: invalid IPv6 rule",
					(int)sizeof(nets[i].name), nets[i].name);
		n6++;
	}
	if (!n6)
		return 0;
	out->buf = malloc(n6 * 4 * ENTRY_MAX);
	if (!out->buf)
		return cfs_fail(err, ENOMEM, "building the IPv6 rules of %s",
				tables[t].chain);
	for (int phase = 0; phase < 2; phase++) {
		for (size_t i = 0; i < n; i++) {
			const struct cfs_fw_net *net = &nets[i];
			size_t ok = 1;

			if (!net->has6)
				continue;
			if (t == T_NAT) {
				if (phase == 1 && !net->internal)
					ok = add_rule(out, R_MASQ, net);
			} else if (phase == 0) {
				ok = add_rule(out, R_INTRA, net) &&
				     add_rule(out, R_OTHER, net);
			} else if (net->internal) {
				ok = add_rule(out, R_DROPIN, net) &&
				     add_rule(out, R_DROPOUT, net);
			} else {
				ok = add_rule(out, R_IN, net) &&
				     add_rule(out, R_REPLY, net);
			}
			if (!ok) {
				cfs_fw6_rules_free(out);
				return cfs_fail(err, EINVAL, "building the IPv6 rules of %s",
						tables[t].chain);
			}
		}
	}
	return 0;
}

const struct ip6t_entry *cfs_fw6_rules_next(const struct rules6 *r,
					    const struct ip6t_entry *prev)
{
	size_t off = 0;

	if (prev)
		off = (size_t)((const unsigned char *)prev - r->buf) +
		      prev->next_offset;
	if (!r->buf || off >= r->len)
		return NULL;
	return (const struct ip6t_entry *)(r->buf + off);
}

/* ---- comparing (see cfs_fw_entry_same in fw-internal.h) --------------- */

static bool resolved_by_libip6tc(const char *name)
{
	static const char *const labels[] = {
		IP6TC_LABEL_ACCEPT, IP6TC_LABEL_DROP, IP6TC_LABEL_QUEUE,
		IP6TC_LABEL_RETURN, CFS_FW_CHAIN_NAT, CFS_FW_CHAIN_FWD,
	};

	for (size_t i = 0; i < CFS_ARRAY_SIZE(labels); i++)
		if (strcmp(name, labels[i]) == 0)
			return true;
	return false;
}

bool cfs_fw6_entry_same(const struct ip6t_entry *have, const char *have_target,
			const struct ip6t_entry *want)
{
	const struct xt_entry_target *ht, *wt;

	if (!have_target || have->target_offset != want->target_offset ||
	    have->next_offset != want->next_offset ||
	    memcmp(&have->ipv6, &want->ipv6, sizeof(want->ipv6)) != 0)
		return false;
	for (size_t off = sizeof(*want); off < want->target_offset;) {
		const struct xt_entry_match *hm = (const void *)((const char *)have + off);
		const struct xt_entry_match *wm = (const void *)((const char *)want + off);
		size_t size = wm->u.user.match_size;

		if (hm->u.user.match_size != size ||
		    strncmp(hm->u.user.name, wm->u.user.name,
			    sizeof(wm->u.user.name)) != 0 ||
		    hm->u.user.revision != wm->u.user.revision ||
		    memcmp(hm->data, wm->data, size - sizeof(*wm)) != 0)
			return false;
		off += size;
	}
	wt = (const void *)((const char *)want + want->target_offset);
	if (strncmp(have_target, wt->u.user.name, sizeof(wt->u.user.name)) != 0)
		return false;
	if (resolved_by_libip6tc(wt->u.user.name))
		return true;
	ht = (const void *)((const char *)have + have->target_offset);
	return ht->u.user.target_size == wt->u.user.target_size &&
	       ht->u.user.revision == wt->u.user.revision &&
	       memcmp(ht->data, wt->data,
		      wt->u.user.target_size - sizeof(*wt)) == 0;
}

/* ---- syncing through libip6tc ---------------------------------------- */

__attribute__((format(printf, 2, 3)))
static int ip6tc_fail(cfs_error_t *err, const char *fmt, ...)
{
	int e = errno;
	const char *why = ip6tc_strerror(e);
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	cfs_fail(err, 0, "%s: %s", what, why);
	if (err)
		err->errnum = e;
	return -1;
}

static bool chain_holds(struct xtc_handle *h, const char *chain,
			const struct rules6 *rules)
{
	const struct ip6t_entry *have = ip6tc_first_rule(chain, h);
	const struct ip6t_entry *want = cfs_fw6_rules_next(rules, NULL);

	for (; have && want; have = ip6tc_next_rule(have, h),
			     want = cfs_fw6_rules_next(rules, want))
		if (!cfs_fw6_entry_same(have, ip6tc_get_target(have, h), want))
			return false;
	return !have && !want;
}

static bool has_jump(struct xtc_handle *h, const char *builtin,
		     const struct ip6t_entry *jump)
{
	for (const struct ip6t_entry *e = ip6tc_first_rule(builtin, h); e;
	     e = ip6tc_next_rule(e, h))
		if (cfs_fw6_entry_same(e, ip6tc_get_target(e, h), jump))
			return true;
	return false;
}

static int remove_jumps(struct xtc_handle *h, int t, bool *changed,
			cfs_error_t *err)
{
	for (;;) {
		const struct ip6t_entry *e;
		unsigned idx = 0;
		const char *target = NULL;

		for (e = ip6tc_first_rule(tables[t].builtin, h); e;
		     e = ip6tc_next_rule(e, h), idx++) {
			target = ip6tc_get_target(e, h);
			if (target && strcmp(target, tables[t].chain) == 0)
				break;
		}
		if (!e)
			return 0;
		/* 0-based, as in fw.c. */
		if (!ip6tc_delete_num_entry(tables[t].builtin, idx, h))
			return ip6tc_fail(err, "deleting the IPv6 jump to %s from %s in table %s",
					  tables[t].chain, tables[t].builtin,
					  tables[t].table);
		*changed = true;
	}
}

static int stage_table(struct xtc_handle *h, int t, const struct rules6 *rules,
		       bool *changed, cfs_error_t *err)
{
	const char *table = tables[t].table, *chain = tables[t].chain;
	const char *builtin = tables[t].builtin;
	union {
		struct ip6t_entry e;
		unsigned char bytes[ENTRY_MAX];
	} jump;
	bool exists = ip6tc_is_chain(chain, h);
	unsigned refs = 0;

	*changed = false;
	if (!entry_jump(&jump, sizeof(jump), chain))
		return cfs_fail(err, EINVAL, "building the IPv6 jump to %s", chain);
	if (rules->count == 0) {
		if (remove_jumps(h, t, changed, err) < 0)
			return -1;
		if (!exists)
			return 0;
		if (ip6tc_get_references(&refs, chain, h) && refs > 0)
			return cfs_fail(err, EMLINK,
					"deleting IPv6 chain %s in table %s: still referenced by %u rule(s) outside %s",
					chain, table, refs, builtin);
		if (!ip6tc_flush_entries(chain, h))
			return ip6tc_fail(err, "flushing IPv6 chain %s in table %s",
					  chain, table);
		if (!ip6tc_delete_chain(chain, h))
			return ip6tc_fail(err, "deleting IPv6 chain %s in table %s",
					  chain, table);
		*changed = true;
		return 0;
	}
	if (!exists) {
		if (!ip6tc_create_chain(chain, h))
			return ip6tc_fail(err, "creating IPv6 chain %s in table %s",
					  chain, table);
		*changed = true;
	}
	if (!exists || !chain_holds(h, chain, rules)) {
		if (exists && !ip6tc_flush_entries(chain, h))
			return ip6tc_fail(err, "flushing IPv6 chain %s in table %s",
					  chain, table);
		for (const struct ip6t_entry *e = cfs_fw6_rules_next(rules, NULL); e;
		     e = cfs_fw6_rules_next(rules, e))
			if (!ip6tc_append_entry(chain, e, h))
				return ip6tc_fail(err, "adding a rule to IPv6 chain %s in table %s",
						  chain, table);
		*changed = true;
	}
	if (!has_jump(h, builtin, &jump.e)) {
		if (!ip6tc_insert_entry(builtin, &jump.e, 0, h))
			return ip6tc_fail(err, "inserting the IPv6 jump to %s into %s in table %s",
					  chain, builtin, table);
		*changed = true;
	}
	return 0;
}

struct sync6 {
	struct rules6 rules[T_N];
	struct xtc_handle *h[T_N];
};

static void sync6_free(struct sync6 *st)
{
	for (int t = 0; t < T_N; t++) {
		cfs_fw6_rules_free(&st->rules[t]);
		if (st->h[t])
			ip6tc_free(st->h[t]);
	}
}

/* Has any ip6tables table been used in this network namespace? The kernel
 * makes a namespace's tables on first use and lists them here. */
static bool ip6_tables_in_use(void)
{
	FILE *f = fopen("/proc/net/ip6_tables_names", "re");
	int c;

	if (!f)
		return false; /* no ip6_tables at all */
	c = fgetc(f);
	fclose(f);
	return c != EOF;
}

int cfs_fw6_sync(const struct cfs_fw_net *nets, size_t n, cfs_error_t *err)
{
	__attribute__((cleanup(sync6_free))) struct sync6 st = { 0 };
	bool changed[T_N], any = false;

	for (int t = 0; t < T_N; t++) {
		if (cfs_fw6_rules_build(t, nets, n, &st.rules[t], err) < 0)
			return -1;
		any = any || st.rules[t].count;
	}
	/* No dual-stack network and no table that could hold our chains: an
	 * IPv4-only host is not made to grow IPv6 tables, nor to read them. */
	if (!any && !ip6_tables_in_use())
		return 0;
	if (cfs_ip6tc_load(err) < 0)
		return -1;
	for (int t = 0; t < T_N; t++) {
		st.h[t] = ip6tc_init(tables[t].table);
		if (!st.h[t]) {
			/* No legacy ip6tables at all and nothing to write: the
			 * state wanted (no chain) holds. */
			if (!any && (errno == ENOPROTOOPT || errno == ENOENT))
				return 0;
			ip6tc_fail(err, "initialising IPv6 table %s", tables[t].table);
			if (err && err->errnum == ENOPROTOOPT)
				cfs_error_append(err, "the kernel lacks the legacy ip6tables tables (ip6_tables) cfsnet writes");
			return -1;
		}
		if (stage_table(st.h[t], t, &st.rules[t], &changed[t], err) < 0)
			return -1;
	}
	for (int t = 0; t < T_N; t++) {
		if (!changed[t])
			continue;
		if (!ip6tc_commit(st.h[t]))
			return ip6tc_fail(err, "committing IPv6 table %s", tables[t].table);
	}
	return 0;
}

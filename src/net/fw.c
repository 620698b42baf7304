/* fw.c - cfsnet's NAT and forwarding rules, written through libiptc.
 *
 * cfsnet owns two chains, CFSNET-POSTROUTING (nat) and CFSNET-FORWARD
 * (filter), each reached by one unconditional jump at the top of the
 * built-in chain. cfs_fw_sync() is declarative: it reads a table, compares
 * our chain with the rules wanted, and commits only when something
 * differs, because a commit replaces the whole table in the kernel (every
 * rule of every tool, counters copied over). Rules that are not ours are
 * never rewritten: libiptc carries them through a commit unchanged.
 *
 * libiptc is not thread-safe (iptc_strerror() reads a static set by the
 * last call), so this runs from one thread at a time. */
#include "fw-internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/xt_addrtype.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_tcpudp.h>

#include "../common/util.h"

/* base: the chain whose table handle (and commit counter) the others of
 * the same kernel table share. */
static const struct {
	const char *table, *chain, *builtin;
	enum cfs_fw_table base;
} tables[CFS_FW_NTABLES] = {
	[CFS_FW_NAT] = { "nat", CFS_FW_CHAIN_NAT, "POSTROUTING", CFS_FW_NAT },
	[CFS_FW_FILTER] = { "filter", CFS_FW_CHAIN_FWD, "FORWARD", CFS_FW_FILTER },
	[CFS_FW_NAT_PRE] = { "nat", CFS_FW_CHAIN_PRE, "PREROUTING", CFS_FW_NAT },
	[CFS_FW_NAT_OUT] = { "nat", CFS_FW_CHAIN_OUT, "OUTPUT", CFS_FW_NAT },
};

static unsigned commits[CFS_FW_NTABLES];

const char *cfs_fw_table_name(enum cfs_fw_table t)
{
	return tables[t].table;
}

const char *cfs_fw_chain(enum cfs_fw_table t)
{
	return tables[t].chain;
}

const char *cfs_fw_builtin(enum cfs_fw_table t)
{
	return tables[t].builtin;
}

unsigned cfs_fw_commit_count(enum cfs_fw_table t)
{
	return commits[tables[t].base];
}

unsigned cfs_fw_commits(void)
{
	unsigned n = 0;

	for (int t = 0; t < CFS_FW_NTABLES; t++)
		if (tables[t].base == (enum cfs_fw_table)t)
			n += commits[t];
	return n;
}

/* ---- building entries ------------------------------------------------ */

/* An entry under construction in a caller's buffer: matches are appended
 * at target_offset, which moves with them; the target goes last. */
struct ebuf {
	struct ipt_entry *e;
	size_t len;
};

static bool ebuf_init(struct ebuf *b, void *buf, size_t len)
{
	if (len < sizeof(struct ipt_entry))
		return false;
	memset(buf, 0, len);
	b->e = buf;
	b->len = len;
	b->e->target_offset = sizeof(struct ipt_entry);
	b->e->next_offset = sizeof(struct ipt_entry);
	return true;
}

/* Appends a match of datalen bytes and returns its (zeroed) data. */
static void *ebuf_match(struct ebuf *b, const char *name, uint8_t revision,
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

/* Sets the target (datalen bytes of data) and returns its zeroed data. */
static void *ebuf_target(struct ebuf *b, const char *name, uint8_t revision,
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

static size_t ebuf_done(const struct ebuf *b)
{
	return b->e ? b->e->next_offset : 0;
}

/* A verdict (ACCEPT, ...) or a jump: libiptc turns the name into the
 * kernel's form (empty name + verdict or offset) when it stores the rule. */
static void ebuf_standard(struct ebuf *b, const char *name, int verdict)
{
	int *v = ebuf_target(b, name, 0,
			     sizeof(struct xt_standard_target) -
				     sizeof(struct xt_entry_target));

	if (v)
		*v = verdict;
}

static bool valid_ifname(const char *ifname)
{
	size_t l = strnlen(ifname, IFNAMSIZ);

	return l > 0 && l < IFNAMSIZ;
}

/* The interface part of the ip header the way iptables writes "-i IF":
 * the mask covers the name and its NUL, so the match is exact (a mask
 * without the NUL would be "IF+", a prefix match). */
static void set_iface(char name[IFNAMSIZ], unsigned char mask[IFNAMSIZ],
		      const char *ifname)
{
	size_t l = strnlen(ifname, IFNAMSIZ - 1);

	memcpy(name, ifname, l);
	memset(mask, 0xff, l + 1);
}

static void add_comment(struct ebuf *b, const struct cfs_fw_net *net)
{
	struct xt_comment_info *c =
		ebuf_match(b, "comment", 0, sizeof(struct xt_comment_info));

	/* net->name is at most 63 chars, far below XT_MAX_COMMENT_LEN. */
	if (c)
		snprintf(c->comment, sizeof(c->comment), "cfsnet:%.*s",
			 (int)sizeof(net->name), net->name);
}

size_t cfs_fw_entry_masquerade(void *buf, size_t len,
			       const struct cfs_fw_net *net)
{
	struct nf_nat_ipv4_multi_range_compat *mr;
	struct ebuf b;

	if (!valid_ifname(net->ifname) || net->subnet.prefix > 32 ||
	    !ebuf_init(&b, buf, len))
		return 0;
	b.e->ip.src.s_addr = htonl(cfs_cidr_network(&net->subnet));
	b.e->ip.smsk.s_addr = htonl(cfs_cidr_mask(net->subnet.prefix));
	set_iface(b.e->ip.outiface, b.e->ip.outiface_mask, net->ifname);
	b.e->ip.invflags = IPT_INV_VIA_OUT;
	add_comment(&b, net);
	/* Revision 0 wants exactly one range; all zero means "the address
	 * of the outgoing interface, any port". */
	mr = ebuf_target(&b, "MASQUERADE", 0, sizeof(*mr));
	if (mr)
		mr->rangesize = 1;
	return ebuf_done(&b);
}

size_t cfs_fw_entry_accept_in(void *buf, size_t len,
			      const struct cfs_fw_net *net)
{
	struct ebuf b;

	if (!valid_ifname(net->ifname) || !ebuf_init(&b, buf, len))
		return 0;
	set_iface(b.e->ip.iniface, b.e->ip.iniface_mask, net->ifname);
	add_comment(&b, net);
	ebuf_standard(&b, IPTC_LABEL_ACCEPT, -NF_ACCEPT - 1);
	return ebuf_done(&b);
}

size_t cfs_fw_entry_accept_reply(void *buf, size_t len,
				 const struct cfs_fw_net *net)
{
	struct xt_conntrack_mtinfo3 *ct;
	struct ebuf b;

	if (!valid_ifname(net->ifname) || !ebuf_init(&b, buf, len))
		return 0;
	set_iface(b.e->ip.outiface, b.e->ip.outiface_mask, net->ifname);
	ct = ebuf_match(&b, "conntrack", 3, sizeof(*ct));
	if (ct) {
		ct->match_flags = XT_CONNTRACK_STATE;
		ct->state_mask = XT_CONNTRACK_STATE_BIT(IP_CT_RELATED) |
				 XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED);
	}
	add_comment(&b, net);
	ebuf_standard(&b, IPTC_LABEL_ACCEPT, -NF_ACCEPT - 1);
	return ebuf_done(&b);
}

/* A rule of interfaces and a verdict only: -i IN -o OUT -j VERDICT, where
 * an empty name is "any" and out_prefix makes OUT a prefix ("OUT+"). */
static size_t entry_ifaces(void *buf, size_t len, const struct cfs_fw_net *net,
			   const char *in, const char *out, bool out_prefix,
			   const char *label, int verdict)
{
	struct ebuf b;

	if (!valid_ifname(net->ifname) || !ebuf_init(&b, buf, len))
		return 0;
	if (*in)
		set_iface(b.e->ip.iniface, b.e->ip.iniface_mask, in);
	if (*out && out_prefix) {
		/* The mask stops before the NUL: a prefix match. */
		size_t l = strnlen(out, IFNAMSIZ - 1);

		memcpy(b.e->ip.outiface, out, l);
		memset(b.e->ip.outiface_mask, 0xff, l);
	} else if (*out) {
		set_iface(b.e->ip.outiface, b.e->ip.outiface_mask, out);
	}
	add_comment(&b, net);
	ebuf_standard(&b, label, verdict);
	return ebuf_done(&b);
}

size_t cfs_fw_entry_accept_intra(void *buf, size_t len,
				 const struct cfs_fw_net *net)
{
	return entry_ifaces(buf, len, net, net->ifname, net->ifname, false,
			    IPTC_LABEL_ACCEPT, -NF_ACCEPT - 1);
}

size_t cfs_fw_entry_drop_other(void *buf, size_t len,
			       const struct cfs_fw_net *net)
{
	return entry_ifaces(buf, len, net, net->ifname, CFS_FW_IFPREFIX, true,
			    IPTC_LABEL_DROP, -NF_DROP - 1);
}

size_t cfs_fw_entry_drop_in(void *buf, size_t len, const struct cfs_fw_net *net)
{
	return entry_ifaces(buf, len, net, net->ifname, "", false,
			    IPTC_LABEL_DROP, -NF_DROP - 1);
}

size_t cfs_fw_entry_drop_out(void *buf, size_t len,
			     const struct cfs_fw_net *net)
{
	return entry_ifaces(buf, len, net, "", net->ifname, false,
			    IPTC_LABEL_DROP, -NF_DROP - 1);
}

size_t cfs_fw_entry_jump(void *buf, size_t len, const char *chain)
{
	struct ebuf b;

	if (!ebuf_init(&b, buf, len))
		return 0;
	ebuf_standard(&b, chain, 0);
	return ebuf_done(&b);
}

/* ---- published ports ------------------------------------------------- */

static void add_comment_name(struct ebuf *b, const char *name)
{
	struct xt_comment_info *c =
		ebuf_match(b, "comment", 0, sizeof(struct xt_comment_info));

	if (c)
		snprintf(c->comment, sizeof(c->comment), "cfsnet:%.*s", 63, name);
}

static bool valid_port(const struct cfs_fw_port *p)
{
	return (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) &&
	       p->host_port && p->port && valid_ifname(p->ifname) &&
	       p->subnet.prefix <= 32;
}

/* "-p P -m P --dport D" (or --sport S): ports in host byte order, the
 * other range left at 0:65535 as iptables writes it. */
static void add_l4(struct ebuf *b, int proto, uint16_t sport, uint16_t dport)
{
	uint16_t *spts, *dpts;

	if (!b->e)
		return;
	b->e->ip.proto = (uint16_t)proto;
	if (proto == IPPROTO_TCP) {
		struct xt_tcp *t = ebuf_match(b, "tcp", 0, sizeof(*t));

		if (!t)
			return;
		spts = t->spts;
		dpts = t->dpts;
	} else {
		struct xt_udp *u = ebuf_match(b, "udp", 0, sizeof(*u));

		if (!u)
			return;
		spts = u->spts;
		dpts = u->dpts;
	}
	spts[0] = sport;
	spts[1] = sport ? sport : 0xffff;
	dpts[0] = dport;
	dpts[1] = dport ? dport : 0xffff;
}

static void add_ctstate_dnat(struct ebuf *b)
{
	struct xt_conntrack_mtinfo3 *ct = ebuf_match(b, "conntrack", 3, sizeof(*ct));

	if (ct) {
		ct->match_flags = XT_CONNTRACK_STATE;
		ct->state_mask = XT_CONNTRACK_STATE_DNAT;
	}
}

static void set_host(struct in_addr *a, struct in_addr *m, uint32_t addr)
{
	a->s_addr = htonl(addr);
	m->s_addr = 0xffffffff;
}

size_t cfs_fw_entry_dnat(void *buf, size_t len, const struct cfs_fw_port *p,
			 bool local)
{
	struct nf_nat_range2 *r;
	struct xt_addrtype_info_v1 *at;
	struct ebuf b;

	if (!valid_port(p) || !ebuf_init(&b, buf, len))
		return 0;
	if (local) {
		/* Loopback destinations stay: their source (127.0.0.1)
		 * could not leave through the bridge without route_localnet. */
		b.e->ip.dst.s_addr = htonl(0x7f000000);
		b.e->ip.dmsk.s_addr = htonl(0xff000000);
		b.e->ip.invflags = IPT_INV_DSTIP;
	}
	b.e->ip.proto = (uint16_t)p->proto;
	at = ebuf_match(&b, "addrtype", 1, sizeof(*at));
	if (at)
		at->dest = XT_ADDRTYPE_LOCAL;
	add_l4(&b, p->proto, 0, p->host_port);
	add_comment_name(&b, p->name);
	/* Revision 2, the one iptables 1.8 writes for --to-destination. */
	r = ebuf_target(&b, "DNAT", 2, sizeof(*r));
	if (r) {
		r->flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED;
		r->min_addr.ip = r->max_addr.ip = htonl(p->addr);
		r->min_proto.all = r->max_proto.all = htons(p->port);
	}
	return ebuf_done(&b);
}

size_t cfs_fw_entry_hairpin(void *buf, size_t len, const struct cfs_fw_port *p)
{
	struct nf_nat_ipv4_multi_range_compat *mr;
	struct ebuf b;

	if (!valid_port(p) || !ebuf_init(&b, buf, len))
		return 0;
	b.e->ip.src.s_addr = htonl(cfs_cidr_network(&p->subnet));
	b.e->ip.smsk.s_addr = htonl(cfs_cidr_mask(p->subnet.prefix));
	set_host(&b.e->ip.dst, &b.e->ip.dmsk, p->addr);
	set_iface(b.e->ip.outiface, b.e->ip.outiface_mask, p->ifname);
	add_l4(&b, p->proto, 0, p->port);
	add_ctstate_dnat(&b);
	add_comment_name(&b, p->name);
	mr = ebuf_target(&b, "MASQUERADE", 0, sizeof(*mr));
	if (mr)
		mr->rangesize = 1;
	return ebuf_done(&b);
}

size_t cfs_fw_entry_publish_in(void *buf, size_t len,
			       const struct cfs_fw_port *p)
{
	struct ebuf b;

	if (!valid_port(p) || !ebuf_init(&b, buf, len))
		return 0;
	set_host(&b.e->ip.dst, &b.e->ip.dmsk, p->addr);
	set_iface(b.e->ip.outiface, b.e->ip.outiface_mask, p->ifname);
	add_l4(&b, p->proto, 0, p->port);
	add_ctstate_dnat(&b);
	add_comment_name(&b, p->name);
	ebuf_standard(&b, IPTC_LABEL_ACCEPT, -NF_ACCEPT - 1);
	return ebuf_done(&b);
}

size_t cfs_fw_entry_publish_reply(void *buf, size_t len,
				  const struct cfs_fw_port *p)
{
	struct ebuf b;

	if (!valid_port(p) || !ebuf_init(&b, buf, len))
		return 0;
	set_host(&b.e->ip.src, &b.e->ip.smsk, p->addr);
	set_iface(b.e->ip.iniface, b.e->ip.iniface_mask, p->ifname);
	add_l4(&b, p->proto, p->port, 0);
	add_ctstate_dnat(&b);
	add_comment_name(&b, p->name);
	ebuf_standard(&b, IPTC_LABEL_ACCEPT, -NF_ACCEPT - 1);
	return ebuf_done(&b);
}

/* A failure whose message already says why: errnum is kept for callers
 * but strerror's words are not appended. */
__attribute__((format(printf, 3, 4)))
static int fail_quiet(cfs_error_t *err, int errnum, const char *fmt, ...)
{
	char msg[sizeof(err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfs_fail(err, 0, "%s", msg);
	if (err)
		err->errnum = errnum;
	return -1;
}

void cfs_fw_rules_free(struct cfs_fw_rules *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

typedef size_t (*entry_fn)(void *, size_t, const struct cfs_fw_net *);

/* The entries of table t for one network in one phase (see
 * fw-internal.h); returns how many (at most 2) went into fns. */
static size_t plan_entries(enum cfs_fw_table t, int phase,
			   const struct cfs_fw_net *net, entry_fn fns[2])
{
	if (t == CFS_FW_NAT_PRE || t == CFS_FW_NAT_OUT)
		return 0;
	if (t == CFS_FW_NAT) {
		if (phase != 1 || net->internal)
			return 0;
		fns[0] = cfs_fw_entry_masquerade;
		return 1;
	}
	if (phase == 0) {
		fns[0] = cfs_fw_entry_accept_intra;
		fns[1] = cfs_fw_entry_drop_other;
	} else if (net->internal) {
		fns[0] = cfs_fw_entry_drop_in;
		fns[1] = cfs_fw_entry_drop_out;
	} else {
		fns[0] = cfs_fw_entry_accept_in;
		fns[1] = cfs_fw_entry_accept_reply;
	}
	return 2;
}

/* Appends one entry built by fn (a network's or a port's builder). */
static int rules_add(struct cfs_fw_rules *out, size_t sz, enum cfs_fw_table t,
		     cfs_error_t *err)
{
	if (!sz) { /* cannot happen: validated before */
		cfs_fw_rules_free(out);
		return cfs_fail(err, EINVAL, "building the rules of %s",
				tables[t].chain);
	}
	out->len += sz;
	out->count++;
	return 0;
}

/* The entries of table t for one published port. */
static int port_entries(enum cfs_fw_table t, const struct cfs_fw_port *p,
			struct cfs_fw_rules *out, cfs_error_t *err)
{
	unsigned char *at = out->buf + out->len;

	switch (t) {
	case CFS_FW_NAT_PRE:
	case CFS_FW_NAT_OUT:
		return rules_add(out, cfs_fw_entry_dnat(at, CFS_FW_ENTRY_MAX, p,
							t == CFS_FW_NAT_OUT),
				 t, err);
	case CFS_FW_NAT:
		return rules_add(out, cfs_fw_entry_hairpin(at, CFS_FW_ENTRY_MAX, p),
				 t, err);
	case CFS_FW_FILTER:
		if (rules_add(out, cfs_fw_entry_publish_in(at, CFS_FW_ENTRY_MAX, p),
			      t, err) < 0)
			return -1;
		at = out->buf + out->len;
		return rules_add(out,
				 cfs_fw_entry_publish_reply(at, CFS_FW_ENTRY_MAX, p),
				 t, err);
	default:
		return 0;
	}
}

int cfs_fw_rules_build(enum cfs_fw_table t, const struct cfs_fw_net *nets,
		       size_t n, struct cfs_fw_rules *out, cfs_error_t *err)
{
	return cfs_fw_rules_build_ports(t, nets, n, NULL, 0, out, err);
}

int cfs_fw_rules_build_ports(enum cfs_fw_table t, const struct cfs_fw_net *nets,
			     size_t n, const struct cfs_fw_port *ports,
			     size_t np, struct cfs_fw_rules *out,
			     cfs_error_t *err)
{
	/* Isolation first for every network (phase 0), so no accept of one
	 * network can let through what another's drop refuses; published
	 * ports before both (their accepts only match connections our DNAT
	 * made). */
	const size_t most_per_net = 4, most_per_port = 2;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		const struct cfs_fw_net *net = &nets[i];

		if (!valid_ifname(net->ifname))
			return fail_quiet(err, EINVAL,
					  "network %.*s: invalid interface name '%.*s'",
					  (int)sizeof(net->name), net->name,
					  IFNAMSIZ, net->ifname);
		if (net->subnet.prefix > 32)
			return fail_quiet(err, EINVAL,
					  "network %.*s: invalid prefix length %u",
					  (int)sizeof(net->name), net->name,
					  net->subnet.prefix);
	}
	for (size_t i = 0; i < np; i++)
		if (!valid_port(&ports[i]))
			return fail_quiet(err, EINVAL,
					  "container %.*s: invalid published port %u",
					  (int)sizeof(ports[i].name), ports[i].name,
					  ports[i].host_port);
	if (n == 0 && np == 0)
		return 0;
	if (n > SIZE_MAX / CFS_FW_ENTRY_MAX / most_per_net / 2 ||
	    np > SIZE_MAX / CFS_FW_ENTRY_MAX / most_per_port / 2)
		return cfs_fail(err, ENOMEM, "building the rules of %s",
				tables[t].chain);
	/* Sized for the worst case, then trimmed: simpler than measuring. */
	out->buf = malloc((n * most_per_net + np * most_per_port) *
			  CFS_FW_ENTRY_MAX);
	if (!out->buf)
		return cfs_fail(err, ENOMEM, "building the rules of %s",
				tables[t].chain);
	for (size_t i = 0; i < np; i++)
		if (port_entries(t, &ports[i], out, err) < 0)
			return -1;
	for (int phase = 0; phase < 2; phase++) {
		for (size_t i = 0; i < n; i++) {
			entry_fn fns[2];
			size_t k = plan_entries(t, phase, &nets[i], fns);

			for (size_t j = 0; j < k; j++)
				if (rules_add(out, fns[j](out->buf + out->len,
							  CFS_FW_ENTRY_MAX, &nets[i]),
					      t, err) < 0)
					return -1;
		}
	}
	if (!out->len) {
		cfs_fw_rules_free(out);
		return 0;
	}
	unsigned char *shrunk = realloc(out->buf, out->len);
	if (shrunk)
		out->buf = shrunk;
	return 0;
}

const struct ipt_entry *cfs_fw_rules_next(const struct cfs_fw_rules *r,
					  const struct ipt_entry *prev)
{
	size_t off = 0;

	if (prev)
		off = (size_t)((const unsigned char *)prev - r->buf) +
		      prev->next_offset;
	if (!r->buf || off >= r->len)
		return NULL;
	return (const struct ipt_entry *)(r->buf + off);
}

/* ---- comparing ------------------------------------------------------- */

/* Targets that libiptc resolves by name rather than passing to the kernel
 * as an extension: for them the name says it all (their data is a verdict
 * or a chain offset that only libiptc interprets). */
static bool resolved_by_libiptc(const char *name)
{
	static const char *const labels[] = {
		IPTC_LABEL_ACCEPT, IPTC_LABEL_DROP, IPTC_LABEL_QUEUE,
		IPTC_LABEL_RETURN, CFS_FW_CHAIN_NAT, CFS_FW_CHAIN_FWD,
		CFS_FW_CHAIN_PRE, CFS_FW_CHAIN_OUT,
	};

	for (size_t i = 0; i < CFS_ARRAY_SIZE(labels); i++)
		if (strcmp(name, labels[i]) == 0)
			return true;
	return false;
}

bool cfs_fw_entry_same(const struct ipt_entry *have, const char *have_target,
		       const struct ipt_entry *want)
{
	const struct xt_entry_target *ht, *wt;

	if (!have_target || have->target_offset != want->target_offset ||
	    have->next_offset != want->next_offset ||
	    memcmp(&have->ip, &want->ip, sizeof(want->ip)) != 0)
		return false;

	/* Walk want's matches (well formed, we built them); have's sit at the
	 * same offsets as long as every size agrees. */
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
	if (resolved_by_libiptc(wt->u.user.name))
		return true;
	ht = (const void *)((const char *)have + have->target_offset);
	return ht->u.user.target_size == wt->u.user.target_size &&
	       ht->u.user.revision == wt->u.user.revision &&
	       memcmp(ht->data, wt->data,
		      wt->u.user.target_size - sizeof(*wt)) == 0;
}

/* ---- syncing through libiptc ----------------------------------------- */

/* Records a libiptc failure. It must run right after the failing call:
 * iptc_strerror() words errno according to which iptc_* function ran
 * last. errnum keeps the errno, but the text is libiptc's. */
__attribute__((format(printf, 2, 3)))
static int iptc_fail(cfs_error_t *err, const char *fmt, ...)
{
	int e = errno;
	const char *why = iptc_strerror(e);
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

/* Does the chain hold exactly rules, in order? */
static bool chain_holds(struct xtc_handle *h, const char *chain,
			const struct cfs_fw_rules *rules)
{
	const struct ipt_entry *have = iptc_first_rule(chain, h);
	const struct ipt_entry *want = cfs_fw_rules_next(rules, NULL);

	for (; have && want; have = iptc_next_rule(have, h),
			     want = cfs_fw_rules_next(rules, want))
		if (!cfs_fw_entry_same(have, iptc_get_target(have, h), want))
			return false;
	return !have && !want;
}

/* Is our unconditional jump anywhere in the built-in chain? Other rules
 * jumping to our chain (with matches) do not count. */
static bool has_jump(struct xtc_handle *h, const char *builtin,
		     const struct ipt_entry *jump)
{
	for (const struct ipt_entry *e = iptc_first_rule(builtin, h); e;
	     e = iptc_next_rule(e, h))
		if (cfs_fw_entry_same(e, iptc_get_target(e, h), jump))
			return true;
	return false;
}

/* Removes every rule of the built-in chain that jumps to our chain; our
 * chain cannot be deleted while any is left. One at a time, rescanning,
 * because deleting invalidates libiptc's iterator. */
static int remove_jumps(struct xtc_handle *h, enum cfs_fw_table t,
			bool *changed, cfs_error_t *err)
{
	for (;;) {
		const struct ipt_entry *e;
		unsigned idx = 0;
		const char *target = NULL;

		for (e = iptc_first_rule(tables[t].builtin, h); e;
		     e = iptc_next_rule(e, h), idx++) {
			target = iptc_get_target(e, h);
			if (target && strcmp(target, tables[t].chain) == 0)
				break;
		}
		if (!e)
			return 0;
		/* Despite libiptc.h's "rule numbers start at 1", this index
		 * is 0-based (iptables passes rulenum - 1). */
		if (!iptc_delete_num_entry(tables[t].builtin, idx, h))
			return iptc_fail(err, "deleting the jump to %s from %s in table %s",
					 tables[t].chain, tables[t].builtin,
					 tables[t].table);
		*changed = true;
	}
}

/* Stages in h the changes that make table t hold the rules for nets[0..n)
 * and reports whether there were any. Nothing reaches the kernel here. */
static int stage_table(struct xtc_handle *h, enum cfs_fw_table t,
		       const struct cfs_fw_rules *rules, bool *changed,
		       cfs_error_t *err)
{
	const char *table = tables[t].table, *chain = tables[t].chain;
	const char *builtin = tables[t].builtin;
	union {
		struct ipt_entry e;
		unsigned char bytes[CFS_FW_ENTRY_MAX];
	} jump;
	bool exists = iptc_is_chain(chain, h);
	unsigned refs = 0;

	*changed = false;
	if (!cfs_fw_entry_jump(&jump, sizeof(jump), chain))
		return cfs_fail(err, EINVAL, "building the jump to %s", chain);

	if (rules->count == 0) {
		if (remove_jumps(h, t, changed, err) < 0)
			return -1;
		if (!exists)
			return 0;
		/* libiptc refuses with EMLINK, which its own iptc_strerror()
		 * does not word (it lists ETOOMANYREFS): say it ourselves. */
		if (iptc_get_references(&refs, chain, h) && refs > 0)
			return fail_quiet(err, EMLINK,
					  "deleting chain %s in table %s: still referenced by %u rule(s) outside %s",
					  chain, table, refs, builtin);
		if (!iptc_flush_entries(chain, h))
			return iptc_fail(err, "flushing chain %s in table %s",
					 chain, table);
		if (!iptc_delete_chain(chain, h))
			return iptc_fail(err, "deleting chain %s in table %s",
					 chain, table);
		*changed = true;
		return 0;
	}

	if (!exists) {
		if (!iptc_create_chain(chain, h))
			return iptc_fail(err, "creating chain %s in table %s",
					 chain, table);
		*changed = true;
	}
	if (!exists || !chain_holds(h, chain, rules)) {
		/* Rewriting the whole chain is simpler than a diff and costs
		 * the same: the commit replaces the table anyway. */
		if (exists && !iptc_flush_entries(chain, h))
			return iptc_fail(err, "flushing chain %s in table %s",
					 chain, table);
		for (const struct ipt_entry *e = cfs_fw_rules_next(rules, NULL);
		     e; e = cfs_fw_rules_next(rules, e))
			if (!iptc_append_entry(chain, e, h))
				return iptc_fail(err, "adding a rule to chain %s in table %s",
						 chain, table);
		*changed = true;
	}
	/* Present anywhere is enough: a rule another tool put above ours
	 * stays above it, and we never add a second jump. */
	if (!has_jump(h, builtin, &jump.e)) {
		/* Position 0 is the top: libiptc counts from 0 here. */
		if (!iptc_insert_entry(builtin, &jump.e, 0, h))
			return iptc_fail(err, "inserting the jump to %s into %s in table %s",
					 chain, builtin, table);
		*changed = true;
	}
	return 0;
}

/* Everything one sync holds, released together. */
struct sync_state {
	struct cfs_fw_rules rules[CFS_FW_NTABLES];
	struct xtc_handle *h[CFS_FW_NTABLES];
};

static void sync_state_free(struct sync_state *st)
{
	for (int t = 0; t < CFS_FW_NTABLES; t++) {
		cfs_fw_rules_free(&st->rules[t]);
		if (st->h[t])
			iptc_free(st->h[t]);
	}
}

/* Stages the sync of nets and ports; commits it when commit is set, else
 * only tells in *differs whether a sync would change anything. */
static int fw_sync(const struct cfs_fw_net *nets, size_t n,
		   const struct cfs_fw_port *ports, size_t np, bool commit,
		   bool *differs, cfs_error_t *err)
{
	__attribute__((cleanup(sync_state_free))) struct sync_state st = { 0 };
	bool changed[CFS_FW_NTABLES] = { false };

	/* Invalid input is refused before the kernel is asked anything. */
	for (int t = 0; t < CFS_FW_NTABLES; t++)
		if (cfs_fw_rules_build_ports(t, nets, n, ports, np, &st.rules[t],
					     err) < 0)
			return -1;
	if (cfs_ip4tc_load(err) < 0)
		return -1;

	/* Every table is read and staged before any is committed, so a
	 * failure while staging (the likeliest kind) leaves the kernel as it
	 * was. Only a failing commit of filter after nat's went through
	 * leaves them out of step; the caller's undo syncs again. The chains
	 * of one kernel table share its base's handle. */
	for (int t = 0; t < CFS_FW_NTABLES; t++) {
		enum cfs_fw_table b = tables[t].base;
		bool ch;

		if (!st.h[b]) {
			st.h[b] = iptc_init(tables[b].table);
			if (!st.h[b]) {
				iptc_fail(err, "initialising table %s",
					  tables[b].table);
				/* Without the legacy tables libiptc has
				 * nothing to talk to, whatever iptables-nft
				 * shows. */
				if (err && err->errnum == ENOPROTOOPT)
					cfs_error_append(err, "the kernel lacks the legacy iptables tables (ip_tables) cfsnet writes");
				return -1;
			}
		}
		if (stage_table(st.h[b], t, &st.rules[t], &ch, err) < 0)
			return -1;
		changed[b] = changed[b] || ch;
		if (differs && ch)
			*differs = true;
	}
	for (int t = 0; commit && t < CFS_FW_NTABLES; t++) {
		/* A commit replaces the whole table: skip it when equal. */
		if (tables[t].base != (enum cfs_fw_table)t || !changed[t])
			continue;
		if (!iptc_commit(st.h[t]))
			return iptc_fail(err, "committing table %s", tables[t].table);
		commits[t]++;
	}
	return 0;
}

int cfs_fw_sync_ports(const struct cfs_fw_net *nets, size_t n,
		      const struct cfs_fw_port *ports, size_t np,
		      cfs_error_t *err)
{
	return fw_sync(nets, n, ports, np, true, NULL, err);
}

int cfs_fw_sync(const struct cfs_fw_net *nets, size_t n, cfs_error_t *err)
{
	return fw_sync(nets, n, NULL, 0, true, NULL, err);
}

int cfs_fw_diff_ports(const struct cfs_fw_net *nets, size_t n,
		      const struct cfs_fw_port *ports, size_t np, bool *differs,
		      cfs_error_t *err)
{
	*differs = false;
	return fw_sync(nets, n, ports, np, false, differs, err);
}

int cfs_fw_diff(const struct cfs_fw_net *nets, size_t n, bool *differs,
		cfs_error_t *err)
{
	return cfs_fw_diff_ports(nets, n, NULL, 0, differs, err);
}

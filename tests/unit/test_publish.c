/* test_publish.c - published ports: the --publish parser, the state lines
 * and the firewall entries (DNAT, hairpin MASQUERADE, FORWARD accepts)
 * parsed back field by field. No root, no kernel. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "net/fw-internal.h"
#include "ops/ops.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>

#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/xt_addrtype.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_tcpudp.h>

static struct cfs_fw_port mkport(const char *name, int proto, uint16_t hp,
				 uint16_t p, const char *addr)
{
	struct cfs_fw_port fp;

	memset(&fp, 0xa5, sizeof(fp)); /* garbage after every NUL */
	strcpy(fp.name, name);
	strcpy(fp.ifname, "cfsbr0");
	fp.proto = proto;
	fp.host_port = hp;
	fp.port = p;
	assert_int_equal(cfs_ip4_parse(addr, &fp.addr), 0);
	assert_int_equal(cfs_cidr_parse("10.0.0.0/24", &fp.subnet), 0);
	return fp;
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

/* The match at *off is NAME revision REV; returns its data, moves on. */
static const void *next_match(const struct ipt_entry *e, size_t *off,
			      const char *name, int rev)
{
	const struct xt_entry_match *m = match_at(e, *off);

	assert_true(*off < e->target_offset);
	assert_string_equal(m->u.user.name, name);
	assert_int_equal(m->u.user.revision, rev);
	*off += m->u.user.match_size;
	return m->data;
}

static void check_ports(const void *data, int proto, uint16_t sport,
			uint16_t dport)
{
	const uint16_t *spts, *dpts;

	if (proto == IPPROTO_TCP) {
		const struct xt_tcp *t = data;

		spts = t->spts;
		dpts = t->dpts;
		assert_int_equal(t->invflags, 0);
	} else {
		const struct xt_udp *u = data;

		spts = u->spts;
		dpts = u->dpts;
		assert_int_equal(u->invflags, 0);
	}
	assert_int_equal(spts[0], sport);
	assert_int_equal(spts[1], sport ? sport : 0xffff);
	assert_int_equal(dpts[0], dport);
	assert_int_equal(dpts[1], dport ? dport : 0xffff);
}

static void check_comment(const struct ipt_entry *e, size_t *off,
			  const char *want)
{
	const struct xt_comment_info *c = next_match(e, off, "comment", 0);

	assert_string_equal(c->comment, want);
}

static void dnat_entries(void **state)
{
	struct cfs_fw_port p = mkport("web", IPPROTO_TCP, 8080, 80, "10.0.0.2");
	union {
		struct ipt_entry e;
		unsigned char b[CFS_FW_ENTRY_MAX];
	} u, v;
	const struct xt_addrtype_info_v1 *at;
	const struct xt_entry_target *t;
	const struct nf_nat_range2 *r;
	size_t sz, off = sizeof(struct ipt_entry);

	(void)state;
	sz = cfs_fw_entry_dnat(&u, sizeof(u), &p, false);
	assert_true(sz > 0);
	assert_int_equal(u.e.ip.proto, IPPROTO_TCP);
	assert_int_equal(u.e.ip.dst.s_addr, 0);
	assert_int_equal(u.e.ip.invflags, 0);
	at = next_match(&u.e, &off, "addrtype", 1);
	assert_int_equal(at->dest, XT_ADDRTYPE_LOCAL);
	assert_int_equal(at->source, 0);
	assert_int_equal(at->flags, 0);
	check_ports(next_match(&u.e, &off, "tcp", 0), IPPROTO_TCP, 0, 8080);
	check_comment(&u.e, &off, "cfsnet:web");
	assert_int_equal(off, u.e.target_offset);
	t = target_of(&u.e);
	assert_string_equal(t->u.user.name, "DNAT");
	assert_int_equal(t->u.user.revision, 2);
	r = (const void *)t->data;
	assert_int_equal(r->flags, NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED);
	assert_int_equal(ntohl(r->min_addr.ip), 0x0a000002);
	assert_int_equal(ntohl(r->max_addr.ip), 0x0a000002);
	assert_int_equal(ntohs(r->min_proto.all), 80);
	assert_int_equal(ntohs(r->max_proto.all), 80);
	assert_int_equal(u.e.next_offset, sz);

	/* The OUTPUT one leaves loopback destinations alone. */
	sz = cfs_fw_entry_dnat(&v, sizeof(v), &p, true);
	assert_true(sz > 0);
	assert_int_equal(ntohl(v.e.ip.dst.s_addr), 0x7f000000);
	assert_int_equal(ntohl(v.e.ip.dmsk.s_addr), 0xff000000);
	assert_int_equal(v.e.ip.invflags, IPT_INV_DSTIP);

	/* Equal input, equal bytes; the comparison agrees. */
	assert_int_equal(cfs_fw_entry_dnat(&v, sizeof(v), &p, false), sz);
	assert_memory_equal(&u, &v, sz);
	assert_true(cfs_fw_entry_same(&v.e, "DNAT", &u.e));
	p.port = 81;
	cfs_fw_entry_dnat(&v, sizeof(v), &p, false);
	assert_false(cfs_fw_entry_same(&v.e, "DNAT", &u.e));
}

static void hairpin_and_forward(void **state)
{
	struct cfs_fw_port p = mkport("dns", IPPROTO_UDP, 5353, 53, "10.0.0.7");
	union {
		struct ipt_entry e;
		unsigned char b[CFS_FW_ENTRY_MAX];
	} u;
	const struct xt_conntrack_mtinfo3 *ct;
	size_t off;

	(void)state;
	assert_true(cfs_fw_entry_hairpin(&u, sizeof(u), &p) > 0);
	assert_int_equal(ntohl(u.e.ip.src.s_addr), 0x0a000000);
	assert_int_equal(ntohl(u.e.ip.smsk.s_addr), 0xffffff00);
	assert_int_equal(ntohl(u.e.ip.dst.s_addr), 0x0a000007);
	assert_int_equal(u.e.ip.dmsk.s_addr, 0xffffffff);
	assert_string_equal(u.e.ip.outiface, "cfsbr0");
	assert_int_equal(u.e.ip.proto, IPPROTO_UDP);
	off = sizeof(struct ipt_entry);
	check_ports(next_match(&u.e, &off, "udp", 0), IPPROTO_UDP, 0, 53);
	ct = next_match(&u.e, &off, "conntrack", 3);
	assert_int_equal(ct->match_flags, XT_CONNTRACK_STATE);
	assert_int_equal(ct->state_mask, XT_CONNTRACK_STATE_DNAT);
	check_comment(&u.e, &off, "cfsnet:dns");
	assert_string_equal(target_of(&u.e)->u.user.name, "MASQUERADE");

	assert_true(cfs_fw_entry_publish_in(&u, sizeof(u), &p) > 0);
	assert_int_equal(ntohl(u.e.ip.dst.s_addr), 0x0a000007);
	assert_int_equal(u.e.ip.src.s_addr, 0);
	assert_string_equal(u.e.ip.outiface, "cfsbr0");
	assert_string_equal(u.e.ip.iniface, "");
	off = sizeof(struct ipt_entry);
	check_ports(next_match(&u.e, &off, "udp", 0), IPPROTO_UDP, 0, 53);
	assert_string_equal(target_of(&u.e)->u.user.name, "ACCEPT");

	assert_true(cfs_fw_entry_publish_reply(&u, sizeof(u), &p) > 0);
	assert_int_equal(ntohl(u.e.ip.src.s_addr), 0x0a000007);
	assert_int_equal(u.e.ip.dst.s_addr, 0);
	assert_string_equal(u.e.ip.iniface, "cfsbr0");
	off = sizeof(struct ipt_entry);
	check_ports(next_match(&u.e, &off, "udp", 0), IPPROTO_UDP, 53, 0);
	assert_string_equal(target_of(&u.e)->u.user.name, "ACCEPT");

	/* Only tcp and udp; a port of 0 is no port. */
	p.proto = IPPROTO_SCTP;
	assert_int_equal(cfs_fw_entry_publish_in(&u, sizeof(u), &p), 0);
	p.proto = IPPROTO_TCP;
	p.host_port = 0;
	assert_int_equal(cfs_fw_entry_dnat(&u, sizeof(u), &p, false), 0);
}

static size_t count(const struct cfs_fw_rules *r)
{
	size_t n = 0;

	for (const struct ipt_entry *e = cfs_fw_rules_next(r, NULL); e;
	     e = cfs_fw_rules_next(r, e))
		n++;
	assert_int_equal(n, r->count);
	return n;
}

static void rule_sets(void **state)
{
	struct cfs_fw_net net;
	struct cfs_fw_port ports[2] = {
		mkport("web", IPPROTO_TCP, 8080, 80, "10.0.0.2"),
		mkport("dns", IPPROTO_UDP, 5353, 53, "10.0.0.3"),
	};
	struct cfs_fw_rules r;
	const struct ipt_entry *e;
	cfs_error_t err = { 0 };

	(void)state;
	memset(&net, 0, sizeof(net));
	strcpy(net.name, "default");
	strcpy(net.ifname, "cfsbr0");
	cfs_cidr_parse("10.0.0.0/24", &net.subnet);

	/* No ports: no PREROUTING/OUTPUT rules (the chains go). */
	assert_int_equal(cfs_fw_rules_build(CFS_FW_NAT_PRE, &net, 1, &r, &err), 0);
	assert_int_equal(count(&r), 0);
	cfs_fw_rules_free(&r);
	assert_int_equal(cfs_fw_rules_build(CFS_FW_NAT_OUT, &net, 1, &r, &err), 0);
	assert_int_equal(count(&r), 0);
	cfs_fw_rules_free(&r);

	/* One DNAT per port in PREROUTING and OUTPUT. */
	assert_int_equal(cfs_fw_rules_build_ports(CFS_FW_NAT_PRE, &net, 1, ports, 2, &r, &err), 0);
	assert_int_equal(count(&r), 2);
	assert_string_equal(target_of(cfs_fw_rules_next(&r, NULL))->u.user.name, "DNAT");
	cfs_fw_rules_free(&r);
	assert_int_equal(cfs_fw_rules_build_ports(CFS_FW_NAT_OUT, NULL, 0, ports, 2, &r, &err), 0);
	assert_int_equal(count(&r), 2);
	assert_int_equal(cfs_fw_rules_next(&r, NULL)->ip.invflags, IPT_INV_DSTIP);
	cfs_fw_rules_free(&r);

	/* POSTROUTING: the hairpins first, then the network's masquerade. */
	assert_int_equal(cfs_fw_rules_build_ports(CFS_FW_NAT, &net, 1, ports, 2, &r, &err), 0);
	assert_int_equal(count(&r), 3);
	e = cfs_fw_rules_next(&r, NULL);
	assert_int_equal(ntohl(e->ip.dst.s_addr), 0x0a000002);
	e = cfs_fw_rules_next(&r, cfs_fw_rules_next(&r, e));
	assert_int_equal(e->ip.dst.s_addr, 0);
	assert_int_equal(e->ip.invflags, IPT_INV_VIA_OUT);
	cfs_fw_rules_free(&r);

	/* FORWARD: two accepts per port before the isolation rules. */
	assert_int_equal(cfs_fw_rules_build_ports(CFS_FW_FILTER, &net, 1, ports, 2, &r, &err), 0);
	assert_int_equal(count(&r), 4 + 4);
	e = cfs_fw_rules_next(&r, NULL);
	assert_int_equal(ntohl(e->ip.dst.s_addr), 0x0a000002);
	for (int i = 0; i < 4; i++)
		e = cfs_fw_rules_next(&r, e);
	/* The fifth is the network's first isolation rule: -i IF -o IF. */
	assert_string_equal(e->ip.iniface, "cfsbr0");
	assert_string_equal(e->ip.outiface, "cfsbr0");
	cfs_fw_rules_free(&r);

	/* A bad port is refused, naming the container. */
	ports[1].host_port = 0;
	assert_int_equal(cfs_fw_rules_build_ports(CFS_FW_NAT_PRE, &net, 1, ports, 2, &r, &err), -1);
	assert_non_null(strstr(err.msg, "dns"));
	cfs_fw_rules_free(&r);
}

static void publish_parser(void **state)
{
	static const char *const bad[] = {
		"0:80", "70000:80", "8080:0", "8080:70000", "8080", ":80",
		"8080:", "8080:80/sctp", "8080:80/", "abc:80", "-1:80",
		"080080:80", "8080:80/tcp/udp", "",
	};
	struct cfs_port p;
	cfs_error_t err = { 0 };

	(void)state;
	assert_int_equal(cfs_check_publish("8080:80", &p, &err), 0);
	assert_int_equal(p.proto, IPPROTO_TCP);
	assert_int_equal(p.host_port, 8080);
	assert_int_equal(p.port, 80);
	assert_int_equal(cfs_check_publish("5353:53/udp", &p, &err), 0);
	assert_int_equal(p.proto, IPPROTO_UDP);
	assert_int_equal(cfs_check_publish("1:65535/tcp", &p, &err), 0);
	assert_int_equal(p.host_port, 1);
	assert_int_equal(p.port, 65535);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(cfs_check_publish(bad[i], &p, &err), -1);
		assert_non_null(strstr(err.msg, "invalid port mapping"));
	}
}

static void state_lines(void **state)
{
	struct cfs_container c, back;
	char buf[8192];
	cfs_error_t err = { 0 };

	(void)state;
	memset(&c, 0, sizeof(c));
	strcpy(c.name, "web");
	strcpy(c.network, "default");
	cfs_cidr_parse("10.0.0.2/24", &c.ip);
	cfs_ip4_parse("10.0.0.1", &c.gateway);
	strcpy(c.ifname, "eth0");
	strcpy(c.host_veth, "cfs-web");
	strcpy(c.bridge, "cfsbr0");
	c.mtu = 1500;
	c.nports = 2;
	c.ports[0] = (struct cfs_port){ IPPROTO_TCP, 8080, 80 };
	c.ports[1] = (struct cfs_port){ IPPROTO_UDP, 5353, 53 };
	assert_true(cfs_container_format(&c, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "publish=tcp 8080 80\n"));
	assert_non_null(strstr(buf, "publish=udp 5353 53\n"));
	assert_int_equal(cfs_container_parse(buf, &back, &err), 0);
	assert_int_equal(back.nports, 2);
	assert_memory_equal(back.ports, c.ports, sizeof(c.ports[0]) * 2);
	strcat(buf, "publish=sctp 1 2\n");
	assert_int_equal(cfs_container_parse(buf, &back, &err), -1);
	assert_non_null(strstr(err.msg, "publish"));
}

static void hairpin_request(void **state)
{
	char buf[256];
	struct nlmsghdr *nlh;
	const struct ifinfomsg *ifi;
	const struct nlattr *a, *in;
	int n = 0;

	(void)state;
	nlh = cfs_msg_brport_hairpin(buf, sizeof(buf), 12, true);
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_type, RTM_SETLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	ifi = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifi->ifi_family, AF_BRIDGE);
	assert_int_equal(ifi->ifi_index, 12);
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		n++;
		/* Nested: the bridge reads port attributes only then. */
		assert_int_equal(a->nla_type, IFLA_PROTINFO | NLA_F_NESTED);
		in = mnl_attr_get_payload(a);
		assert_int_equal(mnl_attr_get_type(in), IFLA_BRPORT_MODE);
		assert_int_equal(mnl_attr_get_u8(in), 1);
	}
	assert_int_equal(n, 1);
	for (size_t len = 0; len < 40; len++)
		assert_null(cfs_msg_brport_hairpin(buf, len, 12, true));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dnat_entries),
		cmocka_unit_test(hairpin_and_forward),
		cmocka_unit_test(rule_sets),
		cmocka_unit_test(publish_parser),
		cmocka_unit_test(state_lines),
		cmocka_unit_test(hairpin_request),
	};

	return cmocka_run_group_tests_name("publish", tests, NULL, NULL);
}

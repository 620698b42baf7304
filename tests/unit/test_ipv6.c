/* Dual stack and multi-host, the pure parts: IPv6 parsing, prefixes and
 * allocation; the IPv6 and VXLAN keys of the state files; the address,
 * default-route and VXLAN requests parsed back; the split of a VXLAN
 * network between its two hosts; the validation messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ops/ops-internal.h" /* <net/if.h> before the uapi headers */

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

static struct in6_addr a6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(cfs_ip6_parse(s, &a), 0);
	return a;
}

static void parse_and_format(void **state)
{
	struct cfs_cidr6 c;
	char buf[CFS_CIDR6_STRLEN];

	(void)state;
	assert_int_equal(cfs_cidr6_parse("fd00:1::5/64", &c), 0);
	assert_int_equal(c.prefix, 64);
	cfs_cidr6_format(&c, buf);
	assert_string_equal(buf, "fd00:1::5/64");
	assert_int_equal(cfs_cidr6_parse("2001:DB8:0:0:0:0:0:1/128", &c), 0);
	cfs_cidr6_format(&c, buf);
	assert_string_equal(buf, "2001:db8::1/128");
	static const char *bad[] = { "fd00::1", "fd00::1/", "fd00::1/129", "fd00::1/1x",
				     "fd00::zz/64", "10.0.0.1/24", "/64", "fd00::1/0064",
				     "fd00::1 /64", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cfs_cidr6_parse(bad[i], &c), -1);
}

static void prefixes(void **state)
{
	struct cfs_cidr6 c = { a6("fd00:1:2:3:4:5:6:7"), 64 }, o;
	struct in6_addr n = cfs_cidr6_network(&c), g = cfs_cidr6_gateway(&c);
	char buf[CFS_IP6_STRLEN];

	(void)state;
	cfs_ip6_format(&n, buf);
	assert_string_equal(buf, "fd00:1:2:3::");
	cfs_ip6_format(&g, buf);
	assert_string_equal(buf, "fd00:1:2:3::1");
	c.prefix = 61; /* a prefix that is not a multiple of 8 */
	n = cfs_cidr6_network(&c);
	cfs_ip6_format(&n, buf);
	assert_string_equal(buf, "fd00:1:2::");
	c.prefix = 64;
	struct in6_addr in = a6("fd00:1:2:3:ffff::1"), out = a6("fd00:1:2:4::1");
	assert_true(cfs_cidr6_contains(&c, &in));
	assert_false(cfs_cidr6_contains(&c, &out));
	o.addr = a6("fd00:1:2::");
	o.prefix = 48;
	assert_true(cfs_cidr6_overlaps(&c, &o));
	assert_true(cfs_cidr6_overlaps(&o, &c));
	o.addr = a6("fd00:1:2:4::");
	o.prefix = 64;
	assert_false(cfs_cidr6_overlaps(&c, &o));
}

static void allocation(void **state)
{
	struct cfs_cidr6 c = { a6("fd00:9::"), 64 };
	struct in6_addr used[3] = { a6("fd00:9::2"), a6("fd00:9::4"), a6("fd00:9::3") }, got;
	char buf[CFS_IP6_STRLEN];

	(void)state;
	assert_int_equal(cfs_ipam6_lowest_free(&c, used, 0, &got), 0);
	cfs_ip6_format(&got, buf);
	assert_string_equal(buf, "fd00:9::2");
	assert_int_equal(cfs_ipam6_lowest_free(&c, used, 3, &got), 0);
	cfs_ip6_format(&got, buf);
	assert_string_equal(buf, "fd00:9::5");
	/* Carry across bytes: ::ff + 1. */
	c.addr = a6("fd00:9::100");
	c.prefix = 120;
	assert_int_equal(cfs_ipam6_lowest_free(&c, NULL, 0, &got), 0);
	cfs_ip6_format(&got, buf);
	assert_string_equal(buf, "fd00:9::102");
	/* A /126 holds ::2 and ::3 only. */
	c.addr = a6("fd00:9::");
	c.prefix = 126;
	struct in6_addr full[2] = { a6("fd00:9::2"), a6("fd00:9::3") };
	assert_int_equal(cfs_ipam6_lowest_free(&c, full, 2, &got), -1);
}

static void validation(void **state)
{
	struct cfs_cidr6 c;
	cfs_error_t err = { 0 };
	uint32_t vni;

	(void)state;
	assert_int_equal(cfs_check_ip6("fd00:1::2/64", &c, &err), 0);
	assert_int_equal(cfs_check_ip6("fd00:1::/64", &c, &err), -1);
	assert_string_equal(err.msg, "invalid IPv6 address 'fd00:1::/64': the network address of fd00:1::/64");
	assert_int_equal(cfs_check_ip6("fd00:1::1/64", &c, &err), -1);
	assert_string_equal(err.msg, "invalid IPv6 address 'fd00:1::1/64': the gateway of fd00:1::/64");
	assert_int_equal(cfs_check_ip6("fd00:1::2/127", &c, &err), -1);
	assert_int_equal(cfs_check_subnet6("fd00:1::/64", &c, &err), 0);
	assert_int_equal(cfs_check_subnet6("fd00:1::8/64", &c, &err), -1);
	assert_string_equal(err.msg, "invalid IPv6 prefix 'fd00:1::8/64': not a network address (fd00:1::/64?)");
	assert_int_equal(cfs_check_vni("1", &vni, &err), 0);
	assert_int_equal(vni, 1);
	assert_int_equal(cfs_check_vni("16777215", &vni, &err), 0);
	assert_int_equal(vni, 16777215);
	static const char *bad[] = { "0", "16777216", "-1", "+5", "", "5x", "99999999999999999999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cfs_check_vni(bad[i], &vni, &err), -1);
	assert_string_equal(err.msg, "invalid VXLAN id '99999999999999999999': must be 1..16777215");
}

static void state_round_trip(void **state)
{
	struct cfs_network net = { 0 }, back;
	struct cfs_container ct = { 0 }, cback;
	cfs_error_t err = { 0 };
	char *text = NULL, buf[8192];

	(void)state;
	strcpy(net.name, "lab");
	net.mode = CFS_MODE_BRIDGE;
	cfs_cidr_parse("10.7.0.0/24", &net.subnet);
	strcpy(net.ifname, "cfsbr0");
	net.mtu = 1450;
	net.has6 = true;
	net.subnet6.addr = a6("fd00:7::");
	net.subnet6.prefix = 64;
	net.vni = 4242;
	cfs_ip4_parse("192.0.2.2", &net.remote);
	cfs_ip4_parse("192.0.2.1", &net.local);
	assert_int_equal(cfs_network_add_lease(&net, 0x0a070002, "a", &err), 0);
	assert_int_equal(cfs_network_add_lease(&net, 0x0a070003, "b", &err), 0);
	net.leases[1].has6 = true;
	net.leases[1].addr6 = a6("fd00:7::3");
	assert_int_equal(cfs_network_format(&net, &text, &err), 0);
	assert_non_null(strstr(text, "ipv6=fd00:7::/64\n"));
	assert_non_null(strstr(text, "vxlan=4242 192.0.2.2 192.0.2.1\n"));
	assert_non_null(strstr(text, "lease6=fd00:7::3 b\n"));
	assert_int_equal(cfs_network_parse(text, &back, &err), 0);
	assert_true(back.has6);
	assert_int_equal(back.subnet6.prefix, 64);
	assert_true(cfs_ip6_equal(&back.subnet6.addr, &net.subnet6.addr));
	assert_int_equal(back.vni, 4242);
	assert_int_equal(back.remote, net.remote);
	assert_int_equal(back.local, net.local);
	assert_int_equal(back.nleases, 2);
	assert_false(back.leases[0].has6);
	assert_true(back.leases[1].has6);
	assert_true(cfs_ip6_equal(&back.leases[1].addr6, &net.leases[1].addr6));
	cfs_network_free(&back);
	free(text);
	/* A lease6 of no member, a VNI out of range: refused. */
	assert_int_equal(cfs_network_parse("name=x\nmode=bridge\nsubnet=10.0.0.0/24\nifname=b\nmtu=1500\nlease6=fd00::2 ghost\n",
					   &back, &err), -1);
	assert_int_equal(cfs_network_parse("name=x\nmode=bridge\nsubnet=10.0.0.0/24\nifname=b\nmtu=1500\nvxlan=16777216 1.2.3.4 1.2.3.5\n",
					   &back, &err), -1);
	cfs_network_free(&net);

	strcpy(ct.name, "a");
	strcpy(ct.network, "lab");
	cfs_cidr_parse("10.7.0.2/24", &ct.ip);
	strcpy(ct.ifname, "eth0");
	strcpy(ct.host_veth, "cfs-a");
	ct.mtu = 1450;
	ct.has6 = true;
	ct.ip6.addr = a6("fd00:7::2");
	ct.ip6.prefix = 64;
	ct.gateway6 = a6("fd00:7::1");
	assert_true(cfs_container_format(&ct, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "ip6=fd00:7::2/64\ngateway6=fd00:7::1\n"));
	assert_int_equal(cfs_container_parse(buf, &cback, &err), 0);
	assert_true(cback.has6);
	assert_true(cfs_ip6_equal(&cback.ip6.addr, &ct.ip6.addr));
	assert_true(cfs_ip6_equal(&cback.gateway6, &ct.gateway6));
	/* An attachment to a dual-stack network. */
	ct.nattach = 2;
	strcpy(ct.attach[0].network, "v4net");
	strcpy(ct.attach[0].ifname, "eth1");
	strcpy(ct.attach[0].host_veth, "cfs1-a");
	cfs_cidr_parse("10.8.0.2/24", &ct.attach[0].ip);
	strcpy(ct.attach[1].network, "dual");
	strcpy(ct.attach[1].ifname, "eth2");
	strcpy(ct.attach[1].host_veth, "cfs2-a");
	cfs_cidr_parse("10.9.0.2/24", &ct.attach[1].ip);
	ct.attach[1].has6 = true;
	ct.attach[1].ip6.addr = a6("fd00:9::2");
	ct.attach[1].ip6.prefix = 64;
	assert_true(cfs_container_format(&ct, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "attach6=dual fd00:9::2/64\n"));
	assert_int_equal(cfs_container_parse(buf, &cback, &err), 0);
	assert_int_equal(cback.nattach, 2);
	assert_false(cback.attach[0].has6);
	assert_true(cback.attach[1].has6);
	assert_true(cfs_ip6_equal(&cback.attach[1].ip6.addr, &ct.attach[1].ip6.addr));
	ct.nattach = 0;
	/* Without the keys: IPv4 only, as every older state file. */
	ct.has6 = false;
	assert_true(cfs_container_format(&ct, buf, sizeof(buf)) > 0);
	assert_null(strstr(buf, "ip6="));
	assert_int_equal(cfs_container_parse(buf, &cback, &err), 0);
	assert_false(cback.has6);
}

static void vxlan_split(void **state)
{
	struct cfs_network lo = { 0 }, hi = { 0 };
	uint32_t a, b;
	char s1[CFS_IP4_STRLEN], s2[CFS_IP4_STRLEN];

	(void)state;
	cfs_cidr_parse("10.7.0.0/24", &lo.subnet);
	lo.vni = 1;
	cfs_ip4_parse("192.0.2.1", &lo.local);
	cfs_ip4_parse("192.0.2.2", &lo.remote);
	hi = lo;
	hi.local = lo.remote;
	hi.remote = lo.local;
	cfs_ip4_format(cfs_net_gateway(&lo), s1);
	cfs_ip4_format(cfs_net_gateway(&hi), s2);
	assert_string_equal(s1, "10.7.0.1");
	assert_string_equal(s2, "10.7.0.254");
	cfs_vxlan_range(&lo, &a, &b);
	cfs_ip4_format(a, s1);
	cfs_ip4_format(b, s2);
	assert_string_equal(s1, "10.7.0.2");
	assert_string_equal(s2, "10.7.0.127");
	cfs_vxlan_range(&hi, &a, &b);
	cfs_ip4_format(a, s1);
	cfs_ip4_format(b, s2);
	assert_string_equal(s1, "10.7.0.128");
	assert_string_equal(s2, "10.7.0.253");
	/* Leases stay inside the share, and the two shares never meet. */
	struct cfs_cidr got, want;
	cfs_error_t err = { 0 };
	assert_int_equal(cfs_net_lease(&hi, "b1", NULL, false, &got, &err), 0);
	cfs_ip4_format(got.addr, s1);
	assert_string_equal(s1, "10.7.0.128");
	cfs_cidr_parse("10.7.0.5/24", &want);
	assert_int_equal(cfs_net_lease(&hi, "b2", &want, false, &got, &err), -1);
	assert_non_null(strstr(err.msg, "outside this host's share 10.7.0.128-10.7.0.253"));
	cfs_network_free(&hi);
	/* A /29: gateways .1 and .6, .2-.3 and .4-.5. */
	cfs_cidr_parse("10.7.0.0/29", &lo.subnet);
	cfs_vxlan_range(&lo, &a, &b);
	assert_int_equal(a & 7, 2);
	assert_int_equal(b & 7, 3);
	/* IPv6: halves one bit longer, each with its own ::1 gateway. */
	struct cfs_cidr6 half;
	struct in6_addr g6;
	char b6[CFS_CIDR6_STRLEN];
	lo.has6 = hi.has6 = true;
	lo.subnet6.addr = a6("fd00:7::");
	lo.subnet6.prefix = 64;
	hi.subnet6 = lo.subnet6;
	cfs_vxlan_half6(&lo, &half);
	cfs_cidr6_format(&half, b6);
	assert_string_equal(b6, "fd00:7::/65");
	cfs_vxlan_half6(&hi, &half);
	cfs_cidr6_format(&half, b6);
	assert_string_equal(b6, "fd00:7:0:0:8000::/65");
	g6 = cfs_net_gateway6(&hi);
	cfs_ip6_format(&g6, b6);
	assert_string_equal(b6, "fd00:7::8000:0:0:1");
	g6 = cfs_net_gateway6(&lo);
	cfs_ip6_format(&g6, b6);
	assert_string_equal(b6, "fd00:7::1");
	hi.subnet6.prefix = 61; /* not on a byte boundary */
	hi.subnet6.addr = a6("fd00:7::");
	cfs_vxlan_half6(&hi, &half);
	cfs_cidr6_format(&half, b6);
	assert_string_equal(b6, "fd00:7:0:4::/62");
	/* Without VXLAN the gateway is the first host address. */
	lo.vni = 0;
	cfs_ip4_format(cfs_net_gateway(&lo), s1);
	assert_string_equal(s1, "10.7.0.1");
}

#define MAXA 32

static void attrs(const struct nlattr *start, size_t len, const struct nlattr *tb[MAXA])
{
	const struct nlattr *a;

	memset(tb, 0, sizeof(*tb) * MAXA);
	for (a = start; mnl_attr_ok(a, (int)((const char *)start + len - (const char *)a));
	     a = mnl_attr_next(a)) {
		assert_true(mnl_attr_get_type(a) < MAXA);
		assert_null(tb[mnl_attr_get_type(a)]);
		tb[mnl_attr_get_type(a)] = a;
	}
}

static void messages(void **state)
{
	char buf[1024];
	struct cfs_cidr6 c = { a6("fd00:7::2"), 64 };
	struct in6_addr gw = a6("fd00:7::1");
	const struct nlattr *tb[MAXA], *li[MAXA], *data[MAXA];
	struct nlmsghdr *nlh;
	const struct ifaddrmsg *ifa;
	const struct rtmsg *rtm;

	(void)state;
	nlh = cfs_msg_addr6(buf, sizeof(buf), 7, &c);
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWADDR);
	ifa = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifa->ifa_family, AF_INET6);
	assert_int_equal(ifa->ifa_prefixlen, 64);
	assert_int_equal(ifa->ifa_index, 7);
	assert_true(ifa->ifa_flags & IFA_F_NODAD);
	attrs(mnl_nlmsg_get_payload_offset(nlh, sizeof(*ifa)),
	      nlh->nlmsg_len - MNL_NLMSG_HDRLEN - MNL_ALIGN(sizeof(*ifa)), tb);
	assert_non_null(tb[IFA_LOCAL]);
	assert_memory_equal(mnl_attr_get_payload(tb[IFA_LOCAL]), &c.addr, 16);
	assert_null(cfs_msg_addr6(buf, 40, 7, &c));

	nlh = cfs_msg_route6_default(buf, sizeof(buf), &gw, 7);
	assert_non_null(nlh);
	rtm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(rtm->rtm_family, AF_INET6);
	assert_int_equal(rtm->rtm_dst_len, 0);
	attrs(mnl_nlmsg_get_payload_offset(nlh, sizeof(*rtm)),
	      nlh->nlmsg_len - MNL_NLMSG_HDRLEN - MNL_ALIGN(sizeof(*rtm)), tb);
	assert_memory_equal(mnl_attr_get_payload(tb[RTA_GATEWAY]), &gw, 16);
	assert_int_equal(mnl_attr_get_u32(tb[RTA_OIF]), 7);
	assert_null(tb[RTA_DST]);

	struct cfs_vxlan_spec vx = { .name = "cfsvx42", .vni = 42, .remote = 0xc0000202,
				     .local = 0xc0000201, .port = 4789, .mtu = 1450,
				     .master = 3 };
	nlh = cfs_msg_vxlan(buf, sizeof(buf), &vx);
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	attrs(mnl_nlmsg_get_payload_offset(nlh, sizeof(struct ifinfomsg)),
	      nlh->nlmsg_len - MNL_NLMSG_HDRLEN - MNL_ALIGN(sizeof(struct ifinfomsg)), tb);
	assert_string_equal(mnl_attr_get_str(tb[IFLA_IFNAME]), "cfsvx42");
	assert_int_equal(mnl_attr_get_u32(tb[IFLA_MTU]), 1450);
	assert_int_equal(mnl_attr_get_u32(tb[IFLA_MASTER]), 3);
	attrs(mnl_attr_get_payload(tb[IFLA_LINKINFO]), mnl_attr_get_payload_len(tb[IFLA_LINKINFO]), li);
	assert_string_equal(mnl_attr_get_str(li[IFLA_INFO_KIND]), "vxlan");
	attrs(mnl_attr_get_payload(li[IFLA_INFO_DATA]), mnl_attr_get_payload_len(li[IFLA_INFO_DATA]), data);
	assert_int_equal(mnl_attr_get_u32(data[IFLA_VXLAN_ID]), 42);
	assert_int_equal(ntohl(mnl_attr_get_u32(data[IFLA_VXLAN_GROUP])), 0xc0000202);
	assert_int_equal(ntohl(mnl_attr_get_u32(data[IFLA_VXLAN_LOCAL])), 0xc0000201);
	assert_int_equal(ntohs(mnl_attr_get_u16(data[IFLA_VXLAN_PORT])), 4789);
	assert_int_equal(mnl_attr_get_u8(data[IFLA_VXLAN_LEARNING]), 1);
	assert_null(cfs_msg_vxlan(buf, 64, &vx));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_and_format),
		cmocka_unit_test(prefixes),
		cmocka_unit_test(allocation),
		cmocka_unit_test(validation),
		cmocka_unit_test(state_round_trip),
		cmocka_unit_test(vxlan_split),
		cmocka_unit_test(messages),
	};

	return cmocka_run_group_tests_name("ipv6 and vxlan", tests, NULL, NULL);
}

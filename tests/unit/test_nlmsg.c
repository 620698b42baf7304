/* The rtnetlink requests cfsnet builds, parsed back with libmnl: header,
 * flags, fixed part and every attribute, nests included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "net/net.h" /* <net/if.h> before the uapi headers */

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>


#define MAXA 64

/* Attributes of one level, by type; a type seen twice is a failure. */
static void parse_level(const struct nlattr *start, size_t len,
			const struct nlattr *tb[MAXA])
{
	const struct nlattr *a;

	memset(tb, 0, sizeof(*tb) * MAXA);
	for (a = start; mnl_attr_ok(a, (int)((const char *)start + len - (const char *)a));
	     a = mnl_attr_next(a)) {
		uint16_t t = mnl_attr_get_type(a);

		assert_true(t < MAXA);
		assert_null(tb[t]);
		tb[t] = a;
	}
}

static void parse_msg(const struct nlmsghdr *nlh, size_t hdrlen,
		      const struct nlattr *tb[MAXA])
{
	const char *p = mnl_nlmsg_get_payload_offset(nlh, hdrlen);

	parse_level((const struct nlattr *)p,
		    (size_t)((const char *)nlh + nlh->nlmsg_len - p), tb);
}

static void parse_nest(const struct nlattr *nest, size_t skip,
		       const struct nlattr *tb[MAXA])
{
	const char *p = (const char *)mnl_attr_get_payload(nest) + MNL_ALIGN(skip);

	parse_level((const struct nlattr *)p,
		    mnl_attr_get_payload_len(nest) - MNL_ALIGN(skip), tb);
}

static void veth_in_namespace(void **state)
{
	char buf[1024];
	struct cfs_veth_spec spec = { .name = "cfs-minimal", .peer = "eth0",
				      .peer_nsfd = 7, .mtu = 1400, .master = 5 };
	const struct nlattr *tb[MAXA], *li[MAXA], *data[MAXA], *peer[MAXA];
	struct nlmsghdr *nlh;
	const struct ifinfomsg *ifi, *pifi;

	(void)state;
	nlh = cfs_msg_veth(buf, sizeof(buf), &spec);
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(nlh->nlmsg_flags,
			 NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	ifi = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifi->ifi_change, 0); /* created down: configured first */
	parse_msg(nlh, sizeof(*ifi), tb);
	assert_string_equal(mnl_attr_get_str(tb[IFLA_IFNAME]), "cfs-minimal");
	assert_int_equal(mnl_attr_get_u32(tb[IFLA_MTU]), 1400);
	assert_int_equal(mnl_attr_get_u32(tb[IFLA_MASTER]), 5);
	assert_non_null(tb[IFLA_LINKINFO]);
	parse_nest(tb[IFLA_LINKINFO], 0, li);
	assert_string_equal(mnl_attr_get_str(li[IFLA_INFO_KIND]), "veth");
	parse_nest(li[IFLA_INFO_DATA], 0, data);
	assert_non_null(data[VETH_INFO_PEER]);
	/* The peer nest starts with a whole ifinfomsg, then attributes. */
	assert_true(mnl_attr_get_payload_len(data[VETH_INFO_PEER]) >
		    sizeof(struct ifinfomsg));
	pifi = mnl_attr_get_payload(data[VETH_INFO_PEER]);
	assert_int_equal(pifi->ifi_family, AF_UNSPEC);
	assert_int_equal(pifi->ifi_index, 0);
	parse_nest(data[VETH_INFO_PEER], sizeof(struct ifinfomsg), peer);
	assert_string_equal(mnl_attr_get_str(peer[IFLA_IFNAME]), "eth0");
	assert_int_equal(mnl_attr_get_u32(peer[IFLA_NET_NS_FD]), 7);
	assert_int_equal(mnl_attr_get_u32(peer[IFLA_MTU]), 1400);
	assert_null(peer[IFLA_MASTER]);
}

static void veth_plain(void **state)
{
	char buf[1024];
	struct cfs_veth_spec spec = { .name = "a", .peer = "b", .peer_nsfd = -1,
				      .up = true };
	const struct nlattr *tb[MAXA], *li[MAXA], *data[MAXA], *peer[MAXA];
	struct nlmsghdr *nlh = cfs_msg_veth(buf, sizeof(buf), &spec);
	const struct ifinfomsg *ifi;

	(void)state;
	assert_non_null(nlh);
	ifi = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifi->ifi_flags & IFF_UP, IFF_UP);
	assert_int_equal(ifi->ifi_change, IFF_UP);
	parse_msg(nlh, sizeof(*ifi), tb);
	assert_null(tb[IFLA_MTU]);
	assert_null(tb[IFLA_MASTER]);
	parse_nest(tb[IFLA_LINKINFO], 0, li);
	parse_nest(li[IFLA_INFO_DATA], 0, data);
	parse_nest(data[VETH_INFO_PEER], sizeof(struct ifinfomsg), peer);
	assert_null(peer[IFLA_NET_NS_FD]);
}

static void too_small_buffers_fail(void **state)
{
	char buf[1024];
	struct cfs_veth_spec spec = { .name = "cfs-minimal", .peer = "eth0",
				      .peer_nsfd = 7, .mtu = 1400, .master = 5 };
	struct cfs_cidr c;
	size_t need;

	(void)state;
	need = cfs_msg_veth(buf, sizeof(buf), &spec)->nlmsg_len;
	for (size_t len = 0; len < need; len += 4)
		assert_null(cfs_msg_veth(buf, len, &spec));
	assert_non_null(cfs_msg_veth(buf, need, &spec));
	cfs_cidr_parse("10.0.0.2/24", &c);
	need = cfs_msg_addr4(buf, sizeof(buf), 3, &c)->nlmsg_len;
	for (size_t len = 0; len < need; len += 4)
		assert_null(cfs_msg_addr4(buf, len, 3, &c));
	assert_null(cfs_msg_bridge(buf, 8, "cfsbr0", 0, NULL, false));
}

static void bridge(void **state)
{
	char buf[512];
	const struct nlattr *tb[MAXA], *li[MAXA];
	static const uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	struct nlmsghdr *nlh = cfs_msg_bridge(buf, sizeof(buf), "cfsbr0", 1500, mac, false);

	(void)state;
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_flags,
			 NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	parse_msg(nlh, sizeof(struct ifinfomsg), tb);
	assert_string_equal(mnl_attr_get_str(tb[IFLA_IFNAME]), "cfsbr0");
	assert_int_equal(mnl_attr_get_u32(tb[IFLA_MTU]), 1500);
	assert_int_equal(mnl_attr_get_payload_len(tb[IFLA_ADDRESS]), 6);
	assert_memory_equal(mnl_attr_get_payload(tb[IFLA_ADDRESS]), mac, 6);
	parse_nest(tb[IFLA_LINKINFO], 0, li);
	assert_string_equal(mnl_attr_get_str(li[IFLA_INFO_KIND]), "bridge");
	/* multicast snooping off, and nothing else of the bridge's set */
	assert_non_null(li[IFLA_INFO_DATA]);
	{
		const struct nlattr *br[MAXA];
		int n = 0;

		parse_nest(li[IFLA_INFO_DATA], 0, br);
		for (int i = 0; i < MAXA; i++)
			n += br[i] != NULL;
		assert_int_equal(n, 1);
		assert_non_null(br[IFLA_BR_MCAST_SNOOPING]);
		assert_int_equal(mnl_attr_get_u8(br[IFLA_BR_MCAST_SNOOPING]), 0);
	}
}

static void link_set(void **state)
{
	char buf[512];
	struct cfs_link_set s = { .ifname = "cfs-x", .no_ipv6_ll = true };
	const struct nlattr *tb[MAXA], *af[MAXA], *in6[MAXA];
	struct nlmsghdr *nlh = cfs_msg_link_set(buf, sizeof(buf), &s);
	const struct ifinfomsg *ifi;

	(void)state;
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK); /* no CREATE */
	ifi = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifi->ifi_index, 0);
	assert_int_equal(ifi->ifi_change, 0);
	parse_msg(nlh, sizeof(*ifi), tb);
	assert_string_equal(mnl_attr_get_str(tb[IFLA_IFNAME]), "cfs-x");
	parse_nest(tb[IFLA_AF_SPEC], 0, af);
	parse_nest(af[AF_INET6], 0, in6);
	assert_int_equal(mnl_attr_get_u8(in6[IFLA_INET6_ADDR_GEN_MODE]),
			 IN6_ADDR_GEN_MODE_NONE);

	s = (struct cfs_link_set){ .ifindex = 4, .ifname = "ignored", .up = true,
				   .mtu = 9000, .master = 2 };
	nlh = cfs_msg_link_set(buf, sizeof(buf), &s);
	ifi = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifi->ifi_index, 4);
	assert_int_equal(ifi->ifi_flags, IFF_UP);
	assert_int_equal(ifi->ifi_change, IFF_UP);
	parse_msg(nlh, sizeof(*ifi), tb);
	assert_null(tb[IFLA_IFNAME]); /* the index selects the link */
	assert_int_equal(mnl_attr_get_u32(tb[IFLA_MTU]), 9000);
	assert_int_equal(mnl_attr_get_u32(tb[IFLA_MASTER]), 2);
	assert_null(tb[IFLA_AF_SPEC]);
}

static void link_del(void **state)
{
	char buf[256];
	const struct nlattr *tb[MAXA];
	struct nlmsghdr *nlh = cfs_msg_link_del(buf, sizeof(buf), "cfsbr0");

	(void)state;
	assert_int_equal(nlh->nlmsg_type, RTM_DELLINK);
	parse_msg(nlh, sizeof(struct ifinfomsg), tb);
	assert_string_equal(mnl_attr_get_str(tb[IFLA_IFNAME]), "cfsbr0");
}

static void addr4(void **state)
{
	char buf[256];
	struct cfs_cidr c;
	const struct nlattr *tb[MAXA];
	struct nlmsghdr *nlh;
	const struct ifaddrmsg *ifa;

	(void)state;
	cfs_cidr_parse("10.0.0.2/24", &c);
	nlh = cfs_msg_addr4(buf, sizeof(buf), 3, &c);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWADDR);
	assert_true(nlh->nlmsg_flags & NLM_F_CREATE);
	ifa = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifa->ifa_family, AF_INET);
	assert_int_equal(ifa->ifa_prefixlen, 24);
	assert_int_equal(ifa->ifa_index, 3);
	parse_msg(nlh, sizeof(*ifa), tb);
	assert_int_equal(ntohl(mnl_attr_get_u32(tb[IFA_LOCAL])), 0x0a000002);
	assert_int_equal(ntohl(mnl_attr_get_u32(tb[IFA_ADDRESS])), 0x0a000002);
	assert_int_equal(ntohl(mnl_attr_get_u32(tb[IFA_BROADCAST])), 0x0a0000ff);
}

static void default_route(void **state)
{
	char buf[256];
	const struct nlattr *tb[MAXA];
	struct nlmsghdr *nlh = cfs_msg_route4(buf, sizeof(buf), 0, 0, 0x0a000001, 2);
	const struct rtmsg *rtm;

	(void)state;
	assert_int_equal(nlh->nlmsg_type, RTM_NEWROUTE);
	rtm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(rtm->rtm_family, AF_INET);
	assert_int_equal(rtm->rtm_dst_len, 0);
	assert_int_equal(rtm->rtm_table, RT_TABLE_MAIN);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
	assert_int_equal(rtm->rtm_type, RTN_UNICAST);
	parse_msg(nlh, sizeof(*rtm), tb);
	assert_null(tb[RTA_DST]);
	assert_int_equal(ntohl(mnl_attr_get_u32(tb[RTA_GATEWAY])), 0x0a000001);
	assert_int_equal(mnl_attr_get_u32(tb[RTA_OIF]), 2);

	nlh = cfs_msg_route4(buf, sizeof(buf), 0xcb007100, 24, 0, 5);
	rtm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(rtm->rtm_dst_len, 24);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_LINK);
	parse_msg(nlh, sizeof(*rtm), tb);
	assert_int_equal(ntohl(mnl_attr_get_u32(tb[RTA_DST])), 0xcb007100);
	assert_null(tb[RTA_GATEWAY]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(veth_in_namespace),
		cmocka_unit_test(veth_plain),
		cmocka_unit_test(too_small_buffers_fail),
		cmocka_unit_test(bridge),
		cmocka_unit_test(link_set),
		cmocka_unit_test(link_del),
		cmocka_unit_test(addr4),
		cmocka_unit_test(default_route),
	};

	return cmocka_run_group_tests_name("nlmsg", tests, NULL, NULL);
}

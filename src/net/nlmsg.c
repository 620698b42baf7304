/* nlmsg.c - builds the rtnetlink requests cfsnet sends. Pure functions:
 * each writes one message into a caller's buffer and checks every put
 * against its size, so the unit tests can parse them back. */
#include "net.h"

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <linux/if_link.h>
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#define REQ (NLM_F_REQUEST | NLM_F_ACK)

/* The fixed headers are written without checks by libmnl: make sure they
 * fit before starting a message. */
static struct nlmsghdr *msg_start(void *buf, size_t len, uint16_t type,
				  uint16_t flags, size_t hdrlen)
{
	struct nlmsghdr *nlh;

	if (len < MNL_NLMSG_HDRLEN + MNL_ALIGN(hdrlen))
		return NULL;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	mnl_nlmsg_put_extra_header(nlh, hdrlen);
	return nlh;
}

static struct ifinfomsg *ifi_start(struct nlmsghdr **nlhp, void *buf,
				   size_t len, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = msg_start(buf, len, type, flags,
					 sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi;

	*nlhp = nlh;
	if (!nlh)
		return NULL;
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_family = AF_UNSPEC;
	return ifi;
}

struct nlmsghdr *cfs_msg_veth(void *buf, size_t len,
			      const struct cfs_veth_spec *spec)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi, *peer;
	struct nlattr *linkinfo, *data, *peer_nest;

	ifi = ifi_start(&nlh, buf, len, RTM_NEWLINK,
			REQ | NLM_F_CREATE | NLM_F_EXCL);
	if (!ifi)
		return NULL;
	if (spec->up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	if (!mnl_attr_put_strz_check(nlh, len, IFLA_IFNAME, spec->name) ||
	    (spec->mtu && !mnl_attr_put_u32_check(nlh, len, IFLA_MTU, spec->mtu)) ||
	    (spec->master &&
	     !mnl_attr_put_u32_check(nlh, len, IFLA_MASTER, (uint32_t)spec->master)))
		return NULL;
	if (!(linkinfo = mnl_attr_nest_start_check(nlh, len, IFLA_LINKINFO)) ||
	    !mnl_attr_put_strz_check(nlh, len, IFLA_INFO_KIND, "veth") ||
	    !(data = mnl_attr_nest_start_check(nlh, len, IFLA_INFO_DATA)) ||
	    !(peer_nest = mnl_attr_nest_start_check(nlh, len, VETH_INFO_PEER)))
		return NULL;
	/* VETH_INFO_PEER carries a whole struct ifinfomsg before the peer's
	 * attributes; the kernel rejects the nest without it. */
	if (nlh->nlmsg_len + MNL_ALIGN(sizeof(*peer)) > len)
		return NULL;
	peer = mnl_nlmsg_get_payload_tail(nlh);
	memset(peer, 0, MNL_ALIGN(sizeof(*peer)));
	peer->ifi_family = AF_UNSPEC;
	nlh->nlmsg_len += MNL_ALIGN(sizeof(*peer));
	if (!mnl_attr_put_strz_check(nlh, len, IFLA_IFNAME, spec->peer) ||
	    (spec->mtu && !mnl_attr_put_u32_check(nlh, len, IFLA_MTU, spec->mtu)) ||
	    (spec->peer_nsfd >= 0 &&
	     !mnl_attr_put_u32_check(nlh, len, IFLA_NET_NS_FD,
				     (uint32_t)spec->peer_nsfd)))
		return NULL;
	mnl_attr_nest_end(nlh, peer_nest);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	return nlh;
}

struct nlmsghdr *cfs_msg_bridge(void *buf, size_t len, const char *name,
				unsigned mtu, const uint8_t *mac, bool up)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct nlattr *linkinfo, *data;

	ifi = ifi_start(&nlh, buf, len, RTM_NEWLINK,
			REQ | NLM_F_CREATE | NLM_F_EXCL);
	if (!ifi)
		return NULL;
	if (up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	/* Multicast snooping off: the bridge floods multicast to every
	 * member, as a hub would. A lab network has no IGMP/MLD querier, so
	 * a snooping bridge may forget a group's members and stop delivering
	 * to them; and while it snoops, the kernel re-arms every port's
	 * multicast timers on each port change, a cost that grows with the
	 * number of containers. */
	if (!mnl_attr_put_strz_check(nlh, len, IFLA_IFNAME, name) ||
	    (mtu && !mnl_attr_put_u32_check(nlh, len, IFLA_MTU, mtu)) ||
	    (mac && !mnl_attr_put_check(nlh, len, IFLA_ADDRESS, 6, mac)) ||
	    !(linkinfo = mnl_attr_nest_start_check(nlh, len, IFLA_LINKINFO)) ||
	    !mnl_attr_put_strz_check(nlh, len, IFLA_INFO_KIND, "bridge") ||
	    !(data = mnl_attr_nest_start_check(nlh, len, IFLA_INFO_DATA)) ||
	    !mnl_attr_put_u8_check(nlh, len, IFLA_BR_MCAST_SNOOPING, 0))
		return NULL;
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	return nlh;
}

struct nlmsghdr *cfs_msg_link_set(void *buf, size_t len,
				  const struct cfs_link_set *set)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct nlattr *af, *inet6;

	ifi = ifi_start(&nlh, buf, len, RTM_NEWLINK, REQ);
	if (!ifi)
		return NULL;
	ifi->ifi_index = set->ifindex;
	if (set->up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	if ((!set->ifindex && set->ifname &&
	     !mnl_attr_put_strz_check(nlh, len, IFLA_IFNAME, set->ifname)) ||
	    (set->mtu && !mnl_attr_put_u32_check(nlh, len, IFLA_MTU, set->mtu)) ||
	    (set->master &&
	     !mnl_attr_put_u32_check(nlh, len, IFLA_MASTER, (uint32_t)set->master)) ||
	    (set->alias &&
	     !mnl_attr_put_strz_check(nlh, len, IFLA_IFALIAS, set->alias)))
		return NULL;
	if (set->no_ipv6_ll) {
		/* No IPv6 link-local address: no DAD, router or MLD traffic
		 * flooded to every bridge port for a link with no IPv6. */
		if (!(af = mnl_attr_nest_start_check(nlh, len, IFLA_AF_SPEC)) ||
		    !(inet6 = mnl_attr_nest_start_check(nlh, len, AF_INET6)) ||
		    !mnl_attr_put_u8_check(nlh, len, IFLA_INET6_ADDR_GEN_MODE,
					   IN6_ADDR_GEN_MODE_NONE))
			return NULL;
		mnl_attr_nest_end(nlh, inet6);
		mnl_attr_nest_end(nlh, af);
	}
	return nlh;
}

struct nlmsghdr *cfs_msg_link_del(void *buf, size_t len, const char *name)
{
	struct nlmsghdr *nlh;

	if (!ifi_start(&nlh, buf, len, RTM_DELLINK, REQ) ||
	    !mnl_attr_put_strz_check(nlh, len, IFLA_IFNAME, name))
		return NULL;
	return nlh;
}

struct nlmsghdr *cfs_msg_brport_hairpin(void *buf, size_t len, int ifindex,
					bool on)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct nlattr *pi;

	/* `bridge link set dev X hairpin on`: the bridge's own RTM_SETLINK
	 * (family AF_BRIDGE), its port attributes in a nested PROTINFO. */
	ifi = ifi_start(&nlh, buf, len, RTM_SETLINK, REQ);
	if (!ifi)
		return NULL;
	ifi->ifi_family = AF_BRIDGE;
	ifi->ifi_index = ifindex;
	pi = mnl_attr_nest_start_check(nlh, len, IFLA_PROTINFO);
	if (!pi || !mnl_attr_put_u8_check(nlh, len, IFLA_BRPORT_MODE, on ? 1 : 0))
		return NULL;
	mnl_attr_nest_end(nlh, pi);
	return nlh;
}

struct nlmsghdr *cfs_msg_addr4(void *buf, size_t len, int ifindex,
			       const struct cfs_cidr *addr)
{
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	uint32_t local = htonl(addr->addr), brd = htonl(cfs_cidr_broadcast(addr));

	/* REPLACE rather than EXCL: adding the address a link already has is
	 * not an error, which lets a repeated `up` repair a half-made link. */
	nlh = msg_start(buf, len, RTM_NEWADDR, REQ | NLM_F_CREATE | NLM_F_REPLACE,
			sizeof(*ifa));
	if (!nlh)
		return NULL;
	ifa = mnl_nlmsg_get_payload(nlh);
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)addr->prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)ifindex;
	if (!mnl_attr_put_check(nlh, len, IFA_LOCAL, 4, &local) ||
	    !mnl_attr_put_check(nlh, len, IFA_ADDRESS, 4, &local) ||
	    (addr->prefix < 31 &&
	     !mnl_attr_put_check(nlh, len, IFA_BROADCAST, 4, &brd)))
		return NULL;
	return nlh;
}

struct nlmsghdr *cfs_msg_route4(void *buf, size_t len, uint32_t dst,
				unsigned prefix, uint32_t gw, int oif)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	uint32_t ndst = htonl(dst), ngw = htonl(gw);

	nlh = msg_start(buf, len, RTM_NEWROUTE, REQ | NLM_F_CREATE | NLM_F_REPLACE,
			sizeof(*rtm));
	if (!nlh)
		return NULL;
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = (unsigned char)prefix;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	if ((prefix && !mnl_attr_put_check(nlh, len, RTA_DST, 4, &ndst)) ||
	    (gw && !mnl_attr_put_check(nlh, len, RTA_GATEWAY, 4, &ngw)) ||
	    (oif && !mnl_attr_put_u32_check(nlh, len, RTA_OIF, (uint32_t)oif)))
		return NULL;
	return nlh;
}

struct nlmsghdr *cfs_msg_route4_del(void *buf, size_t len, uint32_t dst,
				    unsigned prefix, uint32_t gw)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	uint32_t ndst = htonl(dst), ngw = htonl(gw);

	nlh = msg_start(buf, len, RTM_DELROUTE, REQ, sizeof(*rtm));
	if (!nlh)
		return NULL;
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = (unsigned char)prefix;
	rtm->rtm_table = RT_TABLE_MAIN;
	/* NOWHERE: any scope matches, as `ip route del` asks. */
	rtm->rtm_scope = RT_SCOPE_NOWHERE;
	if ((prefix && !mnl_attr_put_check(nlh, len, RTA_DST, 4, &ndst)) ||
	    (gw && !mnl_attr_put_check(nlh, len, RTA_GATEWAY, 4, &ngw)))
		return NULL;
	return nlh;
}

struct nlmsghdr *cfs_msg_addr6(void *buf, size_t len, int ifindex,
			       const struct cfs_cidr6 *addr)
{
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	nlh = msg_start(buf, len, RTM_NEWADDR, REQ | NLM_F_CREATE | NLM_F_REPLACE,
			sizeof(*ifa));
	if (!nlh)
		return NULL;
	ifa = mnl_nlmsg_get_payload(nlh);
	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = (unsigned char)addr->prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	/* No duplicate address detection: usable at once, not after the
	 * second or so DAD takes (the address is ours by construction). */
	ifa->ifa_flags = IFA_F_NODAD;
	ifa->ifa_index = (unsigned)ifindex;
	if (!mnl_attr_put_check(nlh, len, IFA_LOCAL, 16, &addr->addr) ||
	    !mnl_attr_put_check(nlh, len, IFA_ADDRESS, 16, &addr->addr))
		return NULL;
	return nlh;
}

struct nlmsghdr *cfs_msg_route6_default(void *buf, size_t len,
					const struct in6_addr *gw, int oif)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	nlh = msg_start(buf, len, RTM_NEWROUTE, REQ | NLM_F_CREATE | NLM_F_REPLACE,
			sizeof(*rtm));
	if (!nlh)
		return NULL;
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_family = AF_INET6;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	if (!mnl_attr_put_check(nlh, len, RTA_GATEWAY, 16, gw) ||
	    (oif && !mnl_attr_put_u32_check(nlh, len, RTA_OIF, (uint32_t)oif)))
		return NULL;
	return nlh;
}

struct nlmsghdr *cfs_msg_vxlan(void *buf, size_t len,
			       const struct cfs_vxlan_spec *spec)
{
	struct nlmsghdr *nlh;
	struct nlattr *linkinfo, *data;
	uint32_t remote = htonl(spec->remote), local = htonl(spec->local);

	if (!ifi_start(&nlh, buf, len, RTM_NEWLINK,
		       REQ | NLM_F_CREATE | NLM_F_EXCL))
		return NULL;
	if (!mnl_attr_put_strz_check(nlh, len, IFLA_IFNAME, spec->name) ||
	    (spec->mtu && !mnl_attr_put_u32_check(nlh, len, IFLA_MTU, spec->mtu)) ||
	    (spec->master &&
	     !mnl_attr_put_u32_check(nlh, len, IFLA_MASTER, (uint32_t)spec->master)))
		return NULL;
	if (!(linkinfo = mnl_attr_nest_start_check(nlh, len, IFLA_LINKINFO)) ||
	    !mnl_attr_put_strz_check(nlh, len, IFLA_INFO_KIND, "vxlan") ||
	    !(data = mnl_attr_nest_start_check(nlh, len, IFLA_INFO_DATA)) ||
	    !mnl_attr_put_u32_check(nlh, len, IFLA_VXLAN_ID, spec->vni) ||
	    /* A unicast remote goes in GROUP, as `ip link ... remote` does. */
	    !mnl_attr_put_check(nlh, len, IFLA_VXLAN_GROUP, 4, &remote) ||
	    (spec->local &&
	     !mnl_attr_put_check(nlh, len, IFLA_VXLAN_LOCAL, 4, &local)) ||
	    !mnl_attr_put_u16_check(nlh, len, IFLA_VXLAN_PORT, htons(spec->port)) ||
	    !mnl_attr_put_u8_check(nlh, len, IFLA_VXLAN_LEARNING, 1))
		return NULL;
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	return nlh;
}

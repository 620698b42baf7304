/* nl.c - a NETLINK_ROUTE socket in one network namespace, with a batch of
 * requests sent in one write and acknowledged together. Every request asks
 * for an ack; every ack is checked, by sequence number and port id, and a
 * failure carries the kernel's extended-ack text. */
#define _GNU_SOURCE
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "../ns/ns.h"

#define NL_BATCH_SIZE (32 * 1024)
#define NL_MAX_QUEUED 128

struct nl_req {
	uint32_t seq;
	int flags;
	int *link_out;              /* IFLA_LINK of the echoed link, if asked */
	char what[160];
};

struct cfs_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	size_t len;                 /* bytes queued in buf */
	size_t nq;
	size_t zeroed;              /* buf[0..zeroed) has been written */
	struct nl_req q[NL_MAX_QUEUED];
	char buf[NL_BATCH_SIZE];
};

static int nl_open_here(struct cfs_nl **out, cfs_error_t *err)
{
	struct cfs_nl *nl;
	int one = 1;

	/* Only the head is cleared: the queue and the 32 KiB batch buffer are
	 * written before they are read, and zeroing them would touch every
	 * page of both on each command. */
	nl = malloc(sizeof(*nl));
	if (!nl)
		return cfs_fail(err, ENOMEM, "opening a netlink socket");
	memset(nl, 0, offsetof(struct cfs_nl, q));
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock) {
		free(nl);
		return cfs_fail(err, errno, "opening a netlink socket");
	}
	/* Extended acks carry the kernel's reason as text; capped acks do
	 * not echo our whole request back. Both are best effort. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(nl->sock);
		free(nl);
		return cfs_fail(err, e, "binding a netlink socket");
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	*out = nl;
	return 0;
}

int cfs_nl_open(struct cfs_nl **out, cfs_error_t *err)
{
	return nl_open_here(out, err);
}

int cfs_nl_open_cb(void *arg)
{
	struct cfs_nl_open_arg *o = arg;

	return nl_open_here(&o->nl, o->err);
}

int cfs_nl_open_in(int nsfd, struct cfs_nl **out, cfs_error_t *err)
{
	struct cfs_nl_open_arg o = { .err = err };

	if (cfs_netns_run(nsfd, cfs_nl_open_cb, &o, err) < 0)
		return -1;
	*out = o.nl;
	return 0;
}

void cfs_nl_close(struct cfs_nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

/* Space for the next request; the message builders check their bounds.
 * The buffer is cleared a page ahead of use, not all at once: libmnl
 * 1.0.4 (Debian 12's) leaves attribute padding unwritten, and the kernel
 * is not to be sent bytes never written (valgrind saw them). */
static void *nl_tail(struct cfs_nl *nl, size_t *room)
{
	size_t want = nl->len + 4096;

	if (want > sizeof(nl->buf))
		want = sizeof(nl->buf);
	if (nl->zeroed < want) {
		memset(nl->buf + nl->zeroed, 0, want - nl->zeroed);
		nl->zeroed = want;
	}
	*room = sizeof(nl->buf) - nl->len;
	return nl->buf + nl->len;
}

static int nl_queue(struct cfs_nl *nl, struct nlmsghdr *nlh, int flags,
		    cfs_error_t *err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int nl_queue(struct cfs_nl *nl, struct nlmsghdr *nlh, int flags,
		    cfs_error_t *err, const char *fmt, ...)
{
	struct nl_req *r;
	va_list ap;

	if (!nlh || nl->nq == NL_MAX_QUEUED) {
		char what[160];

		va_start(ap, fmt);
		vsnprintf(what, sizeof(what), fmt, ap);
		va_end(ap);
		return cfs_fail(err, ENOBUFS, "%s: netlink batch full", what);
	}
	r = &nl->q[nl->nq++];
	r->seq = nlh->nlmsg_seq = ++nl->seq;
	nlh->nlmsg_pid = 0;
	r->flags = flags;
	r->link_out = NULL;
	va_start(ap, fmt);
	vsnprintf(r->what, sizeof(r->what), fmt, ap);
	va_end(ap);
	nl->len += MNL_ALIGN(nlh->nlmsg_len);
	return 0;
}

static bool missing_errno(int e)
{
	return e == ENODEV || e == ENOENT || e == ESRCH || e == EADDRNOTAVAIL;
}

/* The kernel's explanation, when it sent one (NLM_F_ACK_TLVS). */
static const char *ext_ack_msg(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	size_t off = sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (MNL_NLMSG_HDRLEN + off > nlh->nlmsg_len)
		return NULL;
	mnl_attr_for_each(attr, nlh, off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			return mnl_attr_get_str(attr);
	}
	return NULL;
}

static struct nl_req *find_req(struct cfs_nl *nl, uint32_t seq)
{
	for (size_t i = 0; i < nl->nq; i++)
		if (nl->q[i].seq == seq)
			return &nl->q[i];
	return NULL;
}

/* Whether a buffer of len bytes holds only whole netlink messages.
 * mnl_nlmsg_ok compares the length field as a signed int, so a message
 * claiming more than 2 GiB passes it and the walk runs past the buffer;
 * the kernel never sends one, but the reader must not trust it. */
static bool nl_buf_ok(const void *buf, size_t len)
{
	const char *p = buf;

	while (len >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)p;
		size_t step;

		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len)
			return false;
		step = MNL_ALIGN(nlh->nlmsg_len);
		if (step >= len)
			return true;
		p += step;
		len -= step;
	}
	return len == 0;
}

/* The echo of a link request (NLM_F_ECHO): its IFLA_LINK (a veth's
 * peer's ifindex, in the peer's namespace) into *r->link_out. */
static void nl_link_echo(const struct nlmsghdr *nlh, struct nl_req *r)
{
	const struct nlattr *attr;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifinfomsg))
		return;
	mnl_attr_for_each(attr, nlh, sizeof(struct ifinfomsg)) {
		if (mnl_attr_get_type(attr) == IFLA_LINK &&
		    mnl_attr_validate(attr, MNL_TYPE_U32) == 0 &&
		    (int)mnl_attr_get_u32(attr) > 0)
			*r->link_out = (int)mnl_attr_get_u32(attr);
	}
}

/* One buffer of replies: counts the acks of our queued requests in
 * *acked and records the first failure (*failed) in err; takes what a
 * request asked to be echoed. Anything else (other ports, other types,
 * unknown sequence numbers, short messages) is skipped. */
static void nl_acks_in(struct cfs_nl *nl, const void *buf, int len, size_t *acked,
		       int *failed, cfs_error_t *err)
{
	const struct nlmsghdr *nlh = buf;

	if (len < 0 || !nl_buf_ok(buf, (size_t)len))
		return;
	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		const struct nlmsgerr *e;
		struct nl_req *r;
		int code;

		if (nlh->nlmsg_pid != nl->portid ||
		    !(r = find_req(nl, nlh->nlmsg_seq)))
			continue;
		if (nlh->nlmsg_type == RTM_NEWLINK && r->link_out) {
			nl_link_echo(nlh, r);
			continue;
		}
		if (nlh->nlmsg_type != NLMSG_ERROR)
			continue;
		(*acked)++;
		if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*e))
			continue;
		e = mnl_nlmsg_get_payload(nlh);
		if (!e->error || *failed)
			continue;
		/* A negative errno; anything else is no error code. */
		code = e->error < 0 && e->error > -4096 ? -e->error : EPROTO;
		if ((r->flags & CFS_NL_MISSING_OK) && missing_errno(code))
			continue;
		/* The kernel goes on with the rest of a batch after a
		 * failure: report the first one, read every ack. */
		cfs_fail(err, code, "%s", r->what);
		cfs_error_append(err, ext_ack_msg(nlh));
		*failed = 1;
	}
}

static int nl_recv_acks(struct cfs_nl *nl, cfs_error_t *err)
{
	char rbuf[MNL_SOCKET_BUFFER_SIZE];
	size_t acked = 0;
	int failed = 0;

	while (acked < nl->nq) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, rbuf, sizeof(rbuf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cfs_fail(err, errno, "reading netlink acks");
		}
		nl_acks_in(nl, rbuf, (int)n, &acked, &failed, err);
	}
	return failed ? -1 : 0;
}

int cfs_nl_flush(struct cfs_nl *nl, cfs_error_t *err)
{
	int ret = 0;

	if (!nl->nq)
		return 0;
	if (mnl_socket_sendto(nl->sock, nl->buf, nl->len) < 0)
		ret = cfs_fail(err, errno, "%s", nl->q[0].what);
	else
		ret = nl_recv_acks(nl, err);
	nl->nq = 0;
	nl->len = 0;
	return ret;
}

struct link_query {
	int idx;
	char *alias;
	size_t aliaslen;
};

static int link_query_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct link_query *q = data;
	const struct nlattr *attr;

	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return MNL_CB_OK;
	q->idx = ifi->ifi_index;
	mnl_attr_for_each(attr, nlh, sizeof(*ifi)) {
		if (mnl_attr_get_type(attr) == IFLA_IFALIAS && q->alias &&
		    mnl_attr_validate(attr, MNL_TYPE_STRING) == 0)
			snprintf(q->alias, q->aliaslen, "%.*s",
				 (int)mnl_attr_get_payload_len(attr),
				 (const char *)mnl_attr_get_payload(attr));
	}
	return MNL_CB_OK;
}

/* One buffer of the reply to a link query: MNL_CB_OK (more to read),
 * MNL_CB_STOP or MNL_CB_ERROR (errno set). */
static int link_reply(const void *buf, size_t n, uint32_t seq, uint32_t portid,
		      struct link_query *q)
{
	if (!nl_buf_ok(buf, n)) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	return mnl_cb_run(buf, n, seq, portid, link_query_cb, q);
}

int cfs_nl_link_index(struct cfs_nl *nl, const char *name, int *ifindex,
		      cfs_error_t *err)
{
	return cfs_nl_link_query(nl, name, ifindex, NULL, 0, err);
}

int cfs_nl_link_query(struct cfs_nl *nl, const char *name, int *ifindex,
		      char *alias, size_t aliaslen, cfs_error_t *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	uint32_t seq = ++nl->seq;
	ssize_t n;
	int ret;
	struct link_query q = { .alias = alias, .aliaslen = aliaslen };

	if (alias && aliaslen)
		alias[0] = '\0';
	memset(buf, 0, 256); /* the request's padding (see nl_tail) */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	/* Ask for nothing but the header: no stats, no VF lists. */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, 0);
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return cfs_fail(err, errno, "looking up link %s", name);
	do {
		n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0)
			return cfs_fail(err, errno, "looking up link %s", name);
		ret = link_reply(buf, (size_t)n, seq, nl->portid, &q);
	} while (ret > 0 && !q.idx);
	if (ret < 0)
		return cfs_fail(err, errno, "looking up link %s", name);
	*ifindex = q.idx;
	return 0;
}

int cfs_nl_queue_veth(struct cfs_nl *nl, const struct cfs_veth_spec *spec,
		      cfs_error_t *err)
{
	size_t room;
	void *p = nl_tail(nl, &room);
	struct nlmsghdr *nlh = cfs_msg_veth(p, room, spec);

	/* Asked to echo the new link (Linux 6.1 and later do, others stay
	 * silent): its IFLA_LINK is the peer's ifindex, which then needs no
	 * lookup in the peer's namespace. */
	if (nlh && spec->peer_ifindex)
		nlh->nlmsg_flags |= NLM_F_ECHO;
	if (nl_queue(nl, nlh, 0, err, "creating veth %s", spec->name) < 0)
		return -1;
	if (spec->peer_ifindex) {
		*spec->peer_ifindex = 0;
		nl->q[nl->nq - 1].link_out = spec->peer_ifindex;
	}
	return 0;
}

int cfs_nl_queue_bridge(struct cfs_nl *nl, const char *name, unsigned mtu,
			cfs_error_t *err)
{
	size_t room;
	void *p = nl_tail(nl, &room);
	uint8_t mac[6];

	if (getrandom(mac, sizeof(mac), 0) != (ssize_t)sizeof(mac))
		return cfs_fail(err, errno ? errno : EIO, "creating bridge %s", name);
	mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02); /* unicast, local */
	return nl_queue(nl, cfs_msg_bridge(p, room, name, mtu, mac, false), 0, err,
			"creating bridge %s", name);
}

int cfs_nl_queue_link_set(struct cfs_nl *nl, const struct cfs_link_set *set,
			  const char *what, cfs_error_t *err)
{
	size_t room;
	void *p = nl_tail(nl, &room);

	return nl_queue(nl, cfs_msg_link_set(p, room, set), 0, err, "%s", what);
}

int cfs_nl_queue_link_del(struct cfs_nl *nl, const char *name, int flags,
			  cfs_error_t *err)
{
	size_t room;
	void *p = nl_tail(nl, &room);

	return nl_queue(nl, cfs_msg_link_del(p, room, name), flags, err,
			"deleting link %s", name);
}

int cfs_nl_queue_addr4(struct cfs_nl *nl, int ifindex, const char *ifname,
		       const struct cfs_cidr *addr, cfs_error_t *err)
{
	char a[CFS_CIDR_STRLEN];
	size_t room;
	void *p = nl_tail(nl, &room);

	cfs_cidr_format(addr, a);
	return nl_queue(nl, cfs_msg_addr4(p, room, ifindex, addr), 0, err,
			"adding address %s to %s", a, ifname);
}

int cfs_nl_queue_route4(struct cfs_nl *nl, uint32_t dst, unsigned prefix,
			uint32_t gw, int oif, cfs_error_t *err)
{
	char d[CFS_IP4_STRLEN], g[CFS_IP4_STRLEN];
	size_t room;
	void *p = nl_tail(nl, &room);

	cfs_ip4_format(dst, d);
	cfs_ip4_format(gw, g);
	if (!prefix)
		return nl_queue(nl, cfs_msg_route4(p, room, dst, prefix, gw, oif),
				0, err, "adding default route via %s", g);
	return nl_queue(nl, cfs_msg_route4(p, room, dst, prefix, gw, oif), 0, err,
			"adding route to %s/%u", d, prefix);
}

int cfs_nl_queue_route4_del(struct cfs_nl *nl, uint32_t dst, unsigned prefix,
			    uint32_t gw, int flags, cfs_error_t *err)
{
	char d[CFS_IP4_STRLEN];
	size_t room;
	void *p = nl_tail(nl, &room);

	cfs_ip4_format(dst, d);
	return nl_queue(nl, cfs_msg_route4_del(p, room, dst, prefix, gw), flags,
			err, "deleting route to %s/%u", d, prefix);
}

int cfs_nl_queue_addr6(struct cfs_nl *nl, int ifindex, const char *ifname,
		       const struct cfs_cidr6 *addr, cfs_error_t *err)
{
	char a[CFS_CIDR6_STRLEN];
	size_t room;
	void *p = nl_tail(nl, &room);

	cfs_cidr6_format(addr, a);
	return nl_queue(nl, cfs_msg_addr6(p, room, ifindex, addr), 0, err,
			"adding address %s to %s", a, ifname);
}

int cfs_nl_queue_route6_default(struct cfs_nl *nl, const struct in6_addr *gw,
				int oif, cfs_error_t *err)
{
	char g[CFS_IP6_STRLEN];
	size_t room;
	void *p = nl_tail(nl, &room);

	cfs_ip6_format(gw, g);
	return nl_queue(nl, cfs_msg_route6_default(p, room, gw, oif), 0, err,
			"adding default route ::/0 via %s", g);
}

int cfs_nl_queue_vxlan(struct cfs_nl *nl, const struct cfs_vxlan_spec *spec,
		       cfs_error_t *err)
{
	size_t room;
	void *p = nl_tail(nl, &room);

	return nl_queue(nl, cfs_msg_vxlan(p, room, spec), 0, err,
			"creating vxlan device %s (id %u)", spec->name, spec->vni);
}

/* ---- one-shot queries ---------------------------------------------------- */

struct route_get {
	int oif;
	uint32_t src;
	unsigned mtu;
	bool found;
	bool done;     /* the answer (one message, no NLMSG_DONE) arrived */
};

static int route_get_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct route_get *q = data;
	const struct nlattr *attr;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	q->found = q->done = true;
	mnl_attr_for_each(attr, nlh, sizeof(*rtm)) {
		switch (mnl_attr_get_type(attr)) {
		case RTA_OIF:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
				q->oif = (int)mnl_attr_get_u32(attr);
			break;
		case RTA_PREFSRC:
			if (mnl_attr_get_payload_len(attr) == 4)
				memcpy(&q->src, mnl_attr_get_payload(attr), 4);
			break;
		}
	}
	return MNL_CB_OK;
}

static int link_mtu_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct route_get *q = data;
	const struct nlattr *attr;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	q->done = true;
	mnl_attr_for_each(attr, nlh, sizeof(*ifi)) {
		if (mnl_attr_get_type(attr) == IFLA_MTU &&
		    mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			q->mtu = mnl_attr_get_u32(attr);
	}
	return MNL_CB_OK;
}

/* Sends one request (no ack asked) and runs cb on the answer until cb
 * sets *done (a plain get is answered by one message, without a
 * NLMSG_DONE) or the kernel refuses. */
static int nl_ask(struct cfs_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		  void *data, const bool *done)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t seq = nlh->nlmsg_seq = ++nl->seq;
	ssize_t n;
	int ret;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0)
			return -1;
		ret = mnl_cb_run(buf, (size_t)n, seq, nl->portid, cb, data);
	} while (ret > 0 && !*done);
	return ret < 0 ? -1 : 0;
}

int cfs_nl_route_get4(struct cfs_nl *nl, uint32_t dst, int *oif,
		      unsigned *mtu, uint32_t *src, cfs_error_t *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], d[CFS_IP4_STRLEN];
	struct route_get q = { 0 };
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	struct ifinfomsg *ifi;
	uint32_t ndst = htonl(dst);

	cfs_ip4_format(dst, d);
	memset(buf, 0, 256); /* the requests' padding (see nl_tail) */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 32;
	mnl_attr_put(nlh, RTA_DST, 4, &ndst);
	if (nl_ask(nl, nlh, route_get_cb, &q, &q.done) < 0)
		return cfs_fail(err, errno, "looking up the route to %s", d);
	if (!q.found || !q.oif)
		return cfs_fail(err, ENETUNREACH, "looking up the route to %s", d);

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = q.oif;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, 0);
	q.done = false;
	errno = 0;
	if (nl_ask(nl, nlh, link_mtu_cb, &q, &q.done) < 0 || !q.mtu)
		return cfs_fail(err, errno ? errno : ENODEV,
				"reading the MTU of the link towards %s", d);
	*oif = q.oif;
	*mtu = q.mtu;
	*src = ntohl(q.src);
	return 0;
}

int cfs_nl_queue_qdisc_tbf(struct cfs_nl *nl, int ifindex, const char *ifname,
			   uint64_t rate, uint32_t burst, cfs_error_t *err)
{
	size_t room;
	void *p = nl_tail(nl, &room);

	return nl_queue(nl, cfs_msg_qdisc_tbf(p, room, ifindex, rate, burst), 0,
			err, "adding a tbf qdisc to %s", ifname);
}

int cfs_nl_queue_qdisc_del(struct cfs_nl *nl, int ifindex, const char *ifname,
			   int flags, cfs_error_t *err)
{
	size_t room;
	void *p = nl_tail(nl, &room);

	return nl_queue(nl, cfs_msg_qdisc_del(p, room, ifindex), flags, err,
			"removing the qdisc of %s", ifname);
}

int cfs_nl_queue_brport_hairpin(struct cfs_nl *nl, int ifindex,
				const char *ifname, bool on, cfs_error_t *err)
{
	size_t room;
	void *p = nl_tail(nl, &room);

	return nl_queue(nl, cfs_msg_brport_hairpin(p, room, ifindex, on), 0, err,
			"setting hairpin mode on %s", ifname);
}

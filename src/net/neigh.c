/* neigh.c - flushing the IPv4 neighbour (ARP) cache of the caller's
 * network namespace, as `ip -4 neigh flush all` does: a dump, then one
 * RTM_DELNEIGH per entry that is not permanent.
 *
 * Why: the kernel's ARP table is one table for every namespace of the
 * machine, bounded by net.ipv4.neigh.default.gc_thresh3 (1024 by
 * default), and an entry younger than 5 s cannot be reclaimed; a pingall
 * across many namespaces must give back the entries it made as it goes. */
#include "net.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

struct neigh_list {
	struct { int ifindex; uint32_t addr; } *e;
	size_t n, cap;
	int err;
};

static int neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	struct neigh_list *l = data;
	const struct nlattr *attr;

	if (nlh->nlmsg_type != RTM_NEWNEIGH || nd->ndm_family != AF_INET ||
	    (nd->ndm_state & (NUD_PERMANENT | NUD_NOARP)))
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*nd)) {
		if (mnl_attr_get_type(attr) != NDA_DST ||
		    mnl_attr_get_payload_len(attr) != 4)
			continue;
		if (l->n == l->cap) {
			size_t nc = l->cap ? l->cap * 2 : 64;
			void *na = realloc(l->e, nc * sizeof(*l->e));

			if (!na) {
				l->err = ENOMEM;
				return MNL_CB_ERROR;
			}
			l->e = na;
			l->cap = nc;
		}
		l->e[l->n].ifindex = nd->ndm_ifindex;
		memcpy(&l->e[l->n].addr, mnl_attr_get_payload(attr), 4);
		l->n++;
	}
	return MNL_CB_OK;
}

static struct nlmsghdr *neigh_msg(char *buf, uint16_t type, uint16_t flags,
				  uint32_t seq, int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *nd;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = AF_INET;
	nd->ndm_ifindex = ifindex;
	return nlh;
}

int cfs_neigh_flush4(cfs_error_t *err)
{
	struct mnl_socket *sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct neigh_list l = { 0 };
	uint32_t seq = (uint32_t)time(NULL), portid;
	ssize_t n;
	int ret = 0;

	if (!sock)
		return cfs_fail(err, errno, "opening a netlink socket");
	if (mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = cfs_fail(err, errno, "binding a netlink socket");
		goto out;
	}
	portid = mnl_socket_get_portid(sock);
	neigh_msg(buf, RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP, seq, 0);
	if (mnl_socket_sendto(sock, buf, ((struct nlmsghdr *)buf)->nlmsg_len) < 0) {
		ret = cfs_fail(err, errno, "listing neighbours");
		goto out;
	}
	do {
		n = mnl_socket_recvfrom(sock, buf, sizeof(buf));
		if (n < 0) {
			ret = cfs_fail(err, errno, "listing neighbours");
			goto out;
		}
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, neigh_cb, &l);
	} while (ret > 0);
	if (ret < 0) {
		ret = cfs_fail(err, l.err ? l.err : errno, "listing neighbours");
		goto out;
	}
	/* One delete at a time, acked: an entry that went meanwhile is fine. */
	for (size_t i = 0; i < l.n; i++) {
		struct nlmsghdr *nlh = neigh_msg(buf, RTM_DELNEIGH,
						 NLM_F_REQUEST | NLM_F_ACK, ++seq,
						 l.e[i].ifindex);

		mnl_attr_put(nlh, NDA_DST, 4, &l.e[i].addr);
		if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0) {
			ret = cfs_fail(err, errno, "deleting a neighbour");
			goto out;
		}
		n = mnl_socket_recvfrom(sock, buf, sizeof(buf));
		if (n < 0) {
			ret = cfs_fail(err, errno, "deleting a neighbour");
			goto out;
		}
		if (mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL) < 0 &&
		    errno != ENOENT && errno != ESRCH) {
			ret = cfs_fail(err, errno, "deleting a neighbour");
			goto out;
		}
	}
	ret = 0;
out:
	free(l.e);
	mnl_socket_close(sock);
	return ret;
}

/* qdisc.c - a tbf (token bucket) qdisc as the root of a link, over
 * rtnetlink: what `tc qdisc add dev IF root tbf rate R burst B limit L`
 * sends. Pure message builder; cfs_nl_queue_qdisc_tbf (nl.c) queues it. */
#include "net.h"

#include <libmnl/libmnl.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

/* The bucket holds 10 ms of traffic, at least two full frames; the queue
 * behind it 50 ms more. */
void cfs_tbf_sizes(uint64_t rate_bits, uint32_t *burst, uint32_t *limit)
{
	uint64_t bps = rate_bits / 8;
	uint64_t b = bps / 100, l;

	if (b < 3200)
		b = 3200;
	if (b > UINT32_MAX / 2)
		b = UINT32_MAX / 2;
	l = b + bps / 20;
	if (l > UINT32_MAX)
		l = UINT32_MAX;
	*burst = (uint32_t)b;
	*limit = (uint32_t)l;
}

struct nlmsghdr *cfs_msg_qdisc_tbf(void *buf, size_t len, int ifindex,
				   uint64_t rate_bits)
{
	struct tc_tbf_qopt opt;
	struct nlmsghdr *nlh;
	struct tcmsg *tcm;
	struct nlattr *nest;
	uint64_t bps = rate_bits / 8;
	uint32_t burst, limit;

	if (len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*tcm)))
		return NULL;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWQDISC;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_handle = 0;
	tcm->tcm_parent = TC_H_ROOT;

	cfs_tbf_sizes(rate_bits, &burst, &limit);
	memset(&opt, 0, sizeof(opt));
	/* An Ethernet link layer: the kernel then needs no rate table. */
	opt.rate.linklayer = TC_LINKLAYER_ETHERNET;
	opt.rate.rate = bps > UINT32_MAX ? UINT32_MAX : (uint32_t)bps;
	opt.limit = limit;
	if (!mnl_attr_put_strz_check(nlh, len, TCA_KIND, "tbf") ||
	    !(nest = mnl_attr_nest_start_check(nlh, len, TCA_OPTIONS)) ||
	    !mnl_attr_put_check(nlh, len, TCA_TBF_PARMS, sizeof(opt), &opt) ||
	    (bps > UINT32_MAX &&
	     !mnl_attr_put_u64_check(nlh, len, TCA_TBF_RATE64, bps)) ||
	    !mnl_attr_put_u32_check(nlh, len, TCA_TBF_BURST, burst))
		return NULL;
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

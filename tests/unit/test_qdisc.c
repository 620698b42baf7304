/* test_qdisc.c - shaping: the tbf and qdisc-delete requests parsed back
 * with libmnl, and tc's rate and size syntax. No root, no kernel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "net/net.h" /* <net/if.h> before the uapi headers */

#include <libmnl/libmnl.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#define MAXA 16

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

static void parse_tbf(const struct nlmsghdr *nlh, const struct nlattr *opt[MAXA])
{
	const struct nlattr *tb[MAXA];
	const char *p = mnl_nlmsg_get_payload_offset(nlh, sizeof(struct tcmsg));

	parse_level((const struct nlattr *)p,
		    (size_t)((const char *)nlh + nlh->nlmsg_len - p), tb);
	assert_non_null(tb[TCA_KIND]);
	assert_string_equal(mnl_attr_get_str(tb[TCA_KIND]), "tbf");
	assert_non_null(tb[TCA_OPTIONS]);
	parse_level(mnl_attr_get_payload(tb[TCA_OPTIONS]),
		    mnl_attr_get_payload_len(tb[TCA_OPTIONS]), opt);
}

static void tbf_request(void **state)
{
	char buf[512];
	const struct nlattr *opt[MAXA];
	const struct tc_tbf_qopt *q;
	const struct tcmsg *tcm;
	struct nlmsghdr *nlh;

	(void)state;
	/* 10mbit = 1,250,000 bytes/s, a 32 KiB bucket. */
	nlh = cfs_msg_qdisc_tbf(buf, sizeof(buf), 7, 1250000, 32768);
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWQDISC);
	assert_int_equal(nlh->nlmsg_flags,
			 NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
	tcm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(tcm->tcm_ifindex, 7);
	assert_int_equal(tcm->tcm_parent, TC_H_ROOT);
	assert_int_equal(tcm->tcm_handle, CFS_TBF_HANDLE);
	parse_tbf(nlh, opt);
	assert_non_null(opt[TCA_TBF_PARMS]);
	assert_int_equal(mnl_attr_get_payload_len(opt[TCA_TBF_PARMS]), sizeof(*q));
	q = mnl_attr_get_payload(opt[TCA_TBF_PARMS]);
	assert_int_equal(q->rate.rate, 1250000);
	/* Ethernet link layer: the kernel needs no rate table. */
	assert_int_equal(q->rate.linklayer, TC_LINKLAYER_ETHERNET);
	assert_null(opt[TCA_TBF_RTAB]);
	assert_int_equal(q->peakrate.rate, 0);
	/* 50 ms at the rate plus the bucket. */
	assert_int_equal(q->limit, 1250000 / 20 + 32768);
	assert_int_equal(mnl_attr_get_u32(opt[TCA_TBF_BURST]), 32768);
	assert_null(opt[TCA_TBF_RATE64]);
}

static void tbf_rate64(void **state)
{
	char buf[512];
	const struct nlattr *opt[MAXA];
	const struct tc_tbf_qopt *q;
	struct nlmsghdr *nlh;
	uint64_t rate = 5000000000ull; /* 40 gbit: above 32 bits of bytes/s */

	(void)state;
	nlh = cfs_msg_qdisc_tbf(buf, sizeof(buf), 3, rate, 1 << 20);
	assert_non_null(nlh);
	parse_tbf(nlh, opt);
	q = mnl_attr_get_payload(opt[TCA_TBF_PARMS]);
	assert_int_equal(q->rate.rate, UINT32_MAX);
	assert_non_null(opt[TCA_TBF_RATE64]);
	assert_true(mnl_attr_get_u64(opt[TCA_TBF_RATE64]) == rate);
}

static void qdisc_del(void **state)
{
	char buf[128];
	const struct tcmsg *tcm;
	struct nlmsghdr *nlh;

	(void)state;
	nlh = cfs_msg_qdisc_del(buf, sizeof(buf), 9);
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_type, RTM_DELQDISC);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	tcm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(tcm->tcm_ifindex, 9);
	assert_int_equal(tcm->tcm_parent, TC_H_ROOT);
	assert_int_equal(nlh->nlmsg_len, MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*tcm)));
}

static void refusals(void **state)
{
	char buf[512];

	(void)state;
	for (size_t len = 0; len < 80; len++)
		assert_null(cfs_msg_qdisc_tbf(buf, len, 1, 1000, 4096));
	assert_null(cfs_msg_qdisc_tbf(buf, sizeof(buf), 1, 0, 4096));
	assert_null(cfs_msg_qdisc_tbf(buf, sizeof(buf), 1, 1000, 0));
	assert_null(cfs_msg_qdisc_del(buf, 8, 1));
}

static void rates(void **state)
{
	static const struct {
		const char *s;
		uint64_t bytes;
	} ok[] = {
		{ "10mbit", 1250000 },   { "1gbit", 125000000 },
		{ "500kbit", 62500 },    { "100kbps", 100000 },
		{ "1.5mbit", 187500 },   { "8", 1 },
		{ "64000", 8000 },       { "10Mbit", 1250000 },
		{ "2mibit", 262144 },    { "1kibps", 1024 },
		{ "3bps", 3 },           { "1tbit", 125000000000ull },
	};
	static const char *const bad[] = {
		"", "fast", "mbit", "-5mbit", "+5mbit", "0mbit", "1e6bit",
		"1.5.3mbit", "10 mbit", "10xbit", "4bit", "0", ".", "10mbit ",
	};
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(cfs_rate_parse(ok[i].s, &v), 0);
		assert_true(v == ok[i].bytes);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cfs_rate_parse(bad[i], &v), -1);
}

static void sizes(void **state)
{
	uint32_t v;
	char buf[32];

	(void)state;
	assert_int_equal(cfs_size_parse("32k", &v), 0);
	assert_int_equal(v, 32768);
	assert_int_equal(cfs_size_parse("64kb", &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(cfs_size_parse("1m", &v), 0);
	assert_int_equal(v, 1048576);
	assert_int_equal(cfs_size_parse("20000", &v), 0);
	assert_int_equal(v, 20000);
	assert_int_equal(cfs_size_parse("1500b", &v), 0);
	assert_int_equal(v, 1500);
	assert_int_equal(cfs_size_parse("4g", &v), -1);
	assert_int_equal(cfs_size_parse("0", &v), -1);
	assert_int_equal(cfs_size_parse("big", &v), -1);
	assert_int_equal(cfs_size_parse("", &v), -1);

	cfs_rate_format(1250000, buf, sizeof(buf));
	assert_string_equal(buf, "10mbit");
	cfs_rate_format(125000000, buf, sizeof(buf));
	assert_string_equal(buf, "1gbit");
	cfs_rate_format(62500, buf, sizeof(buf));
	assert_string_equal(buf, "500kbit");
	cfs_rate_format(3, buf, sizeof(buf));
	assert_string_equal(buf, "24bit");
	assert_int_equal(cfs_tbf_default_burst(1250000), 12500);
	assert_int_equal(cfs_tbf_default_burst(1000), CFS_TBF_MIN_BURST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tbf_request),
		cmocka_unit_test(tbf_rate64),
		cmocka_unit_test(qdisc_del),
		cmocka_unit_test(refusals),
		cmocka_unit_test(rates),
		cmocka_unit_test(sizes),
	};

	return cmocka_run_group_tests_name("qdisc", tests, NULL, NULL);
}

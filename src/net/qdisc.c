/* qdisc.c - traffic shaping: a tbf (token bucket filter) root qdisc on a
 * link, built over rtnetlink (RTM_NEWQDISC / RTM_DELQDISC), and the
 * parsers of tc-style rates and sizes. The message builders are pure, so
 * the unit tests can parse them back.
 *
 * The tbf is given everything in bytes: TCA_TBF_PARMS with the rate
 * (linklayer ethernet: the kernel then needs no rate table) and the queue
 * limit, TCA_TBF_RATE64 for rates of 4 GB/s and up, and the bucket size as
 * TCA_TBF_BURST (the kernel turns it into its time-based buffer itself). */
#include "net.h"

#include <ctype.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#define REQ (NLM_F_REQUEST | NLM_F_ACK)

/* ---- parsing ------------------------------------------------------------ */

static const struct {
	const char *unit;
	double bytes_per_s; /* per unit */
} rate_units[] = {
	{ "bit", 1.0 / 8 },      { "kbit", 1e3 / 8 },   { "mbit", 1e6 / 8 },
	{ "gbit", 1e9 / 8 },     { "tbit", 1e12 / 8 },  { "kibit", 1024.0 / 8 },
	{ "mibit", 1048576.0 / 8 }, { "gibit", 1073741824.0 / 8 },
	{ "bps", 1 },            { "kbps", 1e3 },       { "mbps", 1e6 },
	{ "gbps", 1e9 },         { "tbps", 1e12 },      { "kibps", 1024 },
	{ "mibps", 1048576 },    { "gibps", 1073741824.0 },
};

/* A non-negative decimal number ("10", "1.5"), no sign, no exponent;
 * returns where it ends, or NULL. */
static const char *parse_number(const char *s, double *out)
{
	const char *p = s;
	double v = 0, scale = 1;
	bool digits = false;

	for (; isdigit((unsigned char)*p); p++, digits = true)
		v = v * 10 + (*p - '0');
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++, digits = true) {
			scale /= 10;
			v += (*p - '0') * scale;
		}
	}
	if (!digits)
		return NULL;
	*out = v;
	return p;
}

int cfs_rate_parse(const char *s, uint64_t *bytes_per_s)
{
	const char *unit;
	double v;

	unit = parse_number(s, &v);
	if (!unit)
		return -1;
	if (!*unit) {
		v /= 8; /* a bare number is bits per second, as in tc */
	} else {
		size_t i;

		for (i = 0; i < sizeof(rate_units) / sizeof(rate_units[0]); i++)
			if (!strcasecmp(unit, rate_units[i].unit))
				break;
		if (i == sizeof(rate_units) / sizeof(rate_units[0]))
			return -1;
		v *= rate_units[i].bytes_per_s;
	}
	v = floor(v);
	if (v < 1 || v > 1e15)
		return -1;
	*bytes_per_s = (uint64_t)v;
	return 0;
}

int cfs_size_parse(const char *s, uint32_t *bytes)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = {
		{ "", 1 },          { "b", 1 },          { "k", 1024 },
		{ "kb", 1024 },     { "kib", 1024 },     { "m", 1048576 },
		{ "mb", 1048576 },  { "mib", 1048576 },  { "g", 1073741824.0 },
		{ "gb", 1073741824.0 }, { "gib", 1073741824.0 },
	};
	const char *unit;
	double v;

	unit = parse_number(s, &v);
	if (!unit)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(unit, units[i].unit))
			continue;
		v = floor(v * units[i].mult);
		if (v < 1 || v > UINT32_MAX)
			return -1;
		*bytes = (uint32_t)v;
		return 0;
	}
	return -1;
}

void cfs_rate_format(uint64_t bytes_per_s, char *buf, size_t len)
{
	uint64_t bits = bytes_per_s * 8;

	if (bits >= 1000000000 && bits % 1000000000 == 0)
		snprintf(buf, len, "%llugbit", (unsigned long long)(bits / 1000000000));
	else if (bits >= 1000000 && bits % 1000000 == 0)
		snprintf(buf, len, "%llumbit", (unsigned long long)(bits / 1000000));
	else if (bits >= 1000 && bits % 1000 == 0)
		snprintf(buf, len, "%llukbit", (unsigned long long)(bits / 1000));
	else
		snprintf(buf, len, "%llubit", (unsigned long long)bits);
}

uint32_t cfs_tbf_default_burst(uint64_t bytes_per_s)
{
	/* 10 ms worth of tokens, at least a few full-size frames. */
	uint64_t b = bytes_per_s / 100;

	if (b < CFS_TBF_MIN_BURST)
		b = CFS_TBF_MIN_BURST;
	return b > UINT32_MAX ? UINT32_MAX : (uint32_t)b;
}

/* ---- messages ----------------------------------------------------------- */

static struct tcmsg *tc_start(struct nlmsghdr **nlhp, void *buf, size_t len,
			      uint16_t type, uint16_t flags, int ifindex)
{
	struct nlmsghdr *nlh;
	struct tcmsg *tcm;

	*nlhp = NULL;
	if (len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*tcm)))
		return NULL;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = TC_H_ROOT;
	*nlhp = nlh;
	return tcm;
}

struct nlmsghdr *cfs_msg_qdisc_tbf(void *buf, size_t len, int ifindex,
				   uint64_t rate, uint32_t burst)
{
	struct tc_tbf_qopt q = { 0 };
	struct nlmsghdr *nlh;
	struct nlattr *opts;
	struct tcmsg *tcm;
	uint64_t limit;

	if (!rate || !burst)
		return NULL;
	tcm = tc_start(&nlh, buf, len, RTM_NEWQDISC,
		       REQ | NLM_F_CREATE | NLM_F_REPLACE, ifindex);
	if (!tcm)
		return NULL;
	tcm->tcm_handle = CFS_TBF_HANDLE;
	q.rate.rate = rate > UINT32_MAX ? UINT32_MAX : (uint32_t)rate;
	q.rate.linklayer = TC_LINKLAYER_ETHERNET;
	/* The queue holds 50 ms at the rate on top of the bucket (tc's
	 * "latency 50ms"): packets beyond it are dropped. */
	limit = rate / 20 + burst;
	q.limit = limit > UINT32_MAX ? UINT32_MAX : (uint32_t)limit;
	if (!mnl_attr_put_strz_check(nlh, len, TCA_KIND, "tbf"))
		return NULL;
	opts = mnl_attr_nest_start_check(nlh, len, TCA_OPTIONS);
	if (!opts ||
	    !mnl_attr_put_check(nlh, len, TCA_TBF_PARMS, sizeof(q), &q) ||
	    (rate > UINT32_MAX &&
	     !mnl_attr_put_check(nlh, len, TCA_TBF_RATE64, sizeof(rate), &rate)) ||
	    !mnl_attr_put_u32_check(nlh, len, TCA_TBF_BURST, burst))
		return NULL;
	mnl_attr_nest_end(nlh, opts);
	return nlh;
}

struct nlmsghdr *cfs_msg_qdisc_del(void *buf, size_t len, int ifindex)
{
	struct nlmsghdr *nlh;

	if (!tc_start(&nlh, buf, len, RTM_DELQDISC, REQ, ifindex))
		return NULL;
	return nlh;
}

/* ---- netem -------------------------------------------------------------- */

bool cfs_netem_available(void)
{
	struct utsname u;
	char path[512];
	struct stat st;
	FILE *f;
	char line[512];
	bool found = false;

	/* Loaded or built in. */
	if (stat("/sys/module/sch_netem", &st) == 0)
		return true;
	/* Loadable: listed in modules.dep (or modules.builtin). */
	if (uname(&u) < 0)
		return false;
	for (int i = 0; i < 2 && !found; i++) {
		snprintf(path, sizeof(path), "/lib/modules/%s/%s", u.release,
			 i ? "modules.builtin" : "modules.dep");
		f = fopen(path, "re");
		if (!f)
			continue;
		while (!found && fgets(line, sizeof(line), f))
			found = strstr(line, "/sch_netem.ko") != NULL;
		fclose(f);
	}
	return found;
}

/* fwbackend.c - which iptables back end holds the host's own rules.
 *
 * cfsnet writes the legacy tables (libiptc). On a host whose firewall lives
 * in nftables (iptables-nft, Docker or firewalld on nftables) those rules
 * work, but `iptables` shows none of them, and an nftables DROP still
 * applies. The probe reads, without changing or loading anything:
 *   - /proc/net/ip_tables_names: the legacy tables this namespace has;
 *   - the legacy filter and nat tables (libiptc): a rule that is not
 *     cfsnet's (its chains and the jumps to them are cfsnet's);
 *   - the nftables rules of family ip and inet (an nfnetlink dump), asked
 *     only when nf_tables is in the kernel already (built in, or a loaded
 *     module), so the probe never makes the kernel load it. */
#define _GNU_SOURCE
#include "fw-internal.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/util.h"

static bool legacy_table_loaded(const char *names, const char *table)
{
	size_t l = strlen(table);

	for (const char *p = names; (p = strstr(p, table)); p += l)
		if ((p == names || p[-1] == '\n') && (p[l] == '\n' || !p[l]))
			return true;
	return false;
}

/* A rule of the table that is not cfsnet's: outside cfsnet's chain, and
 * not the jump to it. */
static bool legacy_foreign_rules(enum cfs_fw_table t)
{
	struct xtc_handle *h;
	cfs_error_t lerr = { 0 };
	bool found = false;

	if (cfs_ip4tc_load(&lerr) < 0)
		return false; /* no libip4tc: no legacy table cfsnet could use */
	h = iptc_init(cfs_fw_table_name(t));
	if (!h)
		return false;
	for (const char *c = iptc_first_chain(h); c && !found; c = iptc_next_chain(h)) {
		if (!strcmp(c, cfs_fw_chain(t)))
			continue;
		for (const struct ipt_entry *e = iptc_first_rule(c, h); e && !found;
		     e = iptc_next_rule(e, h)) {
			const char *target = iptc_get_target(e, h);

			found = !target || strcmp(target, cfs_fw_chain(t));
		}
	}
	iptc_free(h);
	return found;
}

static bool nf_tables_present(void)
{
	cleanup_free char *mods = NULL;
	cfs_error_t e = { 0 };

	if (access("/sys/module/nf_tables", F_OK) == 0)
		return true;
	/* No module list: a kernel without modules, nf_tables built in or
	 * absent (then the dump fails, which counts as no rules). */
	if (cfs_read_file("/proc/modules", &mods, NULL, &e) < 0)
		return e.errnum == ENOENT;
	return strstr(mods, "nf_tables ") != NULL;
}

static int count_rule(const struct nlmsghdr *nlh, void *data)
{
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len >= MNL_NLMSG_HDRLEN + sizeof(*g) &&
	    (g->nfgen_family == NFPROTO_IPV4 || g->nfgen_family == NFPROTO_INET))
		(*(unsigned *)data)++;
	return MNL_CB_OK;
}

/* The number of nftables rules of family ip and inet; 0 when nftables
 * cannot be asked. */
static unsigned nft_rule_count(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct nfgenmsg *g;
	unsigned seq = (unsigned)time(NULL), portid, n = 0;
	ssize_t r;

	if (!nf_tables_present())
		return 0;
	nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!nl)
		return 0;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(nl);
		return 0;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETRULE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = NFPROTO_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = 0;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		mnl_socket_close(nl);
		return 0;
	}
	while ((r = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		int cb = mnl_cb_run(buf, (size_t)r, seq, portid, count_rule, &n);

		if (cb <= MNL_CB_STOP)
			break;
	}
	mnl_socket_close(nl);
	return n;
}

int cfs_fw_backend_probe(struct cfs_fw_backend *b, cfs_error_t *err)
{
	cleanup_free char *names = NULL;
	cfs_error_t e = { 0 };

	memset(b, 0, sizeof(*b));
	if (cfs_read_file("/proc/net/ip_tables_names", &names, NULL, &e) < 0 &&
	    e.errnum != ENOENT) {
		*err = e;
		return cfs_error_wrap(err, "probing the iptables back end");
	}
	if (names && *names) {
		b->legacy_loaded = true;
		b->legacy_rules = (legacy_table_loaded(names, "filter") &&
				   legacy_foreign_rules(CFS_FW_FILTER)) ||
				  (legacy_table_loaded(names, "nat") &&
				   legacy_foreign_rules(CFS_FW_NAT));
	}
	b->nft_rules = nft_rule_count();
	b->nft_only = b->nft_rules > 0 && !b->legacy_rules;
	return 0;
}

/* validate.c - checks on user input, done before anything is touched. */
#include "ops.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int check_label(const char *s, const char *what, size_t max,
		       cfs_error_t *err)
{
	size_t n = strlen(s);

	if (n == 0)
		return cfs_fail(err, 0, "invalid %s '': empty", what);
	if (n > max)
		return cfs_fail(err, 0, "invalid %s '%s': longer than %zu characters",
				what, s, max);
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return cfs_fail(err, 0, "invalid %s '%s'", what, s);
	if (s[0] == '-')
		return cfs_fail(err, 0, "invalid %s '%s': starts with '-'", what, s);
	for (const char *p = s; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return cfs_fail(err, 0,
					"invalid %s '%s': only letters, digits, '_', '.' and '-' are allowed",
					what, s);
	}
	return 0;
}

int cfs_check_name(const char *name, cfs_error_t *err)
{
	return check_label(name, "name", CFS_NAME_MAX, err);
}

int cfs_check_ifname(const char *ifname, cfs_error_t *err)
{
	if (check_label(ifname, "interface name", IFNAMSIZ - 1, err) < 0)
		return -1;
	if (!strcmp(ifname, "lo"))
		return cfs_fail(err, 0, "invalid interface name 'lo': taken by loopback");
	return 0;
}

int cfs_check_mtu(const char *s, unsigned *mtu, cfs_error_t *err)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *s < '0' || *s > '9' || *end || errno || v < 68 || v > 65535)
		return cfs_fail(err, 0, "invalid MTU '%s': must be 68..65535", s);
	*mtu = (unsigned)v;
	return 0;
}

int cfs_check_ip(const char *s, struct cfs_cidr *out, cfs_error_t *err)
{
	char net[CFS_CIDR_STRLEN], ip[CFS_IP4_STRLEN];
	struct cfs_cidr c;
	struct cfs_cidr netc;

	if (cfs_cidr_parse(s, &c) < 0)
		return cfs_fail(err, 0, "invalid address '%s': expected A.B.C.D/PREFIX",
				s);
	if (c.prefix < 8 || c.prefix > 30)
		return cfs_fail(err, 0, "invalid address '%s': prefix must be 8..30", s);
	netc.addr = cfs_cidr_network(&c);
	netc.prefix = c.prefix;
	cfs_cidr_format(&netc, net);
	if (c.addr == netc.addr)
		return cfs_fail(err, 0, "invalid address '%s': the network address of %s",
				s, net);
	if (c.addr == cfs_cidr_broadcast(&c))
		return cfs_fail(err, 0,
				"invalid address '%s': the broadcast address of %s", s, net);
	if (c.addr == cfs_cidr_gateway(&c)) {
		cfs_ip4_format(c.addr, ip);
		return cfs_fail(err, 0,
				"invalid address '%s': %s is the gateway of %s", s, ip, net);
	}
	*out = c;
	return 0;
}

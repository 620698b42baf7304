/* addr6.c - IPv6 addresses and prefixes for dual-stack networks, and their
 * address allocation: pure functions, no kernel involved. An address is a
 * struct in6_addr (network byte order, as the kernel and inet_pton use). */
#include "net.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

int cfs_ip6_parse(const char *s, struct in6_addr *out)
{
	/* inet_pton also takes "::ffff:1.2.3.4"; that is an IPv6 address too. */
	if (!s || inet_pton(AF_INET6, s, out) != 1)
		return -1;
	return 0;
}

int cfs_cidr6_parse(const char *s, struct cfs_cidr6 *out)
{
	char buf[CFS_IP6_STRLEN];
	const char *slash, *p;
	unsigned prefix = 0;
	size_t n;
	int digits = 0;

	if (!s || !(slash = strchr(s, '/')))
		return -1;
	n = (size_t)(slash - s);
	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (cfs_ip6_parse(buf, &out->addr) < 0)
		return -1;
	for (p = slash + 1; *p >= '0' && *p <= '9'; p++) {
		prefix = prefix * 10 + (unsigned)(*p - '0');
		if (++digits > 3 || prefix > 128)
			return -1;
	}
	if (!digits || *p)
		return -1;
	out->prefix = prefix;
	return 0;
}

void cfs_ip6_format(const struct in6_addr *addr, char buf[CFS_IP6_STRLEN])
{
	if (!inet_ntop(AF_INET6, addr, buf, CFS_IP6_STRLEN))
		snprintf(buf, CFS_IP6_STRLEN, "?");
}

void cfs_cidr6_format(const struct cfs_cidr6 *c, char buf[CFS_CIDR6_STRLEN])
{
	char a[CFS_IP6_STRLEN];

	cfs_ip6_format(&c->addr, a);
	snprintf(buf, CFS_CIDR6_STRLEN, "%s/%u", a, c->prefix);
}

/* The mask byte i of a prefix. */
static uint8_t mask_byte(unsigned prefix, unsigned i)
{
	if (prefix >= (i + 1) * 8)
		return 0xff;
	if (prefix <= i * 8)
		return 0;
	return (uint8_t)(0xff << (8 - (prefix - i * 8)));
}

struct in6_addr cfs_cidr6_network(const struct cfs_cidr6 *c)
{
	struct in6_addr n = c->addr;

	for (unsigned i = 0; i < 16; i++)
		n.s6_addr[i] &= mask_byte(c->prefix, i);
	return n;
}

/* base + k, carrying across bytes. */
static struct in6_addr add6(struct in6_addr base, uint64_t k)
{
	for (int i = 15; i >= 0 && k; i--) {
		uint64_t v = base.s6_addr[i] + (k & 0xff);

		base.s6_addr[i] = (uint8_t)v;
		k = (k >> 8) + (v >> 8);
	}
	return base;
}

struct in6_addr cfs_cidr6_gateway(const struct cfs_cidr6 *c)
{
	return add6(cfs_cidr6_network(c), 1);
}

bool cfs_cidr6_contains(const struct cfs_cidr6 *c, const struct in6_addr *a)
{
	for (unsigned i = 0; i < 16; i++) {
		uint8_t m = mask_byte(c->prefix, i);

		if ((a->s6_addr[i] & m) != (c->addr.s6_addr[i] & m))
			return false;
	}
	return true;
}

bool cfs_cidr6_overlaps(const struct cfs_cidr6 *a, const struct cfs_cidr6 *b)
{
	/* Two prefixes overlap when the shorter one contains the other. */
	return a->prefix <= b->prefix ? cfs_cidr6_contains(a, &b->addr)
				      : cfs_cidr6_contains(b, &a->addr);
}

bool cfs_ip6_equal(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

int cfs_ipam6_lowest_free(const struct cfs_cidr6 *subnet,
			  const struct in6_addr *used, size_t n,
			  struct in6_addr *out)
{
	struct in6_addr net = cfs_cidr6_network(subnet);
	/* Host offsets 2, 3, ...: 1 is the gateway. n + 1 candidates always
	 * hold a free one, as long as the prefix has room for them. */
	unsigned hostbits = 128 - subnet->prefix;
	uint64_t last = hostbits >= 63 ? UINT64_MAX : ((uint64_t)1 << hostbits) - 1;

	for (uint64_t k = 2; k <= last && k <= n + 2; k++) {
		struct in6_addr cand = add6(net, k);
		bool taken = false;

		for (size_t i = 0; i < n && !taken; i++)
			taken = cfs_ip6_equal(&used[i], &cand);
		if (!taken) {
			*out = cand;
			return 0;
		}
	}
	return -1;
}

/* addr.c - IPv4 addresses, subnets and address allocation: pure functions,
 * no kernel involved. */
#include "net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *cfs_ip4_scan(const char *s, uint32_t *out)
{
	uint32_t addr = 0;
	int octets = 0;

	if (!s)
		return NULL;
	for (;;) {
		unsigned v = 0;
		int digits = 0;

		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (unsigned)(*s - '0');
			if (++digits > 3 || v > 255)
				return NULL;
			s++;
		}
		if (!digits)
			return NULL;
		addr = (addr << 8) | v;
		if (++octets == 4)
			break;
		if (*s++ != '.')
			return NULL;
	}
	*out = addr;
	return s;
}

int cfs_ip4_parse(const char *s, uint32_t *out)
{
	uint32_t addr;
	const char *end = cfs_ip4_scan(s, &addr);

	if (!end || *end)
		return -1;
	*out = addr;
	return 0;
}

int cfs_cidr_parse(const char *s, struct cfs_cidr *out)
{
	char buf[CFS_IP4_STRLEN];
	const char *slash;
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
	if (cfs_ip4_parse(buf, &out->addr) < 0)
		return -1;
	for (s = slash + 1; *s >= '0' && *s <= '9'; s++) {
		prefix = prefix * 10 + (unsigned)(*s - '0');
		if (++digits > 2 || prefix > 32)
			return -1;
	}
	if (!digits || *s)
		return -1;
	out->prefix = prefix;
	return 0;
}

/* By hand, not snprintf: state and hosts files write one address per
 * member, and a network of 1000 members is formatted on every `up`. */
void cfs_ip4_format(uint32_t a, char buf[CFS_IP4_STRLEN])
{
	char *p = buf;

	for (int shift = 24; shift >= 0; shift -= 8) {
		unsigned v = (a >> shift) & 255;

		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		*p++ = shift ? '.' : '\0';
	}
}

void cfs_cidr_format(const struct cfs_cidr *c, char buf[CFS_CIDR_STRLEN])
{
	char ip[CFS_IP4_STRLEN];

	cfs_ip4_format(c->addr, ip);
	snprintf(buf, CFS_CIDR_STRLEN, "%s/%u", ip, c->prefix & 63);
}

uint32_t cfs_cidr_mask(unsigned prefix)
{
	return prefix == 0 ? 0 : prefix >= 32 ? 0xffffffffu :
				 ~((1u << (32 - prefix)) - 1);
}

uint32_t cfs_cidr_network(const struct cfs_cidr *c)
{
	return c->addr & cfs_cidr_mask(c->prefix);
}

uint32_t cfs_cidr_broadcast(const struct cfs_cidr *c)
{
	return cfs_cidr_network(c) | ~cfs_cidr_mask(c->prefix);
}

uint32_t cfs_cidr_gateway(const struct cfs_cidr *c)
{
	return cfs_cidr_network(c) + 1;
}

bool cfs_cidr_contains(const struct cfs_cidr *c, uint32_t addr)
{
	return (addr & cfs_cidr_mask(c->prefix)) == cfs_cidr_network(c);
}

bool cfs_cidr_overlaps(const struct cfs_cidr *a, const struct cfs_cidr *b)
{
	/* Two prefixes overlap exactly when the shorter one contains the
	 * other's network address. */
	unsigned p = a->prefix < b->prefix ? a->prefix : b->prefix;
	uint32_t m = cfs_cidr_mask(p);

	return (a->addr & m) == (b->addr & m);
}

int cfs_ipam_lowest_free(const struct cfs_cidr *subnet, const uint32_t *used,
			 size_t n, uint32_t *out)
{
	uint32_t first = cfs_cidr_gateway(subnet) + 1;
	uint32_t last = cfs_cidr_broadcast(subnet) - 1;
	unsigned char *taken;
	size_t k;

	if (subnet->prefix > 30)
		return -1;
	/* n addresses cannot fill first .. first + n: the answer is among
	 * those n + 1, so one bit each for them is enough (no sort: this
	 * runs on every `up`, over every member). */
	taken = calloc(n / 8 + 1, 1);
	if (!taken)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (used[i] < first || used[i] - first > n)
			continue;
		k = used[i] - first;
		taken[k / 8] |= (unsigned char)(1u << (k % 8));
	}
	for (k = 0; k <= n && (taken[k / 8] >> (k % 8) & 1); k++)
		;
	free(taken);
	if (k > last - first)
		return -1;
	*out = first + (uint32_t)k;
	return 0;
}

/* FNV-1a: small, stable across builds and machines, good enough to tell
 * long container names apart in an interface name. */
static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

void cfs_host_veth_name(const char *name, char out[IFNAMSIZ])
{
	if (strlen(name) <= IFNAMSIZ - 1 - 4)
		snprintf(out, IFNAMSIZ, "cfs-%s", name);
	else
		snprintf(out, IFNAMSIZ, "cfs-%.6s%05x", name,
			 fnv1a(name) & 0xfffff);
}

/* fuzz_addr.c - IPv4 addresses and CIDRs: the parsers never accept what
 * they cannot print back the same way, and IPAM never hands out the
 * network, broadcast, gateway or a used address. */
#include "fuzz.h"

#include "net/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	struct cfs_cidr c, c2;
	uint32_t a, a2, used[8], got;
	char buf[CFS_CIDR_STRLEN], abuf[CFS_IP4_STRLEN];

	if (cfs_ip4_parse(s, &a) == 0) {
		cfs_ip4_format(a, abuf);
		FUZZ_CHECK(cfs_ip4_parse(abuf, &a2) == 0 && a2 == a);
	}
	if (cfs_cidr_parse(s, &c) == 0) {
		FUZZ_CHECK(c.prefix <= 32);
		cfs_cidr_format(&c, buf);
		FUZZ_CHECK(cfs_cidr_parse(buf, &c2) == 0 && c2.addr == c.addr &&
			   c2.prefix == c.prefix);
		FUZZ_CHECK(cfs_cidr_contains(&c, c.addr));
		FUZZ_CHECK(cfs_cidr_overlaps(&c, &c));
		/* IPAM over the subnet, with addresses from the input as used
		 * (small subnets only: the search is linear). */
		if (c.prefix >= 20 && c.prefix <= 30) {
			size_t n = 0;

			for (size_t i = 0; i + 4 <= size && n < 8; i += 4) {
				uint32_t v;

				memcpy(&v, data + i, 4);
				used[n++] = cfs_cidr_network(&c) | (v & ~cfs_cidr_mask(c.prefix));
			}
			if (cfs_ipam_lowest_free(&c, used, n, &got) == 0) {
				FUZZ_CHECK(cfs_cidr_contains(&c, got));
				FUZZ_CHECK(got != cfs_cidr_network(&c) && got != cfs_cidr_broadcast(&c) &&
					   got != cfs_cidr_gateway(&c));
				for (size_t i = 0; i < n; i++)
					FUZZ_CHECK(got != used[i]);
			}
		}
	}
	free(s);
	return 0;
}

/* Address allocation: lowest free host address, release, full networks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "net/net.h"

static struct cfs_cidr net24(void)
{
	struct cfs_cidr c;

	cfs_cidr_parse("10.0.0.0/24", &c);
	return c;
}

static void first_is_after_gateway(void **state)
{
	struct cfs_cidr n = net24();
	uint32_t a;

	(void)state;
	assert_int_equal(cfs_ipam_lowest_free(&n, NULL, 0, &a), 0);
	assert_int_equal(a, 0x0a000002);
}

static void skips_used_in_any_order(void **state)
{
	struct cfs_cidr n = net24();
	uint32_t used[] = { 0x0a000004, 0x0a000002, 0x0a000003, 0x0a000006 };
	uint32_t a;

	(void)state;
	assert_int_equal(cfs_ipam_lowest_free(&n, used, 4, &a), 0);
	assert_int_equal(a, 0x0a000005);
}

static void released_address_is_reused(void **state)
{
	struct cfs_cidr n = net24();
	uint32_t used[] = { 0x0a000003, 0x0a000004 }; /* .2 was released */
	uint32_t a;

	(void)state;
	assert_int_equal(cfs_ipam_lowest_free(&n, used, 2, &a), 0);
	assert_int_equal(a, 0x0a000002);
}

static void full_network(void **state)
{
	struct cfs_cidr n;
	uint32_t used[253], a;

	(void)state;
	cfs_cidr_parse("10.0.0.0/30", &n); /* hosts .1 (gateway) and .2 */
	used[0] = 0x0a000002;
	assert_int_equal(cfs_ipam_lowest_free(&n, used, 1, &a), -1);
	assert_int_equal(cfs_ipam_lowest_free(&n, used, 0, &a), 0);
	assert_int_equal(a, 0x0a000002);

	n = net24();
	for (unsigned i = 0; i < 253; i++)
		used[i] = 0x0a000002 + i; /* .2 .. .254 */
	assert_int_equal(cfs_ipam_lowest_free(&n, used, 253, &a), -1);
	used[100] = 0x0a0000ff; /* a bogus lease on the broadcast address */
	assert_int_equal(cfs_ipam_lowest_free(&n, used, 253, &a), 0);
	assert_int_equal(a, 0x0a000002 + 100);
}

static void large_subnet(void **state)
{
	struct cfs_cidr n;
	uint32_t *used = calloc(1000, sizeof(*used)), a;

	(void)state;
	assert_non_null(used);
	cfs_cidr_parse("10.8.0.0/16", &n);
	for (unsigned i = 0; i < 1000; i++)
		used[i] = 0x0a080002 + 999 - i;
	assert_int_equal(cfs_ipam_lowest_free(&n, used, 1000, &a), 0);
	assert_int_equal(a, 0x0a080002 + 1000);
	free(used);
}

/* Against the plain definition (the smallest host address from the
 * first after the gateway that no lease holds), on random lease sets
 * with duplicates, the gateway, addresses outside the subnet and full
 * stretches, in /30, /24 and /16 networks. */
static void matches_the_definition(void **state)
{
	static const char *const subnets[] = { "10.0.0.0/30", "10.0.0.0/24", "10.9.0.0/16" };
	uint32_t used[600];

	(void)state;
	srand(7);
	for (int round = 0; round < 3000; round++) {
		struct cfs_cidr n;
		size_t cnt = (size_t)(rand() % 600);
		uint32_t first, last, want = 0, got = 0;
		int have = 0, r;

		cfs_cidr_parse(subnets[round % 3], &n);
		first = cfs_cidr_gateway(&n) + 1;
		last = cfs_cidr_broadcast(&n) - 1;
		for (size_t i = 0; i < cnt; i++) {
			int kind = rand() % 10;

			if (kind == 0)
				used[i] = first - 1 - (uint32_t)(rand() % 3); /* gateway, below */
			else if (kind == 1)
				used[i] = last + 1 + (uint32_t)(rand() % 3);  /* broadcast, above */
			else if (kind < 6)
				used[i] = first + (uint32_t)(rand() % 8);     /* crowd the start */
			else
				used[i] = first + (uint32_t)(rand() % (int)(cnt + 2));
		}
		for (uint32_t a = first; a <= last && !have; a++) {
			size_t i;

			for (i = 0; i < cnt && used[i] != a; i++)
				;
			if (i == cnt) {
				want = a;
				have = 1;
			}
		}
		r = cfs_ipam_lowest_free(&n, used, cnt, &got);
		if (have != (r == 0) || (have && got != want))
			fail_msg("round %d (%s, %zu leases): got %d/%08x, want %d/%08x", round,
				 subnets[round % 3], cnt, r, got, have, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_is_after_gateway),
		cmocka_unit_test(matches_the_definition),
		cmocka_unit_test(skips_used_in_any_order),
		cmocka_unit_test(released_address_is_reused),
		cmocka_unit_test(full_network),
		cmocka_unit_test(large_subnet),
	};

	return cmocka_run_group_tests_name("ipam", tests, NULL, NULL);
}

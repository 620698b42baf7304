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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_is_after_gateway),
		cmocka_unit_test(skips_used_in_any_order),
		cmocka_unit_test(released_address_is_reused),
		cmocka_unit_test(full_network),
		cmocka_unit_test(large_subnet),
	};

	return cmocka_run_group_tests_name("ipam", tests, NULL, NULL);
}

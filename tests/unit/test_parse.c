/* Parsing and validation of user input: names, addresses, CIDRs, MTUs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "net/net.h"
#include "ops/ops.h"

static void ip4_valid(void **state)
{
	uint32_t a;

	(void)state;
	assert_int_equal(cfs_ip4_parse("10.0.0.2", &a), 0);
	assert_int_equal(a, 0x0a000002);
	assert_int_equal(cfs_ip4_parse("255.255.255.255", &a), 0);
	assert_int_equal(a, 0xffffffff);
	assert_int_equal(cfs_ip4_parse("0.0.0.0", &a), 0);
	assert_int_equal(a, 0);
}

static void ip4_invalid(void **state)
{
	static const char *bad[] = {
		"", "10", "10.0.0", "10.0.0.256", "10.0.0.2.", "10.0.0.2.1",
		"10..0.2", ".10.0.0.2", "10.0.0.-1", "10.0.0.+1", " 10.0.0.2",
		"10.0.0.2 ", "10.0.0.0002", "a.b.c.d", "10.0.0.2/24", "1000.0.0.1",
	};
	uint32_t a;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cfs_ip4_parse(bad[i], &a) == 0)
			fail_msg("accepted '%s'", bad[i]);
}

/* The formatter is hand-written: every width of octet, both ends, and a
 * round trip through the parser over a spread of addresses. */
static void ip4_format(void **state)
{
	static const struct { uint32_t a; const char *s; } cases[] = {
		{ 0, "0.0.0.0" },
		{ 0xffffffff, "255.255.255.255" },
		{ 0x0a000002, "10.0.0.2" },
		{ 0x0a64fa09, "10.100.250.9" },
		{ 0xc0a80164, "192.168.1.100" },
		{ 0x01020304, "1.2.3.4" },
		{ 0x6463130a, "100.99.19.10" },
	};
	char buf[CFS_IP4_STRLEN];
	uint32_t back;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cfs_ip4_format(cases[i].a, buf);
		assert_string_equal(buf, cases[i].s);
	}
	for (uint64_t a = 0; a <= 0xffffffffu; a += 0x01010101u / 7) {
		char want[CFS_IP4_STRLEN];

		snprintf(want, sizeof(want), "%u.%u.%u.%u", (unsigned)(a >> 24),
			 (unsigned)(a >> 16) & 255, (unsigned)(a >> 8) & 255,
			 (unsigned)a & 255);
		cfs_ip4_format((uint32_t)a, buf);
		assert_string_equal(buf, want);
		assert_int_equal(cfs_ip4_parse(buf, &back), 0);
		assert_int_equal(back, (uint32_t)a);
	}
}

static void cidr_parse_and_format(void **state)
{
	struct cfs_cidr c;
	char buf[CFS_CIDR_STRLEN];

	(void)state;
	assert_int_equal(cfs_cidr_parse("10.0.0.2/24", &c), 0);
	assert_int_equal(c.addr, 0x0a000002);
	assert_int_equal(c.prefix, 24);
	cfs_cidr_format(&c, buf);
	assert_string_equal(buf, "10.0.0.2/24");
	assert_int_equal(cfs_cidr_network(&c), 0x0a000000);
	assert_int_equal(cfs_cidr_broadcast(&c), 0x0a0000ff);
	assert_int_equal(cfs_cidr_gateway(&c), 0x0a000001);
	assert_int_equal(cfs_cidr_parse("10.0.0.2/33", &c), -1);
	assert_int_equal(cfs_cidr_parse("10.0.0.2/", &c), -1);
	assert_int_equal(cfs_cidr_parse("10.0.0.2", &c), -1);
	assert_int_equal(cfs_cidr_parse("10.0.0.2/24x", &c), -1);
	assert_int_equal(cfs_cidr_parse("10.0.0.2/-1", &c), -1);
	assert_int_equal(cfs_cidr_parse("10.0.0.2/024", &c), -1);
	assert_int_equal(cfs_cidr_parse("10.0.0.2/0", &c), 0);
	assert_int_equal(cfs_cidr_mask(0), 0);
	assert_int_equal(cfs_cidr_mask(32), 0xffffffff);
	assert_int_equal(cfs_cidr_mask(8), 0xff000000);
}

static void cidr_overlap(void **state)
{
	struct cfs_cidr a, b, c, d;

	(void)state;
	cfs_cidr_parse("10.0.0.0/24", &a);
	cfs_cidr_parse("10.0.0.5/16", &b);
	cfs_cidr_parse("10.0.1.0/24", &c);
	cfs_cidr_parse("10.0.0.128/25", &d);
	assert_true(cfs_cidr_overlaps(&a, &b));
	assert_true(cfs_cidr_overlaps(&b, &a));
	assert_false(cfs_cidr_overlaps(&a, &c));
	assert_true(cfs_cidr_overlaps(&a, &d));
	assert_true(cfs_cidr_contains(&a, 0x0a0000fe));
	assert_false(cfs_cidr_contains(&a, 0x0a000100));
}

static void check_ip_rules(void **state)
{
	static const char *bad[] = {
		"10.0.0.256/24", "10.0.0.2/33", "10.0.0.2/7", "10.0.0.2/31",
		"10.0.0.0/24", "10.0.0.255/24", "10.0.0.1/24", "10.0.0",
		"10.0.0.2", "", "10.0.0.2/24/1",
	};
	struct cfs_cidr c;
	cfs_error_t err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (cfs_check_ip(bad[i], &c, &err) == 0)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(err.kind, CFS_ERR_RUNTIME);
		assert_non_null(strstr(err.msg, "invalid address"));
	}
	assert_int_equal(cfs_check_ip("10.0.0.2/24", &c, &err), 0);
	assert_int_equal(cfs_check_ip("10.1.2.3/8", &c, &err), 0);
	assert_int_equal(cfs_check_ip("192.168.7.6/30", &c, &err), 0);
	memset(&err, 0, sizeof(err));
	cfs_check_ip("10.0.0.1/24", &c, &err);
	assert_non_null(strstr(err.msg, "gateway"));
}

static void check_names(void **state)
{
	static const char *bad[] = {
		"", ".", "..", "-x", "a/b", "a b", "a;b", "a$b", "0123456789abcdef",
		"a\nb", "*", "ä",
	};
	static const char *good[] = { "a", "minimal", "web-1", "db_2.x",
				      "0123456789abcde", "A.B" };
	cfs_error_t err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (cfs_check_name(bad[i], &err) == 0)
			fail_msg("accepted name '%s'", bad[i]);
		assert_non_null(strstr(err.msg, "invalid name"));
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (cfs_check_name(good[i], &err) != 0)
			fail_msg("refused name '%s': %s", good[i], err.msg);
	assert_int_equal(cfs_check_ifname("lo", &err), -1);
	assert_int_equal(cfs_check_ifname("eth1", &err), 0);
	assert_int_equal(cfs_check_ifname("0123456789abcdef", &err), -1);
}

static void check_mtu(void **state)
{
	static const char *bad[] = { "67", "65536", "abc", "", "-1", "+1500",
				     "1500x", " 1500", "99999999999999999999" };
	unsigned mtu;
	cfs_error_t err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cfs_check_mtu(bad[i], &mtu, &err) == 0)
			fail_msg("accepted MTU '%s'", bad[i]);
	assert_int_equal(cfs_check_mtu("68", &mtu, &err), 0);
	assert_int_equal(mtu, 68);
	assert_int_equal(cfs_check_mtu("65535", &mtu, &err), 0);
	assert_int_equal(mtu, 65535);
}

static void host_veth_names(void **state)
{
	char a[IFNAMSIZ], b[IFNAMSIZ], c[IFNAMSIZ];

	(void)state;
	cfs_host_veth_name("minimal", a);
	assert_string_equal(a, "cfs-minimal");
	cfs_host_veth_name("abcdefghijk", a); /* 11: still fits */
	assert_string_equal(a, "cfs-abcdefghijk");
	cfs_host_veth_name("abcdefghijkl", b); /* 12: hashed */
	assert_int_equal(strlen(b), 15);
	assert_memory_equal(b, "cfs-abcdef", 10);
	cfs_host_veth_name("abcdefghijkm", c);
	assert_string_not_equal(b, c);
	cfs_host_veth_name("abcdefghijkl", a);
	assert_string_equal(a, b); /* stable */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ip4_valid),
		cmocka_unit_test(ip4_invalid),
		cmocka_unit_test(ip4_format),
		cmocka_unit_test(cidr_parse_and_format),
		cmocka_unit_test(cidr_overlap),
		cmocka_unit_test(check_ip_rules),
		cmocka_unit_test(check_names),
		cmocka_unit_test(check_mtu),
		cmocka_unit_test(host_veth_names),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}

/* The lab file parser: good files (what each statement makes, addresses
 * picked in order), and each error with its line number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <libmnl/libmnl.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "ops/lab.h"

static uint32_t ip(const char *s)
{
	uint32_t a = 0;

	assert_int_equal(cfs_ip4_parse(s, &a), 0);
	return a;
}

static int parse(const char *text, struct cfs_lab *lab, cfs_error_t *err)
{
	memset(err, 0, sizeof(*err));
	return cfs_lab_parse(text, strlen(text), "t.lab", lab, err);
}

static void good_file(void **state)
{
	static const char text[] =
		"# a lab\n"
		"\n"
		"net lan 10.5.0.0/24\n"
		"net back 10.6.0.0/16 internal mtu 9000   # comment\n"
		"node a lan\n"
		"node b lan 10.5.0.2/24\n"
		"\tnode c lan forward\n"
		"node r back 10.6.0.9/16 forward\n"
		"link a:eth1 r:eth1 10.9.0.1/30 10.9.0.2/30 rate 10mbit\n"
		"link b:x1 c:x1\n"
		"route a 10.6.0.0/16 via 10.9.0.2\r\n";
	struct cfs_lab lab;
	cfs_error_t err;

	(void)state;
	assert_int_equal(parse(text, &lab, &err), 0);
	assert_int_equal(lab.nnets, 2);
	assert_string_equal(lab.nets[1].name, "back");
	assert_true(lab.nets[1].internal);
	assert_int_equal(lab.nets[1].mtu, 9000);
	assert_int_equal(lab.nets[1].line, 4);
	assert_int_equal(lab.nnodes, 4);
	/* b took .2: a gets .3 (the lowest free after the gateway), c .4 */
	assert_int_equal(lab.nodes[0].ip.addr, ip("10.5.0.3"));
	assert_int_equal(lab.nodes[0].ip.prefix, 24);
	assert_int_equal(lab.nodes[1].ip.addr, ip("10.5.0.2"));
	assert_int_equal(lab.nodes[2].ip.addr, ip("10.5.0.4"));
	assert_true(lab.nodes[2].forward);
	assert_false(lab.nodes[0].forward);
	assert_int_equal(lab.nodes[3].net, 1);
	assert_int_equal(lab.nlinks, 2);
	assert_int_equal(lab.links[0].end[0].node, 0);
	assert_string_equal(lab.links[0].end[1].ifname, "eth1");
	assert_int_equal(lab.links[0].end[1].ip.addr, ip("10.9.0.2"));
	assert_int_equal(lab.links[0].rate, 10000000);
	assert_false(lab.links[1].end[0].has_ip);
	assert_int_equal(lab.links[1].rate, 0);
	assert_int_equal(lab.nroutes, 1);
	assert_int_equal(lab.routes[0].dst.addr, ip("10.6.0.0"));
	assert_int_equal(lab.routes[0].gw, ip("10.9.0.2"));
	assert_int_equal(lab.routes[0].line, 11);
	cfs_lab_free(&lab);
}

static void last_line_without_newline(void **state)
{
	struct cfs_lab lab;
	cfs_error_t err;

	(void)state;
	assert_int_equal(parse("net n 10.0.0.0/30\nnode a n", &lab, &err), 0);
	assert_int_equal(lab.nnodes, 1);
	assert_int_equal(lab.nodes[0].ip.addr, ip("10.0.0.2"));
	cfs_lab_free(&lab);
}

static void rates(void **state)
{
	uint64_t b;

	(void)state;
	assert_int_equal(cfs_lab_parse_rate("1gbit", &b), 0);
	assert_int_equal(b, 1000000000ULL);
	assert_int_equal(cfs_lab_parse_rate("512kbit", &b), 0);
	assert_int_equal(b, 512000);
	assert_int_equal(cfs_lab_parse_rate("8kbit", &b), 0);
	assert_int_equal(b, 8000);
	assert_int_equal(cfs_lab_parse_rate("10Mbit", &b), 0); /* tc's case */
	assert_int_equal(b, 10000000);
	assert_int_equal(cfs_lab_parse_rate("2mbps", &b), 0);
	assert_int_equal(b, 16000000);
	assert_int_equal(cfs_lab_parse_rate("fast", &b), -1);
	assert_int_equal(cfs_lab_parse_rate("0mbit", &b), -1);
	assert_int_equal(cfs_lab_parse_rate("mbit", &b), -1);
	assert_int_equal(cfs_lab_parse_rate("99999999999999999999bit", &b), -1);
	assert_int_equal(cfs_lab_parse_rate("9999999999999gbit", &b), -1);
}

/* Each bad file: the line the error names and a part of its text. */
static const struct {
	const char *text;
	const char *msg;
} bad[] = {
	{ "net a 10.0.0.0/24\nbogus x\n", "t.lab:2: unknown statement 'bogus'" },
	{ "net a 10.0.0.0/24\nnet a 10.1.0.0/24\n", "t.lab:2: net a: defined twice (first at line 1)" },
	{ "net a 10.0.0.1/24\n", "t.lab:1: net a: invalid subnet '10.0.0.1/24': not a network address" },
	{ "net a 10.0.0.0/24\nnet b 10.0.0.0/16\n", "t.lab:2: net b: subnet overlaps net a (10.0.0.0/24)" },
	{ "net a 10.0.0.0/24 mtu\n", "t.lab:1: net a: mtu needs a value" },
	{ "net a 10.0.0.0/24 mtu 20\n", "t.lab:1: net a: invalid MTU '20'" },
	{ "net a 10.0.0.0/24 internal internal\n", "t.lab:1: net a: unexpected 'internal'" },
	{ "net a\n", "t.lab:1: net: expected 'net NAME SUBNET" },
	{ "net this-name-is-too-long 10.0.0.0/24\n", "t.lab:1: net: invalid name 'this-name-is-too-long'" },
	{ "\n\nnode a lan\n", "t.lab:3: node a: no net lan" },
	{ "net n 10.0.0.0/24\nnode a n\n\nnode a n\n", "t.lab:4: node a: defined twice (first at line 2)" },
	{ "net n 10.0.0.0/24\nnode a n 10.1.0.2/24\n", "t.lab:2: node a: address 10.1.0.2/24 is outside net n" },
	{ "net n 10.0.0.0/24\nnode a n 10.0.0.1/24\n", "t.lab:2: node a: invalid address '10.0.0.1/24'" },
	{ "net n 10.0.0.0/24\nnode a n 10.0.0.5/24\nnode b n 10.0.0.5/24\n",
	  "t.lab:3: node b: address 10.0.0.5 is taken by node a (line 2)" },
	{ "net n 10.0.0.0/30\nnode a n\nnode b n\n", "t.lab:3: node b: net n has no free address" },
	{ "net n 10.0.0.0/24\nnode a n fast\n", "t.lab:2: node a: unexpected 'fast'" },
	{ "net n 10.0.0.0/24\nnode a n\nlink a:eth1 b:eth1\n", "t.lab:3: link: no node b" },
	{ "net n 10.0.0.0/24\nnode a n\nnode b n\nlink a:eth0 b:eth1\n", "t.lab:4: link a:eth0: eth0 is the node's first interface" },
	{ "net n 10.0.0.0/24\nnode a n\nnode b n\nlink a b:eth1\n", "t.lab:4: link: expected NODE:IF, got 'a'" },
	{ "net n 10.0.0.0/24\nnode a n\nnode b n\nlink a:e1 a:e2\n", "t.lab:4: link: both ends are on node a" },
	{ "net n 10.0.0.0/24\nnode a n\nnode b n\nlink a:e1 b:e1\nlink a:e1 b:e2\n",
	  "t.lab:5: link a:e1: interface used twice (first at line 4)" },
	{ "net n 10.0.0.0/24\nnode a n\nnode b n\nlink a:e1 b:e1 10.9.0.1/30\n", "t.lab:4: link: an address for each end, or none" },
	{ "net n 10.0.0.0/24\nnode a n\nnode b n\nlink a:e1 b:e1 10.9.0.1/30 10.9.0.5/30\n", "t.lab:4: link: 10.9.0.1/30 and 10.9.0.5/30 are not in the same subnet" },
	{ "net n 10.0.0.0/24\nnode a n\nnode b n\nlink a:e1 b:e1 10.9.0.1/30 10.9.0.3/30\n", "t.lab:4: invalid address '10.9.0.3/30': the network or broadcast address" },
	{ "net n 10.0.0.0/24\nnode a n\nnode b n\nlink a:e1 b:e1 rate fast\n", "t.lab:4: link: invalid rate 'fast'" },
	{ "net n 10.0.0.0/24\nnode a n\nnode b n\nlink a:e1 b:e1 rate\n", "t.lab:4: link: rate needs a value" },
	{ "net n 10.0.0.0/24\nnode a n\nnode b n\nlink a:e1 b:e1 10.0.0.9/24 10.0.0.10/24\n",
	  "t.lab:4: link: the address of node a overlaps its subnet of line 2" },
	{ "net n 10.0.0.0/24\nnode a n\nroute a 10.7.0.0/16 via 10.8.0.1\n", "t.lab:3: route a: gateway 10.8.0.1 is not in one of the node's subnets" },
	{ "net n 10.0.0.0/24\nnode a n\nroute a 10.7.0.1/16 via 10.0.0.9\n", "t.lab:3: route a: invalid destination '10.7.0.1/16': not a network address" },
	{ "net n 10.0.0.0/24\nnode a n\nroute a 10.7.0.0/16 10.0.0.9\n", "t.lab:3: route: expected 'route NODE DEST/PREFIX via GW'" },
	{ "net n 10.0.0.0/24\nnode a n\nroute a 10.7.0.0/16 via 10.0.0.9\nroute a 10.7.0.0/16 via 10.0.0.8\n",
	  "t.lab:4: route a 10.7.0.0/16: defined twice (first at line 3)" },
	{ "net n 10.0.0.0/24\nnode a n\xc3\xa9\n", "t.lab:2: invalid character 0xc3" },
	{ "net n 10.0.0.0/24\n\nnet m 10.1.0.0/24 a b c d e f g h i j k l m n o\n", "t.lab:3: too many words" },
	{ "# nothing\n", "t.lab: no node" },
	{ "", "t.lab: no node" },
};

static void bad_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cfs_lab lab;
		cfs_error_t err;

		if (parse(bad[i].text, &lab, &err) == 0 ||
		    !strstr(err.msg, bad[i].msg)) {
			print_error("case %zu: expected '%s', got '%s'\n", i, bad[i].msg,
				    err.msg);
			fail();
		}
		/* A failed parse leaves nothing behind. */
		assert_null(lab.nodes);
		assert_int_equal(lab.nnodes, 0);
	}
}

static void nul_byte_and_long_line(void **state)
{
	char text[CFS_LAB_MAX_LINE + 64];
	struct cfs_lab lab;
	cfs_error_t err = { 0 };

	(void)state;
	assert_int_equal(cfs_lab_parse("net n 10.0.0.0/24\nno\0de a n\n", 27, "t.lab",
				       &lab, &err), -1);
	assert_non_null(strstr(err.msg, "t.lab:2: invalid character 0x00"));
	memset(text, 'x', sizeof(text));
	memcpy(text, "net n 10.0.0.0/24\n# ", 20);
	assert_int_equal(cfs_lab_parse(text, sizeof(text), "t.lab", &lab, &err), -1);
	assert_non_null(strstr(err.msg, "t.lab:2: line longer than"));
}

static void too_many_nodes(void **state)
{
	size_t len = (CFS_LAB_MAX_NODES + 2) * 24 + 64;
	char *text = malloc(len), *p = text;
	struct cfs_lab lab;
	cfs_error_t err = { 0 };

	(void)state;
	assert_non_null(text);
	p += sprintf(p, "net n 10.0.0.0/8\n");
	for (int i = 0; i <= CFS_LAB_MAX_NODES; i++)
		p += sprintf(p, "node n%d n\n", i);
	assert_int_equal(cfs_lab_parse(text, (size_t)(p - text), "t.lab", &lab, &err), -1);
	assert_non_null(strstr(err.msg, "t.lab:4098: too many nodes"));
	free(text);
}

static void the_shipped_labs_parse(void **state)
{
	static const char *const files[] = { "labs/star.lab", "labs/line.lab",
					      "labs/star250.lab" };

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct cfs_lab lab;
		cfs_error_t err = { 0 };

		if (cfs_lab_load(files[i], &lab, &err) < 0) {
			print_error("%s: %s\n", files[i], err.msg);
			fail();
		}
		cfs_lab_free(&lab);
	}
}

static void pingall_pairs(void **state)
{
	static const char text[] =
		"net a 10.1.0.0/24\n"
		"net b 10.2.0.0/24\n"
		"node x a\n"
		"node y a\n"
		"node z b\n"
		"link y:e1 z:e1 10.9.0.1/30 10.9.0.2/30\n";
	struct cfs_lab lab;
	struct cfs_lab_probe *p;
	cfs_error_t err;
	size_t n;

	(void)state;
	assert_int_equal(parse(text, &lab, &err), 0);
	assert_int_equal(cfs_lab_probes(&lab, false, &p, &n, &err), 0);
	/* x-y both ways on a; y->z and z->y on the link; nobody else shares
	 * a subnet (x has no route to z). */
	assert_int_equal(n, 4);
	assert_int_equal(p[0].src, 0);
	assert_int_equal(p[0].addr, ip("10.1.0.3"));
	assert_int_equal(p[1].src, 1);
	assert_int_equal(p[1].addr, ip("10.9.0.2"));
	assert_int_equal(p[2].src, 1);
	assert_int_equal(p[2].addr, ip("10.1.0.2"));
	assert_int_equal(p[3].src, 2);
	assert_int_equal(p[3].addr, ip("10.9.0.1"));
	free(p);
	cfs_lab_free(&lab);
}

/* Above CFS_LAB_PING_FULL nodes each node pings the next 8 (wrapping);
 * --all pings everything. */
static void pingall_subset_of_a_large_star(void **state)
{
	char *text = malloc(70 * 24 + 64), *p = text;
	struct cfs_lab lab;
	struct cfs_lab_probe *pr;
	cfs_error_t err = { 0 };
	size_t n;

	(void)state;
	assert_non_null(text);
	p += sprintf(p, "net s 10.80.0.0/16\n");
	for (int i = 0; i < 70; i++)
		p += sprintf(p, "node h%d s\n", i);
	assert_int_equal(cfs_lab_parse(text, (size_t)(p - text), "t.lab", &lab, &err), 0);
	assert_int_equal(cfs_lab_probes(&lab, false, &pr, &n, &err), 0);
	assert_int_equal(n, 70 * CFS_LAB_PING_NEXT);
	assert_int_equal(pr[0].src, 0);
	assert_int_equal(pr[0].dst, 1);
	assert_int_equal(pr[7].dst, 8);
	/* the last node wraps to the first ones */
	assert_int_equal(pr[69 * 8].src, 69);
	assert_int_equal(pr[69 * 8].dst, 0);
	assert_int_equal(pr[69 * 8].addr, ip("10.80.0.2"));
	free(pr);
	assert_int_equal(cfs_lab_probes(&lab, true, &pr, &n, &err), 0);
	assert_int_equal(n, 70 * 69);
	free(pr);
	cfs_lab_free(&lab);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_file),
		cmocka_unit_test(last_line_without_newline),
		cmocka_unit_test(rates),
		cmocka_unit_test(bad_files),
		cmocka_unit_test(nul_byte_and_long_line),
		cmocka_unit_test(too_many_nodes),
		cmocka_unit_test(the_shipped_labs_parse),
		cmocka_unit_test(pingall_pairs),
		cmocka_unit_test(pingall_subset_of_a_large_star),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

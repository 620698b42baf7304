/* State files: format/parse round trips, malformed input, and the files
 * themselves in a temporary directory (atomic writes, listing, locking). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/util.h"
#include "ops/state.h"

static struct cfs_container sample_ct(void)
{
	struct cfs_container c;

	memset(&c, 0, sizeof(c));
	strcpy(c.name, "minimal");
	strcpy(c.network, "default");
	c.mode = CFS_MODE_BRIDGE;
	cfs_cidr_parse("10.0.0.2/24", &c.ip);
	c.gateway = 0x0a000001;
	strcpy(c.ifname, "eth0");
	strcpy(c.host_veth, "cfs-minimal");
	strcpy(c.bridge, "cfsbr0");
	c.mtu = 1500;
	return c;
}

static void container_round_trip(void **state)
{
	struct cfs_container a = sample_ct(), b;
	char buf[1024];
	cfs_error_t err = { 0 };

	(void)state;
	assert_true(cfs_container_format(&a, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "ip=10.0.0.2/24\n"));
	assert_int_equal(cfs_container_parse(buf, &b, &err), 0);
	assert_memory_equal(&a, &b, sizeof(a));

	a.mode = CFS_MODE_VETH;
	memset(a.bridge, 0, sizeof(a.bridge));
	a.mtu = 1400;
	assert_true(cfs_container_format(&a, buf, sizeof(buf)) > 0);
	assert_int_equal(cfs_container_parse(buf, &b, &err), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(cfs_container_format(&a, buf, 20), -1);
}


static void container_attachments_and_routes(void **state)
{
	struct cfs_container a = sample_ct(), b;
	char buf[8192];
	cfs_error_t err = { 0 };

	(void)state;
	a.nattach = 2;
	strcpy(a.attach[0].network, "lab");
	strcpy(a.attach[0].ifname, "eth1");
	strcpy(a.attach[0].host_veth, "cfs1-minimal");
	cfs_cidr_parse("10.5.0.7/24", &a.attach[0].ip);
	strcpy(a.attach[1].network, "10.6.0.0-24");
	strcpy(a.attach[1].ifname, "eth2");
	strcpy(a.attach[1].host_veth, "cfs2-minimal");
	cfs_cidr_parse("10.6.0.2/24", &a.attach[1].ip);
	a.nroutes = 1;
	cfs_cidr_parse("10.9.0.0/16", &a.routes[0].dst);
	a.routes[0].gw = 0x0a050001;
	assert_true(cfs_container_format(&a, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "attach=lab eth1 cfs1-minimal 10.5.0.7/24\n"));
	assert_non_null(strstr(buf, "route=10.9.0.0/16 10.5.0.1\n"));
	assert_int_equal(cfs_container_parse(buf, &b, &err), 0);
	assert_memory_equal(&a, &b, sizeof(a));

	memset(&err, 0, sizeof(err));
	assert_int_equal(cfs_container_parse("attach=lab eth1\n", &b, &err), -1);
	assert_non_null(strstr(err.msg, "bad attach"));
	assert_int_equal(cfs_container_parse("route=10.9.0.0/16\n", &b, &err), -1);
	assert_int_equal(cfs_container_parse("route=10.9.0.0/16 10.5.0.1 x\n", &b, &err), -1);
}

static void container_malformed(void **state)
{
	struct cfs_container a = sample_ct(), b;
	char buf[1024], bad[1200];
	cfs_error_t err;

	(void)state;
	cfs_container_format(&a, buf, sizeof(buf));
	/* Each key missing in turn. */
	static const char *keys[] = { "name=", "network=", "mode=", "ip=", "gateway=",
				      "ifname=", "host_veth=", "bridge=", "mtu=" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char *p = strstr(buf, keys[i]), *nl = strchr(p, '\n');

		snprintf(bad, sizeof(bad), "%.*s%s", (int)(p - buf), buf, nl + 1);
		memset(&err, 0, sizeof(err));
		assert_int_equal(cfs_container_parse(bad, &b, &err), -1);
		assert_non_null(strstr(err.msg, "missing key"));
	}
	memset(&err, 0, sizeof(err));
	assert_int_equal(cfs_container_parse("name=a\nip=10.0.0.300/24\n", &b, &err), -1);
	assert_non_null(strstr(err.msg, "bad ip"));
	assert_int_equal(cfs_container_parse("garbage\n", &b, &err), -1);
	assert_int_equal(cfs_container_parse("mtu=99999\n", &b, &err), -1);
	assert_int_equal(cfs_container_parse("mode=router\n", &b, &err), -1);
}

/* A bridge network without members, mtu 1500. */
static struct cfs_network sample_net(const char *name, const char *subnet,
				     const char *ifname)
{
	struct cfs_network n = { 0 };

	strcpy(n.name, name);
	n.mode = CFS_MODE_BRIDGE;
	cfs_cidr_parse(subnet, &n.subnet);
	strcpy(n.ifname, ifname);
	n.mtu = 1500;
	return n;
}

/* A network of 1000 members: the lease array grows past each doubling,
 * a copy can still grow, and the text holds every member once, in order. */
static void network_many_members(void **state)
{
	struct cfs_network a = sample_net("big", "10.100.0.0/16", "cfsbr1"), b, c;
	cfs_error_t err = { 0 };
	char *text, name[16], line[64];

	(void)state;
	for (unsigned i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "n%u", i);
		assert_int_equal(cfs_network_add_lease(&a, 0x0a640002 + i, name, &err), 0);
	}
	assert_int_equal(cfs_network_format(&a, &text, &err), 0);
	assert_non_null(strstr(text, "lease=10.100.0.2 n0\n"));
	assert_non_null(strstr(text, "lease=10.100.3.233 n999\n"));
	assert_int_equal(cfs_network_parse(text, &b, &err), 0);
	free(text);
	assert_int_equal(b.nleases, 1000);
	for (unsigned i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "n%u", i);
		assert_int_equal(b.leases[i].addr, 0x0a640002 + i);
		assert_string_equal(b.leases[i].name, name);
	}
	/* A copy of 1000 (room for 1024) grows past its room. */
	assert_int_equal(cfs_network_copy(&c, &b, &err), 0);
	for (unsigned i = 1000; i < 1100; i++) {
		snprintf(name, sizeof(name), "n%u", i);
		assert_int_equal(cfs_network_add_lease(&c, 0x0a640002 + i, name, &err), 0);
	}
	/* Shrink below a doubling, then grow again. */
	for (unsigned i = 0; i < 600; i++) {
		snprintf(name, sizeof(name), "n%u", i);
		cfs_network_del_lease(&c, name);
	}
	for (unsigned i = 0; i < 700; i++) {
		snprintf(name, sizeof(name), "m%u", i);
		assert_int_equal(cfs_network_add_lease(&c, 0x0a650000 + i, name, &err), 0);
	}
	assert_int_equal(c.nleases, 1200);
	assert_string_equal(c.leases[0].name, "n600");
	assert_string_equal(c.leases[1199].name, "m699");
	assert_int_equal(cfs_network_format(&c, &text, &err), 0);
	snprintf(line, sizeof(line), "lease=10.100.4.77 n1099\n");
	assert_non_null(strstr(text, line));
	assert_null(strstr(text, " n599\n"));
	free(text);
	cfs_network_free(&a);
	cfs_network_free(&b);
	cfs_network_free(&c);
}

/* The string builder state and hosts files are made with. */
static void string_buffer(void **state)
{
	struct cfs_buf b = { 0 };
	char *s;

	(void)state;
	s = cfs_buf_take(&b);
	assert_string_equal(s, "");
	free(s);
	for (int i = 0; i < 3000; i++) {
		cfs_buf_add(&b, "ab", 2);
		cfs_buf_printf(&b, "%d;", i % 10);
	}
	assert_int_equal(b.len, 3000 * 4);
	s = cfs_buf_take(&b);
	assert_non_null(s);
	assert_int_equal(strlen(s), 3000 * 4);
	assert_memory_equal(s, "ab0;ab1;", 8);
	assert_string_equal(s + strlen(s) - 4, "ab9;");
	assert_null(b.p); /* taken: the buffer is empty again */
	free(s);
}

static void network_round_trip(void **state)
{
	struct cfs_network a = sample_net("default", "10.0.0.0/24", "cfsbr0"), b, c;
	cfs_error_t err = { 0 };
	char *text;

	(void)state;
	assert_int_equal(cfs_network_add_lease(&a, 0x0a000002, "one", &err), 0);
	assert_int_equal(cfs_network_add_lease(&a, 0x0a000003, "two", &err), 0);
	assert_int_equal(cfs_network_add_lease(&a, 0x0a000004, "three", &err), 0);
	assert_int_equal(cfs_network_format(&a, &text, &err), 0);
	assert_non_null(strstr(text, "lease=10.0.0.3 two\n"));
	assert_int_equal(cfs_network_parse(text, &b, &err), 0);
	free(text);
	assert_string_equal(b.name, "default");
	assert_int_equal(b.nleases, 3);
	assert_int_equal(b.leases[2].addr, 0x0a000004);
	assert_string_equal(b.leases[2].name, "three");

	cfs_network_del_lease(&b, "two");
	assert_int_equal(b.nleases, 2);
	assert_string_equal(b.leases[1].name, "three");
	cfs_network_del_lease(&b, "nobody");
	assert_int_equal(b.nleases, 2);

	assert_int_equal(cfs_network_copy(&c, &b, &err), 0);
	cfs_network_del_lease(&b, "one");
	assert_int_equal(c.nleases, 2); /* a deep copy */
	assert_string_equal(c.leases[0].name, "one");

	cfs_network_free(&b);
	assert_int_equal(cfs_network_parse("name=x\nmode=bridge\nsubnet=10.0.0.0/24\n"
					   "ifname=b\nmtu=1500\nlease=10.0.0.2\n",
					   &b, &err), -1);
	/* Every malformed lease line is refused, whichever path reads it. */
	{
		static const char *const bad[] = {
			"lease=10.0.0.2 ", "lease=10.0.0.256 a", "lease=10.0.0 a",
			"lease=10.0.0.2x a", "lease= a", "lease=10.0.0.2 abcdefghijklmnop",
			"lease=10.0.0.2", "lease=10.0.0.2\ta",
		};
		static const char head[] = "name=x\nmode=bridge\nsubnet=10.0.0.0/24\n"
					   "ifname=b\nmtu=1500\n";
		char ltext[256];

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			snprintf(ltext, sizeof(ltext), "%s%s\n", head, bad[i]);
			if (cfs_network_parse(ltext, &b, &err) != -1)
				fail_msg("accepted '%s'", bad[i]);
			assert_non_null(strstr(err.msg, "bad lease"));
		}
		/* the longest name, and the last line without its newline */
		snprintf(ltext, sizeof(ltext), "%slease=10.0.0.9 abcdefghijklmno", head);
		assert_int_equal(cfs_network_parse(ltext, &b, &err), 0);
		assert_int_equal(b.nleases, 1);
		assert_int_equal(b.leases[0].addr, 0x0a000009);
		assert_string_equal(b.leases[0].name, "abcdefghijklmno");
		cfs_network_free(&b);
	}
	cfs_network_free(&a);
	cfs_network_free(&c);
}

static char tmpdir[64];

static int setup_dir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/cfsnet-test-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void files(void **state)
{
	struct cfs_state st;
	struct cfs_container a = sample_ct(), b;
	struct cfs_network net = { 0 }, *nets;
	struct cfs_host h = { .saved = true, .ip_forward = 0 }, h2;
	cfs_error_t err = { 0 };
	char **names, path[256];
	size_t n;
	struct stat sb;

	(void)state;
	assert_int_equal(cfs_state_open(&st, tmpdir, true, &err), 0);
	assert_int_equal(cfs_container_save(&st, &a, &err), 0);
	strcpy(a.name, "second");
	assert_int_equal(cfs_container_save(&st, &a, &err), 0);
	assert_int_equal(cfs_container_load(&st, "minimal", &b, &err), 0);
	assert_string_equal(b.host_veth, "cfs-minimal");
	snprintf(path, sizeof(path), "%s/containers/minimal", tmpdir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600); /* root-only state */

	assert_int_equal(cfs_container_names(&st, &names, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "minimal");
	assert_string_equal(names[1], "second");
	cfs_names_free(names, n);

	assert_int_equal(cfs_container_remove(&st, "second", &err), 0);
	assert_int_equal(cfs_container_remove(&st, "second", &err), 0); /* gone is fine */
	memset(&err, 0, sizeof(err));
	assert_int_equal(cfs_container_load(&st, "second", &b, &err), -1);
	assert_int_equal(err.errnum, 2 /* ENOENT */);
	assert_int_equal(cfs_container_load(&st, "../x", &b, &err), -1);

	strcpy(net.name, "default");
	cfs_cidr_parse("10.0.0.0/24", &net.subnet);
	strcpy(net.ifname, "cfsbr0");
	net.mtu = 1500;
	cfs_network_add_lease(&net, 0x0a000002, "minimal", &err);
	assert_int_equal(cfs_network_save(&st, &net, &err), 0);
	assert_int_equal(cfs_network_load_all(&st, &nets, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(nets[0].nleases, 1);
	cfs_networks_free(nets, n);
	cfs_network_free(&net);

	assert_int_equal(cfs_host_save(&st, &h, &err), 0);
	assert_int_equal(cfs_host_load(&st, &h2, &err), 0);
	assert_true(h2.saved);
	assert_int_equal(h2.ip_forward, 0);
	h.saved = false;
	assert_int_equal(cfs_host_save(&st, &h, &err), 0);
	assert_int_equal(cfs_host_load(&st, &h2, &err), 0);
	assert_false(h2.saved);

	/* No temporary files are left behind by the atomic writes. */
	snprintf(path, sizeof(path), "%s/containers", tmpdir);
	DIR *d = opendir(path);
	struct dirent *e;
	assert_non_null(d);
	while ((e = readdir(d)))
		assert_null(strstr(e->d_name, ".tmp."));
	closedir(d);
	cfs_state_close(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(container_round_trip),
		cmocka_unit_test(container_attachments_and_routes),
		cmocka_unit_test(container_malformed),
		cmocka_unit_test(network_round_trip),
		cmocka_unit_test(network_many_members),
		cmocka_unit_test(string_buffer),
		cmocka_unit_test_setup_teardown(files, setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}

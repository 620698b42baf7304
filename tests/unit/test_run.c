/* The run side's pure parts: the run record's format/parse round trip and
 * malformed input, the container environment, and finding a command in a
 * root made of layers (a temporary directory tree, no root needed). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "ops/run-internal.h"

static void runrec_round_trip(void **state)
{
	struct cfs_run_rec r = { 0 }, back;
	cfs_error_t err = { 0 };
	char *text = NULL;

	(void)state;
	strcpy(r.name, "web.1");
	r.pid = 4242;
	r.start = 123456789ULL;
	r.monitor = 4240;
	r.monitor_start = 123456700ULL;
	r.net = CFS_RUN_NET_CREATED;
	r.detached = true;
	r.memory_limit = 52428800;
	strcpy(r.overlay, "/run/cfsnet/overlay/web.1");
	strcpy(r.rootfs, "/srv/with space/root");
	assert_int_equal(cfs_runrec_format(&r, &text, &err), 0);
	assert_int_equal(cfs_runrec_parse(text, &back, &err), 0);
	assert_string_equal(back.name, "web.1");
	assert_int_equal(back.pid, 4242);
	assert_true(back.start == 123456789ULL);
	assert_int_equal(back.monitor, 4240);
	assert_true(back.monitor_start == 123456700ULL);
	assert_int_equal(back.net, CFS_RUN_NET_CREATED);
	assert_true(back.detached);
	assert_true(back.memory_limit == 52428800);
	assert_string_equal(back.overlay, r.overlay);
	assert_string_equal(back.rootfs, r.rootfs);
	free(text);
}

static void runrec_defaults_and_unknown_keys(void **state)
{
	struct cfs_run_rec r;
	cfs_error_t err = { 0 };

	(void)state;
	assert_int_equal(cfs_runrec_parse("name=a\nfuture_key=1\n", &r, &err), 0);
	assert_string_equal(r.name, "a");
	assert_int_equal(r.pid, 0);
	assert_true(r.memory_limit == -1);
	assert_int_equal(r.net, CFS_RUN_NET_PRIVATE);
}

static void runrec_malformed(void **state)
{
	static const char *const bad[] = {
		"pid=1\n",                           /* no name */
		"name=a\npid=-1\n",
		"name=a\npid=12x\n",
		"name=a\nstart=-5\n",
		"name=a\nnetwork=bridge\n",
		"name=a\ndetached=2\n",
		"name=a\nmemory_limit=-2\n",
		"name=a\nno equals sign\n",
		"name=0123456789abcdef\n",           /* 16 characters */
	};
	struct cfs_run_rec r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfs_error_t err = { 0 };

		if (cfs_runrec_parse(bad[i], &r, &err) == 0)
			fail_msg("accepted: %s", bad[i]);
		assert_true(err.msg[0] != '\0');
	}
}

static const char *env_get(char **env, const char *key)
{
	size_t kl = strlen(key);

	for (; *env; env++)
		if (!strncmp(*env, key, kl) && (*env)[kl] == '=')
			return *env + kl + 1;
	return NULL;
}

static void container_env(void **state)
{
	const char *extra[] = { "FOO=bar", "HOME=/tmp", "FOO=baz", "EMPTY=" };
	char **env;
	size_t n = 0;

	(void)state;
	setenv("TERM", "vt100", 1);
	setenv("SECRET", "host-only", 1);
	env = cfs_container_env("box", extra, 4);
	assert_non_null(env);
	assert_string_equal(env_get(env, "PATH"), CFS_CONTAINER_PATH);
	assert_string_equal(env_get(env, "HOME"), "/tmp");
	assert_string_equal(env_get(env, "TERM"), "vt100");
	assert_string_equal(env_get(env, "HOSTNAME"), "box");
	assert_string_equal(env_get(env, "FOO"), "baz");
	assert_string_equal(env_get(env, "EMPTY"), "");
	assert_null(env_get(env, "SECRET"));
	for (char **e = env; *e; e++)
		n++;
	assert_int_equal(n, 6);
	cfs_env_free(env);
}

static void put(const char *path, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void find_command_in_layers(void **state)
{
	char base[] = "/tmp/cfs-test-run-XXXXXX", p[512], top[64];
	const char *one[1], *two[2];
	cfs_error_t err = { 0 };

	(void)state;
	assert_non_null(mkdtemp(base));
	snprintf(top, sizeof(top), "%s/top", base);
	snprintf(p, sizeof(p), "%s/root", base);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/root/bin", base);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/root/bin/busybox", base);
	put(p, 0755);
	snprintf(p, sizeof(p), "%s/root/bin/notexec", base);
	put(p, 0644);
	snprintf(p, sizeof(p), "%s/root/bin/sh", base);
	assert_int_equal(symlink("busybox", p), 0);
	/* An absolute link resolves inside the root, not on the host. */
	snprintf(p, sizeof(p), "%s/root/bin/abs", base);
	assert_int_equal(symlink("/bin/busybox", p), 0);
	snprintf(p, sizeof(p), "%s/root/bin/escape", base);
	assert_int_equal(symlink("../../../../../../usr/bin/env", p), 0);

	snprintf(p, sizeof(p), "%s/root", base);
	one[0] = p;
	assert_int_equal(cfs_rootfs_find_command(one, 1, "/bin/busybox", &err), 0);
	assert_int_equal(cfs_rootfs_find_command(one, 1, "sh", &err), 0);
	assert_int_equal(cfs_rootfs_find_command(one, 1, "/bin/abs", &err), 0);
	assert_int_equal(cfs_rootfs_find_command(one, 1, "/bin/escape", &err), -1);
	assert_int_equal(cfs_rootfs_find_command(one, 1, "nosuch", &err), -1);
	assert_non_null(strstr(err.msg, "not found"));
	assert_int_equal(cfs_rootfs_find_command(one, 1, "/bin/notexec", &err), -1);
	assert_non_null(strstr(err.msg, "not an executable"));

	/* A layer whose link points at the base's binary. */
	assert_int_equal(mkdir(top, 0755), 0);
	snprintf(p, sizeof(p), "%s/usr", top);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/usr/bin", top);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/usr/bin/tool", top);
	assert_int_equal(symlink("../../bin/busybox", p), 0);
	snprintf(p, sizeof(p), "%s/root", base);
	two[0] = top;
	two[1] = p;
	assert_int_equal(cfs_rootfs_find_command(two, 2, "tool", &err), 0);
	one[0] = top;
	assert_int_equal(cfs_rootfs_find_command(one, 1, "tool", &err), -1);

	cfs_remove_tree(base, &err);
	assert_int_equal(access(base, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(runrec_round_trip),
		cmocka_unit_test(runrec_defaults_and_unknown_keys),
		cmocka_unit_test(runrec_malformed),
		cmocka_unit_test(container_env),
		cmocka_unit_test(find_command_in_layers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

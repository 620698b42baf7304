/* The parts of the hardening that need no root: the seccomp filter
 * (compiled, then loaded in a child with no_new_privs, where keyctl fails
 * and getpid works), the run record remembers --no-seccomp (and an older
 * record without the key means the filter), and a private directory that
 * others may write to, or that is a symlink, is refused. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <errno.h>
#include <linux/keyctl.h>

#include "common/util.h"
#include "ops/run-internal.h"

static void runrec_keeps_no_seccomp(void **state)
{
	struct cfs_run_rec r = { 0 }, back;
	cfs_error_t err = { 0 };
	char *text = NULL;

	(void)state;
	strcpy(r.name, "box");
	r.memory_limit = -1;
	r.no_seccomp = true;
	assert_int_equal(cfs_runrec_format(&r, &text, &err), 0);
	assert_non_null(strstr(text, "\nseccomp=0\n"));
	assert_int_equal(cfs_runrec_parse(text, &back, &err), 0);
	assert_true(back.no_seccomp);
	free(text);
	r.no_seccomp = false;
	assert_int_equal(cfs_runrec_format(&r, &text, &err), 0);
	assert_non_null(strstr(text, "\nseccomp=1\n"));
	assert_int_equal(cfs_runrec_parse(text, &back, &err), 0);
	assert_false(back.no_seccomp);
	free(text);
	/* A record of an older cfsnet has no key: the filter applies. */
	assert_int_equal(cfs_runrec_parse("name=box\npid=3\n", &back, &err), 0);
	assert_false(back.no_seccomp);
	assert_int_equal(cfs_runrec_parse("name=box\nseccomp=2\n", &back, &err), -1);
	assert_non_null(strstr(err.msg, "seccomp"));
}

static void private_dirs_are_checked(void **state)
{
	char tmpl[] = "/tmp/cfs-harden-XXXXXX", path[64], link[80];
	cfs_error_t err = { 0 };
	char *base = mkdtemp(tmpl);

	(void)state;
	assert_non_null(base);
	snprintf(path, sizeof(path), "%s/state", base);
	assert_int_equal(cfs_mkdir(path, 0700, &err), 0);
	assert_int_equal(cfs_mkdir(path, 0700, &err), 0); /* exists: fine */
	assert_int_equal(chmod(path, 0777), 0);
	assert_int_equal(cfs_mkdir(path, 0700, &err), -1);
	assert_non_null(strstr(err.msg, "is not private"));
	/* A public directory asked for as such is fine. */
	cfs_error_clear(&err);
	assert_int_equal(cfs_mkdir(path, 0755, &err), 0);
	assert_int_equal(chmod(path, 0700), 0);
	/* A symlink to a directory is no directory of ours. */
	snprintf(link, sizeof(link), "%s/link", base);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(cfs_mkdir(link, 0700, &err), -1);
	unlink(link);
	rmdir(path);
	rmdir(base);
}

static void seccomp_filter_denies_keyctl(void **state)
{
	struct cfs_seccomp_prog prog;
	cfs_error_t err = { 0 };
	int st = 0;
	pid_t pid;

	(void)state;
	assert_int_equal(cfs_seccomp_build(&prog, &err), 0);
	assert_true(prog.n > 10);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* 0: denied as it should be; 1: the filter let it through. */
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || cfs_seccomp_load(&prog, &err) < 0)
			_exit(2);
		if (getpid() <= 0)
			_exit(3);
		_exit(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0) < 0 &&
		      errno == EPERM ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	cfs_seccomp_free(&prog);
	assert_null(prog.insns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seccomp_filter_denies_keyctl),
		cmocka_unit_test(runrec_keeps_no_seccomp),
		cmocka_unit_test(private_dirs_are_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The cgroup layer: parsers, the v1 -> v2 mapping, and both backends driven
 * against a fake cgroupfs (a plain directory tree in a temp dir) that
 * plays the kernel's part: a new group directory gets the control files
 * (empty, so every non-empty file is one cfsnet wrote), and rmdir refuses
 * while processes or child groups remain. */
#define _GNU_SOURCE
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "cgroup/cgroup.h"

/* ---- the fake cgroupfs ---- */

struct fake {
	char root[200];
	enum cfs_cg_version v;
	bool no_memsw;       /* swap accounting off */
	bool no_peak;        /* v2 kernel without memory.peak */
	const char *broken;  /* control file made a directory: writes fail */
};

static struct fake F;

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f);

static void put(const char *path, const char *content)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void putf(const char *dir, const char *file, const char *content)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	put(p, content);
}

static char *get(const char *fmt, ...)
{
	static char buf[4][256];
	static int slot;
	char path[512], *b = buf[slot++ % 4];
	va_list ap;
	FILE *f;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	f = fopen(path, "r");
	if (!f) {
		snprintf(b, sizeof(buf[0]), "<missing>");
		return b;
	}
	n = fread(b, 1, sizeof(buf[0]) - 1, f);
	b[n] = '\0';
	fclose(f);
	return b;
}

static bool exists(const char *fmt, ...)
{
	char path[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return access(path, F_OK) == 0;
}

static const char *const v1_files[][12] = {
	{ "cpuset", "cpuset.cpus", "cpuset.mems", "cpuset.cpu_exclusive", NULL },
	{ "cpu", "cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.stat",
	  NULL },
	{ "cpuacct", "cpuacct.usage", "cpuacct.stat", NULL },
	{ "memory", "memory.limit_in_bytes", "memory.memsw.limit_in_bytes",
	  "memory.swappiness", "memory.usage_in_bytes",
	  "memory.max_usage_in_bytes", "memory.failcnt", "memory.oom_control",
	  NULL },
	{ "pids", "pids.max", "pids.current", NULL },
};

static const char *const v2_files[] = {
	"cgroup.controllers", "cgroup.subtree_control", "cgroup.events",
	"cpu.stat", "cpuset.cpus", "cpuset.mems", "cpu.weight", "cpu.max",
	"memory.max", "memory.swap.max", "memory.oom.group", "memory.current",
	"memory.peak", "memory.events", "pids.max", "pids.current", NULL,
};

static void make_file(const char *dir, const char *file)
{
	char p[512];

	if (F.no_memsw && (!strcmp(file, "memory.memsw.limit_in_bytes") ||
			   !strcmp(file, "memory.swap.max")))
		return;
	if (F.no_peak && !strcmp(file, "memory.peak"))
		return;
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	if (F.broken && !strcmp(file, F.broken))
		mkdir(p, 0755);
	else
		put(p, "");
}

/* v1: the hierarchy is the first component below the root, its name the
 * comma-separated controllers ("cpu,cpuacct"). */
static int fake_populate(const char *dir, void *arg)
{
	char hier[64];
	const char *rel;

	(void)arg;
	make_file(dir, "cgroup.procs");
	if (F.v == CFS_CG_V2) {
		for (int i = 0; v2_files[i]; i++)
			make_file(dir, v2_files[i]);
		return 0;
	}
	make_file(dir, "tasks");
	rel = dir + strlen(F.root) + 1;
	snprintf(hier, sizeof(hier), "%.*s", (int)strcspn(rel, "/"), rel);
	for (char *save = NULL, *c = strtok_r(hier, ",", &save); c;
	     c = strtok_r(NULL, ",", &save))
		for (size_t i = 0; i < sizeof(v1_files) / sizeof(v1_files[0]); i++)
			if (!strcmp(c, v1_files[i][0]))
				for (int j = 1; v1_files[i][j]; j++)
					make_file(dir, v1_files[i][j]);
	return 0;
}

/* Like the kernel: EBUSY while processes or child groups remain. */
static int fake_rmdir(const char *dir, void *arg)
{
	DIR *d;
	struct dirent *e;
	char p[512];

	(void)arg;
	snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	if (access(dir, F_OK) < 0)
		return -1;
	if (exists("%s", p) && get("%s", p)[0]) {
		errno = EBUSY;
		return -1;
	}
	d = opendir(dir);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode) &&
		    !(F.broken && !strcmp(e->d_name, F.broken))) {
			closedir(d);
			errno = EBUSY;
			return -1;
		}
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (unlink(p) < 0)
			rmdir(p);
	}
	closedir(d);
	return rmdir(dir);
}

static const struct cfs_cg_fake_fs fake_fs = {
	.populate = fake_populate,
	.rmdir = fake_rmdir,
};

static void mkdirf(const char *fmt, ...)
{
	char path[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	assert_int_equal(mkdir(path, 0755), 0);
}

/* A hierarchy's root group, as the kernel shows it (with content). */
static void v1_root_group(const char *hier)
{
	char dir[512];

	snprintf(dir, sizeof(dir), "%s/%s", F.root, hier);
	mkdirf("%s", dir);
	fake_populate(dir, NULL);
	putf(dir, "cgroup.procs", "1\n");
	if (exists("%s/cpuset.cpus", dir)) {
		putf(dir, "cpuset.cpus", "0-1\n");
		putf(dir, "cpuset.mems", "0\n");
	}
	if (exists("%s/cpu.shares", dir)) {
		putf(dir, "cpu.shares", "1024\n");
		putf(dir, "cpu.cfs_quota_us", "-1\n");
		putf(dir, "cpu.cfs_period_us", "100000\n");
	}
	if (exists("%s/memory.swappiness", dir)) {
		putf(dir, "memory.swappiness", "60\n");
		putf(dir, "memory.limit_in_bytes", "9223372036854771712\n");
	}
}

/* layout "debian": cpu,cpuacct with symlinks; "split": this host's
 * separate cpu and cpuacct. Both with a cgroup2 "unified" dir (hybrid). */
static void fake_v1(const char *layout)
{
	F.v = CFS_CG_V1;
	v1_root_group("cpuset");
	if (!strcmp(layout, "debian")) {
		char l[512];

		v1_root_group("cpu,cpuacct");
		snprintf(l, sizeof(l), "%s/cpu", F.root);
		assert_int_equal(symlink("cpu,cpuacct", l), 0);
		snprintf(l, sizeof(l), "%s/cpuacct", F.root);
		assert_int_equal(symlink("cpu,cpuacct", l), 0);
	} else {
		v1_root_group("cpu");
		v1_root_group("cpuacct");
	}
	v1_root_group("memory");
	v1_root_group("pids");
	mkdirf("%s/unified", F.root);
	putf(F.root, "unified/cgroup.procs", "1\n");
	mkdirf("%s/systemd", F.root); /* a named hierarchy, not used */
}

static void fake_v2(const char *controllers, const char *enabled)
{
	F.v = CFS_CG_V2;
	fake_populate(F.root, NULL);
	putf(F.root, "cgroup.procs", "1\n");
	putf(F.root, "cgroup.controllers", controllers);
	putf(F.root, "cgroup.subtree_control", enabled);
}

static int setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof(F));
	const char *tmp = getenv("TMPDIR");

	snprintf(F.root, sizeof(F.root), "%s/cfs-cgtest-XXXXXX",
		 tmp && *tmp && strlen(tmp) < 100 ? tmp : "/tmp");
	if (!mkdtemp(F.root))
		return -1;
	cfs_cg_fake = &fake_fs;
	cfs_cg_busy_wait_ms = 10;
	return 0;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static int teardown(void **state)
{
	(void)state;
	cfs_cg_fake = NULL;
	return nftw(F.root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Every file outside cfsnet's groups with its content: must not change. */
static char snap_buf[65536];
static size_t snap_len;

static int snap_one(const char *p, const struct stat *st, int flag,
		    struct FTW *f)
{
	(void)f;
	if (strstr(p, "/" CFS_CG_PARENT))
		return 0;
	if (flag == FTW_F && S_ISREG(st->st_mode))
		snap_len += (size_t)snprintf(snap_buf + snap_len,
					     sizeof(snap_buf) - snap_len, "%s=%s\n",
					     p, get("%s", p));
	else
		snap_len += (size_t)snprintf(snap_buf + snap_len,
					     sizeof(snap_buf) - snap_len, "%s\n", p);
	return 0;
}

static char *snapshot(void)
{
	snap_len = 0;
	snap_buf[0] = '\0';
	nftw(F.root, snap_one, 16, FTW_PHYS);
	return strdup(snap_buf);
}

/* Exactly these files of dir are non-empty, with these contents. */
static void assert_written(const char *dir, const char *const *expect)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t nexp = 0, nfound = 0;

	if (!d)
		fail_msg("no directory %s", dir);
	for (; expect[nexp]; nexp += 2)
		if (strcmp(get("%s/%s", dir, expect[nexp]), expect[nexp + 1]))
			fail_msg("%s/%s: '%s', expected '%s'", dir, expect[nexp],
				 get("%s/%s", dir, expect[nexp]), expect[nexp + 1]);
	while ((e = readdir(d))) {
		const char *c;

		if (e->d_type != DT_REG)
			continue;
		c = get("%s/%s", dir, e->d_name);
		if (!c[0])
			continue;
		nfound++;
		bool listed = false;
		for (size_t i = 0; i < nexp; i += 2)
			listed = listed || !strcmp(expect[i], e->d_name);
		if (!listed)
			fail_msg("%s/%s was written ('%s')", dir, e->d_name, c);
	}
	closedir(d);
	assert_int_equal(nfound, nexp / 2);
}

static bool any_cfsnet_dir(void)
{
	const char *hier[] = { "cpuset", "cpu,cpuacct", "cpu", "cpuacct",
			       "memory", "pids", "" };

	for (size_t i = 0; i < sizeof(hier) / sizeof(hier[0]); i++)
		if (exists("%s/%s/cfsnet", F.root, hier[i]))
			return true;
	return false;
}

static void full_limits(struct cfs_cg_limits *l)
{
	cfs_cg_limits_init(l);
	l->memory = 50 << 20;
	l->memory_swap = 100 << 20;
	l->cpu_shares = 512;
	l->cpu_quota_pct = 20;
	strcpy(l->cpus, "1");
	l->pids = 4;
}

/* ---- parsers ---- */

static void parse_size_good(void **state)
{
	static const struct { const char *s; int64_t v; } t[] = {
		{ "0", 0 }, { "1024", 1024 }, { "1b", 1 }, { "50k", 51200 },
		{ "50K", 51200 }, { "50kb", 51200 }, { "50m", 52428800 },
		{ "50M", 52428800 }, { "50MB", 52428800 }, { "1g", 1073741824 },
		{ "1Gb", 1073741824 }, { "007", 7 },
		{ "9223372036854775807", INT64_MAX },
		{ "8589934591g", INT64_C(8589934591) << 30 },
	};
	cfs_error_t err;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int64_t v = -5;

		if (cfs_parse_size(t[i].s, &v, &err) < 0)
			fail_msg("'%s' refused: %s", t[i].s, err.msg);
		if (v != t[i].v)
			fail_msg("'%s' -> %lld", t[i].s, (long long)v);
	}
}

static void parse_size_bad(void **state)
{
	static const char *bad[] = {
		"", "10x", "-1", "+1", " 1", "1 ", "k", "m", "1.5g", "1kk",
		"1bb", "1bk", "1t", "0x10", "1e3", "9223372036854775808",
		"8589934592g", "99999999999999999999", "1m\n", "50 m",
	};
	cfs_error_t err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t v = 77;

		cfs_error_clear(&err);
		if (cfs_parse_size(bad[i], &v, &err) == 0)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(v, 77);
		assert_non_null(strstr(err.msg, "invalid size"));
	}
	cfs_parse_size("10x", &(int64_t){0}, &err);
	assert_string_equal(err.msg,
			    "invalid size '10x': expected a number of bytes with an optional k, m or g suffix");
}

static void parse_cpus_good(void **state)
{
	static const char *good[] = { "0", "1", "0-1", "0-1,3", "0,2,4-7",
				      "0-0", "3-5,7,9-10", "65535" };
	cfs_error_t err;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (cfs_parse_cpus(good[i], NULL, &err) < 0)
			fail_msg("'%s' refused: %s", good[i], err.msg);
	assert_int_equal(cfs_parse_cpus("0", "0-1\n", &err), 0);
	assert_int_equal(cfs_parse_cpus("0-1", "0-1\n", &err), 0);
	assert_int_equal(cfs_parse_cpus("1,4-5", "0-1,4-7\n", &err), 0);
	assert_int_equal(cfs_parse_cpus("3", "0,3", &err), 0);
}

static void parse_cpus_bad(void **state)
{
	static const char *bad[] = {
		"", "0-", "-1", "1-0", "0,0", "1,0", "0-2,1", "0-1,1-2", ",",
		"0,", ",0", "0,,1", " 0", "0 ", "0-1-2", "a", "0x1", "+1", "1\n",
		"65536", "0-99999999999", "0;1", "1-",
	};
	char longlist[200];
	cfs_error_t err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cfs_parse_cpus(bad[i], NULL, &err) == 0)
			fail_msg("accepted '%s'", bad[i]);
	/* Well-formed but longer than cfs_cg_limits.cpus holds. */
	longlist[0] = '\0';
	for (int c = 0; strlen(longlist) < 150; c += 2)
		snprintf(longlist + strlen(longlist),
			 sizeof(longlist) - strlen(longlist), "%s%d", c ? "," : "", c);
	assert_int_equal(cfs_parse_cpus(longlist, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "too long"));
	/* Not online. */
	assert_int_equal(cfs_parse_cpus("2", "0-1\n", &err), -1);
	assert_string_equal(err.msg,
			    "invalid CPU list '2': CPU 2 is not online (online: 0-1)");
	assert_int_equal(cfs_parse_cpus("0-2", "0-1\n", &err), -1);
	assert_int_equal(cfs_parse_cpus("1,3", "0-1,4-7\n", &err), -1);
	assert_non_null(strstr(err.msg, "CPU 3 is not online"));
	assert_int_equal(cfs_parse_cpus("0", "garbage", &err), -1);
}

static void parse_percent_cases(void **state)
{
	static const struct { const char *s; unsigned n, v; } good[] = {
		{ "20%", 1, 20 }, { "20", 1, 20 }, { "1%", 1, 1 }, { "100%", 1, 100 },
		{ "150%", 2, 150 }, { "200", 2, 200 }, { "50%", 0, 50 },
	};
	static const struct { const char *s; unsigned n; } bad[] = {
		{ "0%", 2 }, { "0", 2 }, { "101%", 1 }, { "201%", 2 }, { "", 2 },
		{ "%", 2 }, { "20%%", 2 }, { "-5", 2 }, { "2.5", 2 }, { "20 %", 2 },
		{ " 20", 2 }, { "x", 2 }, { "99999999999999999999%", 2 },
		{ "101", 0 }, { "20%x", 2 },
	};
	cfs_error_t err;
	unsigned pct;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		pct = 0;
		if (cfs_parse_percent(good[i].s, good[i].n, &pct, &err) < 0)
			fail_msg("'%s' refused: %s", good[i].s, err.msg);
		assert_int_equal(pct, good[i].v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pct = 9;
		if (cfs_parse_percent(bad[i].s, bad[i].n, &pct, &err) == 0)
			fail_msg("accepted '%s' with %u CPUs", bad[i].s, bad[i].n);
		assert_int_equal(pct, 9);
	}
	cfs_parse_percent("0%", 2, &pct, &err);
	assert_string_equal(err.msg,
			    "invalid percentage '0%': must be 1..200% (100% per CPU, 2 CPUs)");
}

static void shares_to_weight(void **state)
{
	(void)state;
	/* crun's and runc's mapping: the ends and v1's default land on v2's
	 * ends and default, and it never decreases. */
	assert_int_equal(cfs_cg_shares_to_weight(2), 1);
	assert_int_equal(cfs_cg_shares_to_weight(1024), 100); /* default -> default */
	assert_true(cfs_cg_shares_to_weight(512) < 100);
	assert_true(cfs_cg_shares_to_weight(2048) > 100);
	for (unsigned sh = 2; sh < 262144; sh += 97)
		assert_true(cfs_cg_shares_to_weight(sh) <= cfs_cg_shares_to_weight(sh + 97));
	assert_int_equal(cfs_cg_shares_to_weight(262144), 10000);
}

/* cfsnet computes the curve without libm: it must agree with libm's
 * log2/pow/ceil for every share value (a ceil near an integer is where
 * an approximation would show). */
static void shares_to_weight_matches_libm(void **state)
{
	(void)state;
	for (unsigned sh = 0; sh <= 300000; sh++) {
		unsigned want;

		if (sh <= 2) {
			want = 1;
		} else if (sh >= 262144) {
			want = 10000;
		} else {
			double l = log2((double)sh);
			double w = ceil(pow(10.0, (l * l + 125.0 * l) / 612.0 - 7.0 / 34.0));

			want = w > 10000 ? 10000 : (unsigned)w;
		}
		if (cfs_cg_shares_to_weight(sh) != want)
			fail_msg("shares %u: weight %u, libm says %u", sh,
				 cfs_cg_shares_to_weight(sh), want);
	}
}

static void limits_check(void **state)
{
	struct cfs_cg_limits l;
	cfs_error_t err;

	(void)state;
	cfs_cg_limits_init(&l);
	assert_int_equal(cfs_cg_limits_check(&l, CFS_CG_V1, &err), 0);
	assert_int_equal(cfs_cg_limits_check(&l, CFS_CG_V2, &err), 0);
	full_limits(&l);
	assert_int_equal(cfs_cg_limits_check(&l, CFS_CG_V1, &err), 0);
	assert_int_equal(cfs_cg_limits_check(&l, CFS_CG_V2, &err), 0);

	l.memory = -1; /* swap without memory */
	assert_int_equal(cfs_cg_limits_check(&l, CFS_CG_V1, &err), -1);
	assert_non_null(strstr(err.msg, "needs a memory limit"));
	l.memory = 200 << 20; /* memory+swap below memory */
	assert_int_equal(cfs_cg_limits_check(&l, CFS_CG_V1, &err), -1);
	full_limits(&l);
	l.memory = 0;
	l.memory_swap = -1;
	assert_int_equal(cfs_cg_limits_check(&l, CFS_CG_V1, &err), -1);

	full_limits(&l);
	l.swappiness = 10;
	assert_int_equal(cfs_cg_limits_check(&l, CFS_CG_V1, &err), 0);
	assert_int_equal(cfs_cg_limits_check(&l, CFS_CG_V2, &err), -1);
	assert_non_null(strstr(err.msg, "cgroup v2 has no per-group swappiness"));
	l.swappiness = 101;
	assert_int_equal(cfs_cg_limits_check(&l, CFS_CG_V1, &err), -1);

	full_limits(&l);
	l.pids = 0;
	assert_int_equal(cfs_cg_limits_check(&l, CFS_CG_V1, &err), -1);
	full_limits(&l);
	l.cpu_shares = 1;
	assert_int_equal(cfs_cg_limits_check(&l, CFS_CG_V1, &err), -1);
	l.cpu_shares = 262145;
	assert_int_equal(cfs_cg_limits_check(&l, CFS_CG_V1, &err), -1);
	full_limits(&l);
	strcpy(l.cpus, "0-");
	assert_int_equal(cfs_cg_limits_check(&l, CFS_CG_V1, &err), -1);
	strcpy(l.cpus, "0\n");
	assert_int_equal(cfs_cg_limits_check(&l, CFS_CG_V1, &err), -1);
}

/* ---- v1 ---- */

static void v1_all_limits(void **state)
{
	struct cfs_cgroup *cg = NULL;
	struct cfs_cg_limits l;
	cfs_error_t err;
	char *before;

	(void)state;
	fake_v1("debian");
	before = snapshot();
	full_limits(&l);
	l.swappiness = 10;
	if (cfs_cg_create_with(CFS_CG_V1, F.root, "web", &l, &cg, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(cfs_cg_version(cg), CFS_CG_V1);
	/* cpu and cpuacct share one hierarchy: four directories, not five. */
	assert_int_equal(cg->ndirs, 4);

	char d[512];
	snprintf(d, sizeof(d), "%s/cpuset/cfsnet", F.root);
	assert_written(d, (const char *[]){ "cpuset.cpus", "0-1", "cpuset.mems",
					    "0", NULL });
	snprintf(d, sizeof(d), "%s/cpuset/cfsnet/web", F.root);
	assert_written(d, (const char *[]){ "cpuset.cpus", "1", "cpuset.mems", "0",
					    NULL });
	snprintf(d, sizeof(d), "%s/cpu,cpuacct/cfsnet/web", F.root);
	assert_written(d, (const char *[]){ "cpu.shares", "512",
					    "cpu.cfs_period_us", "100000",
					    "cpu.cfs_quota_us", "20000", NULL });
	snprintf(d, sizeof(d), "%s/memory/cfsnet/web", F.root);
	assert_written(d, (const char *[]){ "memory.limit_in_bytes", "52428800",
					    "memory.memsw.limit_in_bytes",
					    "104857600", "memory.swappiness", "10",
					    NULL });
	snprintf(d, sizeof(d), "%s/pids/cfsnet/web", F.root);
	assert_written(d, (const char *[]){ "pids.max", "4", NULL });
	snprintf(d, sizeof(d), "%s/memory/cfsnet", F.root);
	assert_written(d, (const char *[]){ NULL });

	/* Nothing outside cfsnet's groups changed. */
	char *after = snapshot();
	assert_string_equal(before, after);
	free(after);

	assert_int_equal(cfs_cg_enter(cg, 4242, &err), 0);
	assert_string_equal(get("%s/cpuset/cfsnet/web/cgroup.procs", F.root), "4242");
	assert_string_equal(get("%s/cpu,cpuacct/cfsnet/web/cgroup.procs", F.root),
			    "4242");
	assert_string_equal(get("%s/memory/cfsnet/web/cgroup.procs", F.root), "4242");
	assert_string_equal(get("%s/pids/cfsnet/web/cgroup.procs", F.root), "4242");
	assert_string_equal(get("%s/memory/cgroup.procs", F.root), "1\n");
	/* The cheap way in for a fresh child: "0" into each hierarchy's
	 * tasks (the calling thread), through fds opened for it. */
	int tfd[8];
	size_t nt;

	assert_int_equal(cfs_cg_open_tasks(cg, tfd, 8, &nt, &err), 0);
	assert_int_equal(nt, 4);
	assert_int_equal(cfs_cg_enter_fds(tfd, nt, &err), 0);
	while (nt)
		close(tfd[--nt]);
	for (int i = 0; i < 4; i++) {
		const char *h[] = { "cpuset", "cpu,cpuacct", "memory", "pids" };

		assert_string_equal(get("%s/%s/cfsnet/web/tasks", F.root, h[i]), "0");
	}
	assert_string_equal(get("%s/memory/tasks", F.root), "");

	/* Processes remain: EBUSY, naming the directory. */
	assert_int_equal(cfs_cg_destroy(cg, &err), -1);
	assert_int_equal(err.errnum, EBUSY);
	assert_non_null(strstr(err.msg, "cfsnet/web"));
	assert_non_null(strstr(err.msg, "1 process still in it"));
	const char *hier[] = { "cpuset", "cpu,cpuacct", "memory", "pids" };
	for (int i = 0; i < 4; i++) {
		snprintf(d, sizeof(d), "%s/%s/cfsnet/web/cgroup.procs", F.root, hier[i]);
		put(d, "");
	}
	assert_int_equal(cfs_cg_destroy(cg, &err), 0);
	assert_false(any_cfsnet_dir());
	/* Gone already: still success. */
	assert_int_equal(cfs_cg_destroy(cg, &err), 0);
	cfs_cg_free(cg);
	after = snapshot();
	assert_string_equal(before, after);
	free(after);
	free(before);
}

static void v1_unset_writes_nothing(void **state)
{
	struct cfs_cgroup *cg = NULL;
	struct cfs_cg_limits l;
	cfs_error_t err;
	char d[512];

	(void)state;
	fake_v1("split");
	cfs_cg_limits_init(&l);
	if (cfs_cg_create_with(CFS_CG_V1, F.root, "a", &l, &cg, &err) < 0)
		fail_msg("%s", err.msg);
	/* No limit: only the hierarchies stats reads (cpuacct, memory,
	 * pids); cpuset and cpu are left alone, parents included. */
	assert_int_equal(cg->ndirs, 3);
	assert_false(exists("%s/cpuset/cfsnet", F.root));
	assert_false(exists("%s/cpu/cfsnet", F.root));
	const char *others[] = { "cpuacct", "memory", "pids" };
	for (int i = 0; i < 3; i++) {
		snprintf(d, sizeof(d), "%s/%s/cfsnet/a", F.root, others[i]);
		assert_written(d, (const char *[]){ NULL });
	}
	/* NULL limits = all unset. */
	struct cfs_cgroup *cg2 = NULL;
	assert_int_equal(cfs_cg_create_with(CFS_CG_V1, F.root, "b", NULL, &cg2, &err), 0);
	assert_int_equal(cfs_cg_enter(cg, 7, &err), 0);
	assert_string_equal(get("%s/cpuacct/cfsnet/a/cgroup.procs", F.root), "7");
	for (int i = 0; i < 3; i++) {
		snprintf(d, sizeof(d), "%s/%s/cfsnet/a/cgroup.procs", F.root, others[i]);
		put(d, "");
	}
	/* The parent stays while b is in it. */
	assert_int_equal(cfs_cg_destroy(cg, &err), 0);
	assert_false(exists("%s/memory/cfsnet/a", F.root));
	assert_true(exists("%s/memory/cfsnet/b", F.root));
	assert_int_equal(cfs_cg_destroy(cg2, &err), 0);
	assert_false(any_cfsnet_dir());
	cfs_cg_free(cg);
	cfs_cg_free(cg2);
}

static void v1_no_swap_accounting(void **state)
{
	struct cfs_cgroup *cg = NULL;
	struct cfs_cg_limits l;
	cfs_error_t err;
	char *before;

	(void)state;
	F.no_memsw = true;
	fake_v1("debian");
	before = snapshot();
	full_limits(&l);
	assert_int_equal(cfs_cg_create_with(CFS_CG_V1, F.root, "x", &l, &cg, &err), -1);
	assert_null(cg);
	assert_int_equal(err.errnum, ENOENT);
	char want[1024];
	snprintf(want, sizeof(want),
		 "writing %s/memory/cfsnet/x/memory.memsw.limit_in_bytes: No such file or directory (swap accounting is off on this host: a memory+swap limit needs it (boot with swapaccount=1))",
		 F.root);
	assert_string_equal(err.msg, want);
	/* Failed halfway: every group and parent it made is gone. */
	assert_false(any_cfsnet_dir());
	char *after = snapshot();
	assert_string_equal(before, after);
	free(after);
	free(before);
	/* Without --memory-swap it works. */
	l.memory_swap = -1;
	assert_int_equal(cfs_cg_create_with(CFS_CG_V1, F.root, "x", &l, &cg, &err), 0);
	assert_int_equal(cfs_cg_destroy(cg, &err), 0);
	cfs_cg_free(cg);
}

static void v1_failure_keeps_shared_parent(void **state)
{
	struct cfs_cgroup *cg = NULL, *other = NULL;
	struct cfs_cg_limits l;
	cfs_error_t err;

	(void)state;
	fake_v1("debian");
	assert_int_equal(cfs_cg_create_with(CFS_CG_V1, F.root, "other", NULL, &other,
					    &err), 0);
	F.broken = "pids.max"; /* the last write fails (EISDIR) */
	full_limits(&l);
	assert_int_equal(cfs_cg_create_with(CFS_CG_V1, F.root, "y", &l, &cg, &err), -1);
	assert_non_null(strstr(err.msg, "writing "));
	assert_non_null(strstr(err.msg, "/pids/cfsnet/y/pids.max: Is a directory"));
	const char *hier[] = { "cpuset", "cpu,cpuacct", "memory", "pids" };
	for (int i = 0; i < 4; i++) {
		assert_false(exists("%s/%s/cfsnet/y", F.root, hier[i]));
		/* other has no limits: no cpuset group (nor parent) */
		assert_true(exists("%s/%s/cfsnet/other", F.root, hier[i]) == (i > 0));
	}
	assert_false(exists("%s/cpuset/cfsnet", F.root));
	F.broken = NULL;
	assert_int_equal(cfs_cg_destroy(other, &err), 0);
	assert_false(any_cfsnet_dir());
	cfs_cg_free(other);
}

static void v1_exists_and_stale_parent(void **state)
{
	struct cfs_cgroup *cg = NULL;
	struct cfs_cg_limits l;
	cfs_error_t err;

	(void)state;
	fake_v1("debian");
	cfs_cg_limits_init(&l);
	snprintf(l.cpus, sizeof(l.cpus), "0-1"); /* so cpuset is used */
	/* A parent left by a cfsnet that died before filling its cpuset. */
	char p[512];
	mkdirf("%s/cpuset/cfsnet", F.root);
	snprintf(p, sizeof(p), "%s/cpuset/cfsnet", F.root);
	fake_populate(p, NULL);
	/* A group of that name exists: refused and left alone. */
	mkdirf("%s/memory/cfsnet", F.root);
	mkdirf("%s/memory/cfsnet/z", F.root);
	snprintf(p, sizeof(p), "%s/memory/cfsnet/z/marker", F.root);
	put(p, "keep");
	assert_int_equal(cfs_cg_create_with(CFS_CG_V1, F.root, "z", &l, &cg, &err), -1);
	assert_int_equal(err.errnum, EEXIST);
	assert_non_null(strstr(err.msg, "/memory/cfsnet/z: File exists"));
	assert_string_equal(get("%s", p), "keep");
	assert_false(exists("%s/cpuset/cfsnet/z", F.root));
	/* The stale parent is cfsnet's: it was filled in, and kept (it
	 * existed before). */
	assert_string_equal(get("%s/cpuset/cfsnet/cpuset.cpus", F.root), "0-1");
	assert_true(exists("%s/cpuset/cfsnet", F.root));

	assert_int_equal(cfs_cg_create_with(CFS_CG_V1, F.root, "w", &l, &cg, &err), 0);
	assert_string_equal(get("%s/cpuset/cfsnet/w/cpuset.cpus", F.root), "0-1");
	assert_int_equal(cfs_cg_destroy(cg, &err), 0);
	cfs_cg_free(cg);
}

static void v1_stats(void **state)
{
	struct cfs_cgroup *cg = NULL;
	struct cfs_cg_stats st;
	cfs_error_t err;
	char d[512];

	(void)state;
	fake_v1("debian");
	assert_int_equal(cfs_cg_create_with(CFS_CG_V1, F.root, "s", NULL, &cg, &err), 0);
	snprintf(d, sizeof(d), "%s/cpuacct/cfsnet/s", F.root);
	putf(d, "cpuacct.usage", "1234567890\n");
	snprintf(d, sizeof(d), "%s/memory/cfsnet/s", F.root);
	putf(d, "memory.usage_in_bytes", "1048576\n");
	putf(d, "memory.max_usage_in_bytes", "52428800\n");
	putf(d, "memory.failcnt", "17\n");
	putf(d, "memory.limit_in_bytes", "52428800\n");
	putf(d, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
	snprintf(d, sizeof(d), "%s/pids/cfsnet/s", F.root);
	putf(d, "pids.current", "3\n");
	if (cfs_cg_stats(cg, &st, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(st.cpu_usec, 1234567);
	assert_int_equal(st.memory, 1048576);
	assert_int_equal(st.memory_peak, 52428800);
	assert_int_equal(st.memory_limit, 52428800);
	assert_int_equal(st.memory_limit_hits, 17);
	assert_int_equal(st.oom_kills, 2);
	assert_int_equal(st.pids, 3);

	snprintf(d, sizeof(d), "%s/memory/cfsnet/s", F.root);
	putf(d, "memory.limit_in_bytes", "9223372036854771712\n");
	assert_int_equal(cfs_cg_stats(cg, &st, &err), 0);
	assert_int_equal(st.memory_limit, -1);
	putf(d, "memory.usage_in_bytes", "lots\n");
	assert_int_equal(cfs_cg_stats(cg, &st, &err), -1);
	assert_non_null(strstr(err.msg, "memory.usage_in_bytes: unexpected content"));

	/* open finds it; a name without a group is ENOENT. */
	struct cfs_cgroup *o = NULL;
	assert_int_equal(cfs_cg_open_with(CFS_CG_V1, F.root, "s", &o, &err), 0);
	assert_int_equal(o->ndirs, 3); /* cpu,cpuacct memory pids: no limits */
	assert_int_equal(cfs_cg_destroy(o, &err), 0);
	cfs_cg_free(o);
	assert_int_equal(cfs_cg_open_with(CFS_CG_V1, F.root, "s", &o, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	cfs_cg_free(cg);
}

static void v1_missing_controller(void **state)
{
	struct cfs_cgroup *cg = NULL;
	struct cfs_cg_limits l;
	cfs_error_t err;
	char p[512];

	(void)state;
	fake_v1("debian");
	/* pids not mounted: an empty directory of the tmpfs. */
	snprintf(p, sizeof(p), "%s/pids", F.root);
	assert_int_equal(nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	mkdirf("%s/pids", F.root);
	cfs_cg_limits_init(&l);
	l.pids = 10;
	assert_int_equal(cfs_cg_create_with(CFS_CG_V1, F.root, "p", &l, &cg, &err), -1);
	snprintf(p, sizeof(p),
		 "a process limit needs the cgroup v1 pids controller, which is not mounted at %s/pids",
		 F.root);
	assert_string_equal(err.msg, p);
	assert_false(any_cfsnet_dir());
	l.pids = -1;
	assert_int_equal(cfs_cg_create_with(CFS_CG_V1, F.root, "p", &l, &cg, &err), 0);
	assert_int_equal(cg->ndirs, 2); /* cpu,cpuacct and memory */
	assert_false(exists("%s/pids/cfsnet", F.root));
	assert_int_equal(cfs_cg_destroy(cg, &err), 0);
	cfs_cg_free(cg);
}

static void bad_names(void **state)
{
	struct cfs_cgroup *cg = NULL;
	cfs_error_t err;

	(void)state;
	fake_v1("debian");
	const char *bad[] = { "", ".", "..", "../x", "a/b" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cfs_cg_create_with(CFS_CG_V1, F.root, bad[i], NULL,
						    &cg, &err), -1);
		assert_int_equal(err.errnum, EINVAL);
	}
	assert_false(any_cfsnet_dir());
}

static void kill_members(void **state)
{
	struct cfs_cgroup *cg = NULL;
	cfs_error_t err;
	int status;
	pid_t pid;

	(void)state;
	fake_v1("debian");
	assert_int_equal(cfs_cg_create_with(CFS_CG_V1, F.root, "k", NULL, &cg, &err), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	assert_int_equal(cfs_cg_enter(cg, pid, &err), 0);
	assert_int_equal(cfs_cg_kill(cg, SIGKILL, &err), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	cfs_cg_free(cg);
}

/* ---- v2 ---- */

#define ALL_V2 "cpuset cpu io memory hugetlb pids rdma misc\n"

static void v2_all_limits(void **state)
{
	struct cfs_cgroup *cg = NULL;
	struct cfs_cg_limits l;
	cfs_error_t err;
	char d[512];

	(void)state;
	fake_v2(ALL_V2, ""); /* a bare host: nothing delegated yet */
	full_limits(&l);
	l.cpu_shares = 1024;
	if (cfs_cg_create_with(CFS_CG_V2, F.root, "web", &l, &cg, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(cfs_cg_version(cg), CFS_CG_V2);
	assert_int_equal(cg->ndirs, 1);
	assert_string_equal(get("%s/cgroup.subtree_control", F.root),
			    "+cpuset +cpu +memory +pids");
	snprintf(d, sizeof(d), "%s/cfsnet", F.root);
	assert_written(d, (const char *[]){ "cgroup.subtree_control",
					    "+cpuset +cpu +memory +pids", NULL });
	snprintf(d, sizeof(d), "%s/cfsnet/web", F.root);
	assert_written(d, (const char *[]){
		"cpuset.cpus", "1",
		"cpu.weight", "100",
		"cpu.max", "20000 100000",
		"memory.max", "52428800",
		"memory.swap.max", "52428800", /* 100m memory+swap - 50m */
		"memory.oom.group", "1",
		"pids.max", "4",
		NULL });
	assert_int_equal(cfs_cg_enter(cg, 99, &err), 0);
	/* v2 has no per-thread way in for a plain group. */
	int tfd[8];
	size_t nt;

	assert_int_equal(cfs_cg_open_tasks(cg, tfd, 8, &nt, &err), -1);
	assert_int_equal(err.errnum, EOPNOTSUPP);
	assert_int_equal(nt, 0);
	assert_string_equal(get("%s/cfsnet/web/cgroup.procs", F.root), "99");
	assert_int_equal(cfs_cg_destroy(cg, &err), -1);
	assert_int_equal(err.errnum, EBUSY);
	putf(d, "cgroup.procs", "");
	assert_int_equal(cfs_cg_destroy(cg, &err), 0);
	assert_false(exists("%s/cfsnet", F.root));
	cfs_cg_free(cg);
}

static void v2_delegated_root_untouched(void **state)
{
	struct cfs_cgroup *cg = NULL;
	struct cfs_cg_limits l;
	cfs_error_t err;
	char d[512], *before, *after;

	(void)state;
	fake_v2(ALL_V2, "cpuset cpu io memory pids\n");
	before = snapshot();
	cfs_cg_limits_init(&l);
	if (cfs_cg_create_with(CFS_CG_V2, F.root, "u", &l, &cg, &err) < 0)
		fail_msg("%s", err.msg);
	snprintf(d, sizeof(d), "%s/cfsnet/u", F.root);
	/* Unset limits write nothing; only the OOM policy. */
	assert_written(d, (const char *[]){ "memory.oom.group", "1", NULL });
	after = snapshot();
	assert_string_equal(before, after);
	free(after);
	/* A second container: the parent's controllers are on already. */
	struct cfs_cgroup *cg2 = NULL;
	l.memory = 1 << 20;
	assert_int_equal(cfs_cg_create_with(CFS_CG_V2, F.root, "u2", &l, &cg2, &err), 0);
	assert_string_equal(get("%s/cfsnet/cgroup.subtree_control", F.root),
			    "+cpuset +cpu +memory +pids");
	assert_string_equal(get("%s/cfsnet/u2/memory.max", F.root), "1048576");
	assert_int_equal(cfs_cg_destroy(cg, &err), 0);
	assert_true(exists("%s/cfsnet/u2", F.root));
	assert_int_equal(cfs_cg_destroy(cg2, &err), 0);
	assert_false(exists("%s/cfsnet", F.root));
	after = snapshot();
	assert_string_equal(before, after);
	free(after);
	free(before);
	cfs_cg_free(cg);
	cfs_cg_free(cg2);
}

static void v2_refusals(void **state)
{
	struct cfs_cgroup *cg = NULL;
	struct cfs_cg_limits l;
	cfs_error_t err;
	char *before, *after, want[1024];

	(void)state;
	fake_v2("cpu io memory\n", "cpu memory\n"); /* no cpuset, no pids */
	before = snapshot();
	full_limits(&l);
	l.swappiness = 0;
	assert_int_equal(cfs_cg_create_with(CFS_CG_V2, F.root, "r", &l, &cg, &err), -1);
	assert_non_null(strstr(err.msg, "swappiness"));
	l.swappiness = -1;
	strcpy(l.cpus, "");
	assert_int_equal(cfs_cg_create_with(CFS_CG_V2, F.root, "r", &l, &cg, &err), -1);
	snprintf(want, sizeof(want),
		 "a process limit needs the cgroup v2 pids controller, which %s/cgroup.controllers does not offer",
		 F.root);
	assert_string_equal(err.msg, want);
	after = snapshot();
	assert_string_equal(before, after);
	free(after);
	assert_false(exists("%s/cfsnet", F.root));
	/* What is available is enabled, nothing more. */
	l.pids = -1;
	assert_int_equal(cfs_cg_create_with(CFS_CG_V2, F.root, "r", &l, &cg, &err), 0);
	assert_string_equal(get("%s/cfsnet/cgroup.subtree_control", F.root),
			    "+cpu +memory");
	assert_int_equal(cfs_cg_destroy(cg, &err), 0);
	cfs_cg_free(cg);
	free(before);
}

static void v2_failure_midway(void **state)
{
	struct cfs_cgroup *cg = NULL;
	struct cfs_cg_limits l;
	cfs_error_t err;

	(void)state;
	fake_v2(ALL_V2, "cpuset cpu io memory pids\n");
	F.broken = "memory.max";
	full_limits(&l);
	assert_int_equal(cfs_cg_create_with(CFS_CG_V2, F.root, "m", &l, &cg, &err), -1);
	char want[1024];
	snprintf(want, sizeof(want),
		 "writing %s/cfsnet/m/memory.max: Is a directory", F.root);
	assert_string_equal(err.msg, want);
	assert_false(exists("%s/cfsnet", F.root));

	/* Swap accounting off: no memory.swap.max. */
	F.broken = NULL;
	F.no_memsw = true;
	assert_int_equal(cfs_cg_create_with(CFS_CG_V2, F.root, "m", &l, &cg, &err), -1);
	snprintf(want, sizeof(want),
		 "writing %s/cfsnet/m/memory.swap.max: No such file or directory (swap accounting is off on this host: a memory+swap limit needs it)",
		 F.root);
	assert_string_equal(err.msg, want);
	assert_false(exists("%s/cfsnet", F.root));
	l.memory_swap = -1;
	assert_int_equal(cfs_cg_create_with(CFS_CG_V2, F.root, "m", &l, &cg, &err), 0);
	assert_int_equal(cfs_cg_destroy(cg, &err), 0);
	cfs_cg_free(cg);
}

static void v2_stats(void **state)
{
	struct cfs_cgroup *cg = NULL;
	struct cfs_cg_limits l;
	cfs_error_t err;

	(void)state;
	fake_v2(ALL_V2, "cpuset cpu io memory pids\n");
	full_limits(&l);
	F.no_peak = true; /* a kernel before 5.19 */
	assert_int_equal(cfs_cg_create_with(CFS_CG_V2, F.root, "n", &l, &cg, &err), 0);
	struct cfs_cg_stats st;
	char d[512];
	snprintf(d, sizeof(d), "%s/cfsnet/n", F.root);
	putf(d, "cpu.stat", "usage_usec 5000\nuser_usec 3000\nsystem_usec 2000\n");
	putf(d, "memory.current", "4096\n");
	putf(d, "memory.events", "low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\noom_group_kill 1\n");
	putf(d, "pids.current", "2\n");
	putf(d, "memory.max", "max\n");
	if (cfs_cg_stats(cg, &st, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(st.cpu_usec, 5000);
	assert_int_equal(st.memory, 4096);
	assert_int_equal(st.memory_peak, 0); /* no memory.peak on this kernel */
	assert_int_equal(st.oom_kills, 1);
	assert_int_equal(st.memory_limit_hits, 5);
	assert_int_equal(st.pids, 2);
	assert_int_equal(st.memory_limit, -1);
	putf(d, "memory.max", "52428800\n");
	assert_int_equal(cfs_cg_stats(cg, &st, &err), 0);
	assert_int_equal(st.memory_limit, 52428800);
	assert_int_equal(cfs_cg_destroy(cg, &err), 0);
	cfs_cg_free(cg);
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The groups under cfsnet/ of every hierarchy, once each, sorted; files
 * and other hierarchies' groups are not listed. */
static void list_groups(void **state)
{
	struct cfs_cgroup *a = NULL, *b = NULL;
	char **v = NULL;
	size_t n = 9;
	cfs_error_t err;

	(void)state;
	fake_v1("debian");
	assert_int_equal(cfs_cg_list_with(CFS_CG_V1, F.root, &v, &n, &err), 0);
	assert_int_equal(n, 0); /* no cfsnet parent yet */
	free_names(v, n);
	assert_int_equal(cfs_cg_create_with(CFS_CG_V1, F.root, "web@sbx1", NULL, &a, &err), 0);
	assert_int_equal(cfs_cg_create_with(CFS_CG_V1, F.root, "db", NULL, &b, &err), 0);
	/* Left in one hierarchy only by a destroy that stopped halfway. */
	mkdirf("%s/pids/cfsnet/half", F.root);
	assert_int_equal(cfs_cg_list_with(CFS_CG_V1, F.root, &v, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "db");
	assert_string_equal(v[1], "half");
	assert_string_equal(v[2], "web@sbx1");
	free_names(v, n);
	assert_int_equal(cfs_cg_destroy(a, &err), 0);
	assert_int_equal(cfs_cg_destroy(b, &err), 0);
	cfs_cg_free(a);
	cfs_cg_free(b);
}

static void detect_plain_dir(void **state)
{
	enum cfs_cg_version v;
	cfs_error_t err;
	struct stat st;

	(void)state;
	fake_v1("debian");
	/* A plain tree is no cgroupfs, whatever it looks like. */
	assert_int_equal(cfs_cg_detect(F.root, &v, &err), -1);
	assert_non_null(strstr(err.msg, "no cgroup filesystem at"));
	assert_int_equal(cfs_cg_create(F.root, "d", NULL, &(struct cfs_cgroup *){ NULL },
				       &err), -1);
	assert_false(any_cfsnet_dir());
	if (stat(CFS_CGROUP_ROOT, &st) == 0 &&
	    cfs_cg_detect(CFS_CGROUP_ROOT, &v, &err) == 0)
		assert_true(v == CFS_CG_V1 || v == CFS_CG_V2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_size_good),
		cmocka_unit_test(parse_size_bad),
		cmocka_unit_test(parse_cpus_good),
		cmocka_unit_test(parse_cpus_bad),
		cmocka_unit_test(parse_percent_cases),
		cmocka_unit_test(shares_to_weight),
		cmocka_unit_test(shares_to_weight_matches_libm),
		cmocka_unit_test(limits_check),
		cmocka_unit_test_setup_teardown(v1_all_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(v1_unset_writes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(v1_no_swap_accounting, setup, teardown),
		cmocka_unit_test_setup_teardown(v1_failure_keeps_shared_parent, setup,
						teardown),
		cmocka_unit_test_setup_teardown(v1_exists_and_stale_parent, setup,
						teardown),
		cmocka_unit_test_setup_teardown(v1_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(v1_missing_controller, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_names, setup, teardown),
		cmocka_unit_test_setup_teardown(kill_members, setup, teardown),
		cmocka_unit_test_setup_teardown(list_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(v2_all_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(v2_delegated_root_untouched, setup,
						teardown),
		cmocka_unit_test_setup_teardown(v2_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(v2_failure_midway, setup, teardown),
		cmocka_unit_test_setup_teardown(v2_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(detect_plain_dir, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Images: pack -> unpack round trips of a tree made here (contents, types,
 * modes, owners when root, times, link targets, hard-link identity), every
 * compression by file name, atomic pack, and hostile archives built with
 * libarchive's writer that must be refused with nothing written outside
 * the target (a sentinel directory beside it is compared before/after). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>

#include "rootfs/image.h"

static bool is_root(void)
{
	return geteuid() == 0;
}

/* ---- scratch directories ----------------------------------------------------- */

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(p);
	return unlink(p);
}

static void rm_rf(const char *path)
{
	nftw(path, rm_cb, 32, FTW_DEPTH | FTW_PHYS);
}

struct fx {
	char base[64];   /* mkdtemp: the test's own directory */
	char src[128];   /* the tree to pack */
	char work[128];  /* where unpack targets live, beside the sentinel */
	char sent[160];  /* work/sentinel: must never change */
	char out[160];   /* work/out: the unpack target */
	char arch[160];  /* base/img.cpio.gz */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->base, "/tmp/cfs-test-image.XXXXXX");
	assert_non_null(mkdtemp(f->base));
	/* 0755: the tests may also run as an unprivileged user after root made
	 * nothing here; keep the tree traversable either way. */
	chmod(f->base, 0755);
	snprintf(f->src, sizeof(f->src), "%s/src", f->base);
	snprintf(f->work, sizeof(f->work), "%s/work", f->base);
	snprintf(f->sent, sizeof(f->sent), "%s/sentinel", f->work);
	snprintf(f->out, sizeof(f->out), "%s/out", f->work);
	snprintf(f->arch, sizeof(f->arch), "%s/img.cpio.gz", f->base);
	assert_int_equal(mkdir(f->work, 0755), 0);
	assert_int_equal(mkdir(f->sent, 0755), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	rm_rf(f->base);
	free(f);
	return 0;
}

static void put(const char *dir, const char *name, const char *data, size_t len, mode_t mode)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void putstr(const char *dir, const char *name, const char *data, mode_t mode)
{
	put(dir, name, data, strlen(data), mode);
}

static void mk(const char *dir, const char *name, mode_t mode)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_int_equal(mkdir(p, mode), 0);
	assert_int_equal(chmod(p, mode), 0); /* past the umask */
}

static void sym(const char *dir, const char *name, const char *target)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_int_equal(symlink(target, p), 0);
}

static void hard(const char *dir, const char *from, const char *to)
{
	char a[512], b[512];

	snprintf(a, sizeof(a), "%s/%s", dir, from);
	snprintf(b, sizeof(b), "%s/%s", dir, to);
	assert_int_equal(link(a, b), 0);
}

static long stamp;

static int time_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	struct timespec ts[2] = { { 1500000000 + stamp * 101, 0 }, { 1500000000 + stamp * 97, 0 } };

	(void)st;
	(void)flag;
	(void)ftw;
	stamp++;
	return utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW);
}

/* The tree every round trip uses. Returns the number of sockets in it. */
static int build_tree(const char *src)
{
	static char big[300000];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char p[512];
	int s;

	assert_int_equal(mkdir(src, 0751), 0);
	assert_int_equal(chmod(src, 0751), 0);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + i / 251);
	putstr(src, "a.txt", "hello\n", 0644);
	put(src, "big.bin", big, sizeof(big), 0640);
	putstr(src, "empty.txt", "", 0644);
	putstr(src, "secret", "s3cret\n", 0600);
	putstr(src, "suid", "#!/bin/true\n", 04755);
	putstr(src, "odd", "x", 0501);
	mk(src, "emptydir", 0755);
	mk(src, "private", 0700);
	putstr(src, "private/key", "k", 0400);
	mk(src, "shared", 02775);
	mk(src, "d1", 0755);
	mk(src, "d1/d2", 0755);
	mk(src, "d1/d2/d3", 0711);
	putstr(src, "d1/d2/d3/deep.txt", "deep down\n", 0644);
	sym(src, "link", "a.txt");
	sym(src, "dangling", "no/such/target");
	sym(src, "abs", "/etc/passwd");
	sym(src, "d1/up", "../a.txt");
	putstr(src, "h1", "linked twice\n", 0644);
	hard(src, "h1", "d1/h2");
	putstr(src, "t1", "linked thrice\n", 0664);
	hard(src, "t1", "d1/d2/t2");
	hard(src, "t1", "t3");
	snprintf(p, sizeof(p), "%s/fifo", src);
	assert_int_equal(mkfifo(p, 0640), 0);
	assert_int_equal(chmod(p, 0640), 0);
	if (is_root()) {
		snprintf(p, sizeof(p), "%s/null", src);
		assert_int_equal(mknod(p, S_IFCHR | 0666, makedev(1, 3)), 0);
		snprintf(p, sizeof(p), "%s/blk", src);
		assert_int_equal(mknod(p, S_IFBLK | 0660, makedev(7, 200)), 0);
		putstr(src, "owned", "not mine\n", 0640);
		snprintf(p, sizeof(p), "%s/owned", src);
		assert_int_equal(chown(p, 1234, 5678), 0);
		snprintf(p, sizeof(p), "%s/link", src);
		assert_int_equal(lchown(p, 4321, 8765), 0);
		snprintf(p, sizeof(p), "%s/private", src);
		assert_int_equal(chown(p, 1000, 1000), 0);
		putstr(src, "nomode", "zero\n", 0000);
		snprintf(p, sizeof(p), "%s/suidroot", src);
		putstr(src, "suidroot", "#!/bin/true\n", 0755);
		assert_int_equal(chown(p, 0, 0), 0);
		assert_int_equal(chmod(p, 06755), 0);
	}
	/* A socket: it cannot be archived and is skipped. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", src);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);
	/* Whole-second times (newc keeps seconds), children before parents. */
	stamp = 0;
	assert_int_equal(nftw(src, time_cb, 32, FTW_DEPTH | FTW_PHYS), 0);
	return 1;
}

/* ---- a tree as text ------------------------------------------------------------ */

struct rec {
	char *path;
	char *line;
	dev_t dev;
	ino_t ino;
	bool multi;
};

static struct rec *recs;
static size_t nrecs;
static size_t snap_rootlen;
static bool snap_root_mtime;

static uint64_t hash_file(const char *p)
{
	uint64_t h = 1469598103934665603ULL;
	unsigned char buf[8192];
	ssize_t n;
	int fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	assert_true(fd >= 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			h = (h ^ buf[i]) * 1099511628211ULL;
	assert_true(n == 0);
	close(fd);
	return h;
}

static int snap_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	const char *rel = p[snap_rootlen] ? p + snap_rootlen + 1 : ".";
	char extra[PATH_MAX + 64] = "", *line;
	char t;
	bool root = ftw->level == 0;

	(void)flag;
	switch (st->st_mode & S_IFMT) {
	case S_IFREG:
		t = 'f';
		snprintf(extra, sizeof(extra), "size=%lld hash=%016llx nlink=%lu",
			 (long long)st->st_size, (unsigned long long)hash_file(p),
			 (unsigned long)st->st_nlink);
		break;
	case S_IFDIR:
		t = 'd';
		break;
	case S_IFLNK: {
		char target[PATH_MAX];
		ssize_t n = readlink(p, target, sizeof(target) - 1);

		assert_true(n > 0);
		target[n] = '\0';
		t = 'l';
		snprintf(extra, sizeof(extra), "-> %s", target);
		break;
	}
	case S_IFIFO:
		t = 'p';
		break;
	case S_IFCHR:
	case S_IFBLK:
		t = S_ISCHR(st->st_mode) ? 'c' : 'b';
		snprintf(extra, sizeof(extra), "rdev=%u:%u", major(st->st_rdev), minor(st->st_rdev));
		break;
	default:
		return 0; /* sockets: never archived */
	}
	recs = realloc(recs, (nrecs + 1) * sizeof(*recs));
	assert_non_null(recs);
	assert_true(asprintf(&line, "%s %c %04o %u:%u mtime=%lld %s", rel, t,
			     (unsigned)(st->st_mode & 07777), st->st_uid, st->st_gid,
			     root && !snap_root_mtime ? 0LL : (long long)st->st_mtime, extra) > 0);
	recs[nrecs] = (struct rec){ strdup(rel), line, st->st_dev, st->st_ino,
				    S_ISREG(st->st_mode) && st->st_nlink > 1 };
	nrecs++;
	return 0;
}

static int rec_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rec *)a)->path, ((const struct rec *)b)->path);
}

/* One line per entry, sorted, sockets left out; hard links say which
 * earlier path they share an inode with. With root_mtime false the root's
 * own time is left out (its parent's changes are not the tree's). */
static char *snapshot(const char *root, bool root_mtime)
{
	size_t len = 1;
	char *s;

	recs = NULL;
	nrecs = 0;
	snap_rootlen = strlen(root);
	snap_root_mtime = root_mtime;
	assert_int_equal(nftw(root, snap_cb, 32, FTW_PHYS), 0);
	qsort(recs, nrecs, sizeof(*recs), rec_cmp);
	for (size_t i = 0; i < nrecs; i++)
		len += strlen(recs[i].line) + PATH_MAX + 16;
	s = calloc(1, len);
	assert_non_null(s);
	for (size_t i = 0; i < nrecs; i++) {
		strcat(s, recs[i].line);
		if (recs[i].multi) {
			for (size_t j = 0; j < i; j++) {
				if (recs[j].dev == recs[i].dev && recs[j].ino == recs[i].ino) {
					strcat(s, " same-inode-as=");
					strcat(s, recs[j].path);
					break;
				}
			}
		}
		strcat(s, "\n");
	}
	for (size_t i = 0; i < nrecs; i++) {
		free(recs[i].path);
		free(recs[i].line);
	}
	free(recs);
	recs = NULL;
	return s;
}

static void assert_same_tree(const char *a, const char *b)
{
	char *sa = snapshot(a, true), *sb = snapshot(b, true);

	assert_string_equal(sa, sb);
	free(sa);
	free(sb);
}

static bool exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in DIR, sorted, joined by spaces. */
static void names_in(const char *dir, char *out, size_t size)
{
	char *names[64];
	size_t n = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && n < 64)
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof(*names), str_cmp);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strncat(out, " ", size - strlen(out) - 1);
		strncat(out, names[i], size - strlen(out) - 1);
		free(names[i]);
	}
}

/* ---- pure helpers ------------------------------------------------------------------ */

static void clean_path(void **state)
{
	static const struct {
		const char *in, *out, *why;
	} cases[] = {
		{ ".", "", NULL },
		{ "./", "", NULL },
		{ "bin", "bin", NULL },
		{ "./bin/sh", "bin/sh", NULL },
		{ "a//b/./c/", "a/b/c", NULL },
		{ "..a/b..", "..a/b..", NULL },
		{ "...", "...", NULL },
		{ "", NULL, "empty name" },
		{ "/etc/passwd", NULL, "absolute path" },
		{ "//x", NULL, "absolute path" },
		{ "..", NULL, "'..' component" },
		{ "../x", NULL, "'..' component" },
		{ "a/../../x", NULL, "'..' component" },
		{ "a/..", NULL, "'..' component" },
		{ "./a/./../b", NULL, "'..' component" },
	};
	char out[64];
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = NULL;
		int r = cfs_image_clean_path(cases[i].in, out, sizeof(out), &why);

		if (cases[i].out) {
			assert_int_equal(r, 0);
			assert_string_equal(out, cases[i].out);
		} else {
			assert_int_equal(r, -1);
			assert_string_equal(why, cases[i].why);
		}
	}
	assert_int_equal(cfs_image_clean_path("abcdef", out, 4, &why), -1);
	assert_string_equal(why, "name too long");
}

static void comp_for_path(void **state)
{
	(void)state;
	assert_int_equal(cfs_image_comp_for_path("root.cpio"), CFS_IMAGE_NONE);
	assert_int_equal(cfs_image_comp_for_path("root.CPIO"), CFS_IMAGE_NONE);
	assert_int_equal(cfs_image_comp_for_path("root.cpio.gz"), CFS_IMAGE_GZIP);
	assert_int_equal(cfs_image_comp_for_path("root.gz"), CFS_IMAGE_GZIP);
	assert_int_equal(cfs_image_comp_for_path("root"), CFS_IMAGE_GZIP);
	assert_int_equal(cfs_image_comp_for_path("root.img"), CFS_IMAGE_GZIP);
	assert_int_equal(cfs_image_comp_for_path("d.xz/root"), CFS_IMAGE_GZIP);
	assert_int_equal(cfs_image_comp_for_path("root.cpio.bz2"), CFS_IMAGE_BZIP2);
	assert_int_equal(cfs_image_comp_for_path("root.cpio.xz"), CFS_IMAGE_XZ);
	assert_int_equal(cfs_image_comp_for_path("ROOT.XZ"), CFS_IMAGE_XZ);
	assert_int_equal(cfs_image_comp_for_path("root.cpio.zst"), CFS_IMAGE_ZSTD);
	assert_int_equal(cfs_image_comp_for_path("root.zstd"), CFS_IMAGE_ZSTD);
	assert_string_equal(cfs_image_comp_name(CFS_IMAGE_ZSTD), "zstd");
	assert_true(cfs_image_comp_supported(CFS_IMAGE_NONE));
	assert_true(cfs_image_comp_supported(CFS_IMAGE_GZIP));
}

/* ---- round trips ---------------------------------------------------------------------- */

static void round_trip_new_dir(void **state)
{
	struct fx *f = *state;
	struct cfs_image_stats ps, us;
	cfs_error_t err = { 0 };
	char p[256];
	struct stat a, b;

	build_tree(f->src);
	assert_int_equal(cfs_image_pack(f->src, f->arch, &ps, &err), 0);
	assert_int_equal(ps.sockets, 1);
	assert_int_equal(ps.hardlinks, 3);  /* d1/h2, and two of t1/t2/t3 */
	assert_int_equal(ps.symlinks, 4);
	assert_int_equal(ps.fifos, 1);
	assert_int_equal(ps.devices, is_root() ? 2 : 0);
	assert_int_equal(cfs_image_unpack(f->arch, f->out, &us, &err), 0);
	assert_same_tree(f->src, f->out);
	assert_int_equal(us.entries, ps.entries);
	assert_int_equal(us.bytes, ps.bytes);
	assert_int_equal(us.hardlinks, 3);
	/* The hard links are one inode in the copy too. */
	snprintf(p, sizeof(p), "%s/h1", f->out);
	assert_int_equal(stat(p, &a), 0);
	snprintf(p, sizeof(p), "%s/d1/h2", f->out);
	assert_int_equal(stat(p, &b), 0);
	assert_true(a.st_ino == b.st_ino && a.st_nlink == 2);
	/* Nothing else appeared beside the new directory. */
	names_in(f->work, p, sizeof(p));
	assert_string_equal(p, "out sentinel");
}

static void round_trip_existing_empty_dir(void **state)
{
	struct fx *f = *state;
	cfs_error_t err = { 0 };

	build_tree(f->src);
	assert_int_equal(mkdir(f->out, 0700), 0);
	assert_int_equal(cfs_image_pack(f->src, f->arch, NULL, &err), 0);
	assert_int_equal(cfs_image_unpack(f->arch, f->out, NULL, &err), 0);
	/* The root's mode and time come from the archive's "." entry. */
	assert_same_tree(f->src, f->out);
}

static void check_magic(const char *path, enum cfs_image_comp c)
{
	unsigned char m[6] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(read(fd, m, sizeof(m)), 6);
	close(fd);
	switch (c) {
	case CFS_IMAGE_NONE: assert_memory_equal(m, "070701", 6); break;
	case CFS_IMAGE_GZIP: assert_memory_equal(m, "\x1f\x8b", 2); break;
	case CFS_IMAGE_BZIP2: assert_memory_equal(m, "BZh", 3); break;
	case CFS_IMAGE_XZ: assert_memory_equal(m, "\xfd" "7zXZ\0", 6); break;
	case CFS_IMAGE_ZSTD: assert_memory_equal(m, "\x28\xb5\x2f\xfd", 4); break;
	}
}

static void every_compression(void **state)
{
	static const char *names[] = { "i.cpio", "i.cpio.gz", "i.gz", "i", "i.img", "i.cpio.bz2",
				       "i.cpio.xz", "I.XZ", "i.cpio.zst", "i.zstd" };
	struct fx *f = *state;
	cfs_error_t err = { 0 };
	char file[256], out[256];

	build_tree(f->src);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		enum cfs_image_comp c = cfs_image_comp_for_path(names[i]);

		if (!cfs_image_comp_supported(c)) {
			print_message("      (this libarchive cannot write %s: %s skipped)\n",
				      cfs_image_comp_name(c), names[i]);
			continue;
		}
		snprintf(file, sizeof(file), "%s/%s", f->base, names[i]);
		snprintf(out, sizeof(out), "%s/out-%zu", f->work, i);
		if (cfs_image_pack(f->src, file, NULL, &err) < 0)
			fail_msg("pack %s: %s", names[i], err.msg);
		check_magic(file, c);
		if (cfs_image_unpack(file, out, NULL, &err) < 0)
			fail_msg("unpack %s: %s", names[i], err.msg);
		assert_same_tree(f->src, out);
	}
}

static void pack_is_deterministic_and_skips_itself(void **state)
{
	struct fx *f = *state;
	cfs_error_t err = { 0 };
	char self[256], again[256], p[256];
	char *a, *b;
	size_t la, lb;
	FILE *fa, *fb;

	build_tree(f->src);
	/* FILE inside DIR, existing already: neither the old FILE nor the
	 * temporary one is packed. */
	snprintf(self, sizeof(self), "%s/self.cpio", f->src);
	putstr(f->src, "self.cpio", "old", 0644);
	assert_int_equal(cfs_image_pack(f->src, self, NULL, &err), 0);
	assert_int_equal(cfs_image_unpack(self, f->out, NULL, &err), 0);
	snprintf(p, sizeof(p), "%s/self.cpio", f->out);
	assert_false(exists(p));
	/* The same tree twice gives the same bytes (outside the tree: a
	 * FILE inside DIR changes DIR's time). */
	assert_int_equal(unlink(self), 0);
	snprintf(self, sizeof(self), "%s/once.cpio", f->base);
	snprintf(again, sizeof(again), "%s/again.cpio", f->base);
	assert_int_equal(cfs_image_pack(f->src, self, NULL, &err), 0);
	assert_int_equal(cfs_image_pack(f->src, again, NULL, &err), 0);
	fa = fopen(self, "r");
	fb = fopen(again, "r");
	assert_non_null(fa);
	assert_non_null(fb);
	a = malloc(1 << 20);
	b = malloc(1 << 20);
	la = fread(a, 1, 1 << 20, fa);
	lb = fread(b, 1, 1 << 20, fb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	free(a);
	free(b);
	fclose(fa);
	fclose(fb);
	/* The archive's file mode follows the umask, like any new file. */
	{
		struct stat st;
		mode_t um = umask(022);

		umask(um);
		assert_int_equal(stat(again, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0666 & ~um);
	}
}

/* Everything in DIR but DIR's own time, which the temporary file of a
 * pack (created and removed there) changes. */
static char *listing(const char *dir)
{
	return snapshot(dir, false);
}

static void pack_failure_leaves_nothing(void **state)
{
	struct fx *f = *state;
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { -1, 0 } };
	cfs_error_t err = { 0 };
	char p[256], *before, *after;
	int fd;

	/* An existing FILE stays as it was; no temporary file is left. */
	putstr(f->work, "img.cpio.gz", "old contents", 0644);
	snprintf(f->arch, sizeof(f->arch), "%s/img.cpio.gz", f->work);
	build_tree(f->src);
	snprintf(p, sizeof(p), "%s/d1/d2/t2", f->src);
	assert_int_equal(utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW), 0);
	before = listing(f->work);
	assert_int_equal(cfs_image_pack(f->src, f->arch, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "modification time outside"));
	/* t2 is linked as t1/t3 too: whichever name it is reported under. */
	assert_true(strstr(err.msg, "t1:") || strstr(err.msg, "t2:") || strstr(err.msg, "t3:"));
	after = listing(f->work);
	assert_string_equal(before, after);
	free(after);

	/* More than newc's 4 GiB (a sparse file: no disk used). */
	ts[1].tv_sec = 1500000000;
	assert_int_equal(utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW), 0);
	snprintf(p, sizeof(p), "%s/d1/huge", f->src);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 5LL << 30), 0);
	close(fd);
	assert_int_equal(cfs_image_pack(f->src, f->arch, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "d1/huge: larger than cpio newc can store"));
	after = listing(f->work);
	assert_string_equal(before, after);
	free(after);
	free(before);

	/* Missing DIR, FILE a directory, FILE in a missing directory. */
	assert_int_equal(cfs_image_pack("/nonexistent/dir", f->arch, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "/nonexistent/dir: No such file or directory"));
	assert_int_equal(cfs_image_pack(f->src, f->work, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "Is a directory"));
	snprintf(p, sizeof(p), "%s/nodir/x.cpio", f->base);
	assert_int_equal(cfs_image_pack(f->src, p, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "No such file or directory"));
}

/* ---- hostile archives ------------------------------------------------------------------ */

struct spec {
	const char *name;
	mode_t type;        /* AE_IF* */
	const char *data;   /* file contents, or NULL */
	const char *target; /* symlink target */
	unsigned ino;       /* 0: a unique one */
	unsigned nlink;     /* 0: 1 (2 for directories) */
};

/* Writes an uncompressed newc archive of SPECS with libarchive's writer
 * (it stores names as given: nothing is cleaned on this side). */
static void write_archive(const char *path, const struct spec *s, size_t n)
{
	struct archive *a = archive_write_new();

	assert_non_null(a);
	assert_int_equal(archive_write_set_format_cpio_newc(a), ARCHIVE_OK);
	assert_int_equal(archive_write_add_filter_none(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		size_t len = s[i].data ? strlen(s[i].data) : 0;

		archive_entry_set_pathname(e, s[i].name);
		archive_entry_set_filetype(e, s[i].type);
		archive_entry_set_perm(e, s[i].type == AE_IFDIR ? 0755 : 0644);
		archive_entry_set_ino(e, s[i].ino ? s[i].ino : 100 + i);
		archive_entry_set_nlink(e, s[i].nlink ? s[i].nlink : s[i].type == AE_IFDIR ? 2 : 1);
		archive_entry_set_mtime(e, 1500000000, 0);
		if (s[i].target)
			archive_entry_set_symlink(e, s[i].target);
		archive_entry_set_size(e, (la_int64_t)len);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (len)
			assert_int_equal(archive_write_data(a, s[i].data, len), (la_ssize_t)len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

/* Unpacking SPECS must fail naming ENTRY and WHY, and leave work/ (the
 * sentinel directory and the target's parent) exactly as it was, whether
 * the target is missing or an existing empty directory. */
static void expect_refused(struct fx *f, const struct spec *s, size_t n, const char *entry,
			   const char *why)
{
	cfs_error_t err = { 0 };
	char *before, *after, need[512];

	write_archive(f->arch, s, n);
	for (int existing = 0; existing < 2; existing++) {
		if (existing)
			assert_int_equal(mkdir(f->out, 0755), 0);
		before = snapshot(f->work, false);
		assert_int_equal(cfs_image_unpack(f->arch, f->out, NULL, &err), -1);
		snprintf(need, sizeof(need), "%s: %s", entry, why);
		if (!strstr(err.msg, need))
			fail_msg("message '%s' lacks '%s'", err.msg, need);
		after = snapshot(f->work, false);
		assert_string_equal(before, after);
		assert_int_equal(exists(f->out), existing);
		free(before);
		free(after);
	}
	rmdir(f->out);
}

static void sentinel_files(struct fx *f, char *abs, size_t size)
{
	putstr(f->sent, "passwd", "root:x:0:0::/root:/bin/sh\n", 0644);
	snprintf(abs, size, "%s/pwned", f->sent);
}

static void hostile_absolute_path(void **state)
{
	struct fx *f = *state;
	char abs[256];

	sentinel_files(f, abs, sizeof(abs));
	struct spec s[] = {
		{ "ok", AE_IFREG, "fine", NULL, 0, 0 },
		{ abs, AE_IFREG, "pwned", NULL, 0, 0 },
	};

	expect_refused(f, s, 2, abs, "absolute path (refused)");
}

static void hostile_dotdot(void **state)
{
	struct fx *f = *state;
	char abs[256];

	sentinel_files(f, abs, sizeof(abs));
	/* The temporary directory sits beside the target (work/), so
	 * "../sentinel" would hit the sentinel from there. */
	struct spec s1[] = { { "../sentinel/pwned", AE_IFREG, "pwned", NULL, 0, 0 } };
	struct spec s2[] = {
		{ "a", AE_IFDIR, NULL, NULL, 0, 0 },
		{ "a/../../sentinel/pwned", AE_IFREG, "pwned", NULL, 0, 0 },
	};
	struct spec s3[] = { { "..", AE_IFDIR, NULL, NULL, 0, 0 } };

	expect_refused(f, s1, 1, "../sentinel/pwned", "'..' component (refused)");
	expect_refused(f, s2, 2, "a/../../sentinel/pwned", "'..' component (refused)");
	expect_refused(f, s3, 1, "..", "'..' component (refused)");
}

static void hostile_write_through_symlink(void **state)
{
	struct fx *f = *state;
	char abs[256];

	sentinel_files(f, abs, sizeof(abs));
	struct spec s1[] = {
		{ "lnk", AE_IFLNK, NULL, f->sent, 0, 0 },
		{ "lnk/pwned", AE_IFREG, "pwned", NULL, 0, 0 },
	};
	struct spec s2[] = {
		{ "lnk", AE_IFLNK, NULL, "../sentinel", 0, 0 },
		{ "lnk/pwned", AE_IFREG, "pwned", NULL, 0, 0 },
	};
	/* A symlink deeper down, and a directory under it. */
	struct spec s3[] = {
		{ "a", AE_IFDIR, NULL, NULL, 0, 0 },
		{ "a/b", AE_IFLNK, NULL, f->sent, 0, 0 },
		{ "a/b/c/pwned", AE_IFREG, "pwned", NULL, 0, 0 },
	};
	/* A checked directory swapped for a symlink afterwards. */
	struct spec s4[] = {
		{ "d", AE_IFDIR, NULL, NULL, 0, 0 },
		{ "d", AE_IFLNK, NULL, f->sent, 0, 0 },
		{ "d/pwned", AE_IFREG, "pwned", NULL, 0, 0 },
	};

	expect_refused(f, s1, 2, "lnk/pwned", "path goes through symlink 'lnk' (refused)");
	expect_refused(f, s2, 2, "lnk/pwned", "path goes through symlink 'lnk' (refused)");
	expect_refused(f, s3, 3, "a/b/c/pwned", "path goes through symlink 'a/b' (refused)");
	expect_refused(f, s4, 3, "d", "would replace a directory (refused)");
}

static void hostile_hard_links(void **state)
{
	struct fx *f = *state;
	char abs[256], passwd[256];

	sentinel_files(f, abs, sizeof(abs));
	snprintf(passwd, sizeof(passwd), "%s/passwd", f->sent);
	/* newc names a hard link's target by an earlier entry with the same
	 * inode number: the later entry carries the data. (A stand-in for
	 * /etc/passwd: the sentinel's.) */
	struct spec s1[] = {
		{ passwd, AE_IFREG, NULL, NULL, 7, 2 },
		{ "evil", AE_IFREG, "pwned\n", NULL, 7, 2 },
	};
	struct spec s2[] = {
		{ "../sentinel/passwd", AE_IFREG, NULL, NULL, 7, 2 },
		{ "evil", AE_IFREG, "pwned\n", NULL, 7, 2 },
	};
	/* A link to a symlink that points outside, with data to write. */
	struct spec s3[] = {
		{ "lnk", AE_IFLNK, NULL, passwd, 9, 2 },
		{ "evil", AE_IFREG, "pwned\n", NULL, 9, 2 },
	};
	/* A link to a directory. */
	struct spec s4[] = {
		{ "dir", AE_IFDIR, NULL, NULL, 11, 2 },
		{ "evil", AE_IFREG, "pwned\n", NULL, 11, 2 },
	};

	expect_refused(f, s1, 2, passwd, "absolute path (refused)");
	expect_refused(f, s2, 2, "../sentinel/passwd", "'..' component (refused)");
	expect_refused(f, s3, 2, "evil", "hard link to 'lnk', a directory or symlink (refused)");
	expect_refused(f, s4, 2, "evil", "hard link to 'dir', a directory or symlink (refused)");
}

static void hostile_odd_entries(void **state)
{
	struct fx *f = *state;
	char abs[256];

	sentinel_files(f, abs, sizeof(abs));
	struct spec s1[] = { { ".", AE_IFLNK, NULL, f->sent, 0, 0 } };
	struct spec s2[] = { { "sock", AE_IFSOCK, NULL, NULL, 0, 0 } };
	/* Control characters are escaped in the message. */
	struct spec s3[] = { { "x\033[2J/../y", AE_IFREG, "z", NULL, 0, 0 } };

	expect_refused(f, s1, 1, ".", "the root entry is not a directory (refused)");
	expect_refused(f, s2, 1, "sock", "unsupported file type (refused)");
	expect_refused(f, s3, 1, "x\\x1b[2J/../y", "'..' component (refused)");
}

/* A symlink replaced by a regular file of the same name is fine: the link
 * is removed, not written through. */
static void symlink_replaced_by_file(void **state)
{
	struct fx *f = *state;
	cfs_error_t err = { 0 };
	char abs[256], passwd[256], p[256], *before, *after;
	struct stat st;

	sentinel_files(f, abs, sizeof(abs));
	snprintf(passwd, sizeof(passwd), "%s/passwd", f->sent);
	struct spec s[] = {
		{ "lnk", AE_IFLNK, NULL, passwd, 0, 0 },
		{ "lnk", AE_IFREG, "mine\n", NULL, 0, 0 },
	};

	write_archive(f->arch, s, 2);
	before = snapshot(f->sent, true);
	assert_int_equal(cfs_image_unpack(f->arch, f->out, NULL, &err), 0);
	after = snapshot(f->sent, true);
	assert_string_equal(before, after);
	snprintf(p, sizeof(p), "%s/lnk", f->out);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 5);
	free(before);
	free(after);
}

/* ---- bad input ------------------------------------------------------------------------- */

static void expect_unpack_error(struct fx *f, const char *file, const char *msg)
{
	cfs_error_t err = { 0 };
	char *before = snapshot(f->work, false), *after;

	assert_int_equal(cfs_image_unpack(file, f->out, NULL, &err), -1);
	if (!strstr(err.msg, msg))
		fail_msg("message '%s' lacks '%s'", err.msg, msg);
	after = snapshot(f->work, false);
	assert_string_equal(before, after);
	assert_false(exists(f->out));
	free(before);
	free(after);
}

static void not_an_archive(void **state)
{
	struct fx *f = *state;
	cfs_error_t err = { 0 };
	char p[256], big[20000];
	struct stat st;

	putstr(f->base, "junk", "this is not an archive\n", 0644);
	snprintf(p, sizeof(p), "%s/junk", f->base);
	expect_unpack_error(f, p, "not a cpio archive");
	putstr(f->base, "empty", "", 0644);
	snprintf(p, sizeof(p), "%s/empty", f->base);
	expect_unpack_error(f, p, "not a cpio archive");
	/* A tar archive is no cpio archive either. */
	{
		struct archive *a = archive_write_new();
		struct archive_entry *e = archive_entry_new();

		snprintf(p, sizeof(p), "%s/x.tar", f->base);
		archive_write_set_format_pax_restricted(a);
		archive_write_open_filename(a, p);
		archive_entry_set_pathname(e, "x");
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_size(e, 0);
		archive_write_header(a, e);
		archive_entry_free(e);
		archive_write_close(a);
		archive_write_free(a);
		expect_unpack_error(f, p, "not a cpio archive");
	}
	/* Cut in the middle of a file's body. */
	memset(big, 'x', sizeof(big));
	mk(f->base, "t", 0755);
	snprintf(p, sizeof(p), "%s/t", f->base);
	put(p, "a", big, sizeof(big), 0644);
	put(p, "b", big, sizeof(big), 0644);
	snprintf(p, sizeof(p), "%s/t.cpio", f->base);
	{
		char t[256];

		snprintf(t, sizeof(t), "%s/t", f->base);
		assert_int_equal(cfs_image_pack(t, p, NULL, &err), 0);
	}
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(truncate(p, st.st_size - 15000), 0);
	expect_unpack_error(f, p, "b: ");
	/* Missing FILE, FILE a directory. */
	expect_unpack_error(f, "/nonexistent.cpio", "/nonexistent.cpio: No such file or directory");
	expect_unpack_error(f, f->base, "Is a directory");
}

static void bad_targets(void **state)
{
	struct fx *f = *state;
	cfs_error_t err = { 0 };
	char p[256];

	mk(f->base, "t", 0755);
	snprintf(p, sizeof(p), "%s/t", f->base);
	putstr(p, "f", "x", 0644);
	assert_int_equal(cfs_image_pack(p, f->arch, NULL, &err), 0);
	/* Not empty: refused, its contents untouched. */
	assert_int_equal(cfs_image_unpack(f->arch, p, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "directory not empty"));
	snprintf(p, sizeof(p), "%s/t/f", f->base);
	assert_true(exists(p));
	/* A file, a missing parent, a dangling symlink. */
	assert_int_equal(cfs_image_unpack(f->arch, p, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "Not a directory"));
	snprintf(p, sizeof(p), "%s/no/such/dir", f->base);
	assert_int_equal(cfs_image_unpack(f->arch, p, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "parent directory"));
	sym(f->base, "dangling", "nowhere");
	snprintf(p, sizeof(p), "%s/dangling", f->base);
	assert_int_equal(cfs_image_unpack(f->arch, p, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "File exists"));
	/* A trailing slash is fine. */
	snprintf(p, sizeof(p), "%s/new/", f->base);
	assert_int_equal(cfs_image_unpack(f->arch, p, NULL, &err), 0);
	snprintf(p, sizeof(p), "%s/new/f", f->base);
	assert_true(exists(p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(clean_path),
		cmocka_unit_test(comp_for_path),
		cmocka_unit_test_setup_teardown(round_trip_new_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(round_trip_existing_empty_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(every_compression, setup, teardown),
		cmocka_unit_test_setup_teardown(pack_is_deterministic_and_skips_itself, setup, teardown),
		cmocka_unit_test_setup_teardown(pack_failure_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(hostile_absolute_path, setup, teardown),
		cmocka_unit_test_setup_teardown(hostile_dotdot, setup, teardown),
		cmocka_unit_test_setup_teardown(hostile_write_through_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(hostile_hard_links, setup, teardown),
		cmocka_unit_test_setup_teardown(hostile_odd_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(symlink_replaced_by_file, setup, teardown),
		cmocka_unit_test_setup_teardown(not_an_archive, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_targets, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

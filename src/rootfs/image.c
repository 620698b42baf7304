/* image.c - cpio (newc) images of a directory tree through libarchive.
 *
 * Why the unpack side is shaped the way it is: an archive is untrusted
 * input that names paths. Every name is cleaned and checked by us first
 * (no absolute path, no "..", no component that is a symlink, hard links
 * only to an earlier non-directory, non-symlink entry, no directory
 * replaced by something else), and libarchive's SECURE_* flags check the
 * same again. Extraction runs in a child whose working directory is a
 * fresh 0700 directory that only this extraction writes to, so relative
 * names cannot reach anything else, and nobody can use a half-extracted
 * tree (say, a setuid binary) before the whole archive has been checked.
 * The finished tree is then renamed into place; on failure it is removed
 * without following any symlink in it. */
#define _GNU_SOURCE
#include "image.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/util.h"

#define IO_CHUNK (64 * 1024)
/* Every number in a newc header is 8 hex digits. */
#define NEWC_MAX 0xffffffffLL
#define TEMP_PREFIX ".cfsnet-unpack."

/* ---- libarchive, loaded when first needed -------------------------------- */

/* libarchive pulls in ICU, libxml2 and libstdc++: linked into cfsnet it
 * would cost every command (up, down, ...) about 3 ms of start-up. It is
 * loaded here instead, the first time an image is packed or unpacked. The
 * names below are then calls through the table, so the code reads as plain
 * libarchive. */
#define CFS_ARCHIVE_SONAME "libarchive.so.13"
#define CFS_ARCHIVE_FUNCS(X) \
	X(archive_entry_copy_hardlink) \
	X(archive_entry_copy_pathname) \
	X(archive_entry_copy_sourcepath) \
	X(archive_entry_copy_stat) \
	X(archive_entry_copy_symlink) \
	X(archive_entry_filetype) \
	X(archive_entry_free) \
	X(archive_entry_gid) \
	X(archive_entry_hardlink) \
	X(archive_entry_ino64) \
	X(archive_entry_linkify) \
	X(archive_entry_linkresolver_free) \
	X(archive_entry_linkresolver_new) \
	X(archive_entry_linkresolver_set_strategy) \
	X(archive_entry_mtime) \
	X(archive_entry_mtime_nsec) \
	X(archive_entry_new) \
	X(archive_entry_pathname) \
	X(archive_entry_perm) \
	X(archive_entry_set_dev) \
	X(archive_entry_set_ino) \
	X(archive_entry_set_nlink) \
	X(archive_entry_set_size) \
	X(archive_entry_size) \
	X(archive_entry_sourcepath) \
	X(archive_entry_uid) \
	X(archive_errno) \
	X(archive_error_string) \
	X(archive_read_data_block) \
	X(archive_read_free) \
	X(archive_read_new) \
	X(archive_read_next_header) \
	X(archive_read_open_fd) \
	X(archive_read_support_filter_bzip2) \
	X(archive_read_support_filter_gzip) \
	X(archive_read_support_filter_xz) \
	X(archive_read_support_filter_zstd) \
	X(archive_read_support_format_cpio) \
	X(archive_write_add_filter_bzip2) \
	X(archive_write_add_filter_gzip) \
	X(archive_write_add_filter_none) \
	X(archive_write_add_filter_xz) \
	X(archive_write_add_filter_zstd) \
	X(archive_write_close) \
	X(archive_write_data) \
	X(archive_write_data_block) \
	X(archive_write_disk_new) \
	X(archive_write_disk_set_options) \
	X(archive_write_finish_entry) \
	X(archive_write_free) \
	X(archive_write_header) \
	X(archive_write_new) \
	X(archive_write_open_fd) \
	X(archive_write_set_bytes_in_last_block) \
	X(archive_write_set_format_cpio_newc)

static struct {
#define X(f) __typeof__(&f) f;
	CFS_ARCHIVE_FUNCS(X)
#undef X
} cfs_la;

static int archive_load(cfs_error_t *err)
{
	static bool loaded;
	void *h;

	if (loaded)
		return 0;
	h = dlopen(CFS_ARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		h = dlopen("libarchive.so", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return cfs_fail(err, 0, "loading libarchive (package libarchive13): %s",
				dlerror());
#define X(f)                                                                 \
	if (!(*(void **)&cfs_la.f = dlsym(h, #f)))                           \
		return cfs_fail(err, 0, "loading libarchive: no symbol %s", #f);
	CFS_ARCHIVE_FUNCS(X)
#undef X
	loaded = true;
	return 0;
}

#define archive_entry_copy_hardlink (*cfs_la.archive_entry_copy_hardlink)
#define archive_entry_copy_pathname (*cfs_la.archive_entry_copy_pathname)
#define archive_entry_copy_sourcepath (*cfs_la.archive_entry_copy_sourcepath)
#define archive_entry_copy_stat (*cfs_la.archive_entry_copy_stat)
#define archive_entry_copy_symlink (*cfs_la.archive_entry_copy_symlink)
#define archive_entry_filetype (*cfs_la.archive_entry_filetype)
#define archive_entry_free (*cfs_la.archive_entry_free)
#define archive_entry_gid (*cfs_la.archive_entry_gid)
#define archive_entry_hardlink (*cfs_la.archive_entry_hardlink)
#define archive_entry_ino64 (*cfs_la.archive_entry_ino64)
#define archive_entry_linkify (*cfs_la.archive_entry_linkify)
#define archive_entry_linkresolver_free (*cfs_la.archive_entry_linkresolver_free)
#define archive_entry_linkresolver_new (*cfs_la.archive_entry_linkresolver_new)
#define archive_entry_linkresolver_set_strategy (*cfs_la.archive_entry_linkresolver_set_strategy)
#define archive_entry_mtime (*cfs_la.archive_entry_mtime)
#define archive_entry_mtime_nsec (*cfs_la.archive_entry_mtime_nsec)
#define archive_entry_new (*cfs_la.archive_entry_new)
#define archive_entry_pathname (*cfs_la.archive_entry_pathname)
#define archive_entry_perm (*cfs_la.archive_entry_perm)
#define archive_entry_set_dev (*cfs_la.archive_entry_set_dev)
#define archive_entry_set_ino (*cfs_la.archive_entry_set_ino)
#define archive_entry_set_nlink (*cfs_la.archive_entry_set_nlink)
#define archive_entry_set_size (*cfs_la.archive_entry_set_size)
#define archive_entry_size (*cfs_la.archive_entry_size)
#define archive_entry_sourcepath (*cfs_la.archive_entry_sourcepath)
#define archive_entry_uid (*cfs_la.archive_entry_uid)
#define archive_errno (*cfs_la.archive_errno)
#define archive_error_string (*cfs_la.archive_error_string)
#define archive_read_data_block (*cfs_la.archive_read_data_block)
#define archive_read_free (*cfs_la.archive_read_free)
#define archive_read_new (*cfs_la.archive_read_new)
#define archive_read_next_header (*cfs_la.archive_read_next_header)
#define archive_read_open_fd (*cfs_la.archive_read_open_fd)
#define archive_read_support_filter_bzip2 (*cfs_la.archive_read_support_filter_bzip2)
#define archive_read_support_filter_gzip (*cfs_la.archive_read_support_filter_gzip)
#define archive_read_support_filter_xz (*cfs_la.archive_read_support_filter_xz)
#define archive_read_support_filter_zstd (*cfs_la.archive_read_support_filter_zstd)
#define archive_read_support_format_cpio (*cfs_la.archive_read_support_format_cpio)
#define archive_write_add_filter_bzip2 (*cfs_la.archive_write_add_filter_bzip2)
#define archive_write_add_filter_gzip (*cfs_la.archive_write_add_filter_gzip)
#define archive_write_add_filter_none (*cfs_la.archive_write_add_filter_none)
#define archive_write_add_filter_xz (*cfs_la.archive_write_add_filter_xz)
#define archive_write_add_filter_zstd (*cfs_la.archive_write_add_filter_zstd)
#define archive_write_close (*cfs_la.archive_write_close)
#define archive_write_data (*cfs_la.archive_write_data)
#define archive_write_data_block (*cfs_la.archive_write_data_block)
#define archive_write_disk_new (*cfs_la.archive_write_disk_new)
#define archive_write_disk_set_options (*cfs_la.archive_write_disk_set_options)
#define archive_write_finish_entry (*cfs_la.archive_write_finish_entry)
#define archive_write_free (*cfs_la.archive_write_free)
#define archive_write_header (*cfs_la.archive_write_header)
#define archive_write_new (*cfs_la.archive_write_new)
#define archive_write_open_fd (*cfs_la.archive_write_open_fd)
#define archive_write_set_bytes_in_last_block (*cfs_la.archive_write_set_bytes_in_last_block)
#define archive_write_set_format_cpio_newc (*cfs_la.archive_write_set_format_cpio_newc)

/* ---- small helpers ----------------------------------------------------------- */

/* An entry name fit for a message: bytes outside printable ASCII become
 * \xNN, so a hostile name cannot rewrite the user's terminal. */
static const char *shown(const char *s, char *buf, size_t size)
{
	size_t o = 0;

	for (; *s && o + 8 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
	}
	if (*s)
		o += (size_t)snprintf(buf + o, size - o, "...");
	buf[o] = '\0';
	return buf;
}

static mode_t current_umask(void)
{
	mode_t m = umask(022);

	umask(m);
	return m;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcasecmp(s + n - m, suffix);
}

enum cfs_image_comp cfs_image_comp_for_path(const char *file)
{
	if (ends_with(file, ".cpio"))
		return CFS_IMAGE_NONE;
	if (ends_with(file, ".bz2"))
		return CFS_IMAGE_BZIP2;
	if (ends_with(file, ".xz"))
		return CFS_IMAGE_XZ;
	if (ends_with(file, ".zst") || ends_with(file, ".zstd"))
		return CFS_IMAGE_ZSTD;
	return CFS_IMAGE_GZIP;
}

const char *cfs_image_comp_name(enum cfs_image_comp c)
{
	switch (c) {
	case CFS_IMAGE_NONE: return "none";
	case CFS_IMAGE_GZIP: return "gzip";
	case CFS_IMAGE_BZIP2: return "bzip2";
	case CFS_IMAGE_XZ: return "xz";
	case CFS_IMAGE_ZSTD: return "zstd";
	}
	return "?";
}

static int add_write_filter(struct archive *a, enum cfs_image_comp c)
{
	switch (c) {
	case CFS_IMAGE_NONE: return archive_write_add_filter_none(a);
	case CFS_IMAGE_GZIP: return archive_write_add_filter_gzip(a);
	case CFS_IMAGE_BZIP2: return archive_write_add_filter_bzip2(a);
	case CFS_IMAGE_XZ: return archive_write_add_filter_xz(a);
	case CFS_IMAGE_ZSTD: return archive_write_add_filter_zstd(a);
	}
	return ARCHIVE_FATAL;
}

/* ARCHIVE_WARN from add_filter means "through an external program": that
 * still writes the format, so it counts as supported. */
bool cfs_image_comp_supported(enum cfs_image_comp c)
{
	struct archive *a;
	int r;

	if (archive_load(NULL) < 0)
		return false;
	a = archive_write_new();
	if (!a)
		return false;
	r = add_write_filter(a, c);
	archive_write_free(a);
	return r >= ARCHIVE_WARN;
}

int cfs_image_clean_path(const char *name, char *out, size_t size,
			 const char **why)
{
	const char *p = name;
	size_t o = 0;

	if (size == 0) {
		*why = "name too long";
		return -1;
	}
	if (!*name) {
		*why = "empty name";
		return -1;
	}
	if (*name == '/') {
		*why = "absolute path";
		return -1;
	}
	while (*p) {
		const char *c = p;
		size_t len;

		while (*p && *p != '/')
			p++;
		len = (size_t)(p - c);
		while (*p == '/')
			p++;
		if (len == 0 || (len == 1 && c[0] == '.'))
			continue;
		if (len == 2 && c[0] == '.' && c[1] == '.') {
			*why = "'..' component";
			return -1;
		}
		if (o + (o ? 1 : 0) + len + 1 > size) {
			*why = "name too long";
			return -1;
		}
		if (o)
			out[o++] = '/';
		memcpy(out + o, c, len);
		o += len;
	}
	out[o] = '\0';
	return 0;
}

/* Removes NAME under AT and everything below it, never following a
 * symlink. Best effort: it runs on failure paths, where the error that
 * matters is already recorded. */
static void remove_tree_at(int at, const char *name)
{
	struct stat st;
	int fd;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlinkat(at, name, 0);
		return;
	}
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		DIR *d;
		bool again = true;

		/* A directory the archive made read-only must be writable
		 * again before it can be emptied. */
		if (fchmod(fd, 0700) < 0) {
			/* rmdir below reports what matters */
		}
		d = fdopendir(fd);
		if (!d) {
			close(fd);
		} else {
			/* Another pass after removals: readdir need not
			 * return every entry while the directory changes. */
			while (again) {
				struct dirent *de;

				again = false;
				rewinddir(d);
				while ((de = readdir(d))) {
					if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
						continue;
					remove_tree_at(dirfd(d), de->d_name);
					again = true;
				}
			}
			closedir(d);
		}
	}
	unlinkat(at, name, AT_REMOVEDIR);
}

/* Creates a 0700 directory "<prefix><random>" under AT. */
static int make_temp_dir(int at, const char *where, char *name, size_t size,
			 cfs_error_t *err)
{
	for (int i = 0; i < 100; i++) {
		unsigned char r[6];

		if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
			unsigned long v = (unsigned long)getpid() * 2654435761UL ^
					  (unsigned long)time(NULL) ^ (unsigned long)i;

			memcpy(r, &v, sizeof(r));
		}
		snprintf(name, size, TEMP_PREFIX "%02x%02x%02x%02x%02x%02x", r[0], r[1],
			 r[2], r[3], r[4], r[5]);
		if (mkdirat(at, name, 0700) == 0)
			return 0;
		if (errno != EEXIST)
			return cfs_fail(err, errno, "creating a temporary directory in %s", where);
	}
	return cfs_fail(err, EEXIST, "creating a temporary directory in %s", where);
}

/* ---- pack ---------------------------------------------------------------------- */

/* Identity of a multiply-linked inode seen during the walk. */
struct inode_key {
	dev_t dev;
	ino_t ino;
	uint32_t id;
};

struct inode_id {
	dev_t dev;
	ino_t ino;
};

struct packer {
	struct archive *a;
	struct archive_entry_linkresolver *links;
	int rootfd;
	struct inode_id skip[2]; /* the temporary FILE, and an old FILE */
	int nskip;
	void *seen;              /* tsearch tree of struct inode_key */
	/* Archive inode numbers are our own, 1, 2, 3, ...: the host's may
	 * not fit the 8 hex digits of newc (and a truncated one could make
	 * two files look like hard links). ids[n - 1] is number n's real
	 * identity, checked again when the file's body is read. */
	struct inode_id *ids;
	size_t nids, capids;
	struct cfs_image_stats *st;
	char *buf;
	cfs_error_t *err;
	char path[PATH_MAX];     /* the current entry, relative to DIR */
};

static int key_cmp(const void *a, const void *b)
{
	const struct inode_key *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

static int pack_fail_name(struct packer *p, const char *name, int errnum, const char *why)
{
	char b[512];

	return cfs_fail(p->err, errnum, "%s%s%s", shown(name, b, sizeof(b)),
			why ? ": " : "", why ? why : "");
}

/* A failure of the entry the walk is at. */
static int pack_fail(struct packer *p, int errnum, const char *why)
{
	return pack_fail_name(p, p->path, errnum, why);
}

static int pack_fail_archive(struct packer *p, const char *name, const char *what)
{
	char b[512];

	return cfs_fail(p->err, 0, "%s: %s: %s", shown(name, b, sizeof(b)), what,
			archive_error_string(p->a) ? archive_error_string(p->a) : "libarchive error");
}

/* The archive inode number for st; *again when st is a further link of a
 * file already seen. */
static int assign_id(struct packer *p, const struct stat *st, uint32_t *id, bool *again)
{
	struct inode_key key = { st->st_dev, st->st_ino, 0 }, *k, **found;

	*again = false;
	if (p->nids == p->capids) {
		size_t cap = p->capids ? p->capids * 2 : 256;
		struct inode_id *n = realloc(p->ids, cap * sizeof(*n));

		if (!n)
			return pack_fail(p, ENOMEM, NULL);
		p->ids = n;
		p->capids = cap;
	}
	/* Directories and symlinks are never stored as hard links. */
	if (!S_ISDIR(st->st_mode) && !S_ISLNK(st->st_mode) && st->st_nlink > 1) {
		found = tfind(&key, &p->seen, key_cmp);
		if (found) {
			*id = (*found)->id;
			*again = true;
			return 0;
		}
	}
	if ((long long)p->nids >= NEWC_MAX)
		return pack_fail(p, 0, "too many entries for cpio newc");
	p->ids[p->nids].dev = st->st_dev;
	p->ids[p->nids].ino = st->st_ino;
	*id = (uint32_t)++p->nids;
	if (!S_ISDIR(st->st_mode) && !S_ISLNK(st->st_mode) && st->st_nlink > 1) {
		k = malloc(sizeof(*k));
		if (!k)
			return pack_fail(p, ENOMEM, NULL);
		*k = key;
		k->id = *id;
		if (!tsearch(k, &p->seen, key_cmp)) {
			free(k);
			return pack_fail(p, ENOMEM, NULL);
		}
	}
	return 0;
}

/* Copies the body of a regular file entry, reopened by its path below DIR
 * and checked to be the same inode that was walked. */
static int write_body(struct packer *p, struct archive_entry *e)
{
	const char *src = archive_entry_sourcepath(e);
	int64_t left = archive_entry_size(e);
	uint32_t id = (uint32_t)archive_entry_ino64(e);
	cleanup_close int fd = -1;
	struct stat st;

	fd = openat(p->rootfd, src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return pack_fail_name(p, src, errno, NULL);
	if (fstat(fd, &st) < 0)
		return pack_fail_name(p, src, errno, NULL);
	if (!S_ISREG(st.st_mode) || id == 0 || id > p->nids ||
	    st.st_dev != p->ids[id - 1].dev || st.st_ino != p->ids[id - 1].ino)
		return pack_fail_name(p, src, 0, "replaced while being packed");
	while (left > 0) {
		size_t want = left < IO_CHUNK ? (size_t)left : IO_CHUNK;
		ssize_t n = read(fd, p->buf, want);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return pack_fail_name(p, src, errno, NULL);
		}
		if (n == 0)
			return pack_fail_name(p, src, 0, "file shrank while being packed");
		if (archive_write_data(p->a, p->buf, (size_t)n) != n)
			return pack_fail_archive(p, src, "writing");
		left -= n;
		p->st->bytes += (uint64_t)n;
	}
	return 0;
}

static int write_entry(struct packer *p, struct archive_entry *e)
{
	/* Our inode numbers and checked sizes and times leave libarchive no
	 * reason to warn: a warning would mean a value was mangled. */
	if (archive_write_header(p->a, e) != ARCHIVE_OK)
		return pack_fail_archive(p, archive_entry_pathname(e), "writing");
	p->st->entries++;
	if (archive_entry_filetype(e) == AE_IFREG && archive_entry_size(e) > 0)
		return write_body(p, e);
	return 0;
}

/* Builds the entry for p->path (NAME under DFD, stat st) and hands it to
 * the link resolver, which may hold it back (newc stores a file's body
 * with its last link) or hand back an earlier one. */
static int add_entry(struct packer *p, int dfd, const char *name, const struct stat *st)
{
	struct archive_entry *e, *spare = NULL;
	char target[PATH_MAX];
	bool again;
	uint32_t id = 0;
	int r = 0;

	if (S_ISREG(st->st_mode) && st->st_size > NEWC_MAX)
		return pack_fail(p, 0, "larger than cpio newc can store (4 GiB)");
	if (st->st_mtime < 0 || st->st_mtime > NEWC_MAX)
		return pack_fail(p, 0, "modification time outside what cpio newc can "
				 "store (1970 to 2106)");
	if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlinkat(dfd, name, target, sizeof(target));

		if (n < 0)
			return pack_fail(p, errno, NULL);
		if ((size_t)n >= sizeof(target))
			return pack_fail(p, ENAMETOOLONG, "symlink target");
		target[n] = '\0';
	}
	if (assign_id(p, st, &id, &again) < 0)
		return -1;
	e = archive_entry_new();
	if (!e)
		return pack_fail(p, ENOMEM, NULL);
	archive_entry_copy_stat(e, st);
	archive_entry_copy_pathname(e, p->path);
	archive_entry_copy_sourcepath(e, p->path);
	archive_entry_set_dev(e, 0);
	archive_entry_set_ino(e, id);
	if (!S_ISREG(st->st_mode))
		archive_entry_set_size(e, 0);
	if (S_ISLNK(st->st_mode)) {
		archive_entry_copy_symlink(e, target);
		archive_entry_set_nlink(e, 1);
	}

	if (S_ISREG(st->st_mode))
		p->st->files++;
	else if (S_ISDIR(st->st_mode))
		p->st->dirs++;
	else if (S_ISLNK(st->st_mode))
		p->st->symlinks++;
	else if (S_ISFIFO(st->st_mode))
		p->st->fifos++;
	else
		p->st->devices++;
	if (again)
		p->st->hardlinks++;

	archive_entry_linkify(p->links, &e, &spare);
	if (e)
		r = write_entry(p, e);
	if (spare && r == 0)
		r = write_entry(p, spare);
	archive_entry_free(e);
	archive_entry_free(spare);
	return r;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in directory DFD, sorted: the same tree always gives the same
 * archive. */
static int list_dir(struct packer *p, int dfd, char ***out, size_t *count)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);

	if (fd < 0 || !(d = fdopendir(fd))) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return pack_fail(p, e, NULL);
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 32) * sizeof(*nn));

			if (!nn)
				goto nomem;
			names = nn;
		}
		if (!(names[n] = strdup(de->d_name)))
			goto nomem;
		n++;
	}
	if (errno) {
		int e = errno;

		closedir(d);
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return pack_fail(p, e, NULL);
	}
	closedir(d);
	if (n) /* qsort's array must not be NULL, even when empty */
		qsort(names, n, sizeof(*names), name_cmp);
	*out = names;
	*count = n;
	return 0;
nomem:
	closedir(d);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return pack_fail(p, ENOMEM, NULL);
}

static bool skipped(const struct packer *p, const struct stat *st)
{
	for (int i = 0; i < p->nskip; i++)
		if (p->skip[i].dev == st->st_dev && p->skip[i].ino == st->st_ino)
			return true;
	return false;
}

static int pack_dir(struct packer *p, int dfd, size_t plen);

static int pack_one(struct packer *p, int dfd, const char *name, size_t plen)
{
	size_t len = strlen(name), off = plen ? plen + 1 : 0;
	cleanup_close int fd = -1;
	struct stat st, st2;

	if (off + len >= sizeof(p->path)) {
		p->path[plen] = '\0';
		return pack_fail(p, ENAMETOOLONG, name);
	}
	if (plen)
		p->path[plen] = '/';
	memcpy(p->path + off, name, len + 1);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return pack_fail(p, errno, NULL);
	if (skipped(p, &st))
		return 0;
	if (S_ISSOCK(st.st_mode)) {
		/* Nothing can recreate a socket without its server. */
		p->st->sockets++;
		return 0;
	}
	if (add_entry(p, dfd, name, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return 0;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return pack_fail(p, errno, NULL);
	if (fstat(fd, &st2) < 0)
		return pack_fail(p, errno, NULL);
	if (st2.st_dev != st.st_dev || st2.st_ino != st.st_ino)
		return pack_fail(p, 0, "replaced while being packed");
	return pack_dir(p, fd, off + len);
}

static int pack_dir(struct packer *p, int dfd, size_t plen)
{
	char **names = NULL;
	size_t n = 0;
	int r = 0;

	if (list_dir(p, dfd, &names, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (r == 0)
			r = pack_one(p, dfd, names[i], plen);
		free(names[i]);
	}
	free(names);
	return r;
}

/* Everything: DIR itself as ".", its tree, then the links the resolver
 * still holds (files with links outside DIR). */
static int pack_all(struct packer *p)
{
	struct archive_entry *e, *spare;
	struct stat st;
	int r = 0;

	strcpy(p->path, ".");
	if (fstat(p->rootfd, &st) < 0)
		return pack_fail(p, errno, NULL);
	if (add_entry(p, p->rootfd, ".", &st) < 0 || pack_dir(p, p->rootfd, 0) < 0)
		return -1;
	for (;;) {
		e = NULL;
		archive_entry_linkify(p->links, &e, &spare);
		if (!e)
			break;
		r = write_entry(p, e);
		archive_entry_free(e);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* "<dir of FILE>/.<base of FILE>.XXXXXX": beside FILE, so the final rename
 * stays on one file system. */
static int temp_name_for(const char *file, char *tmp, size_t size, cfs_error_t *err)
{
	const char *slash = strrchr(file, '/');
	const char *base = slash ? slash + 1 : file;
	int dlen = slash ? (int)(slash - file) + 1 : 0;

	if (!*base)
		return cfs_fail(err, EISDIR, "%s", file);
	if ((size_t)snprintf(tmp, size, "%.*s.%s.XXXXXX", dlen, file, base) >= size)
		return cfs_fail(err, ENAMETOOLONG, "%s", file);
	return 0;
}

static int open_archive_writer(struct packer *p, int fd, enum cfs_image_comp c,
			       const char *file)
{
	p->a = archive_write_new();
	if (!p->a)
		return cfs_fail(p->err, ENOMEM, "writing %s", file);
	if (archive_write_set_format_cpio_newc(p->a) != ARCHIVE_OK)
		return cfs_fail(p->err, 0, "writing %s: %s", file, archive_error_string(p->a));
	if (add_write_filter(p->a, c) < ARCHIVE_WARN)
		return cfs_fail(p->err, 0, "writing %s: %s compression is not available: %s", file,
				cfs_image_comp_name(c), archive_error_string(p->a));
	/* No zero padding after the compressed stream (decompressors would
	 * call it trailing garbage). */
	if (archive_write_set_bytes_in_last_block(p->a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(p->a, fd) != ARCHIVE_OK)
		return cfs_fail(p->err, 0, "writing %s: %s", file, archive_error_string(p->a));
	p->links = archive_entry_linkresolver_new();
	p->buf = malloc(IO_CHUNK);
	if (!p->links || !p->buf)
		return cfs_fail(p->err, ENOMEM, "writing %s", file);
	archive_entry_linkresolver_set_strategy(p->links, ARCHIVE_FORMAT_CPIO_SVR4_NOCRC);
	return 0;
}

static void close_packer(struct packer *p)
{
	if (p->links) {
		/* Drain what the resolver still holds (after a failure) before
		 * freeing it: libarchive < 3.8's linkresolver_free frees held
		 * entries twice (libarchive PR #2957). */
		for (;;) {
			struct archive_entry *e = NULL, *spare;

			archive_entry_linkify(p->links, &e, &spare);
			if (!e)
				break;
			archive_entry_free(e);
		}
		archive_entry_linkresolver_free(p->links);
	}
	if (p->a)
		archive_write_free(p->a);
	tdestroy(p->seen, free);
	free(p->ids);
	free(p->buf);
}

int cfs_image_pack(const char *dir, const char *file, struct cfs_image_stats *stats,
		   cfs_error_t *err)
{
	struct cfs_image_stats local;
	struct packer p = { .err = err, .rootfd = -1 };
	cleanup_close int rootfd = -1;
	cleanup_close int fd = -1;

	if (archive_load(err) < 0)
		return -1;
	char tmp[PATH_MAX];
	struct stat st;
	int r = -1;

	p.st = stats ? stats : &local;
	memset(p.st, 0, sizeof(*p.st));
	rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return cfs_fail(err, errno, "%s", dir);
	if (stat(file, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return cfs_fail(err, EISDIR, "%s", file);
		/* An old FILE inside DIR is not packed into the new one. */
		p.skip[p.nskip++] = (struct inode_id){ st.st_dev, st.st_ino };
	}
	if (temp_name_for(file, tmp, sizeof(tmp), err) < 0)
		return -1;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return cfs_fail(err, errno, "creating %s", file);
	if (fstat(fd, &st) < 0 || fchmod(fd, 0666 & ~current_umask()) < 0) {
		cfs_fail(err, errno, "creating %s", file);
		goto out;
	}
	p.skip[p.nskip++] = (struct inode_id){ st.st_dev, st.st_ino };
	p.rootfd = rootfd;
	if (open_archive_writer(&p, fd, cfs_image_comp_for_path(file), file) < 0 ||
	    pack_all(&p) < 0)
		goto out;
	/* close writes the trailer and flushes the compressor. */
	if (archive_write_close(p.a) != ARCHIVE_OK) {
		cfs_fail(err, archive_errno(p.a) > 0 ? archive_errno(p.a) : 0, "writing %s: %s",
			 file, archive_error_string(p.a));
		goto out;
	}
	if (fsync(fd) < 0 || close(cfs_steal_fd(&fd)) < 0) {
		cfs_fail(err, errno, "writing %s", file);
		goto out;
	}
	if (rename(tmp, file) < 0) {
		cfs_fail(err, errno, "renaming %s to %s", tmp, file);
		goto out;
	}
	r = 0;
out:
	close_packer(&p);
	if (r < 0)
		unlink(tmp);
	return r;
}

/* ---- unpack ------------------------------------------------------------------- */

/* The archive's entry for DIR itself ("." or "./"), applied by the parent
 * to the final directory. */
struct root_meta {
	bool present;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	struct timespec mtime;
};

/* What the extracting child sends back through its pipe (well under
 * PIPE_BUF, so one atomic write). */
struct child_report {
	int rc;
	cfs_error_t err;
	struct cfs_image_stats st;
	struct root_meta root;
};

/* "<entry>: <fmt with arg>", both names escaped for display. */
static int entry_fail(cfs_error_t *err, const char *raw, const char *fmt, const char *arg)
{
	char b[384], a[256], m[384];

	snprintf(m, sizeof(m), fmt, arg ? shown(arg, a, sizeof(a)) : "");
	return cfs_fail(err, 0, "%s: %s", shown(raw, b, sizeof(b)), m);
}

/* Every proper prefix of NAME (relative to the working directory) that
 * exists must be a real directory: no write may go through a symlink. */
static int check_parents(const char *name, const char *raw, cfs_error_t *err)
{
	char buf[PATH_MAX], b[512];
	struct stat st;

	snprintf(buf, sizeof(buf), "%s", name);
	for (char *s = strchr(buf, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (fstatat(AT_FDCWD, buf, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				return 0;
			return cfs_fail(err, errno, "%s: checking %s", shown(raw, b, sizeof(b)), buf);
		}
		if (S_ISLNK(st.st_mode))
			return entry_fail(err, raw, "path goes through symlink '%s' (refused)", buf);
		if (!S_ISDIR(st.st_mode))
			return entry_fail(err, raw, "'%s' is not a directory (refused)", buf);
		*s = '/';
	}
	return 0;
}

static bool type_ok(mode_t t)
{
	return t == AE_IFREG || t == AE_IFDIR || t == AE_IFLNK || t == AE_IFCHR ||
	       t == AE_IFBLK || t == AE_IFIFO;
}

/* The checks of one entry, before anything is written for it. NAME and
 * LINK are the cleaned entry and hard-link names ("" for the root). */
static int check_entry(struct archive_entry *e, const char *raw, char *name, size_t nsize,
		       char *link, size_t lsize, cfs_error_t *err)
{
	const char *hl = archive_entry_hardlink(e), *why;
	mode_t type = archive_entry_filetype(e);
	struct stat st;

	if (cfs_image_clean_path(raw, name, nsize, &why) < 0) {
		char f[64];

		snprintf(f, sizeof(f), "%s (refused)", why);
		return entry_fail(err, raw, f, NULL);
	}
	*link = '\0';
	if (hl) {
		char f[128];

		if (cfs_image_clean_path(hl, link, lsize, &why) < 0) {
			snprintf(f, sizeof(f), "hard link to '%%s': %s (refused)", why);
			return entry_fail(err, raw, f, hl);
		}
		if (!*link)
			return entry_fail(err, raw, "hard link to the root (refused)", NULL);
	} else if (!type_ok(type)) {
		return entry_fail(err, raw, "unsupported file type (refused)", NULL);
	}
	if (!*name) {
		if (hl || type != AE_IFDIR)
			return entry_fail(err, raw, "the root entry is not a directory (refused)", NULL);
		return 0;
	}
	if (check_parents(name, raw, err) < 0)
		return -1;
	if (hl) {
		if (check_parents(link, raw, err) < 0)
			return -1;
		if (fstatat(AT_FDCWD, link, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return entry_fail(err, raw, "hard link to '%s', which is no earlier entry "
					  "(refused)", link);
		if (S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode))
			return entry_fail(err, raw, "hard link to '%s', a directory or symlink "
					  "(refused)", link);
	}
	/* A directory never turns into something else: that is how a later
	 * entry would swap a checked directory for a symlink. */
	if ((hl || type != AE_IFDIR) && fstatat(AT_FDCWD, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode))
		return entry_fail(err, raw, "would replace a directory (refused)", NULL);
	return 0;
}

static void count(struct cfs_image_stats *s, struct archive_entry *e)
{
	mode_t t = archive_entry_filetype(e);

	s->entries++;
	if (archive_entry_hardlink(e)) {
		s->hardlinks++;
		s->files++;
	} else if (t == AE_IFREG) {
		s->files++;
	} else if (t == AE_IFDIR) {
		s->dirs++;
	} else if (t == AE_IFLNK) {
		s->symlinks++;
	} else if (t == AE_IFIFO) {
		s->fifos++;
	} else {
		s->devices++;
	}
}

static int extract_entry(struct archive *in, struct archive *out, struct archive_entry *e,
			 struct child_report *rep)
{
	const char *raw = archive_entry_pathname(e);
	char name[PATH_MAX], link[PATH_MAX], b[512];
	cfs_error_t *err = &rep->err;
	int r;

	if (!raw)
		return cfs_fail(err, 0, "an entry without a usable name (refused)");
	if (check_entry(e, raw, name, sizeof(name), link, sizeof(link), err) < 0)
		return -1;
	if (!*name) {
		rep->root.present = true;
		rep->root.mode = archive_entry_perm(e);
		rep->root.uid = (uid_t)archive_entry_uid(e);
		rep->root.gid = (gid_t)archive_entry_gid(e);
		rep->root.mtime.tv_sec = archive_entry_mtime(e);
		rep->root.mtime.tv_nsec = archive_entry_mtime_nsec(e);
		count(&rep->st, e);
		return 0;
	}
	shown(raw, b, sizeof(b));
	archive_entry_copy_pathname(e, name);
	if (*link)
		archive_entry_copy_hardlink(e, link);
	/* A warning here (say, an owner or time that could not be set)
	 * means the copy would not be faithful: treated as a failure. */
	if (archive_write_header(out, e) != ARCHIVE_OK)
		return cfs_fail(err, 0, "%s: %s", b, archive_error_string(out));
	if (archive_entry_size(e) > 0 && (*link || archive_entry_filetype(e) == AE_IFREG)) {
		for (;;) {
			const void *buf;
			size_t size;
			la_int64_t off;

			r = archive_read_data_block(in, &buf, &size, &off);
			if (r == ARCHIVE_EOF)
				break;
			if (r != ARCHIVE_OK)
				return cfs_fail(err, 0, "%s: reading: %s", b, archive_error_string(in));
			if (archive_write_data_block(out, buf, size, off) != ARCHIVE_OK)
				return cfs_fail(err, 0, "%s: %s", b, archive_error_string(out));
			rep->st.bytes += size;
		}
	}
	if (archive_write_finish_entry(out) != ARCHIVE_OK)
		return cfs_fail(err, 0, "%s: %s", b, archive_error_string(out));
	count(&rep->st, e);
	return 0;
}

/* Runs in the child, in the temporary directory. */
static int extract(int infd, struct child_report *rep)
{
	int flags = ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
		    ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
		    ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;
	struct archive *in = archive_read_new(), *out = archive_write_disk_new();
	cfs_error_t *err = &rep->err;
	struct archive_entry *e;
	char last[PATH_MAX] = "";
	int r = -1;

	if (!in || !out) {
		cfs_fail(err, ENOMEM, "reading the archive");
		goto done;
	}
	/* Owners are numeric (newc has no names) and only root may set them. */
	if (geteuid() == 0)
		flags |= ARCHIVE_EXTRACT_OWNER;
	/* Only cpio, and only these compressions: a small surface for input
	 * nobody vouched for. (A WARN means "through an external program".) */
	archive_read_support_format_cpio(in);
	archive_read_support_filter_gzip(in);
	archive_read_support_filter_bzip2(in);
	archive_read_support_filter_xz(in);
	archive_read_support_filter_zstd(in);
	archive_write_disk_set_options(out, flags);
	if (archive_read_open_fd(in, infd, IO_CHUNK) != ARCHIVE_OK) {
		cfs_fail(err, 0, "not a cpio archive (plain, gzip, bzip2, xz or zstd): %s",
			 archive_error_string(in));
		goto done;
	}
	for (;;) {
		int h = archive_read_next_header(in, &e);

		if (h == ARCHIVE_EOF)
			break;
		/* A warning while reading a header means skipped garbage or a
		 * damaged header: not something to build a rootfs from. */
		if (h != ARCHIVE_OK) {
			char b[512];

			if (!*last)
				cfs_fail(err, 0, "not a cpio archive (plain, gzip, bzip2, xz or zstd): %s",
					 archive_error_string(in));
			else
				cfs_fail(err, 0, "damaged archive after entry %s: %s",
					 shown(last, b, sizeof(b)), archive_error_string(in));
			goto done;
		}
		snprintf(last, sizeof(last), "%s", archive_entry_pathname(e) ? archive_entry_pathname(e) : "?");
		if (extract_entry(in, out, e, rep) < 0)
			goto done;
	}
	/* close applies what libarchive defers: directory modes and times. */
	if (archive_write_close(out) != ARCHIVE_OK) {
		cfs_fail(err, 0, "finishing: %s", archive_error_string(out));
		goto done;
	}
	r = 0;
done:
	if (out)
		archive_write_free(out);
	if (in)
		archive_read_free(in);
	return r;
}

static ssize_t full_io(int fd, void *buf, size_t len, bool writing)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = writing ? write(fd, (char *)buf + off, len - off)
				    : read(fd, (char *)buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		off += (size_t)n;
	}
	return (ssize_t)off;
}

/* Extracts INFD into the directory TMPFD in a child process: the working
 * directory that libarchive's relative names resolve against is the
 * child's alone. */
static int run_extract(int infd, int tmpfd, struct child_report *rep, cfs_error_t *err)
{
	int pfd[2], status;
	ssize_t n;
	pid_t pid;

	memset(rep, 0, sizeof(*rep));
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return cfs_fail(err, errno, "creating a pipe");
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(pfd[0]);
		close(pfd[1]);
		return cfs_fail(err, e, "forking");
	}
	if (pid == 0) {
		struct child_report r;

		memset(&r, 0, sizeof(r));
		close(pfd[0]);
		if (fchdir(tmpfd) < 0)
			r.rc = cfs_fail(&r.err, errno, "entering the temporary directory");
		else
			r.rc = extract(infd, &r);
		full_io(pfd[1], &r, sizeof(r), true);
		_exit(r.rc == 0 ? 0 : 1);
	}
	close(pfd[1]);
	n = full_io(pfd[0], rep, sizeof(*rep), false);
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return cfs_fail(err, errno, "waiting for the extracting process");
	}
	if (n != (ssize_t)sizeof(*rep)) {
		if (WIFSIGNALED(status))
			return cfs_fail(err, 0, "the extracting process was killed by signal %d",
					WTERMSIG(status));
		return cfs_fail(err, 0, "the extracting process failed (status %d)", status);
	}
	if (rep->rc < 0) {
		*err = rep->err;
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return cfs_fail(err, 0, "the extracting process failed (status %d)", status);
	return 0;
}

/* Gives the final directory (fd) DIR's metadata from the archive. Owner
 * first: chown clears set-id bits. */
static int apply_root(int fd, const struct root_meta *m, const char *dir, cfs_error_t *err)
{
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, m->mtime };

	if (geteuid() == 0 && fchown(fd, m->uid, m->gid) < 0)
		return cfs_fail(err, errno, "%s: setting the owner", dir);
	if (fchmod(fd, m->mode & 07777) < 0)
		return cfs_fail(err, errno, "%s: setting the mode", dir);
	if (futimens(fd, ts) < 0)
		return cfs_fail(err, errno, "%s: setting the time", dir);
	return 0;
}

/* Where the tree goes: an existing empty DIR (*dfd), or a DIR to create
 * (*pfd: its parent, base: its name there). */
static int open_target(const char *dir, int *dfd, int *pfd, char *base, size_t bsize,
		       cfs_error_t *err)
{
	char parent[PATH_MAX];
	struct dirent *de;
	struct stat st;
	size_t len;
	char *slash;
	int fd;
	DIR *d;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		int fd2 = fcntl(fd, F_DUPFD_CLOEXEC, 0);

		*dfd = fd;
		if (fd2 < 0 || !(d = fdopendir(fd2))) {
			int e = errno;

			if (fd2 >= 0)
				close(fd2);
			return cfs_fail(err, e, "%s", dir);
		}
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				break;
		closedir(d);
		if (de)
			return cfs_fail(err, 0, "%s: directory not empty (unpack needs a missing "
					"or empty directory)", dir);
		return 0;
	}
	if (errno != ENOENT)
		return cfs_fail(err, errno, "%s", dir);
	if (lstat(dir, &st) == 0)
		return cfs_fail(err, EEXIST, "%s", dir); /* a dangling symlink */
	len = strlen(dir);
	if (len >= sizeof(parent))
		return cfs_fail(err, ENAMETOOLONG, "%s", dir);
	memcpy(parent, dir, len + 1);
	while (len > 1 && parent[len - 1] == '/')
		parent[--len] = '\0';
	slash = strrchr(parent, '/');
	if ((size_t)snprintf(base, bsize, "%s", slash ? slash + 1 : parent) >= bsize)
		return cfs_fail(err, ENAMETOOLONG, "%s", dir);
	if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
		return cfs_fail(err, EINVAL, "%s", dir);
	if (!slash)
		strcpy(parent, ".");
	else if (slash == parent)
		parent[1] = '\0';
	else
		*slash = '\0';
	*pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*pfd < 0)
		return cfs_fail(err, errno, "%s: parent directory %s", dir, parent);
	return 0;
}

/* Moves everything from TMPFD into DFD (same file system: the temporary
 * directory is inside DIR). Names moved so far are in *moved, for undo. */
static int move_all(int tmpfd, int dfd, const char *dir, char ***moved, size_t *nmoved,
		    cfs_error_t *err)
{
	int fd = fcntl(tmpfd, F_DUPFD_CLOEXEC, 0);
	struct dirent *de;
	size_t cap = 0;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return cfs_fail(err, e, "%s: listing the unpacked tree", dir);
	}
	/* Collect first: renaming while reading could skip entries. */
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*nmoved == cap) {
			char **n = realloc(*moved, (cap = cap ? cap * 2 : 16) * sizeof(*n));

			if (!n)
				goto nomem;
			*moved = n;
		}
		if (!((*moved)[*nmoved] = strdup(de->d_name)))
			goto nomem;
		(*nmoved)++;
	}
	closedir(d);
	for (size_t i = 0; i < *nmoved; i++) {
		if (renameat2(tmpfd, (*moved)[i], dfd, (*moved)[i], RENAME_NOREPLACE) < 0) {
			int e = errno;
			char b[512];

			/* Only what was moved is ours to undo in DIR. */
			for (size_t j = i; j < *nmoved; j++)
				free((*moved)[j]);
			*nmoved = i;
			return cfs_fail(err, e, "%s: moving %s into place", dir,
					shown((*moved)[i], b, sizeof(b)));
		}
	}
	return 0;
nomem:
	closedir(d);
	return cfs_fail(err, ENOMEM, "%s: listing the unpacked tree", dir);
}

int cfs_image_unpack(const char *file, const char *dir, struct cfs_image_stats *stats,
		     cfs_error_t *err)
{
	cleanup_close int infd = -1, dfd = -1, pfd = -1, tmpfd = -1;
	char tmpname[64] = "", base[NAME_MAX + 1];
	struct child_report rep;
	char **moved = NULL;
	size_t nmoved = 0;
	struct stat st, dst;
	int at, r = -1;

	if (archive_load(err) < 0)
		return -1;
	if (stats)
		memset(stats, 0, sizeof(*stats));
	infd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (infd < 0)
		return cfs_fail(err, errno, "%s", file);
	if (fstat(infd, &st) < 0)
		return cfs_fail(err, errno, "%s", file);
	if (S_ISDIR(st.st_mode))
		return cfs_fail(err, EISDIR, "%s", file);
	if (open_target(dir, &dfd, &pfd, base, sizeof(base), err) < 0)
		return -1;
	/* An existing DIR gets its times back if the unpack fails: the
	 * temporary directory inside it touched them. */
	if (dfd >= 0 && fstat(dfd, &dst) < 0)
		return cfs_fail(err, errno, "%s", dir);
	at = dfd >= 0 ? dfd : pfd;
	if (make_temp_dir(at, dir, tmpname, sizeof(tmpname), err) < 0)
		return -1;
	tmpfd = openat(at, tmpname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (tmpfd < 0) {
		cfs_fail(err, errno, "%s: opening the temporary directory", dir);
		goto out;
	}
	if (run_extract(infd, tmpfd, &rep, err) < 0)
		goto out;
	if (dfd >= 0) {
		if (move_all(tmpfd, dfd, dir, &moved, &nmoved, err) < 0)
			goto out;
		if (unlinkat(dfd, tmpname, AT_REMOVEDIR) < 0) {
			cfs_fail(err, errno, "%s: removing the temporary directory", dir);
			goto out;
		}
		tmpname[0] = '\0';
		if (rep.root.present && apply_root(dfd, &rep.root, dir, err) < 0)
			goto out;
	} else {
		if (!rep.root.present) {
			/* As mkdir would have made it. */
			rep.root.mode = 0777 & ~current_umask();
			if (fchmod(tmpfd, rep.root.mode) < 0) {
				cfs_fail(err, errno, "%s: setting the mode", dir);
				goto out;
			}
		} else if (apply_root(tmpfd, &rep.root, dir, err) < 0) {
			goto out;
		}
		/* NOREPLACE: a DIR that appeared meanwhile is not ours. */
		if (renameat2(pfd, tmpname, pfd, base, RENAME_NOREPLACE) < 0) {
			cfs_fail(err, errno, "%s", dir);
			goto out;
		}
		tmpname[0] = '\0';
	}
	if (stats)
		*stats = rep.st;
	r = 0;
out:
	if (r < 0) {
		for (size_t i = 0; i < nmoved; i++)
			remove_tree_at(dfd, moved[i]);
		if (*tmpname)
			remove_tree_at(at, tmpname);
		if (dfd >= 0) {
			struct timespec ts[2] = { dst.st_atim, dst.st_mtim };

			futimens(dfd, ts);
		}
	}
	for (size_t i = 0; i < nmoved; i++)
		free(moved[i]);
	free(moved);
	return r;
}

#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int cfs_write_file_atomic(const char *path, const char *data, size_t len,
			  cfs_error_t *err)
{
	char tmp[4096];
	cleanup_close int fd = -1;
	size_t off = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >=
	    (int)sizeof(tmp))
		return cfs_fail(err, ENAMETOOLONG, "writing %s", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0)
		return cfs_fail(err, errno, "writing %s", tmp);
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			unlink(tmp);
			return cfs_fail(err, e, "writing %s", tmp);
		}
		off += (size_t)n;
	}
	if (close(cfs_steal_fd(&fd)) < 0 || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return cfs_fail(err, e, "writing %s", path);
	}
	return 0;
}

int cfs_read_file(const char *path, char **out, size_t *lenp, cfs_error_t *err)
{
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	size_t len = 0, cap = 0;
	struct stat st;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return cfs_fail(err, errno, "reading %s", path);
	/* A large state file (a network of 1000 members) is read into one
	 * buffer of its size, not grown by copies; /proc files say 0. */
	cap = 4096;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 2048 &&
	    st.st_size < (1 << 26))
		cap = (size_t)st.st_size + 2048;
	buf = malloc(cap);
	if (!buf)
		return cfs_fail(err, ENOMEM, "reading %s", path);
	for (;;) {
		ssize_t n;

		if (cap - len < 1024) {
			char *nb;

			cap *= 2;
			nb = realloc(buf, cap);
			if (!nb)
				return cfs_fail(err, ENOMEM, "reading %s", path);
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cfs_fail(err, errno, "reading %s", path);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	buf = NULL;
	if (lenp)
		*lenp = len;
	return 0;
}

int cfs_write_string(const char *path, const char *s, cfs_error_t *err)
{
	cleanup_close int fd = -1;
	size_t len = strlen(s);
	ssize_t n;

	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return cfs_fail(err, errno, "opening %s", path);
	n = write(fd, s, len);
	if (n < 0)
		return cfs_fail(err, errno, "writing %s", path);
	if ((size_t)n != len)
		return cfs_fail(err, EIO, "writing %s", path);
	return 0;
}

int cfs_mkdir(const char *path, mode_t mode, cfs_error_t *err)
{
	struct stat st;

	if (mkdir(path, mode) == 0)
		return 0;
	if (errno != EEXIST)
		return cfs_fail(err, errno, "creating directory %s", path);
	if (lstat(path, &st) < 0)
		return cfs_fail(err, errno, "creating directory %s", path);
	if (!S_ISDIR(st.st_mode))
		return cfs_fail(err, ENOTDIR, "creating directory %s", path);
	/* A private directory (state, records) that somebody else could
	 * write to, or made, is not one to trust. */
	if (!(mode & 077) && (st.st_uid != geteuid() || (st.st_mode & 022)))
		return cfs_fail(err, EPERM,
				"directory %s is not private (owner %u, mode %04o; expected %u, no write for group or others)",
				path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777),
				(unsigned)geteuid());
	return 0;
}

static bool buf_reserve(struct cfs_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *np;

	if (b->failed)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	while (cap < b->len + more + 1)
		cap *= 2;
	np = realloc(b->p, cap);
	if (!np) {
		b->failed = true;
		return false;
	}
	b->p = np;
	b->cap = cap;
	return true;
}

void cfs_buf_add(struct cfs_buf *b, const char *s, size_t n)
{
	if (!buf_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

char *cfs_buf_room(struct cfs_buf *b, size_t n)
{
	char *w;

	if (!buf_reserve(b, n))
		return NULL;
	w = b->p + b->len;
	b->len += n;
	b->p[b->len] = '\0';
	return w;
}

void cfs_buf_printf(struct cfs_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if (!buf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *cfs_buf_take(struct cfs_buf *b)
{
	char *p = NULL;

	/* An empty buffer still gives "" */
	if (buf_reserve(b, 0)) {
		p = b->p;
		p[b->len] = '\0';
	} else {
		free(b->p);
	}
	memset(b, 0, sizeof(*b));
	return p;
}

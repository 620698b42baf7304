/* util.h - scoped cleanup and small file helpers shared by every module. */
#ifndef CFS_UTIL_H
#define CFS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"

static inline void cfs_freep(void *p)
{
	free(*(void **)p);
}

static inline void cfs_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

/* Variables released when they go out of scope; steal with cfs_steal_fd()
 * or by setting the pointer to NULL. */
#define cleanup_free __attribute__((cleanup(cfs_freep)))
#define cleanup_close __attribute__((cleanup(cfs_closep)))

static inline int cfs_steal_fd(int *fd)
{
	int r = *fd;

	*fd = -1;
	return r;
}

#define CFS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A growing string for files built line by line (state, hosts): plain
 * appends, where stdio's formatting costs a microsecond a line. A failed
 * allocation is remembered and reported once, by cfs_buf_take. */
struct cfs_buf {
	char *p;
	size_t len, cap;
	bool failed;
};

void cfs_buf_add(struct cfs_buf *b, const char *s, size_t n);
static inline void cfs_buf_puts(struct cfs_buf *b, const char *s)
{
	cfs_buf_add(b, s, strlen(s));
}
/* n bytes at the end of the text for the caller to fill (the length
 * counts them already), or NULL after a failed allocation. */
char *cfs_buf_room(struct cfs_buf *b, size_t n);
/* Formatted, for the few lines that are not a hot loop's. */
void cfs_buf_printf(struct cfs_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The NUL-terminated text (the caller frees it), or NULL after a failed
 * allocation (the buffer is freed). */
char *cfs_buf_take(struct cfs_buf *b);

/* Writes data to path atomically: a temporary file in the same directory,
 * fsync-free (state lives on tmpfs), then rename(2). Mode 0600. */
int cfs_write_file_atomic(const char *path, const char *data, size_t len,
			  cfs_error_t *err);

/* Reads a whole (small) file, NUL-terminated, without following a final
 * symlink. *out must be freed. Returns -1 with errno ENOENT in err->errnum
 * when the file does not exist. */
int cfs_read_file(const char *path, char **out, size_t *len, cfs_error_t *err);

/* Writes a short string to an existing file (sysctl, cgroup knob). */
int cfs_write_string(const char *path, const char *s, cfs_error_t *err);

/* mkdir that accepts an existing directory. */
int cfs_mkdir(const char *path, mode_t mode, cfs_error_t *err);

#endif

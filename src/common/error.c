#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void vset(cfs_error_t *err, int errnum, enum cfs_error_kind kind,
		 const char *fmt, va_list ap)
{
	int n;

	if (!err)
		return;
	err->errnum = errnum;
	err->kind = kind;
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (n < 0)
		err->msg[0] = '\0';
	else if (errnum && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s",
			 strerror(errnum));
}

int cfs_fail(cfs_error_t *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, errnum, CFS_ERR_RUNTIME, fmt, ap);
	va_end(ap);
	return -1;
}

int cfs_fail_usage(cfs_error_t *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, 0, CFS_ERR_USAGE, fmt, ap);
	va_end(ap);
	return -1;
}

int cfs_error_wrap(cfs_error_t *err, const char *fmt, ...)
{
	char ctx[256], old[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* A message that no longer fits is cut: better than none. */
	if (snprintf(err->msg, sizeof(err->msg), "%s: %s", ctx, old) < 0)
		err->msg[0] = '\0';
	return -1;
}

void cfs_error_append(cfs_error_t *err, const char *detail)
{
	size_t n;

	if (!err || !detail || !*detail)
		return;
	n = strlen(err->msg);
	if (n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - n, " (%s)", detail);
}

void cfs_error_clear(cfs_error_t *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

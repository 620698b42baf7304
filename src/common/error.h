/* error.h - the error object every fallible cfsnet call fills.
 *
 * A failing function builds the message where the failure happened
 * ("creating veth cfs-a: File exists"), callers prepend their context on the
 * way up ("up a: ..."), and only main() prints it, once, as
 * "cfsnet: <message>". Functions return int: 0 on success, -1 on failure. */
#ifndef CFS_ERROR_H
#define CFS_ERROR_H

#include <stddef.h>

enum cfs_error_kind {
	CFS_ERR_RUNTIME = 1, /* exit status 1 */
	CFS_ERR_USAGE = 2,   /* exit status 2: unknown command/option, missing value */
};

typedef struct cfs_error {
	int errnum;              /* errno of the root cause, 0 if none */
	enum cfs_error_kind kind;
	char msg[1024];
} cfs_error_t;

/* Records a runtime failure. With errnum != 0 ": strerror(errnum)" is
 * appended. Always returns -1 so callers can "return cfs_fail(...)". */
int cfs_fail(cfs_error_t *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Records a usage error (exit status 2). Returns -1. */
int cfs_fail_usage(cfs_error_t *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prepends "context: " to the message already recorded. Returns -1. */
int cfs_error_wrap(cfs_error_t *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Appends " (detail)" to the message, e.g. an extended-ack text. */
void cfs_error_append(cfs_error_t *err, const char *detail);

void cfs_error_clear(cfs_error_t *err);

#endif

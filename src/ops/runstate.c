/* runstate.c - the run record of a container that has a process
 * (/run/cfsnet/run/NAME), and telling whether a recorded process is still
 * the one that was recorded. */
#define _GNU_SOURCE
#include "run-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/util.h"

static const char *net_name(enum cfs_run_net n)
{
	return n == CFS_RUN_NET_CREATED ? "created" :
	       n == CFS_RUN_NET_JOINED ? "joined" : "private";
}

int cfs_runrec_format(const struct cfs_run_rec *r, char **out, cfs_error_t *err)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return cfs_fail(err, errno, "formatting the run record of %s", r->name);
	fprintf(f, "name=%s\npid=%d\nstart=%llu\nmonitor=%d\nmonitor_start=%llu\n"
		"network=%s\ndetached=%d\nmemory_limit=%" PRId64 "\noverlay=%s\n"
		"rootfs=%s\nseccomp=%d\n",
		r->name, (int)r->pid, r->start, (int)r->monitor, r->monitor_start,
		net_name(r->net), r->detached, r->memory_limit, r->overlay, r->rootfs,
		!r->no_seccomp);
	if (fclose(f) != 0) {
		free(buf);
		return cfs_fail(err, ENOMEM, "formatting the run record of %s", r->name);
	}
	*out = buf;
	return 0;
}

static int num(const char *v, long long min, long long max, long long *out)
{
	char *end;
	long long x;

	errno = 0;
	x = strtoll(v, &end, 10);
	if (!*v || *end || errno || x < min || x > max)
		return -1;
	*out = x;
	return 0;
}

static int unum(const char *v, unsigned long long *out)
{
	char *end;

	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return *end || errno ? -1 : 0;
}

int cfs_runrec_parse(const char *text, struct cfs_run_rec *r, cfs_error_t *err)
{
	const char *p = text;
	bool have_name = false;

	memset(r, 0, sizeof(*r));
	r->memory_limit = -1;
	while (*p) {
		const char *nl = strchrnul(p, '\n'), *eq = memchr(p, '=', (size_t)(nl - p));
		char key[32], val[PATH_MAX];
		size_t kl, vl;
		long long x = 0;
		int bad = 0;

		if (nl == p) {
			p++;
			continue;
		}
		if (!eq || (kl = (size_t)(eq - p)) >= sizeof(key) ||
		    (vl = (size_t)(nl - eq - 1)) >= sizeof(val))
			return cfs_fail(err, EINVAL, "malformed line '%.*s'", (int)(nl - p), p);
		memcpy(key, p, kl);
		key[kl] = '\0';
		memcpy(val, eq + 1, vl);
		val[vl] = '\0';
		p = *nl ? nl + 1 : nl;

		if (!strcmp(key, "name")) {
			bad = vl > CFS_NAME_MAX;
			if (!bad)
				strcpy(r->name, val);
			have_name = true;
		} else if (!strcmp(key, "pid") || !strcmp(key, "monitor")) {
			bad = num(val, 0, INT32_MAX, &x);
			*(key[0] == 'p' ? &r->pid : &r->monitor) = (pid_t)x;
		} else if (!strcmp(key, "start")) {
			bad = unum(val, &r->start);
		} else if (!strcmp(key, "monitor_start")) {
			bad = unum(val, &r->monitor_start);
		} else if (!strcmp(key, "network")) {
			if (!strcmp(val, "created"))
				r->net = CFS_RUN_NET_CREATED;
			else if (!strcmp(val, "joined"))
				r->net = CFS_RUN_NET_JOINED;
			else if (!strcmp(val, "private"))
				r->net = CFS_RUN_NET_PRIVATE;
			else
				bad = 1;
		} else if (!strcmp(key, "detached")) {
			bad = num(val, 0, 1, &x);
			r->detached = x == 1;
		} else if (!strcmp(key, "memory_limit")) {
			bad = num(val, -1, INT64_MAX, &x);
			r->memory_limit = x;
		} else if (!strcmp(key, "overlay")) {
			strcpy(r->overlay, val);
		} else if (!strcmp(key, "rootfs")) {
			strcpy(r->rootfs, val);
		} else if (!strcmp(key, "seccomp")) {
			bad = num(val, 0, 1, &x);
			r->no_seccomp = x == 0;
		}
		/* Unknown keys are skipped: a newer cfsnet may add some. */
		if (bad)
			return cfs_fail(err, EINVAL, "bad %s '%s'", key, val);
	}
	if (!have_name)
		return cfs_fail(err, EINVAL, "missing key name");
	return 0;
}

static int rec_path(const char *name, char *buf, size_t len, cfs_error_t *err)
{
	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return cfs_fail(err, EINVAL, "invalid name '%s'", name);
	if ((size_t)snprintf(buf, len, CFS_RUN_DIR "/%s", name) >= len)
		return cfs_fail(err, ENAMETOOLONG, "run record of %s", name);
	return 0;
}

int cfs_runrec_create(const struct cfs_run_rec *r, cfs_error_t *err)
{
	char path[PATH_MAX];
	cleanup_free char *text = NULL;
	cleanup_close int fd = -1;
	size_t len;

	if (rec_path(r->name, path, sizeof(path), err) < 0 ||
	    cfs_mkdir(CFS_STATE_DIR, 0700, err) < 0 || cfs_mkdir(CFS_RUN_DIR, 0700, err) < 0 ||
	    cfs_runrec_format(r, &text, err) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return cfs_fail(err, errno, "creating %s", path);
	len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len) {
		int e = errno ? errno : EIO;

		unlink(path);
		return cfs_fail(err, e, "writing %s", path);
	}
	return 0;
}

int cfs_runrec_save(const struct cfs_run_rec *r, cfs_error_t *err)
{
	char path[PATH_MAX];
	cleanup_free char *text = NULL;

	if (rec_path(r->name, path, sizeof(path), err) < 0 ||
	    cfs_runrec_format(r, &text, err) < 0)
		return -1;
	return cfs_write_file_atomic(path, text, strlen(text), err);
}

int cfs_runrec_load(const char *name, struct cfs_run_rec *r, cfs_error_t *err)
{
	char path[PATH_MAX];
	cleanup_free char *text = NULL;

	if (rec_path(name, path, sizeof(path), err) < 0 ||
	    cfs_read_file(path, &text, NULL, err) < 0)
		return -1;
	if (cfs_runrec_parse(text, r, err) < 0)
		return cfs_error_wrap(err, "run record of %s", name);
	return 0;
}

int cfs_runrec_claim(const char *name, bool *claimed, char path[PATH_MAX],
		     cfs_error_t *err)
{
	char from[PATH_MAX];

	*claimed = false;
	if (rec_path(name, from, PATH_MAX, err) < 0)
		return -1;
	/* A dot name: listings skip it, and the pid makes it unique. */
	if (snprintf(path, PATH_MAX, CFS_RUN_DIR "/.%s.cleanup.%d", name,
		     (int)getpid()) >= PATH_MAX)
		return cfs_fail(err, ENAMETOOLONG, "run record of %s", name);
	if (rename(from, path) < 0) {
		if (errno == ENOENT)
			return 0;
		return cfs_fail(err, errno, "claiming %s", from);
	}
	*claimed = true;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cfs_runrec_names(char ***names, size_t *n, cfs_error_t *err)
{
	DIR *d = opendir(CFS_RUN_DIR);
	struct dirent *e;
	char **v = NULL;
	size_t cnt = 0;

	*names = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : cfs_fail(err, errno, "listing " CFS_RUN_DIR);
	while ((e = readdir(d))) {
		char **nv;

		if (e->d_name[0] == '.' || strstr(e->d_name, ".tmp."))
			continue;
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv || !(nv[cnt] = strdup(e->d_name))) {
			closedir(d);
			cfs_names_free(nv ? nv : v, cnt);
			return cfs_fail(err, ENOMEM, "listing " CFS_RUN_DIR);
		}
		v = nv;
		cnt++;
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_str);
	*names = v;
	*n = cnt;
	return 0;
}

unsigned long long cfs_proc_start(pid_t pid)
{
	char path[64], buf[1024];
	cleanup_close int fd = -1;
	ssize_t n;
	char *p;
	unsigned long long start = 0;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The command name (field 2) may hold spaces and parentheses: count
	 * fields from its last ')'. starttime is field 22. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &start) != 1)
		return 0;
	return start;
}

bool cfs_proc_alive(pid_t pid, unsigned long long start)
{
	return pid > 0 && start && cfs_proc_start(pid) == start;
}

int cfs_pidfd_of(pid_t pid, unsigned long long start)
{
	int fd;

	if (pid <= 0)
		return -1;
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -1;
	/* Checked after opening: the pidfd pins this process, so if the start
	 * time still matches it is the recorded one for good. */
	if (!cfs_proc_alive(pid, start)) {
		close(fd);
		return -1;
	}
	return fd;
}

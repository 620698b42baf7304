/* parse.c - the command-line values of the cgroup limits: sizes, CPU lists
 * and percentages. Strict on purpose: "10x", "1.5g", " 1", "0-" and the
 * like are refused, never half-read. */
#include "cgroup.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../common/util.h"
#include "cgroup-internal.h"

/* Above any CONFIG_NR_CPUS a kernel is built with; bounds the numbers. */
#define CFS_CPU_MAX 65535u

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int cfs_parse_size(const char *s, int64_t *bytes, cfs_error_t *err)
{
	const char *p = s;
	uint64_t v = 0;
	unsigned shift = 0;

	if (!is_digit(*p))
		return cfs_fail(err, 0,
				"invalid size '%s': expected a number of bytes with an optional k, m or g suffix",
				s);
	for (; is_digit(*p); p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > ((uint64_t)INT64_MAX - d) / 10)
			return cfs_fail(err, 0, "invalid size '%s': too large", s);
		v = v * 10 + d;
	}
	switch (*p) {
	case 'k': case 'K': shift = 10; p++; break;
	case 'm': case 'M': shift = 20; p++; break;
	case 'g': case 'G': shift = 30; p++; break;
	}
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p)
		return cfs_fail(err, 0,
				"invalid size '%s': expected a number of bytes with an optional k, m or g suffix",
				s);
	if (v > ((uint64_t)INT64_MAX >> shift))
		return cfs_fail(err, 0, "invalid size '%s': too large", s);
	*bytes = (int64_t)(v << shift);
	return 0;
}

/* One CPU number at *pp, advancing it; -1 if none or too large. */
static int cpu_number(const char **pp, unsigned *out)
{
	const char *p = *pp;
	unsigned v = 0;

	if (!is_digit(*p))
		return -1;
	for (; is_digit(*p); p++) {
		v = v * 10 + (unsigned)(*p - '0');
		if (v > CFS_CPU_MAX)
			return -1;
	}
	*pp = p;
	*out = v;
	return 0;
}

/* Walks a list "A[-B],...": strictly ascending, disjoint ranges. Calls fn
 * for each; stops at the first '\0' (or '\n' when trailing_nl, for the
 * kernel's own files). Returns -1 on a syntax error. */
static int walk_list(const char *s, bool trailing_nl,
		     int (*fn)(unsigned lo, unsigned hi, void *arg), void *arg)
{
	const char *p = s;
	long prev = -1;

	for (;;) {
		unsigned lo, hi;

		if (cpu_number(&p, &lo) < 0)
			return -1;
		hi = lo;
		if (*p == '-') {
			p++;
			if (cpu_number(&p, &hi) < 0 || hi < lo)
				return -1;
		}
		if ((long)lo <= prev)
			return -1;
		prev = hi;
		if (fn && fn(lo, hi, arg) < 0)
			return -2;
		if (*p == ',') {
			p++;
			continue;
		}
		if (trailing_nl && *p == '\n')
			p++;
		return *p ? -1 : 0;
	}
}

struct online_set {
	unsigned lo[64], hi[64];
	size_t n;
	unsigned bad; /* the first CPU not online */
};

static int add_online(unsigned lo, unsigned hi, void *arg)
{
	struct online_set *o = arg;

	if (o->n == CFS_ARRAY_SIZE(o->lo))
		return -1;
	o->lo[o->n] = lo;
	o->hi[o->n] = hi;
	o->n++;
	return 0;
}

static int check_online(unsigned lo, unsigned hi, void *arg)
{
	struct online_set *o = arg;

	for (unsigned c = lo; c <= hi; c++) {
		size_t i;

		for (i = 0; i < o->n; i++)
			if (c >= o->lo[i] && c <= o->hi[i])
				break;
		if (i == o->n) {
			o->bad = c;
			return -1;
		}
	}
	return 0;
}

int cfs_parse_cpus(const char *s, const char *online_list, cfs_error_t *err)
{
	struct online_set online = { .n = 0 };
	size_t len = strnlen(s, 128);
	int r;

	if (len == 0)
		return cfs_fail(err, 0, "invalid CPU list '': empty");
	if (len >= 128)
		return cfs_fail(err, 0, "invalid CPU list '%.40s...': too long", s);
	if (walk_list(s, false, NULL, NULL) < 0)
		return cfs_fail(err, 0,
				"invalid CPU list '%s': expected ascending CPU numbers and ranges such as 0-1,3",
				s);
	if (!online_list)
		return 0;
	if (walk_list(online_list, true, add_online, &online) < 0)
		return cfs_fail(err, 0, "cannot read the list of online CPUs '%.60s'",
				online_list);
	r = walk_list(s, false, check_online, &online);
	if (r < 0) {
		char shown[128];

		snprintf(shown, sizeof(shown), "%s", online_list);
		shown[strcspn(shown, "\n")] = '\0';
		return cfs_fail(err, 0, "invalid CPU list '%s': CPU %u is not online (online: %s)",
				s, online.bad, shown);
	}
	return 0;
}

int cfs_parse_percent(const char *s, unsigned ncpus, unsigned *pct,
		      cfs_error_t *err)
{
	const char *p = s;
	unsigned long v = 0;
	unsigned max;

	if (ncpus == 0)
		ncpus = 1;
	max = ncpus > UINT32_MAX / 100 ? UINT32_MAX : 100 * ncpus;
	if (!is_digit(*p))
		return cfs_fail(err, 0, "invalid percentage '%s': expected a number such as 20%%",
				s);
	for (; is_digit(*p); p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > max)
			break;
	}
	if (v <= max) {
		if (*p == '%')
			p++;
		if (*p)
			return cfs_fail(err, 0,
					"invalid percentage '%s': expected a number such as 20%%",
					s);
	}
	if (v < 1 || v > max)
		return cfs_fail(err, 0,
				"invalid percentage '%s': must be 1..%u%% (100%% per CPU, %u CPU%s)",
				s, max, ncpus, ncpus == 1 ? "" : "s");
	*pct = (unsigned)v;
	return 0;
}

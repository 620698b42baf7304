/* fuzz_limits.c - sizes (--memory), CPU lists (--cpus, against an online
 * list that is fuzzed too) and CPU percentages (--cpu-quota). */
#include "fuzz.h"

#include "cgroup/cgroup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	/* "VALUE\nONLINE": the second line is the online CPU list. */
	char *online = strchr(s, '\n');
	cfs_error_t err = { 0 };
	int64_t b;
	unsigned pct;

	if (online)
		*online++ = '\0';
	if (cfs_parse_size(s, &b, &err) == 0)
		FUZZ_CHECK(b >= 0);
	else
		FUZZ_CHECK_ERR(err);
	cfs_error_clear(&err);
	if (cfs_parse_cpus(s, online ? online : "0-7", &err) < 0)
		FUZZ_CHECK_ERR(err);
	cfs_error_clear(&err);
	for (unsigned ncpus = 1; ncpus <= 256; ncpus *= 16) {
		if (cfs_parse_percent(s, ncpus, &pct, &err) == 0)
			FUZZ_CHECK(pct >= 1 && pct <= 100 * ncpus);
		else
			FUZZ_CHECK_ERR(err);
		cfs_error_clear(&err);
	}
	free(s);
	return 0;
}

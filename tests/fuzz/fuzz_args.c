/* fuzz_args.c - the values of command-line arguments, as the CLI checks
 * them before anything is touched: NUL-separated words, each given to every
 * validator (names, interface names, MTUs, addresses, sizes, CPU lists,
 * percentages). An accepted name never escapes its directory. */
#include "fuzz.h"

#include "cgroup/cgroup.h"
#include "net/net.h"
#include "ops/ops.h"

static void one_word(const char *w)
{
	cfs_error_t err = { 0 };
	struct cfs_cidr c;
	unsigned u;
	int64_t b;

	if (cfs_check_name(w, &err) == 0)
		FUZZ_CHECK(*w && !strchr(w, '/') && strcmp(w, ".") && strcmp(w, "..") &&
			   strlen(w) <= CFS_NAME_MAX);
	else
		FUZZ_CHECK_ERR(err);
	cfs_error_clear(&err);
	if (cfs_check_ifname(w, &err) == 0)
		FUZZ_CHECK(*w && !strchr(w, '/') && strlen(w) < IFNAMSIZ);
	else
		FUZZ_CHECK_ERR(err);
	cfs_error_clear(&err);
	if (cfs_check_mtu(w, &u, &err) < 0)
		FUZZ_CHECK_ERR(err);
	cfs_error_clear(&err);
	if (cfs_check_ip(w, &c, &err) == 0)
		FUZZ_CHECK(c.prefix <= 32 && cfs_cidr_contains(&c, c.addr) &&
			   c.addr != cfs_cidr_network(&c) && c.addr != cfs_cidr_broadcast(&c) &&
			   c.addr != cfs_cidr_gateway(&c));
	else
		FUZZ_CHECK_ERR(err);
	cfs_error_clear(&err);
	if (cfs_parse_size(w, &b, &err) == 0)
		FUZZ_CHECK(b >= 0);
	else
		FUZZ_CHECK_ERR(err);
	cfs_error_clear(&err);
	if (cfs_parse_cpus(w, "0-3", &err) < 0)
		FUZZ_CHECK_ERR(err);
	cfs_error_clear(&err);
	if (cfs_parse_percent(w, 4, &u, &err) == 0)
		FUZZ_CHECK(u >= 1 && u <= 400);
	else
		FUZZ_CHECK_ERR(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	size_t i = 0;

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	/* Words separated by NUL, as the kernel hands argv over. */
	for (int n = 0; n < 64 && i <= size; n++) {
		one_word(s + i);
		i += strlen(s + i) + 1;
	}
	free(s);
	return 0;
}

/* fuzz_state.c - the state files under /run/cfsnet: container and network
 * state, and run records. What a parser accepts, its formatter writes back,
 * and the parser reads that back to the same thing. The first byte picks
 * the parser. */
#include "fuzz.h"

#include "ops/run-internal.h"
#include "ops/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cfs_error_t err = { 0 };
	char *s;

	if (size < 1)
		return 0;
	s = fuzz_str(data + 1, size - 1);
	switch (data[0] % 3) {
	case 0: {
		struct cfs_container c, c2;
		char buf[8192];
		int n;

		if (cfs_container_parse(s, &c, &err) == 0) {
			n = cfs_container_format(&c, buf, sizeof(buf));
			FUZZ_CHECK(n > 0);
			FUZZ_CHECK(cfs_container_parse(buf, &c2, &err) == 0);
			FUZZ_CHECK(!strcmp(c.name, c2.name));
		} else {
			FUZZ_CHECK_ERR(err);
		}
		break;
	}
	case 1: {
		struct cfs_network net = { 0 }, net2 = { 0 };
		char *out = NULL;

		if (cfs_network_parse(s, &net, &err) == 0) {
			FUZZ_CHECK(cfs_network_format(&net, &out, &err) == 0);
			FUZZ_CHECK(cfs_network_parse(out, &net2, &err) == 0);
			FUZZ_CHECK(!strcmp(net.name, net2.name));
			free(out);
			cfs_network_free(&net2);
		} else {
			FUZZ_CHECK_ERR(err);
		}
		cfs_network_free(&net);
		break;
	}
	default: {
		struct cfs_run_rec r, r2;
		char *out = NULL;

		if (cfs_runrec_parse(s, &r, &err) == 0) {
			FUZZ_CHECK(strlen(r.name) <= CFS_NAME_MAX);
			if (!strchr(r.overlay, '\n') && !strchr(r.rootfs, '\n')) {
				FUZZ_CHECK(cfs_runrec_format(&r, &out, &err) == 0);
				FUZZ_CHECK(cfs_runrec_parse(out, &r2, &err) == 0);
				FUZZ_CHECK(!strcmp(r.name, r2.name) && r.pid == r2.pid &&
					   r.no_seccomp == r2.no_seccomp);
				free(out);
			}
		} else {
			FUZZ_CHECK_ERR(err);
		}
		break;
	}
	}
	free(s);
	return 0;
}

/* seccomp.c - the default seccomp profile of a container's processes.
 *
 * The profile (what it denies, and why) is src/gen/seccomp-gen.c, which
 * compiles it to BPF with libseccomp when cfsnet is built: here it is a
 * constant array, copied out for `run` and `exec`, loaded after
 * no_new_privs, the last step before exec (`run --no-seccomp` leaves it
 * out). */
#define _GNU_SOURCE
#include "run-internal.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "../common/util.h"
#include "seccomp_bpf.h" /* generated: $(BUILD)/gen */

int cfs_seccomp_build(struct cfs_seccomp_prog *prog, cfs_error_t *err)
{
	memset(prog, 0, sizeof(*prog));
	prog->insns = malloc(sizeof(cfs_seccomp_bpf));
	if (!prog->insns)
		return cfs_fail(err, ENOMEM, "building the seccomp filter");
	memcpy(prog->insns, cfs_seccomp_bpf, sizeof(cfs_seccomp_bpf));
	prog->n = CFS_ARRAY_SIZE(cfs_seccomp_bpf);
	return 0;
}

int cfs_seccomp_load(const struct cfs_seccomp_prog *prog, cfs_error_t *err)
{
	struct sock_fprog f = { .len = (unsigned short)prog->n, .filter = prog->insns };

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &f, 0, 0) < 0)
		return cfs_fail(err, errno, "loading the seccomp filter");
	return 0;
}

void cfs_seccomp_free(struct cfs_seccomp_prog *prog)
{
	free(prog->insns);
	prog->insns = NULL;
	prog->n = 0;
}

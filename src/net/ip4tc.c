/* ip4tc.c - libip4tc, loaded on first use (see fw-internal.h). */
#define _GNU_SOURCE
#define CFS_IP4TC_LOADER
#include "fw-internal.h"

#include <dlfcn.h>
#include <stdbool.h>

struct cfs_ip4tc cfs_ip4tc;

int cfs_ip4tc_load(cfs_error_t *err)
{
	static bool loaded;
	void *h;

	if (loaded)
		return 0;
	h = dlopen("libip4tc.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		h = dlopen("libip4tc.so", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return cfs_fail(err, 0, "loading libip4tc (package libip4tc2): %s", dlerror());
#define X(f)                                                             \
	if (!(*(void **)&cfs_ip4tc.f = dlsym(h, #f)))                      \
		return cfs_fail(err, 0, "loading libip4tc: no symbol %s", #f);
	CFS_IP4TC_FUNCS(X)
#undef X
	loaded = true;
	return 0;
}

/* ip6tc.c - libip6tc, loaded on first use (see fw6-internal.h). */
#define _GNU_SOURCE
#define CFS_IP6TC_LOADER
#include "fw6-internal.h"

#include <dlfcn.h>
#include <stdbool.h>

struct cfs_ip6tc cfs_ip6tc;

int cfs_ip6tc_load(cfs_error_t *err)
{
	static bool loaded;
	void *h;

	if (loaded)
		return 0;
	h = dlopen("libip6tc.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		h = dlopen("libip6tc.so", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return cfs_fail(err, 0, "loading libip6tc (package libip6tc2): %s", dlerror());
#define X(f)                                                             \
	if (!(*(void **)&cfs_ip6tc.f = dlsym(h, #f)))                      \
		return cfs_fail(err, 0, "loading libip6tc: no symbol %s", #f);
	CFS_IP6TC_FUNCS(X)
#undef X
	loaded = true;
	return 0;
}

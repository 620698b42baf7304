/* fuzz_archive_names.c - the names of archive entries, as `image unpack`
 * cleans them: an accepted name is relative, has no "..", "." or empty
 * component, and cleaning it again changes nothing ("" stands for the root). */
#include "fuzz.h"

#include <limits.h>

#include "rootfs/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	char out[PATH_MAX], again[PATH_MAX];
	const char *why = NULL;

	if (cfs_image_clean_path(s, out, sizeof(out), &why) == 0) {
		size_t n = strlen(out);

		FUZZ_CHECK(out[0] != '/');
		FUZZ_CHECK(strcmp(out, "..") && strncmp(out, "../", 3));
		FUZZ_CHECK(!strstr(out, "/../") && !(n >= 3 && !strcmp(out + n - 3, "/..")));
		FUZZ_CHECK(!strstr(out, "//") && !strstr(out, "/./") && strncmp(out, "./", 2));
		/* "" is the root itself (".", "./"), which is no name to clean. */
		FUZZ_CHECK(!*out || (cfs_image_clean_path(out, again, sizeof(again), &why) == 0 &&
				     !strcmp(out, again)));
	} else {
		FUZZ_CHECK(why && *why);
	}
	free(s);
	return 0;
}

/* cmd_image.c - cfsnet image pack DIR FILE | image unpack FILE DIR. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "rootfs/image.h"

/* Parses "SUB [--help] A B" (argv[0] is "image"); returns 0 or an exit
 * status (-1: --help was printed). */
static int image_args(int argc, char **argv, const char *label, const char *n1,
		      const char *n2, char **a, char **b)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char *args[2];
	int c, bad = 0, k = 0;

	optind = 1;
	while ((c = cli_next_opt(label, argc - 1, argv + 1, ":h", opts, &bad)) != -1) {
		if (bad)
			return bad;
		if (c == 'h') {
			fputs(cfs_usage_text, stdout);
			return -1;
		}
	}
	for (int i = optind + 1; i < argc; i++) {
		if (k == 2)
			return cli_usage_error("%s: unexpected argument '%s'", label, argv[i]);
		args[k++] = argv[i];
	}
	if (k < 1)
		return cli_usage_error("%s: missing %s", label, n1);
	if (k < 2)
		return cli_usage_error("%s: missing %s", label, n2);
	if (!*args[0])
		return cli_usage_error("%s: empty %s", label, n1);
	if (!*args[1])
		return cli_usage_error("%s: empty %s", label, n2);
	*a = args[0];
	*b = args[1];
	return 0;
}

int cmd_image(int argc, char **argv)
{
	struct cfs_image_stats st;
	cfs_error_t err = { 0 };
	char *a, *b;
	int r;

	if (argc < 2)
		return cli_usage_error("%s: missing %s", "image", "'pack' or 'unpack'");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(cfs_usage_text, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "pack")) {
		r = image_args(argc, argv, "image pack", "DIR", "FILE", &a, &b);
		if (r)
			return r < 0 ? 0 : r;
		if (cfs_image_pack(a, b, &st, &err) < 0) {
			cfs_error_wrap(&err, "image pack %s", a);
			return cli_report(&err);
		}
		printf("packed %s into %s (%s): %llu entries, %llu bytes of file data", a, b,
		       cfs_image_comp_name(cfs_image_comp_for_path(b)),
		       (unsigned long long)st.entries, (unsigned long long)st.bytes);
		if (st.sockets)
			printf(", %llu socket%s skipped", (unsigned long long)st.sockets,
			       st.sockets == 1 ? "" : "s");
		putchar('\n');
		return 0;
	}
	if (!strcmp(argv[1], "unpack")) {
		r = image_args(argc, argv, "image unpack", "FILE", "DIR", &a, &b);
		if (r)
			return r < 0 ? 0 : r;
		if (cfs_image_unpack(a, b, &st, &err) < 0) {
			cfs_error_wrap(&err, "image unpack %s", a);
			return cli_report(&err);
		}
		printf("unpacked %s into %s: %llu entries, %llu bytes of file data\n", a, b,
		       (unsigned long long)st.entries, (unsigned long long)st.bytes);
		return 0;
	}
	return cli_usage_error("image: unknown subcommand '%s'%s", argv[1], "");
}

/* image.h - a directory tree as one file and back: a cpio archive in the
 * "newc" format, compressed (gzip by default), written and read through
 * libarchive.
 *
 * pack:   DIR is walked without following symlinks; every entry is stored
 *         with its path relative to DIR ("." for DIR itself, then "bin",
 *         "bin/sh", ... in sorted order, no "./" prefix). Regular files,
 *         directories, symlinks, hard links (one body, cpio newc style),
 *         device nodes and fifos keep type, mode, numeric uid/gid and mtime
 *         (seconds). Sockets cannot be restored and are skipped (counted).
 *         FILE is written as a temporary file beside it and renamed into
 *         place: on failure no FILE (or the old one, unchanged) is left.
 * unpack: FILE may be any cpio variant (newc, crc, odc, binary), plain or
 *         gzip/bzip2/xz/zstd compressed: detected from its contents. DIR
 *         must be missing (its parent must exist) or an empty directory.
 *         Every entry is checked before anything is written for it:
 *         absolute paths, ".." components, paths through a symlink, hard
 *         links to anything but an earlier file of the archive, and types
 *         other than the six above are refused. Extraction happens in a
 *         private (0700) temporary directory, in a child process whose
 *         working directory is that directory, with libarchive's own
 *         SECURE_* checks on as a second line; on success the tree is
 *         renamed into DIR, on any failure it is removed: nothing is left.
 *
 * Nothing here prints. */
#ifndef CFS_IMAGE_H
#define CFS_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"

enum cfs_image_comp {
	CFS_IMAGE_NONE,  /* FILE ends in .cpio */
	CFS_IMAGE_GZIP,  /* .gz (e.g. .cpio.gz) and every other name */
	CFS_IMAGE_BZIP2, /* .bz2 */
	CFS_IMAGE_XZ,    /* .xz */
	CFS_IMAGE_ZSTD,  /* .zst or .zstd */
};

/* What pack or unpack did, for the caller's summary line. */
struct cfs_image_stats {
	uint64_t entries;   /* archive entries written or extracted */
	uint64_t files;     /* regular files (every link counted) */
	uint64_t dirs;      /* directories, DIR itself included */
	uint64_t symlinks;
	uint64_t hardlinks; /* entries that are a further link of a file */
	uint64_t devices;   /* character and block devices */
	uint64_t fifos;
	uint64_t sockets;   /* pack only: skipped */
	uint64_t bytes;     /* file contents */
};

/* The compression pack uses for FILE, from its name (case-insensitive). */
enum cfs_image_comp cfs_image_comp_for_path(const char *file);
const char *cfs_image_comp_name(enum cfs_image_comp c);
/* Whether this libarchive can write c (zstd and xz are optional there). */
bool cfs_image_comp_supported(enum cfs_image_comp c);

/* Packs DIR into FILE (see above). stats may be NULL. */
int cfs_image_pack(const char *dir, const char *file,
		   struct cfs_image_stats *stats, cfs_error_t *err);

/* Unpacks FILE into DIR (see above). stats may be NULL. Errors about one
 * entry read "<entry>: <why>", the entry's name with unprintable bytes
 * escaped. */
int cfs_image_unpack(const char *file, const char *dir,
		     struct cfs_image_stats *stats, cfs_error_t *err);

/* The name unpack gives an archive entry: "./" and empty components
 * dropped, "" for the root. Returns 0, or -1 with *why set ("absolute
 * path", "'..' component", "empty name", "name too long"). */
int cfs_image_clean_path(const char *name, char *out, size_t size,
			 const char **why);

#endif

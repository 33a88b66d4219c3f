/* input.h: a whole input file in memory, decompressed.
 *
 * The readers parse one contiguous buffer (so it can be split into chunks
 * for parallel parsing).  "-" is stdin.  gzip and xz data are recognised by
 * their magic bytes (whatever the name) and decompressed when the build has
 * zlib / liblzma; otherwise they are refused with a hint.
 */
#ifndef DMLHOG_DATA_INPUT_H
#define DMLHOG_DATA_INPUT_H

#include <stddef.h>
#include "dmlhog/status.h"

struct input_buf {
	char *data;      /* len bytes of text, then a NUL (data[len] == '\0') */
	size_t len;
	size_t map_len;  /* > 0: data is a read-only file mapping of this size */
};

/* Read path (or stdin for "-") into b.  E_NOINPUT: missing or unreadable
 * (message names the path and the reason); E_CORRUPT: bad compressed data;
 * E_NOMEM. */
enum dmlhog_status input_read(const char *path, struct input_buf *b,
                              struct dmlhog_error *err);
void input_free(struct input_buf *b);

/* The name used for path in messages ("<stdin>" for "-"). */
const char *input_display_name(const char *path);

#endif

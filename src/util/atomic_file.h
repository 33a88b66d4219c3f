/* atomic_file.h: write a file so that a reader sees the old or the new
 * content, never a half-written one: temp file in the same directory,
 * fsync, rename, fsync the directory. */
#ifndef DMLHOG_UTIL_ATOMIC_FILE_H
#define DMLHOG_UTIL_ATOMIC_FILE_H
#include <stdio.h>
#include "dmlhog/status.h"

struct atomic_file {
	FILE *fp;
	char path[4096];
	char tmp[4096];
};

/* Open a temp file beside path.  E_CANTCREAT when the directory is not
 * writable. */
enum dmlhog_status atomic_file_open(struct atomic_file *f, const char *path,
                                    struct dmlhog_error *err);
/* Flush, fsync, rename over path.  On any failure the temp file is removed
 * and path is untouched. */
enum dmlhog_status atomic_file_commit(struct atomic_file *f, struct dmlhog_error *err);
/* Drop the temp file (error paths). */
void atomic_file_abort(struct atomic_file *f);
#endif

/* atomic_file.c: temp file + fsync + rename (see atomic_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "util/atomic_file.h"

enum dmlhog_status atomic_file_open(struct atomic_file *f, const char *path,
                                    struct dmlhog_error *err)
{
	memset(f, 0, sizeof *f);
	if (snprintf(f->path, sizeof f->path, "%s", path) >= (int)sizeof f->path ||
	    snprintf(f->tmp, sizeof f->tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof f->tmp)
		return dmlhog_error_set(err, DMLHOG_E_CANTCREAT, "%s: path too long", path);
	int fd = mkstemp(f->tmp);
	if (fd < 0)
		return dmlhog_error_set(err, DMLHOG_E_CANTCREAT, "cannot create %s: %s",
		                        path, strerror(errno));
	fchmod(fd, 0644);
	f->fp = fdopen(fd, "wb");
	if (!f->fp) {
		close(fd);
		unlink(f->tmp);
		return dmlhog_error_set(err, DMLHOG_E_CANTCREAT, "cannot create %s: %s",
		                        path, strerror(errno));
	}
	return DMLHOG_OK;
}

void atomic_file_abort(struct atomic_file *f)
{
	if (f->fp)
		fclose(f->fp);
	f->fp = NULL;
	if (f->tmp[0])
		unlink(f->tmp);
	f->tmp[0] = '\0';
}

static void fsync_parent_dir(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", path);
	int fd = open(dirname(buf), O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);      /* makes the rename durable; failure here is not fatal */
		close(fd);
	}
}

enum dmlhog_status atomic_file_commit(struct atomic_file *f, struct dmlhog_error *err)
{
	int bad = ferror(f->fp) || fflush(f->fp) != 0 || fsync(fileno(f->fp)) != 0;
	int saved = errno;
	if (fclose(f->fp) != 0 && !bad) {
		bad = 1;
		saved = errno;
	}
	f->fp = NULL;
	if (bad) {
		unlink(f->tmp);
		return dmlhog_error_set(err, DMLHOG_E_IO, "cannot write %s: %s", f->path,
		                        strerror(saved ? saved : EIO));
	}
	if (rename(f->tmp, f->path) != 0) {
		saved = errno;
		unlink(f->tmp);
		return dmlhog_error_set(err, DMLHOG_E_CANTCREAT, "cannot replace %s: %s",
		                        f->path, strerror(saved));
	}
	fsync_parent_dir(f->path);
	return DMLHOG_OK;
}

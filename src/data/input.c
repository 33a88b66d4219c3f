/* input.c: read a whole file (or stdin) into memory, decompressing gzip and
 * xz by magic bytes (see input.h). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef HAVE_ZLIB
#include <zlib.h>
#endif
#ifdef HAVE_LZMA
#include <lzma.h>
#endif
#include "data/input.h"

enum input_kind { KIND_TEXT, KIND_GZIP, KIND_XZ, KIND_BZIP2, KIND_ZSTD };

const char *input_display_name(const char *path)
{
	return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

void input_free(struct input_buf *b)
{
	if (b) {
		if (b->map_len)
			munmap(b->data, b->map_len);
		else
			free(b->data);
		b->data = NULL;
		b->len = b->map_len = 0;
	}
}

/* Grow b->data so that at least need bytes plus the NUL fit. */
static int buf_reserve(char **data, size_t *cap, size_t need)
{
	if (need + 1 <= *cap)
		return 0;
	size_t nc = *cap ? *cap : 1 << 16;
	while (nc < need + 1)
		nc = nc / 2 * 3 + 4096;
	char *p = realloc(*data, nc);
	if (!p)
		return -1;
	*data = p;
	*cap = nc;
	return 0;
}

/* Map a regular file (no copy: the pages come from the page cache).  The
 * mapping sits in front of an anonymous zero page, so the byte after the
 * text reads as NUL even if the file grew meanwhile: the parsers stop
 * there.  Returns -1 when mapping fails (then the file is read). */
static int map_file(int fd, size_t size, struct input_buf *b)
{
	long page = sysconf(_SC_PAGESIZE);
	if (page <= 0 || size < ((size_t)1 << 20))
		return -1;
	size_t len = (size + (size_t)page - 1) / (size_t)page * (size_t)page + (size_t)page;
	void *base = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return -1;
	void *p = mmap(base, size, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED) {
		munmap(base, len);
		return -1;
	}
	b->data = p;
	b->len = size;
	b->map_len = len;
	return 0;
}

/* Read fd to EOF; size_hint (a regular file's size) makes it one read. */
static enum dmlhog_status read_all(int fd, const char *name, size_t size_hint,
                                   struct input_buf *b, struct dmlhog_error *err)
{
	char *data = NULL;
	size_t len = 0, cap = 0;

	/* +2: room for the NUL and for the read that sees EOF, so a file of
	 * known size is read without a second allocation. */
	if (buf_reserve(&data, &cap, size_hint + 1) != 0)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "%s: out of memory reading %zu bytes", name, size_hint);
	for (;;) {
		if (len + 1 >= cap && buf_reserve(&data, &cap, len + (len >> 1) + 65536) != 0) {
			free(data);
			return dmlhog_error_set(err, DMLHOG_E_NOMEM, "%s: out of memory after %zu bytes", name, len);
		}
		size_t want = cap - 1 - len;
		if (want > (size_t)1 << 30)
			want = (size_t)1 << 30;
		ssize_t n = read(fd, data + len, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			free(data);
			return dmlhog_error_set(err, e == EISDIR ? DMLHOG_E_NOINPUT : DMLHOG_E_IO,
			                        "cannot read %s: %s", name, strerror(e));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	data[len] = '\0';
	b->data = data;
	b->len = len;
	b->map_len = 0;
	return DMLHOG_OK;
}

static enum input_kind input_sniff(const struct input_buf *b)
{
	const unsigned char *p = (const unsigned char *)b->data;
	if (b->len >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return KIND_GZIP;
	if (b->len >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0)
		return KIND_XZ;
	if (b->len >= 4 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' && p[3] >= '1' && p[3] <= '9')
		return KIND_BZIP2;
	if (b->len >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0)
		return KIND_ZSTD;
	return KIND_TEXT;
}

#ifdef HAVE_ZLIB
static enum dmlhog_status gunzip_buf(const char *name, const struct input_buf *in,
                                     struct input_buf *out, struct dmlhog_error *err)
{
	z_stream z;
	char *data = NULL;
	size_t len = 0, cap = 0, in_off = 0;
	int rc = Z_OK;

	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "%s: cannot start the gzip decoder", name);
	if (buf_reserve(&data, &cap, in->len * 4 + 65536) != 0)
		goto nomem;
	for (;;) {
		if (z.avail_in == 0 && in_off < in->len) {
			size_t take = in->len - in_off;
			if (take > (size_t)1 << 30)
				take = (size_t)1 << 30;
			z.next_in = (unsigned char *)in->data + in_off;
			z.avail_in = (uInt)take;
			in_off += take;
		}
		if (len + 1 >= cap && buf_reserve(&data, &cap, len + len / 2 + 65536) != 0)
			goto nomem;
		size_t room = cap - 1 - len;
		if (room > (size_t)1 << 30)
			room = (size_t)1 << 30;
		z.next_out = (unsigned char *)data + len;
		z.avail_out = (uInt)room;
		rc = inflate(&z, Z_NO_FLUSH);
		len += room - z.avail_out;
		if (rc == Z_STREAM_END) {
			/* gzip allows concatenated members (cat a.gz b.gz). */
			if (z.avail_in == 0 && in_off == in->len)
				break;
			if (inflateReset(&z) != Z_OK)
				break;
			continue;
		}
		if (rc == Z_BUF_ERROR && z.avail_in == 0 && in_off == in->len) {
			inflateEnd(&z);
			free(data);
			return dmlhog_error_set(err, DMLHOG_E_CORRUPT, "%s: gzip data is truncated (unexpected end of file)", name);
		}
		if (rc == Z_MEM_ERROR)
			goto nomem;
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			const char *why = z.msg ? z.msg : "invalid data";
			dmlhog_error_set(err, DMLHOG_E_CORRUPT, "%s: gzip data is corrupt (%s)", name, why);
			inflateEnd(&z);
			free(data);
			return DMLHOG_E_CORRUPT;
		}
	}
	inflateEnd(&z);
	data[len] = '\0';
	out->data = data;
	out->len = len;
	return DMLHOG_OK;
nomem:
	inflateEnd(&z);
	free(data);
	return dmlhog_error_set(err, DMLHOG_E_NOMEM, "%s: out of memory decompressing", name);
}
#endif

#ifdef HAVE_LZMA
static enum dmlhog_status unxz_buf(const char *name, const struct input_buf *in,
                                   struct input_buf *out, struct dmlhog_error *err)
{
	lzma_stream s = LZMA_STREAM_INIT;
	char *data = NULL;
	size_t len = 0, cap = 0;
	lzma_ret rc;

	if (lzma_stream_decoder(&s, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "%s: cannot start the xz decoder", name);
	if (buf_reserve(&data, &cap, in->len * 6 + 65536) != 0)
		goto nomem;
	s.next_in = (const uint8_t *)in->data;
	s.avail_in = in->len;
	for (;;) {
		if (len + 1 >= cap && buf_reserve(&data, &cap, len + len / 2 + 65536) != 0)
			goto nomem;
		s.next_out = (uint8_t *)data + len;
		s.avail_out = cap - 1 - len;
		rc = lzma_code(&s, s.avail_in ? LZMA_RUN : LZMA_FINISH);
		len = (size_t)((char *)s.next_out - data);
		if (rc == LZMA_STREAM_END)
			break;
		if (rc == LZMA_OK)
			continue;
		if (rc == LZMA_MEM_ERROR)
			goto nomem;
		lzma_end(&s);
		free(data);
		if (rc == LZMA_BUF_ERROR)
			return dmlhog_error_set(err, DMLHOG_E_CORRUPT, "%s: xz data is truncated (unexpected end of file)", name);
		return dmlhog_error_set(err, DMLHOG_E_CORRUPT, "%s: xz data is corrupt (liblzma error %d)", name, (int)rc);
	}
	lzma_end(&s);
	data[len] = '\0';
	out->data = data;
	out->len = len;
	return DMLHOG_OK;
nomem:
	lzma_end(&s);
	free(data);
	return dmlhog_error_set(err, DMLHOG_E_NOMEM, "%s: out of memory decompressing", name);
}
#endif

/* How to decompress by hand, for the refusal messages. */
static const char *hint_file(const char *path)
{
	return strcmp(path, "-") == 0 ? "the input" : path;
}

static enum dmlhog_status input_decode(const char *path, struct input_buf *b,
                                       struct dmlhog_error *err)
{
	const char *name = input_display_name(path);
	struct input_buf out = { 0 };
	enum dmlhog_status st = DMLHOG_OK;

	switch (input_sniff(b)) {
	case KIND_TEXT:
		return DMLHOG_OK;
	case KIND_GZIP:
#ifdef HAVE_ZLIB
		st = gunzip_buf(name, b, &out, err);
		break;
#else
		return dmlhog_error_set(err, DMLHOG_E_NOINPUT, "%s: .gz input needs zlib (this build has none); decompress first: gzip -dk %s", name, hint_file(path));
#endif
	case KIND_XZ:
#ifdef HAVE_LZMA
		st = unxz_buf(name, b, &out, err);
		break;
#else
		return dmlhog_error_set(err, DMLHOG_E_NOINPUT, "%s: .xz input needs liblzma (this build has none); decompress first: xz -dk %s", name, hint_file(path));
#endif
	case KIND_BZIP2:
		return dmlhog_error_set(err, DMLHOG_E_NOINPUT, "%s: bzip2 input is not supported; decompress first: bzip2 -dk %s", name, hint_file(path));
	case KIND_ZSTD:
		return dmlhog_error_set(err, DMLHOG_E_NOINPUT, "%s: zstd input is not supported; decompress first: zstd -d %s", name, hint_file(path));
	}
	if (st != DMLHOG_OK)
		return st;
	input_free(b);
	*b = out;
	return DMLHOG_OK;
}

enum dmlhog_status input_read(const char *path, struct input_buf *b,
                              struct dmlhog_error *err)
{
	const char *name = input_display_name(path);
	struct stat sb;
	enum dmlhog_status st;
	int fd = 0;

	memset(b, 0, sizeof *b);
	if (strcmp(path, "-") != 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return dmlhog_error_set(err, DMLHOG_E_NOINPUT, "cannot open %s: %s", path, strerror(errno));
	}
	size_t hint = 0;
	if (fstat(fd, &sb) == 0) {
		if (S_ISDIR(sb.st_mode)) {
			if (fd)
				close(fd);
			return dmlhog_error_set(err, DMLHOG_E_NOINPUT, "cannot read %s: %s", name, strerror(EISDIR));
		}
		if (S_ISREG(sb.st_mode) && sb.st_size > 0)
			hint = (size_t)sb.st_size;
	}
#ifdef POSIX_FADV_SEQUENTIAL
	if (hint)
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	st = hint && map_file(fd, hint, b) == 0 ? DMLHOG_OK : read_all(fd, name, hint, b, err);
	if (fd)
		close(fd);
	if (st != DMLHOG_OK)
		return st;
	st = input_decode(path, b, err);
	if (st != DMLHOG_OK)
		input_free(b);
	return st;
}

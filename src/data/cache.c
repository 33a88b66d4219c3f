/* cache.c: the binary dataset cache (dmlhog-data(5), "BINARY CACHE").
 *
 * A 128-byte header, then the arrays, each padded to 8 bytes.  The header
 * records the source's size and mtime (ns) and a hash of the parse options
 * that change the result, so a stale cache is detected and rebuilt, never
 * silently used.  Loading is one read() per array plus a checksum and a
 * structure check at memory speed.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <omp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "data/dataset.h"
#include "data/reader.h"
#include "util/atomic_file.h"
#include "util/checksum.h"
#include "util/notice.h"

#define CACHE_MAGIC "DMLHOGC1"
#define CACHE_VERSION 2u      /* 2: triplets as dense users and items + id tables */
#define CACHE_ENDIAN 0x01020304u
#define CACHE_HAS_SOURCE 1u

struct cache_header {
	char magic[8];
	uint32_t version;
	uint32_t endian;            /* CACHE_ENDIAN as the writer stored it */
	uint32_t header_size;
	uint32_t format;
	uint64_t src_size;
	int64_t src_mtime_ns;
	uint64_t opts_hash;
	uint64_t n_rows;
	uint64_t nnz;
	uint32_t n_cols;            /* triplets: distinct users */
	int32_t index_base;
	uint64_t skipped_lines;
	uint64_t payload_bytes;
	uint64_t payload_checksum;
	uint32_t flags;             /* CACHE_HAS_SOURCE */
	uint32_t n_items;           /* triplets: distinct items; svmlight: 0 */
	uint8_t reserved[16];
	uint64_t header_checksum;   /* over the 120 bytes before it */
};
_Static_assert(sizeof(struct cache_header) == 128, "cache header is 128 bytes");

/* One array of the payload. */
struct cache_part {
	void **ptr;
	uint64_t bytes;             /* unpadded */
};

static uint64_t pad8(uint64_t n)
{
	return (n + 7) & ~(uint64_t)7;
}

/* The parse options whose change changes the dataset. */
static uint64_t cache_opts_hash(const struct dmlhog_read_opts *o)
{
	int32_t v[2] = { (int32_t)o->format, (int32_t)o->index_base };
	return checksum_of(v, sizeof v);
}

#define CACHE_MAX_PARTS 5

/* The payload arrays of d, in file order.  Returns their count. */
static int cache_parts(dmlhog_dataset *d, struct cache_part *p)
{
	uint64_t n = d->n_rows;
	if (d->format == DMLHOG_FORMAT_TRIPLET) {
		p[0] = (struct cache_part){ (void **)&d->user, n * 4 };
		p[1] = (struct cache_part){ (void **)&d->item, n * 4 };
		p[2] = (struct cache_part){ (void **)&d->label, n * 8 };
		p[3] = (struct cache_part){ (void **)&d->user_id, (uint64_t)d->n_users * 8 };
		p[4] = (struct cache_part){ (void **)&d->item_id, (uint64_t)d->n_items * 8 };
		return 5;
	}
	p[0] = (struct cache_part){ (void **)&d->row_ptr, (n + 1) * 8 };
	p[1] = (struct cache_part){ (void **)&d->label, n * 8 };
	p[2] = (struct cache_part){ (void **)&d->col, d->nnz * 4 };
	p[3] = (struct cache_part){ (void **)&d->val, d->nnz * 4 };
	return 4;
}

static void error_clear(struct dmlhog_error *err)
{
	if (err)
		memset(err, 0, sizeof *err);
}

/* ---- save ---- */

static int write_part(FILE *fp, struct checksum *ck, const void *p, uint64_t bytes)
{
	static const unsigned char zero[8];
	uint64_t pad = pad8(bytes) - bytes;
	if (bytes) {
		checksum_update(ck, p, bytes);
		if (fwrite(p, 1, bytes, fp) != bytes)
			return -1;
	}
	if (pad) {
		checksum_update(ck, zero, pad);
		if (fwrite(zero, 1, pad, fp) != pad)
			return -1;
	}
	return 0;
}

static enum dmlhog_status cache_write(const dmlhog_dataset *d, const struct stat *src,
                                      const struct dmlhog_read_opts *opts,
                                      const char *path, struct dmlhog_error *err)
{
	struct cache_header h;
	struct cache_part parts[CACHE_MAX_PARTS];
	struct atomic_file f;
	struct checksum ck;
	enum dmlhog_status st;
	int np = cache_parts((dmlhog_dataset *)d, parts);

	memset(&h, 0, sizeof h);
	memcpy(h.magic, CACHE_MAGIC, 8);
	h.version = CACHE_VERSION;
	h.endian = CACHE_ENDIAN;
	h.header_size = sizeof h;
	h.format = (uint32_t)d->format;
	if (src) {
		h.flags |= CACHE_HAS_SOURCE;
		h.src_size = (uint64_t)src->st_size;
		h.src_mtime_ns = (int64_t)src->st_mtim.tv_sec * 1000000000 + src->st_mtim.tv_nsec;
	}
	h.opts_hash = cache_opts_hash(opts);
	h.n_rows = d->n_rows;
	h.nnz = d->nnz;
	h.n_cols = d->format == DMLHOG_FORMAT_TRIPLET ? d->n_users : d->n_cols;
	h.n_items = d->format == DMLHOG_FORMAT_TRIPLET ? d->n_items : 0;
	h.index_base = d->index_base;
	h.skipped_lines = d->skipped_lines;
	for (int i = 0; i < np; i++)
		h.payload_bytes += pad8(parts[i].bytes);

	if ((st = atomic_file_open(&f, path, err)) != DMLHOG_OK)
		return st;
	checksum_init(&ck);
	int bad = fwrite(&h, sizeof h, 1, f.fp) != 1;
	for (int i = 0; i < np && !bad; i++)
		bad = write_part(f.fp, &ck, *parts[i].ptr, parts[i].bytes) != 0;
	h.payload_checksum = checksum_final(&ck);
	h.header_checksum = checksum_of(&h, offsetof(struct cache_header, header_checksum));
	bad = bad || fseek(f.fp, 0, SEEK_SET) != 0 || fwrite(&h, sizeof h, 1, f.fp) != 1;
	if (bad) {
		int e = errno;
		atomic_file_abort(&f);
		return dmlhog_error_set(err, DMLHOG_E_IO, "cannot write cache %s: %s", path, strerror(e ? e : EIO));
	}
	return atomic_file_commit(&f, err);
}

static int source_stat(const char *src_path, struct stat *sb)
{
	return src_path && strcmp(src_path, "-") != 0 ? stat(src_path, sb) : 1;
}

enum dmlhog_status dmlhog_cache_save(const dmlhog_dataset *d, const char *src_path,
                                     const struct dmlhog_read_opts *opts,
                                     const char *cache_path, struct dmlhog_error *err)
{
	struct dmlhog_read_opts defaults;
	struct stat sb;
	int rc;

	error_clear(err);
	if (!opts) {      /* save records the options; it does not validate them */
		dmlhog_read_opts_init(&defaults);
		opts = &defaults;
	}
	if ((rc = source_stat(src_path, &sb)) < 0)
		return dmlhog_error_set(err, DMLHOG_E_NOINPUT, "cannot open %s: %s", src_path, strerror(errno));
	return cache_write(d, rc == 0 ? &sb : NULL, opts, cache_path, err);
}

/* ---- load ---- */

static int read_full(int fd, void *buf, uint64_t bytes)
{
	char *p = buf;
	while (bytes) {
		size_t want = bytes > ((uint64_t)1 << 30) ? (size_t)1 << 30 : (size_t)bytes;
		ssize_t n = read(fd, p, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		bytes -= (uint64_t)n;
	}
	return 0;
}

/* Magic, version, byte order, header checksum and sizes. */
static enum dmlhog_status header_check(const struct cache_header *h, uint64_t file_size,
                                       const char *path, struct dmlhog_error *err)
{
	if (memcmp(h->magic, CACHE_MAGIC, 8) != 0)
		return dmlhog_error_set(err, DMLHOG_E_CORRUPT, "%s: not a dmlhog cache (bad magic)", path);
	if (h->endian != CACHE_ENDIAN)
		return dmlhog_error_set(err, DMLHOG_E_CORRUPT, "%s: cache written on a host of the other byte order", path);
	if (h->version != CACHE_VERSION)
		return dmlhog_error_set(err, DMLHOG_E_CORRUPT, "%s: cache format version %u, this build reads version %u (rebuild the cache)", path, h->version, CACHE_VERSION);
	if (h->header_size != sizeof *h ||
	    h->header_checksum != checksum_of(h, offsetof(struct cache_header, header_checksum)))
		return dmlhog_error_set(err, DMLHOG_E_CORRUPT, "%s: cache header is corrupt (checksum mismatch)", path);
	int triplet = h->format == DMLHOG_FORMAT_TRIPLET;
	if ((h->format != DMLHOG_FORMAT_SVMLIGHT && !triplet) ||
	    (h->index_base != 0 && h->index_base != 1) ||
	    h->n_rows > ((uint64_t)1 << 56) || h->nnz > ((uint64_t)1 << 58) ||
	    (triplet ? h->nnz != 0 : h->n_items != 0))
		return dmlhog_error_set(err, DMLHOG_E_CORRUPT, "%s: cache header is corrupt (impossible sizes)", path);
	uint64_t want = triplet ? 2 * pad8(4 * h->n_rows) + 8 * h->n_rows +
	                          8 * ((uint64_t)h->n_cols + h->n_items)
	                        : 8 * (h->n_rows + 1) + 8 * h->n_rows + 2 * pad8(4 * h->nnz);
	if (h->payload_bytes != want)
		return dmlhog_error_set(err, DMLHOG_E_CORRUPT, "%s: cache header is corrupt (payload size)", path);
	if (file_size < sizeof *h + want)
		return dmlhog_error_set(err, DMLHOG_E_CORRUPT, "%s: cache is truncated (%llu bytes, expected %llu)", path, (unsigned long long)file_size, (unsigned long long)(sizeof *h + want));
	if (file_size > sizeof *h + want)
		return dmlhog_error_set(err, DMLHOG_E_CORRUPT, "%s: cache has %llu trailing bytes (corrupt)", path, (unsigned long long)(file_size - sizeof *h - want));
	return DMLHOG_OK;
}

/* Does the cache still describe src_path read with opts? */
static enum dmlhog_status stale_check(const struct cache_header *h, const char *path,
                                      const char *src_path,
                                      const struct dmlhog_read_opts *opts,
                                      struct dmlhog_error *err)
{
	struct stat sb;
	int rc = source_stat(src_path, &sb);
	if (rc < 0)
		return dmlhog_error_set(err, DMLHOG_E_NOINPUT, "cannot open %s: %s", src_path, strerror(errno));
	if (rc == 0) {
		int64_t mtime = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
		if (!(h->flags & CACHE_HAS_SOURCE))
			return dmlhog_error_set(err, DMLHOG_E_CORRUPT, "cache %s is stale (it records no source file, %s was not checked)", path, src_path);
		if ((uint64_t)sb.st_size != h->src_size)
			return dmlhog_error_set(err, DMLHOG_E_CORRUPT, "cache %s is stale (source changed: %s is %llu bytes, was %llu)", path, src_path, (unsigned long long)sb.st_size, (unsigned long long)h->src_size);
		if (mtime != h->src_mtime_ns)
			return dmlhog_error_set(err, DMLHOG_E_CORRUPT, "cache %s is stale (source changed: %s was modified after the cache was written)", path, src_path);
	}
	if (opts && h->opts_hash != cache_opts_hash(opts))
		return dmlhog_error_set(err, DMLHOG_E_CORRUPT, "cache %s is stale (parse options changed: --format or --index-base)", path);
	if (opts && h->skipped_lines > opts->skip_bad_lines)
		return dmlhog_error_set(err, DMLHOG_E_CORRUPT, "cache %s is stale (it skipped %llu bad lines; %llu allowed now)", path, (unsigned long long)h->skipped_lines, (unsigned long long)opts->skip_bad_lines);
	return DMLHOG_OK;
}

/* What the engines assume without checking: row offsets monotone from 0 to
 * nnz, feature ids below n_cols and ascending within each row.  The
 * checksum catches accidents; this keeps a crafted file from making them
 * read out of bounds.  Ascending order is checked without a branch per
 * entry: the descents over the whole id array must all sit at row starts. */
/* Descents (col[k] <= col[k - 1]) over the whole id array, and its maximum.
 * Four independent accumulators, so the loop runs at memory speed. */
static uint64_t col_scan(const uint32_t *col, uint64_t nnz, uint32_t *max)
{
	uint64_t d0 = 0, d1 = 0, d2 = 0, d3 = 0, k = 1;
	uint32_t m0 = col[0], m1 = 0, m2 = 0, m3 = 0;

	for (; k + 4 <= nnz; k += 4) {
		uint32_t a = col[k - 1], b = col[k], c = col[k + 1], e = col[k + 2], f = col[k + 3];
		d0 += b <= a;
		d1 += c <= b;
		d2 += e <= c;
		d3 += f <= e;
		m0 = b > m0 ? b : m0;
		m1 = c > m1 ? c : m1;
		m2 = e > m2 ? e : m2;
		m3 = f > m3 ? f : m3;
	}
	for (; k < nnz; k++) {
		d0 += col[k] <= col[k - 1];
		m0 = col[k] > m0 ? col[k] : m0;
	}
	m0 = m1 > m0 ? m1 : m0;
	m2 = m3 > m2 ? m3 : m2;
	*max = m2 > m0 ? m2 : m0;
	return d0 + d1 + d2 + d3;
}

static int csr_valid(const dmlhog_dataset *d)
{
	const uint64_t *rp = d->row_ptr;
	uint64_t bad = rp[0] != 0 || rp[d->n_rows] != d->nnz;
	uint64_t desc_starts = 0;
	uint32_t max = 0;

	for (uint64_t i = 0; i < d->n_rows; i++)
		bad |= rp[i + 1] < rp[i];
	if (bad)
		return 0;
	if (d->nnz == 0)
		return 1;
	uint64_t desc_all = col_scan(d->col, d->nnz, &max);
	for (uint64_t i = 0; i < d->n_rows; i++) {
		uint64_t b = rp[i];
		if (b > 0 && b < rp[i + 1])
			desc_starts += d->col[b] <= d->col[b - 1];
	}
	return max < d->n_cols && desc_all == desc_starts;
}

/* Every user and item index names an entry of its id table. */
static int triplets_valid(const dmlhog_dataset *d)
{
	uint32_t mu = 0, mi = 0;
	for (uint64_t i = 0; i < d->n_rows; i++) {
		mu = d->user[i] > mu ? d->user[i] : mu;
		mi = d->item[i] > mi ? d->item[i] : mi;
	}
	return d->n_rows == 0 || (mu < d->n_users && mi < d->n_items);
}

static void cache_point_arrays(dmlhog_dataset *d, char *payload)
{
	struct cache_part parts[CACHE_MAX_PARTS];
	int np = cache_parts(d, parts);
	for (int i = 0; i < np; i++) {
		*parts[i].ptr = payload;
		payload += pad8(parts[i].bytes);
	}
}

/* Map the file (no copy; pages come from the page cache) and point the
 * arrays into it.  Read-only while populating, so that the kernel does not
 * copy every page for a possible write; writable afterwards (private). */
static int cache_map(int fd, uint64_t file_size, dmlhog_dataset *d)
{
	void *m = mmap(NULL, file_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (m == MAP_FAILED)
		return -1;
	mprotect(m, file_size, PROT_READ | PROT_WRITE);
	d->map = m;
	d->map_len = file_size;
	cache_point_arrays(d, (char *)m + sizeof(struct cache_header));
	return 0;
}

/* Fallback where files cannot be mapped: one read() per array. */
static int cache_read_arrays(int fd, dmlhog_dataset *d)
{
	struct cache_part parts[CACHE_MAX_PARTS];
	int np = cache_parts(d, parts);
	for (int i = 0; i < np; i++) {
		uint64_t bytes = pad8(parts[i].bytes);
		if (!(*parts[i].ptr = malloc(bytes ? bytes : 8)) ||
		    read_full(fd, *parts[i].ptr, bytes) != 0)
			return -1;
	}
	return 0;
}

static uint64_t cache_payload_checksum(const dmlhog_dataset *d)
{
	struct cache_part parts[CACHE_MAX_PARTS];
	struct checksum ck;
	int np = cache_parts((dmlhog_dataset *)d, parts);
	if (d->map)
		return checksum_of((const char *)d->map + sizeof(struct cache_header),
		                   d->map_len - sizeof(struct cache_header));
	checksum_init(&ck);
	for (int i = 0; i < np; i++)
		checksum_update(&ck, *parts[i].ptr, pad8(parts[i].bytes));
	return checksum_final(&ck);
}

static enum dmlhog_status cache_read_payload(int fd, const struct cache_header *h,
                                             uint64_t file_size, dmlhog_dataset *d,
                                             int threads, const char *path,
                                             struct dmlhog_error *err)
{
	uint64_t sum = 0;
	int valid = 1;

	if (cache_map(fd, file_size, d) != 0 && cache_read_arrays(fd, d) != 0)
		return dmlhog_error_set(err, DMLHOG_E_IO, "cannot read cache %s: %s", path, strerror(errno ? errno : EIO));
	/* The checksum is one sequential stream; the structure check runs
	 * beside it on a second thread. */
#pragma omp parallel sections num_threads(threads > 1 ? 2 : 1)
	{
#pragma omp section
		sum = cache_payload_checksum(d);
#pragma omp section
		valid = d->format == DMLHOG_FORMAT_SVMLIGHT ? csr_valid(d) : triplets_valid(d);
	}
	if (sum != h->payload_checksum)
		return dmlhog_error_set(err, DMLHOG_E_CORRUPT, "%s: cache payload is corrupt (checksum mismatch)", path);
	if (!valid)
		return dmlhog_error_set(err, DMLHOG_E_CORRUPT, "%s: cache payload is inconsistent (%s)", path,
		                        d->format == DMLHOG_FORMAT_SVMLIGHT ? "bad row offsets or feature ids"
		                                                            : "user or item index out of range");
	return DMLHOG_OK;
}

enum dmlhog_status dmlhog_cache_load(const char *cache_path, const char *src_path,
                                     const struct dmlhog_read_opts *opts,
                                     dmlhog_dataset **out, struct dmlhog_error *err)
{
	struct cache_header h;
	struct stat sb;
	enum dmlhog_status st;

	*out = NULL;
	error_clear(err);
	int fd = open(cache_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dmlhog_error_set(err, DMLHOG_E_NOINPUT, "cannot open cache %s: %s", cache_path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return dmlhog_error_set(err, DMLHOG_E_NOINPUT, "cannot read cache %s: not a regular file", cache_path);
	}
	memset(&h, 0, sizeof h);
	ssize_t got = read(fd, &h, sizeof h);
	if (got >= 8 && memcmp(h.magic, CACHE_MAGIC, 8) != 0)
		st = dmlhog_error_set(err, DMLHOG_E_CORRUPT, "%s: not a dmlhog cache (bad magic)", cache_path);
	else if (got != (ssize_t)sizeof h)
		st = dmlhog_error_set(err, DMLHOG_E_CORRUPT, "%s: cache is truncated (%lld bytes, shorter than its header)", cache_path, (long long)sb.st_size);
	else
		st = header_check(&h, (uint64_t)sb.st_size, cache_path, err);
	if (st == DMLHOG_OK && src_path)
		st = stale_check(&h, cache_path, src_path, opts, err);
	dmlhog_dataset *d = st == DMLHOG_OK ? dataset_new((enum dmlhog_format)h.format) : NULL;
	if (st == DMLHOG_OK && !d)
		st = dmlhog_error_set(err, DMLHOG_E_NOMEM, "%s: out of memory", cache_path);
	if (st == DMLHOG_OK) {
		d->n_rows = h.n_rows;
		d->nnz = h.nnz;
		if (h.format == DMLHOG_FORMAT_TRIPLET) {
			d->n_users = h.n_cols;
			d->n_items = h.n_items;
		} else {
			d->n_cols = h.n_cols;
		}
		d->index_base = h.index_base;
		d->skipped_lines = h.skipped_lines;
		int threads = opts && opts->threads > 0 ? opts->threads : omp_get_max_threads();
		st = cache_read_payload(fd, &h, (uint64_t)sb.st_size, d, threads, cache_path, err);
	}
	close(fd);
	if (st != DMLHOG_OK) {
		dmlhog_dataset_destroy(d);
		return st;
	}
	*out = d;
	return DMLHOG_OK;
}

/* ---- read through the cache ---- */

#define cache_notice(o, ...) notice_send((o)->notice, (o)->notice_ctx, __VA_ARGS__)

/* Try the cache; OK with *out set, or a status saying why not (notice
 * already given for stale/corrupt/missing). */
static enum dmlhog_status cached_try_load(const char *src_path, const char *cache_path,
                                          const struct dmlhog_read_opts *o,
                                          dmlhog_dataset **out)
{
	struct dmlhog_error e;
	enum dmlhog_status st = dmlhog_cache_load(cache_path, src_path, o, out, &e);
	if (st == DMLHOG_OK) {
		cache_notice(o, "%s: read from cache %s", src_path, cache_path);
		if (o->index_base < 0 && (*out)->format == DMLHOG_FORMAT_SVMLIGHT)
			cache_notice(o, "%s: index base %d (auto, as recorded in the cache; --index-base=%d to override)", src_path, (*out)->index_base, 1 - (*out)->index_base);
		return DMLHOG_OK;
	}
	if (st == DMLHOG_E_NOINPUT && access(cache_path, F_OK) != 0)
		cache_notice(o, "cache %s does not exist; creating it", cache_path);
	else
		cache_notice(o, "%s; rebuilding", e.msg);
	return st;
}

enum dmlhog_status dmlhog_dataset_read_cached(const char *src_path, const char *cache_path,
                                              const struct dmlhog_read_opts *opts,
                                              int force_rebuild,
                                              dmlhog_dataset **out,
                                              struct dmlhog_error *err)
{
	struct dmlhog_read_opts defaults;
	struct dmlhog_error e;
	struct stat sb;
	enum dmlhog_status st;
	int rc;

	*out = NULL;
	error_clear(err);
	if ((st = reader_resolve_opts(&opts, &defaults, err)) != DMLHOG_OK)
		return st;
	if (!cache_path || !cache_path[0])
		return dmlhog_dataset_read(src_path, opts, out, err);
	/* stat before parsing: if the source changes meanwhile, the cache
	 * records the older state and is rebuilt next time. */
	if ((rc = source_stat(src_path, &sb)) < 0)
		return dmlhog_error_set(err, DMLHOG_E_NOINPUT, "cannot open %s: %s", src_path, strerror(errno));
	if (rc > 0) {
		cache_notice(opts, "cache %s not used: a cache cannot be checked against stdin", cache_path);
		return dmlhog_dataset_read(src_path, opts, out, err);
	}
	if (force_rebuild)
		cache_notice(opts, "cache %s: rebuilding as asked", cache_path);
	else if (cached_try_load(src_path, cache_path, opts, out) == DMLHOG_OK)
		return DMLHOG_OK;
	if ((st = dmlhog_dataset_read(src_path, opts, out, err)) != DMLHOG_OK)
		return st;
	if (cache_write(*out, &sb, opts, cache_path, &e) != DMLHOG_OK)
		cache_notice(opts, "%s; continuing without a cache", e.msg);
	else
		cache_notice(opts, "cache %s written (%llu rows)", cache_path, (unsigned long long)(*out)->n_rows);
	return DMLHOG_OK;
}

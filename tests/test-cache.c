/* test-cache.c: the binary dataset cache: round trips, staleness,
 * corruption, truncation, failed saves and the read-through paths. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tap.h"
#include "dmlhog/dataset.h"
#include "data/dataset.h"
#include "util/rng.h"

static char tmpdir[256];
static char notices[8192];

static void collect(void *ctx, const char *msg)
{
	(void)ctx;
	size_t n = strlen(notices);
	snprintf(notices + n, sizeof notices - n, "%s\n", msg);
}

static const char *path_in(const char *name)
{
	static char buf[8][512];
	static int k;
	char *b = buf[k++ % 8];
	snprintf(b, sizeof buf[0], "%s/%s", tmpdir, name);
	return b;
}

static void write_bytes(const char *path, const void *p, size_t n, const char *mode)
{
	FILE *f = fopen(path, mode);
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		printf("Bail out! cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

/* Whole file in a malloc'd buffer; *n its size. */
static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	*n = 0;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)len + 1);
	if (buf && fread(buf, 1, (size_t)len, f) == (size_t)len)
		*n = (size_t)len;
	fclose(f);
	return buf;
}

static void copy_file(const char *from, const char *to)
{
	size_t n;
	char *b = slurp(from, &n);
	write_bytes(to, b, n, "wb");
	free(b);
}

/* Move the file's mtime by delta seconds (a "touch" that does not depend
 * on the clock's resolution). */
static void shift_mtime(const char *path, int delta)
{
	struct stat sb;
	stat(path, &sb);
	struct timespec ts[2] = { sb.st_atim, sb.st_mtim };
	ts[1].tv_sec += delta;
	utimensat(AT_FDCWD, path, ts, 0);
}

static struct dmlhog_read_opts opts(void)
{
	struct dmlhog_read_opts o;
	dmlhog_read_opts_init(&o);
	o.notice = collect;
	return o;
}

static int same_dataset(const dmlhog_dataset *a, const dmlhog_dataset *b)
{
	if (a->n_rows != b->n_rows || a->nnz != b->nnz || a->n_cols != b->n_cols ||
	    a->format != b->format || a->index_base != b->index_base ||
	    a->skipped_lines != b->skipped_lines)
		return 0;
	if (memcmp(a->label, b->label, a->n_rows * 8) != 0)
		return 0;
	if (a->format == DMLHOG_FORMAT_TRIPLET)
		return a->n_users == b->n_users && a->n_items == b->n_items &&
		       memcmp(a->user, b->user, a->n_rows * 4) == 0 &&
		       memcmp(a->item, b->item, a->n_rows * 4) == 0 &&
		       memcmp(a->user_id, b->user_id, a->n_users * 8) == 0 &&
		       memcmp(a->item_id, b->item_id, a->n_items * 8) == 0;
	return memcmp(a->row_ptr, b->row_ptr, (a->n_rows + 1) * 8) == 0 &&
	       memcmp(a->col, b->col, a->nnz * 4) == 0 && memcmp(a->val, b->val, a->nnz * 4) == 0;
}

/* A source file of random svmlight rows (several parser chunks). */
static void make_source(const char *path, int rows, uint64_t seed)
{
	struct rng r;
	FILE *f = fopen(path, "wb");
	rng_seed(&r, seed, 0);
	for (int i = 0; i < rows; i++) {
		fprintf(f, "%d", (int)rng_below(&r, 2) * 2 - 1);
		uint64_t idx = 0, k = rng_below(&r, 10);
		for (uint64_t j = 0; j < k; j++) {
			idx += 1 + rng_below(&r, 30);
			fprintf(f, " %llu:%.6g", (unsigned long long)idx, rng_uniform(&r) * 4 - 2);
		}
		fputc('\n', f);
	}
	fclose(f);
}

static dmlhog_dataset *read_src(const char *src, struct dmlhog_read_opts o)
{
	dmlhog_dataset *d = NULL;
	struct dmlhog_error e;
	if (dmlhog_dataset_read(src, &o, &d, &e) != DMLHOG_OK)
		printf("#   cannot read %s: %s\n", src, e.msg);
	return d;
}

static void test_round_trip(void)
{
	const char *src = path_in("src.svm"), *cache = path_in("src.cache");
	struct dmlhog_read_opts o = opts();
	struct dmlhog_error e;
	dmlhog_dataset *d = read_src(src, o), *c = NULL;

	ok(d && dmlhog_cache_save(d, src, &o, cache, &e) == DMLHOG_OK, "save");
	ok(dmlhog_cache_load(cache, src, &o, &c, &e) == DMLHOG_OK, "load with source check");
	ok(d && c && same_dataset(d, c), "round trip: arrays bit-identical");
	if (c) {
		is_int(dmlhog_dataset_rows(c), 3000, "loaded rows");
		c->val[0] = 42.0f;      /* loaded arrays are writable (private) */
		is_near(c->val[0], 42.0, 0, "loaded arrays writable");
	}
	dmlhog_dataset_destroy(c);
	c = NULL;
	ok(dmlhog_cache_load(cache, NULL, NULL, &c, &e) == DMLHOG_OK && same_dataset(d, c),
	   "load without source or options; the write above did not reach the file");
	dmlhog_dataset_destroy(c);
	dmlhog_dataset_destroy(d);

	/* triplets, and an empty dataset */
	char csv[256];
	snprintf(csv, sizeof csv, "%s/tests/data/ratings.csv", getenv("top_srcdir") ? getenv("top_srcdir") : ".");
	d = read_src(csv, o);
	c = NULL;
	ok(d && dmlhog_cache_save(d, csv, &o, path_in("r.cache"), &e) == DMLHOG_OK &&
	   dmlhog_cache_load(path_in("r.cache"), csv, &o, &c, &e) == DMLHOG_OK && same_dataset(d, c) &&
	   c->format == DMLHOG_FORMAT_TRIPLET, "triplets round trip");
	dmlhog_dataset_destroy(c);
	dmlhog_dataset_destroy(d);
	write_bytes(path_in("empty.svm"), "# nothing\n", 10, "wb");
	d = read_src(path_in("empty.svm"), o);
	c = NULL;
	ok(d && dmlhog_cache_save(d, path_in("empty.svm"), &o, path_in("e.cache"), &e) == DMLHOG_OK &&
	   dmlhog_cache_load(path_in("e.cache"), path_in("empty.svm"), &o, &c, &e) == DMLHOG_OK &&
	   c->n_rows == 0 && c->row_ptr[0] == 0, "empty dataset round trip");
	dmlhog_dataset_destroy(c);
	dmlhog_dataset_destroy(d);
}

static void expect_load(const char *what, const char *cache, const char *src,
                        const struct dmlhog_read_opts *o, enum dmlhog_status want,
                        const char *frag)
{
	dmlhog_dataset *c = NULL;
	struct dmlhog_error e;
	enum dmlhog_status st = dmlhog_cache_load(cache, src, o, &c, &e);
	if (!ok(st == want && (want == DMLHOG_OK) == (c != NULL) && strstr(e.msg, frag), "%s", what))
		printf("#   got %d '%s', want %d '...%s...'\n", (int)st, e.msg, (int)want, frag);
	dmlhog_dataset_destroy(c);
}

static void test_stale(void)
{
	const char *src = path_in("src.svm"), *cache = path_in("src.cache");
	struct dmlhog_read_opts o = opts();

	shift_mtime(src, 5);
	expect_load("touched source: stale", cache, src, &o, DMLHOG_E_CORRUPT, "is stale (source changed");
	shift_mtime(src, -5);
	expect_load("mtime restored: valid again", cache, src, &o, DMLHOG_OK, "");

	o.index_base = 1;
	expect_load("--index-base changed: stale", cache, src, &o, DMLHOG_E_CORRUPT, "stale (parse options changed");
	o = opts();
	o.format = DMLHOG_FORMAT_SVMLIGHT;
	expect_load("--format changed: stale", cache, src, &o, DMLHOG_E_CORRUPT, "stale");
	o = opts();
	o.threads = 1;
	expect_load("thread count does not matter", cache, src, &o, DMLHOG_OK, "");

	const char *src2 = path_in("other.svm");
	copy_file(src, src2);
	write_bytes(src2, "1 1:1\n", 6, "ab");
	expect_load("other source (size differs): stale", cache, src2, &o, DMLHOG_E_CORRUPT, "bytes, was");
	expect_load("missing source", cache, path_in("gone.svm"), &o, DMLHOG_E_NOINPUT, "gone.svm");

	/* a cache that skipped bad lines is stale for a stricter read */
	const char *bad = path_in("bad.svm"), *bc = path_in("bad.cache");
	struct dmlhog_error e;
	write_bytes(bad, "1 1:1\nx\n1 2:1\n", 14, "wb");
	o = opts();
	o.skip_bad_lines = 5;
	dmlhog_dataset *d = read_src(bad, o);
	ok(d && d->skipped_lines == 1 && dmlhog_cache_save(d, bad, &o, bc, &e) == DMLHOG_OK, "cache of a read that skipped a line");
	dmlhog_dataset_destroy(d);
	expect_load("same skip allowance: valid", bc, bad, &o, DMLHOG_OK, "");
	o.skip_bad_lines = 0;
	expect_load("strict read: stale", bc, bad, &o, DMLHOG_E_CORRUPT, "skipped 1 bad lines");
}

/* Copy the cache with one byte changed (or cut to len). */
static const char *damaged(const char *cache, const char *name, long at, size_t cut)
{
	size_t n;
	char *b = slurp(cache, &n);
	if (at >= 0)
		b[at] ^= 0x40;
	const char *p = path_in(name);
	write_bytes(p, b, cut ? cut : n, "wb");
	free(b);
	return p;
}

static void test_corrupt(void)
{
	const char *src = path_in("src.svm"), *cache = path_in("src.cache");
	struct dmlhog_read_opts o = opts();
	size_t n;
	free(slurp(cache, &n));

	expect_load("payload byte flipped", damaged(cache, "flip.cache", (long)n - 100, 0), src, &o,
	            DMLHOG_E_CORRUPT, "checksum mismatch");
	expect_load("first payload byte flipped", damaged(cache, "flip0.cache", 128, 0), NULL, NULL,
	            DMLHOG_E_CORRUPT, "checksum mismatch");
	expect_load("header count flipped", damaged(cache, "hdr.cache", 48, 0), src, &o,
	            DMLHOG_E_CORRUPT, "header is corrupt");
	expect_load("version changed", damaged(cache, "ver.cache", 9, 0), src, &o,
	            DMLHOG_E_CORRUPT, "cache format version");
	expect_load("truncated by one byte", damaged(cache, "cut1.cache", -1, n - 1), src, &o,
	            DMLHOG_E_CORRUPT, "truncated");
	expect_load("truncated inside the header", damaged(cache, "cut2.cache", -1, 50), src, &o,
	            DMLHOG_E_CORRUPT, "truncated");
	copy_file(cache, path_in("long.cache"));
	write_bytes(path_in("long.cache"), "x", 1, "ab");
	expect_load("trailing bytes", path_in("long.cache"), src, &o, DMLHOG_E_CORRUPT, "trailing bytes");
	write_bytes(path_in("text.cache"), "+1 1:1 2:1\n-1 3:1\n", 18, "wb");
	expect_load("bad magic", path_in("text.cache"), src, &o, DMLHOG_E_CORRUPT, "not a dmlhog cache (bad magic)");
	expect_load("bad magic message names the file", path_in("text.cache"), src, &o, DMLHOG_E_CORRUPT, "text.cache");
	expect_load("missing cache", path_in("none.cache"), src, &o, DMLHOG_E_NOINPUT, "none.cache");
	is_int(dmlhog_exit_code(DMLHOG_E_CORRUPT), 65, "corrupt cache exits 65");

	/* a well-formed file whose content breaks the CSR rules */
	dmlhog_dataset *d = dataset_new(DMLHOG_FORMAT_SVMLIGHT);
	uint64_t rp[3] = { 0, 2, 3 };
	uint32_t col[3] = { 4, 1, 0 };
	float val[3] = { 1, 1, 1 };
	double label[2] = { 1, -1 };
	struct dmlhog_error e;
	d->n_rows = 2;
	d->nnz = 3;
	d->n_cols = 5;
	d->index_base = 1;
	d->row_ptr = rp, d->col = col, d->val = val, d->label = label;
	ok(dmlhog_cache_save(d, NULL, NULL, path_in("csr.cache"), &e) == DMLHOG_OK, "save an unsorted row");
	expect_load("unsorted row refused", path_in("csr.cache"), NULL, NULL, DMLHOG_E_CORRUPT, "inconsistent");
	col[0] = 0, col[1] = 7;
	dmlhog_cache_save(d, NULL, NULL, path_in("csr.cache"), &e);
	expect_load("feature id >= n_cols refused", path_in("csr.cache"), NULL, NULL, DMLHOG_E_CORRUPT, "inconsistent");
	col[1] = 4;
	dmlhog_cache_save(d, NULL, NULL, path_in("csr.cache"), &e);
	expect_load("valid after the fix", path_in("csr.cache"), NULL, NULL, DMLHOG_OK, "");
	expect_load("no source recorded: stale for a source", path_in("csr.cache"), src, &o, DMLHOG_E_CORRUPT, "records no source");
	d->row_ptr = NULL, d->col = NULL, d->val = NULL, d->label = NULL;
	dmlhog_dataset_destroy(d);

	/* triplets whose index points past its id table */
	d = dataset_new(DMLHOG_FORMAT_TRIPLET);
	uint32_t user[2] = { 0, 1 }, item[2] = { 0, 0 };
	uint64_t user_id[2] = { 7, 9 }, item_id[1] = { 3 };
	d->n_rows = 2;
	d->user = user, d->item = item, d->label = label;
	d->user_id = user_id, d->item_id = item_id;
	d->n_users = 2, d->n_items = 1;
	ok(dmlhog_cache_save(d, NULL, NULL, path_in("t.cache"), &e) == DMLHOG_OK, "save triplets");
	expect_load("triplets valid", path_in("t.cache"), NULL, NULL, DMLHOG_OK, "");
	item[1] = 1;
	dmlhog_cache_save(d, NULL, NULL, path_in("t.cache"), &e);
	expect_load("item index past the item table refused", path_in("t.cache"), NULL, NULL,
	            DMLHOG_E_CORRUPT, "user or item index out of range");
	d->user = d->item = NULL, d->label = NULL, d->user_id = d->item_id = NULL;
	dmlhog_dataset_destroy(d);
}

static int count_tmp_files(void)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -c '\\.tmp\\.' > '%s/count'", tmpdir, tmpdir);
	if (system(cmd) < 0)
		return -1;
	size_t n;
	char *b = slurp(path_in("count"), &n);
	int c = b ? atoi(b) : -1;
	free(b);
	return c;
}

static void test_failed_save(void)
{
	const char *src = path_in("src.svm"), *cache = path_in("src.cache");
	struct dmlhog_read_opts o = opts();
	struct dmlhog_error e;
	size_t n0, n1;
	char *before = slurp(cache, &n0);

	/* a file size limit makes the write fail half way (works as root) */
	make_source(path_in("big.svm"), 20000, 9);
	dmlhog_dataset *d = read_src(path_in("big.svm"), o);
	struct rlimit old, lim;
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 8192;
	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &lim);
	enum dmlhog_status st = dmlhog_cache_save(d, path_in("big.svm"), &o, cache, &e);
	setrlimit(RLIMIT_FSIZE, &old);
	ok(st != DMLHOG_OK, "save over the file size limit fails");
	printf("# %s\n", e.msg);
	char *after = slurp(cache, &n1);
	ok(n0 == n1 && before && after && memcmp(before, after, n0) == 0, "failed save leaves the old cache byte-identical");
	is_int(count_tmp_files(), 0, "no temp file left behind");
	free(after);

	st = dmlhog_cache_save(d, src, &o, path_in("no-dir/x.cache"), &e);
	is_int(st, DMLHOG_E_CANTCREAT, "save into a missing directory: E_CANTCREAT");
	has_str(e.msg, "no-dir/x.cache", "message names the cache");
	is_int(dmlhog_exit_code(st), 73, "exit 73");

	if (geteuid() != 0) {
		mkdir(path_in("ro"), 0755);
		write_bytes(path_in("ro/x.cache"), before, n0, "wb");
		chmod(path_in("ro"), 0555);
		st = dmlhog_cache_save(d, src, &o, path_in("ro/x.cache"), &e);
		after = slurp(path_in("ro/x.cache"), &n1);
		ok(st != DMLHOG_OK && n1 == n0 && memcmp(before, after, n0) == 0, "unwritable directory: old cache untouched");
		free(after);
		chmod(path_in("ro"), 0755);
	} else {
		tap_skip("running as root: directory permissions do not stop writes");
	}
	free(before);
	dmlhog_dataset_destroy(d);
}

/* dmlhog_dataset_read_cached and its notices. */
static enum dmlhog_status cached(const char *src, const char *cache, struct dmlhog_read_opts o,
                                 int force, dmlhog_dataset **d, struct dmlhog_error *e)
{
	notices[0] = '\0';
	*d = NULL;
	return dmlhog_dataset_read_cached(src, cache, &o, force, d, e);
}

static void test_read_cached(void)
{
	const char *src = path_in("rc.svm"), *cache = path_in("rc.cache");
	struct dmlhog_read_opts o = opts();
	struct dmlhog_error e;
	dmlhog_dataset *d, *ref;

	make_source(src, 3000, 5);
	ref = read_src(src, o);

	ok(cached(src, cache, o, 0, &d, &e) == DMLHOG_OK && same_dataset(ref, d), "missing cache: parsed");
	has_str(notices, "does not exist; creating it", "missing cache: notice");
	has_str(notices, "rc.cache written", "missing cache: written");
	ok(access(cache, R_OK) == 0, "cache file exists");
	dmlhog_dataset_destroy(d);

	ok(cached(src, cache, o, 0, &d, &e) == DMLHOG_OK && same_dataset(ref, d) && d->map != NULL, "valid cache: loaded (mapped)");
	has_str(notices, "read from cache", "valid cache: notice");
	has_str(notices, "index base 1 (auto, as recorded in the cache", "index base decision still reported");
	ok(strstr(notices, "written") == NULL, "valid cache: not rewritten");
	dmlhog_dataset_destroy(d);

	shift_mtime(src, 3);
	ok(cached(src, cache, o, 0, &d, &e) == DMLHOG_OK && same_dataset(ref, d), "touched source: reparsed");
	has_str(notices, "is stale (source changed", "stale: notice says why");
	has_str(notices, "; rebuilding", "stale: notice says rebuilding");
	dmlhog_dataset_destroy(d);
	ok(cached(src, cache, o, 0, &d, &e) == DMLHOG_OK && strstr(notices, "read from cache"), "rebuilt cache is valid next time");
	dmlhog_dataset_destroy(d);

	o.index_base = 0;
	ok(cached(src, cache, o, 0, &d, &e) == DMLHOG_OK && d->index_base == 0, "options changed: reparsed with them");
	has_str(notices, "parse options changed", "options: notice");
	dmlhog_dataset_destroy(d);
	o = opts();
	ok(cached(src, cache, o, 0, &d, &e) == DMLHOG_OK && d->index_base == 1 && strstr(notices, "rc.cache written"),
	   "options back to auto: rebuilt again");
	dmlhog_dataset_destroy(d);

	size_t n;
	char *b = slurp(cache, &n);
	b[n - 3] ^= 1;
	write_bytes(cache, b, n, "wb");
	free(b);
	ok(cached(src, cache, o, 0, &d, &e) == DMLHOG_OK && same_dataset(ref, d), "corrupt cache: reparsed");
	has_str(notices, "checksum mismatch); rebuilding", "corrupt: notice says why");
	dmlhog_dataset_destroy(d);

	ok(cached(src, cache, o, 1, &d, &e) == DMLHOG_OK && same_dataset(ref, d), "forced rebuild");
	has_str(notices, "rebuilding as asked", "forced: notice");
	dmlhog_dataset_destroy(d);

	ok(cached(src, path_in("no-dir/rc.cache"), o, 0, &d, &e) == DMLHOG_OK && same_dataset(ref, d),
	   "unwritable cache path: data still read");
	has_str(notices, "continuing without a cache", "unwritable: notice");
	dmlhog_dataset_destroy(d);

	is_int(cached(path_in("gone.svm"), cache, o, 0, &d, &e), DMLHOG_E_NOINPUT, "missing source: E_NOINPUT");
	write_bytes(path_in("bad.svm"), "1 1:1\n1 x\n", 10, "wb");
	is_int(cached(path_in("bad.svm"), path_in("bad2.cache"), o, 0, &d, &e), DMLHOG_E_DATA, "bad source: E_DATA");
	is_int(e.line, 2, "bad source: line");
	ok(access(path_in("bad2.cache"), F_OK) != 0, "bad source: no cache written");
	dmlhog_dataset_destroy(ref);
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "test-cache.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	make_source(path_in("src.svm"), 3000, 1);
	test_round_trip();
	test_stale();
	test_corrupt();
	test_failed_save();
	test_read_cached();
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return tap_done();
}

/* test-readers.c: svmlight and triplet readers, compressed input, strict
 * errors with positions, skip-bad-lines, parallel parse, number parsing,
 * idmap and the holdout split. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tap.h"
#include "dmlhog/dataset.h"
#include "data/dataset.h"
#include "data/idmap.h"
#include "util/numparse.h"
#include "util/rng.h"

static char tmpdir[256];
static int tmp_count;

/* Notices collected from the reader. */
static char notices[8192];
static int n_notices;

static void collect(void *ctx, const char *msg)
{
	(void)ctx;
	size_t n = strlen(notices);
	snprintf(notices + n, sizeof notices - n, "%s\n", msg);
	n_notices++;
}

static void notices_clear(void)
{
	notices[0] = '\0';
	n_notices = 0;
}

static const char *srcdir(void)
{
	const char *s = getenv("top_srcdir");
	return s && *s ? s : ".";
}

static const char *data_path(const char *name)
{
	static char buf[4][1024];
	static int k;
	char *b = buf[k++ % 4];
	snprintf(b, sizeof buf[0], "%s/tests/data/%s", srcdir(), name);
	return b;
}

/* Write len bytes to a fresh file named name in tmpdir. */
static const char *write_file(const char *name, const char *text, size_t len)
{
	static char buf[8][512];
	char *path = buf[tmp_count++ % 8];
	snprintf(path, sizeof buf[0], "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
		printf("Bail out! cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return path;
}

static struct dmlhog_read_opts opts_with(enum dmlhog_format f, int base, uint64_t skip, int threads)
{
	struct dmlhog_read_opts o;
	dmlhog_read_opts_init(&o);
	o.format = f;
	o.index_base = base;
	o.skip_bad_lines = skip;
	o.threads = threads;
	o.notice = collect;
	return o;
}

/* Read text (written to a file named "x") with the given options. */
static enum dmlhog_status read_text(const char *text, struct dmlhog_read_opts o,
                                    dmlhog_dataset **d, struct dmlhog_error *e)
{
	notices_clear();
	return dmlhog_dataset_read(write_file("x", text, strlen(text)), &o, d, e);
}

static dmlhog_dataset *read_ok(const char *what, const char *text, struct dmlhog_read_opts o)
{
	struct dmlhog_error e;
	dmlhog_dataset *d = NULL;
	enum dmlhog_status st = read_text(text, o, &d, &e);
	if (!ok(st == DMLHOG_OK, "%s: reads", what)) {
		char buf[1024];
		dmlhog_error_format(&e, buf, sizeof buf);
		printf("#   %s\n", buf);
	}
	return d;
}

static struct dmlhog_read_opts defaults(void)
{
	return opts_with(DMLHOG_FORMAT_AUTO, -1, 0, 0);
}

/* ---- valid input ---- */

static void test_a9a_like(void)
{
	dmlhog_dataset *d = NULL;
	struct dmlhog_error e;
	struct dmlhog_read_opts o = defaults();
	notices_clear();
	ok(dmlhog_dataset_read(data_path("small.svm"), &o, &d, &e) == DMLHOG_OK, "small.svm reads");
	if (!d)
		return;
	is_int(dmlhog_dataset_format(d), DMLHOG_FORMAT_SVMLIGHT, "small.svm: svmlight");
	is_int(dmlhog_dataset_rows(d), 6, "small.svm: 6 rows (blank last line ignored)");
	is_int(dmlhog_dataset_nnz(d), 14 + 14 + 14 + 0 + 14 + 3, "small.svm: nnz");
	is_int(dmlhog_dataset_features(d), 123, "small.svm: n_cols = max index (1-based)");
	is_int(d->index_base, 1, "small.svm: index base 1");
	is_int(d->col[0], 2, "first index 3 stored as 2");
	is_int(d->row_ptr[3], 42, "row 3 starts at 42");
	is_int(d->row_ptr[4], 42, "row 4 (label only, trailing space) is empty");
	is_near(d->label[0], 1.0, 0, "label '+1' is 1");
	is_near(d->label[1], -1.0, 0, "label '-1' is -1");
	is_near(d->val[d->nnz - 1], (float)6.2699720e-02, 0, "exponent value exact");
	is_near(d->val[d->nnz - 2], -1.25, 0, "negative value");
	has_str(notices, "small.svm: index base 1 (auto: no index 0 seen; --index-base=0 to override)", "auto base decision is reported");
	dmlhog_dataset_destroy(d);
}

static void test_quirks(void)
{
	dmlhog_dataset *d = NULL;
	struct dmlhog_error e;
	struct dmlhog_read_opts o = defaults();
	notices_clear();
	ok(dmlhog_dataset_read(data_path("quirks.svm"), &o, &d, &e) == DMLHOG_OK, "quirks.svm reads (comments, qid, CRLF, tabs, no final newline)");
	if (!d)
		return;
	is_int(d->n_rows, 5, "quirks: 5 rows");
	is_int(d->nnz, 7, "quirks: 7 entries");
	is_int(d->n_cols, 4, "quirks: 4 columns");
	is_near(d->label[1], 0, 0, "0/1 label 0");
	is_near(d->label[2], 2, 0, "multiclass label 2");
	is_near(d->label[4], 0.75, 0, "real target 0.75");
	is_int(d->row_ptr[4] - d->row_ptr[3], 0, "'-1' alone is a row without features");
	is_near(d->val[3], -2.0, 0, "value after tabs");
	is_near(d->val[5], 4.0, 0, "'+4' value");
	is_near(d->val[6], 150.0, 0, "'1.5E2' at EOF without newline");
	has_str(notices, "qid: fields ignored (first on line 2)", "qid: notice names the line");
	int nq = 0;
	for (const char *q = notices; (q = strstr(q, "qid")) != NULL; q++)
		nq++;
	is_int(nq, 1, "qid: notice given once");
	dmlhog_dataset_destroy(d);
}

static void test_index_base(void)
{
	dmlhog_dataset *d;
	d = read_ok("0-based file", "1 0:1 2:1\n-1 1:2\n", defaults());
	if (d) {
		is_int(d->index_base, 0, "index 0 seen: base 0");
		is_int(d->col[0], 0, "0-based ids kept");
		is_int(d->n_cols, 3, "0-based n_cols = max + 1");
		has_str(notices, "x: index base 0 (auto: index 0 on line 1; --index-base=1 to override)", "base 0 decision reported");
		dmlhog_dataset_destroy(d);
	}
	d = read_ok("--index-base=0 on 1-based text", "1 1:1 3:1\n", opts_with(DMLHOG_FORMAT_AUTO, 0, 0, 0));
	if (d) {
		is_int(d->col[1], 3, "explicit base 0: ids as written");
		is_int(d->n_cols, 4, "explicit base 0: n_cols = 4");
		ok(strstr(notices, "index base") == NULL, "explicit base: no auto notice");
		dmlhog_dataset_destroy(d);
	}
	d = read_ok("--index-base=1", "1 1:1 3:1\n", opts_with(DMLHOG_FORMAT_AUTO, 1, 0, 0));
	if (d) {
		is_int(d->col[1], 2, "explicit base 1: shifted");
		dmlhog_dataset_destroy(d);
	}
}

static void test_labels_values(void)
{
	dmlhog_dataset *d = read_ok("agaricus-like 0/1", "0 1:1 4:1\n1 2:1\n", defaults());
	if (d) {
		is_near(d->label[0] + d->label[1], 1, 0, "0/1 labels stored as written");
		dmlhog_dataset_destroy(d);
	}
	d = read_ok("regression", "3.25 1:0.5\n-17.5e-1 2:1e2\n", defaults());
	if (d) {
		is_near(d->label[0], 3.25, 0, "real target");
		is_near(d->label[1], -1.75, 0, "real target with exponent");
		is_near(d->val[1], 100, 0, "value 1e2");
		dmlhog_dataset_destroy(d);
	}
	d = read_ok("multiclass", "3 1:1\n7 1:1\n10 2:1\n", defaults());
	if (d) {
		is_near(d->label[2], 10, 0, "class label 10");
		dmlhog_dataset_destroy(d);
	}
	d = read_ok("long mantissa and subnormal float", "1 1:0.1000000000000000000000001 2:1e-50 3:123456789012345678901234567890\n", defaults());
	if (d) {
		is_near(d->val[0], (float)0.1, 0, "long mantissa via strtod");
		is_near(d->val[1], 0, 0, "1e-50 underflows to 0 in float");
		is_near(d->val[2], (float)1.2345678901234568e29, 0, "30-digit integer value");
		dmlhog_dataset_destroy(d);
	}
}

static void test_triplets(void)
{
	dmlhog_dataset *d = NULL;
	struct dmlhog_error e;
	struct dmlhog_read_opts o = defaults();
	notices_clear();
	ok(dmlhog_dataset_read(data_path("ratings.csv"), &o, &d, &e) == DMLHOG_OK, "ratings.csv reads");
	if (d) {
		is_int(dmlhog_dataset_format(d), DMLHOG_FORMAT_TRIPLET, "csv: triplet format by content");
		is_int(d->n_rows, 4, "csv: 4 ratings (header skipped)");
		is_int(dataset_item_raw(d, 2), 163949, "sparse movie id kept raw");
		is_int(dataset_user_raw(d, 3), 671, "user id raw");
		is_near(d->label[0], 2.5, 0, "half-star rating");
		has_str(notices, "line 1 is a header, skipped: 'userId,movieId,rating,timestamp'", "header notice");
		has_str(notices, "triplet format (auto: comma-separated fields", "format decision reported");
		dmlhog_dataset_destroy(d);
	}
	d = read_ok("blank-separated triplets", "# LIBMF style\n0 0 3\n0 5 1.5\n\n12 3 -2 extra columns\n", defaults());
	if (d) {
		is_int(d->format, DMLHOG_FORMAT_TRIPLET, "three numbers a line: triplets");
		is_int(d->n_rows, 3, "three triplets");
		is_int(dataset_item_raw(d, 1), 5, "item id");
		is_near(d->label[2], -2, 0, "extra columns ignored");
		dmlhog_dataset_destroy(d);
	}
	d = read_ok("forced triplet with spaces around commas", "1 , 2 , 3\n4,5,6,x\n", opts_with(DMLHOG_FORMAT_TRIPLET, -1, 0, 0));
	if (d) {
		is_int(d->n_rows, 2, "commas with blanks");
		dmlhog_dataset_destroy(d);
	}
	d = read_ok("user item rating header", "user item rating\n1 2 3\n", defaults());
	if (d) {
		is_int(d->n_rows, 1, "blank-separated header skipped");
		dmlhog_dataset_destroy(d);
	}
}

static void test_compressed(void)
{
	const char *names[2] = { "small.svm.gz", "small.svm.xz" };
	int have[2] = {
#ifdef HAVE_ZLIB
		1,
#else
		0,
#endif
#ifdef HAVE_LZMA
		1,
#else
		0,
#endif
	};
	for (int i = 0; i < 2; i++) {
		dmlhog_dataset *d = NULL;
		struct dmlhog_error e;
		struct dmlhog_read_opts o = defaults();
		enum dmlhog_status st = dmlhog_dataset_read(data_path(names[i]), &o, &d, &e);
		if (have[i]) {
			ok(st == DMLHOG_OK && d && d->n_rows == 6 && d->nnz == 59, "%s decompressed and read", names[i]);
		} else {
			is_int(st, DMLHOG_E_NOINPUT, "compressed input refused without the library");
			has_str(e.msg, i ? "decompress first: xz -dk" : "decompress first: gzip -dk", "refusal says how to decompress");
		}
		dmlhog_dataset_destroy(d);
	}
#ifdef HAVE_ZLIB
	{
		/* magic bytes decide, not the name */
		FILE *f = fopen(data_path("small.svm.gz"), "rb");
		char buf[4096];
		size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
		if (f)
			fclose(f);
		const char *p = write_file("renamed.txt", buf, n);
		dmlhog_dataset *d = NULL;
		struct dmlhog_error e;
		struct dmlhog_read_opts o = defaults();
		ok(dmlhog_dataset_read(p, &o, &d, &e) == DMLHOG_OK && d->n_rows == 6, "gzip data named .txt is decompressed");
		dmlhog_dataset_destroy(d);
		d = NULL;
		p = write_file("cut.gz", buf, n / 2);
		is_int(dmlhog_dataset_read(p, &o, &d, &e), DMLHOG_E_CORRUPT, "truncated gzip: E_CORRUPT");
		has_str(e.msg, "truncated", "truncated gzip: message");
		is_int(dmlhog_exit_code(DMLHOG_E_CORRUPT), 65, "corrupt input exits 65");
	}
#endif
}

static void test_missing_input(void)
{
	dmlhog_dataset *d = NULL;
	struct dmlhog_error e;
	struct dmlhog_read_opts o = defaults();
	char path[600];
	snprintf(path, sizeof path, "%s/no-such-file.svm", tmpdir);
	is_int(dmlhog_dataset_read(path, &o, &d, &e), DMLHOG_E_NOINPUT, "missing file: E_NOINPUT");
	is_int(dmlhog_exit_code(e.status), 66, "missing file: exit 66");
	has_str(e.msg, "no-such-file.svm: No such file or directory", "missing file: path and strerror");
	ok(d == NULL, "missing file: no dataset");
	is_int(dmlhog_dataset_read(tmpdir, &o, &d, &e), DMLHOG_E_NOINPUT, "directory: E_NOINPUT");
	has_str(e.msg, "Is a directory", "directory: reason");
	o.index_base = 2;
	is_int(dmlhog_dataset_read(data_path("small.svm"), &o, &d, &e), DMLHOG_E_USAGE, "index base 2: E_USAGE");
}

static void test_stdin(void)
{
	const char *p = write_file("stdin.svm", "1 2:1\n-1 3:1\n", 13);
	int saved = dup(0), fd = open(p, O_RDONLY);
	dmlhog_dataset *d = NULL;
	struct dmlhog_error e;
	struct dmlhog_read_opts o = defaults();
	if (saved < 0 || fd < 0 || dup2(fd, 0) < 0) {
		tap_skip("cannot redirect stdin");
		return;
	}
	notices_clear();
	ok(dmlhog_dataset_read("-", &o, &d, &e) == DMLHOG_OK && d->n_rows == 2, "'-' reads stdin");
	has_str(notices, "<stdin>: index base 1", "stdin is named <stdin>");
	dmlhog_dataset_destroy(d);
	dup2(saved, 0);
	close(saved);
	close(fd);
}

/* ---- bad input: one case per kind of error ---- */

struct bad_case {
	const char *what, *text;
	enum dmlhog_format format;
	int base;
	uint64_t line;
	uint32_t col;
	const char *token, *msg;
};

static const struct bad_case bad_cases[] = {
	{ "index 0 with --index-base=1", "+1 1:1\n-1 2:1\n-1 0:1\n", DMLHOG_FORMAT_AUTO, 1, 3, 4, "0:1",
	  "index must be an integer >= 1 (svmlight is 1-based; use --index-base=0)" },
	{ "label not a number", "1 1:1\nabc 2:1\n", DMLHOG_FORMAT_AUTO, -1, 2, 1, "abc", "label is not a number" },
	{ "value nan", "1 1:1\n1 2:1\n1 3:1\n1 1:2 2:nan\n", DMLHOG_FORMAT_AUTO, -1, 4, 9, "nan", "value is not finite" },
	{ "value inf", "1 1:inf\n", DMLHOG_FORMAT_AUTO, -1, 1, 5, "inf", "value is not finite" },
	{ "descending indices", "1 1:1\n1 2:1\n1 3:1\n1 4:1\n1 5:1\n1 6:1\n1 5:1 7:2 3:1\n", DMLHOG_FORMAT_AUTO, -1, 7, 11, "3:1",
	  "indices must be strictly ascending" },
	{ "duplicate index", "1 2:1 2:3\n", DMLHOG_FORMAT_AUTO, -1, 1, 7, "2:3", "strictly ascending (this index repeats)" },
	{ "bare number", "1 1:1\n1 1:1\n1 1:1\n1 1:1\n1 1:1\n1 1:1\n1 1:1\n1 1:1\n1 12\n", DMLHOG_FORMAT_AUTO, -1, 9, 3, "12",
	  "expected index:value" },
	{ "'5:' at EOF", "1 1:1\n1 1:1 5:", DMLHOG_FORMAT_AUTO, -1, 2, 7, "5:", "value missing after ':'" },
	{ "negative index (auto)", "1 -1:1\n", DMLHOG_FORMAT_AUTO, -1, 1, 3, "-1:1", "index must be a non-negative integer" },
	{ "negative index (base 1)", "1 -1:1\n", DMLHOG_FORMAT_AUTO, 1, 1, 3, "-1:1", "use --index-base=0" },
	{ "fractional index", "1 1.5:1\n", DMLHOG_FORMAT_AUTO, -1, 1, 3, "1.5:1", "index is not an integer" },
	{ "index over 32 bits", "1 4294967295:1\n", DMLHOG_FORMAT_AUTO, -1, 1, 3, "4294967295:1", "does not fit in 32 bits" },
	{ "value over float range", "1 1:1e39\n", DMLHOG_FORMAT_AUTO, -1, 1, 5, "1e39", "out of range for a 32-bit float" },
	{ "value not a number", "1 1:abc\n", DMLHOG_FORMAT_AUTO, -1, 1, 5, "abc", "value is not a number" },
	{ "two colons", "1 1:1:2\n", DMLHOG_FORMAT_AUTO, -1, 1, 3, "1:1:2", "more than one ':'" },
	{ "index missing", "1 :1\n", DMLHOG_FORMAT_AUTO, -1, 1, 3, ":1", "the index is missing" },
	{ "signed index", "1 +3:1\n", DMLHOG_FORMAT_AUTO, -1, 1, 3, "+3:1", "without a sign" },
	{ "label missing", "1:1 2:1\n", DMLHOG_FORMAT_AUTO, -1, 1, 1, "1:1", "every line starts with a label" },
	{ "multilabel", "1,2 1:1\n", DMLHOG_FORMAT_AUTO, -1, 1, 1, "1,2", "multilabel" },
	{ "label inf", "1 1:1\n-inf 1:1\n", DMLHOG_FORMAT_AUTO, -1, 2, 1, "-inf", "label is not finite" },
	{ "qid after features", "1 1:1 qid:3\n", DMLHOG_FORMAT_AUTO, -1, 1, 7, "qid:3", "qid: must come right after the label" },
	{ "qid not an integer", "1 qid:x 1:1\n", DMLHOG_FORMAT_AUTO, -1, 1, 3, "qid:x", "qid must be a non-negative integer" },
	{ "NUL byte", "1 1:1\n1 2:1 \0 3:1\n", DMLHOG_FORMAT_AUTO, -1, 2, 7, "", "unexpected NUL byte" },
	{ "CSV header read as svmlight", "userId,movieId,rating\n1,2,3\n", DMLHOG_FORMAT_SVMLIGHT, -1, 1, 1,
	  "userId,movieId,rating", "label is not a number" },
	{ "triplet: two fields", "1,31,2.5\n1,31\n", DMLHOG_FORMAT_AUTO, -1, 2, 1, "1,31", "expected user item rating (found 2 fields)" },
	{ "triplet: one field", "1 2 3\n5\n", DMLHOG_FORMAT_TRIPLET, -1, 2, 1, "5", "(found 1 field)" },
	{ "triplet: empty field", "1,,2.5\n", DMLHOG_FORMAT_AUTO, -1, 1, 3, ",", "item id is missing (empty field)" },
	{ "triplet: negative item", "1,-31,2.5\n", DMLHOG_FORMAT_AUTO, -1, 1, 3, "-31", "item id must be a non-negative integer" },
	{ "triplet: rating not a number", "1,31,abc\n", DMLHOG_FORMAT_AUTO, -1, 1, 6, "abc", "rating is not a number" },
	{ "triplet: rating nan", "u,i,r\n1,31,2\n1,31,nan\n", DMLHOG_FORMAT_AUTO, -1, 3, 6, "nan", "rating is not finite" },
	{ "triplet: id over 64 bits", "1 99999999999999999999 2\n", DMLHOG_FORMAT_TRIPLET, -1, 1, 3, "99999999999999999999", "does not fit in 64 bits" },
	{ "triplet: junk in id", "1,3a,2\n", DMLHOG_FORMAT_AUTO, -1, 1, 3, "3a", "item id must be a non-negative integer" },
	{ "triplet: text user after header", "user item rating\n1 2 3\nu 2 3\n", DMLHOG_FORMAT_AUTO, -1, 3, 1, "u", "user id must be a non-negative integer" },
	{ "triplet: fractional user", "1.5,2,3\n", DMLHOG_FORMAT_AUTO, -1, 1, 1, "1.5", "user id must be a non-negative integer" },
};

static void test_bad_inputs(void)
{
	size_t n = sizeof bad_cases / sizeof bad_cases[0];
	ok(n >= 25, "%zu kinds of bad input", n);
	for (size_t i = 0; i < n; i++) {
		const struct bad_case *c = &bad_cases[i];
		dmlhog_dataset *d = NULL;
		struct dmlhog_error e;
		size_t len = strlen(c->text);
		if (strcmp(c->what, "NUL byte") == 0)
			len = 18;       /* the text goes on after its NUL */
		notices_clear();
		const char *p = write_file("bad", c->text, len);
		struct dmlhog_read_opts o = opts_with(c->format, c->base, 0, 0);
		enum dmlhog_status st = dmlhog_dataset_read(p, &o, &d, &e);
		char got[1200];
		dmlhog_error_format(&e, got, sizeof got);
		int good = st == DMLHOG_E_DATA && dmlhog_exit_code(st) == 65 && d == NULL &&
		           e.line == c->line && e.col == c->col && strcmp(e.token, c->token) == 0 &&
		           strstr(e.msg, c->msg) != NULL && strstr(e.file, "bad") != NULL;
		if (!ok(good, "bad input: %s -> %llu:%u '%s'", c->what, (unsigned long long)c->line, c->col, c->token))
			printf("#   got status %d: %s\n#   want fragment: %s\n", (int)st, got, c->msg);
		dmlhog_dataset_destroy(d);
	}
	/* the whole formatted line, as the CLI prints it */
	dmlhog_dataset *d = NULL;
	struct dmlhog_error e;
	char buf[1200];
	read_text("+1 1:1\n-1 2:1\n-1 0:1\n", opts_with(DMLHOG_FORMAT_AUTO, 1, 0, 0), &d, &e);
	dmlhog_error_format(&e, buf, sizeof buf);
	ok(strstr(buf, "/x:3:4: index must be an integer >= 1 (svmlight is 1-based; use --index-base=0): '0:1'") != NULL,
	   "formatted error: file:line:col: message: 'token'");
	printf("# %s\n", buf);
	/* a long token is cut */
	char text[400];
	memset(text, 'a', 300);
	strcpy(text + 300, " 1:1\n");
	read_text(text, defaults(), &d, &e);
	ok(strlen(e.token) <= 70 && strstr(e.token, "...") != NULL, "long token truncated with '...'");
}

/* ---- skip_bad_lines ---- */

static void test_skip_bad_lines(void)
{
	const char *text = "1 1:1\nbad 1:1\n1 2:1 3:1 2:9\n-1 3:1\n1 x\n1 4:1\n";
	dmlhog_dataset *d = NULL;
	struct dmlhog_error e;

	d = read_ok("3 bad lines, 3 allowed", text, opts_with(DMLHOG_FORMAT_AUTO, -1, 3, 0));
	if (d) {
		is_int(d->skipped_lines, 3, "skipped_lines counts them");
		is_int(d->n_rows, 3, "good rows kept");
		is_int(d->nnz, 3, "no entries from the partial bad row");
		is_int(d->col[1], 2, "row after a bad line is intact");
		has_str(notices, "x: skipped 3 bad lines (3 allowed); first: ", "one notice with the count");
		has_str(notices, "x:2:1: label is not a number: 'bad'", "notice gives the first bad position");
		dmlhog_dataset_destroy(d);
	}
	is_int(read_text(text, opts_with(DMLHOG_FORMAT_AUTO, -1, 2, 0), &d, &e), DMLHOG_E_DATA, "3 bad lines, 2 allowed: E_DATA");
	has_str(e.msg, "too many bad lines (2 allowed)", "limit message");
	is_int(e.line, 5, "limit error at the third bad line");
	is_str(e.token, "x", "limit error token");
	is_int(read_text(text, opts_with(DMLHOG_FORMAT_AUTO, -1, 0, 0), &d, &e), DMLHOG_E_DATA, "strict: first bad line stops");
	is_int(e.line, 2, "strict: line 2");
	d = read_ok("no bad lines with skip on", "1 1:1\n", opts_with(DMLHOG_FORMAT_AUTO, -1, 5, 0));
	if (d) {
		is_int(d->skipped_lines, 0, "nothing skipped");
		ok(strstr(notices, "skipped") == NULL, "no skip notice without bad lines");
		dmlhog_dataset_destroy(d);
	}
}

/* ---- parallel parse ---- */

static char *gen_svm(size_t *len, int triplet)
{
	struct rng r;
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	rng_seed(&r, 42, triplet);
	for (int line = 0; line < 20000; line++) {
		if (cap - n < 1024)
			buf = realloc(buf, cap *= 2);
		uint64_t kind = rng_below(&r, 40);
		if (kind == 0) {
			/* its ':' make the reader's count of entries a loose bound */
			n += (size_t)sprintf(buf + n, "# comment %d: 3:1 4:1\n", line);
			continue;
		}
		if (kind == 1) {
			buf[n++] = '\n';
			continue;
		}
		if (triplet) {
			n += (size_t)sprintf(buf + n, "%llu,%llu,%.1f,123\n", (unsigned long long)rng_below(&r, 1000),
			                     (unsigned long long)rng_below(&r, 200000), 0.5 * (double)(1 + rng_below(&r, 10)));
			continue;
		}
		n += (size_t)sprintf(buf + n, "%s", rng_below(&r, 2) ? "+1" : "-1");
		uint64_t idx = 0, k = rng_below(&r, 12);
		for (uint64_t j = 0; j < k; j++) {
			idx += 1 + rng_below(&r, 50);
			if (rng_below(&r, 3) == 0)
				n += (size_t)sprintf(buf + n, " %llu:%.7e", (unsigned long long)idx, rng_uniform(&r) - 0.5);
			else
				n += (size_t)sprintf(buf + n, " %llu:%g", (unsigned long long)idx, (double)rng_below(&r, 100) / 8);
		}
		n += (size_t)sprintf(buf + n, "%s", kind == 2 ? " \r\n" : "\n");
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int same_dataset(const dmlhog_dataset *a, const dmlhog_dataset *b)
{
	if (a->n_rows != b->n_rows || a->nnz != b->nnz || a->n_cols != b->n_cols || a->format != b->format)
		return 0;
	if (memcmp(a->label, b->label, a->n_rows * sizeof *a->label) != 0)
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

/* Replace line number `line` (1-based) of text with repl. */
static char *with_line(const char *text, size_t len, uint64_t line, const char *repl, size_t *out_len)
{
	const char *p = text;
	for (uint64_t i = 1; i < line; i++)
		p = strchr(p, '\n') + 1;
	const char *q = strchr(p, '\n');
	size_t head = (size_t)(p - text), tail = len - (size_t)(q - text);
	char *out = malloc(len + strlen(repl) + 1);
	memcpy(out, text, head);
	memcpy(out + head, repl, strlen(repl));
	memcpy(out + head + strlen(repl), q, tail);
	*out_len = head + strlen(repl) + tail;
	out[*out_len] = '\0';
	return out;
}

static void test_parallel(int triplet)
{
	const int threads[4] = { 1, 2, 3, 8 };
	const char *kind = triplet ? "triplets" : "svmlight";
	size_t len;
	char *text = gen_svm(&len, triplet);
	const char *p = write_file(triplet ? "big.csv" : "big.svm", text, len);
	dmlhog_dataset *d[4] = { NULL };
	struct dmlhog_error e;

	for (int t = 0; t < 4; t++) {
		struct dmlhog_read_opts o = opts_with(DMLHOG_FORMAT_AUTO, -1, 0, threads[t]);
		ok(dmlhog_dataset_read(p, &o, &d[t], &e) == DMLHOG_OK, "%s %zu bytes, %d threads: reads", kind, len, threads[t]);
	}
	for (int t = 1; t < 4; t++)
		ok(d[0] && d[t] && same_dataset(d[0], d[t]), "%s: %d threads give the same arrays as 1", kind, threads[t]);
	if (d[0] && !triplet) {
		double y;
		const char *first = text;
		while (*first == '#' || *first == '\n')
			first = strchr(first, '\n') + 1;
		numparse_double(first, first + 2, &y);
		is_near(d[0]->label[0], y, 0, "first row label as written");
	}
	for (int t = 0; t < 4; t++)
		dmlhog_dataset_destroy(d[t]);

	/* errors at lines 15001 and 19001: every thread count names 15001 */
	size_t l1, l2;
	char *bad1 = with_line(text, len, 15001, triplet ? "1,2,zz" : "1 5:1 3:1", &l1);
	char *bad2 = with_line(bad1, l1, 19001, triplet ? "1,2,qq" : "bad", &l2);
	p = write_file("bad-big", bad2, l2);
	for (int t = 0; t < 4; t++) {
		dmlhog_dataset *x = NULL;
		struct dmlhog_read_opts o = opts_with(triplet ? DMLHOG_FORMAT_TRIPLET : DMLHOG_FORMAT_SVMLIGHT, -1, 0, threads[t]);
		enum dmlhog_status st = dmlhog_dataset_read(p, &o, &x, &e);
		ok(st == DMLHOG_E_DATA && e.line == 15001 && strcmp(e.token, triplet ? "zz" : "3:1") == 0,
		   "%s, %d threads: earliest bad line 15001 reported (got %llu '%s')", kind, threads[t],
		   (unsigned long long)e.line, e.token);
		/* skip 1: the second bad line is the one over the limit */
		o.skip_bad_lines = 1;
		st = dmlhog_dataset_read(p, &o, &x, &e);
		ok(st == DMLHOG_E_DATA && e.line == 19001, "%s, %d threads, 1 allowed: limit hit at line 19001 (got %llu)",
		   kind, threads[t], (unsigned long long)e.line);
		o.skip_bad_lines = 2;
		notices_clear();
		st = dmlhog_dataset_read(p, &o, &x, &e);
		ok(st == DMLHOG_OK && x->skipped_lines == 2 && strstr(notices, ":15001:") != NULL,
		   "%s, %d threads, 2 allowed: 2 skipped, first at 15001", kind, threads[t]);
		dmlhog_dataset_destroy(x);
	}
	/* four bad lines, two allowed: the third (16001) is over the limit,
	 * also when it sits in the middle of one chunk's bad lines */
	size_t l3, l4;
	char *bad3 = with_line(bad2, l2, 3001, triplet ? "x" : "1 1:x", &l3);
	char *bad4 = with_line(bad3, l3, 16001, triplet ? "1" : "1 0", &l4);
	p = write_file("bad-big4", bad4, l4);
	for (int t = 0; t < 4; t++) {
		dmlhog_dataset *x = NULL;
		struct dmlhog_read_opts o = opts_with(triplet ? DMLHOG_FORMAT_TRIPLET : DMLHOG_FORMAT_SVMLIGHT, -1, 2, threads[t]);
		enum dmlhog_status st = dmlhog_dataset_read(p, &o, &x, &e);
		ok(st == DMLHOG_E_DATA && e.line == 16001 && strstr(e.msg, "too many bad lines (2 allowed)"),
		   "%s, %d threads, 4 bad, 2 allowed: third bad line 16001 reported (got %llu)", kind, threads[t],
		   (unsigned long long)e.line);
	}
	free(bad1);
	free(bad2);
	free(bad3);
	free(bad4);
	free(text);
}

/* ---- number parsing ---- */

static void test_numparse(void)
{
	static const char *const cases[] = {
		"0", "-0", "+1", "1.", ".5", "-.5", "1e5", "1E-5", "6.2699720e-02", "0.1", "0.3",
		"123456789012345678", "9007199254740993", "1e22", "1e23", "4.9e-324", "2.2250738585072014e-308",
		"1.7976931348623157e308", "0.000000000000000000000000001", "3.14159265358979323846",
		"0x1p4", "1e-400", "00001.5000", "9999999999999999999", "1e+22",
	};
	int all = 1;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *s = cases[i];
		double a = 0, b = strtod(s, NULL);
		if (numparse_double(s, s + strlen(s), &a) != 0 || memcmp(&a, &b, sizeof a) != 0) {
			printf("#   '%s': %.17g vs strtod %.17g\n", s, a, b);
			all = 0;
		}
	}
	ok(all, "numparse_double equals strtod on edge cases");

	struct rng r;
	rng_seed(&r, 7, 0);
	int fast = 0, same = 1;
	for (int i = 0; i < 200000; i++) {
		char s[64];
		uint64_t bits = rng_next(&r);
		double x;
		switch (i % 4) {
		case 0: x = rng_uniform(&r) * 1000 - 500; break;
		case 1: x = (double)(bits >> 20) / (double)(1 + rng_below(&r, 100000)); break;
		case 2: x = ldexp(rng_uniform(&r), (int)rng_below(&r, 200) - 100); break;
		default: x = (double)rng_below(&r, 1000) / 8; break;
		}
		snprintf(s, sizeof s, "%.*g", 1 + (int)rng_below(&r, 17), x);
		double a = 0, b = strtod(s, NULL);
		fast += numparse_fast_double(s, &a) == s + strlen(s);
		if (numparse_double(s, s + strlen(s), &a) != 0 || memcmp(&a, &b, sizeof a) != 0) {
			if (same)
				printf("#   '%s': %.17g vs strtod %.17g\n", s, a, b);
			same = 0;
		}
	}
	ok(same, "200000 random decimals: numparse bit-identical to strtod");
	ok(fast > 100000, "most random decimals take the fast path (%d)", fast);

	const char *junk[] = { "", "-", "+", ".", "e5", "1e", "1e+", "--1", "1..2", "abc" };
	int rej = 1;
	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
		double v;
		if (numparse_double(junk[i], junk[i] + strlen(junk[i]), &v) == 0)
			rej = 0, printf("#   accepted '%s'\n", junk[i]);
	}
	ok(rej, "non-numbers rejected");
	uint64_t u;
	ok(numparse_u64("18446744073709551615", &u) && u == UINT64_MAX, "u64 max");
	ok(numparse_u64("18446744073709551616", &u) == NULL, "u64 overflow rejected");
}

/* ---- idmap ---- */

static void test_idmap(void)
{
	struct idmap *m = idmap_create();
	ok(m != NULL, "idmap_create");
	is_int(idmap_intern(m, 163949), 0, "first id -> 0");
	is_int(idmap_intern(m, 31), 1, "second id -> 1");
	is_int(idmap_intern(m, 163949), 0, "repeated id keeps its index");
	is_int(idmap_find(m, 31), 1, "find existing");
	is_int(idmap_find(m, 32), IDMAP_NONE, "find absent");
	is_int(idmap_intern(m, 0), 2, "id 0 is an ordinary id");
	is_int(idmap_intern(m, UINT64_MAX), 3, "id UINT64_MAX is an ordinary id");
	int good = 1;
	for (uint64_t i = 0; i < 100000; i++)
		good &= idmap_intern(m, i * 7919 + 1000000) == 4 + i;
	ok(good, "100000 sparse ids interned in order (table grows)");
	good = idmap_size(m) == 100004;
	for (uint64_t i = 0; i < 100000; i += 97)
		good &= idmap_find(m, i * 7919 + 1000000) == 4 + i && idmap_id(m, (uint32_t)(4 + i)) == i * 7919 + 1000000;
	ok(good, "lookups after growth; idmap_id inverts");
	is_int(idmap_find(m, 163949), 0, "early id survives rehash");

	uint64_t ids[4] = { 5, 1, 99, 0 };
	struct idmap *r = idmap_from_ids(ids, 4);
	ok(r && idmap_size(r) == 4 && idmap_find(r, 99) == 2 && idmap_id(r, 3) == 0, "idmap_from_ids keeps dense order");
	uint64_t dup[3] = { 5, 1, 5 };
	ok(idmap_from_ids(dup, 3) == NULL, "idmap_from_ids refuses repeated ids");
	is_int(idmap_intern(NULL, 1), IDMAP_NONE, "NULL map: intern gives IDMAP_NONE");
	is_int(idmap_size(NULL), 0, "NULL map: size 0");
	idmap_destroy(r);
	idmap_destroy(m);
	idmap_destroy(NULL);
}

/* ---- holdout split ---- */

static void test_split(void)
{
	size_t len;
	char *text = gen_svm(&len, 0);
	dmlhog_dataset *d = read_ok("split input", text, opts_with(DMLHOG_FORMAT_SVMLIGHT, -1, 0, 2));
	free(text);
	if (!d)
		return;
	dmlhog_dataset *tr = NULL, *ho = NULL, *tr2 = NULL, *ho2 = NULL;
	struct dmlhog_error e;
	ok(dataset_split(d, 0.2, 1, &tr, &ho, &e) == DMLHOG_OK, "split 0.2");
	if (tr && ho) {
		is_int(tr->n_rows + ho->n_rows, d->n_rows, "rows add up");
		is_int(tr->nnz + ho->nnz, d->nnz, "entries add up");
		ok(ho->n_rows > d->n_rows / 5 - d->n_rows / 50 && ho->n_rows < d->n_rows / 5 + d->n_rows / 50,
		   "holdout near 20%% (%llu of %llu)", (unsigned long long)ho->n_rows, (unsigned long long)d->n_rows);
		is_int(ho->n_cols, d->n_cols, "holdout keeps the full width");
		ok(tr->row_ptr[tr->n_rows] == tr->nnz && ho->row_ptr[ho->n_rows] == ho->nnz, "row offsets consistent");
		ok(dataset_split(d, 0.2, 1, &tr2, &ho2, &e) == DMLHOG_OK && same_dataset(ho, ho2), "same seed, same split");
		dmlhog_dataset_destroy(tr2);
		dmlhog_dataset_destroy(ho2);
		ok(dataset_split(d, 0.2, 2, &tr2, &ho2, &e) == DMLHOG_OK && !same_dataset(ho, ho2), "other seed, other split");
		dmlhog_dataset_destroy(tr2);
		dmlhog_dataset_destroy(ho2);
	}
	dmlhog_dataset_destroy(tr);
	dmlhog_dataset_destroy(ho);
	is_int(dataset_split(d, 1.5, 1, &tr, &ho, &e), DMLHOG_E_USAGE, "fraction 1.5 refused");
	dmlhog_dataset_destroy(d);

	dmlhog_dataset *t = NULL;
	struct dmlhog_read_opts o = defaults();
	if (dmlhog_dataset_read(data_path("ratings.csv"), &o, &t, &e) == DMLHOG_OK &&
	    dataset_split(t, 0.5, 3, &tr, &ho, &e) == DMLHOG_OK) {
		ok(tr->n_rows + ho->n_rows == 4 && tr->format == DMLHOG_FORMAT_TRIPLET, "triplets split");
		dmlhog_dataset_destroy(tr);
		dmlhog_dataset_destroy(ho);
	} else {
		ok(0, "triplets split");
	}
	dmlhog_dataset_destroy(t);
}

/* ---- the real sample sets shipped in data/, when present ---- */

static void test_shipped_data(void)
{
	static const struct { const char *name; uint64_t rows, nnz; uint32_t cols; } sets[] = {
		{ "a9a", 32561, 451592, 123 },
		{ "agaricus.txt.train", 6513, 143286, 126 },
		{ "heart_scale", 270, 3378, 13 },
	};
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
		char path[1024];
		snprintf(path, sizeof path, "%s/data/%s", srcdir(), sets[i].name);
		if (access(path, R_OK) != 0) {
			tap_skip("shipped data set not present");
			continue;
		}
		dmlhog_dataset *d = NULL;
		struct dmlhog_error e;
		struct dmlhog_read_opts o = defaults();
		ok(dmlhog_dataset_read(path, &o, &d, &e) == DMLHOG_OK && d->n_rows == sets[i].rows &&
		   d->nnz == sets[i].nnz && d->n_cols == sets[i].cols && d->index_base == 1,
		   "data/%s: %llu rows, %llu entries, %u features", sets[i].name,
		   (unsigned long long)sets[i].rows, (unsigned long long)sets[i].nnz, sets[i].cols);
		dmlhog_dataset_destroy(d);
	}
}

/* The shared real data (DMLHOG_TEST_DATA, as data/prepare uses it), read
 * compressed as staged; skipped when the variable is not set. */
static void test_shared_data(void)
{
	const char *base = getenv("DMLHOG_TEST_DATA");
	char path[1024];
	dmlhog_dataset *d = NULL;
	struct dmlhog_error e;
	struct dmlhog_read_opts o = defaults();

	if (!base || !*base) {
		tap_skip("DMLHOG_TEST_DATA not set (shared ml-latest-small and w8a)");
		return;
	}
	snprintf(path, sizeof path, "%s/ml-latest-small-2016/ratings.csv.xz", base);
	if (access(path, R_OK) == 0 && dmlhog_dataset_read(path, &o, &d, &e) == DMLHOG_OK) {
		struct idmap *u = idmap_create(), *m = idmap_create();
		for (uint64_t i = 0; i < d->n_rows; i++) {
			idmap_intern(u, dataset_user_raw(d, i));
			idmap_intern(m, dataset_item_raw(d, i));
		}
		ok(d->format == DMLHOG_FORMAT_TRIPLET && d->n_rows == 100004 && idmap_size(u) == 671 &&
		   idmap_size(m) == 9066, "ml-latest-small: 100,004 ratings, 671 users, 9,066 movies");
		idmap_destroy(u);
		idmap_destroy(m);
	} else {
		ok(0, "ml-latest-small reads: %s", e.msg);
	}
	dmlhog_dataset_destroy(d);
	d = NULL;
	snprintf(path, sizeof path, "%s/w8a.xz", base);
	if (access(path, R_OK) == 0 && dmlhog_dataset_read(path, &o, &d, &e) == DMLHOG_OK) {
		uint64_t empty = 0;
		for (uint64_t i = 0; i < d->n_rows; i++)
			empty += d->row_ptr[i + 1] == d->row_ptr[i];
		ok(d->n_rows == 49749 && d->nnz == 579586 && d->n_cols == 300 && empty == 4203,
		   "w8a: 49,749 rows, 579,586 entries, 4,203 without features");
	} else {
		ok(0, "w8a reads: %s", e.msg);
	}
	dmlhog_dataset_destroy(d);
}

static void cleanup(void)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "test-readers.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_a9a_like();
	test_quirks();
	test_index_base();
	test_labels_values();
	test_triplets();
	test_compressed();
	test_missing_input();
	test_stdin();
	test_bad_inputs();
	test_skip_bad_lines();
	test_parallel(0);
	test_parallel(1);
	test_numparse();
	test_idmap();
	test_split();
	test_shipped_data();
	test_shared_data();
	cleanup();
	return tap_done();
}

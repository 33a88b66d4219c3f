/* reader.c: read a file into a dataset with a parallel chunked parse.
 *
 * The whole (decompressed) text is in memory.  It is cut at newlines into
 * one chunk per thread.  A first pass counts each chunk's lines and ':'
 * bytes, upper bounds of its rows and entries; the data set's arrays are
 * allocated once from their sum, every chunk parses straight into its own
 * window of them, and the windows are closed up afterwards (a move only
 * where comments, blank or bad lines made a bound loose).  So a read needs
 * the parsed arrays once, not chunk copies besides; and the text pages of a
 * mapped file are dropped from the process behind both passes, so its peak
 * memory is about the size of the parsed data.  Line numbers are counted
 * per chunk and made global afterwards, so an error names the same line
 * whatever the thread count: the earliest bad line in file order.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "data/dataset.h"
#include "data/input.h"
#include "data/reader.h"
#include "util/notice.h"
#include "util/numparse.h"

/* Chunks smaller than this are not worth a thread. */
#define READER_MIN_CHUNK 16384

const unsigned char reader_class[256] = {
	[' '] = RC_SP, ['\t'] = RC_SP, ['\r'] = RC_SP, ['\v'] = RC_SP, ['\f'] = RC_SP,
	['\n'] = RC_EOL, ['\0'] = RC_EOL, ['#'] = RC_HASH,
};

/* malloc for the big arrays, never NULL for 0 bytes.  (Transparent huge
 * pages were tried here: faster on average but with 2x outliers from
 * page compaction, so plain malloc.) */
static void *big_alloc(size_t bytes)
{
	return malloc(bytes ? bytes : 1);
}

void dmlhog_read_opts_init(struct dmlhog_read_opts *o)
{
	memset(o, 0, sizeof *o);
	o->format = DMLHOG_FORMAT_AUTO;
	o->index_base = -1;
}

/* ---- helpers for the chunk parsers ---- */

int chunk_grow_rows(struct chunk *c, int triplet)
{
	if (c->fixed)           /* cannot happen: the bound is a line count */
		return c->nomem = 1, -1;
	uint64_t cap = c->cap_rows ? c->cap_rows * 2 : 1024;
	double *l = realloc(c->label, cap * sizeof *l);
	if (l)
		c->label = l;
	if (triplet) {
		uint64_t *u = l ? realloc(c->user, cap * sizeof *u) : NULL;
		if (u)
			c->user = u;
		uint64_t *i = u ? realloc(c->item, cap * sizeof *i) : NULL;
		if (i)
			c->item = i;
		if (!i)
			return c->nomem = 1, -1;
	} else {
		uint64_t *r = l ? realloc(c->row_ptr, (cap + 1) * sizeof *r) : NULL;
		if (!r)
			return c->nomem = 1, -1;
		c->row_ptr = r;
	}
	c->cap_rows = cap;
	return 0;
}

int chunk_grow_nnz(struct chunk *c)
{
	if (c->fixed)           /* cannot happen: every entry has its ':' */
		return c->nomem = 1, -1;
	uint64_t cap = c->cap_nnz ? c->cap_nnz * 2 : 4096;
	uint32_t *col = realloc(c->col, cap * sizeof *col);
	if (col)
		c->col = col;
	float *val = col ? realloc(c->val, cap * sizeof *val) : NULL;
	if (!val)
		return c->nomem = 1, -1;
	c->val = val;
	c->cap_nnz = cap;
	return 0;
}

const char *reader_next_line(const struct chunk *c, const char *p)
{
	const char *q = p < c->end ? memchr(p, '\n', (size_t)(c->end - p)) : NULL;
	return q ? q + 1 : c->end;
}

/* Text is dropped from the process in steps of this many bytes. */
#define RELEASE_STEP ((size_t)8 << 20)

/* Drop the whole pages of [from, to) of a file mapping from the process:
 * they stay in the page cache, and a later read (an error message quoting
 * a line) maps them back.  Only for file mappings: on anonymous memory
 * MADV_DONTNEED would zero the text. */
static void text_release(const char *from, const char *to, uintptr_t page)
{
	uintptr_t a = ((uintptr_t)from + page - 1) & ~(page - 1);
	uintptr_t b = (uintptr_t)to & ~(page - 1);
	if (b > a)
		madvise((void *)a, b - a, MADV_DONTNEED);
}

static void chunk_release_upto(struct chunk *c, const char *p)
{
	if (c->release && (size_t)(p - c->released) >= RELEASE_STEP) {
		text_release(c->released, p, c->page);
		c->released = p;
	}
}

/* Every line of the chunk through fn, checking now and then whether an
 * earlier chunk's error has made this one pointless. */
static void chunk_parse_lines(struct chunk *c, chunk_line_fn fn)
{
	const char *p = c->begin;
	uint64_t line = 0;

	c->released = c->begin;
	while (p < c->end) {
		line++;
		if ((line & 4095) == 0) {
			if (chunk_should_cancel(c)) {
				c->stopped = CHUNK_CANCELLED;
				break;
			}
			chunk_release_upto(c, p);
		}
		if (fn(c, line, &p) == LINE_STOP)
			break;
	}
	if (c->release)
		text_release(c->released, c->end, c->page);
	c->lines = line;
}

/* Bytes equal to a and to b in [p, e), eight at a time: a zero byte of
 * x = word ^ (a repeated) is one whose low seven bits and high bit are
 * all clear, which ((x & 7f..) + 7f..) | x tests without carries between
 * bytes. */
static void count_two(const char *p, const char *e, char a, char b, uint64_t *na,
                      uint64_t *nb)
{
	const uint64_t lo7 = 0x7f7f7f7f7f7f7f7fULL, ones = 0x0101010101010101ULL;
	const uint64_t pa = ones * (unsigned char)a, pb = ones * (unsigned char)b;
	uint64_t ca = 0, cb = 0;
	while (e - p >= 8 * 255) {
		uint64_t acca = 0, accb = 0;     /* per byte lane, <= 255 each */
		for (int k = 0; k < 255; k++, p += 8) {
			uint64_t w, x, y;
			memcpy(&w, p, 8);
			x = w ^ pa;
			y = ~(((x & lo7) + lo7) | x | lo7);
			acca += y >> 7;
			x = w ^ pb;
			y = ~(((x & lo7) + lo7) | x | lo7);
			accb += y >> 7;
		}
		const uint64_t m = 0x00ff00ff00ff00ffULL, h = 0x0001000100010001ULL;
		ca += (((acca & m) + ((acca >> 8) & m)) * h) >> 48;
		cb += (((accb & m) + ((accb >> 8) & m)) * h) >> 48;
	}
	for (; p < e; p++) {
		ca += *p == a;
		cb += *p == b;
	}
	*na += ca;
	*nb += cb;
}

/* Upper bounds of chunk c's rows (its lines) and entries (its ':'),
 * counted a window at a time so that a mapped file's pages can be
 * released behind the count too. */
static void chunk_bounds(struct chunk *c, uint64_t *rows, uint64_t *nnz)
{
	uint64_t lines = 0, colons = 0;
	for (const char *p = c->begin; p < c->end; p += RELEASE_STEP) {
		const char *e = (size_t)(c->end - p) > RELEASE_STEP ? p + RELEASE_STEP : c->end;
		count_two(p, e, '\n', ':', &lines, &colons);
		if (c->release)
			text_release(p, e, c->page);
	}
	if (c->end > c->begin && c->end[-1] != '\n')
		lines++;             /* the last line has no newline */
	*rows = lines;
	*nnz = colons;
}

int chunk_should_cancel(const struct chunk *c)
{
	return c->cancel_before && __atomic_load_n(c->cancel_before, __ATOMIC_RELAXED) < c->chunk_no;
}

/* Length of the well-formed UTF-8 character at p (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
	if (len == 0 || len > n || p[0] > 0xf4)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* Copy a token for a message: at most 64 bytes, whole characters only,
 * "..." when cut; control bytes and broken UTF-8 shown as '?'. */
static void token_copy(char *dst, size_t size, const char *tok, const char *te)
{
	const unsigned char *p = (const unsigned char *)tok, *e = (const unsigned char *)te;
	size_t o = 0, max = size - 4 < 64 ? size - 4 : 64;
	while (p < e) {
		size_t n = *p < 0x80 ? 1 : utf8_len(p, (size_t)(e - p));
		if (o + (n ? n : 1) > max)
			break;
		if (n > 1) {
			memcpy(dst + o, p, n);
		} else {
			dst[o] = *p < 0x20 || *p >= 0x7f ? '?' : (char)*p;
			n = 1;
		}
		o += n;
		p += n;
	}
	strcpy(dst + o, p < e ? "..." : "");
}

int chunk_bad_line(struct chunk *c, uint64_t line, const char *line_start,
                   const char *tok, const char *tok_end, const char *fmt, ...)
{
	struct chunk_err *e = &c->last_bad;
	va_list ap;

	c->bad++;
	e->line = line;
	e->col = (uint32_t)(tok - line_start + 1);
	token_copy(e->token, sizeof e->token, tok, tok_end);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	if (c->bad == 1)
		c->first_bad = *e;
	if (c->bad < c->stop_after)
		return 0;
	c->stopped = CHUNK_LIMIT;
	if (c->cancel_before) {
		/* Later chunks need not finish: the error reported is in this
		 * chunk or an earlier one. */
		int cur = __atomic_load_n(c->cancel_before, __ATOMIC_RELAXED);
		while (c->chunk_no < cur &&
		       !__atomic_compare_exchange_n(c->cancel_before, &cur, c->chunk_no, 0,
		                                    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
	}
	return 1;
}

/* ---- format detection ---- */

/* Split the line at p into up to max fields (blank- or comma-separated,
 * ending at '#' or the end of the line).  Returns the field count;
 * *has_comma / *has_colon report what the line contains. */
static int line_fields(const char *p, const char **fs, const char **fe, int max,
                       int *has_comma, int *has_colon)
{
	int n = 0;
	*has_comma = *has_colon = 0;
	for (;;) {
		while (reader_class[(unsigned char)*p] == RC_SP || *p == ',')
			*has_comma |= *p++ == ',';
		if (reader_class[(unsigned char)*p] != RC_TOK)
			return n;
		const char *s = p;
		while (!reader_is_delim(*p) && *p != ',')
			*has_colon |= *p++ == ':';
		if (n < max) {
			fs[n] = s;
			fe[n] = p;
		}
		n++;
	}
}

static int field_is_number(const char *s, const char *e)
{
	double v = 0;
	return numparse_double(s, e, &v) == 0 && v == v;
}

/* Next line that is neither blank nor a comment, at or after p; NULL at
 * the end.  *line counts the lines passed. */
static const char *next_data_line(const char *p, const char *end, uint64_t *line)
{
	while (p < end) {
		const char *q = p;
		(*line)++;
		while (reader_class[(unsigned char)*q] == RC_SP)
			q++;
		if (*q != '#' && *q != '\n' && *q != '\0')
			return p;
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		p = nl ? nl + 1 : end;
	}
	return NULL;
}

static int line_is_header(const char *p)
{
	const char *fs[2], *fe[2];
	int comma, colon;
	int n = line_fields(p, fs, fe, 2, &comma, &colon);
	/* index:value pairs are svmlight with the label missing, not names */
	return n >= 2 && !colon && !field_is_number(fs[0], fe[0]) &&
	       !field_is_number(fs[1], fe[1]);
}

size_t triplet_header_len(const char *buf, size_t len, uint64_t *header_line,
                          const char **header_start)
{
	uint64_t line = 0;
	const char *p = next_data_line(buf, buf + len, &line);
	*header_line = 0;
	*header_start = NULL;
	if (!p || !line_is_header(p))
		return 0;
	*header_line = line;
	*header_start = p;
	const char *nl = memchr(p, '\n', (size_t)(buf + len - p));
	return (size_t)((nl ? nl + 1 : buf + len) - buf);
}

/* AUTO: triplets when the first data line has commas (and no ':') or is a
 * header, or when the first lines all start with 3 numbers and hold no
 * index:value; svmlight otherwise. */
enum dmlhog_format reader_detect_format(const char *buf, size_t len, const char **why)
{
	const char *end = buf + len, *p;
	uint64_t line = 0;
	int seen = 0;

	*why = "";
	for (p = next_data_line(buf, end, &line); p && seen < 16; seen++) {
		const char *fs[8], *fe[8];
		int comma, colon;
		int n = line_fields(p, fs, fe, 8, &comma, &colon);
		if (seen == 0 && comma && !colon)
			return *why = "comma-separated fields", DMLHOG_FORMAT_TRIPLET;
		if (seen == 0 && line_is_header(p))
			return *why = "a header line", DMLHOG_FORMAT_TRIPLET;
		if (colon || n < 3)
			return DMLHOG_FORMAT_SVMLIGHT;
		for (int i = 0; i < 3; i++)      /* later columns are ignored */
			if (!field_is_number(fs[i], fe[i]))
				return DMLHOG_FORMAT_SVMLIGHT;
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? next_data_line(nl + 1, end, &line) : NULL;
	}
	if (seen == 0)
		return DMLHOG_FORMAT_SVMLIGHT;
	*why = "lines start with three numbers and have no index:value pairs";
	return DMLHOG_FORMAT_TRIPLET;
}

/* ---- the parallel parse ---- */

struct parse_job {
	const char *name;               /* file name for messages */
	const struct dmlhog_read_opts *opts;
	enum dmlhog_format format;
	uint64_t line0;                 /* lines before the parsed region (header) */
	int nchunks;
	struct chunk *ch;
	int cancel_before;
	int release;                    /* the text is a file mapping (chunk.release) */
	uint64_t *user_raw, *item_raw;  /* triplets: ids as written, until indexed */
};

#define notice(o, ...) notice_send((o)->notice, (o)->notice_ctx, __VA_ARGS__)

static int reader_threads(const struct dmlhog_read_opts *o, size_t len)
{
	int t = o->threads > 0 ? o->threads : omp_get_max_threads();
	size_t by_size = len / READER_MIN_CHUNK + 1;
	if (t > 256)
		t = 256;
	if ((size_t)t > by_size)
		t = (int)by_size;
	return t < 1 ? 1 : t;
}

static void chunk_free(struct chunk *c)
{
	if (!c->fixed) {         /* else windows of the data set's arrays */
		free(c->label);
		free(c->row_ptr);
		free(c->user);
		free(c->item);
		free(c->col);
		free(c->val);
	}
	c->label = NULL;
	c->row_ptr = c->user = c->item = NULL;
	c->col = NULL;
	c->val = NULL;
}

/* Arrays of a chunk's own (re-reading it for an error message).  First
 * guesses from the byte count: a row is rarely under 16 bytes and an
 * index:value pair under 6; both arrays grow when wrong.  0, or -1 with
 * c->nomem set. */
static int chunk_alloc(struct chunk *c, int triplet)
{
	size_t bytes = (size_t)(c->end - c->begin);
	c->cap_rows = bytes / 16 + 16;
	c->cap_nnz = triplet ? 0 : bytes / 6 + 16;
	c->label = big_alloc(c->cap_rows * sizeof *c->label);
	if (triplet) {
		c->user = big_alloc(c->cap_rows * sizeof *c->user);
		c->item = big_alloc(c->cap_rows * sizeof *c->item);
	} else {
		c->row_ptr = big_alloc((c->cap_rows + 1) * sizeof *c->row_ptr);
		c->col = big_alloc(c->cap_nnz * sizeof *c->col);
		c->val = big_alloc(c->cap_nnz * sizeof *c->val);
	}
	if (!c->label || (triplet ? !c->user || !c->item : !c->row_ptr || !c->col || !c->val))
		return c->nomem = 1, -1;
	return 0;
}

/* Parse chunk c into its windows (fixed) or arrays of its own. */
static void chunk_run(struct parse_job *job, struct chunk *c)
{
	int triplet = job->format == DMLHOG_FORMAT_TRIPLET;
	if (!c->fixed && chunk_alloc(c, triplet) != 0)
		return;
	if (!triplet)
		c->row_ptr[0] = 0;
	chunk_parse_lines(c, triplet ? triplet_line : svmlight_line);
}

/* Cut [begin, end) into job->nchunks pieces at newlines. */
static void job_split(struct parse_job *job, const char *begin, const char *end)
{
	size_t len = (size_t)(end - begin);
	const char *at = begin;
	for (int i = 0; i < job->nchunks; i++) {
		struct chunk *c = &job->ch[i];
		const char *stop = begin + len / (size_t)job->nchunks * (size_t)(i + 1);
		if (i == job->nchunks - 1 || stop >= end) {
			stop = end;
		} else if (stop > at) {
			const char *nl = memchr(stop - 1, '\n', (size_t)(end - stop + 1));
			stop = nl ? nl + 1 : end;
		} else {
			stop = at;
		}
		c->begin = at;
		c->end = stop;
		c->index_base = job->opts->index_base;
		c->chunk_no = i;
		c->cancel_before = &job->cancel_before;
		c->stop_after = job->opts->skip_bad_lines + 1;
		if (c->stop_after == 0)          /* skip_bad_lines = UINT64_MAX */
			c->stop_after = UINT64_MAX;
		at = stop;
	}
}

static uint64_t job_line_offset(const struct parse_job *job, int j)
{
	uint64_t off = job->line0;
	for (int i = 0; i < j; i++)
		off += job->ch[i].lines;
	return off;
}

static enum dmlhog_status job_error(const struct parse_job *job, const struct chunk_err *e,
                                    uint64_t line_off, const char *prefix,
                                    struct dmlhog_error *err)
{
	if (!err)
		return DMLHOG_E_DATA;
	snprintf(err->file, sizeof err->file, "%s", job->name);
	err->line = line_off + e->line;
	err->col = e->col;
	snprintf(err->token, sizeof err->token, "%s", e->token);
	return dmlhog_error_set(err, DMLHOG_E_DATA, "%s%s", prefix, e->msg);
}

/* The k-th bad line of chunk j (1 <= k <= bad): re-parse when needed. */
static void job_kth_bad(struct parse_job *job, int j, uint64_t k, struct chunk_err *out)
{
	const struct chunk *c = &job->ch[j];
	if (k == 1) {
		*out = c->first_bad;
		return;
	}
	if (k == c->bad) {
		*out = c->last_bad;
		return;
	}
	struct chunk t;
	memset(&t, 0, sizeof t);
	t.begin = c->begin;
	t.end = c->end;
	t.index_base = c->index_base;
	t.stop_after = k;
	chunk_run(job, &t);
	*out = t.last_bad;
	chunk_free(&t);
}

/* Apply the bad-line policy.  OK when the read may go on. */
static enum dmlhog_status job_check_bad(struct parse_job *job, uint64_t *skipped,
                                        struct dmlhog_error *err)
{
	uint64_t allowed = job->opts->skip_bad_lines, seen = 0;
	char prefix[96];

	for (int j = 0; j < job->nchunks; j++) {
		const struct chunk *c = &job->ch[j];
		if (c->nomem)
			return dmlhog_error_set(err, DMLHOG_E_NOMEM, "%s: out of memory while parsing", job->name);
		if (seen + c->bad > allowed || c->stopped == CHUNK_LIMIT) {
			struct chunk_err e;
			job_kth_bad(job, j, allowed + 1 - seen, &e);
			prefix[0] = '\0';
			if (allowed)
				snprintf(prefix, sizeof prefix, "too many bad lines (%llu allowed): ", (unsigned long long)allowed);
			return job_error(job, &e, job_line_offset(job, j), prefix, err);
		}
		seen += c->bad;
	}
	*skipped = seen;
	return DMLHOG_OK;
}

static void job_notice_skipped(const struct parse_job *job, uint64_t skipped)
{
	for (int j = 0; j < job->nchunks && skipped; j++) {
		const struct chunk *c = &job->ch[j];
		if (!c->bad)
			continue;
		notice(job->opts, "%s: skipped %llu bad line%s (%llu allowed); first: %s:%llu:%u: %s: '%s'",
		       job->name, (unsigned long long)skipped, skipped == 1 ? "" : "s",
		       (unsigned long long)job->opts->skip_bad_lines, job->name,
		       (unsigned long long)(job_line_offset(job, j) + c->first_bad.line),
		       c->first_bad.col, c->first_bad.msg, c->first_bad.token);
		return;
	}
}

/* Decide the index base and say so; returns it. */
static int job_index_base(const struct parse_job *job)
{
	int req = job->opts->index_base;
	if (req == 0 || req == 1)
		return req;
	for (int j = 0; j < job->nchunks; j++) {
		if (job->ch[j].zero_line) {
			notice(job->opts, "%s: index base 0 (auto: index 0 on line %llu; --index-base=1 to override)",
			       job->name, (unsigned long long)(job_line_offset(job, j) + job->ch[j].zero_line));
			return 0;
		}
	}
	notice(job->opts, "%s: index base 1 (auto: no index 0 seen; --index-base=0 to override)", job->name);
	return 1;
}

static void job_notice_qid(const struct parse_job *job)
{
	for (int j = 0; j < job->nchunks; j++) {
		if (job->ch[j].qid_line) {
			notice(job->opts, "%s: qid: fields ignored (first on line %llu)", job->name,
			       (unsigned long long)(job_line_offset(job, j) + job->ch[j].qid_line));
			return;
		}
	}
}

/* Allocate d's arrays from the chunks' bounds and give every chunk its
 * window: rows at R0 (row_ptr at R0 + j: a chunk's row_ptr has one entry
 * more than its rows), entries at Z0.  Pages never written cost nothing,
 * so loose bounds only cost address space. */
static int job_layout(struct parse_job *job, dmlhog_dataset *d, const uint64_t *rb,
                      const uint64_t *zb)
{
	uint64_t rows = 0, nnz = 0;
	int nc = job->nchunks;
	for (int j = 0; j < nc; j++) {
		rows += rb[j];
		nnz += zb[j];
	}
	d->label = big_alloc(rows * sizeof *d->label);
	if (d->format == DMLHOG_FORMAT_TRIPLET) {
		job->user_raw = big_alloc(rows * sizeof *job->user_raw);
		job->item_raw = big_alloc(rows * sizeof *job->item_raw);
		if (!d->label || !job->user_raw || !job->item_raw)
			return -1;
	} else {
		d->row_ptr = big_alloc((rows + (uint64_t)nc + 1) * sizeof *d->row_ptr);
		d->col = big_alloc(nnz * sizeof *d->col);
		d->val = big_alloc(nnz * sizeof *d->val);
		if (!d->label || !d->row_ptr || !d->col || !d->val)
			return -1;
	}
	for (uint64_t j = 0, r = 0, z = 0; j < (uint64_t)nc; r += rb[j], z += zb[j], j++) {
		struct chunk *c = &job->ch[j];
		c->fixed = 1;
		c->cap_rows = rb[j];
		c->cap_nnz = zb[j];
		c->label = d->label + r;
		if (d->format == DMLHOG_FORMAT_TRIPLET) {
			c->user = job->user_raw + r;
			c->item = job->item_raw + r;
		} else {
			c->row_ptr = d->row_ptr + r + j;
			c->col = d->col + z;
			c->val = d->val + z;
		}
	}
	return 0;
}

/* Close the windows up in chunk order: a chunk's data only ever moves
 * down, onto space its predecessors did not fill, so order is all the
 * safety memmove needs.  Indices lose the base on the way (1-based files
 * become 0-based), in parallel when nothing has to move. */
static void job_compact(struct parse_job *job, dmlhog_dataset *d, int base)
{
	int nc = job->nchunks, moved = 0;
	uint64_t r = 0, z = 0;
	uint64_t z0[256];
	for (int j = 0; j < nc; j++) {
		struct chunk *c = &job->ch[j];
		if (c->label != d->label + r) {
			memmove(d->label + r, c->label, c->rows * sizeof *d->label);
			if (d->format == DMLHOG_FORMAT_TRIPLET) {
				memmove(job->user_raw + r, c->user, c->rows * sizeof *job->user_raw);
				memmove(job->item_raw + r, c->item, c->rows * sizeof *job->item_raw);
			}
		}
		if (d->format != DMLHOG_FORMAT_TRIPLET) {
			/* ascending: entry r + i is written after c->row_ptr[i],
			 * which sits at or above it, has been read */
			for (uint64_t i = 1; i <= c->rows; i++)
				d->row_ptr[r + i] = z + c->row_ptr[i];
			if (c->col != d->col + z) {
				memmove(d->col + z, c->col, c->nnz * sizeof *d->col);
				memmove(d->val + z, c->val, c->nnz * sizeof *d->val);
				moved = 1;
			}
		}
		z0[j] = z;
		r += c->rows;
		z += c->nnz;
	}
	if (d->format == DMLHOG_FORMAT_TRIPLET || base == 0)
		return;
	const uint32_t shift = (uint32_t)base;
	if (moved) {
		for (uint64_t k = 0; k < z; k++)
			d->col[k] -= shift;
		return;
	}
#pragma omp parallel for num_threads(nc) schedule(static, 1)
	for (int j = 0; j < nc; j++) {
		uint32_t *col = d->col + z0[j];
		for (uint64_t k = 0; k < job->ch[j].nnz; k++)
			col[k] -= shift;
	}
}

/* The totals, then the arrays shrunk to them (shrinking moves nothing);
 * triplets get their dense users and items.  Returns -1 when out of
 * memory. */
static int job_finish(struct parse_job *job, dmlhog_dataset *d, int base)
{
	uint32_t max_index = 0;
	for (int j = 0; j < job->nchunks; j++) {
		const struct chunk *c = &job->ch[j];
		d->n_rows += c->rows;
		d->nnz += c->nnz;
		if (c->nnz && c->max_index > max_index)
			max_index = c->max_index;
	}
	d->index_base = base;
	d->n_cols = d->nnz ? max_index + 1 - (uint32_t)base : 0;
	job_compact(job, d, base);
	if (d->format == DMLHOG_FORMAT_SVMLIGHT)
		d->row_ptr[0] = 0;
#define SHRINK(p, n) do { void *q_ = realloc((p), (n) ? (n) * sizeof *(p) : 1); \
		if (q_) (p) = q_; } while (0)
	SHRINK(d->label, d->n_rows);
	if (d->format == DMLHOG_FORMAT_SVMLIGHT) {
		SHRINK(d->row_ptr, d->n_rows + 1);
		SHRINK(d->col, d->nnz);
		SHRINK(d->val, d->nnz);
	}
#undef SHRINK
	if (d->format != DMLHOG_FORMAT_TRIPLET)
		return 0;
	uint64_t *u = job->user_raw, *v = job->item_raw;
	job->user_raw = job->item_raw = NULL;           /* consumed */
	return dataset_index_ids(d, u, v);
}

static enum dmlhog_status job_parse(struct parse_job *job, const char *begin,
                                    const char *end, dmlhog_dataset *d,
                                    struct dmlhog_error *err)
{
	enum dmlhog_status st;
	uint64_t skipped = 0;

	job->nchunks = reader_threads(job->opts, (size_t)(end - begin));
	job->ch = calloc((size_t)job->nchunks, sizeof *job->ch);
	if (!job->ch)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "%s: out of memory", job->name);
	job->cancel_before = job->nchunks;
	job_split(job, begin, end);
	uint64_t rb[256], zb[256];
	long page = sysconf(_SC_PAGESIZE);
	for (int j = 0; j < job->nchunks; j++) {
		job->ch[j].release = job->release && page > 0;
		job->ch[j].page = page > 0 ? (uintptr_t)page : 0;
	}
#pragma omp parallel for num_threads(job->nchunks) schedule(static, 1)
	for (int j = 0; j < job->nchunks; j++)
		chunk_bounds(&job->ch[j], &rb[j], &zb[j]);
	if (job_layout(job, d, rb, zb) != 0) {
		st = dmlhog_error_set(err, DMLHOG_E_NOMEM, "%s: out of memory for the parsed data",
		                      job->name);
		goto out;
	}
#pragma omp parallel for num_threads(job->nchunks) schedule(static, 1)
	for (int j = 0; j < job->nchunks; j++)
		chunk_run(job, &job->ch[j]);
	st = job_check_bad(job, &skipped, err);
	if (st == DMLHOG_OK) {
		int base = d->format == DMLHOG_FORMAT_SVMLIGHT ? job_index_base(job) : 0;
		job_notice_qid(job);
		job_notice_skipped(job, skipped);
		d->skipped_lines = skipped;
		if (job_finish(job, d, base) != 0)
			st = dmlhog_error_set(err, DMLHOG_E_NOMEM,
			                      "%s: out of memory indexing users and items", job->name);
	}
out:
	free(job->user_raw);
	free(job->item_raw);
	for (int j = 0; j < job->nchunks; j++)
		chunk_free(&job->ch[j]);
	free(job->ch);
	return st;
}

/* A NUL byte early on means a binary file (a model, an image, a format we
 * do not decompress): say so instead of quoting garbage as a label. */
static enum dmlhog_status reader_check_binary(const char *name, const char *buf, size_t len,
                                              struct dmlhog_error *err)
{
	const char *z = memchr(buf, '\0', len < 65536 ? len : 65536);
	if (!z)
		return DMLHOG_OK;
	const char *ls = buf;
	uint64_t line = 1;
	for (const char *q = buf; (q = memchr(q, '\n', (size_t)(z - q))) != NULL; ls = ++q)
		line++;
	if (err) {
		snprintf(err->file, sizeof err->file, "%s", name);
		err->line = line;
		err->col = (uint32_t)(z - ls + 1);
	}
	return dmlhog_error_set(err, DMLHOG_E_DATA, "unexpected NUL byte: this looks like a binary file, not svmlight or triplet text (.gz and .xz are read directly)");
}

/* Parse an in-memory buffer (buf[len] == '\0'). */
static enum dmlhog_status reader_parse(const char *name, const char *buf, size_t len,
                                       int mapped, const struct dmlhog_read_opts *o,
                                       dmlhog_dataset **out, struct dmlhog_error *err)
{
	struct parse_job job;
	const char *begin = buf, *why = "";
	enum dmlhog_status st;

	memset(&job, 0, sizeof job);
	job.name = name;
	job.opts = o;
	job.format = o->format;
	job.release = mapped;
	if (job.format == DMLHOG_FORMAT_AUTO) {
		job.format = reader_detect_format(buf, len, &why);
		if (job.format == DMLHOG_FORMAT_TRIPLET)
			notice(o, "%s: triplet format (auto: %s; --format=svmlight to override)", name, why);
	}
	if (job.format == DMLHOG_FORMAT_TRIPLET) {
		const char *hs;
		size_t h = triplet_header_len(buf, len, &job.line0, &hs);
		if (h) {
			const char *he = buf + h;
			char tok[96];
			while (he > hs && (he[-1] == '\n' || he[-1] == '\r'))
				he--;
			token_copy(tok, sizeof tok, hs, he);
			notice(o, "%s: line %llu is a header, skipped: '%s'", name, (unsigned long long)job.line0, tok);
			begin = buf + h;
		}
	}
	if ((st = reader_check_binary(name, buf, len, err)) != DMLHOG_OK)
		return st;
	dmlhog_dataset *d = dataset_new(job.format);
	if (!d)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "%s: out of memory", name);
	st = job_parse(&job, begin, buf + len, d, err);
	if (st != DMLHOG_OK) {
		dmlhog_dataset_destroy(d);
		return st;
	}
	*out = d;
	return DMLHOG_OK;
}

static void error_clear(struct dmlhog_error *err)
{
	if (err)
		memset(err, 0, sizeof *err);
}

enum dmlhog_status reader_resolve_opts(const struct dmlhog_read_opts **opts,
                                       struct dmlhog_read_opts *defaults,
                                       struct dmlhog_error *err)
{
	if (!*opts) {
		dmlhog_read_opts_init(defaults);
		*opts = defaults;
	}
	const struct dmlhog_read_opts *o = *opts;
	if (o->index_base < -1 || o->index_base > 1)
		return dmlhog_error_set(err, DMLHOG_E_USAGE, "index base must be auto, 0 or 1 (got %d)", o->index_base);
	if (o->format != DMLHOG_FORMAT_AUTO && o->format != DMLHOG_FORMAT_SVMLIGHT &&
	    o->format != DMLHOG_FORMAT_TRIPLET)
		return dmlhog_error_set(err, DMLHOG_E_USAGE, "unknown data format %d", (int)o->format);
	return DMLHOG_OK;
}

enum dmlhog_status dmlhog_dataset_read(const char *path, const struct dmlhog_read_opts *opts,
                                       dmlhog_dataset **out, struct dmlhog_error *err)
{
	struct dmlhog_read_opts defaults;
	struct input_buf b;
	enum dmlhog_status st;

	*out = NULL;
	error_clear(err);
	if ((st = reader_resolve_opts(&opts, &defaults, err)) != DMLHOG_OK)
		return st;
	if ((st = input_read(path, &b, err)) != DMLHOG_OK)
		return st;
	st = reader_parse(input_display_name(path), b.data, b.len, b.map_len > 0, opts, out, err);
	input_free(&b);
	return st;
}

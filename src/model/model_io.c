/* model_io.c: the model file of dmlhog-model(5): a text header that head(1)
 * can read, zero bytes up to an 8-byte offset, then a checksummed binary
 * payload.  The header is parsed field by field and checked against the
 * same rules on save and on load, so a model that saves also loads. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "model/model.h"
#include "util/atomic_file.h"
#include "util/checksum.h"

#define MODEL_MAGIC "dmlhog-model"
#define MODEL_VERSION 1
#define MAX_CLASSES (1u << 16)
#define MAX_RANK (1u << 16)
#define MAX_PAYLOAD (1ull << 40)
#define MAX_HEADER (4u << 20)      /* room for the labels of MAX_CLASSES classes */
#define MAX_SEGS 8

/* ---- header fields ---- */

struct hdr {
	int little;
	enum dmlhog_task task;
	enum dmlhog_loss loss;
	uint32_t features, rows;
	int bias;
	uint32_t n_labels;
	double *labels;
	uint32_t rank, users, items;
	double mu;
	uint64_t seed;
	uint32_t epochs;
	uint64_t train_rows;
	int index_base;
	struct dmlhog_train_opts opts;
	uint64_t payload_bytes, checksum;
};

enum ftype {
	F_ENDIAN, F_TASK, F_LOSS, F_ENGINE, F_SCHEDULE, F_U32, F_U64, F_INT, F_DOUBLE,
	F_LABELS, F_HEX, F_OPTS,
};

/* Which models carry a field. */
enum fkind { K_ALL, K_LINEAR, K_LABELS, K_MF };

struct field {
	const char *name;
	enum ftype type;
	size_t off;
	enum fkind kind;
};

#define HF(n, t, k) { #n, t, offsetof(struct hdr, n), k }
/* In file order. */
static const struct field hdr_fields[] = {
	{ "endian", F_ENDIAN, offsetof(struct hdr, little), K_ALL },
	HF(task, F_TASK, K_ALL),
	HF(loss, F_LOSS, K_ALL),
	HF(features, F_U32, K_LINEAR),
	HF(rows, F_U32, K_LINEAR),
	HF(bias, F_INT, K_LINEAR),
	HF(labels, F_LABELS, K_LABELS),
	HF(rank, F_U32, K_MF),
	HF(users, F_U32, K_MF),
	HF(items, F_U32, K_MF),
	HF(mu, F_DOUBLE, K_MF),
	HF(seed, F_U64, K_ALL),
	HF(epochs, F_U32, K_ALL),
	HF(train_rows, F_U64, K_ALL),
	HF(index_base, F_INT, K_ALL),
	{ "opt", F_OPTS, offsetof(struct hdr, opts), K_ALL },
	HF(payload_bytes, F_U64, K_ALL),
	HF(checksum, F_HEX, K_ALL),
};
#define N_HDR_FIELDS (sizeof hdr_fields / sizeof hdr_fields[0])

/* Every field of struct dmlhog_train_opts except the callbacks, so a model
 * records how it was trained. */
#define OF(n, t) { #n, t, offsetof(struct dmlhog_train_opts, n), K_ALL }
static const struct field opt_fields[] = {
	OF(task, F_TASK), OF(loss, F_LOSS), OF(engine, F_ENGINE),
	OF(l1, F_DOUBLE), OF(l2, F_DOUBLE), OF(l2_item, F_DOUBLE),
	OF(schedule, F_SCHEDULE), OF(lr, F_DOUBLE), OF(decay, F_DOUBLE),
	OF(epochs, F_U32), OF(rank, F_U32), OF(bias, F_INT), OF(n_features, F_U32),
	OF(seed, F_U64), OF(time_limit_s, F_DOUBLE), OF(early_stop, F_U32),
	OF(min_delta, F_DOUBLE), OF(threads, F_INT), OF(batch_size, F_U32),
	OF(hot_params, F_INT), OF(deterministic, F_INT),
};

static int field_applies(enum fkind k, enum dmlhog_task t)
{
	switch (k) {
	case K_LINEAR: return t != DMLHOG_TASK_MF;
	case K_LABELS: return t == DMLHOG_TASK_BINARY || t == DMLHOG_TASK_MULTICLASS;
	case K_MF: return t == DMLHOG_TASK_MF;
	default: return 1;
	}
}

/* ---- value parsing: strict, whole token, no leading blanks ---- */

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_int(const char *s, int *out)
{
	uint64_t v;
	int neg = *s == '-';
	if (parse_u64(s + neg, (uint64_t)INT_MAX + neg, &v))
		return -1;
	*out = neg ? (int)(-(int64_t)v) : (int)v;
	return 0;
}

static int parse_double(const char *s, const char **end, double *out)
{
	char *e;
	if (!*s || *s == ' ' || *s == '\t')
		return -1;
	*out = strtod(s, &e);
	if (e == s)
		return -1;      /* overflow gives inf, which the checks of finite fields refuse */
	*end = e;
	return 0;
}

static int parse_hex64(const char *s, uint64_t *out)
{
	if (strlen(s) != 16 || strspn(s, "0123456789abcdefABCDEF") != 16)
		return -1;
	*out = strtoull(s, NULL, 16);
	return 0;
}

/* "v1 v2 ...", single spaces. */
static int parse_labels(const char *s, struct hdr *h)
{
	uint32_t n = 1;
	for (const char *p = s; *p; p++)
		n += *p == ' ';
	if (n > MAX_CLASSES)
		return -1;
	double *v = malloc(n * sizeof *v);
	if (!v)
		return -1;
	const char *p = s;
	for (uint32_t i = 0; i < n; i++) {
		if (parse_double(p, &p, &v[i]) || (*p != (i + 1 < n ? ' ' : '\0'))) {
			free(v);
			return -1;
		}
		p += *p == ' ';
	}
	free(h->labels);
	h->labels = v;
	h->n_labels = n;
	return 0;
}

static int parse_value(const struct field *f, const char *s, void *base, struct hdr *h)
{
	void *p = (char *)base + f->off;
	uint64_t u;
	int i;
	const char *end;
	switch (f->type) {
	case F_ENDIAN:
		if (strcmp(s, "little") && strcmp(s, "big"))
			return -1;
		*(int *)p = strcmp(s, "little") == 0;
		return 0;
	case F_TASK:
		if ((i = dmlhog_task_parse(s)) < 0)
			return -1;
		*(enum dmlhog_task *)p = (enum dmlhog_task)i;
		return 0;
	case F_LOSS:
		if ((i = dmlhog_loss_parse(s)) < 0)
			return -1;
		*(enum dmlhog_loss *)p = (enum dmlhog_loss)i;
		return 0;
	case F_ENGINE:
		/* a number stands for an engine this build does not name */
		if ((i = dmlhog_engine_parse(s)) < 0 && parse_int(s, &i))
			return -1;
		*(enum dmlhog_engine *)p = (enum dmlhog_engine)i;
		return 0;
	case F_SCHEDULE:
		if ((i = dmlhog_schedule_parse(s)) < 0)
			return -1;
		*(enum dmlhog_schedule *)p = (enum dmlhog_schedule)i;
		return 0;
	case F_U32:
		if (parse_u64(s, UINT32_MAX, &u))
			return -1;
		*(uint32_t *)p = (uint32_t)u;
		return 0;
	case F_U64:
		return parse_u64(s, UINT64_MAX, (uint64_t *)p);
	case F_INT:
		return parse_int(s, (int *)p);
	case F_DOUBLE:
		return parse_double(s, &end, (double *)p) || *end ? -1 : 0;
	case F_HEX:
		return parse_hex64(s, (uint64_t *)p);
	case F_LABELS:
		return parse_labels(s, h);
	default:
		return -1;
	}
}

/* ---- value formatting ---- */

/* Shortest %g that reads back to the same double. */
static void put_double(FILE *f, double x)
{
	char buf[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*g", prec, x);
		if (strtod(buf, NULL) == x || isnan(x))
			break;
	}
	fputs(buf, f);
}

static void put_value(FILE *f, const struct field *fl, const void *base, const struct hdr *h)
{
	const void *p = (const char *)base + fl->off;
	unsigned e;
	switch (fl->type) {
	case F_ENDIAN: fputs(*(const int *)p ? "little" : "big", f); break;
	case F_TASK: fputs(dmlhog_task_name(*(const enum dmlhog_task *)p), f); break;
	case F_LOSS: fputs(dmlhog_loss_name(*(const enum dmlhog_loss *)p), f); break;
	case F_ENGINE:
		e = (unsigned)*(const enum dmlhog_engine *)p;
		if (dmlhog_engine_parse(dmlhog_engine_name((enum dmlhog_engine)e)) == (int)e)
			fputs(dmlhog_engine_name((enum dmlhog_engine)e), f);
		else
			fprintf(f, "%u", e);
		break;
	case F_SCHEDULE: {
		/* a value this build does not name is written as auto */
		const char *name = dmlhog_schedule_name(*(const enum dmlhog_schedule *)p);
		fputs(dmlhog_schedule_parse(name) >= 0 ? name : "auto", f);
		break;
	}
	case F_U32: fprintf(f, "%" PRIu32, *(const uint32_t *)p); break;
	case F_U64: fprintf(f, "%" PRIu64, *(const uint64_t *)p); break;
	case F_INT: fprintf(f, "%d", *(const int *)p); break;
	case F_DOUBLE: put_double(f, *(const double *)p); break;
	case F_HEX: fprintf(f, "%016" PRIx64, *(const uint64_t *)p); break;
	case F_LABELS:
		for (uint32_t i = 0; i < h->n_labels; i++) {
			if (i)
				fputc(' ', f);
			put_double(f, h->labels[i]);
		}
		break;
	default: break;
	}
}

static void put_opts(FILE *f, const struct dmlhog_train_opts *o, const struct hdr *h)
{
	for (size_t i = 0; i < sizeof opt_fields / sizeof opt_fields[0]; i++) {
		fprintf(f, "opt %s ", opt_fields[i].name);
		put_value(f, &opt_fields[i], o, h);
		fputc('\n', f);
	}
}

/* The header text, "dmlhog-model 1" to "end", in a malloc'd string. */
static char *header_format(const struct hdr *h, size_t *len)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);
	if (!f)
		return NULL;
	fprintf(f, "%s %d\n", MODEL_MAGIC, MODEL_VERSION);
	for (size_t i = 0; i < N_HDR_FIELDS; i++) {
		const struct field *fl = &hdr_fields[i];
		if (!field_applies(fl->kind, h->task))
			continue;
		if (fl->type == F_OPTS) {
			put_opts(f, &h->opts, h);
			continue;
		}
		fprintf(f, "%s ", fl->name);
		put_value(f, fl, h, h);
		fputc('\n', f);
	}
	fputs("end\n", f);
	int bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		free(text);
		return NULL;
	}
	*len = n;
	return text;
}

/* ---- consistency rules, shared by save and load ---- */

static const char *fmt(char *buf, size_t len, const char *f, ...)
	__attribute__((format(printf, 3, 4)));
static const char *fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	vsnprintf(buf, len, f, ap);
	va_end(ap);
	return buf;
}

static uint64_t align8(uint64_t x)
{
	return (x + 7) & ~(uint64_t)7;
}

/* Bytes of the float part of an MF payload before the 8-byte padding. */
static uint64_t mf_float_bytes(uint32_t rank, uint32_t users, uint32_t items)
{
	return 4 * ((uint64_t)users + items) * ((uint64_t)rank + 1);
}

/* Dimensions are bounded first, so these products cannot overflow. */
static uint64_t hdr_payload_bytes(const struct hdr *h)
{
	if (h->task == DMLHOG_TASK_MF)
		return align8(mf_float_bytes(h->rank, h->users, h->items)) +
		       8 * ((uint64_t)h->users + h->items);
	return 4 * ((uint64_t)h->features + (h->bias ? 1 : 0)) * h->rows;
}

static const char *check_labels(const struct hdr *h, char *buf, size_t len)
{
	uint32_t want = h->task == DMLHOG_TASK_BINARY ? 2 : h->rows;
	if (h->n_labels != want)
		return fmt(buf, len, "labels: %u values for a %s model of %u rows (want %u)", h->n_labels, dmlhog_task_name(h->task), h->rows, want);
	for (uint32_t i = 0; i < h->n_labels; i++)
		if (!isfinite(h->labels[i]))
			return "labels: not a finite number";
	if (h->task == DMLHOG_TASK_BINARY)
		return h->labels[0] == h->labels[1] ? "labels: the negative and positive labels are equal" : NULL;
	for (uint32_t i = 1; i < h->n_labels; i++)
		if (!(h->labels[i - 1] < h->labels[i]))
			return "labels: not strictly ascending";
	return NULL;
}

static const char *check_linear(const struct hdr *h, char *buf, size_t len)
{
	if (h->rows == 0)
		return "rows: zero weight rows";
	if (h->task == DMLHOG_TASK_MULTICLASS && (h->rows < 2 || h->rows > MAX_CLASSES))
		return fmt(buf, len, "rows: %u classes (a multiclass model has 2 to %u)", h->rows, MAX_CLASSES);
	if (h->task != DMLHOG_TASK_MULTICLASS && h->rows != 1)
		return fmt(buf, len, "rows: a %s model has 1 weight row, not %u", dmlhog_task_name(h->task), h->rows);
	if (h->features == UINT32_MAX)
		return "features: too many (the bias needs an index)";
	if (h->bias != 0 && h->bias != 1)
		return "bias: must be 0 or 1";
	if (h->features == 0 && !h->bias)
		return "features: zero features and no bias (no parameters)";
	if (h->task == DMLHOG_TASK_REGRESSION)
		return h->n_labels ? "labels: a regression model has no labels" : NULL;
	return check_labels(h, buf, len);
}

static const char *check_mf(const struct hdr *h, char *buf, size_t len)
{
	if (h->rank == 0 || h->rank > MAX_RANK)
		return fmt(buf, len, "rank: %u (must be 1 to %u)", h->rank, MAX_RANK);
	if (h->users == 0 || h->users == IDMAP_NONE)
		return fmt(buf, len, "users: %u (must be 1 to %u)", h->users, IDMAP_NONE - 1);
	if (h->items == 0 || h->items == IDMAP_NONE)
		return fmt(buf, len, "items: %u (must be 1 to %u)", h->items, IDMAP_NONE - 1);
	if (!isfinite(h->mu))
		return "mu: not a finite number";
	return NULL;
}

/* NULL when h describes a model this build can hold, else what is wrong. */
static const char *hdr_check(const struct hdr *h, char *buf, size_t len)
{
	const char *why;
	if (!h->little)
		return "endian: big-endian model (this build reads little-endian files)";
	if (h->task <= DMLHOG_TASK_AUTO || h->task > DMLHOG_TASK_MF)
		return "task: not a trained task";
	if (h->loss <= DMLHOG_LOSS_AUTO || h->loss > DMLHOG_LOSS_SQUARED)
		return "loss: not a trained loss";
	if (h->index_base < -1 || h->index_base > 1)
		return "index_base: must be -1, 0 or 1";
	why = h->task == DMLHOG_TASK_MF ? check_mf(h, buf, len) : check_linear(h, buf, len);
	if (why)
		return why;
	uint64_t want = hdr_payload_bytes(h);
	if (want > MAX_PAYLOAD)
		return fmt(buf, len, "dimensions imply %" PRIu64 " payload bytes (limit %" PRIu64 ")", want, (uint64_t)MAX_PAYLOAD);
	if (h->payload_bytes != want)
		return fmt(buf, len, "payload_bytes %" PRIu64 " does not match the dimensions (expected %" PRIu64 ")", h->payload_bytes, want);
	return NULL;
}

static void hdr_from_model(const dmlhog_model *m, struct hdr *h)
{
	memset(h, 0, sizeof *h);
	h->little = 1;
	h->task = m->task;
	h->loss = m->loss;
	if (m->task == DMLHOG_TASK_MF) {
		h->rank = m->rank;
		h->users = m->n_users;
		h->items = m->n_items;
		h->mu = m->mu;
	} else {
		h->features = m->n_features;
		h->rows = m->k;
		h->bias = m->has_bias;
		h->n_labels = m->n_labels;
		h->labels = m->labels;     /* borrowed */
	}
	h->seed = m->seed;
	h->epochs = m->epochs_done;
	h->train_rows = m->n_train;
	h->index_base = m->index_base;
	h->opts = m->opts;
	h->opts.progress = NULL;
	h->opts.progress_ctx = NULL;
	h->opts.notice = NULL;
	h->opts.notice_ctx = NULL;
	h->payload_bytes = hdr_payload_bytes(h);
}

/* ---- the payload as a list of byte ranges ---- */

struct payload {
	struct { void *p; size_t n; } seg[MAX_SEGS];
	int nseg;
	uint64_t *ids;        /* MF: user ids then item ids */
	unsigned char pad[8];
};

static void payload_add(struct payload *pl, void *p, size_t n)
{
	pl->seg[pl->nseg].p = p;
	pl->seg[pl->nseg].n = n;
	pl->nseg++;
}

/* Weights; or P, Q, bu, bi, zeros to 8 bytes, user ids, item ids. */
static int payload_init(struct payload *pl, const dmlhog_model *m)
{
	memset(pl, 0, sizeof *pl);
	if (m->task != DMLHOG_TASK_MF) {
		payload_add(pl, m->w, ((size_t)m->n_features + (size_t)m->has_bias) * m->k * sizeof(float));
		return 0;
	}
	size_t nu = m->n_users, ni = m->n_items, r = m->rank;
	pl->ids = malloc((nu + ni) * sizeof *pl->ids);
	if (!pl->ids)
		return -1;
	payload_add(pl, m->P, nu * r * sizeof(float));
	payload_add(pl, m->Q, ni * r * sizeof(float));
	payload_add(pl, m->bu, nu * sizeof(float));
	payload_add(pl, m->bi, ni * sizeof(float));
	uint64_t fb = mf_float_bytes(m->rank, m->n_users, m->n_items);
	payload_add(pl, pl->pad, align8(fb) - fb);
	payload_add(pl, pl->ids, nu * sizeof *pl->ids);
	payload_add(pl, pl->ids + nu, ni * sizeof *pl->ids);
	return 0;
}

static uint64_t payload_checksum(const struct payload *pl)
{
	struct checksum c;
	checksum_init(&c);
	for (int i = 0; i < pl->nseg; i++)
		checksum_update(&c, pl->seg[i].p, pl->seg[i].n);
	return checksum_final(&c);
}

/* Without a map the dense index is the original id. */
static int ids_from_map(uint64_t *ids, const struct idmap *map, uint32_t n)
{
	if (map && idmap_size(map) != n)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		ids[i] = map ? idmap_id(map, i) : i;
	return 0;
}

/* ---- errors ---- */

static enum dmlhog_status io_fail(struct dmlhog_error *err, enum dmlhog_status s,
                                  const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static enum dmlhog_status io_fail(struct dmlhog_error *err, enum dmlhog_status s,
                                  const char *path, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (err) {
		err->file[0] = '\0';
		err->line = 0;
		err->col = 0;
		err->token[0] = '\0';
	}
	return dmlhog_error_set(err, s, "%s: %s", path, msg);
}

/* ---- save ---- */

static int write_all(FILE *f, const char *header, size_t hlen, const struct payload *pl)
{
	static const unsigned char zeros[8];
	if (fwrite(header, 1, hlen, f) != hlen)
		return -1;
	size_t pad = align8(hlen) - hlen;
	if (pad && fwrite(zeros, 1, pad, f) != pad)
		return -1;
	for (int i = 0; i < pl->nseg; i++)
		if (pl->seg[i].n && fwrite(pl->seg[i].p, 1, pl->seg[i].n, f) != pl->seg[i].n)
			return -1;
	return 0;
}

/* Header text and payload description of an in-memory model. */
static enum dmlhog_status model_serialise(const dmlhog_model *m, const char *path,
                                          struct payload *pl, char **header, size_t *hlen,
                                          struct dmlhog_error *err)
{
	struct hdr h;
	char buf[256];
	const char *why;
	hdr_from_model(m, &h);
	if ((why = hdr_check(&h, buf, sizeof buf)))
		return io_fail(err, DMLHOG_E_INTERNAL, path, "refusing to write an invalid model: %s", why);
	if (m->task == DMLHOG_TASK_MF ? !m->P || !m->Q || !m->bu || !m->bi : !m->w)
		return io_fail(err, DMLHOG_E_INTERNAL, path, "refusing to write a model without parameters");
	if (payload_init(pl, m))
		return io_fail(err, DMLHOG_E_NOMEM, path, "out of memory");
	if (m->task == DMLHOG_TASK_MF &&
	    (ids_from_map(pl->ids, m->users, m->n_users) ||
	     ids_from_map(pl->ids + m->n_users, m->items, m->n_items)))
		return io_fail(err, DMLHOG_E_INTERNAL, path, "id maps do not match %u users, %u items", m->n_users, m->n_items);
	h.checksum = payload_checksum(pl);
	if (!(*header = header_format(&h, hlen)))
		return io_fail(err, DMLHOG_E_NOMEM, path, "out of memory");
	return DMLHOG_OK;
}

enum dmlhog_status dmlhog_model_save(const dmlhog_model *m, const char *path,
                                     struct dmlhog_error *err)
{
	struct payload pl = { .nseg = 0, .ids = NULL };
	struct atomic_file af;
	char *header = NULL;
	size_t hlen = 0;
	if (!m || !path)
		return dmlhog_error_set(err, DMLHOG_E_INTERNAL, "model save: NULL model or path");
	enum dmlhog_status st = model_serialise(m, path, &pl, &header, &hlen, err);
	if (st == DMLHOG_OK && (st = atomic_file_open(&af, path, err)) == DMLHOG_OK) {
		if (write_all(af.fp, header, hlen, &pl) == 0) {
			st = atomic_file_commit(&af, err);
		} else {
			st = io_fail(err, DMLHOG_E_IO, path, "cannot write: %s", strerror(errno));
			atomic_file_abort(&af);
		}
	}
	free(header);
	free(pl.ids);
	return st;
}

/* ---- load ---- */

struct loader {
	const char *path;
	FILE *f;
	int64_t size;         /* -1: not a regular file */
	char *text;           /* header bytes read so far, NUL-terminated */
	size_t len, cap;
	unsigned line;
	uint32_t seen;        /* bit per hdr_fields entry */
	struct dmlhog_error *err;
};

enum { LINE_OK, LINE_EOF, LINE_LONG, LINE_NOMEM };

/* Append one line (with its '\n') to L->text; *start is where it begins. */
static int read_line(struct loader *L, size_t max, size_t *start)
{
	int c;
	*start = L->len;
	while ((c = getc(L->f)) != EOF) {
		if (L->len - *start >= max || L->len >= MAX_HEADER)
			return LINE_LONG;
		if (L->len + 2 > L->cap) {
			size_t cap = L->cap ? 2 * L->cap : 1024;
			char *t = realloc(L->text, cap);
			if (!t)
				return LINE_NOMEM;
			L->text = t;
			L->cap = cap;
		}
		L->text[L->len++] = (char)c;
		L->text[L->len] = '\0';
		if (c == '\n') {
			L->line++;
			return LINE_OK;
		}
	}
	return LINE_EOF;
}

static enum dmlhog_status header_line_fail(struct loader *L, int r)
{
	if (r == LINE_NOMEM)
		return io_fail(L->err, DMLHOG_E_NOMEM, L->path, "out of memory");
	if (ferror(L->f))
		return io_fail(L->err, DMLHOG_E_IO, L->path, "read error: %s", strerror(errno));
	if (r == LINE_LONG)
		return io_fail(L->err, DMLHOG_E_CORRUPT, L->path, "header line %u too long or header without 'end'", L->line + 1);
	return io_fail(L->err, DMLHOG_E_CORRUPT, L->path, "truncated: header ends at line %u before 'end'", L->line + 1);
}

static enum dmlhog_status read_magic(struct loader *L)
{
	size_t s;
	int r = read_line(L, 64, &s);
	const char *line = L->text ? L->text + s : "";
	size_t mlen = strlen(MODEL_MAGIC);
	if (r == LINE_NOMEM || (r != LINE_OK && ferror(L->f)))
		return header_line_fail(L, r);
	if (r != LINE_OK || strncmp(line, MODEL_MAGIC " ", mlen + 1) != 0) {
		if (r == LINE_EOF && L->len == 0)
			return io_fail(L->err, DMLHOG_E_CORRUPT, L->path, "empty file: not a dmlhog model (bad magic)");
		if (strncmp(line, "dmlhog-checkpoint ", 18) == 0)
			return io_fail(L->err, DMLHOG_E_CORRUPT, L->path, "a checkpoint, not a dmlhog model (bad magic)");
		return io_fail(L->err, DMLHOG_E_CORRUPT, L->path, "not a dmlhog model (bad magic)");
	}
	uint64_t v;
	L->text[L->len - 1] = '\0';
	int bad = parse_u64(line + mlen + 1, UINT32_MAX, &v);
	L->text[L->len - 1] = '\n';
	if (bad)
		return io_fail(L->err, DMLHOG_E_CORRUPT, L->path, "bad version line (want '%s %d')", MODEL_MAGIC, MODEL_VERSION);
	if (v != MODEL_VERSION)
		return io_fail(L->err, DMLHOG_E_CORRUPT, L->path, "unsupported model version %" PRIu64 " (this build reads version %d)", v, MODEL_VERSION);
	return DMLHOG_OK;
}

static const struct field *field_find(const struct field *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

/* "opt NAME VALUE"; names this build does not know are kept out but
 * accepted: they only record how a newer build trained. */
static int parse_opt(const char *s, struct hdr *h)
{
	const char *sp = strchr(s, ' ');
	char name[64];
	if (!sp || sp == s || (size_t)(sp - s) >= sizeof name)
		return -1;
	memcpy(name, s, (size_t)(sp - s));
	name[sp - s] = '\0';
	const struct field *f = field_find(opt_fields, sizeof opt_fields / sizeof opt_fields[0], name);
	return f ? parse_value(f, sp + 1, &h->opts, h) : 0;
}

/* One "key value" line, NUL-terminated without its '\n'. */
static enum dmlhog_status parse_line(struct loader *L, char *line, struct hdr *h)
{
	char *sp = strchr(line, ' ');
	if (!sp || sp == line || !sp[1])
		return io_fail(L->err, DMLHOG_E_CORRUPT, L->path, "header line %u: not 'key value': '%.40s'", L->line, line);
	*sp = '\0';
	const struct field *f = field_find(hdr_fields, N_HDR_FIELDS, line);
	*sp = ' ';              /* the text is kept as the model's header */
	if (!f)
		return io_fail(L->err, DMLHOG_E_CORRUPT, L->path, "header line %u: unknown field '%.*s'", L->line, (int)(sp - line < 40 ? sp - line : 40), line);
	uint32_t bit = 1u << (f - hdr_fields);
	const char *value = sp + 1;
	if (f->type != F_OPTS && (L->seen & bit))
		return io_fail(L->err, DMLHOG_E_CORRUPT, L->path, "header line %u: '%s' given twice", L->line, f->name);
	L->seen |= bit;
	int bad = f->type == F_OPTS ? parse_opt(value, h) : parse_value(f, value, h, h);
	if (bad)
		return io_fail(L->err, DMLHOG_E_CORRUPT, L->path, "header line %u: bad %s value '%.60s'", L->line, f->name, value);
	return DMLHOG_OK;
}

/* Every field the task needs is there, and none it does not have. */
static enum dmlhog_status check_fields(struct loader *L, const struct hdr *h)
{
	uint32_t task_bit = 1u << (field_find(hdr_fields, N_HDR_FIELDS, "task") - hdr_fields);
	if (!(L->seen & task_bit))
		return io_fail(L->err, DMLHOG_E_CORRUPT, L->path, "header has no 'task' field");
	for (size_t i = 0; i < N_HDR_FIELDS; i++) {
		int has = !!(L->seen & (1u << i));
		int want = field_applies(hdr_fields[i].kind, h->task);
		if (hdr_fields[i].type == F_OPTS || has == want)
			continue;
		if (want)
			return io_fail(L->err, DMLHOG_E_CORRUPT, L->path, "header has no '%s' field", hdr_fields[i].name);
		return io_fail(L->err, DMLHOG_E_CORRUPT, L->path, "field '%s' does not belong in a %s model", hdr_fields[i].name, dmlhog_task_name(h->task));
	}
	return DMLHOG_OK;
}

static enum dmlhog_status load_header(struct loader *L, struct hdr *h)
{
	enum dmlhog_status st = read_magic(L);
	size_t s;
	int r;
	while (st == DMLHOG_OK) {
		if ((r = read_line(L, MAX_HEADER, &s)) != LINE_OK)
			return header_line_fail(L, r);
		char *line = L->text + s;
		L->text[L->len - 1] = '\0';
		if (strlen(line) != L->len - 1 - s)
			return io_fail(L->err, DMLHOG_E_CORRUPT, L->path, "header line %u: binary data in the header", L->line);
		if (strcmp(line, "end") == 0) {
			L->text[L->len - 1] = '\n';
			break;
		}
		st = parse_line(L, line, h);
		L->text[L->len - 1] = '\n';
	}
	if (st == DMLHOG_OK)
		st = check_fields(L, h);
	char buf[256];
	const char *why;
	if (st == DMLHOG_OK && (why = hdr_check(h, buf, sizeof buf)))
		return io_fail(L->err, DMLHOG_E_CORRUPT, L->path, "%s", why);
	return st;
}

static dmlhog_model *model_from_hdr(struct hdr *h)
{
	dmlhog_model *m;
	if (h->task == DMLHOG_TASK_MF) {
		m = model_alloc_mf(h->rank, h->users, h->items);
		if (m)
			m->mu = h->mu;
	} else {
		m = model_alloc_linear(h->features, h->rows, h->bias, h->n_labels);
		if (m && h->n_labels)
			memcpy(m->labels, h->labels, h->n_labels * sizeof *m->labels);
	}
	if (!m)
		return NULL;
	m->task = h->task;
	m->loss = h->loss;
	m->seed = h->seed;
	m->epochs_done = h->epochs;
	m->n_train = h->train_rows;
	m->index_base = h->index_base;
	m->opts = h->opts;
	return m;
}

/* Sizes known from the header are checked against the file before any
 * allocation, so a damaged header cannot ask for a terabyte. */
static enum dmlhog_status check_size(struct loader *L, const struct hdr *h)
{
	if (L->size < 0)
		return DMLHOG_OK;
	uint64_t start = align8(L->len), size = (uint64_t)L->size;
	uint64_t have = size > start ? size - start : 0;
	if (have < h->payload_bytes)
		return io_fail(L->err, DMLHOG_E_CORRUPT, L->path, "truncated: payload has %" PRIu64 " of %" PRIu64 " bytes", have, h->payload_bytes);
	if (have > h->payload_bytes)
		return io_fail(L->err, DMLHOG_E_CORRUPT, L->path, "%" PRIu64 " bytes of trailing data after the payload", have - h->payload_bytes);
	return DMLHOG_OK;
}

static size_t read_payload(struct loader *L, const struct payload *pl)
{
	unsigned char pad[8];
	size_t got = 0, npad = align8(L->len) - L->len;
	if (fread(pad, 1, npad, L->f) != npad)
		return 0;
	for (int i = 0; i < pl->nseg; i++) {
		size_t n = pl->seg[i].n ? fread(pl->seg[i].p, 1, pl->seg[i].n, L->f) : 0;
		got += n;
		if (n != pl->seg[i].n)
			break;
	}
	return got;
}

static int ids_unique(const uint64_t *ids, uint32_t n);

static enum dmlhog_status build_maps(struct loader *L, dmlhog_model *m, const uint64_t *ids)
{
	if (!ids_unique(ids, m->n_users) || !ids_unique(ids + m->n_users, m->n_items))
		return io_fail(L->err, DMLHOG_E_CORRUPT, L->path, "duplicate user or item id in the id lists");
	m->users = idmap_from_ids(ids, m->n_users);
	m->items = idmap_from_ids(ids + m->n_users, m->n_items);
	if (!m->users || !m->items)
		return io_fail(L->err, DMLHOG_E_NOMEM, L->path, "out of memory for the id maps");
	return DMLHOG_OK;
}

static enum dmlhog_status load_payload(struct loader *L, struct hdr *h, dmlhog_model **out)
{
	struct payload pl = { .nseg = 0, .ids = NULL };
	enum dmlhog_status st = check_size(L, h);
	if (st != DMLHOG_OK)
		return st;
	dmlhog_model *m = model_from_hdr(h);
	if (!m || payload_init(&pl, m)) {
		dmlhog_model_destroy(m);
		return io_fail(L->err, DMLHOG_E_NOMEM, L->path, "out of memory for a model of %" PRIu64 " bytes", h->payload_bytes);
	}
	size_t got = read_payload(L, &pl);
	if (ferror(L->f))
		st = io_fail(L->err, DMLHOG_E_IO, L->path, "read error: %s", strerror(errno));
	else if (got != h->payload_bytes)
		st = io_fail(L->err, DMLHOG_E_CORRUPT, L->path, "truncated: payload has %zu of %" PRIu64 " bytes", got, h->payload_bytes);
	else if (getc(L->f) != EOF)
		st = io_fail(L->err, DMLHOG_E_CORRUPT, L->path, "trailing data after the payload");
	else if (payload_checksum(&pl) != h->checksum)
		st = io_fail(L->err, DMLHOG_E_CORRUPT, L->path, "checksum mismatch (file corrupted)");
	else if (m->task == DMLHOG_TASK_MF)
		st = build_maps(L, m, pl.ids);
	free(pl.ids);
	if (st != DMLHOG_OK) {
		dmlhog_model_destroy(m);
		return st;
	}
	m->header = L->text;
	L->text = NULL;
	*out = m;
	return DMLHOG_OK;
}

enum dmlhog_status dmlhog_model_load(const char *path, dmlhog_model **out,
                                     struct dmlhog_error *err)
{
	struct loader L = { .path = path, .size = -1, .err = err };
	struct hdr h;
	struct stat sb;
	*out = NULL;
	memset(&h, 0, sizeof h);
	if (!(L.f = fopen(path, "rb")))
		return io_fail(err, DMLHOG_E_NOINPUT, path, "cannot open model: %s", strerror(errno));
	if (fstat(fileno(L.f), &sb) == 0) {
		if (S_ISDIR(sb.st_mode)) {
			fclose(L.f);
			return io_fail(err, DMLHOG_E_NOINPUT, path, "cannot open model: %s", strerror(EISDIR));
		}
		if (S_ISREG(sb.st_mode))
			L.size = (int64_t)sb.st_size;
	}
	enum dmlhog_status st = load_header(&L, &h);
	if (st == DMLHOG_OK)
		st = load_payload(&L, &h, out);
	fclose(L.f);
	free(L.text);
	free(h.labels);
	return st;
}

/* ---- describe ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static int ids_unique(const uint64_t *ids, uint32_t n)
{
	uint64_t *s = malloc((n ? n : 1) * sizeof *s);
	int ok = s != NULL;
	if (ok) {
		memcpy(s, ids, n * sizeof *s);
		qsort(s, n, sizeof *s, cmp_u64);
		for (uint32_t i = 1; i < n && ok; i++)
			ok = s[i - 1] != s[i];
	}
	free(s);
	return ok;
}

static double norm2(const float *v, size_t n)
{
	double s = 0.0;
	for (size_t i = 0; i < n; i++)
		s += (double)v[i] * v[i];
	return sqrt(s);
}

static void describe_linear(const dmlhog_model *m, FILE *out)
{
	size_t n = (size_t)m->n_features * m->k, nz = 0;
	double maxabs = 0.0;
	for (size_t i = 0; i < n; i++) {
		nz += m->w[i] != 0.0f;
		if (fabs(m->w[i]) > maxabs)
			maxabs = fabs(m->w[i]);
	}
	fprintf(out, "weights %zu\nnonzero_weights %zu\nweight_norm %.6g\nmax_abs_weight %.6g\n",
	        n, nz, norm2(m->w, n), maxabs);
	if (m->has_bias && m->k == 1)
		fprintf(out, "bias_value %.6g\n", m->w[n]);
	else if (m->has_bias)
		fprintf(out, "bias_norm %.6g\n", norm2(m->w + n, m->k));
}

static void describe_mf(const dmlhog_model *m, FILE *out)
{
	fprintf(out, "P_norm %.6g\nQ_norm %.6g\nbu_norm %.6g\nbi_norm %.6g\n",
	        norm2(m->P, (size_t)m->n_users * m->rank), norm2(m->Q, (size_t)m->n_items * m->rank),
	        norm2(m->bu, m->n_users), norm2(m->bi, m->n_items));
}

void dmlhog_model_describe(const dmlhog_model *m, FILE *out)
{
	if (m->header) {
		fputs(m->header, out);
	} else {
		/* a model fresh from training: the header a save would write */
		struct payload pl = { .nseg = 0, .ids = NULL };
		char *header = NULL;
		size_t hlen;
		if (model_serialise(m, "model", &pl, &header, &hlen, NULL) == DMLHOG_OK && header)
			fputs(header, out);
		else
			fprintf(out, "%s %d\ntask %s\n(inconsistent model)\n", MODEL_MAGIC, MODEL_VERSION, dmlhog_task_name(m->task));
		free(header);
		free(pl.ids);
	}
	fputs("# parameters\n", out);
	if (m->task == DMLHOG_TASK_MF && m->P && m->Q && m->bu && m->bi)
		describe_mf(m, out);
	else if (m->task != DMLHOG_TASK_MF && m->w)
		describe_linear(m, out);
}

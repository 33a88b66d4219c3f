/* test-model.c: model file round trips, corruption and truncation
 * detection, atomic replacement, and prediction. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "data/dataset.h"
#include "data/idmap.h"
#include "model/model.h"
#include "tap.h"

static char dir[64];

/* ---- helpers ---- */

static void tpath(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	long n;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (b = malloc((size_t)n + 1)) && fread(b, 1, (size_t)n, f) == (size_t)n) {
		b[n] = '\0';
		*len = (size_t)n;
	} else {
		free(b);
		b = NULL;
	}
	fclose(f);
	return b;
}

static int spit(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int bad = fwrite(data, 1, len, f) != len;
	return fclose(f) != 0 || bad ? -1 : 0;
}

static int same_file(const char *path, const char *want, size_t want_len)
{
	size_t n = 0;
	char *got = slurp(path, &n);
	int same = got && n == want_len && memcmp(got, want, n) == 0;
	free(got);
	return same;
}

/* Files in d whose name contains s. */
static int count_files(const char *d, const char *s)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	int n = 0;
	if (!dp)
		return -1;
	while ((e = readdir(dp)))
		n += e->d_name[0] != '.' && strstr(e->d_name, s) != NULL;
	closedir(dp);
	return n;
}

/* Offset of the payload: after "end\n", rounded up to 8. */
static size_t payload_offset(const char *buf)
{
	const char *e = strstr(buf, "\nend\n");
	size_t off = e ? (size_t)(e - buf) + 5 : 0;
	return (off + 7) & ~(size_t)7;
}

static float wval(uint64_t i)
{
	/* deterministic, signed, with exact zeros and a denormal */
	if (i % 7 == 3)
		return 0.0f;
	if (i == 5)
		return 1e-40f;
	return (float)((double)((i * 2654435761u) % 2001) / 1000.0 - 1.0);
}

static void set_provenance(dmlhog_model *m)
{
	memset(&m->opts, 0, sizeof m->opts);
	m->opts.task = m->task;
	m->opts.loss = m->loss;
	m->opts.l1 = 0.0;
	m->opts.l2 = 3.07e-05;
	m->opts.l2_item = -1.0;
	m->opts.schedule = DMLHOG_LR_ADAGRAD;
	m->opts.lr = 0.5;
	m->opts.decay = 0.9;
	m->opts.epochs = 10;
	m->opts.rank = 32;
	m->opts.bias = m->has_bias;
	m->opts.seed = 42;
	m->opts.time_limit_s = 1.0 / 3.0;
	m->opts.early_stop = 3;
	m->opts.min_delta = 1e-4;
	m->opts.threads = 2;
	m->seed = 42;
	m->epochs_done = 7;
	m->n_train = 32561;
	m->index_base = 1;
}

static dmlhog_model *make_linear(enum dmlhog_task task, uint32_t nf, uint32_t k, int bias)
{
	uint32_t nl = task == DMLHOG_TASK_BINARY ? 2 : task == DMLHOG_TASK_MULTICLASS ? k : 0;
	dmlhog_model *m = model_alloc_linear(nf, k, bias, nl);
	if (!m)
		return NULL;
	m->task = task;
	m->loss = task == DMLHOG_TASK_REGRESSION ? DMLHOG_LOSS_SQUARED : DMLHOG_LOSS_LOGISTIC;
	for (uint64_t i = 0; i < ((uint64_t)nf + (bias ? 1 : 0)) * k; i++)
		m->w[i] = wval(i);
	if (task == DMLHOG_TASK_BINARY) {
		m->labels[0] = -1;
		m->labels[1] = 1;
	}
	for (uint32_t c = 0; task == DMLHOG_TASK_MULTICLASS && c < k; c++)
		m->labels[c] = c * 1.5 - 3;      /* -3, -1.5, 0, 1.5, ... */
	set_provenance(m);
	return m;
}

static const uint64_t mf_users[] = { 1, 7, 42, 671 };
static const uint64_t mf_items[] = { 1, 50, 163949, 2, 999 };

/* 4 users, 5 items, rank 4: 180 float bytes, so the ids need padding. */
static dmlhog_model *make_mf(void)
{
	dmlhog_model *m = model_alloc_mf(4, 4, 5);
	if (!m)
		return NULL;
	m->users = idmap_create();
	m->items = idmap_create();
	for (int i = 0; i < 4; i++)
		idmap_intern(m->users, mf_users[i]);
	for (int i = 0; i < 5; i++)
		idmap_intern(m->items, mf_items[i]);
	for (int i = 0; i < 16; i++)
		m->P[i] = wval((uint64_t)i);
	for (int i = 0; i < 20; i++)
		m->Q[i] = wval((uint64_t)i + 100);
	for (int i = 0; i < 4; i++)
		m->bu[i] = 0.125f * (float)(i + 1);
	for (int i = 0; i < 5; i++)
		m->bi[i] = -0.25f * (float)i;
	m->mu = 3.5;
	set_provenance(m);
	m->index_base = 0;
	return m;
}

/* n rows of up to 3 features; odd rows end with feature nf, which the
 * model never saw. */
static dmlhog_dataset *make_svm_rows(uint32_t nf, uint32_t n)
{
	dmlhog_dataset *d = dataset_new(DMLHOG_FORMAT_SVMLIGHT);
	uint64_t nnz = 0;
	d->n_rows = n;
	d->row_ptr = malloc((n + 1) * sizeof *d->row_ptr);
	d->col = malloc(3 * n * sizeof *d->col);
	d->val = malloc(3 * n * sizeof *d->val);
	d->label = malloc(n * sizeof *d->label);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t cols[3] = { i % 3, i % 3 + 2 + i % 7, nf - 1 + i % 2 };
		d->row_ptr[i] = nnz;
		d->label[i] = i % 2 ? 1 : -1;
		for (int t = 0; t < 3; t++) {
			if (nnz > d->row_ptr[i] && cols[t] <= d->col[nnz - 1])
				continue;          /* keep ids ascending */
			d->col[nnz] = cols[t];
			d->val[nnz++] = (float)(cols[t] + 1) * (i % 2 ? 0.5f : -0.25f);
		}
	}
	d->row_ptr[n] = nnz;
	d->nnz = nnz;
	for (uint64_t t = 0; t < nnz; t++)
		d->n_cols = d->col[t] + 1 > d->n_cols ? d->col[t] + 1 : d->n_cols;
	d->index_base = 1;
	return d;
}

static dmlhog_dataset *make_svm(uint32_t nf)
{
	return make_svm_rows(nf, 6);
}

static dmlhog_dataset *make_triplets(const uint64_t *u, const uint64_t *it, uint64_t n)
{
	dmlhog_dataset *d = dataset_new(DMLHOG_FORMAT_TRIPLET);
	d->n_rows = n;
	uint64_t *user_raw = malloc(n * sizeof *user_raw);
	uint64_t *item_raw = malloc(n * sizeof *item_raw);
	d->label = malloc(n * sizeof *d->label);
	memcpy(user_raw, u, n * sizeof *u);
	memcpy(item_raw, it, n * sizeof *it);
	for (uint64_t i = 0; i < n; i++)
		d->label[i] = 3;
	dataset_index_ids(d, user_raw, item_raw);
	return d;
}

static int same_floats(const float *a, const float *b, size_t n)
{
	return a && b && memcmp(a, b, n * sizeof *a) == 0;
}

static int same_opts(const struct dmlhog_train_opts *a, const struct dmlhog_train_opts *b)
{
	return a->task == b->task && a->loss == b->loss && a->engine == b->engine &&
	       a->l1 == b->l1 && a->l2 == b->l2 && a->l2_item == b->l2_item &&
	       a->schedule == b->schedule && a->lr == b->lr && a->decay == b->decay &&
	       a->epochs == b->epochs && a->rank == b->rank && a->bias == b->bias &&
	       a->n_features == b->n_features && a->seed == b->seed &&
	       a->time_limit_s == b->time_limit_s && a->early_stop == b->early_stop &&
	       a->min_delta == b->min_delta && a->threads == b->threads;
}

static int same_provenance(const dmlhog_model *a, const dmlhog_model *b)
{
	return a->task == b->task && a->loss == b->loss && a->seed == b->seed &&
	       a->epochs_done == b->epochs_done && a->n_train == b->n_train &&
	       a->index_base == b->index_base && same_opts(&a->opts, &b->opts);
}

/* Save m as name, load it back; NULL (and a failed check) on error. */
static dmlhog_model *round_trip(const dmlhog_model *m, const char *name)
{
	char p[256];
	struct dmlhog_error err = { .status = DMLHOG_OK };
	dmlhog_model *back = NULL;
	tpath(p, sizeof p, name);
	if (!ok(dmlhog_model_save(m, p, &err) == DMLHOG_OK, "%s: save", name))
		printf("#   %s\n", err.msg);
	if (!ok(dmlhog_model_load(p, &back, &err) == DMLHOG_OK, "%s: load", name))
		printf("#   %s\n", err.msg);
	return back;
}

/* Predictions of both models on d are bit-identical. */
static void same_predictions(const dmlhog_model *a, const dmlhog_model *b,
                             const dmlhog_dataset *d, const char *what)
{
	uint64_t n = d->n_rows;
	uint32_t np = dmlhog_model_classes(a) > 2 ? dmlhog_model_classes(a) : 1;
	double *pa = calloc(n, sizeof *pa), *pb = calloc(n, sizeof *pb);
	double *qa = calloc(n * np, sizeof *qa), *qb = calloc(n * np, sizeof *qb);
	int sa = dmlhog_model_predict(a, d, pa, qa, NULL);
	int sb = dmlhog_model_predict(b, d, pb, qb, NULL);
	ok(sa == DMLHOG_OK && sb == DMLHOG_OK && memcmp(pa, pb, n * sizeof *pa) == 0 &&
	   memcmp(qa, qb, n * np * sizeof *qa) == 0, "%s: identical predictions after reload", what);
	free(pa);
	free(pb);
	free(qa);
	free(qb);
}

/* ---- names ---- */

static void test_names(void)
{
	static const char *tasks[] = { "auto", "binary", "multiclass", "regression", "mf" };
	static const char *losses[] = { "auto", "logistic", "hinge", "sqhinge", "squared" };
	int good = 1;
	for (int i = 0; i < 5; i++) {
		good &= dmlhog_task_parse(tasks[i]) == i && strcmp(dmlhog_task_name(i), tasks[i]) == 0;
		good &= dmlhog_loss_parse(losses[i]) == i && strcmp(dmlhog_loss_name(i), losses[i]) == 0;
	}
	ok(good, "task and loss names parse back to themselves");
	is_int(dmlhog_loss_parse("squared_hinge"), DMLHOG_LOSS_SQHINGE, "squared_hinge is an alias of sqhinge");
	is_int(dmlhog_task_parse("Binary"), -1, "task names are case-sensitive");
	is_int(dmlhog_loss_parse("quantile"), -1, "unknown loss is -1");
	is_int(dmlhog_task_parse(""), -1, "empty task is -1");
	is_str(dmlhog_task_name((enum dmlhog_task)99), "unknown", "out-of-range task has a name");
}

/* ---- round trips ---- */

static void test_linear_round_trip(enum dmlhog_task task, uint32_t nf, uint32_t k, int bias,
                                   const char *name)
{
	dmlhog_model *m = make_linear(task, nf, k, bias);
	dmlhog_model *b = round_trip(m, name);
	size_t nw = ((size_t)nf + (bias ? 1 : 0)) * k;
	if (!b) {
		dmlhog_model_destroy(m);
		return;
	}
	ok(b->n_features == nf && b->k == k && b->has_bias == bias && b->n_labels == m->n_labels,
	   "%s: dimensions", name);
	ok(same_floats(m->w, b->w, nw), "%s: %zu weights bit-identical", name, nw);
	ok(m->n_labels == 0 || memcmp(m->labels, b->labels, m->n_labels * sizeof *m->labels) == 0,
	   "%s: labels identical", name);
	ok(same_provenance(m, b), "%s: task, loss, seed and training options survive", name);
	ok(((uintptr_t)b->w & 63) == 0, "%s: loaded weights are 64-byte aligned", name);
	dmlhog_dataset *d = make_svm(nf);
	same_predictions(m, b, d, name);
	dmlhog_dataset_destroy(d);
	dmlhog_model_destroy(m);
	dmlhog_model_destroy(b);
}

static void test_mf_round_trip(void)
{
	dmlhog_model *m = make_mf();
	dmlhog_model *b = round_trip(m, "mf.model");
	if (!b) {
		dmlhog_model_destroy(m);
		return;
	}
	ok(b->rank == 4 && b->n_users == 4 && b->n_items == 5 && b->mu == 3.5, "mf: dimensions and mu");
	ok(same_floats(m->P, b->P, 16) && same_floats(m->Q, b->Q, 20) &&
	   same_floats(m->bu, b->bu, 4) && same_floats(m->bi, b->bi, 5), "mf: P, Q, bu, bi bit-identical");
	int ids = b->users && b->items && idmap_size(b->users) == 4 && idmap_size(b->items) == 5;
	for (uint32_t i = 0; ids && i < 5; i++)
		ids = (i >= 4 || idmap_id(b->users, i) == mf_users[i]) && idmap_id(b->items, i) == mf_items[i];
	ok(ids, "mf: sparse original ids (163949) restored in dense order");
	ok(same_provenance(m, b), "mf: provenance survives");
	static const uint64_t u[] = { 7, 671, 5, 1, 999999, 42 };
	static const uint64_t it[] = { 163949, 2, 50, 77, 88, 999 };
	dmlhog_dataset *d = make_triplets(u, it, 6);
	same_predictions(m, b, d, "mf");
	dmlhog_dataset_destroy(d);
	dmlhog_model_destroy(m);
	dmlhog_model_destroy(b);
}

/* ---- prediction values ---- */

static void test_predict_binary(void)
{
	dmlhog_model *m = model_alloc_linear(3, 1, 1, 2);
	m->task = DMLHOG_TASK_BINARY;
	m->loss = DMLHOG_LOSS_LOGISTIC;
	m->labels[0] = 0;
	m->labels[1] = 1;
	m->w[0] = 1.0f;
	m->w[1] = -2.0f;
	m->w[2] = 0.5f;
	m->w[3] = 0.25f;          /* bias */
	dmlhog_dataset *d = dataset_new(DMLHOG_FORMAT_SVMLIGHT);
	static const uint64_t rp[] = { 0, 2, 4, 4 };
	/* 3 = n_features: never seen in training (and where the bias is stored) */
	static const uint32_t col[] = { 0, 1, 2, 3 };
	static const float val[] = { 1, 1, 2, 100 };
	d->n_rows = 3;
	d->nnz = 4;
	d->n_cols = 4;
	d->row_ptr = malloc(sizeof rp);
	d->col = malloc(sizeof col);
	d->val = malloc(sizeof val);
	memcpy(d->row_ptr, rp, sizeof rp);
	memcpy(d->col, col, sizeof col);
	memcpy(d->val, val, sizeof val);
	double out[3], pr[3];
	is_int(dmlhog_model_predict(m, d, out, pr, NULL), DMLHOG_OK, "binary predict");
	/* scores: 1 - 2 + .25 = -.75; 1 + .25 = 1.25 (feature 3 ignored); .25 */
	ok(out[0] == 0 && out[1] == 1 && out[2] == 1, "binary: score > 0 gives labels[1], else labels[0]");
	is_near(pr[0], 1 / (1 + exp(0.75)), 1e-15, "binary: probability is the sigmoid of the score");
	is_near(pr[1], 1 / (1 + exp(-1.25)), 1e-15, "binary: unseen feature ids are ignored");
	double scores[1];
	model_scores(m, col, val, 2, scores);
	is_near(scores[0], -0.75, 0, "model_scores adds the bias");
	double same[3];
	dmlhog_model_predict(m, d, same, same, NULL);
	ok(same[0] == pr[0] && same[2] == pr[2], "binary: probs == out gives P(positive)");
	m->has_bias = 0;
	model_scores(m, col, val, 2, scores);
	is_near(scores[0], -1.0, 0, "model_scores without bias");
	dmlhog_dataset_destroy(d);

	static const uint64_t u[] = { 1 }, it[] = { 1 };
	d = make_triplets(u, it, 1);
	struct dmlhog_error err = { .status = DMLHOG_OK };
	is_int(dmlhog_model_predict(m, d, out, NULL, &err), DMLHOG_E_USAGE, "linear model refuses triplets");
	has_str(err.msg, "svmlight", "message says what data the model needs");
	dmlhog_dataset_destroy(d);
	dmlhog_model_destroy(m);
}

static void test_predict_multiclass(void)
{
	/* enough rows for the parallel loop, each with its own scratch */
	enum { N = 10000 };
	dmlhog_model *m = make_linear(DMLHOG_TASK_MULTICLASS, 20, 10, 1);
	dmlhog_dataset *d = make_svm_rows(20, N);
	double *out = malloc(N * sizeof *out), *pr = malloc(N * 10 * sizeof *pr), s[10];
	is_int(dmlhog_model_predict(m, d, out, pr, NULL), DMLHOG_OK, "multiclass predict");
	int good = 1;
	for (uint64_t i = 0; i < N; i++) {
		const uint32_t *c;
		const float *v;
		uint64_t n = dataset_row(d, i, &c, &v);
		model_scores(m, c, v, n, s);
		uint32_t best = 0;
		double z = 0;
		for (uint32_t k = 0; k < 10; k++) {
			best = s[k] > s[best] ? k : best;
			z += pr[i * 10 + k];
		}
		good &= out[i] == m->labels[best] && fabs(z - 1) < 1e-12 &&
		        pr[i * 10 + best] >= pr[i * 10 + (best + 1) % 10];
	}
	ok(good, "multiclass: argmax label, softmax sums to 1 and peaks at the argmax (%d rows)", N);
	free(out);
	free(pr);
	is_int(dmlhog_model_classes(m), 10, "multiclass: 10 classes");
	ok(dmlhog_model_class_label(m, 3) == 1.5 && isnan(dmlhog_model_class_label(m, 10)),
	   "class labels by index, NaN past the end");
	dmlhog_dataset_destroy(d);
	dmlhog_model_destroy(m);
}

static void test_predict_mf(void)
{
	dmlhog_model *m = make_mf();
	static const uint64_t u[] = { 42, 42, 5, 5 };
	static const uint64_t it[] = { 163949, 12345, 163949, 12345 };
	dmlhog_dataset *d = make_triplets(u, it, 4);
	double out[4];
	is_int(dmlhog_model_predict(m, d, out, NULL, NULL), DMLHOG_OK, "mf predict");
	double dot = 0;
	for (int r = 0; r < 4; r++)
		dot += (double)m->P[2 * 4 + r] * m->Q[2 * 4 + r];
	is_near(out[0], 3.5 + m->bu[2] + m->bi[2] + dot, 1e-12, "mf: mu + bu + bi + P_u.Q_i");
	is_near(out[1], 3.5 + m->bu[2], 1e-12, "mf: unseen item drops bi and the dot product");
	is_near(out[2], 3.5 + m->bi[2], 1e-12, "mf: unseen user drops bu and the dot product");
	is_near(out[3], 3.5, 0, "mf: both unseen gives mu");
	is_near(model_mf_predict(m, IDMAP_NONE, 1), 3.5 + m->bi[1], 0, "model_mf_predict with IDMAP_NONE");
	is_int(dmlhog_model_classes(m), 0, "mf has no classes");
	dmlhog_dataset_destroy(d);
	d = make_svm(3);
	is_int(dmlhog_model_predict(m, d, out, NULL, NULL), DMLHOG_E_USAGE, "mf model refuses svmlight data");
	dmlhog_dataset_destroy(d);
	dmlhog_model_destroy(m);
}

/* ---- damaged files ---- */

/* Load path and expect E_CORRUPT with a message containing frag. */
static void expect_corrupt(const char *path, const char *frag, const char *what)
{
	struct dmlhog_error err = { .status = DMLHOG_OK };
	dmlhog_model *m = NULL;
	enum dmlhog_status st = dmlhog_model_load(path, &m, &err);
	ok(st == DMLHOG_E_CORRUPT && dmlhog_exit_code(st) == 65 && m == NULL,
	   "%s: E_CORRUPT, exit 65", what);
	has_str(err.msg, frag, what);
	has_str(err.msg, path, "message names the file");
	dmlhog_model_destroy(m);
}

/* Write buf with the first occurrence of old replaced by new. */
static int write_edited(const char *path, const char *buf, size_t len, const char *old,
                        const char *new)
{
	const char *at = strstr(buf, old);
	if (!at)
		return -1;
	size_t pre = (size_t)(at - buf), ol = strlen(old), nl = strlen(new);
	char *e = malloc(len - ol + nl);
	memcpy(e, buf, pre);
	memcpy(e + pre, new, nl);
	memcpy(e + pre + nl, at + ol, len - pre - ol);
	int r = spit(path, e, len - ol + nl);
	free(e);
	return r;
}

static void test_corruption(void)
{
	char good[256], bad[256];
	size_t len = 0;
	dmlhog_model *m = make_linear(DMLHOG_TASK_BINARY, 123, 1, 1);
	tpath(good, sizeof good, "good.model");
	tpath(bad, sizeof bad, "bad.model");
	dmlhog_model_save(m, good, NULL);
	char *buf = slurp(good, &len);
	if (!ok(buf != NULL, "read the saved model back")) {
		dmlhog_model_destroy(m);
		return;
	}
	size_t off = payload_offset(buf);
	ok(strncmp(buf, "dmlhog-model 1\nendian little\ntask binary\nloss logistic\n", 55) == 0,
	   "header starts with magic, endian, task, loss (readable with head)");
	is_int(len - off, 4 * 124, "payload: 124 floats after the 8-aligned header");
	has_str(buf, "\npayload_bytes 496\n", "header records payload_bytes");
	has_str(buf, "\nopt l2 3.07e-05\n", "header records the training options readably");
	has_str(buf, "\nopt schedule adagrad\n", "schedules are written by name");
	has_str(buf, "\nlabels -1 1\n", "labels negative then positive");

	buf[off + 17] ^= 0x10;
	spit(bad, buf, len);
	expect_corrupt(bad, "checksum mismatch (file corrupted)", "one flipped payload bit");
	buf[off + 17] ^= 0x10;

	size_t cuts[] = { 0, 5, 40, off - 9, off - 2, off, off + 1, len / 2 + off / 2, len - 1 };
	const char *frags[] = { "not a dmlhog model", "bad magic", "truncated", "truncated",
	                        "truncated", "truncated: payload has 0 of 496 bytes", "truncated",
	                        "truncated: payload has", "truncated: payload has 495 of 496 bytes" };
	for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		char what[64];
		spit(bad, buf, cuts[i]);
		snprintf(what, sizeof what, "truncated at byte %zu of %zu", cuts[i], len);
		expect_corrupt(bad, frags[i], what);
	}

	buf[0] = 'x';
	spit(bad, buf, len);
	expect_corrupt(bad, "not a dmlhog model (bad magic)", "bad magic");
	buf[0] = 'd';
	spit(bad, "+1 1:0.5 3:1\n-1 2:1\n", 20);
	expect_corrupt(bad, "bad magic", "an svmlight file is not a model");

	write_edited(bad, buf, len, "dmlhog-model 1\n", "dmlhog-model 2\n");
	expect_corrupt(bad, "unsupported model version 2", "bad version");
	write_edited(bad, buf, len, "payload_bytes 496\n", "payload_bytes 492\n");
	expect_corrupt(bad, "payload_bytes 492 does not match the dimensions (expected 496)", "wrong payload_bytes");
	write_edited(bad, buf, len, "task binary\n", "task binery\n");
	expect_corrupt(bad, "bad task value 'binery'", "unknown task");
	write_edited(bad, buf, len, "rows 1\n", "rows 0\n");
	expect_corrupt(bad, "zero weight rows", "zero rows");
	write_edited(bad, buf, len, "features 123\n", "features 4000000000\n");
	expect_corrupt(bad, "does not match the dimensions", "absurd feature count");
	write_edited(bad, buf, len, "features 123\n", "features -5\n");
	expect_corrupt(bad, "bad features value", "negative feature count");
	write_edited(bad, buf, len, "labels -1 1\n", "labels -1 1 2\n");
	expect_corrupt(bad, "labels: 3 values", "three labels for a binary model");
	write_edited(bad, buf, len, "endian little\n", "endian big\n");
	expect_corrupt(bad, "big-endian", "big-endian model");
	write_edited(bad, buf, len, "seed 42\n", "seed 42\nrank 3\n");
	expect_corrupt(bad, "'rank' does not belong in a binary model", "MF field in a linear model");
	write_edited(bad, buf, len, "seed 42\n", "colour blue\n");
	expect_corrupt(bad, "unknown field 'colour'", "unknown header field");
	write_edited(bad, buf, len, "seed 42\n", "");
	expect_corrupt(bad, "no 'seed' field", "missing field");
	write_edited(bad, buf, len, "seed 42\n", "seed 42\nseed 43\n");
	expect_corrupt(bad, "given twice", "duplicate field");
	write_edited(bad, buf, len, "\nend\n", "\nfin\n");
	expect_corrupt(bad, "not 'key value'", "missing end");
	spit(bad, buf, off);
	FILE *f = fopen(bad, "ab");
	fwrite(buf + off, 1, len - off, f);
	fwrite("junk", 1, 4, f);
	fclose(f);
	expect_corrupt(bad, "4 bytes of trailing data", "trailing bytes after the payload");

	/* opt lines of a newer build are provenance only: accepted */
	dmlhog_model *back = NULL;
	struct dmlhog_error err = { .status = DMLHOG_OK };
	/* 16 bytes more, so the payload stays where the padding puts it */
	write_edited(bad, buf, len, "opt threads 2\n", "opt threads 2\nopt knob 123456\n");
	if (!ok(dmlhog_model_load(bad, &back, &err) == DMLHOG_OK && back->opts.threads == 2,
	        "unknown opt lines are accepted"))
		printf("#   %s\n", err.msg);
	dmlhog_model_destroy(back);

	struct dmlhog_error e2 = { .status = DMLHOG_OK };
	tpath(bad, sizeof bad, "no-such.model");
	is_int(dmlhog_model_load(bad, &back, &e2), DMLHOG_E_NOINPUT, "missing file: E_NOINPUT");
	is_int(dmlhog_exit_code(e2.status), 66, "missing file: exit 66");
	has_str(e2.msg, "no-such.model", "missing file: message names it");
	is_int(dmlhog_model_load(dir, &back, &e2), DMLHOG_E_NOINPUT, "a directory: E_NOINPUT");
	free(buf);
	dmlhog_model_destroy(m);
}

static void test_mf_corruption(void)
{
	char good[256], bad[256];
	size_t len = 0;
	dmlhog_model *m = make_mf();
	tpath(good, sizeof good, "mf-good.model");
	tpath(bad, sizeof bad, "mf-bad.model");
	dmlhog_model_save(m, good, NULL);
	char *buf = slurp(good, &len);
	size_t off = buf ? payload_offset(buf) : 0;
	/* 180 float bytes + 4 padding + 9 ids of 8 bytes */
	is_int(buf ? (long long)(len - off) : -1, 180 + 4 + 72, "mf payload: floats, padding to 8, uint64 ids");
	if (buf && len - off == 256) {
		uint64_t id;
		memcpy(&id, buf + off + 184 + 8 * 6, 8);
		is_int(id, 163949, "mf payload: item ids are stored as uint64");
		buf[off + 184 + 8 * 6] ^= 1;
		spit(bad, buf, len);
		expect_corrupt(bad, "checksum mismatch", "mf: flipped id byte");
		buf[off + 184 + 8 * 6] ^= 1;
		write_edited(bad, buf, len, "rank 4\n", "rank 0\n");
		expect_corrupt(bad, "rank: 0", "mf: zero rank");
		write_edited(bad, buf, len, "mu 3.5\n", "mu nan\n");
		expect_corrupt(bad, "mu: not a finite number", "mf: NaN mu");
		spit(bad, buf, len - 8);
		expect_corrupt(bad, "truncated: payload has 248 of 256 bytes", "mf: truncated id list");
	}
	free(buf);
	dmlhog_model_destroy(m);
}

/* ---- atomic writing ---- */

static void test_atomic_replace(void)
{
	char p[256];
	size_t la = 0;
	dmlhog_model *a = make_linear(DMLHOG_TASK_BINARY, 50, 1, 1);
	dmlhog_model *b = make_linear(DMLHOG_TASK_MULTICLASS, 30, 4, 0);
	tpath(p, sizeof p, "replace.model");
	is_int(dmlhog_model_save(a, p, NULL), DMLHOG_OK, "save a first model");
	char *old = slurp(p, &la);
	FILE *reader = fopen(p, "rb");        /* a reader holding the old file open */
	is_int(dmlhog_model_save(b, p, NULL), DMLHOG_OK, "save a second model over it");
	dmlhog_model *back = NULL;
	ok(dmlhog_model_load(p, &back, NULL) == DMLHOG_OK && back->task == DMLHOG_TASK_MULTICLASS &&
	   back->k == 4, "the path now holds the second model");
	char *seen = old ? malloc(la) : NULL;
	ok(reader && seen && fread(seen, 1, la, reader) == la && memcmp(seen, old, la) == 0 &&
	   fgetc(reader) == EOF, "an open reader still sees the whole first model (rename, not rewrite)");
	is_int(count_files(dir, ".tmp"), 0, "no temp files left behind");
	if (reader)
		fclose(reader);
	free(seen);
	free(old);
	dmlhog_model_destroy(back);
	dmlhog_model_destroy(a);
	dmlhog_model_destroy(b);
}

/* Save over path is expected to fail with status st; path must keep its bytes. */
static void expect_save_fails(const dmlhog_model *m, const char *path, const char *inside,
                              enum dmlhog_status st, const char *what)
{
	size_t len = 0;
	char *before = slurp(path, &len);
	struct dmlhog_error err = { .status = DMLHOG_OK };
	enum dmlhog_status got = dmlhog_model_save(m, path, &err);
	if (!ok(got == st && dmlhog_exit_code(got) == dmlhog_exit_code(st), "%s: status %s", what,
	        dmlhog_status_word(st)))
		printf("#   got %s: %s\n", dmlhog_status_word(got), err.msg);
	ok(before && same_file(path, before, len), "%s: existing file byte-identical", what);
	is_int(count_files(inside, ".tmp"), 0, "no temp file left behind");
	free(before);
}

static void test_unwritable(void)
{
	char sub[128], p[512];
	size_t len = 0;
	dmlhog_model *a = make_linear(DMLHOG_TASK_REGRESSION, 10, 1, 1);
	dmlhog_model *b = make_linear(DMLHOG_TASK_REGRESSION, 20, 1, 1);
	tpath(sub, sizeof sub, "ro");
	mkdir(sub, 0755);
	snprintf(p, sizeof p, "%s/m.model", sub);
	dmlhog_model_save(a, p, NULL);
	chmod(sub, 0555);
	char probe[256];
	snprintf(probe, sizeof probe, "%s/probe", sub);
	FILE *f = fopen(probe, "w");
	if (f) {         /* root ignores directory permissions */
		fclose(f);
		unlink(probe);
		tap_skip("read-only directory: permissions not enforced for this user");
		tap_skip("read-only directory: existing file unchanged");
		tap_skip("read-only directory: no temp file");
	} else {
		expect_save_fails(b, p, sub, DMLHOG_E_CANTCREAT, "read-only directory");
	}
	chmod(sub, 0755);

	/* A name whose temp sibling is too long fails to create for any user. */
	char name[251];
	memset(name, 'n', 250);
	name[250] = '\0';
	tpath(p, sizeof p, "long-src.model");
	dmlhog_model_save(a, p, NULL);
	char *src = slurp(p, &len);
	tpath(p, sizeof p, name);
	ok(src && spit(p, src, len) == 0, "a model under a 250-byte name");
	free(src);
	expect_save_fails(b, p, dir, DMLHOG_E_CANTCREAT, "temp file cannot be created");

	tpath(p, sizeof p, "no-dir/m.model");
	struct dmlhog_error err = { .status = DMLHOG_OK };
	is_int(dmlhog_model_save(a, p, &err), DMLHOG_E_CANTCREAT, "missing directory: E_CANTCREAT");
	is_int(dmlhog_exit_code(err.status), 73, "missing directory: exit 73");
	has_str(err.msg, "no-dir/m.model", "message names the path");
	dmlhog_model_destroy(a);
	dmlhog_model_destroy(b);
}

/* A write that runs out of space (here: the file size limit) never
 * replaces the old model and leaves no temp file. */
static void test_write_failure(void)
{
	char p[256];
	struct rlimit old, small;
	dmlhog_model *a = make_linear(DMLHOG_TASK_BINARY, 10, 1, 1);
	dmlhog_model *big = make_linear(DMLHOG_TASK_BINARY, 200000, 1, 1);
	tpath(p, sizeof p, "full.model");
	dmlhog_model_save(a, p, NULL);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	small = old;
	small.rlim_cur = 64 * 1024;
	if (setrlimit(RLIMIT_FSIZE, &small) != 0) {
		tap_skip("setrlimit(RLIMIT_FSIZE) refused");
	} else {
		expect_save_fails(big, p, dir, DMLHOG_E_IO, "disk full");
		setrlimit(RLIMIT_FSIZE, &old);
	}
	signal(SIGXFSZ, SIG_DFL);
	dmlhog_model_destroy(a);
	dmlhog_model_destroy(big);
}

static void test_invalid_save(void)
{
	char p[256];
	dmlhog_model *m = make_linear(DMLHOG_TASK_BINARY, 5, 1, 1);
	struct dmlhog_error err = { .status = DMLHOG_OK };
	m->labels[1] = m->labels[0];
	tpath(p, sizeof p, "invalid.model");
	is_int(dmlhog_model_save(m, p, &err), DMLHOG_E_INTERNAL, "a model load would refuse is not saved");
	has_str(err.msg, "labels", "the message says why");
	ok(access(p, F_OK) != 0, "nothing written");
	dmlhog_model_destroy(m);
}

/* ---- describe ---- */

static char *describe(const dmlhog_model *m)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);
	dmlhog_model_describe(m, f);
	fclose(f);
	return text;
}

static void test_describe(void)
{
	char p[256];
	size_t len = 0;
	dmlhog_model *m = make_linear(DMLHOG_TASK_BINARY, 123, 1, 1), *b = NULL;
	tpath(p, sizeof p, "describe.model");
	dmlhog_model_save(m, p, NULL);
	dmlhog_model_load(p, &b, NULL);
	char *file = slurp(p, &len);
	char *fresh = describe(m), *loaded = b ? describe(b) : NULL;
	size_t hl = file ? (size_t)(strstr(file, "\nend\n") - file) + 5 : 0;
	ok(loaded && file && strncmp(loaded, file, hl) == 0, "describe prints the stored header");
	ok(fresh && file && strncmp(fresh, file, hl) == 0, "describe of an unsaved model prints the header a save writes");
	char want[64];
	int nz = 0;
	for (int i = 0; i < 123; i++)
		nz += m->w[i] != 0;
	snprintf(want, sizeof want, "\nweights 123\nnonzero_weights %d\n", nz);
	has_str(loaded, want, "describe counts non-zero weights");
	has_str(loaded, "\nweight_norm ", "describe prints the weight norm");
	ok(loaded && !memchr(loaded, '\0', strlen(loaded)) && strlen(loaded) > hl, "no binary in the description");
	dmlhog_model *mf = make_mf();
	char *d = describe(mf);
	has_str(d, "\nusers 4\nitems 5\nmu 3.5\n", "mf describe: dimensions");
	has_str(d, "\nP_norm ", "mf describe: factor norms");
	free(d);
	free(file);
	free(fresh);
	free(loaded);
	dmlhog_model_destroy(mf);
	dmlhog_model_destroy(m);
	dmlhog_model_destroy(b);
}

static void cleanup(void)
{
	char p[512];
	tpath(p, sizeof p, "ro/m.model");
	unlink(p);
	tpath(p, sizeof p, "ro");
	rmdir(p);
	DIR *dp = opendir(dir);
	struct dirent *e;
	while (dp && (e = readdir(dp))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (dp)
		closedir(dp);
	rmdir(dir);
}

int main(void)
{
	snprintf(dir, sizeof dir, "test-model.XXXXXX");
	if (!mkdtemp(dir)) {
		printf("Bail out! cannot create a temp directory: %s\n", strerror(errno));
		return 1;
	}
	test_names();
	test_linear_round_trip(DMLHOG_TASK_BINARY, 123, 1, 1, "binary-bias.model");
	test_linear_round_trip(DMLHOG_TASK_BINARY, 123, 1, 0, "binary-nobias.model");
	test_linear_round_trip(DMLHOG_TASK_MULTICLASS, 57, 10, 1, "multiclass.model");
	test_linear_round_trip(DMLHOG_TASK_REGRESSION, 13, 1, 1, "regression.model");
	test_mf_round_trip();
	test_predict_binary();
	test_predict_multiclass();
	test_predict_mf();
	test_corruption();
	test_mf_corruption();
	test_atomic_replace();
	test_unwritable();
	test_write_failure();
	test_invalid_save();
	test_describe();
	cleanup();
	return tap_done();
}

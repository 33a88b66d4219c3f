/* model.c: model storage, names of tasks and losses, prediction. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "data/dataset.h"
#include "model/model.h"

static const char *const task_names[] = {
	[DMLHOG_TASK_AUTO] = "auto",
	[DMLHOG_TASK_BINARY] = "binary",
	[DMLHOG_TASK_MULTICLASS] = "multiclass",
	[DMLHOG_TASK_REGRESSION] = "regression",
	[DMLHOG_TASK_MF] = "mf",
};

static const char *const loss_names[] = {
	[DMLHOG_LOSS_AUTO] = "auto",
	[DMLHOG_LOSS_LOGISTIC] = "logistic",
	[DMLHOG_LOSS_HINGE] = "hinge",
	[DMLHOG_LOSS_SQHINGE] = "sqhinge",
	[DMLHOG_LOSS_SQUARED] = "squared",
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

const char *dmlhog_task_name(enum dmlhog_task t)
{
	return (unsigned)t < N_OF(task_names) ? task_names[t] : "unknown";
}

const char *dmlhog_loss_name(enum dmlhog_loss l)
{
	return (unsigned)l < N_OF(loss_names) ? loss_names[l] : "unknown";
}

int dmlhog_task_parse(const char *s)
{
	for (unsigned i = 0; s && i < N_OF(task_names); i++)
		if (strcmp(s, task_names[i]) == 0)
			return (int)i;
	return -1;
}

int dmlhog_loss_parse(const char *s)
{
	if (!s)
		return -1;
	/* Vowpal Wabbit spells these "logistic", "hinge", "squared" too; only
	 * the squared hinge needs an alias. */
	if (strcmp(s, "squared_hinge") == 0)
		return DMLHOG_LOSS_SQHINGE;
	for (unsigned i = 0; i < N_OF(loss_names); i++)
		if (strcmp(s, loss_names[i]) == 0)
			return (int)i;
	return -1;
}

/* Cache-line aligned so engines can pad and vectorise without checks;
 * never zero bytes, so a degenerate size still gives a valid pointer. */
static void *alloc_aligned_zero(size_t count, size_t size)
{
	size_t bytes;
	void *p = NULL;
	if (__builtin_mul_overflow(count, size, &bytes) || bytes > SIZE_MAX - 64)
		return NULL;
	bytes = (bytes + 63) & ~(size_t)63;
	if (bytes == 0)
		bytes = 64;
	if (posix_memalign(&p, 64, bytes) != 0)
		return NULL;
	memset(p, 0, bytes);
	return p;
}

dmlhog_model *model_alloc_linear(uint32_t n_features, uint32_t k, int has_bias, uint32_t n_labels)
{
	dmlhog_model *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->n_features = n_features;
	m->k = k;
	m->has_bias = has_bias ? 1 : 0;
	m->n_labels = n_labels;
	/* Sensible defaults; the trainer and the loader overwrite them. */
	m->task = k > 1 ? DMLHOG_TASK_MULTICLASS
	        : n_labels == 2 ? DMLHOG_TASK_BINARY : DMLHOG_TASK_REGRESSION;
	m->loss = m->task == DMLHOG_TASK_REGRESSION ? DMLHOG_LOSS_SQUARED : DMLHOG_LOSS_LOGISTIC;
	m->w = alloc_aligned_zero(((size_t)n_features + (size_t)m->has_bias) * k, sizeof(float));
	if (n_labels)
		m->labels = calloc(n_labels, sizeof *m->labels);
	if (!m->w || (n_labels && !m->labels)) {
		dmlhog_model_destroy(m);
		return NULL;
	}
	return m;
}

dmlhog_model *model_alloc_mf(uint32_t rank, uint32_t n_users, uint32_t n_items)
{
	dmlhog_model *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->task = DMLHOG_TASK_MF;
	m->loss = DMLHOG_LOSS_SQUARED;
	m->rank = rank;
	m->n_users = n_users;
	m->n_items = n_items;
	m->P = alloc_aligned_zero((size_t)n_users * rank, sizeof(float));
	m->Q = alloc_aligned_zero((size_t)n_items * rank, sizeof(float));
	m->bu = alloc_aligned_zero(n_users, sizeof(float));
	m->bi = alloc_aligned_zero(n_items, sizeof(float));
	if (!m->P || !m->Q || !m->bu || !m->bi) {
		dmlhog_model_destroy(m);
		return NULL;
	}
	return m;
}

void model_params_copy(dmlhog_model *dst, const dmlhog_model *src)
{
	if (src->task != DMLHOG_TASK_MF) {
		memcpy(dst->w, src->w,
		       ((size_t)src->n_features + (size_t)src->has_bias) * src->k * sizeof(float));
		return;
	}
	memcpy(dst->P, src->P, (size_t)src->n_users * src->rank * sizeof(float));
	memcpy(dst->Q, src->Q, (size_t)src->n_items * src->rank * sizeof(float));
	memcpy(dst->bu, src->bu, (size_t)src->n_users * sizeof(float));
	memcpy(dst->bi, src->bi, (size_t)src->n_items * sizeof(float));
}

dmlhog_model *model_snapshot(const dmlhog_model *m)
{
	dmlhog_model *s = m->task == DMLHOG_TASK_MF
	                ? model_alloc_mf(m->rank, m->n_users, m->n_items)
	                : model_alloc_linear(m->n_features, m->k, m->has_bias, 0);
	if (!s)
		return NULL;
	dmlhog_model own = *s;          /* keep its parameter arrays, share the rest */
	*s = *m;
	s->w = own.w;
	s->P = own.P;
	s->Q = own.Q;
	s->bu = own.bu;
	s->bi = own.bi;
	s->header = NULL;
	model_params_copy(s, m);
	return s;
}

void model_snapshot_free(dmlhog_model *s)
{
	if (!s)
		return;
	free(s->w);
	free(s->P);
	free(s->Q);
	free(s->bu);
	free(s->bi);
	free(s);
}

void dmlhog_model_destroy(dmlhog_model *m)
{
	if (!m)
		return;
	free(m->w);
	free(m->labels);
	free(m->P);
	free(m->Q);
	free(m->bu);
	free(m->bi);
	if (m->users)
		idmap_destroy(m->users);
	if (m->items)
		idmap_destroy(m->items);
	free(m->header);
	free(m);
}

void model_scores(const dmlhog_model *m, const uint32_t *cols, const float *vals,
                  uint64_t n, double *out)
{
	const uint32_t k = m->k, nf = m->n_features;
	const float *bias = m->w + (size_t)nf * k;
	for (uint32_t c = 0; c < k; c++)
		out[c] = 0.0;
	for (uint64_t t = 0; t < n; t++) {
		/* a test file may hold features the training file never saw */
		if (cols[t] >= nf)
			continue;
		const float *wj = m->w + (size_t)cols[t] * k;
		double x = vals[t];
		for (uint32_t c = 0; c < k; c++)
			out[c] += (double)wj[c] * x;
	}
	if (m->has_bias)
		for (uint32_t c = 0; c < k; c++)
			out[c] += bias[c];
}

double model_mf_predict(const dmlhog_model *m, uint32_t u, uint32_t i)
{
	int has_u = u != IDMAP_NONE && u < m->n_users;
	int has_i = i != IDMAP_NONE && i < m->n_items;
	double p = m->mu;
	if (has_u)
		p += m->bu[u];
	if (has_i)
		p += m->bi[i];
	if (has_u && has_i) {
		const float *pu = m->P + (size_t)u * m->rank, *qi = m->Q + (size_t)i * m->rank;
		double dot = 0.0;
		for (uint32_t r = 0; r < m->rank; r++)
			dot += (double)pu[r] * qi[r];
		p += dot;
	}
	return p;
}

enum dmlhog_task dmlhog_model_task(const dmlhog_model *m)
{
	return m->task;
}

uint32_t dmlhog_model_classes(const dmlhog_model *m)
{
	if (m->task == DMLHOG_TASK_BINARY)
		return 2;
	if (m->task == DMLHOG_TASK_MULTICLASS)
		return m->n_labels;
	return 0;
}

double dmlhog_model_class_label(const dmlhog_model *m, uint32_t k)
{
	return m->labels && k < m->n_labels ? m->labels[k] : NAN;
}

/* 1 / (1 + e^-s) without overflow for large |s|. */
static double sigmoid(double s)
{
	if (s >= 0)
		return 1.0 / (1.0 + exp(-s));
	double e = exp(s);
	return e / (1.0 + e);
}

/* Shifted by the maximum so exp never overflows. */
static uint32_t softmax_argmax(const double *s, uint32_t k, double *probs)
{
	uint32_t best = 0;
	for (uint32_t c = 1; c < k; c++)
		if (s[c] > s[best])
			best = c;
	if (probs) {
		double z = 0.0;
		for (uint32_t c = 0; c < k; c++)
			z += (probs[c] = exp(s[c] - s[best]));
		for (uint32_t c = 0; c < k; c++)
			probs[c] /= z;
	}
	return best;
}

/* One row.  For the hinge losses the sigmoid/softmax of the margin is a
 * monotone score in [0, 1], not a calibrated probability. */
static void predict_row(const dmlhog_model *m, const dmlhog_dataset *d, uint64_t i,
                        double *scores, double *out, double *probs)
{
	const uint32_t *cols;
	const float *vals;
	uint64_t n = dataset_row(d, i, &cols, &vals);
	model_scores(m, cols, vals, n, scores);
	switch (m->task) {
	case DMLHOG_TASK_BINARY:
		out[i] = scores[0] > 0 ? m->labels[1] : m->labels[0];
		if (probs)      /* after out[i]: probs == out gives P(positive) */
			probs[i] = sigmoid(scores[0]);
		break;
	case DMLHOG_TASK_MULTICLASS:
		out[i] = m->labels[softmax_argmax(scores, m->k,
		                                  probs ? probs + i * m->k : NULL)];
		break;
	default:
		out[i] = scores[0];
		break;
	}
}

static enum dmlhog_status predict_linear(const dmlhog_model *m, const dmlhog_dataset *d,
                                         double *out, double *probs,
                                         struct dmlhog_error *err)
{
	uint64_t n = d->n_rows;
	int failed = 0;
	#pragma omp parallel if (n > 4096)
	{
		double *scores = malloc((size_t)m->k * sizeof *scores);
		if (!scores) {
			#pragma omp atomic write
			failed = 1;
		}
		#pragma omp for schedule(static)
		for (uint64_t i = 0; i < n; i++)
			if (scores)
				predict_row(m, d, i, scores, out, probs);
		free(scores);
	}
	if (failed)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "predict: out of memory (%u scores per thread)", m->k);
	return DMLHOG_OK;
}

/* Without id maps the dense index is the original id. */
static uint32_t mf_index(const struct idmap *map, uint64_t raw, uint32_t n)
{
	if (map)
		return idmap_find(map, raw);
	return raw < n ? (uint32_t)raw : IDMAP_NONE;
}

uint32_t *model_mf_indices(const dmlhog_model *m, int items, const uint64_t *ids, uint32_t n,
                           int *identity)
{
	const struct idmap *map = items ? m->items : m->users;
	uint32_t limit = items ? m->n_items : m->n_users;
	uint32_t *x = malloc((n ? n : 1) * sizeof *x);
	int same = 1;
	for (uint32_t k = 0; x && k < n; k++) {
		x[k] = mf_index(map, ids[k], limit);
		same &= x[k] == k;
	}
	if (identity)
		*identity = same;
	return x;
}

static int predict_mf(const dmlhog_model *m, const dmlhog_dataset *d, double *out)
{
	uint64_t n = d->n_rows;
	uint32_t *u = model_mf_indices(m, 0, d->user_id, d->n_users, NULL);
	uint32_t *v = model_mf_indices(m, 1, d->item_id, d->n_items, NULL);
	if (u && v) {
		#pragma omp parallel for schedule(static) if (n > 4096)
		for (uint64_t i = 0; i < n; i++)
			out[i] = model_mf_predict(m, u[d->user[i]], v[d->item[i]]);
	}
	free(u);
	free(v);
	return u && v ? 0 : -1;
}

static int model_labels_ok(const dmlhog_model *m)
{
	if (m->task == DMLHOG_TASK_BINARY)
		return m->k == 1 && m->n_labels == 2 && m->labels;
	if (m->task == DMLHOG_TASK_MULTICLASS)
		return m->k >= 2 && m->n_labels == m->k && m->labels;
	return m->k == 1;
}

enum dmlhog_status dmlhog_model_predict(const dmlhog_model *m, const dmlhog_dataset *d,
                                        double *out, double *probs,
                                        struct dmlhog_error *err)
{
	if (!m || !d || !out)
		return dmlhog_error_set(err, DMLHOG_E_INTERNAL, "predict: NULL model, data or output");
	if (m->task == DMLHOG_TASK_MF) {
		if (d->format != DMLHOG_FORMAT_TRIPLET)
			return dmlhog_error_set(err, DMLHOG_E_USAGE, "predict: the model is a factorisation (mf) model; it needs user item rating triplets, not svmlight data");
		if (predict_mf(m, d, out) != 0)
			return dmlhog_error_set(err, DMLHOG_E_NOMEM, "predict: out of memory");
		return DMLHOG_OK;
	}
	if (d->format != DMLHOG_FORMAT_SVMLIGHT)
		return dmlhog_error_set(err, DMLHOG_E_USAGE, "predict: the model is a linear %s model; it needs svmlight data, not triplets", dmlhog_task_name(m->task));
	if (!m->w || !model_labels_ok(m))
		return dmlhog_error_set(err, DMLHOG_E_INTERNAL, "predict: inconsistent %s model (k %u, %u labels)", dmlhog_task_name(m->task), m->k, m->n_labels);
	return predict_linear(m, d, out, probs, err);
}

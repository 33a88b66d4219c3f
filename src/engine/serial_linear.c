/* serial_linear.c: the reference engine for sparse linear models.
 *
 * Plain SGD over a fresh random permutation each epoch (Bottou 2010,
 * "Large-scale machine learning with stochastic gradient descent"), with
 * lazy L1/L2 (opt/lazy_reg.h) so that a step costs O(nnz x k).  AdaGrad
 * (Duchi et al. 2011) keeps one accumulator per feature: for k > 1 classes
 * it averages the squared gradients of the feature's k weights (row-wise
 * AdaGrad), so a step touches one rate per feature, and for k = 1 it is
 * exactly per-coordinate AdaGrad.  The bias is never regularised.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "engine/engine.h"
#include "loss/loss.h"
#include "opt/lazy_reg.h"
#include "util/rng.h"

#define ADAGRAD_EPS 1e-8

struct linear_state {
	uint64_t *order;
	struct rng rng;
	struct lazy_reg reg;
	float *G;           /* AdaGrad: one accumulator per feature, bias last */
	double *z;          /* k scores, then k derivatives */
	uint32_t d, k;
	int adagrad;
};

/* Loss of one sample given its scores z; writes dL/dz into dz. */
static inline double linear_loss(enum dmlhog_loss loss, const double *z, double *dz,
                                 uint32_t k, double y, uint32_t cls)
{
	if (k == 1) {
		switch (loss) {
		case DMLHOG_LOSS_LOGISTIC: dz[0] = loss_logistic_dz(z[0], y); return loss_logistic(z[0], y);
		case DMLHOG_LOSS_HINGE: dz[0] = loss_hinge_dz(z[0], y); return loss_hinge(z[0], y);
		case DMLHOG_LOSS_SQHINGE: dz[0] = loss_sqhinge_dz(z[0], y); return loss_sqhinge(z[0], y);
		default: dz[0] = loss_squared_dz(z[0], y); return loss_squared(z[0], y);
		}
	}
	if (loss == DMLHOG_LOSS_LOGISTIC)
		return loss_softmax(z, k, cls, dz);
	double sum = 0;     /* one-vs-rest: class c against the rest */
	for (uint32_t c = 0; c < k; c++) {
		double yc = c == cls ? 1 : -1;
		if (loss == DMLHOG_LOSS_HINGE) {
			sum += loss_hinge(z[c], yc);
			dz[c] = loss_hinge_dz(z[c], yc);
		} else {
			sum += loss_sqhinge(z[c], yc);
			dz[c] = loss_sqhinge_dz(z[c], yc);
		}
	}
	return sum;
}

/* Step size for feature j given its gradient row g = dz * x. */
static inline double linear_rate(struct linear_state *s, uint32_t j, const double *dz,
                                 double x, uint32_t k, double eta)
{
	if (!s->adagrad)
		return eta;
	double gsq = 0;
	for (uint32_t c = 0; c < k; c++)
		gsq += dz[c] * dz[c];
	s->G[j] += (float)(gsq * x * x / k);
	return eta / sqrt((double)s->G[j] + ADAGRAD_EPS);
}

/* One SGD step on row i; returns its loss before the update (NaN stops
 * training).  Always inlined so that k = 1 compiles to scalar code. */
static inline __attribute__((always_inline)) double
linear_step(struct train_ctx *c, struct linear_state *s, uint64_t i, double eta, uint32_t k)
{
	const uint32_t *cols;
	const float *vals;
	uint64_t n = dataset_row(c->train, i, &cols, &vals);
	float *w = c->model->w, *bias = w + (uint64_t)s->d * k;
	double *z = s->z, *dz = s->z + k;
	int reg = lazy_reg_active(&s->reg);

	for (uint32_t r = 0; r < k; r++)
		z[r] = c->model->has_bias ? bias[r] : 0;
	for (uint64_t q = 0; q < n; q++) {
		uint32_t j = cols[q];
		if (j >= s->d)
			continue;
		float *wj = w + (uint64_t)j * k;
		if (reg)
			lazy_catch_up(&s->reg, j, wj, k);
		for (uint32_t r = 0; r < k; r++)
			z[r] += (double)wj[r] * vals[q];
	}
	double y = c->tt.y ? c->tt.y[i] : 0;
	uint32_t cls = c->tt.cls ? c->tt.cls[i] : 0;
	double loss = linear_loss(c->opts.loss, z, dz, k, y, cls);
	if (!isfinite(loss))
		return loss;

	for (uint64_t q = 0; q < n; q++) {
		uint32_t j = cols[q];
		if (j >= s->d)
			continue;
		double x = vals[q], rate = linear_rate(s, j, dz, x, k, eta);
		float *wj = w + (uint64_t)j * k;
		for (uint32_t r = 0; r < k; r++)
			wj[r] -= (float)(rate * dz[r] * x);
		if (reg && s->adagrad)
			lazy_set_rate(&s->reg, j, rate);
	}
	if (c->model->has_bias) {
		double rate = linear_rate(s, s->d, dz, 1.0, k, eta);
		for (uint32_t r = 0; r < k; r++)
			bias[r] -= (float)(rate * dz[r]);
	}
	if (reg) {
		lazy_advance(&s->reg, eta);
		if (lazy_needs_rebase(&s->reg))
			lazy_flush(&s->reg, w, k);
	}
	return loss;
}

static enum dmlhog_status linear_epoch(struct train_ctx *c, void *state, uint32_t e,
                                       struct epoch_stats *st, struct dmlhog_error *err)
{
	struct linear_state *s = state;
	uint64_t n = c->train->n_rows;
	rng_shuffle_u64(&s->rng, s->order, n);
	for (uint64_t q = 0; q < n; q++) {
		uint64_t i = s->order[q];
		double eta = schedule_lr(&c->sched, c->t, e);
		double loss = s->k == 1 ? linear_step(c, s, i, eta, 1)
		                        : linear_step(c, s, i, eta, s->k);
		c->t++;
		if (!isfinite(loss))
			return dmlhog_error_set(err, DMLHOG_E_DIVERGED,
			        "training diverged at epoch %u, sample %llu: loss is %g (lower --lr)",
			        e + 1, (unsigned long long)q + 1, loss);
		st->loss_sum += loss;
		st->n++;
	}
	return DMLHOG_OK;
}

static void linear_flush(struct train_ctx *c, void *state)
{
	struct linear_state *s = state;
	if (lazy_reg_active(&s->reg))
		lazy_flush(&s->reg, c->model->w, s->k);
}

static void linear_fini(void *state)
{
	struct linear_state *s = state;
	if (!s)
		return;
	lazy_reg_free(&s->reg);
	free(s->order);
	free(s->G);
	free(s->z);
	free(s);
}

static enum dmlhog_status linear_init(struct train_ctx *c, void **state, struct dmlhog_error *err)
{
	struct linear_state *s = calloc(1, sizeof *s);
	uint64_t n = c->train->n_rows;
	if (!s)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (engine state)");
	*state = s;
	s->d = c->model->n_features;
	s->k = c->model->k;
	s->adagrad = c->opts.schedule == DMLHOG_LR_ADAGRAD;
	s->order = malloc(n * sizeof *s->order + 1);
	s->z = calloc(2 * (size_t)s->k, sizeof *s->z);
	if (s->adagrad)
		s->G = calloc((size_t)s->d + 1, sizeof *s->G);
	if (!s->order || !s->z || (s->adagrad && !s->G) ||
	    lazy_reg_init(&s->reg, s->d, c->opts.l1, c->opts.l2, s->adagrad, c->opts.lr) != 0)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (%llu rows, %u features)",
		                        (unsigned long long)n, s->d);
	for (uint64_t i = 0; i < n; i++)
		s->order[i] = i;
	rng_seed(&s->rng, c->opts.seed, 1);
	return DMLHOG_OK;
}

const struct engine_ops serial_linear_ops = {
	.name = "serial",
	.init = linear_init,
	.epoch = linear_epoch,
	.flush = linear_flush,
	.fini = linear_fini,
};

/* serial_linear.c: the reference engine for sparse linear models: one
 * thread, a fresh random permutation each epoch, the kernel of
 * linear_kernel.h with plain memory accesses and exact lazy
 * regularisation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "engine/linear_kernel.h"
#include "util/rng.h"

struct linear_state {
	uint32_t *order;
	struct rng rng;
	struct lazy_reg reg;
	struct lin_kernel q;
};

static enum dmlhog_status linear_epoch(struct train_ctx *c, void *state, uint32_t e,
                                       struct epoch_stats *st, struct dmlhog_error *err)
{
	struct linear_state *s = state;
	uint64_t n = c->train->n_rows;
	rng_shuffle_u32(&s->rng, s->order, n);
	for (uint64_t q = 0; q < n; q++) {
		uint64_t i = s->order[q];
		if (q + 4 < n)
			lin_prefetch_extent(&s->q, s->order[q + 4]);
		if (q + 2 < n)
			lin_prefetch_row(&s->q, s->order[q + 2]);
		if (q + 1 < n)
			lin_prefetch_features(&s->q, s->order[q + 1], s->q.k);
		double eta = schedule_lr(&c->sched, c->t, e);
		double loss = s->q.k == 1 ? lin_step(&s->q, i, eta, 1, 0)
		                          : lin_step(&s->q, i, eta, s->q.k, 0);
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
		lazy_flush(&s->reg, c->model->w, s->q.k);
}

static void linear_fini(void *state)
{
	struct linear_state *s = state;
	if (!s)
		return;
	lazy_reg_free(&s->reg);
	free(s->order);
	free(s->q.z);
	free(s);
}

static enum dmlhog_status linear_init(struct train_ctx *c, void **state, struct dmlhog_error *err)
{
	struct linear_state *s = calloc(1, sizeof *s);
	uint64_t n = c->train->n_rows;
	if (!s)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (engine state)");
	*state = s;
	struct lin_kernel *q = &s->q;
	q->data = c->train;
	q->tt = &c->tt;
	q->w = c->model->w;
	q->reg = &s->reg;
	q->d = c->model->n_features;
	q->k = c->model->k;
	q->has_bias = c->model->has_bias;
	q->loss = c->opts.loss;
	q->adagrad = c->opts.schedule == DMLHOG_LR_ADAGRAD;
	s->order = malloc(n * sizeof *s->order + 1);
	q->z = calloc(2 * (size_t)q->k, sizeof *q->z);
	if (!s->order || !q->z ||
	    lazy_reg_init(&s->reg, q->d, c->opts.l1, c->opts.l2, q->adagrad, c->opts.lr) != 0)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (%llu rows, %u features)",
		                        (unsigned long long)n, q->d);
	for (uint64_t i = 0; i < n; i++)
		s->order[i] = (uint32_t)i;
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

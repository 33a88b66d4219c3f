/* serial_mf.c: the reference engine for matrix factorisation: one
 * thread, a fresh random permutation of the ratings each epoch, the kernel
 * of mf_kernel.h with plain memory accesses. */
#include <math.h>
#include <stdlib.h>
#include "engine/mf_kernel.h"
#include "util/rng.h"

#define MF_INIT_STD 0.1

struct mf_state {
	uint32_t *order;
	struct rng rng;
	struct mf_kernel q;
};

static enum dmlhog_status mf_epoch(struct train_ctx *c, void *state, uint32_t e,
                                   struct epoch_stats *st, struct dmlhog_error *err)
{
	struct mf_state *s = state;
	uint64_t n = c->train->n_rows;
	rng_shuffle_u32(&s->rng, s->order, n);
	for (uint64_t q = 0; q < n; q++) {
		if (q + 2 < n)
			mf_prefetch_ids(&s->q, s->order[q + 2]);
		if (q + 1 < n)
			mf_prefetch_rows(&s->q, s->order[q + 1]);
		double eta = schedule_lr(&c->sched, c->t, e);
		double se = mf_step(&s->q, s->order[q], eta, 0);
		c->t++;
		if (!isfinite(se))
			return dmlhog_error_set(err, DMLHOG_E_DIVERGED,
			        "training diverged at epoch %u, rating %llu: error is %g (lower --lr)",
			        e + 1, (unsigned long long)q + 1, se);
		st->loss_sum += se;
		st->n++;
	}
	return DMLHOG_OK;
}

static void mf_flush(struct train_ctx *c, void *state)
{
	(void)c;
	(void)state;     /* updates are applied eagerly: nothing pending */
}

static void mf_fini(void *state)
{
	struct mf_state *s = state;
	if (!s)
		return;
	free(s->order);
	free(s->q.Gu);
	free(s->q.Gi);
	free(s);
}

/* Factors start small and random so that p.q breaks symmetry without
 * swamping the biases; uniform with standard deviation MF_INIT_STD. */
static void mf_init_factors(float *x, uint64_t n, struct rng *r)
{
	double a = MF_INIT_STD * sqrt(3.0);
	for (uint64_t i = 0; i < n; i++)
		x[i] = (float)(a * (2 * rng_uniform(r) - 1));
}

void mf_init_model(struct train_ctx *c)
{
	dmlhog_model *m = c->model;
	struct rng init;
	rng_seed(&init, c->opts.seed, 2);
	mf_init_factors(m->P, (uint64_t)m->n_users * m->rank, &init);
	mf_init_factors(m->Q, (uint64_t)m->n_items * m->rank, &init);
}

/* Point q at the given parameter arrays; AdaGrad accumulators are
 * allocated here.  Returns -1 on OOM. */
int mf_kernel_init(struct mf_kernel *q, const struct train_ctx *c, float *P, float *Q,
                   float *bu, float *bi)
{
	const dmlhog_model *m = c->model;
	q->tt = &c->tt;
	q->P = P;
	q->Q = Q;
	q->bu = bu;
	q->bi = bi;
	q->mu = m->mu;
	q->lu = c->opts.l2;
	q->li = c->opts.l2_item;
	q->k = m->rank;
	q->n_users = m->n_users;
	q->hot_mark = NULL;
	q->rec = NULL;
	q->Gu = q->Gi = NULL;
	if (c->opts.schedule != DMLHOG_LR_ADAGRAD)
		return 0;
	q->Gu = calloc((size_t)m->n_users + 1, sizeof *q->Gu);
	q->Gi = calloc((size_t)m->n_items + 1, sizeof *q->Gi);
	return q->Gu && q->Gi ? 0 : -1;
}

static enum dmlhog_status mf_init(struct train_ctx *c, void **state, struct dmlhog_error *err)
{
	struct mf_state *s = calloc(1, sizeof *s);
	dmlhog_model *m = c->model;
	uint64_t n = c->train->n_rows;
	if (!s)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (engine state)");
	*state = s;
	s->order = malloc(n * sizeof *s->order + 1);
	if (!s->order || mf_kernel_init(&s->q, c, m->P, m->Q, m->bu, m->bi) != 0)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (%llu ratings)",
		                        (unsigned long long)n);
	for (uint64_t i = 0; i < n; i++)
		s->order[i] = (uint32_t)i;
	rng_seed(&s->rng, c->opts.seed, 1);
	mf_init_model(c);
	return DMLHOG_OK;
}

const struct engine_ops serial_mf_ops = {
	.name = "serial",
	.init = mf_init,
	.epoch = mf_epoch,
	.flush = mf_flush,
	.fini = mf_fini,
};

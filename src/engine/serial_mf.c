/* serial_mf.c: the reference engine for matrix factorisation.
 *
 * Per-rating SGD on  (r - mu - b_u - b_i - p_u.q_i)^2 / 2
 *   + l2/2 (|p_u|^2 + b_u^2) + l2_item/2 (|q_i|^2 + b_i^2)
 * regularising the rows a rating touches (Funk 2006; Koren, Bell and
 * Volinsky 2009, eq. 5), the objective LIBMF minimises.  AdaGrad keeps one
 * accumulator per row (the mean squared gradient of the row), as LIBMF's
 * adaptive rule does.
 */
#include <math.h>
#include <stdlib.h>
#include "engine/engine.h"
#include "util/rng.h"

#define MF_INIT_STD 0.1
#define ADAGRAD_EPS 1e-8

struct mf_state {
	uint64_t *order;
	struct rng rng;
	float *Gu, *Gi;     /* AdaGrad: per user row and per item row */
	int adagrad;
};

static inline double mf_rate(float *G, double eta, double gsq, int adagrad)
{
	if (!adagrad)
		return eta;
	*G += (float)gsq;
	return eta / sqrt((double)*G + ADAGRAD_EPS);
}

/* One step on rating i; returns its squared error before the update. */
static double mf_step(struct train_ctx *c, struct mf_state *s, uint64_t i, double eta)
{
	dmlhog_model *m = c->model;
	uint32_t k = m->rank, u = c->tt.user[i], it = c->tt.item[i];
	float *p = m->P + (uint64_t)u * k, *q = m->Q + (uint64_t)it * k;
	double lu = c->opts.l2, li = c->opts.l2_item, dot = 0;
	for (uint32_t f = 0; f < k; f++)
		dot += (double)p[f] * q[f];
	double e = c->tt.y[i] - (m->mu + m->bu[u] + m->bi[it] + dot);
	if (!isfinite(e))
		return e;

	double gp = 0, gq = 0;
	if (s->adagrad) {
		for (uint32_t f = 0; f < k; f++) {
			double a = e * q[f] - lu * p[f], b = e * p[f] - li * q[f];
			gp += a * a;
			gq += b * b;
		}
	}
	double ru = mf_rate(&s->Gu[s->adagrad ? u : 0], eta, gp / (k ? k : 1), s->adagrad);
	double ri = mf_rate(&s->Gi[s->adagrad ? it : 0], eta, gq / (k ? k : 1), s->adagrad);
	m->bu[u] += (float)(eta * (e - lu * m->bu[u]));
	m->bi[it] += (float)(eta * (e - li * m->bi[it]));
	for (uint32_t f = 0; f < k; f++) {
		double pf = p[f], qf = q[f];
		p[f] = (float)(pf + ru * (e * qf - lu * pf));
		q[f] = (float)(qf + ri * (e * pf - li * qf));
	}
	return e * e;
}

static enum dmlhog_status mf_epoch(struct train_ctx *c, void *state, uint32_t e,
                                   struct epoch_stats *st, struct dmlhog_error *err)
{
	struct mf_state *s = state;
	uint64_t n = c->train->n_rows;
	rng_shuffle_u64(&s->rng, s->order, n);
	for (uint64_t q = 0; q < n; q++) {
		double eta = schedule_lr(&c->sched, c->t, e);
		double se = mf_step(c, s, s->order[q], eta);
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
	free(s->Gu);
	free(s->Gi);
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

static enum dmlhog_status mf_init(struct train_ctx *c, void **state, struct dmlhog_error *err)
{
	struct mf_state *s = calloc(1, sizeof *s);
	dmlhog_model *m = c->model;
	uint64_t n = c->train->n_rows;
	if (!s)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (engine state)");
	*state = s;
	s->adagrad = c->opts.schedule == DMLHOG_LR_ADAGRAD;
	s->order = malloc(n * sizeof *s->order + 1);
	s->Gu = calloc(s->adagrad ? (size_t)m->n_users + 1 : 1, sizeof *s->Gu);
	s->Gi = calloc(s->adagrad ? (size_t)m->n_items + 1 : 1, sizeof *s->Gi);
	if (!s->order || !s->Gu || !s->Gi)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (%llu ratings)",
		                        (unsigned long long)n);
	for (uint64_t i = 0; i < n; i++)
		s->order[i] = i;
	rng_seed(&s->rng, c->opts.seed, 1);
	struct rng init;
	rng_seed(&init, c->opts.seed, 2);
	mf_init_factors(m->P, (uint64_t)m->n_users * m->rank, &init);
	mf_init_factors(m->Q, (uint64_t)m->n_items * m->rank, &init);
	return DMLHOG_OK;
}

const struct engine_ops serial_mf_ops = {
	.name = "serial",
	.init = mf_init,
	.epoch = mf_epoch,
	.flush = mf_flush,
	.fini = mf_fini,
};

/* mf_kernel.h: the per-rating SGD step for matrix factorisation, shared by
 * every engine.
 *
 * Minimises (r - mu - b_u - b_i - p_u.q_i)^2 / 2
 *   + l2/2 (|p_u|^2 + b_u^2) + l2_item/2 (|q_i|^2 + b_i^2)
 * regularising the rows a rating touches (Funk 2006; Koren, Bell and
 * Volinsky 2009, eq. 5), the objective LIBMF minimises.  AdaGrad keeps one
 * accumulator per factor row (the mean squared gradient of the row), as
 * LIBMF's adaptive rule does; biases step at the base rate.  The mode
 * argument is that of linear_kernel.h (KM_* in engine/shared.h).
 */
#ifndef DMLHOG_ENGINE_MF_KERNEL_H
#define DMLHOG_ENGINE_MF_KERNEL_H

#include <math.h>
#include "engine/engine.h"
#include "engine/shared.h"

#define MF_ADAGRAD_EPS 1e-8

struct mf_kernel {
	const struct targets *tt;
	float *P, *Q, *bu, *bi;
	float *Gu, *Gi;           /* AdaGrad: per user row and per item row; else NULL */
	double mu, lu, li;        /* global mean, L2 on users, L2 on items */
	uint32_t k;
	uint32_t n_users;         /* KM_HOT: users then items in hot_mark */
	const uint32_t *hot_mark;
	uint32_t hot_seq;
	double *rec;              /* KM_HOT: MF_REC(k) slots for this rating */
};

static inline __attribute__((always_inline)) double
mf_rate(float *G, double eta, double gsq, int shared)
{
	if (!G)
		return eta;
	float g = sh_loadf(G, shared) + (float)gsq;
	sh_storef(G, g, shared);
	return eta / sqrt((double)g + MF_ADAGRAD_EPS);
}

/* Ratings come in random order: an engine asks for rating i's ids two
 * steps ahead (mf_prefetch_ids), then for its factor rows one step ahead
 * (mf_prefetch_rows), so that the cache misses of the next steps overlap
 * this one's arithmetic. */
static inline __attribute__((always_inline)) void
mf_prefetch_ids(const struct mf_kernel *q, uint64_t i)
{
	__builtin_prefetch(&q->tt->user[i]);
	__builtin_prefetch(&q->tt->item[i]);
	__builtin_prefetch(&q->tt->y[i]);
}

static inline __attribute__((always_inline)) void
mf_prefetch_rows(const struct mf_kernel *q, uint64_t i)
{
	uint32_t k = q->k, u = q->tt->user[i], it = q->tt->item[i];
	const float *p = q->P + (uint64_t)u * k, *qv = q->Q + (uint64_t)it * k;
	for (uint32_t f = 0; f < k; f += 16) {
		__builtin_prefetch(p + f);
		__builtin_prefetch(qv + f);
	}
	__builtin_prefetch(&q->bu[u]);
	__builtin_prefetch(&q->bi[it]);
	if (q->Gu) {
		__builtin_prefetch(&q->Gu[u]);
		__builtin_prefetch(&q->Gi[it]);
	}
}

/* One step on rating i; returns its squared error before the update.
 * mode as in linear_kernel.h: under KM_HOT a hot user or item (hot_mark
 * of u, or of n_users + item, equal to hot_seq) is read but not updated,
 * and the step records what mf_hot_update needs to replay that side:
 * the rating, both biases and both factor rows as this step read them. */
#define MF_REC(k) (3 + 2 * (size_t)(k))
static inline __attribute__((always_inline)) double
mf_step(struct mf_kernel *q, uint64_t i, double eta, int mode)
{
	int shared = mode & KM_ATOMIC;
	uint32_t k = q->k, u = q->tt->user[i], it = q->tt->item[i];
	float *p = q->P + (uint64_t)u * k, *qv = q->Q + (uint64_t)it * k;
	int hot_u = (mode & KM_HOT) && q->hot_mark[u] == q->hot_seq;
	int hot_i = (mode & KM_HOT) && q->hot_mark[q->n_users + it] == q->hot_seq;
	double dot = 0, bu = sh_loadf(&q->bu[u], shared), bi = sh_loadf(&q->bi[it], shared);
	for (uint32_t f = 0; f < k; f++)
		dot += (double)sh_loadf(&p[f], shared) * sh_loadf(&qv[f], shared);
	double e = q->tt->y[i] - (q->mu + bu + bi + dot);
	if (!isfinite(e))
		return e;
	if (hot_u | hot_i) {
		q->rec[0] = q->tt->y[i];
		q->rec[1] = bu;
		q->rec[2] = bi;
		for (uint32_t f = 0; f < k; f++) {
			q->rec[3 + f] = p[f];
			q->rec[3 + k + f] = qv[f];
		}
	}

	double gp = 0, gq = 0;
	if (q->Gu) {
		for (uint32_t f = 0; f < k; f++) {
			double pf = sh_loadf(&p[f], shared), qf = sh_loadf(&qv[f], shared);
			double a = e * qf - q->lu * pf, b = e * pf - q->li * qf;
			gp += a * a;
			gq += b * b;
		}
	}
	double ru = hot_u ? 0 : mf_rate(q->Gu ? &q->Gu[u] : NULL, eta, gp / (k ? k : 1), shared);
	double ri = hot_i ? 0 : mf_rate(q->Gi ? &q->Gi[it] : NULL, eta, gq / (k ? k : 1), shared);
	if (!hot_u)
		sh_storef(&q->bu[u], (float)(bu + eta * (e - q->lu * bu)), shared);
	if (!hot_i)
		sh_storef(&q->bi[it], (float)(bi + eta * (e - q->li * bi)), shared);
	for (uint32_t f = 0; f < k; f++) {
		double pf = sh_loadf(&p[f], shared), qf = sh_loadf(&qv[f], shared);
		if (!hot_u)
			sh_storef(&p[f], (float)(pf + ru * (e * qf - q->lu * pf)), shared);
		if (!hot_i)
			sh_storef(&qv[f], (float)(qf + ri * (e * pf - q->li * qf)), shared);
	}
	return e * e;
}

/* Replay the deferred update of one side of a rating: x (with bias b and
 * AdaGrad accumulator G, or NULL) is the hot row; other and other_b the
 * other side's factors and bias as the step read them, y the rating, l the
 * hot side's L2.  The error is recomputed from the hot row as it is now,
 * after the batch's earlier ratings of it: that is the error the serial
 * run sees (when the other side is not hot too), so a popular item's
 * updates do not pile up on one stale error.  The same arithmetic as
 * mf_step. */
static inline void mf_hot_update(float *x, float *b, float *G, const double *other,
                                 double other_b, double y, double mu, double eta, double l,
                                 uint32_t k)
{
	double dot = 0, g = 0;
	for (uint32_t f = 0; f < k; f++)
		dot += (double)x[f] * other[f];
	double bx = *b, e = y - (mu + other_b + bx + dot);
	if (G)
		for (uint32_t f = 0; f < k; f++) {
			double a = e * other[f] - l * x[f];
			g += a * a;
		}
	double r = mf_rate(G, eta, g / (k ? k : 1), 0);
	*b = (float)(bx + eta * (e - l * bx));
	for (uint32_t f = 0; f < k; f++)
		x[f] = (float)(x[f] + r * (e * other[f] - l * x[f]));
}

int mf_kernel_init(struct mf_kernel *q, const struct train_ctx *c, float *P, float *Q,
                   float *bu, float *bi);

#endif

/* mf_kernel.h: the per-rating SGD step for matrix factorisation, shared by
 * every engine.
 *
 * Minimises (r - mu - b_u - b_i - p_u.q_i)^2 / 2
 *   + l2/2 (|p_u|^2 + b_u^2) + l2_item/2 (|q_i|^2 + b_i^2)
 * regularising the rows a rating touches (Funk 2006; Koren, Bell and
 * Volinsky 2009, eq. 5), the objective LIBMF minimises.  AdaGrad keeps one
 * accumulator per factor row (the mean squared gradient of the row), as
 * LIBMF's adaptive rule does; biases step at the base rate.  With shared =
 * 1 every parameter access is a relaxed atomic (engine/shared.h).
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

/* One step on rating i; returns its squared error before the update. */
static inline __attribute__((always_inline)) double
mf_step(struct mf_kernel *q, uint64_t i, double eta, int shared)
{
	uint32_t k = q->k, u = q->tt->user[i], it = q->tt->item[i];
	float *p = q->P + (uint64_t)u * k, *qv = q->Q + (uint64_t)it * k;
	double dot = 0, bu = sh_loadf(&q->bu[u], shared), bi = sh_loadf(&q->bi[it], shared);
	for (uint32_t f = 0; f < k; f++)
		dot += (double)sh_loadf(&p[f], shared) * sh_loadf(&qv[f], shared);
	double e = q->tt->y[i] - (q->mu + bu + bi + dot);
	if (!isfinite(e))
		return e;

	double gp = 0, gq = 0;
	if (q->Gu) {
		for (uint32_t f = 0; f < k; f++) {
			double pf = sh_loadf(&p[f], shared), qf = sh_loadf(&qv[f], shared);
			double a = e * qf - q->lu * pf, b = e * pf - q->li * qf;
			gp += a * a;
			gq += b * b;
		}
	}
	double ru = mf_rate(q->Gu ? &q->Gu[u] : NULL, eta, gp / (k ? k : 1), shared);
	double ri = mf_rate(q->Gi ? &q->Gi[it] : NULL, eta, gq / (k ? k : 1), shared);
	sh_storef(&q->bu[u], (float)(bu + eta * (e - q->lu * bu)), shared);
	sh_storef(&q->bi[it], (float)(bi + eta * (e - q->li * bi)), shared);
	for (uint32_t f = 0; f < k; f++) {
		double pf = sh_loadf(&p[f], shared), qf = sh_loadf(&qv[f], shared);
		sh_storef(&p[f], (float)(pf + ru * (e * qf - q->lu * pf)), shared);
		sh_storef(&qv[f], (float)(qf + ri * (e * pf - q->li * qf)), shared);
	}
	return e * e;
}

int mf_kernel_init(struct mf_kernel *q, const struct train_ctx *c, float *P, float *Q,
                   float *bu, float *bi);

#endif

/* linear_kernel.h: the per-sample SGD step for sparse linear models, shared
 * by every engine.
 *
 * Plain SGD (Bottou 2010) with lazy L1/L2 (opt/lazy_reg.h), so that a step
 * costs O(nnz x k).  AdaGrad (Duchi et al. 2011) keeps one accumulator per
 * feature: for k > 1 classes it averages the squared gradients of the
 * feature's k weights (row-wise AdaGrad), so a step touches one rate per
 * feature; for k = 1 it is exactly per-coordinate AdaGrad.  The bias is
 * never regularised.
 *
 * The mode argument (KM_* of engine/shared.h, a constant at every call
 * site) picks how a step touches memory:
 * - KM_ATOMIC (Hogwild!): every access to weights, accumulators and
 *   regularisation stamps is a relaxed atomic, and the lazy regulariser
 *   runs on per-feature stamps (last step, rate) against the caller's
 *   estimate of the global step in reg->t: a shared step counter would be
 *   one hot cache line written by every update.
 * - KM_CLOCK (Cyclades): the caller sets the step, P and C of reg to this
 *   sample's place in the serial run, so the step neither advances nor
 *   rebases the regulariser.
 * - KM_HOT (Cyclades): features marked hot for this batch (hot_mark[j] ==
 *   hot_seq, the bias at j = d included) are read but not caught up or
 *   updated; the step leaves the score of its other features in zcold[0..k)
 *   and the caller replays the hot part later (lin_hot_replay).
 * - KM_BUF (Hogwild!, with KM_ATOMIC): features of q->hs are read and
 *   stepped in the worker's own view q->hb, which lin_buf_flush adds to
 *   the shared parameters (engine/hot_buffer.h).
 */
#ifndef DMLHOG_ENGINE_LINEAR_KERNEL_H
#define DMLHOG_ENGINE_LINEAR_KERNEL_H

#include <math.h>
#include "engine/engine.h"
#include "engine/hot_buffer.h"
#include "engine/shared.h"
#include "loss/loss.h"
#include "opt/lazy_reg.h"

#define ADAGRAD_EPS 1e-8
#define ALWAYS_INLINE static inline __attribute__((always_inline))

struct lin_kernel {
	const dmlhog_dataset *data;
	const struct targets *tt;
	float *w;                 /* feature-major, the bias row at feature d */
	struct lazy_reg *reg;     /* stamps; per-thread view under Hogwild! */
	double *z;                /* scratch: k scores, then k derivatives */
	double *zcold, *zhot;     /* KM_HOT: the score without the hot features
	                           * (scaled, with the bias when it is not hot);
	                           * scratch for the hot part */
	const uint32_t *hot_mark; /* KM_HOT: feature j is hot when hot_mark[j] == hot_seq */
	uint32_t hot_seq;
	double dz_sq;             /* AdaGrad: sum of dz^2 of the current step */
	const struct hot_set *hs; /* KM_BUF: the buffered features, and this */
	struct hot_buf *hb;       /* worker's views of them */
	uint32_t d, k;
	int has_bias, adagrad;
	enum dmlhog_loss loss;
};

/* Loss of one sample given its scores z; writes dL/dz into dz. */
ALWAYS_INLINE double lin_loss(enum dmlhog_loss loss, const double *z, double *dz,
                              uint32_t k, double y, uint32_t cls)
{
	if (k == 1) {
		switch (loss) {
		case DMLHOG_LOSS_LOGISTIC: return loss_logistic_both(z[0], y, dz);
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

/* Shared stamp s (Hogwild!): the shrink |w| <- max(0, R |w| - B) its
 * feature missed up to step r->t; 0 when it missed none. */
ALWAYS_INLINE int lin_missed_shrink(const struct lazy_reg *r, struct lazy_stamp *s,
                                    double *R, double *B)
{
	double t0 = sh_loadd(&s->p, 1);
	if ((double)r->t <= t0)
		return 0;
	double eta = sh_loadf(&s->a.rate, 1), a = eta * r->l2;
	uint64_t steps = r->t - (uint64_t)t0;
	*R = lazy_decay(a, steps);
	*B = a > 0 ? eta * r->l1 * (1 - *R) / a : (double)steps * eta * r->l1;
	return 1;
}

ALWAYS_INLINE float lin_shrunk(double v, double R, double B)
{
	double m = fabs(v) * R - B;
	return m > 0 ? (float)copysign(m, v) : 0.0f;
}

/* Bring feature j up to date with the shrinks it missed. */
ALWAYS_INLINE void lin_catch_up(struct lin_kernel *q, uint32_t j, float *wj, uint32_t k,
                                int mode)
{
	int shared = mode & KM_ATOMIC;
	struct lazy_reg *r = q->reg;
	if (!shared) {
		lazy_catch_up(r, j, wj, k);
		return;
	}
	struct lazy_stamp *s = &r->stamp[j];
	double R, B;
	if (!lin_missed_shrink(r, s, &R, &B))
		return;
	for (uint32_t c = 0; c < k; c++)
		sh_storef(&wj[c], lin_shrunk(sh_loadf(&wj[c], 1), R, B), 1);
	sh_stored(&s->p, (double)r->t, 1);
}

/* AdaGrad's gradient row of feature j is dz x: its squared norm is
 * sum(dz^2) x^2, with the sum the same for every feature of the sample. */
ALWAYS_INLINE void lin_set_dz_sq(struct lin_kernel *q, const double *dz, uint32_t k)
{
	double gsq = 0;
	for (uint32_t c = 0; c < k; c++)
		gsq += dz[c] * dz[c];
	q->dz_sq = gsq;
}

/* AdaGrad's accumulator G of a feature after this step's gradient row
 * (value x), and the rate it gives.  In float: G is a float already, and a
 * single-precision square root and division are about twice as fast on
 * the critical path. */
ALWAYS_INLINE float lin_adagrad_G(const struct lin_kernel *q, float G, double x, uint32_t k)
{
	return G + (float)(q->dz_sq * x * x / k);
}

ALWAYS_INLINE double lin_adagrad_rate(double eta, float G)
{
	return (float)eta / sqrtf(G + (float)ADAGRAD_EPS);
}

/* Step size for feature j given its gradient row g = dz * x. */
ALWAYS_INLINE double lin_rate(struct lin_kernel *q, uint32_t j, double x,
                              uint32_t k, double eta, int mode)
{
	int shared = mode & KM_ATOMIC;
	if (!q->adagrad)
		return eta;
	float *Gj = &q->reg->stamp[j].a.G;      /* beside the rate: one line */
	float G = lin_adagrad_G(q, sh_loadf(Gj, shared), x, k);
	sh_storef(Gj, G, shared);
	return lin_adagrad_rate(eta, G);
}

/* Rows come in random order, and their features at random: a serial
 * engine asks for row i's extent four steps ahead (lin_prefetch_extent),
 * its features two steps ahead (lin_prefetch_row), then for its
 * per-feature state one step ahead (lin_prefetch_features), so that the
 * cache misses of the next steps overlap this one's arithmetic. */
ALWAYS_INLINE void lin_prefetch_extent(const struct lin_kernel *q, uint64_t i)
{
	__builtin_prefetch(q->data->row_ptr + i);
	/* the label is one more random access per sample (16 MB of them on
	 * two million rows) */
	if (q->tt->y)
		__builtin_prefetch(q->tt->y + i);
	if (q->tt->cls)
		__builtin_prefetch(q->tt->cls + i);
}

ALWAYS_INLINE void lin_prefetch_row(const struct lin_kernel *q, uint64_t i)
{
	const uint32_t *cols;
	const float *vals;
	uint64_t n = dataset_row(q->data, i, &cols, &vals);
	for (uint64_t b = 0; b < n * sizeof *cols; b += 64) {
		__builtin_prefetch((const char *)cols + b);
		__builtin_prefetch((const char *)vals + b);
	}
}

ALWAYS_INLINE void lin_prefetch_features(const struct lin_kernel *q, uint64_t i, uint32_t k)
{
	const uint32_t *cols;
	const float *vals;
	uint64_t n = dataset_row(q->data, i, &cols, &vals);
	const float *w = q->w;
	/* AdaGrad's accumulators live in the stamps */
	const struct lazy_stamp *stamp = q->adagrad || (lazy_reg_active(q->reg) && !q->reg->scaled)
	                                 ? q->reg->stamp : NULL;
	uint32_t d = q->d;
	for (uint64_t p = 0; p < n; p++) {
		uint32_t j = cols[p];
		if (j >= d)
			continue;
		__builtin_prefetch(w + (uint64_t)j * k);
		if (stamp)
			__builtin_prefetch(stamp + j);
	}
}

/* The k-wide loops of a step with plain memory (every engine but
 * Hogwild!'s atomics): each lane does the scalar loop's operations in the
 * scalar loop's order, so vectorising them changes no bit (serial and
 * cyclades stay equal), and a 10-class model runs them 2-4 lanes at a time. */
ALWAYS_INLINE void lin_score_add(double *restrict z, const float *restrict wj, double x,
                                 uint32_t k)
{
#pragma omp simd
	for (uint32_t r = 0; r < k; r++)
		z[r] += (double)wj[r] * x;
}

ALWAYS_INLINE void lin_weights_sub(float *restrict wj, const double *restrict dz, double step,
                                   uint32_t k)
{
#pragma omp simd
	for (uint32_t r = 0; r < k; r++)
		wj[r] -= (float)(step * dz[r]);
}

/* The loss step of feature j (value x) given the derivatives dz, and
 * the rate its regularisation stamp runs at until the next touch; j = d is
 * the bias, which is neither scaled nor regularised. */
ALWAYS_INLINE void lin_update(struct lin_kernel *q, uint32_t j, double x, const double *dz,
                              double eta, double uscale, uint32_t k, int stamp_rate, int mode)
{
	int shared = mode & KM_ATOMIC;
	double rate = lin_rate(q, j, x, k, eta, mode);
	float *wj = q->w + (uint64_t)j * k;
	double step = j == q->d ? rate : rate * x * uscale;
	if (!shared && k > 1)
		lin_weights_sub(wj, dz, step, k);
	else
		for (uint32_t r = 0; r < k; r++)
			sh_storef(&wj[r], sh_loadf(&wj[r], shared) - (float)(step * dz[r]), shared);
	if (j == q->d)
		return;
	if (stamp_rate)
		sh_storef(&q->reg->stamp[j].a.rate, (float)rate, shared);
}

/* KM_BUF: this worker's view of buffered feature j; loaded from the shared
 * weights and accumulator when stale, with the shrinks the shared weights
 * missed applied to view and snapshot alike (the flush applies them to
 * the shared weights, so the view's change stays the loss steps alone). */
ALWAYS_INLINE float *lin_buf_view(struct lin_kernel *q, uint32_t j, uint32_t k)
{
	struct hot_buf *b = q->hb;
	uint32_t s = q->hs->slot[j];
	float *v = b->view + (size_t)s * k;
	if (!hot_buf_stale(b, s))
		return v;
	const float *wj = q->w + (uint64_t)j * k;
	struct lazy_stamp *st = &q->reg->stamp[j];
	double R = 1, B = 0;
	int shrink = j < q->d && lazy_reg_active(q->reg) && lin_missed_shrink(q->reg, st, &R, &B);
	for (uint32_t c = 0; c < k; c++) {
		float x = sh_loadf(&wj[c], 1);
		v[c] = b->snap[(size_t)s * k + c] = shrink ? lin_shrunk(x, R, B) : x;
	}
	b->G[s] = b->Gsnap[s] = sh_loadf(&st->a.G, 1);
	b->gen[s] = b->cur << 1;
	return v;
}

/* KM_BUF: lin_update on the view of buffered feature j (loaded already:
 * the step read it for the score). */
ALWAYS_INLINE void lin_buf_update(struct lin_kernel *q, uint32_t j, double x, const double *dz,
                                  double eta, double uscale, uint32_t k)
{
	struct hot_buf *b = q->hb;
	uint32_t s = q->hs->slot[j];
	double rate = eta;
	if (q->adagrad) {
		b->G[s] = lin_adagrad_G(q, b->G[s], x, k);
		rate = lin_adagrad_rate(eta, b->G[s]);
	}
	float *v = b->view + (size_t)s * k;
	double step = j == q->d ? rate : rate * x * uscale;
	for (uint32_t r = 0; r < k; r++)
		v[r] -= (float)(step * dz[r]);
	b->rate[s] = (float)rate;
	hot_buf_touch(b, s);
}

/* KM_BUF: add what this worker's steps changed in its views to the shared
 * weights and accumulators (the weights caught up to the shrinks first),
 * record the rates the regulariser runs at, and forget the views. */
static inline void lin_buf_flush(struct lin_kernel *q)
{
	struct hot_buf *b = q->hb;
	uint32_t k = q->k;
	int reg = lazy_reg_active(q->reg), stamp_rate = reg && q->reg->per_feature_rate;
	for (uint32_t i = 0; i < b->n_dirty; i++) {
		uint32_t s = b->dirty[i], j = q->hs->feature[s];
		float *wj = q->w + (uint64_t)j * k;
		const float *v = b->view + (size_t)s * k, *v0 = b->snap + (size_t)s * k;
		struct lazy_stamp *st = &q->reg->stamp[j];
		if (j < q->d && reg)
			lin_catch_up(q, j, wj, k, KM_ATOMIC);
		for (uint32_t c = 0; c < k; c++)
			sh_addf(&wj[c], v[c] - v0[c]);
		if (q->adagrad)
			sh_addf(&st->a.G, b->G[s] - b->Gsnap[s]);
		if (j < q->d && stamp_rate)
			sh_storef(&st->a.rate, b->rate[s], 1);
	}
	hot_buf_next_gen(b, q->hs->n);
}

ALWAYS_INLINE int lin_is_buf(const struct lin_kernel *q, uint32_t j, int mode)
{
	return (mode & KM_BUF) && hot_set_has(q->hs, j);
}

ALWAYS_INLINE int lin_is_hot(const struct lin_kernel *q, uint32_t j, int mode)
{
	return (mode & KM_HOT) && q->hot_mark[j] == q->hot_seq;
}

/* One SGD step on row i at base rate eta; returns the loss before the
 * update (non-finite stops training).  k and mode are constants at the
 * call site so that k = 1 compiles to scalar code and the serial engine
 * pays for none of the parallel engines' cases. */
ALWAYS_INLINE double lin_step(struct lin_kernel *q, uint64_t i, double eta, uint32_t k,
                              int mode)
{
	const uint32_t *cols;
	const float *vals;
	uint64_t n = dataset_row(q->data, i, &cols, &vals);
	float *w = q->w, *bias = w + (uint64_t)q->d * k;
	double *z = q->z, *dz = q->z + k;
	int reg = lazy_reg_active(q->reg), stamp_rate = q->reg->per_feature_rate;
	int shared = mode & KM_ATOMIC;

	/* k = 1 keeps the score in a register: z may alias the stamps */
	double z0 = 0, wscale = lazy_weight_scale(q->reg);
	for (uint32_t r = 0; r < k; r++)
		z[r] = 0;
	for (uint64_t p = 0; p < n; p++) {
		uint32_t j = cols[p];
		if (j >= q->d)
			continue;
		if (lin_is_buf(q, j, mode)) {
			const float *v = lin_buf_view(q, j, k);
			z0 += (double)v[0] * vals[p];
			for (uint32_t r = 1; r < k; r++)
				z[r] += (double)v[r] * vals[p];
			continue;
		}
		float *wj = w + (uint64_t)j * k;
		if (lin_is_hot(q, j, mode)) {
			for (uint32_t r = 0; r < k; r++)
				q->zhot[r] += (double)wj[r] * vals[p];
			continue;
		}
		if (reg)
			lin_catch_up(q, j, wj, k, mode);
		if (!shared && k > 1) {
			lin_score_add(z, wj, vals[p], k);
			continue;
		}
		z0 += (double)sh_loadf(&wj[0], shared) * vals[p];
		for (uint32_t r = 1; r < k; r++)
			z[r] += (double)sh_loadf(&wj[r], shared) * vals[p];
	}
	if (shared || k == 1)
		z[0] = z0;
	if (mode & KM_HOT) {
		int bias_hot = lin_is_hot(q, q->d, mode);
		for (uint32_t r = 0; r < k; r++) {
			double b = q->has_bias ? bias[r] : 0;
			q->zcold[r] = z[r] * wscale + (bias_hot ? 0 : b);
			z[r] = q->zcold[r] + q->zhot[r] * wscale + (bias_hot ? b : 0);
			q->zhot[r] = 0;
		}
	} else if (q->has_bias && lin_is_buf(q, q->d, mode)) {
		const float *v = lin_buf_view(q, q->d, k);
		for (uint32_t r = 0; r < k; r++)
			z[r] = z[r] * wscale + v[r];
	} else {
		for (uint32_t r = 0; r < k; r++)
			z[r] = z[r] * wscale + (q->has_bias ? sh_loadf(&bias[r], shared) : 0);
	}
	double y = q->tt->y ? q->tt->y[i] : 0;
	uint32_t cls = q->tt->cls ? q->tt->cls[i] : 0;
	double loss = lin_loss(q->loss, z, dz, k, y, cls);
	if (!isfinite(loss))
		return loss;
	lin_set_dz_sq(q, dz, k);

	double uscale = lazy_update_scale(q->reg);
	for (uint64_t p = 0; p < n; p++) {
		uint32_t j = cols[p];
		if (j >= q->d || lin_is_hot(q, j, mode))
			continue;
		if (lin_is_buf(q, j, mode))
			lin_buf_update(q, j, vals[p], dz, eta, uscale, k);
		else
			lin_update(q, j, vals[p], dz, eta, uscale, k, reg && stamp_rate, mode);
	}
	if (q->has_bias && lin_is_buf(q, q->d, mode))
		lin_buf_update(q, q->d, 1.0, dz, eta, uscale, k);
	else if (q->has_bias && !lin_is_hot(q, q->d, mode))
		lin_update(q, q->d, 1.0, dz, eta, uscale, k, 0, mode);
	if (reg && !(mode & (KM_ATOMIC | KM_CLOCK))) {
		lazy_advance(q->reg, eta);
		if (lazy_needs_rebase(q->reg))
			lazy_flush(q->reg, w, k);
	}
	return loss;
}

/* The part of row i's step that KM_HOT left out, as the serial run would
 * take it now: the score from the recorded cold part zcold and the hot
 * features' current weights (caught up to reg's step), then the hot
 * features' (and a hot bias's) updates with the derivatives of that score.
 * Replayed in batch order, the hot parameters follow the serial run's
 * arithmetic; only the cold part of the score is as the sample saw it.
 * Returns the loss. */
ALWAYS_INLINE double lin_hot_replay(struct lin_kernel *q, uint64_t i, const double *zcold,
                                    double eta, uint32_t k)
{
	const uint32_t *cols;
	const float *vals;
	uint64_t n = dataset_row(q->data, i, &cols, &vals);
	float *w = q->w, *bias = w + (uint64_t)q->d * k;
	double *z = q->z, *dz = q->z + k, *zh = q->zhot;
	int reg = lazy_reg_active(q->reg), bias_hot = q->has_bias && lin_is_hot(q, q->d, KM_HOT);
	for (uint32_t r = 0; r < k; r++)
		zh[r] = 0;
	for (uint64_t p = 0; p < n; p++) {
		uint32_t j = cols[p];
		if (j >= q->d || !lin_is_hot(q, j, KM_HOT))
			continue;
		float *wj = w + (uint64_t)j * k;
		if (reg)
			lin_catch_up(q, j, wj, k, 0);
		for (uint32_t r = 0; r < k; r++)
			zh[r] += (double)wj[r] * vals[p];
	}
	double wscale = lazy_weight_scale(q->reg);
	for (uint32_t r = 0; r < k; r++) {
		z[r] = zcold[r] + zh[r] * wscale + (bias_hot ? bias[r] : 0);
		zh[r] = 0;
	}
	double loss = lin_loss(q->loss, z, dz, k, q->tt->y ? q->tt->y[i] : 0,
	                       q->tt->cls ? q->tt->cls[i] : 0);
	if (!isfinite(loss))
		return loss;
	lin_set_dz_sq(q, dz, k);
	double uscale = lazy_update_scale(q->reg);
	int stamp_rate = reg && q->reg->per_feature_rate;
	for (uint64_t p = 0; p < n; p++) {
		uint32_t j = cols[p];
		if (j < q->d && lin_is_hot(q, j, KM_HOT))
			lin_update(q, j, vals[p], dz, eta, uscale, k, stamp_rate, 0);
	}
	if (bias_hot)
		lin_update(q, q->d, 1.0, dz, eta, uscale, k, 0, 0);
	return loss;
}

#endif

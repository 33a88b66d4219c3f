/* lazy_reg.h: just-in-time L1/L2 regularisation, so a sparse step costs
 * O(nnz of the sample) instead of O(features).
 *
 * The eager algorithm it reproduces applies, after every sample t, to every
 * weight w (in this order): the loss step, then the proximal shrink
 *     w <- sign(w) * max(0, |w| (1 - a_t) - b_t),   a_t = eta lambda2, b_t = eta lambda1.
 * A run of shrinks s = t0 .. t1-1 composes to one affine map clipped at 0
 * (the map is increasing and 0 stays 0), so a weight untouched since t0
 * catches up in O(1):  |w| <- max(0, R |w| - B)  with
 *   R = prod (1 - a_s),   B = sum_s b_s prod_{r > s} (1 - a_r).
 * Global step rules (const, invsqrt, decay) keep the running products
 *   P_t = prod_{s < t} (1 - a_s),   C_t = sum_{s < t} b_s / P_{s+1},
 * and a per-feature stamp (P_t0, C_t0): R = P/P_t0, B = P (C - C_t0)
 * (Tsuruoka et al. 2009's cumulative penalty, generalised to L2 + L1).
 * With L2 alone the running product is all there is: weights are then
 * stored scaled, w = P v (Bottou's svmsgd and Shalev-Shwartz's Pegasos do
 * the same), a step divides its update by P (lazy_update_scale) and no
 * feature needs catching up at all.
 * AdaGrad's rate is per feature and constant between touches, so its stamp
 * is (t0, eta_j): R = (1 - eta_j l2)^k, B from the geometric sum, k = t - t0.
 * All weights of a feature (the k class rows) share one stamp.
 *
 * An AdaGrad stamp also holds the feature's accumulator G beside its rate,
 * both floats (the rate is computed in float): on a sparse model every
 * touched feature then costs two cache lines (weights, stamp), not three.
 * The stamp array has n + 1 entries, the last for the bias's G.
 */
#ifndef DMLHOG_OPT_LAZY_REG_H
#define DMLHOG_OPT_LAZY_REG_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

struct lazy_stamp {
	double p;                   /* P_t0, or AdaGrad's t0 */
	union {
		double c;           /* C_t0 (global rules) */
		struct { float rate, G; } a;   /* AdaGrad: eta_j and its accumulator */
	};
};

struct lazy_reg {
	double l1, l2;
	int per_feature_rate;       /* AdaGrad: stamp = (t0, eta_j) */
	int scaled;                 /* global rate, L2 only: weights hold w / P */
	double P, C;                /* global rules: running product and sum */
	uint64_t t;                 /* samples seen (AdaGrad stamps) */
	uint32_t n;                 /* regularised features */
	struct lazy_stamp *stamp;
};

static inline int lazy_reg_active(const struct lazy_reg *r)
{
	return r->l1 > 0 || r->l2 > 0;
}

/* Apply |w| <- max(0, R |w| - B) to the k weights of one feature. */
static inline __attribute__((always_inline)) void lazy_apply(float *w, uint32_t k, double R, double B)
{
	if (B == 0) {           /* L2 only: a plain scaling, which vectorises */
		float r = (float)R;
		for (uint32_t c = 0; c < k; c++)
			w[c] *= r;
		return;
	}
	for (uint32_t c = 0; c < k; c++) {
		double v = w[c], a = fabs(v) * R - B;
		w[c] = a > 0 ? (float)copysign(a, v) : 0.0f;
	}
}

/* (1 - a)^steps for a >= 0, steps >= 1.  On sparse data a feature sits
 * untouched for thousands of steps, where repeated squaring costs a chain
 * of dependent multiplies and a mispredicted branch per bit; the
 * logarithm is branch-free and as exact in double.  AdaGrad's a = eta_j l2
 * is tiny (l2 = 1/n), where a few series terms replace the log1p call
 * (truncation below a^4 / 5 < 1e-17 relative). */
static inline double lazy_decay(double a, uint64_t steps)
{
	if (a >= 1)
		return 0;
	double l = a < 0x1p-14 ? -a * (1 + a * (0.5 + a * (1.0 / 3 + a * 0.25))) : log1p(-a);
	double x = (double)steps * l;
	/* the common case is a small total shrink: Taylor to x^7 (next term
	 * below 1e-19 relative) saves the exp call */
	if (x > -0x1p-6)
		return 1 + x * (1 + x * (1.0 / 2 + x * (1.0 / 6 + x * (1.0 / 24 + x * (1.0 / 120 +
		       x * (1.0 / 720 + x * (1.0 / 5040)))))));
	return exp(x);
}

/* Bring feature j (weights w[0..k)) up to date with every shrink so far. */
static inline __attribute__((always_inline)) void lazy_catch_up(struct lazy_reg *r, uint32_t j, float *w, uint32_t k)
{
	struct lazy_stamp *s = &r->stamp[j];
	if (r->scaled)
		return;
	if (!r->per_feature_rate) {
		if (s->p == r->P && s->c == r->C)
			return;
		lazy_apply(w, k, r->P / s->p, r->P * (r->C - s->c));
		s->p = r->P;
		s->c = r->C;
		return;
	}
	/* a stamp from the future: another worker, further along, caught
	 * this feature up already (parallel engines) */
	if ((double)r->t <= s->p)
		return;
	uint64_t steps = r->t - (uint64_t)s->p;
	double eta = s->a.rate, a = eta * r->l2;
	double R = lazy_decay(a, steps), B = 0;
	if (r->l1 > 0)
		B = a > 0 ? eta * r->l1 * (1 - R) / a : (double)steps * eta * r->l1;
	lazy_apply(w, k, R, B);
	s->p = (double)r->t;
}

/* AdaGrad: record the rate feature j runs at from now until its next touch
 * (call after catch-up and the loss step); kept in float, as computed. */
static inline void lazy_set_rate(struct lazy_reg *r, uint32_t j, double eta)
{
	r->stamp[j].a.rate = (float)eta;
}

/* Account for one sample's shrink at global rate eta (no weight touched). */
static inline void lazy_advance(struct lazy_reg *r, double eta)
{
	r->t++;
	if (r->per_feature_rate)
		return;
	double q = 1 - eta * r->l2;
	r->P *= q > 0 ? q : 0;
	if (r->l1 > 0 && r->P > 0)
		r->C += eta * r->l1 / r->P;
}

/* Multiply a step's update by this: 1 / P for scaled weights, else 1. */
static inline double lazy_update_scale(const struct lazy_reg *r)
{
	return r->scaled ? 1 / r->P : 1;
}

/* Factor from stored to true weights: P for scaled weights, else 1. */
static inline double lazy_weight_scale(const struct lazy_reg *r)
{
	return r->scaled ? r->P : 1;
}

/* True when the running product is about to underflow (or, for scaled
 * weights, when w / P would lose float range): the caller then flushes
 * every feature, which rebases (Bottou's renormalisation). */
static inline int lazy_needs_rebase(const struct lazy_reg *r)
{
	return !r->per_feature_rate && r->P < (r->scaled ? 1e-12 : 1e-100);
}

/* After every feature has been caught up: restart the running products. */
static inline void lazy_rebase(struct lazy_reg *r)
{
	if (r->per_feature_rate)
		return;
	r->P = 1;
	r->C = 0;
	for (uint32_t j = 0; j < r->n; j++) {
		r->stamp[j].p = 1;
		r->stamp[j].c = 0;
	}
}

/* Bring all n features (k weights each, feature-major) up to date. */
static inline void lazy_flush(struct lazy_reg *r, float *w, uint32_t k)
{
	if (r->scaled) {
		float P = (float)r->P;
		for (uint64_t j = 0; j < (uint64_t)r->n * k; j++)
			w[j] *= P;
	}
	for (uint32_t j = 0; j < r->n && !r->scaled; j++)
		lazy_catch_up(r, j, w + (uint64_t)j * k, k);
	lazy_rebase(r);
}

/* A stamp before any step: no shrink owed; AdaGrad's rate eta0, G = 0. */
static inline struct lazy_stamp lazy_stamp_initial(int per_feature_rate, double eta0)
{
	struct lazy_stamp s;
	s.p = per_feature_rate ? 0 : 1;
	if (per_feature_rate) {
		s.a.rate = (float)eta0;
		s.a.G = 0;
	} else {
		s.c = 0;
	}
	return s;
}

/* eta0: the initial rate of every feature under AdaGrad (unused else). */
static inline int lazy_reg_init(struct lazy_reg *r, uint32_t n, double l1, double l2,
                                int per_feature_rate, double eta0)
{
	r->l1 = l1;
	r->l2 = l2;
	r->per_feature_rate = per_feature_rate;
	r->scaled = !per_feature_rate && l1 == 0 && l2 > 0;
	r->P = 1;
	r->C = 0;
	r->t = 0;
	r->n = n;
	r->stamp = malloc(((size_t)n + 1) * sizeof *r->stamp);
	if (!r->stamp)
		return -1;
	for (uint32_t j = 0; j <= n; j++)
		r->stamp[j] = lazy_stamp_initial(per_feature_rate, eta0);
	return 0;
}

static inline void lazy_reg_free(struct lazy_reg *r)
{
	free(r->stamp);
	r->stamp = NULL;
}

#endif

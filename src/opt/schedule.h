/* schedule.h: global step-size rules.  AdaGrad is per coordinate and lives
 * in the kernels; here it only supplies its base rate. */
#ifndef DMLHOG_OPT_SCHEDULE_H
#define DMLHOG_OPT_SCHEDULE_H

#include <math.h>
#include <stdint.h>
#include "dmlhog/model.h"
#include "dmlhog/train.h"

struct schedule {
	enum dmlhog_schedule kind;
	double lr;          /* base rate */
	double gamma;       /* DECAY: factor per epoch */
	double n;           /* rows per epoch (INVSQRT's time unit) */
	double l2, t0;      /* OPTIMAL: eta_t = 1 / (l2 (t0 + t)) */
};

/* The schedule of resolved options (lr, l2 and decay set) over n rows. */
struct schedule schedule_make(const struct dmlhog_train_opts *o, uint64_t n);

/* OPTIMAL's first rate when --lr is not given: Bottou's heuristic, as
 * scikit-learn's SGD applies it: a "typical weight" l2^(-1/4), divided by
 * the loss derivative's size there when that exceeds 1. */
double schedule_optimal_eta0(enum dmlhog_loss loss, double l2);

/* Step size for sample number t (0-based, counted over all epochs) in
 * epoch e (0-based). */
static inline double schedule_lr(const struct schedule *s, uint64_t t, uint32_t e)
{
	switch (s->kind) {
	case DMLHOG_LR_INVSQRT:
		/* eta / sqrt(1 + t/n): the classic 1/sqrt(t) decay, in epochs so
		 * that the first epoch runs at about eta whatever n is. */
		return s->lr / sqrt(1.0 + (double)t / s->n);
	case DMLHOG_LR_DECAY:
		return s->lr * pow(s->gamma, (double)e);
	case DMLHOG_LR_OPTIMAL:
		/* 1 / (lambda t) is the rate for which SGD on a lambda-strongly
		 * convex objective converges at O(1/t) (Bottou 2012, "Stochastic
		 * gradient descent tricks"); t0 makes the first rate eta. */
		return 1.0 / (s->l2 * (s->t0 + (double)t));
	default:
		return s->lr;
	}
}

#endif

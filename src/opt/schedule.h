/* schedule.h: global step-size rules.  AdaGrad is per coordinate and lives
 * in the kernels; here it only supplies its base rate. */
#ifndef DMLHOG_OPT_SCHEDULE_H
#define DMLHOG_OPT_SCHEDULE_H

#include <math.h>
#include <stdint.h>
#include "dmlhog/train.h"

struct schedule {
	enum dmlhog_schedule kind;
	double lr;          /* base rate */
	double gamma;       /* DECAY: factor per epoch */
	double n;           /* rows per epoch (INVSQRT's time unit) */
};

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
	default:
		return s->lr;
	}
}

#endif

/* schedule.c: names of the step-size rules, and the constants they need. */
#include <math.h>
#include <string.h>
#include "opt/schedule.h"

static const char *const schedule_names[] = {
	[DMLHOG_LR_AUTO] = "auto", [DMLHOG_LR_CONST] = "const",
	[DMLHOG_LR_INVSQRT] = "invsqrt", [DMLHOG_LR_DECAY] = "decay",
	[DMLHOG_LR_ADAGRAD] = "adagrad", [DMLHOG_LR_OPTIMAL] = "optimal",
};

#define N_SCHEDULES (sizeof schedule_names / sizeof schedule_names[0])

const char *dmlhog_schedule_name(enum dmlhog_schedule s)
{
	return (unsigned)s < N_SCHEDULES ? schedule_names[s] : "unknown";
}

int dmlhog_schedule_parse(const char *s)
{
	for (unsigned i = 0; s && i < N_SCHEDULES; i++)
		if (strcmp(s, schedule_names[i]) == 0)
			return (int)i;
	return -1;
}

double schedule_optimal_eta0(enum dmlhog_loss loss, double l2)
{
	double typw = sqrt(1.0 / sqrt(l2)), dloss;
	/* |dL/dz| at z = -typw for a positive example */
	switch (loss) {
	case DMLHOG_LOSS_SQUARED: dloss = typw + 1; break;
	case DMLHOG_LOSS_SQHINGE: dloss = 2 * (typw + 1); break;
	default: dloss = 1; break;      /* logistic (< 1), hinge (1) */
	}
	return typw / (dloss > 1 ? dloss : 1);
}

struct schedule schedule_make(const struct dmlhog_train_opts *o, uint64_t n)
{
	struct schedule s = { .kind = o->schedule, .lr = o->lr, .gamma = o->decay,
	                      .n = (double)(n ? n : 1), .l2 = o->l2 };
	if (o->schedule == DMLHOG_LR_OPTIMAL && o->l2 > 0 && o->lr > 0)
		s.t0 = 1.0 / (o->lr * o->l2);
	return s;
}

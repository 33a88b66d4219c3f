/* metrics.c: accuracy, losses, AUC and RMSE of a model on a data set. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "engine/engine.h"
#include "loss/loss.h"
#include "report/metrics.h"

struct scored { double s; int pos; };

static int scored_cmp(const void *a, const void *b)
{
	double x = ((const struct scored *)a)->s, y = ((const struct scored *)b)->s;
	return (x > y) - (x < y);
}

double metrics_auc(const double *score, const double *y, uint64_t n)
{
	struct scored *v = malloc(n * sizeof *v + 1);
	uint64_t npos = 0;
	if (!v)
		return NAN;
	for (uint64_t i = 0; i < n; i++) {
		v[i].s = score[i];
		v[i].pos = y[i] > 0;
		npos += (uint64_t)v[i].pos;
	}
	qsort(v, n, sizeof *v, scored_cmp);
	/* Mann-Whitney: sum of the (average) ranks of the positives. */
	double ranksum = 0;
	for (uint64_t i = 0; i < n;) {
		uint64_t j = i, pos = 0;
		while (j < n && v[j].s == v[i].s)
			pos += (uint64_t)v[j++].pos;
		ranksum += (double)pos * (double)(i + 1 + j) / 2;
		i = j;
	}
	free(v);
	uint64_t nneg = n - npos;
	if (!npos || !nneg)
		return NAN;
	return (ranksum - (double)npos * (double)(npos + 1) / 2) / ((double)npos * (double)nneg);
}

/* Loss of the model's own kind for one row, its log loss and correctness. */
static void eval_row_linear(const dmlhog_model *m, const double *z, double y, uint32_t cls,
                            double *loss, double *logloss, int *correct)
{
	uint32_t k = m->k;
	if (m->task == DMLHOG_TASK_REGRESSION) {
		*loss = loss_squared(z[0], y);
		return;
	}
	if (k == 1) {
		switch (m->loss) {
		case DMLHOG_LOSS_HINGE: *loss = loss_hinge(z[0], y); break;
		case DMLHOG_LOSS_SQHINGE: *loss = loss_sqhinge(z[0], y); break;
		default: *loss = loss_logistic(z[0], y); break;
		}
		*logloss = loss_logistic(z[0], y);
		*correct = (z[0] > 0) == (y > 0);
		return;
	}
	uint32_t best = 0;
	for (uint32_t c = 1; c < k; c++)
		if (z[c] > z[best])
			best = c;
	*correct = cls == best;
	double dz[k];
	/* an unknown class has no probability: count it as the worst guess */
	double ll = cls < k ? loss_softmax(z, k, cls, dz) : INFINITY;
	*logloss = ll;
	if (m->loss == DMLHOG_LOSS_LOGISTIC) {
		*loss = ll;
		return;
	}
	double sum = 0;
	for (uint32_t c = 0; c < k; c++) {
		double yc = c == cls ? 1 : -1;
		sum += m->loss == DMLHOG_LOSS_HINGE ? loss_hinge(z[c], yc) : loss_sqhinge(z[c], yc);
	}
	*loss = sum;
}

static void eval_linear(const dmlhog_model *m, const dmlhog_dataset *d, const struct targets *t,
                        struct dmlhog_metrics *out)
{
	uint64_t n = d->n_rows, hits = 0;
	double loss = 0, logloss = 0;
	double *score = m->k == 1 ? malloc(n * sizeof *score + 1) : NULL;
	#pragma omp parallel reduction(+:loss, logloss, hits)
	{
		double z[m->k];
		#pragma omp for schedule(static)
		for (uint64_t i = 0; i < n; i++) {
			const uint32_t *cols;
			const float *vals;
			uint64_t nz = dataset_row(d, i, &cols, &vals);
			double l = 0, ll = 0;
			int ok = 0;
			model_scores(m, cols, vals, nz, z);
			eval_row_linear(m, z, t->y ? t->y[i] : 0, t->cls ? t->cls[i] : 0, &l, &ll, &ok);
			loss += l;
			logloss += ll;
			hits += (uint64_t)ok;
			if (score)
				score[i] = z[0];
		}
	}
	out->loss = n ? loss / (double)n : NAN;
	if (m->task == DMLHOG_TASK_REGRESSION) {
		out->rmse = n ? sqrt(2 * loss / (double)n) : NAN;
		double ae = 0;
		for (uint64_t i = 0; score && i < n; i++)
			ae += fabs(score[i] - t->y[i]);
		out->mae = n ? ae / (double)n : NAN;
	} else {
		out->accuracy = n ? (double)hits / (double)n : NAN;
		out->logloss = n ? logloss / (double)n : NAN;
		if (m->k == 1 && score)
			out->auc = metrics_auc(score, t->y, n);
	}
	free(score);
}

static void eval_mf(const dmlhog_model *m, const dmlhog_dataset *d, const struct targets *t,
                    struct dmlhog_metrics *out)
{
	uint64_t n = d->n_rows;
	double se = 0, ae = 0;
	#pragma omp parallel for reduction(+:se, ae) schedule(static)
	for (uint64_t i = 0; i < n; i++) {
		double e = t->y[i] - model_mf_predict(m, targets_user(t, i), targets_item(t, i));
		se += e * e;
		ae += fabs(e);
	}
	out->loss = n ? se / (2.0 * (double)n) : NAN;
	out->rmse = n ? sqrt(se / (double)n) : NAN;
	out->mae = n ? ae / (double)n : NAN;
}

void eval_targets(const dmlhog_model *m, const dmlhog_dataset *d, const struct targets *t,
                  struct dmlhog_metrics *out)
{
	out->n = d->n_rows;
	out->loss = out->logloss = out->accuracy = out->auc = out->rmse = out->mae = NAN;
	if (m->task == DMLHOG_TASK_MF)
		eval_mf(m, d, t, out);
	else
		eval_linear(m, d, t, out);
}

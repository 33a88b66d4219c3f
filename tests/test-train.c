/* test-train.c: the serial trainer on small planted problems: it learns,
 * it is reproducible bit for bit from the seed, and it stops as told. */
#include <stdlib.h>
#include "data/dataset.h"
#include "dmlhog/dmlhog.h"
#include "model/model.h"
#include "util/rng.h"
#include "tap.h"

#define NF 50

/* Sparse rows with 8 of NF features; label from a planted model: binary
 * (sign), multiclass (argmax of 3 planted rows) or regression (value). */
static dmlhog_dataset *planted(uint64_t n, int kind, uint64_t seed)
{
	dmlhog_dataset *d = dataset_new(DMLHOG_FORMAT_SVMLIGHT);
	struct rng g, wg;
	double w[3][NF];
	rng_seed(&wg, 99, 0);      /* the planted model is the same for every split */
	for (int c = 0; c < 3; c++)
		for (int j = 0; j < NF; j++)
			w[c][j] = 2 * rng_uniform(&wg) - 1;
	rng_seed(&g, seed, 0);
	d->n_rows = n;
	d->nnz = n * 8;
	d->n_cols = NF;
	d->index_base = 1;
	d->row_ptr = malloc((n + 1) * sizeof *d->row_ptr);
	d->col = malloc(d->nnz * sizeof *d->col);
	d->val = malloc(d->nnz * sizeof *d->val);
	d->label = malloc(n * sizeof *d->label);
	for (uint64_t i = 0; i < n; i++) {
		double s[3] = { 0, 0, 0 };
		d->row_ptr[i] = i * 8;
		for (int q = 0; q < 8; q++) {
			uint32_t j = (uint32_t)(q * (NF / 8) + rng_below(&g, NF / 8));
			float v = (float)rng_uniform(&g);
			d->col[i * 8 + q] = j;
			d->val[i * 8 + q] = v;
			for (int c = 0; c < 3; c++)
				s[c] += w[c][j] * v;
		}
		if (kind == 0)
			d->label[i] = s[0] > 0 ? 1 : -1;
		else if (kind == 1)
			d->label[i] = s[0] > s[1] ? (s[0] > s[2] ? 3 : 7) : (s[1] > s[2] ? 5 : 7);
		else
			d->label[i] = s[0] + 0.01 * (rng_uniform(&g) - 0.5);
	}
	d->row_ptr[n] = d->nnz;
	return d;
}

/* Ratings from planted rank-2 factors over 60 users x 40 items. */
static dmlhog_dataset *planted_ratings(uint64_t n, uint64_t seed)
{
	dmlhog_dataset *d = dataset_new(DMLHOG_FORMAT_TRIPLET);
	struct rng g;
	double P[60][2], Q[40][2];
	rng_seed(&g, 5, 0);
	for (int u = 0; u < 60; u++)
		P[u][0] = 2 * rng_uniform(&g) - 1, P[u][1] = 2 * rng_uniform(&g) - 1;
	for (int i = 0; i < 40; i++)
		Q[i][0] = 2 * rng_uniform(&g) - 1, Q[i][1] = 2 * rng_uniform(&g) - 1;
	rng_seed(&g, seed, 0);
	d->n_rows = n;
	uint64_t *user_raw = malloc(n * sizeof *user_raw);
	uint64_t *item_raw = malloc(n * sizeof *item_raw);
	d->label = malloc(n * sizeof *d->label);
	for (uint64_t r = 0; r < n; r++) {
		uint32_t u = (uint32_t)rng_below(&g, 60), i = (uint32_t)rng_below(&g, 40);
		user_raw[r] = 1000 + u * 7;      /* sparse original ids */
		item_raw[r] = 90000 + i * 13;
		d->label[r] = 3 + 1.5 * (P[u][0] * Q[i][0] + P[u][1] * Q[i][1]);
	}
	dataset_index_ids(d, user_raw, item_raw);
	return d;
}

static struct dmlhog_metrics eval(const dmlhog_model *m, const dmlhog_dataset *d)
{
	struct dmlhog_metrics x;
	struct dmlhog_error err;
	dmlhog_evaluate(m, d, &x, &err);
	return x;
}

static int epochs_seen;
static void count_epochs(void *ctx, const struct dmlhog_epoch_report *r)
{
	(void)ctx;
	epochs_seen = (int)r->epoch;
}

static void test_binary(void)
{
	dmlhog_dataset *tr = planted(4000, 0, 1), *te = planted(1000, 0, 2);
	struct dmlhog_train_opts o;
	struct dmlhog_error err;
	dmlhog_model *a, *b, *c;
	for (int loss = DMLHOG_LOSS_LOGISTIC; loss <= DMLHOG_LOSS_SQHINGE; loss++) {
		dmlhog_train_opts_init(&o);
		o.loss = (enum dmlhog_loss)loss;
		int s = dmlhog_train(tr, NULL, te, &o, &a, &err);
		struct dmlhog_metrics x = eval(a, te);
		ok(s == DMLHOG_OK && x.accuracy > 0.93, "binary %s learns a planted model (test accuracy %.3f, AUC %.3f)",
		   dmlhog_loss_name(o.loss), x.accuracy, x.auc);
		dmlhog_model_destroy(a);
	}
	dmlhog_train_opts_init(&o);
	o.l1 = 1e-3;
	dmlhog_train(tr, NULL, NULL, &o, &a, &err);
	dmlhog_train(tr, NULL, NULL, &o, &b, &err);
	o.seed = 1;
	dmlhog_train(tr, NULL, NULL, &o, &c, &err);
	size_t bytes = (a->n_features + 1) * sizeof(float);
	ok(memcmp(a->w, b->w, bytes) == 0, "same seed gives the same weights bit for bit");
	ok(memcmp(a->w, c->w, bytes) != 0, "another seed gives other weights");
	is_int(a->seed, 0, "the default seed 0 is stored in the model");
	is_int(c->seed, 1, "the chosen seed is stored in the model");
	ok(a->labels[0] == -1 && a->labels[1] == 1, "labels -1/+1 recorded, negative first");
	dmlhog_model_destroy(a);
	dmlhog_model_destroy(b);
	dmlhog_model_destroy(c);

	/* early stop on a holdout that never improves after epoch 1 */
	dmlhog_train_opts_init(&o);
	o.epochs = 50;
	o.early_stop = 2;
	o.min_delta = 1e9;
	o.progress = count_epochs;
	int s = dmlhog_train(tr, te, NULL, &o, &a, &err);
	ok(s == DMLHOG_OK && epochs_seen == 3, "early stop with patience 2 ends after epoch 3 (saw %d)", epochs_seen);
	dmlhog_model_destroy(a);
	dmlhog_dataset_destroy(tr);
	dmlhog_dataset_destroy(te);
}

static void test_multiclass_regression(void)
{
	dmlhog_dataset *tr = planted(6000, 1, 3), *te = planted(1000, 1, 4);
	struct dmlhog_train_opts o;
	struct dmlhog_error err;
	dmlhog_model *m;
	dmlhog_train_opts_init(&o);
	int s = dmlhog_train(tr, NULL, NULL, &o, &m, &err);
	struct dmlhog_metrics x = eval(m, te);
	ok(s == DMLHOG_OK && m->task == DMLHOG_TASK_MULTICLASS && m->k == 3,
	   "labels 3/5/7 are detected as 3 classes");
	ok(x.accuracy > 0.85, "softmax learns the planted classes (test accuracy %.3f)", x.accuracy);
	dmlhog_model_destroy(m);
	o.loss = DMLHOG_LOSS_HINGE;
	dmlhog_train(tr, NULL, NULL, &o, &m, &err);
	x = eval(m, te);
	ok(x.accuracy > 0.8, "one-vs-rest hinge learns the planted classes (test accuracy %.3f)", x.accuracy);
	dmlhog_model_destroy(m);
	dmlhog_dataset_destroy(tr);
	dmlhog_dataset_destroy(te);

	tr = planted(4000, 2, 5);
	te = planted(1000, 2, 6);
	dmlhog_train_opts_init(&o);
	o.epochs = 20;
	s = dmlhog_train(tr, NULL, NULL, &o, &m, &err);
	x = eval(m, te);
	ok(s == DMLHOG_OK && m->task == DMLHOG_TASK_REGRESSION && x.rmse < 0.1,
	   "real targets train a regression (test RMSE %.4f)", x.rmse);
	dmlhog_model_destroy(m);

	dmlhog_train_opts_init(&o);
	o.schedule = DMLHOG_LR_CONST;
	o.lr = 1e6;
	s = dmlhog_train(tr, NULL, NULL, &o, &m, &err);
	is_int(s, DMLHOG_E_DIVERGED, "a huge constant step diverges with E_DIVERGED");
	is_int(dmlhog_exit_code((enum dmlhog_status)s), 3, "divergence maps to exit code 3");
	has_str(err.msg, "diverged", "the message says so");
	dmlhog_model_destroy(m);
	dmlhog_dataset_destroy(tr);
	dmlhog_dataset_destroy(te);
}

static void test_mf(void)
{
	dmlhog_dataset *tr = planted_ratings(8000, 7), *te = planted_ratings(1000, 8);
	struct dmlhog_train_opts o;
	struct dmlhog_error err;
	dmlhog_model *m;
	dmlhog_train_opts_init(&o);
	o.rank = 4;
	o.l2 = 0.01;
	o.lr = 0.02;
	int s = dmlhog_train(tr, NULL, NULL, &o, &m, &err);
	struct dmlhog_metrics x = eval(m, te);
	ok(s == DMLHOG_OK && m->task == DMLHOG_TASK_MF, "triplets train a factorisation");
	is_int(m->n_users, 60, "users are remapped densely (60 of ids up to 1413)");
	is_int(m->n_items, 40, "items are remapped densely (40 of ids up to 90507)");
	ok(x.rmse < 0.15, "planted rank-2 ratings are recovered (test RMSE %.4f)", x.rmse);
	dmlhog_model_destroy(m);
	dmlhog_dataset_destroy(tr);
	dmlhog_dataset_destroy(te);
}

int main(void)
{
	test_binary();
	test_multiclass_regression();
	test_mf();
	return tap_done();
}

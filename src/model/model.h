/* model.h: the in-memory model (internal layout). */
#ifndef DMLHOG_MODEL_MODEL_H
#define DMLHOG_MODEL_MODEL_H

#include "dmlhog/model.h"
#include "dmlhog/train.h"
#include "data/idmap.h"

struct dmlhog_model {
	enum dmlhog_task task;
	enum dmlhog_loss loss;

	/* linear: weights feature-major, w[j * k + c] for feature j, row c;
	 * the bias (when has_bias) is feature j = n_features.  A sparse row
	 * thus touches k contiguous floats per feature. */
	uint32_t n_features;
	uint32_t k;                 /* weight rows: 1, or classes for multiclass */
	int has_bias;
	float *w;                   /* (n_features + has_bias) * k */
	uint32_t n_labels;          /* binary: 2 ([0] negative, [1] positive); multiclass: K */
	double *labels;             /* original label values, ascending */

	/* matrix factorisation: P users x rank, Q items x rank, row-major */
	uint32_t rank, n_users, n_items;
	float *P, *Q, *bu, *bi;
	double mu;                  /* global mean rating */
	struct idmap *users, *items;   /* original id <-> dense index */

	/* provenance, stored in the header */
	struct dmlhog_train_opts opts;  /* resolved options (callbacks NULL) */
	uint64_t seed;
	uint32_t epochs_done;
	uint64_t n_train;           /* training rows */
	int index_base;             /* base of the training file (svmlight) */

	char *header;               /* header text as loaded, for describe (NULL: not
	                             * from a file; free and NULL it when the
	                             * parameters change, e.g. on warm start) */
};

/* Allocate a zeroed model with arrays sized from the fields already set
 * (task, n_features, k, has_bias, n_labels; or rank, n_users, n_items). */
dmlhog_model *model_alloc_linear(uint32_t n_features, uint32_t k, int has_bias, uint32_t n_labels);
dmlhog_model *model_alloc_mf(uint32_t rank, uint32_t n_users, uint32_t n_items);

/* A model sharing m's fields (labels, id maps: read only while training)
 * with parameter arrays of its own, holding a copy of m's; NULL when out of
 * memory.  The trainer evaluates it while the workers go on training m.
 * Free it with model_snapshot_free, never dmlhog_model_destroy. */
dmlhog_model *model_snapshot(const dmlhog_model *m);
void model_snapshot_free(dmlhog_model *s);
/* Copy the parameters of src into dst, of the same shape. */
void model_params_copy(dmlhog_model *dst, const dmlhog_model *src);

/* Scores of one sparse row: out[c] = w_c . x + b_c for c < k. */
void model_scores(const dmlhog_model *m, const uint32_t *cols, const float *vals,
                  uint64_t n, double *out);
/* MF prediction for dense ids (UINT32_MAX = unseen: falls back to biases). */
double model_mf_predict(const dmlhog_model *m, uint32_t u, uint32_t i);
/* The model's index of each of n user ids (items = 0) or item ids (items =
 * 1), IDMAP_NONE where unseen, in a new array (NULL when out of memory);
 * *identity (when not NULL) says whether index k is k throughout. */
uint32_t *model_mf_indices(const dmlhog_model *m, int items, const uint64_t *ids, uint32_t n,
                           int *identity);

#endif

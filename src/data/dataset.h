/* dataset.h: the in-memory dataset (internal layout shared by readers,
 * cache, engines and evaluators). */
#ifndef DMLHOG_DATA_DATASET_H
#define DMLHOG_DATA_DATASET_H

#include "dmlhog/dataset.h"

struct dmlhog_dataset {
	enum dmlhog_format format;
	uint64_t n_rows;         /* svmlight rows, or triplets */

	/* svmlight: CSR with 0-based feature ids, ascending within a row */
	uint64_t nnz;
	uint32_t n_cols;         /* max 0-based feature id + 1 (0 if no features) */
	int index_base;          /* base the file used: 0 or 1 */
	uint64_t *row_ptr;       /* n_rows + 1 */
	uint32_t *col;           /* nnz */
	float *val;              /* nnz */
	double *label;           /* n_rows: label as written (svmlight) or rating */

	/* triplets: original ids as written (non-negative integers) */
	uint64_t *user_raw;      /* n_rows */
	uint64_t *item_raw;      /* n_rows */

	uint64_t skipped_lines;  /* bad lines tolerated by skip_bad_lines */

	/* Non-NULL when the arrays point into a file mapping (a loaded binary
	 * cache, copy-on-write): dmlhog_dataset_destroy unmaps it instead of
	 * freeing the arrays, so free them only through destroy. */
	void *map;
	size_t map_len;
};

/* Allocate an empty dataset of the given format (all arrays NULL). */
dmlhog_dataset *dataset_new(enum dmlhog_format f);

/* Features of row i: cols[k], vals[k] for k in [0, n). */
static inline uint64_t dataset_row(const dmlhog_dataset *d, uint64_t i,
                                   const uint32_t **cols, const float **vals)
{
	uint64_t b = d->row_ptr[i];
	*cols = d->col + b;
	*vals = d->val + b;
	return d->row_ptr[i + 1] - b;
}

/* Split rows into a train and holdout part by a seeded hash of the row
 * index: frac of rows go to holdout.  Both outputs are new datasets. */
enum dmlhog_status dataset_split(const dmlhog_dataset *d, double frac, uint64_t seed,
                                 dmlhog_dataset **train, dmlhog_dataset **holdout,
                                 struct dmlhog_error *err);

#endif

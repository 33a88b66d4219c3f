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

	/* triplets: users and items as dense indices, numbered in order of
	 * first appearance (4 bytes a rating instead of the 8 of an id as
	 * written); their original ids, non-negative integers, in
	 * user_id[0, n_users) and item_id[0, n_items).  A model trained on
	 * this set numbers them the same way, so its targets are these arrays. */
	uint32_t *user;          /* n_rows */
	uint32_t *item;          /* n_rows */
	uint64_t *user_id;       /* n_users */
	uint64_t *item_id;       /* n_items */
	uint32_t n_users, n_items;

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

/* Original user and item ids of rating i. */
static inline uint64_t dataset_user_raw(const dmlhog_dataset *d, uint64_t i)
{
	return d->user_id[d->user[i]];
}

static inline uint64_t dataset_item_raw(const dmlhog_dataset *d, uint64_t i)
{
	return d->item_id[d->item[i]];
}

/* Give triplet set d (n_rows set) its users and items from the ids as
 * written, user_raw and item_raw (n_rows each, from malloc): they are
 * consumed, rewritten in place as the dense indices and shrunk.  Returns 0,
 * or -1 when out of memory or past 2^32 - 1 distinct ids (the raw arrays
 * are freed either way). */
int dataset_index_ids(dmlhog_dataset *d, uint64_t *user_raw, uint64_t *item_raw);

/* Split rows into a train and holdout part by a seeded hash of the row
 * index: frac of rows go to holdout.  Both outputs are new datasets. */
enum dmlhog_status dataset_split(const dmlhog_dataset *d, double frac, uint64_t seed,
                                 dmlhog_dataset **train, dmlhog_dataset **holdout,
                                 struct dmlhog_error *err);

#endif

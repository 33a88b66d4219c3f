/* dataset.c: construction, accessors and the holdout split. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "data/dataset.h"
#include "util/rng.h"

dmlhog_dataset *dataset_new(enum dmlhog_format f)
{
	dmlhog_dataset *d = calloc(1, sizeof *d);
	if (d)
		d->format = f;
	return d;
}

void dmlhog_dataset_destroy(dmlhog_dataset *d)
{
	if (!d)
		return;
	if (d->map) {
		munmap(d->map, d->map_len);
		free(d);
		return;
	}
	free(d->row_ptr);
	free(d->col);
	free(d->val);
	free(d->label);
	free(d->user_raw);
	free(d->item_raw);
	free(d);
}

enum dmlhog_format dmlhog_dataset_format(const dmlhog_dataset *d)
{
	return d->format;
}

uint64_t dmlhog_dataset_rows(const dmlhog_dataset *d)
{
	return d->n_rows;
}

uint64_t dmlhog_dataset_nnz(const dmlhog_dataset *d)
{
	return d->nnz;
}

uint32_t dmlhog_dataset_features(const dmlhog_dataset *d)
{
	return d->n_cols;
}

/* Whether row i goes to the holdout: a hash of (seed, i), so the split does
 * not depend on thread count or on the order rows are visited. */
static int split_is_holdout(uint64_t seed, uint64_t i, double frac)
{
	uint64_t x = seed * 0xd1342543de82ef95ULL + i;
	uint64_t h = rng_splitmix64(&x);
	return (double)(h >> 11) * 0x1.0p-53 < frac;
}

/* Allocate the arrays of a part with n rows and nnz entries. */
static dmlhog_dataset *split_part(const dmlhog_dataset *d, uint64_t n, uint64_t nnz)
{
	dmlhog_dataset *p = dataset_new(d->format);
	if (!p)
		return NULL;
	p->n_cols = d->n_cols;
	p->index_base = d->index_base;
	p->label = malloc((n ? n : 1) * sizeof *p->label);
	int ok = p->label != NULL;
	if (d->format == DMLHOG_FORMAT_TRIPLET) {
		p->user_raw = malloc((n ? n : 1) * sizeof *p->user_raw);
		p->item_raw = malloc((n ? n : 1) * sizeof *p->item_raw);
		ok = ok && p->user_raw && p->item_raw;
	} else {
		p->row_ptr = malloc((n + 1) * sizeof *p->row_ptr);
		p->col = malloc((nnz ? nnz : 1) * sizeof *p->col);
		p->val = malloc((nnz ? nnz : 1) * sizeof *p->val);
		ok = ok && p->row_ptr && p->col && p->val;
		if (ok)
			p->row_ptr[0] = 0;
	}
	if (!ok) {
		dmlhog_dataset_destroy(p);
		return NULL;
	}
	return p;
}

static void split_append(dmlhog_dataset *p, const dmlhog_dataset *d, uint64_t i)
{
	uint64_t r = p->n_rows++;
	p->label[r] = d->label[i];
	if (d->format == DMLHOG_FORMAT_TRIPLET) {
		p->user_raw[r] = d->user_raw[i];
		p->item_raw[r] = d->item_raw[i];
		return;
	}
	uint64_t b = d->row_ptr[i], n = d->row_ptr[i + 1] - b;
	memcpy(p->col + p->nnz, d->col + b, n * sizeof *p->col);
	memcpy(p->val + p->nnz, d->val + b, n * sizeof *p->val);
	p->nnz += n;
	p->row_ptr[r + 1] = p->nnz;
}

enum dmlhog_status dataset_split(const dmlhog_dataset *d, double frac, uint64_t seed,
                                 dmlhog_dataset **train, dmlhog_dataset **holdout,
                                 struct dmlhog_error *err)
{
	uint64_t n[2] = { 0, 0 }, nnz[2] = { 0, 0 };
	dmlhog_dataset *part[2];
	int triplet = d->format == DMLHOG_FORMAT_TRIPLET;

	*train = *holdout = NULL;
	if (!(frac >= 0.0 && frac <= 1.0))
		return dmlhog_error_set(err, DMLHOG_E_USAGE, "holdout fraction must be between 0 and 1 (got %g)", frac);
	for (uint64_t i = 0; i < d->n_rows; i++) {
		int h = split_is_holdout(seed, i, frac);
		n[h]++;
		if (!triplet)
			nnz[h] += d->row_ptr[i + 1] - d->row_ptr[i];
	}
	part[0] = split_part(d, n[0], nnz[0]);
	part[1] = split_part(d, n[1], nnz[1]);
	if (!part[0] || !part[1]) {
		dmlhog_dataset_destroy(part[0]);
		dmlhog_dataset_destroy(part[1]);
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory splitting %llu rows", (unsigned long long)d->n_rows);
	}
	for (uint64_t i = 0; i < d->n_rows; i++)
		split_append(part[split_is_holdout(seed, i, frac)], d, i);
	part[0]->skipped_lines = d->skipped_lines;
	*train = part[0];
	*holdout = part[1];
	return DMLHOG_OK;
}

/* dataset.c: construction, accessors and the holdout split. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "data/dataset.h"
#include "data/idmap.h"
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
	free(d->user);
	free(d->item);
	free(d->user_id);
	free(d->item_id);
	free(d);
}

/* Rewrite raw[0, n) as dense indices into *ids (the distinct values in
 * order of first appearance, *n_ids of them).  In place: index i (4 bytes
 * at 4i) is written after raw[i] (8 bytes at 8i) has been read, and 4i + 4
 * <= 8i for every i >= 1, so no id is overwritten before it is read. */
static int index_column(uint64_t *raw, uint64_t n, uint64_t **ids, uint32_t *n_ids)
{
	struct idmap *m = idmap_create();
	uint32_t *dense = (uint32_t *)raw;
	*ids = NULL;
	if (!m)
		return -1;
	for (uint64_t i = 0; i < n; i++) {
		uint32_t x = idmap_intern(m, raw[i]);
		if (x == IDMAP_NONE) {
			idmap_destroy(m);
			return -1;
		}
		dense[i] = x;
	}
	*n_ids = idmap_size(m);
	*ids = malloc((*n_ids ? *n_ids : 1) * sizeof **ids);
	for (uint32_t k = 0; *ids && k < *n_ids; k++)
		(*ids)[k] = idmap_id(m, k);
	idmap_destroy(m);
	return *ids ? 0 : -1;
}

int dataset_index_ids(dmlhog_dataset *d, uint64_t *user_raw, uint64_t *item_raw)
{
	uint64_t n = d->n_rows;
	int rc = index_column(user_raw, n, &d->user_id, &d->n_users);
	if (rc == 0)
		rc = index_column(item_raw, n, &d->item_id, &d->n_items);
	if (rc != 0) {
		free(user_raw);
		free(item_raw);
		return -1;
	}
	/* shrinking in place moves nothing */
	void *u = realloc(user_raw, n ? n * sizeof *d->user : 1);
	void *v = realloc(item_raw, n ? n * sizeof *d->item : 1);
	d->user = u ? u : (void *)user_raw;
	d->item = v ? v : (void *)item_raw;
	return 0;
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

/* One part of a split; triplets collect ids as written, indexed at the end. */
struct split_part {
	dmlhog_dataset *d;
	uint64_t *user_raw, *item_raw;
};

/* Allocate the arrays of a part with n rows and nnz entries: 1, or 0 when
 * out of memory. */
static int split_part_alloc(const dmlhog_dataset *d, uint64_t n, uint64_t nnz, struct split_part *sp)
{
	dmlhog_dataset *p = dataset_new(d->format);
	if (!p)
		return 0;
	p->n_cols = d->n_cols;
	p->index_base = d->index_base;
	p->label = malloc((n ? n : 1) * sizeof *p->label);
	int ok = p->label != NULL;
	if (d->format == DMLHOG_FORMAT_TRIPLET) {
		sp->user_raw = malloc((n ? n : 1) * sizeof *sp->user_raw);
		sp->item_raw = malloc((n ? n : 1) * sizeof *sp->item_raw);
		ok = ok && sp->user_raw && sp->item_raw;
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
		free(sp->user_raw);
		free(sp->item_raw);
		sp->user_raw = sp->item_raw = NULL;
		return 0;
	}
	sp->d = p;
	return 1;
}

static void split_append(struct split_part *sp, const dmlhog_dataset *d, uint64_t i)
{
	dmlhog_dataset *p = sp->d;
	uint64_t r = p->n_rows++;
	p->label[r] = d->label[i];
	if (d->format == DMLHOG_FORMAT_TRIPLET) {
		sp->user_raw[r] = dataset_user_raw(d, i);
		sp->item_raw[r] = dataset_item_raw(d, i);
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
	struct split_part part[2];
	int triplet = d->format == DMLHOG_FORMAT_TRIPLET;

	*train = *holdout = NULL;
	memset(part, 0, sizeof part);
	if (!(frac >= 0.0 && frac <= 1.0))
		return dmlhog_error_set(err, DMLHOG_E_USAGE, "holdout fraction must be between 0 and 1 (got %g)", frac);
	for (uint64_t i = 0; i < d->n_rows; i++) {
		int h = split_is_holdout(seed, i, frac);
		n[h]++;
		if (!triplet)
			nnz[h] += d->row_ptr[i + 1] - d->row_ptr[i];
	}
	int ok = split_part_alloc(d, n[0], nnz[0], &part[0]) &&
	         split_part_alloc(d, n[1], nnz[1], &part[1]);
	if (ok) {
		for (uint64_t i = 0; i < d->n_rows; i++)
			split_append(&part[split_is_holdout(seed, i, frac)], d, i);
		/* each part numbers its own users and items */
		for (int h = 0; h < 2 && triplet; h++) {
			if (dataset_index_ids(part[h].d, part[h].user_raw, part[h].item_raw) != 0)
				ok = 0;
			part[h].user_raw = part[h].item_raw = NULL;     /* consumed */
		}
	}
	if (!ok) {
		for (int h = 0; h < 2; h++) {
			dmlhog_dataset_destroy(part[h].d);
			free(part[h].user_raw);
			free(part[h].item_raw);
		}
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory splitting %llu rows", (unsigned long long)d->n_rows);
	}
	part[0].d->skipped_lines = d->skipped_lines;
	*train = part[0].d;
	*holdout = part[1].d;
	return DMLHOG_OK;
}

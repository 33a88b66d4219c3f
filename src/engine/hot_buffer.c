/* hot_buffer.c: choosing the parameters Hogwild! workers buffer, and the
 * buffers themselves (hot_buffer.h says why). */
#include <stdlib.h>
#include <string.h>
#include "engine/hot_buffer.h"

struct candidate {
	uint32_t j, count;
};

/* Most frequent first; ties by feature id, so the choice is the same
 * whatever qsort does with equal keys. */
static int by_count_desc(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->j < y->j ? -1 : x->j > y->j;
}

/* Features held by at least n_rows / HOT_SHARE_DIV rows, most frequent
 * first, in *out (malloc'd); returns their number, or -1. */
static int64_t hot_candidates(const dmlhog_dataset *data, uint32_t d, struct candidate **out)
{
	uint32_t *count = calloc((size_t)d + 1, sizeof *count);
	if (!count)
		return -1;
	for (uint64_t p = 0; p < data->row_ptr[data->n_rows]; p++)
		if (data->col[p] < d)
			count[data->col[p]]++;
	uint64_t need = data->n_rows / HOT_SHARE_DIV;
	if (need < 1)
		need = 1;
	uint64_t n = 0;
	for (uint32_t j = 0; j < d; j++)
		n += count[j] >= need;
	struct candidate *c = malloc((n + 1) * sizeof *c);
	if (!c) {
		free(count);
		return -1;
	}
	n = 0;
	for (uint32_t j = 0; j < d; j++)
		if (count[j] >= need)
			c[n++] = (struct candidate){ j, count[j] };
	free(count);
	qsort(c, n, sizeof *c, by_count_desc);
	*out = c;
	return (int64_t)n;
}

int hot_set_build(struct hot_set *hs, const dmlhog_dataset *data, uint32_t d, uint32_t k,
                  int has_bias)
{
	memset(hs, 0, sizeof *hs);
	hs->k = k;
	hs->bits = calloc((size_t)d / 64 + 1, sizeof *hs->bits);
	hs->slot = malloc(((size_t)d + 1) * sizeof *hs->slot);
	struct candidate *c = NULL;
	int64_t nc = hs->bits && hs->slot ? hot_candidates(data, d, &c) : -1;
	uint32_t cap = HOT_MAX_FLOATS / (k ? k : 1);
	size_t most = nc < 0 ? 0 : (size_t)nc + 1 < cap ? (size_t)nc + 1 : cap;
	if (nc < 0 || !(hs->feature = malloc((most + 1) * sizeof *hs->feature))) {
		free(c);
		hot_set_free(hs);
		return -1;
	}
	uint32_t n = 0;
	if (has_bias)
		hs->feature[n++] = d;
	for (int64_t i = 0; i < nc && n < cap; i++)
		hs->feature[n++] = c[i].j;
	free(c);
	for (uint32_t s = 0; s < n; s++) {
		uint32_t j = hs->feature[s];
		hs->bits[j >> 6] |= 1ULL << (j & 63);
		hs->slot[j] = s;
	}
	hs->n = n;
	return 0;
}

void hot_set_free(struct hot_set *hs)
{
	free(hs->bits);
	free(hs->slot);
	free(hs->feature);
	memset(hs, 0, sizeof *hs);
}

int hot_buf_init(struct hot_buf *b, const struct hot_set *hs)
{
	size_t n = hs->n ? hs->n : 1, nk = n * hs->k;
	memset(b, 0, sizeof *b);
	b->view = malloc(nk * sizeof *b->view);
	b->snap = malloc(nk * sizeof *b->snap);
	b->G = malloc(n * sizeof *b->G);
	b->Gsnap = malloc(n * sizeof *b->Gsnap);
	b->rate = malloc(n * sizeof *b->rate);
	b->gen = calloc(n, sizeof *b->gen);
	b->dirty = malloc(n * sizeof *b->dirty);
	b->cur = 1;
	if (!b->view || !b->snap || !b->G || !b->Gsnap || !b->rate || !b->gen || !b->dirty) {
		hot_buf_free(b);
		return -1;
	}
	return 0;
}

void hot_buf_free(struct hot_buf *b)
{
	free(b->view);
	free(b->snap);
	free(b->G);
	free(b->Gsnap);
	free(b->rate);
	free(b->gen);
	free(b->dirty);
	memset(b, 0, sizeof *b);
}

void hot_buf_next_gen(struct hot_buf *b, uint32_t n)
{
	b->n_dirty = 0;
	if (++b->cur < UINT32_MAX / 2)
		return;
	/* wrapped: old generations could read as current */
	memset(b->gen, 0, (size_t)n * sizeof *b->gen);
	b->cur = 1;
}

/* conflict.c: conflict graphs, components and the thread packing of
 * Cyclades batches (see conflict.h). */
#include <stdlib.h>
#include <string.h>
#include "engine/conflict.h"

#define NONE UINT32_MAX

/* The default batch, and why:
 * - A batch ends in barriers and is planned before it runs; it should hold
 *   enough work to hide that (tens of microseconds), and no more: hot
 *   parameters are read as they were when the batch began, and a sum of
 *   stale steps on dense rows overshoots the way a large mini-batch at a
 *   single-sample rate does.  So B holds about BATCH_WORK multiply-adds:
 *   B = BATCH_WORK / ((nnz per row + 1) k) for linear models with k
 *   classes, BATCH_WORK / 3 rank for factorisation, within
 *   [MIN_BATCH, MAX_BATCH].
 * - Cyclades' analysis samples B = (1 - eps) n / Delta rows, Delta the
 *   largest conflict degree, for components of O(log n) samples.  We count
 *   Delta without the hot parameters (those in more than 1 in HOT_SHARE
 *   rows: in expectation the ones the per-batch rule excludes), take
 *   eps = 1/2, and let that bound raise B when it is larger (it rarely is:
 *   one prolific user or a frequent word keeps it at tens of rows).
 * - At least MIN_BATCHES batches per epoch.
 * The hot threshold is tau = B / HOT_SHARE samples (at least 2). */
#define HOT_SHARE 64
#define BATCH_WORK (1u << 18)
#define MIN_BATCH 32
#define MAX_BATCH 65536
#define MIN_BATCHES 16

static void buf_free(void **p)
{
	free(*p);
	*p = NULL;
}

int conflict_scratch_init(struct conflict_scratch *s, uint32_t n_params)
{
	memset(s, 0, sizeof *s);
	s->n_params = n_params;
	return 0;
}

void conflict_scratch_free(struct conflict_scratch *s)
{
	buf_free((void **)&s->node);
	buf_free((void **)&s->glob);
	buf_free((void **)&s->slot);
	buf_free((void **)&s->ids);
	buf_free((void **)&s->xs);
	buf_free((void **)&s->comp);
	buf_free((void **)&s->bid);
	buf_free((void **)&s->bx);
	buf_free((void **)&s->bstart);
	buf_free((void **)&s->weight);
	buf_free((void **)&s->count);
	buf_free((void **)&s->owner);
}

void batch_plan_free(struct batch_plan *p)
{
	buf_free((void **)&p->run);
	buf_free((void **)&p->hot_rows);
	buf_free((void **)&p->run_off);
	buf_free((void **)&p->hot_id);
	buf_free((void **)&p->hot_off);
	buf_free((void **)&p->hot_pos);
	buf_free((void **)&p->hot_x);
	memset(p, 0, sizeof *p);
}

/* Grow *p to hold n elements of size sz (contents kept). */
static int grow(void **p, size_t *cap, size_t n, size_t sz)
{
	if (n <= *cap && *p)
		return 0;
	size_t c = *cap ? *cap : 64;
	while (c < n)
		c *= 2;
	void *q = realloc(*p, c * sz);
	if (!q)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

/* Room for one sample of n parameters in s->ids and s->xs. */
static int row_reserve(struct conflict_scratch *s, size_t n)
{
	if (n <= s->cap_row)
		return 0;
	size_t c = s->cap_row ? s->cap_row : 64;
	while (c < n)
		c *= 2;
	uint32_t *ids = realloc(s->ids, c * sizeof *ids);
	if (ids)
		s->ids = ids;
	float *xs = ids ? realloc(s->xs, c * sizeof *xs) : NULL;
	if (!xs)
		return -1;
	s->xs = xs;
	s->cap_row = c;
	return 0;
}

/* The parameters of sample i into s->ids (values into s->xs); returns how
 * many, or -1 on OOM. */
static int64_t sample_params(struct conflict_scratch *s, const struct conflict_src *src,
                             uint64_t i)
{
	if (!src->data) {
		if (row_reserve(s, 2) != 0)
			return -1;
		s->ids[0] = src->user[i];
		s->ids[1] = src->n_users + src->item[i];
		s->xs[0] = s->xs[1] = 1;
		return 2;
	}
	const uint32_t *cols;
	const float *vals;
	uint64_t n = dataset_row(src->data, i, &cols, &vals), m = 0;
	if (row_reserve(s, n + 1) != 0)
		return -1;
	for (uint64_t p = 0; p < n; p++) {
		if (cols[p] >= src->d)
			continue;
		s->ids[m] = cols[p];
		s->xs[m++] = vals[p];
	}
	if (src->has_bias) {
		s->ids[m] = src->d;
		s->xs[m++] = 1;
	}
	return (int64_t)m;
}

static uint32_t uf_find(struct conflict_node *node, uint32_t x)
{
	while (node[x].parent != x) {
		node[x].parent = node[node[x].parent].parent;   /* path halving */
		x = node[x].parent;
	}
	return x;
}

static void uf_union(struct conflict_node *node, uint32_t a, uint32_t b)
{
	a = uf_find(node, a);
	b = uf_find(node, b);
	if (a < b)
		node[b].parent = a;
	else if (b < a)
		node[a].parent = b;
}

/* Components to threads: the big ones first, largest first (LPT), then the
 * rest in order of appearance, each to the least loaded thread. */
static void pack(struct conflict_scratch *s, uint32_t nc, unsigned T, uint64_t total)
{
	uint64_t load[T];
	memset(load, 0, sizeof load);
	uint64_t big = total / (4 * (uint64_t)T) + 1;
	for (uint32_t c = 0; c < nc; c++)
		s->owner[c] = T;
	for (;;) {          /* few big components: a selection pass each */
		uint32_t best = NONE;
		for (uint32_t c = 0; c < nc && T > 1; c++)
			if (s->owner[c] == T && s->weight[c] >= big &&
			    (best == NONE || s->weight[c] > s->weight[best]))
				best = c;
		if (best == NONE)
			break;
		unsigned t = 0;
		for (unsigned u = 1; u < T; u++)
			if (load[u] < load[t])
				t = u;
		s->owner[best] = t;
		load[t] += s->weight[best];
	}
	for (uint32_t c = 0; c < nc; c++) {
		if (s->owner[c] != T)
			continue;
		unsigned t = 0;
		for (unsigned u = 1; u < T; u++)
			if (load[u] < load[t])
				t = u;
		s->owner[c] = t;
		load[t] += s->weight[c];
	}
}

static int plan_reserve(struct conflict_scratch *s, struct batch_plan *out, uint32_t B,
                        unsigned T)
{
	size_t cap = s->cap_batch;
	if (grow((void **)&s->comp, &cap, B, sizeof *s->comp) != 0)
		return -1;
	if (cap != s->cap_batch) {
		s->cap_batch = cap;
		if (!(s->weight = realloc(s->weight, cap * sizeof *s->weight)) ||
		    !(s->count = realloc(s->count, cap * sizeof *s->count)) ||
		    !(s->owner = realloc(s->owner, cap * sizeof *s->owner)) ||
		    !(s->bstart = realloc(s->bstart, (cap + 1) * sizeof *s->bstart)))
			return -1;
	}
	size_t pc = out->cap_size;
	if (grow((void **)&out->run, &pc, B + 1, sizeof *out->run) != 0)
		return -1;
	if (pc != out->cap_size || !out->hot_rows) {
		uint32_t *hr = realloc(out->hot_rows, pc * sizeof *hr);
		if (!hr)
			return -1;
		out->hot_rows = hr;
	}
	out->cap_size = pc;
	if (out->threads != T || !out->run_off) {
		free(out->run_off);
		if (!(out->run_off = malloc((T + 1) * sizeof *out->run_off)))
			return -1;
		out->threads = T;
	}
	return 0;
}

#define PREFETCH_AHEAD 64

static void prefetch_sample(const struct conflict_src *src, uint64_t i)
{
	if (!src->data) {
		__builtin_prefetch(&src->user[i]);
		__builtin_prefetch(&src->item[i]);
		return;
	}
	const uint32_t *cols;
	const float *vals;
	uint64_t n = dataset_row(src->data, i, &cols, &vals);
	for (uint64_t p = 0; p < n; p += 16) {
		__builtin_prefetch(cols + p);
		__builtin_prefetch(vals + p);
	}
}

/* The batch's own number for parameter j: a hash table from parameter ids
 * to dense local ids, so that the union-find works on arrays the size of
 * the batch (in cache) instead of arrays the size of the model (a cache
 * miss per parameter).  A slot is live when its generation is this
 * batch's.  Returns NONE on OOM. */
static int local_grow(struct conflict_scratch *s)
{
	uint32_t cap = s->slot_mask ? 2 * (s->slot_mask + 1) : 1024, shift = 32;
	for (uint32_t c = cap; c > 1; c >>= 1)
		shift--;
	struct conflict_slot *slot = calloc(cap, sizeof *slot);
	struct conflict_node *node = realloc(s->node, cap / 2 * sizeof *node);
	uint32_t *glob = node ? realloc(s->glob, cap / 2 * sizeof *glob) : NULL;
	if (node)
		s->node = node;
	if (glob)
		s->glob = glob;
	if (!slot || !node || !glob) {
		free(slot);
		return -1;
	}
	free(s->slot);
	s->slot = slot;
	s->slot_mask = cap - 1;
	s->slot_shift = shift;
	s->gen = 1;
	for (uint32_t l = 0; l < s->nloc; l++) {       /* re-insert this batch's */
		uint32_t i = (s->glob[l] * 0x9E3779B1u) >> s->slot_shift;
		while (slot[i].gen == s->gen)
			i = (i + 1) & s->slot_mask;
		slot[i] = (struct conflict_slot){ s->glob[l], l, s->gen };
	}
	return 0;
}

static inline uint32_t local_id(struct conflict_scratch *s, uint32_t j)
{
	if (2 * (s->nloc + 1) > s->slot_mask + 1 && local_grow(s) != 0)
		return NONE;
	uint32_t i = (j * 0x9E3779B1u) >> s->slot_shift;
	for (;; i = (i + 1) & s->slot_mask) {
		struct conflict_slot *e = &s->slot[i];
		if (e->gen != s->gen) {
			*e = (struct conflict_slot){ j, s->nloc, s->gen };
			s->glob[s->nloc] = j;
			s->node[s->nloc] = (struct conflict_node){ s->nloc, 0, NONE };
			return s->nloc++;
		}
		if (e->key == j)
			return e->val;
	}
}

/* Pass 1: gather the batch's parameters, as local ids, into s->bid /
 * s->bx (so that the later passes read them in order instead of chasing
 * rows again) and count degrees.  Returns the batch's work (nnz + 1 per
 * sample) or -1 on OOM. */
static int64_t gather(struct conflict_scratch *s, const struct conflict_src *src,
                      const uint32_t *rows, uint32_t B)
{
	size_t used = 0;
	s->nloc = 0;
	if (++s->gen == 0) {    /* 2^32 batches: old slots would look live */
		for (uint32_t i = 0; s->slot && i <= s->slot_mask; i++)
			s->slot[i].gen = 0;
		s->gen = 1;
	}
	for (uint32_t b = 0; b < B; b++) {
		if (b + PREFETCH_AHEAD < B)     /* rows are at random: ask ahead */
			prefetch_sample(src, rows[b + PREFETCH_AHEAD]);
		int64_t m = sample_params(s, src, rows[b]);
		if (m < 0 || grow((void **)&s->bid, &s->cap_gather, used + (size_t)m + 1,
		                  sizeof *s->bid) != 0)
			return -1;
		if (s->cap_gather != s->cap_bx) {
			float *x = realloc(s->bx, s->cap_gather * sizeof *x);
			if (!x)
				return -1;
			s->bx = x;
			s->cap_bx = s->cap_gather;
		}
		s->bstart[b] = used;
		for (int64_t p = 0; p < m; p++) {
			uint32_t l = local_id(s, s->ids[p]);
			if (l == NONE)
				return -1;
			s->node[l].deg++;
			s->bid[used] = l;
			s->bx[used++] = s->xs[p];
		}
	}
	s->bstart[B] = used;
	return (int64_t)(used + B);
}

/* Pass 2: unite each sample's cold parameters. */
static void unite(struct conflict_scratch *s, uint32_t B, uint32_t tau)
{
	for (uint32_t b = 0; b < B; b++) {
		uint32_t first = NONE;
		for (size_t p = s->bstart[b]; p < s->bstart[b + 1]; p++) {
			uint32_t j = s->bid[p];
			if (s->node[j].deg > tau)
				continue;
			if (first == NONE)
				first = j;
			else
				uf_union(s->node, first, j);
		}
	}
}

/* Pass 3: label components and hot parameters, count both. */
static uint32_t label(struct conflict_scratch *s, uint32_t B, uint32_t tau,
                      struct batch_plan *out)
{
	uint32_t nc = 0;
	out->n_hot = 0;
	for (uint32_t b = 0; b < B; b++) {
		uint32_t c = NONE, hot = 0;
		for (size_t p = s->bstart[b]; p < s->bstart[b + 1]; p++) {
			uint32_t j = s->bid[p];
			struct conflict_node *v = &s->node[j];
			if (v->deg > tau) {
				hot = BATCH_RUN_HOT;
				if (v->label == NONE) {
					v->label = out->n_hot;
					out->hot_id[out->n_hot] = s->glob[j];
					out->hot_off[out->n_hot++] = 0;
				}
				out->hot_off[v->label]++;
			} else if (c == NONE) {
				struct conflict_node *r = &s->node[uf_find(s->node, j)];
				if (r->label == NONE) {
					r->label = nc;
					s->weight[nc] = 0;
					s->count[nc++] = 0;
				}
				c = r->label;
			}
		}
		if (c == NONE) {        /* only hot parameters: a component of its own */
			c = nc;
			s->weight[nc] = 0;
			s->count[nc++] = 0;
		}
		s->comp[b] = c | hot;
		s->weight[c] += s->bstart[b + 1] - s->bstart[b] + 1;
		s->count[c]++;
	}
	return nc;
}

/* Pass 4 (hot parameters only): positions and values per hot parameter. */
static int hot_lists(struct conflict_scratch *s, uint32_t B, uint32_t tau,
                     struct batch_plan *out)
{
	uint32_t sum = 0;
	for (uint32_t h = 0; h < out->n_hot; h++) {
		uint32_t c = out->hot_off[h];
		out->hot_off[h] = sum;
		sum += c;
	}
	out->hot_off[out->n_hot] = sum;
	size_t cap = out->cap_ent;
	if (grow((void **)&out->hot_pos, &cap, sum + 1, sizeof *out->hot_pos) != 0)
		return -1;
	if (cap != out->cap_ent || !out->hot_x) {
		out->cap_ent = cap;
		if (!(out->hot_x = realloc(out->hot_x, cap * sizeof *out->hot_x)))
			return -1;
	}
	for (uint32_t b = 0; b < B; b++) {
		for (size_t p = s->bstart[b]; p < s->bstart[b + 1]; p++) {
			struct conflict_node *v = &s->node[s->bid[p]];
			if (v->deg <= tau)
				continue;
			uint32_t e = out->hot_off[v->label]++;
			out->hot_pos[e] = b;
			out->hot_x[e] = s->bx[p];
		}
	}
	for (uint32_t h = out->n_hot; h > 0; h--)      /* shift the ends back to starts */
		out->hot_off[h] = out->hot_off[h - 1];
	out->hot_off[0] = 0;
	return 0;
}

/* Positions by owning thread, ascending within each thread. */
static void fill_runs(struct conflict_scratch *s, uint32_t B, unsigned T, struct batch_plan *out)
{
	const uint32_t mask = ~BATCH_RUN_HOT;
	memset(out->run_off, 0, (T + 1) * sizeof *out->run_off);
	for (uint32_t b = 0; b < B; b++)
		out->run_off[s->owner[s->comp[b] & mask] + 1]++;
	for (unsigned t = 0; t < T; t++)
		out->run_off[t + 1] += out->run_off[t];
	uint32_t at[T];
	memcpy(at, out->run_off, T * sizeof *at);
	out->n_hot_rows = 0;
	for (uint32_t b = 0; b < B; b++) {
		out->run[at[s->owner[s->comp[b] & mask]]++] = b | (s->comp[b] & BATCH_RUN_HOT);
		if (s->comp[b] & BATCH_RUN_HOT)
			out->hot_rows[out->n_hot_rows++] = b;
	}
}

int conflict_plan(struct conflict_scratch *s, const struct conflict_src *src,
                  const uint32_t *rows, uint32_t B, uint32_t tau, unsigned T,
                  struct batch_plan *out)
{
	if (T < 1)
		T = 1;
	if (plan_reserve(s, out, B, T) != 0)
		return -1;
	out->size = B;
	int64_t total = gather(s, src, rows, B);
	if (total < 0)
		return -1;
	/* hot parameters: at most one per parameter use */
	size_t hc = out->cap_hot;
	if (grow((void **)&out->hot_id, &hc, (size_t)total + 1, sizeof *out->hot_id) != 0)
		return -1;
	if (hc != out->cap_hot || !out->hot_off) {
		out->cap_hot = hc;
		if (!(out->hot_off = realloc(out->hot_off, (hc + 1) * sizeof *out->hot_off)))
			return -1;
	}
	unite(s, B, tau);
	uint32_t nc = label(s, B, tau, out);
	if (out->n_hot ? hot_lists(s, B, tau, out) != 0 : (out->hot_off[0] = 0))
		return -1;
	pack(s, nc, T, (uint64_t)total);
	fill_runs(s, B, T, out);
	out->n_comp = nc;
	out->largest = 0;
	for (uint32_t c = 0; c < nc; c++)
		if (s->count[c] > out->largest)
			out->largest = s->count[c];
	return 0;
}

uint32_t conflict_default_batch(const struct conflict_src *src, uint64_t n, uint32_t k,
                                uint32_t *tau, double *cyclades_bound)
{
	struct conflict_scratch s;
	uint64_t *freq = calloc((size_t)src->n_params + 1, sizeof *freq);
	uint64_t delta = 0, uses = 0;
	memset(&s, 0, sizeof s);       /* only its row buffers are used */
	for (int pass = 0; freq && pass < 2; pass++) {
		for (uint64_t i = 0; i < n; i++) {
			int64_t m = sample_params(&s, src, i);
			uint64_t deg = 0;
			for (int64_t p = 0; p < m; p++) {
				uint64_t f = freq[s.ids[p]];
				if (pass == 0)
					freq[s.ids[p]] = f + 1;
				else if (f * HOT_SHARE <= n)
					deg += f - 1;
			}
			uses += pass == 0 && m > 0 ? (uint64_t)m : 0;
			if (deg > delta)
				delta = deg;
		}
	}
	free(freq);
	conflict_scratch_free(&s);
	double per_row = src->data ? ((double)uses / (double)(n ? n : 1) + 1) * (k ? k : 1)
	                           : 3.0 * (k ? k : 1);
	double B = BATCH_WORK / per_row;
	double bound = delta ? (double)n / (2.0 * (double)delta) : (double)n;
	if (bound > B)
		B = bound;
	B = B < MIN_BATCH ? MIN_BATCH : B > MAX_BATCH ? MAX_BATCH : B;
	if (B > (double)(n / MIN_BATCHES))
		B = n / MIN_BATCHES > 0 ? (double)(n / MIN_BATCHES) : 1;
	uint32_t b = (uint32_t)B;
	*tau = b / HOT_SHARE > 2 ? b / HOT_SHARE : 2;
	if (cyclades_bound)
		*cyclades_bound = bound;
	return b;
}

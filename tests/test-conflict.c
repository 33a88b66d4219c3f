/* test-conflict.c: the conflict graphs of Cyclades batches
 * (engine/conflict.h) against a plain reference.
 *
 * The engine's result equals the serial run only if conflict_plan never
 * puts two samples that share a parameter on different threads, and its
 * replay of hot parameters is only right if the hot lists hold exactly the
 * positions that touch each.  The reference here works on samples, not on
 * parameters: a breadth-first search over the graph whose edges join two
 * samples sharing a parameter of degree <= tau in the batch. */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "data/dataset.h"
#include "engine/conflict.h"
#include "util/rng.h"
#include "tap.h"

#define MAXM 16             /* parameters per sample, at most */
#define NONE UINT32_MAX

/* ---- sources: factorisation ratings and a small linear dataset --------- */

#define N_USERS 30
#define N_ITEMS 20
#define N_RATINGS 400

static uint32_t mf_user[N_RATINGS], mf_item[N_RATINGS];

/* Skewed ids, so that some users and items are hot in most batches. */
static uint32_t skewed(struct rng *g, uint32_t n)
{
	return rng_below(g, 3) == 0 ? (uint32_t)rng_below(g, 3) : (uint32_t)rng_below(g, n);
}

static struct conflict_src mf_source(void)
{
	struct rng g;
	rng_seed(&g, 11, 0);
	for (uint32_t r = 0; r < N_RATINGS; r++) {
		mf_user[r] = skewed(&g, N_USERS);
		mf_item[r] = skewed(&g, N_ITEMS);
	}
	return (struct conflict_src){ .user = mf_user, .item = mf_item, .n_users = N_USERS,
	                              .n_params = N_USERS + N_ITEMS };
}

#define LIN_COLS 40         /* columns in the data */
#define LIN_D 36            /* features of the model: columns 36..39 are ignored */
#define LIN_ROWS 400

/* Rows of 0 to 6 ascending distinct columns, some columns far more frequent
 * than others; about one row in twenty is empty. */
static dmlhog_dataset *lin_data(void)
{
	dmlhog_dataset *d = dataset_new(DMLHOG_FORMAT_SVMLIGHT);
	struct rng g;
	rng_seed(&g, 12, 0);
	d->n_rows = LIN_ROWS;
	d->n_cols = LIN_COLS;
	d->index_base = 1;
	d->row_ptr = malloc((LIN_ROWS + 1) * sizeof *d->row_ptr);
	d->col = malloc(LIN_ROWS * 7 * sizeof *d->col);
	d->val = malloc(LIN_ROWS * 7 * sizeof *d->val);
	d->label = calloc(LIN_ROWS, sizeof *d->label);
	uint64_t nnz = 0;
	for (uint64_t i = 0; i < LIN_ROWS; i++) {
		int used[LIN_COLS] = { 0 };
		uint32_t n = rng_below(&g, 20) == 0 ? 0 : 1 + (uint32_t)rng_below(&g, 6);
		d->row_ptr[i] = nnz;
		for (uint32_t q = 0; q < n; q++)
			used[skewed(&g, LIN_COLS)] = 1;
		for (uint32_t j = 0; j < LIN_COLS; j++) {
			if (!used[j])
				continue;
			d->col[nnz] = j;
			d->val[nnz++] = (float)(0.25 + rng_uniform(&g));
		}
	}
	d->row_ptr[LIN_ROWS] = nnz;
	d->nnz = nnz;
	return d;
}

static struct conflict_src lin_source(const dmlhog_dataset *d, int bias)
{
	return (struct conflict_src){ .data = d, .d = LIN_D, .has_bias = bias,
	                              .n_params = LIN_D + 1 };
}

/* ---- the reference -------------------------------------------------------- */

struct ref {
	uint32_t B, n_params;
	uint32_t m[512];                /* parameters of each position */
	uint32_t id[512][MAXM];
	float x[512][MAXM];
	uint32_t *deg;                  /* per parameter: positions touching it */
	uint32_t comp[512];             /* per position: component */
	uint32_t n_comp, largest;
	uint64_t comp_weight[512];      /* parameters + 1 over its samples */
};

/* Each position's parameters, read straight from the source. */
static void ref_samples(struct ref *r, const struct conflict_src *src, const uint32_t *rows,
                        uint32_t B)
{
	r->B = B;
	r->n_params = src->n_params;
	for (uint32_t b = 0; b < B; b++) {
		uint32_t m = 0;
		if (!src->data) {
			r->id[b][m] = src->user[rows[b]];
			r->x[b][m++] = 1;
			r->id[b][m] = src->n_users + src->item[rows[b]];
			r->x[b][m++] = 1;
		} else {
			const dmlhog_dataset *d = src->data;
			for (uint64_t p = d->row_ptr[rows[b]]; p < d->row_ptr[rows[b] + 1]; p++) {
				if (d->col[p] >= src->d)
					continue;
				r->id[b][m] = d->col[p];
				r->x[b][m++] = d->val[p];
			}
			if (src->has_bias) {
				r->id[b][m] = src->d;
				r->x[b][m++] = 1;
			}
		}
		r->m[b] = m;
	}
}

static int ref_shares(const struct ref *r, uint32_t a, uint32_t b, uint32_t tau)
{
	for (uint32_t p = 0; p < r->m[a]; p++)
		for (uint32_t q = 0; q < r->m[b]; q++)
			if (r->id[a][p] == r->id[b][q] && r->deg[r->id[a][p]] <= tau)
				return 1;
	return 0;
}

/* Degrees, then components by breadth-first search over positions. */
static void ref_components(struct ref *r, uint32_t tau)
{
	uint32_t queue[512];
	memset(r->deg, 0, r->n_params * sizeof *r->deg);
	for (uint32_t b = 0; b < r->B; b++)
		for (uint32_t p = 0; p < r->m[b]; p++)
			r->deg[r->id[b][p]]++;
	for (uint32_t b = 0; b < r->B; b++)
		r->comp[b] = NONE;
	r->n_comp = r->largest = 0;
	for (uint32_t s = 0; s < r->B; s++) {
		if (r->comp[s] != NONE)
			continue;
		uint32_t c = r->n_comp++, head = 0, tail = 0;
		r->comp[s] = c;
		r->comp_weight[c] = 0;
		queue[tail++] = s;
		while (head < tail) {
			uint32_t a = queue[head++];
			r->comp_weight[c] += r->m[a] + 1;
			for (uint32_t b = 0; b < r->B; b++)
				if (r->comp[b] == NONE && ref_shares(r, a, b, tau)) {
					r->comp[b] = c;
					queue[tail++] = b;
				}
		}
		if (tail > r->largest)
			r->largest = tail;
	}
}

/* ---- checking a plan ------------------------------------------------------ */

enum { P_COMP, P_LARGEST, P_RUNS, P_TOGETHER, P_HOT_SET, P_HOT_POS, P_BALANCE, P_FRESH, P_HOT_FLAG, NPROP };

static const char *prop_name[NPROP] = {
	[P_COMP] = "n_comp is the number of components of the graph without hot parameters",
	[P_LARGEST] = "largest is the size of the largest component",
	[P_RUNS] = "the run lists are a permutation of 0..B-1, ascending within each thread",
	[P_TOGETHER] = "every component lies within one thread's run list",
	[P_HOT_SET] = "hot_id is exactly the parameters of degree > tau, in order of first use",
	[P_HOT_POS] = "hot_pos/hot_x list each hot parameter's positions ascending, with values",
	[P_BALANCE] = "thread loads differ by at most the heaviest component",
	[P_FRESH] = "a reused scratch and plan give the plan of fresh ones",
	[P_HOT_FLAG] = "run entries flag (BATCH_RUN_HOT) exactly the samples touching a hot parameter",
};

struct tally {
	int runs, failed[NPROP];
	char first[NPROP][200];
};

static void fail(struct tally *t, int prop, const char *ctx, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void fail(struct tally *t, int prop, const char *ctx, const char *fmt, ...)
{
	if (t->failed[prop]++ == 0) {
		char what[120];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(what, sizeof what, fmt, ap);
		va_end(ap);
		snprintf(t->first[prop], sizeof t->first[prop], "%s: %s", ctx, what);
	}
}

static int ref_touches_hot(const struct ref *r, uint32_t b, uint32_t tau)
{
	for (uint32_t q = 0; q < r->m[b]; q++)
		if (r->deg[r->id[b][q]] > tau)
			return 1;
	return 0;
}

static void check_runs(struct tally *t, const char *ctx, const struct ref *r,
                       const struct batch_plan *p, unsigned T, uint32_t tau,
                       uint32_t *thread_of)
{
	for (uint32_t b = 0; b < r->B; b++)
		thread_of[b] = NONE;
	if (p->size != r->B || p->threads != T || p->run_off[0] != 0 || p->run_off[T] != r->B) {
		fail(t, P_RUNS, ctx, "size %u threads %u run_off[0] %u run_off[T] %u", p->size,
		     p->threads, p->run_off[0], p->run_off[T]);
		return;
	}
	for (unsigned u = 0; u < T; u++) {
		if (p->run_off[u + 1] < p->run_off[u]) {
			fail(t, P_RUNS, ctx, "run_off decreases at thread %u", u);
			return;
		}
		for (uint32_t q = p->run_off[u]; q < p->run_off[u + 1]; q++) {
			uint32_t b = p->run[q] & ~BATCH_RUN_HOT;
			if (b >= r->B || thread_of[b] != NONE) {
				fail(t, P_RUNS, ctx, "position %u out of range or listed twice", b);
				return;
			}
			if (q > p->run_off[u] && (p->run[q - 1] & ~BATCH_RUN_HOT) >= b) {
				fail(t, P_RUNS, ctx, "thread %u runs %u before %u", u,
				     p->run[q - 1] & ~BATCH_RUN_HOT, b);
				return;
			}
			if (!(p->run[q] & BATCH_RUN_HOT) != !ref_touches_hot(r, b, tau))
				fail(t, P_HOT_FLAG, ctx, "position %u flagged %d", b,
				     !!(p->run[q] & BATCH_RUN_HOT));
			thread_of[b] = u;
		}
	}
}

static void check_components(struct tally *t, const char *ctx, const struct ref *r,
                             const struct batch_plan *p, unsigned T, const uint32_t *thread_of)
{
	uint32_t comp_thread[512];
	uint64_t load[16] = { 0 }, heaviest = 0;
	if (p->n_comp != r->n_comp)
		fail(t, P_COMP, ctx, "got %u, want %u", p->n_comp, r->n_comp);
	if (p->largest != r->largest)
		fail(t, P_LARGEST, ctx, "got %u, want %u", p->largest, r->largest);
	for (uint32_t c = 0; c < r->n_comp; c++) {
		comp_thread[c] = NONE;
		if (r->comp_weight[c] > heaviest)
			heaviest = r->comp_weight[c];
	}
	for (uint32_t b = 0; b < r->B; b++) {
		uint32_t c = r->comp[b];
		if (thread_of[b] == NONE)
			return;                 /* reported by check_runs */
		if (comp_thread[c] == NONE)
			comp_thread[c] = thread_of[b];
		else if (comp_thread[c] != thread_of[b])
			fail(t, P_TOGETHER, ctx, "positions of one component on threads %u and %u",
			     comp_thread[c], thread_of[b]);
		load[thread_of[b]] += r->m[b] + 1;
	}
	uint64_t lo = UINT64_MAX, hi = 0;
	for (unsigned u = 0; u < T; u++) {
		lo = load[u] < lo ? load[u] : lo;
		hi = load[u] > hi ? load[u] : hi;
	}
	if (r->B && hi - lo > heaviest)
		fail(t, P_BALANCE, ctx, "loads %llu..%llu, heaviest component %llu",
		     (unsigned long long)lo, (unsigned long long)hi, (unsigned long long)heaviest);
}

static void check_hot(struct tally *t, const char *ctx, const struct ref *r,
                      const struct batch_plan *p, uint32_t tau)
{
	uint32_t want[512 * MAXM], nw = 0, *seen = calloc(r->n_params, sizeof *seen);
	for (uint32_t b = 0; b < r->B; b++)
		for (uint32_t q = 0; q < r->m[b]; q++) {
			uint32_t j = r->id[b][q];
			if (r->deg[j] > tau && !seen[j]++)
				want[nw++] = j;
		}
	free(seen);
	if (p->n_hot != nw) {
		fail(t, P_HOT_SET, ctx, "%u hot parameters, want %u", p->n_hot, nw);
		return;
	}
	for (uint32_t h = 0; h < nw; h++)
		if (p->hot_id[h] != want[h]) {
			fail(t, P_HOT_SET, ctx, "hot_id[%u] = %u, want %u", h, p->hot_id[h], want[h]);
			return;
		}
	if (p->hot_off[0] != 0) {
		fail(t, P_HOT_POS, ctx, "hot_off[0] = %u", p->hot_off[0]);
		return;
	}
	for (uint32_t h = 0; h < nw; h++) {
		uint32_t e = p->hot_off[h], j = want[h];
		for (uint32_t b = 0; b < r->B; b++)
			for (uint32_t q = 0; q < r->m[b]; q++) {
				if (r->id[b][q] != j)
					continue;
				if (e >= p->hot_off[h + 1] || p->hot_pos[e] != b || p->hot_x[e] != r->x[b][q]) {
					fail(t, P_HOT_POS, ctx, "parameter %u: entry %u is not position %u", j,
					     e, b);
					return;
				}
				e++;
			}
		if (e != p->hot_off[h + 1]) {
			fail(t, P_HOT_POS, ctx, "parameter %u has %u entries, want %u", j,
			     p->hot_off[h + 1] - p->hot_off[h], e - p->hot_off[h]);
			return;
		}
	}
}

/* memcmp of n bytes; arrays a plan never needed may be NULL when n is 0 */
static int same_bytes(const void *a, const void *b, size_t n)
{
	return n == 0 || (a && b && memcmp(a, b, n) == 0);
}

static int same_plan(const struct batch_plan *a, const struct batch_plan *b)
{
	uint32_t e = a->n_hot ? a->hot_off[a->n_hot] : 0;
	return a->size == b->size && a->threads == b->threads && a->n_comp == b->n_comp &&
	       a->largest == b->largest && a->n_hot == b->n_hot &&
	       same_bytes(a->run, b->run, a->size * sizeof *a->run) &&
	       same_bytes(a->run_off, b->run_off, (a->threads + 1) * sizeof *a->run_off) &&
	       same_bytes(a->hot_id, b->hot_id, a->n_hot * sizeof *a->hot_id) &&
	       same_bytes(a->hot_off, b->hot_off, (a->n_hot + 1) * sizeof *a->hot_off) &&
	       same_bytes(a->hot_pos, b->hot_pos, e * sizeof *a->hot_pos) &&
	       same_bytes(a->hot_x, b->hot_x, e * sizeof *a->hot_x);
}

/* The same batch through a new scratch and plan gives the same plan: what
 * earlier batches left in s and p must not leak into this one. */
static void check_fresh(struct tally *t, const char *ctx, const struct conflict_src *src,
                        const uint32_t *rows, uint32_t B, uint32_t tau, unsigned T,
                        const struct batch_plan *p)
{
	struct conflict_scratch f;
	struct batch_plan q;
	memset(&q, 0, sizeof q);
	if (conflict_scratch_init(&f, src->n_params) != 0 ||
	    conflict_plan(&f, src, rows, B, tau, T, &q) != 0)
		fail(t, P_FRESH, ctx, "conflict_plan failed on a fresh scratch");
	else if (!same_plan(p, &q))
		fail(t, P_FRESH, ctx, "the plans differ");
	batch_plan_free(&q);
	conflict_scratch_free(&f);
}

/* Plan rows[0..B) and check it against r (components for tau already). */
static void plan_and_check(struct tally *t, const char *ctx, struct conflict_scratch *s,
                           const struct conflict_src *src, const uint32_t *rows,
                           const struct ref *r, uint32_t tau, unsigned T, struct batch_plan *p)
{
	uint32_t thread_of[512];
	t->runs++;
	if (conflict_plan(s, src, rows, r->B, tau, T, p) != 0) {
		fail(t, P_RUNS, ctx, "conflict_plan failed");
		return;
	}
	check_runs(t, ctx, r, p, T, tau, thread_of);
	check_components(t, ctx, r, p, T, thread_of);
	check_hot(t, ctx, r, p, tau);
	check_fresh(t, ctx, src, rows, r->B, tau, T, p);
}

static void report(const struct tally *t, const char *what)
{
	for (int k = 0; k < NPROP; k++)
		if (!ok(t->failed[k] == 0, "%s: %s (%d plans)", what, prop_name[k], t->runs))
			printf("#   %d failed; first: %s\n", t->failed[k], t->first[k]);
}

/* ---- the tests ------------------------------------------------------------ */

static const unsigned Ts[] = { 1, 2, 3, 8 };
#define NT (sizeof Ts / sizeof Ts[0])

/* Random batches of src: distinct random rows, B from 0 to maxb. */
static void property(const char *what, const struct conflict_src *src, uint64_t n_rows,
                     uint64_t seed, int batches, uint32_t maxb)
{
	struct ref *r = calloc(1, sizeof *r);
	uint32_t *perm = malloc(n_rows * sizeof *perm);
	struct conflict_scratch s;
	struct batch_plan p;
	struct tally t;
	struct rng g;
	memset(&t, 0, sizeof t);
	memset(&p, 0, sizeof p);
	conflict_scratch_init(&s, src->n_params);
	r->deg = calloc(src->n_params, sizeof *r->deg);
	rng_seed(&g, seed, 0);
	for (uint64_t i = 0; i < n_rows; i++)
		perm[i] = (uint32_t)i;
	for (int k = 0; k < batches; k++) {
		uint32_t B = (uint32_t)rng_below(&g, maxb + 1);
		const uint32_t taus[] = { CONFLICT_NO_TAU, 0, 1, 2, 3, 5, B / 4 };
		rng_shuffle_u32(&g, perm, n_rows);
		ref_samples(r, src, perm, B);
		for (size_t q = 0; q < sizeof taus / sizeof taus[0]; q++) {
			ref_components(r, taus[q]);
			for (size_t u = 0; u < NT; u++) {
				char ctx[80];
				snprintf(ctx, sizeof ctx, "batch %d (B %u), tau %u, T %u", k, B,
				         taus[q], Ts[u]);
				plan_and_check(&t, ctx, &s, src, perm, r, taus[q], Ts[u], &p);
			}
		}
	}
	report(&t, what);
	batch_plan_free(&p);
	conflict_scratch_free(&s);
	free(r->deg);
	free(r);
	free(perm);
}

/* Hand-made MF batches: position b rates (user[b], item[b]). */
static void mf_batch(struct ref *r, struct conflict_src *src, uint32_t *user, uint32_t *item,
                     uint32_t *rows, uint32_t B, uint32_t n_users, uint32_t n_items)
{
	*src = (struct conflict_src){ .user = user, .item = item, .n_users = n_users,
	                              .n_params = n_users + n_items };
	for (uint32_t b = 0; b < B; b++)
		rows[b] = b;
	r->deg = realloc(r->deg, src->n_params * sizeof *r->deg);
	ref_samples(r, src, rows, B);
}

static void edge_cases(void)
{
	static uint32_t user[256], item[256];
	static uint32_t rows[256];
	struct ref *r = calloc(1, sizeof *r);
	struct conflict_src src;
	struct conflict_scratch s;
	struct batch_plan p;
	struct tally t;

	/* empty batch */
	memset(&p, 0, sizeof p);
	memset(&t, 0, sizeof t);
	mf_batch(r, &src, user, item, rows, 0, 4, 4);
	conflict_scratch_init(&s, src.n_params);
	for (size_t u = 0; u < NT; u++) {
		int rc = conflict_plan(&s, &src, rows, 0, 2, Ts[u], &p);
		int zero = 1;
		for (unsigned v = 0; v <= Ts[u]; v++)
			zero &= p.run_off[v] == 0;
		ok(rc == 0 && p.size == 0 && p.n_comp == 0 && p.largest == 0 && p.n_hot == 0 &&
		   zero, "an empty batch plans to nothing, T = %u", Ts[u]);
	}
	conflict_scratch_free(&s);
	batch_plan_free(&p);

	/* every sample rates item 0: one component, unless item 0 is hot */
	for (uint32_t b = 0; b < 100; b++)
		user[b] = b, item[b] = 0;
	mf_batch(r, &src, user, item, rows, 100, 100, 3);
	conflict_scratch_init(&s, src.n_params);
	conflict_plan(&s, &src, rows, 100, CONFLICT_NO_TAU, 3, &p);
	ok(p.n_comp == 1 && p.largest == 100 && p.n_hot == 0 && p.run_off[3] == 100 &&
	   (p.run_off[1] == 100 || p.run_off[2] - p.run_off[1] == 100 ||
	    p.run_off[3] - p.run_off[2] == 100),
	   "a shared parameter glues the batch into one component on one thread "
	   "(n_comp %u, largest %u)", p.n_comp, p.largest);
	conflict_plan(&s, &src, rows, 100, 4, 3, &p);
	ok(p.n_comp == 100 && p.largest == 1 && p.n_hot == 1 && p.hot_id[0] == 100 &&
	   p.hot_off[1] == 100, "with tau 4 it is hot and every sample is its own component "
	   "(n_comp %u, largest %u, %u hot)", p.n_comp, p.largest, p.n_hot);
	ok(p.run_off[1] - p.run_off[0] >= 33 && p.run_off[1] - p.run_off[0] <= 34 &&
	   p.run_off[2] - p.run_off[1] >= 33 && p.run_off[2] - p.run_off[1] <= 34,
	   "and the 100 singletons split 33-34 per thread (%u, %u, %u)",
	   p.run_off[1], p.run_off[2] - p.run_off[1], p.run_off[3] - p.run_off[2]);
	memset(&t, 0, sizeof t);
	ref_components(r, 4);
	plan_and_check(&t, "one hot item, tau 4, T 3", &s, &src, rows, r, 4, 3, &p);
	ref_components(r, CONFLICT_NO_TAU);
	plan_and_check(&t, "one shared item, no tau, T 8", &s, &src, rows, r, CONFLICT_NO_TAU, 8, &p);
	report(&t, "one shared parameter");
	conflict_scratch_free(&s);

	/* disjoint samples: all singletons, balanced to within one sample */
	for (uint32_t b = 0; b < 250; b++)
		user[b] = b, item[b] = b;
	mf_batch(r, &src, user, item, rows, 250, 250, 250);
	conflict_scratch_init(&s, src.n_params);
	for (size_t u = 0; u < NT; u++) {
		uint32_t lo = UINT32_MAX, hi = 0;
		conflict_plan(&s, &src, rows, 250, CONFLICT_NO_TAU, Ts[u], &p);
		for (unsigned v = 0; v < Ts[u]; v++) {
			uint32_t len = p.run_off[v + 1] - p.run_off[v];
			lo = len < lo ? len : lo;
			hi = len > hi ? len : hi;
		}
		ok(p.n_comp == 250 && p.largest == 1 && hi - lo <= 1,
		   "250 disjoint samples on %u threads: 250 singletons, %u to %u per thread",
		   Ts[u], lo, hi);
	}
	/* fewer samples than threads: each on its own thread */
	conflict_plan(&s, &src, rows, 5, CONFLICT_NO_TAU, 8, &p);
	uint32_t busy = 0;
	for (unsigned v = 0; v < 8; v++)
		busy += p.run_off[v + 1] - p.run_off[v] == 1;
	is_int(busy, 5, "5 disjoint samples on 8 threads: 5 threads run one each");
	conflict_scratch_free(&s);
	batch_plan_free(&p);
	free(r->deg);
	free(r);
}

/* One scratch and one plan through batches A, B, A (B larger, other
 * threads and tau, so that buffers grow in between): A's plan is the same
 * both times and the same as from a fresh scratch. */
static void reuse(const char *what, const struct conflict_src *src, uint64_t n_rows)
{
	uint32_t *a = malloc(n_rows * sizeof *a), *b = malloc(n_rows * sizeof *b);
	struct conflict_scratch s, f;
	struct batch_plan p, fresh;
	struct rng g;
	rng_seed(&g, 21, 0);
	for (uint64_t i = 0; i < n_rows; i++)
		a[i] = b[i] = (uint32_t)i;
	rng_shuffle_u32(&g, a, n_rows);
	rng_shuffle_u32(&g, b, n_rows);
	memset(&p, 0, sizeof p);
	memset(&fresh, 0, sizeof fresh);
	conflict_scratch_init(&s, src->n_params);
	conflict_scratch_init(&f, src->n_params);
	int same = 1;
	for (int k = 0; k < 3; k++) {
		conflict_plan(&f, src, a, 40, 3, 3, &fresh);
		conflict_plan(&s, src, a, 40, 3, 3, &p);
		same &= same_plan(&p, &fresh);
		conflict_plan(&s, src, b, (uint32_t)n_rows, k ? CONFLICT_NO_TAU : 6, 8, &p);
		conflict_plan(&s, src, b, 200, 1, 2, &p);
	}
	conflict_plan(&s, src, a, 40, 3, 3, &p);
	ok(same && same_plan(&p, &fresh),
	   "%s: a batch plans the same after other batches through the same scratch", what);
	batch_plan_free(&p);
	batch_plan_free(&fresh);
	conflict_scratch_free(&s);
	conflict_scratch_free(&f);
	free(a);
	free(b);
}

/* A scratch marks the slots of its parameter table with a batch counter
 * (its generation) instead of clearing them after each batch.  After 2^32
 * batches the counter wraps: a long run plans that many batches per worker
 * (about 10^11 samples at the smallest batch size), and planning must go on
 * as before.  The scratch plans one batch, is set 2^32 - 1 batches on (so
 * that the slots of that batch would look live again after the wrap), and
 * plans in a child process, so that a crash is reported as a failure. */
static void stamp_wrap(const char *what, const struct conflict_src *src, uint64_t n_rows)
{
	uint32_t *rows = malloc(n_rows * sizeof *rows);
	for (uint64_t i = 0; i < n_rows; i++)
		rows[i] = i;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct conflict_scratch s, f;
		struct batch_plan p, q;
		int same = 1;
		memset(&p, 0, sizeof p);
		memset(&q, 0, sizeof q);
		conflict_scratch_init(&s, src->n_params);
		conflict_scratch_init(&f, src->n_params);
		same &= conflict_plan(&s, src, rows + 1, 40, 3, 2, &p) == 0;
		s.gen = UINT32_MAX;
		for (uint32_t B = 10; B <= 90; B += 40) {
			same &= conflict_plan(&s, src, rows, B, 3, 2, &p) == 0;
			same &= conflict_plan(&f, src, rows, B, 3, 2, &q) == 0 && same_plan(&p, &q);
		}
		_exit(same ? 0 : 99);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	ok(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "%s: a scratch plans as a fresh one after 2^32 batches (%s)", what,
	   pid < 0 ? "fork failed" : WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) :
	   WEXITSTATUS(status) == 99 ? "other plans" :
	   WEXITSTATUS(status) ? "the child failed" : "same plans");
	free(rows);
}

int main(void)
{
	struct conflict_src mf = mf_source();
	dmlhog_dataset *d = lin_data();
	struct conflict_src lin = lin_source(d, 1), lin_nobias = lin_source(d, 0);

	property("MF", &mf, N_RATINGS, 1, 150, 120);
	property("linear with bias", &lin, LIN_ROWS, 2, 100, 120);
	property("linear without bias", &lin_nobias, LIN_ROWS, 3, 100, 120);
	edge_cases();
	reuse("MF", &mf, N_RATINGS);
	reuse("linear", &lin_nobias, LIN_ROWS);
	stamp_wrap("MF", &mf, N_RATINGS);
	stamp_wrap("linear", &lin, LIN_ROWS);
	dmlhog_dataset_destroy(d);
	return tap_done();
}

/* test-hot.c: the hot-feature views of Hogwild! workers
 * (engine/hot_buffer.h): which features are chosen, that a worker's steps
 * stay in its view until it flushes, that two workers' flushes add up
 * exactly, and that concurrent flushes lose nothing. */
#include <pthread.h>
#include <stdlib.h>
#include "engine/hot_buffer.h"
#include "dmlhog/dmlhog.h"
#include "engine/linear_kernel.h"
#include "tap.h"

#define D 10
#define ROWS 64

/* ROWS rows: feature 0 in every row, 7 in half, 3 in ROWS/16 (the
 * threshold exactly), 5 in one fewer, 9 in one. */
static dmlhog_dataset *skewed_rows(void)
{
	static const struct { uint32_t j, rows; } plan[] = {
		{ 0, ROWS }, { 7, ROWS / 2 }, { 3, ROWS / 16 }, { 5, ROWS / 16 - 1 }, { 9, 1 },
	};
	dmlhog_dataset *d = dataset_new(DMLHOG_FORMAT_SVMLIGHT);
	d->n_rows = ROWS;
	d->n_cols = D;
	d->row_ptr = malloc((ROWS + 1) * sizeof *d->row_ptr);
	d->col = malloc(ROWS * 5 * sizeof *d->col);
	d->val = malloc(ROWS * 5 * sizeof *d->val);
	d->label = calloc(ROWS, sizeof *d->label);
	uint64_t nnz = 0;
	for (uint32_t i = 0; i < ROWS; i++) {
		d->row_ptr[i] = nnz;
		for (size_t p = 0; p < sizeof plan / sizeof plan[0]; p++)
			if (i < plan[p].rows) {
				d->col[nnz] = plan[p].j;
				d->val[nnz++] = 1;
			}
	}
	d->row_ptr[ROWS] = d->nnz = nnz;
	return d;
}

static void test_choice(const dmlhog_dataset *d)
{
	struct hot_set hs;
	ok(hot_set_build(&hs, d, D, 1, 1) == 0, "hot set built");
	is_int(hs.n, 4, "bias and the features in >= 1/16 of the rows (0, 7, 3), not 5 or 9");
	is_int(hs.feature[0], D, "the bias has slot 0");
	is_int(hs.feature[1], 0, "then the most frequent feature");
	is_int(hs.feature[2], 7, "then the next");
	is_int(hs.feature[3], 3, "a feature at the threshold exactly is hot");
	ok(hot_set_has(&hs, 3) && hot_set_has(&hs, D) && !hot_set_has(&hs, 5) && !hot_set_has(&hs, 9),
	   "membership bits agree with the slots");
	is_int(hs.slot[7], 2, "slot of feature 7");
	hot_set_free(&hs);

	ok(hot_set_build(&hs, d, D, HOT_MAX_FLOATS / 2, 1) == 0, "hot set of a wide model built");
	is_int(hs.n, 2, "HOT_MAX_FLOATS caps the weights: the bias and the hottest feature");
	ok(hot_set_has(&hs, 0) && !hot_set_has(&hs, 7), "the most frequent are the ones kept");
	hot_set_free(&hs);

	ok(hot_set_build(&hs, d, D, 3, 0) == 0, "hot set without a bias built");
	is_int(hs.n, 3, "no bias: three features");
	is_int(hs.feature[0], 0, "slot 0 is then the hottest feature");
	hot_set_free(&hs);
}

static void test_generations(void)
{
	struct hot_set hs = { .n = 3, .k = 1 };
	struct hot_buf b;
	ok(hot_buf_init(&b, &hs) == 0, "buffer allocated");
	ok(hot_buf_stale(&b, 1), "a new buffer holds no view");
	b.gen[1] = b.cur << 1;
	ok(!hot_buf_stale(&b, 1), "a loaded slot is current");
	hot_buf_touch(&b, 1);
	hot_buf_touch(&b, 1);
	is_int(b.n_dirty, 1, "a slot stepped twice is listed once");
	ok(!hot_buf_stale(&b, 1), "stepping keeps it current");
	hot_buf_next_gen(&b, hs.n);
	ok(hot_buf_stale(&b, 1) && b.n_dirty == 0, "after a flush every view is stale, none listed");
	b.cur = UINT32_MAX / 2 - 1;
	b.gen[2] = 1u << 1;         /* loaded in generation 1, long ago */
	hot_buf_next_gen(&b, hs.n);
	is_int(b.cur, 1, "the generation wraps back to 1");
	ok(hot_buf_stale(&b, 2), "and a view of the old generation 1 is not taken as current");
	hot_buf_free(&b);
}

/* A worker's kernel over shared weights w and stamps st (k = 1, AdaGrad,
 * no regularisation). */
static void worker_kernel(struct lin_kernel *q, struct lazy_reg *reg, float *w,
                          struct lazy_stamp *st, const struct hot_set *hs, struct hot_buf *b)
{
	*reg = (struct lazy_reg){ .per_feature_rate = 1, .P = 1, .n = D, .stamp = st };
	*q = (struct lin_kernel){ .w = w, .reg = reg, .hs = hs, .hb = b, .d = D, .k = 1,
	                          .has_bias = 1, .adagrad = 1 };
}

static void test_flush(const dmlhog_dataset *d)
{
	float w[D + 1] = { 0 };
	struct lazy_stamp st[D + 1];
	for (int j = 0; j <= D; j++)
		st[j] = lazy_stamp_initial(1, 0.5);
	w[0] = 0.25f;
	struct hot_set hs;
	struct hot_buf ba, bb;
	struct lazy_reg ra, rb;
	struct lin_kernel a, b;
	ok(hot_set_build(&hs, d, D, 1, 1) == 0 && hot_buf_init(&ba, &hs) == 0 &&
	   hot_buf_init(&bb, &hs) == 0, "two workers' buffers");
	worker_kernel(&a, &ra, w, st, &hs, &ba);
	worker_kernel(&b, &rb, w, st, &hs, &bb);

	double dza = 0.75, dzb = -0.5;
	is_near(*lin_buf_view(&a, 0, 1), 0.25, 0, "a view loads the shared weight");
	lin_set_dz_sq(&a, &dza, 1);      /* as lin_step does after the loss */
	lin_buf_update(&a, 0, 2.0, &dza, 0.5, 1, 1);
	(void)lin_buf_view(&b, 0, 1);
	lin_set_dz_sq(&b, &dzb, 1);
	lin_buf_update(&b, 0, 2.0, &dzb, 0.5, 1, 1);
	float va = *lin_buf_view(&a, 0, 1), vb = *lin_buf_view(&b, 0, 1);
	ok(va != 0.25f && vb != 0.25f && va != vb, "each worker sees its own step only");
	is_near(w[0], 0.25, 0, "the shared weight is untouched before a flush");
	is_near(st[0].a.G, 0, 0, "so is the shared accumulator");

	lin_buf_flush(&a);
	lin_buf_flush(&b);
	float want = 0.25f;
	want += va - 0.25f;
	want += vb - 0.25f;
	is_near(w[0], want, 0, "after both flushes: the start plus both workers' changes");
	float G = 0;
	G += (float)(dza * dza * 4);
	G += (float)(dzb * dzb * 4);
	is_near(st[0].a.G, G, 0, "and the accumulator holds both workers' squared gradients");
	is_near(st[0].a.rate, bb.rate[hs.slot[0]], 0, "the rate stamp is the last flusher's");
	is_near(*lin_buf_view(&a, 0, 1), want, 0, "a fresh view after the flush sees both");
	hot_buf_free(&ba);
	hot_buf_free(&bb);
	hot_set_free(&hs);
}

#define ADDS 200000
static float total;

static void *add_ones(void *arg)
{
	(void)arg;
	for (int i = 0; i < ADDS; i++)
		sh_addf(&total, 1.0f);
	return NULL;
}

static void test_concurrent_adds(void)
{
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, add_ones, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	is_near(total, 2.0 * ADDS, 0, "two threads' compare-and-swap adds: none lost");
}

int main(void)
{
	dmlhog_dataset *d = skewed_rows();
	test_choice(d);
	test_generations();
	test_flush(d);
	test_concurrent_adds();
	dmlhog_dataset_destroy(d);
	return tap_done();
}

/* cyclades.c: Cyclades (Pan, Lam, Tu, Papailiopoulos, Zhang, Jordan,
 * Ramchandran and Re, NIPS 2016) for linear models and factorisation.
 *
 * Each epoch walks the serial engine's permutation in batches.  A batch's
 * conflict graph (engine/conflict.h) splits it into components that share
 * no parameter; the components are packed onto T pinned workers, each runs
 * its samples in batch order with plain memory accesses, and a barrier
 * ends the batch.  Every sample sees the step, rate and regulariser state
 * it would see in the serial run (KM_CLOCK), so without hot parameters the
 * model is bit for bit the serial engine's, for any T.
 *
 * Hot parameters (in more than tau samples of the batch) are left out of
 * the graph.  Samples read them as they were when the batch began (KM_HOT)
 * and record what the replay needs; after the barrier the hot parameters'
 * updates are replayed in batch order, each from an error or score
 * recomputed with the hot values as the batch's earlier samples left them,
 * which is what the serial run computes: for linear models by one worker,
 * sample after sample (a sample's hot features must move together); for
 * factorisation, where a rating has one user and one item, split over the
 * workers by parameter.  The result depends on the batch alone, so it is
 * the same for any T too (--deterministic).
 *
 * Batches are planned a window at a time, the window's batches spread over
 * the workers, so that graph building runs in parallel as well.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "engine/conflict.h"
#include "engine/linear_kernel.h"
#include "engine/mf_kernel.h"
#include "engine/placement.h"
#include "util/barrier.h"
#include "util/clock.h"
#include "util/notice.h"
#include "util/rng.h"

#define CACHE_LINE 64
#define WINDOW_SAMPLES (1u << 18)     /* samples planned at once, at most */
#define WINDOW_ENTRIES (1u << 22)     /* and nonzeros: a window's plans hold a
                                       * position and a value per hot entry, so
                                       * on dense rows (Fashion-MNIST: 390 a
                                       * row) a window of 2^18 samples would
                                       * cost most of the data's size again */
#define BARRIER_SPIN 4000             /* pauses before sleeping: 50-200 us */

struct cy;

struct cy_worker {
	struct cy *h;
	unsigned id;
	pthread_t thread;
	struct conflict_scratch cs;
	struct lazy_reg view;       /* the serial run's regulariser at one sample */
	struct lin_kernel lq;
	struct mf_kernel mq;
	double *z;                  /* scratch of lq: scores, derivatives, hot part */
	double loss_sum;
	uint64_t n;
	double bad_loss;            /* first non-finite loss seen, and where */
	uint64_t bad_at;
	int failed;                 /* 1 diverged, 2 out of memory */
	double plan_s;
} __attribute__((aligned(CACHE_LINE)));

struct cy {
	struct train_ctx *c;
	int mf, hot;                /* hot: exclusion on */
	unsigned T;
	struct topo *topo;
	struct plan plan;
	pthread_barrier_t go, done;     /* epochs: the main thread and the workers */
	struct barrier bar;             /* batches: the workers */
	int quit, stop, threads_started;
	uint32_t epoch;
	uint64_t tbase;             /* the serial step of the epoch's first sample */
	uint32_t *order;            /* this epoch's permutation, drawn as serial draws it */
	struct rng rng;
	struct lazy_reg reg;        /* linear: the serial run's regulariser */
	float *Gu, *Gi;             /* MF AdaGrad accumulators */
	struct conflict_src src;
	uint32_t B, tau;
	double bound;               /* Cyclades' n / (2 Delta), for the report */
	uint32_t *hot_mark[2];      /* per parameter: hot_seq of the last batch it was hot
	                             * in; by batch parity, so that marking the next
	                             * batch does not disturb the replay of this one */
	uint32_t seq;               /* hot_seq of the window's first batch */
	/* the window: nb batches from epoch position wfirst */
	unsigned wcap, nb;
	uint64_t wfirst, wnext;
	uint64_t *bstart;           /* wcap + 1 window offsets */
	int *rebase;                /* the serial run rebases the regulariser after batch b */
	double *rebase_P, *rebase_C;
	struct batch_plan *bp;
	size_t wlen;
	double *eta, *P, *C;        /* per window offset: rate, regulariser P and C */
	double *rec;                /* per batch position: what KM_HOT records */
	size_t recw;
	struct cy_worker *w;
	double comp_sum, largest_sum, hot_sum;
	uint64_t batches;
};

/* ---- the window: rates, regulariser states and batch bounds ------------ */

/* Thread 0, between barriers: lay out the window from epoch position ws,
 * stepping the serial run's regulariser exactly as serial_linear.c does;
 * where it would rebase, the batch ends. */
static void cy_prepare(struct cy *h, uint64_t ws)
{
	struct train_ctx *c = h->c;
	uint64_t n = c->train->n_rows, pos = ws;
	int reg = !h->mf && lazy_reg_active(&h->reg);
	h->seq += h->nb;
	h->nb = 0;
	h->wfirst = ws;
	while (h->nb < h->wcap && pos < n) {
		unsigned b = h->nb++;
		uint64_t end = pos + h->B < n ? pos + h->B : n;
		h->bstart[b] = pos - ws;
		h->rebase[b] = 0;
		for (uint64_t p = pos; p < end; p++) {
			size_t o = p - ws;
			h->eta[o] = schedule_lr(&c->sched, h->tbase + p, h->epoch);
			if (!reg)
				continue;
			if (h->P) {
				h->P[o] = h->reg.P;
				h->C[o] = h->reg.C;
			}
			lazy_advance(&h->reg, h->eta[o]);
			if (lazy_needs_rebase(&h->reg)) {
				h->rebase[b] = 1;
				h->rebase_P[b] = h->reg.P;
				h->rebase_C[b] = h->reg.C;
				h->reg.P = 1;
				h->reg.C = 0;
				end = p + 1;
			}
		}
		pos = end;
	}
	h->bstart[h->nb] = pos - ws;
	h->wnext = pos;
}

/* Parallel: plan this worker's share of the window's batches. */
static void cy_plan_window(struct cy *h, struct cy_worker *w)
{
	double t0 = clock_now();
	for (unsigned b = w->id; b < h->nb; b += h->T) {
		const uint32_t *rows = h->order + h->wfirst + h->bstart[b];
		uint32_t len = (uint32_t)(h->bstart[b + 1] - h->bstart[b]);
		if (conflict_plan(&w->cs, &h->src, rows, len, h->hot ? h->tau : CONFLICT_NO_TAU,
		                  h->T, &h->bp[b]) != 0) {
			w->failed = 2;
			__atomic_store_n(&h->stop, 1, __ATOMIC_RELAXED);
		}
	}
	w->plan_s += clock_now() - t0;
}

/* The hot parameters of batch b this worker replays (and marks): those
 * whose lists start in its share of the batch's list entries. */
static inline int cy_mine(const struct cy *h, const struct batch_plan *p, uint32_t x,
                          unsigned id)
{
	uint64_t e = p->hot_off[p->n_hot], at = p->hot_off[x];
	return at >= e * id / h->T && (at < e * (id + 1) / h->T || id + 1 == h->T);
}

static void cy_mark(struct cy *h, struct cy_worker *w, unsigned b)
{
	const struct batch_plan *p = &h->bp[b];
	for (uint32_t x = 0; x < p->n_hot; x++)
		if (cy_mine(h, p, x, w->id))
			h->hot_mark[(h->seq + b) & 1][p->hot_id[x]] = h->seq + b;
}

/* ---- running a batch ---------------------------------------------------- */

/* The regulariser as the serial run has it at window offset o. */
static inline void cy_clock(struct cy *h, struct cy_worker *w, size_t o)
{
	w->view.t = h->tbase + h->wfirst + o;
	if (h->P) {
		w->view.P = h->P[o];
		w->view.C = h->C[o];
	}
}

/* A non-finite loss at window offset o: stop every worker. */
static void cy_diverged(struct cy *h, struct cy_worker *w, size_t o, double loss)
{
	w->failed = 1;
	w->bad_loss = loss;
	w->bad_at = h->wfirst + o + 1;
	__atomic_store_n(&h->stop, 1, __ATOMIC_RELAXED);
}

/* hot: the sample touches a hot parameter (only such samples pay for
 * looking parameters up in hot_mark and recording derivatives). */
static inline double cy_step(struct cy_worker *w, int mf, int hot, uint64_t i, double eta)
{
	uint32_t k = w->lq.k;
	if (mf)
		return hot ? mf_step(&w->mq, i, eta, KM_CLOCK | KM_HOT)
		           : mf_step(&w->mq, i, eta, KM_CLOCK);
	if (hot)
		return k == 1 ? lin_step(&w->lq, i, eta, 1, KM_CLOCK | KM_HOT)
		              : lin_step(&w->lq, i, eta, k, KM_CLOCK | KM_HOT);
	return k == 1 ? lin_step(&w->lq, i, eta, 1, KM_CLOCK) : lin_step(&w->lq, i, eta, k, KM_CLOCK);
}

/* This worker's components of batch b, each sample at its serial step. */
static void cy_exec(struct cy *h, struct cy_worker *w, unsigned b)
{
	const struct batch_plan *p = &h->bp[b];
	const uint32_t *run = p->run + p->run_off[w->id];
	uint32_t len = p->run_off[w->id + 1] - p->run_off[w->id];
	const uint32_t *rows = h->order + h->wfirst + h->bstart[b];
	w->lq.hot_seq = w->mq.hot_seq = h->seq + b;
	w->lq.hot_mark = w->mq.hot_mark = h->hot_mark[(h->seq + b) & 1];
	for (uint32_t q = 0; q < len; q++) {
		if (__atomic_load_n(&h->stop, __ATOMIC_RELAXED))
			return;
		if (h->mf) {        /* as the serial loops: rows, then their parameters */
			if (q + 2 < len)
				mf_prefetch_ids(&w->mq, rows[run[q + 2] & ~BATCH_RUN_HOT]);
			if (q + 1 < len)
				mf_prefetch_rows(&w->mq, rows[run[q + 1] & ~BATCH_RUN_HOT]);
		} else {
			if (q + 4 < len)
				lin_prefetch_extent(&w->lq, rows[run[q + 4] & ~BATCH_RUN_HOT]);
			if (q + 2 < len)
				lin_prefetch_row(&w->lq, rows[run[q + 2] & ~BATCH_RUN_HOT]);
			if (q + 1 < len)
				lin_prefetch_features(&w->lq, rows[run[q + 1] & ~BATCH_RUN_HOT], w->lq.k);
		}
		uint32_t pos = run[q] & ~BATCH_RUN_HOT;
		int hot = (run[q] & BATCH_RUN_HOT) != 0;
		size_t o = h->bstart[b] + pos;
		cy_clock(h, w, o);
		if (hot)
			w->lq.zcold = w->mq.rec = h->rec + pos * h->recw;
		double loss = cy_step(w, h->mf, hot, rows[pos], h->eta[o]);
		if (!isfinite(loss)) {
			cy_diverged(h, w, o, loss);
			return;
		}
		w->loss_sum += loss;
		w->n++;
	}
}

/* Linear models, after the batch: worker 0 replays the hot part of the
 * batch's samples in batch order. */
static void cy_replay_linear(struct cy *h, struct cy_worker *w, unsigned b)
{
	const struct batch_plan *p = &h->bp[b];
	const uint32_t *rows = h->order + h->wfirst + h->bstart[b];
	if (w->id != 0)
		return;
	w->lq.hot_seq = h->seq + b;
	w->lq.hot_mark = h->hot_mark[(h->seq + b) & 1];
	for (uint32_t x = 0; x < p->n_hot_rows; x++) {
		uint32_t pos = p->hot_rows[x];
		size_t o = h->bstart[b] + pos;
		cy_clock(h, w, o);
		double loss = lin_hot_replay(&w->lq, rows[pos], h->rec + pos * h->recw, h->eta[o],
		                             w->lq.k);
		if (!isfinite(loss)) {
			cy_diverged(h, w, o, loss);
			return;
		}
	}
}

/* Factorisation, after the batch: this worker's hot rows (users or
 * items), each through its ratings in batch order. */
static void cy_replay_mf(struct cy *h, struct cy_worker *w, unsigned b)
{
	const struct batch_plan *p = &h->bp[b];
	dmlhog_model *m = h->c->model;
	uint32_t k = m->rank;
	for (uint32_t x = 0; x < p->n_hot; x++) {
		if (!cy_mine(h, p, x, w->id))
			continue;
		uint32_t j = p->hot_id[x];
		for (uint32_t e = p->hot_off[x]; e < p->hot_off[x + 1]; e++) {
			uint32_t pos = p->hot_pos[e];
			size_t o = h->bstart[b] + pos;
			const double *r = h->rec + pos * h->recw;      /* y, bu, bi, p, q */
			if (j < m->n_users) {
				mf_hot_update(m->P + (uint64_t)j * k, &m->bu[j], h->Gu ? &h->Gu[j] : NULL,
				              r + 3 + k, r[2], r[0], m->mu, h->eta[o], h->c->opts.l2, k);
			} else {
				uint32_t it = j - m->n_users;
				mf_hot_update(m->Q + (uint64_t)it * k, &m->bi[it], h->Gi ? &h->Gi[it] : NULL,
				              r + 3, r[1], r[0], m->mu, h->eta[o], h->c->opts.l2_item, k);
			}
		}
	}
}

static void cy_replay(struct cy *h, struct cy_worker *w, unsigned b)
{
	if (__atomic_load_n(&h->stop, __ATOMIC_RELAXED))
		return;
	if (h->mf)
		cy_replay_mf(h, w, b);
	else
		cy_replay_linear(h, w, b);
}

/* Where the serial run rebases its regulariser: this worker's slice of
 * the features, as lazy_flush does it. */
static void cy_rebase(struct cy *h, struct cy_worker *w, unsigned b)
{
	struct lazy_reg *r = &w->view;
	uint32_t k = w->lq.k, d = h->reg.n;
	uint32_t lo = (uint32_t)((uint64_t)d * w->id / h->T);
	uint32_t hi = (uint32_t)((uint64_t)d * (w->id + 1) / h->T);
	r->P = h->rebase_P[b];
	r->C = h->rebase_C[b];
	float P = (float)r->P;
	for (uint32_t j = lo; j < hi; j++) {
		float *wj = h->c->model->w + (uint64_t)j * k;
		if (r->scaled)
			for (uint32_t x = 0; x < k; x++)
				wj[x] *= P;
		else
			lazy_catch_up(r, j, wj, k);
		r->stamp[j] = (struct lazy_stamp){ .p = 1, .c = 0 };
	}
}

static void cy_run_epoch(struct cy *h, struct cy_worker *w)
{
	uint64_t n = h->c->train->n_rows, ws = 0;
	w->loss_sum = 0;
	w->n = 0;
	w->plan_s = 0;
	while (ws < n) {
		if (w->id == 0)
			cy_prepare(h, ws);
		barrier_wait(&h->bar);
		ws = h->wnext;
		unsigned nb = h->nb;
		cy_plan_window(h, w);
		barrier_wait(&h->bar);
		if (w->id == 0)
			for (unsigned b = 0; b < nb; b++) {
				h->comp_sum += h->bp[b].n_comp;
				h->largest_sum += (double)h->bp[b].largest / h->bp[b].size;
				h->hot_sum += h->bp[b].n_hot;
			}
		if (h->hot) {
			cy_mark(h, w, 0);
			barrier_wait(&h->bar);
		}
		for (unsigned b = 0; b < nb; b++) {
			/* read before the barrier: after it, thread 0 may be laying
			 * out the next window */
			int rebase = h->rebase[b];
			cy_exec(h, w, b);
			barrier_wait(&h->bar);
			if (h->hot)
				cy_replay(h, w, b);
			if (rebase) {
				barrier_wait(&h->bar);
				cy_rebase(h, w, b);
			}
			if (h->hot && b + 1 < nb)
				cy_mark(h, w, b + 1);
			if (h->hot || rebase)
				barrier_wait(&h->bar);
		}
		if (w->id == 0)
			h->batches += nb;
	}
}

static void *cy_worker_main(void *arg)
{
	struct cy_worker *w = arg;
	struct cy *h = w->h;
	topo_bind_self(h->topo, &h->plan, w->id);
	for (;;) {
		pthread_barrier_wait(&h->go);
		if (h->quit)
			break;
		cy_run_epoch(h, w);
		pthread_barrier_wait(&h->done);
	}
	return NULL;
}

/* ---- engine ops ------------------------------------------------------- */

static void cy_report(struct cy *h, double wall, struct dmlhog_batch_stats *s)
{
	double plan = 0;
	for (unsigned i = 0; i < h->T; i++)
		plan += h->w[i].plan_s;
	double nb = h->batches ? (double)h->batches : 1;
	*s = (struct dmlhog_batch_stats){
		.batches = h->batches, .batch_size = h->B,
		.hot_threshold = h->hot ? h->tau : UINT32_MAX,
		.components = h->comp_sum / nb, .largest = h->largest_sum / nb,
		.hot = h->hot_sum / nb, .plan_share = wall > 0 ? plan / (wall * h->T) : 0,
	};
}

static enum dmlhog_status cy_epoch(struct train_ctx *c, void *state, uint32_t e,
                                   struct epoch_stats *st, struct dmlhog_error *err)
{
	struct cy *h = state;
	uint64_t n = c->train->n_rows;
	h->epoch = e;
	h->tbase = c->t;
	h->comp_sum = h->largest_sum = h->hot_sum = 0;
	h->batches = 0;
	rng_shuffle_u32(&h->rng, h->order, n);
	double t0 = clock_now();
	pthread_barrier_wait(&h->go);
	pthread_barrier_wait(&h->done);
	double wall = clock_now() - t0;
	c->t += n;
	for (unsigned i = 0; i < h->T; i++) {
		struct cy_worker *w = &h->w[i];
		if (w->failed == 2)
			return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (batch plans)");
		if (w->failed)
			return dmlhog_error_set(err, DMLHOG_E_DIVERGED,
			        "training diverged at epoch %u, sample %llu: loss is %g (lower --lr)",
			        e + 1, (unsigned long long)w->bad_at, w->bad_loss);
		st->loss_sum += w->loss_sum;
		st->n += w->n;
	}
	cy_report(h, wall, &st->batch);
	if (e == 0)
		notice_send(c->opts.notice, c->opts.notice_ctx,
		            "cyclades: batch %u (Cyclades bound %.0f), hot threshold %s%.0f; epoch 1: "
		            "%.1f components per batch, largest %.1f %%, %.1f hot parameters, graph "
		            "building %.0f %% of worker time",
		            h->B, h->bound, h->hot ? "" : "off ", h->hot ? (double)h->tau : 0.0,
		            st->batch.components, 100 * st->batch.largest, st->batch.hot,
		            100 * st->batch.plan_share);
	return DMLHOG_OK;
}

static void cy_flush(struct train_ctx *c, void *state)
{
	struct cy *h = state;
	if (!h->mf && lazy_reg_active(&h->reg))
		lazy_flush(&h->reg, c->model->w, c->model->k);
}

static void cy_fini(void *state)
{
	struct cy *h = state;
	if (!h)
		return;
	if (h->threads_started) {
		h->quit = 1;
		pthread_barrier_wait(&h->go);
		for (unsigned i = 0; i < h->T; i++)
			pthread_join(h->w[i].thread, NULL);
		pthread_barrier_destroy(&h->go);
		pthread_barrier_destroy(&h->done);
	}
	for (unsigned i = 0; h->w && i < h->T; i++) {
		conflict_scratch_free(&h->w[i].cs);
		free(h->w[i].z);
	}
	for (unsigned b = 0; h->bp && b < h->wcap; b++)
		batch_plan_free(&h->bp[b]);
	lazy_reg_free(&h->reg);
	free(h->bp);
	free(h->bstart);
	free(h->rebase);
	free(h->rebase_P);
	free(h->rebase_C);
	free(h->eta);
	free(h->P);
	free(h->C);
	free(h->rec);
	free(h->hot_mark[0]);
	free(h->hot_mark[1]);
	free(h->order);
	free(h->Gu);
	free(h->Gi);
	free(h->w);
	plan_free(&h->plan);
	topo_destroy(h->topo);
	free(h);
}

/* Batch size and hot threshold: the user's, or the rule of conflict.c. */
static void cy_batch_rule(struct cy *h)
{
	const struct dmlhog_train_opts *o = &h->c->opts;
	uint64_t n = h->c->train->n_rows;
	uint32_t tau;
	const dmlhog_model *m = h->c->model;
	h->B = conflict_default_batch(&h->src, n, h->mf ? m->rank : m->k, &tau, &h->bound);
	if (o->batch_size) {
		h->B = o->batch_size;
		tau = h->B / 64 > 2 ? h->B / 64 : 2;
	}
	if (h->B > n)
		h->B = (uint32_t)n;
	h->hot = o->hot_params >= 0;
	h->tau = o->hot_params > 0 ? (uint32_t)o->hot_params : tau;
}

static enum dmlhog_status cy_alloc(struct cy *h, struct dmlhog_error *err)
{
	struct train_ctx *c = h->c;
	const dmlhog_model *m = c->model;
	uint64_t n = c->train->n_rows;
	int adagrad = c->opts.schedule == DMLHOG_LR_ADAGRAD, bad = 0;
	uint32_t k = h->mf ? m->rank : m->k;
	uint64_t per_row = h->mf || !c->train->nnz ? 2 : (c->train->nnz + n - 1) / n;
	uint64_t window = WINDOW_ENTRIES / per_row < WINDOW_SAMPLES ? WINDOW_ENTRIES / per_row
	                                                            : WINDOW_SAMPLES;
	h->wcap = window / h->B > 2 * h->T ? (unsigned)(window / h->B) : 2 * h->T;
	h->wlen = (size_t)h->wcap * h->B;
	h->order = malloc(n * sizeof *h->order + 1);
	h->bstart = malloc((h->wcap + 1) * sizeof *h->bstart);
	h->rebase = calloc(h->wcap, sizeof *h->rebase);
	h->rebase_P = calloc(h->wcap, sizeof *h->rebase_P);
	h->rebase_C = calloc(h->wcap, sizeof *h->rebase_C);
	h->bp = calloc(h->wcap, sizeof *h->bp);
	h->eta = malloc(h->wlen * sizeof *h->eta);
	bad = !h->order || !h->bstart || !h->rebase || !h->rebase_P || !h->rebase_C || !h->bp ||
	      !h->eta;
	if (!h->mf && lazy_reg_active(&h->reg) && !h->reg.per_feature_rate) {
		h->P = malloc(h->wlen * sizeof *h->P);
		h->C = malloc(h->wlen * sizeof *h->C);
		bad |= !h->P || !h->C;
	}
	h->recw = h->mf ? MF_REC(k) : (size_t)k;      /* linear: the cold score */
	if (h->hot) {
		h->rec = malloc((size_t)h->B * h->recw * sizeof *h->rec);
		for (int i = 0; i < 2; i++) {
			h->hot_mark[i] = calloc((size_t)h->src.n_params + 1, sizeof *h->hot_mark[i]);
			bad |= !h->hot_mark[i];
		}
		bad |= !h->rec;
	}
	if (adagrad && h->mf) {
		h->Gu = calloc((size_t)m->n_users + 1, sizeof *h->Gu);
		h->Gi = calloc((size_t)m->n_items + 1, sizeof *h->Gi);
		bad |= !h->Gu || !h->Gi;
	}
	if (bad)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (%llu rows, batch %u)",
		                        (unsigned long long)n, h->B);
	for (uint64_t i = 0; i < n; i++)
		h->order[i] = (uint32_t)i;
	return DMLHOG_OK;
}

static enum dmlhog_status cy_init_worker(struct cy *h, unsigned i, struct dmlhog_error *err)
{
	struct train_ctx *c = h->c;
	dmlhog_model *m = c->model;
	struct cy_worker *w = &h->w[i];
	w->h = h;
	w->id = i;
	w->view = h->reg;           /* shares the stamps */
	if (conflict_scratch_init(&w->cs, h->src.n_params) != 0)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (conflict graph)");
	if (h->mf) {
		if (mf_kernel_init(&w->mq, c, m->P, m->Q, m->bu, m->bi) != 0)
			return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory");
		free(w->mq.Gu);
		free(w->mq.Gi);
		w->mq.Gu = h->Gu;
		w->mq.Gi = h->Gi;
		w->mq.hot_mark = h->hot_mark[0];
		return DMLHOG_OK;
	}
	w->z = calloc(3 * (size_t)m->k, sizeof *w->z);
	if (!w->z)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory");
	w->lq = (struct lin_kernel){ .data = c->train, .tt = &c->tt, .w = m->w,
	                             .reg = &w->view, .z = w->z, .zhot = w->z + 2 * m->k,
	                             .hot_mark = h->hot_mark[0],
	                             .d = m->n_features, .k = m->k, .has_bias = m->has_bias,
	                             .adagrad = c->opts.schedule == DMLHOG_LR_ADAGRAD,
	                             .loss = c->opts.loss };
	return DMLHOG_OK;
}

static enum dmlhog_status cy_start(struct cy *h, struct dmlhog_error *err)
{
	if (pthread_barrier_init(&h->go, NULL, h->T + 1) ||
	    pthread_barrier_init(&h->done, NULL, h->T + 1))
		return dmlhog_error_set(err, DMLHOG_E_FAILURE, "cannot create barriers");
	/* spin about as long as a small batch runs, unless oversubscribed */
	barrier_init(&h->bar, h->T, h->plan.oversubscribed ? 0 : BARRIER_SPIN);
	for (unsigned i = 0; i < h->T; i++) {
		int e = pthread_create(&h->w[i].thread, NULL, cy_worker_main, &h->w[i]);
		if (e)
			return dmlhog_error_set(err, DMLHOG_E_FAILURE, "cannot start thread %u: %s", i,
			                        strerror(e));
	}
	h->threads_started = 1;
	return DMLHOG_OK;
}

static enum dmlhog_status cy_init(struct train_ctx *c, void **state, struct dmlhog_error *err)
{
	struct cy *h = calloc(1, sizeof *h);
	dmlhog_model *m = c->model;
	enum dmlhog_status s;
	if (!h)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (engine state)");
	*state = h;
	h->c = c;
	h->mf = m->task == DMLHOG_TASK_MF;
	h->T = c->opts.threads > 0 ? (unsigned)c->opts.threads : 1;
	h->seq = 1;
	if (h->mf) {
		mf_init_model(c);
		h->src = (struct conflict_src){ .user = c->tt.user, .item = c->tt.item,
		                                .n_users = m->n_users,
		                                .n_params = m->n_users + m->n_items };
	} else {
		h->src = (struct conflict_src){ .data = c->train, .d = m->n_features,
		                                .has_bias = m->has_bias, .n_params = m->n_features + 1 };
		if (lazy_reg_init(&h->reg, m->n_features, c->opts.l1, c->opts.l2,
		                  c->opts.schedule == DMLHOG_LR_ADAGRAD, c->opts.lr) != 0)
			return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (%u features)",
			                        m->n_features);
	}
	cy_batch_rule(h);
	if ((s = engine_place(&c->opts, h->T, TOPO_REPLICAS_MACHINE, &h->topo, &h->plan, err)) !=
	            DMLHOG_OK ||
	    (s = cy_alloc(h, err)) != DMLHOG_OK)
		return s;
	rng_seed(&h->rng, c->opts.seed, 1);
	h->w = aligned_alloc(CACHE_LINE, h->T * sizeof *h->w);
	if (!h->w)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (workers)");
	memset(h->w, 0, h->T * sizeof *h->w);
	for (unsigned i = 0; i < h->T; i++)
		if ((s = cy_init_worker(h, i, err)) != DMLHOG_OK)
			return s;
	return cy_start(h, err);
}

const struct engine_ops cyclades_ops = {
	.name = "cyclades",
	.init = cy_init,
	.epoch = cy_epoch,
	.flush = cy_flush,
	.fini = cy_fini,
};

/* hogwild.c: Hogwild! (Niu, Recht, Re and Wright 2011) and a striped-lock
 * baseline, for linear models and factorisation.
 *
 * T long-lived workers, each bound by itself to the PU its plan gives
 * (topo/), walk their own shard (rows dealt by a seeded hash) in a fresh
 * random order per epoch and update the parameters without locks through
 * relaxed atomics (engine/shared.h).  The parameters live in one shared copy with pages
 * interleaved across NUMA nodes (replicas machine), one copy per NUMA node
 * or one per thread (replicas node/thread); copies are merged at barriers
 * every sync_every samples per thread (hw_merge).  With two or more threads
 * on a linear model, each worker steps the hottest features in a private
 * view flushed every few samples (hot_buffer.h).  The locked engine runs the
 * same kernel with plain accesses inside striped mutexes, taken in stripe
 * order so that two samples never deadlock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/linear_kernel.h"
#include "engine/mf_kernel.h"
#include "engine/placement.h"
#include "util/rng.h"

#define CACHE_LINE 64
#define LOCK_STRIPES 4096
#define MIN_SYNC_EVERY 16
#define MIN_SYNCS 16
#define SYNC_MOVES 8            /* merge after a parameter's 8th move, about */

struct hw;

/* Per-thread state, one cache line apart: counters and RNG of neighbours
 * must not share a line. */
struct worker {
	struct hw *h;
	unsigned id;
	pthread_t thread;
	uint64_t len;               /* rows in the shard */
	uint32_t *order;            /* shard permutation, first touched by the worker */
	struct rng rng;
	struct lazy_reg reg;        /* view: shared stamps, own step estimate */
	struct lin_kernel lq;
	struct hot_buf hb;          /* views of the buffered features */
	uint32_t since_flush;
	struct mf_kernel mq;
	double loss_sum;
	uint64_t n;
	double bad_loss;            /* first non-finite loss seen, and where */
	uint64_t bad_at;
	int failed;
} __attribute__((aligned(CACHE_LINE)));

struct hw {
	struct train_ctx *c;
	int mf, locked;
	unsigned T, R;
	struct topo *topo;
	struct plan plan;
	pthread_barrier_t go, done, sync;
	uint32_t epoch;
	int quit;
	int stop;                   /* a worker diverged: the others skip steps */
	uint64_t sync_every, syncs; /* averaging points per epoch (R > 1) */
	uint64_t deal_seed;         /* rows go to shards by a hash of this and the
	                             * row (hw_shard_of), so each shard is a random
	                             * sample of the data even when the file is
	                             * sorted by class and one thread runs ahead (a
	                             * mutex that favours one thread does exactly
	                             * that), without a global permutation array */
	size_t plen;                /* floats in one copy of the parameters */
	int in_place;               /* R = 1: the workers update the model's own
	                             * arrays (pages interleaved across nodes), no
	                             * second copy */
	float **rep;                /* R > 1 copies: linear w; MF P|Q|bu|bi */
	float *base;                /* R > 1: the copies' value at the last merge */
	struct lazy_stamp *stamp;   /* linear: shared regularisation stamps */
	struct hot_set hot;         /* linear, T > 1: features stepped in views */
	int buffered;               /* hot.n > 0 */
	uint32_t flush_every;       /* samples per worker between flushes */
	float *Gu, *Gi;             /* MF AdaGrad accumulators, shared */
	pthread_mutex_t *locks;     /* locked: feature stripes (MF: users then items) */
	struct worker *w;
	int threads_started;
	int mem_warned;
};

/* ---- parameter copies ------------------------------------------------- */

static size_t hw_param_len(const dmlhog_model *m)
{
	if (m->task == DMLHOG_TASK_MF)
		return ((size_t)m->n_users + m->n_items) * (m->rank + 1);
	return ((size_t)m->n_features + (size_t)m->has_bias) * m->k;
}

/* Copy between the model's arrays and one packed copy (to = 1: into it). */
static void hw_pack(dmlhog_model *m, float *x, int to)
{
	size_t nu = (size_t)m->n_users * m->rank, ni = (size_t)m->n_items * m->rank;
	struct { float *p; size_t n; } part[4] = {
		{ m->P, nu }, { m->Q, ni }, { m->bu, m->n_users }, { m->bi, m->n_items },
	};
	if (m->task != DMLHOG_TASK_MF) {
		size_t n = hw_param_len(m) * sizeof(float);
		memcpy(to ? (void *)x : (void *)m->w, to ? (void *)m->w : (void *)x, n);
		return;
	}
	for (int i = 0; i < 4; i++, x += part[i - 1].n)
		memcpy(to ? (void *)x : (void *)part[i].p, to ? (void *)part[i].p : (void *)x,
		       part[i].n * sizeof(float));
}

/* Merge coordinates [lo, hi) of all copies: the value at the last merge
 * plus every copy's change since then, written back to each copy.  Summing
 * the changes (what a parameter server does with pushed updates) keeps the
 * step size of a serial run; plain averaging would divide it by the number
 * of copies.  Workers call it on disjoint slices between two barriers. */
static void hw_merge(struct hw *h, size_t lo, size_t hi)
{
	for (size_t j = lo; j < hi; j++) {
		float b = h->base[j], v = b;
		for (unsigned r = 0; r < h->R; r++)
			v += h->rep[r][j] - b;
		h->base[j] = v;
		for (unsigned r = 0; r < h->R; r++)
			h->rep[r][j] = v;
	}
}

/* Point the kernels of worker w at its replica. */
static void hw_point(struct hw *h, struct worker *w)
{
	dmlhog_model *m = h->c->model;
	if (h->in_place) {
		w->mq.P = m->P, w->mq.Q = m->Q, w->mq.bu = m->bu, w->mq.bi = m->bi;
		w->lq.w = m->w;
		return;
	}
	float *x = h->rep[h->plan.t[w->id].replica];
	if (h->mf) {
		size_t nu = (size_t)m->n_users * m->rank, ni = (size_t)m->n_items * m->rank;
		w->mq.P = x;
		w->mq.Q = x + nu;
		w->mq.bu = x + nu + ni;
		w->mq.bi = x + nu + ni + m->n_users;
	} else {
		w->lq.w = x;
	}
}

/* ---- the locked baseline ---------------------------------------------- */

static inline unsigned hw_stripe(const struct hw *h, uint32_t j)
{
	/* monotone in j, so ascending feature ids lock stripes in order */
	return (unsigned)((uint64_t)j * LOCK_STRIPES / ((uint64_t)h->c->model->n_features + 1));
}

static inline void hw_lock_op(pthread_mutex_t *m, int lock)
{
	if (lock)
		pthread_mutex_lock(m);
	else
		pthread_mutex_unlock(m);
}

/* Lock (lock = 1) or unlock every stripe row i touches, in stripe order. */
static void hw_lock_row(struct hw *h, uint64_t i, int lock)
{
	if (h->mf) {
		hw_lock_op(&h->locks[h->c->tt.user[i] % LOCK_STRIPES], lock);
		hw_lock_op(&h->locks[LOCK_STRIPES + h->c->tt.item[i] % LOCK_STRIPES], lock);
		return;
	}
	const uint32_t *cols;
	const float *vals;
	uint64_t n = dataset_row(h->c->train, i, &cols, &vals);
	unsigned last = UINT32_MAX, d = h->c->model->n_features;
	for (uint64_t p = 0; p < n && cols[p] < d; p++) {
		unsigned s = hw_stripe(h, cols[p]);
		if (s != last)
			hw_lock_op(&h->locks[s], lock);
		last = s;
	}
	unsigned sb = hw_stripe(h, d);     /* the bias row, always the last stripe */
	if (sb != last)
		hw_lock_op(&h->locks[sb], lock);
}

/* ---- workers ---------------------------------------------------------- */

static double hw_step(struct hw *h, struct worker *w, uint64_t i, double eta)
{
	if (h->mf)
		return h->locked ? mf_step(&w->mq, i, eta, 0) : mf_step(&w->mq, i, eta, 1);
	uint32_t k = w->lq.k;
	if (h->buffered)
		return k == 1 ? lin_step(&w->lq, i, eta, 1, KM_ATOMIC | KM_BUF)
		              : lin_step(&w->lq, i, eta, k, KM_ATOMIC | KM_BUF);
	if (h->locked)
		return k == 1 ? lin_step(&w->lq, i, eta, 1, 0) : lin_step(&w->lq, i, eta, k, 0);
	return k == 1 ? lin_step(&w->lq, i, eta, 1, 1) : lin_step(&w->lq, i, eta, k, 1);
}

/* Publish worker w's buffered steps (every flush_every samples, before
 * merges and at the end of an epoch). */
static void hw_flush_views(struct hw *h, struct worker *w)
{
	if (h->buffered) {
		lin_buf_flush(&w->lq);
		w->since_flush = 0;
	}
}

/* Both sides of an averaging point: every worker takes its slice. */
static void hw_sync_point(struct hw *h, struct worker *w)
{
	hw_flush_views(h, w);
	pthread_barrier_wait(&h->sync);
	hw_merge(h, h->plen * w->id / h->T, h->plen * (w->id + 1) / h->T);
	pthread_barrier_wait(&h->sync);
}

static void hw_run_epoch(struct hw *h, struct worker *w)
{
	struct train_ctx *c = h->c;
	uint32_t e = h->epoch;
	uint64_t len = w->len, n = c->train->n_rows, synced = 0;
	w->loss_sum = 0;
	w->n = 0;
	rng_shuffle_u32(&w->rng, w->order, len);
	for (uint64_t q = 0; q < len; q++) {
		/* this sample's place in a serial run: the step the lazy
		 * regulariser and the schedule see */
		uint64_t t = (uint64_t)e * n + q * h->T + w->id;
		if (h->mf) {        /* as the serial loops: rows, then their parameters */
			if (q + 2 < len)
				mf_prefetch_ids(&w->mq, w->order[q + 2]);
			if (q + 1 < len)
				mf_prefetch_rows(&w->mq, w->order[q + 1]);
		} else {
			if (q + 4 < len)
				lin_prefetch_extent(&w->lq, w->order[q + 4]);
			if (q + 2 < len)
				lin_prefetch_row(&w->lq, w->order[q + 2]);
			if (q + 1 < len)
				lin_prefetch_features(&w->lq, w->order[q + 1], w->lq.k);
		}
		if (!__atomic_load_n(&h->stop, __ATOMIC_RELAXED)) {
			double eta = schedule_lr(&c->sched, t, e);
			uint64_t i = w->order[q];
			w->reg.t = t;
			if (h->locked)
				hw_lock_row(h, i, 1);
			double loss = hw_step(h, w, i, eta);
			if (h->locked)
				hw_lock_row(h, i, 0);
			if (!isfinite(loss)) {
				w->failed = 1;
				w->bad_loss = loss;
				w->bad_at = q + 1;
				__atomic_store_n(&h->stop, 1, __ATOMIC_RELAXED);
			} else {
				w->loss_sum += loss;
				w->n++;
			}
			if (h->buffered && ++w->since_flush == h->flush_every)
				hw_flush_views(h, w);
		}
		if (synced < h->syncs && (q + 1) % h->sync_every == 0) {
			hw_sync_point(h, w);
			synced++;
		}
	}
	hw_flush_views(h, w);
}

/* The shard of row i: a seeded hash (splitmix64's finaliser) taken to
 * [0, T) by a multiply-shift. */
static unsigned hw_shard_of(const struct hw *h, uint64_t i)
{
	uint64_t x = h->deal_seed + i * 0x9e3779b97f4a7c15ULL;
	return (unsigned)(((unsigned __int128)rng_splitmix64(&x) * h->T) >> 64);
}

/* Every shard's length (hw_init, before the workers start: the sync
 * points per epoch depend on the shortest). */
static void hw_count_shards(struct hw *h)
{
	uint64_t n = h->c->train->n_rows;
	for (uint64_t i = 0; i < n; i++)
		h->w[hw_shard_of(h, i)].len++;
}

/* Worker w's rows, in row order (shuffled each epoch), in the worker's own
 * memory.  Returns -1 when out of memory. */
static int hw_deal_shard(struct hw *h, struct worker *w)
{
	uint64_t n = h->c->train->n_rows;
	if (!(w->order = malloc(w->len * sizeof *w->order + 1)))
		return -1;
	for (uint64_t i = 0, q = 0; i < n; i++)
		if (hw_shard_of(h, i) == w->id)
			w->order[q++] = (uint32_t)i;
	return 0;
}

static void *hw_worker(void *arg)
{
	struct worker *w = arg;
	struct hw *h = w->h;
	topo_bind_self(h->topo, &h->plan, w->id);
	/* allocated after binding, so first touch puts the pages on our node */
	if (hw_deal_shard(h, w) != 0 || (h->buffered && hot_buf_init(&w->hb, &h->hot) != 0))
		w->failed = 2;
	for (;;) {
		pthread_barrier_wait(&h->go);
		if (h->quit)
			break;
		if (w->failed != 2)
			hw_run_epoch(h, w);
		pthread_barrier_wait(&h->done);
	}
	return NULL;
}

/* ---- engine ops ------------------------------------------------------- */

static enum dmlhog_status hw_epoch(struct train_ctx *c, void *state, uint32_t e,
                                   struct epoch_stats *st, struct dmlhog_error *err)
{
	struct hw *h = state;
	h->epoch = e;
	pthread_barrier_wait(&h->go);
	pthread_barrier_wait(&h->done);
	c->t += c->train->n_rows;
	for (unsigned i = 0; i < h->T; i++) {
		struct worker *w = &h->w[i];
		if (w->failed == 2)
			return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (shard of thread %u)", i);
		if (w->failed)
			return dmlhog_error_set(err, DMLHOG_E_DIVERGED,
			        "training diverged at epoch %u, sample %llu of thread %u: loss is %g (lower --lr)",
			        e + 1, (unsigned long long)w->bad_at, i, w->bad_loss);
		st->loss_sum += w->loss_sum;
		st->n += w->n;
	}
	return DMLHOG_OK;
}

/* Between epochs (workers idle): average the copies, catch up the lazy
 * regulariser to the current step, and publish into the model. */
static void hw_flush(struct train_ctx *c, void *state)
{
	struct hw *h = state;
	if (h->R > 1)
		hw_merge(h, 0, h->plen);
	float *w0 = h->in_place ? c->model->w : h->rep[0];
	if (!h->mf && lazy_reg_active(&h->w[0].reg)) {
		struct lazy_reg r = h->w[0].reg;
		r.t = c->t;
		for (uint32_t j = 0; j < r.n; j++)
			lazy_catch_up(&r, j, w0 + (uint64_t)j * h->w[0].lq.k, h->w[0].lq.k);
		for (unsigned i = 1; i < h->R; i++)
			memcpy(h->rep[i], h->rep[0], h->plen * sizeof(float));
		if (h->base)
			memcpy(h->base, h->rep[0], h->plen * sizeof(float));
	}
	if (!h->in_place)
		hw_pack(c->model, h->rep[0], 0);
}

static void hw_fini(void *state)
{
	struct hw *h = state;
	if (!h)
		return;
	if (h->threads_started) {
		h->quit = 1;
		pthread_barrier_wait(&h->go);
		for (unsigned i = 0; i < h->T; i++)
			pthread_join(h->w[i].thread, NULL);
		pthread_barrier_destroy(&h->go);
		pthread_barrier_destroy(&h->done);
		pthread_barrier_destroy(&h->sync);
	}
	for (unsigned i = 0; h->w && i < h->T; i++) {
		free(h->w[i].order);
		free(h->w[i].lq.z);
		hot_buf_free(&h->w[i].hb);
	}
	for (unsigned r = 0; h->rep && r < h->R; r++)
		if (h->rep[r])
			topo_free(h->topo, h->rep[r], h->plen * sizeof(float) + 1);
	if (h->locks)
		for (unsigned i = 0; i < 2 * LOCK_STRIPES; i++)
			pthread_mutex_destroy(&h->locks[i]);
	free(h->locks);
	free(h->rep);
	free(h->base);
	free(h->stamp);
	hot_set_free(&h->hot);
	free(h->Gu);
	free(h->Gi);
	free(h->w);
	plan_free(&h->plan);
	topo_destroy(h->topo);
	free(h);
}

static enum dmlhog_status hw_plan(struct hw *h, const struct dmlhog_train_opts *o,
                                  struct dmlhog_error *err)
{
	enum topo_replicas rp = h->locked ? TOPO_REPLICAS_MACHINE : (enum topo_replicas)o->replicas;
	return engine_place(o, h->T, rp, &h->topo, &h->plan, err);
}

static void hw_warn_binding(struct hw *h)
{
	if (h->mem_warned && h->c->opts.notice)
		h->c->opts.notice(h->c->opts.notice_ctx,
		                  "warning: NUMA memory binding refused; replicas use default placement");
}

/* The copies of the parameters, placed as the plan says.  One shared copy
 * (R = 1) is the model itself, its pages interleaved; R > 1 copies are
 * allocated on their nodes (replicas node) or interleaved (replicas
 * thread), and merged into the model at the end. */
static enum dmlhog_status hw_alloc_copies(struct hw *h, struct dmlhog_error *err)
{
	dmlhog_model *m = h->c->model;
	h->R = h->plan.n_replicas;
	h->plen = hw_param_len(m);
	h->in_place = h->R == 1 && h->plan.replicas == TOPO_REPLICAS_MACHINE;
	if (h->in_place) {
		if (h->mf) {        /* the biases are small: left where they are */
			topo_interleave(h->topo, m->P, (size_t)m->n_users * m->rank * sizeof(float),
			                &h->mem_warned);
			topo_interleave(h->topo, m->Q, (size_t)m->n_items * m->rank * sizeof(float),
			                &h->mem_warned);
		} else {
			topo_interleave(h->topo, m->w, h->plen * sizeof(float), &h->mem_warned);
		}
		hw_warn_binding(h);
		return DMLHOG_OK;
	}
	h->rep = calloc(h->R, sizeof *h->rep);
	if (!h->rep)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (replicas)");
	size_t bytes = h->plen * sizeof(float) + 1;
	for (unsigned r = 0; r < h->R; r++) {
		h->rep[r] = h->plan.replicas == TOPO_REPLICAS_MACHINE
		          ? topo_alloc_interleaved(h->topo, bytes, &h->mem_warned)
		          : topo_alloc_node(h->topo, bytes, h->plan.replica_numa[r], &h->mem_warned);
		if (!h->rep[r])
			return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (replica %u, %zu bytes)",
			                        r, bytes);
		hw_pack(h->c->model, h->rep[r], 1);
	}
	if (h->R > 1) {
		if (!(h->base = malloc(bytes)))
			return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (%zu bytes)", bytes);
		hw_pack(h->c->model, h->base, 1);
	}
	hw_warn_binding(h);
	return DMLHOG_OK;
}

static enum dmlhog_status hw_alloc_shared(struct hw *h, struct dmlhog_error *err)
{
	const dmlhog_model *m = h->c->model;
	int adagrad = h->c->opts.schedule == DMLHOG_LR_ADAGRAD;
	if (h->locked) {
		h->locks = malloc(2 * LOCK_STRIPES * sizeof *h->locks);
		if (!h->locks)
			return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (locks)");
		for (unsigned i = 0; i < 2 * LOCK_STRIPES; i++)
			pthread_mutex_init(&h->locks[i], NULL);
	}
	if (h->mf) {
		if (adagrad) {
			h->Gu = calloc((size_t)m->n_users + 1, sizeof *h->Gu);
			h->Gi = calloc((size_t)m->n_items + 1, sizeof *h->Gi);
			if (!h->Gu || !h->Gi)
				return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (AdaGrad)");
		}
		return DMLHOG_OK;
	}
	/* per-feature stamps for every schedule; AdaGrad's G lives in them */
	h->stamp = malloc(((size_t)m->n_features + 1) * sizeof *h->stamp);
	if (!h->stamp)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (%u features)", m->n_features);
	for (uint32_t j = 0; j <= m->n_features; j++)
		h->stamp[j] = lazy_stamp_initial(1, h->c->opts.lr);
	return DMLHOG_OK;
}

static enum dmlhog_status hw_init_worker(struct hw *h, unsigned i, struct dmlhog_error *err)
{
	struct train_ctx *c = h->c;
	struct worker *w = &h->w[i];
	w->h = h;
	w->id = i;
	rng_seed(&w->rng, c->opts.seed, 100 + i);
	/* every engine regularises from per-feature stamps (lazy_reg.h) */
	w->reg = (struct lazy_reg){ .l1 = c->opts.l1, .l2 = c->opts.l2, .per_feature_rate = 1,
	                            .P = 1, .n = c->model->n_features, .stamp = h->stamp };
	if (h->mf) {
		if (mf_kernel_init(&w->mq, c, NULL, NULL, NULL, NULL) != 0)
			return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory");
		free(w->mq.Gu);
		free(w->mq.Gi);
		w->mq.Gu = h->Gu;
		w->mq.Gi = h->Gi;
	} else {
		w->lq = (struct lin_kernel){ .data = c->train, .tt = &c->tt, .reg = &w->reg,
		                             .d = c->model->n_features, .k = c->model->k,
		                             .has_bias = c->model->has_bias,
		                             .adagrad = c->opts.schedule == DMLHOG_LR_ADAGRAD,
		                             .loss = c->opts.loss };
		w->lq.hs = &h->hot;
		w->lq.hb = &w->hb;
		w->lq.z = calloc(2 * (size_t)c->model->k, sizeof *w->lq.z);
		if (!w->lq.z)
			return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory");
	}
	hw_point(h, w);
	return DMLHOG_OK;
}

/* Linear models with one weight per feature whose copies have two or more
 * lock-free writers buffer their hot features (hot_buffer.h) unless
 * --hot-params off; a notice says how many.  With k weights a feature (one
 * row per class) a step does k multiply-adds per line it writes, so line
 * traffic matters less (Fashion-MNIST, 10 classes: 2 threads ran 2.1-2.3x
 * one without views), while views delay every weight of a dense model (it
 * cost Fashion-MNIST 0.1-0.3 points): those stay in place. */
static enum dmlhog_status hw_choose_hot(struct hw *h, struct dmlhog_error *err)
{
	struct train_ctx *c = h->c;
	const dmlhog_model *m = c->model;
	/* a copy of its own (replicas thread) has no other writer */
	if (h->mf || h->locked || h->T <= h->R || m->k > 1 || c->opts.hot_params < 0)
		return DMLHOG_OK;
	if (hot_set_build(&h->hot, c->train, m->n_features, m->k, m->has_bias) != 0)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (hot features)");
	h->buffered = h->hot.n > 0;
	h->flush_every = hot_flush_every(h->T);
	if (h->buffered && c->opts.notice) {
		char msg[200];
		snprintf(msg, sizeof msg, "hogwild: %u hot parameters (%sthe features in 1/%d of the "
		         "samples or more) stepped in per-thread views, flushed every %u samples",
		         h->hot.n, m->has_bias ? "the bias and " : "", HOT_SHARE_DIV, h->flush_every);
		c->opts.notice(c->opts.notice_ctx, msg);
	}
	return DMLHOG_OK;
}

static void hw_plan_syncs(struct hw *h)
{
	uint64_t shortest = UINT64_MAX;
	for (unsigned i = 0; i < h->T; i++)
		shortest = h->w[i].len < shortest ? h->w[i].len : shortest;
	h->sync_every = h->c->opts.sync_every;
	if (!h->sync_every) {
		/* Copies drift apart by the steps they take between merges, and
		 * what counts is how often each parameter moves meanwhile: one
		 * in a fraction f of the samples moves f x sync_every times in
		 * each copy.  Merging after about SYNC_MOVES moves keeps a dense
		 * model (Fashion-MNIST: a pixel in half the rows, so every 16
		 * samples) at the serial run's accuracy with two copies, where
		 * merging every 64 lost 0.4 points and every 1,875 up to 20.  A
		 * wide sparse model would merge less than once an epoch: at
		 * least MIN_SYNCS merges per epoch keep its copies together. */
		const dmlhog_dataset *d = h->c->train;
		const dmlhog_model *m = h->c->model;
		double f = h->mf ? 2.0 / ((double)m->n_users + m->n_items + 1)
		                 : (double)d->nnz / ((double)(d->n_rows ? d->n_rows : 1) *
		                                     (m->n_features ? m->n_features : 1));
		uint64_t most = shortest / MIN_SYNCS;
		h->sync_every = f > 0 && SYNC_MOVES / f < (double)most ? (uint64_t)(SYNC_MOVES / f)
		                                                       : most;
		if (h->sync_every < MIN_SYNC_EVERY)
			h->sync_every = MIN_SYNC_EVERY;
	}
	/* the same count for every thread, or the barrier would wait forever */
	h->syncs = h->R > 1 ? shortest / h->sync_every : 0;
}

static enum dmlhog_status hw_start(struct hw *h, struct dmlhog_error *err)
{
	if (pthread_barrier_init(&h->go, NULL, h->T + 1) || pthread_barrier_init(&h->done, NULL, h->T + 1) ||
	    pthread_barrier_init(&h->sync, NULL, h->T))
		return dmlhog_error_set(err, DMLHOG_E_FAILURE, "cannot create barriers");
	for (unsigned i = 0; i < h->T; i++) {
		int e = pthread_create(&h->w[i].thread, NULL, hw_worker, &h->w[i]);
		if (e) {
			/* the barrier counts T threads: without all of them, stop here */
			return dmlhog_error_set(err, DMLHOG_E_FAILURE, "cannot start thread %u: %s", i,
			                        strerror(e));
		}
	}
	h->threads_started = 1;
	return DMLHOG_OK;
}

static enum dmlhog_status hw_init(struct train_ctx *c, void **state, int locked,
                                  struct dmlhog_error *err)
{
	struct hw *h = calloc(1, sizeof *h);
	enum dmlhog_status s;
	if (!h)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (engine state)");
	*state = h;
	h->c = c;
	h->mf = c->model->task == DMLHOG_TASK_MF;
	h->locked = locked;
	h->T = c->opts.threads > 0 ? (unsigned)c->opts.threads : 1;
	if (h->mf)
		mf_init_model(c);
	if ((s = hw_plan(h, &c->opts, err)) != DMLHOG_OK ||
	    (s = hw_alloc_copies(h, err)) != DMLHOG_OK ||
	    (s = hw_alloc_shared(h, err)) != DMLHOG_OK ||
	    (s = hw_choose_hot(h, err)) != DMLHOG_OK)
		return s;
	struct rng g;
	rng_seed(&g, c->opts.seed, 3);
	h->deal_seed = rng_next(&g);
	h->w = aligned_alloc(CACHE_LINE, h->T * sizeof *h->w);
	if (!h->w)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (workers)");
	memset(h->w, 0, h->T * sizeof *h->w);
	for (unsigned i = 0; i < h->T; i++)
		if ((s = hw_init_worker(h, i, err)) != DMLHOG_OK)
			return s;
	hw_count_shards(h);
	hw_plan_syncs(h);
	return hw_start(h, err);
}

static enum dmlhog_status hogwild_init(struct train_ctx *c, void **state, struct dmlhog_error *err)
{
	return hw_init(c, state, 0, err);
}

static enum dmlhog_status locked_init(struct train_ctx *c, void **state, struct dmlhog_error *err)
{
	return hw_init(c, state, 1, err);
}

const struct engine_ops hogwild_ops = {
	.name = "hogwild",
	.init = hogwild_init,
	.epoch = hw_epoch,
	.flush = hw_flush,
	.fini = hw_fini,
};

const struct engine_ops locked_ops = {
	.name = "locked",
	.init = locked_init,
	.epoch = hw_epoch,
	.flush = hw_flush,
	.fini = hw_fini,
};

/* train.c: the training driver shared by every engine.
 *
 * It resolves defaults, turns labels into targets, builds the model, runs
 * the engine epoch by epoch, evaluates on holdout and test data after each
 * epoch, and decides when to stop (epochs, early stop, time limit,
 * divergence).  The engine only runs samples.
 */
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "data/idmap.h"
#include "engine/engine.h"
#include "util/clock.h"
#include "util/notice.h"

/* Defaults, and why (also in dmlhog-train(1)):
 * - L2 = 1/n for linear models is LIBLINEAR's default C = 1 (C = 1/(n l2)),
 *   so a first run solves the problem users compare us against.
 * - AdaGrad adapts each feature's step to its gradient scale, so one base
 *   rate serves binary indicators, pixels and unit-length tf-idf alike.
 * - MF follows the per-rating SGD that LIBMF and Funk use, with LIBMF's
 *   default L2 of 0.1 on the rows a rating touches. */
#define DEFAULT_LINEAR_EPOCHS 10
#define DEFAULT_LINEAR_LR 0.1
#define DEFAULT_MF_EPOCHS 30
#define DEFAULT_MF_LR 0.01
#define DEFAULT_MF_L2 0.1
#define DEFAULT_MF_RANK 32
#define DEFAULT_DECAY 0.9
#define MAX_AUTO_CLASSES 1000

void dmlhog_train_opts_init(struct dmlhog_train_opts *o)
{
	memset(o, 0, sizeof *o);
	o->l2 = -1;
	o->l2_item = -1;
	o->decay = DEFAULT_DECAY;
	o->bias = 1;
	o->threads = 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Distinct label values of d, ascending; NULL on OOM. */
static double *labels_distinct(const dmlhog_dataset *d, uint32_t *count, uint32_t cap)
{
	double *v = malloc(d->n_rows * sizeof *v + 1);
	uint64_t u = 0;
	if (!v)
		return NULL;
	memcpy(v, d->label, d->n_rows * sizeof *v);
	qsort(v, d->n_rows, sizeof *v, cmp_double);
	for (uint64_t i = 0; i < d->n_rows; i++)
		if (!u || v[i] != v[u - 1])
			v[u++] = v[i];
	*count = u > cap ? cap + 1 : (uint32_t)u;
	return v;
}

static int labels_integral(const double *v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (v[i] != floor(v[i]))
			return 0;
	return 1;
}

#define notice(o, ...) notice_send((o)->notice, (o)->notice_ctx, __VA_ARGS__)

/* Pick the task from the data when AUTO, and check loss/task pairs. */
static enum dmlhog_status resolve_task(struct dmlhog_train_opts *o, const dmlhog_dataset *d,
                                       const double *labels, uint32_t nl,
                                       struct dmlhog_error *err)
{
	if (d->format == DMLHOG_FORMAT_TRIPLET) {
		if (o->task != DMLHOG_TASK_AUTO && o->task != DMLHOG_TASK_MF)
			return dmlhog_error_set(err, DMLHOG_E_USAGE,
			        "--task=%s needs svmlight data; rating triplets train --task=mf",
			        dmlhog_task_name(o->task));
		o->task = DMLHOG_TASK_MF;
	} else if (o->task == DMLHOG_TASK_MF) {
		return dmlhog_error_set(err, DMLHOG_E_USAGE,
		        "--task=mf needs 'user item rating' triplets (--format=triplet)");
	} else if (o->task == DMLHOG_TASK_AUTO) {
		if (nl == 2)
			o->task = DMLHOG_TASK_BINARY;
		else if (nl > 2 && nl <= MAX_AUTO_CLASSES && labels_integral(labels, nl))
			o->task = DMLHOG_TASK_MULTICLASS;
		else
			o->task = DMLHOG_TASK_REGRESSION;
		notice(o, "task %s (auto: %s%u distinct labels; --task to override)",
		       dmlhog_task_name(o->task), nl > MAX_AUTO_CLASSES ? "more than " : "",
		       nl > MAX_AUTO_CLASSES ? MAX_AUTO_CLASSES : nl);
	}
	int regression = o->task == DMLHOG_TASK_REGRESSION || o->task == DMLHOG_TASK_MF;
	if (o->loss == DMLHOG_LOSS_AUTO)
		o->loss = regression ? DMLHOG_LOSS_SQUARED : DMLHOG_LOSS_LOGISTIC;
	if (regression != (o->loss == DMLHOG_LOSS_SQUARED))
		return dmlhog_error_set(err, DMLHOG_E_USAGE, "--loss=%s does not fit --task=%s",
		                        dmlhog_loss_name(o->loss), dmlhog_task_name(o->task));
	if (o->task == DMLHOG_TASK_BINARY && nl != 2)
		return dmlhog_error_set(err, DMLHOG_E_DATA,
		        "%s: binary task needs exactly 2 distinct labels, found %u",
		        "training data", nl);
	if (o->task == DMLHOG_TASK_MULTICLASS && (nl < 2 || nl > MAX_AUTO_CLASSES))
		return dmlhog_error_set(err, DMLHOG_E_DATA,
		        "multiclass task needs 2 to %d distinct labels, found %s%u",
		        MAX_AUTO_CLASSES, nl > MAX_AUTO_CLASSES ? "more than " : "",
		        nl > MAX_AUTO_CLASSES ? MAX_AUTO_CLASSES : nl);
	return DMLHOG_OK;
}

static void resolve_defaults(struct dmlhog_train_opts *o, uint64_t n)
{
	int mf = o->task == DMLHOG_TASK_MF;
	if (o->l2 < 0)
		o->l2 = mf ? DEFAULT_MF_L2 : 1.0 / (double)(n ? n : 1);
	if (o->l2_item < 0)
		o->l2_item = o->l2;
	if (o->schedule == DMLHOG_LR_AUTO)
		o->schedule = mf ? DMLHOG_LR_CONST : DMLHOG_LR_ADAGRAD;
	if (o->lr <= 0 && o->schedule == DMLHOG_LR_OPTIMAL && o->l2 > 0)
		o->lr = schedule_optimal_eta0(o->loss, o->l2);
	if (o->lr <= 0)
		o->lr = mf ? DEFAULT_MF_LR : DEFAULT_LINEAR_LR;
	if (o->epochs == 0)
		o->epochs = mf ? DEFAULT_MF_EPOCHS : DEFAULT_LINEAR_EPOCHS;
	if (mf && o->rank == 0)
		o->rank = DEFAULT_MF_RANK;
	if (o->decay <= 0 || o->decay > 1)
		o->decay = DEFAULT_DECAY;
	if (o->engine == DMLHOG_ENGINE_SERIAL || o->threads < 1)
		o->threads = 1;
}

/* Options that only some engines honour are errors elsewhere, not
 * silently ignored. */
static enum dmlhog_status check_engine_opts(const struct dmlhog_train_opts *o,
                                            struct dmlhog_error *err)
{
	int cyclades = o->engine == DMLHOG_ENGINE_CYCLADES;
	const char *name = dmlhog_engine_name(o->engine);
	int hogwild = o->engine == DMLHOG_ENGINE_HOGWILD;
	if (!cyclades && o->batch_size)
		return dmlhog_error_set(err, DMLHOG_E_USAGE,
		        "--batch-size applies to --engine cyclades, not %s", name);
	if (!cyclades && o->hot_params && !(hogwild && o->hot_params < 0))
		return dmlhog_error_set(err, DMLHOG_E_USAGE, hogwild
		        ? "--hot-params: --engine hogwild takes auto or off (a threshold is for cyclades)"
		        : "--hot-params applies to --engine cyclades and hogwild, not %s", name);
	if (cyclades && o->replicas != DMLHOG_REPLICAS_MACHINE)
		return dmlhog_error_set(err, DMLHOG_E_USAGE,
		        "--engine cyclades keeps one copy of the model: --replicas must be machine");
	if (o->deterministic && !cyclades && o->engine != DMLHOG_ENGINE_SERIAL)
		return dmlhog_error_set(err, DMLHOG_E_USAGE,
		        "--deterministic: --engine %s cannot promise the same bits for any thread "
		        "count; use --engine cyclades (or serial)", name);
	return DMLHOG_OK;
}

/* The 1 / (lambda t) rule is a rate for an L2-regularised (strongly
 * convex) linear objective; it has nothing to divide by without one. */
static enum dmlhog_status check_schedule(const struct dmlhog_train_opts *o,
                                         struct dmlhog_error *err)
{
	if (o->schedule != DMLHOG_LR_OPTIMAL)
		return DMLHOG_OK;
	if (o->task == DMLHOG_TASK_MF)
		return dmlhog_error_set(err, DMLHOG_E_USAGE,
		        "--lr-schedule optimal is for linear models; use const or decay for mf");
	if (!(o->l2 > 0))
		return dmlhog_error_set(err, DMLHOG_E_USAGE,
		        "--lr-schedule optimal needs --l2 > 0 (its rate is 1 / (l2 (t0 + t)))");
	return DMLHOG_OK;
}

static void targets_free(struct targets *t)
{
	free(t->y_own);
	free(t->cls);
	free(t->user_map);
	free(t->item_map);
	memset(t, 0, sizeof *t);
}

/* One column (users or items) of d as the model numbers it: d's own
 * indices, and a table from them to the model's unless they are the
 * model's already (the training set).  Returns -1 when out of memory. */
static int mf_column(const dmlhog_model *m, const dmlhog_dataset *d, int items,
                     const uint32_t **local, uint32_t **map)
{
	int identity;
	uint32_t *x = model_mf_indices(m, items, items ? d->item_id : d->user_id,
	                               items ? d->n_items : d->n_users, &identity);
	if (!x)
		return -1;
	*local = items ? d->item : d->user;
	if (identity)
		free(x);
	else
		*map = x;
	return 0;
}

static int mf_targets(const dmlhog_model *m, const dmlhog_dataset *d, struct targets *t)
{
	return mf_column(m, d, 0, &t->user, &t->user_map) != 0 ||
	       mf_column(m, d, 1, &t->item, &t->item_map) != 0 ? -1 : 0;
}

/* Targets of data set d as model m sees them (labels -> +-1 or class
 * index; MF ids -> dense indices, IDMAP_NONE when unseen). */
static enum dmlhog_status targets_make(const dmlhog_model *m, const dmlhog_dataset *d,
                                       struct targets *t, struct dmlhog_error *err)
{
	uint64_t n = d->n_rows;
	memset(t, 0, sizeof *t);
	t->n = n;
	/* ratings and regression targets are the labels as read: no copy */
	if (m->task == DMLHOG_TASK_MF || m->task == DMLHOG_TASK_REGRESSION)
		t->y = d->label;
	if (m->task == DMLHOG_TASK_BINARY && !(t->y = t->y_own = malloc(n * sizeof *t->y + 1)))
		goto nomem;
	if (m->task == DMLHOG_TASK_MF) {
		if (mf_targets(m, d, t) != 0)
			goto nomem;
	} else if (m->task == DMLHOG_TASK_MULTICLASS) {
		if (!(t->cls = malloc(n * sizeof *t->cls + 1)))
			goto nomem;
		for (uint64_t i = 0; i < n; i++) {
			const double *hit = bsearch(&d->label[i], m->labels, m->n_labels,
			                            sizeof *m->labels, cmp_double);
			t->cls[i] = hit ? (uint32_t)(hit - m->labels) : UINT32_MAX;
		}
	} else if (m->task == DMLHOG_TASK_BINARY) {
		double neg = m->labels[0], pos = m->labels[1], mid = (neg + pos) / 2;
		for (uint64_t i = 0; i < n; i++) {
			double l = d->label[i];
			/* a label of neither class (0/1 test file for a +-1 model)
			 * goes to the nearer one */
			t->y_own[i] = l == pos ? 1 : l == neg ? -1 : l > mid ? 1 : -1;
		}
	}
	return DMLHOG_OK;
nomem:
	targets_free(t);
	return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (targets of %llu rows)",
	                        (unsigned long long)n);
}

/* The model numbers users and items as the training set does. */
static dmlhog_model *model_for_mf(const struct dmlhog_train_opts *o, const dmlhog_dataset *d)
{
	struct idmap *users = idmap_from_ids(d->user_id, d->n_users);
	struct idmap *items = idmap_from_ids(d->item_id, d->n_items);
	dmlhog_model *m = users && items ? model_alloc_mf(o->rank, d->n_users, d->n_items) : NULL;
	if (!m) {
		idmap_destroy(users);
		idmap_destroy(items);
		return NULL;
	}
	double sum = 0;
	for (uint64_t i = 0; i < d->n_rows; i++)
		sum += d->label[i];
	m->users = users;
	m->items = items;
	m->mu = d->n_rows ? sum / (double)d->n_rows : 0;
	return m;
}

static dmlhog_model *model_for(const struct dmlhog_train_opts *o, const dmlhog_dataset *d,
                               double *labels, uint32_t nl)
{
	dmlhog_model *m;
	if (o->task == DMLHOG_TASK_MF) {
		m = model_for_mf(o, d);
	} else {
		uint32_t nf = o->n_features ? o->n_features : d->n_cols;
		uint32_t k = o->task == DMLHOG_TASK_MULTICLASS ? nl : 1;
		uint32_t nlab = o->task == DMLHOG_TASK_REGRESSION ? 0 : nl;
		m = model_alloc_linear(nf, k, o->bias, nlab);
		if (m && nlab)
			memcpy(m->labels, labels, nlab * sizeof *labels);
		if (m)
			m->index_base = d->index_base;
	}
	if (!m)
		return NULL;
	m->task = o->task;
	m->loss = o->loss;
	m->seed = o->seed;
	m->n_train = d->n_rows;
	m->opts = *o;
	m->opts.progress = NULL;
	m->opts.progress_ctx = NULL;
	m->opts.notice = NULL;
	m->opts.notice_ctx = NULL;
	m->opts.binding = NULL;
	m->opts.binding_ctx = NULL;
	m->opts.topology = NULL;      /* the caller's string: not ours to keep */
	return m;
}

struct eval_set {
	const dmlhog_dataset *d;
	struct targets t;
};

/* The training part of epoch e's report: everything but the metrics. */
static void report_train(struct train_ctx *c, uint32_t e, const struct epoch_stats *st,
                         double t0, struct dmlhog_epoch_report *r)
{
	memset(r, 0, sizeof *r);
	r->epoch = e + 1;
	r->examples = c->t;
	r->wall_s = clock_now() - t0;
	r->lr = schedule_lr(&c->sched, c->t, e);
	double mean = st->n ? st->loss_sum / (double)st->n : NAN;
	r->train_loss = c->model->task == DMLHOG_TASK_MF ? mean / 2 : mean;
	r->train_rmse = c->model->task == DMLHOG_TASK_MF ? sqrt(mean) : NAN;
	r->batch = st->batch;
	r->objective = NAN;
	if (c->model->task == DMLHOG_TASK_MF)
		r->objective = mean * (double)st->n / 2;   /* LIBMF's obj, loss part */
}

/* The metrics part: model m on the holdout and test sets. */
static void report_eval(const dmlhog_model *m, const struct eval_set *hold,
                        const struct eval_set *test, struct dmlhog_epoch_report *r)
{
	if (hold->d) {
		r->has_holdout = 1;
		eval_targets(m, hold->d, &hold->t, &r->holdout);
	}
	if (test->d) {
		r->has_test = 1;
		eval_targets(m, test->d, &test->t, &r->test);
	}
}

/* Early stopping's memory across epochs. */
struct stop_watch {
	double best;
	uint32_t since_best;
};

/* Hand epoch report r to the caller and keep the early-stopping count;
 * returns 1 when training stops after r's epoch. */
static int deliver_report(const struct dmlhog_train_opts *o, struct stop_watch *sw,
                          struct dmlhog_epoch_report *r)
{
	if (r->has_holdout && r->holdout.loss < sw->best - o->min_delta) {
		sw->best = r->holdout.loss;
		r->best = 1;
		sw->since_best = 0;
	} else {
		sw->since_best++;
	}
	if (o->progress)
		o->progress(o->progress_ctx, r);
	if (o->early_stop && r->has_holdout && sw->since_best >= o->early_stop) {
		notice(o, "early stop after epoch %u: no holdout improvement for %u epochs",
		       r->epoch, o->early_stop);
		return 1;
	}
	return 0;
}

/* Evaluating an epoch's model can take as long as an epoch (a large test
 * set), and the workers would wait for it at the epoch barrier.  When the
 * process has PUs its workers leave free, the trainer copies the model
 * after epoch e and evaluates the copy there, on a thread of its own with
 * an OpenMP team as large as the free PUs, while the engine runs epoch
 * e + 1; epoch e is reported when both are done.  An early stop decided on
 * epoch e puts epoch e's copy back, so the model is the one a run stopped
 * there has.  When the workers take every PU, a concurrent evaluation
 * would only take turns with them (measured: slower), so it runs between
 * epochs on all the PUs, as do the last epoch's and the one a
 * --time-limit stops after. */
struct eval_job {
	dmlhog_model *snap;
	const struct eval_set *hold, *test;
	struct dmlhog_epoch_report r;
	int team;                   /* OpenMP threads: the free PUs */
	pthread_t thread;
	int running;
};

static void *eval_job_run(void *arg)
{
	struct eval_job *j = arg;
	omp_set_num_threads(j->team);      /* this thread's own setting */
	report_eval(j->snap, j->hold, j->test, &j->r);
	return NULL;
}

/* PUs of the process's mask that no worker runs on. */
static int free_pus(const struct dmlhog_train_opts *o)
{
	int workers = o->threads > 0 ? o->threads : 1;
	return omp_get_num_procs() - workers;
}

/* Start evaluating a copy of m for report r; 0 when the job could not
 * start (no memory, no thread): evaluate in place then. */
static int eval_job_start(struct eval_job *j, const dmlhog_model *m,
                          const struct dmlhog_epoch_report *r)
{
	if (j->snap)
		model_params_copy(j->snap, m);
	else if (!(j->snap = model_snapshot(m)))
		return 0;
	j->r = *r;
	j->running = pthread_create(&j->thread, NULL, eval_job_run, j) == 0;
	return j->running;
}

static void eval_job_wait(struct eval_job *j)
{
	if (j->running)
		pthread_join(j->thread, NULL);
	j->running = 0;
}

static enum dmlhog_status run_epochs(struct train_ctx *c, const struct engine_ops *ops,
                                     void *state, struct eval_set *hold, struct eval_set *test,
                                     struct dmlhog_error *err)
{
	const struct dmlhog_train_opts *o = &c->opts;
	double t0 = clock_now();
	struct stop_watch sw = { INFINITY, 0 };
	struct eval_job job = { .hold = hold, .test = test, .team = free_pus(o) };
	int aside = (hold->d || test->d) && job.team > 0;
	enum dmlhog_status s = DMLHOG_OK;
	for (uint32_t e = 0; e < o->epochs; e++) {
		struct epoch_stats st;
		memset(&st, 0, sizeof st);
		s = ops->epoch(c, state, e, &st, err);
		ops->flush(c, state);
		c->model->epochs_done = e + (s == DMLHOG_OK);
		if (job.running) {          /* epoch e - 1, evaluated meanwhile */
			eval_job_wait(&job);
			if (deliver_report(o, &sw, &job.r)) {
				model_params_copy(c->model, job.snap);
				c->model->epochs_done = e;
				s = DMLHOG_OK;
				break;
			}
		}
		if (s != DMLHOG_OK)
			break;
		struct dmlhog_epoch_report r;
		report_train(c, e, &st, t0, &r);
		int last = e + 1 == o->epochs;
		int timed_out = o->time_limit_s > 0 && clock_now() - t0 >= o->time_limit_s && !last;
		if (aside && !last && !timed_out && eval_job_start(&job, c->model, &r))
			continue;
		report_eval(c->model, hold, test, &r);
		if (deliver_report(o, &sw, &r))
			break;
		if (timed_out) {
			s = dmlhog_error_set(err, DMLHOG_E_TIMELIMIT,
			        "stopped by --time-limit=%g after epoch %u of %u",
			        o->time_limit_s, e + 1, o->epochs);
			break;
		}
	}
	eval_job_wait(&job);
	model_snapshot_free(job.snap);
	return s;
}

static const struct {
	const char *name;
	const struct engine_ops *linear, *mf;
} engines[] = {
	[DMLHOG_ENGINE_SERIAL] = { "serial", &serial_linear_ops, &serial_mf_ops },
	[DMLHOG_ENGINE_HOGWILD] = { "hogwild", &hogwild_ops, &hogwild_ops },
	[DMLHOG_ENGINE_LOCKED] = { "locked", &locked_ops, &locked_ops },
	[DMLHOG_ENGINE_CYCLADES] = { "cyclades", &cyclades_ops, &cyclades_ops },
};

const char *dmlhog_engine_name(enum dmlhog_engine e)
{
	return (unsigned)e < sizeof engines / sizeof *engines ? engines[e].name : "unknown";
}

int dmlhog_engine_parse(const char *s)
{
	for (unsigned e = 0; e < sizeof engines / sizeof *engines; e++)
		if (strcmp(s, engines[e].name) == 0)
			return (int)e;
	return -1;
}

static const struct engine_ops *engine_for(const struct dmlhog_train_opts *o)
{
	return o->task == DMLHOG_TASK_MF ? engines[o->engine].mf : engines[o->engine].linear;
}

enum dmlhog_status dmlhog_train(const dmlhog_dataset *train, const dmlhog_dataset *holdout,
                                const dmlhog_dataset *test,
                                const struct dmlhog_train_opts *opts,
                                dmlhog_model **out, struct dmlhog_error *err)
{
	struct train_ctx c;
	struct eval_set hold = { holdout, { 0 } }, tst = { test, { 0 } };
	uint32_t nl = 0;
	double *labels = NULL;
	void *state = NULL;
	enum dmlhog_status s;

	*out = NULL;
	memset(&c, 0, sizeof c);
	c.opts = *opts;
	c.train = train;
	if (!train->n_rows)
		return dmlhog_error_set(err, DMLHOG_E_DATA, "training data has no rows");
	/* row orders are 32-bit: half the memory of the permutations */
	if (train->n_rows > UINT32_MAX)
		return dmlhog_error_set(err, DMLHOG_E_DATA,
		        "training data has %llu rows; at most %u can be trained on at once",
		        (unsigned long long)train->n_rows, UINT32_MAX);
	if (train->format != DMLHOG_FORMAT_TRIPLET &&
	    !(labels = labels_distinct(train, &nl, MAX_AUTO_CLASSES)))
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (labels)");
	if ((s = check_engine_opts(&c.opts, err)) != DMLHOG_OK ||
	    (s = resolve_task(&c.opts, train, labels, nl, err)) != DMLHOG_OK)
		goto out;
	resolve_defaults(&c.opts, train->n_rows);
	if ((s = check_schedule(&c.opts, err)) != DMLHOG_OK)
		goto out;
	c.sched = schedule_make(&c.opts, train->n_rows);
	if (!(c.model = model_for(&c.opts, train, labels, nl))) {
		s = dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory (model)");
		goto out;
	}
	if ((s = targets_make(c.model, train, &c.tt, err)) != DMLHOG_OK ||
	    (holdout && (s = targets_make(c.model, holdout, &hold.t, err)) != DMLHOG_OK) ||
	    (test && (s = targets_make(c.model, test, &tst.t, err)) != DMLHOG_OK))
		goto out;
	if (c.tt.user_map || c.tt.item_map) {   /* engines read tt.user[i] as the model's */
		s = dmlhog_error_set(err, DMLHOG_E_INTERNAL, "training users or items numbered unlike the model");
		goto out;
	}
	const struct engine_ops *ops = engine_for(&c.opts);
	if ((s = ops->init(&c, &state, err)) == DMLHOG_OK)
		s = run_epochs(&c, ops, state, &hold, &tst, err);
	ops->fini(state);
out:
	free(labels);
	targets_free(&c.tt);
	targets_free(&hold.t);
	targets_free(&tst.t);
	if (s == DMLHOG_OK || s == DMLHOG_E_TIMELIMIT || s == DMLHOG_E_DIVERGED)
		*out = c.model;
	else
		dmlhog_model_destroy(c.model);
	return s;
}

enum dmlhog_status dmlhog_evaluate(const dmlhog_model *m, const dmlhog_dataset *d,
                                   struct dmlhog_metrics *out, struct dmlhog_error *err)
{
	struct targets t;
	int mf = m->task == DMLHOG_TASK_MF;
	if (mf != (d->format == DMLHOG_FORMAT_TRIPLET))
		return dmlhog_error_set(err, DMLHOG_E_USAGE, "a %s model cannot evaluate %s data",
		                        dmlhog_task_name(m->task), mf ? "svmlight" : "triplet");
	enum dmlhog_status s = targets_make(m, d, &t, err);
	if (s != DMLHOG_OK)
		return s;
	eval_targets(m, d, &t, out);
	targets_free(&t);
	return DMLHOG_OK;
}

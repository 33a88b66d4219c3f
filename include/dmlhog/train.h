/* dmlhog/train.h: training options, metrics and the training entry point. */
#ifndef DMLHOG_TRAIN_H
#define DMLHOG_TRAIN_H

#include <stdint.h>
#include "dmlhog/status.h"
#include "dmlhog/dataset.h"
#include "dmlhog/model.h"

enum dmlhog_schedule {
	DMLHOG_LR_AUTO = 0,      /* adagrad for linear models, const+decay for MF */
	DMLHOG_LR_CONST,         /* eta */
	DMLHOG_LR_INVSQRT,       /* eta / sqrt(1 + t / n)  (t in samples, n rows) */
	DMLHOG_LR_DECAY,         /* eta * gamma^epoch (Hogwild!'s beta) */
	DMLHOG_LR_ADAGRAD,       /* eta / sqrt(eps + sum g^2), per coordinate */
	DMLHOG_LR_OPTIMAL,       /* 1 / (l2 (t0 + t)), t0 = 1 / (eta l2): Bottou's rule */
};

const char *dmlhog_schedule_name(enum dmlhog_schedule s);
int dmlhog_schedule_parse(const char *s);        /* -1 if unknown */

enum dmlhog_engine {
	DMLHOG_ENGINE_SERIAL = 0,    /* one thread: the reference */
	DMLHOG_ENGINE_HOGWILD,       /* pinned threads, lock-free shared updates */
	DMLHOG_ENGINE_LOCKED,        /* pinned threads, striped locks (baseline) */
	DMLHOG_ENGINE_CYCLADES,      /* pinned threads, conflict-free batches */
};

const char *dmlhog_engine_name(enum dmlhog_engine e);
int dmlhog_engine_parse(const char *s);          /* -1 if unknown */

/* Thread placement (see dmlhog-binding(7)); values match src/topo/topo.h. */
enum dmlhog_bind {
	DMLHOG_BIND_AUTO = 0, DMLHOG_BIND_INHERIT, DMLHOG_BIND_COMPACT,
	DMLHOG_BIND_SPREAD, DMLHOG_BIND_NUMA, DMLHOG_BIND_NONE,
};
enum dmlhog_replicas {
	DMLHOG_REPLICAS_MACHINE = 0,  /* one shared model, pages interleaved */
	DMLHOG_REPLICAS_NODE,         /* one per NUMA node, averaged every sync_every */
	DMLHOG_REPLICAS_THREAD,       /* one per thread, averaged every sync_every */
};

struct dmlhog_metrics {
	uint64_t n;              /* rows evaluated */
	double loss;             /* mean of the training loss (log loss, hinge, squared/2) */
	double logloss;          /* classification: mean log loss of the predicted
	                          * probabilities (sigmoid/softmax of the scores); NaN else */
	double accuracy;         /* classification: fraction correct; NaN else */
	double auc;              /* binary only; NaN else */
	double rmse, mae;        /* regression and MF; NaN else */
};

/* How a batching engine (cyclades) split an epoch; batches = 0 for the
 * others. */
struct dmlhog_batch_stats {
	uint64_t batches;
	uint32_t batch_size;
	uint32_t hot_threshold;  /* a parameter in more samples of a batch is hot;
	                          * UINT32_MAX: exclusion off */
	double components;       /* mean components per batch */
	double largest;          /* mean share of a batch in its largest component */
	double hot;              /* mean hot parameters per batch */
	double plan_share;       /* share of the workers' time spent planning */
};

/* One report per epoch, handed to the progress callback. */
struct dmlhog_epoch_report {
	uint32_t epoch;          /* 1-based */
	uint64_t examples;       /* samples processed so far */
	double wall_s;
	double lr;               /* current base step size */
	double train_loss;       /* progressive (mean over this epoch's samples, before update) */
	double train_rmse;       /* MF: progressive RMSE */
	int has_holdout;
	struct dmlhog_metrics holdout;   /* holdout if given, else the test set */
	int has_test;
	struct dmlhog_metrics test;
	int best;                /* holdout improved this epoch */
	double objective;        /* MF: training loss + regulariser (LIBMF's obj) */
	struct dmlhog_batch_stats batch;
};

typedef void (*dmlhog_progress_fn)(void *ctx, const struct dmlhog_epoch_report *r);

struct dmlhog_train_opts {
	enum dmlhog_task task;           /* AUTO: from the labels / format */
	enum dmlhog_loss loss;           /* AUTO: logistic, or squared for regression/MF */
	enum dmlhog_engine engine;
	double l1;                       /* default 0 */
	double l2;                       /* < 0: auto, 1/n (LIBLINEAR's C = 1); MF: 0.1 */
	double l2_item;                  /* MF only: L2 on Q (< 0: same as l2) */
	enum dmlhog_schedule schedule;
	double lr;                       /* <= 0: default for the schedule */
	double decay;                    /* DECAY's gamma (default 0.9) */
	uint32_t epochs;                 /* 0: default (linear 10, MF 30) */
	uint32_t rank;                   /* MF rank, default 32 */
	int bias;                        /* 1 (default): unregularised bias */
	uint32_t n_features;             /* 0: from the data; else fixed width */
	uint64_t seed;                   /* default 0 */
	double time_limit_s;             /* 0: none */
	uint32_t early_stop;             /* patience in epochs on holdout loss; 0 off */
	double min_delta;                /* improvement that counts for early stop */
	int threads;                     /* workers of hogwild/locked (>= 1) */
	enum dmlhog_bind bind;
	enum dmlhog_replicas replicas;
	uint64_t sync_every;             /* replicas node/thread: samples per thread
	                                  * between averagings; 0: default */
	int no_smt;                      /* one thread per core */
	uint32_t batch_size;             /* cyclades: samples per batch; 0: from the data */
	int hot_params;                  /* cyclades: 0 auto, -1 off, > 0 the threshold */
	int deterministic;               /* promise the same bits for any thread count */
	const char *topology;            /* NULL: this machine; else synthetic or .xml */
	dmlhog_notice_fn binding;        /* receives one line per thread of the plan */
	void *binding_ctx;
	dmlhog_progress_fn progress;
	void *progress_ctx;
	dmlhog_notice_fn notice;
	void *notice_ctx;
};

void dmlhog_train_opts_init(struct dmlhog_train_opts *o);

/* Train on train; holdout (may be NULL) steers early stopping and the
 * "best" mark; test (may be NULL) is only reported.  For MF, holdout/test
 * ids are mapped through train's id maps.  On E_DIVERGED or E_TIMELIMIT
 * *out may still hold the last good model (the caller decides to save). */
enum dmlhog_status dmlhog_train(const dmlhog_dataset *train, const dmlhog_dataset *holdout,
                                const dmlhog_dataset *test,
                                const struct dmlhog_train_opts *opts,
                                dmlhog_model **out, struct dmlhog_error *err);

/* Metrics of model m on d (labels as read). */
enum dmlhog_status dmlhog_evaluate(const dmlhog_model *m, const dmlhog_dataset *d,
                                   struct dmlhog_metrics *out, struct dmlhog_error *err);

#endif

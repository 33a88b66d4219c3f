/* engine.h: what every engine implements, and the training context the
 * driver (train.c) shares with them.  Engines differ only in who runs which
 * sample when and which copy of the parameters it touches; the epoch loop,
 * evaluation, early stopping and reporting live in train.c. */
#ifndef DMLHOG_ENGINE_ENGINE_H
#define DMLHOG_ENGINE_ENGINE_H

#include "dmlhog/train.h"
#include "data/dataset.h"
#include "model/model.h"
#include "opt/schedule.h"

/* Rows of a data set as the kernels consume them: binary targets in
 * {-1, +1}, class indices, regression targets, or dense MF ids. */
struct targets {
	uint64_t n;
	const double *y;    /* binary +-1, regression target, or rating: the data
	                     * set's own labels where they are that already */
	double *y_own;      /* y when it had to be made (binary), else NULL */
	uint32_t *cls;      /* multiclass: class index, UINT32_MAX if unknown */
	/* MF: the data set's users and items; the model's index of user u is
	 * user_map[u] (IDMAP_NONE if unseen), or u itself when user_map is NULL
	 * (always so for the training set: the model numbers users as it does) */
	const uint32_t *user, *item;
	uint32_t *user_map, *item_map;
};

static inline uint32_t targets_user(const struct targets *t, uint64_t i)
{
	return t->user_map ? t->user_map[t->user[i]] : t->user[i];
}

static inline uint32_t targets_item(const struct targets *t, uint64_t i)
{
	return t->item_map ? t->item_map[t->item[i]] : t->item[i];
}

struct train_ctx {
	struct dmlhog_train_opts opts;      /* resolved: no AUTO left */
	const dmlhog_dataset *train;
	struct targets tt;                  /* train targets */
	dmlhog_model *model;
	struct schedule sched;
	uint64_t t;                         /* samples processed over all epochs */
};

struct epoch_stats {
	double loss_sum;                    /* progressive loss, summed */
	uint64_t n;
	struct dmlhog_batch_stats batch;    /* batching engines only */
};

struct engine_ops {
	const char *name;
	enum dmlhog_status (*init)(struct train_ctx *c, void **state, struct dmlhog_error *err);
	/* Run epoch e (0-based); a non-finite loss returns E_DIVERGED. */
	enum dmlhog_status (*epoch)(struct train_ctx *c, void *state, uint32_t e,
	                            struct epoch_stats *st, struct dmlhog_error *err);
	/* Make c->model current (lazy regularisation caught up). */
	void (*flush)(struct train_ctx *c, void *state);
	void (*fini)(void *state);
};

extern const struct engine_ops serial_linear_ops;
extern const struct engine_ops serial_mf_ops;
extern const struct engine_ops hogwild_ops;     /* linear and MF */
extern const struct engine_ops locked_ops;      /* linear and MF */
extern const struct engine_ops cyclades_ops;    /* linear and MF */

/* Small random factors for a new MF model (serial_mf.c). */
void mf_init_model(struct train_ctx *c);

/* metrics of the model on a data set whose targets are already mapped */
void eval_targets(const dmlhog_model *m, const dmlhog_dataset *d, const struct targets *t,
                  struct dmlhog_metrics *out);

#endif

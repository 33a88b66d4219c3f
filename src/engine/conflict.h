/* conflict.h: the conflict graph of one Cyclades batch (Pan et al. 2016).
 *
 * Two samples of a batch conflict when they touch a common parameter.
 * The connected components of that graph can run on different threads
 * without locks, each component in batch order, and the result equals a
 * serial run over the batch.  Components come from union-find over
 * parameter ids: every sample unites the parameters it touches, and a
 * sample's component is the root of its first parameter.
 *
 * A parameter that more than `tau` samples of the batch touch (the bias, a
 * stop word, a blockbuster film) would glue most of the batch into one
 * component.  Such hot parameters are left out of the graph: the plan
 * lists, for each, the batch positions that touch it, so that the engine
 * can replay their updates in batch order after the batch.
 *
 * The plan depends on the batch alone, never on the thread count, except
 * for which thread runs which component; that is what makes the engine's
 * result the same for any number of threads.
 */
#ifndef DMLHOG_ENGINE_CONFLICT_H
#define DMLHOG_ENGINE_CONFLICT_H

#include <stddef.h>
#include <stdint.h>
#include "data/dataset.h"

#define CONFLICT_NO_TAU UINT32_MAX     /* tau that excludes nothing */
#define BATCH_RUN_HOT 0x80000000u      /* flag in batch_plan.run */

/* Where a sample's parameters come from: a linear row's columns below d
 * (then the bias, parameter d), or a rating's user u and item n_users + i. */
struct conflict_src {
	const dmlhog_dataset *data;     /* linear */
	uint32_t d;
	int has_bias;
	const uint32_t *user, *item;    /* MF (data unused) */
	uint32_t n_users;
	uint32_t n_params;              /* d + 1, or users + items */
};

/* What a batch of B samples (positions 0..B-1) needs to run. */
struct batch_plan {
	uint32_t size;
	unsigned threads;
	uint32_t *run;          /* positions, by thread, ascending within each;
	                         * BATCH_RUN_HOT set when the sample touches a
	                         * hot parameter */
	uint32_t *run_off;      /* threads + 1 offsets into run */
	uint32_t n_hot;
	uint32_t *hot_id;       /* the hot parameters, in order of first use */
	uint32_t *hot_off;      /* n_hot + 1 offsets into hot_pos / hot_x */
	uint32_t *hot_pos;      /* batch positions touching each, ascending */
	float *hot_x;           /* linear: the feature's value in that sample */
	uint32_t *hot_rows;     /* positions touching a hot parameter, ascending */
	uint32_t n_hot_rows;
	uint32_t n_comp;        /* components (hot parameters excluded) */
	uint32_t largest;       /* samples in the largest component */
	size_t cap_size, cap_hot, cap_ent;
};

struct conflict_node { uint32_t parent, deg, label; };
struct conflict_slot { uint32_t key, val, gen; };

/* Per-thread scratch: the batch's parameters under local ids (a hash
 * table from parameter ids; nodes of the union-find per local id) and
 * per-batch arrays. */
struct conflict_scratch {
	uint32_t n_params;
	struct conflict_slot *slot;     /* slot_mask + 1 entries */
	uint32_t slot_mask, slot_shift, gen;
	struct conflict_node *node;     /* per local id */
	uint32_t *glob;                 /* per local id: the parameter */
	uint32_t nloc;
	uint32_t *ids;          /* one sample's parameters */
	float *xs;
	size_t cap_row;
	uint32_t *bid;          /* the batch's parameters, sample after sample */
	float *bx;
	size_t *bstart;         /* B + 1 offsets into bid / bx */
	size_t cap_gather, cap_bx;
	uint32_t *comp;         /* per position: component */
	uint64_t *weight;       /* per component: work (nnz) */
	uint32_t *count;        /* per component: samples */
	unsigned *owner;        /* per component: thread */
	size_t cap_batch;
};

int conflict_scratch_init(struct conflict_scratch *s, uint32_t n_params);
void conflict_scratch_free(struct conflict_scratch *s);
void batch_plan_free(struct batch_plan *p);

/* Plan the batch rows[0..B) for T threads; tau = CONFLICT_NO_TAU keeps
 * every parameter in the graph.  Returns -1 on OOM. */
int conflict_plan(struct conflict_scratch *s, const struct conflict_src *src,
                  const uint32_t *rows, uint32_t B, uint32_t tau, unsigned T,
                  struct batch_plan *out);

/* The rule for the default batch size and hot threshold, from n samples
 * of k classes (linear) or rank k (MF): see conflict.c.  Returns the batch
 * size; *tau the hot threshold, *cyclades_bound n / (2 Delta). */
uint32_t conflict_default_batch(const struct conflict_src *src, uint64_t n, uint32_t k,
                                uint32_t *tau, double *cyclades_bound);

#endif

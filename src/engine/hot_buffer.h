/* hot_buffer.h: Hogwild! workers' private views of the hottest parameters.
 *
 * On power-law data a few features (and the bias) sit in most samples.
 * Under plain Hogwild! every worker writes their weights and accumulators
 * on nearly every step, and the cache lines holding them move from core to
 * core on every write: a write to a line the other core wrote last costs
 * about 17 ns on our 2-core VM (same socket; more across sockets), against
 * about 1 ns for a line of its own (figures with views: hot_flush_every).
 *
 * So each worker keeps the features seen in at least one sample in
 * HOT_SHARE_DIV (and the bias) in a private buffer.  It reads and steps its
 * own view of such a feature (the shared value when first touched after a
 * flush, plus its own steps since), and every hot_flush_every(T) samples
 * adds what it changed to the shared values, with compare-and-swap adds so
 * that two workers' flushes never lose each other's.  The other workers'
 * steps reach a view at most one flush late: the delay of a small
 * mini-batch, on parameters whose gradients average over many samples
 * anyway.  The shared lines are then written once a flush instead of once
 * a sample.
 */
#ifndef DMLHOG_ENGINE_HOT_BUFFER_H
#define DMLHOG_ENGINE_HOT_BUFFER_H

#include <stdint.h>
#include "data/dataset.h"

#define HOT_SHARE_DIV 16        /* buffered: in >= 1 sample of this many */
#define HOT_DELAY 128           /* samples of the other workers a view may
                                 * miss, about: see hot_flush_every */
#define HOT_MAX_FLOATS 65536    /* at most this many buffered weights */

/* Samples a worker of T runs between two flushes: HOT_DELAY / T, within
 * 8..64, so that a view misses about HOT_DELAY samples of the others
 * whatever T is.  A flush costs a compare-and-swap per stepped feature
 * and the others then reload the line, so longer is faster: on a9a and
 * w8a, two threads against one ran 1.46x and 1.25x flushing every 16
 * samples, 2.01x and 1.91x every 64, 2.33x and 2.17x every 256 (1.02x
 * and 1.62x without views; medians of 5 interleaved runs).  But
 * Fashion-MNIST, all of whose 784 pixels are hot, lost 3.6 points with 4
 * threads flushing every 256 samples; with 2 threads every 64 and 4 every
 * 32 it keeps the serial accuracy (84.55-84.66 %, serial 84.59 %). */
static inline uint32_t hot_flush_every(unsigned threads)
{
	uint32_t f = HOT_DELAY / (threads ? threads : 1);
	return f < 8 ? 8 : f > 64 ? 64 : f;
}

/* Which parameters are buffered: chosen once from the training data, read
 * only while training. */
struct hot_set {
	uint32_t n;                 /* buffered features, the bias included */
	uint32_t k;                 /* weights per feature */
	uint64_t *bits;             /* bit j set: feature j (d: the bias) buffered */
	uint32_t *slot;             /* slot of a buffered feature */
	uint32_t *feature;          /* feature of a slot */
};

/* One worker's buffer. */
struct hot_buf {
	float *view, *snap;         /* n x k: this worker's values, and as loaded */
	float *G, *Gsnap;           /* AdaGrad accumulator: view, and as loaded */
	float *rate;                /* the rate of the slot's last step */
	uint32_t *gen;              /* 2 x generation loaded in, + 1 once stepped */
	uint32_t *dirty;            /* slots stepped since the last flush */
	uint32_t n_dirty;
	uint32_t cur;               /* flush generation, from 1 */
};

/* Choose the buffered features of a linear model with d features, k
 * weights each, from how many rows of data hold them; the bias (j = d)
 * is always buffered when the model has one.  Returns -1 when out of
 * memory; hs->n == 0 when nothing is hot. */
int hot_set_build(struct hot_set *hs, const dmlhog_dataset *data, uint32_t d, uint32_t k,
                  int has_bias);
void hot_set_free(struct hot_set *hs);

static inline int hot_set_has(const struct hot_set *hs, uint32_t j)
{
	return (int)(hs->bits[j >> 6] >> (j & 63) & 1);
}

/* A worker's empty buffer for hs; -1 when out of memory. */
int hot_buf_init(struct hot_buf *b, const struct hot_set *hs);
void hot_buf_free(struct hot_buf *b);

/* Slot s holds no view of this generation: load it before use. */
static inline int hot_buf_stale(const struct hot_buf *b, uint32_t s)
{
	return b->gen[s] >> 1 != b->cur;
}

/* Mark slot s stepped (listed for the next flush). */
static inline void hot_buf_touch(struct hot_buf *b, uint32_t s)
{
	if (!(b->gen[s] & 1)) {
		b->gen[s] |= 1;
		b->dirty[b->n_dirty++] = s;
	}
}

/* After a flush: every view is stale. */
void hot_buf_next_gen(struct hot_buf *b, uint32_t n);

#endif

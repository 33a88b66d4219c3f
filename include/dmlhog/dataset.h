/* dmlhog/dataset.h: reading svmlight/libsvm and rating-triplet data.
 *
 * A dataset is an immutable CSR matrix (row offsets, 0-based uint32 feature
 * ids, float values) with one double label per row, or a list of
 * (user, item, rating) triplets.  Readers are strict: the first bad line
 * stops the read with file:line:col and the offending token, unless
 * skip_bad_lines allows some.
 */
#ifndef DMLHOG_DATASET_H
#define DMLHOG_DATASET_H

#include <stddef.h>
#include <stdint.h>
#include "dmlhog/status.h"

enum dmlhog_format {
	DMLHOG_FORMAT_AUTO = 0,
	DMLHOG_FORMAT_SVMLIGHT,
	DMLHOG_FORMAT_TRIPLET,
};

/* Messages the library wants a user to see (index base decision, qid:
 * ignored, lines skipped, cache rebuilt).  NULL: dropped. */
typedef void (*dmlhog_notice_fn)(void *ctx, const char *msg);

struct dmlhog_read_opts {
	enum dmlhog_format format;   /* AUTO: by content (see dmlhog-data(5)) */
	int index_base;              /* -1 auto, 0 or 1 */
	uint64_t skip_bad_lines;     /* 0: strict; else skip up to N bad lines */
	int threads;                 /* parser threads; 0 = all of the process mask */
	dmlhog_notice_fn notice;
	void *notice_ctx;
};

void dmlhog_read_opts_init(struct dmlhog_read_opts *o);

typedef struct dmlhog_dataset dmlhog_dataset;

/* Read path ("-" = stdin; .gz and .xz are decompressed).  On success *out
 * owns a new dataset, freed with dmlhog_dataset_destroy. */
enum dmlhog_status dmlhog_dataset_read(const char *path,
                                       const struct dmlhog_read_opts *opts,
                                       dmlhog_dataset **out,
                                       struct dmlhog_error *err);

void dmlhog_dataset_destroy(dmlhog_dataset *d);

enum dmlhog_format dmlhog_dataset_format(const dmlhog_dataset *d);
uint64_t dmlhog_dataset_rows(const dmlhog_dataset *d);
uint64_t dmlhog_dataset_nnz(const dmlhog_dataset *d);
uint32_t dmlhog_dataset_features(const dmlhog_dataset *d);

/* Binary cache: CSR or triplets with a validated header.  save writes
 * atomically (temp file, fsync, rename).  load refuses a corrupt file
 * (E_CORRUPT); with src_path set, a cache whose recorded source size/mtime
 * or parse options differ is reported stale (E_CORRUPT, msg says "stale"). */
enum dmlhog_status dmlhog_cache_save(const dmlhog_dataset *d, const char *src_path,
                                     const struct dmlhog_read_opts *opts,
                                     const char *cache_path, struct dmlhog_error *err);
enum dmlhog_status dmlhog_cache_load(const char *cache_path, const char *src_path,
                                     const struct dmlhog_read_opts *opts,
                                     dmlhog_dataset **out, struct dmlhog_error *err);

/* Read through a cache: use cache_path when it is valid for src_path, else
 * parse src_path and (re)write the cache, saying why through opts->notice. */
enum dmlhog_status dmlhog_dataset_read_cached(const char *src_path, const char *cache_path,
                                              const struct dmlhog_read_opts *opts,
                                              int force_rebuild,
                                              dmlhog_dataset **out,
                                              struct dmlhog_error *err);

#endif

/* dmlhog/model.h: trained models, their file format, prediction.
 *
 * A linear model holds K weight rows (K = 1 for binary and regression, the
 * number of classes for multiclass) over n_features features plus an
 * optional bias.  A factorisation model holds user and item factors and
 * biases and the maps from the original ids.  Model files have a readable
 * text header and a checksummed binary payload (dmlhog-model(5)); they are
 * written atomically.
 */
#ifndef DMLHOG_MODEL_H
#define DMLHOG_MODEL_H

#include <stdint.h>
#include <stdio.h>
#include "dmlhog/status.h"
#include "dmlhog/dataset.h"

enum dmlhog_task {
	DMLHOG_TASK_AUTO = 0,
	DMLHOG_TASK_BINARY,
	DMLHOG_TASK_MULTICLASS,
	DMLHOG_TASK_REGRESSION,
	DMLHOG_TASK_MF,
};

enum dmlhog_loss {
	DMLHOG_LOSS_AUTO = 0,
	DMLHOG_LOSS_LOGISTIC,    /* binary logistic; multiclass: softmax cross-entropy */
	DMLHOG_LOSS_HINGE,       /* binary hinge; multiclass: one-vs-rest hinge */
	DMLHOG_LOSS_SQHINGE,     /* squared hinge (binary, one-vs-rest) */
	DMLHOG_LOSS_SQUARED,     /* squared error (regression, factorisation) */
};

const char *dmlhog_task_name(enum dmlhog_task t);
const char *dmlhog_loss_name(enum dmlhog_loss l);
/* Parse names as the CLI and model header write them; -1 if unknown. */
int dmlhog_task_parse(const char *s);
int dmlhog_loss_parse(const char *s);

typedef struct dmlhog_model dmlhog_model;

void dmlhog_model_destroy(dmlhog_model *m);

/* Write atomically: temp file in the same directory, fsync, rename.  On
 * failure an existing file at path is left untouched. */
enum dmlhog_status dmlhog_model_save(const dmlhog_model *m, const char *path,
                                     struct dmlhog_error *err);
/* Read and verify (magic, version, sizes, checksum). */
enum dmlhog_status dmlhog_model_load(const char *path, dmlhog_model **out,
                                     struct dmlhog_error *err);
/* Print the readable header (as stored) and a short parameter summary. */
void dmlhog_model_describe(const dmlhog_model *m, FILE *out);

enum dmlhog_task dmlhog_model_task(const dmlhog_model *m);

/* Predictions for every row of d.  out: n_rows values.  Binary: the
 * original positive/negative label (or P(positive) with proba); multiclass:
 * the original class label (or with proba, probs must hold n_rows*K values
 * and out still gets labels); regression and MF: the predicted value. */
enum dmlhog_status dmlhog_model_predict(const dmlhog_model *m, const dmlhog_dataset *d,
                                        double *out, double *probs,
                                        struct dmlhog_error *err);
uint32_t dmlhog_model_classes(const dmlhog_model *m);   /* K for multiclass, 2 binary, 0 else */
double dmlhog_model_class_label(const dmlhog_model *m, uint32_t k);

#endif

/* metrics.h: evaluation metrics (pure functions over predictions). */
#ifndef DMLHOG_REPORT_METRICS_H
#define DMLHOG_REPORT_METRICS_H

#include <stdint.h>

/* Area under the ROC curve of scores against binary targets (y > 0 is
 * positive), ties counted half; NaN when one class is absent.  Sorts a
 * private copy: O(n log n). */
double metrics_auc(const double *score, const double *y, uint64_t n);

#endif

/* dmlhog/dmlhog.h: the whole public API. */
#ifndef DMLHOG_DMLHOG_H
#define DMLHOG_DMLHOG_H
#include "dmlhog/status.h"
#include "dmlhog/dataset.h"
#include "dmlhog/model.h"
#include "dmlhog/train.h"
const char *dmlhog_version(void);
#endif

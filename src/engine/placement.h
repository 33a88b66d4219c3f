/* placement.h: the placement plan of a threaded engine (topo/), made
 * from the training options and reported as the user asked. */
#ifndef DMLHOG_ENGINE_PLACEMENT_H
#define DMLHOG_ENGINE_PLACEMENT_H

#include "dmlhog/train.h"
#include "topo/topo.h"

/* Load the topology the options name and plan T threads with the given
 * replica policy; tells the user when the plan is only simulated and
 * hands one line per thread to o->binding. */
enum dmlhog_status engine_place(const struct dmlhog_train_opts *o, unsigned T,
                                enum topo_replicas replicas, struct topo **topo,
                                struct plan *plan, struct dmlhog_error *err);

#endif

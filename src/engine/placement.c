/* placement.c: see placement.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/placement.h"

/* Tell the caller where every thread runs (--show-binding, the log). */
static void report_plan(const struct plan *p, const struct dmlhog_train_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	if (!o->binding || !(f = open_memstream(&buf, &len)))
		return;
	plan_print(p, f);
	fclose(f);
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		o->binding(o->binding_ctx, line);
	free(buf);
}

enum dmlhog_status engine_place(const struct dmlhog_train_opts *o, unsigned T,
                                enum topo_replicas replicas, struct topo **topo,
                                struct plan *plan, struct dmlhog_error *err)
{
	enum dmlhog_status s = topo_load(o->topology, topo, err);
	if (s != DMLHOG_OK)
		return s;
	s = plan_make(*topo, T, (enum topo_bind)o->bind, replicas, o->no_smt, plan, err);
	if (s != DMLHOG_OK)
		return s;
	if (plan->simulated && o->notice)
		o->notice(o->notice_ctx, "plan only (simulated topology): threads are not bound");
	report_plan(plan, o);
	return DMLHOG_OK;
}

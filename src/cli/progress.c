/* progress.c: progress table, notices and JSON Lines events (progress.h). */
#include <math.h>
#include <string.h>
#include <time.h>
#include "cli/progress.h"

void progress_init(struct progress *p, int table, int quiet, FILE *log)
{
	memset(p, 0, sizeof *p);
	p->table = table;
	p->quiet = quiet;
	p->log = log;
}

void log_event_begin(struct kvlist *l, const char *event)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	l->n = 0;
	kv_int(l, "schema", 1);
	kv_str(l, "event", event);
	kv_num(l, "time", (double)ts.tv_sec + 1e-3 * (double)(ts.tv_nsec / 1000000));
}

void log_event_write(FILE *log, const struct kvlist *l)
{
	if (!log)
		return;
	kv_print_json(log, l);
	fputc('\n', log);
	fflush(log);
}

/* A column value, or "-" where there is none. */
static void cell(const char *fmt, int width, int have, double v)
{
	if (have && isfinite(v))
		fprintf(stderr, fmt, width, v);
	else
		fprintf(stderr, "%*s", width, "-");
}

static void row_linear(const struct progress *p, const struct dmlhog_epoch_report *r)
{
	double dt = r->wall_s > 0 ? r->wall_s : NAN;
	if (!p->header_done)
		fprintf(stderr, "%5s %10s %8s %10s %9s %11s %12s %11s %8s %4s\n", "epoch",
		        "examples", "wall_s", "ex/s", "lr", "train_loss", "holdout_loss",
		        "holdout_acc", "test_acc", "best");
	fprintf(stderr, "%5u %10llu", r->epoch, (unsigned long long)r->examples);
	cell(" %*.2f", 8, 1, r->wall_s);
	cell(" %*.0f", 10, 1, (double)r->examples / dt);
	cell(" %*.3g", 9, 1, r->lr);
	cell(" %*.6f", 11, 1, r->train_loss);
	cell(" %*.6f", 12, p->has_holdout && r->has_holdout, r->holdout.loss);
	cell(" %*.4f", 11, p->has_holdout && r->has_holdout, r->holdout.accuracy);
	cell(" %*.4f", 8, r->has_test, r->test.accuracy);
	fputs(p->has_holdout && r->best ? "    *\n" : "\n", stderr);
}

static void row_mf(const struct progress *p, const struct dmlhog_epoch_report *r)
{
	/* va_rmse: the holdout set, else the test set (as LIBMF's -p). */
	int va = p->has_holdout ? r->has_holdout : r->has_test;
	double va_rmse = p->has_holdout ? r->holdout.rmse : r->test.rmse;
	if (!p->header_done)
		fprintf(stderr, "%4s %8s %10s %10s %12s\n", "iter", "wall_s", "tr_rmse",
		        "va_rmse", "obj");
	fprintf(stderr, "%4u", r->epoch);
	cell(" %*.2f", 8, 1, r->wall_s);
	cell(" %*.4f", 10, 1, r->train_rmse);
	cell(" %*.4f", 10, va, va_rmse);
	cell(" %*.4e", 12, 1, r->objective);
	fputc('\n', stderr);
}

static void metrics_kv(struct kvlist *l, const struct dmlhog_metrics *m)
{
	kv_uint(l, "n", m->n);
	kv_num(l, "loss", m->loss);
	kv_num(l, "accuracy", m->accuracy);
	kv_num(l, "auc", m->auc);
	kv_num(l, "rmse", m->rmse);
	kv_num(l, "mae", m->mae);
}

/* How a batching engine split the epoch (cyclades). */
static void batch_kv(struct kvlist *l, const struct dmlhog_batch_stats *b)
{
	kv_uint(l, "batches", b->batches);
	kv_uint(l, "batch_size", b->batch_size);
	if (b->hot_threshold == UINT32_MAX)
		kv_null(l, "hot_threshold");
	else
		kv_uint(l, "hot_threshold", b->hot_threshold);
	kv_num(l, "components", b->components);
	kv_num(l, "largest_share", b->largest);
	kv_num(l, "hot_params", b->hot);
	kv_num(l, "plan_share", b->plan_share);
}

static void log_epoch(const struct progress *p, const struct dmlhog_epoch_report *r)
{
	struct kvlist l, ho, te, ba;
	log_event_begin(&l, "epoch");
	kv_uint(&l, "epoch", r->epoch);
	kv_uint(&l, "examples", r->examples);
	kv_num(&l, "wall_s", r->wall_s);
	kv_num(&l, "lr", r->lr);
	kv_num(&l, p->mf ? "train_rmse" : "train_loss", p->mf ? r->train_rmse : r->train_loss);
	if (p->mf)
		kv_num(&l, "objective", r->objective);
	ho.n = te.n = 0;
	if (p->has_holdout && r->has_holdout) {
		metrics_kv(&ho, &r->holdout);
		kv_obj(&l, "holdout", &ho);
	} else {
		kv_null(&l, "holdout");
	}
	if (r->has_test) {
		metrics_kv(&te, &r->test);
		kv_obj(&l, "test", &te);
	} else {
		kv_null(&l, "test");
	}
	kv_bool(&l, "best", p->has_holdout && r->best);
	if (r->batch.batches) {
		ba.n = 0;
		batch_kv(&ba, &r->batch);
		kv_obj(&l, "batch", &ba);
	}
	log_event_write(p->log, &l);
}

void progress_epoch(void *ctx, const struct dmlhog_epoch_report *r)
{
	struct progress *p = ctx;
	p->reports++;
	p->last = *r;
	if (p->has_holdout && r->best)
		p->best_epoch = r->epoch;
	if (p->table) {
		if (p->mf)
			row_mf(p, r);
		else
			row_linear(p, r);
		p->header_done = 1;
	}
	log_epoch(p, r);
}

void progress_notice(void *ctx, const char *msg)
{
	struct progress *p = ctx;
	struct kvlist l;
	if (!p->quiet)
		cli_msg("%s", msg);
	log_event_begin(&l, "notice");
	kv_str(&l, "msg", msg);
	log_event_write(p->log, &l);
}

void progress_binding(void *ctx, const char *line)
{
	struct progress *p = ctx;
	struct kvlist l;
	if (p->show_binding)
		cli_msg("%s", line);
	log_event_begin(&l, "binding");
	kv_str(&l, "thread", line);
	log_event_write(p->log, &l);
}

/* progress.h: what a training run reports while it runs: the progress
 * table on stderr, library notices, and JSON Lines events for --log. */
#ifndef DMLHOG_CLI_PROGRESS_H
#define DMLHOG_CLI_PROGRESS_H

#include <stdio.h>
#include "cli/cli.h"

struct progress {
	int table;               /* print the table on stderr */
	int quiet;               /* drop notices */
	int mf;                  /* factorisation columns */
	int has_holdout;         /* the user gave a holdout set */
	int has_test;
	FILE *log;               /* JSON Lines, or NULL */
	int show_binding;        /* print the plan's lines on stderr */
	int header_done;
	uint32_t reports;
	uint32_t best_epoch;     /* 0: none yet */
	struct dmlhog_epoch_report last;
};

void progress_init(struct progress *p, int table, int quiet, FILE *log);
/* dmlhog_progress_fn */
void progress_epoch(void *p, const struct dmlhog_epoch_report *r);
/* dmlhog_notice_fn: stderr (unless quiet) and a "notice" event. */
void progress_notice(void *p, const char *msg);

/* dmlhog_notice_fn for the placement plan: one line per worker thread, on
 * stderr with --show-binding, and always as a "binding" event. */
void progress_binding(void *p, const char *line);

/* Start an event: {"schema": 1, "event": name, "time": unix seconds}. */
void log_event_begin(struct kvlist *l, const char *event);
/* Write the event as one line (no-op without a log). */
void log_event_write(FILE *log, const struct kvlist *l);

#endif

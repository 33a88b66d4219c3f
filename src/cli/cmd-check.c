/* cmd-check.c: `dmlhog check [options] DATA`: validate a whole file, as
 * svm-checkdata does, and print its statistics.  Every bad line is counted;
 * the first CHECK_SHOW are shown with file:line:col. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "data/dataset.h"

#define CHECK_SHOW 20

static void check_help(void)
{
	fputs(
"usage: dmlhog check [options] DATA\n"
"Read all of DATA, report every bad line (the first 20 are shown with\n"
"file:line:col, then a count) and print statistics: rows, nnz, features,\n"
"index base and label counts (svmlight), or distinct users and items and the\n"
"rating range (triplets).  DATA '-' is stdin.\n"
"\n"
"      --summary S         text|json (default text: key = value lines)\n"
"      --format F          auto|svmlight|triplet (default auto: by content)\n"
"      --index-base B      auto|0|1 (default auto; the decision is printed)\n"
"  -T, --threads N|auto    parser threads\n"
"  -q, --quiet             no notices (bad lines are still reported)\n"
"  -h, --help              show this help\n"
"\n"
"Exit status: 0 clean, 65 one or more bad lines, 64 usage, 66 missing input.\n",
	      stdout);
}

enum { OPT_SUMMARY = 300 };

static const struct option check_longopts[] = {
	{ "summary", required_argument, NULL, OPT_SUMMARY },
	CLI_DATA_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

struct check_ctx {
	int quiet;
	int drop_skipped;         /* check lists the bad lines itself */
};

static void check_notice(void *ctx, const char *msg)
{
	const struct check_ctx *c = ctx;
	if (c->quiet || (c->drop_skipped && strstr(msg, ": skipped ") && strstr(msg, " bad line")))
		return;
	cli_msg("%s", msg);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* "-1:150 1:120", or "N distinct in [min, max]" past 20 classes. */
static uint64_t label_counts(const double *label, uint64_t n, char *buf, size_t len)
{
	double *s = malloc((n ? n : 1) * sizeof *s);
	uint64_t k = 0;
	char num[40];
	size_t used = 0;
	buf[0] = '\0';
	if (!s)
		return 0;
	memcpy(s, label, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_double);
	for (uint64_t i = 0, j; i < n; i = j, k++) {
		for (j = i; j < n && s[j] == s[i]; j++)
			;
		cli_fmt_short(num, sizeof num, s[i]);
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s:%llu", k ? " " : "",
			                         num, (unsigned long long)(j - i));
	}
	if (k > 20 && n) {
		char lo[40], hi[40];
		cli_fmt_short(lo, sizeof lo, s[0]);
		cli_fmt_short(hi, sizeof hi, s[n - 1]);
		snprintf(buf, len, "%llu distinct in [%s, %s]", (unsigned long long)k, lo, hi);
	}
	free(s);
	return k;
}

static void rating_range(const dmlhog_dataset *d, double *lo, double *hi)
{
	*lo = *hi = 0;
	for (uint64_t i = 0; i < d->n_rows; i++) {
		if (i == 0 || d->label[i] < *lo)
			*lo = d->label[i];
		if (i == 0 || d->label[i] > *hi)
			*hi = d->label[i];
	}
}

static void check_stats(const char *path, const dmlhog_dataset *d, int json)
{
	struct kvlist l = { .n = 0 };
	char labels[1024];
	double lo, hi;
	int triplet = dmlhog_dataset_format(d) == DMLHOG_FORMAT_TRIPLET;
	kv_str(&l, "file", path);
	kv_str(&l, "format", triplet ? "triplet" : "svmlight");
	kv_uint(&l, "rows", dmlhog_dataset_rows(d));
	if (triplet) {
		rating_range(d, &lo, &hi);
		kv_uint(&l, "users", d->n_users);
		kv_uint(&l, "items", d->n_items);
		kv_num(&l, "rating_min", d->n_rows ? lo : NAN);
		kv_num(&l, "rating_max", d->n_rows ? hi : NAN);
	} else {
		kv_uint(&l, "nnz", dmlhog_dataset_nnz(d));
		kv_uint(&l, "features", dmlhog_dataset_features(d));
		kv_int(&l, "index_base", d->index_base);
		kv_uint(&l, "classes", label_counts(d->label, d->n_rows, labels, sizeof labels));
		kv_str(&l, "labels", labels);
	}
	kv_uint(&l, "bad_lines", d->skipped_lines);
	if (json) {
		kv_print_json(stdout, &l);
		fputc('\n', stdout);
	} else {
		kv_print_text(stdout, &l);
	}
}

/* The k-th bad line: a read that allows k - 1 of them stops there and
 * names it (the reader reports one position per read). */
static void show_bad_line(const char *path, const struct dmlhog_read_opts *ro, uint64_t k)
{
	struct dmlhog_read_opts o = *ro;
	struct dmlhog_error err = { 0 };
	dmlhog_dataset *d = NULL;
	o.skip_bad_lines = k - 1;
	o.notice = NULL;
	if (dmlhog_dataset_read(path, &o, &d, &err) == DMLHOG_OK) {
		dmlhog_dataset_destroy(d);
		return;
	}
	const char *why = strstr(err.msg, " allowed): ");
	if (strncmp(err.msg, "too many bad lines", 18) == 0 && why)
		memmove(err.msg, why + 11, strlen(why + 11) + 1);
	cli_fail(&err);
}

static int check_do(const char *path, struct cli_data *cd, int json)
{
	int is_stdin = strcmp(path, "-") == 0;
	struct check_ctx ctx = { cd->quiet, !is_stdin };
	struct dmlhog_error err = { 0 };
	dmlhog_dataset *d = NULL;
	cd->ro.skip_bad_lines = UINT64_MAX;
	cd->ro.notice = check_notice;
	cd->ro.notice_ctx = &ctx;
	if (cli_read_data(path, &cd->ro, NULL, 0, &d, &err) != DMLHOG_OK)
		return cli_fail(&err);
	uint64_t bad = d->skipped_lines;
	/* stdin cannot be read again: the reader's notice named the first. */
	for (uint64_t k = 1; !is_stdin && k <= bad && k <= CHECK_SHOW; k++)
		show_bad_line(path, &cd->ro, k);
	if (!is_stdin && bad > CHECK_SHOW)
		cli_msg("%s: ... %llu more bad lines not shown", path,
		        (unsigned long long)(bad - CHECK_SHOW));
	check_stats(path, d, json);
	dmlhog_dataset_destroy(d);
	if (!bad)
		return 0;
	cli_msg("%s: %llu bad line%s", is_stdin ? "<stdin>" : path, (unsigned long long)bad, bad == 1 ? "" : "s");
	return dmlhog_exit_code(DMLHOG_E_DATA);
}

static int check_run(int argc, char **argv)
{
	struct cli_data cd;
	int opt, json = 0;
	cli_data_init(&cd);
	while ((opt = getopt_long(argc, argv, ":T:qh", check_longopts, NULL)) != -1) {
		if (opt == 'h') {
			check_help();
			return 0;
		}
		if (opt == '?' || opt == ':')
			return cli_bad_option("check", argc, argv, opt);
		if (opt == OPT_SUMMARY) {
			if ((json = cli_parse_word("--summary", optarg, "text|json")) < 0)
				return CLI_EX_USAGE;
		} else if (cli_data_opt(&cd, opt, optarg) != 0) {
			return CLI_EX_USAGE;
		}
	}
	if (argc - optind != 1)
		return argc - optind < 1 ? cli_usage("check", "need DATA")
		                         : cli_usage("check", "unexpected argument '%s'", argv[optind + 1]);
	if (cli_data_resolve(&cd) != 0)
		return CLI_EX_USAGE;
	return check_do(argv[optind], &cd, json);
}

const struct cli_cmd cmd_check = { "check", "validate a data file and print its statistics", check_run };

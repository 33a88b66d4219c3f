/* cmd-predict.c: `dmlhog predict [options] MODEL DATA [OUT]`: one
 * prediction per line, in the order of DATA. */
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"

static void predict_help(void)
{
	fputs(
"usage: dmlhog predict [options] MODEL DATA [OUT]\n"
"Write one prediction per row of DATA to OUT (written atomically), or to\n"
"stdout: the label as written in the training data for classification, the\n"
"predicted value for regression and factorisation.  DATA '-' is stdin.\n"
"\n"
"      --proba             probabilities: P(positive class) for binary models;\n"
"                          for multiclass, one probability per class, classes\n"
"                          in ascending label order (see dmlhog info)\n"
"      --format F          auto|svmlight|triplet (default: the model's kind)\n"
"      --index-base B      auto|0|1 (default: the model's training data)\n"
"  -T, --threads N|auto    parser threads\n"
"  -q, --quiet             no notices\n"
"  -h, --help              show this help\n"
"\n"
"Exit status: 0 ok, 64 usage, 65 bad data or model, 66 missing input,\n"
"73 cannot create OUT, 74 I/O error.\n", stdout);
}

enum { OPT_PROBA = 300 };

static const struct option predict_longopts[] = {
	{ "proba", no_argument, NULL, OPT_PROBA },
	CLI_DATA_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

static void write_row(FILE *f, enum dmlhog_task t, uint32_t k,
                      double pred, const double *probs, int proba)
{
	char buf[40];
	if (proba && t == DMLHOG_TASK_MULTICLASS) {
		for (uint32_t c = 0; c < k; c++)
			fprintf(f, c ? " %.6g" : "%.6g", probs[c]);
		fputc('\n', f);
	} else if (proba) {
		fprintf(f, "%.6g\n", pred);
	} else if (t == DMLHOG_TASK_BINARY || t == DMLHOG_TASK_MULTICLASS) {
		cli_fmt_short(buf, sizeof buf, pred);     /* a label, as written */
		fprintf(f, "%s\n", buf);
	} else {
		fprintf(f, "%.7g\n", pred);               /* float model: 7 digits carry it all */
	}
}

static void write_all(FILE *f, const dmlhog_model *m, uint64_t n, const double *pred,
                      const double *probs, int proba)
{
	enum dmlhog_task t = dmlhog_model_task(m);
	uint32_t k = dmlhog_model_classes(m);
	for (uint64_t i = 0; i < n; i++)
		write_row(f, t, k, pred[i], probs ? probs + i * k : NULL, proba);
}

static enum dmlhog_status predict_write(const char *out, const dmlhog_model *m,
                                        uint64_t n, const double *pred,
                                        const double *probs, int proba,
                                        struct dmlhog_error *err)
{
	struct cli_out o;
	enum dmlhog_status st = cli_out_open(&o, out, err);
	if (st != DMLHOG_OK)
		return st;
	write_all(o.fp, m, n, pred, probs, proba);
	return cli_out_close(&o, out, err);
}

static enum dmlhog_status predict_do(const char *model, const char *data, const char *out,
                                     struct cli_data *cd, int proba,
                                     struct dmlhog_error *err)
{
	dmlhog_model *m = NULL;
	dmlhog_dataset *d = NULL;
	double *pred = NULL, *probs = NULL;
	enum dmlhog_status st = dmlhog_model_load(model, &m, err);
	if (st != DMLHOG_OK)
		return st;
	enum dmlhog_task t = dmlhog_model_task(m);
	if (proba && t != DMLHOG_TASK_BINARY && t != DMLHOG_TASK_MULTICLASS) {
		st = dmlhog_error_set(err, DMLHOG_E_USAGE, "--proba: %s is a %s model, not a classifier",
		                      model, dmlhog_task_name(t));
		goto done;
	}
	cli_data_for_model(&cd->ro, m);
	st = cli_read_data(data, &cd->ro, NULL, 0, &d, err);
	if (st != DMLHOG_OK)
		goto done;
	uint64_t n = dmlhog_dataset_rows(d);
	uint32_t k = dmlhog_model_classes(m);
	pred = malloc((n ? n : 1) * sizeof *pred);
	if (proba && t == DMLHOG_TASK_MULTICLASS)
		probs = malloc((n ? n : 1) * k * sizeof *probs);
	if (!pred || (proba && t == DMLHOG_TASK_MULTICLASS && !probs)) {
		st = dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory for %llu predictions",
		                      (unsigned long long)n);
		goto done;
	}
	/* Binary: P(positive) lands in the probs array, which may be pred. */
	st = dmlhog_model_predict(m, d, pred, proba && t == DMLHOG_TASK_BINARY ? pred : probs, err);
	if (st == DMLHOG_OK)
		st = predict_write(out, m, n, pred, probs, proba, err);
done:
	free(pred);
	free(probs);
	dmlhog_dataset_destroy(d);
	dmlhog_model_destroy(m);
	return st;
}

static int predict_run(int argc, char **argv)
{
	struct cli_data cd;
	struct dmlhog_error err = { 0 };
	int opt, proba = 0;
	cli_data_init(&cd);
	while ((opt = getopt_long(argc, argv, ":T:qh", predict_longopts, NULL)) != -1) {
		if (opt == 'h') {
			predict_help();
			return 0;
		}
		if (opt == '?' || opt == ':')
			return cli_bad_option("predict", argc, argv, opt);
		if (opt == OPT_PROBA)
			proba = 1;
		else if (cli_data_opt(&cd, opt, optarg) != 0)
			return CLI_EX_USAGE;
	}
	int npos = argc - optind;
	if (npos < 2)
		return cli_usage("predict", "need MODEL and DATA");
	if (npos > 3)
		return cli_usage("predict", "unexpected argument '%s'", argv[optind + 3]);
	if (cli_data_resolve(&cd) != 0)
		return CLI_EX_USAGE;
	const char *out = npos == 3 ? argv[optind + 2] : NULL;
	if (out && strcmp(out, "-") != 0 && cli_check_writable(out, &err) != DMLHOG_OK)
		return cli_fail(&err);
	if (predict_do(argv[optind], argv[optind + 1], out, &cd, proba, &err) != DMLHOG_OK)
		return cli_fail(&err);
	return 0;
}

const struct cli_cmd cmd_predict = { "predict", "write one prediction per row of a data file", predict_run };

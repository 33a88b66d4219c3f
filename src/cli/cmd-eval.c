/* cmd-eval.c: `dmlhog eval [options] MODEL DATA`: metrics only, as
 * `key = value` lines or one JSON object. */
#include <string.h>
#include "cli/cli.h"
#include "model/model.h"

static void eval_help(void)
{
	fputs(
"usage: dmlhog eval [options] MODEL DATA\n"
"Print the metrics of MODEL on DATA (labels as written): accuracy, log loss\n"
"(or the model's loss) and AUC for binary models; accuracy and loss for\n"
"multiclass; RMSE and MAE for regression and factorisation.  DATA '-' is stdin.\n"
"\n"
"      --summary S         text|json (default text: key = value lines)\n"
"      --format F          auto|svmlight|triplet (default: the model's kind)\n"
"      --index-base B      auto|0|1 (default: the model's training data)\n"
"  -T, --threads N|auto    parser threads\n"
"  -q, --quiet             no notices\n"
"  -h, --help              show this help\n"
"\n"
"Exit status: 0 ok, 64 usage, 65 bad data or model, 66 missing input.\n", stdout);
}

enum { OPT_SUMMARY = 300 };

static const struct option eval_longopts[] = {
	{ "summary", required_argument, NULL, OPT_SUMMARY },
	CLI_DATA_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

static const char *loss_key(const dmlhog_model *m)
{
	switch (m->loss) {
	case DMLHOG_LOSS_HINGE: return "hinge_loss";
	case DMLHOG_LOSS_SQHINGE: return "sqhinge_loss";
	case DMLHOG_LOSS_SQUARED: return "squared_loss";
	default: return "log_loss";
	}
}

static void metrics_print(const dmlhog_model *m, const struct dmlhog_metrics *x, int json)
{
	struct kvlist l = { .n = 0 };
	enum dmlhog_task t = dmlhog_model_task(m);
	kv_str(&l, "task", dmlhog_task_name(t));
	kv_uint(&l, "rows", x->n);
	if (t == DMLHOG_TASK_BINARY || t == DMLHOG_TASK_MULTICLASS) {
		kv_num(&l, "accuracy", x->accuracy);
		kv_num(&l, loss_key(m), x->loss);
		if (t == DMLHOG_TASK_BINARY)
			kv_num(&l, "auc", x->auc);
	} else {
		kv_num(&l, "rmse", x->rmse);
		kv_num(&l, "mae", x->mae);
	}
	if (json) {
		kv_print_json(stdout, &l);
		fputc('\n', stdout);
	} else {
		kv_print_text(stdout, &l);
	}
}

static enum dmlhog_status eval_do(const char *model, const char *data, struct cli_data *cd,
                                  int json, struct dmlhog_error *err)
{
	dmlhog_model *m = NULL;
	dmlhog_dataset *d = NULL;
	struct dmlhog_metrics x;
	enum dmlhog_status st = dmlhog_model_load(model, &m, err);
	if (st == DMLHOG_OK) {
		cli_data_for_model(&cd->ro, m);
		st = cli_read_data(data, &cd->ro, NULL, 0, &d, err);
	}
	if (st == DMLHOG_OK)
		st = dmlhog_evaluate(m, d, &x, err);
	if (st == DMLHOG_OK)
		metrics_print(m, &x, json);
	dmlhog_dataset_destroy(d);
	dmlhog_model_destroy(m);
	return st;
}

static int eval_run(int argc, char **argv)
{
	struct cli_data cd;
	struct dmlhog_error err = { 0 };
	int opt, json = 0;
	cli_data_init(&cd);
	while ((opt = getopt_long(argc, argv, ":T:qh", eval_longopts, NULL)) != -1) {
		if (opt == 'h') {
			eval_help();
			return 0;
		}
		if (opt == '?' || opt == ':')
			return cli_bad_option("eval", argc, argv, opt);
		if (opt == OPT_SUMMARY) {
			if ((json = cli_parse_word("--summary", optarg, "text|json")) < 0)
				return CLI_EX_USAGE;
		} else if (cli_data_opt(&cd, opt, optarg) != 0) {
			return CLI_EX_USAGE;
		}
	}
	if (argc - optind < 2)
		return cli_usage("eval", "need MODEL and DATA");
	if (argc - optind > 2)
		return cli_usage("eval", "unexpected argument '%s'", argv[optind + 2]);
	if (cli_data_resolve(&cd) != 0)
		return CLI_EX_USAGE;
	if (eval_do(argv[optind], argv[optind + 1], &cd, json, &err) != DMLHOG_OK)
		return cli_fail(&err);
	return 0;
}

const struct cli_cmd cmd_eval = { "eval", "print metrics of a model on a data file", eval_run };

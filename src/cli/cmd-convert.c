/* cmd-convert.c: `dmlhog convert DATA CACHE` writes the binary cache of a
 * data file; `dmlhog convert --model-to=text|liblinear MODEL OUT` exports a
 * model's parameters. */
#include <string.h>
#include "cli/cli.h"
#include "model/model.h"

static void convert_help(void)
{
	fputs(
"usage: dmlhog convert [options] DATA CACHE\n"
"       dmlhog convert --model-to=FMT MODEL OUT\n"
"Parse DATA once and write its binary cache to CACHE (train with --cache=CACHE\n"
"or with CACHE as DATA), or export MODEL's parameters to OUT ('-' = stdout).\n"
"Files are written atomically.\n"
"\n"
"      --model-to FMT      text|liblinear: export a model instead\n"
"      --format F          auto|svmlight|triplet (default auto: by content)\n"
"      --index-base B      auto|0|1 (default auto; the decision is printed)\n"
"      --skip-bad-lines[=N] skip and count bad lines; give up after N\n"
"  -T, --threads N|auto    parser threads\n"
"  -q, --quiet             no notices\n"
"  -h, --help              show this help\n"
"\n"
"Exit status: 0 ok, 64 usage, 65 bad data or model, 66 missing input,\n"
"73 cannot create the output, 74 I/O error.\n", stdout);
}

enum { OPT_MODEL_TO = 300, OPT_SKIP };
enum { TO_NONE = -1, TO_TEXT, TO_LIBLINEAR };

static const struct option convert_longopts[] = {
	{ "model-to", required_argument, NULL, OPT_MODEL_TO },
	{ "skip-bad-lines", optional_argument, NULL, OPT_SKIP },
	CLI_DATA_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

/* Feature j of the model is index j + base in the data file. */
static void dump_linear(FILE *f, const dmlhog_model *m)
{
	char num[40];
	fprintf(f, "features = %u\nrows = %u\nbias = %s\nindex_base = %d\nlabels =",
	        m->n_features, m->k, m->has_bias ? "yes" : "no", m->index_base);
	for (uint32_t c = 0; c < m->n_labels; c++) {
		cli_fmt_short(num, sizeof num, m->labels[c]);
		fprintf(f, " %s", num);
	}
	fputs("\n# weights: INDEX then one value per row\n", f);
	for (uint32_t j = 0; j < m->n_features + (uint32_t)!!m->has_bias; j++) {
		if (j < m->n_features)
			fprintf(f, "%lld", (long long)j + m->index_base);
		else
			fputs("bias", f);
		for (uint32_t c = 0; c < m->k; c++)
			fprintf(f, " %.9g", m->w[(uint64_t)j * m->k + c]);
		fputc('\n', f);
	}
}

static void dump_factors(FILE *f, const char *what, const struct idmap *ids, uint32_t n,
                         uint32_t rank, const float *bias, const float *fac)
{
	for (uint32_t i = 0; i < n; i++) {
		fprintf(f, "%s %llu %.9g", what, (unsigned long long)idmap_id(ids, i), bias[i]);
		for (uint32_t r = 0; r < rank; r++)
			fprintf(f, " %.9g", fac[(uint64_t)i * rank + r]);
		fputc('\n', f);
	}
}

static void dump_mf(FILE *f, const dmlhog_model *m)
{
	fprintf(f, "rank = %u\nusers = %u\nitems = %u\nmean = %.9g\n", m->rank, m->n_users,
	        m->n_items, m->mu);
	fputs("# user ID bias p_1 .. p_rank, then item ID bias q_1 .. q_rank\n", f);
	dump_factors(f, "user", m->users, m->n_users, m->rank, m->bu, m->P);
	dump_factors(f, "item", m->items, m->n_items, m->rank, m->bi, m->Q);
}

static void dump_text(FILE *f, const dmlhog_model *m)
{
	fprintf(f, "# dmlhog %s model, text dump\ntask = %s\nloss = %s\n", dmlhog_version(),
	        dmlhog_task_name(m->task), dmlhog_loss_name(m->loss));
	if (m->task == DMLHOG_TASK_MF)
		dump_mf(f, m);
	else
		dump_linear(f, m);
}

static const char *liblinear_solver(const dmlhog_model *m)
{
	switch (m->loss) {
	case DMLHOG_LOSS_HINGE: return "L2R_L1LOSS_SVC_DUAL";
	case DMLHOG_LOSS_SQHINGE: return "L2R_L2LOSS_SVC_DUAL";
	case DMLHOG_LOSS_SQUARED: return "L2R_L2LOSS_SVR";
	default: return "L2R_LR";
	}
}

/* LIBLINEAR's model file (linear.cpp save_model): feature-major weights
 * like ours; for binary models its first label is the one predicted when
 * w.x > 0, our positive class.  The bias becomes its constant feature. */
static void dump_liblinear(FILE *f, const dmlhog_model *m)
{
	char num[40];
	fprintf(f, "solver_type %s\nnr_class %u\n", liblinear_solver(m),
	        m->task == DMLHOG_TASK_REGRESSION ? 2 : m->n_labels);
	if (m->task != DMLHOG_TASK_REGRESSION) {
		fputs("label", f);
		for (uint32_t c = 0; c < m->n_labels; c++) {
			uint32_t idx = m->task == DMLHOG_TASK_BINARY ? m->n_labels - 1 - c : c;
			cli_fmt_short(num, sizeof num, m->labels[idx]);
			fprintf(f, " %s", num);
		}
		fputc('\n', f);
	}
	fprintf(f, "nr_feature %u\nbias %d\nw\n", m->n_features, m->has_bias ? 1 : -1);
	for (uint32_t j = 0; j < m->n_features + (uint32_t)!!m->has_bias; j++) {
		for (uint32_t c = 0; c < m->k; c++)
			fprintf(f, "%.9g ", m->w[(uint64_t)j * m->k + c]);
		fputc('\n', f);
	}
}

static enum dmlhog_status export_write(const char *out, const dmlhog_model *m, int to,
                                       struct dmlhog_error *err)
{
	struct cli_out o;
	enum dmlhog_status st = cli_out_open(&o, out, err);
	if (st != DMLHOG_OK)
		return st;
	if (to == TO_TEXT)
		dump_text(o.fp, m);
	else
		dump_liblinear(o.fp, m);
	return cli_out_close(&o, out, err);
}

static int convert_model(const char *in, const char *out, int to)
{
	struct dmlhog_error err = { 0 };
	dmlhog_model *m = NULL;
	enum dmlhog_status st = dmlhog_model_load(in, &m, &err);
	if (st == DMLHOG_OK && to == TO_LIBLINEAR && m->task == DMLHOG_TASK_MF)
		st = dmlhog_error_set(&err, DMLHOG_E_USAGE,
		                      "--model-to=liblinear: %s is a factorisation model; use --model-to=text", in);
	if (st == DMLHOG_OK && to == TO_LIBLINEAR && m->index_base == 0)
		cli_msg("warning: %s was trained on 0-based data; LIBLINEAR numbers features from 1", in);
	if (st == DMLHOG_OK)
		st = export_write(out, m, to, &err);
	dmlhog_model_destroy(m);
	return st == DMLHOG_OK ? 0 : cli_fail(&err);
}

static int convert_data(const char *in, const char *out, struct cli_data *cd)
{
	struct dmlhog_error err = { 0 };
	dmlhog_dataset *d = NULL;
	if (strcmp(out, "-") == 0 || cli_is_special(out))
		return cli_usage("convert", "%s: a cache must be a regular file", out);
	if (cli_check_writable(out, &err) != DMLHOG_OK)
		return cli_fail(&err);
	enum dmlhog_status st = dmlhog_dataset_read(in, &cd->ro, &d, &err);
	if (st == DMLHOG_OK)
		st = dmlhog_cache_save(d, in, &cd->ro, out, &err);
	if (st == DMLHOG_OK && !cd->quiet)
		cli_msg("wrote %s: %llu rows, %llu nnz", out,
		        (unsigned long long)dmlhog_dataset_rows(d),
		        (unsigned long long)dmlhog_dataset_nnz(d));
	dmlhog_dataset_destroy(d);
	return st == DMLHOG_OK ? 0 : cli_fail(&err);
}

static int convert_run(int argc, char **argv)
{
	struct cli_data cd;
	int opt, to = TO_NONE;
	cli_data_init(&cd);
	while ((opt = getopt_long(argc, argv, ":T:qh", convert_longopts, NULL)) != -1) {
		if (opt == 'h') {
			convert_help();
			return 0;
		}
		if (opt == '?' || opt == ':')
			return cli_bad_option("convert", argc, argv, opt);
		if (opt == OPT_MODEL_TO) {
			if (strcmp(optarg, "libmf") == 0)
				return cli_usage("convert", "--model-to=libmf: not available in this build (text|liblinear)");
			if ((to = cli_parse_word("--model-to", optarg, "text|liblinear")) < 0)
				return CLI_EX_USAGE;
		} else if (opt == OPT_SKIP) {
			cd.ro.skip_bad_lines = UINT64_MAX;
			if (optarg && cli_parse_u64("--skip-bad-lines", optarg, 0, UINT64_MAX - 1,
			                            &cd.ro.skip_bad_lines) != 0)
				return CLI_EX_USAGE;
		} else if (cli_data_opt(&cd, opt, optarg) != 0) {
			return CLI_EX_USAGE;
		}
	}
	if (argc - optind != 2)
		return argc - optind < 2 ? cli_usage("convert", "need an input and an output file")
		                         : cli_usage("convert", "unexpected argument '%s'", argv[optind + 2]);
	if (to != TO_NONE)
		return convert_model(argv[optind], argv[optind + 1], to);
	if (cli_data_resolve(&cd) != 0)
		return CLI_EX_USAGE;
	return convert_data(argv[optind], argv[optind + 1], &cd);
}

const struct cli_cmd cmd_convert = { "convert", "write a binary cache, or export a model", convert_run };

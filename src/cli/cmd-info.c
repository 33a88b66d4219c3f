/* cmd-info.c: `dmlhog info FILE`: describe a model (its stored header and
 * a parameter summary) or a data cache (its shape). */
#include <string.h>
#include "cli/cli.h"
#include "data/dataset.h"

static void info_help(void)
{
	fputs(
"usage: dmlhog info [options] FILE\n"
"Describe FILE: for a model, the header as stored (task, loss, sizes, labels,\n"
"training options, seed) and a parameter summary; for a data cache written by\n"
"dmlhog convert or --cache, its format, rows, nnz and features.\n"
"\n"
"  -h, --help              show this help\n"
"\n"
"Exit status: 0 ok, 64 usage, 65 neither a valid model nor a valid cache,\n"
"66 missing input.\n", stdout);
}

static const struct option info_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void describe_cache(const char *path, const dmlhog_dataset *d)
{
	struct kvlist l = { .n = 0 };
	int triplet = dmlhog_dataset_format(d) == DMLHOG_FORMAT_TRIPLET;
	kv_str(&l, "file", path);
	kv_str(&l, "type", "cache");
	kv_str(&l, "format", triplet ? "triplet" : "svmlight");
	kv_uint(&l, "rows", dmlhog_dataset_rows(d));
	if (!triplet) {
		kv_uint(&l, "nnz", dmlhog_dataset_nnz(d));
		kv_uint(&l, "features", dmlhog_dataset_features(d));
		kv_int(&l, "index_base", d->index_base);
	}
	kv_print_text(stdout, &l);
}

/* A model first; a file that is not one may be a cache.  When it is
 * neither, both reasons are shown. */
static int info_file(const char *path)
{
	struct dmlhog_error merr = { 0 }, cerr = { 0 };
	struct dmlhog_read_opts ro;
	dmlhog_model *m = NULL;
	dmlhog_dataset *d = NULL;
	enum dmlhog_status st = dmlhog_model_load(path, &m, &merr);
	if (st == DMLHOG_OK) {
		dmlhog_model_describe(m, stdout);
		dmlhog_model_destroy(m);
		return 0;
	}
	if (st != DMLHOG_E_CORRUPT && st != DMLHOG_E_DATA)
		return cli_fail(&merr);
	dmlhog_read_opts_init(&ro);
	if (dmlhog_cache_load(path, NULL, &ro, &d, &cerr) == DMLHOG_OK) {
		describe_cache(path, d);
		dmlhog_dataset_destroy(d);
		return 0;
	}
	char a[1400], b[1400];
	dmlhog_error_format(&merr, a, sizeof a);
	dmlhog_error_format(&cerr, b, sizeof b);
	cli_msg("%s: not a dmlhog model (%s) nor a cache (%s)", path, a, b);
	return dmlhog_exit_code(DMLHOG_E_CORRUPT);
}

static int info_run(int argc, char **argv)
{
	int opt;
	while ((opt = getopt_long(argc, argv, ":h", info_longopts, NULL)) != -1) {
		if (opt == 'h') {
			info_help();
			return 0;
		}
		return cli_bad_option("info", argc, argv, opt);
	}
	if (argc - optind != 1)
		return argc - optind < 1 ? cli_usage("info", "need a model or cache FILE")
		                         : cli_usage("info", "unexpected argument '%s'", argv[optind + 1]);
	return info_file(argv[optind]);
}

const struct cli_cmd cmd_info = { "info", "describe a model or cache file", info_run };

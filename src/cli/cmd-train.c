/* cmd-train.c: `dmlhog train [options] DATA [MODEL]`.
 *
 * Everything that can be checked before the first epoch is checked first
 * (flags, inputs, the model path, the log), so a long run never fails at
 * its end for a reason known at its start.  The model is written only by
 * dmlhog_model_save (temp file + rename): a failed, diverged or killed run
 * leaves an existing model file as it was. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli.h"
#include "cli/progress.h"
#include "data/dataset.h"
#include "model/model.h"
#include "topo/cpumask.h"
#include "util/clock.h"

enum { SUM_TEXT, SUM_JSON, SUM_NONE };

struct train_cli {
	const char *data, *model, *test, *holdout_arg, *holdout_file;
	const char *cache_arg, *cache, *log_path, *seed_arg, *threads_arg;
	double holdout_frac;            /* 0: no split */
	int rebuild, quiet, verbose, dry_run, print_config, progress, summary;
	int seed_random, threads, show_binding, bind_given;
	const char *threads_from;
	enum dmlhog_format format_seen; /* from the data, once read */
	int base_seen;                  /* -1 until read */
	struct dmlhog_read_opts ro;
	struct dmlhog_train_opts to;
	double t0;
	char model_buf[4096], cache_buf[4096];
};

static void train_help(void)
{
	fputs(
"usage: dmlhog train [options] DATA [MODEL]\n"
"       dmlhog train [options] -d DATA [-f MODEL]\n"
"Train a sparse linear model (binary, multiclass, regression) on svmlight/libsvm\n"
"data, or a matrix factorisation on 'user item rating' triplets.  DATA '-' is\n"
"standard input.  Results go to stdout, progress and notices to stderr.\n"
"\n"
"Data:\n"
"  -d, --data FILE          training data (or the first argument); '-' = stdin\n"
"      --format F           auto|svmlight|triplet (default auto: by content)\n"
"      --index-base B       auto|0|1 (default auto; the decision is printed)\n"
"      --features N         fix the number of features (default: from DATA)\n"
"      --test FILE          also report metrics on FILE after every epoch\n"
"      --holdout H          FRAC (0 < FRAC < 1) of DATA held out, or a FILE\n"
"      --cache C            auto|off|FILE: binary cache of DATA, rebuilt when\n"
"                           stale (auto: DATA.cache; default off)\n"
"      --rebuild-cache      rebuild the cache even when it is valid\n"
"      --strict             stop at the first bad line (default)\n"
"      --skip-bad-lines[=N] skip and count bad lines; give up after N (no N:\n"
"                           no limit)\n"
"Model:\n"
"      --task T             auto|binary|multiclass|regression|mf (default auto)\n"
"      --loss L             logistic|hinge|sqhinge|squared (default logistic;\n"
"                           squared for regression and mf)\n"
"      --loss-function L    alias of --loss\n"
"  -k, --rank K             factorisation rank (default 32)\n"
"      --l1 A               L1 penalty (default 0)\n"
"      --l2 A[,B]           L2 penalty; B: on item factors for mf (default 1/n,\n"
"                           i.e. LIBLINEAR's C = 1; mf 0.1)\n"
"      --bias               learn an unregularised bias (default)\n"
"      --no-bias            no bias term\n"
"  -f, --model-out FILE     model file (default: DATA's basename + .model in\n"
"                           the current directory)\n"
"Optimiser:\n"
"      --engine E           serial|hogwild|locked|cyclades (default serial)\n"
"      --algo E             alias of --engine\n"
"      --lr X               base step size (default 0.1; mf 0.01; optimal:\n"
"                           l2^(-1/4), Bottou's heuristic)\n"
"      --lr-schedule S      const|invsqrt|adagrad|optimal|decay[:G] (default\n"
"                           adagrad; mf const; G default 0.9); optimal is\n"
"                           1/(l2 (t0 + t)), scikit-learn's SGD default\n"
"  -e, --epochs N           passes over the data (default 10; mf 30)\n"
"      --passes N           alias of --epochs\n"
"      --early-stop P       stop after P epochs without a better holdout loss\n"
"                           (needs --holdout)\n"
"      --min-delta D        improvement that counts for --early-stop (default 0)\n"
"      --time-limit SEC     stop after SEC seconds, keep the model, exit 75\n"
"      --seed N|random      random seed (default 0; echoed and stored)\n"
"  -T, --threads N|auto     worker threads of hogwild/locked/cyclades, and\n"
"                           parser threads (default: DMLHOG_THREADS,\n"
"                           OMP_NUM_THREADS, SLURM_CPUS_PER_TASK, else the PUs\n"
"                           of the process CPU mask)\n"
"      --batch-size N       cyclades: samples per batch (default from the data,\n"
"                           see dmlhog-train(1))\n"
"      --hot-params H       cyclades: auto|off|N: parameters in more than N\n"
"                           samples of a batch are kept out of the conflict\n"
"                           graph (auto: batch size / 64); hogwild: auto|off,\n"
"                           per-thread views of hot features (default auto)\n"
"      --deterministic      the same model bits for any thread count (serial,\n"
"                           cyclades; an error for hogwild and locked)\n"
"Threads and NUMA:\n"
"      --bind B             auto|inherit|compact|spread|numa|none (default auto:\n"
"                           inherit a restricted mask, else compact)\n"
"      --replicas R         machine|node|thread: one shared model, one per NUMA\n"
"                           node, or one per thread (default machine)\n"
"      --sync-every N       samples per thread between two merges of the\n"
"                           replicas (default: 8 / the share of the features\n"
"                           in a row, 16 at least, 1/16 of a shard at most)\n"
"      --no-smt             one thread per core\n"
"      --topology T         plan for a synthetic topology or an XML file;\n"
"                           threads are not bound (also HWLOC_SYNTHETIC,\n"
"                           HWLOC_XMLFILE)\n"
"      --show-binding       print one line per thread: PU, core, NUMA node\n"
"Output:\n"
"      --progress P         auto|lines|none: the per-epoch table on stderr\n"
"      --summary S          text|json|none: end-of-run summary on stdout\n"
"      --log FILE|-         append JSON Lines events to FILE (default\n"
"                           $DMLHOG_LOG; '-' = stdout)\n"
"  -q, --quiet              no progress table and no notices\n"
"      --verbose            also print the resolved configuration\n"
"      --print-config       print the resolved configuration on stderr\n"
"      --dry-run            print the resolved configuration and exit\n"
"  -h, --help               show this help\n"
"\n"
"Exit status: 0 ok (early stop included), 3 diverged (model not written),\n"
"64 usage, 65 bad data, 66 missing input, 73 cannot create, 74 I/O error,\n"
"75 stopped by --time-limit (model written).\n", stdout);
}

enum {
	OPT_FORMAT = 256, OPT_INDEX_BASE, OPT_FEATURES, OPT_TEST, OPT_HOLDOUT, OPT_CACHE,
	OPT_REBUILD, OPT_STRICT, OPT_SKIP, OPT_TASK, OPT_LOSS, OPT_L1, OPT_L2, OPT_BIAS,
	OPT_NO_BIAS, OPT_ENGINE, OPT_LR, OPT_SCHEDULE, OPT_EARLY, OPT_MIN_DELTA,
	OPT_TIME_LIMIT, OPT_SEED, OPT_PROGRESS, OPT_VERBOSE, OPT_LOG, OPT_SUMMARY,
	OPT_DRY_RUN, OPT_PRINT_CONFIG, OPT_BIND, OPT_REPLICAS, OPT_SYNC_EVERY, OPT_NO_SMT,
	OPT_BATCH_SIZE, OPT_HOT_PARAMS, OPT_DETERMINISTIC,
	OPT_TOPOLOGY, OPT_SHOW_BINDING,
};

static const struct option train_longopts[] = {
	{ "data", required_argument, NULL, 'd' },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "index-base", required_argument, NULL, OPT_INDEX_BASE },
	{ "features", required_argument, NULL, OPT_FEATURES },
	{ "test", required_argument, NULL, OPT_TEST },
	{ "holdout", required_argument, NULL, OPT_HOLDOUT },
	{ "cache", required_argument, NULL, OPT_CACHE },
	{ "rebuild-cache", no_argument, NULL, OPT_REBUILD },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "skip-bad-lines", optional_argument, NULL, OPT_SKIP },
	{ "task", required_argument, NULL, OPT_TASK },
	{ "loss", required_argument, NULL, OPT_LOSS },
	{ "loss-function", required_argument, NULL, OPT_LOSS },
	{ "rank", required_argument, NULL, 'k' },
	{ "l1", required_argument, NULL, OPT_L1 },
	{ "l2", required_argument, NULL, OPT_L2 },
	{ "bias", no_argument, NULL, OPT_BIAS },
	{ "no-bias", no_argument, NULL, OPT_NO_BIAS },
	{ "model-out", required_argument, NULL, 'f' },
	{ "engine", required_argument, NULL, OPT_ENGINE },
	{ "algo", required_argument, NULL, OPT_ENGINE },
	{ "lr", required_argument, NULL, OPT_LR },
	{ "lr-schedule", required_argument, NULL, OPT_SCHEDULE },
	{ "epochs", required_argument, NULL, 'e' },
	{ "passes", required_argument, NULL, 'e' },
	{ "early-stop", required_argument, NULL, OPT_EARLY },
	{ "min-delta", required_argument, NULL, OPT_MIN_DELTA },
	{ "time-limit", required_argument, NULL, OPT_TIME_LIMIT },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "threads", required_argument, NULL, 'T' },
	{ "bind", required_argument, NULL, OPT_BIND },
	{ "replicas", required_argument, NULL, OPT_REPLICAS },
	{ "sync-every", required_argument, NULL, OPT_SYNC_EVERY },
	{ "no-smt", no_argument, NULL, OPT_NO_SMT },
	{ "batch-size", required_argument, NULL, OPT_BATCH_SIZE },
	{ "hot-params", required_argument, NULL, OPT_HOT_PARAMS },
	{ "deterministic", no_argument, NULL, OPT_DETERMINISTIC },
	{ "topology", required_argument, NULL, OPT_TOPOLOGY },
	{ "show-binding", no_argument, NULL, OPT_SHOW_BINDING },
	{ "progress", required_argument, NULL, OPT_PROGRESS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "summary", required_argument, NULL, OPT_SUMMARY },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "print-config", no_argument, NULL, OPT_PRINT_CONFIG },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_task(const char *s, enum dmlhog_task *out)
{
	int t = strcmp(s, "auto") == 0 ? DMLHOG_TASK_AUTO : dmlhog_task_parse(s);
	if (t < 0) {
		cli_msg("--task=%s: expected auto|binary|multiclass|regression|mf", s);
		return -1;
	}
	*out = (enum dmlhog_task)t;
	return 0;
}

static int parse_loss(const char *s, enum dmlhog_loss *out)
{
	int l = strcmp(s, "auto") == 0 ? DMLHOG_LOSS_AUTO : dmlhog_loss_parse(s);
	if (l < 0) {
		cli_msg("--loss=%s: expected logistic|hinge|sqhinge|squared", s);
		return -1;
	}
	*out = (enum dmlhog_loss)l;
	return 0;
}

/* --l2 A[,B]: B is the item-factor penalty (LIBMF's -l2 P,Q). */
static int parse_l2(const char *s, struct dmlhog_train_opts *o)
{
	char a[64];
	const char *comma = strchr(s, ',');
	if (!comma)
		return cli_parse_double("--l2", s, 0, HUGE_VAL, &o->l2);
	snprintf(a, sizeof a, "%.*s", (int)(comma - s), s);
	if (cli_parse_double("--l2", a, 0, HUGE_VAL, &o->l2) != 0)
		return -1;
	return cli_parse_double("--l2", comma + 1, 0, HUGE_VAL, &o->l2_item);
}

/* --lr-schedule const|invsqrt|adagrad|optimal|decay[:G] */
static int parse_schedule(const char *s, struct dmlhog_train_opts *o)
{
	if (strncmp(s, "decay:", 6) == 0) {
		o->schedule = DMLHOG_LR_DECAY;
		return cli_parse_double("--lr-schedule=decay", s + 6, 1e-9, 1, &o->decay);
	}
	int i = dmlhog_schedule_parse(s);
	if (i >= 0) {
		o->schedule = (enum dmlhog_schedule)i;
		return 0;
	}
	cli_msg("--lr-schedule=%s: expected const|invsqrt|adagrad|optimal|decay[:G]", s);
	return -1;
}

static int parse_engine(const char *s, enum dmlhog_engine *out)
{
	int e = dmlhog_engine_parse(s);
	if (e >= 0) {
		*out = (enum dmlhog_engine)e;
		return 0;
	}
	cli_msg("--engine=%s: unknown engine (serial|hogwild|locked|cyclades)", s);
	return -1;
}

/* Cyclades flags: --batch-size N, --hot-params auto|off|N. */
static int parse_cyclades_opt(struct dmlhog_train_opts *o, int opt, const char *arg)
{
	uint32_t v;
	switch (opt) {
	case OPT_BATCH_SIZE:
		return cli_parse_u32("--batch-size", arg, 1, UINT32_MAX / 2, &o->batch_size);
	case OPT_HOT_PARAMS:
		if (strcmp(arg, "auto") == 0) {
			o->hot_params = 0;
			return 0;
		}
		if (strcmp(arg, "off") == 0) {
			o->hot_params = -1;
			return 0;
		}
		if (!*arg || arg[strspn(arg, "0123456789")]) {
			cli_msg("--hot-params=%s: expected auto, off or a number of samples", arg);
			return -1;
		}
		if (cli_parse_u32("--hot-params", arg, 1, INT32_MAX, &v) != 0)
			return -1;
		o->hot_params = (int)v;
		return 0;
	case OPT_DETERMINISTIC:
		o->deterministic = 1;
		return 0;
	}
	return 1;
}

/* Placement flags (dmlhog-binding(7)). */
static int parse_place_opt(struct train_cli *c, int opt, const char *arg)
{
	struct dmlhog_train_opts *o = &c->to;
	int w;
	switch (opt) {
	case OPT_BIND:
		if ((w = cli_parse_word("--bind", arg, CLI_BIND_WORDS)) < 0)
			return -1;
		o->bind = (enum dmlhog_bind)w;
		c->bind_given = 1;
		return 0;
	case OPT_REPLICAS:
		if ((w = cli_parse_word("--replicas", arg, CLI_REPLICA_WORDS)) < 0)
			return -1;
		o->replicas = (enum dmlhog_replicas)w;
		return 0;
	case OPT_SYNC_EVERY:
		return cli_parse_u64("--sync-every", arg, 1, UINT64_MAX, &o->sync_every);
	case OPT_NO_SMT: o->no_smt = 1; return 0;
	case OPT_BATCH_SIZE:
	case OPT_HOT_PARAMS:
	case OPT_DETERMINISTIC:
		return parse_cyclades_opt(o, opt, arg);
	case OPT_TOPOLOGY: o->topology = arg; return 0;
	case OPT_SHOW_BINDING: c->show_binding = 1; return 0;
	}
	return 1;
}

/* --holdout FRAC|FILE: a whole-string number is a fraction, else a file. */
static int parse_holdout(struct train_cli *c, const char *s)
{
	char *end;
	strtod(s, &end);
	c->holdout_arg = s;
	if (end != s && *end == '\0') {
		if (cli_parse_double("--holdout", s, -HUGE_VAL, HUGE_VAL, &c->holdout_frac) != 0)
			return -1;
		if (c->holdout_frac > 0 && c->holdout_frac < 1)
			return 0;
		cli_msg("--holdout=%s: a fraction must be > 0 and < 1", s);
		return -1;
	}
	if (strncmp(s, "every:", 6) == 0) {
		cli_msg("--holdout=%s: every:N is not available in this build; give a fraction or a file", s);
		return -1;
	}
	c->holdout_frac = 0;
	c->holdout_file = s;
	return 0;
}

/* Flags that only set a field. */
static int parse_output_opt(struct train_cli *c, int opt, const char *arg)
{
	int w;
	switch (opt) {
	case OPT_PROGRESS:
		if ((w = cli_parse_word("--progress", arg, "auto|lines|none")) < 0)
			return -1;
		c->progress = w < 2;
		return 0;
	case OPT_SUMMARY:
		if ((w = cli_parse_word("--summary", arg, "text|json|none")) < 0)
			return -1;
		c->summary = w;
		return 0;
	case 'q': c->quiet = 1; c->verbose = 0; return 0;
	case OPT_VERBOSE: c->verbose = 1; c->quiet = 0; return 0;
	case OPT_LOG: c->log_path = arg; return 0;
	case OPT_DRY_RUN: c->dry_run = 1; return 0;
	case OPT_PRINT_CONFIG: c->print_config = 1; return 0;
	}
	return 1;
}

static int parse_data_opt(struct train_cli *c, int opt, const char *arg)
{
	switch (opt) {
	case 'd':
		if (c->data) {
			cli_msg("--data given twice (this build trains on one file)");
			return -1;
		}
		c->data = arg;
		return 0;
	case OPT_FORMAT: return cli_parse_format(arg, &c->ro.format);
	case OPT_INDEX_BASE: return cli_parse_index_base(arg, &c->ro.index_base);
	case OPT_FEATURES:
		return cli_parse_u32("--features", arg, 1, UINT32_MAX - 1, &c->to.n_features);
	case OPT_TEST: c->test = arg; return 0;
	case OPT_HOLDOUT: return parse_holdout(c, arg);
	case OPT_CACHE: c->cache_arg = arg; return 0;
	case OPT_REBUILD: c->rebuild = 1; return 0;
	case OPT_STRICT: c->ro.skip_bad_lines = 0; return 0;
	case OPT_SKIP:
		c->ro.skip_bad_lines = UINT64_MAX;
		return arg ? cli_parse_u64("--skip-bad-lines", arg, 0, UINT64_MAX - 1,
		                           &c->ro.skip_bad_lines) : 0;
	case 'T': c->threads_arg = arg; return 0;
	}
	return 1;
}

static int parse_model_opt(struct train_cli *c, int opt, const char *arg)
{
	struct dmlhog_train_opts *o = &c->to;
	switch (opt) {
	case OPT_TASK: return parse_task(arg, &o->task);
	case OPT_LOSS: return parse_loss(arg, &o->loss);
	case 'k': return cli_parse_u32("--rank", arg, 1, 65536, &o->rank);
	case OPT_L1: return cli_parse_double("--l1", arg, 0, HUGE_VAL, &o->l1);
	case OPT_L2: return parse_l2(arg, o);
	case OPT_BIAS: o->bias = 1; return 0;
	case OPT_NO_BIAS: o->bias = 0; return 0;
	case 'f': c->model = arg; return 0;
	case OPT_ENGINE: return parse_engine(arg, &o->engine);
	case OPT_LR: return cli_parse_positive("--lr", arg, &o->lr);
	case OPT_SCHEDULE: return parse_schedule(arg, o);
	case 'e': return cli_parse_u32("--epochs", arg, 1, 1000000, &o->epochs);
	case OPT_EARLY: return cli_parse_u32("--early-stop", arg, 1, 1000000, &o->early_stop);
	case OPT_MIN_DELTA: return cli_parse_double("--min-delta", arg, 0, HUGE_VAL, &o->min_delta);
	case OPT_TIME_LIMIT: return cli_parse_positive("--time-limit", arg, &o->time_limit_s);
	case OPT_SEED:
		c->seed_arg = arg;
		c->seed_random = strcmp(arg, "random") == 0;
		return c->seed_random ? 0 : cli_parse_u64("--seed", arg, 0, UINT64_MAX, &o->seed);
	}
	return 1;
}

/* Returns -1 to go on, else an exit status. */
static int train_parse(struct train_cli *c, int argc, char **argv)
{
	int opt;
	while ((opt = getopt_long(argc, argv, ":d:k:f:e:T:qh", train_longopts, NULL)) != -1) {
		if (opt == 'h') {
			train_help();
			return 0;
		}
		if (opt == '?' || opt == ':')
			return cli_bad_option("train", argc, argv, opt);
		const char *arg = optarg;
		int r = parse_data_opt(c, opt, arg);
		if (r > 0)
			r = parse_model_opt(c, opt, arg);
		if (r > 0)
			r = parse_output_opt(c, opt, arg);
		if (r > 0)
			r = parse_place_opt(c, opt, arg);
		if (r != 0)
			return CLI_EX_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		if (!c->data)
			c->data = argv[i];
		else if (!c->model_buf[0])
			snprintf(c->model_buf, sizeof c->model_buf, "%s", argv[i]);
		else
			return cli_usage("train", "unexpected argument '%s'", argv[i]);
	}
	return -1;
}

/* <basename of DATA without .gz/.xz/.cache>.model, in the current directory
 * (LIBLINEAR's habit, so `ls` finds it beside the command's output). */
static void default_model_path(const char *data, char *buf, size_t len)
{
	static const char *const strip[] = { ".gz", ".xz", ".cache" };
	const char *slash = strrchr(data, '/');
	const char *b = strcmp(data, "-") == 0 ? "stdin" : slash ? slash + 1 : data;
	size_t n = strlen(b);
	for (size_t i = 0; i < sizeof strip / sizeof strip[0]; i++) {
		size_t k = strlen(strip[i]);
		if (n > k && strcmp(b + n - k, strip[i]) == 0)
			n -= k;
	}
	snprintf(buf, len, "%.*s.model", (int)n, b);
}

static uint64_t random_seed(void)
{
	uint64_t s = 0;
	FILE *f = fopen("/dev/urandom", "rb");
	if (!f || fread(&s, sizeof s, 1, f) != 1)
		s = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (f)
		fclose(f);
	return s;
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return strcmp(a, "-") != 0 && stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* --cache off|auto|FILE; auto is DATA.cache, beside the data. */
static int resolve_cache(struct train_cli *c)
{
	if (!c->cache_arg || strcmp(c->cache_arg, "off") == 0)
		return 0;
	if (strcmp(c->cache_arg, "auto") != 0) {
		c->cache = c->cache_arg;
		return 0;
	}
	if (strcmp(c->data, "-") == 0) {
		cli_msg("--cache=auto: standard input has no cache; give --cache=FILE");
		return -1;
	}
	snprintf(c->cache_buf, sizeof c->cache_buf, "%s.cache", c->data);
	c->cache = c->cache_buf;
	return 0;
}

/* Flags that depend on each other; returns -1 to go on. */
static int train_resolve(struct train_cli *c)
{
	if (!c->data)
		return cli_usage("train", "no training data (give DATA or --data)");
	if (c->model && c->model_buf[0])
		return cli_usage("train", "model path given twice (-f %s and %s)", c->model, c->model_buf);
	if (c->model)
		snprintf(c->model_buf, sizeof c->model_buf, "%s", c->model);
	else if (!c->model_buf[0])
		default_model_path(c->data, c->model_buf, sizeof c->model_buf);
	c->model = c->model_buf;
	if (!c->model[0])
		return cli_usage("train", "--model-out: empty path");
	/* The model is renamed into place: never over a device or FIFO. */
	if (cli_is_special(c->model))
		return cli_usage("train", "--model-out=%s: not a regular file", c->model);
	if (same_file(c->data, c->model))
		return cli_usage("train", "--model-out=%s: that is the training data", c->model);
	if (c->to.early_stop && !c->holdout_arg)
		return cli_usage("train", "--early-stop needs --holdout (FRAC or FILE)");
	if (resolve_cache(c) != 0)
		return CLI_EX_USAGE;
	if (!c->log_path && getenv("DMLHOG_LOG") && *getenv("DMLHOG_LOG"))
		c->log_path = getenv("DMLHOG_LOG");
	const char *bind_env = getenv("DMLHOG_BIND");
	if (!c->bind_given && bind_env && *bind_env) {
		int w = cli_parse_word("DMLHOG_BIND", bind_env, CLI_BIND_WORDS);
		if (w < 0)
			return CLI_EX_USAGE;
		c->to.bind = (enum dmlhog_bind)w;
	}
	if (cli_threads(c->threads_arg, &c->threads, &c->threads_from) != 0)
		return CLI_EX_USAGE;
	if (c->seed_random)
		c->to.seed = random_seed();
	c->ro.threads = c->to.threads = c->threads;
	if (c->quiet)
		c->progress = 0;
	return -1;
}

static int check_input(const char *path)
{
	struct dmlhog_error err = { 0 };
	if (!path || strcmp(path, "-") == 0 || access(path, R_OK) == 0)
		return 0;
	dmlhog_error_set(&err, DMLHOG_E_NOINPUT, "cannot read %s: %s", path, strerror(errno));
	return cli_fail(&err);
}

/* Returns -1 to go on, else an exit status. */
static int check_files(const struct train_cli *c)
{
	int rc;
	struct dmlhog_error err = { 0 };
	if ((rc = check_input(c->data)) || (rc = check_input(c->test)) ||
	    (rc = check_input(c->holdout_file)))
		return rc;
	if (cli_check_writable(c->model, &err) != DMLHOG_OK)
		return cli_fail(&err);
	return -1;
}

static const char *name_or_auto(const char *s)
{
	return s ? s : "auto";
}

static void kv_auto_num(struct kvlist *l, const char *key, int is_auto, double v)
{
	if (is_auto)
		kv_str(l, key, "auto");
	else
		kv_num(l, key, v);
}

static void config_data_kv(const struct train_cli *c, struct kvlist *l)
{
	static const char *const fmt[] = { "auto", "svmlight", "triplet" };
	enum dmlhog_format f = c->base_seen >= 0 ? c->format_seen : c->ro.format;
	int base = c->base_seen >= 0 ? c->base_seen : c->ro.index_base;
	kv_str(l, "data", c->data);
	kv_str(l, "format", fmt[f]);
	kv_auto_num(l, "index_base", base < 0 || f == DMLHOG_FORMAT_TRIPLET, base);
	kv_auto_num(l, "features", c->to.n_features == 0, c->to.n_features);
	kv_str(l, "test", c->test);
	kv_str(l, "holdout", c->holdout_arg);
	kv_str(l, "cache", c->cache ? c->cache : "off");
	if (c->ro.skip_bad_lines == UINT64_MAX)
		kv_str(l, "skip_bad_lines", "unlimited");
	else
		kv_uint(l, "skip_bad_lines", c->ro.skip_bad_lines);
}

/* The resolved configuration: o is the CLI's options before training, or
 * the model's copy (which the trainer resolves) after it. */
static void config_kv(const struct train_cli *c, const struct dmlhog_train_opts *o,
                      struct kvlist *l)
{
	l->n = 0;
	config_data_kv(c, l);
	kv_str(l, "task", name_or_auto(o->task ? dmlhog_task_name(o->task) : NULL));
	kv_str(l, "loss", name_or_auto(o->loss ? dmlhog_loss_name(o->loss) : NULL));
	kv_auto_num(l, "rank", o->rank == 0, o->rank);
	kv_num(l, "l1", o->l1);
	kv_auto_num(l, "l2", o->l2 < 0, o->l2);
	kv_auto_num(l, "l2_item", o->l2_item < 0, o->l2_item);
	kv_bool(l, "bias", o->bias);
	kv_str(l, "engine", dmlhog_engine_name(o->engine));
	kv_auto_num(l, "batch_size", o->batch_size == 0, o->batch_size);
	if (o->hot_params < 0)
		kv_str(l, "hot_params", "off");
	else
		kv_auto_num(l, "hot_params", o->hot_params == 0, o->hot_params);
	kv_bool(l, "deterministic", o->deterministic);
	kv_auto_num(l, "lr", o->lr <= 0, o->lr);
	kv_str(l, "lr_schedule", dmlhog_schedule_name(o->schedule));
	kv_num(l, "decay", o->decay);
	kv_auto_num(l, "epochs", o->epochs == 0, o->epochs);
	kv_uint(l, "early_stop", o->early_stop);
	kv_num(l, "min_delta", o->min_delta);
	kv_num(l, "time_limit", o->time_limit_s);
	kv_uint(l, "seed", o->seed);
	kv_int(l, "threads", c->threads);
	kv_str(l, "threads_from", c->threads_from);
	kv_str(l, "model", c->model);
	kv_str(l, "log", c->log_path);
}

static void print_config(const struct train_cli *c, FILE *f, int json)
{
	struct kvlist l;
	config_kv(c, &c->to, &l);
	if (json) {
		kv_print_json(f, &l);
		fputc('\n', f);
	} else {
		kv_print_text(f, &l);
	}
}

static enum dmlhog_status open_log(struct train_cli *c, FILE **log, struct dmlhog_error *err)
{
	*log = NULL;
	if (!c->log_path)
		return DMLHOG_OK;
	if (strcmp(c->log_path, "-") == 0) {
		*log = stdout;
		return DMLHOG_OK;
	}
	*log = fopen(c->log_path, "a");
	if (!*log)
		return dmlhog_error_set(err, DMLHOG_E_CANTCREAT, "cannot open log %s: %s",
		                        c->log_path, strerror(errno));
	return DMLHOG_OK;
}

static void log_start(const struct train_cli *c, FILE *log)
{
	struct kvlist l, cfg;
	if (!log)
		return;
	config_kv(c, &c->to, &cfg);
	log_event_begin(&l, "start");
	kv_str(&l, "version", dmlhog_version());
	kv_int(&l, "threads", c->threads);
	kv_str(&l, "threads_from", c->threads_from);
	kv_obj(&l, "config", &cfg);
	log_event_write(log, &l);
}

/* Train, holdout and test sets.  Holdout and test files are read with the
 * format and index base DATA turned out to have, so ids line up. */
static enum dmlhog_status read_all(struct train_cli *c, dmlhog_dataset **tr,
                                   dmlhog_dataset **ho, dmlhog_dataset **te,
                                   struct dmlhog_error *err)
{
	dmlhog_dataset *d = NULL;
	enum dmlhog_status st = cli_read_data(c->data, &c->ro, c->cache, c->rebuild, &d, err);
	if (st != DMLHOG_OK)
		return st;
	struct dmlhog_read_opts ro = c->ro;
	c->format_seen = ro.format = dmlhog_dataset_format(d);
	c->base_seen = d->index_base;
	if (ro.format == DMLHOG_FORMAT_SVMLIGHT)
		ro.index_base = d->index_base;
	if (c->holdout_frac > 0) {
		st = dataset_split(d, c->holdout_frac, c->to.seed, tr, ho, err);
		dmlhog_dataset_destroy(d);
	} else {
		*tr = d;
		if (c->holdout_file)
			st = cli_read_data(c->holdout_file, &ro, NULL, 0, ho, err);
	}
	if (st == DMLHOG_OK && c->test)
		st = cli_read_data(c->test, &ro, NULL, 0, te, err);
	return st;
}

struct outcome {
	enum dmlhog_status status;
	const char *reason;
	enum dmlhog_task task;
	uint32_t epochs;
	const char *model;               /* written to, or NULL */
	int have_ho, have_te;
	struct dmlhog_metrics ho, te;
};

static enum dmlhog_task outcome_task(const struct train_cli *c, const dmlhog_model *m,
                                     int mf)
{
	if (m)
		return dmlhog_model_task(m);
	if (c->to.task != DMLHOG_TASK_AUTO)
		return c->to.task;
	return mf ? DMLHOG_TASK_MF : DMLHOG_TASK_AUTO;
}

static const char *outcome_reason(const struct train_cli *c, const struct outcome *o,
                                  const dmlhog_model *m)
{
	if (o->status == DMLHOG_E_DIVERGED)
		return "diverged";
	if (o->status == DMLHOG_E_TIMELIMIT)
		return "time_limit";
	uint32_t want = m && m->opts.epochs ? m->opts.epochs : c->to.epochs;
	if (!want)
		want = o->task == DMLHOG_TASK_MF ? 30 : 10;
	return c->to.early_stop && o->epochs < want ? "early_stop" : "epochs";
}

static void summary_metrics_kv(const struct outcome *o, int mf, double train_value,
                               struct kvlist *l)
{
	int reg = mf || o->task == DMLHOG_TASK_REGRESSION;
	kv_num(l, mf ? "train_rmse" : "train_loss", train_value);
	kv_num(l, "holdout_loss", o->have_ho ? o->ho.loss : NAN);
	kv_num(l, reg ? "holdout_rmse" : "holdout_accuracy",
	       !o->have_ho ? NAN : reg ? o->ho.rmse : o->ho.accuracy);
	kv_num(l, "test_loss", o->have_te ? o->te.loss : NAN);
	if (reg) {
		kv_num(l, "test_rmse", o->have_te ? o->te.rmse : NAN);
		kv_num(l, "test_mae", o->have_te ? o->te.mae : NAN);
		return;
	}
	kv_num(l, "test_accuracy", o->have_te ? o->te.accuracy : NAN);
	if (o->task == DMLHOG_TASK_BINARY)
		kv_num(l, "test_auc", o->have_te ? o->te.auc : NAN);
}

static void print_summary(const struct train_cli *c, const struct progress *p,
                          const struct outcome *o, const dmlhog_model *m)
{
	struct kvlist l, cfg;
	const struct dmlhog_epoch_report *r = &p->last;
	int mf = o->task == DMLHOG_TASK_MF;
	if (c->summary == SUM_NONE)
		return;
	l.n = 0;
	kv_str(&l, "status", dmlhog_status_word(o->status));
	kv_str(&l, "reason", o->reason);
	kv_int(&l, "exit", dmlhog_exit_code(o->status));
	kv_str(&l, "task", name_or_auto(o->task ? dmlhog_task_name(o->task) : NULL));
	kv_str(&l, "loss", name_or_auto(m && m->loss ? dmlhog_loss_name(m->loss) :
	                                c->to.loss ? dmlhog_loss_name(c->to.loss) : NULL));
	kv_uint(&l, "epochs", o->epochs);
	if (p->best_epoch)
		kv_uint(&l, "best_epoch", p->best_epoch);
	else
		kv_null(&l, "best_epoch");
	summary_metrics_kv(o, mf, p->reports ? (mf ? r->train_rmse : r->train_loss) : NAN, &l);
	kv_num(&l, "wall_s", clock_now() - c->t0);
	kv_str(&l, "model", o->model);
	kv_uint(&l, "seed", c->to.seed);
	kv_int(&l, "threads", c->threads);
	if (c->summary == SUM_TEXT) {
		kv_print_text(stdout, &l);
		return;
	}
	config_kv(c, m ? &m->opts : &c->to, &cfg);
	kv_obj(&l, "config", &cfg);
	kv_print_json(stdout, &l);
	fputc('\n', stdout);
}

static void log_end(FILE *log, const struct outcome *o, const struct dmlhog_error *err,
                    double wall_s)
{
	struct kvlist l;
	char msg[1400];
	if (!log)
		return;
	log_event_begin(&l, "end");
	kv_str(&l, "status", dmlhog_status_word(o->status));
	kv_str(&l, "reason", o->reason);
	kv_int(&l, "exit", dmlhog_exit_code(o->status));
	kv_uint(&l, "epochs", o->epochs);
	kv_num(&l, "wall_s", wall_s);
	kv_str(&l, "model", o->model);
	if (o->status != DMLHOG_OK) {
		dmlhog_error_format(err, msg, sizeof msg);
		kv_str(&l, "msg", msg);
	}
	log_event_write(log, &l);
}

/* Metrics of the model as written (the trainer may return its best epoch,
 * not its last, so the last report is not enough). */
static void evaluate_final(const dmlhog_model *m, const dmlhog_dataset *ho,
                           const dmlhog_dataset *te, struct outcome *o)
{
	struct dmlhog_error e = { 0 };
	o->have_ho = m && ho && dmlhog_evaluate(m, ho, &o->ho, &e) == DMLHOG_OK;
	o->have_te = m && te && dmlhog_evaluate(m, te, &o->te, &e) == DMLHOG_OK;
}

static void explain_stop(const struct train_cli *c, const struct outcome *o,
                         const struct dmlhog_error *err)
{
	if (o->status == DMLHOG_E_DIVERGED) {
		cli_fail(err);
		cli_msg("no model written (%s left as it was); try a smaller --lr or --lr-schedule=adagrad",
		        c->model);
	} else if (o->status == DMLHOG_E_TIMELIMIT) {
		cli_msg("stopped by --time-limit=%g after %u epochs; %s", c->to.time_limit_s,
		        o->epochs, o->model ? "model written" : "no model written");
	} else if (o->model && c->summary == SUM_NONE && !c->quiet) {
		cli_msg("model written to %s", o->model);
	}
}

/* After dmlhog_train: save what deserves saving, then report. */
static int train_finish(struct train_cli *c, struct progress *p, struct outcome *o,
                        dmlhog_model *m, const dmlhog_dataset *ho,
                        const dmlhog_dataset *te, struct dmlhog_error *err)
{
	enum dmlhog_status st = o->status;
	o->epochs = m && m->epochs_done ? m->epochs_done : p->reports;
	o->task = outcome_task(c, m, p->mf);
	if ((st == DMLHOG_OK || st == DMLHOG_E_TIMELIMIT) && m) {
		enum dmlhog_status s = dmlhog_model_save(m, c->model, err);
		if (s != DMLHOG_OK)
			o->status = s;
		else
			o->model = c->model;
	}
	int ran = o->status == DMLHOG_OK || o->status == DMLHOG_E_TIMELIMIT ||
	          o->status == DMLHOG_E_DIVERGED;
	o->reason = ran ? outcome_reason(c, o, m) : "error";
	log_end(p->log, o, err, clock_now() - c->t0);
	if (!ran)
		return cli_fail(err);
	explain_stop(c, o, err);
	evaluate_final(o->model ? m : NULL, ho, te, o);
	print_summary(c, p, o, m);
	return dmlhog_exit_code(o->status);
}

static int train_exec(struct train_cli *c)
{
	struct progress p;
	struct outcome o = { 0 };
	struct dmlhog_error err = { 0 };
	dmlhog_dataset *tr = NULL, *ho = NULL, *te = NULL;
	dmlhog_model *m = NULL;
	FILE *log;
	if (open_log(c, &log, &err) != DMLHOG_OK)
		return cli_fail(&err);
	progress_init(&p, c->progress, c->quiet, log);
	c->ro.notice = c->to.notice = progress_notice;
	c->ro.notice_ctx = c->to.notice_ctx = &p;
	c->to.progress = progress_epoch;
	c->to.progress_ctx = &p;
	p.show_binding = c->show_binding;
	c->to.binding = progress_binding;
	c->to.binding_ctx = &p;
	log_start(c, log);
	o.status = read_all(c, &tr, &ho, &te, &err);
	if (o.status == DMLHOG_OK) {
		p.mf = c->to.task == DMLHOG_TASK_MF || (c->to.task == DMLHOG_TASK_AUTO &&
		        dmlhog_dataset_format(tr) == DMLHOG_FORMAT_TRIPLET);
		p.has_holdout = ho != NULL;
		p.has_test = te != NULL;
		o.status = dmlhog_train(tr, ho, te, &c->to, &m, &err);
	}
	int rc = train_finish(c, &p, &o, m, ho, te, &err);
	dmlhog_model_destroy(m);
	dmlhog_dataset_destroy(tr);
	dmlhog_dataset_destroy(ho);
	dmlhog_dataset_destroy(te);
	if (log && log != stdout)
		fclose(log);
	return rc;
}

static void announce(const struct train_cli *c)
{
	if (!c->quiet || c->seed_random)
		cli_msg("seed %llu%s", (unsigned long long)c->to.seed,
		        c->seed_random ? " (random)" : "");
	if (c->verbose || c->print_config) {
		cli_msg("threads %d (from %s)", c->threads, c->threads_from);
		print_config(c, stderr, 0);
	}
	if (!c->quiet && strcmp(c->threads_from, "process mask") != 0) {
		int pus = cpumask_pus();
		if (c->threads > pus)
			cli_msg("warning: %d threads on %d PUs of the process mask (oversubscribed)",
			        c->threads, pus);
	}
}

static int train_run(int argc, char **argv)
{
	struct train_cli c;
	memset(&c, 0, sizeof c);
	c.t0 = clock_now();
	c.progress = 1;
	c.base_seen = -1;
	dmlhog_read_opts_init(&c.ro);
	dmlhog_train_opts_init(&c.to);
	int rc = train_parse(&c, argc, argv);
	if (rc < 0)
		rc = train_resolve(&c);
	if (rc < 0)
		rc = check_files(&c);
	if (rc >= 0)
		return rc;
	if (c.dry_run) {
		print_config(&c, stdout, c.summary == SUM_JSON);
		return 0;
	}
	announce(&c);
	return train_exec(&c);
}

const struct cli_cmd cmd_train = { "train", "train a model on a data file", train_run };

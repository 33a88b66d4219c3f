/* gen-sparse: a svmlight binary classification set of any size, for the
 * benchmarks.
 *
 * Features follow a power law (Zipf, exponent --zipf): a few hot features
 * sit in almost every row and a long tail is rare, as in text and click
 * data.  A planted sparse linear model w (a fraction --model-density of
 * the features get a N(0,1) weight, drawn from a hash of the seed and the
 * feature id, so it costs no memory) labels each row sign(w.x + b); b is
 * set from a fixed pilot sample so that --positive-frac of the rows are
 * positive.  Then each label is flipped with probability --noise, so the
 * best possible accuracy (the Bayes rate) is 1 - noise.
 *
 * Streaming and deterministic: memory does not grow with --rows, and the
 * same options give the same bytes.  --stream picks an independent row
 * stream from the same model (train: 0, test: 1). */
#include "config.h"

#include <getopt.h>

#include "gen-common.h"

#define PILOT_ROWS 20000
/* rng streams; rows use STREAM_ROWS + --stream */
enum { STREAM_PERM = 1, STREAM_PILOT = 2, STREAM_ROWS = 16 };

struct sparse_opts {
	uint64_t rows, features, nnz, seed, stream;
	double zipf, noise, density, pos_frac, bias;
	int bias_set, values_one, hot_first, fixed_length;
	const char *out, *meta, *dump_model;
};

struct sparse_gen {
	const struct sparse_opts *o;
	struct gen_zipf zipf;
	struct gen_perm perm;
	uint32_t *idx;           /* the current row's feature ids (0-based) */
	uint16_t *val;           /* values in thousandths (1..1000) */
	size_t cap;
	double bias;
};

struct sparse_stats {
	uint64_t rows, nnz, positives, agree;
};

static void sparse_usage(FILE *f)
{
	fputs("usage: gen-sparse [options] [-o FILE]\n"
	      "Write a svmlight binary classification set with power-law feature\n"
	      "frequencies and labels from a planted sparse linear model.\n\n"
	      "  --rows N            rows to write (default 10000)\n"
	      "  --features D        feature ids 1..D (default 1000000)\n"
	      "  --nnz-per-row K     mean non-zeros per row; rows hold K-K/2..K+K/2 (default 50)\n"
	      "  --fixed-length      every row holds exactly K non-zeros\n"
	      "  --zipf S            feature frequency ~ rank^-S (default 1.0)\n"
	      "  --noise P           label flip probability; best accuracy = 1-P (default 0.05)\n"
	      "  --model-density F   fraction of features with a planted weight (default 0.2)\n"
	      "  --positive-frac F   share of positive labels before noise (default 0.5)\n"
	      "  --bias B            planted bias instead of the one --positive-frac implies\n"
	      "  --values float|one  values uniform in (0,1] with 3 decimals, or all 1 (default float)\n"
	      "  --hot-first         hot features get the lowest ids (default: scattered)\n"
	      "  --seed N            seed of the model and the data (default 1)\n"
	      "  --stream N          independent row stream, same model: 0 train, 1 test (default 0)\n"
	      "  -o, --output FILE   output (default stdout); provenance goes to FILE.meta\n"
	      "  --meta FILE         write the provenance here instead\n"
	      "  --dump-model FILE   write the planted model: 'bias B', then 'index weight' lines\n"
	      "  -h, --help          this text\n"
	      "  --version           print the version\n", f);
}

static void sparse_opts_parse(struct sparse_opts *o, int argc, char **argv)
{
	enum { O_ROWS = 256, O_FEAT, O_NNZ, O_FIXED, O_ZIPF, O_NOISE, O_DENS, O_POS, O_BIAS,
	       O_VALUES, O_HOT, O_SEED, O_STREAM, O_META, O_DUMP, O_VERSION };
	static const struct option lo[] = {
		{ "rows", 1, 0, O_ROWS }, { "features", 1, 0, O_FEAT },
		{ "nnz-per-row", 1, 0, O_NNZ }, { "fixed-length", 0, 0, O_FIXED },
		{ "zipf", 1, 0, O_ZIPF }, { "noise", 1, 0, O_NOISE },
		{ "model-density", 1, 0, O_DENS }, { "positive-frac", 1, 0, O_POS },
		{ "bias", 1, 0, O_BIAS }, { "values", 1, 0, O_VALUES },
		{ "hot-first", 0, 0, O_HOT }, { "seed", 1, 0, O_SEED },
		{ "stream", 1, 0, O_STREAM }, { "output", 1, 0, 'o' }, { "meta", 1, 0, O_META },
		{ "dump-model", 1, 0, O_DUMP }, { "help", 0, 0, 'h' },
		{ "version", 0, 0, O_VERSION }, { 0, 0, 0, 0 },
	};
	*o = (struct sparse_opts){ .rows = 10000, .features = 1000000, .nnz = 50, .seed = 1,
	                           .zipf = 1.0, .noise = 0.05, .density = 0.2, .pos_frac = 0.5 };
	int c;
	while ((c = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		switch (c) {
		case O_ROWS: o->rows = gen_parse_u64("--rows", optarg, 0, UINT64_MAX / 2); break;
		case O_FEAT: o->features = gen_parse_u64("--features", optarg, 1, UINT32_MAX); break;
		case O_NNZ: o->nnz = gen_parse_u64("--nnz-per-row", optarg, 1, 1u << 20); break;
		case O_FIXED: o->fixed_length = 1; break;
		case O_ZIPF: o->zipf = gen_parse_double("--zipf", optarg, 0.01, 10); break;
		case O_NOISE: o->noise = gen_parse_double("--noise", optarg, 0, 0.5); break;
		case O_DENS: o->density = gen_parse_double("--model-density", optarg, 1e-9, 1); break;
		case O_POS: o->pos_frac = gen_parse_double("--positive-frac", optarg, 0, 1); break;
		case O_BIAS:
			o->bias = gen_parse_double("--bias", optarg, -1e9, 1e9);
			o->bias_set = 1;
			break;
		case O_VALUES:
			if (strcmp(optarg, "one") == 0)
				o->values_one = 1;
			else if (strcmp(optarg, "float") == 0)
				o->values_one = 0;
			else
				gen_die(GEN_EX_USAGE, "--values: '%s': expected float or one", optarg);
			break;
		case O_HOT: o->hot_first = 1; break;
		case O_SEED: o->seed = gen_parse_u64("--seed", optarg, 0, UINT64_MAX); break;
		case O_STREAM: o->stream = gen_parse_u64("--stream", optarg, 0, 1u << 30); break;
		case 'o': o->out = optarg; break;
		case O_META: o->meta = optarg; break;
		case O_DUMP: o->dump_model = optarg; break;
		case 'h': sparse_usage(stdout); exit(0);
		case O_VERSION: printf("gen-sparse (dmlhog) %s\n", PACKAGE_VERSION); exit(0);
		default: sparse_usage(stderr); exit(GEN_EX_USAGE);
		}
	}
	if (optind < argc)
		gen_die(GEN_EX_USAGE, "unexpected argument '%s' (the output is -o FILE)", argv[optind]);
	if (o->nnz > o->features)
		gen_die(GEN_EX_USAGE, "--nnz-per-row %llu exceeds --features %llu",
		        (unsigned long long)o->nnz, (unsigned long long)o->features);
}

/* The planted weight of feature j (0-based): a pure function of (seed, j). */
static inline double sparse_weight(uint64_t seed, uint64_t j, double density)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL ^ (j + 1) * 0xc2b2ae3d27d4eb4fULL;
	uint64_t h = rng_splitmix64(&x);
	if ((double)(h >> 11) * 0x1.0p-53 >= density)
		return 0;
	double u1 = 1.0 - (double)(rng_splitmix64(&x) >> 11) * 0x1.0p-53;
	double u2 = (double)(rng_splitmix64(&x) >> 11) * 0x1.0p-53;
	return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
}

static void sparse_sort(uint32_t *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint32_t v = a[i];
		size_t j = i;
		while (j > 0 && a[j - 1] > v) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = v;
	}
}

static int sparse_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static size_t sparse_unique(uint32_t *a, size_t n)
{
	if (n < 64)
		sparse_sort(a, n);
	else
		qsort(a, n, sizeof *a, sparse_cmp_u32);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (m == 0 || a[i] != a[m - 1])
			a[m++] = a[i];
	return m;
}

/* Draw one row's distinct features (ascending) and values; returns the count. */
static size_t sparse_row(struct sparse_gen *g, struct rng *r)
{
	const struct sparse_opts *o = g->o;
	uint64_t half = o->fixed_length ? 0 : o->nnz / 2;
	size_t len = (size_t)(o->nnz - half + rng_below(r, 2 * half + 1));
	if (len > o->features)
		len = (size_t)o->features;
	size_t n = 0;
	/* Hot features repeat; redraw the missing ones until the row is full.
	 * After many rounds (tiny --features, steep --zipf) fall back to
	 * uniform ids so the loop always ends. */
	for (int round = 0; n < len; round++) {
		for (size_t i = n; i < len; i++) {
			uint64_t rank0 = round < 64 ? gen_zipf_draw(&g->zipf, r) - 1
			                            : rng_below(r, o->features);
			g->idx[i] = (uint32_t)gen_perm_apply(&g->perm, rank0);
		}
		n = sparse_unique(g->idx, len);
	}
	for (size_t i = 0; i < n; i++)
		g->val[i] = o->values_one ? 1000 : (uint16_t)(1 + rng_below(r, 1000));
	return n;
}

static double sparse_score(const struct sparse_gen *g, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += sparse_weight(g->o->seed, g->idx[i], g->o->density) * (g->val[i] / 1000.0);
	return s;
}

static int sparse_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The bias that makes --positive-frac of the rows positive, from a pilot
 * sample of its own stream (the same for every --stream and --rows). */
static double sparse_pilot_bias(struct sparse_gen *g)
{
	struct rng r;
	rng_seed(&r, g->o->seed, STREAM_PILOT);
	double *sc = malloc(PILOT_ROWS * sizeof *sc);
	if (!sc)
		gen_die(1, "out of memory (pilot sample)");
	for (size_t i = 0; i < PILOT_ROWS; i++)
		sc[i] = sparse_score(g, sparse_row(g, &r));
	qsort(sc, PILOT_ROWS, sizeof *sc, sparse_cmp_double);
	double q = 1 - g->o->pos_frac;
	size_t k = (size_t)(q * (PILOT_ROWS - 1) + 0.5);
	/* midpoint between neighbours so no pilot score sits exactly on 0 */
	double b = k + 1 < PILOT_ROWS ? -(sc[k] + sc[k + 1]) / 2 : -sc[k] - 1;
	if (g->o->pos_frac <= 0)
		b = -sc[PILOT_ROWS - 1] - 1;
	else if (g->o->pos_frac >= 1)
		b = -sc[0] + 1;
	free(sc);
	return b;
}

static void sparse_write_row(struct gen_out *out, const struct sparse_gen *g, size_t n, int y)
{
	gen_out_reserve(out, 4);
	if (y > 0) {
		memcpy(out->p, "+1", 2);
	} else {
		memcpy(out->p, "-1", 2);
	}
	out->p += 2;
	for (size_t i = 0; i < n; i++) {
		gen_out_reserve(out, 32);
		gen_out_char(out, ' ');
		gen_out_u64(out, (uint64_t)g->idx[i] + 1);
		gen_out_char(out, ':');
		if (g->val[i] == 1000)
			gen_out_char(out, '1');
		else
			gen_out_fixed(out, g->val[i], 3);
	}
	gen_out_reserve(out, 1);
	gen_out_char(out, '\n');
	out->lines++;
}

static void sparse_generate(struct sparse_gen *g, struct gen_out *out, struct sparse_stats *st)
{
	const struct sparse_opts *o = g->o;
	struct rng r;
	rng_seed(&r, o->seed, STREAM_ROWS + o->stream);
	*st = (struct sparse_stats){ 0 };
	for (uint64_t row = 0; row < o->rows; row++) {
		size_t n = sparse_row(g, &r);
		int planted = sparse_score(g, n) + g->bias > 0 ? 1 : -1;
		/* always draw, so --noise changes labels and nothing else */
		int flip = rng_uniform(&r) < o->noise;
		int y = flip ? -planted : planted;
		sparse_write_row(out, g, n, y);
		st->rows++;
		st->nnz += n;
		st->positives += y > 0;
		st->agree += !flip;
	}
}

static void sparse_dump_model(const struct sparse_gen *g, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		gen_die(GEN_EX_CANTCREAT, "%s: %s", path, strerror(errno));
	fprintf(f, "bias %.17g\n", g->bias);
	for (uint64_t j = 0; j < g->o->features; j++) {
		double w = sparse_weight(g->o->seed, j, g->o->density);
		if (w != 0)
			fprintf(f, "%llu %.17g\n", (unsigned long long)j + 1, w);
	}
	if (fclose(f) != 0)
		gen_die(GEN_EX_IOERR, "%s: %s", path, strerror(errno));
}

static void sparse_meta(const struct sparse_gen *g, const struct sparse_stats *st,
                        const struct gen_out *out, int argc, char **argv)
{
	const struct sparse_opts *o = g->o;
	char *name = NULL;
	FILE *f = gen_meta_open(o->out, o->meta, &name);
	if (!f)
		return;
	fprintf(f, "generator: gen-sparse\nversion: %s\n", PACKAGE_VERSION);
	gen_meta_command(f, argc, argv);
	fprintf(f, "kind: svmlight binary classification, generated (not real data)\n"
	        "seed: %llu\nstream: %llu\nrows: %llu\nfeatures: %llu\nnnz: %llu\n"
	        "nnz_per_row: %llu (%s)\nzipf: %g\nvalues: %s\nhot_first: %s\n"
	        "model_density: %g\nbias: %.17g\nnoise: %g\n"
	        "positive_frac: %.6f\nplanted_accuracy: %.6f\nbayes_accuracy: %g\nbytes: %llu\n",
	        (unsigned long long)o->seed, (unsigned long long)o->stream,
	        (unsigned long long)st->rows, (unsigned long long)o->features,
	        (unsigned long long)st->nnz, (unsigned long long)o->nnz,
	        o->fixed_length ? "fixed" : "mean",
	        o->zipf, o->values_one ? "one" : "float", o->hot_first ? "yes" : "no",
	        o->density, g->bias, o->noise,
	        st->rows ? (double)st->positives / (double)st->rows : 0.0,
	        st->rows ? (double)st->agree / (double)st->rows : 0.0,
	        1 - o->noise, (unsigned long long)out->bytes);
	gen_meta_close(f, name);
	free(name);
}

int main(int argc, char **argv)
{
	struct sparse_opts o;
	gen_prog = "gen-sparse";
	sparse_opts_parse(&o, argc, argv);

	struct sparse_gen g = { .o = &o };
	gen_zipf_init(&g.zipf, o.features, o.zipf);
	struct rng pr;
	rng_seed(&pr, o.seed, STREAM_PERM);
	gen_perm_init(&g.perm, o.features, o.hot_first, &pr);
	g.cap = (size_t)(o.nnz + o.nnz / 2 + 1);
	g.idx = malloc(g.cap * sizeof *g.idx);
	g.val = malloc(g.cap * sizeof *g.val);
	if (!g.idx || !g.val)
		gen_die(1, "out of memory (row of %zu features)", g.cap);
	g.bias = o.bias_set ? o.bias : sparse_pilot_bias(&g);
	if (o.dump_model)
		sparse_dump_model(&g, o.dump_model);

	struct gen_out out;
	struct sparse_stats st;
	gen_out_open(&out, o.out);
	sparse_generate(&g, &out, &st);
	gen_out_close(&out);
	sparse_meta(&g, &st, &out, argc, argv);
	free(g.idx);
	free(g.val);
	return 0;
}

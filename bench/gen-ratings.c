/* gen-ratings: `user item rating` triplets from a planted low-rank model,
 * Netflix-shaped by default (480,189 users x 17,770 items), for the matrix
 * factorisation benchmarks.
 *
 *   rating(u, i) = mu + b_u + b_i + p_u . q_i + N(0, noise^2)
 *
 * with p_u, q_i in R^rank.  Component scales: b_u ~ N(0, 0.3^2),
 * b_i ~ N(0, 0.4^2), var(p_u . q_i) = 0.5, mu = 3.6, so predicting mu alone
 * gives RMSE ~ sqrt(0.75 + noise^2), user and item biases alone
 * sqrt(0.5 + noise^2), and the planted model itself the noise (plus the
 * rounding to --decimals), which is the best possible RMSE.  Ratings are
 * real numbers, not clipped to 1..5, so that bound holds exactly.
 *
 * User degrees follow a power law (the user of popularity rank r gets a
 * share ~ r^-user_skew of the ratings, capped at --max-user-frac of the
 * items) and each user's items are drawn from a Zipf law over items
 * (exponent --item-skew) without repetition, so there are no duplicate
 * (user, item) pairs.  Output is grouped by user (ids ascending, each
 * user's items in random order); trainers are expected to shuffle.
 *
 * Memory is the factors (users + items) x rank floats, fixed by the shape,
 * not by --ratings.  Deterministic: each user has its own rng stream. */
#include "config.h"

#include <getopt.h>

#include "gen-common.h"

#define MU 3.6
#define SD_USER_BIAS 0.3
#define SD_ITEM_BIAS 0.4
#define VAR_DOT 0.5
enum { STREAM_FACTORS = 1, STREAM_PERM = 2, STREAM_USERS = 1024 };

struct ratings_opts {
	uint64_t users, items, ratings, rank, seed;
	double noise, user_skew, item_skew, max_user_frac, test_frac;
	int csv, decimals;
	const char *out, *test_out, *meta, *dump_planted;
};

struct ratings_model {
	const struct ratings_opts *o;
	float *p, *q, *bu, *bi;          /* factors and biases, by 0-based id */
	struct gen_perm uperm, iperm;    /* popularity rank <-> id */
	struct gen_zipf izipf;
	double *uweight;                 /* capped degree weight by user rank */
	double uweight_sum;
	uint64_t cap;                    /* most ratings one user may have */
};

struct ratings_stats {
	uint64_t train, test, users_with_ratings, max_degree;
	double sq_noise;                 /* sum of squared (rating - planted) */
};

static void ratings_usage(FILE *f)
{
	fputs("usage: gen-ratings [options] [-o FILE]\n"
	      "Write 'user item rating' triplets from a planted low-rank model with\n"
	      "power-law user and item degrees (Netflix shape by default).\n\n"
	      "  --users N           user ids 1..N (default 480189)\n"
	      "  --items N           item ids 1..N (default 17770)\n"
	      "  --ratings N         ratings to write, train + test (default 1000000)\n"
	      "  --rank K            planted rank (default 32)\n"
	      "  --noise S           Gaussian noise sigma = best possible RMSE (default 0.5)\n"
	      "  --user-skew A       user degree share ~ rank^-A (default 0.6)\n"
	      "  --item-skew B       item popularity ~ rank^-B (default 0.9)\n"
	      "  --max-user-frac F   cap on one user's ratings, as a share of the items (default 0.25)\n"
	      "  --decimals D        decimals printed per rating (default 2)\n"
	      "  --csv               'user,item,rating' instead of space-separated\n"
	      "  --seed N            seed (default 1)\n"
	      "  -o, --output FILE   output (default stdout); provenance goes to FILE.meta\n"
	      "  --test-out FILE     send a random share of the ratings here (disjoint pairs)\n"
	      "  --test-frac F       that share (default 0.1 with --test-out)\n"
	      "  --meta FILE         write the provenance here instead\n"
	      "  --dump-planted FILE 'user item planted_rating' for every rating, in output order\n"
	      "  -h, --help          this text\n"
	      "  --version           print the version\n", f);
}

static void ratings_opts_parse(struct ratings_opts *o, int argc, char **argv)
{
	enum { O_USERS = 256, O_ITEMS, O_RATINGS, O_RANK, O_NOISE, O_USKEW, O_ISKEW, O_MAXU,
	       O_DEC, O_CSV, O_SEED, O_TEST, O_TFRAC, O_META, O_DUMP, O_VERSION };
	static const struct option lo[] = {
		{ "users", 1, 0, O_USERS }, { "items", 1, 0, O_ITEMS },
		{ "ratings", 1, 0, O_RATINGS }, { "rank", 1, 0, O_RANK },
		{ "noise", 1, 0, O_NOISE }, { "user-skew", 1, 0, O_USKEW },
		{ "item-skew", 1, 0, O_ISKEW }, { "max-user-frac", 1, 0, O_MAXU },
		{ "decimals", 1, 0, O_DEC }, { "csv", 0, 0, O_CSV }, { "seed", 1, 0, O_SEED },
		{ "output", 1, 0, 'o' }, { "test-out", 1, 0, O_TEST },
		{ "test-frac", 1, 0, O_TFRAC }, { "meta", 1, 0, O_META },
		{ "dump-planted", 1, 0, O_DUMP }, { "help", 0, 0, 'h' },
		{ "version", 0, 0, O_VERSION }, { 0, 0, 0, 0 },
	};
	*o = (struct ratings_opts){ .users = 480189, .items = 17770, .ratings = 1000000,
	                            .rank = 32, .seed = 1, .noise = 0.5, .user_skew = 0.6,
	                            .item_skew = 0.9, .max_user_frac = 0.25, .test_frac = -1,
	                            .decimals = 2 };
	int c;
	while ((c = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		switch (c) {
		case O_USERS: o->users = gen_parse_u64("--users", optarg, 1, UINT32_MAX); break;
		case O_ITEMS: o->items = gen_parse_u64("--items", optarg, 1, UINT32_MAX); break;
		case O_RATINGS: o->ratings = gen_parse_u64("--ratings", optarg, 0, 1ull << 40); break;
		case O_RANK: o->rank = gen_parse_u64("--rank", optarg, 1, 1024); break;
		case O_NOISE: o->noise = gen_parse_double("--noise", optarg, 0, 100); break;
		case O_USKEW: o->user_skew = gen_parse_double("--user-skew", optarg, 0, 10); break;
		case O_ISKEW: o->item_skew = gen_parse_double("--item-skew", optarg, 0.01, 10); break;
		case O_MAXU:
			o->max_user_frac = gen_parse_double("--max-user-frac", optarg, 1e-9, 1);
			break;
		case O_DEC: o->decimals = (int)gen_parse_u64("--decimals", optarg, 0, 6); break;
		case O_CSV: o->csv = 1; break;
		case O_SEED: o->seed = gen_parse_u64("--seed", optarg, 0, UINT64_MAX); break;
		case 'o': o->out = optarg; break;
		case O_TEST: o->test_out = optarg; break;
		case O_TFRAC: o->test_frac = gen_parse_double("--test-frac", optarg, 0, 1); break;
		case O_META: o->meta = optarg; break;
		case O_DUMP: o->dump_planted = optarg; break;
		case 'h': ratings_usage(stdout); exit(0);
		case O_VERSION: printf("gen-ratings (dmlhog) %s\n", PACKAGE_VERSION); exit(0);
		default: ratings_usage(stderr); exit(GEN_EX_USAGE);
		}
	}
	if (optind < argc)
		gen_die(GEN_EX_USAGE, "unexpected argument '%s' (the output is -o FILE)", argv[optind]);
	if (o->test_frac >= 0 && !o->test_out)
		gen_die(GEN_EX_USAGE, "--test-frac needs --test-out FILE");
	if (o->test_frac < 0)
		o->test_frac = o->test_out ? 0.1 : 0;
}

static float *ratings_gauss_array(struct rng *r, uint64_t n, double sd)
{
	float *a = malloc(n * sizeof *a);
	if (!a)
		gen_die(1, "out of memory (%llu floats for the planted factors)",
		        (unsigned long long)n);
	for (uint64_t i = 0; i < n; i++)
		a[i] = (float)(sd * gen_gauss(r));
	return a;
}

/* Scale the power-law user weights so that, capped, they sum to --ratings:
 * bisection on the scale, since the cap makes the sum piecewise linear. */
static void ratings_user_weights(struct ratings_model *m)
{
	const struct ratings_opts *o = m->o;
	uint64_t n = o->users;
	m->uweight = malloc(n * sizeof *m->uweight);
	if (!m->uweight)
		gen_die(1, "out of memory (user degree weights)");
	double lo = 0, hi = 1;
	for (uint64_t r = 0; r < n; r++)
		m->uweight[r] = exp(-o->user_skew * log((double)(r + 1)));
	double target = (double)o->ratings, cap = (double)m->cap;
	for (;;) {
		double s = 0;
		for (uint64_t r = 0; r < n; r++)
			s += fmin(cap, hi * m->uweight[r]);
		if (s >= target || hi > 1e300)
			break;
		hi *= 2;
	}
	for (int it = 0; it < 200; it++) {
		double mid = (lo + hi) / 2, s = 0;
		for (uint64_t r = 0; r < n; r++)
			s += fmin(cap, mid * m->uweight[r]);
		if (s < target)
			lo = mid;
		else
			hi = mid;
	}
	m->uweight_sum = 0;
	for (uint64_t r = 0; r < n; r++) {
		m->uweight[r] = fmin(cap, hi * m->uweight[r]);
		m->uweight_sum += m->uweight[r];
	}
}

static void ratings_model_init(struct ratings_model *m, const struct ratings_opts *o)
{
	m->o = o;
	m->cap = (uint64_t)(o->max_user_frac * (double)o->items);
	if (m->cap < 1)
		m->cap = 1;
	/* one short of the items: the +1 a cumulative rounding may add still fits */
	if (m->cap >= o->items && o->items > 1)
		m->cap = o->items - 1;
	if ((double)o->ratings > (double)m->cap * (double)o->users * 0.999)
		gen_die(GEN_EX_USAGE, "--ratings %llu: at most %llu users x %llu ratings each fit "
		        "(raise --max-user-frac or --users)", (unsigned long long)o->ratings,
		        (unsigned long long)o->users, (unsigned long long)m->cap);
	struct rng r;
	rng_seed(&r, o->seed, STREAM_FACTORS);
	double sd = pow(VAR_DOT / (double)o->rank, 0.25);
	m->p = ratings_gauss_array(&r, o->users * o->rank, sd);
	m->q = ratings_gauss_array(&r, o->items * o->rank, sd);
	m->bu = ratings_gauss_array(&r, o->users, SD_USER_BIAS);
	m->bi = ratings_gauss_array(&r, o->items, SD_ITEM_BIAS);
	rng_seed(&r, o->seed, STREAM_PERM);
	gen_perm_init(&m->uperm, o->users, 0, &r);
	gen_perm_init(&m->iperm, o->items, 0, &r);
	gen_zipf_init(&m->izipf, o->items, o->item_skew);
	ratings_user_weights(m);
}

static void ratings_model_free(struct ratings_model *m)
{
	free(m->p);
	free(m->q);
	free(m->bu);
	free(m->bi);
	free(m->uweight);
}

static inline double ratings_planted(const struct ratings_model *m, uint64_t u, uint64_t i)
{
	uint64_t k = m->o->rank;
	const float *pu = m->p + u * k, *qi = m->q + i * k;
	double d = 0;
	for (uint64_t f = 0; f < k; f++)
		d += (double)pu[f] * qi[f];
	return MU + m->bu[u] + m->bi[i] + d;
}

static void ratings_write(struct gen_out *out, const struct ratings_opts *o,
                          uint64_t u, uint64_t i, double value)
{
	double scale = (double)gen_pow10[o->decimals];
	gen_out_reserve(out, 64);
	gen_out_u64(out, u + 1);
	gen_out_char(out, o->csv ? ',' : ' ');
	gen_out_u64(out, i + 1);
	gen_out_char(out, o->csv ? ',' : ' ');
	gen_out_fixed(out, (int64_t)llround(value * scale), o->decimals);
	gen_out_char(out, '\n');
	out->lines++;
}

/* Distinct items for one user, drawn by popularity; `seen` is a bitmap over
 * items, cleared again before returning. */
static void ratings_draw_items(const struct ratings_model *m, struct rng *r, uint64_t deg,
                               uint32_t *items, uint64_t *seen)
{
	uint64_t n = 0, tries = 0, limit = 64 * deg + 4096;
	while (n < deg) {
		/* past the limit (a huge degree, steep skew) take uniform items,
		 * so the loop ends whatever the options */
		uint64_t rank0 = tries++ < limit ? gen_zipf_draw(&m->izipf, r) - 1
		                                  : rng_below(r, m->o->items);
		uint64_t id = gen_perm_apply(&m->iperm, rank0);
		uint64_t bit = 1ull << (id & 63);
		if (seen[id >> 6] & bit)
			continue;
		seen[id >> 6] |= bit;
		items[n++] = (uint32_t)id;
	}
	for (uint64_t k = 0; k < n; k++)
		seen[items[k] >> 6] &= ~(1ull << (items[k] & 63));
}

static void ratings_generate(const struct ratings_model *m, struct gen_out *train,
                             struct gen_out *test, struct gen_out *planted,
                             struct ratings_stats *st)
{
	const struct ratings_opts *o = m->o;
	uint32_t *items = malloc((m->cap + 2) * sizeof *items);
	uint64_t *seen = calloc((o->items + 63) / 64, sizeof *seen);
	if (!items || !seen)
		gen_die(1, "out of memory (per-user buffers)");
	*st = (struct ratings_stats){ 0 };
	double acc = 0;
	uint64_t done = 0;
	for (uint64_t u = 0; u < o->users; u++) {
		/* cumulative rounding in id order: degrees sum to --ratings exactly */
		acc += m->uweight[gen_perm_invert(&m->uperm, u)];
		uint64_t upto = u + 1 == o->users ? o->ratings
		                : (uint64_t)((double)o->ratings * (acc / m->uweight_sum));
		if (upto > o->ratings)
			upto = o->ratings;
		uint64_t deg = upto > done ? upto - done : 0;
		if (deg > m->cap + 1)
			deg = m->cap + 1;
		if (deg > o->items)
			deg = o->items;
		done += deg;
		if (deg == 0)
			continue;
		struct rng r;
		rng_seed(&r, o->seed, STREAM_USERS + u);
		ratings_draw_items(m, &r, deg, items, seen);
		for (uint64_t k = 0; k < deg; k++) {
			double pl = ratings_planted(m, u, items[k]);
			double v = pl + o->noise * gen_gauss(&r);
			int to_test = rng_uniform(&r) < o->test_frac;
			double printed = (double)llround(v * (double)gen_pow10[o->decimals]) /
			                 (double)gen_pow10[o->decimals];
			st->sq_noise += (printed - pl) * (printed - pl);
			ratings_write(to_test ? test : train, o, u, items[k], v);
			if (planted)
				ratings_write(planted, o, u, items[k], pl);
			if (to_test)
				st->test++;
			else
				st->train++;
		}
		st->users_with_ratings++;
		if (deg > st->max_degree)
			st->max_degree = deg;
	}
	free(items);
	free(seen);
}

static double ratings_best_rmse(const struct ratings_opts *o)
{
	double q = 1.0 / (double)gen_pow10[o->decimals];
	return sqrt(o->noise * o->noise + q * q / 12);
}

static void ratings_meta(const struct ratings_model *m, const struct ratings_stats *st,
                         const struct gen_out *train, const struct gen_out *test,
                         int argc, char **argv)
{
	const struct ratings_opts *o = m->o;
	char *name = NULL;
	FILE *f = gen_meta_open(o->out, o->meta, &name);
	if (!f)
		return;
	uint64_t total = st->train + st->test;
	fprintf(f, "generator: gen-ratings\nversion: %s\n", PACKAGE_VERSION);
	gen_meta_command(f, argc, argv);
	fprintf(f, "kind: user item rating triplets, generated (not real data)\n"
	        "seed: %llu\nusers: %llu\nitems: %llu\nratings: %llu\ntrain_ratings: %llu\n"
	        "test_ratings: %llu\nrank: %llu\nnoise: %g\nbest_rmse: %.6f\n"
	        "empirical_noise_rmse: %.6f\nbaseline_rmse_mean: %.6f\nbaseline_rmse_biases: %.6f\n"
	        "user_skew: %g\nitem_skew: %g\nmax_user_degree: %llu\nusers_with_ratings: %llu\n"
	        "duplicates: none\norder: grouped by user\nbytes: %llu\ntest_bytes: %llu\n",
	        (unsigned long long)o->seed, (unsigned long long)o->users,
	        (unsigned long long)o->items, (unsigned long long)total,
	        (unsigned long long)st->train, (unsigned long long)st->test,
	        (unsigned long long)o->rank, o->noise, ratings_best_rmse(o),
	        total ? sqrt(st->sq_noise / (double)total) : 0.0,
	        sqrt(SD_USER_BIAS * SD_USER_BIAS + SD_ITEM_BIAS * SD_ITEM_BIAS + VAR_DOT +
	             o->noise * o->noise),
	        sqrt(VAR_DOT + o->noise * o->noise),
	        o->user_skew, o->item_skew, (unsigned long long)st->max_degree,
	        (unsigned long long)st->users_with_ratings, (unsigned long long)train->bytes,
	        (unsigned long long)(test ? test->bytes : 0));
	gen_meta_close(f, name);
	free(name);
}

int main(int argc, char **argv)
{
	struct ratings_opts o;
	gen_prog = "gen-ratings";
	ratings_opts_parse(&o, argc, argv);

	struct ratings_model m = { 0 };
	ratings_model_init(&m, &o);

	struct gen_out train, test, planted;
	gen_out_open(&train, o.out);
	if (o.test_out)
		gen_out_open(&test, o.test_out);
	if (o.dump_planted)
		gen_out_open(&planted, o.dump_planted);
	struct ratings_stats st;
	ratings_generate(&m, &train, o.test_out ? &test : NULL, o.dump_planted ? &planted : NULL,
	                 &st);
	gen_out_close(&train);
	if (o.test_out)
		gen_out_close(&test);
	if (o.dump_planted)
		gen_out_close(&planted);
	fprintf(stderr, "gen-ratings: %llu ratings (%llu train, %llu test), planted rank %llu "
	        "(+ user and item biases), noise sigma %g: best possible RMSE %.4f\n",
	        (unsigned long long)(st.train + st.test), (unsigned long long)st.train,
	        (unsigned long long)st.test, (unsigned long long)o.rank, o.noise,
	        ratings_best_rmse(&o));
	ratings_meta(&m, &st, &train, o.test_out ? &test : NULL, argc, argv);
	ratings_model_free(&m);
	return 0;
}

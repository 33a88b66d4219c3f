/* gen-common.h: what the two data generators share: buffered output with
 * hand-written number formatting (printf would cap us well under 1 GB/min
 * on the large sets), a constant-memory Zipf sampler, checked option
 * parsing, affine id permutations and the provenance sidecar FILE.meta. */
#ifndef DMLHOG_BENCH_GEN_COMMON_H
#define DMLHOG_BENCH_GEN_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/rng.h"

/* sysexits, as in CLI.md */
enum { GEN_EX_USAGE = 64, GEN_EX_CANTCREAT = 73, GEN_EX_IOERR = 74 };

static const char *gen_prog = "gen";

static void gen_die(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
static void gen_die(int code, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", gen_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/* ---- checked numbers from options ---- */

static uint64_t gen_parse_u64(const char *flag, const char *s, uint64_t lo, uint64_t hi)
{
	char *end;
	errno = 0;
	if (*s == '-' || *s == '\0')
		gen_die(GEN_EX_USAGE, "%s: '%s': expected an integer in [%llu, %llu]", flag, s,
		        (unsigned long long)lo, (unsigned long long)hi);
	unsigned long long v = strtoull(s, &end, 10);
	/* accept 1e6-style sizes: people type them */
	if (*end == 'e' || *end == 'E' || *end == '.') {
		double d = strtod(s, &end);
		if (*end || d != floor(d) || d < 0 || d > 1.8e19)
			gen_die(GEN_EX_USAGE, "%s: '%s': expected an integer", flag, s);
		v = (unsigned long long)d;
	}
	if (*end || errno || v < lo || v > hi)
		gen_die(GEN_EX_USAGE, "%s: '%s': expected an integer in [%llu, %llu]", flag, s,
		        (unsigned long long)lo, (unsigned long long)hi);
	return v;
}

static double gen_parse_double(const char *flag, const char *s, double lo, double hi)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end || errno || !(v >= lo && v <= hi))
		gen_die(GEN_EX_USAGE, "%s: '%s': expected a number in [%g, %g]", flag, s, lo, hi);
	return v;
}

/* ---- buffered output ---- */

#define GEN_OUT_BUF (4u << 20)

struct gen_out {
	int fd;
	const char *path;        /* "-" for stdout */
	char *buf, *p, *end;
	uint64_t bytes;
	uint64_t lines;
};

static void gen_out_open(struct gen_out *o, const char *path)
{
	o->path = path ? path : "-";
	if (strcmp(o->path, "-") == 0) {
		o->fd = STDOUT_FILENO;
	} else {
		o->fd = open(o->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (o->fd < 0)
			gen_die(GEN_EX_CANTCREAT, "%s: %s", o->path, strerror(errno));
	}
	o->buf = malloc(GEN_OUT_BUF);
	if (!o->buf)
		gen_die(1, "out of memory (%u bytes for the output buffer)", GEN_OUT_BUF);
	o->p = o->buf;
	o->end = o->buf + GEN_OUT_BUF;
	o->bytes = o->lines = 0;
}

static void gen_out_flush(struct gen_out *o)
{
	const char *q = o->buf;
	while (q < o->p) {
		ssize_t w = write(o->fd, q, (size_t)(o->p - q));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			gen_die(GEN_EX_IOERR, "%s: write: %s", o->path, strerror(errno));
		q += w;
	}
	o->bytes += (uint64_t)(o->p - o->buf);
	o->p = o->buf;
}

/* Make room for n more bytes; callers reserve per token, so no row is ever
 * too long for the buffer. */
static inline void gen_out_reserve(struct gen_out *o, size_t n)
{
	if ((size_t)(o->end - o->p) < n)
		gen_out_flush(o);
}

static void gen_out_close(struct gen_out *o)
{
	gen_out_flush(o);
	if (o->fd != STDOUT_FILENO && close(o->fd) != 0)
		gen_die(GEN_EX_IOERR, "%s: close: %s", o->path, strerror(errno));
	free(o->buf);
	o->buf = NULL;
}

static inline void gen_out_char(struct gen_out *o, char c)
{
	*o->p++ = c;
}

static const char gen_digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Decimal digits of v, no sign; at most 20 bytes (reserved by the caller). */
static inline void gen_out_u64(struct gen_out *o, uint64_t v)
{
	char tmp[24], *t = tmp + sizeof tmp;
	while (v >= 100) {
		unsigned d = (unsigned)(v % 100) * 2;
		v /= 100;
		*--t = gen_digit_pairs[d + 1];
		*--t = gen_digit_pairs[d];
	}
	if (v >= 10) {
		*--t = gen_digit_pairs[v * 2 + 1];
		*--t = gen_digit_pairs[v * 2];
	} else {
		*--t = (char)('0' + v);
	}
	size_t n = (size_t)(tmp + sizeof tmp - t);
	memcpy(o->p, t, n);
	o->p += n;
}

static const uint64_t gen_pow10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000 };

/* Fixed point: scaled / 10^dec with exactly dec decimals (dec <= 6), signed.
 * Printing the quantised value we also computed with keeps file and planted
 * model in exact agreement. */
static inline void gen_out_fixed(struct gen_out *o, int64_t scaled, int dec)
{
	if (scaled < 0) {
		gen_out_char(o, '-');
		scaled = -scaled;
	}
	uint64_t p = gen_pow10[dec], ip = (uint64_t)scaled / p, fp = (uint64_t)scaled % p;
	gen_out_u64(o, ip);
	if (dec == 0)
		return;
	gen_out_char(o, '.');
	for (int i = dec - 1; i >= 0; i--) {
		o->p[i] = (char)('0' + fp % 10);
		fp /= 10;
	}
	o->p += dec;
}

/* ---- Zipf sampler ----
 * Rejection-inversion (Hoermann & Derflinger 1996, "Rejection-inversion to
 * generate variates from monotone discrete distributions"), as in Apache
 * Commons RNG: O(1) memory and time for any n and exponent s > 0, so the
 * generators stay constant-memory at 10^6+ features. P(k) ~ k^-s, k in 1..n. */
struct gen_zipf {
	double s, n, hx1, hn, sv;
};

static inline double gen_zipf_helper1(double x)
{
	return fabs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x));
}

static inline double gen_zipf_helper2(double x)
{
	return fabs(x) > 1e-8 ? expm1(x) / x : 1 + x * 0.5 * (1 + x / 3 * (1 + 0.25 * x));
}

static inline double gen_zipf_h(const struct gen_zipf *z, double x)
{
	return exp(-z->s * log(x));
}

static inline double gen_zipf_hint(const struct gen_zipf *z, double x)
{
	double lx = log(x);
	return gen_zipf_helper2((1 - z->s) * lx) * lx;
}

static inline double gen_zipf_hinv(const struct gen_zipf *z, double x)
{
	double t = x * (1 - z->s);
	if (t < -1)
		t = -1;
	return exp(gen_zipf_helper1(t) * x);
}

static void gen_zipf_init(struct gen_zipf *z, uint64_t n, double s)
{
	z->s = s;
	z->n = (double)n;
	z->hx1 = gen_zipf_hint(z, 1.5) - 1;
	z->hn = gen_zipf_hint(z, z->n + 0.5);
	z->sv = 2 - gen_zipf_hinv(z, gen_zipf_hint(z, 2.5) - gen_zipf_h(z, 2));
}

/* A rank in 1..n; rank 1 is the most frequent. */
static inline uint64_t gen_zipf_draw(const struct gen_zipf *z, struct rng *r)
{
	for (;;) {
		double u = z->hn + rng_uniform(r) * (z->hx1 - z->hn);
		double x = gen_zipf_hinv(z, u);
		double kf = floor(x + 0.5);
		if (kf < 1)
			kf = 1;
		else if (kf > z->n)
			kf = z->n;
		if (kf - x <= z->sv || u >= gen_zipf_hint(z, kf + 0.5) - gen_zipf_h(z, kf))
			return (uint64_t)kf;
	}
}

/* ---- affine permutation of 0..n-1: id = (a * rank + c) mod n ----
 * Scatters the hot (low-rank) ids over the whole id range, as in real data,
 * in O(1) memory; gcd(a, n) = 1 makes it a bijection. */
struct gen_perm {
	uint64_t n, a, c, a_inv;
};

static uint64_t gen_gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static uint64_t gen_mod_inverse(uint64_t a, uint64_t n)
{
	int64_t t = 0, nt = 1;
	int64_t r = (int64_t)n, nr = (int64_t)a;
	while (nr) {
		int64_t q = r / nr, tmp;
		tmp = t - q * nt; t = nt; nt = tmp;
		tmp = r - q * nr; r = nr; nr = tmp;
	}
	return (uint64_t)(t < 0 ? t + (int64_t)n : t);
}

static void gen_perm_init(struct gen_perm *p, uint64_t n, int identity, struct rng *r)
{
	p->n = n;
	p->a = 1;
	p->c = 0;
	if (!identity && n > 2) {
		/* a near n / golden ratio spreads neighbouring ranks far apart */
		p->a = (uint64_t)((double)n * 0.6180339887) | 1;
		while (gen_gcd(p->a, n) != 1)
			p->a++;
		p->c = rng_below(r, n);
	}
	p->a_inv = n > 1 ? gen_mod_inverse(p->a % n, n) : 0;
}

static inline uint64_t gen_perm_apply(const struct gen_perm *p, uint64_t rank0)
{
	return (uint64_t)(((unsigned __int128)p->a * rank0 + p->c) % p->n);
}

static inline uint64_t gen_perm_invert(const struct gen_perm *p, uint64_t id0)
{
	uint64_t d = (id0 + p->n - p->c % p->n) % p->n;
	return (uint64_t)(((unsigned __int128)p->a_inv * d) % p->n);
}

/* ---- misc ---- */

/* Standard normal (Box-Muller; one value per call keeps the stream simple). */
static inline double gen_gauss(struct rng *r)
{
	double u1 = 1.0 - rng_uniform(r), u2 = rng_uniform(r);
	return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
}

/* The command line, for the sidecar. */
static void gen_meta_command(FILE *f, int argc, char **argv)
{
	fputs("command:", f);
	for (int i = 0; i < argc; i++)
		fprintf(f, " %s", argv[i]);
	fputc('\n', f);
}

/* Open OUT.meta, or NULL when writing to stdout without --meta. */
static FILE *gen_meta_open(const char *out_path, const char *meta_path, char **name_out)
{
	char *name = NULL;
	if (meta_path) {
		name = strdup(meta_path);
	} else if (out_path && strcmp(out_path, "-") != 0) {
		size_t n = strlen(out_path) + 6;
		name = malloc(n);
		if (name)
			snprintf(name, n, "%s.meta", out_path);
	}
	if (!name)
		return NULL;
	FILE *f = fopen(name, "w");
	if (!f)
		gen_die(GEN_EX_CANTCREAT, "%s: %s", name, strerror(errno));
	*name_out = name;
	return f;
}

static void gen_meta_close(FILE *f, const char *name)
{
	if (fclose(f) != 0)
		gen_die(GEN_EX_IOERR, "%s: %s", name, strerror(errno));
}

#endif

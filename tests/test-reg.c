/* test-reg.c: lazy (just-in-time) L1/L2 regularisation gives the same
 * weights as applying the proximal shrink to every weight after every
 * sample, for global step rules and for AdaGrad's per-feature rates. */
#include <stdlib.h>
#include "opt/lazy_reg.h"
#include "util/rng.h"
#include "tap.h"

#define D 40
#define K 3

static void shrink(double *w, double a, double b)
{
	double v = *w, m = fabs(v) * (a < 1 ? 1 - a : 0) - b;
	*w = m > 0 ? copysign(m, v) : 0.0;
}

/* Run steps samples, each touching a few random features with a random
 * gradient; eager and lazy side by side.  Returns the largest difference. */
static double run(double l1, double l2, int adagrad, int steps, uint64_t seed, int *rebased,
                  int *scaled)
{
	double eager[D * K] = { 0 };   /* the reference, in double */
	float lazy[D * K] = { 0 };
	double rate[D];
	struct lazy_reg r;
	struct rng g;
	rng_seed(&g, seed, 0);
	for (int j = 0; j < D; j++)
		rate[j] = 0.1;
	lazy_reg_init(&r, D, l1, l2, adagrad, 0.1);
	*rebased = 0;
	for (int t = 0; t < steps; t++) {
		double eta = 0.01 + 0.5 * rng_uniform(&g);
		int touched[D] = { 0 }, n = 1 + (int)rng_below(&g, 5);
		for (int q = 0; q < n; q++) {
			int j = (int)rng_below(&g, D);
			if (touched[j])
				continue;
			touched[j] = 1;
			lazy_catch_up(&r, (uint32_t)j, lazy + j * K, K);
			/* AdaGrad's rates are floats (computed and stored so) */
			double step = adagrad ? (float)(0.05 + rng_uniform(&g)) : eta;
			for (int c = 0; c < K; c++) {
				double grad = rng_uniform(&g) - 0.5;
				eager[j * K + c] -= step * grad;
				lazy[j * K + c] -= (float)(step * grad * lazy_update_scale(&r));
			}
			if (adagrad) {
				rate[j] = step;
				lazy_set_rate(&r, (uint32_t)j, step);
			}
		}
		for (int j = 0; j < D; j++)
			for (int c = 0; c < K; c++) {
				double e = adagrad ? rate[j] : eta;
				shrink(&eager[j * K + c], e * l2, e * l1);
			}
		lazy_advance(&r, eta);
		if (lazy_needs_rebase(&r)) {
			lazy_flush(&r, lazy, K);
			(*rebased)++;
		}
	}
	lazy_flush(&r, lazy, K);
	if (scaled)
		*scaled = r.scaled;
	lazy_reg_free(&r);
	double worst = 0;
	for (int i = 0; i < D * K; i++) {
		double diff = fabs(eager[i] - lazy[i]) / (1e-3 + fabs(eager[i]));
		if (diff > worst)
			worst = diff;
	}
	return worst;
}

int main(void)
{
	static const struct { double l1, l2; const char *what; } cases[] = {
		{ 0, 0.01, "L2" }, { 0.002, 0, "L1" }, { 0.002, 0.01, "L1 + L2" },
		{ 0.05, 0.02, "strong L1 + L2 (weights clipped to zero)" },
	};
	int rebased;
	for (unsigned i = 0; i < sizeof cases / sizeof *cases; i++) {
		for (int ada = 0; ada <= 1; ada++) {
			int scaled;
			double worst = run(cases[i].l1, cases[i].l2, ada, 3000, 42 + i, &rebased, &scaled);
			ok(worst < 1e-4, "%s, %s%s: lazy equals eager (max relative diff %.2g)", cases[i].what,
			   ada ? "AdaGrad rates" : "global rate", scaled ? " (scaled weights)" : "", worst);
		}
	}
	/* l2 so strong that the running product underflows and is rebased */
	double worst = run(0.001, 0.9, 0, 4000, 7, &rebased, NULL);
	ok(rebased > 0, "running product rebased %d times", rebased);
	ok(worst < 1e-4, "lazy equals eager across rebases (max relative diff %.2g)", worst);
	int scaled;
	worst = run(0, 0.5, 0, 4000, 8, &rebased, &scaled);
	ok(scaled && rebased > 0, "scaled weights rebased %d times", rebased);
	ok(worst < 1e-4, "scaled weights equal eager across rebases (max relative diff %.2g)", worst);

	/* zeros stay zero; weights shrink toward zero, never across it */
	float w[2] = { 0.0f, -0.5f };
	lazy_apply(w, 2, 0.5, 0.1);
	ok(w[0] == 0.0f && fabs(w[1] + 0.15f) < 1e-7, "shrink keeps sign and clips at zero");
	lazy_apply(w, 2, 1.0, 1.0);
	ok(w[1] == 0.0f, "L1 larger than the weight clips it to exactly zero");
	return tap_done();
}

/* test-loss.c: every loss derivative against central finite differences,
 * and the overflow guards at extreme scores. */
#include "loss/loss.h"
#include "tap.h"

typedef double (*loss_fn)(double, double);

static double fd(loss_fn f, double z, double y)
{
	double h = 1e-6;
	return (f(z + h, y) - f(z - h, y)) / (2 * h);
}

static void check_binary(const char *name, loss_fn f, loss_fn df, int smooth)
{
	static const double zs[] = { -7.5, -2, -0.3, 0.2, 0.7, 1.9, 4 };
	int bad = 0;
	for (unsigned i = 0; i < sizeof zs / sizeof *zs; i++)
		for (double y = -1; y <= 1; y += 2) {
			double z = zs[i];
			/* hinge has a kink at y z = 1: stay off it */
			if (!smooth && fabs(y * z - 1) < 1e-3)
				continue;
			double want = fd(f, z, y), got = df(z, y);
			if (fabs(want - got) > 1e-6 * (1 + fabs(want))) {
				printf("#   %s z=%g y=%g: analytic %.10g, numeric %.10g\n", name, z, y, got, want);
				bad++;
			}
		}
	ok(!bad, "%s derivative matches finite differences", name);
}

static void check_softmax(void)
{
	double z[5] = { 0.3, -1.2, 2.5, 0.0, 1.1 }, dz[5];
	int bad = 0;
	for (uint32_t c = 0; c < 5; c++) {
		loss_softmax(z, 5, c, dz);
		for (int j = 0; j < 5; j++) {
			double zp[5], zm[5], tmp[5], h = 1e-6;
			memcpy(zp, z, sizeof z);
			memcpy(zm, z, sizeof z);
			zp[j] += h;
			zm[j] -= h;
			double want = (loss_softmax(zp, 5, c, tmp) - loss_softmax(zm, 5, c, tmp)) / (2 * h);
			if (fabs(want - dz[j]) > 1e-6)
				bad++;
		}
	}
	ok(!bad, "softmax cross-entropy gradient matches finite differences");
	double big[3] = { 1000, 0, -1000 }, d3[3];
	double l = loss_softmax(big, 3, 0, d3);
	ok(isfinite(l) && l >= 0 && l < 1e-10 && isfinite(d3[2]), "softmax stays finite at scores of 1000");
	l = loss_softmax(big, 3, 2, d3);
	is_near(l, 2000, 1e-9, "softmax loss of the wrong class at 1000 is 2000");
	double sum = 0;
	loss_softmax(z, 5, 1, dz);
	for (int j = 0; j < 5; j++)
		sum += dz[j];
	is_near(sum, 0, 1e-12, "softmax gradient sums to zero");
}

int main(void)
{
	check_binary("logistic", loss_logistic, loss_logistic_dz, 1);
	check_binary("hinge", loss_hinge, loss_hinge_dz, 0);
	check_binary("squared hinge", loss_sqhinge, loss_sqhinge_dz, 1);
	check_binary("squared", loss_squared, loss_squared_dz, 1);
	check_softmax();
	int bad = 0;
	for (double z = -60; z <= 60; z += 0.37)
		for (double y = -1; y <= 1; y += 2) {
			double dz, l = loss_logistic_both(z, y, &dz);
			bad += fabs(l - loss_logistic(z, y)) > 1e-12 * (1 + l) ||
			       fabs(dz - loss_logistic_dz(z, y)) > 1e-12;
		}
	ok(!bad, "logistic loss and derivative from one exp equal the separate forms");

	is_near(loss_logistic(0, 1), log(2), 1e-15, "logistic(0) = log 2");
	ok(isfinite(loss_logistic(-800, 1)) && fabs(loss_logistic(-800, 1) - 800) < 1e-9,
	   "logistic loss at margin -800 is 800, not inf");
	ok(loss_logistic(800, 1) >= 0 && loss_logistic(800, 1) < 1e-300, "logistic loss at margin 800 is ~0");
	is_near(loss_logistic_dz(-800, 1), -1, 1e-15, "logistic derivative saturates at -y");
	is_near(loss_hinge(0.5, 1), 0.5, 0, "hinge(0.5, +1) = 0.5");
	is_near(loss_hinge(2, 1), 0, 0, "hinge is 0 past the margin");
	is_near(loss_sqhinge(-1, 1), 4, 0, "squared hinge(-1, +1) = 4");
	is_near(loss_squared(3, 1), 2, 0, "squared(3, 1) = 2");
	return tap_done();
}

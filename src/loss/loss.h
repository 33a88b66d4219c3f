/* loss.h: losses as value + derivative with respect to the score, pure
 * functions shared by every engine.  Binary losses take y in {-1, +1} and
 * the score z = w.x + b; each is guarded against overflow (Bottou,
 * svm/loss.h, does the same). */
#ifndef DMLHOG_LOSS_LOSS_H
#define DMLHOG_LOSS_LOSS_H

#include <math.h>
#include <stdint.h>

/* logistic: log(1 + exp(-y z)), written so that exp never overflows */
static inline double loss_logistic(double z, double y)
{
	double m = y * z;
	return m > 0 ? log1p(exp(-m)) : -m + log1p(exp(m));
}

/* d/dz log(1 + exp(-y z)) = -y / (1 + exp(y z)) */
static inline double loss_logistic_dz(double z, double y)
{
	double m = y * z;
	if (m > 0) {
		double e = exp(-m);
		return -y * e / (1 + e);
	}
	return -y / (1 + exp(m));
}

/* Both at the price of one exp: the loss, and its derivative into *dz. */
static inline double loss_logistic_both(double z, double y, double *dz)
{
	double m = y * z;
	if (m > 0) {
		double e = exp(-m);          /* in (0, 1): no overflow */
		*dz = -y * e / (1 + e);
		return log1p(e);
	}
	double e = exp(m);
	*dz = -y / (1 + e);
	return -m + log1p(e);
}

/* hinge: max(0, 1 - y z) */
static inline double loss_hinge(double z, double y)
{
	double m = 1 - y * z;
	return m > 0 ? m : 0;
}

static inline double loss_hinge_dz(double z, double y)
{
	return y * z < 1 ? -y : 0;
}

/* squared hinge: max(0, 1 - y z)^2 */
static inline double loss_sqhinge(double z, double y)
{
	double m = 1 - y * z;
	return m > 0 ? m * m : 0;
}

static inline double loss_sqhinge_dz(double z, double y)
{
	double m = 1 - y * z;
	return m > 0 ? -2 * y * m : 0;
}

/* squared error: (z - y)^2 / 2 */
static inline double loss_squared(double z, double y)
{
	return 0.5 * (z - y) * (z - y);
}

static inline double loss_squared_dz(double z, double y)
{
	return z - y;
}

/* Softmax cross-entropy over k scores with true class c:
 * loss = logsumexp(z) - z_c; dz[j] = p_j - [j == c].  Returns the loss and
 * writes the derivative into dz (which may alias z). */
static inline double loss_softmax(const double *z, uint32_t k, uint32_t c, double *dz)
{
	double zmax = z[0], sum = 0, zc = z[c];
	for (uint32_t j = 1; j < k; j++)
		if (z[j] > zmax)
			zmax = z[j];
	for (uint32_t j = 0; j < k; j++) {
		dz[j] = exp(z[j] - zmax);
		sum += dz[j];
	}
	for (uint32_t j = 0; j < k; j++)
		dz[j] /= sum;
	dz[c] -= 1;
	return zmax + log(sum) - zc;
}

#endif

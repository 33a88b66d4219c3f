/* shared.h: access to parameters that several threads update at once.
 *
 * Hogwild! (Niu et al. 2011) lets workers read and write shared weights
 * without locks; the races are intended.  They are written as relaxed
 * atomic loads and stores (plain moves on x86-64), never as plain data
 * races, so compilers and ThreadSanitizer agree with us.  A read-modify-
 * write such as w -= g is a relaxed load then a relaxed store: an update
 * lost to a concurrent writer is the noise Hogwild!'s analysis allows.
 * The `shared` argument is a compile-time constant in every caller: the
 * serial engine gets plain accesses that vectorise.
 */
#ifndef DMLHOG_ENGINE_SHARED_H
#define DMLHOG_ENGINE_SHARED_H

/* How a kernel step touches memory (linear_kernel.h, mf_kernel.h); 0 is
 * the serial engine's plain step. */
#define KM_ATOMIC 1     /* relaxed atomics: Hogwild! */
#define KM_CLOCK 2      /* the caller keeps the regulariser's clock */
#define KM_HOT 4        /* hot parameters are read, their updates deferred */
#define KM_BUF 8        /* Hogwild!: buffered parameters in a private view */

static inline __attribute__((always_inline)) float sh_loadf(const float *p, int shared)
{
	float v;
	if (!shared)
		return *p;
	__atomic_load(p, &v, __ATOMIC_RELAXED);
	return v;
}

static inline __attribute__((always_inline)) void sh_storef(float *p, float v, int shared)
{
	if (!shared)
		*p = v;
	else
		__atomic_store(p, &v, __ATOMIC_RELAXED);
}

static inline __attribute__((always_inline)) double sh_loadd(const double *p, int shared)
{
	double v;
	if (!shared)
		return *p;
	__atomic_load(p, &v, __ATOMIC_RELAXED);
	return v;
}

static inline __attribute__((always_inline)) void sh_stored(double *p, double v, int shared)
{
	if (!shared)
		*p = v;
	else
		__atomic_store(p, &v, __ATOMIC_RELAXED);
}

/* *p += d without losing a concurrent writer's add: the flushes of
 * buffered parameters (hot_buffer.h), each the sum of many steps. */
static inline void sh_addf(float *p, float d)
{
	float old, sum;
	if (d == 0)
		return;
	__atomic_load(p, &old, __ATOMIC_RELAXED);
	do
		sum = old + d;
	while (!__atomic_compare_exchange(p, &old, &sum, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
}

#endif

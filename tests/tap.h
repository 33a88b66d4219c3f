/* tap.h: minimal TAP producer for automake's tap-driver.sh.
 * Each check prints "ok N - what" or "not ok N - what" with both values
 * and the source line on failure; tap_done() prints the plan. */
#ifndef DMLHOG_TESTS_TAP_H
#define DMLHOG_TESTS_TAP_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int tap_ok_at(int cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
#include <stdarg.h>
static inline int tap_ok_at(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok_at(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, what) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (!ok(g_ == w_, "%s", what)) printf("#   got %lld, want %lld\n", g_, w_); \
} while (0)

#define is_str(got, want, what) do { \
	const char *g_ = (got), *w_ = (want); \
	if (!ok(g_ && w_ && strcmp(g_, w_) == 0, "%s", what)) \
		printf("#   got '%s'\n#  want '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
} while (0)

/* got contains want */
#define has_str(got, want, what) do { \
	const char *g_ = (got), *w_ = (want); \
	if (!ok(g_ && w_ && strstr(g_, w_) != NULL, "%s", what)) \
		printf("#   got '%s'\n#  want it to contain '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
} while (0)

#define is_near(got, want, tol, what) do { \
	double g_ = (got), w_ = (want), t_ = (tol); \
	if (!ok(fabs(g_ - w_) <= t_, "%s", what)) \
		printf("#   got %.17g, want %.17g (tolerance %g)\n", g_, w_, t_); \
} while (0)

static inline void tap_skip(const char *why)
{
	printf("ok %d # SKIP %s\n", ++tap_n, why);
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif

/* clock.h: monotonic wall clock in seconds. */
#ifndef DMLHOG_UTIL_CLOCK_H
#define DMLHOG_UTIL_CLOCK_H
#include <time.h>
static inline double clock_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
#endif

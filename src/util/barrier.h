/* barrier.h: a barrier for worker threads that meet thousands of times a
 * second (a Cyclades batch ends in one or two).
 *
 * A pthread barrier puts every early thread to sleep, and waking it costs
 * tens of microseconds, as long as a small batch takes to run.  Here an
 * early thread first spins for a while on the generation counter, and
 * sleeps on it (futex) only after that; the last thread to arrive wakes
 * sleepers only when there are any.  With more threads than processing
 * units spinning would steal the time of the thread everyone waits for,
 * so barrier_init takes the spin budget (0: sleep at once).
 */
#ifndef DMLHOG_UTIL_BARRIER_H
#define DMLHOG_UTIL_BARRIER_H

#include <stdatomic.h>

struct barrier {
	unsigned n, spin;
	atomic_uint count;          /* arrived in this generation */
	atomic_uint gen;            /* the futex word */
	atomic_uint sleepers;
};

void barrier_init(struct barrier *b, unsigned n, unsigned spin);
void barrier_wait(struct barrier *b);

#endif

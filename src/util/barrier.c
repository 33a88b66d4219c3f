/* barrier.c: see barrier.h. */
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "util/barrier.h"

void barrier_init(struct barrier *b, unsigned n, unsigned spin)
{
	b->n = n;
	b->spin = spin;
	atomic_init(&b->count, 0);
	atomic_init(&b->gen, 0);
	atomic_init(&b->sleepers, 0);
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

void barrier_wait(struct barrier *b)
{
	unsigned gen = atomic_load_explicit(&b->gen, memory_order_acquire);
	if (atomic_fetch_add_explicit(&b->count, 1, memory_order_acq_rel) + 1 == b->n) {
		atomic_store_explicit(&b->count, 0, memory_order_relaxed);
		/* seq_cst against the sleeper's increment-then-check below: either
		 * we see its count or it sees the new generation */
		atomic_fetch_add(&b->gen, 1);
		if (atomic_load(&b->sleepers))
			syscall(SYS_futex, &b->gen, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
		return;
	}
	for (unsigned i = 0; i < b->spin; i++) {
		if (atomic_load_explicit(&b->gen, memory_order_acquire) != gen)
			return;
		cpu_relax();
	}
	atomic_fetch_add(&b->sleepers, 1);
	while (atomic_load(&b->gen) == gen)
		syscall(SYS_futex, &b->gen, FUTEX_WAIT_PRIVATE, gen, NULL, NULL, 0);
	atomic_fetch_sub(&b->sleepers, 1);
}

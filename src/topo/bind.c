/* bind.c: binding worker threads and placing memory on NUMA nodes (see
 * topo.h).  On a simulated topology hwloc's binding calls succeed and do
 * nothing, so they are not made at all: the plan is only printed. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "topo/topo-impl.h"

/* The cpuset of thread i's plan line: its mask as printed (hex or list),
 * or, when that was cut short, the PU or node it was planned on. */
static hwloc_bitmap_t thread_cpuset(const struct topo *t, const struct plan *p, unsigned i)
{
	const struct plan_thread *th = &p->t[i];
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	int rc;
	if (!set)
		return NULL;
	if (strncmp(th->mask, "0x", 2) == 0)
		rc = hwloc_bitmap_sscanf(set, th->mask);
	else
		rc = hwloc_bitmap_list_sscanf(set, th->mask);
	if (rc == 0 && !strstr(th->mask, "...") && !hwloc_bitmap_iszero(set))
		return set;
	hwloc_obj_t o = p->bind == TOPO_BIND_NUMA
	                ? hwloc_get_obj_by_type(t->h, HWLOC_OBJ_NUMANODE, th->numa)
	                : hwloc_get_pu_obj_by_os_index(t->h, th->pu_os);
	if (!o) {
		hwloc_bitmap_free(set);
		return NULL;
	}
	hwloc_bitmap_copy(set, o->cpuset);
	return set;
}

int topo_bind_self(const struct topo *t, const struct plan *p, unsigned i)
{
	if (i >= p->n_threads) {
		errno = EINVAL;
		return -1;
	}
	if (t->simulated || (p->bind != TOPO_BIND_COMPACT && p->bind != TOPO_BIND_SPREAD &&
	                     p->bind != TOPO_BIND_NUMA))
		return 0;
	hwloc_bitmap_t set = thread_cpuset(t, p, i);
	if (!set) {
		errno = EINVAL;
		return -1;
	}
	/* THREAD, not PROCESS: each worker binds itself, the others keep theirs. */
	int rc = hwloc_set_cpubind(t->h, set, HWLOC_CPUBIND_THREAD);
	int e = errno;
	hwloc_bitmap_free(set);
	errno = e;
	return rc;
}

/* hwloc_alloc cannot take 0 bytes (mmap refuses them); a page is harmless. */
static size_t alloc_len(size_t len)
{
	return len ? len : 1;
}

static void *fallback(const struct topo *t, size_t len, int err, int *warned)
{
	if (warned && !*warned)
		*warned = err ? err : EINVAL;
	return hwloc_alloc(t->h, alloc_len(len));
}

void *topo_alloc_node(const struct topo *t, size_t len, unsigned numa, int *warned)
{
	hwloc_obj_t node = hwloc_get_obj_by_type(t->h, HWLOC_OBJ_NUMANODE, numa);
	if (t->simulated)
		return hwloc_alloc(t->h, alloc_len(len));
	if (!node)
		return fallback(t, len, EINVAL, warned);
	/* STRICT: without it a failed binding returns unbound memory silently. */
	void *p = hwloc_alloc_membind(t->h, alloc_len(len), node->nodeset, HWLOC_MEMBIND_BIND,
	                              HWLOC_MEMBIND_BYNODESET | HWLOC_MEMBIND_STRICT);
	return p ? p : fallback(t, len, errno, warned);
}

void *topo_alloc_interleaved(const struct topo *t, size_t len, int *warned)
{
	if (t->simulated)
		return hwloc_alloc(t->h, alloc_len(len));
	hwloc_const_nodeset_t all = hwloc_topology_get_topology_nodeset(t->h);
	void *p = hwloc_alloc_membind(t->h, alloc_len(len), all, HWLOC_MEMBIND_INTERLEAVE,
	                              HWLOC_MEMBIND_BYNODESET | HWLOC_MEMBIND_STRICT);
	return p ? p : fallback(t, len, errno, warned);
}

void topo_interleave(const struct topo *t, void *p, size_t len, int *warned)
{
	if (t->simulated || !p || hwloc_get_nbobjs_by_type(t->h, HWLOC_OBJ_NUMANODE) < 2)
		return;
	/* Only the whole pages inside the range: the edges may hold other data. */
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	char *a = (char *)(((uintptr_t)p + page - 1) & ~(page - 1));
	char *e = (char *)(((uintptr_t)p + len) & ~(page - 1));
	if (e <= a)
		return;
	hwloc_const_nodeset_t all = hwloc_topology_get_topology_nodeset(t->h);
	if (hwloc_set_area_membind(t->h, a, (size_t)(e - a), all, HWLOC_MEMBIND_INTERLEAVE,
	                           HWLOC_MEMBIND_BYNODESET) != 0) {
		if (warned && !*warned)
			*warned = errno ? errno : EINVAL;
		return;
	}
	/* The policy only places new pages (a migrating mbind leaves pages that
	 * already sit on an allowed node where they are): copy each chunk
	 * aside, drop its pages and write it back, so that they fault in
	 * again under the interleaved policy. */
	size_t chunk = 256 * (size_t)page;
	char *buf = malloc(chunk);
	if (!buf)
		return;
	for (char *c = a; c < e; c += chunk) {
		size_t n = (size_t)(e - c) < chunk ? (size_t)(e - c) : chunk;
		memcpy(buf, c, n);
		if (madvise(c, n, MADV_DONTNEED) == 0)
			memcpy(c, buf, n);
	}
	free(buf);
}

void topo_free(const struct topo *t, void *p, size_t len)
{
	if (p)
		hwloc_free(t->h, p, alloc_len(len));
}

int topo_node_of(const struct topo *t, const void *p)
{
	hwloc_nodeset_t set;
	hwloc_obj_t node = NULL;
	int where = -1;
	if (t->simulated || !p || !(set = hwloc_bitmap_alloc()))
		return -1;
	if (hwloc_get_area_memlocation(t->h, p, 1, set, HWLOC_MEMBIND_BYNODESET) == 0)
		while ((node = hwloc_get_next_obj_by_type(t->h, HWLOC_OBJ_NUMANODE, node)))
			if (hwloc_bitmap_isset(set, node->os_index)) {
				where = (int)node->logical_index;
				break;
			}
	hwloc_bitmap_free(set);
	return where;
}

/* idmap.c: uint64 id -> dense uint32 index, open addressing with linear
 * probing.  A slot holds the id beside its dense index (one cache line per
 * probe); dense == IDMAP_NONE marks an empty slot, so every uint64 is a
 * valid id.  Kept at most half full; doubled when it gets there. */
#include <stdlib.h>
#include "data/idmap.h"

struct idmap_slot {
	uint64_t id;
	uint32_t dense;      /* IDMAP_NONE: empty */
};

struct idmap {
	struct idmap_slot *slot;   /* cap entries */
	uint64_t cap;        /* power of two */
	uint64_t *ids;       /* dense index -> original id */
	uint32_t n, ids_cap;
};

static uint64_t idmap_hash(uint64_t x)
{
	/* splitmix64's finaliser: ids are often small consecutive integers,
	 * which need mixing before masking. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static int idmap_alloc_slots(struct idmap *m, uint64_t cap)
{
	struct idmap_slot *s = malloc(cap * sizeof *s);
	if (!s)
		return -1;
	for (uint64_t i = 0; i < cap; i++)
		s[i].dense = IDMAP_NONE;
	free(m->slot);
	m->slot = s;
	m->cap = cap;
	return 0;
}

static void idmap_place(struct idmap *m, uint32_t dense)
{
	uint64_t mask = m->cap - 1, h = idmap_hash(m->ids[dense]) & mask;
	while (m->slot[h].dense != IDMAP_NONE)
		h = (h + 1) & mask;
	m->slot[h].id = m->ids[dense];
	m->slot[h].dense = dense;
}

static int idmap_rehash(struct idmap *m, uint64_t cap)
{
	if (idmap_alloc_slots(m, cap) != 0)
		return -1;
	for (uint32_t i = 0; i < m->n; i++)
		idmap_place(m, i);
	return 0;
}

struct idmap *idmap_create(void)
{
	struct idmap *m = calloc(1, sizeof *m);
	if (m && idmap_alloc_slots(m, 64) != 0) {
		free(m);
		return NULL;
	}
	return m;
}

void idmap_destroy(struct idmap *m)
{
	if (!m)
		return;
	free(m->slot);
	free(m->ids);
	free(m);
}

uint32_t idmap_find(const struct idmap *m, uint64_t id)
{
	if (!m)
		return IDMAP_NONE;
	uint64_t mask = m->cap - 1, h = idmap_hash(id) & mask;
	for (;;) {
		const struct idmap_slot *s = &m->slot[h];
		if (s->dense == IDMAP_NONE || s->id == id)
			return s->dense;
		h = (h + 1) & mask;
	}
}

static int idmap_push_id(struct idmap *m, uint64_t id)
{
	if (m->n == m->ids_cap) {
		uint32_t nc = m->ids_cap ? m->ids_cap * 2 : 64;
		if (nc < m->ids_cap || nc >= IDMAP_NONE)
			nc = IDMAP_NONE - 1;
		uint64_t *p = realloc(m->ids, (size_t)nc * sizeof *p);
		if (!p)
			return -1;
		m->ids = p;
		m->ids_cap = nc;
	}
	m->ids[m->n] = id;
	return 0;
}

uint32_t idmap_intern(struct idmap *m, uint64_t id)
{
	if (!m)
		return IDMAP_NONE;
	uint32_t found = idmap_find(m, id);
	if (found != IDMAP_NONE)
		return found;
	if (m->n >= IDMAP_NONE - 1)
		return IDMAP_NONE;          /* 2^32 - 1 distinct ids: full */
	if ((uint64_t)(m->n + 1) * 2 > m->cap && idmap_rehash(m, m->cap * 2) != 0)
		return IDMAP_NONE;
	if (idmap_push_id(m, id) != 0)
		return IDMAP_NONE;
	idmap_place(m, m->n);
	return m->n++;
}

uint32_t idmap_size(const struct idmap *m)
{
	return m ? m->n : 0;
}

uint64_t idmap_id(const struct idmap *m, uint32_t i)
{
	return m->ids[i];
}

struct idmap *idmap_from_ids(const uint64_t *ids, uint32_t n)
{
	struct idmap *m = idmap_create();
	if (!m)
		return NULL;
	for (uint32_t i = 0; i < n; i++) {
		/* A repeated id would make dense indices disagree with the list. */
		if (idmap_intern(m, ids[i]) != i) {
			idmap_destroy(m);
			return NULL;
		}
	}
	return m;
}

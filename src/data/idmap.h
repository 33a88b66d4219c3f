/* idmap.h: original integer id <-> dense index, for users and items of
 * rating triplets (ml-latest-small's movie ids reach 163,949 for 9,066
 * movies: tables are sized by the distinct count, not the max id). */
#ifndef DMLHOG_DATA_IDMAP_H
#define DMLHOG_DATA_IDMAP_H

#include <stdint.h>

#define IDMAP_NONE UINT32_MAX

struct idmap;

struct idmap *idmap_create(void);
void idmap_destroy(struct idmap *m);
/* Dense index of id, adding it when new (NULL map: IDMAP_NONE on OOM). */
uint32_t idmap_intern(struct idmap *m, uint64_t id);
/* Dense index of id, or IDMAP_NONE when absent. */
uint32_t idmap_find(const struct idmap *m, uint64_t id);
uint32_t idmap_size(const struct idmap *m);
/* Original id of dense index i < size. */
uint64_t idmap_id(const struct idmap *m, uint32_t i);
/* Rebuild from the list of original ids in dense order (model load). */
struct idmap *idmap_from_ids(const uint64_t *ids, uint32_t n);

#endif

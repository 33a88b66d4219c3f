/* checksum.h: a fast 64-bit checksum for cache and model payloads.
 * Four independent multiply-rotate lanes over 32-byte blocks, so it runs
 * near memory bandwidth; it detects corruption, it is not cryptographic. */
#ifndef DMLHOG_UTIL_CHECKSUM_H
#define DMLHOG_UTIL_CHECKSUM_H
#include <stddef.h>
#include <stdint.h>

struct checksum { uint64_t lane[4]; uint64_t total; unsigned char tail[32]; size_t ntail; };

void checksum_init(struct checksum *c);
void checksum_update(struct checksum *c, const void *data, size_t len);
uint64_t checksum_final(const struct checksum *c);
uint64_t checksum_of(const void *data, size_t len);
#endif

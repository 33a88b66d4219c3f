/* checksum.c: 4-lane multiply-rotate checksum (see checksum.h). */
#include <string.h>
#include "util/checksum.h"

#define CK_P1 0x9e3779b185ebca87ULL
#define CK_P2 0xc2b2ae3d27d4eb4fULL
#define CK_P3 0x165667b19e3779f9ULL

static inline uint64_t ck_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t ck_round(uint64_t acc, uint64_t v)
{
	acc += v * CK_P2;
	return ck_rotl(acc, 31) * CK_P1;
}

static inline uint64_t ck_read64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);      /* payloads are little-endian on every supported host */
	return v;
}

void checksum_init(struct checksum *c)
{
	c->lane[0] = CK_P1 + CK_P2;
	c->lane[1] = CK_P2;
	c->lane[2] = 0;
	c->lane[3] = 0 - CK_P1;
	c->total = 0;
	c->ntail = 0;
}

static void ck_blocks(struct checksum *c, const unsigned char *p, size_t nblocks)
{
	uint64_t a = c->lane[0], b = c->lane[1], d = c->lane[2], e = c->lane[3];
	for (size_t i = 0; i < nblocks; i++, p += 32) {
		a = ck_round(a, ck_read64(p));
		b = ck_round(b, ck_read64(p + 8));
		d = ck_round(d, ck_read64(p + 16));
		e = ck_round(e, ck_read64(p + 24));
	}
	c->lane[0] = a; c->lane[1] = b; c->lane[2] = d; c->lane[3] = e;
}

void checksum_update(struct checksum *c, const void *data, size_t len)
{
	const unsigned char *p = data;
	c->total += len;
	if (c->ntail) {
		size_t take = 32 - c->ntail < len ? 32 - c->ntail : len;
		memcpy(c->tail + c->ntail, p, take);
		c->ntail += take; p += take; len -= take;
		if (c->ntail < 32)
			return;
		ck_blocks(c, c->tail, 1);
		c->ntail = 0;
	}
	ck_blocks(c, p, len / 32);
	p += len / 32 * 32;
	len %= 32;
	memcpy(c->tail, p, len);
	c->ntail = len;
}

uint64_t checksum_final(const struct checksum *c)
{
	uint64_t h = ck_rotl(c->lane[0], 1) + ck_rotl(c->lane[1], 7) +
	             ck_rotl(c->lane[2], 12) + ck_rotl(c->lane[3], 18);
	h ^= c->total * CK_P3;
	for (size_t i = 0; i < c->ntail; i++)
		h = ck_rotl(h ^ (c->tail[i] * CK_P3), 11) * CK_P1;
	h ^= h >> 33; h *= CK_P2; h ^= h >> 29; h *= CK_P3; h ^= h >> 32;
	return h;
}

uint64_t checksum_of(const void *data, size_t len)
{
	struct checksum c;
	checksum_init(&c);
	checksum_update(&c, data, len);
	return checksum_final(&c);
}

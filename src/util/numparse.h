/* numparse.h: fast number parsing for the data readers.
 *
 * The readers keep a NUL byte after every input buffer, so these parsers
 * need no end pointer: they stop at the first byte that cannot continue the
 * number (a NUL among them) and return a pointer to it.  The caller checks
 * that byte (a delimiter, or ':' after an index).
 *
 * Decimals take Clinger's exact fast path: when the decimal mantissa fits in
 * 53 bits and the power of ten is at most 22, both are exact doubles and
 * one IEEE multiply or divide rounds correctly.  Everything else (long
 * mantissas, big exponents, nan/inf, hex floats) goes to strtod on a copy of
 * the token, so results always equal strtod's.
 */
#ifndef DMLHOG_UTIL_NUMPARSE_H
#define DMLHOG_UTIL_NUMPARSE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline int numparse_isdigit(char c)
{
	return (unsigned char)(c - '0') < 10;
}

/* Unsigned decimal integer.  Returns the end of the digits, or NULL when
 * there is no digit or the value exceeds UINT64_MAX. */
static inline const char *numparse_u64(const char *p, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = p;
	while (numparse_isdigit(*p)) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return NULL;
		v = v * 10 + d;
		p++;
	}
	if (p == s)
		return NULL;
	*out = v;
	return p;
}

static const double numparse_pow10[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* [+-]digits[.digits][(e|E)[+-]digits], or [+-].digits[...].  Returns the
 * end of the number when it was computed exactly, NULL when the text is
 * not of that form or needs the slow path. */
static inline const char *numparse_fast_double(const char *p, double *out)
{
	int neg = 0, nd = 0, any = 0;
	int64_t exp10 = 0;
	uint64_t m = 0;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	for (; numparse_isdigit(*p); p++, any = 1) {
		if (nd >= 19)
			return NULL;
		m = m * 10 + (uint64_t)(*p - '0');
		nd += m != 0;
	}
	if (*p == '.') {
		for (p++; numparse_isdigit(*p); p++, any = 1) {
			if (nd >= 19)
				return NULL;
			m = m * 10 + (uint64_t)(*p - '0');
			nd += m != 0;
			exp10--;
		}
	}
	if (!any)
		return NULL;
	if (*p == 'e' || *p == 'E') {
		int eneg = 0;
		int64_t e = 0;
		p++;
		if (*p == '-' || *p == '+')
			eneg = *p++ == '-';
		if (!numparse_isdigit(*p))
			return NULL;
		for (; numparse_isdigit(*p); p++)
			if (e < 100000)
				e = e * 10 + (*p - '0');
		exp10 += eneg ? -e : e;
	}
	if (m == 0) {
		*out = neg ? -0.0 : 0.0;
		return p;
	}
	if (m >= (UINT64_C(1) << 53) || exp10 < -22 || exp10 > 22)
		return NULL;
	double d = (double)m;
	d = exp10 < 0 ? d / numparse_pow10[-exp10] : d * numparse_pow10[exp10];
	*out = neg ? -d : d;
	return p;
}

/* strtod over exactly [p, end).  Returns 0 when the whole token is a
 * number (nan and inf included: callers check finiteness), -1 if not. */
static inline int numparse_slow_double(const char *p, const char *end, double *out)
{
	char stack[128], *buf = stack, *e;
	size_t len = (size_t)(end - p);
	int rc = -1;

	if (len == 0)
		return -1;
	if (len >= sizeof stack && !(buf = malloc(len + 1)))
		return -1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	/* strtod would skip leading blanks; a token has none, but be exact. */
	if (!(buf[0] == ' ' || buf[0] == '\t')) {
		*out = strtod(buf, &e);
		rc = e == buf + len ? 0 : -1;
	}
	if (buf != stack)
		free(buf);
	return rc;
}

/* A whole token [p, end): fast path, else strtod. */
static inline int numparse_double(const char *p, const char *end, double *out)
{
	const char *q = numparse_fast_double(p, out);
	if (q == end)
		return 0;
	return numparse_slow_double(p, end, out);
}

#endif

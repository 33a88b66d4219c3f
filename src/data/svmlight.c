/* svmlight.c: one chunk of svmlight/libsvm text -> chunk-local CSR.
 *
 * `label idx:val idx:val ... [# comment]`.  The hot loop handles the common
 * shapes (digits:number) inline; anything unusual drops to a slow path that
 * either accepts it (qid:, strtod-only numbers) or says precisely what is
 * wrong with the token.
 */
#include <float.h>
#include <math.h>
#include <string.h>
#include "data/reader.h"
#include "util/numparse.h"

#define SVM_INDEX_MAX (UINT32_MAX - 1u)   /* so n_cols = max + 1 fits in uint32 */


static int svm_bad(struct chunk *c, uint64_t line, const char *ls, const char *tok,
                   const char *te, const char *msg)
{
	return chunk_bad_line(c, line, ls, tok, te, "%s", msg) ? LINE_STOP : LINE_BAD;
}

static const char *svm_index_msg(const struct chunk *c, const char *tok, const char *colon)
{
	const char *p = tok;
	int sign = *p == '-' || *p == '+';
	p += sign;
	while (p < colon && numparse_isdigit(*p))
		p++;
	int digits = p == colon && colon > tok + sign;
	if (digits && !sign)
		return "index does not fit in 32 bits (at most 4294967294)";
	if (digits && *tok == '-' && c->index_base == 1)
		return "index must be an integer >= 1 (svmlight is 1-based; use --index-base=0)";
	if (digits && *tok == '-')
		return "index must be a non-negative integer";
	if (digits)
		return "index must be written without a sign";
	return "index is not an integer";
}

/* A token the fast path did not take at the index: qid:, or an error.
 * Returns LINE_OK with *pp past an accepted qid: token. */
static int svm_feature_slow(struct chunk *c, uint64_t line, const char *ls,
                            const char *tok, int have_prev, const char **pp)
{
	const char *te = reader_token_end(tok);
	const char *colon = memchr(tok, ':', (size_t)(te - tok));

	if (te - tok >= 4 && memcmp(tok, "qid:", 4) == 0) {
		uint64_t q;
		const char *e = numparse_u64(tok + 4, &q);
		if (!e || e != te)
			return svm_bad(c, line, ls, tok, te, "qid must be a non-negative integer");
		if (have_prev)
			return svm_bad(c, line, ls, tok, te, "qid: must come right after the label, before the features");
		if (!c->qid_line)
			c->qid_line = line;
		*pp = te;
		return LINE_OK;
	}
	if (!colon)
		return svm_bad(c, line, ls, tok, te, "expected index:value");
	if (colon == tok)
		return svm_bad(c, line, ls, tok, te, "expected index:value (the index is missing)");
	return svm_bad(c, line, ls, tok, te, svm_index_msg(c, tok, colon));
}

/* A value the fast path did not take: strtod, or an error.  Errors about
 * the number point at the value; errors about the pair at the pair. */
static int svm_value_slow(struct chunk *c, uint64_t line, const char *ls, const char *tok,
                          const char *vs, double *v, const char **pp)
{
	const char *te = reader_token_end(vs);

	if (vs == te)
		return svm_bad(c, line, ls, tok, te, "value missing after ':'");
	if (numparse_slow_double(vs, te, v) != 0) {
		if (memchr(vs, ':', (size_t)(te - vs)))
			return svm_bad(c, line, ls, tok, te, "expected index:value (more than one ':')");
		return svm_bad(c, line, ls, vs, te, "value is not a number");
	}
	if (!isfinite(*v))
		return svm_bad(c, line, ls, vs, te, "value is not finite");
	if (fabs(*v) > FLT_MAX)
		return svm_bad(c, line, ls, vs, te, "value is out of range for a 32-bit float");
	*pp = te;
	return LINE_OK;
}

static int svm_label_slow(struct chunk *c, uint64_t line, const char *ls, const char *tok,
                          double *y, const char **pp)
{
	const char *te = reader_token_end(tok);

	if (numparse_slow_double(tok, te, y) != 0) {
		if (memchr(tok, ':', (size_t)(te - tok)))
			return svm_bad(c, line, ls, tok, te, "label is not a number (every line starts with a label, then index:value pairs)");
		if (memchr(tok, ',', (size_t)(te - tok)) && (numparse_isdigit(*tok) || *tok == '-' || *tok == '+'))
			return svm_bad(c, line, ls, tok, te, "label is not a number (multilabel lists are not supported)");
		if (memchr(tok, ',', (size_t)(te - tok)))
			return svm_bad(c, line, ls, tok, te, "label is not a number (comma-separated text: for rating triplets use --format=triplet)");
		return svm_bad(c, line, ls, tok, te, "label is not a number");
	}
	if (!isfinite(*y))
		return svm_bad(c, line, ls, tok, te, "label is not finite");
	*pp = te;
	return LINE_OK;
}

/* Parse the features of one line into c->col/c->val after the label.
 * *pp: after the label on entry, at the end of the line's tokens on exit. */
static int svm_features(struct chunk *c, uint64_t line, const char *ls, const char **pp,
                        int64_t *last, int *zero)
{
	const char *p = *pp;
	uint32_t prev = 0;
	int have_prev = 0, rc;
	const int base1 = c->index_base == 1;

	for (;;) {
		while (reader_class[(unsigned char)*p] == RC_SP)
			p++;
		if (reader_class[(unsigned char)*p] != RC_TOK)
			break;
		const char *tok = p;
		uint64_t idx = 0;
		while (numparse_isdigit(*p)) {
			if (idx <= SVM_INDEX_MAX)
				idx = idx * 10 + (uint64_t)(*p - '0');
			p++;
		}
		if (p == tok || *p != ':' || idx > SVM_INDEX_MAX) {
			if ((rc = svm_feature_slow(c, line, ls, tok, have_prev, &p)) != LINE_OK)
				return rc;
			continue;       /* an accepted qid: */
		}
		if (idx == 0) {
			if (base1)
				return svm_bad(c, line, ls, tok, reader_token_end(tok), "index must be an integer >= 1 (svmlight is 1-based; use --index-base=0)");
			*zero = 1;
		}
		if (have_prev && idx <= prev) {
			const char *msg = idx == prev ? "indices must be strictly ascending (this index repeats)" : "indices must be strictly ascending (this index is smaller than the one before)";
			return svm_bad(c, line, ls, tok, reader_token_end(tok), msg);
		}
		double v;
		const char *q = numparse_fast_double(p + 1, &v);
		if (!q || !reader_is_delim(*q)) {
			if ((rc = svm_value_slow(c, line, ls, tok, p + 1, &v, &q)) != LINE_OK)
				return rc;
		}
		if (c->nnz == c->cap_nnz && chunk_grow_nnz(c) != 0)
			return LINE_STOP;
		c->col[c->nnz] = (uint32_t)idx;
		c->val[c->nnz] = (float)v;
		c->nnz++;
		prev = (uint32_t)idx;
		have_prev = 1;
		p = q;
	}
	*last = have_prev ? (int64_t)prev : -1;
	*pp = p;
	return LINE_OK;
}

/* One physical line at *pp; *pp moves to the next line. */
int svmlight_line(struct chunk *c, uint64_t line, const char **pp)
{
	const char *ls = *pp, *p = ls, *q;
	uint64_t nnz0 = c->nnz;
	int64_t last;
	double y;
	int rc, zero = 0;

	while (reader_class[(unsigned char)*p] == RC_SP)
		p++;
	if (*p == '#' || *p == '\n' || (*p == '\0' && p == c->end)) {
		*pp = reader_next_line(c, p);
		return LINE_OK;        /* comment or blank line */
	}
	if (*p == '\0') {
		rc = svm_bad(c, line, ls, p, p, "unexpected NUL byte (is this a binary file?)");
		goto bad;
	}
	q = numparse_fast_double(p, &y);
	if (!q || !reader_is_delim(*q)) {
		if ((rc = svm_label_slow(c, line, ls, p, &y, &q)) != LINE_OK)
			goto bad;
	}
	p = q;
	if ((rc = svm_features(c, line, ls, &p, &last, &zero)) != LINE_OK)
		goto bad;
	if (*p == '#')
		p += strcspn(p, "\n");
	if (*p == '\0' && p != c->end) {
		rc = svm_bad(c, line, ls, p, p, "unexpected NUL byte (is this a binary file?)");
		goto bad;
	}
	if (c->rows == c->cap_rows && chunk_grow_rows(c, 0) != 0) {
		rc = LINE_STOP;
		goto bad;
	}
	c->label[c->rows] = y;
	c->row_ptr[++c->rows] = c->nnz;
	if (last > (int64_t)c->max_index)
		c->max_index = (uint32_t)last;
	if (zero && !c->zero_line)
		c->zero_line = line;
	*pp = *p == '\n' ? p + 1 : p;
	return LINE_OK;
bad:
	c->nnz = nnz0;         /* drop the partial row */
	*pp = reader_next_line(c, p);
	return rc;
}

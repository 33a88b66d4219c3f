/* triplet.c: one chunk of `user item rating` lines -> chunk-local arrays.
 *
 * Fields are separated by blanks or by one comma (with optional blanks
 * around it), so MovieLens CSV and LIBMF's space-separated files both read.
 * Columns after the rating (a timestamp) are ignored.  Ids are read as
 * written; once every chunk is in, the reader numbers users and items
 * densely (dataset_index_ids).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "data/reader.h"
#include "util/numparse.h"


static const char *const field_name[3] = { "user id", "item id", "rating" };

static int trip_is_end(char c)
{
	return reader_is_delim(c) || c == ',';
}

static const char *trip_token_end(const char *p)
{
	while (!trip_is_end(*p))
		p++;
	return p;
}

static int trip_bad(struct chunk *c, uint64_t line, const char *ls, const char *tok,
                    const char *te, const char *fmt, const char *what)
{
	return chunk_bad_line(c, line, ls, tok, te, fmt, what) ? LINE_STOP : LINE_BAD;
}

/* Move from the end of field k to the start of field k + 1. */
static int trip_separator(struct chunk *c, uint64_t line, const char *ls, int k,
                          const char **pp)
{
	const char *p = *pp;
	while (reader_class[(unsigned char)*p] == RC_SP)
		p++;
	if (*p == ',') {
		p++;
		while (reader_class[(unsigned char)*p] == RC_SP)
			p++;
	}
	if (*p == ',')
		return trip_bad(c, line, ls, p, p + 1, "%s is missing (empty field)", field_name[k + 1]);
	if (reader_class[(unsigned char)*p] != RC_TOK) {
		char msg[96];
		snprintf(msg, sizeof msg, "expected user item rating (found %d field%s)", k + 1, k ? "s" : "");
		const char *tok = ls;
		while (reader_class[(unsigned char)*tok] == RC_SP)
			tok++;
		return trip_bad(c, line, ls, tok, p, "%s", msg);
	}
	*pp = p;
	return LINE_OK;
}

static int trip_id(struct chunk *c, uint64_t line, const char *ls, int k,
                   const char **pp, uint64_t *id)
{
	const char *tok = *pp;
	const char *q = numparse_u64(tok, id);
	if (q && trip_is_end(*q)) {
		*pp = q;
		return LINE_OK;
	}
	const char *te = trip_token_end(tok);
	const char *d = tok;
	while (d < te && numparse_isdigit(*d))
		d++;
	if (d == te)
		return trip_bad(c, line, ls, tok, te, "%s does not fit in 64 bits", field_name[k]);
	return trip_bad(c, line, ls, tok, te, "%s must be a non-negative integer", field_name[k]);
}

static int trip_rating(struct chunk *c, uint64_t line, const char *ls, const char **pp,
                       double *r)
{
	const char *tok = *pp;
	const char *q = numparse_fast_double(tok, r);
	if (!q || !trip_is_end(*q)) {
		q = trip_token_end(tok);
		if (numparse_slow_double(tok, q, r) != 0)
			return trip_bad(c, line, ls, tok, q, "%s is not a number", field_name[2]);
		if (!isfinite(*r))
			return trip_bad(c, line, ls, tok, q, "%s is not finite", field_name[2]);
	}
	*pp = q;
	return LINE_OK;
}

int triplet_line(struct chunk *c, uint64_t line, const char **pp)
{
	const char *ls = *pp, *p = ls;
	uint64_t u, i;
	double r;
	int rc;

	while (reader_class[(unsigned char)*p] == RC_SP)
		p++;
	if (*p == '#' || *p == '\n' || (*p == '\0' && p == c->end)) {
		*pp = reader_next_line(c, p);
		return LINE_OK;
	}
	if (*p == '\0') {
		rc = trip_bad(c, line, ls, p, p, "%s", "unexpected NUL byte (is this a binary file?)");
		goto done;
	}
	if (*p == ',') {
		rc = trip_bad(c, line, ls, p, p + 1, "%s is missing (empty field)", field_name[0]);
		goto done;
	}
	if ((rc = trip_id(c, line, ls, 0, &p, &u)) != LINE_OK ||
	    (rc = trip_separator(c, line, ls, 0, &p)) != LINE_OK ||
	    (rc = trip_id(c, line, ls, 1, &p, &i)) != LINE_OK ||
	    (rc = trip_separator(c, line, ls, 1, &p)) != LINE_OK ||
	    (rc = trip_rating(c, line, ls, &p, &r)) != LINE_OK)
		goto done;
	if (c->rows == c->cap_rows && chunk_grow_rows(c, 1) != 0) {
		rc = LINE_STOP;
		goto done;
	}
	c->user[c->rows] = u;
	c->item[c->rows] = i;
	c->label[c->rows] = r;
	c->rows++;
done:
	*pp = reader_next_line(c, p);
	return rc;
}

/* reader.h: the chunked parser shared by the svmlight and triplet readers.
 *
 * reader.c splits the input buffer at newlines into one chunk per thread;
 * each chunk is parsed on its own into its window of the data set's arrays
 * (line numbers are chunk-local too), then reader.c closes the gaps between
 * the windows and turns chunk-local error positions into global ones.
 */
#ifndef DMLHOG_DATA_READER_H
#define DMLHOG_DATA_READER_H

#include <stdint.h>
#include "dmlhog/dataset.h"

/* Byte classes: what ends a token. */
enum {
	RC_TOK = 0,     /* part of a token */
	RC_SP = 1,      /* space, tab, CR, VT, FF: separates tokens */
	RC_EOL = 2,     /* '\n' and the NUL after the buffer */
	RC_HASH = 3,    /* '#': a comment runs to the end of the line */
};
extern const unsigned char reader_class[256];

static inline int reader_is_delim(char c)
{
	return reader_class[(unsigned char)c] != RC_TOK;
}

/* One bad line: position within the chunk and what is wrong. */
struct chunk_err {
	uint64_t line;          /* chunk-local, 1-based; 0 = none */
	uint32_t col;           /* 1-based byte column */
	char token[96];
	char msg[384];
};

enum { CHUNK_RUNNING = 0, CHUNK_LIMIT = 1, CHUNK_CANCELLED = 2 };

struct chunk {
	/* input: [begin, end) holds whole lines: end[-1] is '\n', or *end is
	 * the NUL after the buffer */
	const char *begin, *end;

	/* what the parser was asked */
	int index_base;         /* request: -1 auto, 0, 1 */
	uint64_t stop_after;    /* stop at this many bad lines (>= 1) */
	int chunk_no;
	int *cancel_before;     /* lowest chunk that hit stop_after: later
	                         * chunks may stop, their lines do not matter */

	/* output */
	uint64_t lines;         /* physical lines consumed */
	uint64_t rows, cap_rows;
	double *label;
	uint64_t *row_ptr;      /* svmlight: rows + 1 entries, [0] = 0 */
	uint64_t *user, *item;  /* triplets */
	uint64_t nnz, cap_nnz;
	uint32_t *col;          /* raw indices as written */
	float *val;
	uint32_t max_index;     /* largest raw index seen (valid if nnz) */
	uint64_t zero_line;     /* first line with index 0 (chunk-local), 0 none */
	uint64_t qid_line;      /* first line with qid: (chunk-local), 0 none */
	uint64_t bad;           /* bad lines seen */
	struct chunk_err first_bad, last_bad;
	int nomem;              /* allocation failed: the chunk stopped */
	int stopped;            /* CHUNK_LIMIT or CHUNK_CANCELLED */

	/* memory: fixed = the arrays are windows of the data set's own arrays,
	 * sized by upper bounds counted beforehand (they never grow); release
	 * = [begin, end) is a file mapping whose pages behind the parser are
	 * dropped from the process as it goes (released: up to where) */
	int fixed, release;
	const char *released;
	uintptr_t page;         /* the page size, for release */
};

/* A line parser: consumes the line at *pp (advancing it past the line)
 * into c.  LINE_STOP ends the chunk (limit of bad lines, out of memory). */
enum { LINE_OK = 0, LINE_BAD = 1, LINE_STOP = 2 };
typedef int (*chunk_line_fn)(struct chunk *c, uint64_t line, const char **pp);
int svmlight_line(struct chunk *c, uint64_t line, const char **pp);
int triplet_line(struct chunk *c, uint64_t line, const char **pp);

/* Helpers for the two parsers (reader.c). */
int chunk_grow_rows(struct chunk *c, int triplet);
int chunk_grow_nnz(struct chunk *c);
/* Record a bad line.  Returns 1 when the chunk must stop. */
int chunk_bad_line(struct chunk *c, uint64_t line, const char *line_start,
                   const char *tok, const char *tok_end, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Pointer past the end of the line containing p ('\n' + 1, or the NUL). */
const char *reader_next_line(const struct chunk *c, const char *p);
/* End of the token starting at p. */
static inline const char *reader_token_end(const char *p)
{
	while (!reader_is_delim(*p))
		p++;
	return p;
}
int chunk_should_cancel(const struct chunk *c);

/* Format detection (auto) and header sniffing for triplets, over the first
 * lines of buf.  triplet_header_len: bytes up to and including a header
 * line (0 if none), its line number and start. */
enum dmlhog_format reader_detect_format(const char *buf, size_t len, const char **why);
size_t triplet_header_len(const char *buf, size_t len, uint64_t *header_line,
                          const char **header_start);

/* The options a read uses: *o, or the defaults (written to *defaults)
 * when *o is NULL.  E_USAGE when they hold values out of range. */
enum dmlhog_status reader_resolve_opts(const struct dmlhog_read_opts **o,
                                       struct dmlhog_read_opts *defaults,
                                       struct dmlhog_error *err);

#endif

/* dmlhog/status.h: status codes, error reports and the exit-code map.
 *
 * One X-macro table yields the enum, the names, the messages and the
 * process exit codes, so the four can never drift apart.  The library never
 * prints and never exits: every call that can fail returns a status and
 * fills a caller-supplied struct dmlhog_error.
 */
#ifndef DMLHOG_STATUS_H
#define DMLHOG_STATUS_H

#include <stdint.h>

/*        name         exit  class word   message */
#define DMLHOG_STATUS_MAP(X)                                              \
	X(OK,          0,  "ok",        "success")                        \
	X(E_FAILURE,   1,  "failure",   "runtime failure")                \
	X(E_NOMEM,     1,  "nomem",     "out of memory")                  \
	X(E_DIVERGED,  3,  "diverged",  "training diverged (non-finite loss)") \
	X(E_USAGE,     64, "usage",     "usage error")                    \
	X(E_DATA,      65, "data",      "malformed data")                 \
	X(E_CORRUPT,   65, "corrupt",   "corrupt or truncated file")      \
	X(E_NOINPUT,   66, "noinput",   "input missing or unreadable")    \
	X(E_INTERNAL,  70, "internal",  "internal error")                 \
	X(E_CANTCREAT, 73, "cantcreat", "cannot create output file")      \
	X(E_IO,        74, "io",        "I/O error")                      \
	X(E_TIMELIMIT, 75, "timelimit", "stopped by the time limit")

enum dmlhog_status {
#define DMLHOG_STATUS_ENUM(name, code, word, msg) DMLHOG_##name,
	DMLHOG_STATUS_MAP(DMLHOG_STATUS_ENUM)
#undef DMLHOG_STATUS_ENUM
	DMLHOG_STATUS_COUNT
};

/* What went wrong and where.  file/line/col/token are filled when the error
 * is tied to a position in an input file (line and col are 1-based, 0 when
 * unknown).  msg is a complete one-line description without the position. */
struct dmlhog_error {
	enum dmlhog_status status;
	char file[512];
	uint64_t line;
	uint32_t col;
	char token[96];
	char msg[512];
};

const char *dmlhog_strerror(enum dmlhog_status s);
const char *dmlhog_status_word(enum dmlhog_status s);
int dmlhog_exit_code(enum dmlhog_status s);

/* Format "file:line:col: msg: 'token'" (the parts that are set) into buf. */
void dmlhog_error_format(const struct dmlhog_error *e, char *buf, unsigned long len);

/* Fill e (any may be NULL/0) and return status; printf-style message. */
enum dmlhog_status dmlhog_error_set(struct dmlhog_error *e, enum dmlhog_status s,
                                    const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif

/* status.c: names, messages and exit codes from DMLHOG_STATUS_MAP. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "dmlhog/status.h"

static const struct {
	int code;
	const char *word, *msg;
} status_table[] = {
#define DMLHOG_STATUS_ROW(name, code, word, msg) { code, word, msg },
	DMLHOG_STATUS_MAP(DMLHOG_STATUS_ROW)
#undef DMLHOG_STATUS_ROW
};

static int status_valid(enum dmlhog_status s)
{
	return (unsigned)s < DMLHOG_STATUS_COUNT;
}

const char *dmlhog_strerror(enum dmlhog_status s)
{
	return status_valid(s) ? status_table[s].msg : "unknown status";
}

const char *dmlhog_status_word(enum dmlhog_status s)
{
	return status_valid(s) ? status_table[s].word : "unknown";
}

int dmlhog_exit_code(enum dmlhog_status s)
{
	return status_valid(s) ? status_table[s].code : 70;
}

enum dmlhog_status dmlhog_error_set(struct dmlhog_error *e, enum dmlhog_status s,
                                    const char *fmt, ...)
{
	if (e) {
		va_list ap;
		e->status = s;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
	}
	return s;
}

void dmlhog_error_format(const struct dmlhog_error *e, char *buf, unsigned long len)
{
	size_t n = 0;
	buf[0] = '\0';
	if (e->file[0]) {
		if (e->line && e->col)
			n = (size_t)snprintf(buf, len, "%s:%llu:%u: ", e->file,
			                     (unsigned long long)e->line, e->col);
		else if (e->line)
			n = (size_t)snprintf(buf, len, "%s:%llu: ", e->file,
			                     (unsigned long long)e->line);
		else
			n = (size_t)snprintf(buf, len, "%s: ", e->file);
	}
	if (n >= len)
		return;
	const char *msg = e->msg[0] ? e->msg : dmlhog_strerror(e->status);
	if (e->token[0])
		snprintf(buf + n, len - n, "%s: '%s'", msg, e->token);
	else
		snprintf(buf + n, len - n, "%s", msg);
}

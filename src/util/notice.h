/* notice.h: format a message and hand it to a caller's notice callback
 * (the library never prints; see dmlhog_notice_fn). */
#ifndef DMLHOG_UTIL_NOTICE_H
#define DMLHOG_UTIL_NOTICE_H
#include "dmlhog/dataset.h"

/* printf-style; a NULL fn drops the message. */
void notice_send(dmlhog_notice_fn fn, void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#endif

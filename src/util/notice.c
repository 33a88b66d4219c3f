/* notice.c: see notice.h. */
#include <stdarg.h>
#include <stdio.h>
#include "util/notice.h"

void notice_send(dmlhog_notice_fn fn, void *ctx, const char *fmt, ...)
{
	char buf[1200];
	va_list ap;
	if (!fn)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	fn(ctx, buf);
}

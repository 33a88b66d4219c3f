/* version.c: the library version. */
#include "config.h"
#include "dmlhog/dmlhog.h"

const char *dmlhog_version(void)
{
	return PACKAGE_VERSION;
}

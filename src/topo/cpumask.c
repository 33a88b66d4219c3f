/* cpumask.c: PUs of the process binding, through hwloc (see cpumask.h). */
#include <hwloc.h>
#include <stdio.h>
#include "topo/cpumask.h"
#include "topo/topo.h"

/* Through topo_load, which restricts the topology to the process binding
 * (and sees through libgomp's binding of the initial thread), so the count
 * is the one the plan uses. */
int cpumask_pus(void)
{
	struct dmlhog_error err = { 0 };
	struct topo *t = NULL;
	int n = 0;
	if (topo_load(NULL, &t, &err) == DMLHOG_OK) {
		n = (int)topo_pus(t);
		topo_destroy(t);
		return n > 0 ? n : 1;
	}
	/* A bad HWLOC_SYNTHETIC or HWLOC_XMLFILE: whoever plans reports it;
	 * here the hardware's own count will do. */
	hwloc_topology_t h;
	if (hwloc_topology_init(&h) != 0)
		return 1;
	if (hwloc_topology_set_flags(h, HWLOC_TOPOLOGY_FLAG_IS_THISSYSTEM) == 0 &&
	    hwloc_topology_load(h) == 0)
		n = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_PU);
	hwloc_topology_destroy(h);
	return n > 0 ? n : 1;
}

const char *cpumask_hwloc_version(void)
{
	static char buf[32];
	unsigned v = hwloc_get_api_version();
	snprintf(buf, sizeof buf, "%u.%u.%u", v >> 16, (v >> 8) & 0xff, v & 0xff);
	return buf;
}

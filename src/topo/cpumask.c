/* cpumask.c: PUs of the process binding, through hwloc (see cpumask.h). */
#include <hwloc.h>
#include <stdio.h>
#include "topo/cpumask.h"

int cpumask_pus(void)
{
	hwloc_topology_t t;
	int n = 1;
	if (hwloc_topology_init(&t) != 0)
		return 1;
	if (hwloc_topology_load(t) == 0) {
		hwloc_bitmap_t set = hwloc_bitmap_alloc();
		/* The process binding is what taskset/numactl/srun gave us; the
		 * topology's own cpuset would escape it. */
		if (set && hwloc_get_cpubind(t, set, HWLOC_CPUBIND_PROCESS) == 0) {
			hwloc_bitmap_and(set, set, hwloc_topology_get_allowed_cpuset(t));
			n = hwloc_bitmap_weight(set);
		} else {
			n = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU);
		}
		hwloc_bitmap_free(set);
	}
	hwloc_topology_destroy(t);
	return n > 0 ? n : 1;
}

const char *cpumask_hwloc_version(void)
{
	static char buf[32];
	unsigned v = hwloc_get_api_version();
	snprintf(buf, sizeof buf, "%u.%u.%u", v >> 16, (v >> 8) & 0xff, v & 0xff);
	return buf;
}

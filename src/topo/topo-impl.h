/* topo-impl.h: what topo.c, plan.c and bind.c share behind the opaque
 * struct topo of topo.h.  Not for use outside src/topo/. */
#ifndef DMLHOG_TOPO_TOPO_IMPL_H
#define DMLHOG_TOPO_TOPO_IMPL_H

#include <hwloc.h>
#include "topo/topo.h"

struct topo {
	hwloc_topology_t h;
	int simulated;          /* synthetic or XML, or hwloc says not this system */
	int restricted;         /* restricted to a mask smaller than the machine */
	char source[640];       /* what was loaded, for humans */
};

/* Logical index of the first NUMA node whose cpuset holds the PU (0 when
 * none does, as on a machine without NUMA information). */
unsigned topo_pu_numa(const struct topo *t, hwloc_obj_t pu);
/* The PU's core, or the PU itself on a topology without cores. */
hwloc_obj_t topo_pu_core(const struct topo *t, hwloc_obj_t pu);
/* Logical index of the PU's package (0 on a topology without packages). */
unsigned topo_pu_package(hwloc_obj_t pu);

#endif

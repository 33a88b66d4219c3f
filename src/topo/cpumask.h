/* cpumask.h: the CPUs this process may run on, read through hwloc.
 * Thread counts default to the PUs of the inherited mask (taskset,
 * numactl, srun), never to the raw hardware count. */
#ifndef DMLHOG_TOPO_CPUMASK_H
#define DMLHOG_TOPO_CPUMASK_H

/* Number of PUs in the process's CPU binding (>= 1). */
int cpumask_pus(void);

/* hwloc's version string, for `dmlhog version`. */
const char *cpumask_hwloc_version(void);

#endif

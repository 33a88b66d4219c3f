/* topo.h: the machine's topology (through hwloc, the one topology
 * abstraction), placement plans, thread binding and NUMA-placed memory.
 *
 * A plan is a pure function of a topology and the options, so it can be
 * computed, printed and tested for a machine that is not this one
 * (synthetic or XML topologies); binding and memory placement are skipped
 * with a notice on a simulated topology.
 */
#ifndef DMLHOG_TOPO_TOPO_H
#define DMLHOG_TOPO_TOPO_H

#include <stddef.h>
#include <stdio.h>
#include "dmlhog/status.h"

enum topo_bind {
	TOPO_BIND_AUTO = 0,     /* inherit when the mask is restricted, else compact */
	TOPO_BIND_INHERIT,      /* keep the inherited mask, do not bind threads */
	TOPO_BIND_COMPACT,      /* fill cores in order: neighbours share caches */
	TOPO_BIND_SPREAD,       /* scatter across packages and NUMA nodes (hwloc_distrib) */
	TOPO_BIND_NUMA,         /* spread over NUMA nodes, threads float within their node */
	TOPO_BIND_NONE,         /* no binding at all */
};

enum topo_replicas {
	TOPO_REPLICAS_MACHINE = 0,   /* one shared model, pages interleaved across nodes */
	TOPO_REPLICAS_NODE,          /* one model per NUMA node, averaged periodically */
	TOPO_REPLICAS_THREAD,        /* one model per thread (model averaging) */
};

struct topo;

/* Load a topology: spec NULL -> this machine (restricted to the process's
 * CPU binding, so taskset/numactl/srun masks are never escaped); otherwise a
 * synthetic description ("package:2 numa:2 core:4 pu:2") or the path of an
 * XML file (ends in .xml).  When spec is NULL, HWLOC_SYNTHETIC and
 * HWLOC_XMLFILE are honoured by hwloc itself, and reported as simulated.  A
 * malformed spec is E_USAGE naming it: never a silent fallback to the real
 * machine. */
enum dmlhog_status topo_load(const char *spec, struct topo **out, struct dmlhog_error *err);
void topo_destroy(struct topo *t);

int topo_is_simulated(const struct topo *t);     /* not this system: plan only */
int topo_restricted(const struct topo *t);       /* inherited mask smaller than the machine */
unsigned topo_pus(const struct topo *t);         /* PUs available to the process */
unsigned topo_cores(const struct topo *t);
unsigned topo_numa_nodes(const struct topo *t);
unsigned topo_packages(const struct topo *t);
/* One line per package/NUMA node with its cores and PUs (for `dmlhog topo`). */
void topo_describe(const struct topo *t, FILE *out);
/* The same as one JSON object (source, simulated, restricted, counts, NUMA
 * nodes), without a newline: for the start event of --log. */
void topo_describe_json(const struct topo *t, FILE *out);
/* What was loaded, for humans: "this machine, restricted to cpus 0-3",
 * "synthetic 'package:2 ...'", "XML file 'box.xml'". */
const char *topo_source(const struct topo *t);
/* Keep only the PUs of cpulist (OS indexes, "0-3,8" as for taskset -c), as
 * a launcher's mask does: it emulates taskset on a simulated topology.
 * E_USAGE for a malformed list or one without a PU of the topology. */
enum dmlhog_status topo_restrict(struct topo *t, const char *cpulist, struct dmlhog_error *err);

struct plan_thread {
	unsigned pu_os;         /* OS index of the PU (what binding uses) */
	unsigned pu_logical;    /* logical index (what humans read) */
	unsigned core;          /* logical core index */
	unsigned numa;          /* logical NUMA node index */
	unsigned package;       /* logical package index */
	unsigned replica;       /* model replica this thread updates */
	char mask[64];          /* hex cpuset the thread is bound to, "inherit" or "none" */
};

struct plan {
	unsigned n_threads;
	enum topo_bind bind;            /* resolved: never AUTO */
	enum topo_replicas replicas;
	unsigned n_replicas;
	unsigned *replica_numa;         /* n_replicas: node each replica lives on */
	int simulated;                  /* binding skipped */
	int oversubscribed;             /* more threads than PUs */
	struct plan_thread *t;          /* n_threads */
};

enum dmlhog_status plan_make(const struct topo *t, unsigned threads, enum topo_bind bind,
                             enum topo_replicas replicas, int no_smt, struct plan *out,
                             struct dmlhog_error *err);
void plan_free(struct plan *p);
/* Human form: one line per thread, e.g.
 * "thread 3  pu 7  core 3  numa 0  package 0  replica 0  mask 0x00000080". */
void plan_print(const struct plan *p, FILE *out);
/* The same as a JSON array (for the start event of --log). */
void plan_print_json(const struct plan *p, FILE *out);

const char *topo_bind_name(enum topo_bind b);
const char *topo_replicas_name(enum topo_replicas r);
int topo_bind_parse(const char *s);              /* -1 if unknown */
int topo_replicas_parse(const char *s);

/* Called by worker thread i itself at its start (binding the main thread
 * first would make every later thread inherit one PU).  No-op on a
 * simulated topology or for bind none/inherit.  Returns 0 or -1 (errno). */
int topo_bind_self(const struct topo *t, const struct plan *p, unsigned i);

/* Memory for large arrays.  topo_alloc_node: on NUMA node `numa` (logical),
 * strict; on failure falls back to plain memory and reports it once through
 * *warned (set to the errno of the failed binding, e.g. EPERM in a container
 * without CAP_SYS_NICE, when it was 0).  topo_alloc_interleaved: pages
 * interleaved across the nodes.  The caller's owning thread should touch
 * the pages first.  Free with topo_free
 * (the size is needed). */
void *topo_alloc_node(const struct topo *t, size_t len, unsigned numa, int *warned);
void *topo_alloc_interleaved(const struct topo *t, size_t len, int *warned);
void topo_free(const struct topo *t, void *p, size_t len);
/* Interleave the whole pages inside [p, p + len), anonymous memory already
 * allocated and written, across the nodes, keeping its contents; nothing
 * on a simulated topology or a single node.  Not while other threads use
 * the range.  A refusal is reported once through *warned, as above, and
 * leaves the memory where it is. */
void topo_interleave(const struct topo *t, void *p, size_t len, int *warned);
/* NUMA node (logical) holding the page at p, or -1 when unknown. */
int topo_node_of(const struct topo *t, const void *p);

#endif

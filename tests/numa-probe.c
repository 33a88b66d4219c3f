/* numa-probe.c: real binding and NUMA placement on this machine (TAP).
 *
 *   numa-probe [--bind numa,spread] [--threads N] [--require-nodes K]
 *
 * For each bind policy: plan N threads (default 4) with --replicas node,
 * start them; each binds itself (topo_bind_self), checks with
 * hwloc_get_cpubind and sched_getcpu that it runs where the plan says,
 * allocates a shard on its planned node (topo_alloc_node), writes it, and
 * checks where the pages went, with topo_node_of and with get_mempolicy
 * directly.  Then an interleaved model must spread over the nodes, whether
 * allocated so or moved there in place.
 *
 * make check runs it on the build machine (one node; memory binding may be
 * refused in a container, which is reported as a skip).  tests/cli/numa-vm.sh
 * runs it in a 2-node qemu guest with --require-nodes 2, where every check
 * must pass. */
#define _GNU_SOURCE
#include <errno.h>
#include <hwloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "tap.h"
#include "topo/topo.h"

#define SHARD (4u << 20)
#define MPOL_F_NODE_ (1 << 0)     /* <numaif.h> values, without libnuma */
#define MPOL_F_ADDR_ (1 << 1)

static hwloc_topology_t probe_h;   /* the probe's own view, for checking */
static int require_nodes;

struct worker {
	const struct topo *t;
	const struct plan *p;
	unsigned i;
	int bound, bind_errno, cpu, node, os_node, warned;
	char bound_to[128];
};

/* OS index of the node holding the page at p, straight from the kernel. */
static int kernel_node_of(void *p)
{
	int node = -1;
	if (syscall(SYS_get_mempolicy, &node, NULL, 0UL, p, (unsigned long)(MPOL_F_NODE_ | MPOL_F_ADDR_)) != 0)
		return -1;
	return node;
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	w->bound = topo_bind_self(w->t, w->p, w->i);
	w->bind_errno = errno;
	if (set && hwloc_get_cpubind(probe_h, set, HWLOC_CPUBIND_THREAD) == 0)
		hwloc_bitmap_snprintf(w->bound_to, sizeof w->bound_to, set);
	hwloc_bitmap_free(set);
	w->cpu = sched_getcpu();
	char *shard = topo_alloc_node(w->t, SHARD, w->p->t[w->i].numa, &w->warned);
	w->node = w->os_node = -2;
	if (shard) {
		memset(shard, 0x5a, SHARD);    /* the owner touches first */
		w->node = topo_node_of(w->t, shard);
		w->os_node = kernel_node_of(shard + SHARD / 2);
		topo_free(w->t, shard, SHARD);
	}
	return NULL;
}

/* The node (OS index) is local to cpu in the probe's own topology. */
static int node_has_cpu(int os_node, int cpu)
{
	hwloc_obj_t n = hwloc_get_numanode_obj_by_os_index(probe_h, (unsigned)os_node);
	return n && cpu >= 0 && hwloc_bitmap_isset(n->cpuset, (unsigned)cpu);
}

static void check_worker(const struct plan *p, const struct worker *w, int *membind_refused)
{
	const struct plan_thread *th = &p->t[w->i];
	hwloc_bitmap_t want = hwloc_bitmap_alloc();
	hwloc_bitmap_sscanf(want, th->mask);
	if (!ok(w->bound == 0, "thread %u binds itself to %s", w->i, th->mask))
		printf("#   %s\n", strerror(w->bind_errno));
	is_str(w->bound_to, th->mask, "hwloc_get_cpubind says the thread's mask is the planned one");
	ok(w->cpu >= 0 && hwloc_bitmap_isset(want, (unsigned)w->cpu), "thread %u runs on cpu %d, inside %s",
	   w->i, w->cpu, th->mask);
	hwloc_bitmap_free(want);
	if (w->warned) {
		*membind_refused = w->warned;
		if (require_nodes)
			ok(0, "thread %u: memory binding refused: %s", w->i, strerror(w->warned));
		else
			tap_skip("memory binding refused here (no CAP_SYS_NICE in a container?)");
		return;
	}
	is_int(w->node, th->numa, "thread's shard is on its planned node (topo_node_of)");
	ok(node_has_cpu(w->os_node, w->cpu), "the kernel puts the shard on node P#%d, local to cpu %d",
	   w->os_node, w->cpu);
}

/* The plan as TAP comments. */
static void print_plan(const struct plan *p)
{
	char *buf = NULL, *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return;
	plan_print(p, f);
	fclose(f);
	printf("# bind %s:\n", topo_bind_name(p->bind));
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		printf("#   %s\n", l);
	free(buf);
}

static void probe_policy(const struct topo *t, unsigned threads, enum topo_bind bind)
{
	struct dmlhog_error err = { 0 };
	struct plan p;
	int refused = 0;
	if (!ok(plan_make(t, threads, bind, TOPO_REPLICAS_NODE, 0, &p, &err) == DMLHOG_OK,
	        "plan %u threads, bind %s, replicas node", threads, topo_bind_name(bind))) {
		printf("#   %s\n", err.msg);
		return;
	}
	print_plan(&p);
	unsigned used = 0;
	for (unsigned n = 0; n < topo_numa_nodes(t); n++)
		for (unsigned i = 0; i < p.n_threads; i++)
			if (p.t[i].numa == n) {
				used++;
				break;
			}
	is_int(p.n_replicas, used, "one replica per NUMA node that has a thread");
	if (bind == TOPO_BIND_NUMA || bind == TOPO_BIND_SPREAD)
		is_int(used, threads < topo_numa_nodes(t) ? threads : topo_numa_nodes(t),
		       "the threads cover the NUMA nodes");
	struct worker *w = calloc(p.n_threads, sizeof *w);
	pthread_t *th = calloc(p.n_threads, sizeof *th);
	for (unsigned i = 0; w && th && i < p.n_threads; i++) {
		w[i] = (struct worker){ .t = t, .p = &p, .i = i };
		pthread_create(&th[i], NULL, worker_run, &w[i]);
	}
	for (unsigned i = 0; w && th && i < p.n_threads; i++) {
		pthread_join(th[i], NULL);
		check_worker(&p, &w[i], &refused);
	}
	free(w);
	free(th);
	plan_free(&p);
}

/* Pages interleaved over all nodes: each node holds about its share.
 * in_place: plain memory first touched here (all on this thread's node),
 * then moved by topo_interleave, as Hogwild!'s one shared model is;
 * else allocated interleaved (topo_alloc_interleaved), as replicas are. */
static void probe_interleave(const struct topo *t, int in_place)
{
	unsigned pages = 64, nodes = topo_numa_nodes(t), count[64] = { 0 };
	long psz = sysconf(_SC_PAGESIZE);
	size_t len = (size_t)pages * (size_t)psz;
	const char *what = in_place ? "interleaved in place" : "interleaved allocation";
	int warned = 0;
	char *m = in_place ? aligned_alloc((size_t)psz, len) : topo_alloc_interleaved(t, len, &warned);
	if (!ok(m != NULL, "%s", what))
		return;
	memset(m, 1, len);
	if (in_place)
		topo_interleave(t, m, len, &warned);
	for (unsigned i = 0; i < pages; i++) {
		int n = topo_node_of(t, m + (size_t)i * (size_t)psz);
		if (n >= 0 && n < 64)
			count[n]++;
	}
	if (in_place)
		free(m);
	else
		topo_free(t, m, len);
	if (warned) {
		if (require_nodes)
			ok(0, "%s refused: %s", what, strerror(warned));
		else
			tap_skip("interleaving refused here (no CAP_SYS_NICE in a container?)");
		return;
	}
	unsigned lo = pages;
	for (unsigned n = 0; n < nodes && n < 64; n++)
		lo = count[n] < lo ? count[n] : lo;
	ok(lo >= pages / nodes / 2, "%s: every node holds at least half its share of %u pages",
	   what, pages);
	for (unsigned n = 0; n < nodes && n < 64; n++)
		printf("#   node %u: %u pages\n", n, count[n]);
}

static int usage(void)
{
	fputs("usage: numa-probe [--bind numa,spread] [--threads N] [--require-nodes K]\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	const char *binds = "numa,spread";
	unsigned threads = 4;
	for (int i = 1; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--bind") == 0)
			binds = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--threads") == 0)
			threads = (unsigned)atoi(argv[++i]);
		else if (i + 1 < argc && strcmp(argv[i], "--require-nodes") == 0)
			require_nodes = atoi(argv[++i]);
		else
			return usage();
	}
	struct dmlhog_error err = { 0 };
	struct topo *t = NULL;
	if (hwloc_topology_init(&probe_h) != 0 || hwloc_topology_load(probe_h) != 0 ||
	    !ok(topo_load(NULL, &t, &err) == DMLHOG_OK, "load this machine's topology")) {
		printf("#   %s\n", err.msg);
		return tap_done();
	}
	printf("# %u packages, %u NUMA nodes, %u cores, %u PUs\n", topo_packages(t),
	       topo_numa_nodes(t), topo_cores(t), topo_pus(t));
	ok(!topo_is_simulated(t), "the topology is this machine (not simulated)");
	if (require_nodes)
		is_int(topo_numa_nodes(t), require_nodes, "the machine has the required NUMA nodes");
	char *list = strdup(binds), *save = NULL;
	for (char *b = strtok_r(list, ",", &save); b; b = strtok_r(NULL, ",", &save)) {
		int bind = topo_bind_parse(b);
		if (ok(bind >= 0, "bind policy '%s'", b))
			probe_policy(t, threads, (enum topo_bind)bind);
	}
	free(list);
	probe_interleave(t, 0);
	probe_interleave(t, 1);
	topo_destroy(t);
	hwloc_topology_destroy(probe_h);
	return tap_done();
}

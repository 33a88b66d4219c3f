/* plan.c: placement plans, threads -> PUs and replicas -> NUMA nodes (see
 * topo.h).  A plan depends only on the topology and the options, so the
 * same code plans for this machine and for synthetic or XML ones. */
#include <stdlib.h>
#include <string.h>
#include "topo/topo-impl.h"

/* The PUs a policy may use, in the order it fills them. */
struct slots {
	hwloc_obj_t *pu;
	unsigned n;
};

/* Position of a PU among its core's PUs (0 for the first sibling). */
static unsigned smt_rank(const struct topo *t, hwloc_obj_t pu)
{
	hwloc_obj_t core = topo_pu_core(t, pu), first;
	if (core == pu)
		return 0;
	first = hwloc_get_next_obj_inside_cpuset_by_type(t->h, core->cpuset, HWLOC_OBJ_PU, NULL);
	return first ? pu->logical_index - first->logical_index : 0;
}

/* The most PUs a core has (1 on a topology without cores). */
static unsigned smt_width(const struct topo *t)
{
	hwloc_obj_t core = NULL;
	unsigned w = 1;
	while ((core = hwloc_get_next_obj_by_type(t->h, HWLOC_OBJ_CORE, core))) {
		int n = hwloc_get_nbobjs_inside_cpuset_by_type(t->h, core->cpuset, HWLOC_OBJ_PU);
		if (n > 0 && (unsigned)n > w)
			w = (unsigned)n;
	}
	return w;
}

/* Compact order: PUs core by core in logical order, SMT siblings adjacent;
 * with no_smt only each core's first PU.  within: NULL or a cpuset to stay
 * in.  cores_first: all cores' first PUs, then their second ones, so
 * threads floating in a NUMA node are shown on distinct cores. */
static int slots_fill(const struct topo *t, hwloc_const_cpuset_t within, int no_smt,
                      int cores_first, struct slots *s)
{
	unsigned npu = topo_pus(t), ranks = cores_first && !no_smt ? smt_width(t) : 1;
	s->n = 0;
	s->pu = calloc(npu ? npu : 1, sizeof *s->pu);
	if (!s->pu)
		return -1;
	for (unsigned rank = 0; rank < ranks; rank++) {
		hwloc_obj_t pu = NULL;
		while ((pu = hwloc_get_next_obj_by_type(t->h, HWLOC_OBJ_PU, pu))) {
			unsigned r = smt_rank(t, pu);
			if (within && !hwloc_bitmap_isset(within, pu->os_index))
				continue;
			if ((no_smt && r > 0) || (cores_first && r != rank))
				continue;
			s->pu[s->n++] = pu;
		}
	}
	return 0;
}

static void mask_format(char *buf, size_t len, hwloc_const_bitmap_t set)
{
	/* Hex as hwloc writes it; a list ("0-127") where a big machine's hex
	 * would not fit. */
	if (hwloc_bitmap_snprintf(buf, len, set) < (int)len)
		return;
	if (hwloc_bitmap_list_snprintf(buf, len, set) < (int)len)
		return;
	strcpy(buf + len - 4, "...");
}

static void thread_at(const struct topo *t, struct plan_thread *th, hwloc_obj_t pu,
                      hwloc_const_bitmap_t mask)
{
	th->pu_os = pu->os_index;
	th->pu_logical = pu->logical_index;
	th->core = topo_pu_core(t, pu)->logical_index;
	th->numa = topo_pu_numa(t, pu);
	th->package = topo_pu_package(pu);
	if (mask)
		mask_format(th->mask, sizeof th->mask, mask);
}

/* More threads than slots: thread i takes slot i*n/threads, so neighbouring
 * threads share a slot (OpenMP's proc_bind(close) partitioning; hwloc_distrib
 * does the same), and every slot gets floor or ceil(threads/n). */
static unsigned slot_of(unsigned i, unsigned threads, unsigned n)
{
	return threads <= n ? i : (unsigned)((unsigned long long)i * n / threads);
}

static int plan_compact(const struct topo *t, int no_smt, struct plan *p)
{
	struct slots s;
	if (slots_fill(t, NULL, no_smt, 0, &s) != 0)
		return -1;
	for (unsigned i = 0; i < p->n_threads; i++) {
		hwloc_obj_t pu = s.pu[slot_of(i, p->n_threads, s.n)];
		thread_at(t, &p->t[i], pu, pu->cpuset);
	}
	p->oversubscribed = p->n_threads > s.n;
	free(s.pu);
	return 0;
}

/* hwloc_distrib scatters across packages (and NUMA groups) first.  Down to
 * cores with no_smt; else down to PUs, which only differs past one thread
 * per core: then SMT siblings are used before two threads share a PU. */
static int plan_spread(const struct topo *t, int no_smt, struct plan *p)
{
	hwloc_obj_t root = hwloc_get_root_obj(t->h);
	hwloc_bitmap_t *sets = calloc(p->n_threads, sizeof *sets);
	int depth = hwloc_get_type_depth(t->h, HWLOC_OBJ_CORE);
	unsigned slots = no_smt ? topo_cores(t) : topo_pus(t);
	if (!sets)
		return -1;
	if (!no_smt || depth < 0)
		depth = hwloc_get_type_depth(t->h, HWLOC_OBJ_PU);
	int rc = hwloc_distrib(t->h, &root, 1, sets, p->n_threads, depth, 0);
	for (unsigned i = 0; rc == 0 && i < p->n_threads; i++) {
		hwloc_bitmap_singlify(sets[i]);
		hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(t->h, (unsigned)hwloc_bitmap_first(sets[i]));
		if (!pu)
			rc = -1;
		else
			thread_at(t, &p->t[i], pu, pu->cpuset);
	}
	for (unsigned i = 0; i < p->n_threads; i++)
		hwloc_bitmap_free(sets[i]);
	free(sets);
	p->oversubscribed = p->n_threads > slots;
	return rc;
}

/* NUMA nodes that have PUs (memory-only nodes cannot run a thread). */
static unsigned cpu_nodes(const struct topo *t, hwloc_obj_t *nodes, unsigned max)
{
	hwloc_obj_t n = NULL;
	unsigned k = 0;
	while ((n = hwloc_get_next_obj_by_type(t->h, HWLOC_OBJ_NUMANODE, n)) && k < max)
		if (!hwloc_bitmap_iszero(n->cpuset))
			nodes[k++] = n;
	return k;
}

/* Round-robin over the nodes; each thread floats over its node's PUs (its
 * cores' first PUs with no_smt).  The PU shown is where it would be under
 * a fill of the node core by core, a hint only. */
static int numa_node_threads(const struct topo *t, hwloc_obj_t node, unsigned k, unsigned nk,
                             int no_smt, struct plan *p)
{
	struct slots s;
	hwloc_bitmap_t mask = hwloc_bitmap_alloc();
	unsigned per_node = p->n_threads / nk + (k < p->n_threads % nk);
	if (!mask || slots_fill(t, node->cpuset, no_smt, 1, &s) != 0) {
		hwloc_bitmap_free(mask);
		return -1;
	}
	for (unsigned j = 0; j < s.n; j++)
		hwloc_bitmap_or(mask, mask, s.pu[j]->cpuset);
	for (unsigned j = 0, i = k; i < p->n_threads; j++, i += nk)
		thread_at(t, &p->t[i], s.pu[slot_of(j, per_node, s.n)], mask);
	p->oversubscribed |= per_node > s.n;
	hwloc_bitmap_free(mask);
	free(s.pu);
	return 0;
}

static int plan_numa(const struct topo *t, int no_smt, struct plan *p)
{
	unsigned max = topo_numa_nodes(t);
	hwloc_obj_t *nodes = calloc(max, sizeof *nodes);
	unsigned nk = nodes ? cpu_nodes(t, nodes, max) : 0;
	int rc = nk ? 0 : -1;
	for (unsigned k = 0; rc == 0 && k < nk; k++)
		rc = numa_node_threads(t, nodes[k], k, nk, no_smt, p);
	free(nodes);
	return rc;
}

/* Unbound threads: located on the first PU of the (restricted) topology, so
 * shards and replicas go to the node the process starts on. */
static int plan_unbound(const struct topo *t, struct plan *p)
{
	hwloc_obj_t pu = hwloc_get_obj_by_type(t->h, HWLOC_OBJ_PU, 0);
	if (!pu)
		return -1;
	for (unsigned i = 0; i < p->n_threads; i++) {
		thread_at(t, &p->t[i], pu, NULL);
		snprintf(p->t[i].mask, sizeof p->t[i].mask, "%s", topo_bind_name(p->bind));
	}
	p->oversubscribed = p->n_threads > topo_pus(t);
	return 0;
}

/* machine: one replica; node: one per NUMA node with a thread, in node
 * order; thread: one per thread, on its node. */
static int plan_replicas(const struct topo *t, struct plan *p)
{
	unsigned nn = topo_numa_nodes(t), *idx;
	p->replica_numa = calloc(p->n_threads, sizeof *p->replica_numa);
	idx = calloc(nn, sizeof *idx);
	if (!p->replica_numa || !idx) {
		free(idx);
		return -1;
	}
	p->n_replicas = p->replicas == TOPO_REPLICAS_THREAD ? p->n_threads : 1;
	for (unsigned i = 0; i < p->n_threads; i++) {
		struct plan_thread *th = &p->t[i];
		th->replica = p->replicas == TOPO_REPLICAS_THREAD ? i : 0;
		if (p->replicas == TOPO_REPLICAS_THREAD)
			p->replica_numa[i] = th->numa;
		if (p->replicas == TOPO_REPLICAS_NODE && th->numa < nn)
			idx[th->numa] = 1;
	}
	if (p->replicas == TOPO_REPLICAS_NODE) {
		p->n_replicas = 0;
		for (unsigned n = 0; n < nn; n++)
			if (idx[n]) {
				p->replica_numa[p->n_replicas] = n;
				idx[n] = p->n_replicas++;
			}
		for (unsigned i = 0; i < p->n_threads; i++)
			p->t[i].replica = p->t[i].numa < nn ? idx[p->t[i].numa] : 0;
	}
	free(idx);
	return 0;
}

enum dmlhog_status plan_make(const struct topo *t, unsigned threads, enum topo_bind bind,
                             enum topo_replicas replicas, int no_smt, struct plan *out,
                             struct dmlhog_error *err)
{
	struct plan *p = out;
	int rc;
	memset(p, 0, sizeof *p);
	if (threads == 0)
		return dmlhog_error_set(err, DMLHOG_E_USAGE, "a plan needs at least one thread");
	if ((unsigned)bind > TOPO_BIND_NONE || (unsigned)replicas > TOPO_REPLICAS_THREAD)
		return dmlhog_error_set(err, DMLHOG_E_USAGE, "unknown bind or replica policy");
	if (bind == TOPO_BIND_AUTO)
		bind = topo_restricted(t) ? TOPO_BIND_INHERIT : TOPO_BIND_COMPACT;
	p->n_threads = threads;
	p->bind = bind;
	p->replicas = replicas;
	p->simulated = topo_is_simulated(t);
	p->t = calloc(threads, sizeof *p->t);
	if (!p->t)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory for a plan of %u threads", threads);
	switch (bind) {
	case TOPO_BIND_COMPACT: rc = plan_compact(t, no_smt, p); break;
	case TOPO_BIND_SPREAD: rc = plan_spread(t, no_smt, p); break;
	case TOPO_BIND_NUMA: rc = plan_numa(t, no_smt, p); break;
	default: rc = plan_unbound(t, p); break;
	}
	if (rc == 0)
		rc = plan_replicas(t, p);
	if (rc != 0) {
		plan_free(p);
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "cannot plan %u threads (out of memory, or a topology without PUs)", threads);
	}
	return DMLHOG_OK;
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	free(p->t);
	free(p->replica_numa);
	p->t = NULL;
	p->replica_numa = NULL;
	p->n_threads = p->n_replicas = 0;
}

void plan_print(const struct plan *p, FILE *out)
{
	for (unsigned i = 0; i < p->n_threads; i++) {
		const struct plan_thread *th = &p->t[i];
		fprintf(out, "thread %u  pu %u  core %u  numa %u  package %u  replica %u  mask %s\n",
		        i, th->pu_logical, th->core, th->numa, th->package, th->replica, th->mask);
	}
}

void plan_print_json(const struct plan *p, FILE *out)
{
	fputc('[', out);
	for (unsigned i = 0; i < p->n_threads; i++) {
		const struct plan_thread *th = &p->t[i];
		fprintf(out, "%s{\"thread\": %u, \"pu\": %u, \"pu_os\": %u, \"core\": %u, \"numa\": %u, "
		        "\"package\": %u, \"replica\": %u, \"mask\": \"%s\"}", i ? ", " : "", i,
		        th->pu_logical, th->pu_os, th->core, th->numa, th->package, th->replica, th->mask);
	}
	fputc(']', out);
}

/* topo.c: loading and describing the topology through hwloc (see topo.h).
 *
 * Three sources: this machine, a synthetic description and an XML file.
 * HWLOC_SYNTHETIC and HWLOC_XMLFILE are loaded here explicitly rather than
 * left to hwloc, because hwloc silently falls back to the real machine when
 * they are malformed, and a plan for the wrong machine looks plausible. */
#include <errno.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "topo/topo-impl.h"

enum topo_source { SRC_MACHINE, SRC_SYNTHETIC, SRC_XML };

static const char *const bind_names[] = {
	[TOPO_BIND_AUTO] = "auto", [TOPO_BIND_INHERIT] = "inherit",
	[TOPO_BIND_COMPACT] = "compact", [TOPO_BIND_SPREAD] = "spread",
	[TOPO_BIND_NUMA] = "numa", [TOPO_BIND_NONE] = "none",
};
static const char *const replicas_names[] = {
	[TOPO_REPLICAS_MACHINE] = "machine", [TOPO_REPLICAS_NODE] = "node",
	[TOPO_REPLICAS_THREAD] = "thread",
};
#define N_BIND (sizeof bind_names / sizeof bind_names[0])
#define N_REPLICAS (sizeof replicas_names / sizeof replicas_names[0])

const char *topo_bind_name(enum topo_bind b)
{
	return (unsigned)b < N_BIND ? bind_names[b] : "?";
}

const char *topo_replicas_name(enum topo_replicas r)
{
	return (unsigned)r < N_REPLICAS ? replicas_names[r] : "?";
}

int topo_bind_parse(const char *s)
{
	for (unsigned i = 0; s && i < N_BIND; i++)
		if (strcmp(s, bind_names[i]) == 0)
			return (int)i;
	return -1;
}

int topo_replicas_parse(const char *s)
{
	for (unsigned i = 0; s && i < N_REPLICAS; i++)
		if (strcmp(s, replicas_names[i]) == 0)
			return (int)i;
	return -1;
}

/* An XML file is named *.xml; any other existing regular file is tried as
 * XML too, so `--topology box.topo` does not parse a path as synthetic. */
static int looks_like_xml(const char *spec)
{
	size_t n = strlen(spec);
	struct stat st;
	if (n >= 4 && strcasecmp(spec + n - 4, ".xml") == 0)
		return 1;
	return stat(spec, &st) == 0 && S_ISREG(st.st_mode);
}

static enum dmlhog_status set_source(struct topo *t, const char *spec, enum topo_source src,
                                     const char *what, struct dmlhog_error *err)
{
	if (src == SRC_SYNTHETIC) {
		if (hwloc_topology_set_synthetic(t->h, spec) != 0)
			return dmlhog_error_set(err, DMLHOG_E_USAGE, "%s='%s': not a valid hwloc synthetic description", what, spec);
		snprintf(t->source, sizeof t->source, "synthetic '%s'", spec);
		return DMLHOG_OK;
	}
	struct stat st;
	if (stat(spec, &st) != 0 || access(spec, R_OK) != 0)
		return dmlhog_error_set(err, DMLHOG_E_NOINPUT, "%s=%s: cannot read topology file: %s", what, spec, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return dmlhog_error_set(err, DMLHOG_E_NOINPUT, "%s=%s: cannot read topology file: Is a directory", what, spec);
	if (hwloc_topology_set_xml(t->h, spec) != 0)
		return dmlhog_error_set(err, DMLHOG_E_DATA, "%s=%s: not a valid hwloc XML topology", what, spec);
	snprintf(t->source, sizeof t->source, "XML file '%s'", spec);
	return DMLHOG_OK;
}

/* Keep only the PUs of set (OS indexes), and the NUMA nodes, cores and
 * packages that still have one: a plan must never escape the mask that
 * taskset, numactl, hwloc-bind or srun gave the process. */
static enum dmlhog_status restrict_to(struct topo *t, hwloc_bitmap_t set, struct dmlhog_error *err)
{
	hwloc_const_cpuset_t all = hwloc_get_root_obj(t->h)->cpuset;
	char list[256];
	hwloc_bitmap_and(set, set, all);
	if (hwloc_bitmap_iszero(set))
		return dmlhog_error_set(err, DMLHOG_E_USAGE, "the CPU mask has no PU of the topology");
	if (hwloc_bitmap_isequal(set, all))
		return DMLHOG_OK;
	if (hwloc_topology_restrict(t->h, set, HWLOC_RESTRICT_FLAG_REMOVE_CPULESS) != 0)
		return dmlhog_error_set(err, DMLHOG_E_FAILURE, "hwloc_topology_restrict: %s", strerror(errno));
	t->restricted = 1;
	hwloc_bitmap_list_snprintf(list, sizeof list, set);
	size_t n = strlen(t->source);
	snprintf(t->source + n, sizeof t->source - n, ", restricted to cpus %s", list);
	return DMLHOG_OK;
}

/* libgomp binds the initial thread to the first OpenMP place when it loads,
 * if OMP_PLACES, OMP_PROC_BIND or GOMP_CPU_AFFINITY ask for binding: the
 * process mask then shows one place, not what the launcher gave.  The
 * places themselves were cut from the launcher's mask, so their union is
 * that mask. */
static void undo_omp_binding(hwloc_bitmap_t set)
{
	int np = omp_get_proc_bind() == omp_proc_bind_false ? 0 : omp_get_num_places();
	hwloc_bitmap_t places = np > 0 ? hwloc_bitmap_alloc() : NULL;
	if (!places)
		return;
	for (int p = 0; p < np; p++) {
		int n = omp_get_place_num_procs(p);
		int *ids = n > 0 ? calloc((size_t)n, sizeof *ids) : NULL;
		if (ids)
			omp_get_place_proc_ids(p, ids);
		for (int i = 0; ids && i < n; i++)
			hwloc_bitmap_set(places, (unsigned)ids[i]);
		free(ids);
	}
	if (!hwloc_bitmap_iszero(places) && hwloc_bitmap_isincluded(set, places))
		hwloc_bitmap_copy(set, places);
	hwloc_bitmap_free(places);
}

static enum dmlhog_status restrict_to_process(struct topo *t, struct dmlhog_error *err)
{
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	enum dmlhog_status st = DMLHOG_OK;
	if (!set)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory");
	/* Without a readable binding (no sched_getaffinity) the whole machine
	 * is all we know. */
	if (hwloc_get_cpubind(t->h, set, HWLOC_CPUBIND_PROCESS) == 0) {
		undo_omp_binding(set);
		st = restrict_to(t, set, err);
	}
	hwloc_bitmap_free(set);
	return st;
}

enum dmlhog_status topo_restrict(struct topo *t, const char *cpulist, struct dmlhog_error *err)
{
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	enum dmlhog_status st;
	if (!set)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory");
	if (hwloc_bitmap_list_sscanf(set, cpulist) != 0 || hwloc_bitmap_iszero(set))
		st = dmlhog_error_set(err, DMLHOG_E_USAGE, "'%s': not a CPU list such as 0-3,8", cpulist);
	else
		st = restrict_to(t, set, err);
	hwloc_bitmap_free(set);
	return st;
}

/* spec, or else HWLOC_SYNTHETIC (which beats HWLOC_XMLFILE, as in hwloc). */
static enum topo_source pick_source(const char **spec, const char **what)
{
	const char *syn = getenv("HWLOC_SYNTHETIC"), *xml = getenv("HWLOC_XMLFILE");
	*what = "--topology";
	if (*spec)
		return looks_like_xml(*spec) ? SRC_XML : SRC_SYNTHETIC;
	if (syn && *syn) {
		*spec = syn;
		*what = "HWLOC_SYNTHETIC";
		return SRC_SYNTHETIC;
	}
	if (xml && *xml) {
		*spec = xml;
		*what = "HWLOC_XMLFILE";
		return SRC_XML;
	}
	return SRC_MACHINE;
}

static enum dmlhog_status load(struct topo *t, const char *spec, struct dmlhog_error *err)
{
	const char *what;
	enum topo_source src = pick_source(&spec, &what);
	enum dmlhog_status st;
	if (hwloc_topology_init(&t->h) != 0) {
		t->h = NULL;
		return dmlhog_error_set(err, DMLHOG_E_FAILURE, "hwloc_topology_init: %s", strerror(errno));
	}
	snprintf(t->source, sizeof t->source, "this machine");
	if (src != SRC_MACHINE && (st = set_source(t, spec, src, what, err)) != DMLHOG_OK)
		return st;
	if (hwloc_topology_load(t->h) != 0) {
		if (src == SRC_XML)     /* hwloc parses the XML here */
			return dmlhog_error_set(err, DMLHOG_E_DATA, "%s=%s: not a valid hwloc XML topology", what, spec);
		return dmlhog_error_set(err, DMLHOG_E_FAILURE, "hwloc_topology_load: %s", strerror(errno));
	}
	/* A synthetic or XML topology is a plan for another machine even under
	 * HWLOC_THISSYSTEM=1, whose fake PUs would bind to unrelated CPUs. */
	t->simulated = src != SRC_MACHINE || !hwloc_topology_is_thissystem(t->h);
	if (src == SRC_MACHINE && t->simulated)      /* HWLOC_FSROOT, HWLOC_THISSYSTEM=0 */
		snprintf(t->source, sizeof t->source, "hwloc's default topology, not this system");
	if (src != SRC_MACHINE && hwloc_topology_is_thissystem(t->h) && !getenv("HWLOC_THISSYSTEM"))
		return dmlhog_error_set(err, DMLHOG_E_USAGE, "%s='%s': hwloc loaded this machine instead", what, spec);
	return t->simulated ? DMLHOG_OK : restrict_to_process(t, err);
}

enum dmlhog_status topo_load(const char *spec, struct topo **out, struct dmlhog_error *err)
{
	struct topo *t = calloc(1, sizeof *t);
	*out = NULL;
	if (!t)
		return dmlhog_error_set(err, DMLHOG_E_NOMEM, "out of memory");
	enum dmlhog_status st = load(t, spec, err);
	if (st != DMLHOG_OK) {
		topo_destroy(t);
		return st;
	}
	*out = t;
	return DMLHOG_OK;
}

void topo_destroy(struct topo *t)
{
	if (!t)
		return;
	if (t->h)
		hwloc_topology_destroy(t->h);
	free(t);
}

int topo_is_simulated(const struct topo *t)
{
	return t->simulated;
}

int topo_restricted(const struct topo *t)
{
	return t->restricted;
}

const char *topo_source(const struct topo *t)
{
	return t->source;
}

static unsigned count(const struct topo *t, hwloc_obj_type_t type)
{
	int n = hwloc_get_nbobjs_by_type(t->h, type);
	return n > 0 ? (unsigned)n : 0;
}

unsigned topo_pus(const struct topo *t)
{
	return count(t, HWLOC_OBJ_PU);
}

/* A topology without cores or packages (a VM, "numa:2 pu:4") counts each
 * PU as a core and the machine as one package, as the plan does. */
unsigned topo_cores(const struct topo *t)
{
	unsigned n = count(t, HWLOC_OBJ_CORE);
	return n ? n : topo_pus(t);
}

unsigned topo_packages(const struct topo *t)
{
	unsigned n = count(t, HWLOC_OBJ_PACKAGE);
	return n ? n : 1;
}

unsigned topo_numa_nodes(const struct topo *t)
{
	unsigned n = count(t, HWLOC_OBJ_NUMANODE);
	return n ? n : 1;
}

unsigned topo_pu_numa(const struct topo *t, hwloc_obj_t pu)
{
	hwloc_obj_t node = NULL;
	while ((node = hwloc_get_next_obj_by_type(t->h, HWLOC_OBJ_NUMANODE, node)))
		if (hwloc_bitmap_isset(node->cpuset, pu->os_index))
			return node->logical_index;
	return 0;
}

hwloc_obj_t topo_pu_core(const struct topo *t, hwloc_obj_t pu)
{
	(void)t;
	hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(NULL, HWLOC_OBJ_CORE, pu);
	return core ? core : pu;
}

unsigned topo_pu_package(hwloc_obj_t pu)
{
	hwloc_obj_t p = hwloc_get_ancestor_obj_by_type(NULL, HWLOC_OBJ_PACKAGE, pu);
	return p ? p->logical_index : 0;
}

/* Logical indexes, as a list ("0-3,8"), of the objects of a type inside
 * cpuset (touching it, with touch): what the plan lines show.  Without
 * objects of that type, cores are PUs and the machine is one package. */
static void logical_list(const struct topo *t, hwloc_obj_type_t type, hwloc_const_cpuset_t cpuset,
                         int touch, char *buf, size_t len)
{
	hwloc_bitmap_t ids = hwloc_bitmap_alloc();
	hwloc_obj_t o = NULL;
	snprintf(buf, len, "-");
	if (!ids)
		return;
	if (type == HWLOC_OBJ_CORE && count(t, type) == 0)
		type = HWLOC_OBJ_PU;
	if (type == HWLOC_OBJ_PACKAGE && count(t, type) == 0)
		hwloc_bitmap_set(ids, 0);
	while ((o = hwloc_get_next_obj_by_type(t->h, type, o)))
		if (touch ? hwloc_bitmap_intersects(o->cpuset, cpuset) :
		    !hwloc_bitmap_iszero(o->cpuset) && hwloc_bitmap_isincluded(o->cpuset, cpuset))
			hwloc_bitmap_set(ids, o->logical_index);
	if (!hwloc_bitmap_iszero(ids))
		hwloc_bitmap_list_snprintf(buf, len, ids);
	hwloc_bitmap_free(ids);
}

/* The machine as one package when hwloc has no package objects. */
static hwloc_obj_t package_obj(const struct topo *t, unsigned i)
{
	hwloc_obj_t p = hwloc_get_obj_by_type(t->h, HWLOC_OBJ_PACKAGE, i);
	return p ? p : hwloc_get_root_obj(t->h);
}

static void describe_package(const struct topo *t, unsigned i, FILE *out)
{
	hwloc_obj_t p = package_obj(t, i);
	char numa[256], cores[256], pus[256], cpus[256];
	logical_list(t, HWLOC_OBJ_NUMANODE, p->cpuset, 1, numa, sizeof numa);
	logical_list(t, HWLOC_OBJ_CORE, p->cpuset, 0, cores, sizeof cores);
	logical_list(t, HWLOC_OBJ_PU, p->cpuset, 0, pus, sizeof pus);
	hwloc_bitmap_list_snprintf(cpus, sizeof cpus, p->cpuset);
	fprintf(out, "package %u: numa %s, cores %s, pus %s, cpus %s\n", i, numa, cores, pus, cpus);
}

static void describe_numa(const struct topo *t, hwloc_obj_t n, FILE *out)
{
	char pkgs[256], cores[256], pus[256], cpus[256];
	logical_list(t, HWLOC_OBJ_PACKAGE, n->cpuset, 1, pkgs, sizeof pkgs);
	logical_list(t, HWLOC_OBJ_CORE, n->cpuset, 0, cores, sizeof cores);
	logical_list(t, HWLOC_OBJ_PU, n->cpuset, 0, pus, sizeof pus);
	hwloc_bitmap_list_snprintf(cpus, sizeof cpus, n->cpuset);
	fprintf(out, "numa %u: package %s, cores %s, pus %s, cpus %s, os %u",
	        n->logical_index, pkgs, cores, pus, hwloc_bitmap_iszero(n->cpuset) ? "-" : cpus,
	        n->os_index);
	if (n->attr && n->attr->numanode.local_memory)
		fprintf(out, ", memory %llu MiB", (unsigned long long)(n->attr->numanode.local_memory >> 20));
	fputc('\n', out);
}

void topo_describe(const struct topo *t, FILE *out)
{
	unsigned np = topo_packages(t);
	hwloc_obj_t n = NULL;
	fprintf(out, "topology: %s%s\n", t->source, t->simulated ? " (simulated)" : "");
	fprintf(out, "machine: %u package%s, %u NUMA node%s, %u core%s, %u PU%s\n",
	        np, np == 1 ? "" : "s", topo_numa_nodes(t), topo_numa_nodes(t) == 1 ? "" : "s",
	        topo_cores(t), topo_cores(t) == 1 ? "" : "s", topo_pus(t), topo_pus(t) == 1 ? "" : "s");
	for (unsigned i = 0; i < np; i++)
		describe_package(t, i, out);
	while ((n = hwloc_get_next_obj_by_type(t->h, HWLOC_OBJ_NUMANODE, n)))
		describe_numa(t, n, out);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void numa_json(const struct topo *t, hwloc_obj_t n, FILE *out)
{
	char cpus[256], pkgs[256];
	logical_list(t, HWLOC_OBJ_PACKAGE, n->cpuset, 1, pkgs, sizeof pkgs);
	hwloc_bitmap_list_snprintf(cpus, sizeof cpus, n->cpuset);
	fprintf(out, "{\"numa\": %u, \"os\": %u, \"packages\": ", n->logical_index, n->os_index);
	json_str(out, pkgs);
	fputs(", \"cpus\": ", out);
	json_str(out, hwloc_bitmap_iszero(n->cpuset) ? "" : cpus);
	fprintf(out, ", \"memory\": %llu}",
	        (unsigned long long)(n->attr ? n->attr->numanode.local_memory : 0));
}

void topo_describe_json(const struct topo *t, FILE *out)
{
	hwloc_obj_t n = NULL;
	fputs("{\"source\": ", out);
	json_str(out, t->source);
	fprintf(out, ", \"simulated\": %s, \"restricted\": %s, \"packages\": %u, \"numa_nodes\": %u, "
	        "\"cores\": %u, \"pus\": %u, \"numa\": [", t->simulated ? "true" : "false",
	        t->restricted ? "true" : "false", topo_packages(t), topo_numa_nodes(t),
	        topo_cores(t), topo_pus(t));
	for (int i = 0; (n = hwloc_get_next_obj_by_type(t->h, HWLOC_OBJ_NUMANODE, n)); i++) {
		if (i)
			fputs(", ", out);
		numa_json(t, n, out);
	}
	fputs("]}", out);
}

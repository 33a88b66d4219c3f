/* test-topo.c: topologies, placement plans, binding and NUMA memory (TAP).
 *
 * Plans for synthetic and XML topologies are compared line by line with
 * tests/topo/plans.txt, where each case reads
 *     @ TOPOLOGY | THREADS BIND REPLICAS [no-smt] [restrict=CPULIST]
 * followed by the plan_print lines and a summary line
 *     = replicas N on NODES  oversubscribed 0|1  bind RESOLVED
 * TOPOLOGY is a synthetic description or an XML file in tests/topo/.
 * Every topology is also checked for what was loaded (package and NUMA
 * counts), since hwloc falls back to the real machine on bad input. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tap.h"
#include "topo/topo.h"

#define SYN_A "package:2 numa:2 core:4 pu:2"
#define SYN_B "numa:4 core:2 pu:1"

static char topo_dir[1024];

static const char *topo_path(const char *spec, char *buf, size_t len)
{
	size_t n = strlen(spec);
	if (n > 4 && strcmp(spec + n - 4, ".xml") == 0) {
		snprintf(buf, len, "%s/%s", topo_dir, spec);
		return buf;
	}
	return spec;
}

/* --- what was loaded ---------------------------------------------------- */

static void check_counts(const char *spec, unsigned pk, unsigned nn, unsigned co, unsigned pu)
{
	char path[1200], what[256];
	struct dmlhog_error err = { 0 };
	struct topo *t = NULL;
	enum dmlhog_status st = topo_load(topo_path(spec, path, sizeof path), &t, &err);
	snprintf(what, sizeof what, "%s loads", spec);
	if (!ok(st == DMLHOG_OK, "%s", what)) {
		printf("#   %s\n", err.msg);
		return;
	}
	unsigned got[4] = { topo_packages(t), topo_numa_nodes(t), topo_cores(t), topo_pus(t) };
	unsigned want[4] = { pk, nn, co, pu };
	ok(memcmp(got, want, sizeof got) == 0, "%s: %u packages, %u NUMA nodes, %u cores, %u PUs",
	   spec, pk, nn, co, pu);
	if (memcmp(got, want, sizeof got) != 0)
		printf("#   got %u %u %u %u\n", got[0], got[1], got[2], got[3]);
	ok(topo_is_simulated(t) && !topo_restricted(t), "%s: simulated, not restricted", spec);
	topo_destroy(t);
}

static void check_load_errors(void)
{
	struct dmlhog_error err = { 0 };
	struct topo *t = (struct topo *)&err;
	char path[1200];
	enum dmlhog_status st = topo_load("package:2 bogus:3", &t, &err);
	is_int(st, DMLHOG_E_USAGE, "a malformed synthetic description is a usage error");
	ok(t == NULL, "and no topology comes back (no plan for the real machine)");
	has_str(err.msg, "--topology='package:2 bogus:3': not a valid hwloc synthetic description",
	        "the message quotes it");

	memset(&err, 0, sizeof err);
	st = topo_load(topo_path("no-such-machine.xml", path, sizeof path), &t, &err);
	is_int(st, DMLHOG_E_NOINPUT, "a missing XML file is E_NOINPUT");
	has_str(err.msg, "no-such-machine.xml", "naming the file");
	ok(t == NULL, "and no topology comes back");

	/* A file that is not XML at all. */
	char bad[] = "/tmp/test-topo-XXXXXX";
	int fd = mkstemp(bad);
	if (fd >= 0 && write(fd, "not xml\n", 8) == 8) {
		memset(&err, 0, sizeof err);
		close(fd);
		st = topo_load(bad, &t, &err);   /* an existing file is read as XML */
		is_int(st, DMLHOG_E_DATA, "an existing file that is not hwloc XML is E_DATA");
		unlink(bad);
	} else {
		tap_skip("cannot create a temporary file");
	}
}

/* HWLOC_SYNTHETIC and HWLOC_XMLFILE are honoured, reported as simulated,
 * and an invalid value is an error, never the real machine. */
static void check_env(void)
{
	struct dmlhog_error err = { 0 };
	struct topo *t = NULL;
	char xml[1200];
	setenv("HWLOC_SYNTHETIC", SYN_A, 1);
	if (ok(topo_load(NULL, &t, &err) == DMLHOG_OK, "HWLOC_SYNTHETIC loads")) {
		ok(topo_is_simulated(t) && topo_packages(t) == 2 && topo_numa_nodes(t) == 4,
		   "HWLOC_SYNTHETIC: simulated, 2 packages, 4 NUMA nodes");
		topo_destroy(t);
	}
	if (ok(topo_load("pu:3", &t, &err) == DMLHOG_OK, "a spec beats HWLOC_SYNTHETIC")) {
		is_int(topo_pus(t), 3, "the spec's 3 PUs");
		topo_destroy(t);
	}
	setenv("HWLOC_SYNTHETIC", "package:2 nonsense", 1);
	is_int(topo_load(NULL, &t, &err), DMLHOG_E_USAGE, "a malformed HWLOC_SYNTHETIC is E_USAGE");
	has_str(err.msg, "HWLOC_SYNTHETIC='package:2 nonsense'", "naming the variable");
	ok(t == NULL, "not the real machine");
	unsetenv("HWLOC_SYNTHETIC");

	setenv("HWLOC_XMLFILE", topo_path("two-socket-ht.xml", xml, sizeof xml), 1);
	if (ok(topo_load(NULL, &t, &err) == DMLHOG_OK, "HWLOC_XMLFILE loads")) {
		ok(topo_is_simulated(t) && topo_pus(t) == 32, "HWLOC_XMLFILE: simulated, 32 PUs");
		topo_destroy(t);
	}
	setenv("HWLOC_XMLFILE", topo_path("absent.xml", xml, sizeof xml), 1);
	is_int(topo_load(NULL, &t, &err), DMLHOG_E_NOINPUT, "a missing HWLOC_XMLFILE is E_NOINPUT");
	unsetenv("HWLOC_XMLFILE");
}

/* --- plans against tests/topo/plans.txt ------------------------------------ */

struct pcase {
	char topo[256], args[256];
	unsigned threads;
	int bind, replicas, no_smt;
	char restrict_to[64];
};

static int parse_case(const char *line, struct pcase *c)
{
	char bind[32], rep[32], extra[2][80] = { "", "" };
	const char *bar = strstr(line, " | ");
	memset(c, 0, sizeof *c);
	if (strncmp(line, "@ ", 2) != 0 || !bar)
		return -1;
	snprintf(c->topo, sizeof c->topo, "%.*s", (int)(bar - line - 2), line + 2);
	snprintf(c->args, sizeof c->args, "%s", bar + 3);
	c->args[strcspn(c->args, "\n")] = '\0';
	int n = sscanf(c->args, "%u %31s %31s %79s %79s", &c->threads, bind, rep, extra[0], extra[1]);
	if (n < 3)
		return -1;
	c->bind = topo_bind_parse(bind);
	c->replicas = topo_replicas_parse(rep);
	for (int i = 0; i < n - 3; i++) {
		if (strcmp(extra[i], "no-smt") == 0)
			c->no_smt = 1;
		else if (strncmp(extra[i], "restrict=", 9) == 0)
			snprintf(c->restrict_to, sizeof c->restrict_to, "%s", extra[i] + 9);
		else
			return -1;
	}
	return c->bind < 0 || c->replicas < 0 ? -1 : 0;
}

/* The plan as text: plan_print's lines, then the summary line. */
static char *render(const struct pcase *c, struct dmlhog_error *err)
{
	char path[1200], *buf = NULL;
	size_t len = 0;
	struct topo *t = NULL;
	struct plan p;
	if (topo_load(topo_path(c->topo, path, sizeof path), &t, err) != DMLHOG_OK)
		return NULL;
	if ((c->restrict_to[0] && topo_restrict(t, c->restrict_to, err) != DMLHOG_OK) ||
	    plan_make(t, c->threads, (enum topo_bind)c->bind, (enum topo_replicas)c->replicas,
	              c->no_smt, &p, err) != DMLHOG_OK) {
		topo_destroy(t);
		return NULL;
	}
	FILE *f = open_memstream(&buf, &len);
	plan_print(&p, f);
	fprintf(f, "= replicas %u on", p.n_replicas);
	for (unsigned r = 0; r < p.n_replicas; r++)
		fprintf(f, "%s%u", r ? "," : " ", p.replica_numa[r]);
	fprintf(f, "  oversubscribed %d  bind %s\n", p.oversubscribed, topo_bind_name(p.bind));
	fclose(f);
	plan_free(&p);
	topo_destroy(t);
	return buf;
}

/* One assertion per expected line; got is consumed line by line. */
static void compare_case(const struct pcase *c, char **want, unsigned nwant)
{
	struct dmlhog_error err = { 0 };
	char *got = render(c, &err), *save = NULL, what[600];
	if (!ok(got != NULL, "%s | %s: plans", c->topo, c->args)) {
		printf("#   %s\n", err.msg);
		return;
	}
	char *line = strtok_r(got, "\n", &save);
	for (unsigned i = 0; i < nwant; i++) {
		snprintf(what, sizeof what, "%s | %s: line %u", c->topo, c->args, i + 1);
		is_str(line ? line : "(missing)", want[i], what);
		line = line ? strtok_r(NULL, "\n", &save) : NULL;
	}
	ok(line == NULL, "%s | %s: no extra lines", c->topo, c->args);
	free(got);
}

static int check_plans(void)
{
	char path[1200], line[512], *want[512];
	unsigned nwant = 0, ncases = 0;
	struct pcase c;
	int have = 0;
	snprintf(path, sizeof path, "%s/plans.txt", topo_dir);
	FILE *f = fopen(path, "r");
	if (!ok(f != NULL, "open %s", path))
		return 0;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#')
			continue;
		if (line[0] == '@') {
			if (!ok(parse_case(line, &c) == 0, "case header: %s", line))
				break;
			have = 1;
			nwant = 0;
		} else if (line[0] == '\0' && have) {
			compare_case(&c, want, nwant);
			ncases++;
			for (unsigned i = 0; i < nwant; i++)
				free(want[i]);
			have = 0;
			nwant = 0;
		} else if (have && nwant < 512) {
			want[nwant++] = strdup(line);
		}
	}
	if (have)
		compare_case(&c, want, nwant);
	ncases += have;
	for (unsigned i = 0; have && i < nwant; i++)
		free(want[i]);
	fclose(f);
	return (int)ncases;
}

/* --- policies and names ------------------------------------------------- */

static void check_names(void)
{
	for (int b = TOPO_BIND_AUTO; b <= TOPO_BIND_NONE; b++)
		is_int(topo_bind_parse(topo_bind_name((enum topo_bind)b)), b, topo_bind_name((enum topo_bind)b));
	for (int r = TOPO_REPLICAS_MACHINE; r <= TOPO_REPLICAS_THREAD; r++)
		is_int(topo_replicas_parse(topo_replicas_name((enum topo_replicas)r)), r,
		       topo_replicas_name((enum topo_replicas)r));
	is_int(topo_bind_parse("scatter"), -1, "unknown bind policy");
	is_int(topo_replicas_parse("socket"), -1, "unknown replica policy");
}

static void check_restrict_and_json(void)
{
	struct dmlhog_error err = { 0 };
	struct topo *t = NULL;
	struct plan p;
	char *buf = NULL;
	size_t len = 0;
	if (!ok(topo_load(SYN_A, &t, &err) == DMLHOG_OK, "load " SYN_A))
		return;
	is_int(topo_restrict(t, "64-70", &err), DMLHOG_E_USAGE, "a mask outside the topology is E_USAGE");
	is_int(topo_restrict(t, "zero", &err), DMLHOG_E_USAGE, "a malformed CPU list is E_USAGE");
	ok(!topo_restricted(t), "the topology is unchanged by failed restrictions");
	is_int(topo_restrict(t, "12-19", &err), DMLHOG_OK, "restrict to cpus 12-19 (as taskset -c)");
	ok(topo_restricted(t) && topo_pus(t) == 8 && topo_packages(t) == 2 && topo_numa_nodes(t) == 2,
	   "restricted: 8 PUs over 2 packages and 2 NUMA nodes");
	has_str(topo_source(t), "restricted to cpus 12-19", "the source says so");
	is_int(plan_make(t, 0, TOPO_BIND_COMPACT, TOPO_REPLICAS_MACHINE, 0, &p, &err), DMLHOG_E_USAGE,
	       "a plan of 0 threads is E_USAGE");
	if (ok(plan_make(t, 2, TOPO_BIND_AUTO, TOPO_REPLICAS_NODE, 0, &p, &err) == DMLHOG_OK,
	       "plan 2 threads, bind auto")) {
		is_int(p.bind, TOPO_BIND_INHERIT, "auto is inherit under a restricted mask");
		ok(p.simulated, "the plan is marked simulated");
		FILE *f = open_memstream(&buf, &len);
		plan_print_json(&p, f);
		fclose(f);
		has_str(buf, "[{\"thread\": 0, \"pu\": 0, \"pu_os\": 12, \"core\": 0, \"numa\": 0, \"package\": 0, "
		        "\"replica\": 0, \"mask\": \"inherit\"}, {\"thread\": 1,", "plan_print_json");
		ok(len > 0 && buf[len - 1] == ']', "a JSON array without a newline");
		free(buf);
		plan_free(&p);
	}
	buf = NULL;
	FILE *f = open_memstream(&buf, &len);
	topo_describe_json(t, f);
	fclose(f);
	has_str(buf, "\"simulated\": true, \"restricted\": true, \"packages\": 2, \"numa_nodes\": 2, "
	        "\"cores\": 4, \"pus\": 8", "topo_describe_json");
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	topo_describe(t, f);
	fclose(f);
	has_str(buf, "numa 0: package 0, cores 0-1, pus 0-3, cpus 12-15, os 1", "describe: node 1's part of the mask");
	has_str(buf, "numa 1: package 1, cores 2-3, pus 4-7, cpus 16-19, os 2", "describe: node 2's part");
	free(buf);
	topo_destroy(t);
}

/* On a simulated topology nothing is bound and memory is plain. */
static void check_simulated_binding(void)
{
	struct dmlhog_error err = { 0 };
	struct topo *t = NULL;
	struct plan p;
	cpu_set_t before, after;
	int warned = 0;
	if (topo_load(SYN_A, &t, &err) != DMLHOG_OK ||
	    plan_make(t, 4, TOPO_BIND_SPREAD, TOPO_REPLICAS_MACHINE, 0, &p, &err) != DMLHOG_OK) {
		ok(0, "simulated plan: %s", err.msg);
		topo_destroy(t);
		return;
	}
	sched_getaffinity(0, sizeof before, &before);
	is_int(topo_bind_self(t, &p, 3), 0, "topo_bind_self on a simulated topology succeeds");
	sched_getaffinity(0, sizeof after, &after);
	ok(CPU_EQUAL(&before, &after), "and leaves the thread's mask alone");
	is_int(topo_bind_self(t, &p, 4), -1, "thread index out of range is -1");
	char *m = topo_alloc_node(t, 1 << 16, 3, &warned);
	ok(m != NULL && warned == 0, "topo_alloc_node on a simulated node: plain memory, no warning");
	if (m) {
		memset(m, 1, 1 << 16);
		is_int(topo_node_of(t, m), -1, "topo_node_of is unknown on a simulated topology");
		topo_free(t, m, 1 << 16);
	}
	plan_free(&p);
	topo_destroy(t);
}

/* --- this machine ------------------------------------------------------- */

struct worker {
	const struct topo *t;
	const struct plan *p;
	unsigned i;
	int bound, cpu, node, warned;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	w->bound = topo_bind_self(w->t, w->p, w->i);
	w->cpu = sched_getcpu();
	char *shard = topo_alloc_node(w->t, 1 << 20, w->p->t[w->i].numa, &w->warned);
	w->node = -2;
	if (shard) {
		memset(shard, 7, 1 << 20);     /* first touch by the owner */
		w->node = topo_node_of(w->t, shard);
		topo_free(w->t, shard, 1 << 20);
	}
	return NULL;
}

static void check_this_machine(void)
{
	struct dmlhog_error err = { 0 };
	struct topo *t = NULL;
	struct plan p;
	cpu_set_t mask;
	if (!ok(topo_load(NULL, &t, &err) == DMLHOG_OK, "this machine loads")) {
		printf("#   %s\n", err.msg);
		return;
	}
	sched_getaffinity(0, sizeof mask, &mask);
	ok(!topo_is_simulated(t), "this machine is not simulated");
	if (getenv("OMP_PLACES") || getenv("OMP_PROC_BIND") || getenv("GOMP_CPU_AFFINITY"))
		tap_skip("OpenMP binding variables set: libgomp has bound this thread");
	else
		is_int(topo_pus(t), CPU_COUNT(&mask), "its PUs are those of the process mask");
	if (plan_make(t, topo_pus(t), TOPO_BIND_COMPACT, TOPO_REPLICAS_NODE, 0, &p, &err) != DMLHOG_OK) {
		ok(0, "plan for this machine: %s", err.msg);
		topo_destroy(t);
		return;
	}
	struct worker w[64];
	pthread_t th[64];
	unsigned n = p.n_threads < 64 ? p.n_threads : 64;
	for (unsigned i = 0; i < n; i++) {
		w[i] = (struct worker){ .t = t, .p = &p, .i = i };
		pthread_create(&th[i], NULL, worker_run, &w[i]);
	}
	for (unsigned i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		is_int(w[i].bound, 0, "worker binds itself");
		is_int(w[i].cpu, p.t[i].pu_os, "and runs on its planned PU");
		if (w[i].warned)
			tap_skip("memory binding not permitted here (no CAP_SYS_NICE?): placement unchecked");
		else
			is_int(w[i].node, p.t[i].numa, "its shard lives on its planned node");
	}
	int warned = 0;
	char *m = topo_alloc_interleaved(t, 1 << 20, &warned);
	ok(m != NULL, "interleaved allocation%s", warned ? " (fell back to plain memory)" : "");
	if (m) {
		memset(m, 0, 1 << 20);
		topo_free(t, m, 1 << 20);
	}
	plan_free(&p);
	topo_destroy(t);
}

int main(void)
{
	const char *top = getenv("top_srcdir");
	snprintf(topo_dir, sizeof topo_dir, "%s/tests/topo", top ? top : ".");
	unsetenv("HWLOC_SYNTHETIC");
	unsetenv("HWLOC_XMLFILE");

	check_counts(SYN_A, 2, 4, 16, 32);
	check_counts(SYN_B, 1, 4, 8, 8);
	check_counts("two-socket-ht.xml", 2, 2, 16, 32);
	check_load_errors();
	check_env();
	check_names();
	int ncases = check_plans();
	ok(ncases >= 30, "plans.txt holds %d cases", ncases);
	check_restrict_and_json();
	check_simulated_binding();
	check_this_machine();
	return tap_done();
}

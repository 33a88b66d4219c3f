/* cmd-topo.c: `dmlhog topo`: the topology and the placement plan that
 * train would use with the same --threads, --bind, --replicas, --no-smt
 * and --topology, without reading data or starting a thread. */
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "topo/topo.h"

static void topo_help(void)
{
	fputs(
"usage: dmlhog topo [options]\n"
"Print the machine's topology (packages, NUMA nodes, cores, PUs, restricted\n"
"to the process CPU mask) and the placement plan: one line per worker thread\n"
"with its PU, core, NUMA node, package, model replica and CPU mask.\n"
"\n"
"  -T, --threads N|auto    worker threads (default: DMLHOG_THREADS,\n"
"                          OMP_NUM_THREADS, SLURM_CPUS_PER_TASK, else auto);\n"
"                          auto: the PUs of the process mask (its cores with\n"
"                          --no-smt; a simulated topology's own PUs)\n"
"      --bind B            compact|spread|numa|none|inherit|auto (default\n"
"                          DMLHOG_BIND, else auto: inherit when the mask is\n"
"                          restricted, compact otherwise)\n"
"      --replicas R        machine|node|thread (default machine)\n"
"      --no-smt            one PU per core (SMT siblings stay idle)\n"
"      --topology SPEC     plan for another machine: an hwloc synthetic\n"
"                          description (\"package:2 numa:2 core:4 pu:2\") or an\n"
"                          XML file from lstopo; also HWLOC_SYNTHETIC and\n"
"                          HWLOC_XMLFILE.  Nothing is bound (plan only)\n"
"      --json              one JSON object instead of text\n"
"  -h, --help              show this help\n"
"\n"
"Exit status: 0 ok, 64 usage (a bad flag or topology description),\n"
"65 malformed XML topology, 66 missing XML topology file.\n", stdout);
}

enum { OPT_BIND = 300, OPT_REPLICAS, OPT_NO_SMT, OPT_TOPOLOGY, OPT_JSON };

static const struct option topo_longopts[] = {
	{ "threads", required_argument, NULL, 'T' },
	{ "bind", required_argument, NULL, OPT_BIND },
	{ "replicas", required_argument, NULL, OPT_REPLICAS },
	{ "no-smt", no_argument, NULL, OPT_NO_SMT },
	{ "topology", required_argument, NULL, OPT_TOPOLOGY },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct topo_cli {
	const char *threads_arg, *bind_arg, *bind_from, *topology, *threads_from;
	int replicas, no_smt, json, bind;
	int threads;
};

/* The word lists in enum order, so a word's position is its value. */

static int parse_args(struct topo_cli *c, int argc, char **argv)
{
	int opt;
	while ((opt = getopt_long(argc, argv, ":T:h", topo_longopts, NULL)) != -1) {
		switch (opt) {
		case 'T': c->threads_arg = optarg; break;
		case OPT_BIND: c->bind_arg = optarg; c->bind_from = "--bind"; break;
		case OPT_REPLICAS:
			if ((c->replicas = cli_parse_word("--replicas", optarg, CLI_REPLICA_WORDS)) < 0)
				return CLI_EX_USAGE;
			break;
		case OPT_NO_SMT: c->no_smt = 1; break;
		case OPT_TOPOLOGY: c->topology = optarg; break;
		case OPT_JSON: c->json = 1; break;
		case 'h': topo_help(); return -1;
		default: return cli_bad_option("topo", argc, argv, opt);
		}
	}
	if (optind < argc)
		return cli_usage("topo", "unexpected argument '%s'", argv[optind]);
	if (!c->bind_arg && getenv("DMLHOG_BIND") && *getenv("DMLHOG_BIND")) {
		c->bind_arg = getenv("DMLHOG_BIND");
		c->bind_from = "DMLHOG_BIND";
	}
	c->bind = TOPO_BIND_AUTO;
	if (c->bind_arg && (c->bind = cli_parse_word(c->bind_from, c->bind_arg, CLI_BIND_WORDS)) < 0)
		return CLI_EX_USAGE;
	return 0;
}

/* --threads auto on a simulated topology means its PUs, not this
 * machine's: the plan is for that machine. */
static int resolve_threads(struct topo_cli *c, const struct topo *t)
{
	if (cli_threads(c->threads_arg, &c->threads, &c->threads_from) != 0)
		return CLI_EX_USAGE;
	if (strcmp(c->threads_from, "process mask") == 0) {
		c->threads = (int)(c->no_smt ? topo_cores(t) : topo_pus(t));
		c->threads_from = topo_is_simulated(t) ? "topology" :
		                  c->no_smt ? "process mask, cores" : "process mask";
	}
	return 0;
}

static void warn_plan(const struct topo_cli *c, const struct topo *t, const struct plan *p)
{
	unsigned slots = c->no_smt ? topo_cores(t) : topo_pus(t);
	if (p->oversubscribed)
		cli_msg("warning: %u threads on %u %s: threads share them (oversubscribed)",
		        p->n_threads, slots, c->no_smt ? "cores (--no-smt)" : "PUs");
}

static const char *binding_note(const struct plan *p)
{
	if (p->bind == TOPO_BIND_NONE || p->bind == TOPO_BIND_INHERIT)
		return p->bind == TOPO_BIND_NONE ? "none (threads are not bound)"
		                                 : "inherit (threads keep the process mask)";
	return p->simulated ? "plan only (simulated topology)" : "each thread binds itself to its mask";
}

static void print_replica_nodes(const struct plan *p, FILE *f, const char *sep)
{
	for (unsigned r = 0; r < p->n_replicas; r++)
		fprintf(f, "%s%u", r ? sep : "", p->replica_numa[r]);
}

static void print_text(const struct topo_cli *c, const struct topo *t, const struct plan *p)
{
	topo_describe(t, stdout);
	printf("plan: %u thread%s (from %s), bind %s%s, replicas %s (%u on numa ", p->n_threads,
	       p->n_threads == 1 ? "" : "s", c->threads_from, topo_bind_name(p->bind),
	       c->bind == TOPO_BIND_AUTO ? " (auto)" : "", topo_replicas_name(p->replicas),
	       p->n_replicas);
	print_replica_nodes(p, stdout, ",");
	printf(")%s%s\n", c->no_smt ? ", no SMT" : "", p->oversubscribed ? ", oversubscribed" : "");
	printf("binding: %s\n", binding_note(p));
	plan_print(p, stdout);
}

static void print_json(const struct topo_cli *c, const struct topo *t, const struct plan *p)
{
	fputs("{\"topology\": ", stdout);
	topo_describe_json(t, stdout);
	printf(", \"threads\": %u, \"threads_from\": ", p->n_threads);
	json_print_str(stdout, c->threads_from);
	printf(", \"bind\": \"%s\", \"replicas\": \"%s\", \"no_smt\": %s, \"n_replicas\": %u, "
	       "\"replica_numa\": [", topo_bind_name(p->bind), topo_replicas_name(p->replicas),
	       c->no_smt ? "true" : "false", p->n_replicas);
	print_replica_nodes(p, stdout, ", ");
	printf("], \"oversubscribed\": %s, \"simulated\": %s, \"binding\": ",
	       p->oversubscribed ? "true" : "false", p->simulated ? "true" : "false");
	json_print_str(stdout, binding_note(p));
	fputs(", \"plan\": ", stdout);
	plan_print_json(p, stdout);
	fputs("}\n", stdout);
}

static int topo_run(int argc, char **argv)
{
	struct topo_cli c = { .replicas = TOPO_REPLICAS_MACHINE };
	struct dmlhog_error err = { 0 };
	struct topo *t = NULL;
	struct plan p;
	int rc = parse_args(&c, argc, argv);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (topo_load(c.topology, &t, &err) != DMLHOG_OK)
		return cli_fail(&err);
	if ((rc = resolve_threads(&c, t)) == 0) {
		if (plan_make(t, (unsigned)c.threads, (enum topo_bind)c.bind,
		              (enum topo_replicas)c.replicas, c.no_smt, &p, &err) != DMLHOG_OK) {
			rc = cli_fail(&err);
		} else {
			warn_plan(&c, t, &p);
			if (c.json)
				print_json(&c, t, &p);
			else
				print_text(&c, t, &p);
			plan_free(&p);
		}
	}
	topo_destroy(t);
	return rc;
}

const struct cli_cmd cmd_topo = { "topo", "print the topology and the placement plan", topo_run };

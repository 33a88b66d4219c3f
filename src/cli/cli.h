/* cli.h: the dmlhog command line.  One file per subcommand, each exporting
 * one const struct cli_cmd; main.c lists them.  Shared helpers (checked
 * number parsing, thread count resolution, data reading, key = value and
 * JSON output) live in cli_util.c. */
#ifndef DMLHOG_CLI_CLI_H
#define DMLHOG_CLI_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include "dmlhog/dmlhog.h"
#include "util/atomic_file.h"

/* sysexits.h values, spelled out: CLI.md's exit table is the contract. */
#define CLI_EX_OK 0
#define CLI_EX_USAGE 64

struct cli_cmd {
	const char *name;
	const char *summary;
	/* argv[0] is the subcommand name; returns the process exit status. */
	int (*run)(int argc, char **argv);
};

/* main.c */
extern const struct cli_cmd *const cli_cmds[];    /* NULL-terminated */
const struct cli_cmd *cli_find(const char *name);

/* cmd-*.c */
extern const struct cli_cmd cmd_train, cmd_predict, cmd_eval, cmd_check,
	cmd_convert, cmd_info, cmd_topo, cmd_version, cmd_help;

/* cli_util.c: messages on stderr, always prefixed "dmlhog: " */
void cli_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print a usage error (and the --help hint for cmd) and return 64. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print e as "dmlhog: file:line:col: msg: 'token'" and return its exit code. */
int cli_fail(const struct dmlhog_error *e);
/* getopt_long's '?' and ':' cases, with the flag named; returns 64. */
int cli_bad_option(const char *cmd, int argc, char **argv, int opt);

/* Checked numbers: "dmlhog: --lr=1x: not a number", 0 on success, else -1
 * after printing.  Bounds are inclusive. */
int cli_parse_double(const char *flag, const char *s, double lo, double hi, double *out);
int cli_parse_positive(const char *flag, const char *s, double *out);   /* (0, inf) */
int cli_parse_u64(const char *flag, const char *s, uint64_t lo, uint64_t hi, uint64_t *out);
int cli_parse_u32(const char *flag, const char *s, uint32_t lo, uint32_t hi, uint32_t *out);
/* One of a '|'-separated list of words; returns its position or -1 after
 * printing "dmlhog: --flag=x: expected a|b|c". */
int cli_parse_word(const char *flag, const char *s, const char *words);
/* Word lists of the placement flags, in the order of enum dmlhog_bind and
 * enum dmlhog_replicas (and topo.h's enums, which match them). */
#define CLI_BIND_WORDS "auto|inherit|compact|spread|numa|none"
#define CLI_REPLICA_WORDS "machine|node|thread"

/* Data flags shared by train, predict, eval, check and convert. */
int cli_parse_format(const char *s, enum dmlhog_format *out);
int cli_parse_index_base(const char *s, int *out);

/* --format, --index-base, -T/--threads, -q/--quiet for the commands that
 * read data but do not train. */
enum { CLI_OPT_FORMAT = 200, CLI_OPT_INDEX_BASE };
#define CLI_DATA_LONGOPTS \
	{ "format", required_argument, NULL, CLI_OPT_FORMAT }, \
	{ "index-base", required_argument, NULL, CLI_OPT_INDEX_BASE }, \
	{ "threads", required_argument, NULL, 'T' }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "help", no_argument, NULL, 'h' }
struct cli_data {
	struct dmlhog_read_opts ro;    /* notices go to cli_notice(&quiet) */
	const char *threads_arg;
	int quiet;
	int threads;
	const char *threads_from;
};
void cli_data_init(struct cli_data *d);
/* 0: handled; -1: bad value (printed); 1: not one of these flags. */
int cli_data_opt(struct cli_data *d, int opt, const char *arg);
/* Resolve the thread count; 0 or 64. */
int cli_data_resolve(struct cli_data *d);
/* Defaults for data read against a model: triplets for mf, and the index
 * base the model was trained with. */
void cli_data_for_model(struct dmlhog_read_opts *ro, const dmlhog_model *m);

/* Threads: flag (N|auto), DMLHOG_THREADS, OMP_NUM_THREADS,
 * SLURM_CPUS_PER_TASK, then the PUs of the process mask.  *from names the
 * source.  Returns 0, or 64 after printing. */
int cli_threads(const char *flag_value, int *n, const char **from);

/* Library notices: "dmlhog: msg" on stderr unless *ctx (an int) is set. */
void cli_notice(void *quiet, const char *msg);

/* Read a dataset.  cache: NULL (off) or a cache path used through
 * dmlhog_dataset_read_cached.  Without one, a DATA file that starts like a
 * binary file is tried as a cache first, so `train x.cache` works. */
enum dmlhog_status cli_read_data(const char *path, const struct dmlhog_read_opts *ro,
                                 const char *cache, int rebuild,
                                 dmlhog_dataset **out, struct dmlhog_error *err);

/* Fail early (E_CANTCREAT) when path cannot be created or replaced, by
 * creating and removing a temp file beside it. */
enum dmlhog_status cli_check_writable(const char *path, struct dmlhog_error *err);
/* 1 when path exists and is not a regular file (a device, a FIFO). */
int cli_is_special(const char *path);

/* An output file: stdout for NULL or "-"; a device or FIFO written in
 * place; any other path written atomically (temp file, rename), so it is
 * never left half written and a rename never replaces a device. */
struct cli_out {
	FILE *fp;
	int mode;                 /* 0 stdout, 1 in place, 2 atomic */
	struct atomic_file af;
};
enum dmlhog_status cli_out_open(struct cli_out *o, const char *path, struct dmlhog_error *err);
/* Flush and commit; E_IO / E_CANTCREAT on failure. */
enum dmlhog_status cli_out_close(struct cli_out *o, const char *path, struct dmlhog_error *err);

/* Shortest decimal form of v that reads back the same ("1", "-1", "0.5"). */
void cli_fmt_short(char *buf, size_t len, double v);

/* A list of results, printed as `key = value` lines or one JSON object,
 * so the two forms cannot drift apart. */
enum kv_type { KV_STR, KV_NUM, KV_UINT, KV_INT, KV_BOOL, KV_NULL, KV_OBJ };
struct kv {
	const char *key;
	enum kv_type type;
	const char *s;
	double d;
	unsigned long long u;
	long long i;
	const struct kvlist *obj;   /* KV_OBJ: JSON only */
};
#define KV_MAX 64
struct kvlist {
	struct kv v[KV_MAX];
	size_t n;
};
void kv_str(struct kvlist *l, const char *key, const char *s);   /* NULL -> null */
void kv_num(struct kvlist *l, const char *key, double d);        /* non-finite -> null */
void kv_uint(struct kvlist *l, const char *key, unsigned long long u);
void kv_int(struct kvlist *l, const char *key, long long i);
void kv_bool(struct kvlist *l, const char *key, int b);
void kv_null(struct kvlist *l, const char *key);
void kv_obj(struct kvlist *l, const char *key, const struct kvlist *obj);
/* Text: null values and objects are left out. */
void kv_print_text(FILE *f, const struct kvlist *l);
/* One JSON object, no trailing newline. */
void kv_print_json(FILE *f, const struct kvlist *l);
void json_print_str(FILE *f, const char *s);

/* Flush stdout and report a failed write (e.g. to /dev/full) as exit 74. */
int cli_finish_stdout(int rc);

#endif

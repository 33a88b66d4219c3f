/* cli_util.c: helpers every subcommand shares (see cli.h). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli/cli.h"
#include "model/model.h"
#include "topo/cpumask.h"
#include "util/atomic_file.h"

static void cli_vmsg(const char *fmt, va_list ap)
{
	fputs("dmlhog: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cli_vmsg(fmt, ap);
	va_end(ap);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cli_vmsg(fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, "Try 'dmlhog %s --help'.\n", cmd);
	return CLI_EX_USAGE;
}

int cli_fail(const struct dmlhog_error *e)
{
	char buf[1400];
	dmlhog_error_format(e, buf, sizeof buf);
	cli_msg("%s", buf);
	return dmlhog_exit_code(e->status);
}

int cli_bad_option(const char *cmd, int argc, char **argv, int opt)
{
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
	char name[128];
	snprintf(name, sizeof name, "%s", arg);
	name[strcspn(name, "=")] = '\0';
	if (opt == ':')
		return cli_usage(cmd, "option '%s' needs a value", name);
	if (optopt && strncmp(arg, "--", 2) == 0)
		return cli_usage(cmd, "option '%s' takes no value", name);
	if (optopt)
		return cli_usage(cmd, "unknown option '-%c'", optopt);
	return cli_usage(cmd, "unknown or ambiguous option '%s'", name);
}

static int number_error(const char *flag, const char *s, const char *why)
{
	cli_msg("%s=%s: %s", flag, s, why);
	return -1;
}

int cli_parse_double(const char *flag, const char *s, double lo, double hi, double *out)
{
	char *end, why[128];
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end != '\0' || isspace((unsigned char)*s))
		return number_error(flag, s, "not a number");
	if (errno == ERANGE || !isfinite(v))
		return number_error(flag, s, "out of range");
	if (v < lo || v > hi) {
		if (isinf(hi))
			snprintf(why, sizeof why, "must be >= %g", lo);
		else
			snprintf(why, sizeof why, "must be between %g and %g", lo, hi);
		return number_error(flag, s, why);
	}
	*out = v;
	return 0;
}

int cli_parse_positive(const char *flag, const char *s, double *out)
{
	double v;
	if (cli_parse_double(flag, s, -HUGE_VAL, HUGE_VAL, &v) != 0)
		return -1;
	if (!(v > 0))
		return number_error(flag, s, "must be > 0");
	*out = v;
	return 0;
}

int cli_parse_u64(const char *flag, const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end, why[128];
	if (!isdigit((unsigned char)*s))
		return number_error(flag, s, "not a non-negative integer");
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end != '\0')
		return number_error(flag, s, "not a non-negative integer");
	if (errno == ERANGE || v < lo || v > hi) {
		snprintf(why, sizeof why, "must be between %llu and %llu",
		         (unsigned long long)lo, (unsigned long long)hi);
		return number_error(flag, s, why);
	}
	*out = v;
	return 0;
}

int cli_parse_u32(const char *flag, const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	uint64_t v;
	if (cli_parse_u64(flag, s, lo, hi, &v) != 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int cli_parse_word(const char *flag, const char *s, const char *words)
{
	size_t n = strlen(s);
	int i = 0;
	for (const char *w = words; *w; i++) {
		size_t len = strcspn(w, "|");
		if (len == n && strncmp(w, s, n) == 0)
			return i;
		w += len + (w[len] == '|');
	}
	cli_msg("%s=%s: expected %s", flag, s, words);
	return -1;
}

int cli_parse_format(const char *s, enum dmlhog_format *out)
{
	static const enum dmlhog_format fmt[] = {
		DMLHOG_FORMAT_AUTO, DMLHOG_FORMAT_SVMLIGHT, DMLHOG_FORMAT_TRIPLET,
	};
	if (strcmp(s, "mm") == 0) {
		cli_msg("--format=mm: Matrix Market is not available in this build");
		return -1;
	}
	int i = cli_parse_word("--format", s, "auto|svmlight|triplet");
	if (i < 0)
		return -1;
	*out = fmt[i];
	return 0;
}

int cli_parse_index_base(const char *s, int *out)
{
	int i = cli_parse_word("--index-base", s, "auto|0|1");
	if (i < 0)
		return -1;
	*out = i - 1;      /* auto -> -1 */
	return 0;
}

void cli_data_init(struct cli_data *d)
{
	memset(d, 0, sizeof *d);
	dmlhog_read_opts_init(&d->ro);
	d->ro.notice = cli_notice;
	d->ro.notice_ctx = &d->quiet;
}

int cli_data_opt(struct cli_data *d, int opt, const char *arg)
{
	switch (opt) {
	case CLI_OPT_FORMAT: return cli_parse_format(arg, &d->ro.format);
	case CLI_OPT_INDEX_BASE: return cli_parse_index_base(arg, &d->ro.index_base);
	case 'T': d->threads_arg = arg; return 0;
	case 'q': d->quiet = 1; return 0;
	}
	return 1;
}

int cli_data_resolve(struct cli_data *d)
{
	int rc = cli_threads(d->threads_arg, &d->threads, &d->threads_from);
	d->ro.threads = d->threads;
	return rc;
}

void cli_data_for_model(struct dmlhog_read_opts *ro, const dmlhog_model *m)
{
	if (ro->format == DMLHOG_FORMAT_AUTO)
		ro->format = m->task == DMLHOG_TASK_MF ? DMLHOG_FORMAT_TRIPLET : DMLHOG_FORMAT_SVMLIGHT;
	if (ro->format == DMLHOG_FORMAT_SVMLIGHT && ro->index_base < 0)
		ro->index_base = m->index_base;
}

#define CLI_MAX_THREADS 4096

/* OMP_NUM_THREADS may be a nesting list ("4,2"): the outer level counts. */
static int threads_from_env(const char *var, const char *v, int *n)
{
	char buf[32];
	uint32_t t;
	snprintf(buf, sizeof buf, "%.*s", (int)strcspn(v, ","), v);
	if (cli_parse_u32(var, buf, 1, CLI_MAX_THREADS, &t) != 0)
		return -1;
	*n = (int)t;
	return 0;
}

int cli_threads(const char *flag, int *n, const char **from)
{
	static const char *const vars[] = {
		"DMLHOG_THREADS", "OMP_NUM_THREADS", "SLURM_CPUS_PER_TASK",
	};
	uint32_t t;
	if (flag && strcmp(flag, "auto") != 0) {
		if (cli_parse_u32("--threads", flag, 1, CLI_MAX_THREADS, &t) != 0)
			return CLI_EX_USAGE;
		*n = (int)t;
		*from = "--threads";
		return 0;
	}
	for (size_t i = 0; !flag && i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);
		if (!v || !*v || (i == 0 && strcmp(v, "auto") == 0))
			continue;
		if (threads_from_env(vars[i], v, n) != 0)
			return CLI_EX_USAGE;
		*from = vars[i];
		return 0;
	}
	*n = cpumask_pus();
	*from = "process mask";
	return 0;
}

void cli_notice(void *quiet, const char *msg)
{
	if (!quiet || !*(int *)quiet)
		cli_msg("%s", msg);
}

/* Text data starts with a label, a comment or blank space; anything else
 * (a cache's magic, compressed data, a CSV header) is worth a cache probe,
 * which rejects a non-cache by its header alone. */
static int looks_binary(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;       /* a pipe or FIFO must not lose its first byte */
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	int c = fgetc(f);
	fclose(f);
	return c != EOF && !isdigit(c) && !strchr("+-. \t\r\n#", c);
}

enum dmlhog_status cli_read_data(const char *path, const struct dmlhog_read_opts *ro,
                                 const char *cache, int rebuild,
                                 dmlhog_dataset **out, struct dmlhog_error *err)
{
	if (cache)
		return dmlhog_dataset_read_cached(path, cache, ro, rebuild, out, err);
	if (looks_binary(path) &&
	    dmlhog_cache_load(path, NULL, ro, out, err) == DMLHOG_OK)
		return DMLHOG_OK;
	memset(err, 0, sizeof *err);
	return dmlhog_dataset_read(path, ro, out, err);
}

int cli_is_special(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && !S_ISREG(st.st_mode);
}

enum dmlhog_status cli_check_writable(const char *path, struct dmlhog_error *err)
{
	struct atomic_file f;
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return dmlhog_error_set(err, DMLHOG_E_CANTCREAT, "cannot create %s: Is a directory", path);
	if (cli_is_special(path))
		return access(path, W_OK) == 0 ? DMLHOG_OK :
		       dmlhog_error_set(err, DMLHOG_E_CANTCREAT, "cannot write %s: %s", path, strerror(errno));
	enum dmlhog_status s = atomic_file_open(&f, path, err);
	if (s == DMLHOG_OK)
		atomic_file_abort(&f);
	return s;
}

enum dmlhog_status cli_out_open(struct cli_out *o, const char *path, struct dmlhog_error *err)
{
	memset(o, 0, sizeof *o);
	o->fp = stdout;
	if (!path || strcmp(path, "-") == 0)
		return DMLHOG_OK;
	if (cli_is_special(path)) {
		o->mode = 1;
		o->fp = fopen(path, "w");
		return o->fp ? DMLHOG_OK : dmlhog_error_set(err, DMLHOG_E_CANTCREAT,
		                                            "cannot write %s: %s", path, strerror(errno));
	}
	o->mode = 2;
	enum dmlhog_status st = atomic_file_open(&o->af, path, err);
	o->fp = o->af.fp;
	return st;
}

enum dmlhog_status cli_out_close(struct cli_out *o, const char *path, struct dmlhog_error *err)
{
	enum dmlhog_status st = DMLHOG_OK;
	if (o->mode == 1 && (ferror(o->fp) | fclose(o->fp)) != 0)
		st = dmlhog_error_set(err, DMLHOG_E_IO, "cannot write %s: %s", path, strerror(errno));
	if (o->mode == 2)
		st = atomic_file_commit(&o->af, err);
	o->fp = NULL;
	return st;
}

void cli_fmt_short(char *buf, size_t len, double v)
{
	if (v == floor(v) && fabs(v) < 1e15) {    /* integers as integers, not 3e+01 */
		snprintf(buf, len, "%.0f", v);
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v || !isfinite(v))
			return;
	}
}

static struct kv *kv_add(struct kvlist *l, const char *key, enum kv_type t)
{
	static struct kv spill;
	if (l->n >= KV_MAX)     /* a programming error: keep going, drop the key */
		return memset(&spill, 0, sizeof spill);
	struct kv *e = &l->v[l->n++];
	memset(e, 0, sizeof *e);
	e->key = key;
	e->type = t;
	return e;
}

void kv_str(struct kvlist *l, const char *key, const char *s)
{
	kv_add(l, key, s ? KV_STR : KV_NULL)->s = s;
}

void kv_num(struct kvlist *l, const char *key, double d)
{
	kv_add(l, key, isfinite(d) ? KV_NUM : KV_NULL)->d = d;
}

void kv_uint(struct kvlist *l, const char *key, unsigned long long u)
{
	kv_add(l, key, KV_UINT)->u = u;
}

void kv_int(struct kvlist *l, const char *key, long long i)
{
	kv_add(l, key, KV_INT)->i = i;
}

void kv_bool(struct kvlist *l, const char *key, int b)
{
	kv_add(l, key, KV_BOOL)->i = !!b;
}

void kv_null(struct kvlist *l, const char *key)
{
	kv_add(l, key, KV_NULL);
}

void kv_obj(struct kvlist *l, const char *key, const struct kvlist *obj)
{
	kv_add(l, key, KV_OBJ)->obj = obj;
}

void kv_print_text(FILE *f, const struct kvlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct kv *e = &l->v[i];
		switch (e->type) {
		case KV_STR:  fprintf(f, "%s = %s\n", e->key, e->s); break;
		case KV_NUM:  fprintf(f, "%s = %.6g\n", e->key, e->d); break;
		case KV_UINT: fprintf(f, "%s = %llu\n", e->key, e->u); break;
		case KV_INT:  fprintf(f, "%s = %lld\n", e->key, e->i); break;
		case KV_BOOL: fprintf(f, "%s = %s\n", e->key, e->i ? "yes" : "no"); break;
		case KV_NULL: case KV_OBJ: break;
		}
	}
}

void json_print_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void kv_print_json(FILE *f, const struct kvlist *l)
{
	char num[40];
	fputc('{', f);
	for (size_t i = 0; i < l->n; i++) {
		const struct kv *e = &l->v[i];
		if (i)
			fputs(", ", f);
		json_print_str(f, e->key);
		fputs(": ", f);
		switch (e->type) {
		case KV_STR:  json_print_str(f, e->s); break;
		case KV_NUM:  cli_fmt_short(num, sizeof num, e->d); fputs(num, f); break;
		case KV_UINT: fprintf(f, "%llu", e->u); break;
		case KV_INT:  fprintf(f, "%lld", e->i); break;
		case KV_BOOL: fputs(e->i ? "true" : "false", f); break;
		case KV_NULL: fputs("null", f); break;
		case KV_OBJ:  kv_print_json(f, e->obj); break;
		}
	}
	fputc('}', f);
}

int cli_finish_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_msg("cannot write to standard output: %s", strerror(errno));
		return rc ? rc : dmlhog_exit_code(DMLHOG_E_IO);
	}
	return rc;
}

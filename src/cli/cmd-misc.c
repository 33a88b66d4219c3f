/* cmd-misc.c: `dmlhog version` and `dmlhog help [COMMAND]`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "cli/cli.h"
#include "topo/cpumask.h"

static int want_help(int argc, char **argv)
{
	return argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
}

static void feature(const char *name, int on)
{
	printf(" %c%s", on ? '+' : '-', name);
}

static int version_run(int argc, char **argv)
{
	if (want_help(argc, argv)) {
		fputs("usage: dmlhog version\n"
		      "Print the version, the hwloc version, the optional features compiled in\n"
		      "and the number of PUs in the process CPU mask.\n\n"
		      "  -h, --help   show this help\n", stdout);
		return 0;
	}
	if (argc > 1)
		return cli_usage("version", "unexpected argument '%s'", argv[1]);
	printf("dmlhog %s\n", dmlhog_version());
	printf("hwloc %s\n", cpumask_hwloc_version());
	fputs("features:", stdout);
#ifdef HAVE_JEMALLOC
	feature("jemalloc", 1);
#else
	feature("jemalloc", 0);
#endif
#ifdef HAVE_LIBNUMA
	feature("libnuma", 1);
#else
	feature("libnuma", 0);
#endif
#ifdef HAVE_ZLIB
	feature("zlib", 1);
#else
	feature("zlib", 0);
#endif
#ifdef HAVE_LZMA
	feature("lzma", 1);
#else
	feature("lzma", 0);
#endif
#ifdef HAVE_CUDA
	feature("cuda", 1);
#else
	feature("cuda", 0);
#endif
	printf("\nengines: serial\n");
	printf("pus: %d (process mask)\n", cpumask_pus());
	return 0;
}

const struct cli_cmd cmd_version = { "version", "print version and build features", version_run };

static void usage_full(void)
{
	fputs("usage: dmlhog <command> [options] [--] [args]\n\n"
	      "Commands:\n", stdout);
	for (size_t i = 0; cli_cmds[i]; i++)
		printf("  %-9s %s\n", cli_cmds[i]->name, cli_cmds[i]->summary);
	fputs("\nOptions:\n"
	      "  -h, --help     show this help (same as 'dmlhog help')\n"
	      "  -V, --version  same as 'dmlhog version'\n\n"
	      "'dmlhog COMMAND --help' lists a command's options; 'dmlhog help COMMAND'\n"
	      "opens its manual page (dmlhog-COMMAND(1)) when man is installed.\n\n"
	      "Exit status: 0 success, 1 runtime failure, 3 training diverged, 64 usage\n"
	      "error, 65 malformed data, 66 missing input, 70 internal error, 73 cannot\n"
	      "create output, 74 I/O error, 75 stopped by --time-limit.\n", stdout);
}

/* man(1) is used only when it knows the page, so an uninstalled build
 * still answers with the --help text. */
static int run_man(const char *cmd)
{
	char page[64], probe[128];
	snprintf(page, sizeof page, "dmlhog-%s", cmd);
	snprintf(probe, sizeof probe, "man -w %s >/dev/null 2>&1", page);
	if (system(probe) != 0)
		return -1;
	fflush(stdout);
	execlp("man", "man", page, (char *)NULL);
	return -1;
}

static int help_run(int argc, char **argv)
{
	if (want_help(argc, argv)) {
		fputs("usage: dmlhog help [COMMAND]\n"
		      "List the commands, or show COMMAND's manual page (its --help text where\n"
		      "the page is not installed).\n\n"
		      "  -h, --help   show this help\n", stdout);
		return 0;
	}
	if (argc < 2) {
		usage_full();
		return 0;
	}
	if (argc > 2)
		return cli_usage("help", "unexpected argument '%s'", argv[2]);
	const struct cli_cmd *cmd = cli_find(argv[1]);
	if (!cmd)
		return cli_usage("help", "unknown command '%s'", argv[1]);
	if (cmd != &cmd_help && cmd != &cmd_version)
		run_man(cmd->name);
	char *sub[] = { (char *)cmd->name, (char *)"--help", NULL };
	return cmd->run(2, sub);
}

const struct cli_cmd cmd_help = { "help", "show help, or a command's manual page", help_run };

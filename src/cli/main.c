/* main.c: dispatch `dmlhog COMMAND ...` to one of the subcommands. */
#include <stdio.h>
#include <string.h>
#include <getopt.h>
#include "cli/cli.h"

const struct cli_cmd *const cli_cmds[] = {
	&cmd_train, &cmd_predict, &cmd_eval, &cmd_check, &cmd_convert, &cmd_info,
	&cmd_topo, &cmd_version, &cmd_help, NULL,
};

const struct cli_cmd *cli_find(const char *name)
{
	for (size_t i = 0; cli_cmds[i]; i++)
		if (strcmp(cli_cmds[i]->name, name) == 0)
			return cli_cmds[i];
	return NULL;
}

static void usage_short(void)
{
	fputs("usage: dmlhog <command> [options] [args]\n"
	      "commands:", stderr);
	for (size_t i = 0; cli_cmds[i]; i++)
		fprintf(stderr, " %s", cli_cmds[i]->name);
	fputs("\nTry 'dmlhog --help' or 'man dmlhog'.\n", stderr);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage_short();
		return CLI_EX_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
		name = "help";
	else if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0)
		name = "version";
	const struct cli_cmd *cmd = cli_find(name);
	if (!cmd) {
		cli_msg("%s '%s'", name[0] == '-' ? "unknown option" : "unknown command", name);
		usage_short();
		return CLI_EX_USAGE;
	}
	/* Subcommands print their own messages, naming the flag. */
	opterr = 0;
	optind = 1;
	argv[1] = (char *)cmd->name;
	return cli_finish_stdout(cmd->run(argc - 1, argv + 1));
}

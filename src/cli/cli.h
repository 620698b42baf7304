/* cli.h - what the command files of the CLI share: error reporting with
 * the exit-status contract (0 ok, 1 runtime error, 2 usage error), option
 * parsing with our own messages, JSON string output. */
#ifndef CFS_CLI_H
#define CFS_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "common/error.h"

#define EXIT_USAGE 2

extern const char cfs_usage_text[];

/* Prints "cfsnet: <msg>" and returns the exit status for err's kind. */
int cli_report(const cfs_error_t *err);
/* Prints "cfsnet: <fmt...>" and a hint, returns EXIT_USAGE. */
int cli_usage_error(const char *fmt, const char *a, const char *b);
/* getopt_long with our messages; on a bad option *bad is the exit status. */
int cli_next_opt(const char *cmd, int argc, char **argv, const char *shortopts,
		 const struct option *longopts, int *bad);
/* Parses "[--json] ARG x nargs" (nothing else); returns 0 or an exit status. */
int cli_args_json(const char *cmd, int argc, char **argv, bool *json, int nargs,
		  char **args);
void cli_json_str(FILE *f, const char *s);
const char *cli_dash(const char *s);
/* Parses n --publish values into ports (room for CFS_MAX_PORTS; n may be
 * one more, which is refused). */
struct cfs_port;
int cli_parse_publish(const char *const *vals, size_t n, struct cfs_port *ports,
		      cfs_error_t *err);
/* A container's published ports: ,"published":[...] in JSON, and one
 * "published:" line each in show's plain output. */
struct cfs_container;
void cli_publish_json(FILE *f, const struct cfs_container *ct);
void cli_publish_show(FILE *f, const struct cfs_container *ct);

/* Commands: each gets argv from its own name on, returns the exit status. */
int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_image(int argc, char **argv);
int cmd_sandbox(int argc, char **argv);
int cmd_net(int argc, char **argv);
int cmd_connect(int argc, char **argv);
int cmd_disconnect(int argc, char **argv);
int cmd_route(int argc, char **argv);
int cmd_rootfs(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_link(int argc, char **argv);
int cmd_lab(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_check(int argc, char **argv);
/* Warns on stderr when the host's firewall is nftables only (see
 * cfs_fw_backend_probe): cfsnet's legacy rules are then invisible to
 * `iptables`. Silent otherwise, and when the probe itself fails. */
void cli_fw_backend_note(void);
/* The process side of ls/show (cmd_run.c). */
void cli_proc_json(FILE *f, const char *name);
void cli_proc_cols(FILE *f, const char *name);
void cli_proc_show(FILE *f, const char *name);
int cli_ls_run_only(FILE *f, bool json, bool first);
int cli_show_run_only(const char *name, bool json);

#endif

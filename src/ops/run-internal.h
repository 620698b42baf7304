/* run-internal.h - what run.c, init.c, runstate.c, exec.c and list.c share
 * about containers that have a process: the run record kept in
 * /run/cfsnet/run/NAME, the container-side code (PID 1 and the preparation
 * of a process that is about to exec inside), and waiting for a child while
 * forwarding signals to it. */
#ifndef CFS_RUN_INTERNAL_H
#define CFS_RUN_INTERNAL_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/filter.h>
#include <sys/types.h>

#include "../common/error.h"
#include "../rootfs/rootfs.h"
#include "ops.h"

#define CFS_RUN_DIR CFS_STATE_DIR "/run"
#define CFS_OVERLAY_DIR CFS_STATE_DIR "/overlay"

/* How a container's network came to be, which says what removing it
 * means. */
enum cfs_run_net {
	CFS_RUN_NET_PRIVATE, /* a netns of its own, unnamed: dies with it */
	CFS_RUN_NET_JOINED,  /* an existing `up` container's: left alone */
	CFS_RUN_NET_CREATED, /* made by run through cfs_up: cfs_down after */
};

/* /run/cfsnet/run/NAME, "key=value" lines. Created exclusively when a run
 * starts (it reserves the name), rewritten once the init's pid is known,
 * renamed away by whoever cleans up (the rename makes exactly one cleaner
 * win: the monitor, or `stop` when the monitor is gone). */
struct cfs_run_rec {
	char name[CFS_NAME_MAX + 1];
	pid_t pid;                      /* the container's PID 1, host view; 0: starting */
	unsigned long long start;       /* its start time (/proc/PID/stat), against pid reuse */
	pid_t monitor;                  /* the cfsnet process waiting for it */
	unsigned long long monitor_start;
	enum cfs_run_net net;
	bool detached;
	int64_t memory_limit;           /* bytes, -1 none: for the OOM message */
	char overlay[PATH_MAX];         /* private upper/work dir, "" without layers */
	char rootfs[PATH_MAX];
	bool no_seccomp;                /* run --no-seccomp: exec goes without too */
};

int cfs_runrec_format(const struct cfs_run_rec *r, char **out, cfs_error_t *err);
int cfs_runrec_parse(const char *text, struct cfs_run_rec *r, cfs_error_t *err);
/* Creates the record exclusively: errnum EEXIST when NAME has one. */
int cfs_runrec_create(const struct cfs_run_rec *r, cfs_error_t *err);
int cfs_runrec_save(const struct cfs_run_rec *r, cfs_error_t *err);
/* errnum ENOENT when NAME has none. */
int cfs_runrec_load(const char *name, struct cfs_run_rec *r, cfs_error_t *err);
/* Takes the record away for cleanup: *claimed is false when somebody else
 * already did. path receives the claimed file to unlink when done. */
int cfs_runrec_claim(const char *name, bool *claimed, char path[PATH_MAX],
		     cfs_error_t *err);
/* Sorted names of every record; free with cfs_names_free. */
int cfs_runrec_names(char ***names, size_t *n, cfs_error_t *err);

/* The start time of pid (field 22 of /proc/PID/stat), 0 if it is gone. */
unsigned long long cfs_proc_start(pid_t pid);
/* Whether pid is still the process that started at start. */
bool cfs_proc_alive(pid_t pid, unsigned long long start);
/* A pidfd of pid if it is still that process, -1 otherwise. */
int cfs_pidfd_of(pid_t pid, unsigned long long start);

/* ---- container side ---------------------------------------------------- */

/* The signals cfsnet passes on to the container's command. */
void cfs_fwd_sigset(sigset_t *set); /* these + SIGCHLD */

/* Sent over the start socket by a child that failed. */
struct cfs_start_msg {
	int status; /* exit status to use: 127 not found, 126 not executable, 1 */
	cfs_error_t err;
};

/* Sends msg on fd (best effort: the child is about to _exit). */
void cfs_start_report(int fd, int status, const cfs_error_t *err);

/* The environment of a container process: PATH, HOME, TERM, HOSTNAME, then
 * extra ("K=V", each replacing a default of the same key). */
char **cfs_container_env(const char *hostname, const char *const *extra,
			 size_t nextra);
void cfs_env_free(char **env);

/* The last steps before exec in a container: default signal handling, an
 * empty signal mask (unless keep_mask: PID 1 keeps the signals it takes
 * blocked), umask 022, every fd above 2 close-on-exec, the capability sets
 * reduced to Docker's default, no_new_privs, and (unless seccomp is NULL)
 * that seccomp filter last. */
struct cfs_seccomp_prog;
int cfs_container_prepare(const struct cfs_seccomp_prog *seccomp, bool keep_mask,
			  cfs_error_t *err);

/* The default seccomp profile (seccomp.c), compiled to BPF ahead of use;
 * loading it is then one syscall. */
struct cfs_seccomp_prog {
	struct sock_filter *insns;
	size_t n;
};
int cfs_seccomp_build(struct cfs_seccomp_prog *prog, cfs_error_t *err);
int cfs_seccomp_load(const struct cfs_seccomp_prog *prog, cfs_error_t *err);
void cfs_seccomp_free(struct cfs_seccomp_prog *prog);

/* cfsnet-init (pid1.c): a sealed memfd holding it (close-on-exec) ... */
int cfs_pid1_open(cfs_error_t *err);
/* ... executed (fd elf) as the container's PID 1 (init) or as the
 * trampoline of `exec`, to run argv with envp (PATH looked up in envp's
 * PATH). report (the start socket) hears an 8-byte report when argv
 * cannot be executed (see cfs_pid1_report) and is closed once it runs.
 * Returns only on failure. */
int cfs_pid1_exec(int elf, bool init, int report, char *const argv[],
		  char **envp, cfs_error_t *err);
/* Whether buf (n bytes read from the start socket) is cfsnet-init's
 * report; if so, *status (127 not found, 126) and err say it. */
bool cfs_pid1_report(const void *buf, ssize_t n, const char *cmd, int *status,
		     cfs_error_t *err);

/* The go message carries at most this many fds (a v1 group's "tasks"). */
#define CFS_GO_MAX_FDS 8

struct cfs_init_ctx {
	const struct cfs_run_opts *o;
	int sock;                      /* our end of the start socket */
	int nsfd;                      /* netns to join, -1: the one clone made */
	struct cfs_rootfs_spec rootfs;
	char **envp;
};

/* The container's PID 1 (clone child): waits for the go from the parent,
 * sets the container up, forks the command, reaps and forwards signals
 * until the command exits, and exits with its status (128+N when killed
 * by signal N). */
__attribute__((noreturn)) void cfs_init_main(struct cfs_init_ctx *c);

/* Waits for child pid while forwarding the signals of cfs_fwd_sigset to it
 * (those the caller blocked); signals the kernel sent (a terminal's ^C,
 * which reaches the whole process group anyway) are not forwarded twice. */
int cfs_wait_forwarding(pid_t pid, int *wstatus, cfs_error_t *err);

/* The status a shell would give: the exit code, or 128+N for signal N. */
int cfs_status_of(int wstatus);

#endif

/* cmd_publish.c - the --publish option shared by `up` and `run`. */
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "ops/ops.h"

int cli_parse_publish(const char *const *vals, size_t n, struct cfs_port *ports,
		      cfs_error_t *err)
{
	if (n > CFS_MAX_PORTS)
		return cfs_fail(err, 0, "at most %d --publish", CFS_MAX_PORTS);
	for (size_t i = 0; i < n; i++)
		if (cfs_check_publish(vals[i], &ports[i], err) < 0)
			return -1;
	return 0;
}

static const char *proto(const struct cfs_port *p)
{
	return p->proto == IPPROTO_UDP ? "udp" : "tcp";
}

void cli_publish_json(FILE *f, const struct cfs_container *ct)
{
	fputs(",\"published\":[", f);
	for (size_t i = 0; i < ct->nports; i++)
		fprintf(f, "%s{\"host_port\":%u,\"port\":%u,\"proto\":\"%s\"}",
			i ? "," : "", ct->ports[i].host_port, ct->ports[i].port,
			proto(&ct->ports[i]));
	fputs("]", f);
}

void cli_publish_show(FILE *f, const struct cfs_container *ct)
{
	for (size_t i = 0; i < ct->nports; i++)
		fprintf(f, "published:  host port %u/%s -> %u\n",
			ct->ports[i].host_port, proto(&ct->ports[i]),
			ct->ports[i].port);
}

/* publish.c - published ports (`up`/`run --publish HOST:PORT[/PROTO]`):
 * parsing, the checks that a host port is free, and gathering every
 * container's ports for the firewall sync (the rules themselves are built
 * by src/net/fw.c). Ports live in each container's state file, so `down`
 * and every later sync know them. */
#define _GNU_SOURCE
#include "ops-internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../common/util.h"

static const char *proto_name(int proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

static int parse_port(const char *s, size_t len, uint16_t *out)
{
	unsigned long v = 0;

	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int cfs_check_publish(const char *s, struct cfs_port *out, cfs_error_t *err)
{
	const char *colon = strchr(s, ':'), *slash, *cport;
	size_t clen;

	if (!colon)
		return cfs_fail(err, 0,
				"invalid port mapping '%s': expected HOSTPORT:CONTAINERPORT[/tcp|/udp]",
				s);
	cport = colon + 1;
	slash = strchr(cport, '/');
	clen = slash ? (size_t)(slash - cport) : strlen(cport);
	out->proto = IPPROTO_TCP;
	if (slash) {
		if (!strcmp(slash + 1, "udp"))
			out->proto = IPPROTO_UDP;
		else if (strcmp(slash + 1, "tcp"))
			return cfs_fail(err, 0,
					"invalid port mapping '%s': protocol must be tcp or udp",
					s);
	}
	if (parse_port(s, (size_t)(colon - s), &out->host_port) < 0)
		return cfs_fail(err, 0,
				"invalid port mapping '%s': host port must be a number 1..65535",
				s);
	if (parse_port(cport, clen, &out->port) < 0)
		return cfs_fail(err, 0,
				"invalid port mapping '%s': container port must be a number 1..65535",
				s);
	return 0;
}

/* ---- gathering -------------------------------------------------------- */

static const struct cfs_network *find_net(const struct cfs_network *nets,
					  size_t n,
					  const struct cfs_network *extra,
					  const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(nets[i].name, name))
			return &nets[i];
	if (extra && !strcmp(extra->name, name))
		return extra;
	return NULL;
}

int cfs_ports_collect(struct cfs_state *st, const struct cfs_network *nets,
		      size_t n, const struct cfs_network *extra,
		      const struct cfs_container *with, const char *skip,
		      struct cfs_fw_port **out, size_t *np, cfs_error_t *err)
{
	struct cfs_fw_port *ports = NULL;
	size_t count = 0, cap = 0;
	char **names;
	size_t nn;

	*out = NULL;
	*np = 0;
	if (cfs_container_names(st, &names, &nn, err) < 0)
		return -1;
	/* with goes last (i == nn), unless the state has it already. */
	for (size_t i = 0; i <= nn; i++) {
		struct cfs_container ct;
		const struct cfs_network *net;
		cfs_error_t e2 = { 0 };

		if (i == nn) {
			if (!with || !with->nports)
				break;
			ct = *with;
		} else if ((skip && !strcmp(names[i], skip)) ||
			   (with && !strcmp(names[i], with->name))) {
			continue;
		} else if (cfs_container_load(st, names[i], &ct, &e2) < 0 ||
			   !ct.nports) {
			/* A container file that cannot be read publishes
			 * nothing we could describe: skip it rather than
			 * block every sync. */
			continue;
		}
		net = find_net(nets, n, extra, ct.network);
		if (!net)
			continue;
		if (count + ct.nports > cap) {
			size_t ncap = (count + ct.nports) * 2;
			struct cfs_fw_port *p = realloc(ports, ncap * sizeof(*p));

			if (!p) {
				free(ports);
				cfs_names_free(names, nn);
				return cfs_fail(err, ENOMEM, "gathering published ports");
			}
			ports = p;
			cap = ncap;
		}
		for (size_t j = 0; j < ct.nports; j++) {
			struct cfs_fw_port *p = &ports[count++];

			memset(p, 0, sizeof(*p));
			snprintf(p->name, sizeof(p->name), "%s", ct.name);
			p->proto = ct.ports[j].proto;
			p->host_port = ct.ports[j].host_port;
			p->port = ct.ports[j].port;
			p->addr = ct.ip.addr;
			p->subnet = net->subnet;
			snprintf(p->ifname, sizeof(p->ifname), "%s", net->ifname);
		}
	}
	cfs_names_free(names, nn);
	*out = ports;
	*np = count;
	return 0;
}

int cfs_fw_sync_state(struct cfs_state *st, const char *skip, cfs_error_t *err)
{
	struct cfs_network *nets;
	struct cfs_fw_net *fw;
	struct cfs_fw_port *ports;
	size_t n, np;
	int r = -1;

	if (cfs_network_load_all(st, &nets, &n, err) < 0)
		return -1;
	if (cfs_ports_collect(st, nets, n, NULL, NULL, skip, &ports, &np, err) < 0) {
		cfs_networks_free(nets, n);
		return -1;
	}
	fw = calloc(n + 1, sizeof(*fw));
	if (!fw) {
		cfs_fail(err, ENOMEM, "building firewall rules");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(fw[i].name, sizeof(fw[i].name), "%s", nets[i].name);
		fw[i].subnet.addr = cfs_cidr_network(&nets[i].subnet);
		fw[i].subnet.prefix = nets[i].subnet.prefix;
		snprintf(fw[i].ifname, sizeof(fw[i].ifname), "%s", nets[i].ifname);
		fw[i].internal = nets[i].internal;
	}
	r = cfs_fw_sync_ports(fw, n, ports, np, err);
out:
	free(fw);
	free(ports);
	cfs_networks_free(nets, n);
	return r;
}

/* ---- is a host port free? --------------------------------------------- */

/* Binding the wildcard address fails with EADDRINUSE when any socket of
 * this network namespace holds the port, on any address. For TCP,
 * SO_REUSEADDR keeps connections in TIME_WAIT from counting: only a
 * listener (or a bound socket) does. */
static int host_port_in_use(const struct cfs_port *p, bool *used,
			    cfs_error_t *err)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(p->host_port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int one = 1, fd, r;

	fd = socket(AF_INET, (p->proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) |
				     SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cfs_fail(err, errno, "checking host port %u/%s",
				p->host_port, proto_name(p->proto));
	if (p->proto == IPPROTO_TCP)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	*used = r < 0 && errno == EADDRINUSE;
	if (r < 0 && !*used) {
		int e = errno;

		close(fd);
		return cfs_fail(err, e, "checking host port %u/%s", p->host_port,
				proto_name(p->proto));
	}
	close(fd);
	return 0;
}

int cfs_ports_check_free(struct cfs_state *st, const char *name,
			 const struct cfs_port *ports, size_t n,
			 cfs_error_t *err)
{
	char **names;
	size_t nn;
	int ret = 0;

	if (n > CFS_MAX_PORTS)
		return cfs_fail(err, 0, "at most %d published ports", CFS_MAX_PORTS);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (ports[i].proto == ports[j].proto &&
			    ports[i].host_port == ports[j].host_port)
				return cfs_fail(err, 0, "host port %u/%s is published twice",
						ports[i].host_port,
						proto_name(ports[i].proto));
	if (!n)
		return 0;
	if (cfs_container_names(st, &names, &nn, err) < 0)
		return -1;
	for (size_t k = 0; k < nn && !ret; k++) {
		struct cfs_container other;
		cfs_error_t e2 = { 0 };

		if (!strcmp(names[k], name) ||
		    cfs_container_load(st, names[k], &other, &e2) < 0)
			continue;
		for (size_t i = 0; i < n && !ret; i++)
			for (size_t j = 0; j < other.nports && !ret; j++)
				if (other.ports[j].proto == ports[i].proto &&
				    other.ports[j].host_port == ports[i].host_port)
					ret = cfs_fail(err, 0,
						       "host port %u/%s is already published by container %s",
						       ports[i].host_port,
						       proto_name(ports[i].proto),
						       other.name);
	}
	cfs_names_free(names, nn);
	for (size_t i = 0; i < n && !ret; i++) {
		bool used = false;

		if (host_port_in_use(&ports[i], &used, err) < 0)
			return -1;
		if (used)
			ret = cfs_fail(err, 0,
				       "host port %u/%s is in use on this host",
				       ports[i].host_port, proto_name(ports[i].proto));
	}
	return ret;
}

/* labfile.c - the lab file: a strict line format (see README, "Labs").
 *
 *   # comment
 *   net NAME SUBNET [internal] [mtu N]
 *   node NAME NET [ADDR/PREFIX] [forward]
 *   link NODE:IF NODE:IF [ADDR/PREFIX ADDR/PREFIX] [rate RATE]
 *   route NODE DEST/PREFIX via GW
 *
 * One statement per line, words separated by blanks; a word starting with
 * '#' starts a comment. Every error names the file and the line. After the
 * last line the whole lab is checked (addresses, interfaces, gateways) and
 * nodes without an address get the lowest free one of their network. */
#define _GNU_SOURCE
#include "lab.h"
#include "ops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/util.h"

#define MAX_WORDS 16
#define LAB_FILE_MAX (4u << 20)

struct parser {
	struct cfs_lab *lab;
	unsigned line;
	cfs_error_t *err;
	size_t capnets, capnodes, caplinks, caproutes;
};

static int perr(struct parser *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "lab FILE:LINE: why" */
static int perr(struct parser *p, unsigned line, const char *fmt, ...)
{
	char why[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return cfs_fail(p->err, 0, "lab %s:%u: %s", p->lab->file, line, why);
}

static int grow(void **arr, size_t *cap, size_t n, size_t size, size_t max,
		struct parser *p, const char *what)
{
	void *na;
	size_t nc;

	if (n < *cap)
		return 0;
	if (n >= max)
		return perr(p, p->line, "too many %s (at most %zu)", what, max);
	nc = *cap ? *cap * 2 : 16;
	if (nc > max)
		nc = max;
	na = realloc(*arr, nc * size);
	if (!na)
		return cfs_fail(p->err, ENOMEM, "lab %s:%u", p->lab->file, p->line);
	*arr = na;
	*cap = nc;
	return 0;
}

static ssize_t find_net(const struct cfs_lab *lab, const char *name)
{
	for (size_t i = 0; i < lab->nnets; i++)
		if (!strcmp(lab->nets[i].name, name))
			return (ssize_t)i;
	return -1;
}

static ssize_t find_node(const struct cfs_lab *lab, const char *name)
{
	for (size_t i = 0; i < lab->nnodes; i++)
		if (!strcmp(lab->nodes[i].name, name))
			return (ssize_t)i;
	return -1;
}

/* ---- words ---------------------------------------------------------------- */

int cfs_lab_parse_rate(const char *s, uint64_t *bits)
{
	uint64_t bytes;

	/* The one rate syntax of cfsnet (tc's), as --rate takes it. */
	if (cfs_rate_parse(s, &bytes) < 0 || bytes > UINT64_MAX / 8)
		return -1;
	*bits = bytes * 8;
	return 0;
}

/* An address of a link end: A.B.C.D/P, prefix 8..30, neither the network
 * nor the broadcast address. */
static int parse_host_addr(struct parser *p, const char *s, struct cfs_cidr *out)
{
	struct cfs_cidr c;

	if (cfs_cidr_parse(s, &c) < 0)
		return perr(p, p->line, "invalid address '%s': expected A.B.C.D/PREFIX", s);
	if (c.prefix < 8 || c.prefix > 30)
		return perr(p, p->line, "invalid address '%s': prefix must be 8..30", s);
	if (c.addr == cfs_cidr_network(&c) || c.addr == cfs_cidr_broadcast(&c))
		return perr(p, p->line,
			    "invalid address '%s': the network or broadcast address", s);
	*out = c;
	return 0;
}

/* ---- statements ------------------------------------------------------------ */

static int st_net(struct parser *p, char **w, int n)
{
	struct cfs_lab *lab = p->lab;
	struct cfs_lab_net net = { .line = p->line };
	cfs_error_t e2 = { 0 };

	if (n < 3)
		return perr(p, p->line, "net: expected 'net NAME SUBNET [internal] [mtu N]'");
	if (cfs_check_name(w[1], &e2) < 0)
		return perr(p, p->line, "net: %s", e2.msg);
	if (find_net(lab, w[1]) >= 0)
		return perr(p, p->line, "net %s: defined twice (first at line %u)",
			    w[1], lab->nets[find_net(lab, w[1])].line);
	snprintf(net.name, sizeof(net.name), "%s", w[1]);
	if (cfs_check_subnet(w[2], &net.subnet, &e2) < 0)
		return perr(p, p->line, "net %s: %s", w[1], e2.msg);
	for (int i = 3; i < n; i++) {
		if (!strcmp(w[i], "internal") && !net.internal) {
			net.internal = true;
		} else if (!strcmp(w[i], "mtu") && !net.mtu) {
			if (i + 1 == n)
				return perr(p, p->line, "net %s: mtu needs a value", w[1]);
			if (cfs_check_mtu(w[++i], &net.mtu, &e2) < 0)
				return perr(p, p->line, "net %s: %s", w[1], e2.msg);
		} else {
			return perr(p, p->line, "net %s: unexpected '%s'", w[1], w[i]);
		}
	}
	for (size_t i = 0; i < lab->nnets; i++) {
		char s[CFS_CIDR_STRLEN];

		if (!cfs_cidr_overlaps(&lab->nets[i].subnet, &net.subnet))
			continue;
		cfs_cidr_format(&lab->nets[i].subnet, s);
		return perr(p, p->line, "net %s: subnet overlaps net %s (%s)",
			    w[1], lab->nets[i].name, s);
	}
	if (grow((void **)&lab->nets, &p->capnets, lab->nnets, sizeof(net),
		 CFS_LAB_MAX_NETS, p, "networks") < 0)
		return -1;
	lab->nets[lab->nnets++] = net;
	return 0;
}

static int st_node(struct parser *p, char **w, int n)
{
	struct cfs_lab *lab = p->lab;
	struct cfs_lab_node node = { .line = p->line };
	const struct cfs_lab_net *net;
	cfs_error_t e2 = { 0 };
	ssize_t k;
	int i = 3;

	if (n < 3)
		return perr(p, p->line, "node: expected 'node NAME NET [ADDR/PREFIX] [forward]'");
	if (cfs_check_name(w[1], &e2) < 0)
		return perr(p, p->line, "node: %s", e2.msg);
	if ((k = find_node(lab, w[1])) >= 0)
		return perr(p, p->line, "node %s: defined twice (first at line %u)",
			    w[1], lab->nodes[k].line);
	snprintf(node.name, sizeof(node.name), "%s", w[1]);
	if ((k = find_net(lab, w[2])) < 0)
		return perr(p, p->line, "node %s: no net %s (nets are defined before their nodes)",
			    w[1], w[2]);
	node.net = (size_t)k;
	net = &lab->nets[k];
	if (i < n && strchr(w[i], '/')) {
		char s[CFS_CIDR_STRLEN];

		if (cfs_check_ip(w[i], &node.ip, &e2) < 0)
			return perr(p, p->line, "node %s: %s", w[1], e2.msg);
		cfs_cidr_format(&net->subnet, s);
		if (node.ip.prefix != net->subnet.prefix ||
		    !cfs_cidr_contains(&net->subnet, node.ip.addr))
			return perr(p, p->line, "node %s: address %s is outside net %s (%s)",
				    w[1], w[i], net->name, s);
		i++;
	}
	for (; i < n; i++) {
		if (strcmp(w[i], "forward") || node.forward)
			return perr(p, p->line, "node %s: unexpected '%s'", w[1], w[i]);
		node.forward = true;
	}
	if (grow((void **)&lab->nodes, &p->capnodes, lab->nnodes, sizeof(node),
		 CFS_LAB_MAX_NODES, p, "nodes") < 0)
		return -1;
	lab->nodes[lab->nnodes++] = node;
	return 0;
}

/* NODE:IF */
static int parse_end(struct parser *p, const char *s, struct cfs_lab_end *end)
{
	char name[64];
	const char *colon = strchr(s, ':');
	cfs_error_t e2 = { 0 };
	ssize_t k;

	if (!colon || (size_t)(colon - s) >= sizeof(name))
		return perr(p, p->line, "link: expected NODE:IF, got '%s'", s);
	memcpy(name, s, (size_t)(colon - s));
	name[colon - s] = '\0';
	if ((k = find_node(p->lab, name)) < 0)
		return perr(p, p->line, "link: no node %s (nodes are defined before their links)",
			    name);
	end->node = (size_t)k;
	if (cfs_check_ifname(colon + 1, &e2) < 0)
		return perr(p, p->line, "link %s: %s", s, e2.msg);
	if (!strcmp(colon + 1, CFS_DEFAULT_IFNAME))
		return perr(p, p->line, "link %s: %s is the node's first interface (its net's)",
			    s, CFS_DEFAULT_IFNAME);
	snprintf(end->ifname, sizeof(end->ifname), "%s", colon + 1);
	for (size_t i = 0; i < p->lab->nlinks; i++)
		for (int j = 0; j < 2; j++) {
			const struct cfs_lab_end *o = &p->lab->links[i].end[j];

			if (o->node == end->node && !strcmp(o->ifname, end->ifname))
				return perr(p, p->line, "link %s: interface used twice (first at line %u)",
					    s, p->lab->links[i].line);
		}
	return 0;
}

static int st_link(struct parser *p, char **w, int n)
{
	struct cfs_lab *lab = p->lab;
	struct cfs_lab_link link = { .line = p->line };
	int i = 3;

	if (n < 3)
		return perr(p, p->line,
			    "link: expected 'link NODE:IF NODE:IF [ADDR/PREFIX ADDR/PREFIX] [rate RATE]'");
	if (parse_end(p, w[1], &link.end[0]) < 0 || parse_end(p, w[2], &link.end[1]) < 0)
		return -1;
	if (link.end[0].node == link.end[1].node)
		return perr(p, p->line, "link: both ends are on node %s",
			    lab->nodes[link.end[0].node].name);
	if (!strcmp(w[1], w[2]))
		return perr(p, p->line, "link: the same end twice");
	if (i < n && strchr(w[i], '/')) {
		const struct cfs_cidr *a = &link.end[0].ip, *b = &link.end[1].ip;

		if (i + 1 == n || !strchr(w[i + 1], '/'))
			return perr(p, p->line, "link: an address for each end, or none");
		if (parse_host_addr(p, w[i], &link.end[0].ip) < 0 ||
		    parse_host_addr(p, w[i + 1], &link.end[1].ip) < 0)
			return -1;
		if (a->prefix != b->prefix || cfs_cidr_network(a) != cfs_cidr_network(b))
			return perr(p, p->line, "link: %s and %s are not in the same subnet",
				    w[i], w[i + 1]);
		if (a->addr == b->addr)
			return perr(p, p->line, "link: both ends have address %s", w[i]);
		link.end[0].has_ip = link.end[1].has_ip = true;
		i += 2;
	}
	for (; i < n; i++) {
		if (strcmp(w[i], "rate") || link.rate)
			return perr(p, p->line, "link: unexpected '%s'", w[i]);
		if (i + 1 == n)
			return perr(p, p->line, "link: rate needs a value");
		if (cfs_lab_parse_rate(w[++i], &link.rate) < 0 || link.rate < 8000)
			return perr(p, p->line,
				    "link: invalid rate '%s': expected e.g. 10mbit, 512kbit, 1gbit (at least 8kbit)",
				    w[i]);
	}
	if (grow((void **)&lab->links, &p->caplinks, lab->nlinks, sizeof(link),
		 CFS_LAB_MAX_LINKS, p, "links") < 0)
		return -1;
	lab->links[lab->nlinks++] = link;
	return 0;
}

static int st_route(struct parser *p, char **w, int n)
{
	struct cfs_lab *lab = p->lab;
	struct cfs_lab_route r = { .line = p->line };
	struct cfs_cidr c;
	ssize_t k;

	if (n != 5 || strcmp(w[3], "via"))
		return perr(p, p->line, "route: expected 'route NODE DEST/PREFIX via GW'");
	if ((k = find_node(lab, w[1])) < 0)
		return perr(p, p->line, "route: no node %s (nodes are defined before their routes)",
			    w[1]);
	r.node = (size_t)k;
	if (cfs_cidr_parse(w[2], &c) < 0 || c.prefix < 1)
		return perr(p, p->line, "route %s: invalid destination '%s': expected A.B.C.D/PREFIX (1..32)",
			    w[1], w[2]);
	if (c.addr != cfs_cidr_network(&c))
		return perr(p, p->line, "route %s: invalid destination '%s': not a network address",
			    w[1], w[2]);
	r.dst = c;
	if (cfs_ip4_parse(w[4], &r.gw) < 0)
		return perr(p, p->line, "route %s: invalid gateway '%s'", w[1], w[4]);
	for (size_t i = 0; i < lab->nroutes; i++)
		if (lab->routes[i].node == r.node &&
		    lab->routes[i].dst.addr == r.dst.addr &&
		    lab->routes[i].dst.prefix == r.dst.prefix)
			return perr(p, p->line, "route %s %s: defined twice (first at line %u)",
				    w[1], w[2], lab->routes[i].line);
	if (grow((void **)&lab->routes, &p->caproutes, lab->nroutes, sizeof(r),
		 CFS_LAB_MAX_ROUTES, p, "routes") < 0)
		return -1;
	lab->routes[lab->nroutes++] = r;
	return 0;
}

/* Splits line (modified in place) into words; a word starting with '#'
 * ends it. Returns the number of words, or -1 for too many. */
static int split(char *line, char **w)
{
	int n = 0;
	char *s = line;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			return n;
		if (n == MAX_WORDS)
			return -1;
		w[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
}

static int parse_line(struct parser *p, char *line)
{
	char *w[MAX_WORDS];
	int n;

	for (const unsigned char *c = (const unsigned char *)line; *c; c++)
		if ((*c < 0x20 && *c != '\t') || *c >= 0x7f)
			return perr(p, p->line, "invalid character 0x%02x", *c);
	n = split(line, w);
	if (n < 0)
		return perr(p, p->line, "too many words (at most %d)", MAX_WORDS);
	if (n == 0)
		return 0;
	if (!strcmp(w[0], "net"))
		return st_net(p, w, n);
	if (!strcmp(w[0], "node"))
		return st_node(p, w, n);
	if (!strcmp(w[0], "link"))
		return st_link(p, w, n);
	if (!strcmp(w[0], "route"))
		return st_route(p, w, n);
	return perr(p, p->line, "unknown statement '%s' (expected net, node, link or route)",
		    w[0]);
}

/* ---- the lab as a whole ------------------------------------------------------ */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Explicit addresses are unique per net; the others get the lowest free. */
static int resolve_addresses(struct parser *p)
{
	struct cfs_lab *lab = p->lab;
	cleanup_free uint32_t *used = calloc(lab->nnodes + 1, sizeof(*used));
	cleanup_free size_t *owner = calloc(lab->nnodes + 1, sizeof(*owner));

	if (!used || !owner)
		return cfs_fail(p->err, ENOMEM, "lab %s", lab->file);
	for (size_t ni = 0; ni < lab->nnets; ni++) {
		const struct cfs_lab_net *net = &lab->nets[ni];
		uint32_t next = cfs_cidr_gateway(&net->subnet) + 1;
		uint32_t last = cfs_cidr_broadcast(&net->subnet) - 1;
		size_t nused = 0, u = 0;

		for (size_t i = 0; i < lab->nnodes; i++) {
			const struct cfs_lab_node *nd = &lab->nodes[i];

			if (nd->net != ni || !nd->ip.prefix)
				continue;
			for (size_t j = 0; j < nused; j++)
				if (used[j] == nd->ip.addr) {
					char s[CFS_IP4_STRLEN];

					cfs_ip4_format(nd->ip.addr, s);
					return perr(p, nd->line,
						    "node %s: address %s is taken by node %s (line %u)",
						    nd->name, s, lab->nodes[owner[j]].name,
						    lab->nodes[owner[j]].line);
				}
			owner[nused] = i;
			used[nused++] = nd->ip.addr;
		}
		qsort(used, nused, sizeof(*used), cmp_u32);
		for (size_t i = 0; i < lab->nnodes; i++) {
			struct cfs_lab_node *nd = &lab->nodes[i];

			if (nd->net != ni || nd->ip.prefix)
				continue;
			for (;;) {
				while (u < nused && used[u] < next)
					u++;
				if (u < nused && used[u] == next)
					next++;
				else
					break;
			}
			if (next > last)
				return perr(p, nd->line, "node %s: net %s has no free address",
					    nd->name, net->name);
			nd->ip.addr = next++;
			nd->ip.prefix = net->subnet.prefix;
		}
	}
	return 0;
}

/* The subnets one node is on: its net's and its link ends'. */
static size_t node_subnets(const struct cfs_lab *lab, size_t node,
			   struct cfs_cidr *out, unsigned *lines, size_t max)
{
	size_t n = 0;

	out[n] = lab->nets[lab->nodes[node].net].subnet;
	lines[n++] = lab->nodes[node].line;
	for (size_t i = 0; i < lab->nlinks && n < max; i++)
		for (int j = 0; j < 2; j++) {
			const struct cfs_lab_end *e = &lab->links[i].end[j];

			if (e->node != node || !e->has_ip || n == max)
				continue;
			out[n] = e->ip;
			lines[n++] = lab->links[i].line;
		}
	return n;
}

/* On every node: link addresses are in subnets of their own (not
 * overlapping another subnet of the node), and route gateways are in one. */
static int check_nodes(struct parser *p)
{
	struct cfs_lab *lab = p->lab;
	struct cfs_cidr subs[64];
	unsigned lines[64];

	for (size_t nd = 0; nd < lab->nnodes; nd++) {
		size_t n = node_subnets(lab, nd, subs, lines, CFS_ARRAY_SIZE(subs));

		for (size_t i = 1; i < n; i++)
			for (size_t j = 0; j < i; j++) {
				if (!cfs_cidr_overlaps(&subs[i], &subs[j]))
					continue;
				return perr(p, lines[i],
					    "link: the address of node %s overlaps its subnet of line %u",
					    lab->nodes[nd].name, lines[j]);
			}
		for (size_t r = 0; r < lab->nroutes; r++) {
			const struct cfs_lab_route *rt = &lab->routes[r];
			bool ok = false;
			char g[CFS_IP4_STRLEN];

			if (rt->node != nd)
				continue;
			for (size_t i = 0; i < n && !ok; i++)
				ok = cfs_cidr_contains(&subs[i], rt->gw) &&
				     rt->gw != cfs_cidr_network(&subs[i]) &&
				     rt->gw != cfs_cidr_broadcast(&subs[i]);
			cfs_ip4_format(rt->gw, g);
			if (!ok)
				return perr(p, rt->line,
					    "route %s: gateway %s is not in one of the node's subnets",
					    lab->nodes[nd].name, g);
		}
	}
	return 0;
}

void cfs_lab_free(struct cfs_lab *lab)
{
	free(lab->nets);
	free(lab->nodes);
	free(lab->links);
	free(lab->routes);
	lab->nets = NULL;
	lab->nodes = NULL;
	lab->links = NULL;
	lab->routes = NULL;
	lab->nnets = lab->nnodes = lab->nlinks = lab->nroutes = 0;
}

int cfs_lab_parse(const char *text, size_t len, const char *file,
		  struct cfs_lab *lab, cfs_error_t *err)
{
	struct parser p = { .lab = lab, .err = err };
	char line[CFS_LAB_MAX_LINE + 1];
	size_t pos = 0;

	memset(lab, 0, sizeof(*lab));
	snprintf(lab->file, sizeof(lab->file), "%s", file);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t raw = nl ? (size_t)(nl - (text + pos)) : len - pos;
		size_t n = raw;

		p.line++;
		if (n && text[pos + n - 1] == '\r')
			n--;  /* CRLF files */
		if (n > CFS_LAB_MAX_LINE) {
			perr(&p, p.line, "line longer than %d characters", CFS_LAB_MAX_LINE);
			goto fail;
		}
		if (memchr(text + pos, '\0', n)) {
			perr(&p, p.line, "invalid character 0x00");
			goto fail;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		if (parse_line(&p, line) < 0)
			goto fail;
		pos += raw + (nl ? 1 : 0);
	}
	if (lab->nnodes == 0) {
		cfs_fail(err, 0, "lab %s: no node (a lab needs 'net' and 'node' lines)", lab->file);
		goto fail;
	}
	if (resolve_addresses(&p) < 0 || check_nodes(&p) < 0)
		goto fail;
	return 0;
fail:
	cfs_lab_free(lab);
	return -1;
}

int cfs_lab_load(const char *path, struct cfs_lab *lab, cfs_error_t *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	cleanup_free char *buf = NULL;
	struct stat sb;
	size_t len = 0;

	if (fd < 0)
		return cfs_fail(err, errno, "lab %s", path);
	if (fstat(fd, &sb) < 0)
		return cfs_fail(err, errno, "lab %s", path);
	if (!S_ISREG(sb.st_mode))
		return cfs_fail(err, 0, "lab %s: not a regular file", path);
	if (sb.st_size > (off_t)LAB_FILE_MAX)
		return cfs_fail(err, 0, "lab %s: larger than %u bytes", path, LAB_FILE_MAX);
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf)
		return cfs_fail(err, ENOMEM, "lab %s", path);
	while (len < (size_t)sb.st_size) {
		ssize_t r = read(fd, buf + len, (size_t)sb.st_size - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return cfs_fail(err, errno, "lab %s: reading", path);
		if (r == 0)
			break;
		len += (size_t)r;
	}
	return cfs_lab_parse(buf, len, path, lab, err);
}

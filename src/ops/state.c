/* state.c - reading and writing cfsnet's state files. */
#define _GNU_SOURCE
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "../common/util.h"

const char *cfs_mode_name(enum cfs_mode m)
{
	return m == CFS_MODE_VETH ? "veth" : "bridge";
}

static int mode_parse(const char *s, enum cfs_mode *m)
{
	if (!strcmp(s, "bridge"))
		*m = CFS_MODE_BRIDGE;
	else if (!strcmp(s, "veth"))
		*m = CFS_MODE_VETH;
	else
		return -1;
	return 0;
}

/* ---- serialisation ----------------------------------------------------- */

int cfs_container_format(const struct cfs_container *c, char *buf, size_t len)
{
	char ip[CFS_CIDR_STRLEN], gw[CFS_IP4_STRLEN];
	size_t off;
	int n;

	cfs_cidr_format(&c->ip, ip);
	cfs_ip4_format(c->gateway, gw);
	n = snprintf(buf, len,
		     "name=%s\nnetwork=%s\nmode=%s\nip=%s\ngateway=%s\n"
		     "ifname=%s\nhost_veth=%s\nbridge=%s\nmtu=%u\n",
		     c->name, c->network, cfs_mode_name(c->mode), ip, gw,
		     c->ifname, c->host_veth, c->bridge, c->mtu);
	if (n < 0 || (size_t)n >= len)
		return -1;
	off = (size_t)n;
	for (size_t i = 0; i < c->nattach; i++) {
		const struct cfs_attach *a = &c->attach[i];

		cfs_cidr_format(&a->ip, ip);
		n = snprintf(buf + off, len - off, "attach=%s %s %s %s\n",
			     a->network, a->ifname, a->host_veth, ip);
		if (n < 0 || (size_t)n >= len - off)
			return -1;
		off += (size_t)n;
	}
	for (size_t i = 0; i < c->nroutes; i++) {
		cfs_cidr_format(&c->routes[i].dst, ip);
		cfs_ip4_format(c->routes[i].gw, gw);
		n = snprintf(buf + off, len - off, "route=%s %s\n", ip, gw);
		if (n < 0 || (size_t)n >= len - off)
			return -1;
		off += (size_t)n;
	}
	for (size_t i = 0; i < c->nattach; i++) {
		char a6[CFS_CIDR6_STRLEN];

		if (!c->attach[i].has6)
			continue;
		cfs_cidr6_format(&c->attach[i].ip6, a6);
		n = snprintf(buf + off, len - off, "attach6=%s %s\n",
			     c->attach[i].network, a6);
		if (n < 0 || (size_t)n >= len - off)
			return -1;
		off += (size_t)n;
	}
	if (c->has6) {
		char ip6[CFS_CIDR6_STRLEN], gw6[CFS_IP6_STRLEN];

		cfs_cidr6_format(&c->ip6, ip6);
		cfs_ip6_format(&c->gateway6, gw6);
		n = snprintf(buf + off, len - off, "ip6=%s\ngateway6=%s\n", ip6, gw6);
		if (n < 0 || (size_t)n >= len - off)
			return -1;
		off += (size_t)n;
	}
	for (size_t i = 0; i < c->nports; i++) {
		const struct cfs_port *p = &c->ports[i];

		n = snprintf(buf + off, len - off, "publish=%s %u %u\n",
			     p->proto == IPPROTO_UDP ? "udp" : "tcp",
			     p->host_port, p->port);
		if (n < 0 || (size_t)n >= len - off)
			return -1;
		off += (size_t)n;
	}
	return (int)off;
}

/* Splits val into exactly n space-separated words of bounded size. */
static int split_words(const char *val, size_t n, char words[][CFS_NET_NAME_MAX + 1])
{
	const char *p = val;

	for (size_t i = 0; i < n; i++) {
		size_t l = strcspn(p, " ");

		if (!l || l > CFS_NET_NAME_MAX)
			return -1;
		memcpy(words[i], p, l);
		words[i][l] = '\0';
		p += l;
		if (i + 1 < n) {
			if (*p != ' ')
				return -1;
			p++;
		}
	}
	return *p ? -1 : 0;
}

/* Calls fn(key, value) for the "key=value" line [p, nl). */
static int one_line(const char *p, const char *nl,
		    int (*fn)(const char *, const char *, void *, cfs_error_t *),
		    void *arg, cfs_error_t *err)
{
	const char *eq = memchr(p, '=', (size_t)(nl - p));
	char key[32], val[256];
	size_t kl, vl;

	if (!eq)
		return cfs_fail(err, EINVAL, "malformed line '%.*s'", (int)(nl - p), p);
	kl = (size_t)(eq - p);
	vl = (size_t)(nl - eq - 1);
	if (kl >= sizeof(key) || vl >= sizeof(val))
		return cfs_fail(err, EINVAL, "line too long");
	memcpy(key, p, kl);
	key[kl] = '\0';
	memcpy(val, eq + 1, vl);
	val[vl] = '\0';
	return fn(key, val, arg, err);
}

/* Calls fn(key, value) for each "key=value" line of text. */
static int each_line(const char *text, int (*fn)(const char *, const char *,
						 void *, cfs_error_t *),
		     void *arg, cfs_error_t *err)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchrnul(p, '\n');

		if (nl != p && one_line(p, nl, fn, arg, err) < 0)
			return -1;
		p = *nl ? nl + 1 : nl;
	}
	return 0;
}

static int copy_str(char *dst, size_t size, const char *val, const char *key,
		    cfs_error_t *err)
{
	if (strlen(val) >= size)
		return cfs_fail(err, EINVAL, "value of %s too long", key);
	strcpy(dst, val);
	return 0;
}

static int parse_uint(const char *val, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!*val || *val == '-' || *val == '+')
		return -1;
	errno = 0;
	v = strtoul(val, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

enum {
	K_NAME = 1 << 0, K_NETWORK = 1 << 1, K_MODE = 1 << 2, K_IP = 1 << 3,
	K_GATEWAY = 1 << 4, K_IFNAME = 1 << 5, K_HOST_VETH = 1 << 6,
	K_BRIDGE = 1 << 7, K_MTU = 1 << 8, K_SUBNET = 1 << 9,
};

struct ct_parse {
	struct cfs_container *c;
	unsigned seen;
};

static int ct_key(const char *key, const char *val, void *arg, cfs_error_t *err)
{
	struct ct_parse *p = arg;
	struct cfs_container *c = p->c;

	if (!strcmp(key, "name")) {
		p->seen |= K_NAME;
		return copy_str(c->name, sizeof(c->name), val, key, err);
	} else if (!strcmp(key, "network")) {
		p->seen |= K_NETWORK;
		return copy_str(c->network, sizeof(c->network), val, key, err);
	} else if (!strcmp(key, "mode")) {
		p->seen |= K_MODE;
		if (mode_parse(val, &c->mode) < 0)
			return cfs_fail(err, EINVAL, "bad mode '%s'", val);
	} else if (!strcmp(key, "ip")) {
		p->seen |= K_IP;
		if (cfs_cidr_parse(val, &c->ip) < 0)
			return cfs_fail(err, EINVAL, "bad ip '%s'", val);
	} else if (!strcmp(key, "gateway")) {
		p->seen |= K_GATEWAY;
		if (cfs_ip4_parse(val, &c->gateway) < 0)
			return cfs_fail(err, EINVAL, "bad gateway '%s'", val);
	} else if (!strcmp(key, "ifname")) {
		p->seen |= K_IFNAME;
		return copy_str(c->ifname, sizeof(c->ifname), val, key, err);
	} else if (!strcmp(key, "host_veth")) {
		p->seen |= K_HOST_VETH;
		return copy_str(c->host_veth, sizeof(c->host_veth), val, key, err);
	} else if (!strcmp(key, "bridge")) {
		p->seen |= K_BRIDGE;
		return copy_str(c->bridge, sizeof(c->bridge), val, key, err);
	} else if (!strcmp(key, "mtu")) {
		p->seen |= K_MTU;
		if (parse_uint(val, 65535, &c->mtu) < 0)
			return cfs_fail(err, EINVAL, "bad mtu '%s'", val);
	} else if (!strcmp(key, "attach")) {
		char w[4][CFS_NET_NAME_MAX + 1];
		struct cfs_attach *a;

		if (c->nattach == CFS_MAX_ATTACH || split_words(val, 4, w) < 0 ||
		    strlen(w[1]) >= IFNAMSIZ || strlen(w[2]) >= IFNAMSIZ)
			return cfs_fail(err, EINVAL, "bad attach '%s'", val);
		a = &c->attach[c->nattach];
		if (cfs_cidr_parse(w[3], &a->ip) < 0)
			return cfs_fail(err, EINVAL, "bad attach '%s'", val);
		strcpy(a->network, w[0]);
		strcpy(a->ifname, w[1]);
		strcpy(a->host_veth, w[2]);
		c->nattach++;
	} else if (!strcmp(key, "route")) {
		char w[2][CFS_NET_NAME_MAX + 1];
		struct cfs_route *r;

		if (c->nroutes == CFS_MAX_ROUTES || split_words(val, 2, w) < 0)
			return cfs_fail(err, EINVAL, "bad route '%s'", val);
		r = &c->routes[c->nroutes];
		if (cfs_cidr_parse(w[0], &r->dst) < 0 || cfs_ip4_parse(w[1], &r->gw) < 0)
			return cfs_fail(err, EINVAL, "bad route '%s'", val);
		c->nroutes++;
	} else if (!strcmp(key, "attach6")) {
		/* After the attach= lines: completes that network's attachment. */
		char w[2][CFS_NET_NAME_MAX + 1];
		size_t i;

		if (split_words(val, 2, w) < 0)
			return cfs_fail(err, EINVAL, "bad attach6 '%s'", val);
		for (i = 0; i < c->nattach && strcmp(c->attach[i].network, w[0]); i++)
			;
		if (i == c->nattach || cfs_cidr6_parse(w[1], &c->attach[i].ip6) < 0)
			return cfs_fail(err, EINVAL, "bad attach6 '%s'", val);
		c->attach[i].has6 = true;
	} else if (!strcmp(key, "ip6")) {
		if (cfs_cidr6_parse(val, &c->ip6) < 0)
			return cfs_fail(err, EINVAL, "bad ip6 '%s'", val);
		c->has6 = true;
	} else if (!strcmp(key, "gateway6")) {
		if (cfs_ip6_parse(val, &c->gateway6) < 0)
			return cfs_fail(err, EINVAL, "bad gateway6 '%s'", val);
	} else if (!strcmp(key, "publish")) {
		char w[3][CFS_NET_NAME_MAX + 1];
		struct cfs_port *pt;
		unsigned hp, cp;

		if (c->nports == CFS_MAX_PORTS || split_words(val, 3, w) < 0 ||
		    (strcmp(w[0], "tcp") && strcmp(w[0], "udp")) ||
		    parse_uint(w[1], 65535, &hp) < 0 || !hp ||
		    parse_uint(w[2], 65535, &cp) < 0 || !cp)
			return cfs_fail(err, EINVAL, "bad publish '%s'", val);
		pt = &c->ports[c->nports++];
		pt->proto = w[0][0] == 'u' ? IPPROTO_UDP : IPPROTO_TCP;
		pt->host_port = (uint16_t)hp;
		pt->port = (uint16_t)cp;
	}
	/* Unknown keys are skipped: a newer cfsnet may add some. */
	return 0;
}

static int check_seen(unsigned seen, unsigned want, cfs_error_t *err)
{
	static const char *names[] = { "name", "network", "mode", "ip", "gateway",
				       "ifname", "host_veth", "bridge", "mtu",
				       "subnet" };

	for (unsigned i = 0; i < CFS_ARRAY_SIZE(names); i++)
		if ((want & (1u << i)) && !(seen & (1u << i)))
			return cfs_fail(err, EINVAL, "missing key %s", names[i]);
	return 0;
}

int cfs_container_parse(const char *text, struct cfs_container *c,
			cfs_error_t *err)
{
	struct ct_parse p = { .c = c };

	memset(c, 0, sizeof(*c));
	if (each_line(text, ct_key, &p, err) < 0)
		return -1;
	return check_seen(p.seen, K_NAME | K_NETWORK | K_MODE | K_IP | K_GATEWAY |
				  K_IFNAME | K_HOST_VETH | K_BRIDGE | K_MTU, err);
}

void cfs_lease_line(struct cfs_buf *b, const char *prefix,
		    const struct cfs_lease *l, char sep)
{
	char ip[CFS_IP4_STRLEN];
	size_t pl = strlen(prefix), il, nl = strnlen(l->name, sizeof(l->name) - 1);
	char *w;

	cfs_ip4_format(l->addr, ip);
	il = strlen(ip);
	w = cfs_buf_room(b, pl + il + 1 + nl + 1);
	if (!w)
		return; /* cfs_buf_take reports it */
	memcpy(w, prefix, pl);
	memcpy(w + pl, ip, il);
	w[pl + il] = sep;
	memcpy(w + pl + il + 1, l->name, nl);
	w[pl + il + 1 + nl] = '\n';
}

int cfs_network_format(const struct cfs_network *net, char **out,
		       cfs_error_t *err)
{
	char subnet[CFS_CIDR_STRLEN];
	struct cfs_buf b = { 0 };

	cfs_cidr_format(&net->subnet, subnet);
	cfs_buf_printf(&b, "name=%s\nmode=%s\nsubnet=%s\nifname=%s\nmtu=%u\n"
		       "internal=%d\nkeep=%d\n", net->name, cfs_mode_name(net->mode),
		       subnet, net->ifname, net->mtu, net->internal, net->keep);
	if (net->has6) {
		char p6[CFS_CIDR6_STRLEN];

		cfs_cidr6_format(&net->subnet6, p6);
		cfs_buf_printf(&b, "ipv6=%s\n", p6);
	}
	if (net->vni) {
		char r[CFS_IP4_STRLEN], l[CFS_IP4_STRLEN];

		cfs_ip4_format(net->remote, r);
		cfs_ip4_format(net->local, l);
		cfs_buf_printf(&b, "vxlan=%u %s %s\n", net->vni, r, l);
	}
	for (size_t i = 0; i < net->nleases; i++)
		cfs_lease_line(&b, "lease=", &net->leases[i], ' ');
	for (size_t i = 0; i < net->nleases; i++) {
		char a6[CFS_IP6_STRLEN];

		if (!net->leases[i].has6)
			continue;
		cfs_ip6_format(&net->leases[i].addr6, a6);
		cfs_buf_printf(&b, "lease6=%s %s\n", a6, net->leases[i].name);
	}
	*out = cfs_buf_take(&b);
	if (!*out)
		return cfs_fail(err, ENOMEM, "formatting network %s", net->name);
	return 0;
}

struct net_parse {
	struct cfs_network *net;
	unsigned seen;
};

static int net_key(const char *key, const char *val, void *arg,
		   cfs_error_t *err)
{
	struct net_parse *p = arg;
	struct cfs_network *net = p->net;

	if (!strcmp(key, "name")) {
		p->seen |= K_NAME;
		return copy_str(net->name, sizeof(net->name), val, key, err);
	} else if (!strcmp(key, "mode")) {
		p->seen |= K_MODE;
		if (mode_parse(val, &net->mode) < 0)
			return cfs_fail(err, EINVAL, "bad mode '%s'", val);
	} else if (!strcmp(key, "subnet")) {
		p->seen |= K_SUBNET;
		if (cfs_cidr_parse(val, &net->subnet) < 0)
			return cfs_fail(err, EINVAL, "bad subnet '%s'", val);
	} else if (!strcmp(key, "ifname")) {
		p->seen |= K_IFNAME;
		return copy_str(net->ifname, sizeof(net->ifname), val, key, err);
	} else if (!strcmp(key, "mtu")) {
		p->seen |= K_MTU;
		if (parse_uint(val, 65535, &net->mtu) < 0)
			return cfs_fail(err, EINVAL, "bad mtu '%s'", val);
	} else if (!strcmp(key, "internal") || !strcmp(key, "keep")) {
		bool *b = key[0] == 'i' ? &net->internal : &net->keep;

		if (strcmp(val, "0") && strcmp(val, "1"))
			return cfs_fail(err, EINVAL, "bad %s '%s'", key, val);
		*b = val[0] == '1';
	} else if (!strcmp(key, "lease")) {
		/* Only a malformed one comes here (lease_line takes the
		 * others): judged again, to word the error. */
		char ip[CFS_IP4_STRLEN];
		const char *sp = strchr(val, ' ');
		uint32_t addr;

		if (!sp || (size_t)(sp - val) >= sizeof(ip))
			return cfs_fail(err, EINVAL, "bad lease '%s'", val);
		memcpy(ip, val, (size_t)(sp - val));
		ip[sp - val] = '\0';
		if (cfs_ip4_parse(ip, &addr) < 0 || !sp[1] ||
		    strlen(sp + 1) > CFS_NAME_MAX)
			return cfs_fail(err, EINVAL, "bad lease '%s'", val);
		return cfs_network_add_lease(net, addr, sp + 1, err);
	} else if (!strcmp(key, "lease6")) {
		/* After the lease= lines: it completes the member's lease. */
		char ip6[CFS_IP6_STRLEN];
		const char *sp = strchr(val, ' ');
		struct in6_addr a6;

		if (!sp || (size_t)(sp - val) >= sizeof(ip6))
			return cfs_fail(err, EINVAL, "bad lease6 '%s'", val);
		memcpy(ip6, val, (size_t)(sp - val));
		ip6[sp - val] = '\0';
		if (cfs_ip6_parse(ip6, &a6) < 0)
			return cfs_fail(err, EINVAL, "bad lease6 '%s'", val);
		for (size_t i = 0; i < net->nleases; i++) {
			if (strcmp(net->leases[i].name, sp + 1))
				continue;
			net->leases[i].has6 = true;
			net->leases[i].addr6 = a6;
			return 0;
		}
		return cfs_fail(err, EINVAL, "lease6 '%s' of no member", val);
	} else if (!strcmp(key, "ipv6")) {
		if (cfs_cidr6_parse(val, &net->subnet6) < 0)
			return cfs_fail(err, EINVAL, "bad ipv6 '%s'", val);
		net->has6 = true;
	} else if (!strcmp(key, "vxlan")) {
		char w[3][CFS_NET_NAME_MAX + 1];
		unsigned vni;

		if (split_words(val, 3, w) < 0 ||
		    parse_uint(w[0], CFS_VXLAN_VNI_MAX, &vni) < 0 || !vni ||
		    cfs_ip4_parse(w[1], &net->remote) < 0 ||
		    cfs_ip4_parse(w[2], &net->local) < 0)
			return cfs_fail(err, EINVAL, "bad vxlan '%s'", val);
		net->vni = vni;
	}
	return 0;
}

static int add_lease_n(struct cfs_network *net, uint32_t addr,
		       const char *name, size_t len, cfs_error_t *err);

/* A well-formed "lease=ADDR NAME" line [p, nl) straight into net: the
 * file is mostly these, and it is read on every `up`. 1: done, 0: not one
 * (the general path judges it, and words the error), -1: out of memory. */
static int lease_line(const char *p, const char *nl, struct cfs_network *net,
		      cfs_error_t *err)
{
	const char *name;
	uint32_t addr;
	size_t len;

	if ((size_t)(nl - p) < 6 || memcmp(p, "lease=", 6))
		return 0;
	name = cfs_ip4_scan(p + 6, &addr);
	if (!name || name >= nl || *name != ' ')
		return 0;
	name++;
	len = (size_t)(nl - name);
	if (len == 0 || len > CFS_NAME_MAX)
		return 0;
	return add_lease_n(net, addr, name, len, err) < 0 ? -1 : 1;
}

int cfs_network_parse(const char *text, struct cfs_network *net,
		      cfs_error_t *err)
{
	struct net_parse np = { .net = net };
	const char *p = text;

	memset(net, 0, sizeof(*net));
	while (*p) {
		const char *nl = strchrnul(p, '\n');
		int r = 0;

		if (nl != p && (r = lease_line(p, nl, net, err)) == 0)
			r = one_line(p, nl, net_key, &np, err);
		if (r < 0)
			goto fail;
		p = *nl ? nl + 1 : nl;
	}
	if (check_seen(np.seen, K_NAME | K_MODE | K_SUBNET | K_IFNAME | K_MTU, err) < 0)
		goto fail;
	return 0;
fail:
	cfs_network_free(net);
	return -1;
}

/* The room an array of n leases has: it grows by doubling (a network is
 * parsed lease by lease), with no field to carry the size, since every
 * array is allocated here or in cfs_network_copy with this rule. */
static size_t lease_room(size_t n)
{
	size_t room = 8;

	while (room < n)
		room *= 2;
	return room;
}

static int add_lease_n(struct cfs_network *net, uint32_t addr,
		       const char *name, size_t len, cfs_error_t *err)
{
	struct cfs_lease *l;

	if (!net->leases || net->nleases == lease_room(net->nleases)) {
		l = realloc(net->leases,
			    lease_room(net->nleases + 1) * sizeof(*l));
		if (!l)
			return cfs_fail(err, ENOMEM, "adding a lease");
		net->leases = l;
	}
	l = &net->leases[net->nleases++];
	memset(l, 0, sizeof(*l));
	l->addr = addr;
	if (len > sizeof(l->name) - 1)
		len = sizeof(l->name) - 1;
	memcpy(l->name, name, len);
	return 0;
}

int cfs_network_add_lease(struct cfs_network *net, uint32_t addr,
			  const char *name, cfs_error_t *err)
{
	return add_lease_n(net, addr, name, strnlen(name, CFS_NAME_MAX), err);
}

void cfs_network_del_lease(struct cfs_network *net, const char *name)
{
	for (size_t i = 0; i < net->nleases; i++) {
		if (strcmp(net->leases[i].name, name))
			continue;
		memmove(&net->leases[i], &net->leases[i + 1],
			(net->nleases - i - 1) * sizeof(net->leases[0]));
		net->nleases--;
		return;
	}
}

int cfs_network_copy(struct cfs_network *dst, const struct cfs_network *src,
		     cfs_error_t *err)
{
	*dst = *src;
	dst->leases = NULL;
	if (src->nleases) {
		dst->leases = malloc(lease_room(src->nleases) * sizeof(*dst->leases));
		if (!dst->leases)
			return cfs_fail(err, ENOMEM, "copying network %s", src->name);
		memcpy(dst->leases, src->leases,
		       src->nleases * sizeof(*dst->leases));
	}
	return 0;
}

void cfs_network_free(struct cfs_network *net)
{
	free(net->leases);
	net->leases = NULL;
	net->nleases = 0;
}

void cfs_networks_free(struct cfs_network *nets, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cfs_network_free(&nets[i]);
	free(nets);
}

/* ---- files --------------------------------------------------------------- */

static int path_of(const struct cfs_state *st, const char *kind,
		   const char *name, char *buf, size_t len, cfs_error_t *err)
{
	/* Names were validated by the caller; refuse anything that could
	 * leave the directory anyway. */
	if (!*name || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return cfs_fail(err, EINVAL, "invalid name '%s'", name);
	if ((size_t)snprintf(buf, len, "%s/%s/%s", st->dir, kind, name) >= len)
		return cfs_fail(err, ENAMETOOLONG, "state file for %s", name);
	return 0;
}

int cfs_state_open(struct cfs_state *st, const char *dir, bool lock,
		   cfs_error_t *err)
{
	char path[PATH_MAX];

	st->lockfd = -1;
	if ((size_t)snprintf(st->dir, sizeof(st->dir), "%s", dir) >=
	    sizeof(st->dir))
		return cfs_fail(err, ENAMETOOLONG, "state directory %s", dir);
	if (!lock) {
		return 0;
	}
	if (cfs_mkdir(dir, 0700, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/containers", dir);
	if (cfs_mkdir(path, 0700, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/networks", dir);
	if (cfs_mkdir(path, 0700, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/lock", dir);
	st->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (st->lockfd < 0)
		return cfs_fail(err, errno, "opening %s", path);
	while (flock(st->lockfd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int e = errno;

			close(st->lockfd);
			st->lockfd = -1;
			return cfs_fail(err, e, "locking %s", path);
		}
	}
	return 0;
}

void cfs_state_prune(const struct cfs_state *st)
{
	static const char *const dirs[] = { "containers", "networks" };
	char path[PATH_MAX];

	for (size_t i = 0; i < CFS_ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", st->dir, dirs[i]);
		rmdir(path); /* fails harmlessly while not empty */
	}
}

void cfs_state_close(struct cfs_state *st)
{
	if (st->lockfd >= 0)
		close(st->lockfd);
	st->lockfd = -1;
}

static int load_file(struct cfs_state *st, const char *kind, const char *name,
		     char **text, cfs_error_t *err)
{
	char path[PATH_MAX];

	if (path_of(st, kind, name, path, sizeof(path), err) < 0)
		return -1;
	return cfs_read_file(path, text, NULL, err);
}

int cfs_container_load(struct cfs_state *st, const char *name,
		       struct cfs_container *c, cfs_error_t *err)
{
	cleanup_free char *text = NULL;

	if (load_file(st, "containers", name, &text, err) < 0)
		return -1;
	if (cfs_container_parse(text, c, err) < 0)
		return cfs_error_wrap(err, "state of container %s", name);
	return 0;
}

int cfs_container_save(struct cfs_state *st, const struct cfs_container *c,
		       cfs_error_t *err)
{
	char path[PATH_MAX], buf[8192];
	int n;

	if (path_of(st, "containers", c->name, path, sizeof(path), err) < 0)
		return -1;
	n = cfs_container_format(c, buf, sizeof(buf));
	if (n < 0)
		return cfs_fail(err, ENOBUFS, "formatting container %s", c->name);
	return cfs_write_file_atomic(path, buf, (size_t)n, err);
}

static int remove_file(struct cfs_state *st, const char *kind,
		       const char *name, cfs_error_t *err)
{
	char path[PATH_MAX];

	if (path_of(st, kind, name, path, sizeof(path), err) < 0)
		return -1;
	if (unlink(path) < 0 && errno != ENOENT)
		return cfs_fail(err, errno, "removing %s", path);
	return 0;
}

int cfs_container_remove(struct cfs_state *st, const char *name,
			 cfs_error_t *err)
{
	return remove_file(st, "containers", name, err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_dir(struct cfs_state *st, const char *kind, char ***names,
		    size_t *n, cfs_error_t *err)
{
	char path[PATH_MAX];
	char **v = NULL;
	size_t cnt = 0;
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", st->dir, kind);
	*names = NULL;
	*n = 0;
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : cfs_fail(err, errno, "listing %s", path);
	while ((e = readdir(d))) {
		char **nv;

		/* Skip dot files and temporary files of a writer. */
		if (e->d_name[0] == '.' || strstr(e->d_name, ".tmp."))
			continue;
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv || !(nv[cnt] = strdup(e->d_name))) {
			closedir(d);
			cfs_names_free(nv ? nv : v, cnt);
			return cfs_fail(err, ENOMEM, "listing %s", path);
		}
		v = nv;
		cnt++;
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_str);
	*names = v;
	*n = cnt;
	return 0;
}

int cfs_container_names(struct cfs_state *st, char ***names, size_t *n,
			cfs_error_t *err)
{
	return list_dir(st, "containers", names, n, err);
}

void cfs_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int cfs_network_load(struct cfs_state *st, const char *name,
		     struct cfs_network *net, cfs_error_t *err)
{
	cleanup_free char *text = NULL;

	if (load_file(st, "networks", name, &text, err) < 0)
		return -1;
	if (cfs_network_parse(text, net, err) < 0)
		return cfs_error_wrap(err, "state of network %s", name);
	return 0;
}

int cfs_network_save(struct cfs_state *st, const struct cfs_network *net,
		     cfs_error_t *err)
{
	char path[PATH_MAX];
	cleanup_free char *text = NULL;

	if (path_of(st, "networks", net->name, path, sizeof(path), err) < 0 ||
	    cfs_network_format(net, &text, err) < 0)
		return -1;
	return cfs_write_file_atomic(path, text, strlen(text), err);
}

int cfs_network_remove(struct cfs_state *st, const char *name,
		       cfs_error_t *err)
{
	return remove_file(st, "networks", name, err);
}

int cfs_network_load_all(struct cfs_state *st, struct cfs_network **nets,
			 size_t *n, cfs_error_t *err)
{
	char **names;
	size_t cnt;
	struct cfs_network *v;

	*nets = NULL;
	*n = 0;
	if (list_dir(st, "networks", &names, &cnt, err) < 0)
		return -1;
	v = calloc(cnt ? cnt : 1, sizeof(*v));
	if (!v) {
		cfs_names_free(names, cnt);
		return cfs_fail(err, ENOMEM, "loading networks");
	}
	for (size_t i = 0; i < cnt; i++) {
		if (cfs_network_load(st, names[i], &v[i], err) < 0) {
			cfs_networks_free(v, i);
			cfs_names_free(names, cnt);
			return -1;
		}
	}
	cfs_names_free(names, cnt);
	*nets = v;
	*n = cnt;
	return 0;
}

int cfs_host_load(struct cfs_state *st, struct cfs_host *h, cfs_error_t *err)
{
	char path[PATH_MAX];
	cleanup_free char *text = NULL;

	memset(h, 0, sizeof(*h));
	snprintf(path, sizeof(path), "%s/host", st->dir);
	if (cfs_read_file(path, &text, NULL, err) < 0) {
		if (err->errnum == ENOENT)
			return 0;
		return -1;
	}
	if (strncmp(text, "ip_forward=", 11) || (text[11] != '0' && text[11] != '1'))
		return cfs_fail(err, EINVAL, "malformed %s", path);
	h->saved = true;
	h->ip_forward = text[11] - '0';
	/* A second line while a dual-stack network exists. */
	const char *l6 = strstr(text, "\nip6_forward=");
	if (l6) {
		if (l6[13] != '0' && l6[13] != '1')
			return cfs_fail(err, EINVAL, "malformed %s", path);
		h->saved6 = true;
		h->ip6_forward = l6[13] - '0';
	}
	return 0;
}

int cfs_host_save(struct cfs_state *st, const struct cfs_host *h,
		  cfs_error_t *err)
{
	char path[PATH_MAX], buf[64];
	int n;

	snprintf(path, sizeof(path), "%s/host", st->dir);
	if (!h->saved) {
		if (unlink(path) < 0 && errno != ENOENT)
			return cfs_fail(err, errno, "removing %s", path);
		return 0;
	}
	if (h->saved6)
		n = snprintf(buf, sizeof(buf), "ip_forward=%d\nip6_forward=%d\n",
			     h->ip_forward, h->ip6_forward);
	else
		n = snprintf(buf, sizeof(buf), "ip_forward=%d\n", h->ip_forward);
	return cfs_write_file_atomic(path, buf, (size_t)n, err);
}

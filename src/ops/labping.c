/* labping.c - `cfsnet lab ping FILE`: the pingall. Which pairs: every
 * address of every other node a node reaches (a subnet it shares, or one
 * of its routes); for large labs a documented subset. How: one child per
 * node, forked and moved into the node's namespace with setns, sends an
 * ICMP echo over a raw socket to each of its targets at once and collects
 * the replies (three rounds, a second each, for the ones not answered
 * yet); the results come back over a pipe. Children run in groups. */
#define _GNU_SOURCE
#include "lab.h"
#include "ops-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/util.h"
#include "../ns/ns.h"

#define PING_GROUP 32      /* children at once, at most */
#define PING_ROUNDS 3
#define PING_WAIT_MS 1000
#define PING_BURST_WAIT_MS 200
#define PING_FLOOD_BUDGET 512 /* frames one wave's bursts may make a bridge copy */
/* ARP entries one wave may make: the table is the machine's, shared by
 * every namespace (gc_thresh3, 1024 by default). */
#define PING_NEIGH_BUDGET 400

/* ---- which pairs ------------------------------------------------------------------ */

/* Does node src reach addr: on one of its subnets, or through a route? */
static bool reaches(const struct cfs_lab *lab, size_t src, uint32_t addr)
{
	const struct cfs_lab_node *n = &lab->nodes[src];

	if (cfs_cidr_contains(&n->ip, addr))
		return true;
	for (size_t i = 0; i < lab->nlinks; i++)
		for (int j = 0; j < 2; j++) {
			const struct cfs_lab_end *e = &lab->links[i].end[j];

			if (e->node == src && e->has_ip && cfs_cidr_contains(&e->ip, addr))
				return true;
		}
	for (size_t i = 0; i < lab->nroutes; i++)
		if (lab->routes[i].node == src &&
		    cfs_cidr_contains(&lab->routes[i].dst, addr))
			return true;
	return false;
}

static int add_probe(struct cfs_lab_probe **arr, size_t *n, size_t *cap,
		     size_t src, size_t dst, uint32_t addr, cfs_error_t *err)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		struct cfs_lab_probe *na = realloc(*arr, nc * sizeof(**arr));

		if (!na)
			return cfs_fail(err, ENOMEM, "listing the pings");
		*arr = na;
		*cap = nc;
	}
	(*arr)[(*n)++] = (struct cfs_lab_probe){ .src = src, .dst = dst, .addr = addr };
	return 0;
}

int cfs_lab_probes(const struct cfs_lab *lab, bool all,
		   struct cfs_lab_probe **out, size_t *n, cfs_error_t *err)
{
	struct cfs_lab_probe *arr = NULL;
	size_t cnt = 0, cap = 0;
	bool subset = !all && lab->nnodes > CFS_LAB_PING_FULL;

	for (size_t s = 0; s < lab->nnodes; s++) {
		size_t ndst = subset ? CFS_LAB_PING_NEXT : lab->nnodes - 1;

		for (size_t k = 1; k <= ndst && k < lab->nnodes; k++) {
			size_t d = (s + k) % lab->nnodes;
			uint32_t a = lab->nodes[d].ip.addr;

			if (reaches(lab, s, a) &&
			    add_probe(&arr, &cnt, &cap, s, d, a, err) < 0)
				goto fail;
			for (size_t i = 0; i < lab->nlinks; i++)
				for (int j = 0; j < 2; j++) {
					const struct cfs_lab_end *e = &lab->links[i].end[j];

					if (e->node == d && e->has_ip &&
					    reaches(lab, s, e->ip.addr) &&
					    add_probe(&arr, &cnt, &cap, s, d, e->ip.addr, err) < 0)
						goto fail;
				}
		}
	}
	*out = arr;
	*n = cnt;
	return 0;
fail:
	free(arr);
	return -1;
}

/* ---- the child: inside one node ---------------------------------------------------------- */

static uint16_t csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void send_echo(int sock, uint32_t addr, uint16_t id, uint16_t seq)
{
	struct {
		struct icmphdr h;
		char payload[16];
	} pkt;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(addr) };

	memset(&pkt, 0, sizeof(pkt));
	pkt.h.type = ICMP_ECHO;
	pkt.h.un.echo.id = htons(id);
	pkt.h.un.echo.sequence = htons(seq);
	memcpy(pkt.payload, "cfsnet lab ping", 16);
	pkt.h.checksum = csum(&pkt, sizeof(pkt));
	/* A send that fails (no route) is a probe without an answer. */
	(void)!sendto(sock, &pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to));
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Marks the answers that arrive within wait_ms, until every probe of
 * [lo, hi) is answered. */
static void collect(int sock, const uint32_t *addrs, uint8_t *ok, size_t n,
		    uint16_t id, size_t lo, size_t hi, long wait_ms)
{
	long end = now_ms() + wait_ms;
	char buf[2048];

	for (;;) {
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		const struct iphdr *ip = (const struct iphdr *)buf;
		const struct icmphdr *h;
		long wait = end - now_ms();
		size_t seq, pending = 0;
		ssize_t r;

		for (size_t i = lo; i < hi; i++)
			pending += !ok[i];
		if (!pending || wait <= 0 || poll(&pfd, 1, (int)wait) <= 0)
			return;
		r = recv(sock, buf, sizeof(buf), MSG_DONTWAIT);
		if (r < (ssize_t)sizeof(*ip) || r < (ssize_t)(ip->ihl * 4u + sizeof(*h)))
			continue;
		h = (const struct icmphdr *)(buf + ip->ihl * 4);
		if (h->type != ICMP_ECHOREPLY || ntohs(h->un.echo.id) != id)
			continue;
		seq = ntohs(h->un.echo.sequence);
		if (seq < n && ntohl(ip->saddr) == addrs[seq])
			ok[seq] = 1;
	}
}

/* The child's work: exit status 0 and one byte per probe on fd. The
 * first echo to a neighbour costs an ARP broadcast that the bridge copies
 * to every port, and the kernel's per-CPU backlog holds only so many
 * frames: probes go out burst at a time, each burst waiting (briefly) for
 * its answers; later rounds resend what is still unanswered. */
static int ping_from(int nsfd, const uint32_t *addrs, size_t n, size_t burst,
		     int fd)
{
	uint8_t *ok = calloc(n + 1, 1);
	uint16_t id = (uint16_t)getpid();
	int sock;

	if (!ok || setns(nsfd, CLONE_NEWNET) < 0)
		return 1;
	sock = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (sock < 0)
		return 1;
	for (int round = 0; round < PING_ROUNDS; round++) {
		for (size_t lo = 0; lo < n; lo += burst) {
			size_t hi = lo + burst < n ? lo + burst : n;

			for (size_t i = lo; i < hi; i++)
				if (!ok[i])
					send_echo(sock, addrs[i], id, (uint16_t)i);
			collect(sock, addrs, ok, n, id, lo, hi,
				round ? PING_WAIT_MS / 4 : PING_BURST_WAIT_MS);
		}
		collect(sock, addrs, ok, n, id, 0, n, PING_WAIT_MS);
	}
	for (size_t off = 0; off < n;) {
		ssize_t w = write(fd, ok + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return 1;
		off += (size_t)w;
	}
	return 0;
}

/* ---- the parent --------------------------------------------------------------------------- */

struct child {
	pid_t pid;
	int fd;
	size_t first, n;      /* its probes: probes[first .. first+n) */
	size_t burst;
};

static int start_child(const struct cfs_lab *lab, struct cfs_lab_probe *probes,
		       struct child *ch, cfs_error_t *err)
{
	const char *name = lab->nodes[probes[ch->first].src].name;
	cleanup_close int nsfd = -1;
	cleanup_free uint32_t *addrs = calloc(ch->n, sizeof(*addrs));
	int p[2];

	if (!addrs)
		return cfs_fail(err, ENOMEM, "node %s", name);
	for (size_t i = 0; i < ch->n; i++)
		addrs[i] = probes[ch->first + i].addr;
	if (cfs_netns_open(name, &nsfd, err) < 0) {
		if (err->errnum == ENOENT)
			return cfs_fail(err, 0, "node %s is not up", name);
		return cfs_error_wrap(err, "node %s", name);
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return cfs_fail(err, errno, "node %s: pipe", name);
	ch->pid = fork();
	if (ch->pid < 0) {
		close(p[0]);
		close(p[1]);
		return cfs_fail(err, errno, "node %s: fork", name);
	}
	if (ch->pid == 0) {
		close(p[0]);
		_exit(ping_from(nsfd, addrs, ch->n, ch->burst, p[1]));
	}
	close(p[1]);
	ch->fd = p[0];
	return 0;
}

/* Reads the child's answers and reaps it. */
static int finish_child(const struct cfs_lab *lab, struct cfs_lab_probe *probes,
			struct child *ch, cfs_error_t *err)
{
	const char *name = lab->nodes[probes[ch->first].src].name;
	uint8_t buf[512];
	size_t got = 0;
	int status = 0, ret = 0;

	while (ch->fd >= 0) {
		ssize_t r = read(ch->fd, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r && got < ch->n; i++, got++)
			probes[ch->first + got].answered = buf[i] != 0;
	}
	if (ch->fd >= 0)
		close(ch->fd);
	ch->fd = -1;
	while (waitpid(ch->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || got != ch->n)
		ret = cfs_fail(err, 0, "node %s: the pinging process failed (raw ICMP socket in its namespace)",
			       name);
	return ret;
}

static int flush_cb(void *arg)
{
	return cfs_neigh_flush4(arg);
}

/* The ARP entries a wave made, in the nodes it touched. */
static int flush_touched(const struct cfs_lab *lab, const bool *touched,
			 cfs_error_t *err)
{
	for (size_t i = 0; i < lab->nnodes; i++) {
		cleanup_close int fd = -1;

		if (!touched[i])
			continue;
		if (cfs_netns_open(lab->nodes[i].name, &fd, err) < 0 ||
		    cfs_netns_run(fd, flush_cb, err, err) < 0)
			return cfs_error_wrap(err, "node %s: flushing its ARP cache",
					      lab->nodes[i].name);
	}
	return 0;
}

int cfs_lab_ping(const struct cfs_lab *lab, struct cfs_lab_probe *probes,
		 size_t n, cfs_lab_progress_fn progress, void *arg,
		 cfs_error_t *err)
{
	struct child ch[PING_GROUP];
	size_t next = 0, done = 0, nsrc = 0, most = 1;
	cleanup_free bool *touched = calloc(lab->nnodes + 1, sizeof(*touched));
	int ret = 0;

	if (!touched)
		return cfs_fail(err, ENOMEM, "lab ping %s", lab->file);
	/* The largest network: its bridge copies each ARP request to every
	 * member. */
	for (size_t i = 0; i < lab->nnets; i++) {
		size_t m = 0;

		for (size_t j = 0; j < lab->nnodes; j++)
			m += lab->nodes[j].net == i;
		if (m > most)
			most = m;
	}
	/* Probes come grouped by source node. */
	for (size_t i = 0; i < n; i++)
		nsrc += i == 0 || probes[i].src != probes[i - 1].src;
	while (next < n && ret == 0) {
		size_t k = 0, entries = 0, burst, at = next;

		/* A wave: sources whose pings make at most PING_NEIGH_BUDGET
		 * ARP entries (one at each end of a pair); at least one. */
		while (k < PING_GROUP && at < n) {
			size_t e = at;

			while (e < n && probes[e].src == probes[at].src)
				e++;
			if (k && entries + 2 * (e - at) > PING_NEIGH_BUDGET)
				break;
			entries += 2 * (e - at);
			ch[k++] = (struct child){ .first = at, .n = e - at, .fd = -1 };
			at = e;
		}
		burst = PING_FLOOD_BUDGET / (most * k);
		memset(touched, 0, lab->nnodes * sizeof(*touched));
		for (size_t j = 0; j < k && ret == 0; j++) {
			ch[j].burst = burst ? burst : 1;
			if (start_child(lab, probes, &ch[j], err) < 0) {
				ret = -1;
				k = j;
			}
		}
		for (size_t j = 0; j < k; j++) {
			cfs_error_t e2 = { 0 };

			if (finish_child(lab, probes, &ch[j], ret ? &e2 : err) < 0)
				ret = -1;
			for (size_t i = ch[j].first; i < ch[j].first + ch[j].n; i++)
				touched[probes[i].src] = touched[probes[i].dst] = true;
			if (progress)
				progress(arg, ++done, nsrc);
		}
		if (ret == 0 && flush_touched(lab, touched, err) < 0)
			ret = -1;
		next = at;
	}
	return ret < 0 ? cfs_error_wrap(err, "lab ping %s", lab->file) : 0;
}

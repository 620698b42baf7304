/* fuzz_netlink.c - netlink replies as the kernel might send them: the ack
 * reader of src/net/nl.c (batch acks by sequence number and port id, error
 * codes, extended-ack text) and the link query's callback, on arbitrary
 * bytes. nl.c is included to reach its static functions; no socket is
 * opened. */
#include "../../src/net/nl.c"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cfs_nl nl; /* large: not on the stack */
	cfs_error_t err = { 0 };
	size_t acked = 0;
	int failed = 0;
	char alias[64];
	struct link_query q = { .alias = alias, .aliaslen = sizeof(alias) };
	void *buf;

	if (size < 1 || size > (size_t)MNL_SOCKET_BUFFER_SIZE)
		return 0;
	/* The reply buffer, aligned as recv gives it. */
	buf = malloc(size);
	if (!buf)
		abort();
	memcpy(buf, data, size);
	/* A batch of requests seq 1..8 from port 0x1234, half of them
	 * tolerant of "missing". */
	int echoed[8] = { 0 };

	memset(&nl, 0, sizeof(nl));
	nl.portid = 0x1234;
	nl.nq = 8;
	for (size_t i = 0; i < nl.nq; i++) {
		nl.q[i].seq = (uint32_t)i + 1;
		nl.q[i].flags = i % 2 ? CFS_NL_MISSING_OK : 0;
		/* A third of them asked for the echo of a new link. */
		nl.q[i].link_out = i % 3 ? NULL : &echoed[i];
		snprintf(nl.q[i].what, sizeof(nl.q[i].what), "request %zu", i + 1);
	}
	nl_acks_in(&nl, buf, (int)size, &acked, &failed, &err);
	FUZZ_CHECK(acked <= size / MNL_NLMSG_HDRLEN);
	for (size_t i = 0; i < 8; i++)
		FUZZ_CHECK(echoed[i] >= 0);
	if (failed)
		FUZZ_CHECK_ERR(err);
	alias[0] = '\0';
	link_reply(buf, size, 0, 0, &q);
	FUZZ_CHECK(memchr(alias, '\0', sizeof(alias)));
	free(buf);
	return 0;
}

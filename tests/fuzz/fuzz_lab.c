/* fuzz_lab.c - libFuzzer harness for the lab file parser (labfile.c):
 * any bytes must give either a lab that passes its own invariants or an
 * error naming the file, never a crash, leak or out-of-bounds access.
 *
 * Built and run by `make fuzz` (seeds: tests/fuzz/corpus/lab).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ops/lab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfs_lab lab;
	cfs_error_t err = { 0 };
	struct cfs_lab_probe *probes;
	size_t n;

	if (cfs_lab_parse((const char *)data, size, "f.lab", &lab, &err) < 0) {
		if (strncmp(err.msg, "lab f.lab", 9) != 0 || lab.nnodes || lab.nodes)
			abort();
		return 0;
	}
	/* Invariants of a parsed lab. */
	if (lab.nnodes == 0 || lab.nnets == 0)
		abort();
	for (size_t i = 0; i < lab.nnodes; i++) {
		const struct cfs_lab_node *nd = &lab.nodes[i];

		if (nd->net >= lab.nnets ||
		    !cfs_cidr_contains(&lab.nets[nd->net].subnet, nd->ip.addr) ||
		    nd->ip.prefix != lab.nets[nd->net].subnet.prefix)
			abort();
	}
	for (size_t i = 0; i < lab.nlinks; i++)
		if (lab.links[i].end[0].node >= lab.nnodes ||
		    lab.links[i].end[1].node >= lab.nnodes ||
		    lab.links[i].end[0].node == lab.links[i].end[1].node)
			abort();
	if (cfs_lab_probes(&lab, false, &probes, &n, &err) == 0)
		free(probes);
	cfs_lab_free(&lab);
	return 0;
}

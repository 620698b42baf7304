/* pid1-elf.S - the cfsnet-init program (src/pid1/pid1.c, built first) as
 * read-only data of cfsnet: src/ops/pid1.c writes it to a sealed memfd
 * and executes that. PID1_ELF is its path, given by the Makefile. */
	.section .rodata
	.balign 16
	.globl cfs_pid1_elf
cfs_pid1_elf:
	.incbin PID1_ELF
	.globl cfs_pid1_elf_end
cfs_pid1_elf_end:
	.section .note.GNU-stack,"",%progbits

/* pid1.h - what cfsnet and cfsnet-init (pid1.c) agree on. */
#ifndef CFS_PID1_H
#define CFS_PID1_H

/* The first word of cfsnet-init's 8-byte report on the start socket when
 * the command could not be executed; the second is the errno. */
#define CFS_PID1_MAGIC 0x31444950u /* "PID1" */

#endif

/*
 * hranawire.h: the job a Hrana pipeline becomes for the executor
 * (shared: hranadec.c in the front end writes it, hranaexec.c in the
 * executor reads it, every length checked, as value.h's args form).
 *
 * An IPC_OP_HRANA job's text is a program; its args are empty:
 *   u8  version (HRANA_WIRE_VERSION)
 *   u8  slot: HRANA_SLOT_ONESHOT, or a stream's slot 2..HRANA_SLOT_MAX
 *   u8  fresh: 1 if the stream is new (the executor resets the slot's
 *       connection and records the id), 0 if it continues
 *   u64 stream id: the front end's, unique while it runs
 *   u16 end mask: bit k set ends slot k's stream first (one the front
 *       end expired since its last job: its transaction is rolled back)
 *   u32 entries, then each: u8 op and its operands
 *     EXECUTE      stmt
 *     BATCH        u32 steps, each: cond, stmt
 *     SEQUENCE     u32 length, SQL text (several statements)
 *     DESCRIBE     u32 length, SQL text
 *     AUTOCOMMIT   nothing
 *     CLOSE        nothing
 *     OK           u8 response (HRANA_RESP_*): answered by the front end
 *     ERROR        u32 length, message: answered by the front end
 *   stmt: u8 flags (HRANA_STMT_*), u32 length, SQL text (or, with
 *     HRANA_STMT_ERROR, the message the step fails with), u32 length,
 *     args in value.h's wire form (0: none)
 *   cond: u8 type (HRANA_COND_*); OK, ERROR: u32 step (an earlier step
 *     of the same batch, checked by the front end and again here); NOT:
 *     one cond; AND, OR: u32 n, n conds; NONE, AUTOCOMMIT: nothing.
 *     At most HRANA_COND_DEPTH levels.
 * Integers little-endian; no pointers, no alignment. Every request of
 * the pipeline is exactly one entry, in order, so the executor writes
 * the pipeline's "results" array itself.
 */
#ifndef WALKIND_HRANAWIRE_H
#define WALKIND_HRANAWIRE_H

#include "bounds.h"

#define HRANA_WIRE_VERSION	1

/* Slot 0 is the executor's main connection (/sql, /session); slot 1
 * serves streams opened and closed within one pipeline, one at a time
 * (the executor runs one job at a time); 2.. are open streams. */
#define HRANA_SLOT_ONESHOT	1
#define HRANA_STREAMS		BOUNDS_HRANA_STREAMS	/* bounds.h */
#define HRANA_SLOT_MAX		(1 + HRANA_STREAMS)

enum hrana_wire_op {
	HRANA_OP_EXECUTE = 1,
	HRANA_OP_BATCH = 2,
	HRANA_OP_SEQUENCE = 3,
	HRANA_OP_DESCRIBE = 4,
	HRANA_OP_AUTOCOMMIT = 5,
	HRANA_OP_CLOSE = 6,
	HRANA_OP_OK = 7,
	HRANA_OP_ERROR = 8
};

enum hrana_wire_resp {
	HRANA_RESP_STORE_SQL = 1,
	HRANA_RESP_CLOSE_SQL = 2
};

#define HRANA_STMT_WANT_ROWS	0x1
#define HRANA_STMT_ERROR	0x2	/* the front end refused the step */

enum hrana_wire_cond {
	HRANA_COND_NONE = 0,
	HRANA_COND_OK = 1,
	HRANA_COND_ERROR = 2,
	HRANA_COND_NOT = 3,
	HRANA_COND_AND = 4,
	HRANA_COND_OR = 5,
	HRANA_COND_AUTOCOMMIT = 6
};

#define HRANA_COND_DEPTH	BOUNDS_HRANA_COND_DEPTH	/* bounds.h */
#define HRANA_MAX_STMTS		BOUNDS_HRANA_STMTS	/* bounds.h */
/* Error messages in a reply are cut to this many bytes: a pipeline of
 * HRANA_MAX_STMTS failures stays within the reply cap. */
#define HRANA_ERR_MAX		200

#endif

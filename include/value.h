/*
 * value.h: the one decoder of SQL parameter values for every front door
 * (POST /sql's "args", libSQL's Hrana protocol, MCP), the pointer-free
 * wire form the front end sends them in, and the executor's binding of
 * that form to a prepared statement (shared: the front end decodes and
 * encodes, the executor binds).
 *
 * A JSON value (from a jparse tree, see jparse.h) is one of:
 *   plain:  integer (no '.', no exponent) -> INTEGER, exact over the whole
 *           int64 range (read from the number's source text, not the
 *           double); other numbers -> FLOAT; string -> TEXT (may hold
 *           NUL); null -> NULL; true/false -> INTEGER 1/0;
 *   typed, as the Hrana protocol writes them (no other members allowed):
 *           {"type":"integer","value":"-9223372036854775808"} (a decimal
 *               string, -?(0|[1-9][0-9]*), or a JSON integer);
 *           {"type":"float","value":1.5} (any JSON number);
 *           {"type":"text","value":"..."};
 *           {"type":"blob","base64":"..."} (standard alphabet, with or
 *               without '=' padding, unused low bits zero: one spelling
 *               per byte string);
 *           {"type":"null"}.
 * Refused: arrays, objects without "type", integers outside int64,
 * numbers beyond double's range (1e400: no finite value), anything else
 * in a typed object. Parameter values are data: nothing here logs them
 * or looks at them as SQL, and no error message quotes one.
 *
 * Every error message this module writes starts with "invalid args: "
 * and names the problem (the door answers it as a 400).
 */
#ifndef WALKIND_VALUE_H
#define WALKIND_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "bounds.h"
#include "buf.h"

struct cJSON;
struct sqlite3_stmt;

#define VALUE_NULL	0
#define VALUE_INTEGER	1
#define VALUE_FLOAT	2
#define VALUE_TEXT	3
#define VALUE_BLOB	4

/* The one error for positional args with a request of several
 * statements (see value_args_single). */
#define VALUE_ERR_MULTI	"invalid args: positional args need a single statement"

/* Room for any message of this module, names shortened to fit. */
#define VALUE_ERRLEN	160

struct value {
	int		 type;		/* VALUE_* */
	int64_t		 i;		/* INTEGER */
	double		 d;		/* FLOAT, always finite */
	const char	*p;		/* TEXT (valid UTF-8), BLOB; never NULL */
	size_t		 len;		/* TEXT, BLOB: bytes at p */
};

/*
 * Decode one JSON value of a jparse tree. TEXT points into j's
 * valuestring (lives as long as the tree); BLOB into scratch, which is
 * reset first (lives until scratch is next used or freed). Returns 0, or
 * -1 with *why a static reason without the prefix, one of:
 *   "integer out of range", "float out of range",
 *   "an array is not a value", "an object needs a \"type\"",
 *   "unknown \"type\"", "\"value\" missing",
 *   "\"value\" must be a decimal integer", "\"value\" must be a number",
 *   "\"value\" must be a string", "\"base64\" missing",
 *   "\"base64\" must be a string", "bad base64",
 *   "unexpected member in a typed value".
 * A number item without its source text (a tree not made by jparse) is
 * a programming error and aborts.
 */
int	value_decode(const struct cJSON *j, struct value *v,
	    struct buf *scratch, const char **why);

/*
 * The wire form, appended to a buffer (the IPC payload after the SQL):
 *   u8 version (1), u8 kind (0 positional, 1 named), then per value:
 *   [named: u32 name length, name bytes] u8 type, then by type:
 *   NULL nothing; INTEGER 8 bytes; FLOAT 8 bytes (IEEE 754 bits);
 *   TEXT, BLOB u32 length and the bytes.
 * All integers little-endian; no pointers, no alignment. At most
 * BOUNDS_VARIABLE_NUMBER values; names are non-empty, distinct, and not
 * a bare prefix character.
 */
struct value_enc {
	struct buf	*out;
	size_t		 start;		/* out->len at value_args_begin */
	unsigned	 count;
	int		 named;
};

/*
 * Encode POST /sql's "args" (a JSON array, positional, or object, named:
 * a key is written with or without its ':', '@' or '$') of a jparse
 * tree, appending to out. Returns 0, or -1 with the message in err and
 * out as it was. Messages:
 *   "invalid args: must be an array or an object"
 *   "invalid args: more than 100 values"  (BOUNDS_VARIABLE_NUMBER)
 *   "invalid args: args[<i>]: <value_decode reason>"  (i from 0)
 *   "invalid args: args.<key>: <value_decode reason>"
 *   "invalid args: empty name"  (key "" or only ':', '@' or '$')
 */
int	value_args_encode(const struct cJSON *args, struct buf *out,
	    char *err, size_t errlen);

/*
 * The same encoding a value at a time (for doors with their own list
 * form, e.g. Hrana's [{"name":":a","value":{...}}]): begin, then add
 * each value; name is NULL (positional) or name[0..namelen) (named,
 * as the client wrote it). Add returns 0, or -1 with one of:
 *   "invalid args: more than 100 values", "invalid args: empty name",
 *   "invalid args: name '<name>' given twice"
 * and nothing appended. The caller rolls out->len back to e->start if it
 * gives up on the list.
 */
void	value_args_begin(struct value_enc *e, struct buf *out, int named);
int	value_args_add(struct value_enc *e, const char *name, size_t namelen,
	    const struct value *v, char *err, size_t errlen);

/*
 * Executor side: the wire form decoded and checked once, then bound to
 * each statement of the request. Fields are private to value.c.
 */
struct value_arg {
	const char	*name;		/* into the frame; NULL if positional */
	size_t		 namelen;
	struct value	 v;		/* p points into the frame */
};

struct value_args {
	int		 present;	/* 0: the request had no args */
	int		 named;
	unsigned	 count;
	struct value_arg arg[BOUNDS_VARIABLE_NUMBER];
	unsigned char	 used[BOUNDS_VARIABLE_NUMBER];
};

/*
 * Check and index the wire form p[0..len) (a frame from another process:
 * every length is checked, nothing is read outside it). len == 0 means
 * the request had no args: binding then leaves every parameter NULL, as
 * before args existed. The frame is borrowed and must outlive a. Returns
 * 0, or -1 with "invalid args: malformed frame".
 */
int	value_args_open(struct value_args *a, const void *p, size_t len,
	    char *err, size_t errlen);

/*
 * Bind a's values to st (freshly prepared or reset, bindings cleared).
 * Positional: value k to parameter k + 1; the statement's parameters
 * must be ?, ?NNN, and exactly as many as values
 * (sqlite3_bind_parameter_count, so "?3" alone takes three). Named:
 * every parameter must be :name, @name or $name and find a key equal to
 * its full name, else to its name without the prefix; keys found are
 * marked used. TEXT and BLOB are bound with their lengths and
 * SQLITE_TRANSIENT (SQLite copies: the frame may go after the last bind;
 * the names are read again by value_args_unused). Returns 0, or -1 with:
 *   "invalid args: statement has <N> parameter(s), <M> given"
 *   "invalid args: statement has named parameters, send args as an object"
 *   "invalid args: statement has positional parameters, send args as an array"
 *   "invalid args: no value for <:name>"
 *   "invalid args: value too big"  (SQLITE_TOOBIG, over SQLITE_LIMIT_LENGTH)
 *   "invalid args: cannot bind (<sqlite3_errstr>)"
 */
int	value_args_bind(struct value_args *a, struct sqlite3_stmt *st,
	    char *err, size_t errlen);

/*
 * After the last statement has been bound (for a single statement:
 * right after binding, before stepping): -1 with
 * "invalid args: unknown name '<key>'" if a named key was bound by no
 * statement, else 0. Always 0 for positional or absent args.
 */
int	value_args_unused(const struct value_args *a, char *err, size_t errlen);

/*
 * Nonzero if a holds positional values, which only a request of a
 * single statement may have (reply VALUE_ERR_MULTI otherwise, before
 * running anything). An empty array does not count: each statement then
 * needs zero parameters, which value_args_bind checks.
 */
int	value_args_single(const struct value_args *a);

#endif

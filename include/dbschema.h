/*
 * dbschema.h: the walk-in's schema as JSON (executor side), read with the
 * same introspection pragmas a caller may run, under the same policy.
 */
#ifndef WALKIND_DBSCHEMA_H
#define WALKIND_DBSCHEMA_H

#include "buf.h"

struct sqlconn;

/*
 * Write the schema to `out` (reset first) and return 200, 408 {"error":
 * "query timeout"} or 500 {"error":"internal error"}. Shape, every list
 * in sqlite_schema rowid order:
 *   {"tables":[{"name","type":"table"|"virtual","without_rowid","strict",
 *     "columns":[{"name","type","notnull","default","pk"
 *                 [,"hidden":true][,"generated":"virtual"|"stored"]}],
 *     "primary_key":["col",..],
 *     "foreign_keys":[{"from":[..],"table","to":[..|null],"on_update",
 *                      "on_delete","match"}],
 *     "indexes":[{"name","unique","origin":"c"|"u"|"pk","partial",
 *                 "columns":["col"|null,..],"sql"|null}],
 *     "sql"}],
 *    "views":[{"name","columns":[..],"sql"[,"error"]}],
 *    "triggers":[{"name","table","sql"}],
 *    "datasets":[{"name","tables":[{"name","type":"table"|"view",
 *      "columns":[{"name","type","pk"}]}]}]}
 * "datasets" lists the read-only datasets attached for this walk-in and,
 * of each, the tables and views its grant names (by schema, then name).
 * Internal tables (sqlite_*) and shadow tables are left out. An object
 * whose details cannot be read (a view of a dropped table) gets empty
 * lists and an "error" string instead of
 * failing the reply. The caller sets the deadline first.
 */
int	dbschema_json(struct sqlconn *c, struct buf *out);

#endif

/*
 * test_dbschema.c: the schema JSON of a real hardened walk-in: tables
 * (ordinary, WITHOUT ROWID, virtual) with columns, generated and hidden
 * columns, primary and foreign keys, indexes; views (one of a dropped
 * table carries an "error" and does not fail the reply); triggers; internal and shadow tables left out; untrusted
 * names encoded as valid JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "buf.h"
#include "dbschema.h"
#include "json.h"
#include "sqlconn.h"
#include "unit.h"
#include "dbtest.h"

static char	path[256];

static cJSON *
item(cJSON *list, const char *name)
{
	cJSON *e;

	cJSON_ArrayForEach(e, list)
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "name")),
		    name) == 0)
			return e;
	return NULL;
}

static char *
text(cJSON *j)
{
	static char s[512];
	char *p = cJSON_PrintUnformatted(j);

	snprintf(s, sizeof(s), "%s", p != NULL ? p : "(null)");
	free(p);
	return s;
}

static void
test_schema(void)
{
	struct sqlconn *c = dbtest_walkin(1 << 20, path, sizeof(path));
	cJSON *j, *tables, *t, *views, *v;
	struct buf out;

	buf_init(&out);
	CHECK_INT(dbtest_exec(c,
	    "CREATE TABLE parent(id INTEGER PRIMARY KEY AUTOINCREMENT, "
	    "code TEXT NOT NULL UNIQUE DEFAULT 'x');"
	    "CREATE TABLE child(a INT, b TEXT, pid INT, "
	    "g AS (a + 1), s AS (b || '!') STORED, PRIMARY KEY(b, a), "
	    "FOREIGN KEY(pid) REFERENCES parent(id) ON DELETE CASCADE) "
	    "WITHOUT ROWID;"
	    "CREATE INDEX child_pid ON child(pid, a + 1) WHERE pid > 0;"
	    "CREATE VIRTUAL TABLE f USING fts5(body);"
	    "CREATE VIEW pv AS SELECT id, code FROM parent;"
	    "CREATE TABLE gone(a); CREATE VIEW broken AS SELECT a FROM gone;"
	    "DROP TABLE gone;"
	    "CREATE VIEW bad AS SELECT printf('%d', 1) AS x;"
	    "CREATE TRIGGER tr AFTER INSERT ON parent BEGIN SELECT 1; END;"
	    "CREATE TABLE \"odd\"\"\xff\"(\"\x01\" INT);"
	    "INSERT INTO parent(code) VALUES('a'); ANALYZE;"), 0);
	CHECK_INT(dbschema_json(c, &out), 200);
	CHECK(json_utf8_valid(out.data, out.len));
	j = cJSON_ParseWithLength(out.data, out.len);
	CHECK(j != NULL);
	tables = cJSON_GetObjectItem(j, "tables");
	views = cJSON_GetObjectItem(j, "views");
	/* parent, child, f, odd; no sqlite_*, no f_* shadow tables. */
	CHECK_INT(cJSON_GetArraySize(tables), 4);
	CHECK(item(tables, "sqlite_sequence") == NULL);
	CHECK(item(tables, "f_data") == NULL);

	t = item(tables, "parent");
	CHECK_STR(text(cJSON_GetObjectItem(t, "columns")),
	    "[{\"name\":\"id\",\"type\":\"INTEGER\",\"notnull\":false,"
	    "\"default\":null,\"pk\":1},{\"name\":\"code\",\"type\":\"TEXT\","
	    "\"notnull\":true,\"default\":\"'x'\",\"pk\":0}]");
	CHECK_STR(text(cJSON_GetObjectItem(t, "primary_key")), "[\"id\"]");
	CHECK_STR(text(cJSON_GetObjectItem(t, "indexes")),
	    "[{\"name\":\"sqlite_autoindex_parent_1\",\"unique\":true,"
	    "\"origin\":\"u\",\"partial\":false,\"columns\":[\"code\"],"
	    "\"sql\":null}]");
	CHECK_STR(text(cJSON_GetObjectItem(t, "type")), "\"table\"");

	t = item(tables, "child");
	CHECK_STR(text(cJSON_GetObjectItem(t, "without_rowid")), "true");
	CHECK_STR(text(cJSON_GetObjectItem(t, "primary_key")),
	    "[\"b\",\"a\"]");
	CHECK_STR(text(cJSON_GetObjectItem(t, "foreign_keys")),
	    "[{\"table\":\"parent\",\"on_update\":\"NO ACTION\","
	    "\"on_delete\":\"CASCADE\",\"match\":\"NONE\",\"from\":[\"pid\"],"
	    "\"to\":[\"id\"]}]");
	CHECK_STR(text(cJSON_GetArrayItem(cJSON_GetObjectItem(t, "columns"),
	    3)), "{\"name\":\"g\",\"type\":\"\",\"notnull\":false,"
	    "\"default\":null,\"pk\":0,\"generated\":\"virtual\"}");
	CHECK_STR(text(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(t, "columns"), 4), "generated")), "\"stored\"");
	CHECK_STR(text(cJSON_GetObjectItem(t, "indexes")),
	    "[{\"name\":\"sqlite_autoindex_child_1\",\"unique\":true,"
	    "\"origin\":\"pk\",\"partial\":false,\"columns\":[\"b\",\"a\"],"
	    "\"sql\":null},{\"name\":\"child_pid\",\"unique\":false,\"origin\":\"c\","
	    "\"partial\":true,\"columns\":[\"pid\",null],\"sql\":"
	    "\"CREATE INDEX child_pid ON child(pid, a + 1) WHERE pid > 0\"}]");

	t = item(tables, "f");
	CHECK_STR(text(cJSON_GetObjectItem(t, "type")), "\"virtual\"");
	CHECK_STR(text(cJSON_GetObjectItem(t, "columns")),
	    "[{\"name\":\"body\",\"type\":\"\",\"notnull\":false,"
	    "\"default\":null,\"pk\":0},{\"name\":\"f\",\"type\":\"\","
	    "\"notnull\":false,\"default\":null,\"pk\":0,\"hidden\":true},"
	    "{\"name\":\"rank\",\"type\":\"\",\"notnull\":false,"
	    "\"default\":null,\"pk\":0,\"hidden\":true}]");
	CHECK(item(tables, "odd\"\xef\xbf\xbd") != NULL);

	CHECK_INT(cJSON_GetArraySize(views), 3);
	v = item(views, "pv");
	CHECK_STR(text(cJSON_GetObjectItem(v, "columns")),
	    "[{\"name\":\"id\",\"type\":\"INTEGER\",\"notnull\":false,"
	    "\"default\":null,\"pk\":0},{\"name\":\"code\",\"type\":\"TEXT\","
	    "\"notnull\":false,\"default\":null,\"pk\":0}]");
	CHECK(cJSON_GetObjectItem(v, "error") == NULL);
	v = item(views, "broken");
	CHECK_STR(text(v), "{\"name\":\"broken\",\"columns\":[],\"error\":"
	    "\"invalid sql: no such table: main.gone\",\"sql\":"
	    "\"CREATE VIEW broken AS SELECT a FROM gone\"}");
	/*
	 * SQLite names a view's columns with the authorizer off; nothing
	 * runs, and using the view is still denied.
	 */
	v = item(views, "bad");
	CHECK_STR(text(cJSON_GetObjectItem(v, "columns")),
	    "[{\"name\":\"x\",\"type\":\"\",\"notnull\":false,"
	    "\"default\":null,\"pk\":0}]");

	CHECK_STR(text(cJSON_GetObjectItem(j, "triggers")),
	    "[{\"name\":\"tr\",\"table\":\"parent\",\"sql\":\"CREATE TRIGGER "
	    "tr AFTER INSERT ON parent BEGIN SELECT 1; END\"}]");
	cJSON_Delete(j);

	/* An empty walk-in (and no --dataset: no datasets). */
	sqlconn_close(c);
	c = dbtest_walkin(1 << 20, path, sizeof(path));
	CHECK_INT(dbschema_json(c, &out), 200);
	CHECK_STR(buf_cstr(&out), "{\"tables\":[],\"views\":[],"
	    "\"triggers\":[],\"datasets\":[]}");
	sqlconn_close(c);
	buf_free(&out);
}

static void
test_cleanup(void)
{
	CHECK_INT(unit_rmtree(dbtest_dir), 0);
}

UNIT_MAIN(dbtest_init, test_schema, test_cleanup)

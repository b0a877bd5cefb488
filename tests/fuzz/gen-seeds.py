#!/usr/bin/env python3
"""Write the seed corpora in tests/fuzz/corpus/<harness>/ (run from the
repository root: python3 tests/fuzz/gen-seeds.py). The seeds are in git;
this script is how they were made, and remakes them after a change.
Token seeds are real tokens under fuzz_token.c's fixed test keys (kid 7
current, kid 6 previous), so the fuzzer starts from inputs that verify.
Regression seeds (inputs that once found a bug) are named regress-*."""
import hashlib
import hmac
import os
import struct
import base64

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def put(harness, name, data):
    d = os.path.join(CORPUS, harness)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- http: request heads ----
CRLF = "\r\n"


def req(*lines, body=""):
    return CRLF.join(lines) + CRLF + CRLF + body


def http_seeds():
    post = ["POST /sql HTTP/1.1", "Host: x", "Content-Type: application/json"]
    s = {
        "post": req(*post, "Content-Length: 16", body='{"sql":"SELECT 1"}'),
        "post-session": req(*post, "X-Walkin-Session: wkn_AAAA",
                            "Content-Length: 2", body="{}"),
        "get-health": req("GET /healthz HTTP/1.1", "Host: a"),
        "get-openapi-query": req("GET /openapi.json?x=1&y=%00 HTTP/1.1", "Host: a"),
        "options": req("OPTIONS /sql HTTP/1.1", "Host: a",
                       "Access-Control-Request-Method: POST"),
        "http10": req("GET /healthz HTTP/1.0"),
        "http10-keepalive": req("GET / HTTP/1.0", "Connection: keep-alive"),
        "conn-close-list": req("GET / HTTP/1.1", "Host: a",
                               "Connection: foo, close , keep-alive"),
        "expect": req(*post, "Expect: 100-continue", "Content-Length: 5"),
        "cl-dup": req(*post, "Content-Length: 5", "Content-Length: 5"),
        "cl-conflict": req(*post, "Content-Length: 5", "content-length: 6"),
        "cl-signed": req(*post, "Content-Length: +18"),
        "cl-negative": req(*post, "Content-Length: -1"),
        "cl-spaces": req(*post, "Content-Length:   7 \t"),
        "cl-inner-space": req(*post, "Content-Length: 1 2"),
        "cl-18-digits": req(*post, "Content-Length: 999999999999999999"),
        "cl-19-digits": req(*post, "Content-Length: 9999999999999999999"),
        "cl-hex": req(*post, "Content-Length: 0x10"),
        "cl-empty": req(*post, "Content-Length:"),
        "te-chunked": req(*post, "Transfer-Encoding: chunked",
                          body="5\r\nhello\r\n0\r\n\r\n"),
        "te-and-cl": req(*post, "Content-Length: 4", "Transfer-Encoding: chunked"),
        "te-obfuscated": req(*post, "Transfer-Encoding : chunked"),
        "space-before-colon": req(*post, "Content-Length : 5"),
        "obs-fold": req(*post, "X-A: a", " folded", "Content-Length: 1"),
        "tab-fold": req(*post, "X-A: a", "\tfolded"),
        "bare-lf": "GET / HTTP/1.1\nHost: a\n\n",
        "bare-cr": "GET / HTTP/1.1\rHost: a\r\n\r\n",
        "mixed-lf": "GET / HTTP/1.1\r\nHost: a\n\r\n\r\n",
        "nul-in-header": req("GET / HTTP/1.1", "Host: a\x00b"),
        "no-host": req("GET / HTTP/1.1"),
        "two-hosts": req("GET / HTTP/1.1", "Host: a", "Host: b"),
        "session-dup": req(*post, "X-Walkin-Session: a", "x-walkin-session: b"),
        "method-15": req("ABCDEFGHIJKLMNO / HTTP/1.1", "Host: a"),
        "method-16": req("ABCDEFGHIJKLMNOP / HTTP/1.1", "Host: a"),
        "method-ctl": req("G\x01T / HTTP/1.1", "Host: a"),
        "method-empty": req(" / HTTP/1.1", "Host: a"),
        "target-empty": req("GET  HTTP/1.1", "Host: a"),
        "target-high": req("GET /\xc3\xa9 HTTP/1.1", "Host: a"),
        "target-three-spaces": req("GET / x HTTP/1.1", "Host: a"),
        "version-12": req("GET / HTTP/1.2", "Host: a"),
        "version-lower": req("GET / http/1.1", "Host: a"),
        "version-2": req("GET / HTTP/2.0", "Host: a"),
        "pipelined": req("GET /healthz HTTP/1.1", "Host: a") +
                     req("GET /healthz HTTP/1.1", "Host: a"),
        "header-no-colon": req("GET / HTTP/1.1", "Host: a", "Garbage"),
        "header-empty-name": req("GET / HTTP/1.1", "Host: a", ": v"),
        "header-high-value": req("GET / HTTP/1.1", "Host: a",
                                 "User-Agent: \xff\xfe\x7f"),
        "header-tab-value": req("GET / HTTP/1.1", "Host: a",
                                "Content-Type:\tapplication/json ; charset=utf-8\t"),
        "no-blank-line": "GET / HTTP/1.1\r\nHost: a\r\n",
        "empty-line-first": "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "ct-dup": req(*post, "content-type: text/plain", "Content-Length: 2"),
        "head-health": req("HEAD /healthz HTTP/1.1", "Host: a"),
        "absolute-form": req("POST http://walkin.example/sql HTTP/1.1",
                             "Host: walkin.example",
                             "Content-Type: application/json",
                             "Content-Length: 2", body="{}"),
        "absolute-form-query": req("GET HTTPS://h:443?x=1 HTTP/1.1", "Host: h"),
        "absolute-form-no-host": req("GET http:///sql HTTP/1.1", "Host: a"),
        "absolute-form-userinfo": req("GET http://u:p@h/sql HTTP/1.1",
                                      "Host: h"),
        "absolute-form-fragment": req("GET http://h/sql#f HTTP/1.1", "Host: h"),
    }
    many = ["GET / HTTP/1.1", "Host: a"] + ["X-%d: v" % i for i in range(63)]
    s["headers-64"] = req(*many)
    s["headers-65"] = req(*(many + ["X-last: v"]))
    s["head-8k"] = req("GET / HTTP/1.1", "Host: a", "X-Big: " + "a" * 8100)
    for k, v in s.items():
        put("http", k, v)


# ---- body: first byte = mode (see fuzz_body.c) ----
def body_seeds():
    raw = {
        "ok": '{"sql":"SELECT 1"}',
        "ok-args": '{"sql":"SELECT ?1","args":[1,"a",null]}',
        "ok-ws": ' \t\n{ "sql" : "SELECT 1" }\n',
        "array": "[1,2]",
        "string": '"SELECT 1"',
        "empty-object": "{}",
        "sql-number": '{"sql":1}',
        "sql-empty": '{"sql":""}',
        "sql-null": '{"sql":null}',
        "sql-object": '{"sql":{"sql":"x"}}',
        "upper-key": '{"SQL":"SELECT 1"}',
        "nul-escape": '{"sql":"SELECT \'a\\u0000b\'"}',
        "nul-escape-key": '{"a\\u0000":1,"sql":"x"}',
        "escaped-backslash-u0000": '{"sql":"SELECT \'\\\\u0000\'"}',
        "trailing-junk": '{"sql":"SELECT 1"} trailing',
        "trailing-nul": '{"sql":"SELECT 1"}\x00',
        "bom": '\ufeff{"sql":"SELECT 1"}',
        "dup-keys": '{"sql":"SELECT 1","sql":"SELECT 2"}',
        "invalid-utf8": '{"sql":"SELECT \'\xff\xfe\xc0\xaf\'"}',
        "lone-surrogate": '{"sql":"SELECT \'\\ud800\'"}',
        "surrogate-pair": '{"sql":"SELECT \'\\ud83d\\ude00\'"}',
        "u2028": '{"sql":"SELECT \'\\u2028\'"}',
        "huge-number": '{"n":1e999999,"sql":"SELECT 1"}',
        "deep": "[" * 2000 + "]" * 2000,
        "deep-object": '{"a":' * 1100 + "1" + "}" * 1100,
        "truncated": '{"sql":"SELECT 1',
        "control-chars": '{"sql":"SELECT \'\x01\x1f\t\'"}',
        "keyword": '{"sql":"ATTACH \'/etc/passwd\' AS x"}',
        "keyword-comment": '{"sql":"SELECT 1 /* */ ATTACH"}',
    }
    for k, v in raw.items():
        put("body", "raw-" + k, b"\x00" + v.encode("utf-8", "surrogateescape"))
    put("body", "enc-utf8", b"\x01SELECT 'h\xc3\xa9llo \xe2\x80\xa8'")
    put("body", "enc-nul", b"\x01SELECT 'a\x00b'")
    put("body", "enc-invalid", b"\x01SELECT '\xed\xa0\x80\xf4\x90\x80\x80\xc1'")
    put("body", "rawstr-ctl", b"\x02SELECT '\x01\x02\x7f'")
    put("body", "extras-ok", b"\x03SELECT 1")
    # Found by fuzz_body: a raw NUL byte inside the string cut the SQL.
    put("body", "regress-raw-nul-cuts-sql", b"\x02SELECT 1\x00; DROP TABLE t")
    put("body", "regress-raw-nul-extras", b"\x03x\x00y")


# ---- token: real tokens under the harness's fixed keys ----
NOW = 1795461721
KEY_CUR = bytes(range(32))
KEY_PREV = bytes(0x80 + i for i in range(32))


def token(kid, key, ident, expiry, nonce=b"\x42" * 16, ver=1):
    signed = bytes([ver, kid]) + ident + struct.pack(">q", expiry) + nonce
    tag = hmac.new(key, b"walkind/token/v1" + signed, hashlib.sha512).digest()[:32]
    return "wkn_" + base64.urlsafe_b64encode(signed + tag).decode().rstrip("=")


def token_seeds():
    ident = bytes.fromhex("0190a1b2c3d47e5f8a0b1c2d3e4f5a6b")
    later = NOW + 600
    good = token(7, KEY_CUR, ident, later)
    seeds = {
        "valid-current": good,
        "valid-previous": token(6, KEY_PREV, ident, later),
        "expired": token(7, KEY_CUR, ident, NOW),
        "far-future": token(7, KEY_CUR, ident, 2**63 - 1),
        "wrong-key-for-kid": token(7, KEY_PREV, ident, later),
        "unknown-kid": token(8, KEY_CUR, ident, later),
        "version-2": token(7, KEY_CUR, ident, later, ver=2),
        "truncated": good[:-1],
        "extended": good + "A",
        "padded": good + "=",
        "no-prefix": good[4:],
        "upper-prefix": "WKN_" + good[4:],
        "standard-alphabet": good.replace("-", "+").replace("_", "/"),
        "empty": "",
    }
    for k, v in seeds.items():
        put("token", "verify-" + k, b"\x00" + v.encode())
    # Found by fuzz_token: libsodium 1.0.18 reads bytes 0x80..0xff as '_',
    # so a valid token with '_' had 128 more accepted spellings per '_'.
    n = 0
    while "_" not in good[4:]:
        n += 1
        good = token(7, KEY_CUR, ident, later, nonce=bytes([n]) * 16)
    at = good.index("_", 4)
    put("token", "regress-high-byte-as-underscore",
        b"\x00" + good[:at].encode() + b"\xf4" + good[at + 1:].encode())
    put("token", "mint-edit-last",
        b"\x01" + ident + struct.pack(">qq", later, NOW) + b"\x66\x41\x01")
    put("token", "mint-shorten",
        b"\x01" + ident + struct.pack(">qq", later, NOW) + b"\x00\x00\x00")
    put("token", "mint-expired",
        b"\x01" + ident + struct.pack(">qq", NOW, NOW) + b"\x10\x5f\x02")


# ---- SQL: keyword and executor harnesses ----
SQL = {
    "select": "SELECT 1, 'a', x'00ff', 1.5, NULL",
    "create-insert-select": "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT);"
                            "INSERT INTO t(b) VALUES('x'),(\"y\");SELECT * FROM t",
    "attach": "ATTACH '/etc/passwd' AS p",
    "attach-file-uri": "ATTACH 'file:/tmp/x?mode=rwc' AS x",
    "attach-memdb": "ATTACH 'file:/x?vfs=memdb' AS m",
    "attach-shared": "ATTACH 'file:x?mode=memory&cache=shared' AS s",
    "attach-memory": "ATTACH ':memory:' AS m",
    "attach-empty": "ATTACH '' AS e",
    "attach-relative": "ATTACH 'evil.db' AS e; CREATE TABLE e.t(x)",
    "attach-comment": "/* x */ ATTACH/**/'a'AS b",
    "attach-expr": "ATTACH 'a' || 'b' AS c",
    "detach": "DETACH main",
    "vacuum": "VACUUM",
    "vacuum-into": "VACUUM INTO '/tmp/walkind-vacuum-into.db'",
    "vacuum-into-relative": "VACUUM INTO 'copy.db'",
    "load-extension": "SELECT load_extension('/lib/x86_64-linux-gnu/libc.so.6')",
    "fts3-tokenizer": "SELECT fts3_tokenizer('simple')",
    "fts3-tokenizer-ptr": "SELECT fts3_tokenizer('evil', x'4141414141414141')",
    "printf-bomb": "SELECT printf('%.*c', 2147483647, 'x')",
    "format": "SELECT format('%d', 1)",
    "printf-default": "CREATE TABLE t(a, b DEFAULT (printf('%.*c', 2147483647, 'x')));"
                      "INSERT INTO t(a) VALUES(1)",
    "printf-check": "CREATE TABLE t(a CHECK (printf('%s', a) <> ''));INSERT INTO t VALUES(1)",
    "printf-view": "CREATE VIEW v AS SELECT printf('%d', 1);SELECT * FROM v",
    "printf-generated": "CREATE TABLE t(a, b AS (printf('%d', a)));INSERT INTO t(a) VALUES(1)",
    "printf-index": "CREATE TABLE t(a);CREATE INDEX i ON t(printf('%d', a));INSERT INTO t VALUES(1)",
    "alter-add-column": "CREATE TABLE t(a);INSERT INTO t VALUES(1);"
                        "ALTER TABLE t ADD COLUMN b DEFAULT 5;ALTER TABLE t RENAME TO u;"
                        "ALTER TABLE u RENAME COLUMN a TO z;ALTER TABLE u DROP COLUMN b;"
                        "SELECT * FROM u",
    "pragma-page-size": "PRAGMA page_size=65536;CREATE TABLE t(x)",
    "pragma-max-page-count": "PRAGMA max_page_count=1000000",
    "pragma-journal-wal": "PRAGMA journal_mode=WAL",
    "pragma-journal-off": "PRAGMA journal_mode=OFF",
    "pragma-writable-schema": "PRAGMA writable_schema=ON",
    "pragma-database-list": "PRAGMA database_list",
    "pragma-temp-store": "PRAGMA temp_store=FILE",
    "pragma-mmap": "PRAGMA mmap_size=1000000",
    "pragma-table-valued": "SELECT * FROM pragma_journal_mode('wal')",
    "pragma-table-info": "CREATE TABLE t(a,b);SELECT * FROM pragma_table_info('t');PRAGMA table_info(t)",
    "pragma-temp-schema": "PRAGMA temp.table_list",
    "pragma-integrity": "PRAGMA integrity_check;PRAGMA quick_check",
    "pragma-allowed": "PRAGMA user_version=7;PRAGMA foreign_keys=1;PRAGMA page_count;"
                      "PRAGMA compile_options;PRAGMA function_list",
    "pragma-ignore-check": "PRAGMA ignore_check_constraints=1;CREATE TABLE t(a CHECK(a>0));"
                           "INSERT INTO t VALUES(-1)",
    "temp-table": "CREATE TEMP TABLE t(x)",
    "temp-qualified": "CREATE TABLE temp.t(x)",
    "temp-view": "CREATE TEMP VIEW v AS SELECT 1",
    "temp-trigger": "CREATE TABLE t(a);CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END",
    "zeroblob-flood": "CREATE TABLE t(b);"
                      "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<100)"
                      " INSERT INTO t SELECT zeroblob(40000) FROM c",
    "randomblob-flood": "CREATE TABLE t(b);INSERT INTO t VALUES(randomblob(49000));"
                        "INSERT INTO t SELECT b FROM t;INSERT INTO t SELECT b FROM t;"
                        "INSERT INTO t SELECT b FROM t",
    "many-tables": ";".join("CREATE TABLE t%d(a,b,c)" % i for i in range(60)),
    "many-indexes": "CREATE TABLE t(a,b,c);" +
                    ";".join("CREATE INDEX i%d ON t(a,b,c,%d)" % (i, i) for i in range(40)),
    "recursive-cte": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c",
    "cartesian": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<1000)"
                 " SELECT count(*) FROM c a, c b, c d",
    "instr-long": "SELECT instr(zeroblob(49000)||'x', zeroblob(20000)||'x')",
    "replace-long": "SELECT length(replace(hex(zeroblob(20000)), '0', '00'))",
    "like-pattern": "SELECT 'aaaaaaaaaaaaaaaaaaaa' LIKE '%a%a%a%a%a%a%a%a%a%a%b'",
    "glob-long": "SELECT 'x' GLOB '" + "*" * 120 + "'",
    "group-concat": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<100000)"
                    " SELECT length(group_concat(hex(x), ',')) FROM c",
    "big-sort": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<200000)"
                " SELECT x FROM c ORDER BY random() LIMIT 1",
    "json": "SELECT json_each.* FROM json_each('[1,{\"a\":[2,3]},\"x\"]');"
            "SELECT json_tree.key FROM json_tree('{\"a\":{\"b\":[1,2]}}');"
            "SELECT json_extract('{\"a\":1}', '$.a'), json_group_array(1)",
    "json-deep": "SELECT json('" + "[" * 1000 + "]" * 1000 + "')",
    "window": "CREATE TABLE t(a,b);INSERT INTO t VALUES(1,2),(3,4);"
              "SELECT a, sum(b) OVER (ORDER BY a ROWS BETWEEN 1 PRECEDING AND CURRENT ROW),"
              " row_number() OVER w FROM t WINDOW w AS (PARTITION BY a)",
    "compound": " UNION ".join("SELECT %d" % i for i in range(11)),
    "compound-order": "SELECT 1 AS a UNION SELECT 2 ORDER BY 1",
    "expr-deep": "SELECT " + "(" * 60 + "1" + ")" * 60,
    "columns-101": "SELECT " + ",".join(str(i) for i in range(101)),
    "variables": "SELECT ?1, ?100, ?101, :a, @b, $c",
    "triggers": "CREATE TABLE t(a);CREATE TRIGGER tr AFTER INSERT ON t WHEN new.a < 10"
                " BEGIN INSERT INTO t VALUES(new.a+1); END;PRAGMA recursive_triggers=1;"
                "INSERT INTO t VALUES(1);SELECT count(*) FROM t",
    "fts5": "CREATE VIRTUAL TABLE f USING fts5(body);INSERT INTO f VALUES('hello world');"
            "SELECT * FROM f WHERE f MATCH 'hello';SELECT highlight(f, 0, '[', ']') FROM f('world')",
    "fts5-shadow-write": "CREATE VIRTUAL TABLE f USING fts5(b);INSERT INTO f_data VALUES(10, x'00')",
    "fts5-source-id": "SELECT fts5_source_id()",
    "fts3": "CREATE VIRTUAL TABLE f USING fts3(body)",
    "fts4": "CREATE VIRTUAL TABLE f USING fts4(body)",
    "fts5vocab": "CREATE VIRTUAL TABLE f USING fts5(b);CREATE VIRTUAL TABLE v USING fts5vocab(f, 'row')",
    "rtree": "CREATE VIRTUAL TABLE r USING rtree(id, x0, x1);INSERT INTO r VALUES(1, 0, 1);"
             "SELECT * FROM r WHERE x0 < 5",
    "rtreenode": "SELECT rtreenode(2, x'00')",
    "dbstat": "SELECT * FROM dbstat",
    "sqlite-stmt": "SELECT * FROM sqlite_stmt",
    "sqlite-master-write": "CREATE TABLE t(a);UPDATE sqlite_master SET sql='x'",
    "sqlite-dbpage": "SELECT * FROM sqlite_dbpage",
    "readfile": "SELECT readfile('/etc/passwd')",
    "edit-column": "CREATE TABLE edit(edit);SELECT edit FROM edit",
    "savepoints": "SAVEPOINT a;CREATE TABLE t(x);RELEASE a;BEGIN;INSERT INTO t VALUES(1);ROLLBACK",
    "returning": "CREATE TABLE t(a);INSERT INTO t VALUES(1),(2) RETURNING a, a*2",
    "upsert": "CREATE TABLE t(a PRIMARY KEY, b);INSERT INTO t VALUES(1,1) ON CONFLICT(a)"
              " DO UPDATE SET b=b+1;INSERT INTO t VALUES(1,1) ON CONFLICT(a) DO UPDATE SET b=b+1",
    "generated": "CREATE TABLE t(a, b AS (a*2) STORED, c AS (a||'x'));INSERT INTO t(a) VALUES(3);SELECT * FROM t",
    "explain": "EXPLAIN SELECT 1;EXPLAIN QUERY PLAN SELECT 1",
    "analyze": "CREATE TABLE t(a);CREATE INDEX i ON t(a);INSERT INTO t VALUES(1);ANALYZE;SELECT * FROM sqlite_stat1",
    "reindex": "CREATE TABLE t(a COLLATE NOCASE);CREATE INDEX i ON t(a);REINDEX",
    "strings-odd": "SELECT 'a''b', \"c\", [d], `e`, x'', 'é\x01'",
    "unterminated": "SELECT 'abc",
    "comment-only": "-- nothing\n/* more */;",
    "date": "SELECT date('now','localtime'), strftime('%s','now'), julianday('2020-01-01')",
    "math-edge": "SELECT 9223372036854775807+1, -9223372036854775808/-1, 1e308*10, 0.0/0, -0.0, abs(-9223372036854775808)",
}


def sql_seeds():
    for k, v in SQL.items():
        put("sql", k, v)
        put("keyword", k, v)
    # Executor harness only: requests separated by NUL, 0x01 = reopen.
    put("sql", "multi-txn", "CREATE TABLE t(a);BEGIN;INSERT INTO t VALUES(1)\x00"
        "INSERT INTO t VALUES(2)\x00COMMIT;SELECT * FROM t")
    put("sql", "reopen-hot-txn", "CREATE TABLE t(a);BEGIN;INSERT INTO t VALUES(zeroblob(30000))\x00"
        "\x01SELECT count(*) FROM t")
    put("sql", "reopen-cap", "CREATE TABLE t(b)\x00\x01INSERT INTO t VALUES(zeroblob(49000))\x00"
        "\x01INSERT INTO t SELECT b FROM t\x00INSERT INTO t SELECT b FROM t\x00\x01SELECT count(*) FROM t")
    # A write rolled back at close on a database of no pages: the empty
    # journal it leaves must go, and taking the lock must not write page 1.
    put("sql", "regress-rolled-back-write-empty-db", "SAVEPOINT a;CREATE TABLE t(x)\x00"
        "\x01SAVEPOINT a;CREATE TABLE t(x)")
    put("sql", "full-then-read", "CREATE TABLE t(b);"
        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<10)"
        " INSERT INTO t SELECT zeroblob(30000) FROM c\x00SELECT count(*) FROM t")
    kw = [
        "SELECT 'attach'", "SELECT \"attach\"", "SELECT [attach]", "SELECT `attach`",
        "SELECT 1 -- attach\n", "SELECT 1 /* attach */", "SELECT 1 /* attach",
        "SELECT edit FROM t", "SELECT edit (1)", "SELECT edit -- x\n(1)",
        "CREATE TABLE edit(x)", "INSERT INTO edit(x) VALUES(1)",
        "CREATE INDEX i ON edit(x)", "SELECT t.edit(1)", "WITH edit(x) AS (SELECT 1) SELECT * FROM edit",
        "SELECT fts5_decode(1)", "SELECT fts5_xyz(1)", "SELECT * FROM fts5_data",
        "CREATE VIRTUAL TABLE f USING fts5(b)", "SELECT attached, x_attach", "SELECT ATTACH",
        "SELECT $attach, :attach, @attach, ?1attach", "SELECT 1 /**/ AtTaCh",
        "SELECT load_extension\t(\n'x')", "SELECT sqlite_dbpage", "SELECT \xe9attach",
        "SELECT 'a'||'b' /* '/ attach", "SELECT '' attach", "SELECT x'41' DETACH",
        # token-aware forms (issue 15): quoted calls, statement position,
        # names that are not calls, and where SQLite's tokens end
        "SELECT \"load_extension\"('x')", "SELECT `readfile`(1)", "SELECT [fts5_source_id]()",
        "SELECT \"load_extension\" /* c */ ('x')", "SELECT load_extension/**/('x')",
        "SELECT [edit]--c\n('x')", "SELECT edit \f\v('x')", "SELECT edit \ufeff('x')",
        "\ufeffATTACH 'x' AS y", "EXPLAIN QUERY PLAN ATTACH 'x' AS y",
        "SELECT 1; /* c */ DETACH y", "\"ATTACH\" 'x' AS y",
        "VACUUM", "VACUUM temp", "VACUUM \"TEMP\" INTO 'x'", "VACUUM main INTO 'x'",
        "VACUUM temp INTO readfile('x')", "EXPLAIN VACUUM INTO 'x'",
        "CREATE TABLE emails(id, subject, attach BLOB)", "SELECT 1 AS detach",
        "WITH a AS (SELECT 1), edit AS (SELECT 2) SELECT * FROM edit",
        "WITH a AS (SELECT 1), edit(x) AS NOT MATERIALIZED (SELECT 2) SELECT * FROM edit",
        "SELECT with, load_extension('x') FROM t", "SELECT cast(1 AS edit(3))",
        "CREATE VIRTUAL TABLE v USING edit(a)", "CREATE INDEX i ON [edit](a)",
        "SELECT main.printf('%d', 1)", "SELECT printf FROM t", "SELECT 'load_extension(1)'",
        "SELECT x'' '', load_extension('x')", "SELECT $a(\") , load_extension('x') --\")",
        "SELECT :a::b(\"x) , edit(1)", "SELECT ?1edit('x')", "SELECT 0x1fz, edit(1)",
        "SELECT 1e+edit(1)", "SELECT * FROM 'sqlite_dbpage'",
        "SELECT sum(a) OVER edit FROM t WINDOW edit AS (ORDER BY a)",
        "SELECT edit(a) OVER (ORDER BY a) FROM t", "CREATE TEMP TABLE edit(a)",
        "SELECT ((((((((with a as (select 1), edit(x) as (select 2) select 1))))))))",
    ]
    for i, v in enumerate(kw):
        put("keyword", "kw-%02d" % i, v)


# ---- result: [byte cap] then [type][payload]... (see fuzz_result.c) ----
def result_seeds():
    i64 = lambda v: b"\x00" + struct.pack(">q", v)
    dbl = lambda v: b"\x01" + struct.pack(">d", v)
    text = lambda b: b"\x02" + bytes([(len(b) + 3) // 4]) + b.ljust((len(b) + 3) // 4 * 4, b" ")
    blob = lambda b: b"\x03" + bytes([(len(b) + 3) // 4]) + b.ljust((len(b) + 3) // 4 * 4, b"\x00")
    special = lambda k: b"\x05" + bytes([k])
    put("result", "ints", b"\x14" + i64(0) + i64(-1) + i64(2**63 - 1) + i64(-2**63) + i64(2**53 + 1))
    put("result", "doubles", b"\x14" + dbl(0.1) + dbl(-0.0) + dbl(1e300) + dbl(5e-324) + dbl(2.0))
    put("result", "specials", b"\x14" + b"".join(special(k) for k in range(8)))
    put("result", "nan-inf", b"\x14" + special(13) + special(14) + special(15) +
        b"\x01\x7f\xf8\x00\x00\x00\x00\x00\x01")
    put("result", "text-utf8", b"\x14" + text("héllo ☃ 😀 \u2028\u2029".encode()))
    put("result", "text-invalid", b"\x14" + text(b"\xff\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82"))
    put("result", "text-ctl-nul", b"\x14" + text(b"a\x00b\x01\x1f\x7f\"\\\n\r\t\b\f"))
    put("result", "blobs", b"\x14" + blob(b"") + blob(b"\x00\xff\x10") + blob(bytes(range(256))[:200]))
    put("result", "nulls", b"\x14\x04\x04\x04")
    put("result", "tiny-cap", b"\x00" + text(b"x" * 40) + i64(5))
    put("result", "mixed", b"\x08" + i64(42) + text(b"col\"name\xff") + dbl(3.5) + blob(b"xyz") + b"\x04")


def args_seeds():
    """fuzz_args: mode byte 0 (positional JSON), 1 (named JSON, last byte
    picks the statement), 2 (a raw wire frame), 3 (any JSON text)."""
    pos = lambda t: b"\x00" + t.encode()
    named = lambda t, pick=0: b"\x01" + t.encode() + bytes([pick])
    put("args", "pos-ints", pos('[0,-0,1,-9223372036854775808,9223372036854775807,9007199254740993]'))
    put("args", "pos-mixed", pos('[1.5,-0.0,1e-400,"a\\u0000b","\\ud83d\\ude00",null,true,false]'))
    put("args", "pos-typed", pos('[{"type":"integer","value":"-9223372036854775808"},'
                                 '{"type":"float","value":1},{"type":"text","value":"x"},'
                                 '{"type":"blob","base64":"AP8A/w=="},{"type":"blob","base64":"QQ"},'
                                 '{"type":"blob","base64":""},{"type":"null"}]'))
    put("args", "pos-out-of-range", pos('[9223372036854775808]'))
    put("args", "pos-inf", pos('[1e400]'))
    put("args", "pos-bad-base64", pos('[{"type":"blob","base64":"QR=="}]'))
    put("args", "pos-extra-member", pos('[{"type":"null","value":null}]'))
    put("args", "pos-nested", pos('[[1],{}]'))
    put("args", "pos-101", pos("[" + ",".join(str(i) for i in range(101)) + "]"))
    put("args", "named-abc", named('{":a":1,"b":"two","$c":{"type":"float","value":3.5}}'))
    put("args", "named-bare-full", named('{"a":1,":a":2}', 5))
    put("args", "named-unknown", named('{"a":1,"zz":2}', 1))
    put("args", "named-tcl", named('{"a::b(c)":1,"@a":2}', 5))
    put("args", "named-empty", named('{"":1,":":2}'))
    put("args", "named-nul-text", named('{"k":"\\u0000\\u0000"}', 7))
    put("args", "named-array-to-named", named('[1,2]', 4))
    u32 = lambda n: struct.pack("<I", n)
    ent = lambda t, payload=b"": bytes([t]) + payload
    put("args", "frame-positional", b"\x02\x01\x00" + ent(0) + ent(1, struct.pack("<q", -2**63)) +
        ent(2, struct.pack("<d", 2.5)) + ent(3, u32(3) + "h\u00e9".encode()) + ent(4, u32(2) + b"\x00\xff"))
    put("args", "frame-named", b"\x02\x01\x01" + u32(2) + b":a" + ent(1, struct.pack("<q", 7)) +
        u32(1) + b"b" + ent(0))
    put("args", "frame-empty", b"\x02\x01\x00")
    put("args", "frame-nan", b"\x02\x01\x00" + ent(2, b"\x00" * 6 + b"\xf8\x7f"))
    put("args", "frame-long-len", b"\x02\x01\x00" + ent(3, u32(0xffffffff) + b"x"))
    put("args", "frame-dup-name", b"\x02\x01\x01" + (u32(1) + b"a" + ent(0)) * 2)
    put("args", "json-strict", b"\x03" + '{"a":[1,2.5e-3,"\\u00e9\\u0000",true,null,{"b":{}}]}'.encode())
    put("args", "json-bom", b"\x03\xef\xbb\xbf[1]")
    put("args", "json-dup", b"\x03" + b'{"a":1,"a":2}')
    put("args", "json-bad-number", b"\x03" + b'[01,+1,.5,1.]')
    put("args", "json-lone-surrogate", b"\x03" + b'["\\ud800"]')
    put("args", "json-ctl", b"\x03" + b'["a\tb"]')
    put("args", "json-deep", b"\x03" + b"[" * 40 + b"]" * 40)


def proxy_seeds():
    """fuzz_proxy: mode byte 0 (even) + header bytes, 1 (odd) + a list."""
    sig = b"\r\n\r\n\x00\r\nQUIT\n"
    req = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"

    def v2(cmd, fam, body):
        return sig + bytes([cmd, fam]) + struct.pack(">H", len(body)) + body
    tcp4 = bytes([192, 0, 2, 7, 198, 51, 100, 1]) + struct.pack(">HH", 56324, 443)
    tcp6 = bytes(15) + b"\x01" + bytes(15) + b"\x02" + struct.pack(">HH", 1, 2)
    put("proxy", "v1-tcp4", b"\x00PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r\n" + req)
    put("proxy", "v1-tcp6", b"\x00PROXY TCP6 2001:db8::1 2001:db8::2 1 65535\r\n" + req)
    put("proxy", "v1-unknown", b"\x00PROXY UNKNOWN\r\n" + req)
    put("proxy", "v1-long", b"\x00PROXY UNKNOWN " + b"0" * 91 + b"\r\n")
    put("proxy", "v1-mapped", b"\x00PROXY TCP6 ::ffff:1.2.3.4 ::1 1 2\r\n")
    put("proxy", "v2-tcp4", b"\x00" + v2(0x21, 0x11, tcp4) + req)
    put("proxy", "v2-tcp6", b"\x00" + v2(0x21, 0x21, tcp6) + req)
    put("proxy", "v2-local", b"\x00" + v2(0x20, 0x00, b"") + req)
    put("proxy", "v2-tlv", b"\x00" + v2(0x21, 0x11, tcp4 + b"\x04\x00\x03abc"))
    put("proxy", "v2-udp", b"\x00" + v2(0x21, 0x12, tcp4))
    put("proxy", "v2-huge-len", b"\x00" + sig + b"\x21\x11\xff\xff" + tcp4)
    put("proxy", "http", b"\x00" + req)
    put("proxy", "trust-one", b"\x01127.0.0.1")
    put("proxy", "trust-list", b"\x0110.0.0.0/8,192.168.1.128/25,2001:db8::/32,::1,0.0.0.0/0")
    put("proxy", "trust-bad", b"\x0110.0.0.1/8,,::1/129")


if __name__ == "__main__":
    proxy_seeds()
    http_seeds()
    body_seeds()
    token_seeds()
    sql_seeds()
    result_seeds()
    args_seeds()

#!/usr/bin/env python3
"""Write the fuzz_dbimage seeds in tests/fuzz/corpus/dbimage/ (run from the
repository root: python3 tests/fuzz/gen-seeds-dbimage.py). Small database
files (512-byte pages) made by Python's sqlite3, the same SQLite 3.40 the
executor links: sound ones the import accepts, and ones it must refuse
(a forbidden function in a view or trigger, fts4, a WAL-flagged file)."""
import os
import sqlite3

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "dbimage")

SEEDS = {
    # regress-index-row-missing (kept as found by fuzz_dbimage): a file
    # that passed quick_check with a row missing from a UNIQUE index.
    "table": "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL, d BLOB);"
             "INSERT INTO t VALUES(1, 'x', 1.5, x'00ff'),"
             "(9223372036854775807, NULL, -0.0, x'')",
    "schema": "CREATE TABLE p(id INTEGER PRIMARY KEY AUTOINCREMENT, "
              "name TEXT UNIQUE, g AS (id * 2));"
              "CREATE TABLE c(pid REFERENCES p(id) ON DELETE CASCADE, v,"
              " PRIMARY KEY(pid, v)) WITHOUT ROWID;"
              "CREATE INDEX c_v ON c(v) WHERE v > 0;"
              "CREATE VIEW pv AS SELECT name, g FROM p;"
              "CREATE TRIGGER tr AFTER INSERT ON p BEGIN "
              "INSERT INTO c VALUES(new.id, 1); END;"
              "INSERT INTO p(name) VALUES('a'), ('b'); ANALYZE",
    "fts5": "CREATE VIRTUAL TABLE f USING fts5(a, b);"
            "INSERT INTO f VALUES('alpha beta', 'gamma')",
    "rtree": "CREATE VIRTUAL TABLE r USING rtree(id, x0, x1);"
             "INSERT INTO r VALUES(1, 0.5, 2.5)",
    "view-printf": "CREATE VIEW v AS SELECT printf('%d', 1) AS x",
    "trigger-load-extension": "CREATE TABLE t(a); CREATE TRIGGER tr "
                              "AFTER INSERT ON t BEGIN "
                              "SELECT load_extension('x'); END",
    "fts4": "CREATE VIRTUAL TABLE f USING fts4(a)",
}


def image(sql, wal=False):
    path = os.path.join(OUT, ".tmp.db")
    for p in (path, path + "-wal", path + "-shm"):
        if os.path.exists(p):
            os.unlink(p)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA page_size=512")
    if wal:
        db.execute("PRAGMA journal_mode=WAL")
    db.executescript(sql)
    db.close()
    with open(path, "rb") as f:
        data = f.read()
    os.unlink(path)
    return data


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, sql in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(image(sql))
    with open(os.path.join(OUT, "wal"), "wb") as f:
        f.write(image(SEEDS["table"], wal=True))


main()

#!/usr/bin/env python3
"""mkdb.py SQL DB: build the SQLite file DB from the script SQL (the
Makefile's sample dataset). A fresh file, rollback-journal mode (walkind
refuses WAL datasets), written to DB.tmp and renamed, so a build cut short
never leaves a half file that `make run` would then refuse."""
import os
import sqlite3
import sys

sql, db = sys.argv[1], sys.argv[2]
tmp = db + ".tmp"
if os.path.exists(tmp):
	os.unlink(tmp)
con = sqlite3.connect(tmp)
con.execute("PRAGMA journal_mode=DELETE")
with open(sql, encoding="utf-8") as f:
	con.executescript(f.read())
con.commit()
con.execute("VACUUM")
con.close()
os.rename(tmp, db)

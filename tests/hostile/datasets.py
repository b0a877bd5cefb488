"""
datasets.py: attacks on a read-only dataset (--dataset, issue 17).

The group serves tests/blackbox's sample dataset as "shop" (built here
from data/sample.sql into a temp dir beside a file that must stay out of
reach) and a private one as "vault". Every entry tries to change the
dataset, to learn or read what the walk-in was not granted, or to reach
the files beside it: each is refused with its exact message, and after
every case both files still have their sha256 of the start, with no
journal beside them (the dataset is opened immutable=1, so a write that
got through would be silent corruption, not an error).
"""

import atexit
import os
import shutil
import tempfile

from harness import check, eq
from hostile import FB, IS, HGroup, add_sql_table
from test_datasets import build_db, sha256

HERE = os.path.dirname(os.path.abspath(__file__))
DS_DIR = tempfile.mkdtemp(prefix="walkind-hostile-ds-")
os.chmod(DS_DIR, 0o755)
atexit.register(shutil.rmtree, DS_DIR, True)


def _build(name, script):
	return build_db(os.path.join(DS_DIR, name), script)


with open(os.path.join(HERE, "..", "..", "data", "sample.sql")) as _f:
	SHOP = _build("shop.db", _f.read())
VAULT = _build("vault.db", "CREATE TABLE secrets(k, v); "
	       "INSERT INTO secrets VALUES('key', 'hunter2');")
BESIDE = os.path.join(DS_DIR, "beside.db")
shutil.copy(SHOP, BESIDE)
os.chmod(BESIDE, 0o644)


SHA = {p: sha256(p) for p in (SHOP, VAULT, BESIDE)}

g = HGroup("datasets", ["--dataset", f"shop={SHOP}",
			"--dataset", f"vault={VAULT},private"])

D = FB + "DATASET shop"
A = FB + "ATTACH"
NT = IS + "no such table: "


def untouched(d, tok, uid):
	for p, want in SHA.items():
		eq(sha256(p), want, f"sha256 of {os.path.basename(p)}")
		for ext in ("-journal", "-wal", "-shm"):
			check(not os.path.exists(p + ext), f"{p}{ext} appeared")


ENTRIES = [
	# Writes, in every form SQLite has.
	("INSERT INTO shop.orders VALUES(100, 1, 1, 1, 'x')", 400, D),
	("INSERT OR IGNORE INTO shop.orders DEFAULT VALUES", 400, D),
	("INSERT INTO shop.orders SELECT * FROM shop.orders", 400, D),
	("UPDATE shop.orders SET quantity = quantity + 1", 400, D),
	("UPDATE OR REPLACE shop.customers SET id = 1", 400, D),
	("DELETE FROM shop.orders WHERE 1", 400, D),
	("WITH c AS (SELECT 1) DELETE FROM shop.orders", 400, D),
	("INSERT INTO shop.customers VALUES(1, 'x', 'y') ON CONFLICT(id) "
	 "DO UPDATE SET name = 'pwned'", 400, D),
	("INSERT INTO shop.orders VALUES(101, 1, 1, 1, 'x') RETURNING *", 400, D),
	# DDL and maintenance.
	("CREATE TABLE shop.x AS SELECT 1", 400, D),
	("CREATE UNIQUE INDEX shop.u ON customers(name)", 400, D),
	("CREATE TEMP TRIGGER t AFTER INSERT ON shop.orders BEGIN SELECT 1; END",
	 400, FB + "TEMP"),
	("DROP TABLE IF EXISTS shop.orders", 400, D),
	("ALTER TABLE shop.customers DROP COLUMN city", 400, D),
	("ALTER TABLE shop.customers RENAME COLUMN name TO n", 400, D),
	("REINDEX", 400, D),
	("ANALYZE shop.orders", 400, D),
	("VACUUM shop", 400, FB + "VACUUM"),
	("VACUUM shop INTO '/tmp/walkind-hostile-copy.db'", 400, FB + "VACUUM"),
	# Settings that would change how the file is read or written.
	("PRAGMA shop.journal_mode = OFF", 400, D),
	("PRAGMA shop.locking_mode = NORMAL", 400, D),
	("PRAGMA shop.synchronous = FULL", 400, D),
	("PRAGMA shop.auto_vacuum = FULL", 400, D),
	("PRAGMA shop.application_id = 1", 400, D),
	("PRAGMA shop.wal_checkpoint", 400, D),
	("PRAGMA shop.optimize", 400, D),
	("PRAGMA shop.incremental_vacuum", 400, D),
	("PRAGMA shop.quick_check", 400, D),
	# Re-attaching, detaching, reaching the files beside it.
	("DETACH shop", 400, FB + "DETACH"),
	(f"ATTACH '{SHOP}' AS shop_rw", 400, A),
	(f"ATTACH 'file:{SHOP}?mode=rw' AS shop_rw", 400, A),
	(f"ATTACH '{BESIDE}' AS beside", 400, A),
	(f"ATTACH '{VAULT}' AS vault2", 400, A),
	(f"ATTACH 'file:{VAULT}?immutable=1' AS vault2", 400, A),
	# The private dataset is not there for a default walk-in.
	("SELECT * FROM vault.secrets", 400, NT + "vault.secrets"),
	("SELECT * FROM vault.sqlite_schema", 400, NT + "vault.sqlite_schema"),
	("SELECT name FROM pragma_table_list WHERE schema = 'vault'", 200, None,
	 {"rows": []}),
	# Reads that are allowed stay reads.
	("SELECT count(*) FROM shop.orders", 200, None, {"rows": [[8]]}),
]

add_sql_table(g, "dataset", ENTRIES, extra=untouched)

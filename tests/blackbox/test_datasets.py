"""
test_datasets.py: read-only datasets (--dataset NAME=FILE[,private],
issue 17).

A public dataset ("shop", built from data/sample.sql) is readable from
every walk-in as schema shop; every write, DDL, PRAGMA, ATTACH and DETACH
on it is refused (each statement run again after a hostile run), and the
file's sha256 is the same after all of it. A private dataset ("vault")
is not attached for a walk-in whose grant does not name it. GET
/session/schema lists the datasets the walk-in reads, and the exports
hold the walk-in's own schema only.

The grant and the byte cap are fixed at create time and stored in the
walk-in's meta (walkin_spec.h); a fork takes its source's. Until the JWT front end creates walk-ins
with a grant, the meta is the way in: the test rewrites a walk-in's meta
(as root, the only writer besides the spawner), kills its executor, and
the next executor applies the new grant and cap (shop:orders narrows the
tables; vault:* names the private one; "!" none). Old metas without the
new lines load as the default.

Startup: a missing file, a file that is not SQLite, a corrupt database, a
WAL-mode file and bad names are refused with one line, exit 1 (2 for the
names, as every bad option). A dataset changed while walkind runs is not
attached by the next executor (its tables are unknown, and the daemon
logs it).
"""

import atexit
import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile

import harness
from harness import (Group, check, eq, expect_error, expect_ok, wait_until)

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE_SQL = os.path.join(HERE, "..", "..", "data", "sample.sql")

# Outside every data dir, readable by the service user (walkind drops
# root before it checks the files), removed at exit.
DS_DIR = tempfile.mkdtemp(prefix="walkind-bb-ds-")
os.chmod(DS_DIR, 0o755)
atexit.register(shutil.rmtree, DS_DIR, True)


def build_db(path, script):
	con = sqlite3.connect(path)
	con.execute("PRAGMA journal_mode=DELETE")
	con.executescript(script)
	con.commit()
	con.close()
	os.chmod(path, 0o644)
	return path


def sha256(path):
	with open(path, "rb") as f:
		return hashlib.sha256(f.read()).hexdigest()


with open(SAMPLE_SQL, encoding="utf-8") as _f:
	SHOP = build_db(os.path.join(DS_DIR, "shop.db"), _f.read())
VAULT = build_db(os.path.join(DS_DIR, "vault.db"),
		 "CREATE TABLE secrets(k, v); INSERT INTO secrets VALUES('a', 1);")
MOVING = build_db(os.path.join(DS_DIR, "moving.db"),
		  "CREATE TABLE m(x); INSERT INTO m VALUES(1);")
with open(os.path.join(DS_DIR, "notes.txt"), "w") as _f:
	_f.write("beside the datasets\n")
SHOP_SHA = sha256(SHOP)
VAULT_SHA = sha256(VAULT)

g = Group("datasets", ["--dataset", f"shop={SHOP}",
		       "--dataset", f"vault={VAULT},private"])
moving = Group("datasets-changed", ["--dataset", f"moving={MOVING}"])
cli = Group("datasets-cli", daemon=False)

DENIED = "forbidden sql keyword: DATASET shop"

# Every way to change a dataset, or to reach past it.
HOSTILE = [
	("INSERT INTO shop.orders VALUES(99, 1, 1, 1, 'x')", DENIED),
	("INSERT INTO shop.orders SELECT * FROM shop.orders", DENIED),
	("UPDATE shop.products SET price = 0", DENIED),
	("DELETE FROM shop.orders", DENIED),
	("REPLACE INTO shop.customers VALUES(1, 'x', 'y')", DENIED),
	("CREATE TABLE shop.t(x)", DENIED),
	("CREATE INDEX shop.i ON orders(quantity)", DENIED),
	("CREATE VIEW shop.v AS SELECT 1", DENIED),
	("CREATE TRIGGER shop.tr AFTER INSERT ON orders BEGIN SELECT 1; END",
	 DENIED),
	("CREATE VIRTUAL TABLE shop.f USING fts5(a)", DENIED),
	("DROP TABLE shop.orders", DENIED),
	("DROP VIEW shop.order_totals", DENIED),
	("DROP INDEX shop.orders_customer", DENIED),
	("ALTER TABLE shop.orders ADD COLUMN z", DENIED),
	("ALTER TABLE shop.orders RENAME TO o2", DENIED),
	("ANALYZE shop", DENIED),
	("ANALYZE", DENIED),
	("REINDEX shop.orders_customer", DENIED),
	("PRAGMA shop.user_version = 7", DENIED),
	("PRAGMA shop.user_version", DENIED),
	("PRAGMA shop.journal_mode = DELETE", DENIED),
	("PRAGMA shop.page_size = 512", DENIED),
	("PRAGMA shop.max_page_count = 1", DENIED),
	("PRAGMA shop.integrity_check", DENIED),
	("PRAGMA shop.schema_version = 1", DENIED),
	("PRAGMA shop.writable_schema = 1", DENIED),
	("PRAGMA shop.freelist_count", DENIED),
	("PRAGMA shop.cache_size = 1", DENIED),
	("ATTACH 'x' AS y", "forbidden sql keyword: ATTACH"),
	(f"ATTACH '{SHOP}' AS shop2", "forbidden sql keyword: ATTACH"),
	(f"ATTACH 'file:{VAULT}?mode=ro' AS v", "forbidden sql keyword: ATTACH"),
	("DETACH shop", "forbidden sql keyword: DETACH"),
	("DETACH DATABASE shop", "forbidden sql keyword: DETACH"),
	("VACUUM shop", "forbidden sql keyword: VACUUM"),
	("VACUUM shop INTO '/tmp/x.db'", "forbidden sql keyword: VACUUM"),
]


def hostile_run(d, tok):
	for sql, msg in HOSTILE:
		expect_error(d.sql(sql, tok), 400, msg)


def kill_executors(d, uid):
	"""End the walk-in's executor, so its next request starts a fresh
	one that reads the meta again."""
	for pid in d.executors(uid):
		try:
			os.kill(pid, signal.SIGKILL)
		except OSError:
			pass
	check(wait_until(lambda: not d.executors(uid), 5.0),
	      "the walk-in's executor did not end")


def meta_of(d, uid):
	"""(how, text): the walk-in's meta, xattr or file (registry.h)."""
	path = d.inst(uid)
	try:
		return "xattr", os.getxattr(path, "user.walkind.meta").decode()
	except OSError:
		with open(os.path.join(path, "meta")) as f:
			return "file", f.read()


def set_meta(d, uid, extra):
	"""Rewrite the meta with extra lines (the spec's), as the spawner
	writes them for a create that carries a spec."""
	how, text = meta_of(d, uid)
	base = "".join(l + "\n" for l in text.splitlines()
		       if not l.startswith(("max-db-bytes ", "grant ")))
	new = base + extra
	if how == "xattr":
		os.setxattr(d.inst(uid), "user.walkind.meta", new.encode())
	else:
		with open(os.path.join(d.inst(uid), "meta"), "w") as f:
			f.write(new)


def walkin_with(d, extra):
	tok, uid, _ = d.create("CREATE TABLE mine(x)")
	check(uid is not None, "no walk-in directory")
	set_meta(d, uid, extra)
	kill_executors(d, uid)
	return tok, uid


def rows(d, tok, sql):
	return expect_ok(d.sql(sql, tok))["rows"]


# ---------------------------------------------------------------- public

@g.case
def readable_from_every_walkin(d):
	for _ in range(2):
		tok, _, _ = d.create("SELECT 1")
		eq(rows(d, tok, "SELECT count(*) FROM shop.orders"), [[8]], "orders")
		eq(rows(d, tok, "SELECT name FROM shop.customers WHERE id = 1"),
		   [["Ada"]], "a row")
		eq(rows(d, tok, "SELECT total FROM shop.order_totals WHERE id = 3"),
		   [[378.0]], "a view of the dataset")
		eq(rows(d, tok, "SELECT count(*) FROM SHOP.Orders"), [[8]],
		   "names are case-insensitive, as in SQLite")
	# Without a token: the walk-in made by this request reads it too.
	eq(expect_ok(d.sql("SELECT count(*) FROM shop.products"))["rows"], [[5]],
	   "a create through /sql")


@g.case
def copy_into_own_walkin(d):
	tok, _, _ = d.create("CREATE TABLE big AS SELECT * FROM shop.orders")
	eq(rows(d, tok, "SELECT count(*) FROM big"), [[8]], "copied rows")
	eq(rows(d, tok, "SELECT count(*) FROM main.big JOIN shop.customers c "
		"ON c.id = big.customer_id"), [[8]], "a join across schemas")
	# Introspection of a granted table is a read.
	r = rows(d, tok, "SELECT name FROM pragma_table_info('orders', 'shop')")
	eq(r[0], ["id"], "pragma_table_info on the dataset")


@g.case
def writes_ddl_pragmas_refused(d):
	tok, _, _ = d.create("CREATE TABLE t(x)")
	hostile_run(d, tok)
	# The walk-in itself is unharmed and its own schema still works.
	expect_ok(d.sql("INSERT INTO t VALUES(1)", tok))
	expect_ok(d.sql("ANALYZE main", tok))
	eq(rows(d, tok, "SELECT count(*) FROM shop.orders"), [[8]], "still readable")


@g.case
def views_and_triggers_cannot_reach_it(d):
	tok, _, _ = d.create("CREATE TABLE t(x)")
	expect_error(d.sql("CREATE VIEW v AS SELECT * FROM shop.orders", tok),
		     400, prefix="invalid sql: view v cannot reference objects in "
		     "database shop")
	expect_error(d.sql("CREATE TRIGGER tr AFTER INSERT ON t BEGIN "
			   "DELETE FROM shop.orders; END", tok), 400, prefix="invalid sql")


@g.case
def file_untouched_after_hostile_run(d):
	tok, _, _ = d.create("CREATE TABLE t(x)")
	hostile_run(d, tok)
	# In one transaction, with a write to main first, and as a script.
	for sql in ("BEGIN; INSERT INTO t VALUES(1); DELETE FROM shop.orders; "
		    "COMMIT", "BEGIN IMMEDIATE", "UPDATE shop.orders SET quantity = 0",
		    "COMMIT", "BEGIN EXCLUSIVE", "ROLLBACK"):
		d.sql(sql, tok)
	eq(rows(d, tok, "SELECT sum(quantity) FROM shop.orders"), [[21]],
	   "the dataset's rows")
	eq(sha256(SHOP), SHOP_SHA, "shop.db sha256 after the hostile run")
	eq(sha256(VAULT), VAULT_SHA, "vault.db sha256")
	check(not os.path.exists(SHOP + "-journal"), "no journal beside the dataset")


@g.case
def private_not_visible_by_default(d):
	tok, _, _ = d.create("SELECT 1")
	expect_error(d.sql("SELECT * FROM vault.secrets", tok), 400,
		     prefix="invalid sql: no such table: vault.secrets")


@g.case
def schema_lists_datasets(d):
	tok, _, _ = d.create("CREATE TABLE mine(x)")
	j = expect_ok(d.get("/session/schema", headers={"X-Walkin-Session": tok}))
	eq([t["name"] for t in j["tables"]], ["mine"], "the walk-in's own tables")
	ds = j.get("datasets")
	eq([x["name"] for x in ds], ["shop"], "datasets listed (not the private one)")
	names = [(t["name"], t["type"]) for t in ds[0]["tables"]]
	eq(names, [("customers", "table"), ("order_totals", "view"),
		   ("orders", "table"), ("products", "table")], "shop's tables")
	cols = [c["name"] for c in ds[0]["tables"][2]["columns"]]
	eq(cols, ["id", "customer_id", "product_id", "quantity", "ordered_at"],
	   "orders' columns")


@g.case
def exports_hold_own_schema_only(d):
	tok, _, _ = d.create("CREATE TABLE mine(x); INSERT INTO mine VALUES(7)")
	h = {"X-Walkin-Session": tok}
	r = d.get("/session/export.sql", headers=h)
	eq(r.status, 200, "export.sql")
	text = r.body.decode()
	check("mine" in text and "orders" not in text and "Ada" not in text,
	      f"export.sql holds the dataset: {text[:300]}")
	r = d.get("/session/export.db", headers=h)
	eq(r.status, 200, "export.db")
	path = os.path.join(DS_DIR, "export-check.db")
	with open(path, "wb") as f:
		f.write(r.body)
	con = sqlite3.connect(path)
	names = [x[0] for x in con.execute("SELECT name FROM sqlite_schema")]
	con.close()
	os.unlink(path)
	eq(names, ["mine"], "export.db's schema")


@g.case
def cap_not_counted(d):
	tok, _, _ = d.create("SELECT 1")
	info = expect_ok(d.get("/session", headers={"X-Walkin-Session": tok}))
	check(info.get("bytes_used", 1 << 30) < os.path.getsize(SHOP),
	      f"bytes_used {info.get('bytes_used')} counts the dataset")


# ---------------------------------------------------------------- grants

@g.case
def grant_narrows_tables(d):
	tok, uid = walkin_with(d, "grant shop:orders,products\n")
	eq(rows(d, tok, "SELECT count(*) FROM shop.orders"), [[8]], "a granted table")
	eq(rows(d, tok, "SELECT count(*) FROM shop.products"), [[5]], "another")
	expect_error(d.sql("SELECT * FROM shop.customers", tok), 400,
		     "forbidden sql keyword: DATASET shop.customers")
	expect_error(d.sql("SELECT * FROM shop.order_totals", tok), 400,
		     prefix="forbidden sql keyword: DATASET shop.")
	expect_error(d.sql("SELECT * FROM shop.sqlite_schema", tok), 400,
		     prefix="forbidden sql keyword: DATASET shop.sqlite_")
	expect_error(d.sql("SELECT * FROM pragma_table_info('customers', 'shop')",
			   tok), 400, DENIED)
	expect_error(d.sql("SELECT * FROM vault.secrets", tok), 400,
		     prefix="invalid sql: no such table")
	j = expect_ok(d.get("/session/schema", headers={"X-Walkin-Session": tok}))
	eq([t["name"] for t in j["datasets"][0]["tables"]], ["orders", "products"],
	   "schema lists the granted tables only")
	eq(meta_of(d, uid)[1].splitlines()[-1], "grant shop:orders,products",
	   "the grant stays in the meta")


@g.case
def grant_private_and_none(d):
	tok, _ = walkin_with(d, "grant vault:*\n")
	eq(rows(d, tok, "SELECT v FROM vault.secrets"), [[1]], "the private dataset")
	expect_error(d.sql("SELECT * FROM shop.orders", tok), 400,
		     prefix="invalid sql: no such table")
	expect_error(d.sql("DELETE FROM vault.secrets", tok), 400,
		     "forbidden sql keyword: DATASET vault")
	tok, _ = walkin_with(d, "grant !\n")
	expect_error(d.sql("SELECT * FROM shop.orders", tok), 400,
		     prefix="invalid sql: no such table")
	eq(rows(d, tok, "SELECT count(*) FROM mine"), [[0]], "its own table")


@g.case
def fork_keeps_grant_and_cap(d):
	tok, _ = walkin_with(d, "max-db-bytes 131072\ngrant shop:orders\n")
	r = d.request("POST", "/session/fork", headers={
		"X-Walkin-Session": tok, "Content-Length": "0"})
	eq(r.status, 201, f"fork: {r.body[:200]!r}")
	fork = r.json()["session"]
	eq(rows(d, fork, "SELECT count(*) FROM shop.orders"), [[8]], "granted")
	expect_error(d.sql("SELECT * FROM shop.customers", fork), 400,
		     "forbidden sql keyword: DATASET shop.customers")
	info = expect_ok(d.get("/session", headers={"X-Walkin-Session": fork}))
	eq(info.get("bytes_limit"), 131072, "the fork's cap is its source's")
	fuid = harness.token_uuid(fork)
	d.uuids.add(fuid)
	text = meta_of(d, fuid)[1]
	check("grant shop:orders\n" in text and "max-db-bytes 131072\n" in text,
	      f"the fork's meta: {text!r}")


@g.case
def meta_cap_applied(d):
	tok, _ = walkin_with(d, "max-db-bytes 131072\n")
	info = expect_ok(d.get("/session", headers={"X-Walkin-Session": tok}))
	eq(info.get("bytes_limit"), 131072, "the walk-in's own cap")
	expect_error(d.sql("CREATE TABLE f AS WITH RECURSIVE c(n) AS (SELECT 1 "
			   "UNION ALL SELECT n + 1 FROM c LIMIT 2000) "
			   "SELECT n, randomblob(100) FROM c", tok), 507)


@g.case
def bad_meta_spawns_nothing(d):
	tok, _ = walkin_with(d, "grant shop:\n")
	expect_error(d.sql("SELECT 1", tok), 500, "internal error")


@g.case
def old_meta_is_default(d):
	tok, _ = walkin_with(d, "")
	eq(rows(d, tok, "SELECT count(*) FROM shop.orders"), [[8]],
	   "a meta without spec lines: every public dataset")
	expect_error(d.sql("SELECT * FROM vault.secrets", tok), 400,
		     prefix="invalid sql: no such table")


# ---------------------------------------------------------------- changed

@moving.case
def changed_dataset_not_attached(d):
	tok, uid, _ = d.create("SELECT 1")
	eq(rows(d, tok, "SELECT count(*) FROM moving.m"), [[1]], "before")
	con = sqlite3.connect(MOVING)
	con.execute("INSERT INTO m VALUES(2)")
	con.commit()
	con.close()
	kill_executors(d, uid)
	expect_error(d.sql("SELECT count(*) FROM moving.m", tok), 400,
		     prefix="invalid sql: no such table: moving.m")
	tok2, _, _ = d.create("SELECT 1")
	expect_error(d.sql("SELECT * FROM moving.m", tok2), 400,
		     prefix="invalid sql: no such table")
	log = d.stderr_text()
	if isinstance(log, bytes):
		log = log.decode("utf-8", "replace")
	check("dataset moving: changed since start" in log,
	      "the daemon logs the change")


# ---------------------------------------------------------------- startup

def start_with(args, timeout=10):
	tmp = tempfile.mkdtemp(prefix="walkind-bb-ds-cli-")
	try:
		argv = [harness.BINARY, "--data-dir", tmp, "--listen",
			f"127.0.0.1:{harness.free_port()}"] + args
		try:
			return subprocess.run(argv, capture_output=True, timeout=timeout,
					      stdin=subprocess.DEVNULL)
		except subprocess.TimeoutExpired:
			for pid in harness.pgrep(tmp):
				os.kill(pid, 9)
			raise AssertionError(f"{args}: still running (started?)")
	finally:
		shutil.rmtree(tmp, ignore_errors=True)


def refused(args, code, *words):
	p = start_with(args)
	err = p.stderr.decode("utf-8", "replace")
	eq(p.returncode, code, f"exit code for {args}: {err}")
	lines = [l for l in err.splitlines() if "fatal" in l or "invalid" in l]
	eq(len(lines), 1, f"one line of refusal: {err}")
	for w in words:
		check(w in lines[0], f"{w!r} not in {lines[0]!r}")


@cli.case
def refuses_missing(d):
	refused(["--dataset", f"x={DS_DIR}/nope.db"], 1, "dataset x",
		"No such file")


@cli.case
def refuses_not_sqlite(d):
	refused(["--dataset", f"x={DS_DIR}/notes.txt"], 1, "dataset x",
		"not a SQLite database")


@cli.case
def refuses_directory(d):
	refused(["--dataset", f"x={DS_DIR}"], 1, "dataset x", "not a regular file")


@cli.case
def refuses_corrupt(d):
	path = os.path.join(DS_DIR, "corrupt.db")
	shutil.copy(SHOP, path)
	with open(path, "r+b") as f:	# garble page 3 (a table's b-tree)
		size = os.path.getsize(path)
		page = size // 5
		f.seek(2 * page + 8)
		f.write(os.urandom(page - 16))
	os.chmod(path, 0o644)
	refused(["--dataset", f"x={path}"], 1, "dataset x", "not a sound database")


@cli.case
def refuses_wal(d):
	path = os.path.join(DS_DIR, "wal.db")
	con = sqlite3.connect(path)
	con.execute("PRAGMA journal_mode=WAL")
	con.execute("CREATE TABLE t(x)")
	con.commit()
	con.close()
	os.chmod(path, 0o644)
	refused(["--dataset", f"x={path}"], 1, "dataset x", "WAL")


@cli.case
def refuses_virtual_table(d):
	path = build_db(os.path.join(DS_DIR, "vt.db"),
			"CREATE VIRTUAL TABLE f USING fts5(a);")
	refused(["--dataset", f"x={path}"], 1, "dataset x", "virtual table")


@cli.case
def refuses_bad_names(d):
	for arg in ("main=" + SHOP, "TEMP=" + SHOP, "1x=" + SHOP, "a-b=" + SHOP,
		    "=" + SHOP, "shop", "shop=", "shop=,private"):
		refused(["--dataset", arg], 2, "--dataset")
	refused(["--dataset", "a=" + SHOP, "--dataset", "A=" + VAULT], 2,
		"--dataset")
	many = []
	for i in range(9):
		many += ["--dataset", f"d{i}={SHOP}"]
	refused(many, 2, "--dataset")

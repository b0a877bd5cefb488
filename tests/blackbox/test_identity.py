"""
test_identity.py: a JWT's claim applied end to end (issue 17 items 2 and
3 together): a daemon with the shop dataset (public), the vault dataset
(private) and an HS256 key. The claim's `datasets` is the walk-in's
grant, enforced by its executors' authorizer; its `max_db_bytes` is the
walk-in's cap; a fork keeps both; an anonymous walk-in reads every public
dataset and no private one.
"""

from harness import Group, check, eq, expect_error, expect_ok
from test_datasets import SHOP, VAULT
from test_jwt import KEYS, SECRET, bearer, created, post_session
import jwtmint
import time

g = Group("identity", KEYS + ["--dataset", f"shop={SHOP}",
			      "--dataset", f"vault={VAULT},private"])


def jwt(**walkind):
	c = {"sub": "student-7", "exp": int(time.time()) + 600,
	     "iat": int(time.time()), "walkind": walkind}
	return jwtmint.hs256(SECRET, c)


def rows(d, tok, sql):
	return expect_ok(d.sql(sql, tok))["rows"]


def refused(d, tok, sql):
	"""A read outside the grant: refused by the authorizer, or the
	dataset is not attached at all (no such table)."""
	r = d.sql(sql, tok)
	eq(r.status, 400, f"{sql}: status")
	e = r.json()["error"]
	check(e.startswith("forbidden sql keyword: DATASET") or "no such table" in e,
	      f"{sql}: {e!r}")


@g.case
def claim_narrows_tables(d):
	tok = created(d, post_session(d, jwt(datasets={"shop": ["orders"]})))
	check(rows(d, tok, "SELECT count(*) FROM shop.orders")[0][0] > 0, "orders read")
	expect_error(d.sql("SELECT * FROM shop.products", tok), 400,
		     "forbidden sql keyword: DATASET shop.products")
	refused(d, tok, "SELECT * FROM vault.secrets")


@g.case
def claim_names_a_private_dataset(d):
	tok = created(d, post_session(d, jwt(datasets={"vault": "*"})))
	eq(rows(d, tok, "SELECT k, v FROM vault.secrets"), [["a", 1]], "vault read")
	refused(d, tok, "SELECT * FROM shop.orders")


@g.case
def empty_claim_reads_no_dataset(d):
	tok = created(d, post_session(d, jwt(datasets={})))
	refused(d, tok, "SELECT * FROM shop.orders")
	refused(d, tok, "SELECT * FROM vault.secrets")
	expect_ok(d.sql("CREATE TABLE mine(x)", tok))


@g.case
def anonymous_reads_public_only(d):
	tok = created(d, post_session(d))
	check(rows(d, tok, "SELECT count(*) FROM shop.products")[0][0] > 0, "shop read")
	refused(d, tok, "SELECT * FROM vault.secrets")


@g.case
def claim_cap_applied(d):
	cap = 256 * 1024
	tok = created(d, post_session(d, jwt(max_db_bytes=cap)))
	info = expect_ok(d.get("/session", headers=bearer(tok)))
	eq(info["bytes_limit"], cap, "GET /session's limit is the claim's")
	expect_error(d.sql("CREATE TABLE b(x); INSERT INTO b VALUES(zeroblob(400000))",
			   tok), 507, "instance storage quota exceeded")
	expect_ok(d.sql("INSERT INTO b VALUES(zeroblob(100000))", tok))


@g.case
def fork_keeps_grant_and_cap(d):
	cap = 256 * 1024
	tok = created(d, post_session(d, jwt(max_db_bytes=cap,
					      datasets={"shop": ["orders"]})))
	r = d.request("POST", "/session/fork", body=b"",
		      headers={**bearer(tok), "Content-Length": "0"})
	fork = created(d, r)
	expect_error(d.sql("SELECT * FROM shop.products", fork), 400,
		     "forbidden sql keyword: DATASET shop.products")
	refused(d, fork, "SELECT * FROM vault.secrets")
	eq(expect_ok(d.get("/session", headers=bearer(fork)))["bytes_limit"], cap,
	   "the fork's cap")


@g.case
def claim_naming_a_dataset_twice_refused(d):
	# JSON cannot repeat a key; the grant's names are compared as SQLite
	# compares schema names (case-insensitively): one 401, no walk-in.
	before = d.instance_ids()
	expect_error(post_session(d, jwt(datasets={"shop": "*", "SHOP": ["orders"]})),
		     401, "invalid credentials")
	eq(d.instance_ids() - before, set(), "no walk-in")

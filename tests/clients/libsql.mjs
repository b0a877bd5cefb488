// libsql.mjs: @libsql/client against a live walkind (started by run.py).
// Environment: WALKIND_URL, WALKIND_TOKEN and WALKIND_TOKEN2 (two walk-ins).
// Prints one line per failure and "libsql: N passed, M failed".
import { createClient } from "@libsql/client";

const url = process.env.WALKIND_URL;
const tok = process.env.WALKIND_TOKEN;
const tok2 = process.env.WALKIND_TOKEN2;
const db = createClient({ url, authToken: tok, intMode: "bigint" });
let passed = 0, failed = 0;

function check(cond, msg) {
	if (!cond)
		throw new Error(msg);
}

async function rejects(p, re, what) {
	try {
		await p;
	} catch (e) {
		check(re.test(String(e.message)), `${what}: wrong error: ${e.message}`);
		return e;
	}
	throw new Error(`${what}: no error`);
}

async function count(c, table) {
	return (await c.execute(`SELECT count(*) AS n FROM ${table}`)).rows[0].n;
}

const cases = {
	async execute_positional_and_named() {
		await db.execute("CREATE TABLE p(a INTEGER, b TEXT)");
		await db.execute({ sql: "INSERT INTO p VALUES (?, ?)", args: [1n, "one"] });
		await db.execute({ sql: "INSERT INTO p VALUES (:a, $b)", args: { a: 2n, b: "two" } });
		const r = await db.execute({ sql: "SELECT b FROM p WHERE a = @a", args: { a: 2n } });
		check(r.rows.length === 1 && r.rows[0].b === "two", "named lookup");
		check(r.columns[0] === "b" && r.columnTypes[0] === "TEXT", "cols and decltype");
	},
	async int64_extremes_bigint() {
		await db.execute("CREATE TABLE big(v INTEGER)");
		const vals = [9223372036854775807n, -9223372036854775808n, 0n, 9007199254740993n];
		for (const v of vals)
			await db.execute({ sql: "INSERT INTO big VALUES (?)", args: [v] });
		const r = await db.execute("SELECT v FROM big ORDER BY rowid");
		check(r.rows.map((x) => x.v).join() === vals.join(), `exact: ${r.rows.map((x) => x.v)}`);
		const ins = await db.execute({ sql: "INSERT INTO big VALUES (1)" });
		check(ins.rowsAffected === 1 && ins.lastInsertRowid === 5n, "affected and rowid");
	},
	async blob_round_trip() {
		const b = new Uint8Array(300);
		for (let i = 0; i < b.length; i++)
			b[i] = (i * 7) & 255;
		await db.execute("CREATE TABLE bl(x BLOB)");
		await db.execute({ sql: "INSERT INTO bl VALUES (?)", args: [b] });
		const got = new Uint8Array((await db.execute("SELECT x FROM bl")).rows[0].x);
		check(got.length === b.length && got.every((v, i) => v === b[i]), "blob bytes");
	},
	async batch_each_mode_rolls_back() {
		await db.execute("CREATE TABLE bt(a INTEGER UNIQUE)");
		for (const mode of ["write", "deferred", "read"]) {
			const before = await count(db, "bt");
			const stmts = mode === "read" ? ["SELECT 1", "SELECT * FROM nope"] :
			    ["INSERT INTO bt VALUES (100)", "INSERT INTO bt VALUES (100)"];
			await rejects(db.batch(stmts, mode), mode === "read" ? /no such table/ :
			    /UNIQUE/, `batch ${mode}`);
			check(await count(db, "bt") === before, `batch ${mode} rolled back`);
			const ok = await db.batch(mode === "read" ? ["SELECT 1", "SELECT 2"] :
			    [`INSERT INTO bt VALUES (${before + 1n})`, "SELECT count(*) FROM bt"], mode);
			check(ok.length === 2, `batch ${mode} results`);
		}
	},
	async transaction_commit_and_rollback() {
		await db.execute("CREATE TABLE tx(a)");
		let t = await db.transaction("write");
		await t.execute("INSERT INTO tx VALUES (1)");
		await t.commit();
		t = await db.transaction("write");
		await t.execute("INSERT INTO tx VALUES (2)");
		await t.rollback();
		check(await count(db, "tx") === 1n, "one row kept");
	},
	async read_outside_open_transaction() {
		await db.execute("CREATE TABLE iso(a)");
		const t = await db.transaction("write");
		await t.execute("INSERT INTO iso VALUES (1)");
		// A new stream: must answer now, and see only committed rows.
		check(await count(db, "iso") === 0n, "uncommitted row invisible");
		check((await t.execute("SELECT count(*) AS n FROM iso")).rows[0].n === 1n,
		    "visible inside");
		await t.commit();
		check(await count(db, "iso") === 1n, "visible after commit");
	},
	async read_transaction_refuses_write() {
		await db.execute("CREATE TABLE ro(a)");
		const t = await db.transaction("read");
		check((await t.execute("SELECT count(*) AS n FROM ro")).rows[0].n === 0n, "read");
		await rejects(t.execute("INSERT INTO ro VALUES (1)"), /readonly|read-only/i,
		    "write in read transaction");
		await rejects(t.execute("PRAGMA query_only=0"), /forbidden/,
		    "lifting query_only");
		t.close();
		check(await count(db, "ro") === 0n, "nothing written");
		await db.execute("INSERT INTO ro VALUES (1)");	/* and writable after */
	},
	async twenty_in_parallel() {
		await db.execute("CREATE TABLE par(a)");
		const ps = [];
		for (let i = 0; i < 20; i++)
			ps.push(i % 2 ? db.execute({ sql: "INSERT INTO par VALUES (?)", args: [BigInt(i)] }) :
			    db.execute("SELECT count(*) FROM par"));
		await Promise.all(ps);
		check(await count(db, "par") === 10n, "ten inserts");
	},
	async forbidden_statement() {
		await rejects(db.execute("ATTACH DATABASE '/etc/passwd' AS x"),
		    /forbidden sql keyword: ATTACH/, "ATTACH");
		await rejects(db.execute("SELECT load_extension('x')"), /forbidden/, "load_extension");
	},
	async other_walkin_sees_nothing() {
		const other = createClient({ url, authToken: tok2, intMode: "bigint" });
		await rejects(other.execute("SELECT * FROM p"), /no such table/, "other walk-in");
		const n = (await other.execute("SELECT count(*) AS n FROM sqlite_schema")).rows[0].n;
		check(n === 0n, "empty schema");
	},
	async forged_token_refused() {
		const bad = createClient({ url, authToken: tok.slice(0, -4) + "AAAA" });
		await rejects(bad.execute("SELECT 1"), /instance not found/, "forged token");
		const none = createClient({ url });
		await rejects(none.execute("SELECT 1"), /missing session token/, "no token");
	},
	async execute_multiple_and_migrate() {
		await db.executeMultiple("CREATE TABLE m1(a); INSERT INTO m1 VALUES (1); " +
		    "INSERT INTO m1 VALUES (2);");
		check(await count(db, "m1") === 2n, "script ran");
	},
	async result_over_cap_is_error() {
		await rejects(db.execute("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL " +
		    "SELECT x + 1 FROM c LIMIT 20000) SELECT x FROM c"),
		    /result too large/, "over --max-rows");
	},
};

for (const [name, fn] of Object.entries(cases)) {
	try {
		await fn();
		passed++;
	} catch (e) {
		failed++;
		console.log(`FAIL libsql/${name}: ${e.message}`);
	}
}
db.close();
console.log(`libsql: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

// playground.mjs: the playground (GET /) driven in Debian's headless
// Chromium through playwright-core (no browser download: the executable
// is /usr/bin/chromium). Started by tests/browser/run.py, which runs the
// daemon and passes its base URL:
//
//   node tests/browser/playground.mjs BASE_URL SCREENSHOT_DIR TMP_DIR
//
// Every control is found by its accessible name, as a person using a
// screen reader would find it. Prints one line per failure and ends with
// "browser: N passed, M failed"; exits 1 if any case failed.
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const [BASE, SHOTS, TMP] = process.argv.slice(2);
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; " +
  "connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; " +
  "base-uri 'none'; form-action 'none'";
const WAIT = 10000;

let passed = 0, failed = 0;
const problems = [];		// console errors, page errors, CSP violations

function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function test(name, fn) {
  try {
    await fn();
    passed++;
  } catch (e) {
    failed++;
    console.log(`FAIL browser/${name}: ${String(e && e.message || e).split("\n")[0]}`);
  }
}

// A page whose console errors, uncaught errors and CSP violations are
// recorded.
async function openPage(ctx, url) {
  const page = await ctx.newPage();
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation",
      (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
  });
  page.on("console", (m) => {
    if (m.type() === "error") problems.push("console: " + m.text());
  });
  page.on("pageerror", (e) => problems.push("pageerror: " + e.message));
  page.setDefaultTimeout(WAIT);
  const resp = await page.goto(url);
  await page.waitForSelector("html[data-ready='1']");
  return { page, resp };
}

const sqlBox = (p) => p.getByLabel("SQL", { exact: true });

// Type SQL and run it with Ctrl+Enter; wait for the run to finish.
async function runSql(page, sql) {
  const box = sqlBox(page);
  await box.fill(sql);
  await box.press("Control+Enter");
  await page.getByRole("button", { name: "Run", exact: true }).waitFor();
  await page.waitForFunction(() =>
    document.getElementById("run").textContent === "Run" &&
    document.getElementById("results").childElementCount > 0);
}

async function cellTexts(page) {
  return page.locator("#results td").allTextContents();
}

async function csp(page) {
  return page.evaluate(() => window.__csp);
}

function sqlite3Count(path, sql) {
  return execFileSync("python3", ["-c",
    "import sqlite3, sys\n" +
    "c = sqlite3.connect(sys.argv[1])\n" +
    "assert c.execute('PRAGMA integrity_check').fetchone()[0] == 'ok'\n" +
    "print(c.execute(sys.argv[2]).fetchone()[0])", path, sql]).toString().trim();
}

// playwright-core gives each launch a new, empty profile of its own
// (--user-data-dir in TMPDIR, which run.py points into its temp dir and
// removes); it refuses the flag from the caller.
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
mkdirSync(SHOTS, { recursive: true });

const ctx = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
let main;
let shareUrl = null;

await test("loads_with_headers", async () => {
  const o = await openPage(ctx, BASE + "/");
  main = o.page;
  const h = o.resp.headers();
  check(o.resp.status() === 200, "status " + o.resp.status());
  check(h["content-security-policy"] === CSP, "CSP " + h["content-security-policy"]);
  check(h["x-content-type-options"] === "nosniff", "nosniff");
  check(h["referrer-policy"] === "no-referrer", "referrer-policy");
  check((await main.title()).includes("walkind"), "title");
  check(problems.length === 0, "on load: " + problems.join(" | "));
  check((await csp(main)).length === 0, "CSP violations on load");
  const tok = await main.evaluate(() => sessionStorage.getItem("walkind.token"));
  check(/^wkn_/.test(tok || ""), "token in sessionStorage: " + tok);
});

await test("every_control_named", async () => {
  const unnamed = await main.evaluate(() => {
    const bad = [];
    for (const el of document.querySelectorAll("button, input, select, textarea, a[href]")) {
      const name = (el.labels && el.labels.length ? el.labels[0].textContent : "") ||
        el.getAttribute("aria-label") || el.textContent;
      if (!name || !name.trim()) bad.push(el.outerHTML.slice(0, 60));
    }
    return bad;
  });
  check(unnamed.length === 0, "unnamed controls: " + unnamed.join(" | "));
});

await test("preset_runs", async () => {
  await main.getByLabel("Preset").selectOption({ label: "Create a table and query it" });
  await main.getByRole("button", { name: "Run", exact: true }).click();
  await main.getByRole("cell", { name: "fig", exact: true }).waitFor();
  const cells = await cellTexts(main);
  check(cells.includes("apple") && cells.includes("1.25"), "cells " + cells.join(","));
  const results = main.getByRole("region", { name: /^Result of statement/ });
  check(await results.count() === 3, "one result a statement");
  check((await main.locator("#results").textContent()).includes("rows affected: 3"),
    "rows_affected of the INSERT shown");
  check(/\d ms/.test(await main.locator("#results").textContent()), "time shown");
});

await test("schema_panel_current", async () => {
  const panel = main.getByRole("region", { name: "Schema" });
  await panel.getByText("fruit", { exact: true }).waitFor();
  await runSql(main, "CREATE TABLE added_now(a INTEGER, b TEXT)");
  await panel.getByText("added_now", { exact: true }).waitFor();
  check((await panel.textContent()).includes("a INTEGER"), "columns listed");
});

await test("typed_query_ctrl_enter_table_per_statement", async () => {
  await runSql(main, "SELECT 11 AS first; SELECT 'two' AS second, 22 AS more; SELECT name FROM fruit WHERE price < 0.6");
  const tables = main.locator("#results table");
  check(await tables.count() === 3, "tables: " + await tables.count());
  const ths = await main.locator("#results th").allTextContents();
  check(ths.join(",") === "first,second,more,name", "headers " + ths.join(","));
  const cells = await cellTexts(main);
  check(cells.join(",") === "11,two,22,apple", "cells " + cells.join(","));
});

await test("selection_runs_alone", async () => {
  const box = sqlBox(main);
  await box.fill("SELECT 'not me' AS x;\nSELECT 'only me' AS y;");
  await box.evaluate((t) => { t.selectionStart = t.value.indexOf("SELECT 'only"); t.selectionEnd = t.value.length; });
  await box.press("Control+Enter");
  await main.getByRole("cell", { name: "only me" }).waitFor();
  check(await main.locator("#results table").count() === 1, "one table for the selection");
});

await test("refused_statement_alert", async () => {
  await main.getByLabel("Preset").selectOption({ label: "Refused: ATTACH another file" });
  await main.getByRole("button", { name: "Run", exact: true }).click();
  const alert = main.getByRole("alert");
  await alert.waitFor();
  const t = await alert.textContent();
  check(t.includes("forbidden sql keyword: ATTACH"), "alert: " + t);
  check(/refuses/.test(t), "the alert says why: " + t);
  await runSql(main, "SELECT 1 AS ok; SELECT * FROM no_such_table");
  const t2 = await main.getByRole("alert").textContent();
  check(t2.includes("Statement 2") && t2.includes("no such table"), "alert names the statement: " + t2);
  check((await cellTexts(main)).includes("1"), "statement 1's table still shown");
});

await test("truncated_note", async () => {
  await runSql(main, "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 300) SELECT x FROM n");
  const note = main.getByText(/^Truncated/);
  await note.waitFor();
  check(await note.isVisible(), "truncated note visible");
  // The table scrolls inside its box, not the page.
  const wrap = await main.locator(".table-wrap").evaluate((e) => [e.scrollHeight, e.clientHeight]);
  check(wrap[0] > wrap[1], "rows scroll inside the table's box");
});

await test("ttl_and_bytes", async () => {
  const ttl = await main.locator("#ttl").textContent();
  check(/^\d+:\d\d$/.test(ttl), "ttl " + ttl);
  const bytes = await main.locator("#bytes").textContent();
  check(/ of 10\.0 MiB$/.test(bytes), "bytes " + bytes);
  await main.waitForFunction((t) => document.getElementById("ttl").textContent !== t, ttl,
    { timeout: 5000 });
});

await test("keyboard_focus_visible", async () => {
  await main.getByLabel("Preset").focus();
  await main.keyboard.press("Tab");
  const f = await main.evaluate(() => {
    const el = document.activeElement;
    const cs = getComputedStyle(el);
    return [el.textContent, cs.outlineStyle, cs.outlineWidth];
  });
  check(f[0] === "Run", "Tab from Preset reaches Run: " + f[0]);
  check(f[1] === "solid" && f[2] !== "0px", "visible focus ring: " + f.join(" "));
  await sqlBox(main).fill("SELECT 'by keyboard' AS k");
  await main.getByLabel("Preset").focus();
  await main.keyboard.press("Tab");
  await main.keyboard.press("Enter");
  await main.getByRole("cell", { name: "by keyboard" }).waitFor();
});

await test("reload_keeps_walkin", async () => {
  const tok = await main.evaluate(() => sessionStorage.getItem("walkind.token"));
  await main.reload();
  await main.waitForSelector("html[data-ready='1']");
  const tok2 = await main.evaluate(() => sessionStorage.getItem("walkind.token"));
  check(tok === tok2, "same token after reload");
  await runSql(main, "SELECT count(*) AS n FROM fruit");
  check((await cellTexts(main)).join() === "3", "fruit still has 3 rows");
});

await test("copy_as_curl_runs", async () => {
  await runSql(main, "SELECT name FROM fruit ORDER BY name LIMIT 1");
  await main.getByRole("button", { name: "Copy as curl" }).click();
  const cmd = await main.getByLabel("curl command for the last query").inputValue();
  check(cmd.includes("/sql") && cmd.includes("Authorization: Bearer wkn_"), "curl " + cmd.slice(0, 80));
  const out = execFileSync("sh", ["-c", cmd]).toString();
  const j = JSON.parse(out);
  check(j.results[0].rows[0][0] === "apple", "curl's reply " + out.slice(0, 80));
});

await test("download_db_opens", async () => {
  const [dl] = await Promise.all([
    main.waitForEvent("download"),
    main.getByRole("button", { name: "Download .db" }).click(),
  ]);
  const path = join(TMP, "walkin.db");
  await dl.saveAs(path);
  check(dl.suggestedFilename() === "walkin.db", "file name " + dl.suggestedFilename());
  check(sqlite3Count(path, "SELECT count(*) FROM fruit") === "3", "3 rows in the file");
  const [dl2] = await Promise.all([
    main.waitForEvent("download"),
    main.getByRole("button", { name: "Download .sql" }).click(),
  ]);
  const p2 = join(TMP, "walkin.sql");
  await dl2.saveAs(p2);
  const sql = execFileSync("cat", [p2]).toString();
  check(sql.includes("CREATE TABLE fruit"), "dump holds the table");
});

await test("share_link_reads_not_writes", async () => {
  await main.getByRole("button", { name: "Create read-only share link" }).click();
  const field = main.getByLabel("Read-only share link");
  await field.waitFor();
  shareUrl = await field.inputValue();
  check(/\/#share=wks_[A-Za-z0-9_-]+$/.test(shareUrl), "share url " + shareUrl);
  const ctx2 = await browser.newContext();
  const { page } = await openPage(ctx2, shareUrl);
  check(await page.getByText(/^Read-only share: you can run/).isVisible(), "read-only banner");
  check(!(await page.getByRole("button", { name: "New walk-in" }).isVisible()), "no New in share mode");
  check(await page.evaluate(() => sessionStorage.getItem("walkind.token")) === null,
    "the share token is not stored as a session token");
  await page.getByRole("region", { name: "Schema" }).getByText("fruit", { exact: true }).waitFor();
  await runSql(page, "SELECT name FROM fruit ORDER BY name");
  check((await cellTexts(page)).join() === "apple,fig,pear", "reads work");
  await runSql(page, "INSERT INTO fruit(name) VALUES ('stolen')");
  const t = await page.getByRole("alert").textContent();
  check(t.includes("read-only share: writes are refused"), "write refused: " + t);
  await runSql(page, "DROP TABLE fruit");
  check((await page.getByRole("alert").textContent()).includes("read-only"), "DDL refused");
  await runSql(main, "SELECT count(*) FROM fruit");
  check((await cellTexts(main)).join() === "3", "owner still sees 3 rows");
  check((await csp(page)).length === 0, "CSP violations: " + (await csp(page)).join());
  await ctx2.close();
});

await test("upload_sql_and_new", async () => {
  await main.getByLabel("Start from a .db or .sql file").setInputFiles({
    name: "seed.sql", mimeType: "application/sql",
    buffer: Buffer.from("CREATE TABLE seeded(a);\nINSERT INTO seeded VALUES (42);\n"),
  });
  const panel = main.getByRole("region", { name: "Schema" });
  await panel.getByText("seeded", { exact: true }).waitFor();
  await runSql(main, "SELECT a FROM seeded");
  check((await cellTexts(main)).join() === "42", "the uploaded script's row");
  await main.getByLabel("Start from a .db or .sql file").setInputFiles(join(TMP, "walkin.db"));
  await panel.getByText("fruit", { exact: true }).waitFor();
  await main.getByRole("button", { name: "New walk-in" }).click();
  await panel.getByText("No tables yet.").waitFor();
});

await test("phone_width_no_sideways_scroll", async () => {
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const { page } = await openPage(phone, BASE + "/");
  await runSql(page, "SELECT hex(zeroblob(300)) AS a_very_wide_column, 'x' AS b, 'y' AS c, 'z' AS d");
  await page.getByRole("cell", { name: "x", exact: true }).waitFor();
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  check(w <= 390, "scrollWidth " + w);
  await phone.close();
});

await test("screenshots", async () => {
  for (const [label, vp] of [["desktop", { width: 1280, height: 900 }], ["phone", { width: 390, height: 844 }]]) {
    for (const scheme of ["light", "dark"]) {
      const c = await browser.newContext({ viewport: vp, colorScheme: scheme });
      const { page } = await openPage(c, BASE + "/");
      await page.getByLabel("Preset").selectOption({ label: "Create a table and query it" });
      await runSql(page, await sqlBox(page).inputValue());
      await page.screenshot({ path: join(SHOTS, `playground-${label}-${scheme}.png`), fullPage: true });
      await c.close();
    }
  }
});

await test("no_console_errors_or_csp_violations", async () => {
  const v = main ? await csp(main) : [];
  check(v.length === 0, "CSP violations: " + v.join("; "));
  // A refused statement's 400 and a write refused to a share are the
  // answers the cases asked for; Chromium logs each failed fetch.
  const other = problems.filter((p) =>
    !/Failed to load resource: the server responded with a status of 400/.test(p));
  check(other.length === 0, other.slice(0, 3).join(" | "));
});

await browser.close();
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

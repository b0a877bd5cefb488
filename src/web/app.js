// walkind playground: the page's whole behaviour, talking to this
// origin's own API (README "API"). Every value from the server or the
// user reaches the page through textContent or an attribute, never as
// HTML. The walk-in's token lives in sessionStorage (this tab only); a
// share link's token lives in the URL's fragment (#share=wks_...), which
// the browser never sends to any server.
"use strict";

(function () {
  const KEY = "walkind.token";
  const PRESETS = [
    {
      name: "Create a table and query it",
      sql: "CREATE TABLE IF NOT EXISTS fruit(id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL);\n" +
        "INSERT INTO fruit(name, price) VALUES ('apple', 0.5), ('pear', 0.75), ('fig', 1.25);\n" +
        "SELECT name, price FROM fruit ORDER BY price DESC;",
    },
    {
      name: "Aggregate with a CTE",
      sql: "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10)\n" +
        "SELECT count(*) AS numbers, sum(x) AS total, avg(x) AS mean FROM n;",
    },
    {
      name: "JSON functions",
      sql: "SELECT key, value, type FROM json_each('{\"a\": 1, \"b\": [2, 3], \"c\": null}');",
    },
    {
      name: "Full-text search (fts5)",
      sql: "CREATE VIRTUAL TABLE IF NOT EXISTS docs USING fts5(body);\n" +
        "INSERT INTO docs(body) VALUES ('walk-in databases for everyone'), ('sqlite on the server');\n" +
        "SELECT body FROM docs WHERE docs MATCH 'sqlite';",
    },
    {
      name: "Refused: ATTACH another file",
      sql: "-- walkind refuses ATTACH: it would reach files outside this walk-in\n" +
        "-- (the host, or other people's databases). The server says why.\n" +
        "ATTACH DATABASE '/etc/passwd' AS host;",
    },
  ];

  const $ = (id) => document.getElementById(id);
  const ui = {
    sql: $("sql"), gutter: $("gutter"), run: $("run"), preset: $("preset"),
    results: $("results"), schema: $("schema"), ttl: $("ttl"), bytes: $("bytes"),
    mode: $("mode"), notice: $("notice"), newBtn: $("new"),
    dlDb: $("download-db"), dlSql: $("download-sql"), upload: $("upload"),
    copyCurl: $("copy-curl"), curlField: $("curl-field"), curl: $("curl"),
    share: $("share"), shareField: $("share-field"), shareUrl: $("share-url"),
  };

  const state = {
    token: null,
    readonly: false,
    expiresMono: 0,		// performance.now() at which it expires
    lastBody: null,		// the last /sql request body, for curl
    busy: false,
  };

  // ---- the API ----

  async function api(method, path, opts) {
    opts = opts || {};
    const headers = {};
    if (opts.ctype) headers["Content-Type"] = opts.ctype;
    if (opts.auth !== false && state.token) headers["X-Walkin-Session"] = state.token;
    const init = { method: method, headers: headers, cache: "no-store" };
    if (method === "POST") init.body = opts.body !== undefined ? opts.body : "";
    let r;
    try {
      r = await fetch(path, init);
    } catch (e) {
      return { status: 0, json: { error: "the server did not answer" } };
    }
    if (opts.blob && r.ok) return { status: r.status, blob: await r.blob(), headers: r.headers };
    let json = null;
    try { json = await r.json(); } catch (e) { json = null; }
    return { status: r.status, json: json, headers: r.headers };
  }

  function errText(res) {
    if (res.json && typeof res.json.error === "string") return res.json.error;
    return res.status ? "HTTP " + res.status : "the server did not answer";
  }

  // ---- the walk-in ----

  function setToken(tok) {
    state.token = tok;
    if (!state.readonly) sessionStorage.setItem(KEY, tok);
  }

  async function createWalkin(body, ctype) {
    const res = await api("POST", "/session", { body: body, ctype: ctype, auth: false });
    if (res.status !== 201 || !res.json || !res.json.session) {
      showError("Could not start a walk-in: " + errText(res), null, whyFor(res));
      return false;
    }
    setToken(res.json.session);
    return true;
  }

  async function refreshInfo() {
    const res = await api("GET", "/session");
    if (res.status === 404 && !state.readonly) {
      note("That walk-in has ended; a new one was started.");
      sessionStorage.removeItem(KEY);
      if (await createWalkin()) return refreshInfo();
      return false;
    }
    if (res.status !== 200 || !res.json) {
      ui.ttl.textContent = state.readonly && res.status === 404 ? "ended" : "–";
      if (res.status === 404) showError("This walk-in has ended (or the link is not valid).", null);
      return false;
    }
    state.expiresMono = performance.now() + res.json.seconds_left * 1000;
    ui.bytes.textContent = size(res.json.bytes_used) + " of " + size(res.json.bytes_limit);
    tick();
    return true;
  }

  async function refreshSchema() {
    const res = await api("GET", "/session/schema");
    if (res.status !== 200 || !res.json) return;
    renderSchema(res.json);
  }

  function refreshAll() {
    return Promise.all([refreshInfo(), refreshSchema()]);
  }

  // ---- running SQL ----

  function selectedSql() {
    const t = ui.sql;
    if (t.selectionStart !== t.selectionEnd) {
      const s = t.value.slice(t.selectionStart, t.selectionEnd);
      if (s.trim() !== "") return s;
    }
    return t.value;
  }

  async function run() {
    if (state.busy) return;
    const sql = selectedSql();
    if (sql.trim() === "") return;
    state.busy = true;
    ui.run.disabled = true;
    ui.run.textContent = "Running…";
    const body = JSON.stringify({ sql: sql, all_results: true });
    state.lastBody = body;
    try {
      const res = await api("POST", "/sql", { body: body, ctype: "application/json" });
      renderRun(res, sql);
      await refreshAll();
    } finally {
      state.busy = false;
      ui.run.disabled = false;
      ui.run.textContent = "Run";
    }
  }

  function whyFor(res) {
    const msg = errText(res);
    if (/^forbidden sql keyword/.test(msg))
      return "walkind refuses statements that would reach beyond this walk-in's own database (files, other walk-ins, the server itself).";
    if (/^read-only share/.test(msg))
      return "This page was opened from a read-only share link: only statements that read are run.";
    if (res.status === 429) return "Too many requests from your address; wait a moment.";
    if (res.status === 408) return "The query ran past its time limit.";
    if (res.status === 507) return "The walk-in's storage cap is full.";
    return null;
  }

  function renderRun(res, sql) {
    ui.results.replaceChildren();
    const results = res.json && Array.isArray(res.json.results) ? res.json.results : null;
    if (!results) {		// refused before anything ran
      showError("Refused before running: " + errText(res), null, whyFor(res));
      return;
    }
    results.forEach((entry, i) => {
      if (entry.error) {
        const n = entry.error.statement_index + 1;
        showError("Statement " + n + " failed: " + entry.error.message, n, whyFor(res));
      } else {
        ui.results.appendChild(renderResult(entry, i + 1));
      }
    });
    if (results.length === 0) {
      const p = document.createElement("p");
      p.className = "muted";
      p.textContent = "Nothing to run.";
      ui.results.appendChild(p);
    }
  }

  function renderResult(entry, n) {
    const box = document.createElement("section");
    box.className = "result";
    box.setAttribute("aria-label", "Result of statement " + n);
    const h = document.createElement("h3");
    h.textContent = "Statement " + n;
    box.appendChild(h);
    const meta = document.createElement("p");
    meta.className = "meta";
    const parts = [];
    if (entry.columns.length > 0) parts.push(entry.rows.length + (entry.rows.length === 1 ? " row" : " rows"));
    parts.push("rows affected: " + entry.rows_affected);
    parts.push(entry.duration_ms.toFixed(2) + " ms");
    meta.textContent = parts.join(" · ");
    box.appendChild(meta);
    if (entry.columns.length > 0) {
      const wrap = document.createElement("div");
      wrap.className = "table-wrap";
      wrap.tabIndex = 0;
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", "Rows of statement " + n);
      wrap.appendChild(renderTable(entry));
      box.appendChild(wrap);
    }
    if (entry.truncated) {
      const t = document.createElement("p");
      t.className = "truncated";
      t.textContent = "Truncated: only the first " + entry.rows.length +
        " rows fit in the reply (the server's row and size limits).";
      box.appendChild(t);
    }
    return box;
  }

  function renderTable(entry) {
    const table = document.createElement("table");
    const thead = table.createTHead();
    const hr = thead.insertRow();
    entry.columns.forEach((c) => {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = c;
      hr.appendChild(th);
    });
    const tbody = table.createTBody();
    const frag = document.createDocumentFragment();
    entry.rows.forEach((row) => {
      const tr = document.createElement("tr");
      row.forEach((v) => {
        const td = document.createElement("td");
        if (v === null) {
          td.className = "null";
          td.textContent = "NULL";
        } else if (typeof v === "number") {
          td.className = "num";
          td.textContent = String(v);
        } else if (typeof v === "string") {
          td.textContent = v;
        } else {
          td.textContent = JSON.stringify(v);
        }
        tr.appendChild(td);
      });
      frag.appendChild(tr);
    });
    tbody.appendChild(frag);
    return table;
  }

  function showError(msg, n, why) {
    const box = document.createElement("div");
    box.className = "error";
    box.setAttribute("role", "alert");
    const p = document.createElement("p");
    p.textContent = msg;
    box.appendChild(p);
    if (why) {
      const w = document.createElement("p");
      w.className = "why";
      w.textContent = why;
      box.appendChild(w);
    }
    if (n) box.dataset.statement = String(n);
    ui.results.appendChild(box);
  }

  // ---- schema ----

  function renderSchema(s) {
    const objs = [];
    (s.tables || []).forEach((t) => objs.push({ name: t.name, kind: t.type === "virtual" ? "virtual table" : "table",
      cols: (t.columns || []).map((c) => c.name + (c.type ? " " + c.type : "")) }));
    (s.views || []).forEach((v) => objs.push({ name: v.name, kind: "view",
      cols: (v.columns || []).map((c) => c.name) }));
    (s.triggers || []).forEach((t) => objs.push({ name: t.name, kind: "trigger", cols: [] }));
    if (objs.length === 0) {
      const p = document.createElement("p");
      p.className = "muted";
      p.textContent = "No tables yet.";
      ui.schema.replaceChildren(p);
      return;
    }
    const ul = document.createElement("ul");
    objs.forEach((o) => {
      const li = document.createElement("li");
      const name = document.createElement("span");
      name.className = "obj";
      name.textContent = o.name;
      const kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = o.kind;
      li.append(name, kind);
      if (o.cols.length > 0) {
        const cols = document.createElement("div");
        cols.className = "cols";
        cols.textContent = o.cols.join(", ");
        li.appendChild(cols);
      }
      ul.appendChild(li);
    });
    ui.schema.replaceChildren(ul);
  }

  // ---- the meter ----

  function size(n) {
    if (n < 1024) return n + " B";
    if (n < 1048576) return (n / 1024).toFixed(n < 10240 ? 1 : 0) + " KiB";
    return (n / 1048576).toFixed(1) + " MiB";
  }

  function tick() {
    if (!state.expiresMono) return;
    const left = Math.max(0, Math.round((state.expiresMono - performance.now()) / 1000));
    const m = Math.floor(left / 60), s = left % 60;
    ui.ttl.textContent = left > 0 ? m + ":" + String(s).padStart(2, "0") : "ended";
  }

  // ---- files ----

  async function download(path, name) {
    const res = await api("GET", path, { blob: true });
    if (!res.blob) {
      note("Download failed: " + errText(res));
      return;
    }
    const url = URL.createObjectURL(res.blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  async function upload() {
    const f = ui.upload.files && ui.upload.files[0];
    if (!f) return;
    const isSql = /\.sql$/i.test(f.name);
    const body = await f.arrayBuffer();
    const ok = await createWalkin(body, isSql ? "application/sql" : "application/vnd.sqlite3");
    ui.upload.value = "";
    if (ok) {
      ui.results.replaceChildren();
      note("Started a new walk-in from " + f.name + ".");
      await refreshAll();
    }
  }

  // ---- curl and share ----

  function shellQuote(s) {
    return "'" + s.replace(/'/g, "'\\''") + "'";
  }

  async function copy(text, what) {
    try {
      await navigator.clipboard.writeText(text);
      note(what + " copied to the clipboard.");
    } catch (e) {
      note(what + " is below; copy it from there.");
    }
  }

  function copyCurl() {
    const body = state.lastBody || JSON.stringify({ sql: ui.sql.value, all_results: true });
    const cmd = "curl -sS " + shellQuote(location.origin + "/sql") + " \\\n" +
      "  -H 'Content-Type: application/json' \\\n" +
      "  -H " + shellQuote("Authorization: Bearer " + state.token) + " \\\n" +
      "  --data-binary " + shellQuote(body);
    ui.curl.value = cmd;
    ui.curlField.hidden = false;
    copy(cmd, "The curl command");
  }

  async function share() {
    const res = await api("POST", "/session/share");
    if (res.status !== 200 || !res.json || !res.json.share) {
      note("Could not make a share link: " + errText(res));
      return;
    }
    const url = location.origin + "/#share=" + res.json.share;
    ui.shareUrl.value = url;
    ui.shareField.hidden = false;
    ui.shareUrl.focus();
    ui.shareUrl.select();
    copy(url, "The read-only link");
  }

  function note(msg) {
    ui.notice.textContent = msg;
  }

  // ---- editor ----

  let gutterLines = 0;
  function updateGutter() {
    const n = ui.sql.value.split("\n").length;
    if (n === gutterLines) return;
    gutterLines = n;
    let s = "";
    for (let i = 1; i <= n; i++) s += i + "\n";
    ui.gutter.textContent = s;
    ui.gutter.scrollTop = ui.sql.scrollTop;
  }

  function onKey(e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      run();
    }
  }

  function fillPresets() {
    PRESETS.forEach((p, i) => {
      const o = document.createElement("option");
      o.value = String(i);
      o.textContent = p.name;
      ui.preset.appendChild(o);
    });
    ui.preset.addEventListener("change", () => {
      const p = PRESETS[Number(ui.preset.value)];
      if (!p) return;
      ui.sql.value = p.sql;
      updateGutter();
      ui.sql.focus();
    });
  }

  // ---- start ----

  async function start() {
    fillPresets();
    ui.sql.addEventListener("input", updateGutter);
    ui.sql.addEventListener("scroll", () => { ui.gutter.scrollTop = ui.sql.scrollTop; });
    ui.sql.addEventListener("keydown", onKey);
    ui.run.addEventListener("click", run);
    ui.newBtn.addEventListener("click", async () => {
      if (await createWalkin()) {
        ui.results.replaceChildren();
        note("A new, empty walk-in.");
        await refreshAll();
      }
    });
    ui.dlDb.addEventListener("click", () => download("/session/export.db", "walkin.db"));
    ui.dlSql.addEventListener("click", () => download("/session/export.sql", "walkin.sql"));
    ui.upload.addEventListener("change", upload);
    ui.copyCurl.addEventListener("click", copyCurl);
    ui.share.addEventListener("click", share);
    updateGutter();
    setInterval(tick, 1000);

    const m = /^#share=(wks_[A-Za-z0-9_-]+)$/.exec(location.hash);
    if (m) {
      state.readonly = true;
      state.token = m[1];
      document.body.classList.add("readonly");
      ui.mode.hidden = false;
      ui.sql.value = "SELECT name, type FROM sqlite_schema ORDER BY name;";
      updateGutter();
    } else {
      state.token = sessionStorage.getItem(KEY);
      if (!state.token && !(await createWalkin())) return;
    }
    await refreshAll();
    document.documentElement.dataset.ready = "1";
  }

  start();
})();

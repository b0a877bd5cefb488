// mcp-test.mjs: walkind's /mcp driven by the official MCP TypeScript SDK
// (Client + StreamableHTTPClientTransport, pinned in package-lock.json).
//
//     node tests/mcp-client/mcp-test.mjs http://127.0.0.1:PORT
//
// Prints "ok <case>" or "FAIL <case>: <why>" per case and, last,
// "mcp-sdk: N passed, M failed"; exit 0 iff M == 0. run.py starts the
// daemon and turns this into the suite's line.
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const base = process.argv[2];
const url = new URL('/mcp', base);
const open = [];

async function connect(opts = {}) {
	const transport = new StreamableHTTPClientTransport(url, opts);
	const client = new Client({ name: 'walkind-test', version: '1.0.0' });
	await client.connect(transport);
	open.push(client);
	return { client, transport };
}

async function call(client, name, args = {}) {
	return client.callTool({ name, arguments: args });
}

function text(r) {
	return r.content.map(c => c.text).join('');
}

async function sqlPost(body, token) {
	const headers = { 'Content-Type': 'application/json' };
	if (token)
		headers.Authorization = `Bearer ${token}`;
	const r = await fetch(new URL('/sql', base), { method: 'POST', headers,
	    body: JSON.stringify(body) });
	return { status: r.status, token: r.headers.get('x-walkin-session'),
	    json: await r.json() };
}

async function rawPost(body, headers = {}) {
	const r = await fetch(url, { method: 'POST', body: JSON.stringify(body),
	    headers: { 'Content-Type': 'application/json',
	    Accept: 'application/json, text/event-stream', ...headers } });
	return { status: r.status, body: await r.text() };
}

const cases = [];
const test = (name, fn) => cases.push([name, fn]);
const state = {};

test('initialize', async () => {
	const { client, transport } = await connect();
	state.a = client;
	state.aTransport = transport;
	assert.equal(client.getServerVersion().name, 'walkind');
	assert.ok(client.getServerCapabilities().tools, 'capabilities.tools');
	const ins = client.getInstructions();
	assert.match(ins, /private/);
	assert.match(ins, /deleted/);
	assert.match(ins, /no network and no file access/);
	assert.match(transport.sessionId, /^wkn_[A-Za-z0-9_-]+$/);
	// the SDK asked for its newest version, which walkind speaks
	assert.equal(transport.protocolVersion, '2025-11-25');
});

test('tools/list and the input schemas', async () => {
	const { tools } = await state.a.listTools();
	const byName = Object.fromEntries(tools.map(t => [t.name, t]));
	assert.deepEqual(Object.keys(byName).sort(),
	    ['describe_table', 'execute', 'list_tables', 'reset']);
	for (const t of tools) {
		assert.equal(t.inputSchema.type, 'object', t.name);
		assert.ok(t.description.length > 40, `${t.name} description`);
	}
	assert.deepEqual(byName.execute.inputSchema.required, ['sql']);
	assert.equal(byName.execute.inputSchema.properties.sql.type, 'string');
	assert.ok(byName.execute.inputSchema.properties.args);
	assert.deepEqual(byName.describe_table.inputSchema.required, ['table']);
	assert.equal(byName.execute.outputSchema.type, 'object');
	assert.match(byName.execute.description, /refused/);
});

test('execute: create, insert with args, query', async () => {
	let r = await call(state.a, 'execute', { sql:
	    'CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT, n INTEGER)' });
	assert.equal(r.isError, false, text(r));
	r = await call(state.a, 'execute', { sql:
	    'INSERT INTO notes(body, n) VALUES(?, ?)', args: ["it's data",
	    { type: 'integer', value: '9223372036854775807' }] });
	assert.equal(r.isError, false, text(r));
	assert.equal(r.structuredContent.rows_affected, 1);
	assert.equal(r.structuredContent.last_insert_rowid, 1);
	r = await call(state.a, 'execute', { sql:
	    'INSERT INTO notes(body) VALUES(:b)', args: { b: 'second' } });
	assert.equal(r.isError, false, text(r));
	r = await call(state.a, 'execute', { sql:
	    'SELECT id, body, n FROM notes ORDER BY id' });
	assert.equal(r.isError, false, text(r));
	const s = r.structuredContent;
	assert.deepEqual(s.columns, ['id', 'body', 'n']);
	assert.equal(s.rows.length, 2);
	assert.deepEqual(s.rows[0].slice(0, 2), [1, "it's data"]);
	assert.deepEqual(s.rows[1], [2, 'second', null]);
	assert.ok(s.expires_at > Date.now() / 1000, 'expires_at in the future');
	// all 64 bits, in the text block (a JS number cannot hold them)
	assert.match(text(r), /9223372036854775807/);
	assert.deepEqual(JSON.parse(text(r)).columns, s.columns);
});

test('list_tables and describe_table', async () => {
	let r = await call(state.a, 'list_tables');
	assert.deepEqual(r.structuredContent.tables, ['notes']);
	r = await call(state.a, 'describe_table', { table: 'notes' });
	assert.equal(r.isError, false, text(r));
	assert.deepEqual(r.structuredContent.columns.map(c => c.name),
	    ['id', 'body', 'n']);
	assert.deepEqual(r.structuredContent.primary_key, ['id']);
	r = await call(state.a, 'describe_table', { table: 'nosuch' });
	assert.equal(r.isError, true);
	assert.match(text(r), /no such table/);
});

test('a forbidden statement and a SQL error are tool errors', async () => {
	let r = await call(state.a, 'execute', { sql: "ATTACH 'x.db' AS x" });
	assert.equal(r.isError, true);
	assert.match(text(r), /^forbidden sql keyword: ATTACH/);
	r = await call(state.a, 'execute', { sql: 'SELECT load_extension(1)' });
	assert.equal(r.isError, true);
	assert.match(text(r), /forbidden sql keyword/);
	r = await call(state.a, 'execute', { sql: 'SELEC 1' });
	assert.equal(r.isError, true);
	assert.match(text(r), /^invalid sql: /);
	r = await call(state.a, 'execute', { sql: 'SELECT ?', args: [1, 2] });
	assert.equal(r.isError, true);
	assert.match(text(r), /^invalid args: /);
});

test('two clients cannot see each other', async () => {
	const { client } = await connect();
	state.b = client;
	let r = await call(client, 'list_tables');
	assert.deepEqual(r.structuredContent.tables, []);
	r = await call(client, 'execute', { sql: 'SELECT * FROM notes' });
	assert.equal(r.isError, true);
	assert.match(text(r), /no such table: notes/);
	r = await call(client, 'execute', { sql: 'CREATE TABLE mine(x)' });
	assert.equal(r.isError, false, text(r));
	r = await call(state.a, 'list_tables');
	assert.deepEqual(r.structuredContent.tables, ['notes']);
});

test('reset gives an empty walk-in', async () => {
	let r = await call(state.b, 'reset');
	assert.equal(r.isError, false, text(r));
	r = await call(state.b, 'list_tables');
	assert.deepEqual(r.structuredContent.tables, []);
	r = await call(state.b, 'execute', { sql: 'SELECT count(*) AS n FROM mine' });
	assert.equal(r.isError, true);
	r = await call(state.b, 'execute', { sql: 'CREATE TABLE again(y)' });
	assert.equal(r.isError, false, text(r));
	r = await call(state.b, 'list_tables');
	assert.deepEqual(r.structuredContent.tables, ['again']);
});

test('Authorization: Bearer binds to a walk-in made with /sql', async () => {
	const made = await sqlPost({ sql:
	    "CREATE TABLE shared(v TEXT); INSERT INTO shared VALUES('from a person')" });
	assert.equal(made.status, 200);
	const tok = made.token;
	const { client } = await connect({ requestInit: { headers: {
	    Authorization: `Bearer ${tok}` } } });
	let r = await call(client, 'execute', { sql: 'SELECT v FROM shared' });
	assert.equal(r.isError, false, text(r));
	assert.deepEqual(r.structuredContent.rows, [['from a person']]);
	r = await call(client, 'execute', { sql:
	    "INSERT INTO shared VALUES('from an agent')" });
	assert.equal(r.isError, false, text(r));
	const seen = await sqlPost({ sql: 'SELECT count(*) AS n FROM shared' }, tok);
	assert.deepEqual(seen.json.rows, [[2]]);
	r = await call(client, 'reset');
	assert.equal(r.isError, true, 'reset of a bound walk-in');
});

test('a forged session or token is refused', async () => {
	const sid = state.aTransport.sessionId;
	const forged = sid.slice(0, 20) + (sid[20] === 'A' ? 'B' : 'A') +
	    sid.slice(21);
	// given a session id, the SDK skips initialize: the first call fails
	const { client } = await connect({ sessionId: forged });
	await assert.rejects(client.listTools(), /404|session not found/);
	await assert.rejects(connect({ requestInit: { headers: {
	    Authorization: 'Bearer wkn_' + 'A'.repeat(99) } } }),
	    /404|instance not found/);
	const r = await rawPost({ jsonrpc: '2.0', id: 1, method: 'tools/list' },
	    { 'Mcp-Session-Id': forged });
	assert.equal(r.status, 404);
});

test('DELETE ends the session; its id is 404 after', async () => {
	const { client, transport } = await connect();
	const sid = transport.sessionId;
	let r = await call(client, 'execute', { sql: 'CREATE TABLE gone(x)' });
	assert.equal(r.isError, false, text(r));
	await transport.terminateSession();
	const after = await rawPost({ jsonrpc: '2.0', id: 7, method: 'tools/call',
	    params: { name: 'list_tables', arguments: {} } },
	    { 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-11-25' });
	assert.equal(after.status, 404);
	// and its walk-in went with it: the id is also a /sql token
	const s = await sqlPost({ sql: 'SELECT 1' }, sid);
	assert.equal(s.status, 404);
});

let pass = 0, fail = 0;
for (const [name, fn] of cases) {
	try {
		await fn();
		pass++;
		console.log(`ok ${name}`);
	} catch (e) {
		fail++;
		console.log(`FAIL ${name}: ${(e && e.message || String(e)).split('\n')[0]}`);
	}
}
for (const c of open)
	await c.close().catch(() => {});
console.log(`mcp-sdk: ${pass} passed, ${fail} failed`);
process.exit(fail === 0 ? 0 : 1);

-- sql.lua: wrk script for walkind's POST /sql (and the ceiling's).
--
-- Configured by environment (bench/run.py sets it):
--   BENCH_SQL      SQL text; every "{k}" becomes a key 1..BENCH_KEYS,
--                  different per pre-built request
--   BENCH_KEYS     key range for {k} (default 1000)
--   BENCH_TOKENS   file with one X-Walkin-Session token per line; empty or
--                  unset: no header, so every request creates a walk-in
--   BENCH_OWN      "1": thread i uses only token i (one connection per
--                  thread gives each client its own walk-in); otherwise
--                  each thread cycles through all tokens, one per request
--   BENCH_OUT      file the summary is written to as one JSON object
--   BENCH_MAX      if set: each thread stops after this many responses
--
-- Requests are formatted once per thread in init() (1024 of them, tokens
-- and keys interleaved), so request() costs the load generator nothing.

local tokens = {}
local reqs = {}
local nreq = 0
local pos = 0
local counter = 0

local function json_string(s)
	return '"' .. s:gsub('[\\"]', '\\%0') .. '"'
end

local function read_tokens(path)
	local t = {}
	if path == nil or path == "" then
		return t
	end
	local f = assert(io.open(path, "r"))
	for line in f:lines() do
		if line ~= "" then
			t[#t + 1] = line
		end
	end
	f:close()
	return t
end

function setup(thread)
	thread:set("tid", counter)
	counter = counter + 1
end

function init(args)
	local sql = os.getenv("BENCH_SQL") or "SELECT 1"
	local keys = tonumber(os.getenv("BENCH_KEYS") or "1000")
	local own = os.getenv("BENCH_OWN") == "1"
	tokens = read_tokens(os.getenv("BENCH_TOKENS"))
	if own and #tokens > 0 then
		tokens = { tokens[(tid % #tokens) + 1] }
	end
	math.randomseed(os.time() + tid * 7919)
	local n = 1024
	for i = 1, n do
		local text = sql:gsub("{k}", tostring(math.random(1, keys)))
		local headers = { ["Content-Type"] = "application/json" }
		if #tokens > 0 then
			headers["X-Walkin-Session"] = tokens[((i + tid) % #tokens) + 1]
		end
		reqs[i] = wrk.format("POST", "/sql", headers,
		    '{"sql":' .. json_string(text) .. '}')
	end
	nreq = n
end

function request()
	pos = pos % nreq + 1
	return reqs[pos]
end

local max = tonumber(os.getenv("BENCH_MAX") or "")
if max ~= nil then
	local seen = 0
	function response(status, headers, body)
		seen = seen + 1
		if seen >= max then
			wrk.thread:stop()
		end
	end
end

function done(summary, latency, requests)
	local out = os.getenv("BENCH_OUT")
	local e = summary.errors
	local p = function(q) return latency:percentile(q) end
	local text = string.format(
	    '{"requests":%d,"duration_us":%d,"bytes":%d,' ..
	    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
	    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d,' ..
	    '"mean_us":%.1f}\n',
	    summary.requests, summary.duration, summary.bytes,
	    e.connect, e.read, e.write, e.status, e.timeout,
	    p(50), p(90), p(99), p(99.9), latency.max, latency.mean)
	if out ~= nil and out ~= "" then
		local f = assert(io.open(out, "w"))
		f:write(text)
		f:close()
	else
		io.write(text)
	end
end

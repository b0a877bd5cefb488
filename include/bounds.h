/*
 * bounds.h: every fixed limit of walkind in one place.
 *
 * Each constant says what it bounds and why this value. Limits that an
 * operator may change are command-line options (see config.h); their
 * defaults live here too so README, --help and the code agree.
 */
#ifndef WALKIND_BOUNDS_H
#define WALKIND_BOUNDS_H

/* ---- command-line defaults (config.h documents the options) ---- */
#define BOUNDS_DEF_TTL_S		600	/* walk-in lifetime: 10 minutes */
#define BOUNDS_DEF_MAX_DB_BYTES		10485760	/* 10 MiB per walk-in */
#define BOUNDS_DEF_MAX_BODY_BYTES	8192	/* walkindb's body cap */
#define BOUNDS_DEF_QUERY_TIMEOUT_MS	2000	/* wall clock per request */
#define BOUNDS_DEF_MAX_ROWS		10000
#define BOUNDS_DEF_MAX_RESULT_BYTES	1048576	/* row data per reply */
#define BOUNDS_DEF_RATE_REQUESTS	60	/* per minute per client IP */
#define BOUNDS_DEF_RATE_CREATES		10	/* per minute per client IP */
#define BOUNDS_DEF_MAX_INST_PER_IP	50	/* live walk-ins per client IP */
#define BOUNDS_DEF_MAX_INSTANCES	100000	/* node-wide circuit breaker */
#define BOUNDS_DEF_POOL_SIZE		64	/* live executor processes */
#define BOUNDS_DEF_IDLE_TIMEOUT_MS	30000	/* idle executor exits */
#define BOUNDS_DEF_MAX_MEMORY		(128L * 1024 * 1024) /* per executor */
#define BOUNDS_DEF_THREADS		0	/* SQLite sorter threads */
/* Executors the spawner keeps forked and jailed for creates (--warm):
 * a create then skips fork and the jail's set-up (issue 14). 4: a burst
 * of up to 4 creates at once (a page or an agent opening a few walk-ins)
 * finds them all ready, and one taken is replaced within a jail's
 * set-up time, about a millisecond; each idle one costs about 500 KiB
 * PSS and one descriptor in the spawner. Past 4, creates fork as with
 * 0 (never waiting for a warm one): more would cost memory without
 * serving a steady rate any faster, since each create still pays one
 * fork in the spawner either way (docs/PERFORMANCE.md). */
#define BOUNDS_DEF_WARM			4
#define BOUNDS_DEF_USER		"walkind" /* dedicated account; root is dropped */

/* ---- SQLite per-connection limits (sqlite3_limit), see SECURITY.md ---- */
#define BOUNDS_SQL_LENGTH	8192	/* one statement's text; == body cap */
#define BOUNDS_LENGTH		1000000	/* string/blob; bounds instr/replace cost */
#define BOUNDS_COLUMN		100	/* also caps ORDER BY terms (CVE-2025-7458) */
#define BOUNDS_EXPR_DEPTH	50	/* C-stack recursion in the parser/codegen */
#define BOUNDS_COMPOUND_SELECT	10
#define BOUNDS_VDBE_OP		500000	/* program size; NOMEM at prepare past it */
#define BOUNDS_FUNCTION_ARG	16
/* No ATTACH or VACUUM INTO from users: the main door. The compiled
 * ceiling is BOUNDS_MAX_DATASETS, for the executor's own ATTACH of the
 * datasets (sqlconn.c), after which this limit is set. */
#define BOUNDS_ATTACHED		0
#define BOUNDS_LIKE_PATTERN	100	/* LIKE/GLOB backtracking */
#define BOUNDS_VARIABLE_NUMBER	100
#define BOUNDS_TRIGGER_DEPTH	5	/* trigger fan-out */
#define BOUNDS_MAX_THREADS	8	/* upper bound for --threads */
#define BOUNDS_PROGRESS_OPS	1000	/* VM steps between deadline checks */
/* CPU fairness: a request that has run this long (its executor's
 * progress handler sees it) drops its thread to nice BOUNDS_DEMOTE_NICE,
 * so short queries of other walk-ins keep the cores while a bomb runs
 * out its deadline. 50 ms is far above a point query or a small write
 * (well under 1 ms) and 40 times below the default deadline. The
 * executor cannot raise its priority again (not root, RLIMIT_NICE 0), so
 * it retires after the reply and the walk-in's next request gets a fresh
 * executor at normal priority (a spawn, a few ms after at least 50);
 * while a transaction or Hrana stream is open it serves on, demoted,
 * and retires after the first reply that leaves none open. */
#define BOUNDS_DEMOTE_MS	50
#define BOUNDS_DEMOTE_NICE	19
#define BOUNDS_HEAP_SLACK	(16L * 1024 * 1024) /* heap limit = max_memory - slack */
/* Busy timeout of an executor's connection. Each executor keeps its
 * walk-in's file locked until it exits (locking_mode EXCLUSIVE, see
 * sqlconn.c), and the next executor of the same walk-in may start while
 * the last one is still exiting: an exit takes milliseconds, so this
 * only bounds a stuck one, and stays below the default query timeout. */
#define BOUNDS_LOCK_WAIT_MS	1000

/* Nesting of a JSON request body (jparse): POST /sql needs 3 (the
 * body, args, a typed value); the bound keeps the parser's and
 * cJSON_Delete's recursion shallow. */
#define BOUNDS_JSON_DEPTH	16

/* ---- replies and uploads (ipc.c derives every frame cap from these) ---- */
/* Reply bytes beyond --max-result-bytes that a reply may carry: an error
 * message (SQLite's quotes at most one statement, BOUNDS_SQL_LENGTH),
 * punctuation and counts. Column names and row data count against
 * --max-result-bytes itself. */
#define BOUNDS_REPLY_SLACK	65536
/* all_results: each statement's entry adds its counts and time outside
 * the row budget; a statement takes at least 2 bytes of the body, so a
 * body of N bytes adds at most N / 2 entries of this many bytes. */
#define BOUNDS_REPLY_ENTRY	192
/* POST /session with a SQL script (application/sql): the body cap, and
 * the per-statement SQL_LENGTH for that job only, so a script written
 * by GET /session/export.sql of a small walk-in (one INSERT a row) can
 * be loaded again. Bounded like a body: it is parsed in the jail. */
#define BOUNDS_SCRIPT_BYTES	(1024L * 1024)
/* GET /session/export.sql: a dump may hold up to this many times
 * --max-db-bytes (blobs double in hex); past it the answer is 413. */
#define BOUNDS_DUMP_FACTOR	4
/* Requests whose bodies are over --max-body-bytes (database uploads and
 * scripts) being read at once, node-wide: each holds its body in the
 * front end's memory, so they are few; past it, 503. */
#define BOUNDS_LARGE_BODIES	8

/* ---- executor deadline ---- */
#define BOUNDS_KILL_GRACE_MS	500	/* SIGKILL this long after the deadline */
#define BOUNDS_CPU_SECONDS	30	/* RLIMIT_CPU backstop for one executor */

/* ---- per-executor cgroup v2 (sandbox/cgroup.c), when delegated ---- */
/* memory.max = --max-memory + 2 * --max-db-bytes + this: page tables,
 * kernel stack, socket buffers of one executor. An estimate, not
 * measured (no cgroup2 on the build box); generous: it is a backstop. */
#define BOUNDS_CGROUP_MEM_SLACK		(4L * 1024 * 1024)
/* pids.max = 1 + --threads + this: a joined helper thread still counts
 * until the kernel has released it. */
#define BOUNDS_CGROUP_PIDS_SLACK	1
/* cpu.max period (the kernel's default), quota = period: one CPU. */
#define BOUNDS_CGROUP_CPU_PERIOD_US	100000

/* ---- HTTP front end ---- */
#define BOUNDS_HTTP_MAX_HEAD	8192	/* request line + headers, bytes */
#define BOUNDS_HTTP_MAX_HEADERS	64	/* header lines per request */
#define BOUNDS_HTTP_REQUEST_MS	10000	/* first byte to full body (slowloris) */
#define BOUNDS_HTTP_IDLE_MS	30000	/* keep-alive idle before close */
#define BOUNDS_HTTP_MAX_CONNS	4096	/* open client connections */
/* After a reply that closes the connection, input is drained this long
 * so the close is a FIN, not a reset that can discard the reply. */
#define BOUNDS_HTTP_LINGER_MS	1000
/* accept(2) out of descriptors again within this long of the last time
 * is the same episode, which is logged once. */
#define BOUNDS_HTTP_STARVED_QUIET_MS	10000
/* Descriptors the front end holds besides connections and executors
 * (2 each: socket, pidfd): listener, spawner link, stdio, log and key
 * directories, the day's access log, libevent's epoll and signal pipe;
 * about 15, so 64 leaves room. deploy/walkind.service's LimitNOFILE is
 * this sum (tests/deploy/check-unit.sh); below it main.c lowers the
 * connection cap to what RLIMIT_NOFILE holds... */
#define BOUNDS_FE_FD_SLACK	64
/* ...and refuses to start below this many connections: a service that
 * a few dozen idle clients fill is a misconfiguration, not a service. */
#define BOUNDS_HTTP_MIN_CONNS	64
/* Out of descriptors at accept(2) anyway: stop accepting this long at a
 * time, rather than spin on a connection that cannot be taken (http.c). */
#define BOUNDS_HTTP_ACCEPT_PAUSE_MS 200
/* Unsent reply bytes need no cap of their own: a connection holds one
 * reply at a time (pipelined requests wait unread, http.c), and a reply
 * is bounded by --max-result-bytes plus its encoding. */
/* A reply the client takes no byte of for this long: closed. Without it a
 * client that never reads holds its connection and reply for ever. */
#define BOUNDS_HTTP_WRITE_STALL_MS 10000

/* ---- /mcp (mcp.c) ---- */
/* MCP sessions ended by DELETE /mcp and remembered (as a 16-byte hash of
 * the session id and its expiry) until they expire, so a replayed id is
 * 404 and never brings a walk-in back: 4096 * 24 bytes. Full, DELETE is
 * 503 until some expire; a restart forgets them (SECURITY.md). */
#define BOUNDS_MCP_ENDED	4096

/* ---- pool ---- */
/* Wait for a free executor, then 503; behind the walk-in's own busy
 * executor, this plus --query-timeout-ms + BOUNDS_KILL_GRACE_MS. A
 * parked request (below) has the same bound, counted from when it was
 * parked. */
#define BOUNDS_QUEUE_WAIT_MS	1000
/* Queued requests for one walk-in: what its executor takes next. Past
 * it a request is parked (pool.c), not refused. */
#define BOUNDS_QUEUE_PER_WALKIN	64
/* Requests parked node-wide, waiting for room in their walk-in's queue;
 * past it, 503 with Retry-After (node capacity). Each holds its job's
 * copy in the front end: under the large-body cap about 2 x
 * --max-body-bytes + 4 KiB (20 KiB at the default, so 20 MiB for all);
 * larger ones are also counted by BOUNDS_LARGE_BODIES. Its connection
 * reads nothing more meanwhile, so a burst costs sockets, not memory.
 * 1024 parks the whole of a burst of several hundred on one walk-in. */
#define BOUNDS_PARKED_MAX	1024
/* Frames in flight to one executor: the next request waits in its socket
 * while one runs, so it starts without a wake-up round trip through the
 * front end (docs/PERFORMANCE.md). More would gain nothing, the executor
 * runs them one at a time, and would take them out of the queue's
 * 503 bound and wait timers. */
#define BOUNDS_PIPELINE		2
#define BOUNDS_RETRY_AFTER_S	1	/* Retry-After on 503 */

/* ---- disk ---- */
#define BOUNDS_MIN_FREE_BYTES	(256L * 1024 * 1024) /* refuse creates below */
/* Refuse creates below this many free inodes, too: a walk-in takes four
 * (directory, meta, db.sqlite, and its journal from its first write
 * until its executor exits), and without an inode the
 * spawner's mkdir fails, which would be a 500, not the 503 of a full
 * node (tests/faults/test_faults.py). */
#define BOUNDS_MIN_FREE_INODES	1024

/* ---- rate limiting (src/ratelimit.c) ---- */
/* Client IPs with rate-limit buckets at once (about 12 MiB); past it new
 * IPs are not limited until entries expire (fail open, logged once per
 * episode: failing closed would let anyone lock everyone out). */
#define BOUNDS_RATE_MAX_IPS	100000

/* ---- option ranges (src/config.c) that are limits of their own ---- */
/* --ttl: at most a day, so a token always outlives no more than one key
 * rotation (BOUNDS_KEY_ROTATE_S; the previous key is kept). */
#define BOUNDS_MAX_TTL_S	86400
/* --pool-size: each executor is a process and a socket pair in the
 * front end (2 descriptors: socket and pidfd). */
#define BOUNDS_MAX_POOL_SIZE	10000
/* --dataset, repeatable: each granted dataset is one ATTACH on every
 * connection of an executor (SQLite's compiled maximum is 10) and one
 * Landlock rule in the spawner and in each executor. */
#define BOUNDS_MAX_DATASETS	8

/* --warm: each is an idle process (a fork of the small spawner, about
 * 500 KiB PSS with its pre-warmed SQLite heap) and a socket in the
 * spawner, not counted in the pool. */
#define BOUNDS_MAX_WARM		64
/* Pending connections the kernel queues before refusing (listen(2)). */
#define BOUNDS_LISTEN_BACKLOG	1024

/* ---- spawner ---- */
/* Removal steps (unlink, rmdir, opendir) the spawner does between two
 * messages: about a millisecond on ext4, the most a spawn waits behind
 * a bucket being removed (tests/blackbox: big_bucket_removal). */
#define BOUNDS_SPAWNER_RM_BATCH	64

/* ---- libSQL's Hrana over HTTP (src/hrana*.c, README) ---- */
/* Body cap of POST /v2/pipeline and /v3/pipeline: a batch carries many
 * statements (an ORM's migration), where /sql carries one. */
#define BOUNDS_HRANA_BODY	(1024L * 1024)
/* An open stream unused this long is dropped, its transaction rolled
 * back with the walk-in's next Hrana job (and no later than its
 * executor's exit, --idle-timeout after the last request). */
#define BOUNDS_HRANA_IDLE_MS	60000
/* Open streams per walk-in: each is an SQLite connection in the
 * walk-in's executor (memory, file handles). */
#define BOUNDS_HRANA_STREAMS	8
/* Requests plus batch steps in one pipeline: each answer's counts and a
 * short error fit outside the row budget (BOUNDS_REPLY_SLACK). */
#define BOUNDS_HRANA_STMTS	500
/* Nested not/and/or in a batch condition (recursion in both the front
 * end's decoder and the executor). */
#define BOUNDS_HRANA_COND_DEPTH	8
/* JSON nesting of a pipeline body: body, requests, request, batch,
 * steps, step, stmt, args, typed value is 9; conditions add two levels
 * each. */
#define BOUNDS_HRANA_JSON_DEPTH	28
/* Stored SQL (store_sql): texts per stream, and bytes per walk-in over
 * all its streams, in the front end's memory. @libsql/client keeps at
 * most 30 (HTTP) or 100 (WebSocket). */
#define BOUNDS_HRANA_SQL_COUNT	128
#define BOUNDS_HRANA_SQL_BYTES	(256 * 1024)

/* ---- MCP (src/mcp*.c) ---- */
/* Messages in one JSON-RPC batch (2025-03-26 only): each may be a tool
 * call waiting on an executor, run one after another. */
#define BOUNDS_MCP_BATCH	16
/* Nesting depth of a body: params.arguments.args[i] is a typed value
 * object inside a batch, 6 levels; the rest is margin. */
#define BOUNDS_MCP_JSON_DEPTH	12

/* ---- signed identities (src/jwt.c, SECURITY.md "Signed identities") ---- */
/* A JWT in a Bearer header: an identity with a few claims is a few
 * hundred bytes; 4 KiB leaves room for an issuer's extra claims and
 * bounds the base64 and JSON work an anonymous caller can ask for. */
#define BOUNDS_JWT_MAX_BYTES	4096
/* Clock skew tolerated between the issuer and this node, for "exp",
 * "nbf" and "iat": small next to any useful token lifetime, large
 * enough for hosts that are merely NTP-synchronised. */
#define BOUNDS_JWT_LEEWAY_S	30
/* The HS256 secret file: at least 32 bytes, the output size of
 * SHA-256 (RFC 7518 section 3.2 requires a key at least that long);
 * at most 4 KiB, so a wrong path (a log, a disk image) fails at start. */
#define BOUNDS_JWT_SECRET_MIN	32
#define BOUNDS_JWT_SECRET_MAX	4096
/* JSON nesting of a payload: claims, "walkind", "datasets", a table
 * list. */
#define BOUNDS_JWT_JSON_DEPTH	4
/* --jwt-max-db-bytes default: what a claim's "max_db_bytes" may ask. */
#define BOUNDS_JWT_DEF_MAX_DB_BYTES	(1024LL * 1024 * 1024)
/* The smallest "max_db_bytes" a claim may set: --max-db-bytes's own
 * minimum (a few pages of schema and journal must fit). */
#define BOUNDS_JWT_MIN_DB_BYTES	(64LL * 1024)

/* ---- housekeeping ---- */
/*
 * SIGTERM: stop accepting, let requests in flight finish for at most this
 * long, then exit (what is still running is answered 503 and dropped).
 * It covers the default deadline (2 s query timeout + 0.5 s kill grace)
 * with a queue wait (1 s) behind it, twice over, and stays under
 * deploy/walkind.service's TimeoutStopSec=10s so the service manager
 * never has to SIGKILL. A second SIGTERM or SIGINT exits at once.
 */
#define BOUNDS_SHUTDOWN_GRACE_MS	8000
#define BOUNDS_SHUTDOWN_POLL_MS		50	/* how often the drain checks */
#define BOUNDS_SWEEP_INTERVAL_S	5	/* expired walk-ins gone within 5 s */
#define BOUNDS_LOG_RETENTION_DAYS 7
#define BOUNDS_KEY_ROTATE_S	86400	/* daily; previous key kept, > TTL */

#endif

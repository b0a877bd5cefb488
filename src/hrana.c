/*
 * hrana.c: libSQL's remote protocol, Hrana over HTTP with JSON (front
 * end process; see hrana.h). POST /v2/pipeline and /v3/pipeline run a
 * pipeline on a stream; GET /v2 and /v3 answer 200 for clients that
 * probe versions. /v3-protobuf and /v3/cursor are not served (404):
 * @libsql/client then speaks Hrana 2 over JSON.
 *
 * Order: rate limit (one token a pipeline, however many statements) ->
 * Content-Type -> token (the walk-in) -> JSON -> baton (the stream) ->
 * requests into the executor's program (hranadec.c: keyword layer,
 * values) -> pool. HTTP errors carry {"message","code"} as well as
 * walkind's "error", so the client reports them; a statement's error is
 * a Hrana error result, written by the executor.
 *
 * Streams. The front end keeps each open stream's state: its executor
 * slot (streams.c), a stream id, the sequence number of its next baton,
 * its stored SQL (store_sql), its last use. A pipeline with no baton
 * that closes its stream runs in the executor's one-shot slot and keeps
 * nothing here (every client.execute() of @libsql/client); one that
 * leaves it open takes one of HRANA_STREAMS slots of its walk-in.
 *
 * Batons: base64url of slot, stream id, sequence number and a 16-byte
 * keyed BLAKE2b MAC over those and the walk-in id, with a key drawn at
 * the first use and never leaving this process. A baton is valid once
 * (the sequence number moves at each pipeline and the reply carries the
 * next), only with its walk-in's token (the MAC covers the id), and
 * only while its stream lives: closed, idle past HRANA_IDLE_MS, or its
 * executor gone (the executor notices a slot that lost its stream).
 * Forged, replayed, expired and other walk-ins' batons all get the same
 * 400 "invalid or expired baton". Batons die with the process.
 *
 * State: file-static, event-loop thread only. A stream with a pipeline
 * in flight (busy) is never freed: the pool always answers it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "buf.h"
#include "clock.h"
#include "frontend_int.h"
#include "hrana.h"
#include "hranadec.h"
#include "hranawire.h"
#include "http.h"
#include "ipc.h"
#include "jparse.h"
#include "json.h"
#include "ratelimit.h"
#include "registry.h"
#include "token.h"

#define HRANA_BATON_RAW		29	/* slot 1, id 8, seq 4, MAC 16 */
#define HRANA_BATON_MAC		16
#define HRANA_BATON_LEN		39	/* base64url, no padding */
#define HRANA_BUCKETS		256

struct hrana_walkin;

struct hrana_stream {
	struct fe_door		 door;		/* first: req->udata */
	struct hrana_walkin	*w;
	unsigned		 slot;		/* executor slot */
	uint64_t		 id;		/* 0: free */
	uint32_t		 seq;		/* the next baton's */
	int			 busy;		/* a pipeline in flight */
	int			 closing;	/* and it closes the stream */
	int64_t			 last_ms;
	struct hranadec_store	 store;
};

struct hrana_walkin {
	uint8_t			 id[TOKEN_ID_BYTES];
	int64_t			 expiry;	/* unix seconds */
	size_t			 sql_bytes;	/* stored SQL, all streams */
	unsigned		 end_mask;	/* slots to end at next job */
	struct hrana_stream	 s[HRANA_STREAMS];
	struct hrana_walkin	*next;
};

static struct hrana_walkin	*hrana_table[HRANA_BUCKETS];
static unsigned char		 hrana_key[crypto_generichash_KEYBYTES];
static uint64_t			 hrana_next_id;
static int			 hrana_keyed;

static void	hrana_answer(struct http_req *, struct instance *, int, int,
		    const char *, size_t);
static void	hrana_answer_oneshot(struct http_req *, struct instance *,
		    int, int, const char *, size_t);
static const struct fe_door	hrana_oneshot = { hrana_answer_oneshot };

/* ---- replies ---- */

/* An HTTP error the client reports: {"error":M,"message":M,"code":C}. */
static void
hrana_reply_error(struct http_req *req, int status, const char *msg,
    const char *code, const struct http_header *h, size_t nh)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "{\"error\":");
	json_add_string(&b, msg, strlen(msg));
	buf_adds(&b, ",\"message\":");
	json_add_string(&b, msg, strlen(msg));
	buf_adds(&b, ",\"code\":");
	json_add_string(&b, code, strlen(code));
	buf_addc(&b, '}');
	http_reply(req, status, h, nh, b.data, b.len);
	buf_free(&b);
}

void
hrana_version_get(struct http_req *req)
{
	static const char body[] = "{\"hrana\":[2,3],\"encoding\":\"json\"}";

	http_reply(req, 200, NULL, 0, body, sizeof(body) - 1);
}

/* ---- streams ---- */

static void
hrana_keys_init(void)
{
	if (hrana_keyed)
		return;
	randombytes_buf(hrana_key, sizeof(hrana_key));
	randombytes_buf(&hrana_next_id, sizeof(hrana_next_id));
	hrana_keyed = 1;
}

static uint64_t
hrana_new_id(void)
{
	if (++hrana_next_id == 0)
		hrana_next_id = 1;
	return hrana_next_id;
}

static struct hrana_walkin **
hrana_bucket(const uint8_t id[TOKEN_ID_BYTES])
{
	return &hrana_table[id[0]];	/* ids are random */
}

static struct hrana_walkin *
hrana_walkin_find(const uint8_t id[TOKEN_ID_BYTES])
{
	struct hrana_walkin *w;

	for (w = *hrana_bucket(id); w != NULL; w = w->next)
		if (memcmp(w->id, id, TOKEN_ID_BYTES) == 0)
			return w;
	return NULL;
}

static struct hrana_walkin *
hrana_walkin_get(const uint8_t id[TOKEN_ID_BYTES], int64_t expiry)
{
	struct hrana_walkin *w, **b = hrana_bucket(id);
	unsigned i;

	if ((w = hrana_walkin_find(id)) != NULL)
		return w;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		abort();
	memcpy(w->id, id, TOKEN_ID_BYTES);
	w->expiry = expiry;
	for (i = 0; i < HRANA_STREAMS; i++) {
		w->s[i].door.answer = hrana_answer;
		w->s[i].w = w;
		w->s[i].slot = HRANA_SLOT_ONESHOT + 1 + i;
		hranadec_store_init(&w->s[i].store, &w->sql_bytes);
	}
	w->next = *b;
	*b = w;
	return w;
}

/* Free w if none of its streams is open and no end is pending. */
static void
hrana_walkin_maybe_free(struct hrana_walkin *w)
{
	struct hrana_walkin **p;
	unsigned i;

	for (i = 0; i < HRANA_STREAMS; i++)
		if (w->s[i].id != 0)
			return;
	if (w->end_mask != 0 && w->expiry > clock_wall_s())
		return;
	for (p = hrana_bucket(w->id); *p != w; p = &(*p)->next)
		;
	*p = w->next;
	free(w);
}

/* Close s here; `ended`: the executor has ended it too. */
static void
hrana_stream_free(struct hrana_stream *s, int ended)
{
	hranadec_store_free(&s->store);
	s->id = 0;
	s->busy = 0;
	if (!ended)
		s->w->end_mask |= 1u << s->slot;
	hrana_walkin_maybe_free(s->w);
}

static struct hrana_stream *
hrana_stream_new(struct hrana_walkin *w)
{
	struct hrana_stream *s;
	unsigned i;

	for (i = 0; i < HRANA_STREAMS; i++) {
		s = &w->s[i];
		if (s->id == 0) {
			s->id = hrana_new_id();
			s->seq = 0;
			s->busy = 0;
			s->last_ms = clock_mono_ms();
			w->end_mask &= ~(1u << s->slot);  /* fresh resets */
			return s;
		}
	}
	return NULL;
}

void
hrana_sweep(int64_t now_ms, int64_t wall_s)
{
	struct hrana_walkin *w, *next;
	unsigned b, i;

	for (b = 0; b < HRANA_BUCKETS; b++)
		for (w = hrana_table[b]; w != NULL; w = next) {
			next = w->next;
			for (i = 0; i < HRANA_STREAMS; i++)
				if (w->s[i].id != 0 && !w->s[i].busy &&
				    (now_ms - w->s[i].last_ms > HRANA_IDLE_MS ||
				    w->expiry <= wall_s))
					hrana_stream_free(&w->s[i], 0);
			hrana_walkin_maybe_free(w);
		}
}

/* ---- batons ---- */

static void
hrana_mac(const uint8_t id[TOKEN_ID_BYTES], const unsigned char *raw,
    unsigned char mac[HRANA_BATON_MAC])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, hrana_key, sizeof(hrana_key),
	    HRANA_BATON_MAC);
	crypto_generichash_update(&st, id, TOKEN_ID_BYTES);
	crypto_generichash_update(&st, raw, HRANA_BATON_RAW - HRANA_BATON_MAC);
	crypto_generichash_final(&st, mac, HRANA_BATON_MAC);
}

static void
hrana_put64(unsigned char *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
hrana_get64(const unsigned char *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The baton of s's next pipeline into out (HRANA_BATON_LEN + NUL). */
static void
hrana_baton(const struct hrana_stream *s, char out[HRANA_BATON_LEN + 1])
{
	unsigned char raw[HRANA_BATON_RAW];

	raw[0] = (unsigned char)s->slot;
	hrana_put64(raw + 1, s->id, 8);
	hrana_put64(raw + 9, s->seq, 4);
	hrana_mac(s->w->id, raw, raw + HRANA_BATON_RAW - HRANA_BATON_MAC);
	sodium_bin2base64(out, HRANA_BATON_LEN + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* The open, idle stream of walk-in id whose current baton b is; NULL
 * for anything else, told apart by nothing (no oracle). */
static struct hrana_stream *
hrana_baton_check(const uint8_t id[TOKEN_ID_BYTES], const char *b)
{
	unsigned char raw[HRANA_BATON_RAW], mac[HRANA_BATON_MAC];
	struct hrana_walkin *w;
	struct hrana_stream *s;
	size_t n = 0;
	unsigned slot;

	if (strlen(b) != HRANA_BATON_LEN || sodium_base642bin(raw,
	    sizeof(raw), b, HRANA_BATON_LEN, NULL, &n, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    n != sizeof(raw))
		return NULL;
	hrana_mac(id, raw, mac);
	if (sodium_memcmp(mac, raw + HRANA_BATON_RAW - HRANA_BATON_MAC,
	    HRANA_BATON_MAC) != 0)
		return NULL;
	slot = raw[0];
	if (slot <= HRANA_SLOT_ONESHOT || slot > HRANA_SLOT_MAX ||
	    (w = hrana_walkin_find(id)) == NULL)
		return NULL;
	s = &w->s[slot - HRANA_SLOT_ONESHOT - 1];
	if (s->id == 0 || s->busy || s->id != hrana_get64(raw + 1, 8) ||
	    s->seq != (uint32_t)hrana_get64(raw + 9, 4))
		return NULL;
	return s;
}

/* ---- answers ---- */

/* A non-200 from the executor or the pool: its {"error"} as a Hrana
 * HTTP error. */
static void
hrana_answer_error(struct http_req *req, struct instance *inst, int status,
    const char *body, size_t len)
{
	const cJSON *e;
	cJSON *root = jparse(body, len, 2, NULL);
	const char *msg = "internal error";
	struct buf b;

	if (root != NULL && cJSON_IsString(e = cJSON_GetObjectItemCaseSensitive(
	    root, "error")))
		msg = e->valuestring;
	buf_init(&b);
	buf_adds(&b, "{\"error\":");
	json_add_string(&b, msg, strlen(msg));
	buf_adds(&b, ",\"message\":");
	json_add_string(&b, msg, strlen(msg));
	buf_addc(&b, '}');
	fe_reply_walkin(req, inst, 0, status, 200, NULL, b.data, b.len, NULL);
	buf_free(&b);
	cJSON_Delete(root);
}

static void
hrana_answer_ok(struct http_req *req, struct instance *inst,
    const char *baton, const char *body, size_t len)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "{\"baton\":");
	if (baton != NULL)
		json_add_string(&b, baton, strlen(baton));
	else
		buf_adds(&b, "null");
	buf_adds(&b, ",\"base_url\":null,\"results\":");
	buf_add(&b, body, len);
	buf_addc(&b, '}');
	fe_reply_walkin(req, inst, 0, 200, 200, NULL, b.data, b.len, NULL);
	buf_free(&b);
}

static void
hrana_answer(struct http_req *req, struct instance *inst, int create,
    int status, const char *body, size_t len)
{
	struct hrana_stream *s = req->udata;
	char baton[HRANA_BATON_LEN + 1];

	(void)create;
	s->busy = 0;
	s->last_ms = clock_mono_ms();
	if (status != 200) {
		/* 400 "stream expired": the executor lost it already. */
		hrana_stream_free(s, status == 400);
		hrana_answer_error(req, inst, status, body, len);
	} else if (s->closing) {
		hrana_stream_free(s, 1);
		hrana_answer_ok(req, inst, NULL, body, len);
	} else {
		hrana_baton(s, baton);
		hrana_answer_ok(req, inst, baton, body, len);
	}
}

static void
hrana_answer_oneshot(struct http_req *req, struct instance *inst,
    int create, int status, const char *body, size_t len)
{
	(void)create;
	if (status != 200)
		hrana_answer_error(req, inst, status, body, len);
	else
		hrana_answer_ok(req, inst, NULL, body, len);
}

/* ---- the pipeline ---- */

/* Does a request of root close the stream? */
static int
hrana_closes(const cJSON *root)
{
	const cJSON *r, *t;

	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(root,
	    "requests")) {
		t = cJSON_GetObjectItemCaseSensitive(r, "type");
		if (cJSON_IsString(t) && strcmp(t->valuestring, "close") == 0)
			return 1;
	}
	return 0;
}

static void
hrana_header(struct buf *p, unsigned slot, int fresh, uint64_t id,
    unsigned end_mask)
{
	unsigned char h[13];

	h[0] = HRANA_WIRE_VERSION;
	h[1] = (unsigned char)slot;
	h[2] = (unsigned char)fresh;
	hrana_put64(h + 3, id, 8);
	hrana_put64(h + 11, end_mask, 2);
	buf_add(p, h, sizeof(h));
}

/* The walk-in's slots to end, sent with a one-shot job. */
static unsigned
hrana_take_ends(const uint8_t id[TOKEN_ID_BYTES])
{
	struct hrana_walkin *w = hrana_walkin_find(id);
	unsigned mask;

	if (w == NULL)
		return 0;
	mask = w->end_mask;
	w->end_mask = 0;
	hrana_walkin_maybe_free(w);
	return mask;
}

/* Checks before any stream state: 0, or -1 after replying. */
static int
hrana_admit(struct http_req *req, uint8_t id[TOKEN_ID_BYTES],
    int64_t *expiry)
{
	char v[16];
	struct http_header h = { "Retry-After", v };
	const char *msg;
	int retry, status;

	if ((retry = fe_rate_take(req, RATELIMIT_REQUEST)) > 0) {
		snprintf(v, sizeof(v), "%d", retry);
		hrana_reply_error(req, 429, "rate limit exceeded",
		    "RATE_LIMIT", &h, 1);
		return -1;
	}
	if (!fe_ctype_is(req->content_type, "application/json")) {
		hrana_reply_error(req, 415, "content-type must be "
		    "application/json", "PROTO_ERROR", NULL, 0);
		return -1;
	}
	if ((status = fe_token_check(req, id, expiry, &msg)) != 0) {
		h = (struct http_header){ "WWW-Authenticate", "Bearer" };
		hrana_reply_error(req, status, msg, status == 404 ?
		    "INSTANCE_NOT_FOUND" : "UNAUTHORIZED", &h,
		    status == 401 ? 1 : 0);
		return -1;
	}
	return 0;
}

/*
 * The stream a pipeline runs on: the baton's, or a new one (NULL and
 * *oneshot when it closes within the pipeline). Returns 0, or -1 after
 * replying.
 */
static int
hrana_stream_for(struct http_req *req, const cJSON *root, const char *baton,
    const uint8_t id[TOKEN_ID_BYTES], int64_t expiry,
    struct hrana_stream **sp, int *oneshot)
{
	struct hrana_walkin *w;

	*sp = NULL;
	*oneshot = 0;
	if (baton != NULL) {
		if ((*sp = hrana_baton_check(id, baton)) == NULL) {
			hrana_reply_error(req, 400, "invalid or expired baton",
			    "STREAM_EXPIRED", NULL, 0);
			return -1;
		}
		return 0;
	}
	if (hrana_closes(root)) {
		*oneshot = 1;
		return 0;
	}
	w = hrana_walkin_get(id, expiry);
	if ((*sp = hrana_stream_new(w)) == NULL) {
		hrana_walkin_maybe_free(w);
		hrana_reply_error(req, 429, "too many open streams for this "
		    "walk-in (at most 8)", "STREAM_LIMIT", NULL, 0);
		return -1;
	}
	return 0;
}

void
hrana_pipeline_post(struct http_req *req)
{
	uint8_t id[TOKEN_ID_BYTES];
	struct hranadec_store tmp;
	struct hrana_stream *s;
	struct instance *inst;
	struct buf prog;
	const char *baton, *msg;
	int64_t expiry, sql_bytes = 0;
	int oneshot, closes, fresh;
	cJSON *root;

	hrana_keys_init();
	if (hrana_admit(req, id, &expiry) == -1)
		return;
	if (hranadec_parse(req->body, req->body_len, &root, &baton,
	    &msg) == -1) {
		hrana_reply_error(req, 400, msg, "PROTO_ERROR", NULL, 0);
		return;
	}
	buf_init(&prog);
	hranadec_store_init(&tmp, NULL);
	if (hrana_stream_for(req, root, baton, id, expiry, &s, &oneshot) == -1)
		goto done;
	fresh = baton == NULL;
	if (oneshot)
		hrana_header(&prog, HRANA_SLOT_ONESHOT, 1, hrana_new_id(),
		    hrana_take_ends(id));
	else
		hrana_header(&prog, s->slot, fresh, s->id, s->w->end_mask);
	if (hranadec_program(root, oneshot ? &tmp : &s->store, &prog, &closes,
	    &sql_bytes, &msg) == -1) {
		if (s != NULL)
			hrana_stream_free(s, 0);
		hrana_reply_error(req, 400, msg, "PROTO_ERROR", NULL, 0);
		goto done;
	}
	req->sql_len = sql_bytes;
	if ((inst = registry_get(id, expiry)) == NULL) {
		if (s != NULL)
			hrana_stream_free(s, 0);
		hrana_reply_error(req, 404, "instance not found",
		    "INSTANCE_NOT_FOUND", NULL, 0);
		goto done;
	}
	if (s != NULL) {
		s->w->end_mask = 0;
		s->seq++;
		s->busy = 1;
		s->closing = closes;
	}
	fe_submit(req, inst, oneshot ? &hrana_oneshot : &s->door, IPC_OP_HRANA,
	    0, prog.data, prog.len, NULL, 0, 0);
done:
	hranadec_store_free(&tmp);
	buf_free(&prog);
	cJSON_Delete(root);
}

/*
 * test_registry.c: live entries (add, get, release, remove; ids that
 * differ only in the timestamp head or only in the random tail; growth
 * past the initial table), counts per expiry second node-wide and per
 * IP, expiry (live entries, then each second once, oldest first, also
 * when seconds were counted out of order), the front end's memory not
 * growing with walk-ins, the meta format, and startup loading of bucket
 * directories and of walkind 0.1.0's flat layout (loaded, moved,
 * orphaned, ignored).
 *
 * registry_init is called once: the registry has no teardown, so every
 * test leaves it with nothing live and nothing counted.
 */
#include <sys/stat.h>
#include <sys/xattr.h>

#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "registry.h"
#include "token.h"
#include "unit.h"

#define T_CREATED	1795461721LL	/* 2026-11-23, unix seconds */
#define T_TTL		600
#define NBIG		5000

static char	tmproot[] = "/tmp/test_registry.XXXXXX";

static void
test_setup(void)
{
	CHECK(sodium_init() >= 0);
	registry_init();
	CHECK_INT(registry_count(), 0);
	CHECK_INT(registry_live(), 0);
	CHECK(mkdtemp(tmproot) != NULL);
}

struct expired_log {
	int		 live;		/* live_cb calls */
	int		 bad;		/* live_cb for expires > now */
	int		 buckets;	/* bucket_cb calls */
	int		 disorder;	/* a bucket older than the one before */
	int64_t		 last;		/* last bucket, and every one once */
	int64_t		 now;
};

static void
expired_live(struct instance *inst, void *arg)
{
	struct expired_log *l = arg;

	l->live++;
	if (inst->expires > l->now)
		l->bad++;
	registry_release(inst);
}

static void
expired_bucket(int64_t expires, void *arg)
{
	struct expired_log *l = arg;

	l->buckets++;
	if (expires <= l->last || expires > l->now)
		l->disorder++;
	l->last = expires;
}

/* One expiry pass at `now`, counting into a fresh log; `last` is the
 * newest second already gone. */
static void
expire_at(struct expired_log *l, int64_t now, int64_t last)
{
	memset(l, 0, sizeof(*l));
	l->now = now;
	l->last = last;
	registry_expired(now, expired_live, expired_bucket, l);
}

/* Expire everything counted: the registry is empty again. */
static void
expire_all(void)
{
	struct expired_log l;

	expire_at(&l, INT64_MAX, 0);
	CHECK_INT(registry_count(), 0);
	CHECK_INT(registry_live(), 0);
}

static void
test_add_get_release(void)
{
	uint8_t a[TOKEN_ID_BYTES], b[TOKEN_ID_BYTES];
	struct instance *ia, *ib;

	token_new_id(a);
	token_new_id(b);
	CHECK(memcmp(a, b, TOKEN_ID_BYTES) != 0);
	CHECK(registry_find(a) == NULL);
	ia = registry_add(a, T_CREATED, T_CREATED + T_TTL, "192.0.2.1");
	CHECK(ia != NULL);
	CHECK_INT(registry_count(), 1);
	CHECK_INT(registry_live(), 1);
	CHECK(registry_find(a) == ia);
	CHECK(registry_find(b) == NULL);
	CHECK(memcmp(ia->id, a, TOKEN_ID_BYTES) == 0);
	CHECK_INT(ia->created, T_CREATED);
	CHECK_INT(ia->expires, T_CREATED + T_TTL);
	CHECK_STR(ia->owner_ip, "192.0.2.1");
	CHECK(ia->pool == NULL);
	/* get: the live entry itself, or NULL for another expiry. */
	CHECK(registry_get(a, T_CREATED + T_TTL) == ia);
	CHECK(registry_get(a, T_CREATED + T_TTL + 1) == NULL);
	CHECK_INT(registry_live(), 1);
	/* Released: not live, still counted (it is on disk). */
	registry_release(ia);
	CHECK(registry_find(a) == NULL);
	CHECK_INT(registry_live(), 0);
	CHECK_INT(registry_count(), 1);
	CHECK_INT(registry_ip_count("192.0.2.1"), 1);
	/* A token's walk-in gets a fresh entry, counting nothing more. */
	ia = registry_get(a, T_CREATED + T_TTL);
	CHECK(ia != NULL);
	CHECK(registry_find(a) == ia);
	CHECK_INT(ia->created, 0);
	CHECK_INT(ia->expires, T_CREATED + T_TTL);
	CHECK_STR(ia->owner_ip, "");
	CHECK_INT(registry_count(), 1);
	CHECK_INT(registry_live(), 1);
	ib = registry_add(b, T_CREATED, T_CREATED + 1, "");
	CHECK_INT(registry_count(), 2);
	CHECK(registry_find(b) == ib);
	/* remove: a create that failed, uncounted (no IP: "" is not). */
	registry_remove(ib);
	CHECK_INT(registry_count(), 1);
	CHECK(registry_find(b) == NULL);
	registry_release(ia);
	expire_all();
	CHECK_INT(registry_ip_count("192.0.2.1"), 0);
}

/* Ids sharing every byte but one: in the head, then in the tail. */
static void
test_similar_ids(void)
{
	uint8_t base[TOKEN_ID_BYTES], id[TOKEN_ID_BYTES];
	struct instance *inst[32];
	int i, found = 0;

	token_new_id(base);
	for (i = 0; i < 16; i++) {		/* timestamp bytes 0..5 */
		memcpy(id, base, sizeof(id));
		id[i % 6] = (uint8_t)(id[i % 6] ^ (i / 6 + 1));
		inst[i] = registry_get(id, T_CREATED + T_TTL);
	}
	for (i = 16; i < 32; i++) {		/* last byte only */
		memcpy(id, base, sizeof(id));
		id[15] = (uint8_t)(id[15] ^ (i - 15));
		inst[i] = registry_get(id, T_CREATED + T_TTL);
	}
	CHECK_INT(registry_live(), 32);
	CHECK(registry_find(base) == NULL);
	for (i = 0; i < 32; i++)
		if (registry_find(inst[i]->id) == inst[i])
			found++;
	CHECK_INT(found, 32);
	/* Releasing one of a bucket's chain leaves the others findable. */
	registry_release(inst[5]);
	registry_release(inst[20]);
	CHECK_INT(registry_live(), 30);
	for (i = 0, found = 0; i < 32; i++) {
		if (i == 5 || i == 20)
			continue;
		if (registry_find(inst[i]->id) == inst[i])
			found++;
	}
	CHECK_INT(found, 30);
	for (i = 0; i < 32; i++)
		if (i != 5 && i != 20)
			registry_release(inst[i]);
	CHECK_INT(registry_live(), 0);
	CHECK_INT(registry_count(), 0);
}

static int
find_all(struct instance **inst, int n)
{
	int i, found = 0;

	for (i = 0; i < n; i++)
		if (registry_find(inst[i]->id) == inst[i])
			found++;
	return found;
}

static void
test_growth(void)
{
	static struct instance *inst[NBIG];
	uint8_t id[TOKEN_ID_BYTES];
	int i;

	for (i = 0; i < NBIG; i++) {
		token_new_id(id);
		inst[i] = registry_add(id, T_CREATED, T_CREATED + i, "");
		if (i == 255 || i == 256 || i == 1025) {
			CHECK_INT(registry_live(), (size_t)i + 1);
			CHECK_INT(find_all(inst, i + 1), i + 1);
		}
	}
	CHECK_INT(registry_count(), NBIG);
	CHECK_INT(find_all(inst, NBIG), NBIG);
	CHECK_INT(inst[4321]->expires, T_CREATED + 4321);
	/* Release every other one; the rest stay findable. */
	for (i = 0; i < NBIG; i += 2)
		registry_release(inst[i]);
	CHECK_INT(registry_live(), NBIG / 2);
	CHECK_INT(registry_count(), NBIG);
	for (i = 0; i < NBIG; i += 2)
		if (registry_find(inst[i + 1]->id) != inst[i + 1])
			break;
	CHECK_INT(i, NBIG);
	for (i = 1; i < NBIG; i += 2)
		registry_release(inst[i]);
	expire_all();
}

static void
test_ip_count(void)
{
	uint8_t id[TOKEN_ID_BYTES];
	struct instance *a[3], *b, *v6;
	int i;

	CHECK_INT(registry_ip_count("192.0.2.7"), 0);
	for (i = 0; i < 3; i++) {
		token_new_id(id);
		a[i] = registry_add(id, T_CREATED, T_CREATED + T_TTL + i,
		    "192.0.2.7");
		CHECK_INT(registry_ip_count("192.0.2.7"), i + 1);
	}
	token_new_id(id);
	b = registry_add(id, T_CREATED, T_CREATED + T_TTL, "192.0.2.8");
	token_new_id(id);
	v6 = registry_add(id, T_CREATED, T_CREATED + T_TTL, "2001:db8::7");
	token_new_id(id);
	registry_release(registry_add(id, T_CREATED, T_CREATED + T_TTL, ""));
	CHECK_INT(registry_count(), 6);
	CHECK_INT(registry_ip_count("192.0.2.7"), 3);
	CHECK_INT(registry_ip_count("192.0.2.8"), 1);
	CHECK_INT(registry_ip_count("2001:db8::7"), 1);
	CHECK_INT(registry_ip_count("192.0.2.70"), 0);
	CHECK_INT(registry_ip_count(""), 0);	/* restored: not counted */
	/* A failed create uncounts; a released entry stays counted. */
	registry_remove(a[1]);
	CHECK_INT(registry_ip_count("192.0.2.7"), 2);
	registry_release(a[0]);
	registry_release(b);
	CHECK_INT(registry_ip_count("192.0.2.7"), 2);
	CHECK_INT(registry_ip_count("192.0.2.8"), 1);
	/* Back from zero: counts start again at one. */
	registry_remove(a[2]);
	registry_remove(v6);
	CHECK_INT(registry_ip_count("2001:db8::7"), 0);
	token_new_id(id);
	v6 = registry_add(id, T_CREATED, T_CREATED + T_TTL, "2001:db8::7");
	CHECK_INT(registry_ip_count("2001:db8::7"), 1);
	registry_release(v6);
	expire_all();
	CHECK_INT(registry_ip_count("192.0.2.7"), 0);
	CHECK_INT(registry_ip_count("192.0.2.8"), 0);
	CHECK_INT(registry_ip_count("2001:db8::7"), 0);
}

static void
test_expired(void)
{
	static struct instance *inst[2000];
	struct expired_log l;
	uint8_t id[TOKEN_ID_BYTES];
	int i;

	/* expires = T_CREATED + i % 100: 20 of each second; the first
	 * 100 (one per second) stay live. */
	for (i = 0; i < 2000; i++) {
		token_new_id(id);
		inst[i] = registry_add(id, T_CREATED, T_CREATED + i % 100,
		    "198.51.100.1");
		if (i >= 100)
			registry_release(inst[i]);
	}
	CHECK_INT(registry_live(), 100);
	expire_at(&l, T_CREATED - 1, 0);
	CHECK_INT(l.live, 0);
	CHECK_INT(l.buckets, 0);
	CHECK_INT(registry_count(), 2000);
	expire_at(&l, T_CREATED + 9, 0);	/* 0..9, boundary included */
	CHECK_INT(l.live, 10);
	CHECK_INT(l.bad, 0);
	CHECK_INT(l.buckets, 10);
	CHECK_INT(l.disorder, 0);
	CHECK_INT(l.last, T_CREATED + 9);
	CHECK_INT(registry_count(), 1800);
	CHECK_INT(registry_ip_count("198.51.100.1"), 1800);
	CHECK_INT(registry_live(), 90);
	/* The same time again: nothing more. */
	expire_at(&l, T_CREATED + 9, T_CREATED + 9);
	CHECK_INT(l.live + l.buckets, 0);
	/* Seconds counted out of order (a restore, a clock step). */
	token_new_id(id);
	registry_release(registry_add(id, T_CREATED, T_CREATED + 50, ""));
	token_new_id(id);
	registry_release(registry_add(id, T_CREATED, T_CREATED + 1000, ""));
	token_new_id(id);
	registry_release(registry_add(id, T_CREATED, T_CREATED + 20, ""));
	token_new_id(id);
	registry_release(registry_add(id, T_CREATED, T_CREATED + 150, ""));
	CHECK_INT(registry_count(), 1804);
	expire_at(&l, T_CREATED + 99, T_CREATED + 9);
	CHECK_INT(l.live, 90);
	CHECK_INT(l.bad, 0);
	CHECK_INT(l.buckets, 90);		/* 10..99, each once */
	CHECK_INT(l.disorder, 0);
	CHECK_INT(registry_count(), 2);
	CHECK_INT(registry_ip_count("198.51.100.1"), 0);
	expire_at(&l, T_CREATED + 1000, T_CREATED + 99);
	CHECK_INT(l.buckets, 2);
	CHECK_INT(l.disorder, 0);
	CHECK_INT(registry_count(), 0);
	CHECK_INT(registry_live(), 0);
}

/*
 * The front end's memory does not grow with the walk-ins on disk: 100,000
 * creates from one IP over 60 seconds, each live only while served,
 * leave a few KiB of counts. (mallinfo2 of glibc's heap; a sanitizer's
 * allocator may report nothing, so the bound is checked there too but
 * only means something in the normal build.)
 */
static void
test_memory_flat(void)
{
	uint8_t id[TOKEN_ID_BYTES];
	size_t before, after;
	int i;

	before = mallinfo2().uordblks;
	for (i = 0; i < 100000; i++) {
		token_new_id(id);
		registry_release(registry_add(id, T_CREATED + i / 1667,
		    T_CREATED + T_TTL + i / 1667, "203.0.113.9"));
	}
	after = mallinfo2().uordblks;
	CHECK_INT(registry_count(), 100000);
	CHECK_INT(registry_ip_count("203.0.113.9"), 100000);
	CHECK_INT(registry_live(), 0);
	printf("test_registry: heap %zu -> %zu bytes for 100000 walk-ins\n",
	    before, after);
	CHECK(after < before + 16384);
	expire_all();
	CHECK_INT(registry_ip_count("203.0.113.9"), 0);
}

static int
meta_ok(const char *text)
{
	char owner[REGISTRY_OWNER_MAX];
	int64_t c = -7, e = -7;

	return registry_meta_parse(text, &c, &e, owner) == 0;
}

/* The owner line (issue 15: per-IP counts survive a restart). */
static void
test_meta_owner(void)
{
	char text[REGISTRY_META_MAX], owner[REGISTRY_OWNER_MAX], long_ip[80];
	int64_t c = 0, e = 0;
	int n;

	n = registry_meta_format(text, sizeof(text), 100, 200, "203.0.113.9");
	CHECK_INT(n, (int)strlen(text));
	CHECK_STR(text, "walkind-meta 1\ncreated 100\nexpires 200\n"
	    "owner 203.0.113.9\n");
	CHECK_INT(registry_meta_parse(text, &c, &e, owner), 0);
	CHECK_STR(owner, "203.0.113.9");
	CHECK_INT(e, 200);
	n = registry_meta_format(text, sizeof(text), 100, 200,
	    "2001:db8::ffff:192.0.2.1");
	CHECK(n > 0);
	CHECK_INT(registry_meta_parse(text, &c, &e, owner), 0);
	CHECK_STR(owner, "2001:db8::ffff:192.0.2.1");
	/* No owner (older metas, unknown peer): "" and no line. */
	CHECK_INT(registry_meta_format(text, sizeof(text), 100, 200, ""),
	    (int)strlen("walkind-meta 1\ncreated 100\nexpires 200\n"));
	CHECK_INT(registry_meta_format(text, sizeof(text), 100, 200, NULL),
	    (int)strlen(text));
	strcpy(owner, "x");
	CHECK_INT(registry_meta_parse("walkind-meta 1\ncreated 100\n"
	    "expires 200\n", &c, &e, owner), 0);
	CHECK_STR(owner, "");
	/* An owner that could break the text is refused when written. */
	CHECK_INT(registry_meta_format(text, sizeof(text), 100, 200,
	    "1.2.3.4\nexpires 999"), -1);
	CHECK_INT(registry_meta_format(text, sizeof(text), 100, 200,
	    "1.2.3.4 "), -1);
	CHECK_INT(registry_meta_format(text, sizeof(text), 100, 200,
	    "fe80::1%eth0"), -1);
	memset(long_ip, '1', sizeof(long_ip) - 1);
	long_ip[sizeof(long_ip) - 1] = '\0';
	CHECK_INT(registry_meta_format(text, sizeof(text), 100, 200, long_ip),
	    -1);
	/* ... and when read. */
	CHECK(meta_ok("walkind-meta 1\ncreated 100\nexpires 200\n"
	    "owner ::1\n"));
	CHECK(!meta_ok("walkind-meta 1\ncreated 100\nexpires 200\n"
	    "owner \n"));
	CHECK(!meta_ok("walkind-meta 1\ncreated 100\nexpires 200\n"
	    "owner ::1"));
	CHECK(!meta_ok("walkind-meta 1\ncreated 100\nexpires 200\n"
	    "owner 1.2.3.4x\n"));
	CHECK(!meta_ok("walkind-meta 1\ncreated 100\nexpires 200\n"
	    "owner 1.2.3.4\nowner 1.2.3.5\n"));
	CHECK(!meta_ok("walkind-meta 1\ncreated 100\nowner 1.2.3.4\n"
	    "expires 200\n"));
}

static void
test_meta(void)
{
	char text[256], small[16], owner[REGISTRY_OWNER_MAX];
	int64_t c = 0, e = 0;
	int n;

	n = registry_meta_format(text, sizeof(text), T_CREATED,
	    T_CREATED + T_TTL, NULL);
	CHECK_INT(n, (int)strlen(text));
	CHECK_STR(text, "walkind-meta 1\ncreated 1795461721\n"
	    "expires 1795462321\n");
	CHECK_INT(registry_meta_parse(text, &c, &e, owner), 0);
	CHECK_INT(c, T_CREATED);
	CHECK_INT(e, T_CREATED + T_TTL);
	/* Extremes round-trip. */
	n = registry_meta_format(text, sizeof(text), 1, INT64_MAX, NULL);
	CHECK(n > 0);
	CHECK_INT(registry_meta_parse(text, &c, &e, owner), 0);
	CHECK_INT(c, 1);
	CHECK(e == INT64_MAX);
	n = registry_meta_format(text, sizeof(text), 5, 5, NULL);	/* TTL 0 */
	CHECK_INT(registry_meta_parse(text, &c, &e, owner), 0);
	CHECK_INT(e, 5);
	/* Too small an output buffer is an error, not a short file. */
	CHECK_INT(registry_meta_format(small, sizeof(small), T_CREATED,
	    T_CREATED, NULL), -1);

	CHECK(meta_ok("walkind-meta 1\ncreated 100\nexpires 200\n"));
	CHECK(!meta_ok(""));
	CHECK(!meta_ok("walkind-meta 1\n"));
	CHECK(!meta_ok("walkind-meta 1\ncreated 100\n"));
	CHECK(!meta_ok("walkind-meta 1\nexpires 200\n"));
	CHECK(!meta_ok("created 100\nexpires 200\n"));
	CHECK(!meta_ok("walkind-meta 1\ncreated 100\nexpires 200"));
	CHECK(!meta_ok("walkind-meta 2\ncreated 100\nexpires 200\n"));
	CHECK(!meta_ok("walkind-meta 10\ncreated 100\nexpires 200\n"));
	CHECK(!meta_ok("walkind-meta\ncreated 100\nexpires 200\n"));
	CHECK(!meta_ok("WALKIND-META 1\ncreated 100\nexpires 200\n"));
	CHECK(!meta_ok("walkind-meta 1\ncreated 100\nexpires 200x\n"));
	CHECK(!meta_ok("walkind-meta 1\ncreated 100\nexpires 200 \n"));
	CHECK(!meta_ok("walkind-meta 1\ncreated x\nexpires 200\n"));
	CHECK(!meta_ok("walkind-meta 1\ncreated 100\nexpires\n"));
	CHECK(!meta_ok("walkind-meta 1\ncreated 0\nexpires 200\n"));
	CHECK(!meta_ok("walkind-meta 1\ncreated -5\nexpires 200\n"));
	CHECK(!meta_ok("walkind-meta 1\ncreated 200\nexpires 199\n"));
	CHECK(!meta_ok("walkind-meta 1\nexpires 200\ncreated 100\n"));
	/* Trailing garbage after the last line. */
	CHECK(!meta_ok("walkind-meta 1\ncreated 100\nexpires 200\njunk"));
	CHECK(!meta_ok("walkind-meta 1\ncreated 100\nexpires 200\n\n"));
	CHECK(!meta_ok("walkind-meta 1\ncreated 100\nexpires 200\n"
	    "expires 300\n"));
	/* Lines run together are missing lines, not a valid file. */
	CHECK(!meta_ok("walkind-meta 1created 100expires 200\n"));
	CHECK(!meta_ok("walkind-meta 1 created 100 expires 200\n"));
}

/* ---- registry_load ---- */

struct orphans {
	int		n;
	uint8_t		ids[8][TOKEN_ID_BYTES];
	int64_t		expires[8];
};

static void
orphan_cb(int64_t expires, const uint8_t id[TOKEN_ID_BYTES], void *arg)
{
	struct orphans *o = arg;

	if (o->n < 8) {
		memcpy(o->ids[o->n], id, TOKEN_ID_BYTES);
		o->expires[o->n] = expires;
	}
	o->n++;
}

/* Was id reported, with this expiry? */
static int
orphan_has(const struct orphans *o, const uint8_t id[TOKEN_ID_BYTES],
    int64_t expires)
{
	int i;

	for (i = 0; i < o->n && i < 8; i++)
		if (memcmp(o->ids[i], id, TOKEN_ID_BYTES) == 0)
			return o->expires[i] == expires;
	return 0;
}

/* Make dir/<name>/ and, unless meta is NULL, dir/<name>/meta. */
static int
make_inst(const char *dir, const char *name, const char *meta)
{
	char path[512];
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (mkdir(path, 0700) == -1)
		return -1;
	if (meta == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/%s/meta", dir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1)
		return -1;
	if (write(fd, meta, strlen(meta)) != (ssize_t)strlen(meta))
		rc = -1;
	close(fd);
	return rc;
}

/* dir/<bucket>/<uuid of id>, made with meta (NULL: none). */
static int
make_in_bucket(const char *dir, int64_t bucket, const uint8_t *id,
    const char *meta)
{
	char s[37], name[80];

	token_id_str(id, s);
	snprintf(name, sizeof(name), "%lld", (long long)bucket);
	if (make_inst(dir, name, NULL) == -1 && access(dir, F_OK) == -1)
		return -1;
	snprintf(name, sizeof(name), "%lld/%s", (long long)bucket, s);
	return make_inst(dir, name, meta);
}

static int
exists(const char *dir, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return access(path, F_OK) == 0;
}

static void
test_load(void)
{
	uint8_t good[TOKEN_ID_BYTES], nometa[TOKEN_ID_BYTES];
	uint8_t wrong[TOKEN_ID_BYTES], old[TOKEN_ID_BYTES];
	uint8_t oldbad[TOKEN_ID_BYTES], other[TOKEN_ID_BYTES];
	char dir[256], s[37], name[128], meta[128];
	const int64_t e = T_CREATED + T_TTL;
	struct orphans o;
	int n;

	snprintf(dir, sizeof(dir), "%s/instances", tmproot);
	CHECK_INT(mkdir(dir, 0700), 0);
	token_new_id(good);
	token_new_id(nometa);
	token_new_id(wrong);
	token_new_id(old);
	token_new_id(oldbad);
	token_new_id(other);
	registry_meta_format(meta, sizeof(meta), T_CREATED, e, NULL);
	CHECK_INT(make_in_bucket(dir, e, good, meta), 0);
	CHECK_INT(make_in_bucket(dir, e, nometa, NULL), 0);
	/* Valid meta, but for another second than its bucket's. */
	CHECK_INT(make_in_bucket(dir, e + 1, wrong, meta), 0);
	/* walkind 0.1.0: DATA/instances/<uuid>/ */
	token_id_str(old, s);
	CHECK_INT(make_inst(dir, s, meta), 0);
	token_id_str(oldbad, s);
	CHECK_INT(make_inst(dir, s, "walkind-meta 1\ncreated 9"), 0);
	/* Not ours: an uppercase uuid, a uuid with a suffix, stray names,
	 * a bucket-like name with a leading zero, a stray name in a bucket. */
	token_id_str(other, s);
	for (n = 0; s[n]; n++)
		if (s[n] >= 'a' && s[n] <= 'f')
			s[n] = (char)(s[n] - 'a' + 'A');
	CHECK_INT(make_inst(dir, s, NULL), 0);
	token_id_str(other, s);
	snprintf(name, sizeof(name), "%s.tmp", s);
	CHECK_INT(make_inst(dir, name, meta), 0);
	CHECK_INT(make_inst(dir, "lost+found", NULL), 0);
	CHECK_INT(make_inst(dir, "0123", NULL), 0);
	snprintf(name, sizeof(name), "%lld/junk", (long long)e);
	CHECK_INT(make_inst(dir, name, NULL), 0);

	memset(&o, 0, sizeof(o));
	CHECK_INT(registry_load(dir, orphan_cb, &o), 0);
	CHECK_INT(registry_count(), 2);		/* good, and old moved */
	CHECK_INT(registry_live(), 0);		/* nothing in memory */
	CHECK_INT(o.n, 3);
	CHECK(orphan_has(&o, nometa, e));
	CHECK(orphan_has(&o, wrong, e + 1));
	CHECK(orphan_has(&o, oldbad, 0));
	CHECK(!orphan_has(&o, good, e));
	CHECK(!orphan_has(&o, old, e) && !orphan_has(&o, old, 0));
	/* The old-layout walk-in is now in its bucket, once. */
	token_id_str(old, s);
	CHECK(!exists(dir, s));
	snprintf(name, sizeof(name), "%lld/%s/meta", (long long)e, s);
	CHECK(exists(dir, name));
	CHECK(exists(dir, "lost+found") && exists(dir, "0123"));
	CHECK_INT(registry_ip_count(""), 0);
	expire_all();

	/* An unreadable directory. */
	snprintf(dir, sizeof(dir), "%s/missing", tmproot);
	memset(&o, 0, sizeof(o));
	CHECK_INT(registry_load(dir, orphan_cb, &o), -1);
	CHECK_INT(o.n, 0);
}

/*
 * Walk-ins whose metas name an owner are counted for it again at
 * start, so --max-instances-per-ip holds across a restart; a meta
 * without one counts node-wide only.
 */
static void
test_load_owner(void)
{
	uint8_t a1[TOKEN_ID_BYTES], a2[TOKEN_ID_BYTES], b[TOKEN_ID_BYTES];
	uint8_t anon[TOKEN_ID_BYTES], del[TOKEN_ID_BYTES];
	char dir[256], meta[REGISTRY_META_MAX], s[37], name[128];
	const int64_t e = T_CREATED + T_TTL;
	struct expired_log l;
	struct orphans o;

	snprintf(dir, sizeof(dir), "%s/instances-owner", tmproot);
	CHECK_INT(mkdir(dir, 0700), 0);
	token_new_id(a1);
	token_new_id(a2);
	token_new_id(b);
	token_new_id(anon);
	token_new_id(del);
	registry_meta_format(meta, sizeof(meta), T_CREATED, e, "198.51.100.7");
	CHECK_INT(make_in_bucket(dir, e, a1, meta), 0);
	registry_meta_format(meta, sizeof(meta), T_CREATED, e + 1,
	    "198.51.100.7");
	CHECK_INT(make_in_bucket(dir, e + 1, a2, meta), 0);
	registry_meta_format(meta, sizeof(meta), T_CREATED, e, "2001:db8::1");
	CHECK_INT(make_in_bucket(dir, e, b, meta), 0);
	registry_meta_format(meta, sizeof(meta), T_CREATED, e, NULL);
	CHECK_INT(make_in_bucket(dir, e, anon, meta), 0);
	/* A removal the spawner had not finished: an orphan, not counted. */
	token_id_str(del, s);
	snprintf(name, sizeof(name), "%lld/.del-%s", (long long)e, s);
	CHECK_INT(make_inst(dir, name, meta), 0);

	memset(&o, 0, sizeof(o));
	CHECK_INT(registry_load(dir, orphan_cb, &o), 0);
	CHECK_INT(o.n, 1);
	CHECK(orphan_has(&o, del, e));
	CHECK_INT(registry_count(), 4);
	CHECK_INT(registry_ip_count("198.51.100.7"), 2);
	CHECK_INT(registry_ip_count("2001:db8::1"), 1);
	CHECK_INT(registry_ip_count(""), 0);
	/* The restored counts expire with their seconds. */
	expire_at(&l, e, 0);
	CHECK_INT(registry_ip_count("198.51.100.7"), 1);
	CHECK_INT(registry_ip_count("2001:db8::1"), 0);
	expire_all();
	CHECK_INT(registry_ip_count("198.51.100.7"), 0);
}

static void
test_bucket_names(void)
{
	char name[24];
	int64_t e = 0;

	CHECK_INT(registry_bucket_name(T_CREATED, name, sizeof(name)), 0);
	CHECK_STR(name, "1795461721");
	CHECK_INT(registry_bucket_parse(name, &e), 0);
	CHECK_INT(e, T_CREATED);
	CHECK_INT(registry_bucket_name(0, name, sizeof(name)), -1);
	CHECK_INT(registry_bucket_name(-5, name, sizeof(name)), -1);
	CHECK_INT(registry_bucket_name(T_CREATED, name, 4), -1);
	CHECK_INT(registry_bucket_parse("1", &e), 0);
	CHECK_INT(e, 1);
	CHECK_INT(registry_bucket_parse("999999999999999999", &e), 0);
	CHECK_INT(registry_bucket_parse("1000000000000000000", &e), -1);
	CHECK_INT(registry_bucket_parse("", &e), -1);
	CHECK_INT(registry_bucket_parse("0", &e), -1);
	CHECK_INT(registry_bucket_parse("0123", &e), -1);
	CHECK_INT(registry_bucket_parse("-5", &e), -1);
	CHECK_INT(registry_bucket_parse("12a", &e), -1);
	CHECK_INT(registry_bucket_parse("12 ", &e), -1);
	CHECK_INT(registry_bucket_parse("lost+found", &e), -1);
}

/*
 * The meta as the directory's xattr (what the spawner writes), which
 * wins over a meta file; a corrupt xattr is an orphan like a corrupt
 * file. Skipped where the file system has no user xattrs.
 */
static void
test_load_xattr(void)
{
	uint8_t good[TOKEN_ID_BYTES], bad[TOKEN_ID_BYTES];
	char dir[256], s[37], path[512], meta[128], stale[128];
	const int64_t e = T_CREATED + T_TTL;
	struct orphans o;
	int n;

	snprintf(dir, sizeof(dir), "%s/instances-x", tmproot);
	CHECK_INT(mkdir(dir, 0700), 0);
	token_new_id(good);
	token_new_id(bad);
	n = registry_meta_format(meta, sizeof(meta), T_CREATED, e, NULL);
	registry_meta_format(stale, sizeof(stale), T_CREATED, T_CREATED + 1,
	    NULL);
	CHECK_INT(make_in_bucket(dir, e, good, stale), 0);
	token_id_str(good, s);
	snprintf(path, sizeof(path), "%s/%lld/%s", dir, (long long)e, s);
	if (setxattr(path, REGISTRY_META_XATTR, meta, (size_t)n, XATTR_CREATE)
	    == -1) {
		printf("test_registry: no user xattrs here: xattr load not "
		    "tested\n");
		return;
	}
	CHECK_INT(make_in_bucket(dir, e, bad, NULL), 0);
	token_id_str(bad, s);
	snprintf(path, sizeof(path), "%s/%lld/%s", dir, (long long)e, s);
	CHECK_INT(setxattr(path, REGISTRY_META_XATTR, "walkind-meta 1\n", 15,
	    XATTR_CREATE), 0);

	memset(&o, 0, sizeof(o));
	CHECK_INT(registry_load(dir, orphan_cb, &o), 0);
	CHECK_INT(registry_count(), 1);		/* the xattr's expiry, e */
	CHECK_INT(o.n, 1);
	CHECK(orphan_has(&o, bad, e));
	expire_all();
}

static void
test_cleanup(void)
{
	CHECK_INT(registry_count(), 0);
	CHECK_INT(registry_live(), 0);
	CHECK_INT(unit_rmtree(tmproot), 0);
	CHECK(access(tmproot, F_OK) == -1);
}

UNIT_MAIN(test_setup, test_add_get_release, test_similar_ids, test_growth,
    test_ip_count, test_expired, test_memory_flat, test_meta,
    test_meta_owner, test_bucket_names, test_load, test_load_owner,
    test_load_xattr, test_cleanup)

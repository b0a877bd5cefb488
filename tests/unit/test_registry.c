/*
 * test_registry.c: add/find/remove, ids that differ only in the
 * timestamp head or only in the random tail, growth of the table past
 * its initial size, per-IP counts, expiry with removal from the
 * callback, the meta file format (round trip and junk), and startup
 * loading from an instances directory (loaded, orphaned, ignored).
 *
 * registry_init is called once: the registry has no teardown, so every
 * test leaves it empty.
 */
#include <sys/stat.h>
#include <sys/xattr.h>

#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
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
	CHECK(mkdtemp(tmproot) != NULL);
}

static void
test_add_find_remove(void)
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
	CHECK(registry_find(a) == ia);
	CHECK(registry_find(b) == NULL);
	CHECK(memcmp(ia->id, a, TOKEN_ID_BYTES) == 0);
	CHECK_INT(ia->created, T_CREATED);
	CHECK_INT(ia->expires, T_CREATED + T_TTL);
	CHECK_STR(ia->owner_ip, "192.0.2.1");
	CHECK(ia->ex == NULL);
	CHECK(TAILQ_EMPTY(&ia->jobs));
	CHECK_INT(ia->njobs, 0);
	ib = registry_add(b, T_CREATED, T_CREATED + 1, "");
	CHECK_INT(registry_count(), 2);
	CHECK(registry_find(a) == ia);
	CHECK(registry_find(b) == ib);
	registry_remove(ia);
	CHECK_INT(registry_count(), 1);
	CHECK(registry_find(a) == NULL);
	CHECK(registry_find(b) == ib);
	registry_remove(ib);
	CHECK_INT(registry_count(), 0);
	CHECK(registry_find(b) == NULL);
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
		inst[i] = registry_add(id, T_CREATED, T_CREATED + T_TTL, "");
	}
	for (i = 16; i < 32; i++) {		/* last byte only */
		memcpy(id, base, sizeof(id));
		id[15] = (uint8_t)(id[15] ^ (i - 15));
		inst[i] = registry_add(id, T_CREATED, T_CREATED + T_TTL, "");
	}
	CHECK_INT(registry_count(), 32);
	CHECK(registry_find(base) == NULL);
	for (i = 0; i < 32; i++)
		if (registry_find(inst[i]->id) == inst[i])
			found++;
	CHECK_INT(found, 32);
	/* Removing one of a bucket's chain leaves the others findable. */
	registry_remove(inst[5]);
	registry_remove(inst[20]);
	CHECK_INT(registry_count(), 30);
	for (i = 0, found = 0; i < 32; i++) {
		if (i == 5 || i == 20)
			continue;
		if (registry_find(inst[i]->id) == inst[i])
			found++;
	}
	CHECK_INT(found, 30);
	for (i = 0; i < 32; i++)
		if (i != 5 && i != 20)
			registry_remove(inst[i]);
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
		if (i == 1023 || i == 1024 || i == 1025) {
			CHECK_INT(registry_count(), (size_t)i + 1);
			CHECK_INT(find_all(inst, i + 1), i + 1);
		}
	}
	CHECK_INT(registry_count(), NBIG);
	CHECK_INT(find_all(inst, NBIG), NBIG);
	CHECK_INT(inst[4321]->expires, T_CREATED + 4321);
	/* Remove every other one; the rest stay findable. */
	for (i = 0; i < NBIG; i += 2)
		registry_remove(inst[i]);
	CHECK_INT(registry_count(), NBIG / 2);
	for (i = 0; i < NBIG; i += 2)
		if (registry_find(inst[i + 1]->id) != inst[i + 1])
			break;
	CHECK_INT(i, NBIG);
	for (i = 1; i < NBIG; i += 2)
		registry_remove(inst[i]);
	CHECK_INT(registry_count(), 0);
}

static void
test_ip_count(void)
{
	uint8_t id[TOKEN_ID_BYTES];
	struct instance *a[3], *b, *v6, *none;
	int i;

	CHECK_INT(registry_ip_count("192.0.2.7"), 0);
	for (i = 0; i < 3; i++) {
		token_new_id(id);
		a[i] = registry_add(id, T_CREATED, T_CREATED + T_TTL,
		    "192.0.2.7");
		CHECK_INT(registry_ip_count("192.0.2.7"), i + 1);
	}
	token_new_id(id);
	b = registry_add(id, T_CREATED, T_CREATED + T_TTL, "192.0.2.8");
	token_new_id(id);
	v6 = registry_add(id, T_CREATED, T_CREATED + T_TTL, "2001:db8::7");
	token_new_id(id);
	none = registry_add(id, T_CREATED, T_CREATED + T_TTL, "");
	CHECK_INT(registry_count(), 6);
	CHECK_INT(registry_ip_count("192.0.2.7"), 3);
	CHECK_INT(registry_ip_count("192.0.2.8"), 1);
	CHECK_INT(registry_ip_count("2001:db8::7"), 1);
	CHECK_INT(registry_ip_count("192.0.2.70"), 0);
	CHECK_INT(registry_ip_count(""), 0);	/* restored: not counted */
	registry_remove(a[1]);
	CHECK_INT(registry_ip_count("192.0.2.7"), 2);
	registry_remove(none);
	CHECK_INT(registry_ip_count(""), 0);
	CHECK_INT(registry_ip_count("192.0.2.7"), 2);
	registry_remove(a[0]);
	registry_remove(a[2]);
	CHECK_INT(registry_ip_count("192.0.2.7"), 0);
	CHECK_INT(registry_ip_count("192.0.2.8"), 1);
	/* Back from zero: counts start again at one. */
	token_new_id(id);
	a[0] = registry_add(id, T_CREATED, T_CREATED + T_TTL, "192.0.2.7");
	CHECK_INT(registry_ip_count("192.0.2.7"), 1);
	registry_remove(a[0]);
	registry_remove(b);
	registry_remove(v6);
	CHECK_INT(registry_ip_count("192.0.2.7"), 0);
	CHECK_INT(registry_ip_count("192.0.2.8"), 0);
	CHECK_INT(registry_ip_count("2001:db8::7"), 0);
	CHECK_INT(registry_count(), 0);
}

struct expired_log {
	int		 calls;
	int		 bad;		/* called for expires > now */
	int64_t		 now;
	int		 remove;
};

static void
expired_cb(struct instance *inst, void *arg)
{
	struct expired_log *l = arg;

	l->calls++;
	if (inst->expires > l->now)
		l->bad++;
	if (l->remove)
		registry_remove(inst);
}

static void
test_expired(void)
{
	static struct instance *inst[2000];
	struct expired_log l;
	uint8_t id[TOKEN_ID_BYTES];
	int i;

	/* expires = T_CREATED + i % 100: 20 of each value. */
	for (i = 0; i < 2000; i++) {
		token_new_id(id);
		inst[i] = registry_add(id, T_CREATED, T_CREATED + i % 100,
		    "198.51.100.1");
	}
	memset(&l, 0, sizeof(l));
	l.now = T_CREATED - 1;
	registry_expired(l.now, expired_cb, &l);
	CHECK_INT(l.calls, 0);
	l.now = T_CREATED + 9;			/* 0..9: 200, boundary included */
	registry_expired(l.now, expired_cb, &l);
	CHECK_INT(l.calls, 200);
	CHECK_INT(l.bad, 0);
	CHECK_INT(registry_count(), 2000);
	/* Now remove from the callback. */
	memset(&l, 0, sizeof(l));
	l.now = T_CREATED + 49;
	l.remove = 1;
	registry_expired(l.now, expired_cb, &l);
	CHECK_INT(l.calls, 1000);
	CHECK_INT(l.bad, 0);
	CHECK_INT(registry_count(), 1000);
	CHECK_INT(registry_ip_count("198.51.100.1"), 1000);
	for (i = 0; i < 2000; i++)
		if (i % 100 >= 50 && registry_find(inst[i]->id) != inst[i])
			break;
	CHECK_INT(i, 2000);
	/* A second pass finds nothing more at the same time. */
	memset(&l, 0, sizeof(l));
	l.now = T_CREATED + 49;
	l.remove = 1;
	registry_expired(l.now, expired_cb, &l);
	CHECK_INT(l.calls, 0);
	memset(&l, 0, sizeof(l));
	l.now = T_CREATED + 1000;
	l.remove = 1;
	registry_expired(l.now, expired_cb, &l);
	CHECK_INT(l.calls, 1000);
	CHECK_INT(l.bad, 0);
	CHECK_INT(registry_count(), 0);
	CHECK_INT(registry_ip_count("198.51.100.1"), 0);
}

static int
meta_ok(const char *text)
{
	int64_t c = -7, e = -7;

	return registry_meta_parse(text, &c, &e) == 0;
}

static void
test_meta(void)
{
	char text[256], small[16];
	int64_t c = 0, e = 0;
	int n;

	n = registry_meta_format(text, sizeof(text), T_CREATED,
	    T_CREATED + T_TTL);
	CHECK_INT(n, (int)strlen(text));
	CHECK_STR(text, "walkind-meta 1\ncreated 1795461721\n"
	    "expires 1795462321\n");
	CHECK_INT(registry_meta_parse(text, &c, &e), 0);
	CHECK_INT(c, T_CREATED);
	CHECK_INT(e, T_CREATED + T_TTL);
	/* Extremes round-trip. */
	n = registry_meta_format(text, sizeof(text), 1, INT64_MAX);
	CHECK(n > 0);
	CHECK_INT(registry_meta_parse(text, &c, &e), 0);
	CHECK_INT(c, 1);
	CHECK(e == INT64_MAX);
	n = registry_meta_format(text, sizeof(text), 5, 5);	/* TTL 0 */
	CHECK_INT(registry_meta_parse(text, &c, &e), 0);
	CHECK_INT(e, 5);
	/* Too small an output buffer is an error, not a short file. */
	CHECK_INT(registry_meta_format(small, sizeof(small), T_CREATED,
	    T_CREATED), -1);

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
};

static void
orphan_cb(const uint8_t id[TOKEN_ID_BYTES], void *arg)
{
	struct orphans *o = arg;

	if (o->n < 8)
		memcpy(o->ids[o->n], id, TOKEN_ID_BYTES);
	o->n++;
}

static int
orphan_has(const struct orphans *o, const uint8_t id[TOKEN_ID_BYTES])
{
	int i;

	for (i = 0; i < o->n && i < 8; i++)
		if (memcmp(o->ids[i], id, TOKEN_ID_BYTES) == 0)
			return 1;
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

static void
test_load(void)
{
	uint8_t good[TOKEN_ID_BYTES], nometa[TOKEN_ID_BYTES];
	uint8_t corrupt[TOKEN_ID_BYTES], other[TOKEN_ID_BYTES];
	char dir[256], s[37], name[64], meta[128];
	struct orphans o;
	struct instance *i;
	int n;

	snprintf(dir, sizeof(dir), "%s/instances", tmproot);
	CHECK_INT(mkdir(dir, 0700), 0);
	token_new_id(good);
	token_new_id(nometa);
	token_new_id(corrupt);
	token_new_id(other);
	registry_meta_format(meta, sizeof(meta), T_CREATED, T_CREATED + T_TTL);
	token_id_str(good, s);
	CHECK_INT(make_inst(dir, s, meta), 0);
	token_id_str(nometa, s);
	CHECK_INT(make_inst(dir, s, NULL), 0);
	token_id_str(corrupt, s);
	CHECK_INT(make_inst(dir, s, "walkind-meta 1\ncreated 9"), 0);
	/* Not ours: an uppercase uuid, a uuid with a suffix, a stray name. */
	token_id_str(other, s);
	for (n = 0; s[n]; n++)
		if (s[n] >= 'a' && s[n] <= 'f')
			s[n] = (char)(s[n] - 'a' + 'A');
	CHECK_INT(make_inst(dir, s, NULL), 0);
	token_id_str(other, s);
	snprintf(name, sizeof(name), "%s.tmp", s);
	CHECK_INT(make_inst(dir, name, meta), 0);
	CHECK_INT(make_inst(dir, "lost+found", NULL), 0);

	memset(&o, 0, sizeof(o));
	CHECK_INT(registry_load(dir, orphan_cb, &o), 0);
	CHECK_INT(registry_count(), 1);
	i = registry_find(good);
	CHECK(i != NULL);
	if (i != NULL) {
		CHECK_INT(i->created, T_CREATED);
		CHECK_INT(i->expires, T_CREATED + T_TTL);
		CHECK_STR(i->owner_ip, "");
	}
	CHECK(registry_find(nometa) == NULL);
	CHECK(registry_find(corrupt) == NULL);
	CHECK(registry_find(other) == NULL);
	CHECK_INT(o.n, 2);
	CHECK(orphan_has(&o, nometa));
	CHECK(orphan_has(&o, corrupt));
	CHECK(!orphan_has(&o, good));
	CHECK_INT(registry_ip_count(""), 0);

	/* Loading again does not duplicate what is already there. */
	memset(&o, 0, sizeof(o));
	CHECK_INT(registry_load(dir, orphan_cb, &o), 0);
	CHECK_INT(registry_count(), 1);
	CHECK_INT(o.n, 2);
	if (i != NULL)
		registry_remove(i);
	CHECK_INT(registry_count(), 0);

	/* An unreadable directory. */
	snprintf(dir, sizeof(dir), "%s/missing", tmproot);
	memset(&o, 0, sizeof(o));
	CHECK_INT(registry_load(dir, orphan_cb, &o), -1);
	CHECK_INT(o.n, 0);
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
	struct orphans o;
	struct instance *i;
	int n;

	snprintf(dir, sizeof(dir), "%s/instances-x", tmproot);
	CHECK_INT(mkdir(dir, 0700), 0);
	token_new_id(good);
	token_new_id(bad);
	n = registry_meta_format(meta, sizeof(meta), T_CREATED, T_CREATED + T_TTL);
	registry_meta_format(stale, sizeof(stale), T_CREATED, T_CREATED + 1);
	token_id_str(good, s);
	CHECK_INT(make_inst(dir, s, stale), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, s);
	if (setxattr(path, REGISTRY_META_XATTR, meta, (size_t)n, XATTR_CREATE)
	    == -1) {
		printf("test_registry: no user xattrs here: xattr load not "
		    "tested\n");
		return;
	}
	token_id_str(bad, s);
	CHECK_INT(make_inst(dir, s, NULL), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, s);
	CHECK_INT(setxattr(path, REGISTRY_META_XATTR, "walkind-meta 1\n", 15,
	    XATTR_CREATE), 0);

	memset(&o, 0, sizeof(o));
	CHECK_INT(registry_load(dir, orphan_cb, &o), 0);
	CHECK_INT(registry_count(), 1);
	i = registry_find(good);
	CHECK(i != NULL);
	if (i != NULL) {
		CHECK_INT(i->created, T_CREATED);
		CHECK_INT(i->expires, T_CREATED + T_TTL);	/* not the file's */
		registry_remove(i);
	}
	CHECK_INT(o.n, 1);
	CHECK(orphan_has(&o, bad));
}

static void
test_cleanup(void)
{
	CHECK_INT(registry_count(), 0);
	CHECK_INT(unit_rmtree(tmproot), 0);
	CHECK(access(tmproot, F_OK) == -1);
}

UNIT_MAIN(test_setup, test_add_find_remove, test_similar_ids, test_growth,
    test_ip_count, test_expired, test_meta, test_load, test_load_xattr,
    test_cleanup)

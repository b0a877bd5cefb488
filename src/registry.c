/*
 * registry.c: live entries by id, and walk-in counts per expiry second,
 * node-wide and per client IP (see registry.h).
 *
 * Live entries are a chained hash that doubles when full; there are only
 * as many as the pool is serving. Instance ids are UUIDv7: the first six
 * bytes are a timestamp, so the hash uses the random tail. IP keys are
 * attacker-chosen (IPv6), so they are hashed with SipHash
 * (crypto_shorthash) under a random key; the IP table has a fixed 4096
 * buckets and an entry only for an IP with live walk-ins.
 *
 * A count queue holds (expiry second, walk-ins) pairs in expiry order:
 * creates append to its end (expiry = now + TTL only grows), expiry pops
 * its head, so a queue is at most one pair per second of the TTL.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <sodium.h>

#include "dataset_grant.h"
#include "log.h"
#include "registry.h"

struct expb {
	int64_t		 expires;
	size_t		 n;
};

struct expq {
	struct expb	*v;		/* [head, head + len) in use */
	size_t		 head, len, cap;
	size_t		 total;		/* sum of n */
};

struct ipcount {
	char		 ip[64];
	struct expq	 q;
	struct ipcount	*next;
};

static struct instance	**inst_tab;
static size_t		  inst_cap, inst_n;
static struct ipcount	**ip_tab;
static size_t		  ip_cap;
static unsigned char	  ip_key[crypto_shorthash_KEYBYTES];
static struct expq	  all_q;

/* ---- count queues ---- */

/* Make room for one more pair at the end. */
static void
expq_room(struct expq *q)
{
	if (q->head + q->len < q->cap)
		return;
	if (q->head > 0) {
		memmove(q->v, q->v + q->head, q->len * sizeof(*q->v));
		q->head = 0;
		return;
	}
	q->cap = q->cap ? q->cap * 2 : 16;
	if ((q->v = realloc(q->v, q->cap * sizeof(*q->v))) == NULL)
		fatal("registry counts");
}

/* Index of the first pair with expires >= e (head + len if none). */
static size_t
expq_lower(const struct expq *q, int64_t e)
{
	size_t lo = q->head, hi = q->head + q->len, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (q->v[mid].expires < e)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
expq_add(struct expq *q, int64_t e)
{
	size_t end = q->head + q->len, off;

	q->total++;
	if (q->len > 0 && q->v[end - 1].expires == e) {
		q->v[end - 1].n++;		/* the usual case */
		return;
	}
	off = (q->len == 0 || q->v[end - 1].expires < e) ? q->len :
	    expq_lower(q, e) - q->head;
	if (off < q->len && q->v[q->head + off].expires == e) {
		q->v[q->head + off].n++;
		return;
	}
	/* A new second: at the end, or in order (restore, clock steps). */
	expq_room(q);
	memmove(&q->v[q->head + off + 1], &q->v[q->head + off],
	    (q->len - off) * sizeof(*q->v));
	q->v[q->head + off] = (struct expb){ e, 1 };
	q->len++;
}

static void
expq_sub(struct expq *q, int64_t e)
{
	size_t k = expq_lower(q, e);

	if (k < q->head + q->len && q->v[k].expires == e && q->v[k].n > 0) {
		q->v[k].n--;
		q->total--;
	}
}

/* Drop every second <= now, telling cb (if any) which, oldest first. */
static void
expq_pop(struct expq *q, int64_t now, void (*cb)(int64_t, void *),
    void *arg)
{
	int64_t e;

	while (q->len > 0 && q->v[q->head].expires <= now) {
		e = q->v[q->head].expires;
		q->total -= q->v[q->head].n;
		q->head++;
		q->len--;
		if (cb)
			cb(e, arg);
	}
	if (q->len == 0)
		q->head = 0;
}

/* ---- per-IP counts ---- */

static size_t
ip_hash(const char *ip)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t h;

	crypto_shorthash(out, (const unsigned char *)ip, strlen(ip), ip_key);
	memcpy(&h, out, sizeof(h));
	return (size_t)h;
}

static struct ipcount **
ip_slot(const char *ip)
{
	struct ipcount **pp = &ip_tab[ip_hash(ip) % ip_cap];

	while (*pp && strcmp((*pp)->ip, ip) != 0)
		pp = &(*pp)->next;
	return pp;
}

static void
ip_free(struct ipcount **pp)
{
	struct ipcount *c = *pp;

	*pp = c->next;
	free(c->q.v);
	free(c);
}

/*
 * Count one walk-in of ip expiring at e. Returns the interned copy of
 * ip, which lives while the IP has walk-ins counted (a live entry points
 * to it instead of carrying 64 bytes), or "" for ip "" (not counted).
 */
static const char *
ip_add(const char *ip, int64_t e)
{
	struct ipcount **pp, *c;

	if (ip[0] == '\0')
		return "";
	pp = ip_slot(ip);
	if (*pp == NULL) {
		if ((c = calloc(1, sizeof(*c))) == NULL)
			fatal("registry ip");
		snprintf(c->ip, sizeof(c->ip), "%s", ip);
		*pp = c;
	}
	expq_add(&(*pp)->q, e);
	return (*pp)->ip;
}

static void
ip_sub(const char *ip, int64_t e)
{
	struct ipcount **pp;

	if (ip[0] == '\0' || *(pp = ip_slot(ip)) == NULL)
		return;
	expq_sub(&(*pp)->q, e);
	if ((*pp)->q.total == 0)
		ip_free(pp);
}

static void
ip_expire(int64_t now)
{
	struct ipcount **pp;
	size_t k;

	for (k = 0; k < ip_cap; k++)
		for (pp = &ip_tab[k]; *pp != NULL; ) {
			expq_pop(&(*pp)->q, now, NULL, NULL);
			if ((*pp)->q.total == 0)
				ip_free(pp);
			else
				pp = &(*pp)->next;
		}
}

size_t
registry_ip_count(const char *ip)
{
	struct ipcount **pp = ip_slot(ip);

	return *pp ? (*pp)->q.total : 0;
}

/* ---- live entries ---- */

static size_t
inst_hash(const uint8_t id[TOKEN_ID_BYTES])
{
	uint64_t h;

	memcpy(&h, id + 8, sizeof(h));
	return (size_t)h;
}

void
registry_init(void)
{
	inst_cap = 256;
	ip_cap = 4096;
	inst_tab = calloc(inst_cap, sizeof(*inst_tab));
	ip_tab = calloc(ip_cap, sizeof(*ip_tab));
	if (inst_tab == NULL || ip_tab == NULL)
		fatal("registry_init");
	randombytes_buf(ip_key, sizeof(ip_key));
}

static void
inst_grow(void)
{
	struct instance **nt, *i, *next;
	size_t ncap = inst_cap * 2, k;

	if ((nt = calloc(ncap, sizeof(*nt))) == NULL)
		fatal("registry grow");
	for (k = 0; k < inst_cap; k++)
		for (i = inst_tab[k]; i; i = next) {
			next = i->hnext;
			i->hnext = nt[inst_hash(i->id) % ncap];
			nt[inst_hash(i->id) % ncap] = i;
		}
	free(inst_tab);
	inst_tab = nt;
	inst_cap = ncap;
}

static struct instance *
live_new(const uint8_t id[TOKEN_ID_BYTES], int64_t created, int64_t expires)
{
	struct instance *i;
	size_t k;

	if (inst_n >= inst_cap)
		inst_grow();
	if ((i = calloc(1, sizeof(*i))) == NULL)
		fatal("registry entry");
	memcpy(i->id, id, TOKEN_ID_BYTES);
	i->created = created;
	i->expires = expires;
	i->owner_ip = "";
	k = inst_hash(id) % inst_cap;
	i->hnext = inst_tab[k];
	inst_tab[k] = i;
	inst_n++;
	return i;
}

struct instance *
registry_add(const uint8_t id[TOKEN_ID_BYTES], int64_t created,
    int64_t expires, const char *owner_ip)
{
	struct instance *i = live_new(id, created, expires);

	expq_add(&all_q, expires);
	i->owner_ip = ip_add(owner_ip, expires);
	return i;
}

struct instance *
registry_find(const uint8_t id[TOKEN_ID_BYTES])
{
	struct instance *i;

	for (i = inst_tab[inst_hash(id) % inst_cap]; i; i = i->hnext)
		if (memcmp(i->id, id, TOKEN_ID_BYTES) == 0)
			return i;
	return NULL;
}

struct instance *
registry_get(const uint8_t id[TOKEN_ID_BYTES], int64_t expires)
{
	struct instance *i = registry_find(id);

	if (i != NULL)
		return i->expires == expires ? i : NULL;
	return live_new(id, 0, expires);
}

void
registry_release(struct instance *inst)
{
	struct instance **pp = &inst_tab[inst_hash(inst->id) % inst_cap];

	if (inst->pool != NULL)
		fatalx("registry_release: the pool still holds the entry");
	while (*pp && *pp != inst)
		pp = &(*pp)->hnext;
	if (*pp == NULL)
		fatalx("registry_release: unknown instance");
	*pp = inst->hnext;
	inst_n--;
	free(inst->spec);
	free(inst);
}

void
registry_set_spec_from(struct instance *inst,
    const uint8_t id[TOKEN_ID_BYTES], int64_t expires)
{
	memcpy(inst->spec_id, id, TOKEN_ID_BYTES);
	inst->spec_expires = expires;
}

int
registry_set_spec(struct instance *inst, const struct walkin_spec *spec)
{
	char text[REGISTRY_META_MAX];

	/* What the spawner will write: refused now, not at the spawn. */
	if (registry_meta_format_spec(text, sizeof(text), 1, 1, "",
	    spec->max_db_bytes, spec->grant) < 0)
		return -1;
	if (walkin_spec_is_default(spec))
		return 0;	/* the default: nothing to keep */
	if (inst->spec == NULL && (inst->spec = malloc(sizeof(*spec))) == NULL)
		fatal("registry spec");
	memcpy(inst->spec, spec, sizeof(*spec));
	return 0;
}

void
registry_remove(struct instance *inst)
{
	expq_sub(&all_q, inst->expires);
	ip_sub(inst->owner_ip, inst->expires);
	registry_release(inst);
}

void
registry_uncount(int64_t expires, const char *owner_ip)
{
	expq_sub(&all_q, expires);
	ip_sub(owner_ip, expires);
}

size_t
registry_count(void)
{
	return all_q.total;
}

size_t
registry_live(void)
{
	return inst_n;
}

/*
 * The callback answers the entry's requests, and a reply may start
 * other work; so the expired entries are listed by id first and each is
 * looked up again before its call.
 */
void
registry_expired(int64_t now, void (*live_cb)(struct instance *, void *),
    void (*bucket_cb)(int64_t, void *), void *arg)
{
	uint8_t (*ids)[TOKEN_ID_BYTES] = NULL;
	struct instance *i;
	size_t k, n = 0;

	if (inst_n > 0 && (ids = calloc(inst_n, sizeof(*ids))) == NULL)
		fatal("registry_expired");
	for (k = 0; k < inst_cap; k++)
		for (i = inst_tab[k]; i; i = i->hnext)
			if (i->expires <= now)
				memcpy(ids[n++], i->id, TOKEN_ID_BYTES);
	for (k = 0; k < n; k++)
		if ((i = registry_find(ids[k])) != NULL && i->expires <= now)
			live_cb(i, arg);
	free(ids);
	expq_pop(&all_q, now, bucket_cb, arg);
	ip_expire(now);
}

/* ---- bucket names and meta ---- */

int
registry_bucket_name(int64_t expires, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%" PRId64, expires);

	return (expires <= 0 || n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

int
registry_bucket_parse(const char *name, int64_t *expires)
{
	int64_t v = 0;
	size_t k;

	/* At most 18 digits: no overflow, and no leading zero, so one
	 * second has one name. */
	for (k = 0; name[k] != '\0'; k++)
		if (name[k] < '0' || name[k] > '9' || k >= 18)
			return -1;
	if (k == 0 || name[0] == '0')
		return -1;
	for (k = 0; name[k] != '\0'; k++)
		v = v * 10 + (name[k] - '0');
	*expires = v;
	return 0;
}

/* An owner is an address as inet_ntop writes it: hex digits, '.' and
 * ':' only, so the meta stays one line per field whatever a peer is. */
static int
owner_ok(const char *ip)
{
	size_t n = strspn(ip, "0123456789abcdefABCDEF.:");

	return ip[n] == '\0' && n < REGISTRY_OWNER_MAX;
}

/* A grant line's text: valid (dataset_grant.h), never a blank or
 * newline, so the meta stays one line per field. */
static int
grant_ok(const char *grant)
{
	return grant[strcspn(grant, " \t\r\n")] == '\0' &&
	    dataset_grant_valid(grant) == 0;
}

int
registry_meta_format_spec(char *out, size_t outlen, int64_t created,
    int64_t expires, const char *owner_ip, int64_t max_db_bytes,
    const char *grant)
{
	char cap[40] = "";
	int n;

	if (owner_ip == NULL)
		owner_ip = "";
	if (grant == NULL)
		grant = "";
	if (!owner_ok(owner_ip) || max_db_bytes < 0 || !grant_ok(grant))
		return -1;
	if (max_db_bytes > 0)
		snprintf(cap, sizeof(cap), "max-db-bytes %" PRId64 "\n",
		    max_db_bytes);
	n = snprintf(out, outlen, "walkind-meta 1\ncreated %" PRId64
	    "\nexpires %" PRId64 "\n%s%s%s%s%s%s%s", created, expires,
	    owner_ip[0] ? "owner " : "", owner_ip, owner_ip[0] ? "\n" : "",
	    cap, grant[0] ? "grant " : "", grant, grant[0] ? "\n" : "");
	return (n < 0 || (size_t)n >= outlen) ? -1 : n;
}

int
registry_meta_format(char *out, size_t outlen, int64_t created,
    int64_t expires, const char *owner_ip)
{
	return registry_meta_format_spec(out, outlen, created, expires,
	    owner_ip, 0, "");
}

int
registry_meta_parse_spec(const char *text, int64_t *created,
    int64_t *expires, char owner_ip[REGISTRY_OWNER_MAX],
    int64_t *max_db_bytes, char grant[WALKIN_GRANT_MAX])
{
	char again[REGISTRY_META_MAX], owner[REGISTRY_OWNER_MAX] = "";
	char g[WALKIN_GRANT_MAX] = "";
	const char *line;
	int64_t cap = 0;

	/* sscanf's "\n" matches any whitespace, so demand that the text
	 * is exactly what registry_meta_format writes for these values. */
	if (sscanf(text, "walkind-meta 1\ncreated %" SCNd64 "\nexpires %"
	    SCNd64, created, expires) != 2 || *created <= 0 ||
	    *expires < *created)
		return -1;
	/* The owner line is optional: metas written before it (and by a
	 * create whose peer address was not known) have none. So are the
	 * spec's (issue 17): a meta without them is the default spec. */
	if ((line = strstr(text, "\nowner ")) != NULL &&
	    sscanf(line, "\nowner %63[0-9a-fA-F.:]", owner) != 1)
		return -1;
	if ((line = strstr(text, "\nmax-db-bytes ")) != NULL &&
	    sscanf(line, "\nmax-db-bytes %" SCNd64, &cap) != 1)
		return -1;
	if ((line = strstr(text, "\ngrant ")) != NULL &&
	    sscanf(line, "\ngrant %511[^\n]", g) != 1)
		return -1;
	if (registry_meta_format_spec(again, sizeof(again), *created,
	    *expires, owner, cap, g) < 0 || strcmp(again, text) != 0)
		return -1;
	snprintf(owner_ip, REGISTRY_OWNER_MAX, "%s", owner);
	if (max_db_bytes != NULL)
		*max_db_bytes = cap;
	if (grant != NULL)
		snprintf(grant, WALKIN_GRANT_MAX, "%s", g);
	return 0;
}

int
registry_meta_parse(const char *text, int64_t *created, int64_t *expires,
    char owner_ip[REGISTRY_OWNER_MAX])
{
	return registry_meta_parse_spec(text, created, expires, owner_ip,
	    NULL, NULL);
}

/* The meta text of instance dir `name`: its xattr, else its meta file. */
static ssize_t
read_meta(int dfd, const char *name, char *text, size_t size)
{
	char path[128];
	ssize_t n;
	int fd;

	if ((fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		return -1;
	n = fgetxattr(fd, REGISTRY_META_XATTR, text, size);
	close(fd);
	if (n >= 0 || (errno != ENODATA && errno != ENOTSUP &&
	    errno != EOPNOTSUPP))
		return n;
	snprintf(path, sizeof(path), "%s/meta", name);
	if ((fd = openat(dfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	n = read(fd, text, size);
	close(fd);
	return n;
}

/* The meta of instances_dir/<rel>, if valid: its expiry and owner.
 * 0 or -1. */
static int
meta_of(int dfd, const char *rel, int64_t *expires,
    char owner_ip[REGISTRY_OWNER_MAX])
{
	char text[REGISTRY_META_MAX + 1];
	int64_t created;
	ssize_t n;

	n = read_meta(dfd, rel, text, sizeof(text) - 1);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	return registry_meta_parse(text, &created, expires, owner_ip);
}

static void
load_bucket(int dfd, const char *bname, int64_t e,
    void (*orphan)(int64_t, const uint8_t *, void *), void *arg)
{
	char rel[300], owner[REGISTRY_OWNER_MAX];
	uint8_t id[TOKEN_ID_BYTES];
	struct dirent *de;
	int64_t me;
	DIR *d;
	int fd;

	fd = openat(dfd, bname, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW);
	if (fd == -1 || (d = fdopendir(fd)) == NULL) {
		log_warn("read instances/%s", bname);
		if (fd != -1)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		/* A walk-in removed by an earlier run that stopped before
		 * its files were gone (the spawner's removal work): an
		 * orphan, which the spawner takes in its ".del-" name. */
		if (strncmp(de->d_name, ".del-", 5) == 0 &&
		    token_id_parse(de->d_name + 5, id) == 0) {
			orphan(e, id, arg);
			continue;
		}
		if (token_id_parse(de->d_name, id) == -1)
			continue;	/* not ours: left alone */
		snprintf(rel, sizeof(rel), "%s/%s", bname, de->d_name);
		if (meta_of(dfd, rel, &me, owner) == 0 && me == e) {
			/* Counted for its owner again, so a restart does
			 * not reset --max-instances-per-ip; no owner
			 * (older metas): node-wide only. */
			expq_add(&all_q, e);
			(void)ip_add(owner, e);
		} else
			orphan(e, id, arg);
	}
	closedir(d);
}

/* A walk-in in walkind 0.1.0's flat layout: moved into its bucket. */
static void
load_legacy(int dfd, const char *name, const uint8_t id[TOKEN_ID_BYTES],
    void (*orphan)(int64_t, const uint8_t *, void *), void *arg)
{
	char bname[24], rel[300], owner[REGISTRY_OWNER_MAX];
	int64_t e;

	if (meta_of(dfd, name, &e, owner) == -1 ||
	    registry_bucket_name(e, bname, sizeof(bname)) == -1) {
		orphan(0, id, arg);
		return;
	}
	snprintf(rel, sizeof(rel), "%s/%s", bname, name);
	if ((mkdirat(dfd, bname, 0700) == -1 && errno != EEXIST) ||
	    renameat(dfd, name, dfd, rel) == -1)
		log_warn("move walk-in %s into instances/%s/", name, bname);
}

/*
 * Two passes: the first moves old-layout walk-ins into their buckets,
 * the second counts the buckets, so a moved walk-in is counted once
 * whatever readdir makes of the entries added while it runs.
 */
int
registry_load(const char *instances_dir,
    void (*orphan)(int64_t, const uint8_t *, void *), void *arg)
{
	uint8_t id[TOKEN_ID_BYTES];
	struct dirent *de;
	int64_t e;
	DIR *d;

	if ((d = opendir(instances_dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (token_id_parse(de->d_name, id) == 0)
			load_legacy(dirfd(d), de->d_name, id, orphan, arg);
	rewinddir(d);
	while ((de = readdir(d)) != NULL)
		if (registry_bucket_parse(de->d_name, &e) == 0)
			load_bucket(dirfd(d), de->d_name, e, orphan, arg);
	closedir(d);
	return 0;
}

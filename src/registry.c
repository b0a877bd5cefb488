/*
 * registry.c: live walk-ins by id, and live walk-in counts by client IP.
 *
 * Both are chained hashes; the instance table doubles when full, the IP
 * table has a fixed 4096 buckets (entries exist only for IPs with live
 * walk-ins, bounded by --max-instances). Instance ids are
 * UUIDv7: the first six bytes are a timestamp, so the hash uses the
 * random tail. IP keys are attacker-chosen (IPv6), so they are hashed
 * with SipHash (crypto_shorthash) under a random key.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <sodium.h>

#include "log.h"
#include "registry.h"

struct ipcount {
	char		 ip[64];
	size_t		 n;
	struct ipcount	*next;
};

static struct instance	**inst_tab;
static size_t		  inst_cap, inst_n;
static struct ipcount	**ip_tab;
static size_t		  ip_cap;
static unsigned char	  ip_key[crypto_shorthash_KEYBYTES];

static size_t
inst_hash(const uint8_t id[TOKEN_ID_BYTES])
{
	uint64_t h;

	memcpy(&h, id + 8, sizeof(h));
	return (size_t)h;
}

static size_t
ip_hash(const char *ip)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t h;

	crypto_shorthash(out, (const unsigned char *)ip, strlen(ip), ip_key);
	memcpy(&h, out, sizeof(h));
	return (size_t)h;
}

void
registry_init(void)
{
	inst_cap = 1024;
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

static struct ipcount **
ip_slot(const char *ip)
{
	struct ipcount **pp = &ip_tab[ip_hash(ip) % ip_cap];

	while (*pp && strcmp((*pp)->ip, ip) != 0)
		pp = &(*pp)->next;
	return pp;
}

/*
 * Count ip's walk-ins up or down. Returns the interned copy of ip, which
 * lives while the count is positive (walk-ins point to it instead of
 * carrying 64 bytes each), or "" for ip "" (restored, not counted).
 */
static const char *
ip_adjust(const char *ip, int delta)
{
	struct ipcount **pp, *c;

	if (ip[0] == '\0')
		return "";
	pp = ip_slot(ip);
	if (*pp == NULL) {
		if (delta < 0)
			return "";
		if ((c = calloc(1, sizeof(*c))) == NULL)
			fatal("registry ip");
		snprintf(c->ip, sizeof(c->ip), "%s", ip);
		*pp = c;
	}
	c = *pp;
	if (delta < 0 && c->n > 0)
		c->n--;
	else if (delta > 0)
		c->n++;
	if (c->n == 0) {
		*pp = c->next;
		free(c);
		return "";
	}
	return c->ip;
}

struct instance *
registry_add(const uint8_t id[TOKEN_ID_BYTES], int64_t created,
    int64_t expires, const char *owner_ip)
{
	struct instance *i;
	char ip[sizeof(((struct ipcount *)0)->ip)];
	size_t k;

	if (inst_n >= inst_cap)
		inst_grow();
	if ((i = calloc(1, sizeof(*i))) == NULL)
		fatal("registry_add");
	memcpy(i->id, id, TOKEN_ID_BYTES);
	i->created = created;
	i->expires = expires;
	snprintf(ip, sizeof(ip), "%s", owner_ip);	/* as stored */
	TAILQ_INIT(&i->jobs);
	k = inst_hash(id) % inst_cap;
	i->hnext = inst_tab[k];
	inst_tab[k] = i;
	inst_n++;
	i->owner_ip = ip_adjust(ip, +1);
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

void
registry_remove(struct instance *inst)
{
	struct instance **pp = &inst_tab[inst_hash(inst->id) % inst_cap];

	while (*pp && *pp != inst)
		pp = &(*pp)->hnext;
	if (*pp == NULL)
		fatalx("registry_remove: unknown instance");
	*pp = inst->hnext;
	inst_n--;
	ip_adjust(inst->owner_ip, -1);
	free(inst);
}

size_t
registry_count(void)
{
	return inst_n;
}

size_t
registry_ip_count(const char *ip)
{
	struct ipcount **pp = ip_slot(ip);

	return *pp ? (*pp)->n : 0;
}

void
registry_expired(int64_t now, void (*cb)(struct instance *, void *), void *arg)
{
	struct instance *i, *next;
	size_t k;

	for (k = 0; k < inst_cap; k++)
		for (i = inst_tab[k]; i; i = next) {
			next = i->hnext;
			if (i->expires <= now)
				cb(i, arg);
		}
}

int
registry_meta_format(char *out, size_t outlen, int64_t created,
    int64_t expires)
{
	int n = snprintf(out, outlen, "walkind-meta 1\ncreated %" PRId64
	    "\nexpires %" PRId64 "\n", created, expires);

	return (n < 0 || (size_t)n >= outlen) ? -1 : n;
}

int
registry_meta_parse(const char *text, int64_t *created, int64_t *expires)
{
	char again[128];

	/* sscanf's "\n" matches any whitespace, so demand that the text
	 * is exactly what registry_meta_format writes for these values. */
	if (sscanf(text, "walkind-meta 1\ncreated %" SCNd64 "\nexpires %"
	    SCNd64, created, expires) != 2 || *created <= 0 ||
	    *expires < *created ||
	    registry_meta_format(again, sizeof(again), *created, *expires) < 0 ||
	    strcmp(again, text) != 0)
		return -1;
	return 0;
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

static int
load_one(int dfd, const char *name, uint8_t id[TOKEN_ID_BYTES])
{
	char text[256];
	int64_t created, expires;
	ssize_t n;

	n = read_meta(dfd, name, text, sizeof(text) - 1);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	if (registry_meta_parse(text, &created, &expires) == -1)
		return -1;
	registry_add(id, created, expires, "");
	return 0;
}

int
registry_load(const char *instances_dir,
    void (*orphan)(const uint8_t id[TOKEN_ID_BYTES], void *), void *arg)
{
	uint8_t id[TOKEN_ID_BYTES];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(instances_dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (token_id_parse(de->d_name, id) == -1)
			continue;	/* not ours: left alone */
		if (registry_find(id) == NULL &&
		    load_one(dirfd(d), de->d_name, id) == -1)
			orphan(id, arg);
	}
	closedir(d);
	return 0;
}

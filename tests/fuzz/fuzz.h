/*
 * fuzz.h: helpers shared by the libFuzzer harnesses in tests/fuzz/.
 *
 * Every harness states invariants and aborts (FUZZ_CHECK) when one
 * fails, so libFuzzer keeps the input as a crash reproducer. Inputs are
 * copied into buffers of exactly their size (plus a NUL only where the
 * code under test is documented to need one), so ASan sees any read
 * past the bytes the caller handed over.
 */
#ifndef WALKIND_FUZZ_H
#define WALKIND_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* Abort with a message; for invariants that need to show a value. */
#define FUZZ_FAIL(...) do {						\
	fprintf(stderr, "%s:%d: invariant failed: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__);					\
	fputc('\n', stderr);						\
	abort();							\
} while (0)

/* Where harnesses make their temp dirs: $TMPDIR (tests/fuzz/run.sh
 * sets one per run and removes it), else /dev/shm, else /tmp. */
static inline const char *
fuzz_tmpbase(void)
{
	const char *t = getenv("TMPDIR");

	if (t != NULL && t[0] == '/' && strlen(t) < 200)
		return t;
	return access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
}

/* A malloc'd copy of data[0..size) with a NUL at size. */
static inline char *
fuzz_strdup(const uint8_t *data, size_t size)
{
	char *p = malloc(size + 1);

	if (p == NULL)
		abort();
	if (size > 0)
		memcpy(p, data, size);
	p[size] = '\0';
	return p;
}

/* A malloc'd copy of exactly size bytes (no NUL): over-reads trap. */
static inline char *
fuzz_memdup(const uint8_t *data, size_t size)
{
	char *p = malloc(size > 0 ? size : 1);

	if (p == NULL)
		abort();
	if (size > 0)
		memcpy(p, data, size);
	return p;
}

/*
 * Strict UTF-8 (RFC 3629, Unicode table 3-7): no overlongs, no
 * surrogates, nothing above U+10FFFF, no truncated sequence. Written
 * apart from src/json.c on purpose: it checks that encoder.
 */
static inline int
fuzz_utf8_valid(const unsigned char *p, size_t n)
{
	size_t i = 0, k, need;
	uint32_t cp, min;

	while (i < n) {
		unsigned char c = p[i];

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			need = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			need = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			need = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (need >= n - i)
			return 0;		/* truncated at the end */
		for (k = 1; k <= need; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

/*
 * What every JSON reply of ours must be: valid UTF-8, no raw control
 * byte (JSON forbids them in strings; we never emit them between
 * tokens either), and no raw U+2028/U+2029 (json.c escapes them).
 */
static inline void
fuzz_check_json_text(const char *s, size_t n)
{
	size_t i;

	if (!fuzz_utf8_valid((const unsigned char *)s, n))
		FUZZ_FAIL("output is not valid UTF-8 (%zu bytes)", n);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20)
			FUZZ_FAIL("raw control byte 0x%02x at %zu", c, i);
		if (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
		    ((unsigned char)s[i + 2] == 0xa8 ||
		    (unsigned char)s[i + 2] == 0xa9))
			FUZZ_FAIL("raw U+2028/U+2029 at %zu", i);
	}
}

#endif

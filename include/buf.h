/*
 * buf.h: a growable byte buffer. Used to build replies and IPC payloads.
 * The buffer owns `data`; buf_free releases it. Allocation failure aborts
 * (an out-of-memory front end cannot keep its promises anyway).
 */
#ifndef WALKIND_BUF_H
#define WALKIND_BUF_H

#include <stddef.h>
#include <stdarg.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

void	buf_init(struct buf *b);
void	buf_free(struct buf *b);
void	buf_reset(struct buf *b);		/* len = 0, keeps memory */
void	buf_reserve(struct buf *b, size_t extra);
void	buf_add(struct buf *b, const void *p, size_t n);
void	buf_addc(struct buf *b, char c);
void	buf_adds(struct buf *b, const char *s);
/* fmt must not be NULL: nonnull lets the compiler (and UBSan's
 * nonnull-attribute check) hold callers to it instead of seeing a NULL
 * format reach vsnprintf. */
void	buf_printf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), nonnull(1, 2)));
/* NUL-terminates without counting the NUL in len; returns data. */
char	*buf_cstr(struct buf *b);

#endif

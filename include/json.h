/*
 * json.h: JSON text output for replies (the executor encodes rows, the
 * front end encodes errors). Output is always valid JSON and valid UTF-8
 * whatever bytes go in. Also the UTF-8 check of request bodies.
 */
#ifndef WALKIND_JSON_H
#define WALKIND_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * Append s[0..len) as a JSON string with quotes. Invalid UTF-8 (including
 * overlongs, surrogates, > U+10FFFF) becomes U+FFFD; control characters,
 * '"' and '\\' are escaped; NUL is kept as \u0000.
 */
void	json_add_string(struct buf *b, const char *s, size_t len);
void	json_add_int64(struct buf *b, int64_t v);	/* exact, all 64 bits */
/* Shortest text that strtod reads back to v; NaN and +-Inf give null. */
void	json_add_double(struct buf *b, double v);
/* Standard base64 (RFC 4648, with padding) as a JSON string. */
void	json_add_base64(struct buf *b, const unsigned char *p, size_t len);
/*
 * The value 0..63 of one base64 digit, or -1: the standard alphabet
 * (RFC 4648 section 4, '+' '/') or with `url` the URL-safe one ('-'
 * '_'). Exactly the 64 characters: no byte 0x80-0xff is a digit
 * (libsodium 1.0.18's decoder reads those as '_').
 */
int	json_base64_digit(unsigned char c, int url);
/* Replace b's contents with {"error":"<msg>"}. */
void	json_error(struct buf *b, const char *msg);
/*
 * Nonzero if s[0..len) is well-formed UTF-8 (no overlongs, surrogates or
 * code points above U+10FFFF): RFC 8259 JSON text. For request bodies.
 */
int	json_utf8_valid(const char *s, size_t len);

#endif

/*
 * jparse.h: a strict JSON parser (RFC 8259) that builds a cJSON tree
 * (front end). Every request body and every value of every front door
 * goes through it, so that cJSON's lenient reading never decides what a
 * hostile client meant.
 *
 * Refused, each with a short reason in *why (for logs and tests; a door
 * answers its own fixed message, e.g. "invalid json"):
 *   - "invalid UTF-8"            anywhere in the text;
 *   - "control character in string"  raw bytes below 0x20 in a string;
 *   - "bad escape", "bad surrogate"  unknown escapes, \u with non-hex,
 *                                a lone or reversed surrogate escape;
 *   - "unterminated string";
 *   - "bad number"               anything outside RFC 8259's grammar:
 *                                leading zeros, '+', ".5", "1.", "1e",
 *                                NaN, Infinity, hex;
 *   - "expected a value", "expected ',' or ']'", "expected ',' or '}'",
 *     "expected ':'", "expected a key";
 *   - "trailing data"            non-whitespace after the value;
 *   - "too deep"                 arrays/objects nested deeper than
 *                                max_depth;
 *   - "duplicate key"            two members of one object with the same
 *                                decoded name. Parsers disagree on which
 *                                one wins (cJSON the first, most the last),
 *                                so a proxy, a log reader and walkind could
 *                                each see a different request: refused in
 *                                every object, not only at the top;
 *   - "NUL in key"               a key containing \u0000: keys are C
 *                                strings compared with strcmp, where
 *                                "a\u0000b" would read as "a";
 *   - "string too long"          a decoded string above INT_MAX bytes.
 * A leading UTF-8 byte order mark is skipped (RFC 8259 section 8.1
 * allows a parser to). Whitespace is space, tab, CR and LF only.
 *
 * What the tree carries beyond cJSON's own parser:
 *   - numbers: valuedouble (strtod of the text, so 1e400 is +inf and a
 *     consumer must check isfinite) and valueint (cJSON's rule:
 *     saturated to INT_MIN..INT_MAX), and valuestring holds the number's
 *     exact source text ("-9223372036854775808", "1.50", "-0"), so an
 *     integer beyond 2^53 can be read exactly (value.c does);
 *   - strings: valuestring holds the decoded bytes followed by a NUL, and
 *     valueint their length. A string may contain NUL (from \u0000), so
 *     strlen(valuestring) < valueint means an embedded NUL, and a consumer
 *     that wants the whole text must use valueint as the length.
 * cJSON_Delete frees the whole tree: in cJSON 1.7.15 it frees
 * valuestring for any item type that is not a reference (cJSON.c,
 * cJSON_Delete), and jparse allocates every string with cJSON_malloc, the
 * allocator cJSON_Delete frees with (tests/unit/test_jparse.c checks that
 * nothing leaks under LeakSanitizer). All other cJSON accessors work as
 * usual; cJSON_Duplicate and cJSON_Print do not know valueint's length
 * and would stop a string at its first NUL.
 *
 * The recursion of jparse (two frames per level) and of cJSON_Delete on
 * its trees (one per level) is bounded by max_depth: keep it small.
 */
#ifndef WALKIND_JPARSE_H
#define WALKIND_JPARSE_H

#include <stddef.h>

struct cJSON;

/*
 * Parse s[0..len) (no NUL terminator needed; a NUL byte in the text is
 * refused like any other stray byte) as one JSON value of any type.
 * max_depth is the deepest nesting of arrays and objects allowed: 0
 * allows only a scalar, 1 allows [1,2] but not [[1]]. Returns the tree,
 * which the caller frees with cJSON_Delete, or NULL with *why set to a
 * static reason (why may be NULL). Allocation failure aborts, as buf.c.
 */
struct cJSON	*jparse(const char *s, size_t len, int max_depth,
		    const char **why);

#endif

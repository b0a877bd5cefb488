"""
json_bodies.py: malformed and hostile JSON bodies for POST /sql.

Each entry is the exact body and README's answer: 400 "invalid json" for
anything that is not one JSON object in UTF-8 (truncated, trailing data,
invalid UTF-8, lone surrogate escapes, nesting past BOUNDS_JSON_DEPTH,
a key given twice), 400 "sql contains NUL byte" for a \\u0000 escape in
the SQL, 400 "missing sql" for a wrong type, 400 "invalid args: ..." for
args walkind cannot bind exactly, or 200 where the body is legal (a
leading byte order mark, which RFC 8259 lets a parser ignore). The daemon takes
1 MiB bodies here so that nesting and size are limited by the parser, not
by the body cap. Half the entries run on create, half with a session.
"""

from harness import check, eq, expect_error, expect_ok
from hostile import HGroup, body_entry

g = HGroup("json", ["--max-body-bytes", "1M"])

IJ = (400, "invalid json")
MS = (400, "missing sql")
NUL = (400, "sql contains NUL byte")
OK = (200, None)

FULL = (b'{"sql":"SELECT 1 AS one WHERE ? OR ? OR ? OR ? IS NULL OR ? OR ?",'
	b'"args":[1,2.5,"x",null,true,{"type":"blob","base64":"AA=="}]}')

BODIES = [
	# truncated
	("truncated after {", b"{", *IJ),
	("truncated in a key", b'{"sq', *IJ),
	("truncated after the key", b'{"sql"', *IJ),
	("truncated after the colon", b'{"sql":', *IJ),
	("truncated in the string", b'{"sql":"SELECT 1', *IJ),
	("truncated in an escape", b'{"sql":"SELECT 1\\u00', *IJ),
	("truncated before }", b'{"sql":"SELECT 1"', *IJ),
	("truncated after a comma", b'{"sql":"SELECT 1",', *IJ),
	("truncated in args", b'{"sql":"SELECT 1","args":[1,', *IJ),
	("whitespace only", b" \r\n\t ", *IJ),
	# not one JSON object
	("trailing garbage", b'{"sql":"SELECT 1"} xyz', *IJ),
	("two objects", b'{"sql":"SELECT 1"}{"sql":"SELECT 2"}', *IJ),
	("trailing comma", b'{"sql":"SELECT 1",}', *IJ),
	("trailing whitespace is fine", b'{"sql":"SELECT 1 AS one"} \r\n\t', *OK),
	("comments", b'{/* c */"sql":"SELECT 1"}', *IJ),
	("single quotes", b"{'sql':'SELECT 1'}", *IJ),
	("unquoted key", b'{sql:"SELECT 1"}', *IJ),
	("array of one object", b'[{"sql":"SELECT 1"}]', *IJ),
	("number", b"42", *IJ),
	("true", b"true", *IJ),
	("object of the SQL under another key", b'{"query":"SELECT 1"}', *MS),
	# nesting (cJSON stops at 1000 levels)
	# jparse allows BOUNDS_JSON_DEPTH (16) levels: the body, args, a value
	("args nested 999 deep", b'{"sql":"SELECT 1 AS one","args":' + b"[" * 998 + b"]" * 998 + b"}",
	 *IJ),
	("args nested 3 deep is an args error", b'{"sql":"SELECT ?","args":[[[1]]]}',
	 400, "invalid args: args[0]: an array is not a value"),
	("args nested 1001 deep", b'{"sql":"SELECT 1","args":' + b"[" * 1001 + b"]" * 1001 + b"}", *IJ),
	("args nested 400000 deep", b'{"sql":"SELECT 1","args":' + b"[" * 400000 + b"]" * 400000 +
	 b"}", *IJ),
	("objects nested 2000 deep", b'{"sql":"SELECT 1","a":' + b'{"a":' * 2000 + b"1" +
	 b"}" * 2000 + b"}", *IJ),
	("unclosed nesting 500000 deep", b'{"sql":"SELECT 1","args":' + b"[" * 500000, *IJ),
	("sql nested in arrays", b'{"sql":' + b"[" * 50 + b'"SELECT 1"' + b"]" * 50 + b"}", *IJ),
	("sql nested in a few arrays", b'{"sql":' + b"[" * 5 + b'"SELECT 1"' + b"]" * 5 + b"}", *MS),
	# numbers
	("huge exponent in args", b'{"sql":"SELECT ? AS one","args":[1e999999]}', 400,
	 "invalid args: args[0]: float out of range"),
	("5000-digit number in args", b'{"sql":"SELECT ? AS one","args":[1' + b"0" * 5000 + b"]}",
	 400, "invalid args: args[0]: integer out of range"),
	("negative huge in args", b'{"sql":"SELECT ?, ? AS one","args":[-1e999999,-0]}', 400,
	 "invalid args: args[0]: float out of range"),
	("sql as a huge number", b'{"sql":1e999}', *MS),
	("sql as -0", b'{"sql":-0}', *MS),
	("NaN", b'{"sql":"SELECT 1","args":[NaN]}', *IJ),
	("Infinity", b'{"sql":"SELECT 1","args":[Infinity]}', *IJ),
	("hex number", b'{"sql":"SELECT 1","args":[0x10]}', *IJ),
	# duplicate keys: which one would run is parser folklore, so neither does
	("sql twice, different", b'{"sql":"SELECT 1","sql":"SELECT 2"}', *IJ),
	("sql twice, same", b'{"sql":"SELECT 1","sql":"SELECT 1"}', *IJ),
	("sql twice, second hides ATTACH", b'{"sql":"SELECT 1","sql":"ATTACH \':memory:\' AS m"}',
	 *IJ),
	("sql twice, second spelled with an escape", b'{"sql":"SELECT 1","s\\u0071l":"SELECT 2"}',
	 *IJ),
	("sql and SQL are different keys", b'{"sql":"SELECT 1 AS one","SQL":"SELECT 2"}', *OK),
	("args twice", b'{"sql":"SELECT ? AS one","args":[1],"args":[2]}', *IJ),
	# invalid UTF-8 (RFC 8259: JSON text is UTF-8)
	("lone continuation byte in sql", b'{"sql":"SELECT \'\x80\'"}', *IJ),
	("0xff in sql", b'{"sql":"SELECT \'\xff\'"}', *IJ),
	("overlong slash", b'{"sql":"SELECT \'\xc0\xaf\'"}', *IJ),
	("surrogate encoded in UTF-8", b'{"sql":"SELECT \'\xed\xa0\x80\'"}', *IJ),
	("above U+10FFFF", b'{"sql":"SELECT \'\xf4\x90\x80\x80\'"}', *IJ),
	("truncated sequence at the end", b'{"sql":"SELECT 1"}\xe2\x82', *IJ),
	("invalid UTF-8 in a key", b'{"sql":"SELECT 1","\xff":1}', *IJ),
	("invalid UTF-8 in args", b'{"sql":"SELECT 1","args":["\xc3"]}', *IJ),
	("Latin-1 text", b'{"sql":"SELECT \'caf\xe9\'"}', *IJ),
	("UTF-16LE with its BOM", '\ufeff{"sql":"SELECT 1"}'.encode("utf-16-le"), *IJ),
	# escapes
	("lone high surrogate escape", b'{"sql":"SELECT \'\\ud800\'"}', *IJ),
	("lone low surrogate escape", b'{"sql":"SELECT \'\\udc00\'"}', *IJ),
	("high surrogate then a letter", b'{"sql":"SELECT \'\\ud83d\\u0041\'"}', *IJ),
	("bad escape letter", b'{"sql":"SELECT \'\\x41\'"}', *IJ),
	("short unicode escape", b'{"sql":"SELECT \'\\u41\'"}', *IJ),
	# NUL
	# a text argument may hold NUL (bound with its length); sql may not
	("\\u0000 in args", b'{"sql":"SELECT length(CAST(? AS BLOB)) - 1 AS one","args":["a\\u0000"]}',
	 200, None),
	("\\u0000 in a key", b'{"sql":"SELECT 1","a\\u0000b":1}', *IJ),
	("\\u0000 deep in args", b'{"sql":"SELECT ?","args":[[[{"x":"\\u0000"}]]]}', 400,
	 "invalid args: args[0]: an array is not a value"),
	("\\u0000 hiding ATTACH", b'{"sql":"SELECT 1;\\u0000ATTACH \'/etc/passwd\' AS p"}', *NUL),
	("escaped backslash then u0000 is text",
	 b'{"sql":"SELECT 1 AS one WHERE \'\\\\u0000\' = \'\\\\\' || \'u0000\'"}', *OK),
	("raw NUL inside sql", b'{"sql":"SELECT 1;\x00ATTACH \':memory:\' AS m"}', *IJ),
	("raw NUL after the object", b'{"sql":"SELECT 1"}\x00', *IJ),
	# types
	("sql true", b'{"sql":true}', *MS),
	("sql false", b'{"sql":false}', *MS),
	("sql an object with sql", b'{"sql":{"sql":"SELECT 1"}}', *MS),
	("Sql capitalised", b'{"Sql":"SELECT 1"}', *MS),
	("args an object", b'{"sql":"SELECT 1 AS one WHERE :a","args":{"a":1}}', *OK),
	("args a string", b'{"sql":"SELECT 1 AS one","args":"x"}', 400,
	 "invalid args: must be an array or an object"),
	("2000 extra keys", b'{"sql":"SELECT 1 AS one",' +
	 b",".join(b'"k%d":%d' % (i, i) for i in range(2000)) + b"}", *OK),
	# byte order mark
	("leading UTF-8 BOM", b'\xef\xbb\xbf{"sql":"SELECT 1 AS one"}', *OK),
	("two BOMs", b'\xef\xbb\xbf\xef\xbb\xbf{"sql":"SELECT 1"}', *IJ),
	("BOM after whitespace", b' \xef\xbb\xbf{"sql":"SELECT 1"}', *IJ),
	("BOM at the end", b'{"sql":"SELECT 1"}\xef\xbb\xbf', *IJ),
]

for _i, (_n, _b, _s, _e) in enumerate(BODIES):
	g.add(f"body {_n}", body_entry(_b, _s, _e, rows=[[1]] if _s == 200 else None,
				       token_key="json" if _i % 2 else None))


@g.case
def every_prefix_of_a_body(d):
	"""Each proper prefix of a valid body is 400 "invalid json"."""
	bad = []
	for n in range(len(FULL)):
		r = d.sql(None, body=FULL[:n], what=f"prefix {n}")
		try:
			expect_error(r, 400, "invalid json")
		except AssertionError as e:
			bad.append(str(e))
	check(not bad, "; ".join(bad[:5]))
	eq(expect_ok(d.sql(None, body=FULL))["rows"], [[1]], "the whole body")


@g.case
def valid_utf8_round_trip(d):
	"""The strict UTF-8 check keeps every well-formed character."""
	s = "h\u00e9 \u4e16\u754c \U0001F600 \u2028 \ufeff"
	body = ('{"sql":"SELECT \'' + s + '\' AS v"}').encode("utf-8")
	eq(expect_ok(d.sql(None, body=body))["rows"], [[s]], "rows")

#!/usr/bin/env python3
"""Write tests/fuzz/corpus/jwt/ (run from the repository root: python3
tests/fuzz/gen-seeds-jwt.py): real tokens under fuzz_jwt.c's fixed test
keys (HS256 secret bytes 0..47, Ed25519 seed 0x40..0x5f), made with
tests/blackbox/jwtmint.py, as "verify" seeds (first byte even) and as
payloads for the harness to sign (first byte odd)."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "blackbox"))
import jwtmint  # noqa: E402

CORPUS = os.path.join(HERE, "corpus", "jwt")
NOW = 1795461721
SECRET = bytes(range(48))
SEED = bytes(range(0x40, 0x60))
ISS, AUD = "https://issuer.test", "walkind-test"


def claims(**kw):
    c = {"sub": "alice", "iss": ISS, "aud": AUD, "exp": NOW + 600}
    c.update(kw)
    return c


PAYLOADS = {
    "plain": claims(),
    "walkind": claims(walkind={"ttl": 3600, "max_db_bytes": 1048576,
                               "rate_requests": 5, "rate_creates": 2,
                               "datasets": {"shop": ["orders", "products"],
                                            "geo": "*"}}),
    "no-datasets": claims(walkind={"datasets": {}}),
    "aud-list": claims(aud=["x", AUD], nbf=NOW - 5, iat=NOW - 5),
    "expired": claims(exp=NOW - 100),
    "over-max": claims(walkind={"ttl": 86401}),
    "unknown-key": claims(walkind={"tll": 1}),
}


def put(name, data):
    os.makedirs(CORPUS, exist_ok=True)
    with open(os.path.join(CORPUS, name), "wb") as f:
        f.write(data)


def main():
    for name, c in PAYLOADS.items():
        text = json.dumps(c, separators=(",", ":")).encode()
        put("verify-hs256-" + name, b"\x00" + jwtmint.hs256(SECRET, c).encode())
        put("verify-eddsa-" + name, b"\x00" + jwtmint.eddsa(SEED, c).encode())
        put("sign-hs256-" + name, b"\x01\x00" + text)
        put("sign-eddsa-" + name, b"\x01\x01" + text)
    put("verify-alg-none", b"\x00" + (jwtmint.b64u('{"alg":"none"}') + "." +
                                      jwtmint.b64u(json.dumps(claims())) + ".").encode())
    put("verify-confusion", b"\x00" + jwtmint.hs256(
        jwtmint.ed25519_public(SEED), claims()).encode())
    put("sign-duplicate-key", b"\x01\x00" + b'{"sub":"a","sub":"b","exp":9999999999}')


if __name__ == "__main__":
    main()

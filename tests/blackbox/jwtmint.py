"""
jwtmint.py: JWTs for the tests, made without any package beyond Python's
own: HS256 with hmac, EdDSA with the reference Ed25519 of RFC 8032
section 6 (slow, about 10 ms a signature, and for tests only: it is not
constant time), and the PEM public key `openssl pkey -pubout` writes.
"""

import base64
import hashlib
import hmac
import json

_P = 2 ** 255 - 19
_Q = 2 ** 252 + 27742317777372353535851937790883648493


def _inv(x):
	return pow(x, _P - 2, _P)


_D = -121665 * _inv(121666) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _add(a, b):
	x = (a[1] - a[0]) * (b[1] - b[0]) % _P
	y = (a[1] + a[0]) * (b[1] + b[0]) % _P
	c = 2 * a[3] * b[3] * _D % _P
	d = 2 * a[2] * b[2] % _P
	e, f, g, h = y - x, d - c, d + c, y + x
	return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _mul(s, pt):
	q = (0, 1, 1, 0)
	while s > 0:
		if s & 1:
			q = _add(q, pt)
		pt = _add(pt, pt)
		s >>= 1
	return q


def _recover_x(y, sign):
	x2 = (y * y - 1) * _inv(_D * y * y + 1)
	x = pow(x2, (_P + 3) // 8, _P)
	if (x * x - x2) % _P != 0:
		x = x * _SQRT_M1 % _P
	if (x & 1) != sign:
		x = _P - x
	return x


_GY = 4 * _inv(5) % _P
_GX = _recover_x(_GY, 0)
_G = (_GX, _GY, 1, _GX * _GY % _P)


def _compress(pt):
	zi = _inv(pt[2])
	x, y = pt[0] * zi % _P, pt[1] * zi % _P
	return int.to_bytes(y | ((x & 1) << 255), 32, "little")


def _expand(seed):
	h = hashlib.sha512(seed).digest()
	a = int.from_bytes(h[:32], "little")
	a &= (1 << 254) - 8
	a |= 1 << 254
	return a, h[32:]


def _hq(b):
	return int.from_bytes(hashlib.sha512(b).digest(), "little") % _Q


def ed25519_public(seed):
	return _compress(_mul(_expand(seed)[0], _G))


def ed25519_sign(seed, msg):
	a, prefix = _expand(seed)
	pub = _compress(_mul(a, _G))
	r = _hq(prefix + msg)
	rs = _compress(_mul(r, _G))
	s = (r + _hq(rs + pub + msg) * a) % _Q
	return rs + int.to_bytes(s, 32, "little")


def pem_public(seed):
	der = bytes.fromhex("302a300506032b6570032100") + ed25519_public(seed)
	return ("-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(der).decode() +
		"\n-----END PUBLIC KEY-----\n")


def b64u(b):
	if isinstance(b, str):
		b = b.encode()
	return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def _part(x):
	return b64u(x if isinstance(x, (bytes, str)) else json.dumps(x))


def hs256(secret, claims, header=None):
	"""An HS256 token; header and claims are dicts or raw JSON text."""
	si = _part(header or {"alg": "HS256", "typ": "JWT"}) + "." + _part(claims)
	return si + "." + b64u(hmac.new(secret, si.encode(), hashlib.sha256).digest())


def eddsa(seed, claims, header=None):
	si = _part(header or {"alg": "EdDSA", "typ": "JWT"}) + "." + _part(claims)
	return si + "." + b64u(ed25519_sign(seed, si.encode()))

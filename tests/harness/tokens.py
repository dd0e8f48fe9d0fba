"""Mints JWTs for the gateway's tests: HMAC tokens, RSA/EC/Ed25519 key pairs with their JWKS, and the
forged kinds the gateway must refuse (alg none, HS256 keyed with a public key's PEM).

    from harness import tokens
    secret_token = tokens.hs256("secret", tokens.claims(role="authenticated", exp_in=60))
    key = tokens.rsa_key("rsa-1")
    env = {"JWT_JWKS": json.dumps(tokens.make_jwks(key))}
    rsa_token = tokens.sign(key, tokens.claims())

Signing with keys uses PyJWT (Debian's python3-jwt 2.6) and python3-cryptography; HMAC tokens are built by
hand so that any secret may be used, including a PEM public key, which PyJWT refuses as an HMAC secret.
"""
import base64
import hashlib
import hmac
import json
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm

_HMAC_DIGESTS = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
_CURVES = {"P-256": (ec.SECP256R1, "ES256"), "P-384": (ec.SECP384R1, "ES384"), "P-521": (ec.SECP521R1, "ES512")}
_KID_DEFAULT = object()


def b64url(data):
    """base64url without padding, of bytes or of a str (UTF-8)."""
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _json(obj):
    return json.dumps(obj, separators=(",", ":"))


def claims(role="authenticated", sub=None, exp_in=3600, **extra):
    """A payload: role (None leaves it out), sub, exp `exp_in` seconds from now (None leaves it out), iat now,
    and any further claims given as keywords."""
    now = int(time.time())
    payload = {"iat": now}
    if role is not None:
        payload["role"] = role
    if sub is not None:
        payload["sub"] = sub
    if exp_in is not None:
        payload["exp"] = now + exp_in
    payload.update(extra)
    return payload


def hs256(secret, claims, alg="HS256", headers=None):
    """An HMAC token (HS256, HS384 or HS512) keyed with `secret` (str or bytes, used as given)."""
    if isinstance(secret, str):
        secret = secret.encode()
    header = {"alg": alg, "typ": "JWT", **(headers or {})}
    signing_input = b64url(_json(header)) + "." + b64url(_json(claims))
    mac = hmac.new(secret, signing_input.encode(), _HMAC_DIGESTS[alg]).digest()
    return signing_input + "." + b64url(mac)


def alg_none(claims, signature_part=True, alg="none"):
    """An unsigned token: header.payload. (or header.payload without the last dot)."""
    token = b64url(_json({"alg": alg, "typ": "JWT"})) + "." + b64url(_json(claims))
    return token + "." if signature_part else token


class KeyPair:
    """A private key, the JWS algorithm it signs with and its kid."""

    def __init__(self, private_key, alg, kid):
        self.private_key = private_key
        self.alg = alg
        self.kid = kid

    def public_jwk(self, with_alg=False):
        """The public key as a JWK dict, with kid (when set), use "sig" and, if asked, alg."""
        public = self.private_key.public_key()
        if self.alg.startswith("RS"):
            jwk = json.loads(RSAAlgorithm.to_jwk(public))
        elif self.alg.startswith("ES"):
            # Built here: PyJWT 2.6's to_jwk drops leading zero bytes of x and y, which RFC 7518 keeps.
            numbers = public.public_numbers()
            crv = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}[self.alg]
            size = (public.curve.key_size + 7) // 8
            jwk = {"kty": "EC", "crv": crv, "x": b64url(numbers.x.to_bytes(size, "big")),
                   "y": b64url(numbers.y.to_bytes(size, "big"))}
        else:
            jwk = json.loads(OKPAlgorithm.to_jwk(public))
        jwk["use"] = "sig"
        if self.kid is not None:
            jwk["kid"] = self.kid
        if with_alg:
            jwk["alg"] = self.alg
        return jwk

    def public_pem(self):
        """The public key as PEM bytes (SubjectPublicKeyInfo): what an alg-confusion forger would HMAC with."""
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def rsa_key(kid="rsa-1", bits=2048, alg="RS256"):
    return KeyPair(rsa.generate_private_key(public_exponent=65537, key_size=bits), alg, kid)


def ec_key(kid="ec-1", curve="P-256"):
    curve_class, alg = _CURVES[curve]
    return KeyPair(ec.generate_private_key(curve_class()), alg, kid)


def ed25519_key(kid="ed-1"):
    return KeyPair(ed25519.Ed25519PrivateKey.generate(), "EdDSA", kid)


def make_jwks(*keys, with_alg=False, extra=()):
    """A JWKS dict of the keys' public halves; `extra` appends raw JWK dicts (e.g. {"kty": "oct", ...})."""
    return {"keys": [key.public_jwk(with_alg) for key in keys] + list(extra)}


def oct_jwk(secret, kid, alg=None):
    """An HMAC key as a JWK dict (kty oct)."""
    if isinstance(secret, str):
        secret = secret.encode()
    jwk = {"kty": "oct", "k": b64url(secret), "kid": kid}
    if alg:
        jwk["alg"] = alg
    return jwk


def sign(key, claims, kid=_KID_DEFAULT, alg=None, headers=None):
    """A token signed with `key` (a KeyPair). kid defaults to the key's; kid=None leaves it out. alg defaults
    to the key's (RS256 keys may also sign RS384/RS512)."""
    header = dict(headers or {})
    kid = key.kid if kid is _KID_DEFAULT else kid
    if kid is not None:
        header["kid"] = kid
    return jwt.encode(claims, key.private_key, algorithm=alg or key.alg, headers=header)

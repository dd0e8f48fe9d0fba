"""The token harness makes what it says: each token verifies with PyJWT against the key it was made for,
and the forged ones are what the gateway tests expect them to be."""
import hashlib
import hmac

import jwt
import pytest

from harness import tokens


@pytest.mark.parametrize("make", [tokens.rsa_key, tokens.ec_key, lambda: tokens.ec_key("e3", "P-384"),
                                  tokens.ed25519_key])
def test_signed_tokens_verify_against_their_jwk(make):
    key = make()
    token = tokens.sign(key, tokens.claims(role="anon", sub="u1"))
    jwks = tokens.make_jwks(key, with_alg=True)
    jwk = jwks["keys"][0]
    assert jwk["kid"] == key.kid and jwk["alg"] == key.alg
    public = jwt.PyJWK(jwk).key
    decoded = jwt.decode(token, public, algorithms=[key.alg])
    assert decoded["role"] == "anon" and decoded["sub"] == "u1"
    assert jwt.get_unverified_header(token)["kid"] == key.kid
    assert "kid" not in jwt.get_unverified_header(tokens.sign(key, tokens.claims(), kid=None))


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_hmac_tokens_verify_with_pyjwt(alg):
    token = tokens.hs256("s3cret", tokens.claims(exp_in=60, aud="authenticated"), alg=alg, headers={"kid": "k"})
    decoded = jwt.decode(token, "s3cret", algorithms=[alg], audience="authenticated")
    assert decoded["role"] == "authenticated"
    assert jwt.get_unverified_header(token) == {"alg": alg, "typ": "JWT", "kid": "k"}


def test_claims_helper():
    c = tokens.claims(role=None, exp_in=None, iss="x")
    assert "role" not in c and "exp" not in c and c["iss"] == "x"
    assert tokens.claims(exp_in=-10)["exp"] < tokens.claims()["iat"]


def test_alg_none_and_alg_confusion_tokens():
    payload = tokens.claims()
    with_dot = tokens.alg_none(payload)
    assert with_dot.count(".") == 2 and with_dot.endswith(".")
    assert tokens.alg_none(payload, signature_part=False).count(".") == 1
    assert jwt.get_unverified_header(with_dot)["alg"] == "none"
    # An HS256 token keyed with an RSA key's public PEM: verifies as HMAC with those bytes.
    key = tokens.rsa_key()
    forged = tokens.hs256(key.public_pem(), payload, headers={"kid": key.kid})
    assert jwt.get_unverified_header(forged) == {"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}
    signing_input, signature = forged.rsplit(".", 1)
    expected = hmac.new(key.public_pem(), signing_input.encode(), hashlib.sha256).digest()
    assert jwt.utils.base64url_decode(signature) == expected
    assert tokens.oct_jwk("k", "o1", "HS256") == {"kty": "oct", "k": "aw", "kid": "o1", "alg": "HS256"}

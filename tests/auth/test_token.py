"""POST /api/v1/auth/token, and how every other call checks the token it is given."""

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwt

from tests.conftest import TEST_SECRET_KEY
from tests.factories import PASSWORD, World
from tests.helpers import assert_problem

TOKEN_URL = "/api/v1/auth/token"
ME_URL = "/api/v1/accounts/me"


async def _login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post(
        TOKEN_URL, data={"grant_type": "password", "username": username, "password": password}
    )


async def test_login_end_to_end(client: httpx.AsyncClient, world: World) -> None:
    response = await _login(client, "Delegate@Example.org", PASSWORD)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == world.settings.access_token_ttl_seconds
    assert response.headers["Cache-Control"] == "no-store"
    me = await client.get(ME_URL, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "delegate@example.org"
    assert me.json()["role"] == "delegate"


async def test_wrong_password_and_unknown_user_look_alike(
    client: httpx.AsyncClient, world: World
) -> None:
    wrong = await _login(client, world.delegate.username, "not the password")
    unknown = await _login(client, "nobody@example.org", "not the password")
    assert_problem(wrong, 400, slug="invalid-grant")
    strip = ("request_id",)
    assert {k: v for k, v in wrong.json().items() if k not in strip} == {
        k: v for k, v in unknown.json().items() if k not in strip
    }
    assert wrong.json()["error"] == "invalid_grant"


async def test_client_credentials(client: httpx.AsyncClient, world: World) -> None:
    form = await client.post(
        TOKEN_URL,
        data={
            "grant_type": "client_credentials",
            "client_id": world.reporter.username,
            "client_secret": PASSWORD,
        },
    )
    assert form.status_code == 200, form.text
    basic = await client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials"},
        auth=(world.reporter.username, PASSWORD),
    )
    assert basic.status_code == 200, basic.text
    bad = await client.post(
        TOKEN_URL,
        data={
            "grant_type": "client_credentials",
            "client_id": world.reporter.username,
            "client_secret": "wrong",
        },
    )
    assert_problem(bad, 401, slug="invalid-client")


async def test_person_cannot_use_client_grant(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        TOKEN_URL,
        data={
            "grant_type": "client_credentials",
            "client_id": world.delegate.username,
            "client_secret": PASSWORD,
        },
    )
    assert_problem(response, 401)


async def test_unsupported_grant(client: httpx.AsyncClient) -> None:
    response = await client.post(TOKEN_URL, data={"grant_type": "implicit"})
    assert response.json()["error"] == "unsupported_grant_type"
    assert_problem(response, 400)


async def test_missing_grant_type(client: httpx.AsyncClient) -> None:
    response = await client.post(TOKEN_URL, data={"username": "a"})
    assert_problem(response, 422, field="grant_type")


def _claims(world: World, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": world.settings.token_issuer,
        "aud": world.settings.token_audience,
        "sub": str(world.delegate.account_id),
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "ver": 0,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(claims: dict[str, Any]) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}."


def _bad_tokens(world: World) -> dict[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public_der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    good = jwt.encode(_claims(world), TEST_SECRET_KEY, algorithm="HS256")
    head, _payload, signature = good.split(".")
    tampered_payload = _b64(json.dumps(_claims(world, sub=str(world.admin.account_id))).encode())
    now = int(time.time())
    return {
        "alg none": _unsigned(_claims(world)),
        "HS256 with public PEM": _hmac_token(_claims(world), public_pem),
        "HS256 with public DER": _hmac_token(_claims(world), public_der),
        "RS256 by another key": jwt.encode(
            _claims(world),
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode(),
            algorithm="RS256",
        ),
        "HS512 with the right key": jwt.encode(_claims(world), TEST_SECRET_KEY, algorithm="HS512"),
        "wrong key": jwt.encode(_claims(world), "another-secret-" * 4, algorithm="HS256"),
        "expired": jwt.encode(
            _claims(world, exp=now - 10, iat=now - 700, nbf=now - 700),
            TEST_SECRET_KEY,
            algorithm="HS256",
        ),
        "no exp": jwt.encode(_claims(world, exp=None), TEST_SECRET_KEY, algorithm="HS256"),
        "no aud": jwt.encode(_claims(world, aud=None), TEST_SECRET_KEY, algorithm="HS256"),
        "wrong aud": jwt.encode(
            _claims(world, aud="other-api"), TEST_SECRET_KEY, algorithm="HS256"
        ),
        "no iss": jwt.encode(_claims(world, iss=None), TEST_SECRET_KEY, algorithm="HS256"),
        "wrong iss": jwt.encode(_claims(world, iss="someone"), TEST_SECRET_KEY, algorithm="HS256"),
        "no sub": jwt.encode(_claims(world, sub=None), TEST_SECRET_KEY, algorithm="HS256"),
        "unknown sub": jwt.encode(_claims(world, sub="999999"), TEST_SECRET_KEY, algorithm="HS256"),
        "future nbf": jwt.encode(
            _claims(world, nbf=now + 3600), TEST_SECRET_KEY, algorithm="HS256"
        ),
        "old version": jwt.encode(_claims(world, ver=-1), TEST_SECRET_KEY, algorithm="HS256"),
        "tampered payload": f"{head}.{tampered_payload}.{signature}",
        "alg None": _with_header({"alg": "None", "typ": "JWT"}, _claims(world), b""),
        "alg NONE": _with_header({"alg": "NONE", "typ": "JWT"}, _claims(world), b""),
        "signature stripped": f"{head}.{_payload}.",
        "HS256 with an empty key": _hmac_token(_claims(world), b""),
        "kid pointing elsewhere": _with_header(
            {"alg": "HS256", "typ": "JWT", "kid": "../../../dev/null"}, _claims(world), b""
        ),
        "jku to a foreign key set": _with_header(
            {"alg": "HS256", "jku": "https://attacker.example/jwks.json"},
            _claims(world),
            b"attacker-key",
        ),
        "duplicate alg in header": ".".join(
            [
                _b64(b'{"alg":"HS256","alg":"none","typ":"JWT"}'),
                _b64(json.dumps(_claims(world)).encode()),
                "",
            ]
        ),
        "sub with a space": jwt.encode(
            _claims(world, sub=f" {world.delegate.account_id}"), TEST_SECRET_KEY, algorithm="HS256"
        ),
        "sub with a leading zero": jwt.encode(
            _claims(world, sub=f"0{world.delegate.account_id}"), TEST_SECRET_KEY, algorithm="HS256"
        ),
        "sub with an underscore": jwt.encode(
            _claims(world, sub=f"{world.delegate.account_id}_0"), TEST_SECRET_KEY, algorithm="HS256"
        ),
        "sub with a newline": jwt.encode(
            _claims(world, sub=f"{world.delegate.account_id}\n"), TEST_SECRET_KEY, algorithm="HS256"
        ),
        "sub of forty digits": jwt.encode(
            _claims(world, sub="1" * 40), TEST_SECRET_KEY, algorithm="HS256"
        ),
        "sub beyond an id": jwt.encode(
            _claims(world, sub=str(2**31)), TEST_SECRET_KEY, algorithm="HS256"
        ),
        "sub not a number": jwt.encode(
            _claims(world, sub="admin"), TEST_SECRET_KEY, algorithm="HS256"
        ),
        "no version": jwt.encode(_claims(world, ver=None), TEST_SECRET_KEY, algorithm="HS256"),
        "version as text": jwt.encode(_claims(world, ver="0"), TEST_SECRET_KEY, algorithm="HS256"),
        "exp as text": jwt.encode(
            _claims(world, exp="9999999999"), TEST_SECRET_KEY, algorithm="HS256"
        ),
        "five parts (JWE shape)": f"{good}.{signature}.{signature}",
        "empty": "",
        "oversized": good + "A" * 5000,
        "garbage": "not-a-token",
    }


def _with_header(header: dict[str, Any], claims: dict[str, Any], key: bytes) -> str:
    """Any header, HMAC-SHA256 signed with `key` (an attacker's guess)."""
    encoded = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(key, encoded.encode(), hashlib.sha256).digest()
    return f"{encoded}.{_b64(signature)}"


def _hmac_token(claims: dict[str, Any], key: bytes) -> str:
    """Signs by hand: python-jose itself refuses to use a public key as an HMAC secret."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps(claims).encode())
    signature = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


async def test_bad_tokens_are_refused(client: httpx.AsyncClient, world: World) -> None:
    good = jwt.encode(_claims(world), TEST_SECRET_KEY, algorithm="HS256")
    assert (
        await client.get(ME_URL, headers={"Authorization": f"Bearer {good}"})
    ).status_code == 200
    for name, token in _bad_tokens(world).items():
        response = await client.get(ME_URL, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, name
        assert_problem(response, 401)


async def test_other_scheme(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(ME_URL, headers={"Authorization": f"Basic {world.delegate.token}"})
    assert_problem(response, 401)


async def test_a_token_used_before_still_expires(client: httpx.AsyncClient, world: World) -> None:
    """A token's verified claims are kept between requests; its expiry is still checked."""
    token = jwt.encode(_claims(world, exp=int(time.time()) + 2), TEST_SECRET_KEY, algorithm="HS256")
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get(ME_URL, headers=headers)).status_code == 200
    assert (await client.get(ME_URL, headers=headers)).status_code == 200
    time.sleep(2.1)
    assert_problem(await client.get(ME_URL, headers=headers), 401)

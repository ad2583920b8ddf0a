"""Passwords, client secrets and access tokens: the one module that hashes secrets and JWTs."""

import functools
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from jose import JWTError, jwt

from app.core.config import Settings
from app.core.db import utcnow
from app.core.http import MAX_ROW_ID

# HS256 only: the service both issues and checks its tokens. Pinning the list is what stops
# a token signed with another algorithm (or none) from being accepted.
TOKEN_ALGORITHM = "HS256"  # noqa: S105
ALLOWED_ALGORITHMS = [TOKEN_ALGORITHM]
MAX_TOKEN_LENGTH = 4096

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the account does not exist, so that both cases cost the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(secret_hash: str | None, secret: str) -> bool:
    try:
        return _hasher.verify(secret_hash or _DUMMY_HASH, secret) and secret_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_client_id() -> str:
    return f"cli_{secrets.token_hex(8)}"


def new_client_secret() -> str:
    """Never starting with '-', which command lines would take for an option."""
    while (secret := secrets.token_urlsafe(32)).startswith("-"):
        pass
    return secret


@dataclass(frozen=True)
class TokenClaims:
    account_id: int
    token_version: int
    expires_at: datetime


class InvalidToken(Exception):
    pass


def create_access_token(
    *, settings: Settings, account_id: int, token_version: int, role: str
) -> tuple[str, int]:
    now = utcnow()
    ttl = settings.access_token_ttl_seconds
    claims = {
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "sub": str(account_id),
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl)).timestamp()),
        "jti": uuid.uuid4().hex,
        "role": role,
        "ver": token_version,
    }
    token = jwt.encode(claims, settings.signing_key, algorithm=TOKEN_ALGORITHM)
    return token, ttl


def decode_access_token(*, settings: Settings, token: str) -> TokenClaims:
    """The claims of a valid token. A token met before is not verified again (every request
    would pay for the signature and two JSON parses): its claims are kept, and only its expiry
    is checked again. A refused token is not kept."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken("token too long")
    claims = _verified(
        token,
        settings.signing_key,
        settings.token_audience,
        settings.token_issuer,
    )
    if claims.expires_at <= utcnow():
        raise InvalidToken("expired")
    return claims


def _account_id(subject: object) -> int:
    """The account a token names, written exactly as the service writes it: `" 2"`, `"02"`,
    `"2_0"` or forty digits name no account."""
    if not isinstance(subject, str) or not _SUBJECT.fullmatch(subject):
        raise InvalidToken("bad sub claim")
    account_id = int(subject)
    if account_id > MAX_ROW_ID:
        raise InvalidToken("bad sub claim")
    return account_id


_SUBJECT = re.compile(r"[1-9][0-9]{0,9}")


@functools.lru_cache(maxsize=4096)
def _verified(token: str, secret: str, audience: str, issuer: str) -> TokenClaims:
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != TOKEN_ALGORITHM:
            raise InvalidToken("unexpected algorithm")
        claims = jwt.decode(
            token,
            secret,
            algorithms=ALLOWED_ALGORITHMS,
            audience=audience,
            issuer=issuer,
            options={
                "require_exp": True,
                "require_iat": True,
                "require_iss": True,
                "require_aud": True,
                "require_sub": True,
                "verify_exp": True,
                "verify_nbf": True,
                "verify_iat": True,
                "verify_iss": True,
                "verify_aud": True,
                "verify_sub": True,
                "verify_signature": True,
            },
        )
        account_id = _account_id(claims["sub"])
        version = claims["ver"]
        # Numbers as numbers (RFC 7519 NumericDate); python-jose would take "123" too.
        for name in ("exp", "iat", "nbf", "ver"):
            value = claims.get(name, 0)
            if not isinstance(value, int) or isinstance(value, bool):
                raise InvalidToken(f"bad {name} claim")
        expires_at = datetime.fromtimestamp(int(claims["exp"]), tz=utcnow().tzinfo)
    except (JWTError, KeyError, TypeError, ValueError) as exc:
        raise InvalidToken(str(exc)) from exc
    return TokenClaims(account_id=account_id, token_version=version, expires_at=expires_at)

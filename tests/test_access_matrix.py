"""Who may call what, on whose data: every operation of the OpenAPI document, for every role,
on an object of the caller's own organisation and on one of another organisation.

- Function level: each operation declares the roles that may call it; every other role gets
  403 (401 without a token), and the refused request leaves the database exactly as it was.
- Object level: a coordinator or intranet client reaching for another organisation's object
  gets a 404 identical to the one for an id that does not exist, and nothing changes.
- An operation of the OpenAPI document that is not declared here fails the test.
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, inspect, text

from app.models import Base
from tests.factories import PASSWORD, Caller, World, situation_body

ANONYMOUS = "anonymous"
ROLES = (ANONYMOUS, "admin", "delegate", "coordinator", "intranet", "reporter")
ALL = frozenset(ROLES) - {ANONYMOUS}
CASE_WORKERS = frozenset({"delegate", "coordinator", "intranet"})
ORGANISATION_BOUND = frozenset({"coordinator", "intranet"})
MISSING = "missing"  # a target that does not exist, for the identical-404 comparison


@dataclass
class Ctx:
    client: httpx.AsyncClient
    world: World
    situations: dict[str, str] = field(default_factory=dict)  # own / other -> id
    organisations: dict[str, str] = field(default_factory=dict)  # own / other -> code
    client_account: int = 0  # a machine client of its own, whose secret may be rotated

    def caller(self, role: str) -> Caller | None:
        return {
            ANONYMOUS: None,
            "admin": self.world.admin,
            "delegate": self.world.delegate,
            "coordinator": self.world.coordinator_a,
            "intranet": self.world.intranet_a,
            "reporter": self.world.reporter,
        }[role]

    def situation(self, target: str) -> str:
        return self.situations.get(target, str(uuid.UUID(int=uuid.uuid4().int)))

    def organisation(self, target: str) -> str:
        return self.organisations.get(target, "NOPE")

    async def etag(self, url: str) -> str:
        response = await self.client.get(url, headers=self.world.delegate.headers)
        return str(response.headers.get("ETag", '"1"'))


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    json: Any = None
    params: dict[str, Any] | None = None
    data: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)


Builder = Callable[[Ctx, str], Awaitable[Call]]


@dataclass(frozen=True)
class Operation:
    allowed: frozenset[str]
    build: Builder
    success: int = 200
    # Scoped: the call names an object that belongs to an organisation.
    scoped: bool = False
    # A list whose items belong to organisations: another organisation's must not show.
    listing: bool = False


def _call(method: str, url: str, params: dict[str, str] | None = None, **kwargs: Any) -> Builder:
    """A call whose `{sid}` and `{org}` (in the path or the query) name the target's objects."""

    async def build(ctx: Ctx, target: str) -> Call:
        names = {"sid": ctx.situation(target), "org": ctx.organisation(target)}
        query = {k: v.format(**names) for k, v in (params or {}).items()}
        return Call(method, url.format(**names), params=query or None, **kwargs)

    return build


def _situation_post(sub: str, body: dict[str, Any]) -> Builder:
    return _call("POST", "/api/v1/situations/{sid}/" + sub, json=body)


async def _patch_situation(ctx: Ctx, target: str) -> Call:
    url = f"/api/v1/situations/{ctx.situation(target)}"
    return Call(
        "PATCH", url, json={"age_group": "adult"}, headers={"If-Match": await ctx.etag(url)}
    )


async def _patch_organisation(ctx: Ctx, target: str) -> Call:
    url = f"/api/v1/organisations/{ctx.organisation(target)}"
    etag = (await ctx.client.get(url, headers=ctx.world.admin.headers)).headers.get("ETag", '"1"')
    return Call("PATCH", url, json={"name": "Renamed"}, headers={"If-Match": etag})


async def _account_call(ctx: Ctx, target: str, method: str) -> Call:
    url = f"/api/v1/accounts/{ctx.world.coordinator_b.account_id}"
    if method == "GET":
        return Call(method, url)
    etag = (await ctx.client.get(url, headers=ctx.world.admin.headers)).headers["ETag"]
    return Call(method, url, json={"display_name": "Renamed"}, headers={"If-Match": etag})


async def _severity_change(ctx: Ctx, target: str) -> Call:
    """Always to another colour than the current one."""
    url = f"/api/v1/situations/{ctx.situation(target)}"
    current = (await ctx.client.get(url, headers=ctx.world.delegate.headers)).json()
    colour = "green" if current.get("severity") != "green" else "orange"
    return Call("POST", f"{url}/severity-changes", json={"severity": colour, "reason": "Again."})


async def _rotate_secret(ctx: Ctx, target: str) -> Call:
    return Call("POST", f"/api/v1/accounts/{ctx.client_account}/secret")


async def _unlock(ctx: Ctx, target: str) -> Call:
    return Call("POST", f"/api/v1/accounts/{ctx.world.coordinator_b.account_id}/unlock")


async def _token(ctx: Ctx, target: str) -> Call:
    form = {"grant_type": "password", "username": ctx.world.delegate.username, "password": PASSWORD}
    return Call("POST", "/api/v1/auth/token", data=form)


async def _new_person(ctx: Ctx, target: str) -> Call:
    body = {
        "email": f"{uuid.uuid4().hex[:8]}@example.org",
        "role": "delegate",
        "password": "a long enough password",
    }
    return Call("POST", "/api/v1/accounts/people", json=body)


async def _new_organisation(ctx: Ctx, target: str) -> Call:
    return Call(
        "POST",
        "/api/v1/organisations",
        json={"code": f"N{uuid.uuid4().hex[:5].upper()}", "name": "New"},
    )


async def _new_authority(ctx: Ctx, target: str) -> Call:
    return Call(
        "POST",
        "/api/v1/reference/authorities",
        json={
            "code": f"a{uuid.uuid4().hex[:6]}",
            "label_fr": "A",
            "label_en": "A",
            "label_de": "A",
        },
    )


BASELINE = {"situations": 40, "intake": {"M1": 10}}
HOOK = {"url": "http://127.0.0.1:9/hook", "events": ["situation.created"]}
ORGANISATION_CALLERS = {"own": "coordinator_a", "other": "coordinator_b"}


async def _webhook(ctx: Ctx, target: str) -> int:
    """A new subscription of the target's organisation (a random id for a missing one)."""
    if target not in ORGANISATION_CALLERS:
        return 987654
    caller: Caller = getattr(ctx.world, ORGANISATION_CALLERS[target])
    response = await ctx.client.post("/api/v1/webhooks", json=HOOK, headers=caller.headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def _delete_webhook(ctx: Ctx, target: str) -> Call:
    return Call("DELETE", f"/api/v1/webhooks/{await _webhook(ctx, target)}")


async def _stop_webhook(ctx: Ctx, target: str) -> Call:
    return Call("PATCH", f"/api/v1/webhooks/{await _webhook(ctx, target)}", json={"active": False})


async def _webhook_deliveries(ctx: Ctx, target: str) -> Call:
    return Call("GET", f"/api/v1/webhooks/{await _webhook(ctx, target)}/deliveries")


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("POST", "/api/v1/auth/token"): Operation(frozenset(ROLES), _token),
    ("GET", "/api/v1/accounts/me"): Operation(ALL, _call("GET", "/api/v1/accounts/me")),
    ("GET", "/api/v1/accounts"): Operation(frozenset({"admin"}), _call("GET", "/api/v1/accounts")),
    ("POST", "/api/v1/accounts/people"): Operation(frozenset({"admin"}), _new_person, 201),
    ("POST", "/api/v1/accounts/clients"): Operation(
        frozenset({"admin"}),
        _call("POST", "/api/v1/accounts/clients", json={"name": "Script", "role": "reporter"}),
        201,
    ),
    ("GET", "/api/v1/accounts/{account_id}"): Operation(
        frozenset({"admin"}), lambda ctx, t: _account_call(ctx, t, "GET")
    ),
    ("PATCH", "/api/v1/accounts/{account_id}"): Operation(
        frozenset({"admin"}), lambda ctx, t: _account_call(ctx, t, "PATCH")
    ),
    ("POST", "/api/v1/accounts/{account_id}/secret"): Operation(
        frozenset({"admin"}), _rotate_secret
    ),
    ("GET", "/api/v1/organisations"): Operation(
        ALL, _call("GET", "/api/v1/organisations"), listing=True
    ),
    ("POST", "/api/v1/organisations"): Operation(frozenset({"admin"}), _new_organisation, 201),
    ("GET", "/api/v1/organisations/{code}"): Operation(
        ALL, _call("GET", "/api/v1/organisations/{org}"), scoped=True
    ),
    ("PATCH", "/api/v1/organisations/{code}"): Operation(
        frozenset({"admin"}), _patch_organisation, scoped=True
    ),
    ("GET", "/api/v1/organisations/{code}/sites"): Operation(
        ALL, _call("GET", "/api/v1/organisations/{org}/sites"), scoped=True
    ),
    ("POST", "/api/v1/organisations/{code}/sites"): Operation(
        frozenset({"admin"}),
        _call("POST", "/api/v1/organisations/{org}/sites", json={"name": "Annexe"}),
        201,
        scoped=True,
    ),
    ("GET", "/api/v1/situations/{situation_id}/accesses"): Operation(
        frozenset({"delegate"}), _call("GET", "/api/v1/situations/{sid}/accesses"), scoped=True
    ),
    ("POST", "/api/v1/situations"): Operation(
        CASE_WORKERS,
        _call("POST", "/api/v1/situations", json=situation_body()),
        201,
    ),
    ("GET", "/api/v1/situations"): Operation(
        CASE_WORKERS, _call("GET", "/api/v1/situations"), listing=True
    ),
    ("GET", "/api/v1/situations/{situation_id}"): Operation(
        CASE_WORKERS, _call("GET", "/api/v1/situations/{sid}"), scoped=True
    ),
    ("PATCH", "/api/v1/situations/{situation_id}"): Operation(
        CASE_WORKERS, _patch_situation, scoped=True
    ),
    ("GET", "/api/v1/situations/{situation_id}/history"): Operation(
        CASE_WORKERS, _call("GET", "/api/v1/situations/{sid}/history"), scoped=True
    ),
    ("POST", "/api/v1/situations/{situation_id}/severity-changes"): Operation(
        CASE_WORKERS,
        _severity_change,
        201,
        scoped=True,
    ),
    ("POST", "/api/v1/situations/{situation_id}/reports"): Operation(
        CASE_WORKERS,
        _situation_post(
            "reports",
            {"decision": "reported", "authority": "parquet", "decided_on": "2026-03-15"},
        ),
        201,
        scoped=True,
    ),
    ("POST", "/api/v1/situations/{situation_id}/reviews"): Operation(
        frozenset({"delegate"}),
        _situation_post("reviews", {"year": 2026, "typology": "M2", "reviewed_on": "2026-03-20"}),
        201,
        scoped=True,
    ),
    ("POST", "/api/v1/situations/{situation_id}/actions"): Operation(
        frozenset({"delegate"}),
        _situation_post(
            "actions", {"kind": "call", "occurred_on": "2026-03-15", "duration_minutes": 10}
        ),
        201,
        scoped=True,
    ),
    ("POST", "/api/v1/situations/{situation_id}/closure"): Operation(
        frozenset({"delegate"}),
        _situation_post(
            "closure", {"closed_on": "2026-03-30", "typology": "M1", "outcome": "Settled."}
        ),
        201,
        scoped=True,
    ),
    ("POST", "/api/v1/situations/{situation_id}/reopening"): Operation(
        frozenset({"delegate"}),
        _situation_post("reopening", {"reason": "New facts."}),
        201,
        scoped=True,
    ),
    ("GET", "/api/v1/typologies"): Operation(ALL, _call("GET", "/api/v1/typologies")),
    ("GET", "/api/v1/reference/authorities"): Operation(
        ALL, _call("GET", "/api/v1/reference/authorities")
    ),
    ("POST", "/api/v1/reference/authorities"): Operation(frozenset({"admin"}), _new_authority, 201),
    ("GET", "/api/v1/reference/requester-kinds"): Operation(
        ALL, _call("GET", "/api/v1/reference/requester-kinds")
    ),
    ("GET", "/api/v1/reference/age-groups"): Operation(
        ALL, _call("GET", "/api/v1/reference/age-groups")
    ),
    ("GET", "/api/v1/reference/action-kinds"): Operation(
        ALL, _call("GET", "/api/v1/reference/action-kinds")
    ),
    ("GET", "/api/v1/statistics/annual/{year}"): Operation(
        ALL,
        _call("GET", "/api/v1/statistics/annual/2026", params={"organisation": "{org}"}),
        scoped=True,
    ),
    ("GET", "/api/v1/statistics/baselines"): Operation(
        frozenset({"admin", "delegate", "reporter"}), _call("GET", "/api/v1/statistics/baselines")
    ),
    ("GET", "/api/v1/statistics/baselines/{year}"): Operation(
        frozenset({"admin", "delegate", "reporter"}),
        _call("GET", "/api/v1/statistics/baselines/2010"),
    ),
    ("PUT", "/api/v1/statistics/baselines/{year}"): Operation(
        frozenset({"admin"}),
        _call("PUT", "/api/v1/statistics/baselines/2011", json=BASELINE),
        201,
    ),
    ("DELETE", "/api/v1/statistics/baselines/{year}"): Operation(
        frozenset({"admin"}), _call("DELETE", "/api/v1/statistics/baselines/2010"), 204
    ),
    ("POST", "/api/v1/webhooks"): Operation(
        ORGANISATION_BOUND, _call("POST", "/api/v1/webhooks", json=HOOK), 201
    ),
    ("GET", "/api/v1/webhooks"): Operation(
        ORGANISATION_BOUND | {"admin"}, _call("GET", "/api/v1/webhooks"), listing=True
    ),
    ("PATCH", "/api/v1/webhooks/{subscription_id}"): Operation(
        ORGANISATION_BOUND | {"admin"}, _stop_webhook, scoped=True
    ),
    ("DELETE", "/api/v1/webhooks/{subscription_id}"): Operation(
        ORGANISATION_BOUND, _delete_webhook, 204, scoped=True
    ),
    ("GET", "/api/v1/webhooks/{subscription_id}/deliveries"): Operation(
        ORGANISATION_BOUND | {"admin"}, _webhook_deliveries, scoped=True
    ),
    ("POST", "/api/v1/accounts/{account_id}/unlock"): Operation(
        frozenset({"admin"}),
        _unlock,
        204,
    ),
    ("GET", "/api/v1/audit-entries"): Operation(
        frozenset({"admin", "delegate"}), _call("GET", "/api/v1/audit-entries")
    ),
}


def test_every_operation_is_declared(app: FastAPI) -> None:
    document = app.openapi()
    operations = {
        (method.upper(), path) for path, methods in document["paths"].items() for method in methods
    }
    assert operations == set(OPERATIONS), (
        f"not declared: {operations - set(OPERATIONS)}; gone: {set(OPERATIONS) - operations}"
    )


def _snapshot(engine: Engine) -> dict[str, list[Any]]:
    """Every row of every table but the failed-login counts."""
    with engine.connect() as connection:
        tables = [t for t in inspect(connection).get_table_names() if t != "login_throttles"]
        return {
            table: sorted(
                map(repr, connection.execute(text(f'SELECT * FROM "{table}"')).all())  # noqa: S608
            )
            for table in tables
            if table in Base.metadata.tables
        }


async def _send(ctx: Ctx, role: str, call: Call) -> httpx.Response:
    caller = ctx.caller(role)
    headers = {**call.headers, **(caller.headers if caller else {})}
    return await ctx.client.request(
        call.method, call.url, json=call.json, params=call.params, data=call.data, headers=headers
    )


async def _setup(client: httpx.AsyncClient, world: World, operation: tuple[str, str]) -> Ctx:
    ctx = Ctx(client=client, world=world)
    ctx.organisations = {"own": world.org_a, "other": world.org_b}
    for target, caller in (("own", world.coordinator_a), ("other", world.coordinator_b)):
        body = situation_body(organisation=None, severity="orange")
        response = await client.post("/api/v1/situations", json=body, headers=caller.headers)
        assert response.status_code == 201, response.text
        ctx.situations[target] = response.json()["id"]
    if operation[1].endswith("/reopening"):
        for sid in ctx.situations.values():
            response = await client.post(
                f"/api/v1/situations/{sid}/closure",
                json={"closed_on": "2026-03-30", "typology": "M1", "outcome": "Settled."},
                headers=world.delegate.headers,
            )
            assert response.status_code == 201, response.text
    if operation[1].startswith("/api/v1/webhooks"):
        for target in ORGANISATION_CALLERS:
            await _webhook(ctx, target)
    if operation[1].endswith("/secret"):
        response = await client.post(
            "/api/v1/accounts/clients",
            json={"name": "Rotated", "role": "reporter"},
            headers=world.admin.headers,
        )
        assert response.status_code == 201, response.text
        ctx.client_account = response.json()["id"]
    if operation[0] == "DELETE" or operation == ("GET", "/api/v1/statistics/baselines/{year}"):
        response = await client.put(
            "/api/v1/statistics/baselines/2010", json=BASELINE, headers=world.admin.headers
        )
        assert response.status_code in (200, 201), response.text
    return ctx


def _comparable(response: httpx.Response) -> tuple[int, dict[str, Any]]:
    body = response.json()
    return response.status_code, {
        k: v for k, v in body.items() if k not in ("request_id", "instance")
    }


@pytest.mark.parametrize("operation", sorted(OPERATIONS), ids=lambda o: f"{o[0]} {o[1]}")
async def test_matrix(
    operation: tuple[str, str],
    client: httpx.AsyncClient,
    world: World,
    engine: Engine,
) -> None:
    spec = OPERATIONS[operation]
    ctx = await _setup(client, world, operation)
    for role in ROLES:
        targets = ["own", "other"] if spec.scoped else ["own"]
        for target in targets:
            call = await spec.build(ctx, target)
            allowed = role in spec.allowed
            hidden = target == "other" and role in ORGANISATION_BOUND
            before = _snapshot(engine) if not allowed or hidden else None
            response = await _send(ctx, role, call)
            cell = f"{role} on {target}: {response.status_code} {response.text[:200]}"
            if role == ANONYMOUS and allowed is False:
                assert response.status_code == 401, cell
            elif not allowed:
                assert response.status_code == 403, cell
            elif hidden:
                assert response.status_code == 404, cell
                missing = await _send(ctx, role, await spec.build(ctx, MISSING))
                assert _comparable(response) == _comparable(missing), cell
            else:
                assert response.status_code == spec.success, cell
                if spec.listing and role in ORGANISATION_BOUND:
                    assert ctx.situations["other"] not in response.text, cell
                    assert f'"{world.org_b}"' not in response.text, cell
            if before is not None:
                assert _snapshot(engine) == before, f"{cell}: the database changed"

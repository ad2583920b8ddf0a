"""Webhooks as an attacker inside one organisation would use them: to reach inside the network,
to hold up another organisation's events, or to outlive the trust that made them. Every
connection here goes to loopback; names are resolved by a stand-in for the system's resolver."""

import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from app.auth.models import Account
from app.cli import app as cli
from app.core.config import Settings, get_settings
from app.main import create_app
from app.organisations.models import Organisation
from app.webhooks import destinations
from app.webhooks.delivery import UNREACHABLE, deliver_due
from app.webhooks.destinations import Allowed
from app.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.conftest import LOOPBACK, TEST_ENCRYPTION_KEYS, Database
from tests.factories import World, situation_body
from tests.helpers import Receiver, assert_problem

HOOKS = "/api/v1/webhooks"
CREATED = "situation.created"
NOTHING_ALLOWED = Allowed.parse([])


@pytest.fixture
async def closed_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The service as it runs by default: no destination allowed beyond public addresses."""
    app: FastAPI = create_app(settings.model_copy(update={"webhook_allowed_destinations": []}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


class Names:
    """The resolver, in the tests' hands: a name resolves to the address it is told, or to
    nothing; addresses and `localhost` resolve as the system resolves them. No query leaves
    the machine."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.addresses: dict[str, str] = {"localhost": "127.0.0.1"}
        system = socket.getaddrinfo

        def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
            if host in self.addresses:
                return system(self.addresses[host], port, *args, **kwargs)
            if not _address(host):
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return system(host, port, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def _address(host: str) -> bool:
    """An address in any form the system reads without asking a resolver (2130706433, 0x7f.1)."""
    try:
        socket.inet_aton(host)
    except OSError:
        return ":" in host  # an IPv6 address
    return True


@pytest.fixture
def names(monkeypatch: pytest.MonkeyPatch) -> Names:
    return Names(monkeypatch)


INSIDE = [
    "http://127.0.0.1:8000/hook",
    "http://localhost:22/",
    "http://[::1]/hook",
    "http://2130706433/",  # 127.0.0.1 as one number
    "http://0x7f.1/",  # and in hexadecimal, abbreviated
    "http://0.0.0.0:5432/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.1/admin",
    "http://100.64.0.1/",  # shared address space
    "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata
    "http://[fe80::1]/",
    "http://[fd00::1]/",
    "http://[::ffff:127.0.0.1]/",  # IPv4 written as IPv6
    "http://224.0.0.1/",
    "https://inside.test/hook",  # a name that resolves inside
]


@pytest.mark.parametrize("url", INSIDE)
async def test_a_destination_inside_the_network_is_refused(
    closed_client: httpx.AsyncClient, world: World, names: Names, url: str
) -> None:
    names.addresses["inside.test"] = "10.0.0.7"
    response = await closed_client.post(
        HOOKS, json={"url": url, "events": [CREATED]}, headers=world.intranet_a.headers
    )
    problem = assert_problem(response, 422, field="url")
    assert "private network" in problem["errors"][0]["reason"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://user:secret@public.test/hook", "user name or a password"),
        ("http://:secret@public.test/hook", "user name or a password"),
        ("http://nowhere.invalid/hook", "does not resolve"),
    ],
)
async def test_credentials_in_the_url_or_no_address_are_refused(
    closed_client: httpx.AsyncClient, world: World, names: Names, url: str, reason: str
) -> None:
    names.addresses["public.test"] = "93.184.215.14"
    response = await closed_client.post(
        HOOKS, json={"url": url, "events": [CREATED]}, headers=world.intranet_a.headers
    )
    problem = assert_problem(response, 422, field="url")
    assert reason in problem["errors"][0]["reason"]


async def test_a_public_destination_is_taken(
    closed_client: httpx.AsyncClient, world: World, names: Names
) -> None:
    names.addresses["public.test"] = "93.184.215.14"
    response = await closed_client.post(
        HOOKS,
        json={"url": "https://public.test/hooks/bientraitance", "events": [CREATED]},
        headers=world.intranet_a.headers,
    )
    assert response.status_code == 201, response.text


def test_an_administrator_allows_hosts_and_networks(names: Names) -> None:
    names.addresses["intranet.test"] = "10.20.30.40"
    for allowed in (["intranet.test"], ["10.20.0.0/16"], ["10.20.30.40"]):
        checked = destinations.check("https://intranet.test/h?x=1", Allowed.parse(allowed))
        assert checked.url == "https://10.20.30.40:443/h?x=1"
        assert (checked.host_header, checked.server_name) == ("intranet.test", "intranet.test")
    with pytest.raises(destinations.Refused):
        destinations.check("https://intranet.test/h", Allowed.parse(["10.21.0.0/16"]))
    with pytest.raises(destinations.Refused):
        destinations.check("https://other.test.invalid/h", Allowed.parse(["intranet.test"]))


async def _subscribe(client: httpx.AsyncClient, caller: Any, url: str) -> dict[str, Any]:
    response = await client.post(
        HOOKS, json={"url": url, "events": [CREATED]}, headers=caller.headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _file(
    client: httpx.AsyncClient, world: World, organisation: str | None = None, by: Any = None
) -> None:
    body = situation_body(organisation=organisation or world.org_a)
    response = await client.post(
        "/api/v1/situations", json=body, headers=(by or world.delegate).headers
    )
    assert response.status_code == 201, response.text


async def _log(client: httpx.AsyncClient, caller: Any, hook: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(f"{HOOKS}/{hook['id']}/deliveries", headers=caller.headers)
    assert response.status_code == 200, response.text
    return dict(response.json()["items"][0])


async def test_a_name_that_moves_inside_is_refused_at_delivery(
    client: httpx.AsyncClient,
    world: World,
    session_factory: sessionmaker[Session],
    receiver: Receiver,
    names: Names,
) -> None:
    """Checked when subscribed (a public address then), and again when sent: the name now
    resolves to loopback, where something listens; nothing is sent."""
    port = receiver.server.server_address[1]
    names.addresses["moving.test"] = "93.184.215.14"
    hook = await _subscribe(client, world.intranet_a, f"http://moving.test:{port}/hooks")
    await _file(client, world)
    names.addresses["moving.test"] = "127.0.0.1"
    done = deliver_due(session_factory, allowed=NOTHING_ALLOWED)
    assert (done.delivered, done.retried) == (0, 1)
    assert receiver.received == []
    logged = await _log(client, world.intranet_a, hook)
    assert (logged["last_error"], logged["last_status_code"]) == (UNREACHABLE, None)


async def test_the_delivery_goes_to_the_address_checked_with_the_name_it_was_given(
    client: httpx.AsyncClient,
    world: World,
    session_factory: sessionmaker[Session],
    receiver: Receiver,
    names: Names,
) -> None:
    port = receiver.server.server_address[1]
    names.addresses["intranet.test"] = "127.0.0.1"
    await _subscribe(client, world.intranet_a, f"http://intranet.test:{port}/hooks")
    await _file(client, world)
    allowed = Allowed.parse(["127.0.0.1/32"])
    assert deliver_due(session_factory, allowed=allowed).delivered == 1
    headers, _ = receiver.received[0]
    assert headers["Host"] == f"intranet.test:{port}"


async def test_no_redirect_is_followed(
    client: httpx.AsyncClient,
    world: World,
    session_factory: sessionmaker[Session],
    receiver: Receiver,
) -> None:
    elsewhere = Receiver()
    try:
        hook = await _subscribe(client, world.intranet_a, receiver.url)
        receiver.answers = [307]
        receiver.location = elsewhere.url
        await _file(client, world)
        assert deliver_due(session_factory, allowed=Allowed.parse(LOOPBACK)).retried == 1
        assert elsewhere.received == []
        logged = await _log(client, world.intranet_a, hook)
        assert (logged["last_status_code"], logged["last_error"]) == (307, "answered 307")
    finally:
        elsewhere.server.shutdown()
        elsewhere.server.server_close()


async def test_the_log_tells_no_port_from_another(
    client: httpx.AsyncClient, world: World, session_factory: sessionmaker[Session]
) -> None:
    """A closed port and a port that accepts and never answers read the same in the log."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: refused
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepted by the system, never answered
    try:
        hooks = [
            await _subscribe(
                client, world.intranet_a, f"http://127.0.0.1:{s.getsockname()[1]}/hook"
            )
            for s in (closed, silent)
        ]
        await _file(client, world)
        assert deliver_due(session_factory, allowed=Allowed.parse(LOOPBACK)).retried == 2
        logs = [await _log(client, world.intranet_a, hook) for hook in hooks]
        assert {(log["last_error"], log["last_status_code"]) for log in logs} == {
            (UNREACHABLE, None)
        }
    finally:
        closed.close()
        silent.close()


async def test_receivers_that_never_answer_hold_up_no_other_organisation(
    client: httpx.AsyncClient,
    world: World,
    session_factory: sessionmaker[Session],
    receiver: Receiver,
    db: Database,
) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    try:
        for _ in range(8):
            await _subscribe(
                client, world.intranet_a, f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
            )
        await _subscribe(client, world.coordinator_b, receiver.url)
        await _file(client, world, world.org_a)
        await _file(client, world, world.org_b)
        silent_ids = db.all(
            select(WebhookDelivery.id)
            .join(WebhookSubscription)
            .where(WebhookSubscription.url.contains(str(silent.getsockname()[1])))
        )
        # What organisation A's deliveries had come to when B's receiver was called.
        seen_meanwhile: list[list[int]] = []
        receiver.meanwhile = lambda: seen_meanwhile.append(
            db.all(select(WebhookDelivery.attempts).where(WebhookDelivery.id.in_(silent_ids)))
        )
        done = deliver_due(session_factory, allowed=Allowed.parse(LOOPBACK))
        assert (done.delivered, done.retried) == (1, 8)
        assert len(receiver.received) == 1
        assert seen_meanwhile == [[0] * 8]  # every one of A's still waiting for an answer
    finally:
        silent.close()


async def test_removing_a_webhook_while_it_is_being_sent_fails_no_round(
    client: httpx.AsyncClient,
    world: World,
    session_factory: sessionmaker[Session],
    receiver: Receiver,
    db: Database,
) -> None:
    hook = await _subscribe(client, world.intranet_a, receiver.url)
    other = Receiver()
    try:
        await _subscribe(client, world.intranet_a, other.url)
        await _file(client, world)
        receiver.meanwhile = lambda: db.execute(
            delete(WebhookSubscription).where(WebhookSubscription.id == hook["id"])
        )
        done = deliver_due(session_factory, allowed=Allowed.parse(LOOPBACK))
        assert done.delivered == 1  # the other one; the removed one is simply gone
        assert len(receiver.received) == len(other.received) == 1
    finally:
        other.server.shutdown()
        other.server.server_close()


@pytest.mark.parametrize("lost", ["creator", "organisation", "subscription"])
async def test_a_webhook_ends_with_the_trust_that_made_it(
    client: httpx.AsyncClient,
    world: World,
    session_factory: sessionmaker[Session],
    receiver: Receiver,
    db: Database,
    lost: str,
) -> None:
    hook = await _subscribe(client, world.intranet_a, receiver.url)
    await _file(client, world)  # queued while trusted
    if lost == "creator":
        db.execute(
            update(Account).where(Account.id == world.intranet_a.account_id).values(active=False)
        )
    elif lost == "organisation":
        db.execute(
            update(Organisation).where(Organisation.code == world.org_a).values(active=False)
        )
    else:
        stopped = await client.patch(
            f"{HOOKS}/{hook['id']}", json={"active": False}, headers=world.admin.headers
        )
        assert stopped.status_code == 200, stopped.text
        assert stopped.json()["active"] is False
    # Not queued at all (a coordinator still files into an organisation no longer active).
    await _file(client, world, by=world.coordinator_a)
    assert deliver_due(session_factory, allowed=Allowed.parse(LOOPBACK)).delivered == 0
    assert receiver.received == []
    assert db.count(WebhookDelivery) == 1


async def test_administrators_see_and_stop_every_organisations_webhooks(
    client: httpx.AsyncClient,
    world: World,
    receiver: Receiver,
    db: Database,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a = await _subscribe(client, world.intranet_a, receiver.url)
    b = await _subscribe(client, world.coordinator_b, receiver.url)
    listed = await client.get(HOOKS, headers=world.admin.headers)
    assert [h["id"] for h in listed.json()["items"]] == [a["id"], b["id"]]
    only_b = await client.get(
        HOOKS, params={"organisation": world.org_b}, headers=world.admin.headers
    )
    assert [h["id"] for h in only_b.json()["items"]] == [b["id"]]
    # An organisation stops its own, never another's.
    theirs = await client.patch(
        f"{HOOKS}/{b['id']}", json={"active": False}, headers=world.intranet_a.headers
    )
    assert_problem(theirs, 404)
    made = await client.post(
        HOOKS, json={"url": receiver.url, "events": [CREATED]}, headers=world.admin.headers
    )
    assert_problem(made, 403)
    # The command, as an administrator on the server would.
    runner = CliRunner()
    monkeypatch.setenv("BIENTRAITANCE_DATABASE_URL", database_url)
    monkeypatch.setenv("BIENTRAITANCE_ENCRYPTION_KEYS", TEST_ENCRYPTION_KEYS)
    get_settings.cache_clear()
    try:
        listing = runner.invoke(cli, ["webhooks", "list"])
        assert listing.exit_code == 0, listing.output
        assert f"{a['id']}\t{world.org_a}\tactive" in listing.output
        stopped = runner.invoke(cli, ["webhooks", "disable", str(a["id"])])
        assert stopped.exit_code == 0, stopped.output
        assert (
            db.scalar(select(WebhookSubscription.active).where(WebhookSubscription.id == a["id"]))
            is False
        )
        missing = runner.invoke(cli, ["webhooks", "disable", "999999"])
        assert missing.exit_code == 1
    finally:
        get_settings.cache_clear()


async def test_an_organisation_holds_a_bounded_number_of_webhooks(
    client: httpx.AsyncClient, world: World, receiver: Receiver, settings: Settings
) -> None:
    for _ in range(settings.webhook_max_per_organisation):
        await _subscribe(client, world.intranet_a, receiver.url)
    one_more = await client.post(
        HOOKS, json={"url": receiver.url, "events": [CREATED]}, headers=world.intranet_a.headers
    )
    assert_problem(one_more, 409)
    assert (
        await client.post(
            HOOKS,
            json={"url": receiver.url, "events": [CREATED]},
            headers=world.coordinator_b.headers,
        )
    ).status_code == 201

"""The administrators' pages: each form as a browser sends it, and who may open them."""

import re

import httpx
import pytest
from sqlalchemy import select

from app.auth.models import Account
from app.organisations.models import Organisation, Site
from app.reference.models import Authority
from app.statistics.models import StatisticsBaseline
from tests.conftest import Database
from tests.console.test_sessions import csrf_of, sign_in
from tests.factories import PASSWORD, World

NEW_PASSWORD = "a brand new password"


async def _post(
    client: httpx.AsyncClient, path: str, **fields: str
) -> tuple[httpx.Response, httpx.Response]:
    """The form sent from the page it is on: the answer, and the page it leads to."""
    section = path.split("/")[2]
    page = await client.get(f"/admin/{section}")
    answer = await client.post(path, data={"csrf": csrf_of(page), **fields})
    after = await client.get(answer.headers["location"]) if answer.status_code == 303 else answer
    return answer, after


@pytest.mark.parametrize("role", ["delegate", "coordinator_a"])
async def test_only_admins_administer(client: httpx.AsyncClient, world: World, role: str) -> None:
    await sign_in(client, getattr(world, role).username)
    for section in ("organisations", "accounts", "audit"):
        assert (await client.get(f"/admin/{section}")).status_code == 404
    home = await client.get("/")
    refused = await client.post(
        "/admin/organisations/create", data={"csrf": csrf_of(home), "code": "X", "name": "X"}
    )
    assert refused.status_code == 404


async def test_organisations_sites_and_authorities(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await sign_in(client, world.admin.username)
    assert (await client.get("/")).headers["location"] == "/admin"
    done, page = await _post(client, "/admin/organisations/create", code="TIL", name="Tilleuls")
    assert done.status_code == 303
    assert "L&#39;organisme a été ajouté." in page.text
    done, page = await _post(client, "/admin/organisations/site", organisation="TIL", name="Villa")
    assert done.status_code == 303
    assert "Villa" in page.text
    assert [
        s.name for s in db.all(select(Site).join(Organisation).where(Organisation.code == "TIL"))
    ] == ["Villa"]
    refused, _ = await _post(client, "/admin/organisations/create", code="", name="Sans code")
    assert refused.status_code == 400
    assert 'id="create-code-error">Ce champ est obligatoire.' in refused.text
    assert 'value="Sans code"' in refused.text  # what was typed is kept
    done, page = await _post(
        client,
        "/admin/authorities/create",
        code="ombudsman",
        label_fr="Médiateur",
        label_en="Ombudsman",
        label_de="Ombudsmann",
    )
    assert done.status_code == 303
    assert db.all(select(Authority.label_fr).where(Authority.code == "ombudsman")) == ["Médiateur"]


async def test_accounts_from_creation_to_a_reset_password(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await sign_in(client, world.admin.username)
    done, page = await _post(
        client,
        "/admin/accounts/create",
        email="nouvelle@example.org",
        role="coordinator",
        organisation="MRE",
        password=PASSWORD,
    )
    assert done.status_code == 303, done.text
    assert "nouvelle@example.org" in page.text
    [account] = db.all(select(Account).where(Account.username == "nouvelle@example.org"))

    person = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    async with person:
        assert (await sign_in(person, "nouvelle@example.org")).status_code == 303
        assert (await person.get("/")).status_code == 200
        done, _ = await _post(
            client,
            "/admin/accounts/disable",
            account_id=str(account.id),
            version=str(account.version),
        )
        assert done.status_code == 303
        assert (await person.get("/")).headers["location"] == "/login?ended=1"
        [account] = db.all(select(Account).where(Account.username == "nouvelle@example.org"))
        done, _ = await _post(
            client,
            "/admin/accounts/enable",
            account_id=str(account.id),
            version=str(account.version),
        )
        assert done.status_code == 303
        for _ in range(world.settings.login_max_failures):
            await sign_in(person, "nouvelle@example.org", "wrong password!")
        assert "Trop d&#39;essais" in (await sign_in(person, "nouvelle@example.org")).text
        done, _ = await _post(client, "/admin/accounts/unlock", account_id=str(account.id))
        assert done.status_code == 303
        done, _ = await _post(
            client, "/admin/accounts/password", account_id=str(account.id), password=NEW_PASSWORD
        )
        assert done.status_code == 303
        assert (await sign_in(person, "nouvelle@example.org")).status_code == 400
        assert (await sign_in(person, "nouvelle@example.org", NEW_PASSWORD)).status_code == 303


async def test_a_machine_clients_secret_is_shown_once_and_works(
    client: httpx.AsyncClient, world: World
) -> None:
    await sign_in(client, world.admin.username)
    shown, _ = await _post(
        client, "/admin/clients/create", name="Intranet MRE", role="intranet", organisation="MRE"
    )
    assert shown.status_code == 200
    client_id, secret = re.findall(r"<code>([^<]+)</code>", shown.text)[:2]
    assert shown.headers["cache-control"] == "no-store"
    token = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert token.status_code == 200
    listed = await client.get("/admin/clients")
    assert secret not in listed.text
    refused, _ = await _post(client, "/admin/clients/create", name="X", role="delegate")
    assert refused.status_code == 400  # a machine client is never a delegate


async def test_baselines_and_the_audit_chain(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await sign_in(client, world.admin.username)
    published = {
        "year": "2024",
        "situations": "214",
        "requalified": "4",
        "intake_M1": "31",
        "closure_M1": "",  # unknown, not zero
        "groups_sexualised_intake": "25",
        "organisations_MRE": "120",
        "severity_at_year_end_red": "4",
        "highest_severity_red": "11",
        "reports_reported": "17",
        "reports_by_authority_parquet": "12",
        "requalifications": "M1 → M21 : 3\nM2 M22 1\n",
        "source_note": "Rapport annuel 2024, p. 14",
    }
    refused, _ = await _post(
        client, "/admin/baselines/put", **published | {"requalifications": "M1 M21"}
    )
    assert refused.status_code == 400
    assert (
        'id="put-requalifications-error">Une paire par ligne : le code à l&#39;entrée'
        in refused.text
    )
    assert "Rapport annuel 2024, p. 14" in refused.text  # what was typed is kept
    negative, _ = await _post(client, "/admin/baselines/put", **published | {"intake_M1": "-2"})
    assert 'id="put-intake_M1-error">Au moins 0.' in negative.text  # beside its own field
    assert db.count(StatisticsBaseline) == 0
    done, _ = await _post(client, "/admin/baselines/put", **published)
    assert done.status_code == 303, done.text
    [baseline] = db.all(select(StatisticsBaseline))
    assert baseline.figures == {
        "situations": 214,
        "requalified": 4,
        "intake": {"M1": 31},
        "closure": {},  # none known
        "groups": {"sexualised": {"intake": 25}},
        "organisations": {"MRE": 120},
        "severity_at_year_end": {"red": 4},
        "highest_severity": {"red": 11},
        "reports": {"reported": 17},
        "reports_by_authority": {"parquet": 12},
        "requalifications": [
            {"from_code": "M1", "to_code": "M21", "count": 3},
            {"from_code": "M2", "to_code": "M22", "count": 1},
        ],
        "source_note": "Rapport annuel 2024, p. 14",
    }
    done, _ = await _post(client, "/admin/baselines/delete", year="2024")
    assert db.count(StatisticsBaseline) == 0
    _, verified = await _post(client, "/admin/audit/verify")
    assert "La chaîne est intacte" in verified.text

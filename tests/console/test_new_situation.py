"""Filing a situation from the console's form, as a browser sends it."""

import re

import httpx
from sqlalchemy import select

from app.situations.models import Situation
from tests.conftest import Database
from tests.console.test_sessions import csrf_of, sign_in
from tests.factories import World


def _form_id(page: httpx.Response) -> str:
    found = re.search(r'name="form_id" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def _filled(page: httpx.Response, **fields: str) -> dict[str, str]:
    return {
        "csrf": csrf_of(page),
        "form_id": _form_id(page),
        "organisation": "MRE",
        "opened_on": "2026-03-14",
        "intake_typology": "M2",
        "severity": "red",
        "requester_kind": "staff",
        "age_group": "child",
        "summary": "Gestes déplacés signalés par une éducatrice.",
        **fields,
    }


async def test_a_delegate_files_a_situation_and_sees_it(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await sign_in(client, world.delegate.username)
    form = await client.get("/situations/new")
    assert form.status_code == 200
    assert "M2 \u2013 " in form.text  # the typology with its labels
    assert "Membre du personnel" in form.text  # requester kinds by label
    assert "Groupe de vie 1" in form.text  # the organisations' sites
    filed = await client.post("/situations/new", data=_filled(form, site_id=str(world.site_a)))
    assert filed.status_code == 303
    [situation] = db.all(select(Situation))
    assert filed.headers["location"] == f"/situations/{situation.reference}"
    assert (situation.severity.value, situation.site_id) == ("red", world.site_a)
    page = await client.get(filed.headers["location"])
    assert "Gestes déplacés signalés" in page.text


async def test_an_invalid_form_comes_back_with_every_error_and_nothing_lost(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await sign_in(client, world.delegate.username)
    form = await client.get("/situations/new")
    sent = _filled(form, opened_on="2099-01-01", intake_typology="", summary="Texte gardé.")
    sent.pop("severity")
    back = await client.post("/situations/new", data=sent)
    assert back.status_code == 400
    assert db.count(Situation) == 0
    errors = dict(re.findall(r'<span class="error" id="(\w+)-error">([^<]+)</span>', back.text))
    assert errors == {
        "opened_on": "La date ne peut pas être dans le futur.",
        "intake_typology": "Ce champ est obligatoire.",
        "severity": "Ce champ est obligatoire.",
    }, errors
    assert ">Texte gardé.</textarea>" in back.text
    assert 'value="2099-01-01"' in back.text
    assert 'value="staff" selected' in back.text


async def test_the_same_form_sent_twice_files_once(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await sign_in(client, world.coordinator_a.username)
    form = await client.get("/situations/new")
    assert 'name="organisation"' not in form.text  # a coordinator files into their own
    sent = _filled(form)
    sent.pop("organisation")
    first = await client.post("/situations/new", data=sent)
    second = await client.post("/situations/new", data=sent)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert db.count(Situation) == 1
    new = await client.get("/situations/new")
    assert _form_id(new) != sent["form_id"]


async def test_a_coordinator_cannot_file_into_another_organisation(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await sign_in(client, world.coordinator_a.username)
    form = await client.get("/situations/new")
    refused = await client.post("/situations/new", data=_filled(form, organisation="HSO"))
    assert refused.status_code == 400
    assert db.count(Situation) == 0

"""What follows an opening, recorded from the forms of a situation's page."""

import re

import httpx
from sqlalchemy import select

from app.situations.models import Situation, SituationEdit
from tests.conftest import Database
from tests.console.test_sessions import csrf_of, sign_in
from tests.factories import World, situation_body


async def _opened(client: httpx.AsyncClient, world: World, **body: object) -> str:
    filed = await client.post(
        "/api/v1/situations", json=situation_body(**body), headers=world.delegate.headers
    )
    assert filed.status_code == 201, filed.text
    return str(filed.json()["reference"])


def _version(page: httpx.Response) -> str:
    found = re.search(r'name="version" value="(\d+)"', page.text)
    assert found, page.text
    return found.group(1)


async def _send(
    client: httpx.AsyncClient, reference: str, form: str, page: httpx.Response, **fields: str
) -> httpx.Response:
    return await client.post(
        f"/situations/{reference}/{form}",
        data={"csrf": csrf_of(page), "version": _version(page), **fields},
    )


async def test_a_delegate_records_a_situations_whole_history(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    reference = await _opened(client, world)
    await sign_in(client, world.delegate.username)
    steps = [
        ("colour", {"severity": "red", "reason": "Deux témoins.", "changed_on": "2026-03-15"}),
        ("report", {"decision": "reported", "authority": "parquet", "decided_on": "2026-03-16"}),
        ("action", {"kind": "meeting", "occurred_on": "2026-03-17", "duration_minutes": "45"}),
        ("review", {"year": "2026", "typology": "M2", "reviewed_on": "2026-03-18"}),
        ("close", {"typology": "M2", "closed_on": "2026-03-20", "outcome": "Suivi terminé."}),
        ("reopen", {"reason": "Faits nouveaux.", "reopened_on": "2026-03-21"}),
    ]
    for kind, fields in steps:
        page = await client.get(f"/situations/{reference}")
        done = await _send(client, reference, kind, page, **fields)
        assert done.status_code == 303, (kind, done.text)
        assert done.headers["location"] == f"/situations/{reference}#timeline"
    page = await client.get(f"/situations/{reference}")
    for words in ("Deux témoins.", "Parquet", "Suivi terminé.", "Faits nouveaux.", "45 min"):
        assert words in page.text, words
    [situation] = db.all(select(Situation))
    assert situation.version == 1 + len(steps)
    assert "Qui a consulté ce dossier" in page.text  # a delegate sees who accessed it


async def test_the_red_rule_is_explained_before_it_refuses(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    reference = await _opened(client, world, severity="red")
    await sign_in(client, world.delegate.username)
    page = await client.get(f"/situations/{reference}")
    rule = "Une situation rouge n&#39;est clôturée qu&#39;après un signalement"
    assert 'id="close-red-rule"' in page.text
    assert rule in page.text
    refused = await _send(
        client, reference, "close", page, typology="M1", closed_on="2026-03-20", outcome="Fin."
    )
    assert refused.status_code == 400
    assert rule in refused.text.split('id="close-red-rule"')[0]  # said at the top as well
    assert ">Fin.</textarea>" in refused.text  # what was typed is kept
    untyped = await _send(
        client, reference, "close", page, typology="", closed_on="2026-03-20", outcome="Fin."
    )
    assert 'id="close-typology-error">Ce champ est obligatoire.' in untyped.text
    assert 'aria-describedby="close-typology-error"' in untyped.text  # tied to its field
    assert "review-typology-error" not in untyped.text  # the other forms' fields stay clean
    assert db.all(select(Situation))[0].status.value == "open"


async def test_a_stale_correction_says_what_changed_instead_of_overwriting(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    reference = await _opened(client, world)
    await sign_in(client, world.delegate.username)
    read_before = await client.get(f"/situations/{reference}")
    meanwhile = await _send(
        client, reference, "colour", read_before, severity="red", reason="Aggravé."
    )
    assert meanwhile.status_code == 303
    fields = {
        "opened_on": "2026-03-14",
        "intake_typology": "M3",
        "requester_kind": "staff",
        "age_group": "child",
        "summary": "Résumé corrigé.",
    }
    stale = await _send(client, reference, "edit", read_before, **fields)
    assert stale.status_code == 400
    assert "La situation a changé depuis que vous l&#39;avez ouverte" in stale.text
    assert "Changement de couleur" in stale.text.split('class="facts"')[0]
    assert ">Résumé corrigé.</textarea>" in stale.text
    assert db.count(SituationEdit) == 0
    fresh = await _send(client, reference, "edit", stale, **fields)
    assert fresh.status_code == 303
    assert db.all(select(Situation))[0].intake_typology == "M3"


async def test_anothers_situation_and_unknown_forms_are_not_found(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    reference = await _opened(client, world, organisation="HSO")
    await sign_in(client, world.coordinator_a.username)
    home = await client.get("/")
    sent = {"csrf": csrf_of(home), "version": "1", "severity": "red", "reason": "x"}
    theirs = await client.post(f"/situations/{reference}/colour", data=sent)
    assert theirs.status_code == 404
    assert (await client.post(f"/situations/{reference}/delete", data=sent)).status_code == 404
    assert db.all(select(Situation))[0].severity.value == "orange"


async def test_a_rule_about_dates_is_said_in_the_readers_language(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    """The service's reason, with its date, in the console's words: French first, then the
    language chosen."""
    reference = await _opened(client, world)  # opened on 14 March 2026
    await sign_in(client, world.delegate.username)
    page = await client.get(f"/situations/{reference}")
    early = {"typology": "M1", "closed_on": "2026-03-01", "outcome": "Fin."}
    refused = await _send(client, reference, "close", page, **early)
    assert refused.status_code == 400
    assert (
        'id="close-closed_on-error">Date antérieure à la date d&#39;ouverture de la situation '
        "(14/03/2026)." in refused.text
    )
    assert "before" not in refused.text
    await client.get("/language", params={"to": "de"})
    page = await client.get(f"/situations/{reference}")
    refused = await _send(client, reference, "close", page, **early)
    assert "Das Datum liegt vor dem Eröffnungsdatum der Situation (14/03/2026)." in refused.text
    assert db.all(select(Situation))[0].status.value == "open"

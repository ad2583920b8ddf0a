"""GET /api/v1/typologies and /api/v1/reference/*: seeded by the migrations, served read-only."""

import httpx
import pytest

from tests.factories import World
from tests.helpers import assert_problem


@pytest.mark.parametrize(
    ("lang", "m1"),
    [
        ("fr", "Acte abusif exercé par un professionnel vers un bénéficiaire"),
        ("en", "Abusive act by a professional towards a beneficiary"),
        ("de", "Missbräuchliche Handlung einer Fachkraft gegenüber einer betreuten Person"),
    ],
)
async def test_typologies(client: httpx.AsyncClient, world: World, lang: str, m1: str) -> None:
    response = await client.get(
        "/api/v1/typologies", params={"lang": lang}, headers=world.reporter.headers
    )
    assert response.status_code == 200
    body = response.json()
    assert [c["code"] for c in body["codes"]] == [f"M{n}" for n in range(1, 25)]
    assert body["codes"][0]["label"] == m1
    groups = {g["code"]: g["members"] for g in body["groups"]}
    assert groups == {
        "sexualised": ["M2", "M4", "M6", "M11", "M12", "M13", "M14"],
        "questionings": ["M21", "M22", "M23", "M24"],
        "professional_to_beneficiary": ["M1", "M2", "M19"],
        "between_beneficiaries": [f"M{n}" for n in range(7, 15)],
        "violence_to_professionals": ["M16", "M17"],
        "neglect": ["M19", "M20"],
    }


async def test_french_by_default(client: httpx.AsyncClient, world: World) -> None:
    body = (await client.get("/api/v1/typologies", headers=world.delegate.headers)).json()
    assert body["lang"] == "fr"
    assert body["codes"][23]["label"] == "Questionnement structurel sur la Bientraitance"


async def test_unknown_language(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(
        "/api/v1/typologies", params={"lang": "lb"}, headers=world.delegate.headers
    )
    assert_problem(response, 422, field="lang")


async def test_anonymous(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/v1/typologies"), 401)


async def test_other_reference_lists(client: httpx.AsyncClient, world: World) -> None:
    expected = {
        "authorities": {"parquet", "police", "one", "ministry", "other"},
        "requester-kinds": {
            "staff",
            "manager",
            "team",
            "beneficiary",
            "relative",
            "direction",
            "other",
        },
        "age-groups": {"child", "adolescent", "adult", "senior", "mixed"},
    }
    for path, codes in expected.items():
        response = await client.get(
            f"/api/v1/reference/{path}", params={"lang": "en"}, headers=world.coordinator_a.headers
        )
        assert response.status_code == 200, path
        assert {i["code"] for i in response.json()["items"]} == codes


async def test_admin_adds_authority(client: httpx.AsyncClient, world: World) -> None:
    body = {
        "code": "okaju",
        "label_fr": "Ombudsman fir Kanner a Jugendlecher",
        "label_en": "Ombudsman for children",
        "label_de": "Ombudsman für Kinder",
    }
    refused = await client.post(
        "/api/v1/reference/authorities", json=body, headers=world.delegate.headers
    )
    assert_problem(refused, 403)
    created = await client.post(
        "/api/v1/reference/authorities", json=body, headers=world.admin.headers
    )
    assert created.status_code == 201, created.text
    listed = await client.get("/api/v1/reference/authorities", headers=world.delegate.headers)
    assert "okaju" in {i["code"] for i in listed.json()["items"]}

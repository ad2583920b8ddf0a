"""`bientraitance demo`: a fresh database filled with clearly fictional data, to explore the API
and the annual report at once.

Everything goes through the services the API uses (rules, references, audit trail), as if
delegates had worked for three years: situations opened, colours changed, reports made or
justified decisions not to report, year-end reviews of files still open, actions, closures.
"""

import random
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.auth import service as auth_service
from app.core.db import transaction
from app.core.principal import Principal, Role
from app.organisations import service as organisation_service
from app.organisations.models import Organisation, Site
from app.situations import records as situation_records
from app.situations import schemas
from app.situations import service as situation_service
from app.situations.enums import ActionKind, ReportDecision, Severity
from app.situations.models import Situation

ORGANISATIONS = [
    ("TIL", "Foyer des Tilleuls (fictif)", ["Groupe de vie Érable", "Groupe de vie Saule"]),
    ("MOU", "Institut Les Mouettes (fictif)", ["Internat", "Centre de jour"]),
    ("ARC", "Service Arc-en-ciel (fictif)", ["Aide à domicile"]),
]
# How often each code comes up at intake: roughly the mix of an annual report.
CODE_WEIGHTS = [14, 5, 6, 3, 3, 1, 2, 4, 3, 3, 1, 1, 2, 1, 4, 4, 3, 2, 6, 2, 12, 10, 5, 3]
CODES = [f"M{n}" for n in range(1, 25)]
REQUESTERS = ["staff", "manager", "team", "beneficiary", "relative", "direction", "other"]
AGE_GROUPS = ["child", "adolescent", "adult", "senior", None]
AUTHORITIES = ["parquet", "police", "one", "ministry"]
CLOSED = "Clôturé (fictif)."
SUMMARY = "Situation fictive de démonstration n° {n} : aucune personne réelle n'est concernée."


class DemoRefused(Exception):
    pass


# The demo's own database, beside the register's (`bientraitance.db`): fiction never mixes with
# real situations.
DEMO_DATABASE_URL = "sqlite:///bientraitance-demo.db"


def holds_the_demo_only(factory: sessionmaker[Session]) -> bool:
    """Whether the database holds the demo's organisations and nothing else of its own: only
    such a database may be started again."""
    with transaction(factory, read_only=True) as session:
        codes = set(session.scalars(select(Organisation.code)))
    return codes == {code for code, _, _ in ORGANISATIONS}


@dataclass(frozen=True)
class DemoAccounts:
    password: str
    people: list[tuple[str, str]]  # (e-mail, role)
    reporter_client: tuple[str, str]  # (client id, secret)
    situations: int
    years: list[int]


def fill(
    factory: sessionmaker[Session],
    *,
    today: date,
    situations: int = 300,
    seed: int = 2026,
    password: str | None = None,
) -> DemoAccounts:
    """Organisations, accounts and situations over this year and the two before."""
    rng = random.Random(seed)  # noqa: S311 - fictional data, not secrets
    password = password or secrets.token_urlsafe(12)
    with transaction(factory) as session:
        if session.scalar(select(func.count()).select_from(Situation)) or session.scalar(
            select(func.count()).select_from(Organisation)
        ):
            raise DemoRefused(
                "the database holds data already: the demo fills an empty one "
                "(--fresh starts the demo's database again)"
            )
        for code, name, sites in ORGANISATIONS:
            organisation = organisation_service.create(
                session=session, principal=None, code=code, name=name
            )
            for site in sites:
                session.add(Site(organisation_id=organisation.id, name=site))
        people = [
            ("admin@demo.invalid", Role.ADMIN, None),
            ("delegue@demo.invalid", Role.DELEGATE, None),
            ("coordination@tilleuls.demo.invalid", Role.COORDINATOR, "TIL"),
        ]
        accounts = {}
        for email, role, organisation_code in people:
            accounts[role] = auth_service.create_person(
                session=session,
                principal=None,
                email=email,
                role=role,
                password=password,
                organisation_code=organisation_code,
                display_name=f"Démo {role.value}",
            )
        client, secret = auth_service.create_client(
            session=session, principal=None, name="Rapport annuel (démo)", role=Role.REPORTER
        )
        delegate = auth_service.to_principal(accounts[Role.DELEGATE])
        site_ids = {
            code: list(
                session.scalars(
                    select(Site.id)
                    .join(Organisation, Organisation.id == Site.organisation_id)
                    .where(Organisation.code == code)
                )
            )
            for code, _, _ in ORGANISATIONS
        }
    years = [today.year - 2, today.year - 1, today.year]
    for n in range(1, situations + 1):
        with transaction(factory) as session:
            _one_situation(session, delegate, rng, n, years, today, site_ids)
    return DemoAccounts(
        password=password,
        people=[(email, role.value) for email, role, _ in people],
        reporter_client=(client.username, secret),
        situations=situations,
        years=years,
    )


@dataclass(frozen=True)
class Report:
    decided_on: date
    authority: str | None  # None: a justified decision not to report


@dataclass(frozen=True)
class Action:
    occurred_on: date
    kind: ActionKind
    minutes: int


@dataclass(frozen=True)
class Story:
    """One fictional situation's life as plain data, drawn by `story`: the demo enters it
    through the services, the benchmark (scripts/bench.py) writes it straight as rows."""

    opened_on: date
    organisation: str
    code: str
    severity: Severity  # at intake
    requester_kind: str
    age_group: str | None
    turned_red_on: date | None
    report: Report | None
    action: Action | None
    reviews: list[tuple[int, str]]  # (year, typology) of each year-end review
    closure: tuple[date, str] | None  # (closed on, typology)

    @property
    def severity_now(self) -> Severity:
        return Severity.RED if self.turned_red_on is not None else self.severity


def story(rng: random.Random, *, year: int, today: date, organisations: list[str]) -> Story:
    """A situation opened in `year`, and what happened to it up to `today`: now and then it
    turns red, a red one is reported (or a justified decision not to report is made), a
    delegate acts, a file still open at the end of a past year is reviewed, and most close,
    a red one only once its report or decision is recorded (the register's rule)."""
    last_day = min(date(year, 12, 31), today)
    opened_on = date(year, 1, 1) + timedelta(
        days=rng.randrange((last_day - date(year, 1, 1)).days + 1)
    )
    code = rng.choices(CODES, weights=CODE_WEIGHTS)[0]
    severity = rng.choices(list(Severity), weights=[50, 35, 15])[0]

    def later(after: date, days: int) -> date | None:
        moment = after + timedelta(days=rng.randint(1, days))
        return moment if moment <= today else None

    day = opened_on
    turned_red_on = None
    if severity is not Severity.RED and rng.random() < 0.15:
        turned_red_on = later(day, 30)
        day = turned_red_on or day
    report = None
    if (severity is Severity.RED or turned_red_on) and (decided := later(day, 10)):
        day = decided
        reported = rng.random() < 0.8
        report = Report(decided, rng.choice(AUTHORITIES) if reported else None)
    action = None
    if (acted := later(day, 20)) is not None:
        action = Action(acted, rng.choice(list(ActionKind)), rng.choice([15, 30, 45, 60, 90]))
    closing = later(day, 200) if rng.random() < 0.75 else None
    red = severity is Severity.RED or turned_red_on is not None
    if red and report is None:
        closing = None
    return Story(
        opened_on=opened_on,
        organisation=rng.choice(organisations),
        code=code,
        severity=severity,
        requester_kind=rng.choice(REQUESTERS),
        age_group=rng.choice(AGE_GROUPS),
        turned_red_on=turned_red_on,
        report=report,
        action=action,
        reviews=[
            (review_year, _requalified(rng, code))
            for review_year in range(opened_on.year, (closing or today).year)
        ],
        closure=(closing, _requalified(rng, code)) if closing is not None else None,
    )


def _one_situation(
    session: Session,
    delegate: Principal,
    rng: random.Random,
    n: int,
    years: list[int],
    today: date,
    site_ids: dict[str, list[int]],
) -> None:
    told = story(rng, year=rng.choice(years), today=today, organisations=list(site_ids))
    situation = situation_service.create(
        session=session,
        principal=delegate,
        data=schemas.SituationCreate(
            organisation=told.organisation,
            opened_on=told.opened_on,
            intake_typology=told.code,
            severity=told.severity,
            summary=SUMMARY.format(n=n),
            requester_kind=told.requester_kind,
            age_group=told.age_group,
            site_id=rng.choice(site_ids[told.organisation]) if rng.random() < 0.7 else None,
        ),
    )

    def record(action: situation_records.RecordAction, data: BaseModel) -> None:
        """One more record on the situation, as the delegate."""
        action(
            session=session,
            principal=delegate,
            situation_id=situation.id,
            if_match=None,
            data=data,
        )

    if told.turned_red_on is not None:
        record(
            situation_records.change_severity,
            schemas.SeverityChangeCreate(
                severity=Severity.RED,
                reason="Nouveaux éléments (fictif).",
                changed_on=told.turned_red_on,
            ),
        )
    if told.report is not None:
        reported = told.report.authority is not None
        record(
            situation_records.add_report,
            schemas.ReportCreate(
                decision=ReportDecision.REPORTED if reported else ReportDecision.NOT_REPORTED,
                authority=told.report.authority,
                decided_on=told.report.decided_on,
                justification=None if reported else "Faits déjà signalés (fictif).",
            ),
        )
    if told.action is not None:
        record(
            situation_records.add_action,
            schemas.ActionCreate(
                kind=told.action.kind,
                occurred_on=told.action.occurred_on,
                duration_minutes=told.action.minutes,
            ),
        )
    for review_year, typology in told.reviews:
        record(
            situation_records.add_review,
            schemas.ReviewCreate(
                year=review_year, typology=typology, reviewed_on=date(review_year, 12, 31)
            ),
        )
    if told.closure is not None:
        closed_on, typology = told.closure
        record(
            situation_records.close,
            schemas.ClosureCreate(closed_on=closed_on, typology=typology, outcome=CLOSED),
        )


def _requalified(rng: random.Random, code: str) -> str:
    """Most files keep their code; some are requalified, often towards M21 or M22."""
    if rng.random() < 0.8:
        return code
    return rng.choice(["M21", "M22", *rng.choices(CODES, weights=CODE_WEIGHTS, k=1)])

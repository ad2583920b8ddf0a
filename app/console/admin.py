"""The administrators' pages: organisations and sites, people's accounts, machine clients,
authorities, webhook subscriptions, past years' published totals, and the audit trail with its
verification. Each form calls the service the API and the command call."""

from typing import Annotated, Any, get_args

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.audit import chain
from app.audit import service as audit_service
from app.auth import service as auth_service
from app.console.pages import (
    Forged,
    FormFields,
    Lang,
    Page,
    Signed,
    SignedIn,
    SignedInToRead,
    checked_form,
    errors_of,
    forged_page,
    not_found_page,
)
from app.console.words import WORDS, say
from app.core.db import ReadingSessionDep, SessionDep
from app.core.errors import AppError, ValidationFailed
from app.core.principal import CLIENT_ROLES, PERSON_ROLES, AccountKind, Role
from app.organisations import service as organisation_service
from app.reference import service as reference_service
from app.reference.schemas import AuthorityCreate
from app.situations.enums import Severity
from app.statistics import service as statistics_service
from app.statistics.schemas import BaselineFigures, ReportStatus
from app.subscriptions import service as subscription_service
from app.typologies import service as typology_service

router = APIRouter(include_in_schema=False)
SECTIONS = ("organisations", "accounts", "clients", "authorities", "webhooks", "baselines", "audit")
# Accounts and audit entries a page.
PAGE = 50


def _admin(signed: Signed, page: Page) -> Response | None:
    """Anyone but an admin meets the unknown page's "not found"."""
    return None if signed.principal.role is Role.ADMIN else not_found_page(page)


@router.get("/admin")
def administration(signed: SignedIn) -> Response:
    return RedirectResponse("/admin/organisations", status_code=303)


@router.get("/admin/{section}")
def section_page(
    section: str,
    request: Request,
    session: SessionDep,
    signed: SignedIn,
    lang: Lang,
    done: Annotated[str, Query(max_length=40)] = "",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    page = signed.page(request, lang)
    if (refused := _admin(signed, page)) or section not in SECTIONS:
        return refused or not_found_page(page)
    notice = say(f"done_{done}", lang) if f"done_{done}" in WORDS else None
    return _render(page, session, section, notice=notice, cursor=cursor)


def _render(
    page: Page,
    session: Session,
    section: str,
    *,
    notice: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    secret: tuple[str, str] | None = None,
    verdict: chain.Verdict | None = None,
    cursor: str | None = None,
) -> Response:
    """The section's page: what it lists, and its forms."""
    listed: dict[str, Any] = {}
    lang = page.lang
    if section == "organisations":
        listed["organisations"] = organisation_service.list_(
            session=session, principal=None, with_sites=True
        )
    elif section in ("accounts", "clients"):
        people = section == "accounts"
        listed["accounts"], listed["next_cursor"] = auth_service.list_(
            session=session,
            limit=PAGE,
            cursor=cursor,
            kind=AccountKind.PERSON if people else AccountKind.CLIENT,
        )
        listed["roles"] = sorted(role.value for role in (PERSON_ROLES if people else CLIENT_ROLES))
        listed["organisations"] = [
            o.code for o in organisation_service.list_(session=session, principal=None)
        ]
    elif section == "authorities":
        listed["authorities"] = reference_service.authorities(session=session, lang=lang).items
    elif section == "webhooks":
        listed["webhooks"] = subscription_service.list_(session=session, principal=None)
    elif section == "baselines":
        listed["baselines"] = statistics_service.list_baselines(session=session)
        catalogue = typology_service.catalogue(session=session, lang=lang)
        listed["codes"] = [c.code for c in catalogue.codes]
        listed["groups"] = catalogue.groups
        listed["organisations"] = [
            o.code for o in organisation_service.list_(session=session, principal=None)
        ]
        listed["authorities"] = reference_service.authorities(session=session, lang=lang).items
        listed["colours"] = [colour.value for colour in Severity]
        listed["report_statuses"] = list(get_args(ReportStatus))
    else:
        listed["entries"], listed["next_cursor"] = audit_service.list_(
            session=session, limit=PAGE, cursor=cursor
        )
    return page.render(
        "admin.html",
        status_code=400 if errors else 200,
        section=section,
        sections=SECTIONS,
        notice=notice,
        errors=errors or {},
        values=values or {},
        secret=secret,
        verdict=verdict,
        **listed,
    )


@router.post("/admin/audit/verify")
def verify_audit(
    request: Request,
    session: ReadingSessionDep,
    signed: SignedInToRead,
    lang: Lang,
    sent: FormFields,
) -> Response:
    """Walks the whole audit chain, as `bientraitance audit verify` does, and says what it
    found; it only reads."""
    page = signed.page(request, lang)
    if refused := _admin(signed, page):
        return refused
    try:
        checked_form(request, signed, sent.get("csrf", ""))
    except Forged:
        return forged_page(request, lang)
    verdict = chain.verify(request.app.state.reading_sessionmaker)
    return _render(page, session, "audit", verdict=verdict)


@router.post("/admin/{section}/{action}")
def act(
    section: str,
    action: str,
    request: Request,
    session: SessionDep,
    signed: SignedIn,
    lang: Lang,
    sent: FormFields,
) -> Response:
    """One administration form: done, then back to its section saying so; refused, the section
    again with the reasons next to the fields and what was typed kept."""
    page = signed.page(request, lang)
    if refused := _admin(signed, page):
        return refused
    handler = ACTIONS.get((section, action))
    if handler is None:
        return not_found_page(page)
    try:
        checked_form(request, signed, sent.get("csrf", ""))
    except Forged:
        return forged_page(request, lang)
    fields = {name: value.strip() for name, value in sent.items() if name != "csrf"}
    errors: dict[str, str] = {}
    try:
        # A savepoint: a refused change leaves nothing behind, and the page is still shown.
        with session.begin_nested():
            secret = handler(session, signed, fields)
    except (ValidationError, AppError) as refused_change:
        errors = errors_of(refused_change, lang)
    else:
        if secret is not None:  # shown once, on this answer only
            return _render(page, session, section, secret=secret)
        return RedirectResponse(f"/admin/{section}?done={section}-{action}", status_code=303)
    return _render(page, session, section, errors=errors, values={"action": action, **fields})


# --- what each form does ---------------------------------------------------------------------
# A function of the session, the admin and the form's fields; it returns a client's new
# secret (its id and the secret) when there is one to show.

Done = tuple[str, str] | None


def _number(fields: dict[str, str], name: str) -> int:
    value = fields.get(name, "")
    return int(value) if value.isdigit() else 0


def _create_organisation(session: Session, signed: Signed, fields: dict[str, str]) -> Done:
    organisation_service.create(
        session=session,
        principal=signed.principal,
        code=_required(fields, "code"),
        name=_required(fields, "name"),
    )
    return None


def _add_site(session: Session, signed: Signed, fields: dict[str, str]) -> Done:
    organisation_service.create_site(
        session=session,
        principal=signed.principal,
        code=_required(fields, "organisation"),
        name=_required(fields, "name"),
    )
    return None


def _create_person(session: Session, signed: Signed, fields: dict[str, str]) -> Done:
    auth_service.create_person(
        session=session,
        principal=signed.principal,
        email=_required(fields, "email"),
        role=_role(fields),
        password=_required(fields, "password"),
        organisation_code=fields.get("organisation") or None,
        display_name=fields.get("display_name") or None,
    )
    return None


def _create_client(session: Session, signed: Signed, fields: dict[str, str]) -> Done:
    account, secret = auth_service.create_client(
        session=session,
        principal=signed.principal,
        name=_required(fields, "name"),
        role=_role(fields),
        organisation_code=fields.get("organisation") or None,
    )
    return account.username, secret


def _set_active(active: bool) -> Any:
    def change(session: Session, signed: Signed, fields: dict[str, str]) -> Done:
        auth_service.update(
            session=session,
            principal=signed.principal,
            account_id=_number(fields, "account_id"),
            if_match=f'"{fields.get("version", "")}"',
            active=active,
        )
        return None

    return change


def _unlock(session: Session, signed: Signed, fields: dict[str, str]) -> Done:
    auth_service.unlock(
        session=session, principal=signed.principal, account_id=_number(fields, "account_id")
    )
    return None


def _reset_password(session: Session, signed: Signed, fields: dict[str, str]) -> Done:
    account = auth_service.get_or_404(session=session, account_id=_number(fields, "account_id"))
    auth_service.set_password(
        session=session,
        principal=signed.principal,
        account=account,
        password=_required(fields, "password"),
    )
    return None


def _rotate(session: Session, signed: Signed, fields: dict[str, str]) -> Done:
    account, secret = auth_service.rotate_client_secret(
        session=session, principal=signed.principal, account_id=_number(fields, "account_id")
    )
    return account.username, secret


def _add_authority(session: Session, signed: Signed, fields: dict[str, str]) -> Done:
    reference_service.create_authority(
        session=session,
        principal=signed.principal,
        data=AuthorityCreate.model_validate(
            {name: fields.get(name, "") for name in ("code", "label_fr", "label_en", "label_de")}
        ),
    )
    return None


def _stop_webhook(session: Session, signed: Signed, fields: dict[str, str]) -> Done:
    subscription_service.set_active(
        session=session,
        principal=signed.principal,
        subscription_id=_number(fields, "subscription_id"),
        active=False,
    )
    return None


# A baseline's counts, each a form field per key: `intake_M1`, `organisations_MRE`... (the
# longer prefix first: `reports_by_authority_` before `reports_`).
_BASELINE_COUNTS = (
    "intake",
    "closure",
    "organisations",
    "severity_at_year_end",
    "highest_severity",
    "reports_by_authority",
    "reports",
)


def _put_baseline(session: Session, signed: Signed, fields: dict[str, str]) -> Done:
    """A past year's published figures, as many as are known: a field left empty is unknown,
    not zero. Each field is named after the figure it gives (`intake_M1`,
    `groups_sexualised_closure`), so that a refusal stands next to it."""
    figures: dict[str, Any] = {
        name: fields.get(name) or None
        for name in ("situations", "without_closure_typology", "requalified", "source_note")
    }
    figures |= {counts: {} for counts in (*_BASELINE_COUNTS, "groups")}
    for name, value in fields.items():
        if not value:
            continue
        if name.startswith("groups_"):
            group, stage = name.removeprefix("groups_").rsplit("_", 1)
            figures["groups"].setdefault(group, {})[stage] = value
            continue
        for counts in _BASELINE_COUNTS:
            if name.startswith(f"{counts}_"):
                figures[counts][name.removeprefix(f"{counts}_")] = value
                break
    figures["requalifications"] = _pairs(fields.get("requalifications", ""))
    statistics_service.put_baseline(
        session=session,
        principal=signed.principal,
        year=_number(fields, "year"),
        figures=BaselineFigures.model_validate(figures),
        if_match=None,
    )
    return None


def _pairs(text: str) -> list[dict[str, str]] | None:
    """Requalification pairs, one a line: `M1 M21 3` (an arrow between the codes may stay)."""
    pairs = []
    for line in text.splitlines():
        words = line.replace("→", " ").replace(":", " ").split()
        if not words:
            continue
        if len(words) != 3:
            raise ValidationFailed.on("requalifications", PAIR_FORM)
        pairs.append(dict(zip(("from_code", "to_code", "count"), words, strict=True)))
    return pairs or None


PAIR_FORM = "one pair a line: the code at intake, the code at closure, the count (M1 M21 3)"


def _delete_baseline(session: Session, signed: Signed, fields: dict[str, str]) -> Done:
    statistics_service.delete_baseline(
        session=session, principal=signed.principal, year=_number(fields, "year"), if_match=None
    )
    return None


def _required(fields: dict[str, str], name: str) -> str:
    value = fields.get(name, "")
    if not value:
        raise ValidationFailed.on(name, "required")
    return value


def _role(fields: dict[str, str]) -> Role:
    try:
        return Role(_required(fields, "role"))
    except ValueError:
        raise ValidationFailed.on("role", "choose one of the list") from None


ACTIONS = {
    ("organisations", "create"): _create_organisation,
    ("organisations", "site"): _add_site,
    ("accounts", "create"): _create_person,
    ("accounts", "disable"): _set_active(False),
    ("accounts", "enable"): _set_active(True),
    ("accounts", "unlock"): _unlock,
    ("accounts", "password"): _reset_password,
    ("clients", "create"): _create_client,
    ("clients", "rotate"): _rotate,
    ("clients", "disable"): _set_active(False),
    ("authorities", "create"): _add_authority,
    ("webhooks", "stop"): _stop_webhook,
    ("baselines", "put"): _put_baseline,
    ("baselines", "delete"): _delete_baseline,
}

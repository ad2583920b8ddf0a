"""A new situation's form, and a situation's page with the forms that record what followed:
each calls the service the API calls."""

import uuid
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from app.console.pages import (
    CASE_ROLES,
    Forged,
    FormFields,
    Lang,
    Page,
    SignedIn,
    checked_form,
    errors_of,
    forged_page,
    labels_of,
    not_found_page,
)
from app.core.caller import SettingsDep
from app.core.db import SessionDep
from app.core.errors import AppError, Conflict, NotFound
from app.core.principal import Principal, Role
from app.idempotency import service as idempotency_service
from app.organisations import service as organisation_service
from app.reference import service as reference_service
from app.reference.labels import Language
from app.situations import records, schemas
from app.situations import service as situation_service
from app.situations.enums import Severity
from app.typologies import service as typology_service

router = APIRouter(include_in_schema=False)


# --- a new situation ------------------------------------------------------------------------

# The fields of the new situation's form, as the API's schema names them.
SITUATION_FIELDS = (
    "organisation",
    "site_id",
    "opened_on",
    "intake_typology",
    "severity",
    "requester_kind",
    "age_group",
    "summary",
)


class Filed(BaseModel):
    """What a filing keeps for a second click of the same form: where the situation is."""

    reference: str


@router.get("/situations/new")
def new_situation(request: Request, session: SessionDep, signed: SignedIn, lang: Lang) -> Response:
    page = signed.page(request, lang)
    if signed.principal.role not in CASE_ROLES:
        return not_found_page(page)
    values = {"opened_on": date.today().isoformat(), "form_id": str(uuid.uuid4())}
    return _situation_form(page, session, signed.principal, values, errors={})


@router.post("/situations/new")
def file_situation(
    request: Request,
    session: SessionDep,
    signed: SignedIn,
    lang: Lang,
    settings: SettingsDep,
    csrf: Annotated[str, Form(max_length=100)] = "",
    form_id: Annotated[str, Form(max_length=100)] = "",
    organisation: Annotated[str, Form(max_length=20)] = "",
    site_id: Annotated[str, Form(max_length=12)] = "",
    opened_on: Annotated[str, Form(max_length=10)] = "",
    intake_typology: Annotated[str, Form(max_length=3)] = "",
    severity: Annotated[str, Form(max_length=10)] = "",
    requester_kind: Annotated[str, Form(max_length=40)] = "",
    age_group: Annotated[str, Form(max_length=40)] = "",
    summary: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    """Files the situation once, however many times the form is sent (its `form_id` is an
    idempotency key), then shows it; an invalid form comes back with every error next to its
    field and everything typed kept."""
    page = signed.page(request, lang)
    principal = signed.principal
    if principal.role not in CASE_ROLES:
        return not_found_page(page)
    try:
        checked_form(request, signed, csrf)
    except Forged:
        return forged_page(request, lang)
    values = {
        "form_id": form_id,
        "organisation": organisation,
        "site_id": site_id,
        "opened_on": opened_on,
        "intake_typology": intake_typology,
        "severity": severity,
        "requester_kind": requester_kind,
        "age_group": age_group,
        "summary": summary,
    }
    # As the schema reads them: an empty field is a field not given.
    fields: dict[str, Any] = {name: values[name] or None for name in SITUATION_FIELDS}
    fields["site_id"] = int(site_id) if site_id.isdigit() else None
    fields["summary"] = summary
    errors = _opening_errors(session, principal, fields, lang)
    if not errors:
        data = schemas.SituationCreate.model_validate(fields)
        try:
            # A savepoint: a refused filing leaves nothing behind, and the page is still shown.
            with session.begin_nested():
                answer = idempotency_service.execute(
                    session=session,
                    principal=principal,
                    key=f"console-{form_id or uuid.uuid4()}",
                    request=idempotency_service.SentRequest(
                        "POST", "/situations/new", form_id.encode()
                    ),
                    ttl=timedelta(hours=settings.idempotency_ttl_hours),
                    status_code=201,
                    produce=lambda: idempotency_service.Result(
                        Filed(
                            reference=situation_service.create(
                                session=session, principal=principal, data=data
                            ).reference
                        )
                    ),
                )
        except Conflict:
            # The same form is being filed by its first click: its page, once that is done.
            return RedirectResponse(f"/situations/filed/{form_id}", status_code=303)
        except AppError as refused:
            errors = errors_of(refused, lang)
        else:
            reference = Filed.model_validate_json(bytes(answer.body)).reference
            return RedirectResponse(f"/situations/{reference}", status_code=303)
    return _situation_form(page, session, principal, values, errors, status_code=400)


@router.get("/situations/filed/{form_id}")
def filed(
    form_id: str, request: Request, session: SessionDep, signed: SignedIn, lang: Lang
) -> Response:
    """Where a form sent twice leads its second click: the situation its first one filed."""
    page = signed.page(request, lang)
    found = idempotency_service.stored_body(
        session=session, principal=signed.principal, key=f"console-{form_id}"
    )
    if found is None:
        return not_found_page(page)
    return RedirectResponse(
        f"/situations/{Filed.model_validate_json(found).reference}", status_code=303
    )


def _opening_errors(
    session: Session, principal: Principal, fields: dict[str, Any], lang: Language
) -> dict[str, str]:
    """Every mistake of a new situation's fields, each under its field: the schema's, then the
    service's rules on the rest (valid values standing in for the refused ones)."""
    errors: dict[str, str] = {}
    try:
        data = schemas.SituationCreate.model_validate(fields)
    except ValidationError as invalid:
        errors = errors_of(invalid, lang)
        stand_ins = {name: schemas.STAND_INS[name] for name in errors if name in schemas.STAND_INS}
        try:
            data = schemas.SituationCreate.model_validate(fields | stand_ins)
        except ValidationError:
            return errors
    try:
        situation_service.check_opening(session=session, principal=principal, data=data)
    except AppError as refused:
        errors = errors_of(refused, lang) | errors
    return errors


def _situation_form(
    page: Page,
    session: Session,
    principal: Principal,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    lang = page.lang
    organisations = organisation_service.list_(
        session=session, principal=principal, with_sites=True
    )
    return page.render(
        "new_situation.html",
        status_code=status_code,
        values=values,
        errors=errors,
        organisations=organisations,
        catalogue=typology_service.catalogue(session=session, lang=lang),
        requester_kinds=reference_service.requester_kinds(session=session, lang=lang).items,
        age_groups=reference_service.age_groups(session=session, lang=lang).items,
        severities=[Severity.RED, Severity.ORANGE, Severity.GREEN],
    )


# --- a situation ---------------------------------------------------------------------------


@router.get("/situations/{reference}")
def situation_page(
    reference: str, request: Request, session: SessionDep, signed: SignedIn, lang: Lang
) -> Response:
    page = signed.page(request, lang)
    if signed.principal.role not in CASE_ROLES:
        return not_found_page(page)
    try:
        return _situation(page, session, signed.principal, reference)
    except NotFound:
        return not_found_page(page)


# Each form of a situation's page: the service function it calls and the schema of its fields.
RECORDS: dict[str, tuple[records.RecordAction, type[BaseModel]]] = {
    "colour": (records.change_severity, schemas.SeverityChangeCreate),
    "report": (records.add_report, schemas.ReportCreate),
    "action": (records.add_action, schemas.ActionCreate),
    "review": (records.add_review, schemas.ReviewCreate),
    "close": (records.close, schemas.ClosureCreate),
    "reopen": (records.reopen, schemas.ReopeningCreate),
}


@router.post("/situations/{reference}/{kind}")
def record(
    reference: str,
    kind: str,
    request: Request,
    session: SessionDep,
    signed: SignedIn,
    lang: Lang,
    sent: FormFields,
) -> Response:
    """Records what followed, from one of the situation's forms, as the API does: then back to
    the situation; refused, the page again with the reasons next to the fields and what was
    typed kept. The form carries the version it was read at: if the situation changed since,
    nothing is recorded and the page says what changed."""
    page = signed.page(request, lang)
    principal = signed.principal
    if principal.role not in CASE_ROLES or (kind not in RECORDS and kind != "edit"):
        return not_found_page(page)
    try:
        checked_form(request, signed, sent.get("csrf", ""))
    except Forged:
        return forged_page(request, lang)
    fields = {
        name: value.strip()
        for name, value in sent.items()
        if name not in ("csrf", "version") and value.strip()
    }
    version = sent.get("version", "")
    errors: dict[str, str] = {}
    try:
        situation = situation_service.get_or_404(
            session=session, principal=principal, situation_id=reference
        )
    except NotFound:
        return not_found_page(page)
    try:
        # A savepoint: a refused change leaves nothing behind, and the page is still shown.
        with session.begin_nested():
            _record(session, principal, situation.id, kind, fields, version)
    except (ValidationError, AppError) as refused:
        errors = errors_of(refused, lang)
    else:
        return RedirectResponse(f"/situations/{reference}#timeline", status_code=303)
    return _situation(
        page,
        session,
        principal,
        reference,
        refused=kind,
        values=sent,
        errors=errors,
        read_at=int(version) if version.isdigit() else None,
    )


def _record(
    session: Session,
    principal: Principal,
    situation_id: str,
    kind: str,
    fields: dict[str, str],
    version: str,
) -> None:
    """What one of a situation's forms asks, through the service the API calls, at the
    version the form was read at."""
    if_match = f'"{version}"'
    if kind == "edit":
        records.update(
            session=session,
            principal=principal,
            situation_id=situation_id,
            if_match=if_match,
            # The form holds every field: one left empty is cleared.
            data=schemas.SituationUpdate.model_validate(
                {"age_group": None, "site_id": None, **fields}
            ),
        )
        return
    action, schema = RECORDS[kind]
    action(
        session=session,
        principal=principal,
        situation_id=situation_id,
        if_match=if_match,
        data=schema.model_validate(fields),
    )


def _situation(
    page: Page,
    session: Session,
    principal: Principal,
    reference: str,
    *,
    refused: str | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    read_at: int | None = None,
) -> Response:
    """A situation's page: its data, its timeline and its forms (the one `refused`, with its
    `values` and `errors`); and what changed since `read_at`, the version its form was read."""
    lang = page.lang
    situation = situation_service.read(session=session, principal=principal, situation_id=reference)
    history = schemas.to_history(
        *situation_service.history(session=session, principal=principal, situation_id=situation.id)
    ).entries
    changed = [
        entry
        for entry in history
        if read_at is not None
        and entry.situation_version is not None
        and entry.situation_version > read_at
    ]
    accesses = (
        situation_service.accesses(
            session=session, principal=principal, situation_id=situation.id, limit=50, cursor=None
        ).items
        if principal.role is Role.DELEGATE
        else None
    )
    catalogue = typology_service.catalogue(session=session, lang=lang)
    authorities = reference_service.authorities(session=session, lang=lang).items
    action_kinds = reference_service.action_kinds(session=session, lang=lang).items
    return page.render(
        "situation.html",
        status_code=400 if errors else 200,
        situation=schemas.to_read(situation),
        history=history,
        changed=changed,
        accesses=accesses,
        reported=any(e.kind == "authority_report" for e in history),
        refused=refused,
        values=values or {},
        errors=errors or {},
        today=date.today().isoformat(),
        catalogue=catalogue,
        typologies=labels_of(catalogue.codes),
        requester_kinds=labels_of(
            reference_service.requester_kinds(session=session, lang=lang).items
        ),
        age_groups=labels_of(reference_service.age_groups(session=session, lang=lang).items),
        authorities=labels_of(authorities),
        action_labels=labels_of(action_kinds),
        action_kinds=action_kinds,
        active_authorities=[item for item in authorities if item.active],
        severities=[Severity.RED, Severity.ORANGE, Severity.GREEN],
    )

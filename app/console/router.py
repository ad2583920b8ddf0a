"""The console's pages. Thin: each calls the services the API calls (the same rules, the same
scoping, the same audit) and renders HTML that works without JavaScript: forms post, then
redirect."""

import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from starlette.concurrency import run_in_threadpool

from app.auth import service as auth_service
from app.auth.models import Account
from app.console import sessions
from app.console.models import ConsoleSession
from app.console.words import WORDS, say
from app.core.caller import SettingsDep
from app.core.db import ReadingSessionDep, SessionDep, run_in_own_transaction, utcnow
from app.core.errors import AppError, Conflict, NotFound, PreconditionFailed, TooManyRequests
from app.core.principal import AccountKind, Principal, Role
from app.idempotency import service as idempotency_service
from app.organisations import service as organisation_service
from app.organisations.models import Organisation
from app.reference import service as reference_service
from app.reference.labels import Language
from app.reference.models import AgeGroup, Authority, DelegateActionKind, RequesterKind
from app.situations import records, schemas
from app.situations import service as situation_service
from app.situations.enums import Severity, SituationStatus
from app.statistics import export as statistics_export
from app.statistics import service as statistics_service
from app.typologies import service as typology_service
from app.typologies.models import Typology

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
LANG_COOKIE = "bientraitance_lang"
PAGE_SIZE = 25
# An open file nobody touched for this long needs a look.
UNTOUCHED_DAYS = 90
# Who may sign in to the console (reporters read the statistics only; machine clients have no
# console).
CONSOLE_ROLES = frozenset({Role.ADMIN, Role.DELEGATE, Role.COORDINATOR, Role.REPORTER})
CASE_ROLES = frozenset({Role.DELEGATE, Role.COORDINATOR})


class SignInFirst(AppError):
    """No valid session: the page sends to the login form. An ended session found on the way
    is removed for good (the transaction keeps it)."""

    keeps_changes = True


def language(request: Request) -> Language:
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    try:
        return Language(asked or "fr")
    except ValueError:
        return Language.FR


Lang = Annotated[Language, Depends(language)]


class Page:
    """What every page's template reads: the language, its words, who is signed in."""

    def __init__(self, request: Request, lang: Language, account: Account | None, csrf: str):
        self.request = request
        self.lang = lang
        self.account = account
        self.csrf = csrf

    def render(self, template: str, status_code: int = 200, **context: Any) -> Response:
        lang = self.lang

        def t(key: str, **values: object) -> str:
            return say(key, lang, **values)

        response = templates.TemplateResponse(
            self.request,
            template,
            {"page": self, "t": t, "lang": lang.value, "languages": list(Language), **context},
            status_code=status_code,
        )
        return _protected(response)


def _protected(response: Response) -> Response:
    """What every console page says to the browser: it may load only this service's files,
    keep nothing, and be framed by no one."""
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


class Signed:
    """The signed-in person of a console page: their session, account and principal."""

    def __init__(self, record: ConsoleSession, account: Account) -> None:
        self.session = record
        self.account = account
        self.principal: Principal = auth_service.to_principal(account)


def signed_in(request: Request, session: SessionDep, settings: SettingsDep) -> Signed:
    found = sessions.current(
        session=session, settings=settings, token=request.cookies.get(sessions.COOKIE)
    )
    if found is None or found[1].role not in CONSOLE_ROLES:
        raise SignInFirst()
    return Signed(*found)


SignedIn = Annotated[Signed, Depends(signed_in)]


def signed_in_to_read(
    request: Request, session: ReadingSessionDep, settings: SettingsDep
) -> Signed:
    """`signed_in`, for a page that only reads (the statistics): its session is marked as
    used afterwards, in a short transaction of its own (`seen`)."""
    found = sessions.current(
        session=session,
        settings=settings,
        token=request.cookies.get(sessions.COOKIE),
        touch=False,
    )
    if found is None or found[1].role not in CONSOLE_ROLES:
        raise SignInFirst()
    return Signed(*found)


SignedInToRead = Annotated[Signed, Depends(signed_in_to_read)]


def _checked_form(request: Request, signed: Signed, csrf: str) -> None:
    """A change comes from a form of this console: its session's token, from this origin."""
    origin = request.headers.get("origin")
    same_origin = origin is None or origin == f"{request.url.scheme}://{request.url.netloc}"
    if not same_origin or not sessions.same_token(signed.session.csrf_token, csrf):
        raise Forged()


class Forged(Exception):
    """A form that did not come from the console."""


def _cookie(response: Response, request: Request, name: str, value: str, **extra: Any) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
        **extra,
    )


# --- signing in and out -------------------------------------------------------------------


@router.get("/login")
def login_form(request: Request, lang: Lang, ended: bool = False, out: bool = False) -> Response:
    token = sessions.new_token()
    notice = "session_ended" if ended else "signed_out" if out else None
    response = Page(request, lang, None, token).render("login.html", notice=notice, error=None)
    _cookie(response, request, sessions.LOGIN_COOKIE, token)
    return response


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    lang: Lang,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if not sessions.same_token(request.cookies.get(sessions.LOGIN_COOKIE), csrf):
        return _forged(request, lang)
    error: str
    try:
        account = auth_service.check_credentials(
            session=session,
            settings=settings,
            kind=AccountKind.PERSON,
            name=email,
            secret=password,
            address=request.client.host if request.client else None,
        )
    except TooManyRequests as refused:
        minutes = -(-int(refused.headers["Retry-After"]) // 60)
        error = say("throttled", lang, minutes=minutes)
    except AppError:
        error = say("refused", lang)
    else:
        if account.role in CONSOLE_ROLES:
            token = sessions.start(session=session, account=account, settings=settings)
            response = RedirectResponse("/", status_code=303)
            _cookie(response, request, sessions.COOKIE, token)
            response.delete_cookie(sessions.LOGIN_COOKIE, path="/")
            return response
        error = say("no_console", lang)
    page = Page(request, lang, None, csrf)
    return page.render("login.html", status_code=400, notice=None, error=error, email=email)


@router.post("/logout")
def logout(
    request: Request,
    session: SessionDep,
    signed: SignedIn,
    lang: Lang,
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    try:
        _checked_form(request, signed, csrf)
    except Forged:
        return _forged(request, lang)
    sessions.end(session=session, token=request.cookies.get(sessions.COOKIE))
    response = RedirectResponse("/login?out=1", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response


@router.get("/language")
def choose_language(request: Request, to: Language, back: str = "/") -> Response:
    """The language at a click: kept in a cookie, then back to the page (of this site only)."""
    response = RedirectResponse(
        back if back.startswith("/") and not back.startswith("//") else "/", status_code=303
    )
    _cookie(response, request, LANG_COOKIE, to.value, max_age=365 * 24 * 3600)
    return response


def _forged(request: Request, lang: Lang) -> Response:
    page = Page(request, lang, None, "")
    return page.render("message.html", status_code=403, title=say("forged", lang), text=None)


# --- the caseload --------------------------------------------------------------------------


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/")
def caseload(
    request: Request,
    session: SessionDep,
    signed: SignedIn,
    lang: Lang,
    reference: Annotated[str, Query(max_length=20)] = "",
    organisation: Annotated[str, Query(max_length=20)] = "",
    typology: Annotated[str, Query(max_length=3)] = "",
    colour: Annotated[str, Query(max_length=10)] = "",
    status: Annotated[str, Query(max_length=10)] = "open",
    opened_from: Annotated[str, Query(max_length=10)] = "",
    opened_to: Annotated[str, Query(max_length=10)] = "",
    attention: Annotated[str, Query(max_length=20)] = "",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The open situations within reach by colour, what needs attention, and the situations
    the filters keep, newest first, a page at a time."""
    principal = signed.principal
    page = Page(request, lang, signed.account, signed.session.csrf_token)
    if principal.role is Role.REPORTER:
        return RedirectResponse("/statistics", status_code=303)
    if principal.role not in CASE_ROLES:
        return page.render("message.html", title=say("no_console", lang), text=None)
    today = date.today()
    review_year = today.year if today.month == 12 else today.year - 1
    untouched = utcnow() - timedelta(days=UNTOUCHED_DAYS)
    needs = {
        "red": situation_service.SituationFilters(
            status=SituationStatus.OPEN, red_without_report=True
        ),
        "review": situation_service.SituationFilters(
            status=SituationStatus.OPEN, without_review_for=review_year
        ),
        "untouched": situation_service.SituationFilters(
            status=SituationStatus.OPEN, untouched_since=untouched
        ),
    }
    filters = needs.get(attention) or situation_service.SituationFilters(
        reference=reference or None,
        organisation=organisation or None,
        intake_typology=typology or None,
        severity=Severity(colour) if colour in set(Severity) else None,
        status=SituationStatus(status) if status in set(SituationStatus) else None,
        opened_from=_date(opened_from),
        opened_to=_date(opened_to),
    )
    try:
        found, next_cursor = situation_service.list_(
            session=session, principal=principal, filters=filters, limit=PAGE_SIZE, cursor=cursor
        )
    except AppError:  # a cursor of another list, or altered: the first page
        found, next_cursor = situation_service.list_(
            session=session, principal=principal, filters=filters, limit=PAGE_SIZE, cursor=None
        )
    asked = {k: v for k, v in request.query_params.items() if k not in ("cursor", "lang") and v}
    return page.render(
        "caseload.html",
        by_colour=situation_service.open_by_colour(session=session, principal=principal),
        attention=[
            (key, situation_service.count(session=session, principal=principal, filters=f))
            for key, f in needs.items()
        ],
        review_year=review_year,
        untouched_days=UNTOUCHED_DAYS,
        items=[schemas.to_list_item(s) for s in found],
        next_page=f"/?{urlencode({**asked, 'cursor': next_cursor})}" if next_cursor else None,
        first_page="/?" + urlencode(asked) if cursor else None,
        asked={"status": "open", **asked} if not attention else asked,
        attention_asked=attention,
        organisations=[
            o.code for o in session.scalars(organisation_service.readable_organisations(principal))
        ],
        typologies=_labels(session, Typology, lang),
        severities=list(Severity),
        statuses=list(SituationStatus),
    )


def _labels(session: Session, model: Any, lang: Language) -> dict[str, str]:
    """Each code of a reference table, with its label in `lang`, in the table's order."""
    return {
        entry.code: entry.label(lang)
        for entry in session.scalars(select(model).order_by(model.position))
    }


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
    page = Page(request, lang, signed.account, signed.session.csrf_token)
    if signed.principal.role not in CASE_ROLES:
        return _not_found(page)
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
    page = Page(request, lang, signed.account, signed.session.csrf_token)
    principal = signed.principal
    if principal.role not in CASE_ROLES:
        return _not_found(page)
    try:
        _checked_form(request, signed, csrf)
    except Forged:
        return _forged(request, lang)
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
        reference = Filed.model_validate_json(bytes(answer.body)).reference
        return RedirectResponse(f"/situations/{reference}", status_code=303)
    return _situation_form(page, session, principal, values, errors, status_code=400)


@router.get("/situations/filed/{form_id}")
def filed(
    form_id: str, request: Request, session: SessionDep, signed: SignedIn, lang: Lang
) -> Response:
    """Where a form sent twice leads its second click: the situation its first one filed."""
    page = Page(request, lang, signed.account, signed.session.csrf_token)
    found = idempotency_service.stored_body(
        session=session, principal=signed.principal, key=f"console-{form_id}"
    )
    if found is None:
        return _not_found(page)
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
        for detail in invalid.errors():
            field = str(detail["loc"][0]) if detail["loc"] else "form"
            kind = "missing" if detail.get("input") is None else detail["type"]
            errors.setdefault(field, _reason(kind, detail["msg"], lang))
        stand_ins = {name: schemas.STAND_INS[name] for name in errors if name in schemas.STAND_INS}
        try:
            data = schemas.SituationCreate.model_validate(fields | stand_ins)
        except ValidationError:
            return errors
    try:
        situation_service.check_opening(session=session, principal=principal, data=data)
    except AppError as refused:
        for wrong in refused.errors or []:
            errors.setdefault(wrong.field, _reason("", wrong.reason, lang))
        if not refused.errors:
            errors.setdefault("form", refused.detail or refused.title)
    return errors


# The reasons a form's field is refused, in the console's words (others are shown as the
# service says them).
_REASONS = {
    "missing": "required",
    "string_too_short": "required",
    "date_from_datetime_parsing": "invalid_date",
    "date_parsing": "invalid_date",
    "date_type": "invalid_date",
    "enum": "choose",
    "literal_error": "choose",
    "must not be in the future": "in_future",
}


def _reason(kind: str, message: str, lang: Language) -> str:
    key = _REASONS.get(kind) or _REASONS.get(message)
    return say(key, lang) if key else message


def _situation_form(
    page: Page,
    session: Session,
    principal: Principal,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    lang = page.lang
    organisations = list(
        session.scalars(
            organisation_service.readable_organisations(principal).options(
                selectinload(Organisation.sites)
            )
        )
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


# --- statistics ------------------------------------------------------------------------------


@router.get("/statistics")
async def statistics_page(
    request: Request,
    session: ReadingSessionDep,
    signed: SignedInToRead,
    lang: Lang,
    year: Annotated[int | None, Query(ge=1990, le=2200)] = None,
    compare_to: Annotated[int | None, Query(ge=1990, le=2200)] = None,
    organisation: Annotated[str, Query(max_length=20)] = "",
    suppress_below: Annotated[int | None, Query(ge=2, le=100)] = None,
    format: Annotated[Literal["html", "csv"], Query()] = "html",
) -> Response:
    """A year's figures and its comparison, as the API counts them (coordinators: their
    organisation's), with charts; or the same figures as CSV."""
    principal = signed.principal
    page = Page(request, lang, signed.account, signed.session.csrf_token)
    year = year or date.today().year
    compare_to = compare_to or year - 1
    try:
        stats = await run_in_threadpool(
            statistics_service.annual,
            session=session,
            principal=principal,
            year=year,
            compare_to=compare_to,
            organisation=organisation or None,
            suppress_below=suppress_below,
            lang=lang,
        )
        choices = await run_in_threadpool(
            lambda: [
                o.code
                for o in session.scalars(organisation_service.readable_organisations(principal))
            ]
        )
    except AppError as refused:
        return page.render(
            "message.html", status_code=refused.status_code, title=refused.detail, text=None
        )

    def audited(write: Session) -> None:
        statistics_service.record_annual(session=write, principal=principal, stats=stats)
        sessions.seen(session=write, record=signed.session)

    await run_in_own_transaction(request, audited)
    if format == "csv":
        return _protected(
            Response(
                statistics_export.to_csv(stats),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="statistiques-{year}.csv"'},
            )
        )
    asked = {
        "year": year,
        "compare_to": compare_to,
        "organisation": organisation,
        "suppress_below": suppress_below or "",
    }
    return page.render(
        "statistics.html",
        stats=stats,
        asked=asked,
        organisations=choices,
        csv_link="/statistics?" + urlencode({**asked, "format": "csv"}),
        today_year=date.today().year,
        years=list(range(date.today().year, 2009, -1)),
    )


# --- a situation ---------------------------------------------------------------------------


@router.get("/situations/{reference}")
def situation_page(
    reference: str, request: Request, session: SessionDep, signed: SignedIn, lang: Lang
) -> Response:
    page = Page(request, lang, signed.account, signed.session.csrf_token)
    if signed.principal.role not in CASE_ROLES:
        return _not_found(page)
    try:
        return _situation(page, session, signed.principal, reference)
    except NotFound:
        return _not_found(page)


# Each form of a situation's page: the service function it calls and the schema of its fields.
RECORDS: dict[str, tuple[records.RecordAction, type[BaseModel]]] = {
    "colour": (records.change_severity, schemas.SeverityChangeCreate),
    "report": (records.add_report, schemas.ReportCreate),
    "action": (records.add_action, schemas.ActionCreate),
    "review": (records.add_review, schemas.ReviewCreate),
    "close": (records.close, schemas.ClosureCreate),
    "reopen": (records.reopen, schemas.ReopeningCreate),
}


async def form_fields(request: Request) -> dict[str, str]:
    """A form's fields as text (a file sent in a field is not one)."""
    form = await request.form()
    return {name: value for name, value in form.items() if isinstance(value, str)}


FormFields = Annotated[dict[str, str], Depends(form_fields)]


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
    page = Page(request, lang, signed.account, signed.session.csrf_token)
    principal = signed.principal
    if principal.role not in CASE_ROLES or (kind not in RECORDS and kind != "edit"):
        return _not_found(page)
    try:
        _checked_form(request, signed, sent.get("csrf", ""))
    except Forged:
        return _forged(request, lang)
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
        if kind == "edit":
            records.update(
                session=session,
                principal=principal,
                situation_id=situation.id,
                if_match=f'"{version}"',
                # The form holds every field: one left empty is cleared.
                data=schemas.SituationUpdate.model_validate(
                    {"age_group": None, "site_id": None, **fields}
                ),
            )
        else:
            action, schema = RECORDS[kind]
            action(
                session=session,
                principal=principal,
                situation_id=situation.id,
                if_match=f'"{version}"',
                data=schema.model_validate(fields),
            )
    except NotFound:
        return _not_found(page)
    except ValidationError as invalid:
        for detail in invalid.errors():
            field = str(detail["loc"][0]) if detail["loc"] else "form"
            missing = "missing" if detail.get("input") is None else detail["type"]
            errors.setdefault(field, _reason(missing, detail["msg"], lang))
    except PreconditionFailed:
        errors["form"] = say("changed_meanwhile", lang)
    except AppError as refused:
        for wrong in refused.errors or []:
            errors.setdefault(wrong.field, _reason("", wrong.reason, lang))
        if not refused.errors:
            rule = str(refused.extra.get("rule", ""))
            errors["form"] = (
                say(f"rule_{rule}", lang)
                if f"rule_{rule}" in WORDS
                else (refused.detail or refused.title)
            )
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
        catalogue=typology_service.catalogue(session=session, lang=lang),
        typologies=_labels(session, Typology, lang),
        requester_kinds=_labels(session, RequesterKind, lang),
        age_groups=_labels(session, AgeGroup, lang),
        authorities=_labels(session, Authority, lang),
        action_labels=_labels(session, DelegateActionKind, lang),
        action_kinds=reference_service.action_kinds(session=session, lang=lang).items,
        active_authorities=[
            item
            for item in reference_service.authorities(session=session, lang=lang).items
            if item.active
        ],
        severities=[Severity.RED, Severity.ORANGE, Severity.GREEN],
    )


def _not_found(page: Page) -> Response:
    """Another organisation's situation and an unknown one get the very same page."""
    return page.render(
        "message.html",
        status_code=404,
        title=say("not_found", page.lang),
        text=say("not_found_text", page.lang),
    )


def include_console(app: FastAPI) -> None:
    """The console's pages, and the files they load (served from this package, never from
    another host)."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @app.exception_handler(SignInFirst)
    async def sign_in_first(request: Request, _: SignInFirst) -> Response:
        ended = "?ended=1" if request.cookies.get(sessions.COOKIE) else ""
        response = RedirectResponse(f"/login{ended}", status_code=303)
        response.delete_cookie(sessions.COOKIE, path="/")
        return response

"""What every console page shares: who is signed in, in which language, the page's words and
headers, and the checks of a form sent to it."""

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from app.auth import service as auth_service
from app.auth.models import Account
from app.console import sessions
from app.console.models import ConsoleSession
from app.console.words import WORDS, say, say_reason
from app.core.caller import SettingsDep
from app.core.db import ReadingSessionDep, SessionDep
from app.core.errors import AppError, PreconditionFailed
from app.core.principal import Principal, Role
from app.reference.labels import Language
from app.reference.schemas import ReferenceItem
from app.typologies.schemas import TypologyRead

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
LANG_COOKIE = "bientraitance_lang"
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
            {
                "page": self,
                "t": t,
                "words": WORDS,
                "lang": lang.value,
                "languages": list(Language),
                **context,
            },
            status_code=status_code,
        )
        return protected(response)


def protected(response: Response) -> Response:
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

    def page(self, request: Request, lang: Language) -> Page:
        """The page this person is shown, with their session's token in its forms."""
        return Page(request, lang, self.account, self.session.csrf_token)


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


def checked_form(request: Request, signed: Signed, csrf: str) -> None:
    """A change comes from a form of this console: its session's token, from this origin."""
    origin = request.headers.get("origin")
    same_origin = origin is None or origin == f"{request.url.scheme}://{request.url.netloc}"
    if not same_origin or not sessions.same_token(signed.session.csrf_token, csrf):
        raise Forged()


class Forged(Exception):
    """A form that did not come from the console."""


def set_cookie(response: Response, request: Request, name: str, value: str, **extra: Any) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
        **extra,
    )


def forged_page(request: Request, lang: Lang) -> Response:
    page = Page(request, lang, None, "")
    return page.render("message.html", status_code=403, title=say("forged", lang), text=None)


def labels_of(items: Iterable[ReferenceItem | TypologyRead]) -> dict[str, str]:
    """Each code of a reference list (as the reference services give it) with its label."""
    return {item.code: item.label for item in items}


# What pydantic calls the ways a form's field is wrong, in the console's words.
_KINDS = {
    "missing": "required",
    "string_too_short": "required",
    "date_from_datetime_parsing": "invalid_date",
    "date_parsing": "invalid_date",
    "date_type": "invalid_date",
    "enum": "choose",
    "literal_error": "choose",
    "int_parsing": "not_a_number",
    "int_type": "not_a_number",
    "greater_than_equal": "at_least",
    "less_than_equal": "at_most",
    "string_too_long": "too_long",
}


def errors_of(refused: ValidationError | AppError, lang: Language) -> dict[str, str]:
    """What a refused form says, field by field, in the console's words; under "form", what
    belongs to no field (a rule of the register, a change made meanwhile)."""
    errors: dict[str, str] = {}
    if isinstance(refused, ValidationError):
        for detail in refused.errors():
            field = _field_of(detail["loc"])
            kind = "missing" if detail.get("input") in (None, "") else detail["type"]
            limits = detail.get("ctx", {})  # the bound a number or a text broke, if any
            reason = say(_KINDS[kind], lang, **limits) if kind in _KINDS else detail["msg"]
            errors.setdefault(field, reason)
        return errors
    if isinstance(refused, PreconditionFailed):
        return {"form": say("changed_meanwhile", lang)}
    for wrong in refused.errors or []:
        field = _field_of(tuple(wrong.field.split(".")))
        errors.setdefault(field, say_reason(wrong.template, wrong.values, lang))
    if not refused.errors:
        errors["form"] = said(refused, lang)
    return errors


def _field_of(location: tuple[int | str, ...]) -> str:
    """The form field a refusal is about: its location's names joined by "_" (`intake_M1` for
    the count of M1 at intake), up to a list's index (a list is one field)."""
    names = []
    for part in location:
        if isinstance(part, int) or part.isdigit():
            break
        names.append(part)
    return "_".join(names) or "form"


def said(refused: AppError, lang: Language) -> str:
    """A refusal that belongs to no field, in the reader's language."""
    rule = f"rule_{refused.extra.get('rule', '')}"
    if rule in WORDS:
        return say(rule, lang)
    return say_reason(refused.detail or refused.title, {}, lang)


def not_found_page(page: Page) -> Response:
    """Another organisation's situation and an unknown one get the very same page."""
    return page.render(
        "message.html",
        status_code=404,
        title=say("not_found", page.lang),
        text=say("not_found_text", page.lang),
    )


async def form_fields(request: Request) -> dict[str, str]:
    """A form's fields as text (a file sent in a field is not one)."""
    form = await request.form()
    return {name: value for name, value in form.items() if isinstance(value, str)}


FormFields = Annotated[dict[str, str], Depends(form_fields)]

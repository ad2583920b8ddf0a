"""Signing in and out of the console, and its language."""

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.auth import service as auth_service
from app.console import sessions
from app.console.pages import (
    CONSOLE_ROLES,
    LANG_COOKIE,
    Forged,
    Lang,
    Page,
    SignedIn,
    checked_form,
    forged_page,
    set_cookie,
)
from app.console.words import say
from app.core.caller import SettingsDep
from app.core.db import SessionDep
from app.core.errors import AppError, TooManyRequests
from app.core.principal import AccountKind
from app.reference.labels import Language

router = APIRouter(include_in_schema=False)


# --- signing in and out -------------------------------------------------------------------


@router.get("/login")
def login_form(request: Request, lang: Lang, ended: bool = False, out: bool = False) -> Response:
    token = sessions.new_token()
    notice = "session_ended" if ended else "signed_out" if out else None
    response = Page(request, lang, None, token).render("login.html", notice=notice, error=None)
    set_cookie(response, request, sessions.LOGIN_COOKIE, token)
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
        return forged_page(request, lang)
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
            set_cookie(response, request, sessions.COOKIE, token)
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
        checked_form(request, signed, csrf)
    except Forged:
        return forged_page(request, lang)
    sessions.end(session=session, token=request.cookies.get(sessions.COOKIE))
    response = RedirectResponse("/login?out=1", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response


@router.get("/language")
def choose_language(request: Request, to: Language, back: str = "/") -> Response:
    """The language at a click: kept in a cookie, then back to the page (of this site only)."""
    own_page = re.fullmatch(r"/([^/\\].*)?", back) is not None  # never //host nor /\host
    response = RedirectResponse(back if own_page else "/", status_code=303)
    set_cookie(response, request, LANG_COOKIE, to.value, max_age=365 * 24 * 3600)
    return response

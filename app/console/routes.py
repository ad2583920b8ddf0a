"""The console in the application: its pages and the files they load."""

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from app.console import admin, caseload, sessions, signin, situations, statistics
from app.console.pages import SignInFirst

# Each part of the console, with its pages.
PARTS = (signin, caseload, situations, statistics, admin)


def include_console(app: FastAPI) -> None:
    """The console's pages, and the files they load (served from this package, never from
    another host)."""
    for part in PARTS:
        app.include_router(part.router)
    files = StaticFiles(
        directory=Path(__file__).parent / "static",
        packages=[("app.statistics", "static")],  # the annual report's stylesheet
    )
    app.mount("/static", files, name="static")

    @app.exception_handler(SignInFirst)
    async def sign_in_first(request: Request, _: SignInFirst) -> Response:
        ended = "?ended=1" if request.cookies.get(sessions.COOKIE) else ""
        response = RedirectResponse(f"/login{ended}", status_code=303)
        response.delete_cookie(sessions.COOKIE, path="/")
        return response

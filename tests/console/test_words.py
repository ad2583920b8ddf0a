"""Every reason a service gives for refusing a field or a change has the console's words, in
French, English and German: a page never speaks the API's English to a delegate."""

import ast
import string
from datetime import date
from pathlib import Path

import pytest

from app.console.words import REASONS, WORDS, say_reason
from app.reference.labels import Language
from app.situations.rules import Earlier

APP = Path(__file__).resolve().parents[2] / "app"
# Refusals of API calls the console does not make: a webhook's destination.
API_ONLY = {"subscriptions/service.py"}


def _reasons() -> list[tuple[str, ast.expr]]:
    """Each reason given to ValidationFailed.on, Conflict(...) or not_before, with where."""
    found = []
    for path in sorted(APP.rglob("*.py")):
        where = str(path.relative_to(APP))
        if where.startswith("console/") or where in API_ONLY:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = ast.unparse(node.func)
            if name == "ValidationFailed.on":
                found.append((f"{where}:{node.lineno}", node.args[1]))
            elif name == "Conflict" and node.args:
                found.append((f"{where}:{node.lineno}", node.args[0]))
    return found


def test_every_reason_a_service_gives_has_the_consoles_words() -> None:
    reasons = _reasons()
    assert len(reasons) > 30  # the walk finds them
    for where, reason in reasons:
        # A template, its values given apart, so that a page can say it in its own words.
        assert isinstance(reason, ast.Constant), f"{where}: {ast.unparse(reason)}"
        assert reason.value in REASONS, f"{where}: {reason.value!r} has no words in the console"
    for earlier in Earlier:
        assert earlier.value in REASONS, earlier


@pytest.mark.parametrize("template", sorted(REASONS))
def test_each_reason_puts_its_values_in_every_language(template: str) -> None:
    names = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    for lang in Language:
        said = say_reason(template, dict.fromkeys(names, "7"), lang)
        assert "{" not in said, (template, lang)


def test_roles_and_dates_are_said_as_the_console_says_them() -> None:
    said = say_reason("required for the role '{role}'", {"role": "coordinator"}, Language.FR)
    assert said == f"Obligatoire pour le rôle « {WORDS['role_coordinator'][0]} »."
    said = say_reason(
        "before {what} ({earliest})",
        {"what": Earlier.LAST_CHANGE, "earliest": date(2026, 3, 5)},
        Language.DE,
    )
    assert said == "Das Datum liegt vor dem letzten Farbwechsel (05/03/2026)."

"""The `bientraitance` console command."""

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Literal, TextIO

import typer
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app import models as _every_model  # noqa: F401  (all tables known to the mappers)
from app.auth import service as auth_service
from app.auth.models import Account
from app.core import crypto
from app.core.config import get_settings
from app.core.db import make_engine, make_sessionmaker, transaction
from app.core.errors import AppError
from app.core.etag import etag
from app.core.migrate import upgrade_to_head
from app.core.principal import AccountKind, Principal, Role
from app.demo import DEMO_DATABASE_URL
from app.organisations.models import Organisation
from app.reference.labels import Language

# No local variables in a traceback: they would show passwords and keys.
app = typer.Typer(
    help="The bientraitance delegates' case register.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
users = typer.Typer(help="People's accounts.", no_args_is_help=True)
clients = typer.Typer(help="Machine clients (intranets, report scripts).", no_args_is_help=True)
organisations = typer.Typer(help="Member organisations.", no_args_is_help=True)
app.add_typer(users, name="users")
app.add_typer(clients, name="clients")
keys = typer.Typer(help="Encryption keys of the narratives.", no_args_is_help=True)
app.add_typer(organisations, name="organisations")
app.add_typer(keys, name="keys")
audit = typer.Typer(help="The audit trail.", no_args_is_help=True)
app.add_typer(audit, name="audit")
importing = typer.Typer(help="Import from spreadsheets.", no_args_is_help=True)
app.add_typer(importing, name="import")
exporting = typer.Typer(help="Export to spreadsheets.", no_args_is_help=True)
app.add_typer(exporting, name="export")
webhooks = typer.Typer(help="Webhooks to the intranets.", no_args_is_help=True)
app.add_typer(webhooks, name="webhooks")
retention = typer.Typer(help="The end of the retention period.", no_args_is_help=True)
app.add_typer(retention, name="retention")

sites = typer.Typer(help="The sites (services, houses) of an organisation.", no_args_is_help=True)
app.add_typer(sites, name="sites")
authorities = typer.Typer(help="The authorities a situation is reported to.", no_args_is_help=True)
app.add_typer(authorities, name="authorities")

PersonRole = Literal["admin", "delegate", "coordinator", "reporter"]
ClientRole = Literal["intranet", "reporter"]
EmailOption = Annotated[str, typer.Option(help="The account's login e-mail.")]
ClientIdOption = Annotated[str, typer.Option(help="The client's client_id (cli_…).")]
OrganisationOption = Annotated[
    str | None, typer.Option(help="Organisation code (coordinator and intranet roles).")
]


@contextmanager
def _sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on the database, whose connections are closed when the command ends."""
    engine = make_engine(database_url)
    try:
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()


def _fail(error: AppError) -> None:
    typer.secho(f"error: {error.detail or error.title}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


@app.command()
def migrate() -> None:
    """Bring the database to the latest schema."""
    upgrade_to_head(get_settings().database_url)
    typer.echo("database is at the latest schema")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Migrate the database, then serve the API."""
    import uvicorn

    from app.core.observability import MULTIPROCESS_DIRECTORY, uvicorn_log_config

    settings = get_settings()
    upgrade_to_head(settings.database_url)
    if workers > 1 and not os.environ.get(MULTIPROCESS_DIRECTORY):
        # The workers add up their metrics in files there (Prometheus' multiprocess mode).
        os.environ[MULTIPROCESS_DIRECTORY] = tempfile.mkdtemp(prefix="bientraitance-metrics-")
    uvicorn.run(
        "app.asgi:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        server_header=False,
        log_level=settings.log_level.lower(),
        log_config=uvicorn_log_config(settings.log_level),
    )


@users.command("create")
def create_user(
    email: Annotated[str, typer.Option(help="Login e-mail.")],
    role: Annotated[PersonRole, typer.Option(help="What the person does in the register.")],
    organisation: OrganisationOption = None,
    password: Annotated[
        str | None, typer.Option(help="At least 12 characters; asked for when left out.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
) -> None:
    """Create a person's account."""
    password = _new_password(password)
    with _sessions(get_settings().database_url) as factory:
        try:
            with transaction(factory) as session:
                account = auth_service.create_person(
                    session=session,
                    principal=None,
                    email=email,
                    role=Role(role),
                    password=password,
                    organisation_code=organisation,
                    display_name=name,
                )
                typer.echo(f"created {account.role.value} {account.username} (id {account.id})")
        except AppError as error:
            _fail(error)


@users.command("unlock")
def unlock_user(
    email: Annotated[str, typer.Option(help="Login e-mail (or a machine client's id).")],
) -> None:
    """Clear an account's failed logins, from every address: its owner may log in at once."""
    with _sessions(get_settings().database_url) as factory:
        try:
            with transaction(factory) as session:
                account = auth_service.find(session=session, kind=AccountKind.PERSON, name=email)
                account = account or auth_service.find(
                    session=session, kind=AccountKind.CLIENT, name=email
                )
                if account is None:
                    typer.secho(f"error: no account is named {email}", fg="red", err=True)
                    raise typer.Exit(code=1)
                cleared = auth_service.unlock(
                    session=session, principal=None, account_id=account.id
                )
        except AppError as error:
            _fail(error)
    typer.echo(f"{email}: failed logins cleared ({cleared} counts)")


@clients.command("create")
def create_client(
    name: Annotated[str, typer.Option(help="What the client is, e.g. 'MRE intranet'.")],
    role: Annotated[
        ClientRole, typer.Option(help="intranet: files for its organisation; reporter: statistics.")
    ],
    organisation: OrganisationOption = None,
) -> None:
    """Create a machine client and print its secret, once."""
    with _sessions(get_settings().database_url) as factory:
        try:
            with transaction(factory) as session:
                account, secret = auth_service.create_client(
                    session=session,
                    principal=None,
                    name=name,
                    role=Role(role),
                    organisation_code=organisation,
                )
                typer.echo(f"client_id={account.username}")
                typer.echo(f"client_secret={secret}")
                typer.secho("Store the secret now: it is not shown again.", err=True)
        except AppError as error:
            _fail(error)


@organisations.command("create")
def create_organisation(
    code: Annotated[str, typer.Option(help="Short code, e.g. MRE.")],
    name: Annotated[str, typer.Option(help="Full name.")],
) -> None:
    """Add a member organisation."""
    from app.organisations import service as organisation_service
    from app.organisations.schemas import OrganisationCreate

    data = OrganisationCreate(code=code, name=name)
    with _sessions(get_settings().database_url) as factory:
        try:
            with transaction(factory) as session:
                organisation_service.create(
                    session=session, principal=None, code=data.code, name=data.name
                )
                typer.echo(f"created organisation {data.code}")
        except AppError as error:
            _fail(error)


def _new_password(password: str | None) -> str:
    """The password given, or asked for (twice, hidden), or read from standard input."""
    if password is None:
        if not sys.stdin.isatty():
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 12:
        typer.secho("error: the password needs at least 12 characters", fg="red", err=True)
        raise typer.Exit(code=1)
    return password


def _account(session: Session, kind: AccountKind, name: str) -> Account:
    account = auth_service.find(session=session, kind=kind, name=name)
    if account is None:
        what = "person's account" if kind is AccountKind.PERSON else "client"
        typer.secho(f"error: no {what} is named {name}", fg="red", err=True)
        raise typer.Exit(code=1)
    return account


def _list_accounts(kind: AccountKind, everyone: bool) -> None:
    with _sessions(get_settings().database_url) as factory, transaction(factory) as session:
        codes = dict(session.execute(select(Organisation.id, Organisation.code)).all())
        statement = select(Account).where(Account.kind == kind).order_by(Account.id)
        if not everyone:
            statement = statement.where(Account.active.is_(True))
        for account in session.scalars(statement):
            state = "active" if account.active else "disabled"
            organisation = codes.get(account.organisation_id or 0, "-")
            typer.echo(
                f"{account.id:>5}  {account.role.value:<12} {organisation:<8} {state:<9} "
                f"{account.username}  {account.display_name}"
            )


def _set_active(kind: AccountKind, name: str, active: bool) -> None:
    with _sessions(get_settings().database_url) as factory:
        try:
            with transaction(factory) as session:
                account = _account(session, kind, name)
                auth_service.update(
                    session=session,
                    principal=None,
                    account_id=account.id,
                    if_match=etag(account.version),
                    active=active,
                )
        except AppError as error:
            _fail(error)
    said = "enabled" if active else "disabled: its tokens stop working at once"
    typer.echo(f"{name}: {said}")


@users.command("list")
def list_users(
    everyone: Annotated[
        bool, typer.Option("--all", help="Disabled accounts too.", metavar="")
    ] = False,
) -> None:
    """People's accounts: id, role, organisation, state, e-mail, name."""
    _list_accounts(AccountKind.PERSON, everyone)


@users.command("disable")
def disable_user(email: EmailOption) -> None:
    """Disable an account: it can no longer log in, and its tokens stop working at once."""
    _set_active(AccountKind.PERSON, email, False)


@users.command("enable")
def enable_user(email: EmailOption) -> None:
    """Enable a disabled account again."""
    _set_active(AccountKind.PERSON, email, True)


@users.command("reset-password")
def reset_password(
    email: EmailOption,
    password: Annotated[
        str | None, typer.Option(help="At least 12 characters; asked for when left out.")
    ] = None,
) -> None:
    """Give an account a new password: its tokens stop working, its owner logs in again."""
    password = _new_password(password)
    with _sessions(get_settings().database_url) as factory:
        try:
            with transaction(factory) as session:
                account = _account(session, AccountKind.PERSON, email)
                auth_service.set_password(
                    session=session, principal=None, account=account, password=password
                )
        except AppError as error:
            _fail(error)
    typer.echo(f"{email}: new password set")


@clients.command("list")
def list_clients(
    everyone: Annotated[
        bool, typer.Option("--all", help="Disabled clients too.", metavar="")
    ] = False,
) -> None:
    """Machine clients: id, role, organisation, state, client_id, name."""
    _list_accounts(AccountKind.CLIENT, everyone)


@clients.command("rotate")
def rotate_client(client_id: ClientIdOption) -> None:
    """Give a client a new secret, printed once: the old one and its tokens stop working."""
    with _sessions(get_settings().database_url) as factory:
        try:
            with transaction(factory) as session:
                account = _account(session, AccountKind.CLIENT, client_id)
                _, secret = auth_service.rotate_client_secret(
                    session=session, principal=None, account_id=account.id
                )
        except AppError as error:
            _fail(error)
    typer.echo(f"client_secret={secret}")
    typer.secho("Store the secret now: it is not shown again.", err=True)


@clients.command("disable")
def disable_client(client_id: ClientIdOption) -> None:
    """Disable a client: its tokens stop working at once."""
    _set_active(AccountKind.CLIENT, client_id, False)


@organisations.command("list")
def list_organisations() -> None:
    """Member organisations: code, state, name."""
    from app.organisations import service as organisation_service

    with _sessions(get_settings().database_url) as factory, transaction(factory) as session:
        for organisation in organisation_service.list_(session=session, principal=None):
            state = "active" if organisation.active else "inactive"
            typer.echo(f"{organisation.code:<8} {state:<9} {organisation.name}")


@sites.command("add")
def add_site(
    organisation: Annotated[str, typer.Option(help="The organisation's code.")],
    name: Annotated[str, typer.Option(help="The site's name, as the delegates know it.")],
) -> None:
    """Add a site to an organisation."""
    from app.organisations import service as organisation_service

    with _sessions(get_settings().database_url) as factory:
        try:
            with transaction(factory) as session:
                site = organisation_service.create_site(
                    session=session, principal=None, code=organisation, name=name
                )
                typer.echo(f"added site {site.name} to {organisation} (id {site.id})")
        except AppError as error:
            _fail(error)


@sites.command("list")
def list_sites(
    organisation: Annotated[str, typer.Option(help="The organisation's code.")],
) -> None:
    """An organisation's sites: id, state, name."""
    from app.organisations import service as organisation_service

    with _sessions(get_settings().database_url) as factory:
        try:
            with transaction(factory) as session:
                for site in organisation_service.list_sites(
                    session=session, principal=None, code=organisation
                ):
                    state = "active" if site.active else "inactive"
                    typer.echo(f"{site.id:>5}  {state:<9} {site.name}")
        except AppError as error:
            _fail(error)


@authorities.command("add")
def add_authority(
    code: Annotated[str, typer.Option(help="Short code, e.g. ombudsman.")],
    label_fr: Annotated[str, typer.Option(help="The name in French.")],
    label_en: Annotated[str, typer.Option(help="The name in English.")],
    label_de: Annotated[str, typer.Option(help="The name in German.")],
) -> None:
    """Add an authority a situation can be reported to."""
    from app.reference import service as reference_service
    from app.reference.schemas import AuthorityCreate

    try:
        data = AuthorityCreate(code=code, label_fr=label_fr, label_en=label_en, label_de=label_de)
    except ValidationError as error:
        typer.secho(f"error: {_reasons(error)}", fg="red", err=True)
        raise typer.Exit(code=1) from None
    with _sessions(get_settings().database_url) as factory:
        try:
            with transaction(factory) as session:
                reference_service.create_authority(session=session, principal=None, data=data)
        except AppError as error:
            _fail(error)
    typer.echo(f"added authority {code}")


@keys.command("generate")
def generate_key() -> None:
    """Print a new key entry (`id:key`) to put first in the keyring."""
    typer.echo(crypto.new_key_entry())


@keys.command("rotate")
def rotate_keys() -> None:
    """Re-encrypt every narrative with the keyring's first key; older keys can then go."""
    from app.models import Base

    settings = get_settings()
    crypto.install(crypto.load_keyring(settings))
    with _sessions(settings.database_url) as factory:
        count = crypto.rotate(factory=factory, metadata=Base.metadata)
        current = crypto.active_keyring().current
        typer.echo(f"{count} values re-encrypted; every narrative is now under key {current}")


@audit.command("verify")
def verify_audit() -> None:
    """Check the audit trail's hash chain from its first entry; exit 1 if it is broken."""
    from app.audit import chain

    with _sessions(get_settings().database_url) as factory:
        verdict = chain.verify(factory)
        for problem in verdict.problems:
            typer.secho(f"broken: {problem}", fg=typer.colors.RED, err=True)
        typer.echo(
            f"{verdict.entries} entries; head: position {verdict.head_position}, "
            f"hash {verdict.head_hash}"
        )
        if not verdict.intact:
            raise typer.Exit(code=1)
        typer.echo("the audit trail is intact (note the head to check later that no entry was cut)")


@retention.command("apply")
def apply_retention(
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="List what would be erased; change nothing.", metavar=""),
    ] = False,
    as_of: Annotated[
        str | None, typer.Option(help="The day to count from (YYYY-MM-DD); default today.")
    ] = None,
) -> None:
    """Erase the narratives and identifying details of the situations closed for longer than
    the retention period (BIENTRAITANCE_RETENTION_YEARS); their statistics stay the same."""
    from datetime import date, timedelta

    from app.situations import retention as retention_service

    settings = get_settings()
    crypto.install(crypto.load_keyring(settings))
    try:
        day = date.fromisoformat(as_of) if as_of else date.today()
    except ValueError:
        typer.secho("error: --as-of takes a date, YYYY-MM-DD", fg="red", err=True)
        raise typer.Exit(code=1) from None
    limit = retention_service.cutoff(as_of=day, years=settings.retention_years)
    with _sessions(settings.database_url) as factory:
        outcome = retention_service.apply(
            factory=factory,
            as_of=day,
            years=settings.retention_years,
            idempotency_ttl=timedelta(hours=settings.idempotency_ttl_hours),
            dry_run=dry_run,
        )
    verb = "would be erased" if dry_run else "erased"
    typer.echo(
        f"{outcome.situations} situations closed on or before {limit} {verb}"
        + (f": {', '.join(outcome.references)}" if outcome.references else "")
    )


AsOption = Annotated[
    str,
    typer.Option("--as", help="E-mail of the delegate or coordinator the work is done as."),
]


WORKERS = (Role.DELEGATE, Role.COORDINATOR)


def _principal(session: Session, email: str, exporting: bool = False) -> Principal:
    """The delegate or coordinator named (or, for an export, an admin)."""
    account = auth_service.find(session=session, kind=AccountKind.PERSON, name=email)
    allowed = {*WORKERS, Role.ADMIN} if exporting else set(WORKERS)
    if account is None or not account.active or account.role not in allowed:
        who = "delegate, coordinator or admin" if exporting else "delegate or coordinator"
        typer.secho(f"error: {email} is not an active {who}", fg="red", err=True)
        raise typer.Exit(code=1)
    return auth_service.to_principal(account)


@importing.command("situations")
def import_situations(
    file: Annotated[Path, typer.Argument(help="A .csv or .xlsx file, one situation a row.")],
    as_: AsOption,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row; write nothing.", metavar="")
    ] = False,
    skip_imported: Annotated[
        bool,
        typer.Option(
            "--skip-imported",
            help="Skip the rows imported already (saying which), instead of refusing the file.",
            metavar="",
        ),
    ] = False,
) -> None:
    """Import situations from a spreadsheet: all rows, or none when one is wrong. A row
    imported already is recognised, and refused (or skipped with --skip-imported)."""
    from app.situations import imports, spreadsheets

    settings = get_settings()
    crypto.install(crypto.load_keyring(settings))
    try:
        sheet = spreadsheets.read_sheet(file)
    except (OSError, spreadsheets.SpreadsheetError) as error:
        typer.secho(f"error: {file}: {error}", fg="red", err=True)
        raise typer.Exit(code=1) from None
    with _sessions(settings.database_url) as factory:
        # Checked by reading only, however long the file: the service goes on meanwhile.
        with transaction(factory, read_only=True) as session:
            principal = _principal(session, as_)
            with typer.progressbar(
                length=len(sheet.rows), label="checking", file=sys.stderr
            ) as bar:
                checked = imports.check_rows(
                    session=session,
                    principal=principal,
                    sheet=sheet,
                    key=imports.fingerprint_key(settings.signing_key),
                    skip_imported=skip_imported,
                    progress=bar.update,
                )
        for row_error in checked.errors:
            column = sheet.headers.get(row_error.field, row_error.field)
            where = "" if row_error.field == "row" else f"{column}: "
            typer.echo(f"line {row_error.line}: {where}{row_error.reason}")
        if checked.errors:
            bad_lines = len({e.line for e in checked.errors})
            typer.secho(
                f"{bad_lines} of {checked.rows} rows are wrong: nothing was imported",
                fg="red",
                err=True,
            )
            raise typer.Exit(code=1)
        for line, reference in checked.skipped:
            typer.echo(f"line {line}: imported already as {reference}: skipped")
        if dry_run:
            valid = len(checked.planned)
            typer.echo(f"{valid} rows are valid; nothing was written (dry run)")
            return
        try:
            with transaction(factory) as session:
                references = imports.write_rows(
                    session=session,
                    principal=_principal(session, as_),
                    planned=checked.planned,
                )
        except (AppError, IntegrityError) as error:
            # What the rows refer to changed, or another import wrote some of the same rows.
            said = error.detail or error.title if isinstance(error, AppError) else "rows imported"
            typer.secho(
                f"error: the register changed while the file was checked ({said}): "
                "nothing was imported; run the import again",
                fg="red",
                err=True,
            )
            raise typer.Exit(code=1) from None
    span = f": {references[0]} to {references[-1]}" if references else ""
    imported = f"{len(references)} situation{'s' if len(references) != 1 else ''} imported"
    skipped = f"; {len(checked.skipped)} imported already, skipped" if checked.skipped else ""
    typer.echo(f"{imported}{span}{skipped}")


@exporting.command("situations")
def export_situations(
    as_: AsOption,
    output: Annotated[
        Path | None, typer.Option(help="The CSV file to write (default: standard output).")
    ] = None,
    lang: Annotated[
        Literal["fr", "en", "de"],
        typer.Option(help="The sheet's language: its column names, words and dates."),
    ] = "fr",
) -> None:
    """The situations within the account's reach (an admin's: all) as CSV, without narrative,
    which `import situations` reads back; the export is audited. In French and German,
    semicolons and a byte-order mark, as their spreadsheets expect."""
    from app.core.cells import FormulaSafeWriter
    from app.situations import exports

    settings = get_settings()
    crypto.install(crypto.load_keyring(settings))
    with _sessions(settings.database_url) as factory, transaction(factory) as session:
        principal = _principal(session, as_, exporting=True)
        stream = _private_text_file(output) if output else sys.stdout
        try:
            stream.write("\ufeff")  # so that a spreadsheet reads UTF-8 as such
            writer = FormulaSafeWriter(stream, delimiter="," if lang == "en" else ";")
            for row in exports.export_rows(
                session=session, principal=principal, lang=Language(lang)
            ):
                writer.writerow(row)
        finally:
            if output:
                stream.close()


def _private_text_file(path: Path) -> TextIO:
    """A file for its owner's eyes only, as every file the service writes."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # were it there before, looser
    return os.fdopen(descriptor, "w", newline="", encoding="utf-8")


@webhooks.command("deliver")
def deliver_webhooks(
    once: Annotated[bool, typer.Option("--once", help="One round, then stop.", metavar="")] = False,
    every: Annotated[float, typer.Option(help="Seconds between rounds.")] = 5.0,
) -> None:
    """Send the webhook deliveries that are due (the server does it too, unless
    BIENTRAITANCE_WEBHOOKS_IN_PROCESS=false)."""
    import time

    from app.webhooks.delivery import deliver_due
    from app.webhooks.destinations import Allowed

    settings = get_settings()
    crypto.install(crypto.load_keyring(settings))
    allowed = Allowed.parse(settings.webhook_allowed_destinations)
    with _sessions(settings.database_url) as factory:
        while True:
            done = deliver_due(factory, allowed=allowed)
            if done.delivered or done.retried or done.failed or once:
                typer.echo(
                    f"{done.delivered} delivered, {done.retried} to retry, {done.failed} failed"
                )
            if once:
                return
            time.sleep(every)


@webhooks.command("list")
def list_webhooks(
    organisation: Annotated[
        str | None, typer.Option(help="Only this organisation's (its code).")
    ] = None,
) -> None:
    """Every organisation's webhooks: id, organisation, active or stopped, URL, events."""
    from app.subscriptions import service as subscription_service

    with (
        _sessions(get_settings().database_url) as factory,
        transaction(factory, read_only=True) as session,
    ):
        found = subscription_service.list_(
            session=session, principal=None, organisation=organisation
        )
        for subscription in found:
            state = "active" if subscription.active else "stopped"
            typer.echo(
                f"{subscription.id}\t{subscription.organisation.code}\t{state}\t"
                f"{subscription.url}\t{','.join(subscription.events)}"
            )
    if not found:
        typer.echo("no webhook")


@webhooks.command("disable")
def disable_webhook(
    subscription_id: Annotated[int, typer.Argument(help="Its id (see: webhooks list).")],
) -> None:
    """Stop a webhook: no event is sent to it any more (its pending ones wait)."""
    from app.subscriptions import service as subscription_service

    with _sessions(get_settings().database_url) as factory:
        try:
            with transaction(factory) as session:
                subscription_service.set_active(
                    session=session, principal=None, subscription_id=subscription_id, active=False
                )
        except AppError as error:
            _fail(error)
    typer.echo(f"webhook {subscription_id} stopped")


@app.command("demo")
def demo(
    situations: Annotated[int, typer.Option(help="How many situations.")] = 300,
    seed: Annotated[int, typer.Option(help="Same seed, same demo.")] = 2026,
    password: Annotated[
        str | None, typer.Option(help="The demo accounts' password (default: a random one).")
    ] = None,
    database_url: Annotated[
        str, typer.Option(help="The demo's own database, never the register's.")
    ] = DEMO_DATABASE_URL,
    fresh: Annotated[
        bool,
        typer.Option(
            "--fresh", help="Empty the demo's database first (it holds the demo only).", metavar=""
        ),
    ] = False,
) -> None:
    """Fill a database of its own with fictional organisations, accounts and situations over
    three years, to explore the API and the annual report."""
    from datetime import date

    from app import demo as demo_data

    settings = get_settings()
    upgrade_to_head(database_url)
    crypto.install(crypto.load_keyring(settings))
    try:
        if fresh:
            _start_the_demo_again(database_url)
        with _sessions(database_url) as factory:
            made = demo_data.fill(
                factory, today=date.today(), situations=situations, seed=seed, password=password
            )
    except demo_data.DemoRefused as error:
        typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None
    typer.echo(
        f"{made.situations} fictional situations over {made.years[0]}-{made.years[-1]}, "
        "in 3 fictional organisations (TIL, MOU, ARC)."
    )
    typer.echo(f"People (password {made.password}):")
    for email, role in made.people:
        typer.echo(f"  {role:<12} {email}")
    client_id, secret = made.reporter_client
    typer.echo(f"Annual-report client: client_id={client_id} client_secret={secret}")
    typer.echo(f"Serve it: BIENTRAITANCE_DATABASE_URL={database_url} sh scripts/serve.sh")


def _start_the_demo_again(database_url: str) -> None:
    """Remove the demo's SQLite database, once sure it holds the demo and nothing else."""
    from app import demo as demo_data
    from app.core.backup import sqlite_path

    with _sessions(database_url) as factory:
        if not demo_data.holds_the_demo_only(factory):
            raise demo_data.DemoRefused(
                "--fresh empties only a database that holds the demo and nothing else"
            )
    if not database_url.startswith("sqlite"):
        raise demo_data.DemoRefused(
            "--fresh starts a SQLite demo database again; empty a server's with its own tools"
        )
    database = sqlite_path(database_url)
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        path.unlink(missing_ok=True)
    upgrade_to_head(database_url)


@app.command("backup")
def backup_database(
    target: Annotated[Path, typer.Argument(help="The file to write; it must not exist.")],
) -> None:
    """Back up the SQLite database online (PostgreSQL: use pg_dump)."""
    from app.core import backup

    try:
        size = backup.backup(get_settings().database_url, target)
    except backup.BackupError as error:
        typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"backed up to {target} ({size:,} bytes); keep the encryption keys apart from it")


@app.command("restore")
def restore_database(
    source: Annotated[Path, typer.Argument(help="A file written by `bientraitance backup`.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Replace the current data.", metavar="")
    ] = False,
) -> None:
    """Replace the SQLite database's content with a backup, then migrate it to the latest
    schema. Stop the service first."""
    from app.core import backup

    if not yes:
        typer.secho("error: this replaces every record; add --yes", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1)
    settings = get_settings()
    try:
        backup.restore(settings.database_url, source)
    except backup.BackupError as error:
        typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None
    upgrade_to_head(settings.database_url)
    typer.echo(f"restored from {source}; the database is at the latest schema")


def main() -> None:
    try:
        app()
    except ValidationError as error:  # the settings (environment variables, .env)
        typer.secho(
            f"error: the configuration is not valid: {_reasons(error)}",
            fg=typer.colors.RED,
            err=True,
        )
        raise SystemExit(2) from None


def _reasons(error: ValidationError) -> str:
    """Each refused setting by its variable's name, never with the value given."""
    return "; ".join(
        "".join(f"BIENTRAITANCE_{str(part).upper()}: " for part in detail["loc"][:1])
        + str(detail["msg"]).removeprefix("Value error, ")
        for detail in error.errors()
    )

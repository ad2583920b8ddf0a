"""The annual statistics: how each figure of the annual report is computed.

The SQL that counts lives in `queries.py` (its docstring says which situations belong to a year
and which typology counts as "closure"); this module turns those counts, or a past year's
baseline, into figures compared with another year, with optional small-count suppression.
"""

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import service as audit_service
from app.core.db import utcnow
from app.core.errors import NotFound, ValidationFailed
from app.core.etag import require_if_match
from app.core.principal import Principal
from app.organisations.models import Organisation
from app.reference.labels import Language
from app.reference.models import Authority
from app.situations import scoping
from app.statistics import queries, schemas
from app.statistics.figures import (
    REPORT_STATUSES,
    SEVERITIES,
    TYPOLOGY_CODES,
    Count,
    Source,
    YearCounts,
    unknown,
)
from app.statistics.models import StatisticsBaseline
from app.statistics.suppression import Key, Sum, suppress
from app.typologies.models import Typology, TypologyGroup

FigureT = TypeVar("FigureT", bound=schemas.Figure)
ONE_DECIMAL = Decimal("0.1")


def percent(part: int, whole: int) -> float:
    """part / whole x 100 to one decimal, rounded half up, computed exactly."""
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(ONE_DECIMAL, ROUND_HALF_UP))


def change_pct(value: Count, previous: Count) -> float | None:
    if value is None or previous is None or previous == 0:
        return None
    return percent(value - previous, previous)


# --- counting -------------------------------------------------------------------------------


def _groups(session: Session) -> list[TypologyGroup]:
    return list(session.scalars(select(TypologyGroup).order_by(TypologyGroup.position)))


def counts_from_records(*, session: Session, year: int, organisation_id: int | None) -> YearCounts:
    cells = queries.year_cells(session=session, year=year, organisation_id=organisation_id)
    organisation_codes = dict(session.execute(select(Organisation.id, Organisation.code)).all())
    return _counts(cells, organisation_codes, _groups(session), organisation_id=organisation_id)


def counts_of_each_organisation(*, session: Session, year: int) -> dict[int, YearCounts]:
    """Every organisation's counts of the year (zeros for one without a situation), from one
    statement."""
    cells = queries.year_cells(
        session=session, year=year, organisation_id=None, by_organisation=True
    )
    organisation_codes = dict(session.execute(select(Organisation.id, Organisation.code)).all())
    groups = _groups(session)
    return {
        organisation_id: _counts(
            [cell for cell in cells if cell.organisation_id == organisation_id],
            organisation_codes,
            groups,
            organisation_id=organisation_id,
        )
        for organisation_id in organisation_codes
    }


def _counts(
    cells: list[queries.Cell],
    organisation_codes: dict[int, str],
    groups: list[TypologyGroup],
    *,
    organisation_id: int | None,
) -> YearCounts:
    counts = YearCounts(
        source=Source.RECORDS,
        situations=0,
        without_closure_typology=0,
        intake=dict.fromkeys(TYPOLOGY_CODES, 0),
        closure=dict.fromkeys(TYPOLOGY_CODES, 0),
        requalified=0,
        requalifications={},
        severity_at_year_end=dict.fromkeys(SEVERITIES, 0),
        highest_severity=dict.fromkeys(SEVERITIES, 0),
        reports=dict.fromkeys(REPORT_STATUSES, 0),
    )
    for cell in cells:
        match cell.section:
            case "total":
                counts.situations = cell.count
            case "intake":
                counts.intake[str(cell.key)] = cell.count
            case "closure" if cell.key is None:
                counts.without_closure_typology = cell.count
            case "closure":
                counts.closure[str(cell.key)] = cell.count
            case "requalification":
                pairs = counts.requalifications if counts.requalifications is not None else {}
                pairs[(str(cell.key), str(cell.key2))] = cell.count
                counts.requalifications = pairs
                counts.requalified = (counts.requalified or 0) + cell.count
            case "organisation":
                counts.organisations[organisation_codes[int(str(cell.key))]] = cell.count
            case "severity_end":
                counts.severity_at_year_end[str(cell.key)] = cell.count
            case "severity_max":
                counts.highest_severity[queries.RANK_SEVERITY[int(str(cell.key))]] = cell.count
            case "report":
                counts.reports[str(cell.key)] = cell.count
            case "authority":
                counts.reports_by_authority[str(cell.key)] = cell.count
    # Every organisation counted has its line, zero included: a line left out would say zero
    # just the same, and could not be hidden.
    for scope, code in organisation_codes.items():
        if organisation_id in (None, scope):
            counts.organisations.setdefault(code, 0)
    _derive_groups(counts, groups)
    return counts


def _derive_groups(counts: YearCounts, groups: list[TypologyGroup]) -> None:
    """A group's count is the sum of its codes' counts (each situation has exactly one code),
    where all of them are known; a baseline may give it directly instead."""
    for group in groups:
        members = [m.typology_code for m in group.members]
        for distribution, target in (
            (counts.intake, counts.group_intake),
            (counts.closure, counts.group_closure),
        ):
            if target.get(group.code) is not None:
                continue
            member_counts = [distribution.get(code) for code in members]
            known = [c for c in member_counts if c is not None]
            target[group.code] = sum(known) if len(known) == len(members) else None


def _known(values: Mapping[Any, int], keys: Iterable[str]) -> dict[str, Count]:
    """Every key, with its count where the baseline gives one and None where it does not."""
    by_name = {str(k): v for k, v in values.items()}
    return {key: by_name.get(key) for key in keys}


def counts_from_baseline(*, session: Session, baseline: StatisticsBaseline) -> YearCounts:
    figures = schemas.BaselineFigures.model_validate(baseline.figures)
    counts = YearCounts(
        source=Source.BASELINE,
        situations=figures.situations,
        without_closure_typology=figures.without_closure_typology,
        intake=_known(figures.intake, TYPOLOGY_CODES),
        closure=_known(figures.closure, TYPOLOGY_CODES),
        requalified=figures.requalified,
        requalifications=(
            {(r.from_code, r.to_code): r.count for r in figures.requalifications}
            if figures.requalifications is not None
            else None
        ),
        group_intake={code: g.intake for code, g in figures.groups.items()},
        group_closure={code: g.closure for code, g in figures.groups.items()},
        organisations=dict(figures.organisations),
        severity_at_year_end=_known(figures.severity_at_year_end, SEVERITIES),
        highest_severity=_known(figures.highest_severity, SEVERITIES),
        reports=_known(figures.reports, REPORT_STATUSES),
        reports_by_authority=dict(figures.reports_by_authority),
    )
    _derive_groups(counts, _groups(session))
    return counts


def year_counts(
    *, session: Session, year: int, organisation_id: int | None, fallback_empty: bool
) -> YearCounts:
    """The register's counts where the year has situations; otherwise the year's baseline
    (network-wide figures only); otherwise zeros (`fallback_empty`) or unknown."""
    counts = counts_from_records(session=session, year=year, organisation_id=organisation_id)
    if counts.situations:
        return counts
    baseline = session.get(StatisticsBaseline, year) if organisation_id is None else None
    if baseline is not None:
        return counts_from_baseline(session=session, baseline=baseline)
    return counts if fallback_empty else unknown()


# --- suppression ----------------------------------------------------------------------------


def _cells(counts: YearCounts) -> dict[Key, Count]:
    cells: dict[Key, Count] = {
        ("situations",): counts.situations,
        ("without_closure_typology",): counts.without_closure_typology,
        ("requalified",): counts.requalified,
    }
    sections: list[tuple[str, dict[str, Count]]] = [
        ("intake", counts.intake),
        ("closure", counts.closure),
        ("group_intake", counts.group_intake),
        ("group_closure", counts.group_closure),
        ("organisation", counts.organisations),
        ("severity_end", counts.severity_at_year_end),
        ("severity_max", counts.highest_severity),
        ("report", counts.reports),
        ("authority", counts.reports_by_authority),
    ]
    for section, values in sections:
        cells.update({(section, key): value for key, value in values.items()})
    for (source, target), value in (counts.requalifications or {}).items():
        cells[("requalification", source, target)] = value
    return cells


def _sums(counts: YearCounts, groups: list[TypologyGroup]) -> list[Sum]:
    total: tuple[Key, ...] = (("situations",),)
    sums = [
        Sum(totals=total, cells=tuple(("intake", c) for c in TYPOLOGY_CODES)),
        Sum(
            totals=total,
            cells=(*(("closure", c) for c in TYPOLOGY_CODES), ("without_closure_typology",)),
        ),
        Sum(totals=total, cells=tuple(("severity_end", s) for s in SEVERITIES)),
        Sum(totals=total, cells=tuple(("severity_max", s) for s in SEVERITIES)),
        Sum(totals=total, cells=tuple(("report", s) for s in REPORT_STATUSES)),
        Sum(
            totals=(("report", "reported"),),
            cells=tuple(("authority", a) for a in counts.reports_by_authority),
            # A situation reported to two authorities counts in both. Where none was, a reader
            # who guesses one authority each is right: the system must hold against that too.
            at_least=not _one_authority_each(counts),
        ),
        Sum(
            totals=(("requalified",),),
            cells=tuple(("requalification", a, b) for a, b in (counts.requalifications or {})),
        ),
    ]
    # The network's organisation lines add up to its total; an organisation's table has its
    # own line only, equal to its total.
    sums.append(Sum(totals=total, cells=tuple(("organisation", o) for o in counts.organisations)))
    for group in groups:
        members = [m.typology_code for m in group.members]
        sums.append(
            Sum(totals=(("group_intake", group.code),), cells=tuple(("intake", m) for m in members))
        )
        sums.append(
            Sum(
                totals=(("group_closure", group.code),),
                cells=tuple(("closure", m) for m in members),
            )
        )
    return sums


def _in(scope: int | None, key: Key) -> Key:
    """A table's cell in the system of every table: the scope, then the cell's own key."""
    return (scope, *cast(tuple[Any, ...], key))


def _published_together(
    *, session: Session, year: int, threshold: int, groups: list[TypologyGroup]
) -> dict[int | None, "Published"]:
    """What to hide in each table of a year that a reader may ask for: the network's and every
    organisation's, as one system. A reader can subtract the organisations' tables from the
    network's, or the authorities shown from the reports: suppressed one table at a time,
    hidden counts would come back. Here every table's cells, each table's own sums, each count
    of the network as the sum of the organisations' same count, and each organisation's line of
    the network as its own total, are solved together."""
    organisations = dict(session.execute(select(Organisation.id, Organisation.code)).all())
    tables: dict[int | None, YearCounts] = {
        None: counts_from_records(session=session, year=year, organisation_id=None)
    }
    network = tables[None]
    for organisation_id, counts in counts_of_each_organisation(session=session, year=year).items():
        # A line the network shows and an organisation's table left out would say "zero":
        # each organisation's table shows the network's lines, hidden like any small count.
        counts.requalifications = counts.requalifications or {}
        for pair in network.requalifications or {}:
            counts.requalifications.setdefault(pair, 0)
        for authority in network.reports_by_authority:
            counts.reports_by_authority.setdefault(authority, 0)
        tables[organisation_id] = counts
    values: dict[Key, Count] = {}
    sums: list[Sum] = []
    for scope, counts in tables.items():
        cells = _cells(counts)
        values.update({_in(scope, key): value for key, value in cells.items()})
        for check in _sums(counts, groups):
            sums.append(
                Sum(
                    totals=tuple(_in(scope, k) for k in check.totals),
                    cells=tuple(_in(scope, k) for k in check.cells),
                    at_least=check.at_least,
                )
            )
    by_code = {code: scope for scope, code in organisations.items()}
    for key in _cells(tables[None]):
        section = cast(tuple[str, ...], key)
        if section[0] == "organisation":
            parts: tuple[Key, ...] = ((by_code[section[1]], "situations"),)
        else:
            parts = tuple(_in(scope, key) for scope in organisations if _in(scope, key) in values)
        sums.append(Sum(totals=(_in(None, key),), cells=parts))
    # The network's number of situations heads the annual report: hidden only as a last resort.
    headline = [_in(None, ("situations",))]
    hidden = [cast(tuple[Any, ...], key) for key in suppress(values, threshold, sums, headline)]
    return {
        scope: Published(counts, {key[1:] for key in hidden if key[0] == scope})
        for scope, counts in tables.items()
    }


def _one_authority_each(counts: YearCounts) -> bool:
    authorities = list(counts.reports_by_authority.values())
    reported = counts.reports.get("reported")
    return None not in authorities and sum(a or 0 for a in authorities) == reported


# --- publication ----------------------------------------------------------------------------


class Published:
    """One year's counts as they may be shown: hidden keys read as None."""

    def __init__(self, counts: YearCounts, hidden: set[Key]) -> None:
        self.counts = counts
        self.cells = _cells(counts)
        self.hidden = hidden

    def get(self, key: Key) -> tuple[Count, bool]:
        if key in self.hidden:
            return None, True
        if key not in self.cells:
            # The register counts everything: what it did not count is zero. A baseline
            # leaves out what was not published: unknown.
            return (0 if self.counts.source is Source.RECORDS else None), False
        return self.cells[key], False


def _figure(
    model: type[FigureT], key: Key, current: Published, previous: Published, **extra: Any
) -> FigureT:
    value, hidden = current.get(key)
    before, hidden_before = previous.get(key)
    return model(
        value=value,
        previous=before,
        change_pct=change_pct(value, before),
        suppressed=hidden,
        previous_suppressed=hidden_before,
        **extra,
    )


def _shared(key: Key, current: Published, previous: Published) -> schemas.SharedFigure:
    def share(published: Published) -> float | None:
        value, _ = published.get(key)
        total, _ = published.get(("situations",))
        return percent(value, total) if value is not None and total else None

    return _figure(
        schemas.SharedFigure,
        key,
        current,
        previous,
        share_pct=share(current),
        previous_share_pct=share(previous),
    )


def _union(*keys: Any) -> list[Any]:
    seen: dict[Any, None] = {}
    for group in keys:
        for key in group:
            seen.setdefault(key, None)
    return list(seen)


def annual(
    *,
    session: Session,
    principal: Principal,
    year: int,
    compare_to: int | None,
    organisation: str | None,
    suppress_below: int | None,
    lang: Language,
) -> schemas.AnnualStatistics:
    organisation_id, organisation_code = scoping.organisation_to_count(
        session=session, principal=principal, code=organisation
    )
    comparison_year = compare_to if compare_to is not None else year - 1
    current = year_counts(
        session=session, year=year, organisation_id=organisation_id, fallback_empty=True
    )
    earlier = year_counts(
        session=session, year=comparison_year, organisation_id=organisation_id, fallback_empty=False
    )
    groups = _groups(session)

    def publish(counts: YearCounts, of_year: int) -> Published:
        if suppress_below is None or suppress_below <= 1:
            return Published(counts, set())
        if counts.source is not Source.BASELINE:
            together = _published_together(
                session=session, year=of_year, threshold=suppress_below, groups=groups
            )
            network = together[None].counts
            if network.situations:
                # An organisation without a situation that year is shown as hidden zeros, not
                # as "unknown", which would say zero.
                return together[organisation_id]
        # A baseline publishes the network's figures only.
        sums = _sums(counts, groups)
        return Published(counts, suppress(_cells(counts), suppress_below, sums))

    now, before = publish(current, year), publish(earlier, comparison_year)
    labels = {t.code: t.label(lang) for t in session.scalars(select(Typology))}
    authority_labels = {a.code: a.label(lang) for a in session.scalars(select(Authority))}
    organisation_names = dict(session.execute(select(Organisation.code, Organisation.name)).all())

    def figure(key: Key) -> schemas.Figure:
        return _figure(schemas.Figure, key, now, before)

    requalification_pairs = sorted(
        _union(now.counts.requalifications or {}, before.counts.requalifications or {}),
        key=lambda pair: (TYPOLOGY_CODES.index(pair[0]), TYPOLOGY_CODES.index(pair[1])),
    )
    return schemas.AnnualStatistics(
        year=year,
        lang=lang,
        organisation=organisation_code,
        source=current.source,
        comparison=schemas.Comparison(year=comparison_year, source=earlier.source),
        suppress_below=suppress_below,
        situations=figure(("situations",)),
        without_closure_typology=figure(("without_closure_typology",)),
        requalified=figure(("requalified",)),
        intake=[
            _figure(schemas.CodeFigure, ("intake", c), now, before, code=c, label=labels[c])
            for c in TYPOLOGY_CODES
        ],
        closure=[
            _figure(schemas.CodeFigure, ("closure", c), now, before, code=c, label=labels[c])
            for c in TYPOLOGY_CODES
        ],
        requalifications=[
            _figure(
                schemas.RequalificationFigure,
                ("requalification", a, b),
                now,
                before,
                from_code=a,
                to_code=b,
            )
            for a, b in requalification_pairs
        ],
        groups=[
            schemas.GroupFigures(
                code=g.code,
                label=g.label(lang),
                members=[m.typology_code for m in g.members],
                intake=_shared(("group_intake", g.code), now, before),
                closure=_shared(("group_closure", g.code), now, before),
            )
            for g in groups
        ],
        organisations=[
            _figure(
                schemas.OrganisationFigure,
                ("organisation", code),
                now,
                before,
                organisation=code,
                name=organisation_names.get(code, code),
            )
            for code in sorted(_union(current.organisations, earlier.organisations))
        ],
        severity_at_year_end=[
            _figure(schemas.SeverityFigure, ("severity_end", s), now, before, severity=s)
            for s in SEVERITIES
        ],
        highest_severity=[
            _figure(schemas.SeverityFigure, ("severity_max", s), now, before, severity=s)
            for s in SEVERITIES
        ],
        reports=[
            _figure(schemas.ReportFigure, ("report", s), now, before, status=s)
            for s in REPORT_STATUSES
        ],
        reports_by_authority=[
            _figure(
                schemas.AuthorityFigure,
                ("authority", code),
                now,
                before,
                authority=code,
                label=authority_labels.get(code, code),
            )
            for code in sorted(
                _union(now.counts.reports_by_authority, before.counts.reports_by_authority)
            )
        ],
    )


def record_annual(
    *, session: Session, principal: Principal, stats: schemas.AnnualStatistics
) -> None:
    """The audit entry of annual statistics that were read."""
    audit_service.record(
        session=session,
        principal=principal,
        action="statistics.annual",
        object_type="statistics",
        object_id=str(stats.year),
        detail={
            "compare_to": stats.comparison.year,
            "organisation": stats.organisation,
            "suppress_below": stats.suppress_below,
        },
    )


# --- baselines ------------------------------------------------------------------------------


def _check_baseline(*, session: Session, year: int, figures: schemas.BaselineFigures) -> None:
    if year >= utcnow().year:
        raise ValidationFailed.on("year", "a baseline is for a past year", "path")
    known_groups = {g.code: [m.typology_code for m in g.members] for g in _groups(session)}
    for code in figures.groups:
        if code not in known_groups:
            raise ValidationFailed.on(
                f"groups.{code}", "unknown group (see GET /api/v1/typologies)"
            )
    authorities = set(session.scalars(select(Authority.code)))
    for code in figures.reports_by_authority:
        if code not in authorities:
            raise ValidationFailed.on(f"reports_by_authority.{code}", "unknown authority")
    total = figures.situations
    closure_total = _full_sum(figures.closure, len(TYPOLOGY_CODES))
    consistency: list[tuple[str, int | None]] = [
        ("intake", _full_sum(figures.intake, len(TYPOLOGY_CODES))),
        (
            "closure",
            closure_total + figures.without_closure_typology
            if closure_total is not None and figures.without_closure_typology is not None
            else None,
        ),
        ("severity_at_year_end", _full_sum(figures.severity_at_year_end, len(SEVERITIES))),
        ("highest_severity", _full_sum(figures.highest_severity, len(SEVERITIES))),
        ("reports", _full_sum(figures.reports, len(REPORT_STATUSES))),
    ]
    if total is not None:
        for field, value in consistency:
            if value is not None and value != total:
                raise ValidationFailed.on(
                    field,
                    "the counts add up to {value}, not to the {total} situations",
                    value=value,
                    total=total,
                )
    for code, group in figures.groups.items():
        for stage, distribution in (("intake", figures.intake), ("closure", figures.closure)):
            given = getattr(group, stage)
            members = list(_known(distribution, known_groups[code]).values())
            known = [m for m in members if m is not None]
            if given is not None and len(known) == len(members) and sum(known) != given:
                raise ValidationFailed.on(
                    f"groups.{code}.{stage}",
                    "the group's codes add up to {known}, not {given}",
                    known=sum(known),
                    given=given,
                )
    if figures.requalifications is not None and figures.requalified is not None:
        listed = sum(r.count for r in figures.requalifications)
        if listed != figures.requalified:
            raise ValidationFailed.on(
                "requalifications",
                "the pairs add up to {listed}, not {requalified}",
                listed=listed,
                requalified=figures.requalified,
            )


def _full_sum(values: dict[Any, int], size: int) -> int | None:
    return sum(values.values()) if len(values) == size else None


def put_baseline(
    *,
    session: Session,
    principal: Principal,
    year: int,
    figures: schemas.BaselineFigures,
    if_match: str | None,
) -> tuple[StatisticsBaseline, bool]:
    _check_baseline(session=session, year=year, figures=figures)
    baseline = session.get(StatisticsBaseline, year)
    created = baseline is None
    data = figures.model_dump(mode="json", exclude_none=True)
    if baseline is None:
        if if_match is not None and if_match.strip() != "*":
            require_if_match(if_match, 0)
        baseline = StatisticsBaseline(year=year, figures=data, updated_by_id=principal.account_id)
        session.add(baseline)
    else:
        if if_match is not None:
            require_if_match(if_match, baseline.version)
        baseline.figures = data
        baseline.updated_by_id = principal.account_id
    session.flush()
    audit_service.record(
        session=session,
        principal=principal,
        action="statistics.baseline.put",
        object_type="statistics_baseline",
        object_id=str(year),
    )
    return baseline, created


def get_baseline(*, session: Session, year: int) -> StatisticsBaseline:
    baseline = session.get(StatisticsBaseline, year)
    if baseline is None:
        raise NotFound("No baseline for this year.")
    return baseline


def list_baselines(*, session: Session) -> list[StatisticsBaseline]:
    return list(session.scalars(select(StatisticsBaseline).order_by(StatisticsBaseline.year)))


def delete_baseline(
    *, session: Session, principal: Principal, year: int, if_match: str | None
) -> None:
    baseline = get_baseline(session=session, year=year)
    if if_match is not None:
        require_if_match(if_match, baseline.version)
    session.delete(baseline)
    session.flush()
    audit_service.record(
        session=session,
        principal=principal,
        action="statistics.baseline.delete",
        object_type="statistics_baseline",
        object_id=str(year),
    )

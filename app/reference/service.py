"""Reference data other than the typology: authorities, who asks, age groups, the kinds of a
delegate's action."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import service as audit_service
from app.core.errors import Conflict
from app.core.principal import Principal
from app.reference.labels import Language
from app.reference.models import AgeGroup, Authority, DelegateActionKind, RequesterKind
from app.reference.schemas import AuthorityCreate, ReferenceItem, ReferenceList


def authorities(*, session: Session, lang: Language) -> ReferenceList:
    rows = session.scalars(select(Authority).order_by(Authority.position, Authority.code))
    return ReferenceList(
        lang=lang,
        items=[ReferenceItem(code=a.code, label=a.label(lang), active=a.active) for a in rows],
    )


def requester_kinds(*, session: Session, lang: Language) -> ReferenceList:
    rows = session.scalars(select(RequesterKind).order_by(RequesterKind.position))
    return ReferenceList(
        lang=lang, items=[ReferenceItem(code=r.code, label=r.label(lang)) for r in rows]
    )


def action_kinds(*, session: Session, lang: Language) -> ReferenceList:
    rows = session.scalars(select(DelegateActionKind).order_by(DelegateActionKind.position))
    return ReferenceList(
        lang=lang, items=[ReferenceItem(code=r.code, label=r.label(lang)) for r in rows]
    )


def age_groups(*, session: Session, lang: Language) -> ReferenceList:
    rows = session.scalars(select(AgeGroup).order_by(AgeGroup.position))
    return ReferenceList(
        lang=lang, items=[ReferenceItem(code=r.code, label=r.label(lang)) for r in rows]
    )


def active_authority(*, session: Session, code: str) -> Authority | None:
    authority = session.get(Authority, code)
    return authority if authority is not None and authority.active else None


def create_authority(
    *, session: Session, principal: Principal | None, data: AuthorityCreate
) -> ReferenceItem:
    if session.get(Authority, data.code) is not None:
        raise Conflict("An authority with this code exists already.")
    position = (session.scalar(select(func.max(Authority.position))) or 0) + 1
    authority = Authority(position=position, **data.model_dump())
    session.add(authority)
    session.flush()
    audit_service.record(
        session=session,
        principal=principal,
        action="authority.create",
        object_type="authority",
        object_id=authority.code,
    )
    return ReferenceItem(code=authority.code, label=authority.label_fr, active=authority.active)

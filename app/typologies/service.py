"""The M1-M24 typology and its named groups, as seeded by the migrations."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.reference.labels import Language
from app.typologies.models import Typology, TypologyGroup
from app.typologies.schemas import TypologyCatalogue, TypologyGroupRead, TypologyRead


def exists(*, session: Session, code: str) -> bool:
    return session.get(Typology, code) is not None


def codes(*, session: Session, lang: Language) -> list[TypologyRead]:
    """The codes with their labels, in the typology's order (a list to choose from)."""
    typologies = session.scalars(select(Typology).order_by(Typology.position))
    return [TypologyRead(code=t.code, label=t.label(lang)) for t in typologies]


def catalogue(*, session: Session, lang: Language) -> TypologyCatalogue:
    listed = codes(session=session, lang=lang)
    groups = session.scalars(select(TypologyGroup).order_by(TypologyGroup.position))
    return TypologyCatalogue(
        lang=lang,
        codes=listed,
        groups=[
            TypologyGroupRead(
                code=g.code, label=g.label(lang), members=[m.typology_code for m in g.members]
            )
            for g in groups
        ],
    )

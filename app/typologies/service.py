"""The M1-M24 typology and its named groups, as seeded by the migrations."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.reference.labels import Language
from app.typologies.models import Typology, TypologyGroup
from app.typologies.schemas import TypologyCatalogue, TypologyGroupRead, TypologyRead


def exists(*, session: Session, code: str) -> bool:
    return session.get(Typology, code) is not None


def catalogue(*, session: Session, lang: Language) -> TypologyCatalogue:
    codes = session.scalars(select(Typology).order_by(Typology.position))
    groups = session.scalars(select(TypologyGroup).order_by(TypologyGroup.position))
    return TypologyCatalogue(
        lang=lang,
        codes=[TypologyRead(code=t.code, label=t.label(lang)) for t in codes],
        groups=[
            TypologyGroupRead(
                code=g.code, label=g.label(lang), members=[m.typology_code for m in g.members]
            )
            for g in groups
        ],
    )

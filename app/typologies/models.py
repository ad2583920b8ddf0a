from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base
from app.reference.labels import Labelled


class Typology(Labelled, Base):
    """One code of the M1-M24 typology."""

    __tablename__ = "typologies"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    position: Mapped[int] = mapped_column(unique=True)


class TypologyGroup(Labelled, Base):
    """A named set of codes the annual report gives figures for (e.g. sexualised component)."""

    __tablename__ = "typology_groups"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(unique=True)

    members: Mapped[list["TypologyGroupMember"]] = relationship(
        lazy="selectin", order_by="TypologyGroupMember.position"
    )


class TypologyGroupMember(Base):
    __tablename__ = "typology_group_members"

    group_code: Mapped[str] = mapped_column(ForeignKey("typology_groups.code"), primary_key=True)
    typology_code: Mapped[str] = mapped_column(ForeignKey("typologies.code"), primary_key=True)
    position: Mapped[int]

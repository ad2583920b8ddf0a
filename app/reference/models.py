from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base
from app.reference.labels import Labelled


class Authority(Labelled, Base):
    """A competent authority a situation can be reported to (prosecutor, police, ...)."""

    __tablename__ = "authorities"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)


class RequesterKind(Labelled, Base):
    """Who brought the situation to the delegates."""

    __tablename__ = "requester_kinds"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int]


class AgeGroup(Labelled, Base):
    """Age group of the beneficiaries concerned."""

    __tablename__ = "age_groups"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int]


class DelegateActionKind(Labelled, Base):
    """What a delegate did on a situation (a meeting, a call...): the codes of
    `situations.enums.ActionKind`, with their labels."""

    __tablename__ = "action_kinds"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int]

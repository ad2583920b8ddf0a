from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow


class StatisticsBaseline(Base):
    """A year's published totals from before the register existed (or from an older report):
    whatever is known of them, nothing invented."""

    __tablename__ = "statistics_baselines"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

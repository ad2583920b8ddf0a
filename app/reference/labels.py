from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column


class Language(StrEnum):
    FR = "fr"
    EN = "en"
    DE = "de"


class Labelled:
    """Reference rows carry the official French label and its English and German versions."""

    label_fr: Mapped[str] = mapped_column(String(300))
    label_en: Mapped[str] = mapped_column(String(300))
    label_de: Mapped[str] = mapped_column(String(300))

    def label(self, lang: Language) -> str:
        value: str = getattr(self, f"label_{lang.value}")
        return value

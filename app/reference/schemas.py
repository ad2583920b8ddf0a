from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from app.reference.labels import Language

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class ReferenceItem(BaseModel):
    code: str
    label: str
    active: bool = True


class ReferenceList(BaseModel):
    lang: Language
    items: list[ReferenceItem]


class AuthorityCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "ombudsman",
                    "label_fr": "Ombudsman",
                    "label_en": "Ombudsman",
                    "label_de": "Ombudsman",
                }
            ]
        },
    )

    code: Annotated[
        str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[a-z0-9_]{2,40}$")
    ]
    label_fr: Label
    label_en: Label
    label_de: Label

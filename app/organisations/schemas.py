from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Code = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,19}$"
    ),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class OrganisationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"code": "MRE", "name": "Maison relais Est"}]},
    )

    code: Code = Field(description="Short stable code, 2-20 letters, digits, `-` or `_`.")
    name: Name


class OrganisationUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "Maison relais de l'Est"}]}
    )

    name: Name | None = None
    active: bool | None = None


class SiteCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "Groupe de vie 1"}]}
    )

    name: Name


class SiteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    active: bool


class OrganisationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    active: bool
    created_at: datetime


class OrganisationList(BaseModel):
    items: list[OrganisationRead]

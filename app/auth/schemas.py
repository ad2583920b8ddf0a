from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from app.core.principal import AccountKind, Role

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Password = Annotated[str, StringConstraints(min_length=12, max_length=256)]
OrganisationCode = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=2, max_length=20)
]


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_in: int = Field(description="Lifetime of the token in seconds.")


class PersonCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "email": "delegue@example.org",
                    "role": "delegate",
                    "password": "a long and secret phrase",
                    "display_name": "Camille Martin",
                }
            ]
        },
    )

    email: EmailStr
    role: Role
    organisation: OrganisationCode | None = Field(
        default=None, description="Organisation code; required for a coordinator."
    )
    password: Password
    display_name: Name | None = None


class ClientCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "MRE intranet", "role": "intranet", "organisation": "MRE"}]
        },
    )

    name: Name
    role: Role
    organisation: OrganisationCode | None = Field(
        default=None, description="Organisation code; required for an intranet client."
    )


class AccountUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"active": False}]})

    display_name: Name | None = None
    active: bool | None = None


class AccountRead(BaseModel):
    id: int
    kind: AccountKind
    username: str = Field(description="E-mail of a person, client id of a machine client.")
    display_name: str
    role: Role
    organisation: str | None = Field(description="Organisation code, for scoped roles.")
    active: bool
    created_at: datetime


class ClientCreated(AccountRead):
    client_secret: str = Field(description="Shown once: only its hash is stored.")


class AccountPage(BaseModel):
    items: list[AccountRead]
    next_cursor: str | None

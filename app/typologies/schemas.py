from pydantic import BaseModel, Field

from app.reference.labels import Language


class TypologyRead(BaseModel):
    code: str = Field(examples=["M1"])
    label: str


class TypologyGroupRead(BaseModel):
    code: str = Field(examples=["sexualised"])
    label: str
    members: list[str] = Field(examples=[["M2", "M4", "M6", "M11", "M12", "M13", "M14"]])


class TypologyCatalogue(BaseModel):
    lang: Language
    codes: list[TypologyRead]
    groups: list[TypologyGroupRead]

from fastapi import APIRouter

from app.auth.dependencies import PrincipalDep
from app.core.db import SessionDep
from app.reference.labels import Language
from app.typologies import service
from app.typologies.schemas import TypologyCatalogue

router = APIRouter()


@router.get("", summary="The M1-M24 codes with their labels, and the named groups")
def get_typologies(
    session: SessionDep, _principal: PrincipalDep, lang: Language = Language.FR
) -> TypologyCatalogue:
    return service.catalogue(session=session, lang=lang)

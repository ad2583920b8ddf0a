from fastapi import APIRouter

from app.core.caller import PrincipalDep
from app.core.db import SessionDep
from app.core.errors import problem_responses
from app.reference.labels import Language
from app.typologies import service
from app.typologies.schemas import TypologyCatalogue

router = APIRouter()
PROBLEMS = problem_responses(401, 422)


@router.get(
    "", responses=PROBLEMS, summary="The M1-M24 codes with their labels, and the named groups"
)
def get_typologies(
    session: SessionDep, _principal: PrincipalDep, lang: Language = Language.FR
) -> TypologyCatalogue:
    return service.catalogue(session=session, lang=lang)

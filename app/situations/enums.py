from enum import StrEnum


class Severity(StrEnum):
    """The traffic light."""

    GREEN = "green"
    ORANGE = "orange"
    RED = "red"


class SituationStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ReportDecision(StrEnum):
    REPORTED = "reported"
    NOT_REPORTED = "not_reported"


class ActionKind(StrEnum):
    MEETING = "meeting"
    CALL = "call"
    ADVICE = "advice"
    EMAIL = "email"
    VISIT = "visit"
    OTHER = "other"

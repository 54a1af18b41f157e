"""Stage and outcome vocabulary, spelled exactly as the API and the event log spell it."""

from enum import StrEnum


class Stage(StrEnum):
    RECORDS = "records"
    TELECONSULT = "teleconsult"
    SCREENING = "screening"
    TRAVEL = "travel"
    APHERESIS = "apheresis"
    MANUFACTURING = "manufacturing"
    INFUSION = "infusion"
    STAY = "stay"
    FOLLOW_UP = "follow_up"
    ENDED = "ended"


PATHWAY: tuple[Stage, ...] = tuple(Stage)
OPEN_STAGES: frozenset[Stage] = frozenset(PATHWAY) - {Stage.ENDED}

# Once cells have been collected the patient carries clinical risk, so adverse
# events and deaths are reportable from here on.
POST_APHERESIS: frozenset[Stage] = frozenset({Stage.MANUFACTURING, Stage.INFUSION, Stage.STAY, Stage.FOLLOW_UP})


class Outcome(StrEnum):
    COMPLETED = "completed"
    INELIGIBLE = "ineligible"
    LAPSED = "lapsed"
    WITHDRAWN = "withdrawn"
    MANUFACTURING_FAILED = "manufacturing_failed"
    RELAPSED = "relapsed"
    DECEASED = "deceased"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    HIGH = "high"
    CRITICAL = "critical"

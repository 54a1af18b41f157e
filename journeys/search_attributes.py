"""Typed search attributes: only opaque values (stage, centre id, dates), never patient data."""

from temporalio.common import SearchAttributeKey

STAGE = SearchAttributeKey.for_keyword("JourneyStage")
CENTRE = SearchAttributeKey.for_keyword("JourneyCentre")
NEXT_DEADLINE = SearchAttributeKey.for_datetime("JourneyNextDeadline")
OVERDUE = SearchAttributeKey.for_bool("JourneyOverdue")
SEARCH_ATTRIBUTES = (STAGE, CENTRE, NEXT_DEADLINE, OVERDUE)

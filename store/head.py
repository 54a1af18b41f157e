"""A journey's tail as a writer last saw it, and the per-process cache of those heads."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from domain.state import JourneyState


@dataclass(frozen=True)
class Head:
    """A journey's tail as a writer last saw it; `has_row` says its projection row exists."""

    last_seq: int
    last_hash: str
    state: JourneyState | None
    has_row: bool


class HeadCache:
    """Recently written journeys' heads, so the next append skips reading the row.

    Only ever a hint: the expected-version update refuses a stale one, and the
    append then reads the database and tries again.
    """

    def __init__(self, size: int = 256) -> None:
        self._heads: OrderedDict[str, Head] = OrderedDict()
        self._size = size

    def get(self, journey_id: str) -> Head | None:
        head = self._heads.get(journey_id)
        if head is not None:
            self._heads.move_to_end(journey_id)
        return head

    def put(self, journey_id: str, head: Head) -> None:
        self._heads[journey_id] = head
        self._heads.move_to_end(journey_id)
        if len(self._heads) > self._size:
            self._heads.popitem(last=False)

    def drop(self, journey_id: str) -> None:
        self._heads.pop(journey_id, None)

    def clear(self) -> None:
        self._heads.clear()

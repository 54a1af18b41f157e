"""Who is acting: parsed once at the edge (API token, CLI flag, workflow message), a value everywhere after.

The stored and wire form stays the one string the event log has always held
(`centre:pku`, `ops:tok-1a2b3c4d`, `manager:tok-...`, `system`), so histories
recorded before this type existed still parse and replay.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_serializer, model_validator

Role = Literal["ops", "manager", "centre", "system"]
ROLES: tuple[Role, ...] = ("ops", "manager", "centre", "system")
_NAME = re.compile(r"^[A-Za-z0-9._@\-]{1,64}$")


class Actor(BaseModel):
    """role, the centre a centre actor speaks for, and the user (ops token tag, CLI, a named clinician)."""

    model_config = ConfigDict(frozen=True)

    role: Role
    centre: str | None = None
    user: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            return _split(data)
        return data

    @model_validator(mode="after")
    def _shape(self) -> Actor:
        if (self.role == "centre") != (self.centre is not None):
            raise ValueError("a centre actor names its centre, and only a centre actor does")
        for part in (self.centre, self.user):
            if part is not None and not _NAME.match(part):
                raise ValueError(f"actor part {part!r} is not a plain name")
        return self

    @model_serializer
    def _to_text(self) -> str:
        return str(self)

    @classmethod
    def parse(cls, text: str) -> Actor:
        return cls.model_validate(text)

    @classmethod
    def ops(cls, user: str) -> Actor:
        return cls(role="ops", user=user)

    @classmethod
    def of_centre(cls, centre: str, user: str | None = None) -> Actor:
        return cls(role="centre", centre=centre, user=user)

    def __str__(self) -> str:
        parts: list[str] = [self.role]
        if self.centre is not None:
            parts.append(self.centre)
        if self.user is not None:
            parts.append(self.user)
        return ":".join(parts)

    def speaks_for(self, centre_id: str) -> bool:
        return self.role == "centre" and self.centre == centre_id


SYSTEM = Actor(role="system")


def _split(text: str) -> dict[str, str | None]:
    role, _, rest = text.partition(":")
    if role not in ROLES:
        raise ValueError(f"unknown actor role {role!r} (expected one of {', '.join(ROLES)})")
    if role == "centre":
        centre, _, user = rest.partition(":")
        return {"role": role, "centre": centre, "user": user or None}
    return {"role": role, "user": rest or None}

"""Reference data models (products, centres, cost ranges); the data lives in domain/data/."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Product(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    name: str
    target: str
    indication: str
    year: int
    manufacturer: str


class Centre(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    name: str
    city: str
    # IANA zone of the centre's calendar: day 0 is the infusion day in this zone.
    time_zone: str = "Asia/Shanghai"


class CostRange(BaseModel):
    model_config = ConfigDict(frozen=True)
    min: int
    max: int

"""Loads the reference data and the policy book shipped in domain/data/."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from domain.capacity import CapacityFile, CentreCapacity
from domain.policy import PolicyBook
from domain.reference import Centre, CostRange, Product


def _read(name: str) -> Any:
    return json.loads(resources.files("domain").joinpath("data", name).read_text())


@lru_cache
def products() -> dict[str, Product]:
    return {p["id"]: Product.model_validate(p) for p in _read("products.json")}


@lru_cache
def centres() -> dict[str, Centre]:
    return {c["id"]: Centre.model_validate(c) for c in _read("centres.json")}


@lru_cache
def costs() -> dict[str, CostRange]:
    return {k: CostRange.model_validate(v) for k, v in _read("costs.json").items()}


def policy_book(path: Path | None = None) -> PolicyBook:
    text = path.read_text() if path else json.dumps(_read("policy.json"))
    return PolicyBook.model_validate_json(text)


def capacity_file(path: Path | None = None) -> CapacityFile:
    """Weekly centre capacity: the shipped file, or a deployment's own (JOURNEYS_CAPACITY_FILE)."""
    text = path.read_text() if path else json.dumps(_read("capacity.json"))
    data = CapacityFile.model_validate_json(text)
    # A typo in a centre or product id would silently leave it unlimited: refuse it at start.
    unknown = [c for c in data.centres if c not in centres()] + [
        p for entry in data.centres.values() for p in entry.manufacturing if p not in products()
    ]
    if unknown:
        raise ValueError(f"capacity file names unknown centres or products: {', '.join(unknown)}")
    return data


def capacities(path: Path | None = None) -> Callable[[str], CentreCapacity]:
    """Each centre's weekly capacity, counted in the centre's own calendar weeks."""
    data = capacity_file(path)

    def lookup(centre_id: str) -> CentreCapacity:
        return data.for_centre(centre_id, centre_time_zone(centre_id))

    return lookup


DEFAULT_TIME_ZONE = "Asia/Shanghai"


def centre_time_zone(centre_id: str) -> str:
    """The IANA zone a centre's appointments are in (the four partner centres: Asia/Shanghai)."""
    centre = centres().get(centre_id)
    return centre.time_zone if centre else DEFAULT_TIME_ZONE


def centre_name(centre_id: str) -> str:
    centre = centres().get(centre_id)
    return centre.name if centre else centre_id


def cost_ranges() -> dict[str, CostRange]:
    """The range an estimate is checked against: every catalogue product is approved in China."""
    table = costs()
    return {"usd": table["china_approved_usd"], "rmb": table["china_approved_rmb"]}

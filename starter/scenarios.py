"""The demo cohort: one scripted journey per branch of the pathway (DESIGN §1).

A step waits `after` pathway days (compressed by the demo policy), then acts as
the treating centre or as ops. `expect` is the HTTP status the step should get:
the simulator also shows refusals (early discharge, wrong-patient product).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# Milestones the hub's ops desk reports (the rest come from the treating centre).
OPS_KINDS = frozenset({"estimate_accepted", "payment_received", "deposit_overridden"})


@dataclass(frozen=True)
class Step:
    after: float
    kind: str
    fields: dict[str, Any] = field(default_factory=dict)
    expect: int = 200
    action: Literal["milestone", "withdraw"] = "milestone"
    # Days after the infusion this step happens (follow-up visits): it then keeps to the
    # patient's real clinical calendar, whatever the earlier steps took.
    on_day: float | None = None

    @property
    def by_ops(self) -> bool:
        return self.action == "withdraw" or self.kind in OPS_KINDS


def _front(coi: str) -> list[Step]:
    return [
        Step(1, "records_received", {"documents": ["pathology", "imaging", "prior_treatments"]}),
        Step(3, "teleconsult_completed", {"outcome": "proceed"}),
        Step(5, "eligibility_decided", {"eligible": True, "product": "axi-cel", "estimate_usd": 98000}),
        Step(2, "estimate_accepted"),
        # The deposit (0.30 of the estimate, USD 29,400) in RMB at the policy's 7.20: flights and
        # accommodation are booked once it is in.
        Step(1, "payment_received", {"amount": "211680.00", "currency": "RMB", "reference": "WIRE-DEPOSIT"}),
        Step(7, "patient_admitted", {"interpreter": True, "accommodation": "partner apartment"}),
        Step(2, "apheresis_completed", {"coi": coi}),
    ]


# The bedside check (second edition): the bag's COI and lot, read by two different staff.
BEDSIDE = {"verified_by": ["nurse-li", "nurse-zhang"]}


def _release_and_infuse(coi: str, lot: str = "LOT-1") -> list[Step]:
    return [
        Step(18, "product_released", {"coi": coi, "lot": lot}),
        Step(1, "infusion_completed", {"coi": coi, "lot": lot, **BEDSIDE}),
    ]


def _stay(days: int = 15, grades: dict[int, int] | None = None) -> list[Step]:
    # Daily reports until discharge: discharge needs a report from the last day with CRS/ICANS below 2.
    grades = grades or {}
    return [
        Step(1 if d else 0.2, "monitoring_reported", {"crs_grade": grades.get(d, 1 if d < 4 else 0), "icans_grade": 0})
        for d in range(days)
    ]


def _follow_up(responses: tuple[str, ...] = ("CR", "CR", "CR", "CR"), since: float = 14.7) -> list[Step]:
    # `since`: the day after infusion the patient was discharged; each visit falls on its own day.
    steps, prev = [], since
    for day, response in zip((30, 90, 180, 365), responses, strict=False):
        steps.append(Step(day - prev, "follow_up_recorded", {"visit_day": day, "response": response}, on_day=day + 0.5))
        prev = day
    return steps


def _full(coi: str, stay: list[Step] | None = None) -> list[Step]:
    return [
        *_front(coi),
        *_release_and_infuse(coi),
        *(stay or _stay()),
        Step(0.5, "discharged"),
        *_follow_up(since=14.7 if stay is None else len(stay) - 0.3),
    ]


def _happy(coi: str) -> list[Step]:
    """The whole pathway with its money: the centre's charges and the balance paid (USD 90,000 in all).
    Money steps take no pathway time (after=0), so the clinical timing stays the cohort's."""
    front, rest = _front(coi), [*_release_and_infuse(coi), *_stay(), Step(1.5, "discharged")]
    return [
        *front,
        Step(0, "charge_posted", {"item": "apheresis and cell collection", "amount": "86400.00", "currency": "CNY"}),
        *rest[:2],
        Step(0, "charge_posted", {"item": "CAR-T product (axi-cel)", "amount": "58000.00", "currency": "USD"}),
        *rest[2:],
        Step(0, "charge_posted", {"item": "inpatient stay, 14 days", "amount": "144000.00", "currency": "CNY"}),
        Step(0, "payment_received", {"amount": "60600.00", "currency": "USD", "reference": "WIRE-BALANCE"}),
        *_follow_up(),
    ]


SCENARIOS: dict[str, list[Step]] = {
    "happy path": _happy("COI-HAPPY"),
    "more records": [
        Step(1, "records_received"),
        Step(2, "teleconsult_completed", {"outcome": "more_records"}),
        *_full("COI-MORE"),
    ],
    "not a candidate": [Step(1, "records_received"), Step(3, "teleconsult_completed", {"outcome": "not_candidate"})],
    "ineligible": [
        Step(1, "records_received"),
        Step(3, "teleconsult_completed", {"outcome": "proceed"}),
        Step(4, "eligibility_decided", {"eligible": False, "reasons": ["CD19-negative relapse"]}),
    ],
    "re-apheresis": [
        *_front("COI-REAPH"),
        Step(12, "manufacturing_failed", {"reason": "low transduction efficiency", "next": "reapheresis"}),
        Step(3, "apheresis_completed", {"coi": "COI-REAPH"}),
        *_release_and_infuse("COI-REAPH", "LOT-2"),
        *_stay(),
        Step(0.5, "discharged"),
        *_follow_up(),
    ],
    "early discharge": [
        *_front("COI-EARLY"),
        *_release_and_infuse("COI-EARLY"),
        *_stay(6),
        Step(0.5, "discharged", expect=409),
        Step(0.5, "discharged", {"override_reason": "stable, family physician nearby; daily calls"}),
        *_follow_up(since=6.2),
    ],
    "grade 3 CRS": _full("COI-CRS", _stay(16, {1: 2, 2: 3, 3: 2})),
    "relapse": [
        *_front("COI-PD"),
        *_release_and_infuse("COI-PD"),
        *_stay(),
        Step(0.5, "discharged"),
        *_follow_up(("PR", "PD")),
    ],
    "wrong-patient bag": [
        *_front("COI-SAFE"),
        Step(18, "product_released", {"coi": "COI-SAFE", "lot": "LOT-9"}),
        Step(1, "infusion_completed", {"coi": "COI-OTHER", "lot": "LOT-9", **BEDSIDE}, expect=409),
        Step(0.5, "infusion_completed", {"coi": "COI-SAFE", "lot": "LOT-9", **BEDSIDE}),
        *_stay(),
        Step(0.5, "discharged"),
        *_follow_up(),
    ],
    "withdrawal": [
        *_front("COI-WD"),
        Step(6, "withdraw", {"reason": "patient chose treatment at home"}, action="withdraw"),
    ],
    "records lapse": [],
}

# -- chain of custody and the waiting list (DESIGN §1b) --------------------------------------


def _hand_off(after: float, coi: str, frm: str, to: str, temp: float, condition: str = "intact", **extra: Any) -> Step:
    return Step(
        after,
        "custody_transferred",
        {"coi": coi, "from_party": frm, "to_party": to, "condition": condition, "temperature_c": temp, **extra},
    )


def _custody_out(coi: str) -> list[Step]:
    """Fresh apheresis material to the manufacturing site, cold (2-8 °C)."""
    return [
        _hand_off(0.2, coi, "collection site", "courier (cold box)", 4.5, seal_id="SEAL-A1"),
        _hand_off(1, coi, "courier (cold box)", "manufacturing site", 5.0, seal_id="SEAL-A1"),
    ]


def _custody_back(coi: str, excursion: bool = False) -> list[Step]:
    """The cryopreserved product back to the centre's pharmacy, in a liquid-nitrogen dry shipper."""
    last = (
        _hand_off(
            1,
            coi,
            "courier (dry shipper)",
            "centre pharmacy",
            -118.0,
            "excursion",
            seal_id="SEAL-P1",
            excursion_minutes=35,
        )
        if excursion
        else _hand_off(1, coi, "courier (dry shipper)", "centre pharmacy", -178.0, seal_id="SEAL-P1")
    )
    return [_hand_off(0.3, coi, "manufacturing site", "courier (dry shipper)", -185.0, seal_id="SEAL-P1"), last]


def _custody_journey(coi: str, excursion: bool = False) -> list[Step]:
    release = [Step(16, "product_released", {"coi": coi, "lot": "LOT-C1"}), *_custody_back(coi, excursion)]
    if excursion:
        release += [
            Step(0.5, "infusion_completed", {"coi": coi, "lot": "LOT-C1", **BEDSIDE}, expect=409),
            Step(
                0.5,
                "quality_release",
                {
                    "coi": coi,
                    "approved_by": "qp-wang",
                    "decision": "release",
                    "reason": "35 min above -150 °C; viability within spec",
                },
            ),
            Step(0.5, "infusion_completed", {"coi": coi, "lot": "LOT-C1", **BEDSIDE}),
        ]
    else:
        release.append(Step(1, "infusion_completed", {"coi": coi, "lot": "LOT-C1", **BEDSIDE}))
    return [*_front(coi), *_custody_out(coi), *release, *_stay(), Step(0.5, "discharged"), *_follow_up()]


def _waitlisted(accept_after: float, withdraw_after: float) -> list[Step]:
    """Accepted at a full centre: reserved or waiting; withdrawn later (which promotes the next one)."""
    return [
        Step(1, "records_received"),
        Step(3, "teleconsult_completed", {"outcome": "proceed"}),
        Step(5, "eligibility_decided", {"eligible": True, "product": "axi-cel", "estimate_usd": 95000}),
        Step(accept_after, "estimate_accepted"),
        Step(withdraw_after, "withdraw", {"reason": "patient chose a centre with an earlier slot"}, action="withdraw"),
    ]


SCENARIOS.update(
    {
        "chain of custody": _custody_journey("COI-CUST"),
        "cold-chain excursion": _custody_journey("COI-EXC", excursion=True),
        # Fuda has one apheresis chair a week in the demo's capacity file: with the grade 3 CRS
        # journey these fill its two bookable weeks and put the rest on the waiting list.
        "waiting list A": _waitlisted(5, 16),
        "waiting list B": _waitlisted(6, 30),
        "waiting list C": _waitlisted(7, 32),
    }
)

CENTRE_ROTATION = ("pku", "ludaopei", "fuda", "jiahui")
# Scenarios that need a particular centre (its capacity); the others rotate.
CENTRE_OF: dict[str, str] = {"waiting list A": "fuda", "waiting list B": "fuda", "waiting list C": "fuda"}

# Patients' languages (BCP 47): the happy path reads Simplified Chinese, the others rotate,
# so the demo mailbox shows English, Chinese, Russian and Arabic (right to left).
LANGUAGES = {"happy path": "zh-CN"}
LANGUAGE_ROTATION = ("en", "ru", "ar", "zh-CN")


def language_of(scenario: str, index: int) -> str:
    return LANGUAGES.get(scenario, LANGUAGE_ROTATION[index % len(LANGUAGE_ROTATION)])

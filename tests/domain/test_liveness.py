"""Liveness, as a property (second edition): no journey ever waits on nothing.

Hypothesis drives random sequences of milestones (mostly what the stage expects, sometimes
anything, sometimes wrong), timer firings and ops commands, and after every step checks:

- an open journey has a pending deadline, or a milestone that some actor may still send
  and that the pathway would accept right now;
- an ended journey has exactly one outcome (one `journey_ended`, nothing after it but bookkeeping);
- folding the recorded events rebuilds the live state.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from domain import events as ev
from domain import rules, timers
from domain.clock import day_number
from domain.errors import JourneyRuleError
from domain.milestones import MILESTONE_KINDS
from domain.policy import PathwayPolicy
from domain.stages import Stage
from domain.state import fold
from tests.helpers.pathway import COI, OPS, Pathway

BEDSIDE = {"verified_by": ["rn-a", "rn-b"]}


def progress(p: Pathway) -> list[tuple[str, dict[str, Any]]]:
    """Milestones that move the journey on from where it is (what a centre or ops would send next)."""
    state = p.state
    coi, lot = state.coi or COI, state.lot or "LOT-1"
    match state.stage:
        case Stage.RECORDS:
            return [("records_received", {})]
        case Stage.TELECONSULT:
            return [("teleconsult_completed", {"outcome": "proceed"})]
        case Stage.SCREENING if state.eligible:
            return [("estimate_accepted", {})]
        case Stage.SCREENING:
            return [("eligibility_decided", {"eligible": True, "product": "axi-cel", "estimate_usd": 90_000})]
        case Stage.TRAVEL:
            return [("patient_admitted", {})]
        case Stage.APHERESIS:
            return [("apheresis_completed", {"coi": coi})]
        case Stage.MANUFACTURING:
            signed = {"out_of_spec_approved_by": "dr-wu"} if state.out_of_spec else {}
            return [("product_released", {"coi": coi, "lot": lot, **signed})]
        case Stage.INFUSION:
            return [("infusion_completed", {"coi": coi, "lot": lot, **BEDSIDE})]
        case Stage.STAY:
            return [
                ("monitoring_reported", {"crs_grade": 0, "icans_grade": 0}),
                ("discharged", {"override_reason": "physician's decision"}),
            ]
        case Stage.FOLLOW_UP if state.infused_at:
            return [
                ("follow_up_recorded", {"visit_day": max(1, day), "response": "CR"})
                for day in [day_number(state.policy, state.time_zone, state.infused_at, p.now)]
            ]
    return []


def someone_may_move_it_on(p: Pathway) -> bool:
    for kind, fields in progress(p):
        try:
            p.decide(p.milestone(kind, **fields))
            return True
        except JourneyRuleError:
            continue
    return False


WRONG: dict[str, list[dict[str, Any]]] = {
    "infusion_completed": [{"coi": COI}, {"coi": COI, "lot": "LOT-9", **BEDSIDE}, {"coi": "COI-OTHER", **BEDSIDE}],
    "manufacturing_failed": [{"reason": "x", "next": n} for n in ("reapheresis", "out_of_spec", "stop")],
    "monitoring_reported": [{"crs_grade": g, "icans_grade": i} for g, i in ((0, 0), (2, 0), (3, 1), (4, 4), (1, 3))],
    "discharged": [{}, {"override_reason": "stable"}],
    "follow_up_recorded": [{"visit_day": d, "response": r} for d in (15, 30, 90) for r in ("CR", "PD")],
    "adverse_event_reported": [{"term": "rash", "grade": g} for g in (1, 3, 4, 5)],
    "death_reported": [{"cause": "sepsis"}],
    "teleconsult_completed": [{"outcome": o} for o in ("more_records", "not_candidate")],
    "eligibility_decided": [{"eligible": False}, {"eligible": True, "product": "nope"}],
}

# Ops withdraw rarely, so walks get deep into the pathway.
ACTIONS = st.sampled_from(["next"] * 20 + ["other"] * 8 + ["later"] * 10 + ["ack"] * 2 + ["withdraw"])
DAYS = st.sampled_from([0.25, 1, 3, 8, 15, 20, 45, 100, 400])


def step(p: Pathway, data: st.DataObject) -> None:
    action = data.draw(ACTIONS)
    before = p.state
    try:
        if action == "later":
            p.later(data.draw(DAYS))
            return
        if action == "withdraw":
            p.withdraw("random walk")
        elif action == "ack":
            if p.state.open_alerts:
                p.apply(rules.acknowledge(p.state, p.state.open_alerts[0].alert_id, "", OPS, p.now))
        elif action == "next":
            choices = progress(p) or [("death_reported", {"cause": "x"})]
            kind, fields = data.draw(st.sampled_from(choices))
            p.report(kind, **fields)
        else:
            kind = data.draw(st.sampled_from(sorted(WRONG) + list(MILESTONE_KINDS)))
            fields = data.draw(st.sampled_from(WRONG.get(kind, [{}])))
            p.report(kind, **fields)
    except (JourneyRuleError, ValueError):
        # Refused (or not even a valid body): nothing may have changed.
        assert p.state == before or p.state.alert_count > before.alert_count


def check(p: Pathway) -> None:
    s = p.state
    if not s.ended:
        assert timers.deadlines(s) or someone_may_move_it_on(p), f"stuck in {s.stage}"
    ends = [e for e in p.events if isinstance(e, ev.JourneyEnded)]
    assert len(ends) == (1 if s.ended else 0)
    if s.ended:
        assert s.outcome is not None and s.outcome == ends[0].outcome
    records = [ev.to_record(e, i + 1) for i, e in enumerate(p.events)]
    rebuilt = [r.to_event() for r in records]
    assert isinstance(rebuilt[0], ev.JourneyStarted)
    assert fold(rebuilt[0], rebuilt[1:]) == s


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_journey_ever_waits_on_nothing(data: st.DataObject) -> None:
    p = Pathway(PathwayPolicy(), edition=2, catalogue={"axi-cel": PathwayPolicy()})
    for _ in range(data.draw(st.integers(5, 80))):
        step(p, data)
        check(p)
        if p.state.ended:
            break
    event(f"reached {p.state.outcome or p.state.stage}")

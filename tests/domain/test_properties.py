"""Property tests: any sequence of milestones, timers and ops commands keeps the machine sound."""

from __future__ import annotations

import functools
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from domain import events as ev
from domain import rules, timers
from domain.errors import JourneyRuleError
from domain.milestones import MILESTONE_KINDS, parse_milestone
from domain.stages import Stage
from domain.state import fold
from tests.helpers.pathway import COI, OPS, Pathway

# Mostly what the current stage expects, so random walks get deep into the pathway.
NEXT_KIND: dict[Stage, list[str]] = {
    Stage.RECORDS: ["records_received"],
    Stage.TELECONSULT: ["teleconsult_completed"],
    Stage.SCREENING: ["eligibility_decided", "estimate_accepted"],
    Stage.TRAVEL: ["patient_admitted", "payment_received", "deposit_overridden"],
    Stage.APHERESIS: ["apheresis_completed"],
    Stage.MANUFACTURING: [
        "product_released",
        "manufacturing_failed",
        "adverse_event_reported",
        "custody_transferred",
        "quality_release",
    ],
    Stage.INFUSION: ["infusion_completed", "custody_transferred", "quality_release"],
    Stage.STAY: ["monitoring_reported", "discharged", "adverse_event_reported"],
    Stage.FOLLOW_UP: ["follow_up_recorded"],
    Stage.ENDED: ["records_received"],
}

grades = st.integers(0, 4)
cois = st.sampled_from([COI, COI, COI, "COI-OTHER"])


@functools.cache
def fields_for(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    match kind:
        case "teleconsult_completed":
            return st.fixed_dictionaries(
                {"outcome": st.sampled_from(["proceed", "proceed", "proceed", "more_records", "not_candidate"])}
            )
        case "eligibility_decided":
            return st.fixed_dictionaries({"eligible": st.sampled_from([True, True, True, False])})
        case "apheresis_completed" | "infusion_completed":
            return st.fixed_dictionaries({"coi": cois})
        case "product_released":
            return st.fixed_dictionaries({"coi": cois, "lot": st.just("LOT-1")})
        case "manufacturing_failed":
            return st.fixed_dictionaries(
                {
                    "reason": st.just("x"),
                    "next": st.sampled_from(["reapheresis", "out_of_spec", "stop"]),
                }
            )
        case "monitoring_reported":
            return st.fixed_dictionaries({"crs_grade": grades, "icans_grade": grades})
        case "discharged":
            return st.fixed_dictionaries({"override_reason": st.sampled_from([None, "stable"])})
        case "follow_up_recorded":
            return st.fixed_dictionaries(
                {
                    "visit_day": st.sampled_from([30, 90, 180, 365, 30]),
                    "response": st.sampled_from(["CR", "PR", "SD", "PD"]),
                }
            )
        case "adverse_event_reported":
            return st.fixed_dictionaries({"term": st.just("rash"), "grade": st.integers(1, 5)})
        case "death_reported":
            return st.fixed_dictionaries({"cause": st.just("x")})
        case "custody_transferred":
            parties = st.sampled_from(["site", "courier", "lab"])
            return st.fixed_dictionaries(
                {
                    "coi": cois,
                    "from_party": parties,
                    "to_party": parties,
                    "condition": st.sampled_from(["intact", "intact", "excursion", "damaged"]),
                }
            )
        case "quality_release":
            return st.fixed_dictionaries(
                {"coi": cois, "approved_by": st.just("qp-1"), "decision": st.sampled_from(["release", "reject"])}
            )
        case "charge_posted":
            return st.fixed_dictionaries(
                {"item": st.just("stay"), "amount": st.just("7200.00"), "currency": st.sampled_from(["USD", "CNY"])}
            )
        case "payment_received":
            return st.fixed_dictionaries(
                {"amount": st.sampled_from(["1000.00", "30000.00"]), "currency": st.sampled_from(["USD", "RMB"])}
            )
        case "deposit_overridden":
            return st.fixed_dictionaries({"reason": st.just("guarantee")})
    return st.just({})


# Strategies built once: drawing is the cost of these tests, building them per draw doubles it.
ACTIONS = st.sampled_from(["milestone"] * 12 + ["later"] * 2 + ["withdraw", "resend", "ack"])
ACTIONS_NO_ACK = st.sampled_from(["milestone"] * 12 + ["later"] * 2 + ["withdraw", "resend"])
# Random walks rarely get deep by chance, so some start part-way along the pathway.
STARTS = st.sampled_from(
    [
        lambda p: p,
        Pathway.to_screening,
        Pathway.to_manufacturing,
        Pathway.to_stay,
        Pathway.to_follow_up,
    ]
)
DAYS = st.sampled_from([0.5, 3, 8, 15, 29, 40, 100])
ALERT_IDS = st.sampled_from(["A1", "A2", "A3"])
POOLS = st.sampled_from(["next", "next", "next", "any"])
NEXT = {stage: st.sampled_from(kinds) for stage, kinds in NEXT_KIND.items()}
ANY_KIND = st.sampled_from(list(MILESTONE_KINDS))
ACTORS = st.sampled_from([None, None, None, None, "centre:fuda", OPS])


def step(p: Pathway, data: st.DataObject, *, acks: bool = True) -> None:
    """One random command; a refused one must leave the state exactly as it was."""
    action = data.draw(ACTIONS if acks else ACTIONS_NO_ACK)
    before = p.state
    try:
        if action == "later":
            p.later(data.draw(DAYS))
            return
        if action == "withdraw":
            p.withdraw("random walk")
        elif action == "ack":
            alert = data.draw(ALERT_IDS)
            p.apply(rules.acknowledge(p.state, alert, "", OPS, p.now))
        elif action == "resend":
            mids = sorted(p.state.milestone_digests)
            if not mids:
                return
            mid = data.draw(st.sampled_from(mids))
            m = next(
                e.milestone for e in p.events if isinstance(e, ev.MilestoneAccepted) and e.milestone.milestone_id == mid
            )
            different = data.draw(st.booleans())
            if different:
                m = m.model_copy(update={"occurred_at": p.now})
            p.apply(p.decide(m))
        else:
            pool = data.draw(POOLS)
            kind = data.draw(NEXT[p.state.stage] if pool == "next" else ANY_KIND)
            actor = data.draw(ACTORS)
            body = {
                "kind": kind,
                "milestone_id": f"m{len(p.events)}",
                "occurred_at": p.now,
                **data.draw(fields_for(kind)),
            }
            p.apply(p.decide(parse_milestone(body), actor))
    except JourneyRuleError as err:
        assert p.state == before, "a refused command changed the state"
        assert err.reason
        # Only a wrong-patient product leaves something behind: one critical alert.
        assert all(isinstance(e, ev.AlertRaised) and e.code == "coi_mismatch" for e in err.events)
        p.apply(list(err.events))


def check_invariants(p: Pathway) -> None:
    s = p.state
    assert s.stage in Stage
    assert s.ended == (s.outcome is not None)
    assert s.seq == len(p.events)
    assert 1 <= s.stage_entry_seq <= s.seq
    assert s.alert_count == sum(isinstance(e, ev.AlertRaised) for e in p.events)
    ids = [a.alert_id for a in s.open_alerts]
    assert len(ids) == len(set(ids))
    pending = timers.deadlines(s)
    assert not (s.ended and pending)
    assert all(d.key not in s.fired_deadlines for d in pending)
    assert s.reapheresis_count <= s.policy.max_reapheresis
    # The chain of identity is fixed by the first apheresis and never changes.
    collected = [
        e.milestone.coi
        for e in p.events
        if isinstance(e, ev.MilestoneAccepted) and e.milestone.kind == "apheresis_completed"
    ]
    assert s.coi == (collected[0] if collected else None)
    assert set(collected) <= {s.coi}
    ends = [e for e in p.events if isinstance(e, ev.JourneyEnded)]
    assert len(ends) == (1 if s.ended else 0)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_walks_keep_the_state_machine_consistent(data: st.DataObject) -> None:
    # Journeys with a language run the deposit gate (domain/deposit.py); those without, the first edition.
    p = Pathway(language=data.draw(st.sampled_from([None, "en", "zh-CN"])))
    data.draw(STARTS)(p)
    for _ in range(data.draw(st.integers(1, 60))):
        seq_before = p.state.seq
        n_before = len(p.events)
        step(p, data)
        # Sequence numbers advance by exactly one per event.
        assert p.state.seq - seq_before == len(p.events) - n_before
        check_invariants(p)
    reached = [v.stage for v in p.state.stages if v.stage is not Stage.ENDED]
    event(f"deepest stage: {max(reached, key=list(Stage).index)}")
    records = [ev.to_record(e, i + 1) for i, e in enumerate(p.events)]
    assert [r.seq for r in records] == list(range(1, len(records) + 1))
    rebuilt = [ev.EventRecord.model_validate_json(r.model_dump_json()).to_event() for r in records]
    assert isinstance(rebuilt[0], ev.JourneyStarted)
    assert fold(rebuilt[0], rebuilt[1:]) == p.state


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_after_the_end_every_command_is_refused_or_a_harmless_repeat(data: st.DataObject) -> None:
    p = Pathway()
    for _ in range(data.draw(st.integers(0, 30))):
        step(p, data)
    if not p.state.ended:
        p.withdraw("end of the walk")
    ended = p.state
    for _ in range(10):
        # Acknowledging an alert that is still open stays possible; nothing else changes.
        step(p, data, acks=False)
    assert p.state == ended

"""Which capacity commands a journey's events imply: book on acceptance, follow facts, release at the end.

Pure, like `domain.effects`: a test reads exactly what a journey asks of its
centre's book. The workflow carries each out through the capacity activity.
"""

from __future__ import annotations

from domain import capacity_plan as plan
from domain import events as ev
from domain.effects import CapacityChange
from domain.milestones import (
    ApheresisCompleted,
    EstimateAccepted,
    InfusionCompleted,
    PatientAdmitted,
    ProductReleased,
)
from domain.stages import Stage
from domain.state import JourneyState

# Alerts that say manufacturing runs late: the bed moves to when the product can be back.
LATE_MANUFACTURING: frozenset[str] = frozenset({"manufacturing_warn", "manufacturing_escalate"})


def _replan(seq: int, t: plan.Targets) -> CapacityChange:
    return CapacityChange(seq=seq, op="replan", targets=t.targets, forced=sorted(t.forced))


def capacity_effects_of(state: JourneyState, event: ev.Event, seq: int) -> list[CapacityChange]:
    """`state` is the journey after `event`."""
    p, product = state.policy, state.product
    match event:
        case ev.MilestoneAccepted(milestone=EstimateAccepted()):
            return [CapacityChange(seq=seq, op="reserve", need=plan.need_for(p, product, event.occurred_at))]
        case ev.MilestoneAccepted(milestone=PatientAdmitted() as m):
            return [_replan(seq, plan.on_admission(p, product, m.occurred_at))]
        case ev.MilestoneAccepted(milestone=ApheresisCompleted() as m):
            return [_replan(seq, plan.on_apheresis(p, product, m.occurred_at))]
        case ev.MilestoneAccepted(milestone=ProductReleased() as m):
            return [_replan(seq, plan.on_product_expected(p, m.occurred_at))]
        case ev.MilestoneAccepted(milestone=InfusionCompleted() as m):
            return [_replan(seq, plan.on_infusion(m.occurred_at))]
        case ev.AlertRaised(code=code) if code in LATE_MANUFACTURING:
            return [_replan(seq, plan.on_product_expected(p, event.occurred_at))]
        case ev.StageEntered(stage=Stage.APHERESIS, previous=Stage.MANUFACTURING | Stage.INFUSION):
            # A re-apheresis: the patient is already at the centre, no travel ahead.
            need = plan.need_for(p, product, event.occurred_at, travelling=False)
            return [CapacityChange(seq=seq, op="rebook", need=need)]
        case ev.JourneyEnded():
            return [CapacityChange(seq=seq, op="release")]
    return []

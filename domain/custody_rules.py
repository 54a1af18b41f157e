"""Decision handlers of the custody milestones: alerts, the quality hold, re-apheresis or the end."""

from __future__ import annotations

from domain.custody import HOLDING, check_hand_off, check_quality_decision
from domain.custody_milestones import CustodyTransferred, QualityRelease, after_quality_rejection, current_custody
from domain.decision import Decision, handles
from domain.pathway import coi_must_match
from domain.stages import Outcome, Severity, Stage


@handles(CustodyTransferred)
def _custody_transferred(d: Decision, m: CustodyTransferred) -> None:
    coi_must_match(d, m.kind, m.coi)
    check_hand_off(current_custody(d.state), m.hand_off())
    if m.condition in HOLDING:
        reading = f" at {m.temperature_c:g} °C" if m.temperature_c is not None else ""
        d.alert(
            Severity.CRITICAL,
            f"custody_{m.condition}",
            f"{m.condition} reported on hand-off from {m.from_party} to {m.to_party}{reading}"
            f"{f' (seal {m.seal_id})' if m.seal_id else ''}; infusion is blocked until "
            "quality assurance reports quality_release",
            clinical=True,
        )


@handles(QualityRelease)
def _quality_release(d: Decision, m: QualityRelease) -> None:
    coi_must_match(d, m.kind, m.coi)
    check_quality_decision(current_custody(d.state))
    if m.decision == "release":
        return
    why = f"quality assurance ({m.approved_by}) rejected the product" + (f": {m.reason}" if m.reason else "")
    if after_quality_rejection(d.state) == "reapheresis":
        d.alert(Severity.HIGH, "quality_rejected", f"{why}; re-apheresis scheduled", clinical=True)
        d.enter(Stage.APHERESIS)
    else:
        d.end(Outcome.MANUFACTURING_FAILED, f"{why}; no re-apheresis left")

"""The consistency checks of the risk register: what each one means and how serious it is.

The checks themselves run as SQL in `assessments/store/register.py` (they must stay fast over
tens of thousands of risks); this module holds their stable keys, the labels people read and
which of them are only notes. Keys are stable: pages, exports and the leadership view filter and
count on them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

CheckKind = Literal["problem", "note"]


class ConsistencyCheck(BaseModel):
    """One check: a short label, what to do about a finding, and whether it is a problem."""

    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    advice: str
    kind: CheckKind = "problem"


_CHECKS = [
    ConsistencyCheck(
        key="never_rated",
        label="Never rated",
        advice="Rate the inherent risk (before controls) to start.",
    ),
    ConsistencyCheck(
        key="residual_above_inherent",
        label="Residual above inherent",
        advice="Controls should not make a risk worse: re-rate the inherent risk or explain.",
    ),
    ConsistencyCheck(
        key="target_above_residual",
        label="Target above residual",
        advice="A target is where the planned actions should bring the risk: re-rate the target "
        "at or below the residual rating, or explain why it is expected to get worse.",
    ),
    ConsistencyCheck(
        key="residual_lowered_without_treatment",
        label="Residual lowered with no treatment or control",
        advice="Link the controls that are in place, or re-rate the residual risk.",
    ),
    ConsistencyCheck(
        key="above_appetite_unaccepted",
        label="Above appetite with no acceptance",
        advice="Treat the risk further, or have management accept it with an expiry date.",
    ),
    ConsistencyCheck(
        key="acceptance_expired",
        label="Acceptance expired",
        advice="Renew the acceptance, or treat the risk until it is within the appetite.",
    ),
    ConsistencyCheck(
        key="action_overdue",
        label="Action overdue",
        advice="Complete the action, or agree a new due date with its owner.",
    ),
    ConsistencyCheck(
        key="review_overdue",
        label="Rating older than the review interval",
        advice="Look at the risk again and record a fresh rating.",
    ),
    ConsistencyCheck(
        key="above_current_appetite",
        label="Above today's appetite once re-rated",
        advice="The criteria changed since this rating (its level is never rescaled): re-rate "
        "the risk under the current criteria, then treat it further or record an acceptance.",
    ),
    ConsistencyCheck(
        key="older_criteria_version",
        label="Rated under older criteria",
        advice="Nothing is rescaled: re-rate under the current criteria when convenient.",
        kind="note",
    ),
]

CHECKS: dict[str, ConsistencyCheck] = {check.key: check for check in _CHECKS}
CHECK_LABELS: dict[str, str] = {check.key: check.label for check in _CHECKS}
PROBLEM_CHECKS: tuple[str, ...] = tuple(c.key for c in _CHECKS if c.kind == "problem")
NOTE_CHECKS: tuple[str, ...] = tuple(c.key for c in _CHECKS if c.kind == "note")

# Treatment options that do not by themselves lower a risk: a residual rating below the
# inherent one needs a linked control when the treatment is one of these (or none).
NON_REDUCING_TREATMENTS: tuple[str, ...] = ("retain", "pursue")
# Action statuses that still have work to do.
OPEN_ACTION_STATUSES: tuple[str, ...] = ("planned", "in_progress")
# Risk statuses the checks leave alone.
INACTIVE_RISK_STATUSES: tuple[str, ...] = ("closed",)
# AI system statuses outside the AIMS scope (vocab.SYSTEM_STATUSES): their risks are left alone
# too, and out of the figures unless included.
INACTIVE_SYSTEM_STATUSES: tuple[str, ...] = ("retired",)

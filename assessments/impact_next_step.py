"""The next step on a system's impact assessment, worded from where it really stands.

Pages that point to the impact assessment (the screening result, for one) say what exists
and what to do about it, rather than a generic "start or continue".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from assessments.impact import ImpactResponse

# Where the step leads: the list page with the system chosen (to start or re-assess), the
# questionnaire of a version, or the result of a version (to review or read it).
Target = Literal["assessments", "wizard", "result"]
State = Literal["none", "draft", "returned", "submitted", "approved", "stale"]


@dataclass(frozen=True)
class ImpactNextStep:
    state: State
    text: str
    action: str
    target: Target
    response_id: int | None = None


def _approved_on(response: ImpactResponse) -> str:
    day = f" on {response.approved_at:%Y-%m-%d}" if response.approved_at else ""
    return f"version {response.version_no}, level {response.level}, approved{day}"


def impact_next_step(
    versions: Sequence[ImpactResponse], stale_reasons: Sequence[str] = ()
) -> ImpactNextStep:
    """The state of a system's impact assessment and the one thing to do next.

    `versions` are the system's versions, oldest first; `stale_reasons` why the latest approved
    version no longer describes the system (empty when it still does).
    """
    if not versions:
        return ImpactNextStep(
            "none",
            "This system has no impact assessment yet.",
            "Start the impact assessment of this system",
            "assessments",
        )
    latest = versions[-1]
    approved = next((v for v in reversed(versions) if v.status == "approved"), None)
    earlier = (
        f" The last approved one ({_approved_on(approved)}) stays in force until then."
        if approved is not None and approved is not latest
        else ""
    )
    kind = "A re-assessment" if approved is not None else "The impact assessment"
    if latest.status == "draft":
        return ImpactNextStep(
            "draft",
            f"{kind} (version {latest.version_no}) is a draft: {latest.answered} of"
            f" {latest.shown} questions answered.{earlier}",
            "Continue the impact assessment",
            "wizard",
            latest.id,
        )
    if latest.status == "returned":
        by = f" by {latest.returned_by}" if latest.returned_by else ""
        return ImpactNextStep(
            "returned",
            f"{kind} (version {latest.version_no}) was returned for changes{by}.{earlier}",
            "Revise and resubmit the impact assessment",
            "wizard",
            latest.id,
        )
    if latest.status == "submitted":
        by = f" by {latest.submitted_by}" if latest.submitted_by else ""
        return ImpactNextStep(
            "submitted",
            f"{kind} (version {latest.version_no}, level {latest.level}) was submitted{by} and"
            f" waits for sign-off.{earlier}",
            "Review and sign off the impact assessment",
            "result",
            latest.id,
        )
    if stale_reasons:
        return ImpactNextStep(
            "stale",
            f"The impact assessment ({_approved_on(latest)}) is out of date: "
            f"{'; '.join(stale_reasons)}.",
            "Re-assess the impact of this system",
            "assessments",
            latest.id,
        )
    return ImpactNextStep(
        "approved",
        f"The impact assessment is approved and current ({_approved_on(latest)}).",
        "See the approved impact assessment",
        "result",
        latest.id,
    )

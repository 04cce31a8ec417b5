"""How records are referred to in front of people: one spelling on every page, file and log."""

from __future__ import annotations

RISK_PREFIX = "R-"


def risk_reference(risk_id: object) -> str:
    """'R-14': the risk's id as the register, the portfolio, the SoA and the minutes show it."""
    return f"{RISK_PREFIX}{risk_id}"


def risk_references(risk_ids: object) -> str:
    """'R-4, R-56' from ids (an iterable, or None for none)."""
    if risk_ids is None:
        return ""
    return ", ".join(risk_reference(risk_id) for risk_id in risk_ids)  # type: ignore[attr-defined]

"""Screening questionnaire answers that tests save through the store (question id -> answer)."""

from __future__ import annotations

from typing import Any

# A deployer of a minimal-risk system in the EU, not used in Colorado.
MINIMAL: dict[str, Any] = {
    "ai_system": "yes",
    "eu_territorial_link": "yes",
    "roles": ["deployer"],
    "annex_i_product": "no",
    "gpai_model_provider": "no",
    "colorado_consumers": "no",
}
# A deployer of a CV-ranking system (Annex III point 4, profiling): high-risk, no FRIA.
HIGH_RISK: dict[str, Any] = {
    **MINIMAL,
    "annex_iii_areas": ["employment"],
    "profiles_natural_persons": "yes",
    "already_on_market": "no",
    "public_authority": "no",
    "public_service_provider": "no",
}

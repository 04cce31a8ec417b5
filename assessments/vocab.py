"""Controlled vocabularies of the inventory, with the labels people read.

Stored values are the keys (stable, used in exports and filters); labels are for display only.
"""

from __future__ import annotations

ROLES: dict[str, str] = {
    "ai_producer": "AI producer",
    "ai_provider": "AI provider",
    "ai_user": "AI user",
}

LIFECYCLE_STAGES: dict[str, str] = {
    "concept": "Concept",
    "design_development": "Design and development",
    "verification_validation": "Verification and validation",
    "deployment": "Deployment",
    "operation_monitoring": "Operation and monitoring",
    "re_evaluation": "Re-evaluation",
    "retired": "Retired",
}

AI_TECHNIQUES: dict[str, str] = {
    "machine_learning": "Machine learning",
    "deep_learning": "Deep learning",
    "generative_llm": "Generative AI / LLM",
    "rules_expert": "Rules or expert system",
    "other": "Other",
}

AUTONOMY: dict[str, str] = {
    "human_in_the_loop": "Human in the loop (a person decides each case)",
    "human_on_the_loop": "Human on the loop (a person monitors and can intervene)",
    "human_in_command": "Human in command (a person sets and can stop the system)",
    "none": "No human oversight",
}

STAKEHOLDERS: dict[str, str] = {
    "customers": "Customers",
    "job_applicants": "Job applicants",
    "employees": "Employees",
    "patients": "Patients",
    "clinicians": "Clinicians",
    "students": "Students",
    "children": "Children",
    "citizens": "Citizens and residents",
    "vulnerable_people": "Vulnerable people",
    "borrowers": "Borrowers and credit applicants",
    "content_creators": "Content creators and users of a platform",
    "business_partners": "Business partners and suppliers",
    "general_public": "The general public",
}

PERSONAL_DATA: dict[bool, str] = {True: "Yes", False: "No"}

DEPLOYMENT_CONTEXTS: dict[str, str] = {
    "internal": "Internal",
    "customer_facing": "Customer-facing",
    "public_facing": "Public-facing",
    "public_sector": "Public sector",
}

SYSTEM_STATUSES: dict[str, str] = {
    "planned": "Planned",
    "active": "Active",
    "retired": "Retired",
}
# The scope of the AI management system (ISO/IEC 42001 4.3): every system not retired, whether
# in use or still planned. A retired system keeps its record and history but leaves the scope.
IN_SCOPE_STATUSES: tuple[str, ...] = ("planned", "active")


def label(vocabulary: dict, key: object) -> str:
    """The display label of a key, or the key itself when the vocabulary does not know it."""
    return vocabulary.get(key, str(key))


# Suggestions of the form's geographic scope (any other place can be typed).
COMMON_GEOGRAPHIES: tuple[str, ...] = ("EU", "EEA", "UK", "CH", "US", "US-CO", "CA", "Global")

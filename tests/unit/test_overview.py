"""What the home page suggests doing next."""

from assessments.overview import risk_next_steps


def test_risk_steps_are_ordered_by_urgency_and_plural_aware() -> None:
    steps = risk_next_steps(
        {"risks": 3, "not_accepted": 1, "overdue_actions": 2, "findings": 0},
        {"prohibited": 1, "not_screened": 2},
    )
    assert [step.target for step in steps] == ["regulatory", "portfolio", "portfolio", "regulatory"]
    assert steps[0].text.startswith("1 AI system is screened as a prohibited practice")
    assert steps[1].text.startswith("1 risk is above the appetite")
    assert steps[2].text.startswith("2 treatment actions are overdue")


def test_no_risks_suggests_the_library() -> None:
    steps = risk_next_steps({"risks": 0}, {})
    assert [step.target for step in steps] == ["risk_new"]

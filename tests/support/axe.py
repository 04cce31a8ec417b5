"""axe-core in the browser tests: the engine shipped by the pinned axe-playwright-python package
(requirements-dev.txt), injected into the page and run on its WCAG 2.1 A and AA rules."""

from __future__ import annotations

from importlib import resources
from typing import Any, NamedTuple

from playwright.sync_api import Page

# The rules of WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
# The impacts a page may not have.
BLOCKING = ("critical", "serious")
# How many elements a failure message names per rule.
TARGETS_SHOWN = 3


def axe_source() -> str:
    """axe.min.js as the package ships it."""
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text("utf-8")


class Violation(NamedTuple):
    """One rule a page breaks, with the CSS selectors of the elements that break it."""

    rule: str
    impact: str
    help: str
    targets: list[str]
    summary: str  # axe's explanation for the first element (e.g. the contrast it measured)


def run_axe(page: Page, source: str) -> list[Violation]:
    """Every WCAG 2.1 A/AA violation on the page as it is drawn now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source)
    results: dict[str, Any] = page.evaluate(
        """(tags) => axe.run(document, {
            runOnly: {type: 'tag', values: tags},
            resultTypes: ['violations'],
        })""",
        list(WCAG_TAGS),
    )
    return [
        Violation(
            rule=found["id"],
            impact=found.get("impact") or "",
            help=found["help"],
            targets=[" ".join(node["target"]) for node in found["nodes"]],
            summary=" ".join((found["nodes"][0].get("failureSummary") or "").split())
            if found["nodes"]
            else "",
        )
        for found in results["violations"]
    ]


def blocking(
    violations: list[Violation], allowed: dict[tuple[str, str], str] | None = None
) -> list[Violation]:
    """The critical and serious violations, less the elements `allowed` names by (rule, CSS
    selector) pairs (the value says why); a rule left with no element is dropped."""
    allowed = allowed or {}
    kept = []
    for violation in violations:
        if violation.impact not in BLOCKING:
            continue
        targets = [t for t in violation.targets if (violation.rule, t) not in allowed]
        if targets:
            kept.append(violation._replace(targets=targets))
    return kept


def describe(where: str, violations: list[Violation]) -> str:
    """A failure message: per rule, the page, how many elements and the first few of them."""
    lines = []
    for violation in violations:
        shown = "; ".join(violation.targets[:TARGETS_SHOWN])
        more = len(violation.targets) - TARGETS_SHOWN
        lines.append(
            f"{where}: {violation.rule} ({violation.impact}, {violation.help}) on"
            f" {len(violation.targets)} element(s): {shown}"
            + (f" and {more} more" if more > 0 else "")
            + (f" -- {violation.summary}" if violation.summary else "")
        )
    return "\n".join(lines)

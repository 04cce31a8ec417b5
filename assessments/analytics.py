"""The leadership view's rules: what a portfolio filter means, periods, and plain summaries.

The aggregations themselves run in DuckDB (assessments/store/heatmaps.py, attention.py and
trends.py); this module holds the pure parts around them so they can be tested without a
database: the filter model, period boundaries for trends and "since last quarter", turning a
chart click into a matrix cell, the words for a risk's treatment status, a system's impact
assessment and the change between two dates.

One scoring rule everywhere: every figure places ratings on the organisation's CURRENT
criteria (a rating made under an older version is placed by `store.risk_rules.placed_on`, as
`criteria.map_rating` decided), so a heatmap, a trend and the register always agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, field_validator

from assessments.risk_checks import CHECK_LABELS
from assessments.risks import ACTION_STATUSES, RISK_STATUSES, TIERS

Period = Literal["month", "quarter"]
PERIODS: dict[str, str] = {"month": "Monthly", "quarter": "Quarterly"}
# Where a risk stands: its residual rating, else its inherent one (the register's "current"
# tier, store/register.py CURRENT_TIER): what the register and the portfolio judge.
CURRENT_TIER = "residual_or_inherent"
TREND_TIERS: dict[str, str] = {
    CURRENT_TIER: "Current",
    **{tier: label.split(" (")[0] for tier, label in TIERS.items()},
}
DEFAULT_TREND_TIER = CURRENT_TIER
# How many rows a drill-down or list sends to the browser; the page says when there are more.
LIST_LIMIT = 500
# How many rows an attention list shows on a page (a short list; the register has them all).
SHORT_LIST = 50
TOP_RISKS = 25
MOVEMENT_RISKS = 10


# The attention figures, in the order a page shows them; the keys shared with
# assessments.risk_checks mean exactly what the register's consistency checks mean.
ATTENTION_LABELS: dict[str, str] = {
    "above_appetite_no_acceptance": "Above appetite, not accepted",
    "acceptance_expired": CHECK_LABELS["acceptance_expired"],
    "action_overdue": "Risks with an overdue action",
    "review_overdue": CHECK_LABELS["review_overdue"],
    "never_rated": CHECK_LABELS["never_rated"],
    "above_current_appetite": CHECK_LABELS["above_current_appetite"],
}
ATTENTION_HELP: dict[str, str] = {
    "above_appetite_no_acceptance": "Where the risk stands (its residual rating, else its "
    "inherent one) is above the appetite, or above the tolerance of its harm category, and no "
    "acceptance in force covers that rating. Treat it further or decide on acceptance.",
    "acceptance_expired": "Still above the appetite, and the last acceptance has run out "
    "without being renewed.",
    "action_overdue": "At least one treatment action is past its due date and not done.",
    "review_overdue": "No rating of any tier within the review interval of the criteria.",
    "never_rated": "Identified but not rated yet.",
    "above_current_appetite": "Rated under older criteria and within the appetite of that "
    "version, but where the rating sits on the current matrix is above today's appetite (or "
    "its harm category's tolerance). Ratings are never rescaled: re-rate the risk under the "
    "current criteria to decide on it.",
}
# Figures shown only when they have something to say (now or at the comparison day).
_ONLY_WHEN_NONZERO = ("above_current_appetite",)  # only after the criteria changed


def shown_attention_labels(counts: Mapping[str, int], before: Mapping[str, int]) -> dict[str, str]:
    """The attention figures a page or report shows, in order, with their labels."""
    return {
        key: label
        for key, label in ATTENTION_LABELS.items()
        if key not in _ONLY_WHEN_NONZERO or counts[key] or before[key]
    }


# Systems with no rated risk, as the portfolio explains it.
SYSTEMS_UNRATED_LABEL = "Systems with no rated risk"
SYSTEMS_UNRATED_HELP = (
    "AI systems in scope (not retired, matching the system filters) none of whose risks in "
    "scope has a rating: no risk identified yet, or only unrated ones."
)


class PortfolioFilter(BaseModel):
    """What leadership narrows the portfolio by (empty = everything).

    Business unit, AI system and EU AI Act class describe the system; lifecycle stage, harm
    category and owner describe the risk (the stage where the risk arises). Closed risks and
    the risks of retired AI systems are left out unless asked for (`include_closed`): they no
    longer need a decision. Naming a retired system in `system_ids` brings its risks back.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    business_units: tuple[str, ...] = ()
    system_ids: tuple[int, ...] = ()
    lifecycle_stages: tuple[str, ...] = ()
    harm_categories: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    eu_ai_act_classes: tuple[str, ...] = ()
    include_closed: bool = False

    @field_validator(
        "business_units",
        "lifecycle_stages",
        "harm_categories",
        "owners",
        "eu_ai_act_classes",
        mode="before",
    )
    @classmethod
    def _sorted_text(cls, values: Sequence[str] | None) -> tuple[str, ...]:
        return tuple(sorted({str(value) for value in values or ()}))

    @field_validator("system_ids", mode="before")
    @classmethod
    def _sorted_ids(cls, values: Sequence[int] | None) -> tuple[int, ...]:
        return tuple(sorted({int(value) for value in values or ()}))

    def is_empty(self) -> bool:
        return self == PortfolioFilter()

    def cache_key(self) -> str:
        return self.model_dump_json()


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 risk', '2 risks', '1,204 risks' (or the given plural form: 'actions are')."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count:,} {word}"


def end_of_day(day: date) -> datetime:
    """The first instant after `day`: a rating counts "as of" a day when rated before this."""
    return datetime.combine(day + timedelta(days=1), time.min)


def period_start(day: date, period: Period) -> date:
    if period == "month":
        return day.replace(day=1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def next_period_start(day: date, period: Period) -> date:
    start = period_start(day, period)
    months = 1 if period == "month" else 3
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def period_label(start: date, period: Period) -> str:
    if period == "month":
        return start.strftime("%b %Y")
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


@dataclass(frozen=True)
class PeriodEnd:
    """A period of a trend: the state is read at `cutoff`, the first instant after the period
    (for the period still running: the end of today, so the figure is the same all day and
    can be reused until a write changes the data)."""

    start: date
    label: str
    cutoff: datetime


def period_ends(first: date, last: date, period: Period, today: date) -> list[PeriodEnd]:
    """Every month or quarter from the one holding `first` to the one holding `last`."""
    if last < first:
        return []
    found: list[PeriodEnd] = []
    start = period_start(first, period)
    while start <= last:
        following = next_period_start(start, period)
        cutoff = min(datetime.combine(following, time.min), end_of_day(today))
        found.append(PeriodEnd(start, period_label(start, period), cutoff))
        start = following
    return found


def previous_quarter_end(today: date) -> date:
    """The last day of the quarter before the one `today` is in ("since last quarter")."""
    return period_start(today, "quarter") - timedelta(days=1)


def treatment_status(
    status: str,
    treatment_option: str | None,
    actions_open: int,
    actions_overdue: int,
    actions_done: int,
    option_labels: Mapping[str, str],
) -> str:
    """A risk's treatment in a few words: its status, the option chosen and the actions."""
    parts = [RISK_STATUSES.get(status, status)]
    if treatment_option:
        parts.append(option_labels.get(treatment_option, treatment_option))
    else:
        parts.append("no treatment chosen")
    actions: list[str] = []
    if actions_open:
        overdue = f", {actions_overdue} overdue" if actions_overdue else ""
        actions.append(f"{actions_open} open{overdue}")
    if actions_done:
        actions.append(f"{actions_done} {ACTION_STATUSES['done'].lower()}")
    if actions:
        parts.append("actions: " + ", ".join(actions))
    return " · ".join(parts)


def action_status(status: str, actions_open: int, actions_overdue: int, actions_done: int) -> str:
    """A risk's status and its actions in a few words, for a narrow column: 'In treatment ·
    2 open, 1 overdue · 3 done', or 'Open · no action'."""
    parts = [RISK_STATUSES.get(status, status)]
    if actions_open:
        overdue = f", {actions_overdue} overdue" if actions_overdue else ""
        parts.append(f"{actions_open} open{overdue}")
    if actions_done:
        parts.append(f"{actions_done} {ACTION_STATUSES['done'].lower()}")
    if len(parts) == 1:
        parts.append("no action")
    return " · ".join(parts)


def acceptance_text(state: str | None, valid_until: date | None) -> str:
    """Whether the residual risk is accepted: in force until a day, expired, or not at all."""
    if state == "in_force" and valid_until is not None:
        return f"Accepted until {valid_until:%d %b %Y}"
    if state == "expired" and valid_until is not None:
        return f"Acceptance expired {valid_until:%d %b %Y}"
    return "Not accepted"


def impact_text(status: Mapping[str, Any] | None) -> str:
    """A system's impact assessment in a few words: the state of its latest version, its level
    and whether it is stale; 'None yet' when never assessed, '' when nothing is known.

    `status` is a row of `store.impact.assessment_status_by_system` (response_id, status,
    level, stale)."""
    if status is None:
        return ""
    if _missing(status.get("response_id")):
        return "None yet"
    text = str(status.get("status")).replace("_", " ").capitalize()
    level = status.get("level")
    if not _missing(level):
        text += f", level {level}"
    return text + (" (stale)" if bool(status.get("stale")) else "")


def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def level_totals(cells: pd.DataFrame) -> pd.DataFrame:
    """Heatmap cells (tier, level, level_rank, colour, count, ...) summed per tier and level:
    tier, level, level_rank, colour, count, every level kept (0 when empty)."""
    columns = ["tier", "level", "level_rank", "colour", "count"]
    if cells.empty:
        return pd.DataFrame(columns=columns)
    return (
        cells.groupby(["tier", "level", "level_rank", "colour"], as_index=False)["count"]
        .sum()
        .sort_values(["tier", "level_rank"])
        .reset_index(drop=True)[columns]
    )


MOVEMENT_COLUMNS = [
    "risk_id",
    "title",
    "system_name",
    "tier",
    "likelihood",
    "severity",
    "level",
    "level_rank",
    "colour",
    "rank",
]


def movement_frame(top: pd.DataFrame) -> pd.DataFrame:
    """Top-risk rows (with <tier>_likelihood, _severity, _level, _rank, _colour columns) as one
    row per risk and rated tier, in tier order: what a movement chart draws. `rank` is the
    risk's position in `top`, 1 first."""
    rows: list[pd.DataFrame] = []
    for tier in TIERS:
        part = pd.DataFrame(
            {
                "risk_id": top["risk_id"],
                "title": top["title"],
                "system_name": top["system_name"],
                "tier": tier,
                "likelihood": top[f"{tier}_likelihood"],
                "severity": top[f"{tier}_severity"],
                "level": top[f"{tier}_level"],
                "level_rank": top[f"{tier}_rank"],
                "colour": top[f"{tier}_colour"],
                "rank": range(1, len(top) + 1),
                "tier_order": list(TIERS).index(tier),
            }
        )
        rows.append(part[part["likelihood"].notna()])
    if not rows or all(part.empty for part in rows):
        return pd.DataFrame(columns=MOVEMENT_COLUMNS)
    frame = pd.concat([part for part in rows if not part.empty], ignore_index=True)
    frame = frame.sort_values(["rank", "tier_order"], ignore_index=True)
    for column in ("likelihood", "severity", "level_rank"):
        frame[column] = frame[column].astype(int)
    return frame[MOVEMENT_COLUMNS]

"""Small read views of risks for the identification and workspace pages and the system page.

The full register (filters, heatmaps, checks) lives in `store/register.py`; these are the few
lookups the per-system and per-risk pages need, read from the current-rating table.
"""

from __future__ import annotations

import pandas as pd

from assessments.references import risk_reference
from assessments.store import risk_rules as rules
from assessments.store.db import Database

NOT_RATED = "Not rated yet"
NO_RESIDUAL = "No residual rating yet"

# Each risk's residual rating in force, placed on the current criteria's grid.
_PLACED_RESIDUAL = rules.placed_on(
    "(SELECT version FROM current_version)",
    "SELECT * FROM risk_current_ratings WHERE tier = 'residual'",
    left=True,
)


def risks_of_system(database: Database, system_id: int, limit: int | None = None) -> pd.DataFrame:
    """The system's risks, newest first, with the current level of each tier and its colour:
    the newest `limit` (None: all of them)."""
    bounded = " LIMIT ?" if limit is not None else ""
    return database.query_df(
        "SELECT r.id, r.title, r.status, r.owner, r.harm_category, r.library_id,"
        " i.level AS inherent_level, res.level AS residual_level, t.level AS target_level,"
        " lc.colour AS residual_colour"
        " FROM risks r"
        " LEFT JOIN risk_current_ratings i ON i.risk_id = r.id AND i.tier = 'inherent'"
        " LEFT JOIN risk_current_ratings res ON res.risk_id = r.id AND res.tier = 'residual'"
        " LEFT JOIN risk_current_ratings t ON t.risk_id = r.id AND t.tier = 'target'"
        " LEFT JOIN criteria_levels lc ON lc.version = res.criteria_version"
        " AND lc.name = res.level"
        f" WHERE r.system_id = ? ORDER BY r.id DESC{bounded}",
        [system_id] if limit is None else [system_id, int(limit)],
    )


def library_ids_of_system(database: Database, system_id: int) -> set[str]:
    """The library entries the system already has a risk for."""
    rows = database.query_rows(
        "SELECT DISTINCT library_id FROM risks WHERE system_id = ? AND library_id IS NOT NULL",
        [system_id],
    )
    return {str(row[0]) for row in rows}


def residual_level_counts(database: Database, system_id: int) -> pd.DataFrame:
    """How many of the system's risks sit at each residual level, highest first.

    Columns: level, level_rank, colour, risks, mapped. Each residual rating is placed on the
    current criteria's matrix (`risk_rules.placed_on`) and counted at that cell's level, as
    the heatmaps count it (`mapped`: how many were made under older criteria). Closed risks
    are left out (store/risk_rules.py). Open risks without a residual rating come last, with
    no colour: `NO_RESIDUAL` (rank 0) for those with an inherent rating only, `NOT_RATED`
    (rank -1) for those with no rating at all.
    """
    return database.query_df(
        "WITH current_version AS (SELECT max(version) AS version FROM criteria_versions),"
        " counted AS ("
        "  SELECT coalesce(c.placed_level, CASE WHEN i.risk_id IS NULL THEN $not_rated"
        "   ELSE $no_residual END) AS level,"
        "   coalesce(c.placed_rank, CASE WHEN i.risk_id IS NULL THEN -1 ELSE 0 END)"
        "   AS level_rank, c.placed_colour AS colour, count(*) AS risks,"
        "   count(*) FILTER (WHERE c.mapped AND c.placed_rank IS NOT NULL) AS mapped"
        "  FROM risks r"
        f"  LEFT JOIN ({_PLACED_RESIDUAL}) c ON c.risk_id = r.id"
        "  LEFT JOIN risk_current_ratings i ON i.risk_id = r.id AND i.tier = 'inherent'"
        f"  WHERE r.system_id = $system_id AND {rules.is_active('r.status')}"
        "  GROUP BY 1, 2, 3)"
        " SELECT level, level_rank, colour, risks, mapped FROM counted"
        " ORDER BY level_rank DESC, level",
        {"not_rated": NOT_RATED, "no_residual": NO_RESIDUAL, "system_id": system_id},
    )


def risk_choices(database: Database) -> dict[int, str]:
    """Every risk as 'title (system)', for a picker when no risk is named in the URL."""
    rows = database.query_rows(
        "SELECT r.id, r.title, s.name FROM risks r LEFT JOIN ai_systems s ON s.id = r.system_id"
        " ORDER BY s.name, r.title, r.id"
    )
    return {int(row[0]): f"{row[1]} ({row[2] or 'unknown system'})" for row in rows}


def find_risks(database: Database, search: str = "", limit: int = 50) -> tuple[dict[int, str], int]:
    """Risks whose title, AI system or reference ('R-12', '12') matches `search` (all of them
    for an empty search), as 'R-12 · title (system)' for a picker: the first `limit` in the
    order of `risk_choices`, and how many match in all (a picker of every risk would send tens
    of thousands of options to the browser)."""
    text = " ".join(str(search or "").split()).lower()
    reference = text.removeprefix("r-").removeprefix("r")
    params: dict[str, object] = {"limit": int(limit)}
    where = ""
    if text:
        params["text"] = text
        where = " WHERE strpos(lower(r.title), $text) > 0 OR strpos(lower(s.name), $text) > 0"
        if reference.isdigit() and len(reference) <= 18:
            params["risk_id"] = int(reference)
            where += " OR r.id = $risk_id"
    rows = database.query_rows(
        "WITH matching AS (SELECT r.id, r.title, s.name FROM risks r"
        f" LEFT JOIN ai_systems s ON s.id = r.system_id{where})"
        " SELECT m.id, m.title, m.name, (SELECT count(*) FROM matching) AS total"
        " FROM matching m ORDER BY m.name, m.title, m.id LIMIT $limit",
        params,
    )
    if not rows:
        return {}, 0
    choices = {
        int(row[0]): f"{risk_reference(row[0])} · {row[1]} ({row[2] or 'unknown system'})"
        for row in rows
    }
    return choices, int(rows[0][3])

"""Small read views of risks for the identification and workspace pages and the system page.

The full register (filters, heatmaps, checks) lives in `store/register.py`; these are the few
lookups the per-system and per-risk pages need, read from the current-rating table.
"""

from __future__ import annotations

import pandas as pd

from assessments.store.db import Database

NOT_RATED = "Not rated yet"


def risks_of_system(database: Database, system_id: int) -> pd.DataFrame:
    """The system's risks, newest first, with the current level of each tier and its colour."""
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
        " WHERE r.system_id = ? ORDER BY r.id DESC",
        [system_id],
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

    Columns: level, level_rank, colour, risks. Risks without a residual rating are counted
    in a last row named `NOT_RATED` (rank 0, no colour). Levels are counted by name across
    criteria versions, each ranked and coloured as in the newest version that defines it.
    """
    return database.query_df(
        "WITH counted AS ("
        "  SELECT coalesce(c.level, ?) AS level, count(*) AS risks"
        "  FROM risks r LEFT JOIN risk_current_ratings c"
        "    ON c.risk_id = r.id AND c.tier = 'residual'"
        "  WHERE r.system_id = ? GROUP BY ALL),"
        " newest AS ("
        "  SELECT name, arg_max(level_rank, version) AS level_rank,"
        "    arg_max(colour, version) AS colour FROM criteria_levels GROUP BY name)"
        " SELECT counted.level, coalesce(newest.level_rank, 0) AS level_rank, newest.colour,"
        "  counted.risks"
        " FROM counted LEFT JOIN newest ON newest.name = counted.level"
        " ORDER BY level_rank DESC, counted.level",
        [NOT_RATED, system_id],
    )


def risk_choices(database: Database) -> dict[int, str]:
    """Every risk as 'title (system)', for a picker when no risk is named in the URL."""
    rows = database.query_rows(
        "SELECT r.id, r.title, s.name FROM risks r LEFT JOIN ai_systems s ON s.id = r.system_id"
        " ORDER BY s.name, r.title, r.id"
    )
    return {int(row[0]): f"{row[1]} ({row[2] or 'unknown system'})" for row in rows}

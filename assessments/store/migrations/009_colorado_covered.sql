-- Colorado SB 26-189 replaced SB 24-205: a screening records whether the ADMT law covers the
-- system (`colorado_covered`), no longer whether the repealed act called it high-risk. Rows of
-- older screenings keep their value under the new name (their result says it was made under
-- SB 24-205, and they show as stale until screened again); NULL still means the Colorado
-- questions were not asked.
--
-- DuckDB refuses to rename a column that a view or an index depends on, so both are dropped and
-- recreated around the rename. The view lists its columns (no DuckDB-only `* EXCLUDE`), so it
-- reads the same on PostgreSQL.

DROP VIEW current_screenings;
DROP INDEX screenings_by_system;

ALTER TABLE screenings RENAME COLUMN colorado_high_risk TO colorado_covered;

CREATE INDEX screenings_by_system ON screenings (system_id);

-- The current screening of each system: its latest.
CREATE VIEW current_screenings AS
SELECT id, system_id, questionnaire_id, questionnaire_version, answers, result, risk_class,
    fria_required, colorado_covered, obligation_ids, note, screened_at, screened_by
FROM (
    SELECT s.*, row_number() OVER (PARTITION BY system_id ORDER BY screened_at DESC, id DESC)
        AS position
    FROM screenings s
) latest WHERE position = 1;

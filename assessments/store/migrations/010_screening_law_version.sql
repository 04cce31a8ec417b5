-- Screenings record the versions of the law data they were worked out under (for example
-- 'colorado=2;eu_ai_act=2'), so a screening made before the law changed shows as stale with
-- "the law changed" until the system is screened again. Every screening stored before this
-- migration was made under version 1 of both data files.
--
-- The view lists its columns (no DuckDB-only `* EXCLUDE`), so it reads the same on PostgreSQL;
-- DuckDB refuses to alter a table that a view or an index depends on, so both are dropped and
-- recreated around the change.

DROP VIEW current_screenings;
DROP INDEX screenings_by_system;

ALTER TABLE screenings ADD COLUMN law_version VARCHAR;
UPDATE screenings SET law_version = 'colorado=1;eu_ai_act=1';

CREATE INDEX screenings_by_system ON screenings (system_id);

-- The current screening of each system: its latest.
CREATE VIEW current_screenings AS
SELECT id, system_id, questionnaire_id, questionnaire_version, answers, result, risk_class,
    fria_required, colorado_covered, obligation_ids, note, screened_at, screened_by,
    law_version
FROM (
    SELECT s.*, row_number() OVER (PARTITION BY system_id ORDER BY screened_at DESC, id DESC)
        AS position
    FROM screenings s
) latest WHERE position = 1;

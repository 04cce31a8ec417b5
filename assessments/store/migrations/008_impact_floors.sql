-- Impact levels proportionate to the harm: the level of a response is now its points level
-- raised by the floors that hold (severe harm with no review of each case; EU AI Act class,
-- FRIA, Colorado coverage from the system's screening). The snapshot keeps both levels, the
-- floors that held (JSON list) and the screening facts it was scored with (JSON, NULL: the
-- system had no screening), so a signed-off result can be shown exactly as it was approved.
ALTER TABLE impact_responses ADD COLUMN points_level VARCHAR;
ALTER TABLE impact_responses ADD COLUMN points_level_rank INTEGER;
ALTER TABLE impact_responses ADD COLUMN floors VARCHAR;
ALTER TABLE impact_responses ADD COLUMN screening_facts VARCHAR;

-- Responses scored before floors existed: their level was the points level. `floors` stays
-- NULL for them, meaning "not checked", which is not the same as "none held" ('[]').
UPDATE impact_responses SET points_level = level, points_level_rank = level_rank;

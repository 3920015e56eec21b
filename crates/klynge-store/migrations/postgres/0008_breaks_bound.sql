-- Klynge schema, version 8 (postgres dialect): the proven lower bound on breaks of a scheduler run
-- (issue 6). Keep in step with migrations/sqlite/0008_breaks_bound.sql.

-- The scheduler proves a lower bound on the breaks of any schedule of the meetings it held.
-- It stays true while the event's scheduler input and the set of placed meetings are those of
-- the run; schedule_fingerprint identifies them, so a page shows the bound only while the
-- fingerprint of the event as it stands is the same (moves of placed meetings keep it).
ALTER TABLE events ADD COLUMN breaks_lower_bound BIGINT;
ALTER TABLE events ADD COLUMN schedule_fingerprint BIGINT;

-- Klynge schema, version 7 (postgres dialect): attendance at matchmaking meetings (issue 6).
-- Keep in step with migrations/sqlite/0007_attendance.sql.

-- After the event the organiser marks each placed meeting: attendance is NULL (not marked),
-- 'held' or 'no_show'. The figure "held" counts the meetings marked held.
ALTER TABLE meeting_placements ADD COLUMN attendance TEXT;

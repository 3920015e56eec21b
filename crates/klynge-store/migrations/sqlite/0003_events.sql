-- Klynge schema, version 3 (sqlite dialect): matchmaking events (issue 6).
-- Keep in step with migrations/postgres/0003_events.sql.

-- An event belongs to the cluster that organises it; every table below carries that cluster
-- so that each statement can be scoped to it. Slots are stored one per line as
-- "HH:MM-HH:MM" (with " pause" after a break) and table names one per line: they are only
-- read and written with the event. status: draft | open | scheduled | published | closed.
-- The figures of the last scheduler run are kept beside it.
CREATE TABLE events (
    id              INTEGER PRIMARY KEY,
    cluster_id      INTEGER NOT NULL REFERENCES clusters(id),
    name            TEXT NOT NULL,
    place           TEXT NOT NULL,
    held_on         TEXT NOT NULL,
    slots           TEXT NOT NULL,
    tables          INTEGER NOT NULL,
    table_names     TEXT NOT NULL,
    status          TEXT NOT NULL,
    scheduled_at    TEXT,
    priority_sum    INTEGER,
    upper_bound     INTEGER,
    breaks          INTEGER,
    idle_slots      INTEGER,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX events_cluster ON events (cluster_id, held_on);

-- A person registered for an event on behalf of an organisation (Danish from the registry,
-- or foreign). available: slot positions separated by spaces, NULL for every slot.
CREATE TABLE event_participants (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES events(id),
    cluster_id      INTEGER NOT NULL REFERENCES clusters(id),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    name            TEXT NOT NULL,
    email           TEXT NOT NULL,
    available       TEXT,
    max_meetings    INTEGER,
    created_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX event_participants_email ON event_participants (event_id, email);
CREATE INDEX event_participants_organisation ON event_participants (cluster_id, organisation_id);

-- A request from one participant to meet another. status: requested | accepted | declined |
-- cancelled.
CREATE TABLE meeting_requests (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES events(id),
    cluster_id      INTEGER NOT NULL REFERENCES clusters(id),
    from_participant INTEGER NOT NULL REFERENCES event_participants(id),
    to_participant  INTEGER NOT NULL REFERENCES event_participants(id),
    message         TEXT NOT NULL,
    priority        INTEGER NOT NULL,
    status          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX meeting_requests_event ON meeting_requests (cluster_id, event_id);

-- Where an accepted request is held: slot (position in the event's slot list) and table
-- (from 0). One meeting per table and slot.
CREATE TABLE meeting_placements (
    request_id      INTEGER PRIMARY KEY REFERENCES meeting_requests(id),
    event_id        INTEGER NOT NULL REFERENCES events(id),
    cluster_id      INTEGER NOT NULL REFERENCES clusters(id),
    slot            INTEGER NOT NULL,
    table_no        INTEGER NOT NULL
);
CREATE UNIQUE INDEX meeting_placements_table ON meeting_placements (event_id, slot, table_no);

-- Klynge schema, version 5 (sqlite dialect): the matchmaking marketplace's offers and needs.
-- Keep in step with migrations/postgres/0005_market.sql.

-- A post belongs to the cluster it was posted through (which moderates it) and to the
-- organisation that offers or needs. The short lists (keywords, themes, industry code
-- prefixes, country codes) are stored one entry per line: they are only ever read and written
-- with the post, and searched through the search index, never by SQL.
-- direction: offer | need. kind: technology | business_partnership | research_cooperation |
-- investment | public_demand | other. status: draft | published | expired | hidden.
-- visibility: own_cluster | all_clusters | public.
CREATE TABLE market_posts (
    id              INTEGER PRIMARY KEY,
    cluster_id      INTEGER NOT NULL REFERENCES clusters(id),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    direction       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL,
    keywords        TEXT NOT NULL,
    themes          TEXT NOT NULL,
    industries      TEXT NOT NULL,
    countries       TEXT NOT NULL,
    expires_on      TEXT,
    status          TEXT NOT NULL,
    visibility      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX market_posts_cluster ON market_posts (cluster_id, status);
CREATE INDEX market_posts_organisation ON market_posts (organisation_id);

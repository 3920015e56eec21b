-- Klynge schema, version 1 (SQLite dialect). Keep in step with migrations/postgres/0001_registry.sql:
-- the same tables, columns, constraints and indexes; only the types are spelled differently.

-- Reference geography, written from the domain crate's compiled-in tables at every start.
CREATE TABLE regions (
    code          TEXT PRIMARY KEY,
    official_code INTEGER,
    name_da       TEXT NOT NULL,
    name_en       TEXT NOT NULL,
    valid_from    TEXT,
    valid_to      TEXT
);

CREATE TABLE municipalities (
    code INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE municipality_regions (
    municipality_code INTEGER NOT NULL REFERENCES municipalities(code),
    region_code       TEXT NOT NULL REFERENCES regions(code),
    valid_from        TEXT,
    valid_to          TEXT,
    PRIMARY KEY (municipality_code, region_code)
);

CREATE TABLE clusters (
    id            INTEGER PRIMARY KEY,
    slug          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    strength_area TEXT NOT NULL,
    emerging      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TEXT NOT NULL
);

-- Shared registry: one row per real-world organisation.
CREATE TABLE organisations (
    id                      INTEGER PRIMARY KEY,
    name                    TEXT NOT NULL,
    name_key                TEXT NOT NULL,
    kind                    TEXT NOT NULL,
    cvr                     INTEGER UNIQUE,
    country                 TEXT NOT NULL,
    vat                     TEXT,
    municipality_code       INTEGER REFERENCES municipalities(code),
    employees_min           INTEGER,
    employees_max           INTEGER,
    industry_classification TEXT,
    industry_code           TEXT,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    CHECK (country = 'DK' OR (cvr IS NULL AND municipality_code IS NULL)),
    CHECK ((industry_code IS NULL) = (industry_classification IS NULL))
);
CREATE INDEX organisations_name_key ON organisations (name_key);
CREATE INDEX organisations_municipality ON organisations (municipality_code);
CREATE UNIQUE INDEX organisations_foreign_vat ON organisations (country, vat) WHERE vat IS NOT NULL;

-- Contacts are kept by one cluster (its CRM data).
CREATE TABLE persons (
    id               INTEGER PRIMARY KEY,
    cluster_id       INTEGER NOT NULL REFERENCES clusters(id),
    organisation_id  INTEGER NOT NULL REFERENCES organisations(id),
    name             TEXT NOT NULL,
    email            TEXT,
    phone            TEXT,
    job_title        TEXT,
    consent_given_on TEXT,
    created_at       TEXT NOT NULL
);
CREATE INDEX persons_cluster_org ON persons (cluster_id, organisation_id);
CREATE UNIQUE INDEX persons_cluster_email ON persons (cluster_id, email) WHERE email IS NOT NULL;

CREATE TABLE memberships (
    id              INTEGER PRIMARY KEY,
    cluster_id      INTEGER NOT NULL REFERENCES clusters(id),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    valid_from      TEXT NOT NULL,
    valid_to        TEXT,
    fee_tier        TEXT NOT NULL,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX memberships_cluster ON memberships (cluster_id, organisation_id);
CREATE INDEX memberships_organisation ON memberships (organisation_id);

CREATE TABLE activities (
    id                INTEGER PRIMARY KEY,
    cluster_id        INTEGER NOT NULL REFERENCES clusters(id),
    title             TEXT NOT NULL,
    activity_type     TEXT NOT NULL,
    funding_stream    TEXT NOT NULL,
    format            TEXT NOT NULL,
    municipality_code INTEGER REFERENCES municipalities(code),
    starts_on         TEXT NOT NULL,
    ends_on           TEXT,
    published         BOOLEAN NOT NULL,
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX activities_cluster_start ON activities (cluster_id, starts_on);

CREATE TABLE activity_themes (
    activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
    theme       TEXT NOT NULL,
    PRIMARY KEY (activity_id, theme)
);

CREATE TABLE activity_co_organisers (
    activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
    cluster_id  INTEGER NOT NULL REFERENCES clusters(id),
    PRIMARY KEY (activity_id, cluster_id)
);

CREATE TABLE participations (
    id                          INTEGER PRIMARY KEY,
    activity_id                 INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
    organisation_id             INTEGER NOT NULL REFERENCES organisations(id),
    person_id                   INTEGER REFERENCES persons(id) ON DELETE SET NULL,
    role                        TEXT NOT NULL,
    dedication                  TEXT,
    new_product_service_process BOOLEAN NOT NULL,
    new_knowledge_collaboration BOOLEAN NOT NULL,
    new_competences             BOOLEAN NOT NULL,
    referral_received           BOOLEAN NOT NULL,
    registered_on               TEXT NOT NULL
);
CREATE INDEX participations_activity ON participations (activity_id);
CREATE INDEX participations_organisation ON participations (organisation_id);

CREATE TABLE interactions (
    id              INTEGER PRIMARY KEY,
    cluster_id      INTEGER NOT NULL REFERENCES clusters(id),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    person_id       INTEGER REFERENCES persons(id) ON DELETE SET NULL,
    kind            TEXT NOT NULL,
    occurred_on     TEXT NOT NULL,
    subject         TEXT NOT NULL,
    notes           TEXT NOT NULL,
    follow_up_on    TEXT
);
CREATE INDEX interactions_cluster_org ON interactions (cluster_id, organisation_id, occurred_on);

CREATE TABLE referrals (
    id                     INTEGER PRIMARY KEY,
    cluster_id             INTEGER NOT NULL REFERENCES clusters(id),
    organisation_id        INTEGER NOT NULL REFERENCES organisations(id),
    target_kind            TEXT NOT NULL,
    target_cluster_id      INTEGER REFERENCES clusters(id),
    target_organisation_id INTEGER REFERENCES organisations(id),
    target_programme       TEXT,
    referred_on            TEXT NOT NULL,
    note                   TEXT NOT NULL,
    CHECK ((target_kind = 'cluster') = (target_cluster_id IS NOT NULL)),
    CHECK ((target_kind = 'business_hub') = (target_organisation_id IS NOT NULL)),
    CHECK ((target_kind = 'funding_programme') = (target_programme IS NOT NULL))
);
CREATE INDEX referrals_cluster_org ON referrals (cluster_id, organisation_id);

CREATE TABLE offices (
    id                INTEGER PRIMARY KEY,
    cluster_id        INTEGER NOT NULL REFERENCES clusters(id),
    municipality_code INTEGER NOT NULL REFERENCES municipalities(code),
    kind              TEXT NOT NULL,
    valid_from        TEXT NOT NULL,
    valid_to          TEXT,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX offices_cluster ON offices (cluster_id);

CREATE TABLE agreements (
    id                      INTEGER PRIMARY KEY,
    cluster_id              INTEGER NOT NULL REFERENCES clusters(id),
    partner_organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    title                   TEXT NOT NULL,
    valid_from              TEXT NOT NULL,
    valid_to                TEXT,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX agreements_cluster ON agreements (cluster_id);
CREATE INDEX agreements_partner ON agreements (partner_organisation_id);

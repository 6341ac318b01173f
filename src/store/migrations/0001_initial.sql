-- mimamori store, schema version 1. Keys are the data's own ids (person "P00006", volunteer
-- "V00012", shelter id, district code), never row positions. Times are UTC RFC 3339 text
-- ("2026-12-01T13:58:04Z"), dates "YYYY-MM-DD". docs/data-format.md ("Store") describes it.

-- map.toml of the imported map folder (one row).
CREATE TABLE map_meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    municipality_code TEXT NOT NULL,
    as_of TEXT,
    meta_json TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL
) STRICT;

-- `position` is the record's place in its file, so an export writes the same order.
CREATE TABLE districts (
    code TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    name TEXT NOT NULL
) STRICT;

CREATE TABLE people (
    id TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    district TEXT NOT NULL REFERENCES districts (code),
    household TEXT NOT NULL,
    consent_plan INTEGER NOT NULL CHECK (consent_plan IN (0, 1)),
    consent_share INTEGER NOT NULL CHECK (consent_share IN (0, 1)),
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    record_json TEXT NOT NULL
) STRICT;
CREATE INDEX people_by_district ON people (district);

CREATE TABLE volunteers (
    id TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    district TEXT NOT NULL REFERENCES districts (code),
    consent_named INTEGER NOT NULL CHECK (consent_named IN (0, 1)),
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    record_json TEXT NOT NULL
) STRICT;
CREATE INDEX volunteers_by_district ON volunteers (district);

CREATE TABLE shelters (
    id TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    record_json TEXT NOT NULL
) STRICT;

-- districts.geojson, roads.geojson and hazards.geojson as the crate's writer writes them.
CREATE TABLE map_layers (
    file TEXT PRIMARY KEY,
    content TEXT NOT NULL
) STRICT;

-- Watch records have no id of their own: `id` is the store's. origin 'map' rows come from
-- watch_records.csv and are replaced by each import; 'added' rows were added later.
CREATE TABLE watch_records (
    id INTEGER PRIMARY KEY,
    origin TEXT NOT NULL CHECK (origin IN ('map', 'added')),
    position INTEGER,
    date TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES people (id),
    volunteer_id TEXT NOT NULL REFERENCES volunteers (id),
    method TEXT NOT NULL,
    outcome TEXT NOT NULL,
    concern TEXT,
    referral TEXT,
    added_by TEXT,
    added_at TEXT
) STRICT;
CREATE INDEX watch_records_by_person ON watch_records (person_id);

CREATE TABLE plan_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    as_of TEXT NOT NULL,
    scenario TEXT NOT NULL,
    parameters TEXT NOT NULL,
    summary_json TEXT NOT NULL
) STRICT;

-- Each person's current plan: the plan record as written in plans.json.
CREATE TABLE current_plans (
    person_id TEXT PRIMARY KEY REFERENCES people (id),
    run_id INTEGER NOT NULL REFERENCES plan_runs (id),
    plan_json TEXT NOT NULL
) STRICT;

CREATE TABLE plan_status (
    person_id TEXT PRIMARY KEY REFERENCES people (id),
    status TEXT NOT NULL
        CHECK (status IN ('not_started', 'drafting', 'confirmed_with_person', 'complete')),
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    review_due TEXT
) STRICT;

-- No foreign key: the history outlives a person's removal from the roster.
CREATE TABLE status_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    note TEXT NOT NULL
) STRICT;
CREATE INDEX status_history_by_person ON status_history (person_id);

-- Hand edits and pins. helper_id and destination_id have no foreign key: a pin whose helper
-- left the roster is kept and reported, and the planner says why it cannot be honoured.
CREATE TABLE pins (
    person_id TEXT PRIMARY KEY REFERENCES people (id),
    helper_id TEXT,
    destination_id TEXT,
    method TEXT,
    notes TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('city', 'coordinator', 'helper', 'viewer')),
    district TEXT,
    volunteer_id TEXT,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
) STRICT;

-- Append-only: the triggers refuse every UPDATE and DELETE.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user_name TEXT NOT NULL,
    person_id TEXT,
    fields TEXT NOT NULL,
    reason TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_by_person ON audit_log (person_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: rows cannot be changed');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: rows cannot be deleted');
END;

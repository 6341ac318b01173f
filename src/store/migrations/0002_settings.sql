-- mimamori store, schema version 2: service settings (key, value as text).
-- `disaster_mode` is '1' while disaster mode is on (災害対策基本法 49条の11: the register may
-- then be shared with helpers without the person's consent); each switch is in the audit log.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
) STRICT;

//! The embedded store: one SQLite file that keeps what a district office must not forget
//! between runs. It holds the imported map folder, plan runs and each person's current plan,
//! plan statuses with their history and review dates, hand edits and pins, watch records added
//! later, users (with hashed tokens) and an append-only audit log.
//!
//! - Keys are the data's own ids (person "P00006", volunteer id, shelter id, district code).
//! - [`Store::open`] creates the file if missing, applies the versioned migrations
//!   (`src/store/migrations/*.sql`), turns on WAL and foreign keys, and refuses a database
//!   whose schema is newer than this program.
//! - No clock: every call that records a time takes `now`; only the binary (`src/cli`) reads the clock.
//! - Every change is one transaction: an import is written whole or not at all.
//!
//! `docs/data-format.md` ("Store") lists the tables.

mod map;
mod pins;
mod settings;
#[cfg(test)]
mod tests;

pub use map::{EXPORT_FOLDER, ImportOptions, ImportReport};
pub use pins::PinRow;
pub use settings::{PlanEdit, allowed_transition};

use crate::io::DataErrors;
use crate::model::{Concern, Referral, WatchMethod, WatchOutcome};
use crate::plan::Method;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use rusqlite_migration::{M, Migrations};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use time::{Date, OffsetDateTime, UtcOffset};

/// The migrations, in order; the schema version is their count. Never edit a released
/// migration: add a new file.
const MIGRATION_SQL: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_settings.sql"),
];

/// Schema version this program writes and reads.
pub const SCHEMA_VERSION: usize = MIGRATION_SQL.len();

/// How long SQLite waits for another connection's write lock before giving up, ms. Stated:
/// an import of the bundled city takes about a second; five seconds covers it with margin.
pub const BUSY_TIMEOUT_MS: u64 = 5000;

/// Prepared statements kept per connection (the service's reads repeat a dozen queries).
const STATEMENT_CACHE: usize = 64;

/// Why a store operation failed. Nothing was changed unless the variant says otherwise.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("{}: cannot open the database", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "the database schema is version {found}, newer than this program knows (version \
         {known}): use a newer mimamori with this database (nothing was changed) / \
         データベースがこのプログラムより新しい版です"
    )]
    SchemaTooNew { found: usize, known: usize },
    #[error("cannot migrate the database schema to version {SCHEMA_VERSION} (nothing was changed)")]
    Migration(#[source] rusqlite_migration::Error),
    #[error("database error")]
    Sqlite(#[from] rusqlite::Error),
    #[error("map folder {} cannot be imported (nothing in the database was changed)", dir.display())]
    Map {
        dir: PathBuf,
        #[source]
        source: DataErrors,
    },
    #[error(
        "refusing to import: {removed} of the {before} {what} in the database are not in the \
         map folder ({after} after the import), more than the allowed share {max_share}; \
         their statuses, pins and plans would be deleted. Check the folder, or allow it \
         (`--force` or `--max-drop`); nothing was changed"
    )]
    TooManyRemoved {
        what: &'static str,
        before: usize,
        after: usize,
        removed: usize,
        max_share: f64,
    },
    #[error("no map has been imported into this database yet (run `mimamori db import`)")]
    NoMap,
    #[error(
        "unknown plan status {value:?}: expected one of {}",
        PlanStatus::expected()
    )]
    UnknownStatus { value: String },
    #[error(
        "unknown user role {value:?}: expected one of {}",
        UserRole::expected()
    )]
    UnknownRole { value: String },
    #[error(
        "unknown evacuation method {value:?}: expected one of walk, wheelchair, car, stay_upstairs, stay_home"
    )]
    UnknownMethod { value: String },
    #[error(
        "plan status cannot go from {} to {}: expected the next step, or back to drafting",
        from.code(),
        to.code()
    )]
    StatusTransition { from: PlanStatus, to: PlanStatus },
    #[error("no person with id {id:?} in the store")]
    UnknownPerson { id: String },
    #[error("no volunteer with id {id:?} in the store")]
    UnknownVolunteer { id: String },
    #[error("no shelter with id {id:?} in the store")]
    UnknownShelter { id: String },
    #[error("no district with code {code:?} in the store")]
    UnknownDistrict { code: String },
    #[error("a user named {name:?} already exists")]
    DuplicateUser { name: String },
    #[error("user {name:?}: {expected}")]
    InvalidUser { name: String, expected: String },
    #[error("stored {what} cannot be read back (was the database edited by hand?)")]
    Corrupt {
        what: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("cannot write the exported map folder (nothing was changed)")]
    Output(#[from] crate::io::output::OutputError),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

fn corrupt(
    what: impl Into<String>,
) -> impl FnOnce(Box<dyn std::error::Error + Send + Sync>) -> StoreError {
    let what = what.into();
    move |source| StoreError::Corrupt { what, source }
}

/// A JSON error without the text it quotes (stored records hold personal values).
fn json_error(e: serde_json::Error) -> Box<dyn std::error::Error + Send + Sync> {
    format!(
        "{:?} error at line {}, column {} (value not shown)",
        e.classify(),
        e.line(),
        e.column()
    )
    .into()
}

// ---------------------------------------------------------------- vocabularies

/// Where a person's plan stands: 未着手 → 作成中 → 本人確認済 → 完成. Any change is allowed
/// (a complete plan goes back to drafting when the person's situation changes); each is kept
/// in the history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum PlanStatus {
    /// 未着手: nothing done yet (every person without a recorded status).
    NotStarted,
    /// 作成中: a coordinator is drafting the plan.
    Drafting,
    /// 本人確認済: the person (or family) has confirmed the plan.
    ConfirmedWithPerson,
    /// 完成: finished; the review date counts from here.
    Complete,
}

impl PlanStatus {
    pub const ALL: &'static [PlanStatus] = &[
        PlanStatus::NotStarted,
        PlanStatus::Drafting,
        PlanStatus::ConfirmedWithPerson,
        PlanStatus::Complete,
    ];
    /// Stable code used in the database and the API.
    pub fn code(self) -> &'static str {
        match self {
            PlanStatus::NotStarted => "not_started",
            PlanStatus::Drafting => "drafting",
            PlanStatus::ConfirmedWithPerson => "confirmed_with_person",
            PlanStatus::Complete => "complete",
        }
    }
    pub fn label_ja(self) -> &'static str {
        match self {
            PlanStatus::NotStarted => "未着手",
            PlanStatus::Drafting => "作成中",
            PlanStatus::ConfirmedWithPerson => "本人確認済",
            PlanStatus::Complete => "完成",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            PlanStatus::NotStarted => "not started",
            PlanStatus::Drafting => "drafting",
            PlanStatus::ConfirmedWithPerson => "confirmed with the person",
            PlanStatus::Complete => "complete",
        }
    }
    /// Parses a code or a Japanese label (trimmed, ASCII case-insensitive).
    pub fn parse(s: &str) -> Result<Self> {
        let t = s.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|v| t.eq_ignore_ascii_case(v.code()) || t == v.label_ja())
            .ok_or_else(|| StoreError::UnknownStatus {
                value: s.chars().take(40).collect(),
            })
    }
    pub fn expected() -> String {
        Self::ALL
            .iter()
            .map(|s| format!("{} ({})", s.code(), s.label_ja()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What a user of the service may do (enforced by the service, not here).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum UserRole {
    /// City staff: every district.
    City,
    /// 地域コーディネーター: their own district.
    Coordinator,
    /// A helper (担い手): the people they are assigned to; tied to a volunteer id.
    Helper,
    /// Aggregates only.
    Viewer,
}

impl UserRole {
    pub const ALL: &'static [UserRole] = &[
        UserRole::City,
        UserRole::Coordinator,
        UserRole::Helper,
        UserRole::Viewer,
    ];
    pub fn code(self) -> &'static str {
        match self {
            UserRole::City => "city",
            UserRole::Coordinator => "coordinator",
            UserRole::Helper => "helper",
            UserRole::Viewer => "viewer",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        let t = s.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|v| t.eq_ignore_ascii_case(v.code()))
            .ok_or_else(|| StoreError::UnknownRole {
                value: s.chars().take(40).collect(),
            })
    }
    pub fn expected() -> String {
        Self::ALL
            .iter()
            .map(|r| r.code())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Japan Standard Time: the store records instants in UTC; dates people see (update day,
/// "today") are Japanese dates.
pub const JST: time::UtcOffset = time::macros::offset!(+9);

/// When a plan is due for review.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReviewPolicy {
    /// Days from the last status change or pin edit of a started plan to its review. Default
    /// 365: rosters and plans are reviewed yearly (内閣府「避難行動要支援者の避難行動支援に関する
    /// 取組指針」 asks for regular updates; yearly is stated, not a legal figure).
    pub period_days: u32,
}

impl Default for ReviewPolicy {
    fn default() -> Self {
        Self { period_days: 365 }
    }
}

impl ReviewPolicy {
    /// The review date of a plan updated on `updated`.
    pub fn after(&self, updated: Date) -> Date {
        updated + time::Duration::days(i64::from(self.period_days))
    }

    /// The review date for a plan in `status` changed at `now` (none for a plan not started).
    pub fn due(&self, status: PlanStatus, now: OffsetDateTime) -> Option<Date> {
        (status != PlanStatus::NotStarted).then(|| self.after(now.date()))
    }
}

// ---------------------------------------------------------------- records

/// A person's current status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusRecord {
    pub person_id: String,
    pub status: PlanStatus,
    /// `None` for a person whose status was never set.
    pub changed_at: Option<OffsetDateTime>,
    pub changed_by: String,
    pub review_due: Option<Date>,
}

/// One status change in the history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusChange {
    pub person_id: String,
    pub from: PlanStatus,
    pub to: PlanStatus,
    pub changed_at: OffsetDateTime,
    pub changed_by: String,
    pub note: String,
}

/// A hand edit: what the planner must keep for this person.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PinEdit {
    /// Volunteer id of the pinned helper.
    pub helper_id: Option<String>,
    /// Shelter id of the pinned destination.
    pub destination_id: Option<String>,
    pub method: Option<Method>,
    pub notes: String,
}

/// A stored pin with who set it and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pin {
    pub person_id: String,
    pub edit: PinEdit,
    pub set_by: String,
    pub set_at: OffsetDateTime,
}

/// A plan run to record.
#[derive(Clone, Debug)]
pub struct NewPlanRun<'a> {
    /// The scenario as given (TOML or JSON text).
    pub scenario: &'a str,
    /// The planner parameters used (TOML text).
    pub parameters: &'a str,
    pub as_of: Date,
    /// summary.json of the run.
    pub summary: &'a serde_json::Value,
}

/// A stored plan run.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanRunRecord {
    pub id: i64,
    pub created_at: OffsetDateTime,
    pub created_by: String,
    pub as_of: Date,
    pub scenario: String,
    pub parameters: String,
    pub summary: serde_json::Value,
}

/// A user to add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUser {
    pub name: String,
    pub role: UserRole,
    /// District code (coordinators).
    pub district: Option<String>,
    /// Volunteer id (required for helpers).
    pub volunteer_id: Option<String>,
}

/// A stored user (the token itself is never stored, only its SHA-256).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: UserRole,
    pub district: Option<String>,
    pub volunteer_id: Option<String>,
    pub created_at: OffsetDateTime,
}

/// A watch record added after the import (same fields as `watch_records.csv`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewWatchRecord {
    pub date: Date,
    pub person_id: String,
    pub volunteer_id: String,
    pub method: WatchMethod,
    pub outcome: WatchOutcome,
    pub concern: Option<Concern>,
    pub referral: Option<Referral>,
}

/// A stored watch record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredWatchRecord {
    pub id: i64,
    /// From the map folder's watch_records.csv (false: added later).
    pub from_map: bool,
    pub record: NewWatchRecord,
}

/// What to append to the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// Who (a user name, or the operating-system user for the command line).
    pub user: String,
    /// Which person, if the access concerns one person (`None`: many, e.g. an export).
    pub person_id: Option<String>,
    /// Which fields were read or written.
    pub fields: Vec<String>,
    /// Why: the request path or the command.
    pub reason: String,
}

impl AuditEntry {
    /// Every personal field of everyone (a whole import or export), by `user`, for `reason`.
    pub fn all_personal(user: &str, reason: &str) -> Self {
        AuditEntry {
            user: user.to_owned(),
            person_id: None,
            fields: crate::io::PERSONAL_FIELDS
                .iter()
                .map(|f| (*f).to_owned())
                .collect(),
            reason: reason.to_owned(),
        }
    }
}

/// A row of the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: i64,
    pub at: OffsetDateTime,
    pub entry: AuditEntry,
}

/// Which audit rows to list (every given condition must hold).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub person_id: Option<String>,
    pub user: Option<String>,
    /// From this moment (inclusive).
    pub from: Option<OffsetDateTime>,
    /// Before this moment (exclusive).
    pub until: Option<OffsetDateTime>,
}

// ---------------------------------------------------------------- text forms

/// `now` as stored: UTC, whole seconds, RFC 3339 (`2026-12-01T13:58:04Z`), so text order is
/// time order.
pub fn timestamp(now: OffsetDateTime) -> String {
    let t = now.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn parse_timestamp(s: &str) -> Result<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| corrupt("timestamp")(Box::new(e)))
}

fn parse_day(s: &str) -> Result<Date> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|e| corrupt("date")(Box::new(e)))
}

/// Hex SHA-256 of a bearer token: what the store keeps instead of the token.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn method_code(m: Method) -> String {
    serde_json::to_value(m)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Parses an evacuation method code (`walk`, `wheelchair`, `car`, `stay_upstairs`,
/// `stay_home`).
pub fn parse_method(s: &str) -> Result<Method> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_owned())).map_err(|_| {
        StoreError::UnknownMethod {
            value: s.chars().take(40).collect(),
        }
    })
}

// ---------------------------------------------------------------- the store

/// An open store (one SQLite connection).
pub struct Store {
    conn: Connection,
    /// The database file (none for a store in memory).
    path: Option<PathBuf>,
}

fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATION_SQL.iter().map(|sql| M::up(sql)).collect())
}

impl Store {
    /// Opens (creating if missing) the database file at `path` and brings its schema up to
    /// date. Refuses a database written by a newer program ([`StoreError::SchemaTooNew`]).
    pub fn open(path: &Path) -> Result<Self> {
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open(path).map_err(open_err)?;
        // A file that is not a database (or is damaged) fails on its first read: name it.
        let mut store = Self::setup(conn, true).map_err(|e| match e {
            StoreError::Sqlite(source) => open_err(source),
            e => e,
        })?;
        store.path = Some(path.to_path_buf());
        Ok(store)
    }

    /// A store in memory (tests, one-off runs).
    pub fn open_in_memory() -> Result<Self> {
        Self::setup(Connection::open_in_memory()?, false)
    }

    fn setup(mut conn: Connection, file: bool) -> Result<Self> {
        conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))?;
        // Checked before anything is written, so a newer database is left exactly as it is.
        let found: usize = conn
            .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))?
            .try_into()
            .unwrap_or(usize::MAX);
        if found > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                found,
                known: SCHEMA_VERSION,
            });
        }
        if file {
            // WAL: readers do not block the writer, and a killed writer leaves the last
            // committed state. FULL: a committed transaction survives a power cut too.
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "FULL")?;
        }
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrations()
            .to_latest(&mut conn)
            .map_err(StoreError::Migration)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(Self { conn, path: None })
    }

    /// The database file, when the store is one (not in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<usize> {
        let v: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        Ok(usize::try_from(v).unwrap_or(0))
    }

    /// The connection, for read queries this API does not offer yet. Writes should go through
    /// the methods here, which keep the history and the audit log.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn require_person(&self, id: &str) -> Result<()> {
        require_person(&self.conn, id)
    }

    /// Ids of every person, sorted.
    pub fn person_ids(&self) -> Result<Vec<String>> {
        let mut st = self.conn.prepare("SELECT id FROM people ORDER BY id")?;
        let ids = st
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(ids)
    }

    // ------------------------------------------------------------ status

    /// A person's status (未着手 with no date when never set).
    pub fn status(&self, person_id: &str) -> Result<StatusRecord> {
        status_in(&self.conn, person_id)
    }

    /// Sets a person's status, appends the change to the history and sets the review date
    /// (`policy`). Setting the status it already has records nothing and returns it.
    pub fn set_status(
        &mut self,
        person_id: &str,
        status: PlanStatus,
        note: &str,
        now: OffsetDateTime,
        user: &str,
        policy: &ReviewPolicy,
    ) -> Result<StatusRecord> {
        // Immediate: the status read here is the one replaced, even with other writers.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before = status_in(&tx, person_id)?;
        if before.status == status && before.changed_at.is_some() {
            return Ok(before);
        }
        let at = timestamp(now);
        let due = policy.due(status, now).map(|d| d.to_string());
        tx.execute(
            "INSERT INTO plan_status (person_id, status, changed_at, changed_by, review_due) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (person_id) DO UPDATE SET \
             status = excluded.status, changed_at = excluded.changed_at, \
             changed_by = excluded.changed_by, review_due = excluded.review_due",
            params![person_id, status.code(), at, user, due],
        )?;
        tx.execute(
            "INSERT INTO status_history (person_id, from_status, to_status, changed_at, \
             changed_by, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                person_id,
                before.status.code(),
                status.code(),
                at,
                user,
                note
            ],
        )?;
        tx.commit()?;
        self.status(person_id)
    }

    /// Every status change of a person, oldest first (also of people no longer in the map).
    pub fn status_history(&self, person_id: &str) -> Result<Vec<StatusChange>> {
        let mut st = self.conn.prepare(
            "SELECT from_status, to_status, changed_at, changed_by, note FROM status_history \
             WHERE person_id = ?1 ORDER BY id",
        )?;
        let rows = st
            .query_map([person_id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(from, to, at, by, note)| {
                Ok(StatusChange {
                    person_id: person_id.to_owned(),
                    from: PlanStatus::parse(&from)?,
                    to: PlanStatus::parse(&to)?,
                    changed_at: parse_timestamp(&at)?,
                    changed_by: by,
                    note,
                })
            })
            .collect()
    }

    // ------------------------------------------------------------ pins

    /// Pins a helper, destination, method or notes for a person (replacing their pin). The
    /// helper must be a volunteer and the destination a shelter of the imported map. A plan
    /// already started gets a new review date (`policy`).
    pub fn set_pin(
        &mut self,
        person_id: &str,
        edit: &PinEdit,
        now: OffsetDateTime,
        user: &str,
        policy: &ReviewPolicy,
    ) -> Result<Pin> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        require_person(&tx, person_id)?;
        check_pin_refs(&tx, edit)?;
        upsert_pin(&tx, person_id, edit, &timestamp(now), user)?;
        bump_review(&tx, person_id, now, policy)?;
        tx.commit()?;
        self.pin(person_id)?
            .ok_or_else(|| StoreError::UnknownPerson {
                id: person_id.to_owned(),
            })
    }

    /// Removes a person's pin; false when there was none.
    pub fn clear_pin(&mut self, person_id: &str) -> Result<bool> {
        self.require_person(person_id)?;
        Ok(self
            .conn
            .execute("DELETE FROM pins WHERE person_id = ?1", [person_id])?
            > 0)
    }

    /// A person's pin, if any.
    pub fn pin(&self, person_id: &str) -> Result<Option<Pin>> {
        self.require_person(person_id)?;
        Ok(self.pins_where("WHERE person_id = ?1", [person_id])?.pop())
    }

    /// Every pin, in person id order.
    pub fn pins(&self) -> Result<Vec<Pin>> {
        self.pins_where("", [])
    }

    fn pins_where<P: rusqlite::Params>(&self, cond: &str, p: P) -> Result<Vec<Pin>> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT person_id, helper_id, destination_id, method, notes, set_by, set_at \
             FROM pins {cond} ORDER BY person_id"
        ))?;
        let rows = st
            .query_map(p, |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(
                |(person_id, helper_id, destination_id, method, notes, by, at)| {
                    Ok(Pin {
                        person_id,
                        edit: PinEdit {
                            helper_id,
                            destination_id,
                            method: method.as_deref().map(parse_method).transpose()?,
                            notes,
                        },
                        set_by: by,
                        set_at: parse_timestamp(&at)?,
                    })
                },
            )
            .collect()
    }

    // ------------------------------------------------------------ plans

    /// Records a plan run and makes `plans` (person id, plan record as in plans.json) those
    /// people's current plans. People not in `plans` keep their current plan (re-planning one
    /// district). Returns the run id. One transaction.
    pub fn record_plan_run(
        &mut self,
        run: &NewPlanRun<'_>,
        plans: &[(String, serde_json::Value)],
        now: OffsetDateTime,
        user: &str,
    ) -> Result<i64> {
        let tx = self.conn.transaction()?;
        let run_id = record_plan_run_in(&tx, run, plans, now, user)?;
        tx.commit()?;
        Ok(run_id)
    }

    /// A person's current plan and the run it came from.
    pub fn current_plan(&self, person_id: &str) -> Result<Option<(i64, serde_json::Value)>> {
        self.current_plan_as(person_id)
    }

    /// A person's current plan as stored, unparsed: (run id, plan JSON text).
    pub fn current_plan_text(&self, person_id: &str) -> Result<Option<(i64, String)>> {
        self.current_plan_as(person_id)
    }

    fn current_plan_as<T: rusqlite::types::FromSql>(
        &self,
        person_id: &str,
    ) -> Result<Option<(i64, T)>> {
        Ok(self
            .conn
            .prepare_cached("SELECT run_id, plan_json FROM current_plans WHERE person_id = ?1")?
            .query_row([person_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    /// A stored plan run.
    pub fn plan_run(&self, id: i64) -> Result<Option<PlanRunRecord>> {
        let row = self
            .conn
            .query_row(
                "SELECT created_at, created_by, as_of, scenario, parameters, summary_json \
                 FROM plan_runs WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, serde_json::Value>(5)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(at, by, as_of, scenario, parameters, summary)| {
            Ok(PlanRunRecord {
                id,
                created_at: parse_timestamp(&at)?,
                created_by: by,
                as_of: parse_day(&as_of)?,
                scenario,
                parameters,
                summary,
            })
        })
        .transpose()
    }

    // ------------------------------------------------------------ watch records

    /// Adds a watch record (from the service). The person and volunteer must exist.
    pub fn add_watch_record(
        &mut self,
        r: &NewWatchRecord,
        now: OffsetDateTime,
        user: &str,
    ) -> Result<i64> {
        self.require_person(&r.person_id)?;
        if !exists(
            &self.conn,
            "SELECT 1 FROM volunteers WHERE id = ?1",
            &r.volunteer_id,
        )? {
            return Err(StoreError::UnknownVolunteer {
                id: r.volunteer_id.clone(),
            });
        }
        self.conn.execute(
            "INSERT INTO watch_records (origin, date, person_id, volunteer_id, method, outcome, \
             concern, referral, added_by, added_at) \
             VALUES ('added', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                r.date.to_string(),
                r.person_id,
                r.volunteer_id,
                r.method.code(),
                r.outcome.code(),
                r.concern.map(|c| c.code()),
                r.referral.map(|c| c.code()),
                user,
                timestamp(now)
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// A person's watch records: the map's in file order, then those added later.
    pub fn watch_records(&self, person_id: &str) -> Result<Vec<StoredWatchRecord>> {
        map::watch_records_where(&self.conn, "WHERE person_id = ?1", [person_id])
    }

    // ------------------------------------------------------------ users

    /// A new random bearer token: 32 bytes from SQLite's ChaCha20 generator (seeded by the
    /// operating system), as 64 hex digits. Give it to the user once; only its hash is kept.
    pub fn new_token(&self) -> Result<String> {
        let bytes: Vec<u8> = self
            .conn
            .query_row("SELECT randomblob(32)", [], |r| r.get(0))?;
        Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Adds a user who signs in with `token` (stored as its SHA-256 only). A helper needs a
    /// volunteer id of the map; a district, if given, must exist.
    pub fn add_user(&mut self, u: &NewUser, token: &str, now: OffsetDateTime) -> Result<User> {
        let invalid = |expected: &str| StoreError::InvalidUser {
            name: u.name.clone(),
            expected: expected.into(),
        };
        if u.name.trim().is_empty() || u.name.chars().any(char::is_control) {
            return Err(invalid(
                "a name that is not empty and has no control characters",
            ));
        }
        if token.len() < 16 {
            return Err(invalid("a token of at least 16 characters"));
        }
        if u.role == UserRole::Helper && u.volunteer_id.is_none() {
            return Err(invalid(
                "a volunteer id: a helper user is tied to a volunteer",
            ));
        }
        if let Some(v) = &u.volunteer_id
            && !exists(&self.conn, "SELECT 1 FROM volunteers WHERE id = ?1", v)?
        {
            return Err(StoreError::UnknownVolunteer { id: v.clone() });
        }
        if let Some(d) = &u.district
            && !exists(&self.conn, "SELECT 1 FROM districts WHERE code = ?1", d)?
        {
            return Err(StoreError::UnknownDistrict { code: d.clone() });
        }
        if exists(&self.conn, "SELECT 1 FROM users WHERE name = ?1", &u.name)? {
            return Err(StoreError::DuplicateUser {
                name: u.name.clone(),
            });
        }
        self.conn.execute(
            "INSERT INTO users (name, role, district, volunteer_id, token_sha256, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                u.name,
                u.role.code(),
                u.district,
                u.volunteer_id,
                token_hash(token),
                timestamp(now)
            ],
        )?;
        let id = self.conn.last_insert_rowid();
        self.users_where("WHERE id = ?1", [id])?
            .pop()
            .ok_or_else(|| StoreError::InvalidUser {
                name: u.name.clone(),
                expected: "to be stored".into(),
            })
    }

    /// The user a bearer token belongs to, if any.
    pub fn user_by_token(&self, token: &str) -> Result<Option<User>> {
        Ok(self
            .users_where("WHERE token_sha256 = ?1", [token_hash(token)])?
            .pop())
    }

    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<User>> {
        self.users_where("", [])
    }

    fn users_where<P: rusqlite::Params>(&self, cond: &str, p: P) -> Result<Vec<User>> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT id, name, role, district, volunteer_id, created_at FROM users {cond} \
             ORDER BY name"
        ))?;
        let rows = st
            .query_map(p, |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(id, name, role, district, volunteer_id, at)| {
                Ok(User {
                    id,
                    name,
                    role: UserRole::parse(&role)?,
                    district,
                    volunteer_id,
                    created_at: parse_timestamp(&at)?,
                })
            })
            .collect()
    }

    // ------------------------------------------------------------ audit

    /// Appends one row to the audit log. Rows are never changed or deleted (the database
    /// refuses it).
    pub fn append_audit(&mut self, e: &AuditEntry, now: OffsetDateTime) -> Result<i64> {
        append_audit(&self.conn, e, now)
    }

    /// Appends several rows to the audit log in one transaction (one commit for all: the
    /// service's group commit). Either every row is appended or none. Returns their ids, in
    /// order.
    pub fn append_audit_batch(
        &mut self,
        entries: &[(&AuditEntry, OffsetDateTime)],
    ) -> Result<Vec<i64>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ids = entries
            .iter()
            .map(|(e, now)| append_audit(&tx, e, *now))
            .collect::<Result<Vec<_>>>()?;
        tx.commit()?;
        Ok(ids)
    }

    /// Audit rows matching `filter`, oldest first.
    pub fn audit(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>> {
        let mut st = self.conn.prepare(
            "SELECT id, at, user_name, person_id, fields, reason FROM audit_log \
             WHERE (?1 IS NULL OR person_id = ?1) AND (?2 IS NULL OR user_name = ?2) \
             AND (?3 IS NULL OR at >= ?3) AND (?4 IS NULL OR at < ?4) ORDER BY id",
        )?;
        let rows = st
            .query_map(
                params![
                    filter.person_id,
                    filter.user,
                    filter.from.map(timestamp),
                    filter.until.map(timestamp)
                ],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                    ))
                },
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(id, at, user, person_id, fields, reason)| {
                Ok(AuditRecord {
                    id,
                    at: parse_timestamp(&at)?,
                    entry: AuditEntry {
                        user,
                        person_id,
                        fields: fields
                            .split(',')
                            .filter(|f| !f.is_empty())
                            .map(str::to_owned)
                            .collect(),
                        reason,
                    },
                })
            })
            .collect()
    }
}

fn status_in(conn: &Connection, person_id: &str) -> Result<StatusRecord> {
    require_person(conn, person_id)?;
    let row = conn
        .prepare_cached(
            "SELECT status, changed_at, changed_by, review_due FROM plan_status \
                 WHERE person_id = ?1",
        )?
        .query_row([person_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })
        .optional()?;
    Ok(match row {
        None => StatusRecord {
            person_id: person_id.to_owned(),
            status: PlanStatus::NotStarted,
            changed_at: None,
            changed_by: String::new(),
            review_due: None,
        },
        Some((s, at, by, due)) => StatusRecord {
            person_id: person_id.to_owned(),
            status: PlanStatus::parse(&s)?,
            changed_at: Some(parse_timestamp(&at)?),
            changed_by: by,
            review_due: due.as_deref().map(parse_day).transpose()?,
        },
    })
}

fn require_person(conn: &Connection, id: &str) -> Result<()> {
    if exists(conn, "SELECT 1 FROM people WHERE id = ?1", id)? {
        Ok(())
    } else {
        Err(StoreError::UnknownPerson { id: id.to_owned() })
    }
}

fn exists(conn: &Connection, sql: &str, key: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(sql)?
        .query_row([key], |_| Ok(()))
        .optional()?
        .is_some())
}

fn append_audit(conn: &Connection, e: &AuditEntry, now: OffsetDateTime) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, user_name, person_id, fields, reason) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        timestamp(now),
        e.user,
        e.person_id,
        e.fields.join(","),
        e.reason
    ])?;
    Ok(conn.last_insert_rowid())
}

fn check_pin_refs(conn: &Connection, edit: &PinEdit) -> Result<()> {
    if let Some(h) = &edit.helper_id
        && !exists(conn, "SELECT 1 FROM volunteers WHERE id = ?1", h)?
    {
        return Err(StoreError::UnknownVolunteer { id: h.clone() });
    }
    if let Some(d) = &edit.destination_id
        && !exists(conn, "SELECT 1 FROM shelters WHERE id = ?1", d)?
    {
        return Err(StoreError::UnknownShelter { id: d.clone() });
    }
    Ok(())
}

fn upsert_pin(conn: &Connection, person_id: &str, e: &PinEdit, at: &str, user: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO pins (person_id, helper_id, destination_id, method, notes, set_by, set_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (person_id) DO UPDATE SET \
         helper_id = excluded.helper_id, destination_id = excluded.destination_id, \
         method = excluded.method, notes = excluded.notes, set_by = excluded.set_by, \
         set_at = excluded.set_at",
        params![
            person_id,
            e.helper_id,
            e.destination_id,
            e.method.map(method_code),
            e.notes,
            user,
            at
        ],
    )?;
    Ok(())
}

/// A pin edit of a started plan moves its review date.
fn bump_review(
    conn: &Connection,
    person_id: &str,
    now: OffsetDateTime,
    policy: &ReviewPolicy,
) -> Result<()> {
    let status: Option<String> = conn
        .query_row(
            "SELECT status FROM plan_status WHERE person_id = ?1",
            [person_id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(s) = status {
        let due = policy
            .due(PlanStatus::parse(&s)?, now)
            .map(|d| d.to_string());
        conn.execute(
            "UPDATE plan_status SET review_due = ?2 WHERE person_id = ?1",
            params![person_id, due],
        )?;
    }
    Ok(())
}

/// The body of [`Store::record_plan_run`], inside the caller's transaction.
fn record_plan_run_in(
    tx: &rusqlite::Transaction<'_>,
    run: &NewPlanRun<'_>,
    plans: &[(String, serde_json::Value)],
    now: OffsetDateTime,
    user: &str,
) -> Result<i64> {
    for (id, _) in plans {
        require_person(tx, id)?;
    }
    tx.execute(
        "INSERT INTO plan_runs (created_at, created_by, as_of, scenario, parameters, \
             summary_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            timestamp(now),
            user,
            run.as_of.to_string(),
            run.scenario,
            run.parameters,
            run.summary
        ],
    )?;
    let run_id = tx.last_insert_rowid();
    {
        let mut st = tx.prepare(
            "INSERT INTO current_plans (person_id, run_id, plan_json) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (person_id) DO UPDATE SET run_id = excluded.run_id, \
                 plan_json = excluded.plan_json",
        )?;
        for (id, plan) in plans {
            st.execute(params![id, run_id, plan])?;
        }
    }
    Ok(run_id)
}

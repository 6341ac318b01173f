//! The map folder in the store: import (load or refresh, one transaction), export (a map
//! folder written back whole or not at all), and the [`Map`] rebuilt from the store.

use super::pins::PinRow;
use super::{
    AuditEntry, NewWatchRecord, PinEdit, Result, Store, StoreError, StoredWatchRecord,
    append_audit, corrupt, json_error, parse_day, timestamp, upsert_pin,
};
use crate::io::geojson_in::{RawFeature, read_feature_collection};
use crate::io::mapdir::{self, load_map_at};
use crate::io::output::{DEFAULT_MAX_DROP_SHARE, OutputKind, Staged};
use crate::io::{DataErrors, Encoding};
use crate::model::*;
use rusqlite::{Connection, Transaction, TransactionBehavior, params};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use time::{Date, OffsetDateTime};

/// The files `db export` writes: a map folder and `pins.csv`.
pub const EXPORT_FOLDER: OutputKind = OutputKind {
    command: "db export",
    known: |rel| {
        use crate::io::mapdir::*;
        [
            MAP_TOML,
            DISTRICTS,
            ROADS,
            SHELTERS,
            HAZARDS,
            PEOPLE,
            VOLUNTEERS,
            WATCH_RECORDS,
            PINS,
        ]
        .contains(&rel)
    },
    manifest: false,
};

/// Layers kept as the crate's writer writes them.
const LAYERS: [&str; 3] = [mapdir::DISTRICTS, mapdir::ROADS, mapdir::HAZARDS];

/// How an import is guarded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ImportOptions {
    /// Largest share (0 to 1) of the stored people, or of the stored volunteers, a refresh may
    /// remove; `None`: no limit. Default [`DEFAULT_MAX_DROP_SHARE`] (half), the same guard as
    /// `mimamori import`: a real roster update changes a few percent, so losing half of it
    /// means the wrong folder, and people removed lose their status, pin and plan.
    pub max_drop_share: Option<f64>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            max_drop_share: Some(DEFAULT_MAX_DROP_SHARE),
        }
    }
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportReport {
    /// The database held no map before.
    pub first_import: bool,
    /// People new in this import, by id.
    pub people_added: Vec<String>,
    /// People present before and now.
    pub people_kept: usize,
    /// People no longer in the map folder, by id: their status, pin, current plan and added
    /// watch records were deleted (their status history and the audit log are kept).
    pub people_removed: Vec<String>,
    /// Those of `people_removed` who had a status, pin, current plan, history or added watch
    /// record.
    pub removed_with_state: Vec<String>,
    /// Statuses of people still present (kept as they were).
    pub statuses_kept: usize,
    /// Pins of people still present (kept unless `pins.csv` changed them).
    pub pins_kept: usize,
    /// Pins set or changed from `pins.csv`.
    pub pins_from_file: usize,
    /// People whose pin names a helper or destination no longer in the map (the pin is kept).
    pub pins_dangling: Vec<String>,
    pub districts: usize,
    pub people: usize,
    pub volunteers: usize,
    /// Volunteers no longer in the map folder, by id.
    pub volunteers_removed: Vec<String>,
    pub shelters: usize,
    pub hazards: usize,
    pub roads: usize,
    /// Watch records from watch_records.csv.
    pub map_records: usize,
    /// Watch records added later and kept.
    pub added_records_kept: usize,
    /// Added watch records now also in watch_records.csv (kept once, as the map's).
    pub added_records_absorbed: usize,
    /// Added watch records whose person or volunteer left the map (deleted).
    pub added_records_dropped: usize,
}

/// The key of a watch record (records have no id of their own).
type RecordKey = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

fn record_key(map: &Map, r: &WatchRecord) -> RecordKey {
    (
        r.date.to_string(),
        map.person(r.person).ext_id.clone(),
        map.volunteer(r.volunteer).ext_id.clone(),
        r.method.code().to_owned(),
        r.outcome.code().to_owned(),
        r.concern.map(|c| c.code().to_owned()),
        r.referral.map(|c| c.code().to_owned()),
    )
}

fn ids(conn: &Connection, sql: &str) -> Result<BTreeSet<String>> {
    let mut st = conn.prepare(sql)?;
    let out = st
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<BTreeSet<String>>>()?;
    Ok(out)
}

/// A record as JSON with its district index replaced by the district code (indexes are row
/// positions and mean nothing outside one loaded map).
/// A birth date is stored as `"YYYY-MM-DD"`, readable by queries and people.
fn record_json<T: serde::Serialize>(v: &T, district_code: &str) -> Result<Value> {
    let mut j = serde_json::to_value(v).map_err(|e| corrupt("record")(json_error(e)))?;
    if let Value::Object(o) = &mut j {
        o.insert("district".into(), Value::String(district_code.to_owned()));
        if let Some(d) = o.get("birth_date") {
            let d: Date =
                serde_json::from_value(d.clone()).map_err(|e| corrupt("record")(json_error(e)))?;
            o.insert("birth_date".into(), Value::String(d.to_string()));
        }
    }
    Ok(j)
}

fn record_from_json<T: serde::de::DeserializeOwned>(mut j: Value, what: &str) -> Result<T> {
    if let Value::Object(o) = &mut j
        && let Some(Value::String(text)) = o.get("birth_date")
    {
        let d = parse_day(text)?;
        let v = serde_json::to_value(d).map_err(|e| corrupt(what)(json_error(e)))?;
        o.insert("birth_date".into(), v);
    }
    serde_json::from_value(j).map_err(|e| corrupt(what)(json_error(e)))
}

impl Store {
    /// Loads the map folder `dir` with the crate's loader (dates judged as of `as_of`, else the
    /// map's `as_of`, else `now`'s date) and its `pins.csv` if present, then imports both
    /// ([`Store::import_map`]). Bad input gives the loader's errors and changes nothing.
    pub fn import_map_dir(
        &mut self,
        dir: &Path,
        as_of: Option<Date>,
        opts: &ImportOptions,
        now: OffsetDateTime,
        user: &str,
    ) -> Result<ImportReport> {
        let bad = |source: DataErrors| StoreError::Map {
            dir: dir.to_path_buf(),
            source,
        };
        let (map, _) = load_map_at(dir, as_of, now.date()).map_err(bad)?;
        let reason = format!("db import {}", dir.display());
        self.import_map(&map, opts, now, user, &reason)
    }

    /// Imports a loaded map (with its pins, `pins.csv`) in one transaction: everything is
    /// written or nothing changes. A refresh keeps the statuses, pins, current plans and
    /// history of people still present; people removed lose their status, pin and current
    /// plan (listed in the report). Pins from `pins.csv` replace those people's helper,
    /// destination and notes (the method is kept); pins of people not in the file are kept.
    /// A refresh removing more people or volunteers than `opts` allows is refused
    /// ([`StoreError::TooManyRemoved`]). `reason` goes to the audit log.
    pub fn import_map(
        &mut self,
        map: &Map,
        opts: &ImportOptions,
        now: OffsetDateTime,
        user: &str,
        reason: &str,
    ) -> Result<ImportReport> {
        let pins = PinRow::from_map(map);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Checked at commit: rows go in in any order, and the commit refuses a dangling key.
        tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
        let report = import_in(&tx, map, &pins, opts, now, user, reason)?;
        tx.commit()?;
        Ok(report)
    }

    /// Writes the stored map back as a map folder `dir` (with `pins.csv` when there are pins),
    /// staged: the folder is replaced whole or left as it was. The export is a read of every
    /// personal field and is recorded in the audit log as `user` with `reason` (before the
    /// files are written, so an export that fails while writing is recorded too).
    pub fn export_map(
        &mut self,
        dir: &Path,
        now: OffsetDateTime,
        user: &str,
        reason: &str,
    ) -> Result<()> {
        let (mut map, layers) = self.map_without_layers()?;
        if Encoding::parse(&map.meta.csv_encoding) == Some(Encoding::ShiftJis) {
            // The writers write UTF-8.
            map.meta.csv_encoding = "utf-8".into();
        }
        map.pins = self
            .pins()?
            .into_iter()
            .filter_map(|p| {
                PinRow {
                    person_id: p.person_id,
                    helper_id: p.edit.helper_id,
                    destination_id: p.edit.destination_id,
                    note: p.edit.notes,
                }
                .to_pin(&map)
            })
            .collect();
        // A folder that cannot be replaced is refused before anything is read or logged.
        let set = Staged::replace(dir, &EXPORT_FOLDER)?;
        append_audit(&self.conn, &AuditEntry::all_personal(user, reason), now)?;
        for name in LAYERS {
            let text = layers.get(name).ok_or_else(|| StoreError::Corrupt {
                what: format!("layer {name}"),
                source: "missing".into(),
            })?;
            set.write(name, text.as_bytes())?;
        }
        set.write(mapdir::SHELTERS, &mapdir::shelters_geojson(&map.shelters))?;
        set.write(mapdir::PEOPLE, &mapdir::people_csv(&map))?;
        set.write(mapdir::VOLUNTEERS, &mapdir::volunteers_csv(&map))?;
        set.write(mapdir::WATCH_RECORDS, &mapdir::watch_records_csv(&map))?;
        set.write(mapdir::MAP_TOML, &mapdir::meta_toml(&map.meta))?;
        if !map.pins.is_empty() {
            set.write(mapdir::PINS, &mapdir::pins_csv(&map))?;
        }
        set.commit()?;
        Ok(())
    }

    /// The stored map, as the loader would give it (watch records added later included, after
    /// the map's own).
    pub fn map(&self) -> Result<Map> {
        let (mut map, layers) = self.map_without_layers()?;
        let layer = |name: &str| -> Result<Vec<RawFeature>> {
            let text = layers.get(name).map(String::as_str).unwrap_or("");
            read_feature_collection(Path::new(name), text)
                .map_err(|e| corrupt(format!("layer {name}"))(Box::new(e)))
        };
        let mut errs = DataErrors::default();
        let districts = mapdir::districts_from(
            Path::new(mapdir::DISTRICTS),
            &layer(mapdir::DISTRICTS)?,
            &mut errs,
        );
        // The layer holds the same districts in the same order: take their boundaries.
        for (d, full) in map.districts.iter_mut().zip(districts) {
            if d.code == full.code {
                d.boundary = full.boundary;
                d.commissioner = full.commissioner;
            }
        }
        map.roads = mapdir::roads_from(Path::new(mapdir::ROADS), &layer(mapdir::ROADS)?, &mut errs);
        map.hazards = mapdir::hazards_from(
            Path::new(mapdir::HAZARDS),
            &layer(mapdir::HAZARDS)?,
            &mut errs,
        );
        if !errs.is_empty() {
            return Err(corrupt("map layers")(Box::new(errs)));
        }
        Ok(map)
    }

    /// The map without roads, hazards and district boundaries, and the stored layer texts.
    fn map_without_layers(&self) -> Result<(Map, BTreeMap<String, String>)> {
        let conn = &self.conn;
        let meta_json: Option<String> = conn
            .query_row("SELECT meta_json FROM map_meta WHERE id = 1", [], |r| {
                r.get(0)
            })
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })?;
        let meta: MapMeta = serde_json::from_str(&meta_json.ok_or(StoreError::NoMap)?)
            .map_err(|e| corrupt("map.toml")(json_error(e)))?;
        let mut map = Map {
            meta,
            ..Map::default()
        };
        let mut st = conn.prepare("SELECT code, name FROM districts ORDER BY position")?;
        map.districts = st
            .query_map([], |r| {
                Ok(District {
                    code: r.get(0)?,
                    name: r.get(1)?,
                    boundary: None,
                    commissioner: String::new(),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let districts: BTreeMap<String, DistrictId> = map
            .districts
            .iter()
            .enumerate()
            .map(|(i, d)| (d.code.clone(), DistrictId(i as u32)))
            .collect();
        let district = |code: &str| {
            districts
                .get(code)
                .copied()
                .ok_or_else(|| StoreError::UnknownDistrict {
                    code: code.to_owned(),
                })
        };
        type Rec = (String, f64, f64, Value);
        let rows = |sql: &str| -> Result<Vec<Rec>> {
            let mut st = conn.prepare(sql)?;
            let out = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect::<rusqlite::Result<Vec<Rec>>>()?;
            Ok(out)
        };
        for (code, lon, lat, j) in
            rows("SELECT district, lon, lat, record_json FROM people ORDER BY position")?
        {
            let mut p: Person = record_from_json(j, "person")?;
            p.district = district(&code)?;
            p.home = LonLat::new(lon, lat);
            map.people.push(p);
        }
        for (code, lon, lat, j) in
            rows("SELECT district, lon, lat, record_json FROM volunteers ORDER BY position")?
        {
            let mut v: Volunteer = record_from_json(j, "volunteer")?;
            v.district = district(&code)?;
            v.home = LonLat::new(lon, lat);
            map.volunteers.push(v);
        }
        for (_, lon, lat, j) in
            rows("SELECT id, lon, lat, record_json FROM shelters ORDER BY position")?
        {
            let mut s: Shelter = record_from_json(j, "shelter")?;
            s.location = LonLat::new(lon, lat);
            map.shelters.push(s);
        }
        let people: BTreeMap<String, PersonId> = map
            .people
            .iter()
            .enumerate()
            .map(|(i, p)| (p.ext_id.clone(), PersonId(i as u32)))
            .collect();
        let vols: BTreeMap<String, VolunteerId> = map
            .volunteers
            .iter()
            .enumerate()
            .map(|(i, v)| (v.ext_id.clone(), VolunteerId(i as u32)))
            .collect();
        for s in watch_records_where(conn, "", [])? {
            let r = s.record;
            let person = *people
                .get(&r.person_id)
                .ok_or_else(|| StoreError::UnknownPerson {
                    id: r.person_id.clone(),
                })?;
            let volunteer =
                *vols
                    .get(&r.volunteer_id)
                    .ok_or_else(|| StoreError::UnknownVolunteer {
                        id: r.volunteer_id.clone(),
                    })?;
            map.records.push(WatchRecord {
                date: r.date,
                person,
                volunteer,
                method: r.method,
                outcome: r.outcome,
                concern: r.concern,
                referral: r.referral,
            });
        }
        let mut layers = BTreeMap::new();
        let mut st = conn.prepare("SELECT file, content FROM map_layers")?;
        for row in st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
            let (f, c) = row?;
            layers.insert(f, c);
        }
        Ok((map, layers))
    }
}

/// Watch records matching `cond` (a WHERE clause), the map's in file order, then added ones.
pub(super) fn watch_records_where<P: rusqlite::Params>(
    conn: &Connection,
    cond: &str,
    p: P,
) -> Result<Vec<StoredWatchRecord>> {
    let mut st = conn.prepare(&format!(
        "SELECT id, origin, date, person_id, volunteer_id, method, outcome, concern, referral \
         FROM watch_records {cond} ORDER BY origin = 'added', position, id"
    ))?;
    type Raw = (
        i64,
        String,
        String,
        String,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
    );
    let rows = st
        .query_map(p, |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<Raw>>>()?;
    let bad = |what: &str, v: &str| StoreError::Corrupt {
        what: format!("watch record {what}"),
        source: format!("unknown code {v:?}").into(),
    };
    rows.into_iter()
        .map(
            |(id, origin, date, person_id, volunteer_id, method, outcome, concern, referral)| {
                Ok(StoredWatchRecord {
                    id,
                    from_map: origin == "map",
                    record: NewWatchRecord {
                        date: parse_day(&date)?,
                        person_id,
                        volunteer_id,
                        method: WatchMethod::parse(&method)
                            .ok_or_else(|| bad("method", &method))?,
                        outcome: WatchOutcome::parse(&outcome)
                            .ok_or_else(|| bad("outcome", &outcome))?,
                        concern: concern
                            .as_deref()
                            .map(|c| Concern::parse(c).ok_or_else(|| bad("concern", c)))
                            .transpose()?,
                        referral: referral
                            .as_deref()
                            .map(|c| Referral::parse(c).ok_or_else(|| bad("referral", c)))
                            .transpose()?,
                    },
                })
            },
        )
        .collect()
}

fn import_in(
    tx: &Transaction<'_>,
    map: &Map,
    pins: &[PinRow],
    opts: &ImportOptions,
    now: OffsetDateTime,
    user: &str,
    reason: &str,
) -> Result<ImportReport> {
    let at = timestamp(now);
    let mut rep = ImportReport {
        first_import: tx.query_row("SELECT COUNT(*) FROM map_meta", [], |r| r.get::<_, i64>(0))?
            == 0,
        ..ImportReport::default()
    };
    let old_people = ids(tx, "SELECT id FROM people")?;
    let new_people: BTreeSet<String> = map.people.iter().map(|p| p.ext_id.clone()).collect();
    let old_vols = ids(tx, "SELECT id FROM volunteers")?;
    let new_vols: BTreeSet<String> = map.volunteers.iter().map(|v| v.ext_id.clone()).collect();
    rep.people_added = new_people.difference(&old_people).cloned().collect();
    rep.people_removed = old_people.difference(&new_people).cloned().collect();
    rep.people_kept = old_people.intersection(&new_people).count();
    rep.volunteers_removed = old_vols.difference(&new_vols).cloned().collect();
    if let Some(max) = opts.max_drop_share {
        for (what, before, after, removed) in [
            (
                "people",
                old_people.len(),
                new_people.len(),
                rep.people_removed.len(),
            ),
            (
                "volunteers",
                old_vols.len(),
                new_vols.len(),
                rep.volunteers_removed.len(),
            ),
        ] {
            if before > 0 && removed as f64 > max * before as f64 {
                return Err(StoreError::TooManyRemoved {
                    what,
                    before,
                    after,
                    removed,
                    max_share: max,
                });
            }
        }
    }

    // People who leave: note who had state, then delete what hangs on them.
    let with_state = ids(
        tx,
        "SELECT person_id FROM plan_status UNION SELECT person_id FROM pins \
         UNION SELECT person_id FROM current_plans UNION SELECT person_id FROM status_history \
         UNION SELECT person_id FROM watch_records WHERE origin = 'added'",
    )?;
    rep.removed_with_state = rep
        .people_removed
        .iter()
        .filter(|id| with_state.contains(*id))
        .cloned()
        .collect();
    // Added watch records: absorbed into the map's, dropped with their person or volunteer.
    let map_keys: BTreeSet<RecordKey> = map.records.iter().map(|r| record_key(map, r)).collect();
    let added = watch_records_where(tx, "WHERE origin = 'added'", [])?;
    for s in &added {
        let r = &s.record;
        let gone = !new_people.contains(&r.person_id) || !new_vols.contains(&r.volunteer_id);
        let key: RecordKey = (
            r.date.to_string(),
            r.person_id.clone(),
            r.volunteer_id.clone(),
            r.method.code().to_owned(),
            r.outcome.code().to_owned(),
            r.concern.map(|c| c.code().to_owned()),
            r.referral.map(|c| c.code().to_owned()),
        );
        if gone {
            rep.added_records_dropped += 1;
        } else if map_keys.contains(&key) {
            rep.added_records_absorbed += 1;
        } else {
            rep.added_records_kept += 1;
            continue;
        }
        tx.execute("DELETE FROM watch_records WHERE id = ?1", [s.id])?;
    }
    tx.execute("DELETE FROM watch_records WHERE origin = 'map'", [])?;
    for id in &rep.people_removed {
        for table in ["current_plans", "pins", "plan_status"] {
            tx.execute(&format!("DELETE FROM {table} WHERE person_id = ?1"), [id])?;
        }
        tx.execute("DELETE FROM people WHERE id = ?1", [id])?;
    }
    for id in &rep.volunteers_removed {
        tx.execute("DELETE FROM volunteers WHERE id = ?1", [id])?;
    }

    // Districts, people, volunteers, shelters: upserts keyed by id.
    let new_districts: BTreeSet<&str> = map.districts.iter().map(|d| d.code.as_str()).collect();
    for code in ids(tx, "SELECT code FROM districts")? {
        if !new_districts.contains(code.as_str()) {
            tx.execute("DELETE FROM districts WHERE code = ?1", [code])?;
        }
    }
    {
        let mut st = tx.prepare(
            "INSERT INTO districts (code, position, name) VALUES (?1, ?2, ?3) \
             ON CONFLICT (code) DO UPDATE SET position = excluded.position, name = excluded.name",
        )?;
        for (i, d) in map.districts.iter().enumerate() {
            st.execute(params![d.code, i as i64, d.name])?;
        }
    }
    {
        let mut st = tx.prepare(
            "INSERT INTO people (id, position, district, household, consent_plan, \
             consent_share, lon, lat, record_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
             ON CONFLICT (id) DO UPDATE SET position = excluded.position, \
             district = excluded.district, household = excluded.household, \
             consent_plan = excluded.consent_plan, consent_share = excluded.consent_share, \
             lon = excluded.lon, lat = excluded.lat, record_json = excluded.record_json",
        )?;
        for (i, p) in map.people.iter().enumerate() {
            let code = &map.district(p.district).code;
            st.execute(params![
                p.ext_id,
                i as i64,
                code,
                p.household.code(),
                p.consent.plan,
                p.consent.share,
                p.home.lon,
                p.home.lat,
                record_json(p, code)?
            ])?;
        }
    }
    {
        let mut st = tx.prepare(
            "INSERT INTO volunteers (id, position, district, consent_named, lon, lat, \
             record_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
             ON CONFLICT (id) DO UPDATE SET position = excluded.position, \
             district = excluded.district, consent_named = excluded.consent_named, \
             lon = excluded.lon, lat = excluded.lat, record_json = excluded.record_json",
        )?;
        for (i, v) in map.volunteers.iter().enumerate() {
            let code = &map.district(v.district).code;
            st.execute(params![
                v.ext_id,
                i as i64,
                code,
                v.consent_named,
                v.home.lon,
                v.home.lat,
                record_json(v, code)?
            ])?;
        }
    }
    tx.execute("DELETE FROM shelters", [])?;
    {
        let mut st = tx.prepare(
            "INSERT INTO shelters (id, position, kind, capacity, lon, lat, record_json) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for (i, s) in map.shelters.iter().enumerate() {
            let j = serde_json::to_value(s).map_err(|e| corrupt("shelter")(json_error(e)))?;
            st.execute(params![
                s.ext_id,
                i as i64,
                s.kind.code(),
                s.capacity,
                s.location.lon,
                s.location.lat,
                j
            ])?;
        }
    }
    {
        let mut st = tx.prepare(
            "INSERT INTO watch_records (origin, position, date, person_id, volunteer_id, \
             method, outcome, concern, referral) VALUES ('map', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for (i, r) in map.records.iter().enumerate() {
            let (date, person, volunteer, method, outcome, concern, referral) = record_key(map, r);
            st.execute(params![
                i as i64, date, person, volunteer, method, outcome, concern, referral
            ])?;
        }
    }
    // Layers, as the crate's writer writes them.
    let layers: [(&str, Vec<u8>); 3] = [
        (mapdir::DISTRICTS, mapdir::districts_geojson(&map.districts)),
        (mapdir::ROADS, mapdir::roads_geojson(&map.roads)),
        (mapdir::HAZARDS, mapdir::hazards_geojson(&map.hazards)),
    ];
    for (name, bytes) in layers {
        let text = String::from_utf8(bytes).map_err(|e| corrupt(name)(Box::new(e)))?;
        tx.execute(
            "INSERT INTO map_layers (file, content) VALUES (?1, ?2) \
             ON CONFLICT (file) DO UPDATE SET content = excluded.content",
            params![name, text],
        )?;
    }
    let meta_json =
        serde_json::to_string(&map.meta).map_err(|e| corrupt("map.toml")(json_error(e)))?;
    tx.execute(
        "INSERT INTO map_meta (id, name, municipality_code, as_of, meta_json, imported_at, \
         imported_by) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO UPDATE SET \
         name = excluded.name, municipality_code = excluded.municipality_code, \
         as_of = excluded.as_of, meta_json = excluded.meta_json, \
         imported_at = excluded.imported_at, imported_by = excluded.imported_by",
        params![
            map.meta.name,
            map.meta.municipality_code,
            map.meta.as_of.map(|d| d.to_string()),
            meta_json,
            at,
            user
        ],
    )?;

    // Pins from pins.csv: set or changed ones only (an unchanged row keeps who set it, when).
    for p in pins {
        let old: Option<StoredPin> = tx
            .query_row(
                "SELECT helper_id, destination_id, method, notes FROM pins WHERE person_id = ?1",
                [&p.person_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })?;
        let method = old.as_ref().and_then(|o| o.2.clone());
        let same = old
            .as_ref()
            .is_some_and(|o| o.0 == p.helper_id && o.1 == p.destination_id && o.3 == p.note);
        if same {
            continue;
        }
        let edit = PinEdit {
            helper_id: p.helper_id.clone(),
            destination_id: p.destination_id.clone(),
            method: method.as_deref().map(super::parse_method).transpose()?,
            notes: p.note.clone(),
        };
        upsert_pin(tx, &p.person_id, &edit, &at, user)?;
        rep.pins_from_file += 1;
    }

    rep.statuses_kept = count(tx, "SELECT COUNT(*) FROM plan_status")?;
    rep.pins_kept = count(tx, "SELECT COUNT(*) FROM pins")? - rep.pins_from_file;
    rep.pins_dangling = ids(
        tx,
        "SELECT person_id FROM pins WHERE (helper_id IS NOT NULL AND helper_id NOT IN \
         (SELECT id FROM volunteers)) OR (destination_id IS NOT NULL AND destination_id NOT IN \
         (SELECT id FROM shelters))",
    )?
    .into_iter()
    .collect();
    rep.districts = map.districts.len();
    rep.people = map.people.len();
    rep.volunteers = map.volunteers.len();
    rep.shelters = map.shelters.len();
    rep.hazards = map.hazards.len();
    rep.roads = map.roads.len();
    rep.map_records = map.records.len();
    append_audit(tx, &AuditEntry::all_personal(user, reason), now)?;
    Ok(rep)
}

/// helper_id, destination_id, method, notes of a stored pin.
type StoredPin = (Option<String>, Option<String>, Option<String>, String);

fn count(conn: &Connection, sql: &str) -> Result<usize> {
    let n: i64 = conn.query_row(sql, [], |r| r.get(0))?;
    Ok(usize::try_from(n).unwrap_or(0))
}

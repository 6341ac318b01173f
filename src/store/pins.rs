//! `pins.csv` in a map folder: hand-pinned helpers and destinations, one row per person.
//!
//! Header `person_id,helper_id,destination_id,note` (either id may be empty). `db import`
//! loads it when present; `db export` writes every stored pin back.

use crate::io::csv_in::{self, Column, Row, opt, req};
use crate::io::{DataErrors, Encoding, decode_text, read_bytes};
use crate::model::Map;
use std::collections::BTreeSet;
use std::path::Path;

/// File name of the pins in a map folder.
pub const PINS_CSV: &str = "pins.csv";

pub const PIN_COLUMNS: &[Column] = &[
    req("person_id", &["対象者番号", "対象者"]),
    opt("helper_id", &["支援者番号", "支援者"]),
    opt("destination_id", &["避難先番号", "避難先"]),
    opt("note", &["備考"]),
];

/// One row of `pins.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinRow {
    /// Line in the file (for messages).
    pub line: u64,
    pub person_id: String,
    pub helper_id: Option<String>,
    pub destination_id: Option<String>,
    pub note: String,
}

/// Reads `pins.csv` and checks every id against `map`: the person must be in people.csv, the
/// helper in volunteers.csv, the destination in shelters.geojson, and a person appears once.
/// Errors name the line and the field; the note's text is never shown.
pub fn read_pins_csv(
    path: &Path,
    map: &Map,
    encoding: Encoding,
) -> Result<Vec<PinRow>, DataErrors> {
    let bytes = read_bytes(path)?;
    let text = decode_text(path, &bytes, encoding)?;
    let rows = csv_in::read_table(path, &text, PIN_COLUMNS)?;
    let people: BTreeSet<&str> = map.people.iter().map(|p| p.ext_id.as_str()).collect();
    let vols: BTreeSet<&str> = map.volunteers.iter().map(|v| v.ext_id.as_str()).collect();
    let shelters: BTreeSet<&str> = map.shelters.iter().map(|s| s.ext_id.as_str()).collect();
    let mut errs = DataErrors::default();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for raw in &rows {
        let mut r = Row::new(path, raw, PIN_COLUMNS, &mut errs);
        let Some(person) = r.required("person_id", "a person id from people.csv") else {
            continue;
        };
        if !people.contains(person.as_str()) {
            r.error("person_id", &person, "a person id from people.csv");
            continue;
        }
        if !seen.insert(person.clone()) {
            r.error(
                "person_id",
                &person,
                "each person once (this person has an earlier row)",
            );
            continue;
        }
        let some = |s: String| (!s.is_empty()).then_some(s);
        let helper = some(r.text("helper_id"));
        if let Some(h) = &helper
            && !vols.contains(h.as_str())
        {
            r.error(
                "helper_id",
                h,
                "a volunteer id from volunteers.csv, or empty",
            );
            continue;
        }
        let dest = some(r.text("destination_id"));
        if let Some(d) = &dest
            && !shelters.contains(d.as_str())
        {
            r.error(
                "destination_id",
                d,
                "a shelter id from shelters.geojson, or empty",
            );
            continue;
        }
        out.push(PinRow {
            line: raw.line,
            person_id: person,
            helper_id: helper,
            destination_id: dest,
            note: r.text("note"),
        });
    }
    errs.into_result(out)
}

/// `pins.csv` text for `rows`.
pub(crate) fn pins_csv(rows: &[PinRow]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header: Vec<&str> = PIN_COLUMNS.iter().map(|c| c.name).collect();
    w.write_record(&header).expect("writing to memory");
    for p in rows {
        w.write_record([
            p.person_id.as_str(),
            p.helper_id.as_deref().unwrap_or(""),
            p.destination_id.as_deref().unwrap_or(""),
            p.note.as_str(),
        ])
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

//! Municipal roster CSVs (people needing support, volunteers, watch records) into the
//! canonical `people.csv`, `volunteers.csv` and `watch_records.csv` of a map folder.
//!
//! Municipal exports have Japanese headers (氏名, ふりがな, 生年月日, 性別, 住所, 電話番号,
//! 避難支援等を必要とする事由, ...), 和暦 dates and are often Shift_JIS. They are read with the
//! same column tables and validators as the map folder itself
//! ([`mapdir::PEOPLE_COLUMNS`], [`mapdir::people_from`], ...), so an import accepts exactly what
//! a folder may contain: district codes must be in the folder's `districts.geojson`, watch
//! records must name people and volunteers already in the folder.
//!
//! A roster export is the whole list, so the import replaces the file. Because other files
//! refer to it (watch records name people and volunteers by id), an existing
//! `watch_records.csv` is checked against the new list first; an import that would break it is
//! refused. The output is written in the folder's `csv_encoding` (map.toml), so the folder
//! keeps loading.

use super::{ImportError, Plan, meta_or_default, read_input};
use crate::io::csv_in::{self, Column, RawRow};
use crate::io::geojson_in::read_feature_collection;
use crate::io::mapdir::{self, DISTRICTS, PEOPLE, VOLUNTEERS, WATCH_RECORDS};
use crate::io::{DataError, DataErrors, Encoding, Location, decode_text};
use crate::model::{DistrictId, Map};
use std::collections::BTreeMap;
use std::path::Path;

/// Which roster.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RosterKind {
    People,
    Volunteers,
    WatchRecords,
}

impl RosterKind {
    fn file(self) -> &'static str {
        match self {
            RosterKind::People => PEOPLE,
            RosterKind::Volunteers => VOLUNTEERS,
            RosterKind::WatchRecords => WATCH_RECORDS,
        }
    }
    fn columns(self) -> &'static [Column] {
        match self {
            RosterKind::People => mapdir::PEOPLE_COLUMNS,
            RosterKind::Volunteers => mapdir::VOLUNTEER_COLUMNS,
            RosterKind::WatchRecords => mapdir::WATCH_COLUMNS,
        }
    }
}

/// Reads a CSV table with the given encoding.
fn table(path: &Path, encoding: Encoding, columns: &[Column]) -> Result<Vec<RawRow>, ImportError> {
    let bytes = read_input(path)?;
    let text = decode_text(path, &bytes, encoding).map_err(DataErrors::from)?;
    Ok(csv_in::read_table(path, &text, columns)?)
}

/// Encodes a canonical CSV in the folder's encoding.
fn encode(path: &Path, utf8: Vec<u8>, encoding: Encoding) -> Result<Vec<u8>, ImportError> {
    if encoding != Encoding::ShiftJis {
        return Ok(utf8);
    }
    let text = String::from_utf8(utf8).expect("csv writer output is UTF-8");
    let (bytes, _, lossy) = encoding_rs::SHIFT_JIS.encode(&text);
    if lossy {
        // Name the first line holding a character Shift_JIS cannot write.
        let line = text
            .lines()
            .position(|l| encoding_rs::SHIFT_JIS.encode(l).2)
            .map_or(Location::File, |i| Location::Line(i as u64 + 1));
        return Err(DataErrors::from(DataError::new(
            path,
            line,
            "",
            "",
            "text Shift_JIS can hold (map.toml says csv_encoding = \"shift_jis\"; switch it to utf-8)",
        ))
        .into());
    }
    Ok(bytes.into_owned())
}

/// Builds the import of a roster `file` of `kind` into `dir`, read with `encoding`.
pub fn plan_roster(
    kind: RosterKind,
    file: &Path,
    dir: &Path,
    encoding: Encoding,
) -> Result<Plan, ImportError> {
    let meta = meta_or_default(dir)?;
    let folder_encoding = Encoding::parse(&meta.csv_encoding).unwrap_or(Encoding::Auto);
    let mut errs = DataErrors::default();

    // The folder as far as the roster depends on it.
    let districts_path = dir.join(DISTRICTS);
    let bytes = read_input(&districts_path)?;
    let text = decode_text(&districts_path, &bytes, Encoding::Utf8).map_err(DataErrors::from)?;
    let fs = read_feature_collection(&districts_path, &text)?;
    let mut map = Map {
        meta,
        districts: mapdir::districts_from(&districts_path, &fs, &mut errs),
        ..Map::default()
    };
    errs.clone().into_result(())?;
    // Dates are judged against the folder's stated as-of date, if any (the import reads no
    // clock); `plan` judges them again against its own as-of date.
    let opts = mapdir::LoadOptions {
        as_of: map.meta.as_of,
        ..mapdir::LoadOptions::default()
    };
    let districts: BTreeMap<String, DistrictId> = map
        .districts
        .iter()
        .enumerate()
        .map(|(i, d)| (d.code.clone(), DistrictId(i as u32)))
        .collect();
    let existing = |kind: RosterKind| -> Result<Option<Vec<RawRow>>, ImportError> {
        let p = dir.join(kind.file());
        if p.exists() {
            table(&p, folder_encoding, kind.columns()).map(Some)
        } else {
            Ok(None)
        }
    };
    if kind != RosterKind::People
        && let Some(rows) = existing(RosterKind::People)?
    {
        map.people = mapdir::people_from(&dir.join(PEOPLE), &rows, &districts, &opts, &mut errs);
    }
    if kind != RosterKind::Volunteers
        && let Some(rows) = existing(RosterKind::Volunteers)?
    {
        map.volunteers =
            mapdir::volunteers_from(&dir.join(VOLUNTEERS), &rows, &districts, &opts, &mut errs);
    }
    if !errs.is_empty() {
        return Err(errs.into());
    }

    // The new roster, validated like the folder's own file.
    let rows = table(file, encoding, kind.columns())?;
    match kind {
        RosterKind::People => {
            map.people = mapdir::people_from(file, &rows, &districts, &opts, &mut errs)
        }
        RosterKind::Volunteers => {
            map.volunteers = mapdir::volunteers_from(file, &rows, &districts, &opts, &mut errs)
        }
        RosterKind::WatchRecords => {
            map.records = mapdir::records_from(file, &rows, &map, true, &opts, &mut errs)
        }
    }
    if !errs.is_empty() {
        return Err(errs.into());
    }
    // Watch records already in the folder must still name known people and volunteers.
    if kind != RosterKind::WatchRecords
        && let Some(rows) = existing(RosterKind::WatchRecords)?
    {
        map.records = mapdir::records_from(
            &dir.join(WATCH_RECORDS),
            &rows,
            &map,
            true,
            &opts,
            &mut errs,
        );
        if !errs.is_empty() {
            return Err(errs.into());
        }
    }

    let (utf8, n) = match kind {
        RosterKind::People => (mapdir::people_csv(&map), map.people.len()),
        RosterKind::Volunteers => (mapdir::volunteers_csv(&map), map.volunteers.len()),
        RosterKind::WatchRecords => (mapdir::watch_records_csv(&map), map.records.len()),
    };
    let out_path = dir.join(kind.file());
    let bytes = encode(&out_path, utf8, folder_encoding)?;
    let mut plan = Plan {
        dir: dir.to_path_buf(),
        ..Plan::default()
    };
    plan.count("rows read", rows.len());
    plan.count(format!("{} written", kind.file()), n);
    if kind != RosterKind::WatchRecords && !map.records.is_empty() {
        plan.count("existing watch records still valid", map.records.len());
    }
    plan.count("encoding written", &map.meta.csv_encoding);
    plan.files.push((kind.file().to_owned(), bytes));
    Ok(plan)
}

//! Reading and writing files: map folders, strict GeoJSON, CSV in UTF-8 or Shift_JIS.
//!
//! Every reader works in two steps: raw records that mirror the file, then validation into the
//! model. Problems are collected (up to [`MAX_ERRORS`]) as [`DataError`]s that name the file,
//! the line or feature, the field, the offending value and what was expected. A load either
//! returns a whole [`crate::model::Map`] or nothing. Writers write to a temporary file and
//! rename it, so a folder is never left half-written.

pub mod csv_in;
pub mod geojson_in;
pub mod import;
pub mod mapdir;
pub mod output;
pub mod plan_out;

use std::fmt;
use std::path::{Path, PathBuf};

/// Reports show at most this many problems (the total found is still counted).
pub const MAX_ERRORS: usize = 100;

/// Reading a file stops after this many problems: a file this broken is garbage (a wrong file,
/// a binary tail) and reading on would only cost time and memory.
pub const STOP_AFTER: usize = 1000;

/// Fields whose values are personal data (names, kana, addresses, phones, birth dates, home
/// coordinates, health and support needs, contacts, free-text notes). Errors about them name the
/// field and say what is wrong, but never show the value (README: personal fields are never
/// logged).
pub const PERSONAL_FIELDS: &[&str] = &[
    "name",
    "kana",
    "birth_date",
    "birth_year",
    "sex",
    "address",
    "phone",
    "lon",
    "lat",
    "reasons",
    "mobility",
    "helpers_needed",
    "needs",
    "floors",
    "bedroom_floor",
    "structure",
    "household",
    "contact1_name",
    "contact1_relation",
    "contact1_phone",
    "contact2_name",
    "contact2_relation",
    "contact2_phone",
    "daytime_place",
    "notes",
    "family_doctor",
    "care_manager",
    "commissioner",
    "concern",
    // Drill results (`drill record`): free text about what happened to the person.
    "note",
];

/// Whether errors about `field` must withhold its value.
pub fn is_personal_field(field: &str) -> bool {
    PERSONAL_FIELDS.contains(&field)
}

/// Where in a file a problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// The file as a whole.
    File,
    /// 1-based physical line number (CSV, TOML, JSON syntax), whatever the line ending.
    Line(u64),
    /// 1-based line and column (JSON syntax errors).
    LineCol(u64, u64),
    /// 0-based index of a GeoJSON feature in its FeatureCollection (shown 1-based).
    Feature(usize),
    /// 0-based index of a GeoJSON feature (shown 1-based) and the feature's id.
    FeatureId(u32, Box<str>),
    /// 0-based byte offset in the file (an invalid encoding byte).
    Byte(u64),
}

/// One problem in one input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataError {
    pub file: PathBuf,
    pub location: Location,
    /// Column, property or JSON member, empty when it concerns the whole record.
    pub field: String,
    /// The offending value as found (truncated), empty when missing or withheld.
    pub value: String,
    /// What was expected, in plain words.
    pub expected: Box<str>,
    /// The value was withheld because the field holds personal data.
    pub withheld: bool,
}

impl DataError {
    /// A located problem. The value of a personal field ([`PERSONAL_FIELDS`]) is dropped here,
    /// once for every caller, so no message can carry it.
    pub fn new(
        file: &Path,
        location: Location,
        field: impl Into<String>,
        value: impl Into<String>,
        expected: impl Into<String>,
    ) -> Self {
        let field: String = field.into();
        let mut value: String = value.into();
        let withheld = !value.is_empty() && is_personal_field(&field);
        if withheld {
            value.clear();
        }
        if value.chars().count() > 60 {
            value = value.chars().take(57).collect::<String>() + "...";
        }
        Self {
            file: file.to_path_buf(),
            location,
            field,
            value,
            expected: expected.into().into_boxed_str(),
            withheld,
        }
    }
}

/// A located problem is a whole message: no underlying cause to chain.
impl std::error::Error for DataError {}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        match &self.location {
            Location::File => {}
            Location::Line(l) => write!(f, ":{l}")?,
            Location::LineCol(l, c) => write!(f, ":{l}:{c}")?,
            Location::Feature(i) => write!(f, ": feature no. {} (counting from 1)", i + 1)?,
            Location::FeatureId(i, id) => write!(
                f,
                ": feature no. {} (counting from 1), id {id:?}",
                *i as u64 + 1
            )?,
            Location::Byte(b) => write!(f, ": byte offset {b} (counting from 0)")?,
        }
        if !self.field.is_empty() {
            write!(f, ": field `{}`", self.field)?;
        }
        if self.withheld {
            write!(f, " (value not shown: personal data)")?;
        }
        if self.value.is_empty() {
            write!(f, ": expected {}", self.expected)
        } else {
            write!(f, ": found {:?}, expected {}", self.value, self.expected)
        }
    }
}

/// All problems found in one load: the first [`MAX_ERRORS`] and the count of all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DataErrors {
    pub errors: Vec<DataError>,
    /// More problems were found than are kept in `errors`.
    pub truncated: bool,
    /// Problems found in all (at least `errors.len()`).
    pub total: usize,
    /// Reading stopped early (after [`STOP_AFTER`] problems), so `total` is a lower bound.
    pub stopped: bool,
}

impl DataErrors {
    pub fn push(&mut self, e: DataError) {
        self.total += 1;
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(e);
        } else {
            self.truncated = true;
        }
    }
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
    /// Problems counted so far (also those not kept).
    pub fn count(&self) -> usize {
        self.total.max(self.errors.len())
    }
    /// Whether a reader should stop: [`STOP_AFTER`] problems were found.
    pub fn full(&self) -> bool {
        self.count() >= STOP_AFTER
    }
    pub fn extend(&mut self, other: DataErrors) {
        let extra = other.count() - other.errors.len();
        for e in other.errors {
            self.push(e);
        }
        self.total += extra;
        self.truncated |= other.truncated || extra > 0;
        self.stopped |= other.stopped;
    }
    /// `Ok(v)` if no problem was recorded.
    pub fn into_result<T>(self, v: T) -> Result<T, DataErrors> {
        if self.is_empty() { Ok(v) } else { Err(self) }
    }
}

impl fmt::Display for DataErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.count();
        let at_least = if self.stopped { "at least " } else { "" };
        let noun = if n == 1 { "problem" } else { "problems" };
        if n > self.errors.len() {
            writeln!(
                f,
                "{at_least}{n} {noun} found, the first {} shown; nothing was loaded:",
                self.errors.len()
            )?;
        } else {
            writeln!(f, "{at_least}{n} {noun} found; nothing was loaded:")?;
        }
        for e in &self.errors {
            writeln!(f, "  {e}")?;
        }
        if self.stopped {
            writeln!(
                f,
                "  reading stopped after {STOP_AFTER} problems (is this the right file?)"
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for DataErrors {}

impl From<DataError> for DataErrors {
    fn from(e: DataError) -> Self {
        let mut all = DataErrors::default();
        all.push(e);
        all
    }
}

/// Text encodings accepted for CSV files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark.
    Utf8,
    /// Shift_JIS as Windows writes it (CP932).
    ShiftJis,
    /// UTF-8 when the bytes are valid UTF-8, else Shift_JIS.
    Auto,
}

impl Encoding {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "utf_8" | "utf8" => Some(Encoding::Utf8),
            "shift_jis" | "sjis" | "cp932" | "windows_31j" => Some(Encoding::ShiftJis),
            "auto" | "" => Some(Encoding::Auto),
            _ => None,
        }
    }
}

/// Decodes file bytes to text, dropping a UTF-8 BOM. Fails when the bytes are not valid in the
/// named encoding (so mojibake never reaches the model), naming the line and the byte offset of
/// the first invalid byte. UTF-16 files (Excel's "Unicode text") are recognised by their BOM and
/// refused with a hint to save them as UTF-8 or Shift_JIS.
pub fn decode_text(path: &Path, bytes: &[u8], encoding: Encoding) -> Result<String, DataError> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") || looks_utf16(bytes) {
        return Err(DataError::new(
            path,
            Location::File,
            "",
            "",
            "UTF-8 or Shift_JIS text, but this file is UTF-16 (Excel's \"Unicode text\"): \
             save it as UTF-8 (CSV UTF-8) or Shift_JIS (CSV) / UTF-16 のファイルです。\
             UTF-8 か Shift_JIS で保存し直してください",
        ));
    }
    let bom = bytes.starts_with(b"\xEF\xBB\xBF");
    let body = if bom { &bytes[3..] } else { bytes };
    let base = if bom { 3 } else { 0 };
    let utf8 = std::str::from_utf8(body);
    let enc = match encoding {
        Encoding::Auto if utf8.is_ok() || bom => Encoding::Utf8,
        Encoding::Auto => Encoding::ShiftJis,
        e => e,
    };
    let bad_byte = |offset: usize, what: &str| {
        let line = body[..offset].iter().filter(|b| **b == b'\n').count() as u64 + 1;
        DataError::new(
            path,
            Location::Line(line),
            "",
            "",
            format!(
                "{what} (an invalid byte at byte offset {}, counting from 0)",
                base + offset
            ),
        )
    };
    // In `auto` mode a file valid in neither encoding is reported at whichever invalid byte
    // comes later: a UTF-8 file with a garbage tail fails early as Shift_JIS (at its first
    // kanji), a Shift_JIS file fails early as UTF-8.
    let utf8_valid_up_to = utf8.as_ref().err().map(|e| e.valid_up_to());
    match enc {
        Encoding::Utf8 => match utf8 {
            Ok(s) => Ok(s.to_owned()),
            Err(e) => Err(bad_byte(
                e.valid_up_to(),
                if encoding == Encoding::Auto {
                    "UTF-8 text"
                } else {
                    "UTF-8 text (set csv_encoding = \"shift_jis\" in map.toml for Shift_JIS files)"
                },
            )),
        },
        _ => {
            let mut decoder = encoding_rs::SHIFT_JIS.new_decoder_without_bom_handling();
            let capacity = decoder
                .max_utf8_buffer_length_without_replacement(body.len())
                .unwrap_or(usize::MAX);
            let mut out = String::new();
            if out.try_reserve_exact(capacity).is_err() {
                return Err(DataError::new(
                    path,
                    Location::File,
                    "",
                    "",
                    "a file small enough to read into memory",
                ));
            }
            let (result, read) = decoder.decode_to_string_without_replacement(body, &mut out, true);
            match result {
                encoding_rs::DecoderResult::InputEmpty => Ok(out),
                encoding_rs::DecoderResult::Malformed(bad, extra) => {
                    // `read` counts the malformed sequence and `extra` bytes after it.
                    let sjis_at = read.saturating_sub(usize::from(bad) + usize::from(extra));
                    let at = match (encoding, utf8_valid_up_to) {
                        (Encoding::Auto, Some(u)) => sjis_at.max(u),
                        _ => sjis_at,
                    };
                    Err(bad_byte(at, "Shift_JIS or UTF-8 text"))
                }
                encoding_rs::DecoderResult::OutputFull => Err(DataError::new(
                    path,
                    Location::File,
                    "",
                    "",
                    "Shift_JIS or UTF-8 text",
                )),
            }
        }
    }
}

/// UTF-16 without a BOM: many NUL bytes at even or odd positions of the first kilobyte (text
/// files in UTF-8 or Shift_JIS never contain NUL).
fn looks_utf16(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    if head.len() < 4 {
        return false;
    }
    let zeros_even = head.iter().step_by(2).filter(|b| **b == 0).count();
    let zeros_odd = head.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
    let half = head.len() / 2;
    zeros_even * 2 > half || zeros_odd * 2 > half
}

/// Reads a whole file, mapping an I/O failure to a located [`DataError`].
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, DataError> {
    std::fs::read(path).map_err(|e| {
        DataError::new(
            path,
            Location::File,
            "",
            "",
            format!("a readable file ({e})"),
        )
    })
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so that
/// readers never see a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// `x` rounded to `digits` decimals (how output files write measured figures).
pub fn round_to(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn offset_of(e: &DataError) -> usize {
        let s = e.expected.split("byte offset ").nth(1).expect("an offset");
        s[..s.find(',').expect("a comma")]
            .parse()
            .expect("a number")
    }

    /// The reported offset is exactly where an invalid sequence was inserted, for seeded random
    /// texts in UTF-8 and Shift_JIS, at random character boundaries.
    #[test]
    fn invalid_bytes_are_reported_at_their_offset() {
        let chars = ['a', ',', '\n', '旭', '川', 'ア', '１', '"', '　'];
        let bad_sjis: [&[u8]; 4] = [b"\x81\x20", b"\xA0", b"\xFD", b"\x81"];
        let mut rng = Rng::new(1);
        for case in 0..300 {
            let text: String = (0..rng.below(40))
                .map(|_| chars[rng.below(chars.len())])
                .collect();
            let boundaries: Vec<usize> = (0..=text.chars().count()).collect();
            let cut = boundaries[rng.below(boundaries.len())];
            let (head, tail): (String, String) = (
                text.chars().take(cut).collect(),
                text.chars().skip(cut).collect(),
            );
            let path = Path::new("t.csv");
            // UTF-8 with a stray 0xFF.
            let utf8 = [head.as_bytes(), b"\xFF", tail.as_bytes()].concat();
            let e = decode_text(path, &utf8, Encoding::Utf8).unwrap_err();
            assert_eq!(offset_of(&e), head.len(), "case {case}: {e}");
            // Shift_JIS with an invalid sequence (a lone lead byte only at the very end).
            let bad = bad_sjis[rng.below(bad_sjis.len())];
            let tail = if bad == b"\x81" { String::new() } else { tail };
            let (h, _, _) = encoding_rs::SHIFT_JIS.encode(&head);
            let (t, _, _) = encoding_rs::SHIFT_JIS.encode(&tail);
            let sjis = [&h[..], bad, &t[..]].concat();
            let e = decode_text(path, &sjis, Encoding::ShiftJis).unwrap_err();
            assert_eq!(offset_of(&e), h.len(), "case {case}: {e}");
            let line = head.matches('\n').count() as u64 + 1;
            assert_eq!(e.location, Location::Line(line));
        }
    }

    #[test]
    fn utf16_is_named_and_a_bom_is_dropped() {
        let p = Path::new("t.csv");
        let e = decode_text(p, b"\xFF\xFEa\0b\0", Encoding::Auto).unwrap_err();
        assert!(e.to_string().contains("UTF-16"), "{e}");
        assert_eq!(
            decode_text(p, b"\xEF\xBB\xBFid,name\n", Encoding::Auto).unwrap(),
            "id,name\n"
        );
    }

    #[test]
    fn counts_beyond_the_shown_errors_are_kept_when_merging() {
        let e = || DataError::new(Path::new("f"), Location::File, "", "", "x");
        let mut a = DataErrors::default();
        for _ in 0..150 {
            a.push(e());
        }
        let mut b = DataErrors::default();
        for _ in 0..30 {
            b.push(e());
        }
        b.extend(a);
        assert_eq!((b.errors.len(), b.count()), (MAX_ERRORS, 180));
        assert!(
            b.to_string()
                .starts_with("180 problems found, the first 100 shown")
        );
    }

    #[test]
    fn personal_values_are_withheld_by_field_name() {
        let e = DataError::new(Path::new("p.csv"), Location::Line(3), "phone", "090-1", "x");
        assert!(e.withheld && e.value.is_empty());
        assert!(!e.to_string().contains("090-1"));
        let e = DataError::new(Path::new("p.csv"), Location::Line(3), "district", "D9", "x");
        assert!(!e.withheld && e.to_string().contains("\"D9\""));
    }
}

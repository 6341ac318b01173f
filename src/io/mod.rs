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

/// Reports stop collecting after this many problems.
pub const MAX_ERRORS: usize = 100;

/// Where in a file a problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// The file as a whole.
    File,
    /// 1-based line number (CSV, TOML, JSON syntax).
    Line(u64),
    /// 1-based line and column (JSON syntax errors).
    LineCol(u64, u64),
    /// 0-based index of a GeoJSON feature in its FeatureCollection.
    Feature(usize),
}

/// One problem in one input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataError {
    pub file: PathBuf,
    pub location: Location,
    /// Column, property or JSON member, empty when it concerns the whole record.
    pub field: String,
    /// The offending value as found (truncated), empty when missing.
    pub value: String,
    /// What was expected, in plain words.
    pub expected: String,
}

impl DataError {
    pub fn new(
        file: &Path,
        location: Location,
        field: impl Into<String>,
        value: impl Into<String>,
        expected: impl Into<String>,
    ) -> Self {
        let mut value: String = value.into();
        if value.chars().count() > 60 {
            value = value.chars().take(57).collect::<String>() + "...";
        }
        Self {
            file: file.to_path_buf(),
            location,
            field: field.into(),
            value,
            expected: expected.into(),
        }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        match self.location {
            Location::File => {}
            Location::Line(l) => write!(f, ":{l}")?,
            Location::LineCol(l, c) => write!(f, ":{l}:{c}")?,
            Location::Feature(i) => write!(f, ": feature {i}")?,
        }
        if !self.field.is_empty() {
            write!(f, ": field `{}`", self.field)?;
        }
        if self.value.is_empty() {
            write!(f, ": expected {}", self.expected)
        } else {
            write!(f, ": found {:?}, expected {}", self.value, self.expected)
        }
    }
}

/// All problems found in one load; `truncated` when more than [`MAX_ERRORS`] were found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DataErrors {
    pub errors: Vec<DataError>,
    pub truncated: bool,
}

impl DataErrors {
    pub fn push(&mut self, e: DataError) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(e);
        } else {
            self.truncated = true;
        }
    }
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
    pub fn extend(&mut self, other: DataErrors) {
        for e in other.errors {
            self.push(e);
        }
        self.truncated |= other.truncated;
    }
    /// `Ok(v)` if no problem was recorded.
    pub fn into_result<T>(self, v: T) -> Result<T, DataErrors> {
        if self.is_empty() { Ok(v) } else { Err(self) }
    }
}

impl fmt::Display for DataErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} problem(s) found; nothing was loaded:",
            self.errors.len()
        )?;
        for e in &self.errors {
            writeln!(f, "  {e}")?;
        }
        if self.truncated {
            writeln!(f, "  ... more problems not shown (limit {MAX_ERRORS})")?;
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
/// named encoding (so mojibake never reaches the model).
pub fn decode_text(path: &Path, bytes: &[u8], encoding: Encoding) -> Result<String, DataError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let enc = match encoding {
        Encoding::Auto if std::str::from_utf8(bytes).is_ok() => Encoding::Utf8,
        Encoding::Auto => Encoding::ShiftJis,
        e => e,
    };
    match enc {
        Encoding::Utf8 => std::str::from_utf8(bytes).map(str::to_owned).map_err(|e| {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64
                + 1;
            DataError::new(
                path,
                Location::Line(line),
                "",
                "",
                "UTF-8 text (set csv_encoding = \"shift_jis\" in map.toml for Shift_JIS files)",
            )
        }),
        _ => {
            let (text, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes);
            if had_errors {
                Err(DataError::new(
                    path,
                    Location::File,
                    "",
                    "",
                    "Shift_JIS or UTF-8 text",
                ))
            } else {
                Ok(text.into_owned())
            }
        }
    }
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

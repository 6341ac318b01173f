//! Importers: real public data (OpenStreetMap, 国土地理院 evacuation sites, 国土数値情報 and other
//! hazard polygons, municipal roster CSVs) into the files of a map folder.
//!
//! Each importer works in three steps, so that a folder is never left half-written:
//! 1. read the source file into raw records (streaming where files are large);
//! 2. build the model values and the new file bytes entirely in memory, then read those bytes
//!    back through the same validators [`crate::io::mapdir::load_map`] uses, so that whatever
//!    an import writes is guaranteed to load;
//! 3. only when nothing is wrong, write each file with [`crate::io::write_atomic`]
//!    (a temporary file and a rename). A dry run stops before step 3.
//!
//! Each file is replaced atomically, not the set: the data file is written before `map.toml`,
//! so a failure between the two renames leaves a loadable folder missing only the new
//! attribution line, never a truncated or invalid file.
//!
//! Problems in the data are [`DataErrors`] (file, line or feature, field, value, expectation);
//! everything else (unreadable file, unknown format, a PBF decoding failure) is an
//! [`ImportError`]. Key types: [`Plan`] (the files an import would write, with its summary).

pub mod hazards;
pub mod osm;
pub mod roster;
pub mod shelters;

use super::{DataErrors, write_atomic};
use crate::model::{DataSource, MapMeta};
use std::fmt;
use std::path::{Path, PathBuf};

/// Why an import could not be done, for problems that are not located data errors.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The input data has problems; nothing was written.
    #[error(transparent)]
    Data(#[from] DataErrors),
    /// The file could not be read or written.
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The OSM PBF decoder failed (corrupt or truncated file).
    #[error("{path}: not a readable OSM PBF file: {message}")]
    Pbf { path: PathBuf, message: String },
    /// OSM XML that is not well-formed.
    #[error("{path}: byte {position}: not well-formed OSM XML: {message}")]
    Xml {
        path: PathBuf,
        position: u64,
        message: String,
    },
    /// The file's kind could not be recognised (extension and content).
    #[error("{path}: {message}")]
    Format { path: PathBuf, message: String },
    /// A command-line option has a value the importer cannot use.
    #[error("option {option}: found {value:?}, expected {expected}")]
    Option {
        option: &'static str,
        value: String,
        expected: String,
    },
}

impl ImportError {
    pub(crate) fn io(path: &Path, error: std::io::Error) -> Self {
        ImportError::Io {
            path: path.to_path_buf(),
            error,
        }
    }
    pub(crate) fn format(path: &Path, message: impl Into<String>) -> Self {
        ImportError::Format {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

/// What an import would write: whole files, already validated, plus a summary for people.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Map folder the files belong to.
    pub dir: PathBuf,
    /// File name inside `dir` and its complete new content.
    pub files: Vec<(String, Vec<u8>)>,
    /// Human-readable counts, one `(label, value)` per line, in a stable order.
    pub counts: Vec<(String, String)>,
    /// Things the user should know that did not stop the import (skipped ways, merged sites).
    pub notes: Vec<String>,
}

impl Plan {
    pub(crate) fn count(&mut self, label: impl Into<String>, value: impl ToString) {
        self.counts.push((label.into(), value.to_string()));
    }

    /// Writes every file (each atomically). Call only after a successful build.
    pub fn write(&self) -> Result<(), ImportError> {
        for (name, bytes) in &self.files {
            let path = self.dir.join(name);
            write_atomic(&path, bytes).map_err(|e| ImportError::io(&path, e))?;
        }
        Ok(())
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, v) in &self.counts {
            writeln!(f, "  {k}: {v}")?;
        }
        for n in &self.notes {
            writeln!(f, "  note: {n}")?;
        }
        for (name, bytes) in &self.files {
            writeln!(
                f,
                "  file: {} ({} bytes)",
                self.dir.join(name).display(),
                bytes.len()
            )?;
        }
        Ok(())
    }
}

/// Reads `map.toml` from `dir` if present, else a minimal one named after the folder.
pub(crate) fn meta_or_default(dir: &Path) -> Result<MapMeta, ImportError> {
    let path = dir.join(super::mapdir::MAP_TOML);
    if path.exists() {
        super::mapdir::read_meta(&path).map_err(|e| ImportError::Data(e.into()))
    } else {
        Ok(MapMeta {
            name: dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            csv_encoding: "utf-8".into(),
            ..MapMeta::default()
        })
    }
}

/// Adds `source` to the folder's `map.toml` (replacing an entry of the same name) and returns
/// the new file, to be written together with the data it credits.
pub(crate) fn meta_with_source(
    dir: &Path,
    source: DataSource,
) -> Result<(String, Vec<u8>), ImportError> {
    let mut meta = meta_or_default(dir)?;
    meta.sources.retain(|s| s.name != source.name);
    meta.sources.push(source);
    Ok((
        super::mapdir::MAP_TOML.to_owned(),
        super::mapdir::meta_toml(&meta),
    ))
}

/// Reads a whole input file.
pub(crate) fn read_input(path: &Path) -> Result<Vec<u8>, ImportError> {
    std::fs::read(path).map_err(|e| ImportError::io(path, e))
}

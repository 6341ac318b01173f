//! Staged output sets: a command that writes into a folder either completes or changes nothing.
//!
//! [`Staged`] writes a whole output set into a hidden folder beside the target
//! (`.OUT.staging-<pid>`), flushes it to disk, and then swaps it in for the target in one step
//! (`renameat2(RENAME_EXCHANGE)` on Linux; elsewhere two renames through `.OUT.old-<pid>`, which
//! the next run repairs if it was killed between them). A killed run therefore leaves the old
//! set whole, and the next run removes what the killed one left (only folders whose process is
//! gone, so two runs do not step on each other's staging folders).
//!
//! Two modes:
//! - [`Staged::replace`]: the new set replaces the old one; files of the old set that the new run
//!   does not write disappear (a sheet of a person who withdrew consent, say). A target that
//!   holds files this command did not write is refused, naming them, rather than deleted.
//! - [`Staged::update`]: the new set starts as a copy of the target (hard links, else copies),
//!   and the command replaces some files in it (an import into a map folder).
//!
//! The set's file list goes into [`MANIFEST`], so the next run knows which files are its own.
//! The layer-shrink guard for imports ([`check_shrink`]) lives here too.

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// File in every output set listing the set's files (relative paths, one per line).
pub const MANIFEST: &str = ".mimamori-output";

/// Default largest share of a layer's records an import may drop without `--force`: half.
/// Source: issue 10 ("drop more than a settable share (default 50%)"); an update of a real
/// layer (a new OSM extract, a re-published shelter list) changes it by a few percent, so losing
/// half of it means the wrong file or the wrong `--bbox`.
pub const DEFAULT_MAX_DROP_SHARE: f64 = 0.5;

/// Which files a command writes into its output folder, for folders written before the
/// manifest existed (or whose manifest was lost).
#[derive(Clone, Copy)]
pub struct OutputKind {
    /// The command, for messages (`plan`, `sheets`, `generate`).
    pub command: &'static str,
    /// True for a relative path (with `/` separators) the command writes.
    pub known: fn(&str) -> bool,
    /// Write [`MANIFEST`] into the set (for sets whose file names vary, such as sheets; a map
    /// folder's names are fixed and it stays free of extra files).
    pub manifest: bool,
}

/// The files of a map folder, as `generate` writes them.
pub const MAP_FOLDER: OutputKind = OutputKind {
    command: "generate",
    known: |rel| {
        use super::mapdir::*;
        [
            MAP_TOML,
            DISTRICTS,
            ROADS,
            SHELTERS,
            HAZARDS,
            PEOPLE,
            VOLUNTEERS,
            WATCH_RECORDS,
        ]
        .contains(&rel)
    },
    manifest: false,
};

/// Number of entries in `dir` (0 when it does not exist).
pub fn entry_count(dir: &Path) -> usize {
    fs::read_dir(dir).map_or(0, |d| d.count())
}

/// Why an output set could not be written. The previous set, if any, is unchanged.
#[derive(Debug)]
pub enum OutputError {
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The target holds files the command did not write.
    Foreign {
        target: PathBuf,
        command: &'static str,
        files: Vec<String>,
        total: usize,
    },
    /// The target is not a folder, or has no usable name.
    BadTarget { target: PathBuf, expected: String },
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutputError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            OutputError::Foreign {
                target,
                command,
                files,
                total,
            } => {
                write!(
                    f,
                    "{}: refusing to replace this folder: it holds {total} file(s) that `mimamori {command}` did not write ({}{}); move them away or choose another output folder (nothing was changed)",
                    target.display(),
                    files.join(", "),
                    if *total > files.len() { ", …" } else { "" }
                )
            }
            OutputError::BadTarget { target, expected } => {
                write!(f, "{}: expected {expected}", target.display())
            }
        }
    }
}

impl std::error::Error for OutputError {}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |error| OutputError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// An output set being written. Dropped without [`Staged::commit`], it removes its staging
/// folder and leaves the target as it was.
pub struct Staged {
    target: PathBuf,
    staging: PathBuf,
    manifest: bool,
    committed: bool,
}

impl Staged {
    /// Starts a set that will replace `target` whole. Refuses (changing nothing) when `target`
    /// is not a folder or holds files that neither its manifest nor `kind` claims.
    pub fn replace(target: &Path, kind: &OutputKind) -> Result<Self, OutputError> {
        let mut s = Self::begin(target)?;
        s.manifest = kind.manifest;
        if s.target.exists() {
            let ours = read_manifest(&s.target);
            let mut foreign = Vec::new();
            for rel in list_files(&s.target)? {
                if !(ours.contains(&rel) || (kind.known)(&rel) || is_leftover(&rel)) {
                    foreign.push(rel);
                }
            }
            if !foreign.is_empty() {
                let total = foreign.len();
                foreign.truncate(5);
                return Err(OutputError::Foreign {
                    target: s.target.clone(),
                    command: kind.command,
                    files: foreign,
                    total,
                });
            }
        }
        Ok(s)
    }

    /// Starts a set that begins as a copy of `target` (if it exists); the command then replaces
    /// or removes some of its files. Leftover temporary files are not copied. With `kind`,
    /// refuses a target holding files the command did not write, as [`Staged::replace`] does;
    /// without, refuses a target holding sub-folders (a map folder has none: this guards
    /// against copying a home folder given by mistake).
    pub fn update(target: &Path, kind: Option<&OutputKind>) -> Result<Self, OutputError> {
        let s = match kind {
            Some(k) => Self::replace(target, k)?,
            None => Self::begin(target)?,
        };
        if s.target.exists() {
            let files = list_files(&s.target)?;
            if kind.is_none()
                && let Some(sub) = files.iter().find(|f| f.contains('/') && !is_leftover(f))
            {
                // Dropping `s` removes its staging folder.
                return Err(OutputError::BadTarget {
                    target: s.target.clone(),
                    expected: format!(
                        "a map folder, which holds no sub-folders (found {sub}; nothing was changed)"
                    ),
                });
            }
            for rel in files {
                if is_leftover(&rel) {
                    continue;
                }
                let from = s.target.join(&rel);
                let to = s.staging.join(&rel);
                if let Some(p) = to.parent() {
                    fs::create_dir_all(p).map_err(io_err(p))?;
                }
                if fs::hard_link(&from, &to).is_err() {
                    fs::copy(&from, &to).map_err(io_err(&from))?;
                }
            }
        }
        Ok(s)
    }

    fn begin(target: &Path) -> Result<Self, OutputError> {
        let bad = |expected: &str| OutputError::BadTarget {
            target: target.to_path_buf(),
            expected: expected.into(),
        };
        let name = match target.components().next_back() {
            Some(Component::Normal(n)) => n.to_string_lossy().into_owned(),
            _ => return Err(bad("a folder name (not `.`, `..` or `/`)")),
        };
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if let Ok(m) = fs::symlink_metadata(target)
            && !m.is_dir()
        {
            return Err(bad("a folder (this is a file or a symbolic link)"));
        }
        fs::create_dir_all(&parent).map_err(io_err(&parent))?;
        clean_leftovers(&parent, &name, target)?;
        let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(io_err(&staging))?;
        }
        fs::create_dir(&staging).map_err(io_err(&staging))?;
        Ok(Staged {
            target: target.to_path_buf(),
            staging,
            manifest: false,
            committed: false,
        })
    }

    /// The staging folder: write the set's files here (or with [`Staged::write`]).
    pub fn dir(&self) -> &Path {
        &self.staging
    }

    /// The folder the set will replace.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Writes one file of the set (`rel` relative to the set, parents created). An existing file
    /// at `rel` (a hard link to the old set in update mode) is unlinked first, never written
    /// through.
    pub fn write(&self, rel: impl AsRef<Path>, bytes: &[u8]) -> Result<(), OutputError> {
        let path = self.staging.join(rel.as_ref());
        if let Some(p) = path.parent() {
            fs::create_dir_all(p).map_err(io_err(p))?;
        }
        if fs::symlink_metadata(&path).is_ok() {
            fs::remove_file(&path).map_err(io_err(&path))?;
        }
        let mut f = fs::File::create(&path).map_err(io_err(&path))?;
        f.write_all(bytes).map_err(io_err(&path))?;
        Ok(())
    }

    /// Removes one file of the set, if present.
    pub fn remove(&self, rel: impl AsRef<Path>) -> Result<(), OutputError> {
        let path = self.staging.join(rel.as_ref());
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(OutputError::Io { path, error: e }),
        }
    }

    /// The set's files so far (relative paths, sorted), the manifest excluded.
    pub fn files(&self) -> Result<Vec<String>, OutputError> {
        Ok(list_files(&self.staging)?
            .into_iter()
            .filter(|f| f != MANIFEST)
            .collect())
    }

    /// Writes the manifest, flushes every file to disk and swaps the set in for the target.
    pub fn commit(self) -> Result<(), OutputError> {
        self.commit_with(true)
    }

    /// [`Staged::commit`]; `try_exchange` false forces the two-rename swap (for tests).
    fn commit_with(mut self, try_exchange: bool) -> Result<(), OutputError> {
        let files = self.files()?;
        if self.manifest {
            let mut manifest = String::from("# files of this output set, written by mimamori\n");
            for f in &files {
                manifest.push_str(f);
                manifest.push('\n');
            }
            self.write(MANIFEST, manifest.as_bytes())?;
        }
        for f in list_files(&self.staging)? {
            let p = self.staging.join(f);
            fs::File::open(&p)
                .and_then(|h| h.sync_all())
                .map_err(io_err(&p))?;
        }
        sync_dir(&self.staging);
        let parent = self
            .staging
            .parent()
            .unwrap_or(Path::new("."))
            .to_path_buf();
        if !self.target.exists() {
            fs::rename(&self.staging, &self.target).map_err(io_err(&self.target))?;
        } else if try_exchange && exchange(&self.staging, &self.target) {
            // The staging path now holds the old set.
            fs::remove_dir_all(&self.staging).map_err(io_err(&self.staging))?;
        } else {
            let old = old_path(&self.target, std::process::id());
            fs::rename(&self.target, &old).map_err(io_err(&self.target))?;
            if let Err(e) = fs::rename(&self.staging, &self.target) {
                // Put the old set back (the next run would too).
                let _ = fs::rename(&old, &self.target);
                return Err(OutputError::Io {
                    path: self.target.clone(),
                    error: e,
                });
            }
            fs::remove_dir_all(&old).map_err(io_err(&old))?;
        }
        sync_dir(&parent);
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

fn old_path(target: &Path, pid: u32) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.old-{pid}"))
}

/// Atomically exchanges two folders (Linux `renameat2`); false where unsupported.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let (Ok(ca), Ok(cb)) = (
        std::ffi::CString::new(a.as_os_str().as_bytes()),
        std::ffi::CString::new(b.as_os_str().as_bytes()),
    ) else {
        return false;
    };
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        ) == 0
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> bool {
    false
}

fn sync_dir(dir: &Path) {
    // Flushing a folder's entries is best effort (not every platform can open a folder).
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// True when process `pid` is running (or cannot be asked: then it is assumed alive).
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    #[cfg(unix)]
    {
        let Ok(p) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // SAFETY: signal 0 only checks that the process exists.
        let r = unsafe { libc::kill(p, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        true
    }
}

/// Removes `.NAME.staging-<pid>` and `.NAME.old-<pid>` beside `target` left by runs that no
/// longer exist. An old set whose target is missing (a run killed between its two renames) is
/// put back first.
fn clean_leftovers(parent: &Path, name: &str, target: &Path) -> Result<(), OutputError> {
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(());
    };
    let staging_prefix = format!(".{name}.staging-");
    let old_prefix = format!(".{name}.old-");
    let mut found: Vec<(bool, PathBuf)> = Vec::new();
    for e in entries.flatten() {
        let file_name = e.file_name().to_string_lossy().into_owned();
        let (is_old, pid) = if let Some(p) = file_name.strip_prefix(&old_prefix) {
            (true, p)
        } else if let Some(p) = file_name.strip_prefix(&staging_prefix) {
            (false, p)
        } else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        if !alive(pid) {
            found.push((is_old, e.path()));
        }
    }
    found.sort();
    for (is_old, path) in found {
        if is_old && !target.exists() {
            fs::rename(&path, target).map_err(io_err(&path))?;
        } else {
            fs::remove_dir_all(&path).map_err(io_err(&path))?;
        }
    }
    Ok(())
}

/// Temporary files of killed runs inside an output folder: `.NAME.tmp<pid>` (written by
/// [`super::write_atomic`]) and Chromium profiles of `sheets --screenshot`.
fn is_leftover(rel: &str) -> bool {
    let first = rel.split('/').next().unwrap_or_default();
    if first.starts_with(".chromium-profile-") {
        return true;
    }
    let name = rel.rsplit('/').next().unwrap_or_default();
    name.starts_with('.')
        && name
            .rsplit_once(".tmp")
            .is_some_and(|(_, pid)| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

fn read_manifest(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_to_string(dir.join(MANIFEST))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(str::to_owned)
        .collect();
    v.push(MANIFEST.to_owned());
    v
}

/// Every file (and symlink) under `dir`, as sorted relative paths with `/` separators.
fn list_files(dir: &Path) -> Result<Vec<String>, OutputError> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((d, prefix)) = stack.pop() {
        for e in fs::read_dir(&d).map_err(io_err(&d))? {
            let e = e.map_err(io_err(&d))?;
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            let t = e.file_type().map_err(io_err(&e.path()))?;
            if t.is_dir() {
                stack.push((e.path(), rel));
            } else {
                out.push(rel);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Number of records in a layer file: features of a `.geojson`, data rows of a `.csv`;
/// `None` for other files (or unreadable content, which the import's own reader judges).
pub fn count_records(name: &str, bytes: &[u8]) -> Option<usize> {
    if name.ends_with(".geojson") {
        let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        v.get("features")?.as_array().map(Vec::len)
    } else if name.ends_with(".csv") {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(bytes);
        let mut n = 0;
        let mut rec = csv::ByteRecord::new();
        while r.read_byte_record(&mut rec).ok()? {
            n += 1;
        }
        Some(n)
    } else {
        None
    }
}

/// A layer an import would empty or shrink by more than the allowed share.
#[derive(Clone, Debug, PartialEq)]
pub struct Shrink {
    pub file: String,
    pub before: usize,
    pub after: usize,
}

impl fmt::Display for Shrink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.after == 0 {
            write!(
                f,
                "{} would hold no records (it holds {} now, all {} would be lost)",
                self.file, self.before, self.before
            )
        } else {
            write!(
                f,
                "{} would go from {} to {} records ({} lost, {:.0}%)",
                self.file,
                self.before,
                self.after,
                self.before - self.after,
                100.0 * (self.before - self.after) as f64 / self.before as f64
            )
        }
    }
}

/// The layers of `files` (new contents of files in `dir`) that would end empty, or lose more
/// than `max_drop_share` (0..=1) of the records they hold now.
pub fn check_shrink(dir: &Path, files: &[(String, Vec<u8>)], max_drop_share: f64) -> Vec<Shrink> {
    let mut out = Vec::new();
    for (name, bytes) in files {
        let Some(after) = count_records(name, bytes) else {
            continue;
        };
        let before = fs::read(dir.join(name))
            .ok()
            .and_then(|b| count_records(name, &b))
            .unwrap_or(0);
        let lost = before.saturating_sub(after);
        if after == 0 || (before > 0 && lost as f64 > max_drop_share * before as f64) {
            out.push(Shrink {
                file: name.clone(),
                before,
                after,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: OutputKind = OutputKind {
        command: "plan",
        known: |rel| matches!(rel, "a.txt" | "b.txt" | "sub/c.txt"),
        manifest: true,
    };

    fn read_all(dir: &Path) -> Vec<(String, Vec<u8>)> {
        list_files(dir)
            .unwrap()
            .into_iter()
            .map(|f| {
                let b = fs::read(dir.join(&f)).unwrap();
                (f, b)
            })
            .collect()
    }

    fn siblings(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn replace_swaps_the_whole_set_and_drops_stale_files() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let s = Staged::replace(&out, &PLAN).unwrap();
        s.write("a.txt", b"1").unwrap();
        s.write("sub/c.txt", b"3").unwrap();
        s.commit().unwrap();
        let s = Staged::replace(&out, &PLAN).unwrap();
        s.write("b.txt", b"2").unwrap();
        // Until commit the old set is untouched.
        assert_eq!(fs::read(out.join("a.txt")).unwrap(), b"1");
        s.commit().unwrap();
        let files: Vec<String> = read_all(&out).into_iter().map(|(f, _)| f).collect();
        assert_eq!(files, [MANIFEST, "b.txt"]);
        assert_eq!(siblings(&out), ["out"]);
    }

    #[test]
    fn a_dropped_set_changes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let s = Staged::replace(&out, &PLAN).unwrap();
        s.write("a.txt", b"1").unwrap();
        s.commit().unwrap();
        let before = read_all(&out);
        {
            let s = Staged::replace(&out, &PLAN).unwrap();
            s.write("a.txt", b"changed").unwrap();
        }
        assert_eq!(read_all(&out), before);
        assert_eq!(siblings(&out), ["out"]);
    }

    #[test]
    fn foreign_files_are_refused_by_name_and_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        fs::create_dir_all(out.join("notes")).unwrap();
        fs::write(out.join("notes/mine.txt"), b"keep").unwrap();
        fs::write(out.join("a.txt"), b"old").unwrap();
        let e = Staged::replace(&out, &PLAN).err().unwrap().to_string();
        assert!(e.contains("notes/mine.txt") && e.contains("1 file"), "{e}");
        assert_eq!(fs::read(out.join("notes/mine.txt")).unwrap(), b"keep");
        assert_eq!(siblings(&out), ["out"]);
    }

    #[test]
    fn update_keeps_other_files_and_never_writes_through_links() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("map");
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join("roads.geojson"), b"old roads").unwrap();
        fs::write(out.join("people.csv"), b"people").unwrap();
        fs::write(out.join(".roads.geojson.tmp123"), b"orphan").unwrap();
        let s = Staged::update(&out, None).unwrap();
        s.write("roads.geojson", b"new roads").unwrap();
        // The old file (possibly the same inode before the write) is unchanged.
        assert_eq!(fs::read(out.join("roads.geojson")).unwrap(), b"old roads");
        s.commit().unwrap();
        assert_eq!(fs::read(out.join("roads.geojson")).unwrap(), b"new roads");
        assert_eq!(fs::read(out.join("people.csv")).unwrap(), b"people");
        assert!(!out.join(".roads.geojson.tmp123").exists());
        // A folder with sub-folders is no map folder: refused, unchanged.
        fs::create_dir_all(out.join("photos")).unwrap();
        fs::write(out.join("photos/p.jpg"), b"jpg").unwrap();
        let e = Staged::update(&out, None).err().unwrap().to_string();
        assert!(e.contains("photos/p.jpg"), "{e}");
        assert_eq!(siblings(&out), ["map"]);
    }

    #[test]
    fn leftovers_of_dead_runs_are_removed_and_a_half_swapped_set_is_restored() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        // A pid that cannot be running: above the Linux maximum (2^22).
        let dead = 4_194_304 + 17;
        let old = old_path(&out, dead);
        fs::create_dir_all(&old).unwrap();
        fs::write(old.join("a.txt"), b"old set").unwrap();
        let staging = tmp.path().join(format!(".out.staging-{dead}"));
        fs::create_dir_all(&staging).unwrap();
        fs::write(staging.join("a.txt"), b"half").unwrap();
        // The target is missing: the killed run had moved it away. It comes back first.
        let s = Staged::replace(&out, &PLAN).unwrap();
        assert_eq!(fs::read(out.join("a.txt")).unwrap(), b"old set");
        drop(s);
        assert_eq!(siblings(&out), ["out"]);
    }

    #[test]
    fn bad_targets_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("file");
        fs::write(&f, b"x").unwrap();
        assert!(Staged::replace(&f, &PLAN).is_err());
        assert!(Staged::replace(Path::new(".."), &PLAN).is_err());
        assert_eq!(fs::read(&f).unwrap(), b"x");
    }

    #[test]
    fn shrink_guard_counts_geojson_features_and_csv_rows() {
        let tmp = tempfile::tempdir().unwrap();
        let fc = |n: usize| {
            let fs: Vec<&str> = (0..n).map(|_| r#"{"type":"Feature"}"#).collect();
            format!(
                r#"{{"type":"FeatureCollection","features":[{}]}}"#,
                fs.join(",")
            )
        };
        fs::write(tmp.path().join("roads.geojson"), fc(10)).unwrap();
        fs::write(tmp.path().join("people.csv"), "id,x\n1,\"a\nb\"\n2,c\n").unwrap();
        assert_eq!(
            count_records("people.csv", b"id,x\n1,\"a\nb\"\n2,c\n"),
            Some(2)
        );
        let files = |n: usize, rows: &str| {
            vec![
                ("roads.geojson".to_string(), fc(n).into_bytes()),
                ("people.csv".to_string(), rows.as_bytes().to_vec()),
                ("map.toml".to_string(), b"".to_vec()),
            ]
        };
        assert!(check_shrink(tmp.path(), &files(5, "id\n1\n"), 0.5).is_empty());
        let s = check_shrink(tmp.path(), &files(4, "id\n"), 0.5);
        assert_eq!(
            s,
            [
                Shrink {
                    file: "roads.geojson".into(),
                    before: 10,
                    after: 4
                },
                Shrink {
                    file: "people.csv".into(),
                    before: 2,
                    after: 0
                }
            ]
        );
        assert!(s[0].to_string().contains("6 lost"), "{}", s[0]);
        // A new layer with no records at all is refused too; the share is settable.
        assert_eq!(check_shrink(tmp.path(), &files(4, "id\n1\n"), 0.7).len(), 0);
        let empty = check_shrink(
            tmp.path(),
            &[("new.geojson".into(), fc(0).into_bytes())],
            0.5,
        );
        assert_eq!(empty.len(), 1);
    }

    /// Brute force over seeded random sequences of commits and abandoned sets: the target always
    /// equals the last committed set, and nothing else is left beside it.
    #[test]
    fn random_sequences_of_commits_and_abandons_keep_the_last_committed_set() {
        let mut rng = crate::rng::Rng::new(10);
        for _ in 0..40 {
            let tmp = tempfile::tempdir().unwrap();
            let out = tmp.path().join("out");
            let mut expected: Vec<(String, Vec<u8>)> = Vec::new();
            for _ in 0..1 + rng.below(5) {
                let s = if rng.chance(0.3) && out.exists() {
                    Staged::update(&out, Some(&PLAN)).unwrap()
                } else {
                    Staged::replace(&out, &PLAN).unwrap()
                };
                let mut set: Vec<(String, Vec<u8>)> =
                    if out.exists() && s.dir().read_dir().unwrap().next().is_some() {
                        read_all(s.dir())
                            .into_iter()
                            .filter(|(f, _)| f != MANIFEST)
                            .collect()
                    } else {
                        Vec::new()
                    };
                for name in ["a.txt", "b.txt", "sub/c.txt"] {
                    if rng.chance(0.5) {
                        let v = rng.next_u64().to_le_bytes().to_vec();
                        s.write(name, &v).unwrap();
                        set.retain(|(f, _)| f != name);
                        set.push((name.to_string(), v));
                    }
                }
                if rng.chance(0.7) {
                    // Both swaps: the atomic exchange and the two renames.
                    s.commit_with(rng.chance(0.5)).unwrap();
                    set.sort();
                    expected = set;
                } else {
                    drop(s);
                }
                if out.exists() {
                    let got: Vec<(String, Vec<u8>)> = read_all(&out)
                        .into_iter()
                        .filter(|(f, _)| f != MANIFEST)
                        .collect();
                    assert_eq!(got, expected);
                }
                assert_eq!(siblings(&out).len(), usize::from(out.exists()));
            }
        }
    }
}

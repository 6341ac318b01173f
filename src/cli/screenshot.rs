//! `sheets --screenshot`: PNG images of the sheets as they PRINT, not as a browser window
//! shows them: each sheet is printed to PDF with headless Chromium (A4, the page's own print
//! styles), then every page is rasterised with poppler's `pdftoppm`.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Resolution of the page images, dots per inch: an A4 page is 827 × 1169 pixels, enough to
/// read 7.5 pt text.
const DPI: &str = "100";

/// Saves `out/png/<id>-<page>.png` for every printed page of each sheet (Debian's `chromium`
/// and `poppler-utils`). Returns the number of page images written.
pub fn screenshots<'a>(out: &Path, ids: impl Iterator<Item = &'a str>) -> Result<usize> {
    let chrome = [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .into_iter()
    .find(|c| Path::new(c).exists())
    .context("--screenshot needs Chromium: apt-get install chromium")?;
    let png_dir = out.join("png");
    std::fs::create_dir_all(&png_dir)
        .with_context(|| format!("cannot create {}", png_dir.display()))?;
    let work = tempfile_dir(out)?;
    let mut n = 0;
    for id in ids {
        let stem = mimamori::render::file_stem(id);
        let html = std::fs::canonicalize(out.join("sheets").join(format!("{stem}.html")))?;
        let pdf = work.join(format!("{stem}.pdf"));
        let status = Command::new(chrome)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
            ])
            .args([
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-pdf-header-footer",
            ])
            .arg(format!(
                "--user-data-dir={}",
                work.join("profile").display()
            ))
            .arg(format!("--print-to-pdf={}", pdf.display()))
            .arg(format!("file://{}", html.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .context("cannot run chromium")?;
        if !status.success() || !pdf.exists() {
            bail!("chromium printed no PDF of {}", html.display());
        }
        let prefix = png_dir.join(&stem);
        let status = Command::new("pdftoppm")
            .args(["-png", "-r", DPI])
            .arg(&pdf)
            .arg(&prefix)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .context("--screenshot needs pdftoppm: apt-get install poppler-utils")?;
        if !status.success() {
            bail!(
                "pdftoppm could not rasterise the printed {}",
                html.display()
            );
        }
        n += pages_written(&png_dir, &stem)?;
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(n)
}

/// The page images `pdftoppm` wrote for `stem` (`<stem>-1.png`, `<stem>-2.png`, …).
fn pages_written(dir: &Path, stem: &str) -> Result<usize> {
    let n = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.strip_prefix(stem)
                .and_then(|r| r.strip_prefix('-'))
                .and_then(|r| r.strip_suffix(".png"))
                .is_some_and(|page| !page.is_empty() && page.bytes().all(|b| b.is_ascii_digit()))
        })
        .count();
    if n == 0 {
        bail!("pdftoppm wrote no page image of {stem}");
    }
    Ok(n)
}

/// A fresh work folder under `out` (Chromium's profile and the PDFs).
fn tempfile_dir(out: &Path) -> Result<PathBuf> {
    let dir = out.join(format!(".screenshot-work-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

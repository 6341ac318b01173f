//! `sheets --screenshot`: PNG images of the sheets, taken with headless Chromium.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// Saves `out/png/<id>.png` for each sheet with headless Chromium (Debian's `chromium`).
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
    let profile = tempfile_dir(out)?;
    let mut n = 0;
    for id in ids {
        let stem = mimamori::render::file_stem(id);
        let html = std::fs::canonicalize(out.join("sheets").join(format!("{stem}.html")))?;
        let png = png_dir.join(format!("{stem}.png"));
        let status = std::process::Command::new(chrome)
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
                "--hide-scrollbars",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--screenshot={}", png.display()))
            .arg("--window-size=1240,1754")
            .arg(format!("file://{}", html.display()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .context("cannot run chromium")?;
        if !status.success() || !png.exists() {
            bail!("chromium made no screenshot of {}", html.display());
        }
        n += 1;
    }
    let _ = std::fs::remove_dir_all(&profile);
    Ok(n)
}

/// A fresh Chromium profile folder under `out`.
fn tempfile_dir(out: &Path) -> Result<PathBuf> {
    let dir = out.join(format!(".chromium-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

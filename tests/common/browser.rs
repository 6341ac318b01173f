//! Headless Chromium driven through chromedriver (WebDriver) for the browser tests: finding the
//! binaries, chromedriver on a free port, and a print session that prints HTML files to PDF.
//!
//! Needs `chromium` and `chromium-driver`. Without them a test fails with a message, unless
//! `MIMAMORI_SKIP_BROWSER=1` is set (then `browser()` and `Printer::start()` give None).
#![allow(dead_code)]

use fantoccini::wd::{PrintConfiguration, PrintMargins, PrintSize};
use fantoccini::{Client, ClientBuilder};
use serde_json::Value;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Chromium and chromedriver, or None when browser tests are explicitly skipped.
pub fn browser() -> Option<(PathBuf, PathBuf)> {
    // Debian's /usr/bin/chromium is a wrapper that adds Google API keys and remote extensions
    // (which call Google services in the background): the binary itself is used when present.
    let chrome = [
        "/usr/lib/chromium/chromium",
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists());
    let driver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    match (chrome, driver) {
        (Some(c), Some(d)) => Some((c, d)),
        _ if std::env::var("MIMAMORI_SKIP_BROWSER").as_deref() == Ok("1") => {
            eprintln!(
                "chromium or chromedriver not found; skipped because MIMAMORI_SKIP_BROWSER=1"
            );
            None
        }
        _ => panic!(
            "chromium and chromedriver not found: install them (apt-get install chromium \
             chromium-driver) or set MIMAMORI_SKIP_BROWSER=1 to skip browser tests"
        ),
    }
}

/// Chromium's switches for the tests: headless, and nothing fetched in the background.
pub const CHROME_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-client-side-phishing-detection",
    "--disable-domain-reliability",
    "--disable-breakpad",
    "--metrics-recording-only",
    "--no-pings",
    "--no-service-autorun",
    "--password-store=basic",
    "--dns-prefetch-disable",
    "--disable-component-extensions-with-background-pages",
    "--disable-search-engine-choice-screen",
    "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,NetworkTimeServiceQuerying,PreconnectToSearch,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions",
];

/// WebDriver capabilities for `chrome` with [`CHROME_ARGS`] and then `extra` switches.
pub fn capabilities(chrome: &Path, extra: &[String]) -> serde_json::Map<String, Value> {
    let mut args: Vec<String> = CHROME_ARGS.iter().map(|a| (*a).to_owned()).collect();
    args.extend(extra.iter().cloned());
    serde_json::from_value(serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": chrome, "args": args }
    }))
    .unwrap()
}

/// chromedriver on a free port, killed (by its own pid) when dropped.
pub struct Driver {
    child: Child,
    pub port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn start_driver(path: &Path) -> Driver {
    let port = free_port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .env_remove("GOOGLE_API_KEY")
        .env_remove("GOOGLE_DEFAULT_CLIENT_ID")
        .env_remove("GOOGLE_DEFAULT_CLIENT_SECRET")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "chromedriver did not listen"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver { child, port }
}

/// A WebDriver session on `driver` (plain HTTP on loopback).
pub async fn session(driver: &Driver, caps: serde_json::Map<String, Value>) -> Client {
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session")
}

/// The print settings: A4, backgrounds, no shrinking. The margins are those of the pages' own
/// `@page { size: A4; margin: 12mm }` (templates/base.html); Chromium lets the CSS margin
/// replace these, not add to them (checked: text starts 34 pt from the corner with 0, 1.2 or
/// 3 cm here), so the pages print as `chromium --print-to-pdf` prints them.
pub fn a4() -> PrintConfiguration {
    PrintConfiguration::builder()
        .size(PrintSize::A4)
        .background(true)
        .shrink_to_fit(false)
        .margins(PrintMargins {
            top: 1.2,
            bottom: 1.2,
            left: 1.2,
            right: 1.2,
        })
        .build()
        .expect("valid print settings")
}

/// One Chromium session that prints HTML files to PDF (about 0.5 s a page instead of ~2 s for
/// a Chromium process per file). Each test starts its own: the session, Chromium and
/// chromedriver end when it is dropped.
pub struct Printer {
    rt: tokio::runtime::Runtime,
    client: Option<Client>,
    _driver: Driver,
    _profile: tempfile::TempDir,
}

impl Printer {
    /// A print session, or None when browser tests are explicitly skipped.
    pub fn start() -> Option<Printer> {
        let (chrome, driver_path) = browser()?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let profile = tempfile::tempdir().unwrap();
        let driver = start_driver(&driver_path);
        let caps = capabilities(
            &chrome,
            &[format!("--user-data-dir={}", profile.path().display())],
        );
        let client = rt.block_on(session(&driver, caps));
        Some(Printer {
            rt,
            client: Some(client),
            _driver: driver,
            _profile: profile,
        })
    }

    /// Prints the HTML file `html` (opened as a `file://` URL) to `pdf`.
    pub fn print(&self, html: &Path, pdf: &Path) {
        let path = std::fs::canonicalize(html).expect("the HTML file exists");
        let url = url::Url::from_file_path(&path).unwrap();
        let c = self.client.as_ref().unwrap();
        let bytes = self.rt.block_on(async {
            c.goto(url.as_str())
                .await
                .unwrap_or_else(|e| panic!("chromium cannot open {}: {e}", html.display()));
            c.print(a4())
                .await
                .unwrap_or_else(|e| panic!("chromium cannot print {}: {e}", html.display()))
        });
        std::fs::write(pdf, bytes).unwrap();
    }
}

impl Drop for Printer {
    fn drop(&mut self) {
        if let Some(c) = self.client.take() {
            let _ = self.rt.block_on(c.close());
        }
    }
}

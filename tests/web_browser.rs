//! The web app driven end to end in headless Chromium through chromedriver (WebDriver), on the
//! bundled city (`maps/asahikawa-synthetic`), with the server in-process on 127.0.0.1:0.
//!
//! Flow: sign in as the D01 coordinator → the dashboard shows the API's counts → open an
//! uncovered person from the list → pin a feasible helper → the plan page and the printed sheet
//! show that helper → 作成中 → 本人確認済 → the dashboard count changed; the coordinator opening
//! a D02 person's URL gets the not-found page; a helper user sees only their people.
//! Requests: every request the pages make is read from Chromium's performance log (DevTools
//! `Network.requestWillBeSent`, pages and frames): none may leave the server. Every request
//! of the browser also goes through a recording proxy in this test (`--proxy-server`, loopback
//! included), which must see the pages' traffic to the server; what Chromium itself fetches
//! in the background (component updates, its default search engine) is printed, not failed:
//! it is the browser's, not the app's.
//!
//! Needs `chromium` and `chromium-driver`. Without them the test fails with a message, unless
//! `MIMAMORI_SKIP_BROWSER=1` is set. Screenshots of the dashboard and the plan page go to
//! `$MIMAMORI_SHOTS` (default `target/web-shots/`).

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use common::browser::{browser, capabilities, session, start_driver};
use fantoccini::Locator;
use mimamori::io::mapdir::load_map_at;
use mimamori::plan::engine::{Change, HelperStatus};
use mimamori::plan::{PlanParams, Scenario};
use mimamori::serve::{AppState, engine_for, record_engine_run, router};
use mimamori::store::{ImportOptions, NewUser, PlanStatus, Store, UserRole};
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use time::macros::datetime;
use tower::ServiceExt;

const NOW: OffsetDateTime = datetime!(2026-12-01 10:00 UTC);

/// A forward proxy that records the target of every request and passes on only those to
/// `allowed` (host:port); anything else is answered 403. One request per connection.
fn start_proxy(allowed: String, log: Arc<Mutex<Vec<String>>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let allowed = allowed.clone();
            let log = log.clone();
            std::thread::spawn(move || {
                let _ = proxy_one(conn, &allowed, &log);
            });
        }
    });
    port
}

fn proxy_one(
    mut client: TcpStream,
    allowed: &str,
    log: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    // The request head.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte)? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let url = if method == "CONNECT" {
        format!("https://{target}/")
    } else {
        target.to_owned()
    };
    log.lock().unwrap().push(url.clone());
    let prefix = format!("http://{allowed}/");
    if method == "CONNECT" || !url.starts_with(&prefix) {
        client.write_all(
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )?;
        return Ok(());
    }
    let path = &url[prefix.len() - 1..];
    let mut length = 0usize;
    let mut out = format!("{method} {path} HTTP/1.1\r\n");
    for l in lines.filter(|l| !l.is_empty()) {
        let lower = l.to_ascii_lowercase();
        if lower.starts_with("proxy-connection:") || lower.starts_with("connection:") {
            continue;
        }
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        out.push_str(l);
        out.push_str("\r\n");
    }
    out.push_str("Connection: close\r\n\r\n");
    let mut body = vec![0u8; length];
    client.read_exact(&mut body)?;
    let mut upstream = TcpStream::connect(allowed)?;
    upstream.write_all(out.as_bytes())?;
    upstream.write_all(&body)?;
    std::io::copy(&mut upstream, &mut client)?;
    Ok(())
}

/// chromedriver's log endpoint (not in the W3C protocol): the performance log since the last
/// read.
#[derive(Debug)]
struct PerformanceLog;

impl fantoccini::wd::WebDriverCompatibleCommand for PerformanceLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }
    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(r#"{"type":"performance"}"#.to_owned()),
        )
    }
}

/// The URLs the pages requested since the last call.
async fn page_requests(c: &fantoccini::Client) -> Vec<String> {
    let log = c
        .issue_cmd(PerformanceLog)
        .await
        .expect("the performance log");
    let mut out = Vec::new();
    for entry in log.as_array().cloned().unwrap_or_default() {
        let Some(msg) = entry["message"].as_str() else {
            continue;
        };
        let Ok(m) = serde_json::from_str::<Value>(msg) else {
            continue;
        };
        if m["message"]["method"] == "Network.requestWillBeSent"
            && let Some(u) = m["message"]["params"]["request"]["url"].as_str()
        {
            out.push(u.to_owned());
        }
    }
    out
}

async fn api(app: &Router, token: &str, uri: &str) -> Value {
    let req = Request::builder()
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn shots_dir() -> PathBuf {
    std::env::var_os("MIMAMORI_SHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
            target.join("web-shots")
        })
}

async fn text_of(c: &fantoccini::Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

async fn count(c: &fantoccini::Client, id: &str) -> u64 {
    text_of(c, &format!("#{id}")).await.trim().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_coordinator_fixes_a_plan_in_a_real_browser() {
    let Some((chrome, driver_path)) = browser() else {
        return;
    };
    // The bundled city, imported and planned.
    let dir = tempfile::tempdir().unwrap();
    let map_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/asahikawa-synthetic");
    let (map, _) = load_map_at(&map_dir, None, NOW.date()).expect("bundled city loads");
    let mut store = Store::open(&dir.path().join("city.db")).unwrap();
    store
        .import_map(&map, &ImportOptions::default(), NOW, "test", "test")
        .unwrap();
    let engine = engine_for(&store, &Scenario::default(), &PlanParams::default(), NOW).unwrap();
    record_engine_run(&mut store, &engine, NOW, "test").unwrap();
    let run = engine.planned.run().clone();
    let district_of = |id: &str| {
        let p = map.find_person(id).unwrap();
        map.district(map.person(p).district).code.clone()
    };
    // An uncovered person and a helper the page offers whose pin the planner follows
    // (checked with the library, as the server will re-plan). In the bundled city D01 has
    // nobody uncovered with a plan (its uncovered people gave no consent to drafting), so the
    // district is the first, in map order, that has such a person: "D01" below stands for it.
    let followed = |p: &mimamori::plan::Plan, h: &str, district: &str| {
        let mut trial = engine.planned.clone();
        let change = Change::Pin {
            person: p.person.clone(),
            helper: Some(h.to_owned()),
            destination: None,
        };
        engine.planner.replan(&mut trial, district, &change).is_ok()
            && trial.run().plans.iter().any(|q| {
                q.person == p.person
                    && q.primary_helpers().any(|x| x.id == h)
                    && !q.warnings.iter().any(|w| w.code() == "pin_not_followed")
            })
    };
    let (d01, person, helper) = map
        .districts
        .iter()
        .find_map(|d| {
            run.plans
                .iter()
                .filter(|p| district_of(&p.person) == d.code && p.needs_help && !p.covered)
                .find_map(|p| {
                    let ex = run.explanations.get(&p.person)?;
                    ex.helpers
                        .iter()
                        .filter(|h| {
                            matches!(
                                h.status,
                                HelperStatus::Backup { .. } | HelperStatus::NotChosen { .. }
                            ) && !p.helpers.iter().any(|ph| ph.id == h.id)
                        })
                        .find(|h| followed(p, &h.id, &d.code))
                        .map(|h| (d.code.clone(), p.person.clone(), h.id.clone()))
                })
        })
        .expect("a district with an uncovered person and a helper whose pin is followed");
    let d02 = map
        .districts
        .iter()
        .map(|d| d.code.clone())
        .find(|c| *c != d01)
        .unwrap();
    let helper_name = map
        .volunteers
        .iter()
        .find(|v| v.ext_id == helper)
        .unwrap()
        .name
        .clone();
    let d02_person = run
        .plans
        .iter()
        .find(|p| district_of(&p.person) == d02)
        .unwrap()
        .person
        .clone();
    // A helper user: a volunteer named in shared plans.
    let helper_vol = run
        .plans
        .iter()
        .filter(|p| p.consent_share && district_of(&p.person) == d01)
        .flat_map(|p| p.helpers.iter())
        .map(|h| h.id.clone())
        .find(|v| *v != helper)
        .expect("a helper named in a shared plan");
    let mut tokens = Vec::new();
    for (name, role, district, vol) in [
        ("coord-d01", UserRole::Coordinator, Some(d01.clone()), None),
        ("helper-1", UserRole::Helper, None, Some(helper_vol.clone())),
    ] {
        let token = store.new_token().unwrap();
        store
            .add_user(
                &NewUser {
                    name: name.into(),
                    role,
                    district,
                    volunteer_id: vol,
                },
                &token,
                NOW,
            )
            .unwrap();
        tokens.push(token);
    }
    let (coord, helper_token) = (tokens[0].clone(), tokens[1].clone());
    let app = router(AppState::new(store, || NOW).with_engine(engine));

    // The server, the recording proxy, chromedriver and Chromium.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = app.clone();
    tokio::spawn(async move { axum::serve(listener, served).await.unwrap() });
    let requests = Arc::new(Mutex::new(Vec::new()));
    let proxy = start_proxy(addr.to_string(), requests.clone());
    let driver = start_driver(&driver_path);
    let profile = dir.path().join("profile");
    let mut caps = capabilities(
        &chrome,
        &[
            "--window-size=1280,1000".into(),
            format!("--user-data-dir={}", profile.display()),
            format!("--proxy-server=http://127.0.0.1:{proxy}"),
            "--proxy-bypass-list=<-loopback>".into(),
        ],
    );
    caps.insert(
        "goog:loggingPrefs".into(),
        serde_json::json!({"performance": "ALL"}),
    );
    let c = session(&driver, caps).await;
    let base = format!("http://{addr}");
    let shots = shots_dir();
    std::fs::create_dir_all(&shots).unwrap();

    // Sign in as the D01 coordinator: the home is the district's dashboard.
    c.goto(&format!("{base}/")).await.unwrap();
    assert!(c.current_url().await.unwrap().path().ends_with("/signin"));
    c.find(Locator::Id("token"))
        .await
        .unwrap()
        .send_keys(&coord)
        .await
        .unwrap();
    c.find(Locator::Id("signin-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("status-counts"))
        .await
        .unwrap();
    assert_eq!(
        c.current_url().await.unwrap().path(),
        format!("/districts/{d01}")
    );
    // The dashboard's counts are the API's.
    let api_d01 = |v: Value| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == d01.as_str())
            .unwrap()
            .clone()
    };
    let before = api_d01(api(&app, &coord, "/api/districts").await);
    for s in PlanStatus::ALL {
        assert_eq!(
            count(&c, &format!("count-{}", s.code())).await,
            before["statuses"][s.code()].as_u64().unwrap(),
            "{}",
            s.code()
        );
    }
    assert_eq!(
        count(&c, "covered").await,
        before["covered"].as_u64().unwrap()
    );
    assert_eq!(
        count(&c, "uncovered").await,
        before["uncovered"].as_u64().unwrap()
    );
    std::fs::write(shots.join("dashboard.png"), c.screenshot().await.unwrap()).unwrap();

    // Open the uncovered person from the list.
    c.find(Locator::Id("uncovered-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("uncovered-list"))
        .await
        .unwrap();
    c.find(Locator::Css(&format!(
        "#uncovered-list a[href=\"/people/{person}\"]"
    )))
    .await
    .expect("the uncovered person is listed with a link")
    .click()
    .await
    .unwrap();
    c.wait().for_element(Locator::Id("pin-form")).await.unwrap();
    assert_eq!(text_of(&c, "#coverage").await, "未確保");
    assert!(text_of(&c, "#personal-notice").await.contains("個人情報"));
    // Pin the helper (offered with the travel time).
    let option = c
        .find(Locator::Css(&format!(
            "#helper_id option[value=\"{helper}\"]"
        )))
        .await
        .expect("the helper is offered");
    assert!(option.text().await.unwrap().contains('分'));
    c.find(Locator::Id("helper_id"))
        .await
        .unwrap()
        .select_by_value(&helper)
        .await
        .unwrap();
    c.find(Locator::Id("pin-save"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("saved")).await.unwrap();
    let helpers = text_of(&c, "#helpers").await;
    assert!(helpers.contains(&helper), "{helpers}");
    assert!(helpers.contains(&helper_name));
    std::fs::write(shots.join("plan.png"), c.screenshot().await.unwrap()).unwrap();
    // The plan's routes on the district map: the evacuation route and each helper's way, as
    // many lines as the API's plan has routes.
    let planned = api(&app, &coord, &format!("/api/people/{person}/plan")).await;
    let lines = |v: &Value| usize::from(v["route"].as_array().is_some_and(|r| r.len() >= 2));
    let want = lines(&planned["plan"])
        + planned["plan"]["helpers"]
            .as_array()
            .unwrap()
            .iter()
            .map(lines)
            .sum::<usize>();
    assert!(want >= 1, "the pinned helper's way at least");
    c.find(Locator::Id("map-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let start = Instant::now();
    loop {
        let map = c.find(Locator::Id("map")).await;
        if let Ok(map) = map
            && let Some(n) = map.attr("data-routes").await.unwrap()
        {
            assert_eq!(n.parse::<usize>().unwrap(), want, "route lines drawn");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "the map draws");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    std::fs::write(shots.join("map-routes.png"), c.screenshot().await.unwrap()).unwrap();
    c.back().await.unwrap();
    c.wait()
        .for_element(Locator::Id("print-link"))
        .await
        .unwrap();
    // The printed sheet names the helper.
    c.find(Locator::Id("print-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let start = Instant::now();
    while !c.current_url().await.unwrap().path().ends_with("/sheet") {
        assert!(start.elapsed() < Duration::from_secs(30), "the sheet opens");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let sheet = c.source().await.unwrap();
    assert!(
        sheet.contains(&helper_name),
        "the sheet names the pinned helper"
    );
    c.back().await.unwrap();
    // 作成中, then 本人確認済 with the date and the tick.
    c.wait()
        .for_element(Locator::Id("status-form"))
        .await
        .unwrap();
    for (status, confirm) in [("drafting", false), ("confirmed_with_person", true)] {
        c.find(Locator::Id("status-select"))
            .await
            .unwrap()
            .select_by_value(status)
            .await
            .unwrap();
        if confirm {
            c.find(Locator::Id("confirmed"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
        }
        c.find(Locator::Id("status-save"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.wait().for_element(Locator::Id("saved")).await.unwrap();
        let shown = c
            .find(Locator::Id("status"))
            .await
            .unwrap()
            .attr("data-status")
            .await
            .unwrap();
        assert_eq!(shown.as_deref(), Some(status));
    }
    // The dashboard's count changed, as the API's did.
    c.goto(&format!("{base}/districts/{d01}")).await.unwrap();
    c.wait()
        .for_element(Locator::Id("status-counts"))
        .await
        .unwrap();
    let after = api_d01(api(&app, &coord, "/api/districts").await);
    let key = "confirmed_with_person";
    assert_eq!(
        after["statuses"][key].as_u64().unwrap(),
        before["statuses"][key].as_u64().unwrap() + 1
    );
    assert_eq!(
        count(&c, &format!("count-{key}")).await,
        after["statuses"][key].as_u64().unwrap()
    );
    assert_eq!(
        count(&c, "covered").await,
        after["covered"].as_u64().unwrap()
    );

    // Another district's person is the not-found page, the same as a missing id.
    c.goto(&format!("{base}/people/{d02_person}"))
        .await
        .unwrap();
    let other = text_of(&c, "main").await;
    assert_eq!(text_of(&c, "#message-title").await, "見つかりません");
    c.goto(&format!("{base}/people/NO-SUCH-ID")).await.unwrap();
    assert_eq!(text_of(&c, "main").await, other);

    // The map: Leaflet draws the district's layers from this server; a person opens the plan.
    c.goto(&format!("{base}/districts/{d01}/map"))
        .await
        .unwrap();
    let start = Instant::now();
    let drawn = loop {
        let m = c.find(Locator::Id("map")).await.unwrap();
        assert_eq!(
            m.attr("data-error").await.unwrap(),
            None,
            "the map's layers load"
        );
        if let Some(n) = m.attr("data-ready").await.unwrap() {
            break n;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the map is drawn"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let listed = c
        .find_all(Locator::Css("#map-people a.person-link"))
        .await
        .unwrap()
        .len();
    assert_eq!(drawn, listed.to_string(), "every listed person is drawn");
    let marks = c
        .find_all(Locator::Css("#map path.leaflet-interactive"))
        .await
        .unwrap();
    // People are the last layer drawn: the last mark is a person.
    marks
        .last()
        .expect("marks on the map")
        .click()
        .await
        .unwrap();
    let start = Instant::now();
    while !c
        .current_url()
        .await
        .unwrap()
        .path()
        .starts_with("/people/")
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "a click opens the plan"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Sign out; a helper user sees only their people.
    c.goto(&format!("{base}/")).await.unwrap();
    c.find(Locator::Id("signout"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("token"))
        .await
        .unwrap()
        .send_keys(&helper_token)
        .await
        .unwrap();
    c.find(Locator::Id("signin-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("people")).await.unwrap();
    let mut shown = BTreeSet::new();
    for a in c.find_all(Locator::Css("a.person-link")).await.unwrap() {
        shown.insert(a.text().await.unwrap());
    }
    let listed: BTreeSet<String> = api(&app, &helper_token, "/api/people")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    let reference: BTreeSet<String> = run
        .plans
        .iter()
        .filter(|p| p.consent_share && p.helpers.iter().any(|h| h.id == helper_vol))
        .map(|p| p.person.clone())
        .collect();
    assert!(!shown.is_empty());
    assert_eq!(shown, listed);
    assert_eq!(shown, reference);
    c.goto(&format!("{base}/people/{d02_person}"))
        .await
        .unwrap();
    if !reference.contains(&d02_person) {
        assert_eq!(text_of(&c, "#message-title").await, "見つかりません");
    }
    let pages = page_requests(&c).await;
    c.close().await.unwrap();
    drop(driver);

    // No request of a page left the server: every URL on the network (http, https, ws, wss,
    // ftp) is the server's; data:, blob: and chrome:// (the first tab's own page) never leave
    // the browser.
    let base_slash = format!("{base}/");
    let on_network = |u: &&String| {
        ["http:", "https:", "ws:", "wss:", "ftp:"]
            .iter()
            .any(|s| u.starts_with(s))
    };
    assert!(
        pages.iter().filter(on_network).count() >= 10,
        "the pages' requests were logged: {pages:?}"
    );
    let outside: Vec<&String> = pages
        .iter()
        .filter(on_network)
        .filter(|u| !u.starts_with(&base_slash))
        .collect();
    assert!(
        outside.is_empty(),
        "page requests outside the server: {outside:?}"
    );
    for needed in ["/signin", "/static/app.css", "/sheet"] {
        assert!(
            pages.iter().any(|u| u.contains(needed)),
            "{needed} was requested: {pages:?}"
        );
    }
    // Loopback went through the recording proxy: it saw the pages' traffic to the server.
    let seen = requests.lock().unwrap().clone();
    let to_server = seen.iter().filter(|u| u.starts_with(&base_slash)).count();
    assert!(
        to_server >= 10,
        "the proxy saw the pages' requests: {seen:?}"
    );
    let background: Vec<&String> = seen
        .iter()
        .filter(|u| !u.starts_with(&base_slash))
        .collect();
    if !background.is_empty() {
        eprintln!("Chromium's own background requests (refused by the proxy): {background:?}");
    }
}

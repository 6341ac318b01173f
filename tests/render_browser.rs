//! Plan sheets, cards and the index checked in a real browser: rendered to HTML, printed to PDF
//! by headless Chromium (one WebDriver session per test, `common::browser::Printer`), and read
//! back with poppler (`pdfinfo`, `pdftotext`).
//!
//! Needs `chromium`, `chromium-driver` and poppler-utils. Without them the browser tests fail
//! with a message, unless `MIMAMORI_SKIP_BROWSER=1` is set. To look at the pages yourself:
//! `MIMAMORI_SHOTS=/tmp/shots cargo test --test render_browser screenshots -- --ignored`
//! writes the HTML, a window screenshot and one PNG per printed page of each fixture there.

mod common;
#[path = "../src/cli/sheets.rs"]
mod sheets_cmd;

use common::browser::Printer;
use common::*;
use mimamori::model::{Lang, Map};
use mimamori::plan::{Plan, PlanRun};
use mimamori::render::{self, MAP_MARGIN_M, MapIndex, MapView};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The Chromium binary, or None when browser tests are explicitly skipped.
fn chromium() -> Option<PathBuf> {
    for c in [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ] {
        if Path::new(c).exists() {
            return Some(c.into());
        }
    }
    if std::env::var("MIMAMORI_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!("chromium not found; skipped because MIMAMORI_SKIP_BROWSER=1");
        return None;
    }
    panic!(
        "chromium not found (looked for /usr/bin/chromium, chromium-browser, google-chrome): \
         install it (apt-get install chromium) or set MIMAMORI_SKIP_BROWSER=1 to skip browser tests"
    );
}

fn chrome_cmd(chrome: &Path, profile: &Path) -> Command {
    let mut c = Command::new("timeout");
    c.arg("120").arg(chrome).args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ]);
    c.arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// Prints with a Chromium process of its own, as `sheets --screenshot` does (slow: ~2 s).
fn cli_print_pdf(chrome: &Path, html: &Path, pdf: &Path) {
    let profile = html.with_extension("profile");
    let out = chrome_cmd(chrome, &profile)
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg("--no-pdf-header-footer")
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("chromium runs");
    assert!(
        pdf.exists(),
        "chromium wrote no PDF for {}: {}",
        html.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn screenshot(chrome: &Path, html: &Path, png: &Path) {
    let profile = html.with_extension("profile");
    chrome_cmd(chrome, &profile)
        .arg(format!("--screenshot={}", png.display()))
        .arg("--window-size=1240,1754")
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("chromium runs");
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd} (install poppler-utils): {e}"));
    assert!(out.status.success(), "{cmd} {args:?} failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// (pages, width pts, height pts) from `pdfinfo`.
fn pdf_info(pdf: &Path) -> (u32, f64, f64) {
    let info = run("pdfinfo", &[pdf.to_str().unwrap()]);
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap_or_else(|| panic!("pdfinfo has no {name}: {info}"))
            .trim()
            .to_string()
    };
    let pages = field("Pages:").parse().unwrap();
    let size = field("Page size:");
    let mut it = size.split_whitespace();
    let w: f64 = it.next().unwrap().parse().unwrap();
    it.next();
    let h: f64 = it.next().unwrap().parse().unwrap();
    (pages, w, h)
}

/// The PDF's text without whitespace (pdftotext may break lines anywhere).
fn pdf_text(pdf: &Path) -> String {
    run("pdftotext", &[pdf.to_str().unwrap(), "-"])
        .split_whitespace()
        .collect()
}

fn sheet_html(map: &Map, plan: &Plan, lang: Lang) -> String {
    let view = MapView::around(map, &render::plan_points(plan), MAP_MARGIN_M);
    render::render_sheet(plan, &view, lang)
}

#[test]
fn fixture_sheets_print_on_at_most_two_a4_pages_with_the_key_facts() {
    let Some(printer) = Printer::start() else {
        return;
    };
    let map = sample_map();
    let dir = tempfile::tempdir().unwrap();
    // Every item municipal forms add, filled with values of the synthetic roster's length.
    let mut full = bedridden_flood(&map);
    full.family_doctor = "旭川中央内科クリニック 0166-00-1234".into();
    full.care_manager = "東光居宅介護支援事業所 佐藤花子 0166-00-5678".into();
    full.commissioner = "鈴木一郎 0166-00-4321".into();
    for h in &mut full.helpers {
        h.address = "北海道旭川市東光12条3丁目4番5号".into();
    }
    for (i, (plan, lang)) in [
        (bedridden_flood(&map), Lang::Ja),
        (wheelchair_winter(&map), Lang::Ja),
        (bedridden_flood(&map), Lang::En),
        (full.clone(), Lang::Ja),
        (full.clone(), Lang::En),
    ]
    .into_iter()
    .enumerate()
    {
        let html = dir.path().join(format!("sheet{i}.html"));
        let pdf = dir.path().join(format!("sheet{i}.pdf"));
        std::fs::write(&html, sheet_html(&map, &plan, lang)).unwrap();
        printer.print(&html, &pdf);
        let (pages, w, h) = pdf_info(&pdf);
        assert!(
            (w - 595.0).abs() <= 1.0 && (h - 842.0).abs() <= 1.0,
            "not A4: {w} x {h}"
        );
        assert!(
            (1..=2).contains(&pages),
            "{} pages for {} (case {i}, {lang:?})",
            pages,
            plan.person
        );
        // pdftotext may break lines anywhere; compare without whitespace.
        let text: String = run("pdftotext", &[pdf.to_str().unwrap(), "-"])
            .split_whitespace()
            .collect();
        let squash = |s: &str| s.split_whitespace().collect::<String>();
        for needle in [
            squash(&plan.name),
            squash(&plan.destination.as_ref().unwrap().name),
            squash(&plan.helpers[0].name),
            squash(lang.pick("避難先", "Destination")),
            squash(lang.pick("署名", "Signature")),
            squash(lang.pick("次回見直し日", "Next review")),
            squash(lang.pick("かかりつけ医", "Family doctor")),
            squash(&plan.next_review),
            // The first word: table cells may wrap and be read out of order.
            plan.family_doctor
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_owned(),
        ] {
            assert!(
                text.contains(&needle),
                "{needle:?} not in the PDF of {}",
                plan.person
            );
        }
    }
}

#[test]
fn fixture_card_prints_on_a4() {
    let Some(printer) = Printer::start() else {
        return;
    };
    let map = sample_map();
    let plans = [bedridden_flood(&map), wheelchair_winter(&map)];
    let refs: Vec<&Plan> = plans.iter().collect();
    let index = MapIndex::new(&map);
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("card.html");
    let pdf = dir.path().join("card.pdf");
    std::fs::write(
        &html,
        render::render_card("V00004", &refs, &index, Lang::Ja, false),
    )
    .unwrap();
    printer.print(&html, &pdf);
    let (pages, w, h) = pdf_info(&pdf);
    assert!((w - 595.0).abs() <= 1.0 && (h - 842.0).abs() <= 1.0);
    assert!(pages <= 2, "{pages} pages");
    let text: String = run("pdftotext", &[pdf.to_str().unwrap(), "-"])
        .split_whitespace()
        .collect();
    assert!(text.contains("三浦美智子") && text.contains("警戒レベル3"));
}

fn assert_no_script(what: &str, html: &str) {
    let lower = html.to_lowercase();
    assert!(
        !lower.contains("<script"),
        "{what} contains a <script element"
    );
    assert!(
        !html.contains("\"&<>"),
        "{what} contains the raw helper name"
    );
}

#[test]
fn user_text_is_escaped_in_sheet_card_and_index() {
    let map = sample_map();
    let mut plan = bedridden_flood(&map);
    plan.name = "<script>alert(1)</script>".into();
    plan.kana = "<script>".into();
    plan.notes = "<img src=x onerror=alert(1)>".into();
    plan.helpers[0].name = "\"&<>".into();
    plan.helpers[0].id = "V\"&<>".into();
    plan.destination.as_mut().unwrap().name = "<script>x</script>".into();
    plan.district_name = "<script>".into();
    plan.things_to_take.push("<script>".into());
    let sheet = sheet_html(&map, &plan, Lang::Ja);
    assert_no_script("sheet", &sheet);
    assert!(
        sheet.contains("&lt;script&gt;alert(1)&lt;/script&gt;") || sheet.contains("&#60;script")
    );
    assert!(!sheet.contains("<img"));
    let index = MapIndex::new(&map);
    let card = render::render_card("V\"&<>", &[&plan], &index, Lang::En, false);
    assert_no_script("card", &card);
    assert!(!card.contains("<img"));
    let mut un = uncovered();
    un[0].person = "<script>".into();
    let idx = render::render_index(&[plan], &un, Lang::Ja);
    assert_no_script("index", &idx);
}

#[test]
fn english_sheet_has_no_japanese_labels() {
    let map = sample_map();
    let html = sheet_html(&map, &wheelchair_winter(&map), Lang::En);
    for label in ["本人情報", "避難先と避難経路", "緊急連絡先", "法的な責任"]
    {
        assert!(!html.contains(label), "{label} on the English sheet");
    }
    assert!(html.contains("no legal duty"));
    let ja = sheet_html(&map, &wheelchair_winter(&map), Lang::Ja);
    assert!(ja.contains(
        "避難支援等実施者は法的な責任や義務を負うものではなく、自身と家族の安全を最優先とします"
    ));
    assert!(ja.contains("警戒レベル3"));
}

#[test]
fn pages_load_nothing_from_outside() {
    let map = sample_map();
    let plans = [bedridden_flood(&map), wheelchair_winter(&map)];
    let refs: Vec<&Plan> = plans.iter().collect();
    let index = MapIndex::new(&map);
    for html in [
        sheet_html(&map, &plans[0], Lang::Ja),
        render::render_card("V00004", &refs, &index, Lang::Ja, false),
        render::render_index(&plans, &uncovered(), Lang::Ja),
    ] {
        let lower = html.to_lowercase();
        for bad in ["<link", "<img", " src=", "@import", "url(http", "<script"] {
            assert!(!lower.contains(bad), "page contains {bad}");
        }
    }
}

#[test]
fn sheets_are_deterministic() {
    let map = sample_map();
    let plan = bedridden_flood(&map);
    assert_eq!(
        sheet_html(&map, &plan, Lang::Ja),
        sheet_html(&map, &plan, Lang::Ja)
    );
}

#[test]
fn write_sheets_writes_index_sheets_and_cards_for_consented_plans() {
    let map = sample_map();
    let a = bedridden_flood(&map);
    let mut b = wheelchair_winter(&map);
    let mut c = wheelchair_winter(&map);
    c.person = "P99999".into();
    c.consent_plan = false;
    b.helpers[1].id = "V/../x".into();
    let dir = tempfile::tempdir().unwrap();
    let plans = [a, b, c];
    let stats = sheets_cmd::write_sheets(
        dir.path(),
        &map,
        &plans,
        &uncovered(),
        Lang::Ja,
        None,
        false,
    )
    .unwrap();
    assert_eq!(stats.sheets, 2);
    assert_eq!(stats.skipped_no_consent, 1);
    assert_eq!(stats.cards, 5);
    assert!(dir.path().join("index.html").exists());
    assert!(dir.path().join("sheets/P00031.html").exists());
    assert!(!dir.path().join("sheets/P99999.html").exists());
    assert!(dir.path().join("cards/V00004.html").exists());
    assert!(dir.path().join("cards/V~2f~2e~2e~2fx.html").exists());
    let index = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
    assert!(index.contains("sheets/P00031.html") && index.contains("cards/V00004.html"));
    assert!(!index.contains("sheets/P99999.html"));

    let one = tempfile::tempdir().unwrap();
    let stats = sheets_cmd::write_sheets(
        one.path(),
        &map,
        &plans,
        &[],
        Lang::En,
        Some("P00002"),
        false,
    )
    .unwrap();
    assert_eq!((stats.sheets, stats.cards), (1, 2));
    assert!(
        sheets_cmd::write_sheets(
            one.path(),
            &map,
            &plans,
            &[],
            Lang::En,
            Some("nobody"),
            false
        )
        .is_err()
    );
}

/// Writes fixture pages, screenshots and per-page PNGs to `$MIMAMORI_SHOTS` for a human to look at.
#[test]
#[ignore]
fn screenshots() {
    let Some(chrome) = chromium() else { return };
    let Some(printer) = Printer::start() else {
        return;
    };
    let dir = PathBuf::from(
        std::env::var("MIMAMORI_SHOTS").unwrap_or_else(|_| "/tmp/mimamori-shots".into()),
    );
    std::fs::create_dir_all(&dir).unwrap();
    let map = sample_map();
    let plans = [bedridden_flood(&map), wheelchair_winter(&map)];
    let refs: Vec<&Plan> = plans.iter().collect();
    let index = MapIndex::new(&map);
    let mut pages: Vec<(String, String)> = vec![];
    for lang in [Lang::Ja, Lang::En] {
        let sfx = lang.pick("ja", "en");
        for p in &plans {
            pages.push((
                format!("sheet-{}-{sfx}", p.person),
                sheet_html(&map, p, lang),
            ));
        }
        pages.push((
            format!("card-V00005-{sfx}"),
            render::render_card("V00005", &refs, &index, lang, false),
        ));
        pages.push((
            format!("index-{sfx}"),
            render::render_index(&plans, &uncovered(), lang),
        ));
    }
    for (name, html) in pages {
        let h = dir.join(format!("{name}.html"));
        std::fs::write(&h, html).unwrap();
        screenshot(&chrome, &h, &dir.join(format!("{name}-window.png")));
        let pdf = dir.join(format!("{name}.pdf"));
        printer.print(&h, &pdf);
        run(
            "pdftoppm",
            &[
                "-png",
                "-r",
                "80",
                pdf.to_str().unwrap(),
                dir.join(&name).to_str().unwrap(),
            ],
        );
        eprintln!("{}: {:?}", name, pdf_info(&pdf));
    }
}

/// Regression: real plans (not only fixtures) once printed on three pages, because a forced
/// page break after section 6 left too little room for sections 7-12 when page 1 was full.
/// Every sheet the engine drafts for the sample district, in both languages, prints on at most
/// two A4 pages.
#[test]
fn every_sample_district_sheet_prints_on_at_most_two_a4_pages() {
    let Some(printer) = Printer::start() else {
        return;
    };
    let map = sample_map();
    let run = plan_alone(&map, None);
    assert!(run.plans.len() >= 20);
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for lang in [Lang::Ja, Lang::En] {
        for p in &run.plans {
            let html = tmp.path().join(format!("{}-{lang:?}.html", p.person));
            let pdf = html.with_extension("pdf");
            std::fs::write(&html, sheet_html(&map, p, lang)).unwrap();
            printer.print(&html, &pdf);
            let (pages, w, h) = pdf_info(&pdf);
            if pages > 2 || (w - 595.0).abs() > 1.5 || (h - 842.0).abs() > 1.5 {
                failures.push(format!("{} {lang:?}: {pages} pages, {w} x {h}", p.person));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "sheets not on 1-2 A4 pages:\n{}",
        failures.join("\n")
    );
}

/// A multi-hazard sheet: its person, its HTML and the destinations it must name.
struct MultiSheet {
    person: String,
    html: String,
    destinations: Vec<String>,
}

/// The sample district planned under each of `scenarios`.
fn plan_each(map: &Map, scenarios: &[&str]) -> Vec<PlanRun> {
    scenarios.iter().map(|s| plan_alone(map, Some(s))).collect()
}

/// Every consented person's sheet with a block per run (the first run's plans;
/// the others' plans of that person, as `sheets --scenario A --scenario B` renders them).
fn multi_hazard_sheets(map: &Map, runs: &[PlanRun], lang: Lang) -> Vec<MultiSheet> {
    let index = MapIndex::new(map);
    let sheets: Vec<MultiSheet> = runs[0]
        .plans
        .iter()
        .filter(|p| p.consent_plan)
        .map(|first| {
            let others: Vec<&Plan> = runs[1..]
                .iter()
                .filter_map(|r| r.plans.iter().find(|q| q.person == first.person))
                .collect();
            MultiSheet {
                person: first.person.clone(),
                html: render::render_sheet_hazards(first, &others, &index, lang),
                destinations: std::iter::once(first)
                    .chain(others.iter().copied())
                    .filter_map(leaves_to)
                    .collect(),
            }
        })
        .collect();
    assert!(sheets.len() >= 20, "{} sheets", sheets.len());
    sheets
}

/// Every consented person's multi-hazard sheet of the sample district under `scenarios`, in
/// both languages, prints on at most two A4 pages and names each scenario's destination.
fn multi_hazard_sheets_print_on_two_pages(scenarios: &[&str]) {
    let Some(printer) = Printer::start() else {
        return;
    };
    let map = sample_map();
    let runs = plan_each(&map, scenarios);
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut named = 0;
    for lang in [Lang::Ja, Lang::En] {
        for sheet in multi_hazard_sheets(&map, &runs, lang) {
            let html = tmp.path().join(format!("{}-{lang:?}.html", sheet.person));
            let pdf = html.with_extension("pdf");
            std::fs::write(&html, &sheet.html).unwrap();
            printer.print(&html, &pdf);
            let (pages, w, h) = pdf_info(&pdf);
            if pages > 2 || (w - 595.0).abs() > 1.5 || (h - 842.0).abs() > 1.5 {
                failures.push(format!(
                    "{} {lang:?}: {pages} pages, {w} x {h}",
                    sheet.person
                ));
            }
            let text = pdf_text(&pdf);
            for d in &sheet.destinations {
                let d: String = d.split_whitespace().collect();
                if text.contains(&d) {
                    named += 1;
                } else {
                    failures.push(format!(
                        "{} {lang:?}: destination {d:?} missing",
                        sheet.person
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{scenarios:?}:\n{}",
        failures.join("\n")
    );
    // Some people leave home in each case: the destination check checked something.
    assert!(named > 0);
}

/// Issue 16: a sheet with two hazards (flood and landslide) prints on at most two A4 pages.
#[test]
fn every_two_hazard_sheet_prints_on_at_most_two_a4_pages() {
    multi_hazard_sheets_print_on_two_pages(&["flood-daytime.toml", "landslide-heavy-rain.toml"]);
}

/// Three hazards (a flood by day, a landslide, a winter-night flood) still fit two pages.
#[test]
fn every_three_hazard_sheet_prints_on_at_most_two_a4_pages() {
    multi_hazard_sheets_print_on_two_pages(&[
        "flood-daytime.toml",
        "landslide-heavy-rain.toml",
        "flood-winter-night.toml",
    ]);
}

/// The WebDriver session prints as many pages as `chromium --print-to-pdf` (what
/// `sheets --screenshot` and people printing from the command line get), for every sample
/// district sheet in both languages, with one hazard and with two. Slow (a Chromium process
/// per sheet): `cargo test --test render_browser print_paths -- --ignored --nocapture`.
#[test]
#[ignore]
fn print_paths_agree_on_page_counts() {
    let Some(chrome) = chromium() else { return };
    let Some(printer) = Printer::start() else {
        return;
    };
    let map = sample_map();
    let tmp = tempfile::tempdir().unwrap();
    let one = plan_alone(&map, None);
    let two = plan_each(&map, &["flood-daytime.toml", "landslide-heavy-rain.toml"]);
    let mut htmls = Vec::new();
    for lang in [Lang::Ja, Lang::En] {
        for p in &one.plans {
            let html = tmp.path().join(format!("one-{}-{lang:?}.html", p.person));
            std::fs::write(&html, sheet_html(&map, p, lang)).unwrap();
            htmls.push(html);
        }
        for sheet in multi_hazard_sheets(&map, &two, lang) {
            let html = tmp
                .path()
                .join(format!("two-{}-{lang:?}.html", sheet.person));
            std::fs::write(&html, &sheet.html).unwrap();
            htmls.push(html);
        }
    }
    let mut differ = Vec::new();
    let mut counts = std::collections::BTreeMap::new();
    for html in &htmls {
        let (cli, wd) = (
            html.with_extension("cli.pdf"),
            html.with_extension("wd.pdf"),
        );
        cli_print_pdf(&chrome, html, &cli);
        printer.print(html, &wd);
        let (a, b) = (pdf_info(&cli).0, pdf_info(&wd).0);
        *counts.entry((a, b)).or_insert(0) += 1;
        if a != b {
            differ.push(format!("{}: cli {a}, webdriver {b}", html.display()));
        }
    }
    eprintln!(
        "{} sheets; (cli pages, webdriver pages) -> sheets: {counts:?}",
        htmls.len()
    );
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

#[test]
fn a_helper_card_leaves_out_people_without_consent_to_sharing_until_disaster_mode() {
    let map = sample_map();
    let mut plan = bedridden_flood(&map);
    plan.consent_share = false;
    let index = MapIndex::new(&map);
    let helper = plan.helpers[0].id.clone();
    let personal = [
        plan.name.clone(),
        plan.kana.clone(),
        plan.address.clone(),
        plan.phone.clone(),
        plan.notes.clone(),
        mimamori::model::Need::PoweredDevice
            .label(Lang::Ja)
            .to_owned(),
    ];
    let normal = render::render_card(&helper, &[&plan], &index, Lang::Ja, false);
    for v in personal.iter().filter(|v| !v.is_empty()) {
        assert!(
            !normal.contains(v.as_str()),
            "{v:?} on a card without consent"
        );
    }
    assert!(normal.contains("本人の同意がないため"));
    assert!(
        !normal.contains("<svg"),
        "a map of the home without consent"
    );
    // The duty stays: where to take the person.
    assert!(normal.contains(&plan.destination.as_ref().unwrap().name));
    let disaster = render::render_card(&helper, &[&plan], &index, Lang::Ja, true);
    for v in personal.iter().filter(|v| !v.is_empty()) {
        assert!(
            disaster.contains(v.as_str()),
            "{v:?} missing in disaster mode"
        );
    }
    // With consent, normal times show everything.
    plan.consent_share = true;
    let shared = render::render_card(&helper, &[&plan], &index, Lang::Ja, false);
    assert!(shared.contains(&plan.name) && shared.contains(&plan.address));
}

/// Four plans naming helper V00004 as a primary, each a different person (name, home), the
/// bedridden fixture's facts otherwise (a long note, a medical need, a map each).
fn four_people_for_v00004(map: &Map) -> Vec<Plan> {
    let base = bedridden_flood(map);
    ["北村一郎", "南田花子", "東野次郎", "西川良子"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut p = base.clone();
            p.person = format!("P9000{i}");
            p.name = (*name).into();
            p.kana = String::new();
            for h in p.helpers.iter_mut().filter(|h| h.id == "V00004") {
                h.order = Some(i as u8 + 1);
                h.arrive_secs = Some(600.0 + 600.0 * i as f64);
                h.safe_secs = Some(1_200.0 + 600.0 * i as f64);
            }
            p
        })
        .collect()
}

/// Regression: a helper card with two people printed on four A4 pages (a full-width map per
/// person). Four people, in both languages, print on at most two, and each person is there.
#[test]
fn a_four_person_helper_card_prints_on_at_most_two_a4_pages() {
    let Some(printer) = Printer::start() else {
        return;
    };
    let map = sample_map();
    let plans = four_people_for_v00004(&map);
    let refs: Vec<&Plan> = plans.iter().collect();
    let index = MapIndex::new(&map);
    let dir = tempfile::tempdir().unwrap();
    for lang in [Lang::Ja, Lang::En] {
        let card = render::render_card("V00004", &refs, &index, lang, false);
        assert_eq!(card.matches("<svg").count(), 4, "one map per person");
        let html = dir.path().join(format!("card-{lang:?}.html"));
        let pdf = dir.path().join(format!("card-{lang:?}.pdf"));
        std::fs::write(&html, card).unwrap();
        printer.print(&html, &pdf);
        let (pages, w, h) = pdf_info(&pdf);
        assert!(
            (w - 595.0).abs() <= 1.0 && (h - 842.0).abs() <= 1.0,
            "{w} x {h}"
        );
        assert!(pages <= 2, "{lang:?}: {pages} pages");
        let text: String = run("pdftotext", &[pdf.to_str().unwrap(), "-"])
            .split_whitespace()
            .collect();
        for p in &plans {
            assert!(text.contains(&p.name), "{lang:?}: {} missing", p.name);
        }
    }
}

#[path = "../src/cli/screenshot.rs"]
mod screenshot_cmd;

/// `sheets --screenshot` saves the PRINTED pages: one A4 PNG per page of the printed PDF
/// (regression: it was a 1240 × 1754 window screenshot, the sheet at 57% of its width and
/// section 11 cut off).
#[test]
fn screenshots_are_the_printed_pages() {
    let Some(_chrome) = chromium() else { return };
    let Some(printer) = Printer::start() else {
        return;
    };
    let map = sample_map();
    let plan = bedridden_flood(&map);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("sheets")).unwrap();
    let stem = render::file_stem(&plan.person);
    let html = dir.path().join("sheets").join(format!("{stem}.html"));
    std::fs::write(&html, sheet_html(&map, &plan, Lang::Ja)).unwrap();
    let n = screenshot_cmd::screenshots(dir.path(), [plan.person.as_str()].into_iter()).unwrap();
    // As many images as the printed PDF has pages.
    let pdf = dir.path().join("check.pdf");
    printer.print(&html, &pdf);
    let (pages, _, _) = pdf_info(&pdf);
    assert_eq!(n, pages as usize);
    for page in 1..=n {
        let png = std::fs::read(dir.path().join("png").join(format!("{stem}-{page}.png"))).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        let be = |i: usize| u32::from_be_bytes(png[i..i + 4].try_into().unwrap());
        let (w, h) = (be(16), be(20));
        // A4 at 100 dpi: 8.27 × 11.69 in.
        assert!(
            (826..=828).contains(&w) && (1168..=1170).contains(&h),
            "{w} x {h}"
        );
    }
    // The work folder (PDFs, Chromium's profile) is gone.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

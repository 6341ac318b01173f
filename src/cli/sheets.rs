//! `mimamori sheets`: writes the plan sheets, helper cards and index of a run into a folder.
//!
//! A module of the binary (it does file I/O and uses `anyhow`); the pages themselves come from
//! `mimamori::render`, which is pure. Layout of `out`:
//!
//! ```text
//! out/index.html              every plan by district and priority, and the uncovered people
//! out/sheets/<person>.html    one sheet per plan with consent to drafting
//! out/cards/<helper>.html     one route card per helper named in those plans
//! ```
//!
//! File names go through `render::file_stem`, so ids typed by users cannot leave `out`.
//!
//! The folder is written as one staged set (`mimamori::io::output`): a killed run leaves the
//! previous set whole, and a sheet whose person is no longer planned (consent withdrawn,
//! moved away) disappears, so the index never lists a missing sheet.

use anyhow::{Context, Result, bail};
use mimamori::io::output::{OutputKind, Staged};
use mimamori::model::{Lang, Map};
use mimamori::plan::{Plan, Uncovered};
use mimamori::render::{self, MapIndex};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// What [`write_sheets`] wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SheetStats {
    pub sheets: usize,
    pub cards: usize,
    /// Plans skipped because the person did not consent to drafting.
    pub skipped_no_consent: usize,
    pub bytes: u64,
}

/// What `mimamori sheets` writes into its `--out` folder.
pub const SHEETS_OUTPUT: OutputKind = OutputKind {
    command: "sheets",
    known: |rel| {
        rel == "index.html"
            || ["sheets/", "cards/"].iter().any(|d| {
                rel.strip_prefix(d)
                    .is_some_and(|f| !f.contains('/') && f.ends_with(".html"))
            })
            || rel
                .strip_prefix("png/")
                .is_some_and(|f| !f.contains('/') && f.ends_with(".png"))
    },
    manifest: true,
};

/// Writes `out/index.html`, `out/sheets/<person>.html` for each plan with `consent_plan`, and
/// `out/cards/<helper>.html` for each helper named in those plans, replacing the folder whole
/// (see [`stage_sheets`]); fails if no plan has the `only_person` id.
#[allow(dead_code)] // the binary stages (for screenshots); tests/render_browser.rs calls this
pub fn write_sheets(
    out: &Path,
    map: &Map,
    plans: &[Plan],
    uncovered: &[Uncovered],
    lang: Lang,
    only_person: Option<&str>,
    disaster: bool,
) -> Result<SheetStats> {
    let (set, stats) = stage_sheets(out, map, plans, &[], uncovered, lang, only_person, disaster)?;
    set.commit()
        .with_context(|| format!("cannot write {}", out.display()))?;
    Ok(stats)
}

/// Writes the sheets into a staged set for `out`, to be committed by the caller (after adding
/// screenshots, say). Without `only_person` the set holds exactly this run's pages. With it,
/// the set holds that person's sheet and their helpers' cards, plus fresh versions of the pages
/// already in `out` whose person or helper is still in a consented plan; other pages and all
/// old screenshots are dropped (the index lists everyone). Helper cards leave out the details
/// of people without consent to sharing unless `disaster` ([`render::render_card`]).
///
/// `others` are the plans of further hazard scenarios (`--scenario` given more than once): a
/// person's sheet gets a block per scenario in which they have a plan
/// ([`render::render_sheet_multi`]); cards and the index come from `plans` (the first scenario).
#[allow(clippy::too_many_arguments)]
pub fn stage_sheets(
    out: &Path,
    map: &Map,
    plans: &[Plan],
    others: &[Vec<Plan>],
    uncovered: &[Uncovered],
    lang: Lang,
    only_person: Option<&str>,
    disaster: bool,
) -> Result<(Staged, SheetStats)> {
    if let Some(id) = only_person
        && !plans.iter().any(|p| p.person == id)
    {
        bail!("no plan for person {id:?}");
    }
    let consented: Vec<&Plan> = plans.iter().filter(|p| p.consent_plan).collect();
    // Pages already in `out` (one-person mode): their people and helpers, by file stem.
    let mut old_sheets = BTreeSet::new();
    let mut old_cards = BTreeSet::new();
    let set = if only_person.is_some() {
        let set = Staged::update(out, Some(&SHEETS_OUTPUT))?;
        for rel in set.files()? {
            match rel.split_once('/') {
                Some(("sheets", f)) => {
                    old_sheets.insert(f.trim_end_matches(".html").to_owned());
                }
                Some(("cards", f)) => {
                    old_cards.insert(f.trim_end_matches(".html").to_owned());
                }
                _ => {}
            }
            // Every old page is rewritten below or dropped; screenshots may show old content.
            if rel.contains('/') {
                set.remove(&rel)?;
            }
        }
        set
    } else {
        Staged::replace(out, &SHEETS_OUTPUT)?
    };
    // The sheets to write: every consented plan, or the one person's and those already in
    // `out` whose person still consents (refreshed, so no page shows outdated names).
    let chosen: Vec<&Plan> = consented
        .iter()
        .copied()
        .filter(|p| {
            only_person.is_none_or(|id| {
                p.person == id || old_sheets.contains(&render::file_stem(&p.person))
            })
        })
        .collect();
    let sheets_dir = set.dir().join("sheets");
    let cards_dir = set.dir().join("cards");
    for d in [&sheets_dir, &cards_dir] {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    let mut stats = SheetStats::default();
    let mut write = |rel: String, html: String| -> Result<()> {
        stats.bytes += html.len() as u64;
        set.write(&rel, html.as_bytes())
            .with_context(|| format!("cannot write {}", out.join(&rel).display()))
    };
    let index = MapIndex::new(map);
    let mut sheets = 0;
    let others_by_person: Vec<BTreeMap<&str, &Plan>> = others
        .iter()
        .map(|run| run.iter().map(|p| (p.person.as_str(), p)).collect())
        .collect();
    for plan in &chosen {
        let theirs: Vec<&Plan> = others_by_person
            .iter()
            .filter_map(|run| run.get(plan.person.as_str()).copied())
            .collect();
        let html = render::render_sheet_hazards(plan, &theirs, &index, lang);
        write(
            format!("sheets/{}.html", render::file_stem(&plan.person)),
            html,
        )?;
        sheets += 1;
    }
    // Helpers to write cards for: everyone named in a chosen plan, and (one-person mode) those
    // whose card is already in `out` and who are still named in a consented plan.
    let mut helpers: BTreeMap<&str, ()> = BTreeMap::new();
    for plan in &consented {
        for h in &plan.helpers {
            if chosen.iter().any(|c| c.person == plan.person)
                || old_cards.contains(&render::file_stem(&h.id))
            {
                helpers.insert(&h.id, ());
            }
        }
    }
    let mut cards = 0;
    for helper in helpers.keys() {
        let theirs: Vec<&Plan> = consented
            .iter()
            .copied()
            .filter(|p| p.helpers.iter().any(|h| h.id == *helper))
            .collect();
        let html = render::render_card(helper, &theirs, &index, lang, disaster);
        write(format!("cards/{}.html", render::file_stem(helper)), html)?;
        cards += 1;
    }
    write(
        "index.html".into(),
        render::render_index(plans, uncovered, lang),
    )?;
    stats.sheets = sheets;
    stats.cards = cards;
    stats.skipped_no_consent = plans.len() - consented.len();
    Ok((set, stats))
}

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

use anyhow::{Context, Result, bail};
use mimamori::model::{Lang, Map};
use mimamori::plan::{Plan, Uncovered};
use mimamori::render::{self, MAP_MARGIN_M, MapIndex};
use std::collections::BTreeMap;
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

/// Writes `out/index.html`, `out/sheets/<person>.html` for each plan with `consent_plan`, and
/// `out/cards/<helper>.html` for each helper named in those plans. With `only_person`, writes
/// that person's sheet and their helpers' cards only (the index still lists everyone); fails if
/// no plan has that person id.
pub fn write_sheets(
    out: &Path,
    map: &Map,
    plans: &[Plan],
    uncovered: &[Uncovered],
    lang: Lang,
    only_person: Option<&str>,
) -> Result<SheetStats> {
    if let Some(id) = only_person
        && !plans.iter().any(|p| p.person == id)
    {
        bail!("no plan for person {id:?}");
    }
    let sheets_dir = out.join("sheets");
    let cards_dir = out.join("cards");
    for d in [out, &sheets_dir, &cards_dir] {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    let mut stats = SheetStats::default();
    let mut write = |path: &Path, html: String| -> Result<()> {
        stats.bytes += html.len() as u64;
        std::fs::write(path, html).with_context(|| format!("cannot write {}", path.display()))
    };
    let index = MapIndex::new(map);
    let consented: Vec<&Plan> = plans.iter().filter(|p| p.consent_plan).collect();
    let mut sheets = 0;
    for plan in consented
        .iter()
        .filter(|p| only_person.is_none_or(|id| p.person == id))
    {
        let view = index.view(&render::plan_points(plan), MAP_MARGIN_M);
        let html = render::render_sheet(plan, &view, lang);
        let path = sheets_dir.join(format!("{}.html", render::file_stem(&plan.person)));
        write(&path, html)?;
        sheets += 1;
    }
    // Helpers to write cards for: everyone named in a consented plan (or in the one person's).
    let mut helpers: BTreeMap<&str, ()> = BTreeMap::new();
    for plan in consented
        .iter()
        .filter(|p| only_person.is_none_or(|id| p.person == id))
    {
        for h in &plan.helpers {
            helpers.insert(&h.id, ());
        }
    }
    let mut cards = 0;
    for helper in helpers.keys() {
        let theirs: Vec<&Plan> = consented
            .iter()
            .copied()
            .filter(|p| p.helpers.iter().any(|h| h.id == *helper))
            .collect();
        let html = render::render_card(helper, &theirs, &index, lang);
        let path = cards_dir.join(format!("{}.html", render::file_stem(helper)));
        write(&path, html)?;
        cards += 1;
    }
    write(
        &out.join("index.html"),
        render::render_index(plans, uncovered, lang),
    )?;
    stats.sheets = sheets;
    stats.cards = cards;
    stats.skipped_no_consent = plans.len() - consented.len();
    Ok(stats)
}

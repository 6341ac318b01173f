//! `index.html`: the coordinator's list of plan sheets by district and priority, with links to
//! each sheet (`sheets/<person>.html`) and helper card (`cards/<helper>.html`), and the people not
//! covered with their reasons.

use super::file_stem;
use super::labels::{Labels, labels};
use super::sheet::band_class;
use crate::model::Lang;
use crate::plan::{Plan, Uncovered};
use askama::Template;
use std::collections::BTreeMap;

pub(crate) struct HelperLink {
    pub name: String,
    pub href: String,
}

pub(crate) struct PlanRow {
    pub priority: String,
    pub priority_class: &'static str,
    pub person: String,
    pub name: String,
    pub sheet_href: Option<String>,
    pub destination: String,
    pub method: String,
    pub helpers: Vec<HelperLink>,
    pub covered: bool,
    pub notes: usize,
}

pub(crate) struct DistrictGroup {
    pub title: String,
    pub rows: Vec<PlanRow>,
}

pub(crate) struct UncoveredRow {
    pub person: String,
    pub district: String,
    pub priority: String,
    pub priority_class: &'static str,
    pub reasons: Vec<String>,
}

#[derive(Template)]
#[template(path = "index.html")]
pub(crate) struct IndexPage {
    pub l: &'static Labels,
    pub plans: usize,
    pub uncovered_count: usize,
    pub groups: Vec<DistrictGroup>,
    pub uncovered: Vec<UncoveredRow>,
}

/// Renders `index.html` over `plans` (grouped by district code, then high priority and high
/// score first) and `uncovered` (by priority, then district and person). Sheet links are given
/// only for plans with consent to drafting, matching what `write_sheets` writes.
pub fn render_index(plans: &[Plan], uncovered: &[Uncovered], lang: Lang) -> String {
    let l = labels(lang);
    let mut by_district: BTreeMap<&str, Vec<&Plan>> = BTreeMap::new();
    for p in plans {
        by_district.entry(&p.district).or_default().push(p);
    }
    let groups = by_district
        .into_values()
        .map(|mut ps| {
            ps.sort_by(|a, b| {
                a.priority
                    .band
                    .cmp(&b.priority.band)
                    .then(b.priority.score.total_cmp(&a.priority.score))
                    .then(a.person.cmp(&b.person))
            });
            let first = ps[0];
            let title = if first.district_name.is_empty() {
                first.district.clone()
            } else {
                format!("{} {}", first.district, first.district_name)
            };
            let rows = ps
                .into_iter()
                .map(|p| PlanRow {
                    priority: p.priority.band.label(lang).to_string(),
                    priority_class: band_class(p.priority.band),
                    person: p.person.clone(),
                    name: p.name.clone(),
                    sheet_href: p
                        .consent_plan
                        .then(|| format!("sheets/{}.html", file_stem(&p.person))),
                    destination: p
                        .destination
                        .as_ref()
                        .map(|d| d.name.clone())
                        .unwrap_or_else(|| "—".into()),
                    method: p.method.label(lang).to_string(),
                    helpers: p
                        .helpers
                        .iter()
                        .map(|h| HelperLink {
                            name: match h.role {
                                crate::plan::HelperRole::Primary => h.name.clone(),
                                crate::plan::HelperRole::Backup => {
                                    format!("{}{}", h.name, lang.pick("（予備）", " (backup)"))
                                }
                            },
                            href: format!("cards/{}.html", file_stem(&h.id)),
                        })
                        .collect(),
                    covered: p.covered,
                    notes: p.warnings.len() + p.reasons.len(),
                })
                .collect();
            DistrictGroup { title, rows }
        })
        .collect();
    let mut un: Vec<&Uncovered> = uncovered.iter().collect();
    un.sort_by(|a, b| {
        (a.priority, &a.district, &a.person).cmp(&(b.priority, &b.district, &b.person))
    });
    let uncovered_rows = un
        .into_iter()
        .map(|u| UncoveredRow {
            person: u.person.clone(),
            district: u.district.clone(),
            priority: u.priority.label(lang).to_string(),
            priority_class: band_class(u.priority),
            reasons: u.reasons.iter().map(|r| r.sentence(lang)).collect(),
        })
        .collect();
    IndexPage {
        l,
        plans: plans.len(),
        uncovered_count: uncovered.len(),
        groups,
        uncovered: uncovered_rows,
    }
    .render()
    .expect("rendering the index into a String cannot fail")
}

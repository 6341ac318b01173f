//! The drill-day kit (`mimamori drill MAP --scenario FILE --kit --district CODE`): printable A4
//! pages for one district's drill, from the drill with everyone present (the plans' own
//! timeline, [`Drill::predict`]):
//!
//! - `timeline.html`: who calls whom and when each pair should arrive, leave and be safe, then
//!   every event in time order. Ids only: the coordinator's page names nobody.
//! - `helpers/<id>.html`: a checklist per helper, their people in round order (then backup
//!   duties) with the times to check off. Consent as on the helper cards: a person who has not
//!   consented to sharing in normal times appears without name, address, phone or health
//!   (a drill is normal times: no disaster mode here).
//! - `results-form.html` and `results-form.csv`: the blank results form, one row per person,
//!   headed with the columns `drill record` reads (Japanese headers for `ja`).

use super::after_alert_text;
use super::labels::{Labels, labels};
use super::sheet::how_to_assist;
use crate::drill::Drill;
use crate::drill::record::RESULT_COLUMNS;
use crate::model::Lang;
use crate::plan::Plan;
use askama::Template;
use std::collections::{BTreeMap, BTreeSet};

pub(crate) struct KitSection {
    pub heading: String,
    pub note: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// The first cell of each row is a row heading.
    pub kv: bool,
}

#[derive(Template)]
#[template(path = "kit.html")]
pub(crate) struct KitPage {
    pub l: &'static Labels,
    pub title: String,
    pub subtitle: String,
    pub lead: String,
    pub confidential: bool,
    pub sections: Vec<KitSection>,
}

/// Whether a helper's page may show this person's details: exactly the helper cards' rule
/// outside disaster mode (consent to sharing in normal times).
fn shares(plan: &Plan) -> bool {
    plan.consent_share
}

fn event_label(what: &str, lang: Lang) -> &'static str {
    let (ja, en) = match what {
        "called" => ("支援者に連絡", "helper called"),
        "absent" => ("支援者不在", "helper absent"),
        "confirmed" => ("支援者が応答", "helper confirmed"),
        "backup_called" => ("予備の支援者に連絡", "backup called"),
        "set_off" => ("支援者が出発", "helper sets off"),
        "detour" => ("迂回", "detour"),
        "cut_off" => ("道が通れない", "cut off"),
        "arrived" => ("支援者が到着", "helper arrives"),
        "skipped" => ("他の支援者が対応済み", "already taken"),
        "preparing" => ("避難の準備開始", "preparing"),
        "left_home" => ("自宅を出発", "leaves home"),
        "safe" => ("避難先に到着", "safe at the destination"),
        "late" => ("間に合わない", "late"),
        "climbing" => ("上階への移動開始", "climbing upstairs"),
        "upstairs_done" => ("上階へ避難完了", "upstairs"),
        "helper_gone" => ("支援者が離脱", "helper drops out"),
        "not_reached" => ("支援が届かない", "not reached"),
        "stayed_home" => ("在宅のまま", "stays home"),
        _ => ("", ""),
    };
    lang.pick(ja, en)
}

/// The kit of `district` as `(relative path, contents)`, paths sorted. `drill` must have been
/// made [`everyone_present`](Drill::everyone_present); `plans` are the plans it was prepared
/// from.
pub fn drill_kit(
    drill: &Drill,
    plans: &[Plan],
    district: &str,
    district_name: &str,
    lang: Lang,
) -> Vec<(String, String)> {
    let l = labels(lang);
    let (pred, events) = drill.predict();
    let by_id: BTreeMap<&str, &Plan> = plans.iter().map(|p| (p.person.as_str(), p)).collect();
    let mine: Vec<usize> = (0..drill.people.len())
        .filter(|i| drill.people[*i].district == district)
        .collect();
    let mine_set: BTreeSet<u32> = mine.iter().map(|i| *i as u32).collect();
    let alert = plans.iter().find_map(|p| p.alert_at.as_deref());
    let t = |s: Option<f64>| {
        s.map(|x| after_alert_text(x / 60.0, alert, lang))
            .unwrap_or_else(|| "—".into())
    };
    let subtitle = format!("{district} {district_name}");
    let page = |title: &str, lead: String, confidential: bool, sections: Vec<KitSection>| {
        KitPage {
            l,
            title: title.to_owned(),
            subtitle: subtitle.clone(),
            lead,
            confidential,
            sections,
        }
        .render()
        .expect("rendering a kit page into a String cannot fail")
    };
    let helper_ids = |i: usize| -> String {
        let p = &drill.people[i];
        let mut v: Vec<String> = p
            .primaries
            .iter()
            .map(|h| drill.helpers[*h as usize].id.clone())
            .collect();
        if let Some(b) = p.backup {
            v.push(format!(
                "{}{}",
                lang.pick("予備 ", "backup "),
                drill.helpers[b as usize].id
            ));
        }
        v.join(", ")
    };
    let dest = |i: usize| -> String {
        by_id
            .get(drill.people[i].id.as_str())
            .and_then(|p| p.destination.as_ref())
            .map(|d| d.name.clone())
            .unwrap_or_else(|| "—".into())
    };
    let mut files = Vec::new();
    // The timeline.
    let pairs = KitSection {
        heading: lang.pick("組と予定時刻", "Pairs and planned times").into(),
        note: String::new(),
        headers: [
            lang.pick("対象者ID", "person"),
            lang.pick("支援者（順）", "helpers (in order)"),
            lang.pick("連絡", "call"),
            lang.pick("支援者到着", "helper arrives"),
            lang.pick("出発", "leave"),
            lang.pick("到着", "arrive"),
            lang.pick("避難先", "destination"),
        ]
        .map(String::from)
        .to_vec(),
        rows: mine
            .iter()
            .map(|&i| {
                vec![
                    drill.people[i].id.clone(),
                    helper_ids(i),
                    t(pred[i].called_secs),
                    t(pred[i].door_secs),
                    t(pred[i].left_secs),
                    t(pred[i].arrived_secs),
                    dest(i),
                ]
            })
            .collect(),
        kv: false,
    };
    let steps = KitSection {
        heading: lang.pick("時系列", "In time order").into(),
        note: String::new(),
        headers: [
            lang.pick("時刻", "time"),
            lang.pick("支援者", "helper"),
            lang.pick("対象者ID", "person"),
            lang.pick("出来事", "event"),
        ]
        .map(String::from)
        .to_vec(),
        rows: events
            .iter()
            .filter(|e| {
                e.person.is_some_and(|p| mine_set.contains(&p))
                    || e.helper.is_some_and(|h| {
                        mine.iter().any(|&i| {
                            let p = &drill.people[i];
                            p.primaries.contains(&h) || p.backup == Some(h)
                        })
                    })
            })
            .map(|e| {
                vec![
                    t(Some(e.secs)),
                    e.helper
                        .map(|h| drill.helpers[h as usize].id.clone())
                        .unwrap_or_default(),
                    e.person
                        .map(|p| drill.people[p as usize].id.clone())
                        .unwrap_or_default(),
                    event_label(e.what, lang).to_owned(),
                ]
            })
            .collect(),
        kv: false,
    };
    files.push((
        "timeline.html".to_owned(),
        page(
            lang.pick("訓練の時系列", "Drill timeline"),
            lang.pick(
                "全員が応答した場合の予定（計画どおりの時系列）。実際の時刻は結果記入表へ。",
                "Planned times with every helper answering (the plans' own timeline). Write the real times on the results form.",
            )
            .into(),
            false,
            vec![pairs, steps],
        ),
    ));
    // A checklist per helper of the district's people.
    let mut helpers: BTreeSet<u32> = BTreeSet::new();
    for &i in &mine {
        helpers.extend(drill.people[i].primaries.iter().copied());
        helpers.extend(drill.people[i].backup);
    }
    for h in helpers {
        let dh = &drill.helpers[h as usize];
        // Primary duties in round order, then backup duties by person id.
        let mut duties: Vec<(bool, usize)> = dh
            .round
            .iter()
            .filter(|p| mine_set.contains(p))
            .map(|p| (true, *p as usize))
            .collect();
        duties.extend(
            mine.iter()
                .filter(|&&i| drill.people[i].backup == Some(h))
                .map(|&i| (false, i)),
        );
        let sections = duties
            .iter()
            .enumerate()
            .map(|(k, &(primary, i))| {
                let id = &drill.people[i].id;
                let role = if primary { l.primary } else { l.backup };
                let mut rows: Vec<Vec<String>> = Vec::new();
                match by_id.get(id.as_str()) {
                    Some(plan) if shares(plan) => {
                        rows.push(vec![l.name.into(), plan.name.clone()]);
                        rows.push(vec![l.address.into(), plan.address.clone()]);
                        rows.push(vec![l.phone.into(), plan.phone.clone()]);
                        rows.push(vec![l.mobility.into(), plan.mobility.label(lang).into()]);
                        rows.push(vec![
                            l.how_to_assist.into(),
                            how_to_assist(plan.mobility, lang).into(),
                        ]);
                        if !plan.needs.is_empty() {
                            let needs: Vec<&str> =
                                plan.needs.iter().map(|n| n.label(lang)).collect();
                            rows.push(vec![l.medical.into(), needs.join(lang.pick("、", ", "))]);
                        }
                    }
                    _ => rows.push(vec![l.withheld.into(), l.withheld_text.into()]),
                }
                let check = |s: Option<f64>, what: &str| {
                    vec![
                        format!("☐ {what}"),
                        format!(
                            "{}: {}　{}: ＿＿:＿＿",
                            lang.pick("予定", "planned"),
                            t(s),
                            lang.pick("実際", "actual")
                        ),
                    ]
                };
                if primary {
                    rows.push(check(
                        pred[i].called_secs,
                        lang.pick("連絡を受けた", "called"),
                    ));
                } else {
                    rows.push(vec![
                        format!("☐ {}", lang.pick("連絡を受けた", "called")),
                        lang.pick(
                            "主の支援者が来られないときに連絡があります　実際: ＿＿:＿＿",
                            "called only if the primary cannot come　actual: __:__",
                        )
                        .into(),
                    ]);
                }
                if primary {
                    rows.push(check(pred[i].door_secs, lang.pick("到着", "arrived")));
                    rows.push(check(pred[i].left_secs, lang.pick("出発", "left")));
                    rows.push(check(
                        pred[i].arrived_secs,
                        lang.pick("避難先に到着", "safe"),
                    ));
                }
                rows.push(vec![lang.pick("避難先", "Destination").into(), dest(i)]);
                KitSection {
                    heading: format!("{}. {id}（{role}）", k + 1),
                    note: String::new(),
                    headers: Vec::new(),
                    rows,
                    kv: true,
                }
            })
            .collect();
        let title = format!(
            "{}　{}",
            lang.pick("訓練チェックリスト", "Drill checklist"),
            dh.id
        );
        files.push((
            format!("helpers/{}.html", super::file_stem(&dh.id)),
            page(
                &title,
                lang.pick(
                    "担当の方を順に回り、時刻を記入してください。",
                    "Go to your people in this order and write down the times.",
                )
                .into(),
                true,
                sections,
            ),
        ));
    }
    // The blank results form.
    let headers = form_headers(lang);
    let rows: Vec<Vec<String>> = mine
        .iter()
        .map(|&i| {
            let mut r = vec![String::new(); headers.len()];
            r[0] = drill.people[i].id.clone();
            r
        })
        .collect();
    let mut csv = String::from("\u{feff}");
    csv.push_str(&headers.join(","));
    csv.push('\n');
    for r in &rows {
        csv.push_str(&crate::io::csv_field(&r[0]));
        csv.push_str(&",".repeat(headers.len() - 1));
        csv.push('\n');
    }
    files.push((
        "results-form.html".to_owned(),
        page(
            lang.pick("訓練結果記入表", "Drill results form"),
            lang.pick(
                "時刻は警報からの分数か時刻（HH:MM）。問題はコードか日本語の名称を「;」で区切って。",
                "Times in minutes after the alert, or HH:MM. Problems as codes or labels, separated by \";\".",
            )
            .into(),
            false,
            vec![
                KitSection {
                    heading: String::new(),
                    note: String::new(),
                    headers: headers.clone(),
                    rows,
                    kv: false,
                },
                KitSection {
                    heading: lang.pick("問題コード", "Problem codes").into(),
                    note: String::new(),
                    headers: Vec::new(),
                    rows: crate::model::DrillProblem::ALL
                        .iter()
                        .map(|c| vec![c.code().into(), c.label(lang).into()])
                        .collect(),
                    kv: true,
                },
            ],
        ),
    ));
    files.push(("results-form.csv".to_owned(), csv));
    files.sort();
    files
}

/// The headers of the blank results form: the first Japanese alias of each column for `ja`,
/// the canonical names for `en` (both read by `drill record`).
pub fn form_headers(lang: Lang) -> Vec<String> {
    RESULT_COLUMNS
        .iter()
        .map(|c| match lang {
            Lang::Ja => c.aliases.first().copied().unwrap_or(c.name).to_owned(),
            Lang::En => c.name.to_owned(),
        })
        .collect()
}

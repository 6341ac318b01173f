//! The A4 page of `mimamori recruit` for the district council meeting: where, when and what
//! kind of helper to recruit, checked by re-planning, with a map of the suggested places.
//! No personal data: counts only, and the places are block representatives, not homes.

use super::svg::{MapMarks, Mark, route_map_svg};
use super::view::MapView;
use crate::model::{Lang, LonLat, Map};
use crate::recruit::RecruitReport;
use crate::recruit::text::{profile_label, time_label};
use askama::Template;

#[derive(Template)]
#[template(path = "recruit.html")]
struct RecruitPage {
    lang_attr: &'static str,
    title: String,
    subtitle: String,
    summary: String,
    h_table: &'static str,
    heads: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    checked: String,
    notes: Vec<&'static str>,
    h_map: &'static str,
    map_svg: String,
    caption: String,
}

/// The page, one self-contained HTML document (inline CSS and SVG), Japanese or English.
pub fn recruit_page(map: &Map, r: &RecruitReport, lang: Lang) -> String {
    let ja = lang == Lang::Ja;
    let place = match (&r.district, &r.district_name) {
        (Some(c), Some(n)) => format!("{n}（{c}）"),
        _ => lang.pick("全地区", "all districts").to_owned(),
    };
    let points: Vec<LonLat> = r
        .suggestions
        .iter()
        .map(|s| LonLat::new(s.lon, s.lat))
        .collect();
    let map_svg = if points.is_empty() {
        String::new()
    } else {
        let view = MapView::around(map, &points, 400.0);
        let marks = MapMarks {
            id_prefix: "r",
            homes: Vec::new(),
            // One mark per block, tagged with every rank recruited there.
            helper_homes: {
                let mut by_block: Vec<(&str, LonLat, Vec<String>)> = Vec::new();
                for s in &r.suggestions {
                    match by_block.iter_mut().find(|b| b.0 == s.block) {
                        Some(b) => b.2.push(s.rank.to_string()),
                        None => by_block.push((
                            &s.block,
                            LonLat::new(s.lon, s.lat),
                            vec![s.rank.to_string()],
                        )),
                    }
                }
                by_block
                    .into_iter()
                    .map(|(_, at, ranks)| Mark {
                        at,
                        tag: ranks.join(","),
                    })
                    .collect()
            },
            destinations: Vec::new(),
            routes: Vec::new(),
            helper_routes: Vec::new(),
        };
        route_map_svg(&view, &marks, lang)
    };
    let rows = r
        .suggestions
        .iter()
        .map(|s| {
            vec![
                s.rank.to_string(),
                s.block.clone(),
                profile_label(&s.profile, lang),
                time_label(&s.time, lang).to_owned(),
                s.newly_covered.len().to_string(),
                s.high_priority.to_string(),
                format!("{:+}", s.cumulative),
                s.pair_with.map_or(String::new(), |p| format!("#{p}")),
            ]
        })
        .collect();
    let mut notes = Vec::new();
    if r.verified_total < r.predicted_total as i64 {
        notes.push(lang.pick(
            "再計画で確認できた人数は予測より少なくなりました。表は確認できた人数です。",
            "The re-plan confirmed fewer people than predicted; the table shows the confirmed figures.",
        ));
    }
    notes.push(lang.pick(
        "担い手に法的な義務はありません。ご本人の安全が第一です。区画は約250m四方の目安で、番号の位置はその中の代表地点です。",
        "Helpers carry no legal duty; their own safety comes first. Blocks are squares of about 250 m; each number marks the block's representative point.",
    ));
    let page = RecruitPage {
        lang_attr: lang.pick("ja", "en"),
        title: if ja {
            format!("担い手の募集先 — {place}")
        } else {
            format!("Where to recruit helpers — {place}")
        },
        subtitle: if ja {
            format!(
                "想定: {}　時間帯: {}　基準日: {}",
                r.scenario,
                time_label(&r.time, lang),
                r.as_of
            )
        } else {
            format!(
                "Scenario: {}   Time: {}   As of: {}",
                r.scenario,
                time_label(&r.time, lang),
                r.as_of
            )
        },
        summary: if ja {
            format!(
                "支援者のいない人 {} 人のうち、担い手が増えれば支援できる人は {} 人です。次の順に募集すると、最も急ぐ人から支援できます。",
                r.uncovered, r.helpable
            )
        } else {
            format!(
                "{} people lack the helpers they need; more helpers alone would cover {} of them. Recruiting in this order covers the most urgent first.",
                r.uncovered, r.helpable
            )
        },
        h_table: lang.pick("募集の順番", "In this order"),
        heads: if ja {
            vec![
                "順",
                "区画",
                "種類",
                "時間帯",
                "新たに支援",
                "うち優先高",
                "累計",
                "組",
            ]
        } else {
            vec![
                "#",
                "Block",
                "Kind",
                "Time",
                "Newly covered",
                "High priority",
                "Total",
                "Pair",
            ]
        },
        rows,
        checked: if ja {
            format!(
                "計画を作り直して確認済み: 支援される人 {} → {} 人",
                r.covered_before, r.covered_after
            )
        } else {
            format!(
                "Checked by re-planning: people covered {} → {}",
                r.covered_before, r.covered_after
            )
        },
        notes,
        h_map: lang.pick("募集する区画", "Where"),
        map_svg,
        caption: lang
            .pick(
                "番号は上の表の順番。背景は道路と浸水想定区域。",
                "Numbers are the ranks above; roads and flood zones in the background.",
            )
            .to_owned(),
    };
    page.render().unwrap_or_default()
}

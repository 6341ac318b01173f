//! The district comparison page of `mimamori share compare`: good practice per hard category,
//! the figures with ranks, one SVG bar chart per figure (hand-written, no scripts) and a profile
//! per district. Only bundle contents reach it: district codes, counts and shares.

use super::svg::esc;
use crate::model::Lang;
use crate::share::compare::{Comparison, METRICS};
use askama::Template;

struct CategoryView {
    label: String,
    none: String,
    better: Vec<BetterView>,
    counts: String,
}

struct BetterView {
    head: String,
    diffs: Vec<String>,
}

#[derive(Template)]
#[template(path = "compare.html")]
struct ComparePage {
    lang_attr: &'static str,
    title: String,
    subtitle: String,
    summary: String,
    h_good: &'static str,
    statistic: String,
    categories: Vec<CategoryView>,
    h_table: &'static str,
    heads: Vec<String>,
    rows: Vec<Vec<String>>,
    h_charts: &'static str,
    charts: Vec<(String, String)>,
    h_profiles: &'static str,
    profiles: Vec<String>,
    privacy: &'static str,
}

fn metric_label(code: &str, lang: Lang) -> String {
    METRICS
        .iter()
        .find(|m| m.0 == code)
        .map_or(code.to_owned(), |m| lang.pick(m.1, m.2).to_owned())
}

fn fmt_metric(code: &str, v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(v) if code == "helpers_per_person" => format!("{v:.2}"),
        Some(v) => format!("{:.1}%", v * 100.0),
    }
}

fn feature_label(f: &str, lang: Lang) -> String {
    let (kind, code) = f.split_once(':').unwrap_or(("", f));
    let known = match (kind, code) {
        ("role", r) => crate::model::Role::parse(r).map(|r| r.label(lang).to_owned()),
        ("skill", s) => crate::model::Skill::parse(s).map(|s| s.label(lang).to_owned()),
        ("method", m) => Some(
            match m {
                "walk" => lang.pick("徒歩", "on foot"),
                "wheelchair" => lang.pick("車いす", "wheelchair"),
                "car" => lang.pick("車両", "by car"),
                "stay_upstairs" => lang.pick("上階へ避難", "upstairs"),
                _ => lang.pick("在宅", "stay home"),
            }
            .to_owned(),
        ),
        (_, "vehicle") => Some(lang.pick("車両を使う", "a vehicle").to_owned()),
        (_, "two_or_more_helpers") => {
            Some(lang.pick("支援者2人以上", "two or more helpers").to_owned())
        }
        (_, "family") => Some(lang.pick("同居家族が支援", "family helps").to_owned()),
        (_, "known_relationship") => Some(
            lang.pick("顔見知りの支援者", "a helper who already watches")
                .to_owned(),
        ),
        (_, "backup") => Some(lang.pick("予備の支援者あり", "a backup helper").to_owned()),
        _ => None,
    };
    known.unwrap_or_else(|| f.to_owned())
}

/// One horizontal bar chart: districts sorted by value, best first.
fn bar_chart(c: &Comparison, code: &str) -> String {
    let mut vals: Vec<(&str, f64)> = c
        .districts
        .iter()
        .filter_map(|d| {
            d.metrics
                .get(code)
                .copied()
                .flatten()
                .map(|v| (d.district.as_str(), v))
        })
        .collect();
    vals.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let max = vals.iter().map(|v| v.1).fold(0.0, f64::max);
    let scale = if code == "helpers_per_person" {
        max.max(1e-9)
    } else {
        1.0
    };
    let (row, left, width) = (14.0, 60.0, 520.0);
    let h = row * vals.len() as f64 + 4.0;
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {h}" role="img" aria-label="{}">"#,
        left + width + 70.0,
        esc(code)
    );
    for (i, (d, v)) in vals.iter().enumerate() {
        let y = 2.0 + i as f64 * row;
        let w = (v / scale).clamp(0.0, 1.0) * width;
        s.push_str(&format!(
            r##"<text x="{}" y="{}" font-size="10" text-anchor="end">{}</text><rect x="{left}" y="{}" width="{w:.1}" height="{}" fill="#1f3f7a"/><text x="{}" y="{}" font-size="10">{}</text>"##,
            left - 4.0,
            y + 10.0,
            esc(d),
            y + 1.0,
            row - 3.0,
            left + w + 4.0,
            y + 10.0,
            esc(&fmt_metric(code, Some(*v)))
        ));
    }
    s.push_str("</svg>");
    s
}

/// The page, one self-contained HTML document, Japanese or English.
pub fn compare_page(c: &Comparison, lang: Lang) -> String {
    let categories = c
        .categories
        .iter()
        .map(|cat| {
            let label = lang.pick(&cat.label_ja, &cat.label_en).to_owned();
            let better = cat
                .better
                .iter()
                .map(|b| BetterView {
                    head: match lang {
                        Lang::Ja => format!(
                            "{}: {}人中{}人を確保（95%区間の下限 {:.0}%）。他の地区合計は{}人中{}人（上限 {:.0}%）",
                            b.district, b.people, b.covered, b.wilson_low * 100.0, b.rest_people, b.rest_covered, b.rest_wilson_high * 100.0
                        ),
                        Lang::En => format!(
                            "{}: {} of {} covered (95% interval low {:.0}%); the other districts {} of {} (high {:.0}%)",
                            b.district, b.covered, b.people, b.wilson_low * 100.0, b.rest_covered, b.rest_people, b.rest_wilson_high * 100.0
                        ),
                    },
                    diffs: b
                        .differences
                        .iter()
                        .map(|d| {
                            let rest = format!("{:.0}%", d.rest_share * 100.0);
                            match lang {
                                Lang::Ja => format!(
                                    "{}: この地区 {:.0}%、他の地区 {rest}",
                                    feature_label(&d.feature, lang),
                                    d.district_share * 100.0
                                ),
                                Lang::En => format!(
                                    "{}: this district {:.0}%, the others {rest}",
                                    feature_label(&d.feature, lang),
                                    d.district_share * 100.0
                                ),
                            }
                        })
                        .collect(),
                })
                .collect();
            let counts = cat
                .districts
                .iter()
                .filter(|d| d.people > 0)
                .map(|d| format!("{} {}/{}", d.district, d.covered, d.people))
                .collect::<Vec<_>>()
                .join(", ");
            CategoryView {
                label,
                none: lang
                    .pick(
                        "他の地区より有意に確保率が高い地区はありません。",
                        "No district covers it significantly better than the rest.",
                    )
                    .to_owned(),
                better,
                counts,
            }
        })
        .collect();
    let mut heads = vec![lang.pick("地区", "district").to_owned()];
    heads.extend(METRICS.iter().map(|m| lang.pick(m.1, m.2).to_owned()));
    let rows = c
        .districts
        .iter()
        .map(|d| {
            let mut r = vec![d.district.clone()];
            for (code, _, _) in METRICS {
                let v = d.metrics.get(code).copied().flatten();
                let rank = d.ranks.get(code).copied().flatten();
                r.push(match rank {
                    Some(k) => format!("{} ({k})", fmt_metric(code, v)),
                    None => fmt_metric(code, v),
                });
            }
            r
        })
        .collect();
    let charts = METRICS
        .iter()
        .filter(|m| {
            c.districts
                .iter()
                .any(|d| d.metrics.get(m.0).copied().flatten().is_some())
        })
        .map(|m| (lang.pick(m.1, m.2).to_owned(), bar_chart(c, m.0)))
        .collect();
    let profiles = c
        .districts
        .iter()
        .map(|d| {
            let list = |v: &[String]| {
                if v.is_empty() {
                    "—".to_owned()
                } else {
                    v.iter()
                        .map(|m| metric_label(m, lang))
                        .collect::<Vec<_>>()
                        .join(lang.pick("、", ", "))
                }
            };
            match lang {
                Lang::Ja => format!(
                    "{}: 要支援{}人中{}人確保。強み: {}。課題: {}",
                    d.district,
                    d.need_help,
                    d.covered,
                    list(&d.strengths),
                    list(&d.weaknesses)
                ),
                Lang::En => format!(
                    "{}: {} of {} needing help covered. Strengths: {}. To work on: {}",
                    d.district,
                    d.covered,
                    d.need_help,
                    list(&d.strengths),
                    list(&d.weaknesses)
                ),
            }
        })
        .collect();
    let page = ComparePage {
        lang_attr: lang.pick("ja", "en"),
        title: lang.pick("地区間の比較と好事例", "District comparison and good practice").to_owned(),
        subtitle: match lang {
            Lang::Ja => format!("想定: {}（{}地区）", c.scenario.name, c.districts.len()),
            Lang::En => format!("Scenario: {} ({} districts)", c.scenario.name, c.districts.len()),
        },
        summary: lang
            .pick(
                "同じ想定で作成した各地区の匿名化された実践パターンと集計から、支援者の確保率などを比較し、難しい条件の人を他の地区より有意に多く支えている地区と、その支援の組み方の違いを示します。括弧内は順位です。",
                "Districts compared on the anonymised practice patterns and figures of one scenario: coverage and more, and, for hard categories, the districts that cover them significantly better than the rest, with how their arrangements differ. Ranks in brackets.",
            )
            .to_owned(),
        h_good: lang.pick("好事例（統計的に確認）", "Good practice (found, not asserted)"),
        statistic: c.statistic.clone(),
        categories,
        h_table: lang.pick("地区別の指標", "Figures by district"),
        heads,
        rows,
        h_charts: lang.pick("指標のグラフ", "Charts"),
        charts,
        h_profiles: lang.pick("地区のプロフィール", "District profiles"),
        profiles,
        privacy: lang.pick(
            "個人が特定されないよう、平常時提供に同意した人のパターンのみを、年齢・性別・移動・世帯・地区・災害区分の組合せがk人以上になるよう一般化・秘匿して用いています。",
            "Only patterns of people who consented to sharing are used, generalised and suppressed so that every combination of age, sex, mobility, household, district and hazard band occurs at least k times.",
        ),
    };
    page.render().unwrap_or_default()
}

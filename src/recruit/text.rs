//! The console texts of `mimamori recruit`, Japanese or English: pure functions of the report.

use super::RecruitReport;
use crate::model::Lang;
use crate::render::text::{pad, rpad};
use std::fmt::Write;

/// The time code in words.
pub fn time_label(code: &str, lang: Lang) -> &'static str {
    match (code, lang) {
        ("weekday_day", Lang::Ja) => "平日昼",
        ("weekday_night", Lang::Ja) => "平日夜",
        ("weekend_day", Lang::Ja) => "休日昼",
        ("weekend_night", Lang::Ja) => "休日夜",
        ("weekday_day", Lang::En) => "weekday, day",
        ("weekday_night", Lang::En) => "weekday, night",
        ("weekend_day", Lang::En) => "weekend, day",
        ("weekend_night", Lang::En) => "weekend, night",
        _ => "?",
    }
}

/// The profile code in words (the built-in codes; others as they are).
pub fn profile_label(code: &str, lang: Lang) -> String {
    match (code, lang) {
        ("walk", Lang::Ja) => "徒歩".into(),
        ("car", Lang::Ja) => "車あり".into(),
        ("wheelchair", Lang::Ja) => "車いす介助".into(),
        ("walk", Lang::En) => "on foot".into(),
        ("car", Lang::En) => "with a car".into(),
        ("wheelchair", Lang::En) => "wheelchair-trained".into(),
        _ => code.to_owned(),
    }
}

/// The ranked table with a header and, when the re-plan confirmed less than predicted, a
/// sentence saying so. Person ids only.
pub fn recruit_table(r: &RecruitReport, lang: Lang) -> String {
    let ja = lang == Lang::Ja;
    let mut out = String::new();
    let place = match (&r.district, &r.district_name) {
        (Some(c), Some(n)) => format!("{c} {n}"),
        _ => (if ja { "全地区" } else { "all districts" }).to_owned(),
    };
    let _ = writeln!(
        out,
        "{}",
        if ja {
            format!(
                "担い手の募集先（{place}、{}、想定: {}）",
                time_label(&r.time, lang),
                r.scenario
            )
        } else {
            format!(
                "Where to recruit ({place}, {}, scenario: {})",
                time_label(&r.time, lang),
                r.scenario
            )
        }
    );
    let _ = writeln!(
        out,
        "{}",
        if ja {
            format!(
                "支援者のいない人 {} 人のうち、担い手が増えれば支援できる人 {} 人",
                r.uncovered, r.helpable
            )
        } else {
            format!(
                "{} people without the helpers they need; helpers alone would cover {} of them",
                r.uncovered, r.helpable
            )
        }
    );
    if r.suggestions.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            if ja {
                "提案なし: 担い手を増やしても支援できる人が増えません。"
            } else {
                "No suggestion: no new helper would cover anyone more."
            }
        );
        return out;
    }
    let heads: [&str; 8] = if ja {
        [
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
        [
            "#", "block", "kind", "time", "newly", "high", "total", "pair",
        ]
    };
    let widths = [3, 12, 18, 14, 10, 10, 6, 4];
    let mut line = String::new();
    for (i, h) in heads.iter().enumerate() {
        if i >= 4 {
            line += &rpad(h, widths[i]);
        } else {
            line += &pad(h, widths[i]);
        }
        line += " ";
    }
    let _ = writeln!(out, "{}", line.trim_end());
    for s in &r.suggestions {
        let cells = [
            s.rank.to_string(),
            s.block.clone(),
            profile_label(&s.profile, lang),
            time_label(&s.time, lang).to_owned(),
            s.newly_covered.len().to_string(),
            s.high_priority.to_string(),
            format!("{:+}", s.cumulative),
            s.pair_with.map_or(String::new(), |p| format!("#{p}")),
        ];
        let mut line = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i >= 4 {
                line += &rpad(c, widths[i]);
            } else {
                line += &pad(c, widths[i]);
            }
            line += " ";
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let _ = writeln!(
        out,
        "{}",
        if ja {
            format!(
                "再計画で確認: 支援される人 {} → {} 人（予測 {} 人、確認 {} 人）",
                r.covered_before, r.covered_after, r.predicted_total, r.verified_total
            )
        } else {
            format!(
                "Checked by re-planning: covered {} → {} (predicted {}, confirmed {})",
                r.covered_before, r.covered_after, r.predicted_total, r.verified_total
            )
        }
    );
    if r.verified_total < r.predicted_total as i64 {
        let _ = writeln!(
            out,
            "{}",
            if ja {
                "注: 再計画で確認できた人数が予測より少なくなりました（巡回の時間や既存の担い手の割当てによる）。表は確認できた人数です。"
            } else {
                "Note: the re-plan confirmed fewer people than predicted (rounds in time, existing helpers' assignments); the table shows the confirmed figures."
            }
        );
    }
    if r.suggestions.iter().any(|s| !s.displaced.is_empty()) {
        let _ = writeln!(
            out,
            "{}",
            if ja {
                "注: 優先度の高い人を支援するため、別の人の支援者が入れ替わった箇所があります（recruit.json の displaced）。"
            } else {
                "Note: to cover weightier people, the re-plan moved helpers away from some others (`displaced` in recruit.json)."
            }
        );
    }
    out
}

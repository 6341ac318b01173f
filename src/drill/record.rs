//! Drill results: what happened in a real drill, one row per person (`mimamori drill record`,
//! `drill compare`, `plan --drill-results`). Parsed from the file's bytes (no I/O): UTF-8 or
//! Shift_JIS, English or Japanese headers, located errors that never show a `note`.
//!
//! Columns (see docs/data-format.md "Drill results"): `person`, `helpers` (ids of those who
//! came, `;`-separated), `called_min`, `left_home_min`, `arrived_min` (minutes after the
//! alert, or clock times `HH:MM` when the alert's clock time is given), `problems`
//! ([`DrillProblem`] codes or Japanese labels, `;`-separated) and `note` (free text).

use crate::io::csv_in::{Column, Row, opt, read_table, req};
use crate::io::{DataErrors, Encoding, decode_text};
use crate::model::{DrillProblem, Lang, Map, normalize_digits};
use crate::plan::{Plan, Warning};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

/// The columns of a drill results file: canonical header first, then accepted aliases
/// (Japanese first). The blank form of the drill-day kit uses the first Japanese alias.
pub const RESULT_COLUMNS: &[Column] = &[
    req("person", &["対象者ID", "対象者", "person_id"]),
    req("helpers", &["来た支援者", "来た支援者ID", "helper_ids"]),
    req(
        "called_min",
        &["連絡時刻(分)", "連絡時刻（分）", "連絡時刻", "called"],
    ),
    req(
        "left_home_min",
        &["出発時刻(分)", "出発時刻（分）", "出発時刻", "left_home"],
    ),
    req(
        "arrived_min",
        &["到着時刻(分)", "到着時刻（分）", "到着時刻", "arrived"],
    ),
    req("problems", &["問題", "問題コード"]),
    opt("note", &["メモ", "備考"]),
];

/// One person's row of a drill results file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DrillResult {
    /// Line of the file where the row starts.
    pub line: u64,
    pub person: String,
    /// Volunteer ids of the helpers who came (empty: nobody came, or left alone).
    pub helpers: Vec<String>,
    /// Minutes after the alert; `None` when the cell is empty (did not happen, not noted).
    pub called_min: Option<f64>,
    pub left_home_min: Option<f64>,
    pub arrived_min: Option<f64>,
    pub problems: Vec<DrillProblem>,
    /// Free text (personal: never shown in errors or summaries).
    #[serde(skip)]
    pub note: String,
}

/// Latest time accepted, minutes after the alert (a drill ends within a day).
pub const MAX_MIN: f64 = 1440.0;

/// Parses `HH:MM` (ASCII or full-width digits and colon) into minutes after midnight.
pub fn parse_clock(s: &str) -> Option<u32> {
    let s = normalize_digits(s).replace('：', ":");
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// A time cell: minutes after the alert, or `HH:MM` when `alert_at` (minutes after midnight)
/// is given; a clock time before the alert is taken as the next day (a drill past midnight).
pub fn parse_minutes(s: &str, alert_at: Option<u32>) -> Option<f64> {
    let t = normalize_digits(s);
    if t.contains([':', '：']) {
        let c = parse_clock(&t)?;
        let a = alert_at?;
        return Some(((c + 1440 - a) % 1440) as f64);
    }
    t.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && (0.0..=MAX_MIN).contains(v))
}

/// Reads a drill results file from its bytes. Every row must name a person of `map`, at
/// most once; helpers must be volunteers of `map`; times must be in order (called ≤ left ≤
/// arrived). All problems are collected, each with its line and column.
pub fn read_results(
    path: &Path,
    bytes: &[u8],
    map: &Map,
    alert_at: Option<u32>,
) -> Result<Vec<DrillResult>, DataErrors> {
    let text = decode_text(path, bytes, Encoding::Auto)?;
    let rows = read_table(path, &text, RESULT_COLUMNS)?;
    let mut errs = DataErrors::default();
    let mut out = Vec::with_capacity(rows.len());
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    let time_expected = if alert_at.is_some() {
        "minutes after the alert (0 to 1440) or a clock time HH:MM / 警報からの分数か時刻"
    } else {
        "minutes after the alert (0 to 1440); a clock time HH:MM needs --alert-at HH:MM / \
         警報からの分数（時刻で書くときは --alert-at を指定）"
    };
    for raw in &rows {
        if errs.full() {
            errs.stopped = true;
            break;
        }
        let mut r = Row::new(path, raw, RESULT_COLUMNS, &mut errs);
        let Some(person) = r.required("person", "a person id of people.csv / 対象者ID") else {
            continue;
        };
        if map.find_person(&person).is_none() {
            r.error(
                "person",
                &person,
                "a person id of people.csv / 名簿にない対象者IDです",
            );
            continue;
        }
        if let Some(first) = seen.get(&person) {
            let expected = format!("one row per person, but line {first} is the same person");
            r.error("person", &person, expected);
            continue;
        }
        seen.insert(person.clone(), raw.line);
        let helpers = r.list(
            "helpers",
            "volunteer ids of volunteers.csv, `;`-separated / 支援者ID",
            |s| map.find_volunteer(s).map(|_| s.to_owned()),
        );
        let time = |r: &mut Row, name: &str| -> Option<f64> {
            r.parse_or(name, None, time_expected, |s| {
                parse_minutes(s, alert_at).map(Some)
            })
        };
        let called_min = time(&mut r, "called_min");
        let left_home_min = time(&mut r, "left_home_min");
        let arrived_min = time(&mut r, "arrived_min");
        let problems = r.list(
            "problems",
            &format!(
                "problem codes ({}), `;`-separated / 問題コード",
                DrillProblem::expected()
            ),
            DrillProblem::parse,
        );
        if let (Some(a), Some(b)) = (called_min, left_home_min)
            && b < a
        {
            r.error(
                "left_home_min",
                &format!("{b}"),
                format!("a time not before called_min ({a}) / 連絡時刻より後の時刻"),
            );
        }
        if let (Some(a), Some(b)) = (left_home_min.or(called_min), arrived_min)
            && b < a
        {
            r.error(
                "arrived_min",
                &format!("{b}"),
                format!("a time not before left_home_min ({a}) / 出発時刻より後の時刻"),
            );
        }
        if r.failed() {
            continue;
        }
        let note = r.text("note");
        out.push(DrillResult {
            line: raw.line,
            person,
            helpers,
            called_min,
            left_home_min,
            arrived_min,
            problems,
            note,
        });
    }
    errs.into_result(out)
}

/// Adds a [`Warning::DrillFailed`] to the plan of each person whose recorded drill shows
/// the plan failing: a primary helper of the plan did not come, the person left after the
/// plan's `leave_by_min` or arrived later than the planned arrival plus the plan's slack, or
/// any problem was recorded. Returns the number of plans warned.
pub fn warn_plans(plans: &mut [Plan], results: &[DrillResult]) -> usize {
    let by_person: BTreeMap<&str, &DrillResult> =
        results.iter().map(|r| (r.person.as_str(), r)).collect();
    let mut n = 0;
    for plan in plans.iter_mut() {
        let Some(r) = by_person.get(plan.person.as_str()) else {
            continue;
        };
        let missing_helpers: Vec<String> = plan
            .primary_helpers()
            .filter(|h| !r.helpers.contains(&h.id))
            .map(|h| h.id.clone())
            .collect();
        let planned_arrival = plan
            .primary_helpers()
            .filter_map(|h| h.safe_secs)
            .map(|s| s / 60.0)
            .reduce(f64::max)
            .or_else(|| Some(plan.departure_min? + plan.evacuation_secs / 60.0));
        let mut late: Option<f64> = None;
        if let (Some(a), Some(p), Some(s)) = (r.arrived_min, planned_arrival, plan.slack_min) {
            let over = a - p - s;
            if over > 0.0 {
                late = Some(over);
            }
        }
        if let (Some(l), Some(by)) = (r.left_home_min, plan.leave_by_min)
            && l > by
        {
            late = Some(late.unwrap_or(0.0).max(l - by));
        }
        if missing_helpers.is_empty() && late.is_none() && r.problems.is_empty() {
            continue;
        }
        plan.warnings.push(Warning::DrillFailed {
            missing_helpers,
            late_by_min: late.map(|m| (m * 10.0).round() / 10.0),
            problems: r.problems.iter().map(|c| c.code().to_owned()).collect(),
        });
        n += 1;
    }
    n
}

/// What `mimamori drill record` prints: counts only, no note, no name.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ResultsSummary {
    pub people: usize,
    pub helper_came: usize,
    pub left_home: usize,
    pub arrived: usize,
    /// Median minutes from the alert to arrival, over people who arrived.
    pub median_arrived_min: Option<f64>,
    /// Rows by problem code (every code, zeros included, in the documented order).
    pub problems: Vec<(DrillProblem, usize)>,
    /// Rows by district code.
    pub by_district: BTreeMap<String, usize>,
}

/// Counts of a results file.
pub fn summarize(results: &[DrillResult], map: &Map) -> ResultsSummary {
    let mut s = ResultsSummary {
        people: results.len(),
        ..Default::default()
    };
    let mut arrivals: Vec<f64> = Vec::new();
    for r in results {
        s.helper_came += usize::from(!r.helpers.is_empty());
        s.left_home += usize::from(r.left_home_min.is_some());
        if let Some(a) = r.arrived_min {
            arrivals.push(a);
        }
        if let Some(p) = map.find_person(&r.person) {
            let d = map.person(p).district;
            *s.by_district
                .entry(map.districts[d.0 as usize].code.clone())
                .or_default() += 1;
        }
    }
    s.arrived = arrivals.len();
    s.median_arrived_min = median(&mut arrivals);
    s.problems = DrillProblem::ALL
        .iter()
        .map(|c| {
            (
                *c,
                results.iter().filter(|r| r.problems.contains(c)).count(),
            )
        })
        .collect();
    s
}

/// The summary as printed by `drill record`.
pub fn summary_text(s: &ResultsSummary, lang: Lang) -> String {
    let mut t = String::new();
    let l = |ja: &'static str, en: &'static str| lang.pick(ja, en);
    let _ = writeln!(
        t,
        "{}: {}",
        l("記録された対象者", "people recorded"),
        s.people
    );
    let _ = writeln!(
        t,
        "{}: {}",
        l("支援者が来た", "a helper came"),
        s.helper_came
    );
    let _ = writeln!(t, "{}: {}", l("出発した", "left home"), s.left_home);
    let _ = writeln!(t, "{}: {}", l("到着した", "arrived"), s.arrived);
    if let Some(m) = s.median_arrived_min {
        let _ = writeln!(
            t,
            "{}: {m:.1}",
            l("到着時刻の中央値(分)", "median arrival (min)")
        );
    }
    let _ = writeln!(t, "{}:", l("問題", "problems"));
    for (c, n) in &s.problems {
        let _ = writeln!(t, "  {:<20} {:<28} {n}", c.code(), c.label(lang));
    }
    let _ = writeln!(t, "{}:", l("地区別の記録数", "rows by district"));
    for (d, n) in &s.by_district {
        let _ = writeln!(t, "  {d:<10} {n}");
    }
    t
}

/// Median of `v` (sorted in place); `None` when empty.
pub(crate) fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_times_wrap_past_midnight() {
        assert_eq!(parse_minutes("23:50", Some(23 * 60 + 30)), Some(20.0));
        assert_eq!(parse_minutes("00:10", Some(23 * 60 + 30)), Some(40.0));
        assert_eq!(parse_minutes("１２：０５", Some(12 * 60)), Some(5.0));
        assert_eq!(parse_minutes("12:05", None), None);
        assert_eq!(parse_minutes("25:00", Some(0)), None);
        assert_eq!(parse_minutes("-3", None), None);
        assert_eq!(parse_minutes("17.5", None), Some(17.5));
    }

    #[test]
    fn median_of_even_and_odd() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }
}

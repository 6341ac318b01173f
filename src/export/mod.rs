//! The municipality's own copy of the register and its plans (`mimamori export`): one row per
//! person on the register (避難行動要支援者名簿), with the columns of the 名簿 and of a typical
//! municipal 個別避難計画 form, as an Excel workbook (one worksheet per district) or a CSV file
//! (UTF-8 with BOM, or Shift_JIS).
//!
//! Built in two steps, like every output: [`build`] turns the map and the plans of one or more
//! scenarios into an [`ExportTable`] of display strings (pure; the column list is [`columns`]),
//! then [`to_xlsx`] or [`to_csv`] encodes it into bytes. Nothing here touches files.
//!
//! Consent: the register is kept without consent (災害対策基本法 49条の10), so every person has
//! a row with the register columns; the plan columns are filled only for people who consented
//! to a plan (`consent_plan`), and left empty for everyone else, whatever the plans hold.

use crate::model::{HazardType, Lang, Map, Person};
use crate::plan::{HelperRole, Method, Plan, scenario_name};
use crate::render::after_alert_text;
use crate::store::{PlanStatus, ReviewPolicy};
use std::collections::BTreeMap;
use time::Date;

/// What can go wrong while encoding an export.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// Cells holding characters Shift_JIS cannot represent (the values are not shown: they are
    /// personal data). `cells` lists `(person id, column header)`, at most [`MAX_REPORTED`].
    #[error(
        "{count} cell(s) hold characters that Shift_JIS cannot represent (values withheld): {}{}; write UTF-8 instead (leave out --encoding shift_jis) or correct those fields in the roster",
        cells.iter().map(|(p, c)| format!("person {p}, column {c}")).collect::<Vec<_>>().join("; "),
        if *count > cells.len() { format!("; and {} more", count - cells.len()) } else { String::new() }
    )]
    Unmappable {
        count: usize,
        cells: Vec<(String, String)>,
    },
    #[error("cannot build the workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("cannot write CSV")]
    Csv(#[from] csv::Error),
}

/// Unmappable cells named in one error, at most.
pub const MAX_REPORTED: usize = 20;

/// The plans of one scenario, for the per-hazard columns.
#[derive(Clone, Copy, Debug)]
pub struct ScenarioPlans<'a> {
    pub hazard: HazardType,
    /// The scenario's name (distinguishes two scenarios of one hazard), and its English name
    /// when the file gives one.
    pub scenario: &'a str,
    pub scenario_en: &'a str,
    pub plans: &'a [Plan],
}

/// A person's stored plan state (`mimamori::store`): status, last change, review date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanState {
    pub status: PlanStatus,
    /// Day of the last status change, if any.
    pub updated: Option<Date>,
    pub review_due: Option<Date>,
}

/// Where dates and statuses come from.
#[derive(Clone, Debug, Default)]
pub struct ExportContext {
    /// The plans' as-of date (drafting date): the update date when the store knows none.
    pub as_of: Option<Date>,
    /// Stored states by person id (`--db`); empty: no store, the status column stays empty.
    pub states: BTreeMap<String, PlanState>,
    /// The review period for plans without a stored review date.
    pub review: ReviewPolicy,
}

/// The part of the row a column belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// 名簿: every person on the register.
    Register,
    /// 個別避難計画: only people who consented to a plan; empty otherwise.
    Plan,
}

/// One column of the export.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportColumn {
    /// Stable key (documented in `docs/data-format.md`).
    pub key: String,
    pub ja: String,
    pub en: String,
    pub part: Part,
    /// Column width in the workbook, in characters.
    pub width: f64,
}

impl ExportColumn {
    pub fn header(&self, lang: Lang) -> &str {
        lang.pick(&self.ja, &self.en)
    }
}

/// The rows of one district.
#[derive(Clone, Debug, PartialEq)]
pub struct DistrictRows {
    pub code: String,
    pub name: String,
    /// One row per person of the district on the register, in roster order; each row has
    /// one cell per column, `person_ids` the person of each row.
    pub rows: Vec<Vec<String>>,
    pub person_ids: Vec<String>,
}

/// The whole export: columns and rows per district (districts in map order).
#[derive(Clone, Debug, PartialEq)]
pub struct ExportTable {
    pub columns: Vec<ExportColumn>,
    pub lang: Lang,
    pub districts: Vec<DistrictRows>,
}

impl ExportTable {
    pub fn headers(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.header(self.lang)).collect()
    }
    pub fn row_count(&self) -> usize {
        self.districts.iter().map(|d| d.rows.len()).sum()
    }
}

fn col(key: &str, ja: &str, en: &str, part: Part, width: f64) -> ExportColumn {
    ExportColumn {
        key: key.into(),
        ja: ja.into(),
        en: en.into(),
        part,
        width,
    }
}

/// The hazard label of a scenario column: the hazard, and the scenario's name when two
/// scenarios share the hazard.
fn hazard_tag(s: &ScenarioPlans, all: &[ScenarioPlans], lang: Lang) -> String {
    let shared = all.iter().filter(|o| o.hazard == s.hazard).count() > 1;
    let h = s.hazard.label(lang);
    match (shared, lang) {
        (false, _) => h.to_owned(),
        (true, Lang::Ja) => format!("{h}・{}", s.scenario),
        (true, Lang::En) => format!("{h}, {}", scenario_name(s.scenario, s.scenario_en, lang)),
    }
}

/// The columns for these scenarios, register columns first, in the order of a municipal form.
/// Per scenario: destination, method, when to leave and why helpers are missing, headed with the
/// hazard (`避難先（洪水）`, `Destination (flood)`).
pub fn columns(scenarios: &[ScenarioPlans]) -> Vec<ExportColumn> {
    use Part::{Plan as P, Register as R};
    let mut c = vec![
        col("id", "対象者番号", "Person ID", R, 10.0),
        col("district", "地区コード", "District code", R, 8.0),
        col("district_name", "地区名", "District", R, 12.0),
        col("name", "氏名", "Name", R, 14.0),
        col("kana", "ふりがな", "Kana", R, 16.0),
        col("address", "住所", "Address", R, 34.0),
        col("birth_date", "生年月日", "Date of birth", R, 11.0),
        col("age", "年齢", "Age", R, 5.0),
        col("sex", "性別", "Sex", R, 5.0),
        col("phone", "電話番号", "Phone", R, 14.0),
        col(
            "support_reasons",
            "避難支援等を必要とする事由（要介護度・障害等）",
            "Reason support is needed (care level, disability)",
            R,
            26.0,
        ),
        col("mobility", "移動の状況", "Mobility", R, 10.0),
        col(
            "needs",
            "配慮事項（医療機器等）",
            "Special needs (medical devices)",
            R,
            18.0,
        ),
        col("household", "世帯の状況", "Household", R, 10.0),
        col("contact1", "緊急連絡先1", "Emergency contact 1", R, 26.0),
        col("contact2", "緊急連絡先2", "Emergency contact 2", R, 26.0),
        col(
            "consent_share",
            "平常時の名簿情報提供への同意",
            "Consent to share",
            R,
            10.0,
        ),
        col(
            "consent_plan",
            "個別避難計画作成への同意",
            "Consent to a plan",
            R,
            10.0,
        ),
        col("family_doctor", "かかりつけ医", "Family doctor", P, 24.0),
        col(
            "care_manager",
            "ケアマネジャー・相談支援専門員",
            "Care manager or support counsellor",
            P,
            28.0,
        ),
        col("commissioner", "民生委員", "Welfare commissioner", P, 20.0),
        col(
            "family_helper",
            "同居家族の支援",
            "Family member helps",
            P,
            8.0,
        ),
    ];
    for (k, ja, en) in [
        ("helper1", "避難支援等実施者1", "Helper 1"),
        ("helper2", "避難支援等実施者2", "Helper 2"),
        ("backup", "予備の支援者", "Backup helper"),
    ] {
        c.push(col(
            &format!("{k}_name"),
            &format!("{ja} 氏名"),
            &format!("{en} name"),
            P,
            14.0,
        ));
        c.push(col(
            &format!("{k}_address"),
            &format!("{ja} 住所"),
            &format!("{en} address"),
            P,
            30.0,
        ));
        c.push(col(
            &format!("{k}_phone"),
            &format!("{ja} 連絡先"),
            &format!("{en} contact"),
            P,
            14.0,
        ));
    }
    for s in scenarios {
        let ja = hazard_tag(s, scenarios, Lang::Ja);
        let en = hazard_tag(s, scenarios, Lang::En);
        let key = s.hazard.code();
        for (k, hja, hen, w) in [
            ("destination", "避難先", "Destination", 26.0),
            ("method", "避難方法", "Method", 20.0),
            ("leave_by", "避難開始の目安", "When to leave", 26.0),
            (
                "uncovered",
                "支援者が決まらない理由",
                "Why helpers are missing",
                30.0,
            ),
        ] {
            c.push(col(
                &format!("{k}:{key}"),
                &format!("{hja}（{ja}）"),
                &format!("{hen} ({en})"),
                P,
                w,
            ));
        }
    }
    c.extend([
        col("status", "作成状況", "Status", P, 10.0),
        col("drafted", "作成日", "Drafted", P, 11.0),
        col("updated", "更新日", "Updated", P, 11.0),
        col("next_review", "次回見直し日", "Next review", P, 11.0),
    ]);
    c
}

fn contact_text(p: &Person, k: usize, lang: Lang) -> String {
    p.contacts
        .get(k)
        .map(|c| {
            let rel = if c.relation.is_empty() {
                String::new()
            } else {
                match lang {
                    Lang::Ja => format!("（{}）", c.relation),
                    Lang::En => format!(" ({})", c.relation),
                }
            };
            format!("{}{rel} {}", c.name, c.phone).trim().to_owned()
        })
        .unwrap_or_default()
}

fn yes_no(b: bool, lang: Lang) -> String {
    match (b, lang) {
        (true, Lang::Ja) => "同意".into(),
        (false, Lang::Ja) => "不同意".into(),
        (true, Lang::En) => "yes".into(),
        (false, Lang::En) => "no".into(),
    }
}

fn list(items: impl IntoIterator<Item = String>, lang: Lang) -> String {
    items
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(lang.pick("、", "; "))
}

/// The cells of the per-scenario columns of one plan.
fn scenario_cells(plan: Option<&Plan>, lang: Lang) -> [String; 4] {
    let Some(plan) = plan else {
        return Default::default();
    };
    let destination = match plan.method {
        Method::StayHome => lang.pick("自宅（移動しない）", "home (no move)").to_owned(),
        Method::StayUpstairs => lang.pick("自宅の上階", "an upper floor at home").to_owned(),
        _ => plan
            .destination
            .as_ref()
            .map(|d| d.name.clone())
            .unwrap_or_else(|| lang.pick("未定", "none found").to_owned()),
    };
    let leave_by = plan
        .leave_by_min
        .map(|m| {
            let when = after_alert_text(m, plan.alert_at.as_deref(), lang);
            match (plan.method, lang) {
                (Method::StayUpstairs, Lang::Ja) => format!("{when}までに上階へ"),
                (Method::StayUpstairs, Lang::En) => format!("upstairs by {when}"),
                (_, Lang::Ja) => format!("{when}までに出発"),
                (_, Lang::En) => format!("leave by {when}"),
            }
        })
        .unwrap_or_else(|| plan.start_when.get(lang).to_owned());
    [
        destination,
        plan.method.label(lang).to_owned(),
        leave_by,
        list(plan.reasons.iter().map(|r| r.sentence(lang)), lang),
    ]
}

/// Builds the export table: one row per person of `map` (the register), per district in map
/// order and roster order within; `scenarios` gives the plans (one scenario or several, each
/// its own destination / method / timing columns). Plan columns stay empty for people who did
/// not consent to a plan. The first scenario's plan supplies the helpers.
pub fn build(
    map: &Map,
    scenarios: &[ScenarioPlans],
    ctx: &ExportContext,
    lang: Lang,
) -> ExportTable {
    let columns = columns(scenarios);
    let by_person: Vec<BTreeMap<&str, &Plan>> = scenarios
        .iter()
        .map(|s| s.plans.iter().map(|p| (p.person.as_str(), p)).collect())
        .collect();
    let mut districts: Vec<DistrictRows> = map
        .districts
        .iter()
        .map(|d| DistrictRows {
            code: d.code.clone(),
            name: d.name.clone(),
            rows: Vec::new(),
            person_ids: Vec::new(),
        })
        .collect();
    for p in &map.people {
        let d = map.district(p.district);
        let mut row: Vec<String> = vec![
            p.ext_id.clone(),
            d.code.clone(),
            d.name.clone(),
            p.name.clone(),
            p.kana.clone(),
            p.address.clone(),
            p.birth_date.to_string(),
            ctx.as_of
                .map(|a| p.age_on(a).to_string())
                .unwrap_or_default(),
            p.sex.label(lang).to_owned(),
            p.phone.clone(),
            list(p.reasons.iter().map(|r| r.label(lang)), lang),
            p.mobility.label(lang).to_owned(),
            list(p.needs.iter().map(|n| n.label(lang).to_owned()), lang),
            p.household.label(lang).to_owned(),
            contact_text(p, 0, lang),
            contact_text(p, 1, lang),
            yes_no(p.consent.share, lang),
            yes_no(p.consent.plan, lang),
        ];
        let n_register = row.len();
        if p.consent.plan {
            let plans: Vec<Option<&Plan>> = by_person
                .iter()
                .map(|m| m.get(p.ext_id.as_str()).copied())
                .collect();
            let first = plans.iter().flatten().next().copied();
            row.extend([
                p.family_doctor.clone(),
                p.care_manager.clone(),
                d.commissioner.clone(),
                first
                    .map(|f| {
                        if f.family_helper {
                            lang.pick("あり", "yes")
                        } else {
                            ""
                        }
                    })
                    .unwrap_or_default()
                    .to_owned(),
            ]);
            let helper_cells = |id: Option<&str>| -> [String; 3] {
                let Some(v) = id.and_then(|id| map.find_volunteer(id)) else {
                    return Default::default();
                };
                let v = map.volunteer(v);
                [v.name.clone(), v.address.clone(), v.phone.clone()]
            };
            let primaries: Vec<&str> = first
                .map(|f| f.primary_helpers().map(|h| h.id.as_str()).collect())
                .unwrap_or_default();
            let backup = first.and_then(|f| {
                f.helpers
                    .iter()
                    .find(|h| h.role == HelperRole::Backup)
                    .map(|h| h.id.as_str())
            });
            row.extend(helper_cells(primaries.first().copied()));
            row.extend(helper_cells(primaries.get(1).copied()));
            row.extend(helper_cells(backup));
            for plan in &plans {
                row.extend(scenario_cells(*plan, lang));
            }
            let state = ctx.states.get(&p.ext_id);
            let as_of = ctx.as_of;
            let updated = state.and_then(|s| s.updated).or(as_of);
            let review = state
                .and_then(|s| s.review_due)
                .or_else(|| updated.map(|u| ctx.review.after(u)));
            row.extend([
                state
                    .map(|s| {
                        lang.pick(s.status.label_ja(), s.status.label_en())
                            .to_owned()
                    })
                    .unwrap_or_default(),
                first.map(|f| f.drafted.clone()).unwrap_or_default(),
                updated.map(|d| d.to_string()).unwrap_or_default(),
                review.map(|d| d.to_string()).unwrap_or_default(),
            ]);
        } else {
            row.resize(columns.len(), String::new());
        }
        debug_assert_eq!(row.len(), columns.len());
        debug_assert!(n_register <= columns.len());
        let rows = &mut districts[p.district.index()];
        rows.rows.push(row);
        rows.person_ids.push(p.ext_id.clone());
    }
    ExportTable {
        columns,
        lang,
        districts,
    }
}

/// A worksheet name for a district: `CODE 名前`, without the characters Excel refuses
/// (`[]:*?/\`), at most 31 characters, unique in the workbook.
fn sheet_name(d: &DistrictRows, used: &mut Vec<String>) -> String {
    let raw = if d.name.is_empty() {
        d.code.clone()
    } else {
        format!("{} {}", d.code, d.name)
    };
    let clean: String = raw
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    let clean = clean.trim_matches('\'').to_owned();
    let mut name: String = clean.chars().take(31).collect();
    let mut k = 2;
    while name.is_empty() || used.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
        let tail = format!("~{k}");
        name = clean.chars().take(31 - tail.len()).collect::<String>() + &tail;
        k += 1;
    }
    used.push(name.clone());
    name
}

/// The table as an Excel workbook: one worksheet per district (`D01 江丹別地区`), a bold,
/// frozen, filterable header row and the documented column widths. Every cell is text.
pub fn to_xlsx(table: &ExportTable) -> Result<Vec<u8>, ExportError> {
    use rust_xlsxwriter::{Format, FormatBorder, Workbook};
    let mut wb = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color("#D9E1F2")
        .set_border(FormatBorder::Thin);
    let text = Format::new().set_num_format("@");
    let mut used = Vec::new();
    for d in &table.districts {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(d, &mut used))?;
        for (i, c) in table.columns.iter().enumerate() {
            let i = i as u16;
            ws.set_column_width(i, c.width)?;
            ws.write_string_with_format(0, i, c.header(table.lang), &head)?;
        }
        ws.set_row_height(0, 45)?;
        for (r, row) in d.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (i, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string_with_format(r, i as u16, v, &text)?;
                }
            }
        }
        ws.set_freeze_panes(1, 0)?;
        let last_col = table.columns.len().saturating_sub(1) as u16;
        ws.autofilter(0, 0, d.rows.len() as u32, last_col)?;
    }
    if table.districts.is_empty() {
        wb.add_worksheet();
    }
    Ok(wb.save_to_buffer()?)
}

/// CSV text encodings of [`to_csv`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsvEncoding {
    /// UTF-8 with a BOM, so Excel opens it as UTF-8.
    Utf8Bom,
    /// Shift_JIS (Windows code page 932, as `encoding_rs` implements it).
    ShiftJis,
}

/// The table as one CSV file (every district, in order), header first. Shift_JIS: a cell
/// holding a character it cannot represent is an error naming the person and the column
/// (all such cells are counted, the first [`MAX_REPORTED`] named), never the value.
pub fn to_csv(table: &ExportTable, encoding: CsvEncoding) -> Result<Vec<u8>, ExportError> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(table.headers())?;
    for d in &table.districts {
        for row in &d.rows {
            w.write_record(row)?;
        }
    }
    let bytes = w
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    let text = String::from_utf8(bytes).expect("CSV of UTF-8 strings is UTF-8");
    match encoding {
        CsvEncoding::Utf8Bom => {
            let mut out = "\u{feff}".as_bytes().to_vec();
            out.extend_from_slice(text.as_bytes());
            Ok(out)
        }
        CsvEncoding::ShiftJis => {
            let (out, _, had_errors) = encoding_rs::SHIFT_JIS.encode(&text);
            if !had_errors {
                return Ok(out.into_owned());
            }
            // Find the cells, to name them (never their values).
            let mut cells = Vec::new();
            let mut count = 0;
            let headers = table.headers();
            let mut check = |who: &str, col: &str, v: &str| {
                if encoding_rs::SHIFT_JIS.encode(v).2 {
                    count += 1;
                    if cells.len() < MAX_REPORTED {
                        cells.push((who.to_owned(), col.to_owned()));
                    }
                }
            };
            for h in &headers {
                check("(header)", h, h);
            }
            for d in &table.districts {
                for (row, id) in d.rows.iter().zip(&d.person_ids) {
                    for (v, h) in row.iter().zip(&headers) {
                        check(id, h, v);
                    }
                }
            }
            Err(ExportError::Unmappable { count, cells })
        }
    }
}

/// The personal fields an export holds, for the audit log: every register field, and the plan
/// fields (helpers' names, addresses and phones among them).
pub const EXPORTED_FIELDS: &[&str] = &[
    "name",
    "kana",
    "address",
    "birth_date",
    "sex",
    "phone",
    "reasons",
    "mobility",
    "needs",
    "household",
    "contact1_name",
    "contact1_relation",
    "contact1_phone",
    "contact2_name",
    "contact2_relation",
    "contact2_phone",
    "family_doctor",
    "care_manager",
    "commissioner",
    "helpers",
    "destination",
];

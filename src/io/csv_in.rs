//! CSV tables with English or Japanese headers, and field parsers that collect located errors.
//!
//! A table is described by its [`Column`]s (canonical English name plus accepted aliases).
//! Headers are matched after trimming, dropping a BOM and full-width spaces, and ASCII
//! lower-casing. Unknown columns are ignored (municipal exports carry many); a missing
//! required column is one error for the file. [`Row`] then reads each field and records a
//! [`DataError`] with the line number for anything it cannot parse.

use super::{DataError, DataErrors, Location};
use crate::model::normalize_digits;
use std::path::Path;
use time::{Date, Month};

/// A column of a table.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    /// Canonical name used in files this crate writes.
    pub name: &'static str,
    /// Other accepted headers (Japanese first).
    pub aliases: &'static [&'static str],
    pub required: bool,
}

/// Shorthand for a required column.
pub const fn req(name: &'static str, aliases: &'static [&'static str]) -> Column {
    Column {
        name,
        aliases,
        required: true,
    }
}

/// Shorthand for an optional column.
pub const fn opt(name: &'static str, aliases: &'static [&'static str]) -> Column {
    Column {
        name,
        aliases,
        required: false,
    }
}

fn norm_header(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .replace('\u{3000}', "")
        .trim()
        .to_ascii_lowercase()
}

/// One data row: values by column, with the file line where the record starts.
#[derive(Clone, Debug)]
pub struct RawRow {
    pub line: u64,
    values: Vec<Option<String>>,
}

/// One CSV record as split from the text: its fields and the physical line it starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub line: u64,
    pub fields: Vec<String>,
}

/// A record the splitter could not finish: a quoted field still open at the end of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnclosedQuote {
    /// Line on which the quote opened.
    pub line: u64,
    /// Lines from there to the end of the file, all swallowed by the open quote.
    pub lines_swallowed: u64,
}

/// Splits CSV text (RFC 4180, comma-separated) into records, counting physical lines for any
/// line ending (`\n`, `\r\n`, `\r`), including line breaks inside quoted fields. Blank lines are
/// skipped. A quote inside an unquoted field is taken literally, as spreadsheet programs do.
/// The only fatal defect is a quote left open at the end of the file: everything after it
/// would otherwise vanish into one field, so it is reported with the line it opened on.
pub struct Records<'a> {
    text: &'a str,
    pos: usize,
    line: u64,
}

impl<'a> Records<'a> {
    pub fn new(text: &'a str) -> Self {
        Self {
            text,
            pos: 0,
            line: 1,
        }
    }

    /// Consumes one line ending at `i` (which holds `\r` or `\n`), returning the next index.
    fn newline(&mut self, b: &[u8], i: usize) -> usize {
        self.line += 1;
        if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
            i + 2
        } else {
            i + 1
        }
    }
}

impl Iterator for Records<'_> {
    type Item = Result<Record, UnclosedQuote>;

    fn next(&mut self) -> Option<Self::Item> {
        let text = self.text;
        let b = text.as_bytes();
        // Skip blank lines.
        while self.pos < b.len() && (b[self.pos] == b'\n' || b[self.pos] == b'\r') {
            self.pos = self.newline(b, self.pos);
        }
        if self.pos >= b.len() {
            return None;
        }
        let start_line = self.line;
        let mut fields = Vec::new();
        let mut i = self.pos;
        loop {
            // One field starting at i.
            let mut field = String::new();
            if b.get(i) == Some(&b'"') {
                let open_line = self.line;
                i += 1;
                let mut closed = false;
                let mut from = i;
                while i < b.len() {
                    match b[i] {
                        b'"' if b.get(i + 1) == Some(&b'"') => {
                            field.push_str(&text[from..=i]);
                            i += 2;
                            from = i;
                        }
                        b'"' => {
                            field.push_str(&text[from..i]);
                            i += 1;
                            closed = true;
                            break;
                        }
                        b'\r' | b'\n' => {
                            let next = self.newline(b, i);
                            field.push_str(&text[from..next]);
                            i = next;
                            from = i;
                        }
                        _ => i += 1,
                    }
                }
                if !closed {
                    self.pos = b.len();
                    return Some(Err(UnclosedQuote {
                        line: open_line,
                        lines_swallowed: self.line - open_line,
                    }));
                }
            }
            // Unquoted text (or what follows a closing quote, kept as spreadsheets do).
            let from = i;
            while i < b.len() && !matches!(b[i], b',' | b'\r' | b'\n') {
                i += 1;
            }
            field.push_str(&text[from..i]);
            fields.push(field);
            match b.get(i) {
                Some(b',') => i += 1,
                Some(_) => {
                    self.pos = self.newline(b, i);
                    break;
                }
                None => {
                    self.pos = i;
                    break;
                }
            }
        }
        Some(Ok(Record {
            line: start_line,
            fields,
        }))
    }
}

/// Reads a CSV text into rows keyed by the given columns.
///
/// Refused, each with one error that names the root cause and never a field's value: a file
/// without a header row, a header naming the same column twice, a missing required column, a
/// row whose number of fields differs from the header's (reported once, not as shifted fields),
/// and a quote left open (with the line it opened on). Reading stops after
/// [`super::STOP_AFTER`] problems.
pub fn read_table(path: &Path, text: &str, columns: &[Column]) -> Result<Vec<RawRow>, DataErrors> {
    let mut records = Records::new(text);
    let unclosed = |q: UnclosedQuote| {
        DataError::new(
            path,
            Location::Line(q.line),
            "",
            "",
            format!(
                "a closing quote (\") for the quote opened on line {}: the {} line(s) after it were \
                 read as one value / 引用符が閉じられていません",
                q.line, q.lines_swallowed
            ),
        )
    };
    let header = match records.next() {
        None => {
            return Err(DataError::new(
                path,
                Location::File,
                "",
                "",
                "a header row naming the columns: the file has no header row (it is empty) / \
                 見出し行がありません",
            )
            .into());
        }
        Some(Err(q)) => return Err(unclosed(q).into()),
        Some(Ok(h)) => h,
    };
    let header_line = header.line;
    let mut errs = DataErrors::default();
    let mut index: Vec<Option<usize>> = vec![None; columns.len()];
    for (i, h) in header.fields.iter().enumerate() {
        let h = norm_header(h);
        let Some(c) = columns.iter().position(|c| {
            norm_header(c.name) == h || c.aliases.iter().any(|a| norm_header(a) == h)
        }) else {
            continue;
        };
        match index[c] {
            None => index[c] = Some(i),
            Some(first) => errs.push(DataError::new(
                path,
                Location::Line(header_line),
                columns[c].name,
                "",
                format!(
                    "one column for `{}`, but columns {} and {} (counting from 1) both name it \
                     / 同じ列が二つあります",
                    columns[c].name,
                    first + 1,
                    i + 1
                ),
            )),
        }
    }
    for (c, ix) in columns.iter().zip(&index) {
        if c.required && ix.is_none() {
            let names = std::iter::once(c.name)
                .chain(c.aliases.iter().copied())
                .collect::<Vec<_>>()
                .join(" / ");
            errs.push(DataError::new(
                path,
                Location::Line(header_line),
                c.name,
                "",
                format!("a column headed {names}"),
            ));
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    let width = header.fields.len();
    let mut rows = Vec::new();
    for rec in records {
        if errs.full() {
            errs.stopped = true;
            break;
        }
        let r = match rec {
            Ok(r) => r,
            Err(q) => {
                errs.push(unclosed(q));
                break;
            }
        };
        if r.fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if r.fields.len() != width {
            errs.push(DataError::new(
                path,
                Location::Line(r.line),
                "",
                "",
                format!(
                    "{width} fields as in the header, found {} (a comma or quote inside a value? \
                     quote such values) / 列の数が見出し行と違います",
                    r.fields.len()
                ),
            ));
            continue;
        }
        let values = index
            .iter()
            .map(|ix| {
                ix.and_then(|i| r.fields.get(i))
                    .map(|v| v.trim().to_owned())
            })
            .collect();
        rows.push(RawRow {
            line: r.line,
            values,
        });
    }
    errs.into_result(rows)
}

/// Reads fields of one row, recording errors into a shared collector. Only the first problem
/// of a row is reported: later ones are usually its consequences (a cascade), and one fix at a
/// time is what a person editing the file can act on.
pub struct Row<'a> {
    pub path: &'a Path,
    pub row: &'a RawRow,
    pub columns: &'a [Column],
    pub errs: &'a mut DataErrors,
    failed: bool,
}

impl<'a> Row<'a> {
    pub fn new(
        path: &'a Path,
        row: &'a RawRow,
        columns: &'a [Column],
        errs: &'a mut DataErrors,
    ) -> Self {
        Self {
            path,
            row,
            columns,
            errs,
            failed: false,
        }
    }

    /// Whether a problem was already reported for this row.
    pub fn failed(&self) -> bool {
        self.failed
    }

    fn col(&self, name: &str) -> usize {
        self.columns
            .iter()
            .position(|c| c.name == name)
            .unwrap_or_else(|| panic!("column {name} is not declared"))
    }

    /// The location of this row.
    pub fn location(&self) -> Location {
        Location::Line(self.row.line)
    }

    /// Records an error about `field` of this row (only the row's first is kept).
    pub fn error(&mut self, field: &str, value: &str, expected: impl Into<String>) {
        if self.failed {
            return;
        }
        self.failed = true;
        let e = DataError::new(self.path, self.location(), field, value, expected);
        self.errs.push(e);
    }

    /// The trimmed text of a field, "" when absent.
    pub fn text(&self, name: &str) -> String {
        self.row.values[self.col(name)].clone().unwrap_or_default()
    }

    /// A field that must not be empty.
    pub fn required(&mut self, name: &str, expected: &str) -> Option<String> {
        let t = self.text(name);
        if t.is_empty() {
            self.error(name, "", expected);
            None
        } else {
            Some(t)
        }
    }

    /// Parses a non-empty field with `parse`; `None` (and an error) when it fails.
    pub fn parse<T>(
        &mut self,
        name: &str,
        expected: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let t = self.required(name, expected)?;
        let v = parse(&t);
        if v.is_none() {
            self.error(name, &t, expected);
        }
        v
    }

    /// Like [`Row::parse`], but an empty field gives `default`.
    pub fn parse_or<T>(
        &mut self,
        name: &str,
        default: T,
        expected: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> T {
        let t = self.text(name);
        if t.is_empty() {
            return default;
        }
        match parse(&t) {
            Some(v) => v,
            None => {
                self.error(name, &t, expected);
                default
            }
        }
    }

    /// A number within `lo..=hi`.
    pub fn number(&mut self, name: &str, lo: f64, hi: f64) -> Option<f64> {
        let expected = format!("a number from {lo} to {hi}");
        self.parse(name, &expected, |s| {
            normalize_digits(s)
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= lo && *v <= hi)
        })
    }

    /// A list separated by `;` (or `、`, `・`), each item parsed; empty field = empty list.
    pub fn list<T>(
        &mut self,
        name: &str,
        expected: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Vec<T> {
        let t = self.text(name);
        let mut out = Vec::new();
        for item in t
            .split([';', '；', '、', '・'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match parse(item) {
                Some(v) => out.push(v),
                None => self.error(name, item, expected),
            }
        }
        out
    }
}

/// Parses yes/no in the forms municipal exports use.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "y" | "有" | "あり" | "同意" | "同意あり" | "はい" | "○" | "〇" => {
            Some(true)
        }
        "0" | "false" | "no" | "n" | "無" | "なし" | "不同意" | "同意なし" | "いいえ" | "×" => {
            Some(false)
        }
        _ => None,
    }
}

/// What [`parse_date`] accepts, for messages.
pub const DATE_EXPECTED: &str =
    "a date such as 2023-04-01, 2023/4/1, 2023年4月1日 or 令和5年4月1日";

/// Parses a date in Western (`2023-04-01`, `2023/4/1`, `2023年4月1日`) or Japanese era form
/// (`令和5年4月1日`, `平成元年1月8日`, `R5.4.1`, `S15.3.2`). Full-width digits are accepted.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = normalize_digits(s.trim()).replace('元', "1");
    const ERAS: [(&str, &str, i32); 5] = [
        ("令和", "R", 2018),
        ("平成", "H", 1988),
        ("昭和", "S", 1925),
        ("大正", "T", 1911),
        ("明治", "M", 1867),
    ];
    let (offset, rest) = ERAS
        .iter()
        .find_map(|(kanji, letter, off)| {
            s.strip_prefix(kanji)
                .or_else(|| s.strip_prefix(letter))
                .or_else(|| s.strip_prefix(&letter.to_ascii_lowercase()))
                .map(|r| (*off, r.to_owned()))
        })
        .unwrap_or((0, s.clone()));
    let parts: Vec<&str> = rest
        .split(['-', '/', '.', '年', '月', '日'])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() != 3 {
        return None;
    }
    let y: i32 = parts[0].parse().ok()?;
    let m: u8 = parts[1].parse().ok()?;
    let d: u8 = parts[2].parse().ok()?;
    let year = if offset > 0 {
        if !(1..=64).contains(&y) {
            return None;
        }
        y + offset
    } else {
        y
    };
    // Any calendar year is read; whether it is plausible is the caller's rule, so that an
    // out-of-range date is reported with its allowed range rather than as "not a date".
    if !(1..=9999).contains(&year) {
        return None;
    }
    Date::from_calendar_date(year, Month::try_from(m).ok()?, d).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_in_western_and_era_forms() {
        let d = |y, m, dd| Date::from_calendar_date(y, Month::try_from(m).unwrap(), dd).unwrap();
        assert_eq!(parse_date("2023-04-01"), Some(d(2023, 4, 1)));
        assert_eq!(parse_date("2023/4/1"), Some(d(2023, 4, 1)));
        assert_eq!(parse_date("令和5年4月1日"), Some(d(2023, 4, 1)));
        assert_eq!(parse_date("令和元年5月1日"), Some(d(2019, 5, 1)));
        assert_eq!(parse_date("昭和１５年３月２日"), Some(d(1940, 3, 2)));
        assert_eq!(parse_date("H31.4.30"), Some(d(2019, 4, 30)));
        assert_eq!(parse_date("2023-02-30"), None);
        assert_eq!(parse_date("yesterday"), None);
    }

    /// The splitter against the `csv` crate's writer (the reference for quoting): seeded random
    /// records with commas, quotes and line breaks inside fields, written with LF, CRLF or CR
    /// endings, split back into the same fields, each record on its physical start line.
    #[test]
    fn records_round_trip_through_the_csv_writer_with_physical_lines() {
        let pieces = ["a", "旭川", ",", "\"", "\n", "\r\n", " ", "x y", "ー"];
        let mut rng = crate::rng::Rng::new(3);
        for case in 0..300 {
            let terminator = [
                csv::Terminator::Any(b'\n'),
                csv::Terminator::CRLF,
                csv::Terminator::Any(b'\r'),
            ][case % 3];
            let width = 1 + rng.below(4);
            let records: Vec<Vec<String>> = (0..1 + rng.below(6))
                .map(|_| {
                    (0..width)
                        .map(|_| {
                            (0..rng.below(4))
                                .map(|_| pieces[rng.below(pieces.len())])
                                .collect()
                        })
                        .collect()
                })
                // A record of one empty field is a blank line, which readers skip.
                .filter(|r: &Vec<String>| !(r.len() == 1 && r[0].is_empty()))
                .collect();
            let mut w = csv::WriterBuilder::new()
                .terminator(terminator)
                .from_writer(Vec::new());
            let mut starts = Vec::new();
            for r in &records {
                w.flush().unwrap();
                starts.push(w.get_ref().len());
                w.write_record(r).unwrap();
            }
            let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
            let got: Vec<Record> = Records::new(&text).map(|r| r.unwrap()).collect();
            let fields: Vec<Vec<String>> = got.iter().map(|r| r.fields.clone()).collect();
            assert_eq!(fields, records, "case {case}: {text:?}");
            for (r, start) in got.iter().zip(starts) {
                // Physical lines: every \n, every \r\n and every lone \r ends one.
                let before = &text[..start];
                let line = before
                    .replace("\r\n", "\n")
                    .replace('\r', "\n")
                    .matches('\n')
                    .count();
                assert_eq!(r.line, line as u64 + 1, "case {case}: {text:?}");
            }
        }
    }

    #[test]
    fn an_unclosed_quote_reports_the_line_it_opened_on() {
        let text = "a,b\n1,2\n3,\"x\n4,5\n6,7\n";
        let got: Vec<_> = Records::new(text).collect();
        assert_eq!(got.len(), 3);
        assert_eq!(
            got[2],
            Err(UnclosedQuote {
                line: 3,
                lines_swallowed: 3
            })
        );
    }

    #[test]
    fn headers_match_japanese_aliases_and_missing_required_columns_are_named() {
        const COLS: &[Column] = &[req("name", &["氏名"]), opt("phone", &["電話番号"])];
        let rows = read_table(
            Path::new("p.csv"),
            "\u{feff}氏名,電話番号,extra\n山田,011,x\n",
            COLS,
        )
        .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 2);
        let e = read_table(Path::new("p.csv"), "phone\n1\n", COLS).unwrap_err();
        assert!(e.to_string().contains("p.csv:1: field `name`"), "{e}");
    }
}

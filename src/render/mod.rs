//! Rendering: plan sheets, helper route cards, the index page and route maps, as pure functions
//! of plan values. No file I/O here; `cli::sheets` in the binary writes the files.
//!
//! Why this shape: coordinators hand plans out on paper, so every page is one self-contained
//! HTML document (inline CSS, inline SVG, no external resources) laid out for A4 portrait print.
//! Pages are askama templates with auto-escaping; every string a user typed reaches the page only
//! through an escaped template expression (or, inside the SVG, through the `svg` module's own escaping).
//! Labels live in one `labels::Labels` value per language, so the Japanese and English pages
//! come from the same template.
//!
//! - [`render_sheet`]: one person's plan sheet (個別避難計画), one or two A4 pages.
//! - [`render_card`]: one helper's route card: whom to help, where, and when to go.
//! - [`render_index`]: `index.html` listing sheets by district and priority, and uncovered people.
//! - [`recruit::recruit_page`]: the A4 page of `mimamori recruit` (where to recruit helpers).
//! - [`route_map_svg`]: the route map drawn from the map's own roads and hazard zones.
//! - [`MapView`] / [`MapIndex`]: the part of a [`crate::model::Map`] a map drawing needs.

mod card;
mod index;
pub mod kit;
mod labels;
pub mod recruit;
pub mod share;
mod sheet;
mod svg;
pub mod text;
mod view;

pub use card::render_card;
pub use index::render_index;
pub use sheet::{render_sheet, render_sheet_hazards, render_sheet_multi};
pub use svg::{MapMarks, Mark, route_map_svg};
pub use view::{MapIndex, MapView, ViewHazard, ViewRoad, card_points, plan_points};

use crate::model::Lang;

/// Margin around the plotted points of a sheet or card map, metres.
pub const MAP_MARGIN_M: f64 = 120.0;

/// A file name stem for an external id (person or helper id): ASCII letters, digits, `-` and
/// `_` are kept, any other character becomes `~` and its code point in hex, so ids typed by
/// users (Japanese, spaces, slashes) never escape the output folder and stay distinct.
pub fn file_stem(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for c in id.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            out.push(c);
        } else {
            out.push_str(&format!("~{:x}", c as u32));
        }
    }
    if out.is_empty() {
        out.push('~');
    }
    out
}

/// Whole minutes, rounded up (a plan promises no less time than it takes).
pub(crate) fn minutes(secs: f64) -> i64 {
    if secs.is_finite() && secs > 0.0 {
        (secs / 60.0).ceil() as i64
    } else {
        0
    }
}

/// "850 m" or "1.2 km".
pub(crate) fn length_text(m: f64) -> String {
    if !m.is_finite() {
        return "—".into();
    }
    if m < 1000.0 {
        format!("{:.0} m", (m / 10.0).round() * 10.0)
    } else {
        format!("{:.1} km", m / 1000.0)
    }
}

/// "12分" or "12 min".
pub(crate) fn minutes_text(secs: f64, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("{}分", minutes(secs)),
        Lang::En => format!("{} min", minutes(secs)),
    }
}

/// A time given in minutes after the alert, as a clock time when the alert's clock time
/// (`HH:MM`) is known ("15:35（警報から95分後）"), in words otherwise ("警報から95分後").
/// Rounded down: a latest time must not be shown later than it is.
pub(crate) fn after_alert_text(min_after: f64, alert_at: Option<&str>, lang: Lang) -> String {
    let m = min_after.floor() as i64;
    let words = match (lang, m >= 0) {
        (Lang::Ja, true) => format!("警報から{m}分後"),
        (Lang::Ja, false) => format!("警報の{}分前", -m),
        (Lang::En, true) => format!("{m} min after the alert"),
        (Lang::En, false) => format!("{} min before the alert", -m),
    };
    let clock = alert_at.and_then(|a| {
        let (h, mm) = a.split_once(':')?;
        let start = h.parse::<i64>().ok()? * 60 + mm.parse::<i64>().ok()?;
        let t = (start + m).rem_euclid(24 * 60);
        Some(format!("{:02}:{:02}", t / 60, t % 60))
    });
    match (clock, lang) {
        (Some(c), Lang::Ja) => format!("{c}（{words}）"),
        (Some(c), Lang::En) => format!("{c} ({words})"),
        (None, _) => words,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_after_the_alert_read_as_clock_times() {
        assert_eq!(
            after_alert_text(95.9, Some("14:00"), Lang::Ja),
            "15:35（警報から95分後）"
        );
        assert_eq!(
            after_alert_text(130.0, Some("23:00"), Lang::En),
            "01:10 (130 min after the alert)"
        );
        assert_eq!(after_alert_text(20.0, None, Lang::Ja), "警報から20分後");
        assert_eq!(
            after_alert_text(-5.0, None, Lang::En),
            "5 min before the alert"
        );
    }

    #[test]
    fn file_stems_are_safe_and_distinct() {
        assert_eq!(file_stem("P00001"), "P00001");
        assert_eq!(file_stem("../etc"), "~2e~2e~2fetc");
        assert_ne!(file_stem("a/b"), file_stem("a~2fb"));
        assert_eq!(file_stem(""), "~");
        assert!(file_stem("山田").is_ascii());
    }

    #[test]
    fn lengths_and_minutes_round_as_a_reader_expects() {
        assert_eq!(length_text(847.0), "850 m");
        assert_eq!(length_text(1234.0), "1.2 km");
        assert_eq!(minutes(61.0), 2);
        assert_eq!(minutes(f64::NAN), 0);
    }
}

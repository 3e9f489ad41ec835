//! Diagnostics shared by every stage: what went wrong, where (`path:line:column`), what was expected
//! and how to fix it. Stages only create them; the text is looked up in the theme's i18n catalog
//! when they are reported, so that the same diagnostic reads in Chinese or English.

use std::fmt::Write as _;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;

use crate::i18n::Catalog;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// A position in a source file: 1-based line and column, both counted in characters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    pub line: usize,
    pub column: usize,
    /// How many characters to underline (at least one).
    pub len: usize,
}

impl Location {
    pub fn new(line: usize, column: usize, len: usize) -> Self {
        Location { line: line.max(1), column: column.max(1), len: len.max(1) }
    }

    /// Finds the location of a byte offset in `text` (counting lines and characters).
    pub fn of_offset(text: &str, offset: usize, len_bytes: usize) -> Self {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..offset].chars().count() + 1;
        let end = floor_char_boundary(text, (offset + len_bytes).min(text.len()));
        let len = text[offset..end].split('\n').next().map_or(1, |s| s.chars().count());
        Location::new(line, column, len)
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

fn ceil_char_boundary(text: &str, mut index: usize) -> usize {
    while index < text.len() && !text.is_char_boundary(index) {
        index += 1;
    }
    index
}

/// A source line longer than this (in bytes; a paragraph of 600 Chinese characters) is kept as
/// the part around the place, between `…`.
const SHOWN_LINE_MAX: usize = 2000;
/// How much of a long line is kept on each side of the place (bytes).
const SHOWN_AROUND: usize = 300;

/// Where each line of a text starts, to place the many diagnostics of one file: without it each
/// was placed by reading the file from its start, and kept its whole line, so that 20,000 broken
/// links on one 240 KB line took minutes and gigabytes. Columns are counted on from the last
/// place asked for when it is on the same line and not after this one (places come in order).
pub struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
    /// The last place asked for: its byte offset and column.
    last: std::cell::Cell<(usize, usize)>,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0).chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1)).collect();
        Lines { text, starts, last: std::cell::Cell::new((0, 1)) }
    }

    /// The location of `len_bytes` at byte `offset` (what [`Location::of_offset`] gives).
    pub fn location(&self, offset: usize, len_bytes: usize) -> Location {
        let text = self.text;
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.starts.partition_point(|&s| s <= offset);
        let line_start = self.starts[line - 1];
        let (last_offset, last_column) = self.last.get();
        let column = if (line_start..=offset).contains(&last_offset) {
            last_column + text[last_offset..offset].chars().count()
        } else {
            text[line_start..offset].chars().count() + 1
        };
        self.last.set((offset, column));
        let end = floor_char_boundary(text, (offset + len_bytes).min(text.len()));
        let len = text[offset..end].split('\n').next().map_or(1, |s| s.chars().count());
        Location::new(line, column, len)
    }

    /// `diagnostic` placed at `len_bytes` at byte `offset`, with its line, or the part of a long
    /// line around the place (so that a report does not repeat a line of a hundred kilobytes).
    pub fn place(&self, mut diagnostic: Diagnostic, offset: usize, len_bytes: usize) -> Diagnostic {
        let location = self.location(offset, len_bytes);
        let text = self.text;
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let start = self.starts[location.line - 1];
        let end = self.starts.get(location.line).map_or(text.len(), |&next| next - 1);
        let line = &text[start..end];
        let line = line.strip_suffix('\r').unwrap_or(line);
        let end = start + line.len();
        if line.len() <= SHOWN_LINE_MAX {
            diagnostic.source_line = Some(line.to_owned());
        } else {
            let from = floor_char_boundary(text, offset.saturating_sub(SHOWN_AROUND).max(start));
            let span = len_bytes.min(SHOWN_LINE_MAX - 2 * SHOWN_AROUND);
            let to = ceil_char_boundary(text, (offset + span + SHOWN_AROUND).min(end));
            let cut = location.column - 1 - text[from..offset].chars().count();
            let mut shown = String::with_capacity(to - from + 6);
            if from > start {
                shown.push('…');
            }
            shown.push_str(&text[from..to]);
            if to < end {
                shown.push('…');
            }
            diagnostic.source_line = Some(shown);
            diagnostic.source_cut = cut;
        }
        diagnostic.location = Some(location);
        diagnostic
    }
}

/// The text of line `line` (1-based) of `text`, without its line break.
pub fn line_of(text: &str, line: usize) -> Option<&str> {
    text.split('\n').nth(line.checked_sub(1)?).map(|l| l.strip_suffix('\r').unwrap_or(l))
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable identifier, also the i18n key under `diag.` (`diag.<code>.message` …).
    pub code: &'static str,
    /// Values for the placeholders of the message, e.g. `("value", "nmed")`.
    pub args: Vec<(&'static str, String)>,
    /// Path of the file relative to the site folder, with `/` separators.
    pub file: Option<String>,
    pub location: Option<Location>,
    /// The offending source line, shown under the message (a long one as the part around the
    /// place, between `…`: see [`Lines::place`]).
    pub source_line: Option<String>,
    /// How many characters of a long line `source_line` leaves out before its `…`.
    #[serde(skip)]
    pub source_cut: usize,
    /// A close valid value ("did you mean").
    pub suggestion: Option<String>,
    /// Which of the code's texts fits, where the advice depends on how the mistake was written
    /// (a field missing at the top or inside a list item, a list without brackets): the catalog's
    /// `diag.<code>.hint_<variant>` (or `message_…`, `expected_…`) is read before `diag.<code>.hint`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<&'static str>,
}

impl Diagnostic {
    pub fn error(code: &'static str) -> Self {
        Self::new(Severity::Error, code)
    }

    pub fn warning(code: &'static str) -> Self {
        Self::new(Severity::Warning, code)
    }

    fn new(severity: Severity, code: &'static str) -> Self {
        Diagnostic {
            severity,
            code,
            args: Vec::new(),
            file: None,
            location: None,
            source_line: None,
            source_cut: 0,
            suggestion: None,
            variant: None,
        }
    }

    /// Picks the code's texts for `variant` (see [`Diagnostic::variant`]).
    pub fn variant(mut self, variant: &'static str) -> Self {
        self.variant = Some(variant);
        self
    }

    pub fn arg(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    pub fn file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// Places the diagnostic at `location` of `text`, keeping the line for display.
    pub fn at(mut self, text: &str, location: Location) -> Self {
        self.source_line = line_of(text, location.line).map(str::to_owned);
        self.source_cut = 0;
        self.location = Some(location);
        self
    }

    pub fn suggest(mut self, suggestion: Option<String>) -> Self {
        self.suggestion = suggestion;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The value of a placeholder argument, if given.
    pub fn arg_value(&self, name: &str) -> Option<&str> {
        self.args.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// `path:line:column` (or as much of it as is known).
    pub fn position(&self) -> String {
        let mut out = self.file.clone().unwrap_or_default();
        if let Some(loc) = self.location {
            let _ = write!(out, ":{}:{}", loc.line, loc.column);
        }
        out
    }

    /// The message in the catalog's language.
    pub fn message(&self, catalog: &Catalog) -> String {
        self.text(catalog, "message")
            .unwrap_or_else(|| catalog.format(&format!("diag.{}.message", self.code), &self.localized_args(catalog)))
    }

    /// What was expected, where the catalog says.
    pub fn expected(&self, catalog: &Catalog) -> Option<String> {
        self.text(catalog, "expected")
    }

    /// How to fix it, where the catalog says.
    pub fn hint(&self, catalog: &Catalog) -> Option<String> {
        self.text(catalog, "hint")
    }

    /// The catalog's text `kind` (`message`, `expected`, `hint`) of this code, in its variant's
    /// words where the catalog has them.
    fn text(&self, catalog: &Catalog, kind: &str) -> Option<String> {
        let args = self.localized_args(catalog);
        let variant = self.variant.map(|variant| format!("diag.{}.{kind}_{variant}", self.code));
        variant
            .and_then(|key| catalog.try_format(&key, &args))
            .or_else(|| catalog.try_format(&format!("diag.{}.{kind}", self.code), &args))
    }

    /// Arguments naming a kind of value (`expected_type`, `found`) are words to translate too.
    /// So is a message of Tera's (`detail`) that `render::tera_text` could read: told with the
    /// catalog's `tera.<detail_key>` text, its token words (`identifier`) translated too.
    fn localized_args(&self, catalog: &Catalog) -> Vec<(&'static str, String)> {
        self.args
            .iter()
            .map(|(name, value)| match *name {
                "expected_type" | "found" => {
                    (*name, catalog.try_format(&format!("types.{value}"), &[]).unwrap_or(value.clone()))
                }
                "detail" => (*name, self.tera_detail(catalog).unwrap_or_else(|| value.clone())),
                _ => (*name, value.clone()),
            })
            .collect()
    }

    fn tera_detail(&self, catalog: &Catalog) -> Option<String> {
        let key = self.arg_value("detail_key")?;
        let values: Vec<(&str, String)> = self
            .args
            .iter()
            .filter_map(|(name, value)| {
                let name = name.strip_prefix("tera_")?;
                let word = catalog.try_format(&format!("tera.token.{}", value.replace(' ', "_")), &[]);
                Some((name, word.unwrap_or_else(|| value.clone())))
            })
            .collect();
        catalog.try_format(&format!("tera.{key}"), &values)
    }

    /// The suggestion in its frame, `did you mean "…"?` (`是不是想写“…”？`).
    pub fn did_you_mean(&self, catalog: &Catalog) -> Option<String> {
        self.suggestion.as_deref().map(|s| did_you_mean(catalog, s))
    }

    /// What to do, for reports of a line each (CI annotations): the value meant, what was expected
    /// and how to fix it, each with its label (`是不是想写“…”？`, `期望: …`, `提示: …`).
    pub fn advice(&self, catalog: &Catalog) -> Vec<String> {
        let did_you_mean = self.did_you_mean(catalog);
        let labelled = |label: &str, text: Option<String>| text.map(|text| format!("{}: {text}", catalog.get(label)));
        did_you_mean
            .into_iter()
            .chain(labelled("cli.expected", self.expected(catalog)))
            .chain(labelled("cli.hint", self.hint(catalog)))
            .collect()
    }

    /// One line: `path:line:column: error[code]: message`.
    pub fn one_line(&self, catalog: &Catalog) -> String {
        let severity = catalog.get(match self.severity {
            Severity::Error => "cli.error",
            Severity::Warning => "cli.warning",
        });
        let position = self.position();
        let message = self.message(catalog);
        if position.is_empty() {
            format!("{severity}[{}]: {message}", self.code)
        } else {
            format!("{position}: {severity}[{}]: {message}", self.code)
        }
    }

    /// The full report: position, source line with the value underlined, expectation and hint.
    pub fn render(&self, catalog: &Catalog, color: bool) -> String {
        let level = match self.severity {
            Severity::Error => Level::ERROR.with_name(catalog.get("cli.error")),
            Severity::Warning => Level::WARNING.with_name(catalog.get("cli.warning")),
        };
        let message = self.message(catalog);
        let did_you_mean = self.did_you_mean(catalog);
        let title = level.primary_title(message.as_str()).id(self.code);
        let position = self.position();
        let mut group = match (&self.source_line, self.location) {
            (Some(line), Some(loc)) => {
                // In a long line's part, the column counts from its `…`.
                let column = (loc.column - 1).saturating_sub(self.source_cut) + usize::from(self.source_cut > 0);
                let start = line.char_indices().nth(column).map_or(line.len(), |(i, _)| i);
                let end = line[start..].char_indices().nth(loc.len).map_or(line.len(), |(i, _)| start + i);
                let mut annotation = AnnotationKind::Primary.span(start..end.max(start));
                if let Some(text) = &did_you_mean {
                    annotation = annotation.label(text.as_str());
                }
                let path = self.file.as_deref().unwrap_or("");
                let snippet = Snippet::source(line.as_str()).line_start(loc.line).annotation(annotation);
                if self.source_cut == 0 {
                    Group::with_title(title).element(snippet.path(path))
                } else {
                    // The position said apart: the renderer would count the column from the part's start.
                    Group::with_title(title)
                        .element(annotate_snippets::Origin::path(position.as_str()))
                        .element(snippet)
                }
            }
            _ if !position.is_empty() => {
                Group::with_title(title).element(annotate_snippets::Origin::path(position.as_str()))
            }
            _ => Group::with_title(title),
        };
        let expected = self.expected(catalog);
        if let Some(expected) = &expected {
            group = group.element(Level::NOTE.with_name(catalog.get("cli.expected")).message(expected.as_str()));
        }
        let hint = self.hint(catalog);
        if let Some(hint) = &hint {
            group = group.element(Level::HELP.with_name(catalog.get("cli.hint")).message(hint.as_str()));
        }
        if self.source_line.is_none()
            && let Some(text) = &did_you_mean
        {
            group = group.element(Level::HELP.message(text.as_str()));
        }
        let report = [group];
        let renderer = if color { Renderer::styled() } else { Renderer::plain() };
        renderer.render(&report)
    }
}

/// `suggestion` in the frame `did you mean "…"?` (`是不是想写“…”？`); one that holds quotes of its
/// own (the line of a slip in the YAML: `title: "收费站“党员服务台”"`) would run into the frame's, so
/// it goes between backticks, or after a colon where it holds a backtick too.
pub fn did_you_mean(catalog: &Catalog, suggestion: &str) -> String {
    let key = if !suggestion.contains(['"', '“', '”']) {
        "diag.did_you_mean"
    } else if !suggestion.contains('`') {
        "diag.did_you_mean_code"
    } else {
        "diag.did_you_mean_line"
    };
    catalog.format(key, &[("suggestion", suggestion.to_owned())])
}

/// Sorts diagnostics by file, position and severity, so reports are stable from run to run.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (&a.file, a.location, std::cmp::Reverse(a.severity), a.code).cmp(&(
            &b.file,
            b.location,
            std::cmp::Reverse(b.severity),
            b.code,
        ))
    });
}

pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}

/// The closest candidate to `value` ("did you mean"): a candidate whose label is exactly the
/// value (an editor wrote `已命名` where the id `named` belongs), else the closest id by edit
/// distance, else the one candidate whose label holds the value (`创新`).
pub fn closest<'a>(value: &str, candidates: impl IntoIterator<Item = (&'a str, Vec<&'a str>)>) -> Option<String> {
    let value = value.trim();
    let lowered = value.to_lowercase();
    let mut best: Option<(f64, &str)> = None;
    // The ids whose label holds the value (`创新` in 改革创新示范力强): the suggestion when it is one.
    let mut holding = Vec::new();
    for (id, labels) in candidates {
        if labels.iter().any(|label| label.trim() == value) || id.to_lowercase() == lowered {
            return Some(id.to_owned());
        }
        let score = strsim::jaro_winkler(&lowered, &id.to_lowercase());
        if score >= 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, id));
        }
        if value.chars().nth(1).is_some() && labels.iter().any(|label| label.contains(value)) {
            holding.push(id);
        }
    }
    match (best, holding.as_slice()) {
        (Some((_, id)), _) | (None, &[id]) => Some(id.to_owned()),
        _ => None,
    }
}

/// [`closest`] among names that have no labels (fields, settings, a setting's values).
pub fn closest_name(value: &str, names: &[&str]) -> Option<String> {
    closest(value, names.iter().map(|name| (*name, Vec::new())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_counts_characters_not_bytes() {
        let text = "title: 示范\nstatus: nmed\n";
        let offset = text.find("nmed").unwrap();
        assert_eq!(Location::of_offset(text, offset, 4), Location::new(2, 9, 4));
        let offset = text.find('范').unwrap();
        assert_eq!(Location::of_offset(text, offset, 3), Location::new(1, 9, 1));
    }

    #[test]
    fn lines_place_as_of_offset_does_in_any_order() {
        let text = "---\r\ntitle: 示范\n\n正文[甲](a.md)，再[乙](b.md)。\n末行";
        let lines = Lines::new(text);
        let offsets: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
        for &offset in offsets.iter().chain(offsets.iter().rev()) {
            assert_eq!(lines.location(offset, 3), Location::of_offset(text, offset, 3), "at {offset}");
        }
        let placed = lines.place(Diagnostic::error("x"), text.find("[乙]").unwrap(), 10);
        assert_eq!(placed.source_line.as_deref(), line_of(text, 4));
        assert_eq!(lines.place(Diagnostic::error("x"), 0, 3).source_line.as_deref(), Some("---"));
    }

    /// Thousands of diagnostics on one long line each keep the part of it around their place, and
    /// the report shows the place's true column (each kept the whole line: 20,000 broken links on
    /// a 240 KB line took gigabytes).
    #[test]
    fn a_long_line_is_kept_around_the_place() {
        let text = format!("正文\n{}\n", "图![甲](no.png)".repeat(20_000));
        let lines = Lines::new(&text);
        let mut kept = 0;
        let mut last = None;
        for (i, (offset, _)) in text.match_indices("![").enumerate() {
            let placed = lines.place(Diagnostic::error("missing_image").file("content/a.md"), offset, 14);
            let shown = placed.source_line.clone().unwrap();
            kept += shown.len();
            assert!(shown.contains("![甲](no.png)") && shown.len() <= SHOWN_LINE_MAX, "{shown}");
            assert_eq!(placed.location, Some(Location::new(2, 2 + 13 * i, 12)));
            last = Some(placed);
        }
        assert!(kept < 20_000 * SHOWN_LINE_MAX / 2, "{kept} bytes kept");
        let report = last.unwrap().render(&Catalog::default(), false);
        assert!(report.contains("content/a.md:2:259989"), "{report}");
        // The last image ends the line: underlined there, in display columns (`甲` takes two).
        let width = |line: &str| line.chars().map(|c| if c > '\u{1100}' { 2 } else { 1 }).sum::<usize>();
        let shown = report.lines().find(|l| l.starts_with("2 |")).unwrap();
        let underlined = report.lines().find(|l| l.contains('^')).unwrap();
        assert!(shown.ends_with("图![甲](no.png)") && underlined.ends_with(&"^".repeat(13)), "{report}");
        assert_eq!(width(shown), width(underlined), "{report}");
    }

    #[test]
    fn a_variant_has_its_own_texts_where_the_catalog_gives_them() {
        let mut catalog = Catalog::default();
        catalog.merge_yaml("diag:\n  x:\n    message: m {v}\n    hint: h\n    hint_y: hy {v}\n").unwrap();
        let plain = Diagnostic::error("x").arg("v", "1");
        assert_eq!((plain.message(&catalog), plain.hint(&catalog).as_deref()), ("m 1".to_owned(), Some("h")));
        let variant = plain.clone().variant("y");
        assert_eq!((variant.message(&catalog), variant.hint(&catalog).as_deref()), ("m 1".to_owned(), Some("hy 1")));
        assert_eq!(plain.variant("z").hint(&catalog).as_deref(), Some("h"));
    }

    #[test]
    fn closest_finds_typos_and_labels() {
        let ids = || vec![("named", vec!["已命名"]), ("planned", vec!["创建计划"]), ("revoked", vec!["已撤销"])];
        assert_eq!(closest("nmed", ids()).as_deref(), Some("named"));
        assert_eq!(closest("已撤销", ids()).as_deref(), Some("revoked"));
        assert_eq!(closest("Named", ids()).as_deref(), Some("named"));
        assert_eq!(closest("zzzzzz", ids()), None);
        // A part of one label, not of two.
        assert_eq!(closest("撤销", ids()).as_deref(), Some("revoked"));
        assert_eq!(closest("已", ids()), None);
        let both = vec![("a", vec!["创建计划"]), ("b", vec!["创建中"])];
        assert_eq!(closest("创建", both), None);
    }
}

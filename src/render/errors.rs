//! Template errors as diagnostics: each placed in the template's own file (the site's
//! `templates/…` or the theme's), at the line and column of the theme's text, in the reader's
//! language.
//!
//! Tera reports its errors in three shapes. A located report (`SyntaxError`, `RenderingError`)
//! has a file, a span and a message. The checks made when templates are added (unknown filters,
//! tests, functions, components, included templates, blocks no parent defines) come as one
//! message holding every report already formatted (`error: …\n --> name:line:col …`), which is
//! read back here into one diagnostic each. Inheritance and include errors (`MissingParent`,
//! `CircularExtend`, `CircularInclude`, `TemplateNotFound`) carry only names: they are placed at
//! the `extends`/`include` tag that names the template, found in the template's text.
//!
//! The text Tera compiled may have interface strings folded in ([`super::fold`]): columns of
//! what Tera saw are put back on the file's text with [`Folded::original_col`].

use super::cards;
use super::fold::{self, Folded};
use super::tera_text;
use super::theme::Template;
use crate::diagnostics::{Diagnostic, Location, closest_name};

/// The filters the renderer registers besides Tera's (`fill`).
const FILTERS: &[&str] = &["fill"];
/// Tera 2.4's built-in filters (its `register_builtin_filters`), for "did you mean".
const TERA_FILTERS: &[&str] = &[
    "safe",
    "default",
    "upper",
    "lower",
    "wordcount",
    "escape",
    "escape_html",
    "escape_xml",
    "newlines_to_br",
    "pluralize",
    "trim",
    "trim_start",
    "trim_end",
    "replace",
    "capitalize",
    "title",
    "truncate",
    "indent",
    "str",
    "int",
    "float",
    "length",
    "reverse",
    "split",
    "abs",
    "round",
    "first",
    "last",
    "nth",
    "join",
    "sort",
    "unique",
    "get",
    "values",
    "keys",
    "pairs",
    "group_by",
];
/// Tera 2.4's built-in tests (its `register_builtin_tests`).
const TERA_TESTS: &[&str] = &[
    "string",
    "number",
    "map",
    "bool",
    "array",
    "integer",
    "float",
    "none",
    "iterable",
    "defined",
    "undefined",
    "odd",
    "even",
    "divisible_by",
    "starting_with",
    "ending_with",
    "containing",
];
/// Tera 2.4's built-in functions (its `register_builtin_functions`, and `super`).
const TERA_FUNCTIONS: &[&str] = &["range", "throw", "super"];

/// The templates as read (names, files, text) and as Tera compiled them.
pub(super) struct Sources<'a> {
    pub templates: &'a [Template],
    /// Per template, its text with the strings folded in; empty when nothing was folded.
    pub folded: &'a [Folded],
}

impl Sources<'_> {
    fn index(&self, name: &str) -> Option<usize> {
        self.templates.iter().position(|t| t.name == name)
    }

    fn template(&self, name: &str) -> Option<&Template> {
        self.templates.iter().find(|t| t.name == name)
    }

    /// The 1-based column in the file of the 0-based column `col` of `line` in what Tera saw.
    fn column(&self, name: &str, line: usize, col: usize) -> usize {
        let index = self.index(name);
        index.and_then(|i| self.folded.get(i)).map_or(col, |f| f.original_col(line, col)) + 1
    }

    /// `diagnostic` placed in template `name`'s file at `location` (in the file's text).
    fn place(&self, diagnostic: Diagnostic, name: &str, location: Location) -> Diagnostic {
        match self.template(name) {
            Some(template) => diagnostic.file(template.origin.clone()).at(&template.text, location),
            None => diagnostic,
        }
    }

    /// `diagnostic` placed at the name `name` in the first `keyword` tag (`extends`, `include`)
    /// of template `in_template` that names it (any such tag when `name` is `None`), or in the
    /// template's file alone when none is found.
    fn place_at_tag(&self, diagnostic: Diagnostic, in_template: &str, keyword: &str, name: Option<&str>) -> Diagnostic {
        let Some(template) = self.template(in_template) else { return diagnostic };
        match tag_naming(&template.text, keyword, name) {
            Some((offset, len)) => {
                self.place(diagnostic, in_template, Location::of_offset(&template.text, offset, len))
            }
            None => diagnostic.file(template.origin.clone()),
        }
    }

    fn template_names(&self) -> Vec<&str> {
        self.templates.iter().map(|t| t.name.as_str()).collect()
    }

    /// The names a template defines with `keyword` (`component`, `block`), in every template.
    fn defined(&self, keyword: &str) -> Vec<&str> {
        let mut names: Vec<&str> = (self.templates.iter())
            .flat_map(|t| block_tags(&t.text))
            .filter_map(|(_, inner)| {
                let rest = inner.strip_prefix(keyword)?;
                let name = first_word(rest.trim_start());
                (rest.starts_with(char::is_whitespace) && !name.is_empty()).then_some(name)
            })
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

/// `err` as diagnostics: one for each report it holds. `page` is the template being rendered,
/// named by an error that has no place of its own (`None` while the templates are added).
pub(super) fn diagnostics(err: &tera::Error, sources: &Sources<'_>, page: Option<&str>) -> Vec<Diagnostic> {
    match err.kind() {
        tera::ErrorKind::RenderingError(report) if report.message() == cards::CARD_FAILED => {
            match cards::take_failure() {
                // The card template itself is missing: the place is the call that draws it.
                Some(inner) if matches!(inner.kind(), tera::ErrorKind::TemplateNotFound(_)) => {
                    let d = Diagnostic::error("template_not_found")
                        .variant("card")
                        .arg("template", report.filename().to_owned())
                        .arg("name", cards::CARD_TEMPLATE);
                    vec![located(d, report, sources)]
                }
                Some(inner) => diagnostics(&inner, sources, Some(cards::CARD_TEMPLATE)),
                None => vec![report_diagnostic(report, sources, false)],
            }
        }
        tera::ErrorKind::RenderingError(report) if report.message() == cards::CARD_NOT_A_CASE => {
            let d = Diagnostic::error("template_error").variant("card").arg("template", report.filename().to_owned());
            vec![located(d, report, sources)]
        }
        tera::ErrorKind::RenderingError(report) => vec![report_diagnostic(report, sources, false)],
        tera::ErrorKind::SyntaxError(report) => vec![report_diagnostic(report, sources, true)],
        tera::ErrorKind::Msg(text) => {
            let reports: Vec<Diagnostic> = parse_reports(text).iter().map(|r| parsed_diagnostic(r, sources)).collect();
            if reports.is_empty() { vec![fallback(err, page)] } else { reports }
        }
        tera::ErrorKind::MissingParent { current, parent } => {
            let d = Diagnostic::error("template_not_found")
                .variant("extends")
                .arg("template", current.clone())
                .arg("name", parent.clone())
                .suggest(suggest_template(parent, current, sources));
            vec![sources.place_at_tag(d, current, "extends", Some(parent))]
        }
        tera::ErrorKind::TemplateNotFound(name) => {
            // Whichever template names it in an `include` or `extends` tag.
            let naming = ["include", "extends"].iter().find_map(|keyword| {
                let t = sources.templates.iter().find(|t| tag_naming(&t.text, keyword, Some(name)).is_some())?;
                Some((t.name.as_str(), *keyword))
            });
            let template = naming.map(|(t, _)| t).or(page).unwrap_or_default();
            let d = Diagnostic::error("template_not_found")
                .arg("template", template.to_owned())
                .arg("name", name.clone())
                .suggest(suggest_template(name, template, sources));
            vec![match naming {
                Some((t, keyword)) => sources.place_at_tag(d.variant(keyword), t, keyword, Some(name)),
                None => d,
            }]
        }
        tera::ErrorKind::CircularExtend { tpl, inheritance_chain } => {
            let chain = std::iter::once(tpl.as_str()).chain(inheritance_chain.iter().map(String::as_str));
            let d = Diagnostic::error("template_cycle")
                .variant("extends")
                .arg("template", tpl.clone())
                .arg("chain", chain.collect::<Vec<_>>().join(" → "));
            vec![sources.place_at_tag(d, tpl, "extends", None)]
        }
        tera::ErrorKind::CircularInclude { tpl, include_chain } => {
            // The last template of the chain before the repeated one includes it.
            let (includer, included) = match include_chain.as_slice() {
                [.., includer, included] => (includer.as_str(), included.as_str()),
                _ => (tpl.as_str(), tpl.as_str()),
            };
            let d = Diagnostic::error("template_cycle")
                .variant("include")
                .arg("template", includer.to_owned())
                .arg("chain", include_chain.join(" → "));
            vec![sources.place_at_tag(d, includer, "include", Some(included))]
        }
        _ => vec![fallback(err, page)],
    }
}

/// The diagnostic of an error met rendering `page` (Tera stops at the first).
pub(super) fn diagnostic(err: &tera::Error, sources: &Sources<'_>, page: &str) -> Diagnostic {
    diagnostics(err, sources, Some(page)).into_iter().next().unwrap_or_else(|| fallback(err, Some(page)))
}

/// An error Tera gave no place: named after the template being rendered.
fn fallback(err: &tera::Error, page: Option<&str>) -> Diagnostic {
    let mut detail = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    let d =
        Diagnostic::error("template_error").arg("template", page.unwrap_or_default().to_owned()).arg("detail", detail);
    if page.is_some() { d } else { d.variant("theme") }
}

/// `diagnostic` placed at `report`'s span, its column put back on the file's text.
fn located(diagnostic: Diagnostic, report: &tera::ReportError, sources: &Sources<'_>) -> Diagnostic {
    let span = report.span();
    let col = sources.column(report.filename(), span.start_line, span.start_col);
    sources.place(diagnostic, report.filename(), Location::new(span.start_line, col, span.range.len().max(1)))
}

/// A located report of Tera's, with its own message. A syntax error at the end of the input or
/// at an unknown tag usually means a block tag left open: the hint names it where it is found.
fn report_diagnostic(report: &tera::ReportError, sources: &Sources<'_>, syntax: bool) -> Diagnostic {
    let mut d = tera_text::detail(
        Diagnostic::error("template_error").arg("template", report.filename().to_owned()),
        report.message(),
    );
    if let Some((name, available)) = undefined(report.message()) {
        d = d.suggest(closest_name(name, &available));
    }
    let open_tag = report.message() == "Unexpected end of input" || report.message().starts_with("Unknown tag");
    if syntax
        && open_tag
        && let Some(template) = sources.template(report.filename())
        && let Some((tag, offset)) = unclosed(&template.text)
    {
        let line = Location::of_offset(&template.text, offset, 0).line;
        d = d.variant("unclosed").arg("tag", tag).arg("line", line.to_string());
    }
    located(d, report, sources)
}

/// A `{{ assets["css/corp.cs"] }}` whose key is no static file of the theme, for which Tera says
/// only that a value is undefined: told with the name meant and the names there are (`assets`,
/// the keys of the `assets` map). Any other diagnostic is returned as it is.
pub(super) fn unknown_asset(diagnostic: Diagnostic, assets: &[String]) -> Diagnostic {
    let (Some(line), Some(location)) = (&diagnostic.source_line, diagnostic.location) else { return diagnostic };
    let at: String = line.chars().skip(location.column.saturating_sub(1)).collect();
    let Some(key) = asset_key(&at).map(str::to_owned) else { return diagnostic };
    if assets.contains(&key) {
        return diagnostic;
    }
    let names: Vec<&str> = assets.iter().map(String::as_str).collect();
    let suggestion = closest_name(&key, &names);
    diagnostic.variant("asset").arg("name", key).arg("available", names.join(", ")).suggest(suggestion)
}

/// The key of the `assets["…"]` that `text` starts with, when it is written as a string.
fn asset_key(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("assets")?.trim_start().strip_prefix('[')?.trim_start();
    let quote = rest.chars().next().filter(|c| matches!(c, '"' | '\'' | '`'))?;
    rest[quote.len_utf8()..].split_once(quote).map(|(key, _)| key)
}

/// The name and what there is instead, in Tera's `Variable `x` is not defined. Available
/// variables: a, b` (or `Field …`, `fields`).
fn undefined(message: &str) -> Option<(&str, Vec<&str>)> {
    let undefined = tera_text::undefined(message)?;
    Some((undefined.name, undefined.available?.split(", ").collect()))
}

/// One report of a message Tera made of formatted reports.
#[derive(Debug, PartialEq)]
struct Parsed<'a> {
    message: &'a str,
    template: &'a str,
    line: usize,
    /// 1-based, in what Tera saw.
    column: usize,
    /// How many characters Tera underlined.
    len: usize,
}

/// The reports in `text`: each `error: MESSAGE` line followed by ` --> NAME:LINE:COLUMN`, the
/// source line and its underline (Tera's `generate_report`).
fn parse_reports(text: &str) -> Vec<Parsed<'_>> {
    let lines: Vec<&str> = text.lines().collect();
    let mut reports = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(message) = line.strip_prefix("error: ") else { continue };
        let Some(at) = lines.get(i + 1).and_then(|l| l.trim_start().strip_prefix("--> ")) else { continue };
        let mut parts = at.rsplitn(3, ':');
        let (Some(column), Some(number), Some(template)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let (Ok(column), Ok(number)) = (column.parse::<usize>(), number.parse::<usize>()) else { continue };
        // ` |`, `5 | source`, `  |   ^^^^`.
        let len = lines
            .get(i + 4)
            .and_then(|l| l.split_once('|'))
            .map(|(_, marks)| marks.trim())
            .filter(|marks| !marks.is_empty() && marks.chars().all(|c| c == '^'))
            .map_or(1, |marks| marks.chars().count());
        reports.push(Parsed { message, template, line: number, column: column.max(1), len });
    }
    reports
}

/// What a parsed report says is unknown: (variant, name) for `Unknown filter `x`` and the like,
/// and for `Block `x` is not defined in any parent template`.
fn unknown(message: &str) -> Option<(&'static str, &str)> {
    if let Some(rest) = message.strip_prefix("Block `") {
        let (name, _) = rest.split_once("` is not defined in any parent template")?;
        return Some(("block", name));
    }
    let (kind, name) = message.strip_prefix("Unknown ")?.split_once(' ')?;
    let name = name.strip_prefix('`')?.strip_suffix('`')?;
    let variant = ["filter", "test", "function", "component", "template"].into_iter().find(|v| *v == kind)?;
    Some((variant, name))
}

fn parsed_diagnostic(report: &Parsed<'_>, sources: &Sources<'_>) -> Diagnostic {
    let d = match unknown(report.message) {
        Some((variant, name)) => {
            let candidates: Vec<&str> = match variant {
                "filter" => TERA_FILTERS.iter().chain(FILTERS).copied().collect(),
                "test" => TERA_TESTS.to_vec(),
                "function" => TERA_FUNCTIONS.iter().chain(cards::FUNCTIONS).copied().collect(),
                "component" => sources.defined("component"),
                "block" => sources.defined("block"),
                _ => sources.template_names().into_iter().filter(|t| *t != report.template).collect(),
            };
            // A block is unknown where it is defined: not its own suggestion.
            let candidates: Vec<&str> = candidates.into_iter().filter(|c| *c != name).collect();
            Diagnostic::error("template_unknown")
                .variant(variant)
                .arg("template", report.template.to_owned())
                .arg("name", name.to_owned())
                .suggest(closest_name(name, &candidates))
        }
        None => tera_text::detail(
            Diagnostic::error("template_error").arg("template", report.template.to_owned()),
            report.message,
        ),
    };
    let column = sources.column(report.template, report.line, report.column - 1);
    sources.place(d, report.template, Location::new(report.line, column, report.len))
}

/// The interface strings the templates name that the theme and site do not have (see
/// [`super::fold::unknown_strings`]), each at its place with the closest one there is.
pub(super) fn unknown_strings(templates: &[Template], strings: &serde_json::Value) -> Vec<Diagnostic> {
    // The names there are, for the suggestions: listed only when a name is unknown.
    let paths = std::cell::OnceCell::new();
    let mut found = Vec::new();
    for template in templates {
        for (offset, len, path) in fold::unknown_strings(&template.text, strings) {
            let paths = paths.get_or_init(|| {
                let mut paths = Vec::new();
                string_paths(strings, "", &mut paths);
                paths
            });
            let names: Vec<&str> = paths.iter().map(String::as_str).collect();
            let suggestion = closest_name(&path, &names).map(|p| format!("t.{p}"));
            let diagnostic = Diagnostic::error("template_unknown")
                .variant("string")
                .arg("template", template.name.clone())
                .arg("name", format!("t.{path}"))
                .suggest(suggestion)
                .file(template.origin.clone());
            found.push(diagnostic.at(&template.text, Location::of_offset(&template.text, offset, len)));
        }
    }
    found
}

/// The dotted paths of every string in `value` (`nav.home`).
fn string_paths(value: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
    if let Some(map) = value.as_object() {
        for (key, value) in map {
            let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
            string_paths(value, &path, out);
            out.push(path);
        }
    }
}

/// The closest template name to `name` other than `besides`.
fn suggest_template(name: &str, besides: &str, sources: &Sources<'_>) -> Option<String> {
    let names: Vec<&str> = sources.template_names().into_iter().filter(|t| *t != besides).collect();
    closest_name(name, &names)
}

fn first_word(text: &str) -> &str {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or_default()
}

/// The block tags (`{% … %}`) of a template outside comments and raw blocks (see [`fold::tags`]):
/// where each starts (its `{%`) and its text without delimiters, whitespace control and
/// surrounding spaces.
fn block_tags(text: &str) -> Vec<(usize, &str)> {
    fold::tags(text).into_iter().filter(|tag| tag.block).map(|tag| (tag.start, tag.trimmed())).collect()
}

/// The byte offset and length of the name in the first `keyword` tag of `text` naming `name`
/// in quotes (any name when `None`).
fn tag_naming(text: &str, keyword: &str, name: Option<&str>) -> Option<(usize, usize)> {
    block_tags(text).into_iter().find_map(|(start, inner)| {
        let rest = inner.strip_prefix(keyword)?;
        if !rest.starts_with(char::is_whitespace) {
            return None;
        }
        let quoted = rest.trim_start();
        let quote = quoted.chars().next().filter(|c| matches!(c, '"' | '\'' | '`'))?;
        let named = quoted[1..].split(quote).next()?;
        if name.is_some_and(|name| name != named) {
            return None;
        }
        // The name inside the tag's text, found from the tag's start.
        let within = text[start..].find(quoted)? + 1;
        Some((start + within, named.len()))
    })
}

/// The block tag of `text` left open, if one is (the innermost when several are), as its
/// keyword and the offset of its `{%`: one still open at the end, or the one open when another
/// tag's `end…` comes.
fn unclosed(text: &str) -> Option<(&'static str, usize)> {
    const OPENERS: &[&str] = &["block", "for", "if", "macro", "filter", "component", "set"];
    let mut open: Vec<(&'static str, usize)> = Vec::new();
    for (at, inner) in block_tags(text) {
        let word = first_word(inner);
        // `{% set x %}…{% endset %}` captures; `{% set x = … %}` does not.
        let word = if word == "set_global" { "set" } else { word };
        if let Some(&opener) = OPENERS.iter().find(|o| **o == word) {
            if opener != "set" || !inner.contains('=') {
                open.push((opener, at));
            }
        } else if let Some(kind) = word.strip_prefix("end") {
            match open.last() {
                Some(&(top, _)) if top == kind => {
                    open.pop();
                }
                Some(&top) => return Some(top),
                None => {}
            }
        }
    }
    open.last().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(name: &str, text: &str) -> Template {
        Template { name: name.to_owned(), origin: format!("templates/{name}"), text: text.to_owned() }
    }

    /// The diagnostics of adding `templates` to a Tera with the renderer's functions and filters.
    fn added(templates: &[Template], folded: &[Folded]) -> Vec<Diagnostic> {
        let mut tera = tera::Tera::new();
        std::sync::Arc::new(cards::Cards::default()).register(&mut tera);
        tera.register_filter("fill", |s: &str, _: tera::Kwargs, _: &tera::State| s.to_owned());
        let text = |i: usize| folded.get(i).map_or(templates[i].text.as_str(), |f| f.text.as_str());
        let err = tera
            .add_raw_templates(templates.iter().enumerate().map(|(i, t)| (t.name.as_str(), text(i))))
            .expect_err("fails");
        diagnostics(&err, &Sources { templates, folded }, None)
    }

    fn at(d: &Diagnostic) -> (Option<&str>, Option<(usize, usize)>) {
        (d.file.as_deref(), d.location.map(|l| (l.line, l.column)))
    }

    #[test]
    fn every_unknown_name_is_its_own_diagnostic_at_its_place() {
        let templates = [
            template("index.html", "<p>\n{{ x | upperr }}\n{% if x is evn %}{% endif %}{{ case_crd(card=x) }}</p>"),
            template("base.html", "{% include \"partials/cardd.html\" %}{% block main %}{% endblock %}"),
            template("partials/card.html", "{% extends \"base.html\" %}{% block mian %}{% endblock %}"),
        ];
        let found = added(&templates, &[]);
        let summary: Vec<_> =
            found.iter().map(|d| (d.code, d.variant, d.arg_value("name"), d.suggestion.as_deref(), at(d))).collect();
        assert_eq!(
            summary,
            [
                (
                    "template_unknown",
                    Some("template"),
                    Some("partials/cardd.html"),
                    Some("partials/card.html"),
                    (Some("templates/base.html"), Some((1, 12)))
                ),
                (
                    "template_unknown",
                    Some("filter"),
                    Some("upperr"),
                    Some("upper"),
                    (Some("templates/index.html"), Some((2, 8)))
                ),
                (
                    "template_unknown",
                    Some("test"),
                    Some("evn"),
                    Some("even"),
                    (Some("templates/index.html"), Some((3, 12)))
                ),
                (
                    "template_unknown",
                    Some("function"),
                    Some("case_crd"),
                    Some("case_card"),
                    (Some("templates/index.html"), Some((3, 32)))
                ),
                (
                    "template_unknown",
                    Some("block"),
                    Some("mian"),
                    Some("main"),
                    (Some("templates/partials/card.html"), Some((1, 35)))
                ),
            ],
            "{found:#?}"
        );
        assert_eq!(found[1].source_line.as_deref(), Some("{{ x | upperr }}"));
    }

    #[test]
    fn a_column_after_a_folded_string_is_the_files() {
        let text = "{{ t.nav.home }} {{ x | upperr }}";
        let templates = [template("index.html", text)];
        let folded =
            fold::fold_strings([("index.html", text)], &serde_json::json!({"nav": {"home": "首页"}})).expect("folds");
        assert_eq!(folded[0].text, "首页 {{ x | upperr }}");
        let found = added(&templates, &folded);
        assert_eq!(at(&found[0]), (Some("templates/index.html"), Some((1, 25))), "{found:#?}");
    }

    #[test]
    fn a_missing_or_circular_parent_is_placed_at_its_tag() {
        let found = added(
            &[
                template("base.html", "<main></main>"),
                template("index.html", "{# x #}\n  {% extends \"basee.html\" %}"),
            ],
            &[],
        );
        let d = &found[0];
        assert_eq!(
            (d.code, d.variant, d.suggestion.as_deref()),
            ("template_not_found", Some("extends"), Some("base.html"))
        );
        assert_eq!(at(d), (Some("templates/index.html"), Some((2, 15))));
        assert_eq!(d.location.map(|l| l.len), Some("basee.html".len()));

        let found = added(
            &[template("a.html", "{% extends \"b.html\" %}"), template("b.html", "{%- extends 'a.html' -%}")],
            &[],
        );
        let d = &found[0];
        assert_eq!((d.code, d.variant), ("template_cycle", Some("extends")));
        assert_eq!(d.arg_value("chain"), Some("a.html → b.html → a.html"));
        assert_eq!(at(d), (Some("templates/a.html"), Some((1, 13))));

        let found = added(
            &[template("a.html", "{% include \"b.html\" %}"), template("b.html", "x\n{% include \"a.html\" %}")],
            &[],
        );
        let d = &found[0];
        assert_eq!((d.code, d.variant), ("template_cycle", Some("include")));
        assert_eq!(d.arg_value("chain"), Some("a.html → b.html → a.html"));
        assert_eq!(at(d), (Some("templates/b.html"), Some((2, 13))));
    }

    #[test]
    fn an_error_without_a_place_names_the_page_being_rendered() {
        let err = tera::Error::message("boom");
        let d = &diagnostics(&err, &Sources { templates: &[], folded: &[] }, Some("case.html"))[0];
        assert_eq!((d.code, d.arg_value("template"), d.variant), ("template_error", Some("case.html"), None));
        let d = &diagnostics(&err, &Sources { templates: &[], folded: &[] }, None)[0];
        assert_eq!(d.variant, Some("theme"));
    }

    #[test]
    fn an_undefined_name_is_told_the_closest_one_there_is() {
        let (name, available) = undefined("Field `slugg` is not defined. Available fields: path, slug, title").unwrap();
        assert_eq!((name, closest_name(name, &available).as_deref()), ("slugg", Some("slug")));
        assert_eq!(undefined("Variable `x` is not defined.").map(|(n, _)| n), None);
    }

    /// `assets["style.cs"]`: the static file meant and those there are, not Tera's "undefined".
    #[test]
    fn an_unknown_asset_is_told_with_the_files_there_are() {
        let assets = vec!["print.css".to_owned(), "style.css".to_owned()];
        let line = "<link href=\"{{ root }}{{ assets[\"style.cs\"] }}\">";
        let column = line.find("assets").unwrap() + 1;
        let undefined = Diagnostic::error("template_error")
            .arg("template", "404.html")
            .arg("detail", "Tried to render a variable that is undefined")
            .at(line, Location::new(1, column, 17));
        let d = unknown_asset(undefined.clone(), &assets);
        assert_eq!(
            (d.variant, d.arg_value("name"), d.arg_value("available"), d.suggestion.as_deref()),
            (Some("asset"), Some("style.cs"), Some("print.css, style.css"), Some("style.css"))
        );
        // A key that is there, one not written as a string, or another value: left as they are.
        for other in ["{{ assets['style.css'] }}", "{{ assets[name] }}", "{{ asset }}"] {
            let column = other.find("asset").unwrap() + 1;
            let d = undefined.clone().at(other, Location::new(1, column, 5));
            assert_eq!(unknown_asset(d.clone(), &assets), d, "{other}");
        }
        assert_eq!(asset_key("assets [ `js/a.js` ]"), Some("js/a.js"));
    }

    #[test]
    fn the_tag_left_open_is_found() {
        assert_eq!(unclosed("{% block a %}{% if x %}{% endif %}"), Some(("block", 0)));
        assert_eq!(unclosed("{% block a %}\n{% if x %}{% endblock %}"), Some(("if", 14)));
        assert_eq!(unclosed("{% for x in y %}{% set z = 1 %}{% endfor %}{% set c %}{% endset %}"), None);
        assert_eq!(unclosed("{% raw %}{% if %}{% endraw %}{# {% if %} #}{{ \"{% if\" }}"), None);
        assert_eq!(unclosed("{%- if x -%}\n{% else %}"), Some(("if", 0)));
    }

    #[test]
    fn an_unclosed_tag_is_named_in_the_hint() {
        let templates = [template("index.html", "<p>\n{% block main %}\n{% if x %}\n{% endblock main %}\n")];
        let mut tera = tera::Tera::new();
        let err = tera.add_raw_templates([("index.html", templates[0].text.as_str())]).expect_err("fails");
        let d = &diagnostics(&err, &Sources { templates: &templates, folded: &[] }, None)[0];
        assert_eq!((d.code, d.variant), ("template_error", Some("unclosed")), "{d:#?}");
        assert_eq!((d.arg_value("tag"), d.arg_value("line")), (Some("if"), Some("3")));
    }

    #[test]
    fn reports_are_read_back_from_teras_text() {
        let text = "error: Unknown filter `upperr`\n --> index.html:5:21\n  |\n5 | {{ x | upperr }}\n  |        ^^^^^^\n\n\
                    error: Unknown test `x`\n  --> a/b.html:12:3\n   |\n12 | …\n   |   ^";
        assert_eq!(
            parse_reports(text),
            [
                Parsed { message: "Unknown filter `upperr`", template: "index.html", line: 5, column: 21, len: 6 },
                Parsed { message: "Unknown test `x`", template: "a/b.html", line: 12, column: 3, len: 1 },
            ]
        );
        assert_eq!(parse_reports("error: nothing after"), []);
    }
}

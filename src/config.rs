//! The site configuration (`exemplar.yaml`) and its framework: indicator groups and indicators,
//! dimensions, actions, statuses and taxonomies. Nothing of any particular framework lives in the
//! code: the sample site's model is only the sample configuration.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, Location};

pub const CONFIG_FILE: &str = "exemplar.yaml";

/// The browse pages a site may ask for, each grouping cases by one property.
pub const TAXONOMY_KINDS: [&str; 9] =
    ["enterprise", "indicator", "dimension", "action", "status", "year", "tag", "region", "unit"];

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Absolute URL of the published portal, used where a full URL is needed (feed, sitemap).
    #[serde(default = "default_base_url")]
    pub base_url: String,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default = "default_theme")]
    pub theme: String,
    #[serde(default = "default_paginate_by")]
    pub paginate_by: usize,
    /// What happens to raw HTML in case bodies.
    #[serde(default)]
    pub raw_html: RawHtmlPolicy,
    pub framework: Framework,
    #[serde(default = "default_taxonomies")]
    pub taxonomies: Vec<String>,
    /// The case file in the git web UI: `{path}` becomes the file's path in the repository
    /// (`https://git.example/org/site/src/branch/main/{path}`). Optional.
    #[serde(default)]
    pub source_url: Option<String>,
    /// How photos are resized and re-encoded (`widths`, `quality`, `sizes`, `resize`).
    #[serde(default)]
    pub images: crate::images::Settings,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RawHtmlPolicy {
    /// Keep safe markup (tables, images, details …), drop scripts, event handlers and unsafe URLs.
    #[default]
    Sanitize,
    /// Show raw HTML as text.
    Escape,
    /// Pass raw HTML through untouched: only for sites that trust every editor.
    Trust,
}

fn default_base_url() -> String {
    "/".to_owned()
}
fn default_language() -> String {
    "zh-CN".to_owned()
}
fn default_theme() -> String {
    "default".to_owned()
}
fn default_paginate_by() -> usize {
    12
}
fn default_taxonomies() -> Vec<String> {
    TAXONOMY_KINDS[..7].iter().map(|s| (*s).to_owned()).collect()
}

/// A label in several languages: `{zh-CN: 组织建设, en: Organisation building}` or a plain string.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Label {
    Plain(String),
    Translated(BTreeMap<String, String>),
}

impl Label {
    /// The label in `language`, falling back to Chinese, then to any language given.
    pub fn get(&self, language: &str) -> &str {
        match self {
            Label::Plain(s) => s,
            Label::Translated(map) => {
                let short = language.split('-').next().unwrap_or(language);
                map.get(language)
                    .or_else(|| map.get(short))
                    .or_else(|| map.get("zh-CN"))
                    .or_else(|| map.get("zh"))
                    .or_else(|| map.values().next())
                    .map_or("", String::as_str)
            }
        }
    }

    /// Every translation, for matching an editor who wrote a label where an id belongs.
    pub fn all(&self) -> Vec<&str> {
        match self {
            Label::Plain(s) => vec![s.as_str()],
            Label::Translated(map) => map.values().map(String::as_str).collect(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    pub indicator_groups: Vec<IndicatorGroup>,
    pub dimensions: Vec<Term>,
    pub actions: Vec<Term>,
    /// In lifecycle order.
    pub statuses: Vec<Status>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorGroup {
    pub id: String,
    pub label: Label,
    pub indicators: Vec<Indicator>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub id: String,
    pub label: Label,
    #[serde(default)]
    pub min: f64,
    #[serde(default = "default_max")]
    pub max: f64,
    #[serde(default)]
    pub threshold: Option<f64>,
    #[serde(default = "default_weight")]
    pub weight: f64,
}

fn default_max() -> f64 {
    100.0
}
fn default_weight() -> f64 {
    1.0
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    pub id: String,
    pub label: Label,
    #[serde(default)]
    pub description: Option<Label>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Status {
    pub id: String,
    pub label: Label,
    #[serde(default)]
    pub description: Option<Label>,
    /// A revoked title: the case needs a reason, and is left out of rankings and the home page.
    #[serde(default)]
    pub revoked: bool,
}

impl Framework {
    pub fn indicators(&self) -> impl Iterator<Item = (&IndicatorGroup, &Indicator)> {
        self.indicator_groups.iter().flat_map(|g| g.indicators.iter().map(move |i| (g, i)))
    }

    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators().map(|(_, i)| i).find(|i| i.id == id)
    }

    pub fn status(&self, id: &str) -> Option<&Status> {
        self.statuses.iter().find(|s| s.id == id)
    }

    pub fn status_rank(&self, id: &str) -> Option<usize> {
        self.statuses.iter().position(|s| s.id == id)
    }
}

/// Loads and checks `exemplar.yaml` in `site_dir`.
pub fn load(site_dir: &Path) -> Result<Config, Vec<Diagnostic>> {
    let path = site_dir.join(CONFIG_FILE);
    let text = match std::fs::read(&path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => return Err(vec![Diagnostic::error("config_not_utf8").file(CONFIG_FILE)]),
        },
        // The system's own words only where they tell more than "not there" (permissions, say).
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(vec![Diagnostic::error("config_missing").arg("dir", site_dir.display().to_string())]);
        }
        Err(err) => {
            return Err(vec![Diagnostic::error("config_unreadable").file(CONFIG_FILE).arg("detail", err.to_string())]);
        }
    };
    // Lone CRs (old Mac line ends) break lines for serde_yaml: for positions too.
    let text = crate::content::load::lf_only(text);
    // A control character in the site's title or a label would make feed.xml invalid: refused at
    // its place (the configuration is edited seldom, and a case's are removed with a warning).
    if let Some((at, c)) = crate::content::load::first_stray(&text) {
        let d = Diagnostic::error("control_character")
            .variant("config")
            .file(CONFIG_FILE)
            .arg("char", format!("U+{:04X}", u32::from(c)))
            .arg("total", text.chars().filter(|&c| crate::content::load::is_stray_control(c)).count().to_string());
        return Err(vec![crate::diagnostics::Lines::new(&text).place(d, at, c.len_utf8())]);
    }
    let config = parse(&text)?;
    match missing_theme(site_dir, &config.theme) {
        Some(problem) => {
            let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
            Err(vec![at_setting(problem.file(CONFIG_FILE), text, "theme")])
        }
        None => Ok(config),
    }
}

/// Whether a theme's name is a plain folder name, as a theme is a folder under `themes/`: not
/// empty, no path (`/`, `\`, a drive's `:`), not hidden nor `.` or `..`, no control character.
pub fn is_theme_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.chars().any(|c| matches!(c, '/' | '\\' | ':') || c.is_control())
}

/// The themes a site may name: the folders under its `themes/` with a plain name, and `default`,
/// which is built in; sorted.
pub fn available_themes(site_dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(site_dir.join("themes"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().is_dir())
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|name| is_theme_name(name))
                .collect()
        })
        .unwrap_or_default();
    names.push("default".to_owned());
    names.sort();
    names.dedup();
    names
}

/// The error for a theme (a plain name) that is neither a folder under `themes/` nor the built-in
/// `default`: with the closest name there is and the list of them. Not yet placed in a file.
pub fn missing_theme(site_dir: &Path, name: &str) -> Option<Diagnostic> {
    if name == "default" || site_dir.join("themes").join(name).is_dir() {
        return None;
    }
    let available = available_themes(site_dir);
    let names: Vec<&str> = available.iter().map(String::as_str).collect();
    Some(
        Diagnostic::error("theme_missing")
            .arg("theme", name)
            .arg("dir", format!("themes/{name}"))
            .arg("available", names.join(", "))
            .suggest(crate::diagnostics::closest_name(name, &names)),
    )
}

/// `diagnostic` placed at the value of the top-level setting `key` of `text`, when it is written.
fn at_setting(diagnostic: Diagnostic, text: &str, key: &str) -> Diagnostic {
    match top_level_value(text, key) {
        Some((offset, len)) => diagnostic.at(text, Location::of_offset(text, offset, len)),
        None => diagnostic,
    }
}

/// Parses and checks the text of a configuration file.
pub fn parse(text: &str) -> Result<Config, Vec<Diagnostic>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    refuse_bombs(text)?;
    let config: Config = serde_yaml::from_str(text).map_err(|err| {
        // A slip such as a full-width colon comes first, in place of the error it explains (serde
        // places an error in a one-line mapping at the mapping's parent: then both are told).
        let slips = crate::content::slips::syntax_slips(text, usize::MAX);
        let mut problems: Vec<Diagnostic> =
            slips.iter().map(|found| found.diagnostic().file(CONFIG_FILE).at(text, found.location(1))).collect();
        if err.location().is_some_and(|loc| crate::content::slips::explain(text, &slips, loc.line())) {
            return problems;
        }
        let message = err.to_string();
        let (mut diagnostic, duplicate) = match serde_problem(&message) {
            Some(problem) => problem,
            None => (Diagnostic::error("config_invalid").arg("detail", message.as_str()), None),
        };
        diagnostic = diagnostic.file(CONFIG_FILE);
        if let Some(loc) = err.location() {
            let loc = match duplicate.and_then(|key| second_key_line(text, key, loc.line(), loc.column())) {
                Some((line, column, len)) => Location::new(line, column, len),
                None => Location::new(loc.line(), loc.column(), 1),
            };
            diagnostic = diagnostic.at(text, loc);
        }
        problems.push(diagnostic);
        problems
    })?;
    let problems = check(&config, text);
    if problems.is_empty() { Ok(config) } else { Err(problems) }
}

/// serde's message about a value of the wrong shape (`unknown field`, `missing field`, `unknown
/// variant`, `invalid type`, `duplicate field`), told in the editor's language with the key's place
/// in the file, what was expected and the value meant; and, for a duplicate, the repeated key.
/// `None` for any other message, which is then shown as serde wrote it.
fn serde_problem(message: &str) -> Option<(Diagnostic, Option<&str>)> {
    // `framework.statuses[1]: unknown field `lable`, expected one of … at line 40 column 7`
    let message = message.rsplit_once(" at line ").map_or(message, |(text, _)| text);
    let (path, what) = match message.split_once(": ") {
        Some((path, what)) if path.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.[]".contains(&b)) => (path, what),
        _ => ("", message),
    };
    let key = |name: &str| if path.is_empty() { name.to_owned() } else { format!("{path}.{name}") };
    let place = || if path.is_empty() { CONFIG_FILE.to_owned() } else { path.to_owned() };
    if let Some((name, rest)) = what.strip_prefix("unknown field ").and_then(first) {
        let allowed = listed(rest);
        let diagnostic = Diagnostic::error("config_unknown_key")
            .arg("key", key(name))
            .arg("allowed", allowed.join(", "))
            .suggest(crate::diagnostics::closest_name(name, &allowed));
        return Some((diagnostic, None));
    }
    if let Some((name, _)) = what.strip_prefix("missing field ").and_then(first) {
        return Some((Diagnostic::error("config_missing_key").arg("key", key(name)), None));
    }
    if let Some((name, _)) = what.strip_prefix("duplicate field ").and_then(first) {
        return Some((Diagnostic::error("config_duplicate_key").arg("key", key(name)), Some(name)));
    }
    if let Some((value, rest)) = what.strip_prefix("unknown variant ").and_then(first) {
        let allowed = listed(rest);
        let diagnostic = Diagnostic::error("config_unknown_value")
            .arg("key", place())
            .arg("value", value)
            .arg("allowed", allowed.join(", "))
            .suggest(crate::diagnostics::closest_name(value, &allowed));
        return Some((diagnostic, None));
    }
    if what.starts_with("data did not match any variant of untagged enum Label") {
        return Some((Diagnostic::error("config_bad_label").arg("key", place()), None));
    }
    let (found, expected) = what
        .strip_prefix("invalid type: ")
        .or_else(|| what.strip_prefix("invalid value: "))?
        .rsplit_once(", expected ")?;
    let found = match found.split([' ', '`']).next()? {
        "string" => "text",
        "integer" | "floating" => "number",
        "boolean" => "boolean",
        "sequence" => "list",
        "map" => "mapping",
        "unit" => "empty",
        _ => return None,
    };
    let expected = match expected {
        "usize" | "u8" | "u16" | "u32" | "u64" => "count",
        "f32" | "f64" | "i32" | "i64" => "number",
        "a string" | "a borrowed string" => "text",
        "a boolean" => "boolean",
        "a sequence" => "list",
        other if other.starts_with("struct ") || other.starts_with("a map") => "mapping",
        _ => return None,
    };
    let diagnostic =
        Diagnostic::error("config_wrong_type").arg("key", place()).arg("found", found).arg("expected_type", expected);
    Some((diagnostic, None))
}

/// The names serde lists between backticks: `a`, `b` or `c`.
fn listed(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// The name between the backticks `text` starts with, and the rest.
fn first(text: &str) -> Option<(&str, &str)> {
    text.strip_prefix('`')?.split_once('`')
}

/// serde_yaml places a duplicate key at the start of its mapping (line, column); the editor needs
/// the line that repeats it: the second key `key:` at that mapping's indentation. (line, column,
/// length), or `None` when it cannot be found.
fn second_key_line(text: &str, key: &str, line: usize, column: usize) -> Option<(usize, usize, usize)> {
    let indent = column.saturating_sub(1);
    text.lines()
        .enumerate()
        .skip(line.saturating_sub(1))
        .filter(|(_, l)| {
            // `get`: the line may hold multi-byte characters before the indentation's end.
            l.get(..indent).is_some_and(|lead| lead.bytes().all(|b| b == b' ' || b == b'-'))
                && l.get(indent..)
                    .and_then(|rest| rest.strip_prefix(key))
                    .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .nth(1)
        .map(|(n, _)| (n + 1, column, key.len()))
}

/// serde_yaml expands aliases: nine anchors of nine aliases each ("billion laughs") kept it busy
/// for a minute before it gave up (issue 6). A configuration needs neither anchors nor deep
/// nesting, so both are refused before serde_yaml sees the text, as in case front matter.
fn refuse_bombs(text: &str) -> Result<(), Vec<Diagnostic>> {
    use crate::content::front_matter::{MAX_DEPTH, too_deep_at};
    let invalid = |detail: &str| Diagnostic::error("config_invalid").file(CONFIG_FILE).arg("detail", detail.to_owned());
    if let Some(at) = too_deep_at(text) {
        let diagnostic = invalid(&format!("nested more than {MAX_DEPTH} levels deep"));
        return Err(vec![diagnostic.at(text, Location::of_offset(text, at, 1))]);
    }
    let options = marked_yaml::LoaderOptions::default();
    let parsed = std::panic::catch_unwind(|| marked_yaml::parse_yaml_with_options(0, text, options));
    if let Ok(Err(marked_yaml::LoadError::UnexpectedAnchor(marker))) = parsed {
        let diagnostic = invalid("YAML anchors and aliases (& and *) are not supported");
        return Err(vec![diagnostic.at(text, Location::new(marker.line(), marker.column(), 1))]);
    }
    Ok(())
}

/// Checks what serde cannot: unique ids, sensible scales, known taxonomies, at least one status.
fn check(config: &Config, text: &str) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let mut problem = |code: &'static str, needle: &str, args: Vec<(&'static str, String)>| {
        let mut diagnostic = Diagnostic::error(code).file(CONFIG_FILE);
        diagnostic.args = args;
        if let Some(offset) = find_value(text, needle, code == "config_duplicate_id") {
            diagnostic = diagnostic.at(text, Location::of_offset(text, offset, needle.len()));
        }
        problems.push(diagnostic);
    };
    let fw = &config.framework;
    let mut check_unique = |kind: &'static str, ids: Vec<&str>| {
        let mut seen = HashSet::new();
        for id in ids {
            if !seen.insert(id) {
                problem("config_duplicate_id", id, vec![("kind", kind.to_owned()), ("id", id.to_owned())]);
            } else if !crate::slug::is_valid_slug(&id.replace('_', "-")) {
                problem("config_bad_id", id, vec![("kind", kind.to_owned()), ("id", id.to_owned())]);
            }
        }
    };
    check_unique("indicator_group", fw.indicator_groups.iter().map(|g| g.id.as_str()).collect());
    check_unique("indicator", fw.indicators().map(|(_, i)| i.id.as_str()).collect());
    check_unique("dimension", fw.dimensions.iter().map(|t| t.id.as_str()).collect());
    check_unique("action", fw.actions.iter().map(|t| t.id.as_str()).collect());
    check_unique("status", fw.statuses.iter().map(|s| s.id.as_str()).collect());
    for (_, indicator) in fw.indicators() {
        let threshold_outside = indicator.threshold.is_some_and(|t| t < indicator.min || t > indicator.max);
        let ordered = indicator.min.partial_cmp(&indicator.max) == Some(std::cmp::Ordering::Less);
        if !ordered || threshold_outside || indicator.weight < 0.0 {
            problem("config_bad_scale", &indicator.id, vec![("id", indicator.id.clone())]);
        }
    }
    if fw.statuses.is_empty() {
        problem("config_no_status", "statuses", Vec::new());
    }
    for taxonomy in &config.taxonomies {
        if !TAXONOMY_KINDS.contains(&taxonomy.as_str()) {
            problem(
                "config_unknown_taxonomy",
                taxonomy,
                vec![("value", taxonomy.clone()), ("allowed", TAXONOMY_KINDS.join(", "))],
            );
        }
    }
    if config.paginate_by == 0 {
        problem("config_bad_paginate", "paginate_by", Vec::new());
    }
    // Feeds, the sitemap and the data files write it before every address (`--base-url` is checked
    // the same way on the command line).
    if !valid_base_url(&config.base_url) {
        let diagnostic =
            Diagnostic::error("config_bad_base_url").file(CONFIG_FILE).arg("value", config.base_url.clone());
        problems.push(at_setting(diagnostic, text, "base_url"));
    }
    // A theme is a folder under `themes/`: a path there would reach any folder (`../x`, `/srv/x`),
    // and an empty name `themes/` itself.
    if !is_theme_name(&config.theme) {
        let diagnostic = Diagnostic::error("config_bad_theme").file(CONFIG_FILE).arg("value", config.theme.clone());
        problems.push(at_setting(diagnostic, text, "theme"));
    }
    // A language without messages is refused, as `--lang` refuses it, rather than read as Chinese.
    if crate::i18n::known_language(&config.language).is_none() {
        let allowed = crate::i18n::LANGUAGES;
        let suggestion = crate::diagnostics::closest_name(&config.language, &allowed);
        let mut diagnostic = Diagnostic::error("config_unknown_value")
            .file(CONFIG_FILE)
            .arg("key", "language")
            .arg("value", config.language.clone())
            .arg("allowed", allowed.join(", "))
            .suggest(suggestion);
        if let Some((offset, len)) = top_level_value(text, "language") {
            diagnostic = diagnostic.at(text, Location::of_offset(text, offset, len));
        }
        problems.push(diagnostic);
    }
    problems
}

/// Whether `value` can be the portal's published address: an absolute `http://` or `https://` URL
/// with a host and no spaces (`https://intranet.example/practice/`), or `/`, the documented
/// default, when the portal has no fixed address (feeds and the sitemap then give paths from the
/// server's root).
pub fn valid_base_url(value: &str) -> bool {
    if value == "/" {
        return true;
    }
    let lower = value.get(..8).unwrap_or(value).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &value[8..]
    } else if lower.starts_with("http://") {
        &value[7..]
    } else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = match host.strip_prefix('[') {
        Some(ipv6) => ipv6.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    !host.is_empty() && !value.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Where the value of the top-level setting `key` is written (byte offset and length, without a
/// comment after it), to point at it.
fn top_level_value(text: &str, key: &str) -> Option<(usize, usize)> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix(key).and_then(|rest| rest.strip_prefix(':')) {
            let value = rest.split(" #").next().unwrap_or(rest).trim_end();
            let start = value.len() - value.trim_start().len();
            return Some((offset + key.len() + 1 + start, value.len() - start));
        }
        offset += line.len();
    }
    None
}

/// Byte offset of `needle` as a whole YAML value or key in `text`, to point a diagnostic at it:
/// its second occurrence where `second` (a duplicate id), else its first.
fn find_value(text: &str, needle: &str, second: bool) -> Option<usize> {
    let boundary = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '-'));
    let mut matches = text.match_indices(needle).map(|(offset, _)| offset).filter(|&offset| {
        boundary(text[..offset].chars().next_back()) && boundary(text[offset + needle.len()..].chars().next())
    });
    let first = matches.next();
    if second { matches.next().or(first) } else { first }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Too deep a configuration is an error at the bracket that passes the limit, so that its
    /// help ("compare this place") has a place (it had none).
    #[test]
    fn too_deep_nesting_is_placed() {
        let deep =
            format!("{}title: 示范\nextra: {}1{}\n", crate::embedded::SAMPLE_CONFIG, "[".repeat(70), "]".repeat(70));
        let line = deep.lines().count();
        let problems = parse(&deep).expect_err("too deep");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].code, "config_invalid");
        assert_eq!(problems[0].location, Some(Location::new(line, 8 + 64, 1)));
        assert!(problems[0].source_line.as_deref().is_some_and(|l| l.starts_with("extra: [[")));
    }

    /// A configuration saved with CR line ends (old Mac) reads as lines, and errors are placed on them.
    #[test]
    fn lone_carriage_returns_end_lines() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!("{}languge: en\n", crate::embedded::SAMPLE_CONFIG).replace('\n', "\r");
        std::fs::write(dir.path().join(CONFIG_FILE), &text).unwrap();
        let problems = load(dir.path()).expect_err("an unknown setting");
        let line = crate::embedded::SAMPLE_CONFIG.lines().count() + 1;
        assert_eq!(problems[0].location.map(|l| l.line), Some(line), "{problems:?}");
        assert_eq!(problems[0].source_line.as_deref(), Some("languge: en"));
    }

    /// A control character in `exemplar.yaml` (pasted into the title, say) is an error at its
    /// place, not a feed.xml that does not parse.
    #[test]
    fn a_control_character_in_the_configuration_is_refused_at_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let text = crate::embedded::SAMPLE_CONFIG.replacen("title: ", "title: 基层\u{1}", 1);
        std::fs::write(dir.path().join(CONFIG_FILE), &text).unwrap();
        let problems = load(dir.path()).expect_err("a control character");
        let line = text.lines().position(|l| l.contains('\u{1}')).unwrap() + 1;
        assert_eq!(problems[0].code, "control_character");
        assert_eq!(problems[0].location.map(|l| (l.line, l.column)), Some((line, 10)), "{problems:?}");
        assert_eq!(problems[0].arg_value("char"), Some("U+0001"));
    }

    #[test]
    fn the_sample_configuration_is_valid() {
        let config = parse(crate::embedded::SAMPLE_CONFIG).expect("sample config parses");
        assert_eq!(config.framework.statuses.len(), 5);
        assert_eq!(config.framework.indicators().count(), 6);
        assert_eq!(config.framework.indicator("innovation").and_then(|i| i.threshold), Some(80.0));
        assert!(config.framework.statuses.iter().any(|s| s.revoked));
    }

    #[test]
    fn a_typo_in_the_configuration_is_located() {
        let text = crate::embedded::SAMPLE_CONFIG.replacen("title:", "titel:", 1);
        let problems = parse(&text).unwrap_err();
        assert_eq!(problems[0].code, "config_unknown_key");
        assert_eq!(problems[0].arg_value("key"), Some("titel"));
        assert_eq!(problems[0].suggestion.as_deref(), Some("title"));
        let line = text.lines().position(|l| l.starts_with("titel:")).unwrap() + 1;
        assert_eq!(problems[0].location, Some(Location::new(line, 1, 1)));
    }

    /// serde's messages, told as the editor's: the key's place, what was found and expected, the
    /// value meant; nothing of serde's English is left in them.
    #[test]
    fn a_value_of_the_wrong_shape_is_told_in_the_editors_words() {
        let problem = |from: &str, to: &str| {
            let text = crate::embedded::SAMPLE_CONFIG.replacen(from, to, 1);
            assert_ne!(text, crate::embedded::SAMPLE_CONFIG, "{from}");
            let problems = parse(&text).unwrap_err();
            assert_eq!(problems.len(), 1, "{problems:?}");
            let line = text.lines().position(|l| l.contains(to.lines().last().unwrap_or(to))).unwrap() + 1;
            assert_eq!(problems[0].location.map(|l| l.line), Some(line), "{problems:?}");
            problems.into_iter().next().unwrap()
        };
        let found = problem("paginate_by: 12", "paginate_by: 十二");
        assert_eq!(found.code, "config_wrong_type");
        assert_eq!(
            found.args,
            [("key", "paginate_by".into()), ("found", "text".into()), ("expected_type", "count".into())]
        );
        let found = problem("max: 100", "max: 一百");
        assert_eq!(found.arg_value("key"), Some("framework.indicator_groups[0].indicators[0].max"));
        assert_eq!(found.arg_value("expected_type"), Some("number"));
        let found = problem("raw_html: sanitize", "raw_html: sanitise");
        assert_eq!(found.code, "config_unknown_value");
        assert_eq!(found.arg_value("allowed"), Some("sanitize, escape, trust"));
        assert_eq!(found.suggestion.as_deref(), Some("sanitize"));
        let found = problem("      indicators:", "      indicatorz:");
        assert_eq!(found.code, "config_unknown_key");
        assert_eq!(found.arg_value("key"), Some("framework.indicator_groups[0].indicatorz"));
        assert_eq!(found.suggestion.as_deref(), Some("indicators"));
        let found = problem("language: zh-CN", "language: [zh-CN]");
        assert_eq!((found.arg_value("found"), found.arg_value("expected_type")), (Some("list"), Some("text")));
        // An untagged label's error names the mapping it is in: the line of its first key.
        let text =
            crate::embedded::SAMPLE_CONFIG.replacen("label: { zh-CN: 四强, en: Four strong }", "label: [四强]", 1);
        let problems = parse(&text).unwrap_err();
        assert_eq!(
            (problems[0].code, problems[0].arg_value("key")),
            ("config_bad_label", Some("framework.indicator_groups[0]"))
        );
        let text = crate::embedded::SAMPLE_CONFIG.replacen("title: ", "# title: ", 1);
        let problems = parse(&text).unwrap_err();
        assert_eq!((problems[0].code, problems[0].arg_value("key")), ("config_missing_key", Some("title")));
        // A message of any other kind is shown as serde wrote it.
        assert!(serde_problem("invalid length 0, expected fewer elements in array").is_none());
        assert!(serde_problem("invalid type: map, expected a tagged enum Thing").is_none());
    }

    #[test]
    fn an_input_methods_colon_is_located_where_it_is_typed() {
        let text = crate::embedded::SAMPLE_CONFIG.replacen("title: ", "title：", 1);
        let problems = parse(&text).unwrap_err();
        let line = text.lines().position(|l| l.starts_with("title：")).unwrap() + 1;
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].code, "fullwidth_colon");
        assert_eq!(problems[0].location, Some(Location::new(line, 6, 1)));
        // In a one-line mapping serde places the error at the mapping's parent: both are told.
        let text = crate::embedded::SAMPLE_CONFIG.replacen("{ zh-CN: ", "{ zh-CN：", 1);
        let codes: Vec<_> = parse(&text).unwrap_err().iter().map(|p| p.code).collect();
        assert_eq!(codes, ["fullwidth_colon", "config_bad_label"]);
    }

    /// A language without messages is a mistake at its value, with the languages there are.
    #[test]
    fn an_unknown_language_is_refused_at_its_value() {
        for (value, suggestion) in [("zh-TW", Some("zh-CN")), ("fr", None)] {
            let text = crate::embedded::SAMPLE_CONFIG.replacen("language: zh-CN", &format!("language: {value}"), 1);
            let problems = parse(&text).unwrap_err();
            assert_eq!(problems.len(), 1, "{problems:?}");
            let found = &problems[0];
            assert_eq!(
                (found.code, found.arg_value("key"), found.arg_value("value")),
                ("config_unknown_value", Some("language"), Some(value))
            );
            assert_eq!(found.arg_value("allowed"), Some("zh-CN, en"));
            assert_eq!(found.suggestion.as_deref(), suggestion);
            let line = text.lines().position(|l| l.starts_with("language:")).unwrap() + 1;
            assert_eq!(found.location, Some(Location::new(line, 11, value.len())));
        }
        for value in ["zh", "en-GB", "en"] {
            let text = crate::embedded::SAMPLE_CONFIG.replacen("language: zh-CN", &format!("language: {value}"), 1);
            assert!(parse(&text).is_ok(), "{value}");
        }
    }

    /// `base_url` is written before every address of the feed, sitemap and data files: only a web
    /// address (or the default `/`) is taken, and a mistake is shown at its value.
    #[test]
    fn a_base_url_that_is_not_a_web_address_is_refused_at_its_value() {
        for good in
            ["https://intranet.example/practice/", "http://intranet", "HTTP://10.0.0.1:8080/a/", "http://[::1]/", "/"]
        {
            assert!(valid_base_url(good), "{good}");
        }
        for bad in [
            "notaurl",
            "intranet.example/practice/",
            "practice/",
            "http://",
            "https:///x",
            "ftp://host/",
            "http://in tra/",
            "http://host/a b",
            "",
        ] {
            assert!(!valid_base_url(bad), "{bad:?}");
        }
        let text = crate::embedded::SAMPLE_CONFIG.replacen("base_url: http://localhost/", "base_url: notaurl", 1);
        let problems = parse(&text).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!((problems[0].code, problems[0].arg_value("value")), ("config_bad_base_url", Some("notaurl")));
        let line = text.lines().position(|l| l.starts_with("base_url:")).unwrap() + 1;
        assert_eq!(problems[0].location, Some(Location::new(line, 11, 7)));
    }

    /// A theme is named by a plain folder name, refused at its value otherwise; one that is no
    /// folder under `themes/` is told at its value with the closest there is and the list.
    #[test]
    fn a_theme_is_a_folder_under_themes() {
        for value in ["\"\"", "../themes/default", "/srv/themes/x", "themes/default", "'a\\b'", "..", ".", "C:x"] {
            let text = crate::embedded::SAMPLE_CONFIG.replacen("theme: default", &format!("theme: {value}"), 1);
            assert_ne!(text, crate::embedded::SAMPLE_CONFIG);
            let problems = parse(&text).unwrap_err();
            assert_eq!(problems.len(), 1, "{value}: {problems:?}");
            assert_eq!(problems[0].code, "config_bad_theme", "{value}");
            let line = text.lines().position(|l| l.starts_with("theme:")).unwrap() + 1;
            assert_eq!(problems[0].location, Some(Location::new(line, 8, value.chars().count())), "{value}");
        }
        for value in ["default", "corp", "企业主题", "my-theme.v2"] {
            assert!(is_theme_name(value), "{value}");
        }

        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("themes/corporate")).unwrap();
        std::fs::create_dir_all(tmp.path().join("themes/.git")).unwrap();
        std::fs::write(tmp.path().join("themes/notes.txt"), "").unwrap();
        assert_eq!(available_themes(tmp.path()), ["corporate", "default"]);
        let write = |theme: &str| {
            let text = crate::embedded::SAMPLE_CONFIG.replacen("theme: default", &format!("theme: {theme}"), 1);
            std::fs::write(tmp.path().join(CONFIG_FILE), &text).unwrap();
            text
        };
        for (theme, suggestion) in [("defualt", Some("default")), ("corprate", Some("corporate")), ("zzz", None)] {
            let text = write(theme);
            let problems = load(tmp.path()).unwrap_err();
            assert_eq!(problems.len(), 1, "{problems:?}");
            let found = &problems[0];
            assert_eq!((found.code, found.file.as_deref()), ("theme_missing", Some(CONFIG_FILE)));
            assert_eq!(found.arg_value("available"), Some("corporate, default"));
            assert_eq!(found.suggestion.as_deref(), suggestion, "{theme}");
            let line = text.lines().position(|l| l.starts_with("theme:")).unwrap() + 1;
            assert_eq!(found.location, Some(Location::new(line, 8, theme.len())));
        }
        for theme in ["default", "corporate"] {
            write(theme);
            assert!(load(tmp.path()).is_ok(), "{theme}");
        }
    }

    #[test]
    fn a_repeated_key_is_located_where_it_repeats() {
        let text = format!("{}\ntaxonomies: [tag]\n", crate::embedded::SAMPLE_CONFIG);
        let problems = parse(&text).unwrap_err();
        assert_eq!((problems[0].code, problems[0].arg_value("key")), ("config_duplicate_key", Some("taxonomies")));
        let repeated = text.lines().count();
        assert_eq!(problems[0].location.map(|l| l.line), Some(repeated), "{:?}", problems[0]);
        // Lines of other characters at that indentation are passed over, not cut in two.
        assert_eq!(second_key_line("a: 1\n  示范: 2\n  b: 1\n  b: 2\n", "b", 2, 3), Some((4, 3, 1)));
    }

    #[test]
    fn duplicate_ids_and_bad_scales_are_reported() {
        let text = crate::embedded::SAMPLE_CONFIG.replacen("id: development", "id: innovation", 1).replacen(
            "threshold: 80",
            "threshold: 180",
            1,
        );
        let problems = parse(&text).unwrap_err();
        let codes: Vec<_> = problems.iter().map(|p| p.code).collect();
        assert!(codes.contains(&"config_duplicate_id"), "{codes:?}");
        assert!(codes.contains(&"config_bad_scale"), "{codes:?}");
    }
}

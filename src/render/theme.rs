//! Finding a site's theme: its templates, static files and i18n strings. A site's own
//! `templates/` override the theme's templates of the same name, and its `i18n/` the theme's strings.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::embedded;
use crate::i18n::{Catalog, normalize_language};

/// Where a theme file comes from: the site's folder or the binary.
#[derive(Debug, Clone)]
pub enum FileSource {
    Disk(PathBuf),
    Embedded(&'static [u8]),
}

#[derive(Debug, Clone)]
pub struct Template {
    /// Name used by `render` and `{% extends %}` (`case.html`, `partials/card.html`).
    pub name: String,
    /// Where it was read from, relative to the site folder, for error messages.
    pub origin: String,
    pub text: String,
}

#[derive(Debug)]
pub struct Theme {
    pub templates: Vec<Template>,
    /// Files copied under `static/` in the portal: path inside `static/` and where to read it.
    pub static_files: Vec<(String, FileSource)>,
    /// Every string in the site's language (portal and command line).
    pub catalog: Catalog,
    /// The portal strings as nested maps, for templates (`t.nav.home`).
    pub strings: serde_json::Value,
}

impl Theme {
    /// Whether the theme (or the site) has a template of this name.
    pub fn has(&self, name: &str) -> bool {
        self.templates.iter().any(|t| t.name == name)
    }

    /// Whether a template names `word` as a whole identifier (`case.related`, `case["radar"]`), or
    /// could print the whole context (`__tera_context`). What only some themes show (related
    /// cases, a case's charts) is worked out only for a theme that names it; a word in a comment
    /// or in text only costs the work.
    pub fn names(&self, word: &str) -> bool {
        self.templates.iter().any(|t| names_word(&t.text, word) || t.text.contains("__tera_context"))
    }
}

fn names_word(text: &str, word: &str) -> bool {
    let ident = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    text.match_indices(word).any(|(at, _)| {
        !text.as_bytes()[..at].last().is_some_and(ident) && !text.as_bytes().get(at + word.len()).is_some_and(ident)
    })
}

pub fn load(site_dir: &Path, config: &Config) -> Result<Theme, Vec<Diagnostic>> {
    let language = normalize_language(&config.language);
    // `config::load` refuses a name that is no plain folder name, or no theme there is, at its
    // place in `exemplar.yaml`; a configuration read otherwise is held to the same.
    if !crate::config::is_theme_name(&config.theme) {
        return Err(vec![Diagnostic::error("config_bad_theme").arg("value", config.theme.clone())]);
    }
    let theme_dir = site_dir.join("themes").join(&config.theme);
    let mut problems = Vec::new();
    let mut templates = Vec::new();
    let mut static_files = Vec::new();
    let mut catalog = Catalog::builtin(language);
    let mut strings = builtin_strings(language);

    if theme_dir.is_dir() {
        read_dir_files(site_dir, &theme_dir.join("templates"), &mut problems, |name, origin, text| {
            templates.push(Template { name, origin, text })
        });
        for (rel, path) in list_files(&theme_dir.join("static")) {
            static_files.push((rel, FileSource::Disk(path)));
        }
        merge_i18n(site_dir, &theme_dir.join("i18n"), language, &mut catalog, &mut strings, &mut problems, false);
    } else if config.theme == "default" {
        for (path, bytes) in embedded::DEFAULT_THEME {
            if let Some(name) = path.strip_prefix("templates/") {
                let text = String::from_utf8_lossy(bytes).into_owned();
                templates.push(Template { name: name.to_owned(), origin: format!("themes/default/{path}"), text });
            } else if let Some(rel) = path.strip_prefix("static/") {
                static_files.push((rel.to_owned(), FileSource::Embedded(bytes)));
            }
        }
    } else if let Some(missing) = crate::config::missing_theme(site_dir, &config.theme) {
        return Err(vec![missing]);
    }

    // The site's own templates and strings win over the theme's.
    read_dir_files(site_dir, &site_dir.join("templates"), &mut problems, |name, origin, text| {
        templates.retain(|t: &Template| t.name != name);
        templates.push(Template { name, origin, text });
    });
    merge_i18n(site_dir, &site_dir.join("i18n"), language, &mut catalog, &mut strings, &mut problems, true);
    templates.sort_by(|a, b| a.name.cmp(&b.name));
    static_files.sort_by(|a, b| a.0.cmp(&b.0));
    if problems.is_empty() { Ok(Theme { templates, static_files, catalog, strings }) } else { Err(problems) }
}

fn builtin_strings(language: &str) -> serde_json::Value {
    embedded::theme_file(&format!("i18n/{language}.yaml"))
        .and_then(|bytes| serde_yaml::from_slice(bytes).ok())
        .unwrap_or(serde_json::Value::Object(Default::default()))
}

/// Merges the strings of `dir` (a theme's `i18n/`, or the site's, whose `overrides` of the
/// theme's strings must keep their shape: see [`merge_json`]).
fn merge_i18n(
    site_dir: &Path,
    dir: &Path,
    language: &str,
    catalog: &mut Catalog,
    strings: &mut serde_json::Value,
    problems: &mut Vec<Diagnostic>,
    overrides: bool,
) {
    for (file, for_templates) in [(format!("{language}.yaml"), true), (format!("cli.{language}.yaml"), false)] {
        let path = dir.join(&file);
        let origin = crate::content::load::rel_to(site_dir, &path);
        let text = match read_text(&path, &origin) {
            Ok(Some(text)) => text,
            Ok(None) => continue,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        // A Chinese input method's colon (`home：首页`) parses, as text where a group of strings
        // belongs: told where it is typed, and the file left out rather than half read.
        let slips = crate::content::slips::syntax_slips(&text, usize::MAX);
        if !slips.is_empty() {
            problems.extend(
                slips.iter().map(|found| found.diagnostic().file(origin.as_str()).at(&text, found.location(1))),
            );
            continue;
        }
        let parsed: Result<serde_json::Value, _> = serde_yaml::from_str(&text);
        match (parsed, catalog.merge_yaml(&text)) {
            // A file of comments alone changes nothing.
            (Ok(serde_json::Value::Null), _) => {}
            // A list or a line of text where the file's strings belong would replace them all.
            (Ok(value), _) if !value.is_object() => {
                problems.push(Diagnostic::error("i18n_not_mapping").file(origin.as_str()).arg("file", origin.as_str()))
            }
            (Ok(value), Ok(())) => {
                if for_templates {
                    let mut misshapen = Vec::new();
                    merge_json(strings, value, "", &mut misshapen);
                    problems.extend(
                        misshapen
                            .into_iter()
                            .filter(|(_, shape)| overrides || matches!(shape, Shape::Empty | Shape::List))
                            .map(|(key, shape)| misshapen_string(&origin, &text, key, shape)),
                    );
                }
            }
            (Err(err), _) | (_, Err(err)) => {
                let mut diagnostic = Diagnostic::error("i18n_invalid").file(origin).arg("detail", err.to_string());
                if let Some(loc) = err.location() {
                    diagnostic = diagnostic.at(&text, crate::diagnostics::Location::new(loc.line(), loc.column(), 1));
                }
                problems.push(diagnostic);
            }
        }
    }
}

/// How a string of an i18n file is not what the templates can print (see [`merge_json`]).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    /// One string where the theme has a group (`nav: 导航`).
    Group,
    /// A group where the theme has one string.
    Text,
    /// Nothing after the colon: the page would show nothing there.
    Empty,
    /// A list (`home: [a, b]`): the page would show its brackets and quotes.
    List,
}

/// Deep merge: maps merge key by key, anything else is replaced. Where a group of strings (`nav`)
/// becomes one string, or one string a group, the templates would fail on every page; an empty
/// value or a list would show as nothing or as brackets. Such keys (`nav`, `search.hint`) go to
/// `misshapen`, with how.
fn merge_json(base: &mut serde_json::Value, over: serde_json::Value, path: &str, misshapen: &mut Vec<(String, Shape)>) {
    use serde_json::Value;
    match (base, over) {
        (Value::Object(base), Value::Object(over)) => {
            for (key, value) in over {
                let path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                merge_json(base.entry(key).or_insert(Value::Null), value, &path, misshapen);
            }
        }
        (base, over) => {
            let shape = match (&*base, &over) {
                (_, Value::Null) => Some(Shape::Empty),
                (_, Value::Array(_)) => Some(Shape::List),
                (Value::Object(_), _) => Some(Shape::Group),
                (Value::String(_), Value::Object(_)) => Some(Shape::Text),
                _ => None,
            };
            if let Some(shape) = shape
                && !path.is_empty()
            {
                misshapen.push((path.to_owned(), shape));
            }
            *base = over;
        }
    }
}

/// A string of the theme given the wrong shape in `origin` (see [`merge_json`]), at its key.
fn misshapen_string(origin: &str, text: &str, key: String, shape: Shape) -> Diagnostic {
    let last = key.rsplit('.').next().unwrap_or(&key);
    let (code, variant) = match shape {
        Shape::Group => ("i18n_reshaped", "group"),
        Shape::Text => ("i18n_reshaped", "text"),
        Shape::Empty => ("i18n_value", "empty"),
        Shape::List => ("i18n_value", "list"),
    };
    let diagnostic = Diagnostic::error(code).variant(variant).file(origin).arg("key", key.as_str()).arg("name", last);
    match key_offset(text, &key) {
        Some(offset) => diagnostic.at(text, crate::diagnostics::Location::of_offset(text, offset, last.len())),
        None => diagnostic,
    }
}

/// Where the key at `path` (`search.label`) is written in a file of nested mappings: the keys of
/// the lines above, by their indentation, spell the path (so `label` under `nav` is passed over).
fn key_offset(text: &str, path: &str) -> Option<usize> {
    let mut keys: Vec<(usize, &str)> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let content = line.trim_start();
        let Some((key, _)) = content.split_once(':').filter(|_| !content.starts_with('#')) else { continue };
        let indent = line.len() - content.len();
        keys.retain(|&(above, _)| above < indent);
        keys.push((indent, key.trim_end()));
        let mut spelled = keys.iter().map(|&(_, key)| key);
        if path.split('.').eq(&mut spelled) {
            return Some(start + indent);
        }
    }
    None
}

fn list_files(dir: &Path) -> Vec<(String, PathBuf)> {
    if !dir.is_dir() {
        return Vec::new();
    }
    WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        // An editor's backup or swap file beside a template or static file is not the theme's:
        // `serve` ignores it too, so both publish the same files.
        .filter(|e| {
            e.file_type().is_file() && !crate::content::load::is_editor_temporary(&e.file_name().to_string_lossy())
        })
        .map(|e| (crate::content::load::rel_to(dir, e.path()), e.path().to_path_buf()))
        .collect()
}

fn read_dir_files(
    site_dir: &Path,
    dir: &Path,
    problems: &mut Vec<Diagnostic>,
    mut add: impl FnMut(String, String, String),
) {
    for (name, path) in list_files(dir) {
        let origin = crate::content::load::rel_to(site_dir, &path);
        match read_text(&path, &origin) {
            Ok(Some(text)) => add(name, origin, text),
            Ok(None) => {}
            Err(problem) => problems.push(problem),
        }
    }
}

/// A theme or site text file (a template, interface strings): `None` when there is none; an
/// error when it cannot be read or is not UTF-8 (told as a case file's would be).
fn read_text(path: &Path, origin: &str) -> Result<Option<String>, Diagnostic> {
    match std::fs::read(path) {
        Ok(bytes) => crate::content::load::text_of(origin, bytes).map(Some),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(Diagnostic::error("unreadable").file(origin).arg("detail", err.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn theme(texts: &[&str]) -> Theme {
        Theme {
            templates: texts
                .iter()
                .enumerate()
                .map(|(i, t)| Template { name: format!("t{i}.html"), origin: String::new(), text: (*t).to_owned() })
                .collect(),
            static_files: Vec::new(),
            catalog: Catalog::default(),
            strings: serde_json::Value::Null,
        }
    }

    #[test]
    fn a_key_is_found_by_its_whole_path() {
        let text = "nav:\n  label: 导航\n# search:\nsearch:\n  hint: 提示\n  label: 搜索\n";
        assert_eq!(key_offset(text, "search.label"), text.find("label: 搜索"));
        assert_eq!(key_offset(text, "nav"), Some(0));
        assert_eq!(key_offset(text, "search"), text.find("search:\n  hint"));
        assert_eq!(key_offset(text, "footer"), None);
    }

    #[test]
    fn a_theme_names_a_word_only_as_a_whole_identifier() {
        for named in ["{{ case.related }}", "{% for r in case.related %}", "{{ case[\"related\"] }}", "related"] {
            assert!(theme(&["<p>", named]).names("related"), "{named}");
        }
        for not_named in ["{{ t.case.related_title }}", "{{ unrelated }}", "{{ related2 }}", "Related"] {
            assert!(!theme(&[not_named]).names("related"), "{not_named}");
        }
        assert!(theme(&["{{ __tera_context }}"]).names("radar"));
        assert!(!theme(&[]).names("radar"));
    }
}

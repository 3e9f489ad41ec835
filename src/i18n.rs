//! User-facing strings, read from the theme's i18n files: `i18n/<lang>.yaml` for the portal and
//! `i18n/cli.<lang>.yaml` for the command line and diagnostics. The default theme's files are
//! compiled in, so messages stay readable even when a site's own theme is broken.

use std::collections::BTreeMap;

use crate::embedded;

/// The languages Exemplar ships strings for; the first is the default.
pub const LANGUAGES: [&str; 2] = ["zh-CN", "en"];

/// A flat map of dotted keys (`diag.unknown_status.message`) to strings in one language.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    language: String,
    strings: BTreeMap<String, String>,
}

/// `template` with its `{name}` placeholders filled, and each `{name|one|other}` replaced by the
/// word that agrees with the number `name`: `one` when it is 1, else `other` (English needs it:
/// "1 case", "2 cases"; Chinese does not). The CLI's messages and the theme's templates (the
/// `fill` filter) both go through here; `search.js` reads the same forms.
pub fn fill(template: &str, args: &[(&str, String)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), value);
        let plural = format!("{{{name}|");
        while let Some(start) = out.find(&plural) {
            let Some(len) = out[start..].find('}') else { break };
            let forms: Vec<&str> = out[start + plural.len()..start + len].splitn(2, '|').collect();
            let word: String = match forms.as_slice() {
                [one, _] if value == "1" => (*one).to_owned(),
                [_, other] => (*other).to_owned(),
                _ => String::new(),
            };
            out.replace_range(start..=start + len, &word);
        }
    }
    out
}

impl Catalog {
    /// The compiled-in strings (portal and command line) of the default theme for `language`.
    pub fn builtin(language: &str) -> Self {
        let language = normalize_language(language);
        let mut catalog = Catalog { language: language.to_owned(), strings: BTreeMap::new() };
        for name in [format!("i18n/{language}.yaml"), format!("i18n/cli.{language}.yaml")] {
            if let Some(text) = embedded::theme_file(&name).and_then(|b| std::str::from_utf8(b).ok()) {
                // The compiled-in files are checked by tests; a failure here cannot come from a user.
                let _ = catalog.merge_yaml(text);
            }
        }
        catalog
    }

    pub fn language(&self) -> &str {
        &self.language
    }

    /// Adds (and overrides) strings from a YAML document of nested maps.
    pub fn merge_yaml(&mut self, text: &str) -> Result<(), serde_yaml::Error> {
        let value: serde_yaml::Value = serde_yaml::from_str(text)?;
        flatten("", &value, &mut self.strings);
        Ok(())
    }

    /// The string for `key`, or the key itself so that a missing translation is visible.
    pub fn get(&self, key: &str) -> String {
        self.strings.get(key).cloned().unwrap_or_else(|| key.to_owned())
    }

    /// The string for `key` with its placeholders filled (see [`fill`]), or `None` when the key is
    /// absent.
    pub fn try_format(&self, key: &str, args: &[(&str, String)]) -> Option<String> {
        self.strings.get(key).map(|template| fill(template, args))
    }

    pub fn format(&self, key: &str, args: &[(&str, String)]) -> String {
        self.try_format(key, args).unwrap_or_else(|| {
            let values: Vec<String> = args.iter().map(|(n, v)| format!("{n}={v}")).collect();
            format!("{key} {}", values.join(" "))
        })
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.strings.keys().map(String::as_str)
    }
}

/// Maps a configured language to one Exemplar ships (`zh`, `zh-cn` → `zh-CN`; `en-GB` → `en`);
/// any other is read as the default, Chinese.
pub fn normalize_language(language: &str) -> &'static str {
    known_language(language).unwrap_or(LANGUAGES[0])
}

/// The language Exemplar ships that `language` names, in any letter case: `zh-CN` (also `zh`,
/// `zh-Hans`), or `en` (also any English: `en-GB`, `en-US`); `None` for any other. Not every
/// `zh-…` is Chinese as the messages write it (`zh-TW` reads traditional characters), so another
/// language is refused, not read as the nearest in silence.
pub fn known_language(language: &str) -> Option<&'static str> {
    let language = language.trim().to_ascii_lowercase();
    match language.as_str() {
        "zh-cn" | "zh" | "zh-hans" | "zh-hans-cn" => Some("zh-CN"),
        english if english == "en" || english.starts_with("en-") => Some("en"),
        _ => None,
    }
}

fn flatten(prefix: &str, value: &serde_yaml::Value, out: &mut BTreeMap<String, String>) {
    match value {
        serde_yaml::Value::Mapping(map) => {
            for (key, value) in map {
                let key = match key {
                    serde_yaml::Value::String(s) => s.clone(),
                    other => serde_yaml::to_string(other).unwrap_or_default().trim().to_owned(),
                };
                let full = if prefix.is_empty() { key } else { format!("{prefix}.{key}") };
                flatten(&full, value, out);
            }
        }
        serde_yaml::Value::String(s) => {
            out.insert(prefix.to_owned(), s.clone());
        }
        serde_yaml::Value::Number(n) => {
            out.insert(prefix.to_owned(), n.to_string());
        }
        serde_yaml::Value::Bool(b) => {
            out.insert(prefix.to_owned(), b.to_string());
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let zh: Vec<String> = Catalog::builtin("zh-CN").keys().map(str::to_owned).collect();
        let en: Vec<String> = Catalog::builtin("en").keys().map(str::to_owned).collect();
        assert!(zh.len() > 50, "the catalog holds the strings ({} keys)", zh.len());
        let missing_en: Vec<_> = zh.iter().filter(|k| !en.contains(k)).collect();
        let missing_zh: Vec<_> = en.iter().filter(|k| !zh.contains(k)).collect();
        assert!(missing_en.is_empty(), "keys missing in en: {missing_en:?}");
        assert!(missing_zh.is_empty(), "keys missing in zh-CN: {missing_zh:?}");
    }

    #[test]
    fn placeholders_are_filled() {
        let mut catalog = Catalog::default();
        catalog.merge_yaml("diag:\n  x:\n    message: 未知的状态“{value}”\n").unwrap();
        let text = catalog.format("diag.x.message", &[("value", "nmed".into())]);
        assert_eq!(text, "未知的状态“nmed”");
        assert_eq!(catalog.get("nope"), "nope");
    }

    #[test]
    fn plural_forms_follow_the_number() {
        let mut catalog = Catalog::default();
        catalog.merge_yaml("cli:\n  x: \"{errors} {errors|error|errors}, {files} {files|file|files}\"\n").unwrap();
        let text =
            |errors: &str, files: &str| catalog.format("cli.x", &[("errors", errors.into()), ("files", files.into())]);
        assert_eq!(text("1", "2"), "1 error, 2 files");
        assert_eq!(text("0", "1"), "0 errors, 1 file");
        assert_eq!(text("11", "21"), "11 errors, 21 files");
    }

    /// Every English string, of the command line and of the portal, says "1 case", not "1 cases".
    #[test]
    fn english_counts_agree_with_their_number() {
        let catalog = Catalog::builtin("en");
        let names = ["n", "m", "errors", "warnings", "files", "pages", "cases", "changed", "images", "cached"];
        let plurals = [
            "errors",
            "warnings",
            "files",
            "pages",
            "cases",
            "sites",
            "practices",
            "steps",
            "entries",
            "characters",
            "changes",
        ];
        let mut keys = 0;
        for key in catalog.keys() {
            let one = catalog.format(key, &names.map(|n| (n, "1".to_owned())));
            let words: Vec<&str> =
                one.split_whitespace().map(|w| w.trim_matches(|c: char| !c.is_alphanumeric())).collect();
            // The noun may come right after the number or after one word ("1 case file", "1 earlier change").
            for (i, _) in words.iter().enumerate().filter(|(_, w)| **w == "1") {
                let after = &words[i + 1..words.len().min(i + 3)];
                assert!(!after.iter().any(|w| plurals.contains(w)), "{key}: {one}");
            }
            keys += usize::from(one.contains("1 "));
        }
        assert!(keys > 20, "the strings with a count are checked ({keys})");
    }

    #[test]
    fn languages_are_normalized() {
        assert_eq!(normalize_language("zh"), "zh-CN");
        assert_eq!(normalize_language("en-GB"), "en");
        assert_eq!(known_language("en-US"), Some("en"));
        assert_eq!(known_language("zh-TW"), None);
        assert_eq!(known_language("english"), None);
        assert_eq!(normalize_language(""), "zh-CN");
        assert_eq!(known_language(" ZH-cn"), Some("zh-CN"));
        assert_eq!(known_language("fr"), None);
        // Traditional Chinese is not what the messages are written in; any English reads them.
        assert_eq!(known_language("zh-TW"), None);
        assert_eq!(known_language("zh-Hant"), None);
    }
}

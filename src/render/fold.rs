//! The theme's interface strings written into the templates before Tera compiles them.
//!
//! `{{ t.nav.home }}` is the same text on every page of a build (one language per build), yet Tera
//! looks it up at each use: the page's context, then the global one, then a hashed key per
//! segment. The default theme has about 240 of them, some inside loops (a ranking's hundred
//! rows). Each plain lookup whose value is a string is replaced here by that string, escaped as
//! Tera would have printed it, so the pages come out byte for byte the same.
//!
//! Only what is sure to print the same is folded. Nothing is folded when a template could give
//! `t` another value (`set`, `for`, a macro's or a component's argument) or defines components;
//! an expression with whitespace control (`{{-`, `-}}`) or a filter is left to Tera; so is a value
//! that is empty, starts or ends with white space (a neighbouring tag's whitespace control would
//! trim it once it is template text), holds a line break (error lines would move) or template
//! delimiters. Lines keep their numbers; the columns a fold moves are kept in [`Folded::shifts`]
//! so that an error still points at the theme's own text.

use serde_json::Value as Json;

/// A template's text with its string lookups folded in.
#[derive(Debug, Clone, PartialEq)]
pub struct Folded {
    pub text: String,
    /// Per fold, in order: its line (1-based), the column (0-based, in characters, in `text`)
    /// just after the folded string, and how many characters longer the line became.
    pub shifts: Vec<(usize, usize, isize)>,
}

impl Folded {
    /// The column in the original template of column `col` of line `line` in [`Folded::text`].
    pub fn original_col(&self, line: usize, col: usize) -> usize {
        let moved: isize =
            self.shifts.iter().filter(|&&(l, after, _)| l == line && after <= col).map(|&(_, _, delta)| delta).sum();
        col.saturating_add_signed(-moved)
    }
}

/// The templates (name, text) with `t`'s strings folded in, in the same order; `None` when the
/// templates could give `t` another value or could not be read here (Tera then reads them as
/// they are, and reports their errors).
pub fn fold_strings<'a>(
    templates: impl IntoIterator<Item = (&'a str, &'a str)>,
    strings: &Json,
) -> Option<Vec<Folded>> {
    templates.into_iter().map(|(name, text)| fold_one(name, text, strings)).collect()
}

fn fold_one(name: &str, text: &str, strings: &Json) -> Option<Folded> {
    // Tera escapes what `{{ }}` prints in templates with these suffixes (its default).
    let escaped = [".html", ".htm", ".xml"].iter().any(|s| name.ends_with(s));
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut shifts = Vec::new();
    let (mut copied, mut at) = (0, 0);
    // Line and column (in characters) in the output of what is copied so far.
    let (mut line, mut col) = (1usize, 0usize);
    while let Some(found) = memchr::memchr(b'{', &bytes[at..]) {
        let start = at + found;
        match bytes.get(start + 1) {
            Some(b'#') => at = start + 2 + memchr::memmem::find(&bytes[start + 2..], b"#}")? + 2,
            Some(b'%') => {
                let end = tag_end(bytes, start + 2, b'%')?;
                let inner = text[start + 2..end].trim_matches('-').trim();
                let first = inner.split(|c: char| !is_ident(c)).next().unwrap_or("");
                at = end + 2;
                match first {
                    "raw" => {
                        // Everything to the matching `endraw` is text: skip it.
                        let mut from = at;
                        loop {
                            let open = from + memchr::memmem::find(&bytes[from..], b"{%")?;
                            let close = tag_end(bytes, open + 2, b'%')?;
                            from = close + 2;
                            if text[open + 2..close].trim_matches('-').trim() == "endraw" {
                                break;
                            }
                        }
                        at = from;
                    }
                    "component" | "endcomponent" => return None,
                    "set" | "set_global" | "for" | "macro" | "filter" if binds_t(inner) => return None,
                    _ => {}
                }
            }
            Some(b'{') => {
                let end = tag_end(bytes, start + 2, b'}')?;
                at = end + 2;
                let whitespace_control = bytes.get(start + 2) == Some(&b'-') || bytes[end - 1] == b'-';
                // `{{<` starts a component call in Tera 2.
                if bytes.get(start + 2) == Some(&b'<') {
                    return None;
                }
                let Some(value) = (!whitespace_control).then(|| lookup(text[start + 2..end].trim(), strings)).flatten()
                else {
                    continue;
                };
                let printed = if escaped {
                    let mut bytes = Vec::with_capacity(value.len());
                    tera::escape_html(value, &mut bytes).ok()?;
                    String::from_utf8(bytes).ok()?
                } else {
                    value.to_owned()
                };
                if !foldable(&printed) {
                    continue;
                }
                out.push_str(&text[copied..start]);
                for c in text[copied..start].chars() {
                    if c == '\n' {
                        line += 1;
                        col = 0;
                    } else {
                        col += 1;
                    }
                }
                let (old, new) = (text[start..at].chars().count(), printed.chars().count());
                out.push_str(&printed);
                col += new;
                shifts.push((line, col, new as isize - old as isize));
                copied = at;
            }
            _ => at = start + 1,
        }
    }
    out.push_str(&text[copied..]);
    Some(Folded { text: out, shifts })
}

/// Where the tag opened before `from` closes (`}}` or `%}`, `delimiter` being `}` or `%`),
/// string literals skipped; `None` if it never does.
pub(super) fn tag_end(bytes: &[u8], from: usize, delimiter: u8) -> Option<usize> {
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'"' | b'\'' | b'`') => {
                i += 1;
                while *bytes.get(i)? != quote {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b if b == delimiter && bytes.get(i + 1) == Some(&b'}') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether a tag's text names `t` on its own (not `t.x` or `t[…]`): a binding, or too close to one.
fn binds_t(inner: &str) -> bool {
    let bytes = inner.as_bytes();
    inner.match_indices('t').any(|(i, _)| {
        let before = inner[..i].chars().next_back();
        let after = bytes.get(i + 1).copied();
        !before.is_some_and(|c| is_ident(c) || c == '.')
            && !after.is_some_and(|b| is_ident(b as char) || b == b'.' || b == b'[')
    })
}

/// `t.a.b` → the string at `strings.a.b`, if the expression is exactly such a path to a string.
fn lookup<'a>(expression: &str, strings: &'a Json) -> Option<&'a str> {
    let path = expression.strip_prefix("t.")?;
    let mut value = strings;
    for key in path.split('.') {
        if key.is_empty() || !key.chars().all(is_ident) {
            return None;
        }
        value = value.get(key)?;
    }
    value.as_str()
}

/// A tag of a template (`{{ … }}` or `{% … %}`) outside comments and raw blocks.
pub(super) struct Tag<'a> {
    /// Where its `{{` or `{%` is.
    pub start: usize,
    /// `{%` rather than `{{`.
    pub block: bool,
    /// Its text between the delimiters, whitespace control included, starting at `start + 2`.
    pub inner: &'a str,
}

impl<'a> Tag<'a> {
    /// Its text without whitespace control and surrounding spaces.
    pub fn trimmed(&self) -> &'a str {
        self.inner.trim_matches('-').trim()
    }
}

/// The tags of a template, in order, outside comments (`{# … #}`) and raw blocks (the `raw` and
/// `endraw` tags themselves left out), as Tera reads them.
pub(super) fn tags(text: &str) -> Vec<Tag<'_>> {
    let bytes = text.as_bytes();
    let mut tags = Vec::new();
    let (mut at, mut raw) = (0, false);
    loop {
        // In a raw block only `{% endraw %}` counts.
        let next = if raw { memchr::memmem::find(&bytes[at..], b"{%") } else { memchr::memchr(b'{', &bytes[at..]) };
        let Some(start) = next.map(|found| at + found) else { break };
        let close = match bytes.get(start + 1) {
            Some(b'#') => {
                let Some(end) = memchr::memmem::find(&bytes[start + 2..], b"#}") else { break };
                at = start + 2 + end + 2;
                continue;
            }
            Some(b'%') => b'%',
            Some(b'{') => b'}',
            _ => {
                at = start + 1;
                continue;
            }
        };
        let Some(end) = tag_end(bytes, start + 2, close) else { break };
        at = end + 2;
        let tag = Tag { start, block: close == b'%', inner: &text[start + 2..end] };
        let word = if tag.block { tag.trimmed().split(|c: char| !is_ident(c)).next().unwrap_or("") } else { "" };
        if raw {
            raw = word != "endraw";
        } else if word == "raw" {
            raw = true;
        } else {
            tags.push(tag);
        }
    }
    tags
}

/// The interface strings a template names that the theme and site do not have: `t.home.figuers`,
/// as (byte offset of `t`, length of the path, the path without `t.`). Known before any page is
/// rendered, so `check` finds them; a template that could give `t` another value is passed over.
pub fn unknown_strings(text: &str, strings: &Json) -> Vec<(usize, usize, String)> {
    let tags = tags(text);
    let rebinds = tags.iter().filter(|tag| tag.block).any(|tag| {
        let tag = tag.trimmed();
        match tag.split(|c: char| !is_ident(c)).next().unwrap_or("") {
            "component" => true,
            "set" | "set_global" | "for" | "macro" | "filter" => binds_t(tag),
            _ => false,
        }
    });
    if rebinds {
        return Vec::new();
    }
    let mut found = Vec::new();
    for tag in &tags {
        // String literals blanked out, byte for byte so that offsets hold: `{{ "see t.x" }}` is text.
        let mut quote = None;
        let mut blanked = String::with_capacity(tag.inner.len());
        for c in tag.inner.chars() {
            match quote {
                Some(q) if c == q => {
                    quote = None;
                    blanked.push(c);
                }
                Some(_) => blanked.extend(std::iter::repeat_n(' ', c.len_utf8())),
                None => {
                    if matches!(c, '"' | '\'' | '`') {
                        quote = Some(c);
                    }
                    blanked.push(c);
                }
            }
        }
        let inner = blanked.as_str();
        for (i, _) in inner.match_indices("t.") {
            let before = inner[..i].chars().next_back();
            if before.is_some_and(|c| is_ident(c) || c == '.') {
                continue;
            }
            let path: &str = {
                let rest = &inner[i + 2..];
                let len = rest.find(|c: char| !(is_ident(c) || c == '.')).unwrap_or(rest.len());
                rest[..len].trim_end_matches('.')
            };
            let mut value = strings;
            for key in path.split('.') {
                match value.get(key) {
                    Some(next) => value = next,
                    None if value.is_object() => {
                        found.push((tag.start + 2 + i, path.len() + 2, path.to_owned()));
                        break;
                    }
                    None => break,
                }
            }
        }
    }
    found
}

/// Whether printed text reads the same as template text in any neighbourhood (see the module's
/// comment).
fn foldable(printed: &str) -> bool {
    let edge_space = printed.starts_with(char::is_whitespace) || printed.ends_with(char::is_whitespace);
    let delimiters = ["{{", "{%", "{#", "}}", "%}", "#}"].iter().any(|d| printed.contains(d));
    !printed.is_empty() && !edge_space && !delimiters && !printed.contains(['\n', '\r'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn strings() -> Json {
        json!({"nav": {"home": "首页", "amp": "A & B"}, "sp": {"lead": " x", "empty": ""}, "n": {"k": 3},
               "odd": {"tag": "a {{ b }}", "line": "a\nb"}})
    }

    fn fold(name: &str, text: &str) -> Option<Folded> {
        fold_strings([(name, text)], &strings()).map(|mut v| v.remove(0))
    }

    #[test]
    fn strings_the_theme_does_not_have_are_found_with_their_place() {
        let text = "<a>{{ t.nav.hom }}</a>{% if t.nav.home %}{{ t.navv.home | upper }}{% endif %}{# t.x #}\
                    {{ \"t.y\" }}{{ '见 t.zz' }}{{ at.z }}{{ t.n.k }}{{ t.nav }}{{ '首页' ~ t.nav.hme }}";
        let found: Vec<(usize, String)> =
            unknown_strings(text, &strings()).into_iter().map(|(at, _, path)| (at, path)).collect();
        assert_eq!(
            found,
            [
                (text.find("t.nav.hom ").unwrap(), "nav.hom".into()),
                (text.find("t.navv").unwrap(), "navv.home".into()),
                (text.find("t.nav.hme").unwrap(), "nav.hme".into()),
            ]
        );
        assert!(unknown_strings("{% for t in x %}{{ t.zz }}{% endfor %}", &strings()).is_empty(), "t bound again");
        assert!(unknown_strings("{% raw %}{{ t.zz }}{% endraw %}", &strings()).is_empty(), "raw text");
    }

    #[test]
    fn plain_lookups_are_folded_and_escaped_as_tera_prints_them() {
        let folded = fold("a.html", "<a>{{ t.nav.home }}</a>{{t.nav.amp}}").unwrap();
        assert_eq!(folded.text, "<a>首页</a>A &amp; B");
        let folded = fold("a.txt", "{{ t.nav.amp }}").unwrap();
        assert_eq!(folded.text, "A & B");
    }

    #[test]
    fn what_might_print_otherwise_is_left_to_tera() {
        for text in [
            "{{ t.nav.home | upper }}",
            "{{- t.nav.home }}",
            "{{ t.nav.home -}}",
            "{{ t.sp.lead }}",
            "{{ t.sp.empty }}",
            "{{ t.n.k }}",
            "{{ t.nav }}",
            "{{ t.nav.missing }}",
            "{{ t.odd.tag }}",
            "{{ t.odd.line }}",
            "{{ t['nav'].home }}",
            "{# {{ t.nav.home }} #}",
            "{% raw %}{{ t.nav.home }}{% endraw %}",
            "{{ \"{{ t.nav.home }}\" }}",
            "{% set x = \"{{ t.nav.home }}\" %}",
        ] {
            let folded = fold("a.html", text).unwrap();
            assert_eq!(folded.text, text, "{text}");
        }
        assert_eq!(
            fold("a.html", "{% raw %}{{ t.nav.home }}{% endraw %}{{ t.nav.home }}").unwrap().text,
            "{% raw %}{{ t.nav.home }}{% endraw %}首页"
        );
    }

    #[test]
    fn a_template_that_could_rebind_t_folds_nothing() {
        for text in [
            "{% set t = x %}{{ t.nav.home }}",
            "{% set_global t = x %}",
            "{% for t in xs %}{% endfor %}",
            "{%- for k, t in xs -%}{% endfor %}",
            "{% component c(t) %}{% endcomponent %}",
            "{{ \"unclosed }}",
        ] {
            assert_eq!(fold_strings([("a.html", "{{ t.nav.home }}"), ("b.html", text)], &strings()), None, "{text}");
        }
        // Reading `t` in a tag is fine.
        assert!(fold("a.html", "{% set x = t.nav.home %}{% for k in t.nav %}{% endfor %}{{ t.nav.home }}").is_some());
    }

    /// What Tera prints for `text` as `name` with `strings` as the global `t`.
    fn rendered(name: &str, text: &str, strings: &Json) -> Result<String, String> {
        let mut tera = tera::Tera::new();
        tera.add_raw_templates([(name, text)]).map_err(|e| e.to_string())?;
        tera.global_context().insert_value("t", tera::Value::from_serializable(strings));
        tera.render(name, &tera::Context::new()).map_err(|e| e.to_string())
    }

    /// Pieces of templates whose neighbours matter: whitespace control on either side, text with
    /// white space at its ends, values that must not be folded, comments, raw blocks.
    const PIECES: &[&str] = &[
        "{{ t.nav.home }}",
        "{{t.nav.amp}}",
        "{{ t.sp.lead }}",
        "{{ t.sp.empty }}",
        "{{ t.odd.tag }}",
        "{{- t.nav.home }}",
        "{{ t.nav.home -}}",
        "{{ t.nav.home | upper }}",
        "{% if true -%}",
        "{%- if true %}",
        "{%- endif -%}",
        "{% endif %}",
        "{# note #}",
        "{#- note -#}",
        "{% raw %}{{ t.nav.home }}{% endraw %}",
        "{%- raw -%} {{ t.nav.amp }} {%- endraw -%}",
        " ",
        "  \n  ",
        "\n",
        "x",
        "<b>",
        "&",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Folded or not, a template prints the same, or fails alike.
        #[test]
        fn folded_templates_print_what_tera_printed(picks in proptest::collection::vec(0..PIECES.len(), 0..12), html in proptest::bool::ANY) {
            let text: String = picks.iter().map(|&i| PIECES[i]).collect();
            let name = if html { "a.html" } else { "a.txt" };
            let folded = fold(name, &text).expect("no binding of t here");
            // The `if`s may not balance: then both fail to compile.
            let (before, after) = (rendered(name, &text, &strings()), rendered(name, &folded.text, &strings()));
            proptest::prop_assert_eq!(before.is_ok(), after.is_ok(), "{:?} -> {:?}", text, folded.text);
            if let (Ok(before), Ok(after)) = (before, after) {
                proptest::prop_assert_eq!(before, after, "{:?} -> {:?}", text, folded.text);
            }
        }
    }

    #[test]
    fn columns_map_back_to_the_original_text() {
        let folded = fold("a.html", "ab {{ t.nav.home }} cd {{ t.nav.home }} {{ oops }}\n{{ t.nav.home }} x").unwrap();
        assert_eq!(folded.text, "ab 首页 cd 首页 {{ oops }}\n首页 x");
        // `oops` is at column 15 of the folded line and 43 of the original one.
        let oops = folded.text.lines().next().unwrap().chars().position(|c| c == 'o').unwrap();
        assert_eq!(oops, 15);
        assert_eq!(folded.original_col(1, oops), 43);
        assert_eq!(folded.original_col(1, 1), 1);
        assert_eq!(folded.original_col(2, 3), 17);
    }
}

//! Tera's own messages, read back into a key and its values so that a theme author reads them in
//! the build's language (Tera writes English). A message not recognised here is shown as Tera
//! wrote it. The catalog holds each text under `tera.<key>`, and the token words (`identifier`,
//! `string` …) under `tera.token.<word>`.

use crate::diagnostics::Diagnostic;

/// The values of a message: placeholder names in the catalog's `tera.<key>` text.
type Values = Vec<(&'static str, String)>;

/// Adds Tera's `message` to `diagnostic` as its `detail`, with the key and values that let it be
/// told in the catalog's language (see [`crate::diagnostics::Diagnostic::message`]).
pub fn detail(diagnostic: Diagnostic, message: &str) -> Diagnostic {
    let mut d = diagnostic.arg("detail", message.to_owned());
    if let Some((key, values)) = read(message) {
        d = d.arg(DETAIL_KEY, key);
        for (name, value) in values {
            d = d.arg(name, value);
        }
    }
    d
}

/// The argument that names the catalog's text for a `detail` (its values are the arguments
/// whose names start with `tera_`).
pub const DETAIL_KEY: &str = "detail_key";

/// The words Tera names a token with (`Found identifier but …`), each translated in the catalog.
const TOKEN_WORDS: &[&str] =
    &["identifier", "string", "integer", "float", "bool", "content", "raw content", "comment", "attribute name"];

/// `text` between the first `open` and the `close` after it, and what follows the `close`.
fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<(&'a str, &'a str)> {
    let (_, rest) = text.split_once(open)?;
    rest.split_once(close)
}

/// A token as Tera names it: a word (translated later), or a symbol in backticks as written; a
/// bare symbol (`Found … but expected %}.`) is put in backticks.
fn token(text: &str) -> String {
    let text = text.trim();
    if TOKEN_WORDS.contains(&text) || text.starts_with('`') { text.to_owned() } else { format!("`{text}`") }
}

/// Tera's `Variable `x` is not defined. Available variables: a, b` (or `Field …`, `fields`).
pub struct Undefined<'a> {
    pub field: bool,
    pub name: &'a str,
    /// The names there are (`a, b`), when Tera lists them.
    pub available: Option<&'a str>,
}

/// The undefined variable or field `message` tells of, if it is that message.
pub fn undefined(message: &str) -> Option<Undefined<'_>> {
    let (field, rest) = match message.trim().strip_prefix("Variable `") {
        Some(rest) => (false, rest),
        None => (true, message.trim().strip_prefix("Field `")?),
    };
    let (name, rest) = rest.split_once("` is not defined")?;
    let available = rest.split_once(if field { "Available fields: " } else { "Available variables: " });
    Some(Undefined { field, name, available: available.map(|(_, list)| list) })
}

/// The key and values of one of Tera's messages.
pub fn read(message: &str) -> Option<(&'static str, Values)> {
    let m = message.trim();
    let one = |key: &'static str, name: &'static str, value: &str| Some((key, vec![(name, value.to_owned())]));
    if m == "Unexpected end of input" {
        return Some(("end_of_input", Vec::new()));
    }
    if m == "Unknown tag" {
        return Some(("unknown_tag", Vec::new()));
    }
    if let Some(rest) = m.strip_prefix("Found ") {
        if let Some((found, _)) = rest.split_once(" but was expecting `elif`, `else` or `endif`") {
            return one("found_branch", "tera_found", &token(found));
        }
        let (found, expected) = rest.split_once(" but expected ")?;
        let expected = expected.strip_suffix('.').unwrap_or(expected);
        // `one of: integer, float, …` and the other lists are kept as Tera wrote them.
        let expected = if expected.contains(' ') && !TOKEN_WORDS.contains(&expected) {
            expected.to_owned()
        } else {
            token(expected)
        };
        return Some(("found_expected", vec![("tera_found", token(found)), ("tera_expected", expected)]));
    }
    if let Some(undefined) = undefined(m) {
        let key = match (undefined.field, undefined.available.is_some()) {
            (false, false) => "undefined_variable",
            (false, true) => "undefined_variable_among",
            (true, false) => "undefined_field",
            (true, true) => "undefined_field_among",
        };
        let mut values = vec![("tera_name", undefined.name.to_owned())];
        values.extend(undefined.available.map(|list| ("tera_list", list.to_owned())));
        return Some((key, values));
    }
    if let Some(rest) = m.strip_prefix("Closing tag '") {
        let (end, open) = rest.split_once("' doesn't match opening tag '")?;
        let open = open.strip_suffix('\'')?;
        return Some(("closing_mismatch", vec![("tera_name", open.to_owned()), ("tera_other", end.to_owned())]));
    }
    if m.starts_with("String opened with `") {
        let (quote, _) = between(m, "`", "`")?;
        return one("unclosed_string", "tera_name", quote);
    }
    if m.starts_with("Closing comment tag `") {
        let (tag, _) = between(m, "`", "`")?;
        return one("unclosed_comment", "tera_name", tag);
    }
    if m.starts_with("Cannot compare `") {
        let (a, rest) = between(m, "`", "`")?;
        let (b, _) = between(rest, "`", "`")?;
        return Some(("cannot_compare", vec![("tera_name", a.to_owned()), ("tera_other", b.to_owned())]));
    }
    if m.starts_with("Iteration not possible on type `") {
        return one("not_iterable", "tera_name", between(m, "`", "`")?.0);
    }
    if m.starts_with("Math operations can only be done on numbers, found `") {
        return one("math_on_numbers", "tera_name", between(m, "`", "`")?.0);
    }
    if m.starts_with("Missing keyword argument `") {
        return one("missing_argument", "tera_name", between(m, "`", "`")?.0);
    }
    if m.starts_with("Invalid type for the value, expected `") {
        let (expected, rest) = between(m, "`", "`")?;
        let (got, _) = between(rest, "`", "`")?;
        return Some(("invalid_type", vec![("tera_expected", expected.to_owned()), ("tera_found", got.to_owned())]));
    }
    if m.starts_with("Filter `") && m.ends_with("` is not registered") {
        return one("unknown_filter", "tera_name", between(m, "`", "`")?.0);
    }
    if let Some((keyword, _)) = m.split_once(" can only be used in a for loop") {
        return one("loop_only", "tera_name", keyword);
    }
    if m.starts_with("Template is already extending `") {
        return one("extends_twice", "tera_name", between(m, "`", "`")?.0);
    }
    if m.starts_with("Template already contains a block named `") {
        return one("duplicate_block", "tera_name", between(m, "`", "`")?.0);
    }
    if m.starts_with("Invalid syntax for `set`") {
        return Some(("set_syntax", Vec::new()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::read;

    fn values(message: &str) -> (&'static str, Vec<(&'static str, String)>) {
        read(message).unwrap_or_else(|| panic!("not read: {message}"))
    }

    #[test]
    fn teras_messages_are_read_into_keys_and_values() {
        assert_eq!(
            values("Found `}}` but expected identifier."),
            ("found_expected", vec![("tera_found", "`}}`".into()), ("tera_expected", "identifier".into())])
        );
        assert_eq!(
            values("Found identifier but expected %}."),
            ("found_expected", vec![("tera_found", "identifier".into()), ("tera_expected", "`%}`".into())])
        );
        assert_eq!(values("Found `%}` but was expecting `elif`, `else` or `endif`.").0, "found_branch");
        assert_eq!(
            values("Variable `titel` is not defined. Available variables: page, root, site"),
            ("undefined_variable_among", vec![("tera_name", "titel".into()), ("tera_list", "page, root, site".into())])
        );
        assert_eq!(values("Field `slugg` is not defined"), ("undefined_field", vec![("tera_name", "slugg".into())]));
        assert_eq!(
            values("Closing tag 'endfor' doesn't match opening tag 'if'"),
            ("closing_mismatch", vec![("tera_name", "if".into()), ("tera_other", "endfor".into())])
        );
        assert_eq!(values("String opened with `\"` is missing its closing `\"`").1, vec![("tera_name", "\"".into())]);
        assert_eq!(
            values("Cannot compare `string` with `integer`").1,
            vec![("tera_name", "string".into()), ("tera_other", "integer".into())]
        );
        assert_eq!(values("Unexpected end of input"), ("end_of_input", vec![]));
        assert_eq!(values("break can only be used in a for loop"), ("loop_only", vec![("tera_name", "break".into())]));
        assert_eq!(read("Something Tera says that is new"), None);
        // A message cut short is left as Tera wrote it, not half read.
        assert_eq!(read("Cannot compare `string"), None);
    }
}

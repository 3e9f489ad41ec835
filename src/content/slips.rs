//! Slips an editor makes in YAML, which the parser reports badly or not at all, found so that
//! the message points at the character and shows the line as it should read:
//!
//! - punctuation a Chinese input method types where YAML needs ASCII: a full-width colon after a
//!   key (`status：named`), a full-width space (U+3000) after a colon or in the indentation;
//! - a tab in the indentation, a key without a space after its colon (`status:named`);
//! - a value that needs quotes: one holding `: ` (`region: 广东省: 佛山市`), starting with `@` or a
//!   backtick, or with text after a bracket or quote (`[总装车间]装配班`, `"两学一做"学习教育`); a
//!   quote or bracket never closed;
//! - a list made one item: full-width commas or brackets (`tags: [安全，质量]`, `【安全, 质量】`).
//!
//! The parser stops on the line after a colon slip (where it looked for the key's colon) with a
//! message, in English, about that line; a list slip is no error to it at all (two tags become
//! one). The readers of case front matter and of the configuration ask this module when the YAML
//! fails to parse, and about keys and list items that parsed into something else than meant.

use crate::diagnostics::{Diagnostic, Location};

/// A slip that breaks the YAML's syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slip {
    /// `key：value`, also inside `{ … }`.
    FullWidthColon,
    /// `key:　value`: a full-width space after the colon.
    FullWidthSpaceAfterColon,
    /// `key:value`: no space after the colon.
    NoSpaceAfterColon,
    /// A full-width space in a line's indentation.
    FullWidthIndent,
    /// A tab in a line's indentation.
    TabIndent,
    /// `key: a: b`: a colon and a space inside an unquoted value.
    ColonInValue,
    /// `key: @a`, `key: [a]b`, `key: "a"b`: a value that YAML reads as something else unless
    /// quoted as a whole.
    NeedsQuotes,
    /// `key: "a`: a quote the value's lines never close.
    UnclosedQuote,
    /// `key: [a, b`: a bracket the value's lines never close.
    UnclosedBracket,
    /// `key: a #1 b`: a `#` that makes the rest of the value a comment (a warning: the YAML parses).
    CommentInValue,
}

impl Slip {
    /// The diagnostic's code (its texts are under `diag.<code>` in the catalogs).
    pub(crate) fn code(self) -> &'static str {
        match self {
            Slip::FullWidthColon => "fullwidth_colon",
            Slip::FullWidthSpaceAfterColon => "fullwidth_space_after_colon",
            Slip::NoSpaceAfterColon => "no_space_after_colon",
            Slip::FullWidthIndent => "fullwidth_indent",
            Slip::TabIndent => "tab_indent",
            Slip::ColonInValue => "colon_in_value",
            Slip::NeedsQuotes => "needs_quotes",
            Slip::UnclosedQuote => "unclosed_quote",
            Slip::UnclosedBracket => "unclosed_bracket",
            Slip::CommentInValue => "comment_in_value",
        }
    }

    /// A comment in a value is a warning: the YAML parses, and a `#` may belong to the text.
    fn is_warning(self) -> bool {
        self == Slip::CommentInValue
    }
}

/// A slip found in the YAML text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub slip: Slip,
    /// The line in the YAML text (1-based) and the column in characters (1-based).
    pub line: usize,
    pub column: usize,
    /// How many characters the slip is.
    pub len: usize,
    /// The key of the line or entry (empty for the indentation).
    pub key: String,
    /// The line as it should read, where the fix is certain.
    pub fix: Option<String>,
}

impl Found {
    /// The error (or warning), with the line as it should read as the suggestion.
    pub(crate) fn diagnostic(&self) -> Diagnostic {
        let fix = self.fix.as_deref().map(|line| line.trim().to_owned());
        let code = self.slip.code();
        let diagnostic = if self.slip.is_warning() { Diagnostic::warning(code) } else { Diagnostic::error(code) };
        diagnostic.arg("field", self.key.clone()).suggest(fix)
    }

    /// Where it is in a file whose YAML starts on line `first_line`.
    pub(crate) fn location(&self, first_line: usize) -> Location {
        Location::new(self.line + first_line - 1, self.column, self.len)
    }
}

const IDEOGRAPHIC_SPACE: char = '\u{3000}';

/// Whether `slips` explain a syntax error the parser found on `line` (1-based) of `yaml`: the
/// last one up to it is on that line, or on the line before it that the parser read, or is a
/// quote or bracket never closed (which the parser reads on from, to fail anywhere after).
pub(crate) fn explain(yaml: &str, slips: &[Found], line: usize) -> bool {
    slips.iter().rfind(|slip| slip.line <= line).is_some_and(|last| {
        matches!(last.slip, Slip::UnclosedQuote | Slip::UnclosedBracket) || next_content_line(yaml, last.line) >= line
    })
}

/// The slips in the first `last_line` lines of `yaml` (the lines up to a syntax error), in order.
pub(crate) fn syntax_slips(yaml: &str, last_line: usize) -> Vec<Found> {
    let mut found = Vec::new();
    for (number, line, rest_of_yaml) in yaml_lines(yaml).take_while(|(number, ..)| *number <= last_line) {
        let before = found.len();
        indentation_slips(line, number, &mut found);
        colon_slips(line, number, &mut found);
        if found.len() == before {
            value_slips(line, number, rest_of_yaml, &mut found);
        }
    }
    found
}

/// The lines of `yaml` that are YAML, numbered from 1, each with the text after it: not those of
/// a block scalar's text (`summary: |`), where a full-width space may begin a paragraph and `#`
/// is text.
fn yaml_lines(yaml: &str) -> impl Iterator<Item = (usize, &str, &str)> {
    // The indentation of the line that opened a block scalar, while its text lasts.
    let mut block: Option<usize> = None;
    let mut offset = 0;
    yaml.split('\n').enumerate().filter_map(move |(i, line)| {
        let rest_of_yaml = yaml.get(offset + line.len()..).unwrap_or_default();
        offset += line.len() + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        let spaces = line.len() - line.trim_start_matches(' ').len();
        if let Some(indent) = block {
            if line.trim().is_empty() || spaces > indent {
                return None;
            }
            block = None;
        }
        if opens_block_scalar(line) {
            block = Some(spaces);
        }
        Some((i + 1, line, rest_of_yaml))
    })
}

/// A `#` that starts a comment in the middle of a plain value, which YAML reads without it and
/// without what follows (`unit: 总装车间 #1 装配班` is `总装车间`): a warning where the `#` is
/// followed by text at once, as a number is (`# 注` is a comment, written so on purpose). The
/// YAML parsed: a line of a key and its value, or a list item.
pub(crate) fn comment_slips(yaml: &str) -> Vec<Found> {
    let mut found = Vec::new();
    if memchr::memmem::find(yaml.as_bytes(), b" #").is_none() {
        return found;
    }
    for (number, line, _) in yaml_lines(yaml).filter(|(_, line, _)| line.contains(" #")) {
        let chars: Vec<char> = line.chars().collect();
        let content = content_start(&chars);
        let (key, start) = match key_value(&chars) {
            Some((key, start)) => (chars[key].iter().collect::<String>(), start),
            // A list item's text (`- 第一步 #1`), not a key of an item's mapping.
            None if key_at(&chars, content).is_none() && chars[..content].contains(&'-') => (String::new(), content),
            None => continue,
        };
        if chars.get(start).is_none_or(|c| matches!(c, '"' | '\'' | '[' | '{' | '|' | '>' | '#')) {
            continue;
        }
        let hash = comment_from(&chars, start);
        let Some(hash) = hash.filter(|&h| chars.get(h + 1).is_some_and(|c| !c.is_whitespace())) else { continue };
        let value: String = chars[start..].iter().collect::<String>().trim_end().to_owned();
        let fix = format!("{}{}", chars[..start].iter().collect::<String>(), quoted(&value));
        found.push(Found { slip: Slip::CommentInValue, line: number, column: hash + 1, len: 1, key, fix: Some(fix) });
    }
    found
}

/// The next line after `line` (1-based) that is not blank or a comment: where the parser reports
/// a slip on `line`, having read on to find the key's colon. Where no such line follows, the
/// parser reads on to the end of the text and reports the slip there (the line of the closing
/// `---` in a case file): the text's last line.
fn next_content_line(yaml: &str, line: usize) -> usize {
    let mut last = line;
    for (i, l) in yaml.split('\n').enumerate() {
        last = i + 1;
        let l = l.trim();
        if last > line && !l.is_empty() && !l.starts_with('#') {
            return last;
        }
    }
    last.max(line)
}

/// A full-width space or a tab among a line's leading white space and list dashes.
fn indentation_slips(line: &str, number: usize, found: &mut Vec<Found>) {
    let mut column = 0;
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        let slip = match c {
            ' ' => None,
            // A dash followed by white space is a list item's marker, part of the indentation.
            '-' => {
                let mut after = chars.clone();
                after.next();
                if !after.peek().is_some_and(|&n| matches!(n, ' ' | '\t' | IDEOGRAPHIC_SPACE)) {
                    break;
                }
                None
            }
            IDEOGRAPHIC_SPACE => Some(Slip::FullWidthIndent),
            '\t' => Some(Slip::TabIndent),
            _ => break,
        };
        column += 1;
        chars.next();
        if let Some(slip) = slip {
            let mut len = 1;
            while chars.peek() == Some(&c) {
                chars.next();
                len += 1;
            }
            found.push(Found { slip, line: number, column, len, key: String::new(), fix: None });
            return;
        }
    }
}

/// The key of a `key: value` line (its characters) and where its value starts (the line's end
/// for an empty value): the key's colon followed by a space or by nothing.
fn key_value(chars: &[char]) -> Option<(std::ops::Range<usize>, usize)> {
    let key_start = content_start(chars);
    let (end, colon) = key_at(chars, key_start)?;
    if chars.get(colon) != Some(&':') || chars.get(colon + 1).is_some_and(|&c| c != ' ') {
        return None;
    }
    let start = colon + 1 + chars[colon + 1..].iter().take_while(|&&c| c == ' ').count();
    Some((key_start..end, start))
}

/// Where a comment starts in a line, looked for from `start` on: a `#` after a space.
fn comment_from(chars: &[char], start: usize) -> Option<usize> {
    (start.max(1)..chars.len()).find(|&i| chars[i] == '#' && chars[i - 1] == ' ')
}

/// Where a line's content starts: after its indentation and list dashes.
fn content_start(chars: &[char]) -> usize {
    chars.iter().take_while(|&&c| matches!(c, ' ' | '\t' | IDEOGRAPHIC_SPACE | '-')).count()
}

/// An ASCII key (the fields and the framework's ids) starting at `at`: where it ends, and where
/// the character after it and its spaces is (a colon, if it is a key).
fn key_at(chars: &[char], at: usize) -> Option<(usize, usize)> {
    if !chars.get(at).is_some_and(|c| c.is_ascii_alphabetic() || *c == '_') {
        return None;
    }
    let end = at + chars[at..].iter().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')).count();
    let colon = end + chars[end..].iter().take_while(|&&c| c == ' ').count();
    Some((end, colon))
}

/// The colon slips of a key: a full-width colon, or a colon followed by a full-width space or by
/// no space at all. The slip, and where the fix goes: the character to replace with `:` (or ` `)
/// or the colon to put a space after.
fn colon_slip(chars: &[char], colon: usize) -> Option<(Slip, usize)> {
    match (chars.get(colon), chars.get(colon + 1)) {
        (Some('：'), _) => Some((Slip::FullWidthColon, colon)),
        (Some(':'), Some(&IDEOGRAPHIC_SPACE)) => Some((Slip::FullWidthSpaceAfterColon, colon + 1)),
        (Some(':'), Some(&c)) if !matches!(c, ' ' | ':' | '\t') => Some((Slip::NoSpaceAfterColon, colon)),
        _ => None,
    }
}

/// The colon slips of a line's keys: at its start (after its indentation and list dashes), and
/// after `{` or a comma in a one-line mapping.
fn colon_slips(line: &str, number: usize, found: &mut Vec<Found>) {
    let chars: Vec<char> = line.chars().collect();
    let mut slips = Vec::new();
    let mut at = content_start(&chars);
    let mut key_may_start = true;
    // The open flow collections' brackets.
    let mut flow: Vec<char> = Vec::new();
    while at < chars.len() {
        if key_may_start {
            key_may_start = false;
            if let Some((end, colon)) = key_at(&chars, at) {
                if let Some((slip, fix_at)) = colon_slip(&chars, colon) {
                    slips.push((slip, fix_at, chars[at..end].iter().collect::<String>()));
                }
                at = colon;
            }
            continue;
        }
        // Brackets open a flow collection where a value starts (`key: {`, `- [`, `[{`), not
        // inside text; in a mapping (`{`), a comma starts the next key.
        let c = chars[at];
        let value_starts = || {
            let before = chars[..at].iter().rev().find(|&&c| c != ' ');
            before.is_none_or(|&b| matches!(b, ':' | '-') || (!flow.is_empty() && matches!(b, '[' | '{' | ',')))
        };
        match c {
            '{' | '[' if !flow.is_empty() || value_starts() => flow.push(c),
            '}' | ']' => {
                flow.pop();
            }
            _ => {}
        }
        if flow.last() == Some(&'{') && matches!(c, '{' | ',' | '，') {
            key_may_start = true;
            at += 1;
            at += chars[at..].iter().take_while(|&&c| c == ' ').count();
            continue;
        }
        // Quoted text holds no keys.
        if matches!(c, '"' | '\'') {
            at = closing_quote(&chars, at).unwrap_or(chars.len());
        }
        at += 1;
    }
    if slips.is_empty() {
        return;
    }
    // The fixed line: each colon slip mended.
    let mut fix = String::with_capacity(line.len() + slips.len());
    for (i, &c) in chars.iter().enumerate() {
        match slips.iter().find(|(_, at, _)| *at == i).map(|(slip, ..)| slip) {
            Some(Slip::FullWidthColon) => {
                fix.push(':');
                if !matches!(chars.get(i + 1), Some(' ') | None) {
                    fix.push(' ');
                }
            }
            Some(Slip::FullWidthSpaceAfterColon) => fix.push(' '),
            Some(Slip::NoSpaceAfterColon) => fix.push_str(": "),
            _ => fix.push(c),
        }
    }
    for (slip, at, key) in slips {
        // The full-width space is pointed at, the other slips at their colon.
        found.push(Found { slip, line: number, column: at + 1, len: 1, key, fix: Some(fix.clone()) });
    }
}

/// Where the quote opening at `at` closes on the line (`"` with backslash escapes, `'` doubled).
fn closing_quote(chars: &[char], at: usize) -> Option<usize> {
    let quote = *chars.get(at)?;
    let mut i = at + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if quote == '"' => i += 1,
            c if c == quote => {
                if quote == '\'' && chars.get(i + 1) == Some(&'\'') {
                    i += 1;
                } else {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The slips in the value of a `key: value` line: a colon and a space in it, a start that YAML
/// reads as something else (`@`, a backtick, a bracket with text after it), a quote or bracket
/// never closed (the value goes on to the lines of `rest_of_yaml` indented more than its key).
fn value_slips(line: &str, number: usize, rest_of_yaml: &str, found: &mut Vec<Found>) {
    let chars: Vec<char> = line.chars().collect();
    let Some((key_range, start)) = key_value(&chars) else { return };
    let key_start = key_range.start;
    // Whether the next line that is not blank or a comment is indented more than the key: asked
    // only of a quote or bracket the line leaves open.
    let goes_on = || {
        rest_of_yaml
            .split('\n')
            .skip(1)
            .find_map(|l| {
                let content = l.trim_start_matches(' ');
                (!content.trim().is_empty() && !content.starts_with('#')).then_some(l.len() - content.len())
            })
            .is_some_and(|indent| indent > key_start)
    };
    // The value without a comment after it (one that is all comment has no slips). A `#` inside
    // a quoted value is text (`"第 #1 号"`): a comment can only follow its closing quote.
    let after_quote = match chars.get(start) {
        Some('"' | '\'') => closing_quote(&chars, start).map_or(chars.len(), |close| close + 1),
        _ => start,
    };
    let comment = comment_from(&chars, after_quote);
    let value_end = comment.map_or(chars.len(), |c| c - 1);
    let Some(&first) = chars[..value_end.max(start)].get(start) else { return };
    let value: String = chars[start..value_end].iter().collect::<String>().trim_end().to_owned();
    // Brackets are matched within the value: a `#` inside them ends it early, which at worst
    // leaves a slip unfound.
    let in_value = &chars[..value_end];
    let key: String = chars[key_range].iter().collect();
    let prefix: String = chars[..start].iter().collect();
    let with_value = |value: String| match comment {
        Some(c) => format!("{prefix}{value} {}", chars[c..].iter().collect::<String>()),
        None => format!("{prefix}{value}"),
    };
    let (slip, at, fix) = match first {
        '"' | '\'' => match closing_quote(in_value, start) {
            // Text after the closing quote (`"两学一做"学习教育`): the whole value quoted.
            Some(close) => {
                let after = chars[close + 1..value_end].iter().position(|c| *c != ' ');
                let Some(after) = after else { return };
                (Slip::NeedsQuotes, close + 1 + after, with_value(quoted(&value)))
            }
            None if goes_on() => return,
            None => {
                let opened: String = chars[start + 1..].iter().collect();
                (Slip::UnclosedQuote, start, closed(line.trim_end(), opened.trim_end(), first))
            }
        },
        '[' | '{' => {
            let close = match matching_bracket(in_value, start) {
                Ok(close) => close,
                Err(_) if goes_on() => return,
                Err(open) => {
                    let closers: String = open.iter().rev().map(|&b| if b == '[' { ']' } else { '}' }).collect();
                    let fix = with_value(format!("{value}{closers}"));
                    found.push(Found {
                        slip: Slip::UnclosedBracket,
                        line: number,
                        column: start + 1,
                        len: 1,
                        key,
                        fix: Some(fix),
                    });
                    return;
                }
            };
            let after = chars[close + 1..value_end].iter().position(|c| *c != ' ');
            let Some(after) = after else { return };
            (Slip::NeedsQuotes, close + 1 + after, with_value(quoted(&value)))
        }
        '@' | '`' => (Slip::NeedsQuotes, start, with_value(quoted(&value))),
        _ => {
            let inner = (start..value_end).find(|&i| chars[i] == ':' && chars.get(i + 1).is_none_or(|&c| c == ' '));
            let Some(inner) = inner else { return };
            (Slip::ColonInValue, inner, with_value(quoted(&value)))
        }
    };
    found.push(Found { slip, line: number, column: at + 1, len: 1, key, fix: Some(fix) });
}

/// A line whose value opens `quote` and never closes it (`value` is the text after that quote),
/// closed: the quote added at the end, or in place of the Chinese closing quote typed for it
/// (`"标题”`, where the value's “” do not pair it), and after a backslash that would escape it in
/// double quotes, a second one.
fn closed(line: &str, value: &str, quote: char) -> String {
    let (open, close) = if quote == '"' { ('“', '”') } else { ('‘', '’') };
    if value.ends_with(close) && value.matches(close).count() > value.matches(open).count() {
        return format!("{}{quote}", &line[..line.len() - close.len_utf8()]);
    }
    let backslashes = line.len() - line.trim_end_matches('\\').len();
    if quote == '"' && backslashes % 2 == 1 {
        return format!("{line}\\{quote}");
    }
    format!("{line}{quote}")
}

/// Where the bracket opening at `at` closes on the line, brackets inside counted; or the
/// brackets still open at the line's end.
fn matching_bracket(chars: &[char], at: usize) -> Result<usize, Vec<char>> {
    let mut open = Vec::new();
    let mut i = at;
    while i < chars.len() {
        match chars[i] {
            c @ ('[' | '{') => open.push(c),
            ']' | '}' => {
                open.pop();
                if open.is_empty() {
                    return Ok(i);
                }
            }
            // A quote never closed leaves its brackets open.
            '"' | '\'' => match closing_quote(chars, i) {
                Some(close) => i = close,
                None => return Err(open),
            },
            _ => {}
        }
        i += 1;
    }
    Err(open)
}

/// A value in the quotes YAML reads it back from: double quotes, or single ones where it holds
/// a double quote (doubling a single quote inside).
fn quoted(value: &str) -> String {
    if !value.contains('"') { format!("\"{value}\"") } else { format!("'{}'", value.replace('\'', "''")) }
}

/// A key written with a full-width colon or none after its colon inside `{ … }`
/// (`{ innovation：90 }`, `{ innovation:90 }`), which YAML reads as the key `innovation：90`
/// without a value: the slip, the key meant, where its colon is (in characters) and the entry as
/// it should read.
pub(crate) fn key_slip(key: &str) -> Option<(Slip, &str, usize, String)> {
    // Every score's key is asked about: most have no colon at all (`：` starts with byte 0xEF).
    memchr::memchr2(b':', 0xEF, key.as_bytes())?;
    let chars: Vec<char> = key.chars().collect();
    let (end, colon) = key_at(&chars, 0)?;
    let (slip, _) = colon_slip(&chars, colon).filter(|(slip, _)| *slip != Slip::FullWidthSpaceAfterColon)?;
    let ident = &key[..end];
    let value: String = chars[colon + 1..].iter().collect();
    Some((slip, ident, colon, format!("{ident}: {}", value.trim_start_matches([' ', IDEOGRAPHIC_SPACE]))))
}

/// Whether a line's value starts a block scalar (`key: |`, `- >-` …), whose lines are text.
fn opens_block_scalar(line: &str) -> bool {
    let value = line.split('#').next().unwrap_or_default().trim_end();
    let Some(last) = value.rsplit([' ', ':']).next() else { return false };
    let indicator = last.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '+');
    matches!(indicator, "|" | ">")
        && (value.len() == last.len() || value[..value.len() - last.len()].ends_with([' ', ':']))
}

/// A list value read as one item although the editor meant several: the separator or bracket an
/// input method typed, and the items meant. `None` for a value that is one item. `whole` is the
/// field's value when it is text rather than a list (`tags: 安全, 质量` is one tag).
pub(crate) fn list_slip(value: &str, whole: bool) -> Option<(char, Vec<String>)> {
    // Every tag and id is asked about: most have no separator or full-width bracket at all
    // (`，` and `［` start with byte 0xEF, `、` and `【` with 0xE3, which no ideograph does).
    memchr::memchr3(b',', 0xEF, 0xE3, value.as_bytes())?;
    let trimmed = value.trim();
    let (inner, bracket) = match (trimmed.chars().next(), trimmed.chars().last()) {
        (Some(open @ ('【' | '［' | '[')), Some('】' | '］' | ']')) if whole && trimmed.chars().count() >= 2 => {
            let open_len = open.len_utf8();
            let close_len = trimmed.chars().last().map_or(1, char::len_utf8);
            (&trimmed[open_len..trimmed.len() - close_len], Some(open))
        }
        _ => (trimmed, None),
    };
    // The input method's mark where there is one (it is what to type again); an ASCII comma only
    // in a field's one value, which is a list that lacks its brackets.
    let mark =
        inner.chars().find(|c| matches!(c, '，' | '、')).or_else(|| (whole && inner.contains(',')).then_some(','));
    let mark = match (bracket, mark) {
        (Some('['), None) | (None, None) => return None,
        (Some('['), Some(mark)) | (None, Some(mark)) => mark,
        (Some(open), _) => open,
    };
    let items = inner.split(['，', '、', ',']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
    Some((mark, items))
}

/// The list slip's diagnostic (`label_list_slip`, `id_list_slip`) of the item `value` of `field`:
/// the list as YAML reads it, `[a, b]`, as the suggestion.
pub(crate) fn list_slip_diagnostic(
    diagnostic: Diagnostic,
    field: &str,
    value: &str,
    mark: char,
    items: &[String],
) -> Diagnostic {
    let fix = format!("[{}]", items.join(", "));
    let diagnostic = diagnostic.arg("field", field).arg("value", value).arg("mark", mark).arg("fix", fix.clone());
    // An ASCII comma is no input method's slip: only the brackets are missing.
    let diagnostic = if mark == ',' { diagnostic.variant("no_brackets") } else { diagnostic };
    diagnostic.suggest(Some(fix))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Lines shaped like keys and values, with the slips' characters, are read without a panic.
        #[test]
        fn any_key_lines_are_read(text in "([ 　\t-]{0,3}[a-z]{0,2}[ ]?[:：]?[ 　]{0,2}[a-z甲：:,，\\[\\]{}\"'#@` ]{0,8}\n){0,6}") {
            let slips = syntax_slips(&text, usize::MAX);
            explain(&text, &slips, 3);
            comment_slips(&text);
        }

        /// Any text, made of what these functions look at, is read without a panic.
        #[test]
        fn any_text_is_read(text in "[ \t\r\n　a-z_:：,，、【】［］\\[\\]{}\"'\\\\#|>@`0-9甲-]{0,60}") {
            let slips = syntax_slips(&text, usize::MAX);
            comment_slips(&text);
            for line in 0..4 {
                explain(&text, &slips, line);
            }
            for part in text.split('\n') {
                list_slip(part, true);
                list_slip(part, false);
                key_slip(part);
                opens_block_scalar(part);
            }
        }
    }

    fn slips(yaml: &str) -> Vec<(Slip, usize, usize, Option<String>)> {
        syntax_slips(yaml, usize::MAX).into_iter().map(|f| (f.slip, f.line, f.column, f.fix)).collect()
    }

    #[test]
    fn a_full_width_colon_after_a_key() {
        assert_eq!(
            slips("title: 标题\nstatus：named\n"),
            [(Slip::FullWidthColon, 2, 7, Some("status: named".to_owned()))]
        );
        assert_eq!(slips("status ： named")[0].3.as_deref(), Some("status : named"));
        // In a list item, and in a one-line mapping (each colon of the line fixed).
        assert_eq!(
            slips("practices:\n  - title：做法\n    scores: { innovation：90, cohesion：85 }\n"),
            [
                (Slip::FullWidthColon, 2, 10, Some("  - title: 做法".to_owned())),
                (Slip::FullWidthColon, 3, 25, Some("    scores: { innovation: 90, cohesion: 85 }".to_owned())),
                (Slip::FullWidthColon, 3, 38, Some("    scores: { innovation: 90, cohesion: 85 }".to_owned())),
            ]
        );
    }

    #[test]
    fn a_full_width_colon_in_text_is_text() {
        assert!(slips("summary: 目标：提升质量\ntitle: \"a：b\"\nnote: 要点, key：x\n").is_empty());
        assert!(slips("summary: 采用{a：b}格式, {c：d}\n").is_empty());
        assert!(slips("steps:\n  - 第一步：摸底\n").is_empty());
    }

    /// A `#` inside quotes is text, not a comment that leaves the quote open; after the closing
    /// quote it starts a comment again.
    #[test]
    fn a_hash_inside_quotes_is_text() {
        assert!(slips("unit: \"总装车间 #1 装配班\"\nnote: '第 #2 号' # 注\nhint: \"“ #”开始注释\"\n").is_empty());
        assert_eq!(slips("unit: \"总装车间 #1 装配班\n")[0].0, Slip::UnclosedQuote);
    }

    #[test]
    fn full_width_spaces_and_tabs() {
        assert_eq!(
            slips("status:　named\n"),
            [(Slip::FullWidthSpaceAfterColon, 1, 8, Some("status: named".to_owned()))]
        );
        assert_eq!(slips("practices:\n　　- title: 做法\n")[0..1], [(Slip::FullWidthIndent, 2, 1, None)]);
        assert_eq!(slips("practices:\n  -　title: 做法\n")[0..1], [(Slip::FullWidthIndent, 2, 4, None)]);
        assert_eq!(slips("assessments:\n\t- period: 2024\n"), [(Slip::TabIndent, 2, 1, None)]);
    }

    #[test]
    fn block_scalars_are_text() {
        let yaml = "summary: |\n  　　段首空两格。\n  key：不是字段\ntitle：标题\n";
        assert_eq!(slips(yaml), [(Slip::FullWidthColon, 4, 6, Some("title: 标题".to_owned()))]);
        assert!(slips("- >-\n  　x\n").is_empty());
        assert!(opens_block_scalar("summary: |2-") && opens_block_scalar("- >"));
        assert!(!opens_block_scalar("summary: a | b") && !opens_block_scalar("title: x>"));
    }

    #[test]
    fn only_lines_up_to_the_error_are_read() {
        assert!(syntax_slips("a: 1\nb：2\n", 1).is_empty());
        assert_eq!(syntax_slips("a: 1\nb：2\n", 2).len(), 1);
        let yaml = "a: 1\nb：2\n\nc: 3\nd:\n  - a\n - b\n";
        let slips = syntax_slips(yaml, usize::MAX);
        assert!(explain(yaml, &slips, 2) && explain(yaml, &slips, 4));
        assert!(!explain(yaml, &slips, 1) && !explain(yaml, &slips, 7));
        assert_eq!(next_content_line("a：1\n\n# note\nb: 2\n", 1), 4);
        // Nothing after the slip: the parser stops at the end of the text, which the slip explains.
        assert_eq!(next_content_line("a：1\n", 1), 2);
        assert_eq!(next_content_line("a：1", 1), 1);
        let yaml = "tags:\n\u{3000}- 安全生产\n";
        let slips = syntax_slips(yaml, 3);
        assert!(explain(yaml, &slips, 3));
    }

    #[test]
    fn keys_read_with_their_colon() {
        let slip = key_slip;
        assert_eq!(slip("innovation：90"), Some((Slip::FullWidthColon, "innovation", 10, "innovation: 90".to_owned())));
        assert_eq!(slip("date ：2024-01-15"), Some((Slip::FullWidthColon, "date", 5, "date: 2024-01-15".to_owned())));
        assert_eq!(
            slip("innovation:90"),
            Some((Slip::NoSpaceAfterColon, "innovation", 10, "innovation: 90".to_owned()))
        );
        assert_eq!(slip("innovation"), None);
        assert_eq!(slip("目标：x"), None);
        assert_eq!(slip("：x"), None);
    }

    #[test]
    fn no_space_after_a_colon() {
        assert_eq!(slips("status:named\n"), [(Slip::NoSpaceAfterColon, 1, 7, Some("status: named".to_owned()))]);
        assert_eq!(
            slips("  - { date:2024-01-15, stage: planned }\n"),
            [(Slip::NoSpaceAfterColon, 1, 11, Some("  - { date: 2024-01-15, stage: planned }".to_owned()))]
        );
        // A colon in a value, a URL, a time: text.
        assert!(slips("cover: http://x/a.png\nnote: 10:30 开会\n").is_empty());
    }

    #[test]
    fn values_that_need_quotes() {
        assert_eq!(
            slips("region: 广东省: 佛山市  # 注\n"),
            [(Slip::ColonInValue, 1, 12, Some("region: \"广东省: 佛山市\" # 注".to_owned()))]
        );
        assert_eq!(slips("title: 通知如下:\n")[0].3.as_deref(), Some("title: \"通知如下:\""));
        assert_eq!(slips("title: 他说\"好\": 对\n")[0].3.as_deref(), Some("title: '他说\"好\": 对'"));
        assert_eq!(
            slips("unit: [总装车间]装配班\n"),
            [(Slip::NeedsQuotes, 1, 13, Some("unit: \"[总装车间]装配班\"".to_owned()))]
        );
        assert_eq!(slips("unit: @总装车间\n"), [(Slip::NeedsQuotes, 1, 7, Some("unit: \"@总装车间\"".to_owned()))]);
        assert_eq!(
            slips("title: \"两学一做\"学习教育\n"),
            [(Slip::NeedsQuotes, 1, 14, Some("title: '\"两学一做\"学习教育'".to_owned()))]
        );
        assert!(slips("tags: [a, b]  # 注\nscores: { a: 1 }\ntitle: \"a: b\"\n").is_empty());
        // A value that is all comment, or a bracket closed only inside the comment.
        assert!(slips("cover: #\ncover:   # x\n").is_empty());
        assert_eq!(slips("x: {a # }\n")[0].0, Slip::UnclosedBracket);
    }

    #[test]
    fn a_bracket_never_closed() {
        assert_eq!(
            slips("tags: [安全, 质量\npractices:\n"),
            [(Slip::UnclosedBracket, 1, 7, Some("tags: [安全, 质量]".to_owned()))]
        );
        assert_eq!(slips("  - x: [a, {b: [c  # 注\n")[0].3.as_deref(), Some("  - x: [a, {b: [c]}] # 注"));
        // Closed on a line indented more than the key: a list of several lines.
        assert!(slips("tags: [安全,\n  质量]\nsite: x\n").is_empty());
    }

    #[test]
    fn a_comment_that_cuts_a_value() {
        let yaml = "unit: 总装车间 #1 装配班\nstatus: named  # 必填\nsteps:\n  - 第一步 #2\ntitle: \"a #1\"\ntags: [a, b] #x\nsummary: |\n  正文 #3\n";
        let found: Vec<_> = comment_slips(yaml)
            .into_iter()
            .map(|f| (f.slip, f.line, f.column, f.key, f.fix.unwrap_or_default()))
            .collect();
        assert_eq!(
            found,
            [
                (Slip::CommentInValue, 1, 12, "unit".to_owned(), "unit: \"总装车间 #1 装配班\"".to_owned()),
                (Slip::CommentInValue, 4, 9, String::new(), "  - \"第一步 #2\"".to_owned()),
            ]
        );
        assert!(comment_slips("a: b\n").is_empty());
    }

    #[test]
    fn a_quote_never_closed() {
        assert_eq!(
            slips("title: \"师带徒结对\nsite: 班组\n"),
            [(Slip::UnclosedQuote, 1, 8, Some("title: \"师带徒结对\"".to_owned()))]
        );
        // Chinese quotes inside: the line closed with the quote it opened, a Chinese one typed
        // for it replaced, a backslash before it not left to escape it.
        let fix = |yaml: &str| slips(yaml).into_iter().map(|(slip, .., fix)| (slip, fix)).collect::<Vec<_>>();
        let unclosed = |line: &str| [(Slip::UnclosedQuote, Some(line.to_owned()))];
        assert_eq!(
            fix("title: \"收费站“党员服务台”守护节假日通行\n"),
            unclosed("title: \"收费站“党员服务台”守护节假日通行\"")
        );
        assert_eq!(
            fix("title: \"收费站“党员服务台”守护节假日通行”\n"),
            unclosed("title: \"收费站“党员服务台”守护节假日通行\"")
        );
        assert_eq!(fix("title: \"党员服务台”\n"), unclosed("title: \"党员服务台\""));
        assert_eq!(fix("title: '党员服务台’\n"), unclosed("title: '党员服务台'"));
        assert_eq!(fix("sep: \"\\\n"), unclosed("sep: \"\\\\\""));
        // Closed on a later line: a text of several lines.
        assert!(slips("title: \"师带徒\n  结对\"\nsite: 班组\n").is_empty());
        assert!(slips("title: '它''s'\n").is_empty());
    }

    #[test]
    fn lists_written_as_one_item() {
        let items = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(list_slip("人才培养，党员先锋岗", false), Some(('，', items(&["人才培养", "党员先锋岗"]))));
        assert_eq!(list_slip("安全、质量、效益", false), Some(('、', items(&["安全", "质量", "效益"]))));
        assert_eq!(list_slip("【安全, 质量】", true), Some(('【', items(&["安全", "质量"]))));
        assert_eq!(list_slip("［empower，quality］", true), Some(('［', items(&["empower", "quality"]))));
        assert_eq!(list_slip("安全, 质量", true), Some((',', items(&["安全", "质量"]))));
        assert_eq!(list_slip("安全, 质量，效益", true), Some(('，', items(&["安全", "质量", "效益"]))));
        // A list item with an ASCII comma was quoted on purpose; one item is one item.
        assert_eq!(list_slip("a, b", false), None);
        assert_eq!(list_slip("安全生产", true), None);
        assert_eq!(list_slip("[x]", true), None);
    }
}

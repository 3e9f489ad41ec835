//! Punctuation that a Chinese input method types where YAML needs ASCII: a full-width colon after
//! a key (`status：named`), a full-width space (U+3000) after a colon or in the indentation, a tab
//! in the indentation, full-width commas or brackets in a list (`tags: [安全，质量]`,
//! `tags: 【安全, 质量】`). An editor cannot see them, and the YAML parser reports the first ones
//! as a syntax error on the next line (in English), the others not at all: a list of two tags
//! becomes one tag. This module finds them, so that the message points at the character and says
//! what to type instead. The readers of case front matter and of the configuration ask it when
//! the YAML fails to parse, and about keys and list items that parsed into something else than
//! the editor meant.

use crate::diagnostics::{Diagnostic, Location};

/// A slip that breaks the YAML's syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slip {
    /// `key：value`, also inside `{ … }`.
    Colon,
    /// `key:　value`: a full-width space after the colon.
    SpaceAfterColon,
    /// A full-width space in a line's indentation.
    IndentSpace,
    /// A tab in a line's indentation.
    IndentTab,
}

impl Slip {
    /// The diagnostic's code (its texts are under `diag.<code>` in the catalogs).
    pub(crate) fn code(self) -> &'static str {
        match self {
            Slip::Colon => "fullwidth_colon",
            Slip::SpaceAfterColon => "fullwidth_space_after_colon",
            Slip::IndentSpace => "fullwidth_indent",
            Slip::IndentTab => "tab_indent",
        }
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
    /// The key before a colon slip.
    pub key: String,
    /// The line as it should read, where the fix is certain (the colons).
    pub fix: Option<String>,
}

impl Found {
    /// The error, with the line as it should read as the suggestion.
    pub(crate) fn diagnostic(&self) -> Diagnostic {
        let fix = self.fix.as_deref().map(|line| line.trim().to_owned());
        Diagnostic::error(self.slip.code()).arg("field", self.key.clone()).suggest(fix)
    }

    /// Where it is in a file whose YAML starts on line `first_line`.
    pub(crate) fn location(&self, first_line: usize) -> Location {
        Location::new(self.line + first_line - 1, self.column, self.len)
    }
}

const IDEOGRAPHIC_SPACE: char = '\u{3000}';

/// Whether `slips` explain a syntax error the parser found on `line` (1-based) of `yaml`: one is
/// on that line, or on the line before it that the parser read (it stops on the line after a
/// full-width colon, where it looked for the key's colon, with a message about that line, which
/// would send the editor to the wrong place).
pub(crate) fn explain(yaml: &str, slips: &[Found], line: usize) -> bool {
    slips.iter().rfind(|slip| slip.line <= line).is_some_and(|last| next_content_line(yaml, last.line) >= line)
}

/// The slips in the first `last_line` lines of `yaml` (the lines up to a syntax error), in order.
/// Lines inside a block scalar (`summary: |`) are text, where a full-width space may begin a
/// paragraph: they are skipped.
pub(crate) fn syntax_slips(yaml: &str, last_line: usize) -> Vec<Found> {
    let mut found = Vec::new();
    // The indentation of the line that opened a block scalar, while its text lasts.
    let mut block: Option<usize> = None;
    for (i, line) in yaml.split('\n').take(last_line).enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let spaces = line.len() - line.trim_start_matches(' ').len();
        if let Some(indent) = block {
            if line.trim().is_empty() || spaces > indent {
                continue;
            }
            block = None;
        }
        let number = i + 1;
        let before = found.len();
        indentation_slips(line, number, &mut found);
        colon_slips(line, number, &mut found);
        if found.len() == before && opens_block_scalar(line) {
            block = Some(spaces);
        }
    }
    found
}

/// The next line after `line` (1-based) that is not blank or a comment: where the parser reports
/// a slip on `line`, having read on to find the key's colon.
fn next_content_line(yaml: &str, line: usize) -> usize {
    yaml.split('\n')
        .enumerate()
        .skip(line)
        .find(|(_, l)| {
            let l = l.trim();
            !l.is_empty() && !l.starts_with('#')
        })
        .map_or(line, |(i, _)| i + 1)
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
            IDEOGRAPHIC_SPACE => Some(Slip::IndentSpace),
            '\t' => Some(Slip::IndentTab),
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

/// A full-width colon after a key, or a full-width space after a key's colon. A key is ASCII (the
/// fields and the framework's ids) at the start of the line (after its indentation and list
/// dashes) or after `{` or a comma in a one-line mapping.
fn colon_slips(line: &str, number: usize, found: &mut Vec<Found>) {
    let chars: Vec<char> = line.chars().collect();
    let mut fixed = chars.clone();
    let mut slips = Vec::new();
    let mut at = chars.iter().take_while(|&&c| matches!(c, ' ' | '\t' | IDEOGRAPHIC_SPACE | '-')).count();
    let mut key_may_start = true;
    // The open flow collections' brackets.
    let mut flow: Vec<char> = Vec::new();
    while at < chars.len() {
        if key_may_start {
            let start = at;
            while chars.get(at).is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) {
                at += 1;
            }
            let is_key = at > start && (chars[start].is_ascii_alphabetic() || chars[start] == '_');
            let mut colon = at;
            while chars.get(colon) == Some(&' ') {
                colon += 1;
            }
            if is_key {
                let key: String = chars[start..at].iter().collect();
                match (chars.get(colon), chars.get(colon + 1)) {
                    (Some('：'), _) => {
                        slips.push((Slip::Colon, colon, key));
                        fixed[colon] = ':';
                    }
                    (Some(':'), Some(&IDEOGRAPHIC_SPACE)) => {
                        slips.push((Slip::SpaceAfterColon, colon + 1, key));
                        fixed[colon + 1] = ' ';
                    }
                    _ => {}
                }
            }
            key_may_start = false;
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
            while chars.get(at).is_some_and(|&c| c == ' ') {
                at += 1;
            }
            continue;
        }
        // Quoted text holds no keys.
        if matches!(chars[at], '"' | '\'') {
            let quote = chars[at];
            at += 1;
            while at < chars.len() && chars[at] != quote {
                at += usize::from(quote == '"' && chars[at] == '\\') + 1;
            }
        }
        at += 1;
    }
    if slips.is_empty() {
        return;
    }
    // The fixed line: each colon followed by one ASCII space.
    let mut fix = String::with_capacity(line.len());
    for (i, &c) in fixed.iter().enumerate() {
        fix.push(c);
        let was_slip = slips.iter().any(|(slip, at, _)| *slip == Slip::Colon && *at == i);
        if was_slip && !matches!(fixed.get(i + 1), Some(' ') | None) {
            fix.push(' ');
        }
    }
    for (slip, column, key) in slips {
        found.push(Found { slip, line: number, column: column + 1, len: 1, key, fix: Some(fix.clone()) });
    }
}

/// A key written with a full-width colon inside `{ … }` (`{ innovation：90 }`), which YAML reads
/// as the key `innovation：90` without a value: the key meant, where its colon is (in characters)
/// and the entry as it should read.
pub(crate) fn key_slip(key: &str) -> Option<(&str, usize, String)> {
    let ident_len =
        key.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))).unwrap_or(key.len());
    let ident = &key[..ident_len];
    let rest = key[ident_len..].trim_start_matches(' ');
    let value = rest.strip_prefix('：')?;
    if !ident.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return None;
    }
    let colon = key[..key.len() - rest.len()].chars().count();
    Some((ident, colon, format!("{ident}: {}", value.trim_start_matches([' ', IDEOGRAPHIC_SPACE]))))
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
/// input method typed, and the list written as YAML reads it. `None` for a value that is one item.
/// `whole` is the field's value when it is text rather than a list (`tags: 安全, 质量` is one tag).
pub(crate) fn list_slip(value: &str, whole: bool) -> Option<(char, String)> {
    let trimmed = value.trim();
    let (inner, bracket) = match (trimmed.chars().next(), trimmed.chars().last()) {
        (Some(open @ ('【' | '［' | '[')), Some('】' | '］' | ']')) if whole && trimmed.chars().count() >= 2 => {
            let open_len = open.len_utf8();
            let close_len = trimmed.chars().last().map_or(1, char::len_utf8);
            (&trimmed[open_len..trimmed.len() - close_len], Some(open))
        }
        _ => (trimmed, None),
    };
    let separators: &[char] = if whole { &['，', '、', ','] } else { &['，', '、'] };
    let mark = inner.chars().find(|c| separators.contains(c));
    let mark = match (bracket, mark) {
        (Some('['), None) | (None, None) => return None,
        (Some('['), Some(mark)) | (None, Some(mark)) => mark,
        (Some(open), _) => open,
    };
    let items: Vec<&str> = inner.split(['，', '、', ',']).map(str::trim).filter(|s| !s.is_empty()).collect();
    Some((mark, format!("[{}]", items.join(", "))))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Any text, made of what these functions look at, is read without a panic.
        #[test]
        fn any_text_is_read(text in "[ \t\r\n　a-z_:：,，、【】［］\\[\\]{}\"'\\\\#|>0-9甲-]{0,60}") {
            let slips = syntax_slips(&text, usize::MAX);
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
        assert_eq!(slips("title: 标题\nstatus：named\n"), [(Slip::Colon, 2, 7, Some("status: named".to_owned()))]);
        assert_eq!(slips("status ： named")[0].3.as_deref(), Some("status : named"));
        // In a list item, and in a one-line mapping (each colon of the line fixed).
        assert_eq!(
            slips("practices:\n  - title：做法\n    scores: { innovation：90, cohesion：85 }\n"),
            [
                (Slip::Colon, 2, 10, Some("  - title: 做法".to_owned())),
                (Slip::Colon, 3, 25, Some("    scores: { innovation: 90, cohesion: 85 }".to_owned())),
                (Slip::Colon, 3, 38, Some("    scores: { innovation: 90, cohesion: 85 }".to_owned())),
            ]
        );
    }

    #[test]
    fn a_full_width_colon_in_text_is_text() {
        assert!(slips("summary: 目标：提升质量\ntitle: \"a：b\"\nnote: 要点, key：x\n").is_empty());
        assert!(slips("summary: 采用{a：b}格式, {c：d}\n").is_empty());
        assert!(slips("steps:\n  - 第一步：摸底\n").is_empty());
    }

    #[test]
    fn full_width_spaces_and_tabs() {
        assert_eq!(slips("status:　named\n"), [(Slip::SpaceAfterColon, 1, 8, Some("status: named".to_owned()))]);
        assert_eq!(slips("practices:\n　　- title: 做法\n")[0..1], [(Slip::IndentSpace, 2, 1, None)]);
        assert_eq!(slips("practices:\n  -　title: 做法\n")[0..1], [(Slip::IndentSpace, 2, 4, None)]);
        assert_eq!(slips("assessments:\n\t- period: 2024\n"), [(Slip::IndentTab, 2, 1, None)]);
    }

    #[test]
    fn block_scalars_are_text() {
        let yaml = "summary: |\n  　　段首空两格。\n  key：不是字段\ntitle：标题\n";
        assert_eq!(slips(yaml), [(Slip::Colon, 4, 6, Some("title: 标题".to_owned()))]);
        assert!(slips("- >-\n  　x\n").is_empty());
        assert!(opens_block_scalar("summary: |2-") && opens_block_scalar("- >"));
        assert!(!opens_block_scalar("summary: a | b") && !opens_block_scalar("title: x>"));
    }

    #[test]
    fn only_lines_up_to_the_error_are_read() {
        assert!(syntax_slips("a: 1\nb：2\n", 1).is_empty());
        assert_eq!(syntax_slips("a: 1\nb：2\n", 2).len(), 1);
        let yaml = "a: 1\nb：2\n\nc: 3\nd: [\n";
        let slips = syntax_slips(yaml, usize::MAX);
        assert!(explain(yaml, &slips, 2) && explain(yaml, &slips, 4));
        assert!(!explain(yaml, &slips, 1) && !explain(yaml, &slips, 5));
        assert_eq!(next_content_line("a：1\n\n# note\nb: 2\n", 1), 4);
        assert_eq!(next_content_line("a：1\n", 1), 1);
    }

    #[test]
    fn keys_read_with_their_colon() {
        assert_eq!(key_slip("innovation：90"), Some(("innovation", 10, "innovation: 90".to_owned())));
        assert_eq!(key_slip("date ：2024-01-15"), Some(("date", 5, "date: 2024-01-15".to_owned())));
        assert_eq!(key_slip("innovation"), None);
        assert_eq!(key_slip("目标：x"), None);
        assert_eq!(key_slip("：x"), None);
    }

    #[test]
    fn lists_written_as_one_item() {
        assert_eq!(list_slip("人才培养，党员先锋岗", false), Some(('，', "[人才培养, 党员先锋岗]".to_owned())));
        assert_eq!(list_slip("安全、质量、效益", false), Some(('、', "[安全, 质量, 效益]".to_owned())));
        assert_eq!(list_slip("【安全, 质量】", true), Some(('【', "[安全, 质量]".to_owned())));
        assert_eq!(list_slip("［empower，quality］", true), Some(('［', "[empower, quality]".to_owned())));
        assert_eq!(list_slip("安全, 质量", true), Some((',', "[安全, 质量]".to_owned())));
        // A list item with an ASCII comma was quoted on purpose; one item is one item.
        assert_eq!(list_slip("a, b", false), None);
        assert_eq!(list_slip("安全生产", true), None);
        assert_eq!(list_slip("[x]", true), None);
    }
}

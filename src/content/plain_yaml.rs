//! A fast reader for the plain YAML that case front matter is written in.
//!
//! The YAML parser (yaml-rust2 through marked-yaml) costs about 260 instructions a byte, and the
//! front matter is most of what `exemplar check` does. Case files use a small part of YAML:
//! block mappings and sequences indented with spaces, one-line flow lists and maps, plain and
//! quoted one-line scalars, empty values, comments. This module reads exactly that part, into the
//! same nodes with the same positions as marked-yaml, and gives up (`None`) on anything else:
//! multi-line scalars, escapes other than `\"` and `\\`, anchors, tags, tabs, duplicate keys,
//! every error. The caller then asks marked-yaml, so what is read and every message about it stay
//! the parser's. Tests hold the two equal on the sample site, generated sites and random input.

use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode, MarkedSequenceNode};
use marked_yaml::{Marker, Node, Span};

/// The node marked-yaml would make of `yaml` (a mapping at the top), or `None` when the text
/// uses anything this reader leaves to the real parser.
pub(crate) fn parse(yaml: &str) -> Option<Node> {
    if has_other_breaks(yaml) {
        return None;
    }
    let mut reader = Reader::new(yaml);
    reader.skip_blank();
    let first = reader.lines.get(reader.line)?;
    if first.indent != 0 {
        return None;
    }
    let node = reader.block_mapping(0, None)?;
    reader.skip_blank();
    (reader.line == reader.lines.len()).then_some(node)
}

/// Whether the text holds what changes how a line is read, left to the parser: a control
/// character or tab, DEL, a line break YAML knows beyond `\n` (U+0085, U+2028, U+2029) or a byte
/// order mark. One pass with a table lookup a byte (five passes before, 4 % of `exemplar check`):
/// only the lead bytes of those characters look further.
fn has_other_breaks(yaml: &str) -> bool {
    const LOOK: [bool; 256] = {
        let mut table = [false; 256];
        let mut b = 0;
        while b < 0x20 {
            table[b] = b != b'\n' as usize;
            b += 1;
        }
        table[0x7F] = true;
        table[0xC2] = true;
        table[0xE2] = true;
        table[0xEF] = true;
        table
    };
    let bytes = yaml.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        LOOK[b as usize]
            && match b {
                0xC2 => bytes.get(i + 1) == Some(&0x85),
                0xE2 => bytes.get(i + 1) == Some(&0x80) && matches!(bytes.get(i + 2), Some(0xA8 | 0xA9)),
                0xEF => bytes.get(i + 1..i + 3) == Some(&[0xBB, 0xBF]),
                _ => true,
            }
    })
}

#[derive(Clone, Copy)]
struct Line {
    /// Byte offsets of the line in the text, without its `\n`.
    start: usize,
    end: usize,
    /// Characters before the line in the text (marked-yaml's `character`).
    chars_before: usize,
    /// Leading spaces.
    indent: usize,
}

struct Reader<'a> {
    text: &'a str,
    lines: Vec<Line>,
    /// The next line to read.
    line: usize,
    /// The last position turned into a column: (line, byte, characters from the line's start).
    /// Positions come left to right, so counting goes on from there: counting from the line's
    /// start each time would be quadratic in a long line (`tags: [a, b, …]` on one line).
    last_column: std::cell::Cell<(usize, usize, usize)>,
}

/// Where a plain scalar stops: in a flow collection also at its punctuation.
#[derive(Clone, Copy, PartialEq)]
enum Context {
    Block,
    Flow,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Self {
        let mut lines = Vec::with_capacity(text.len() / 32 + 1);
        let mut start = 0;
        let mut chars_before = 0;
        let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain([text.len()]);
        for end in ends {
            let piece = &text[start..end];
            let indent = piece.len() - piece.trim_start_matches(' ').len();
            lines.push(Line { start, end, chars_before, indent });
            chars_before += piece.chars().count() + 1;
            start = end + 1;
        }
        Reader { text, lines, line: 0, last_column: std::cell::Cell::new((0, 0, 0)) }
    }

    /// The position of byte `at` of line `line`, as marked-yaml writes it (column from 1).
    fn marker(&self, line: usize, at: usize) -> Marker {
        let l = self.lines[line];
        let (last_line, last_at, last_column) = self.last_column.get();
        let (from, counted) =
            if last_line == line && (l.start..=at).contains(&last_at) { (last_at, last_column) } else { (l.start, 0) };
        let column = counted + self.text.get(from..at).map_or(0, |s| s.chars().count());
        self.last_column.set((line, at, column));
        Marker::new(0, l.chars_before + column, line + 1, column + 1)
    }

    /// Skips empty lines and lines holding only a comment.
    fn skip_blank(&mut self) {
        while let Some(l) = self.lines.get(self.line) {
            let rest = &self.text[l.start + l.indent..l.end];
            if !(rest.is_empty() || rest.starts_with('#')) {
                break;
            }
            self.line += 1;
        }
    }

    /// After a value written on its line: the next line with text may not be indented deeper
    /// than `indent`, or it would continue the value (a multi-line scalar).
    fn ends_value(&self, indent: usize) -> bool {
        let next = self.lines[self.line..].iter().find(|l| l.indent < l.end - l.start);
        next.is_none_or(|l| l.indent <= indent)
    }

    fn block_mapping(&mut self, indent: usize, first_key: Option<usize>) -> Option<Node> {
        let mut map = MarkedMappingNode::new_empty(Span::new_blank());
        let mut start = None;
        let mut first_key = first_key;
        loop {
            let (line, key_at) = match first_key.take() {
                Some(at) => (self.line, at),
                None => {
                    self.skip_blank();
                    let Some(l) = self.lines.get(self.line) else { break };
                    if l.indent < indent {
                        break;
                    }
                    if l.indent > indent {
                        return None;
                    }
                    (self.line, l.start + l.indent)
                }
            };
            let l = self.lines[line];
            let content = &self.text[key_at..l.end];
            let (key, after_colon) = plain_key(content)?;
            let key_marker = self.marker(line, key_at);
            // marked-yaml starts a block mapping at its first key's colon.
            start.get_or_insert_with(|| self.marker(line, key_at + after_colon - 1));
            let key = MarkedScalarNode::new(Span::new_start(key_marker), key);
            let value_at = key_at + after_colon;
            let rest = &self.text[value_at..l.end];
            let value_at = value_at + (rest.len() - rest.trim_start_matches(' ').len());
            self.line = line + 1;
            let value = if self.text[value_at..l.end].is_empty() {
                self.skip_blank();
                match self.lines.get(self.line) {
                    // A block on the lines below, deeper than the key.
                    Some(next) if next.indent > indent => {
                        let at = next.start + next.indent;
                        if is_item(&self.text[at..next.end]) {
                            self.block_sequence(next.indent)?
                        } else {
                            self.block_mapping(next.indent, None)?
                        }
                    }
                    // `key:` above `- item` at the same indentation: a list YAML reads apart.
                    Some(next) if next.indent == indent && is_item(&self.text[next.start + next.indent..next.end]) => {
                        return None;
                    }
                    // No value (`unit:`): an empty scalar, placed where the next token starts.
                    Some(next) => {
                        let marker = self.marker(self.line, next.start + next.indent);
                        Node::from(MarkedScalarNode::new(Span::new_start(marker), ""))
                    }
                    None if self.text.ends_with('\n') => {
                        let marker = self.marker(self.lines.len() - 1, self.text.len());
                        Node::from(MarkedScalarNode::new(Span::new_start(marker), ""))
                    }
                    None => return None,
                }
            } else {
                let value = self.inline_value(line, value_at)?;
                if !self.ends_value(indent) {
                    return None;
                }
                value
            };
            // A key given twice is the parser's to refuse (one hashing of the key, not two).
            if map.insert(key, value).is_some() {
                return None;
            }
        }
        *map.span_mut() = Span::new_start(start?);
        Some(Node::from(map))
    }

    fn block_sequence(&mut self, indent: usize) -> Option<Node> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            self.skip_blank();
            let Some(&l) = self.lines.get(self.line) else { break };
            if l.indent < indent {
                break;
            }
            let dash = l.start + l.indent;
            if l.indent > indent || !is_item(&self.text[dash..l.end]) {
                return None;
            }
            start.get_or_insert(self.marker(self.line, dash));
            let after = &self.text[dash + 1..l.end];
            let item_at = dash + 1 + (after.len() - after.trim_start_matches(' ').len());
            let content = &self.text[item_at..l.end];
            if content.is_empty() || content.starts_with('#') || is_item(content) {
                return None;
            }
            let item = if !content.starts_with(['"', '\'', '[', '{']) && plain_key(content).is_some() {
                // `- key: value`: a mapping whose keys line up with this first one.
                self.block_mapping(item_at - l.start, Some(item_at))?
            } else {
                let line = self.line;
                self.line += 1;
                let value = self.inline_value(line, item_at)?;
                if !self.ends_value(indent) {
                    return None;
                }
                value
            };
            items.push(item);
        }
        Some(Node::from(MarkedSequenceNode::new(Span::new_start(start?), items)))
    }

    /// A value written on line `line` from byte `at` to the end of the line (or a comment).
    fn inline_value(&self, line: usize, at: usize) -> Option<Node> {
        let end = self.lines[line].end;
        let (node, after) = self.node(line, at, end, Context::Block)?;
        let rest = &self.text[after..end];
        let trimmed = rest.trim_start_matches(' ');
        (trimmed.is_empty() || (trimmed.starts_with('#') && trimmed.len() < rest.len())).then_some(node)
    }

    /// One value starting at byte `at` of line `line`: returns it and where it ends.
    fn node(&self, line: usize, at: usize, end: usize, context: Context) -> Option<(Node, usize)> {
        let text = &self.text[at..end];
        let marker = self.marker(line, at);
        let span = Span::new_start(marker);
        match text.as_bytes().first()? {
            b'"' | b'\'' => {
                let (value, len) = quoted(text)?;
                let mut scalar = MarkedScalarNode::new(span, value);
                scalar.set_coerce(false);
                Some((Node::from(scalar), at + len))
            }
            b'[' => {
                let mut items = Vec::new();
                let mut pos = skip_spaces(self.text, at + 1, end);
                if self.text[pos..end].starts_with(']') {
                    return Some((Node::from(MarkedSequenceNode::new(span, items)), pos + 1));
                }
                loop {
                    let (item, after) = self.node(line, pos, end, Context::Flow)?;
                    items.push(item);
                    pos = skip_spaces(self.text, after, end);
                    match self.text.as_bytes().get(pos)? {
                        b',' => pos = skip_spaces(self.text, pos + 1, end),
                        b']' => return Some((Node::from(MarkedSequenceNode::new(span, items)), pos + 1)),
                        _ => return None,
                    }
                }
            }
            b'{' => {
                let mut map = MarkedMappingNode::new_empty(span);
                let mut pos = skip_spaces(self.text, at + 1, end);
                if self.text[pos..end].starts_with('}') {
                    return Some((Node::from(map), pos + 1));
                }
                loop {
                    let rest = &self.text[pos..end];
                    let key_len = plain_len(rest, Context::Flow)?;
                    let after_key = &rest[key_len..];
                    if !after_key.starts_with(": ") {
                        return None;
                    }
                    let key = MarkedScalarNode::new(Span::new_start(self.marker(line, pos)), &rest[..key_len]);
                    let value_at = skip_spaces(self.text, pos + key_len + 1, end);
                    let (value, after) = self.node(line, value_at, end, Context::Flow)?;
                    if map.insert(key, value).is_some() {
                        return None;
                    }
                    pos = skip_spaces(self.text, after, end);
                    match self.text.as_bytes().get(pos)? {
                        b',' => pos = skip_spaces(self.text, pos + 1, end),
                        b'}' => return Some((Node::from(map), pos + 1)),
                        _ => return None,
                    }
                }
            }
            _ => {
                let len = plain_len(text, context)?;
                // A plain value may not hold `: ` (YAML reads a mapping there, or an error).
                let value = &text[..len];
                // Most values hold no colon at all: looked for with memchr, not a substring search.
                let bytes = value.as_bytes();
                if memchr::memchr_iter(b':', bytes).any(|i| bytes.get(i + 1).is_none_or(|&b| b == b' ')) {
                    return None;
                }
                Some((Node::from(MarkedScalarNode::new(span, value)), at + len))
            }
        }
    }
}

/// Whether a line's text (from its indentation) starts a sequence item.
fn is_item(content: &str) -> bool {
    content == "-" || content.starts_with("- ")
}

fn skip_spaces(text: &str, mut pos: usize, end: usize) -> usize {
    while pos < end && text.as_bytes()[pos] == b' ' {
        pos += 1;
    }
    pos
}

/// A plain key at the start of `content` followed by `:` and a space or the line's end: the key
/// and the offset just past the colon.
fn plain_key(content: &str) -> Option<(&str, usize)> {
    let len = plain_len(content, Context::Block)?;
    let mut colon = None;
    for (i, b) in content.as_bytes()[..len].iter().enumerate() {
        if *b == b':' && matches!(content.as_bytes().get(i + 1), Some(b' ') | None) {
            colon = Some(i);
            break;
        }
    }
    let colon = match colon {
        Some(i) => i,
        // `key:` at the end of the text the plain scalar covers.
        None if content[len..].starts_with(':') => len,
        None => return None,
    };
    let key = &content[..colon];
    // A key with spaces before its colon, or too long for YAML's implicit keys: the parser's.
    if key.is_empty() || key.ends_with(' ') || key.len() > 512 {
        return None;
    }
    Some((key, colon + 1))
}

/// The length of the plain scalar at the start of `text`, spaces at its end left out; `None` when
/// it does not start like one.
fn plain_len(text: &str, context: Context) -> Option<usize> {
    let bytes = text.as_bytes();
    let first = *bytes.first()?;
    let next = bytes.get(1).copied();
    let indicator = matches!(
        first,
        b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`' | b'#' | b',' | b'[' | b']' | b'{' | b'}' | b'"' | b'\''
    );
    let needs_safe_next = matches!(first, b'-' | b'?' | b':');
    if indicator || first == b' ' || (needs_safe_next && matches!(next, None | Some(b' '))) || first == b'?' {
        return None;
    }
    if context == Context::Block {
        // Outside a flow collection only a comment (` #`) ends the value before the line does:
        // found with memchr, then the spaces before it left out.
        let cut = memchr::memchr_iter(b'#', bytes).find(|&i| i > 0 && bytes[i - 1] == b' ').unwrap_or(bytes.len());
        let end = bytes[..cut].iter().rposition(|&b| b != b' ').map_or(0, |last| last + 1);
        return (end > 0).then_some(end);
    }
    // In a flow collection, what each byte is to a plain scalar: most are part of it (0), a space
    // may end it (1), and the rest are looked at (2): `#` and the collection's punctuation.
    const FLOW: [u8; 256] = {
        let mut table = [0u8; 256];
        table[b' ' as usize] = 1;
        let look = b"#,[]{}:";
        let mut i = 0;
        while i < look.len() {
            table[look[i] as usize] = 2;
            i += 1;
        }
        table
    };
    let mut end = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match FLOW[b as usize] {
            0 => {
                i += 1;
                end = i;
            }
            1 => i += 1,
            _ => match b {
                b'#' if i > 0 && bytes[i - 1] == b' ' => break,
                b'#' => {
                    i += 1;
                    end = i;
                }
                // In a flow collection a colon ends a key (`{a: b}`); anything else is the parser's.
                b':' if matches!(bytes.get(i + 1), Some(b' ')) => break,
                b':' => return None,
                _ => break,
            },
        }
    }
    (end > 0).then_some(end)
}

/// A quoted scalar on one line, `text` starting at its opening quote: its value and its length
/// with the quotes. In double quotes the only escapes read are `\"` and `\\`; in single quotes `''`
/// is a quote.
fn quoted(text: &str) -> Option<(String, usize)> {
    let bytes = text.as_bytes();
    let quote = *bytes.first()?;
    let mut value = String::new();
    let (mut run, mut i) = (1, 1);
    while i < bytes.len() {
        let b = bytes[i];
        let escaped = match b {
            b'\\' if quote == b'"' => Some(*bytes.get(i + 1)?).filter(|e| *e == b'"' || *e == b'\\'),
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => Some(b'\''),
            _ if b == quote => {
                value.push_str(&text[run..i]);
                return Some((value, i + 1));
            }
            _ => {
                i += 1;
                continue;
            }
        };
        value.push_str(&text[run..i]);
        value.push(char::from(escaped?));
        i += 2;
        run = i;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every node with where it starts, as text: equal descriptions mean equal trees.
    pub(crate) fn describe(node: &Node) -> String {
        fn walk(node: &Node, out: &mut String) {
            let at = node.span().start().map(|m| format!("{}:{}:{}", m.line(), m.column(), m.character()));
            let at = at.unwrap_or_default();
            match node {
                // A quoted value is marked: it is text, whatever it reads as.
                Node::Scalar(s) => {
                    out.push_str(&format!("{at}{:?}{}", s.as_str(), if s.may_coerce() { "" } else { "'" }))
                }
                Node::Sequence(items) => {
                    out.push_str(&format!("{at}["));
                    for item in items.iter() {
                        walk(item, out);
                        out.push(',');
                    }
                    out.push(']');
                }
                Node::Mapping(map) => {
                    out.push_str(&format!("{at}{{"));
                    for (k, v) in map.iter() {
                        let km = k.span().start().map(|m| format!("{}:{}:{}", m.line(), m.column(), m.character()));
                        out.push_str(&format!("{}{:?}=", km.unwrap_or_default(), k.as_str()));
                        walk(v, out);
                        out.push(',');
                    }
                    out.push('}');
                }
            }
        }
        let mut out = String::new();
        walk(node, &mut out);
        out
    }

    fn parser(yaml: &str) -> Option<String> {
        let options = crate::content::front_matter::loader_options();
        marked_yaml::parse_yaml_with_options(0, yaml, options).ok().map(|n| describe(&n))
    }

    /// Asserts that whatever this reader accepts, marked-yaml reads the same.
    fn agrees(yaml: &str) -> bool {
        let Some(fast) = parse(yaml) else { return false };
        assert_eq!(Some(describe(&fast)), parser(yaml), "read differently:\n{yaml}");
        true
    }

    #[test]
    fn reads_the_sample_cases_and_the_archetypes_as_the_parser_does() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut read = 0;
        let mut files = 0;
        for entry in walkdir::WalkDir::new(root.join("content"))
            .into_iter()
            .chain(walkdir::WalkDir::new(root.join("themes/default/archetypes")))
        {
            let entry = entry.expect("walk");
            if entry.path().extension().is_none_or(|e| e != "md") {
                continue;
            }
            let text = std::fs::read_to_string(entry.path()).expect("read").replace("{{", "{").replace("}}", "}");
            let text = text.replace("{title}", "标题").replace("{enterprise}", "企业").replace("{date}", "2024-01-02");
            let yaml = text.split("---\n").nth(1).expect("front matter");
            files += 1;
            read += usize::from(agrees(yaml));
        }
        // Every sample case and archetype is plain YAML (the archetypes leave `unit:` empty).
        assert!(files >= 10 && read == files, "{read} of {files} read");
    }

    #[test]
    fn reads_empty_values_where_the_parser_places_them() {
        for yaml in [
            "a: 1\nunit:\nregion: x\n",
            "a: 1\nunit:\n\n# 注释\nregion: x\n",
            "a:\n  b:\n  c: 1\n",
            "a: 1\nz:\n",
            "l:\n  - x\n  - y:\n    z: 1\n",
            "p:\n  - t: 标题\n    u:\n  - t: y\n",
            "p:\n  q:\n    r:\ns: 1\n",
        ] {
            assert!(agrees(yaml), "left to the parser: {yaml:?}");
        }
        // A colon inside a value, not before a space, is the value's, and so is a `#` not after
        // a space; ` #` starts a comment, and the spaces before it are not the value's.
        for yaml in [
            "a: x:y\n",
            "a: 10:30\nb: 1\n",
            "a: 数字:孪生\n",
            "a: C# 语言\n",
            "a: x#y #注释\n",
            "a: 甲  # 注释\nb: 乙   \n",
        ] {
            assert!(agrees(yaml), "left to the parser: {yaml:?}");
        }
    }

    #[test]
    fn leaves_what_it_does_not_read_to_the_parser() {
        for yaml in [
            "a: |\n  text\n",
            "a: >\n  text\n",
            "a: b\n  c\n",
            "a: \"x\\ny\"\n",
            "a: &x 1\nb: *x\n",
            "a: !tag 1\n",
            "a: 1\na: 2\n",
            "a:\n  b: 1\n  b: 2\n",
            "a:\n  - b: 1\n    b: [2]\n",
            "a: b: c\n",
            "a: b:\n",
            "a: 数字：b: c\n",
            "a:\n- 1\n",
            "a: [1, 2\n",
            "a: {b: 1, b: 2}\n",
            "a: \"open\n",
            "a:\ttab\n",
            "? a\n: b\n",
            "a: [b: c]\n",
            "a: [b:c]\n",
            "a: {b:c}\n",
            "a: [b #c]\n",
            "a: \"x\" y\n",
            "- a\n",
            " a: 1\n",
        ] {
            assert!(parse(yaml).is_none(), "read {yaml:?}");
        }
    }

    /// A YAML tree of front matter's shapes, with keys and values that trip YAML up.
    #[derive(Debug, Clone)]
    enum Tree {
        Inline(usize),
        Map(Vec<(usize, Tree)>),
        List(Vec<Tree>),
    }

    /// Keys and values a front matter holds, then (from `TRICKY_KEYS`, `TRICKY_PIECES`) some
    /// that YAML reads otherwise or refuses.
    const KEYS: [&str; 12] = ["title", "a", "tags", "分类", "b-c", "n_1", "z", "x:y", "k ", "- a", "#k", "\"q\""];
    const TRICKY_KEYS: usize = 7;
    const PIECES: [&str; 27] = [
        "值",
        "plain text",
        "\"双引号\"",
        "'it''s'",
        "[a, b]",
        "{ k: v, n: 1 }",
        "[]",
        "a # note",
        "a#b",
        "10:30",
        "\"a\\\"b\"",
        "[\"q\", 'r']",
        "{a: [1, 2]}",
        "2024-01-02",
        "-5",
        "{}",
        "'#'",
        "\"x: y\"",
        "",
        "'a\\b'",
        "值\u{3000}",
        "\u{a0}x\u{2003}y",
        "x: y",
        "- item",
        "a: [b",
        "{a: 1, a: 2}",
        "\"\\n\"",
    ];
    const TRICKY_PIECES: usize = 22;

    fn tree() -> impl proptest::strategy::Strategy<Value = Tree> {
        use proptest::prelude::*;
        let leaf = prop_oneof![12 => 0..TRICKY_PIECES, 1 => TRICKY_PIECES..PIECES.len()].prop_map(Tree::Inline);
        leaf.prop_recursive(4, 24, 5, |inner| {
            prop_oneof![
                proptest::collection::vec((key(), inner.clone()), 1..5).prop_map(Tree::Map),
                proptest::collection::vec(inner, 1..4).prop_map(Tree::List),
            ]
        })
    }

    fn key() -> impl proptest::strategy::Strategy<Value = usize> {
        use proptest::prelude::*;
        prop_oneof![12 => 0..TRICKY_KEYS, 1 => TRICKY_KEYS..KEYS.len()]
    }

    /// Writes `tree` in block style at `indent`; `step` is how much deeper a nested block goes.
    fn write(tree: &Tree, indent: usize, step: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        match tree {
            Tree::Inline(piece) => out.push_str(&format!("{pad}{}\n", PIECES[*piece])),
            Tree::Map(entries) => {
                for (key, value) in entries {
                    match value {
                        Tree::Inline(piece) => out.push_str(&format!("{pad}{}: {}\n", KEYS[*key], PIECES[*piece])),
                        _ => {
                            out.push_str(&format!("{pad}{}:\n", KEYS[*key]));
                            write(value, indent + step, step, out);
                        }
                    }
                }
            }
            Tree::List(items) => {
                for item in items {
                    match item {
                        Tree::Inline(piece) => out.push_str(&format!("{pad}- {}\n", PIECES[*piece])),
                        Tree::Map(_) => {
                            // `- first: …` with the other keys lined up under the first.
                            let mut nested = String::new();
                            write(item, indent + 2, step, &mut nested);
                            out.push_str(&format!("{pad}- {}", &nested[indent + 2..]));
                        }
                        Tree::List(_) => {
                            out.push_str(&format!("{pad}-\n"));
                            write(item, indent + step, step, out);
                        }
                    }
                }
            }
        }
    }

    proptest::proptest! {
        /// The one-pass check finds what the character searches it replaced found.
        #[test]
        fn other_breaks_are_found_as_by_searching(text in "[a \n\t\r\u{1}\u{7f}\u{85}\u{2028}\u{2029}\u{feff}\u{a0}“”，数\u{2027}\u{202a}\u{fefe}]{0,12}") {
            let searched = text.bytes().any(|b| (b < 0x20 && b != b'\n') || b == 0x7F)
                || ["\u{85}", "\u{2028}", "\u{2029}", "\u{FEFF}"].iter().any(|c| text.contains(c));
            proptest::prop_assert_eq!(has_other_breaks(&text), searched);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        /// Whatever the reader accepts of these trees, the parser reads alike.
        #[test]
        fn accepted_documents_read_as_the_parser_reads_them(
            entries in proptest::collection::vec((key(), tree()), 1..6),
            step in 1usize..5,
            comment in 0usize..8,
        ) {
            let mut yaml = String::new();
            write(&Tree::Map(entries), 0, step, &mut yaml);
            if comment < 2 {
                yaml.push_str(if comment == 0 { "# 注释\n" } else { "\n  # indented\n" });
            }
            agrees(&yaml);
        }
    }
}

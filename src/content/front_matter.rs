//! Front-matter YAML to typed values that remember where they were written.
//!
//! The YAML is read with a parser that keeps every node's position (marked-yaml), so that a
//! wrong value deep inside a practice is reported at its own line and column; the plain YAML
//! most case files are written in is read into the same nodes by a faster reader first. Anchors,
//! aliases and tags are refused, which keeps "billion laughs" and other expansion tricks out.
//! All YAML handling of case files lives in this module and in `plain_yaml`.

use std::collections::BTreeMap;

use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::{LoadError, LoaderOptions, Node};

use super::slips::{self, Found};
use super::{
    Assessment, FrontMatter, IdKind, IdListSlip, KNOWN_FIELDS, LeftOut, Practice, SourceFile, Spanned, TimelineEvent,
};
use crate::date::{Date, Period};
use crate::diagnostics::{Diagnostic, Location, closest_name, line_of};

/// Nesting deeper than this is refused: no case needs it, and deep input must not exhaust the stack.
pub(crate) const MAX_DEPTH: usize = 64;
/// A list in front matter (tags, practices, timeline, steps …) may hold at most this many items:
/// 100,000 tags would make every list page and the search index pay for one bad file.
pub const MAX_LIST_ITEMS: usize = 200;
/// A text value (a title, a tag, a summary, a step …) may be at most this many characters: a value
/// is copied into many pages (lists, feed, data, search), so one huge value would multiply.
pub const MAX_TEXT_CHARS: usize = 2000;

/// Why a value is no text for a text field: what `check` says of it (and `new case` refuses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Nothing a reader would see: empty, spaces, or invisible characters only.
    #[error("the value is blank")]
    Blank,
    #[error("the value has {length} characters, at most {limit} are allowed")]
    TooLong { length: usize, limit: usize },
}

/// The text of a text field's value as `check` takes it: trimmed, not blank, at most
/// [`MAX_TEXT_CHARS`] characters.
pub fn text_value(value: &str) -> Result<&str, TextError> {
    let value = value.trim();
    if is_blank(value) {
        return Err(TextError::Blank);
    }
    // Counted only when the bytes could be too many characters.
    let length = if value.len() > MAX_TEXT_CHARS { value.chars().count() } else { 0 };
    if length > MAX_TEXT_CHARS {
        return Err(TextError::TooLong { length, limit: MAX_TEXT_CHARS });
    }
    Ok(value)
}

/// Whether `text` shows nothing: only spaces and characters drawn with no width (a zero-width
/// space pasted from a web page would make a title no reader can see or click).
pub fn is_blank(text: &str) -> bool {
    text.chars().all(|c| {
        c.is_whitespace()
            || matches!(c,
                '\u{AD}' | '\u{115F}' | '\u{1160}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{2800}' | '\u{3164}' | '\u{FEFF}' | '\u{FFA0}')
    })
}

/// Parses the front matter of `file`. Problems become diagnostics; what could be read is kept.
pub fn parse(file: &SourceFile) -> (FrontMatter, Vec<Diagnostic>) {
    parse_with(file, true)
}

/// [`parse`] with the YAML parser alone, never the fast reader: the oracle the fuzzer and the
/// tests hold the fast reader to.
#[doc(hidden)]
pub fn parse_with_yaml_parser(file: &SourceFile) -> (FrontMatter, Vec<Diagnostic>) {
    parse_with(file, false)
}

fn parse_with(file: &SourceFile, fast: bool) -> (FrontMatter, Vec<Diagnostic>) {
    let mut reader = Reader { file, diagnostics: Vec::new(), left_out: LeftOut::default() };
    let start = Location::new(1, 1, 3);
    let mut front = FrontMatter { start, ..FrontMatter::default() };
    let yaml = file.yaml();
    if let Some(at) = too_deep_at(yaml) {
        let loc = Location::of_offset(&file.text, file.yaml.start + at, 1);
        reader.push(Diagnostic::error("yaml_too_deep").arg("limit", MAX_DEPTH.to_string()), loc);
        return (front, reader.diagnostics);
    }
    // The usual front matter is read by the fast reader; anything else, every error included, by
    // the YAML parser (see `plain_yaml`).
    let read_fast = if fast { super::plain_yaml::parse(yaml) } else { None };
    let parsed = match read_fast {
        Some(root) => Ok(Ok(root)),
        None => std::panic::catch_unwind(|| marked_yaml::parse_yaml_with_options(0, yaml, loader_options())),
    };
    let root = match parsed {
        Ok(Ok(root)) => root,
        Ok(Err(err)) => {
            reader.syntax_error(&err);
            return (front, reader.diagnostics);
        }
        Err(_) => {
            let slips = slips::syntax_slips(yaml, usize::MAX);
            slips.iter().for_each(|found| reader.slip(found));
            if slips.is_empty() {
                reader.push(Diagnostic::error("yaml_syntax").arg("detail", "unparseable YAML"), start);
            }
            return (front, reader.diagnostics);
        }
    };
    let Some(map) = root.as_mapping() else {
        reader.push(Diagnostic::error("front_matter_not_mapping"), start);
        return (front, reader.diagnostics);
    };
    reader.read_case(map, &mut front);
    front.left_out = std::mem::take(&mut reader.left_out);
    // A `#` that cut a value short parses: only a warning says so.
    slips::comment_slips(yaml).iter().for_each(|found| reader.slip(found));
    for (field, present) in [
        ("title", front.title.is_some()),
        ("site", front.site.is_some()),
        ("enterprise", front.enterprise.is_some()),
        ("status", front.status.is_some()),
        ("date", front.date.is_some()),
    ] {
        if present || reader.reported_field(field) {
            continue;
        }
        match map.get_node(field) {
            Some(node) => {
                // An empty plain value has no position of its own: point at its key instead.
                let key = map.iter().map(|(k, _)| k).find(|k| k.as_str() == field);
                let loc = match key {
                    Some(key) => reader.location(key.span().start(), field.chars().count()),
                    None => reader.node_location(node),
                };
                reader.push(Diagnostic::error("empty_field").arg("field", field), loc);
            }
            None => reader.push(Diagnostic::error("missing_field").arg("field", field), start),
        }
    }
    (front, reader.diagnostics)
}

/// How case front matter is parsed: a mapping at the top, each key once, and quoted text marked
/// as such (`"~"` is text, not an empty value; a quoted tag may hold a comma on purpose).
pub(crate) fn loader_options() -> LoaderOptions {
    LoaderOptions::default().error_on_duplicate_keys(true).toplevel_mapping().prevent_coercion(true)
}

/// The deepest bracket or indentation nesting, cheaply, before the real parser sees the text:
/// brackets open, and half the widest leading white space of a line (in bytes, as
/// [`str::lines`] and [`str::trim_start`] count it). One pass, line by line: after a line's
/// indentation, each byte is only looked up in a table of brackets and line ends.
pub(crate) fn nesting_depth(yaml: &str) -> usize {
    const MARK: [bool; 256] = {
        let mut table = [false; 256];
        table[b'[' as usize] = true;
        table[b'{' as usize] = true;
        table[b']' as usize] = true;
        table[b'}' as usize] = true;
        table[b'\n' as usize] = true;
        table
    };
    let bytes = yaml.as_bytes();
    let (mut depth, mut deepest, mut widest) = (0usize, 0usize, 0usize);
    let mut start = 0;
    loop {
        let mut at = start;
        while bytes.get(at).is_some_and(|b| matches!(b, b' ' | b'\t' | b'\x0b' | b'\x0c')) {
            at += 1;
        }
        // A carriage return or other white space than ASCII's: counted as the slow way does.
        let plain = bytes.get(at).is_none_or(|&b| b.is_ascii() && b != b'\r');
        widest = widest.max(if plain { at - start } else { leading_space(yaml, start) });
        while let Some(&byte) = bytes.get(at) {
            if MARK[byte as usize] {
                match byte {
                    b'\n' => break,
                    b'[' | b'{' => {
                        depth += 1;
                        deepest = deepest.max(depth);
                    }
                    _ => depth = depth.saturating_sub(1),
                }
            }
            at += 1;
        }
        if at >= bytes.len() {
            break;
        }
        start = at + 1;
    }
    deepest.max(widest / 2)
}

/// Where `yaml` first nests deeper than [`MAX_DEPTH`] (see [`nesting_depth`]), as a byte offset:
/// the bracket that opens one level too many, or the first character of a line indented that
/// deep. Looked for only when the text is too deep, which is rare.
pub(crate) fn too_deep_at(yaml: &str) -> Option<usize> {
    if nesting_depth(yaml) <= MAX_DEPTH {
        return None;
    }
    let mut depth = 0usize;
    let mut start = 0;
    for line in yaml.split_inclusive('\n') {
        let indent = leading_space(yaml, start);
        if indent / 2 > MAX_DEPTH {
            return Some(start + indent);
        }
        for (i, byte) in line.bytes().enumerate() {
            match byte {
                b'[' | b'{' => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Some(start + i);
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        start += line.len();
    }
    // Not reached: `nesting_depth` counts the same way.
    Some(0)
}

/// The leading white space of the line starting at `start`, in bytes.
fn leading_space(text: &str, start: usize) -> usize {
    let line = text[start..].lines().next().unwrap_or_default();
    line.len() - line.trim_start().len()
}

/// What a list's items are, for the lists an input method's punctuation makes one item of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Items {
    /// Sentences (a practice's steps), where commas are text.
    Text,
    /// Labels (tags).
    Labels,
    /// The framework's ids (actions, indicators).
    Ids(IdKind),
}

/// A list's item (a timeline event, an assessment, a practice): its place in the list, from 0,
/// and where it starts.
#[derive(Debug, Clone, Copy)]
struct Item {
    index: usize,
    loc: Location,
}

struct Reader<'a> {
    file: &'a SourceFile,
    diagnostics: Vec<Diagnostic>,
    /// See [`FrontMatter::left_out`].
    left_out: LeftOut,
}

impl Reader<'_> {
    /// Converts a position inside the YAML to one in the whole file.
    fn location(&self, marker: Option<&marked_yaml::Marker>, len: usize) -> Location {
        match marker {
            Some(m) => Location::new(m.line() + self.file.yaml_first_line - 1, m.column(), len),
            None => Location::new(self.file.yaml_first_line, 1, 1),
        }
    }

    fn node_location(&self, node: &Node) -> Location {
        let len = node.as_scalar().map_or(1, |s| s.as_str().chars().count());
        self.location(node.span().start(), len)
    }

    fn push(&mut self, diagnostic: Diagnostic, loc: Location) {
        let diagnostic = diagnostic.file(&self.file.rel_path).at(&self.file.text, loc);
        self.diagnostics.push(diagnostic);
    }

    fn reported_field(&self, field: &str) -> bool {
        self.diagnostics.iter().any(|d| d.arg_value("field") == Some(field))
    }

    /// A syntax error, or the input method's slips up to it that explain it (see
    /// [`slips::explain`]); slips that do not explain the error come with it.
    fn syntax_error(&mut self, err: &LoadError) {
        let LoadError::ScanError(marker, _) = err else { return self.load_error(err) };
        let yaml = self.file.yaml();
        let slips = slips::syntax_slips(yaml, marker.line());
        slips.iter().for_each(|found| self.slip(found));
        if !slips::explain(yaml, &slips, marker.line()) {
            self.load_error(err);
        }
    }

    fn slip(&mut self, found: &Found) {
        self.push(found.diagnostic(), found.location(self.file.yaml_first_line));
    }

    /// Reports a key read with its colon's slip (see [`slips::key_slip`]); false for any other
    /// key.
    fn key_slip(&mut self, key: &MarkedScalarNode) -> bool {
        let Some((slip, name, colon, fix)) = slips::key_slip(key.as_str()) else { return false };
        let start = self.location(key.span().start(), 1);
        let loc = Location::new(start.line, start.column + colon, 1);
        self.push(Diagnostic::error(slip.code()).arg("field", name).suggest(Some(fix)), loc);
        true
    }

    fn load_error(&mut self, err: &LoadError) {
        let (diagnostic, marker) = match err {
            LoadError::ScanError(marker, scan) => {
                (Diagnostic::error("yaml_syntax").arg("detail", scan.info().to_owned()), Some(*marker))
            }
            LoadError::DuplicateKey(inner) => (
                Diagnostic::error("duplicate_key").arg("field", inner.key.as_str().to_owned()),
                inner.key.span().start().copied(),
            ),
            LoadError::UnexpectedAnchor(marker) => (Diagnostic::error("yaml_anchor"), Some(self.anchor_start(*marker))),
            LoadError::UnexpectedTag(marker) => (Diagnostic::error("yaml_tag"), Some(*marker)),
            LoadError::TopLevelMustBeMapping(marker) | LoadError::TopLevelMustBeSequence(marker) => {
                (Diagnostic::error("front_matter_not_mapping"), Some(*marker))
            }
            LoadError::MappingKeyMustBeScalar(marker) => {
                (Diagnostic::error("yaml_syntax").arg("detail", "a key must be plain text"), Some(*marker))
            }
        };
        let loc = self.location(marker.as_ref(), 1);
        self.push(diagnostic, loc);
    }

    /// The parser marks an anchor after its name; editors need to see the `&` itself.
    fn anchor_start(&self, mut marker: marked_yaml::Marker) -> marked_yaml::Marker {
        let line = self.file.yaml().split('\n').nth(marker.line().saturating_sub(1)).unwrap_or("");
        let before: Vec<char> = line.chars().take(marker.column().saturating_sub(1)).collect();
        if let Some(amp) = before.iter().rposition(|&c| c == '&') {
            marker.set_column(amp + 1);
        }
        marker
    }

    fn read_case(&mut self, map: &MarkedMappingNode, front: &mut FrontMatter) {
        for (key, value) in map.iter() {
            let name = key.as_str();
            match name {
                "title" => front.title = self.text(name, value),
                "site" => front.site = self.text(name, value),
                "enterprise" => front.enterprise = self.text(name, value),
                "unit" => front.unit = self.text(name, value),
                "region" => front.region = self.text(name, value),
                "status" => front.status = self.id(name, value),
                "date" => front.date = self.date(name, value),
                "updated" => front.updated = self.date(name, value),
                "slug" => front.slug = self.text(name, value),
                "summary" => front.summary = self.text(name, value).map(|s| s.value),
                "featured" => front.featured = self.boolean(name, value),
                "draft" => front.draft = self.boolean(name, value),
                "cover" => front.cover = self.text(name, value),
                "timeline" => front.timeline = self.items(name, value, Self::timeline_event),
                "assessments" => front.assessments = self.items(name, value, Self::assessment),
                "actions" => front.actions = self.ids(name, value, IdKind::Action),
                "tags" => front.tags = self.list(name, value, Items::Labels),
                "practices" => front.practices = self.items(name, value, Self::practice),
                _ => {
                    self.unknown_field(key, &KNOWN_FIELDS);
                    front.extra.insert(name.to_owned(), to_json(value));
                }
            }
        }
    }

    fn unknown_field(&mut self, key: &MarkedScalarNode, known: &[&str]) {
        if self.key_slip(key) {
            return;
        }
        let name = key.as_str();
        let suggestion = closest_name(name, known);
        let loc = self.location(key.span().start(), name.chars().count());
        let diagnostic = Diagnostic::warning("unknown_field").arg("field", name).arg("known", known.join(", "));
        self.push(diagnostic.suggest(suggestion), loc);
    }

    fn wrong_type(&mut self, field: &str, node: &Node, expected: &'static str) {
        let loc = self.node_location(node);
        let found = match node {
            Node::Scalar(_) => "scalar",
            Node::Sequence(_) => "list",
            Node::Mapping(_) => "mapping",
        };
        let diagnostic =
            Diagnostic::error("wrong_type").arg("field", field).arg("expected_type", expected).arg("found", found);
        self.push(diagnostic, loc);
    }

    fn scalar<'n>(&mut self, field: &str, node: &'n Node, expected: &'static str) -> Option<&'n MarkedScalarNode> {
        match node.as_scalar() {
            Some(scalar) => Some(scalar),
            None => {
                self.wrong_type(field, node, expected);
                None
            }
        }
    }

    /// A non-empty piece of text.
    fn text(&mut self, field: &str, node: &Node) -> Option<Spanned<String>> {
        let scalar = self.scalar(field, node, "text")?;
        let loc = self.node_location(node);
        let value = match text_value(scalar.as_str()) {
            // An empty optional field is as good as an absent one; required ones are reported by
            // the caller.
            Err(TextError::Blank) => return None,
            Err(TextError::TooLong { length, limit }) => {
                let diagnostic = Diagnostic::error("value_too_long")
                    .arg("field", field)
                    .arg("length", length.to_string())
                    .arg("limit", limit.to_string());
                self.push(diagnostic, Location { len: 1, ..loc });
                return None;
            }
            Ok(value) => value,
        };
        if scalar.may_coerce() && (value == "~" || value == "null") {
            return None;
        }
        Some(Spanned::new(value.to_owned(), loc))
    }

    /// An identifier of the framework (a status, an action …): text without surrounding space.
    fn id(&mut self, field: &str, node: &Node) -> Option<Spanned<String>> {
        self.text(field, node)
    }

    fn date(&mut self, field: &str, node: &Node) -> Option<Spanned<Date>> {
        let text = self.text(field, node)?;
        match Date::parse(&text.value) {
            Some(date) => Some(Spanned::new(date, text.loc)),
            None => {
                let guess = Date::guess(&text.value).map(|d| d.to_string());
                let diagnostic = Diagnostic::error("invalid_date").arg("field", field).arg("value", text.value);
                self.push(diagnostic.suggest(guess), text.loc);
                None
            }
        }
    }

    fn boolean(&mut self, field: &str, node: &Node) -> bool {
        let Some(scalar) = self.scalar(field, node, "boolean") else {
            return false;
        };
        match scalar.as_str().trim() {
            "true" | "True" | "TRUE" | "yes" | "是" => true,
            "false" | "False" | "FALSE" | "no" | "否" | "" => false,
            _ => {
                self.wrong_type(field, node, "boolean");
                false
            }
        }
    }

    /// A number. Text that is none is reported with the value written and, for full-width digits
    /// or a unit (`９０`, `90分`), the number meant.
    fn number(&mut self, field: &str, node: &Node) -> Option<Spanned<f64>> {
        let scalar = self.scalar(field, node, "number")?;
        let loc = self.node_location(node);
        let written = scalar.as_str().trim();
        match written.parse::<f64>() {
            Ok(value) if value.is_finite() => Some(Spanned::new(value, loc)),
            _ => {
                let folded = crate::date::fold_digits(written).replace('．', ".");
                let number = folded.trim().trim_end_matches('分').trim_end();
                let meant = number.parse::<f64>().is_ok_and(f64::is_finite).then(|| number.to_owned());
                let mut diagnostic = Diagnostic::error("not_a_number").arg("field", field).arg("value", written);
                if written.is_empty() {
                    diagnostic = diagnostic.variant("empty");
                }
                self.push(diagnostic.suggest(meant), loc);
                None
            }
        }
    }

    /// A list of texts; a single text is taken as a list of one.
    fn list(&mut self, field: &str, node: &Node, items: Items) -> Vec<Spanned<String>> {
        match node {
            Node::Sequence(list) if self.too_many(field, node, list.len()) => Vec::new(),
            Node::Sequence(list) => list.iter().filter_map(|item| self.item(field, item, items, false)).collect(),
            Node::Scalar(s) if s.as_str().trim().is_empty() => Vec::new(),
            Node::Scalar(_) => self.item(field, node, items, true).into_iter().collect(),
            Node::Mapping(_) => {
                self.wrong_type(field, node, "list");
                Vec::new()
            }
        }
    }

    /// Reports a list longer than [`MAX_LIST_ITEMS`] (whose items are then not read).
    fn too_many(&mut self, field: &str, node: &Node, count: usize) -> bool {
        if count <= MAX_LIST_ITEMS {
            return false;
        }
        let diagnostic = Diagnostic::error("too_many_items")
            .arg("field", field)
            .arg("count", count.to_string())
            .arg("limit", MAX_LIST_ITEMS.to_string());
        let loc = self.node_location(node);
        self.push(diagnostic, loc);
        true
    }

    fn ids(&mut self, field: &str, node: &Node, kind: IdKind) -> Vec<Spanned<String>> {
        self.list(field, node, Items::Ids(kind))
    }

    /// An item of a list, or the field's one value (`whole`). Unquoted text that an input method's
    /// commas or brackets made one item of several (`[安全，质量]`, `【安全, 质量】`) is reported
    /// with the list it should be: an error for the framework's ids (the item is left out, not
    /// also reported as unknown, and kept for `validate` to report with the ids meant), a warning
    /// for labels (kept: a tag may hold a comma, quoted).
    fn item(&mut self, field: &str, node: &Node, items: Items, whole: bool) -> Option<Spanned<String>> {
        let text = self.text(field, node)?;
        let plain = node.as_scalar().is_some_and(MarkedScalarNode::may_coerce);
        if items == Items::Text || !plain {
            return Some(text);
        }
        let Some((mark, list)) = slips::list_slip(&text.value, whole) else { return Some(text) };
        if let Items::Ids(kind) = items {
            let slip = IdListSlip { field: field.to_owned(), kind, value: text, mark, items: list };
            self.left_out.id_lists.push(slip);
            return None;
        }
        let diagnostic = Diagnostic::warning("label_list_slip");
        self.push(slips::list_slip_diagnostic(diagnostic, field, &text.value, mark, &list), text.loc);
        Some(text)
    }

    /// A list of mappings, each read by `read`.
    fn items<T>(
        &mut self,
        field: &str,
        node: &Node,
        read: fn(&mut Self, Item, &MarkedMappingNode) -> Option<T>,
    ) -> Vec<T> {
        let Some(items) = node.as_sequence() else {
            if !node.as_scalar().is_some_and(|s| s.as_str().trim().is_empty()) {
                self.wrong_type(field, node, "list");
            }
            return Vec::new();
        };
        if self.too_many(field, node, items.len()) {
            return Vec::new();
        }
        let mut out = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            match item.as_mapping() {
                Some(map) => {
                    let loc = self.node_location(item);
                    out.extend(read(self, Item { index, loc }, map));
                }
                None => self.wrong_type(field, item, "mapping"),
            }
        }
        out
    }

    fn timeline_event(&mut self, Item { loc, .. }: Item, map: &MarkedMappingNode) -> Option<TimelineEvent> {
        let (mut date, mut stage, mut note) = (None, None, None);
        for (key, value) in map.iter() {
            match key.as_str() {
                "date" => date = self.date("timeline.date", value),
                "stage" => stage = self.id("timeline.stage", value),
                "note" => note = self.text("timeline.note", value).map(|s| s.value),
                _ => self.unknown_field(key, &["date", "stage", "note"]),
            }
        }
        self.required_in_item(map, "timeline.date", date.is_some(), loc);
        self.required_in_item(map, "timeline.stage", stage.is_some(), loc);
        match (date, stage) {
            (Some(date), Some(stage)) => Some(TimelineEvent { date, stage, note }),
            (_, stage) => {
                self.left_out.ids.extend(stage.map(|stage| (IdKind::Stage, stage)));
                None
            }
        }
    }

    fn assessment(&mut self, Item { index, loc }: Item, map: &MarkedMappingNode) -> Option<Assessment> {
        let (mut period, mut scores) = (None, Vec::new());
        for (key, value) in map.iter() {
            match key.as_str() {
                "period" => {
                    let Some(text) = self.text("assessments.period", value) else { continue };
                    match Period::parse(&text.value) {
                        Some(p) => period = Some(Spanned::new(p, text.loc)),
                        None => {
                            let guess = Period::guess(&text.value).map(|p| p.to_string());
                            let diagnostic = Diagnostic::error("invalid_period").arg("value", text.value);
                            self.push(diagnostic.suggest(guess), text.loc);
                        }
                    }
                }
                "scores" => match value.as_mapping() {
                    Some(entries) => {
                        for (id, score) in entries.iter() {
                            // A key that swallowed its value (`innovation：90`) has none.
                            let empty = score.as_scalar().is_some_and(|s| s.as_str().is_empty());
                            if empty && self.key_slip(id) {
                                continue;
                            }
                            let id_loc = self.location(id.span().start(), id.as_str().chars().count());
                            // Named as precisely as the configuration's keys are: which
                            // assessment (from 0), which indicator.
                            let field = format!("assessments[{index}].scores.{}", id.as_str().trim());
                            if let Some(score) = self.number(&field, score) {
                                scores.push((Spanned::new(id.as_str().trim().to_owned(), id_loc), score));
                            }
                        }
                    }
                    None => self.wrong_type("assessments.scores", value, "mapping"),
                },
                _ => self.unknown_field(key, &["period", "scores"]),
            }
        }
        self.required_in_item(map, "assessments.period", period.is_some(), loc);
        match period {
            Some(period) => Some(Assessment { period, scores }),
            None => {
                self.left_out.scores.extend(scores);
                None
            }
        }
    }

    fn practice(&mut self, Item { loc, .. }: Item, map: &MarkedMappingNode) -> Option<Practice> {
        let mut practice = Practice {
            title: Spanned::new(String::new(), loc),
            dimension: None,
            indicators: Vec::new(),
            actions: Vec::new(),
            summary: String::new(),
            steps: Vec::new(),
            loc,
        };
        let mut has_title = false;
        for (key, value) in map.iter() {
            match key.as_str() {
                "title" => {
                    if let Some(title) = self.text("practices.title", value) {
                        practice.title = title;
                        has_title = true;
                    }
                }
                "dimension" => practice.dimension = self.id("practices.dimension", value),
                "indicators" => practice.indicators = self.ids("practices.indicators", value, IdKind::Indicator),
                "actions" => practice.actions = self.ids("practices.actions", value, IdKind::Action),
                "summary" => {
                    practice.summary = self.text("practices.summary", value).map(|s| s.value).unwrap_or_default()
                }
                "steps" => {
                    practice.steps =
                        self.list("practices.steps", value, Items::Text).into_iter().map(|s| s.value).collect()
                }
                _ => self.unknown_field(key, &["title", "dimension", "indicators", "actions", "summary", "steps"]),
            }
        }
        self.required_in_item(map, "practices.title", has_title, loc);
        self.required_in_item(map, "practices.dimension", practice.dimension.is_some(), loc);
        if !has_title {
            let ids = practice.dimension.into_iter().map(|d| (IdKind::Dimension, d));
            let ids = ids.chain(practice.indicators.into_iter().map(|i| (IdKind::Indicator, i)));
            self.left_out.ids.extend(ids.chain(practice.actions.into_iter().map(|a| (IdKind::Action, a))));
            return None;
        }
        Some(practice)
    }

    /// Reports the required `field` (`practices.dimension`) of the list item `map` at `loc` when
    /// it was not read (`present`): empty, or missing. A value that was there but wrong was
    /// reported as that, and a key written with a full-width colon as that slip.
    ///
    /// A missing field's advice says where the line goes, as `practices.dimension: …` at the top
    /// is no YAML for it: inside this item, under its first key and as far indented, or inside its
    /// braces when the item is written `{ … }`. It is pointed at the item's first key.
    fn required_in_item(&mut self, map: &MarkedMappingNode, field: &str, present: bool, loc: Location) {
        if present {
            return;
        }
        let key = field.rsplit('.').next().unwrap_or(field);
        if let Some((written, value)) = map.iter().find(|(k, _)| k.as_str() == key) {
            if is_empty(value) {
                let at = self.location(written.span().start(), key.chars().count());
                self.push(Diagnostic::error("empty_field").arg("field", field), at);
            }
            return;
        }
        if has_key(map, key) {
            return;
        }
        let diagnostic = Diagnostic::error("missing_field").arg("field", field).arg("key", key);
        let in_braces = line_of(&self.file.text, loc.line)
            .and_then(|line| line.chars().nth(loc.column - 1))
            .is_some_and(|c| c == '{');
        let Some((first, _)) = map.iter().next() else {
            return self.push(diagnostic.variant("in_braces"), loc);
        };
        let at = self.location(first.span().start(), first.as_str().chars().count());
        let diagnostic = diagnostic.arg("after", first.as_str());
        self.push(diagnostic.variant(if in_braces { "in_braces" } else { "in_item" }), at);
    }
}

/// Whether a value is empty as [`Reader::text`] reads it: nothing, or `~` or `null` unquoted.
fn is_empty(node: &Node) -> bool {
    node.as_scalar().is_some_and(|s| {
        let value = s.as_str().trim();
        value.is_empty() || (s.may_coerce() && (value == "~" || value == "null"))
    })
}

/// Whether `map` has the key `name`, or has it written with a full-width colon (reported as that
/// rather than as missing).
fn has_key(map: &MarkedMappingNode, name: &str) -> bool {
    map.contains_key(name)
        || map.iter().any(|(k, _)| slips::key_slip(k.as_str()).is_some_and(|(_, key, ..)| key == name))
}

/// A node as JSON for templates: plain values stay text unless they read as a number or boolean.
fn to_json(node: &Node) -> serde_json::Value {
    match node {
        Node::Scalar(s) => {
            let text = s.as_str();
            if s.may_coerce() {
                if let Ok(i) = text.parse::<i64>() {
                    return i.into();
                }
                if let Some(f) = text.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
                    return serde_json::Value::Number(f);
                }
                if let Some(b) = s.as_bool() {
                    return b.into();
                }
            }
            serde_json::Value::String(text.to_owned())
        }
        Node::Sequence(items) => items.iter().map(to_json).collect(),
        Node::Mapping(map) => {
            let object: BTreeMap<String, serde_json::Value> =
                map.iter().map(|(k, v)| (k.as_str().to_owned(), to_json(v))).collect();
            serde_json::to_value(object).unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::load::decode;

    fn parse_text(text: &str) -> (FrontMatter, Vec<Diagnostic>) {
        let file = decode("content/a.md", text.as_bytes().to_vec()).unwrap();
        parse(&file)
    }

    const GOOD: &str = "---\ntitle: 标题\nsite: 示范点\nenterprise: 华南建工\nstatus: named\ndate: 2024-03-01\n---\n";

    /// A value that shows nothing is empty, as a missing one: `new case` refuses it by the same
    /// rule (`text_value`).
    #[test]
    fn invisible_text_is_blank_and_long_text_too_long() {
        for blank in ["", "  ", "　", "\u{200B}", "\u{200B}\u{FEFF}\u{2060} \u{200D}", "\u{AD}\u{3164}"] {
            assert_eq!(text_value(blank), Err(TextError::Blank), "{blank:?}");
            let (front, diagnostics) = parse_text(&GOOD.replace("标题", &format!("\"{blank}\"")));
            assert!(front.title.is_none(), "{blank:?}");
            assert!(diagnostics.iter().any(|d| d.code == "empty_field"), "{blank:?}: {diagnostics:?}");
        }
        assert_eq!(text_value(" \u{200B}标题 "), Ok("\u{200B}标题"));
        assert_eq!(text_value(&"长".repeat(MAX_TEXT_CHARS)).map(|t| t.chars().count()), Ok(MAX_TEXT_CHARS));
        assert_eq!(
            text_value(&"长".repeat(MAX_TEXT_CHARS + 1)),
            Err(TextError::TooLong { length: MAX_TEXT_CHARS + 1, limit: MAX_TEXT_CHARS })
        );
    }

    proptest::proptest! {
        /// The one-pass nesting depth equals the two-pass count it replaced, over text made of
        /// brackets, line ends, ASCII and other white space (ideographic and no-break spaces).
        #[test]
        fn nesting_depth_counts_as_lines_and_trim_do(text in "[ \t\r\n\x0b\x0c　\u{a0}\\[\\]{}a-]{0,40}") {
            let mut depth: usize = 0;
            let mut deepest = 0;
            for byte in text.bytes() {
                match byte {
                    b'[' | b'{' => {
                        depth += 1;
                        deepest = deepest.max(depth);
                    }
                    b']' | b'}' => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
            let indent = text.lines().map(|l| l.len() - l.trim_start().len()).max().unwrap_or(0);
            proptest::prop_assert_eq!(nesting_depth(&text), deepest.max(indent / 2));
        }
    }

    /// The sample cases, and each with mistakes an editor makes, read by the fast reader and by
    /// the YAML parser alone: the same values, and the same messages at the same places.
    #[test]
    fn the_fast_reader_gives_the_parsers_values_and_messages() {
        let content = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
        let mistakes: [(&str, &str); 13] = [
            ("site: ", "site:\nsite_name: "),
            ("status: ", "status: nmaed #"),
            ("date: ", "date: 2024-13-45 #"),
            ("title: ", "titel: "),
            ("tags: [", "tags: [[x], "),
            ("stage: ", "stage: 未知, x: "),
            ("period: ", "period: 2024-Q5 #"),
            ("dimension: ", "dimension: team, "),
            ("  - ", "  - 3.5\n  - "),
            // What a Chinese input method types (see `slips`).
            ("status: ", "status："),
            ("site: ", "site:\u{3000}"),
            ("tags: [", "tags: [甲、乙，"),
            ("scores: { ", "scores: { innovation：90, "),
        ];
        let mut compared = 0;
        for entry in walkdir::WalkDir::new(content).into_iter().filter_map(Result::ok) {
            if entry.path().extension().is_none_or(|e| e != "md") {
                continue;
            }
            let text = std::fs::read_to_string(entry.path()).unwrap();
            let variants =
                std::iter::once(text.clone()).chain(mistakes.iter().map(|(from, to)| text.replacen(from, to, 1)));
            for variant in variants {
                let Ok(file) = decode("content/a.md", variant.into_bytes()) else { continue };
                let (fast, fast_problems) = parse(&file);
                let (parsed, parsed_problems) = parse_with_yaml_parser(&file);
                assert_eq!(format!("{fast:?}"), format!("{parsed:?}"), "{}", file.text);
                assert_eq!(fast_problems, parsed_problems, "{}", file.text);
                compared += 1;
            }
        }
        assert!(compared >= 90, "{compared} files compared");
    }

    #[test]
    fn reads_the_required_fields() {
        let (front, diagnostics) = parse_text(GOOD);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(front.title.unwrap().value, "标题");
        let status = front.status.unwrap();
        assert_eq!(status.value, "named");
        assert_eq!(status.loc, Location::new(5, 9, 5));
    }

    #[test]
    fn reports_missing_fields_at_the_front_matter() {
        let (_, diagnostics) = parse_text("---\ntitle: 标题\n---\n");
        let missing: Vec<_> = diagnostics.iter().filter_map(|d| d.arg_value("field")).collect();
        assert_eq!(missing, ["site", "enterprise", "status", "date"]);
        assert!(diagnostics.iter().all(|d| d.location == Some(Location::new(1, 1, 3))));
    }

    #[test]
    fn yaml_syntax_errors_are_located_in_the_file() {
        let (_, diagnostics) = parse_text("---\ntitle: 标题\ntags:\n  - a\n - b\nsite: x\n---\n");
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].code, "yaml_syntax");
        assert_eq!(diagnostics[0].location.map(|l| l.line), Some(5));
        // A bracket never closed: pointed at, where the parser fails lines later.
        let (_, diagnostics) = parse_text("---\ntitle: 标题\ntags: [a, b\nsite: x\n---\n");
        let found: Vec<_> = diagnostics.iter().map(|d| (d.code, d.location.map(|l| l.line))).collect();
        assert_eq!(found, [("unclosed_bracket", Some(3))]);
    }

    #[test]
    fn input_method_slips_are_reported_where_they_are_typed() {
        // The parser stops on the line after the full-width colon; the slip explains it.
        let (_, diagnostics) = parse_text(&GOOD.replace("status: named", "status：named"));
        let found: Vec<_> = diagnostics.iter().map(|d| (d.code, d.location, d.suggestion.as_deref())).collect();
        assert_eq!(found, [("fullwidth_colon", Some(Location::new(5, 7, 1)), Some("status: named"))]);
        // A slip that does not explain the error comes with it.
        let (_, diagnostics) =
            parse_text(&GOOD.replace("status: named", "status: named\nx: { a：1 }\ny: 2\ntags:\n  - a\n - b"));
        let codes: Vec<_> = diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["fullwidth_colon", "yaml_syntax"]);
        // In a one-line mapping the key swallows its value: reported as the slip, not as unknown.
        let text = GOOD.replace(
            "date: 2024-03-01",
            "date: 2024-03-01\ntimeline:\n  - { date：2023-01-02, stage: planned }\nassessments:\n  - { period: 2024, scores: { innovation：90 } }",
        );
        let (front, diagnostics) = parse_text(&text);
        let found: Vec<_> = diagnostics.iter().map(|d| (d.code, d.location, d.suggestion.as_deref())).collect();
        assert_eq!(
            found,
            [
                ("fullwidth_colon", Some(Location::new(8, 11, 1)), Some("date: 2023-01-02")),
                ("fullwidth_colon", Some(Location::new(10, 41, 1)), Some("innovation: 90")),
            ]
        );
        assert!(front.timeline.is_empty() && front.assessments[0].scores.is_empty());
    }

    #[test]
    fn lists_an_input_method_made_one_item() {
        let text = GOOD.replace(
            "date: 2024-03-01",
            "date: 2024-03-01\ntags: [安全、质量, \"产学研、校企合作\"]\nactions: soul，empower",
        );
        let (front, diagnostics) = parse_text(&text);
        let found: Vec<_> = diagnostics.iter().map(|d| (d.code, d.is_error(), d.suggestion.as_deref())).collect();
        assert_eq!(found, [("label_list_slip", false, Some("[安全, 质量]"))]);
        // The tag is kept as written (and the quoted one, on purpose); the unknown action is not,
        // and is left for `validate`, which knows the ids, to report.
        let tags: Vec<_> = front.tags.iter().map(|t| t.value.as_str()).collect();
        assert_eq!(tags, ["安全、质量", "产学研、校企合作"]);
        assert!(front.actions.is_empty());
        let slips: Vec<_> =
            front.left_out.id_lists.iter().map(|s| (s.field.as_str(), s.mark, s.items.clone())).collect();
        assert_eq!(slips, [("actions", '，', vec!["soul".to_owned(), "empower".to_owned()])]);
        assert_eq!(front.left_out.id_lists[0].value.loc, Location::new(8, 10, 12));
        // Steps are sentences: their commas are text.
        let (_, diagnostics) = parse_text(&GOOD.replace(
            "date: 2024-03-01",
            "date: 2024-03-01\npractices:\n  - title: 甲\n    dimension: team\n    steps: [先摸底，再整改]",
        ));
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
    }

    #[test]
    fn wrong_types_and_bad_dates() {
        let text = GOOD.replace("date: 2024-03-01", "date: 2024-02-30\nfeatured: maybe\ntags: {a: 1}");
        let (_, diagnostics) = parse_text(&text);
        let codes: Vec<_> = diagnostics.iter().map(|d| (d.code, d.location.unwrap().line)).collect();
        assert_eq!(codes, [("invalid_date", 6), ("wrong_type", 7), ("wrong_type", 8)]);
        // Written another way: the value meant is suggested.
        let text = GOOD.replace(
            "date: 2024-03-01",
            "date: 2024年3月1日\nassessments:\n  - { period: 2024年上半年, scores: { innovation: ９０分 } }",
        );
        let (_, diagnostics) = parse_text(&text);
        let found: Vec<_> = diagnostics.iter().map(|d| (d.code, d.suggestion.as_deref())).collect();
        assert_eq!(
            found,
            [("invalid_date", Some("2024-03-01")), ("invalid_period", Some("2024-H1")), ("not_a_number", Some("90"))]
        );
    }

    /// A required field of a list item left empty is reported at its key, not dropped with its
    /// item in silence (an empty period or timeline date was); one that is missing is reported
    /// at the item's first key, with where it goes; one written wrong is reported as that alone.
    #[test]
    fn required_fields_of_items() {
        let text = GOOD.replace(
            "date: 2024-03-01",
            "date: 2024-03-01\ntimeline:\n  - { date: , stage: named }\n  - { stage: named }\nassessments:\n  - period:\n    scores: { innovation: 90 }\npractices:\n  - title: 做法\n    dimension: ~\n  - title: [做法]\n    dimension: team",
        );
        let (_, diagnostics) = parse_text(&text);
        let found: Vec<_> = diagnostics
            .iter()
            .map(|d| {
                (d.code, d.arg_value("field"), d.location.map(|l| (l.line, l.column)), d.variant, d.arg_value("after"))
            })
            .collect();
        assert_eq!(
            found,
            [
                ("empty_field", Some("timeline.date"), Some((8, 7)), None, None),
                ("missing_field", Some("timeline.date"), Some((9, 7)), Some("in_braces"), Some("stage")),
                ("empty_field", Some("assessments.period"), Some((11, 5)), None, None),
                ("empty_field", Some("practices.dimension"), Some((15, 5)), None, None),
                ("wrong_type", Some("practices.title"), Some((16, 12)), None, None),
            ]
        );
    }

    #[test]
    fn unknown_fields_are_kept_with_a_warning() {
        let (front, diagnostics) = parse_text(&GOOD.replace("status: named", "status: named\nstauts: x\nowner: 张三"));
        assert_eq!(diagnostics.len(), 2);
        assert_eq!(diagnostics[0].code, "unknown_field");
        assert_eq!(diagnostics[0].suggestion.as_deref(), Some("status"));
        assert_eq!(diagnostics[0].location, Some(Location::new(6, 1, 6)));
        assert_eq!(front.extra["owner"], "张三");
    }

    #[test]
    fn anchors_and_deep_nesting_are_refused() {
        let (_, diagnostics) = parse_text("---\na: &x [1, 2]\nb: *x\n---\n");
        assert_eq!(diagnostics[0].code, "yaml_anchor");
        let deep = format!("---\na: {}\n---\n", "[".repeat(10_000));
        let (_, diagnostics) = parse_text(&deep);
        assert_eq!(diagnostics[0].code, "yaml_too_deep");
    }

    /// The error points at where the nesting passes the limit: the 65th bracket on its line, or the
    /// line indented 65 levels, not at the front matter's start.
    #[test]
    fn too_deep_nesting_is_placed_where_it_passes_the_limit() {
        let brackets = format!("x: {}1{}", "[".repeat(70), "]".repeat(70));
        let text = GOOD.replace("date: 2024-03-01", &format!("date: 2024-03-01\n{brackets}"));
        let (_, diagnostics) = parse_text(&text);
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!((diagnostics[0].code, diagnostics[0].location), ("yaml_too_deep", Some(Location::new(7, 68, 1))));
        assert_eq!(diagnostics[0].source_line.as_deref(), Some(brackets.as_str()));
        // Brackets opened on earlier lines count: 40 on line 7, 30 more on line 8.
        let text =
            GOOD.replace("date: 2024-03-01", &format!("date: 2024-03-01\nx: {}\n  {}", "[".repeat(40), "[".repeat(30)));
        assert_eq!(parse_text(&text).1[0].location, Some(Location::new(8, 27, 1)));
        let mut indented = String::from("date: 2024-03-01\nx:\n");
        for level in 1..=70 {
            indented.push_str(&format!("{}k{level}:\n", "  ".repeat(level)));
        }
        let (_, diagnostics) = parse_text(&GOOD.replace("date: 2024-03-01", &indented));
        assert_eq!(diagnostics[0].location, Some(Location::new(7 + 65, 131, 1)), "{diagnostics:?}");
    }

    #[test]
    fn nested_structures() {
        let text = GOOD.replace(
            "date: 2024-03-01",
            "date: 2024-03-01\ntimeline:\n  - { date: 2023-01-02, stage: planned, note: 方案 }\nassessments:\n  - period: 2024-Q1\n    scores: { innovation: 90, development: x }\npractices:\n  - title: 做法\n    dimension: team\n    steps: [一, 二]\n  - summary: 无标题\n",
        );
        let (front, diagnostics) = parse_text(&text);
        assert_eq!(front.timeline.len(), 1);
        assert_eq!(front.timeline[0].note.as_deref(), Some("方案"));
        assert_eq!(front.assessments[0].scores.len(), 1);
        assert_eq!(front.practices.len(), 1);
        assert_eq!(front.practices[0].steps, ["一", "二"]);
        let codes: Vec<_> = diagnostics.iter().map(|d| (d.code, d.arg_value("field"))).collect();
        assert_eq!(
            codes,
            [
                ("not_a_number", Some("assessments[0].scores.development")),
                ("missing_field", Some("practices.title")),
                ("missing_field", Some("practices.dimension")),
            ]
        );
    }
}

//! Case bodies from Markdown to HTML with pulldown-cmark: GFM tables, footnotes, strikethrough and
//! task lists; heading anchors and a table of contents; a plain-text summary; a length counted in
//! characters (what a Chinese reader counts); links and images rewritten by a [`LinkResolver`];
//! raw HTML handled by the site's policy.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;

use crate::config::RawHtmlPolicy;

/// What the resolver makes of a relative link or image in a case body.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    /// Leave the destination as written (external links, in-page anchors).
    Keep,
    /// Use this destination instead.
    Rewrite(String),
    /// The target does not exist: the code of the diagnostic to report.
    Broken(&'static str),
}

/// Maps destinations written in a case (relative to its file) to URLs in the portal.
pub trait LinkResolver {
    /// A link (`[text](other-case.md#part)`).
    fn link(&self, destination: &str) -> Resolved;
    /// An image (`![alt](images/photo.jpg)`).
    fn image(&self, destination: &str) -> Resolved;
}

/// Resolves nothing: every destination stays as written.
pub struct KeepAll;

impl LinkResolver for KeepAll {
    fn link(&self, _: &str) -> Resolved {
        Resolved::Keep
    }
    fn image(&self, _: &str) -> Resolved {
        Resolved::Keep
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
}

/// A destination that could not be resolved, with its byte range in the Markdown source.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokenLink {
    pub code: &'static str,
    pub destination: String,
    pub range: Range<usize>,
}

/// A link or image written with a space in its destination, which Markdown reads as text: its
/// byte range in the source, and the same written so that it is read (`<…>` around the destination).
#[derive(Debug, Clone, PartialEq)]
pub struct SpacedLink {
    pub range: Range<usize>,
    pub fixed: String,
}

#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    /// Plain text of the first paragraph, or of everything before `<!-- more -->`.
    pub summary: String,
    /// Characters of text, whitespace not counted (not counted by [`check`]).
    pub char_count: usize,
    pub broken: Vec<BrokenLink>,
    /// Links and images Markdown left as text because their destination holds a space
    /// (`![现场](images/现场 照片.jpg)`): the page would show the brackets, not the image.
    pub spaced: Vec<SpacedLink>,
    /// The body's plain text (no markup), for search.
    pub plain_text: String,
    /// Where the body first nests deeper than [`MAX_NESTING`]: the HTML is then left empty and the
    /// caller reports an error (the sanitizer's HTML parser slows down quadratically with depth).
    pub too_deep: Option<Range<usize>>,
}

/// How deep Markdown blocks and inlines plus raw HTML elements may nest in a body. Real write-ups
/// stay under 20; 100,000 nested `<div>`s took the sanitizer a minute (issue 6).
pub const MAX_NESTING: usize = 100;

const MORE_MARKER: &str = "<!-- more -->";
const SUMMARY_MAX_CHARS: usize = 200;

pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// What is made of a body besides what [`check`] finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Nothing: see [`check`].
    Check,
    /// The HTML and the character count, for pages.
    Html,
    /// The plain text as well, for the search index.
    HtmlAndText,
}

pub fn render(source: &str, policy: RawHtmlPolicy, resolver: &dyn LinkResolver) -> Rendered {
    render_as(source, policy, resolver, Output::HtmlAndText)
}

/// [`render`], or [`check`], or the HTML without the plain text (for a portal without search).
pub fn render_for(source: &str, policy: RawHtmlPolicy, resolver: &dyn LinkResolver, output: Output) -> Rendered {
    render_as(source, policy, resolver, output)
}

/// What [`render`] finds wrong in a body (broken links, nesting too deep), its summary and its
/// table of contents, without writing its HTML or plain text or counting its characters: for
/// `exemplar check`, which shows none of them.
pub fn check(source: &str, policy: RawHtmlPolicy, resolver: &dyn LinkResolver) -> Rendered {
    render_as(source, policy, resolver, Output::Check)
}

fn render_as(source: &str, policy: RawHtmlPolicy, resolver: &dyn LinkResolver, output: Output) -> Rendered {
    let write = output != Output::Check;
    let text = output == Output::HtmlAndText;
    let mut out = Rendered::default();
    if write {
        // Sized from the source (the HTML of a write-up is 1.0 to 1.4 times its Markdown, the
        // plain text a little less) rather than grown by doubling, whose freed buffers stay as
        // holes among the bodies kept for the build: 10 MB less at the peak at 10,000 cases.
        out.html.reserve(source.len() + source.len() / 4);
        if text {
            out.plain_text.reserve(source.len());
        }
    }
    let mut events: Vec<Event> = Vec::new();
    let mut has_raw_html = false;
    // A Markdown link or image to `javascript:`, `data:` … (no raw HTML needed for that): the
    // sanitizer then runs under `escape` too and drops the URL.
    let mut unsafe_url = false;
    let mut summary = SummaryState::default();
    let mut used_ids = HashSet::new();
    let mut heading: Option<(usize, HeadingLevel, Option<String>)> = None;

    let (mut depth, mut html_depth) = (0usize, 0usize);
    // Where text is (not code, not a link's destination), when the source has a `](…)` with white
    // space in it: a link Markdown did not read is text there.
    let mut text_ranges: Option<Vec<Range<usize>>> = link_closes(source)
        .any(|close| source[close + 2..].split([')', '\n']).next().is_some_and(|d| d.contains(char::is_whitespace)))
        .then(Vec::new);
    let mut in_code_block = false;
    for (event, range) in Parser::new_ext(source, options()).into_offset_iter() {
        match &event {
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(TagEnd::CodeBlock) => in_code_block = false,
            Event::Text(_) if !in_code_block => text_ranges.iter_mut().for_each(|ranges| ranges.push(range.clone())),
            _ => {}
        }
        match &event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Html(html) | Event::InlineHtml(html) => html_depth = raw_html_depth(html, html_depth),
            _ => {}
        }
        if depth + html_depth > MAX_NESTING && out.too_deep.is_none() {
            out.too_deep = Some(range.clone());
        }
        let event = match event {
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                let dest_url = resolve(resolver.link(&dest_url), dest_url, &range, &mut out.broken);
                unsafe_url |= !is_safe_url(&dest_url);
                Event::Start(Tag::Link { link_type, dest_url, title, id })
            }
            Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
                let dest_url = resolve(resolver.image(&dest_url), dest_url, &range, &mut out.broken);
                unsafe_url |= !is_safe_url(&dest_url);
                Event::Start(Tag::Image { link_type, dest_url, title, id })
            }
            Event::Html(html) | Event::InlineHtml(html) if html.trim() == MORE_MARKER => {
                summary.more_marker();
                continue;
            }
            Event::Html(html) | Event::InlineHtml(html) => match policy {
                RawHtmlPolicy::Escape => Event::Text(html),
                _ => {
                    has_raw_html = true;
                    Event::Html(html)
                }
            },
            other => other,
        };
        if matches!(event, Event::End(TagEnd::Paragraph)) {
            summary.paragraph_end();
        }
        match &event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                heading = Some((events.len(), *level, id.as_ref().map(|s| s.to_string())));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((start, level, explicit_id)) = heading.take() {
                    let title = plain_text(&events[start + 1..]);
                    let id = unique_id(explicit_id.unwrap_or_else(|| anchor(&title)), &mut used_ids);
                    if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[start] {
                        *slot = Some(CowStr::from(id.clone()));
                    }
                    if text {
                        out.plain_text.push('\n');
                    }
                    if matches!(level, HeadingLevel::H2 | HeadingLevel::H3) {
                        out.toc.push(TocEntry { level: level as u8, id, title });
                    }
                    if !write {
                        events.clear();
                    }
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if write {
                    out.char_count += visible_chars(t);
                }
                if text {
                    out.plain_text.push_str(t);
                }
                summary.text(t);
            }
            Event::SoftBreak | Event::HardBreak if text => out.plain_text.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell | TagEnd::CodeBlock | TagEnd::BlockQuote(_),
            ) if text => out.plain_text.push('\n'),
            Event::Start(Tag::Paragraph) => summary.paragraph_start(),
            _ => {}
        }
        // Without HTML to write, only a heading's events are kept, for its title.
        if write || heading.is_some() {
            events.push(event);
        }
    }

    out.summary = summary.finish();
    if let Some(ranges) = text_ranges {
        out.spaced = spaced_links(source, &ranges);
    }
    if !write {
        return out;
    }
    if out.too_deep.is_some() {
        return out;
    }
    pulldown_cmark::html::push_html(&mut out.html, events.into_iter());
    if (has_raw_html && policy == RawHtmlPolicy::Sanitize) || (unsafe_url && policy != RawHtmlPolicy::Trust) {
        out.html = SANITIZER.clean(&out.html).to_string();
    }
    // Kept for the whole build: without slack (40 MB at 10,000 cases). A copy, as the allocator
    // keeps a block that shrinks by less than half where it is, slack and all: another 10 MB.
    fit(&mut out.html);
    fit(&mut out.plain_text);
    out
}

/// `text` in a block of its own size when its slack is more than a sixteenth of it.
fn fit(text: &mut String) {
    if text.capacity() - text.len() > text.len() / 16 {
        *text = text.as_str().to_owned();
    }
}

/// The characters of `text` that are not white space: `text.chars().filter(|c| !c.is_whitespace())
/// .count()`, read byte by byte. Only a lead byte that may start one of the few non-ASCII white
/// space characters (U+0085, U+00A0, U+1680, U+2000…U+205F, U+3000) has its character decoded;
/// decoding and classifying every character was a tenth of `check`'s instructions.
fn visible_chars(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut count = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let counted = match b {
            // A continuation byte: its character was counted at its lead byte.
            0x80..=0xBF => false,
            b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r' => false,
            0xC2 | 0xE1 | 0xE2 | 0xE3 => {
                !text.get(i..).and_then(|rest| rest.chars().next()).is_some_and(char::is_whitespace)
            }
            _ => true,
        };
        count += usize::from(counted);
    }
    count
}

fn resolve<'a>(
    resolved: Resolved,
    original: CowStr<'a>,
    range: &Range<usize>,
    broken: &mut Vec<BrokenLink>,
) -> CowStr<'a> {
    match resolved {
        Resolved::Keep => original,
        Resolved::Rewrite(url) => CowStr::from(url),
        Resolved::Broken(code) => {
            broken.push(BrokenLink { code, destination: original.to_string(), range: range.clone() });
            original
        }
    }
}

/// The links and images in text (`ranges`, in order) whose destination holds a space: `[…](…)`
/// on one line, the destination not in `<…>` and not followed by a title (`"…"`, `'…'`, `(…)`).
fn spaced_links(source: &str, ranges: &[Range<usize>]) -> Vec<SpacedLink> {
    let in_text = |at: usize| {
        let i = ranges.partition_point(|r| r.end <= at);
        ranges.get(i).is_some_and(|r| r.start <= at)
    };
    let mut found = Vec::new();
    for close in link_closes(source) {
        let line_start = source[..close].rfind('\n').map_or(0, |i| i + 1);
        let Some(open) = source[line_start..close].rfind('[').map(|i| line_start + i) else { continue };
        let rest = &source[close + 2..];
        let Some(end) = rest.find([')', '\n']).filter(|&e| rest.as_bytes()[e] == b')') else { continue };
        let destination = &rest[..end];
        if !in_text(close) || !destination.trim().contains(char::is_whitespace) || destination.starts_with('<') {
            continue;
        }
        // A title after the destination (`[a](url "title")`) stays outside the `<…>`.
        let (url, title) = split_title(destination.trim());
        if !url.contains(char::is_whitespace) {
            continue;
        }
        let start = if open > 0 && source.as_bytes()[open - 1] == b'!' { open - 1 } else { open };
        let fixed = format!("{}(<{url}>{title})", &source[start..close + 1]);
        found.push(SpacedLink { range: start..close + 2 + end + 1, fixed });
    }
    found
}

/// Where each `](` of the source is (the `]`): found through the `]`s, which text rarely has.
fn link_closes(source: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = source.as_bytes();
    memchr::memchr_iter(b']', bytes).filter(move |&i| bytes.get(i + 1) == Some(&b'('))
}

/// A destination and the title after it (`url "title"`, with the space before it), if any.
fn split_title(destination: &str) -> (&str, &str) {
    let quote = |c: u8| match c {
        b'"' => Some(b'"'),
        b'\'' => Some(b'\''),
        b')' => Some(b'('),
        _ => None,
    };
    let bytes = destination.as_bytes();
    let Some(open) = bytes.last().copied().and_then(quote) else { return (destination, "") };
    let title_start = bytes[..bytes.len() - 1].iter().rposition(|&b| b == open);
    match title_start {
        Some(at) if at > 0 && bytes[at - 1].is_ascii_whitespace() => {
            let url = destination[..at].trim_end();
            (url, &destination[url.len()..])
        }
        _ => (destination, ""),
    }
}

fn plain_text(events: &[Event]) -> String {
    let mut text = String::new();
    for event in events {
        if let Event::Text(t) | Event::Code(t) = event {
            text.push_str(t);
        }
    }
    text.trim().to_owned()
}

/// The element depth after `html`, starting at `depth`: opening tags count, closing tags uncount,
/// void and self-closed elements and those a parser closes by itself (`p`, `li`, `td` …) do not.
/// An estimate that errs on the deep side, to bound the sanitizer's work.
fn raw_html_depth(html: &str, mut depth: usize) -> usize {
    const FLAT: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "p",
        "li", "td", "th", "tr", "dt", "dd", "option", "param",
    ];
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(offset) = html[i..].find('<') {
        i += offset + 1;
        if bytes.get(i) == Some(&b'/') {
            depth = depth.saturating_sub(1);
            continue;
        }
        let name_len = bytes[i..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        if name_len == 0 || !bytes[i].is_ascii_alphabetic() {
            continue;
        }
        let name = html[i..i + name_len].to_ascii_lowercase();
        let self_closed = html[i..].find('>').is_some_and(|end| html[..i + end].ends_with('/'));
        if !self_closed && !FLAT.contains(&name.as_str()) {
            depth += 1;
        }
    }
    depth
}

/// A destination the portal can print without the sanitizer: relative, or with a scheme that
/// cannot run code. Browsers ignore tabs and line breaks inside a URL, so they are ignored here.
fn is_safe_url(url: &str) -> bool {
    let url: String = url.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let url = url.trim_start_matches(|c: char| c <= ' ');
    let scheme_end = url.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')));
    match scheme_end {
        Some(end) if end > 0 && url[end..].starts_with(':') => {
            ["http", "https", "mailto", "tel"].iter().any(|s| url[..end].eq_ignore_ascii_case(s))
        }
        _ => true,
    }
}

/// A heading anchor as git web UIs make it: letters (Chinese included) and digits kept,
/// lowercased, spaces to hyphens, punctuation dropped.
pub fn anchor(title: &str) -> String {
    let mut id = String::new();
    for ch in title.trim().chars() {
        if ch.is_alphanumeric() || ch == '_' || ch == '-' {
            id.extend(ch.to_lowercase());
        } else if ch.is_whitespace() {
            id.push('-');
        }
    }
    if id.is_empty() { "section".to_owned() } else { id }
}

fn unique_id(id: String, used: &mut HashSet<String>) -> String {
    if used.insert(id.clone()) {
        return id;
    }
    let mut n = 1;
    loop {
        let candidate = format!("{id}-{n}");
        if used.insert(candidate.clone()) {
            return candidate;
        }
        n += 1;
    }
}

#[derive(Default)]
struct SummaryState {
    first_paragraph: String,
    before_more: String,
    depth: usize,
    first_done: bool,
    more_seen: bool,
}

impl SummaryState {
    fn paragraph_start(&mut self) {
        self.depth += 1;
    }
    fn paragraph_end(&mut self) {
        self.depth = self.depth.saturating_sub(1);
        if !self.first_paragraph.trim().is_empty() {
            self.first_done = true;
        }
    }
    fn text(&mut self, text: &str) {
        if self.depth > 0 && !self.first_done {
            self.first_paragraph.push_str(text);
        }
        if !self.more_seen {
            self.before_more.push_str(text);
        }
    }
    fn more_marker(&mut self) {
        self.more_seen = true;
    }
    fn finish(self) -> String {
        let text = if self.more_seen { self.before_more } else { self.first_paragraph };
        truncate_chars(text.trim(), SUMMARY_MAX_CHARS)
    }
}

/// At most `max` characters, with an ellipsis when cut.
pub fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Keeps the markup a write-up needs (tables, images, details/summary, footnotes, task lists);
/// drops scripts, styles, event handlers, `javascript:` and `data:` URLs.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["details", "summary", "figure", "figcaption", "input", "video", "source", "mark", "caption"])
        .add_generic_attributes(["id", "class", "align", "style"])
        .filter_style_properties(["text-align", "width"].into_iter().collect())
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_tag_attributes("img", ["loading", "width", "height"])
        .add_tag_attributes("video", ["src", "controls", "width", "height", "poster"])
        .add_tag_attributes("source", ["src", "type"])
        .add_tag_attributes("details", ["open"])
        .add_tag_attributes("td", ["colspan", "rowspan"])
        .add_tag_attributes("th", ["colspan", "rowspan", "scope"])
        .link_rel(None);
    builder
});

#[cfg(test)]
mod tests {
    use super::*;

    fn html(source: &str) -> Rendered {
        render(source, RawHtmlPolicy::Sanitize, &KeepAll)
    }

    #[test]
    fn gfm_features_render() {
        let out = html("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~删~~ 文[^1]\n\n[^1]: 注释\n\n- [x] 完成\n");
        assert!(out.html.contains("<table>"), "{}", out.html);
        assert!(out.html.contains("<del>删</del>"));
        assert!(out.html.contains("footnote-definition"));
        assert!(out.html.contains("type=\"checkbox\""));
    }

    #[test]
    fn the_plain_text_is_made_only_when_asked_for() {
        let source = "## 背景\n\n文字 *重点*\n\n- 一\n- 二\n";
        let with_text = html(source);
        let without = render_for(source, RawHtmlPolicy::Sanitize, &KeepAll, Output::Html);
        assert_eq!(with_text.plain_text, "背景\n文字 重点\n一\n二\n");
        assert!(without.plain_text.is_empty() && without.plain_text.capacity() == 0);
        assert_eq!(
            (&without.html, without.char_count, &without.summary),
            (&with_text.html, with_text.char_count, &with_text.summary)
        );
    }

    #[test]
    fn headings_get_anchors_and_a_toc() {
        let out = html("## 背景\n\n文字\n\n### 主要 做法\n\n## 背景\n\n# 标题 {#custom}\n");
        assert!(out.html.contains("<h2 id=\"背景\">背景</h2>"), "{}", out.html);
        assert!(out.html.contains("<h3 id=\"主要-做法\">"));
        assert!(out.html.contains("<h2 id=\"背景-1\">"));
        assert!(out.html.contains("<h1 id=\"custom\">"));
        let ids: Vec<_> = out.toc.iter().map(|t| (t.level, t.id.as_str())).collect();
        assert_eq!(ids, [(2, "背景"), (3, "主要-做法"), (2, "背景-1")]);
    }

    proptest::proptest! {
        #[test]
        fn visible_chars_count_what_is_not_white_space(text in "(\\PC|\\s|\u{3000}|\u{a0}|\u{2028}|\u{85}|\u{1680}|\u{202f}|\u{205f})*") {
            proptest::prop_assert_eq!(visible_chars(&text), text.chars().filter(|c| !c.is_whitespace()).count());
        }
    }

    #[test]
    fn visible_chars_skip_every_kind_of_white_space() {
        let spaces: String = (0..=0x10FFFF).filter_map(char::from_u32).filter(|c| c.is_whitespace()).collect();
        assert_eq!(visible_chars(&spaces), 0, "{spaces:?}");
        assert_eq!(visible_chars("数字 孪生\u{3000}平台\u{a0}TiDB\n"), 10);
    }

    #[test]
    fn summary_and_length() {
        let out = html("# 题\n\n第一段，有 **重点**。\n\n第二段。\n");
        assert_eq!(out.summary, "第一段，有 重点。");
        assert_eq!(out.char_count, "题第一段，有重点。第二段。".chars().count());
        let out = html("甲段。\n\n乙段。\n\n<!-- more -->\n\n丙段。\n");
        assert_eq!(out.summary, "甲段。乙段。");
        assert!(!out.html.contains("more"));
    }

    #[test]
    fn raw_html_policies() {
        let source = "<div onclick=\"x()\">块</div>\n\n<script>alert(1)</script>\n\n<details><summary>更多</summary>内容</details>\n\n[x](javascript:alert(1))\n";
        let clean = render(source, RawHtmlPolicy::Sanitize, &KeepAll).html;
        assert!(!clean.contains("onclick") && !clean.contains("<script") && !clean.contains("javascript:"), "{clean}");
        assert!(clean.contains("<details>") && clean.contains("块"));
        let escaped = render(source, RawHtmlPolicy::Escape, &KeepAll).html;
        assert!(escaped.contains("&lt;script&gt;"), "{escaped}");
        let trusted = render(source, RawHtmlPolicy::Trust, &KeepAll).html;
        assert!(trusted.contains("<script>"));
    }

    struct Cases;
    impl LinkResolver for Cases {
        fn link(&self, destination: &str) -> Resolved {
            match destination {
                "other.md" => Resolved::Rewrite("../other/".into()),
                "gone.md" => Resolved::Broken("broken_link"),
                _ => Resolved::Keep,
            }
        }
        fn image(&self, _: &str) -> Resolved {
            Resolved::Broken("missing_image")
        }
    }

    #[test]
    fn links_with_a_space_markdown_leaves_as_text_are_found() {
        let source = "见图：![现场](images/现场 照片.png)，另见[附件](files/a b.pdf \"说明\")、[表](<t 1.xlsx>)和[页](p.md \"标题\")。\n\n`[x](a b)`\n\n    [y](c d)\n";
        let spaced = check(source, RawHtmlPolicy::Sanitize, &KeepAll).spaced;
        let found: Vec<_> = spaced.iter().map(|s| (&source[s.range.clone()], s.fixed.as_str())).collect();
        assert_eq!(
            found,
            [
                ("![现场](images/现场 照片.png)", "![现场](<images/现场 照片.png>)"),
                ("[附件](files/a b.pdf \"说明\")", "[附件](<files/a b.pdf> \"说明\")"),
            ]
        );
        // Written so, it is an image.
        let html = render(&format!("{} {}", spaced[0].fixed, spaced[1].fixed), RawHtmlPolicy::Sanitize, &KeepAll).html;
        assert!(html.contains("<img src=\"images/%E7%8E%B0%E5%9C%BA%20%E7%85%A7%E7%89%87.png\""), "{html}");
        assert!(html.contains("<a href=\"files/a%20b.pdf\" title=\"说明\">"), "{html}");
        assert!(render("[a](b c)", RawHtmlPolicy::Sanitize, &KeepAll).spaced.len() == 1);
    }

    #[test]
    fn links_are_rewritten_or_reported() {
        let source = "见[其他](other.md)与[已删](gone.md)。\n\n![图](a.png)\n";
        let out = render(source, RawHtmlPolicy::Sanitize, &Cases);
        assert!(out.html.contains("href=\"../other/\""));
        let broken: Vec<_> = out.broken.iter().map(|b| (b.code, &source[b.range.clone()])).collect();
        assert_eq!(broken, [("broken_link", "[已删](gone.md)"), ("missing_image", "![图](a.png)")]);
    }

    /// `check` finds what `render` finds (broken links, too deep a body, the summary and the table
    /// of contents) without writing the HTML and the text or counting the characters.
    #[test]
    fn checking_finds_what_rendering_finds() {
        let deep = format!("{}深\n", "> ".repeat(MAX_NESTING + 5));
        let headings = "## 做法\n\n正文一\n\n## 做法\n\n### `代码` 与 *强调* {#own}\n\n段落[已删](gone.md)\n\n#### 四级\n\n## 末节\n";
        for source in ["第一段[已删](gone.md)。\n\n## 做法\n\n![图](a.png) 正文\n", deep.as_str(), headings]
        {
            let (full, checked) =
                (render(source, RawHtmlPolicy::Sanitize, &Cases), check(source, RawHtmlPolicy::Sanitize, &Cases));
            let pick = |r: &Rendered| (r.broken.clone(), r.too_deep.clone(), r.summary.clone(), r.toc.clone());
            assert_eq!(pick(&full), pick(&checked), "{source}");
            assert!(checked.html.is_empty() && checked.plain_text.is_empty() && checked.char_count == 0);
        }
    }
}

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

/// A link or image whose address the page does not keep as written, with its byte range in the
/// Markdown source: the editor is told, the page stays safe and loads nothing from elsewhere.
#[derive(Debug, Clone, PartialEq)]
pub struct Dropped {
    pub kind: DroppedKind,
    pub destination: String,
    pub range: Range<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DroppedKind {
    /// A scheme the portal does not keep (`javascript:`, `data:`, `ftp:` …, however written:
    /// `%00javascript:`, `java&#9;script:`), or a kept one that invisible or percent-encoded
    /// characters make no address to a browser (`%09https://…`): the address is removed from the
    /// page, whose text stays. `hidden`: the scheme is not written plainly.
    Scheme { scheme: String, hidden: bool },
    /// An image on another server (`https://…`, `//host/…`), which would load from outside the
    /// portal: a Markdown image becomes a link to it, a raw HTML one (`raw`) loses its address.
    ExternalImage { raw: bool },
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
    /// Addresses the page does not keep as written (not counted as broken: the page is whole).
    pub dropped: Vec<Dropped>,
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
    let mut text_ranges: Option<Vec<Range<usize>>> =
        link_candidates(source).any(|c| source[c.destination].contains(char::is_whitespace)).then(Vec::new);
    let mut in_code_block = false;
    // The HTML block being read, its lines joined (see [`RawHtml`]), and the ids raw HTML brings.
    let mut html_block: Option<RawHtml> = None;
    let mut raw_ids = HashSet::new();
    // The images being read (an image's alt text may hold another), each as it is written out.
    let mut images: Vec<ImageAs> = Vec::new();
    let mut link_depth = 0usize;
    for (event, range) in Parser::new_ext(source, options()).into_offset_iter() {
        match &event {
            Event::Start(Tag::HtmlBlock) if policy != RawHtmlPolicy::Escape => html_block = Some(RawHtml::default()),
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
                link_depth += 1;
                let resolved = resolver.link(&dest_url);
                let kept = resolved == Resolved::Keep;
                let dest_url = resolve(resolved, dest_url, &range, &mut out.broken);
                if kept && policy != RawHtmlPolicy::Trust {
                    unsafe_url |= drop_refused(&dest_url, &range, &mut out.dropped);
                }
                Event::Start(Tag::Link { link_type, dest_url, title, id })
            }
            Event::End(TagEnd::Link) => {
                link_depth = link_depth.saturating_sub(1);
                Event::End(TagEnd::Link)
            }
            Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
                let resolved = resolver.image(&dest_url);
                let kept = resolved == Resolved::Keep;
                let dest_url = resolve(resolved, dest_url, &range, &mut out.broken);
                let refused =
                    kept && policy != RawHtmlPolicy::Trust && drop_refused(&dest_url, &range, &mut out.dropped);
                unsafe_url |= refused;
                if kept && !refused && is_external(&dest_url) {
                    // The portal loads nothing from elsewhere: the image is offered as a link to
                    // it, or as its text inside a link of its own.
                    let kind = DroppedKind::ExternalImage { raw: false };
                    out.dropped.push(Dropped { kind, destination: dest_url.to_string(), range: range.clone() });
                    if link_depth > 0 {
                        images.push(ImageAs::Text);
                        continue;
                    }
                    images.push(ImageAs::Link(dest_url.to_string()));
                    Event::Start(Tag::Link { link_type, dest_url, title, id })
                } else {
                    images.push(ImageAs::Image);
                    Event::Start(Tag::Image { link_type, dest_url, title, id })
                }
            }
            Event::End(TagEnd::Image) => match images.pop() {
                Some(ImageAs::Text) => continue,
                Some(ImageAs::Link(url)) => {
                    // Without alt text the link would show nothing: it shows the address.
                    if write && matches!(events.last(), Some(Event::Start(Tag::Link { .. }))) {
                        events.push(Event::Text(CowStr::from(url)));
                    }
                    Event::End(TagEnd::Link)
                }
                _ => Event::End(TagEnd::Image),
            },
            Event::Html(html) | Event::InlineHtml(html) if html.trim() == MORE_MARKER => {
                summary.more_marker();
                continue;
            }
            Event::Html(html) | Event::InlineHtml(html) => match policy {
                RawHtmlPolicy::Escape => Event::Text(html),
                _ => {
                    has_raw_html = true;
                    // Its images and links resolved as Markdown's are, its ids prefixed.
                    if let Some(block) = html_block.as_mut() {
                        block.push(&html, &range, source);
                        continue;
                    }
                    let pieces = [(0, range.clone(), source.get(range.clone()) == Some(&*html))];
                    let found = Found { broken: &mut out.broken, dropped: &mut out.dropped, ids: &mut raw_ids };
                    match resolve_raw_html(&html, &pieces, resolver, policy, found) {
                        Some(resolved) => Event::Html(CowStr::from(resolved)),
                        None => Event::Html(html),
                    }
                }
            },
            Event::End(TagEnd::HtmlBlock) => {
                if let Some(block) = html_block.take() {
                    let found = Found { broken: &mut out.broken, dropped: &mut out.dropped, ids: &mut raw_ids };
                    let html = block.resolve(resolver, policy, found);
                    if write {
                        events.push(Event::Html(CowStr::from(html)));
                    }
                }
                Event::End(TagEnd::HtmlBlock)
            }
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
                    if let Event::Start(Tag::Heading { id: slot, attrs, .. }) = &mut events[start] {
                        *slot = Some(CowStr::from(id.clone()));
                        // `# 标题 {onclick=alert(1)}`: a heading's `key=value` attributes are raw
                        // HTML by another name, kept only where raw HTML is trusted (its id and
                        // classes, `{#step-1 .note}`, stay).
                        if policy != RawHtmlPolicy::Trust {
                            attrs.clear();
                        }
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
    // `#` links to an id raw HTML brought follow its prefix (a heading's anchor keeps its own).
    raw_ids.retain(|id| !used_ids.contains(id));
    if !raw_ids.is_empty() {
        point_at_raw_ids(&mut events, &raw_ids);
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
    for LinkCandidate { open, close, destination: range } in link_candidates(source) {
        let Some(open) = open else { continue };
        let destination = &source[range.clone()];
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
        found.push(SpacedLink { range: start..range.end + 1, fixed });
    }
    found
}

/// A `](` of the source that may close a link written on one line.
#[derive(Debug, PartialEq)]
struct LinkCandidate {
    /// The `[` before it on its line, after the `](` before it, if any.
    open: Option<usize>,
    /// The `]`.
    close: usize,
    /// What follows the `(` up to the first `)`, which comes before the line's end and the next `](`.
    destination: Range<usize>,
}

/// The `](` of the source that are followed by a `)` on their line (each with the `[` before it):
/// the text between two `](` is read once, so that a line of many `](` costs time in proportion
/// to its length (each `](` looked for its `[` back to the line's start and for its `)` to the
/// line's end: a 480 KB line took over a minute).
fn link_candidates(source: &str) -> impl Iterator<Item = LinkCandidate> + '_ {
    let bytes = source.as_bytes();
    let mut closes = link_closes(source).peekable();
    let mut after_previous = 0;
    std::iter::from_fn(move || {
        loop {
            let close = closes.next()?;
            let before = &bytes[after_previous..close];
            let line_start = memchr::memrchr(b'\n', before).map_or(after_previous, |i| after_previous + i + 1);
            let open = memchr::memrchr(b'[', &bytes[line_start..close]).map(|i| line_start + i);
            after_previous = close + 2;
            let next = closes.peek().copied().unwrap_or(bytes.len());
            #[cfg(test)]
            tests::SCANNED.with(|n| n.set(n.get() + before.len() + (close - line_start) + (next - close - 2)));
            let end = memchr::memchr2(b')', b'\n', &bytes[close + 2..next]).map(|i| close + 2 + i);
            if let Some(end) = end.filter(|&e| bytes[e] == b')') {
                return Some(LinkCandidate { open, close, destination: close + 2..end });
            }
        }
    })
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

/// What raw HTML's ids become: the body's own ids (`<p id="main">`) must not repeat the page's
/// (`<main id="main">`, the template's headings and panels), so each gets this prefix, as a git web
/// UI does; the body's `#` links to them follow.
pub const RAW_ID_PREFIX: &str = "user-content-";

/// Raw HTML read whole: one inline tag, or the lines of an HTML block joined (a tag may be written
/// over several), each piece with where it is in the source.
#[derive(Default)]
struct RawHtml {
    text: String,
    /// (offset in `text`, its range in the source, whether `text` holds the source's bytes there).
    pieces: Vec<(usize, Range<usize>, bool)>,
}

impl RawHtml {
    fn push(&mut self, html: &str, range: &Range<usize>, source: &str) {
        let exact = source.get(range.clone()) == Some(html);
        self.pieces.push((self.text.len(), range.clone(), exact));
        self.text.push_str(html);
    }

    fn resolve(self, resolver: &dyn LinkResolver, policy: RawHtmlPolicy, found: Found) -> String {
        resolve_raw_html(&self.text, &self.pieces, resolver, policy, found).unwrap_or(self.text)
    }
}

/// The source range of `span` of raw HTML made of `pieces`: exact where the HTML is the source's,
/// else the piece it is in (a line inside a quote or list, whose markers the parser left out).
fn source_range(pieces: &[(usize, Range<usize>, bool)], span: &Range<usize>) -> Range<usize> {
    let i = pieces.partition_point(|(at, _, _)| *at <= span.start).saturating_sub(1);
    match pieces.get(i) {
        Some((at, range, true)) => range.start + (span.start - at)..range.start + (span.end - at),
        Some((_, range, false)) => range.clone(),
        None => 0..0,
    }
}

/// What reading raw HTML finds: its broken links, the addresses the page does not keep, its ids.
struct Found<'a> {
    broken: &'a mut Vec<BrokenLink>,
    dropped: &'a mut Vec<Dropped>,
    ids: &'a mut HashSet<String>,
}

/// How an image of the body is written out.
enum ImageAs {
    Image,
    /// An image on another server, as a link to it (the address shown when it has no alt text).
    Link(String),
    /// An image on another server inside a link: its alt text only.
    Text,
}

/// `html` (made of `pieces`, see [`RawHtml`]) with the `src` of images and `href` of links
/// resolved as Markdown's are (an unresolvable one reported where it is written and left as
/// written; one the sanitizer drops, or an image from elsewhere, reported too, unless `policy`
/// trusts raw HTML) and every `id` prefixed with [`RAW_ID_PREFIX`] (the ids as written are added
/// to `ids`); `None` when nothing changed.
fn resolve_raw_html(
    html: &str,
    pieces: &[(usize, Range<usize>, bool)],
    resolver: &dyn LinkResolver,
    policy: RawHtmlPolicy,
    found: Found,
) -> Option<String> {
    let Found { broken, dropped, ids } = found;
    rewrite_attributes(html, |tag, name, value, span| {
        if name == "id" {
            let id = value.trim();
            if id.is_empty() {
                return None;
            }
            ids.insert(id.to_owned());
            return Some(format!("{RAW_ID_PREFIX}{id}"));
        }
        let resolved = match (tag, name) {
            ("img", "src") | ("video", "poster") => resolver.image(value.trim()),
            ("a", "href") | ("video" | "source", "src") => resolver.link(value.trim()),
            _ => return None,
        };
        match resolved {
            Resolved::Keep => {
                if policy != RawHtmlPolicy::Trust {
                    let range = source_range(pieces, &span);
                    let refused = drop_refused(value.trim(), &range, dropped);
                    if !refused && loads(tag, name) && is_external(value) {
                        let kind = DroppedKind::ExternalImage { raw: true };
                        dropped.push(Dropped { kind, destination: value.trim().to_owned(), range });
                    }
                }
                None
            }
            Resolved::Rewrite(url) => Some(url),
            Resolved::Broken(code) => {
                let range = source_range(pieces, &span);
                broken.push(BrokenLink { code, destination: value.trim().to_owned(), range });
                None
            }
        }
    })
}

/// The body's `#` links, Markdown's and raw HTML's, to an id in `ids` made to the prefixed id.
fn point_at_raw_ids(events: &mut [Event], ids: &HashSet<String>) {
    let prefixed = |href: &str| {
        let id = href.trim().strip_prefix('#')?;
        let decoded = crate::content::links::percent_decode(id);
        (ids.contains(id) || ids.contains(&decoded)).then(|| format!("#{RAW_ID_PREFIX}{id}"))
    };
    for event in events {
        match event {
            Event::Start(Tag::Link { dest_url, .. }) => {
                if let Some(href) = prefixed(dest_url) {
                    *dest_url = CowStr::from(href);
                }
            }
            Event::Html(html) => {
                let rewritten =
                    rewrite_attributes(html, |_, name, value, _| (name == "href").then(|| prefixed(value))?);
                if let Some(rewritten) = rewritten {
                    *html = CowStr::from(rewritten);
                }
            }
            _ => {}
        }
    }
}

/// `html` with the attribute values for which `change(tag, attribute, value, span)` gives a new
/// value replaced by it, or `None` when none changed. Names are given in lowercase, values with
/// their character references decoded, `span` the value's bytes in `html` (quotes left out).
/// Comments are skipped, and the text of `script` and `style` elements.
fn rewrite_attributes(
    html: &str,
    mut change: impl FnMut(&str, &str, &str, Range<usize>) -> Option<String>,
) -> Option<String> {
    let bytes = html.as_bytes();
    let len = bytes.len();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while let Some(offset) = memchr::memchr(b'<', &bytes[i..]) {
        i += offset + 1;
        if html[i..].starts_with("!--") {
            i = html[i + 3..].find("-->").map_or(len, |end| i + 3 + end + 3);
            continue;
        }
        if !bytes.get(i).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        let name_len = bytes[i..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'-').count();
        let tag = html[i..i + name_len].to_ascii_lowercase();
        i += name_len;
        loop {
            while i < len && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
                i += 1;
            }
            if i >= len || bytes[i] == b'>' {
                break;
            }
            let name_start = i;
            i += 1;
            while i < len && !bytes[i].is_ascii_whitespace() && !matches!(bytes[i], b'>' | b'/' | b'=') {
                i += 1;
            }
            let name = html[name_start..i].to_ascii_lowercase();
            let mut j = i;
            while j < len && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            if bytes.get(j) != Some(&b'=') {
                continue;
            }
            j += 1;
            while j < len && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            let (value, whole) = match bytes.get(j) {
                Some(&quote @ (b'"' | b'\'')) => {
                    let end = memchr::memchr(quote, &bytes[j + 1..]).map_or(len, |e| j + 1 + e);
                    (j + 1..end, j..(end + 1).min(len))
                }
                _ => {
                    let end =
                        bytes[j..].iter().position(|b| b.is_ascii_whitespace() || *b == b'>').map_or(len, |e| j + e);
                    (j..end, j..end)
                }
            };
            i = whole.end;
            let decoded = decode_references(&html[value.clone()]);
            if let Some(new) = change(&tag, &name, &decoded, value) {
                let out = out.get_or_insert_with(|| String::with_capacity(len + 64));
                out.push_str(&html[copied..whole.start]);
                out.push('"');
                out.push_str(&escape_attribute(&new));
                out.push('"');
                copied = whole.end;
            }
        }
        if (tag == "script" || tag == "style") && i < len {
            let closes = memchr::memmem::find_iter(&bytes[i..], b"</").map(|at| i + at);
            let close = closes.into_iter().find(|&at| {
                bytes.get(at + 2..at + 2 + tag.len()).is_some_and(|name| name.eq_ignore_ascii_case(tag.as_bytes()))
            });
            i = close.unwrap_or(len);
        }
    }
    let mut out = out?;
    out.push_str(&html[copied..]);
    Some(out)
}

/// An attribute value with its character references decoded as a browser decodes them: the named
/// ones a URL or id holds (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, and those that hide a
/// scheme's parts: `&Tab;`, `&NewLine;`, `&colon;` …) and the numeric ones, also without their
/// `;` (`&#106avascript:`); any other left as written.
fn decode_references(value: &str) -> std::borrow::Cow<'_, str> {
    if !value.contains('&') {
        return value.into();
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let decoded = numeric_reference(rest).or_else(|| {
            // A named reference is short: `;` is looked for in the next few bytes only.
            let end = rest.bytes().take(34).position(|b| b == b';')?;
            let ch = match &rest[1..end] {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                "Tab" => '\t',
                "NewLine" => '\n',
                "colon" => ':',
                "sol" => '/',
                "bsol" => '\\',
                "percnt" => '%',
                "period" => '.',
                "num" => '#',
                "quest" => '?',
                "lpar" => '(',
                "rpar" => ')',
                "nbsp" => '\u{A0}',
                _ => return None,
            };
            Some((ch, end + 1))
        });
        match decoded {
            Some((ch, len)) => {
                out.push(ch);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.into()
}

/// The character of the numeric reference `text` starts with (`&#106;`, `&#x6A;`, `&#106`) and
/// its length; `None` for none.
fn numeric_reference(text: &str) -> Option<(char, usize)> {
    let number = text.strip_prefix("&#")?;
    let (hex, digits) = match number.strip_prefix(['x', 'X']) {
        Some(hex) => (true, hex),
        None => (false, number),
    };
    let len = digits.bytes().take_while(|b| if hex { b.is_ascii_hexdigit() } else { b.is_ascii_digit() }).count();
    // More digits than any character has: left as written rather than overflowing.
    if len == 0 || len > 8 {
        return None;
    }
    let code = u32::from_str_radix(&digits[..len], if hex { 16 } else { 10 }).ok()?;
    // NUL is read as U+FFFD, as browsers do.
    let ch = char::from_u32(code).map(|c| if c == '\0' { '\u{FFFD}' } else { c })?;
    let semicolon = usize::from(digits.as_bytes().get(len) == Some(&b';'));
    Some((ch, text.len() - digits.len() + len + semicolon))
}

/// `value` escaped for an attribute between double quotes (`&`, `"`, `<`, `>`).
pub(crate) fn escape_attribute(value: &str) -> String {
    value.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The schemes the portal keeps in a link or image; the sanitizer drops every other.
pub const KEPT_SCHEMES: [&str; 4] = ["http", "https", "mailto", "tel"];

/// Whether `destination` is refused (see [`refused_url`]); if so, it is added to `dropped`.
fn drop_refused(destination: &str, range: &Range<usize>, dropped: &mut Vec<Dropped>) -> bool {
    let Some((scheme, hidden)) = refused_url(destination) else { return false };
    let kind = DroppedKind::Scheme { scheme, hidden };
    dropped.push(Dropped { kind, destination: destination.to_owned(), range: range.clone() });
    true
}

/// The scheme of `url` that the page does not keep, lowercased, and whether it is written so that
/// it does not show (`None` for a relative address or one with a kept scheme written plainly).
/// Refused: every scheme but [`KEPT_SCHEMES`], however it is written — in any letter case, with
/// tabs or line breaks inside (which browsers ignore) or control characters before it (which they
/// skip), percent-encoded (`%6Aavascript:`) or behind invisible characters (`%00javascript:`, a
/// zero-width space), which no browser reads as a scheme but which an editor did not mean as a
/// file name either; and a kept scheme written so (`%09https://…`), which browsers read as a file
/// name beside the page, that is as a dead link.
pub(crate) fn refused_url(url: &str) -> Option<(String, bool)> {
    let meant = meant_scheme(url)?;
    let read = browser_scheme(url);
    if read.as_deref() == Some(meant.as_str()) && KEPT_SCHEMES.contains(&meant.as_str()) {
        return None;
    }
    let plain = url.get(..meant.len()).is_some_and(|written| written.eq_ignore_ascii_case(&meant))
        && url.as_bytes().get(meant.len()) == Some(&b':');
    Some((meant, !plain))
}

/// The scheme of `url` as a browser reads it: control characters and spaces before it skipped,
/// tabs and line breaks ignored; lowercased.
fn browser_scheme(url: &str) -> Option<String> {
    let url = url.trim_start_matches(|c: char| c <= ' ');
    scheme_of(url.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')))
}

/// The scheme `url` was meant to have: [`browser_scheme`], but also through percent-encoding
/// (decoded up to three times: `%256A` is `%6A` is `j`) and past every invisible character.
fn meant_scheme(url: &str) -> Option<String> {
    let mut decoded = url.to_owned();
    for _ in 0..3 {
        if !decoded.contains('%') {
            break;
        }
        decoded = crate::content::links::percent_decode(&decoded);
    }
    scheme_of(decoded.chars().filter(|&c| !invisible(c)))
}

/// The scheme the characters start with, up to a `:` (lowercased), if they do.
fn scheme_of(mut chars: impl Iterator<Item = char>) -> Option<String> {
    let mut scheme = String::new();
    for c in chars.by_ref() {
        match c {
            ':' => break,
            c if c.is_ascii_alphabetic()
                || (!scheme.is_empty() && (c.is_ascii_digit() || matches!(c, '+' | '-' | '.'))) =>
            {
                scheme.push(c.to_ascii_lowercase());
            }
            _ => return None,
        }
        if scheme.len() > 32 {
            return None;
        }
    }
    (!scheme.is_empty()).then_some(scheme)
}

/// A character that shows nothing: a control character, white space, a zero-width or
/// direction mark, a soft hyphen, a byte-order mark; and U+FFFD, which `&#0;` and a NUL become.
pub(crate) fn invisible(c: char) -> bool {
    c.is_control()
        || c.is_whitespace()
        || matches!(
            c,
            '\u{AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{FFFD}'
        )
}

/// An address on another server (`https://…`, `//host/…`, `ftp://…`): an image there would be
/// loaded from outside the portal.
pub(crate) fn is_external(url: &str) -> bool {
    let url: String =
        url.trim_start_matches(|c: char| c <= ' ').chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    url.starts_with("//")
        || url.starts_with("/\\")
        || browser_scheme(&url).is_some_and(|scheme| matches!(scheme.as_str(), "http" | "https" | "ftp" | "ftps"))
}

/// Whether raw HTML's attribute `name` of `tag` makes the browser load what it points at.
fn loads(tag: &str, name: &str) -> bool {
    matches!((tag, name), ("img" | "video" | "audio" | "source" | "track", "src") | ("video", "poster"))
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
        .url_schemes(KEPT_SCHEMES.into_iter().collect())
        // What `refused_url` refuses however it is written (`%00javascript:`, which the
        // sanitizer reads as a relative address), and images from elsewhere.
        .attribute_filter(|tag, name, value| {
            let url = matches!(name, "href" | "src" | "poster" | "cite" | "action" | "formaction" | "background");
            if (url && refused_url(value).is_some()) || (loads(tag, name) && is_external(value)) {
                return None;
            }
            Some(value.into())
        })
        .link_rel(None);
    builder
});

#[cfg(test)]
mod tests {
    use super::*;

    fn html(source: &str) -> Rendered {
        render(source, RawHtmlPolicy::Sanitize, &KeepAll)
    }

    /// A heading's attribute block gives its id and classes; its other attributes (`onclick=…`)
    /// are raw HTML, dropped unless raw HTML is trusted.
    #[test]
    fn heading_attributes_keep_the_id_and_classes_only() {
        let source = "# 标题 {#step-1 .note onclick=alert(1) style=color:red}\n";
        for policy in [RawHtmlPolicy::Sanitize, RawHtmlPolicy::Escape] {
            let html = render(source, policy, &KeepAll).html;
            assert_eq!(html, "<h1 id=\"step-1\" class=\"note\">标题</h1>\n", "{policy:?}");
        }
        assert!(render(source, RawHtmlPolicy::Trust, &KeepAll).html.contains("onclick=\"alert(1)\""));
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

    thread_local! {
        /// Bytes [`link_candidates`] has read on this thread.
        pub(super) static SCANNED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    /// A line of many `](` that close no link is read a few times over (the text between two
    /// `](` three times: for a line break, a `[` and a `)`), not once for each `](`: each was
    /// looked for its `[` back to the line's start and for its `)` to the line's end, and a
    /// 480 KB line took over a minute.
    #[test]
    fn a_line_of_many_link_closes_is_read_once() {
        for unit in ["x](", "](x", "[a](b", "[a](b c", "![", "x](a b)"] {
            let source = format!("正文\n{}\n", unit.repeat(20_000));
            SCANNED.with(|n| n.set(0));
            let candidates = link_candidates(&source).count();
            let scanned = SCANNED.with(std::cell::Cell::get);
            assert!(
                scanned <= 3 * source.len(),
                "{unit}: {scanned} bytes read for {} ({candidates} candidates)",
                source.len()
            );
        }
    }

    /// Links with a space on a line of many `](`: each is reported with its own text, and what is
    /// reported is no longer than the line (every `](` took the rest of the line as its
    /// destination, 20,000 suggestions of up to 140 KB each).
    #[test]
    fn spaced_links_on_a_long_line_do_not_overlap() {
        let source = format!("{})\n", "[a](b c".repeat(20_000));
        let spaced = check(&source, RawHtmlPolicy::Sanitize, &KeepAll).spaced;
        assert_eq!(spaced.len(), 1, "only the last `](` is closed by the `)`");
        assert_eq!(spaced[0].fixed, "[a](<b c>)");
        let source = format!("[{}\n", "x](a b)".repeat(20_000));
        let spaced = check(&source, RawHtmlPolicy::Sanitize, &KeepAll).spaced;
        let reported: usize = spaced.iter().map(|s| s.range.len() + s.fixed.len()).sum();
        assert!(reported <= 2 * source.len(), "{reported} bytes reported");
        assert_eq!(spaced.first().map(|s| s.fixed.as_str()), Some("[x](<a b>)"));
        // A `[` is not taken from before the `](` before it.
        let found: Vec<_> = check("[a](b c) 和 x](d e) 和 [f](g h)\n", RawHtmlPolicy::Sanitize, &KeepAll)
            .spaced
            .into_iter()
            .map(|s| s.fixed)
            .collect();
        assert_eq!(found, ["[a](<b c>)", "[f](<g h>)"]);
    }

    #[test]
    fn links_are_rewritten_or_reported() {
        let source = "见[其他](other.md)与[已删](gone.md)。\n\n![图](a.png)\n";
        let out = render(source, RawHtmlPolicy::Sanitize, &Cases);
        assert!(out.html.contains("href=\"../other/\""));
        let broken: Vec<_> = out.broken.iter().map(|b| (b.code, &source[b.range.clone()])).collect();
        assert_eq!(broken, [("broken_link", "[已删](gone.md)"), ("missing_image", "![图](a.png)")]);
    }

    /// Resolves like a case's links: `a.png` is in the site, `no.png` is not.
    struct Site;
    impl LinkResolver for Site {
        fn link(&self, destination: &str) -> Resolved {
            Cases.link(destination)
        }
        fn image(&self, destination: &str) -> Resolved {
            match destination {
                "a.png" => Resolved::Rewrite("../../media/a.png".into()),
                "/a.png" => Resolved::Broken("absolute_path"),
                d if d.contains(':') => Resolved::Keep,
                _ => Resolved::Broken("missing_image"),
            }
        }
    }

    #[test]
    fn raw_html_images_and_links_resolve_as_markdown_ones_do() {
        let source = "图 <img src=\"a.png\" width=\"300\"> 与 <a href=\"other.md\">其他</a>、<a href='gone.md'>已删</a>。\n\n\
                      <p align=\"center\">\n<img\n  SRC=no.png\n  width=200><img src=\"/a.png\"><img src=\"https://x.org/b.png\">\n</p>\n\n\
                      > <img src=\"no.png\">\n\n`<img src=\"no.png\">`\n\n<!-- <img src=\"no.png\"> -->\n";
        for policy in [RawHtmlPolicy::Sanitize, RawHtmlPolicy::Trust] {
            let out = render(source, policy, &Site);
            assert!(out.html.contains("<img src=\"../../media/a.png\" width=\"300\">"), "{}", out.html);
            assert!(out.html.contains("<a href=\"../other/\">其他</a>"), "{}", out.html);
            // An image from elsewhere: loaded only where raw HTML is trusted, else told and dropped.
            let external = out.dropped.iter().map(|d| (&d.kind, d.destination.as_str(), &source[d.range.clone()]));
            if policy == RawHtmlPolicy::Trust {
                assert!(out.html.contains("https://x.org/b.png"), "{}", out.html);
                assert_eq!(external.count(), 0);
            } else {
                assert!(!out.html.contains("x.org") && out.html.contains("<img>"), "{}", out.html);
                let kind = DroppedKind::ExternalImage { raw: true };
                let found: Vec<_> = external.collect();
                assert_eq!(found, [(&kind, "https://x.org/b.png", "https://x.org/b.png")]);
            }
            let broken: Vec<_> =
                out.broken.iter().map(|b| (b.code, b.destination.as_str(), &source[b.range.clone()])).collect();
            assert_eq!(
                broken,
                [
                    ("broken_link", "gone.md", "gone.md"),
                    ("missing_image", "no.png", "no.png"),
                    ("absolute_path", "/a.png", "/a.png"),
                    ("missing_image", "no.png", "no.png"),
                ],
                "{policy:?}"
            );
            assert_eq!(out.broken, check(source, policy, &Site).broken);
        }
        // The second missing image is the one in the quote, on its line.
        let out = render(source, RawHtmlPolicy::Sanitize, &Site);
        assert!(source[..out.broken[3].range.start].ends_with("> <img src=\""), "{:?}", out.broken[3]);
        // A video's file and poster too.
        let video =
            render("<video src=\"other.md\" poster=\"a.png\" controls></video>\n", RawHtmlPolicy::Sanitize, &Site);
        assert!(
            video.html.contains("<video src=\"../other/\" poster=\"../../media/a.png\" controls"),
            "{}",
            video.html
        );
        // Shown as text, raw HTML points at nothing.
        assert!(render(source, RawHtmlPolicy::Escape, &Site).broken.is_empty());
    }

    #[test]
    fn raw_html_ids_do_not_repeat_the_pages_own() {
        let source = "<p id=\"main\">正文</p>\n\n[去](#main) <a href=\"#main\">去</a> <a href=\"#top\">顶</a>\n\n## 背景\n\n<span id=\"背景\"></span>[回](#背景)\n";
        for policy in [RawHtmlPolicy::Sanitize, RawHtmlPolicy::Trust] {
            let html = render(source, policy, &KeepAll).html;
            assert!(html.contains("<p id=\"user-content-main\">"), "{html}");
            assert!(!html.contains("\"main\"") && !html.contains("\"#main\""), "{html}");
            assert_eq!(html.matches("href=\"#user-content-main\"").count(), 2, "{html}");
            assert!(html.contains("href=\"#top\""), "{html}");
            // A heading's anchor keeps its id and its links.
            assert!(html.contains("<h2 id=\"背景\">") && html.contains("<span id=\"user-content-背景\">"), "{html}");
            assert!(html.contains("href=\"#%E8%83%8C%E6%99%AF\""), "{html}");
        }
    }

    /// Every scheme but http, https, mailto and tel is refused however it is written; a kept one
    /// only when written so that browsers do not read it as one.
    #[test]
    fn refused_addresses_however_written() {
        for (url, scheme, hidden) in [
            ("javascript:alert(1)", "javascript", false),
            ("JaVaScRiPt:alert(1)", "javascript", false),
            ("java\tscript:alert(1)", "javascript", true),
            ("java\nscript:alert(1)", "javascript", true),
            ("\u{0}javascript:alert(1)", "javascript", true),
            ("\u{e} javascript:alert(1)", "javascript", true),
            ("%00javascript:alert(1)", "javascript", true),
            ("%6A%61vascript:alert(1)", "javascript", true),
            ("%2500javascript:alert(1)", "javascript", true),
            ("\u{200B}javascript:alert(1)", "javascript", true),
            ("\u{FFFD}javascript:alert(1)", "javascript", true),
            ("vbscript:msgbox(1)", "vbscript", false),
            ("data:text/html,<script>", "data", false),
            ("data:image/svg+xml;base64,PHN2Zz4=", "data", false),
            ("ftp://files.example/a.zip", "ftp", false),
            ("%09https://a.example/", "https", true),
            ("ht\u{200B}tps://a.example/", "https", true),
        ] {
            assert_eq!(refused_url(url), Some((scheme.to_owned(), hidden)), "{url:?}");
        }
        for url in [
            "https://a.example/",
            "HTTP://a.example/",
            " https://a.example/",
            "ht\ttps://a.example/",
            "mailto:a@b.example",
            "tel:+86-20-1234",
            "images/a.png",
            "../a.md#做法",
            "#背景",
            "/other-app/",
            "//a.example/x.png",
            "",
            "%E5%9B%BE.png",
        ] {
            assert_eq!(refused_url(url), None, "{url:?}");
        }
    }

    /// A refused address is told where it is written and kept out of the page under `sanitize`
    /// and `escape`, Markdown's and raw HTML's (before, `%00javascript:` and `java&#9;script:`
    /// reached the page as dead links, and the rest were dropped without a word).
    #[test]
    fn refused_addresses_are_told_and_never_published() {
        let source = "[甲](%00javascript:alert(1)) [乙](java&#9;script:alert(1)) [丙][r] <JaVaScRiPt:alert(1)>\n\n\
                      ![丁](data:image/svg+xml;base64,PHN2Zz4=) [戊](%09https://a.example/)\n\n\
                      <a href=\"javascript&colon;alert(1)\">己</a><a href=\"&#106avascript:alert(1)\">庚</a>\n\n\
                      [r]: %6A%61vascript:alert(1)\n";
        let expected = [
            ("javascript", true, "[甲](%00javascript:alert(1))"),
            ("javascript", true, "[乙](java&#9;script:alert(1))"),
            ("javascript", true, "[丙][r]"),
            ("javascript", false, "<JaVaScRiPt:alert(1)>"),
            ("data", false, "![丁](data:image/svg+xml;base64,PHN2Zz4=)"),
            ("https", true, "[戊](%09https://a.example/)"),
            ("javascript", false, "javascript&colon;alert(1)"),
            ("javascript", false, "&#106avascript:alert(1)"),
        ];
        let found = |out: &Rendered| -> Vec<(String, bool, String)> {
            out.dropped
                .iter()
                .map(|d| match &d.kind {
                    DroppedKind::Scheme { scheme, hidden } => {
                        (scheme.clone(), *hidden, source[d.range.clone()].to_owned())
                    }
                    other => panic!("{other:?}"),
                })
                .collect()
        };
        let out = render(source, RawHtmlPolicy::Sanitize, &KeepAll);
        let expect: Vec<_> = expected.iter().map(|(s, h, t)| (s.to_string(), *h, t.to_string())).collect();
        assert_eq!(found(&out), expect);
        assert_eq!(check(source, RawHtmlPolicy::Sanitize, &KeepAll).dropped, out.dropped);
        let addressed = |html: &str| html.contains("<a href") || html.contains("<img src");
        assert!(!addressed(&out.html), "{}", out.html);
        for text in ["甲", "乙", "丙", "戊", "己", "庚"] {
            assert!(out.html.contains(&format!("<a>{text}</a>")), "{text}: {}", out.html);
        }
        // Shown as text under `escape`, raw HTML has no address; Markdown's are dropped all the same.
        let escaped = render(source, RawHtmlPolicy::Escape, &KeepAll);
        assert_eq!(found(&escaped), expect[..6]);
        assert!(!addressed(&escaped.html), "{}", escaped.html);
        // Trusted, everything stays as written, without a word.
        let trusted = render(source, RawHtmlPolicy::Trust, &KeepAll);
        assert!(trusted.dropped.is_empty() && trusted.html.contains("href=\"%00javascript:alert(1)\""));
    }

    /// The portal loads nothing from elsewhere: a Markdown image from another server becomes a link
    /// to it (its alt text inside a link of its own, its address when it has no alt text), under
    /// every policy; before, it was loaded from there.
    #[test]
    fn images_from_elsewhere_become_links() {
        let source = "![现场](https://a.example/x.png \"标题\") [![徽章](http://a.example/b.png)](https://a.example/) ![](//a.example/c.png) ![本地](images/a.png)\n";
        for policy in [RawHtmlPolicy::Sanitize, RawHtmlPolicy::Escape, RawHtmlPolicy::Trust] {
            let out = render(source, policy, &KeepAll);
            assert_eq!(
                out.html,
                "<p><a href=\"https://a.example/x.png\" title=\"标题\">现场</a> <a href=\"https://a.example/\">徽章</a> \
                 <a href=\"//a.example/c.png\">//a.example/c.png</a> <img src=\"images/a.png\" alt=\"本地\" /></p>\n",
                "{policy:?}"
            );
            let told: Vec<_> = out.dropped.iter().map(|d| (&d.kind, d.destination.as_str())).collect();
            let kind = DroppedKind::ExternalImage { raw: false };
            assert_eq!(
                told,
                [(&kind, "https://a.example/x.png"), (&kind, "http://a.example/b.png"), (&kind, "//a.example/c.png")]
            );
            assert_eq!(check(source, policy, &KeepAll).dropped, out.dropped);
        }
    }

    #[test]
    fn character_references_are_decoded_as_browsers_do() {
        for (value, decoded) in [
            ("javascript&colon;alert(1)", "javascript:alert(1)"),
            ("java&Tab;script:", "java\tscript:"),
            ("java&NewLine;script:", "java\nscript:"),
            ("&#106avascript:", "javascript:"),
            ("&#x6A;&#X61;v", "jav"),
            ("&#0;x", "\u{FFFD}x"),
            ("&#99999999999;", "&#99999999999;"),
            ("&#;&#x;", "&#;&#x;"),
            ("a&b&unknown;", "a&b&unknown;"),
            ("&amp;&lt;&gt;&quot;&apos;", "&<>\"'"),
        ] {
            assert_eq!(decode_references(value), decoded, "{value}");
        }
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

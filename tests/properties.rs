//! Property tests: no input makes the loaders, the Markdown renderer, the search tokenizer and
//! query parser or the HTTP request parser panic, hang or return something unsafe.
//!
//! Inputs are of three kinds: arbitrary bytes or strings; "soups" of fragments that matter to each
//! grammar (YAML indicators, Markdown markers, HTML, percent escapes…); and the sample site's own
//! files with such fragments spliced in at random places. 256 cases per property keep `cargo test`
//! fast; `scripts/fuzz` runs the same functions for longer (see `fuzz/`).

use std::path::Path;
use std::sync::LazyLock;

use exemplar::config::{self, Framework, RawHtmlPolicy};
use exemplar::content::{front_matter, load, validate};
use exemplar::markdown::{self, KeepAll};
use exemplar::search::{query, tokenize};
use exemplar::serve::http;
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;

fn site_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

static FRAMEWORK: LazyLock<Framework> =
    LazyLock::new(|| config::load(site_dir()).expect("the sample configuration loads").framework);

static SAMPLE_CASES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut texts: Vec<String> = walk(&site_dir().join("content"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    texts.sort();
    texts
});

static SAMPLE_CONFIG: LazyLock<String> =
    LazyLock::new(|| std::fs::read_to_string(site_dir().join("exemplar.yaml")).unwrap());

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { out.extend(walk(&path)) } else { out.push(path) }
    }
    out
}

const YAML_BITS: &[&str] = &[
    "---\n",
    "\n",
    "  ",
    "- ",
    ": ",
    "title",
    "tags",
    "practices",
    "timeline",
    "assessments",
    "scores",
    "status",
    "date",
    "2024-02-30",
    "2024-Q5",
    "named",
    "revoked",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "!!str ",
    "!x ",
    "'",
    "\"",
    "\\u0000",
    "|\n",
    ">-\n",
    "? ",
    "#",
    "%YAML 1.2\n",
    "~",
    "null",
    "1e309",
    "-0",
    "NaN",
    "标题",
    "示范点",
    "\u{feff}",
    "\t",
    "...\n",
    "<img src=x onerror=alert(1)>",
    "../../etc/passwd",
    "cover: ",
    "slug: ",
    "<<: ",
    "\r\n",
];

const MARKDOWN_BITS: &[&str] = &[
    "\n",
    "\n\n",
    "> ",
    "- ",
    "* ",
    "1. ",
    "    ",
    "```",
    "~~~",
    "`",
    "**",
    "_",
    "~~",
    "# ",
    "## ",
    "[",
    "]",
    "(",
    ")",
    "![",
    "](",
    "[^1]",
    "[^1]: ",
    "|",
    "|---|",
    "<div>",
    "</div>",
    "<script>",
    "</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">",
    "</a>",
    "javascript:",
    "data:",
    "<!-- more -->",
    "<!--",
    "-->",
    "&amp;",
    "&#x3c;",
    "\\",
    "{#id}",
    "<details>",
    "<summary>",
    "文字",
    "\t",
    "- [x] ",
    "<",
    ">",
    "\"",
    "'",
    "=",
    "http://",
    "other.md",
    "#",
    "\r",
];

const HTTP_BITS: &[&str] = &[
    "GET",
    "HEAD",
    "POST",
    " ",
    "/",
    "/..",
    "%2e",
    "%2E",
    "%252e",
    "%",
    "%2f",
    "%5c",
    "\\",
    "%00",
    "?",
    "#",
    "HTTP/1.1",
    "HTTP/1.0",
    "\r\n",
    "\n",
    "Host: x",
    "Connection: close",
    "Content-Length: 5",
    ":",
    "..",
    ".",
    "é",
    "%c0%ae",
    "%ff",
];

/// A string made of `bits`, with some arbitrary characters mixed in.
fn soup(bits: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    let piece =
        prop_oneof![4 => prop::sample::select(bits).prop_map(str::to_owned), 1 => any::<char>().prop_map(String::from)];
    prop::collection::vec(piece, 0..max).prop_map(|parts| parts.concat())
}

/// A sample file with a few fragments spliced in at random character positions.
fn mutated(samples: &'static [String], bits: &'static [&'static str]) -> impl Strategy<Value = String> {
    (0..samples.len(), prop::collection::vec((any::<prop::sample::Index>(), soup(bits, 4), 0usize..40), 1..6)).prop_map(
        move |(which, edits)| {
            let mut chars: Vec<char> = samples[which].chars().collect();
            for (at, insert, remove) in edits {
                let start = at.index(chars.len() + 1);
                let end = (start + remove).min(chars.len());
                chars.splice(start..end, insert.chars());
            }
            chars.into_iter().collect()
        },
    )
}

/// What `exemplar build` does with one case file's bytes before any cross-file check.
fn load_case(bytes: Vec<u8>) {
    if let Ok(file) = load::decode("content/x.md", bytes) {
        let (front, mut problems) = front_matter::parse(&file);
        problems.extend(validate::validate(&file, &front, &FRAMEWORK));
        for problem in &problems {
            // Every location points into the file.
            if let Some(loc) = problem.location {
                assert!(loc.line >= 1 && loc.line <= file.text.split('\n').count() + 1, "{problem:?}");
            }
        }
        let _ = markdown::render(file.body(), RawHtmlPolicy::Sanitize, &KeepAll);
    }
}

fn check_markdown(source: &str) {
    for policy in [RawHtmlPolicy::Sanitize, RawHtmlPolicy::Escape, RawHtmlPolicy::Trust] {
        let out = markdown::render(source, policy, &KeepAll);
        if policy != RawHtmlPolicy::Trust {
            let lower = out.html.to_ascii_lowercase();
            assert!(!lower.contains("<script"), "{policy:?}: {source:?} → {}", out.html);
            for attribute in ["href=\"javascript:", "src=\"javascript:", "href=\"data:", " onerror=", " onclick="] {
                assert!(!in_a_tag(&lower, attribute), "{policy:?}: {source:?} → {}", out.html);
            }
        }
        for broken in &out.broken {
            assert!(source.get(broken.range.clone()).is_some());
        }
    }
}

/// Whether `needle` occurs inside a tag of `html`, outside its quoted attribute values (text `<`
/// is escaped in the output, so a `<` opens a tag; a value such as `alt="&lt;img onerror=…&gt;"`
/// is text a browser never runs).
fn in_a_tag(html: &str, needle: &str) -> bool {
    let (mut in_tag, mut quote) = (false, None::<u8>);
    for (at, b) in html.bytes().enumerate() {
        match (in_tag, quote, b) {
            (false, _, b'<') => in_tag = true,
            (true, None, b'>') => in_tag = false,
            (true, None, b'"' | b'\'') => quote = Some(b),
            (true, Some(q), _) if q == b => quote = None,
            (true, None, _) if html.as_bytes()[at..].starts_with(needle.as_bytes()) => return true,
            _ => {}
        }
    }
    false
}

#[test]
fn in_a_tag_tells_attributes_from_attribute_values() {
    assert!(in_a_tag("<img src=x onerror=alert(1)>", " onerror="));
    assert!(in_a_tag("<p>a</p><img alt=\"a\" onerror=x>", " onerror="));
    assert!(!in_a_tag("<img alt=\"&lt;img src=x onerror=alert(1)&gt;\">", " onerror="));
    assert!(!in_a_tag("<p>text onerror=x</p>", " onerror="));
    // Once found by the soup property: markup in an image's alt text stays text.
    check_markdown("`![<img src=x onerror=alert(1)>](> )");
}

fn check_search(text: &str) {
    let mut terms = 0usize;
    tokenize::terms(text, |term| {
        assert!(!term.is_empty());
        terms += 1;
    });
    assert!(terms <= 2 * text.chars().count() + 1, "{terms} terms from {} characters", text.chars().count());
    let _ = tokenize::normalize(text);
    let _ = tokenize::runs(text);
    let clauses = query::parse(text);
    for (start, end) in query::highlights(text, &clauses) {
        assert!(start < end && text.get(start..end).is_some(), "highlight {start}..{end} in {text:?}");
    }
    // Highlights of one text's query in another text.
    let other = format!("前{text}后 {text}");
    for (start, end) in query::highlights(&other, &clauses) {
        assert!(other.get(start..end).is_some());
    }
}

fn check_clean_path(target: &str) {
    if let Some(clean) = http::clean_path(target) {
        assert!(!clean.starts_with('/'), "{target:?} → {clean:?}");
        assert!(!clean.contains(['\\', '\0', '%']), "{target:?} → {clean:?}");
        assert!(clean.split('/').all(|s| s != ".." && s != "."), "{target:?} → {clean:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn case_loader_takes_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        load_case(bytes);
    }

    #[test]
    fn case_loader_takes_any_yaml_soup(yaml in soup(YAML_BITS, 120), body in soup(MARKDOWN_BITS, 20)) {
        load_case(format!("---\n{yaml}\n---\n{body}").into_bytes());
    }

    #[test]
    fn case_loader_takes_mutated_sample_cases(text in mutated(&SAMPLE_CASES, YAML_BITS)) {
        load_case(text.into_bytes());
    }

    #[test]
    fn markdown_renders_any_string(source in any::<String>()) {
        check_markdown(&source);
    }

    #[test]
    fn markdown_renders_any_soup_safely(source in soup(MARKDOWN_BITS, 150)) {
        check_markdown(&source);
    }

    #[test]
    fn markdown_renders_mutated_sample_bodies(text in mutated(&SAMPLE_CASES, MARKDOWN_BITS)) {
        check_markdown(&text);
    }

    #[test]
    fn search_takes_any_text(text in any::<String>()) {
        check_search(&text);
    }

    #[test]
    fn search_takes_cjk_latin_and_quotes(text in "[\"“” a-zA-Z0-9ＡＢａｂ１２安全生产先锋岗İıẞß\u{0130}\u{1e9e}\u{3000}-\u{303f}]{0,60}") {
        check_search(&text);
    }

    #[test]
    fn config_takes_any_text(text in any::<String>()) {
        let _ = config::parse(&text);
    }

    #[test]
    fn config_takes_yaml_soup(text in soup(YAML_BITS, 120)) {
        let _ = config::parse(&text);
    }

    #[test]
    fn config_takes_mutated_sample(text in mutated(std::slice::from_ref(&*SAMPLE_CONFIG), YAML_BITS)) {
        let _ = config::parse(&text);
    }

    #[test]
    fn http_parses_any_head(head in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = http::parse_head(&head);
    }

    #[test]
    fn http_parses_head_soup(head in soup(HTTP_BITS, 60)) {
        if let Ok(request) = http::parse_head(head.as_bytes()) {
            check_clean_path(&request.target);
        }
    }

    #[test]
    fn clean_path_never_climbs_out(target in soup(HTTP_BITS, 30)) {
        check_clean_path(&target);
        check_clean_path(&format!("/{target}"));
    }

    #[test]
    fn range_header_stays_in_bounds(header in "bytes=[0-9-, ]{0,20}|[a-z=0-9-]{0,12}", len in 0usize..5000) {
        if let Ok(Some((start, end))) = http::parse_range(&header, len) {
            prop_assert!(start <= end && end < len, "{header} on {len}: {start}..={end}");
        }
    }
}

//! Finds the case files under `content/`, decodes them and splits the front matter from the body.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::SourceFile;
use crate::diagnostics::{Diagnostic, Location};

pub const CONTENT_DIR: &str = "content";

/// A case file larger than this is refused before it is read: no write-up comes near it, and a
/// runaway file must not take the machine's memory.
pub const MAX_CASE_BYTES: u64 = 8 * 1024 * 1024;

/// A case file found on disk.
#[derive(Debug, Clone)]
pub struct Found {
    pub abs_path: PathBuf,
    /// Relative to the site folder, `/`-separated.
    pub rel_path: String,
}

impl Found {
    /// The case file at `rel` (relative to `site_dir`, `/`-separated).
    pub fn at(site_dir: &Path, rel: &str) -> Found {
        Found { abs_path: site_dir.join(rel), rel_path: rel.to_owned() }
    }
}

/// Whether a file is a case file by its name: Markdown (`.md`, in any case).
pub fn is_markdown(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("md"))
}

/// Whether a file or folder name is hidden (starts with a dot): [`discover`] skips it.
pub fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_string_lossy().starts_with('.')
}

/// A file an editor leaves beside the one it saves: hidden (`.a.md.swp`), a backup (`a.css~`),
/// an autosave (`#a.md#`), a temporary file, vim's write test (`4913`). Never part of a site:
/// a theme's static files skip them, and `serve` does not rebuild for them.
pub fn is_editor_temporary(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name == "4913"
}

/// Lists the Markdown files under `site_dir/content`, in a stable order. Hidden files and folders
/// are skipped; a symbolic link that leads outside the site is refused.
pub fn discover(site_dir: &Path) -> (Vec<Found>, Vec<Diagnostic>) {
    let content = site_dir.join(CONTENT_DIR);
    let mut found = Vec::new();
    let mut problems = Vec::new();
    if !content.is_dir() {
        problems.push(Diagnostic::error("content_missing").arg("dir", content.display().to_string()));
        return (found, problems);
    }
    let site_root = site_dir.canonicalize().unwrap_or_else(|_| site_dir.to_path_buf());
    let walker = WalkDir::new(&content)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_hidden(e.file_name()));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().map(|p| rel_to(site_dir, p)).unwrap_or_default();
                problems.push(Diagnostic::error("unreadable").file(path).arg("detail", err.to_string()));
                continue;
            }
        };
        let path = entry.path();
        let is_markdown = is_markdown(path);
        let rel_path = rel_to(site_dir, path);
        if entry.path_is_symlink() {
            match path.canonicalize() {
                Ok(target) if target.starts_with(&site_root) => {
                    if is_markdown && target.is_file() {
                        found.push(Found { abs_path: target, rel_path });
                    }
                }
                _ => problems.push(Diagnostic::error("symlink_outside").file(rel_path)),
            }
            continue;
        }
        if is_markdown && entry.file_type().is_file() {
            found.push(Found { abs_path: path.to_path_buf(), rel_path });
        }
    }
    (found, problems)
}

/// `path` relative to `base` with `/` separators, for messages and URLs.
pub fn rel_to(base: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Reads and decodes one case file.
pub fn read(found: &Found) -> Result<SourceFile, Diagnostic> {
    use std::io::Read;
    let unreadable =
        |err: std::io::Error| Diagnostic::error("unreadable").file(&found.rel_path).arg("detail", err.to_string());
    // Opened once, its size from the open file (a second lookup of the path cost more than the
    // size check itself at 10,000 files).
    let file = std::fs::File::open(&found.abs_path).map_err(unreadable)?;
    let too_large = |size: u64| {
        Diagnostic::error("file_too_large")
            .file(&found.rel_path)
            .arg("size", format!("{:.1} MiB", size as f64 / 1048576.0))
            .arg("limit", format!("{} MiB", MAX_CASE_BYTES / 1048576))
    };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > MAX_CASE_BYTES {
        return Err(too_large(size));
    }
    // A file that grows while it is read is read up to just past the limit, not without end.
    let mut bytes = Vec::with_capacity(size as usize + 1);
    file.take(MAX_CASE_BYTES + 1).read_to_end(&mut bytes).map_err(unreadable)?;
    if bytes.len() as u64 > MAX_CASE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    decode(&found.rel_path, bytes)
}

/// Decodes a case file's bytes: UTF-8 with or without BOM, LF, CRLF or CR; anything else is an
/// error that says what the file seems to be (editors on Windows often save as GB18030/GBK).
/// Control characters are removed, each line that had one told in a warning (see
/// [`without_controls`]).
pub fn decode(rel_path: &str, bytes: Vec<u8>) -> Result<SourceFile, Diagnostic> {
    let text = text_of(rel_path, bytes)?;
    let text = lf_only(text);
    let (text, warnings) = without_controls(rel_path, text);
    let mut file = split(rel_path, text)?;
    file.warnings = warnings;
    Ok(file)
}

/// `text` with LF line ends: CRLF (Windows) and a lone CR (old Mac files) made LF. The YAML and
/// Markdown parsers break lines at a lone CR, and so then do positions (a file saved with CR line
/// ends was one line, and "had no front matter").
pub fn lf_only(text: String) -> String {
    // The whole file is looked through: with SIMD (`str::contains` took 2 % of `exemplar check`).
    if memchr::memchr(b'\r', text.as_bytes()).is_none() {
        return text;
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// A character that has no place in a case's text and is removed from it: the C0 controls but
/// tab and line ends, DEL, the C1 controls and U+FFFE, U+FFFF. XML 1.0 refuses most of them
/// (feed.xml, sitemap.xml would not parse) and the rest show as nothing or as boxes; they come
/// pasted from Word (U+000B is its manual line break) or from text decoded wrongly.
pub fn is_stray_control(c: char) -> bool {
    matches!(c, '\0'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}')
}

/// Whether the UTF-8 at `bytes[i]` starts a [`is_stray_control`] character, read byte by byte:
/// Chinese text is mostly three-byte characters, and this runs over every case file.
fn stray_at(bytes: &[u8], i: usize) -> bool {
    match bytes[i] {
        b'\t' | b'\n' | b'\r' => false,
        0..=0x1f | 0x7f => true,
        0xc2 => bytes.get(i + 1).is_some_and(|b| (0x80..=0x9f).contains(b)),
        0xef => bytes.get(i + 1) == Some(&0xbf) && bytes.get(i + 2).is_some_and(|b| matches!(b, 0xbe | 0xbf)),
        _ => false,
    }
}

/// Whether `bytes` hold a [`stray_at`] character: what every case file is asked, and nearly
/// every one answers no, so it is asked fast (reading byte by byte added 10 % to reading 10,000
/// cases). The one-byte controls in a pass the compiler makes wide (no branch a byte), the C1
/// controls from each 0xC2 (rare in Chinese text but for ·), U+FFFE and U+FFFF by searching.
fn holds_stray(bytes: &[u8]) -> bool {
    let one_byte = bytes.chunks(256).any(|chunk| {
        chunk
            .iter()
            .fold(false, |seen, &b| seen | ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r')) | (b == 0x7f))
    });
    one_byte
        || memchr::memchr_iter(0xc2, bytes).any(|i| bytes.get(i + 1).is_some_and(|b| (0x80..=0x9f).contains(b)))
        || memchr::memmem::find(bytes, "\u{fffe}".as_bytes()).is_some()
        || memchr::memmem::find(bytes, "\u{ffff}".as_bytes()).is_some()
}

/// Where the first [`is_stray_control`] character of `text` is, and which it is.
pub fn first_stray(text: &str) -> Option<(usize, char)> {
    let bytes = text.as_bytes();
    if !holds_stray(bytes) {
        return None;
    }
    let at = (0..bytes.len()).find(|&i| stray_at(bytes, i))?;
    Some((at, text[at..].chars().next()?))
}

/// Warnings for at most this many lines with control characters in one file; all are removed.
const MAX_CONTROL_WARNINGS: usize = 20;

/// `text` without [`is_stray_control`] characters, and a warning at the first one of each line
/// that had any (up to [`MAX_CONTROL_WARNINGS`]), which names it (`U+0001`) and says how many the
/// file had. Positions are those of the text as written.
fn without_controls(rel_path: &str, mut text: String) -> (String, Vec<Diagnostic>) {
    let bytes = text.as_bytes();
    if !holds_stray(bytes) {
        return (text, Vec::new());
    }
    let found: Vec<usize> = (0..bytes.len()).filter(|&i| stray_at(bytes, i)).collect();
    if found.is_empty() {
        return (text, Vec::new());
    }
    let lines = crate::diagnostics::Lines::new(&text);
    let mut warnings = Vec::new();
    let mut last_line = 0;
    for &at in &found {
        let c = text[at..].chars().next().unwrap_or('\0');
        let diagnostic = Diagnostic::warning("control_character")
            .file(rel_path)
            .arg("char", format!("U+{:04X}", u32::from(c)))
            .arg("total", found.len().to_string());
        let mut placed = lines.place(diagnostic, at, c.len_utf8());
        let line = placed.location.map_or(0, |l| l.line);
        if line == last_line {
            continue;
        }
        last_line = line;
        // Shown as a symbol (U+0001 as ␁): the character itself shows as nothing.
        placed.source_line = placed.source_line.map(|l| l.chars().map(visible).collect());
        warnings.push(placed);
        if warnings.len() == MAX_CONTROL_WARNINGS {
            break;
        }
    }
    text.retain(|c| !is_stray_control(c));
    (text, warnings)
}

/// A control character's symbol (U+2400 + its code for C0, ␡ for DEL, � for the others).
fn visible(c: char) -> char {
    match c {
        '\t' => c,
        '\0'..='\u{1f}' => char::from_u32(0x2400 + u32::from(c)).unwrap_or('\u{fffd}'),
        '\u{7f}' => '\u{2421}',
        c if is_stray_control(c) => '\u{fffd}',
        c => c,
    }
}

/// A text file's bytes as a string: UTF-8, with or without BOM; anything else is an error at the
/// first line that does not decode, saying what the file seems to be (editors on Windows often
/// save as GB18030/GBK). Case files, templates and interface strings are read through it.
pub fn text_of(rel_path: &str, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    let text = match utf8(bytes) {
        Ok(text) => text,
        Err(bytes) => {
            let valid = std::str::from_utf8(&bytes).map_or_else(|e| e.valid_up_to(), |_| bytes.len());
            // Where the first bad byte is, counted in the part that did decode.
            let prefix = String::from_utf8_lossy(&bytes[..valid]);
            let loc = Location::of_offset(&prefix, prefix.len(), 0);
            let gb = encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(&bytes);
            let code = if gb.is_some() { "not_utf8_gb18030" } else { "not_utf8" };
            let mut diagnostic = Diagnostic::error(code).file(rel_path).arg("line", loc.line.to_string());
            diagnostic.location = Some(loc);
            if let Some(text) = gb {
                diagnostic.source_line = crate::diagnostics::line_of(&text, loc.line).map(str::to_owned);
            }
            return Err(diagnostic);
        }
    };
    Ok(text)
}

/// The bytes as a string when they are UTF-8, else the bytes back. Checked 16 to 32 bytes at a
/// time: the standard check goes byte by byte through Chinese text, 8 % of `exemplar check`.
fn utf8(bytes: Vec<u8>) -> Result<String, Vec<u8>> {
    if simdutf8::basic::from_utf8(&bytes).is_err() {
        return Err(bytes);
    }
    // SAFETY: the bytes were just checked to be UTF-8.
    Ok(unsafe { String::from_utf8_unchecked(bytes) })
}

fn split(rel_path: &str, text: String) -> Result<SourceFile, Diagnostic> {
    if text.trim().is_empty() {
        return Err(Diagnostic::error("empty_file").file(rel_path));
    }
    let first_line = text.split('\n').next().unwrap_or("").trim_end();
    let at_start =
        |code| Diagnostic::error(code).file(rel_path).at(&text, Location::new(1, 1, first_line.chars().count()));
    if first_line == "+++" {
        return Err(at_start("toml_front_matter"));
    }
    if first_line != "---" {
        return Err(at_start("missing_front_matter"));
    }
    let yaml_start = text.find('\n').map_or(text.len(), |i| i + 1);
    // Line ends found with memchr: the front matter is most of what `check` reads.
    let rest = &text[yaml_start..];
    let line_ends = memchr::memchr_iter(b'\n', rest.as_bytes()).map(|i| i + 1).chain([rest.len()]);
    let mut from = 0;
    let mut close = None;
    for end in line_ends {
        let trimmed = rest[from..end].trim_end();
        if trimmed == "---" || trimmed == "..." {
            close = Some((yaml_start + from, yaml_start + end));
            break;
        }
        from = end;
    }
    let Some((yaml_end, body_start)) = close else {
        return Err(at_start("unclosed_front_matter"));
    };
    let content_path = rel_path.strip_prefix("content/").unwrap_or(rel_path).to_owned();
    Ok(SourceFile {
        rel_path: rel_path.to_owned(),
        content_path,
        yaml: yaml_start..yaml_end,
        yaml_first_line: 2,
        body_start,
        text,
        warnings: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(bytes: &[u8]) -> SourceFile {
        decode("content/a.md", bytes.to_vec()).expect("decodes")
    }

    fn err(bytes: &[u8]) -> Diagnostic {
        decode("content/a.md", bytes.to_vec()).expect_err("is refused")
    }

    #[test]
    fn splits_front_matter_and_body() {
        let file = ok(b"---\ntitle: x\n---\nbody\n");
        assert_eq!(file.yaml(), "title: x\n");
        assert_eq!(file.body(), "body\n");
        assert_eq!(file.content_path, "a.md");
        // The closing line may carry trailing spaces, be `...`, or end the file.
        let file = ok(b"---\ntitle: x\n---  \nbody");
        assert_eq!((file.yaml(), file.body()), ("title: x\n", "body"));
        let file = ok(b"---\ntitle: x\n\n...");
        assert_eq!((file.yaml(), file.body()), ("title: x\n\n", ""));
        assert_eq!(ok(b"---\n---\n").yaml(), "");
    }

    #[test]
    fn accepts_bom_and_crlf() {
        let file = ok("\u{feff}---\r\ntitle: 标题\r\n---\r\n正文\r\n".as_bytes());
        assert_eq!(file.yaml(), "title: 标题\n");
        assert_eq!(file.body(), "正文\n");
    }

    /// Old Mac files end lines with a lone CR: the front matter is found, and positions count
    /// those line ends as the parsers do, also mixed with LF and CRLF.
    #[test]
    fn a_lone_carriage_return_ends_a_line() {
        let file = ok(b"---\rtitle: x\r---\rbody\r");
        assert_eq!((file.yaml(), file.body()), ("title: x\n", "body\n"));
        let file = ok(b"---\r\ntitle: x\rsite: y\n---\rone\r\ntwo\rthree");
        let at = file.text.find("three").unwrap();
        assert_eq!(Location::of_offset(&file.text, at, 5), Location::new(7, 1, 5));
        assert_eq!(file.text.len(), "---\ntitle: x\nsite: y\n---\none\ntwo\nthree".len());
    }

    /// Control characters are removed, and each line that had one gets a warning at the first one,
    /// at its place in the file as written, naming it and showing it as a symbol.
    /// The fast question and the byte-by-byte rule agree, on every character that is a control
    /// or sits beside one in UTF-8 (the ends of the C1 range, U+FFFD, full-width forms).
    #[test]
    fn holds_stray_answers_as_reading_byte_by_byte() {
        let chars = ('\0'..='\u{3ff}').chain(['\u{fefe}', '\u{fffd}', '\u{fffe}', '\u{ffff}', '，', '·', '数']);
        for c in chars {
            let text = format!("正文{c}，·");
            let bytes = text.as_bytes();
            let slow = (0..bytes.len()).any(|i| stray_at(bytes, i));
            assert_eq!(holds_stray(bytes), slow, "{:?}", c);
            assert_eq!(slow, is_stray_control(c), "{:?}", c);
        }
    }

    #[test]
    fn control_characters_are_removed_with_a_warning() {
        let file =
            ok("---\ntitle: \"地铁\u{1}隧道\u{8}施工\"\n---\n正文\u{b}第二\u{7f}行\u{85}。\u{ffff}\t表\n".as_bytes());
        assert_eq!(file.yaml(), "title: \"地铁隧道施工\"\n");
        assert_eq!(file.body(), "正文第二行。\t表\n");
        let found: Vec<_> = file
            .warnings
            .iter()
            .map(|d| (d.code, d.location.map(|l| (l.line, l.column)), d.arg_value("char"), d.source_line.as_deref()))
            .collect();
        assert_eq!(
            found,
            [
                ("control_character", Some((2, 11)), Some("U+0001"), Some("title: \"地铁␁隧道␈施工\"")),
                ("control_character", Some((4, 3)), Some("U+000B"), Some("正文␋第二␡行�。�\t表")),
            ]
        );
        assert_eq!(file.warnings[0].arg_value("total"), Some("6"));
        // One warning a line, for twenty lines at most; all are removed.
        let many = ok(format!("---\n---\n{}", "\u{1}\u{2}\n".repeat(100)).as_bytes());
        assert_eq!((many.warnings.len(), many.body()), (MAX_CONTROL_WARNINGS, "\n".repeat(100).as_str()));
        assert!(ok(b"---\ntitle: x\n---\nbody\twith tab\n").warnings.is_empty());
    }

    #[test]
    fn names_gb18030() {
        let (bytes, _, _) = encoding_rs::GB18030.encode("---\ntitle: 示范点\n---\n");
        let diagnostic = err(&bytes);
        assert_eq!(diagnostic.code, "not_utf8_gb18030");
        assert_eq!(diagnostic.location.map(|l| l.line), Some(2));
        assert_eq!(diagnostic.source_line.as_deref(), Some("title: 示范点"));
    }

    #[test]
    fn refuses_other_binary_data() {
        assert_eq!(err(b"---\ntitle: \xff\xfe\xfd\n").code, "not_utf8");
    }

    #[test]
    fn refuses_empty_toml_missing_and_unclosed() {
        assert_eq!(err(b"").code, "empty_file");
        assert_eq!(err(b"  \n\n").code, "empty_file");
        assert_eq!(err(b"+++\ntitle = 'x'\n+++\n").code, "toml_front_matter");
        assert_eq!(err(b"# just markdown\n").code, "missing_front_matter");
        let unclosed = err(b"---\ntitle: x\nbody\n");
        assert_eq!(unclosed.code, "unclosed_front_matter");
        assert_eq!(unclosed.location, Some(Location::new(1, 1, 3)));
    }
}

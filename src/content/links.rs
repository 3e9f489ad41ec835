//! Resolves what a case points at (other cases, images, attachments) from the case file's folder,
//! the way a git web UI would, and maps it to the portal: `other.md` becomes the other case's
//! page, `images/a.png` an asset copied to `media/`. Nothing may point outside the site folder.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::markdown::{LinkResolver, Resolved};
use crate::site::Asset;

/// What every case's resolver shares: where the site is and which case files exist.
pub struct Targets<'a> {
    pub site_dir: &'a Path,
    /// The site folder, symbolic links resolved, to refuse files that lead outside it.
    pub site_root: PathBuf,
    /// Case file (relative to the site folder) → slug, for every case in the build.
    pub slugs: &'a HashMap<String, String>,
    /// Folders of assets (relative to the site folder) with their symbolic links resolved, each
    /// once: many cases keep their images in one folder, and resolving a path asks the system
    /// about each of its parts.
    real_dirs: Mutex<HashMap<String, Option<PathBuf>>>,
}

impl<'a> Targets<'a> {
    pub fn new(site_dir: &'a Path, slugs: &'a HashMap<String, String>) -> Self {
        let site_root = site_dir.canonicalize().unwrap_or_else(|_| site_dir.to_path_buf());
        Targets { site_dir, site_root, slugs, real_dirs: Mutex::default() }
    }

    /// `rel` (a normalized path inside the site folder) with every symbolic link resolved, as
    /// `canonicalize` gives it, and whether it is a file; `None` when there is nothing there.
    fn real_path(&self, rel: &str) -> Option<(PathBuf, bool)> {
        let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
        let known = self.real_dirs.lock().ok().and_then(|dirs| dirs.get(dir).cloned());
        let real_dir = match known {
            Some(real_dir) => real_dir,
            None => {
                let real_dir = self.site_dir.join(dir).canonicalize().ok();
                if let Ok(mut dirs) = self.real_dirs.lock() {
                    dirs.insert(dir.to_owned(), real_dir.clone());
                }
                real_dir
            }
        }?;
        let path = real_dir.join(name);
        match std::fs::symlink_metadata(&path) {
            // The file itself is a link: resolved in full.
            Ok(meta) if meta.file_type().is_symlink() => {
                let real = path.canonicalize().ok()?;
                let is_file = real.is_file();
                Some((real, is_file))
            }
            Ok(meta) => Some((path, meta.is_file())),
            Err(_) => None,
        }
    }
}

/// The resolver for one case file; collects the assets it meets and every path it looked up.
pub struct CaseLinks<'a> {
    targets: &'a Targets<'a>,
    /// The case file's folder relative to the site folder (`content/energy`).
    dir: String,
    /// How the case page reaches the portal root (`../../`).
    root: &'a str,
    pub assets: RefCell<Vec<Asset>>,
    /// Paths inside the site folder (relative to it) whose presence, slug or content the links
    /// resolved against, found or not, and where a symbolic link led: when none of them changes,
    /// the case's links resolve as they did.
    pub looked_up: RefCell<Vec<String>>,
}

impl<'a> CaseLinks<'a> {
    pub fn new(targets: &'a Targets<'a>, source: &str, root: &'a str) -> Self {
        let dir = source.rsplit_once('/').map_or("", |(dir, _)| dir).to_owned();
        CaseLinks { targets, dir, root, assets: RefCell::default(), looked_up: RefCell::default() }
    }

    /// Resolves a file path written in the case to a portal-relative asset path (`media/…`).
    pub fn asset(&self, destination: &str, missing: &'static str) -> Result<String, &'static str> {
        let decoded = percent_decode(destination);
        // An absolute path (`/etc/passwd`, `\\server\x`, `C:\x`) is never a file of the site.
        if decoded.starts_with(['/', '\\']) || decoded.as_bytes().get(1) == Some(&b':') {
            return Err("path_outside");
        }
        let rel = normalize(&self.dir, &decoded).ok_or("path_outside")?;
        let real = self.targets.real_path(&rel);
        self.looked_up.borrow_mut().push(rel.clone());
        if let Some(inside) = real.as_ref().and_then(|(real, _)| real.strip_prefix(&self.targets.site_root).ok()) {
            let inside: Vec<_> = inside.components().map(|c| c.as_os_str().to_string_lossy()).collect();
            let inside = inside.join("/");
            if inside != rel {
                self.looked_up.borrow_mut().push(inside);
            }
        }
        match real {
            Some((real, _)) if !real.starts_with(&self.targets.site_root) => return Err("path_outside"),
            Some((_, true)) => {}
            _ => return Err(missing),
        }
        let output = media_path(&rel);
        self.assets.borrow_mut().push(Asset { output: output.clone(), source: rel });
        Ok(output)
    }
}

impl CaseLinks<'_> {
    /// For a destination that was not found: the same written with the letter case of a file or
    /// case that is there (`images/photo.JPG` for `images/photo.jpg`: found on Windows, not on the
    /// intranet server), or `None`. Looked for only after a miss.
    /// For a path written from the server's root (`/images/a.png`): the same path relative to
    /// the case file, when the file is in the site, taken from the case's folder or else from
    /// the site folder.
    pub fn from_root(&self, destination: &str) -> Option<String> {
        let (path, fragment) = destination.trim().split_once('#').unwrap_or((destination.trim(), ""));
        let path = percent_decode(path).trim_start_matches(['/', '\\']).to_owned();
        let is_there = |rel: &str| {
            if rel.to_ascii_lowercase().ends_with(".md") {
                self.targets.slugs.contains_key(rel)
            } else {
                self.targets.real_path(rel).is_some_and(|(_, file)| file)
            }
        };
        let up = "../".repeat(self.dir.split('/').filter(|p| !p.is_empty()).count());
        let found = [(self.dir.as_str(), String::new()), ("", up)].into_iter().find_map(|(from, prefix)| {
            normalize(from, &path).filter(|rel| is_there(rel)).map(|_| format!("{prefix}{path}"))
        })?;
        Some(if fragment.is_empty() { found } else { format!("{found}#{fragment}") })
    }

    pub fn nearest(&self, destination: &str) -> Option<String> {
        let (path, fragment) = destination.split_once('#').unwrap_or((destination, ""));
        let decoded = percent_decode(path);
        let rel = normalize(&self.dir, &decoded)?;
        let found = if rel.to_ascii_lowercase().ends_with(".md") {
            self.targets.slugs.keys().find(|case| case.eq_ignore_ascii_case(&rel)).cloned()
        } else {
            case_insensitive(self.targets.site_dir, &rel)
        }?;
        // The written path's last parts take the found one's spelling (`../` and `./` kept).
        let mut written: Vec<String> = decoded.split(['/', '\\']).map(str::to_owned).collect();
        for (part, spelled) in written.iter_mut().rev().zip(found.rsplit('/')) {
            if part == "." || part == ".." || !part.eq_ignore_ascii_case(spelled) {
                break;
            }
            *part = spelled.to_owned();
        }
        let fixed = written.join("/");
        let fixed = if fragment.is_empty() { fixed } else { format!("{fixed}#{fragment}") };
        (fixed != destination).then_some(fixed)
    }
}

/// `rel` (inside the site folder) as the file system spells it, each part matched without regard
/// to ASCII letter case where it is not there as written.
fn case_insensitive(site_dir: &Path, rel: &str) -> Option<String> {
    let mut dir = site_dir.to_path_buf();
    let mut spelled = Vec::new();
    for part in rel.split('/') {
        let name = if dir.join(part).exists() {
            part.to_owned()
        } else {
            std::fs::read_dir(&dir)
                .ok()?
                .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
                .find(|name| name.eq_ignore_ascii_case(part))?
        };
        dir.push(&name);
        spelled.push(name);
    }
    dir.is_file().then(|| spelled.join("/"))
}

impl LinkResolver for CaseLinks<'_> {
    fn link(&self, destination: &str) -> Resolved {
        if is_encoded_absolute_path(destination) || is_file_url(destination) {
            return Resolved::Broken("absolute_path");
        }
        if !is_relative(destination) {
            // `/other.md` means a case file, but from the server's root nothing of the site is
            // found; other links from the root (another intranet application) are the editor's.
            // A Windows path (`\\server\share\a.pdf`, `C:\…`) is a file on the editor's network
            // or disk, which no reader's browser opens from the portal.
            let path = destination.split(['#', '?']).next().unwrap_or_default();
            if is_absolute_path(destination) && (path.to_ascii_lowercase().ends_with(".md") || is_windows_path(path)) {
                return Resolved::Broken("absolute_path");
            }
            return Resolved::Keep;
        }
        let (path, fragment) = match destination.split_once('#') {
            Some((path, fragment)) => (path, Some(fragment)),
            None => (destination, None),
        };
        let fragment = fragment.map_or(String::new(), |f| format!("#{f}"));
        if path.to_ascii_lowercase().ends_with(".md") {
            let Some(rel) = normalize(&self.dir, &percent_decode(path)) else {
                return Resolved::Broken("path_outside");
            };
            self.looked_up.borrow_mut().push(rel.clone());
            return match self.targets.slugs.get(rel.as_str()) {
                Some(slug) => Resolved::Rewrite(format!("{}cases/{slug}/{fragment}", self.root)),
                None => Resolved::Broken("broken_link"),
            };
        }
        match self.asset(path, "broken_link") {
            Ok(output) => Resolved::Rewrite(format!("{}{output}{fragment}", self.root)),
            Err(code) => Resolved::Broken(code),
        }
    }

    fn image(&self, destination: &str) -> Resolved {
        // `![现场]()`: the page would show a broken image.
        if destination.trim().is_empty() {
            return Resolved::Broken("missing_image");
        }
        // An image from the server's root (`/img/a.png`) or a drive would load from outside the
        // portal, where the published folder has no such file.
        if is_absolute_path(destination) || is_encoded_absolute_path(destination) || is_file_url(destination) {
            return Resolved::Broken("absolute_path");
        }
        if !is_relative(destination) {
            return Resolved::Keep;
        }
        match self.asset(destination, "missing_image") {
            Ok(output) => Resolved::Rewrite(format!("{}{output}", self.root)),
            Err(code) => Resolved::Broken(code),
        }
    }
}

/// A path written relative to the case: not a URL with a scheme, not absolute, not an anchor.
fn is_relative(destination: &str) -> bool {
    let d = destination.trim();
    if d.is_empty() || d.starts_with('#') || d.starts_with('/') || d.starts_with('\\') {
        return false;
    }
    // `http:`, `mailto:`, `javascript:` … a colon before any slash means a scheme.
    match d.find(':') {
        Some(colon) => d.find('/').is_some_and(|slash| slash < colon),
        None => true,
    }
}

/// A path from the server's root or a drive (`/img/a.png`, `\\server\a.png`, `C:\a.png`),
/// not a URL (`//host/a.png`, `http://…`).
fn is_absolute_path(destination: &str) -> bool {
    let d = destination.trim();
    let b = d.as_bytes();
    (d.starts_with(['/', '\\']) && !d.starts_with("//"))
        || (b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && matches!(b[2], b'\\' | b'/'))
}

/// A path from the server's root, a drive or a share written percent-encoded
/// (`%5C%5Cserver%5Cshare%5Ca.pdf`, `%2Fimg%2Fa.png`): a browser reads it as a file name beside
/// the page, which the published portal does not have; the editor meant the path.
fn is_encoded_absolute_path(destination: &str) -> bool {
    let d = destination.trim();
    let path = d.split(['#', '?']).next().unwrap_or_default();
    path.contains('%') && {
        let decoded = percent_decode(path);
        decoded != path && (is_absolute_path(&decoded) || decoded.starts_with("//") || decoded.starts_with("\\"))
    }
}

/// A `file:` URL (`file:///C:/a.pdf`, `file://server/share/a.pdf`): a file on the editor's disk
/// or network, which no reader's browser opens from the portal.
fn is_file_url(destination: &str) -> bool {
    let d = destination.trim_start_matches(|c: char| c <= ' ');
    d.get(..5).is_some_and(|scheme| scheme.eq_ignore_ascii_case("file:"))
}

/// `https：//…` (or `mailto：`, `tel：` …) written with a full-width colon, and slashes, as a Chinese
/// input method types them: a browser reads it as a file name beside the page. The address with
/// half-width ones, or `None`.
pub fn fullwidth_scheme(destination: &str) -> Option<String> {
    let d = destination.trim();
    let (scheme, rest) = d.split_once('：')?;
    if !["http", "https", "mailto", "tel", "ftp"].iter().any(|s| scheme.eq_ignore_ascii_case(s)) {
        return None;
    }
    let slashes = rest.chars().take_while(|c| matches!(c, '/' | '／')).count();
    let rest: String = rest.chars().enumerate().map(|(i, c)| if i < slashes { '/' } else { c }).collect();
    Some(format!("{scheme}:{rest}"))
}

/// A path written the Windows way, from a drive or a share: `C:\a.pdf`, `D:/a.pdf`, `\\server\a`,
/// `\a` (which browsers read as `/a`, after percent-encoding the `\` in some).
fn is_windows_path(destination: &str) -> bool {
    let d = destination.trim();
    let b = d.as_bytes();
    d.starts_with('\\') || (b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && matches!(b[2], b'\\' | b'/'))
}

/// Joins `path` to `dir` and resolves `.` and `..`; `None` when it climbs out of the site folder.
pub fn normalize(dir: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Where an asset is published: under `media/`, each name made ASCII, the extension kept.
pub fn media_path(rel: &str) -> String {
    let rel = rel.strip_prefix("content/").unwrap_or(rel);
    let mut parts: Vec<String> = Vec::new();
    let segments: Vec<&str> = rel.split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        if i + 1 == segments.len() {
            let (stem, ext) = match segment.rsplit_once('.') {
                Some((stem, ext)) if !stem.is_empty() => (stem, Some(ext)),
                _ => (*segment, None),
            };
            let mut name = crate::slug::slugify(stem);
            if let Some(ext) = ext {
                name.push('.');
                name.push_str(&crate::slug::slugify(ext));
            }
            parts.push(name);
        } else {
            parts.push(crate::slug::slugify(segment));
        }
    }
    format!("media/{}", parts.join("/"))
}

/// Percent-decoding of a URL path or fragment; the text as it is when the result is not UTF-8.
pub fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && text.is_char_boundary(i + 3)
            && let Ok(value) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(value);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn paths_from_the_root_or_a_drive_are_told_from_urls() {
        for path in ["/img/a.png", "/etc/passwd", "\\\\server\\a.png", "C:\\a.png", "d:/a.png", " /a.md"] {
            assert!(super::is_absolute_path(path), "{path}");
        }
        for path in ["//host/a.png", "http://host/a.png", "images/a.png", "a.md", "#top", "c:", "mailto:a@b"] {
            assert!(!super::is_absolute_path(path), "{path}");
        }
    }

    use super::*;

    /// A share, drive or root path is the editor's however it is written: percent-encoded
    /// (`%5C%5Cserver…`, which was `path_outside`) or as a `file:` URL (dropped without a word).
    #[test]
    fn encoded_paths_and_file_urls_are_absolute_paths() {
        let site = tempfile::tempdir().unwrap();
        let slugs = HashMap::new();
        let targets = Targets::new(site.path(), &slugs);
        let links = CaseLinks::new(&targets, "content/a.md", "../../");
        for path in [
            "%5C%5Cserver%5Cshare%5Ca.pdf",
            "%5c%5cserver/a.pdf",
            "%2Fimg%2Fa.png",
            "%2F%2Fhost/a.png",
            "%43%3A%5Ca.pdf",
            "file:///C:/a.pdf",
            "FILE://server/share/a.pdf",
            " file:/a.pdf",
            "\\\\?\\C:\\a.pdf",
        ] {
            assert_eq!(links.link(path), Resolved::Broken("absolute_path"), "{path}");
            assert_eq!(links.image(path), Resolved::Broken("absolute_path"), "{path}");
        }
        for path in ["a%20b.pdf", "%E5%9B%BE.png", "100%.png"] {
            assert_eq!(links.link(path), Resolved::Broken("broken_link"), "{path}");
        }
        assert_eq!(links.image(""), Resolved::Broken("missing_image"));
        assert_eq!(links.image("https://a.example/x.png"), Resolved::Keep);
    }

    #[test]
    fn a_full_width_colon_after_a_scheme_is_found() {
        assert_eq!(fullwidth_scheme("https：//a.example/x").as_deref(), Some("https://a.example/x"));
        assert_eq!(fullwidth_scheme("HTTP：／／a.example/").as_deref(), Some("HTTP://a.example/"));
        assert_eq!(fullwidth_scheme("mailto：a@b.example").as_deref(), Some("mailto:a@b.example"));
        for other in ["附件：a.pdf", "note：a.pdf", "https://a.example/说明：x", "images/a.png"] {
            assert_eq!(fullwidth_scheme(other), None, "{other}");
        }
    }

    #[test]
    fn relative_paths() {
        assert!(is_relative("a.md"));
        assert!(is_relative("../images/a b.png"));
        assert!(!is_relative("https://x.org/a.md"));
        assert!(!is_relative("mailto:a@b"));
        assert!(!is_relative("javascript:alert(1)"));
        assert!(!is_relative("#背景"));
        assert!(!is_relative("/abs.md"));
    }

    #[test]
    fn normalizing_stays_inside() {
        assert_eq!(normalize("content/energy", "../a.md").as_deref(), Some("content/a.md"));
        assert_eq!(normalize("content", "./images/x.png").as_deref(), Some("content/images/x.png"));
        assert_eq!(normalize("content", "../../../etc/passwd"), None);
    }

    #[test]
    fn a_path_in_another_letter_case_is_suggested() {
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(site.path().join("content/Images")).unwrap();
        std::fs::write(site.path().join("content/Images/Site-Photo.JPG"), b"x").unwrap();
        let slugs = HashMap::from([("content/energy/Wind-Team.md".to_owned(), "wind-team".to_owned())]);
        let targets = Targets::new(site.path(), &slugs);
        let links = CaseLinks::new(&targets, "content/a.md", "../../");
        assert_eq!(links.nearest("images/site-photo.jpg").as_deref(), Some("Images/Site-Photo.JPG"));
        assert_eq!(links.nearest("./images/site-photo.jpg").as_deref(), Some("./Images/Site-Photo.JPG"));
        assert_eq!(links.nearest("energy/wind-team.md#做法").as_deref(), Some("energy/Wind-Team.md#做法"));
        assert_eq!(links.nearest("images/other.jpg"), None);
        assert_eq!(links.nearest("Images/Site-Photo.JPG"), None, "as written: nothing to suggest");
        assert_eq!(links.nearest("../../x.png"), None);
    }

    #[test]
    fn media_paths_are_ascii() {
        assert_eq!(media_path("content/images/封面 图.PNG"), "media/images/feng-mian-tu.png");
        assert_eq!(media_path("content/a.jpg"), "media/a.jpg");
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b.md"), "a b.md");
        assert_eq!(percent_decode("%E5%9B%BE.png"), "图.png");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}

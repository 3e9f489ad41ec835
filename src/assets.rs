//! Content-hashed names for the theme's stylesheets and scripts (`static/style.3f2a9c1b.css`), so
//! that web servers may let browsers keep them for a year: a new version is a new name. Templates
//! reach them through the `assets` map the renderer provides (`{{ root }}{{ assets["style.css"] }}`).
//! Every static file is also published under its plain name (`static/style.css`, same bytes), as
//! `serve` answers it: a theme's own references between its files (`@import url("base.css")`,
//! `url(fonts/x.woff2)`, `import … from "./util.js"`) and a template's plain link
//! (`{{ root }}static/style.css`) then work in the portal as in the preview. Only the hashed names
//! may be cached for long; the plain ones are revalidated like pages.
//!
//! Also the small, stable content hash the image cache uses (no crate needed: FNV-1a).

use std::collections::BTreeMap;

use crate::render::theme::{FileSource, Theme};

/// FNV-1a, 64 bits, from `seed`: stable across runs, platforms and versions of Rust.
pub fn fnv64(bytes: &[u8], seed: u64) -> u64 {
    let mut hash = seed;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// 128 bits of content hash as 32 hex digits (two FNV-1a passes from different seeds): enough to
/// key a cache of a site's images.
pub fn content_hash(bytes: &[u8]) -> String {
    format!("{:016x}{:016x}", fnv64(bytes, FNV_OFFSET), fnv64(bytes, FNV_OFFSET ^ 0x5bd1_e995_5bd1_e995))
}

/// Whether a static file's name carries its hash: stylesheets and scripts.
pub fn is_hashed(rel: &str) -> bool {
    rel.ends_with(".css") || rel.ends_with(".js")
}

/// `style.css` → `static/style.3f2a9c1b.css` (8 hex digits of the content hash).
pub fn hashed_name(rel: &str, bytes: &[u8]) -> String {
    let short = &content_hash(bytes)[..8];
    match rel.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.contains('/') => format!("static/{stem}.{short}.{ext}"),
        _ => format!("static/{rel}.{short}"),
    }
}

/// One static file of the theme as it is published.
pub struct StaticFile {
    /// Path inside the theme's `static/` folder (`style.css`).
    pub rel: String,
    /// Path in the portal (`static/style.3f2a9c1b.css`).
    pub output: String,
    pub bytes: Vec<u8>,
}

impl StaticFile {
    /// Its path in the portal under its plain name (`static/style.css`), which every static file
    /// also has.
    pub fn plain(&self) -> String {
        format!("static/{}", self.rel)
    }

    /// Every path the portal publishes it at: the hashed name, and the plain one when it differs.
    pub fn outputs(&self) -> Vec<String> {
        let plain = self.plain();
        if plain == self.output { vec![plain] } else { vec![self.output.clone(), plain] }
    }
}

/// Reads the theme's static files and names them for publishing: `hashed` gives stylesheets and
/// scripts their content hash (the preview server keeps plain names, so its CSS hot swap works).
pub fn static_files(theme: &Theme, hashed: bool) -> std::io::Result<Vec<StaticFile>> {
    let mut files = Vec::with_capacity(theme.static_files.len());
    for (rel, source) in &theme.static_files {
        let bytes = match source {
            FileSource::Disk(path) => std::fs::read(path)?,
            FileSource::Embedded(bytes) => bytes.to_vec(),
        };
        let output = if hashed && is_hashed(rel) { hashed_name(rel, &bytes) } else { format!("static/{rel}") };
        files.push(StaticFile { rel: rel.clone(), output, bytes });
    }
    Ok(files)
}

/// The `assets` map templates see: static file name → portal path.
pub fn names(files: &[StaticFile]) -> BTreeMap<String, String> {
    files.iter().map(|f| (f.rel.clone(), f.output.clone())).collect()
}

/// The map with every file under its plain name (`style.css` → `static/style.css`).
pub fn plain_names(theme: &Theme) -> BTreeMap<String, String> {
    theme.static_files.iter().map(|(rel, _)| (rel.clone(), format!("static/{rel}"))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_follow_the_content() {
        let a = hashed_name("style.css", b"body{}");
        assert!(a.starts_with("static/style.") && a.ends_with(".css") && a.len() == "static/style.12345678.css".len());
        assert_eq!(a, hashed_name("style.css", b"body{}"));
        assert_ne!(a, hashed_name("style.css", b"body{color:red}"));
        assert_eq!(hashed_name("js/search.js", b"x").split('/').count(), 3);
        assert_eq!(content_hash(b"").len(), 32);
        // FNV-1a's published value for the empty input and for "a".
        assert_eq!(fnv64(b"", FNV_OFFSET), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv64(b"a", FNV_OFFSET), 0xaf63_dc4c_8601_ec8c);
    }

    /// A stylesheet is published under its hashed name and its plain one; an image, which keeps
    /// its name, once.
    #[test]
    fn every_static_file_keeps_its_plain_name_too() {
        let file = |rel: &str, hashed: bool| {
            let output = if hashed && is_hashed(rel) { hashed_name(rel, b"x") } else { format!("static/{rel}") };
            StaticFile { rel: rel.to_owned(), output, bytes: b"x".to_vec() }
        };
        let css = file("css/corp.css", true);
        assert_eq!(css.outputs(), [hashed_name("css/corp.css", b"x"), "static/css/corp.css".to_owned()]);
        assert_eq!(file("img/bg.png", true).outputs(), ["static/img/bg.png"]);
        assert_eq!(file("css/corp.css", false).outputs(), ["static/css/corp.css"]);
    }
}

//! `exemplar init` (a new site, which `exemplar build` builds as it is; `init` only writes it)
//! and `exemplar new case` (a case file with a complete, commented front matter). Neither ever
//! overwrites a file.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::date::Date;
use crate::embedded;

#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error("{0} already exists and is not empty")]
    NotEmpty(PathBuf),
    #[error("{0} has no content/ folder: run this inside a site (or pass --dir)")]
    NotASite(PathBuf),
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
}

/// Creates a new site in `dir`: the sample configuration, the default theme and two example cases.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>, ScaffoldError> {
    if dir.exists() && fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(ScaffoldError::NotEmpty(dir.to_path_buf()));
    }
    let mut written = Vec::new();
    let mut write = |rel: &str, bytes: &[u8]| -> Result<(), ScaffoldError> {
        let path = dir.join(rel);
        let error = |source| ScaffoldError::Write { path: path.clone(), source };
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(error)?;
        }
        fs::write(&path, bytes).map_err(error)?;
        written.push(path);
        Ok(())
    };
    write(crate::config::CONFIG_FILE, embedded::SAMPLE_CONFIG.as_bytes())?;
    // What `build` and `serve` write beside the sources: the portal, its lock and half-made
    // copies (`.public.lock`, `.public.staging-*`), and the photos' cache.
    write(".gitignore", b"/public\n/.public.*\n/.exemplar-cache/\n")?;
    for (rel, bytes) in embedded::SCAFFOLD {
        write(rel, bytes)?;
    }
    for (rel, bytes) in embedded::DEFAULT_THEME {
        write(&format!("themes/default/{rel}"), bytes)?;
    }
    Ok(written)
}

/// Writes a new case file for `title` under `site_dir/content/` and returns its path. The file
/// name is the title in ASCII (pinyin for Chinese); an existing name gets `-2`, `-3` …
pub fn new_case(
    site_dir: &Path,
    title: &str,
    enterprise: Option<&str>,
    language: &str,
) -> Result<PathBuf, ScaffoldError> {
    let content = site_dir.join(crate::content::load::CONTENT_DIR);
    if !content.is_dir() {
        return Err(ScaffoldError::NotASite(site_dir.to_path_buf()));
    }
    let language = crate::i18n::normalize_language(language);
    let archetype = site_dir.join(format!("themes/default/archetypes/case.{language}.md"));
    let template = fs::read_to_string(&archetype).ok().unwrap_or_else(|| {
        embedded::theme_file(&format!("archetypes/case.{language}.md"))
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    });
    let placeholder_enterprise = if language == "en" { "Enterprise name" } else { "请填写企业名称" };
    let text = fill(&template, title, enterprise.unwrap_or(placeholder_enterprise), Date::today());

    let base = crate::slug::slugify(title);
    for n in 1.. {
        let name = if n == 1 { format!("{base}.md") } else { format!("{base}-{n}.md") };
        let path = content.join(name);
        // create_new never replaces a file, even one that appears between check and write.
        match fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut file) => {
                use std::io::Write as _;
                file.write_all(text.as_bytes())
                    .map_err(|source| ScaffoldError::Write { path: path.clone(), source })?;
                return Ok(path);
            }
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(source) => return Err(ScaffoldError::Write { path, source }),
        }
    }
    unreachable!("an unbounded range always yields a free name")
}

/// Fills an archetype: `{title}`, `{enterprise}`, `{date}`; `{{` and `}}` stand for braces.
/// Values are written as YAML double-quoted strings, so any title is safe.
fn fill(template: &str, title: &str, enterprise: &str, date: Date) -> String {
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned());
    template
        .replace("{{", "\u{0}")
        .replace("}}", "\u{1}")
        .replace("{title}", &quote(title))
        .replace("{enterprise}", &quote(enterprise))
        .replace("{date}", &date.to_string())
        .replace('\u{0}', "{")
        .replace('\u{1}', "}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archetypes_fill_safely() {
        let date = Date::parse("2025-01-02").unwrap();
        let text = fill("t: {title}\nx: {{ a: {date} }}\n", "标题: \"引号\" {{x}}", "企业", date);
        assert_eq!(text, "t: \"标题: \\\"引号\\\" {{x}}\"\nx: { a: 2025-01-02 }\n");
    }
}

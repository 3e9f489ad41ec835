//! Helpers shared by the end-to-end tests: copy the sample site, run the real binary, read trees.
#![allow(dead_code)]

pub mod browser;
pub mod chromium;
pub mod preview;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn exemplar(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exemplar")).args(args).env("NO_COLOR", "1").output().expect("run exemplar")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Copies the sample site (configuration, content, theme) into `dest`.
pub fn copy_sample_site(dest: &Path) {
    let repo = repo();
    fs::create_dir_all(dest).unwrap();
    fs::copy(repo.join("exemplar.yaml"), dest.join("exemplar.yaml")).unwrap();
    copy_dir(&repo.join("content"), &dest.join("content"));
    copy_dir(&repo.join("themes"), &dest.join("themes"));
}

/// The sample site built into `tmp`, in `language` (the sample is in zh-CN).
pub fn build_sample(tmp: &Path, language: &str) -> PathBuf {
    let site = tmp.join(format!("site-{language}"));
    copy_sample_site(&site);
    let config = read(site.join("exemplar.yaml"));
    fs::write(site.join("exemplar.yaml"), config.replace("\nlanguage: zh-CN\n", &format!("\nlanguage: {language}\n")))
        .unwrap();
    let out = tmp.join(format!("public-{language}"));
    let built = exemplar(&["build", site.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(built.status.success(), "{}", stderr(&built));
    out
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under `dir` with its bytes, keyed by `/`-separated relative path.
pub fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
            files.insert(rel, fs::read(entry.path()).unwrap());
        }
    }
    files
}

pub fn read(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The values of `attr="…"` attributes in an HTML page.
pub fn attributes(html: &str, attr: &str) -> Vec<String> {
    let needle = format!(" {attr}=\"");
    let mut values = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&needle) {
        rest = &rest[start + needle.len()..];
        if let Some(end) = rest.find('"') {
            values.push(rest[..end].replace("&amp;", "&"));
            rest = &rest[end..];
        }
    }
    values
}

/// A path inside a folder with `..` resolved (`a/b/../c` → `a/c`), `/`-separated.
pub fn normalize(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

/// Each case file under `content` (a folder) in path order: its file stem and its front matter.
pub fn front_matters(content: &Path) -> Vec<(String, serde_yaml::Value)> {
    let mut cases = Vec::new();
    for entry in walkdir::WalkDir::new(content).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "md") {
            continue;
        }
        let source = read(entry.path());
        let front = source.strip_prefix("---\n").and_then(|s| s.split_once("\n---")).unwrap().0;
        let stem = entry.path().file_stem().unwrap().to_string_lossy().into_owned();
        cases.push((stem, serde_yaml::from_str(front).unwrap()));
    }
    cases
}

/// Marks every `nth` case file under `content` (in path order) as featured, for a list of
/// featured cases longer than the home page shows (the benchmark's generator features one in fifty).
pub fn feature_every(content: &Path, nth: usize) {
    let files = walkdir::WalkDir::new(content).sort_by_file_name().into_iter().map(Result::unwrap);
    for entry in files.filter(|e| e.path().extension().is_some_and(|x| x == "md")).step_by(nth) {
        let text = read(entry.path());
        if !text.contains("\nfeatured: true\n") {
            fs::write(entry.path(), text.replacen("\nstatus: ", "\nfeatured: true\nstatus: ", 1)).unwrap();
        }
    }
}

/// A copy of the sample site in a new temporary folder (removed when dropped), its folder, and a
/// project on it, scanned as `serve` scans it at start.
pub fn sample_project() -> (tempfile::TempDir, PathBuf, exemplar::pipeline::Project) {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_sample_site(&site);
    let mut project = exemplar::pipeline::Project::open(exemplar::pipeline::BuildOptions::new(&site)).ok().unwrap();
    project.scan();
    (tmp, site, project)
}

/// Writes `text` at `path` (deletes the file when there is none), lets `project` take note of it
/// as `serve` does, and assembles the site after `previous`: the new site, or a panic that names
/// `what` and the errors.
pub fn change_case_file(
    project: &mut exemplar::pipeline::Project,
    previous: &exemplar::site::Site,
    path: &Path,
    text: Option<&str>,
    what: &str,
) -> exemplar::site::Site {
    match text {
        Some(text) => fs::write(path, text).unwrap(),
        None => fs::remove_file(path).unwrap(),
    }
    project.refresh(&[path.to_path_buf()]);
    let outcome = project.assemble_after(Some(previous));
    outcome.site.unwrap_or_else(|| panic!("{what}: {:?}", outcome.diagnostics))
}

/// Runs git in `dir` as `who` on `date` (author and committer alike, for identical commits).
pub fn git(dir: &Path, who: (&str, &str), date: &str, args: &[&str]) {
    let stamp = format!("{date}T09:30:00+08:00");
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", who.0)
        .env("GIT_AUTHOR_EMAIL", who.1)
        .env("GIT_AUTHOR_DATE", &stamp)
        .env("GIT_COMMITTER_NAME", who.0)
        .env("GIT_COMMITTER_EMAIL", who.1)
        .env("GIT_COMMITTER_DATE", &stamp)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

//! Case history from git: where the site folder is inside a git repository, each case file's
//! commits (date, author, subject) give its "last updated" date and the change list on its page.
//!
//! One `git log` process reads the whole history in one pass (`-M` rename detection, `-z` so that
//! any file name survives), and Rust follows renames backwards through it; there is no process per
//! file, so 10,000 cases cost one walk over the commits. The result depends only on the
//! repository's commits (not on the clock or the working tree). Without git, or outside a
//! repository, there is no history and the front matter's dates are used as before; in a shallow
//! clone (`git clone --depth 1`, the default checkout of many CI systems) neither: its few commits
//! would give a case another case's commit and every case that commit's date, so the history is
//! left out as if there were no git, and the build says so (`history_shallow`).

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use serde::Serialize;

use crate::date::Date;

/// How many changes a case keeps (newest first); the total count is kept too.
pub const MAX_CHANGES: usize = 50;

/// One commit that touched a case file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The author date, in the author's time zone.
    pub date: Date,
    pub author: String,
    /// The first line of the commit message.
    pub message: String,
    /// The abbreviated commit id (12 hex digits).
    pub commit: String,
}

/// A file's history: its newest changes and how many there are in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileHistory {
    pub changes: Vec<Arc<Change>>,
    pub total: usize,
}

impl FileHistory {
    /// The date of the newest change.
    pub fn last_updated(&self) -> Option<Date> {
        self.changes.iter().map(|c| c.date).max()
    }
}

/// Every case file's history, keyed by path relative to the site folder.
#[derive(Debug, Default)]
pub struct History {
    /// The site folder's path inside the repository (`docs/site/`, or empty at the top).
    pub prefix: String,
    /// The commit it was read at (see [`head_commit`]).
    pub head: String,
    /// Whether the repository is a shallow clone: then no file has a history (see the module's
    /// documentation), and the build warns that it was left out.
    pub shallow: bool,
    files: HashMap<String, FileHistory>,
}

impl History {
    pub fn file(&self, rel: &str) -> Option<&FileHistory> {
        self.files.get(rel)
    }

    /// Reads the history of the repository around `site_dir`; `None` without git or a repository
    /// (or with a repository that has no commit yet). A shallow clone gives a history with no
    /// file in it, `shallow` set, and its log is not read.
    pub fn read(site_dir: &Path) -> Option<History> {
        let git = |args: &[&str]| git(site_dir, args);
        // One process for all three: whether the clone is shallow, the prefix's line (empty at the
        // top), then the commit's.
        let ids = String::from_utf8(git(&["rev-parse", "--is-shallow-repository", "--show-prefix", "HEAD"])?).ok()?;
        let mut ids = ids.lines();
        let (shallow, prefix, head) = (ids.next()?, ids.next()?.to_owned(), ids.next()?.to_owned());
        // `true` or `false`; a git too old to know the option (before 2.15) echoes it: not known
        // to be shallow, read as before.
        if shallow == "true" {
            return Some(History { prefix, head, shallow: true, files: HashMap::new() });
        }
        let log = git(&[
            "-c",
            "core.quotePath=false",
            "-c",
            "log.showSignature=false",
            "log",
            "-M",
            "--name-status",
            "-z",
            "--no-color",
            "--relative",
            "--format=%x1e%h%x1f%aI%x1f%an%x1f%s",
            "--abbrev=12",
            "--",
            ".",
        ])?;
        let mut history = parse_log(&log);
        history.prefix = prefix;
        history.head = head;
        Some(history)
    }
}

/// Where a new commit or checkout shows in the repository around `site_dir`: its git folder (for
/// `HEAD`) and the folder shared by its worktrees (for `packed-refs` and `refs/`), made absolute.
/// Empty without a repository.
pub fn git_dirs(site_dir: &Path) -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<std::path::PathBuf> = Vec::new();
    for arg in ["--absolute-git-dir", "--git-common-dir"] {
        if let Some(dir) = rev_parse(site_dir, arg) {
            // `--git-common-dir` may answer relative to the site folder.
            let dir = site_dir.join(dir);
            let dir = dir.canonicalize().unwrap_or(dir);
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
    }
    dirs
}

/// What happened to a path in one commit.
enum Entry<'a> {
    /// Added: older commits touching this path were another file.
    Added(&'a str),
    Touched(&'a str),
    /// Renamed (or moved) from the first path to the second.
    Renamed(&'a str, &'a str),
}

/// Parses `git log -M --name-status -z --format=%x1e%h%x1f%aI%x1f%an%x1f%s`, newest commit first,
/// and follows each file's renames backwards: a change to `old.md` before `old.md → new.md` belongs
/// to `new.md`'s history.
pub fn parse_log(log: &[u8]) -> History {
    // Path at this point of the walk → the file's present path (None: a file that no longer exists
    // under any present name, because the present file of that name was added later).
    let mut present: HashMap<String, Option<String>> = HashMap::new();
    let mut files: HashMap<String, FileHistory> = HashMap::new();
    for record in log.split(|b| *b == 0x1e).filter(|r| !r.is_empty()) {
        let (header, rest) = match record.iter().position(|b| *b == 0) {
            Some(nul) => (&record[..nul], &record[nul + 1..]),
            None => (record, &[][..]),
        };
        let header = String::from_utf8_lossy(header);
        let mut fields = header.trim_end_matches('\n').splitn(4, '\x1f');
        let (Some(commit), Some(date), Some(author), message) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let Some(date) = date.get(..10).and_then(Date::parse) else { continue };
        let change = Arc::new(Change {
            date,
            author: author.to_owned(),
            message: message.unwrap_or("").to_owned(),
            commit: commit.to_owned(),
        });
        let rest = String::from_utf8_lossy(rest);
        let mut tokens = rest.trim_start_matches('\n').split('\0').filter(|t| !t.is_empty());
        let mut entries = Vec::new();
        while let Some(status) = tokens.next() {
            let status = status.trim_start_matches('\n');
            match status.as_bytes().first() {
                Some(b'R' | b'C') => {
                    let (Some(from), Some(to)) = (tokens.next(), tokens.next()) else { break };
                    if status.starts_with('R') {
                        entries.push(Entry::Renamed(from, to));
                    } else {
                        entries.push(Entry::Added(to));
                    }
                }
                Some(b'A') => entries.extend(tokens.next().map(Entry::Added)),
                Some(_) => entries.extend(tokens.next().map(Entry::Touched)),
                None => {}
            }
        }
        // Attribute with the names as they were before this commit's renames and additions…
        let resolve = |path: &str| present.get(path).cloned().unwrap_or_else(|| Some(path.to_owned()));
        let mut updates: Vec<(String, Option<String>)> = Vec::new();
        for entry in &entries {
            let (path, new_name) = match entry {
                Entry::Added(path) | Entry::Touched(path) => (*path, None),
                Entry::Renamed(from, to) => (*to, Some(*from)),
            };
            let owner = resolve(path);
            if let Some(owner) = &owner {
                let file = files.entry(owner.clone()).or_default();
                // A commit is listed once per file, even if it renamed and changed it.
                if !file.changes.last().is_some_and(|c| Arc::ptr_eq(c, &change)) {
                    file.total += 1;
                    if file.changes.len() < MAX_CHANGES {
                        file.changes.push(change.clone());
                    }
                }
            }
            match (entry, new_name) {
                (Entry::Renamed(..), Some(from)) => {
                    updates.push((path.to_owned(), None));
                    updates.push((from.to_owned(), owner));
                }
                (Entry::Added(_), _) => updates.push((path.to_owned(), None)),
                _ => {}
            }
        }
        // …then older commits see the older names: first forget, then carry renames.
        for (path, owner) in updates.iter().filter(|(_, o)| o.is_none()) {
            present.insert(path.clone(), owner.clone());
        }
        for (path, owner) in updates.into_iter().filter(|(_, o)| o.is_some()) {
            present.insert(path, owner);
        }
    }
    History { prefix: String::new(), head: String::new(), shallow: false, files }
}

/// The commit the site's repository is at (`None` without git or a commit): case histories are
/// read from it, so a build is up to date only at the same commit, and `serve` reads them again
/// when it moves (a commit, an amend, a reset, a checkout).
pub fn head_commit(site_dir: &Path) -> Option<String> {
    rev_parse(site_dir, "HEAD")
}

/// [`head_commit`] and whether the clone is shallow, in one process: what a build's case
/// histories depend on (`git fetch --unshallow` keeps the commit but brings the history).
pub fn head_state(site_dir: &Path) -> Option<String> {
    let out = String::from_utf8(git(site_dir, &["rev-parse", "--is-shallow-repository", "HEAD"])?).ok()?;
    Some(out.trim_end().to_owned())
}

/// The site folder's path inside its git repository (`docs/site/`; empty at the top or without
/// git), so that reports for CI name files as the repository does.
pub fn repo_prefix(site_dir: &Path) -> String {
    rev_parse(site_dir, "--show-prefix").unwrap_or_default()
}

/// `git rev-parse ARG` in the site folder, its output trimmed; `None` without git or a repository.
fn rev_parse(site_dir: &Path, arg: &str) -> Option<String> {
    let out = String::from_utf8(git(site_dir, &["rev-parse", arg])?).ok()?;
    Some(out.trim_end().to_owned())
}

/// What `git ARGS` run in the site folder prints, when it succeeds.
fn git(site_dir: &Path, args: &[&str]) -> Option<Vec<u8>> {
    Command::new("git")
        .arg("-C")
        .arg(site_dir)
        .args(args)
        // Nothing from the user's configuration changes what is parsed.
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| o.stdout)
}

/// The "view source / edit" link: `{path}` in the configured pattern becomes the case file's path
/// inside the repository, each segment percent-encoded (a `#` or `?` in a file name would
/// otherwise cut the URL short; git forges read UTF-8 escapes).
pub fn source_url(pattern: &str, prefix: &str, source: &str) -> String {
    pattern.replace("{path}", &encode_path(&format!("{prefix}{source}")))
}

/// `path` with every byte but URL-unreserved ones and `/` written as `%XX`.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(commit: &str, date: &str, author: &str, subject: &str, entries: &[&str]) -> Vec<u8> {
        let mut out = format!("\x1e{commit}\x1f{date}T10:00:00+08:00\x1f{author}\x1f{subject}\0\n").into_bytes();
        for e in entries {
            out.extend_from_slice(e.as_bytes());
            out.push(0);
        }
        out
    }

    #[test]
    fn renames_keep_their_history_and_additions_cut_it() {
        let mut log = Vec::new();
        log.extend(record("c5", "2024-05-01", "李四", "new a", &["A", "content/a.md"]));
        log.extend(record("c4", "2024-04-01", "张三", "edit b", &["M", "content/b.md"]));
        log.extend(record("c3", "2024-03-01", "李四", "move a → b", &["R087", "content/a.md", "content/b.md"]));
        log.extend(record("c2", "2024-02-01", "张三", "edit a", &["M", "content/a.md", "M", "content/x.md"]));
        log.extend(record("c1", "2024-01-01", "张三", "add a", &["A", "content/a.md"]));
        let history = parse_log(&log);
        let b = history.file("content/b.md").unwrap();
        let ids: Vec<&str> = b.changes.iter().map(|c| c.commit.as_str()).collect();
        assert_eq!(ids, ["c4", "c3", "c2", "c1"]);
        assert_eq!(b.last_updated(), Date::parse("2024-04-01"));
        let a = history.file("content/a.md").unwrap();
        assert_eq!(a.changes.iter().map(|c| c.commit.as_str()).collect::<Vec<_>>(), ["c5"]);
        assert_eq!(history.file("content/x.md").unwrap().total, 1);
    }

    #[test]
    fn odd_records_are_skipped() {
        let history = parse_log(b"\x1egarbage\0\nM\0a.md\0\x1e\x1fnot-a-date\x1fx\x1fy\0\nM\0b.md\0");
        assert!(history.file("a.md").is_none() && history.file("b.md").is_none());
        assert_eq!(
            source_url("https://git/x/src/branch/main/{path}", "site/", "content/a.md"),
            "https://git/x/src/branch/main/site/content/a.md"
        );
    }

    #[test]
    fn the_source_path_is_percent_encoded_segment_by_segment() {
        let url = |source| source_url("https://git.example/org/site/src/branch/main/{path}", "", source);
        assert_eq!(
            url("content/a#b ?c%d.md"),
            "https://git.example/org/site/src/branch/main/content/a%23b%20%3Fc%25d.md"
        );
        assert_eq!(
            url("content/能源/海上风电.md"),
            "https://git.example/org/site/src/branch/main/content/%E8%83%BD%E6%BA%90/%E6%B5%B7%E4%B8%8A%E9%A3%8E%E7%94%B5.md"
        );
        assert_eq!(url("content/a-b_c.d~e.md"), "https://git.example/org/site/src/branch/main/content/a-b_c.d~e.md");
    }
}

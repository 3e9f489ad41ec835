//! Skipping a build whose inputs did not change, as make and Cargo do. A build leaves a record in
//! the folder it wrote (`.exemplar-build`, swapped in with the pages): a fingerprint of everything
//! it read. The next build into that folder works the fingerprint out again — from the sizes and
//! modification times of the site's files, the program, the options and the git commit, without
//! reading any file — and when it is the same, nothing is read, rendered or written.
//!
//! A build with warnings leaves a record that says so and is never current (its warnings are
//! reported again every time; `publish` still knows the folder as a portal), and `build --force`
//! ignores the record.

use rayon::prelude::*;
use std::hash::{BuildHasher, Hash, Hasher};
use std::path::Path;
use std::time::UNIX_EPOCH;

use crate::pipeline::BuildOptions;

/// The record's name in the output folder.
pub const RECORD: &str = ".exemplar-build";

/// Where a site's inputs live: the configuration, the cases, the site's templates and strings,
/// and its themes. A file outside them that a case links to (an image) is an "extra" input, named
/// in the record.
const INPUTS: [&str; 5] = [crate::config::CONFIG_FILE, "content", "templates", "i18n", "themes"];

/// What the last build into a folder was made from, and what it made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub fingerprint: u64,
    pub pages: usize,
    pub cases: usize,
    /// Files outside [`INPUTS`] the build read (relative to the site folder).
    pub extras: Vec<String>,
    /// The build's warnings: a record with any is never current, so that the next build reports
    /// them again.
    pub warnings: usize,
}

impl Record {
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "# Written by exemplar build: what this portal was built from.\nfingerprint {:016x}\npages {}\ncases {}\n",
            self.fingerprint, self.pages, self.cases
        );
        if self.warnings > 0 {
            text.push_str(&format!("warnings {}\n", self.warnings));
        }
        for extra in &self.extras {
            text.push_str(&format!("extra {extra}\n"));
        }
        text
    }

    /// The record in `out_dir`, if there is a readable one.
    pub fn read(out_dir: &Path) -> Option<Record> {
        let text = std::fs::read_to_string(out_dir.join(RECORD)).ok()?;
        let field = |name: &str| text.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')).map(str::trim);
        Some(Record {
            fingerprint: u64::from_str_radix(field("fingerprint")?, 16).ok()?,
            pages: field("pages")?.parse().ok()?,
            cases: field("cases")?.parse().ok()?,
            extras: text.lines().filter_map(|l| l.strip_prefix("extra ")).map(str::to_owned).collect(),
            warnings: field("warnings").and_then(|w| w.parse().ok()).unwrap_or(0),
        })
    }

    /// Whether a build with inputs `fingerprint` (see [`fingerprint`]) would make what this
    /// record describes again.
    pub fn is_current(&self, site_dir: &Path, fingerprint: u64) -> bool {
        self.warnings == 0 && with_extras(fingerprint, site_dir, &self.extras) == self.fingerprint
    }
}

/// Which of `sources` (files a build read, relative to the site folder) lie outside [`INPUTS`].
pub fn extras<'a>(sources: impl Iterator<Item = &'a str>) -> Vec<String> {
    let inside = |source: &str| INPUTS.iter().any(|dir| source == *dir || source.starts_with(&format!("{dir}/")));
    let mut extras: Vec<String> = sources.filter(|s| !inside(s)).map(str::to_owned).collect();
    extras.sort();
    extras.dedup();
    extras
}

/// A fingerprint of the inputs of a build into `out_dir`, but the extras: the program, the options
/// that change the output, each file under [`INPUTS`] (path, type, size, modification time) and
/// the commit git is at and whether the clone is shallow (case histories come from them). `None` when a folder cannot be listed.
pub fn fingerprint(options: &BuildOptions, out_dir: &Path) -> Option<u64> {
    let mut hasher = foldhash::fast::FixedState::with_seed(0).build_hasher();
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    if let Ok(exe) = std::env::current_exe().and_then(std::fs::metadata) {
        (exe.len(), modified_nanos(&exe)).hash(&mut hasher);
    }
    (&options.base_url, options.drafts).hash(&mut hasher);
    let site_dir = options.site_dir.as_path();
    // Where the site is: another copy of it (or the same folder moved) with the same listing
    // reads another place in the git repository, whose history the pages show.
    site_dir.canonicalize().ok().hash(&mut hasher);
    // The output folder may sit inside an input folder: it is what a build writes, not reads.
    let out_real = out_dir.canonicalize().ok();
    for input in INPUTS {
        // Links are followed, as the build reads through them (a case, a theme folder or the
        // configuration linked from elsewhere in the site): an edit of the file a link names
        // changes the fingerprint. A loop of links is an error: no fingerprint, a full build.
        let walker = walkdir::WalkDir::new(site_dir.join(input)).follow_links(true).sort_by_file_name().into_iter();
        let walker = walker.filter_entry(|entry| {
            !(entry.file_type().is_dir()
                && out_real.as_deref().is_some_and(|out| entry.path().canonicalize().is_ok_and(|p| p == out)))
        });
        let mut paths = Vec::new();
        for entry in walker {
            match entry {
                Ok(entry) => paths.push(entry.into_path()),
                // A missing folder (a site without templates/) is a fact like any other.
                Err(err) if err.io_error().is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound) => {
                    (input, "missing").hash(&mut hasher);
                }
                Err(_) => return None,
            }
        }
        // One system call a file, 10,000 of them for as many cases: on every core.
        let stats: Vec<_> = paths.par_iter().map(|path| stat(path)).collect();
        for (path, stat) in paths.iter().zip(stats) {
            (path.strip_prefix(site_dir).unwrap_or(path), stat).hash(&mut hasher);
        }
    }
    crate::history::head_state(site_dir).hash(&mut hasher);
    Some(hasher.finish())
}

/// [`fingerprint`] with the state of the extra inputs added.
pub fn with_extras(fingerprint: u64, site_dir: &Path, extras: &[String]) -> u64 {
    let mut hasher = foldhash::fast::FixedState::with_seed(1).build_hasher();
    fingerprint.hash(&mut hasher);
    for extra in extras {
        (extra, stat(&site_dir.join(extra))).hash(&mut hasher);
    }
    hasher.finish()
}

/// Type, size and modification time (`None`: missing); for a symbolic link, its own and those of
/// the file it names, and where it points.
type Stat = (u8, u64, u128);
/// A link's target: its [`Stat`] (`None`: dangling) and the path the link holds.
type Target = (Option<Stat>, std::path::PathBuf);

fn stat(path: &Path) -> Option<(Stat, Option<Target>)> {
    let metadata = std::fs::symlink_metadata(path).ok()?;
    let of = |metadata: &std::fs::Metadata| {
        let kind = if metadata.is_dir() {
            0u8
        } else if metadata.is_symlink() {
            1
        } else {
            2
        };
        let length = if metadata.is_dir() { 0 } else { metadata.len() };
        (kind, length, modified_nanos(metadata))
    };
    let target = metadata
        .is_symlink()
        .then(|| (std::fs::metadata(path).ok().map(|m| of(&m)), std::fs::read_link(path).unwrap_or_default()));
    Some((of(&metadata), target))
}

fn modified_nanos(metadata: &std::fs::Metadata) -> u128 {
    metadata.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_and_a_damaged_one_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let extras = vec!["static/logo.png".to_owned()];
        let record = Record { fingerprint: 0x0123_4567_89ab_cdef, pages: 86, cases: 18, extras, warnings: 0 };
        std::fs::write(dir.path().join(RECORD), record.to_text()).unwrap();
        assert_eq!(Record::read(dir.path()), Some(record));
        std::fs::write(dir.path().join(RECORD), "fingerprint zz\npages 1\ncases 1\n").unwrap();
        assert_eq!(Record::read(dir.path()), None);
    }

    #[test]
    fn the_fingerprint_follows_the_site_files() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        std::fs::create_dir_all(site.join("content")).unwrap();
        std::fs::write(site.join("content/a.md"), "one").unwrap();
        let options = BuildOptions::new(&site);
        let out = site.join("public");
        let first = fingerprint(&options, &out);
        assert!(first.is_some());
        assert_eq!(fingerprint(&options, &out), first, "nothing changed");
        // The output folder is not an input.
        std::fs::create_dir_all(out.join("cases")).unwrap();
        std::fs::write(out.join("index.html"), "x").unwrap();
        assert_eq!(fingerprint(&options, &out), first);
        // A new file, a changed size, other options: another fingerprint.
        std::fs::write(site.join("content/b.md"), "two").unwrap();
        let second = fingerprint(&options, &out);
        assert_ne!(second, first);
        std::fs::write(site.join("content/b.md"), "three").unwrap();
        assert_ne!(fingerprint(&options, &out), second);
        let drafts = BuildOptions { drafts: true, ..options.clone() };
        assert_ne!(fingerprint(&drafts, &out), fingerprint(&options, &out));
        // Files outside the input folders count only when named as extras.
        let now = fingerprint(&options, &out).unwrap();
        std::fs::write(site.join("logo.png"), "png").unwrap();
        assert_eq!(fingerprint(&options, &out), Some(now));
        let extras = extras(["content/a.md", "logo.png"].into_iter());
        assert_eq!(extras, ["logo.png"]);
        let before = with_extras(now, &site, &extras);
        std::fs::write(site.join("logo.png"), "png, larger").unwrap();
        assert_ne!(with_extras(now, &site, &extras), before);
    }
}

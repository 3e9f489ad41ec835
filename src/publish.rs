//! `exemplar publish --to DIR`: builds into a new folder beside the target, then swaps it in, so
//! readers never see a mix of old and new pages, and keeps the previous version for
//! `exemplar publish --rollback --to DIR`.
//!
//! Two layouts, chosen by what the file system allows:
//!
//! - **Versions and a symbolic link** (Linux and macOS web roots, NFS): versions live in
//!   `DIR.versions/1`, `DIR.versions/2` …, and `DIR` is a relative symbolic link to the current
//!   one. The swap is one `rename` of a new link over the old one, which POSIX makes atomic: every
//!   request resolves `DIR` either to the old version or to the new one. The current and the
//!   previous version are kept; older ones are removed.
//! - **Two renames** (shares that refuse symbolic links: SMB/CIFS, Windows and IIS): the new
//!   version is written to `DIR.next`, then `DIR` becomes `DIR.previous` and `DIR.next` becomes
//!   `DIR`. Each page is still whole, but for the instant between the two renames the folder is
//!   missing (a request then gets a 404).
//!
//! The first publish over an existing plain folder keeps that folder as the first version.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Where the next version is built, and how it will be put in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// `DIR.versions/N`, then `DIR` → that folder.
    Version { number: u64, dir: PathBuf },
    /// `DIR.next`, then two renames.
    Next { dir: PathBuf },
}

impl Slot {
    pub fn dir(&self) -> &Path {
        match self {
            Slot::Version { dir, .. } | Slot::Next { dir } => dir,
        }
    }
}

/// What a publish or a rollback did, for the summary line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Swapped {
    /// The folder now served (`DIR.versions/3`, or `DIR`).
    pub current: PathBuf,
    /// The folder kept for a rollback, if any.
    pub previous: Option<PathBuf>,
}

fn sibling(to: &Path, suffix: &str) -> PathBuf {
    let name = to.file_name().map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
    to.with_file_name(format!("{name}{suffix}"))
}

fn versions_dir(to: &Path) -> PathBuf {
    sibling(to, ".versions")
}

/// The numbered versions, oldest first.
fn versions(to: &Path) -> Vec<u64> {
    let mut numbers: Vec<u64> = fs::read_dir(versions_dir(to))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
                .collect()
        })
        .unwrap_or_default();
    numbers.sort_unstable();
    numbers
}

/// The numbers of the versions beside `to`, and of the locks that builds into them leave
/// (`DIR.versions/.N.lock`, see `output_lock`), which outlast a version removed before this
/// release removed them with it.
fn versions_and_locks(to: &Path) -> Vec<u64> {
    let mut numbers = versions(to);
    let locks: Vec<u64> = fs::read_dir(versions_dir(to))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| {
                    let name = e.file_name().into_string().ok()?;
                    name.strip_prefix('.')?.strip_suffix(".lock")?.parse().ok()
                })
                .collect()
        })
        .unwrap_or_default();
    numbers.extend(locks);
    numbers.sort_unstable();
    numbers.dedup();
    numbers
}

/// The version `DIR` points at, in the symbolic-link layout.
fn current_version(to: &Path) -> Option<u64> {
    let target = fs::read_link(to).ok()?;
    target.file_name()?.to_str()?.parse().ok()
}

fn is_link(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Points `to` at `DIR.versions/number` by renaming a new link over it (atomic).
#[cfg(unix)]
fn point_at(to: &Path, number: u64) -> io::Result<()> {
    let name = versions_dir(to).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let link = sibling(to, &format!(".link-{}", std::process::id()));
    let _ = fs::remove_file(&link);
    std::os::unix::fs::symlink(Path::new(&name).join(number.to_string()), &link)?;
    fs::rename(&link, to).inspect_err(|_| {
        let _ = fs::remove_file(&link);
    })
}

#[cfg(not(unix))]
fn point_at(_to: &Path, _number: u64) -> io::Result<()> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "no symbolic links"))
}

/// Whether this file system takes symbolic links (tried once beside the target).
fn links_work(to: &Path) -> bool {
    if !cfg!(unix) {
        return false;
    }
    let probe = sibling(to, &format!(".probe-{}", std::process::id()));
    #[cfg(unix)]
    let made = std::os::unix::fs::symlink("probe", &probe).is_ok();
    #[cfg(not(unix))]
    let made = false;
    let _ = fs::remove_file(&probe);
    made
}

/// Decides where the next version is built. A plain `DIR` left by an earlier copy becomes the
/// first version (one quick pair of renames, once).
pub fn prepare(to: &Path) -> io::Result<Slot> {
    if let Some(parent) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)?;
    }
    let symlinked = is_link(to);
    if !symlinked && !links_work(to) {
        let dir = sibling(to, ".next");
        if dir.exists() {
            fs::remove_dir_all(&dir)?;
        }
        return Ok(Slot::Next { dir });
    }
    fs::create_dir_all(versions_dir(to))?;
    let mut next = versions(to).last().copied().unwrap_or(0) + 1;
    if !symlinked && to.is_dir() {
        fs::rename(to, versions_dir(to).join(next.to_string()))?;
        point_at(to, next)?;
        next += 1;
    }
    let dir = versions_dir(to).join(next.to_string());
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    Ok(Slot::Version { number: next, dir })
}

/// Whether a file name carries a content hash (`style.3f2a9c1b.css`), see `assets`.
fn is_hashed_name(name: &str) -> bool {
    let mut parts = name.rsplit('.');
    let (_ext, hash) = (parts.next(), parts.next().unwrap_or(""));
    parts.next().is_some() && hash.len() == 8 && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

fn hashed_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir.join("static"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.file_name().to_str().map(str::to_owned))
                .filter(|n| is_hashed_name(n))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The list of a version's own hashed files, kept beside it (not served).
fn own_list(to: &Path, slot: &Slot) -> PathBuf {
    match slot {
        Slot::Version { number, .. } => versions_dir(to).join(format!("{number}.own")),
        Slot::Next { .. } => sibling(to, ".own"),
    }
}

/// A page already in a reader's browser asks for its stylesheet after the swap: the new version
/// therefore also carries the previous version's own hashed stylesheets and scripts (their names
/// never collide), hard-linked where possible. Only the previous version's own files are carried,
/// so they do not pile up.
fn carry_assets(to: &Path, slot: &Slot) -> io::Result<()> {
    let own = hashed_files(slot.dir());
    let current = fs::canonicalize(to).ok().filter(|c| c.is_dir());
    if let Some(current) = current {
        let previous_own = match slot {
            Slot::Version { .. } => current_version(to).map(|n| versions_dir(to).join(format!("{n}.own"))),
            Slot::Next { .. } => Some(sibling(to, ".own")),
        };
        let listed = previous_own.and_then(|p| fs::read_to_string(p).ok());
        let names: Vec<String> = match listed {
            Some(text) => text.lines().map(str::to_owned).collect(),
            None => hashed_files(&current),
        };
        for name in names.iter().filter(|n| is_hashed_name(n) && !n.contains('/')) {
            let (from, into) = (current.join("static").join(name), slot.dir().join("static").join(name));
            if from.is_file() && !into.exists() {
                fs::create_dir_all(slot.dir().join("static"))?;
                if fs::hard_link(&from, &into).is_err() {
                    fs::copy(&from, &into)?;
                }
            }
        }
    }
    fs::write(own_list(to, slot).with_extension("own-new"), own.join("\n"))
}

/// Puts the freshly built version in place and removes versions older than the previous one.
pub fn activate(to: &Path, slot: &Slot) -> io::Result<Swapped> {
    carry_assets(to, slot)?;
    let own = own_list(to, slot);
    fs::rename(own.with_extension("own-new"), &own)?;
    match slot {
        Slot::Version { number, dir } => {
            let previous = current_version(to);
            point_at(to, *number)?;
            for old in versions_and_locks(to) {
                if old != *number && Some(old) != previous {
                    // With its lock, which would pile up one per publish otherwise; a version a
                    // build still writes into (its lock held) is left alone.
                    let dir = versions_dir(to).join(old.to_string());
                    if crate::output_lock::remove_with_lock(&dir).unwrap_or(false) {
                        let _ = fs::remove_file(versions_dir(to).join(format!("{old}.own")));
                    }
                }
            }
            Ok(Swapped { current: dir.clone(), previous: previous.map(|p| versions_dir(to).join(p.to_string())) })
        }
        Slot::Next { dir } => {
            let previous = sibling(to, ".previous");
            let had_current = to.exists();
            if had_current {
                if previous.exists() {
                    fs::remove_dir_all(&previous)?;
                }
                fs::rename(to, &previous)?;
            }
            if let Err(err) = fs::rename(dir, to) {
                if had_current {
                    let _ = fs::rename(&previous, to);
                }
                return Err(err);
            }
            Ok(Swapped { current: to.to_path_buf(), previous: had_current.then_some(previous) })
        }
    }
}

/// Serves the previous version again. `Ok(None)` when there is none to go back to.
pub fn rollback(to: &Path) -> io::Result<Option<Swapped>> {
    if is_link(to) {
        let Some(current) = current_version(to) else { return Ok(None) };
        let Some(previous) = versions(to).into_iter().rev().find(|n| *n < current) else { return Ok(None) };
        point_at(to, previous)?;
        let dir = versions_dir(to);
        return Ok(Some(Swapped {
            current: dir.join(previous.to_string()),
            previous: Some(dir.join(current.to_string())),
        }));
    }
    let previous = sibling(to, ".previous");
    if !previous.is_dir() {
        return Ok(None);
    }
    // Swap the two folders, so that a second rollback undoes the first.
    let aside = sibling(to, &format!(".rollback-{}", std::process::id()));
    fs::rename(to, &aside)?;
    if let Err(err) = fs::rename(&previous, to) {
        let _ = fs::rename(&aside, to);
        return Err(err);
    }
    fs::rename(&aside, &previous)?;
    Ok(Some(Swapped { current: to.to_path_buf(), previous: Some(previous) }))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn publish(to: &Path, text: &str) -> Swapped {
        let slot = prepare(to).unwrap();
        // A build into the slot takes its lock, as `output::Staging` does, and leaves its file.
        drop(crate::output_lock::acquire(slot.dir()).unwrap().unwrap());
        fs::create_dir_all(slot.dir()).unwrap();
        fs::write(slot.dir().join("index.html"), text).unwrap();
        activate(to, &slot).unwrap()
    }

    #[test]
    fn hashed_names() {
        assert!(is_hashed_name("style.3f2a9c1b.css"));
        assert!(!is_hashed_name("style.css") && !is_hashed_name("3f2a9c1b.css") && !is_hashed_name("a.3f2a9c1.css"));
    }

    #[test]
    fn versions_swap_and_roll_back() {
        let tmp = tempfile::tempdir().unwrap();
        let to = tmp.path().join("www");
        fs::create_dir_all(&to).unwrap();
        fs::write(to.join("index.html"), "copied by hand").unwrap();
        let read = || fs::read_to_string(to.join("index.html")).unwrap();
        let swapped = publish(&to, "one");
        assert_eq!(read(), "one");
        assert_eq!(swapped.previous, Some(tmp.path().join("www.versions/1")), "the hand copy is kept");
        publish(&to, "two");
        assert_eq!(read(), "two");
        assert_eq!(versions(&to), [2, 3], "older versions are removed");
        assert!(rollback(&to).unwrap().is_some());
        assert_eq!(read(), "one");
        assert!(rollback(&to).unwrap().is_none(), "nothing older is kept");
        publish(&to, "three");
        assert_eq!(read(), "three");
        assert_eq!(fs::read_link(&to).unwrap(), Path::new("www.versions/4"));
    }

    /// A version is removed with the lock its build left beside it, so locks do not pile up one
    /// per publish; a version whose lock a build holds is left alone.
    #[test]
    fn old_versions_go_with_their_locks() {
        let tmp = tempfile::tempdir().unwrap();
        let to = tmp.path().join("www");
        let names = || {
            let mut names: Vec<String> = fs::read_dir(versions_dir(&to))
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            names.sort();
            names
        };
        let first = publish(&to, "one");
        assert_eq!(first.previous, None, "nothing was published before");
        publish(&to, "two");
        publish(&to, "three");
        assert_eq!(names(), [".2.lock", ".3.lock", "2", "2.own", "3", "3.own"]);
        // A lock left by an earlier release, its version long gone, goes too.
        fs::write(versions_dir(&to).join(".1.lock"), "").unwrap();
        let held = crate::output_lock::acquire(&versions_dir(&to).join("3")).unwrap().unwrap();
        publish(&to, "four");
        assert_eq!(names(), [".3.lock", ".4.lock", "3", "3.own", "4", "4.own"], "version 3 is still the previous");
        publish(&to, "five");
        assert_eq!(names(), [".3.lock", ".4.lock", ".5.lock", "3", "3.own", "4", "4.own", "5", "5.own"]);
        drop(held);
        publish(&to, "six");
        assert_eq!(names(), [".5.lock", ".6.lock", "5", "5.own", "6", "6.own"]);
    }
}

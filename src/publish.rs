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
//! Nothing is made or moved before the target was checked and the site's configuration read; a
//! build that fails, or that makes the same portal as the one served, leaves the target as it was.
//! `DIR` must be this tool's: a link to its versions, a folder a publish without links put there
//! (`DIR.own` beside it), or a folder made by `exemplar build` (it holds `.exemplar-build`) or an
//! empty one, which the first publish keeps as the first version. Anything else (another site's
//! folder, a file, a link elsewhere) is refused. Only versions listed as this tool's (`N.own`
//! beside them) are ever removed.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Why `publish` refuses its target. Nothing has been made or moved.
#[derive(Debug)]
pub enum Refusal {
    /// No folder name of its own: `/`, `.`, `..`, nothing.
    NoName,
    /// The site folder, or a folder holding it (or its cases).
    HoldsSite,
    /// A file (or anything but a folder or a link).
    File,
    /// A folder not made by exemplar: not empty, and no `.exemplar-build` in it.
    Foreign,
    /// A symbolic link that does not point at this tool's versions.
    Link(PathBuf),
    /// The target could not be looked at.
    Io(io::Error),
}

/// What is at the target now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Current {
    Nothing,
    /// `DIR` → `DIR.versions/N`.
    Version(u64),
    /// A plain folder this tool may take over: its own (two-rename layout), an empty one or one
    /// made by `exemplar build`.
    Folder,
}

/// A checked target: where to publish and what is there.
#[derive(Debug, Clone)]
pub struct Target {
    to: PathBuf,
    current: Current,
}

impl Target {
    /// The portal now served, if any.
    pub fn served(&self) -> Option<PathBuf> {
        match self.current {
            Current::Nothing => None,
            Current::Version(n) => Some(versions_dir(&self.to).join(n.to_string())).filter(|d| d.is_dir()),
            Current::Folder => Some(self.to.clone()),
        }
    }
}

/// Whether `to` ends in a folder name of its own (not `/`, `.` or `..`): its versions and lock are
/// named after it.
pub fn has_own_name(to: &Path) -> bool {
    matches!(to.components().next_back(), Some(Component::Normal(_)))
}

/// Checks `to` before anything is made: a path with a folder name of its own, not the site nor a
/// folder holding it, and either nothing, this tool's link or folder, an empty folder or a portal
/// made by `exemplar build`.
pub fn check(site_dir: &Path, to: &Path) -> Result<Target, Refusal> {
    if !has_own_name(to) {
        return Err(Refusal::NoName);
    }
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let real = |p: &Path| fs::canonicalize(p).unwrap_or_else(|_| absolute(p));
    let (site, target) = (absolute(site_dir), absolute(to));
    let (site_real, target_real) = (real(site_dir), real(to));
    if site.starts_with(&target)
        || site_real.starts_with(&target_real)
        || target_real.starts_with(site_real.join("content"))
    {
        return Err(Refusal::HoldsSite);
    }
    let meta = match fs::symlink_metadata(to) {
        Ok(meta) => meta,
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            return Ok(Target { to: to.to_path_buf(), current: Current::Nothing });
        }
        Err(err) => return Err(Refusal::Io(err)),
    };
    let current = if meta.file_type().is_symlink() {
        let link = fs::read_link(to).map_err(Refusal::Io)?;
        match own_version(to, &link) {
            Some(number) => Current::Version(number),
            None => return Err(Refusal::Link(link)),
        }
    } else if !meta.is_dir() {
        return Err(Refusal::File);
    } else if sibling(to, ".own").is_file() || to.join(crate::freshness::RECORD).is_file() || is_empty(to)? {
        Current::Folder
    } else {
        return Err(Refusal::Foreign);
    };
    Ok(Target { to: to.to_path_buf(), current })
}

fn is_empty(dir: &Path) -> Result<bool, Refusal> {
    Ok(fs::read_dir(dir).map_err(Refusal::Io)?.next().is_none())
}

/// The version a link at `to` names, when it is one of this tool's: `DIR.versions/N`, relative.
fn own_version(to: &Path, link: &Path) -> Option<u64> {
    let versions = versions_dir(to);
    let mut parts = link.components();
    let (Some(Component::Normal(dir)), Some(Component::Normal(number)), None) =
        (parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    (Some(dir) == versions.file_name()).then_some(())?;
    number.to_str()?.parse().ok()
}

/// Where the next version is built, and how it will be put in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    to: PathBuf,
    layout: Layout,
    dir: PathBuf,
    /// The portal now served, which the new one is compared with.
    served: Option<PathBuf>,
    /// Folders this publish made, the outermost first: removed again when it makes no version.
    made: Vec<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Layout {
    /// `DIR.versions/N`, then `DIR` → that folder; `adopt`: the plain `DIR` becomes that version
    /// first.
    Version { number: u64, adopt: Option<u64> },
    /// `DIR.next`, then two renames.
    Next,
}

impl Slot {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The portal now served: unchanged files of the new version are hard-linked from it.
    pub fn served(&self) -> Option<&Path> {
        self.served.as_deref()
    }
}

/// Why the slot could not be prepared.
#[derive(Debug)]
pub enum PrepareError {
    /// The folder that holds the target (or would) cannot be written.
    Unwritable {
        dir: PathBuf,
        source: io::Error,
    },
    Other(io::Error),
}

/// What a publish or a rollback did, for the summary line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Swapped {
    /// The folder now served (`DIR.versions/3`, or `DIR`).
    pub current: PathBuf,
    /// The folder kept for a rollback, if any.
    pub previous: Option<PathBuf>,
}

/// `DIR` + `suffix` beside `DIR` (checked to have a name of its own, see [`check`]).
fn sibling(to: &Path, suffix: &str) -> PathBuf {
    let name = to.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
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
    own_version(to, &fs::read_link(to).ok()?)
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

/// Whether this file system takes symbolic links, tried once beside the target. A folder that
/// cannot be written at all is an error, not a file system without links.
fn links_work(to: &Path) -> Result<bool, PrepareError> {
    let probe = sibling(to, &format!(".probe-{}", std::process::id()));
    let _ = fs::remove_file(&probe);
    let parent = to.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::write(&probe, b"").map_err(|source| PrepareError::Unwritable { dir: parent.to_path_buf(), source })?;
    let _ = fs::remove_file(&probe);
    #[cfg(unix)]
    let made = std::os::unix::fs::symlink("probe", &probe).is_ok();
    #[cfg(not(unix))]
    let made = false;
    let _ = fs::remove_file(&probe);
    Ok(made)
}

/// Makes `dir` and any missing folder above it, noting those it made (outermost first).
fn make_dirs(dir: &Path, made: &mut Vec<PathBuf>) -> io::Result<()> {
    let missing: Vec<&Path> =
        dir.ancestors().filter(|d| !d.as_os_str().is_empty()).take_while(|d| !d.exists()).collect();
    for dir in missing.into_iter().rev() {
        fs::create_dir(dir)?;
        made.push(dir.to_path_buf());
    }
    Ok(())
}

/// Decides where the next version is built, making only the folders it needs (which
/// [`discard`] removes again). A plain `DIR` is left where it is until [`activate`].
pub fn prepare(target: &Target) -> Result<Slot, PrepareError> {
    let to = target.to.as_path();
    let mut made = Vec::new();
    let parent = to.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let unwritable = |source: io::Error| PrepareError::Unwritable { dir: parent.to_path_buf(), source };
    make_dirs(parent, &mut made).map_err(unwritable)?;
    let slot = prepare_in(target, made.clone());
    if slot.is_err() {
        remove_made(&made);
    }
    slot
}

fn prepare_in(target: &Target, mut made: Vec<PathBuf>) -> Result<Slot, PrepareError> {
    let to = target.to.as_path();
    let served = target.served();
    let symlinked = matches!(target.current, Current::Version(_));
    if !symlinked && !links_work(to)? {
        let dir = sibling(to, ".next");
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(PrepareError::Other)?;
        }
        return Ok(Slot { to: to.to_path_buf(), layout: Layout::Next, dir, served, made });
    }
    make_dirs(&versions_dir(to), &mut made).map_err(PrepareError::Other)?;
    let next = versions(to).last().copied().unwrap_or(0) + 1;
    let (number, adopt) = match target.current {
        Current::Folder => (next + 1, Some(next)),
        _ => (next, None),
    };
    let dir = versions_dir(to).join(number.to_string());
    Ok(Slot { to: to.to_path_buf(), layout: Layout::Version { number, adopt }, dir, served, made })
}

fn remove_made(made: &[PathBuf]) {
    for dir in made.iter().rev() {
        // Only if still empty: whatever else came there is not ours to remove.
        let _ = fs::remove_dir(dir);
    }
}

/// Undoes [`prepare`] when no version is made (the build failed, or made the portal already
/// served): the new folder goes with its lock, and the folders made for it.
pub fn discard(slot: Slot) {
    let _ = crate::output_lock::remove_with_lock(&slot.dir);
    let _ = fs::remove_file(own_list_of(&slot).with_extension("own-new"));
    remove_made(&slot.made);
}

/// Whether the version built in `slot` is the portal already served: the same files with the same
/// bytes. The build record (`.exemplar-build`, which names the inputs' times) is not the portal;
/// the served version may also hold the stylesheets and scripts carried from the one before.
pub fn unchanged(slot: &Slot) -> bool {
    let Some(served) = slot.served() else { return false };
    let (new, old) = (files(slot.dir()), files(served));
    let (Some(new), Some(old)) = (new, old) else { return false };
    let carried =
        |rel: &str| rel.strip_prefix("static/").is_some_and(|name| !name.contains('/') && is_hashed_name(name));
    new.iter().all(|rel| old.binary_search(rel).is_ok() && same_file(&slot.dir().join(rel), &served.join(rel)))
        && old.iter().all(|rel| new.binary_search(rel).is_ok() || carried(rel))
}

/// The files under `dir` (`/`-separated, sorted), but the build record. `None` when it cannot be
/// read whole.
fn files(dir: &Path) -> Option<Vec<String>> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1) {
        let entry = entry.ok()?;
        if entry.file_type().is_dir() {
            continue;
        }
        let rel = entry.path().strip_prefix(dir).ok()?.to_str()?.replace('\\', "/");
        if rel != crate::freshness::RECORD {
            files.push(rel);
        }
    }
    files.sort();
    Some(files)
}

/// Whether two files hold the same bytes: at once when one is a hard link of the other, as
/// `output::Staging` makes an unchanged file.
fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (fs::symlink_metadata(a), fs::symlink_metadata(b)) else { return false };
    if !ma.is_file() || !mb.is_file() || ma.len() != mb.len() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if (ma.dev(), ma.ino()) == (mb.dev(), mb.ino()) {
            return true;
        }
    }
    matches!((fs::read(a), fs::read(b)), (Ok(x), Ok(y)) if x == y)
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

/// The list of a version's own hashed files, kept beside it (not served). It also marks the
/// version as this tool's: a numbered folder without it is never removed.
fn own_list_of(slot: &Slot) -> PathBuf {
    match slot.layout {
        Layout::Version { number, .. } => versions_dir(&slot.to).join(format!("{number}.own")),
        Layout::Next => sibling(&slot.to, ".own"),
    }
}

/// A page already in a reader's browser asks for its stylesheet after the swap: the new version
/// therefore also carries the previous version's own hashed stylesheets and scripts (their names
/// never collide), hard-linked where possible. Only the previous version's own files are carried,
/// so they do not pile up.
fn carry_assets(slot: &Slot) -> io::Result<()> {
    let to = slot.to.as_path();
    let own = hashed_files(slot.dir());
    let current = fs::canonicalize(to).ok().filter(|c| c.is_dir());
    if let Some(current) = current {
        let previous_own = match slot.layout {
            Layout::Version { .. } => current_version(to).map(|n| versions_dir(to).join(format!("{n}.own"))),
            Layout::Next => Some(sibling(to, ".own")),
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
    fs::write(own_list_of(slot).with_extension("own-new"), own.join("\n"))
}

/// Makes the plain folder `DIR` (empty, made by `exemplar build`, or by a publish without links)
/// version `number`, marked as this tool's, and points `DIR` at it.
fn adopt(to: &Path, number: u64) -> io::Result<()> {
    let kept = versions_dir(to).join(number.to_string());
    let own = versions_dir(to).join(format!("{number}.own"));
    fs::rename(to, &kept)?;
    let marked = match fs::rename(sibling(to, ".own"), &own) {
        Ok(()) => Ok(()),
        Err(_) => fs::write(&own, hashed_files(&kept).join("\n")),
    };
    if let Err(err) = marked.and_then(|()| point_at(to, number)) {
        let _ = fs::rename(&kept, to);
        return Err(err);
    }
    Ok(())
}

/// Puts the freshly built version in place and removes this tool's versions older than the
/// previous one.
pub fn activate(slot: &Slot) -> io::Result<Swapped> {
    let to = slot.to.as_path();
    if let Layout::Version { adopt: Some(first), .. } = slot.layout {
        adopt(to, first)?;
    }
    carry_assets(slot)?;
    let own = own_list_of(slot);
    fs::rename(own.with_extension("own-new"), &own)?;
    match &slot.layout {
        Layout::Version { number, .. } => {
            let previous = current_version(to);
            point_at(to, *number)?;
            for old in versions_and_locks(to) {
                if old == *number || Some(old) == previous {
                    continue;
                }
                let dir = versions_dir(to).join(old.to_string());
                let listed = versions_dir(to).join(format!("{old}.own"));
                // A folder there that is not listed as this tool's version is not ours to remove.
                if fs::symlink_metadata(&dir).is_ok() && !listed.is_file() {
                    continue;
                }
                // With its lock, which would pile up one per publish otherwise; a version a
                // build still writes into (its lock held) is left alone.
                if crate::output_lock::remove_with_lock(&dir).unwrap_or(false) {
                    let _ = fs::remove_file(listed);
                }
            }
            Ok(Swapped { current: slot.dir.clone(), previous: previous.map(|p| versions_dir(to).join(p.to_string())) })
        }
        Layout::Next => {
            let dir = &slot.dir;
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
        // Only to a version of this tool's (listed in `N.own`), never to a folder put there by hand.
        let own = |n: &u64| versions_dir(to).join(format!("{n}.own")).is_file();
        let Some(previous) = versions(to).into_iter().rev().find(|n| *n < current && own(n)) else { return Ok(None) };
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

    const SITE: &str = "/nonexistent-site";

    /// A build into a new slot, as `exemplar publish` makes it: the slot's lock taken, as
    /// `output::Staging` does, and its file left.
    fn build(to: &Path, text: &str) -> Slot {
        let slot = prepare(&check(Path::new(SITE), to).unwrap()).unwrap();
        drop(crate::output_lock::acquire(slot.dir()).unwrap().unwrap());
        fs::create_dir_all(slot.dir()).unwrap();
        fs::write(slot.dir().join("index.html"), text).unwrap();
        slot
    }

    fn publish(to: &Path, text: &str) -> Swapped {
        activate(&build(to, text)).unwrap()
    }

    /// Every path under `dir`, with a file's bytes or a link's target.
    fn snapshot(dir: &Path) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = walkdir::WalkDir::new(dir)
            .into_iter()
            .map(|e| {
                let e = e.unwrap();
                let what = if e.path_is_symlink() {
                    format!("-> {}", fs::read_link(e.path()).unwrap().display())
                } else if e.file_type().is_file() {
                    fs::read_to_string(e.path()).unwrap_or_default()
                } else {
                    "dir".to_owned()
                };
                (e.path().display().to_string(), what)
            })
            .collect();
        all.sort();
        all
    }

    /// A folder, file or link that is not this tool's is refused before anything is made, and so
    /// is a path without a folder name of its own or one that holds the site.
    #[test]
    fn what_is_not_this_tools_is_refused_and_left_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        fs::create_dir_all(root.join("othersite")).unwrap();
        fs::write(root.join("othersite/index.html"), "another site").unwrap();
        fs::write(root.join("notes.txt"), "my notes").unwrap();
        std::os::unix::fs::symlink("othersite", root.join("elsewhere")).unwrap();
        std::os::unix::fs::symlink("elsewhere.versions/x/1", root.join("deeper")).unwrap();
        fs::create_dir_all(root.join("site/content")).unwrap();
        let before = snapshot(root);
        let refused = |to: &Path, site: &Path| check(site, to).map(|_| ()).unwrap_err();
        let site = root.join("site");
        assert!(matches!(refused(&root.join("othersite"), &site), Refusal::Foreign));
        assert!(matches!(refused(&root.join("notes.txt"), &site), Refusal::File));
        assert!(matches!(refused(&root.join("elsewhere"), &site), Refusal::Link(l) if l == Path::new("othersite")));
        assert!(matches!(refused(&root.join("deeper"), &site), Refusal::Link(_)));
        for to in ["/", ".", "..", "a/..", ""] {
            assert!(matches!(refused(Path::new(to), &site), Refusal::NoName), "{to:?}");
        }
        assert!(matches!(refused(&site, &site), Refusal::HoldsSite));
        assert!(matches!(refused(root, &site), Refusal::HoldsSite));
        assert!(matches!(refused(&site.join("content"), &site), Refusal::HoldsSite));
        assert_eq!(snapshot(root), before, "nothing was made, moved or removed");
        // An empty folder and a portal made by `exemplar build` may be taken over.
        fs::create_dir_all(root.join("empty")).unwrap();
        assert_eq!(check(&site, &root.join("empty")).unwrap().current, Current::Folder);
        fs::write(root.join("othersite").join(crate::freshness::RECORD), "").unwrap();
        assert_eq!(check(&site, &root.join("othersite")).unwrap().current, Current::Folder);
    }

    /// Only this tool's versions (listed in `N.own`) are removed when old versions are pruned.
    #[test]
    fn a_folder_among_the_versions_that_is_not_one_is_never_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let to = tmp.path().join("www");
        publish(&to, "one");
        fs::create_dir_all(versions_dir(&to).join("2")).unwrap();
        fs::write(versions_dir(&to).join("2/keep.txt"), "put here by hand").unwrap();
        publish(&to, "three");
        publish(&to, "four");
        publish(&to, "five");
        assert_eq!(versions(&to), [2, 4, 5]);
        assert_eq!(fs::read_to_string(versions_dir(&to).join("2/keep.txt")).unwrap(), "put here by hand");
    }

    /// A publish that makes no version (its build failed, or made what is served) leaves the
    /// target as it was: no versions folder, no parent folders it made.
    #[test]
    fn a_discarded_slot_leaves_nothing_behind() {
        let tmp = tempfile::tempdir().unwrap();
        let to = tmp.path().join("a/b/www");
        discard(build(&to, "one"));
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
        publish(&to, "one");
        let before = snapshot(tmp.path());
        let slot = build(&to, "one");
        assert!(unchanged(&slot), "the same files with the same bytes");
        discard(slot);
        assert_eq!(snapshot(tmp.path()), before);
        let slot = build(&to, "two");
        assert!(!unchanged(&slot));
        discard(slot);
        let slot = build(&to, "one");
        fs::write(slot.dir().join("more.html"), "x").unwrap();
        assert!(!unchanged(&slot), "a file more");
        discard(slot);
        assert_eq!(snapshot(tmp.path()), before);
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
        fs::write(to.join("index.html"), "built by exemplar build").unwrap();
        fs::write(to.join(crate::freshness::RECORD), "").unwrap();
        let read = || fs::read_to_string(to.join("index.html")).unwrap();
        let swapped = publish(&to, "one");
        assert_eq!(read(), "one");
        assert_eq!(swapped.previous, Some(tmp.path().join("www.versions/1")), "the earlier build is kept");
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

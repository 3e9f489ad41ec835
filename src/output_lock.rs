//! What keeps publishing safe when builds overlap or die (issue 6), used by [`crate::output`]:
//!
//! - an exclusive lock beside the output folder (`.public.lock`), held for the whole build, so two
//!   builds into one folder never interleave. It is an OS file lock (`File::try_lock`): the kernel
//!   drops it when the process ends, however it ends, so a killed build never leaves a stale lock.
//! - once the lock is held, leftovers of killed builds (`.public.staging-*`, `.public.old-*`) are
//!   stale by definition and removed; an output folder that a build killed mid-swap left aside is
//!   put back first.
//! - the swap itself: on Linux the staging folder and the output folder are exchanged in one
//!   `renameat2(RENAME_EXCHANGE)`, so there is no moment without an output folder.

use std::fs::{self, File, TryLockError};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The names of the files that live beside an output folder called `name`.
pub fn lock_path(target: &Path) -> PathBuf {
    sibling(target, "lock")
}

fn name_of(target: &Path) -> String {
    target.file_name().map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned())
}

/// `.{name}.{suffix}` in the output folder's parent.
pub fn sibling(target: &Path, suffix: &str) -> PathBuf {
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    parent.join(format!(".{}.{suffix}", name_of(target)))
}

/// Another build holds the lock.
#[derive(Debug)]
pub struct Locked {
    /// The other build's process id, as it wrote it in the lock file (may be empty).
    pub pid: String,
}

/// Holds the output folder's lock until dropped.
#[derive(Debug)]
pub struct OutputLock {
    _file: File,
}

/// How long [`acquire`] waits for a lock that this process itself still seems to hold.
const SELF_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Takes the lock of `target` without waiting: `Ok(Err(Locked))` when another build has it.
pub fn acquire(target: &Path) -> io::Result<Result<OutputLock, Locked>> {
    let path = lock_path(target);
    let mut file = loop {
        let file = match lock_file(&path)? {
            Ok(file) => file,
            Err(locked) => return Ok(Err(locked)),
        };
        // The lock file may have been removed with its folder (see `remove_with_lock`) between
        // opening and locking it: a lock on a file no longer there guards nothing, so the file
        // now at the path is locked instead.
        if still_at(&file, &path) {
            break file;
        }
    };
    file.set_len(0)?;
    file.rewind()?;
    writeln!(file, "{}", std::process::id())?;
    Ok(Ok(OutputLock { _file: file }))
}

/// Opens the lock file at `path` (made if missing) and locks it without waiting, or says which
/// process holds it.
fn lock_file(path: &Path) -> io::Result<Result<File, Locked>> {
    let mut file = File::options().read(true).write(true).create(true).truncate(false).open(path)?;
    let mut waited = std::time::Duration::ZERO;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Ok(file)),
            Err(TryLockError::WouldBlock) => {
                let mut pid = String::new();
                file.rewind()?;
                let _ = file.read_to_string(&mut pid);
                let pid = pid.trim().to_owned();
                // Held by this very process: a lock just released can stay held for a moment by a
                // child being started on another thread (it shares the open file until it runs
                // its program). Wait for that moment to pass; another process's lock is final.
                let ours = pid == std::process::id().to_string();
                if ours && waited < SELF_WAIT {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    waited += std::time::Duration::from_millis(5);
                    continue;
                }
                return Ok(Err(Locked { pid }));
            }
            Err(TryLockError::Error(err)) => return Err(err),
        }
    }
}

/// Whether `file` is still the file at `path` (not removed, nor replaced by another).
#[cfg(unix)]
fn still_at(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

/// Elsewhere a file that is open cannot be removed.
#[cfg(not(unix))]
fn still_at(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// Removes the output folder `target` for good, with what builds leave beside it: its lock file
/// and the leftovers of killed builds (`publish` removing a version it no longer keeps). Done
/// with the lock held, so never under a build writing into `target`: then `Ok(false)`, and
/// nothing is removed. The lock file goes last, while still held; a build that opened it just
/// before locks the file at the path instead (see [`acquire`]).
pub fn remove_with_lock(target: &Path) -> io::Result<bool> {
    let Ok(_lock) = acquire(target)? else { return Ok(false) };
    clean_stale(target)?;
    if fs::symlink_metadata(target).is_ok() {
        fs::remove_dir_all(target)?;
    }
    fs::remove_file(lock_path(target))?;
    Ok(true)
}

/// Called with the lock held: puts back an output folder that a killed swap left aside, then removes
/// every staging and old folder of earlier builds. Returns the folders removed.
pub fn clean_stale(target: &Path) -> io::Result<Vec<PathBuf>> {
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = name_of(target);
    let (staging, old) = (format!(".{name}.staging-"), format!(".{name}.old-"));
    let mut leftovers: Vec<PathBuf> = Vec::new();
    let mut aside: Vec<PathBuf> = Vec::new();
    let entries = match fs::read_dir(parent) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err),
    };
    for entry in entries {
        let entry = entry?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if file_name.starts_with(&staging) {
            leftovers.push(entry.path());
        } else if file_name.starts_with(&old) {
            aside.push(entry.path());
        }
    }
    // Without the exchange (not Linux), a build killed between its two renames leaves no output
    // folder and the last good one aside: restore it.
    aside.sort();
    if !target.exists()
        && let Some(last) = aside.pop()
    {
        fs::rename(&last, target)?;
    }
    leftovers.extend(aside);
    for dir in &leftovers {
        fs::remove_dir_all(dir)?;
    }
    Ok(leftovers)
}

/// Exchanges two existing paths atomically. `Ok(false)` when the platform or file system cannot
/// (then the caller falls back to two renames).
#[cfg(target_os = "linux")]
pub fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let to_c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(io::Error::other);
    let (a, b) = (to_c(a)?, to_c(b)?);
    // SAFETY: both pointers are valid NUL-terminated strings that live across the call.
    let rc = unsafe { libc::renameat2(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr(), libc::RENAME_EXCHANGE) };
    if rc == 0 {
        return Ok(true);
    }
    let err = io::Error::last_os_error();
    match err.raw_os_error() {
        Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::EOPNOTSUPP) => Ok(false),
        _ => Err(err),
    }
}

#[cfg(not(target_os = "linux"))]
pub fn exchange(_: &Path, _: &Path) -> io::Result<bool> {
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_and_released_on_drop() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        let first = acquire(&target).unwrap().unwrap();
        let second = acquire(&target).unwrap().unwrap_err();
        assert_eq!(second.pid, std::process::id().to_string());
        drop(first);
        assert!(acquire(&target).unwrap().is_ok());
    }

    #[test]
    fn stale_folders_are_removed_and_an_aside_output_restored() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        for dir in [".public.staging-1", ".public.staging-2/x", ".public.old-3", ".other.staging-1"] {
            fs::create_dir_all(tmp.path().join(dir)).unwrap();
        }
        fs::write(tmp.path().join(".public.old-3/index.html"), "good").unwrap();
        let removed = clean_stale(&target).unwrap();
        assert_eq!(removed.len(), 2);
        assert_eq!(fs::read_to_string(target.join("index.html")).unwrap(), "good");
        let mut left: Vec<_> = fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        left.sort();
        assert_eq!(left, [".other.staging-1", "public"]);
    }

    #[test]
    fn a_folder_is_removed_with_its_lock_unless_a_build_holds_it() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("1");
        fs::create_dir_all(target.join("cases")).unwrap();
        fs::create_dir_all(tmp.path().join(".1.staging-9")).unwrap();
        let held = acquire(&target).unwrap().unwrap();
        assert!(!remove_with_lock(&target).unwrap(), "a build writes into it");
        assert!(target.is_dir() && lock_path(&target).is_file());
        drop(held);
        assert!(remove_with_lock(&target).unwrap());
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0, "the folder, its lock and a killed build's copy");
        // A build that opened the lock file just before it was removed does not take that file's
        // lock for the folder's: it is no longer at the path.
        let path = lock_path(&tmp.path().join("2"));
        let early = File::options().read(true).write(true).create(true).truncate(false).open(&path).unwrap();
        assert!(still_at(&early, &path));
        fs::remove_file(&path).unwrap();
        assert!(!still_at(&early, &path));
        File::create(&path).unwrap();
        assert!(!still_at(&early, &path), "another file at the path");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn exchange_swaps_two_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        fs::create_dir(&a).unwrap();
        fs::create_dir(&b).unwrap();
        fs::write(a.join("x"), "a").unwrap();
        assert!(exchange(&a, &b).unwrap());
        assert!(b.join("x").exists() && !a.join("x").exists());
    }
}

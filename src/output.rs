//! Writing the portal without ever leaving a half-written one: pages go to a staging folder beside
//! the output folder, which replaces the old output only once everything was written.
//!
//! A file whose bytes equal the current output's file of the same path is not written again: the
//! old file is hard-linked into the staging folder, so after the swap it keeps its inode and its
//! modification time, and a copy to the web server (rsync, robocopy) sends only what changed.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot prepare the staging folder {path}: {source}")]
    Prepare { path: PathBuf, source: io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
    #[error("cannot replace {path} with the new build: {source}")]
    Swap { path: PathBuf, source: io::Error },
    #[error("refusing to write outside the output folder: {0}")]
    Outside(String),
    /// Another build into the same folder is running (issue 6: see `output_lock`).
    #[error("another build (process {pid}) is writing {path}")]
    Locked { path: PathBuf, pid: String },
}

impl OutputError {
    /// What went wrong, without the words around it (the system's own message, or the path that
    /// was refused): the diagnostic that reports it says the rest in the reader's language.
    pub fn detail(&self) -> String {
        match self {
            OutputError::Prepare { source, .. }
            | OutputError::Write { source, .. }
            | OutputError::Swap { source, .. } => source.to_string(),
            OutputError::Outside(rel) => rel.clone(),
            OutputError::Locked { pid, .. } => pid.clone(),
        }
    }
}

/// A staging folder that becomes the output folder on [`Staging::commit`]; dropped without a
/// commit, it is removed and the previous output stays as it was.
pub struct Staging {
    target: PathBuf,
    /// The portal whose unchanged files are kept: the output folder itself, or (for `publish`,
    /// which builds each version into a new folder) the version now served.
    old: PathBuf,
    dir: PathBuf,
    committed: bool,
    /// Held until the staging folder is committed or dropped.
    _lock: crate::output_lock::OutputLock,
    /// How many files were linked from the current output rather than written.
    kept: std::sync::atomic::AtomicUsize,
    /// Whether there is a current output to keep files from: a first build looks up nothing.
    has_old: bool,
    /// The folders made so far: pages share folders (the index files, the excerpt groups), and
    /// asking the system to make an existing folder costs two calls a file.
    made: std::sync::Mutex<std::collections::HashSet<PathBuf>>,
}

impl Staging {
    /// A staging folder for `target` that keeps the unchanged files of the current `target`.
    pub fn new(target: &Path) -> Result<Staging, OutputError> {
        Staging::keeping_from(target, None)
    }

    /// A staging folder for `target` that keeps the files of `old` (the current output when
    /// `None`) whose bytes it is asked to write again.
    pub fn keeping_from(target: &Path, old: Option<&Path>) -> Result<Staging, OutputError> {
        let name = target.file_name().map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let dir = parent.join(format!(".{name}.staging-{}", std::process::id()));
        let prepare = |source| OutputError::Prepare { path: dir.clone(), source };
        // One build at a time per output folder; what killed builds left behind is removed.
        fs::create_dir_all(parent).map_err(prepare)?;
        let lock = match crate::output_lock::acquire(target).map_err(prepare)? {
            Ok(lock) => lock,
            Err(locked) => return Err(OutputError::Locked { path: target.to_path_buf(), pid: locked.pid }),
        };
        crate::output_lock::clean_stale(target).map_err(prepare)?;
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(prepare)?;
        }
        fs::create_dir_all(&dir).map_err(prepare)?;
        Ok(Staging {
            target: target.to_path_buf(),
            has_old: old.unwrap_or(target).is_dir(),
            old: old.unwrap_or(target).to_path_buf(),
            dir,
            committed: false,
            _lock: lock,
            kept: Default::default(),
            made: Default::default(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `bytes` at `rel` (a `/`-separated path) inside the staging folder.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let path = self.path_of(rel)?;
        let write_error = |source| OutputError::Write { path: path.clone(), source };
        self.make_parent(&path).map_err(write_error)?;
        if self.keep_unchanged(rel, &path, bytes) {
            return Ok(());
        }
        fs::write(&path, bytes).map_err(write_error)
    }

    /// Copies the file at `from` to `rel` inside the staging folder.
    pub fn copy(&self, from: &Path, rel: &str) -> Result<(), OutputError> {
        let path = self.path_of(rel)?;
        let write_error = |source| OutputError::Write { path: path.clone(), source };
        self.make_parent(&path).map_err(write_error)?;
        let old_len = self.has_old.then(|| fs::metadata(self.old.join(rel)).map(|m| m.len()).ok()).flatten();
        if old_len.is_some() && old_len == fs::metadata(from).map(|m| m.len()).ok() {
            let bytes = fs::read(from).map_err(write_error)?;
            if self.keep_unchanged(rel, &path, &bytes) {
                return Ok(());
            }
        }
        fs::copy(from, &path).map(|_| ()).map_err(write_error)
    }

    /// Makes the folder `path` goes in, unless this build already made it.
    fn make_parent(&self, path: &Path) -> io::Result<()> {
        let Some(parent) = path.parent() else { return Ok(()) };
        if self.made.lock().is_ok_and(|made| made.contains(parent)) {
            return Ok(());
        }
        fs::create_dir_all(parent)?;
        if let Ok(mut made) = self.made.lock() {
            made.insert(parent.to_path_buf());
        }
        Ok(())
    }

    /// Hard-links the current output's file at `rel` to `path` when it holds exactly `bytes`.
    /// Any failure (no such file, another file system) just means the file is written anew.
    fn keep_unchanged(&self, rel: &str, path: &Path, bytes: &[u8]) -> bool {
        if !self.has_old {
            return false;
        }
        let old = self.old.join(rel);
        let same = fs::symlink_metadata(&old).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64)
            && fs::read(&old).is_ok_and(|old| old == bytes);
        let kept = same && fs::hard_link(&old, path).is_ok();
        if kept {
            self.kept.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        kept
    }

    /// How many files were kept from the current output (same bytes) instead of written.
    pub fn kept(&self) -> usize {
        self.kept.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn path_of(&self, rel: &str) -> Result<PathBuf, OutputError> {
        let safe = !rel.is_empty()
            && !rel.starts_with('/')
            && rel.split('/').all(|part| !part.is_empty() && part != "." && part != ".." && !part.contains('\\'));
        if safe { Ok(self.dir.join(rel)) } else { Err(OutputError::Outside(rel.to_owned())) }
    }

    /// Puts the staging folder in the output folder's place. The old output is moved aside first and
    /// removed only after the new one is in place.
    pub fn commit(mut self) -> Result<(), OutputError> {
        let swap = |source| OutputError::Swap { path: self.target.clone(), source };
        let old = self.dir.with_file_name(format!(
            ".{}.old-{}",
            self.target.file_name().map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned()),
            std::process::id()
        ));
        let had_old = self.target.exists();
        // Atomic where the system allows: the old output ends up in the staging folder's place.
        if had_old && crate::output_lock::exchange(&self.dir, &self.target).map_err(swap)? {
            self.committed = true;
            let _ = fs::remove_dir_all(&self.dir);
            return Ok(());
        }
        if had_old {
            fs::rename(&self.target, &old).map_err(swap)?;
        }
        if let Err(err) = fs::rename(&self.dir, &self.target) {
            if had_old {
                // Put the last good output back before reporting.
                let _ = fs::rename(&old, &self.target);
            }
            return Err(swap(err));
        }
        self.committed = true;
        if had_old {
            let _ = fs::remove_dir_all(&old);
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_replaces_and_drop_keeps_the_old_output() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        let staging = Staging::new(&target).unwrap();
        staging.write("index.html", b"one").unwrap();
        staging.write("cases/a/index.html", b"a").unwrap();
        staging.commit().unwrap();
        assert_eq!(fs::read(target.join("index.html")).unwrap(), b"one");

        let staging = Staging::new(&target).unwrap();
        staging.write("index.html", b"two").unwrap();
        drop(staging);
        assert_eq!(fs::read(target.join("index.html")).unwrap(), b"one");
        let mut leftovers: Vec<_> = fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        leftovers.sort();
        // The lock file stays (empty of meaning once no process holds it).
        assert_eq!(leftovers, [".public.lock", "public"]);
    }

    #[cfg(unix)]
    #[test]
    fn unchanged_files_keep_their_inode_and_mtime() {
        use std::os::unix::fs::MetadataExt;
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        let source = tmp.path().join("image.png");
        fs::write(&source, b"png").unwrap();
        let staging = Staging::new(&target).unwrap();
        staging.write("same.html", b"same").unwrap();
        staging.write("changed.html", b"one").unwrap();
        staging.copy(&source, "media/image.png").unwrap();
        staging.commit().unwrap();
        let meta = |rel: &str| fs::metadata(target.join(rel)).unwrap();
        let before: Vec<(u64, i64)> = ["same.html", "changed.html", "media/image.png"]
            .iter()
            .map(|r| (meta(r).ino(), meta(r).mtime_nsec()))
            .collect();

        let staging = Staging::new(&target).unwrap();
        staging.write("same.html", b"same").unwrap();
        staging.write("changed.html", b"two").unwrap();
        staging.copy(&source, "media/image.png").unwrap();
        assert_eq!(staging.kept(), 2);
        staging.commit().unwrap();
        assert_eq!((meta("same.html").ino(), meta("same.html").mtime_nsec()), before[0]);
        assert_eq!((meta("media/image.png").ino(), meta("media/image.png").mtime_nsec()), before[2]);
        assert_ne!(meta("changed.html").ino(), before[1].0);
        assert_eq!(fs::read(target.join("changed.html")).unwrap(), b"two");
    }

    #[test]
    fn refuses_paths_that_climb_out() {
        let tmp = tempfile::tempdir().unwrap();
        let staging = Staging::new(&tmp.path().join("public")).unwrap();
        for bad in ["../x", "/etc/x", "a/../../x", "", "a//b"] {
            assert!(matches!(staging.write(bad, b"x"), Err(OutputError::Outside(_))), "{bad}");
        }
    }
}

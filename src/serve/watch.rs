//! Watching the site folder with notify, debounced: an editor's save-by-rename or a `git checkout`
//! of many files arrives as a burst of events and becomes one batch, hence one rebuild.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher as _};

use super::ServeError;

/// Quiet time that ends a burst.
const QUIET: Duration = Duration::from_millis(30);
/// Quiet time that ends a burst once a file has been written whole (closed after writing, or
/// renamed into place, as editors save): nothing is half written any more, and the 25 ms saved
/// are a third of what an edit takes to reach the browser in a site of 10,000 cases. The files
/// of a `git checkout` come microseconds apart, so they still make one batch.
const SETTLED: Duration = Duration::from_millis(5);
/// A burst that never goes quiet is cut here, so a long checkout still shows progress.
const MAX_BURST: Duration = Duration::from_millis(1000);

pub struct Watcher {
    // Kept alive for as long as events are wanted.
    _watcher: notify::RecommendedWatcher,
    events: Receiver<notify::Result<notify::Event>>,
    site_dir: PathBuf,
    /// The repository's git folders (see [`crate::history::git_dirs`]): a commit or checkout there
    /// changes the cases' histories, though no file of the site changed.
    git_dirs: Vec<PathBuf>,
    /// This process's own output files (see [`own_outputs`]).
    own_outputs: Vec<(u64, u64)>,
}

/// One burst of changes.
#[derive(Debug, Default)]
pub struct Batch {
    /// The site's files that changed.
    pub paths: Vec<PathBuf>,
    /// Whether the repository may be at another commit (`HEAD` or a branch moved).
    pub git: bool,
}

impl Watcher {
    pub fn new(site_dir: &Path) -> Result<Watcher, ServeError> {
        let site_dir = site_dir.canonicalize().unwrap_or_else(|_| site_dir.to_path_buf());
        let (tx, events) = mpsc::channel();
        let error = |e: notify::Error| ServeError::Watch { path: site_dir.clone(), detail: e.to_string() };
        let mut watcher = notify::recommended_watcher(tx).map_err(error)?;
        watcher.watch(&site_dir, RecursiveMode::Recursive).map_err(error)?;
        let git_dirs = crate::history::git_dirs(&site_dir);
        for dir in &git_dirs {
            // Inside the site folder (a site at the repository's top) they are watched already.
            // Otherwise the folder itself for `HEAD` and `packed-refs`, and the branches; a
            // repository that cannot be watched only leaves the histories as they were read.
            if !dir.starts_with(&site_dir) {
                let _ = watcher.watch(dir, RecursiveMode::NonRecursive);
                let _ = watcher.watch(&dir.join("refs"), RecursiveMode::Recursive);
            }
        }
        Ok(Watcher { _watcher: watcher, events, site_dir, git_dirs, own_outputs: own_outputs() })
    }

    /// Blocks until files that matter changed, then returns every path of the burst.
    pub fn next_batch(&self) -> Batch {
        let mut paths = BTreeSet::new();
        let mut git = false;
        let mut quiet = QUIET;
        // Wait for the first relevant event.
        while paths.is_empty() && !git {
            match self.events.recv() {
                Ok(event) => quiet = self.collect(event, &mut paths, &mut git).unwrap_or(quiet),
                Err(_) => std::thread::sleep(Duration::from_secs(3600)),
            }
        }
        let started = Instant::now();
        while started.elapsed() < MAX_BURST {
            match self.events.recv_timeout(quiet) {
                Ok(event) => quiet = self.collect(event, &mut paths, &mut git).unwrap_or(quiet),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        Batch { paths: paths.into_iter().collect(), git }
    }

    /// Adds the paths of `event` that matter (or notes a move in the repository); for an event
    /// about the site that is not a mere read, how long to wait for more after it.
    fn collect(
        &self,
        event: notify::Result<notify::Event>,
        paths: &mut BTreeSet<PathBuf>,
        git: &mut bool,
    ) -> Option<Duration> {
        let event = event.ok()?;
        if matches!(event.kind, notify::EventKind::Access(_)) {
            // A file opened or closed changes nothing by itself (a close after writing follows
            // the write, which was collected); it may end a burst sooner.
            let relevant = event.paths.iter().any(|path| is_relevant(&self.site_dir, path));
            return if relevant { quiet_after(&event.kind) } else { None };
        }
        if event.paths.iter().any(|path| self.git_dirs.iter().any(|dir| moves_head(dir, path))) {
            *git = true;
        }
        let mut relevant = event
            .paths
            .into_iter()
            .filter(|path| is_relevant(&self.site_dir, path) && !is_own_output(&self.own_outputs, path))
            .peekable();
        if relevant.peek().is_none() {
            return (*git).then_some(QUIET);
        }
        paths.extend(relevant);
        quiet_after(&event.kind)
    }
}

/// The files (device, inode) this process's output and errors go to, where they are redirected to
/// files: `exemplar serve > serve.log` in the site folder writes that file at every rebuild, which
/// is no change to the site and would start the next rebuild, without end.
fn own_outputs() -> Vec<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        ["/dev/fd/1", "/dev/fd/2"]
            .iter()
            .filter_map(|fd| std::fs::metadata(fd).ok())
            .filter(|meta| meta.is_file())
            .map(|meta| (meta.dev(), meta.ino()))
            .collect()
    }
    #[cfg(not(unix))]
    Vec::new()
}

fn is_own_output(own: &[(u64, u64)], path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        !own.is_empty() && std::fs::metadata(path).is_ok_and(|meta| own.contains(&(meta.dev(), meta.ino())))
    }
    #[cfg(not(unix))]
    {
        let _ = (own, path);
        false
    }
}

/// Whether `path`, in the git folder `git_dir`, is where a commit or checkout moves what the
/// repository is at: `HEAD`, `packed-refs` or a ref (`refs/heads/main`), not the objects or the
/// index that `git add` and `git status` write.
fn moves_head(git_dir: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(git_dir) else { return false };
    rel == Path::new("HEAD") || rel == Path::new("packed-refs") || rel.starts_with("refs")
}

/// How long to wait for more after an event of `kind`: [`SETTLED`] after a file was closed
/// after writing or renamed into place (where the system says so), nothing more for any other
/// access (a file opened or read), else [`QUIET`].
fn quiet_after(kind: &notify::EventKind) -> Option<Duration> {
    use notify::event::{AccessKind, AccessMode, EventKind, ModifyKind, RenameMode};
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write))
        | EventKind::Modify(ModifyKind::Name(RenameMode::To | RenameMode::Both)) => Some(SETTLED),
        EventKind::Access(_) => None,
        _ => Some(QUIET),
    }
}

/// Changes to the output, hidden files (`.git`), build folders and editors' temporary files do
/// not affect the portal.
pub fn is_relevant(site_dir: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(site_dir) else { return false };
    let mut components = rel.components().map(|c| c.as_os_str().to_string_lossy());
    let Some(first) = components.next() else { return false };
    if matches!(first.as_ref(), "public" | "target" | "node_modules") || first.starts_with('.') {
        return false;
    }
    let name = rel.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    !crate::content::load::is_editor_temporary(&name)
        && rel.components().all(|c| !c.as_os_str().to_string_lossy().starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A write closed or a file renamed into place ends the burst sooner; a write still going on,
    /// a file created or removed, or a rename's first half waits the whole quiet time; a file
    /// opened or read changes neither.
    #[test]
    fn a_finished_save_shortens_the_wait() {
        use notify::event::{AccessKind, AccessMode, CreateKind, DataChange, EventKind, ModifyKind, RenameMode};
        assert_eq!(quiet_after(&EventKind::Access(AccessKind::Close(AccessMode::Write))), Some(SETTLED));
        assert_eq!(quiet_after(&EventKind::Modify(ModifyKind::Name(RenameMode::To))), Some(SETTLED));
        assert_eq!(quiet_after(&EventKind::Modify(ModifyKind::Name(RenameMode::Both))), Some(SETTLED));
        assert_eq!(quiet_after(&EventKind::Modify(ModifyKind::Name(RenameMode::From))), Some(QUIET));
        assert_eq!(quiet_after(&EventKind::Modify(ModifyKind::Data(DataChange::Any))), Some(QUIET));
        assert_eq!(quiet_after(&EventKind::Create(CreateKind::File)), Some(QUIET));
        assert_eq!(quiet_after(&EventKind::Access(AccessKind::Close(AccessMode::Read))), None);
        assert_eq!(quiet_after(&EventKind::Access(AccessKind::Open(AccessMode::Any))), None);
    }

    #[test]
    fn a_commit_or_checkout_moves_head_and_git_add_does_not() {
        let git = Path::new("/site/.git");
        for moved in ["HEAD", "packed-refs", "refs/heads/main", "refs/heads/topic/x"] {
            assert!(moves_head(git, &git.join(moved)), "{moved}");
        }
        for kept in ["index", "index.lock", "objects/ab/cdef", "COMMIT_EDITMSG", "logs/HEAD"] {
            assert!(!moves_head(git, &git.join(kept)), "{kept}");
        }
        assert!(!moves_head(git, Path::new("/site/content/HEAD")));
    }

    #[test]
    fn relevant_paths() {
        let site = Path::new("/site");
        assert!(is_relevant(site, Path::new("/site/content/a.md")));
        assert!(is_relevant(site, Path::new("/site/exemplar.yaml")));
        assert!(is_relevant(site, Path::new("/site/themes/default/static/style.css")));
        assert!(!is_relevant(site, Path::new("/site/public/index.html")));
        assert!(!is_relevant(site, Path::new("/site/.git/index")));
        assert!(!is_relevant(site, Path::new("/site/content/.a.md.swp")));
        assert!(!is_relevant(site, Path::new("/site/content/a.md~")));
        assert!(!is_relevant(site, Path::new("/elsewhere/a.md")));
    }
}

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
/// A burst that never goes quiet is cut here, so a long checkout still shows progress.
const MAX_BURST: Duration = Duration::from_millis(1000);

pub struct Watcher {
    // Kept alive for as long as events are wanted.
    _watcher: notify::RecommendedWatcher,
    events: Receiver<notify::Result<notify::Event>>,
    site_dir: PathBuf,
}

impl Watcher {
    pub fn new(site_dir: &Path) -> Result<Watcher, ServeError> {
        let site_dir = site_dir.canonicalize().unwrap_or_else(|_| site_dir.to_path_buf());
        let (tx, events) = mpsc::channel();
        let error = |e: notify::Error| ServeError::Watch { path: site_dir.clone(), detail: e.to_string() };
        let mut watcher = notify::recommended_watcher(tx).map_err(error)?;
        watcher.watch(&site_dir, RecursiveMode::Recursive).map_err(error)?;
        Ok(Watcher { _watcher: watcher, events, site_dir })
    }

    /// Blocks until files that matter changed, then returns every path of the burst.
    pub fn next_batch(&self) -> Vec<PathBuf> {
        let mut paths = BTreeSet::new();
        // Wait for the first relevant event.
        while paths.is_empty() {
            match self.events.recv() {
                Ok(event) => self.collect(event, &mut paths),
                Err(_) => std::thread::sleep(Duration::from_secs(3600)),
            }
        }
        let started = Instant::now();
        while started.elapsed() < MAX_BURST {
            match self.events.recv_timeout(QUIET) {
                Ok(event) => self.collect(event, &mut paths),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        paths.into_iter().collect()
    }

    fn collect(&self, event: notify::Result<notify::Event>, paths: &mut BTreeSet<PathBuf>) {
        let Ok(event) = event else { return };
        if matches!(event.kind, notify::EventKind::Access(_)) {
            return;
        }
        for path in event.paths {
            if is_relevant(&self.site_dir, &path) {
                paths.insert(path);
            }
        }
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
    let temporary = name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name == "4913"; // vim's write test
    !temporary && rel.components().all(|c| !c.as_os_str().to_string_lossy().starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

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

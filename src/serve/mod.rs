//! `exemplar serve`: the portal built into memory, served over HTTP on 127.0.0.1, rebuilt when a
//! file changes and pushed to open pages through Server-Sent Events.
//!
//! A rebuild re-reads only the changed case files ([`Project::refresh`]), rebuilds the model, and
//! renders only the pages whose [`render::signature`] changed. Content errors never stop the
//! server: the last good pages stay served and the browser shows the errors over them.

pub mod deferred;
pub mod http;
mod watch;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::{BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::diagnostics::Diagnostic;
use crate::i18n::Catalog;
use crate::pipeline::{BuildOptions, Outcome, Project};
use crate::render::{self, Renderer, Summaries, theme::FileSource};
use crate::search::{Index, files::Layout};
use crate::site::Site;
use deferred::Deferred;
use http::{ReadError, Request, Response};

const LIVE_SCRIPT: &str = include_str!("live.js");
const LIVE_TAG: &str = "<script src=\"/__exemplar/live.js\" defer></script>";
/// What a path with no page shows when the portal has no 404 page (no build has succeeded yet, or
/// the theme has none): a page with the live script, so that the errors show over it and the
/// portal opens once they are fixed. Its text comes from the overlay's data (`not_found`).
const NOT_FOUND_PAGE: &[u8] = b"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>404</title></head>\n\
    <body><p id=\"exemplar-not-found\"></p></body></html>\n";

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub site_dir: PathBuf,
    pub port: u16,
    pub bind: String,
    pub drafts: bool,
    /// Language of the messages printed on rebuilds (default: the site's).
    pub lang: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("cannot watch {path}: {detail}")]
    Watch { path: PathBuf, detail: String },
}

/// One file of the portal: its tag for the browser's cache, and its bytes or how to make them.
pub struct Served {
    pub etag: String,
    /// Of the bytes: the page cache's key, and what tells a changed page from the same one.
    hash: u64,
    len: usize,
    body: Body,
}

enum Body {
    /// Held for as long as the file is served: static files, photos, search files and the pages
    /// drawn from the whole portfolio (a few, made on demand).
    Held(Arc<Vec<u8>>),
    /// A page: its bytes in the [`PageCache`] while they are recent, else rendered again from
    /// the snapshot's site (see [`PageSource`]). Holding every page took 675 MB at 10,000 cases.
    Page,
}

/// The hash of a file's bytes. A fast one: after an edit at 10,000 cases the search files alone
/// are 19 MB, which SipHash took about 13 ms to read.
fn content_hash(bytes: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    foldhash::quality::FixedState::with_seed(0).hash_one(bytes)
}

impl Served {
    fn held(bytes: Vec<u8>) -> Served {
        let hash = content_hash(&bytes);
        Served { etag: etag(hash), hash, len: bytes.len(), body: Body::Held(Arc::new(bytes)) }
    }

    fn page(hash: u64, len: usize) -> Served {
        Served { etag: etag(hash), hash, len, body: Body::Page }
    }

    /// Whether these are the bytes held.
    fn holds(&self, bytes: &[u8]) -> bool {
        matches!(&self.body, Body::Held(held) if held.as_slice() == bytes)
    }

    /// Whether `other` has the same bytes: compared where both are held, else by hash and length
    /// (a 64-bit hash: two different pages alike by chance is not a real risk).
    fn same_as(&self, other: &Served) -> bool {
        match (&self.body, &other.body) {
            (Body::Held(a), Body::Held(b)) => a == b,
            _ => self.hash == other.hash && self.len == other.len,
        }
    }
}

fn etag(hash: u64) -> String {
    format!("\"{hash:016x}\"")
}

/// The bytes of the pages made last, by content hash, up to [`PAGE_CACHE_BYTES`]: those an edit
/// changed (which the browser asks for next) and those asked for since. Older ones are dropped,
/// first in first out, and rendered again when asked for (a fraction of a millisecond a page).
/// Shared by the snapshots: a hash names the same bytes in any of them.
pub struct PageCache {
    inner: Mutex<CacheInner>,
    budget: usize,
}

impl Default for PageCache {
    fn default() -> Self {
        PageCache::with_budget(PAGE_CACHE_BYTES)
    }
}

#[derive(Default)]
struct CacheInner {
    by_hash: HashMap<u64, Arc<Vec<u8>>>,
    order: std::collections::VecDeque<u64>,
    bytes: usize,
}

/// The page cache's budget: a few thousand pages of a typical portal.
pub const PAGE_CACHE_BYTES: usize = 64 << 20;

impl PageCache {
    fn with_budget(budget: usize) -> Self {
        PageCache { inner: Mutex::default(), budget }
    }

    fn get(&self, hash: u64) -> Option<Arc<Vec<u8>>> {
        self.inner.lock().ok()?.by_hash.get(&hash).cloned()
    }

    fn put(&self, hash: u64, bytes: Arc<Vec<u8>>) {
        let Ok(mut inner) = self.inner.lock() else { return };
        let len = bytes.len();
        if inner.by_hash.insert(hash, bytes).is_some() {
            return;
        }
        inner.order.push_back(hash);
        inner.bytes += len;
        while inner.bytes > self.budget {
            let Some(oldest) = inner.order.pop_front() else { break };
            if let Some(dropped) = inner.by_hash.remove(&oldest) {
                inner.bytes -= dropped.len();
            }
        }
    }
}

/// What a snapshot renders its pages from when their bytes are no longer in the cache: the site
/// of its last good build. A page not rendered in that build (its signature was unchanged) gives
/// the same bytes from this site as from the one it was rendered from.
pub struct PageSource {
    site: Arc<Site>,
    renderer: Arc<Renderer>,
    summaries: Arc<Summaries>,
    pages: Arc<Vec<render::Page>>,
    /// By output file, made when first needed (or kept from the last source, for the same pages
    /// in the same order: at 50,000 cases it takes 30–40 ms to make).
    by_file: OnceLock<Arc<HashMap<String, usize>>>,
    /// For the text of a template error.
    catalog: Catalog,
}

impl PageSource {
    fn by_file(&self) -> &HashMap<String, usize> {
        self.by_file.get_or_init(|| Arc::new(self.pages.iter().enumerate().map(|(i, page)| (page.file(), i)).collect()))
    }

    /// The page at `file` rendered, or the text of its template error; `None` when the site has
    /// no such page.
    fn render(&self, file: &str) -> Option<Result<Vec<u8>, String>> {
        let page = self.pages.get(*self.by_file().get(file)?)?;
        Some(self.renderer.render_bytes(&self.site, &self.summaries, page).map_err(|d| d.render(&self.catalog, false)))
    }
}

/// What the server answers from: the files of the last good build, those it left to make on
/// demand, and the current diagnostics.
#[derive(Default, Clone)]
pub struct Snapshot {
    /// By path in the portal. Shared keys: each rebuild copies the map, not the paths.
    pub files: HashMap<Arc<str>, Arc<Served>>,
    /// Pages and search files made when first asked for (see [`deferred`]).
    pub deferred: Option<Arc<Deferred>>,
    pub version: u64,
    /// What pages no longer in the cache are rendered from again.
    pub source: Option<Arc<PageSource>>,
    pub cache: Arc<PageCache>,
    /// JSON for the browser overlay (`/__exemplar/state`), in the site's language.
    pub state: Arc<String>,
    /// The errors' and warnings' reports for the terminal, in the language of `--lang`.
    pub reports: Arc<Vec<String>>,
    pub errors: usize,
    pub warnings: usize,
}

impl Snapshot {
    /// The reports of the build's errors and warnings, as `exemplar check` prints them.
    pub fn diagnostic_texts(&self) -> Vec<String> {
        if self.errors + self.warnings == 0 {
            return Vec::new();
        }
        self.reports.to_vec()
    }

    /// A file of the portal: made already, or made now.
    pub fn get(&self, file: &str) -> Option<deferred::Made> {
        match self.files.get(file) {
            Some(served) => Some(Ok(served.clone())),
            None => self.deferred.as_ref().and_then(|d| d.get(file)),
        }
    }

    /// The bytes of `served`, the file at `file`: held, in the page cache, or rendered again (or
    /// the text of the template error that stopped it); `None` if the site no longer has the page.
    pub fn body(&self, file: &str, served: &Served) -> Option<Result<Arc<Vec<u8>>, String>> {
        if let Body::Held(bytes) = &served.body {
            return Some(Ok(bytes.clone()));
        }
        if let Some(bytes) = self.cache.get(served.hash) {
            return Some(Ok(bytes));
        }
        let made = self.source.as_ref()?.render(file)?;
        Some(made.map(|bytes| {
            let bytes = Arc::new(bytes);
            self.cache.put(served.hash, bytes.clone());
            bytes
        }))
    }

    /// Whether `file` exists, without making it.
    pub fn contains(&self, file: &str) -> bool {
        self.files.contains_key(file) || self.deferred.as_ref().is_some_and(|d| d.owns(file))
    }
}

/// The result of one rebuild, as the browser hears it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RebuildEvent {
    pub version: u64,
    /// Page paths (`cases/a/`, `` for the home page) and other files (`static/style.css`) whose
    /// bytes changed, were added or removed; a page drawn from the whole portfolio is listed
    /// whenever its inputs changed, as it is made later (see [`deferred`]).
    pub changed: Vec<String>,
    pub errors: usize,
    pub millis: u128,
}

/// The build side of the server: the project, the last good site and what rendering it needs.
pub struct Builder {
    options: BuildOptions,
    project: Option<Project>,
    renderer: Option<Arc<Renderer>>,
    site: Option<Arc<Site>>,
    summaries: Option<Arc<Summaries>>,
    /// The pages of the last rendering and their signatures.
    signed: Signed,
    /// The bytes of the pages made last (shared with the snapshots).
    cache: Arc<PageCache>,
    /// What the photos and other files were published from (plans and assets), and their paths.
    media: Option<(Vec<String>, Vec<String>)>,
    /// Whether the last rendering had the same pages (paths) as the one before.
    same_pages: bool,
    /// The last search index made, from which the next one is made.
    search: SearchBase,
    catalog: Catalog,
    /// The terminal's catalog (`--lang`), when it is not the site's: made once.
    report_catalog: Option<Catalog>,
    /// How many changed pages a rebuild after an edit renders at once (see [`EAGER_PAGES`]).
    eager_pages: usize,
    /// Pages (by path) the last rendering left for later besides those drawn from the whole
    /// portfolio: left for later again while no snapshot has made them.
    pending: HashSet<String>,
}

/// When more pages than this changed, a rebuild after an edit renders before the browser is told
/// only the case pages and the first pages of lists (at most this many), and leaves the others to
/// be made on demand or by the warm-up. A new case, or one whose date moved, shifts every later
/// page of the lists it is on: at 10,000 cases 6,800 pages, 0.5 s to render.
pub const EAGER_PAGES: usize = 256;

/// The last search index made and the cases it was made from, shared with the snapshots that
/// make theirs on demand: after an edit, the next index is this one with the changed cases
/// indexed again ([`crate::search::Index::update`]) rather than every case.
pub type SearchBase = Arc<Mutex<Option<LastIndex>>>;

pub struct LastIndex {
    cases: Vec<Arc<crate::site::Case>>,
    index: Arc<Index>,
}

/// What one rendering produced: pages rendered now (by output file), and those left for later.
struct Rendered {
    pages: Vec<(String, Served)>,
    deferred: Vec<render::Page>,
    /// Whether the site has the same pages in the same order as at the last rendering.
    same_order: bool,
}

/// A rendering's pages, in page order, and each one's [`render::signature`].
#[derive(Default)]
struct Signed {
    pages: Arc<Vec<render::Page>>,
    signatures: Vec<u64>,
}

impl Builder {
    pub fn new(mut options: BuildOptions) -> Builder {
        // The watcher reports absolute, resolved paths: compare them with a resolved site folder.
        if let Ok(site_dir) = options.site_dir.canonicalize() {
            options.site_dir = site_dir;
        }
        Builder {
            catalog: Catalog::builtin(crate::i18n::LANGUAGES[0]),
            report_catalog: None,
            options,
            project: None,
            renderer: None,
            site: None,
            summaries: None,
            signed: Signed::default(),
            cache: Arc::default(),
            media: None,
            same_pages: false,
            search: SearchBase::default(),
            eager_pages: EAGER_PAGES,
            pending: HashSet::new(),
        }
    }

    /// A builder that renders at most `pages` changed pages at once after an edit (tests use a
    /// small number to make the sample site's edits leave pages for later).
    pub fn with_eager_pages(mut self, pages: usize) -> Builder {
        self.eager_pages = pages;
        self
    }

    /// The case files whose git history changed since it was read (see
    /// [`Project::refresh_history`]); none before a first build that worked.
    pub fn history_changed(&mut self) -> Vec<PathBuf> {
        self.project.as_mut().map(Project::refresh_history).unwrap_or_default()
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The catalog of the terminal's lines and reports: `--lang`'s, else the site's.
    fn report_catalog(&self) -> &Catalog {
        self.report_catalog.as_ref().unwrap_or(&self.catalog)
    }

    /// Rebuilds after `changed` paths (all of them when `None`) and returns the next snapshot.
    /// A rebuild after content changes renders the pages whose inputs changed and leaves those
    /// drawn from the whole portfolio to be made on demand; a full one (the first, or after a
    /// change to the configuration, templates or theme) renders every page. Both leave the search
    /// index to be made on demand.
    pub fn rebuild(&mut self, previous: &Snapshot, changed: Option<&[PathBuf]>) -> (Snapshot, RebuildEvent) {
        let started = Instant::now();
        let timings = crate::pipeline::Timings::new();
        let full = match changed {
            None => true,
            Some(paths) => paths.iter().any(|p| needs_full_rebuild(&self.options.site_dir, p)),
        };
        let incremental = !full && self.project.is_some();
        let mut outcome = match (&mut self.project, full) {
            (Some(project), false) => {
                project.refresh(changed.unwrap_or(&[]));
                timings.lap("refresh");
                project.assemble_after(self.site.as_deref())
            }
            _ => {
                self.signed = Signed::default();
                self.summaries = None;
                // The configuration or theme changed: the next index is made from scratch.
                if let Ok(mut last) = self.search.lock() {
                    *last = None;
                }
                match Project::open(self.options.clone()) {
                    Ok(mut project) => {
                        project.scan();
                        let outcome = project.assemble();
                        self.catalog = project.catalog().clone();
                        self.project = Some(project);
                        outcome
                    }
                    Err(outcome) => {
                        self.project = None;
                        self.catalog = outcome.catalog.clone();
                        outcome
                    }
                }
            }
        };
        timings.lap("model");

        let mut next = previous.clone();
        next.version = previous.version + 1;
        next.cache = self.cache.clone();
        // What the last snapshot made on demand counts as rendered, where it is still current.
        let last_deferred = next.deferred.take();
        if let Some(deferred) = &last_deferred {
            next.files.extend(deferred.made().into_iter().map(|(path, served)| (Arc::from(path), served)));
        }
        let mut rendered: Vec<(String, Served)> = Vec::new();
        let mut static_files: Option<Vec<(String, Vec<u8>)>> = None;
        if !outcome.has_errors()
            && let (Some(site), Some(project)) = (outcome.site.take(), self.project.as_ref())
        {
            let site = Arc::new(site);
            if full || self.renderer.is_none() {
                match Renderer::new(&site, &project.theme) {
                    Ok(renderer) => self.renderer = Some(Arc::new(renderer)),
                    Err(problems) => {
                        // No renderer until the theme loads again: an edit of a case must not
                        // render with the last good templates and clear the theme's errors,
                        // which `build` still reports (the last good pages stay served).
                        self.renderer = None;
                        outcome.diagnostics.extend(problems);
                    }
                }
                static_files = Some(read_static_files(project));
            }
            let catalog = project.catalog().clone();
            if !outcome.has_errors()
                && let Some(renderer) = self.renderer.clone()
            {
                let made = |file: &str| next.files.contains_key(file);
                let result = self.render_changed(&site, &renderer, incremental, &made);
                timings.lap("render");
                match result {
                    Ok(Rendered { pages, deferred, same_order }) => {
                        rendered = pages;
                        let by_file = OnceLock::new();
                        if let Some(known) = next.source.as_ref().and_then(|last| last.by_file.get())
                            && same_order
                        {
                            let _ = by_file.set(known.clone());
                        }
                        let source = Arc::new(PageSource {
                            site: site.clone(),
                            renderer: renderer.clone(),
                            summaries: self.summaries.clone().unwrap_or_default(),
                            pages: self.signed.pages.clone(),
                            by_file,
                            catalog: catalog.clone(),
                        });
                        if !incremental {
                            // Made now, in a rebuild that takes seconds anyway, not on a request.
                            source.by_file();
                        }
                        next.source = Some(source);
                        // A content rebuild leaves the portfolio-wide pages for later (a full one
                        // renders them now); the search index is left for later by every rebuild,
                        // the first included, which makes the server ready that much sooner.
                        let summaries = self.summaries.clone().unwrap_or_default();
                        let (search, cache) = (self.search.clone(), self.cache.clone());
                        let later = Deferred::new(site.clone(), renderer, summaries, catalog, deferred, search, cache);
                        next.deferred = Some(Arc::new(later));
                        self.site = Some(site);
                    }
                    Err(problems) => {
                        outcome.diagnostics.extend(problems);
                        self.signed = Signed::default();
                    }
                }
            }
        }

        if outcome.has_errors() {
            // The last good pages stay served, those still to be made on demand too.
            next.deferred = last_deferred;
        }
        next.errors = outcome.errors();
        next.warnings = outcome.warnings();
        let first = next.files.is_empty() && next.deferred.is_none();
        next.state = Arc::new(state_json(&outcome, &self.catalog, first));
        let report_catalog = self.report_catalog();
        next.reports = Arc::new(outcome.diagnostics.iter().map(|d| d.render(report_catalog, false)).collect());
        let mut changed_paths = BTreeSet::new();
        if !outcome.has_errors()
            && let Some(site) = self.site.clone()
        {
            let new_theme = static_files.is_some();
            // A new theme: its static files replace the old ones (compared below like pages).
            rendered
                .extend(static_files.unwrap_or_default().into_iter().map(|(path, bytes)| (path, Served::held(bytes))));
            let mut written: Vec<String> = Vec::with_capacity(rendered.len());
            for (path, served) in rendered {
                written.push(path.clone());
                let same = next.files.get(path.as_str()).is_some_and(|old| old.same_as(&served));
                if !same {
                    changed_paths.insert(page_path(&path));
                    next.files.insert(path.into(), Arc::new(served));
                }
            }
            // Deferred pages are served from the snapshot's `deferred`, never from old bytes.
            if let Some(later) = &next.deferred {
                for file in later.page_files() {
                    next.files.remove(file.as_str());
                    changed_paths.insert(page_path(file));
                }
            }
            timings.lap("compare");
            // Photos are served as the portal publishes them: resized, through the image cache.
            // When only case files changed and they name the same images, those are as they were.
            let plans = crate::images::site_plans(&site);
            let media_key: Vec<String> = plans
                .iter()
                .map(|p| format!("{} {} {}", p.source, p.path, p.variants.len()))
                .chain(site.assets.iter().map(|a| format!("{} {}", a.source, a.output)))
                .collect();
            let only_cases = changed
                .is_some_and(|paths| paths.iter().all(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("md"))));
            let same_media = incremental && only_cases && self.media.as_ref().is_some_and(|(key, _)| *key == media_key);
            if !same_media {
                let files = self.publish_media(&site, &plans, &mut next, &mut changed_paths);
                self.media = Some((media_key, files));
            }
            // Files no longer part of the portal. When the same pages, theme and media make it,
            // none can be (the search files, made again on demand, are dropped below).
            if !(same_media && self.same_pages && !new_theme) {
                let mut wanted: HashSet<&str> = written.iter().map(String::as_str).collect();
                // The pages this rebuild signed are the portal's (a rebuild with errors never gets here).
                let page_files: Vec<String> = self.signed.pages.iter().map(render::Page::file).collect();
                wanted.extend(page_files.iter().map(String::as_str));
                if let Some((_, files)) = &self.media {
                    wanted.extend(files.iter().map(String::as_str));
                }
                let defers_search = next.deferred.is_some();
                let gone: Vec<Arc<str>> = next
                    .files
                    .keys()
                    .filter(|p| !wanted.contains(&***p))
                    .filter(|p| new_theme || !p.starts_with("static/"))
                    .filter(|p| !(defers_search && deferred::is_search_file(p)))
                    .cloned()
                    .collect();
                for path in gone {
                    next.files.remove(&*path);
                    changed_paths.insert(page_path(&path));
                }
            }
            if next.deferred.is_some() {
                // The index is made again on demand: drop the old files, so none is served stale.
                next.files.retain(|path, _| !deferred::is_search_file(path));
            }
        }
        timings.lap("files");
        let event = RebuildEvent {
            version: next.version,
            changed: changed_paths.into_iter().collect(),
            errors: next.errors,
            millis: started.elapsed().as_millis(),
        };
        (next, event)
    }

    /// Puts the site's photos (resized, through the image cache) and other files beside the cases
    /// into `next`; returns their paths.
    fn publish_media(
        &self,
        site: &Site,
        plans: &[Arc<crate::images::Plan>],
        next: &mut Snapshot,
        changed_paths: &mut BTreeSet<String>,
    ) -> Vec<String> {
        let mut published = Vec::new();
        let photos = Mutex::new(Vec::new());
        let collect = |path: &str, bytes: &[u8]| {
            photos.lock().map_err(|e| e.to_string())?.push((path.to_owned(), bytes.to_vec()));
            Ok(())
        };
        let _ = crate::images::publish(&self.options.site_dir, plans, &site.config.images, &collect);
        for (path, bytes) in photos.into_inner().unwrap_or_default() {
            published.push(path.clone());
            if next.files.get(path.as_str()).is_none_or(|old| !old.holds(&bytes)) {
                changed_paths.insert(path.clone());
                next.files.insert(path.into(), Arc::new(Served::held(bytes)));
            }
        }
        for asset in crate::images::copied_assets(site, plans) {
            published.push(asset.output.clone());
            if let Ok(bytes) = std::fs::read(self.options.site_dir.join(&asset.source))
                && next.files.get(asset.output.as_str()).is_none_or(|old| !old.holds(&bytes))
            {
                changed_paths.insert(asset.output.clone());
                next.files.insert(asset.output.as_str().into(), Arc::new(Served::held(bytes)));
            }
        }
        published
    }

    /// Renders the pages whose inputs changed since the last rendering; with `defer`, the pages
    /// drawn from the whole portfolio are left for later instead (also those never made yet:
    /// `made` tells which files the snapshot holds).
    fn render_changed(
        &mut self,
        site: &Site,
        renderer: &Renderer,
        defer: bool,
        made: &dyn Fn(&str) -> bool,
    ) -> Result<Rendered, Vec<Diagnostic>> {
        let timings = crate::pipeline::Timings::new();
        let summaries = Arc::new(Summaries::build(site, self.summaries.as_deref()));
        timings.lap("summaries");
        let fingerprint = site.term_paths_fingerprint();
        let pages = Arc::new(renderer.pages(site));
        timings.lap("pages");
        let signed: Vec<u64> = pages.par_iter().map(|page| render::signature(site, page, fingerprint)).collect();
        // Usually the same pages in the same order as last time: then signatures compare by place,
        // and only a change of pages costs a lookup by path.
        let last = &self.signed;
        let same_order = last.signatures.len() == pages.len()
            && last.pages.iter().zip(pages.iter()).all(|(old, page)| old.path == page.path);
        let by_path: HashMap<&str, u64> = if same_order {
            HashMap::new()
        } else {
            last.pages.iter().map(|page| page.path.as_str()).zip(last.signatures.iter().copied()).collect()
        };
        let mut dirty = Vec::new();
        let mut later = Vec::new();
        let mut known = 0;
        let pending = std::mem::take(&mut self.pending);
        for (index, (page, signature)) in pages.iter().zip(&signed).enumerate() {
            let old =
                if same_order { last.signatures.get(index).copied() } else { by_path.get(page.path.as_str()).copied() };
            known += usize::from(old.is_some());
            let changed = old != Some(*signature);
            if defer && page.kind.gathers_portfolio() {
                if changed || !made(&page.file()) {
                    later.push(page.clone());
                }
            } else if changed || (defer && pending.contains(&page.path) && !made(&page.file())) {
                dirty.push(page.clone());
            }
        }
        if defer && dirty.len() > self.eager_pages {
            // The pages a reader most likely has open first; the rest on demand.
            let (mut first, mut rest): (Vec<_>, Vec<_>) = dirty.into_iter().partition(|page| page.kind.first_look());
            rest.extend(first.split_off(first.len().min(self.eager_pages)));
            dirty = first;
            self.pending = rest.iter().map(|page| page.path.clone()).collect();
            later.extend(rest);
        }
        let same_pages = same_order || (known == pages.len() && known == last.signatures.len());
        drop(by_path);
        timings.lap("signatures");
        timings.note(format_args!("{} pages to render, {} deferred", dirty.len(), later.len()));
        let out = Mutex::new(Vec::with_capacity(dirty.len()));
        // After an edit the browser asks for the changed pages next: their bytes are kept. The
        // first rendering keeps none (they would only push each other out of the cache).
        let cache = defer.then_some(&self.cache);
        let write = |path: &str, bytes: &[u8]| {
            let hash = content_hash(bytes);
            if let Some(cache) = cache {
                cache.put(hash, Arc::new(bytes.to_vec()));
            }
            out.lock().map_err(|e| e.to_string())?.push((path.to_owned(), Served::page(hash, bytes.len())));
            Ok(())
        };
        let result = render::render_pages(site, renderer, &summaries, &dirty, &write);
        self.summaries = Some(summaries);
        result?;
        self.same_pages = same_pages;
        self.signed = Signed { pages, signatures: signed };
        Ok(Rendered { pages: out.into_inner().unwrap_or_default(), deferred: later, same_order })
    }
}

/// The search index of `site`: made from the last one when only a few cases changed since (see
/// [`SearchBase`]), else from every case; kept as the next one's base.
fn search_index(site: &Site, last: &SearchBase) -> Arc<Index> {
    let timings = crate::pipeline::Timings::new();
    // Taken out (an index is made without holding the lock) and made into the new one: should
    // another snapshot make its index meanwhile, it finds none and indexes every case.
    let base = last.lock().ok().and_then(|mut last| last.take());
    let updated = base.and_then(|base| {
        // Shared only while an older snapshot still serves its files.
        let index = Arc::try_unwrap(base.index).unwrap_or_else(|shared| (*shared).clone());
        index.update(&base.cases, site)
    });
    timings.note(format_args!("search index {}", if updated.is_some() { "updated" } else { "built" }));
    let index = Arc::new(updated.unwrap_or_else(|| crate::search::build(site)));
    timings.lap("search index");
    if let Ok(mut last) = last.lock() {
        *last = Some(LastIndex { cases: site.cases.clone(), index: index.clone() });
    }
    index
}

/// A snapshot's search files, each made the first time it is asked for (a search reads a few of
/// the thousands a large site has).
pub struct SearchFiles {
    index: Arc<Index>,
    layout: Layout,
    made: Vec<OnceLock<Arc<Served>>>,
}

impl SearchFiles {
    fn new(site: &Site, last: &SearchBase) -> SearchFiles {
        let index = search_index(site, last);
        let layout = Layout::new(&index, crate::search::files::SHARD_BYTES, crate::search::files::GROUP_BYTES);
        let made = (0..layout.count()).map(|_| OnceLock::new()).collect();
        SearchFiles { index, layout, made }
    }

    /// The file at `path` (`search/manifest.js`), if the index has one.
    pub fn get(&self, path: &str) -> Option<Arc<Served>> {
        let i = self.layout.find(path)?;
        let made = self.made.get(i)?.get_or_init(|| Arc::new(Served::held(self.layout.contents(&self.index, i))));
        Some(made.clone())
    }

    /// The files made so far.
    pub fn made(&self) -> impl Iterator<Item = (String, Arc<Served>)> + '_ {
        self.made.iter().enumerate().filter_map(|(i, made)| Some((self.layout.file_name(i), made.get()?.clone())))
    }
}

/// Configuration, templates, theme and strings change every page: rebuild from scratch.
fn needs_full_rebuild(site_dir: &Path, path: &Path) -> bool {
    let rel = crate::content::load::rel_to(site_dir, path);
    !rel.starts_with("content/")
}

fn read_static_files(project: &Project) -> Vec<(String, Vec<u8>)> {
    project
        .theme
        .static_files
        .iter()
        .filter_map(|(rel, source)| {
            let bytes = match source {
                FileSource::Disk(path) => std::fs::read(path).ok()?,
                FileSource::Embedded(bytes) => bytes.to_vec(),
            };
            Some((format!("static/{rel}"), bytes))
        })
        .collect()
}

/// `cases/a/index.html` → `cases/a/`: how pages are named in rebuild events.
fn page_path(file: &str) -> String {
    match file.strip_suffix("index.html") {
        Some(dir) if dir.is_empty() || dir.ends_with('/') => dir.to_owned(),
        _ => file.to_owned(),
    }
}

/// The overlay's data. `first`: no build has succeeded yet, so there is no last good page under
/// the overlay (the server answers with a page of its own, see [`NOT_FOUND_PAGE`]).
fn state_json(outcome: &Outcome, catalog: &Catalog, first: bool) -> String {
    let report: serde_json::Value =
        serde_json::from_str(&crate::cli::json_report(outcome, catalog)).unwrap_or(serde_json::Value::Null);
    let strings = serde_json::json!({
        "title": catalog.format("cli.overlay_title", &[("errors", outcome.errors().to_string())]),
        "note": catalog.get(if first { "cli.overlay_note_first" } else { "cli.overlay_note" }),
        "not_found": catalog.get("cli.serve_not_found"),
        "warnings": catalog.format("cli.overlay_warnings", &[("warnings", outcome.warnings().to_string())]),
        "hide": catalog.get("cli.overlay_hide"),
    });
    serde_json::json!({
        "errors": outcome.errors(),
        "warnings": outcome.warnings(),
        "diagnostics": report.get("diagnostics").cloned().unwrap_or_default(),
        "strings": strings,
    })
    .to_string()
}

/// The shared server state: the current snapshot and the open event streams.
pub struct Server {
    snapshot: RwLock<Arc<Snapshot>>,
    listeners: Mutex<Vec<Sender<String>>>,
}

impl Server {
    pub fn new(snapshot: Snapshot) -> Arc<Server> {
        Arc::new(Server { snapshot: RwLock::new(Arc::new(snapshot)), listeners: Mutex::new(Vec::new()) })
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.read().map(|s| s.clone()).unwrap_or_default()
    }

    /// Installs a new snapshot and tells every open page.
    pub fn publish(&self, snapshot: Snapshot, event: &RebuildEvent) {
        if let Ok(mut current) = self.snapshot.write() {
            *current = Arc::new(snapshot);
        }
        let message = format!("event: rebuild\ndata: {}\n\n", serde_json::to_string(event).unwrap_or_default());
        if let Ok(mut listeners) = self.listeners.lock() {
            listeners.retain(|tx| tx.send(message.clone()).is_ok());
        }
    }

    fn subscribe(&self) -> Receiver<String> {
        let (tx, rx) = mpsc::channel();
        if let Ok(mut listeners) = self.listeners.lock() {
            listeners.push(tx);
        }
        rx
    }
}

/// Binds `bind:port`, or any free port on `bind` when that one is taken.
pub fn listen(bind: &str, port: u16) -> Result<TcpListener, ServeError> {
    let addr = format!("{bind}:{port}");
    match TcpListener::bind(&addr) {
        Ok(listener) => Ok(listener),
        Err(_) if port != 0 => {
            TcpListener::bind(format!("{bind}:0")).map_err(|source| ServeError::Bind { addr, source })
        }
        Err(source) => Err(ServeError::Bind { addr, source }),
    }
}

/// At most this many connections are served at once (one thread each; the serve test opens 200
/// keep-alive clients at once); more are answered 503 at
/// once. With [`http::HEAD_DEADLINE`], slow clients can hold a slot for seconds, not forever.
pub const MAX_CONNECTIONS: usize = 256;

/// Accepts connections until the process ends; each connection gets its own thread.
pub fn accept_loop(listener: TcpListener, server: Arc<Server>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static OPEN: AtomicUsize = AtomicUsize::new(0);
    struct Slot;
    impl Drop for Slot {
        fn drop(&mut self) {
            OPEN.fetch_sub(1, Ordering::SeqCst);
        }
    }
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        if OPEN.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            OPEN.fetch_sub(1, Ordering::SeqCst);
            let _ = stream.set_write_timeout(Some(Duration::from_millis(100)));
            let body = http::status_text(503).as_bytes();
            let response = Response { status: 503, headers: text_headers(), body };
            let _ = http::write_response(&mut stream, &response, false, false);
            continue;
        }
        let slot = Slot;
        let server = server.clone();
        let spawned = std::thread::Builder::new().name("exemplar-http".into()).spawn(move || {
            let _slot = slot;
            handle(stream, &server)
        });
        if spawned.is_err() {
            // Out of threads: the connection is dropped, the server goes on.
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn handle(stream: TcpStream, server: &Server) {
    let _ = stream.set_read_timeout(Some(http::READ_TIMEOUT));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
    let _ = stream.set_nodelay(true);
    let Ok(write_half) = stream.try_clone() else { return };
    let mut writer = write_half;
    let mut reader = BufReader::new(stream);
    loop {
        let request = match http::read_request(&mut reader) {
            Ok(request) => request,
            Err(ReadError::Closed) => return,
            Err(ReadError::Bad(status)) => {
                let body = http::status_text(status).as_bytes();
                let response = Response { status, headers: text_headers(), body };
                let _ = http::write_response(&mut writer, &response, false, false);
                linger(&mut writer, &mut reader);
                return;
            }
        };
        if request.target.split('?').next() == Some("/__exemplar/events") {
            stream_events(&mut writer, server);
            return;
        }
        let keep_alive = request.keep_alive;
        if respond(&mut writer, &request, server).is_err() || !keep_alive {
            return;
        }
    }
}

/// Closes gracefully after an error answer: stop writing, then read (and drop) what the client is
/// still sending for a moment, so that the answer is not lost to a connection reset.
fn linger(writer: &mut TcpStream, reader: &mut BufReader<TcpStream>) {
    let _ = writer.shutdown(std::net::Shutdown::Write);
    let _ = writer.set_read_timeout(Some(Duration::from_millis(500)));
    let mut sink = [0u8; 8192];
    let mut drained = 0;
    while drained < 1 << 20 {
        match std::io::Read::read(reader, &mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

fn text_headers() -> Vec<(&'static str, String)> {
    vec![("Content-Type", "text/plain; charset=utf-8".into()), ("Cache-Control", "no-store".into())]
}

fn respond(writer: &mut TcpStream, request: &Request, server: &Server) -> std::io::Result<()> {
    let head_only = request.method == "HEAD";
    let keep_alive = request.keep_alive;
    if request.method != "GET" && !head_only {
        let mut headers = text_headers();
        headers.push(("Allow", "GET, HEAD".into()));
        let response = Response { status: 405, headers, body: b"Method Not Allowed" };
        return http::write_response(writer, &response, head_only, keep_alive);
    }
    let Some(path) = http::clean_path(&request.target) else {
        let response = Response { status: 400, headers: text_headers(), body: b"Bad Request" };
        return http::write_response(writer, &response, head_only, keep_alive);
    };
    let snapshot = server.snapshot();
    match path.as_str() {
        "__exemplar/live.js" => {
            let headers =
                vec![("Content-Type", http::content_type("live.js").into()), ("Cache-Control", "no-store".into())];
            let response = Response { status: 200, headers, body: LIVE_SCRIPT.as_bytes() };
            return http::write_response(writer, &response, head_only, keep_alive);
        }
        "__exemplar/state" => {
            let headers =
                vec![("Content-Type", http::content_type("state.json").into()), ("Cache-Control", "no-store".into())];
            let response = Response { status: 200, headers, body: snapshot.state.as_bytes() };
            return http::write_response(writer, &response, head_only, keep_alive);
        }
        _ => {}
    }
    let file = if path.is_empty() || path.ends_with('/') { format!("{path}index.html") } else { path.clone() };
    let served = match snapshot.get(&file) {
        Some(Ok(served)) => Some(served),
        Some(Err(problem)) => return server_error(writer, &problem, head_only, keep_alive),
        None => None,
    };
    let Some(served) = served else {
        if snapshot.contains(&format!("{path}/index.html")) {
            let location = format!("/{path}/");
            let headers = vec![("Location", location), ("Cache-Control", "no-store".into())];
            let response = Response { status: 301, headers, body: b"" };
            return http::write_response(writer, &response, head_only, keep_alive);
        }
        let page = snapshot.get("404.html").and_then(Result::ok);
        let body = match page.and_then(|page| snapshot.body("404.html", &page)) {
            Some(Ok(bytes)) => inject(&bytes),
            _ => inject(NOT_FOUND_PAGE),
        };
        let headers =
            vec![("Content-Type", http::content_type("404.html").into()), ("Cache-Control", "no-store".into())];
        let response = Response { status: 404, headers, body: &body };
        return http::write_response(writer, &response, head_only, keep_alive);
    };
    let content_type = http::content_type(&file);
    let mut headers = vec![
        ("Content-Type", content_type.to_owned()),
        ("Cache-Control", "no-cache".into()),
        ("ETag", served.etag.clone()),
        ("Accept-Ranges", "bytes".into()),
        ("X-Content-Type-Options", "nosniff".into()),
    ];
    if request.header("If-None-Match").is_some_and(|tags| tags.split(',').any(|t| t.trim() == served.etag)) {
        let response = Response { status: 304, headers, body: b"" };
        return http::write_response(writer, &response, true, keep_alive);
    }
    let bytes = match snapshot.body(&file, &served) {
        Some(Ok(bytes)) => bytes,
        Some(Err(problem)) => return server_error(writer, &problem, head_only, keep_alive),
        None => {
            let response = Response { status: 404, headers: text_headers(), body: b"Not Found" };
            return http::write_response(writer, &response, head_only, keep_alive);
        }
    };
    if content_type.starts_with("text/html") {
        let body = inject(&bytes);
        let response = Response { status: 200, headers, body: &body };
        return http::write_response(writer, &response, head_only, keep_alive);
    }
    let len = bytes.len();
    match request.header("Range").map(|r| http::parse_range(r, len)) {
        Some(Ok(Some((start, end)))) => {
            headers.push(("Content-Range", format!("bytes {start}-{end}/{len}")));
            let response = Response { status: 206, headers, body: &bytes[start..=end] };
            http::write_response(writer, &response, head_only, keep_alive)
        }
        Some(Err(())) => {
            headers.push(("Content-Range", format!("bytes */{len}")));
            let response = Response { status: 416, headers, body: b"" };
            http::write_response(writer, &response, head_only, keep_alive)
        }
        _ => {
            let response = Response { status: 200, headers, body: &bytes };
            http::write_response(writer, &response, head_only, keep_alive)
        }
    }
}

/// A template error, as the answer's text.
fn server_error(writer: &mut TcpStream, problem: &str, head_only: bool, keep_alive: bool) -> std::io::Result<()> {
    let response = Response { status: 500, headers: text_headers(), body: problem.as_bytes() };
    http::write_response(writer, &response, head_only, keep_alive)
}

/// Adds the live-reload script to a page (before `</body>`, or at the end).
fn inject(html: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(html.len() + LIVE_TAG.len() + 1);
    let position = html.windows(7).rposition(|w| w.eq_ignore_ascii_case(b"</body>")).unwrap_or(html.len());
    out.extend_from_slice(&html[..position]);
    out.extend_from_slice(LIVE_TAG.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(&html[position..]);
    out
}

/// Server-Sent Events: one `rebuild` event per rebuild, a comment every 15 s to keep it open.
fn stream_events(writer: &mut TcpStream, server: &Server) {
    let events = server.subscribe();
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-store\r\n\
                Connection: keep-alive\r\n\r\nretry: 1000\n\n";
    if writer.write_all(head.as_bytes()).and_then(|_| writer.flush()).is_err() {
        return;
    }
    loop {
        let message = match events.recv_timeout(Duration::from_secs(15)) {
            Ok(message) => message,
            Err(mpsc::RecvTimeoutError::Timeout) => ": keep-alive\n\n".to_owned(),
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        if writer.write_all(message.as_bytes()).and_then(|_| writer.flush()).is_err() {
            return;
        }
    }
}

/// Runs the preview: first build, HTTP on its own threads, then rebuilds as files change.
/// `ready` is called once with the address being served and the first build's outcome.
pub fn run(options: ServeOptions, ready: impl FnOnce(SocketAddr, &Catalog, &Snapshot)) -> Result<(), ServeError> {
    let build_options =
        BuildOptions { site_dir: options.site_dir.clone(), drafts: options.drafts, ..Default::default() };
    let mut builder = Builder::new(build_options);
    builder.report_catalog = options.lang.as_deref().map(Catalog::builtin);
    let (snapshot, _) = builder.rebuild(&Snapshot::default(), None);
    let listener = listen(&options.bind, options.port)?;
    let addr = listener.local_addr().map_err(|source| ServeError::Bind { addr: options.bind.clone(), source })?;
    let watcher = watch::Watcher::new(&options.site_dir)?;
    ready(addr, builder.catalog(), &snapshot);
    let (first, version) = (snapshot.deferred.clone(), snapshot.version);
    let server = Server::new(snapshot);
    let accept_server = server.clone();
    std::thread::Builder::new()
        .name("exemplar-accept".into())
        .spawn(move || accept_loop(listener, accept_server))
        .map_err(|source| ServeError::Bind { addr: addr.to_string(), source })?;
    // Deferred pages are made in the background on one thread of their own, so that they never
    // hold up the rendering of the next edit.
    let warm_pool = rayon::ThreadPoolBuilder::new().num_threads(1).thread_name(|_| "exemplar-warm".into()).build().ok();
    let warm_later = |later: Option<Arc<Deferred>>, version: u64| {
        if let (Some(later), Some(pool)) = (later, &warm_pool) {
            // Weak: a warm-up still waiting for its turn keeps no replaced snapshot in memory.
            let (later, server) = (Arc::downgrade(&later), server.clone());
            pool.spawn(move || warm_up(&later, &server, version));
        }
    };
    warm_later(first, version);
    loop {
        let batch = watcher.next_batch();
        let mut changed = batch.paths;
        if batch.git {
            // A commit or checkout: the cases whose history moved are made again, as if saved.
            changed.extend(builder.history_changed());
            if changed.is_empty() {
                continue;
            }
        }
        let timings = crate::pipeline::Timings::new();
        timings.note(format_args!("{} changed paths", changed.len()));
        let current = server.snapshot();
        let (snapshot, event) = builder.rebuild(&current, Some(&changed));
        let last_state = current.state.clone();
        // Let go of the replaced snapshot before the browsers hear of the new one: it is then
        // dropped as the new one is installed, with the search index it was the last to share
        // (the next snapshot's index is made from it, unshared, rather than from a copy).
        drop(current);
        eprintln!("{}", rebuild_line(builder.report_catalog(), &event, &snapshot, &last_state));
        let later = snapshot.deferred.clone();
        server.publish(snapshot, &event);
        timings.lap("published");
        warm_later(later, event.version);
    }
}

/// Makes a snapshot's deferred files once the server has been quiet for a moment, stopping as soon
/// as a newer snapshot replaces it.
fn warm_up(later: &std::sync::Weak<Deferred>, server: &Server, version: u64) {
    let superseded = || server.snapshot().version != version;
    std::thread::sleep(WARM_UP_DELAY);
    if let Some(later) = later.upgrade()
        && !superseded()
    {
        later.warm(&superseded);
    }
}

/// How long after a rebuild the deferred files start being made: saves in quick succession
/// (an editor's autosave, a `git checkout`) do not each pay for them.
const WARM_UP_DELAY: Duration = Duration::from_millis(300);

/// What the terminal says of a rebuild: errors, or what changed; then each error's report, and
/// the warnings' when they are not those of the last rebuild (`last_state`, its overlay data):
/// told once, not at every save.
fn rebuild_line(catalog: &Catalog, event: &RebuildEvent, snapshot: &Snapshot, last_state: &str) -> String {
    let head = if event.errors > 0 {
        catalog.format("cli.serve_errors", &[("errors", event.errors.to_string())])
    } else {
        let args = [("changed", event.changed.len().to_string()), ("ms", event.millis.to_string())];
        catalog.format("cli.serve_rebuilt", &args)
    };
    let reports = if event.errors > 0 || snapshot.state.as_str() != last_state {
        snapshot.diagnostic_texts()
    } else {
        Vec::new()
    };
    std::iter::once(head).chain(reports).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_terminal_is_told_of_new_warnings_too() {
        let catalog = Catalog::builtin("en");
        let event = RebuildEvent { version: 2, changed: vec!["cases/a/".into()], errors: 0, millis: 7 };
        let state =
            r#"{"errors":0,"warnings":1,"diagnostics":[{"severity":"warning","text":"warning[label_list_slip]: …"}]}"#;
        let reports = Arc::new(vec!["warning[label_list_slip]: …".to_owned()]);
        let snapshot =
            Snapshot { state: Arc::new(state.into()), reports: reports.clone(), warnings: 1, ..Snapshot::default() };
        let line = rebuild_line(&catalog, &event, &snapshot, "{}");
        assert!(line.starts_with("Rebuilt") && line.ends_with("\nwarning[label_list_slip]: …"), "{line}");
        // The same warnings as the last rebuild: not told again.
        assert!(!rebuild_line(&catalog, &event, &snapshot, state).contains('\n'));
        let clean = Snapshot { state: Arc::new(state.into()), reports, ..Snapshot::default() };
        assert!(!rebuild_line(&catalog, &event, &clean, "{}").contains('\n'), "no report without warnings");
    }

    #[test]
    fn the_page_cache_drops_the_oldest_pages_past_its_budget() {
        let cache = PageCache::with_budget(100);
        let page = |fill: u8| Arc::new(vec![fill; 40]);
        cache.put(1, page(1));
        cache.put(2, page(2));
        // The same bytes again: held once.
        cache.put(2, page(2));
        assert_eq!(cache.get(1).as_deref(), Some(&vec![1; 40]));
        cache.put(3, page(3));
        assert!(cache.get(1).is_none(), "the oldest goes first");
        assert!(cache.get(2).is_some() && cache.get(3).is_some());
        let held = cache.inner.lock().map(|inner| (inner.bytes, inner.by_hash.len(), inner.order.len())).unwrap();
        assert_eq!(held, (80, 2, 2));
        // A page larger than the budget is not kept, nor does it keep others.
        cache.put(4, Arc::new(vec![4; 200]));
        assert!(cache.get(4).is_none() && cache.get(3).is_none());
    }
}
